//! The default implementations of [`ZooBackend`](super::ZooBackend)'s operations, from
//! ordinary tensor operations: what every backend without its own kernels runs, and
//! what the fused kernels are tested against.

use burn::tensor::{
    IndexingUpdateOp, Int, Tensor, TensorPrimitive,
    activation::relu,
    backend::Backend,
    ops::{FloatTensor, IntTensor},
};

use super::{AdamOutput, AdamStep, DenseActivation, DenseGrads, SgdStep};

fn wrap<B: Backend, const D: usize>(t: FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

fn unwrap<B: Backend, const D: usize>(t: Tensor<B, D>) -> FloatTensor<B> {
    t.into_primitive().tensor()
}

/// `activation(input · weight + bias)` as burn's `Linear` and `relu` compute it.
pub fn dense_forward<B: Backend>(
    input: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: Option<FloatTensor<B>>,
    activation: DenseActivation,
) -> FloatTensor<B> {
    let z = wrap::<B, 2>(input).matmul(wrap(weight));
    bias_activation::<B>(unwrap(z), bias, activation)
}

/// `activation(z + bias)`: the dense layer after its matrix product.
fn bias_activation<B: Backend>(
    z: FloatTensor<B>,
    bias: Option<FloatTensor<B>>,
    activation: DenseActivation,
) -> FloatTensor<B> {
    let mut z = wrap::<B, 2>(z);
    if let Some(bias) = bias {
        z = z + wrap::<B, 1>(bias).unsqueeze();
    }
    unwrap(match activation {
        DenseActivation::Identity => z,
        DenseActivation::Relu => relu(z),
    })
}

/// The dense layer's backward pass, as burn's autodiff computes it for `matmul`, the
/// broadcast bias addition and `relu`.
pub fn dense_backward<B: Backend>(
    grad: FloatTensor<B>,
    output: FloatTensor<B>,
    input: Option<FloatTensor<B>>,
    weight: Option<FloatTensor<B>>,
    bias: bool,
    activation: DenseActivation,
) -> DenseGrads<B> {
    let grad = match activation {
        DenseActivation::Identity => grad,
        DenseActivation::Relu => B::relu_backward(output, grad),
    };
    let g = wrap::<B, 2>(grad);
    DenseGrads {
        input: weight.map(|w| unwrap(g.clone().matmul(wrap::<B, 2>(w).transpose()))),
        weight: input.map(|x| unwrap(wrap::<B, 2>(x).transpose().matmul(g.clone()))),
        bias: bias.then(|| unwrap(g.sum_dim(0).squeeze_dim::<1>(0))),
    }
}

/// One Adam update with burn's `Adam` arithmetic, operation for operation.
pub fn adam_step<B: Backend>(
    param: FloatTensor<B>,
    grad: FloatTensor<B>,
    moment_1: Option<FloatTensor<B>>,
    moment_2: Option<FloatTensor<B>>,
    step: AdamStep,
) -> AdamOutput<B> {
    let param = wrap::<B, 1>(param);
    let mut grad = wrap::<B, 1>(grad);
    if step.weight_decay != 0.0 {
        grad = param.clone().mul_scalar(step.weight_decay).add(grad);
    }
    let moment_1 = match moment_1 {
        Some(m) => wrap::<B, 1>(m)
            .mul_scalar(step.beta_1)
            .add(grad.clone().mul_scalar(1.0 - step.beta_1)),
        None => grad.clone().mul_scalar(1.0 - step.beta_1),
    };
    let moment_2 = match moment_2 {
        Some(m) => wrap::<B, 1>(m)
            .mul_scalar(step.beta_2)
            .add(grad.square().mul_scalar(1.0 - step.beta_2)),
        None => grad.square().mul_scalar(1.0 - step.beta_2),
    };
    let update = moment_1.clone().mul_scalar(step.combined_factor()).div(
        moment_2
            .clone()
            .sqrt()
            .add_scalar(step.epsilon * step.bias_correction_2_sqrt()),
    );
    let param = param - update.mul_scalar(step.lr);
    (unwrap(param), unwrap(moment_1), unwrap(moment_2))
}

/// k-means' assignment as tensor operations: `x·(−2Cᵀ) + |c|²`, its row minimum and
/// index, plus `|x|²`, clamped at 0.
pub fn nearest_centroid<B: Backend>(
    x: FloatTensor<B>,
    x_norms: FloatTensor<B>,
    centroids_t: FloatTensor<B>,
    centroid_norms: FloatTensor<B>,
) -> (FloatTensor<B>, IntTensor<B>) {
    let m = wrap::<B, 2>(x.clone()).dims()[0];
    let scores = wrap::<B, 2>(x).matmul(wrap(centroids_t)) + wrap::<B, 2>(centroid_norms);
    let (min, label) = scores.min_dim_with_indices(1);
    let min = (min + wrap::<B, 2>(x_norms)).clamp_min(0.0);
    (unwrap(min), label.reshape([m]).into_primitive())
}

/// The per-cluster sums and counts with `select_assign` (no one-hot matrix).
pub fn cluster_sums<B: Backend>(
    sums: FloatTensor<B>,
    counts: FloatTensor<B>,
    x: FloatTensor<B>,
    labels: IntTensor<B>,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let labels = Tensor::<B, 1, Int>::from_primitive(labels);
    let x = wrap::<B, 2>(x);
    let ones = Tensor::<B, 1>::ones([x.dims()[0]], &x.device());
    let sums = wrap::<B, 2>(sums).select_assign(0, labels.clone(), x, IndexingUpdateOp::Add);
    let counts = wrap::<B, 1>(counts).select_assign(0, labels, ones, IndexingUpdateOp::Add);
    (unwrap(sums), unwrap(counts))
}

/// One SGD update with burn's `Sgd` (and `Momentum`) arithmetic, operation for operation.
pub fn sgd_step<B: Backend>(
    param: FloatTensor<B>,
    grad: FloatTensor<B>,
    velocity: Option<FloatTensor<B>>,
    step: SgdStep,
) -> (FloatTensor<B>, Option<FloatTensor<B>>) {
    let param = wrap::<B, 1>(param);
    let mut grad = wrap::<B, 1>(grad);
    if step.weight_decay != 0.0 {
        grad = param.clone().mul_scalar(step.weight_decay).add(grad);
    }
    let mut velocity_out = None;
    if let Some(m) = step.momentum {
        let velocity = match velocity {
            Some(v) => grad
                .clone()
                .mul_scalar(1.0 - m.dampening)
                .add(wrap::<B, 1>(v).mul_scalar(m.momentum)),
            None => grad.clone(),
        };
        grad = if m.nesterov {
            velocity.clone().mul_scalar(m.momentum).add(grad)
        } else {
            velocity.clone()
        };
        velocity_out = Some(unwrap(velocity));
    }
    (unwrap(param - grad.mul_scalar(step.lr)), velocity_out)
}
