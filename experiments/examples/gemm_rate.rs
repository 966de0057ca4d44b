//! This machine's single-precision matrix-product rate, measured with the matrix
//! products training uses (the compiled-in backend's fused dense layer,
//! `models::fused`: on the default Flex, the `gemm` crate for the forward products and
//! the input gradient, matrixmultiply for the weight gradients, both on every core) on
//! the products of one MNIST training step (784-512-10, batch 128), and the floor it
//! puts under an MNIST epoch: the epoch's floating-point work divided by that rate.
//! `experiments/benches/mnist_speed.sh` prints it beside the burn / PyTorch ratio.
//!
//! ```sh
//! cargo run --release -p experiments --example gemm_rate [--features ndarray|blas]
//! ```

use std::time::Instant;

use burn::tensor::{Tensor, backend::Backend, ops::FloatTensor};
use experiments::backend::{self, BACKEND_NAME, InferenceBackend};
use models::fused::{DenseActivation, ZooBackend};

type B = InferenceBackend;

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

fn operand(rows: usize, cols: usize, device: &backend::Device) -> FloatTensor<B> {
    let values: Vec<f32> = (0..rows * cols).map(|i| (i % 11) as f32 * 0.1).collect();
    Tensor::<B, 1>::from_floats(values.as_slice(), device)
        .reshape([rows, cols])
        .into_primitive()
        .tensor()
}

fn main() {
    let device = match backend::device() {
        Ok(device) => device,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    };
    let x = operand(BATCH, INPUTS, &device);
    let w1 = operand(INPUTS, HIDDEN, &device);
    let w2 = operand(HIDDEN, CLASSES, &device);
    let step_flops: f64 = STEP.iter().copied().map(flops).sum();
    // The products of one step, as training computes them.
    let run_step = || {
        let identity = DenseActivation::Identity;
        let h = B::dense_forward(x.clone(), w1.clone(), None, identity);
        let y = B::dense_forward(h.clone(), w2.clone(), None, identity);
        // Output layer: its weight gradient hᵀ·dy and the hidden gradient dy·W2ᵀ.
        let back = B::dense_backward(
            y.clone(),
            y,
            Some(h.clone()),
            Some(w2.clone()),
            false,
            identity,
        );
        // Hidden layer: its weight gradient xᵀ·dh only (the input needs none).
        let dh = back.input.unwrap_or(h.clone());
        drop(B::dense_backward(
            dh,
            h,
            Some(x.clone()),
            None,
            false,
            identity,
        ));
        // Asynchronous backends (wgpu) finish their queued work here.
        let _ = B::sync(&device);
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
        "GEMM rate ({BACKEND_NAME}'s fused dense layer: the products of one 784-512-10 step \
         at batch {BATCH}): {:.1} GFLOP/s",
        rate / 1e9
    );
    println!(
        "floor of an MNIST epoch: {:.2e} FLOP in the matrix products ({steps} steps) / that \
         rate = {:.2} s",
        epoch_flops,
        epoch_flops / rate
    );
}
