//! The SOCR heights/weights table: 25,000 people's height (inches) and weight (pounds)
//! (SOCR Data Dinov 020108, <https://wiki.socr.umich.edu/index.php/SOCR_Data_Dinov_020108_HeightsWeights>).
//!
//! The file is a CSV with the header `Index,Height(Inches),Weight(Pounds)`. It is
//! found, in order, in an explicit directory (`--data-dir`), in `$SOCR_DIR`, or in the
//! user cache (`<cache>/burn-zoo/socr`). When it is in none of them it is downloaded
//! into the cache, with a progress bar, and checked against the SHA-256 of the known
//! 25,000-row file ([`SHA256`]) before it is used. SOCR publishes the table as a web
//! page, not as a file, so the download comes from [`DEFAULT_URL`], a public copy pinned
//! to one git commit (byte-identical to the table the zoo's figures were measured on);
//! `$SOCR_URL` names another copy. Whatever the source, only a file with that SHA-256 is
//! kept, so a changed or corrupted copy is an error, never a silently different table.

use std::{
    fs,
    path::{Path, PathBuf},
};

use thiserror::Error;

use crate::download;

/// The file name the loader looks for.
pub const FILE_NAME: &str = "SOCR-HeightWeight.csv";
/// Environment variable naming a directory that holds [`FILE_NAME`].
pub const DIR_VAR: &str = "SOCR_DIR";
/// Environment variable naming a URL to download [`FILE_NAME`] from instead of
/// [`DEFAULT_URL`].
pub const URL_VAR: &str = "SOCR_URL";
/// Where the table is downloaded from by default: a public copy on GitHub, pinned to
/// a commit so its bytes cannot change under the checksum.
pub const DEFAULT_URL: &str = "https://raw.githubusercontent.com/ShriramHebbar/dataset/05e9248cec423c14e07234becc2811ed3c432ae7/SOCR-HeightWeight.csv";
/// SHA-256 of the 25,000-row file.
pub const SHA256: &str = "1b441f2c4e3035c914b3e0d09fe3a3dff717fd6e41361789e0aab1a701a5df9c";
/// The height column's header.
pub const HEIGHT_COLUMN: &str = "Height(Inches)";
/// The weight column's header.
pub const WEIGHT_COLUMN: &str = "Weight(Pounds)";

/// Errors of reading the SOCR table; each names the file (and line, where there is one).
#[derive(Debug, Error)]
pub enum SocrError {
    /// The file could not be read.
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file has no header line.
    #[error("'{}' is empty: expected a CSV header with '{HEIGHT_COLUMN}' and '{WEIGHT_COLUMN}'", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The header lacks a required column.
    #[error("'{}': the header has no '{column}' column (found: {found})", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column's name.
        column: &'static str,
        /// The header's columns.
        found: String,
    },
    /// A data line has too few cells.
    #[error("'{}' line {line}: expected {expected} cells, found {found}", path.display())]
    ShortRow {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Cells the header has.
        expected: usize,
        /// Cells on the line.
        found: usize,
    },
    /// A cell is not a number.
    #[error("'{}' line {line}: {column} is '{value}', not a number", path.display())]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The column's name.
        column: &'static str,
        /// The cell's text.
        value: String,
    },
    /// A cell is NaN or infinite.
    #[error("'{}' line {line}: {column} is {value}; every value must be finite", path.display())]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The column's name.
        column: &'static str,
        /// The value.
        value: f64,
    },
    /// The header is followed by no data.
    #[error("'{}' has a header but no data rows", path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// The file is in none of the places searched and could not be downloaded.
    #[error("{0}")]
    NotFound(String),
}

/// The table: heights and weights, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct HeightWeight {
    heights: Vec<f64>,
    weights: Vec<f64>,
}

