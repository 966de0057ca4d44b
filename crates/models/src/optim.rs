//! Adam and SGD with the fused updates of [`ZooBackend::adam_step`] and
//! [`ZooBackend::sgd_step`]: burn's `Adam` and `Sgd`, plugged into burn's optimizer
//! traits ([`SimpleOptimizer`] behind an [`OptimizerAdaptor`]), so the learner,
//! gradient clipping, checkpoints and resume work as with burn's.
//!
//! [`AdamConfig`] and [`SgdConfig`] have burn's fields, defaults and JSON. Adam's state
//! is burn's own [`AdamState`] record; SGD's is [`SgdState`], whose fields and
//! serialized form are burn's (burn keeps its velocity private): optimizer checkpoints
//! written with burn's optimizers load here, and the other way round.

use burn::{
    config::Config,
    module::AutodiffModule,
    optim::{
        AdamState, AdaptiveMomentumState, LearningRate, SimpleOptimizer, adaptor::OptimizerAdaptor,
        decay::WeightDecayConfig, grad_clipping::GradientClippingConfig, momentum::MomentumConfig,
    },
    record::Record,
    tensor::{
        Tensor, TensorPrimitive,
        backend::{AutodiffBackend, Backend},
        ops::FloatTensor,
    },
};

use crate::fused::{AdamStep, SgdMomentum, SgdStep, ZooBackend};

/// Adam's settings: burn's `AdamConfig` (same fields, defaults and JSON).
#[derive(Config, Debug)]
pub struct AdamConfig {
    /// Decay of the first moment.
    #[config(default = 0.9)]
    pub beta_1: f32,
    /// Decay of the second moment.
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Added to the square root of the second moment.
    #[config(default = 1e-5)]
    pub epsilon: f32,
    /// AMSGrad (burn's own update: the fused step does not implement it).
    #[config(default = false)]
    pub amsgrad: bool,
    /// L2 penalty added to the gradient.
    pub weight_decay: Option<WeightDecayConfig>,
    /// Gradient clipping before the update.
    pub grad_clipping: Option<GradientClippingConfig>,
}

/// Adam whose update is [`ZooBackend::adam_step`] (burn's `Adam` for AMSGrad).
#[derive(Clone)]
pub struct Adam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
    amsgrad: Option<burn::optim::Adam>,
}

impl AdamConfig {
    /// The optimizer these settings describe.
    pub fn build(&self) -> Adam {
        let amsgrad = self.amsgrad.then(|| {
            burn::optim::AdamConfig::new()
                .with_beta_1(self.beta_1)
                .with_beta_2(self.beta_2)
                .with_epsilon(self.epsilon)
                .with_amsgrad(true)
                .with_weight_decay(self.weight_decay.clone())
                .build()
        });
        Adam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay.as_ref().map_or(0.0, |d| d.penalty),
            amsgrad,
        }
    }

    /// The optimizer for module `M` on `B`, as burn's `AdamConfig::init`.
    pub fn init<B, M>(&self) -> OptimizerAdaptor<Adam, M, B>
    where
        B: AutodiffBackend,
        B::InnerBackend: ZooBackend,
        M: AutodiffModule<B>,
    {
        adapt(self.build(), self.grad_clipping.as_ref())
    }
}

