//! Data-parallel training (`--devices N`) through burn's multi-device learner, on the
//! backend the tests are built with: two worker threads on the CPU by default, two
//! wgpu device instances (lavapipe on a machine without a GPU) with `--features wgpu`.

use std::{path::Path, time::Duration};

use crate::common::{
    assert_clean_failure, history_epochs, json, kill_after_checkpoint, mnist_fixture, resumed_from,
    run, text,
};

const MNIST: &str = env!("CARGO_BIN_EXE_mnist");
const XOR: &str = env!("CARGO_BIN_EXE_xor");

/// Epochs of the fixture runs.
const EPOCHS: usize = 6;

/// `mnist` on the synthetic fixture with `devices` devices of `batch` examples each,
/// in `dir`; returns the summary.
fn train_fixture(data: &Path, dir: &Path, devices: usize, batch: usize) -> serde_json::Value {
    let (devices, batch, epochs) = (devices.to_string(), batch.to_string(), EPOCHS.to_string());
    let out = run(
        MNIST,
        &[
            "--data-dir",
            data.to_str().unwrap(),
            "--valid-size",
            "100",
            "--batch-size",
            &batch,
            "--devices",
            &devices,
            "--epochs",
            &epochs,
            "--no-tui",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    json(&dir.join("summary.json"))
}

fn devices_of(summary: &serde_json::Value) -> Vec<String> {
    summary["devices"]
        .as_array()
        .unwrap_or_else(|| panic!("no devices in {summary}"))
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_devices_train_like_one_device_with_the_same_global_batch() {
    let data = mnist_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let one = train_fixture(data.path(), &tmp.path().join("one"), 1, 32);
    let two = train_fixture(data.path(), &tmp.path().join("two"), 2, 16);

    assert_eq!(devices_of(&one).len(), 1, "{one}");
    let devices = devices_of(&two);
    assert_eq!(devices.len(), 2, "{two}");
    assert_eq!(two["device"].as_str(), Some(devices[0].as_str()));
    if cfg!(feature = "wgpu") {
        // Two device instances, not one device twice.
        assert_ne!(devices[0], devices[1]);
    }
    let run_record = json(&tmp.path().join("two/run.json"));
    assert_eq!(run_record["devices"].as_array().map(Vec::len), Some(2));

    let accuracy = |s: &serde_json::Value| s["metrics"]["test_accuracy"].as_f64().unwrap();
    let (a1, a2) = (accuracy(&one), accuracy(&two));
    assert!(
        a2 > 0.9 && (a1 - a2).abs() <= 0.05,
        "test accuracy: one device {a1}, two devices {a2}"
    );
    // Every epoch was logged and validated on the main device.
    let epochs = two["metrics"]["history"].as_array().unwrap();
    assert_eq!(epochs.len(), EPOCHS);
    assert!(epochs.iter().all(|e| e["valid_accuracy"].is_number()));
}

#[test]
fn a_killed_two_device_run_resumes_on_two_devices() {
    let data = mnist_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("killed");
    let epochs = EPOCHS.to_string();
    let args = [
        "--data-dir",
        data.path().to_str().unwrap(),
        "--valid-size",
        "100",
        "--batch-size",
        "16",
        "--devices",
        "2",
        "--epochs",
        &epochs,
        "--no-tui",
        "--artifact-dir",
        dir.to_str().unwrap(),
    ];
    kill_after_checkpoint(
        MNIST,
        &args,
        &dir,
        2,
        Duration::from_millis(20),
        Duration::from_secs(300),
    );
    assert!(
        !dir.join("summary.json").exists(),
        "the run must not have finished"
    );

    let out = run(
        MNIST,
        &[
            "--resume",
            "--devices",
            "2",
            "--artifact-dir",
            dir.to_str().unwrap(),
            "--data-dir",
            data.path().to_str().unwrap(),
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let from = resumed_from(&all);
    assert!((2..EPOCHS).contains(&from), "resumed from {from}:\n{all}");
    let summary = json(&dir.join("summary.json"));
    assert_eq!(devices_of(&summary).len(), 2);
    let m = &summary["metrics"];
    assert!(m["test_accuracy"].as_f64().unwrap() > 0.9, "{m}");
    let history = history_epochs(&summary);
    assert_eq!(history, (1..=EPOCHS as u64).collect::<Vec<_>>());
}

/// On the CPU, two workers' gradients add to the same bits in either order: the same
/// seed gives the same run.
#[cfg(not(feature = "wgpu"))]
#[test]
fn two_cpu_workers_are_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs: Vec<serde_json::Value> = ["a", "b"]
        .iter()
        .map(|name| {
            let dir = tmp.path().join(name);
            let out = run(
                XOR,
                &[
                    "--devices",
                    "2",
                    "--steps",
                    "400",
                    "--steps-per-epoch",
                    "200",
                    "--no-tui",
                    "--artifact-dir",
                    dir.to_str().unwrap(),
                ],
            );
            assert!(out.status.success(), "{}", text(&out));
            let summary = json(&dir.join("summary.json"));
            assert_eq!(summary["devices"].as_array().map(Vec::len), Some(2));
            summary["metrics"]["outputs"].clone()
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn bad_device_flags_are_one_line_errors() {
    let out = run(MNIST, &["--devices", "0"]);
    assert_clean_failure(&out, "--devices");
    assert!(text(&out).contains("at least 1"), "{}", text(&out));
    let out = run(XOR, &["--seeds", "3", "--devices", "2"]);
    assert_clean_failure(&out, "--devices");
}
