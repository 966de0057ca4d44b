//! The one list of the zoo's experiments: name (also the binary's name), what it
//! trains, the metric its runs are ranked by, whether it trains with burn's learner,
//! and its quick mode on small generated data.
//!
//! `zoo smoke`, `zoo sweep`, `zoo runs`, the report and every "no experiment named …"
//! error read this list; a new experiment is added here (CONTRIBUTING.md).

use anyhow::{Result, bail};

/// An experiment of the zoo.
#[derive(Debug, Clone, Copy)]
pub struct Experiment {
    /// Its name: the binary, the directory under the artifacts root, `run.json`'s
    /// `experiment`.
    pub name: &'static str,
    /// What it trains, in a few words.
    pub model: &'static str,
    /// The metric a plain training run is ranked by (`summary.json`'s `key_metric`).
    pub key_metric: &'static str,
    /// True when it trains with burn's learner: a checkpoint every epoch, `--devices N`.
    pub learner: bool,
    /// Its quick runs on small generated data (`zoo smoke`).
    pub quick: &'static [QuickRun],
    /// Writes a finished run's `model.safetensors` from its `model.mpk` (`zoo export
    /// --safetensors`, for runs made before runs wrote it themselves); `None` where
    /// the runs' files cannot rebuild it.
    pub export_weights: Option<ExportWeights>,
}

/// Writes a run directory's `model.safetensors`; returns its path.
pub type ExportWeights = fn(&crate::artifacts::ArtifactDir) -> anyhow::Result<std::path::PathBuf>;

/// One quick run of an experiment: a label and its flags. In the flags, `{mnist}` and
/// `{socr}` stand for the directories of the generated MNIST and SOCR fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuickRun {
    /// How the run is shown (`svm (mnist)`).
    pub label: &'static str,
    /// Its flags, before `--no-tui --artifact-dir DIR`.
    pub args: &'static [&'static str],
}

impl QuickRun {
    /// The flags with `{mnist}` and `{socr}` replaced by the fixtures' directories.
    pub fn args_with(&self, mnist: &str, socr: &str) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.replace("{mnist}", mnist).replace("{socr}", socr))
            .collect()
    }
}

/// Every experiment, in the order the README's table lists them.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "xor",
        model: "XOR/XNOR MLP",
        key_metric: "accuracy",
        learner: true,
        quick: &[
            QuickRun {
                label: "xor",
                args: &["--steps", "200", "--steps-per-epoch", "100"],
            },
            QuickRun {
                label: "xor --seeds",
                args: &["--preset", "seed", "--steps", "200", "--seeds", "2"],
            },
        ],
        export_weights: Some(crate::xor::export_weights),
    },
    Experiment {
        name: "reverse",
        model: "one dense layer reversing bits",
        key_metric: "unseen_bit_accuracy",
        learner: true,
        quick: &[QuickRun {
            label: "reverse",
            args: &["--epochs", "200", "--passes-per-epoch", "100"],
        }],
        export_weights: Some(crate::reverse::export_weights),
    },
    Experiment {
        name: "mnist",
        model: "MNIST / Fashion-MNIST MLP",
        key_metric: "test_accuracy",
        learner: true,
        quick: &[QuickRun {
            label: "mnist",
            args: &[
                "--data-dir",
                "{mnist}",
                "--epochs",
                "1",
                "--valid-size",
                "100",
                "--hidden",
                "32",
            ],
        }],
        export_weights: Some(crate::mnist::export_weights),
    },
    Experiment {
        name: "linreg",
        model: "linear regression",
        key_metric: "r2",
        learner: true,
        quick: &[
            QuickRun {
                label: "linreg (socr)",
                args: &["--data-dir", "{socr}", "--epochs", "2"],
            },
            QuickRun {
                label: "linreg (synthetic)",
                args: &[
                    "--dataset",
                    "synthetic",
                    "--inputs",
                    "3",
                    "--outputs",
                    "2",
                    "--epochs",
                    "2",
                ],
            },
        ],
        export_weights: Some(crate::linreg::export_weights),
    },
    Experiment {
        name: "lcd",
        model: "LCD digits: linear model vs MLP",
        key_metric: "mean_test_accuracy",
        learner: false,
        quick: &[QuickRun {
            label: "lcd",
            args: &[
                "--sizes",
                "5",
                "--train-sizes",
                "100",
                "--test-size",
                "100",
                "--steps",
                "50",
            ],
        }],
        export_weights: None,
    },
    Experiment {
        name: "svm",
        model: "linear SVM on hinge loss",
        key_metric: "test_accuracy",
        learner: true,
        quick: &[
            QuickRun {
                label: "svm (seed data)",
                args: &["--epochs", "1", "--steps-per-epoch", "50"],
            },
            QuickRun {
                label: "svm (mnist)",
                args: &[
                    "--dataset",
                    "mnist",
                    "--data-dir",
                    "{mnist}",
                    "--epochs",
                    "1",
                    "--valid-size",
                    "100",
                ],
            },
        ],
        export_weights: Some(crate::svm::export_weights),
    },
    Experiment {
        name: "kmeans",
        model: "k-means",
        key_metric: "inertia",
        learner: false,
        quick: &[
            QuickRun {
                label: "kmeans (socr)",
                args: &["--data-dir", "{socr}", "--n-init", "2"],
            },
            QuickRun {
                label: "kmeans (mnist)",
                args: &[
                    "--dataset",
                    "mnist",
                    "--data-dir",
                    "{mnist}",
                    "--max-iter",
                    "10",
                ],
            },
        ],
        export_weights: None,
    },
];

/// The experiments' names, comma-separated, for messages and `--help`.
pub fn names() -> String {
    EXPERIMENTS
        .iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The experiment called `name`; the error lists the known ones.
pub fn find(name: &str) -> Result<&'static Experiment> {
    match EXPERIMENTS.iter().find(|e| e.name == name) {
        Some(experiment) => Ok(experiment),
        None => bail!("no experiment named '{name}' (known: {})", names()),
    }
}

/// Parses an experiment name (clap value parser); the error lists the known ones.
pub fn parse(name: &str) -> Result<&'static Experiment, String> {
    find(name).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_unknown_names_list_the_known() {
        let mut names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EXPERIMENTS.len());
        assert_eq!(find("mnist").unwrap().key_metric, "test_accuracy");
        let err = find("resnet").unwrap_err().to_string();
        assert!(err.contains("'resnet'") && err.contains("reverse"), "{err}");
        assert!(EXPERIMENTS.iter().all(|e| !e.quick.is_empty()));
    }

    #[test]
    fn quick_runs_fill_in_the_fixture_directories() {
        let mnist = find("mnist").unwrap().quick[0].args_with("/m", "/s");
        assert_eq!(mnist[..2], ["--data-dir".to_string(), "/m".to_string()]);
    }
}
