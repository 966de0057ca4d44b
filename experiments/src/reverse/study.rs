//! `reverse study`: what fixes the bit-reversal net and what does not, over seeds.
//!
//! Each variant is trained with a plain loop (no learner, no checkpoints), exactly as
//! the learner trains a run of the same configuration when the training set fits in one
//! batch: the same initialisation, full batches and SGD steps. Larger sets are shuffled
//! per pass, as Keras does.

use anyhow::Result;
use burn::{
    module::AutodiffModule,
    optim::{GradientsParams, Optimizer, decay::WeightDecayConfig},
    tensor::backend::AutodiffBackend,
};
use clap::Args;
use datasets::rng::{SplitMix64, derive_seed};
use models::{
    DenseRegressor,
    fused::{ZooBackend, optim::FusedSgdConfig},
};
use serde::Serialize;

use super::{
    Preset, ReverseConfig,
    eval::{bit_identical, bits_tensor, evaluate, repeats_cleared_answers, top_input_weights},
};
use crate::{
    backend::{self, TrainBackend},
    cli::{RunArgs, positive_usize, seed_range},
    run::{self, KeyMetric},
};

/// Name of the study runs in artifacts (`artifacts/reverse-study/<run-id>`).
pub const STUDY_NAME: &str = "reverse-study";

#[derive(Debug, Args)]
pub(super) struct StudyArgs {
    /// Seeds per variant (--seed, --seed+1, ...).
    #[arg(long, default_value_t = 5, value_parser = positive_usize)]
    seeds: usize,
    #[command(flatten)]
    run: RunArgs,
}

/// The study's configuration, saved as `config.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StudyConfig {
    /// First seed.
    pub seed: u64,
    /// Seeds per variant.
    pub seeds: usize,
    /// The variants, by name, with their full configurations.
    pub variants: Vec<(String, ReverseConfig)>,
}

