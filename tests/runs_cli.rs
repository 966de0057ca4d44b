//! The experiment repository's run directories, through the real binaries: runs are
//! kept side by side, `latest` follows the newest, `run.json` tells their story, bad
//! input writes nothing and never touches another run, `--resume` and `restore` find
//! their run, and the same seed gives the same results bit for bit.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use crate::common::{assert_clean_failure, json, ok, run_in, run_with_closed_stdout};

const XOR: &str = env!("CARGO_BIN_EXE_xor");
const LINREG: &str = env!("CARGO_BIN_EXE_linreg");

/// The run directories directly under `<root>/<experiment>`, oldest first.
fn runs(root: &Path, experiment: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join(experiment))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.retain(|p| p.join("run.json").is_file() && !p.is_symlink());
    dirs.sort();
    dirs
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Makes `dir`'s run.json say `running`, with a process id that no longer exists:
/// what a run killed outright leaves.
fn mark_killed(dir: &Path) {
    let mut record = json(&dir.join("run.json"));
    record["status"] = "running".into();
    record["pid"] = u32::MAX.into();
    fs::write(dir.join("run.json"), record.to_string()).unwrap();
}

const QUICK_XOR: [&str; 5] = ["--steps", "300", "--steps-per-epoch", "100", "--no-tui"];

#[test]
fn runs_are_kept_side_by_side_with_their_records() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    ok(run_in(root, XOR, &QUICK_XOR));
    let mut second = QUICK_XOR.to_vec();
    second.extend(["--name", "wide", "--hidden", "16"]);
    ok(run_in(root, XOR, &second));

    let dirs = runs(root, "xor");
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    assert!(dirs[1].to_string_lossy().ends_with("-wide"), "{dirs:?}");
    let latest = fs::read_link(root.join("xor/latest")).unwrap();
    assert_eq!(latest, Path::new(dirs[1].file_name().unwrap()));
    for dir in &dirs {
        let record = json(&dir.join("run.json"));
        assert_eq!(record["status"], "finished", "{record}");
        assert_eq!(record["experiment"], "xor");
        assert_eq!(record["backend"], experiments::backend::BACKEND_NAME);
        assert_eq!(record["burn_version"], "0.21.0");
        assert_eq!(record["key_metric"]["name"], "accuracy");
        assert!(record["ended"].is_string() && record["started"].is_string());
        assert!(record["command"][0].as_str().unwrap().ends_with("xor"));
        let summary = json(&dir.join("summary.json"));
        assert_eq!(summary["run_id"], record["id"]);
        assert!(dir.join("model.mpk").is_file() && dir.join("config.json").is_file());
    }
    // The first run's configuration was not touched by the second.
    assert_eq!(json(&dirs[0].join("config.json"))["model"]["hidden"][0], 8);
    assert_eq!(json(&dirs[1].join("config.json"))["model"]["hidden"][0], 16);

    // `restore` reads the newest finished run by default.
    let out = ok(run_in(root, XOR, &["restore"]));
    assert!(out.contains(&*dirs[1].to_string_lossy()), "{out}");
}

#[test]
fn bad_flags_write_nothing() {
    let root = tempfile::tempdir().unwrap();
    let out = run_in(
        root.path(),
        XOR,
        &["--steps", "250", "--steps-per-epoch", "100"],
    );
    assert_clean_failure(&out, "must be a multiple");
    assert!(
        !root.path().join("xor").exists(),
        "a failed run left a directory"
    );
    let out = run_in(root.path(), XOR, &["--name", "../escape"]);
    assert_clean_failure(&out, "not a usable run name");
}

#[test]
fn a_run_on_bad_data_never_alters_another_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (good, bad) = (tmp.path().join("good"), tmp.path().join("bad"));
    fs::create_dir_all(&good).unwrap();
    fs::create_dir_all(&bad).unwrap();
    let mut csv = String::from("Index,Height(Inches),Weight(Pounds)\n");
    for i in 0..200 {
        let h = 60.0 + (i % 17) as f64 * 0.7;
        let w = 3.1 * h - 85.0 + ((i * 7919) % 13) as f64 - 6.0;
        csv.push_str(&format!("{},{h:.2},{w:.2}\n", i + 1));
    }
    fs::write(good.join("SOCR-HeightWeight.csv"), &csv).unwrap();
    fs::write(
        bad.join("SOCR-HeightWeight.csv"),
        "Index,Height(Inches),Weight(Pounds)\n1,65.0,x\n",
    )
    .unwrap();
    let run_dir = tmp.path().join("run");
    let dir = run_dir.to_str().unwrap();
    ok(run_in(
        tmp.path(),
        LINREG,
        &[
            "--data-dir",
            good.to_str().unwrap(),
            "--artifact-dir",
            dir,
            "--no-tui",
        ],
    ));
    let before = snapshot(&run_dir);

    let out = run_in(
        tmp.path(),
        LINREG,
        &[
            "--data-dir",
            bad.to_str().unwrap(),
            "--artifact-dir",
            dir,
            "--no-tui",
        ],
    );
    assert_clean_failure(&out, "SOCR-HeightWeight.csv");
    assert_eq!(
        snapshot(&run_dir),
        before,
        "the failed run changed the finished run's files"
    );

    let out = ok(run_in(
        tmp.path(),
        LINREG,
        &["predict", "--artifact-dir", dir, "65"],
    ));
    assert!(out.contains("65"), "{out}");
}

