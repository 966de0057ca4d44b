//! Optimizer settings as they are saved in `config.json`: burn's own configs, nested.

use burn::optim::{AdamConfig, SgdConfig, momentum::MomentumConfig};
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// Adam's epsilon in the zoo: PyTorch's default (burn's is 1e-5, Keras' 1e-7).
pub const ADAM_EPSILON: f32 = 1e-8;

/// Which optimizer, as named on the command line and in `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[value(rename_all = "kebab-case")]
pub enum OptimizerKind {
    /// Adam (β1 0.9, β2 0.999, ε 1e-8).
    Adam,
    /// Stochastic gradient descent, with momentum where configured.
    Sgd,
}

/// An optimizer's full settings: burn's [`AdamConfig`] or [`SgdConfig`], tagged by
/// `kind` in JSON (`{"kind": "adam", "beta_1": 0.9, ...}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OptimizerConfig {
    /// Adam.
    Adam(AdamConfig),
    /// SGD.
    Sgd(SgdConfig),
}

impl OptimizerConfig {
    /// Adam with the zoo's epsilon ([`ADAM_EPSILON`]) and burn's other defaults.
    pub fn adam() -> Self {
        Self::Adam(AdamConfig::new().with_epsilon(ADAM_EPSILON))
    }

    /// SGD with `momentum` (none when 0).
    pub fn sgd(momentum: f64) -> Self {
        let momentum = (momentum > 0.0).then(|| MomentumConfig::new().with_momentum(momentum));
        Self::Sgd(SgdConfig::new().with_momentum(momentum))
    }

    /// The settings `kind` stands for (`momentum` applies to SGD).
    pub fn of(kind: OptimizerKind, momentum: f64) -> Self {
        match kind {
            OptimizerKind::Adam => Self::adam(),
            OptimizerKind::Sgd => Self::sgd(momentum),
        }
    }

    /// Short description, e.g. `Adam` or `SGD (momentum 0.9)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Adam(_) => "Adam".to_string(),
            Self::Sgd(c) => {
                let json = serde_json::to_value(c).unwrap_or_default();
                match json["momentum"]["momentum"].as_f64() {
                    Some(m) => format!("SGD (momentum {m})"),
                    None => "SGD".to_string(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimizer_settings_round_trip_through_json() {
        let adam = serde_json::to_value(OptimizerConfig::adam()).unwrap();
        assert_eq!(adam["kind"], "adam");
        assert_eq!(adam["beta_1"], 0.9f32 as f64);
        assert!((adam["epsilon"].as_f64().unwrap() - 1e-8).abs() < 1e-12);
        let back: OptimizerConfig = serde_json::from_value(adam.clone()).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), adam);

        let sgd = serde_json::to_value(OptimizerConfig::sgd(0.9)).unwrap();
        assert_eq!(sgd["kind"], "sgd");
        let back: OptimizerConfig = serde_json::from_value(sgd).unwrap();
        assert_eq!(back.describe(), "SGD (momentum 0.9)");
    }
}
