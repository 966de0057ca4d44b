//! Writing `model.safetensors`: burn-store's `SafetensorsStore` with its
//! `BurnToPyTorchAdapter` (Linear weights to `[out, in]`), a `KeyRemapper` from burn's
//! parameter paths to the Sequential's names, and the zoo's metadata.

use std::{path::PathBuf, rc::Rc};

use anyhow::{Context, Result, bail};
use burn::tensor::{TensorData, backend::Backend};
use burn_store::{
    BurnToPyTorchAdapter, ChainAdapter, KeyRemapper, ModuleAdapter, ModuleSnapshot,
    SafetensorsStore, TensorSnapshot,
};
use models::{TorchEquivalent, TorchExport};
use serde_json::Value;

use crate::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, BURN_VERSION, Device, InferenceBackend},
    run::RunRecord,
};

/// File name of the exported weights in a run directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// What the file's metadata tells a user besides the layers.
#[derive(Debug, Clone)]
pub struct WeightsInfo {
    /// The experiment (`mnist`).
    pub experiment: String,
    /// The run id.
    pub run: String,
    /// What the output means ("logits; softmax gives the class probabilities").
    pub output: String,
    /// The input and its preprocessing (JSON object).
    pub preprocessing: Value,
    /// Class names, if the model classifies.
    pub classes: Vec<String>,
}

impl WeightsInfo {
    /// The metadata entries (`zoo.*`) for a model with PyTorch equivalent `torch`.
    fn metadata(&self, torch: &TorchEquivalent) -> Vec<(&'static str, String)> {
        let mut entries = vec![
            ("zoo.version", env!("CARGO_PKG_VERSION").to_string()),
            ("zoo.burn_version", BURN_VERSION.to_string()),
            ("zoo.experiment", self.experiment.clone()),
            ("zoo.run", self.run.clone()),
            (
                "zoo.layers",
                serde_json::to_string(&torch.layers).expect("layers serialise"),
            ),
            ("zoo.output", self.output.clone()),
            ("zoo.preprocessing", self.preprocessing.to_string()),
            ("zoo.dtype", "float32".to_string()),
        ];
        if !torch.layers.is_empty() {
            entries.push(("zoo.torch", torch.python()));
        }
        if !self.classes.is_empty() {
            let classes = serde_json::to_string(&self.classes).expect("names serialise");
            entries.push(("zoo.classes", classes));
        }
        entries
    }
}

/// Transposes the `[in, out]` matrices that are not burn `Linear` weights (which
/// [`BurnToPyTorchAdapter`] transposes by itself), named by their burn paths.
#[derive(Debug, Clone)]
struct TransposeParams(Vec<String>);

impl ModuleAdapter for TransposeParams {
    fn adapt(&self, snapshot: &TensorSnapshot) -> TensorSnapshot {
        let [rows, cols] = *snapshot.shape.as_slice() else {
            return snapshot.clone();
        };
        if !self.0.contains(&snapshot.full_path()) {
            return snapshot.clone();
        }
        let data = snapshot.clone_data_fn();
        let transposed = Rc::new(move || {
            let values: Vec<f32> = data()?
                .convert::<f32>()
                .to_vec()
                .map_err(|e| burn_store::TensorSnapshotError::DataError(format!("{e:?}")))?;
            let mut out = vec![0.0f32; values.len()];
            for r in 0..rows {
                for c in 0..cols {
                    out[c * rows + r] = values[r * cols + c];
                }
            }
            Ok(TensorData::new(out, [cols, rows]))
        });
        TensorSnapshot::from_closure(
            transposed,
            snapshot.dtype,
            burn::tensor::Shape::new([cols, rows]),
            snapshot.path_stack.clone().unwrap_or_default(),
            snapshot.container_stack.clone().unwrap_or_default(),
            snapshot.tensor_id.unwrap_or_default(),
        )
    }

    fn clone_box(&self) -> Box<dyn ModuleAdapter> {
        Box::new(self.clone())
    }
}

/// A remapper from each burn parameter path to its PyTorch name (exact matches).
pub(super) fn burn_to_torch(torch: &TorchEquivalent) -> Result<KeyRemapper> {
    let patterns = torch
        .tensors
        .iter()
        .map(|t| (format!("^{}$", t.burn.replace('.', r"\.")), t.torch.clone()));
    KeyRemapper::from_pattern_iter(patterns).context("cannot build the tensor-name map")
}

/// Writes the `model.safetensors` of a finished run from its `model.mpk` (for runs made
/// before runs wrote it): `config.json` is read as a `C`, `build` makes the model it
/// describes (on the compiled-in backend) for the record to load into, `info` says
/// what the metadata holds (given the run id).
pub fn export_recorded<C, M>(
    dir: &ArtifactDir,
    build: impl FnOnce(&C, &Device) -> Result<M>,
    info: impl FnOnce(&C, &str) -> Result<WeightsInfo>,
) -> Result<PathBuf>
where
    C: serde::de::DeserializeOwned,
    M: ModuleSnapshot<InferenceBackend> + TorchExport,
{
    let config: C = dir.read_json(CONFIG_FILE)?;
    let device = backend::device()?;
    let model = dir.load_model(build(&config, &device)?, &device)?;
    let run = RunRecord::load(dir.path())?.id;
    save(dir, &model, &info(&config, &run)?)
}

/// Writes `model` to `dir/model.safetensors` (atomically) in PyTorch's conventions, with
/// `info` and the layers in the metadata. Returns the file's path.
pub fn save<B, M>(dir: &ArtifactDir, model: &M, info: &WeightsInfo) -> Result<PathBuf>
where
    B: Backend,
    M: ModuleSnapshot<B> + TorchExport,
{
    save_as(dir, WEIGHTS_FILE, model, info)
}

/// [`save`] to the file `name` in `dir` (a run with several models).
pub fn save_as<B, M>(
    dir: &ArtifactDir,
    name: &str,
    model: &M,
    info: &WeightsInfo,
) -> Result<PathBuf>
where
    B: Backend,
    M: ModuleSnapshot<B> + TorchExport,
{
    let torch = model.torch_equivalent();
    // Every parameter must have a PyTorch name, or the file would carry burn's.
    let named: Vec<&str> = torch.tensors.iter().map(|t| t.burn.as_str()).collect();
    for snapshot in model.collect(None, None, false) {
        let path = snapshot.full_path();
        if !named.contains(&path.as_str()) {
            bail!("internal error: parameter '{path}' has no PyTorch name");
        }
    }
    let transposed = torch
        .tensors
        .iter()
        .filter(|t| t.transpose)
        .map(|t| t.burn.clone())
        .collect();
    let mut store = SafetensorsStore::from_bytes(None)
        .with_to_adapter(ChainAdapter::new(
            BurnToPyTorchAdapter,
            TransposeParams(transposed),
        ))
        .remap(burn_to_torch(&torch)?);
    for (key, value) in info.metadata(&torch) {
        store = store.metadata(key, value);
    }
    let path = dir.join(name);
    model
        .save_into(&mut store)
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    let bytes = store
        .get_bytes()
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    dir.write_atomic(name, &bytes)
}
