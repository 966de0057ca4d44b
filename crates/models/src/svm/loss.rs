//! The hinge losses, as free functions of decision values and class targets.

use burn::tensor::{Int, Tensor, activation::relu, backend::Backend};

/// Binary hinge `mean_i max(0, 1 − y_i f_i)` with `y = 2t − 1`, shape `[1]`.
///
/// `decision` is `[n, 1]`, `targets` are 0/1 of shape `[n]`.
pub fn binary_hinge<B: Backend>(
    decision: Tensor<B, 2>,
    targets: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    let [n, _] = decision.dims();
    let y = targets
        .float()
        .mul_scalar(2.0)
        .sub_scalar(1.0)
        .reshape([n, 1]);
    relu((decision * y).neg().add_scalar(1.0)).mean()
}

/// Crammer–Singer hinge `mean_i max_j (f_ij + Δ_ij) − f_{i,y_i}`, with `Δ_ij = 1` for
/// `j ≠ y_i` and 0 for the true class: equal to `max(0, 1 + max_{j≠y} f_j − f_y)`.
/// Shape `[1]`.
pub fn crammer_singer_hinge<B: Backend>(
    decision: Tensor<B, 2>,
    targets: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    let [_, k] = decision.dims();
    let one_hot = targets.one_hot::<2>(k).float();
    let true_score = (decision.clone() * one_hot.clone()).sum_dim(1);
    let augmented = decision + one_hot.neg().add_scalar(1.0);
    (augmented.max_dim(1) - true_score).mean()
}

/// One-vs-rest hinge `mean_i Σ_j max(0, 1 − y_ij f_ij)` (squared terms when `squared`),
/// `y_ij = +1` for the true class and −1 for the others. Shape `[1]`.
pub fn one_vs_rest_hinge<B: Backend>(
    decision: Tensor<B, 2>,
    targets: Tensor<B, 1, Int>,
    squared: bool,
) -> Tensor<B, 1> {
    let [n, k] = decision.dims();
    let y = targets
        .one_hot::<2>(k)
        .float()
        .mul_scalar(2.0)
        .sub_scalar(1.0);
    let hinge = relu((decision * y).neg().add_scalar(1.0));
    let hinge = if squared { hinge.powi_scalar(2) } else { hinge };
    hinge.sum().div_scalar(n as f64)
}
