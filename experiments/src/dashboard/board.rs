//! Bookkeeping shared by both renderers: metric names, per-epoch means, progress.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use burn::train::{
    metric::{MetricDefinition, MetricId},
    renderer::{MetricState, TrainingProgress},
};

/// Which half of an epoch an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Optimisation steps on the training split.
    Train,
    /// Evaluation on the validation split.
    Valid,
}

/// Means of every numeric metric over one finished epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// The epoch number (1-based, continuing across a resume).
    pub epoch: usize,
    /// Total epochs of the run.
    pub num_epochs: usize,
    /// Mean of each training metric over the epoch, by metric name.
    pub train: BTreeMap<String, f64>,
    /// Mean of each validation metric over the epoch, by metric name.
    pub valid: BTreeMap<String, f64>,
    /// Wall time of the epoch (training and validation).
    pub duration: Duration,
    /// Wall time of the training pass alone (until validation started).
    pub train_duration: Duration,
}

/// Where renderers put each finished epoch, for the experiment to read after training.
pub type EpochSink = Arc<Mutex<Vec<EpochRecord>>>;

impl EpochRecord {
    /// One line: `epoch 3/10  train Loss 0.0123 Accuracy 100.00  valid ...  (0.21 s)`.
    pub fn line(&self) -> String {
        let fmt = |m: &BTreeMap<String, f64>| {
            m.iter()
                .map(|(name, v)| format!("{name} {}", format_value(*v)))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let mut line = format!(
            "epoch {}/{}  train: {}",
            self.epoch,
            self.num_epochs,
            fmt(&self.train)
        );
        if !self.valid.is_empty() {
            line += &format!("  |  valid: {}", fmt(&self.valid));
        }
        line + &format!("  ({:.2} s)", self.duration.as_secs_f64())
    }
}

/// Formats a metric value with 4 significant decimals, or scientific when tiny.
pub fn format_value(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

#[derive(Debug, Default, Clone)]
struct Mean {
    sum: f64,
    count: usize,
}

impl Mean {
    fn push(&mut self, v: f64) {
        self.sum += v;
        self.count += 1;
    }

    fn value(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.sum / self.count as f64
        }
    }
}

/// The state both renderers read: what epoch, how far, and the metric means.
#[derive(Debug)]
pub struct Board {
    names: HashMap<MetricId, String>,
    epoch: usize,
    num_epochs: usize,
    epoch_started: Instant,
    train: BTreeMap<String, Mean>,
    valid: BTreeMap<String, Mean>,
    /// Steps seen since the renderer started.
    pub steps: usize,
    /// Current phase.
    pub phase: Phase,
    /// Items done and total in the current phase's pass.
    pub items: (usize, usize),
    /// Latest value of each training metric, by name.
    pub latest_train: BTreeMap<String, f64>,
    /// Finished epochs, oldest first.
    pub history: Vec<EpochRecord>,
    /// Loss of every training step, `(step, loss)`, thinned to at most `MAX_POINTS`.
    pub train_loss: Vec<(f64, f64)>,
    /// When the renderer started.
    pub started: Instant,
    thin_stride: usize,
    train_duration: Option<Duration>,
    sink: Option<EpochSink>,
}

/// Most points the loss curve keeps; older points are thinned out evenly.
pub const MAX_POINTS: usize = 2_000;

impl Default for Board {
    fn default() -> Self {
        Self {
            names: HashMap::new(),
            epoch: 0,
            num_epochs: 0,
            epoch_started: Instant::now(),
            train: BTreeMap::new(),
            valid: BTreeMap::new(),
            steps: 0,
            phase: Phase::Train,
            items: (0, 0),
            latest_train: BTreeMap::new(),
            history: Vec::new(),
            train_loss: Vec::new(),
            started: Instant::now(),
            thin_stride: 1,
            train_duration: None,
            sink: None,
        }
    }
}

impl Board {
    /// A board that also pushes every finished epoch into `sink`.
    pub fn with_sink(sink: EpochSink) -> Self {
        Self {
            sink: Some(sink),
            ..Self::default()
        }
    }

    /// Remembers a metric's display name.
    pub fn register(&mut self, definition: &MetricDefinition) {
        self.names
            .insert(definition.metric_id.clone(), definition.name.clone());
    }

    /// Records a metric value of `phase`.
    pub fn update(&mut self, phase: Phase, state: &MetricState) {
        let MetricState::Numeric(entry, value) = state else {
            return;
        };
        let Some(name) = self.names.get(&entry.metric_id).cloned() else {
            return;
        };
        let v = value.current();
        match phase {
            Phase::Train => {
                if name == "Loss" {
                    self.steps += 1;
                    if self.steps.is_multiple_of(self.thin_stride) {
                        self.train_loss.push((self.steps as f64, v));
                    }
                    if self.train_loss.len() > MAX_POINTS {
                        self.thin_stride *= 2;
                        let stride = self.thin_stride;
                        self.train_loss
                            .retain(|(s, _)| (*s as usize).is_multiple_of(stride));
                    }
                }
                self.latest_train.insert(name.clone(), v);
                self.train.entry(name).or_default().push(v);
            }
            Phase::Valid => self.valid.entry(name).or_default().push(v),
        }
    }

    /// Records progress; returns the previous epoch's record when a new epoch starts.
    pub fn progress(&mut self, phase: Phase, item: &TrainingProgress) -> Option<EpochRecord> {
        if phase == Phase::Valid && self.train_duration.is_none() {
            self.train_duration = Some(self.epoch_started.elapsed());
        }
        self.phase = phase;
        if let Some(p) = &item.progress {
            self.items = (p.items_processed, p.items_total);
        }
        self.num_epochs = item.global_progress.items_total;
        let epoch = item.global_progress.items_processed;
        if epoch == self.epoch {
            return None;
        }
        let finished = self.finish_epoch();
        self.epoch = epoch;
        self.epoch_started = Instant::now();
        finished
    }

    /// Closes the current epoch (if it saw any metric) and returns its record.
    pub fn finish_epoch(&mut self) -> Option<EpochRecord> {
        if self.epoch == 0 || (self.train.is_empty() && self.valid.is_empty()) {
            return None;
        }
        let means = |m: &mut BTreeMap<String, Mean>| {
            std::mem::take(m)
                .into_iter()
                .map(|(k, v)| (k, v.value()))
                .collect()
        };
        let record = EpochRecord {
            epoch: self.epoch,
            num_epochs: self.num_epochs,
            train: means(&mut self.train),
            valid: means(&mut self.valid),
            duration: self.epoch_started.elapsed(),
            train_duration: self
                .train_duration
                .take()
                .unwrap_or_else(|| self.epoch_started.elapsed()),
        };
        self.history.push(record.clone());
        if let Some(sink) = &self.sink
            && let Ok(mut records) = sink.lock()
        {
            records.push(record.clone());
        }
        Some(record)
    }

    /// The current epoch and the run's total.
    pub fn epoch(&self) -> (usize, usize) {
        (self.epoch, self.num_epochs)
    }
}
