//! Where an MNIST training step's time goes without the learner: 430 steps (one epoch
//! of 55,000 images at batch 128) of the 784-512-10 classifier with the zoo's Adam on
//! one fixed batch, timing the forward pass (loss included), the backward pass and the
//! optimizer step separately. The gap to `mnist`'s seconds per epoch is the learner's
//! own work (data loading, metrics, events).
//!
//! ```sh
//! cargo run --release -p experiments --example step_breakdown [--features ndarray|blas|wgpu]
//! ```

use std::time::Instant;

use burn::{
    optim::{GradientsParams, Optimizer},
    tensor::{Int, Tensor, backend::Backend},
};
use experiments::backend::{self, BACKEND_NAME, TrainBackend};
use models::{MlpClassifier, MlpClassifierConfig, fused::optim::FusedAdamConfig};

const STEPS: usize = 430;

fn main() -> anyhow::Result<()> {
    let device = backend::device()?;
    let mut model: MlpClassifier<TrainBackend> = MlpClassifierConfig::new().init(&device)?;
    let mut optim = FusedAdamConfig::new()
        .with_epsilon(experiments::optimizer::ADAM_EPSILON)
        .init::<TrainBackend, MlpClassifier<TrainBackend>>();
    let pixels: Vec<f32> = (0..128 * 784).map(|i| (i % 255) as f32 / 255.0).collect();
    let labels: Vec<i64> = (0..128).map(|i| i % 10).collect();
    let x = Tensor::<TrainBackend, 1>::from_floats(pixels.as_slice(), &device).reshape([128, 784]);
    let y = Tensor::<TrainBackend, 1, Int>::from_ints(labels.as_slice(), &device);
    let (mut forward, mut backward, mut step) = (0.0, 0.0, 0.0);
    let started = Instant::now();
    for _ in 0..STEPS {
        let t = Instant::now();
        let loss = model.forward_classification(x.clone(), y.clone()).loss;
        forward += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        backward += t.elapsed().as_secs_f64();
        let t = Instant::now();
        model = optim.step(1e-3, model, grads);
        step += t.elapsed().as_secs_f64();
    }
    let _ = TrainBackend::sync(&device);
    println!(
        "{BACKEND_NAME}, {STEPS} steps: {:.3} s (forward {forward:.3} s, backward {backward:.3} s, \
         optimizer {step:.3} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
