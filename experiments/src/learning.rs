//! The one learning loop every gradient-trained experiment uses.
//!
//! An experiment builds what is its own (model, optimizer, learning rate or scheduler,
//! loaders, metrics) into a [`SupervisedTraining`] and a [`Learner`]; [`fit`] does the
//! rest: the dashboard or plain log, a checkpoint every epoch, metric logs with right
//! epoch numbers after a resume, the resume itself, and the early-stop check.
//! [`history`] and [`write_training_curves`] then read the per-epoch metrics back for
//! `summary.json` and `training_curves.png`.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::Result;
use burn::{
    module::{Module, ModuleVisitor, Param},
    tensor::{Tensor, backend::Backend},
    train::{
        Learner, LearningComponentsTypes, SupervisedTraining,
        checkpoint::{ComposedCheckpointingStrategy, KeepLastNCheckpoints},
        logger::{FileMetricLogger, MetricLogger},
        metric::{
            MetricDefinition, MetricId, NumericEntry,
            store::{EpochSummary, MetricsUpdate, Split},
        },
    },
};
use serde::{Deserialize, Serialize};

use crate::{
    artifacts::Recorder,
    await_saves::AwaitSaves,
    backend::TrainBackend,
    dashboard::{ChosenRenderer, EpochRecord, EpochSink},
    data_parallel, metric_logs, plot,
    run::{Run, log::QuietFileLogger},
    tracking::Tracking,
    valid_loss::{KeepBestValidLoss, PatienceStopping, ValidLoss},
};

/// What a finished launch of the learner produced.
#[derive(Debug)]
pub struct Fitted<M> {
    /// The trained model, on the inference backend.
    pub model: M,
    /// The epochs this process trained (a resumed run has fewer than the total).
    pub epochs: Vec<EpochRecord>,
    /// Wall seconds of the whole launch (training passes, validation, checkpoints).
    pub seconds: f64,
}

impl<M> Fitted<M> {
    /// Mean seconds of the training passes (validation excluded), if any epoch ran.
    pub fn seconds_per_epoch(&self) -> Option<f64> {
        (!self.epochs.is_empty()).then(|| {
            self.epochs
                .iter()
                .map(|e| e.train_duration.as_secs_f64())
                .sum::<f64>()
                / self.epochs.len() as f64
        })
    }
}

/// Optimizer steps per epoch when `items` training items in batches of `batch` are
/// split over `devices` data-parallel workers the way burn's multi-device learner
/// splits them (equal shares, the remainder to the last worker; one step takes a
/// batch from every worker that has one left). One device: `items / batch` rounded up.
pub fn steps_per_epoch(items: usize, batch: usize, devices: usize) -> usize {
    let devices = devices.max(1);
    let last_share = items - (devices - 1) * (items / devices);
    last_share.div_ceil(batch.max(1))
}

/// Initialises every parameter of `model` now, in the module's field order.
///
/// burn 0.21 initialises parameters lazily, on first use, drawing from the backend's
/// one seeded random generator; this makes the draws happen here, right after
/// `B::seed`, in field order, whichever thread later uses the model first. Call it
/// right after building the model. (Upstream: lazy initialisation is by design in
/// burn 0.21; its surprises are reported in
/// <https://github.com/tracel-ai/burn/issues/5040>, clones of an uninitialised module
/// drawing different weights.)
pub fn materialize<B: Backend, M: Module<B>>(model: M) -> M {
    struct Touch;
    impl<B: Backend> ModuleVisitor<B> for Touch {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let _ = param.val();
        }
    }
    model.visit(&mut Touch);
    model
}

