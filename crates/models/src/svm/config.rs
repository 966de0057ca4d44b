//! The SVM's configuration and its choice of multi-class hinge.

use std::{fmt, str::FromStr};

use burn::{
    config::Config,
    module::Param,
    tensor::{Tensor, backend::Backend},
};
use serde::{Deserialize, Serialize};

use super::{LinearSvm, SvmError, error::check_labels};

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
    pub(crate) const NAMES: [(&'static str, MulticlassHinge); 3] = [
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
