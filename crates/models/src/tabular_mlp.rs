//! A multi-layer perceptron for small tabular inputs with sigmoid outputs: the XOR/XNOR
//! network.
//!
//! The defaults are the TensorFlow XNOR tutorial's network: 2 inputs, one hidden
//! layer of 2 sigmoid units, 1 sigmoid output, mean squared error, and Keras'
//! default initialisation (Glorot-uniform weights, zero biases).

use burn::{
    config::Config,
    module::{Module, Param},
    nn::Linear,
    tensor::{
        Distribution, Tensor,
        activation::{sigmoid, tanh},
        backend::{AutodiffBackend, Backend},
    },
    train::{InferenceStep, TrainOutput, TrainStep},
};
use serde::{Deserialize, Serialize};

use crate::{
    binary::BinaryClassificationOutput,
    fused::{DenseActivation, ZooBackend, dense},
    layers::{
        Activation, EmptyLayer, Initialization, check_widths, dense_layer, hidden_then_output,
    },
    loss::{bce_with_logits_loss, mse_loss},
    torch::{TorchEquivalent, TorchExport},
};

/// Training loss of a [`TabularMlp`] (`mse`, `bce`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum TabularLoss {
    /// Mean squared error between the sigmoid outputs and the targets (the TensorFlow seed).
    Mse,
    /// Binary cross-entropy, computed from the logits in a numerically stable form.
    Bce,
}

/// Why a [`TabularMlpConfig`] cannot build a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TabularMlpError {
    /// A layer would have no units.
    #[error(transparent)]
    EmptyLayer(#[from] EmptyLayer),
    /// The first layer's normal initialisation has a non-finite mean or a bad spread.
    #[error(
        "the first layer's initial weights need a finite mean and a finite spread >= 0, got N({0}, {1}²)"
    )]
    BadNormal(f64, f64),
    /// A first-layer initialisation was given for a net without hidden layers.
    #[error("a first-layer initialisation needs a hidden layer, and the net has none")]
    NoHiddenLayer,
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
    /// Draw every weight of the first hidden layer from this normal distribution
    /// instead (Keras `RandomNormal`): with a small spread the hidden units start nearly
    /// identical. `None`: the layer follows `initialization` like the others.
    #[config(default = "None")]
    pub first_layer_normal: Option<NormalInit>,
}

/// A normal distribution `N(mean, std²)` for initial weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalInit {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub std: f64,
}

impl TabularMlpConfig {
    /// Checks that every layer has at least one unit, and the first layer's normal
    /// initialisation (a finite mean, a finite spread ≥ 0, and a hidden layer to apply to).
    pub fn validate(&self) -> Result<(), TabularMlpError> {
        check_widths(self.inputs, &self.hidden, self.outputs)?;
        if let Some(n) = self.first_layer_normal {
            if !(n.mean.is_finite() && n.std.is_finite() && n.std >= 0.0) {
                return Err(TabularMlpError::BadNormal(n.mean, n.std));
            }
            if self.hidden.is_empty() {
                return Err(TabularMlpError::NoHiddenLayer);
            }
        }
        Ok(())
    }

    /// Builds the model on `device` with freshly initialised parameters.
    ///
    /// Seed the backend first (`B::seed`) for reproducible parameters.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<TabularMlp<B>, TabularMlpError> {
        self.validate()?;
        let mut widths = vec![self.inputs];
        widths.extend(&self.hidden);
        let layer = |d_in: usize, d_out: usize| self.linear::<B>(d_in, d_out, device);
        let mut hidden: Vec<Linear<B>> = widths.windows(2).map(|w| layer(w[0], w[1])).collect();
        if let (Some(normal), Some(first)) = (self.first_layer_normal, hidden.first_mut()) {
            let [d_in, d_out] = first.weight.dims();
            first.weight = Param::from_tensor(Tensor::random(
                [d_in, d_out],
                Distribution::Normal(normal.mean, normal.std),
                device,
            ));
        }
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
        dense_layer(self.initialization, self.activation, d_in, d_out, device)
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
    /// The weights of hidden layer `layer` (0 = the first), `[inputs, units]`: column
    /// `j` holds unit `j`'s incoming weights. `None` past the last hidden layer.
    pub fn hidden_weights(&self, layer: usize) -> Option<Tensor<B, 2>> {
        self.hidden.get(layer).map(|l| l.weight.val())
    }

