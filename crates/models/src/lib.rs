//! Models of the zoo, generic over any burn [`Backend`](burn::tensor::backend::Backend).
//!
//! Library code names no concrete backend, with one exception kept in one place:
//! [`MetricBackend`], the host backend that step outputs are synced to for burn's
//! metrics (burn-train's own outputs sync to the same one). The unit tests run on one
//! test backend, chosen in `test_backend.rs` and named nowhere else.
//!
//! Each model has a `#[derive(Config)]` config whose defaults come from the tutorial
//! it reproduces, an `init(&device)`, a `forward` that returns raw outputs, separate
//! loss functions, and `TrainStep`/`InferenceStep` implementations for burn's learner.
//!
//! Batches arrive as plain `(inputs, targets)` tensor tuples (the `datasets` crate
//! builds them), so this crate does not depend on the data crate.

pub mod binary;
pub mod dense_regressor;
pub mod fused;
pub mod kmeans;
pub mod layers;
pub mod linear;
pub mod mlp_classifier;
pub mod optim;
#[cfg(test)]
mod softmax_gradients;
pub mod svm;
pub mod tabular_mlp;
#[cfg(test)]
mod test_backend;

/// The backend that step outputs are synced to for burn's metrics
/// ([`ItemLazy::ItemSync`](burn::train::ItemLazy::ItemSync)): burn's CPU backend Flex,
/// the one burn-train's own `ClassificationOutput` and `RegressionOutput` sync to.
/// Metrics registered on a learner for these models take inputs on this backend.
pub type MetricBackend = burn::backend::Flex;

pub use binary::{BinaryAccuracyMetric, BinaryClassificationOutput};
pub use dense_regressor::{DenseRegressor, DenseRegressorConfig};
pub use kmeans::{KMeans, KMeansData, KMeansError, KMeansParams, KMeansState};
pub use linear::{LinearError, LinearModel, LinearModelConfig};
pub use mlp_classifier::{MlpClassifier, MlpClassifierConfig};
pub use svm::{LinearSvm, LinearSvmConfig, MulticlassHinge, SvmError, SvmOutput, SvmPrediction};
pub use tabular_mlp::{
    Activation, Initialization, NormalInit, TabularLoss, TabularMlp, TabularMlpConfig,
};
