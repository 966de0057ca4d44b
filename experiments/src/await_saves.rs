//! Checkpoints saved before training goes on: a wrapper around the checkpointing
//! strategy that makes each epoch's save synchronous.
//!
//! burn 0.21's file checkpointer hands the model, optimizer and scheduler records to
//! three threads of its own (`AsyncCheckpointer`, a rendezvous channel) and returns as
//! soon as each has taken its record. The records share their tensors with the
//! learner's. On a fusion backend (wgpu, whose kernel fusion the zoo builds with), a
//! checkpointer thread reading a shared tensor and the training thread dropping or
//! updating it in place race on the tensor's reference count: the fusion server then
//! looks for a handle already freed and panics with "Should have handle for tensor"
//! (<https://github.com/tracel-ai/burn/issues/4347>; fixed upstream by shared views
//! across streams, <https://github.com/tracel-ai/burn/pull/4962>, in burn 0.22 only).
//!
//! [`AwaitSaves`] adds a `Delete` of an epoch that never exists after every `Save`.
//! burn sends it to each checkpointer thread over the same rendezvous channel, which a
//! thread only reads again once its save is written, so the training thread waits for
//! all three saves and the learner keeps its tensors alive meanwhile: every read is of
//! a tensor nothing else touches. The cost is the time to write the records, once per
//! epoch (`docs/benchmarks.md`). Drop it with burn 0.21.

use burn::train::{
    checkpoint::{CheckpointingAction, CheckpointingStrategy},
    metric::store::EventStoreClient,
};

/// An epoch no run reaches: its "checkpoint" never exists, so deleting it does
/// nothing but wait for the checkpointer's thread.
const NO_EPOCH: usize = usize::MAX;

/// `S`, with every save awaited before training continues.
#[derive(Debug, Clone)]
pub struct AwaitSaves<S>(pub S);

impl<S: CheckpointingStrategy> CheckpointingStrategy for AwaitSaves<S> {
    fn checkpointing(
        &mut self,
        epoch: usize,
        store: &EventStoreClient,
    ) -> Vec<CheckpointingAction> {
        let mut actions = self.0.checkpointing(epoch, store);
        if actions.contains(&CheckpointingAction::Save) {
            actions.push(CheckpointingAction::Delete(NO_EPOCH));
        }
        actions
    }
}
