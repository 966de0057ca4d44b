//! Validated hyper-parameters, and the fit: k-means++ starts followed by Lloyd iterations.

use std::{ops::ControlFlow, time::Instant};

use crate::fused::ZooBackend;

use burn::{config::Config, tensor::Tensor};

use super::{
    KMeans, KMeansData, KMeansError, KMeansState,
    data::Prepared,
    lloyd::{Assignment, FULL_SUMS_EVERY, assign, final_inertia, kmeans_plus_plus, reseed},
    rng::SplitMix64,
};

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
    /// Rows per data chunk for [`fit`](Self::fit); `None`: at most the backend's
    /// [`KMEANS_CHUNK_BYTES`](crate::fused::ZooBackend::KMEANS_CHUNK_BYTES), else
    /// [`DEFAULT_CHUNK_BYTES`](super::DEFAULT_CHUNK_BYTES), per chunk.
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
    pub fn fit<B: ZooBackend>(&self, data: Tensor<B, 2>) -> Result<KMeans<B>, KMeansError> {
        self.validate()?;
        let data = KMeansData::from_tensor(data, self.chunk_rows)?;
        self.fit_data(&data, |_| ControlFlow::Continue(()))
    }

    /// Fits k-means to chunked data, calling `progress` after every Lloyd iteration;
    /// `progress` returning `Break` ends the fit with [`KMeansError::Stopped`].
    pub fn fit_data<B: ZooBackend>(
        &self,
        data: &KMeansData<B>,
        mut progress: impl FnMut(&Iteration) -> ControlFlow<()>,
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
            let (centroids, stats) = self
                .run_once(&prepared, &mut rng, init, &mut progress)
                .ok_or(KMeansError::Stopped)?;
            runs.push(stats.clone());
            if best.as_ref().is_none_or(|(_, b)| stats.inertia < b.inertia) {
                best = Some((centroids, stats));
            }
        }
        let (centroids, stats) = best.expect("n_init >= 1 was validated");
        let centroids = centroids + prepared.mean.clone();
        Ok(KMeans::new(
            centroids,
            KMeansState {
                params: self.clone(),
                n_features: data.n_features,
                inertia: stats.inertia,
                n_iter: stats.n_iter,
                runs,
            },
        ))
    }

    /// One k-means++ initialisation followed by Lloyd iterations; returns the
    /// (centred) centroids and the run's statistics.
    fn run_once<B: ZooBackend>(
        &self,
        data: &Prepared<B>,
        rng: &mut SplitMix64,
        init: usize,
        progress: &mut impl FnMut(&Iteration) -> ControlFlow<()>,
    ) -> Option<(Tensor<B, 2>, RunStats)> {
        let started = Instant::now();
        let mut centroids = kmeans_plus_plus(data, self.k, rng);
        let init_seconds = started.elapsed().as_secs_f64();
        let lloyd = Instant::now();
        let mut previous: Option<(f64, Assignment<B>)> = None;
        let mut n_iter = 0;
        for iteration in 1..=self.max_iter {
            n_iter = iteration;
            // A backend that sums in the distance pass sums every point every time.
            let incremental = !B::FUSED_CLUSTER_SUMS && !iteration.is_multiple_of(FULL_SUMS_EVERY);
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
            let flow = progress(&Iteration {
                init,
                iteration,
                inertia: step.inertia,
                moved,
                empty_clusters: empty.len(),
            });
            if flow.is_break() {
                return None;
            }
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
        Some((
            centroids,
            RunStats {
                inertia,
                n_iter,
                init_seconds,
                lloyd_seconds,
            },
        ))
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
