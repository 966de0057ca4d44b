//! A model trained and saved on the default CPU backend (Flex, through the zoo's fused
//! dense layers and fused Adam), loaded into wgpu (the generic path), gives the same
//! outputs. Built only with `--features wgpu` (then the experiments' backend is wgpu).

#![cfg(feature = "wgpu")]

use burn::backend::{Autodiff, Flex};
use datasets::gates::LogicGate;
use experiments::{
    artifacts::{ArtifactDir, CONFIG_FILE},
    backend,
    xor::{self, Preset, XorConfig},
};

#[test]
fn a_model_trained_on_the_fused_cpu_path_loads_into_wgpu_with_the_same_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = ArtifactDir::create(tmp.path().join("xor")).unwrap();
    let config = XorConfig::from_preset(Preset::Zoo, LogicGate::Xnor, 42);

    let cpu = Default::default();
    let trained = xor::train_one::<Autodiff<Flex>>(&config, 42, &cpu).unwrap();
    let on_cpu = xor::evaluate(&trained, LogicGate::Xnor, &cpu);
    assert_eq!(on_cpu.accuracy, 1.0);
    dir.write_json(CONFIG_FILE, &config).unwrap();
    dir.save_model(trained).unwrap();

    assert_eq!(backend::BACKEND_NAME, "wgpu");
    let device = backend::device().unwrap();
    let (_, restored) = xor::load_model(&dir, &device).unwrap();
    let on_gpu = xor::evaluate(&restored, LogicGate::Xnor, &device);
    for (a, b) in on_cpu.outputs.iter().zip(&on_gpu.outputs) {
        assert!(
            (a - b).abs() < 1e-4,
            "flex {:?} vs wgpu {:?}",
            on_cpu.outputs,
            on_gpu.outputs
        );
    }
}

#[test]
fn without_an_adapter_wgpu_is_one_clear_error_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let root_s = root.path().to_str().unwrap();
    // The Vulkan loader finds no driver: wgpu has no adapter.
    let out = crate::common::run_env(
        env!("CARGO_BIN_EXE_xor"),
        &["--no-tui", "--steps", "200", "--steps-per-epoch", "100"],
        &[
            ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
            ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
            ("ZOO_ARTIFACTS", root_s),
        ],
    );
    crate::common::assert_clean_failure(&out, "wgpu finds no");
    let all = crate::common::text(&out);
    assert!(all.contains("mesa-vulkan-drivers"), "{all}");
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        0,
        "something was written to the artifacts root"
    );
}
