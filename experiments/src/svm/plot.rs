//! The seed-data plot: points by class, the separating line, both margins, the support
//! vectors, and the fresh points annotated with their decision values.

use std::path::Path;

use anyhow::Result;
use datasets::margin::{MarginDataset, SEED_EXTENT};

use super::eval::PointPrediction;
use crate::plot::{Annotation, LineSpec, Marker, PointGroup, ScatterPlot, scatter_png};

/// The segment of the line `w·p + b = level` inside the square `[−e, e]²`, if any.
fn clipped_line(w: [f64; 2], b: f64, level: f64, e: f64) -> Vec<(f64, f64)> {
    let [w1, w2] = w;
    let mut points = Vec::new();
    // Intersections with x = ±e and y = ±e, kept when inside the square.
    if w2.abs() > 1e-12 {
        for x in [-e, e] {
            let y = (level - b - w1 * x) / w2;
            if y.abs() <= e + 1e-9 {
                points.push((x, y));
            }
        }
    }
    if w1.abs() > 1e-12 {
        for y in [-e, e] {
            let x = (level - b - w2 * y) / w1;
            if x.abs() <= e + 1e-9 {
                points.push((x, y));
            }
        }
    }
    points.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    points.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
    match (points.first(), points.last()) {
        (Some(&a), Some(&z)) if points.len() >= 2 => vec![a, z],
        _ => Vec::new(),
    }
}

/// Writes the seed-data plot to `path`.
pub(super) fn seed_plot(
    path: &Path,
    data: &MarginDataset,
    w: [f64; 2],
    b: f64,
    margin: f64,
    support: &[(f64, f64)],
    predictions: &[PointPrediction],
) -> Result<()> {
    let class = |c: u8| -> Vec<(f64, f64)> {
        data.items()
            .iter()
            .filter(|i| i.label == c)
            .map(|i| (f64::from(i.point[0]), f64::from(i.point[1])))
            .collect()
    };
    let e = SEED_EXTENT + 1.0;
    let predicted: Vec<(f64, f64)> = predictions
        .iter()
        .map(|p| (f64::from(p.point[0]), f64::from(p.point[1])))
        .collect();
    let plot = ScatterPlot {
        title: format!(
            "linear SVM: w = ({:.3}, {:.3}), b = {:.3}, margin 1/|w| = {:.3}",
            w[0], w[1], b, margin
        ),
        x_desc: "x".into(),
        y_desc: "y".into(),
        groups: vec![
            PointGroup {
                label: "class 0 (y < x)".into(),
                points: class(0),
                color: 0,
                marker: Marker::Dot,
                size: 2,
            },
            PointGroup {
                label: "class 1 (y > x)".into(),
                points: class(1),
                color: 1,
                marker: Marker::Dot,
                size: 2,
            },
            PointGroup {
                label: format!("support vectors ({})", support.len()),
                points: support.to_vec(),
                color: 2,
                marker: Marker::Ring,
                size: 5,
            },
            PointGroup {
                label: "fresh points (decision value)".into(),
                points: predicted,
                color: 3,
                marker: Marker::Cross,
                size: 5,
            },
        ],
        lines: vec![
            LineSpec {
                label: "w·x + b = 0".into(),
                points: clipped_line(w, b, 0.0, e),
                color: 4,
                dashed: false,
            },
            LineSpec {
                label: "margin w·x + b = +1".into(),
                points: clipped_line(w, b, 1.0, e),
                color: 4,
                dashed: true,
            },
            LineSpec {
                label: "margin w·x + b = −1".into(),
                points: clipped_line(w, b, -1.0, e),
                color: 4,
                dashed: true,
            },
        ],
        annotations: predictions
            .iter()
            .map(|p| Annotation {
                at: (f64::from(p.point[0]), f64::from(p.point[1])),
                text: format!("{:.2}", p.decision_value),
            })
            .collect(),
    };
    scatter_png(path, &plot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_clipped_to_the_square() {
        // y = x through the square [−6, 6]²: from (−6, −6) to (6, 6).
        assert_eq!(
            clipped_line([-1.0, 1.0], 0.0, 0.0, 6.0),
            vec![(-6.0, -6.0), (6.0, 6.0)]
        );
        // The margin −x + y = 1 (y = x + 1): enters at (−6, −5), leaves at (5, 6).
        assert_eq!(
            clipped_line([-1.0, 1.0], 0.0, 1.0, 6.0),
            vec![(-6.0, -5.0), (5.0, 6.0)]
        );
        // Outside the square: nothing.
        assert!(clipped_line([0.0, 1.0], 0.0, 10.0, 6.0).is_empty());
    }
}
