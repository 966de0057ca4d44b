//! Glue for burn's learner: what a step produces, how metrics read it, and the
//! `TrainStep`/`InferenceStep` implementations.

use burn::{
    tensor::{
        ElementConversion, Int, Tensor, Transaction,
        backend::{AutodiffBackend, Backend},
    },
    train::{
        InferenceStep, ItemLazy, TrainOutput, TrainStep,
        metric::{AccuracyInput, Adaptor, LossInput},
    },
};

use super::LinearSvm;

/// What one training or validation step of a [`LinearSvm`] produces.
#[derive(Debug, Clone)]
pub struct SvmOutput<B: Backend> {
    /// The batch's objective (hinge + penalty), shape `[1]`.
    pub loss: Tensor<B, 1>,
    /// Decision values, `[batch_size, 1]` (binary) or `[batch_size, classes]`.
    pub decision: Tensor<B, 2>,
    /// Predicted classes, `[batch_size]`.
    pub predicted: Tensor<B, 1, Int>,
    /// True classes, `[batch_size]`.
    pub targets: Tensor<B, 1, Int>,
}

impl<B: Backend> ItemLazy for SvmOutput<B> {
    type ItemSync = SvmOutput<crate::MetricBackend>;

    fn sync(self) -> Self::ItemSync {
        let [loss, decision, predicted, targets] = Transaction::default()
            .register(self.loss)
            .register(self.decision)
            .register(self.predicted)
            .register(self.targets)
            .execute()
            .try_into()
            .expect("a transaction of four tensors returns four tensors");
        let device = Default::default();
        SvmOutput {
            loss: Tensor::from_data(loss, &device),
            decision: Tensor::from_data(decision, &device),
            predicted: Tensor::from_data(predicted, &device),
            targets: Tensor::from_data(targets, &device),
        }
    }
}

impl<B: Backend> Adaptor<LossInput<B>> for SvmOutput<B> {
    fn adapt(&self) -> LossInput<B> {
        LossInput::new(self.loss.clone())
    }
}

impl<B: Backend> Adaptor<AccuracyInput<B>> for SvmOutput<B> {
    /// burn's accuracy takes the arg-max over columns; a binary SVM's single decision
    /// column `f` is presented as `[−f, f]`, whose arg-max is class 1 exactly when `f > 0`.
    fn adapt(&self) -> AccuracyInput<B> {
        let scores = if self.decision.dims()[1] == 1 {
            Tensor::cat(vec![self.decision.clone().neg(), self.decision.clone()], 1)
        } else {
            self.decision.clone()
        };
        AccuracyInput::new(scores, self.targets.clone())
    }
}

impl<B: AutodiffBackend> TrainStep for LinearSvm<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 1, Int>);
    type Output = SvmOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> TrainOutput<Self::Output> {
        let item = self.forward_svm(inputs, targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: Backend> InferenceStep for LinearSvm<B> {
    type Input = (Tensor<B, 2>, Tensor<B, 1, Int>);
    type Output = SvmOutput<B>;

    fn step(&self, (inputs, targets): Self::Input) -> Self::Output {
        self.forward_svm(inputs, targets)
    }
}

/// Share of `predicted` equal to `targets` (0 for an empty batch).
pub fn accuracy<B: Backend>(predicted: Tensor<B, 1, Int>, targets: Tensor<B, 1, Int>) -> f64 {
    let [n] = targets.dims();
    if n == 0 {
        return 0.0;
    }
    let correct: f64 = predicted.equal(targets).int().sum().into_scalar().elem();
    correct / n as f64
}
