//! Helpers for the workspace-level integration tests: run the experiment binaries
//! headless and read what they write, build synthetic data fixtures in temporary
//! directories, and find the real data sets for the full-data tests.

#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

/// Environment variables through which a binary could find data that the test did not
/// hand it (`--data-dir` is the only way in).
const DATA_VARS: [&str; 3] = ["MNIST_DIR", "FASHION_MNIST_DIR", "SOCR_DIR"];

/// A command for `bin` sealed off from the machine, in `sandbox` (a fresh directory that
/// the caller keeps until the command has ended): the working directory, the artifacts
/// root (`$ZOO_ARTIFACTS`) and the user cache (`$XDG_CACHE_HOME`) all lie in it, the
/// data variables are unset and the download mirrors point at a closed local port. So
/// a run that is given no `--artifact-dir` writes nothing into the source tree (cargo
/// runs the tests in `experiments/`), and a run finds only the data its `--data-dir`
/// names: no `../shared`, no cache, no network.
fn sealed(bin: &str, args: &[&str], sandbox: &Path) -> Command {
    let (cache, artifacts) = (sandbox.join("cache"), sandbox.join("artifacts"));
    let mut command = Command::new(bin);
    command
        .args(args)
        .current_dir(sandbox)
        .env("ZOO_ARTIFACTS", &artifacts)
        .env("XDG_CACHE_HOME", &cache)
        .env("MNIST_MIRROR", "http://127.0.0.1:9/")
        .env("FASHION_MNIST_MIRROR", "http://127.0.0.1:9/")
        .env("SOCR_URL", "http://127.0.0.1:9/SOCR-HeightWeight.csv")
        .stdin(Stdio::null());
    for var in DATA_VARS {
        command.env_remove(var);
    }
    command
}

