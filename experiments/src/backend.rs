//! The one place that picks the backend, by cargo feature.
//!
//! - default (`ndarray`): `Autodiff<NdArray>` on the CPU;
//! - `--features wgpu`: `Autodiff<Wgpu>` on the default wgpu device (a GPU, or Mesa's
//!   lavapipe software Vulkan device on machines without one);
//! - `--features flex`: `Autodiff<Flex>`, burn's own pure-Rust CPU backend;
//! - `--features blas`: ndarray with its matrix products through the system OpenBLAS.
//!
//! When several are on, wgpu wins over flex, and flex over ndarray: `--features wgpu`
//! needs no `--no-default-features`.

use burn::{backend::Autodiff, tensor::backend::Backend};
use serde::Serialize;

/// The backend that runs inference and validation.
#[cfg(feature = "wgpu")]
pub type InferenceBackend = burn::backend::Wgpu;
/// The backend that runs inference and validation.
#[cfg(all(feature = "flex", not(feature = "wgpu")))]
pub type InferenceBackend = burn::backend::Flex;
/// The backend that runs inference and validation.
#[cfg(all(feature = "ndarray", not(any(feature = "wgpu", feature = "flex"))))]
pub type InferenceBackend = burn::backend::NdArray;

#[cfg(not(any(feature = "ndarray", feature = "wgpu", feature = "flex")))]
compile_error!("enable a backend feature: `ndarray` (the default), `flex` or `wgpu`");

/// The backend that trains: [`InferenceBackend`] with automatic differentiation.
pub type TrainBackend = Autodiff<InferenceBackend>;

/// The device every experiment runs on.
pub type Device = burn::tensor::Device<InferenceBackend>;

/// Short name of the compiled-in backend, as recorded in artifacts.
pub const BACKEND_NAME: &str = if cfg!(feature = "wgpu") {
    "wgpu"
} else if cfg!(feature = "flex") {
    "flex"
} else if cfg!(feature = "blas") {
    "ndarray+openblas"
} else {
    "ndarray"
};

/// The device experiments run on: the backend's default device.
pub fn device() -> Device {
    Device::default()
}

/// The burn version the zoo is built with (pinned in the workspace).
pub const BURN_VERSION: &str = "0.21.0";

/// Backend and device, as printed at start-up and written to `run.json` and `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BackendInfo {
    /// `ndarray`, `flex`, `ndarray+openblas` or `wgpu`.
    pub name: String,
    /// The device and burn's name for the backend on it, e.g. `Cpu (ndarray)`.
    pub device: String,
    /// Whether the same configuration, seed and thread count give bit-identical
    /// results: true for the CPU backends, false for wgpu (GPU reductions and atomics
    /// do not promise an order).
    pub deterministic: bool,
    /// Worker threads available to the backend (`RAYON_NUM_THREADS`, else the cores).
    pub threads: usize,
}

/// Describes the compiled-in backend and `device`.
pub fn describe(device: &Device) -> BackendInfo {
    BackendInfo {
        name: BACKEND_NAME.to_string(),
        device: format!("{device:?} ({})", InferenceBackend::name(device)),
        deterministic: !cfg!(feature = "wgpu"),
        threads: threads(),
    }
}

/// Worker threads: `RAYON_NUM_THREADS` when set to a positive number, else the
/// available parallelism.
pub fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