    /// The biases of hidden layer `layer` (0 = the first), `[units]`.
    pub fn hidden_biases(&self, layer: usize) -> Option<Tensor<B, 1>> {
        let l = self.hidden.get(layer)?;
        let [_, units] = l.weight.dims();
        Some(
            l.bias
                .as_ref()
                .map_or_else(|| Tensor::zeros([units], &l.weight.device()), |b| b.val()),
        )
    }
}

impl<B: ZooBackend> TabularMlp<B> {
    /// Raw output scores (before the sigmoid). Each layer is one fused dense operation
    /// ([`dense`]); ReLU is fused into it, sigmoid and tanh follow it.
    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        let x = self
            .hidden
            .iter()
            .fold(input, |x, layer| match self.activation {
                Activation::Sigmoid => sigmoid(dense(x, layer, DenseActivation::Identity)),
                Activation::Tanh => tanh(dense(x, layer, DenseActivation::Identity)),
                Activation::Relu => dense(x, layer, DenseActivation::Relu),
            });
        dense(x, &self.output, DenseActivation::Identity)
    }

    /// Output probabilities: the sigmoid of [`forward`](Self::forward).
    pub fn predict(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        sigmoid(self.forward(input))
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

impl<B: AutodiffBackend + ZooBackend> TrainStep for TabularMlp<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = BinaryClassificationOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_classification(inputs, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: ZooBackend> InferenceStep for TabularMlp<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = BinaryClassificationOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> Self::Output {
        self.forward_classification(inputs, targets)
    }
}

impl<B: Backend> TorchExport for TabularMlp<B> {
    /// `Sequential(Linear, activation, …, Linear)`: the raw scores of
    /// [`TabularMlp::forward`] (a sigmoid gives the probabilities).
    fn torch_equivalent(&self) -> TorchEquivalent {
        hidden_then_output(&self.hidden, &self.output, self.activation)
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
    fn a_near_constant_first_layer_starts_its_units_nearly_identical() {
        let device = Default::default();
        let config = TabularMlpConfig::new().with_first_layer_normal(Some(NormalInit {
            mean: 0.75,
            std: 0.01,
        }));
        B::seed(&device, 5);
        let model = config.init::<B>(&device).unwrap();
        let w = model
            .hidden_weights(0)
            .unwrap()
            .to_data()
            .to_vec::<f32>()
            .unwrap();
        assert_eq!(w.len(), 4);
        assert!(w.iter().all(|v| (v - 0.75).abs() < 0.06), "{w:?}");
        assert!(
            w.windows(2).any(|p| p[0] != p[1]),
            "drawn, not constant: {w:?}"
        );
        assert_eq!(
            model
                .hidden_biases(0)
                .unwrap()
                .to_data()
                .to_vec::<f32>()
                .unwrap(),
            vec![0.0; 2]
        );

        let bad = config.clone().with_first_layer_normal(Some(NormalInit {
            mean: 0.0,
            std: -1.0,
        }));
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("spread >= 0")
        );
        let no_hidden = config.with_hidden(vec![]);
        assert_eq!(no_hidden.validate(), Err(TabularMlpError::NoHiddenLayer));
    }

    #[test]
    fn sklearn_initialisation_draws_weights_and_biases_within_its_bound() {
        let device = Default::default();
        for (activation, factor) in [(Activation::Sigmoid, 2.0), (Activation::Relu, 6.0)] {
            B::seed(&device, 3);
            let model = TabularMlpConfig::new()
                .with_activation(activation)
                .with_initialization(Initialization::Sklearn)
                .init::<B>(&device)
                .unwrap();
            let bound = (factor / 4.0f64).sqrt() as f32; // 2 inputs, 2 units
            let w = model
                .hidden_weights(0)
                .unwrap()
                .to_data()
                .to_vec::<f32>()
                .unwrap();
            let b = model
                .hidden_biases(0)
                .unwrap()
                .to_data()
                .to_vec::<f32>()
                .unwrap();
            assert!(
                w.iter().chain(&b).all(|v| v.abs() <= bound),
                "{activation}: {w:?} {b:?}"
            );
            assert!(b.iter().all(|v| *v != 0.0), "biases are drawn too: {b:?}");
        }
        assert_eq!(
            "sklearn".parse::<Initialization>(),
            Ok(Initialization::Sklearn)
        );
    }

    #[test]
    fn cli_names_round_trip() {
        for l in [TabularLoss::Mse, TabularLoss::Bce] {
            assert_eq!(l.to_string().parse::<TabularLoss>(), Ok(l));
        }
        assert_eq!("BCE".parse::<TabularLoss>(), Ok(TabularLoss::Bce));
    }
}
