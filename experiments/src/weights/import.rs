//! Reading weights made elsewhere: a `.safetensors` file or a PyTorch `.pt`/`.pth`
//! state dict of Linear layers, checked tensor by tensor before burn-store loads it
//! into a zoo model (`SafetensorsStore` with `PyTorchToBurnAdapter`, `PytorchStore`,
//! which applies that adapter itself).
//!
//! The layers are the file's `<prefix>.weight` / `<prefix>.bias` pairs, taken in the
//! natural order of their prefixes (`0`, `2`, `10`; `fc1`, `fc2`; `hidden.0`,
//! `output`), so a `torch.nn.Sequential` and most hand-written `nn.Module`s read as
//! they were built. Every error names the file, the tensor and the shapes.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use burn::tensor::backend::Backend;
use burn_store::{
    ApplyResult, KeyRemapper, ModuleSnapshot, PyTorchToBurnAdapter, PytorchStore, SafetensorsStore,
    pytorch::PytorchReader,
};
use models::{Activation, TorchExport, TorchLayer};
use sha2::{Digest, Sha256};

/// The two file formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum Format {
    /// `.safetensors`
    Safetensors,
    /// PyTorch's `torch.save(model.state_dict())`: `.pt`, `.pth`.
    Pytorch,
}

/// One Linear layer found in a file.
#[derive(Debug, Clone)]
struct LinearLayer {
    prefix: String,
    inputs: usize,
    outputs: usize,
}

/// A weights file, opened and inspected (names, shapes and data types; the data is
/// read when loaded).
#[derive(Debug)]
pub struct WeightsFile {
    path: PathBuf,
    format: Format,
    sha256: String,
    tensors: BTreeMap<String, (Vec<usize>, String)>,
    metadata: HashMap<String, String>,
}

