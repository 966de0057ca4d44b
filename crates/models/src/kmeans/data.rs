//! The points to cluster, held as row chunks, and their centred form used by the fit.

use burn::tensor::{ElementConversion, Tensor, TensorData, backend::Backend};

use super::KMeansError;
use crate::fused::ZooBackend;

/// Rows per chunk are chosen so that one chunk holds at most this many bytes of `f32`,
/// unless the backend sets its own size ([`ZooBackend::KMEANS_CHUNK_BYTES`]).
///
/// burn-ndarray copies both operands of every matrix product; at 8 MiB the copies are
/// served from reused heap memory (below glibc's largest mmap threshold, 32 MiB),
/// while a chunk is still large enough that the dozen tensor operations per chunk
/// cost little. It is far below lavapipe's 128 MiB buffer limit. MNIST (60,000 × 784,
/// k = 10) on ndarray, 2 cores, ms per Lloyd iteration with `kmeans --dataset mnist
/// --chunk-rows N`: 1 MiB 103, 2 MiB 96, 4 MiB 79, 8 MiB 67, 16 MiB 67, 32 MiB 125.
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;

/// Points to cluster, held as row chunks (`[rows, n_features]` each).
#[derive(Debug, Clone)]
pub struct KMeansData<B: Backend> {
    pub(super) chunks: Vec<Tensor<B, 2>>,
    pub(super) n_points: usize,
    pub(super) n_features: usize,
}

impl<B: ZooBackend> KMeansData<B> {
    /// Rows per chunk for `n_features` columns when none is given: at most the
    /// backend's [`ZooBackend::KMEANS_CHUNK_BYTES`] (else [`DEFAULT_CHUNK_BYTES`]) of
    /// `f32` per chunk.
    pub(crate) fn default_chunk_rows(n_features: usize) -> usize {
        let bytes = B::KMEANS_CHUNK_BYTES.unwrap_or(DEFAULT_CHUNK_BYTES);
        let rows = (bytes / (4 * n_features.max(1))).max(1);
        // A multiple of 8 splits into equal product batches.
        if rows >= 8 { rows / 8 * 8 } else { rows }
    }

    /// Splits `data` into chunks of `chunk_rows` rows (`None`: the default size).
    pub fn from_tensor(data: Tensor<B, 2>, chunk_rows: Option<usize>) -> Result<Self, KMeansError> {
        let [n, d] = data.dims();
        let rows = chunk_rows.unwrap_or_else(|| Self::default_chunk_rows(d));
        if rows == 0 {
            return Err(KMeansError::ZeroChunkRows);
        }
        let chunks = (0..n)
            .step_by(rows)
            .map(|start| data.clone().narrow(0, start, rows.min(n - start)))
            .collect();
        Ok(Self {
            chunks,
            n_points: n,
            n_features: d,
        })
    }

    /// Builds the chunks straight from a row-major host buffer, so that the whole
    /// matrix never exists as one tensor on the device.
    pub fn from_rows(
        rows: &[f32],
        n_features: usize,
        chunk_rows: Option<usize>,
        device: &B::Device,
    ) -> Result<Self, KMeansError> {
        if n_features == 0 {
            return Err(KMeansError::NoFeatures);
        }
        if !rows.len().is_multiple_of(n_features) {
            return Err(KMeansError::RaggedRows {
                len: rows.len(),
                n_features,
            });
        }
        let per_chunk = chunk_rows.unwrap_or_else(|| Self::default_chunk_rows(n_features));
        if per_chunk == 0 {
            return Err(KMeansError::ZeroChunkRows);
        }
        let chunks = rows
            .chunks(per_chunk * n_features)
            .map(|c| {
                let data = TensorData::new(c.to_vec(), [c.len() / n_features, n_features]);
                Tensor::from_data(data, device)
            })
            .collect();
        Ok(Self {
            chunks,
            n_points: rows.len() / n_features,
            n_features,
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.n_points
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.n_points == 0
    }

    /// Features per point.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The chunks, in row order.
    pub fn chunks(&self) -> &[Tensor<B, 2>] {
        &self.chunks
    }

    /// One reduction per chunk (`Σ (x − x)` is NaN exactly when a value is NaN or
    /// infinite); only when it fails is the chunk read back to name the value.
    pub(super) fn check_finite(&self) -> Result<(), KMeansError> {
        let mut offset = 0;
        for chunk in &self.chunks {
            let [rows, d] = chunk.dims();
            let probe: f32 = (chunk.clone() - chunk.clone()).sum().into_scalar().elem();
            if !probe.is_finite() {
                let values: Vec<f32> = chunk
                    .to_data()
                    .convert::<f32>()
                    .into_vec()
                    .unwrap_or_default();
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return Err(KMeansError::NonFinite {
                        row: offset + i / d,
                        column: i % d,
                        value: values[i],
                    });
                }
            }
            offset += rows;
        }
        Ok(())
    }
}

/// The data centred on their mean, with each row's squared norm.
pub(super) struct Prepared<B: Backend> {
    pub(super) chunks: Vec<Tensor<B, 2>>,
    pub(super) norms: Vec<Tensor<B, 2>>,
    pub(super) mean: Tensor<B, 2>,
    pub(super) n_points: usize,
    pub(super) n_features: usize,
}

impl<B: Backend> Prepared<B> {
    pub(super) fn new(data: &KMeansData<B>) -> Self {
        let sum = data
            .chunks
            .iter()
            .map(|c| c.clone().sum_dim(0))
            .reduce(|a, b| a + b)
            .expect("data is not empty");
        let mean = sum.div_scalar(data.n_points as f64);
        let chunks: Vec<Tensor<B, 2>> = data
            .chunks
            .iter()
            .map(|c| c.clone() - mean.clone())
            .collect();
        let norms = chunks
            .iter()
            .map(|c| c.clone().square().sum_dim(1))
            .collect();
        Self {
            chunks,
            norms,
            mean,
            n_points: data.n_points,
            n_features: data.n_features,
        }
    }

    /// Row `index` (global) as a `[1, d]` tensor.
    pub(super) fn row(&self, index: usize) -> Tensor<B, 2> {
        let mut i = index;
        for chunk in &self.chunks {
            let rows = chunk.dims()[0];
            if i < rows {
                return chunk.clone().narrow(0, i, 1);
            }
            i -= rows;
        }
        unreachable!("row {index} is beyond the data's {} rows", self.n_points)
    }

    /// Rows at `indices` stacked, `[indices.len(), d]`.
    pub(super) fn rows(&self, indices: &[usize]) -> Tensor<B, 2> {
        Tensor::cat(indices.iter().map(|&i| self.row(i)).collect(), 0)
    }
}