impl HeightWeight {
    /// Reads and validates the CSV at `path`.
    pub fn from_csv_path(path: &Path) -> Result<Self, SocrError> {
        let text = fs::read_to_string(path).map_err(|source| SocrError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses CSV `text` (read from `path`, which errors name). Columns are found by
    /// their header names, in any order; blank lines are skipped.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SocrError> {
        let path_buf = || path.to_path_buf();
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(SocrError::Empty { path: path_buf() });
        };
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        let find = |column: &'static str| {
            names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(column))
                .ok_or_else(|| SocrError::MissingColumn {
                    path: path_buf(),
                    column,
                    found: names.join(", "),
                })
        };
        let (h_col, w_col) = (find(HEIGHT_COLUMN)?, find(WEIGHT_COLUMN)?);
        let (mut heights, mut weights) = (Vec::new(), Vec::new());
        for (line, text) in lines {
            let cells: Vec<&str> = text.split(',').map(str::trim).collect();
            if cells.len() <= h_col.max(w_col) {
                return Err(SocrError::ShortRow {
                    path: path_buf(),
                    line,
                    expected: names.len(),
                    found: cells.len(),
                });
            }
            let number = |col: usize, column: &'static str| {
                let value: f64 = cells[col].parse().map_err(|_| SocrError::NotANumber {
                    path: path_buf(),
                    line,
                    column,
                    value: cells[col].to_string(),
                })?;
                if !value.is_finite() {
                    return Err(SocrError::NotFinite {
                        path: path_buf(),
                        line,
                        column,
                        value,
                    });
                }
                Ok(value)
            };
            heights.push(number(h_col, HEIGHT_COLUMN)?);
            weights.push(number(w_col, WEIGHT_COLUMN)?);
        }
        if heights.is_empty() {
            return Err(SocrError::NoRows { path: path_buf() });
        }
        Ok(Self { heights, weights })
    }

    /// Number of people.
    pub fn len(&self) -> usize {
        self.heights.len()
    }

    /// Whether the table has no rows (never true for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.heights.is_empty()
    }

    /// Heights in inches.
    pub fn heights(&self) -> &[f64] {
        &self.heights
    }

    /// Weights in pounds.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The first `n` rows (all of them if there are fewer).
    pub fn first(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            heights: self.heights[..n].to_vec(),
            weights: self.weights[..n].to_vec(),
        }
    }
}

/// Where to look for the file, and where to download it.
#[derive(Debug, Clone)]
pub struct Search {
    /// An explicit directory (`--data-dir`).
    pub data_dir: Option<PathBuf>,
    /// `$SOCR_DIR`, if set.
    pub env_dir: Option<PathBuf>,
    /// `<user cache>/burn-zoo/socr`, if the platform has a cache directory.
    pub cache_dir: Option<PathBuf>,
    /// Where to download the table from (`$SOCR_URL`, else [`DEFAULT_URL`]); `None`
    /// never downloads.
    pub url: Option<String>,
}

