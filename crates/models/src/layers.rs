//! What the multi-layer perceptrons share: the hidden-layer [`Activation`], the
//! parameter [`Initialization`], the width check and the construction of a dense layer.
//!
//! This module depends on nothing else in the crate; the models import from it.

use burn::{
    module::Param,
    nn::{Initializer, Linear, LinearConfig},
    tensor::{Distribution, Tensor, backend::Backend},
};
use serde::{Deserialize, Serialize};

/// Hidden-layer activation (`sigmoid`, `tanh`, `relu` on the command line and in JSON).
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
pub enum Activation {
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `tanh(x)`
    Tanh,
    /// `max(0, x)`
    Relu,
}

/// How weights and biases are initialised (`glorot`, `pytorch`, `sklearn`).
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
pub enum Initialization {
    /// Glorot/Xavier-uniform weights and zero biases: Keras' and TensorFlow's default.
    Glorot,
    /// Kaiming-uniform weights and biases with gain 1/√3: PyTorch's (and burn's) default.
    Pytorch,
    /// scikit-learn `MLPClassifier`'s: weights and biases uniform in ±√(f / (fan_in +
    /// fan_out)), f = 2 when the hidden activation is sigmoid ("logistic"), else 6 (for
    /// every layer, the output included).
    Sklearn,
}

/// A layer that would have no units.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{layer} must have at least one unit, got 0")]
pub struct EmptyLayer {
    /// Which layer: "the input", "hidden layer 2", "the output".
    pub layer: String,
}

/// Checks that the input, every hidden layer and the output have at least one unit.
pub(crate) fn check_widths(
    inputs: usize,
    hidden: &[usize],
    outputs: usize,
) -> Result<(), EmptyLayer> {
    let empty = |layer: String| Err(EmptyLayer { layer });
    if inputs == 0 {
        return empty("the input".into());
    }
    if let Some(i) = hidden.iter().position(|&w| w == 0) {
        return empty(format!("hidden layer {}", i + 1));
    }
    if outputs == 0 {
        return empty("the output".into());
    }
    Ok(())
}

/// A dense layer `d_in → d_out` initialised by `init` (scikit-learn's rule depends on
/// the net's hidden `activation`).
pub(crate) fn dense_layer<B: Backend>(
    init: Initialization,
    activation: Activation,
    d_in: usize,
    d_out: usize,
    device: &B::Device,
) -> Linear<B> {
    match init {
        Initialization::Pytorch => LinearConfig::new(d_in, d_out).init(device),
        Initialization::Glorot => {
            let mut linear = LinearConfig::new(d_in, d_out)
                .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                .init(device);
            linear.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
            linear
        }
        Initialization::Sklearn => {
            let factor = if activation == Activation::Sigmoid {
                2.0
            } else {
                6.0
            };
            let bound = (factor / (d_in + d_out) as f64).sqrt();
            let uniform = Distribution::Uniform(-bound, bound);
            let mut linear = LinearConfig::new(d_in, d_out).init(device);
            linear.weight = Param::from_tensor(Tensor::random([d_in, d_out], uniform, device));
            linear.bias = Some(Param::from_tensor(Tensor::random([d_out], uniform, device)));
            linear
        }
    }
}

/// The PyTorch equivalent of hidden layers `hidden.<i>` and a layer `output`, with
/// `activation` between them.
pub(crate) fn hidden_then_output<B: Backend>(
    hidden: &[Linear<B>],
    output: &Linear<B>,
    activation: Activation,
) -> crate::torch::TorchEquivalent {
    let layers: Vec<&Linear<B>> = hidden.iter().chain([output]).collect();
    let mut paths: Vec<String> = (0..hidden.len()).map(|i| format!("hidden.{i}")).collect();
    paths.push("output".into());
    crate::torch::TorchEquivalent::dense(&paths, &linear_widths(&layers), activation)
}

/// The widths of a chain of dense layers: the first one's inputs, then each one's outputs.
pub(crate) fn linear_widths<B: Backend>(layers: &[&Linear<B>]) -> Vec<usize> {
    let mut widths: Vec<usize> = layers
        .first()
        .map(|l| l.weight.dims()[0])
        .into_iter()
        .collect();
    widths.extend(layers.iter().map(|l| l.weight.dims()[1]));
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_names_round_trip() {
        for a in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
            assert_eq!(a.to_string().parse::<Activation>(), Ok(a));
        }
        assert!("gelu".parse::<Activation>().is_err());
        assert_eq!("ReLU".parse::<Activation>(), Ok(Activation::Relu));
        for i in [
            Initialization::Glorot,
            Initialization::Pytorch,
            Initialization::Sklearn,
        ] {
            assert_eq!(i.to_string().parse::<Initialization>(), Ok(i));
        }
        assert_eq!(
            "SKLEARN".parse::<Initialization>(),
            Ok(Initialization::Sklearn)
        );
    }
}
