//! Truth tables of two-input logic gates (AND, OR, XOR, XNOR) as a burn data set.
//!
//! The four rows are always in truth-table order `00, 01, 10, 11`. For full-batch
//! training, [`GateDataset::repeated`] lays the table out `repeats` times in a row, so
//! an unshuffled data loader with a batch size of 4 yields exactly the whole table at
//! every step, and one epoch is `repeats` optimisation steps.

use std::{fmt, str::FromStr};

use burn::{
    data::{dataloader::batcher::Batcher, dataset::Dataset},
    tensor::{Tensor, TensorData, backend::Backend},
};

use crate::TabularBatch;

/// Number of rows in a two-input truth table.
pub const TABLE_ROWS: usize = 4;

/// The inputs of a two-input truth table, in order `00, 01, 10, 11`.
pub const TABLE_INPUTS: [[u8; 2]; TABLE_ROWS] = [[0, 0], [0, 1], [1, 0], [1, 1]];

/// A two-input logic gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicGate {
    /// `x1 ∧ x2`
    And,
    /// `x1 ∨ x2`
    Or,
    /// `x1 ⊕ x2`: true when the inputs differ.
    Xor,
    /// `¬(x1 ⊕ x2)`: true when the inputs are equal.
    Xnor,
}

impl LogicGate {
    /// Every gate, in the order AND, OR, XOR, XNOR.
    pub const ALL: [LogicGate; 4] = [Self::And, Self::Or, Self::Xor, Self::Xnor];

    /// The gate's output for two binary inputs.
    pub fn eval(self, x1: bool, x2: bool) -> bool {
        match self {
            Self::And => x1 && x2,
            Self::Or => x1 || x2,
            Self::Xor => x1 != x2,
            Self::Xnor => x1 == x2,
        }
    }

    /// The four targets in truth-table order `00, 01, 10, 11`, as 0.0 or 1.0.
    pub fn targets(self) -> [f32; TABLE_ROWS] {
        TABLE_INPUTS.map(|[a, b]| f32::from(u8::from(self.eval(a == 1, b == 1))))
    }

    /// The lower-case name used on the command line and in artifacts.
    pub fn name(self) -> &'static str {
        match self {
            Self::And => "and",
            Self::Or => "or",
            Self::Xor => "xor",
            Self::Xnor => "xnor",
        }
    }
}

impl fmt::Display for LogicGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a gate name that is not one of `and`, `or`, `xor`, `xnor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownGate(pub String);

impl fmt::Display for UnknownGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown logic gate '{}' (expected one of: and, or, xor, xnor)",
            self.0
        )
    }
}

impl std::error::Error for UnknownGate {}

impl FromStr for LogicGate {
    type Err = UnknownGate;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|gate| gate.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownGate(s.to_string()))
    }
}

/// One row of a truth table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateItem {
    /// The two inputs, each 0.0 or 1.0.
    pub input: [f32; 2],
    /// The gate's output, 0.0 or 1.0.
    pub target: f32,
}

/// A gate's truth table, optionally repeated, as a burn [`Dataset`].
#[derive(Debug, Clone)]
pub struct GateDataset {
    gate: LogicGate,
    repeats: usize,
}

impl GateDataset {
    /// The four rows of `gate`'s truth table, once.
    pub fn new(gate: LogicGate) -> Self {
        Self::repeated(gate, 1)
    }

    /// The truth table laid out `repeats` times in a row (`4 * repeats` items).
    pub fn repeated(gate: LogicGate, repeats: usize) -> Self {
        Self { gate, repeats }
    }

    /// The gate this data set tabulates.
    pub fn gate(&self) -> LogicGate {
        self.gate
    }
}

impl Dataset<GateItem> for GateDataset {
    fn get(&self, index: usize) -> Option<GateItem> {
        if index >= self.len() {
            return None;
        }
        let [a, b] = TABLE_INPUTS[index % TABLE_ROWS];
        Some(GateItem {
            input: [f32::from(a), f32::from(b)],
            target: self.gate.targets()[index % TABLE_ROWS],
        })
    }

    fn len(&self) -> usize {
        TABLE_ROWS * self.repeats
    }
}

/// Turns gate rows into a [`TabularBatch`], the targets as one 0/1 column.
///
/// The tests also build it with one-hot targets over the two classes (`[1, 0]` for
/// false, `[0, 1]` for true); nothing else uses that mode, so its constructor is
/// compiled for the tests only.
#[derive(Debug, Clone, Copy, Default)]
pub struct GateBatcher {
    one_hot: bool,
}

impl GateBatcher {
    /// Targets as one column of 0.0/1.0: shape `[batch_size, 1]`.
    pub fn new() -> Self {
        Self { one_hot: false }
    }

    /// Targets one-hot over the two classes: shape `[batch_size, 2]`.
    #[cfg(test)]
    pub(crate) fn one_hot() -> Self {
        Self { one_hot: true }
    }
}

impl<B: Backend> Batcher<B, GateItem, TabularBatch<B>> for GateBatcher {
    fn batch(&self, items: Vec<GateItem>, device: &B::Device) -> TabularBatch<B> {
        let n = items.len();
        let inputs: Vec<f32> = items.iter().flat_map(|item| item.input).collect();
        let (targets, width): (Vec<f32>, usize) = if self.one_hot {
            let rows = items
                .iter()
                .flat_map(|item| [1.0 - item.target, item.target])
                .collect();
            (rows, 2)
        } else {
            (items.iter().map(|item| item.target).collect(), 1)
        };
        (
            Tensor::from_data(TensorData::new(inputs, [n, 2]), device),
            Tensor::from_data(TensorData::new(targets, [n, width]), device),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend;

    #[test]
    fn truth_tables_match_the_gates() {
        assert_eq!(LogicGate::And.targets(), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(LogicGate::Or.targets(), [0.0, 1.0, 1.0, 1.0]);
        assert_eq!(LogicGate::Xor.targets(), [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(LogicGate::Xnor.targets(), [1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn gate_names_parse_and_unknown_names_are_errors() {
        assert_eq!("XNOR".parse::<LogicGate>(), Ok(LogicGate::Xnor));
        assert_eq!(" and ".parse::<LogicGate>(), Ok(LogicGate::And));
        let err = "nand".parse::<LogicGate>().unwrap_err();
        assert!(err.to_string().contains("'nand'"), "{err}");
    }

    #[test]
    fn repeated_dataset_cycles_through_the_table() {
        let data = GateDataset::repeated(LogicGate::Xor, 3);
        assert_eq!(data.len(), 12);
        let item = data.get(6).unwrap();
        assert_eq!(item.input, [1.0, 0.0]);
        assert_eq!(item.target, 1.0);
        assert!(data.get(12).is_none());
    }

    #[test]
    fn batcher_builds_column_and_one_hot_targets() {
        let data = GateDataset::new(LogicGate::Xnor);
        let items: Vec<_> = (0..4).map(|i| data.get(i).unwrap()).collect();
        let device = Default::default();
        let (x, y): TabularBatch<TestBackend> = GateBatcher::new().batch(items.clone(), &device);
        assert_eq!(x.dims(), [4, 2]);
        assert_eq!(
            y.to_data().to_vec::<f32>().unwrap(),
            vec![1.0, 0.0, 0.0, 1.0]
        );
        let (_, y): TabularBatch<TestBackend> = GateBatcher::one_hot().batch(items, &device);
        assert_eq!(y.dims(), [4, 2]);
        assert_eq!(
            y.to_data().to_vec::<f32>().unwrap(),
            vec![0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]
        );
    }
}
