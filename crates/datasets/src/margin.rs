//! The SVM seed's data: random points in a square, labelled by the side of the line
//! `y = x` they fall on, then pushed away from the line to open a margin.
//!
//! TensorFlow's SVM example draws 1,000 points uniformly in `[−5, 5]²`, gives class
//! `c = 1` to those with `y > x` and `c = 0` to the others, and moves every point by
//! `δ = margin/√2` along the line's normal, away from it:
//!
//! ```text
//! x += −c·δ + (1 − c)·δ
//! y +=  c·δ + (c − 1)·δ
//! ```
//!
//! so each point ends up at least `margin` (default 0.5) from `y = x`, and the two
//! classes are separated by a gap at least `2·margin` wide. Generation is seeded and
//! deterministic ([`SplitMix64`]).

use crate::rng::SplitMix64;
use burn::{
    data::{dataloader::batcher::Batcher, dataset::Dataset},
    tensor::{Int, Tensor, TensorData, backend::Backend},
};

/// Points in the seed: 1,000.
pub const SEED_POINTS: usize = 1_000;
/// The seed's push away from the line: 0.5.
pub const SEED_MARGIN: f64 = 0.5;
/// Half the side of the sampling square `[−5, 5]²`.
pub const SEED_EXTENT: f64 = 5.0;

/// Why margin data cannot be generated or accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MarginError {
    /// The margin must be a finite number ≥ 0.
    #[error("margin must be a finite number >= 0, got {0}")]
    BadMargin(f64),
    /// The sampling square must have a finite, positive half-side.
    #[error("extent (half the side of the sampling square) must be a finite number > 0, got {0}")]
    BadExtent(f64),
    /// A label other than 0 or 1.
    #[error("label {label} at index {index} is not 0 or 1")]
    BadLabel {
        /// Position of the offending item.
        index: usize,
        /// Its label.
        label: u8,
    },
    /// A coordinate that is NaN or infinite.
    #[error("point {index} has a non-finite coordinate")]
    NonFinite {
        /// Position of the offending item.
        index: usize,
    },
}

/// One labelled point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarginItem {
    /// `(x, y)`.
    pub point: [f32; 2],
    /// 1 when the point lies above `y = x`, else 0.
    pub label: u8,
}

/// `n` points drawn uniformly in `[−extent, extent]²` with generator `seed` (the seed's
/// "fresh random points" to classify).
pub fn random_points(n: usize, extent: f64, seed: u64) -> Result<Vec<[f32; 2]>, MarginError> {
    if !(extent.is_finite() && extent > 0.0) {
        return Err(MarginError::BadExtent(extent));
    }
    let mut rng = SplitMix64::new(seed);
    Ok((0..n)
        .map(|_| {
            let x = rng.uniform(-extent, extent);
            let y = rng.uniform(-extent, extent);
            [x as f32, y as f32]
        })
        .collect())
}

/// Labelled margin data as a burn [`Dataset`], optionally repeated for full-batch
/// training (see [`MarginDataset::repeated`]).
#[derive(Debug, Clone)]
pub struct MarginDataset {
    items: Vec<MarginItem>,
    repeats: usize,
}

impl MarginDataset {
    /// `n` points in `[−extent, extent]²` labelled by `y > x` and pushed `margin` away
    /// from the line, from generator `seed`.
    pub fn generate(n: usize, margin: f64, extent: f64, seed: u64) -> Result<Self, MarginError> {
        if !(margin.is_finite() && margin >= 0.0) {
            return Err(MarginError::BadMargin(margin));
        }
        let delta = margin / std::f64::consts::SQRT_2;
        let items = random_points(n, extent, seed)?
            .into_iter()
            .map(|[x, y]| {
                let c = f64::from(u8::from(y > x));
                let (x, y) = (f64::from(x), f64::from(y));
                let x = x - c * delta + (1.0 - c) * delta;
                let y = y + c * delta + (c - 1.0) * delta;
                MarginItem {
                    point: [x as f32, y as f32],
                    label: c as u8,
                }
            })
            .collect();
        Ok(Self { items, repeats: 1 })
    }

    /// The seed's data: 1,000 points in `[−5, 5]²`, margin 0.5.
    #[cfg(test)]
    pub(crate) fn seed_data(seed: u64) -> Self {
        Self::generate(SEED_POINTS, SEED_MARGIN, SEED_EXTENT, seed)
            .expect("the seed's parameters are valid")
    }

    /// Any labelled points; labels must be 0 or 1 and coordinates finite.
    #[cfg(test)]
    pub(crate) fn from_items(items: Vec<MarginItem>) -> Result<Self, MarginError> {
        for (index, item) in items.iter().enumerate() {
            if item.label > 1 {
                return Err(MarginError::BadLabel {
                    index,
                    label: item.label,
                });
            }
            if !item.point.iter().all(|v| v.is_finite()) {
                return Err(MarginError::NonFinite { index });
            }
        }
        Ok(Self { items, repeats: 1 })
    }

    /// The same points laid out `repeats` times in a row, so that an unshuffled loader
    /// with a batch size of [`MarginDataset::points`] yields the whole set at every step
    /// and one epoch is `repeats` full-batch steps.
    pub fn repeated(mut self, repeats: usize) -> Self {
        self.repeats = repeats;
        self
    }

