//! End-to-end tests of the `linreg` binary: the fitted line against the exact
//! least-squares line (computed here, independently, from the CSV) on a synthetic
//! SOCR table (`common::socr_fixture`) and, ignored by default (run it with
//! `scripts/full-data-tests.sh`), on the real 25,000 rows; the synthetic problem's
//! known weights, `linreg predict`, and broken inputs.

use std::path::Path;

use crate::common::{assert_clean_failure, json, run, socr_data_dir, socr_fixture, text};

const LINREG: &str = env!("CARGO_BIN_EXE_linreg");

/// Heights and weights of the first `limit` rows of `csv`, parsed independently of the
/// crate.
fn csv_rows(csv: &Path, limit: usize) -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(csv).unwrap();
    text.lines()
        .skip(1)
        .take(limit)
        .map(|line| {
            let cells: Vec<f64> = line.split(',').map(|c| c.trim().parse().unwrap()).collect();
            (cells[1], cells[2])
        })
        .unzip()
}

/// Slope and intercept of y on x by the 2×2 normal equations
/// `[n Σx; Σx Σx²] [b; w] = [Σy; Σxy]`, solved by Cramer's rule.
fn normal_equations(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (sx, sy) = (x.iter().sum::<f64>(), y.iter().sum::<f64>());
    let sxx: f64 = x.iter().map(|v| v * v).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    let det = n * sxx - sx * sx;
    let slope = (n * sxy - sx * sy) / det;
    let intercept = (sxx * sy - sx * sxy) / det;
    (slope, intercept)
}

/// Fits the table in `data` into `dir` with `extra` flags; returns the summary.
fn fit(data: &Path, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "--data-dir",
        data.to_str().unwrap(),
        "--artifact-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(LINREG, &args);
    assert!(out.status.success(), "{}", text(&out));
    json(&dir.join("summary.json"))
}

fn assert_within(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: {got} vs exact {want} (more than {}% apart)",
        rel * 100.0
    );
}

/// Fits weight on height on all rows of the table in `data` and on its first 200, and
/// height on weight on all rows, without a hold-out; each line must be the exact
/// least-squares line of those rows (to 0.5%), with an R² of this data's size.
fn assert_exact_lines(data: &Path, rows: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let csv = data.join("SOCR-HeightWeight.csv");
    for (limit, reverse) in [(rows, false), (200, false), (rows, true)] {
        let (heights, weights) = csv_rows(&csv, limit);
        assert_eq!(heights.len(), limit);
        let (slope, intercept) = if reverse {
            normal_equations(&weights, &heights)
        } else {
            normal_equations(&heights, &weights)
        };
        let limit_s = limit.to_string();
        let predict = if reverse { "height" } else { "weight" };
        let s = fit(
            data,
            &tmp.path().join(format!("{predict}-{limit}")),
            &["--holdout", "0", "--limit", &limit_s, "--predict", predict],
        );
        let m = &s["metrics"];
        assert_eq!(m["n_rows"].as_u64(), Some(limit as u64));
        let what = format!("{predict} on {limit} rows");
        assert_within(
            m["slope"].as_f64().unwrap(),
            slope,
            0.005,
            &format!("{what}: slope"),
        );
        assert_within(
            m["intercept"].as_f64().unwrap(),
            intercept,
            0.005,
            &format!("{what}: intercept"),
        );
        // R² of a line fitted on the same rows: r², positive and well below 1 for this
        // data (about 0.25 for both the real table and the fixture).
        let r2 = m["r2"].as_f64().unwrap();
        assert!(r2 > 0.1 && r2 < 0.5, "{what}: R² {r2}");
    }
}

#[test]
fn the_lines_match_the_exact_least_squares_lines_on_a_synthetic_table() {
    let (data, _) = socr_fixture(2_000);
    assert_exact_lines(data.path(), 2_000);
}

/// The real data's figures: the exact lines on all 25,000 rows and the first 200.
#[test]
#[ignore = "needs the real data: set MNIST_DIR / SOCR_DIR or place ../shared/data (scripts/full-data-tests.sh)"]
fn the_lines_match_the_exact_least_squares_lines_on_the_real_table() {
    assert_exact_lines(Path::new(&socr_data_dir()), 25_000);
}

