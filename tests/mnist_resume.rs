//! Kill an MNIST run mid-epoch, `--resume` it, and check that it continues from the
//! last checkpoint and ends in the same accuracy band as an uninterrupted run.

mod common;

use std::time::Duration;

use common::{json, kill_after, mnist_data_dir, resumed_from, run, text};

const MNIST: &str = env!("CARGO_BIN_EXE_mnist");

#[test]
fn killed_mnist_run_resumes_into_the_same_accuracy_band() {
    let tmp = tempfile::tempdir().unwrap();
    let data = mnist_data_dir();
    let args = |dir: &str| -> Vec<String> {
        [
            "--data-dir",
            &data,
            "--train-limit",
            "12000",
            "--epochs",
            "4",
            "--no-tui",
            "--artifact-dir",
            dir,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let full = tmp.path().join("full");
    let out = run(
        MNIST,
        &args(full.to_str().unwrap())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let full_accuracy = json(&full.join("summary.json"))["metrics"]["test_accuracy"]
        .as_f64()
        .unwrap();

    let dir = tmp.path().join("killed");
    // Into epoch 3 (200 ms after epoch 2's checkpoint), then kill without warning.
    let killed_args = args(dir.to_str().unwrap());
    let killed_args: Vec<&str> = killed_args.iter().map(String::as_str).collect();
    let ckpt = dir.join("checkpoint/scheduler-2.mpk");
    kill_after(
        MNIST,
        &killed_args,
        &ckpt,
        Duration::from_millis(200),
        Duration::from_secs(300),
    );
    assert!(
        !dir.join("summary.json").exists(),
        "the killed run must not have finished"
    );

    let out = run(
        MNIST,
        &[
            "--resume",
            "--artifact-dir",
            dir.to_str().unwrap(),
            "--data-dir",
            &data,
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let resumed_from = resumed_from(&all);
    assert!(resumed_from >= 2, "{all}");
    let epochs: Vec<&str> = all.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(
        epochs.len(),
        4 - resumed_from,
        "only the remaining epochs run:\n{all}"
    );

    // It continued from the checkpoint: the first resumed epoch trains at the same loss
    // as the uninterrupted run's (a restart from scratch would be ~4x higher there).
    let mean_loss = |run: &std::path::Path| {
        let log =
            std::fs::read_to_string(run.join(format!("train/epoch-{}/Loss.log", resumed_from + 1)))
                .unwrap();
        let values: Vec<f64> = log
            .lines()
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    let (resumed_loss, full_loss) = (mean_loss(&dir), mean_loss(&full));
    assert!(
        (resumed_loss / full_loss - 1.0).abs() < 0.25,
        "epoch {} train loss: resumed {resumed_loss} vs uninterrupted {full_loss}",
        resumed_from + 1
    );

    // Same band: the last epoch's end point wobbles by about half a point with the data
    // order, which differs after a resume (burn restarts its shuffle sequence).
    let summary = json(&dir.join("summary.json"));
    let accuracy = summary["metrics"]["test_accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.93, "resumed run: test accuracy {accuracy}");
    assert!(
        (accuracy - full_accuracy).abs() < 0.02,
        "resumed {accuracy} vs uninterrupted {full_accuracy}"
    );
    let history: Vec<u64> = summary["metrics"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["epoch"].as_u64().unwrap())
        .collect();
    assert_eq!(history, vec![1, 2, 3, 4]);
}
