//! The bit-reversal experiment: a net that looks as if it learned to reverse bits, and
//! only learned its data.
//!
//! Seed: a Keras tutorial trains one dense layer (4 inputs, 4 outputs, no activation)
//! with mean squared error and SGD (learning rate 0.1) for 10,000 epochs of batch 8 on
//! the six 4-bit patterns whose first bit is 0. It reverses those exactly, and answers
//! the six patterns starting with 1 as if that bit were 0: the first input is 0 in
//! every training row, so its weights never get a gradient. `--preset seed` is that
//! run; `reverse study` is the table of what fixes it and what does not.

mod eval;
mod plot;
mod study;
mod train;
mod weights;

pub use weights::export as export_weights;

use anyhow::Result;
use burn::optim::decay::WeightDecayConfig;
use clap::{Args, Parser, Subcommand, ValueEnum};
use datasets::bits::Split;
use models::fused::optim::FusedSgdConfig;
use models::{Activation, DenseRegressorConfig};
use serde::{Deserialize, Serialize};

use crate::{
    backend::BackendInfo,
    cli::{DeviceArgs, RunArgs, named, non_negative_f64, per_epoch, positive_f64, positive_usize},
};

pub use eval::{SetEval, evaluate};
pub use study::train_one;

/// Name of the experiment in artifacts.
pub const NAME: &str = "reverse";

/// Train a dense layer to reverse the bits of 4-bit numbers, on the six whose first bit
/// is 0, and watch it fail on the six whose first bit is 1.
///
/// Prints the outputs on the training inputs and on the unseen ones, raw and rounded
/// (as the Keras tutorial does), per-bit accuracy on both, and the weights of the first
/// input at the start and the end (they never move); checks that each unseen output is
/// the output for the same input with the first bit cleared plus those untouched
/// weights. Writes weights.png (the weight matrix before and after), training_curves.png,
/// model.mpk and summary.json. `reverse study` trains the variants that do and do not
/// fix it over several seeds and prints one table.
#[derive(Debug, Parser)]
#[command(name = "reverse", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train every variant of the table (the seed, more epochs, a hidden layer, weight
    /// decay, one or two added examples, 8-bit patterns) over several seeds with a plain
    /// loop, print mean and spread per row, and write summary.json (config.json holds
    /// every variant's full configuration).
    Study(study::StudyArgs),
}

/// Named starting configurations; explicit flags override them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// The Keras tutorial: 4-bit patterns, the six with the first bit 0 for training, one
    /// dense layer without activation, Glorot-uniform weights, MSE, SGD 0.1, 10,000
    /// epochs of batch 8.
    Seed,
    /// The seed plus one training example whose first bit is 1 (1011): the first input's
    /// weights now get a gradient, and the unseen inputs are reversed correctly.
    Fixed,
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Starting configuration; the flags below override its values.
    #[arg(long, value_enum, default_value_t = Preset::Seed)]
    preset: Preset,
    /// Pattern width: 4 uses the tutorial's sets; wider ones train on every pattern with
    /// the top bit 0 [default: 4].
    #[arg(long, value_parser = positive_usize)]
    bits: Option<usize>,
    /// Add this many patterns whose top bit is 1 to the training set (4 bits: at most 2,
    /// 1011 and 1100, neither of them unseen) [seed: 0; fixed: 1].
    #[arg(long)]
    extra: Option<usize>,
    /// Hidden layer widths, comma-separated; none is the seed's single layer.
    #[arg(long, value_name = "W[,W...]", value_delimiter = ',', value_parser = positive_usize)]
    hidden: Vec<usize>,
    /// Hidden activation: sigmoid, tanh or relu [default: relu].
    #[arg(long, ignore_case = true, value_parser = named::<Activation>())]
    activation: Option<Activation>,
    /// SGD learning rate [default: 0.1].
    #[arg(long, value_parser = positive_f64)]
    lr: Option<f64>,
    /// SGD weight decay (an L2 penalty on every parameter) [default: none].
    #[arg(long, value_parser = non_negative_f64)]
    weight_decay: Option<f64>,
    /// Passes over the training set (Keras epochs) [default: 10000].
    #[arg(long, value_parser = positive_usize)]
    epochs: Option<usize>,
    /// Batch size; a training set no larger than it is one full batch per pass
    /// [default: 8].
    #[arg(long, value_parser = positive_usize)]
    batch_size: Option<usize>,
    /// Passes per learner epoch (one validation and checkpoint each); --epochs must be a
    /// multiple [default: 1000, or --epochs if smaller].
    #[arg(long, value_parser = positive_usize)]
    passes_per_epoch: Option<usize>,
    #[command(flatten)]
    devices: DeviceArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// The resolved configuration of a bit-reversal run, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReverseConfig {
    /// Preset the run started from.
    pub preset: Preset,
    /// Pattern width.
    pub bits: usize,
    /// Training patterns with the top bit 1.
    pub extra: usize,
    /// The network.
    pub model: DenseRegressorConfig,
    /// SGD's settings (weight decay included).
    pub optimizer: FusedSgdConfig,
    /// SGD learning rate.
    pub learning_rate: f64,
    /// Passes over the training set.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Passes per learner epoch.
    pub passes_per_epoch: usize,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
}

