//! The metadata of the linear regression's `model.safetensors` (with the
//! standardisation it was fitted in), and its export for runs made before the file
//! existed.

use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;

use super::{LinregConfig, NAME, SCALER_FILE, data::Scaler};
use crate::{
    artifacts::ArtifactDir,
    backend::InferenceBackend,
    weights::{self, WeightsInfo},
};

/// The metadata of a linear regression's `model.safetensors`.
pub(super) fn info(scaler: &Scaler, run: &str) -> WeightsInfo {
    WeightsInfo {
        experiment: NAME.to_string(),
        run: run.to_string(),
        output: format!(
            "{} standardised: y = z * targets.std + targets.mean",
            scaler.names.1
        ),
        preprocessing: json!({
            "input": scaler.names.0,
            "formula": "z = (x - inputs.mean) / inputs.std, per column",
            "inputs": scaler.inputs,
            "targets": scaler.targets,
        }),
        classes: Vec::new(),
    }
}

/// Writes the `model.safetensors` of a finished run from its `model.mpk`.
pub fn export(dir: &ArtifactDir) -> Result<PathBuf> {
    weights::export_recorded(
        dir,
        |c: &LinregConfig, device| Ok(c.model.init::<InferenceBackend>(device)?),
        |_, run| Ok(info(&dir.read_json::<Scaler>(SCALER_FILE)?, run)),
    )
}
