//! Feature standardisation: `(x − mean) / std` per column, with the statistics kept
//! (serialisable) so that a model trained on standardised data can report and predict
//! in original units.

use serde::{Deserialize, Serialize};

/// Per-column mean and standard deviation of a row-major table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column standard deviations (population, ddof 0); a constant column gets 1 so
    /// that it maps to 0 instead of NaN.
    pub std: Vec<f64>,
}

impl Standardizer {
    /// The statistics of `rows` (row-major, `n_features` columns).
    ///
    /// # Panics
    /// If `n_features` is 0 or does not divide `rows.len()`.
    pub fn fit(rows: &[f64], n_features: usize) -> Self {
        assert!(
            n_features > 0 && rows.len().is_multiple_of(n_features),
            "{} values do not form rows of {n_features}",
            rows.len()
        );
        let n = (rows.len() / n_features).max(1) as f64;
        let mut mean = vec![0.0; n_features];
        for row in rows.chunks_exact(n_features) {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; n_features];
        for row in rows.chunks_exact(n_features) {
            for ((v, x), m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (x - m).powi(2);
            }
        }
        let std = var
            .into_iter()
            .map(|v| {
                let s = (v / n).sqrt();
                if s > f64::EPSILON { s } else { 1.0 }
            })
            .collect();
        Self { mean, std }
    }

    /// The identity transform for `n_features` columns.
    pub fn identity(n_features: usize) -> Self {
        Self {
            mean: vec![0.0; n_features],
            std: vec![1.0; n_features],
        }
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Standardises `rows` in place.
    pub fn transform(&self, rows: &mut [f64]) {
        for row in rows.chunks_exact_mut(self.n_features()) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = (*x - m) / s;
            }
        }
    }

    /// Maps standardised `rows` back to original units in place.
    pub fn inverse(&self, rows: &mut [f64]) {
        for row in rows.chunks_exact_mut(self.n_features()) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = *x * s + m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_and_inverts() {
        let rows = vec![1.0, 10.0, 3.0, 10.0, 5.0, 10.0];
        let s = Standardizer::fit(&rows, 2);
        assert_eq!(s.mean, vec![3.0, 10.0]);
        assert!((s.std[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.std[1], 1.0, "constant column");
        let mut t = rows.clone();
        s.transform(&mut t);
        assert!((t[0] + t[2] + t[4]).abs() < 1e-12 && t[1] == 0.0);
        s.inverse(&mut t);
        for (a, b) in t.iter().zip(&rows) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
