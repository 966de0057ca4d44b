//! `zoo report`: one static page of every experiment's runs: leaderboards, the
//! newest run's plots, backend comparisons at equal configuration and sweeps, as
//! self-contained HTML (`report.html`, images inline) and Markdown (`report.md`,
//! images in `images/`).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use clap::Args;

use super::{
    resolve::{is_finished, load_config},
    runs::key_metric_cell,
    sweep::{plan::short_hash, summary},
    table,
};
use crate::run::record::{FoundRun, Goal, Status, find_runs};

pub mod doc;
pub mod html;
pub mod markdown;

use doc::Block;

/// Leaderboard rows shown per experiment.
const LEADERBOARD_ROWS: usize = 20;

/// Options of `zoo report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory to write report.html, report.md and images/ into
    /// [default: <artifacts>/report].
    // The doc comment is clap's --help text, not markdown.
    #[allow(rustdoc::invalid_html_tags)]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Writes the report of the runs under `root`.
pub fn execute(root: &Path, args: &ReportArgs) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| root.join("report"));
    let (html, md) = write(root, &out)?;
    println!("report: {}\n        {}", html.display(), md.display());
    Ok(())
}

/// Builds the report of `root` and writes `report.html`, `report.md` and `images/`
/// into `out`; returns the two pages' paths.
pub fn write(root: &Path, out: &Path) -> Result<(PathBuf, PathBuf)> {
    let blocks = collect(root);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create '{}'", out.display()))?;
    let html_path = out.join("report.html");
    std::fs::write(&html_path, html::render(&blocks))
        .with_context(|| format!("cannot write '{}'", html_path.display()))?;
    let md_path = out.join("report.md");
    std::fs::write(&md_path, markdown::render(&blocks, out)?)
        .with_context(|| format!("cannot write '{}'", md_path.display()))?;
    Ok((html_path, md_path))
}

/// The report's blocks for the runs and sweeps under `root`.
pub fn collect(root: &Path) -> Vec<Block> {
    let mut blocks = vec![
        Block::Heading(1, "burn model zoo: runs".into()),
        Block::Text(format!("Artifacts root: {}", root.display())),
    ];
    let mut by_experiment: BTreeMap<String, Vec<FoundRun>> = BTreeMap::new();
    for run in find_runs(root) {
        by_experiment
            .entry(run.record.experiment.clone())
            .or_default()
            .push(run);
    }
    for sweep_dir in sweep_files(root) {
        if let Some(exp) = sweep_dir.iter().rev().nth(3) {
            by_experiment
                .entry(exp.to_string_lossy().into_owned())
                .or_default();
        }
    }
    if by_experiment.is_empty() {
        blocks.push(Block::Text(format!("No runs under {}.", root.display())));
    }
    for (experiment, runs) in &by_experiment {
        experiment_blocks(root, experiment, runs, &mut blocks);
    }
    blocks
}

fn experiment_blocks(root: &Path, experiment: &str, runs: &[FoundRun], out: &mut Vec<Block>) {
    out.push(Block::Heading(2, experiment.to_string()));
    let finished: Vec<&FoundRun> = runs.iter().filter(|r| is_finished(r)).collect();
    out.push(Block::Text(format!(
        "{} runs, {} finished.",
        runs.len(),
        finished.len()
    )));
    leaderboard(&finished, out);
    unfinished(runs, out);
    if let Some(newest) = newest_plain_run(root, experiment, &finished) {
        let pngs = pngs(&newest.dir);
        if !pngs.is_empty() {
            out.push(Block::Heading(
                3,
                format!("Plots of the newest finished run, {}", newest.record.id),
            ));
            for path in pngs {
                let file = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                out.push(Block::Image {
                    name: format!("{experiment}-{}-{file}", newest.record.id),
                    alt: format!("{} {file}", newest.record.id),
                    path,
                });
            }
        }
    }
    backends(&finished, out);
    for path in sweep_files(root) {
        if path.starts_with(root.join(experiment)) {
            sweep_blocks(experiment, &path, out);
        }
    }
}

/// The run whose plots the report shows: the one `<root>/<experiment>/latest` points
/// to when it is finished, else the newest finished run directly under
/// `<root>/<experiment>` (a plain run, not a sweep's), else the newest finished run.
fn newest_plain_run<'a>(
    root: &Path,
    experiment: &str,
    finished: &[&'a FoundRun],
) -> Option<&'a FoundRun> {
    let home = root.join(experiment);
    let latest = std::fs::canonicalize(home.join(crate::run::id::LATEST)).ok();
    let same =
        |run: &&&FoundRun| latest.is_some() && std::fs::canonicalize(&run.dir).ok() == latest;
    let plain = |run: &&&FoundRun| run.dir.parent() == Some(home.as_path());
    finished
        .iter()
        .find(same)
        .or_else(|| finished.iter().find(plain))
        .or_else(|| finished.first())
        .copied()
}

