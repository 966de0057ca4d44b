//! `cargo run --release -p experiments --bin mnist -- --help`
//!
//! The TensorFlow tutorial's 784-512-10 MLP on MNIST; the defaults (Adam 1e-3,
//! batch 128, 10 epochs) should reach about 98% test accuracy.

use std::process::ExitCode;

use clap::Parser;
use experiments::mnist::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