impl Search {
    /// The usual search: `data_dir`, `$SOCR_DIR`, the user cache; downloads from
    /// `$SOCR_URL`, else [`DEFAULT_URL`].
    pub fn from_env(data_dir: Option<&Path>) -> Self {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            data_dir: data_dir.map(Path::to_path_buf),
            env_dir: var(DIR_VAR).map(PathBuf::from),
            cache_dir: dirs::cache_dir().map(|d| d.join("burn-zoo").join("socr")),
            url: Some(
                var(URL_VAR)
                    .and_then(|v| v.into_string().ok())
                    .unwrap_or_else(|| DEFAULT_URL.to_string()),
            ),
        }
    }

    /// The path of the CSV, downloading it into the cache if needed and possible.
    pub fn locate(&self) -> Result<PathBuf, SocrError> {
        let in_dir = |dir: &Path, what: &str| {
            let path = dir.join(FILE_NAME);
            if path.is_file() {
                Ok(path)
            } else if !dir.is_dir() {
                let why = if dir.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                Err(SocrError::NotFound(format!(
                    "{what} '{}' {why}; it must be a directory holding {FILE_NAME}",
                    dir.display()
                )))
            } else {
                Err(SocrError::NotFound(format!(
                    "{what} '{}' has no {FILE_NAME}",
                    dir.display()
                )))
            }
        };
        if let Some(dir) = &self.data_dir {
            return in_dir(dir, "--data-dir");
        }
        if let Some(dir) = &self.env_dir {
            return in_dir(dir, &format!("${DIR_VAR}"));
        }
        let cached = self.cache_dir.as_ref().map(|d| d.join(FILE_NAME));
        if let Some(path) = cached.as_ref().filter(|p| p.is_file()) {
            return Ok(path.clone());
        }
        let place = cached.as_ref().map_or_else(
            || "this platform has no cache directory".to_string(),
            |p| format!("not in the cache ('{}')", p.display()),
        );
        let help = format!(
            "pass --data-dir DIR or set {DIR_VAR}=DIR for a directory holding {FILE_NAME} \
             (header 'Index,{HEIGHT_COLUMN},{WEIGHT_COLUMN}'; SOCR publishes it as a table at \
             https://wiki.socr.umich.edu/index.php/SOCR_Data_Dinov_020108_HeightsWeights)"
        );
        let (Some(url), Some(path)) = (&self.url, &cached) else {
            return Err(SocrError::NotFound(format!(
                "{FILE_NAME} not found: no --data-dir, ${DIR_VAR} not set, {place}, and no download source; {help}"
            )));
        };
        let download = || -> Result<(), String> {
            let dir = path.parent().expect("a file in the cache directory");
            fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
            download::fetch_verified(url, path, SHA256, "the file's", download::sha256_of_file)
        };
        download().map_err(|e| {
            SocrError::NotFound(format!(
                "{FILE_NAME} not found: no --data-dir, ${DIR_VAR} not set, {place}, and the download failed: {e}; \
                 with network, retry or set {URL_VAR}=URL for another copy of the same file; {help}"
            ))
        })?;
        Ok(path.clone())
    }
}

