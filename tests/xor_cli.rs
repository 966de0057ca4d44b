//! End-to-end tests of the `xor` binary: a default-sized run, restore, and bad input.

use crate::common::{assert_clean_failure, json, numbers, run, text};

const XOR: &str = env!("CARGO_BIN_EXE_xor");

#[test]
fn default_run_learns_xnor_and_restore_reproduces_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let dir_s = dir.to_str().unwrap();
    let out = run(XOR, &["--artifact-dir", dir_s]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains(" x1 | x2 | XNOR"), "{all}");
    // No terminal: one plain line per epoch, not burn's per-iteration debug dump.
    let epoch_lines = all.lines().filter(|l| l.starts_with("epoch ")).count();
    assert_eq!(epoch_lines, 4, "{all}");
    assert!(!all.contains("TrainingProgress"), "{all}");

    let summary = json(&dir.join("summary.json"));
    for key in [
        "experiment",
        "backend",
        "seed",
        "config",
        "metrics",
        "wall_seconds",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}: {summary}");
    }
    let outputs = numbers(&summary, "/metrics/outputs");
    let targets = [1.0, 0.0, 0.0, 1.0];
    for (o, t) in outputs.iter().zip(targets) {
        assert!((o - t).abs() < 0.05, "output {o} vs target {t}");
    }
    assert_eq!(summary["metrics"]["accuracy"], 1.0);
    assert!(summary["metrics"]["final_loss"].as_f64().unwrap() < 0.01);
    for file in [
        "model.mpk",
        "model.safetensors",
        "config.json",
        "surface.png",
        "surface.csv",
        "training_curves.png",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let csv = std::fs::read_to_string(dir.join("surface.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 100 * 100);

    // Restoring evaluates the same model: the same 4 outputs.
    std::fs::remove_file(dir.join("surface.png")).unwrap();
    let out = run(XOR, &["restore", "--artifact-dir", dir_s]);
    assert!(out.status.success(), "{}", text(&out));
    let restored = numbers(&json(&dir.join("restore.json")), "/outputs");
    for (a, b) in outputs.iter().zip(&restored) {
        assert!((a - b).abs() < 1e-6, "restored {b} vs trained {a}");
    }
    assert!(
        dir.join("surface.png").is_file(),
        "restore re-plots the surface"
    );
}

#[test]
fn seed_sweep_reports_convergence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let out = run(
        XOR,
        &[
            "--seeds",
            "3",
            "--steps",
            "1000",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let summary = json(&dir.join("summary.json"));
    assert_eq!(summary["metrics"]["seeds_total"], 3);
    assert_eq!(summary["metrics"]["seeds_converged"], 3, "{summary}");
    assert_eq!(numbers(&summary, "/metrics/outputs").len(), 4);
}

#[test]
fn symmetric_presets_keep_each_units_weights_equal_and_relu_solves_xor() {
    let tmp = tempfile::tempdir().unwrap();
    for (preset, accuracy) in [("keras-sym-sigmoid", 0.75), ("keras-sym-relu", 1.0)] {
        let dir = tmp.path().join(preset);
        let out = run(
            XOR,
            &["--preset", preset, "--artifact-dir", dir.to_str().unwrap()],
        );
        let all = text(&out);
        assert!(out.status.success(), "{all}");
        assert!(
            all.contains("XOR net 2-2-1") && all.contains("N(0.75, 0.01²)"),
            "{all}"
        );
        assert!(all.contains("the course notes printed"), "{all}");
        let m = json(&dir.join("summary.json"))["metrics"].clone();
        assert_eq!(m["accuracy"], accuracy, "{preset}: {m}");
        for (when, tol) in [("start", 0.05), ("end", 0.05)] {
            let units = m[format!("hidden_units_{when}")]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(units.len(), 2);
            for unit in units {
                let w = numbers(&unit, "/weights");
                assert!((w[0] - w[1]).abs() < tol, "{preset} {when}: {w:?}");
            }
        }
    }
}

#[test]
fn sklearn_logistic_stops_on_the_plateau_predicting_all_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run(
        XOR,
        &[
            "--preset",
            "sklearn-logistic",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let m = json(&dir.join("summary.json"))["metrics"].clone();
    assert_eq!(m["accuracy"], 0.5, "{m}");
    assert!(numbers(&m, "/outputs").iter().all(|o| *o >= 0.5), "{m}");
    let stopped = m["stopped_after_epochs"].as_u64().expect("stopped early");
    assert!((12..10_000).contains(&stopped), "{stopped}");
}

/// Trains with `args` twice, through the learner and through `--seeds 1`'s plain loop,
/// and asserts both give the same truth-table outputs.
fn assert_learner_and_loop_agree(args: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("learner"), tmp.path().join("loop"));
    let out = run(
        XOR,
        &[args, &["--artifact-dir", a.to_str().unwrap()]].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run(
        XOR,
        &[
            args,
            &["--seeds", "1", "--artifact-dir", b.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let x = numbers(&json(&a.join("summary.json")), "/metrics/outputs");
    let y = numbers(&json(&b.join("summary.json")), "/metrics/outputs");
    for (p, q) in x.iter().zip(&y) {
        assert!((p - q).abs() < 1e-5, "learner {x:?} vs loop {y:?}");
    }
}

#[test]
fn the_stopping_rule_stops_loop_and_learner_at_the_same_step() {
    assert_learner_and_loop_agree(&["--preset", "sklearn-relu", "--seed", "48"]);
}

#[test]
fn sweep_trains_the_same_net_as_the_learner() {
    // One source of truth: seed 7's net from the sweep equals the learner's run.
    assert_learner_and_loop_agree(&["--seed", "7", "--steps", "1000"]);
}

#[test]
fn unknown_gate_is_rejected() {
    assert_clean_failure(&run(XOR, &["--gate", "nand"]), "unknown logic gate 'nand'");
}

#[test]
fn zero_hidden_width_is_rejected() {
    assert_clean_failure(&run(XOR, &["--hidden", "0"]), "got 0");
    assert_clean_failure(&run(XOR, &["--hidden", "4,0"]), "got 0");
}

#[test]
fn non_positive_learning_rate_is_rejected() {
    assert_clean_failure(&run(XOR, &["--lr", "-0.1"]), "-0.1");
    assert_clean_failure(&run(XOR, &["--lr", "0"]), "must be a positive number");
}

#[test]
fn steps_not_a_multiple_of_the_epoch_is_rejected() {
    let out = run(XOR, &["--steps", "1234", "--steps-per-epoch", "500"]);
    assert_clean_failure(&out, "must be a multiple of --steps-per-epoch (500)");
}

#[test]
fn a_seed_range_beyond_u64_is_rejected_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let max = u64::MAX.to_string();
    let args = [
        "--seed",
        &max,
        "--seeds",
        "2",
        "--artifact-dir",
        dir.to_str().unwrap(),
    ];
    assert_clean_failure(&run(XOR, &args), "--seeds 2: the last seed would be beyond");
    assert!(!dir.exists(), "a rejected sweep wrote {}", dir.display());
    // The largest seed alone is fine for a single net's seed range.
    let ok = run(
        XOR,
        &[
            "--seed",
            &max,
            "--seeds",
            "1",
            "--steps",
            "10",
            "--steps-per-epoch",
            "10",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(ok.status.success(), "{}", text(&ok));
}

#[test]
fn restore_without_a_model_names_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let out = run(XOR, &["restore", "--artifact-dir", dir]);
    assert_clean_failure(&out, "no trained model in");
    assert_clean_failure(&out, dir);
    let missing = format!("{dir}/does-not-exist");
    let out = run(XOR, &["restore", "--artifact-dir", &missing]);
    assert_clean_failure(&out, &missing);
}

#[test]
fn resume_without_checkpoints_names_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("never-ran");
    let out = run(XOR, &["--resume", "--artifact-dir", dir.to_str().unwrap()]);
    assert_clean_failure(&out, "never-ran");
}

#[test]
fn help_explains_the_flags() {
    let out = run(XOR, &["--help"]);
    let all = text(&out);
    assert!(out.status.success());
    for flag in [
        "--gate",
        "--hidden",
        "--activation",
        "--loss",
        "--lr",
        "--steps",
        "--seed",
        "--seeds",
        "--preset",
        "--resume",
        "--no-tui",
        "--artifact-dir",
    ] {
        assert!(all.contains(flag), "--help lacks {flag}:\n{all}");
    }
}
