//! Flex's optimizer updates: Adam and SGD (with momentum), one pass over parameter,
//! state and gradient.

use burn::backend::{Flex, flex::FlexTensor};
use burn::tensor::{DType, TensorMetadata};
use rayon::prelude::*;

use super::{CHUNK, PARALLEL_MIN, contiguous, is_f32, owned, values_mut};
use crate::fused::{AdamOutput, AdamStep, SgdStep, reference};

pub(super) fn adam_step(
    param: FlexTensor,
    grad: FlexTensor,
    moment_1: Option<FlexTensor>,
    moment_2: Option<FlexTensor>,
    step: AdamStep,
) -> AdamOutput<Flex> {
    let n = param.shape().num_elements();
    let fits = |t: &FlexTensor| is_f32(t) && t.shape().num_elements() == n;
    let moments_fit = moment_1.as_ref().is_none_or(fits) && moment_2.as_ref().is_none_or(fits);
    if !(fits(&param) && fits(&grad) && moments_fit) {
        return reference::adam_step::<Flex>(param, grad, moment_1, moment_2, step);
    }
    let first = moment_1.is_none();
    let zeros = || FlexTensor::zeros(param.shape(), DType::F32);
    let mut m1 = owned(moment_1.unwrap_or_else(zeros));
    let mut m2 = owned(moment_2.unwrap_or_else(zeros));
    let mut p = owned(param);
    let grad = contiguous(grad);
    let g = grad.as_slice::<f32>().unwrap_or_default();
    let AdamStep {
        lr,
        beta_1,
        beta_2,
        epsilon,
        weight_decay,
        ..
    } = step;
    let (f1, f2) = (1.0 - beta_1, 1.0 - beta_2);
    let factor = step.combined_factor();
    let eps = epsilon * step.bias_correction_2_sqrt();
    // burn's Adam, operation for operation (the same rounding): g' = θ·λ + g;
    // m₁ = m₁·β₁ + g'·(1−β₁); m₂ = m₂·β₂ + g'²·(1−β₂); θ = θ − (m₁·c / (√m₂ + ε'))·lr.
    // On the first update the moments are g'·(1−β₁) and g'²·(1−β₂) exactly, as in burn.
    let constants = AdamConstants {
        beta_1,
        beta_2,
        f1,
        f2,
        factor,
        eps,
        lr,
        weight_decay,
    };
    let update = match (first, weight_decay != 0.0) {
        (true, true) => adam_update::<true, true>,
        (true, false) => adam_update::<true, false>,
        (false, true) => adam_update::<false, true>,
        (false, false) => adam_update::<false, false>,
    };
    let (p_values, m1_values, m2_values) =
        (values_mut(&mut p), values_mut(&mut m1), values_mut(&mut m2));
    if n < PARALLEL_MIN {
        update(p_values, m1_values, m2_values, g, &constants);
    } else {
        p_values
            .par_chunks_mut(CHUNK)
            .zip(m1_values.par_chunks_mut(CHUNK))
            .zip(m2_values.par_chunks_mut(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .for_each(|(((p, m1), m2), g)| update(p, m1, m2, g, &constants));
    }
    (p, m1, m2)
}

pub(super) fn sgd_step(
    param: FlexTensor,
    grad: FlexTensor,
    velocity: Option<FlexTensor>,
    step: SgdStep,
) -> (FlexTensor, Option<FlexTensor>) {
    let n = param.shape().num_elements();
    let fits = |t: &FlexTensor| is_f32(t) && t.shape().num_elements() == n;
    if !(fits(&param) && fits(&grad) && velocity.as_ref().is_none_or(fits)) {
        return reference::sgd_step::<Flex>(param, grad, velocity, step);
    }
    let Some(momentum) = step.momentum else {
        // Plain SGD: θ −= (θ·λ + g)·lr, one pass.
        let mut p = owned(param);
        let grad = contiguous(grad);
        let g = grad.as_slice::<f32>().unwrap_or_default();
        let (lr, decay) = (step.lr, step.weight_decay);
        let update = |(p, g): (&mut [f32], &[f32])| {
            for (p, g) in p.iter_mut().zip(g) {
                let g = if decay != 0.0 { *p * decay + g } else { *g };
                *p -= g * lr;
            }
        };
        let values = values_mut(&mut p);
        if n < PARALLEL_MIN {
            update((values, g));
        } else {
            values
                .par_chunks_mut(CHUNK)
                .zip(g.par_chunks(CHUNK))
                .for_each(update);
        }
        return (p, None);
    };
    let first = velocity.is_none();
    let zeros = || FlexTensor::zeros(param.shape(), DType::F32);
    let mut v = owned(velocity.unwrap_or_else(zeros));
    let mut p = owned(param);
    let grad = contiguous(grad);
    let g = grad.as_slice::<f32>().unwrap_or_default();
    let SgdStep {
        lr, weight_decay, ..
    } = step;
    let (mu, keep) = (momentum.momentum, (1.0 - momentum.dampening) as f32);
    let nesterov = momentum.nesterov;
    // burn's Sgd with Momentum, operation for operation: g' = θ·λ + g;
    // v = g'·(1 − d) + v·μ (v = g' on the first update); θ −= (Nesterov: v·μ + g',
    // else v)·lr.
    let update = |((p, v), g): ((&mut [f32], &mut [f32]), &[f32])| {
        for ((p, v), g) in p.iter_mut().zip(v).zip(g) {
            let g = if weight_decay != 0.0 {
                *p * weight_decay + g
            } else {
                *g
            };
            *v = if first { g } else { g * keep + *v * mu };
            let step = if nesterov { *v * mu + g } else { *v };
            *p -= step * lr;
        }
    };
    let (p_values, v_values) = (values_mut(&mut p), values_mut(&mut v));
    if n < PARALLEL_MIN {
        update(((p_values, v_values), g));
    } else {
        p_values
            .par_chunks_mut(CHUNK)
            .zip(v_values.par_chunks_mut(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .for_each(update);
    }
    (p, Some(v))
}

/// Adam's per-step constants (see [`adam_step`]).
struct AdamConstants {
    beta_1: f32,
    beta_2: f32,
    f1: f32,
    f2: f32,
    factor: f32,
    eps: f32,
    lr: f32,
    weight_decay: f32,
}

/// One chunk of the Adam update, without branches in the loop (the first update and the
/// weight decay are compile-time cases) so that the compiler vectorizes it.
fn adam_update<const FIRST: bool, const DECAY: bool>(
    p: &mut [f32],
    m1: &mut [f32],
    m2: &mut [f32],
    g: &[f32],
    c: &AdamConstants,
) {
    for (((p, m1), m2), g) in p.iter_mut().zip(m1).zip(m2).zip(g) {
        let g = if DECAY { *p * c.weight_decay + g } else { *g };
        let (a, b) = (g * c.f1, g * g * c.f2);
        *m1 = if FIRST { a } else { *m1 * c.beta_1 + a };
        *m2 = if FIRST { b } else { *m2 * c.beta_2 + b };
        *p -= (*m1 * c.factor / (m2.sqrt() + c.eps)) * c.lr;
    }
}
