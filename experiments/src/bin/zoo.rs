//! `cargo run -p experiments --bin zoo -- --help`
//!
//! Lists, compares, sweeps, reports on and exports the runs under the artifacts root.

use std::process::ExitCode;

use clap::Parser;
use experiments::zoo::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
