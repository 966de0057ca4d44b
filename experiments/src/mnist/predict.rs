//! `mnist predict`: classify test images by index, or 28×28 grayscale PNGs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::tensor::{Tensor, TensorData, activation::softmax};
use clap::Args;
use datasets::mnist::{MnistImages, PIXELS, SIDE, Split, normalize, source::Search};
use models::MlpClassifier;

use super::MnistConfig;
use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, InferenceBackend},
};

/// Arguments of `mnist predict`.
#[derive(Debug, Args)]
pub(super) struct PredictArgs {
    /// Run directory of a finished training run [default: the newest finished mnist run].
    #[arg(long, value_name = "DIR")]
    artifact_dir: Option<PathBuf>,
    /// Test-set indices to classify (e.g. --index 0 1 2).
    #[arg(long, value_name = "N", num_args = 1..)]
    index: Vec<usize>,
    /// 28×28 grayscale PNG files to classify. Light digits on a dark background, as in
    /// MNIST; a mostly light image is inverted first.
    #[arg(long, value_name = "PNG", num_args = 1..)]
    image: Vec<PathBuf>,
    /// Directory with the test files (only the two t10k files are needed), for --index
    /// [default: the directory the run trained on, else as for training].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

/// Reads a 28×28 PNG as MNIST-style bytes (light on dark).
pub(super) fn read_png(path: &Path) -> Result<(Vec<u8>, bool)> {
    let image =
        image::open(path).with_context(|| format!("cannot read image '{}'", path.display()))?;
    if image.width() as usize != SIDE || image.height() as usize != SIDE {
        bail!(
            "'{}' is {}x{} pixels; expected a 28x28 grayscale image",
            path.display(),
            image.width(),
            image.height()
        );
    }
    let mut pixels = image.to_luma8().into_raw();
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / PIXELS as f64;
    let inverted = mean > 127.0;
    if inverted {
        pixels.iter_mut().for_each(|p| *p = 255 - *p);
    }
    Ok((pixels, inverted))
}

pub(super) fn predict(args: &PredictArgs) -> Result<()> {
    if args.index.is_empty() && args.image.is_empty() {
        bail!("nothing to classify: pass --index N... (test images) and/or --image FILE.png...");
    }
    let dir = ArtifactDir::open(crate::run::finished_run_dir(
        args.artifact_dir.as_deref(),
        super::NAME,
    )?)?;
    dir.require_model()?;
    let config: MnistConfig = dir.read_json(CONFIG_FILE)?;
    let kind = config.kind()?;
    let device = backend::device()?;
    let model: MlpClassifier<InferenceBackend> = config.model.init(&device)?;
    let model = dir.load_model(model, &device)?;
    let names = kind.class_names();

    let mut inputs: Vec<(String, Vec<u8>, Option<u8>)> = Vec::new();
    if !args.index.is_empty() {
        let data_dir = args
            .data_dir
            .clone()
            .or_else(|| crate::run::recorded_data_dir(dir.path()));
        let data_dir = Search::from_env(kind, data_dir.as_deref()).locate_for(&[Split::Test])?;
        let test = MnistImages::load(&data_dir, kind, Split::Test)?;
        for &i in &args.index {
            if i >= test.len() {
                bail!(
                    "--index {i} is out of range: the test set has {} images",
                    test.len()
                );
            }
            inputs.push((
                format!("test image {i}"),
                test.image(i).to_vec(),
                Some(test.label(i)),
            ));
        }
    }
    for path in &args.image {
        let (pixels, inverted) = read_png(path)?;
        let note = if inverted { " (inverted)" } else { "" };
        inputs.push((format!("'{}'{note}", path.display()), pixels, None));
    }

    let flat: Vec<f32> = inputs
        .iter()
        .flat_map(|(_, p, _)| p.iter().map(|&v| normalize(v)))
        .collect();
    let x = Tensor::<InferenceBackend, 2>::from_data(
        TensorData::new(flat, [inputs.len(), PIXELS]),
        &device,
    );
    let probabilities: Vec<f32> = softmax(model.forward(x), 1)
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("f32 data");
    for ((what, _, label), p) in inputs.iter().zip(probabilities.chunks(names.len())) {
        let (best, &pb) = p
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("10 classes");
        let truth = label.map_or(String::new(), |l| {
            format!(" (label: {})", names[usize::from(l)])
        });
        println!("{what}: {} with probability {pb:.3}{truth}", names[best]);
        let all: Vec<String> = names
            .iter()
            .zip(p)
            .map(|(n, v)| format!("{n} {v:.3}"))
            .collect();
        println!("  {}", all.join("  "));
    }
    Ok(())
}
