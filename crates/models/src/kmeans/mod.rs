//! k-means clustering on burn tensors (Lloyd's algorithm with k-means++ seeding).
//!
//! The seed is TensorFlow's k-means estimator (4 clusters, relative tolerance 1e-4)
//! sizing t-shirts from heights and weights; the defaults follow scikit-learn's
//! `KMeans` (`n_init` 10, `max_iter` 300, greedy k-means++ with `2 + ln k` local trials).
//!
//! The shape follows linfa: validated [`KMeansParams`] → [`KMeansParams::fit`] → a
//! fitted [`KMeans`] with [`predict`](KMeans::predict), [`centroids`](KMeans::centroids),
//! [`inertia`](KMeans::inertia) and [`n_iter`](KMeans::n_iter).
//!
//! All the arithmetic on the data is tensor operations, so it runs on any backend:
//! squared distances through one matrix product per chunk (`|x|² − 2x·c + |c|²`),
//! arg-min assignment, and the centre update from per-cluster sums and counts
//! accumulated with `select_assign` (no one-hot matrix). After the first iteration the
//! sums and counts are corrected only for the points that changed cluster (found with
//! `argwhere` and gathered with `select`), and recomputed from all points every
//! tenth iteration; late iterations, where few points move, then cost little more than
//! the distance product. A backend that adds the rows to their clusters in the same
//! pass as the distances ([`ZooBackend::FUSED_CLUSTER_SUMS`](crate::fused::ZooBackend),
//! Flex) sums all the points every iteration instead. Each Lloyd iteration reads back
//! `k + 1` numbers (counts, inertia) and the number of moved points. The data are held as row
//! chunks ([`KMeansData`]) so that no single tensor exceeds a backend's buffer limit
//! (lavapipe's is 128 MiB) and no distance matrix grows with the whole data set.
//!
//! Internally the data are centred on their mean before fitting (as scikit-learn
//! does), which keeps the `f32` distance expansion accurate for data far from the
//! origin; centroids are reported in the original units.
//!
//! Stopping: after `max_iter` iterations, when no point changes cluster, or when the
//! relative change of inertia between two iterations is at most `tolerance`. An
//! empty cluster is re-seeded at the point farthest from its centre, so a centroid is
//! never NaN.

mod data;
mod lloyd;
mod model;
mod params;
mod rng;
#[cfg(test)]
mod tests;

pub use data::{DEFAULT_CHUNK_BYTES, KMeansData};
pub use model::{KMeans, KMeansState};
pub use params::{Iteration, KMeansParams, RunStats};

/// Why k-means cannot fit or predict.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KMeansError {
    /// `k` is zero.
    #[error("the number of clusters k must be at least 1, got 0")]
    ZeroClusters,
    /// `n_init` is zero.
    #[error("n_init (the number of initialisations) must be at least 1, got 0")]
    ZeroInits,
    /// `max_iter` is zero.
    #[error("max_iter must be at least 1, got 0")]
    ZeroIterations,
    /// `tolerance` is negative or not finite.
    #[error("tolerance must be a finite number >= 0, got {0}")]
    BadTolerance(f64),
    /// A chunk size of zero rows.
    #[error("chunk_rows must be at least 1, got 0")]
    ZeroChunkRows,
    /// No points to cluster.
    #[error("the data set is empty: there are no points to cluster")]
    EmptyData,
    /// Points with no features.
    #[error("the data have no features (0 columns)")]
    NoFeatures,
    /// A row-major buffer whose length is not a multiple of the number of features.
    #[error("{len} values are not a whole number of rows of {n_features} features")]
    RaggedRows {
        /// Values in the buffer.
        len: usize,
        /// Features per row.
        n_features: usize,
    },
    /// The caller's progress callback asked to stop (a signal).
    #[error("stopped before the fit converged")]
    Stopped,
    /// More clusters than points.
    #[error("k = {k} clusters but only {n} points: k must not exceed the number of points")]
    TooManyClusters {
        /// Requested clusters.
        k: usize,
        /// Points in the data.
        n: usize,
    },
    /// A NaN or infinite value in the data.
    #[error("the data contain a non-finite value ({value}) at row {row}, column {column}")]
    NonFinite {
        /// Row of the first non-finite value.
        row: usize,
        /// Its column.
        column: usize,
        /// The value (NaN, inf or -inf).
        value: f32,
    },
    /// The data to predict have another number of features than the centroids.
    #[error(
        "dimension mismatch: the model was fitted on {expected} features, the data have {found}"
    )]
    DimensionMismatch {
        /// Features of the fitted model.
        expected: usize,
        /// Features of the data.
        found: usize,
    },
    /// Saving or loading a model failed.
    #[error("{0}")]
    Io(String),
}
