//! Data-parallel training on wgpu device instances: burn's multi-device strategy with
//! the tensors moved between devices through host memory.
//!
//! burn-train 0.21's `ExecutionStrategy::MultiDevice` moves the model to each worker's
//! device and the gradients back with `Tensor::to_device`. On two wgpu devices that
//! is burn-cubecl's `to_device`, which always asks cubecl for a server-to-server
//! transfer (`ComputeClient::to_client_tensor`); cubecl 0.10's wgpu server does not
//! implement one (`comm_init`, `send`: `not implemented` panics on the device threads,
//! and the run goes on with whatever the receiving buffers held). Upstream: cubecl's
//! server-to-server transfer came with <https://github.com/tracel-ai/cubecl/pull/1304>
//! (implemented for CUDA, through NCCL), and burn moved to that API in
//! <https://github.com/tracel-ai/burn/pull/4866>; no issue is filed for wgpu. So the zoo plugs
//! this strategy into the learner through burn's [`SupervisedLearningStrategy`] trait:
//! the same steps as burn's (the training set split evenly over the devices, one
//! batch per device per step, the gradients added on the first device, which runs the
//! optimizer and validation, checkpoints and early stopping as usual), with every
//! move between devices a read back to the host and an upload. On the CPU backends
//! burn's own strategy is used: there all workers share the one CPU device and
//! nothing moves.

use std::{
    sync::{
        Arc,
        mpsc::{Receiver, Sender, channel},
    },
    thread,
};

use burn::{
    data::dataloader::{Progress, split::split_dataloader},
    module::{AutodiffModule, Module, ModuleMapper, ModuleVisitor, Param},
    optim::{GradientsAccumulator, GradientsParams},
    tensor::{Tensor, backend::AutodiffBackend},
    train::{
        EventProcessorTraining, ExecutionStrategy, InferenceStep, Learner, LearnerEvent,
        LearningComponentsTypes, MultiDeviceOptim, SupervisedLearningStrategy,
        SupervisedTrainingEventProcessor, TrainLoader, TrainOutput, TrainStep, TrainingComponents,
        TrainingItem, TrainingModel, TrainingStrategy, ValidLoader,
    },
};

use crate::backend::{Device, TrainBackend};

/// How the learner trains on `devices` (`--devices N`): `None` for one device (the
/// learner's default); burn's multi-device strategy on the CPU backends, where every
/// worker uses the one CPU device; [`HostTransferDataParallel`] on wgpu.
pub fn strategy<LC>(devices: &[Device]) -> Option<TrainingStrategy<LC>>
where
    LC: LearningComponentsTypes<Backend = TrainBackend>,
{
    if devices.len() < 2 {
        return None;
    }
    Some(if cfg!(feature = "wgpu") && !cfg!(feature = "cuda") {
        TrainingStrategy::Custom(Arc::new(HostTransferDataParallel::new(devices.to_vec())))
    } else {
        TrainingStrategy::Default(ExecutionStrategy::MultiDevice(
            devices.to_vec(),
            MultiDeviceOptim::OptimMainDevice,
        ))
    })
}

type Input<LC> = <TrainingModel<LC> as TrainStep>::Input;
type Output<LC> = <TrainingModel<LC> as TrainStep>::Output;

/// Data-parallel training over `devices` (the first is the main device), moving
/// tensors between devices through host memory; see the module documentation.
pub struct HostTransferDataParallel {
    devices: Vec<Device>,
}

impl HostTransferDataParallel {
    /// A strategy over `devices`, the main device first.
    pub fn new(devices: Vec<Device>) -> Self {
        Self { devices }
    }
}

/// Copies every float parameter of a module to `device` through host memory, keeping
/// its id and whether it requires a gradient.
struct ToDeviceViaHost<'a> {
    device: &'a Device,
}

impl<B: burn::tensor::backend::Backend<Device = Device>> ModuleMapper<B> for ToDeviceViaHost<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let require_grad = tensor.is_require_grad();
        let mut moved = Tensor::from_data(tensor.into_data(), self.device);
        if require_grad {
            moved = moved.require_grad();
        }
        Param::from_mapped_value(id, moved, mapper)
    }
}

/// `module` on `device`, its parameters copied through host memory.
pub fn module_to_device<B, M>(module: M, device: &Device) -> M
where
    B: burn::tensor::backend::Backend<Device = Device>,
    M: Module<B>,
{
    module.map(&mut ToDeviceViaHost { device })
}

/// Moves the gradients of `module`'s parameters to `device` through host memory.
struct GradsToDevice<'a> {
    device: &'a Device,
    from: GradientsParams,
    to: GradientsParams,
}

impl<B: AutodiffBackend<Device = Device>> ModuleVisitor<B> for GradsToDevice<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(grad) = self.from.remove::<B::InnerBackend, D>(param.id) {
            let moved = Tensor::<B::InnerBackend, D>::from_data(grad.into_data(), self.device);
            self.to.register::<B::InnerBackend, D>(param.id, moved);
        }
    }
}

fn grads_to_device<M: AutodiffModule<TrainBackend>>(
    grads: GradientsParams,
    module: &M,
    device: &Device,
) -> GradientsParams {
    let mut visitor = GradsToDevice {
        device,
        from: grads,
        to: GradientsParams::new(),
    };
    module.visit(&mut visitor);
    visitor.to
}

/// One worker thread per device: takes the main model and a batch, copies the model
/// to its device, runs the training step there and sends the output back.
struct Workers<LC: LearningComponentsTypes> {
    inputs: Vec<Sender<(TrainingModel<LC>, Input<LC>)>>,
    outputs: Receiver<(usize, TrainOutput<Output<LC>>)>,
}