/// Trains `learner` with `training` (the experiment's loaders and metrics) for
/// `num_epochs` epochs in `run`'s directory: our renderer (dashboard titled `title`,
/// or one plain line per epoch), a full-precision file checkpointer every epoch,
/// metric logs, and the resume from `run.resume_from`. With more than one device in
/// `run.backend` (`--devices N`), the learner trains data-parallel
/// ([`data_parallel::strategy`]), the optimizer on the first device.
///
/// `None` when the user stopped the run: its checkpoints stay resumable, and the
/// caller ends the run with [`Run::stop`].
pub fn fit<LC, C>(
    run: &Run<C>,
    training: SupervisedTraining<LC>,
    learner: Learner<LC>,
    num_epochs: usize,
    patience: Option<usize>,
    title: &str,
) -> Option<Fitted<LC::InferenceModel>>
where
    LC: LearningComponentsTypes<Backend = TrainBackend> + Send + 'static,
    C: Serialize,
{
    let sink = EpochSink::default();
    let interrupter = training.interrupter();
    // A resumed run's epochs up to its checkpoint, for the best-epoch choice (logs of
    // later epochs, from the process that was stopped, are trained again).
    let resumed_at = run.resume_from.unwrap_or(0);
    let valid_loss = ValidLoss::with_earlier(
        history(run.dir.path())
            .iter()
            .filter(|row| row.epoch <= resumed_at)
            .filter_map(|row| row.get("valid_loss").map(|v| (row.epoch, v))),
    );
    let renderer = ChosenRenderer::new(
        run.no_tui,
        format!("burn zoo · {title} · {}", backend_title(&run.backend)),
        interrupter.clone(),
        sink.clone(),
    );
    let training = training
        .renderer(renderer)
        .with_file_checkpointer(Recorder::new())
        .with_application_logger(Some(Box::new(QuietFileLogger::new(
            run.dir.join("experiment.log"),
        ))))
        .with_metric_logger(EpochFixLogger::new(
            run.dir.path(),
            run.resume_from,
            valid_loss.clone(),
            run.tracking().clone(),
        ))
        // burn's default (the last two epochs and the lowest validation loss), deciding
        // on whole epochs (see `valid_loss`), each save awaited (see `await_saves`).
        .with_checkpointing_strategy(AwaitSaves(
            ComposedCheckpointingStrategy::builder()
                .add(KeepLastNCheckpoints::new(2))
                .add(KeepBestValidLoss::new(valid_loss.clone()))
                .build(),
        ))
        .num_epochs(num_epochs);
    let training = match patience {
        Some(patience) => training.early_stopping(PatienceStopping::new(valid_loss, patience)),
        None => training,
    };
    let training = match run.resume_from {
        Some(epoch) => training.checkpoint(epoch),
        None => training,
    };
    let training = match data_parallel::strategy(&run.backend.handles) {
        Some(strategy) => training.with_training_strategy(strategy),
        None => training,
    };
    let started = Instant::now();
    crate::signals::watch(&interrupter);
    let result = training.launch(learner);
    crate::signals::unwatch();
    let seconds = started.elapsed().as_secs_f64();
    drop(result.renderer);
    if interrupter.should_stop() {
        return None;
    }
    let epochs = sink.lock().map(|r| r.clone()).unwrap_or_default();
    Some(Fitted {
        model: result.model,
        epochs,
        seconds,
    })
}

/// The backend as the dashboard's title names it: `ndarray`, or `wgpu on 2 devices`.
fn backend_title(backend: &crate::backend::BackendInfo) -> String {
    match backend.devices.len() {
        n if n > 1 => format!("{} on {n} devices", backend.name),
        _ => backend.name.clone(),
    }
}

/// burn's [`FileMetricLogger`] with a fix for resumed runs, which also feeds the
/// validation loss to [`ValidLoss`].
///
/// - Resumed runs: burn 0.21's event store numbers the first epoch after a resume as
///   epoch 1 (its counter starts at 1 and only advances at the end of an epoch), so
///   that epoch's logs overwrite `epoch-1/`. This logger writes the first epoch of
///   each split after a resume to `epoch-<checkpoint + 1>/` instead; later epochs are
///   numbered right. Upstream: <https://github.com/tracel-ai/burn/issues/1312> (open).
/// - Validation loss: every entry of the validation `Loss` and the end of each
///   validation epoch go to [`ValidLoss`], which the best-epoch checkpoint and early
///   stopping read instead of burn's `read_numeric` (that flushes the writer looked up
///   by the metric's name while writers are keyed by name and split, so it can read a
///   file still being written; burn-train 0.21 `logger/metric.rs`, no issue filed).
pub struct EpochFixLogger {
    inner: FileMetricLogger,
    /// Splits whose first epoch since the start of this process has ended.
    finished_splits: HashSet<Split>,
    resumed_at: Option<usize>,
    /// Metric names by id, from the definitions burn logs first.
    names: HashMap<MetricId, String>,
    /// The validation loss per epoch, for the strategies that choose by it.
    valid_loss: ValidLoss,
    /// The run's live tracking (TensorBoard, MLflow).
    tracking: Tracking,
}

