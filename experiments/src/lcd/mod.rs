//! The LCD-digits experiment: where a linear model breaks.
//!
//! Seven-segment digits drawn in a 5×5 grid are classified by a linear model
//! (`xW + b`, one output per digit, arg-max) and by an MLP. In 5×5 images every digit
//! looks the same and the linear model is perfect; placed at random positions in 10×10
//! images ("jitter") it memorises its training set and fails on new images, while the
//! MLP learns the digits. The grid of (model, image size, training-set size) runs is
//! printed as a table and written to `summary.json`, with confusion matrices and the
//! linear model's weights per digit as heatmaps.

mod train;

use anyhow::{Result, bail};
use clap::Parser;
use models::fused::optim::FusedAdamConfig;
use models::{LinearModelConfig, MlpClassifierConfig};
use serde::{Deserialize, Serialize};

use crate::cli::{RunArgs, positive_f64, positive_usize};

/// Name of the experiment in artifacts.
pub const NAME: &str = "lcd";

fn noise(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..=0.5).contains(&x) => Ok(x),
        Ok(x) => Err(format!("must be in [0, 0.5], got {x}")),
        Err(_) => Err(format!("expected a number, got '{s}'")),
    }
}

fn image_size(s: &str) -> Result<usize, String> {
    let size = positive_usize(s)?;
    datasets::lcd::LcdConfig::new(size).map_err(|e| e.to_string())?;
    Ok(size)
}

/// Train a linear model and an MLP on seven-segment digits, with and without jitter.
///
/// For every image size (5 = the digit fills the image; 10 = it is placed at a random
/// position) and every training-set size, both models are trained full-batch with Adam
/// on fresh seeded digits and tested on other fresh digits. Prints the accuracy table
/// and writes summary.json, confusion_<model>_<size>px_<n>.png and, for the linear
/// model, weights_<size>px_<n>.png (its weights per digit as heatmaps).
// The doc comment is clap's --help text, not markdown.
#[allow(rustdoc::invalid_html_tags)]
#[derive(Debug, Parser)]
#[command(name = "lcd", version)]
pub struct Cli {
    /// Image sizes, comma-separated (at least 5: the digit is 5x5).
    #[arg(long, value_name = "N[,N...]", default_value = "5,10", value_delimiter = ',', value_parser = image_size)]
    sizes: Vec<usize>,
    /// Training-set sizes, comma-separated.
    #[arg(long, value_name = "N[,N...]", default_value = "100,500,5000", value_delimiter = ',', value_parser = positive_usize)]
    train_sizes: Vec<usize>,
    /// Test images per image size (fresh digits, another seed).
    #[arg(long, default_value_t = 1_000, value_parser = positive_usize)]
    test_size: usize,
    /// Probability that each pixel is flipped (0 = clean digits).
    #[arg(long, default_value_t = 0.0, value_parser = noise)]
    noise: f64,
    /// Full-batch Adam steps per model.
    #[arg(long, default_value_t = 500, value_parser = positive_usize)]
    steps: usize,
    /// Adam learning rate of the linear model.
    #[arg(long, default_value_t = 0.05, value_parser = positive_f64)]
    linear_lr: f64,
    /// Adam learning rate of the MLP.
    #[arg(long, default_value_t = 0.01, value_parser = positive_f64)]
    mlp_lr: f64,
    /// Hidden layer widths of the MLP, comma-separated.
    #[arg(long, value_name = "W[,W...]", default_value = "64", value_delimiter = ',', value_parser = positive_usize)]
    hidden: Vec<usize>,
    #[command(flatten)]
    run: RunArgs,
}

/// The resolved configuration, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LcdConfig {
    /// Image sizes.
    pub sizes: Vec<usize>,
    /// Training-set sizes.
    pub train_sizes: Vec<usize>,
    /// Test images per image size.
    pub test_size: usize,
    /// Pixel flip probability.
    pub noise: f64,
    /// Adam steps per model.
    pub steps: usize,
    /// Adam's settings for both models (burn's defaults).
    pub optimizer: FusedAdamConfig,
    /// Learning rate of the linear model.
    pub linear_lr: f64,
    /// Learning rate of the MLP.
    pub mlp_lr: f64,
    /// The linear model (its input width is set per image size).
    pub linear: LinearModelConfig,
    /// The MLP (its input width is set per image size).
    pub mlp: MlpClassifierConfig,
    /// Seed.
    pub seed: u64,
}

/// The test digits' stream of the run's seed ([`datasets::rng::derive_seed`]); the
/// training digits use the seed itself.
pub const TEST_STREAM: u64 = 1;

impl Cli {
    fn resolve(&self) -> Result<LcdConfig> {
        let classes = datasets::lcd::CLASSES;
        let mlp = MlpClassifierConfig::new()
            .with_inputs(25)
            .with_hidden(self.hidden.clone())
            .with_classes(classes);
        mlp.validate()?;
        Ok(LcdConfig {
            sizes: self.sizes.clone(),
            train_sizes: self.train_sizes.clone(),
            test_size: self.test_size,
            noise: self.noise,
            steps: self.steps,
            optimizer: FusedAdamConfig::new(),
            linear_lr: self.linear_lr,
            mlp_lr: self.mlp_lr,
            linear: LinearModelConfig::new(25).with_outputs(classes),
            mlp,
            seed: self.run.seed,
        })
    }
}

/// Runs the `lcd` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    if cli.run.resume {
        bail!(
            "--resume: lcd runs have no checkpoints (each model trains in seconds); run again instead"
        );
    }
    let plan = crate::run::plan(&cli.run, NAME, || cli.resolve(), |_| 0)?;
    train::run_grid(plan)
}
