//! The runs as JSON: the table, one run (record, config, summary, files, problems),
//! its curves from burn's metric logs as it trains, its files, and a comparison.
//!
//! Runs are found by id among the `run.json` files under the artifacts root (symbolic
//! links not followed); a path never comes from the request.

use std::path::{Path, PathBuf};

use axum::{
    Json,
    body::Body,
    extract::{Path as UrlPath, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    AppState,
    error::{ApiError, ApiResult},
    play,
};
use crate::{
    artifacts::{CONFIG_FILE, SUMMARY_FILE, read_json},
    metric_logs, registry,
    run::record::{FoundRun, KeyMetric, Status, scan_runs},
    zoo::{
        compare::{self, Loaded},
        resolve::{history, history_series},
        runs::key_metric_cell,
    },
};

/// Most points of a per-step series sent to the browser (evenly thinned above it).
const MAX_STEP_POINTS: usize = 2_000;
/// Runs a comparison takes.
const COMPARE_RUNS: std::ops::RangeInclusive<usize> = 2..=5;

/// A run directory found under the root: readable, or damaged with the reason.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A run with a readable `run.json`.
    Run(Box<FoundRun>),
    /// A directory whose `run.json` cannot be read.
    Damaged {
        /// The directory.
        dir: PathBuf,
        /// Why, in one line.
        reason: String,
    },
}

impl Entry {
    /// The id it is addressed by: the record's, else the directory's name.
    pub fn id(&self) -> String {
        match self {
            Entry::Run(run) => run.record.id.clone(),
            Entry::Damaged { dir, .. } => file_name(dir),
        }
    }

