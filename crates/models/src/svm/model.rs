//! The model: decision values, predictions, and the objective.

use burn::{
    module::{Module, Param},
    tensor::{Int, Tensor, backend::Backend},
};

use crate::torch::{TorchEquivalent, TorchExport, TorchLayer, TorchTensor};

use super::{
    MulticlassHinge, SvmError, SvmOutput,
    error::check_labels,
    loss::{binary_hinge, crammer_singer_hinge, one_vs_rest_hinge},
};

/// A linear SVM: decision values `x·W + b`.
///
/// # Shapes
/// - input: `[batch_size, inputs]`
/// - decision values: `[batch_size, 1]` for a binary SVM, `[batch_size, classes]` otherwise
#[derive(Module, Debug)]
pub struct LinearSvm<B: Backend> {
    /// Weights, `[inputs, outputs]`.
    pub weight: Param<Tensor<B, 2>>,
    /// Biases, `[outputs]`.
    pub bias: Param<Tensor<B, 1>>,
    pub(super) classes: usize,
    pub(super) lambda: f64,
    #[module(skip)]
    pub(super) multiclass: MulticlassHinge,
}

/// Predicted classes together with the decision values they come from.
#[derive(Debug, Clone)]
pub struct SvmPrediction<B: Backend> {
    /// Predicted class of each row, `[batch_size]`.
    pub classes: Tensor<B, 1, Int>,
    /// Decision values, `[batch_size, 1]` (binary) or `[batch_size, classes]`.
    pub decision: Tensor<B, 2>,
}

impl<B: Backend> SvmPrediction<B> {
    /// Each row's class and its decision value (the single value of a binary model, the
    /// predicted class's column of a multi-class one), read back to the host.
    pub fn class_decisions(self) -> Vec<(i64, f32)> {
        let k = self.decision.dims()[1];
        let decision: Vec<f32> = self.decision.into_data().iter::<f32>().collect();
        let classes: Vec<i64> = self.classes.into_data().iter::<i64>().collect();
        classes
            .into_iter()
            .enumerate()
            .map(|(i, class)| {
                let column = if k == 1 { 0 } else { class as usize };
                (class, decision[i * k + column])
            })
            .collect()
    }
}

impl<B: Backend> LinearSvm<B> {
    /// Input features the model takes.
    pub fn inputs(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// λ of the L2 penalty.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// Decision values `x·W + b` (no shape check: see [`LinearSvm::predict`]).
    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        input.matmul(self.weight.val()) + self.bias.val().unsqueeze::<2>()
    }

    /// The class each row of decision values stands for: `f > 0` → 1 for a binary
    /// SVM, the arg-max otherwise.
    pub fn classes_of(&self, decision: Tensor<B, 2>) -> Tensor<B, 1, Int> {
        let [n, k] = decision.dims();
        if k == 1 {
            decision.greater_elem(0.0).int().reshape([n])
        } else {
            decision.argmax(1).reshape([n])
        }
    }

    /// Classes and decision values of `input`; an error if its feature count differs
    /// from the model's.
    pub fn predict(&self, input: Tensor<B, 2>) -> Result<SvmPrediction<B>, SvmError> {
        let [_, got] = input.dims();
        if got != self.inputs() {
            return Err(SvmError::DimensionMismatch {
                expected: self.inputs(),
                got,
            });
        }
        let decision = self.forward(input);
        Ok(SvmPrediction {
            classes: self.classes_of(decision.clone()),
            decision,
        })
    }

    /// Checks a batch before training or evaluating on it: feature count, row count,
    /// and every target a class of this SVM. Reads the targets back from the device.
    pub fn check_batch(
        &self,
        inputs: &Tensor<B, 2>,
        targets: &Tensor<B, 1, Int>,
    ) -> Result<(), SvmError> {
        let [rows, got] = inputs.dims();
        if got != self.inputs() {
            return Err(SvmError::DimensionMismatch {
                expected: self.inputs(),
                got,
            });
        }
        let [n] = targets.dims();
        if n != rows {
            return Err(SvmError::LengthMismatch {
                inputs: rows,
                targets: n,
            });
        }
        let labels: Vec<i64> = targets
            .to_data()
            .convert::<i64>()
            .to_vec()
            .expect("int data converts to i64");
        check_labels(self.classes, labels.into_iter())
    }

    /// `λ/2 · |W|²`, shape `[1]`.
    pub fn penalty(&self) -> Tensor<B, 1> {
        self.weight
            .val()
            .powi_scalar(2)
            .sum()
            .mul_scalar(self.lambda / 2.0)
    }

    /// The data term of the objective: the binary or the configured multi-class hinge.
    pub fn hinge(&self, decision: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> Tensor<B, 1> {
        if decision.dims()[1] == 1 {
            return binary_hinge(decision, targets);
        }
        match self.multiclass {
            MulticlassHinge::CrammerSinger => crammer_singer_hinge(decision, targets),
            MulticlassHinge::OneVsRest => one_vs_rest_hinge(decision, targets, false),
            MulticlassHinge::OneVsRestSquared => one_vs_rest_hinge(decision, targets, true),
        }
    }

    /// Forward pass and the objective (hinge + penalty) against class `targets`.
    pub fn forward_svm(&self, inputs: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> SvmOutput<B> {
        let decision = self.forward(inputs);
        let loss = self.hinge(decision.clone(), targets.clone()) + self.penalty();
        SvmOutput {
            loss,
            predicted: self.classes_of(decision.clone()),
            decision,
            targets,
        }
    }

    /// The weights as `[inputs][outputs]` numbers and the biases.
    pub fn parameters(&self) -> (Vec<Vec<f64>>, Vec<f64>) {
        let [inputs, outputs] = self.weight.dims();
        let w: Vec<f64> = self
            .weight
            .val()
            .into_data()
            .convert::<f64>()
            .to_vec()
            .expect("float data converts to f64");
        let b: Vec<f64> = self
            .bias
            .val()
            .into_data()
            .convert::<f64>()
            .to_vec()
            .expect("float data converts to f64");
        let rows = (0..inputs)
            .map(|i| w[i * outputs..(i + 1) * outputs].to_vec())
            .collect();
        (rows, b)
    }
}

impl<B: Backend> TorchExport for LinearSvm<B> {
    /// `Sequential(Linear(inputs, outputs))`: the decision values (`f > 0` → class 1
    /// for a binary SVM, the arg-max otherwise).
    fn torch_equivalent(&self) -> TorchEquivalent {
        let [inputs, outputs] = self.weight.dims();
        let tensor = |burn: &str, transpose| TorchTensor {
            burn: burn.into(),
            torch: format!("0.{burn}"),
            transpose,
        };
        TorchEquivalent {
            layers: vec![TorchLayer::Linear {
                in_features: inputs,
                out_features: outputs,
            }],
            tensors: vec![tensor("weight", true), tensor("bias", false)],
        }
    }
}
