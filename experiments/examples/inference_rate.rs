//! Inference speed of a trained `mnist` run's classifier on the compiled-in backend,
//! printed as one JSON object; `experiments/benches/inference_pytorch.py` measures the
//! same with the run's `model.safetensors` in PyTorch, and
//! `experiments/benches/inference_speed.sh` runs both side by side.
//!
//! - batch evaluation: all 10,000 test images in batches of 1,000, each batch from the
//!   host's normalised pixels to a tensor, forward, softmax, arg-max, and the
//!   predictions read back to the host; best and median seconds of `--repeats` passes
//!   after one warm-up pass, and the test accuracy;
//! - one-image latency in the warm process: one image from the host through the
//!   forward pass and softmax, its 10 probabilities read back; median and p95 of
//!   `--calls` calls (test images 0, 1, 2, ... in turn) after 10 warm-up calls.
//!
//! ```sh
//! RAYON_NUM_THREADS=2 cargo run --release -p experiments --example inference_rate -- \
//!     --artifact-dir artifacts/mnist/latest --data-dir ../shared/data/mnist [--features ndarray|wgpu]
//! ```

use std::{path::PathBuf, time::Instant};

use anyhow::{Result, anyhow};
use burn::tensor::{Tensor, TensorData, activation::softmax, backend::Backend};
use clap::Parser;
use datasets::mnist::{MnistImages, PIXELS, Split, normalize, source::Search};
use experiments::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend::{self, BACKEND_NAME, InferenceBackend},
    mnist::MnistConfig,
};
use models::MlpClassifier;

type B = InferenceBackend;

/// Inference speed of a trained mnist run (see the file's documentation).
#[derive(Debug, Parser)]
struct Args {
    /// Directory of a finished mnist run (config.json and model.mpk).
    #[arg(long, value_name = "DIR")]
    artifact_dir: PathBuf,
    /// Directory with the MNIST test files [default: $MNIST_DIR, else the user cache].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Images per batch in the batch evaluation.
    #[arg(long, default_value_t = 1000)]
    batch_size: usize,
    /// Timed passes over the test set (after one warm-up pass).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Timed one-image calls.
    #[arg(long, default_value_t = 1000)]
    calls: usize,
}

/// The nearest-rank `q`-quantile of `values` (sorted here); the Python peer uses the same.
fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = (q * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

fn main() -> Result<()> {
    let args = Args::parse();
    let (batch_size, repeats, calls) = (
        args.batch_size.max(1),
        args.repeats.max(1),
        args.calls.max(1),
    );
    let dir = ArtifactDir::open(&args.artifact_dir)?;
    let config: MnistConfig = dir.read_json(CONFIG_FILE)?;
    let kind = config.kind()?;
    let device = backend::device()?;
    let model: MlpClassifier<B> = dir.load_model(config.model.init(&device)?, &device)?;
    let data_dir = Search::from_env(kind, args.data_dir.as_deref()).locate_for(&[Split::Test])?;
    let test = MnistImages::load(&data_dir, kind, Split::Test)?;
    let n = test.len();
    let pixels: Vec<f32> = (0..n)
        .flat_map(|i| test.image(i).iter().map(|&p| normalize(p)))
        .collect();

    // One pass over the test set: the predicted class of every image, on the host.
    let evaluate = || -> Result<Vec<i64>> {
        let mut predictions = Vec::with_capacity(n);
        for start in (0..n).step_by(batch_size) {
            let rows = batch_size.min(n - start);
            let batch = pixels[start * PIXELS..(start + rows) * PIXELS].to_vec();
            let x = Tensor::<B, 2>::from_data(TensorData::new(batch, [rows, PIXELS]), &device);
            let classes = softmax(model.forward(x), 1).argmax(1).into_data();
            predictions.extend(
                classes
                    .convert::<i64>()
                    .to_vec::<i64>()
                    .map_err(|e| anyhow!("reading the predictions: {e:?}"))?,
            );
        }
        Ok(predictions)
    };
    let predictions = evaluate()?; // warm-up: thread pool, allocations
    let correct = predictions
        .iter()
        .zip(test.labels())
        .filter(|&(&p, &l)| p == i64::from(l))
        .count();
    let mut batch_seconds = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let started = Instant::now();
        evaluate()?;
        batch_seconds.push(started.elapsed().as_secs_f64());
    }

    // One image from the host to its 10 probabilities on the host.
    let classify = |i: usize| -> Result<Vec<f32>> {
        let image = pixels[i * PIXELS..(i + 1) * PIXELS].to_vec();
        let x = Tensor::<B, 2>::from_data(TensorData::new(image, [1, PIXELS]), &device);
        softmax(model.forward(x), 1)
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .map_err(|e| anyhow!("reading the probabilities: {e:?}"))
    };
    for i in 0..10 {
        classify(i % n)?;
    }
    let mut call_ms = Vec::with_capacity(calls);
    for i in 0..calls {
        let started = Instant::now();
        classify(i % n)?;
        call_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let _ = B::sync(&device);

    let mut sorted = batch_seconds.clone();
    let (best, median) = (quantile(&mut sorted, 0.0), quantile(&mut sorted, 0.5));
    let summary = serde_json::json!({
        "framework": format!("zoo ({BACKEND_NAME})"),
        "threads": std::env::var("RAYON_NUM_THREADS").ok(),
        "images": n,
        "batch_size": batch_size,
        "repeats": repeats,
        "batch_eval_seconds": batch_seconds,
        "batch_eval_best": best,
        "batch_eval_median": median,
        "accuracy": correct as f64 / n as f64,
        "one_image_calls": calls,
        "one_image_ms_median": quantile(&mut call_ms, 0.5),
        "one_image_ms_p95": quantile(&mut call_ms, 0.95),
    });
    println!("{summary}");
    Ok(())
}
