//! Training the 10-class linear SVM on MNIST pixels.

use super::*;

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
    history: Vec<learning::EpochRow>,
}

pub(super) fn train_mnist(args: &TrainArgs, mut plan: RunPlan<SvmConfig>) -> Result<()> {
    let config = &plan.config;
    let kind = MnistKind::Mnist;
    let MnistSplits {
        data_dir,
        train: train_images,
        test: test_images,
        valid_range,
        n_train,
        n_test,
        ..
    } = MnistSplits::load(
        kind,
        plan.data_dir(args.data_dir.as_deref()).as_deref(),
        config.valid_size,
        config.train_limit,
        config.test_limit,
    )?;
    config.model.check_labels(train_images.labels())?;
    config.model.check_labels(test_images.labels())?;
    let devices = backend::devices(args.devices.devices)?;
    let device = backend::main_device(&devices);
    let info = backend::describe_all(&devices);
    announce(&info, config);
    println!(
        "data '{}' ({n_train} train, {} valid, {n_test} test)",
        data_dir.display(),
        config.valid_size
    );
    let seed = config.seed;
    plan.read_data_from(&data_dir);
    let mut run = plan.open(&info, seed)?;
    let config = &run.config;

    TrainBackend::seed(&device, config.seed);
    let model: LinearSvm<TrainBackend> = learning::materialize(config.model.init(&device)?);
    let batcher = MnistBatcher::new(train_images.clone());
    let train_loader = DataLoaderBuilder::new(batcher.clone())
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .build(MnistDataset::new(&train_images, 0..n_train));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(batcher.clone())
        .batch_size(config.batch_size)
        .build(MnistDataset::new(&train_images, valid_range.clone()));
    let steps =
        config.epochs * learning::steps_per_epoch(n_train, config.batch_size, devices.len());
    let Some(fitted) = fit(
        &run,
        model,
        train_loader,
        valid_loader,
        steps,
        "svm (mnist)",
    )?
    else {
        return run.stop();
    };
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
    let safetensors = crate::weights::save(
        &run.dir,
        &model,
        &super::super::weights::info(&run.config, run.id()),
    )?;
    let model_path = run.dir.save_model(model)?;
    run.wrote([model_path, safetensors]);
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
        epochs: run.config.epochs,
        n_train,
        n_valid: run.config.valid_size,
        n_test,
        data_dir: data_dir.display().to_string(),
        resumed_from_epoch: run.resume_from,
        history: learning::history(run.dir.path()),
    };
    let key = KeyMetric::max("test_accuracy", metrics.test_accuracy);
    run.finish(metrics, key)
}
