//! `cargo run --release -p experiments --bin reverse -- --help`
//!
//! Trains a dense layer to reverse 4-bit patterns on the six whose first bit is 0, and
//! shows it answering the six that start with 1 as if that bit were 0.

use std::process::ExitCode;

use clap::Parser;
use experiments::reverse::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
