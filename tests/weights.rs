//! Weights that travel: `model.safetensors` out of a run (names, shapes, metadata),
//! read back by `mnist eval --weights` and `--init-from`; PyTorch's weights in (the
//! committed fixtures of `tests/fixtures/weights`, made by `interop/make_fixtures.py`
//! with PyTorch: their logits must be PyTorch's); and one clear error for each kind of
//! bad file.

use std::path::{Path, PathBuf};

use burn::{
    backend::Flex,
    tensor::{Tensor, TensorData},
};
use experiments::weights::WeightsFile;
use models::{MlpClassifier, MlpClassifierConfig};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::common::{assert_clean_failure, json, mnist_fixture, run, text};

const MNIST: &str = env!("CARGO_BIN_EXE_mnist");
const XOR: &str = env!("CARGO_BIN_EXE_xor");
const ZOO: &str = env!("CARGO_BIN_EXE_zoo");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/weights")
        .join(name)
}

/// The fixture's inputs: `x[i][j] = ((i * 31 + j * 17) % 256) / 255 - 0.5`.
fn formula_inputs(rows: usize) -> Vec<f32> {
    (0..rows)
        .flat_map(|i| (0..784).map(move |j| ((i * 31 + j * 17) % 256) as f32 / 255.0 - 0.5))
        .collect()
}

#[test]
fn pytorch_weights_give_pytorchs_logits_from_both_formats() {
    let expected = json(&fixture("mlp_784_16_10.json"));
    let rows = expected["rows"].as_u64().unwrap() as usize;
    let want: Vec<f32> = expected["logits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
        })
        .collect();
    for name in ["mlp_784_16_10.pt", "mlp_784_16_10.safetensors"] {
        let file = WeightsFile::open(&fixture(name)).unwrap();
        assert_eq!(file.widths().unwrap(), [784, 16, 10], "{name}");
        let device = Default::default();
        let model: MlpClassifier<Flex> = MlpClassifierConfig::new()
            .with_hidden(vec![16])
            .init(&device)
            .unwrap();
        let model = file.load_into(model).unwrap();
        let x = Tensor::<Flex, 2>::from_data(
            TensorData::new(formula_inputs(rows), [rows, 784]),
            &device,
        );
        let got: Vec<f32> = model.forward(x).into_data().to_vec().unwrap();
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-5,
            "{name}: logits differ from PyTorch's by {worst}"
        );
    }
}

