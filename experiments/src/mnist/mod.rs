//! The MNIST experiment: the TensorFlow tutorial's 784-512-10 ReLU network on MNIST or
//! Fashion-MNIST, trained with burn's learner.
//!
//! Validation is carved from the end of the training set (default: the last 5,000
//! images); the test set is used once, for the final evaluation. `mnist predict`
//! classifies test images by index, or any 28×28 grayscale PNG, with a trained model.

mod eval;
mod plot;
mod predict;
mod train;
mod weights;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use datasets::mnist::MnistKind;
use models::MlpClassifierConfig;
use serde::{Deserialize, Serialize};

use crate::{
    cli::{DeviceArgs, RunArgs, positive_f64, positive_usize},
    optimizer::{LrSchedule, OptimizerConfig, OptimizerKind},
};

pub use eval::{TestReport, evaluate};
pub(crate) use weights::preprocessing;
pub use weights::{InitFrom, export as export_weights};

/// Name of the experiment in artifacts.
pub const NAME: &str = "mnist";

/// Train an MLP on MNIST (or Fashion-MNIST) and evaluate it on the test set.
///
/// Trains with burn's learner (loss, accuracy and learning rate for train and valid,
/// the dashboard, a checkpoint every epoch), then reports test accuracy and loss,
/// per-class precision and recall and the confusion matrix, and writes model.mpk,
/// confusion_matrix.png, training_curves.png, misclassified.png and summary.json.
///
/// Data: --data-dir, else $MNIST_DIR / $FASHION_MNIST_DIR, else the user cache
/// (downloaded there on first use, SHA-256 checked).
#[derive(Debug, Parser)]
#[command(name = "mnist", version, args_conflicts_with_subcommands = true)]
#[command(allow_negative_numbers = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify test images by index, or 28×28 grayscale PNG files, with a trained model;
    /// prints each image's class and the probabilities of all 10.
    Predict(predict::PredictArgs),
    /// Evaluate weights made anywhere on the test set, on the compiled-in backend: a
    /// .safetensors file or a PyTorch state dict (.pt, .pth) of Linear layers with ReLU
    /// between them. Prints the test accuracy and writes eval.json (accuracy, loss,
    /// confusion matrix, the file's SHA-256, the backend).
    Eval(weights::EvalArgs),
}

fn parse_kind(s: &str) -> Result<MnistKind, String> {
    s.parse()
}

