//! Optimizer settings as they are saved in `config.json`: burn's own configs, nested,
//! and the learning-rate schedule.

use anyhow::{Result, anyhow};
use burn::optim::{
    lr_scheduler::cosine::{CosineAnnealingLrScheduler, CosineAnnealingLrSchedulerConfig},
    momentum::MomentumConfig,
};
use clap::ValueEnum;
use models::fused::optim::{FusedAdamConfig, FusedSgdConfig};
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

/// An optimizer's full settings: the zoo's [`FusedAdamConfig`] (burn's fields and JSON, with
/// the fused update of `models::fused`) or the zoo's [`FusedSgdConfig`] (likewise), tagged by
/// `kind` in JSON (`{"kind": "adam", "beta_1": 0.9, ...}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OptimizerConfig {
    /// Adam.
    Adam(FusedAdamConfig),
    /// SGD.
    Sgd(FusedSgdConfig),
}

impl OptimizerConfig {
    /// Adam with the zoo's epsilon ([`ADAM_EPSILON`]) and burn's other defaults.
    pub fn adam() -> Self {
        Self::Adam(FusedAdamConfig::new().with_epsilon(ADAM_EPSILON))
    }

    /// SGD with `momentum` (none when 0).
    pub fn sgd(momentum: f64) -> Self {
        let momentum = (momentum > 0.0).then(|| MomentumConfig::new().with_momentum(momentum));
        Self::Sgd(FusedSgdConfig::new().with_momentum(momentum))
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

/// How the learning rate moves over a run, as named on the command line and in
/// `config.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[value(rename_all = "kebab-case")]
pub enum LrSchedule {
    /// The same rate every step (what a `config.json` without a schedule means).
    #[default]
    Constant,
    /// Cosine annealing from the rate down to 0 over all the run's steps (burn's
    /// `CosineAnnealingLrScheduler`).
    Cosine,
}

impl LrSchedule {
    /// burn's cosine scheduler from `lr` to 0 over `steps` optimizer steps.
    pub fn cosine(lr: f64, steps: usize) -> Result<CosineAnnealingLrScheduler> {
        CosineAnnealingLrSchedulerConfig::new(lr, steps.max(1))
            .init()
            .map_err(|e| anyhow!("learning-rate schedule (lr {lr}, {steps} steps): {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_schedule_starts_at_the_rate_and_ends_at_zero() {
        use burn::optim::lr_scheduler::LrScheduler;
        let mut cosine = LrSchedule::cosine(1e-3, 10).unwrap();
        let rates: Vec<f64> = (0..11).map(|_| cosine.step()).collect();
        assert!((rates[0] - 1e-3).abs() < 1e-12, "{rates:?}");
        assert!((rates[5] - 5e-4).abs() < 1e-12, "{rates:?}");
        assert!(rates[10].abs() < 1e-12, "{rates:?}");
        assert!(rates.windows(2).all(|w| w[1] < w[0]), "{rates:?}");
        assert!(LrSchedule::cosine(2.0, 10).is_err());
    }

    #[test]
    fn a_config_without_a_schedule_means_constant() {
        #[derive(Deserialize)]
        struct Saved {
            #[serde(default)]
            lr_schedule: LrSchedule,
        }
        let saved: Saved = serde_json::from_str("{}").unwrap();
        assert_eq!(saved.lr_schedule, LrSchedule::Constant);
        let saved: Saved = serde_json::from_str(r#"{"lr_schedule": "cosine"}"#).unwrap();
        assert_eq!(saved.lr_schedule, LrSchedule::Cosine);
    }

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
