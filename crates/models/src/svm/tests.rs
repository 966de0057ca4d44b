//! Unit tests of the linear SVM: hand-computed losses and gradients, typed errors,
//! and the metric adaptors.

use burn::{
    module::Param,
    tensor::{Int, Tensor, backend::Backend},
    train::metric::{AccuracyInput, Adaptor},
};

use super::*;
use crate::test_backend::{TestAutodiffBackend as Ad, TestBackend};

fn floats<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f64> {
    t.into_data().convert::<f64>().to_vec().unwrap()
}

/// A 2-input binary SVM with `w`, `b` on the autodiff backend.
fn binary_svm(w: [f32; 2], b: f32, lambda: f64) -> LinearSvm<Ad> {
    let device = Default::default();
    let mut svm = LinearSvmConfig::new()
        .with_lambda(lambda)
        .init::<Ad>(&device)
        .unwrap();
    svm.weight = Param::from_tensor(Tensor::from_floats([[w[0]], [w[1]]], &device));
    svm.bias = Param::from_tensor(Tensor::from_floats([b], &device));
    svm
}

#[test]
fn hinge_and_gradient_match_hand_computed_values() {
    // w = (1, −1), b = 0.5; f(x) = x1 − x2 + 0.5; λ = 0.1.
    // A: (0, 0), t = 1 (y = +1): f = 0.5, 1 − y f = 0.5 → inside the margin, hinge 0.5.
    // B: (1, 0.5), t = 1: f = 1.0, 1 − y f = 0 → exactly on the margin, hinge 0.
    // C: (−2, 0), t = 0 (y = −1): f = −1.5, 1 − y f = −0.5 → outside, hinge 0.
    // Loss = (0.5 + 0 + 0)/3 + 0.1/2·(1 + 1) = 1/6 + 0.1.
    // Gradients: only A is active (B sits on the kink, where relu's subgradient is 0):
    //   ∂/∂w = −y_A x_A / 3 + λ w = (0, 0) + 0.1·(1, −1) = (0.1, −0.1)
    //   ∂/∂b = −y_A / 3 = −1/3
    let svm = binary_svm([1.0, -1.0], 0.5, 0.1);
    let device = Default::default();
    let x = Tensor::<Ad, 2>::from_floats([[0.0, 0.0], [1.0, 0.5], [-2.0, 0.0]], &device);
    let t = Tensor::<Ad, 1, Int>::from_data([1, 1, 0], &device);
    let out = svm.forward_svm(x, t);
    assert_eq!(
        floats(out.decision.clone()),
        vec![0.5, 1.0, -1.5],
        "decision values"
    );
    let loss = floats(out.loss.clone())[0];
    assert!((loss - (1.0 / 6.0 + 0.1)).abs() < 1e-6, "loss {loss}");
    let grads = out.loss.backward();
    let gw = floats(svm.weight.grad(&grads).unwrap());
    let gb = floats(svm.bias.grad(&grads).unwrap());
    assert!(
        (gw[0] - 0.1).abs() < 1e-6 && (gw[1] + 0.1).abs() < 1e-6,
        "{gw:?}"
    );
    assert!((gb[0] + 1.0 / 3.0).abs() < 1e-6, "{gb:?}");
}

#[test]
fn a_point_on_the_margin_has_zero_subgradient_and_inside_has_minus_y_x() {
    let device = Default::default();
    // On the margin alone: hinge 0, gradient 0 (relu masks output <= 0).
    let svm = binary_svm([1.0, 0.0], 0.0, 0.0);
    let x = Tensor::<Ad, 2>::from_floats([[1.0, 3.0]], &device);
    let loss = binary_hinge(svm.forward(x), Tensor::from_data([1], &device));
    assert_eq!(floats(loss.clone()), vec![0.0]);
    let grads = loss.backward();
    assert_eq!(floats(svm.weight.grad(&grads).unwrap()), vec![0.0, 0.0]);
    assert_eq!(floats(svm.bias.grad(&grads).unwrap()), vec![0.0]);
    // A class-0 point inside the margin: gradient +x (y = −1), bias +1.
    let x = Tensor::<Ad, 2>::from_floats([[0.5, 3.0]], &device);
    let loss = binary_hinge(svm.forward(x), Tensor::from_data([0], &device));
    assert!((floats(loss.clone())[0] - 1.5).abs() < 1e-6);
    let grads = loss.backward();
    assert_eq!(floats(svm.weight.grad(&grads).unwrap()), vec![0.5, 3.0]);
    assert_eq!(floats(svm.bias.grad(&grads).unwrap()), vec![1.0]);
}

#[test]
fn multiclass_hinges_match_hand_computed_values() {
    let device = Default::default();
    // Two rows of scores over 3 classes.
    // Row 1, true class 0: f = (2, 1.5, −1). CS: 1 + max(1.5, −1) − 2 = 0.5.
    //   OvR: max(0, 1−2) + max(0, 1+1.5) + max(0, 1−1) = 0 + 2.5 + 0 = 2.5; squared 6.25.
    // Row 2, true class 2: f = (0, 0, 3). CS: max(0, 1 + 0 − 3) = 0.
    //   OvR: 1 + 1 + 0 = 2; squared 2.
    let f = Tensor::<TestBackend, 2>::from_floats([[2.0, 1.5, -1.0], [0.0, 0.0, 3.0]], &device);
    let t = Tensor::<TestBackend, 1, Int>::from_data([0, 2], &device);
    let cs = floats(crammer_singer_hinge(f.clone(), t.clone()))[0];
    assert!((cs - 0.25).abs() < 1e-6, "{cs}");
    let ovr = floats(one_vs_rest_hinge(f.clone(), t.clone(), false))[0];
    assert!((ovr - 2.25).abs() < 1e-6, "{ovr}");
    let sq = floats(one_vs_rest_hinge(f, t, true))[0];
    assert!((sq - 4.125).abs() < 1e-6, "{sq}");
}

