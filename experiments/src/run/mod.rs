//! A run: its directory, `run.json`, and its life from start to end.
//!
//! [`plan`] decides where a run goes and with which configuration, and writes
//! nothing: flags are validated (and the experiment loads its data) before
//! [`RunPlan::open`] creates anything. An opened [`Run`] ends with
//! [`Run::finish`] (summary, `finished`), [`Run::stop`] (the user stopped it) or, when the
//! experiment returns an error or panics, `failed` with the error (see [`mark_failed`]).

pub mod checkpoint;
pub mod id;
pub mod log;
pub mod record;

use std::{
    fs,
    path::{Path, PathBuf},
    sync::Mutex,
    time::Instant,
};

use anyhow::{Context, Result, bail};
use serde::{Serialize, de::DeserializeOwned};

pub use checkpoint::{latest_checkpoint, resume_epoch};
pub use record::{FoundRun, Goal, KeyMetric, RUN_FILE, RunRecord, Status, find_runs};

use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE, SUMMARY_FILE, list_paths},
    backend::BackendInfo,
    tracking::{Ending, Tracking},
};

/// How a run is to be started: the options every experiment takes (on the command
/// line, `crate::cli::RunArgs`, which converts into these).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Write the run to exactly this directory (with `resume`: the run to continue).
    pub artifact_dir: Option<PathBuf>,
    /// A readable name appended to a new run's id.
    pub name: Option<String>,
    /// Continue an unfinished run from its newest complete checkpoint.
    pub resume: bool,
    /// Plain lines instead of the dashboard.
    pub no_tui: bool,
    /// The MLflow tracking server to mirror the run into, if any.
    pub mlflow: Option<String>,
    /// Write TensorBoard event files as the run trains.
    pub tensorboard: bool,
}

/// Where a run will go and with which configuration; nothing is written yet.
#[derive(Debug)]
pub struct RunPlan<C> {
    /// The configuration: freshly resolved from the flags, or the resumed run's.
    pub config: C,
    /// The checkpoint epoch a resumed run continues from.
    pub resume_from: Option<usize>,
    experiment: String,
    path: PathBuf,
    name: Option<String>,
    /// True when the directory was chosen by the zoo (not `--artifact-dir`).
    generated: bool,
    no_tui: bool,
    mlflow: Option<String>,
    tensorboard: bool,
    /// The data directory: the resumed run's, or the one the experiment loaded.
    data_dir: Option<PathBuf>,
}

/// Plans `experiment`'s run from its command-line options, writing nothing.
///
/// - `--resume`: the run in `--artifact-dir`, or else the newest unfinished run of the
///   experiment; its saved `config.json` and newest complete checkpoint
///   (`epochs_of(config)` is the run's epoch count).
/// - otherwise: the configuration `fresh()` resolves (and validates) from the flags,
///   in `--artifact-dir` or a new run directory `<root>/<experiment>/<run-id>`.
pub fn plan<C: DeserializeOwned>(
    options: impl Into<Options>,
    experiment: &str,
    fresh: impl FnOnce() -> Result<C>,
    epochs_of: impl Fn(&C) -> usize,
) -> Result<RunPlan<C>> {
    let args: Options = options.into();
    if args.resume {
        let path = match &args.artifact_dir {
            Some(dir) => dir.clone(),
            None => newest_unfinished(experiment)?,
        };
        let dir = ArtifactDir::open(&path)?;
        let config: C = dir.read_json(CONFIG_FILE)?;
        let epoch = resume_epoch(&dir, epochs_of(&config))?;
        let data_dir = recorded_data_dir(&path);
        return Ok(RunPlan {
            data_dir,
            config,
            resume_from: Some(epoch),
            experiment: experiment.to_string(),
            path,
            name: args.name.clone(),
            generated: false,
            no_tui: args.no_tui,
            mlflow: args.mlflow.clone(),
            tensorboard: args.tensorboard,
        });
    }
    let config = fresh()?;
    let (path, generated) = match &args.artifact_dir {
        Some(dir) => (dir.clone(), false),
        None => (
            id::experiment_root(experiment).join(id::new_run_id(args.name.as_deref())),
            true,
        ),
    };
    Ok(RunPlan {
        data_dir: None,
        config,
        resume_from: None,
        experiment: experiment.to_string(),
        path,
        name: args.name.clone(),
        generated,
        no_tui: args.no_tui,
        mlflow: args.mlflow.clone(),
        tensorboard: args.tensorboard,
    })
}

