//! A multi-layer perceptron for small tabular inputs with sigmoid outputs: the XOR/XNOR
//! network.
//!
//! The defaults are the TensorFlow XNOR tutorial's network: 2 inputs, one hidden
//! layer of 2 sigmoid units, 1 sigmoid output, mean squared error, and Keras'
//! default initialisation (Glorot-uniform weights, zero biases).

use std::{fmt, str::FromStr};

use burn::{
    config::Config,
    module::{Module, Param},
    nn::{Initializer, Linear, LinearConfig},
    tensor::{
        Tensor,
        activation::{relu, sigmoid, tanh},
        backend::{AutodiffBackend, Backend},
    },
    train::{InferenceStep, TrainOutput, TrainStep},
};
use serde::{Deserialize, Serialize};

use crate::{
    binary::BinaryClassificationOutput,
    layers::{EmptyLayer, check_widths},
};

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `tanh(x)`
    Tanh,
    /// `max(0, x)`
    Relu,
}

/// Training loss of a [`TabularMlp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TabularLoss {
    /// Mean squared error between the sigmoid outputs and the targets (the TensorFlow seed).
    Mse,
    /// Binary cross-entropy, computed from the logits in a numerically stable form.
    Bce,
}

/// How weights and biases are initialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Initialization {
    /// Glorot/Xavier-uniform weights and zero biases: Keras' and TensorFlow's default.
    Glorot,
    /// Kaiming-uniform weights and biases with gain 1/√3: PyTorch's (and burn's) default.
    Pytorch,
}

macro_rules! cli_enum {
    ($ty:ty, $what:literal, $($name:literal => $variant:expr),+ $(,)?) => {
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok($variant),)+
                    _ => Err(format!(
                        concat!("unknown ", $what, " '{}' (expected one of: {})"),
                        s,
                        [$($name),+].join(", ")
                    )),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let name = match self { $(v if *v == $variant => $name,)+ _ => unreachable!() };
                f.write_str(name)
            }
        }
    };
}

cli_enum!(Activation, "activation", "sigmoid" => Activation::Sigmoid, "tanh" => Activation::Tanh, "relu" => Activation::Relu);
cli_enum!(TabularLoss, "loss", "mse" => TabularLoss::Mse, "bce" => TabularLoss::Bce);
cli_enum!(Initialization, "initialisation", "glorot" => Initialization::Glorot, "pytorch" => Initialization::Pytorch);

/// Why a [`TabularMlpConfig`] cannot build a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TabularMlpError {
    /// A layer would have no units.
    #[error(transparent)]
    EmptyLayer(#[from] EmptyLayer),
}

/// Configuration of a [`TabularMlp`].
#[derive(Config, Debug, PartialEq)]
pub struct TabularMlpConfig {
    /// Number of input features.
    #[config(default = 2)]
    pub inputs: usize,
    /// Width of each hidden layer, in order (the seed: one layer of 2 units).
    #[config(default = "vec![2]")]
    pub hidden: Vec<usize>,
    /// Number of sigmoid outputs.
    #[config(default = 1)]
    pub outputs: usize,
    /// Activation of the hidden layers (the seed: sigmoid).
    #[config(default = "Activation::Sigmoid")]
    pub activation: Activation,
    /// Training loss (the seed: mean squared error).
    #[config(default = "TabularLoss::Mse")]
    pub loss: TabularLoss,
    /// Parameter initialisation (the seed: Keras' Glorot-uniform weights, zero biases).
    #[config(default = "Initialization::Glorot")]
    pub initialization: Initialization,
}

impl TabularMlpConfig {
    /// Checks that every layer has at least one unit.
    pub fn validate(&self) -> Result<(), TabularMlpError> {
        Ok(check_widths(self.inputs, &self.hidden, self.outputs)?)
    }

    /// Builds the model on `device` with freshly initialised parameters.
    ///
    /// Seed the backend first (`B::seed`) for reproducible parameters.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<TabularMlp<B>, TabularMlpError> {
        self.validate()?;
        let mut widths = vec![self.inputs];
        widths.extend(&self.hidden);
        let layer = |d_in: usize, d_out: usize| self.linear::<B>(d_in, d_out, device);
        let hidden = widths.windows(2).map(|w| layer(w[0], w[1])).collect();
        let output = layer(
            *widths.last().expect("widths starts with the input"),
            self.outputs,
        );
        Ok(TabularMlp {
            hidden,
            output,
            activation: self.activation,
            loss: self.loss,
        })
    }

    fn linear<B: Backend>(&self, d_in: usize, d_out: usize, device: &B::Device) -> Linear<B> {
        match self.initialization {
            Initialization::Pytorch => LinearConfig::new(d_in, d_out).init(device),
            Initialization::Glorot => {
                let mut linear = LinearConfig::new(d_in, d_out)
                    .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                    .init(device);
                linear.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
                linear
            }
        }
    }
}

