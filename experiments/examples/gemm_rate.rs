//! The matrix products of an MNIST epoch (784-512-10, batch 128), timed at their own
//! shapes and layouts with the two Rust SGEMM libraries in the build, called
//! directly (the `gemm` crate, on rayon's threads, and matrixmultiply, on its own),
//! and with the products training uses (the compiled-in backend's fused dense layer,
//! `models::fused`). The floor of an epoch is its floating-point work at the best rate
//! any library reaches on each product: `experiments/benches/gemm_floor.py` adds
//! OpenBLAS (numpy) and MKL (PyTorch) to these figures, and
//! `experiments/benches/mnist_speed.sh` prints the epoch as a multiple of that floor.
//!
//! ```sh
//! cargo run --release -p experiments --example gemm_rate [-- --json] [--features ndarray|blas]
//! ```
//!
//! Threads: rayon's (`RAYON_NUM_THREADS`) for gemm and Flex, `MATMUL_NUM_THREADS` for
//! matrixmultiply (default: the physical cores); the benches set both to 2.

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

/// One matrix product `C[m×n] = A[m×k] · B[k×n]`, with `A` (or `B`) stored transposed,
/// row-major, where the step reads it that way.
#[derive(Clone, Copy)]
struct Product {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    a_transposed: bool,
    b_transposed: bool,
}

impl Product {
    fn flops(&self) -> f64 {
        2.0 * (self.m * self.k * self.n) as f64
    }

    /// Row and column strides of `A` and of `B` as the product reads them.
    fn strides(&self) -> ((isize, isize), (isize, isize)) {
        let (m, k, n) = (self.m as isize, self.k as isize, self.n as isize);
        let a = if self.a_transposed { (1, m) } else { (k, 1) };
        let b = if self.b_transposed { (1, k) } else { (n, 1) };
        (a, b)
    }
}

/// One step's products: forward x·W1 and h·W2; backward the weight gradients xᵀ·dh
/// and hᵀ·dy and the hidden layer's input gradient dy·W2ᵀ (the first layer's input
/// gradient is not needed).
const STEP: [Product; 5] = [
    Product {
        name: "x·W1",
        m: BATCH,
        k: INPUTS,
        n: HIDDEN,
        a_transposed: false,
        b_transposed: false,
    },
    Product {
        name: "h·W2",
        m: BATCH,
        k: HIDDEN,
        n: CLASSES,
        a_transposed: false,
        b_transposed: false,
    },
    Product {
        name: "xᵀ·dh",
        m: INPUTS,
        k: BATCH,
        n: HIDDEN,
        a_transposed: true,
        b_transposed: false,
    },
    Product {
        name: "hᵀ·dy",
        m: HIDDEN,
        k: BATCH,
        n: CLASSES,
        a_transposed: true,
        b_transposed: false,
    },
    Product {
        name: "dy·W2ᵀ",
        m: BATCH,
        k: CLASSES,
        n: HIDDEN,
        a_transposed: false,
        b_transposed: true,
    },
];

/// Deterministic operand values (the rate does not depend on them).
fn values(len: usize) -> Vec<f32> {
    (0..len).map(|i| (i % 11) as f32 * 0.1 - 0.5).collect()
}