    fn dir(&self) -> &Path {
        match self {
            Entry::Run(run) => &run.dir,
            Entry::Damaged { dir, .. } => dir,
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every run under `root`, newest first; damaged ones after the readable ones.
pub fn scan(root: &Path) -> Vec<Entry> {
    let mut runs = Vec::new();
    let mut damaged = Vec::new();
    for (dir, record) in scan_runs(root) {
        match record {
            Ok(record) => runs.push(FoundRun { dir, record }),
            Err(e) => damaged.push(Entry::Damaged {
                dir,
                reason: format!("{e:#}"),
            }),
        }
    }
    runs.sort_by(|a, b| (&b.record.started, &b.record.id).cmp(&(&a.record.started, &a.record.id)));
    damaged.sort_by_key(|e| e.dir().to_path_buf());
    runs.into_iter()
        .map(|r| Entry::Run(Box::new(r)))
        .chain(damaged)
        .collect()
}

/// The run with id `id` under `root`: 404 when there is none, 409 when two share it.
pub fn lookup(root: &Path, id: &str) -> ApiResult<Entry> {
    let plain = !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !plain {
        return Err(ApiError::not_found(format!("no run '{id}'")));
    }
    let mut matches: Vec<Entry> = scan(root).into_iter().filter(|e| e.id() == id).collect();
    match matches.len() {
        0 => Err(ApiError::not_found(format!(
            "no run '{id}' under the artifacts root"
        ))),
        1 => Ok(matches.remove(0)),
        n => Err(ApiError::conflict(format!(
            "{n} run directories have the id '{id}'; rename one"
        ))),
    }
}

/// The readable run with id `id` (a damaged one is a 409).
pub fn lookup_run(root: &Path, id: &str) -> ApiResult<FoundRun> {
    match lookup(root, id)? {
        Entry::Run(run) => Ok(*run),
        Entry::Damaged { reason, .. } => Err(ApiError::conflict(format!(
            "run '{id}' is damaged: {reason}"
        ))),
    }
}

/// A key metric as the table shows it; `live` while the run trains.
#[derive(Debug, Serialize)]
pub struct KeyMetricCell {
    name: String,
    value: f64,
    goal: Option<crate::run::record::Goal>,
    live: bool,
}

/// One row of the runs table.
#[derive(Debug, Serialize)]
pub struct RunRow {
    id: String,
    experiment: String,
    name: Option<String>,
    status: String,
    backend: Option<String>,
    device: Option<String>,
    seed: Option<u64>,
    started: Option<String>,
    ended: Option<String>,
    wall_seconds: Option<f64>,
    epoch: Option<usize>,
    epochs: Option<usize>,
    key_metric: Option<KeyMetricCell>,
    playground: Option<&'static str>,
    damaged: Option<String>,
}

/// The row of `entry`.
pub fn row(entry: &Entry) -> RunRow {
    let run = match entry {
        Entry::Run(run) => run,
        Entry::Damaged { dir, reason } => {
            return RunRow {
                id: entry.id(),
                experiment: dir.parent().map(file_name).unwrap_or_default(),
                name: None,
                status: "damaged".into(),
                backend: None,
                device: None,
                seed: None,
                started: None,
                ended: None,
                wall_seconds: None,
                epoch: None,
                epochs: None,
                key_metric: None,
                playground: None,
                damaged: Some(reason.clone()),
            };
        }
    };
    let r = &run.record;
    let status = r.effective_status();
    let config = read_json(&run.dir.join(CONFIG_FILE)).ok();
    let key_metric = match &r.key_metric {
        Some(KeyMetric { name, value, goal }) => Some(KeyMetricCell {
            name: name.clone(),
            value: *value,
            goal: Some(*goal),
            live: false,
        }),
        None if status == Status::Running => live_key_metric(run),
        None => None,
    };
    RunRow {
        id: r.id.clone(),
        experiment: r.experiment.clone(),
        name: r.name.clone(),
        status: status.to_string(),
        backend: Some(r.backend.clone()),
        device: Some(r.device.clone()),
        seed: Some(r.seed),
        started: Some(r.started.clone()),
        ended: r.ended.clone(),
        wall_seconds: r.wall_seconds,
        epoch: newest_epoch(&run.dir),
        epochs: config.as_ref().and_then(planned_epochs),
        key_metric,
        playground: play::kind_of(run, config.as_ref()).map(|k| k.name()),
        damaged: None,
    }
}

/// The newest `train/epoch-<N>` with logs.
fn newest_epoch(dir: &Path) -> Option<usize> {
    std::fs::read_dir(dir.join("train"))
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("epoch-")?.parse().ok())
        .max()
}

/// The epochs a configuration plans: `epochs`, else `steps / steps_per_epoch`.
fn planned_epochs(config: &Value) -> Option<usize> {
    let get = |k: &str| config.get(k).and_then(Value::as_u64).map(|v| v as usize);
    get("epochs").or_else(|| {
        let (steps, per) = (get("steps")?, get("steps_per_epoch")?);
        (per > 0).then(|| steps.div_ceil(per))
    })
}

/// While a run trains: its key metric's newest validation epoch mean (`test_` metrics
/// are watched through their validation counterpart).
fn live_key_metric(run: &FoundRun) -> Option<KeyMetricCell> {
    let key = registry::find(&run.record.experiment).ok()?.key_metric;
    let watched = key.strip_prefix("test_").unwrap_or(key);
    let logs = metric_logs::read(&run.dir).ok()?;
    let newest = logs
        .iter()
        .filter(|l| l.split == "valid" && l.key == watched)
        .max_by_key(|l| l.epoch)?;
    Some(KeyMetricCell {
        name: format!("valid_{watched}"),
        value: newest.mean()?,
        goal: None,
        live: true,
    })
}

/// `?experiment=` of the runs table.
#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    experiment: Option<String>,
}

/// `GET /api/runs`.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<RunsQuery>,
) -> ApiResult<Json<Value>> {
    let root = state.root.clone();
    let rows = super::blocking(move || {
        let rows: Vec<RunRow> = scan(&root)
            .iter()
            .map(row)
            .filter(|r| query.experiment.as_ref().is_none_or(|e| &r.experiment == e))
            .collect();
        Ok(rows)
    })
    .await?;
    let experiments: Vec<&str> = registry::EXPERIMENTS.iter().map(|e| e.name).collect();
    Ok(Json(json!({
        "root": state.root.display().to_string(),
        "experiments": experiments,
        "runs": rows,
    })))
}

/// A file of a run directory.
#[derive(Debug, Serialize)]
struct FileEntry {
    name: String,
    bytes: u64,
    kind: &'static str,
}

fn file_kind(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("png") => "image",
        Some("json" | "log" | "csv" | "txt" | "md") => "text",
        Some("mpk" | "safetensors" | "pt") => "model",
        _ => "data",
    }
}

