//! The fitted model: centroids, statistics, predict, save and load.

use std::path::Path;

use burn::{
    config::Config,
    module::{Module, Param},
    record::{FullPrecisionSettings, NamedMpkFileRecorder},
    tensor::{Int, Tensor, backend::Backend},
};

use super::{KMeansData, KMeansError, KMeansParams, RunStats};
use crate::torch::{TorchEquivalent, TorchExport, TorchTensor};

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
    /// A fitted model from its centroids (`[k, n_features]`) and state.
    pub(super) fn new(centroids: Tensor<B, 2>, state: KMeansState) -> Self {
        Self {
            centroids: Param::from_tensor(centroids),
            state,
        }
    }

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

impl<B: Backend> TorchExport for KMeans<B> {
    /// No network: one tensor, `centroids` `[k, n_features]` (a point belongs to the
    /// nearest centroid in squared Euclidean distance).
    fn torch_equivalent(&self) -> TorchEquivalent {
        TorchEquivalent {
            layers: Vec::new(),
            tensors: vec![TorchTensor {
                burn: "centroids".into(),
                torch: "centroids".into(),
                transpose: false,
            }],
        }
    }
}
