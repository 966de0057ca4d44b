//! Checks and layer construction shared by the multi-layer perceptrons.

use burn::{
    module::Param,
    nn::{Initializer, Linear, LinearConfig},
    tensor::{Distribution, Tensor, backend::Backend},
};

use crate::tabular_mlp::{Activation, Initialization};

/// A layer that would have no units.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{layer} must have at least one unit, got 0")]
pub struct EmptyLayer {
    /// Which layer: "the input", "hidden layer 2", "the output".
    pub layer: String,
}

/// Checks that the input, every hidden layer and the output have at least one unit.
pub fn check_widths(inputs: usize, hidden: &[usize], outputs: usize) -> Result<(), EmptyLayer> {
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