impl EpochFixLogger {
    /// Logs to `directory`; `resume_from` is the checkpoint epoch a resumed run starts
    /// from; every validation loss entry also goes to `valid_loss`, and every entry to
    /// the run's `tracking`.
    pub fn new(
        directory: &Path,
        resume_from: Option<usize>,
        valid_loss: ValidLoss,
        tracking: Tracking,
    ) -> Self {
        Self {
            inner: FileMetricLogger::new(directory),
            finished_splits: HashSet::new(),
            resumed_at: resume_from,
            names: HashMap::new(),
            valid_loss,
            tracking,
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
        // The same entries as the files get (burn writes their serialized form).
        let values: Vec<(String, f64, u64)> = update
            .entries_numeric
            .iter()
            .filter_map(|n| {
                let name = self.names.get(&n.entry.metric_id)?;
                let (value, count) =
                    match NumericEntry::deserialize(&n.entry.serialized_entry.serialized) {
                        Ok(NumericEntry::Value(v)) => (v, 1),
                        Ok(NumericEntry::Aggregated {
                            aggregated_value,
                            count,
                        }) => (aggregated_value, count),
                        Err(_) => return None,
                    };
                Some((metric_logs::metric_key(name), value, count as u64))
            })
            .collect();
        match split {
            Split::Train => self.tracking.train_step(&values),
            _ => {
                let split = if *split == Split::Valid {
                    "valid"
                } else {
                    "test"
                };
                for (key, value, count) in &values {
                    if split == "valid" && key == "loss" {
                        self.valid_loss.record(epoch, *value, *count as usize);
                    }
                    self.tracking.add(split, key, *value, *count);
                }
            }
        }
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
        self.names
            .insert(definition.metric_id.clone(), definition.name.clone());
        self.inner.log_metric_definition(definition);
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        let epoch = self.epoch(summary.epoch_number, &summary.split);
        if summary.split == Split::Valid {
            self.valid_loss.end_epoch(epoch);
        }
        let split = match summary.split {
            Split::Train => "train",
            Split::Valid => "valid",
            _ => "test",
        };
        self.tracking.end_epoch(split, epoch);
        // After the first epoch of a split ends, the store's own numbering is right.
        self.finished_splits.insert(summary.split.clone());
        self.inner.log_epoch_summary(summary);
    }
}

/// One epoch's metric means, as `summary.json` lists them in `metrics.history`:
/// `epoch` plus `<split>_<metric>` keys (`train_loss`, `valid_accuracy`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRow {
    /// The epoch (1-based).
    pub epoch: usize,
    /// Mean of each metric over the epoch's iterations.
    #[serde(flatten)]
    pub values: BTreeMap<String, f64>,
}

impl EpochRow {
    /// The mean of `key` (e.g. `valid_loss`) in this epoch, if logged.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.get(key).copied()
    }
}

