//! Adam and SGD with the fused updates of [`ZooBackend::adam_step`] and
//! [`ZooBackend::sgd_step`]: burn's `Adam` and `Sgd`, plugged into burn's optimizer
//! traits ([`SimpleOptimizer`] behind an [`OptimizerAdaptor`]), so the learner,
//! gradient clipping, checkpoints and resume work as with burn's.
//!
//! The names start with `Fused` so that they cannot be mistaken for burn's
//! `burn::optim::AdamConfig` / `SgdConfig`: those build burn's own optimizers, which
//! work too but without the fused update.
//!
//! [`FusedAdamConfig`] and [`FusedSgdConfig`] have burn's fields, defaults and JSON (a
//! `config.json` written with either loads into the other). Adam's state is burn's own
//! [`AdamState`] record; SGD's is [`FusedSgdState`], whose fields and serialized form
//! are burn's `SgdState` (burn keeps its velocity private): optimizer checkpoints
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

use super::{AdamStep, SgdMomentum, SgdStep, ZooBackend};

/// Adam's settings, for [`FusedAdam`]: burn's `AdamConfig` (same fields, defaults and
/// JSON).
#[derive(Config, Debug)]
pub struct FusedAdamConfig {
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
pub struct FusedAdam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
    amsgrad: Option<burn::optim::Adam>,
}

impl FusedAdamConfig {
    /// The optimizer these settings describe.
    pub fn build(&self) -> FusedAdam {
        let amsgrad = self.amsgrad.then(|| {
            burn::optim::AdamConfig::new()
                .with_beta_1(self.beta_1)
                .with_beta_2(self.beta_2)
                .with_epsilon(self.epsilon)
                .with_amsgrad(true)
                .with_weight_decay(self.weight_decay.clone())
                .build()
        });
        FusedAdam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay.as_ref().map_or(0.0, |d| d.penalty),
            amsgrad,
        }
    }

    /// The optimizer for module `M` on `B`, as burn's `AdamConfig::init`.
    pub fn init<B, M>(&self) -> OptimizerAdaptor<FusedAdam, M, B>
    where
        B: AutodiffBackend,
        B::InnerBackend: ZooBackend,
        M: AutodiffModule<B>,
    {
        adapt(self.build(), self.grad_clipping.as_ref())
    }
}

impl<B: ZooBackend> SimpleOptimizer<B> for FusedAdam {
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

/// SGD's settings, for [`FusedSgd`]: burn's `SgdConfig` (same fields, defaults and JSON).
#[derive(Config, Debug)]
pub struct FusedSgdConfig {
    /// L2 penalty added to the gradient.
    pub weight_decay: Option<WeightDecayConfig>,
    /// Momentum (none: plain SGD).
    pub momentum: Option<MomentumConfig>,
    /// Gradient clipping before the update.
    pub gradient_clipping: Option<GradientClippingConfig>,
}

/// SGD whose update is [`ZooBackend::sgd_step`].
#[derive(Clone)]
pub struct FusedSgd {
    weight_decay: f32,
    momentum: Option<SgdMomentum>,
}

/// SGD's state for one parameter: burn's `SgdState` (the same fields and records).
///
/// A copy of burn's records rather than burn's own because burn 0.21 keeps
/// `MomentumState`'s velocity private, with no accessor, so the fused step could not
/// read it. Upstream: <https://github.com/tracel-ai/burn/pull/2561> made the other
/// optimizer states' fields public, not this one; no issue is filed.
#[derive(Record, Clone)]
pub struct FusedSgdState<B: Backend, const D: usize> {
    /// The velocity, with momentum.
    pub momentum: Option<FusedMomentumState<B, D>>,
}

/// The velocity of SGD with momentum: burn's `MomentumState`.
#[derive(Record, Clone)]
pub struct FusedMomentumState<B: Backend, const D: usize> {
    /// The running velocity.
    pub velocity: Tensor<B, D>,
}

impl FusedSgdConfig {
    /// The optimizer these settings describe.
    pub fn build(&self) -> FusedSgd {
        FusedSgd {
            weight_decay: self.weight_decay.as_ref().map_or(0.0, |d| d.penalty),
            momentum: self.momentum.as_ref().map(|m| SgdMomentum {
                momentum: m.momentum as f32,
                dampening: m.dampening,
                nesterov: m.nesterov,
            }),
        }
    }

    /// The optimizer for module `M` on `B`, as burn's `SgdConfig::init`.
    pub fn init<B, M>(&self) -> OptimizerAdaptor<FusedSgd, M, B>
    where
        B: AutodiffBackend,
        B::InnerBackend: ZooBackend,
        M: AutodiffModule<B>,
    {
        adapt(self.build(), self.gradient_clipping.as_ref())
    }
}

impl<B: ZooBackend> SimpleOptimizer<B> for FusedSgd {
    type State<const D: usize> = FusedSgdState<B, D>;

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
        let momentum = velocity.map(|v| FusedMomentumState { velocity: back(v) });
        (back(param), Some(FusedSgdState { momentum }))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &B::Device) -> Self::State<D> {
        state.momentum = state.momentum.map(|m| FusedMomentumState {
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

#[cfg(test)]
mod tests {
    use burn::config::{Config, config_to_json};
    use burn::optim::{
        decay::WeightDecayConfig, grad_clipping::GradientClippingConfig, momentum::MomentumConfig,
    };

    use super::*;

    /// The configs' JSON is burn's, field for field: a `config.json` written with
    /// either loads into the other (and the `Fused` names appear nowhere in it).
    #[test]
    fn configs_write_and_read_burns_json() {
        let fused = FusedAdamConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(Some(WeightDecayConfig::new(0.01)))
            .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)));
        let burns = burn::optim::AdamConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(Some(WeightDecayConfig::new(0.01)))
            .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)));
        let json = config_to_json(&fused);
        assert_eq!(json, config_to_json(&burns));
        let back = burn::optim::AdamConfig::load_binary(json.as_bytes()).unwrap();
        assert_eq!(config_to_json(&back), json);
        let back = FusedAdamConfig::load_binary(config_to_json(&burns).as_bytes()).unwrap();
        assert_eq!(config_to_json(&back), json);

        let momentum = Some(MomentumConfig::new().with_momentum(0.9));
        let fused = FusedSgdConfig::new().with_momentum(momentum.clone());
        let burns = burn::optim::SgdConfig::new().with_momentum(momentum);
        let json = config_to_json(&fused);
        assert_eq!(json, config_to_json(&burns));
        let back = FusedSgdConfig::load_binary(config_to_json(&burns).as_bytes()).unwrap();
        assert_eq!(config_to_json(&back), json);
        assert!(!json.contains("Fused"), "{json}");
    }
}