#[test]
fn a_run_writes_safetensors_that_eval_and_init_from_read() {
    let data = mnist_fixture();
    let data_s = data.path().to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let base = [
        "--data-dir",
        data_s,
        "--valid-size",
        "100",
        "--batch-size",
        "32",
        "--epochs",
        "1",
        "--no-tui",
    ];
    let common = [&base[..], &["--hidden", "32"]].concat();
    let mut args = common.clone();
    args.extend(["--artifact-dir", dir.to_str().unwrap()]);
    let out = run(MNIST, &args);
    assert!(out.status.success(), "{}", text(&out));

    // PyTorch's names and shapes, float32, and the metadata a user needs.
    let weights = dir.join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Vec<(String, Vec<usize>)> = file
        .tensors()
        .into_iter()
        .map(|(n, v)| {
            assert_eq!(v.dtype(), Dtype::F32, "{n}");
            (n, v.shape().to_vec())
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("0.bias".to_string(), vec![32]),
            ("0.weight".to_string(), vec![32, 784]),
            ("2.bias".to_string(), vec![10]),
            ("2.weight".to_string(), vec![10, 32]),
        ]
    );
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!(meta["zoo.experiment"], "mnist");
    assert_eq!(
        meta["zoo.torch"],
        "torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))"
    );
    let pre: serde_json::Value = serde_json::from_str(&meta["zoo.preprocessing"]).unwrap();
    assert_eq!(pre["mean"].as_f64().unwrap() as f32, 0.1307);
    assert_eq!(pre["std"].as_f64().unwrap() as f32, 0.3081);
    let classes: Vec<String> = serde_json::from_str(&meta["zoo.classes"]).unwrap();
    assert_eq!(classes.len(), 10);
    assert_eq!(meta["zoo.burn_version"], "0.21.0");

    // Read back by `mnist eval`: the run's own test accuracy and loss.
    let summary = json(&dir.join("summary.json"));
    let report = tmp.path().join("eval.json");
    let logits = tmp.path().join("logits.safetensors");
    let out = run(
        MNIST,
        &[
            "eval",
            "--weights",
            weights.to_str().unwrap(),
            "--data-dir",
            data_s,
            "--output",
            report.to_str().unwrap(),
            "--logits",
            logits.to_str().unwrap(),
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("test accuracy"), "{all}");
    let eval = json(&report);
    assert_eq!(eval["accuracy"], summary["metrics"]["test_accuracy"]);
    let (a, b) = (
        eval["loss"].as_f64().unwrap(),
        summary["metrics"]["test_loss"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-6, "eval loss {a}, run's {b}");
    assert_eq!(eval["layers"], "784-32-10");
    assert_eq!(eval["format"], "safetensors");
    assert_eq!(eval["sha256"].as_str().unwrap().len(), 64);
    let dump = std::fs::read(&logits).unwrap();
    let dump = SafeTensors::deserialize(&dump).unwrap();
    assert_eq!(
        dump.tensor("logits").unwrap().shape(),
        [crate::common::MNIST_FIXTURE_TEST, 10]
    );

    // `--init-from` starts from the weights: with a vanishing learning rate the new
    // run's test accuracy is the first run's.
    let second = tmp.path().join("second");
    let mut args = common.clone();
    args.extend([
        "--init-from",
        weights.to_str().unwrap(),
        "--lr",
        "1e-12",
        "--artifact-dir",
        second.to_str().unwrap(),
    ]);
    let out = run(MNIST, &args);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("starting from the weights in"), "{all}");
    let again = json(&second.join("summary.json"));
    assert_eq!(
        again["metrics"]["test_accuracy"],
        summary["metrics"]["test_accuracy"]
    );
    let config = json(&second.join("config.json"));
    assert_eq!(config["init_from"]["sha256"], eval["sha256"]);

    // The wrong widths are named, with the flag that fixes them.
    let mut args = base.to_vec();
    let third = tmp.path().join("third");
    args.extend([
        "--init-from",
        weights.to_str().unwrap(),
        "--artifact-dir",
        third.to_str().unwrap(),
    ]);
    let out = run(MNIST, &args);
    assert_clean_failure(
        &out,
        "the file's layers are 784-32-10 but the network is 784-512-10 (pass --hidden 32)",
    );
    assert!(
        !third.exists(),
        "a run directory for a run that never started"
    );

    // `zoo export --safetensors` rebuilds the file from model.mpk for older runs.
    let tensors_before: Vec<u8> =
        bytes[bytes.len() - (32 * 784 + 32 + 10 * 32 + 10) * 4..].to_vec();
    std::fs::remove_file(&weights).unwrap();
    let out = run(ZOO, &["export", "--safetensors", dir.to_str().unwrap()]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("wrote"), "{all}");
    let rebuilt = std::fs::read(&weights).unwrap();
    assert_eq!(
        &rebuilt[rebuilt.len() - tensors_before.len()..],
        &tensors_before[..],
        "the exported tensors differ from the run's own"
    );
}

#[test]
fn pytorch_files_evaluate_on_mnist_through_the_cli() {
    let data = mnist_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for name in ["mlp_784_16_10.pt", "mlp_784_16_10.safetensors"] {
        let report = tmp.path().join(format!("{name}.json"));
        let out = run(
            MNIST,
            &[
                "eval",
                "--weights",
                fixture(name).to_str().unwrap(),
                "--data-dir",
                data.path().to_str().unwrap(),
                "--output",
                report.to_str().unwrap(),
            ],
        );
        let all = text(&out);
        assert!(out.status.success(), "{all}");
        assert!(all.contains("784-16-10 network"), "{all}");
        reports.push(json(&report));
    }
    assert_eq!(reports[0]["format"], "pytorch");
    assert_eq!(reports[1]["format"], "safetensors");
    // The same weights in two formats: the same predictions, the same loss.
    assert_eq!(
        reports[0]["confusion_matrix"],
        reports[1]["confusion_matrix"]
    );
    assert_eq!(reports[0]["loss"], reports[1]["loss"]);
}

#[test]
fn a_pytorch_xnor_net_passes_the_truth_table() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("eval.json");
    let report_s = report.to_str().unwrap();
    // The .safetensors names its activation in the metadata; the .pt has none.
    let st = fixture("xnor_2_2_1.safetensors");
    let pt = fixture("xnor_2_2_1.pt");
    let out = run(
        XOR,
        &[
            "eval",
            "--weights",
            st.to_str().unwrap(),
            "--output",
            report_s,
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("accuracy 100%"), "{all}");
    let eval = json(&report);
    assert_eq!(eval["accuracy"], 1.0);
    assert_eq!(eval["activation"], "sigmoid");
    let out = run(
        XOR,
        &[
            "eval",
            "--weights",
            pt.to_str().unwrap(),
            "--output",
            report_s,
        ],
    );
    assert_clean_failure(&out, "pass --activation");
    let out = run(
        XOR,
        &[
            "eval",
            "--weights",
            pt.to_str().unwrap(),
            "--activation",
            "sigmoid",
            "--gate",
            "xor",
            "--output",
            report_s,
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_eq!(
        json(&report)["accuracy"],
        0.0,
        "an XNOR net is always wrong on XOR"
    );
}

/// Writes a safetensors file of `tensors` (name, shape, dtype, bytes per value).
fn write_safetensors(path: &Path, tensors: &[(&str, &[usize], Dtype)]) {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, shape, dtype)| vec![0u8; shape.iter().product::<usize>() * dtype.bitsize() / 8])
        .collect();
    let views: Vec<(&str, TensorView)> = tensors
        .iter()
        .zip(&data)
        .map(|((name, shape, dtype), bytes)| {
            (
                *name,
                TensorView::new(*dtype, shape.to_vec(), bytes).unwrap(),
            )
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

#[test]
fn bad_weight_files_end_in_one_clear_error() {
    let data = mnist_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let f32 = Dtype::F32;
    let file = |name: &str| tmp.path().join(name);
    write_safetensors(
        &file("f64.safetensors"),
        &[
            ("0.weight", &[10, 784], Dtype::F64),
            ("0.bias", &[10], Dtype::F64),
        ],
    );
    write_safetensors(
        &file("no_bias.safetensors"),
        &[
            ("0.weight", &[16, 784], f32),
            ("0.bias", &[16], f32),
            ("2.weight", &[10, 16], f32),
        ],
    );
    write_safetensors(
        &file("extra.safetensors"),
        &[
            ("0.weight", &[10, 784], f32),
            ("0.bias", &[10], f32),
            ("bn.running_mean", &[10], f32),
        ],
    );
    write_safetensors(
        &file("chain.safetensors"),
        &[
            ("0.weight", &[16, 784], f32),
            ("0.bias", &[16], f32),
            ("2.weight", &[10, 8], f32),
            ("2.bias", &[10], f32),
        ],
    );
    write_safetensors(
        &file("bias_shape.safetensors"),
        &[("0.weight", &[10, 784], f32), ("0.bias", &[12], f32)],
    );
    write_safetensors(
        &file("narrow.safetensors"),
        &[("0.weight", &[10, 100], f32), ("0.bias", &[10], f32)],
    );
    let good = std::fs::read(fixture("mlp_784_16_10.safetensors")).unwrap();
    std::fs::write(file("truncated.safetensors"), &good[..good.len() / 2]).unwrap();
    std::fs::write(file("garbage.pt"), b"not a zip archive at all").unwrap();
    let good_pt = std::fs::read(fixture("mlp_784_16_10.pt")).unwrap();
    std::fs::write(file("truncated.pt"), &good_pt[..good_pt.len() / 2]).unwrap();
    std::fs::write(file("weights.onnx"), b"").unwrap();
    let cases: [(&str, &str); 11] = [
        (
            "f64.safetensors",
            "tensor '0.bias' [10] is F64; the zoo's models are float32",
        ),
        (
            "no_bias.safetensors",
            "missing tensor '2.bias' (expected shape [10])",
        ),
        (
            "extra.safetensors",
            "unexpected tensor 'bn.running_mean' [10]",
        ),
        (
            "chain.safetensors",
            "tensor '2.weight' is [10, 8] but the layer before it ('0') has 16 outputs",
        ),
        (
            "bias_shape.safetensors",
            "tensor '0.bias' is [12], expected [10]",
        ),
        (
            "narrow.safetensors",
            "the network is 100-10 but an MNIST classifier takes 784 inputs",
        ),
        ("truncated.safetensors", "is not a valid safetensors file"),
        ("garbage.pt", "is not a PyTorch state dict"),
        ("truncated.pt", "is not a PyTorch state dict"),
        ("weights.onnx", "unknown weights format"),
        ("missing.safetensors", "cannot read weights file"),
    ];
    for (name, needle) in cases {
        let path = file(name);
        let out = run(
            MNIST,
            &[
                "eval",
                "--weights",
                path.to_str().unwrap(),
                "--data-dir",
                data.path().to_str().unwrap(),
                "--output",
                file("eval.json").to_str().unwrap(),
            ],
        );
        assert_clean_failure(&out, needle);
        assert!(
            text(&out).contains(path.to_str().unwrap()),
            "{name}: the path is not named"
        );
    }
    assert!(!file("eval.json").exists());
}
