//! The k-means experiment: t-shirt sizes from the SOCR heights/weights table (the
//! TensorFlow k-means estimator's example), and clusters of the MNIST training images.
//!
//! The model is [`models::KMeans`]: every distance, assignment and centre update is a
//! tensor operation on the compiled-in backend; the data are held as row chunks of at
//! most 8 MiB by default (the 60,000 × 784 MNIST matrix is 188 MB, above lavapipe's
//! 128 MiB buffer limit).

mod report;

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use datasets::{
    mnist::{MnistImages, MnistKind, Split, source::Search},
    socr,
    standardize::Standardizer,
};
use models::{KMeansData, KMeansParams, kmeans::Iteration};
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
/// user cache. MNIST data: --data-dir DIR with the IDX files, else $MNIST_DIR, else
/// the user cache.
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
    /// Rows per data chunk [default: at most 8 MiB of f32 per chunk].
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

/// Rows to cluster, on the host, with what is needed to report in original units.
struct Table {
    /// Row-major values in original units.
    rows: Vec<f64>,
    n_features: usize,
    /// Where they came from.
    source: PathBuf,
    /// MNIST labels, for purity.
    labels: Option<Vec<u8>>,
}

fn load_socr(data_dir: Option<&Path>, limit: Option<usize>) -> Result<Table> {
    let path = socr::Search::from_env(data_dir).locate()?;
    let mut table = socr::HeightWeight::from_csv_path(&path)?;
    if let Some(n) = limit {
        table = table.first(n);
    }
    let rows = table
        .heights()
        .iter()
        .zip(table.weights())
        .flat_map(|(h, w)| [*h, *w])
        .collect();
    Ok(Table {
        rows,
        n_features: 2,
        source: path,
        labels: None,
    })
}

fn load_mnist(data_dir: Option<&Path>, limit: Option<usize>) -> Result<Table> {
    let dir = Search::from_env(MnistKind::Mnist, data_dir).locate()?;
    let images = MnistImages::load(&dir, MnistKind::Mnist, Split::Train)?;
    let n = limit.unwrap_or(images.len()).min(images.len());
    let rows = (0..n)
        .flat_map(|i| images.image(i).iter().map(|&p| f64::from(p) / 255.0))
        .collect();
    Ok(Table {
        rows,
        n_features: datasets::mnist::PIXELS,
        source: dir,
        labels: Some(images.labels()[..n].to_vec()),
    })
}

/// Prints one line per iteration, or draws a progress bar on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    history: Vec<Iteration>,
    n_init: usize,
}

impl Progress {
    fn new(tui: bool, max_iter: usize, n_init: usize) -> Self {
        let bar = tui.then(|| {
            let bar = indicatif::ProgressBar::new(max_iter as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} iterations  {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            history: Vec::new(),
            n_init,
        }
    }

    fn update(&mut self, it: &Iteration) {
        let line = format!(
            "inertia {:.6e}  moved {}{}",
            it.inertia,
            it.moved,
            if it.empty_clusters > 0 {
                format!("  (re-seeded {} empty clusters)", it.empty_clusters)
            } else {
                String::new()
            }
        );
        match &self.bar {
            Some(bar) => {
                bar.set_prefix(format!("init {}/{}", it.init + 1, self.n_init));
                bar.set_position(it.iteration as u64);
                bar.set_message(line);
            }
            None => println!(
                "init {}/{} iteration {}: {line}",
                it.init + 1,
                self.n_init,
                it.iteration
            ),
        }
        self.history.push(it.clone());
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs the experiment.
pub fn run(cli: Cli) -> Result<()> {
    if cli.run.resume {
        bail!("--resume: k-means runs have no checkpoints; run again instead");
    }
    let plan = crate::run::plan(&cli.run, NAME, || cli.resolve(), |_| 0)?;
    let config = &plan.config;
    let device = backend::device();
    let info = backend::describe(&device);
    println!("backend: {} on {}", info.name, info.device);

    let table = match config.dataset {
        DatasetKind::Socr => load_socr(cli.data_dir.as_deref(), config.limit)?,
        DatasetKind::Mnist => load_mnist(cli.data_dir.as_deref(), config.limit)?,
    };
    let d = table.n_features;
    let n = table.rows.len() / d;
    println!(
        "data: {n} points × {d} features from '{}'",
        table.source.display()
    );
    let standardizer = if config.standardize && n > 0 {
        Standardizer::fit(&table.rows, d)
    } else {
        Standardizer::identity(d)
    };
    let mut fitted = table.rows.clone();
    standardizer.transform(&mut fitted);
    let values: Vec<f32> = fitted.iter().map(|&v| v as f32).collect();
    drop(fitted);
    let data =
        KMeansData::<InferenceBackend>::from_rows(&values, d, config.params.chunk_rows, &device)
            .context("cannot prepare the data")?;
    drop(values);
    let seed = config.params.seed;
    let mut run = plan.open(&info, seed)?;
    let config = &run.config;
    let dir = run.dir.clone();

    let p = &config.params;
    println!(
        "k-means: k = {}, best of {} k-means++ starts, at most {} iterations, tolerance {}{}",
        p.k,
        p.n_init,
        p.max_iter,
        p.tolerance,
        if config.standardize {
            ", standardised features"
        } else {
            ""
        }
    );
    let tui = !cli.run.no_tui && std::io::stdout().is_terminal();
    let mut progress = Progress::new(tui, p.max_iter, p.n_init);
    let fit_started = Instant::now();
    let model = p
        .fit_data(&data, |it| progress.update(it))
        .with_context(|| format!("cannot cluster '{}'", table.source.display()))?;
    let fit_seconds = fit_started.elapsed().as_secs_f64();
    progress.finish();

    let labels: Vec<usize> = model
        .predict_data(&data)?
        .into_data()
        .convert::<i64>()
        .into_vec::<i64>()
        .map_err(|e| anyhow::anyhow!("cannot read the cluster labels: {e:?}"))?
        .into_iter()
        .map(|l| l as usize)
        .collect();
    let centroids: Vec<f64> = model
        .centroids()
        .into_data()
        .convert::<f64>()
        .into_vec::<f64>()
        .map_err(|e| anyhow::anyhow!("cannot read the centroids: {e:?}"))?;
    let mut centroids_original = centroids;
    standardizer.inverse(&mut centroids_original);

    let stem = dir.join("model");
    model.save(&stem)?;
    let mut written = vec![stem.with_extension("json"), stem.with_extension("mpk")];
    written.push(report::write_history(&dir, &progress.history)?);

    let fit = report::Fit {
        table: &table.rows,
        n_features: d,
        labels: &labels,
        centroids: &centroids_original,
        k: p.k,
        model_inertia: model.inertia(),
        n_iter: model.n_iter(),
        seconds_per_iteration: model.seconds_per_iteration(),
        init_seconds: model.state().runs.iter().map(|r| r.init_seconds).sum(),
        fit_seconds,
        standardized: config.standardize,
    };
    let (metrics, plots) = match config.dataset {
        DatasetKind::Socr => report::socr(&dir, &fit)?,
        DatasetKind::Mnist => report::mnist(
            &dir,
            &fit,
            table.labels.as_deref().expect("MNIST has labels"),
        )?,
    };
    written.extend(plots);
    run.wrote(written);
    let key = KeyMetric::min("inertia", fit.inertia());
    run.finish(metrics, key)
}
