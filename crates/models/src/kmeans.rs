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
//! the distance product. Each Lloyd iteration reads back `k + 1` numbers (counts,
//! inertia) and the indices of the moved points. The data are held as row
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

use std::{path::Path, time::Instant};

use burn::{
    config::Config,
    module::{Module, Param},
    record::{FullPrecisionSettings, NamedMpkFileRecorder},
    tensor::{IndexingUpdateOp, Int, Tensor, TensorData, backend::Backend},
};

/// Rows per chunk are chosen so that one chunk holds at most this many bytes of `f32`.
///
/// burn-ndarray copies both operands of every matrix product; at 8 MiB the copies are
/// served from reused heap memory (below glibc's largest mmap threshold, 32 MiB),
/// while a chunk is still large enough that the dozen tensor operations per chunk
/// cost little. It is far below lavapipe's 128 MiB buffer limit. MNIST (60,000 × 784,
/// k = 10) on ndarray, 2 cores, ms per Lloyd iteration with `kmeans --dataset mnist
/// --chunk-rows N`: 1 MiB 103, 2 MiB 96, 4 MiB 79, 8 MiB 67, 16 MiB 67, 32 MiB 125.
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;

/// Every this many Lloyd iterations the per-cluster sums are recomputed from all
/// points instead of updated from the points that changed cluster, so that the
/// rounding of the `f32` updates cannot build up.
const FULL_SUMS_EVERY: usize = 10;

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

/// Hyper-parameters of k-means (scikit-learn's defaults but for `k`).
#[derive(Config, Debug, PartialEq)]
pub struct KMeansParams {
    /// Number of clusters.
    pub k: usize,
    /// Independent k-means++ initialisations; the fit with the lowest inertia is kept.
    #[config(default = 10)]
    pub n_init: usize,
    /// Maximum Lloyd iterations per initialisation.
    #[config(default = 300)]
    pub max_iter: usize,
    /// Stop when `|inertia_prev − inertia| ≤ tolerance · inertia_prev`.
    #[config(default = 1e-4)]
    pub tolerance: f64,
    /// Seed of the k-means++ choices (the only randomness).
    #[config(default = 42)]
    pub seed: u64,
    /// Rows per data chunk for [`fit`](Self::fit); `None`: at most
    /// [`DEFAULT_CHUNK_BYTES`] per chunk.
    #[config(default = "None")]
    pub chunk_rows: Option<usize>,
}

impl KMeansParams {
    /// Checks the hyper-parameters that do not depend on the data.
    pub fn validate(&self) -> Result<(), KMeansError> {
        if self.k == 0 {
            return Err(KMeansError::ZeroClusters);
        }
        if self.n_init == 0 {
            return Err(KMeansError::ZeroInits);
        }
        if self.max_iter == 0 {
            return Err(KMeansError::ZeroIterations);
        }
        if !self.tolerance.is_finite() || self.tolerance < 0.0 {
            return Err(KMeansError::BadTolerance(self.tolerance));
        }
        if self.chunk_rows == Some(0) {
            return Err(KMeansError::ZeroChunkRows);
        }
        Ok(())
    }

    /// Fits k-means to the rows of `data` (`[n_points, n_features]`).
    pub fn fit<B: Backend>(&self, data: Tensor<B, 2>) -> Result<KMeans<B>, KMeansError> {
        self.validate()?;
        let data = KMeansData::from_tensor(data, self.chunk_rows)?;
        self.fit_data(&data, |_| {})
    }

