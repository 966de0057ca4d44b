//! The k-means assignment pass on its own: each row's nearest of 10 centroids with the
//! per-cluster sums (`ZooBackend::nearest_centroid_sums`, what a Lloyd iteration of
//! `kmeans` runs on Flex) and the distances alone (`nearest_centroid`), over 60,000 ×
//! 784 `f32` values in the fit's chunks (Flex's `KMEANS_CHUNK_BYTES`: one chunk),
//! alternating in each of 40 rounds.
//! `benches/kmeans_speed.sh` prints it beside the floor (`read_rate.rs`).
//!
//! With `--cached`, the same 256 rows are passed over and over, so that they come
//! from the cache: the kernel's arithmetic without the wait for memory.
//!
//! Words go to standard error, one JSON object to standard output.
//!
//! ```sh
//! RAYON_NUM_THREADS=2 cargo run --release -p experiments --example assign_rate [-- --cached]
//! ```

use std::time::Instant;

use burn::backend::Flex;
use burn::tensor::{Tensor, TensorData, ops::FloatTensor};
use models::fused::ZooBackend;
use models::kmeans::DEFAULT_CHUNK_BYTES;

const ROWS: usize = 60_000;
const COLS: usize = 784;
const K: usize = 10;
const ROUNDS: usize = 40;

fn prim(t: Tensor<Flex, 2>) -> FloatTensor<Flex> {
    t.into_primitive().tensor()
}

/// Seconds of each of `ROUNDS` rounds of the `passes`, alternating within each round
/// (after one warm-up round), so that a slow phase of the machine touches them all.
fn time(passes: &mut [&mut dyn FnMut()]) -> Vec<Vec<f64>> {
    for pass in passes.iter_mut() {
        pass();
    }
    let mut seconds = vec![Vec::with_capacity(ROUNDS); passes.len()];
    for _ in 0..ROUNDS {
        for (pass, seconds) in passes.iter_mut().zip(&mut seconds) {
            let started = Instant::now();
            pass();
            seconds.push(started.elapsed().as_secs_f64());
        }
    }
    seconds
}

/// Best and median of `seconds`.
fn best_median(mut seconds: Vec<f64>) -> (f64, f64) {
    seconds.sort_by(f64::total_cmp);
    (seconds[0], seconds[seconds.len() / 2])
}

fn main() {
    let cached = std::env::args().any(|a| a == "--cached");
    let device = Default::default();
    // Pixel-like values in [0, 1] with structure, so that the labels vary.
    let data: Vec<f32> = (0..ROWS * COLS)
        .map(|i| ((i / COLS) % 7 + (i % COLS) % 13) as f32 / 20.0)
        .collect();
    let rows = if cached {
        256
    } else {
        Flex::KMEANS_CHUNK_BYTES.unwrap_or(DEFAULT_CHUNK_BYTES) / (4 * COLS) / 8 * 8
    };
    let chunk = |c: &[f32]| {
        let x = Tensor::<Flex, 2>::from_data(
            TensorData::new(c.to_vec(), [c.len() / COLS, COLS]),
            &device,
        );
        let norms = x.clone().square().sum_dim(1);
        (x, norms)
    };
    let chunks: Vec<(Tensor<Flex, 2>, Tensor<Flex, 2>)> = if cached {
        vec![chunk(&data[..rows * COLS]); ROWS / rows]
    } else {
        data.chunks(rows * COLS).map(chunk).collect()
    };
    let centroids = chunks[0].0.clone().narrow(0, 0, K);
    let c_t = centroids.clone().transpose().mul_scalar(-2.0);
    let c_norms = centroids.square().sum_dim(1).reshape([1, K]);
    let args = |x: &Tensor<Flex, 2>, norms: &Tensor<Flex, 2>| {
        (
            prim(x.clone()),
            prim(norms.clone()),
            prim(c_t.clone()),
            prim(c_norms.clone()),
        )
    };
    let mut distances = || {
        for (x, norms) in &chunks {
            let (x, norms, c_t, c_norms) = args(x, norms);
            let _ = Flex::nearest_centroid(x, norms, c_t, c_norms);
        }
    };
    let mut with_sums = || {
        let mut sums = prim(Tensor::zeros([K, COLS], &device));
        let mut counts = Tensor::<Flex, 1>::zeros([K], &device)
            .into_primitive()
            .tensor();
        for (x, norms) in &chunks {
            let (x, norms, c_t, c_norms) = args(x, norms);
            let (_, _, s, c) = Flex::nearest_centroid_sums(x, norms, c_t, c_norms, sums, counts);
            (sums, counts) = (s, c);
        }
    };
    let mut seconds = time(&mut [&mut with_sums, &mut distances]).into_iter();
    let (sums_best, sums_median) = best_median(seconds.next().expect("two passes timed"));
    let (dist_best, dist_median) = best_median(seconds.next().expect("two passes timed"));
    let threads = rayon::current_num_threads();
    let what = if cached { ", rows from the cache" } else { "" };
    eprintln!(
        "k-means assignment of 60,000 × 784 values to 10 centroids on {threads} threads{what}: \
         with the sums {:.2} ms at best, {:.2} ms median; distances alone {:.2} / {:.2} ms",
        sums_best * 1e3,
        sums_median * 1e3,
        dist_best * 1e3,
        dist_median * 1e3
    );
    println!(
        "{}",
        serde_json::json!({"best_seconds": sums_best, "median_seconds": sums_median,
                           "distances_best_seconds": dist_best,
                           "distances_median_seconds": dist_median,
                           "threads": threads, "cached": cached})
    );
}