impl<C> RunPlan<C> {
    /// The directory the run will write to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where to look for the data: `flag` (`--data-dir`) when given, else the data
    /// directory a resumed run read (so the printed `--resume` command needs no
    /// `--data-dir`), else none (the experiment's own search).
    pub fn data_dir(&self, flag: Option<&Path>) -> Option<PathBuf> {
        flag.map(Path::to_path_buf)
            .or_else(|| self.data_dir.clone())
    }

    /// Records the data directory the experiment loaded (made absolute) in `run.json`.
    pub fn read_data_from(&mut self, dir: &Path) {
        self.data_dir = Some(std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()));
    }
}

impl<C: Serialize> RunPlan<C> {
    /// Creates the run directory (a fresh run in an existing `--artifact-dir` first
    /// clears the previous run's checkpoints, logs, model and summary there), writes
    /// `config.json` and `run.json` (`running`), points `latest` at it, and says which
    /// checkpoint a resumed run continues from.
    pub fn open(self, backend: &BackendInfo, seed: u64) -> Result<Run<C>> {
        let dir = ArtifactDir::create(&self.path)?;
        let command: Vec<String> = std::env::args().collect();
        let record = match self.resume_from {
            Some(epoch) => {
                let mut record = RunRecord::load(dir.path())
                    .unwrap_or_else(|_| new_record(&self, &dir, backend, seed, &command));
                record.status = Status::Running;
                record.error = None;
                record.ended = None;
                record.pid = std::process::id();
                record.devices = backend.devices.clone();
                record.data_dir = self.data_dir.clone();
                record.resumptions.push(record::Resumption {
                    at: id::timestamp(),
                    from_epoch: epoch,
                    command,
                });
                record
            }
            None => {
                for stale in ["checkpoint", "train", "valid"] {
                    let path = dir.join(stale);
                    if path.exists() {
                        fs::remove_dir_all(&path)
                            .with_context(|| format!("cannot clear '{}'", path.display()))?;
                    }
                }
                for stale in [SUMMARY_FILE, "model.mpk"] {
                    let path = dir.join(stale);
                    if path.exists() {
                        fs::remove_file(&path)
                            .with_context(|| format!("cannot clear '{}'", path.display()))?;
                    }
                }
                dir.write_json(CONFIG_FILE, &self.config)?;
                new_record(&self, &dir, backend, seed, &command)
            }
        };
        dir.write_json(RUN_FILE, &record)?;
        if self.generated
            && let Some(parent) = self.path.parent()
        {
            id::update_latest(parent, &self.path);
        }
        set_active(Some((dir.path().to_path_buf(), record.clone())));
        if let Some(epoch) = self.resume_from {
            println!(
                "resuming from the epoch-{epoch} checkpoint in '{}'",
                dir.path().display()
            );
        }
        // The trackers' settings: config.json plus the backend, so that TensorBoard's
        // HParams and MLflow compare backends as zoo compare does.
        let mut config_json = serde_json::to_value(&self.config).unwrap_or_default();
        if let Some(map) = config_json.as_object_mut() {
            map.insert("backend".into(), backend.name.clone().into());
        }
        let mlflow = self
            .mlflow
            .as_ref()
            .map(|uri| crate::tracking::MlflowTarget {
                uri: uri.clone(),
                experiment: record.experiment.clone(),
                run_name: match self.resume_from {
                    Some(epoch) => format!("{} (resumed from epoch {epoch})", record.id),
                    None => record.id.clone(),
                },
                tags: mlflow_tags(&record),
            });
        let tracking = Tracking::start(
            dir.path(),
            &config_json,
            self.resume_from,
            self.tensorboard,
            mlflow,
        );
        Ok(Run {
            tracking,
            dir,
            config: self.config,
            resume_from: self.resume_from,
            backend: backend.clone(),
            no_tui: self.no_tui,
            record,
            started: Instant::now(),
            written: Vec::new(),
        })
    }
}

