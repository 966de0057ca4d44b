//! The k-means experiment: t-shirt sizes from the SOCR heights/weights table (the
//! TensorFlow k-means estimator's example), and clusters of the MNIST training images.
//!
//! The model is [`models::KMeans`]: every distance, assignment and centre update is a
//! tensor operation on the compiled-in backend; the data are held as row chunks of at
//! most 8 MiB by default (the 60,000 × 784 MNIST matrix is 188 MB, above lavapipe's
//! 128 MiB buffer limit), 256 MiB on Flex, whose one-pass scan gains from fewer.

mod data;
mod report;
mod train;
mod weights;

pub use report::size_names;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use models::KMeansParams;
use serde::{Deserialize, Serialize};

use crate::{
    backend::{self, InferenceBackend},
    cli::{RunArgs, positive_usize},
    run::KeyMetric,
};

/// Name of the experiment in artifacts.
pub const NAME: &str = "kmeans";

/// The data set to cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// SOCR heights (inches) and weights (pounds) of 25,000 people; k = 4 by default,
    /// clusters named S/M/L/XL by the weight of their centre.
    Socr,
    /// The 60,000 MNIST training images (pixels / 255); k = 10 by default; reports
    /// the purity of the clusters against the labels.
    Mnist,
}

/// Cluster people into t-shirt sizes, or MNIST images into digits, with k-means.
///
/// Fits k-means (k-means++ seeding, best of --n-init starts, Lloyd iterations until
/// the relative change of inertia is at most --tolerance) and prints the centres in
/// original units, the cluster sizes and the inertia. Writes config.json, model.json +
/// model.mpk (the fitted model), iterations.csv (inertia and moved points per
/// iteration), clusters.png (SOCR: the people coloured by cluster, centres marked) or
/// centroids.png (MNIST: the centres as 28×28 images), and summary.json.
///
/// SOCR data: --data-dir DIR holding SOCR-HeightWeight.csv, else $SOCR_DIR, else the
/// user cache, else downloaded into the cache (a public copy, or $SOCR_URL) and checked
/// by SHA-256. MNIST data: --data-dir DIR with the IDX files, else $MNIST_DIR, else the
/// user cache, else downloaded.
#[derive(Debug, Parser)]
#[command(name = "kmeans", version)]
pub struct Cli {
    /// Data set.
    #[arg(long, value_enum, default_value_t = DatasetKind::Socr)]
    dataset: DatasetKind,
    /// Directory holding the data (SOCR-HeightWeight.csv, or the MNIST IDX files).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use only the first N rows (images); `--limit 200` is the TensorFlow example's
    /// sample of SOCR.
    #[arg(long, value_name = "N", value_parser = positive_usize)]
    limit: Option<usize>,
    /// Number of clusters [default: 4 for socr, 10 for mnist].
    #[arg(long)]
    k: Option<usize>,
    /// k-means++ initialisations; the lowest-inertia fit is kept [default: 10 for
    /// socr, 1 for mnist (scikit-learn's "auto" for k-means++)].
    #[arg(long)]
    n_init: Option<usize>,
    /// Maximum Lloyd iterations per initialisation.
    #[arg(long, default_value_t = 300)]
    max_iter: usize,
    /// Stop when the relative change of inertia between iterations is at most this.
    #[arg(long, default_value_t = 1e-4)]
    tolerance: f64,
    /// Rows per data chunk [default: at most 8 MiB of f32 per chunk; 256 MiB on the
    /// default CPU backend].
    #[arg(long, value_name = "ROWS")]
    chunk_rows: Option<usize>,
    /// Standardise each feature to mean 0 and standard deviation 1 before fitting
    /// (centres and the reported inertia stay in original units). Off by default: on
    /// SOCR the seed clusters raw inches and pounds, where weight's larger spread
    /// dominates the distances; standardising weighs height equally.
    #[arg(long)]
    standardize: bool,
    #[command(flatten)]
    run: RunArgs,
}

/// The resolved configuration of a k-means run, saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KMeansConfig {
    /// `socr` or `mnist`.
    pub dataset: DatasetKind,
    /// The model's hyper-parameters.
    pub params: KMeansParams,
    /// Rows used (the first N), if limited.
    pub limit: Option<usize>,
    /// Whether features were standardised before fitting.
    pub standardize: bool,
}

impl Cli {
    fn resolve(&self) -> Result<KMeansConfig> {
        let (k, n_init) = match self.dataset {
            DatasetKind::Socr => (4, 10),
            DatasetKind::Mnist => (10, 1),
        };
        let params = KMeansParams::new(self.k.unwrap_or(k))
            .with_n_init(self.n_init.unwrap_or(n_init))
            .with_max_iter(self.max_iter)
            .with_tolerance(self.tolerance)
            .with_seed(self.run.seed)
            .with_chunk_rows(self.chunk_rows);
        params.validate().context("invalid k-means settings")?;
        Ok(KMeansConfig {
            dataset: self.dataset,
            params,
            limit: self.limit,
            standardize: self.standardize,
        })
    }
}

/// Runs the `kmeans` binary's command line.
pub fn execute(cli: Cli) -> Result<()> {
    train::train(cli)
}