/// A multi-layer perceptron with sigmoid outputs for small tabular problems.
///
/// # Shapes
/// - input: `[batch_size, inputs]`
/// - logits and probabilities: `[batch_size, outputs]`
#[derive(Module, Debug)]
pub struct TabularMlp<B: Backend> {
    hidden: Vec<Linear<B>>,
    output: Linear<B>,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    loss: TabularLoss,
}

impl<B: Backend> TabularMlp<B> {
    /// Raw output scores (before the sigmoid).
    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        let x = self.hidden.iter().fold(input, |x, layer| {
            let z = layer.forward(x);
            match self.activation {
                Activation::Sigmoid => sigmoid(z),
                Activation::Tanh => tanh(z),
                Activation::Relu => relu(z),
            }
        });
        self.output.forward(x)
    }

    /// Output probabilities: the sigmoid of [`forward`](Self::forward).
    pub fn predict(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        sigmoid(self.forward(input))
    }

    /// The loss this model trains on, as configured.
    pub fn loss_kind(&self) -> TabularLoss {
        self.loss
    }

    /// Forward pass plus the configured loss against 0/1 `targets`.
    pub fn forward_classification(
        &self,
        inputs: Tensor<B, 2>,
        targets: Tensor<B, 2>,
    ) -> BinaryClassificationOutput<B> {
        let logits = self.forward(inputs);
        let probabilities = sigmoid(logits.clone());
        let loss = match self.loss {
            TabularLoss::Mse => mse_loss(probabilities.clone(), targets.clone()),
            TabularLoss::Bce => bce_with_logits_loss(logits, targets.clone()),
        };
        BinaryClassificationOutput {
            loss,
            probabilities,
            targets,
        }
    }
}

/// Mean squared error `mean((p - y)²)`, shape `[1]`.
pub fn mse_loss<B: Backend>(predictions: Tensor<B, 2>, targets: Tensor<B, 2>) -> Tensor<B, 1> {
    (predictions - targets).powi_scalar(2).mean()
}

/// Binary cross-entropy of `sigmoid(logits)` against `targets`, averaged, shape `[1]`.
///
/// Computed as `max(z, 0) − z·y + ln(1 + e^−|z|)`, which never overflows.
pub fn bce_with_logits_loss<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let softplus_tail = logits.clone().abs().neg().exp().log1p();
    (relu(logits.clone()) - logits * targets + softplus_tail).mean()
}

impl<B: AutodiffBackend> TrainStep for TabularMlp<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = BinaryClassificationOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_classification(inputs, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: Backend> InferenceStep for TabularMlp<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = BinaryClassificationOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> Self::Output {
        self.forward_classification(inputs, targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend as B;

    #[test]
    fn shapes_follow_the_config() {
        let device = Default::default();
        let model = TabularMlpConfig::new()
            .with_hidden(vec![5, 3])
            .init::<B>(&device)
            .unwrap();
        let x = Tensor::<B, 2>::zeros([7, 2], &device);
        assert_eq!(model.forward(x).dims(), [7, 1]);
    }

    #[test]
    fn zero_width_layers_are_rejected() {
        let err = TabularMlpConfig::new().with_hidden(vec![3, 0]).validate();
        assert_eq!(
            err.unwrap_err().to_string(),
            "hidden layer 2 must have at least one unit, got 0"
        );
        assert!(TabularMlpConfig::new().with_outputs(0).validate().is_err());
    }

    #[test]
    fn glorot_initialisation_has_zero_biases() {
        let model = TabularMlpConfig::new()
            .init::<B>(&Default::default())
            .unwrap();
        let bias = model.output.bias.as_ref().unwrap().val();
        assert_eq!(bias.to_data().to_vec::<f32>().unwrap(), vec![0.0]);
    }

    #[test]
    fn losses_match_hand_computed_values() {
        let device = Default::default();
        let p = Tensor::<B, 2>::from_floats([[0.5], [1.0]], &device);
        let y = Tensor::<B, 2>::from_floats([[1.0], [1.0]], &device);
        let mse: f32 = mse_loss(p, y).into_scalar();
        assert!((mse - 0.125).abs() < 1e-7);

        // z = 0 gives ln 2 whatever the target; z = 2, y = 1 gives ln(1 + e^-2).
        let z = Tensor::<B, 2>::from_floats([[0.0], [2.0], [-50.0]], &device);
        let y = Tensor::<B, 2>::from_floats([[0.0], [1.0], [0.0]], &device);
        let bce: f32 = bce_with_logits_loss(z, y).into_scalar();
        let expected = (2f32.ln() + (1.0 + (-2f32).exp()).ln() + (1.0 + (-50f32).exp()).ln()) / 3.0;
        assert!((bce - expected).abs() < 1e-6, "{bce} vs {expected}");
    }

    #[test]
    fn cli_names_round_trip() {
        for a in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
            assert_eq!(a.to_string().parse::<Activation>(), Ok(a));
        }
        assert!("gelu".parse::<Activation>().unwrap_err().contains("'gelu'"));
        assert_eq!("BCE".parse::<TabularLoss>(), Ok(TabularLoss::Bce));
    }
}
