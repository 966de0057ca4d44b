//! Small synthetic stand-ins for the real data files, written in the real formats, so
//! that tests (and anyone without the data) can exercise the loaders, training and the
//! command line offline.
//!
//! - [`write_mnist`]: the four MNIST IDX files with seeded, learnable 28×28 "digits":
//!   each class is a seven-segment figure (the segments a pocket calculator lights
//!   for that digit), drawn with a random stroke width of 3 or 4 pixels, shifted by up
//!   to one pixel each way, with varying ink and salt noise. Learnable, but not in one
//!   step: a 784-512-10 MLP (Adam, learning rate 1e-3) trained on 500 such images
//!   scored about 57%, 75% and 91% on 200 test images after one, two and three
//!   epochs of batch 128, and about 82% and 95% after one and two epochs of batch 32
//!   (measured on `write_mnist(dir, 600, 200, 7, _)` with a NumPy MLP of that shape;
//!   burn's initialisation and shuffling will move these by a few points).
//! - [`write_socr`]: a `SOCR-HeightWeight.csv` with seeded heights ~ N(68, 1.9²)
//!   inches and weights `3.08·h − 82.6 + N(0, 10²)` pounds, the shape of the real
//!   table (whose least-squares line is close to that one).
//!
//! Both are deterministic: the same arguments write the same bytes.

use std::{fs, io, path::Path};

use crate::{
    idx::encode_idx,
    mnist::{MnistKind, PIXELS, SIDE, Split, source::write_gz},
    rng::{SplitMix64, derive_seed},
    socr::{HEIGHT_COLUMN, WEIGHT_COLUMN},
};

/// Mean height of the synthetic SOCR table, inches.
pub const SOCR_HEIGHT_MEAN: f64 = 68.0;
/// Standard deviation of its heights, inches.
pub const SOCR_HEIGHT_STD: f64 = 1.9;
/// Slope of its weights on heights, pounds per inch.
pub const SOCR_SLOPE: f64 = 3.08;
/// Intercept of its weights, pounds.
pub const SOCR_INTERCEPT: f64 = -82.6;
/// Standard deviation of its weights around the line, pounds.
pub const SOCR_NOISE_STD: f64 = 10.0;

/// The seven segments, as the bits of a mask: a (top), b (top right), c (bottom
/// right), d (bottom), e (bottom left), f (top left), g (middle).
const SEGMENTS: [u8; 10] = [
    0b011_1111, // 0: a b c d e f
    0b000_0110, // 1: b c
    0b101_1011, // 2: a b d e g
    0b100_1111, // 3: a b c d g
    0b110_0110, // 4: b c f g
    0b110_1101, // 5: a c d f g
    0b111_1101, // 6: a c d e f g
    0b000_0111, // 7: a b c
    0b111_1111, // 8: all
    0b110_1111, // 9: a b c d f g
];

/// Left and right columns, top, middle and bottom rows of the unshifted figure.
const LEFT: i32 = 9;
const RIGHT: i32 = 18;
const TOP: i32 = 5;
const MIDDLE: i32 = 13;
const BOTTOM: i32 = 22;
/// Largest shift in either direction, pixels.
const MAX_SHIFT: i32 = 1;
/// Share of background pixels that get salt noise.
const SALT: f64 = 0.02;

/// Writes an MNIST-format data set of `n_train` training and `n_test` test images
/// into `dir` (created if needed), under the standard names
/// (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`), each with `.gz` when `gzip`.
///
/// A file of the same name in the other form (raw where gzip was asked for, and the
/// other way round) is removed, so that the loader, which prefers the raw file, reads
/// what was written. The two splits come from different streams of `seed`
/// ([`derive_seed`]); labels are drawn uniformly from the ten classes.
pub fn write_mnist(
    dir: &Path,
    n_train: usize,
    n_test: usize,
    seed: u64,
    gzip: bool,
) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (stream, split, n) in [(0, Split::Train, n_train), (1, Split::Test, n_test)] {
        let count = u32::try_from(n).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{n} images do not fit an IDX header"),
            )
        })?;
        let (pixels, labels) = synthetic_digits(n, derive_seed(seed, stream));
        let [images_name, labels_name] = MnistKind::Mnist.files(split);
        write_file(
            dir,
            images_name,
            &encode_idx(&[count, SIDE as u32, SIDE as u32], &pixels),
            gzip,
        )?;
        write_file(dir, labels_name, &encode_idx(&[count], &labels), gzip)?;
    }
    Ok(())
}

