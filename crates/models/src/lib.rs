//! Models of the zoo, generic over the backend: over any burn
//! [`Backend`](burn::tensor::backend::Backend), or, for the models that run the zoo's
//! fused operations (the two multi-layer perceptrons, k-means, and the optimizers of
//! [`fused::optim`]), over [`ZooBackend`](fused::ZooBackend): burn's `Backend` plus
//! those operations, each with a default implementation from ordinary tensor code.
//!
//! # Where concrete backends are named
//!
//! The models, losses and optimizers name no concrete backend. Concrete backends are
//! named in these places only:
//! - [`MetricBackend`] (burn's CPU backend Flex): the host backend that step outputs
//!   are synced to for burn's metrics (burn-train's own outputs sync to the same one).
//! - [`fused`]'s `ZooBackend` implementations: Flex, always, with the zoo's own
//!   kernels (`fused/flex/`); `NdArray` behind this crate's `ndarray` feature and `Wgpu`
//!   behind its `wgpu` feature, both with the default implementations (the
//!   `experiments` crate's backend features turn these on); and `Autodiff<B>` for any
//!   `B: ZooBackend` (`fused/autodiff.rs`).
//! - The unit tests: one test backend, chosen in `test_backend.rs` (Flex) and named
//!   nowhere else, except the fused operations' tests (`fused/tests.rs`), which
//!   compare Flex's kernels with NdArray and burn's `Autodiff`, and for which the
//!   NdArray implementation is also compiled in tests.
//!
//! # Shape of a model
//!
//! Each model has a `#[derive(Config)]` config whose defaults come from the tutorial
//! it reproduces, an `init(&device)`, a `forward` that returns raw outputs, separate
//! loss functions ([`loss`], and the SVM's hinges in [`svm`]), and
//! `TrainStep`/`InferenceStep` implementations for burn's learner. What the
//! multi-layer perceptrons share (activation, initialisation, dense layers) is in
//! [`layers`], which depends on no model.
//!
//! Batches arrive as plain `(inputs, targets)` tensor tuples (the `datasets` crate
//! builds them), so this crate does not depend on the data crate.

pub mod binary;
pub mod dense_regressor;
pub mod fused;
pub mod kmeans;
pub mod layers;
pub mod linear;
pub mod loss;
pub mod mlp_classifier;
#[cfg(test)]
mod softmax_gradients;
pub mod svm;
pub mod tabular_mlp;
#[cfg(test)]
mod test_backend;
pub mod torch;

/// The backend that step outputs are synced to for burn's metrics
/// ([`ItemLazy::ItemSync`](burn::train::ItemLazy::ItemSync)): burn's CPU backend Flex,
/// the one burn-train's own `ClassificationOutput` and `RegressionOutput` sync to.
/// Metrics registered on a learner for these models take inputs on this backend.
pub type MetricBackend = burn::backend::Flex;

pub use binary::{BinaryAccuracyMetric, BinaryClassificationOutput};
pub use dense_regressor::{DenseRegressor, DenseRegressorConfig};
pub use kmeans::{KMeans, KMeansData, KMeansError, KMeansParams, KMeansState};
pub use layers::{Activation, Initialization};
pub use linear::{LinearError, LinearModel, LinearModelConfig};
pub use mlp_classifier::{MlpClassifier, MlpClassifierConfig};
pub use svm::{LinearSvm, LinearSvmConfig, MulticlassHinge, SvmError, SvmOutput, SvmPrediction};
pub use tabular_mlp::{NormalInit, TabularLoss, TabularMlp, TabularMlpConfig};
pub use torch::{TorchEquivalent, TorchExport, TorchLayer, TorchTensor};
