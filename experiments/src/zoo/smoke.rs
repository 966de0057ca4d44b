//! `zoo smoke`: every experiment in a quick mode, on small generated data, with a
//! pass/fail table.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::child;
use crate::registry::{self, EXPERIMENTS, Experiment, QuickRun};

/// Arguments of `zoo smoke`.
#[derive(Debug, Args)]
pub struct SmokeArgs {
    /// Keep the runs' directories here instead of a temporary directory that is removed
    /// at the end.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Only these experiments (comma-separated), e.g. --only xor,mnist.
    #[arg(long, value_name = "NAME[,NAME...]", value_delimiter = ',')]
    pub only: Vec<String>,
}

/// Runs `zoo smoke`.
pub fn smoke(args: &SmokeArgs) -> Result<()> {
    let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let root = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create '{}'", dir.display()))?;
            dir.clone()
        }
        None => tmp.path().to_path_buf(),
    };
    let mnist = root.join("data-mnist");
    let socr = root.join("data-socr");
    datasets::fixtures::write_mnist(&mnist, 1_000, 300, 7, true)
        .with_context(|| format!("cannot write the MNIST fixture in '{}'", mnist.display()))?;
    std::fs::create_dir_all(&socr)
        .with_context(|| format!("cannot create '{}'", socr.display()))?;
    datasets::fixtures::write_socr(&socr.join(datasets::socr::FILE_NAME), 500, 7)
        .with_context(|| format!("cannot write the SOCR fixture in '{}'", socr.display()))?;
    for name in &args.only {
        registry::find(name).context("--only")?;
    }
    let (mnist, socr) = (mnist.display().to_string(), socr.display().to_string());
    let cases: Vec<(&Experiment, &QuickRun)> = EXPERIMENTS
        .iter()
        .filter(|e| args.only.is_empty() || args.only.iter().any(|o| o == e.name))
        .flat_map(|e| e.quick.iter().map(move |q| (e, q)))
        .collect();
    println!(
        "smoke: {} quick runs on generated data in '{}'",
        cases.len(),
        root.display()
    );
    let mut results = Vec::new();
    for (i, (experiment, quick)) in cases.iter().enumerate() {
        let dir = root.join(format!("{i:02}-{}", experiment.name));
        let log = root.join(format!("{i:02}-{}.log", experiment.name));
        let started = Instant::now();
        let mut flags = quick.args_with(&mnist, &socr);
        flags.extend(["--no-tui".to_string(), "--artifact-dir".to_string()]);
        flags.push(dir.display().to_string());
        let outcome = child::sibling_binary(experiment.name)
            .and_then(|exe| child::run_logged(&exe, &flags, &log, &dir, None))
            .and_then(|()| summary_written(&dir));
        let seconds = started.elapsed().as_secs_f64();
        let line = match &outcome {
            Ok(()) => "pass".to_string(),
            Err(err) => format!("FAIL: {err:#}"),
        };
        println!(
            "[{}/{}] {:<20} {:>6.1} s  {line}",
            i + 1,
            cases.len(),
            quick.label,
            seconds
        );
        results.push((quick.label, seconds, outcome.is_ok()));
    }
    let failed: Vec<&str> = results.iter().filter(|r| !r.2).map(|r| r.0).collect();
    println!("\n{:<20} {:>8}  result", "experiment", "seconds");
    for (label, seconds, ok) in &results {
        println!(
            "{label:<20} {seconds:>8.1}  {}",
            if *ok { "pass" } else { "FAIL" }
        );
    }
    println!(
        "{} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        if args.keep.is_none() {
            // Keep the logs of a failed smoke run for reading.
            let kept = tmp.keep();
            println!("logs kept in '{}'", kept.display());
        }
        bail!("smoke failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Fails unless the run in `dir` wrote its `summary.json`.
fn summary_written(dir: &Path) -> Result<()> {
    if !dir.join(crate::artifacts::SUMMARY_FILE).is_file() {
        bail!("no summary.json in '{}'", dir.display());
    }
    Ok(())
}
