//! What a k-means run reports: metrics in original units, the plots, the iteration log.

use std::path::PathBuf;

use anyhow::Result;
use models::kmeans::Iteration;
use serde::Serialize;

use crate::{
    artifacts::ArtifactDir,
    plot::{self, Annotation, Marker, PointGroup, ScatterPlot},
};

/// A finished fit, in original units, with the assignment of every row.
pub(super) struct Fit<'a> {
    /// Row-major data in original units.
    pub table: &'a [f64],
    pub n_features: usize,
    /// Cluster of each row.
    pub labels: &'a [usize],
    /// `k × n_features` centroids in original units.
    pub centroids: &'a [f64],
    pub k: usize,
    /// The model's own inertia (in the fitted, possibly standardised, units).
    pub model_inertia: f64,
    pub n_iter: usize,
    pub seconds_per_iteration: f64,
    pub init_seconds: f64,
    pub fit_seconds: f64,
    pub standardized: bool,
}

impl Fit<'_> {
    fn centroid(&self, j: usize) -> &[f64] {
        &self.centroids[j * self.n_features..(j + 1) * self.n_features]
    }

    fn rows(&self) -> impl Iterator<Item = &[f64]> {
        self.table.chunks_exact(self.n_features)
    }

    /// Inertia in original units, in f64.
    pub fn inertia(&self) -> f64 {
        self.rows()
            .zip(self.labels)
            .map(|(row, &j)| {
                row.iter()
                    .zip(self.centroid(j))
                    .map(|(x, c)| (x - c).powi(2))
                    .sum::<f64>()
            })
            .sum()
    }

    /// The metrics every data set reports, given the inertia in original units.
    fn metrics(&self, inertia: f64) -> FitMetrics {
        FitMetrics {
            inertia,
            model_inertia: self.model_inertia,
            n_iter: self.n_iter,
            seconds_per_iteration: self.seconds_per_iteration,
            init_seconds: self.init_seconds,
            fit_seconds: self.fit_seconds,
            n_points: self.labels.len(),
            standardized: self.standardized,
        }
    }

    fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.k];
        for &j in self.labels {
            counts[j] += 1;
        }
        counts
    }
}

/// Writes `iterations.csv`: one row per Lloyd iteration of every initialisation.
pub(super) fn write_history(dir: &ArtifactDir, history: &[Iteration]) -> Result<PathBuf> {
    let path = dir.join("iterations.csv");
    plot::write_csv(
        &path,
        "init,iteration,inertia,moved,empty_clusters",
        history.iter().map(|it| {
            vec![
                it.init as f64,
                it.iteration as f64,
                it.inertia,
                it.moved as f64,
                it.empty_clusters as f64,
            ]
        }),
    )?;
    Ok(path)
}

/// Names of `k` clusters in size order: S/M/L/XL for 4, XS…3XL up to 7, else `#1…`.
pub fn size_names(k: usize) -> Vec<String> {
    const FOUR: [&str; 4] = ["S", "M", "L", "XL"];
    const SEVEN: [&str; 7] = ["XS", "S", "M", "L", "XL", "XXL", "3XL"];
    match k {
        0..=4 => FOUR[..k].iter().map(|s| s.to_string()).collect(),
        5..=7 => SEVEN[..k].iter().map(|s| s.to_string()).collect(),
        _ => (1..=k).map(|i| format!("#{i}")).collect(),
    }
}

/// The `summary.json` metrics common to both data sets.
#[derive(Debug, Serialize)]
struct FitMetrics {
    inertia: f64,
    model_inertia: f64,
    n_iter: usize,
    seconds_per_iteration: f64,
    init_seconds: f64,
    fit_seconds: f64,
    n_points: usize,
    standardized: bool,
}

#[derive(Debug, Serialize)]
struct SocrMetrics {
    #[serde(flatten)]
    fit: FitMetrics,
    names: Vec<String>,
    centroids: Vec<Vec<f64>>,
    counts: Vec<usize>,
}

