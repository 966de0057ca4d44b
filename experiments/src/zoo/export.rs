//! `zoo export --safetensors`: a finished run's `model.safetensors`, written from its
//! `model.mpk` (for runs made before runs wrote it themselves).
//!
//! `zoo export --tensorboard`: a run's metrics as TensorBoard event files: the
//! per-iteration values from burn's metric logs (`train/loss`, `valid/accuracy`,
//! ...; step = iteration count across epochs) and the per-epoch values of
//! `metrics.history` (`epoch/train_loss`, ...; step = epoch).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

use super::resolve::{load_summary, resolve_run};
use crate::{
    artifacts::ArtifactDir,
    metric_logs,
    run::{Status, record::FoundRun},
    tensorboard,
    weights::WEIGHTS_FILE,
};

/// Options of `zoo export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write TensorBoard event files.
    #[arg(long)]
    pub tensorboard: bool,

    /// Push each finished run into this MLflow tracking server (http://HOST:PORT):
    /// params, tags, the per-epoch metrics, the final figures, the artifacts.
    #[arg(long, value_name = "URI")]
    pub mlflow: Option<String>,

    /// Write each finished run's model.safetensors (PyTorch's conventions, see
    /// interop/README.md) into its run directory, from its model.mpk.
    #[arg(long)]
    pub safetensors: bool,

    /// The runs: run directories, run ids or EXPERIMENT/latest.
    #[arg(value_name = "RUN", required = true)]
    pub runs: Vec<String>,

    /// Where to write `<run-id>/events.out.tfevents.*` [default: <artifacts>/tensorboard].
    // The doc comment is clap's --help text, not markdown.
    #[allow(rustdoc::invalid_html_tags)]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// One scalar series: a tag and its `(step, value)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// TensorBoard tag (`train/loss`).
    pub tag: String,
    /// `(step, value)`, in step order.
    pub points: Vec<(i64, f64)>,
}

/// Exports the runs `args` names.
pub fn execute(root: &Path, args: &ExportArgs) -> Result<()> {
    if !args.tensorboard && !args.safetensors && args.mlflow.is_none() {
        bail!("choose what to export: --tensorboard, --safetensors and/or --mlflow URI");
    }
    let runs: Vec<FoundRun> = args
        .runs
        .iter()
        .map(|spec| resolve_run(root, spec))
        .collect::<Result<_>>()?;
    if args.safetensors {
        for run in &runs {
            export_safetensors(run)?;
        }
    }
    if args.tensorboard {
        export_tensorboard(root, args, &runs)?;
    }
    if let Some(uri) = &args.mlflow {
        for run in &runs {
            export_mlflow(uri, run)?;
        }
    }
    Ok(())
}

/// The settings a run's trackers get: its `config.json` plus its backend (as the live
/// run gave them).
fn tracked_config(run: &FoundRun) -> Value {
    let mut config: Value = ArtifactDir::open(&run.dir)
        .and_then(|d| d.read_json(crate::artifacts::CONFIG_FILE))
        .unwrap_or_else(|_| Value::Object(Default::default()));
    if let Some(map) = config.as_object_mut() {
        map.insert("backend".into(), run.record.backend.clone().into());
    }
    config
}

/// Pushes a finished `run` into the MLflow server at `uri`.
fn export_mlflow(uri: &str, run: &FoundRun) -> Result<()> {
    use crate::tracking::mlflow::{Status as MlflowStatus, export_run};
    if run.record.status != Status::Finished {
        bail!(
            "run '{}' is {}, not finished: zoo export --mlflow pushes finished runs",
            run.record.id,
            run.record.status
        );
    }
    let params = crate::tracking::mlflow_params(&tracked_config(run));
    let start_ms =
        crate::run::id::parse_utc(&run.record.started).map_or(0, |s| (s * 1000.0) as i64);
    let end_ms = start_ms + (run.record.wall_seconds.unwrap_or(0.0) * 1000.0) as i64;
    let mut metrics = Vec::new();
    for row in crate::learning::history(&run.dir) {
        for (key, value) in &row.values {
            metrics.push((format!("epoch_{key}"), *value, row.epoch as i64, end_ms));
        }
    }
    if let Ok(summary) = load_summary(run) {
        for (tag, value) in tensorboard::live::final_scalars(&summary["metrics"]) {
            metrics.push((tag.replace('/', "_"), value, 0, end_ms));
        }
    }
    let id = export_run(
        uri,
        &run.record.experiment,
        &run.record.id,
        start_ms,
        end_ms,
        MlflowStatus::Finished,
        params,
        crate::run::mlflow_tags(&run.record),
        metrics,
        crate::tracking::artifacts(&run.dir),
    )?;
    println!("run '{}': MLflow run {id} at {uri}", run.record.id);
    Ok(())
}

