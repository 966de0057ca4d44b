//! The linear-regression experiment: weight from height (or height from weight) on the
//! SOCR table, or a synthetic problem with known weights, fitted by gradient descent
//! with burn's learner and checked against the exact least-squares solution.
//!
//! Inputs and targets are standardised with statistics of the training rows; those
//! statistics are saved beside the model (`scaler.json`), so the slope, intercept and
//! `linreg predict` are in original units.

mod data;
mod plot;
mod predict;
mod train;
mod weights;

pub use weights::export as export_weights;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use models::LinearModelConfig;
use models::fused::optim::FusedSgdConfig;
use serde::{Deserialize, Serialize};

use crate::cli::{DeviceArgs, RunArgs, non_negative_f64, positive_f64, positive_usize};

/// Name of the experiment in artifacts.
pub const NAME: &str = "linreg";
/// File of the standardisation statistics, beside `model.mpk`.
pub const SCALER_FILE: &str = "scaler.json";

/// Fit a linear model `y = xW + b` by gradient descent and compare it with the exact
/// least-squares solution.
///
/// Default: weight (pounds) from height (inches) on the 25,000-row SOCR table, 20% of
/// the rows held out. Prints the slope and intercept in original units, R² and MSE on
/// the held-out rows, and the closed-form answer beside them; writes fit.png,
/// training_curves.png, model.mpk, scaler.json and summary.json.
///
/// Data: --data-dir (a directory holding SOCR-HeightWeight.csv), else $SOCR_DIR, else
/// the user cache, else downloaded into the cache (a public copy, or $SOCR_URL) and
/// checked by SHA-256.
#[derive(Debug, Parser)]
#[command(name = "linreg", version, args_conflicts_with_subcommands = true)]
#[command(allow_negative_numbers = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Predict with a trained model, in original units: one prediction per input value
    /// (SOCR: a height, or a weight for a model trained with --predict height).
    Predict(predict::PredictArgs),
}

/// Which data set to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataKind {
    /// The SOCR heights/weights table.
    Socr,
    /// Seeded synthetic data `y = xW + b + noise` with known W and b.
    Synthetic,
}

/// Which SOCR column is the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Weight (pounds) from height (inches).
    Weight,
    /// Height (inches) from weight (pounds).
    Height,
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..1.0).contains(&x) => Ok(x),
        Ok(x) => Err(format!("must be in [0, 1), got {x}")),
        Err(_) => Err(format!("expected a number, got '{s}'")),
    }
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Data set.
    #[arg(long, value_enum, default_value_t = DataKind::Socr)]
    dataset: DataKind,
    /// SOCR: the column to predict from the other one.
    #[arg(long, value_enum, default_value_t = Target::Weight)]
    predict: Target,
    /// SOCR: directory holding SOCR-HeightWeight.csv [default: $SOCR_DIR, else the user cache].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<std::path::PathBuf>,
    /// Use only the first N rows of the data.
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    limit: Option<usize>,
    /// Share of the rows held out (seeded shuffle) to measure R² and MSE; 0 fits and
    /// evaluates on all rows.
    #[arg(long, default_value_t = 0.2, value_parser = fraction)]
    holdout: f64,
    /// Train on the raw values instead of standardised ones (plain gradient descent then
    /// needs a far smaller --lr and many more steps on the SOCR data).
    #[arg(long)]
    no_standardize: bool,
    /// L2 penalty on the weights (ridge): the objective is MSE + l2·‖W‖², on
    /// standardised data unless --no-standardize.
    #[arg(long, default_value_t = 0.0, value_parser = non_negative_f64)]
    l2: f64,
    /// SGD learning rate.
    #[arg(long, default_value_t = 0.1, value_parser = positive_f64)]
    lr: f64,
    /// Epochs (one checkpoint and validation each).
    #[arg(long, default_value_t = 10, value_parser = positive_usize)]
    epochs: usize,
    /// Passes over the training rows per epoch.
    #[arg(long, default_value_t = 10, value_parser = positive_usize)]
    passes_per_epoch: usize,
    /// Rows per gradient step [default: all training rows, i.e. full-batch gradient descent].
    #[arg(long, value_parser = positive_usize)]
    batch_size: Option<usize>,
    /// Synthetic: rows.
    #[arg(long, default_value_t = 1_000, value_parser = positive_usize)]
    rows: usize,
    /// Synthetic: input features.
    #[arg(long, default_value_t = 3, value_parser = positive_usize)]
    inputs: usize,
    /// Synthetic: outputs.
    #[arg(long, default_value_t = 1, value_parser = positive_usize)]
    outputs: usize,
    /// Synthetic: standard deviation of the Gaussian noise on the targets.
    #[arg(long, default_value_t = 0.1, value_parser = non_negative_f64)]
    noise: f64,
    #[command(flatten)]
    devices: DeviceArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// The synthetic problem's shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SyntheticSpec {
    /// Rows generated.
    pub rows: usize,
    /// Input features.
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// Noise standard deviation.
    pub noise: f64,
}

/// The resolved configuration of a run, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinregConfig {
    /// Data set.
    pub dataset: DataKind,
    /// SOCR target column.
    pub target: Target,
    /// First rows used, if limited.
    pub limit: Option<usize>,
    /// Held-out share.
    pub holdout: f64,
    /// Whether inputs and targets are standardised.
    pub standardize: bool,
    /// The model (its widths follow the data).
    pub model: LinearModelConfig,
    /// The optimizer's settings (the zoo's `FusedSgdConfig`, with burn's fields: plain SGD).
    pub optimizer: FusedSgdConfig,
    /// SGD learning rate.
    pub learning_rate: f64,
    /// Epochs.
    pub epochs: usize,
    /// Passes over the training rows per epoch.
    pub passes_per_epoch: usize,
    /// Rows per step; `None` = full batch.
    pub batch_size: Option<usize>,
    /// The synthetic problem (used when `dataset` is synthetic).
    pub synthetic: SyntheticSpec,
    /// Seed of the split, the synthetic data and shuffling.
    pub seed: u64,
}

impl LinregConfig {
    /// Number of epochs.
    pub fn epochs(&self) -> usize {
        self.epochs
    }
}

impl TrainArgs {
    fn resolve(&self) -> Result<LinregConfig> {
        let synthetic = SyntheticSpec {
            rows: self.rows,
            inputs: self.inputs,
            outputs: self.outputs,
            noise: self.noise,
        };
        let (inputs, outputs) = match self.dataset {
            DataKind::Socr => (1, 1),
            DataKind::Synthetic => (self.inputs, self.outputs),
        };
        if self.dataset == DataKind::Synthetic && self.data_dir.is_some() {
            bail!("--data-dir is for --dataset socr; synthetic data is generated");
        }
        let model = LinearModelConfig::new(inputs)
            .with_outputs(outputs)
            .with_l2(self.l2);
        model.validate()?;
        Ok(LinregConfig {
            dataset: self.dataset,
            target: self.predict,
            limit: self.limit,
            holdout: self.holdout,
            standardize: !self.no_standardize,
            model,
            optimizer: FusedSgdConfig::new(),
            learning_rate: self.lr,
            epochs: self.epochs,
            passes_per_epoch: self.passes_per_epoch,
            batch_size: self.batch_size,
            synthetic,
            seed: self.run.seed,
        })
    }
}

/// Runs the `linreg` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Predict(args)) => predict::predict(&args),
        None => train::train(&cli.train),
    }
}
