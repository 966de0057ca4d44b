//! Seven-segment ("LCD") digits: the ten digits drawn as segments of a 5×5 pixel grid,
//! placed at a random position in an N×N image.
//!
//! With N = 5 every image of a digit is the same; with N = 10 the digit "jitters" over
//! 36 positions, which is where a linear model stops working. Images are 0/1 pixels,
//! optionally with each pixel flipped with probability `noise`.

use std::fmt;

use burn::tensor::{Int, Tensor, TensorData, backend::Backend};

use crate::rng::SplitMix64;

/// Side of a digit's grid, and the smallest image.
pub const DIGIT_SIDE: usize = 5;
/// Number of classes.
pub const CLASSES: usize = 10;

/// Segments lit per digit, as the usual letters: a top, b upper right, c lower right,
/// d bottom, e lower left, f upper left, g middle.
const SEGMENTS: [&str; CLASSES] = [
    "abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg", "abcdfg",
];

/// The 5×5 pattern of `digit` (row-major, 1 = lit).
pub(crate) fn digit_pattern(digit: usize) -> [u8; DIGIT_SIDE * DIGIT_SIDE] {
    let mut grid = [0u8; DIGIT_SIDE * DIGIT_SIDE];
    let last = DIGIT_SIDE - 1;
    let mid = DIGIT_SIDE / 2;
    for segment in SEGMENTS[digit].chars() {
        let cells: Vec<(usize, usize)> = match segment {
            'a' => (0..DIGIT_SIDE).map(|c| (0, c)).collect(),
            'd' => (0..DIGIT_SIDE).map(|c| (last, c)).collect(),
            'g' => (0..DIGIT_SIDE).map(|c| (mid, c)).collect(),
            'b' => (0..=mid).map(|r| (r, last)).collect(),
            'c' => (mid..DIGIT_SIDE).map(|r| (r, last)).collect(),
            'f' => (0..=mid).map(|r| (r, 0)).collect(),
            'e' => (mid..DIGIT_SIDE).map(|r| (r, 0)).collect(),
            _ => unreachable!("segments are a-g"),
        };
        for (r, c) in cells {
            grid[r * DIGIT_SIDE + c] = 1;
        }
    }
    grid
}

/// An image size the generator cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("image size {0} is too small: a digit needs at least {DIGIT_SIDE}x{DIGIT_SIDE} pixels")]
pub struct ImageTooSmall(pub usize);

/// How to draw the images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LcdConfig {
    /// Side of the square image, at least 5.
    pub image_size: usize,
    /// Probability that each pixel is flipped, in `[0, 1]`.
    pub noise: f64,
}

impl LcdConfig {
    /// Images of `image_size` pixels a side without noise.
    pub fn new(image_size: usize) -> Result<Self, ImageTooSmall> {
        if image_size < DIGIT_SIDE {
            return Err(ImageTooSmall(image_size));
        }
        Ok(Self {
            image_size,
            noise: 0.0,
        })
    }

    /// The same, with each pixel flipped with probability `noise` (clamped to [0, 1]).
    pub fn with_noise(self, noise: f64) -> Self {
        Self {
            noise: noise.clamp(0.0, 1.0),
            ..self
        }
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.image_size * self.image_size
    }

    /// Draws `n` images: each a uniformly random digit at a uniformly random position.
    pub fn generate(&self, n: usize, seed: u64) -> LcdSet {
        let mut rng = SplitMix64::new(seed);
        // A separate stream for the noise, so that the digits and their positions do not
        // depend on the noise level.
        let mut noise_rng = SplitMix64::new(seed ^ 0x6E6F_6973_6521);
        let side = self.image_size;
        let positions = side - DIGIT_SIDE + 1;
        let mut pixels = vec![0f32; n * self.pixels()];
        let mut labels = Vec::with_capacity(n);
        for (i, image) in pixels.chunks_exact_mut(self.pixels()).enumerate() {
            let digit = rng.below(CLASSES);
            let (top, left) = (rng.below(positions), rng.below(positions));
            for (p, &lit) in digit_pattern(digit).iter().enumerate() {
                let (r, c) = (top + p / DIGIT_SIDE, left + p % DIGIT_SIDE);
                image[r * side + c] = f32::from(lit);
            }
            if self.noise > 0.0 {
                for v in image.iter_mut() {
                    if noise_rng.next_f64() < self.noise {
                        *v = 1.0 - *v;
                    }
                }
            }
            labels.push(digit as u8);
            debug_assert_eq!(labels.len(), i + 1);
        }
        LcdSet {
            image_size: side,
            pixels,
            labels,
        }
    }
}

