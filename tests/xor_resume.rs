//! Kill a training run mid-way, `--resume` it, and check that it continues from the
//! last checkpoint with correctly numbered metric logs.

use std::time::Duration;

use crate::common::{history_epochs, json, kill_after_checkpoint, resumed_from, run, text};

const XOR: &str = env!("CARGO_BIN_EXE_xor");
const EPOCHS: usize = 12;

#[test]
fn killed_run_resumes_from_its_last_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let dir_s = dir.to_str().unwrap();
    let steps = (EPOCHS * 2_000).to_string();
    let args = [
        "--steps",
        &steps,
        "--steps-per-epoch",
        "2000",
        "--artifact-dir",
        dir_s,
    ];

    // Kill it once epoch 3's checkpoint is complete (all three records: burn writes
    // them from three threads, in no fixed order), well before the end.
    kill_after_checkpoint(
        XOR,
        &args,
        &dir,
        3,
        Duration::ZERO,
        Duration::from_secs(120),
    );
    assert!(
        !dir.join("summary.json").exists(),
        "killed run must not have finished"
    );
    let epoch1_log = std::fs::read_to_string(dir.join("train/epoch-1/Loss.log")).unwrap();

    let out = run(XOR, &["--resume", "--artifact-dir", dir_s]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let resumed_from = resumed_from(&all);
    assert!(resumed_from >= 3, "resumed from epoch {resumed_from}");

    // Only the remaining epochs were trained, numbered from resumed_from + 1.
    let epoch_lines: Vec<&str> = all.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(epoch_lines.len(), EPOCHS - resumed_from, "{all}");
    assert!(
        epoch_lines[0].starts_with(&format!("epoch {}/{EPOCHS}", resumed_from + 1)),
        "{all}"
    );

    // The first resumed epoch's logs went to their own directory, not over epoch 1.
    let after = std::fs::read_to_string(dir.join("train/epoch-1/Loss.log")).unwrap();
    assert_eq!(epoch1_log, after, "epoch-1 logs were overwritten");
    assert!(
        dir.join(format!("train/epoch-{}/Loss.log", resumed_from + 1))
            .is_file()
    );
    assert!(
        dir.join(format!("valid/epoch-{}/Loss.log", resumed_from + 1))
            .is_file()
    );

    let summary = json(&dir.join("summary.json"));
    assert_eq!(summary["metrics"]["resumed_from_epoch"], resumed_from);
    let epochs = history_epochs(&summary);
    assert_eq!(epochs, (1..=EPOCHS as u64).collect::<Vec<_>>());
    assert_eq!(summary["metrics"]["accuracy"], 1.0, "{summary}");
}
