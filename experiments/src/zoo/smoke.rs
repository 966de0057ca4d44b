//! `zoo smoke`: every experiment in a quick mode, on small generated data, with a
//! pass/fail table.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::Args;

/// Arguments of `zoo smoke`.
#[derive(Debug, Args)]
pub struct SmokeArgs {
    /// Keep the runs' directories here instead of a temporary directory that is removed
    /// at the end.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Only these experiments (comma-separated), e.g. --only xor,mnist.
    #[arg(long, value_name = "NAME[,NAME...]", value_delimiter = ',')]
    pub only: Vec<String>,
}

/// One quick run: the experiment's binary and its arguments.
struct Case {
    label: &'static str,
    binary: &'static str,
    args: Vec<String>,
}

/// The quick mode of every experiment; `mnist` and `socr` are the generated data sets.
fn cases(mnist: &Path, socr: &Path) -> Vec<Case> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let mnist = mnist.display().to_string();
    let socr = socr.display().to_string();
    vec![
        Case {
            label: "xor",
            binary: "xor",
            args: s(&["--steps", "200", "--steps-per-epoch", "100"]),
        },
        Case {
            label: "xor --seeds",
            binary: "xor",
            args: s(&["--preset", "seed", "--steps", "200", "--seeds", "2"]),
        },
        Case {
            label: "mnist",
            binary: "mnist",
            args: s(&[
                "--data-dir",
                &mnist,
                "--epochs",
                "1",
                "--valid-size",
                "100",
                "--hidden",
                "32",
            ]),
        },
        Case {
            label: "linreg (socr)",
            binary: "linreg",
            args: s(&["--data-dir", &socr, "--epochs", "2"]),
        },
        Case {
            label: "linreg (synthetic)",
            binary: "linreg",
            args: s(&[
                "--dataset",
                "synthetic",
                "--inputs",
                "3",
                "--outputs",
                "2",
                "--epochs",
                "2",
            ]),
        },
        Case {
            label: "lcd",
            binary: "lcd",
            args: s(&[
                "--sizes",
                "5",
                "--train-sizes",
                "100",
                "--test-size",
                "100",
                "--steps",
                "50",
            ]),
        },
        Case {
            label: "reverse",
            binary: "reverse",
            args: s(&["--epochs", "200", "--passes-per-epoch", "100"]),
        },
        Case {
            label: "svm (seed data)",
            binary: "svm",
            args: s(&["--epochs", "1", "--steps-per-epoch", "50"]),
        },
        Case {
            label: "svm (mnist)",
            binary: "svm",
            args: s(&[
                "--dataset",
                "mnist",
                "--data-dir",
                &mnist,
                "--epochs",
                "1",
                "--valid-size",
                "100",
            ]),
        },
        Case {
            label: "kmeans (socr)",
            binary: "kmeans",
            args: s(&["--data-dir", &socr, "--n-init", "2"]),
        },
        Case {
            label: "kmeans (mnist)",
            binary: "kmeans",
            args: s(&[
                "--dataset",
                "mnist",
                "--data-dir",
                &mnist,
                "--max-iter",
                "10",
            ]),
        },
    ]
}

/// The directory holding this binary's sibling experiment binaries.
pub fn binaries_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the zoo binary")?;
    exe.parent()
        .map(Path::to_path_buf)
        .with_context(|| format!("'{}' has no parent directory", exe.display()))
}

/// Runs `zoo smoke`.
pub fn smoke(args: &SmokeArgs) -> Result<()> {
    let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let root = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create '{}'", dir.display()))?;
            dir.clone()
        }
        None => tmp.path().to_path_buf(),
    };
    let mnist = root.join("data-mnist");
    let socr = root.join("data-socr");
    datasets::fixtures::write_mnist(&mnist, 1_000, 300, 7, true)
        .with_context(|| format!("cannot write the MNIST fixture in '{}'", mnist.display()))?;
    std::fs::create_dir_all(&socr)
        .with_context(|| format!("cannot create '{}'", socr.display()))?;
    datasets::fixtures::write_socr(&socr.join(datasets::socr::FILE_NAME), 500, 7)
        .with_context(|| format!("cannot write the SOCR fixture in '{}'", socr.display()))?;
    let bins = binaries_dir()?;
    let mut cases = cases(&mnist, &socr);
    if !args.only.is_empty() {
        if let Some(unknown) = args
            .only
            .iter()
            .find(|o| !cases.iter().any(|c| c.binary == o.as_str()))
        {
            bail!(
                "--only: no experiment named '{unknown}' (known: xor, mnist, linreg, lcd, svm, kmeans)"
            );
        }
        cases.retain(|c| args.only.iter().any(|o| o == c.binary));
    }
    println!(
        "smoke: {} quick runs on generated data in '{}'",
        cases.len(),
        root.display()
    );
    let mut results = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let dir = root.join(format!("{i:02}-{}", case.binary));
        let log = root.join(format!("{i:02}-{}.log", case.binary));
        let started = Instant::now();
        let outcome = run_case(&bins, case, &dir, &log);
        let seconds = started.elapsed().as_secs_f64();
        let line = match &outcome {
            Ok(()) => "pass".to_string(),
            Err(err) => format!("FAIL: {err:#}"),
        };
        println!(
            "[{}/{}] {:<20} {:>6.1} s  {line}",
            i + 1,
            cases.len(),
            case.label,
            seconds
        );
        results.push((case.label, seconds, outcome.is_ok()));
    }
    let failed: Vec<&str> = results.iter().filter(|r| !r.2).map(|r| r.0).collect();
    println!("\n{:<20} {:>8}  result", "experiment", "seconds");
    for (label, seconds, ok) in &results {
        println!(
            "{label:<20} {seconds:>8.1}  {}",
            if *ok { "pass" } else { "FAIL" }
        );
    }
    println!(
        "{} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        if args.keep.is_none() {
            // Keep the logs of a failed smoke run for reading.
            let kept = tmp.keep();
            println!("logs kept in '{}'", kept.display());
        }
        bail!("smoke failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Runs one case into `dir`, its output into `log`; passes when it exits 0 and wrote a
/// finished `run.json` and a `summary.json`.
fn run_case(bins: &Path, case: &Case, dir: &Path, log: &Path) -> Result<()> {
    let binary = bins.join(case.binary);
    if !binary.is_file() {
        bail!(
            "'{}' is not built (cargo build -p experiments --bins)",
            binary.display()
        );
    }
    let out =
        std::fs::File::create(log).with_context(|| format!("cannot write '{}'", log.display()))?;
    let err = out.try_clone()?;
    let status = Command::new(&binary)
        .args(&case.args)
        .args(["--no-tui", "--artifact-dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .with_context(|| format!("cannot start '{}'", binary.display()))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        bail!("exit {status}: {last} (log: {})", log.display());
    }
    let record = crate::run::RunRecord::load(dir)?;
    if record.status != crate::run::Status::Finished {
        bail!("run.json says {}", record.status);
    }
    if !dir.join(crate::artifacts::SUMMARY_FILE).is_file() {
        bail!("no summary.json in '{}'", dir.display());
    }
    Ok(())
}