#[test]
fn resume_without_a_directory_continues_the_newest_unfinished_run() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    ok(run_in(root, XOR, &QUICK_XOR));
    let dir = runs(root, "xor").pop().unwrap();
    // Make it look killed during its last epoch: the epoch-3 checkpoint is gone and
    // run.json still says running, with a process id that no longer exists.
    for kind in ["model", "optim", "scheduler"] {
        let _ = fs::remove_file(dir.join(format!("checkpoint/{kind}-3.mpk")));
    }
    mark_killed(&dir);

    let out = ok(run_in(root, XOR, &["--resume", "--no-tui"]));
    assert!(
        out.contains("resuming from the epoch-2 checkpoint"),
        "{out}"
    );
    let record = json(&dir.join("run.json"));
    assert_eq!(record["status"], "finished");
    assert_eq!(record["resumptions"][0]["from_epoch"], 2);
    assert_eq!(
        runs(root, "xor").len(),
        1,
        "resume must not start a new run"
    );

    // Nothing left to resume: a clear error.
    let out = run_in(root, XOR, &["--resume"]);
    assert_clean_failure(&out, "no unfinished xor run");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_and_it_can_be_resumed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let dir_s = dir.to_str().unwrap();
    // `xor ... | head -5`: the reader goes away while the run prints its epochs.
    let args = [
        "--steps",
        "20000",
        "--steps-per-epoch",
        "100",
        "--artifact-dir",
        dir_s,
    ];
    let (status, stderr) = run_with_closed_stdout(XOR, &args, 5);
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "a panic instead of a quiet exit:\n{stderr}"
    );
    let record = json(&dir.join("run.json"));
    assert_eq!(record["status"], "failed", "{record}");
    assert!(
        record["error"].as_str().unwrap().contains("broken pipe"),
        "{record}"
    );

    let out = ok(Command::new(XOR)
        .args(["--resume", "--no-tui", "--artifact-dir", dir_s])
        .stdin(Stdio::null())
        .output()
        .unwrap());
    assert!(out.contains("resuming from the epoch-"), "{out}");
    assert_eq!(json(&dir.join("run.json"))["status"], "finished");
}

#[test]
fn a_checkpoint_cut_short_by_a_crash_is_skipped_on_resume() {
    for kind in ["model", "optim", "scheduler"] {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        ok(run_in(root, XOR, &QUICK_XOR));
        let dir = runs(root, "xor").pop().unwrap();
        // A crash while writing the newest checkpoint leaves it cut short.
        let newest = dir.join(format!("checkpoint/{kind}-3.mpk"));
        let bytes = fs::read(&newest).unwrap();
        fs::write(&newest, &bytes[..bytes.len() / 3]).unwrap();
        mark_killed(&dir);

        let out = ok(run_in(root, XOR, &["--resume", "--no-tui"]));
        assert!(
            out.contains("skipping a damaged checkpoint"),
            "{kind}: {out}"
        );
        assert!(out.contains(&format!("{kind}-3.mpk")), "{kind}: {out}");
        assert!(
            out.contains("resuming from the epoch-2 checkpoint"),
            "{kind}: {out}"
        );
        assert_eq!(json(&dir.join("run.json"))["status"], "finished");
    }
}

#[test]
fn the_same_seed_gives_the_same_metrics_bit_for_bit() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    for _ in 0..2 {
        ok(run_in(root, XOR, &QUICK_XOR));
    }
    let dirs = runs(root, "xor");
    let metrics: Vec<serde_json::Value> = dirs
        .iter()
        .map(|d| {
            let mut m = json(&d.join("summary.json"))["metrics"].clone();
            m.as_object_mut().unwrap().remove("seconds_per_epoch");
            m
        })
        .collect();
    assert_eq!(metrics[0], metrics[1]);
}
