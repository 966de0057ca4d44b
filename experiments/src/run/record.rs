//! `run.json`: what a run is, where it came from and how it ended.
//!
//! Written when a run starts (`status: running`), and again when it ends
//! (`finished`, `stopped` or `failed` with the error). A run killed outright stays
//! `running` with the `pid` of a process that no longer exists;
//! [`RunRecord::effective_status`] reports it as `interrupted`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// File name of the run record.
pub const RUN_FILE: &str = "run.json";

/// How a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Status {
    /// Started and not ended (or killed: see [`RunRecord::effective_status`]).
    Running,
    /// Trained to the end and wrote its summary.
    Finished,
    /// Stopped by the user (`q` on the dashboard); resumable.
    Stopped,
    /// Ended with an error (`error` says which).
    Failed,
    /// Recorded as running, but its process is gone (killed); resumable from its
    /// newest checkpoint. Never written, only reported.
    Interrupted,
    /// No `run.json` where a run was expected (a sweep's run not started yet). Never
    /// written to `run.json`, only reported.
    Missing,
}

/// Whether larger or smaller values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    /// Larger is better (accuracy, R²).
    Max,
    /// Smaller is better (loss, inertia).
    Min,
}

/// The one figure a run is ranked by (`zoo runs`, leaderboards, sweeps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyMetric {
    /// Key of the metric in `summary.json`'s `metrics`.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Whether larger or smaller is better.
    pub goal: Goal,
}

impl KeyMetric {
    /// A metric where larger is better.
    pub fn max(name: &str, value: f64) -> Self {
        Self {
            name: name.to_string(),
            value,
            goal: Goal::Max,
        }
    }

    /// A metric where smaller is better.
    pub fn min(name: &str, value: f64) -> Self {
        Self {
            name: name.to_string(),
            value,
            goal: Goal::Min,
        }
    }
}

/// The source revision a run was started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitInfo {
    /// `git rev-parse HEAD`.
    pub commit: String,
    /// Whether the work tree had uncommitted changes to tracked files.
    pub dirty: bool,
}

/// One `--resume` of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resumption {
    /// When it started (UTC, RFC 3339).
    pub at: String,
    /// The checkpoint epoch it continued from.
    pub from_epoch: usize,
    /// Its command line.
    pub command: Vec<String>,
}

/// The content of `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Sortable id: UTC start time, a short random suffix and the optional name
    /// (`20261122T215501Z-3fa9-wide`). With `--artifact-dir`, the directory's name.
    pub id: String,
    /// Experiment (`xor`, `mnist`, ...).
    pub experiment: String,
    /// The readable name given with `--name`, if any.
    pub name: Option<String>,
    /// How the run stands.
    pub status: Status,
    /// The error a failed run ended with.
    pub error: Option<String>,
    /// Start time (UTC, RFC 3339).
    pub started: String,
    /// End time (UTC, RFC 3339), once ended.
    pub ended: Option<String>,
    /// The command line that started the run (program name and arguments).
    pub command: Vec<String>,
    /// Backend name (`ndarray`, `flex`, `wgpu`, ...).
    pub backend: String,
    /// Device, as burn describes it (the main one of a data-parallel run).
    pub device: String,
    /// Every device of the newest launch (`--devices N`), the main one first.
    #[serde(default)]
    pub devices: Vec<String>,
    /// Whether the backend gives bit-identical results for the same configuration,
    /// seed and thread count (the CPU backends do; wgpu does not promise it).
    pub deterministic: bool,
    /// Worker threads available to the backend.
    pub threads: usize,
    /// Seed of the run.
    pub seed: u64,
    /// burn version the binary was built with.
    pub burn_version: String,
    /// Source revision, when run from a git checkout.
    pub git: Option<GitInfo>,
    /// Process id of the process that wrote the record last.
    pub pid: u32,
    /// Every `--resume` of this run, oldest first.
    #[serde(default)]
    pub resumptions: Vec<Resumption>,
    /// The data directory the run read (absolute), for a `--resume` without
    /// `--data-dir`; none for generated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// The figure the run is ranked by, once finished.
    pub key_metric: Option<KeyMetric>,
    /// Wall-clock seconds of the process that finished the run.
    pub wall_seconds: Option<f64>,
}

impl RunRecord {
    /// Reads `<dir>/run.json`; the error names the file.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(RUN_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read '{}'", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("'{}' is not valid", path.display()))
    }

    /// The status, with `running` reported as `interrupted` when its process is gone
    /// (Linux: no `/proc/<pid>`; elsewhere `running` is taken at its word).
    pub fn effective_status(&self) -> Status {
        if self.status == Status::Running && !process_alive(self.pid) {
            Status::Interrupted
        } else {
            self.status
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// A run found on disk: its directory and record.
#[derive(Debug, Clone)]
pub struct FoundRun {
    /// The run directory.
    pub dir: PathBuf,
    /// Its `run.json`.
    pub record: RunRecord,
}

/// Every run under `root` (directories holding a valid `run.json`, at most four levels
/// down, symbolic links not followed), newest first by id. Unreadable records are skipped.
pub fn find_runs(root: &Path) -> Vec<FoundRun> {
    let mut runs: Vec<FoundRun> = scan_runs(root)
        .into_iter()
        .filter_map(|(dir, record)| record.ok().map(|record| FoundRun { dir, record }))
        .collect();
    runs.sort_by(|a, b| {
        b.record
            .started
            .cmp(&a.record.started)
            .then(b.record.id.cmp(&a.record.id))
    });
    runs
}

/// Every directory under `root` holding a `run.json` (at most four levels down,
/// symbolic links not followed), with its record or why it cannot be read; in no
/// particular order.
pub fn scan_runs(root: &Path) -> Vec<(PathBuf, Result<RunRecord>)> {
    let mut runs = Vec::new();
    collect(root, 0, &mut runs);
    runs
}

fn collect(dir: &Path, depth: usize, runs: &mut Vec<(PathBuf, Result<RunRecord>)>) {
    if dir.join(RUN_FILE).is_file() {
        runs.push((dir.to_path_buf(), RunRecord::load(dir)));
    }
    if depth >= 4 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            collect(&entry.path(), depth + 1, runs);
        }
    }
}
