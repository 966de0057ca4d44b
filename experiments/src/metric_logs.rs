//! Reading back burn's metric logs, `<run>/<split>/epoch-<N>/<Metric>.log` (one
//! `value` or `value,count` per line, as burn's `FileMetricLogger` writes them): the one
//! reader behind a run's per-epoch history ([`crate::learning::history`]) and the
//! per-iteration series of `zoo export`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::train::metric::NumericEntry;

/// The splits burn logs, in the order they are read.
pub const SPLITS: [&str; 2] = ["train", "valid"];

/// One metric's values in one epoch of one split.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochLog {
    /// `train` or `valid`.
    pub split: &'static str,
    /// The epoch (1-based).
    pub epoch: usize,
    /// The metric's key ([`metric_key`] of burn's name: `loss`, `learning_rate`).
    pub key: String,
    /// The logged entries, in order (one per iteration): the value and how many items
    /// it is the mean of (1 for a plain value).
    pub entries: Vec<(f64, usize)>,
}

impl EpochLog {
    /// The values, one per iteration.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.entries.iter().map(|&(value, _)| value)
    }

    /// The epoch's mean over its items (each entry weighted by its count), as burn's
    /// event store aggregates it for early stopping and the best-epoch checkpoint.
    pub fn mean(&self) -> Option<f64> {
        let items: usize = self.entries.iter().map(|&(_, n)| n).sum();
        let sum: f64 = self.entries.iter().map(|&(v, n)| v * n as f64).sum();
        (items > 0).then(|| sum / items as f64)
    }
}

/// The key of burn metric `name`: lower case, spaces and `-` as `_`
/// (`Learning Rate` → `learning_rate`).
pub fn metric_key(name: &str) -> String {
    name.trim().to_lowercase().replace([' ', '-'], "_")
}

/// Every metric log under the run directory `dir`, by split, epoch and key. A last
/// line without its newline (a write cut short by a kill) is left out; a line that does
/// not parse is an error naming the file and line.
pub fn read(dir: &Path) -> Result<Vec<EpochLog>> {
    let mut logs = Vec::new();
    for split in SPLITS {
        for (epoch, epoch_dir) in epoch_dirs(&dir.join(split))? {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&epoch_dir)
                .with_context(|| format!("cannot list '{}'", epoch_dir.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "log"))
                .collect();
            files.sort();
            for file in files {
                let stem = file.file_stem().unwrap_or_default().to_string_lossy();
                logs.push(EpochLog {
                    split,
                    epoch,
                    key: metric_key(&stem),
                    entries: read_entries(&file)?,
                });
            }
        }
    }
    Ok(logs)
}

/// `(N, path)` of each `epoch-<N>` directory under `split_dir`, by N; none if absent.
fn epoch_dirs(split_dir: &Path) -> Result<Vec<(usize, PathBuf)>> {
    if !split_dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut dirs: Vec<(usize, PathBuf)> = std::fs::read_dir(split_dir)
        .with_context(|| format!("cannot list '{}'", split_dir.display()))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix("epoch-")?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The entries of one log file (see [`read`] for what is left out or refused).
fn read_entries(path: &Path) -> Result<Vec<(f64, usize)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    let mut lines: Vec<&str> = text.lines().collect();
    if !text.ends_with('\n') {
        // burn ends every entry with a newline: a last line without one may be cut short
        // ("0.25" written as "0."), so it is not read at all.
        lines.pop();
    }
    let mut values = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match NumericEntry::deserialize(line.trim()) {
            Ok(NumericEntry::Value(v)) => values.push((v, 1)),
            Ok(NumericEntry::Aggregated {
                aggregated_value,
                count,
            }) => values.push((aggregated_value, count)),
            Err(e) => anyhow::bail!("'{}' line {}: {e}", path.display(), i + 1),
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_log_and_passes_over_a_line_cut_short() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("train/epoch-2");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("Learning Rate.log"), "0.5\n0.25,4\n0.1\n").unwrap();
        let v = tmp.path().join("valid/epoch-1");
        std::fs::create_dir_all(&v).unwrap();
        std::fs::write(v.join("Loss.log"), "0.5\n0.2,4\n0.").unwrap();
        let logs = read(tmp.path()).unwrap();
        assert_eq!(logs.len(), 2);
        assert_eq!((logs[0].split, logs[0].epoch), ("train", 2));
        assert_eq!(logs[0].key, "learning_rate");
        assert_eq!(logs[0].values().collect::<Vec<_>>(), [0.5, 0.25, 0.1]);
        assert_eq!(logs[1].entries, [(0.5, 1), (0.2, 4)]);
        // Weighted by count, as burn's event store: (0.5 + 4 * 0.2) / 5.
        assert!((logs[1].mean().unwrap() - 0.26).abs() < 1e-12);

        std::fs::write(v.join("Loss.log"), "0.5\nnot a number\n").unwrap();
        let err = read(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("Loss.log") && err.contains("line 2"), "{err}");
    }
}
