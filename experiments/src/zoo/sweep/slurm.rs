//! `zoo sweep --slurm`: the sweep as a Slurm job array. Task `i` runs
//! `zoo sweep <the same options> --task i`: exactly run `i` of the sweep, into the
//! shared artifacts root, with the sweep's own rules (a finished run is skipped, a
//! stopped one continues from its checkpoint). The tasks are requeued after
//! preemption (`--requeue`); Slurm's SIGTERM before the kill stops the run at a step
//! and keeps its checkpoint ([`crate::signals`]), so the requeued task goes on from
//! there. `zoo sweep --status` reads the results back.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use super::{SweepArgs, plan::SweepPlan};

/// File name of the batch script, in the sweep's directory.
pub const SCRIPT: &str = "sweep.sbatch";

/// Single-quotes `word` for the shell.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=.,/:+@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The `zoo sweep` options that name this sweep (without the Slurm ones).
fn sweep_options(args: &SweepArgs) -> Vec<String> {
    let mut out = vec![args.experiment.clone()];
    for axis in &args.grid {
        out.push("--grid".into());
        out.push(format!("{}={}", axis.key, axis.values.join(";")));
    }
    out.extend([
        "--seeds".into(),
        args.seeds.to_string(),
        "--first-seed".into(),
        args.first_seed.to_string(),
    ]);
    if let Some(name) = &args.name {
        out.extend(["--name".into(), name.clone()]);
    }
    out
}

/// The batch script of a sweep of `tasks` runs under `root`, run by the zoo binary
/// `zoo`.
pub fn script(zoo: &Path, root: &Path, args: &SweepArgs, plan: &SweepPlan) -> String {
    let tasks = plan.runs.len();
    let mut command: Vec<String> = vec![
        quote(&zoo.display().to_string()),
        "--artifacts".into(),
        quote(&root.display().to_string()),
        "sweep".into(),
    ];
    command.extend(sweep_options(args).iter().map(|w| quote(w)));
    command.extend(["--task".into(), "\"$SLURM_ARRAY_TASK_ID\"".into()]);
    if !args.extra.is_empty() {
        command.push("--".into());
        command.extend(args.extra.iter().map(|w| quote(w)));
    }
    let dir = plan.dir.display().to_string();
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!(
            "# zoo sweep {}: one task per run ({tasks} runs).",
            args.experiment
        ),
        "# Written by `zoo sweep --slurm`; submit it with sbatch, read the results back".into(),
        "# with the same zoo sweep command and --status.".into(),
        format!(
            "#SBATCH --job-name={}",
            quote(&format!("zoo-{}", args.experiment))
        ),
        format!("#SBATCH --array=0-{}", tasks.saturating_sub(1)),
        "#SBATCH --requeue".into(),
        "#SBATCH --open-mode=append".into(),
        format!(
            "#SBATCH --output={}",
            quote(&format!("{dir}/slurm-%A_%a.out"))
        ),
    ];
    lines.extend(args.sbatch_arg.iter().map(|a| format!("#SBATCH {a}")));
    lines.extend([
        String::new(),
        "# exec: Slurm's SIGTERM (preemption, scancel --signal=TERM) reaches zoo, which".into(),
        "# passes it on to the run: it stops at a step and keeps its checkpoint.".into(),
        format!("exec {}", command.join(" ")),
        String::new(),
    ]);
    lines.join("\n")
}

/// Writes the sweep's `sweep.sbatch` and, unless `--dry-run`, submits it with `sbatch`.
pub fn submit(root: &Path, args: &SweepArgs, plan: &SweepPlan) -> Result<()> {
    if plan.runs.is_empty() {
        bail!("the sweep has no runs to submit");
    }
    for (k, run) in plan.runs.iter().enumerate() {
        if let super::plan::Action::Busy { pid } = run.action {
            bail!(
                "run {k} ('{}') is running in process {pid} on this machine: wait for it or stop it",
                run.dir.display()
            );
        }
    }
    let zoo = std::env::current_exe().context("cannot locate the zoo binary")?;
    let root = std::path::absolute(root)
        .with_context(|| format!("cannot resolve '{}'", root.display()))?;
    std::fs::create_dir_all(&plan.dir)
        .with_context(|| format!("cannot create '{}'", plan.dir.display()))?;
    let path: PathBuf = plan.dir.join(SCRIPT);
    std::fs::write(&path, script(&zoo, &root, args, plan))
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    println!("wrote {} ({} tasks)", path.display(), plan.runs.len());
    if args.dry_run {
        println!("--dry-run: submit it with: sbatch {}", path.display());
        return Ok(());
    }
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(&path)
        .output()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot run sbatch ({e}): is Slurm installed here? --dry-run writes the script only"
            )
        })?;
    if !out.status.success() {
        bail!(
            "sbatch {} failed ({}): {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let job = String::from_utf8_lossy(&out.stdout).trim().to_string();
    println!(
        "submitted job {job}: {} array tasks; follow them with squeue -j {job}, read the results with the same zoo sweep command and --status",
        plan.runs.len()
    );
    Ok(())
}
