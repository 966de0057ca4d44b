//! The weight matrix before and after training, as heatmaps.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::plot;

/// File of the weight heatmaps.
pub const WEIGHTS_PNG: &str = "weights.png";

/// Draws the first layer's weights (`rows` inputs × `cols` units, row-major) at the
/// start and the end side by side, on one scale, when the matrix is square (a net
/// without hidden layers); `None` otherwise.
pub fn write_weights(
    dir: &Path,
    start: &[f32],
    end: &[f32],
    cols: usize,
    rows: usize,
) -> Result<Option<PathBuf>> {
    if cols != rows {
        return Ok(None);
    }
    let path = dir.join(WEIGHTS_PNG);
    plot::heatmap_grid_png(
        &path,
        "weights: row = input bit (top bit first), column = output bit",
        rows,
        &[
            (start, "at the start".to_string()),
            (end, "at the end".to_string()),
        ],
    )?;
    Ok(Some(path))
}
