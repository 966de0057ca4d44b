//! [`ZooBackend`] for burn's CPU backend Flex: the fused operations as multi-threaded
//! loops over Flex's contiguous `f32` buffers. The dense layer's matrix products call
//! the `gemm` crate (which Flex's matmul runs too) directly, reading a transposed
//! operand through its strides (`gemm.rs`). Other dtypes take the
//! [`reference`](mod@super::reference) path; strided views are made contiguous first.
//!
//! Every loop splits its work into fixed chunks, and sums over rows (the bias
//! gradient, the per-cluster sums) add the chunks' partial sums in chunk order, so
//! results do not depend on thread scheduling: two runs with the same seed give the
//! same bits.

mod dense;
mod gemm;
mod kmeans;
mod optim;

use burn::backend::{Flex, flex::FlexTensor};
use burn::tensor::{DType, TensorMetadata};

use super::{AdamOutput, AdamStep, DenseActivation, DenseGrads, NearestSums, SgdStep, ZooBackend};

/// Elements per task of a loop.
const CHUNK: usize = 1 << 14;

/// Loops over fewer elements run on the calling thread: handing work to rayon's pool
/// from the learner's thread and waiting for it costs more than the work (the MNIST
/// layer's 128×512 activations, the biases); the first layer's 401,408 weights are
/// updated on both cores.
const PARALLEL_MIN: usize = 1 << 17;

/// Whether `t` holds `f32` elements (the kernels' dtype).
fn is_f32(t: &FlexTensor) -> bool {
    t.dtype() == DType::F32
}

/// `t` (an `f32` tensor) contiguous from the start of an unshared buffer, so that its
/// elements can be written in place: copied only when shared or strided.
fn owned(t: FlexTensor) -> FlexTensor {
    let n = t.shape().num_elements();
    let mut t = if t.layout().contiguous_offsets() == Some((0, n)) {
        t
    } else {
        t.to_contiguous()
    };
    // Copy-on-write: a shared buffer is copied here, once.
    let _ = t.storage_mut::<f32>();
    t
}

/// The elements of an [`owned`] tensor.
fn values_mut(t: &mut FlexTensor) -> &mut [f32] {
    let n = t.shape().num_elements();
    &mut t.storage_mut::<f32>()[..n]
}

/// The elements of an `f32` tensor, made contiguous if it is a strided view.
fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

/// Elements per parallel task for rows of `width` elements: whole rows.
fn task(width: usize) -> usize {
    width.max(1) * (CHUNK / width.max(1)).max(1)
}

impl ZooBackend for Flex {
    fn dense_forward(
        input: FlexTensor,
        weight: FlexTensor,
        bias: Option<FlexTensor>,
        activation: DenseActivation,
    ) -> FlexTensor {
        dense::dense_forward(input, weight, bias, activation)
    }

    fn dense_backward(
        grad: FlexTensor,
        output: FlexTensor,
        input: Option<FlexTensor>,
        weight: Option<FlexTensor>,
        bias: bool,
        activation: DenseActivation,
    ) -> DenseGrads<Flex> {
        dense::dense_backward(grad, output, input, weight, bias, activation)
    }

    fn adam_step(
        param: FlexTensor,
        grad: FlexTensor,
        moment_1: Option<FlexTensor>,
        moment_2: Option<FlexTensor>,
        step: AdamStep,
    ) -> AdamOutput<Flex> {
        optim::adam_step(param, grad, moment_1, moment_2, step)
    }

    fn sgd_step(
        param: FlexTensor,
        grad: FlexTensor,
        velocity: Option<FlexTensor>,
        step: SgdStep,
    ) -> (FlexTensor, Option<FlexTensor>) {
        optim::sgd_step(param, grad, velocity, step)
    }

    fn nearest_centroid(
        x: FlexTensor,
        x_norms: FlexTensor,
        centroids_t: FlexTensor,
        centroid_norms: FlexTensor,
    ) -> (FlexTensor, FlexTensor) {
        kmeans::nearest_centroid(x, x_norms, centroids_t, centroid_norms)
    }

    const FUSED_CLUSTER_SUMS: bool = true;

    /// The scan makes no copies and no distance matrix, and each chunk is one more
    /// hand-over to rayon's threads and one more uneven split between them: MNIST's
    /// 188 MB in one chunk took a Lloyd iteration from 24 to 20 ms (medians of four
    /// alternating fits, `kmeans --chunk-rows 2672` against `60000`, 2-core Xeon).
    const KMEANS_CHUNK_BYTES: Option<usize> = Some(256 << 20);

    fn nearest_centroid_sums(
        x: FlexTensor,
        x_norms: FlexTensor,
        centroids_t: FlexTensor,
        centroid_norms: FlexTensor,
        sums: FlexTensor,
        counts: FlexTensor,
    ) -> NearestSums<Flex> {
        kmeans::nearest_centroid_sums(x, x_norms, centroids_t, centroid_norms, sums, counts)
    }

    fn cluster_sums(
        sums: FlexTensor,
        counts: FlexTensor,
        x: FlexTensor,
        labels: FlexTensor,
    ) -> (FlexTensor, FlexTensor) {
        kmeans::cluster_sums(sums, counts, x, labels)
    }
}
