//! The rows a run fits: loading, the seeded train/held-out split, standardisation.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use datasets::{
    regression::SyntheticRegression, rng::SplitMix64, socr, standardize::Standardizer,
    tabular::Table,
};
use serde::{Deserialize, Serialize};

use super::{DataKind, LinregConfig, Target};

/// Rows in original units, row-major.
#[derive(Debug, Clone)]
pub struct Rows {
    /// Inputs, `n × n_inputs`.
    pub x: Vec<f64>,
    /// Targets, `n × n_outputs`.
    pub y: Vec<f64>,
    /// Input width.
    pub n_inputs: usize,
    /// Target width.
    pub n_outputs: usize,
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len() / self.n_inputs
    }

    fn select(&self, rows: &[usize]) -> Self {
        let pick = |buf: &[f64], w: usize| -> Vec<f64> {
            rows.iter()
                .flat_map(|&r| buf[r * w..(r + 1) * w].iter().copied())
                .collect()
        };
        Self {
            x: pick(&self.x, self.n_inputs),
            y: pick(&self.y, self.n_outputs),
            n_inputs: self.n_inputs,
            n_outputs: self.n_outputs,
        }
    }
}

/// Standardisation of inputs and targets, saved as `scaler.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scaler {
    /// Input statistics.
    pub inputs: Standardizer,
    /// Target statistics.
    pub targets: Standardizer,
    /// Names of the input and target columns, with units.
    pub names: (String, String),
}

impl Scaler {
    /// `rows` standardised, as an f32 table for the model.
    pub fn table(&self, rows: &Rows) -> Table {
        let (mut x, mut y) = (rows.x.clone(), rows.y.clone());
        self.inputs.transform(&mut x);
        self.targets.transform(&mut y);
        let f32s = |v: Vec<f64>| v.into_iter().map(|v| v as f32).collect();
        Table::new(f32s(x), rows.n_inputs, f32s(y), rows.n_outputs)
    }

    /// Weights and bias learned on standardised data, in original units:
    /// `W[i,o]·σy[o]/σx[i]` and `μy[o] + σy[o]·b[o] − Σᵢ W'[i,o]·μx[i]`.
    pub fn to_original(&self, weights: &[f64], bias: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (x, y) = (&self.inputs, &self.targets);
        let m = y.n_features();
        let w: Vec<f64> = weights
            .iter()
            .enumerate()
            .map(|(k, v)| v * y.std[k % m] / x.std[k / m])
            .collect();
        let b = (0..m)
            .map(|o| {
                y.mean[o] + y.std[o] * bias[o]
                    - (0..x.n_features())
                        .map(|i| w[i * m + o] * x.mean[i])
                        .sum::<f64>()
            })
            .collect();
        (w, b)
    }
}

/// A run's data: all rows, the split, and what generated them.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The training rows.
    pub train: Rows,
    /// The held-out rows (the training rows again when there is no hold-out).
    pub test: Rows,
    /// Whether `test` is a real hold-out.
    pub held_out: bool,
    /// Rows loaded (after --limit).
    pub n_rows: usize,
    /// Where the rows came from.
    pub source: String,
    /// The directory of the CSV file read (none for generated data).
    pub data_dir: Option<PathBuf>,
    /// The synthetic problem's true weights and bias, if synthetic.
    pub truth: Option<(Vec<f64>, Vec<f64>)>,
    /// Column names (input, target).
    pub names: (String, String),
}