/// Trains one net with a plain loop; returns it with the top input's initial weights.
pub fn train_one<B: AutodiffBackend>(
    config: &ReverseConfig,
    seed: u64,
    device: &B::Device,
) -> Result<(DenseRegressor<B::InnerBackend>, Vec<f32>)>
where
    B::InnerBackend: ZooBackend,
{
    let split = config.split()?;
    B::seed(device, seed);
    let mut model: DenseRegressor<B> = config.model.init(device)?;
    let start = top_input_weights(&model.valid());
    let mut optimizer = config.optimizer.init();
    let n = split.train.len();
    let batch = config.batch_size.min(n);
    let targets: Vec<u32> = split
        .train
        .iter()
        .map(|&v| datasets::bits::reverse(v, config.bits))
        .collect();
    let step = |model: DenseRegressor<B>, optimizer: &mut _, rows: &[usize]| {
        let x: Vec<u32> = rows.iter().map(|&i| split.train[i]).collect();
        let y: Vec<u32> = rows.iter().map(|&i| targets[i]).collect();
        let out = model.forward_regression(
            bits_tensor(&x, config.bits, device),
            bits_tensor(&y, config.bits, device),
        );
        let grads = GradientsParams::from_grads(out.loss.backward(), &model);
        Optimizer::step(optimizer, config.learning_rate, model, grads)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for pass in 0..config.epochs {
        if batch < n {
            let mut rng = SplitMix64::new(derive_seed(seed, pass as u64));
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
        }
        for rows in order.chunks(batch) {
            model = step(model, &mut optimizer, rows);
        }
    }
    Ok((model.valid(), start))
}

/// The table's rows: the seed and what is tried on it.
fn variants(seed: u64) -> Vec<(String, ReverseConfig)> {
    let base = ReverseConfig::from_preset(Preset::Seed, seed);
    let with = |f: &dyn Fn(&mut ReverseConfig)| {
        let mut c = base.clone();
        f(&mut c);
        c
    };
    let decay = |d: f32| FusedSgdConfig::new().with_weight_decay(Some(WeightDecayConfig::new(d)));
    vec![
        ("seed: 4-bit, 6 rows, 10,000 epochs".into(), base.clone()),
        ("100,000 epochs".into(), with(&|c| c.epochs = 100_000)),
        (
            "hidden layer of 8 ReLU".into(),
            with(&|c| c.model.hidden = vec![8]),
        ),
        (
            "hidden layer of 8 tanh".into(),
            with(&|c| {
                c.model.hidden = vec![8];
                c.model.activation = models::Activation::Tanh;
            }),
        ),
        (
            "weight decay 0.001".into(),
            with(&|c| c.optimizer = decay(0.001)),
        ),
        (
            "weight decay 0.01".into(),
            with(&|c| c.optimizer = decay(0.01)),
        ),
        ("+1 example (1011)".into(), with(&|c| c.extra = 1)),
        ("+2 examples (1011, 1100)".into(), with(&|c| c.extra = 2)),
        (
            "8-bit, all 128 with top bit 0, 1,000 epochs".into(),
            with(&|c| {
                c.bits = 8;
                c.model = models::DenseRegressorConfig::new(8, 8);
                c.epochs = 1_000;
            }),
        ),
        (
            "8-bit +1 example, 1,000 epochs".into(),
            with(&|c| {
                c.bits = 8;
                c.extra = 1;
                c.model = models::DenseRegressorConfig::new(8, 8);
                c.epochs = 1_000;
            }),
        ),
    ]
}

/// One seed's outcome.
#[derive(Debug, Clone, Serialize)]
struct SeedOutcome {
    seed: u64,
    train_bit_accuracy: f64,
    unseen_bit_accuracy: f64,
    unseen_repeating_cleared_answers: usize,
    unseen_rows: usize,
    top_weights_untouched: bool,
    top_weights_start_all_below_half: bool,
    top_weights_end_max_abs: f64,
}

/// One row of the table.
#[derive(Debug, Serialize)]
struct VariantSummary {
    variant: String,
    train_bit_accuracy_mean: f64,
    unseen_bit_accuracy_mean: f64,
    unseen_bit_accuracy_sd: f64,
    unseen_bit_accuracy_min: f64,
    unseen_bit_accuracy_max: f64,
    /// Seeds whose every unseen answer is the cleared input's training answer.
    seeds_repeating_training_answers: usize,
    /// Seeds whose top-input weights are bit-identical to their initial values.
    seeds_top_weights_untouched: usize,
    /// Seeds whose initial top-input weights are all under 0.5 in magnitude.
    seeds_top_weights_start_below_half: usize,
    top_weights_end_max_abs_mean: f64,
    per_seed: Vec<SeedOutcome>,
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

pub(super) fn study(args: &StudyArgs) -> Result<()> {
    if args.run.resume {
        anyhow::bail!(
            "reverse study keeps no checkpoints to resume from (it takes about a minute); run it again"
        );
    }
    let n = args.seeds;
    let plan = run::plan(
        &args.run,
        STUDY_NAME,
        || {
            let seed = args.run.seed;
            seed_range(seed, n)?;
            Ok(StudyConfig {
                seed,
                seeds: n,
                variants: variants(seed),
            })
        },
        |_| 1,
    )?;
    let device = backend::device()?;
    let info = backend::describe(&device);
    let seed = plan.config.seed;
    let run = plan.open(&info, seed)?;
    let config = &run.config;
    let seeds = seed_range(config.seed, config.seeds)?;
    println!(
        "reverse study: {} variants x {} seeds ({}..={}), backend {} ({})",
        config.variants.len(),
        config.seeds,
        seeds[0],
        seeds[seeds.len() - 1],
        info.name,
        info.device
    );
    let mut rows = Vec::new();
    for (name, variant) in &config.variants {
        let split = variant.split()?;
        let mut outcomes = Vec::new();
        for &seed in &seeds {
            let (model, start) = train_one::<TrainBackend>(variant, seed, &device)?;
            let end = top_input_weights(&model);
            let train = evaluate(&model, variant.bits, &split.train, &device);
            let unseen = evaluate(&model, variant.bits, &split.unseen, &device);
            outcomes.push(SeedOutcome {
                seed,
                train_bit_accuracy: train.bit_accuracy,
                unseen_bit_accuracy: unseen.bit_accuracy,
                unseen_repeating_cleared_answers: repeats_cleared_answers(&unseen, variant.bits),
                unseen_rows: split.unseen.len(),
                top_weights_untouched: bit_identical(&start, &end),
                top_weights_start_all_below_half: start.iter().all(|w| w.abs() < 0.5),
                top_weights_end_max_abs: end.iter().fold(0.0, |m, w| m.max(f64::from(w.abs()))),
            });
        }
        let unseen: Vec<f64> = outcomes.iter().map(|o| o.unseen_bit_accuracy).collect();
        let (mean, sd) = mean_sd(&unseen);
        let count = |f: &dyn Fn(&SeedOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
        let row = VariantSummary {
            variant: name.clone(),
            train_bit_accuracy_mean: mean_sd(
                &outcomes
                    .iter()
                    .map(|o| o.train_bit_accuracy)
                    .collect::<Vec<_>>(),
            )
            .0,
            unseen_bit_accuracy_mean: mean,
            unseen_bit_accuracy_sd: sd,
            unseen_bit_accuracy_min: unseen.iter().copied().fold(f64::INFINITY, f64::min),
            unseen_bit_accuracy_max: unseen.iter().copied().fold(0.0, f64::max),
            seeds_repeating_training_answers: count(&|o| {
                o.unseen_repeating_cleared_answers == o.unseen_rows
            }),
            seeds_top_weights_untouched: count(&|o| o.top_weights_untouched),
            seeds_top_weights_start_below_half: count(&|o| o.top_weights_start_all_below_half),
            top_weights_end_max_abs_mean: mean_sd(
                &outcomes
                    .iter()
                    .map(|o| o.top_weights_end_max_abs)
                    .collect::<Vec<_>>(),
            )
            .0,
            per_seed: outcomes,
        };
        println!("{}", table_line(&row, n));
        rows.push(row);
    }
    println!(
        "\ncolumns: train and unseen per-bit accuracy, mean ± sd (min–max) over seeds; \
         'repeat' = seeds whose every unseen answer is the training answer for the input \
         with the top bit cleared; 'untouched' = seeds whose top-input weights are \
         bit-identical to their initial values; '|w0|<.5' = seeds whose initial top-input \
         weights are all under 0.5; max |w0| at the end, mean over seeds"
    );
    let best = rows
        .iter()
        .map(|r| r.unseen_bit_accuracy_mean)
        .fold(0.0, f64::max);
    run.finish(
        serde_json::json!({ "rows": rows }),
        KeyMetric::max("best_unseen_bit_accuracy", best),
    )
}

/// One printed row of the table.
fn table_line(row: &VariantSummary, seeds: usize) -> String {
    format!(
        "{:<46} train {:>5.1}%  unseen {:>5.1}% ± {:>4.1} ({:>5.1}–{:>5.1})  repeat {}/{seeds}  untouched {}/{seeds}  |w0|<.5 {}/{seeds}  max|w0| {:.3}",
        row.variant,
        row.train_bit_accuracy_mean * 100.0,
        row.unseen_bit_accuracy_mean * 100.0,
        row.unseen_bit_accuracy_sd * 100.0,
        row.unseen_bit_accuracy_min * 100.0,
        row.unseen_bit_accuracy_max * 100.0,
        row.seeds_repeating_training_answers,
        row.seeds_top_weights_untouched,
        row.seeds_top_weights_start_below_half,
        row.top_weights_end_max_abs_mean,
    )
}
