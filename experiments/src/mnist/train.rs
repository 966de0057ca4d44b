//! A training run: data, the learner (Adam or SGD), the test evaluation and the artifacts.

use std::sync::Arc;

use anyhow::Result;
use burn::{
    data::dataloader::{DataLoader, DataLoaderBuilder},
    optim::{Optimizer, lr_scheduler::LrScheduler},
    tensor::{Int, Tensor, backend::Backend},
    train::{
        Learner, SupervisedTraining,
        metric::{AccuracyMetric, LearningRateMetric, LossMetric},
    },
};
use datasets::mnist::{MnistBatcher, MnistDataset, splits::MnistSplits};
use models::MlpClassifier;
use serde::Serialize;

use super::{MnistConfig, NAME, TrainArgs, eval, plot, weights};
use crate::{
    backend::{self, InferenceBackend, TrainBackend},
    learning::{self, EpochRow, Fitted},
    optimizer::{LrSchedule, OptimizerConfig},
    resources,
    run::{self, KeyMetric, Run},
};

type Batch<B> = (Tensor<B, 2>, Tensor<B, 1, Int>);

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
    history: Vec<EpochRow>,
}

type TrainLoader = Arc<dyn DataLoader<TrainBackend, Batch<TrainBackend>>>;
type ValidLoader = Arc<dyn DataLoader<InferenceBackend, Batch<InferenceBackend>>>;

/// Trains with the configured optimizer and learning-rate `schedule`.
fn fit_with<S>(
    run: &Run<MnistConfig>,
    model: MlpClassifier<TrainBackend>,
    schedule: S,
    train: TrainLoader,
    valid: ValidLoader,
) -> Option<Fitted<MlpClassifier<InferenceBackend>>>
where
    S: LrScheduler + 'static,
{
    match &run.config.optimizer {
        OptimizerConfig::Adam(adam) => fit(run, model, adam.init(), schedule, train, valid),
        OptimizerConfig::Sgd(sgd) => fit(run, model, sgd.init(), schedule, train, valid),
    }
}

/// Trains with `optimizer` and `schedule` through the zoo's learning module; `None` when the
/// user stopped.
fn fit<O, S>(
    run: &Run<MnistConfig>,
    model: MlpClassifier<TrainBackend>,
    optimizer: O,
    schedule: S,
    train: TrainLoader,
    valid: ValidLoader,
) -> Option<Fitted<MlpClassifier<InferenceBackend>>>
where
    O: Optimizer<MlpClassifier<TrainBackend>, TrainBackend> + 'static,
    S: LrScheduler + 'static,
{
    let config = &run.config;
    let learner = Learner::new(model, optimizer, schedule);
    let training = SupervisedTraining::new(run.dir.path(), train, valid)
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .metric_train_numeric(LearningRateMetric::new());
    // The learning module's checkpointing keeps the epoch with the lowest validation loss, so
    // with --patience the best epoch's model is there to go back to.
    learning::fit(
        run,
        training,
        learner,
        config.epochs,
        config.patience,
        &config.dataset,
    )
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let mut plan = run::plan(&args.run, NAME, || args.resolve(), MnistConfig::epochs)?;
    let config = &plan.config;
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
        plan.data_dir(args.data_dir.as_deref()).as_deref(),
        config.valid_size,
        config.train_limit,
        config.test_limit,
    )?;

    let devices = backend::devices(args.devices.devices)?;
    let device = backend::main_device(&devices);
    let info = backend::describe_all(&devices);
    println!("mnist: {}", config.describe());
    println!(
        "data '{}' ({} train, {} valid, {} test; loaded in {load_seconds:.2} s); backend {info}, seed {}",
        data_dir.display(),
        n_train,
        config.valid_size,
        n_test,
        config.seed
    );
    let seed = config.seed;
    plan.read_data_from(&data_dir);
    let mut run = plan.open(&info, seed)?;
    let config = &run.config;

    TrainBackend::seed(&device, config.seed);
    let model: MlpClassifier<TrainBackend> = config.model.init(&device)?;
    let model = match &config.init_from {
        // A resumed run starts from its checkpoint instead.
        Some(init) if run.resume_from.is_none() => {
            println!("starting from the weights in '{}'", init.path.display());
            weights::load_init(init, model)?
        }
        _ => model,
    };
    let model = learning::materialize(model);
    let batcher = MnistBatcher::new(train_images.clone());
    let train_loader = DataLoaderBuilder::new(batcher.clone())
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .build(MnistDataset::new(&train_images, 0..n_train));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(batcher)
        .batch_size(config.batch_size)
        .build(MnistDataset::new(&train_images, valid_range.clone()));
    let lr = config.learning_rate;
    let fitted = match config.lr_schedule {
        LrSchedule::Constant => fit_with(&run, model, lr, train_loader, valid_loader),
        LrSchedule::Cosine => {
            let steps = config.epochs
                * learning::steps_per_epoch(n_train, config.batch_size, devices.len());
            let cosine = LrSchedule::cosine(lr, steps)?;
            fit_with(&run, model, cosine, train_loader, valid_loader)
        }
    };
    let Some(mut fitted) = fitted else {
        return run.stop();
    };
    let history = learning::history(run.dir.path());
    let trained_epochs = history.last().map_or(0, |row| row.epoch);
    if config.patience.is_some()
        && let Some(best) = learning::best_epoch(&history, "valid_loss")
    {
        if best < trained_epochs {
            // The learning module's checkpointing kept this epoch (the lowest mean validation
            // loss, `valid_loss`); should it be gone, the last model stays.
            let model = fitted.model.clone();
            match run.dir.load_checkpoint_model(model, best, &device) {
                Ok(model) => fitted.model = model,
                Err(e) => eprintln!("warning: {e:#}; keeping the last epoch's model"),
            }
        }
        let stopped = if trained_epochs < config.epochs {
            format!("early stopping after epoch {trained_epochs}")
        } else {
            "no early stop".to_string()
        };
        println!("{stopped}; kept the model of epoch {best} (lowest validation loss)");
    }

    let report = eval::evaluate(&fitted.model, &test_images, n_test, &device);
    let names = kind.class_names();
    println!(
        "\ntest accuracy {:.2}% ({} images), test loss {:.4}",
        report.accuracy * 100.0,
        n_test,
        report.loss
    );
    print!("{}", eval::report_text(&report, &names));
    let model_path = run.dir.save_model(fitted.model.clone())?;
    let weights_path =
        crate::weights::save(&run.dir, &fitted.model, &weights::info(kind, run.id()))?;
    let plots = plot::write_plots(&run.dir, &run.config, &report, &test_images, &names)?;
    run.wrote([model_path, weights_path].into_iter().chain(plots));

    let metrics = MnistMetrics {
        test_accuracy: report.accuracy,
        test_loss: report.loss,
        epochs: trained_epochs,
        seconds_per_epoch: fitted.seconds_per_epoch(),
        confusion_matrix: report.confusion.clone(),
        precision: report.precision.clone(),
        recall: report.recall.clone(),
        dataset: run.config.dataset.clone(),
        data_dir: data_dir.display().to_string(),
        n_train,
        n_valid: run.config.valid_size,
        n_test,
        resumed_from_epoch: run.resume_from,
        peak_memory_mib: resources::peak_memory_mib(),
        history,
    };
    if let Some(s) = metrics.seconds_per_epoch {
        println!("seconds per training epoch: {s:.2}");
    }
    run.finish(metrics, KeyMetric::max("test_accuracy", report.accuracy))
}