/// Loads the rows `config` describes and splits them.
pub fn prepare(config: &LinregConfig, search_dir: Option<&Path>) -> Result<Prepared> {
    let mut data_dir: Option<PathBuf> = None;
    let (all, source, truth, names) = match config.dataset {
        DataKind::Socr => {
            let path = socr::Search::from_env(search_dir).locate()?;
            let table = socr::HeightWeight::from_csv_path(&path)?;
            let (x, y, names) = match config.target {
                Target::Weight => (
                    table.heights(),
                    table.weights(),
                    ("height (in)", "weight (lb)"),
                ),
                Target::Height => (
                    table.weights(),
                    table.heights(),
                    ("weight (lb)", "height (in)"),
                ),
            };
            let rows = Rows {
                x: x.to_vec(),
                y: y.to_vec(),
                n_inputs: 1,
                n_outputs: 1,
            };
            let names = (names.0.to_string(), names.1.to_string());
            data_dir = path.parent().map(Path::to_path_buf);
            (rows, path.display().to_string(), None, names)
        }
        DataKind::Synthetic => {
            let s = config.synthetic;
            let problem =
                SyntheticRegression::generate(s.rows, s.inputs, s.outputs, s.noise, config.seed);
            let f64s = |v: &[f32]| v.iter().map(|&v| f64::from(v)).collect();
            let rows = Rows {
                x: f64s(problem.table.inputs()),
                y: f64s(problem.table.targets()),
                n_inputs: s.inputs,
                n_outputs: s.outputs,
            };
            let source = format!(
                "synthetic: {} rows, {} inputs, {} outputs, noise sd {}",
                s.rows, s.inputs, s.outputs, s.noise
            );
            let names = ("x".to_string(), "y".to_string());
            (rows, source, Some((problem.weights, problem.bias)), names)
        }
    };
    let n_rows = config.limit.unwrap_or(all.len()).min(all.len());
    let mut order: Vec<usize> = (0..n_rows).collect();
    let n_test = (n_rows as f64 * config.holdout).round() as usize;
    if n_rows - n_test < 2 {
        bail!(
            "{n_rows} rows with --holdout {} leave {} training rows; a line needs at least 2",
            config.holdout,
            n_rows - n_test
        );
    }
    let held_out = n_test > 0;
    if held_out {
        let mut rng = SplitMix64::new(config.seed);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
    }
    let (train_rows, test_rows) = order.split_at(n_rows - n_test);
    let train = all.select(train_rows);
    let test = if held_out {
        all.select(test_rows)
    } else {
        train.clone()
    };
    Ok(Prepared {
        train,
        test,
        held_out,
        n_rows,
        source,
        data_dir,
        truth,
        names,
    })
}

/// The scaler for `config`: fitted to the training rows, or the identity.
pub fn scaler(config: &LinregConfig, data: &Prepared) -> Scaler {
    let t = &data.train;
    let (inputs, targets) = if config.standardize {
        (
            Standardizer::fit(&t.x, t.n_inputs),
            Standardizer::fit(&t.y, t.n_outputs),
        )
    } else {
        (
            Standardizer::identity(t.n_inputs),
            Standardizer::identity(t.n_outputs),
        )
    };
    Scaler {
        inputs,
        targets,
        names: data.names.clone(),
    }
}

/// R² (mean over outputs) and MSE (mean over rows and outputs) of `predictions` on `rows`.
pub fn r2_and_mse(rows: &Rows, predictions: &[f64]) -> (f64, f64) {
    let m = rows.n_outputs;
    let n = rows.len() as f64;
    let mut r2 = 0.0;
    let mut sse_all = 0.0;
    for o in 0..m {
        let ys = rows.y.iter().skip(o).step_by(m);
        let mean = ys.clone().sum::<f64>() / n;
        let sst: f64 = ys.clone().map(|y| (y - mean).powi(2)).sum();
        let sse: f64 = ys
            .zip(predictions.iter().skip(o).step_by(m))
            .map(|(y, p)| (y - p).powi(2))
            .sum();
        sse_all += sse;
        r2 += if sst > 0.0 { 1.0 - sse / sst } else { 0.0 };
    }
    (r2 / m as f64, sse_all / (n * m as f64))
}

/// `x W + b` for every row of `rows`, in original units.
pub fn predict(rows: &Rows, weights: &[f64], bias: &[f64]) -> Vec<f64> {
    let (d, m) = (rows.n_inputs, rows.n_outputs);
    rows.x
        .chunks_exact(d)
        .flat_map(|x| {
            (0..m).map(move |o| bias[o] + (0..d).map(|i| x[i] * weights[i * m + o]).sum::<f64>())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_units_undo_the_standardisation() {
        // y = 2x + 1 exactly; standardised, the slope is 1 and the intercept 0.
        let x = vec![1.0, 2.0, 3.0, 4.0];
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        let scaler = Scaler {
            inputs: Standardizer::fit(&x, 1),
            targets: Standardizer::fit(&y, 1),
            names: ("x".into(), "y".into()),
        };
        let (w, b) = scaler.to_original(&[1.0], &[0.0]);
        assert!(
            (w[0] - 2.0).abs() < 1e-12 && (b[0] - 1.0).abs() < 1e-12,
            "{w:?} {b:?}"
        );
        let rows = Rows {
            x,
            y,
            n_inputs: 1,
            n_outputs: 1,
        };
        let (r2, mse) = r2_and_mse(&rows, &predict(&rows, &w, &b));
        assert!((r2 - 1.0).abs() < 1e-12 && mse < 1e-20);
    }
}
