//! `zoo runs`: a table of the runs under the artifacts root, newest first.

use std::path::Path;

use anyhow::Result;
use clap::Args;

use super::table;
use crate::{
    registry,
    run::record::{FoundRun, find_runs},
};

/// Options of `zoo runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only the runs of this experiment (xor, reverse, mnist, linreg, lcd, svm, kmeans;
    /// `xor --seeds` runs are `xor-seeds`).
    pub experiment: Option<String>,
}

/// Lists the runs (of one experiment, if given) under `root`.
pub fn execute(root: &Path, args: &RunsArgs) -> Result<()> {
    let experiment = args.experiment.as_deref();
    let runs = list(root, experiment);
    if let Some(name) = experiment
        && runs.is_empty()
        && name != crate::xor::SEEDS_NAME
    {
        registry::find(name)?;
    }
    if runs.is_empty() {
        let what = experiment.map_or("runs".to_string(), |e| format!("{e} runs"));
        println!(
            "no {what} under '{}' (looked for run.json up to four levels down; set --artifacts or ZOO_ARTIFACTS to look elsewhere)",
            root.display()
        );
        return Ok(());
    }
    print!("{}", render(&runs));
    Ok(())
}

/// The runs under `root`, newest first, only those of `experiment` when given.
pub fn list(root: &Path, experiment: Option<&str>) -> Vec<FoundRun> {
    find_runs(root)
        .into_iter()
        .filter(|r| experiment.is_none_or(|e| r.record.experiment == e))
        .collect()
}

/// `name=value` of a run's key metric, `-` when it has none.
pub fn key_metric_cell(run: &FoundRun) -> String {
    run.record.key_metric.as_ref().map_or("-".to_string(), |k| {
        format!("{}={}", k.name, table::number(k.value))
    })
}

/// The runs as a text table.
pub fn render(runs: &[FoundRun]) -> String {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.record.id.clone(),
                r.record.experiment.clone(),
                r.record.backend.clone(),
                r.record.seed.to_string(),
                r.record.effective_status().to_string(),
                key_metric_cell(r),
                table::seconds(r.record.wall_seconds),
            ]
        })
        .collect();
    table::render(
        &[
            "id",
            "experiment",
            "backend",
            "seed",
            "status",
            "key metric",
            "wall time",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoo::resolve::fake;
    use serde_json::json;

    #[test]
    fn lists_newest_first_and_filters_by_experiment() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let m = json!({"accuracy": 1.0});
        fake::run(
            root,
            "xor",
            "20261122T100000Z-aaaa",
            "ndarray",
            1,
            true,
            json!({}),
            m.clone(),
        );
        fake::run(
            root,
            "mnist",
            "20261122T120000Z-bbbb",
            "flex",
            2,
            true,
            json!({}),
            m.clone(),
        );
        fake::run(
            root,
            "xor",
            "20261122T110000Z-cccc",
            "wgpu",
            3,
            false,
            json!({}),
            m,
        );
        // A sweep run four levels down is found too.
        let sweep = root.join("xor/sweeps/s/hidden-2-seed1");
        fake::write(
            &sweep,
            "xor",
            "hidden-2-seed1",
            "ndarray",
            1,
            true,
            json!({}),
            json!({}),
        );
        std::fs::write(root.join("xor/sweeps/s/sweep.json"), "{}").unwrap();

        let ids: Vec<String> = list(root, None).into_iter().map(|r| r.record.id).collect();
        assert_eq!(
            ids,
            [
                "20261122T120000Z-bbbb",
                "20261122T110000Z-cccc",
                "20261122T100000Z-aaaa",
                "hidden-2-seed1"
            ]
        );
        let xor: Vec<String> = list(root, Some("xor"))
            .into_iter()
            .map(|r| r.record.id)
            .collect();
        assert_eq!(
            xor,
            [
                "20261122T110000Z-cccc",
                "20261122T100000Z-aaaa",
                "hidden-2-seed1"
            ]
        );
        assert!(list(root, Some("svm")).is_empty());

        let text = render(&list(root, Some("xor")));
        let first = text.lines().nth(2).unwrap();
        assert!(first.contains("wgpu") && first.contains("failed"), "{text}");
        assert!(
            text.lines().nth(3).unwrap().contains("accuracy=1"),
            "{text}"
        );
    }
}