/// SOCR: clusters named by size (the weight of their centre, ascending), the centres
/// in inches and pounds, and the scatter plot.
pub(super) fn socr(dir: &ArtifactDir, fit: &Fit) -> Result<(serde_json::Value, Vec<PathBuf>)> {
    let mut order: Vec<usize> = (0..fit.k).collect();
    order.sort_by(|&a, &b| fit.centroid(a)[1].total_cmp(&fit.centroid(b)[1]));
    let names = size_names(fit.k);
    let counts = fit.counts();
    let inertia = fit.inertia();
    println!("\n size | height (in) | weight (lb) | people");
    for (name, &j) in names.iter().zip(&order) {
        let c = fit.centroid(j);
        println!(
            "{name:>5} | {:>11.2} | {:>11.2} | {:>6}",
            c[0], c[1], counts[j]
        );
    }
    println!(
        "inertia {inertia:.2} (in² + lb²), {} iterations, {:.3} ms per iteration",
        fit.n_iter,
        fit.seconds_per_iteration * 1e3
    );

    let mut groups: Vec<PointGroup> = order
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(color, (&j, name))| PointGroup {
            label: format!("{name} ({} people)", counts[j]),
            points: fit
                .rows()
                .zip(fit.labels)
                .filter(|(_, l)| **l == j)
                .map(|(r, _)| (r[0], r[1]))
                .collect(),
            color,
            marker: Marker::Dot,
            size: 2,
        })
        .collect();
    let centres: Vec<(f64, f64)> = order
        .iter()
        .map(|&j| (fit.centroid(j)[0], fit.centroid(j)[1]))
        .collect();
    groups.push(PointGroup {
        label: "centres".to_string(),
        points: centres.clone(),
        color: fit.k,
        marker: Marker::Cross,
        size: 9,
    });
    let path = dir.join("clusters.png");
    plot::scatter_png(
        &path,
        &ScatterPlot {
            title: format!(
                "k-means t-shirt sizes, {} people{}",
                fit.labels.len(),
                if fit.standardized {
                    " (standardised fit)"
                } else {
                    ""
                }
            ),
            x_desc: "height (inches)".to_string(),
            y_desc: "weight (pounds)".to_string(),
            groups,
            lines: Vec::new(),
            annotations: centres
                .iter()
                .zip(&names)
                .map(|(&at, name)| Annotation {
                    at,
                    text: name.clone(),
                })
                .collect(),
        },
    )?;

    let metrics = SocrMetrics {
        fit: fit.metrics(inertia),
        names,
        centroids: order.iter().map(|&j| fit.centroid(j).to_vec()).collect(),
        counts: order.iter().map(|&j| counts[j]).collect(),
    };
    Ok((serde_json::to_value(metrics)?, vec![path]))
}

#[derive(Debug, Serialize)]
struct MnistMetrics {
    #[serde(flatten)]
    fit: FitMetrics,
    purity: f64,
    majority_digit: Vec<u8>,
    counts: Vec<usize>,
    centroids: Vec<Vec<f64>>,
}

/// Purity of `labels` (clusters) against `truth`: the share of points whose cluster's
/// most common true class is their own; also each cluster's most common class.
pub fn purity(labels: &[usize], truth: &[u8], k: usize) -> (f64, Vec<u8>) {
    let mut table = vec![[0usize; 256]; k];
    for (&l, &t) in labels.iter().zip(truth) {
        table[l][usize::from(t)] += 1;
    }
    let majority: Vec<u8> = table
        .iter()
        .map(|row| {
            (0..=255u8)
                .max_by_key(|&c| (row[usize::from(c)], std::cmp::Reverse(c)))
                .unwrap_or(0)
        })
        .collect();
    let agree: usize = table
        .iter()
        .zip(&majority)
        .map(|(row, &m)| row[usize::from(m)])
        .sum();
    (agree as f64 / labels.len().max(1) as f64, majority)
}

/// MNIST: inertia, purity against the labels, and the centroids as 28×28 images.
pub(super) fn mnist(
    dir: &ArtifactDir,
    fit: &Fit,
    truth: &[u8],
) -> Result<(serde_json::Value, Vec<PathBuf>)> {
    let (purity, majority) = purity(fit.labels, truth, fit.k);
    let counts = fit.counts();
    let inertia = fit.inertia();
    println!("\ncluster | images | most common digit");
    for j in 0..fit.k {
        println!("{j:>7} | {:>6} | {}", counts[j], majority[j]);
    }
    println!(
        "inertia {inertia:.1}, purity {:.2}%, {} iterations, {:.2} ms per iteration",
        100.0 * purity,
        fit.n_iter,
        fit.seconds_per_iteration * 1e3
    );
    let pixels: Vec<Vec<u8>> = (0..fit.k)
        .map(|j| {
            fit.centroid(j)
                .iter()
                .map(|v| (v * 255.0).round().clamp(0.0, 255.0) as u8)
                .collect()
        })
        .collect();
    let images: Vec<(&[u8], String)> = pixels
        .iter()
        .enumerate()
        .map(|(j, p)| {
            (
                p.as_slice(),
                format!("#{j}: {} ({} imgs)", majority[j], counts[j]),
            )
        })
        .collect();
    let path = dir.join("centroids.png");
    if fit.n_features == datasets::mnist::PIXELS {
        plot::image_grid_png(
            &path,
            &format!("k-means centroids, purity {:.1}%", 100.0 * purity),
            datasets::mnist::SIDE,
            &images,
        )?;
    }
    let metrics = MnistMetrics {
        fit: fit.metrics(inertia),
        purity,
        majority_digit: majority,
        counts,
        centroids: (0..fit.k).map(|j| fit.centroid(j).to_vec()).collect(),
    };
    Ok((serde_json::to_value(metrics)?, vec![path]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_purity() {
        assert_eq!(size_names(4), ["S", "M", "L", "XL"]);
        assert_eq!(size_names(5)[0], "XS");
        assert_eq!(size_names(9)[8], "#9");
        let (p, majority) = purity(&[0, 0, 0, 1, 1], &[3, 3, 5, 7, 7], 2);
        assert!((p - 0.8).abs() < 1e-12);
        assert_eq!(majority, [3, 7]);
    }
}
