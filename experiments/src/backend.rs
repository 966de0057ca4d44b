//! The one place that picks the backend, by cargo feature.
//!
//! - default (`flex`): `Autodiff<Flex>`, burn's own pure-Rust CPU backend, with the
//!   zoo's fused kernels (`models::fused`);
//! - `--features wgpu`: `Autodiff<Wgpu>` on the default wgpu device (a GPU, or Mesa's
//!   lavapipe software Vulkan device on machines without one);
//! - `--features ndarray`: `Autodiff<NdArray>` on the CPU;
//! - `--features blas`: ndarray with its matrix products through the system OpenBLAS;
//! - `--features cuda`: `Autodiff<Cuda>` on NVIDIA GPUs (burn-cuda; the driver is
//!   loaded at run time, so it builds anywhere).
//!
//! When several are on, cuda wins over wgpu, wgpu over ndarray, and ndarray over flex:
//! no feature needs `--no-default-features`.

use anyhow::Result;
use burn::{backend::Autodiff, tensor::backend::Backend};
use serde::Serialize;

/// The backend that runs inference and validation.
#[cfg(feature = "cuda")]
pub type InferenceBackend = burn::backend::Cuda;
/// The backend that runs inference and validation.
#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
pub type InferenceBackend = burn::backend::Wgpu;
/// The backend that runs inference and validation.
#[cfg(all(feature = "ndarray", not(any(feature = "wgpu", feature = "cuda"))))]
pub type InferenceBackend = burn::backend::NdArray;
/// The backend that runs inference and validation.
#[cfg(all(
    feature = "flex",
    not(any(feature = "wgpu", feature = "ndarray", feature = "cuda"))
))]
pub type InferenceBackend = burn::backend::Flex;

#[cfg(not(any(
    feature = "ndarray",
    feature = "wgpu",
    feature = "flex",
    feature = "cuda"
)))]
compile_error!(
    "enable a backend feature: `flex` (the default), `ndarray`, `blas`, `wgpu` or `cuda`"
);

/// The backend that trains: [`InferenceBackend`] with automatic differentiation.
pub type TrainBackend = Autodiff<InferenceBackend>;

/// The device every experiment runs on.
pub type Device = burn::tensor::Device<InferenceBackend>;

/// Short name of the compiled-in backend, as recorded in artifacts.
pub const BACKEND_NAME: &str = if cfg!(feature = "cuda") {
    "cuda"
} else if cfg!(feature = "wgpu") {
    "wgpu"
} else if cfg!(feature = "blas") {
    "ndarray+openblas"
} else if cfg!(feature = "ndarray") {
    "ndarray"
} else {
    "flex"
};

/// The device experiments run on: the backend's default device. With wgpu, an error
/// when there is no adapter to run on (instead of burn's panic on first use).
pub fn device() -> Result<Device> {
    check_adapter()?;
    Ok(Device::default())
}

#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
fn check_adapter() -> Result<()> {
    Ok(())
}

