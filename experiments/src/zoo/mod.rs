//! `zoo`: lists, compares, sweeps, reports on, exports and serves the runs under the artifacts
//! root (the run directories of [`crate::run`]; docs/runs.md describes them).
//!
//! One module per command; [`execute`] dispatches the parsed [`Cli`].

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};

pub mod child;
pub mod compare;
pub mod export;
pub mod report;
pub mod resolve;
pub mod runs;
pub mod serve;
pub mod smoke;
pub mod sweep;
pub mod table;

/// Environment variable naming the artifacts root.
pub const ARTIFACTS_ENV: &str = crate::run::id::ROOT_ENV;

/// The zoo's run manager.
#[derive(Debug, Parser)]
#[command(
    name = "zoo",
    version,
    about = "Lists, compares, sweeps, reports on, exports and serves the zoo's runs."
)]
pub struct Cli {
    /// Artifacts root holding the runs [default: $ZOO_ARTIFACTS, else ./artifacts].
    #[arg(long, global = true, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The zoo commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List runs, newest first: id, experiment, backend, seed, status, key metric, wall time.
    Runs(runs::RunsArgs),
    /// Compare runs: the settings that differ, their metrics side by side, and a plot
    /// of their per-epoch curves.
    Compare(compare::CompareArgs),
    /// Run an experiment over a grid of settings times seeds (resumable), then
    /// summarise each grid point.
    Sweep(sweep::SweepArgs),
    /// Write a static HTML (and Markdown) report of every experiment's runs.
    Report(report::ReportArgs),
    /// Export runs' metrics for other tools (TensorBoard event files).
    Export(export::ExportArgs),
    /// Serve the runs in a browser: the runs table and run pages updating live, a
    /// comparison page, and a playground for every saved model (127.0.0.1 only unless
    /// --host says otherwise; read-only).
    Serve(serve::ServeArgs),
    /// Run every experiment in a quick mode on small generated data (seconds each) and
    /// print a pass/fail table; exits non-zero if any fails.
    Smoke(smoke::SmokeArgs),
}

/// The artifacts root: `--artifacts`, else `$ZOO_ARTIFACTS`, else `artifacts`.
pub fn artifacts_root(arg: Option<&Path>) -> PathBuf {
    match arg {
        Some(dir) => dir.to_path_buf(),
        None => crate::run::id::artifacts_root(),
    }
}

/// Runs one zoo command.
pub fn execute(cli: Cli) -> Result<()> {
    let root = artifacts_root(cli.artifacts.as_deref());
    match cli.command {
        Command::Runs(args) => runs::execute(&root, &args),
        Command::Compare(args) => compare::execute(&root, &args),
        Command::Sweep(args) => sweep::execute(&root, &args),
        Command::Report(args) => report::execute(&root, &args),
        Command::Export(args) => export::execute(&root, &args),
        Command::Serve(args) => serve::execute(&root, &args),
        Command::Smoke(args) => smoke::smoke(&args),
    }
}
