//! What moving the MNIST MLP (784-512-10, 407,050 parameters) between the first two
//! devices of `--devices 2` costs on the compiled-in backend: the transfer term of the
//! data-parallel throughput model (docs/backends.md, "Several devices"). Run by
//! `experiments/benches/devices_speed.sh`.
//!
//! ```sh
//! cargo run --release -p experiments --example device_transfer --features wgpu
//! ```

use std::time::Instant;

use anyhow::Result;
use burn::module::Module;
use experiments::{
    backend::{self, InferenceBackend},
    data_parallel::module_to_device,
};
use models::{MlpClassifier, MlpClassifierConfig};

const ROUNDS: usize = 20;

fn main() -> Result<()> {
    let devices = backend::devices(2)?;
    let info = backend::describe_all(&devices);
    let model: MlpClassifier<InferenceBackend> = MlpClassifierConfig::new().init(&devices[0])?;
    let params = model.num_params();
    let megabytes = (params * 4) as f64 / 1e6;
    let mut model = module_to_device(model, &devices[1]); // warm-up, both directions
    model = module_to_device(model, &devices[0]);
    let mut seconds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        model = module_to_device(model, &devices[1]);
        model = module_to_device(model, &devices[0]);
        seconds.push(started.elapsed().as_secs_f64() / 2.0);
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[ROUNDS / 2];
    println!("backend {info}");
    println!(
        "one move of the {params} parameters ({megabytes:.2} MB) between the two devices \
         through host memory: median {:.3} ms of {ROUNDS}",
        median * 1e3,
    );
    if !cfg!(feature = "wgpu") {
        println!(
            "(the CPU backends' workers share the one CPU device: burn's strategy moves \
             nothing between them, and this copy is not part of a training step)"
        );
    }
    Ok(())
}