/// Asks the NVIDIA driver for a device before burn does: burn-cuda 0.21 panics when
/// the driver library is missing ("Unable to dynamically load the cuda shared
/// library") or no device answers. Once per process.
#[cfg(feature = "cuda")]
fn check_adapter() -> Result<()> {
    static CHECK: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    CHECK
        .get_or_init(|| {
            let advice = "This binary was built with --features cuda: it needs an NVIDIA \
                          GPU and its driver; build without --features cuda for the default \
                          CPU backend (or --features wgpu for other GPUs)";
            // SAFETY: only tries to open the driver's shared library (dlopen) by its
            // usual names; nothing of it is called here.
            #[allow(unsafe_code)]
            let present = unsafe { cudarc::driver::sys::is_culib_present() };
            if !present {
                return Err(format!(
                    "no NVIDIA driver: the CUDA driver library (libcuda.so.1) is not \
                     installed or not on the library path. {advice}"
                ));
            }
            cudarc::driver::result::init()
                .and_then(|()| cudarc::driver::result::device::get_count())
                .map_err(|e| format!("the NVIDIA driver does not start ({e:?}). {advice}"))
                .and_then(|count| match count {
                    0 => Err(format!("the NVIDIA driver finds no GPU. {advice}")),
                    _ => Ok(()),
                })
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Asks wgpu for an adapter the way burn's wgpu runtime will (cubecl-wgpu 0.10
/// `request_adapter` panics with "No possible adapter available for backend"; no
/// upstream issue found), once per process.
#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
fn check_adapter() -> Result<()> {
    use burn::backend::wgpu::graphics::{AutoGraphicsApi, GraphicsApi};
    static CHECK: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    CHECK
        .get_or_init(|| {
            let backend = AutoGraphicsApi::backend();
            let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
                backends: backend.into(),
                ..wgpu::InstanceDescriptor::new_without_display_handle()
            });
            let options = wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
            };
            futures_lite::future::block_on(instance.request_adapter(&options))
                .map(|_| ())
                .map_err(|e| {
                    format!(
                        "wgpu finds no {backend:?} adapter to run on ({e}). This binary was built \
                         with --features wgpu: install a GPU driver, or Mesa's software Vulkan \
                         device lavapipe (Debian/Ubuntu: apt-get install mesa-vulkan-drivers), \
                         or build without --features wgpu for the default CPU backend"
                    )
                })
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The `n` devices a data-parallel run trains on (`--devices N`); the first one is the
/// main device, where the model is built, the optimizer runs and validation happens.
///
/// - CPU backends (ndarray, flex, blas): the one CPU device `n` times. burn's
///   multi-device learner runs one worker thread per entry, so these are `n` workers
///   sharing the machine's cores.
/// - wgpu: `DiscreteGpu(0..n)` when the machine has at least `n` discrete GPUs; else
///   the default device and `n - 1` more device instances opened on its adapter (each
///   its own wgpu device, queue and memory pool; on a machine without a GPU, `n`
///   instances of Mesa's lavapipe).
pub fn devices(n: usize) -> Result<Vec<Device>> {
    anyhow::ensure!(n >= 1, "--devices must be at least 1, got {n}");
    if n == 1 {
        return Ok(vec![device()?]);
    }
    extra_devices(n)
}

/// The main device of `devices` (from [`devices`]): the first.
// A device is `Copy` on the CPU backends but not on wgpu.
#[allow(clippy::clone_on_copy)]
pub fn main_device(devices: &[Device]) -> Device {
    devices[0].clone()
}

#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
fn extra_devices(n: usize) -> Result<Vec<Device>> {
    Ok(vec![device()?; n])
}

/// cuda: GPUs `0..n`, when the machine has `n`.
#[cfg(feature = "cuda")]
fn extra_devices(n: usize) -> Result<Vec<Device>> {
    check_adapter()?;
    let count = cudarc::driver::result::device::get_count()
        .map_err(|e| anyhow::anyhow!("the NVIDIA driver cannot count its GPUs ({e:?})"))?;
    anyhow::ensure!(
        n <= count as usize,
        "--devices {n} asks for more GPUs than the NVIDIA driver finds ({count})"
    );
    Ok((0..n).map(|index| Device { index }).collect())
}

#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
fn extra_devices(n: usize) -> Result<Vec<Device>> {
    use burn::backend::wgpu::{
        RuntimeOptions, WgpuDevice, WgpuSetup, graphics::AutoGraphicsApi, init_device, init_setup,
    };
    use futures_lite::future::block_on;

    check_adapter()?;
    let setup =
        init_setup::<AutoGraphicsApi>(&WgpuDevice::DefaultDevice, RuntimeOptions::default());
    let discrete = block_on(setup.instance.enumerate_adapters(setup.backend.into()))
        .iter()
        .filter(|a| a.get_info().device_type == wgpu::DeviceType::DiscreteGpu)
        .count();
    if discrete >= n {
        return Ok((0..n).map(WgpuDevice::DiscreteGpu).collect());
    }
    let adapter = &setup.adapter;
    let mut devices = vec![WgpuDevice::DefaultDevice];
    for i in 1..n {
        // The descriptor cubecl uses for its own devices (cubecl-wgpu's `request_device`),
        // less wgpu's experimental features (shader passthrough), which would need
        // `unsafe` and which burn's WGSL kernels do not use.
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("burn-zoo data-parallel device"),
            required_features: adapter.features().difference(
                wgpu::Features::MAPPABLE_PRIMARY_BUFFERS | wgpu::Features::all_experimental_mask(),
            ),
            required_limits: adapter.limits(),
            memory_hints: wgpu::MemoryHints::MemoryUsage,
            trace: wgpu::Trace::Off,
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
        };
        let (device, queue) = block_on(adapter.request_device(&descriptor)).map_err(|e| {
            anyhow::anyhow!(
                "cannot open wgpu device {} of {n} on adapter '{}': {e}",
                i + 1,
                adapter.get_info().name
            )
        })?;
        let instance = WgpuSetup {
            instance: setup.instance.clone(),
            adapter: adapter.clone(),
            device,
            queue,
            backend: setup.backend,
        };
        devices.push(init_device(instance, RuntimeOptions::default()));
    }
    Ok(devices)
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
    /// Every device the run trains on (`--devices N`), the main one first, described
    /// as `device`.
    pub devices: Vec<String>,
    /// The devices themselves, for the learner's multi-device strategy.
    #[serde(skip)]
    pub handles: Vec<Device>,
}

impl std::fmt::Display for BackendInfo {
    /// `ndarray (Cpu (ndarray))`, or for a data-parallel run
    /// `wgpu on 2 devices: DefaultDevice (...), Existing(0) (...)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.devices.as_slice() {
            [_, _, ..] => write!(
                f,
                "{} on {} devices: {}",
                self.name,
                self.devices.len(),
                self.devices.join(", ")
            ),
            _ => write!(f, "{} ({})", self.name, self.device),
        }
    }
}