/// Writes `run`'s `model.safetensors` from its `model.mpk`.
fn export_safetensors(run: &FoundRun) -> Result<()> {
    let dir = ArtifactDir::open(&run.dir)?;
    let existing = dir.join(WEIGHTS_FILE);
    if existing.is_file() {
        println!(
            "run '{}' already has '{}'",
            run.record.id,
            existing.display()
        );
        return Ok(());
    }
    if run.record.status != Status::Finished {
        bail!(
            "run '{}' is {}, not finished: it has no final model to export",
            run.record.id,
            run.record.status
        );
    }
    let experiment = crate::registry::find(&run.record.experiment)?;
    let Some(export) = experiment.export_weights else {
        bail!(
            "run '{}': {} runs cannot be exported after the fact (lcd runs write \
             model-<kind>-<size>-n<n>.safetensors as they train, and older ones kept no \
             model; older k-means runs did not keep their standardisation): run it again",
            run.record.id,
            experiment.name
        );
    };
    let path = export(&dir)?;
    println!("run '{}': wrote '{}'", run.record.id, path.display());
    Ok(())
}

/// Writes TensorBoard event files for `runs`.
fn export_tensorboard(root: &Path, args: &ExportArgs, runs: &[FoundRun]) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| root.join("tensorboard"));
    for run in runs {
        let series = run_series(run)?;
        if series.is_empty() {
            println!(
                "note: run '{}' has no metric logs or figures; writing its settings only",
                run.record.id
            );
        }
        let path = write_events(&out.join(&run.record.id), run, &series)?;
        let count: usize = series.iter().map(|s| s.points.len()).sum();
        let tags: Vec<&str> = series.iter().map(|s| s.tag.as_str()).collect();
        println!("{}: {count} values of {}", path.display(), tags.join(", "));
    }
    println!("view with: tensorboard --logdir {}", out.display());
    Ok(())
}

/// A run's series as the live events hold them ([`crate::tensorboard`]), every one on
/// the global training step: `train/<key>` per iteration, `epoch/<split>_<key>` at the
/// step each epoch ended, and the final figures of `summary.json` at the last step.
/// The error names a metric log line that does not parse.
pub fn run_series(run: &FoundRun) -> Result<Vec<Series>> {
    let logs = metric_logs::read(&run.dir)?;
    // The step at the end of each epoch: training iterations so far.
    let mut ends = std::collections::BTreeMap::new();
    let mut step = 0i64;
    for log in logs
        .iter()
        .filter(|l| l.split == "train" && l.key == "loss")
    {
        step += log.entries.len() as i64;
        ends.insert(log.epoch, step);
    }
    let mut all: Vec<Series> = Vec::new();
    let mut push = |tag: String, point: (i64, f64)| match all.iter_mut().find(|s| s.tag == tag) {
        Some(s) => s.points.push(point),
        None => all.push(Series {
            tag,
            points: vec![point],
        }),
    };
    for log in &logs {
        let end = ends.get(&log.epoch).copied().unwrap_or(step);
        if log.split == "train" {
            let first = end - log.entries.len() as i64;
            for (i, value) in log.values().enumerate() {
                push(format!("train/{}", log.key), (first + 1 + i as i64, value));
            }
        }
        if let Some(mean) = log.mean() {
            push(format!("epoch/{}_{}", log.split, log.key), (end, mean));
        }
    }
    if let Ok(summary) = load_summary(run) {
        for (tag, value) in crate::tensorboard::live::final_scalars(&summary["metrics"]) {
            push(tag, (step, value));
        }
    }
    Ok(all)
}

