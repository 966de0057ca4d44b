//! `xor --seeds N`: N independently seeded nets trained with a plain loop (one run;
//! not to be confused with `zoo sweep`, which runs a grid of whole runs).

use super::*;
use crate::cli::seed_range;

/// Trains one net with a plain loop (no learner), exactly as the learner would: the
/// same initialisation, full batches and Adam steps. Generic so that tests can train
/// on one backend and restore on another.
pub fn train_one<B: AutodiffBackend + ZooBackend>(
    config: &XorConfig,
    seed: u64,
    device: &B::Device,
) -> Result<TabularMlp<B::InnerBackend>>
where
    B::InnerBackend: ZooBackend,
{
    let gate = config.gate()?;
    B::seed(device, seed);
    let mut model: TabularMlp<B> = config.model.init(device)?;
    let mut optimizer = config.optimizer.init();
    let (x, y) = (table_inputs(device), table_targets(gate, device));
    // The learner checks the stopping rule after each epoch, on its mean training loss.
    let mut stop = config.stop.map(ToleranceStop::tracker);
    let mut epoch_loss = 0.0;
    for step in 1..=config.steps {
        let out = model.forward_classification(x.clone(), y.clone());
        if stop.is_some() {
            epoch_loss += out.loss.clone().into_scalar().elem::<f64>();
        }
        let grads = GradientsParams::from_grads(out.loss.backward(), &model);
        model = optimizer.step(config.learning_rate, model, grads);
        if let Some(tracker) = &mut stop
            && step % config.steps_per_epoch == 0
        {
            let mean = epoch_loss / config.steps_per_epoch as f64;
            epoch_loss = 0.0;
            if tracker.update(mean) {
                break;
            }
        }
    }
    Ok(model.valid())
}

#[derive(Debug, Serialize)]
struct SeedResult {
    seed: u64,
    outputs: Vec<f32>,
    accuracy: f64,
    final_loss: f64,
    converged: bool,
}

#[derive(Debug, Serialize)]
struct SweepMetrics {
    /// Outputs, accuracy and loss of the first seed's net (the same net a single run trains).
    #[serde(flatten)]
    first: TableEval,
    seeds_total: usize,
    seeds_converged: usize,
    mean_final_loss: f64,
    seconds_total: f64,
    seconds_per_net: f64,
    per_seed: Vec<SeedResult>,
}

/// Name of the seed-sweep runs in artifacts (`artifacts/xor-seeds/<run-id>`).
pub const SEEDS_NAME: &str = "xor-seeds";

pub(super) fn train_seeds(args: &TrainArgs, n: usize) -> Result<()> {
    let plan = run::plan(&args.run, SEEDS_NAME, || args.resolve(), XorConfig::epochs)?;
    let gate = plan.config.gate()?;
    let device = backend::device()?;
    let info = backend::describe(&device);
    announce(&info, &plan.config);
    let seed = plan.config.seed;
    // Checked before anything is written.
    let seeds = seed_range(seed, n)?;
    let run = plan.open(&info, seed)?;
    let config = &run.config;
    println!(
        "training {n} nets with seeds {}..={}",
        seeds[0],
        seeds[n - 1]
    );
    let mut results = Vec::with_capacity(n);
    let mut first = None;
    for &seed in &seeds {
        if crate::signals::stop_requested() {
            return run.stop_between_units(&format!(
                "nothing (a seed study writes its summary at the end; {} of {n} seeds were trained)",
                results.len()
            ));
        }
        let model = train_one::<TrainBackend>(config, seed, &device)?;
        let eval = evaluate(&model, gate, &device);
        let converged = eval.accuracy == 1.0;
        let outs: Vec<String> = eval.outputs.iter().map(|o| format!("{o:.3}")).collect();
        println!(
            "seed {seed:>4}: outputs [{}]  loss {:.3e}  {}",
            outs.join(", "),
            eval.final_loss,
            if converged { "converged" } else { "STALLED" }
        );
        results.push(SeedResult {
            seed,
            outputs: eval.outputs.clone(),
            accuracy: eval.accuracy,
            final_loss: eval.final_loss,
            converged,
        });
        first.get_or_insert(eval);
    }
    let seconds_total = run.elapsed();
    let converged = results.iter().filter(|r| r.converged).count();
    let mean_loss = results.iter().map(|r| r.final_loss).sum::<f64>() / n as f64;
    println!(
        "{converged}/{n} nets reached 100% accuracy; mean final loss {mean_loss:.3e}; {seconds_total:.2} s total ({:.3} s per {}-step net)",
        seconds_total / n as f64,
        config.steps
    );
    let Some(first) = first else {
        anyhow::bail!("--seeds must be at least 1");
    };
    let metrics = SweepMetrics {
        first,
        seeds_total: n,
        seeds_converged: converged,
        mean_final_loss: mean_loss,
        seconds_total,
        seconds_per_net: seconds_total / n as f64,
        per_seed: results,
    };
    run.finish(metrics, KeyMetric::max("seeds_converged", converged as f64))
}
