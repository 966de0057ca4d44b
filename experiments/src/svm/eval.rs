//! Evaluating a linear SVM: objective and accuracy over batches, points classified,
//! the learned line's angle.

use anyhow::{Result, bail};
use burn::tensor::{ElementConversion, Int, Tensor, backend::Backend};
use models::LinearSvm;
use serde::Serialize;

type Batch<B> = (Tensor<B, 2>, Tensor<B, 1, Int>);

/// Points with `y·f(x)` at most `1 + SUPPORT_TOLERANCE` count as support vectors (on
/// or inside the margin); the tolerance absorbs the optimiser's last small steps.
pub const SUPPORT_TOLERANCE: f64 = 0.02;

/// The two points the seed prints: one barely on the class-0 side (logit −0.289), one
/// far from the line (logit −7.009).
pub const SEED_EXAMPLES: [[f32; 2]; 2] = [[-0.2751, -0.4941], [3.3903, -2.1372]];

/// Images per inference batch on MNIST.
pub(super) const EVAL_BATCH: usize = 1_000;

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

/// Angle in degrees (0..=90) between the line `w·x + b = 0` and `y = x`.
pub fn angle_to_diagonal(w: [f64; 2]) -> f64 {
    if w[0] == 0.0 && w[1] == 0.0 {
        return 90.0;
    }
    // The normal of y = x is (1, −1)/√2; the angle between the lines is the angle
    // between their normals, folded into [0°, 90°]: atan2(|w × n|, |w · n|).
    (w[0] + w[1]).abs().atan2((w[0] - w[1]).abs()).to_degrees()
}

/// Objective, accuracy and (optionally) decision values of a model over some batches.
#[derive(Debug, Default)]
pub(super) struct Evaluation {
    /// Mean hinge over all rows plus the penalty.
    pub loss: f64,
    pub accuracy: f64,
    pub decision: Vec<f32>,
    pub predicted: Vec<i64>,
}

pub(super) fn evaluate<B: Backend>(
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
