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
//!
//! # Layout
//! - `error`: [`SvmError`], and the label check shared by the config and the model
//! - `config`: [`LinearSvmConfig`] and [`MulticlassHinge`]
//! - `model`: [`LinearSvm`], its forward pass, prediction and objective
//! - `loss`: the three hinge losses as free functions
//! - `learner`: [`SvmOutput`] and the `TrainStep`/`InferenceStep` glue for burn's
//!   learner, and [`accuracy`]

mod config;
mod error;
mod learner;
mod loss;
mod model;
#[cfg(test)]
mod tests;

pub use config::{LinearSvmConfig, MulticlassHinge};
pub use error::SvmError;
pub use learner::{SvmOutput, accuracy};
pub use loss::{binary_hinge, crammer_singer_hinge, one_vs_rest_hinge};
pub use model::{LinearSvm, SvmPrediction};