/// The plain files directly in `dir` (no links, no directories), by name.
fn files(dir: &Path) -> Vec<FileEntry> {
    let mut files: Vec<FileEntry> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| {
                    let name = e.file_name().to_str()?.to_string();
                    let bytes = e.metadata().ok()?.len();
                    Some(FileEntry {
                        kind: file_kind(&name),
                        name,
                        bytes,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// `GET /api/runs/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    let root = state.root.clone();
    super::blocking(move || {
        let entry = lookup(&root, &id)?;
        let dir = entry.dir().to_path_buf();
        let mut problems = Vec::new();
        let mut optional_json = |name: &str| -> Value {
            let path = dir.join(name);
            if !path.exists() {
                return Value::Null;
            }
            read_json(&path).unwrap_or_else(|e| {
                problems.push(format!("{name}: {e:#}"));
                Value::Null
            })
        };
        let config = optional_json(CONFIG_FILE);
        let summary = optional_json(SUMMARY_FILE);
        let record = match &entry {
            Entry::Run(run) => serde_json::to_value(&run.record).unwrap_or(Value::Null),
            Entry::Damaged { reason, .. } => {
                problems.insert(0, format!("run.json: {reason}"));
                Value::Null
            }
        };
        if let Err(e) = metric_logs::read(&dir) {
            problems.push(format!("metric logs: {e:#}"));
        }
        Ok(Json(json!({
            "run": row(&entry),
            "record": record,
            "config": config,
            "summary": summary,
            "files": files(&dir),
            "problems": problems,
        })))
    })
    .await
}

/// `GET /api/runs/{id}/curves`: per-epoch means of every metric by split, and the
/// training steps' values (thinned to at most [`MAX_STEP_POINTS`]).
pub async fn curves(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    let root = state.root.clone();
    super::blocking(move || {
        let run = lookup_run(&root, &id)?;
        let logs = metric_logs::read(&run.dir)
            .map_err(|e| ApiError::conflict(format!("run '{id}' is damaged: {e:#}")))?;
        let per_epoch = epoch_series(&logs);
        let mut per_step: Vec<(String, Vec<[f64; 2]>)> = Vec::new();
        for log in logs.iter().filter(|l| l.split == "train") {
            let series = match per_step.iter_mut().position(|(k, _)| k == &log.key) {
                Some(i) => &mut per_step[i].1,
                None => {
                    per_step.push((log.key.clone(), Vec::new()));
                    &mut per_step.last_mut().expect("pushed").1
                }
            };
            let start = series.len();
            series.extend(
                log.values()
                    .enumerate()
                    .map(|(i, v)| [(start + i + 1) as f64, v]),
            );
        }
        let epoch = logs.iter().map(|l| l.epoch).max();
        Ok(Json(json!({
            "status": run.record.effective_status().to_string(),
            "epoch": epoch,
            "per_epoch": per_epoch.into_iter().map(|(split, key, points)| {
                json!({"split": split, "key": key, "points": points})
            }).collect::<Vec<_>>(),
            "per_step": per_step.into_iter().map(|(key, points)| {
                json!({"key": key, "points": thin(points, MAX_STEP_POINTS)})
            }).collect::<Vec<_>>(),
        })))
    })
    .await
}

/// `(split, key, [(epoch, mean)])` of every metric in `logs`, by epoch.
fn epoch_series(logs: &[metric_logs::EpochLog]) -> Vec<(&'static str, String, Vec<[f64; 2]>)> {
    let mut series: Vec<(&'static str, String, Vec<[f64; 2]>)> = Vec::new();
    for log in logs {
        let Some(mean) = log.mean() else { continue };
        let point = [log.epoch as f64, mean];
        match series
            .iter_mut()
            .find(|(s, k, _)| *s == log.split && k == &log.key)
        {
            Some((_, _, points)) => points.push(point),
            None => series.push((log.split, log.key.clone(), vec![point])),
        }
    }
    for (_, _, points) in &mut series {
        points.sort_by(|a, b| a[0].total_cmp(&b[0]));
    }
    series
}

/// At most `max` of `points`, evenly spaced, the last one kept.
fn thin(points: Vec<[f64; 2]>, max: usize) -> Vec<[f64; 2]> {
    if points.len() <= max {
        return points;
    }
    let n = points.len();
    (0..max).map(|i| points[i * (n - 1) / (max - 1)]).collect()
}

/// `GET /api/runs/{id}/files/{name}`: a plain file directly in the run directory.
pub async fn file(
    State(state): State<AppState>,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> ApiResult<Response> {
    let root = state.root.clone();
    super::blocking(move || {
        let entry = lookup(&root, &id)?;
        let listed = files(entry.dir()).into_iter().any(|f| f.name == name);
        if !listed {
            return Err(ApiError::not_found(format!(
                "run '{id}' has no file '{name}'"
            )));
        }
        let path = entry.dir().join(&name);
        let bytes = std::fs::read(&path)
            .map_err(|e| ApiError::not_found(format!("cannot read '{name}' of run '{id}': {e}")))?;
        let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("png") => "image/png",
            Some("json") => "application/json",
            Some("log" | "csv" | "txt" | "md") => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        };
        Ok((
            [
                (header::CONTENT_TYPE, content_type),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            Body::from(bytes),
        )
            .into_response())
    })
    .await
}

/// `?runs=a,b,c` of a comparison.
#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    runs: Option<String>,
}

/// `GET /api/compare?runs=ID,ID[,...]`: what `zoo compare` prints, as JSON, with the
/// per-epoch curves of each run.
pub async fn compare(
    State(state): State<AppState>,
    Query(query): Query<CompareQuery>,
) -> ApiResult<Json<Value>> {
    let ids: Vec<String> = query
        .runs
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if !COMPARE_RUNS.contains(&ids.len()) {
        return Err(ApiError::bad_request(format!(
            "compare takes 2 to 5 run ids (?runs=a,b), got {}",
            ids.len()
        )));
    }
    let root = state.root.clone();
    super::blocking(move || {
        let mut loaded = Vec::new();
        for id in &ids {
            let run = lookup_run(&root, id)?;
            let summary = read_json(&run.dir.join(SUMMARY_FILE)).unwrap_or(Value::Null);
            loaded.push(Loaded { run, summary });
        }
        let rows = |rows: Vec<(String, Vec<String>)>| -> Vec<Value> {
            rows.into_iter()
                .map(|(name, values)| json!({"name": name, "values": values}))
                .collect()
        };
        // Per-epoch curves: burn's metric logs (live while a run trains), else the
        // summary's history (runs without the learner).
        let mut curves: Vec<(String, Vec<Value>)> = Vec::new();
        let mut without_history = Vec::new();
        for l in &loaded {
            let id = l.run.record.id.clone();
            let mut series: Vec<(String, Vec<[f64; 2]>)> = metric_logs::read(&l.run.dir)
                .map(|logs| epoch_series(&logs))
                .unwrap_or_default()
                .into_iter()
                .map(|(split, key, points)| (format!("{split} {key}"), points))
                .collect();
            if series.is_empty() {
                series = history(&l.summary)
                    .map(|rows| history_series(rows))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(key, points)| (key, points.into_iter().map(|(x, y)| [x, y]).collect()))
                    .collect();
            }
            if series.iter().all(|(_, points)| points.is_empty()) {
                without_history.push(id.clone());
            }
            for (key, points) in series.into_iter().filter(|(_, p)| !p.is_empty()) {
                let entry = json!({"run": id, "points": points});
                match curves.iter_mut().find(|(k, _)| k == &key) {
                    Some((_, list)) => list.push(entry),
                    None => curves.push((key, vec![entry])),
                }
            }
        }
        curves.sort_by(|a, b| a.0.cmp(&b.0));
        let curves: Vec<Value> = curves
            .into_iter()
            .map(|(key, series)| json!({"key": key, "series": series}))
            .collect();
        let entries: Vec<RunRow> = loaded
            .iter()
            .map(|l| row(&Entry::Run(Box::new(l.run.clone()))))
            .collect();
        Ok(Json(json!({
            "runs": entries,
            "settings": rows(compare::differing_settings(&loaded)),
            "metrics": rows(compare::metric_rows(&loaded)),
            "curves": curves,
            "without_history": without_history,
            "key_metrics": loaded.iter().map(|l| key_metric_cell(&l.run)).collect::<Vec<_>>(),
        })))
    })
    .await
}