    /// Fits k-means to chunked data, calling `progress` after every Lloyd iteration.
    pub fn fit_data<B: Backend>(
        &self,
        data: &KMeansData<B>,
        mut progress: impl FnMut(&Iteration),
    ) -> Result<KMeans<B>, KMeansError> {
        self.validate()?;
        if data.is_empty() {
            return Err(KMeansError::EmptyData);
        }
        if data.n_features == 0 {
            return Err(KMeansError::NoFeatures);
        }
        if self.k > data.n_points {
            return Err(KMeansError::TooManyClusters {
                k: self.k,
                n: data.n_points,
            });
        }
        data.check_finite()?;
        let prepared = Prepared::new(data);
        let mut rng = SplitMix64::new(self.seed);
        let mut best: Option<(Tensor<B, 2>, RunStats)> = None;
        let mut runs = Vec::with_capacity(self.n_init);
        for init in 0..self.n_init {
            let (centroids, stats) = self.run_once(&prepared, &mut rng, init, &mut progress);
            runs.push(stats.clone());
            if best.as_ref().is_none_or(|(_, b)| stats.inertia < b.inertia) {
                best = Some((centroids, stats));
            }
        }
        let (centroids, stats) = best.expect("n_init >= 1 was validated");
        let centroids = centroids + prepared.mean.clone();
        Ok(KMeans {
            centroids: Param::from_tensor(centroids),
            state: KMeansState {
                params: self.clone(),
                n_features: data.n_features,
                inertia: stats.inertia,
                n_iter: stats.n_iter,
                runs,
            },
        })
    }

    /// One k-means++ initialisation followed by Lloyd iterations; returns the
    /// (centred) centroids and the run's statistics.
    fn run_once<B: Backend>(
        &self,
        data: &Prepared<B>,
        rng: &mut SplitMix64,
        init: usize,
        progress: &mut impl FnMut(&Iteration),
    ) -> (Tensor<B, 2>, RunStats) {
        let started = Instant::now();
        let mut centroids = kmeans_plus_plus(data, self.k, rng);
        let init_seconds = started.elapsed().as_secs_f64();
        let lloyd = Instant::now();
        let mut previous: Option<(f64, Assignment<B>)> = None;
        let mut n_iter = 0;
        for iteration in 1..=self.max_iter {
            n_iter = iteration;
            let incremental = !iteration.is_multiple_of(FULL_SUMS_EVERY);
            let step = assign(
                data,
                &centroids,
                self.k,
                previous.as_ref().map(|p| &p.1),
                incremental,
            );
            let counts = &step.counts;
            let assignment = step.assignment;
            let mut update = assignment.sums.clone()
                / assignment
                    .counts
                    .clone()
                    .clamp_min(1.0)
                    .unsqueeze_dim::<2>(1);
            let empty: Vec<usize> = (0..self.k).filter(|&j| counts[j] == 0.0).collect();
            if !empty.is_empty() {
                update = reseed(data, update, &empty, &step.min_distances);
            }
            let moved = step.moved.unwrap_or(data.n_points);
            progress(&Iteration {
                init,
                iteration,
                inertia: step.inertia,
                moved,
                empty_clusters: empty.len(),
            });
            let converged = moved == 0
                || previous.as_ref().is_some_and(|(prev, _)| {
                    (prev - step.inertia).abs() <= self.tolerance * prev.abs()
                });
            centroids = update;
            previous = Some((step.inertia, assignment));
            if converged {
                break;
            }
        }
        // Inertia of the final centroids, with the points re-assigned to them.
        let inertia = final_inertia(data, &centroids);
        let lloyd_seconds = lloyd.elapsed().as_secs_f64();
        (
            centroids,
            RunStats {
                inertia,
                n_iter,
                init_seconds,
                lloyd_seconds,
            },
        )
    }
}

/// Progress after one Lloyd iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    /// Index of the initialisation (0-based).
    pub init: usize,
    /// Iteration within that initialisation (1-based).
    pub iteration: usize,
    /// Inertia (sum of squared distances to the nearest centroid) before the update.
    pub inertia: f64,
    /// Points whose cluster changed (all points on the first iteration).
    pub moved: usize,
    /// Clusters that were empty and were re-seeded.
    pub empty_clusters: usize,
}

