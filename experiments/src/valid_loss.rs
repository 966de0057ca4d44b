//! The validation loss of each epoch, and the two choices made by it: which epoch's
//! checkpoint to keep as the best, and when to stop early (`--patience N`).
//!
//! burn 0.21's own `MetricCheckpointingStrategy` and `MetricEarlyStoppingStrategy` ask
//! its event store for the epoch's mean right after the validation pass, while the
//! asynchronous event processor (`AsyncProcessorTraining`) may still be handing it the
//! epoch's last batches: they decide on part of an epoch, so the same seed stopped at
//! different epochs and could delete the best epoch's checkpoint. Here the metric
//! logger ([`crate::learning::EpochFixLogger`]) records every validation loss entry and
//! the end of each validation epoch, and both strategies wait for that end before they
//! decide. Upstream: burn-train 0.21 `learner/supervised/strategies/single/strategy.rs`
//! (checkpointer and early stopping called after `epoch_valid.run`, whose events are
//! processed on another thread); no issue filed.

use std::{
    collections::BTreeMap,
    sync::{Arc, Condvar, Mutex},
    time::Duration,
};

use burn::train::{
    EarlyStoppingStrategy,
    checkpoint::{CheckpointingAction, CheckpointingStrategy},
    metric::store::EventStoreClient,
};

/// How long a strategy waits for an epoch's validation pass to be fully logged before
/// it decides on what has arrived (with a warning).
const WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct State {
    /// Sum and item count of the validation loss entries of epochs still being logged.
    open: BTreeMap<usize, (f64, usize)>,
    /// The mean validation loss of every ended epoch (`None`: no loss was logged).
    ended: BTreeMap<usize, Option<f64>>,
}

/// The validation loss per epoch, shared by the metric logger (which fills it) and the
/// checkpointing and early-stopping strategies (which read it).
#[derive(Debug, Clone, Default)]
pub struct ValidLoss {
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl ValidLoss {
    /// Starts with the means of epochs logged before (a resumed run's history).
    pub fn with_earlier(means: impl IntoIterator<Item = (usize, f64)>) -> Self {
        let losses = Self::default();
        if let Ok(mut state) = losses.shared.0.lock() {
            state
                .ended
                .extend(means.into_iter().map(|(e, v)| (e, Some(v))));
        }
        losses
    }

    /// Adds one logged entry of `epoch`: a mean `value` over `count` items.
    pub fn record(&self, epoch: usize, value: f64, count: usize) {
        if let Ok(mut state) = self.shared.0.lock() {
            let slot = state.open.entry(epoch).or_default();
            slot.0 += value * count as f64;
            slot.1 += count;
        }
    }

    /// Marks `epoch`'s validation pass as fully logged.
    pub fn end_epoch(&self, epoch: usize) {
        let (lock, ended) = &*self.shared;
        if let Ok(mut state) = lock.lock() {
            let mean = state
                .open
                .remove(&epoch)
                .filter(|&(_, n)| n > 0)
                .map(|(sum, n)| sum / n as f64);
            state.ended.insert(epoch, mean);
            ended.notify_all();
        }
    }

    /// The lowest mean validation loss up to `epoch`, once `epoch` has ended (waiting
    /// for it up to [`WAIT`]): `(epoch, loss)`, the first of equals.
    fn best_until(&self, epoch: usize) -> Option<(usize, f64)> {
        let (lock, ended) = &*self.shared;
        let state = lock.lock().ok()?;
        let (state, timeout) = ended
            .wait_timeout_while(state, WAIT, |s| !s.ended.contains_key(&epoch))
            .ok()?;
        if timeout.timed_out() {
            eprintln!(
                "warning: epoch {epoch}'s validation loss was not fully logged within {} s; \
                 choosing the best epoch from what was",
                WAIT.as_secs()
            );
        }
        state
            .ended
            .range(..=epoch)
            .filter_map(|(&e, &v)| v.filter(|v| v.is_finite()).map(|v| (e, v)))
            .fold(None, |best: Option<(usize, f64)>, (e, v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((e, v)),
            })
    }
}

/// Keeps the checkpoint of the epoch with the lowest validation loss (burn's
/// `MetricCheckpointingStrategy`, deciding on whole epochs).
#[derive(Debug, Clone)]
pub struct KeepBestValidLoss {
    losses: ValidLoss,
    current: Option<usize>,
}

impl KeepBestValidLoss {
    /// Chooses by `losses`.
    pub fn new(losses: ValidLoss) -> Self {
        Self {
            losses,
            current: None,
        }
    }
}

impl KeepBestValidLoss {
    /// What to do after `epoch`: delete the previous best's checkpoint when another
    /// epoch is now the best, save this one's when it is.
    fn actions(&mut self, epoch: usize) -> Vec<CheckpointingAction> {
        let best = self.losses.best_until(epoch).map_or(epoch, |(e, _)| e);
        let mut actions = Vec::new();
        if let Some(current) = self.current
            && current != best
        {
            actions.push(CheckpointingAction::Delete(current));
        }
        if best == epoch {
            actions.push(CheckpointingAction::Save);
        }
        self.current = Some(best);
        actions
    }
}

impl CheckpointingStrategy for KeepBestValidLoss {
    fn checkpointing(&mut self, epoch: usize, _: &EventStoreClient) -> Vec<CheckpointingAction> {
        self.actions(epoch)
    }
}

/// Stops training once the validation loss has not improved for `patience` epochs
/// (burn's `MetricEarlyStoppingStrategy` with `NoImprovementSince`, deciding on whole
/// epochs).
#[derive(Debug, Clone)]
pub struct PatienceStopping {
    losses: ValidLoss,
    patience: usize,
}

impl PatienceStopping {
    /// Stops after `patience` epochs without a lower validation loss in `losses`.
    pub fn new(losses: ValidLoss, patience: usize) -> Self {
        Self { losses, patience }
    }
}

impl PatienceStopping {
    /// Whether to stop after `epoch`.
    fn stop_after(&self, epoch: usize) -> bool {
        self.losses
            .best_until(epoch)
            .is_some_and(|(best, _)| epoch - best >= self.patience)
    }
}

impl EarlyStoppingStrategy for PatienceStopping {
    fn should_stop(&mut self, epoch: usize, _: &EventStoreClient) -> bool {
        self.stop_after(epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_epoch_is_chosen_on_whole_epochs_only() {
        let losses = ValidLoss::with_earlier([(1, 0.5)]);
        losses.record(2, 0.4, 2);
        losses.record(2, 0.7, 2);
        let writer = losses.clone();
        let late = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            writer.record(3, 0.1, 1);
            writer.end_epoch(3);
        });
        losses.end_epoch(2);
        // Epoch 2's mean is 0.55: epoch 1 stays the best.
        assert_eq!(losses.best_until(2), Some((1, 0.5)));
        // Epoch 3 is waited for, then wins.
        assert_eq!(losses.best_until(3), Some((3, 0.1)));
        late.join().unwrap();

        let mut keep = KeepBestValidLoss::new(losses.clone());
        keep.current = Some(1);
        assert!(matches!(
            keep.actions(3)[..],
            [CheckpointingAction::Delete(1), CheckpointingAction::Save]
        ));
        let stop = PatienceStopping::new(losses.clone(), 2);
        losses.end_epoch(4);
        assert!(!stop.stop_after(4));
        losses.end_epoch(5);
        assert!(stop.stop_after(5));
    }
}
