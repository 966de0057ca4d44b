//! A linear support vector machine trained by (sub)gradient descent on the hinge loss.
//!
//! Seed: TensorFlow's SVM estimator on 2-D points separated by the line `y = x`
//! (the `svm` experiment). The decision value of an input `x` is `f(x) = x·W + b`.
//!
//! # Binary (two classes)
//! One weight column: `W` is `[inputs, 1]`. Labels are 0/1 at the interface and
//! `y = 2t − 1 ∈ {−1, +1}` internally. The objective is the **λ-form**
//!
//! ```text
//! L(W, b) = mean_i max(0, 1 − y_i f(x_i)) + λ/2 · |W|²
//! ```
//!
//! (the bias is not penalised). The C-form `½|W|² + C Σ_i hinge_i` has the same
//! minimiser with `C = 1 / (n λ)`. Class 1 is predicted when `f(x) > 0`.
//!
//! At the kink (`1 − y f = 0`, a point exactly on the margin) the subgradient is not
//! unique: the hinge is computed with burn's `relu`, whose backward pass masks
//! gradients where the output is `≤ 0`, so a point exactly on the margin contributes
//! a zero gradient (the "outside" side). A unit test pins this.
//!
//! # Multi-class (`classes > 2`)
//! One weight column per class (`W` is `[inputs, classes]`), the class with the
//! largest decision value wins. The hinge is chosen by [`MulticlassHinge`]; the
//! default is Crammer–Singer, `mean_i max(0, 1 + max_{j≠y_i} f_j − f_{y_i})`, which
//! couples the classes in one margin. Summed one-vs-rest hinges (plain or squared,
//! the latter being scikit-learn `LinearSVC`'s default loss) are the alternatives.
//! The same `λ/2 · |W|²` penalty applies.

use std::{fmt, str::FromStr};

use burn::{
    config::Config,
    module::{Module, Param},
    tensor::{
        ElementConversion, Int, Tensor, Transaction,
        activation::relu,
        backend::{AutodiffBackend, Backend},
    },
    train::{
        InferenceStep, ItemLazy, TrainOutput, TrainStep,
        metric::{AccuracyInput, Adaptor, LossInput},
    },
};
use serde::{Deserialize, Serialize};

/// Why a linear SVM cannot be built, or cannot take some data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SvmError {
    /// λ must be a finite number ≥ 0.
    #[error("lambda (the L2 penalty) must be a finite number >= 0, got {0}")]
    BadLambda(f64),
    /// The model needs at least one input feature.
    #[error("a linear SVM needs at least 1 input feature, got 0")]
    NoInputs,
    /// Fewer than two classes.
    #[error("a linear SVM needs at least 2 classes, got {0}")]
    TooFewClasses(usize),
    /// A label outside `0..classes` (for a binary SVM: not 0 or 1).
    #[error("label {label} at index {index} is not a class of this SVM (expected {expected})")]
    BadLabel {
        /// Position of the offending label.
        index: usize,
        /// Its value.
        label: i64,
        /// What was expected, e.g. `0 or 1`.
        expected: String,
    },
    /// The data's feature count differs from the model's.
    #[error("the data has {got} features per row but the model was built for {expected}")]
    DimensionMismatch {
        /// Features the model takes.
        expected: usize,
        /// Features in the data.
        got: usize,
    },
    /// Inputs and targets disagree on the number of rows.
    #[error("{inputs} input rows but {targets} targets")]
    LengthMismatch {
        /// Input rows.
        inputs: usize,
        /// Targets.
        targets: usize,
    },
}

/// The multi-class hinge loss (ignored by a binary SVM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MulticlassHinge {
    /// Crammer–Singer: `max(0, 1 + max_{j≠y} f_j − f_y)` per example.
    CrammerSinger,
    /// One-vs-rest: `Σ_j max(0, 1 − y_j f_j)` with `y_j = +1` for the true class, −1 otherwise.
    OneVsRest,
    /// One-vs-rest squared hinge: `Σ_j max(0, 1 − y_j f_j)²` (`LinearSVC`'s default).
    OneVsRestSquared,
}

impl MulticlassHinge {
    /// Every variant with its command-line name.
    pub const NAMES: [(&'static str, MulticlassHinge); 3] = [
        ("crammer-singer", Self::CrammerSinger),
        ("ovr", Self::OneVsRest),
        ("ovr-squared", Self::OneVsRestSquared),
    ];
}

impl fmt::Display for MulticlassHinge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::NAMES
            .iter()
            .find(|(_, v)| v == self)
            .map_or("?", |(n, _)| n);
        f.write_str(name)
    }
}