impl ReverseConfig {
    /// The configuration of `preset`, without command-line overrides.
    pub fn from_preset(preset: Preset, seed: u64) -> Self {
        Self {
            preset,
            bits: 4,
            extra: match preset {
                Preset::Seed => 0,
                Preset::Fixed => 1,
            },
            model: DenseRegressorConfig::new(4, 4),
            optimizer: FusedSgdConfig::new(),
            learning_rate: 0.1,
            epochs: 10_000,
            batch_size: 8,
            passes_per_epoch: 1_000,
            seed,
        }
    }

    /// The training and unseen inputs.
    pub fn split(&self) -> Result<Split> {
        Ok(Split::new(self.bits, self.extra)?)
    }

    /// Number of learner epochs: passes / passes per epoch.
    pub fn learner_epochs(&self) -> usize {
        self.epochs / self.passes_per_epoch
    }

    /// The SGD weight decay, if any (read through serde: burn keeps the field private).
    pub fn weight_decay(&self) -> Option<f64> {
        serde_json::to_value(&self.optimizer)
            .ok()?
            .pointer("/weight_decay/penalty")?
            .as_f64()
    }

    fn describe(&self) -> String {
        let mut widths = vec![self.bits.to_string()];
        widths.extend(self.model.hidden.iter().map(|w| w.to_string()));
        widths.push(self.bits.to_string());
        let activation = if self.model.hidden.is_empty() {
            "no activation".to_string()
        } else {
            format!("{} hidden", self.model.activation)
        };
        format!(
            "dense {} ({activation}), MSE, SGD lr {}{}, {} epochs of batch {}, {}-bit patterns{}",
            widths.join("-"),
            self.learning_rate,
            self.weight_decay()
                .map_or(String::new(), |d| format!(", weight decay {d}")),
            self.epochs,
            self.batch_size,
            self.bits,
            if self.extra > 0 {
                format!(", {} added with the top bit 1", self.extra)
            } else {
                String::new()
            }
        )
    }
}

impl TrainArgs {
    fn resolve(&self) -> Result<ReverseConfig> {
        let mut config = ReverseConfig::from_preset(self.preset, self.run.seed);
        if let Some(bits) = self.bits {
            config.bits = bits;
        }
        if let Some(extra) = self.extra {
            config.extra = extra;
        }
        config.split()?;
        config.model = DenseRegressorConfig::new(config.bits, config.bits);
        if !self.hidden.is_empty() {
            config.model.hidden = self.hidden.clone();
        }
        if let Some(a) = self.activation {
            config.model.activation = a;
        }
        config.model.validate()?;
        if let Some(lr) = self.lr {
            config.learning_rate = lr;
        }
        if let Some(d) = self.weight_decay.filter(|d| *d > 0.0) {
            config.optimizer =
                FusedSgdConfig::new().with_weight_decay(Some(WeightDecayConfig::new(d as f32)));
        }
        if let Some(e) = self.epochs {
            config.epochs = e;
        }
        if let Some(b) = self.batch_size {
            config.batch_size = b;
        }
        config.passes_per_epoch = per_epoch(
            config.epochs,
            self.passes_per_epoch,
            config.passes_per_epoch,
            "--epochs",
            "--passes-per-epoch",
        )?;
        Ok(config)
    }
}

/// Runs the `reverse` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Study(args)) => study::study(&args),
        None => train::train(&cli.train),
    }
}

/// Prints what is about to be trained, and where.
fn announce(info: &BackendInfo, config: &ReverseConfig) {
    println!("reverse: {}", config.describe());
    println!("backend {info}, seed {}", config.seed);
}