/// The tags a run carries into MLflow.
pub(crate) fn mlflow_tags(record: &RunRecord) -> Vec<(String, String)> {
    let mut tags = vec![
        ("zoo.run_id".to_string(), record.id.clone()),
        ("zoo.backend".to_string(), record.backend.clone()),
        ("zoo.device".to_string(), record.device.clone()),
        ("zoo.devices".to_string(), record.devices.join(", ")),
        ("zoo.seed".to_string(), record.seed.to_string()),
        ("zoo.burn_version".to_string(), record.burn_version.clone()),
        ("mlflow.source.name".to_string(), record.command.join(" ")),
    ];
    if let Some(git) = &record.git {
        tags.push(("mlflow.source.git.commit".to_string(), git.commit.clone()));
        tags.push(("zoo.git_dirty".to_string(), git.dirty.to_string()));
    }
    tags
}

fn new_record<C>(
    plan: &RunPlan<C>,
    dir: &ArtifactDir,
    backend: &BackendInfo,
    seed: u64,
    command: &[String],
) -> RunRecord {
    let id = dir
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| id::new_run_id(plan.name.as_deref()));
    RunRecord {
        id,
        experiment: plan.experiment.clone(),
        name: plan.name.clone(),
        status: Status::Running,
        error: None,
        started: id::timestamp(),
        ended: None,
        command: command.to_vec(),
        backend: backend.name.clone(),
        device: backend.device.clone(),
        devices: backend.devices.clone(),
        deterministic: backend.deterministic,
        threads: backend.threads,
        seed,
        burn_version: crate::backend::BURN_VERSION.to_string(),
        git: git_info(),
        pid: std::process::id(),
        resumptions: Vec::new(),
        data_dir: plan.data_dir.clone(),
        key_metric: None,
        wall_seconds: None,
    }
}

/// The git revision of the current directory's checkout, if there is one.
fn git_info() -> Option<record::GitInfo> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(record::GitInfo { commit, dirty })
}

/// An opened run.
#[derive(Debug)]
pub struct Run<C> {
    /// The run directory.
    pub dir: ArtifactDir,
    /// The run's configuration (as in `config.json`).
    pub config: C,
    /// The checkpoint epoch a resumed run continued from.
    pub resume_from: Option<usize>,
    /// Backend and device the run uses.
    pub backend: BackendInfo,
    /// Print plain lines instead of the dashboard.
    pub no_tui: bool,
    record: RunRecord,
    started: Instant,
    written: Vec<PathBuf>,
    tracking: Tracking,
}

/// The public shape of `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary<'a, C: Serialize, M: Serialize> {
    /// Experiment name (`xor`, `mnist`, ...).
    pub experiment: &'a str,
    /// The run's id (as in `run.json`).
    pub run_id: &'a str,
    /// Backend name (`ndarray`, `flex`, `wgpu`, ...).
    pub backend: &'a str,
    /// Device, as burn describes it (the main one of a data-parallel run).
    pub device: &'a str,
    /// Every device the run trained on (`--devices N`), the main one first.
    pub devices: &'a [String],
    /// Seed of the run.
    pub seed: u64,
    /// The resolved configuration (the same as `config.json`).
    pub config: &'a C,
    /// The experiment's results.
    pub metrics: M,
    /// The figure the run is ranked by.
    pub key_metric: &'a KeyMetric,
    /// Wall-clock seconds of the process that finished the run.
    pub wall_seconds: f64,
}