/// Median seconds of one call of `f`: warm-up, then 5 rounds of about 30 ms each.
fn time(flops: f64, mut f: impl FnMut()) -> f64 {
    let reps = ((3e9 / flops) as usize).clamp(10, 20_000);
    for _ in 0..reps.min(50) {
        f();
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..reps {
                f();
            }
            started.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

// The libraries' own entry points take raw pointers and strides.
#[allow(unsafe_code)]
fn time_gemm(p: Product) -> f64 {
    let (a, b) = (values(p.m * p.k), values(p.k * p.n));
    let mut c = vec![0f32; p.m * p.n];
    let ((a_rs, a_cs), (b_rs, b_cs)) = p.strides();
    time(p.flops(), || {
        // SAFETY: `a`, `b` and `c` hold m·k, k·n and m·n values, and the strides above
        // address exactly those, row-major or transposed.
        unsafe {
            gemm::gemm(
                p.m,
                p.n,
                p.k,
                c.as_mut_ptr(),
                1,
                p.n as isize,
                false,
                a.as_ptr(),
                a_cs,
                a_rs,
                b.as_ptr(),
                b_cs,
                b_rs,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::Rayon(0),
            )
        }
    })
}

#[allow(unsafe_code)]
fn time_matrixmultiply(p: Product) -> f64 {
    let (a, b) = (values(p.m * p.k), values(p.k * p.n));
    let mut c = vec![0f32; p.m * p.n];
    let ((a_rs, a_cs), (b_rs, b_cs)) = p.strides();
    time(p.flops(), || {
        // SAFETY: as in `time_gemm`.
        unsafe {
            matrixmultiply::sgemm(
                p.m,
                p.k,
                p.n,
                1.0,
                a.as_ptr(),
                a_rs,
                a_cs,
                b.as_ptr(),
                b_rs,
                b_cs,
                0.0,
                c.as_mut_ptr(),
                p.n as isize,
                1,
            )
        }
    })
}

fn operand(rows: usize, cols: usize, device: &backend::Device) -> FloatTensor<B> {
    Tensor::<B, 1>::from_floats(values(rows * cols).as_slice(), device)
        .reshape([rows, cols])
        .into_primitive()
        .tensor()
}

/// Seconds of one step's products as training computes them (the fused dense layer).
fn time_fused_step(device: &backend::Device) -> f64 {
    let x = operand(BATCH, INPUTS, device);
    let w1 = operand(INPUTS, HIDDEN, device);
    let w2 = operand(HIDDEN, CLASSES, device);
    let step_flops: f64 = STEP.iter().map(Product::flops).sum();
    time(step_flops, || {
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
        let _ = B::sync(device);
    })
}

fn main() {
    let json = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--json") => true,
        Some(other) => {
            eprintln!("error: unknown argument '{other}'; the only option is --json");
            std::process::exit(2);
        }
    };
    let device = match backend::device() {
        Ok(device) => device,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    };
    let gemm: Vec<f64> = STEP.into_iter().map(time_gemm).collect();
    let matrixmultiply: Vec<f64> = STEP.into_iter().map(time_matrixmultiply).collect();
    let fused = time_fused_step(&device);
    let steps = EPOCH_IMAGES.div_ceil(BATCH);
    let step_flops: f64 = STEP.iter().map(Product::flops).sum();
    if json {
        let products: Vec<_> = STEP
            .iter()
            .map(|p| serde_json::json!({"name": p.name, "m": p.m, "k": p.k, "n": p.n}))
            .collect();
        let out = serde_json::json!({
            "steps_per_epoch": steps,
            "products": products,
            "seconds": {"gemm": gemm, "matrixmultiply": matrixmultiply},
            "fused_step_seconds": fused,
            "fused_backend": BACKEND_NAME,
        });
        println!("{out}");
        return;
    }
    println!("GFLOP/s on one MNIST step's products (784-512-10, batch {BATCH}):");
    println!(
        "{:<8} {:>16} {:>10} {:>15}",
        "product", "m×k×n", "gemm", "matrixmultiply"
    );
    for (i, p) in STEP.iter().enumerate() {
        println!(
            "{:<8} {:>16} {:>10.1} {:>15.1}",
            p.name,
            format!("{}×{}×{}", p.m, p.k, p.n),
            p.flops() / gemm[i] / 1e9,
            p.flops() / matrixmultiply[i] / 1e9
        );
    }
    let best: f64 = gemm
        .iter()
        .zip(&matrixmultiply)
        .map(|(g, m)| g.min(*m))
        .sum();
    println!(
        "a step's products: best of the two per product {:.1} GFLOP/s; {BACKEND_NAME}'s \
         fused dense layer {:.1} GFLOP/s",
        step_flops / best / 1e9,
        step_flops / fused / 1e9
    );
    println!(
        "floor of an MNIST epoch ({steps} steps, {:.2e} FLOP) with these two libraries: \
         {:.3} s (experiments/benches/gemm_floor.py adds OpenBLAS and MKL)",
        step_flops * steps as f64,
        best * steps as f64
    );
}