impl FromStr for MulticlassHinge {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == wanted)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown multi-class hinge '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Configuration of a [`LinearSvm`].
#[derive(Config, Debug, PartialEq)]
pub struct LinearSvmConfig {
    /// Input features (2 for the seed's points, 784 for MNIST pixels).
    #[config(default = 2)]
    pub inputs: usize,
    /// Number of classes: 2 is a binary SVM with one weight column, more is multi-class.
    #[config(default = 2)]
    pub classes: usize,
    /// λ of the penalty `λ/2 · |W|²` (0 disables it).
    #[config(default = 1e-3)]
    pub lambda: f64,
    /// The multi-class hinge (ignored when `classes == 2`).
    #[config(default = "MulticlassHinge::CrammerSinger")]
    pub multiclass: MulticlassHinge,
}

impl LinearSvmConfig {
    /// Checks λ, the input count and the class count.
    pub fn validate(&self) -> Result<(), SvmError> {
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(SvmError::BadLambda(self.lambda));
        }
        if self.inputs == 0 {
            return Err(SvmError::NoInputs);
        }
        if self.classes < 2 {
            return Err(SvmError::TooFewClasses(self.classes));
        }
        Ok(())
    }

    /// Weight columns: 1 for a binary SVM, `classes` otherwise.
    pub fn outputs(&self) -> usize {
        if self.classes == 2 { 1 } else { self.classes }
    }

    /// Checks that every label is a class of this SVM (0 or 1 for a binary one).
    pub fn check_labels<L: Copy + Into<i64>>(&self, labels: &[L]) -> Result<(), SvmError> {
        check_labels(self.classes, labels.iter().map(|&l| l.into()))
    }

    /// Builds the model on `device` with zero weights and biases (the problem is
    /// convex, so no random initialisation is needed).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<LinearSvm<B>, SvmError> {
        self.validate()?;
        let outputs = self.outputs();
        Ok(LinearSvm {
            weight: Param::from_tensor(Tensor::zeros([self.inputs, outputs], device)),
            bias: Param::from_tensor(Tensor::zeros([outputs], device)),
            classes: self.classes,
            lambda: self.lambda,
            multiclass: self.multiclass,
        })
    }
}

fn check_labels(classes: usize, labels: impl Iterator<Item = i64>) -> Result<(), SvmError> {
    for (index, label) in labels.enumerate() {
        if !(0..classes as i64).contains(&label) {
            let expected = if classes == 2 {
                "0 or 1".to_string()
            } else {
                format!("a class in 0..={}", classes - 1)
            };
            return Err(SvmError::BadLabel {
                index,
                label,
                expected,
            });
        }
    }
    Ok(())
}

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
    classes: usize,
    lambda: f64,
    #[module(skip)]
    multiclass: MulticlassHinge,
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

/// Binary hinge `mean_i max(0, 1 − y_i f_i)` with `y = 2t − 1`, shape `[1]`.
///
/// `decision` is `[n, 1]`, `targets` are 0/1 of shape `[n]`.
pub fn binary_hinge<B: Backend>(
    decision: Tensor<B, 2>,
    targets: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    let [n, _] = decision.dims();
    let y = targets
        .float()
        .mul_scalar(2.0)
        .sub_scalar(1.0)
        .reshape([n, 1]);
    relu((decision * y).neg().add_scalar(1.0)).mean()
}

/// Crammer–Singer hinge `mean_i max_j (f_ij + Δ_ij) − f_{i,y_i}`, with `Δ_ij = 1` for
/// `j ≠ y_i` and 0 for the true class: equal to `max(0, 1 + max_{j≠y} f_j − f_y)`.
/// Shape `[1]`.
pub fn crammer_singer_hinge<B: Backend>(
    decision: Tensor<B, 2>,
    targets: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    let [_, k] = decision.dims();
    let one_hot = targets.one_hot::<2>(k).float();
    let true_score = (decision.clone() * one_hot.clone()).sum_dim(1);
    let augmented = decision + one_hot.neg().add_scalar(1.0);
    (augmented.max_dim(1) - true_score).mean()
}

/// One-vs-rest hinge `mean_i Σ_j max(0, 1 − y_ij f_ij)` (squared terms when `squared`),
/// `y_ij = +1` for the true class and −1 for the others. Shape `[1]`.
pub fn one_vs_rest_hinge<B: Backend>(
    decision: Tensor<B, 2>,
    targets: Tensor<B, 1, Int>,
    squared: bool,
) -> Tensor<B, 1> {
    let [n, k] = decision.dims();
    let y = targets
        .one_hot::<2>(k)
        .float()
        .mul_scalar(2.0)
        .sub_scalar(1.0);
    let hinge = relu((decision * y).neg().add_scalar(1.0));
    let hinge = if squared { hinge.powi_scalar(2) } else { hinge };
    hinge.sum().div_scalar(n as f64)
}

