//! The metadata of the bit-reversal network's `model.safetensors`, and its export for
//! runs made before the file existed.

use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;

use super::{NAME, ReverseConfig};
use crate::{
    artifacts::ArtifactDir,
    backend::InferenceBackend,
    weights::{self, WeightsInfo},
};

/// The metadata of a bit-reversal network's `model.safetensors`.
pub(super) fn info(config: &ReverseConfig, run: &str) -> WeightsInfo {
    WeightsInfo {
        experiment: NAME.to_string(),
        run: run.to_string(),
        output: format!(
            "the {} input bits in reverse order, as values near 0 or 1 (round at 0.5)",
            config.bits
        ),
        preprocessing: json!({
            "input": format!("a number's {} bits as 0.0/1.0, most significant first", config.bits),
        }),
        classes: Vec::new(),
    }
}

/// Writes the `model.safetensors` of a finished run from its `model.mpk`.
pub fn export(dir: &ArtifactDir) -> Result<PathBuf> {
    weights::export_recorded(
        dir,
        |c: &ReverseConfig, device| Ok(c.model.init::<InferenceBackend>(device)?),
        |c, run| Ok(info(c, run)),
    )
}