/// Finds (see [`Search::from_env`]) and reads the table.
#[cfg(test)]
pub(crate) fn load(data_dir: Option<&Path>) -> Result<HeightWeight, SocrError> {
    HeightWeight::from_csv_path(&Search::from_env(data_dir).locate()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::download::test_http::{refused_url, serve};

    fn parse(text: &str) -> Result<HeightWeight, SocrError> {
        HeightWeight::parse(text, Path::new("t.csv"))
    }

    #[test]
    fn parses_columns_by_name_in_any_order() {
        let t =
            parse("Index,Height(Inches),Weight(Pounds)\n1,65.5,112.9\n\n2,71.5,136.4\n").unwrap();
        assert_eq!(t.heights(), &[65.5, 71.5]);
        assert_eq!(t.weights(), &[112.9, 136.4]);
        let t = parse("Weight(Pounds), Height(Inches)\r\n100,60\r\n").unwrap();
        assert_eq!((t.heights(), t.weights()), (&[60.0][..], &[100.0][..]));
        assert_eq!(t.first(5).len(), 1);
    }

    #[test]
    fn bad_files_give_one_clear_error_each() {
        let cases = [
            ("", "is empty"),
            ("  \n\n", "is empty"),
            ("Index,Height(Inches)\n1,60\n", "no 'Weight(Pounds)' column"),
            (
                "Index,Height(Inches),Weight(Pounds)\n1,60,100\n2,61,abc\n",
                "line 3: Weight(Pounds) is 'abc', not a number",
            ),
            (
                "Index,Height(Inches),Weight(Pounds)\n1,NaN,100\n",
                "line 2: Height(Inches) is NaN",
            ),
            (
                "Index,Height(Inches),Weight(Pounds)\n1,60,inf\n",
                "Weight(Pounds) is inf",
            ),
            (
                "Index,Height(Inches),Weight(Pounds)\n1,60\n",
                "line 2: expected 3 cells, found 2",
            ),
            ("Index,Height(Inches),Weight(Pounds)\n", "no data rows"),
        ];
        for (text, needle) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.contains(needle) && err.contains("t.csv"),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn search_names_every_place_it_looked() {
        let tmp = tempfile::tempdir().unwrap();
        let search = Search {
            data_dir: Some(tmp.path().to_path_buf()),
            env_dir: None,
            cache_dir: None,
            url: None,
        };
        let err = search.locate().unwrap_err().to_string();
        assert!(
            err.contains("--data-dir") && err.contains(FILE_NAME),
            "{err}"
        );
        fs::write(tmp.path().join(FILE_NAME), "x").unwrap();
        assert_eq!(search.locate().unwrap(), tmp.path().join(FILE_NAME));

        let cache = tmp.path().join("cache");
        let search = Search {
            data_dir: None,
            env_dir: None,
            cache_dir: Some(cache.clone()),
            url: Some(refused_url()),
        };
        let err = search.locate().unwrap_err().to_string();
        for needle in [
            "SOCR_DIR",
            "SOCR_URL",
            "--data-dir",
            "download failed",
            cache.to_str().unwrap(),
        ] {
            assert!(err.contains(needle), "'{needle}' missing from: {err}");
        }
    }

    #[test]
    fn the_default_source_is_the_pinned_copy_and_socr_url_overrides_it() {
        // `from_env` reads the process environment; the variable is only read here.
        let search = Search::from_env(None);
        match std::env::var(URL_VAR) {
            Ok(url) if !url.is_empty() => assert_eq!(search.url.as_deref(), Some(url.as_str())),
            _ => assert_eq!(search.url.as_deref(), Some(DEFAULT_URL)),
        }
        assert!(DEFAULT_URL.starts_with("https://") && DEFAULT_URL.ends_with(FILE_NAME));
    }

    #[test]
    fn a_download_with_another_checksum_is_refused_and_not_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let copy = "Index,Height(Inches),Weight(Pounds)\n1,65.5,112.9\n";
        let search = Search {
            data_dir: None,
            env_dir: None,
            cache_dir: Some(cache.clone()),
            url: Some(format!(
                "{}/{FILE_NAME}",
                serve(copy.as_bytes().to_vec(), 1)
            )),
        };
        let err = search.locate().unwrap_err().to_string();
        assert!(
            err.contains("checksum mismatch") && err.contains(SHA256),
            "{err}"
        );
        assert!(
            !cache.join(FILE_NAME).exists(),
            "a wrong copy must not be kept"
        );
    }

    /// The real table, served as a download, is accepted, cached and loads.
    #[test]
    #[ignore = "needs the real 25,000-row SOCR table: set SOCR_DIR or place it in ../shared/data/socr"]
    fn the_real_table_is_accepted_as_a_download() {
        let real = fs::read(real_table()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let search = Search {
            data_dir: None,
            env_dir: None,
            cache_dir: Some(tmp.path().to_path_buf()),
            url: Some(format!("{}/{FILE_NAME}", serve(real, 1))),
        };
        let path = search.locate().unwrap();
        assert_eq!(path, tmp.path().join(FILE_NAME));
        assert_eq!(HeightWeight::from_csv_path(&path).unwrap().len(), 25_000);
        // Found in the cache the second time: no server is listening any more.
        assert_eq!(search.locate().unwrap(), path);
    }

    /// Needs the real table: run with `--include-ignored` and the data supplied.
    #[test]
    #[ignore = "needs the real 25,000-row SOCR table: set SOCR_DIR or place it in ../shared/data/socr"]
    fn the_shared_file_has_25000_rows() {
        let path = real_table();
        let t = HeightWeight::from_csv_path(&path).unwrap();
        assert_eq!(t.len(), 25_000);
        assert_eq!((t.heights()[0], t.weights()[0]), (65.78331, 112.9925));
        assert_eq!(download::sha256_of_file(&path).unwrap(), SHA256);
    }

    /// The real table for full-data tests: `$SOCR_DIR`, else `../shared/data/socr`;
    /// panics with how to supply it.
    fn real_table() -> PathBuf {
        let dir = std::env::var_os(DIR_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/socr")
            });
        dir.join(FILE_NAME).canonicalize().unwrap_or_else(|_| {
            panic!(
                "full-data test: no {FILE_NAME} in '{}'. Set {DIR_VAR}=DIR for a directory \
                 holding the real 25,000-row table (SHA-256 {SHA256}), or place it in \
                 ../shared/data/socr beside the checkout",
                dir.display()
            )
        })
    }
}