/// The runs that did not finish (running, stopped, failed, interrupted), with how each
/// stands and how to continue it.
fn unfinished(runs: &[FoundRun], out: &mut Vec<Block>) {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .filter(|r| !is_finished(r))
        .map(|r| {
            let status = r.record.effective_status();
            let note = match status {
                Status::Failed => r.record.error.clone().unwrap_or_default(),
                Status::Running => format!("process {}", r.record.pid),
                _ => format!(
                    "{} --resume --artifact-dir {}",
                    r.record.experiment,
                    r.dir.display()
                ),
            };
            vec![r.record.id.clone(), status.to_string(), note]
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push(Block::Heading(3, "Runs not finished".into()));
    out.push(Block::Table {
        header: ["run", "status", "error, or how to continue"]
            .map(String::from)
            .to_vec(),
        rows,
    });
}

/// Finished runs with a key metric, best first (ties: newest first).
pub fn ranked<'a>(finished: &[&'a FoundRun]) -> Vec<&'a FoundRun> {
    let mut ranked: Vec<&FoundRun> = finished
        .iter()
        .copied()
        .filter(|r| {
            r.record
                .key_metric
                .as_ref()
                .is_some_and(|k| k.value.is_finite())
        })
        .collect();
    ranked.sort_by(|a, b| {
        let (ka, kb) = (a.record.key_metric.as_ref(), b.record.key_metric.as_ref());
        let (ka, kb) = (ka.expect("filtered"), kb.expect("filtered"));
        let order = ka.value.total_cmp(&kb.value);
        if ka.goal == Goal::Max {
            order.reverse()
        } else {
            order
        }
    });
    ranked
}

fn leaderboard(finished: &[&FoundRun], out: &mut Vec<Block>) {
    let ranked = ranked(finished);
    if ranked.is_empty() {
        return;
    }
    out.push(Block::Heading(3, "Leaderboard".into()));
    let rows = ranked
        .iter()
        .take(LEADERBOARD_ROWS)
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.record.id.clone(),
                r.record.backend.clone(),
                r.record.seed.to_string(),
                key_metric_cell(r),
                table::seconds(r.record.wall_seconds),
            ]
        })
        .collect();
    out.push(Block::Table {
        header: ["rank", "run", "backend", "seed", "key metric", "wall time"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    if ranked.len() > LEADERBOARD_ROWS {
        out.push(Block::Text(format!(
            "... and {} more.",
            ranked.len() - LEADERBOARD_ROWS
        )));
    }
}

/// Finished runs with identical `config.json` on at least two backends.
fn backends(finished: &[&FoundRun], out: &mut Vec<Block>) {
    let mut groups: BTreeMap<String, Vec<&FoundRun>> = BTreeMap::new();
    for run in finished {
        let config = load_config(&run.dir, None);
        if !config.is_null() {
            groups.entry(config.to_string()).or_default().push(run);
        }
    }
    let mut rows = Vec::new();
    for (config, runs) in &groups {
        let mut names: Vec<&str> = runs.iter().map(|r| r.record.backend.as_str()).collect();
        names.sort();
        names.dedup();
        if names.len() < 2 {
            continue;
        }
        let mut runs = runs.clone();
        runs.sort_by(|a, b| a.record.backend.cmp(&b.record.backend));
        for r in runs {
            rows.push(vec![
                format!("{:08x}", short_hash(config)),
                r.record.backend.clone(),
                r.record.id.clone(),
                r.record.seed.to_string(),
                key_metric_cell(r),
                table::seconds(r.record.wall_seconds),
            ]);
        }
    }
    if rows.is_empty() {
        return;
    }
    out.push(Block::Heading(
        3,
        "Same configuration on several backends".into(),
    ));
    out.push(Block::Text(
        "Runs whose config.json is identical (config: a hash of it), by backend.".into(),
    ));
    out.push(Block::Table {
        header: [
            "config",
            "backend",
            "run",
            "seed",
            "key metric",
            "wall time",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
}

fn sweep_blocks(experiment: &str, path: &Path, out: &mut Vec<Block>) {
    let file = match summary::load(path) {
        Ok(file) => file,
        Err(e) => {
            out.push(Block::Text(format!("Sweep not readable: {e:#}")));
            return;
        }
    };
    out.push(Block::Heading(3, format!("Sweep {}", file.slug)));
    let last = file.spec.first_seed + file.spec.seeds.saturating_sub(1);
    let extra = if file.spec.extra.is_empty() {
        String::new()
    } else {
        format!(", extra flags: {}", file.spec.extra.join(" "))
    };
    out.push(Block::Text(format!(
        "Seeds {}..={last}{extra}.",
        file.spec.first_seed
    )));
    let (header, rows) = summary::table_rows(&file);
    out.push(Block::Table { header, rows });
    let png = path.with_file_name(summary::SWEEP_PLOT);
    if png.is_file() {
        out.push(Block::Image {
            name: format!("{experiment}-sweep-{}.png", file.slug),
            alt: format!("sweep {}", file.slug),
            path: png,
        });
    }
}

/// The `sweep.json` files under `<root>/*/sweeps/*/`, sorted.
fn sweep_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for exp in read_dirs(root) {
        for sweep in read_dirs(&exp.join("sweeps")) {
            let file = sweep.join(summary::SWEEP_FILE);
            if file.is_file() {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

fn pngs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "png"))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests;