    /// The distinct points (not repeated).
    pub fn items(&self) -> &[MarginItem] {
        &self.items
    }

    /// Number of distinct points.
    pub fn points(&self) -> usize {
        self.items.len()
    }
}

impl Dataset<MarginItem> for MarginDataset {
    fn get(&self, index: usize) -> Option<MarginItem> {
        if index >= self.len() {
            return None;
        }
        Some(self.items[index % self.items.len()])
    }

    fn len(&self) -> usize {
        self.items.len() * self.repeats
    }
}

/// Turns margin items into `(points [batch, 2], labels [batch])`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarginBatcher;

impl<B: Backend> Batcher<B, MarginItem, (Tensor<B, 2>, Tensor<B, 1, Int>)> for MarginBatcher {
    fn batch(
        &self,
        items: Vec<MarginItem>,
        device: &B::Device,
    ) -> (Tensor<B, 2>, Tensor<B, 1, Int>) {
        let n = items.len();
        let points: Vec<f32> = items.iter().flat_map(|item| item.point).collect();
        let labels: Vec<i64> = items.iter().map(|item| i64::from(item.label)).collect();
        (
            Tensor::from_data(TensorData::new(points, [n, 2]), device),
            Tensor::from_data(TensorData::new(labels, [n]), device),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend::TestBackend;

    fn distance_to_line([x, y]: [f32; 2]) -> f64 {
        (f64::from(y) - f64::from(x)).abs() / std::f64::consts::SQRT_2
    }

    #[test]
    fn points_are_labelled_by_side_and_at_least_margin_from_the_line() {
        for margin in [0.0, 0.5, 1.25] {
            let data = MarginDataset::generate(2_000, margin, 5.0, 7).unwrap();
            assert_eq!(data.len(), 2_000);
            for item in data.items() {
                let [x, y] = item.point;
                assert_eq!(item.label, u8::from(y > x), "{item:?}");
                assert!(distance_to_line(item.point) >= margin - 1e-5, "{item:?}");
            }
            let positives = data.items().iter().filter(|i| i.label == 1).count();
            assert!((800..1_200).contains(&positives), "{positives}");
        }
    }

    #[test]
    fn the_push_follows_the_seed_formula() {
        // Same generator, margin 0 vs 0.5: each point moves by δ = 0.5/√2 per axis,
        // (−δ, +δ) for class 1 and (+δ, −δ) for class 0.
        let raw = MarginDataset::generate(50, 0.0, 5.0, 3).unwrap();
        let pushed = MarginDataset::generate(50, 0.5, 5.0, 3).unwrap();
        let delta = 0.5 / std::f64::consts::SQRT_2;
        for (a, b) in raw.items().iter().zip(pushed.items()) {
            assert_eq!(a.label, b.label);
            let sign = if a.label == 1 { -1.0 } else { 1.0 };
            let dx = f64::from(b.point[0]) - f64::from(a.point[0]);
            let dy = f64::from(b.point[1]) - f64::from(a.point[1]);
            assert!((dx - sign * delta).abs() < 1e-5 && (dy + sign * delta).abs() < 1e-5);
        }
    }

    #[test]
    fn generation_is_seeded() {
        let a = MarginDataset::seed_data(1);
        assert_eq!(a.items(), MarginDataset::seed_data(1).items());
        assert_ne!(a.items(), MarginDataset::seed_data(2).items());
        let p = random_points(20, 5.0, 9).unwrap();
        assert_eq!(p, random_points(20, 5.0, 9).unwrap());
        assert!(p.iter().flatten().all(|v| (-5.0..5.0).contains(v)));
    }

    #[test]
    fn bad_parameters_and_labels_are_errors() {
        assert_eq!(
            MarginDataset::generate(10, -0.1, 5.0, 0).unwrap_err(),
            MarginError::BadMargin(-0.1)
        );
        assert_eq!(
            random_points(3, 0.0, 0).unwrap_err(),
            MarginError::BadExtent(0.0)
        );
        let items = vec![
            MarginItem {
                point: [0.0, 1.0],
                label: 1,
            },
            MarginItem {
                point: [1.0, 0.0],
                label: 2,
            },
        ];
        let err = MarginDataset::from_items(items).unwrap_err();
        assert_eq!(err.to_string(), "label 2 at index 1 is not 0 or 1");
        let nan = vec![MarginItem {
            point: [f32::NAN, 0.0],
            label: 0,
        }];
        assert_eq!(
            MarginDataset::from_items(nan).unwrap_err(),
            MarginError::NonFinite { index: 0 }
        );
    }

    #[test]
    fn repeated_data_batches_whole_sets() {
        let data = MarginDataset::generate(3, 0.5, 5.0, 0).unwrap().repeated(4);
        assert_eq!(data.len(), 12);
        assert_eq!(data.get(7), data.get(1));
        assert!(data.get(12).is_none());
        let items: Vec<_> = (0..3).map(|i| data.get(i).unwrap()).collect();
        let (x, y) =
            Batcher::<TestBackend, _, _>::batch(&MarginBatcher, items.clone(), &Default::default());
        assert_eq!(x.dims(), [3, 2]);
        let labels: Vec<i64> = y.to_data().to_vec().unwrap();
        assert_eq!(
            labels,
            items.iter().map(|i| i64::from(i.label)).collect::<Vec<_>>()
        );
    }
}
