//! A drawing made with a mouse or a finger, turned into an MNIST image the way the data
//! set's images were made (LeCun, Cortes and Burges, "The MNIST database"): the digit's
//! bounding box scaled to fit a 20×20 box with its aspect ratio kept (anti-aliased),
//! then placed in the 28×28 field so that its centre of mass is at the centre.

use image::{GrayImage, imageops::FilterType};

use super::{PIXELS, SIDE};

/// Side of the box the digit is scaled to fit, as in MNIST.
pub const BOX: u32 = 20;
/// Smallest and largest side of a drawing accepted, in pixels.
pub const SIDES: std::ops::RangeInclusive<usize> = 8..=512;
/// Pixels at or below this value (of 255) are background when finding the digit's box.
const INK: u8 = 25;

/// Why a drawing cannot be read as a digit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DrawingError {
    /// A side outside [`SIDES`].
    #[error("the drawing is {width}x{height} pixels; each side must be 8 to 512")]
    Size {
        /// Width given.
        width: usize,
        /// Height given.
        height: usize,
    },
    /// The pixels do not fill `width × height`.
    #[error("the drawing has {got} pixels; {width}x{height} needs {expected}")]
    Length {
        /// Pixels given.
        got: usize,
        /// Width given.
        width: usize,
        /// Height given.
        height: usize,
        /// `width × height`.
        expected: usize,
    },
    /// A pixel that is not a number in 0..=255.
    #[error("pixel {index} is {value}; pixels are numbers from 0 to 255")]
    Value {
        /// Its index, row-major.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// No pixel above the background.
    #[error("the drawing is empty")]
    Empty,
}

/// Turns a grayscale drawing (`width × height` values in 0..=255, row-major, ink
/// high: light on dark, as MNIST) into a 28×28 MNIST image.
pub fn to_mnist(pixels: &[f64], width: usize, height: usize) -> Result<Vec<u8>, DrawingError> {
    if !SIDES.contains(&width) || !SIDES.contains(&height) {
        return Err(DrawingError::Size { width, height });
    }
    if pixels.len() != width * height {
        return Err(DrawingError::Length {
            got: pixels.len(),
            width,
            height,
            expected: width * height,
        });
    }
    let mut bytes = Vec::with_capacity(pixels.len());
    for (index, &value) in pixels.iter().enumerate() {
        if !(0.0..=255.0).contains(&value) {
            return Err(DrawingError::Value { index, value });
        }
        bytes.push(value.round() as u8);
    }
    let image = GrayImage::from_raw(width as u32, height as u32, bytes).expect("sized above");
    let (x0, y0, x1, y1) = ink_box(&image).ok_or(DrawingError::Empty)?;
    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
    let scale = BOX as f64 / w.max(h) as f64;
    let fit = |side: u32| ((side as f64 * scale).round() as u32).clamp(1, BOX);
    let (fw, fh) = (fit(w), fit(h));
    let crop = image::imageops::crop_imm(&image, x0, y0, w, h).to_image();
    let mut digit = image::imageops::resize(&crop, fw, fh, FilterType::Triangle);
    stretch_to_full_range(&mut digit);

    // The box centred, then moved so that the centre of mass lands on the field's centre
    // (pixel-index coordinates, as the common re-creations of MNIST's preprocessing do),
    // without leaving the field.
    let (cx, cy) = centre_of_mass(&digit);
    let field = SIDE as i64;
    let place = |size: u32, centre: f64| -> i64 {
        let centred = (field - i64::from(size)) / 2;
        let shift = (field as f64 / 2.0 - (centred as f64 + centre)).round() as i64;
        (centred + shift).clamp(0, field - i64::from(size))
    };
    let (left, top) = (place(fw, cx), place(fh, cy));
    let mut out = vec![0u8; PIXELS];
    for (x, y, p) in digit.enumerate_pixels() {
        let (ox, oy) = (left + i64::from(x), top + i64::from(y));
        out[oy as usize * SIDE + ox as usize] = p.0[0];
    }
    Ok(out)
}

/// The smallest box `(x0, y0, x1, y1)` (inclusive) holding every pixel above [`INK`].
fn ink_box(image: &GrayImage) -> Option<(u32, u32, u32, u32)> {
    image
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] > INK)
        .fold(None, |acc, (x, y, _)| {
            Some(match acc {
                None => (x, y, x, y),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
            })
        })
}

