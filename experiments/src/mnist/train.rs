//! A training run: data, the learner (Adam or SGD), the test evaluation and the artifacts.

use std::{path::PathBuf, sync::Arc, time::Instant};

use anyhow::Result;
use burn::{
    data::dataloader::{DataLoader, DataLoaderBuilder},
    optim::{AdamConfig, Optimizer, SgdConfig, momentum::MomentumConfig},
    tensor::{Int, Tensor, backend::Backend},
    train::{
        Learner, SupervisedTraining,
        metric::{AccuracyMetric, LearningRateMetric, LossMetric},
    },
};
use datasets::mnist::{MnistBatcher, MnistDataset, MnistImages, SIDE};
use models::MlpClassifier;
use serde::Serialize;

use super::{MnistConfig, MnistSplits, NAME, OptimizerKind, TrainArgs, eval};
use crate::{
    artifacts::{ArtifactDir, SUMMARY_FILE, Summary, list_paths},
    backend::{self, InferenceBackend, TrainBackend},
    dashboard::EpochRecord,
    plot, resources,
    training::{self, PreparedRun, TrainingSetup},
};

type Batch<B> = (Tensor<B, 2>, Tensor<B, 1, Int>);

#[derive(Debug, Serialize)]
struct EpochMetrics {
    epoch: usize,
    train_loss: Option<f64>,
    valid_loss: Option<f64>,
    train_accuracy: Option<f64>,
    valid_accuracy: Option<f64>,
}

#[derive(Debug, Serialize)]
struct MnistMetrics {
    test_accuracy: f64,
    test_loss: f64,
    epochs: usize,
    seconds_per_epoch: Option<f64>,
    confusion_matrix: Vec<Vec<u64>>,
    precision: Vec<f64>,
    recall: Vec<f64>,
    dataset: String,
    data_dir: String,
    n_train: usize,
    n_valid: usize,
    n_test: usize,
    resumed_from_epoch: Option<usize>,
    peak_memory_mib: Option<f64>,
    history: Vec<EpochMetrics>,
}

fn history(dir: &ArtifactDir) -> Vec<EpochMetrics> {
    let read = |split, name| training::epoch_means(dir.path(), split, name);
    let columns = [
        read("train", "Loss"),
        read("valid", "Loss"),
        read("train", "Accuracy"),
        read("valid", "Accuracy"),
    ];
    let mut epochs: Vec<usize> = columns.iter().flatten().map(|(e, _)| *e).collect();
    epochs.sort_unstable();
    epochs.dedup();
    let find = |c: usize, e: usize| columns[c].iter().find(|(x, _)| *x == e).map(|(_, v)| *v);
    epochs
        .into_iter()
        .map(|epoch| EpochMetrics {
            epoch,
            train_loss: find(0, epoch),
            valid_loss: find(1, epoch),
            train_accuracy: find(2, epoch),
            valid_accuracy: find(3, epoch),
        })
        .collect()
}

/// The trained model, the epochs this process trained, and whether it was stopped early.
type Fitted = (MlpClassifier<InferenceBackend>, Vec<EpochRecord>, bool);

