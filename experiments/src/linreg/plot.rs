//! The linear-regression run's plots: the fit over the data and the training curves.

use std::path::PathBuf;

use anyhow::Result;

use super::{
    LinregConfig,
    data::{self, Prepared, Scaler},
};
use crate::{artifacts::ArtifactDir, learning, plot};

/// Most points drawn in the scatter plot (evenly spaced over the rows).
pub(super) const MAX_PLOTTED: usize = 5_000;

/// fit.png (data with the fitted and exact lines, or predicted vs actual for several
/// inputs) and training_curves.png.
pub(super) fn write_plots(
    dir: &ArtifactDir,
    config: &LinregConfig,
    data: &Prepared,
    scaler: &Scaler,
    fit: (&[f64], &[f64]),
    exact: (&[f64], &[f64]),
) -> Result<Vec<PathBuf>> {
    let rows = &data.test;
    let step = rows.len().div_ceil(MAX_PLOTTED).max(1);
    let shown = rows.len().div_ceil(step);
    let which = if data.held_out {
        "held-out"
    } else {
        "training"
    };
    let fit_png = dir.join("fit.png");
    let single = fit.0.len() == 1;
    let scatter = if single {
        let points: Vec<(f64, f64)> = rows
            .x
            .iter()
            .zip(&rows.y)
            .step_by(step)
            .map(|(&x, &y)| (x, y))
            .collect();
        let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
        let line = |(w, b): (&[f64], &[f64])| vec![(lo, b[0] + w[0] * lo), (hi, b[0] + w[0] * hi)];
        plot::ScatterPlot {
            title: format!(
                "{} vs {}: {shown} of {} {which} rows, y = {:.4}x {:+.3}",
                scaler.names.1,
                scaler.names.0,
                rows.len(),
                fit.0[0],
                fit.1[0]
            ),
            x_desc: scaler.names.0.clone(),
            y_desc: scaler.names.1.clone(),
            groups: vec![plot::PointGroup {
                label: format!("{which} rows"),
                points,
                color: 0,
                marker: plot::Marker::Dot,
                size: 2,
            }],
            lines: vec![
                plot::LineSpec {
                    label: "gradient descent".into(),
                    points: line(fit),
                    color: 3,
                    dashed: false,
                },
                plot::LineSpec {
                    label: "exact least squares".into(),
                    points: line(exact),
                    color: 7,
                    dashed: true,
                },
            ],
            annotations: vec![],
        }
    } else {
        let predictions = data::predict(rows, fit.0, fit.1);
        let m = rows.n_outputs;
        let points: Vec<(f64, f64)> = rows
            .y
            .iter()
            .zip(&predictions)
            .step_by(step * m)
            .map(|(&y, &p)| (y, p))
            .collect();
        let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
        plot::ScatterPlot {
            title: format!("first output: predicted vs actual ({shown} {which} rows)"),
            x_desc: "actual".into(),
            y_desc: "predicted".into(),
            groups: vec![plot::PointGroup {
                label: format!("{which} rows"),
                points,
                color: 0,
                marker: plot::Marker::Dot,
                size: 2,
            }],
            lines: vec![plot::LineSpec {
                label: "predicted = actual".into(),
                points: vec![(lo, lo), (hi, hi)],
                color: 7,
                dashed: true,
            }],
            annotations: vec![],
        }
    };
    plot::scatter_png(&fit_png, &scatter)?;

    let units = if config.standardize {
        "standardised"
    } else {
        "original units"
    };
    let history = learning::history(dir.path());
    let curves = learning::write_training_curves(dir.path(), &history, &format!("MSE, {units}"))?;
    Ok(vec![fit_png, curves])
}
