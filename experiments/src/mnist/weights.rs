//! MNIST's weights in and out: the metadata of its `model.safetensors`, `mnist eval
//! --weights FILE` (weights made anywhere, evaluated on the compiled-in backend) and the
//! check behind `--init-from FILE`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use datasets::mnist::{
    MNIST_MEAN, MNIST_STD, MnistImages, MnistKind, PIXELS, Split, source::Search,
};
use models::{MlpClassifier, MlpClassifierConfig};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{MnistConfig, eval};
use crate::{
    artifacts::ArtifactDir,
    backend::{self, InferenceBackend},
    weights::{self, WeightsFile, WeightsInfo, dashed},
};

/// The metadata of an MNIST (or Fashion-MNIST) model's `model.safetensors`.
pub(super) fn info(kind: MnistKind, run: &str) -> WeightsInfo {
    WeightsInfo {
        experiment: super::NAME.to_string(),
        run: run.to_string(),
        output: "logits; softmax gives the class probabilities".to_string(),
        preprocessing: preprocessing(kind),
        classes: kind.class_names().iter().map(|c| c.to_string()).collect(),
    }
}

/// MNIST's input preprocessing, as the metadata states it (also the SVM's on MNIST).
pub(crate) fn preprocessing(kind: MnistKind) -> serde_json::Value {
    json!({
            "dataset": kind.name(),
            "input": "a 28x28 grayscale image (light digit on dark), row-major, flattened to 784 values",
            "formula": "x = (pixel * scale - mean) / std",
            "scale": 1.0 / 255.0,
            "mean": MNIST_MEAN,
            "std": MNIST_STD,
    })
}

/// Writes the `model.safetensors` of a finished run from its `model.mpk` (for runs
/// made before the file existed).
pub fn export(dir: &ArtifactDir) -> Result<PathBuf> {
    weights::export_recorded(
        dir,
        |c: &MnistConfig, device| Ok(c.model.init::<InferenceBackend>(device)?),
        |c, run| Ok(info(c.kind()?, run)),
    )
}

/// Where `--init-from` weights came from, kept in `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitFrom {
    /// The file as given.
    pub path: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// Checks that `path` holds weights for the network `model` and says where they came
/// from; the error names the file and both shapes.
pub(super) fn check_init_from(path: &Path, model: &MlpClassifierConfig) -> Result<InitFrom> {
    let file = WeightsFile::open(path)?;
    let found = file.widths()?;
    let mut expected = vec![model.inputs];
    expected.extend(&model.hidden);
    expected.push(model.classes);
    if found != expected {
        let hidden: Vec<String> = found[1..found.len() - 1]
            .iter()
            .map(usize::to_string)
            .collect();
        bail!(
            "--init-from '{}': the file's layers are {} but the network is {}{}",
            path.display(),
            dashed(&found),
            dashed(&expected),
            if found.first() == expected.first() && found.last() == expected.last() {
                format!(" (pass --hidden {})", hidden.join(" "))
            } else {
                String::new()
            }
        );
    }
    Ok(InitFrom {
        path: path.to_path_buf(),
        sha256: file.sha256().to_string(),
    })
}

/// Loads `--init-from` weights into a freshly built model.
pub(super) fn load_init<B: burn::tensor::backend::Backend>(
    init: &InitFrom,
    model: MlpClassifier<B>,
) -> Result<MlpClassifier<B>> {
    let file = WeightsFile::open(&init.path)?;
    if file.sha256() != init.sha256 {
        bail!(
            "--init-from '{}' changed since the run started (SHA-256 {} , recorded {})",
            init.path.display(),
            file.sha256(),
            init.sha256
        );
    }
    file.load_into(model)
}

