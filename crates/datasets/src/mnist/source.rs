//! Where MNIST-format files come from, in order: an explicit directory
//! (`--data-dir`), an environment variable (`MNIST_DIR` / `FASHION_MNIST_DIR`), the
//! user cache directory. When the files are in none of them they are downloaded into
//! the cache from a public mirror, with a progress bar, written atomically, and
//! checked against the SHA-256 of the uncompressed files.

use std::{
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
};

use flate2::read::MultiGzDecoder;

use super::{MnistError, MnistKind, Split};

/// SHA-256 of the four uncompressed files, by file name.
pub(crate) fn checksums(kind: MnistKind) -> [(&'static str, &'static str); 4] {
    match kind {
        MnistKind::Mnist => [
            (
                "train-images-idx3-ubyte",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            ),
            (
                "train-labels-idx1-ubyte",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            ),
            (
                "t10k-images-idx3-ubyte",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            ),
            (
                "t10k-labels-idx1-ubyte",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ),
        ],
        MnistKind::Fashion => [
            (
                "train-images-idx3-ubyte",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            (
                "train-labels-idx1-ubyte",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            (
                "t10k-images-idx3-ubyte",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            (
                "t10k-labels-idx1-ubyte",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        ],
    }
}

/// The public mirror files are downloaded from (`<base><name>.gz`).
pub(crate) fn default_mirror(kind: MnistKind) -> &'static str {
    match kind {
        MnistKind::Mnist => "https://storage.googleapis.com/cvdf-datasets/mnist/",
        MnistKind::Fashion => "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    }
}

/// `dir/name` if it exists, else `dir/name.gz` if that exists.
pub(crate) fn existing_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|p| p.is_file())
}

/// Names of the files of `kind` missing from `dir`.
pub fn missing_files(dir: &Path, kind: MnistKind) -> Vec<&'static str> {
    missing_files_of(dir, kind, &[Split::Train, Split::Test])
}

/// Names of the files of `kind`'s `splits` missing from `dir`.
fn missing_files_of(dir: &Path, kind: MnistKind, splits: &[Split]) -> Vec<&'static str> {
    splits
        .iter()
        .flat_map(|&s| kind.files(s))
        .filter(|name| existing_file(dir, name).is_none())
        .collect()
}

/// Where to look for the files, and where to download them.
#[derive(Debug, Clone)]
pub struct Search {
    /// The data set.
    pub kind: MnistKind,
    /// An explicit directory (`--data-dir`).
    pub data_dir: Option<PathBuf>,
    /// The environment variable's value, if set.
    pub env_dir: Option<PathBuf>,
    /// The cache directory for this data set, if the platform has one.
    pub cache_dir: Option<PathBuf>,
    /// Base URL to download from.
    pub mirror: String,
}

impl Search {
    /// The usual search: `data_dir`, then `$MNIST_DIR`/`$FASHION_MNIST_DIR`, then
    /// `<user cache>/burn-zoo/<kind>`; downloads from `$MNIST_MIRROR` /
    /// `$FASHION_MNIST_MIRROR` or the public mirror.
    pub fn from_env(kind: MnistKind, data_dir: Option<&Path>) -> Self {
        let env_dir = std::env::var_os(kind.env_var())
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let mirror_var = format!("{}_MIRROR", kind.env_var().trim_end_matches("_DIR"));
        Self {
            kind,
            data_dir: data_dir.map(Path::to_path_buf),
            env_dir,
            cache_dir: dirs::cache_dir().map(|d| d.join("burn-zoo").join(kind.name())),
            mirror: std::env::var(mirror_var).unwrap_or_else(|_| default_mirror(kind).to_string()),
        }
    }

    /// The directory holding all four files, downloading into the cache if needed.
    pub fn locate(&self) -> Result<PathBuf, MnistError> {
        self.locate_for(&[Split::Train, Split::Test])
    }

    /// The directory holding the files of `splits` (`[Split::Test]` to classify test
    /// images without the training set), downloading into the cache if needed.
    pub fn locate_for(&self, splits: &[Split]) -> Result<PathBuf, MnistError> {
        let kind = self.kind;
        let missing_files = |dir: &Path, kind| missing_files_of(dir, kind, splits);
        let complete = |dir: &Path, what: &str| -> Result<PathBuf, MnistError> {
            if !dir.is_dir() {
                let why = if dir.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                return Err(MnistError::NotFound(format!(
                    "{what} '{}' {why}; it must be a directory holding the four {} IDX files (raw or .gz)",
                    dir.display(),
                    kind.name()
                )));
            }
            let missing = missing_files(dir, kind);
            if missing.is_empty() {
                return Ok(dir.to_path_buf());
            }
            Err(MnistError::NotFound(format!(
                "{what} '{}' lacks {} file(s): {} (each may be raw or .gz)",
                dir.display(),
                kind.name(),
                missing.join(", ")
            )))
        };
        if let Some(dir) = &self.data_dir {
            return complete(dir, "--data-dir");
        }
        if let Some(dir) = &self.env_dir {
            return complete(dir, &format!("${}", kind.env_var()));
        }
        let Some(cache) = &self.cache_dir else {
            return Err(MnistError::NotFound(format!(
                "no {} files: no --data-dir, ${} is not set, and this platform has no cache directory; pass --data-dir DIR",
                kind.name(),
                kind.env_var()
            )));
        };
        if missing_files(cache, kind).is_empty() {
            return Ok(cache.clone());
        }
        download_all(kind, cache, &self.mirror).map_err(|e| {
            MnistError::NotFound(format!(
                "{} files not found: no --data-dir given, ${} not set, not in the cache '{}', and the download failed: {e}. \
                 Supply the four IDX files (raw or .gz) with --data-dir DIR or {}=DIR, or copy them into '{}'",
                kind.name(),
                kind.env_var(),
                cache.display(),
                kind.env_var(),
                cache.display()
            ))
        })?;
        Ok(cache.clone())
    }
}

