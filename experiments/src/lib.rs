//! Experiments of the burn model zoo: the shared plumbing (backend choice, CLI,
//! artifacts, dashboard, learner wiring, plots) and one module per experiment.
//!
//! Each binary in `src/bin` is a thin `main` over its experiment module.

pub mod artifacts;
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
pub mod stopping;
pub mod svm;
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
    exit_code(body())
}

/// Runs an experiment's entry point; an error prints as one `error: ...` line (with
/// its causes) on stderr and exits with status 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            run::mark_failed(&format!("{err:#}"));
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
