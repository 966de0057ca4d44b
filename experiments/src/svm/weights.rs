//! The metadata of the linear SVM's `model.safetensors`, and its export for runs made
//! before the file existed.

use std::path::PathBuf;

use anyhow::Result;
use datasets::mnist::MnistKind;
use serde_json::json;

use super::{DataChoice, NAME, SvmConfig};
use crate::{
    artifacts::ArtifactDir,
    backend::InferenceBackend,
    weights::{self, WeightsInfo},
};

/// The metadata of a linear SVM's `model.safetensors`.
pub(super) fn info(config: &SvmConfig, run: &str) -> WeightsInfo {
    let (output, preprocessing, classes) = match config.dataset {
        DataChoice::Seed => (
            "decision value f(x); f > 0 is class 1, else class 0",
            json!({"input": "a 2-D point (x, y), as in the seed's data"}),
            vec!["0".to_string(), "1".to_string()],
        ),
        DataChoice::Mnist => (
            "10 decision values; the largest is the class",
            crate::mnist::preprocessing(MnistKind::Mnist),
            MnistKind::Mnist
                .class_names()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        ),
    };
    WeightsInfo {
        experiment: NAME.to_string(),
        run: run.to_string(),
        output: output.to_string(),
        preprocessing,
        classes,
    }
}

/// Writes the `model.safetensors` of a finished run from its `model.mpk`.
pub fn export(dir: &ArtifactDir) -> Result<PathBuf> {
    weights::export_recorded(
        dir,
        |c: &SvmConfig, device| Ok(c.model.init::<InferenceBackend>(device)?),
        |c, run| Ok(info(c, run)),
    )
}
