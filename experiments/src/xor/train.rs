//! A training run with burn's learner: dashboard, checkpoints, resume, artifacts.

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
    /// Per-epoch mean training and validation loss, read from the metric logs.
    history: Vec<EpochLoss>,
}

#[derive(Debug, Serialize)]
struct EpochLoss {
    epoch: usize,
    train_loss: Option<f64>,
    valid_loss: Option<f64>,
}

fn history(dir: &ArtifactDir) -> Vec<EpochLoss> {
    let train = training::epoch_means(dir.path(), "train", "Loss");
    let valid = training::epoch_means(dir.path(), "valid", "Loss");
    let mut epochs: Vec<usize> = train.iter().chain(&valid).map(|(e, _)| *e).collect();
    epochs.sort_unstable();
    epochs.dedup();
    let find = |v: &[(usize, f64)], e: usize| v.iter().find(|(x, _)| *x == e).map(|(_, m)| *m);
    epochs
        .into_iter()
        .map(|epoch| EpochLoss {
            epoch,
            train_loss: find(&train, epoch),
            valid_loss: find(&valid, epoch),
        })
        .collect()
}

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let training::PreparedRun {
        dir,
        config,
        resume_from,
    } = training::prepare_run(&args.run, NAME, || args.resolve(), XorConfig::epochs)?;
    let gate = config.gate()?;
    let device = backend::device();
    let info = backend::describe(&device);
    announce(&info, &config);
    training::announce_resume(&dir, resume_from);

    TrainBackend::seed(&device, config.seed);
    let model: TabularMlp<TrainBackend> = config.model.init(&device)?;
    let train_loader = DataLoaderBuilder::new(GateBatcher::new())
        .batch_size(TABLE_ROWS)
        .build(GateDataset::repeated(gate, config.steps_per_epoch));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(GateBatcher::new())
        .batch_size(TABLE_ROWS)
        .build(GateDataset::new(gate));
    let optimizer = AdamConfig::new().with_epsilon(ADAM_EPSILON).init();
    let learner = Learner::new(model, optimizer, config.learning_rate);

    let training = SupervisedTraining::new(dir.path(), train_loader, valid_loader)
        .metrics((LossMetric::new(), BinaryAccuracyMetric::new()));
    let interrupter = training.interrupter();
    let setup = TrainingSetup {
        num_epochs: config.epochs(),
        resume_from,
        no_tui: args.run.no_tui,
        title: format!("burn zoo · xor ({}) · {}", config.gate, info.name),
    };
    let (training, sink) = training::configure(training, &dir, &setup);
    let result = training.launch(learner);
    drop(result.renderer);
    if interrupter.should_stop() {
        training::announce_stopped("xor", &dir);
        return Ok(());
    }

    let model = result.model;
    let eval = evaluate(&model, gate, &device);
    print!("\n{}", truth_table(gate, &eval.outputs));
    println!(
        "final loss {:.9}, accuracy {:.0}%",
        eval.final_loss,
        eval.accuracy * 100.0
    );
    dir.save_model(model.clone())?;
    let mut written = write_surface(&dir, &model, gate, &eval, &device)?;
    let history = history(&dir);
    let curves = dir.join("training_curves.png");
    let series = |pick: fn(&EpochLoss) -> Option<f64>| {
        history
            .iter()
            .filter_map(|h| pick(h).map(|v| (h.epoch as f64, v)))
            .collect::<Vec<_>>()
    };
    plot::line_charts_png(
        &curves,
        &[plot::Panel {
            title: format!("{} training", gate.name().to_uppercase()),
            x_desc: "epoch",
            y_desc: format!("{} (mean per epoch)", config.model.loss),
            series: vec![
                ("train", series(|h| h.train_loss)),
                ("valid", series(|h| h.valid_loss)),
            ],
            log_y: true,
        }],
    )?;
    written.push(curves);
    let metrics = TrainMetrics {
        eval,
        gate: config.gate.clone(),
        epochs: config.epochs(),
        steps: config.steps,
        resumed_from_epoch: resume_from,
        seconds_per_epoch: training::mean_train_seconds(&training::trained_epochs(&sink)),
        history,
    };
    let wall = started.elapsed().as_secs_f64();
    let summary = Summary::new(NAME, &info, config.seed, &config, metrics, wall);
    written.push(dir.write_json(SUMMARY_FILE, &summary)?);
    written.push(dir.model_path());
    println!("wrote {}", list_paths(&written));
    println!("wall time {wall:.2} s");
    Ok(())
}
