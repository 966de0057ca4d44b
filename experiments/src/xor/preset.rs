//! Named starting configurations: the zoo's default, the TensorFlow tutorial's net,
//! and the course notes' scikit-learn and Keras nets.

use burn::optim::decay::WeightDecayConfig;
use clap::ValueEnum;
use datasets::gates::{LogicGate, TABLE_ROWS};
use models::fused::optim::FusedAdamConfig;
use models::{Activation, Initialization, NormalInit, TabularLoss, TabularMlpConfig};
use serde::{Deserialize, Serialize};

use crate::{optimizer::ADAM_EPSILON, stopping::ToleranceStop};

/// Named starting configurations; explicit flags override them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// The project's default: 2-8-1 with tanh hidden units, binary cross-entropy,
    /// Adam 0.03, 2,000 steps. Wider hidden layers remove the 2-2-1 net's local
    /// minima, tanh is zero-centred, and cross-entropy keeps gradients alive near
    /// saturated outputs: it converges for every seed tried (docs/experiments/xor.md).
    Zoo,
    /// The TensorFlow tutorial: 2-2-1 sigmoid, mean squared error, Keras
    /// initialisation, Adam 0.03, 5,000 steps. Stalls in a local minimum for some seeds.
    Seed,
    /// Course notes, scikit-learn `MLPClassifier(hidden_layer_sizes=(2,),
    /// activation='logistic', max_iter=10000)`: XOR, log-loss, its initialisation, Adam
    /// 0.001, L2 1e-4, full batches, stopping once the loss stops improving by 1e-4
    /// (10 epochs in a row). The notes: accuracy 0.5, predicts 1 1 1 1.
    SklearnLogistic,
    /// As sklearn-logistic with `activation='relu'`. The notes: accuracy 1.0.
    SklearnRelu,
    /// Course notes, Keras: XOR, 2 sigmoid hidden units whose weights all start from
    /// N(0.75, 0.01) (nearly identical units), sigmoid output, MSE, Adam 0.001, batch 4,
    /// 1,000 epochs. The notes: accuracy 0.75 (outputs 0.517 0.506 0.506 0.492).
    KerasSymSigmoid,
    /// As keras-sym-sigmoid with 2 ReLU hidden units. The notes: accuracy 1.0
    /// (outputs 0.478 0.581 0.581 0.398).
    KerasSymRelu,
    /// As keras-sym-sigmoid with 3 ReLU hidden units. The notes: accuracy 1.0
    /// (outputs 0.320 0.699 0.699 0.297).
    KerasSymRelu3,
}

/// The near-constant initial weights of the course notes' Keras presets.
const SYMMETRIC_INIT: NormalInit = NormalInit {
    mean: 0.75,
    std: 0.01,
};

/// scikit-learn's default L2 penalty `alpha`.
const SKLEARN_ALPHA: f64 = 1e-4;

/// What a preset sets.
#[derive(Debug, Clone)]
pub(super) struct PresetSettings {
    pub model: TabularMlpConfig,
    pub optimizer: FusedAdamConfig,
    pub learning_rate: f64,
    pub steps: usize,
    pub steps_per_epoch: usize,
    pub stop: Option<ToleranceStop>,
}

impl Preset {
    /// The gate a preset learns unless `--gate` says otherwise.
    pub(super) fn default_gate(self) -> LogicGate {
        match self {
            Self::Zoo | Self::Seed => LogicGate::Xnor,
            _ => LogicGate::Xor,
        }
    }

    /// What the preset's source printed, and its accuracy.
    pub fn reference(self) -> Option<(&'static str, f64)> {
        match self {
            Self::Zoo | Self::Seed => None,
            Self::SklearnLogistic => Some(("predicts 1 1 1 1", 0.5)),
            Self::SklearnRelu => Some(("predicts 0 1 1 0", 1.0)),
            Self::KerasSymSigmoid => Some(("outputs 0.517 0.506 0.506 0.492", 0.75)),
            Self::KerasSymRelu => Some(("outputs 0.478 0.581 0.581 0.398", 1.0)),
            Self::KerasSymRelu3 => Some(("outputs 0.320 0.699 0.699 0.297", 1.0)),
        }
    }

    pub(super) fn settings(self) -> PresetSettings {
        let adam = FusedAdamConfig::new().with_epsilon(ADAM_EPSILON);
        let keras = |units: usize, activation: Activation| PresetSettings {
            model: TabularMlpConfig::new()
                .with_hidden(vec![units])
                .with_activation(activation)
                .with_first_layer_normal(Some(SYMMETRIC_INIT)),
            optimizer: adam.clone(),
            learning_rate: 0.001,
            steps: 1_000,
            steps_per_epoch: 500,
            stop: None,
        };
        // scikit-learn adds alpha·W/n to the weights' gradient; burn's weight decay adds
        // penalty·θ to every parameter's (biases too), so penalty = alpha / n.
        let sklearn = |activation: Activation| PresetSettings {
            model: TabularMlpConfig::new()
                .with_activation(activation)
                .with_loss(TabularLoss::Bce)
                .with_initialization(Initialization::Sklearn),
            optimizer: adam.clone().with_weight_decay(Some(WeightDecayConfig::new(
                (SKLEARN_ALPHA / TABLE_ROWS as f64) as f32,
            ))),
            learning_rate: 0.001,
            steps: 10_000,
            steps_per_epoch: 1,
            stop: Some(ToleranceStop::SKLEARN),
        };
        match self {
            Self::Zoo => PresetSettings {
                model: TabularMlpConfig::new()
                    .with_hidden(vec![8])
                    .with_activation(Activation::Tanh)
                    .with_loss(TabularLoss::Bce),
                optimizer: adam,
                learning_rate: 0.03,
                steps: 2_000,
                steps_per_epoch: 500,
                stop: None,
            },
            Self::Seed => PresetSettings {
                model: TabularMlpConfig::new(),
                optimizer: adam,
                learning_rate: 0.03,
                steps: 5_000,
                steps_per_epoch: 500,
                stop: None,
            },
            Self::SklearnLogistic => sklearn(Activation::Sigmoid),
            Self::SklearnRelu => sklearn(Activation::Relu),
            Self::KerasSymSigmoid => keras(2, Activation::Sigmoid),
            Self::KerasSymRelu => keras(2, Activation::Relu),
            Self::KerasSymRelu3 => keras(3, Activation::Relu),
        }
    }
}