/// The epoch of `history` with the lowest `key` (e.g. `valid_loss`), if any has it.
pub fn best_epoch(history: &[EpochRow], key: &str) -> Option<usize> {
    history
        .iter()
        .filter_map(|row| {
            row.get(key)
                .filter(|v| v.is_finite())
                .map(|v| (row.epoch, v))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(epoch, _)| epoch)
}

/// Every metric's per-epoch means, read back from burn's logs under `dir`
/// ([`metric_logs`]: `<split>/epoch-N/<Metric>.log`), in epoch order; keys are
/// `<split>_<metric key>` (`valid_loss`). Unreadable logs give an empty history.
pub fn history(dir: &Path) -> Vec<EpochRow> {
    let mut rows: BTreeMap<usize, BTreeMap<String, f64>> = BTreeMap::new();
    for log in metric_logs::read(dir).unwrap_or_default() {
        if let Some(mean) = log.mean() {
            rows.entry(log.epoch)
                .or_default()
                .insert(format!("{}_{}", log.split, log.key), mean);
        }
    }
    rows.into_iter()
        .map(|(epoch, values)| EpochRow { epoch, values })
        .collect()
}

/// The metrics in `history` (`loss`, `accuracy`, ...) in a stable order: loss first.
pub fn metric_names(history: &[EpochRow]) -> Vec<String> {
    let mut names: Vec<String> = history
        .iter()
        .flat_map(|row| row.values.keys())
        .filter_map(|key| key.split_once('_').map(|(_, metric)| metric.to_string()))
        .collect();
    names.sort_by_key(|n| (n != "loss", n.clone()));
    names.dedup();
    names
}

/// Writes `training_curves.png` in `dir`: one panel per metric in `history` (train and
/// valid per epoch; loss on a log scale when it spans more than two decades).
/// `loss_name` describes the loss (e.g. `cross-entropy`).
pub fn write_training_curves(dir: &Path, history: &[EpochRow], loss_name: &str) -> Result<PathBuf> {
    let panels: Vec<plot::Panel> = metric_names(history)
        .into_iter()
        .map(|metric| {
            let series = |split: &'static str| {
                let key = format!("{split}_{metric}");
                let points: Vec<(f64, f64)> = history
                    .iter()
                    .filter_map(|row| row.get(&key).map(|v| (row.epoch as f64, v)))
                    .collect();
                (split, points)
            };
            let series: Vec<_> = [series("train"), series("valid")]
                .into_iter()
                .filter(|(_, points)| !points.is_empty())
                .collect();
            let (lo, hi) = series
                .iter()
                .flat_map(|(_, p)| p.iter().map(|(_, v)| *v))
                .fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let y_desc = match metric.as_str() {
                "loss" => format!("{loss_name} (mean per epoch)"),
                other => format!("{} (mean per epoch)", other.replace('_', " ")),
            };
            plot::Panel {
                title: metric.replace('_', " "),
                x_desc: "epoch",
                y_desc,
                series,
                log_y: metric == "loss" && lo > 0.0 && hi / lo > 100.0,
            }
        })
        .collect();
    let path = dir.join("training_curves.png");
    // Two panels a row (1600 px wide): three or more side by side shrink to
    // unreadable labels in a report or a browser window.
    plot::line_charts_grid_png(&path, &panels, 2)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_per_epoch_follow_burns_split() {
        assert_eq!(steps_per_epoch(100, 10, 1), 10);
        assert_eq!(steps_per_epoch(101, 10, 1), 11);
        assert_eq!(steps_per_epoch(100, 10, 2), 5);
        // Shares 50 and 51: the last worker takes one more batch.
        assert_eq!(steps_per_epoch(101, 10, 2), 6);
        assert_eq!(steps_per_epoch(300, 100, 2), 2);
        assert_eq!(steps_per_epoch(10, 64, 3), 1);
    }

    #[test]
    fn history_reads_every_metric_in_epoch_order() {
        let tmp = tempfile::tempdir().unwrap();
        for (split, epoch, name, text) in [
            ("train", 10, "Loss", "1.0\n3.0\n"),
            ("train", 2, "Loss", "0.5,4\n"),
            ("valid", 2, "Accuracy", "90\n"),
            ("train", 2, "Learning Rate", "0.1\n"),
        ] {
            let d = tmp.path().join(format!("{split}/epoch-{epoch}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(format!("{name}.log")), text).unwrap();
        }
        let rows = history(tmp.path());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].epoch, 2);
        assert_eq!(rows[0].get("train_loss"), Some(0.5));
        assert_eq!(rows[0].get("valid_accuracy"), Some(90.0));
        assert_eq!(rows[0].get("train_learning_rate"), Some(0.1));
        assert_eq!(rows[1].get("train_loss"), Some(2.0));
        assert_eq!(
            metric_names(&rows),
            vec!["loss", "accuracy", "learning_rate"]
        );
        let json = serde_json::to_value(&rows[1]).unwrap();
        assert_eq!(json, serde_json::json!({"epoch": 10, "train_loss": 2.0}));
    }
}
