//! What a trained net answers: raw and rounded outputs on a set of inputs, per-bit
//! accuracy, and the check that explains the failure: each unseen output is the output
//! for the same input with the top bit cleared, plus the top input's untouched weights.

use std::fmt::Write as _;

use burn::tensor::{Tensor, TensorData, backend::Backend};
use datasets::bits::{bits_of, pattern, reverse};
use models::DenseRegressor;
use serde::Serialize;

/// A net's answers on a set of inputs.
#[derive(Debug, Clone, Serialize)]
pub struct SetEval {
    /// The inputs, as bit patterns.
    pub inputs: Vec<String>,
    /// The reversed patterns the net should answer.
    pub targets: Vec<String>,
    /// Raw outputs, one row per input.
    pub outputs: Vec<Vec<f32>>,
    /// Outputs rounded to the nearest integer (as the tutorial prints them).
    pub rounded: Vec<Vec<i64>>,
    /// Share of output bits whose rounded value equals the target bit.
    pub bit_accuracy: f64,
    /// Inputs whose every rounded bit is right.
    pub rows_correct: usize,
}

/// `values` as a `[rows, bits]` tensor of their bit patterns.
pub fn bits_tensor<B: Backend>(values: &[u32], bits: usize, device: &B::Device) -> Tensor<B, 2> {
    let flat: Vec<f32> = values.iter().flat_map(|&v| bits_of(v, bits)).collect();
    Tensor::from_data(TensorData::new(flat, [values.len(), bits]), device)
}

/// The rows of a `[rows, cols]` tensor.
fn rows_of<B: Backend>(tensor: Tensor<B, 2>) -> Vec<Vec<f32>> {
    let [_, cols] = tensor.dims();
    let flat: Vec<f32> = tensor
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("f32 outputs");
    flat.chunks(cols.max(1)).map(<[f32]>::to_vec).collect()
}

/// Runs `model` on `inputs` (`bits`-bit patterns).
pub fn evaluate<B: Backend>(
    model: &DenseRegressor<B>,
    bits: usize,
    inputs: &[u32],
    device: &B::Device,
) -> SetEval {
    let outputs = rows_of(model.forward(bits_tensor(inputs, bits, device)));
    let rounded: Vec<Vec<i64>> = outputs
        .iter()
        .map(|row| row.iter().map(|v| v.round() as i64).collect())
        .collect();
    let mut right_bits = 0;
    let mut rows_correct = 0;
    for (&input, row) in inputs.iter().zip(&rounded) {
        let target = bits_of(reverse(input, bits), bits);
        let right = row
            .iter()
            .zip(&target)
            .filter(|(r, t)| **r as f32 == **t)
            .count();
        right_bits += right;
        rows_correct += usize::from(right == bits);
    }
    SetEval {
        inputs: inputs.iter().map(|&v| pattern(v, bits)).collect(),
        targets: inputs
            .iter()
            .map(|&v| pattern(reverse(v, bits), bits))
            .collect(),
        outputs,
        rounded,
        bit_accuracy: right_bits as f64 / (inputs.len() * bits).max(1) as f64,
        rows_correct,
    }
}

/// The weights that the top input bit feeds (row 0 of the first layer).
pub fn top_input_weights<B: Backend>(model: &DenseRegressor<B>) -> Vec<f32> {
    rows_of(model.first_weights().slice(0..1)).remove(0)
}

/// Whether `end` is bit for bit `start` (weights no gradient ever reached).
pub fn bit_identical(start: &[f32], end: &[f32]) -> bool {
    start.len() == end.len()
        && start
            .iter()
            .zip(end)
            .all(|(a, b)| a.to_bits() == b.to_bits())
}

/// For a net without hidden layers: the largest difference between each unseen output
/// and the output for the same input with the top bit cleared plus the top input's
/// weights. (Exactly zero up to rounding when those weights are what the output adds
/// for that bit, which is all a single linear layer can do.)
pub fn cleared_plus_weights_error<B: Backend>(
    model: &DenseRegressor<B>,
    bits: usize,
    unseen: &[u32],
    device: &B::Device,
) -> f64 {
    let top = 1u32 << (bits - 1);
    let cleared: Vec<u32> = unseen.iter().map(|v| v & !top).collect();
    let w0 = top_input_weights(model);
    let predicted = rows_of(model.forward(bits_tensor(&cleared, bits, device)));
    let actual = rows_of(model.forward(bits_tensor(unseen, bits, device)));
    predicted
        .iter()
        .zip(&actual)
        .flat_map(|(p, a)| {
            p.iter()
                .zip(&w0)
                .zip(a)
                .map(|((p, w), a)| f64::from((p + w - a).abs()))
        })
        .fold(0.0, f64::max)
}

/// How many unseen inputs get, rounded, the training answer for the same input with the
/// top bit cleared: the tutorial's "it has completely ignored the new number".
pub fn repeats_cleared_answers(unseen: &SetEval, bits: usize) -> usize {
    unseen
        .inputs
        .iter()
        .zip(&unseen.rounded)
        .filter(|(input, rounded)| {
            let value = u32::from_str_radix(input, 2).expect("a bit pattern");
            let cleared = value & !(1u32 << (bits - 1));
            let expected = bits_of(reverse(cleared, bits), bits);
            rounded.iter().zip(&expected).all(|(r, e)| *r as f32 == *e)
        })
        .count()
}

/// Rounded outputs as a pattern: `0110`, with any value other than 0 or 1 in
/// parentheses (`(-1)000`).
pub fn rounded_pattern(rounded: &[i64]) -> String {
    rounded
        .iter()
        .map(|r| match r {
            0 => "0".to_string(),
            1 => "1".to_string(),
            other => format!("({other})"),
        })
        .collect()
}

/// The answers as printed: one line per input with its target, raw outputs, rounded
/// outputs and a mark.
pub fn answers_table(title: &str, eval: &SetEval) -> String {
    let mut s = format!(
        "{title}: per-bit accuracy {:.1}%\n",
        eval.bit_accuracy * 100.0
    );
    let _ = writeln!(s, "  input  target  rounded  raw outputs");
    for i in 0..eval.inputs.len() {
        let rounded = rounded_pattern(&eval.rounded[i]);
        let raw: Vec<String> = eval.outputs[i].iter().map(|v| format!("{v:7.4}")).collect();
        let mark = if rounded == eval.targets[i] {
            "ok"
        } else {
            "WRONG"
        };
        let _ = writeln!(
            s,
            "  {}   {}    {:<7}  [{}]  {mark}",
            eval.inputs[i],
            eval.targets[i],
            rounded,
            raw.join(", ")
        );
    }
    s
}
