//! End-to-end tests of the `kmeans` binary on the real SOCR table (from `$SOCR_DIR`,
//! else `../shared/data/socr` beside the checkout), an MNIST subset, and bad input.

mod common;

use common::{assert_clean_failure, json, mnist_data_dir, numbers, run, socr_data_dir, text};

const KMEANS: &str = env!("CARGO_BIN_EXE_kmeans");

/// scikit-learn's inertia on the first 200 SOCR rows, unstandardised, k = 4,
/// `KMeans(n_init=10, tol=1e-4, random_state=0)`, as printed by the check-in script
/// `python3 experiments/benches/kmeans_sklearn.py --socr .../SOCR-HeightWeight.csv`
/// (scikit-learn 1.9.1): `socr.first_200.inertia`.
const SKLEARN_INERTIA_200: f64 = 3462.4270595659045;

#[test]
fn socr_200_rows_match_scikit_learn_and_name_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let data = socr_data_dir();
    let out = run(
        KMEANS,
        &[
            "--data-dir",
            &data,
            "--limit",
            "200",
            "--no-tui",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("iteration 1: inertia"),
        "per-iteration progress:\n{all}"
    );

    let summary = json(&dir.join("summary.json"));
    assert_eq!(summary["experiment"], "kmeans");
    let m = &summary["metrics"];
    for key in [
        "inertia",
        "n_iter",
        "centroids",
        "counts",
        "seconds_per_iteration",
    ] {
        assert!(!m[key].is_null(), "metrics.{key} missing in {m}");
    }
    let inertia = m["inertia"].as_f64().unwrap();
    let gap = (inertia - SKLEARN_INERTIA_200).abs() / SKLEARN_INERTIA_200;
    assert!(
        gap < 0.005,
        "inertia {inertia} vs scikit-learn {SKLEARN_INERTIA_200}: {:.3}% apart",
        100.0 * gap
    );
    assert_eq!(m["names"], serde_json::json!(["S", "M", "L", "XL"]));
    let counts = numbers(m, "/counts");
    assert_eq!(counts.iter().sum::<f64>(), 200.0);
    let weights: Vec<f64> = m["centroids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[1].as_f64().unwrap())
        .collect();
    assert!(
        weights.windows(2).all(|w| w[0] < w[1]),
        "S..XL by weight: {weights:?}"
    );
    // Centres in original units: heights in inches, weights in pounds.
    for c in m["centroids"].as_array().unwrap() {
        let (h, w) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(
            (60.0..76.0).contains(&h) && (90.0..170.0).contains(&w),
            "{c}"
        );
    }
    for file in [
        "clusters.png",
        "model.mpk",
        "model.json",
        "config.json",
        "iterations.csv",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
}

#[test]
fn standardized_fit_reports_original_units() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run(
        KMEANS,
        &[
            "--data-dir",
            &socr_data_dir(),
            "--limit",
            "500",
            "--standardize",
            "--n-init",
            "2",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let m = &json(&dir.join("summary.json"))["metrics"];
    assert_eq!(m["standardized"], true);
    // The model's own inertia is in standard units (about 2 per point at most), the
    // reported one in inches² + pounds².
    assert!(m["model_inertia"].as_f64().unwrap() < 1000.0, "{m}");
    assert!(m["inertia"].as_f64().unwrap() > 1000.0, "{m}");
}

#[test]
fn mnist_subset_reports_purity_and_centroid_images() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run(
        KMEANS,
        &[
            "--dataset",
            "mnist",
            "--data-dir",
            &mnist_data_dir(),
            "--limit",
            "2000",
            "--max-iter",
            "30",
            "--chunk-rows",
            "700",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let m = &json(&dir.join("summary.json"))["metrics"];
    let purity = m["purity"].as_f64().unwrap();
    // Chance is about 0.11; k-means on raw pixels typically reaches 0.5-0.6.
    assert!(purity > 0.4, "purity {purity}");
    assert_eq!(numbers(m, "/counts").iter().sum::<f64>(), 2000.0);
    assert_eq!(m["centroids"].as_array().unwrap().len(), 10);
    assert_eq!(m["centroids"][0].as_array().unwrap().len(), 784);
    assert!(dir.join("centroids.png").is_file());
}

#[test]
fn bad_settings_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = socr_data_dir();
    let dir = tmp.path().to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--k", "0"], "k must be at least 1, got 0"),
        (
            &["--k", "300", "--limit", "200"],
            "k = 300 clusters but only 200 points",
        ),
        (
            &["--tolerance=-1"],
            "tolerance must be a finite number >= 0, got -1",
        ),
        (
            &["--data-dir", "/nonexistent-kmeans"],
            "/nonexistent-kmeans",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["--artifact-dir", dir];
        if !extra.contains(&"--data-dir") {
            args.extend(["--data-dir", &data]);
        }
        args.extend_from_slice(extra);
        assert_clean_failure(&run(KMEANS, &args), needle);
    }
}
