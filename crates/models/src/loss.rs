//! The loss functions the models train on, kept apart from the models (whose `forward`
//! returns raw outputs) so that any model, or an experiment's evaluation, can use them.
//!
//! - [`mse_loss`]: mean squared error (the XOR network, the dense regressor, linear
//!   regression);
//! - [`bce_with_logits_loss`]: binary cross-entropy from logits (the XOR network's
//!   alternative);
//! - [`cross_entropy`]: softmax cross-entropy against class indices (the MNIST and LCD
//!   classifiers).
//!
//! The SVM's hinge losses are in [`svm`](crate::svm).

use burn::{
    nn::loss::CrossEntropyLossConfig,
    tensor::{Int, Tensor, activation::relu, backend::Backend},
};

/// Mean squared error `mean((p - y)²)`, shape `[1]`.
pub fn mse_loss<B: Backend>(predictions: Tensor<B, 2>, targets: Tensor<B, 2>) -> Tensor<B, 1> {
    (predictions - targets).powi_scalar(2).mean()
}

/// Binary cross-entropy of `sigmoid(logits)` against `targets`, averaged, shape `[1]`.
///
/// Computed as `max(z, 0) − z·y + ln(1 + e^−|z|)`, which never overflows.
pub fn bce_with_logits_loss<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let softplus_tail = logits.clone().abs().neg().exp().log1p();
    (relu(logits.clone()) - logits * targets + softplus_tail).mean()
}

/// Mean cross-entropy of softmax(`logits`) against class indices `targets`, shape `[1]`.
pub fn cross_entropy<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> Tensor<B, 1> {
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits, targets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend as B;

    #[test]
    fn losses_match_hand_computed_values() {
        let device = Default::default();
        let p = Tensor::<B, 2>::from_floats([[0.5], [1.0]], &device);
        let y = Tensor::<B, 2>::from_floats([[1.0], [1.0]], &device);
        let mse: f32 = mse_loss(p, y).into_scalar();
        assert!((mse - 0.125).abs() < 1e-7);

        // z = 0 gives ln 2 whatever the target; z = 2, y = 1 gives ln(1 + e^-2).
        let z = Tensor::<B, 2>::from_floats([[0.0], [2.0], [-50.0]], &device);
        let y = Tensor::<B, 2>::from_floats([[0.0], [1.0], [0.0]], &device);
        let bce: f32 = bce_with_logits_loss(z, y).into_scalar();
        let expected = (2f32.ln() + (1.0 + (-2f32).exp()).ln() + (1.0 + (-50f32).exp()).ln()) / 3.0;
        assert!((bce - expected).abs() < 1e-6, "{bce} vs {expected}");
    }

    #[test]
    fn cross_entropy_matches_a_hand_computed_value() {
        let device = Default::default();
        // Uniform logits over 10 classes: loss = ln 10 whatever the target.
        let logits = Tensor::<B, 2>::zeros([2, 10], &device);
        let targets = Tensor::<B, 1, Int>::from_data([3, 7], &device);
        let loss: f32 = cross_entropy(logits, targets).into_scalar();
        assert!((loss - 10f32.ln()).abs() < 1e-6, "{loss}");
    }
}
