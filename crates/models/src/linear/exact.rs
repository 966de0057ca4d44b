//! The exact minimiser of the linear model's objective, in f64 on the host: the
//! normal equations `(XcᵀXc/n + l2·I) W = Xcᵀyc/n` on centred data, then
//! `b = ȳ − x̄W`. For the small input counts of the zoo's problems a dense solve with
//! partial pivoting is exact to rounding and instant.

use super::LinearError;

/// The least-squares solution.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactFit {
    /// Weights, row-major `[n_inputs × n_outputs]`.
    pub weights: Vec<f64>,
    /// Bias, `[n_outputs]`.
    pub bias: Vec<f64>,
}

/// Minimises `mean((xW + b − y)²) + l2·‖W‖²` exactly for row-major `inputs`
/// (`n_inputs` wide) and `targets` (`n_outputs` wide).
pub fn least_squares(
    inputs: &[f64],
    n_inputs: usize,
    targets: &[f64],
    n_outputs: usize,
    l2: f64,
) -> Result<ExactFit, LinearError> {
    let (d, m) = (n_inputs, n_outputs);
    if d == 0 {
        return Err(LinearError::Empty("input"));
    }
    if m == 0 {
        return Err(LinearError::Empty("output"));
    }
    if !(l2.is_finite() && l2 >= 0.0) {
        return Err(LinearError::BadPenalty(l2));
    }
    for (what, values, width) in [("inputs", inputs.len(), d), ("targets", targets.len(), m)] {
        if !values.is_multiple_of(width) {
            return Err(LinearError::Ragged {
                what,
                values,
                width,
            });
        }
    }
    let n = inputs.len() / d;
    if n != targets.len() / m {
        return Err(LinearError::RowMismatch {
            inputs: n,
            targets: targets.len() / m,
        });
    }
    if n == 0 {
        return Err(LinearError::Singular);
    }
    let mean = |buf: &[f64], width: usize| -> Vec<f64> {
        let mut acc = vec![0.0; width];
        for row in buf.chunks_exact(width) {
            acc.iter_mut().zip(row).for_each(|(a, v)| *a += v);
        }
        acc.into_iter().map(|a| a / n as f64).collect()
    };
    let (x_mean, y_mean) = (mean(inputs, d), mean(targets, m));
    // Augmented system [A | B] with A = XcᵀXc/n + l2·I (d×d) and B = Xcᵀyc/n (d×m).
    let width = d + m;
    let mut system = vec![0.0; d * width];
    for (x, y) in inputs.chunks_exact(d).zip(targets.chunks_exact(m)) {
        for i in 0..d {
            let xi = x[i] - x_mean[i];
            for j in 0..d {
                system[i * width + j] += xi * (x[j] - x_mean[j]);
            }
            for o in 0..m {
                system[i * width + d + o] += xi * (y[o] - y_mean[o]);
            }
        }
    }
    system.iter_mut().for_each(|v| *v /= n as f64);
    for i in 0..d {
        system[i * width + i] += l2;
    }
    let scale = (0..d)
        .map(|i| system[i * width + i].abs())
        .fold(0.0, f64::max);
    // Gauss–Jordan elimination with partial pivoting.
    for col in 0..d {
        let pivot = (col..d)
            .max_by(|&a, &b| {
                system[a * width + col]
                    .abs()
                    .total_cmp(&system[b * width + col].abs())
            })
            .expect("a non-empty range");
        if system[pivot * width + col].abs() <= scale * 1e-12 {
            return Err(LinearError::Singular);
        }
        for k in 0..width {
            system.swap(col * width + k, pivot * width + k);
        }
        let p = system[col * width + col];
        for k in 0..width {
            system[col * width + k] /= p;
        }
        for row in (0..d).filter(|&r| r != col) {
            let factor = system[row * width + col];
            if factor != 0.0 {
                for k in 0..width {
                    system[row * width + k] -= factor * system[col * width + k];
                }
            }
        }
    }
    let weights: Vec<f64> = (0..d)
        .flat_map(|i| (0..m).map(move |o| (i, o)))
        .map(|(i, o)| system[i * width + d + o])
        .collect();
    let bias = (0..m)
        .map(|o| y_mean[o] - (0..d).map(|i| x_mean[i] * weights[i * m + o]).sum::<f64>())
        .collect();
    Ok(ExactFit { weights, bias })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_through_points_is_recovered_exactly() {
        // y = 3x − 2 and z = −x + 5, no noise.
        let x = [0.0, 1.0, 2.0, 3.0];
        let y: Vec<f64> = x.iter().flat_map(|&v| [3.0 * v - 2.0, -v + 5.0]).collect();
        let fit = least_squares(&x, 1, &y, 2, 0.0).unwrap();
        for (got, want) in fit.weights.iter().zip([3.0, -1.0]) {
            assert!((got - want).abs() < 1e-12);
        }
        for (got, want) in fit.bias.iter().zip([-2.0, 5.0]) {
            assert!((got - want).abs() < 1e-12);
        }
    }

    #[test]
    fn ridge_shrinks_by_the_closed_form_factor() {
        // One centred input with variance 1: w = cov / (1 + l2).
        let x = [-1.0, 1.0, -1.0, 1.0];
        let y = [-2.0, 2.0, -2.0, 2.0];
        let fit = least_squares(&x, 1, &y, 1, 1.0).unwrap();
        assert!((fit.weights[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_problems_are_errors() {
        let constant = [1.0, 1.0, 1.0];
        assert_eq!(
            least_squares(&constant, 1, &[1.0, 2.0, 3.0], 1, 0.0),
            Err(LinearError::Singular)
        );
        assert!(least_squares(&constant, 1, &[1.0, 2.0, 3.0], 1, 0.1).is_ok());
        assert!(matches!(
            least_squares(&[1.0, 2.0, 3.0], 2, &[1.0], 1, 0.0),
            Err(LinearError::Ragged { .. })
        ));
        assert!(matches!(
            least_squares(&[1.0, 2.0], 1, &[1.0], 1, 0.0),
            Err(LinearError::RowMismatch { .. })
        ));
    }
}