/// Runs `bin` with `args` sealed off from the machine (see [`sealed`]: it sees only the
/// paths in `args`, and whatever it writes elsewhere is deleted), stdout and stderr
/// captured, stdin closed.
pub fn run(bin: &str, args: &[&str]) -> Output {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    sealed(bin, args, sandbox.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"))
}

/// [`run`] with the extra environment variables `env`.
pub fn run_env(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    sealed(bin, args, sandbox.path())
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"))
}

/// Runs `bin` with `args` sealed off (as [`run`]), with the artifacts root at `root`,
/// and sends it `signals` (`pause` apart: two of the same kind sent at once merge into
/// one) once `ready()` holds; returns
/// its exit status and everything it printed. Fails if it ends before, or `ready`
/// takes longer than `limit`.
pub fn signal_when(
    bin: &str,
    args: &[&str],
    root: &Path,
    ready: impl Fn() -> bool,
    signals: &[nix::sys::signal::Signal],
    pause: Duration,
    limit: Duration,
) -> (std::process::ExitStatus, String) {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let child = sealed(bin, args, sandbox.path())
        .env("ZOO_ARTIFACTS", root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let started = Instant::now();
    let mut child = child;
    while !ready() {
        assert!(started.elapsed() < limit, "not ready after {limit:?}");
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("ended ({status}) before the signal:\n{}", text(&out));
        }
        sleep(Duration::from_millis(10));
    }
    for (i, &signal) in signals.iter().enumerate() {
        if i > 0 {
            sleep(pause);
        }
        nix::sys::signal::kill(pid, signal).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status, text(&out))
}

/// Whether all three files of epoch `epoch`'s checkpoint are in the run directory `dir`.
pub fn has_checkpoint(dir: &Path, epoch: usize) -> bool {
    ["model", "optim", "scheduler"].iter().all(|kind| {
        dir.join("checkpoint")
            .join(format!("{kind}-{epoch}.mpk"))
            .is_file()
    })
}

/// Runs `bin` with `args` in the current directory with the artifacts root at `root`
/// (`$ZOO_ARTIFACTS`), stdin closed, output captured.
pub fn run_in(root: &Path, bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("ZOO_ARTIFACTS", root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"))
}

/// The output of a command that must have succeeded (else the test fails, showing it).
pub fn ok(out: Output) -> String {
    let all = text(&out);
    assert!(out.status.success(), "run failed:\n{all}");
    all
}

/// stdout and stderr of `out` as one string.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Reads a JSON file the run wrote.
pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The array at `pointer` in `value`, as numbers.
pub fn numbers(value: &serde_json::Value, pointer: &str) -> Vec<f64> {
    value
        .pointer(pointer)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("no array at {pointer} in {value}"))
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// The epochs listed in a summary's `metrics.history`, in order.
pub fn history_epochs(summary: &serde_json::Value) -> Vec<u64> {
    history_rows(summary)
        .iter()
        .map(|row| row["epoch"].as_u64().expect("an epoch number"))
        .collect()
}

/// The per-epoch values of `key` (e.g. `train_learning_rate`) in a summary's
/// `metrics.history`.
pub fn history_values(summary: &serde_json::Value, key: &str) -> Vec<f64> {
    history_rows(summary)
        .iter()
        .map(|row| {
            row[key]
                .as_f64()
                .unwrap_or_else(|| panic!("no {key} in {row}"))
        })
        .collect()
}

fn history_rows(summary: &serde_json::Value) -> &Vec<serde_json::Value> {
    summary["metrics"]["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no metrics.history in {summary}"))
}

/// Asserts the run failed cleanly: non-zero exit, the `needle` in its message, no panic.
pub fn assert_clean_failure(out: &Output, needle: &str) {
    let all = text(out);
    assert!(
        !out.status.success(),
        "expected failure, got success:\n{all}"
    );
    assert!(all.contains(needle), "message lacks '{needle}':\n{all}");
    assert!(
        !all.contains("panicked"),
        "panic instead of an error:\n{all}"
    );
    assert!(!all.contains("RUST_BACKTRACE"), "backtrace hint in:\n{all}");
}

/// Seed of the synthetic fixtures: fixed, so a failing test fails the same way again.
pub const FIXTURE_SEED: u64 = 7;
/// Training images in [`mnist_fixture`].
pub const MNIST_FIXTURE_TRAIN: usize = 600;
/// Test images in [`mnist_fixture`].
pub const MNIST_FIXTURE_TEST: usize = 200;

/// A temporary directory holding a synthetic MNIST data set in the real file format
/// (the four gzip IDX files, [`MNIST_FIXTURE_TRAIN`] training and
/// [`MNIST_FIXTURE_TEST`] test images of learnable seven-segment digits; see
/// `datasets::fixtures::write_mnist`). Pass its path as `--data-dir`; the directory
/// is deleted when the returned value is dropped.
pub fn mnist_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    datasets::fixtures::write_mnist(
        dir.path(),
        MNIST_FIXTURE_TRAIN,
        MNIST_FIXTURE_TEST,
        FIXTURE_SEED,
        true,
    )
    .unwrap_or_else(|e| panic!("cannot write the MNIST fixture: {e}"));
    dir
}

/// A temporary directory holding a synthetic `SOCR-HeightWeight.csv` of `rows` rows
/// (see `datasets::fixtures::write_socr`), and the path of that file. Pass the
/// directory as `--data-dir`; it is deleted when the `TempDir` is dropped.
pub fn socr_fixture(rows: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(datasets::socr::FILE_NAME);
    datasets::fixtures::write_socr(&path, rows, FIXTURE_SEED)
        .unwrap_or_else(|e| panic!("cannot write the SOCR fixture: {e}"));
    (dir, path)
}

/// Where a full-data test looks for a real data set: `$var` if set, else
/// `../shared/data/<subdir>` beside the checkout. `Err` says what is missing and
/// exactly how to supply it.
fn find_shared_data(
    var: &str,
    subdir: &str,
    what: &str,
    present: impl Fn(&Path) -> bool,
) -> Result<String, String> {
    // The package is `<checkout>/experiments`: the data lie in `<checkout>/../shared`.
    let beside_checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("the checkout has a parent directory");
    let default = beside_checkout.join("shared/data").join(subdir);
    let from_env = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let dir = from_env.clone().unwrap_or_else(|| default.clone());
    if present(&dir) {
        return Ok(dir.to_str().expect("a UTF-8 path").to_string());
    }
    let looked = match &from_env {
        Some(d) => format!("${var} is '{}', which lacks them", d.display()),
        None => format!("${var} is not set and '{}' lacks them", default.display()),
    };
    Err(format!(
        "this full-data test needs {what}: {looked}. Supply them: set {var}=DIR for a \
         directory holding them, or place them in ../shared/data/{subdir} beside the \
         checkout ('{}'); scripts/full-data-tests.sh then runs every full-data test",
        default.display()
    ))
}

