//! Training on the seed's margin data: the learned line, the 20 fresh points, the plot.

use datasets::rng::derive_seed;

use super::*;

/// The validation points' stream of the run's seed (the training points use the seed).
const VALID_STREAM: u64 = 1;
/// The stream of the fresh points classified after training.
const FRESH_STREAM: u64 = 2;

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
    history: Vec<learning::EpochRow>,
}

pub(super) fn train_seed(args: &TrainArgs, plan: RunPlan<SvmConfig>) -> Result<()> {
    let config = &plan.config;
    let devices = backend::devices(args.devices.devices)?;
    let device = backend::main_device(&devices);
    let info = backend::describe_all(&devices);
    announce(&info, config);
    let data = MarginDataset::generate(config.points, config.margin, SEED_EXTENT, config.seed)?;
    let valid = MarginDataset::generate(
        config.points,
        config.margin,
        SEED_EXTENT,
        derive_seed(config.seed, VALID_STREAM),
    )?;
    let labels: Vec<u8> = data.items().iter().map(|i| i.label).collect();
    config.model.check_labels(&labels)?;
    let seed = config.seed;
    let mut run = plan.open(&info, seed)?;
    let config = &run.config;

    TrainBackend::seed(&device, config.seed);
    let model: LinearSvm<TrainBackend> = learning::materialize(config.model.init(&device)?);
    let train_loader = DataLoaderBuilder::new(MarginBatcher)
        .batch_size(config.points)
        .build(data.clone().repeated(config.steps_per_epoch));
    let valid_loader = DataLoaderBuilder::<InferenceBackend, _, _>::new(MarginBatcher)
        .batch_size(config.points)
        .build(valid.clone());
    let steps = config.epochs
        * learning::steps_per_epoch(
            config.points * config.steps_per_epoch,
            config.points,
            devices.len(),
        );
    let Some(fitted) = fit(
        &run,
        model,
        train_loader,
        valid_loader,
        steps,
        "svm (seed data)",
    )?
    else {
        return run.stop();
    };
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
        derive_seed(config.seed, FRESH_STREAM),
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

    let safetensors = crate::weights::save(
        &run.dir,
        &model,
        &super::super::weights::info(&run.config, run.id()),
    )?;
    let model_path = run.dir.save_model(model)?;
    let png = run.dir.join("svm.png");
    plot::seed_plot(&png, &data, w, b, margin, &support, &predictions)?;
    run.wrote([model_path, safetensors, png]);
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
        epochs: run.config.epochs,
        steps,
        train_seconds: fitted.seconds,
        resumed_from_epoch: run.resume_from,
        history: learning::history(run.dir.path()),
    };
    let key = KeyMetric::max("valid_accuracy", metrics.valid_accuracy);
    run.finish(metrics, key)
}
