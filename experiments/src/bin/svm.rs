//! `cargo run --release -p experiments --bin svm -- --help`
//!
//! A linear SVM on the hinge loss: the TensorFlow seed's margin data by default
//! (accuracy 1.0, boundary close to y = x), or `--dataset mnist` (10 classes).

use std::process::ExitCode;

use clap::Parser;
use experiments::svm::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
