//! Data sets of the model zoo: seeded generators and file loaders, exposed as burn
//! [`Dataset`](burn::data::dataset::Dataset)s with [`Batcher`](burn::data::dataloader::batcher::Batcher)s.
//!
//! Batches cross into the `models` crate as plain tuples of burn tensors, so the two
//! crates never depend on each other: see [`TabularBatch`].
//!
//! Library code is generic over the backend and names no concrete one; the unit tests
//! run on one test backend, chosen in `test_backend.rs` and named nowhere else.
//! [`fixtures`] writes small synthetic files in the real formats (MNIST IDX, the SOCR
//! CSV) for tests that must run without the real data.

pub mod bits;
mod download;
pub mod fixtures;
pub mod gates;
pub mod idx;
pub mod lcd;
pub mod margin;
pub mod mnist;
pub mod regression;
pub mod rng;
pub mod socr;
pub mod standardize;
pub mod tabular;
#[cfg(test)]
mod test_backend;

use burn::tensor::Tensor;

/// A batch of a tabular data set: `(inputs, targets)`.
///
/// # Shapes
/// - inputs: `[batch_size, n_features]`
/// - targets: `[batch_size, n_targets]`
pub type TabularBatch<B> = (Tensor<B, 2>, Tensor<B, 2>);
