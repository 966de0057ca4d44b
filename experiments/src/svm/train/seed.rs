//! Training on the seed's margin data: the learned line, the 20 fresh points, the plot.

use super::*;

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

pub(super) fn train_seed(
    args: &TrainArgs,
    run: PreparedRun<SvmRunConfig>,
    started: Instant,
) -> Result<()> {
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
    let Some(fitted) = fit(
        model,
        &config,
        train_loader,
        valid_loader,
        steps,
        &dir,
        &setup,
    )?
    else {
        training::announce_stopped("svm", &dir);
        return Ok(());
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
    Ok(points
        .iter()
        .zip(model.predict(x)?.class_decisions())
        .map(|(&point, (class, decision_value))| PointPrediction {
            point,
            class,
            decision_value,
        })
        .collect())
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