/// Writes `dir/events.out.tfevents.*.zoo` (after deleting earlier zoo event files
/// there, so TensorBoard does not read a run twice): the run's settings (HParams
/// session start), `series`, and the session end when it has ended. Wall times spread
/// each series over the run's wall time from its start.
pub fn write_events(dir: &Path, run: &FoundRun, series: &[Series]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("cannot list '{}'", dir.display()))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(tensorboard::FILE_PREFIX) && name.ends_with(tensorboard::FILE_SUFFIX) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot delete '{}'", entry.path().display()))?;
        }
    }
    let now = tensorboard::now();
    let start = crate::run::id::parse_utc(&run.record.started).unwrap_or(now);
    let wall = run.record.wall_seconds.unwrap_or(0.0);
    let mut writer = tensorboard::EventWriter::create(dir)?;
    let config = tracked_config(run);
    let hparams = tensorboard::flatten_config(&config);
    let group = tensorboard::group_of(&hparams);
    writer.append(&tensorboard::session_start_event(
        start, &hparams, &group, start,
    ))?;
    let last = series
        .iter()
        .filter_map(|s| s.points.last().map(|p| p.0))
        .max()
        .unwrap_or(0);
    for s in series {
        for &(step, value) in &s.points {
            let t = start + wall * step as f64 / last.max(1) as f64;
            writer.append(&tensorboard::scalar_event(t, step, &s.tag, value as f32))?;
        }
    }
    let status = match run.record.effective_status() {
        Status::Finished => Some(tensorboard::SessionStatus::Success),
        Status::Failed => Some(tensorboard::SessionStatus::Failure),
        _ => None,
    };
    if let Some(status) = status {
        let end = start + wall;
        writer.append(&tensorboard::session_end_event(end, last, status, end))?;
    }
    writer.flush()?;
    Ok(writer.path().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::id::parse_utc;
    use crate::tensorboard::{decode_event, read_records};
    use crate::zoo::resolve::fake;
    use serde_json::json;

    #[test]
    fn parses_utc_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_utc("2026-11-22T21:55:01Z"), Some(1_795_384_501.0));
        assert_eq!(parse_utc("garbage"), None);
    }

    #[test]
    fn exports_logs_and_history_that_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let history = json!([{"epoch": 1, "train_loss": 0.5, "valid_loss": null},
                             {"epoch": 2, "train_loss": 0.25, "valid_loss": 0.3}]);
        let dir = fake::run(
            root,
            "xor",
            "20261122T100000Z-aaaa",
            "ndarray",
            1,
            true,
            json!({}),
            json!({"accuracy": 1.0, "history": history}),
        );
        for (epoch, lines) in [(1, "0.9\n0.7,4\n"), (2, "0.5\n")] {
            let d = dir.join(format!("train/epoch-{epoch}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("Loss.log"), lines).unwrap();
            std::fs::write(d.join("Learning_Rate.log"), "0.01\n").unwrap();
        }
        let run = resolve_run(root, "20261122T100000Z-aaaa").unwrap();
        let series = run_series(&run).unwrap();
        let tags: Vec<&str> = series.iter().map(|s| s.tag.as_str()).collect();
        assert_eq!(
            tags,
            [
                "train/learning_rate",
                "epoch/train_learning_rate",
                "train/loss",
                "epoch/train_loss",
                "final/accuracy"
            ]
        );
        // Every series on the global training step: epoch 1 had 2 steps, epoch 2 one.
        assert_eq!(series[2].points, [(1, 0.9), (2, 0.7), (3, 0.5)]);
        assert_eq!(series[3].points, [(2, (0.9 + 0.7 * 4.0) / 5.0), (3, 0.5)]);
        assert_eq!(series[4].points, [(3, 1.0)]);

        let out = root.join("tb");
        write_events(&out, &run, &series).unwrap();
        let path = write_events(&out, &run, &series).unwrap(); // replaces the first
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
        let events: Vec<_> = read_records(&path)
            .unwrap()
            .iter()
            .map(|r| decode_event(r).unwrap())
            .collect();
        assert_eq!(events[0].file_version.as_deref(), Some("brain.Event:2"));
        assert_eq!(events[1].plugin_tags, ["_hparams_/session_start_info"]);
        assert_eq!(
            events.last().unwrap().plugin_tags,
            ["_hparams_/session_end_info"]
        );
        let loss: Vec<(i64, f32)> = events
            .iter()
            .filter(|e| e.values.first().is_some_and(|v| v.0 == "train/loss"))
            .map(|e| (e.step, e.values[0].1))
            .collect();
        assert_eq!(loss, [(1, 0.9), (2, 0.7), (3, 0.5)]);
        assert!(events[2].wall_time >= parse_utc("2026-11-22T10:00:00Z").unwrap());
    }

    #[test]
    fn bad_log_lines_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("train/epoch-1");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("Loss.log"), "0.5\nnot a number\n").unwrap();
        let err = crate::metric_logs::read(tmp.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("Loss.log") && err.contains("line 2"), "{err}");
    }
}
