//! Flex's dense layer: bias and ReLU after the forward product, the ReLU mask with the
//! bias gradient's column sums, and the products of the backward pass.

use burn::backend::{Flex, flex::FlexTensor};
use burn::tensor::{TensorData, TensorMetadata, ops::FloatTensorOps};
use rayon::prelude::*;

use super::{PARALLEL_MIN, contiguous, is_f32, owned, task, values_mut};
use crate::fused::{DenseActivation, DenseGrads, reference};

/// `a · b` (either read transposed) with the `gemm` crate directly
/// ([`gemm`](super::gemm)), or through burn's matmul where the operands do not fit it.
fn product(a: FlexTensor, a_t: bool, b: FlexTensor, b_t: bool) -> FlexTensor {
    let fallback = |a: FlexTensor, b: FlexTensor| {
        let a = if a_t { Flex::float_transpose(a) } else { a };
        let b = if b_t { Flex::float_transpose(b) } else { b };
        Flex::float_matmul(a, b)
    };
    super::gemm::product(a.clone(), a_t, b.clone(), b_t).unwrap_or_else(|| fallback(a, b))
}

pub(super) fn dense_forward(
    input: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    activation: DenseActivation,
) -> FlexTensor {
    let width = weight.shape()[1];
    let bias_fits = bias
        .as_ref()
        .is_none_or(|b| is_f32(b) && b.shape().num_elements() == width);
    if !(is_f32(&input) && is_f32(&weight) && bias_fits) {
        return reference::dense_forward::<Flex>(input, weight, bias, activation);
    }
    let mut out = owned(product(input, false, weight, false));
    let bias = bias.map(contiguous);
    let bias = bias.as_ref().and_then(|b| b.as_slice::<f32>());
    if bias.is_none() && activation == DenseActivation::Identity {
        return out;
    }
    let relu = activation == DenseActivation::Relu;
    let rows = |rows: &mut [f32]| {
        for row in rows.chunks_mut(width) {
            if let Some(b) = bias {
                row.iter_mut().zip(b).for_each(|(z, b)| *z += b);
            }
            if relu {
                // burn's relu: z ≤ 0 → 0 (NaN stays NaN). A select, not a branch: the
                // signs are random, and a mispredicted branch per entry cost more than
                // the rest of the pass.
                row.iter_mut()
                    .for_each(|z| *z = if *z <= 0.0 { 0.0 } else { *z });
            }
        }
    };
    let values = values_mut(&mut out);
    if values.len() < PARALLEL_MIN {
        values.chunks_mut(task(width)).for_each(rows);
    } else {
        values.par_chunks_mut(task(width)).for_each(rows);
    }
    out
}

pub(super) fn dense_backward(
    grad: FlexTensor,
    output: FlexTensor,
    input: Option<FlexTensor>,
    weight: Option<FlexTensor>,
    bias: bool,
    activation: DenseActivation,
) -> DenseGrads<Flex> {
    if !(is_f32(&grad) && is_f32(&output)) {
        return reference::dense_backward::<Flex>(grad, output, input, weight, bias, activation);
    }
    let width = grad.shape()[1];
    let relu = activation == DenseActivation::Relu;
    let mut g = owned(grad);
    let output = contiguous(output);
    let out = output.as_slice::<f32>().unwrap_or_default();
    // One pass: the ReLU mask on the gradient, and each chunk's column sums.
    let chunk_sums = |(i, g): (usize, &mut [f32])| {
        let out = if relu {
            &out[i * task(width)..][..g.len()]
        } else {
            &[][..]
        };
        let mut sums = if bias {
            vec![0.0f32; width]
        } else {
            Vec::new()
        };
        for (r, g) in g.chunks_mut(width).enumerate() {
            if relu {
                let out = &out[r * width..][..width];
                // A select, not a branch (see dense_forward).
                g.iter_mut()
                    .zip(out)
                    .for_each(|(g, o)| *g = if *o <= 0.0 { 0.0 } else { *g });
            }
            if bias {
                sums.iter_mut().zip(g.iter()).for_each(|(s, g)| *s += g);
            }
        }
        sums
    };
    let values = values_mut(&mut g);
    let partial: Vec<Vec<f32>> = if values.len() < PARALLEL_MIN {
        values
            .chunks_mut(task(width))
            .enumerate()
            .map(chunk_sums)
            .collect()
    } else {
        values
            .par_chunks_mut(task(width))
            .enumerate()
            .map(chunk_sums)
            .collect()
    };
    let bias = bias.then(|| {
        let mut sums = vec![0.0f32; width];
        for part in &partial {
            sums.iter_mut().zip(part).for_each(|(s, p)| *s += p);
        }
        FlexTensor::from_data(TensorData::new(sums, [width]))
    });
    DenseGrads {
        input: weight.map(|w| product(g.clone(), false, w, true)),
        weight: input.map(|x| product(x, true, g.clone(), false)),
        bias,
    }
}
