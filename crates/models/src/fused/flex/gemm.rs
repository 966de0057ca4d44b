//! The dense layer's matrix products on the `gemm` crate, called directly on Flex's
//! contiguous `f32` buffers with the transposed operand read through its strides.
//!
//! Flex 0.21's `float_matmul` runs the same crate, but copies a transposed operand
//! (or takes its slow batched path) first: the MNIST layer's weight gradient xᵀ·g
//! (784×128 · 128×512) took 1.9–2.4 ms through Flex on an older machine, and
//! `examples/gemm_rate.rs` times it at 0.45–0.7 ms called as here (140–230 GFLOP/s on 2
//! cores), ahead of matrixmultiply (80–140), which ran it before. No upstream issue is
//! filed for the 2-D case; the closest is
//! <https://github.com/antimora/burn-flex/issues/39> (the slow path of Flex's batched
//! matmul on a transposed view, in Flex's original repository).

use burn::backend::flex::FlexTensor;
use burn::tensor::{TensorData, TensorMetadata};

use super::contiguous;

/// Below this many multiply-adds a product runs on the calling thread, as in Flex's
/// own matmul (192³): handing it to rayon costs more than it saves.
const PARALLEL_MIN: usize = 192 * 192 * 192;

/// An operand: a contiguous row-major `f32` matrix, read as stored or transposed.
struct Operand<'a> {
    values: &'a [f32],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl<'a> Operand<'a> {
    /// `t` as stored, if it is a contiguous rank-2 `f32` tensor.
    fn of(t: &'a FlexTensor) -> Option<Self> {
        let shape = t.shape();
        let values = t.as_slice::<f32>()?;
        (shape.num_dims() == 2 && values.len() == shape.num_elements()).then(|| Self {
            values,
            rows: shape[0],
            cols: shape[1],
            transposed: false,
        })
    }

    /// The transpose of this operand, as a view.
    fn t(self) -> Self {
        Self {
            transposed: !self.transposed,
            ..self
        }
    }

    /// Rows and columns as the product reads them.
    fn dims(&self) -> (usize, usize) {
        if self.transposed {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }

    /// Row and column strides, in elements, as the product reads them.
    fn strides(&self) -> (isize, isize) {
        let width = self.cols as isize;
        if self.transposed {
            (1, width)
        } else {
            (width, 1)
        }
    }
}

/// `a · b` as a new contiguous `[m, n]` tensor, or `None` when the inner dimensions
/// differ (the caller then takes burn's path, which reports it).
#[allow(unsafe_code)] // gemm's entry point takes raw pointers and strides.
fn matmul(a: Operand<'_>, b: Operand<'_>) -> Option<FlexTensor> {
    let ((m, k), (k_b, n)) = (a.dims(), b.dims());
    if k != k_b {
        return None;
    }
    let mut out = vec![0.0f32; m * n];
    let ((a_rs, a_cs), (b_rs, b_cs)) = (a.strides(), b.strides());
    let parallelism = if m.saturating_mul(k).saturating_mul(n) >= PARALLEL_MIN {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: `a` holds m·k values and `b` k·n (checked in `Operand::of` and above),
    // addressed row-major or transposed by the strides; `out` holds m·n values written
    // row-major; no operand aliases `out`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.values.as_ptr(),
            a_cs,
            a_rs,
            b.values.as_ptr(),
            b_cs,
            b_rs,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
    Some(FlexTensor::from_data(TensorData::new(out, [m, n])))
}

/// `a · b` (or with either transposed) for `f32` tensors, made contiguous first.
pub(super) fn product(
    a: FlexTensor,
    a_transposed: bool,
    b: FlexTensor,
    b_transposed: bool,
) -> Option<FlexTensor> {
    let (a, b) = (contiguous(a), contiguous(b));
    let (mut left, mut right) = (Operand::of(&a)?, Operand::of(&b)?);
    if a_transposed {
        left = left.t();
    }
    if b_transposed {
        right = right.t();
    }
    matmul(left, right)
}
