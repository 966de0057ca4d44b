//! A multi-layer perceptron classifier: the TensorFlow MNIST tutorial's network.
//!
//! Defaults: 784 inputs (a flattened 28×28 image), one hidden layer of 512 ReLU
//! units, 10 outputs (logits; softmax lives in the cross-entropy loss), no dropout.

use crate::fused::{DenseActivation, ZooBackend, dense};
use crate::layers::{Activation, EmptyLayer, check_widths, hidden_then_output};
use crate::loss::cross_entropy;
use crate::torch::{TorchEquivalent, TorchExport};
use burn::{
    config::Config,
    module::Module,
    nn::{Dropout, DropoutConfig, Linear, LinearConfig},
    tensor::{
        Int, Tensor,
        backend::{AutodiffBackend, Backend},
    },
    train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep},
};

/// Why a [`MlpClassifierConfig`] cannot build a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MlpClassifierError {
    /// A layer would have no units.
    #[error(transparent)]
    EmptyLayer(#[from] EmptyLayer),
    /// Dropout outside `[0, 1)`.
    #[error("dropout must be in [0, 1), got {0}")]
    BadDropout(f64),
}

/// Configuration of an [`MlpClassifier`].
#[derive(Config, Debug, PartialEq)]
pub struct MlpClassifierConfig {
    /// Input features (784 for a flattened 28×28 image).
    #[config(default = 784)]
    pub inputs: usize,
    /// Hidden layer widths (the seed: one layer of 512; Keras' variant: 32).
    #[config(default = "vec![512]")]
    pub hidden: Vec<usize>,
    /// Number of classes.
    #[config(default = 10)]
    pub classes: usize,
    /// Dropout probability after each hidden activation (0 disables it).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl MlpClassifierConfig {
    /// Checks layer widths and the dropout probability.
    pub fn validate(&self) -> Result<(), MlpClassifierError> {
        check_widths(self.inputs, &self.hidden, self.classes)?;
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(MlpClassifierError::BadDropout(self.dropout));
        }
        Ok(())
    }

    /// Builds the model on `device` (seed the backend first for reproducible weights).
    pub fn init<B: Backend>(
        &self,
        device: &B::Device,
    ) -> Result<MlpClassifier<B>, MlpClassifierError> {
        self.validate()?;
        let mut widths = vec![self.inputs];
        widths.extend(&self.hidden);
        let hidden = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        let last = *widths.last().expect("widths starts with the input");
        Ok(MlpClassifier {
            hidden,
            output: LinearConfig::new(last, self.classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
        })
    }
}

/// A ReLU multi-layer perceptron that outputs class logits.
///
/// # Shapes
/// - input: `[batch_size, inputs]`
/// - logits: `[batch_size, classes]`
#[derive(Module, Debug)]
pub struct MlpClassifier<B: Backend> {
    hidden: Vec<Linear<B>>,
    output: Linear<B>,
    dropout: Dropout,
}

impl<B: ZooBackend> MlpClassifier<B> {
    /// Class logits. Each layer is one fused dense operation ([`dense`]: matrix
    /// product, bias and ReLU).
    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        let x = self.hidden.iter().fold(input, |x, layer| {
            self.dropout.forward(dense(x, layer, DenseActivation::Relu))
        });
        dense(x, &self.output, DenseActivation::Identity)
    }

    /// Forward pass plus the mean cross-entropy against `targets` (class indices).
    pub fn forward_classification(
        &self,
        images: Tensor<B, 2>,
        targets: Tensor<B, 1, Int>,
    ) -> ClassificationOutput<B> {
        let logits = self.forward(images);
        let loss = cross_entropy(logits.clone(), targets.clone());
        ClassificationOutput::new(loss, logits, targets)
    }
}

impl<B: AutodiffBackend + ZooBackend> TrainStep for MlpClassifier<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 1, Int>);
    type Output = ClassificationOutput<B>;

    fn step(&self, (images, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_classification(images, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: ZooBackend> InferenceStep for MlpClassifier<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 1, Int>);
    type Output = ClassificationOutput<B>;

    fn step(&self, (images, targets): Self::Input) -> Self::Output {
        self.forward_classification(images, targets)
    }
}

impl<B: Backend> TorchExport for MlpClassifier<B> {
    /// `Sequential(Linear, ReLU, …, Linear)`, logits out (dropout is the identity at
    /// inference and is left out).
    fn torch_equivalent(&self) -> TorchEquivalent {
        hidden_then_output(&self.hidden, &self.output, Activation::Relu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend;

    #[test]
    fn shapes_and_validation() {
        let device = Default::default();
        let model = MlpClassifierConfig::new()
            .with_hidden(vec![16, 8])
            .init::<TestBackend>(&device)
            .unwrap();
        let logits = model.forward(Tensor::zeros([3, 784], &device));
        assert_eq!(logits.dims(), [3, 10]);
        assert!(
            MlpClassifierConfig::new()
                .with_hidden(vec![0])
                .validate()
                .is_err()
        );
        assert_eq!(
            MlpClassifierConfig::new().with_dropout(1.0).validate(),
            Err(MlpClassifierError::BadDropout(1.0))
        );
    }
}
