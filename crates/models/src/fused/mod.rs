//! The zoo's backend extension: fused operations for the hot paths of training.
//!
//! [`ZooBackend`] extends burn's [`Backend`] with a few operations, each with a default
//! implementation from ordinary tensor operations ([`reference`](mod@reference)), so any backend joins
//! with a one-line `impl`:
//!
//! - [`ZooBackend::dense_forward`] / [`ZooBackend::dense_backward`]: a dense layer's
//!   matrix product, bias and activation in one forward pass, and its backward pass
//!   (each parent's gradient only when it is wanted). [`dense`] is the tensor-level
//!   entry point the multi-layer perceptrons use; on `Autodiff<B>` it records one
//!   graph node whose backward step calls `B::dense_backward` (see `autodiff.rs`).
//! - [`ZooBackend::adam_step`] and [`ZooBackend::sgd_step`]: one Adam (SGD, with
//!   momentum) update of a parameter, its state and its gradient, in one pass
//!   ([`optim`] plugs them into burn's optimizer traits: [`optim::FusedAdamConfig`] and
//!   [`optim::FusedSgdConfig`] replace burn's `AdamConfig` and `SgdConfig`).
//! - [`ZooBackend::nearest_centroid`] and [`ZooBackend::cluster_sums`]: k-means'
//!   assignment (the distance product, each row's nearest centroid and its distance)
//!   and the per-cluster sums of the rows; [`ZooBackend::nearest_centroid_sums`] both,
//!   which a backend may do in one pass over the data.
//!
//! burn's CPU backend Flex overrides them all with multi-threaded loops over its
//! contiguous buffers (`flex/`: `dense.rs`, `optim.rs`, `kmeans.rs`), its matrix
//! products on the `gemm` crate (built here with AVX-512 kernels, chosen at run time
//! where the CPU has them) except the dense layer's weight gradient, on matrixmultiply.
//! NdArray and wgpu use the defaults. burn's own pattern for this is the `custom-wgpu-kernel`
//! example: a trait extending `Backend`, implemented for the concrete backend and for
//! `Autodiff<B>` with a custom backward step.

mod autodiff;
mod flex;
pub mod optim;
pub mod reference;
#[cfg(test)]
mod tests;

use burn::tensor::{
    Tensor, TensorPrimitive,
    backend::Backend,
    ops::{FloatTensor, IntTensor},
};

/// The activation a fused dense layer applies to `x·W + b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenseActivation {
    /// None: the layer is affine.
    Identity,
    /// `max(z, 0)`.
    Relu,
}

/// Gradients of a dense layer's parents; `None` where a gradient was not asked for.
#[derive(Debug)]
pub struct DenseGrads<B: Backend> {
    /// Gradient of the input, `[batch, d_in]`.
    pub input: Option<FloatTensor<B>>,
    /// Gradient of the weight, `[d_in, d_out]`.
    pub weight: Option<FloatTensor<B>>,
    /// Gradient of the bias, `[d_out]`.
    pub bias: Option<FloatTensor<B>>,
}

/// Adam's settings for one update, with burn's semantics (`burn::optim::Adam`): the
/// weight decay adds `penalty · θ` to the gradient, `time` is the step number after
/// this update (1 on the first), and the moments start at zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    /// Learning rate.
    pub lr: f32,
    /// Decay of the first moment.
    pub beta_1: f32,
    /// Decay of the second moment.
    pub beta_2: f32,
    /// Added to the square root of the second moment.
    pub epsilon: f32,
    /// L2 penalty added to the gradient (0: none).
    pub weight_decay: f32,
    /// The step number after this update (1 on the first update).
    pub time: i32,
}

impl AdamStep {
    /// `√(1 − β₂ᵗ)`, the second moment's bias correction (under the square root).
    pub fn bias_correction_2_sqrt(&self) -> f32 {
        (1.0 - self.beta_2.powi(self.time)).sqrt()
    }

    /// `√(1 − β₂ᵗ) / (1 − β₁ᵗ)`: both bias corrections as one factor of the first moment.
    pub fn combined_factor(&self) -> f32 {
        self.bias_correction_2_sqrt() / (1.0 - self.beta_1.powi(self.time))
    }
}

/// SGD's settings for one update, with burn's semantics (`burn::optim::Sgd`): the
/// weight decay adds `penalty · θ` to the gradient; with momentum the velocity starts
/// at the first gradient and then is `(1 − dampening)·g + momentum·v`, and the step
/// follows the velocity (Nesterov: `momentum·v + g`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdStep {
    /// Learning rate.
    pub lr: f32,
    /// L2 penalty added to the gradient (0: none).
    pub weight_decay: f32,
    /// Momentum, or `None` for plain SGD.
    pub momentum: Option<SgdMomentum>,
}

/// SGD's momentum settings (burn's `MomentumConfig`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdMomentum {
    /// Decay of the velocity.
    pub momentum: f32,
    /// `1 − dampening` is the weight of the new gradient in the velocity.
    pub dampening: f64,
    /// Nesterov's variant.
    pub nesterov: bool,
}

/// Each row's distance to its nearest centroid, its label, and the clusters' sums and
/// counts: the result of [`ZooBackend::nearest_centroid_sums`].
pub type NearestSums<B> = (FloatTensor<B>, IntTensor<B>, FloatTensor<B>, FloatTensor<B>);

/// A parameter, its first and second moments after an Adam update.
pub type AdamOutput<B> = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

