//! The grid of runs: data per image size, full-batch training of both models,
//! evaluation, table, plots and summary.

use std::time::Instant;

use anyhow::Result;
use burn::{
    module::AutodiffModule,
    optim::{GradientsParams, Optimizer},
    tensor::{Int, Tensor, backend::Backend},
};
use datasets::{
    lcd::{CLASSES, LcdConfig as DigitsConfig, LcdSet},
    rng::derive_seed,
};
use models::{LinearModel, LinearModelConfig, MlpClassifier, fused::optim::FusedAdamConfig};
use serde::Serialize;

use super::{LcdConfig, TEST_STREAM};
use crate::{
    artifacts::ArtifactDir,
    backend::{self, Device, InferenceBackend, TrainBackend},
    plot,
    run::{KeyMetric, RunPlan},
    weights,
};

/// One (model, image size, training-set size) run.
#[derive(Debug, Clone, Serialize)]
struct Row {
    model: &'static str,
    image_size: usize,
    train_size: usize,
    train_accuracy: f64,
    test_accuracy: f64,
    final_loss: f64,
    seconds: f64,
    /// Rows: true digit, columns: predicted digit, on the test set.
    confusion_matrix: Vec<Vec<u64>>,
}

/// The blog series' figures for the linear model on jittered 10×10 digits.
#[derive(Debug, Serialize)]
struct SeedFigure {
    train_size: usize,
    train_accuracy: Option<f64>,
    test_accuracy: f64,
}

const SEED_FIGURES: [SeedFigure; 3] = [
    SeedFigure {
        train_size: 100,
        train_accuracy: Some(1.0),
        test_accuracy: 0.08,
    },
    SeedFigure {
        train_size: 500,
        train_accuracy: None,
        test_accuracy: 0.54,
    },
    SeedFigure {
        train_size: 5_000,
        train_accuracy: None,
        test_accuracy: 0.32,
    },
];

#[derive(Debug, Serialize)]
struct LcdMetrics {
    /// Mean test accuracy over every (model, image size, training-set size) row.
    mean_test_accuracy: f64,
    table: Vec<Row>,
    /// The seed's linear-model figures on 10×10 jittered digits (50 test images).
    seed_reference: &'static [SeedFigure],
}