/// Downloads every missing file of `kind` from `mirror` into `dir`.
pub(crate) fn download_all(kind: MnistKind, dir: &Path, mirror: &str) -> Result<(), MnistError> {
    fs::create_dir_all(dir)
        .map_err(|e| MnistError::Download(format!("cannot create '{}': {e}", dir.display())))?;
    for (name, sha256) in checksums(kind) {
        if existing_file(dir, name).is_none() {
            let url = format!("{}/{name}.gz", mirror.trim_end_matches('/'));
            download_gz(&url, &dir.join(format!("{name}.gz")), sha256)?;
        }
    }
    Ok(())
}

/// Downloads a gzip file to `dest` through a temporary file, checks the SHA-256 of its
/// uncompressed content against `sha256`, then renames it into place.
pub(crate) fn download_gz(url: &str, dest: &Path, sha256: &str) -> Result<(), MnistError> {
    crate::download::fetch_verified(url, dest, sha256, "the uncompressed file's", sha256_of_gz)
        .map_err(MnistError::Download)
}

/// SHA-256 (hex) of the uncompressed content of a gzip file, streamed.
pub(crate) fn sha256_of_gz(path: &Path) -> io::Result<String> {
    crate::download::sha256_of_reader(MultiGzDecoder::new(File::open(path)?))
}

/// Writes `bytes` gzip-compressed to `path` (fixtures and tests).
pub(crate) fn write_gz(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut enc = flate2::write::GzEncoder::new(File::create(path)?, flate2::Compression::fast());
    enc.write_all(bytes)?;
    enc.finish()?.sync_all()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::download::test_http::{refused_url, serve};

    fn gz_bytes(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn sha_hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn download_checks_the_uncompressed_checksum_and_writes_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let content = b"some idx bytes".to_vec();
        let base = serve(gz_bytes(&content), 2);
        let dest = tmp.path().join("f.gz");
        download_gz(&format!("{base}/f.gz"), &dest, &sha_hex(&content)).unwrap();
        assert_eq!(sha256_of_gz(&dest).unwrap(), sha_hex(&content));

        let other = tmp.path().join("g.gz");
        let err = download_gz(&format!("{base}/g.gz"), &other, &"0".repeat(64)).unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        assert!(!other.exists() && !other.with_extension("gz.part").exists());
    }

    #[test]
    fn explicit_directories_must_hold_the_files_and_say_which_are_missing() {
        let tmp = tempfile::tempdir().unwrap();
        super::super::tests::write_fixture(tmp.path(), MnistKind::Mnist, Split::Test, 3);
        let search = Search {
            kind: MnistKind::Mnist,
            data_dir: Some(tmp.path().to_path_buf()),
            env_dir: None,
            cache_dir: None,
            mirror: String::new(),
        };
        let err = search.locate().unwrap_err().to_string();
        assert!(
            err.contains("--data-dir") && err.contains("train-images-idx3-ubyte"),
            "{err}"
        );
        assert!(!err.contains("t10k-images"), "{err}");
        super::super::tests::write_fixture(tmp.path(), MnistKind::Mnist, Split::Train, 3);
        assert_eq!(search.locate().unwrap(), tmp.path());
    }

    #[test]
    fn without_network_the_error_says_where_it_looked_and_how_to_supply_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let search = Search {
            kind: MnistKind::Fashion,
            data_dir: None,
            env_dir: None,
            cache_dir: Some(cache.clone()),
            mirror: refused_url(),
        };
        let err = search.locate().unwrap_err().to_string();
        for needle in [
            "FASHION_MNIST_DIR",
            "--data-dir",
            cache.to_str().unwrap(),
            "download failed",
        ] {
            assert!(err.contains(needle), "'{needle}' missing from: {err}");
        }
        assert!(
            fs::read_dir(&cache).unwrap().next().is_none(),
            "no partial files left"
        );
    }
}
