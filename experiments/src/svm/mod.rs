//! The SVM experiment: a linear SVM trained on the hinge loss with burn's learner.
//!
//! Seed: TensorFlow's SVM estimator on 1,000 random points in `[−5, 5]²` labelled by
//! `y > x` and pushed 0.5 away from the line (see [`datasets::margin`]); 30 steps give
//! accuracy 1.0, then 20 fresh random points are classified with their logits.
//! `--dataset mnist` trains the 10-class linear SVM on MNIST pixels instead.

mod eval;
mod plot;
mod predict;
mod train;
mod weights;

pub use eval::{PointPrediction, predict_points};
pub use weights::export as export_weights;

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use models::{LinearSvmConfig, MulticlassHinge};
use serde::{Deserialize, Serialize};

use crate::{
    cli::{DeviceArgs, RunArgs, positive_f64, positive_usize},
    optimizer::OptimizerConfig,
};

/// Name of the experiment in artifacts.
pub const NAME: &str = "svm";

/// Train a linear SVM on the hinge loss: the seed's margin data, or MNIST.
///
/// Trains with burn's learner (objective and accuracy for train and valid, the
/// dashboard, a checkpoint every epoch). On the seed data it then prints the learned
/// line (w, b, geometric margin 1/|w|, angle to y = x), classifies 20 fresh random
/// points with their decision values, and writes svm.png; with --dataset mnist it
/// reports test accuracy and the time to train and to predict. Both write model.mpk
/// and summary.json. `svm predict` classifies points with a trained model.
#[derive(Debug, Parser)]
#[command(name = "svm", version, args_conflicts_with_subcommands = true)]
#[command(allow_negative_numbers = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify points with a trained model: prints each point's class and decision value.
    Predict(predict::PredictArgs),
}

/// The data an SVM run trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataChoice {
    /// The seed's 2-D points separated by y = x with a margin (binary SVM).
    Seed,
    /// MNIST pixels, 10 classes (multi-class SVM).
    Mnist,
}

fn parse_hinge(s: &str) -> Result<MulticlassHinge, String> {
    s.parse()
}

fn any_f64(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| format!("expected a number, got '{s}'"))
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Data: seed (the margin points) or mnist.
    #[arg(long, value_enum, default_value_t = DataChoice::Seed)]
    dataset: DataChoice,
    /// λ of the penalty λ/2·|w|² (must be >= 0) [seed: 0.001; mnist: 0.0001].
    #[arg(long, value_parser = any_f64)]
    lambda: Option<f64>,
    /// Multi-class hinge for MNIST: crammer-singer, ovr or ovr-squared [default: crammer-singer].
    #[arg(long, value_parser = parse_hinge)]
    hinge: Option<MulticlassHinge>,
    /// Adam's initial learning rate, decayed linearly to 1% of it over the run, at most 1
    /// [seed: 0.05; mnist: 0.001].
    #[arg(long, value_parser = positive_f64)]
    lr: Option<f64>,
    /// Epochs [seed: 4; mnist: 5].
    #[arg(long, value_parser = positive_usize)]
    epochs: Option<usize>,
    /// Seed data: points to generate.
    #[arg(long, default_value_t = datasets::margin::SEED_POINTS, value_parser = positive_usize)]
    points: usize,
    /// Seed data: distance every point is pushed away from y = x (the margin; >= 0).
    #[arg(long, default_value_t = datasets::margin::SEED_MARGIN, value_parser = any_f64)]
    margin: f64,
    /// Seed data: full-batch steps per epoch.
    #[arg(long, default_value_t = 100, value_parser = positive_usize)]
    steps_per_epoch: usize,
    /// Seed data: fresh random points to classify after training.
    #[arg(long, default_value_t = 20)]
    predict_points: usize,
    /// MNIST: directory with the four IDX files (raw or .gz) [default: $MNIST_DIR, else
    /// the user cache, downloading there if needed].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// MNIST: batch size.
    #[arg(long, default_value_t = 128, value_parser = positive_usize)]
    batch_size: usize,
    /// MNIST: validation images, carved from the end of the training set.
    #[arg(long, default_value_t = 5_000, value_parser = positive_usize)]
    valid_size: usize,
    /// MNIST: train on only the first N training images.
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    train_limit: Option<usize>,
    /// MNIST: evaluate on only the first N test images.
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    test_limit: Option<usize>,
    #[command(flatten)]
    devices: DeviceArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// The resolved configuration of an SVM run, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SvmConfig {
    /// `seed` or `mnist`.
    pub dataset: DataChoice,
    /// The model.
    pub model: LinearSvmConfig,
    /// The optimizer's settings (the zoo's `FusedAdamConfig` or `FusedSgdConfig`: burn's fields, fused updates).
    pub optimizer: OptimizerConfig,
    /// The initial learning rate (decayed linearly to 1% over the run).
    pub learning_rate: f64,
    /// Epochs.
    pub epochs: usize,
    /// Seed data: points.
    pub points: usize,
    /// Seed data: push away from the line.
    pub margin: f64,
    /// Seed data: full-batch steps per epoch.
    pub steps_per_epoch: usize,
    /// Seed data: fresh points classified after training.
    pub predict_points: usize,
    /// MNIST: batch size.
    pub batch_size: usize,
    /// MNIST: validation images.
    pub valid_size: usize,
    /// MNIST: training images used, if limited.
    pub train_limit: Option<usize>,
    /// MNIST: test images evaluated, if limited.
    pub test_limit: Option<usize>,
    /// Seed of data generation and shuffling.
    pub seed: u64,
}

