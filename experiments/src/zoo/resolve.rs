//! Finding runs named on the command line and reading their `summary.json` and
//! `config.json`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde_json::Value;

use crate::{
    artifacts::{CONFIG_FILE, SUMMARY_FILE, read_json},
    run::record::{FoundRun, RUN_FILE, RunRecord, Status, find_runs},
};

/// Finds the run `spec` names: a run directory path, a path relative to `root`
/// (`xor/latest`), or a run id (or run directory name) searched under `root`. The
/// error names the spec and where it looked, or lists the runs an ambiguous id matches.
pub fn resolve_run(root: &Path, spec: &str) -> Result<FoundRun> {
    for dir in [PathBuf::from(spec), root.join(spec)] {
        if dir.join(RUN_FILE).is_file() {
            let record = RunRecord::load(&dir)?;
            return Ok(FoundRun { dir, record });
        }
    }
    let matches: Vec<FoundRun> = find_runs(root)
        .into_iter()
        .filter(|r| r.record.id == spec || r.dir.file_name().is_some_and(|n| n == spec))
        .collect();
    match matches.len() {
        0 => bail!(
            "no run '{spec}': not a run directory, and no run with that id under '{}'",
            root.display()
        ),
        1 => Ok(matches.into_iter().next().expect("one match")),
        _ => {
            let dirs: Vec<String> = matches
                .iter()
                .map(|r| r.dir.display().to_string())
                .collect();
            bail!(
                "run id '{spec}' is ambiguous; name one of these directories instead: {}",
                dirs.join(", ")
            )
        }
    }
}

/// The run's `summary.json`; the error names the run, its directory and its status
/// when there is none.
pub fn load_summary(run: &FoundRun) -> Result<Value> {
    let path = run.dir.join(SUMMARY_FILE);
    if !path.is_file() {
        bail!(
            "run '{}' ({}) has no {SUMMARY_FILE} (status: {})",
            run.record.id,
            run.dir.display(),
            run.record.effective_status()
        );
    }
    read_json(&path)
}

/// The run's configuration: `config.json`, else the summary's `config`, else `null`.
pub fn load_config(dir: &Path, summary: Option<&Value>) -> Value {
    read_json(&dir.join(CONFIG_FILE))
        .ok()
        .or_else(|| summary.and_then(|s| s.get("config").cloned()))
        .unwrap_or(Value::Null)
}

/// The per-epoch rows of `metrics.history`, if the summary has any.
pub fn history(summary: &Value) -> Option<&Vec<Value>> {
    summary
        .pointer("/metrics/history")
        .and_then(Value::as_array)
        .filter(|rows| !rows.is_empty())
}

/// The series `(epoch, value)` of every history key but `epoch`, in key order;
/// `null` and non-numeric values are left out.
pub fn history_series(rows: &[Value]) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut keys: Vec<String> = Vec::new();
    for row in rows {
        if let Some(map) = row.as_object() {
            for key in map.keys() {
                if key != "epoch" && !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
    }
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let points = rows
                .iter()
                .enumerate()
                .filter_map(|(i, row)| {
                    let epoch = row
                        .get("epoch")
                        .and_then(Value::as_f64)
                        .unwrap_or(i as f64 + 1.0);
                    row.get(&key).and_then(Value::as_f64).map(|v| (epoch, v))
                })
                .collect();
            (key, points)
        })
        .collect()
}

/// Whether the run finished (by its record).
pub fn is_finished(run: &FoundRun) -> bool {
    run.record.status == Status::Finished
}

#[cfg(test)]
pub(crate) mod fake {
    //! Fake run directories for the zoo tests.

    use std::path::{Path, PathBuf};

    use serde_json::{Value, json};

