//! The XOR/XNOR experiment: a tiny MLP learns a logic gate's truth table.
//!
//! Seed: a TensorFlow tutorial trains a 2-2-1 sigmoid network on XNOR with mean
//! squared error and Adam (learning rate 0.03) for 5,000 full-batch steps, then
//! restores the checkpoint and evaluates a 100×100 grid over `[0,1]²`.
//! `--preset seed` is that network; the default preset is the project's (see
//! [`Preset::Zoo`]).

use std::{fmt::Write as _, path::PathBuf};

use anyhow::{Context, Result};
use burn::{
    data::dataloader::DataLoaderBuilder,
    module::AutodiffModule,
    optim::{GradientsParams, Optimizer},
    tensor::{
        ElementConversion, Tensor, TensorData,
        backend::{AutodiffBackend, Backend},
    },
    train::{Learner, SupervisedTraining, metric::LossMetric},
};
use clap::{Args, Parser, Subcommand};
use datasets::gates::{GateBatcher, GateDataset, LogicGate, TABLE_INPUTS, TABLE_ROWS};
use models::{
    Activation, BinaryAccuracyMetric, Initialization, TabularLoss, TabularMlp, TabularMlpConfig,
    fused::{ZooBackend, optim::FusedAdamConfig},
};
use serde::{Deserialize, Serialize};

use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE, list_paths},
    backend::{self, BackendInfo, Device, InferenceBackend, TrainBackend},
    cli::{DeviceArgs, RunArgs, named, per_epoch, positive_f64, positive_usize},
    learning, plot,
    run::{self, KeyMetric},
    stopping::ToleranceStop,
};

mod eval;
mod preset;
mod restore;
mod seeds;
mod train;
mod weights;

pub use eval::{HiddenUnit, TableEval, evaluate, hidden_units};
use eval::{table_inputs, table_targets, truth_table, units_table, write_surface};
pub use preset::Preset;
pub use restore::load_model;
pub use seeds::{SEEDS_NAME, train_one};
pub use weights::export as export_weights;

/// Name of the experiment in artifacts.
pub const NAME: &str = "xor";
/// Points per axis of the evaluation grid.
pub const GRID: usize = 100;

/// Train a small MLP on a logic gate's truth table (XNOR by default).
///
/// Trains with burn's learner (loss and accuracy, dashboard, a checkpoint every epoch),
/// prints the truth table, evaluates a 100×100 grid over [0,1]² and writes
/// surface.png, surface.csv, training_curves.png, model.mpk and summary.json to the
/// artifact directory. `xor restore` reloads a trained model and only evaluates.
// The doc comment is clap's --help text, not markdown.
#[allow(rustdoc::broken_intra_doc_links)]
#[derive(Debug, Parser)]
#[command(name = "xor", version, args_conflicts_with_subcommands = true)]
#[command(allow_negative_numbers = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reload a trained model from an artifact directory, print its truth table, and
    /// evaluate and plot the 100×100 grid (writes surface.png, surface.csv, restore.json).
    Restore(RestoreArgs),
    /// Evaluate a gate network's weights made anywhere (a .safetensors file or a
    /// PyTorch state dict: .pt, .pth) on a truth table, on the compiled-in backend;
    /// writes eval.json.
    Eval(weights::EvalArgs),
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// Run directory of a finished training run [default: the newest finished xor run].
    #[arg(long, value_name = "DIR")]
    artifact_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Starting configuration; the flags below override its values.
    #[arg(long, value_enum, default_value_t = Preset::Zoo)]
    preset: Preset,
    /// Logic gate to learn: and, or, xor, xnor [default: xnor; the keras-sym presets: xor].
    #[arg(long)]
    gate: Option<LogicGate>,
    /// Hidden layer widths, comma-separated [zoo: 8; seed: 2].
    #[arg(long, value_name = "W[,W...]", value_delimiter = ',', value_parser = positive_usize)]
    hidden: Vec<usize>,
    /// Hidden activation: sigmoid, tanh or relu [zoo: tanh; seed: sigmoid].
    #[arg(long, ignore_case = true, value_parser = named::<Activation>())]
    activation: Option<Activation>,
    /// Loss: mse or bce [zoo: bce; seed: mse].
    #[arg(long, ignore_case = true, value_parser = named::<TabularLoss>())]
    loss: Option<TabularLoss>,
    /// Initialisation: glorot (Keras/TensorFlow) or pytorch [default: glorot].
    #[arg(long, ignore_case = true, value_parser = named::<Initialization>())]
    init: Option<Initialization>,
    /// Adam learning rate [default: 0.03; the keras-sym presets: 0.001].
    #[arg(long, value_parser = positive_f64)]
    lr: Option<f64>,
    /// Full-batch optimisation steps [zoo: 2000; seed: 5000; keras-sym: 1000].
    #[arg(long, value_parser = positive_usize)]
    steps: Option<usize>,
    /// Steps per epoch (one validation and checkpoint per epoch); --steps must be a
    /// multiple [default: 500, or --steps if smaller].
    #[arg(long, value_parser = positive_usize)]
    steps_per_epoch: Option<usize>,
    /// Train this many independently seeded nets (seeds --seed, --seed+1, ...) without
    /// the dashboard, and report how many reach 100% accuracy.
    #[arg(long, value_parser = positive_usize, conflicts_with_all = ["resume", "devices"])]
    seeds: Option<usize>,
    #[command(flatten)]
    devices: DeviceArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// The resolved configuration of an XOR run, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XorConfig {
    /// Preset the run started from.
    pub preset: Preset,
    /// Gate name: and, or, xor, xnor.
    pub gate: String,
    /// The network.
    pub model: TabularMlpConfig,
    /// Adam's settings (epsilon 1e-8 as in PyTorch and Keras; burn's default is 1e-5).
    pub optimizer: FusedAdamConfig,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Total full-batch steps.
    pub steps: usize,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
    /// scikit-learn's stopping rule on the training loss, checked every epoch (the
    /// sklearn presets, whose epochs are single steps); `None` trains every step.
    #[serde(default)]
    pub stop: Option<ToleranceStop>,
    /// Seed of parameter initialisation.
    pub seed: u64,
}

