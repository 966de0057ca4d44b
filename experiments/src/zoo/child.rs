//! Running one experiment binary as a child process for `zoo sweep` and `zoo smoke`:
//! its output into a log file, its stdin closed, and its run directory checked after.

use std::{
    fs::File,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};

use crate::run::record::{RunRecord, Status};

/// The experiment binary `name` next to the running `zoo`; the error says where it
/// looked and how to build it.
pub fn sibling_binary(name: &str) -> Result<PathBuf> {
    let me = std::env::current_exe().context("cannot locate the zoo binary")?;
    let dir = me.parent().unwrap_or(Path::new("."));
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        bail!(
            "no '{name}' binary next to zoo (looked for '{}'); build it, e.g. cargo build --release -p experiments --bin {name}",
            path.display()
        );
    }
    Ok(path)
}

/// Runs `exe` with `args` (with `threads`: `RAYON_NUM_THREADS`), its stdout and stderr
/// appended to `log`; succeeds when it exits with status 0 and `run_dir`'s `run.json`
/// says finished. A failure names the exit status and the run's error (else the log's
/// last line) and where the log is.
///
/// The child runs in its own process group, so a terminal's Ctrl-C reaches it once,
/// passed on by this process ([`crate::signals`]), not twice.
pub fn run_logged(
    exe: &Path,
    args: &[String],
    log: &Path,
    run_dir: &Path,
    threads: Option<usize>,
) -> Result<()> {
    let out = File::options()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot open '{}'", log.display()))?;
    let err = out
        .try_clone()
        .with_context(|| format!("cannot share '{}'", log.display()))?;
    let mut command = Command::new(exe);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    if let Some(threads) = threads {
        command.env("RAYON_NUM_THREADS", threads.to_string());
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start '{}'", exe.display()))?;
    crate::signals::forward_to(child.id());
    let status = child.wait();
    crate::signals::forget_child(child.id());
    let status = status.with_context(|| format!("cannot wait for '{}'", exe.display()))?;
    let record = RunRecord::load(run_dir);
    if !status.success() {
        let why = record
            .ok()
            .and_then(|r| r.error)
            .unwrap_or_else(|| last_line(log));
        bail!("{status}: {why} (log: {})", log.display());
    }
    match record {
        Ok(r) if r.status == Status::Finished => Ok(()),
        Ok(r) => bail!("exited cleanly but the run is {}", r.status),
        Err(e) => Err(e.context("exited cleanly without a run record")),
    }
}

/// The last non-blank line of the file at `path` (empty when unreadable).
fn last_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}
