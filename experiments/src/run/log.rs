//! `experiment.log`: burn's application log, without its per-iteration lines.
//!
//! burn 0.21's file logger writes one INFO line per training iteration (100,000 lines
//! for a 100,000-step run). This installer writes the same file with the same format
//! and keeps every warning and error, and every INFO line but those from the learner's
//! epoch loop (`Iteration N`, `Executing training step for epoch N`).
//! Upstream: no issue filed; burn-train's epoch loop still logs these at INFO on its
//! main branch.

use std::path::{Path, PathBuf};

use burn::train::ApplicationLoggerInstaller;
use tracing_subscriber::{Layer, filter::filter_fn, prelude::*, registry};

/// Module whose INFO lines are one per iteration.
const EPOCH_LOOP: &str = "burn_train::learner::supervised::strategies";

/// Installs the run's `experiment.log` logger.
pub struct QuietFileLogger {
    path: PathBuf,
}

impl QuietFileLogger {
    /// A logger writing to `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
        }
    }
}

/// Whether an event of `level` from `module` goes to the file.
fn keep(level: &tracing::Level, module: Option<&str>) -> bool {
    if *level > tracing::Level::INFO {
        return false;
    }
    match module {
        // wgpu is very chatty at INFO (burn drops it too).
        Some(m) if m.starts_with("wgpu") => *level < tracing::Level::INFO,
        Some(m) if m.starts_with(EPOCH_LOOP) => *level < tracing::Level::INFO,
        _ => true,
    }
}

impl ApplicationLoggerInstaller for QuietFileLogger {
    fn install(&self) -> Result<(), String> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        let Some(file) = self.path.file_name() else {
            return Err(format!("'{}' is not a file path", self.path.display()));
        };
        let writer = tracing_appender::rolling::never(dir, file);
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer)
            .with_filter(filter_fn(|m| keep(m.level(), m.module_path())));
        registry().with(layer).try_init().map_err(|e| {
            format!(
                "cannot install the logger for '{}': {e}",
                self.path.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn per_iteration_lines_are_dropped_and_warnings_kept() {
        let epoch_loop = Some("burn_train::learner::supervised::strategies::single::epoch");
        assert!(!keep(&Level::INFO, epoch_loop));
        assert!(keep(&Level::WARN, epoch_loop));
        assert!(keep(&Level::INFO, Some("burn_train::checkpoint")));
        assert!(keep(&Level::ERROR, Some("wgpu_core")));
        assert!(!keep(&Level::INFO, Some("wgpu_core")));
        assert!(!keep(&Level::DEBUG, Some("experiments")));
    }
}
