//! scikit-learn's stopping rule for its stochastic solvers, for burn's learner and for
//! plain loops: stop once the training loss has failed, `patience + 1` epochs in a
//! row, to beat the best loss so far by more than `tol` (`MLPClassifier`'s `tol`,
//! `n_iter_no_change`).

use burn::train::{
    EarlyStoppingStrategy,
    metric::store::{Aggregate, EventStoreClient, Split},
};
use serde::{Deserialize, Serialize};

/// The rule's settings, saved in a run's `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ToleranceStop {
    /// An epoch improves only if its loss is below the best so far minus `tol`.
    pub tol: f64,
    /// Epochs without improvement tolerated; one more stops.
    pub patience: usize,
}

impl ToleranceStop {
    /// scikit-learn's defaults: `tol = 1e-4`, `n_iter_no_change = 10`.
    pub const SKLEARN: Self = Self {
        tol: 1e-4,
        patience: 10,
    };

    /// A fresh tracker of the rule.
    pub fn tracker(self) -> ToleranceTracker {
        ToleranceTracker {
            rule: self,
            best: f64::INFINITY,
            without_improvement: 0,
        }
    }
}

/// The rule's state over a run; also burn's [`EarlyStoppingStrategy`] on the mean
/// training loss (the metric named `Loss`).
#[derive(Debug, Clone)]
pub struct ToleranceTracker {
    rule: ToleranceStop,
    best: f64,
    without_improvement: usize,
}

impl ToleranceTracker {
    /// Records one epoch's training loss; `true` when training should stop.
    pub fn update(&mut self, loss: f64) -> bool {
        if loss > self.best - self.rule.tol {
            self.without_improvement += 1;
        } else {
            self.without_improvement = 0;
        }
        self.best = self.best.min(loss);
        self.without_improvement > self.rule.patience
    }
}

impl EarlyStoppingStrategy for ToleranceTracker {
    fn should_stop(&mut self, epoch: usize, store: &EventStoreClient) -> bool {
        store
            .find_metric("Loss", epoch, Aggregate::Mean, &Split::Train)
            .is_some_and(|loss| self.update(loss))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_plus_one_epochs_without_a_tol_improvement() {
        let mut t = ToleranceStop {
            tol: 0.1,
            patience: 2,
        }
        .tracker();
        assert!(!t.update(1.0)); // best 1.0
        assert!(!t.update(0.95)); // not by more than 0.1: 1
        assert!(!t.update(0.8)); // improved by 0.15: reset
        assert!(!t.update(0.75)); // 1
        assert!(!t.update(0.74)); // 2
        assert!(t.update(0.73)); // 3 > patience
    }
}
