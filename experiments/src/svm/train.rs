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
    mnist::{MnistBatcher, MnistDataset, MnistImages, MnistKind, Split, source::Search},
};
use models::LinearSvm;
use serde::Serialize;

use super::{DataChoice, FINAL_LR_FRACTION, NAME, SvmRunConfig, TrainArgs, plot};
use crate::{
    artifacts::{ArtifactDir, SUMMARY_FILE, Summary, list_paths},
    backend::{self, BackendInfo, InferenceBackend, TrainBackend},
    dashboard::EpochRecord,
    training::{self, PreparedRun, TrainingSetup},
};

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
    stopped: bool,
    seconds: f64,
}

/// Trains `model` with Adam and a linear learning-rate decay over `total_steps`.
fn fit(
    model: LinearSvm<TrainBackend>,
    config: &SvmRunConfig,
    train: Arc<dyn DataLoader<TrainBackend, Batch<TrainBackend>>>,
    valid: Arc<dyn DataLoader<InferenceBackend, Batch<InferenceBackend>>>,
    total_steps: usize,
    dir: &ArtifactDir,
    setup: &TrainingSetup,
) -> Result<Fitted> {
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
    Ok(Fitted {
        model: result.model,
        epochs: training::trained_epochs(&sink),
        stopped: interrupter.should_stop(),
        seconds,
    })
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

/// One of the fresh points classified after training.
#[derive(Debug, Clone, Serialize)]
pub struct PointPrediction {
    /// `[x, y]`.
    pub point: [f32; 2],
    /// Predicted class, 0 or 1.
    pub class: i64,
    /// The decision value `w·x + b` (the seed's "logit").
    pub decision_value: f32,
}

#[derive(Debug, Serialize)]
struct SeedMetrics {
    train_accuracy: f64,
    final_loss: f64,
    valid_accuracy: f64,
    w: [f64; 2],
    b: f64,
    boundary_angle_deg: f64,
    margin: f64,
    support_vectors: usize,
    predictions: Vec<PointPrediction>,
    /// The seed's two example points ([`SEED_EXAMPLES`]), classified.
    seed_examples: Vec<PointPrediction>,
    epochs: usize,
    steps: usize,
    train_seconds: f64,
    resumed_from_epoch: Option<usize>,
}

/// Angle in degrees (0..=90) between the line `w·x + b = 0` and `y = x`.
pub fn angle_to_diagonal(w: [f64; 2]) -> f64 {
    if w[0] == 0.0 && w[1] == 0.0 {
        return 90.0;
    }
    // The normal of y = x is (1, −1)/√2; the angle between the lines is the angle
    // between their normals, folded into [0°, 90°]: atan2(|w × n|, |w · n|).
    (w[0] + w[1]).abs().atan2((w[0] - w[1]).abs()).to_degrees()
}

fn train_seed(args: &TrainArgs, run: PreparedRun<SvmRunConfig>, started: Instant) -> Result<()> {
    let PreparedRun {
        dir,
        config,
        resume_from,
    } = run;
    let device = backend::device();
    let info = backend::describe(&device);
    announce(&info, &config, resume_from, &dir);
    let data = MarginDataset::generate(config.points, config.margin, SEED_EXTENT, config.seed)?;
    let valid = MarginDataset::generate(
        config.points,
        config.margin,
        SEED_EXTENT,
        config.seed.wrapping_add(1),
    )?;
    let labels: Vec<u8> = data.items().iter().map(|i| i.label).collect();
    config.model.check_labels(&labels)?;

    TrainBackend::seed(&device, config.seed);
    let model: LinearSvm<TrainBackend> = config.model.init(&device)?;
    let train_loader = DataLoaderBuilder::new(MarginBatcher)
        .batch_size(config.points)
        .build(data.clone().repeated(config.steps_per_epoch));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(MarginBatcher)
        .batch_size(config.points)
        .build(valid.clone());
    let steps = config.epochs * config.steps_per_epoch;
    let setup = TrainingSetup {
        num_epochs: config.epochs,
        resume_from,
        no_tui: args.run.no_tui,
        title: format!("burn zoo · svm (seed data) · {}", info.name),
    };
    let fitted = fit(
        model,
        &config,
        train_loader,
        valid_loader,
        steps,
        &dir,
        &setup,
    )?;
    if fitted.stopped {
        println!(
            "training stopped early; continue with: svm --resume --artifact-dir {}",
            dir.path().display()
        );
        return Ok(());
    }
    let model = fitted.model;

    let batch = |d: &MarginDataset| {
        Batcher::<InferenceBackend, _, _>::batch(&MarginBatcher, d.items().to_vec(), &device)
    };
    let eval = evaluate(&model, std::iter::once(batch(&data)), true)?;
    let valid_eval = evaluate(&model, std::iter::once(batch(&valid)), false)?;
    let (weights, biases) = model.parameters();
    let w = [weights[0][0], weights[1][0]];
    let b = biases[0];
    let norm = w[0].hypot(w[1]);
    let margin = if norm > 0.0 {
        1.0 / norm
    } else {
        f64::INFINITY
    };
    let angle = angle_to_diagonal(w);
    let support: Vec<(f64, f64)> = data
        .items()
        .iter()
        .zip(&eval.decision)
        .filter(|(item, f)| {
            let y = if item.label == 1 { 1.0 } else { -1.0 };
            y * f64::from(**f) <= 1.0 + SUPPORT_TOLERANCE
        })
        .map(|(item, _)| (f64::from(item.point[0]), f64::from(item.point[1])))
        .collect();

    println!(
        "\nfinal loss {:.8}, train accuracy {:.4}, valid accuracy {:.4} ({} steps, {:.2} s)",
        eval.loss, eval.accuracy, valid_eval.accuracy, steps, fitted.seconds
    );
    println!(
        "learned line: w = ({:.4}, {:.4}), b = {:.4}; geometric margin 1/|w| = {:.4}; angle to y = x {:.3} deg; {} support vectors",
        w[0],
        w[1],
        b,
        margin,
        angle,
        support.len()
    );

    let fresh = random_points(
        config.predict_points,
        SEED_EXTENT,
        config.seed.wrapping_add(2),
    )?;
    let predictions = predict_points(&model, &fresh, &device)?;
    let seed_examples = predict_points(&model, &SEED_EXAMPLES, &device)?;
    println!(
        "\n{} fresh points, then the seed's two examples:",
        predictions.len()
    );
    for p in predictions.iter().chain(&seed_examples) {
        let note = if p.decision_value.abs() < 1.0 {
            "  (barely: inside the margin)"
        } else {
            ""
        };
        println!(
            "  ({:>7.4}, {:>7.4}) is class {} with decision value {:>8.3}{note}",
            p.point[0], p.point[1], p.class, p.decision_value
        );
    }

    let mut written = vec![dir.save_model(model)?];
    let png = dir.join("svm.png");
    plot::seed_plot(&png, &data, w, b, margin, &support, &predictions)?;
    written.push(png);
    let metrics = SeedMetrics {
        train_accuracy: eval.accuracy,
        final_loss: eval.loss,
        valid_accuracy: valid_eval.accuracy,
        w,
        b,
        boundary_angle_deg: angle,
        margin,
        support_vectors: support.len(),
        predictions,
        seed_examples,
        epochs: config.epochs,
        steps,
        train_seconds: fitted.seconds,
        resumed_from_epoch: resume_from,
    };
    finish(&dir, &info, &config, metrics, started, written)
}

/// Classifies `points` with `model`: class and decision value of each.
pub fn predict_points<B: Backend>(
    model: &LinearSvm<B>,
    points: &[[f32; 2]],
    device: &B::Device,
) -> Result<Vec<PointPrediction>> {
    let flat: Vec<f32> = points.iter().flatten().copied().collect();
    let x = Tensor::<B, 2>::from_data(
        burn::tensor::TensorData::new(flat, [points.len(), 2]),
        device,
    );
    let prediction = model.predict(x)?;
    let decision: Vec<f32> = prediction
        .decision
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("f32 data");
    let classes: Vec<i64> = prediction
        .classes
        .into_data()
        .convert::<i64>()
        .to_vec()
        .expect("int data");
    Ok(points
        .iter()
        .zip(decision.into_iter().zip(classes))
        .map(|(&point, (decision_value, class))| PointPrediction {
            point,
            class,
            decision_value,
        })
        .collect())
}

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

/// One of the first test images, classified.
#[derive(Debug, Clone, Serialize)]
struct ImagePrediction {
    index: usize,
    label: u8,
    class: i64,
    /// The winning class's decision value.
    decision_value: f32,
}

#[derive(Debug, Serialize)]
struct MnistMetrics {
    train_accuracy: f64,
    final_loss: f64,
    test_accuracy: f64,
    test_loss: f64,
    /// Per class `1/|w_j|`.
    margin: Vec<f64>,
    b: Vec<f64>,
    predictions: Vec<ImagePrediction>,
    /// Wall seconds of the whole learner run (training passes, validation, checkpoints).
    train_seconds: f64,
    /// Seconds of the training passes alone (validation and checkpoints excluded).
    train_pass_seconds: Option<f64>,
    /// Seconds to classify the test set (batching, forward pass, read-back).
    predict_seconds: f64,
    epochs: usize,
    n_train: usize,
    n_valid: usize,
    n_test: usize,
    data_dir: String,
    resumed_from_epoch: Option<usize>,
}

fn train_mnist(args: &TrainArgs, run: PreparedRun<SvmRunConfig>, started: Instant) -> Result<()> {
    let PreparedRun {
        dir,
        config,
        resume_from,
    } = run;
    let kind = MnistKind::Mnist;
    let data_dir = Search::from_env(kind, args.data_dir.as_deref()).locate()?;
    let train_images = Arc::new(MnistImages::load(&data_dir, kind, Split::Train)?);
    let test_images = Arc::new(MnistImages::load(&data_dir, kind, Split::Test)?);
    config.model.check_labels(train_images.labels())?;
    config.model.check_labels(test_images.labels())?;
    let n = train_images.len();
    if config.valid_size >= n {
        bail!(
            "--valid-size ({}) must be smaller than the {n} training images in '{}'",
            config.valid_size,
            data_dir.display()
        );
    }
    let valid_range = n - config.valid_size..n;
    let n_train = config.train_limit.unwrap_or(n).min(valid_range.start);
    let n_test = config
        .test_limit
        .unwrap_or(test_images.len())
        .min(test_images.len());
    let device = backend::device();
    let info = backend::describe(&device);
    announce(&info, &config, resume_from, &dir);
    println!(
        "data '{}' ({n_train} train, {} valid, {n_test} test)",
        data_dir.display(),
        config.valid_size
    );

    TrainBackend::seed(&device, config.seed);
    let model: LinearSvm<TrainBackend> = config.model.init(&device)?;
    let batcher = MnistBatcher::new(train_images.clone());
    let train_loader = DataLoaderBuilder::new(batcher.clone())
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .build(MnistDataset::new(&train_images, 0..n_train));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(batcher.clone())
        .batch_size(config.batch_size)
        .build(MnistDataset::new(&train_images, valid_range.clone()));
    let steps = config.epochs * n_train.div_ceil(config.batch_size);
    let setup = TrainingSetup {
        num_epochs: config.epochs,
        resume_from,
        no_tui: args.run.no_tui,
        title: format!("burn zoo · svm (mnist) · {}", info.name),
    };
    let fitted = fit(
        model,
        &config,
        train_loader,
        valid_loader,
        steps,
        &dir,
        &setup,
    )?;
    if fitted.stopped {
        println!(
            "training stopped early; continue with: svm --dataset mnist --resume --artifact-dir {}",
            dir.path().display()
        );
        return Ok(());
    }
    let model = fitted.model;

    let device = &device;
    let chunks = |images: &Arc<MnistImages>, range: std::ops::Range<usize>| {
        let batcher = MnistBatcher::new(images.clone());
        range.clone().step_by(EVAL_BATCH).map(move |start| {
            let indices: Vec<usize> = (start..(start + EVAL_BATCH).min(range.end)).collect();
            Batcher::<InferenceBackend, _, _>::batch(&batcher, indices, device)
        })
    };
    let predicting = Instant::now();
    let test = evaluate(&model, chunks(&test_images, 0..n_test), true)?;
    let predict_seconds = predicting.elapsed().as_secs_f64();
    let train_eval = evaluate(&model, chunks(&train_images, 0..n_train), false)?;
    let train_pass_seconds = (!fitted.epochs.is_empty()).then(|| {
        fitted
            .epochs
            .iter()
            .map(|e| e.train_duration.as_secs_f64())
            .sum::<f64>()
    });

    let classes = config.model.classes;
    let (weights, biases) = model.parameters();
    let margin: Vec<f64> = (0..classes)
        .map(|j| {
            1.0 / weights
                .iter()
                .map(|row| row[j] * row[j])
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let predictions: Vec<ImagePrediction> = (0..n_test.min(20))
        .map(|i| {
            let class = test.predicted[i];
            ImagePrediction {
                index: i,
                label: test_images.label(i),
                class,
                decision_value: test.decision[i * classes + class as usize],
            }
        })
        .collect();
    println!(
        "\ntest accuracy {:.4} ({n_test} images), train accuracy {:.4}, final loss {:.6}",
        test.accuracy, train_eval.accuracy, train_eval.loss
    );
    println!(
        "train {:.2} s (learner, incl. validation and checkpoints; training passes {}), predict {:.3} s ({n_test} test images)",
        fitted.seconds,
        train_pass_seconds.map_or("n/a".to_string(), |s| format!("{s:.2} s")),
        predict_seconds
    );
    for p in &predictions {
        println!(
            "  test image {:>2}: class {} (label {}), decision value {:.3}",
            p.index, p.class, p.label, p.decision_value
        );
    }
    let written = vec![dir.save_model(model)?];
    let metrics = MnistMetrics {
        train_accuracy: train_eval.accuracy,
        final_loss: train_eval.loss,
        test_accuracy: test.accuracy,
        test_loss: test.loss,
        margin,
        b: biases,
        predictions,
        train_seconds: fitted.seconds,
        train_pass_seconds,
        predict_seconds,
        epochs: config.epochs,
        n_train,
        n_valid: config.valid_size,
        n_test,
        data_dir: data_dir.display().to_string(),
        resumed_from_epoch: resume_from,
    };
    finish(&dir, &info, &config, metrics, started, written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_to_the_diagonal() {
        assert!(angle_to_diagonal([-1.0, 1.0]).abs() < 1e-9);
        assert!(angle_to_diagonal([2.0, -2.0]).abs() < 1e-9);
        assert!((angle_to_diagonal([1.0, 0.0]) - 45.0).abs() < 1e-9);
        assert!((angle_to_diagonal([1.0, 1.0]) - 90.0).abs() < 1e-9);
        let tilted = [-(40f64.to_radians().cos()), 40f64.to_radians().sin()];
        // The normal (−cos 40°, sin 40°) is 5° off (−cos 45°, sin 45°).
        assert!((angle_to_diagonal(tilted) - 5.0).abs() < 1e-9);
    }
}
