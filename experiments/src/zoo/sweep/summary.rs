//! A sweep's results: per grid point statistics over the seeds, `sweep.json`, the
//! text table and `sweep.png`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::plan::{SweepPlan, SweepSpec, point_label};
use crate::{
    plot::{SpreadGroup, spread_png},
    run::record::{Goal, RunRecord, Status},
    zoo::table,
};

/// File name of a sweep's summary, in its directory.
pub const SWEEP_FILE: &str = "sweep.json";
/// File name of a sweep's plot, in its directory.
pub const SWEEP_PLOT: &str = "sweep.png";

/// The content of `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepFile {
    /// The sweep: experiment, grid, seeds, name and extra flags.
    #[serde(flatten)]
    pub spec: SweepSpec,
    /// The sweep's directory name.
    pub slug: String,
    /// Name of the key metric (from the runs).
    pub key_metric: Option<String>,
    /// Whether larger or smaller key metric values are better.
    pub goal: Option<Goal>,
    /// One entry per grid point, in grid order.
    pub points: Vec<PointSummary>,
}

/// Mean, sample standard deviation, min and max of some values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one value).
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when empty.
    pub fn of(values: &[f64]) -> Option<Self> {
        let (mean, std) = table::mean_and_std(values)?;
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Self {
            mean,
            std,
            min,
            max,
        })
    }
}

/// One grid point's results over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// `hidden=2 lr=0.1`.
    pub label: String,
    /// The point's flag values by key.
    pub settings: BTreeMap<String, String>,
    /// Finished runs.
    pub n: usize,
    /// Runs that are not finished.
    pub not_finished: usize,
    /// The key metric over the finished runs.
    pub key_metric: Option<Spread>,
    /// Wall seconds (from `run.json`) over the finished runs.
    pub wall_seconds: Option<Spread>,
    /// Every run of the point.
    pub runs: Vec<RunResult>,
}

/// One run of a sweep as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Run id, when it has a record.
    pub id: Option<String>,
    /// Its directory, relative to the sweep's.
    pub dir: String,
    /// Seed.
    pub seed: u64,
    /// Status (`finished`, `failed`, ..., `missing` without a record).
    pub status: Status,
    /// Key metric value, once finished.
    pub key_metric: Option<f64>,
    /// Wall seconds, once finished.
    pub wall_seconds: Option<f64>,
}

/// Reads every planned run's record and summarises the sweep.
pub fn summarise(spec: &SweepSpec, plan: &SweepPlan) -> SweepFile {
    let mut key_metric = None;
    let mut goal = None;
    let mut points: Vec<PointSummary> = Vec::new();
    for run in &plan.runs {
        let label = point_label(&run.point);
        let record = RunRecord::load(&run.dir).ok();
        let finished = record
            .as_ref()
            .filter(|r| r.effective_status() == Status::Finished);
        if let Some(k) = finished.and_then(|r| r.key_metric.as_ref()) {
            key_metric.get_or_insert_with(|| k.name.clone());
            goal.get_or_insert(k.goal);
        }
        let result = RunResult {
            id: record.as_ref().map(|r| r.id.clone()),
            dir: run
                .dir
                .strip_prefix(&plan.dir)
                .unwrap_or(&run.dir)
                .display()
                .to_string(),
            seed: run.seed,
            status: record
                .as_ref()
                .map_or(Status::Missing, RunRecord::effective_status),
            key_metric: finished.and_then(|r| r.key_metric.as_ref().map(|k| k.value)),
            wall_seconds: finished.and_then(|r| r.wall_seconds),
        };
        match points.iter_mut().find(|p| p.label == label) {
            Some(p) => p.runs.push(result),
            None => points.push(PointSummary {
                label,
                settings: run.point.iter().cloned().collect(),
                n: 0,
                not_finished: 0,
                key_metric: None,
                wall_seconds: None,
                runs: vec![result],
            }),
        }
    }
    for p in &mut points {
        let done: Vec<&RunResult> = p
            .runs
            .iter()
            .filter(|r| r.status == Status::Finished)
            .collect();
        p.n = done.len();
        p.not_finished = p.runs.len() - done.len();
        let metric: Vec<f64> = done.iter().filter_map(|r| r.key_metric).collect();
        let wall: Vec<f64> = done.iter().filter_map(|r| r.wall_seconds).collect();
        p.key_metric = Spread::of(&metric);
        p.wall_seconds = Spread::of(&wall);
    }
    SweepFile {
        spec: spec.clone(),
        slug: spec.slug(),
        key_metric,
        goal,
        points,
    }
}

