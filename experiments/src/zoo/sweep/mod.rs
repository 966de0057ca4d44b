//! `zoo sweep`: runs an experiment binary over a grid of flag values times seeds,
//! one run directory each, skipping runs that finished before (so an interrupted
//! sweep resumes when run again), then summarises each grid point.

use std::{
    io::Write,
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::run::record::{RunRecord, Status};

pub mod plan;
mod slurm;
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

    /// Runs at once on this machine; the cores are divided between them
    /// (RAYON_NUM_THREADS = cores / N for each).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = crate::cli::positive_usize)]
    pub jobs: usize,

    /// Submit the sweep to Slurm as a job array, one task per run (grid point x seed),
    /// each writing into this artifacts root (which the nodes must share): writes
    /// <sweep dir>/sweep.sbatch and runs sbatch on it. Preempted tasks that Slurm
    /// requeues continue from their checkpoints. Read the results back with --status.
    // The doc comment is clap's --help text, not markdown.
    #[allow(rustdoc::invalid_html_tags)]
    #[arg(long, conflicts_with_all = ["jobs", "status"])]
    pub slurm: bool,

    /// With --slurm: write sweep.sbatch, print how to submit it, submit nothing.
    #[arg(long, requires = "slurm")]
    pub dry_run: bool,

    /// With --slurm: one more option for sbatch (repeat it), written into the script
    /// as an #SBATCH line, e.g. --sbatch-arg=--partition=gpu --sbatch-arg=--time=01:00:00.
    #[arg(
        long,
        value_name = "ARG",
        requires = "slurm",
        allow_hyphen_values = true
    )]
    pub sbatch_arg: Vec<String>,

    /// Run nothing: print each run's status and, once every run has ended, the summary.
    #[arg(long)]
    pub status: bool,

    /// Run only the run with this index (0-based, in the order the sweep lists them):
    /// what each task of the Slurm job array does.
    #[arg(long, value_name = "I", conflicts_with_all = ["jobs", "status", "slurm"])]
    pub task: Option<usize>,

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

/// Runs the sweep under `root` (or one task of it, or submits it to Slurm, or reports
/// on it); fails at the end if any run did not finish.
pub fn execute(root: &Path, args: &SweepArgs) -> Result<()> {
    let spec = args.spec();
    let plan = plan::plan(&spec, root)?;
    if args.status {
        return status(&spec, &plan);
    }
    if args.slurm {
        return slurm::submit(root, args, &plan);
    }
    let exe = child::sibling_binary(&spec.experiment)?;
    std::fs::create_dir_all(&plan.dir)
        .with_context(|| format!("cannot create '{}'", plan.dir.display()))?;
    if let Some(index) = args.task {
        return task(&plan, index, &exe);
    }
    let total = plan.runs.len();
    let threads = (args.jobs > 1).then(|| (available_cores() / args.jobs).max(1));
    println!(
        "sweep of {total} {} runs ({} points x {} seeds) in {}{}",
        spec.experiment,
        spec.points().len(),
        spec.seeds,
        plan.dir.display(),
        threads.map_or(String::new(), |t| format!(
            "; {} at once, {t} thread(s) each",
            args.jobs
        ))
    );
    let failures = if args.jobs == 1 {
        run_in_turn(&plan, &exe)
    } else {
        run_in_parallel(&plan, &exe, args.jobs, threads)
    };
    if let Some(signal) = crate::signals::received() {
        let done = plan
            .runs
            .iter()
            .filter(|r| RunRecord::load(&r.dir).is_ok_and(|r| r.status == Status::Finished))
            .count();
        println!(
            "\nsweep stopped by signal {signal}: {done} of {total} runs finished; run the same \
             command again to continue (finished runs are skipped, stopped ones resume)"
        );
        return Err(crate::run::Stopped {
            status: crate::signals::stop_exit_status(),
        }
        .into());
    }
    finish(&spec, &plan, failures)
}

