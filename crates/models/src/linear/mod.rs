//! Linear regression `y = xW + b` for any number of inputs and outputs, trained on mean
//! squared error with an optional L2 penalty on the weights (ridge).
//!
//! The objective is `mean((xW + b − y)²) + l2·‖W‖²`, the mean taken over rows and
//! outputs; the bias is not penalised. (scikit-learn's `Ridge(alpha)` minimises
//! `‖y − Xw‖² + alpha·‖w‖²`: for one output, `alpha = n·l2`.) [`least_squares`] solves
//! the same objective exactly, to check what gradient descent finds.
//!
//! The same model with one output per class, read by arg-max and trained on softmax
//! cross-entropy ([`LinearModel::forward_classification`]), is the linear classifier of
//! the LCD-digits experiment.

mod exact;

use burn::{
    config::Config,
    module::Module,
    nn::{Initializer, Linear, LinearConfig},
    tensor::{
        Int, Tensor,
        backend::{AutodiffBackend, Backend},
    },
    train::{ClassificationOutput, InferenceStep, RegressionOutput, TrainOutput, TrainStep},
};

use crate::{
    layers::{Activation, linear_widths},
    loss::{cross_entropy, mse_loss},
    torch::{TorchEquivalent, TorchExport},
};

pub use exact::{ExactFit, least_squares};

/// Why a linear model cannot be built or fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinearError {
    /// The model would have no inputs or no outputs.
    #[error("a linear model needs at least one {0}, got 0")]
    Empty(&'static str),
    /// The L2 penalty is negative or not finite.
    #[error("the L2 penalty must be a finite number >= 0, got {0}")]
    BadPenalty(f64),
    /// Data buffers that do not form whole rows of the declared widths.
    #[error("{values} values do not form rows of {width} {what}")]
    Ragged {
        /// Inputs or targets.
        what: &'static str,
        /// Number of values.
        values: usize,
        /// Declared width.
        width: usize,
    },
    /// Inputs and targets have different row counts.
    #[error("{inputs} input rows but {targets} target rows")]
    RowMismatch {
        /// Input rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
    /// The normal equations have no unique solution.
    #[error(
        "the least-squares problem has no unique solution (a constant or collinear input column); add an L2 penalty"
    )]
    Singular,
}

/// Configuration of a [`LinearModel`].
#[derive(Config, Debug, PartialEq)]
pub struct LinearModelConfig {
    /// Number of input features.
    pub inputs: usize,
    /// Number of outputs.
    #[config(default = 1)]
    pub outputs: usize,
    /// L2 penalty on the weights (0 = ordinary least squares).
    #[config(default = 0.0)]
    pub l2: f64,
}

impl LinearModelConfig {
    /// Checks the widths and the penalty.
    pub fn validate(&self) -> Result<(), LinearError> {
        if self.inputs == 0 {
            return Err(LinearError::Empty("input"));
        }
        if self.outputs == 0 {
            return Err(LinearError::Empty("output"));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(LinearError::BadPenalty(self.l2));
        }
        Ok(())
    }

    /// Builds the model on `device` with zero weights and bias (the problem is convex:
    /// the start does not matter, and zero makes runs reproducible).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<LinearModel<B>, LinearError> {
        self.validate()?;
        let linear = LinearConfig::new(self.inputs, self.outputs)
            .with_initializer(Initializer::Zeros)
            .init(device);
        Ok(LinearModel {
            linear,
            l2: self.l2,
        })
    }
}

/// `y = xW + b`.
///
/// # Shapes
/// - input: `[batch_size, inputs]`
/// - output: `[batch_size, outputs]`
/// - weights `W`: `[inputs, outputs]`, bias `b`: `[outputs]`
#[derive(Module, Debug)]
pub struct LinearModel<B: Backend> {
    linear: Linear<B>,
    #[module(skip)]
    l2: f64,
}

