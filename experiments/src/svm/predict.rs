//! `svm predict`: classify points with a trained model.

use std::path::PathBuf;

use anyhow::{Result, bail};
use burn::tensor::{Tensor, TensorData};
use clap::Args;
use models::LinearSvm;

use super::{NAME, SvmConfig};
use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, InferenceBackend},
};

#[derive(Debug, Args)]
pub(super) struct PredictArgs {
    /// Run directory of a finished training run [default: the newest finished svm run].
    #[arg(long, value_name = "DIR")]
    artifact_dir: Option<PathBuf>,
    /// A point to classify, its coordinates comma-separated (e.g. `--point -0.2751,-0.4941`);
    /// repeat for more points.
    #[arg(
        long = "point",
        value_name = "X,Y",
        required = true,
        allow_hyphen_values = true
    )]
    points: Vec<String>,
}

/// Parses `"x,y,..."` into numbers; the error names the point.
fn parse_point(s: &str) -> Result<Vec<f32>> {
    s.split(',')
        .map(|v| match v.trim().parse::<f32>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => bail!("--point '{s}': '{}' is not a finite number", v.trim()),
        })
        .collect()
}

pub(super) fn predict(args: &PredictArgs) -> Result<()> {
    let dir = ArtifactDir::open(crate::run::finished_run_dir(
        args.artifact_dir.as_deref(),
        NAME,
    )?)?;
    let config: SvmConfig = dir.read_json(CONFIG_FILE)?;
    let device = backend::device()?;
    let model: LinearSvm<InferenceBackend> =
        dir.load_model(config.model.init(&device)?, &device)?;
    let points: Vec<Vec<f32>> = args
        .points
        .iter()
        .map(|p| parse_point(p))
        .collect::<Result<_>>()?;
    let width = points[0].len();
    if let Some(p) = points.iter().find(|p| p.len() != width) {
        bail!(
            "the points have different lengths ({width} and {} coordinates)",
            p.len()
        );
    }
    let flat: Vec<f32> = points.iter().flatten().copied().collect();
    let x = Tensor::<InferenceBackend, 2>::from_data(
        TensorData::new(flat, [points.len(), width]),
        &device,
    );
    for (point, (class, value)) in args.points.iter().zip(model.predict(x)?.class_decisions()) {
        println!("({point}) is class {class} with decision value {value:.3}");
    }
    Ok(())
}