#[test]
fn crammer_singer_gradient_moves_the_true_and_the_runner_up_class() {
    let device = Default::default();
    let mut svm = LinearSvmConfig::new()
        .with_classes(3)
        .with_lambda(0.0)
        .init::<Ad>(&device)
        .unwrap();
    // One input feature 1.0, biases only matter: W = 0, b = (2, 1.5, −1).
    svm.weight = Param::from_tensor(Tensor::zeros([2, 3], &device));
    svm.bias = Param::from_tensor(Tensor::from_floats([2.0, 1.5, -1.0], &device));
    let x = Tensor::<Ad, 2>::from_floats([[1.0, 0.0]], &device);
    let out = svm.forward_svm(x, Tensor::from_data([0], &device));
    let grads = out.loss.backward();
    // d/db of 1 + f_1 − f_0: (−1, +1, 0); d/dW row 0 the same times x1 = 1.
    assert_eq!(floats(svm.bias.grad(&grads).unwrap()), vec![-1.0, 1.0, 0.0]);
    assert_eq!(
        floats(svm.weight.grad(&grads).unwrap()),
        vec![-1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    );
}

#[test]
fn predictions_carry_class_and_decision_value() {
    let svm = binary_svm([1.0, -1.0], 0.0, 0.0);
    let device = Default::default();
    let x = Tensor::<Ad, 2>::from_floats([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0]], &device);
    let p = svm.predict(x).unwrap();
    assert_eq!(floats(p.decision), vec![2.0, -2.0, 0.0]);
    assert_eq!(
        p.classes
            .into_data()
            .convert::<i64>()
            .to_vec::<i64>()
            .unwrap(),
        vec![1, 0, 0],
        "f > 0 is class 1; f = 0 is class 0"
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let device = Default::default();
    assert_eq!(
        LinearSvmConfig::new().with_lambda(-0.5).validate(),
        Err(SvmError::BadLambda(-0.5))
    );
    assert!(
        LinearSvmConfig::new()
            .with_lambda(-0.5)
            .init::<TestBackend>(&device)
            .unwrap_err()
            .to_string()
            .contains("-0.5")
    );
    assert_eq!(
        LinearSvmConfig::new().with_classes(1).validate(),
        Err(SvmError::TooFewClasses(1))
    );
    let svm = LinearSvmConfig::new().init::<TestBackend>(&device).unwrap();
    let err = svm
        .predict(Tensor::zeros([4, 3], &device))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        err,
        SvmError::DimensionMismatch {
            expected: 2,
            got: 3
        }
    );
    assert!(err.to_string().contains("3 features"), "{err}");

    let x = Tensor::<TestBackend, 2>::zeros([3, 2], &device);
    let err = svm
        .check_batch(&x, &Tensor::from_data([0, 2, 1], &device))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "label 2 at index 1 is not a class of this SVM (expected 0 or 1)"
    );
    assert!(
        svm.check_batch(&x, &Tensor::from_data([0, 1, 1], &device))
            .is_ok()
    );
    assert!(matches!(
        svm.check_batch(&x, &Tensor::from_data([0, 1], &device)),
        Err(SvmError::LengthMismatch { .. })
    ));
    let ten = LinearSvmConfig::new().with_classes(10);
    assert!(ten.check_labels(&[0u8, 9]).is_ok());
    let err = ten.check_labels(&[3u8, 10]).unwrap_err().to_string();
    assert!(
        err.contains("label 10 at index 1") && err.contains("0..=9"),
        "{err}"
    );
}

#[test]
fn hinge_names_round_trip() {
    for (name, v) in MulticlassHinge::NAMES {
        assert_eq!(name.parse::<MulticlassHinge>(), Ok(v));
        assert_eq!(v.to_string(), name);
    }
    assert!(
        "softmax"
            .parse::<MulticlassHinge>()
            .unwrap_err()
            .contains("softmax")
    );
}

#[test]
fn accuracy_adaptor_reads_a_binary_column_by_sign() {
    let device = Default::default();
    let out = SvmOutput::<TestBackend> {
        loss: Tensor::zeros([1], &device),
        decision: Tensor::from_floats([[0.3], [-2.0], [1.0]], &device),
        predicted: Tensor::from_data([1, 0, 1], &device),
        targets: Tensor::from_data([1, 1, 1], &device),
    };
    let input: AccuracyInput<TestBackend> = out.adapt();
    let mut metric = burn::train::metric::AccuracyMetric::<TestBackend>::new();
    let progress = burn::data::dataloader::Progress::new(1, 1);
    let metadata = burn::train::metric::MetricMetadata {
        progress: progress.clone(),
        global_progress: progress,
        iteration: Some(1),
        lr: None,
    };
    use burn::train::metric::{Metric, Numeric};
    metric.update(&input, &metadata);
    assert!((metric.value().current() - 200.0 / 3.0).abs() < 1e-9);
    assert!((accuracy(out.predicted, out.targets) - 2.0 / 3.0).abs() < 1e-12);
}