/// Statistics of one initialisation.
#[derive(Config, Debug, PartialEq)]
pub struct RunStats {
    /// Inertia of the run's final centroids.
    pub inertia: f64,
    /// Lloyd iterations run.
    pub n_iter: usize,
    /// Seconds spent in k-means++.
    pub init_seconds: f64,
    /// Seconds spent in Lloyd iterations (including the final assignment).
    pub lloyd_seconds: f64,
}

/// What describes a fitted model besides its centroids: saved as JSON beside the
/// burn record, and enough to rebuild an empty model to load the record into.
#[derive(Config, Debug, PartialEq)]
pub struct KMeansState {
    /// The hyper-parameters of the fit.
    pub params: KMeansParams,
    /// Features per point.
    pub n_features: usize,
    /// Inertia of the kept fit.
    pub inertia: f64,
    /// Lloyd iterations of the kept fit.
    pub n_iter: usize,
    /// Statistics of every initialisation, in order.
    pub runs: Vec<RunStats>,
}

impl KMeansState {
    /// A model with zero centroids of the right shape, ready for `load_record`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> KMeans<B> {
        KMeans {
            centroids: Param::from_tensor(Tensor::zeros([self.params.k, self.n_features], device)),
            state: self.clone(),
        }
    }
}

/// A fitted k-means model.
///
/// # Shapes
/// - centroids: `[k, n_features]`, in the units of the data it was fitted on
/// - [`predict`](Self::predict): `[n_points, n_features]` → `[n_points]` cluster indices
#[derive(Module, Debug)]
pub struct KMeans<B: Backend> {
    centroids: Param<Tensor<B, 2>>,
    #[module(skip)]
    state: KMeansState,
}

impl<B: Backend> KMeans<B> {
    /// The centroids, `[k, n_features]`.
    pub fn centroids(&self) -> Tensor<B, 2> {
        self.centroids.val()
    }

    /// Sum of squared distances of the training points to their nearest centroid.
    pub fn inertia(&self) -> f64 {
        self.state.inertia
    }

    /// Lloyd iterations of the kept fit.
    pub fn n_iter(&self) -> usize {
        self.state.n_iter
    }

    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.state.params.k
    }

    /// The fit's hyper-parameters and statistics.
    pub fn state(&self) -> &KMeansState {
        &self.state
    }

    /// Mean seconds per Lloyd iteration over all initialisations (k-means++ excluded).
    pub fn seconds_per_iteration(&self) -> f64 {
        let iterations: usize = self.state.runs.iter().map(|r| r.n_iter).sum();
        let seconds: f64 = self.state.runs.iter().map(|r| r.lloyd_seconds).sum();
        seconds / iterations.max(1) as f64
    }

    /// The nearest centroid of each row of `data` (`[n, n_features]` → `[n]`).
    pub fn predict(&self, data: Tensor<B, 2>) -> Result<Tensor<B, 1, Int>, KMeansError> {
        let [n, d] = data.dims();
        self.check_features(d)?;
        if n == 0 {
            return Ok(Tensor::empty([0], &data.device()));
        }
        let c = self.centroids();
        let c_sq = c.clone().square().sum_dim(1).reshape([1, self.k()]);
        let scores = data.matmul(c.transpose()).mul_scalar(-2.0) + c_sq;
        Ok(scores.argmin(1).reshape([n]))
    }

    /// [`predict`](Self::predict) for every chunk of `data`, concatenated.
    pub fn predict_data(&self, data: &KMeansData<B>) -> Result<Tensor<B, 1, Int>, KMeansError> {
        self.check_features(data.n_features)?;
        let labels: Vec<_> = data
            .chunks
            .iter()
            .map(|chunk| self.predict(chunk.clone()))
            .collect::<Result<_, _>>()?;
        if labels.is_empty() {
            return Err(KMeansError::EmptyData);
        }
        Ok(Tensor::cat(labels, 0))
    }

    fn check_features(&self, found: usize) -> Result<(), KMeansError> {
        if found != self.state.n_features {
            return Err(KMeansError::DimensionMismatch {
                expected: self.state.n_features,
                found,
            });
        }
        Ok(())
    }

    /// Saves the model as `<stem>.json` (the [`KMeansState`]) and `<stem>.mpk` (the
    /// centroids as a full-precision burn record).
    pub fn save(&self, stem: &Path) -> Result<(), KMeansError> {
        let json = stem.with_extension("json");
        self.state
            .save(&json)
            .map_err(|e| KMeansError::Io(format!("cannot write '{}': {e}", json.display())))?;
        self.clone().save_file(stem, &recorder()).map_err(|e| {
            KMeansError::Io(format!(
                "cannot save the model to '{}.mpk': {e}",
                stem.display()
            ))
        })
    }

    /// Loads a model written by [`save`](Self::save).
    pub fn load(stem: &Path, device: &B::Device) -> Result<Self, KMeansError> {
        let json = stem.with_extension("json");
        let state = KMeansState::load(&json)
            .map_err(|e| KMeansError::Io(format!("cannot read '{}': {e}", json.display())))?;
        state
            .init(device)
            .load_file(stem, &recorder(), device)
            .map_err(|e| {
                KMeansError::Io(format!(
                    "cannot load the model from '{}.mpk': {e}",
                    stem.display()
                ))
            })
    }
}

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