/// Writes `bytes` to `dir/name` (or `dir/name.gz`, compressed) and removes the file
/// of the other form.
fn write_file(dir: &Path, name: &str, bytes: &[u8], gzip: bool) -> io::Result<()> {
    let raw = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    let stale = if gzip {
        write_gz(&gz, bytes)?;
        raw
    } else {
        fs::write(&raw, bytes)?;
        gz
    };
    match fs::remove_file(stale) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `n` seeded seven-segment images (`n × 784` bytes) and their labels.
fn synthetic_digits(n: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut rng = SplitMix64::new(seed);
    let mut pixels = vec![0u8; n * PIXELS];
    let mut labels = Vec::with_capacity(n);
    for image in pixels.chunks_exact_mut(PIXELS) {
        let label = rng.below(10) as u8;
        labels.push(label);
        draw_digit(image, label, &mut rng);
    }
    (pixels, labels)
}

/// Draws `digit` into a blank 28×28 `image`: its segments with a random stroke
/// width (3 or 4 pixels) and shift (up to one pixel each way), each stroke pixel with its own ink, then salt
/// noise on the background.
fn draw_digit(image: &mut [u8], digit: u8, rng: &mut SplitMix64) {
    let width = 3 + rng.below(2) as i32;
    let shift = |rng: &mut SplitMix64| rng.below(2 * MAX_SHIFT as usize + 1) as i32 - MAX_SHIFT;
    let (dx, dy) = (shift(rng), shift(rng));
    // Each segment as a rectangle: columns x0..x1, rows y0..y1 (exclusive ends).
    let horizontal = |y: i32| (LEFT, RIGHT + width, y, y + width);
    let vertical = |x: i32, y0: i32, y1: i32| (x, x + width, y0, y1 + width);
    let rectangles = [
        horizontal(TOP),                 // a
        vertical(RIGHT, TOP, MIDDLE),    // b
        vertical(RIGHT, MIDDLE, BOTTOM), // c
        horizontal(BOTTOM),              // d
        vertical(LEFT, MIDDLE, BOTTOM),  // e
        vertical(LEFT, TOP, MIDDLE),     // f
        horizontal(MIDDLE),              // g
    ];
    let side = SIDE as i32;
    for (bit, &(x0, x1, y0, y1)) in rectangles.iter().enumerate() {
        if SEGMENTS[usize::from(digit)] & (1 << bit) == 0 {
            continue;
        }
        for y in (y0 + dy).max(0)..(y1 + dy).min(side) {
            for x in (x0 + dx).max(0)..(x1 + dx).min(side) {
                image[(y * side + x) as usize] = 255 - rng.below(80) as u8;
            }
        }
    }
    for pixel in image.iter_mut().filter(|p| **p == 0) {
        if rng.next_f64() < SALT {
            *pixel = rng.below(128) as u8;
        }
    }
}

/// Writes a CSV at `path` in the format of `SOCR-HeightWeight.csv`: the header
/// `Index,Height(Inches),Weight(Pounds)`, then `rows` lines `i,height,weight` (1-based
/// index, CRLF line ends, as the real file has), heights ~ N([`SOCR_HEIGHT_MEAN`],
/// [`SOCR_HEIGHT_STD`]²) and weights [`SOCR_SLOPE`]·h + [`SOCR_INTERCEPT`] +
/// N(0, [`SOCR_NOISE_STD`]²), seeded by `seed`.
///
/// The parent directory must exist. With `rows == 0` the file is a header alone,
/// which the loader rejects (it needs data rows).
pub fn write_socr(path: &Path, rows: usize, seed: u64) -> io::Result<()> {
    let mut rng = SplitMix64::new(seed);
    let mut text = format!("Index,{HEIGHT_COLUMN},{WEIGHT_COLUMN}\r\n");
    for i in 1..=rows {
        let height = SOCR_HEIGHT_MEAN + SOCR_HEIGHT_STD * rng.normal();
        let weight = SOCR_SLOPE * height + SOCR_INTERCEPT + SOCR_NOISE_STD * rng.normal();
        text.push_str(&format!("{i},{height:.5},{weight:.4}\r\n"));
    }
    fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        mnist::{MnistImages, source::Search},
        socr::{self, HeightWeight},
    };

    #[test]
    fn mnist_fixture_loads_from_a_data_dir_raw_and_gzipped() {
        for gzip in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            write_mnist(tmp.path(), 120, 30, 5, gzip).unwrap();
            // Found as a --data-dir (no checksum applies to files found there).
            let dir = Search::from_env(MnistKind::Mnist, Some(tmp.path()))
                .locate()
                .unwrap();
            let train = MnistImages::load(&dir, MnistKind::Mnist, Split::Train).unwrap();
            let test = MnistImages::load(&dir, MnistKind::Mnist, Split::Test).unwrap();
            assert_eq!((train.len(), test.len()), (120, 30), "gzip {gzip}");
            assert!(train.labels().iter().all(|&l| l < 10));
            let suffix = if gzip { ".gz" } else { "" };
            assert!(
                tmp.path()
                    .join(format!("t10k-images-idx3-ubyte{suffix}"))
                    .is_file()
            );
        }
    }

    #[test]
    fn mnist_fixture_is_deterministic_and_rewrites_the_other_form() {
        let tmp = tempfile::tempdir().unwrap();
        let load = |dir: &Path| MnistImages::load(dir, MnistKind::Mnist, Split::Train).unwrap();
        write_mnist(tmp.path(), 50, 10, 9, false).unwrap();
        let first = load(tmp.path());
        write_mnist(tmp.path(), 20, 10, 9, true).unwrap();
        assert!(!tmp.path().join("train-images-idx3-ubyte").exists());
        let second = load(tmp.path());
        assert_eq!(
            second.len(),
            20,
            "the gzip files are read, not stale raw ones"
        );
        assert_eq!(second.image(3), first.image(3), "same seed, same images");
        write_mnist(tmp.path(), 20, 10, 10, true).unwrap();
        assert_ne!(load(tmp.path()), second, "another seed, other images");
        // Both splits at u64::MAX: derived seeds do not overflow.
        write_mnist(tmp.path(), 1, 1, u64::MAX, false).unwrap();
    }

    /// The classes are separable by their mean images: a nearest-class-mean rule
    /// trained on one split classifies the other far above chance.
    #[test]
    fn mnist_fixture_classes_are_learnable() {
        let tmp = tempfile::tempdir().unwrap();
        write_mnist(tmp.path(), 600, 200, 1, false).unwrap();
        let train = MnistImages::load(tmp.path(), MnistKind::Mnist, Split::Train).unwrap();
        let test = MnistImages::load(tmp.path(), MnistKind::Mnist, Split::Test).unwrap();
        let mut means = vec![[0f64; PIXELS]; 10];
        let mut counts = [0usize; 10];
        for i in 0..train.len() {
            let c = usize::from(train.label(i));
            counts[c] += 1;
            for (m, &p) in means[c].iter_mut().zip(train.image(i)) {
                *m += f64::from(p);
            }
        }
        assert!(
            counts.iter().all(|&c| c > 30),
            "every class drawn: {counts:?}"
        );
        for (m, &c) in means.iter_mut().zip(&counts) {
            m.iter_mut().for_each(|v| *v /= c as f64);
        }
        let correct = (0..test.len())
            .filter(|&i| {
                let distance = |m: &[f64; PIXELS]| -> f64 {
                    m.iter()
                        .zip(test.image(i))
                        .map(|(a, &b)| (a - f64::from(b)).powi(2))
                        .sum()
                };
                let nearest = (0..10)
                    .min_by(|&a, &b| distance(&means[a]).total_cmp(&distance(&means[b])))
                    .unwrap();
                nearest == usize::from(test.label(i))
            })
            .count();
        let accuracy = correct as f64 / test.len() as f64;
        assert!(
            accuracy > 0.7,
            "nearest class mean (chance: 0.1): {accuracy}"
        );
    }

    #[test]
    fn socr_fixture_loads_with_the_right_shape() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(socr::FILE_NAME);
        write_socr(&path, 2_000, 3).unwrap();
        let table = socr::load(Some(tmp.path())).unwrap();
        assert_eq!(table.len(), 2_000);
        assert_eq!(table, HeightWeight::from_csv_path(&path).unwrap());
        let n = table.len() as f64;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
        let (mh, mw) = (mean(table.heights()), mean(table.weights()));
        let sd_h = (table
            .heights()
            .iter()
            .map(|h| (h - mh).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let cov = table
            .heights()
            .iter()
            .zip(table.weights())
            .map(|(h, w)| (h - mh) * (w - mw))
            .sum::<f64>()
            / n;
        let slope = cov / sd_h.powi(2);
        assert!(
            (mh - 68.0).abs() < 0.2 && (sd_h - 1.9).abs() < 0.1,
            "{mh} {sd_h}"
        );
        assert!((slope - 3.08).abs() < 0.3, "slope {slope}");
        assert!(((mw - slope * mh) - -82.6).abs() < 25.0, "intercept");

        write_socr(&path, 2_000, 3).unwrap();
        assert_eq!(
            socr::load(Some(tmp.path())).unwrap(),
            table,
            "deterministic"
        );
        write_socr(&path, 0, 3).unwrap();
        assert!(
            socr::load(Some(tmp.path()))
                .unwrap_err()
                .to_string()
                .contains("no data rows")
        );
    }
}