#[test]
fn held_out_run_writes_the_summary_plots_and_a_model_that_predicts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let (data, _) = socr_fixture(5_000);
    let s = fit(data.path(), &dir, &[]);
    assert_eq!(s["experiment"], "linreg");
    let m = &s["metrics"];
    for key in ["slope", "intercept", "r2", "mse", "n_rows"] {
        assert!(m[key].is_number(), "metrics.{key} missing: {m}");
    }
    assert_eq!(m["n_rows"].as_u64(), Some(5_000));
    assert_eq!(m["n_test"].as_u64(), Some(1_000));
    assert_eq!(m["evaluated_on"], "held-out");
    // Weight varies by 10 lb around the fixture's line (by about 12 lb around the
    // real table's): MSE about 100 lb².
    let mse = m["mse"].as_f64().unwrap();
    assert!(mse > 80.0 && mse < 120.0, "mse {mse}");
    for file in [
        "fit.png",
        "training_curves.png",
        "model.mpk",
        "model.safetensors",
        "scaler.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert_eq!(m["history"].as_array().unwrap().len(), 10);

    let out = run(
        LINREG,
        &["predict", "--artifact-dir", dir.to_str().unwrap(), "70"],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let predicted: f64 = all
        .split("weight (lb) [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no prediction in: {all}"));
    let expected = m["slope"].as_f64().unwrap() * 70.0 + m["intercept"].as_f64().unwrap();
    assert!(
        (predicted - expected).abs() < 1e-2,
        "{predicted} vs {expected}"
    );
}

#[test]
fn the_synthetic_problem_recovers_its_known_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("syn");
    let out = run(
        LINREG,
        &[
            "--dataset",
            "synthetic",
            "--rows",
            "5000",
            "--inputs",
            "3",
            "--outputs",
            "2",
            "--noise",
            "0.1",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let m = json(&dir.join("summary.json"))["metrics"].clone();
    // Standard error of each weight: 0.1 / sqrt(4,000 rows × var 1/3) ≈ 0.003.
    let err = m["max_error_vs_truth"].as_f64().unwrap();
    assert!(err < 0.015, "largest weight error {err}: {m}");
    assert_eq!(m["weights"].as_array().unwrap().len(), 6);
    assert!(m["slope"].is_null(), "several inputs: no single slope");
}

#[test]
fn broken_csv_files_fail_with_one_clear_message_each() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "missing",
            "Index,Height(Inches)\n1,65.0\n",
            "no 'Weight(Pounds)' column",
        ),
        (
            "text",
            "Index,Height(Inches),Weight(Pounds)\n1,65.0,110\n2,66.0,heavy\n",
            "line 3: Weight(Pounds) is 'heavy', not a number",
        ),
        ("empty", "", "is empty"),
        (
            "nan",
            "Index,Height(Inches),Weight(Pounds)\n1,NaN,110\n",
            "line 2: Height(Inches) is NaN",
        ),
    ];
    for (name, content, needle) in cases {
        let data = tmp.path().join(name);
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("SOCR-HeightWeight.csv"), content).unwrap();
        let out = run(
            LINREG,
            &[
                "--data-dir",
                data.to_str().unwrap(),
                "--artifact-dir",
                tmp.path().join("out").to_str().unwrap(),
            ],
        );
        assert_clean_failure(&out, needle);
        assert_clean_failure(&out, data.to_str().unwrap());
    }
    let out = run(
        LINREG,
        &[
            "--data-dir",
            tmp.path().join("nowhere").to_str().unwrap(),
            "--artifact-dir",
            tmp.path().join("out").to_str().unwrap(),
        ],
    );
    assert_clean_failure(&out, "nowhere' does not exist");
    // An existing directory without the table says what is missing.
    let out = run(
        LINREG,
        &[
            "--data-dir",
            tmp.path().to_str().unwrap(),
            "--artifact-dir",
            tmp.path().join("out").to_str().unwrap(),
        ],
    );
    assert_clean_failure(&out, "has no SOCR-HeightWeight.csv");
    let (data, _) = socr_fixture(200);
    let data = data.path().to_str().unwrap();
    let diverging = ["--data-dir", data, "--no-standardize", "--epochs", "1"];
    let out = run(
        LINREG,
        &[
            &diverging[..],
            &["--artifact-dir", tmp.path().join("div").to_str().unwrap()],
        ]
        .concat(),
    );
    assert_clean_failure(&out, "training diverged");
    let out = run(LINREG, &["--l2", "-1"]);
    assert_clean_failure(&out, "must be a finite number >= 0, got -1");
    let out = run(
        LINREG,
        &[
            "predict",
            "--artifact-dir",
            tmp.path().to_str().unwrap(),
            "70",
        ],
    );
    assert_clean_failure(&out, "no trained model");
}