/// The header and rows of a sweep's table (shared with `zoo report`).
pub fn table_rows(file: &SweepFile) -> (Vec<String>, Vec<Vec<String>>) {
    let metric = file.key_metric.as_deref().unwrap_or("key metric");
    let header = [
        "point".to_string(),
        "n".to_string(),
        format!("{metric} mean ± std"),
        "min".to_string(),
        "max".to_string(),
        "wall mean ± std".to_string(),
        "not finished".to_string(),
    ];
    let rows = file
        .points
        .iter()
        .map(|p| {
            let (m, lo, hi) = p
                .key_metric
                .map_or(("-".into(), "-".into(), "-".into()), |s| {
                    (
                        table::mean_std(s.mean, s.std),
                        table::number(s.min),
                        table::number(s.max),
                    )
                });
            let wall = p.wall_seconds.map_or("-".to_string(), |s| {
                format!(
                    "{} ± {}",
                    table::seconds(Some(s.mean)),
                    table::seconds(Some(s.std))
                )
            });
            vec![
                p.label.clone(),
                p.n.to_string(),
                m,
                lo,
                hi,
                wall,
                p.not_finished.to_string(),
            ]
        })
        .collect();
    (header.to_vec(), rows)
}

/// The sweep's table as text.
pub fn render(file: &SweepFile) -> String {
    let (header, rows) = table_rows(file);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table::render(&header, &rows)
}

/// Writes `sweep.json` into `dir`.
pub fn write(dir: &Path, file: &SweepFile) -> Result<PathBuf> {
    let path = dir.join(SWEEP_FILE);
    let text = serde_json::to_string_pretty(file).context("cannot encode the sweep summary")?;
    std::fs::write(&path, text).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(path)
}

/// Reads a `sweep.json`; the error names the file.
pub fn load(path: &Path) -> Result<SweepFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("'{}' is not a sweep summary", path.display()))
}

/// Draws the key metric per point (every run, mean, min–max) to `sweep.png` in
/// `dir`; `None` when no run has finished.
pub fn plot(dir: &Path, file: &SweepFile) -> Result<Option<PathBuf>> {
    let groups: Vec<SpreadGroup> = file
        .points
        .iter()
        .map(|p| SpreadGroup {
            label: p.label.clone(),
            values: p.runs.iter().filter_map(|r| r.key_metric).collect(),
        })
        .collect();
    if groups.iter().all(|g| g.values.is_empty()) {
        return Ok(None);
    }
    let metric = file.key_metric.as_deref().unwrap_or("key metric");
    let path = dir.join(SWEEP_PLOT);
    let title = format!("{} sweep: {metric} per grid point", file.spec.experiment);
    spread_png(&path, &title, metric, &groups)?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoo::{
        resolve::fake,
        sweep::plan::{parse_grid, plan},
    };
    use serde_json::json;

    #[test]
    fn summarises_points_over_seeds_and_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = SweepSpec {
            experiment: "xor".into(),
            grid: vec![parse_grid("hidden=2,4").unwrap()],
            first_seed: 1,
            seeds: 2,
            name: None,
            extra: vec![],
        };
        let p = plan(&spec, tmp.path()).unwrap();
        let metrics = [1.0, 0.5, 1.0];
        for (run, m) in p.runs.iter().zip(metrics) {
            fake::write(
                &run.dir,
                "xor",
                "x",
                "ndarray",
                run.seed,
                true,
                json!({}),
                json!({"accuracy": m}),
            );
        }
        let file = summarise(&spec, &p);
        assert_eq!(file.key_metric.as_deref(), Some("accuracy"));
        assert_eq!(file.points.len(), 2);
        let a = &file.points[0];
        assert_eq!((a.label.as_str(), a.n, a.not_finished), ("hidden=2", 2, 0));
        let s = a.key_metric.unwrap();
        assert_eq!((s.mean, s.min, s.max), (0.75, 0.5, 1.0));
        let b = &file.points[1];
        assert_eq!(
            (b.n, b.not_finished, b.runs[1].status),
            (1, 1, Status::Missing)
        );
        assert!(render(&file).contains("accuracy mean ± std"));

        std::fs::create_dir_all(&p.dir).unwrap();
        let path = write(&p.dir, &file).unwrap();
        assert_eq!(load(&path).unwrap(), file);
        let png = plot(&p.dir, &file).unwrap().unwrap();
        image::open(png).unwrap();
    }
}
