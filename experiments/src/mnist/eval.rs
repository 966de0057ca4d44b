//! Evaluation of a trained classifier on the test set.

use std::sync::Arc;

use burn::{
    data::dataloader::batcher::Batcher,
    tensor::{ElementConversion, Int, Tensor, activation::softmax},
};
use datasets::mnist::{CLASSES, MnistBatcher, MnistImages};
use models::{MlpClassifier, fused::ZooBackend, loss::cross_entropy};
use serde::Serialize;

/// Images per inference batch.
const EVAL_BATCH: usize = 1_000;

/// What a model does on (part of) the test set.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// Share of images classified correctly (0..1).
    pub accuracy: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Counts, `confusion[true][predicted]`.
    pub confusion: Vec<Vec<u64>>,
    /// Per class: correct / predicted as that class (0 when never predicted).
    pub precision: Vec<f64>,
    /// Per class: correct / images of that class (0 when absent).
    pub recall: Vec<f64>,
    /// Predicted class of each evaluated image.
    #[serde(skip)]
    pub predictions: Vec<u8>,
    /// Probability of the predicted class of each evaluated image.
    #[serde(skip)]
    pub confidence: Vec<f32>,
    /// The logits of each evaluated image, `[n, 10]` row-major.
    #[serde(skip)]
    pub logits: Vec<f32>,
}

/// Evaluates `model` on the first `n` images of `images`, in batches.
pub fn evaluate<B: ZooBackend>(
    model: &MlpClassifier<B>,
    images: &Arc<MnistImages>,
    n: usize,
    device: &B::Device,
) -> TestReport {
    let n = n.min(images.len());
    let batcher = MnistBatcher::new(images.clone());
    let mut confusion = vec![vec![0u64; CLASSES]; CLASSES];
    let (mut predictions, mut confidence) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut all_logits = Vec::with_capacity(n * CLASSES);
    let mut loss_sum = 0.0;
    for start in (0..n).step_by(EVAL_BATCH) {
        let indices: Vec<usize> = (start..(start + EVAL_BATCH).min(n)).collect();
        let len = indices.len();
        let (x, y): (Tensor<B, 2>, Tensor<B, 1, Int>) = batcher.batch(indices.clone(), device);
        let logits = model.forward(x);
        let loss: f64 = cross_entropy(logits.clone(), y).into_scalar().elem();
        loss_sum += loss * len as f64;
        all_logits.extend(
            logits
                .clone()
                .into_data()
                .convert::<f32>()
                .to_vec::<f32>()
                .expect("f32 data"),
        );
        let probabilities = softmax(logits, 1);
        let (best, index) = probabilities.max_dim_with_indices(1);
        let best: Vec<f32> = best
            .into_data()
            .convert::<f32>()
            .to_vec()
            .expect("f32 data");
        let index: Vec<i64> = index
            .into_data()
            .convert::<i64>()
            .to_vec()
            .expect("int data");
        for ((&i, &p), &k) in indices.iter().zip(&index).zip(&best) {
            let truth = usize::from(images.label(i));
            confusion[truth][p as usize] += 1;
            predictions.push(p as u8);
            confidence.push(k);
        }
    }
    let correct: u64 = (0..CLASSES).map(|c| confusion[c][c]).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = (0..CLASSES)
        .map(|c| ratio(confusion[c][c], (0..CLASSES).map(|r| confusion[r][c]).sum()))
        .collect();
    let recall = (0..CLASSES)
        .map(|c| ratio(confusion[c][c], confusion[c].iter().sum()))
        .collect();
    TestReport {
        accuracy: ratio(correct, n as u64),
        loss: if n == 0 {
            f64::NAN
        } else {
            loss_sum / n as f64
        },
        confusion,
        precision,
        recall,
        predictions,
        confidence,
        logits: all_logits,
    }
}

/// The per-class table and the confusion matrix as text.
pub fn report_text(report: &TestReport, names: &[&str]) -> String {
    let mut s = String::from("class         precision  recall\n");
    for (c, name) in names.iter().enumerate() {
        s += &format!(
            "{name:<12}  {:>9.4}  {:>6.4}\n",
            report.precision[c], report.recall[c]
        );
    }
    s += "\nconfusion matrix (rows: true class, columns: predicted)\n      ";
    for c in 0..names.len() {
        s += &format!("{c:>6}");
    }
    s.push('\n');
    for (r, row) in report.confusion.iter().enumerate() {
        s += &format!("{r:>6}");
        for count in row {
            s += &format!("{count:>6}");
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use models::MlpClassifierConfig;

    #[test]
    fn counts_add_up_and_ratios_are_consistent() {
        let labels: Vec<u8> = (0..30).map(|i| (i % 10) as u8).collect();
        let images = Arc::new(MnistImages::new(vec![0; 30 * 784], labels));
        let device = Default::default();
        let model = MlpClassifierConfig::new()
            .with_hidden(vec![4])
            .init::<Flex>(&device)
            .unwrap();
        let report = evaluate(&model, &images, 25, &device);
        let total: u64 = report.confusion.iter().flatten().sum();
        assert_eq!(total, 25);
        assert_eq!(report.predictions.len(), 25);
        // Identical images get one prediction: exactly the images of that class are right.
        let p = usize::from(report.predictions[0]);
        let right = images.labels()[..25]
            .iter()
            .filter(|&&l| usize::from(l) == p)
            .count();
        assert!((report.accuracy - right as f64 / 25.0).abs() < 1e-12);
        assert!(report.loss.is_finite());
    }
}