/// Adam on the whole training set for `steps` steps; returns the model and the last loss.
fn train_full_batch<M>(
    mut model: M,
    optimizer: &FusedAdamConfig,
    lr: f64,
    steps: usize,
    loss: impl Fn(&M) -> Tensor<TrainBackend, 1>,
) -> (M, f64)
where
    M: AutodiffModule<TrainBackend>,
{
    let mut optim = optimizer.init::<TrainBackend, M>();
    let mut last = f64::NAN;
    for step in 0..steps {
        let value = loss(&model);
        if step + 1 == steps {
            last = f64::from(value.clone().into_scalar());
        }
        let grads = GradientsParams::from_grads(value.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    (model, last)
}

/// Accuracy and confusion matrix of `logits` against `set`'s digits.
fn score(logits: Tensor<InferenceBackend, 2>, set: &LcdSet) -> (f64, Vec<Vec<u64>>) {
    let predicted: Vec<i64> = logits.argmax(1).into_data().iter::<i64>().collect();
    let mut confusion = vec![vec![0u64; CLASSES]; CLASSES];
    for (&p, &t) in predicted.iter().zip(set.labels()) {
        confusion[usize::from(t)][p as usize] += 1;
    }
    let correct: u64 = (0..CLASSES).map(|c| confusion[c][c]).sum();
    (correct as f64 / set.len().max(1) as f64, confusion)
}

type Tensors<B> = (Tensor<B, 2>, Tensor<B, 1, Int>);

struct Split<'a> {
    set: &'a LcdSet,
    train: Tensors<TrainBackend>,
    eval: Tensor<InferenceBackend, 2>,
}

impl<'a> Split<'a> {
    fn new(set: &'a LcdSet, device: &Device) -> Self {
        Self {
            set,
            train: set.to_tensors(device),
            eval: set.to_tensors::<InferenceBackend>(device).0,
        }
    }
}

pub(super) fn run_grid(plan: RunPlan<LcdConfig>) -> Result<()> {
    let device = backend::device()?;
    let info = backend::describe(&device);
    for &size in &plan.config.sizes {
        DigitsConfig::new(size)?;
    }
    let seed = plan.config.seed;
    let mut run = plan.open(&info, seed)?;
    let config = &run.config;
    let dir = run.dir.clone();
    let run_id = run.id().to_string();
    println!(
        "lcd: image sizes {:?}, training sets {:?}, {} test images, noise {}, {} full-batch Adam steps per model",
        config.sizes, config.train_sizes, config.test_size, config.noise, config.steps
    );
    println!(
        "linear model xW+b (lr {}), MLP hidden {:?} relu (lr {}); backend {} ({}), seed {}",
        config.linear_lr, config.mlp.hidden, config.mlp_lr, info.name, info.device, config.seed
    );
    let mut rows = Vec::new();
    let mut written = Vec::new();
    for &size in &config.sizes {
        let lcd = DigitsConfig::new(size)?.with_noise(config.noise);
        let test_set = lcd.generate(config.test_size, derive_seed(config.seed, TEST_STREAM));
        let test = Split::new(&test_set, &device);
        let pixels = lcd.pixels();
        for &n in &config.train_sizes {
            if crate::signals::stop_requested() {
                return run.stop_between_units(&format!(
                    "the {} files of the models trained so far",
                    written.len()
                ));
            }
            let train_set = lcd.generate(n, config.seed);
            let train = Split::new(&train_set, &device);

            let clock = Instant::now();
            TrainBackend::seed(&device, config.seed);
            let linear_config = LinearModelConfig {
                inputs: pixels,
                ..config.linear.clone()
            };
            let linear: LinearModel<TrainBackend> = linear_config.init(&device)?;
            let (linear, loss) = train_full_batch(
                linear,
                &config.optimizer,
                config.linear_lr,
                config.steps,
                |m| {
                    let (x, y) = train.train.clone();
                    m.forward_classification(x, y).loss
                },
            );
            let linear = linear.valid();
            let row = evaluate("linear", size, n, loss, clock, &train, &test, |x| {
                linear.forward(x)
            });
            written.push(save_model(&dir, &run_id, "linear", size, n, &linear)?);
            let weights: Vec<f32> = linear.weights().into_data().iter::<f32>().collect();
            written.push(write_weights(&dir, size, n, &weights, &row)?);
            written.push(write_confusion(&dir, &row)?);
            rows.push(row);

            let clock = Instant::now();
            TrainBackend::seed(&device, config.seed);
            let mlp: MlpClassifier<TrainBackend> =
                config.mlp.clone().with_inputs(pixels).init(&device)?;
            let (mlp, loss) =
                train_full_batch(mlp, &config.optimizer, config.mlp_lr, config.steps, |m| {
                    let (x, y) = train.train.clone();
                    m.forward_classification(x, y).loss
                });
            let mlp = mlp.valid();
            let row = evaluate("mlp", size, n, loss, clock, &train, &test, |x| {
                mlp.forward(x)
            });
            written.push(save_model(&dir, &run_id, "mlp", size, n, &mlp)?);
            written.push(write_confusion(&dir, &row)?);
            rows.push(row);
        }
    }
    println!("\n{}", table_text(&rows));
    let mean_test_accuracy =
        rows.iter().map(|r| r.test_accuracy).sum::<f64>() / rows.len().max(1) as f64;
    let metrics = LcdMetrics {
        mean_test_accuracy,
        table: rows,
        seed_reference: &SEED_FIGURES,
    };
    run.wrote(written);
    run.finish(
        metrics,
        KeyMetric::max("mean_test_accuracy", mean_test_accuracy),
    )
}

/// Writes one trained model as `model-<kind>-<size>x<size>-n<train size>.safetensors`.
fn save_model<M>(
    dir: &ArtifactDir,
    run: &str,
    kind: &str,
    size: usize,
    n: usize,
    model: &M,
) -> Result<std::path::PathBuf>
where
    M: burn_store::ModuleSnapshot<InferenceBackend> + models::TorchExport,
{
    let info = weights::WeightsInfo {
        experiment: super::NAME.to_string(),
        run: run.to_string(),
        output: "logits; softmax gives the digit's probabilities".to_string(),
        preprocessing: serde_json::json!({
            "input": format!("a {size}x{size} seven-segment digit image, row-major, {} values", size * size),
            "training_set_size": n,
        }),
        classes: (0..CLASSES).map(|c| c.to_string()).collect(),
    };
    weights::save_as(
        dir,
        &format!("model-{kind}-{size}x{size}-n{n}.safetensors"),
        model,
        &info,
    )
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    model: &'static str,
    image_size: usize,
    train_size: usize,
    final_loss: f64,
    clock: Instant,
    train: &Split,
    test: &Split,
    forward: impl Fn(Tensor<InferenceBackend, 2>) -> Tensor<InferenceBackend, 2>,
) -> Row {
    let (train_accuracy, _) = score(forward(train.eval.clone()), train.set);
    let (test_accuracy, confusion_matrix) = score(forward(test.eval.clone()), test.set);
    let row = Row {
        model,
        image_size,
        train_size,
        train_accuracy,
        test_accuracy,
        final_loss,
        seconds: clock.elapsed().as_secs_f64(),
        confusion_matrix,
    };
    println!(
        "{model:>6} {image_size:>2}x{image_size:<2} n={train_size:<5} train {:>6.1}%  test {:>6.1}%  loss {final_loss:.4}  ({:.1} s)",
        train_accuracy * 100.0,
        test_accuracy * 100.0,
        row.seconds
    );
    row
}

/// The table as text, with the seed's figures beside the linear 10×10 rows.
fn table_text(rows: &[Row]) -> String {
    let mut out = String::from(
        "model   image  train-n  train-acc  test-acc   seed (linear, 10x10: train / test)\n",
    );
    for r in rows {
        let seed = SEED_FIGURES
            .iter()
            .find(|s| r.model == "linear" && r.image_size == 10 && s.train_size == r.train_size)
            .map(|s| {
                let train = s
                    .train_accuracy
                    .map_or("-".to_string(), |a| format!("{:.0}%", a * 100.0));
                format!("{train} / {:.0}%", s.test_accuracy * 100.0)
            })
            .unwrap_or_default();
        out += &format!(
            "{:<7} {:>2}x{:<3} {:>7}  {:>8.1}%  {:>7.1}%   {seed}\n",
            r.model,
            r.image_size,
            r.image_size,
            r.train_size,
            r.train_accuracy * 100.0,
            r.test_accuracy * 100.0
        );
    }
    out
}

fn write_confusion(dir: &ArtifactDir, row: &Row) -> Result<std::path::PathBuf> {
    let path = dir.join(format!(
        "confusion_{}_{}px_{}.png",
        row.model, row.image_size, row.train_size
    ));
    let names: Vec<String> = (0..CLASSES).map(|d| d.to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let title = format!(
        "{} {}x{}, {} training digits: {:.1}% of {} test digits",
        row.model,
        row.image_size,
        row.image_size,
        row.train_size,
        row.test_accuracy * 100.0,
        row.confusion_matrix.iter().flatten().sum::<u64>()
    );
    plot::confusion_matrix_png(&path, &title, &names, &row.confusion_matrix)?;
    Ok(path)
}

/// The linear model's weights `[pixels, 10]` as one `size × size` heatmap per digit.
fn write_weights(
    dir: &ArtifactDir,
    size: usize,
    n: usize,
    weights: &[f32],
    row: &Row,
) -> Result<std::path::PathBuf> {
    let path = dir.join(format!("weights_{size}px_{n}.png"));
    let maps: Vec<(Vec<f32>, String)> = (0..CLASSES)
        .map(|digit| {
            let map = weights
                .iter()
                .skip(digit)
                .step_by(CLASSES)
                .copied()
                .collect();
            (map, format!("digit {digit}"))
        })
        .collect();
    let maps: Vec<(&[f32], String)> = maps.iter().map(|(m, c)| (&m[..], c.clone())).collect();
    let title = format!(
        "linear weights, {size}x{size}, n={n}: train {:.0}%, test {:.0}%",
        row.train_accuracy * 100.0,
        row.test_accuracy * 100.0
    );
    plot::heatmap_grid_png(&path, &title, size, &maps)?;
    Ok(path)
}
