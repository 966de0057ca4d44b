//! A training run with the zoo's learning module: dashboard, checkpoints, resume,
//! artifacts; then the answers on both sets and the untouched weights.

use std::sync::Arc;

use anyhow::Result;
use burn::{
    data::dataloader::DataLoaderBuilder,
    module::AutodiffModule,
    tensor::backend::Backend,
    train::{Learner, SupervisedTraining, metric::LossMetric},
};
use datasets::tabular::{TableBatcher, TableDataset};
use models::DenseRegressor;
use serde::Serialize;

use super::{
    NAME, ReverseConfig, TrainArgs, announce,
    eval::{
        SetEval, answers_table, bit_identical, cleared_plus_weights_error, evaluate,
        repeats_cleared_answers, rounded_pattern, top_input_weights,
    },
    plot::write_weights,
};
use crate::{
    backend::{self, InferenceBackend, TrainBackend},
    learning,
    run::{self, KeyMetric},
};

/// The tutorial's rounded answers on its six unseen inputs.
pub const SEED_UNSEEN_ANSWERS: [&str; 6] = ["0000", "1000", "0100", "1010", "0110", "1110"];

#[derive(Debug, Serialize)]
struct ReverseMetrics {
    train: SetEval,
    unseen: SetEval,
    train_bit_accuracy: f64,
    unseen_bit_accuracy: f64,
    /// Unseen inputs answered (rounded) like the same input with the top bit cleared.
    unseen_repeating_cleared_answers: usize,
    /// Row 0 of the first layer (the weights the top input feeds), before and after.
    top_input_weights_start: Vec<f32>,
    top_input_weights_end: Vec<f32>,
    /// Whether those weights are bit-for-bit what initialisation gave them.
    top_input_weights_untouched: bool,
    /// Largest |unseen output − (output with the top bit cleared + top weights)|; only
    /// for a net without hidden layers.
    cleared_plus_weights_max_error: Option<f64>,
    /// The tutorial's rounded answers on the unseen inputs (4 bits only).
    seed_unseen_answers: Option<Vec<&'static str>>,
    epochs: usize,
    resumed_from_epoch: Option<usize>,
    seconds_per_epoch: Option<f64>,
    history: Vec<learning::EpochRow>,
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let plan = run::plan(
        &args.run,
        NAME,
        || args.resolve(),
        ReverseConfig::learner_epochs,
    )?;
    let split = plan.config.split()?;
    let devices = backend::devices(args.devices.devices)?;
    let device = backend::main_device(&devices);
    let info = backend::describe_all(&devices);
    announce(&info, &plan.config);
    let seed = plan.config.seed;
    let run = plan.open(&info, seed)?;
    let config = &run.config;
    let bits = config.bits;

    TrainBackend::seed(&device, config.seed);
    let model: DenseRegressor<TrainBackend> = learning::materialize(config.model.init(&device)?);
    let weights_start = model.valid().first_weights();
    let top_start = top_input_weights(&model.valid());

    let train_table = Arc::new(split.table(&split.train));
    let unseen_table = Arc::new(split.table(&split.unseen));
    let batch = config.batch_size.min(train_table.len());
    let loader = DataLoaderBuilder::new(TableBatcher::new(train_table.clone()));
    // A set no larger than a batch is one full batch per pass, as in Keras; larger sets
    // are shuffled once over all passes of a learner epoch.
    let loader = if batch < train_table.len() {
        loader.shuffle(config.seed)
    } else {
        loader
    };
    let train_loader = loader.batch_size(batch).build(TableDataset::repeated(
        &train_table,
        config.passes_per_epoch,
    ));
    let valid_loader =
        DataLoaderBuilder::<InferenceBackend, _, _>::new(TableBatcher::new(unseen_table.clone()))
            .batch_size(unseen_table.len())
            .build(TableDataset::new(&unseen_table));
    let learner = Learner::new(model, config.optimizer.init(), config.learning_rate);
    let training = SupervisedTraining::new(run.dir.path(), train_loader, valid_loader)
        .metrics((LossMetric::new(),));
    let Some(fitted) = learning::fit(
        &run,
        training,
        learner,
        config.learner_epochs(),
        None,
        "reverse",
    ) else {
        return run.stop();
    };

    let model = fitted.model.clone();
    let train = evaluate(&model, bits, &split.train, &device);
    let unseen = evaluate(&model, bits, &split.unseen, &device);
    print!("\n{}", answers_table("training inputs", &train));
    print!("\n{}", answers_table("unseen inputs", &unseen));
    let top_end = top_input_weights(&model);
    let untouched = bit_identical(&top_start, &top_end);
    let show = |w: &[f32]| {
        w.iter()
            .map(|v| format!("{v:.6}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "\nweights fed by the top input bit: start [{}]\n                                    end   [{}]  {}",
        show(&top_start),
        show(&top_end),
        if untouched {
            "untouched: no training input has that bit set, so no gradient reaches them"
        } else {
            "trained"
        }
    );
    let repeating = repeats_cleared_answers(&unseen, bits);
    let cleared_error = config
        .model
        .hidden
        .is_empty()
        .then(|| cleared_plus_weights_error(&model, bits, &split.unseen, &device));
    if let Some(e) = cleared_error {
        println!(
            "each unseen output = output with the top bit cleared + those weights (max error {e:.2e}); \
             {repeating} of {} unseen inputs round to the cleared input's answer",
            split.unseen.len()
        );
    }
    let seed_answers = (bits == 4 && config.extra == 0).then(|| SEED_UNSEEN_ANSWERS.to_vec());
    if let Some(answers) = &seed_answers {
        let ours: Vec<String> = unseen.rounded.iter().map(|r| rounded_pattern(r)).collect();
        println!(
            "unseen, rounded: tutorial {}\n                 ours     {}",
            answers.join(" "),
            ours.join(" ")
        );
    }

    let units = config.model.hidden.first().copied().unwrap_or(bits);
    let mut run = run;
    let model_path = run.dir.save_model(model.clone())?;
    let safetensors = crate::weights::save(
        &run.dir,
        &model,
        &super::weights::info(&run.config, run.id()),
    )?;
    let weights = write_weights(
        run.dir.path(),
        &weights_start
            .into_data()
            .to_vec::<f32>()
            .unwrap_or_default(),
        &model
            .first_weights()
            .into_data()
            .to_vec::<f32>()
            .unwrap_or_default(),
        units,
        bits,
    )?;
    let history = learning::history(run.dir.path());
    let curves = learning::write_training_curves(run.dir.path(), &history, "mse")?;
    run.wrote(weights.into_iter().chain([curves, model_path, safetensors]));
    let key = KeyMetric::max("unseen_bit_accuracy", unseen.bit_accuracy);
    let metrics = ReverseMetrics {
        train_bit_accuracy: train.bit_accuracy,
        unseen_bit_accuracy: unseen.bit_accuracy,
        train,
        unseen,
        unseen_repeating_cleared_answers: repeating,
        top_input_weights_start: top_start,
        top_input_weights_end: top_end,
        top_input_weights_untouched: untouched,
        cleared_plus_weights_max_error: cleared_error,
        seed_unseen_answers: seed_answers,
        epochs: run.config.epochs,
        resumed_from_epoch: run.resume_from,
        seconds_per_epoch: fitted.seconds_per_epoch(),
        history,
    };
    run.finish(metrics, key)
}