/// Scales the values so the brightest is 255 (a thin stroke shrunk a lot turns grey).
fn stretch_to_full_range(image: &mut GrayImage) {
    let max = image.pixels().map(|p| p.0[0]).max().unwrap_or(0);
    if max > 0 && max < 255 {
        for p in image.pixels_mut() {
            p.0[0] = (f32::from(p.0[0]) * 255.0 / f32::from(max)).round() as u8;
        }
    }
}

/// The intensity-weighted mean position `(x, y)` of `image`'s pixels.
fn centre_of_mass(image: &GrayImage) -> (f64, f64) {
    let (mut sum, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for (x, y, p) in image.enumerate_pixels() {
        let v = f64::from(p.0[0]);
        sum += v;
        sx += v * f64::from(x);
        sy += v * f64::from(y);
    }
    if sum == 0.0 {
        let (w, h) = image.dimensions();
        return (f64::from(w) / 2.0, f64::from(h) / 2.0);
    }
    (sx / sum, sy / sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `side × side` drawing with a filled rectangle of ink.
    fn rectangle(side: usize, x: std::ops::Range<usize>, y: std::ops::Range<usize>) -> Vec<f64> {
        let mut pixels = vec![0.0; side * side];
        for row in y {
            for col in x.clone() {
                pixels[row * side + col] = 255.0;
            }
        }
        pixels
    }

    fn bounds(image: &[u8]) -> (usize, usize, usize, usize) {
        let ink: Vec<(usize, usize)> = (0..PIXELS)
            .filter(|&i| image[i] > 0)
            .map(|i| (i % SIDE, i / SIDE))
            .collect();
        let xs = ink.iter().map(|p| p.0);
        let ys = ink.iter().map(|p| p.1);
        (
            xs.clone().min().unwrap(),
            ys.clone().min().unwrap(),
            xs.max().unwrap(),
            ys.max().unwrap(),
        )
    }

    #[test]
    fn a_tall_stroke_in_a_corner_is_scaled_to_20_rows_and_centred() {
        // A vertical bar 10 px wide and 80 px tall in the top-left corner of 112×112.
        let image = to_mnist(&rectangle(112, 4..14, 2..82), 112, 112).unwrap();
        let (x0, y0, x1, y1) = bounds(&image);
        assert_eq!(y1 - y0 + 1, 20, "the long side fits the 20 px box");
        assert!(
            (2..=4).contains(&(x1 - x0 + 1)),
            "aspect ratio kept: {x0}..{x1}"
        );
        assert_eq!(*image.iter().max().unwrap(), 255);
        // A uniform bar's centre of mass is its middle: the field's centre.
        let (cx, cy) = (x0 + x1, y0 + y1);
        assert!(
            (26..=30).contains(&cx) && (26..=30).contains(&cy),
            "{cx} {cy}"
        );
    }

    #[test]
    fn the_centre_of_mass_not_the_box_is_centred() {
        // A wide bar on top and a heavy block at the bottom right: mass sits low right.
        let mut pixels = rectangle(100, 10..90, 10..14);
        for (i, p) in rectangle(100, 60..90, 60..90).into_iter().enumerate() {
            pixels[i] = pixels[i].max(p);
        }
        let image = to_mnist(&pixels, 100, 100).unwrap();
        let (x0, y0, x1, y1) = bounds(&image);
        // The box is moved up-left of centred, so the heavy corner sits at the centre.
        assert!(x0 + x1 < 27 && y0 + y1 < 27, "{x0}..{x1} {y0}..{y1}");
        assert!(x0 < 4 && y0 < 4);
    }

    #[test]
    fn bad_drawings_are_named() {
        assert_eq!(
            to_mnist(&[], 4, 4),
            Err(DrawingError::Size {
                width: 4,
                height: 4
            })
        );
        assert!(matches!(
            to_mnist(&[0.0; 10], 8, 8),
            Err(DrawingError::Length {
                got: 10,
                expected: 64,
                ..
            })
        ));
        let mut pixels = vec![0.0; 64];
        pixels[3] = 300.0;
        assert!(matches!(
            to_mnist(&pixels, 8, 8),
            Err(DrawingError::Value { index: 3, .. })
        ));
        pixels[3] = f64::NAN;
        assert!(matches!(
            to_mnist(&pixels, 8, 8),
            Err(DrawingError::Value { .. })
        ));
        assert_eq!(to_mnist(&[10.0; 64], 8, 8), Err(DrawingError::Empty));
    }
}
