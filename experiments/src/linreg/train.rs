//! A training run: the learner (SGD on the standardised rows), the comparison with the
//! exact least-squares solution, plots and summary.

use std::sync::Arc;

use anyhow::{Result, bail};
use burn::{
    data::dataloader::DataLoaderBuilder,
    tensor::backend::Backend,
    train::{Learner, SupervisedTraining, metric::LossMetric},
};
use datasets::tabular::{TableBatcher, TableDataset};
use models::{LinearModel, linear::least_squares};
use serde::Serialize;

use super::{LinregConfig, NAME, SCALER_FILE, TrainArgs, data, plot};
use crate::{
    backend::{self, InferenceBackend, TrainBackend},
    learning,
    run::{self, KeyMetric},
};

#[derive(Debug, Serialize)]
struct LinregMetrics {
    /// Slope in original units (one input, one output).
    slope: Option<f64>,
    /// Intercept in original units (one input, one output).
    intercept: Option<f64>,
    r2: f64,
    mse: f64,
    /// "held-out" or "training" rows.
    evaluated_on: &'static str,
    n_rows: usize,
    n_train: usize,
    n_test: usize,
    weights: Vec<f64>,
    bias: Vec<f64>,
    exact_weights: Vec<f64>,
    exact_bias: Vec<f64>,
    /// Largest |learned − exact| / |exact| over weights and bias.
    max_relative_error_vs_exact: f64,
    true_weights: Option<Vec<f64>>,
    true_bias: Option<Vec<f64>>,
    /// Largest |learned − true| over weights and bias (synthetic data).
    max_error_vs_truth: Option<f64>,
    source: String,
    resumed_from_epoch: Option<usize>,
    seconds_per_epoch: Option<f64>,
    history: Vec<learning::EpochRow>,
}