impl<C: Serialize> Run<C> {
    /// The run's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The run's live tracking (TensorBoard events, MLflow).
    pub fn tracking(&self) -> &Tracking {
        &self.tracking
    }

    /// Seconds since the run was opened.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Notes files the run wrote, for the closing "wrote ..." line.
    pub fn wrote(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        self.written.extend(paths);
    }

    /// Ends the run: writes `summary.json` (with `metrics` and `key`), marks
    /// `run.json` finished, and prints what was written and the wall time.
    pub fn finish<M: Serialize>(mut self, metrics: M, key: KeyMetric) -> Result<()> {
        let wall = self.elapsed();
        // For the trackers; summary.json serializes `metrics` itself (an f32 stays "0.1",
        // not the f64 widening "0.10000000149011612").
        let tracked = serde_json::to_value(&metrics).unwrap_or_default();
        let summary = Summary {
            experiment: &self.record.experiment,
            run_id: &self.record.id,
            backend: &self.backend.name,
            device: &self.backend.device,
            devices: &self.backend.devices,
            seed: self.record.seed,
            config: &self.config,
            metrics,
            key_metric: &key,
            wall_seconds: wall,
        };
        let path = self.dir.write_json(SUMMARY_FILE, &summary)?;
        self.written.push(path);
        self.record.key_metric = Some(key);
        self.record.wall_seconds = Some(wall);
        self.end(Status::Finished, None)?;
        self.tracking.finish(&tracked, Ending::Finished);
        println!("wrote {}", list_paths(&self.written));
        println!(
            "run {} finished in '{}'",
            self.record.id,
            self.dir.path().display()
        );
        println!("wall time {wall:.2} s");
        Ok(())
    }

    /// Ends a run stopped before its end (a signal, the dashboard's `q`): marks
    /// `run.json` stopped, prints how to go on, and returns [`Stopped`], which makes
    /// the process exit with 128 + the signal (130 for `q`).
    pub fn stop(mut self) -> Result<()> {
        self.end(Status::Stopped, None)?;
        self.tracking
            .finish(&serde_json::Value::Null, Ending::Stopped);
        println!(
            "training stopped early; continue with: {} --resume --artifact-dir {}",
            self.record.experiment,
            self.dir.path().display()
        );
        Err(Stopped {
            status: crate::signals::stop_exit_status(),
        }
        .into())
    }

    /// Ends a run without checkpoints that a signal stopped between units of work:
    /// marks `run.json` stopped, prints what was kept (`kept`), and returns
    /// [`Stopped`].
    pub fn stop_between_units(mut self, kept: &str) -> Result<()> {
        self.end(Status::Stopped, None)?;
        self.tracking
            .finish(&serde_json::Value::Null, Ending::Stopped);
        println!(
            "stopped; kept {kept} in '{}'; this run has no checkpoints: run it again to train the rest",
            self.dir.path().display()
        );
        Err(Stopped {
            status: crate::signals::stop_exit_status(),
        }
        .into())
    }

    fn end(&mut self, status: Status, error: Option<String>) -> Result<()> {
        self.record.status = status;
        self.record.error = error;
        self.record.ended = Some(id::timestamp());
        self.dir.write_json(RUN_FILE, &self.record)?;
        set_active(None);
        Ok(())
    }
}

/// A run ended before its end (stopped by a signal or the user): not an error to
/// print, but a non-zero exit status, `status` (128 + the signal; 130 for the
/// dashboard's `q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// The exit status.
    pub status: u8,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped before the end (exit status {})", self.status)
    }
}

impl std::error::Error for Stopped {}

/// The opened run of this process that has not ended yet, for [`mark_failed`].
static ACTIVE: Mutex<Option<(PathBuf, RunRecord)>> = Mutex::new(None);

fn set_active(run: Option<(PathBuf, RunRecord)>) {
    if let Ok(mut active) = ACTIVE.lock() {
        *active = run;
    }
}

