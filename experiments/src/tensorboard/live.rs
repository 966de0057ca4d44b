//! A run's events as it trains: the session start when it opens, each training step's
//! values, each epoch's means, the final figures and the session end. Writing never
//! endangers the run: the first error is one warning, then the run goes on without
//! events.

use std::{collections::BTreeMap, path::Path};

use serde_json::Value;

use super::{EventWriter, SessionStatus, flatten_config, group_of, now, session_end_event};
use crate::metric_logs;

/// The live events of one run.
#[derive(Debug)]
pub struct Live {
    writer: Option<EventWriter>,
    /// The global training step (training iterations so far, over every epoch).
    step: i64,
    /// Running sums for each `(split, key)` in the current epoch: value × count, count.
    sums: BTreeMap<(String, String), (f64, u64)>,
}

/// The training steps a resumed run did before its checkpoint at `epoch` (the train
/// loss entries of epochs up to it).
pub fn steps_before(dir: &Path, epoch: usize) -> i64 {
    metric_logs::read(dir)
        .unwrap_or_default()
        .iter()
        .filter(|l| l.split == "train" && l.key == "loss" && l.epoch <= epoch)
        .map(|l| l.entries.len() as i64)
        .sum()
}

/// The final figures of `summary.json`'s `metrics`: numbers at the top level,
/// `test_<x>` as `test/<x>`, the others as `final/<x>`.
pub fn final_scalars(metrics: &Value) -> Vec<(String, f64)> {
    let Some(map) = metrics.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(k, v)| Some((k, v.as_f64()?)))
        .filter(|(_, v)| v.is_finite())
        .map(|(k, v)| match k.strip_prefix("test_") {
            Some(rest) => (format!("test/{rest}"), v),
            None => (format!("final/{k}"), v),
        })
        .collect()
}

impl Live {
    /// Opens a new events file in the run directory `dir` and writes the session start
    /// (`config` flattened); `step`: where a resumed run's steps continue.
    pub fn start(dir: &Path, config: &Value, step: i64) -> Self {
        let mut live = Self {
            writer: None,
            step,
            sums: BTreeMap::new(),
        };
        match EventWriter::create(dir) {
            Ok(writer) => live.writer = Some(writer),
            Err(e) => live.warn(e),
        }
        let hparams = flatten_config(config);
        let group = group_of(&hparams);
        let event = super::session_start_event(now(), &hparams, &group, now());
        live.write(|w| {
            w.append(&event)?;
            w.flush()
        });
        live
    }

    /// No events file (`--no-tensorboard`): only the step count, for MLflow.
    pub fn off(step: i64) -> Self {
        Self {
            writer: None,
            step,
            sums: BTreeMap::new(),
        }
    }

    fn warn(&mut self, e: anyhow::Error) {
        eprintln!("warning: TensorBoard events: {e:#}; the run goes on without them");
        self.writer = None;
    }

    fn write(&mut self, f: impl FnOnce(&mut EventWriter) -> anyhow::Result<()>) {
        if let Some(writer) = self.writer.as_mut()
            && let Err(e) = f(writer)
        {
            self.warn(e);
        }
    }

    /// One training step's values (`key`, value, the items it is the mean of): the
    /// step counter moves on and each value is written as `train/<key>`.
    pub fn train_step(&mut self, values: &[(String, f64, u64)]) {
        self.step += 1;
        let step = self.step;
        for (key, value, count) in values {
            self.add("train", key, *value, *count);
        }
        self.write(|w| {
            for (key, value, _) in values {
                w.scalar(step, &format!("train/{key}"), *value)?;
            }
            Ok(())
        });
    }

    /// A value of `split` (validation) for the epoch's mean, not written on its own.
    pub fn add(&mut self, split: &str, key: &str, value: f64, count: u64) {
        if value.is_finite() {
            let sum = self.sums.entry((split.into(), key.into())).or_default();
            sum.0 += value * count as f64;
            sum.1 += count;
        }
    }

    /// The end of `split`'s epoch: its means as `epoch/<split>_<key>` at the current
    /// step, and everything written so far flushed to the file. Returns the means by
    /// key.
    pub fn end_epoch(&mut self, split: &str) -> Vec<(String, f64)> {
        let step = self.step;
        let means: Vec<(String, f64)> = self
            .sums
            .iter()
            .filter(|((s, _), (_, n))| s == split && *n > 0)
            .map(|((_, k), (sum, n))| (k.clone(), sum / *n as f64))
            .collect();
        self.sums.retain(|(s, _), _| s != split);
        self.write(|w| {
            for (key, mean) in &means {
                w.scalar(step, &format!("epoch/{split}_{key}"), *mean)?;
            }
            w.flush()
        });
        means
    }

    /// The run's end: its final figures (`summary.json`'s `metrics`) at the last step,
    /// the session end, flushed.
    pub fn finish(&mut self, metrics: &Value, status: SessionStatus) {
        let step = self.step;
        let scalars = final_scalars(metrics);
        self.write(|w| {
            for (tag, value) in &scalars {
                w.scalar(step, tag, *value)?;
            }
            w.append(&session_end_event(now(), step, status, now()))?;
            w.flush()
        });
    }

    /// The global step so far.
    pub fn step(&self) -> i64 {
        self.step
    }
}