impl XorConfig {
    /// The configuration `preset` gives for `gate`, without command-line overrides.
    pub fn from_preset(preset: Preset, gate: LogicGate, seed: u64) -> Self {
        let p = preset.settings();
        Self {
            preset,
            gate: gate.to_string(),
            model: p.model,
            optimizer: p.optimizer,
            learning_rate: p.learning_rate,
            steps: p.steps,
            steps_per_epoch: p.steps_per_epoch,
            stop: p.stop,
            seed,
        }
    }

    /// The gate, parsed from its name.
    pub fn gate(&self) -> Result<LogicGate> {
        self.gate
            .parse()
            .context("config.json names an unknown gate")
    }

    /// Number of epochs: steps / steps per epoch.
    pub fn epochs(&self) -> usize {
        self.steps / self.steps_per_epoch
    }

    fn describe(&self) -> String {
        let hidden: Vec<String> = self.model.hidden.iter().map(|w| w.to_string()).collect();
        let init = match self.model.first_layer_normal {
            Some(n) => format!(
                "first layer N({}, {}²), then {}",
                n.mean, n.std, self.model.initialization
            ),
            None => self.model.initialization.to_string(),
        };
        let stop = self.stop.map_or(String::new(), |s| {
            format!(
                ", stopping when the loss improves by <= {} for {} epochs",
                s.tol,
                s.patience + 1
            )
        });
        format!(
            "{} net {}-{}-{} {} ({init} init), loss {}, Adam lr {}, {} steps = {} epochs x {}{stop}",
            self.gate.to_uppercase(),
            self.model.inputs,
            hidden.join("-"),
            self.model.outputs,
            self.model.activation,
            self.model.loss,
            self.learning_rate,
            self.steps,
            self.epochs(),
            self.steps_per_epoch,
        )
    }
}

impl TrainArgs {
    fn resolve(&self) -> Result<XorConfig> {
        let gate = self.gate.unwrap_or(self.preset.default_gate());
        let mut config = XorConfig::from_preset(self.preset, gate, self.run.seed);
        let model = &mut config.model;
        if !self.hidden.is_empty() {
            model.hidden = self.hidden.clone();
        }
        if let Some(a) = self.activation {
            model.activation = a;
        }
        if let Some(l) = self.loss {
            model.loss = l;
        }
        if let Some(i) = self.init {
            model.initialization = i;
        }
        model.validate()?;
        if let Some(lr) = self.lr {
            config.learning_rate = lr;
        }
        if let Some(steps) = self.steps {
            config.steps = steps;
        }
        config.steps_per_epoch = per_epoch(
            config.steps,
            self.steps_per_epoch,
            config.steps_per_epoch,
            "--steps",
            "--steps-per-epoch",
        )?;
        Ok(config)
    }
}

/// Runs the `xor` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Restore(args)) => {
            restore::restore(&run::finished_run_dir(args.artifact_dir.as_deref(), NAME)?)
        }
        Some(Command::Eval(args)) => weights::eval_weights(&args),
        None => match cli.train.seeds {
            Some(n) => seeds::train_seeds(&cli.train, n),
            None => train::train(&cli.train),
        },
    }
}

/// Prints what is about to be trained, and where.
fn announce(info: &BackendInfo, config: &XorConfig) {
    println!("xor: {}", config.describe());
    println!("backend {info}, seed {}", config.seed);
    if let Some((printed, accuracy)) = config.preset.reference() {
        println!("the course notes printed: {printed} (inputs 00 01 10 11), accuracy {accuracy}");
    }
}
