//! End-to-end test of the `lcd` binary: the whole default grid, checked against the
//! issue's must-hold figures, and its input checks.

use crate::common::{assert_clean_failure, json, run, text};

const LCD: &str = env!("CARGO_BIN_EXE_lcd");

fn accuracy(table: &[serde_json::Value], model: &str, size: u64, n: u64) -> (f64, f64) {
    let row = table
        .iter()
        .find(|r| r["model"] == model && r["image_size"] == size && r["train_size"] == n)
        .unwrap_or_else(|| panic!("no row {model} {size} {n}"));
    (
        row["train_accuracy"].as_f64().unwrap(),
        row["test_accuracy"].as_f64().unwrap(),
    )
}

#[test]
fn a_linear_model_learns_positions_and_an_mlp_learns_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run(LCD, &["--artifact-dir", dir.to_str().unwrap()]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let summary = json(&dir.join("summary.json"));
    let table = summary["metrics"]["table"].as_array().unwrap().clone();
    assert_eq!(table.len(), 12, "2 models x 2 sizes x 3 training sets");

    for n in [100, 500, 5000] {
        assert_eq!(accuracy(&table, "linear", 5, n), (1.0, 1.0), "5x5, n={n}");
    }
    let (train, test) = accuracy(&table, "linear", 10, 100);
    assert!(train >= 0.95, "jittered, 100 examples: train {train}");
    assert!(
        test <= train - 0.40,
        "jittered, 100 examples: test {test} vs train {train}"
    );
    let (_, mlp_test) = accuracy(&table, "mlp", 10, 5000);
    assert!(
        mlp_test >= 0.95,
        "MLP, jittered, 5,000 examples: test {mlp_test}"
    );

    for file in [
        "weights_10px_100.png",
        "confusion_linear_10px_5000.png",
        "confusion_mlp_10px_5000.png",
        "model-linear-10x10-n100.safetensors",
        "model-mlp-10x10-n5000.safetensors",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert!(all.contains("seed (linear"), "{all}");
}

#[test]
fn images_smaller_than_a_digit_are_rejected() {
    let out = run(LCD, &["--sizes", "4,10"]);
    assert_clean_failure(&out, "image size 4 is too small");
    let out = run(LCD, &["--train-sizes", "0"]);
    assert_clean_failure(&out, "got 0");
}
