//! This machine's single-precision matrix-product rate, measured with the GEMM the
//! default backend uses (matrixmultiply, through `ndarray`, multi-threaded as
//! burn-ndarray builds it), on the products of one MNIST training step (784-512-10,
//! batch 128), and the floor it puts under an MNIST epoch: the epoch's floating-point
//! work divided by that rate. `experiments/benches/mnist_speed.sh` prints it beside
//! the burn / PyTorch ratio.
//!
//! ```sh
//! cargo run --release -p experiments --example gemm_rate
//! ```

use std::time::Instant;

use ndarray::{Array2, linalg::general_mat_mul};

/// Training images in an epoch (60,000 less the 5,000 of the validation split).
const EPOCH_IMAGES: usize = 55_000;
const BATCH: usize = 128;
const INPUTS: usize = 784;
const HIDDEN: usize = 512;
const CLASSES: usize = 10;

/// One step's products as `(m, k, n)`: forward x·W1 and h·W2; backward the weight
/// gradients xᵀ·dh and hᵀ·dy and the hidden layer's input gradient dy·W2ᵀ (the first
/// layer's input gradient is not needed).
const STEP: [(usize, usize, usize); 5] = [
    (BATCH, INPUTS, HIDDEN),
    (BATCH, HIDDEN, CLASSES),
    (INPUTS, BATCH, HIDDEN),
    (HIDDEN, BATCH, CLASSES),
    (BATCH, CLASSES, HIDDEN),
];

fn flops((m, k, n): (usize, usize, usize)) -> f64 {
    2.0 * (m * k * n) as f64
}

fn main() {
    let mut operands: Vec<(Array2<f32>, Array2<f32>, Array2<f32>)> = STEP
        .iter()
        .map(|&(m, k, n)| {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.1);
            (a, b, Array2::zeros((m, n)))
        })
        .collect();
    let step_flops: f64 = STEP.iter().copied().map(flops).sum();
    let mut run_step = || {
        for (a, b, c) in operands.iter_mut() {
            general_mat_mul(1.0, a, b, 0.0, c);
        }
    };
    for _ in 0..20 {
        run_step(); // warm-up: thread pool, caches
    }
    let rounds = 200;
    let mut seconds = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..rounds {
            run_step();
        }
        seconds.push(started.elapsed().as_secs_f64() / rounds as f64);
    }
    seconds.sort_by(f64::total_cmp);
    let per_step = seconds[seconds.len() / 2];
    let rate = step_flops / per_step;
    let steps = EPOCH_IMAGES.div_ceil(BATCH);
    let epoch_flops = step_flops * steps as f64;
    println!(
        "GEMM rate (matrixmultiply via ndarray, the products of one 784-512-10 step at batch \
         {BATCH}): {:.1} GFLOP/s",
        rate / 1e9
    );
    println!(
        "floor of an MNIST epoch: {:.2e} FLOP in the matrix products ({steps} steps) / that \
         rate = {:.2} s",
        epoch_flops,
        epoch_flops / rate
    );
}