/// Writes and prints the summary; fails when some runs did not finish.
fn finish(spec: &SweepSpec, plan: &plan::SweepPlan, failures: Vec<String>) -> Result<()> {
    let total = plan.runs.len();
    let file = summary::summarise(spec, plan);
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

/// The cores this process may use (`RAYON_NUM_THREADS`, else the machine's).
fn available_cores() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The label of run `k` of `total`: `[3/8] hidden=2 seed=1`.
fn label(run: &plan::PlannedRun, k: usize, total: usize) -> String {
    format!(
        "[{}/{total}] {} seed={}",
        k + 1,
        point_label(&run.point),
        run.seed
    )
}

/// Does what `run.action` says; `Ok` with the outcome to print, `Err` with why the
/// run did not finish.
fn run_one(
    sweep_dir: &Path,
    run: &plan::PlannedRun,
    exe: &Path,
    threads: Option<usize>,
) -> Result<String, String> {
    match &run.action {
        Action::Skip => Ok(format!("skip ({})", outcome(&run.dir))),
        Action::Busy { pid } => Err(format!(
            "busy: running in process {pid}; left alone ({})",
            run.dir.display()
        )),
        Action::Run { .. } | Action::Resume => {
            if crate::signals::stop_requested() {
                return Err("not started (a signal came)".to_string());
            }
            if let Action::Run { clean: true } = run.action {
                remove_inside(sweep_dir, &run.dir).map_err(|e| format!("{e:#}"))?;
            }
            let started = Instant::now();
            let resumed = if run.action == Action::Resume {
                "resumed, "
            } else {
                ""
            };
            child::run_logged(exe, &run.args_for_action(), &run.log, &run.dir, threads)
                .map(|()| {
                    format!(
                        "{resumed}{} ({:.1} s)",
                        outcome(&run.dir),
                        started.elapsed().as_secs_f64()
                    )
                })
                .map_err(|e| format!("{resumed}FAILED: {e:#}"))
        }
    }
}

/// One run after the other, each line printed as it starts and ends.
fn run_in_turn(plan: &plan::SweepPlan, exe: &Path) -> Vec<String> {
    let total = plan.runs.len();
    let mut failures = Vec::new();
    for (k, run) in plan.runs.iter().enumerate() {
        print!("{} ... ", label(run, k, total));
        std::io::stdout().flush().ok();
        match run_one(&plan.dir, run, exe, None) {
            Ok(outcome) => println!("{outcome}"),
            Err(why) => {
                println!("{why}");
                failures.push(format!("{}: {why}", run.dir.display()));
            }
        }
    }
    failures
}

/// `jobs` runs at once, each with `threads` threads; a line per run as it ends.
fn run_in_parallel(
    plan: &plan::SweepPlan,
    exe: &Path,
    jobs: usize,
    threads: Option<usize>,
) -> Vec<String> {
    let total = plan.runs.len();
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(total) {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(run) = plan.runs.get(k) else { break };
                    let result = run_one(&plan.dir, run, exe, threads);
                    if sender.send((k, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut failures = Vec::new();
        for (k, result) in receiver {
            let run = &plan.runs[k];
            match result {
                Ok(outcome) => println!("{} ... {outcome}", label(run, k, total)),
                Err(why) => {
                    println!("{} ... {why}", label(run, k, total));
                    failures.push(format!("{}: {why}", run.dir.display()));
                }
            }
        }
        failures
    })
}

/// `--task I`: run `I` of the sweep, as a Slurm array task does (skip it when finished,
/// resume it when stopped with a checkpoint).
fn task(plan: &plan::SweepPlan, index: usize, exe: &Path) -> Result<()> {
    let total = plan.runs.len();
    let Some(run) = plan.runs.get(index) else {
        bail!(
            "--task {index}: the sweep has {total} runs (0 to {})",
            total.saturating_sub(1)
        );
    };
    println!(
        "{} ({:?}) in {}",
        label(run, index, total),
        run.action,
        run.dir.display()
    );
    let result = run_one(&plan.dir, run, exe, None);
    if crate::signals::stop_requested() {
        println!("task {index} stopped; a requeued task continues it from its checkpoint");
        return Err(crate::run::Stopped {
            status: crate::signals::stop_exit_status(),
        }
        .into());
    }
    match result {
        Ok(outcome) => {
            println!("{outcome}");
            Ok(())
        }
        Err(why) => bail!("{why}"),
    }
}

/// `--status`: each run's status; the summary once every run has ended.
fn status(spec: &SweepSpec, plan: &plan::SweepPlan) -> Result<()> {
    let total = plan.runs.len();
    let mut unfinished = 0;
    for (k, run) in plan.runs.iter().enumerate() {
        let state = outcome(&run.dir);
        if !state.starts_with("finished") {
            unfinished += 1;
        }
        println!("{} ... {state}", label(run, k, total));
    }
    if unfinished > 0 {
        println!("\n{unfinished} of {total} runs not finished yet");
        return Ok(());
    }
    finish(spec, plan, Vec::new())
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
