//! A training run with the zoo's learning module: dashboard, checkpoints, resume, artifacts.

use super::*;

#[derive(Debug, Serialize)]
struct TrainMetrics {
    #[serde(flatten)]
    eval: TableEval,
    gate: String,
    epochs: usize,
    steps: usize,
    resumed_from_epoch: Option<usize>,
    /// Mean wall seconds of the training passes run by this process.
    seconds_per_epoch: Option<f64>,
    /// The first hidden layer's units before and after training.
    hidden_units_start: Vec<HiddenUnit>,
    hidden_units_end: Vec<HiddenUnit>,
    /// The outputs and accuracy the preset's source printed, if it has one.
    reference: Option<(&'static str, f64)>,
    /// Epochs trained before scikit-learn's stopping rule ended the run (sklearn presets).
    stopped_after_epochs: Option<usize>,
    /// Per-epoch means of the logged metrics.
    history: Vec<learning::EpochRow>,
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let plan = run::plan(&args.run, NAME, || args.resolve(), XorConfig::epochs)?;
    let gate = plan.config.gate()?;
    let devices = backend::devices(args.devices.devices)?;
    let device = backend::main_device(&devices);
    let info = backend::describe_all(&devices);
    announce(&info, &plan.config);
    let seed = plan.config.seed;
    let run = plan.open(&info, seed)?;
    let config = &run.config;

    TrainBackend::seed(&device, config.seed);
    let model: TabularMlp<TrainBackend> = learning::materialize(config.model.init(&device)?);
    let units_start = hidden_units(&model.valid());
    let train_loader = DataLoaderBuilder::new(GateBatcher::new())
        .batch_size(TABLE_ROWS)
        .build(GateDataset::repeated(gate, config.steps_per_epoch));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(GateBatcher::new())
        .batch_size(TABLE_ROWS)
        .build(GateDataset::new(gate));
    let learner = Learner::new(model, config.optimizer.init(), config.learning_rate);
    let training = SupervisedTraining::new(run.dir.path(), train_loader, valid_loader)
        .metrics((LossMetric::new(), BinaryAccuracyMetric::new()));
    let training = match config.stop {
        Some(rule) => training.early_stopping(rule.tracker()),
        None => training,
    };
    let title = format!("xor ({})", config.gate);
    let Some(fitted) = learning::fit(&run, training, learner, config.epochs(), None, &title) else {
        return run.stop();
    };

    let model = fitted.model.clone();
    let eval = evaluate(&model, gate, &device);
    print!("\n{}", truth_table(gate, &eval.outputs));
    let units_end = hidden_units(&model);
    // Small nets' units are the lesson (symmetry); wider ones are in summary.json.
    if units_end.len() <= 4 {
        print!("{}", units_table(&units_start, &units_end));
    }
    println!(
        "final loss {:.9}, accuracy {:.0}%",
        eval.final_loss,
        eval.accuracy * 100.0
    );
    let mut run = run;
    let model_path = run.dir.save_model(model.clone())?;
    let weights_path = crate::weights::save(
        &run.dir,
        &model,
        &super::weights::info(&run.config, run.id()),
    )?;
    let surface = write_surface(&run.dir, &model, gate, &eval, &device)?;
    let history = learning::history(run.dir.path());
    let curves = learning::write_training_curves(
        run.dir.path(),
        &history,
        &run.config.model.loss.to_string(),
    )?;
    run.wrote(
        surface
            .into_iter()
            .chain([curves, model_path, weights_path]),
    );
    let key = KeyMetric::max("accuracy", eval.accuracy);
    let metrics = TrainMetrics {
        eval,
        gate: run.config.gate.clone(),
        epochs: run.config.epochs(),
        steps: run.config.steps,
        resumed_from_epoch: run.resume_from,
        seconds_per_epoch: fitted.seconds_per_epoch(),
        hidden_units_start: units_start,
        hidden_units_end: units_end,
        reference: run.config.preset.reference(),
        stopped_after_epochs: run
            .config
            .stop
            .map(|_| history.len())
            .filter(|&n| n < run.config.epochs()),
        history,
    };
    run.finish(metrics, key)
}
