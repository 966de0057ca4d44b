//! The `zoo` binary end to end on quick runs the test makes itself: a sweep that skips
//! its finished runs when called again, `compare`, `report` (every image decodes),
//! `export --tensorboard` (the events read back), `runs` for every registered
//! experiment, and `smoke`.

use std::path::Path;

use experiments::{
    registry::EXPERIMENTS,
    tensorboard::{decode_event, read_records},
};

use crate::common::{assert_clean_failure, json, ok, run_in, text};

const ZOO: &str = env!("CARGO_BIN_EXE_zoo");
const XOR: &str = env!("CARGO_BIN_EXE_xor");

/// The quick XOR flags (two 100-step epochs).
const QUICK: [&str; 4] = ["--steps", "200", "--steps-per-epoch", "100"];

/// Every `.png` under `dir`, recursively.
fn pngs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "png") {
                found.push(path);
            }
        }
    }
    found
}

/// Asserts `path` is a PNG that decodes to a picture of some size.
fn assert_decodes(path: &Path) {
    let image = image::open(path).unwrap_or_else(|e| panic!("'{}': {e}", path.display()));
    assert!(
        image.width() > 50 && image.height() > 50,
        "{}",
        path.display()
    );
}

#[test]
fn sweep_compare_report_and_export_work_on_real_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("artifacts");
    let zoo = |args: &[&str]| ok(run_in(&root, ZOO, args));

    // A sweep of 2 points x 2 seeds, then the same sweep again: all four skipped.
    let sweep: Vec<&str> = ["sweep", "xor", "--grid", "hidden=2,8", "--seeds", "2", "--"]
        .into_iter()
        .chain(QUICK)
        .collect();
    let first = zoo(&sweep);
    assert!(first.contains("sweep of 4 xor runs"), "{first}");
    let again = zoo(&sweep);
    assert_eq!(again.matches("skip (finished").count(), 4, "{again}");
    // The sweep's directory: its grid and seeds, and a hash of the extra flags.
    let sweep_dir = std::fs::read_dir(root.join("xor/sweeps"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap();
    let name = sweep_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("hidden-2+8_seeds1-2_x"), "{name}");
    let summary = json(&sweep_dir.join("sweep.json"));
    let points = summary["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert!(points.iter().all(|p| p["n"] == 2), "{summary}");
    assert_decodes(&sweep_dir.join("sweep.png"));

    // Two plain runs, then compare them.
    for seed in ["1", "2"] {
        let args: Vec<&str> = ["--no-tui", "--seed", seed]
            .into_iter()
            .chain(QUICK)
            .collect();
        ok(run_in(&root, XOR, &args));
    }
    let out = tmp.path().join("out");
    let compared = zoo(&[
        "compare",
        "--last",
        "2",
        "xor",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        compared.contains("settings that differ") && compared.contains("seed"),
        "{compared}"
    );
    assert_decodes(&out.join("compare.png"));

    // The report: both pages, and every image it wrote decodes.
    let report = tmp.path().join("report");
    zoo(&["report", "--out", report.to_str().unwrap()]);
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("Leaderboard") && html.contains("data:image/png;base64,"));
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(
        md.contains("## xor") && md.contains(&format!("Sweep {}", name.replace('_', "\\_"))),
        "{md}"
    );
    let images = pngs(&report.join("images"));
    assert!(images.len() >= 2, "{images:?}");
    images.iter().for_each(|p| assert_decodes(p));

    // TensorBoard export of the newest plain run: training steps and per-epoch values.
    let tb = tmp.path().join("tb");
    zoo(&[
        "export",
        "--tensorboard",
        "xor/latest",
        "--out",
        tb.to_str().unwrap(),
    ]);
    let run_dir = std::fs::read_dir(&tb)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let events = std::fs::read_dir(&run_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let tags: Vec<String> = read_records(&events)
        .unwrap()
        .iter()
        .map(|r| decode_event(r).unwrap())
        .filter_map(|e| e.values.first().map(|v| v.0.clone()))
        .collect();
    for tag in ["train/loss", "epoch/train_loss"] {
        assert!(tags.iter().any(|t| t == tag), "{tag} not in {tags:?}");
    }
    assert_eq!(tags.iter().filter(|t| *t == "train/loss").count(), 200);
}

#[test]
fn runs_knows_every_registered_experiment() {
    let tmp = tempfile::tempdir().unwrap();
    for experiment in EXPERIMENTS {
        let out = ok(run_in(tmp.path(), ZOO, &["runs", experiment.name]));
        assert!(
            out.contains(&format!("no {} runs", experiment.name)),
            "{out}"
        );
    }
    let out = run_in(tmp.path(), ZOO, &["runs", "resnet"]);
    assert_clean_failure(&out, "no experiment named 'resnet'");
    assert!(text(&out).contains("reverse"), "{}", text(&out));
}

#[test]
fn smoke_runs_the_quick_mode_of_the_experiments_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(run_in(
        tmp.path(),
        ZOO,
        &["smoke", "--only", "xor,reverse,lcd"],
    ));
    assert!(out.contains("4 passed, 0 failed"), "{out}");
    let out = run_in(tmp.path(), ZOO, &["smoke", "--only", "nope"]);
    assert_clean_failure(&out, "no experiment named 'nope'");
}
