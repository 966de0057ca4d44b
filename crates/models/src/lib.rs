//! Models of the zoo, generic over any burn [`Backend`](burn::tensor::backend::Backend).
//!
//! Nothing here names a concrete backend outside tests. Each model has a
//! `#[derive(Config)]` config whose defaults come from the tutorial it reproduces,
//! an `init(&device)`, a `forward` that returns raw outputs, separate loss functions,
//! and `TrainStep`/`InferenceStep` implementations for burn's learner.
//!
//! Batches arrive as plain `(inputs, targets)` tensor tuples (the `datasets` crate
//! builds them), so this crate does not depend on the data crate.

pub mod binary;
pub mod kmeans;
pub mod layers;
pub mod linear;
pub mod mlp_classifier;
pub mod svm;
pub mod tabular_mlp;

pub use binary::{BinaryAccuracyMetric, BinaryClassificationOutput};
pub use kmeans::{KMeans, KMeansData, KMeansError, KMeansParams, KMeansState};
pub use linear::{LinearError, LinearModel, LinearModelConfig};
pub use mlp_classifier::{MlpClassifier, MlpClassifierConfig};
pub use svm::{LinearSvm, LinearSvmConfig, MulticlassHinge, SvmError, SvmOutput, SvmPrediction};
pub use tabular_mlp::{Activation, Initialization, TabularLoss, TabularMlp, TabularMlpConfig};
