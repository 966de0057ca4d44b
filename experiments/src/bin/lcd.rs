//! `cargo run --release -p experiments --bin lcd -- --help`
//!
//! Seven-segment digits, with and without jitter: where a linear model breaks and an
//! MLP does not.

use std::process::ExitCode;

use clap::Parser;
use experiments::lcd::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