impl<B: Backend> LinearModel<B> {
    /// The predictions `xW + b`.
    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        self.linear.forward(input)
    }

    /// The weight matrix `W`, `[inputs, outputs]`.
    pub fn weights(&self) -> Tensor<B, 2> {
        self.linear.weight.val()
    }

    /// The bias `b`, `[outputs]`.
    pub fn bias(&self) -> Tensor<B, 1> {
        let [_, outputs] = self.linear.weight.dims();
        self.linear.bias.as_ref().map_or_else(
            || Tensor::zeros([outputs], &self.linear.weight.device()),
            |b| b.val(),
        )
    }

    /// The L2 penalty `l2·‖W‖²`, shape `[1]`.
    pub fn penalty(&self) -> Tensor<B, 1> {
        self.weights().powi_scalar(2).sum().mul_scalar(self.l2)
    }

    /// The objective: mean squared error of `predictions` plus the L2 penalty, shape `[1]`.
    pub fn loss(&self, predictions: Tensor<B, 2>, targets: Tensor<B, 2>) -> Tensor<B, 1> {
        let mse = mse_loss(predictions, targets);
        if self.l2 > 0.0 {
            mse + self.penalty()
        } else {
            mse
        }
    }

    /// Forward pass plus [`loss`](Self::loss), as burn's regression output.
    pub fn forward_regression(
        &self,
        inputs: Tensor<B, 2>,
        targets: Tensor<B, 2>,
    ) -> RegressionOutput<B> {
        let output = self.forward(inputs);
        let loss = self.loss(output.clone(), targets.clone());
        RegressionOutput {
            loss,
            output,
            targets,
        }
    }

    /// The model as a linear classifier (one output per class, arg-max): forward pass
    /// plus softmax cross-entropy against class indices and the L2 penalty.
    pub fn forward_classification(
        &self,
        inputs: Tensor<B, 2>,
        targets: Tensor<B, 1, Int>,
    ) -> ClassificationOutput<B> {
        let output = self.forward(inputs);
        let loss = cross_entropy(output.clone(), targets.clone());
        let loss = if self.l2 > 0.0 {
            loss + self.penalty()
        } else {
            loss
        };
        ClassificationOutput::new(loss, output, targets)
    }
}

impl<B: AutodiffBackend> TrainStep for LinearModel<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = RegressionOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_regression(inputs, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: Backend> InferenceStep for LinearModel<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 2>);
    type Output = RegressionOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> Self::Output {
        self.forward_regression(inputs, targets)
    }
}

impl<B: Backend> TorchExport for LinearModel<B> {
    /// `Sequential(Linear(inputs, outputs))`.
    fn torch_equivalent(&self) -> TorchEquivalent {
        TorchEquivalent::dense(
            &["linear".to_string()],
            &linear_widths(&[&self.linear]),
            Activation::Relu,
        )
    }
}

#[cfg(test)]
mod tests {
    use burn::{
        optim::{GradientsParams, Optimizer, SgdConfig},
        tensor::TensorData,
    };

    use super::*;
    use crate::test_backend::{TestAutodiffBackend as B, TestBackend};

    #[test]
    fn bad_configs_are_rejected() {
        assert_eq!(
            LinearModelConfig::new(0).validate(),
            Err(LinearError::Empty("input"))
        );
        assert!(
            LinearModelConfig::new(2)
                .with_outputs(0)
                .validate()
                .is_err()
        );
        let err = LinearModelConfig::new(2)
            .with_l2(-0.5)
            .validate()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the L2 penalty must be a finite number >= 0, got -0.5"
        );
        assert!(
            LinearModelConfig::new(2)
                .with_l2(f64::NAN)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn loss_and_penalty_match_hand_computed_values() {
        let device = Default::default();
        let model = LinearModelConfig::new(2)
            .with_l2(0.5)
            .init::<TestBackend>(&device)
            .unwrap();
        // Zero weights: predictions are 0, the penalty is 0.
        let x = Tensor::<TestBackend, 2>::from_floats([[1.0, 2.0], [3.0, 4.0]], &device);
        let y = Tensor::<TestBackend, 2>::from_floats([[1.0], [3.0]], &device);
        let out = model.forward_regression(x, y);
        assert_eq!(out.output.dims(), [2, 1]);
        assert_eq!(out.loss.into_scalar(), 5.0); // (1 + 9) / 2
    }

    /// Gradient descent on the objective converges to the exact ridge solution.
    #[test]
    fn gradient_descent_reaches_the_exact_solution() {
        let device = Default::default();
        let x = [
            0.5f32, -1.0, 1.5, 0.2, -0.7, 0.9, 0.0, 0.3, 1.1, -0.4, 0.8, 0.6,
        ];
        let y = [1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0];
        let inputs = Tensor::<B, 2>::from_data(TensorData::new(x.to_vec(), [6, 2]), &device);
        let targets = Tensor::<B, 2>::from_data(TensorData::new(y.to_vec(), [6, 1]), &device);
        let config = LinearModelConfig::new(2).with_l2(0.1);
        let mut model = config.init::<B>(&device).unwrap();
        let mut optim = SgdConfig::new().init();
        for _ in 0..3_000 {
            let loss = model
                .forward_regression(inputs.clone(), targets.clone())
                .loss;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(0.1, model, grads);
        }
        let xs: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let ys: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
        let exact = least_squares(&xs, 2, &ys, 1, 0.1).unwrap();
        let w = model.weights().into_data().to_vec::<f32>().unwrap();
        let b = model.bias().into_data().to_vec::<f32>().unwrap();
        for (got, want) in w.iter().zip(&exact.weights) {
            assert!(
                (f64::from(*got) - want).abs() < 1e-4,
                "{w:?} vs {:?}",
                exact.weights
            );
        }
        assert!((f64::from(b[0]) - exact.bias[0]).abs() < 1e-4);
    }
}
