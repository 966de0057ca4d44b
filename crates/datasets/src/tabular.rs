//! Tables of numeric inputs and targets in two contiguous row-major buffers, as a burn
//! data set of row indices with a batcher that gathers rows into a [`TabularBatch`].

use std::{ops::Range, sync::Arc};

use burn::{
    data::{dataloader::batcher::Batcher, dataset::Dataset},
    tensor::{Tensor, TensorData, backend::Backend},
};

use crate::TabularBatch;

/// Rows of `n_inputs` input values and `n_targets` target values.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    inputs: Vec<f32>,
    targets: Vec<f32>,
    n_inputs: usize,
    n_targets: usize,
}

impl Table {
    /// A table from row-major buffers.
    ///
    /// # Panics
    /// If a width is 0 or the buffers do not hold the same number of whole rows.
    pub fn new(inputs: Vec<f32>, n_inputs: usize, targets: Vec<f32>, n_targets: usize) -> Self {
        assert!(n_inputs > 0 && n_targets > 0, "tables have columns");
        assert!(
            inputs.len().is_multiple_of(n_inputs)
                && targets.len().is_multiple_of(n_targets)
                && inputs.len() / n_inputs == targets.len() / n_targets,
            "inputs and targets hold the same number of whole rows"
        );
        Self {
            inputs,
            targets,
            n_inputs,
            n_targets,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.n_inputs
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Input columns.
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    /// Target columns.
    pub fn n_targets(&self) -> usize {
        self.n_targets
    }

    /// All inputs, row-major.
    pub fn inputs(&self) -> &[f32] {
        &self.inputs
    }

    /// All targets, row-major.
    pub fn targets(&self) -> &[f32] {
        &self.targets
    }

    /// Rows `range` as a new table.
    pub fn rows(&self, range: Range<usize>) -> Self {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        Self::new(
            self.inputs[start * self.n_inputs..end * self.n_inputs].to_vec(),
            self.n_inputs,
            self.targets[start * self.n_targets..end * self.n_targets].to_vec(),
            self.n_targets,
        )
    }
}

/// A burn data set over a [`Table`]'s rows; items are row indices.
#[derive(Debug, Clone)]
pub struct TableDataset {
    rows: usize,
    times: usize,
}

impl TableDataset {
    /// Every row of `table`.
    pub fn new(table: &Table) -> Self {
        Self::repeated(table, 1)
    }

    /// Every row of `table`, `times` times over (several passes in one epoch).
    pub fn repeated(table: &Table, times: usize) -> Self {
        Self {
            rows: table.len(),
            times,
        }
    }
}

impl Dataset<usize> for TableDataset {
    fn get(&self, index: usize) -> Option<usize> {
        (index < self.len()).then(|| index % self.rows)
    }

    fn len(&self) -> usize {
        self.rows * self.times
    }
}

/// Gathers rows of a shared [`Table`] into `(inputs, targets)` tensors.
#[derive(Debug, Clone)]
pub struct TableBatcher {
    table: Arc<Table>,
}

impl TableBatcher {
    /// A batcher reading from `table`.
    pub fn new(table: Arc<Table>) -> Self {
        Self { table }
    }
}

impl<B: Backend> Batcher<B, usize, TabularBatch<B>> for TableBatcher {
    fn batch(&self, rows: Vec<usize>, device: &B::Device) -> TabularBatch<B> {
        let t = &self.table;
        let gather = |buf: &[f32], width: usize| -> Vec<f32> {
            let mut out = Vec::with_capacity(rows.len() * width);
            for &r in &rows {
                out.extend_from_slice(&buf[r * width..(r + 1) * width]);
            }
            out
        };
        (
            Tensor::from_data(
                TensorData::new(gather(&t.inputs, t.n_inputs), [rows.len(), t.n_inputs]),
                device,
            ),
            Tensor::from_data(
                TensorData::new(gather(&t.targets, t.n_targets), [rows.len(), t.n_targets]),
                device,
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::test_backend::TestBackend;

    use super::*;

    #[test]
    fn batches_gather_rows_in_order() {
        let table = Table::new(vec![1., 2., 3., 4., 5., 6.], 2, vec![10., 20., 30.], 1);
        assert_eq!(table.len(), 3);
        assert_eq!(table.rows(1..9).targets(), &[20., 30.]);
        let (x, y): TabularBatch<TestBackend> =
            TableBatcher::new(Arc::new(table)).batch(vec![2, 0], &Default::default());
        assert_eq!(x.to_data().to_vec::<f32>().unwrap(), vec![5., 6., 1., 2.]);
        assert_eq!(y.to_data().to_vec::<f32>().unwrap(), vec![30., 10.]);
    }
}