#[allow(clippy::too_many_arguments)]
fn fit<O>(
    model: MlpClassifier<TrainBackend>,
    optimizer: O,
    config: &MnistConfig,
    train: Arc<dyn DataLoader<TrainBackend, Batch<TrainBackend>>>,
    valid: Arc<dyn DataLoader<InferenceBackend, Batch<InferenceBackend>>>,
    dir: &ArtifactDir,
    setup: &TrainingSetup,
) -> Fitted
where
    O: Optimizer<MlpClassifier<TrainBackend>, TrainBackend> + 'static,
{
    let learner = Learner::new(model, optimizer, config.learning_rate);
    let training = SupervisedTraining::new(dir.path(), train, valid)
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .metric_train_numeric(LearningRateMetric::new());
    let interrupter = training.interrupter();
    let (training, sink) = training::configure(training, dir, setup);
    let result = training.launch(learner);
    drop(result.renderer);
    (
        result.model,
        training::trained_epochs(&sink),
        interrupter.should_stop(),
    )
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let PreparedRun {
        dir,
        config,
        resume_from,
    } = training::prepare_run(&args.run, NAME, || args.resolve(), MnistConfig::epochs)?;
    let kind = config.kind()?;
    let MnistSplits {
        data_dir,
        train: train_images,
        test: test_images,
        valid_range,
        n_train,
        n_test,
        load_seconds,
    } = MnistSplits::load(
        kind,
        args.data_dir.as_deref(),
        config.valid_size,
        config.train_limit,
        config.test_limit,
    )?;

    let device = backend::device();
    let info = backend::describe(&device);
    println!("mnist: {}", config.describe());
    println!(
        "data '{}' ({} train, {} valid, {} test; loaded in {load_seconds:.2} s); backend {} ({}), seed {}",
        data_dir.display(),
        n_train,
        config.valid_size,
        n_test,
        info.name,
        info.device,
        config.seed
    );
    training::announce_resume(&dir, resume_from);

    TrainBackend::seed(&device, config.seed);
    let model: MlpClassifier<TrainBackend> = config.model.init(&device)?;
    let batcher = MnistBatcher::new(train_images.clone());
    let train_loader = DataLoaderBuilder::new(batcher.clone())
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .build(MnistDataset::new(&train_images, 0..n_train));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(batcher)
        .batch_size(config.batch_size)
        .build(MnistDataset::new(&train_images, valid_range.clone()));
    let setup = TrainingSetup {
        num_epochs: config.epochs,
        resume_from,
        no_tui: args.run.no_tui,
        title: format!("burn zoo · {} · {}", config.dataset, info.name),
    };
    let (model, epochs, stopped) = match config.optimizer {
        OptimizerKind::Adam => {
            let adam = AdamConfig::new().with_epsilon(1e-8).init();
            fit(
                model,
                adam,
                &config,
                train_loader,
                valid_loader,
                &dir,
                &setup,
            )
        }
        OptimizerKind::Sgd => {
            let momentum = MomentumConfig::new().with_momentum(config.momentum);
            let sgd = SgdConfig::new().with_momentum(Some(momentum)).init();
            fit(
                model,
                sgd,
                &config,
                train_loader,
                valid_loader,
                &dir,
                &setup,
            )
        }
    };
    if stopped {
        training::announce_stopped("mnist", &dir);
        return Ok(());
    }

    let report = eval::evaluate(&model, &test_images, n_test, &device);
    let names = kind.class_names();
    println!(
        "\ntest accuracy {:.2}% ({} images), test loss {:.4}",
        report.accuracy * 100.0,
        n_test,
        report.loss
    );
    print!("{}", eval::report_text(&report, &names));
    let mut written = vec![dir.save_model(model)?];
    written.extend(write_plots(&dir, &config, &report, &test_images, &names)?);

    let metrics = MnistMetrics {
        test_accuracy: report.accuracy,
        test_loss: report.loss,
        epochs: config.epochs,
        seconds_per_epoch: training::mean_train_seconds(&epochs),
        confusion_matrix: report.confusion.clone(),
        precision: report.precision.clone(),
        recall: report.recall.clone(),
        dataset: config.dataset.clone(),
        data_dir: data_dir.display().to_string(),
        n_train,
        n_valid: config.valid_size,
        n_test,
        resumed_from_epoch: resume_from,
        peak_memory_mib: resources::peak_memory_mib(),
        history: history(&dir),
    };
    if let Some(s) = metrics.seconds_per_epoch {
        println!("seconds per training epoch: {s:.2}");
    }
    let wall = started.elapsed().as_secs_f64();
    let summary = Summary::new(NAME, &info, config.seed, &config, metrics, wall);
    written.push(dir.write_json(SUMMARY_FILE, &summary)?);
    println!("wrote {}", list_paths(&written));
    println!("wall time {wall:.1} s");
    Ok(())
}

/// Confusion matrix, training curves and misclassified examples as PNGs.
fn write_plots(
    dir: &ArtifactDir,
    config: &MnistConfig,
    report: &eval::TestReport,
    test: &MnistImages,
    names: &[&str],
) -> Result<Vec<PathBuf>> {
    let confusion = dir.join("confusion_matrix.png");
    let title = format!(
        "{} test set: {:.2}% accurate",
        config.dataset,
        report.accuracy * 100.0
    );
    plot::confusion_matrix_png(&confusion, &title, names, &report.confusion)?;

    let history = history(dir);
    let series = |pick: fn(&EpochMetrics) -> Option<f64>| {
        history
            .iter()
            .filter_map(|h| pick(h).map(|v| (h.epoch as f64, v)))
            .collect::<Vec<_>>()
    };
    let curves = dir.join("training_curves.png");
    plot::line_charts_png(
        &curves,
        &[
            plot::Panel {
                title: "loss".into(),
                x_desc: "epoch",
                y_desc: "cross-entropy (mean per epoch)".into(),
                series: vec![
                    ("train", series(|h| h.train_loss)),
                    ("valid", series(|h| h.valid_loss)),
                ],
                log_y: false,
            },
            plot::Panel {
                title: "accuracy".into(),
                x_desc: "epoch",
                y_desc: "accuracy % (mean per epoch)".into(),
                series: vec![
                    ("train", series(|h| h.train_accuracy)),
                    ("valid", series(|h| h.valid_accuracy)),
                ],
                log_y: false,
            },
        ],
    )?;

    let wrong: Vec<(&[u8], String)> = report
        .predictions
        .iter()
        .enumerate()
        .filter(|(i, p)| **p != test.label(*i))
        .take(36)
        .map(|(i, &p)| {
            let label = format!(
                "#{i}: {}→{} {:.0}%",
                names[usize::from(test.label(i))],
                names[usize::from(p)],
                report.confidence[i] * 100.0
            );
            (test.image(i), label)
        })
        .collect();
    let grid = dir.join("misclassified.png");
    plot::image_grid_png(
        &grid,
        "misclassified test images: true→predicted (confidence)",
        SIDE,
        &wrong,
    )?;
    Ok(vec![confusion, curves, grid])
}