/// The real MNIST files, for full-data tests: `$MNIST_DIR`, else `../shared/data/mnist`
/// beside the checkout, or an `Err` that says how to supply them.
pub fn try_mnist_data_dir() -> Result<String, String> {
    find_shared_data(
        "MNIST_DIR",
        "mnist",
        "the real MNIST files (train-images-idx3-ubyte, train-labels-idx1-ubyte, \
         t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each raw or .gz)",
        |dir| {
            datasets::mnist::source::missing_files(dir, datasets::mnist::MnistKind::Mnist)
                .is_empty()
        },
    )
}

/// The real MNIST files, as [`try_mnist_data_dir`]; panics (the test fails, it is not
/// skipped) with that message when they are missing.
pub fn mnist_data_dir() -> String {
    try_mnist_data_dir().unwrap_or_else(|e| panic!("{e}"))
}

/// The directory of the real SOCR table, for full-data tests: `$SOCR_DIR`, else
/// `../shared/data/socr` beside the checkout, or an `Err` that says how to supply it.
pub fn try_socr_data_dir() -> Result<String, String> {
    find_shared_data(
        "SOCR_DIR",
        "socr",
        "the real 25,000-row SOCR table (SOCR-HeightWeight.csv)",
        |dir| dir.join(datasets::socr::FILE_NAME).is_file(),
    )
}

/// The directory of the real SOCR table, as [`try_socr_data_dir`]; panics (the test
/// fails, it is not skipped) with that message when it is missing.
pub fn socr_data_dir() -> String {
    try_socr_data_dir().unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `bin` with `args` headless and kills it (SIGKILL, no warning) `grace` after
/// all three files of epoch `epoch`'s checkpoint in the run directory `dir` are there
/// (burn writes them from three threads, in no fixed order); fails if the run ends
/// first or the files take longer than `limit`. Sealed off from the machine as [`run`]
/// is.
pub fn kill_after_checkpoint(
    bin: &str,
    args: &[&str],
    dir: &Path,
    epoch: usize,
    grace: Duration,
    limit: Duration,
) {
    let files: Vec<PathBuf> = ["model", "optim", "scheduler"]
        .iter()
        .map(|kind| dir.join("checkpoint").join(format!("{kind}-{epoch}.mpk")))
        .collect();
    kill_once(bin, args, &files, grace, limit);
}

/// Runs `bin` sealed off (as [`run`]), reads `lines` lines of its standard output and
/// then closes it, as `bin ... | head -n lines` does; returns the exit status and
/// everything it wrote on stderr.
pub fn run_with_closed_stdout(
    bin: &str,
    args: &[&str],
    lines: usize,
) -> (std::process::ExitStatus, String) {
    use std::io::{BufRead, BufReader, Read};
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let mut child = sealed(bin, args, sandbox.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    for _ in 0..lines {
        line.clear();
        stdout.read_line(&mut line).expect("a line of output");
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    (child.wait().expect("the run ends"), stderr)
}

fn kill_once(bin: &str, args: &[&str], files: &[PathBuf], grace: Duration, limit: Duration) {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let mut child = sealed(bin, args, sandbox.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let started = Instant::now();
    while let Some(file) = files.iter().find(|f| !f.is_file()) {
        assert!(
            started.elapsed() < limit,
            "no {} after {limit:?}",
            file.display()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "run ended before it could be killed"
        );
        sleep(Duration::from_millis(10));
    }
    sleep(grace);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The checkpoint epoch in a run's "resuming from the epoch-N checkpoint" line.
pub fn resumed_from(output: &str) -> usize {
    output
        .lines()
        .find_map(|l| l.strip_prefix("resuming from the epoch-"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no resume line in:\n{output}"))
}
