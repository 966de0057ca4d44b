//! A k-means run: plan, data, fit with progress, report, finish.

use std::{io::IsTerminal, time::Instant};

use anyhow::{Context, Result, bail};
use datasets::standardize::Standardizer;
use models::{KMeansData, kmeans::Iteration};

use super::{
    data::{load_mnist, load_socr},
    *,
};

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
pub(super) fn train(cli: Cli) -> Result<()> {
    if cli.run.resume {
        bail!("--resume: k-means runs have no checkpoints; run again instead");
    }
    let plan = crate::run::plan(&cli.run, NAME, || cli.resolve(), |_| 0)?;
    let config = &plan.config;
    let device = backend::device()?;
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
    let fitted = p.fit_data(&data, |it| {
        progress.update(it);
        if crate::signals::stop_requested() {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    });
    let model = match fitted {
        Err(models::KMeansError::Stopped) => {
            progress.finish();
            return run.stop_between_units("nothing (a k-means fit has no partial result)");
        }
        other => other.with_context(|| format!("cannot cluster '{}'", table.source.display()))?,
    };
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
    let safetensors = crate::weights::save(
        &dir,
        &model,
        &super::weights::info(config, &standardizer, run.id()),
    )?;
    let mut written = vec![
        stem.with_extension("json"),
        stem.with_extension("mpk"),
        safetensors,
    ];
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
