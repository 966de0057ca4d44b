//! The MNIST run's plots: confusion matrix, training curves, misclassified images.

use std::path::PathBuf;

use anyhow::Result;
use datasets::mnist::{MnistImages, SIDE};

use super::{MnistConfig, eval};
use crate::{artifacts::ArtifactDir, learning, plot};

/// Confusion matrix, training curves and misclassified examples as PNGs.
pub(super) fn write_plots(
    dir: &ArtifactDir,
    config: &MnistConfig,
    report: &eval::TestReport,
    test: &MnistImages,
    names: &[&str],
) -> Result<Vec<PathBuf>> {
    let confusion = dir.join("confusion_matrix.png");
    let title = format!(
        "{} test set: {:.2}% accurate",
        config.dataset,
        report.accuracy * 100.0
    );
    plot::confusion_matrix_png(&confusion, &title, names, &report.confusion)?;

    let history = learning::history(dir.path());
    let curves = learning::write_training_curves(dir.path(), &history, "cross-entropy")?;

    let wrong: Vec<(&[u8], String)> = report
        .predictions
        .iter()
        .enumerate()
        .filter(|(i, p)| **p != test.label(*i))
        .take(36)
        .map(|(i, &p)| {
            let label = format!(
                "#{i}: {}→{} {:.0}%",
                names[usize::from(test.label(i))],
                names[usize::from(p)],
                report.confidence[i] * 100.0
            );
            (test.image(i), label)
        })
        .collect();
    let grid = dir.join("misclassified.png");
    plot::image_grid_png(
        &grid,
        "misclassified test images: true→predicted (confidence)",
        SIDE,
        &wrong,
    )?;
    Ok(vec![confusion, curves, grid])
}
