//! Experiments of the burn model zoo: the shared plumbing (backend choice, CLI,
//! artifacts, dashboard, learner wiring, plots) and one module per experiment.
//!
//! Each binary in `src/bin` is a thin `main` over its experiment module.

pub mod artifacts;
pub mod await_saves;
pub mod backend;
pub mod cli;
pub mod dashboard;
pub mod data_parallel;
pub mod kmeans;
pub mod lcd;
pub mod learning;
pub mod linreg;
pub mod metric_logs;
pub mod mnist;
pub mod optimizer;
pub mod plot;
pub mod recorder;
pub mod registry;
pub mod resources;
pub mod reverse;
pub mod run;
pub mod signals;
pub mod stopping;
pub mod svm;
pub mod tensorboard;
pub mod tracking;
pub mod valid_loss;
pub mod weights;
pub mod xor;
pub mod zoo;

use std::process::ExitCode;

/// Runs a binary's entry point `body` with the panic hook that marks an open run as
/// failed, then turns its result into the exit code ([`exit_code`]).
pub fn main(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    backend::quiet_vulkan_loader();
    run::install_panic_hook();
    signals::install();
    exit_code(body())
}

/// Runs an experiment's entry point; an error prints as one `error: ...` line (with
/// its causes) on stderr and exits with status 1. A run stopped before its end
/// ([`run::Stopped`]) exits with its status (130, 143) and prints nothing more.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<run::Stopped>().is_some() => {
            let status = err.downcast_ref::<run::Stopped>().map_or(1, |s| s.status);
            ExitCode::from(status)
        }
        Err(err) => {
            run::mark_failed(&format!("{err:#}"));
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