fn unit_interval(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..1.0).contains(&x) => Ok(x),
        Ok(x) => Err(format!("must be in [0, 1), got {x}")),
        Err(_) => Err(format!("expected a number, got '{s}'")),
    }
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Data set: mnist or fashion.
    #[arg(long, default_value = "mnist", value_parser = parse_kind)]
    dataset: MnistKind,
    /// Directory with the four IDX files (raw or .gz) [default: $MNIST_DIR /
    /// $FASHION_MNIST_DIR, else the user cache, downloading there if needed].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Training epochs.
    #[arg(long, default_value_t = 10, value_parser = positive_usize)]
    epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = 128, value_parser = positive_usize)]
    batch_size: usize,
    /// Learning rate (at the start, with a schedule).
    #[arg(long, default_value_t = 1e-3, value_parser = positive_f64)]
    lr: f64,
    /// Learning-rate schedule: cosine (from --lr down to 0 over the run's steps) or
    /// constant.
    #[arg(long, value_enum, default_value_t = LrSchedule::Cosine)]
    lr_schedule: LrSchedule,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    optimizer: OptimizerKind,
    /// Momentum of SGD (ignored by Adam).
    #[arg(long, default_value_t = 0.9, value_parser = unit_interval)]
    momentum: f64,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_name = "W[,W...]", default_value = "512", value_delimiter = ',', value_parser = positive_usize)]
    hidden: Vec<usize>,
    /// Dropout probability after each hidden layer (0 disables it).
    #[arg(long, default_value_t = 0.0, value_parser = unit_interval)]
    dropout: f64,
    /// Validation images, carved from the end of the training set.
    #[arg(long, default_value_t = 5_000, value_parser = positive_usize)]
    valid_size: usize,
    /// Train on only the first N training images (quick runs, CI).
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    train_limit: Option<usize>,
    /// Evaluate on only the first N test images.
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    test_limit: Option<usize>,
    /// Early stopping: end training when the validation loss has not improved for N
    /// epochs, and keep the model of the epoch with the lowest validation loss (Keras'
    /// EarlyStopping(patience=N, restore_best_weights=True)) [default: off].
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    patience: Option<usize>,
    /// Start from these weights instead of a random initialisation: a .safetensors
    /// file or a PyTorch state dict (.pt, .pth) with the network's layer widths.
    #[arg(long, value_name = "FILE")]
    init_from: Option<PathBuf>,
    #[command(flatten)]
    devices: DeviceArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// The resolved configuration of an MNIST run, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MnistConfig {
    /// `mnist` or `fashion`.
    pub dataset: String,
    /// The network.
    pub model: MlpClassifierConfig,
    /// The optimizer's settings (the zoo's `FusedAdamConfig` or `FusedSgdConfig`: burn's fields, fused updates).
    pub optimizer: OptimizerConfig,
    /// Learning rate (at the start, with a schedule).
    pub learning_rate: f64,
    /// Learning-rate schedule (`constant` for runs saved before schedules existed).
    #[serde(default)]
    pub lr_schedule: LrSchedule,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Validation images (the end of the training set).
    pub valid_size: usize,
    /// Training images used (the start of the training set), if limited.
    pub train_limit: Option<usize>,
    /// Test images evaluated, if limited.
    pub test_limit: Option<usize>,
    /// Early stopping's patience in epochs (on the validation loss), if on.
    #[serde(default)]
    pub patience: Option<usize>,
    /// Seed of initialisation and shuffling.
    pub seed: u64,
    /// The weights training started from (`--init-from`), if not random.
    #[serde(default)]
    pub init_from: Option<InitFrom>,
}

impl MnistConfig {
    /// The data set, parsed from its name.
    pub fn kind(&self) -> Result<MnistKind> {
        self.dataset
            .parse()
            .map_err(|e: String| anyhow::anyhow!("config.json: {e}"))
    }

    /// Number of epochs.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    fn describe(&self) -> String {
        let hidden: Vec<String> = self.model.hidden.iter().map(|w| w.to_string()).collect();
        format!(
            "{} net {}-{}-{} relu{}, {} lr {} ({}), batch {}, {} epochs",
            self.dataset,
            self.model.inputs,
            hidden.join("-"),
            self.model.classes,
            if self.model.dropout > 0.0 {
                format!(" dropout {}", self.model.dropout)
            } else {
                String::new()
            },
            self.optimizer.describe(),
            self.learning_rate,
            match self.lr_schedule {
                LrSchedule::Constant => "constant",
                LrSchedule::Cosine => "cosine to 0",
            },
            self.batch_size,
            self.epochs
        )
    }
}

impl TrainArgs {
    fn resolve(&self) -> Result<MnistConfig> {
        let model = MlpClassifierConfig::new()
            .with_hidden(self.hidden.clone())
            .with_dropout(self.dropout);
        model.validate()?;
        let init_from = self
            .init_from
            .as_deref()
            .map(|path| weights::check_init_from(path, &model))
            .transpose()?;
        if self.lr_schedule == LrSchedule::Cosine && self.lr > 1.0 {
            anyhow::bail!(
                "--lr {} with --lr-schedule cosine: burn's cosine schedule starts at a rate \
                 of at most 1 (use --lr-schedule constant for larger rates)",
                self.lr
            );
        }
        Ok(MnistConfig {
            dataset: self.dataset.name().to_string(),
            model,
            optimizer: OptimizerConfig::of(self.optimizer, self.momentum),
            learning_rate: self.lr,
            lr_schedule: self.lr_schedule,
            epochs: self.epochs,
            batch_size: self.batch_size,
            valid_size: self.valid_size,
            train_limit: self.train_limit,
            test_limit: self.test_limit,
            patience: self.patience,
            seed: self.run.seed,
            init_from,
        })
    }
}

/// Runs the `mnist` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Predict(args)) => predict::predict(&args),
        Some(Command::Eval(args)) => weights::eval_weights(&args),
        None => train::train(&cli.train),
    }
}
