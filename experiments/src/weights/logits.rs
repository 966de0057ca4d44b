//! Raw outputs as a safetensors file, for comparisons with other frameworks
//! (`interop/load_in_pytorch.py --compare-logits`).

use std::path::Path;

use anyhow::{Context, Result};
use safetensors::{Dtype, tensor::TensorView};

/// Writes `values` (`rows` × `columns`, row-major) to `path` as one float32 tensor
/// named `logits`.
pub fn write_logits(path: &Path, values: &[f32], rows: usize, columns: usize) -> Result<()> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let view = TensorView::new(Dtype::F32, vec![rows, columns], &bytes)
        .context("logits of the wrong length")?;
    let file = safetensors::serialize([("logits", view)], None)
        .with_context(|| format!("cannot encode '{}'", path.display()))?;
    std::fs::write(path, file).with_context(|| format!("cannot write '{}'", path.display()))
}
