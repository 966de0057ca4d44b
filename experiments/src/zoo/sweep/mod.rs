//! `zoo sweep`: runs an experiment binary over a grid of flag values times seeds,
//! one run directory each, skipping runs that finished before (so an interrupted
//! sweep resumes when run again), then summarises each grid point.

use std::{io::Write, path::Path, time::Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::run::record::{RunRecord, Status};

pub mod plan;
pub mod summary;

use super::child;
use plan::{Action, GridAxis, SweepSpec, parse_grid, point_label};

/// Options of `zoo sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The experiment to run (xor, reverse, mnist, linreg, lcd, svm, kmeans); its
    /// binary must be built next to zoo.
    pub experiment: String,

    /// A grid axis: the experiment's flag (without dashes; '_' becomes '-') and its
    /// values, comma-separated, or ';'-separated when values hold commas
    /// (--grid 'hidden=16,8;32,16'). Repeat for more axes; every combination runs.
    #[arg(long, value_name = "KEY=V1,V2", value_parser = parse_grid)]
    pub grid: Vec<GridAxis>,

    /// Seeds per grid point.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seeds: u64,

    /// The first seed; a point's runs use seeds S, S+1, ..., S+N-1.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub first_seed: u64,

    /// A readable name, put in front of the sweep's directory name.
    #[arg(long)]
    pub name: Option<String>,

    /// Extra flags passed to every run as given (after --).
    #[arg(last = true, value_name = "FLAGS")]
    pub extra: Vec<String>,
}

impl SweepArgs {
    /// The sweep these options describe.
    pub fn spec(&self) -> SweepSpec {
        SweepSpec {
            experiment: self.experiment.clone(),
            grid: self.grid.clone(),
            first_seed: self.first_seed,
            seeds: self.seeds,
            name: self.name.clone(),
            extra: self.extra.clone(),
        }
    }
}

/// Runs the sweep under `root`; fails at the end if any run did not finish.
pub fn execute(root: &Path, args: &SweepArgs) -> Result<()> {
    let spec = args.spec();
    let plan = plan::plan(&spec, root)?;
    let exe = child::sibling_binary(&spec.experiment)?;
    std::fs::create_dir_all(&plan.dir)
        .with_context(|| format!("cannot create '{}'", plan.dir.display()))?;
    let total = plan.runs.len();
    println!(
        "sweep of {total} {} runs ({} points x {} seeds) in {}",
        spec.experiment,
        spec.points().len(),
        spec.seeds,
        plan.dir.display()
    );
    let mut failures = Vec::new();
    for (k, run) in plan.runs.iter().enumerate() {
        print!(
            "[{}/{total}] {} seed={} ... ",
            k + 1,
            point_label(&run.point),
            run.seed
        );
        std::io::stdout().flush().ok();
        match &run.action {
            Action::Skip => println!("skip ({})", outcome(&run.dir)),
            Action::Busy { pid } => {
                println!("busy: running in process {pid}; left alone");
                failures.push(format!(
                    "{} is still running (pid {pid})",
                    run.dir.display()
                ));
            }
            Action::Run { clean } => {
                if *clean {
                    remove_inside(&plan.dir, &run.dir)?;
                }
                let started = Instant::now();
                match child::run_logged(&exe, &run.args, &run.log, &run.dir) {
                    Ok(()) => println!(
                        "{} ({:.1} s)",
                        outcome(&run.dir),
                        started.elapsed().as_secs_f64()
                    ),
                    Err(e) => {
                        println!("FAILED: {e:#}");
                        failures.push(format!("{}: {e:#}", run.dir.display()));
                    }
                }
            }
        }
    }
    let file = summary::summarise(&spec, &plan);
    let json = summary::write(&plan.dir, &file)?;
    println!("\n{}", summary::render(&file));
    println!("summary: {}", json.display());
    match summary::plot(&plan.dir, &file) {
        Ok(Some(png)) => println!("plot: {}", png.display()),
        Ok(None) => println!("no finished runs; no plot"),
        Err(e) => println!("no plot: {e:#}"),
    }
    if !failures.is_empty() {
        bail!(
            "{} of {total} runs did not finish:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// Deletes `dir` (a non-finished run), refusing anything outside `sweep_dir`.
fn remove_inside(sweep_dir: &Path, dir: &Path) -> Result<()> {
    if dir == sweep_dir || !dir.starts_with(sweep_dir) {
        bail!(
            "refusing to delete '{}': not inside the sweep directory '{}'",
            dir.display(),
            sweep_dir.display()
        );
    }
    std::fs::remove_dir_all(dir).with_context(|| format!("cannot delete '{}'", dir.display()))
}

/// `finished accuracy=1`, or the status of a run that is not finished.
fn outcome(dir: &Path) -> String {
    match RunRecord::load(dir) {
        Ok(r) => match (&r.key_metric, r.effective_status()) {
            (Some(k), Status::Finished) => {
                format!("finished {}={}", k.name, super::table::number(k.value))
            }
            (_, status) => status.to_string(),
        },
        Err(_) => "no run record".to_string(),
    }
}
