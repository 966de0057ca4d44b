//! End-to-end tests of the `reverse` binary: the tutorial's failure and why, the fix,
//! the plain loop of `reverse study` against the learner, and bad input.

use crate::common::{assert_clean_failure, json, numbers, run, text};
use experiments::{
    backend::{Device, TrainBackend},
    reverse::{Preset, ReverseConfig, evaluate, train_one},
};

const REVERSE: &str = env!("CARGO_BIN_EXE_reverse");

/// A `[rows][bits]` array of numbers at `pointer`.
fn matrix(value: &serde_json::Value, pointer: &str) -> Vec<Vec<f64>> {
    value
        .pointer(pointer)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("no array at {pointer} in {value}"))
        .iter()
        .map(|row| {
            row.as_array()
                .expect("a row")
                .iter()
                .map(|v| v.as_f64().expect("a number"))
                .collect()
        })
        .collect()
}

#[test]
fn the_seed_run_leaves_the_top_weights_untouched_and_unseen_outputs_follow_from_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run(REVERSE, &["--artifact-dir", dir.to_str().unwrap()]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("unseen inputs: per-bit accuracy"), "{all}");
    assert!(
        all.contains("untouched: no training input has that bit set"),
        "{all}"
    );
    for file in [
        "weights.png",
        "training_curves.png",
        "model.mpk",
        "model.safetensors",
        "summary.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }

    let summary = json(&dir.join("summary.json"));
    let m = &summary["metrics"];
    assert_eq!(m["train_bit_accuracy"], 1.0, "{m}");
    // Bit-identical: serialised from the same f32 values.
    let (start, end) = (
        numbers(m, "/top_input_weights_start"),
        numbers(m, "/top_input_weights_end"),
    );
    assert_eq!(start, end);
    assert_eq!(m["top_input_weights_untouched"], true);

    // Each unseen input's raw output = the training output for the same input with the
    // first bit cleared + the untouched weights. The seed's unseen inputs, cleared, are
    // exactly its training inputs, in the same order.
    let train = matrix(m, "/train/outputs");
    let unseen = matrix(m, "/unseen/outputs");
    for (row, (t, u)) in train.iter().zip(&unseen).enumerate() {
        for bit in 0..4 {
            let predicted = t[bit] + start[bit];
            assert!(
                (predicted - u[bit]).abs() < 1e-5,
                "unseen row {row} bit {bit}: {} vs cleared {} + w0 {}",
                u[bit],
                t[bit],
                start[bit]
            );
        }
    }
    // So the rounded unseen answers repeat the training answers exactly when every
    // untouched weight is under 0.5 in magnitude.
    let repeats = m["unseen_repeating_cleared_answers"].as_u64().unwrap();
    let all_small = start.iter().all(|w| w.abs() < 0.5);
    assert_eq!(repeats == 6, all_small, "repeats {repeats}, w0 {start:?}");
}

#[test]
fn one_or_two_examples_with_the_first_bit_set_fix_it() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("fixed", &["--preset", "fixed"][..]),
        ("two", &["--extra", "2"][..]),
    ] {
        let dir = tmp.path().join(name);
        let out = run(
            REVERSE,
            &[args, &["--artifact-dir", dir.to_str().unwrap()]].concat(),
        );
        assert!(out.status.success(), "{}", text(&out));
        let m = json(&dir.join("summary.json"))["metrics"].clone();
        assert_eq!(m["unseen_bit_accuracy"], 1.0, "{name}: {m}");
        assert_eq!(m["top_input_weights_untouched"], false, "{name}");
        assert_eq!(m["unseen"]["rows_correct"], 6, "{name}");
    }
}

#[test]
fn the_study_loop_trains_the_same_net_as_the_learner() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run(
        REVERSE,
        &[
            "--seed",
            "7",
            "--epochs",
            "2000",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let learner = matrix(&json(&dir.join("summary.json")), "/metrics/unseen/outputs");

    let mut config = ReverseConfig::from_preset(Preset::Seed, 7);
    config.epochs = 2000;
    let device = Device::default();
    let (model, _) = train_one::<TrainBackend>(&config, 7, &device).unwrap();
    let split = config.split().unwrap();
    let looped = evaluate(&model, 4, &split.unseen, &device).outputs;
    for (a, b) in learner.iter().flatten().zip(looped.iter().flatten()) {
        assert!(
            (a - f64::from(*b)).abs() < 1e-5,
            "learner {learner:?} vs loop {looped:?}"
        );
    }
}

#[test]
fn over_seeds_rounded_answers_repeat_exactly_when_the_untouched_weights_are_small() {
    let device = Device::default();
    let config = ReverseConfig::from_preset(Preset::Seed, 0);
    let split = config.split().unwrap();
    let mut small = 0;
    // Seeds 42..=46 include both cases (checked below).
    for seed in 42..=46 {
        let (model, start) = train_one::<TrainBackend>(&config, seed, &device).unwrap();
        let train = evaluate(&model, 4, &split.train, &device);
        let unseen = evaluate(&model, 4, &split.unseen, &device);
        let all_small = start.iter().all(|w| w.abs() < 0.5);
        small += usize::from(all_small);
        assert_eq!(
            unseen.rounded == train.rounded,
            all_small,
            "seed {seed}: w0 {start:?}, unseen {:?}",
            unseen.rounded
        );
    }
    assert!(
        0 < small && small < 5,
        "the seeds cover only one case ({small} of 5 small)"
    );
}

#[test]
fn bad_flags_are_rejected_with_their_value() {
    assert_clean_failure(&run(REVERSE, &["--extra", "3"]), "got 3");
    assert_clean_failure(&run(REVERSE, &["--bits", "1"]), "got 1");
    assert_clean_failure(&run(REVERSE, &["--lr", "0"]), "must be a positive number");
    assert_clean_failure(&run(REVERSE, &["--weight-decay", "-1"]), "-1");
    assert_clean_failure(
        &run(REVERSE, &["--epochs", "1500", "--passes-per-epoch", "1000"]),
        "must be a multiple of --passes-per-epoch (1000)",
    );
    assert_clean_failure(&run(REVERSE, &["study", "--resume"]), "no checkpoints");
}
