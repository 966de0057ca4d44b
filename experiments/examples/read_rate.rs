//! The floor of a k-means (Lloyd) iteration on MNIST: the time to read the 60,000 ×
//! 784 `f32` training images once, the least any iteration does (the distances to the
//! centroids need every pixel), measured as a parallel sum over a buffer of that size on
//! rayon's threads. `experiments/benches/kmeans_speed.sh` prints both iterations (the
//! zoo's and scikit-learn's) as multiples of it. The figures go to standard error in
//! words and to standard output as one JSON object.
//!
//! ```sh
//! RAYON_NUM_THREADS=2 cargo run --release -p experiments --example read_rate
//! ```

use std::time::Instant;

use rayon::prelude::*;

const ROWS: usize = 60_000;
const COLS: usize = 784;
/// Values per task: 256 KiB, a tenth of a core's L2 here.
const TASK: usize = 1 << 16;

/// The sum of `values`, in 16 lanes so that the compiler vectorises it.
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0f32; 16];
    let chunks = values.chunks_exact(16);
    let rest: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(l, v)| *l += v);
    }
    lanes.iter().sum::<f32>() + rest
}

fn main() {
    let data: Vec<f32> = (0..ROWS * COLS).map(|i| (i % 255) as f32 / 255.0).collect();
    let bytes = std::mem::size_of_val(data.as_slice()) as f64;
    let pass = || data.par_chunks(TASK).map(sum).sum::<f32>();
    let mut check = 0.0;
    for _ in 0..3 {
        check += pass();
    }
    let mut rounds: Vec<f64> = (0..15)
        .map(|_| {
            let started = Instant::now();
            check += pass();
            started.elapsed().as_secs_f64()
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    let (best, median) = (rounds[0], rounds[rounds.len() / 2]);
    let threads = rayon::current_num_threads();
    eprintln!(
        "one read of MNIST's training images ({:.0} MB of f32) on {threads} threads: {:.2} ms \
         at best, {:.2} ms median ({:.1} GB/s at best; checksum {check:.3e})",
        bytes / 1e6,
        best * 1e3,
        median * 1e3,
        bytes / best / 1e9
    );
    println!(
        "{}",
        serde_json::json!({"bytes": bytes, "best_seconds": best, "median_seconds": median,
                           "threads": threads, "checksum": check})
    );
}