impl WeightsFile {
    /// Opens `path` by its extension (`.safetensors`; `.pt`, `.pth`, `.bin`).
    pub fn open(path: &Path) -> Result<Self> {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("safetensors") => Format::Safetensors,
            Some("pt" | "pth" | "bin") => Format::Pytorch,
            _ => bail!(
                "'{}': unknown weights format (expected a .safetensors file or a PyTorch \
                 state dict: .pt, .pth)",
                path.display()
            ),
        };
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read weights file '{}'", path.display()))?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let (tensors, metadata) = match format {
            Format::Safetensors => read_safetensors(path, &bytes)?,
            Format::Pytorch => read_pytorch(path)?,
        };
        if tensors.is_empty() {
            bail!("'{}' holds no tensors", path.display());
        }
        Ok(Self {
            path: path.to_path_buf(),
            format,
            sha256,
            tensors,
            metadata,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// SHA-256 of its bytes, hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The hidden activation the zoo's metadata names (`zoo.layers`), if the file has
    /// it and every hidden layer uses the same one.
    pub fn activation(&self) -> Option<Activation> {
        let layers: Vec<TorchLayer> =
            serde_json::from_str(self.metadata.get("zoo.layers")?).ok()?;
        let mut found = layers.iter().filter_map(|l| match l {
            TorchLayer::ReLU => Some(Activation::Relu),
            TorchLayer::Sigmoid => Some(Activation::Sigmoid),
            TorchLayer::Tanh => Some(Activation::Tanh),
            TorchLayer::Linear { .. } => None,
        });
        let first = found.next()?;
        found.all(|a| a == first).then_some(first)
    }

    /// The widths of the network: the first layer's inputs, then every layer's outputs.
    pub fn widths(&self) -> Result<Vec<usize>> {
        Ok(widths_of(&self.linear_layers()?))
    }

    /// The file's Linear layers in order, checked: float32, `weight` `[out, in]` and
    /// `bias` `[out]` for each, each layer's inputs the previous one's outputs, and no
    /// other tensors.
    fn linear_layers(&self) -> Result<Vec<LinearLayer>> {
        let file = self.path.display();
        let mut groups: BTreeMap<String, [Option<&Vec<usize>>; 2]> = BTreeMap::new();
        for (name, (shape, dtype)) in &self.tensors {
            if dtype != "F32" {
                bail!(
                    "'{file}': tensor '{name}' {shape:?} is {dtype}; the zoo's models are \
                     float32 (in PyTorch, model.float() before saving)"
                );
            }
            let (prefix, param) = match name.rsplit_once('.') {
                Some((prefix, param)) => (prefix, param),
                None => ("", name.as_str()),
            };
            let slot = match param {
                "weight" => 0,
                "bias" => 1,
                _ => bail!(
                    "'{file}': unexpected tensor '{name}' {shape:?}: the zoo reads networks \
                     of Linear layers (a weight and a bias each)"
                ),
            };
            groups.entry(prefix.to_string()).or_default()[slot] = Some(shape);
        }
        let mut prefixes: Vec<&String> = groups.keys().collect();
        prefixes.sort_by(|a, b| natural_order(a, b));
        let mut layers: Vec<LinearLayer> = Vec::new();
        for prefix in prefixes {
            let [weight, bias] = groups[prefix];
            let name = |param: &str| {
                if prefix.is_empty() {
                    param.to_string()
                } else {
                    format!("{prefix}.{param}")
                }
            };
            let Some(weight) = weight else {
                bail!("'{file}': '{}' has no '{}'", name("bias"), name("weight"));
            };
            let &[outputs, inputs] = &weight[..] else {
                bail!(
                    "'{file}': tensor '{}' is {weight:?}; a Linear weight is [out, in]",
                    name("weight")
                );
            };
            match bias {
                None => bail!(
                    "'{file}': missing tensor '{}' (expected shape [{outputs}])",
                    name("bias")
                ),
                Some(b) if b[..] != [outputs] => bail!(
                    "'{file}': tensor '{}' is {b:?}, expected [{outputs}] (its weight '{}' is \
                     {weight:?})",
                    name("bias"),
                    name("weight")
                ),
                Some(_) => {}
            }
            if let Some(previous) = layers.last()
                && previous.outputs != inputs
            {
                bail!(
                    "'{file}': tensor '{}' is {weight:?} but the layer before it ('{}') has {} \
                     outputs (expected [{outputs}, {}])",
                    name("weight"),
                    previous.prefix,
                    previous.outputs,
                    previous.outputs
                );
            }
            layers.push(LinearLayer {
                prefix: prefix.clone(),
                inputs,
                outputs,
            });
        }
        Ok(layers)
    }

    /// Loads the file into `model`, whose layers must have the file's widths (build it
    /// from [`WeightsFile::widths`]). Every tensor of the model must come from the
    /// file, and every tensor of the file must be used.
    pub fn load_into<B, M>(&self, mut model: M) -> Result<M>
    where
        B: Backend,
        M: ModuleSnapshot<B> + TorchExport,
    {
        let file = self.path.display();
        let torch = model.torch_equivalent();
        let expected = torch.widths();
        let layers = self.linear_layers()?;
        let found = widths_of(&layers);
        if expected != found {
            bail!(
                "'{file}': the file's layers are {} but the model's are {}",
                dashed(&found),
                dashed(&expected)
            );
        }
        // The i-th Linear of the file feeds the i-th of the model.
        let mut patterns = Vec::new();
        for (layer, pair) in layers.iter().zip(torch.tensors.chunks(2)) {
            for t in pair {
                let param = t.burn.rsplit('.').next().unwrap_or(&t.burn);
                let from = if layer.prefix.is_empty() {
                    param.to_string()
                } else {
                    format!("{}.{param}", layer.prefix)
                };
                patterns.push((format!("^{}$", regex_escape(&from)), t.burn.clone()));
            }
        }
        let remap = KeyRemapper::from_patterns(patterns).context("cannot build the name map")?;
        let result = match self.format {
            Format::Safetensors => {
                let mut store = SafetensorsStore::from_file(&self.path)
                    .with_from_adapter(PyTorchToBurnAdapter)
                    .remap(remap);
                model
                    .load_from(&mut store)
                    .map_err(|e| anyhow::anyhow!("cannot load '{file}': {e}"))?
            }
            Format::Pytorch => {
                let mut store = PytorchStore::from_file(&self.path).remap(remap);
                model
                    .load_from(&mut store)
                    .map_err(|e| anyhow::anyhow!("cannot load '{file}': {e}"))?
            }
        };
        check_applied(&file.to_string(), &result)?;
        Ok(model)
    }
}

/// The first layer's inputs, then every layer's outputs.
fn widths_of(layers: &[LinearLayer]) -> Vec<usize> {
    let mut widths: Vec<usize> = layers.first().map(|l| l.inputs).into_iter().collect();
    widths.extend(layers.iter().map(|l| l.outputs));
    widths
}

fn check_applied(file: &str, result: &ApplyResult) -> Result<()> {
    if let Some(e) = result.errors.first() {
        bail!("'{file}': {e}");
    }
    if let Some((name, _)) = result.missing.first() {
        bail!("'{file}': no tensor for the model's '{name}'");
    }
    if let Some(name) = result.unused.first() {
        bail!("'{file}': tensor '{name}' has no place in the model");
    }
    Ok(())
}

/// Layer widths as `784-512-10`.
pub fn dashed(widths: &[usize]) -> String {
    widths
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

fn regex_escape(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            let escape = !(c.is_ascii_alphanumeric() || c == '_');
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// Orders `fc2` before `fc10` and `layers.2` before `layers.10`: segment by segment,
/// each split into its letters and its trailing number.
fn natural_order(a: &str, b: &str) -> Ordering {
    fn key(segment: &str) -> (&str, Option<u64>) {
        let digits = segment.len()
            - segment
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .count();
        let (head, tail) = segment.split_at(digits);
        (head, tail.parse().ok())
    }
    let (mut a, mut b) = (a.split('.'), b.split('.'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match key(x).cmp(&key(y)) {
                Ordering::Equal => continue,
                other => return other,
            },
        }
    }
}

type Inspected = (
    BTreeMap<String, (Vec<usize>, String)>,
    HashMap<String, String>,
);

fn read_safetensors(path: &Path, bytes: &[u8]) -> Result<Inspected> {
    let bad = |e: safetensors::SafeTensorError| {
        anyhow::anyhow!("'{}' is not a valid safetensors file: {e}", path.display())
    };
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(bad)?;
    let file = safetensors::SafeTensors::deserialize(bytes).map_err(bad)?;
    let tensors = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, (view.shape().to_vec(), format!("{:?}", view.dtype()))))
        .collect();
    Ok((tensors, header.metadata().clone().unwrap_or_default()))
}

fn read_pytorch(path: &Path) -> Result<Inspected> {
    let reader = PytorchReader::new(path).map_err(|e| {
        anyhow::anyhow!(
            "'{}' is not a PyTorch state dict that burn-store can read \
             (torch.save(model.state_dict(), path)): {e}",
            path.display()
        )
    })?;
    let tensors = reader
        .tensors()
        .iter()
        .map(|(name, t)| (name.clone(), (t.shape.to_vec(), format!("{:?}", t.dtype))))
        .collect();
    Ok((tensors, HashMap::new()))
}

/// Writes an `eval --weights` report as pretty JSON to `output`, or else to
/// `eval.json` beside the weights file; returns where.
pub fn write_eval_report<T: serde::Serialize>(
    weights: &Path,
    output: Option<&Path>,
    report: &T,
) -> Result<PathBuf> {
    let path = output.map_or_else(
        || weights.parent().unwrap_or(Path::new(".")).join("eval.json"),
        Path::to_path_buf,
    );
    let text = serde_json::to_string_pretty(report).context("cannot encode the report")?;
    std::fs::write(&path, text).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_layer_names() {
        let mut names = vec![
            "fc10",
            "fc2",
            "output",
            "hidden.10",
            "hidden.2",
            "0",
            "10",
            "2",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "0",
                "2",
                "10",
                "fc2",
                "fc10",
                "hidden.2",
                "hidden.10",
                "output"
            ]
        );
    }

    #[test]
    fn escapes_regex_characters() {
        assert_eq!(regex_escape("net.0"), r"net\.0");
        assert_eq!(regex_escape("a+b"), r"a\+b");
    }
}
