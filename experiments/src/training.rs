//! Learner wiring every gradient-trained experiment shares: renderer, checkpoints,
//! metric logs and resume.

use std::{collections::HashSet, fs, path::Path};

use anyhow::{Context, Result, bail};
use burn::train::{
    LearningComponentsTypes, SupervisedTraining,
    logger::{FileMetricLogger, MetricLogger},
    metric::{
        MetricDefinition, NumericEntry,
        store::{EpochSummary, MetricsUpdate, Split},
    },
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE, Recorder},
    cli::RunArgs,
    dashboard::{ChosenRenderer, EpochRecord, EpochSink},
};

/// How a training run is wired to its artifact directory and terminal.
#[derive(Debug, Clone)]
pub struct TrainingSetup {
    /// Total epochs of the run (not the epochs left after a resume).
    pub num_epochs: usize,
    /// The checkpoint epoch to resume from, if resuming.
    pub resume_from: Option<usize>,
    /// Force the plain per-epoch log.
    pub no_tui: bool,
    /// Dashboard title.
    pub title: String,
}

/// Applies `setup` to `training`: our renderer, a full-precision file checkpointer
/// every epoch, metric logs with correct epoch numbers after a resume, and the
/// checkpoint to resume from. The returned sink fills with the epochs trained.
pub fn configure<LC: LearningComponentsTypes + Send + 'static>(
    training: SupervisedTraining<LC>,
    dir: &ArtifactDir,
    setup: &TrainingSetup,
) -> (SupervisedTraining<LC>, EpochSink) {
    let sink = EpochSink::default();
    let renderer = ChosenRenderer::new(
        setup.no_tui,
        setup.title.clone(),
        training.interrupter(),
        sink.clone(),
    );
    let training = training
        .renderer(renderer)
        .with_file_checkpointer(Recorder::new())
        .with_metric_logger(EpochFixLogger::new(dir.path(), setup.resume_from))
        .num_epochs(setup.num_epochs);
    let training = match setup.resume_from {
        Some(epoch) => training.checkpoint(epoch),
        None => training,
    };
    (training, sink)
}

/// The epochs a finished launch recorded in `sink`.
pub fn trained_epochs(sink: &EpochSink) -> Vec<EpochRecord> {
    sink.lock()
        .map(|records| records.clone())
        .unwrap_or_default()
}

/// Mean seconds of the training passes in `epochs` (validation excluded), if any.
pub fn mean_train_seconds(epochs: &[EpochRecord]) -> Option<f64> {
    (!epochs.is_empty()).then(|| {
        epochs
            .iter()
            .map(|e| e.train_duration.as_secs_f64())
            .sum::<f64>()
            / epochs.len() as f64
    })
}

/// A run's directory and configuration, fresh or resumed.
#[derive(Debug)]
pub struct PreparedRun<C> {
    /// The artifact directory.
    pub dir: ArtifactDir,
    /// The configuration: `fresh()`'s, or the one saved in the directory when resuming.
    pub config: C,
    /// The checkpoint epoch to resume from.
    pub resume_from: Option<usize>,
}

/// Prepares the artifact directory of `experiment`'s run.
///
/// With `--resume`: opens the directory, reads its `config.json` and finds the newest
/// complete checkpoint (`epochs_of(config)` says how many epochs the run has).
/// Otherwise: builds the configuration with `fresh` (which validates the flags), creates
/// the directory, clears the checkpoints and metric logs of an earlier run there, and
/// writes `config.json`.
pub fn prepare_run<C: Serialize + DeserializeOwned>(
    run: &RunArgs,
    experiment: &str,
    fresh: impl FnOnce() -> Result<C>,
    epochs_of: impl Fn(&C) -> usize,
) -> Result<PreparedRun<C>> {
    let path = run.artifact_dir(experiment);
    if run.resume {
        let dir = ArtifactDir::open(&path)?;
        let config: C = dir.read_json(CONFIG_FILE)?;
        let epoch = resume_epoch(&dir, epochs_of(&config))?;
        return Ok(PreparedRun {
            dir,
            config,
            resume_from: Some(epoch),
        });
    }
    let config = fresh()?;
    let dir = ArtifactDir::create(&path)?;
    for stale in ["checkpoint", "train", "valid"] {
        let path = dir.join(stale);
        if path.exists() {
            fs::remove_dir_all(&path)
                .with_context(|| format!("cannot clear '{}'", path.display()))?;
        }
    }
    dir.write_json(CONFIG_FILE, &config)?;
    Ok(PreparedRun {
        dir,
        config,
        resume_from: None,
    })
}

/// Prints which checkpoint a resumed run continues from (nothing for a fresh run).
pub fn announce_resume(dir: &ArtifactDir, resume_from: Option<usize>) {
    if let Some(epoch) = resume_from {
        println!(
            "resuming from the epoch-{epoch} checkpoint in '{}'",
            dir.path().display()
        );
    }
}

/// Prints how to continue a run the user stopped early; `command` is the binary with
/// any flags the resume needs besides `--resume --artifact-dir` (e.g. `svm --dataset mnist`).
pub fn announce_stopped(command: &str, dir: &ArtifactDir) {
    println!(
        "training stopped early; continue with: {command} --resume --artifact-dir {}",
        dir.path().display()
    );
}

