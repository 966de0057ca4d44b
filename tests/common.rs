//! Helpers for the workspace-level integration tests: run the experiment binaries
//! headless and read what they write.

#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

/// Runs `bin` with `args`, stdout and stderr captured, stdin closed.
pub fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"))
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

/// The directory named by `$var`, else `../shared/data/<subdir>` beside the checkout;
/// fails (does not skip) unless `present` finds the data there.
fn shared_data_dir(var: &str, subdir: &str, what: &str, present: impl Fn(&Path) -> bool) -> String {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/data")
            .join(subdir)
    });
    assert!(
        present(&dir),
        "{what} not found in '{}': set {var}",
        dir.display()
    );
    dir.to_str().expect("a UTF-8 path").to_string()
}

/// The real MNIST files: `$MNIST_DIR`, else `../shared/data/mnist` beside the checkout.
/// Fails (does not skip) when they are missing.
pub fn mnist_data_dir() -> String {
    shared_data_dir("MNIST_DIR", "mnist", "MNIST files", |dir| {
        dir.join("train-images-idx3-ubyte.gz").is_file()
            || dir.join("train-images-idx3-ubyte").is_file()
    })
}

/// The directory of the real SOCR table: `$SOCR_DIR`, else `../shared/data/socr`
/// beside the checkout. Fails (does not skip) when it is missing.
pub fn socr_data_dir() -> String {
    shared_data_dir("SOCR_DIR", "socr", "SOCR-HeightWeight.csv", |dir| {
        dir.join("SOCR-HeightWeight.csv").is_file()
    })
}

/// Runs `bin` with `args` headless and kills it (SIGKILL, no warning) `grace` after
/// `file` appears; fails if the run ends first or `file` takes longer than `limit`.
pub fn kill_after(bin: &str, args: &[&str], file: &Path, grace: Duration, limit: Duration) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let started = Instant::now();
    while !file.is_file() {
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
