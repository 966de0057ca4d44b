//! The output of a binary (sigmoid) classifier and the accuracy metric that reads it.
//!
//! burn's own `AccuracyMetric` takes the arg-max over class columns, which is
//! meaningless for a single sigmoid output; [`BinaryAccuracyMetric`] thresholds the
//! probabilities at 0.5 instead. (Not a Burn bug: burn's `HammingScore` thresholds too,
//! but as a multi-label score under another name; this metric is the zoo's
//! "Accuracy", in percent, like burn's.)

use std::marker::PhantomData;

use burn::{
    tensor::{ElementConversion, Tensor, Transaction, backend::Backend},
    train::{
        ItemLazy,
        metric::{
            Adaptor, LossInput, Metric, MetricAttributes, MetricMetadata, MetricName, Numeric,
            NumericAttributes, NumericEntry, SerializedEntry,
            state::{FormatOptions, NumericMetricState},
        },
    },
};

/// What one training or validation step of a binary classifier produces.
#[derive(Debug, Clone)]
pub struct BinaryClassificationOutput<B: Backend> {
    /// The batch's mean loss, shape `[1]`.
    pub loss: Tensor<B, 1>,
    /// Probabilities of the positive class, shape `[batch_size, n_outputs]`.
    pub probabilities: Tensor<B, 2>,
    /// Targets in `{0, 1}`, shape `[batch_size, n_outputs]`.
    pub targets: Tensor<B, 2>,
}

impl<B: Backend> ItemLazy for BinaryClassificationOutput<B> {
    type ItemSync = BinaryClassificationOutput<crate::MetricBackend>;

    fn sync(self) -> Self::ItemSync {
        let [loss, probabilities, targets] = Transaction::default()
            .register(self.loss)
            .register(self.probabilities)
            .register(self.targets)
            .execute()
            .try_into()
            .expect("a transaction of three tensors returns three tensors");
        let device = Default::default();
        BinaryClassificationOutput {
            loss: Tensor::from_data(loss, &device),
            probabilities: Tensor::from_data(probabilities, &device),
            targets: Tensor::from_data(targets, &device),
        }
    }
}

impl<B: Backend> Adaptor<LossInput<B>> for BinaryClassificationOutput<B> {
    fn adapt(&self) -> LossInput<B> {
        LossInput::new(self.loss.clone())
    }
}

/// Input of [`BinaryAccuracyMetric`]: probabilities and 0/1 targets of the same shape.
#[derive(Debug, Clone)]
pub struct BinaryAccuracyInput<B: Backend> {
    probabilities: Tensor<B, 2>,
    targets: Tensor<B, 2>,
}

impl<B: Backend> Adaptor<BinaryAccuracyInput<B>> for BinaryClassificationOutput<B> {
    fn adapt(&self) -> BinaryAccuracyInput<B> {
        BinaryAccuracyInput {
            probabilities: self.probabilities.clone(),
            targets: self.targets.clone(),
        }
    }
}

/// Share of outputs on the right side of 0.5, in percent (named "Accuracy").
#[derive(Clone)]
pub struct BinaryAccuracyMetric<B: Backend> {
    state: NumericMetricState,
    _backend: PhantomData<B>,
}

impl<B: Backend> Default for BinaryAccuracyMetric<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> BinaryAccuracyMetric<B> {
    /// A metric with an empty state.
    pub fn new() -> Self {
        Self {
            state: NumericMetricState::default(),
            _backend: PhantomData,
        }
    }
}

/// Fraction of `probabilities` that fall on the same side of 0.5 as `targets`.
pub(crate) fn binary_accuracy<B: Backend>(
    probabilities: Tensor<B, 2>,
    targets: Tensor<B, 2>,
) -> f64 {
    let n = probabilities.shape().num_elements();
    if n == 0 {
        return 0.0;
    }
    let predicted = probabilities.greater_equal_elem(0.5);
    let actual = targets.greater_equal_elem(0.5);
    let correct: f64 = predicted.equal(actual).int().sum().into_scalar().elem();
    correct / n as f64
}

impl<B: Backend> Metric for BinaryAccuracyMetric<B> {
    type Input = BinaryAccuracyInput<B>;

    fn name(&self) -> MetricName {
        MetricName::new("Accuracy".to_string())
    }

    fn attributes(&self) -> MetricAttributes {
        NumericAttributes {
            unit: Some("%".to_string()),
            higher_is_better: true,
        }
        .into()
    }

    fn update(&mut self, item: &Self::Input, _metadata: &MetricMetadata) -> SerializedEntry {
        let [batch_size, _] = item.probabilities.dims();
        let accuracy = binary_accuracy(item.probabilities.clone(), item.targets.clone());
        self.state.update(
            100.0 * accuracy,
            batch_size,
            FormatOptions::new(self.name()).unit("%").precision(2),
        )
    }

    fn clear(&mut self) {
        self.state.reset();
    }
}

impl<B: Backend> Numeric for BinaryAccuracyMetric<B> {
    fn value(&self) -> NumericEntry {
        self.state.current_value()
    }

    fn running_value(&self) -> NumericEntry {
        self.state.running_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend;

    #[test]
    fn accuracy_thresholds_at_one_half() {
        let device = Default::default();
        let p = Tensor::<TestBackend, 2>::from_floats([[0.9], [0.4], [0.5], [0.1]], &device);
        let y = Tensor::<TestBackend, 2>::from_floats([[1.0], [1.0], [1.0], [0.0]], &device);
        assert_eq!(binary_accuracy(p, y), 0.75);
    }

    #[test]
    fn metric_reports_percent() {
        let device = Default::default();
        let mut metric = BinaryAccuracyMetric::<TestBackend>::new();
        let input = BinaryAccuracyInput {
            probabilities: Tensor::from_floats([[0.9], [0.2]], &device),
            targets: Tensor::from_floats([[1.0], [1.0]], &device),
        };
        let progress = burn::data::dataloader::Progress::new(1, 1);
        let metadata = MetricMetadata {
            progress: progress.clone(),
            global_progress: progress,
            iteration: Some(1),
            lr: None,
        };
        metric.update(&input, &metadata);
        assert_eq!(metric.value().current(), 50.0);
    }
}