impl<B: ZooBackend> SimpleOptimizer<B> for Adam {
    type State<const D: usize> = AdamState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        if let Some(adam) = &self.amsgrad {
            return adam.step(lr, tensor, grad, state);
        }
        let shape = tensor.shape();
        let n = shape.num_elements();
        let flat = |t: Tensor<B, D>| t.reshape([n]).into_primitive().tensor();
        let back =
            |t| Tensor::<B, 1>::from_primitive(TensorPrimitive::Float(t)).reshape(shape.clone());
        let (time, moment_1, moment_2) = match state {
            Some(s) => (
                s.momentum.time + 1,
                Some(flat(s.momentum.moment_1)),
                Some(flat(s.momentum.moment_2)),
            ),
            None => (1, None, None),
        };
        let step = AdamStep {
            lr: lr as f32,
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay,
            time: i32::try_from(time).unwrap_or(i32::MAX),
        };
        let (param, moment_1, moment_2) =
            B::adam_step(flat(tensor), flat(grad), moment_1, moment_2, step);
        let momentum = AdaptiveMomentumState::new(time, back(moment_1), back(moment_2));
        (back(param), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &B::Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

/// SGD's settings: burn's `SgdConfig` (same fields, defaults and JSON).
#[derive(Config, Debug)]
pub struct SgdConfig {
    /// L2 penalty added to the gradient.
    pub weight_decay: Option<WeightDecayConfig>,
    /// Momentum (none: plain SGD).
    pub momentum: Option<MomentumConfig>,
    /// Gradient clipping before the update.
    pub gradient_clipping: Option<GradientClippingConfig>,
}

/// SGD whose update is [`ZooBackend::sgd_step`].
#[derive(Clone)]
pub struct Sgd {
    weight_decay: f32,
    momentum: Option<SgdMomentum>,
}

/// SGD's state for one parameter: burn's `SgdState` (the same fields and records).
#[derive(Record, Clone)]
pub struct SgdState<B: Backend, const D: usize> {
    /// The velocity, with momentum.
    pub momentum: Option<MomentumState<B, D>>,
}

/// The velocity of SGD with momentum: burn's `MomentumState`.
#[derive(Record, Clone)]
pub struct MomentumState<B: Backend, const D: usize> {
    /// The running velocity.
    pub velocity: Tensor<B, D>,
}

impl SgdConfig {
    /// The optimizer these settings describe.
    pub fn build(&self) -> Sgd {
        Sgd {
            weight_decay: self.weight_decay.as_ref().map_or(0.0, |d| d.penalty),
            momentum: self.momentum.as_ref().map(|m| SgdMomentum {
                momentum: m.momentum as f32,
                dampening: m.dampening,
                nesterov: m.nesterov,
            }),
        }
    }

    /// The optimizer for module `M` on `B`, as burn's `SgdConfig::init`.
    pub fn init<B, M>(&self) -> OptimizerAdaptor<Sgd, M, B>
    where
        B: AutodiffBackend,
        B::InnerBackend: ZooBackend,
        M: AutodiffModule<B>,
    {
        adapt(self.build(), self.gradient_clipping.as_ref())
    }
}

impl<B: ZooBackend> SimpleOptimizer<B> for Sgd {
    type State<const D: usize> = SgdState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let shape = tensor.shape();
        let n = shape.num_elements();
        let flat = |t: Tensor<B, D>| t.reshape([n]).into_primitive().tensor();
        let back = |t: FloatTensor<B>| {
            Tensor::<B, 1>::from_primitive(TensorPrimitive::Float(t)).reshape(shape.clone())
        };
        let velocity = state.and_then(|s| s.momentum).map(|m| flat(m.velocity));
        let step = SgdStep {
            lr: lr as f32,
            weight_decay: self.weight_decay,
            momentum: self.momentum,
        };
        let (param, velocity) = B::sgd_step(flat(tensor), flat(grad), velocity, step);
        let momentum = velocity.map(|v| MomentumState { velocity: back(v) });
        (back(param), Some(SgdState { momentum }))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &B::Device) -> Self::State<D> {
        state.momentum = state.momentum.map(|m| MomentumState {
            velocity: m.velocity.to_device(device),
        });
        state
    }
}

/// `optimizer` behind burn's adaptor for the learner, clipping gradients first when
/// `clipping` is set (what burn's own optimizer configs do in `init`).
fn adapt<O, B, M>(
    optimizer: O,
    clipping: Option<&GradientClippingConfig>,
) -> OptimizerAdaptor<O, M, B>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: SimpleOptimizer<B::InnerBackend>,
{
    let optim = OptimizerAdaptor::from(optimizer);
    match clipping {
        Some(config) => optim.with_grad_clipping(config.init()),
        None => optim,
    }
}