    /// Writes `<root>/<experiment>/<id>/` with run.json (and summary.json + config.json
    /// when `finished`); returns the directory.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        root: &Path,
        experiment: &str,
        id: &str,
        backend: &str,
        seed: u64,
        finished: bool,
        config: Value,
        metrics: Value,
    ) -> PathBuf {
        let dir = root.join(experiment).join(id);
        write(
            &dir, experiment, id, backend, seed, finished, config, metrics,
        );
        dir
    }

    /// `2026-11-22T21:55:01Z` from an id `20261122T215501Z-...`, else midnight.
    fn started(id: &str) -> String {
        match id.get(9..15) {
            Some(t) if t.bytes().all(|b| b.is_ascii_digit()) => {
                format!("2026-11-22T{}:{}:{}Z", &t[0..2], &t[2..4], &t[4..6])
            }
            _ => "2026-11-22T00:00:00Z".to_string(),
        }
    }

    /// Like [`run`], into a given directory.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        dir: &Path,
        experiment: &str,
        id: &str,
        backend: &str,
        seed: u64,
        finished: bool,
        config: Value,
        metrics: Value,
    ) {
        std::fs::create_dir_all(dir).unwrap();
        let value = metrics
            .get("accuracy")
            .and_then(Value::as_f64)
            .unwrap_or(0.5);
        let key = json!({"name": "accuracy", "value": value, "goal": "max"});
        let record = json!({
            "id": id, "experiment": experiment, "name": null,
            "status": if finished { "finished" } else { "failed" },
            "error": if finished { Value::Null } else { json!("boom") },
            "started": started(id),
            "ended": null, "command": [experiment], "backend": backend, "device": "Cpu",
            "deterministic": true, "threads": 2, "seed": seed, "burn_version": "0.21.0",
            "git": null, "pid": 1, "resumptions": [],
            "key_metric": if finished { key.clone() } else { Value::Null },
            "wall_seconds": if finished { json!(1.5) } else { Value::Null },
        });
        let put = |name: &str, v: &Value| {
            std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap()
        };
        put("run.json", &record);
        put("config.json", &config);
        if finished {
            put(
                "summary.json",
                &json!({"experiment": experiment, "run_id": id, "backend": backend,
                        "device": "Cpu", "seed": seed, "config": config, "metrics": metrics,
                        "key_metric": key, "wall_seconds": 1.5}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_paths_ids_and_names_the_unknown() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let dir = fake::run(
            root,
            "xor",
            "20261122T215501Z-aaaa",
            "ndarray",
            1,
            true,
            json!({}),
            json!({}),
        );
        assert_eq!(resolve_run(root, dir.to_str().unwrap()).unwrap().dir, dir);
        assert_eq!(
            resolve_run(root, "xor/20261122T215501Z-aaaa").unwrap().dir,
            dir
        );
        assert_eq!(resolve_run(root, "20261122T215501Z-aaaa").unwrap().dir, dir);
        let err = resolve_run(root, "nope").unwrap_err().to_string();
        assert!(
            err.contains("'nope'") && err.contains(&root.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn missing_summary_names_the_run() {
        let tmp = tempfile::tempdir().unwrap();
        fake::run(
            tmp.path(),
            "xor",
            "20261122T215501Z-bbbb",
            "ndarray",
            1,
            false,
            json!({}),
            json!({}),
        );
        let run = resolve_run(tmp.path(), "20261122T215501Z-bbbb").unwrap();
        let err = load_summary(&run).unwrap_err().to_string();
        assert!(
            err.contains("20261122T215501Z-bbbb") && err.contains("summary.json"),
            "{err}"
        );
    }

    #[test]
    fn history_series_skip_nulls() {
        let rows = vec![
            json!({"epoch": 1, "train_loss": 0.5, "valid_loss": null}),
            json!({"epoch": 2, "train_loss": 0.25, "valid_loss": 0.3}),
        ];
        let series = history_series(&rows);
        assert_eq!(
            series[0],
            ("train_loss".to_string(), vec![(1.0, 0.5), (2.0, 0.25)])
        );
        assert_eq!(series[1], ("valid_loss".to_string(), vec![(2.0, 0.3)]));
    }
}
