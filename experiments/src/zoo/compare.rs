//! `zoo compare`: the settings that differ between runs, their metrics side by
//! side, and their per-epoch curves overlaid in `compare.png`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{Result, bail};
use clap::Args;
use serde_json::Value;

use super::{
    resolve::{self, history, history_series, load_config, load_summary, resolve_run},
    runs, table,
};
use crate::{
    plot::{Panel, line_charts_grid_png},
    run::record::FoundRun,
};

/// Options of `zoo compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The runs: run directories, run ids (searched under the artifacts root) or
    /// EXPERIMENT/latest. With --last, at most one: the experiment to take them from.
    #[arg(value_name = "RUN")]
    pub runs: Vec<String>,

    /// Compare the newest N finished runs (of the experiment given, else of all).
    #[arg(long, value_name = "N", value_parser = crate::cli::positive_usize)]
    pub last: Option<usize>,

    /// Directory to write compare.png into [default: the artifacts root].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// A run to compare: where it is, its record and summary.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The run directory and record.
    pub run: FoundRun,
    /// Its `summary.json`.
    pub summary: Value,
}

/// Compares the runs `args` names; prints the tables and writes the plot.
pub fn execute(root: &Path, args: &CompareArgs) -> Result<()> {
    let loaded: Vec<Loaded> = select(root, args)?
        .into_iter()
        .map(|run| load_summary(&run).map(|summary| Loaded { run, summary }))
        .collect::<Result<_>>()?;
    let ids: Vec<&str> = loaded.iter().map(|l| l.run.record.id.as_str()).collect();
    let mut header = vec![""];
    header.extend(&ids);

    let settings = differing_settings(&loaded);
    if settings.is_empty() {
        println!("settings: identical (configuration, backend, device, seed, threads)\n");
    } else {
        println!("settings that differ:");
        print!("{}", table::render(&header, &as_rows(settings)));
        println!();
    }
    println!("metrics:");
    print!("{}", table::render(&header, &as_rows(metric_rows(&loaded))));

    let out = args.out.clone().unwrap_or_else(|| root.to_path_buf());
    let path = out.join("compare.png");
    let (panels, skipped) = curves(&loaded);
    for id in &skipped {
        println!("note: run '{id}' has no per-epoch history; it is not in the plot");
    }
    if panels.iter().all(|p| p.series.is_empty()) {
        println!("note: no run has a per-epoch history; no plot written");
        return Ok(());
    }
    std::fs::create_dir_all(&out)
        .map_err(|e| anyhow::anyhow!("cannot create '{}': {e}", out.display()))?;
    let panels: Vec<Panel> = panels.iter().map(CurvePanel::as_panel).collect();
    line_charts_grid_png(&path, &panels, 2)?;
    println!("\nplot: {}", path.display());
    Ok(())
}