fn host(tensor: burn::tensor::Tensor<InferenceBackend, 1>) -> Vec<f64> {
    tensor.into_data().iter::<f32>().map(f64::from).collect()
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let mut plan = run::plan(&args.run, NAME, || args.resolve(), LinregConfig::epochs)?;
    let data = data::prepare(
        &plan.config,
        plan.data_dir(args.data_dir.as_deref()).as_deref(),
    )?;
    if let Some(dir) = &data.data_dir {
        plan.read_data_from(dir);
    }
    let scaler = data::scaler(&plan.config, &data);
    let config = &plan.config;
    let devices = backend::devices(args.devices.devices)?;
    let device = backend::main_device(&devices);
    let info = backend::describe_all(&devices);
    let batch = config
        .batch_size
        .unwrap_or(data.train.len())
        .min(data.train.len());
    println!(
        "linreg: {} from {}, {} rows ({} train, {} {}), SGD lr {}, batch {}{}, l2 {}, {} epochs x {} passes",
        data.names.1,
        data.names.0,
        data.n_rows,
        data.train.len(),
        data.test.len(),
        if data.held_out {
            "held out"
        } else {
            "evaluated = train"
        },
        config.learning_rate,
        batch,
        if batch == data.train.len() {
            " (full)"
        } else {
            ""
        },
        config.model.l2,
        config.epochs,
        config.passes_per_epoch,
    );
    println!("data {}; backend {info}, seed {}", data.source, config.seed);
    let seed = config.seed;
    let mut run = plan.open(&info, seed)?;
    let config = &run.config;

    TrainBackend::seed(&device, config.seed);
    let model: LinearModel<TrainBackend> = learning::materialize(config.model.init(&device)?);
    let train_table = Arc::new(scaler.table(&data.train));
    let test_table = Arc::new(scaler.table(&data.test));
    let repeated = TableDataset::repeated(&train_table, config.passes_per_epoch);
    let train_loader = DataLoaderBuilder::new(TableBatcher::new(train_table.clone()));
    let train_loader = if batch < data.train.len() {
        train_loader.shuffle(config.seed)
    } else {
        train_loader
    }
    .batch_size(batch)
    .build(repeated);
    let valid_loader =
        DataLoaderBuilder::<InferenceBackend, _, _>::new(TableBatcher::new(test_table.clone()))
            .batch_size(test_table.len())
            .build(TableDataset::new(&test_table));
    let learner = Learner::new(model, config.optimizer.init(), config.learning_rate);
    let training = SupervisedTraining::new(run.dir.path(), train_loader, valid_loader)
        .metrics((LossMetric::new(),));
    let Some(fitted) = learning::fit(&run, training, learner, config.epochs, None, "linreg") else {
        return run.stop();
    };
    let history = learning::history(run.dir.path());
    let seconds_per_epoch = fitted.seconds_per_epoch();
    let model = fitted.model;

    let (weights, bias) =
        scaler.to_original(&host(model.weights().flatten(0, 1)), &host(model.bias()));
    let last_loss = history.last().and_then(|h| h.get("train_loss"));
    let diverged = last_loss.is_some_and(|l| !l.is_finite());
    if diverged || weights.iter().chain(&bias).any(|v| !v.is_finite()) {
        bail!(
            "training diverged (the loss or the weights are not finite) with learning rate {}: lower --lr{}",
            config.learning_rate,
            if config.standardize {
                ""
            } else {
                ", or drop --no-standardize"
            }
        );
    }
    let t = &data.train;
    let exact = if config.standardize {
        // The penalty acts on standardised weights: solve there, then convert.
        let table = scaler.table(t);
        let f64s = |v: &[f32]| v.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
        let fit = least_squares(
            &f64s(table.inputs()),
            t.n_inputs,
            &f64s(table.targets()),
            t.n_outputs,
            config.model.l2,
        )?;
        let (w, b) = scaler.to_original(&fit.weights, &fit.bias);
        models::linear::ExactFit {
            weights: w,
            bias: b,
        }
    } else {
        least_squares(&t.x, t.n_inputs, &t.y, t.n_outputs, config.model.l2)?
    };
    let relative = |got: &[f64], want: &[f64]| {
        got.iter()
            .zip(want)
            .map(|(g, w)| (g - w).abs() / w.abs().max(1e-12))
            .fold(0.0, f64::max)
    };
    let max_relative_error_vs_exact =
        relative(&weights, &exact.weights).max(relative(&bias, &exact.bias));
    let (r2, mse) = data::r2_and_mse(&data.test, &data::predict(&data.test, &weights, &bias));
    let max_error_vs_truth = data.truth.as_ref().map(|(tw, tb)| {
        weights
            .iter()
            .zip(tw)
            .chain(bias.iter().zip(tb))
            .map(|(g, w)| (g - w).abs())
            .fold(0.0, f64::max)
    });
    let single = weights.len() == 1;
    let evaluated_on = if data.held_out {
        "held-out"
    } else {
        "training"
    };
    println!();
    if single {
        println!(
            "fit:    {} = {:.6} × {} {:+.6}",
            data.names.1, weights[0], data.names.0, bias[0]
        );
        println!(
            "exact:  {} = {:.6} × {} {:+.6}   (least squares on the same {} rows)",
            data.names.1,
            exact.weights[0],
            data.names.0,
            exact.bias[0],
            t.len()
        );
    } else {
        println!("fit weights {weights:.4?}, bias {bias:.4?}");
        println!("exact       {:.4?}, bias {:.4?}", exact.weights, exact.bias);
    }
    println!(
        "largest relative difference from the exact solution: {:.2e}",
        max_relative_error_vs_exact
    );
    if let (Some((tw, tb)), Some(err)) = (&data.truth, max_error_vs_truth) {
        println!("true weights {tw:.4?}, bias {tb:.4?}: largest error {err:.4}");
    }
    println!(
        "R² {r2:.4}, MSE {mse:.4} on {} {evaluated_on} rows",
        data.test.len()
    );

    let safetensors =
        crate::weights::save(&run.dir, &model, &super::weights::info(&scaler, run.id()))?;
    let mut written = vec![run.dir.save_model(model)?, safetensors];
    written.push(run.dir.write_json(SCALER_FILE, &scaler)?);
    written.extend(plot::write_plots(
        &run.dir,
        &run.config,
        &data,
        &scaler,
        (&weights, &bias),
        (&exact.weights, &exact.bias),
    )?);
    run.wrote(written);
    let metrics = LinregMetrics {
        slope: single.then(|| weights[0]),
        intercept: single.then(|| bias[0]),
        r2,
        mse,
        evaluated_on,
        n_rows: data.n_rows,
        n_train: data.train.len(),
        n_test: if data.held_out { data.test.len() } else { 0 },
        max_relative_error_vs_exact,
        exact_weights: exact.weights,
        exact_bias: exact.bias,
        weights,
        bias,
        true_weights: data.truth.as_ref().map(|t| t.0.clone()),
        true_bias: data.truth.as_ref().map(|t| t.1.clone()),
        max_error_vs_truth,
        source: data.source.clone(),
        resumed_from_epoch: run.resume_from,
        seconds_per_epoch,
        history,
    };
    let key = KeyMetric::max("r2", metrics.r2);
    run.finish(metrics, key)
}
