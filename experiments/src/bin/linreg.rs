//! `cargo run --release -p experiments --bin linreg -- --help`
//!
//! Linear regression on the SOCR heights/weights table (weight from height by default),
//! trained by gradient descent and compared with the exact least-squares solution.

use std::process::ExitCode;

use clap::Parser;
use experiments::linreg::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