/// What one training or validation step of a [`LinearSvm`] produces.
#[derive(Debug, Clone)]
pub struct SvmOutput<B: Backend> {
    /// The batch's objective (hinge + penalty), shape `[1]`.
    pub loss: Tensor<B, 1>,
    /// Decision values, `[batch_size, 1]` (binary) or `[batch_size, classes]`.
    pub decision: Tensor<B, 2>,
    /// Predicted classes, `[batch_size]`.
    pub predicted: Tensor<B, 1, Int>,
    /// True classes, `[batch_size]`.
    pub targets: Tensor<B, 1, Int>,
}

impl<B: Backend> ItemLazy for SvmOutput<B> {
    type ItemSync = SvmOutput<crate::MetricBackend>;

    fn sync(self) -> Self::ItemSync {
        let [loss, decision, predicted, targets] = Transaction::default()
            .register(self.loss)
            .register(self.decision)
            .register(self.predicted)
            .register(self.targets)
            .execute()
            .try_into()
            .expect("a transaction of four tensors returns four tensors");
        let device = Default::default();
        SvmOutput {
            loss: Tensor::from_data(loss, &device),
            decision: Tensor::from_data(decision, &device),
            predicted: Tensor::from_data(predicted, &device),
            targets: Tensor::from_data(targets, &device),
        }
    }
}

impl<B: Backend> Adaptor<LossInput<B>> for SvmOutput<B> {
    fn adapt(&self) -> LossInput<B> {
        LossInput::new(self.loss.clone())
    }
}

impl<B: Backend> Adaptor<AccuracyInput<B>> for SvmOutput<B> {
    /// burn's accuracy takes the arg-max over columns; a binary SVM's single decision
    /// column `f` is presented as `[−f, f]`, whose arg-max is class 1 exactly when `f > 0`.
    fn adapt(&self) -> AccuracyInput<B> {
        let scores = if self.decision.dims()[1] == 1 {
            Tensor::cat(vec![self.decision.clone().neg(), self.decision.clone()], 1)
        } else {
            self.decision.clone()
        };
        AccuracyInput::new(scores, self.targets.clone())
    }
}

impl<B: AutodiffBackend> TrainStep for LinearSvm<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 1, Int>);
    type Output = SvmOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_svm(inputs, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: Backend> InferenceStep for LinearSvm<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 1, Int>);
    type Output = SvmOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> Self::Output {
        self.forward_svm(inputs, targets)
    }
}