/// Marks this process's open run (if any) as failed with `error` in its `run.json`.
/// Called for an experiment's error ([`crate::exit_code`]) and from the panic hook
/// ([`install_panic_hook`]).
pub fn mark_failed(error: &str) {
    let Ok(mut active) = ACTIVE.try_lock() else {
        return;
    };
    if let Some((dir, mut record)) = active.take() {
        record.status = Status::Failed;
        record.error = Some(error.to_string());
        record.ended = Some(id::timestamp());
        if let Ok(dir) = ArtifactDir::open(dir) {
            let _ = dir.write_json(RUN_FILE, &record);
        }
    }
}

/// Exit status of a process whose standard output was closed by its reader (`| head`):
/// 128 + SIGPIPE, as a shell reports it.
pub const BROKEN_PIPE_EXIT: i32 = 141;

/// Makes a panic anywhere in the process mark the open run as failed (after the
/// default hook has printed it). A closed standard output (`zoo runs | head`, which
/// makes `println!` panic) is not a crash: the run is marked failed with the reason
/// (resumable as usual) and the process exits quietly with [`BROKEN_PIPE_EXIT`].
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            mark_failed("standard output was closed (broken pipe); the run can be resumed");
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        default(info);
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        mark_failed(&format!("panic{place}: {message}"));
    }));
}

/// Runs of `experiment` directly under its root (not sweeps), newest first.
fn experiment_runs(experiment: &str) -> (PathBuf, Vec<FoundRun>) {
    let root = id::experiment_root(experiment);
    let mut runs: Vec<FoundRun> = fs::read_dir(&root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let dir = e.path();
            RunRecord::load(&dir)
                .ok()
                .map(|record| FoundRun { dir, record })
        })
        .filter(|r| r.record.experiment == experiment)
        .collect();
    runs.sort_by(|a, b| b.record.id.cmp(&a.record.id));
    (root, runs)
}

/// The newest run of `experiment` that has not finished and has a checkpoint to go on from.
pub fn newest_unfinished(experiment: &str) -> Result<PathBuf> {
    let (root, runs) = experiment_runs(experiment);
    runs.into_iter()
        .find(|r| r.record.status != Status::Finished && latest_checkpoint(&r.dir).is_some())
        .map(|r| r.dir)
        .with_context(|| {
            format!(
                "no unfinished {experiment} run with a checkpoint under '{}' to resume; \
                 start a new run (without --resume), or pass --artifact-dir DIR",
                root.display()
            )
        })
}

/// The directory a `predict` or `restore` reads: `explicit`, or else the newest
/// finished run of `experiment`. Says which run it is (id, key metric, data
/// directory), so a quick run picked by default does not pass unnoticed.
pub fn finished_run_dir(explicit: Option<&Path>, experiment: &str) -> Result<PathBuf> {
    let dir = match explicit {
        Some(dir) => dir.to_path_buf(),
        None => {
            let (root, runs) = experiment_runs(experiment);
            match runs
                .into_iter()
                .find(|r| r.record.status == Status::Finished)
            {
                Some(run) => run.dir,
                None => bail!(
                    "no finished {experiment} run under '{}'; train one first, or pass --artifact-dir DIR",
                    root.display()
                ),
            }
        }
    };
    if let Ok(record) = RunRecord::load(&dir) {
        let key = record
            .key_metric
            .as_ref()
            .map_or(String::new(), |k| format!(", {} {}", k.name, k.value));
        let chosen = if explicit.is_some() {
            ""
        } else {
            " (the newest finished run; --artifact-dir DIR picks another)"
        };
        println!(
            "model of run {} in '{}'{key}{chosen}",
            record.id,
            dir.display()
        );
    }
    Ok(dir)
}

/// The data directory recorded in the `run.json` of the run in `dir`, if there is one
/// and it still exists.
pub fn recorded_data_dir(dir: &Path) -> Option<PathBuf> {
    RunRecord::load(dir)
        .ok()
        .and_then(|r| r.data_dir)
        .filter(|d| d.is_dir())
}