/// The runs named by `args`: each RUN resolved, or the newest `--last N` finished
/// runs. At least two.
pub fn select(root: &Path, args: &CompareArgs) -> Result<Vec<FoundRun>> {
    let runs = match args.last {
        Some(n) => {
            if args.runs.len() > 1 {
                bail!(
                    "--last takes at most one experiment name, got {}",
                    args.runs.join(" ")
                );
            }
            let experiment = args.runs.first().map(String::as_str);
            let found: Vec<FoundRun> = runs::list(root, experiment)
                .into_iter()
                .filter(resolve::is_finished)
                .take(n)
                .collect();
            if found.is_empty() {
                bail!(
                    "no finished {}runs under '{}'",
                    experiment.map_or(String::new(), |e| format!("{e} ")),
                    root.display()
                );
            }
            found
        }
        None => args
            .runs
            .iter()
            .map(|spec| resolve_run(root, spec))
            .collect::<Result<_>>()?,
    };
    if runs.len() < 2 {
        bail!(
            "compare needs at least two runs, found {} ({})",
            runs.len(),
            runs.iter()
                .map(|r| r.record.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(runs)
}

/// A run's settings: its configuration flattened to dotted keys, plus backend,
/// device, seed and threads from `run.json`.
pub fn settings(loaded: &Loaded) -> BTreeMap<String, String> {
    let mut map = table::flatten(&load_config(&loaded.run.dir, Some(&loaded.summary)));
    let r = &loaded.run.record;
    map.remove("");
    map.insert("backend".into(), r.backend.clone());
    map.insert("device".into(), r.device.clone());
    map.insert("seed".into(), r.seed.to_string());
    map.insert("threads".into(), r.threads.to_string());
    map
}

/// The settings whose values differ between the runs (missing counts as `-`), one
/// row per setting with a cell per run.
pub fn differing_settings(runs: &[Loaded]) -> Vec<(String, Vec<String>)> {
    let all: Vec<BTreeMap<String, String>> = runs.iter().map(settings).collect();
    let mut keys: Vec<&String> = all.iter().flat_map(|m| m.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let cells: Vec<String> = all
                .iter()
                .map(|m| m.get(key).cloned().unwrap_or_else(|| "-".into()))
                .collect();
            cells
                .iter()
                .any(|c| c != &cells[0])
                .then(|| (key.clone(), cells))
        })
        .collect()
}

/// The key metric, every numeric metric all runs have, and wall time; a row each.
pub fn metric_rows(runs: &[Loaded]) -> Vec<(String, Vec<String>)> {
    let mut rows = Vec::new();
    rows.push((
        "key metric".to_string(),
        runs.iter().map(|l| runs::key_metric_cell(&l.run)).collect(),
    ));
    let metrics: Vec<BTreeMap<String, f64>> = runs
        .iter()
        .map(|l| table::scalars(l.summary.get("metrics").unwrap_or(&Value::Null)))
        .collect();
    if let Some(first) = metrics.first() {
        for key in first.keys() {
            if metrics.iter().all(|m| m.contains_key(key)) {
                let cells = metrics.iter().map(|m| table::number(m[key])).collect();
                rows.push((key.clone(), cells));
            }
        }
    }
    let wall = |l: &Loaded| {
        l.run
            .record
            .wall_seconds
            .or_else(|| l.summary.get("wall_seconds").and_then(Value::as_f64))
    };
    rows.push((
        "wall time".to_string(),
        runs.iter().map(|l| table::seconds(wall(l))).collect(),
    ));
    rows
}

fn as_rows(rows: Vec<(String, Vec<String>)>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|(key, cells)| std::iter::once(key).chain(cells).collect())
        .collect()
}

/// One panel of the comparison plot: a history key and a series per run.
#[derive(Debug, Clone)]
pub struct CurvePanel {
    /// The history key (`train_loss`).
    pub key: String,
    /// `(legend, points)` per run that has the key.
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

impl CurvePanel {
    fn as_panel(&self) -> Panel<'_> {
        Panel {
            title: self.key.clone(),
            x_desc: "epoch",
            y_desc: self.key.clone(),
            series: self
                .series
                .iter()
                .map(|(name, points)| (name.as_str(), points.clone()))
                .collect(),
            log_y: self.key.ends_with("loss") && spans_decades(&self.series),
        }
    }
}

/// Whether all values are positive and span more than a factor 20 (a log axis helps).
fn spans_decades(series: &[(String, Vec<(f64, f64)>)]) -> bool {
    let values = series.iter().flat_map(|s| s.1.iter().map(|p| p.1));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo > 0.0 && hi / lo > 20.0
}

/// The panels (one per history key, one line per run, legend `id (backend)`) and the
/// ids of the runs without history.
pub fn curves(runs: &[Loaded]) -> (Vec<CurvePanel>, Vec<String>) {
    let mut panels: Vec<CurvePanel> = Vec::new();
    let mut skipped = Vec::new();
    for l in runs {
        let Some(rows) = history(&l.summary) else {
            skipped.push(l.run.record.id.clone());
            continue;
        };
        let legend = format!("{} ({})", l.run.record.id, l.run.record.backend);
        for (key, points) in history_series(rows) {
            if points.is_empty() {
                continue;
            }
            match panels.iter_mut().find(|p| p.key == key) {
                Some(panel) => panel.series.push((legend.clone(), points)),
                None => panels.push(CurvePanel {
                    key,
                    series: vec![(legend.clone(), points)],
                }),
            }
        }
    }
    panels.sort_by(|a, b| a.key.cmp(&b.key));
    (panels, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoo::resolve::fake;
    use serde_json::json;

    fn load(root: &Path, id: &str) -> Loaded {
        let run = resolve_run(root, id).unwrap();
        let summary = load_summary(&run).unwrap();
        Loaded { run, summary }
    }

    #[test]
    fn shows_only_differing_settings_and_common_metrics() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let cfg = |hidden: u64| json!({"lr": 0.1, "model": {"hidden": hidden, "act": "relu"}});
        let history = json!([{"epoch": 1, "train_loss": 0.5}, {"epoch": 2, "train_loss": 0.2}]);
        fake::run(
            root,
            "xor",
            "20261122T100000Z-aaaa",
            "ndarray",
            1,
            true,
            cfg(2),
            json!({"accuracy": 1.0, "final_loss": 0.01, "only_a": 3, "history": history}),
        );
        fake::run(
            root,
            "xor",
            "20261122T110000Z-bbbb",
            "ndarray",
            1,
            true,
            cfg(4),
            json!({"accuracy": 0.75, "final_loss": 0.2}),
        );
        let runs = [
            load(root, "20261122T100000Z-aaaa"),
            load(root, "20261122T110000Z-bbbb"),
        ];

        let diff = differing_settings(&runs);
        assert_eq!(
            diff,
            vec![(
                "model.hidden".to_string(),
                vec!["2".to_string(), "4".to_string()]
            )]
        );

        let metrics = metric_rows(&runs);
        let names: Vec<&str> = metrics.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["key metric", "accuracy", "final_loss", "wall time"]);
        assert_eq!(metrics[0].1, ["accuracy=1", "accuracy=0.75"]);

        let (panels, skipped) = curves(&runs);
        assert_eq!(skipped, ["20261122T110000Z-bbbb"]);
        assert_eq!(panels.len(), 1);
        assert_eq!(panels[0].series[0].0, "20261122T100000Z-aaaa (ndarray)");
    }

    #[test]
    fn last_n_takes_newest_finished_and_needs_two() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (id, finished) in [
            ("20261122T100000Z-aaaa", true),
            ("20261122T110000Z-bbbb", false),
            ("20261122T120000Z-cccc", true),
        ] {
            fake::run(
                root,
                "xor",
                id,
                "ndarray",
                1,
                finished,
                json!({}),
                json!({}),
            );
        }
        let args = |runs: &[&str], last| CompareArgs {
            runs: runs.iter().map(|s| s.to_string()).collect(),
            last,
            out: None,
        };
        let picked: Vec<String> = select(root, &args(&["xor"], Some(5)))
            .unwrap()
            .into_iter()
            .map(|r| r.record.id)
            .collect();
        assert_eq!(picked, ["20261122T120000Z-cccc", "20261122T100000Z-aaaa"]);
        assert!(select(root, &args(&["mnist"], Some(2))).is_err());
        let err = select(root, &args(&["20261122T100000Z-aaaa", "missing"], None)).unwrap_err();
        assert!(err.to_string().contains("'missing'"), "{err}");
    }
}
