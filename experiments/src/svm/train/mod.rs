//! Training runs: the learner wiring both data sets share, then the seed-data and the
//! MNIST reports.

use std::{sync::Arc, time::Instant};

use anyhow::{Result, anyhow, bail};
use burn::{
    data::dataloader::{DataLoader, DataLoaderBuilder, batcher::Batcher},
    optim::{AdamConfig, lr_scheduler::linear::LinearLrSchedulerConfig},
    tensor::{ElementConversion, Int, Tensor, backend::Backend},
    train::{
        Learner, SupervisedTraining,
        metric::{AccuracyMetric, LearningRateMetric, LossMetric},
    },
};
use datasets::{
    margin::{MarginBatcher, MarginDataset, SEED_EXTENT, random_points},
    mnist::{MnistBatcher, MnistDataset, MnistImages, MnistKind},
};
use models::LinearSvm;
use serde::Serialize;

use super::{DataChoice, FINAL_LR_FRACTION, NAME, SvmRunConfig, TrainArgs, plot};
use crate::{
    artifacts::{ArtifactDir, SUMMARY_FILE, Summary, list_paths},
    backend::{self, BackendInfo, InferenceBackend, TrainBackend},
    dashboard::EpochRecord,
    mnist::MnistSplits,
    training::{self, PreparedRun, TrainingSetup},
};

mod mnist;
mod seed;

use mnist::train_mnist;
pub use seed::PointPrediction;
use seed::train_seed;

type Batch<B> = (Tensor<B, 2>, Tensor<B, 1, Int>);

/// Points with `y·f(x)` at most `1 + SUPPORT_TOLERANCE` count as support vectors (on
/// or inside the margin); the tolerance absorbs the optimiser's last small steps.
pub const SUPPORT_TOLERANCE: f64 = 0.02;

/// The two points the seed prints: one barely on the class-0 side (logit −0.289), one
/// far from the line (logit −7.009).
pub const SEED_EXAMPLES: [[f32; 2]; 2] = [[-0.2751, -0.4941], [3.3903, -2.1372]];

/// Images per inference batch on MNIST.
const EVAL_BATCH: usize = 1_000;

/// What the learner produced.
struct Fitted {
    model: LinearSvm<InferenceBackend>,
    epochs: Vec<EpochRecord>,
    seconds: f64,
}

/// Trains `model` with Adam and a linear learning-rate decay over `total_steps`;
/// `None` when the user stopped the run (its checkpoints stay resumable).
fn fit(
    model: LinearSvm<TrainBackend>,
    config: &SvmRunConfig,
    train: Arc<dyn DataLoader<TrainBackend, Batch<TrainBackend>>>,
    valid: Arc<dyn DataLoader<InferenceBackend, Batch<InferenceBackend>>>,
    total_steps: usize,
    dir: &ArtifactDir,
    setup: &TrainingSetup,
) -> Result<Option<Fitted>> {
    let lr = config.learning_rate;
    let scheduler = LinearLrSchedulerConfig::new(lr, lr * FINAL_LR_FRACTION, total_steps.max(1))
        .init()
        .map_err(|e| anyhow!("learning-rate schedule: {e}"))?;
    let optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let learner = Learner::new(model, optimizer, scheduler);
    let training = SupervisedTraining::new(dir.path(), train, valid)
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .metric_train_numeric(LearningRateMetric::new());
    let interrupter = training.interrupter();
    let (training, sink) = training::configure(training, dir, setup);
    let started = Instant::now();
    let result = training.launch(learner);
    let seconds = started.elapsed().as_secs_f64();
    drop(result.renderer);
    if interrupter.should_stop() {
        return Ok(None);
    }
    Ok(Some(Fitted {
        model: result.model,
        epochs: training::trained_epochs(&sink),
        seconds,
    }))
}

/// Objective, accuracy and (optionally) decision values of a model over some batches.
#[derive(Debug, Default)]
struct Evaluation {
    /// Mean hinge over all rows plus the penalty.
    loss: f64,
    accuracy: f64,
    decision: Vec<f32>,
    predicted: Vec<i64>,
}

fn evaluate<B: Backend>(
    model: &LinearSvm<B>,
    batches: impl Iterator<Item = Batch<B>>,
    keep_values: bool,
) -> Result<Evaluation> {
    let (mut rows, mut correct, mut hinge_sum) = (0usize, 0f64, 0f64);
    let mut eval = Evaluation::default();
    for (x, y) in batches {
        model.check_batch(&x, &y)?;
        let [n, _] = x.dims();
        let prediction = model.predict(x)?;
        let hinge: f64 = model
            .hinge(prediction.decision.clone(), y.clone())
            .into_scalar()
            .elem();
        hinge_sum += hinge * n as f64;
        correct += models::svm::accuracy(prediction.classes.clone(), y) * n as f64;
        rows += n;
        if keep_values {
            eval.decision.extend(
                prediction
                    .decision
                    .into_data()
                    .convert::<f32>()
                    .to_vec::<f32>()
                    .expect("f32 data"),
            );
            eval.predicted.extend(
                prediction
                    .classes
                    .into_data()
                    .convert::<i64>()
                    .to_vec::<i64>()
                    .expect("int data"),
            );
        }
    }
    if rows == 0 {
        bail!("nothing to evaluate");
    }
    let penalty: f64 = model.penalty().into_scalar().elem();
    eval.loss = hinge_sum / rows as f64 + penalty;
    eval.accuracy = correct / rows as f64;
    Ok(eval)
}

fn announce(
    info: &BackendInfo,
    config: &SvmRunConfig,
    resume_from: Option<usize>,
    dir: &ArtifactDir,
) {
    println!("svm: {}", config.describe());
    println!(
        "backend {} ({}), seed {}",
        info.name, info.device, config.seed
    );
    if let Some(epoch) = resume_from {
        println!(
            "resuming from the epoch-{epoch} checkpoint in '{}'",
            dir.path().display()
        );
    }
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let run = training::prepare_run(&args.run, NAME, || args.resolve(), SvmRunConfig::epochs)?;
    match run.config.dataset {
        DataChoice::Seed => train_seed(args, run, started),
        DataChoice::Mnist => train_mnist(args, run, started),
    }
}

/// Writes the summary, lists what the run wrote and its wall time.
fn finish<M: Serialize>(
    dir: &ArtifactDir,
    info: &BackendInfo,
    config: &SvmRunConfig,
    metrics: M,
    started: Instant,
    mut written: Vec<std::path::PathBuf>,
) -> Result<()> {
    let wall = started.elapsed().as_secs_f64();
    let summary = Summary::new(NAME, info, config.seed, config, metrics, wall);
    written.push(dir.write_json(SUMMARY_FILE, &summary)?);
    println!("wrote {}", list_paths(&written));
    println!("wall time {wall:.2} s");
    Ok(())
}