/// Fraction of the initial learning rate reached at the last step.
pub const FINAL_LR_FRACTION: f64 = 0.01;

impl SvmConfig {
    /// Number of epochs.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    fn describe(&self) -> String {
        let hinge = if self.model.classes == 2 {
            "binary hinge".to_string()
        } else {
            format!("{} hinge", self.model.multiclass)
        };
        let data = match self.dataset {
            DataChoice::Seed => format!(
                "seed data ({} points, margin {}), {} epochs x {} full-batch steps",
                self.points, self.margin, self.epochs, self.steps_per_epoch
            ),
            DataChoice::Mnist => {
                format!("mnist, batch {}, {} epochs", self.batch_size, self.epochs)
            }
        };
        format!(
            "linear SVM {}->{} classes, {hinge} + lambda/2 |w|^2 (lambda {}), Adam lr {} -> {}; {data}",
            self.model.inputs,
            self.model.classes,
            self.model.lambda,
            self.learning_rate,
            self.learning_rate * FINAL_LR_FRACTION,
        )
    }
}

impl TrainArgs {
    fn resolve(&self) -> Result<SvmConfig> {
        let (inputs, classes, lambda, lr, epochs) = match self.dataset {
            DataChoice::Seed => (2, 2, 1e-3, 0.05, 4),
            DataChoice::Mnist => (
                datasets::mnist::PIXELS,
                datasets::mnist::CLASSES,
                1e-4,
                1e-3,
                5,
            ),
        };
        let model = LinearSvmConfig::new()
            .with_inputs(inputs)
            .with_classes(classes)
            .with_lambda(self.lambda.unwrap_or(lambda))
            .with_multiclass(self.hinge.unwrap_or(MulticlassHinge::CrammerSinger));
        model.validate()?;
        let learning_rate = self.lr.unwrap_or(lr);
        if learning_rate > 1.0 {
            bail!("--lr must be at most 1, got {learning_rate}");
        }
        if !(self.margin.is_finite() && self.margin >= 0.0) {
            bail!("--margin must be a finite number >= 0, got {}", self.margin);
        }
        Ok(SvmConfig {
            dataset: self.dataset,
            model,
            optimizer: OptimizerConfig::adam(),
            learning_rate,
            epochs: self.epochs.unwrap_or(epochs),
            points: self.points,
            margin: self.margin,
            steps_per_epoch: self.steps_per_epoch,
            predict_points: self.predict_points,
            batch_size: self.batch_size,
            valid_size: self.valid_size,
            train_limit: self.train_limit,
            test_limit: self.test_limit,
            seed: self.run.seed,
        })
    }
}

/// Runs the `svm` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Predict(args)) => predict::predict(&args),
        None => train::train(&cli.train),
    }
}
