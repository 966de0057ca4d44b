//! SIGINT and SIGTERM, handled like a trusted trainer: the first one asks the run to
//! stop after the current step (the learner's interrupter, or the loop of a run
//! without one), the run keeps its checkpoints, marks itself `stopped` and exits with
//! 128 + the signal (130 for SIGINT, 143 for SIGTERM: what `docker stop`, Kubernetes and
//! Slurm send before they kill); a second one exits at once (the run is then
//! `interrupted`, resumable from its last complete checkpoint).
//!
//! A process that runs others (`zoo sweep`) passes the first signal on to its children
//! instead, which it starts in their own process groups so that a terminal's Ctrl-C
//! reaches them once, through it. A scheduler may signal every process of a job as well
//! (Slurm's preemption and requeue do): a run then gets the same signal twice, once from
//! the scheduler and once passed on by its parent, a moment apart. Such a pair (one from
//! the parent, one not, within [`SAME_EVENT`]) counts as one.

use std::{
    io::IsTerminal,
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicI32, Ordering},
    },
    time::{Duration, Instant},
};

use burn::train::Interrupter;
use signal_hook::{
    consts::{SIGINT, SIGTERM},
    iterator::{SignalsInfo, exfiltrator::WithOrigin},
};

/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// When the first signal came, and whether the parent process sent it.
static FIRST: OnceLock<(Instant, bool)> = OnceLock::new();
/// How far apart the scheduler's signal and its copy passed on by the parent may come.
pub const SAME_EVENT: Duration = Duration::from_secs(5);
/// The running learner's interrupter, if a learner is training.
static INTERRUPTER: Mutex<Option<Interrupter>> = Mutex::new(None);
/// Child processes to pass signals on to (`zoo sweep`).
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Exit status of a run stopped by the user without a signal (the dashboard's `q` or
/// Ctrl-C, which reach it as keys): 130, as for SIGINT.
pub const USER_STOP_EXIT: u8 = 130;

/// Installs the handlers (once per process, from [`crate::main`]). Where they cannot be
/// installed, the default handlers stay and a warning says so.
pub fn install() {
    let mut signals = match SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("warning: cannot handle SIGINT/SIGTERM ({e}); a signal ends the run at once");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for origin in signals.forever() {
                let parent = i32::try_from(std::os::unix::process::parent_id()).ok();
                let from_parent = origin.process.is_some_and(|p| Some(p.pid) == parent);
                on_signal(origin.signal, from_parent);
            }
        });
    if let Err(e) = spawned {
        eprintln!("warning: cannot handle SIGINT/SIGTERM ({e}); a signal ends the run at once");
    }
}

fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

fn on_signal(signal: i32, from_parent: bool) {
    let first = RECEIVED
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if first {
        let _ = FIRST.set((Instant::now(), from_parent));
    } else if let Some(&(at, first_from_parent)) = FIRST.get()
        && first_from_parent != from_parent
        && at.elapsed() < SAME_EVENT
    {
        // The scheduler's signal and its copy passed on by the parent: one event.
        return;
    }
    let children = CHILDREN.lock().map(|c| c.clone()).unwrap_or_default();
    for &pid in &children {
        pass_on(pid, signal);
    }
    if first {
        let what = if children.is_empty() {
            "stopping after the current step"
        } else {
            "passed on to the running runs; waiting for them to stop"
        };
        eprintln!("\n{}: {what} (send it again to exit at once)", name(signal));
        if let Ok(guard) = INTERRUPTER.lock()
            && let Some(interrupter) = guard.as_ref()
        {
            interrupter.stop(Some(&format!("{} received", name(signal))));
        }
    } else {
        if std::io::stdout().is_terminal() {
            ratatui::restore();
        }
        eprintln!(
            "\n{} again: exiting at once; the run resumes from its last complete checkpoint \
             (--resume)",
            name(signal)
        );
        std::process::exit(128 + signal);
    }
}

fn pass_on(pid: u32, signal: i32) {
    use nix::{sys::signal, unistd::Pid};
    let Ok(signal) = signal::Signal::try_from(signal) else {
        return;
    };
    let _ = signal::kill(Pid::from_raw(pid as i32), signal);
}

/// The first SIGINT or SIGTERM received, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Whether a run should stop now (a signal came).
pub fn stop_requested() -> bool {
    received().is_some()
}

/// The exit status of a run that stopped before the end: 128 + the signal, or
/// [`USER_STOP_EXIT`] when the user stopped it from the dashboard.
pub fn stop_exit_status() -> u8 {
    received().map_or(USER_STOP_EXIT, |s| (128 + s) as u8)
}

/// Makes a signal stop `interrupter`'s learner until [`unwatch`]; a signal that came
/// before stops it at once.
pub fn watch(interrupter: &Interrupter) {
    if let Some(signal) = received() {
        interrupter.stop(Some(&format!("{} received", name(signal))));
    }
    if let Ok(mut guard) = INTERRUPTER.lock() {
        *guard = Some(interrupter.clone());
    }
}

/// Ends [`watch`].
pub fn unwatch() {
    if let Ok(mut guard) = INTERRUPTER.lock() {
        *guard = None;
    }
}

/// Passes signals on to the process `pid` until [`forget_child`] (and the one that
/// came already, if any).
pub fn forward_to(pid: u32) {
    if let Ok(mut children) = CHILDREN.lock() {
        children.push(pid);
    }
    if let Some(signal) = received() {
        pass_on(pid, signal);
    }
}

/// Ends [`forward_to`].
pub fn forget_child(pid: u32) {
    if let Ok(mut children) = CHILDREN.lock() {
        children.retain(|&p| p != pid);
    }
}