/// Generated images and their digits.
#[derive(Debug, Clone, PartialEq)]
pub struct LcdSet {
    image_size: usize,
    pixels: Vec<f32>,
    labels: Vec<u8>,
}

impl LcdSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Side of each image.
    pub fn image_size(&self) -> usize {
        self.image_size
    }

    /// All pixels, image after image, row-major, 0 or 1.
    pub fn pixels(&self) -> &[f32] {
        &self.pixels
    }

    /// The digit of each image.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Images `[n, size²]` and labels `[n]` on `device`.
    pub fn to_tensors<B: Backend>(&self, device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 1, Int>) {
        let n = self.len();
        let side = self.image_size;
        let labels: Vec<i64> = self.labels.iter().map(|&l| i64::from(l)).collect();
        (
            Tensor::from_data(
                TensorData::new(self.pixels.clone(), [n, side * side]),
                device,
            ),
            Tensor::from_data(TensorData::new(labels, [n]), device),
        )
    }
}

impl fmt::Display for LcdSet {
    /// The first image as text (`#` lit, `.` dark).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = self.image_size;
        for row in self.pixels.chunks_exact(side).take(side) {
            let line: String = row
                .iter()
                .map(|&v| if v > 0.5 { '#' } else { '.' })
                .collect();
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_distinct_and_one_is_the_right_column() {
        let patterns: Vec<_> = (0..CLASSES).map(digit_pattern).collect();
        for i in 0..CLASSES {
            for j in i + 1..CLASSES {
                assert_ne!(patterns[i], patterns[j], "{i} vs {j}");
            }
        }
        let one: Vec<usize> = (0..25).filter(|&p| patterns[1][p] == 1).collect();
        assert_eq!(one, vec![4, 9, 14, 19, 24]);
        assert_eq!(patterns[8].iter().filter(|&&v| v == 1).count(), 19);
    }

    #[test]
    fn placement_is_seeded_and_stays_inside_the_image() {
        let config = LcdConfig::new(10).unwrap();
        let a = config.generate(300, 1);
        assert_eq!(a, config.generate(300, 1));
        assert_ne!(a, config.generate(300, 2));
        for (image, &label) in a.pixels().chunks_exact(100).zip(a.labels()) {
            let lit = image.iter().filter(|&&v| v == 1.0).count();
            let expected = digit_pattern(label.into())
                .iter()
                .filter(|&&v| v == 1)
                .count();
            assert_eq!(lit, expected, "the whole digit is inside the image");
        }
        let distinct: std::collections::HashSet<Vec<u32>> = a
            .pixels()
            .chunks_exact(100)
            .map(|im| im.iter().map(|v| v.to_bits()).collect())
            .collect();
        assert!(distinct.len() > 150, "positions vary: {}", distinct.len());
    }

    #[test]
    fn five_by_five_images_are_the_patterns_and_noise_flips_pixels() {
        let set = LcdConfig::new(5).unwrap().generate(20, 3);
        for (image, &label) in set.pixels().chunks_exact(25).zip(set.labels()) {
            let pattern: Vec<f32> = digit_pattern(label.into())
                .iter()
                .map(|&v| f32::from(v))
                .collect();
            assert_eq!(image, &pattern[..]);
        }
        let noisy = LcdConfig::new(5)
            .unwrap()
            .with_noise(0.1)
            .generate(2_000, 3);
        let clean = LcdConfig::new(5).unwrap().generate(2_000, 3);
        assert_eq!(noisy.labels(), clean.labels(), "noise has its own stream");
        let flipped = noisy
            .pixels()
            .iter()
            .zip(clean.pixels())
            .filter(|(a, b)| a != b)
            .count() as f64
            / noisy.pixels().len() as f64;
        assert!((flipped - 0.1).abs() < 0.01, "{flipped}");
    }

    #[test]
    fn images_smaller_than_a_digit_are_rejected() {
        assert_eq!(
            LcdConfig::new(4).unwrap_err().to_string(),
            "image size 4 is too small: a digit needs at least 5x5 pixels"
        );
    }
}
