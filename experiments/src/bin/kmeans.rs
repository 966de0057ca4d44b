//! `cargo run --release -p experiments --bin kmeans -- --help`
//!
//! k-means on burn tensors: t-shirt sizes (S/M/L/XL) from the SOCR heights and
//! weights (TensorFlow's k-means example), or `--dataset mnist` clusters of the
//! MNIST training images.

use std::process::ExitCode;

use clap::Parser;
use experiments::kmeans::{Cli, execute};

fn main() -> ExitCode {
    experiments::main(|| execute(Cli::parse()))
}
