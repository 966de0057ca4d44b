//! The tracking of one run as it trains: its TensorBoard events (always) and its MLflow
//! mirror (when asked), fed from one place, shared by the run and its metric logger.

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use serde_json::Value;

use super::mlflow::{Mirror, Status};
use crate::tensorboard::{HParam, SessionStatus, flatten_config, live::Live};

/// Where and as what a run is mirrored into MLflow.
#[derive(Debug, Clone)]
pub struct MlflowTarget {
    /// The tracking server (`http://127.0.0.1:5000`).
    pub uri: String,
    /// The MLflow experiment: the zoo experiment.
    pub experiment: String,
    /// The MLflow run's name: the run id.
    pub run_name: String,
    /// Backend, devices, seed, git commit, burn version.
    pub tags: Vec<(String, String)>,
}

/// A run's MLflow params: its flattened `config.json`, as text.
pub fn mlflow_params(config: &Value) -> Vec<(String, String)> {
    flatten_config(config)
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                HParam::Number(x) => x.to_string(),
                HParam::Text(s) => s,
                HParam::Bool(b) => b.to_string(),
            };
            (k, text)
        })
        .collect()
}

/// The files of a finished run that go to MLflow as artifacts: its JSON records, the
/// plots and the exported weights.
pub(crate) fn artifacts(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut files: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    name.ends_with(".png")
                        || name.ends_with(".safetensors")
                        || ["summary.json", "config.json", "run.json"].contains(&name.as_str())
                })
                .map(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    (name, p)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// How a tracked run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It finished.
    Finished,
    /// It was stopped (resumable).
    Stopped,
    /// It failed.
    Failed,
}

struct Inner {
    dir: std::path::PathBuf,
    tensorboard: Live,
    mlflow: Option<Mirror>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("dir", &self.dir)
            .field("mlflow", &self.mlflow.is_some())
            .finish()
    }
}

/// A run's tracking; clones share it.
#[derive(Debug, Clone)]
pub struct Tracking(Arc<Mutex<Inner>>);

impl Tracking {
    /// Starts tracking the run in `dir` with configuration `config`; a resumed run
    /// (`resume_from`) continues its step count from its checkpoint.
    /// Without `tensorboard`, no event files; with `mlflow`, the run is also mirrored
    /// there.
    pub fn start(
        dir: &Path,
        config: &Value,
        resume_from: Option<usize>,
        tensorboard: bool,
        mlflow: Option<MlflowTarget>,
    ) -> Self {
        let step = resume_from.map_or(0, |epoch| {
            crate::tensorboard::live::steps_before(dir, epoch)
        });
        let tensorboard = if tensorboard {
            Live::start(dir, config, step)
        } else {
            Live::off(step)
        };
        let mlflow = mlflow.map(|target| {
            Mirror::start(
                &target.uri,
                &target.experiment,
                &target.run_name,
                mlflow_params(config),
                target.tags,
            )
        });
        Self(Arc::new(Mutex::new(Inner {
            dir: dir.to_path_buf(),
            tensorboard,
            mlflow,
        })))
    }

    fn with(&self, f: impl FnOnce(&mut Inner)) {
        if let Ok(mut inner) = self.0.lock() {
            f(&mut inner);
        }
    }

    /// One training step's values: `(key, value, count)`.
    pub fn train_step(&self, values: &[(String, f64, u64)]) {
        self.with(|t| {
            t.tensorboard.train_step(values);
            if let Some(mlflow) = &t.mlflow {
                let step = t.tensorboard.step();
                for (key, value, _) in values {
                    mlflow.metric(&format!("train_{key}"), *value, step);
                }
            }
        });
    }

    /// A value of `split` for its epoch mean.
    pub fn add(&self, split: &str, key: &str, value: f64, count: u64) {
        self.with(|t| t.tensorboard.add(split, key, value, count));
    }

    /// The end of `split`'s epoch `epoch`.
    pub fn end_epoch(&self, split: &str, epoch: usize) {
        self.with(|t| {
            let means = t.tensorboard.end_epoch(split);
            if let Some(mlflow) = &t.mlflow {
                for (key, mean) in means {
                    mlflow.metric(&format!("epoch_{split}_{key}"), mean, epoch as i64);
                }
                mlflow.flush();
            }
        });
    }

    /// The run's end, with `summary.json`'s `metrics`.
    pub fn finish(&self, metrics: &Value, ending: Ending) {
        let status = match ending {
            Ending::Finished => SessionStatus::Success,
            Ending::Stopped => SessionStatus::Running,
            Ending::Failed => SessionStatus::Failure,
        };
        self.with(|t| {
            t.tensorboard.finish(metrics, status);
            if let Some(mlflow) = t.mlflow.take() {
                let step = t.tensorboard.step();
                for (tag, value) in crate::tensorboard::live::final_scalars(metrics) {
                    mlflow.metric(&tag.replace('/', "_"), value, step);
                }
                let (status, files) = match ending {
                    Ending::Finished => (Status::Finished, artifacts(&t.dir)),
                    Ending::Stopped => (Status::Killed, Vec::new()),
                    Ending::Failed => (Status::Failed, Vec::new()),
                };
                mlflow.finish(status, files);
            }
        });
    }
}
