//! Training runs: the learner wiring both data sets share, then the seed-data and the
//! MNIST flows.

use std::{sync::Arc, time::Instant};

use anyhow::{Result, anyhow};
use burn::{
    data::dataloader::{DataLoader, DataLoaderBuilder, batcher::Batcher},
    optim::lr_scheduler::linear::LinearLrSchedulerConfig,
    tensor::{Int, Tensor, backend::Backend},
    train::{
        Learner, SupervisedTraining,
        metric::{AccuracyMetric, LearningRateMetric, LossMetric},
    },
};
use datasets::{
    margin::{MarginBatcher, MarginDataset, SEED_EXTENT, random_points},
    mnist::{MnistBatcher, MnistDataset, MnistImages, MnistKind, splits::MnistSplits},
};
use models::LinearSvm;
use serde::Serialize;

use super::{
    DataChoice, FINAL_LR_FRACTION, NAME, SvmConfig, TrainArgs,
    eval::{
        EVAL_BATCH, PointPrediction, SEED_EXAMPLES, SUPPORT_TOLERANCE, angle_to_diagonal, evaluate,
        predict_points,
    },
    plot,
};
use crate::{
    backend::{self, BackendInfo, InferenceBackend, TrainBackend},
    learning::{self, Fitted},
    optimizer::OptimizerConfig,
    run::{self, KeyMetric, Run, RunPlan},
};

mod mnist;
mod seed;

use mnist::train_mnist;
use seed::train_seed;

type Batch<B> = (Tensor<B, 2>, Tensor<B, 1, Int>);

/// Trains `model` with the configured optimizer and a linear learning-rate decay over
/// `total_steps`; `None` when the user stopped the run (its checkpoints stay resumable).
fn fit(
    run: &Run<SvmConfig>,
    model: LinearSvm<TrainBackend>,
    train: Arc<dyn DataLoader<TrainBackend, Batch<TrainBackend>>>,
    valid: Arc<dyn DataLoader<InferenceBackend, Batch<InferenceBackend>>>,
    total_steps: usize,
    title: &str,
) -> Result<Option<Fitted<LinearSvm<InferenceBackend>>>> {
    let config = &run.config;
    let lr = config.learning_rate;
    let scheduler = LinearLrSchedulerConfig::new(lr, lr * FINAL_LR_FRACTION, total_steps.max(1))
        .init()
        .map_err(|e| anyhow!("learning-rate schedule: {e}"))?;
    macro_rules! launch {
        ($optimizer:expr) => {{
            let training = SupervisedTraining::new(run.dir.path(), train, valid)
                .metrics((AccuracyMetric::new(), LossMetric::new()))
                .metric_train_numeric(LearningRateMetric::new());
            let learner = Learner::new(model, $optimizer, scheduler);
            learning::fit(run, training, learner, config.epochs, None, title)
        }};
    }
    Ok(match &config.optimizer {
        OptimizerConfig::Adam(adam) => launch!(adam.init()),
        OptimizerConfig::Sgd(sgd) => launch!(sgd.init()),
    })
}

fn announce(info: &BackendInfo, config: &SvmConfig) {
    println!("svm: {}", config.describe());
    println!("backend {info}, seed {}", config.seed);
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let plan = run::plan(&args.run, NAME, || args.resolve(), SvmConfig::epochs)?;
    match plan.config.dataset {
        DataChoice::Seed => train_seed(args, plan),
        DataChoice::Mnist => train_mnist(args, plan),
    }
}