/// Describes the compiled-in backend and `device`.
pub fn describe(device: &Device) -> BackendInfo {
    describe_all(std::slice::from_ref(device))
}

/// Describes the compiled-in backend and the `devices` of a data-parallel run (the
/// first is the main device). On wgpu each device also names its adapter and whether it
/// is a GPU or a software renderer (Mesa's lavapipe is `llvmpipe`, a CPU device).
pub fn describe_all(devices: &[Device]) -> BackendInfo {
    let describe = |device: &Device| {
        let name = format!("{device:?} ({})", InferenceBackend::name(device));
        match adapter_summary() {
            Some(adapter) => format!("{name} on {adapter}"),
            None => name,
        }
    };
    let names: Vec<String> = devices.iter().map(describe).collect();
    BackendInfo {
        name: BACKEND_NAME.to_string(),
        device: names.first().cloned().unwrap_or_default(),
        // Two workers' gradients add in either order to the same bits; three or more
        // are summed in the order the workers finish.
        deterministic: !cfg!(any(feature = "wgpu", feature = "cuda")) && devices.len() <= 2,
        threads: threads(),
        devices: names,
        handles: devices.to_vec(),
    }
}

/// The default wgpu adapter as burn picks it (cubecl's high-performance preference on
/// the platform's graphics API): its name and kind, e.g. `llvmpipe (LLVM 15.0.6, 256
/// bits), a CPU: software Vulkan, no GPU`. Asked once per process.
#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
fn adapter_summary() -> Option<String> {
    use burn::backend::wgpu::graphics::{AutoGraphicsApi, GraphicsApi};
    static SUMMARY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SUMMARY
        .get_or_init(|| {
            let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
                backends: AutoGraphicsApi::backend().into(),
                ..wgpu::InstanceDescriptor::new_without_display_handle()
            });
            let options = wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
            };
            let adapter =
                futures_lite::future::block_on(instance.request_adapter(&options)).ok()?;
            let info = adapter.get_info();
            let kind = match info.device_type {
                wgpu::DeviceType::DiscreteGpu => "a discrete GPU",
                wgpu::DeviceType::IntegratedGpu => "an integrated GPU",
                wgpu::DeviceType::VirtualGpu => "a virtual GPU",
                wgpu::DeviceType::Cpu => "a CPU: software rendering, no GPU",
                wgpu::DeviceType::Other => "of unknown kind",
            };
            Some(format!("{} ({:?}), {kind}", info.name, info.backend))
        })
        .clone()
}

/// cuda: the name of GPU 0 as the driver gives it.
#[cfg(feature = "cuda")]
fn adapter_summary() -> Option<String> {
    let device = cudarc::driver::result::device::get(0).ok()?;
    cudarc::driver::result::device::get_name(device).ok()
}

/// The CPU backends have no adapter to describe.
#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
fn adapter_summary() -> Option<String> {
    None
}

/// Keeps the Vulkan stack from printing `error: XDG_RUNTIME_DIR is invalid or not set
/// in the environment` at every wgpu start on a machine without a desktop session:
/// libwayland, which Mesa's Vulkan drivers load to offer Wayland surfaces, prints it
/// when the variable is unset or not an absolute path. The zoo draws no surface, so
/// where it is missing it is set to the temporary directory (no Wayland socket there:
/// the connection fails quietly, as it would anyway). Nothing to do without wgpu.
pub fn quiet_vulkan_loader() {
    #[cfg(all(feature = "wgpu", not(feature = "cuda"), unix))]
    {
        let usable = std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| std::path::Path::new(&dir).is_absolute());
        if !usable {
            // SAFETY: called first thing in `main` (`crate::main`), before the process
            // starts any other thread, so nothing reads the environment concurrently.
            #[allow(unsafe_code)]
            unsafe {
                std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
            }
        }
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