/// A burn [`Backend`] with the zoo's fused operations. Every operation has a default
/// implementation from ordinary tensor operations, so `impl ZooBackend for MyBackend {}`
/// is enough for a backend to run every model of the zoo.
pub trait ZooBackend: Backend {
    /// `activation(input · weight + bias)`: `input` `[batch, d_in]`, `weight`
    /// `[d_in, d_out]` (burn's `Linear` layout), `bias` `[d_out]`.
    fn dense_forward(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        activation: DenseActivation,
    ) -> FloatTensor<Self> {
        reference::dense_forward::<Self>(input, weight, bias, activation)
    }

    /// The backward pass of [`dense_forward`](ZooBackend::dense_forward): from the
    /// output's gradient `grad` and the forward `output`, the weight's gradient when
    /// `input` is given, the input's gradient when `weight` is given, and the bias'
    /// gradient when `bias` is true.
    fn dense_backward(
        grad: FloatTensor<Self>,
        output: FloatTensor<Self>,
        input: Option<FloatTensor<Self>>,
        weight: Option<FloatTensor<Self>>,
        bias: bool,
        activation: DenseActivation,
    ) -> DenseGrads<Self> {
        reference::dense_backward::<Self>(grad, output, input, weight, bias, activation)
    }

    /// One Adam update: returns the new parameter and moments. `moment_1`/`moment_2`
    /// are `None` before the first update.
    fn adam_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: Option<FloatTensor<Self>>,
        moment_2: Option<FloatTensor<Self>>,
        step: AdamStep,
    ) -> AdamOutput<Self> {
        reference::adam_step::<Self>(param, grad, moment_1, moment_2, step)
    }

    /// One SGD update: returns the new parameter and, with momentum, the new velocity
    /// (`velocity` is `None` before the first update).
    fn sgd_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        velocity: Option<FloatTensor<Self>>,
        step: SgdStep,
    ) -> (FloatTensor<Self>, Option<FloatTensor<Self>>) {
        reference::sgd_step::<Self>(param, grad, velocity, step)
    }

    /// Each row's nearest centroid: from `x` `[m, d]`, its rows' squared norms
    /// `x_norms` `[m, 1]`, `centroids_t` = −2·Cᵀ `[d, k]` and the centroids' squared
    /// norms `centroid_norms` `[1, k]`, the squared distance to the nearest centroid
    /// (clamped at 0) `[m, 1]` and that centroid's index `[m]` (the first of equals).
    fn nearest_centroid(
        x: FloatTensor<Self>,
        x_norms: FloatTensor<Self>,
        centroids_t: FloatTensor<Self>,
        centroid_norms: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        reference::nearest_centroid::<Self>(x, x_norms, centroids_t, centroid_norms)
    }

    /// The most bytes of `f32` per chunk of k-means' data when the user gives no
    /// chunk size; `None`: k-means' own default (8 MiB, sized for NdArray's copies
    /// and below lavapipe's buffer limit).
    const KMEANS_CHUNK_BYTES: Option<usize> = None;

    /// Whether [`nearest_centroid_sums`](ZooBackend::nearest_centroid_sums) adds the
    /// rows to their clusters in the same pass over the data as the distances. k-means
    /// then sums all the points every iteration, instead of correcting the previous
    /// sums for the points that changed cluster.
    const FUSED_CLUSTER_SUMS: bool = false;

    /// [`nearest_centroid`](ZooBackend::nearest_centroid), then
    /// [`cluster_sums`](ZooBackend::cluster_sums) of its labels: the distances `[m, 1]`,
    /// the labels `[m]`, and `sums` `[k, d]` and `counts` `[k]` with every row added.
    fn nearest_centroid_sums(
        x: FloatTensor<Self>,
        x_norms: FloatTensor<Self>,
        centroids_t: FloatTensor<Self>,
        centroid_norms: FloatTensor<Self>,
        sums: FloatTensor<Self>,
        counts: FloatTensor<Self>,
    ) -> NearestSums<Self> {
        let (distances, labels) =
            Self::nearest_centroid(x.clone(), x_norms, centroids_t, centroid_norms);
        let (sums, counts) = Self::cluster_sums(sums, counts, x, labels.clone());
        (distances, labels, sums, counts)
    }

    /// `sums` `[k, d]` and `counts` `[k]` with every row of `x` `[m, d]` added to its
    /// cluster `labels` `[m]` (values in `0..k`).
    fn cluster_sums(
        sums: FloatTensor<Self>,
        counts: FloatTensor<Self>,
        x: FloatTensor<Self>,
        labels: IntTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        reference::cluster_sums::<Self>(sums, counts, x, labels)
    }
}

#[cfg(any(test, feature = "ndarray"))]
impl ZooBackend for burn::backend::NdArray {}

#[cfg(feature = "wgpu")]
impl ZooBackend for burn::backend::Wgpu {}

#[cfg(feature = "cuda")]
impl ZooBackend for burn::backend::Cuda {}

/// A dense layer `activation(input · W + b)` through [`ZooBackend::dense_forward`]
/// (on `Autodiff<B>`, one graph node with [`ZooBackend::dense_backward`] as its backward
/// step).
pub fn dense<B: ZooBackend>(
    input: Tensor<B, 2>,
    layer: &burn::nn::Linear<B>,
    activation: DenseActivation,
) -> Tensor<B, 2> {
    let output = B::dense_forward(
        input.into_primitive().tensor(),
        layer.weight.val().into_primitive().tensor(),
        layer
            .bias
            .as_ref()
            .map(|b| b.val().into_primitive().tensor()),
        activation,
    );
    Tensor::from_primitive(TensorPrimitive::Float(output))
}
