//! Dense layers with identity outputs, trained on mean squared error: the bit-reversal
//! network.
//!
//! The defaults are a Keras tutorial's network: one `Dense` layer (no hidden layer, no
//! activation), Glorot-uniform weights and zero biases. Hidden layers, with an
//! activation, are an option.

use burn::{
    config::Config,
    module::Module,
    nn::Linear,
    tensor::{
        Tensor,
        activation::{relu, sigmoid, tanh},
        backend::{AutodiffBackend, Backend},
    },
    train::{InferenceStep, RegressionOutput, TrainOutput, TrainStep},
};

use crate::{
    layers::{Activation, EmptyLayer, Initialization, check_widths, dense_layer, linear_widths},
    loss::mse_loss,
    torch::{TorchEquivalent, TorchExport},
};

/// Configuration of a [`DenseRegressor`].
#[derive(Config, Debug, PartialEq)]
pub struct DenseRegressorConfig {
    /// Number of inputs.
    pub inputs: usize,
    /// Number of outputs.
    pub outputs: usize,
    /// Width of each hidden layer, in order (the seed: none).
    #[config(default = "vec![]")]
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers (the outputs have none).
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Parameter initialisation (the seed: Keras' Glorot-uniform weights, zero biases).
    #[config(default = "Initialization::Glorot")]
    pub initialization: Initialization,
}

impl DenseRegressorConfig {
    /// Checks that every layer has at least one unit.
    pub fn validate(&self) -> Result<(), EmptyLayer> {
        check_widths(self.inputs, &self.hidden, self.outputs)
    }

    /// Builds the model on `device`; seed the backend first for reproducible weights.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<DenseRegressor<B>, EmptyLayer> {
        self.validate()?;
        let mut widths = vec![self.inputs];
        widths.extend(&self.hidden);
        widths.push(self.outputs);
        let layers = widths
            .windows(2)
            .map(|w| dense_layer(self.initialization, self.activation, w[0], w[1], device))
            .collect();
        Ok(DenseRegressor {
            layers,
            activation: self.activation,
        })
    }
}

/// Dense layers, the hidden ones activated, the last one linear.
///
/// # Shapes
/// - input: `[batch_size, inputs]`
/// - output: `[batch_size, outputs]`
#[derive(Module, Debug)]
pub struct DenseRegressor<B: Backend> {
    layers: Vec<Linear<B>>,
    #[module(skip)]
    activation: Activation,
}

impl<B: Backend> DenseRegressor<B> {
    /// The outputs.
    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(input, |x, (i, layer)| {
            let z = layer.forward(x);
            match (i == last, self.activation) {
                (true, _) => z,
                (false, Activation::Sigmoid) => sigmoid(z),
                (false, Activation::Tanh) => tanh(z),
                (false, Activation::Relu) => relu(z),
            }
        })
    }

    /// The first layer's weights, `[inputs, units]`: row `i` holds every weight that
    /// input `i` feeds.
    pub fn first_weights(&self) -> Tensor<B, 2> {
        self.layers[0].weight.val()
    }

    /// Forward pass plus mean squared error against `targets`, as burn's regression
    /// output.
    pub fn forward_regression(
        &self,
        inputs: Tensor<B, 2>,
        targets: Tensor<B, 2>,
    ) -> RegressionOutput<B> {
        let output = self.forward(inputs);
        let loss = mse_loss(output.clone(), targets.clone());
        RegressionOutput {
            loss,
            output,
            targets,
        }
    }
}

impl<B: AutodiffBackend> TrainStep for DenseRegressor<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = RegressionOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_regression(inputs, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: Backend> InferenceStep for DenseRegressor<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = RegressionOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> Self::Output {
        self.forward_regression(inputs, targets)
    }
}

impl<B: Backend> TorchExport for DenseRegressor<B> {
    /// `Sequential(Linear, activation, …, Linear)`.
    fn torch_equivalent(&self) -> TorchEquivalent {
        let layers: Vec<&Linear<B>> = self.layers.iter().collect();
        let paths: Vec<String> = (0..layers.len()).map(|i| format!("layers.{i}")).collect();
        TorchEquivalent::dense(&paths, &linear_widths(&layers), self.activation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend as B;

    #[test]
    fn shapes_and_identity_outputs() {
        let device = Default::default();
        let single = DenseRegressorConfig::new(4, 4).init::<B>(&device).unwrap();
        assert_eq!(single.first_weights().dims(), [4, 4]);
        // No activation on the output: negative outputs pass through.
        let x = Tensor::<B, 2>::from_floats([[-3.0, 0.0, 0.0, 0.0]], &device);
        let w0 = single.first_weights().slice(0..1);
        let out = single.forward(x);
        let expected = w0.mul_scalar(-3.0);
        assert!(out.sub(expected).abs().max().into_scalar() < 1e-6);

        let deep = DenseRegressorConfig::new(4, 4)
            .with_hidden(vec![6, 5])
            .init::<B>(&device)
            .unwrap();
        assert_eq!(deep.first_weights().dims(), [4, 6]);
        assert_eq!(deep.forward(Tensor::zeros([3, 4], &device)).dims(), [3, 4]);
        assert!(DenseRegressorConfig::new(4, 0).validate().is_err());
    }
}