/// The newest epoch whose model, optimizer and scheduler checkpoints are all present
/// and non-empty in `<dir>/checkpoint`, if any.
pub fn latest_checkpoint(dir: &Path) -> Option<usize> {
    let checkpoint_dir = dir.join("checkpoint");
    let complete = |epoch: usize| {
        ["model", "optim", "scheduler"].iter().all(|kind| {
            fs::metadata(checkpoint_dir.join(format!("{kind}-{epoch}.mpk")))
                .is_ok_and(|m| m.is_file() && m.len() > 0)
        })
    };
    fs::read_dir(&checkpoint_dir)
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("model-")?
                .strip_suffix(".mpk")?
                .parse()
                .ok()
        })
        .filter(|&epoch| complete(epoch))
        .max()
}

/// The epoch to resume from in `dir`, or an error that says why there is none.
pub fn resume_epoch(dir: &ArtifactDir, num_epochs: usize) -> Result<usize> {
    let Some(epoch) = latest_checkpoint(dir.path()) else {
        bail!(
            "nothing to resume in '{}': no complete checkpoint under '{}'",
            dir.path().display(),
            dir.join("checkpoint").display()
        );
    };
    if epoch >= num_epochs {
        bail!(
            "the run in '{}' already finished all {num_epochs} epochs (last checkpoint: epoch {epoch})",
            dir.path().display()
        );
    }
    Ok(epoch)
}

/// burn's [`FileMetricLogger`] with a fix for resumed runs.
///
/// burn 0.21's event store numbers the first epoch after a resume as epoch 1 (its
/// counter starts at 1 and only advances at the end of an epoch), so that epoch's
/// logs overwrite `epoch-1/`. This logger writes the first epoch of each split after
/// a resume to `epoch-<checkpoint + 1>/` instead; later epochs are numbered right.
pub struct EpochFixLogger {
    inner: FileMetricLogger,
    /// Splits whose first epoch since the start of this process has ended.
    finished_splits: HashSet<Split>,
    resumed_at: Option<usize>,
}

impl EpochFixLogger {
    /// Logs to `directory`; `resume_from` is the checkpoint epoch a resumed run starts from.
    pub fn new(directory: &Path, resume_from: Option<usize>) -> Self {
        Self {
            inner: FileMetricLogger::new(directory),
            finished_splits: HashSet::new(),
            resumed_at: resume_from,
        }
    }

    fn epoch(&self, epoch: usize, split: &Split) -> usize {
        match self.resumed_at {
            Some(checkpoint) if !self.finished_splits.contains(split) => checkpoint + 1,
            _ => epoch,
        }
    }
}

impl MetricLogger for EpochFixLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let epoch = self.epoch(epoch, split);
        self.inner.log(update, epoch, split);
    }

    fn read_numeric(
        &mut self,
        name: &str,
        epoch: usize,
        split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        self.inner.read_numeric(name, epoch, split)
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.inner.log_metric_definition(definition);
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        // After the first epoch of a split ends, the store's own numbering is right.
        self.finished_splits.insert(summary.split.clone());
        self.inner.log_epoch_summary(summary);
    }
}

/// Per-epoch means of metric `name` read back from `<dir>/<split>/epoch-N/<name>.log`,
/// as `(epoch, mean)` in epoch order.
pub fn epoch_means(dir: &Path, split: &str, name: &str) -> Vec<(usize, f64)> {
    let split_dir = dir.join(split);
    let Ok(entries) = fs::read_dir(&split_dir) else {
        return Vec::new();
    };
    let mut means: Vec<(usize, f64)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let epoch: usize = entry
                .file_name()
                .to_str()?
                .strip_prefix("epoch-")?
                .parse()
                .ok()?;
            let text = fs::read_to_string(entry.path().join(format!("{name}.log"))).ok()?;
            let values: Vec<f64> = text
                .lines()
                .filter_map(|line| NumericEntry::deserialize(line).ok())
                .map(|entry| entry.current())
                .collect();
            (!values.is_empty()).then(|| (epoch, values.iter().sum::<f64>() / values.len() as f64))
        })
        .collect();
    means.sort_by_key(|(epoch, _)| *epoch);
    means
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_checkpoint_needs_all_three_files() {
        let tmp = tempfile::tempdir().unwrap();
        let ckpt = tmp.path().join("checkpoint");
        fs::create_dir_all(&ckpt).unwrap();
        assert_eq!(latest_checkpoint(tmp.path()), None);
        for kind in ["model", "optim", "scheduler"] {
            fs::write(ckpt.join(format!("{kind}-2.mpk")), b"x").unwrap();
        }
        fs::write(ckpt.join("model-3.mpk"), b"x").unwrap();
        fs::write(ckpt.join("optim-3.mpk"), b"x").unwrap();
        assert_eq!(latest_checkpoint(tmp.path()), Some(2));
        fs::write(ckpt.join("scheduler-3.mpk"), b"").unwrap();
        assert_eq!(
            latest_checkpoint(tmp.path()),
            Some(2),
            "empty file is incomplete"
        );
    }

    #[test]
    fn epoch_means_reads_burn_logs_in_epoch_order() {
        let tmp = tempfile::tempdir().unwrap();
        for (epoch, text) in [(10, "1.0\n3.0\n"), (2, "0.5,4\n")] {
            let d = tmp.path().join(format!("train/epoch-{epoch}"));
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("Loss.log"), text).unwrap();
        }
        assert_eq!(
            epoch_means(tmp.path(), "train", "Loss"),
            vec![(2, 0.5), (10, 2.0)]
        );
    }
}
