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

use super::{
    resolve::{history, history_series, load_summary, resolve_run},
    tfrecord::{scalar_event, version_event, write_record},
};
use crate::{
    artifacts::ArtifactDir,
    metric_logs,
    run::{Status, record::FoundRun},
    weights::WEIGHTS_FILE,
};

/// Options of `zoo export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write TensorBoard event files.
    #[arg(long)]
    pub tensorboard: bool,

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
    if !args.tensorboard && !args.safetensors {
        bail!("choose an export format: --tensorboard and/or --safetensors");
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
        let mut series = iteration_series(&run.dir)?;
        let per_epoch = match load_summary(run) {
            Ok(summary) => epoch_series(&summary),
            Err(_) => Vec::new(),
        };
        if per_epoch.is_empty() {
            // A run that has not finished (stopped, interrupted, still training) has no
            // summary yet: its per-epoch means come from the metric logs themselves.
            let rows = serde_json::to_value(crate::learning::history(&run.dir))?;
            series.extend(epoch_series(
                &serde_json::json!({"metrics": {"history": rows}}),
            ));
        } else {
            series.extend(per_epoch);
        }
        if series.is_empty() {
            println!(
                "note: run '{}' has no metric logs or history; writing an empty events file",
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

/// The per-iteration series of burn's metric logs under `dir`
/// (`<split>/epoch-<N>/<Metric>.log`): tag `<split>/<metric key>`, step counting
/// iterations across epochs. The error names the file and line that does not parse.
pub fn iteration_series(dir: &Path) -> Result<Vec<Series>> {
    let mut all: Vec<Series> = Vec::new();
    for log in metric_logs::read(dir)? {
        let tag = format!("{}/{}", log.split, log.key);
        let series = match all.iter_mut().find(|s| s.tag == tag) {
            Some(s) => s,
            None => {
                all.push(Series {
                    tag,
                    points: Vec::new(),
                });
                all.last_mut().expect("just pushed")
            }
        };
        let mut step = series.points.last().map_or(0, |p| p.0);
        for v in log.values() {
            step += 1;
            series.points.push((step, v));
        }
    }
    Ok(all)
}

/// The per-epoch series of a summary's `metrics.history`: tag `epoch/<key>`, step = epoch.
pub fn epoch_series(summary: &Value) -> Vec<Series> {
    let Some(rows) = history(summary) else {
        return Vec::new();
    };
    history_series(rows)
        .into_iter()
        .filter(|(_, points)| !points.is_empty())
        .map(|(key, points)| Series {
            tag: format!("epoch/{key}"),
            points: points.into_iter().map(|(e, v)| (e as i64, v)).collect(),
        })
        .collect()
}

/// Writes `dir/events.out.tfevents.<now>.zoo` (after deleting earlier zoo event files
/// there, so TensorBoard does not read a run twice). Wall times spread each series
/// over the run's wall time from its start.
pub fn write_events(dir: &Path, run: &FoundRun, series: &[Series]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("cannot list '{}'", dir.display()))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("events.out.tfevents.") && name.ends_with(".zoo") {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot delete '{}'", entry.path().display()))?;
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let start = crate::run::id::parse_utc(&run.record.started).unwrap_or(now);
    let wall = run.record.wall_seconds.unwrap_or(0.0);
    let mut bytes = Vec::new();
    write_record(&mut bytes, &version_event(start));
    for s in series {
        let last = s.points.last().map_or(1, |p| p.0.max(1)) as f64;
        for &(step, value) in &s.points {
            let t = start + wall * step as f64 / last;
            write_record(&mut bytes, &scalar_event(t, step, &s.tag, value as f32));
        }
    }
    let path = dir.join(format!("events.out.tfevents.{}.zoo", now as u64));
    std::fs::write(&path, bytes).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::id::parse_utc;
    use crate::zoo::{
        resolve::fake,
        tfrecord::{decode_event, read_records},
    };
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
        let mut series = iteration_series(&run.dir).unwrap();
        series.extend(epoch_series(&load_summary(&run).unwrap()));
        let tags: Vec<&str> = series.iter().map(|s| s.tag.as_str()).collect();
        assert_eq!(
            tags,
            [
                "train/learning_rate",
                "train/loss",
                "epoch/train_loss",
                "epoch/valid_loss"
            ]
        );
        assert_eq!(series[1].points, [(1, 0.9), (2, 0.7), (3, 0.5)]);

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
        assert_eq!(events.len(), 1 + 2 + 3 + 2 + 1);
        let loss: Vec<(i64, f32)> = events
            .iter()
            .filter(|e| e.values.first().is_some_and(|v| v.0 == "train/loss"))
            .map(|e| (e.step, e.values[0].1))
            .collect();
        assert_eq!(loss, [(1, 0.9), (2, 0.7), (3, 0.5)]);
        assert!(events[1].wall_time >= parse_utc("2026-11-22T10:00:00Z").unwrap());
    }

    #[test]
    fn bad_log_lines_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("train/epoch-1");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("Loss.log"), "0.5\nnot a number\n").unwrap();
        let err = iteration_series(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("Loss.log") && err.contains("line 2"), "{err}");
    }
}
