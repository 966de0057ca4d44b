//! The metadata of k-means' `model.safetensors`: the centroids, in the units of the
//! (standardised) data they were fitted on.

use datasets::standardize::Standardizer;
use serde_json::json;

use super::{KMeansConfig, NAME};
use crate::weights::WeightsInfo;

/// The metadata of a k-means model's `model.safetensors`.
pub(super) fn info(config: &KMeansConfig, standardizer: &Standardizer, run: &str) -> WeightsInfo {
    WeightsInfo {
        experiment: NAME.to_string(),
        run: run.to_string(),
        output: "centroids [k, features]: a point belongs to the nearest one (squared \
                 Euclidean distance), in the preprocessed units"
            .to_string(),
        preprocessing: json!({
            "dataset": config.dataset,
            "formula": "z = (x - mean) / std, per feature",
            "mean": standardizer.mean,
            "std": standardizer.std,
        }),
        classes: Vec::new(),
    }
}
