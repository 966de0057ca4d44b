//! Experiments of the burn model zoo: the shared plumbing (backend choice, CLI,
//! artifacts, dashboard, learner wiring, plots) and one module per experiment.
//!
//! Each binary in `src/bin` is a thin `main` over its experiment module.

pub mod artifacts;
pub mod backend;
pub mod cli;
pub mod dashboard;
pub mod kmeans;
pub mod lcd;
pub mod linreg;
pub mod mnist;
pub mod plot;
pub mod resources;
pub mod run;
pub mod svm;
pub mod training;
pub mod xor;
pub mod zoo;

use std::process::ExitCode;

/// Runs an experiment's entry point; an error prints as one `error: ...` line (with
/// its causes) on stderr and exits with status 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