/// Share of `predicted` equal to `targets` (0 for an empty batch).
pub fn accuracy<B: Backend>(predicted: Tensor<B, 1, Int>, targets: Tensor<B, 1, Int>) -> f64 {
    let [n] = targets.dims();
    if n == 0 {
        return 0.0;
    }
    let correct: f64 = predicted.equal(targets).int().sum().into_scalar().elem();
    correct / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::{TestAutodiffBackend as Ad, TestBackend};

    fn floats<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f64> {
        t.into_data().convert::<f64>().to_vec().unwrap()
    }

    /// A 2-input binary SVM with `w`, `b` on the autodiff backend.
    fn binary_svm(w: [f32; 2], b: f32, lambda: f64) -> LinearSvm<Ad> {
        let device = Default::default();
        let mut svm = LinearSvmConfig::new()
            .with_lambda(lambda)
            .init::<Ad>(&device)
            .unwrap();
        svm.weight = Param::from_tensor(Tensor::from_floats([[w[0]], [w[1]]], &device));
        svm.bias = Param::from_tensor(Tensor::from_floats([b], &device));
        svm
    }

    #[test]
    fn hinge_and_gradient_match_hand_computed_values() {
        // w = (1, −1), b = 0.5; f(x) = x1 − x2 + 0.5; λ = 0.1.
        // A: (0, 0), t = 1 (y = +1): f = 0.5, 1 − y f = 0.5 → inside the margin, hinge 0.5.
        // B: (1, 0.5), t = 1: f = 1.0, 1 − y f = 0 → exactly on the margin, hinge 0.
        // C: (−2, 0), t = 0 (y = −1): f = −1.5, 1 − y f = −0.5 → outside, hinge 0.
        // Loss = (0.5 + 0 + 0)/3 + 0.1/2·(1 + 1) = 1/6 + 0.1.
        // Gradients: only A is active (B sits on the kink, where relu's subgradient is 0):
        //   ∂/∂w = −y_A x_A / 3 + λ w = (0, 0) + 0.1·(1, −1) = (0.1, −0.1)
        //   ∂/∂b = −y_A / 3 = −1/3
        let svm = binary_svm([1.0, -1.0], 0.5, 0.1);
        let device = Default::default();
        let x = Tensor::<Ad, 2>::from_floats([[0.0, 0.0], [1.0, 0.5], [-2.0, 0.0]], &device);
        let t = Tensor::<Ad, 1, Int>::from_data([1, 1, 0], &device);
        let out = svm.forward_svm(x, t);
        assert_eq!(
            floats(out.decision.clone()),
            vec![0.5, 1.0, -1.5],
            "decision values"
        );
        let loss = floats(out.loss.clone())[0];
        assert!((loss - (1.0 / 6.0 + 0.1)).abs() < 1e-6, "loss {loss}");
        let grads = out.loss.backward();
        let gw = floats(svm.weight.grad(&grads).unwrap());
        let gb = floats(svm.bias.grad(&grads).unwrap());
        assert!(
            (gw[0] - 0.1).abs() < 1e-6 && (gw[1] + 0.1).abs() < 1e-6,
            "{gw:?}"
        );
        assert!((gb[0] + 1.0 / 3.0).abs() < 1e-6, "{gb:?}");
    }

    #[test]
    fn a_point_on_the_margin_has_zero_subgradient_and_inside_has_minus_y_x() {
        let device = Default::default();
        // On the margin alone: hinge 0, gradient 0 (relu masks output <= 0).
        let svm = binary_svm([1.0, 0.0], 0.0, 0.0);
        let x = Tensor::<Ad, 2>::from_floats([[1.0, 3.0]], &device);
        let loss = binary_hinge(svm.forward(x), Tensor::from_data([1], &device));
        assert_eq!(floats(loss.clone()), vec![0.0]);
        let grads = loss.backward();
        assert_eq!(floats(svm.weight.grad(&grads).unwrap()), vec![0.0, 0.0]);
        assert_eq!(floats(svm.bias.grad(&grads).unwrap()), vec![0.0]);
        // A class-0 point inside the margin: gradient +x (y = −1), bias +1.
        let x = Tensor::<Ad, 2>::from_floats([[0.5, 3.0]], &device);
        let loss = binary_hinge(svm.forward(x), Tensor::from_data([0], &device));
        assert!((floats(loss.clone())[0] - 1.5).abs() < 1e-6);
        let grads = loss.backward();
        assert_eq!(floats(svm.weight.grad(&grads).unwrap()), vec![0.5, 3.0]);
        assert_eq!(floats(svm.bias.grad(&grads).unwrap()), vec![1.0]);
    }

    #[test]
    fn multiclass_hinges_match_hand_computed_values() {
        let device = Default::default();
        // Two rows of scores over 3 classes.
        // Row 1, true class 0: f = (2, 1.5, −1). CS: 1 + max(1.5, −1) − 2 = 0.5.
        //   OvR: max(0, 1−2) + max(0, 1+1.5) + max(0, 1−1) = 0 + 2.5 + 0 = 2.5; squared 6.25.
        // Row 2, true class 2: f = (0, 0, 3). CS: max(0, 1 + 0 − 3) = 0.
        //   OvR: 1 + 1 + 0 = 2; squared 2.
        let f = Tensor::<TestBackend, 2>::from_floats([[2.0, 1.5, -1.0], [0.0, 0.0, 3.0]], &device);
        let t = Tensor::<TestBackend, 1, Int>::from_data([0, 2], &device);
        let cs = floats(crammer_singer_hinge(f.clone(), t.clone()))[0];
        assert!((cs - 0.25).abs() < 1e-6, "{cs}");
        let ovr = floats(one_vs_rest_hinge(f.clone(), t.clone(), false))[0];
        assert!((ovr - 2.25).abs() < 1e-6, "{ovr}");
        let sq = floats(one_vs_rest_hinge(f, t, true))[0];
        assert!((sq - 4.125).abs() < 1e-6, "{sq}");
    }

    #[test]
    fn crammer_singer_gradient_moves_the_true_and_the_runner_up_class() {
        let device = Default::default();
        let mut svm = LinearSvmConfig::new()
            .with_classes(3)
            .with_lambda(0.0)
            .init::<Ad>(&device)
            .unwrap();
        // One input feature 1.0, biases only matter: W = 0, b = (2, 1.5, −1).
        svm.weight = Param::from_tensor(Tensor::zeros([2, 3], &device));
        svm.bias = Param::from_tensor(Tensor::from_floats([2.0, 1.5, -1.0], &device));
        let x = Tensor::<Ad, 2>::from_floats([[1.0, 0.0]], &device);
        let out = svm.forward_svm(x, Tensor::from_data([0], &device));
        let grads = out.loss.backward();
        // d/db of 1 + f_1 − f_0: (−1, +1, 0); d/dW row 0 the same times x1 = 1.
        assert_eq!(floats(svm.bias.grad(&grads).unwrap()), vec![-1.0, 1.0, 0.0]);
        assert_eq!(
            floats(svm.weight.grad(&grads).unwrap()),
            vec![-1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn predictions_carry_class_and_decision_value() {
        let svm = binary_svm([1.0, -1.0], 0.0, 0.0);
        let device = Default::default();
        let x = Tensor::<Ad, 2>::from_floats([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0]], &device);
        let p = svm.predict(x).unwrap();
        assert_eq!(floats(p.decision), vec![2.0, -2.0, 0.0]);
        assert_eq!(
            p.classes
                .into_data()
                .convert::<i64>()
                .to_vec::<i64>()
                .unwrap(),
            vec![1, 0, 0],
            "f > 0 is class 1; f = 0 is class 0"
        );
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let device = Default::default();
        assert_eq!(
            LinearSvmConfig::new().with_lambda(-0.5).validate(),
            Err(SvmError::BadLambda(-0.5))
        );
        assert!(
            LinearSvmConfig::new()
                .with_lambda(-0.5)
                .init::<TestBackend>(&device)
                .unwrap_err()
                .to_string()
                .contains("-0.5")
        );
        assert_eq!(
            LinearSvmConfig::new().with_classes(1).validate(),
            Err(SvmError::TooFewClasses(1))
        );
        let svm = LinearSvmConfig::new().init::<TestBackend>(&device).unwrap();
        let err = svm
            .predict(Tensor::zeros([4, 3], &device))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            err,
            SvmError::DimensionMismatch {
                expected: 2,
                got: 3
            }
        );
        assert!(err.to_string().contains("3 features"), "{err}");

        let x = Tensor::<TestBackend, 2>::zeros([3, 2], &device);
        let err = svm
            .check_batch(&x, &Tensor::from_data([0, 2, 1], &device))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "label 2 at index 1 is not a class of this SVM (expected 0 or 1)"
        );
        assert!(
            svm.check_batch(&x, &Tensor::from_data([0, 1, 1], &device))
                .is_ok()
        );
        assert!(matches!(
            svm.check_batch(&x, &Tensor::from_data([0, 1], &device)),
            Err(SvmError::LengthMismatch { .. })
        ));
        let ten = LinearSvmConfig::new().with_classes(10);
        assert!(ten.check_labels(&[0u8, 9]).is_ok());
        let err = ten.check_labels(&[3u8, 10]).unwrap_err().to_string();
        assert!(
            err.contains("label 10 at index 1") && err.contains("0..=9"),
            "{err}"
        );
    }

    #[test]
    fn hinge_names_round_trip() {
        for (name, v) in MulticlassHinge::NAMES {
            assert_eq!(name.parse::<MulticlassHinge>(), Ok(v));
            assert_eq!(v.to_string(), name);
        }
        assert!(
            "softmax"
                .parse::<MulticlassHinge>()
                .unwrap_err()
                .contains("softmax")
        );
    }

    #[test]
    fn accuracy_adaptor_reads_a_binary_column_by_sign() {
        let device = Default::default();
        let out = SvmOutput::<TestBackend> {
            loss: Tensor::zeros([1], &device),
            decision: Tensor::from_floats([[0.3], [-2.0], [1.0]], &device),
            predicted: Tensor::from_data([1, 0, 1], &device),
            targets: Tensor::from_data([1, 1, 1], &device),
        };
        let input: AccuracyInput<TestBackend> = out.adapt();
        let mut metric = burn::train::metric::AccuracyMetric::<TestBackend>::new();
        let progress = burn::data::dataloader::Progress::new(1, 1);
        let metadata = burn::train::metric::MetricMetadata {
            progress: progress.clone(),
            global_progress: progress,
            iteration: Some(1),
            lr: None,
        };
        use burn::train::metric::{Metric, Numeric};
        metric.update(&input, &metadata);
        assert!((metric.value().current() - 200.0 / 3.0).abs() < 1e-9);
        assert!((accuracy(out.predicted, out.targets) - 2.0 / 3.0).abs() < 1e-12);
    }
}
