//! `linreg predict`: reload a trained model and its scaler, predict in original units.

use std::path::PathBuf;

use anyhow::{Result, bail};
use burn::tensor::{Tensor, TensorData};
use clap::Args;
use models::LinearModel;

use super::{LinregConfig, SCALER_FILE, data::Scaler};
use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, InferenceBackend},
};

#[derive(Debug, Args)]
pub(super) struct PredictArgs {
    /// Run directory of a finished training run [default: the newest finished linreg run].
    #[arg(long, value_name = "DIR")]
    artifact_dir: Option<PathBuf>,
    /// Input values in original units; a model with several inputs takes them
    /// row after row.
    #[arg(required = true, allow_negative_numbers = true)]
    values: Vec<f64>,
}

pub(super) fn predict(args: &PredictArgs) -> Result<()> {
    let dir = ArtifactDir::open(crate::run::finished_run_dir(
        args.artifact_dir.as_deref(),
        super::NAME,
    )?)?;
    dir.require_model()?;
    let config: LinregConfig = dir.read_json(CONFIG_FILE)?;
    let scaler: Scaler = dir.read_json(SCALER_FILE)?;
    let device = backend::device()?;
    let model: LinearModel<InferenceBackend> = config.model.init(&device)?;
    let model = dir.load_model(model, &device)?;
    let d = config.model.inputs;
    if !args.values.len().is_multiple_of(d) {
        bail!(
            "the model takes {d} inputs per row; {} values do not form whole rows",
            args.values.len()
        );
    }
    if let Some(bad) = args.values.iter().find(|v| !v.is_finite()) {
        bail!("input values must be finite, got {bad}");
    }
    let mut x = args.values.clone();
    scaler.inputs.transform(&mut x);
    let n = x.len() / d;
    let data = TensorData::new(x.iter().map(|&v| v as f32).collect::<Vec<_>>(), [n, d]);
    let out = model.forward(Tensor::from_data(data, &device));
    let mut y: Vec<f64> = out.into_data().iter::<f32>().map(f64::from).collect();
    scaler.targets.inverse(&mut y);
    let m = config.model.outputs;
    for (input, output) in args.values.chunks_exact(d).zip(y.chunks_exact(m)) {
        println!(
            "{} {input:?} -> {} {output:.3?}",
            scaler.names.0, scaler.names.1
        );
    }
    Ok(())
}