/// Arguments of `mnist eval`.
#[derive(Debug, Args)]
pub(super) struct EvalArgs {
    /// Weights to evaluate: a .safetensors file (a run's model.safetensors, or one saved
    /// with safetensors.torch.save_file) or a PyTorch state dict (.pt, .pth) of Linear
    /// layers with ReLU between them.
    #[arg(long, value_name = "FILE")]
    weights: PathBuf,
    /// Directory with the test files (the two t10k files) [default: $MNIST_DIR /
    /// $FASHION_MNIST_DIR, else the user cache, downloading there if needed].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Data set: mnist or fashion.
    #[arg(long, default_value = "mnist", value_parser = super::parse_kind)]
    dataset: MnistKind,
    /// Hidden layer widths the file must have [default: read from the tensors' shapes].
    #[arg(long, value_name = "WIDTH", num_args = 1..)]
    hidden: Option<Vec<usize>>,
    /// Evaluate only the first N test images.
    #[arg(long, value_name = "N", value_parser = crate::cli::positive_usize)]
    test_limit: Option<usize>,
    /// Where to write the report [default: eval.json beside the weights file].
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the test set's logits ([images, 10], float32) to this .safetensors
    /// file, for interop/load_in_pytorch.py --compare-logits.
    #[arg(long, value_name = "FILE")]
    logits: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct EvalReport<'a> {
    weights: String,
    format: String,
    sha256: &'a str,
    layers: String,
    backend: String,
    device: String,
    dataset: &'a str,
    data_dir: String,
    images: usize,
    accuracy: f64,
    loss: f64,
    confusion_matrix: &'a [Vec<u64>],
    precision: &'a [f64],
    recall: &'a [f64],
}

/// `mnist eval --weights FILE`.
pub(super) fn eval_weights(args: &EvalArgs) -> Result<()> {
    let file = WeightsFile::open(&args.weights)?;
    let widths = file.widths()?;
    let (first, last) = (widths[0], widths[widths.len() - 1]);
    if first != PIXELS || last != datasets::mnist::CLASSES {
        bail!(
            "'{}': the network is {} but an MNIST classifier takes {PIXELS} inputs and gives {} outputs",
            args.weights.display(),
            dashed(&widths),
            datasets::mnist::CLASSES
        );
    }
    let hidden = widths[1..widths.len() - 1].to_vec();
    if let Some(wanted) = &args.hidden
        && *wanted != hidden
    {
        bail!(
            "--hidden {}: '{}' holds a {} network",
            dashed(wanted).replace('-', " "),
            args.weights.display(),
            dashed(&widths)
        );
    }
    let device = backend::device()?;
    let info = backend::describe(&device);
    let config = MlpClassifierConfig::new().with_hidden(hidden);
    let model = file.load_into(config.init::<InferenceBackend>(&device)?)?;

    let data_dir =
        Search::from_env(args.dataset, args.data_dir.as_deref()).locate_for(&[Split::Test])?;
    let test = std::sync::Arc::new(MnistImages::load(&data_dir, args.dataset, Split::Test)?);
    let n = args.test_limit.unwrap_or(test.len()).min(test.len());
    let report = eval::evaluate(&model, &test, n, &device);
    println!(
        "test accuracy {:.4} ({n} images, {} network from '{}', {} on {})",
        report.accuracy,
        dashed(&widths),
        args.weights.display(),
        info.name,
        info.device
    );
    let json = EvalReport {
        weights: args.weights.display().to_string(),
        format: file.format().to_string(),
        sha256: file.sha256(),
        layers: dashed(&widths),
        backend: info.name.clone(),
        device: info.device.clone(),
        dataset: args.dataset.name(),
        data_dir: data_dir.display().to_string(),
        images: n,
        accuracy: report.accuracy,
        loss: report.loss,
        confusion_matrix: &report.confusion,
        precision: &report.precision,
        recall: &report.recall,
    };
    let output = weights::write_eval_report(&args.weights, args.output.as_deref(), &json)?;
    let mut wrote = vec![output.display().to_string()];
    if let Some(path) = &args.logits {
        weights::write_logits(path, &report.logits, n, datasets::mnist::CLASSES)?;
        wrote.push(path.display().to_string());
    }
    println!("wrote {}", wrote.join(", "));
    Ok(())
}