/// Points to cluster, held as row chunks (`[rows, n_features]` each).
#[derive(Debug, Clone)]
pub struct KMeansData<B: Backend> {
    chunks: Vec<Tensor<B, 2>>,
    n_points: usize,
    n_features: usize,
}

impl<B: Backend> KMeansData<B> {
    /// Rows per chunk for `n_features` columns when none is given: at most
    /// [`DEFAULT_CHUNK_BYTES`] of `f32` per chunk.
    pub fn default_chunk_rows(n_features: usize) -> usize {
        let rows = (DEFAULT_CHUNK_BYTES / (4 * n_features.max(1))).max(1);
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
    fn check_finite(&self) -> Result<(), KMeansError> {
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

use burn::tensor::ElementConversion;

/// The data centred on their mean, with each row's squared norm.
struct Prepared<B: Backend> {
    chunks: Vec<Tensor<B, 2>>,
    norms: Vec<Tensor<B, 2>>,
    mean: Tensor<B, 2>,
    n_points: usize,
    n_features: usize,
}

impl<B: Backend> Prepared<B> {
    fn new(data: &KMeansData<B>) -> Self {
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
    fn row(&self, index: usize) -> Tensor<B, 2> {
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
    fn rows(&self, indices: &[usize]) -> Tensor<B, 2> {
        Tensor::cat(indices.iter().map(|&i| self.row(i)).collect(), 0)
    }
}

/// Squared distances `[m, t]` of chunk rows to `centres` (`[t, d]`), clamped at 0.
fn squared_distances<B: Backend>(
    x: &Tensor<B, 2>,
    x_sq: &Tensor<B, 2>,
    centres: &Tensor<B, 2>,
) -> Tensor<B, 2> {
    let t = centres.dims()[0];
    let c_sq = centres.clone().square().sum_dim(1).reshape([1, t]);
    (x.clone()
        .matmul(centres.clone().transpose())
        .mul_scalar(-2.0)
        + c_sq
        + x_sq.clone())
    .clamp_min(0.0)
}

fn read_f32<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec()
        .expect("converted to f32")
}

/// Greedy k-means++ (scikit-learn's variant): each new centre is the best of
/// `2 + ⌊ln k⌋` candidates sampled proportionally to the squared distance to the
/// nearest centre chosen so far. Distances are tensor operations; the sampling reads
/// the current distances back once per centre.
fn kmeans_plus_plus<B: Backend>(
    data: &Prepared<B>,
    k: usize,
    rng: &mut SplitMix64,
) -> Tensor<B, 2> {
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.below(data.n_points);
    let mut centres = vec![data.row(first)];
    let mut closest: Vec<Tensor<B, 2>> = data
        .chunks
        .iter()
        .zip(&data.norms)
        .map(|(x, x_sq)| squared_distances(x, x_sq, &centres[0]))
        .collect();
    for _ in 1..k {
        let host: Vec<f32> = read_f32(Tensor::cat(closest.clone(), 0));
        let mut cumulative = Vec::with_capacity(host.len());
        let mut total = 0.0f64;
        for v in &host {
            total += f64::from(*v);
            cumulative.push(total);
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let r = rng.next_f64() * total;
                cumulative
                    .partition_point(|&c| c <= r)
                    .min(data.n_points - 1)
            })
            .collect();
        let candidate_rows = data.rows(&candidates);
        let mut updated = Vec::with_capacity(closest.len());
        let mut potential: Option<Tensor<B, 2>> = None;
        for ((x, x_sq), old) in data.chunks.iter().zip(&data.norms).zip(&closest) {
            let m = x_sq.dims()[0];
            let d = squared_distances(x, x_sq, &candidate_rows)
                .min_pair(old.clone().expand([m, trials]));
            let p = d.clone().sum_dim(0);
            potential = Some(match potential {
                Some(acc) => acc + p,
                None => p,
            });
            updated.push(d);
        }
        let potential = read_f32(potential.expect("data is not empty"));
        let best = (0..trials)
            .min_by(|&a, &b| potential[a].total_cmp(&potential[b]))
            .expect("at least two trials");
        closest = updated.into_iter().map(|d| d.narrow(1, best, 1)).collect();
        centres.push(data.row(candidates[best]));
    }
    Tensor::cat(centres, 0)
}

/// Every point's cluster, with the per-cluster sums and counts of that assignment.
struct Assignment<B: Backend> {
    labels: Vec<Tensor<B, 1, Int>>,
    sums: Tensor<B, 2>,
    counts: Tensor<B, 1>,
}

/// One assignment pass: the new assignment, each point's squared distance to its
/// centre, the counts on the host, the inertia and the points that changed cluster.
struct Step<B: Backend> {
    assignment: Assignment<B>,
    min_distances: Vec<Tensor<B, 2>>,
    counts: Vec<f32>,
    inertia: f64,
    /// Points whose cluster changed; `None` on the first pass (no previous assignment).
    moved: Option<usize>,
}

/// Assigns every point to its nearest centroid.
///
/// With a `previous` assignment and `incremental` set, the sums and counts are the
/// previous ones corrected for the points that changed cluster (gathered by index),
/// so that a late iteration, where few points move, touches few rows; otherwise they
/// are summed over all points.
fn assign<B: Backend>(
    data: &Prepared<B>,
    centroids: &Tensor<B, 2>,
    k: usize,
    previous: Option<&Assignment<B>>,
    incremental: bool,
) -> Step<B> {
    let device = centroids.device();
    let c_sq = centroids.clone().square().sum_dim(1).reshape([1, k]);
    let c_t = centroids.clone().transpose().mul_scalar(-2.0);
    let incremental = incremental && previous.is_some();
    let (mut sums, mut counts) = match previous {
        Some(p) if incremental => (p.sums.clone(), p.counts.clone()),
        _ => (
            Tensor::<B, 2>::zeros([k, data.n_features], &device),
            Tensor::<B, 1>::zeros([k], &device),
        ),
    };
    let mut inertia = Tensor::<B, 1>::zeros([1], &device);
    let mut moved = previous.map(|_| 0);
    let mut labels = Vec::with_capacity(data.chunks.len());
    let mut min_distances = Vec::with_capacity(data.chunks.len());
    for (i, (x, x_sq)) in data.chunks.iter().zip(&data.norms).enumerate() {
        let m = x.dims()[0];
        let scores = x.clone().matmul(c_t.clone()) + c_sq.clone();
        let (min, label) = scores.min_dim_with_indices(1);
        let label = label.reshape([m]);
        let min = (min + x_sq.clone()).clamp_min(0.0);
        inertia = inertia + min.clone().sum();
        if let (Some(previous), Some(moved)) = (previous, moved.as_mut()) {
            let old = &previous.labels[i];
            let changed = label.clone().not_equal(old.clone()).argwhere();
            let n = changed.dims()[0];
            *moved += n;
            if incremental && n > 0 {
                let changed = changed.reshape([n]);
                let rows = x.clone().select(0, changed.clone());
                let to = label.clone().select(0, changed.clone());
                let from = old.clone().select(0, changed);
                let ones = Tensor::<B, 1>::ones([n], &device);
                sums = sums
                    .select_assign(0, to.clone(), rows.clone(), IndexingUpdateOp::Add)
                    .select_assign(0, from.clone(), rows.neg(), IndexingUpdateOp::Add);
                counts = counts
                    .select_assign(0, to, ones.clone(), IndexingUpdateOp::Add)
                    .select_assign(0, from, ones.neg(), IndexingUpdateOp::Add);
            }
        }
        if !incremental {
            sums = sums.select_assign(0, label.clone(), x.clone(), IndexingUpdateOp::Add);
            counts = counts.select_assign(
                0,
                label.clone(),
                Tensor::ones([m], &device),
                IndexingUpdateOp::Add,
            );
        }
        labels.push(label);
        min_distances.push(min);
    }
    let stats = read_f32(Tensor::cat(vec![counts.clone(), inertia], 0));
    Step {
        assignment: Assignment {
            labels,
            sums,
            counts,
        },
        min_distances,
        counts: stats[..k].to_vec(),
        inertia: f64::from(stats[k]),
        moved,
    }
}

/// Inertia of `centroids` with every point assigned to its nearest one.
fn final_inertia<B: Backend>(data: &Prepared<B>, centroids: &Tensor<B, 2>) -> f64 {
    let k = centroids.dims()[0];
    let c_sq = centroids.clone().square().sum_dim(1).reshape([1, k]);
    let c_t = centroids.clone().transpose().mul_scalar(-2.0);
    let total = data
        .chunks
        .iter()
        .zip(&data.norms)
        .map(|(x, x_sq)| {
            let scores = x.clone().matmul(c_t.clone()) + c_sq.clone();
            (scores.min_dim(1) + x_sq.clone()).clamp_min(0.0).sum()
        })
        .reduce(|a, b| a + b)
        .expect("data is not empty");
    f64::from(read_f32(total)[0])
}

/// Moves each empty cluster's centroid to one of the points farthest from their own
/// centroid (distinct points, farthest first).
fn reseed<B: Backend>(
    data: &Prepared<B>,
    mut centroids: Tensor<B, 2>,
    empty: &[usize],
    min_distances: &[Tensor<B, 2>],
) -> Tensor<B, 2> {
    let distances = read_f32(Tensor::cat(min_distances.to_vec(), 0));
    let mut order: Vec<usize> = (0..distances.len()).collect();
    order.sort_by(|&a, &b| distances[b].total_cmp(&distances[a]).then(a.cmp(&b)));
    let d = data.n_features;
    for (&cluster, &point) in empty.iter().zip(&order) {
        centroids = centroids.slice_assign([cluster..cluster + 1, 0..d], data.row(point));
    }
    centroids
}

/// SplitMix64: a small, portable, seeded generator for the k-means++ choices.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_f64() * n as f64) as usize).min(n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;

    type B = NdArray;

    fn tensor(rows: &[[f32; 2]]) -> Tensor<B, 2> {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), 2]), &Default::default())
    }

    fn blobs() -> Vec<[f32; 2]> {
        // Three tight groups of four points around (0,0), (10,10) and (-10,10).
        let centres = [[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]];
        let offsets = [[0.1, 0.0], [-0.1, 0.0], [0.0, 0.1], [0.0, -0.1]];
        centres
            .iter()
            .flat_map(|c| offsets.iter().map(move |o| [c[0] + o[0], c[1] + o[1]]))
            .collect()
    }

    fn sorted_centroids(model: &KMeans<B>) -> Vec<[f32; 2]> {
        let flat = read_f32(model.centroids());
        let mut c: Vec<[f32; 2]> = flat.chunks(2).map(|r| [r[0], r[1]]).collect();
        c.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        c
    }

    #[test]
    fn finds_well_separated_clusters() {
        let model = KMeansParams::new(3).fit(tensor(&blobs())).unwrap();
        let c = sorted_centroids(&model);
        let expected = [[-10.0, 10.0], [0.0, 0.0], [10.0, 10.0]];
        for (got, want) in c.iter().zip(&expected) {
            assert!(
                (got[0] - want[0]).abs() < 1e-4 && (got[1] - want[1]).abs() < 1e-4,
                "{c:?}"
            );
        }
        // 12 points each at 0.1 from its centre.
        assert!(
            (model.inertia() - 12.0 * 0.01).abs() < 1e-4,
            "{}",
            model.inertia()
        );
        let labels = read_i64(
            model
                .predict(tensor(&[[9.0, 9.0], [0.2, 0.1], [9.5, 10.5]]))
                .unwrap(),
        );
        assert_eq!(labels[0], labels[2]);
        assert_ne!(labels[0], labels[1]);
    }

    fn read_i64(t: Tensor<B, 1, Int>) -> Vec<i64> {
        t.into_data().convert::<i64>().into_vec().unwrap()
    }

    #[test]
    fn chunked_fit_equals_single_chunk_fit() {
        let data = tensor(&blobs());
        let whole = KMeansParams::new(3).fit(data.clone()).unwrap();
        let chunked = KMeansParams::new(3)
            .with_chunk_rows(Some(5))
            .fit(data)
            .unwrap();
        assert_eq!(sorted_centroids(&whole), sorted_centroids(&chunked));
        assert!((whole.inertia() - chunked.inertia()).abs() < 1e-5);
    }

    #[test]
    fn incremental_sums_equal_sums_over_all_points() {
        // 300 random points in 3-D, in chunks of 37 rows; two different sets of
        // centroids, so that many points change cluster between the passes.
        let mut rng = SplitMix64::new(7);
        let rows: Vec<f32> = (0..300 * 3).map(|_| rng.next_f64() as f32 * 10.0).collect();
        let device = Default::default();
        let data = KMeansData::<B>::from_rows(&rows, 3, Some(37), &device).unwrap();
        let data = Prepared::new(&data);
        let k = 4;
        let first = assign(&data, &data.rows(&[0, 1, 2, 3]), k, None, true);
        let centroids = data.rows(&[10, 50, 90, 130]);
        let previous = Some(&first.assignment);
        let incremental = assign(&data, &centroids, k, previous, true);
        let full = assign(&data, &centroids, k, previous, false);
        let moved = incremental.moved.unwrap();
        assert!(moved > 10, "only {moved} points moved");
        assert_eq!(full.moved, Some(moved));
        assert_eq!(incremental.counts, full.counts);
        assert_eq!(
            incremental.counts.iter().sum::<f32>(),
            300.0,
            "{:?}",
            incremental.counts
        );
        let a = read_f32(incremental.assignment.sums);
        let b = read_f32(full.assignment.sums);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-3 * y.abs().max(1.0), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn same_seed_same_centroids() {
        let rows: Vec<[f32; 2]> = (0..500)
            .map(|i| {
                let t = i as f32 * 0.37;
                [
                    t.sin() * 5.0 + (i % 7) as f32,
                    t.cos() * 3.0 - (i % 5) as f32,
                ]
            })
            .collect();
        let fit = |seed| {
            let m = KMeansParams::new(6)
                .with_seed(seed)
                .with_n_init(3)
                .with_chunk_rows(Some(128))
                .fit(tensor(&rows))
                .unwrap();
            (read_f32(m.centroids()), m.inertia(), m.n_iter())
        };
        let a = fit(7);
        assert_eq!(a, fit(7), "same seed, same result");
        assert_ne!(a.0, fit(8).0, "another seed starts elsewhere");
    }

    #[test]
    fn duplicate_points_leave_no_nan() {
        // Five clusters, only two distinct points: clusters go empty and are re-seeded.
        let rows = [
            [1.0, 1.0],
            [1.0, 1.0],
            [1.0, 1.0],
            [5.0, 5.0],
            [5.0, 5.0],
            [5.0, 5.0],
        ];
        let mut empties = 0;
        let model = KMeansParams::new(5)
            .fit_data(
                &KMeansData::from_tensor(tensor(&rows), None).unwrap(),
                |it| empties += it.empty_clusters,
            )
            .unwrap();
        let c = read_f32(model.centroids());
        assert!(c.iter().all(|v| v.is_finite()), "{c:?}");
        assert!(model.inertia().abs() < 1e-6);
        assert!(empties > 0, "the test should exercise re-seeding");
    }

    #[test]
    fn bad_input_is_one_clear_error_each() {
        let data = tensor(&blobs());
        assert_eq!(
            KMeansParams::new(0).fit(data.clone()).unwrap_err(),
            KMeansError::ZeroClusters
        );
        assert_eq!(
            KMeansParams::new(13).fit(data.clone()).unwrap_err(),
            KMeansError::TooManyClusters { k: 13, n: 12 }
        );
        let empty = Tensor::<B, 2>::empty([0, 2], &Default::default());
        assert_eq!(
            KMeansParams::new(2).fit(empty).unwrap_err(),
            KMeansError::EmptyData
        );
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut rows = blobs();
            rows[5][1] = bad;
            match KMeansParams::new(2).fit(tensor(&rows)).unwrap_err() {
                KMeansError::NonFinite {
                    row: 5,
                    column: 1,
                    value,
                } => {
                    assert_eq!(value.is_nan(), bad.is_nan())
                }
                other => panic!("{other:?}"),
            }
        }
        let model = KMeansParams::new(2).fit(data).unwrap();
        let three = Tensor::<B, 2>::zeros([4, 3], &Default::default());
        let err = model.predict(three).unwrap_err();
        assert_eq!(
            err,
            KMeansError::DimensionMismatch {
                expected: 2,
                found: 3
            }
        );
        assert!(
            err.to_string().contains("2 features, the data have 3"),
            "{err}"
        );
        assert_eq!(
            KMeansParams::new(2).with_tolerance(-1.0).validate(),
            Err(KMeansError::BadTolerance(-1.0))
        );
        assert_eq!(
            KMeansParams::new(2).with_n_init(0).validate(),
            Err(KMeansError::ZeroInits)
        );
        assert_eq!(
            KMeansData::<B>::from_rows(&[1.0; 5], 2, None, &Default::default()).unwrap_err(),
            KMeansError::RaggedRows {
                len: 5,
                n_features: 2
            }
        );
    }

    #[test]
    fn save_and_load_round_trip() {
        let tmp = std::env::temp_dir().join(format!("kmeans-test-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let stem = tmp.join("model");
        let model = KMeansParams::new(3).fit(tensor(&blobs())).unwrap();
        model.save(&stem).unwrap();
        let loaded = KMeans::<B>::load(&stem, &Default::default()).unwrap();
        assert_eq!(read_f32(model.centroids()), read_f32(loaded.centroids()));
        // JSON keeps the inertia to within an ulp.
        assert!((model.inertia() - loaded.inertia()).abs() <= 1e-12 * model.inertia());
        assert_eq!(model.n_iter(), loaded.n_iter());
        let err = KMeans::<B>::load(&tmp.join("missing"), &Default::default()).unwrap_err();
        assert!(err.to_string().contains("missing.json"), "{err}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