impl<LC> Workers<LC>
where
    LC: LearningComponentsTypes<Backend = TrainBackend>,
{
    fn start(devices: &[Device]) -> Self {
        let (output_sender, outputs) = channel();
        let inputs = devices
            .iter()
            .enumerate()
            .map(|(index, device)| {
                let (sender, receiver) = channel::<(TrainingModel<LC>, Input<LC>)>();
                // A device is `Copy` on the CPU backends but not on wgpu.
                #[allow(clippy::clone_on_copy)]
                let (device, output_sender) = (device.clone(), output_sender.clone());
                thread::spawn(move || {
                    while let Ok((model, item)) = receiver.recv() {
                        let model = if index == 0 {
                            model
                        } else {
                            module_to_device(model, &device)
                        };
                        let output = model.step(item);
                        // The model's tensors are shared with the main thread's: release
                        // them here before the main thread updates the model (wgpu's
                        // fusion streams, burn#4347; see `await_saves`).
                        drop(model);
                        if output_sender.send((index, output)).is_err() {
                            break;
                        }
                    }
                });
                sender
            })
            .collect();
        Self { inputs, outputs }
    }
}

impl<LC> SupervisedLearningStrategy<LC> for HostTransferDataParallel
where
    LC: LearningComponentsTypes<Backend = TrainBackend>,
{
    fn fit(
        &self,
        components: TrainingComponents<LC>,
        mut learner: Learner<LC>,
        dataloader_train: TrainLoader<LC>,
        dataloader_valid: ValidLoader<LC>,
        starting_epoch: usize,
    ) -> (TrainingModel<LC>, SupervisedTrainingEventProcessor<LC>) {
        let main = &self.devices[0];
        let loaders = split_dataloader(dataloader_train, &self.devices);
        let dataloader_valid = dataloader_valid.to_device(main);
        learner.fork(main);
        let mut processor = components.event_processor;
        let mut checkpointer = components.checkpointer;
        let mut early_stopping = components.early_stopping;
        let interrupter = components.interrupter;
        let workers = Workers::<LC>::start(&self.devices);
        let accumulation = components.grad_accumulation.unwrap_or(1).max(1);

        for epoch in starting_epoch..=components.num_epochs {
            let global = Progress {
                items_processed: epoch,
                items_total: components.num_epochs,
            };

            // Training: a batch to every device that has one left, gradients added on
            // the main device, one optimizer step per `accumulation` such rounds.
            let mut iterators: Vec<_> = loaders.iter().map(|l| l.iter()).collect();
            let mut accumulator = GradientsAccumulator::new();
            let (mut rounds, mut iteration) = (0, 0);
            loop {
                let (mut sent, mut processed, mut total) = (0, 0, 0);
                for (worker, iterator) in workers.inputs.iter().zip(iterators.iter_mut()) {
                    if let Some(item) = iterator.next() {
                        let progress = iterator.progress();
                        processed += progress.items_processed;
                        total += progress.items_total;
                        worker
                            .send((learner.model(), item))
                            .expect("a data-parallel worker thread ended early");
                        sent += 1;
                    }
                }
                if sent == 0 {
                    break;
                }
                let mut outputs: Vec<(usize, TrainOutput<Output<LC>>)> = (0..sent)
                    .map(|_| {
                        workers
                            .outputs
                            .recv()
                            .expect("a data-parallel worker thread ended early")
                    })
                    .collect();
                // Add the gradients in device order, whichever worker finished first.
                outputs.sort_by_key(|(index, _)| *index);
                learner.lr_step();
                let model = learner.model();
                let mut items = Vec::with_capacity(sent);
                for (index, output) in outputs {
                    let grads = if index == 0 {
                        output.grads
                    } else {
                        grads_to_device(output.grads, &model, main)
                    };
                    accumulator.accumulate(&model, grads);
                    items.push(output.item);
                }
                rounds += 1;
                if rounds >= accumulation {
                    learner.optimizer_step(accumulator.grads());
                    rounds = 0;
                }
                let progress = Progress {
                    items_processed: processed,
                    items_total: total,
                };
                for item in items {
                    iteration += 1;
                    processor.process_train(LearnerEvent::ProcessedItem(TrainingItem::new(
                        item,
                        progress.clone(),
                        global.clone(),
                        Some(iteration),
                        Some(learner.lr_current()),
                    )));
                }
                if interrupter.should_stop() {
                    break;
                }
            }
            processor.process_train(LearnerEvent::EndEpoch(epoch));
            if interrupter.should_stop() {
                break;
            }

            // Validation on the main device, as burn's strategies do it.
            let model = learner.model().valid();
            let mut iterator = dataloader_valid.iter();
            let mut iteration = 0;
            while let Some(item) = iterator.next() {
                let progress = iterator.progress();
                iteration += 1;
                let output = model.step(item);
                processor.process_valid(LearnerEvent::ProcessedItem(TrainingItem::new(
                    output,
                    progress,
                    global.clone(),
                    Some(iteration),
                    None,
                )));
                if interrupter.should_stop() {
                    break;
                }
            }
            processor.process_valid(LearnerEvent::EndEpoch(epoch));

            if let Some(checkpointer) = &mut checkpointer {
                checkpointer.checkpoint(&learner, epoch, &components.event_store);
            }
            if let Some(early_stopping) = &mut early_stopping
                && early_stopping.should_stop(epoch, &components.event_store)
            {
                break;
            }
        }
        (learner.model(), processor)
    }
}
