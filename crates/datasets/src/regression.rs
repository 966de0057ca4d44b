//! A seeded synthetic regression problem with known weights: `y = xW + b + noise`.

use crate::{rng::SplitMix64, tabular::Table};

/// A generated problem: the table and the truth it was drawn from.
#[derive(Debug, Clone)]
pub struct SyntheticRegression {
    /// Inputs uniform in `[-1, 1)`, targets `xW + b + ε` with `ε ~ N(0, noise²)`.
    pub table: Table,
    /// The true weights, row-major `[n_inputs × n_outputs]`.
    pub weights: Vec<f64>,
    /// The true bias, `[n_outputs]`.
    pub bias: Vec<f64>,
    /// Standard deviation of the noise.
    pub noise: f64,
}

impl SyntheticRegression {
    /// Draws `rows` rows of a problem with `n_inputs` inputs and `n_outputs` outputs.
    /// Weights and biases are drawn uniform in `[-2, 2)` from the same seed, so a seed
    /// names a whole problem.
    ///
    /// # Panics
    /// If a dimension is 0 or `noise` is negative or not finite.
    pub fn generate(rows: usize, n_inputs: usize, n_outputs: usize, noise: f64, seed: u64) -> Self {
        assert!(
            rows > 0 && n_inputs > 0 && n_outputs > 0,
            "non-empty problem"
        );
        assert!(
            noise.is_finite() && noise >= 0.0,
            "noise is a standard deviation"
        );
        let mut rng = SplitMix64::new(seed);
        let weights: Vec<f64> = (0..n_inputs * n_outputs)
            .map(|_| rng.uniform(-2.0, 2.0))
            .collect();
        let bias: Vec<f64> = (0..n_outputs).map(|_| rng.uniform(-2.0, 2.0)).collect();
        let mut inputs = Vec::with_capacity(rows * n_inputs);
        let mut targets = Vec::with_capacity(rows * n_outputs);
        for _ in 0..rows {
            let x: Vec<f64> = (0..n_inputs).map(|_| rng.uniform(-1.0, 1.0)).collect();
            for o in 0..n_outputs {
                let clean: f64 = bias[o]
                    + (0..n_inputs)
                        .map(|i| x[i] * weights[i * n_outputs + o])
                        .sum::<f64>();
                targets.push((clean + noise * rng.normal()) as f32);
            }
            inputs.extend(x.iter().map(|&v| v as f32));
        }
        Self {
            table: Table::new(inputs, n_inputs, targets, n_outputs),
            weights,
            bias,
            noise,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_problem_and_noise_is_as_asked() {
        let a = SyntheticRegression::generate(2_000, 3, 2, 0.1, 9);
        let b = SyntheticRegression::generate(2_000, 3, 2, 0.1, 9);
        assert_eq!(a.table, b.table);
        assert_ne!(
            a.weights,
            SyntheticRegression::generate(10, 3, 2, 0.1, 10).weights
        );
        let x = a.table.inputs();
        let y = a.table.targets();
        let residuals: Vec<f64> = (0..a.table.len())
            .map(|r| {
                let clean: f64 = a.bias[1]
                    + (0..3)
                        .map(|i| f64::from(x[r * 3 + i]) * a.weights[i * 2 + 1])
                        .sum::<f64>();
                f64::from(y[r * 2 + 1]) - clean
            })
            .collect();
        let sd = (residuals.iter().map(|e| e * e).sum::<f64>() / residuals.len() as f64).sqrt();
        assert!((sd - 0.1).abs() < 0.01, "noise sd {sd}");
    }
}
