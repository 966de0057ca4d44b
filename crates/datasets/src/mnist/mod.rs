//! MNIST and Fashion-MNIST: the IDX files read into one contiguous buffer, exposed as
//! burn [`Dataset`]s of image indices with a [`Batcher`] that gathers each batch
//! straight from that buffer into a single tensor upload.
//!
//! Files are found by [`source::Search::locate`]: `--data-dir`, then `MNIST_DIR` /
//! `FASHION_MNIST_DIR`, then the user cache directory, where they are downloaded
//! (with a progress bar, atomically, SHA-256-checked) when absent.

pub mod drawing;
pub mod source;
pub mod splits;

use std::{
    ops::Range,
    path::{Path, PathBuf},
    sync::Arc,
};

use burn::{
    data::{dataloader::batcher::Batcher, dataset::Dataset},
    tensor::{Int, Tensor, TensorData, backend::Backend},
};

use crate::idx::{IdxError, read_idx};

/// Side of an image in pixels.
pub const SIDE: usize = 28;
/// Pixels per image.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of classes.
pub const CLASSES: usize = 10;
/// Mean of MNIST's training pixels scaled to [0, 1] (PyTorch's examples use it too).
pub const MNIST_MEAN: f32 = 0.1307;
/// Standard deviation of MNIST's training pixels scaled to [0, 1].
pub const MNIST_STD: f32 = 0.3081;

/// Which data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MnistKind {
    /// LeCun, Cortes and Burges' handwritten digits.
    Mnist,
    /// Zalando's Fashion-MNIST: 28×28 grayscale clothing images, same format.
    Fashion,
}

/// Training or test split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// 60,000 images.
    Train,
    /// 10,000 images.
    Test,
}

impl MnistKind {
    /// Lower-case name used on the command line and in artifacts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::Fashion => "fashion",
        }
    }

    /// The environment variable that may point at the files.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::Mnist => "MNIST_DIR",
            Self::Fashion => "FASHION_MNIST_DIR",
        }
    }

    /// Display names of the 10 classes.
    pub fn class_names(self) -> [&'static str; CLASSES] {
        match self {
            Self::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Self::Fashion => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }

    /// File names (uncompressed) of a split's images and labels.
    pub fn files(self, split: Split) -> [&'static str; 2] {
        match split {
            Split::Train => ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
            Split::Test => ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
        }
    }
}

impl std::str::FromStr for MnistKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mnist" => Ok(Self::Mnist),
            "fashion" | "fashion-mnist" | "fashion_mnist" => Ok(Self::Fashion),
            _ => Err(format!(
                "unknown data set '{s}' (expected mnist or fashion)"
            )),
        }
    }
}

/// Why MNIST-format data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum MnistError {
    /// An IDX file is unreadable or malformed.
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// The images file is not `N × 28 × 28`.
    #[error("'{}': images are {rows}x{cols} pixels, expected 28x28", path.display())]
    NotMnistImages {
        /// The images file.
        path: PathBuf,
        /// Rows per image in the header.
        rows: usize,
        /// Columns per image in the header.
        cols: usize,
    },
    /// Images and labels disagree on the count.
    #[error("'{}' has {images} images but '{}' has {labels} labels", images_path.display(), labels_path.display())]
    LengthMismatch {
        /// The images file.
        images_path: PathBuf,
        /// Number of images.
        images: usize,
        /// The labels file.
        labels_path: PathBuf,
        /// Number of labels.
        labels: usize,
    },
    /// A label outside 0..=9.
    #[error("'{}': label {label} at index {index} is not a class 0-9", path.display())]
    BadLabel {
        /// The labels file.
        path: PathBuf,
        /// Index of the offending label.
        index: usize,
        /// Its value.
        label: u8,
    },
    /// The files are in none of the places looked at, and could not be downloaded.
    #[error("{0}")]
    NotFound(String),
    /// A download failed or did not match its checksum.
    #[error("{0}")]
    Download(String),
}

/// One split of an MNIST-format data set, all images in one contiguous buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistImages {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl MnistImages {
    /// Images (`N × 28 × 28` bytes) and labels (`N` classes).
    ///
    /// # Panics
    /// If the buffers disagree; use [`MnistImages::load`] for files.
    pub fn new(pixels: Vec<u8>, labels: Vec<u8>) -> Self {
        assert_eq!(
            pixels.len(),
            labels.len() * PIXELS,
            "one 28x28 image per label"
        );
        Self { pixels, labels }
    }

    /// Reads `split` of `kind` from `dir` (each file raw or with `.gz`).
    pub fn load(dir: &Path, kind: MnistKind, split: Split) -> Result<Self, MnistError> {
        let [images_name, labels_name] = kind.files(split);
        let images_path = source::existing_file(dir, images_name)
            .unwrap_or_else(|| dir.join(format!("{images_name}.gz")));
        let labels_path = source::existing_file(dir, labels_name)
            .unwrap_or_else(|| dir.join(format!("{labels_name}.gz")));
        Self::load_files(&images_path, &labels_path)
    }

    /// Reads an images file and a labels file and checks that they belong together.
    pub fn load_files(images_path: &Path, labels_path: &Path) -> Result<Self, MnistError> {
        let images = read_idx(images_path, 3)?;
        if images.dims[1] != SIDE || images.dims[2] != SIDE {
            return Err(MnistError::NotMnistImages {
                path: images_path.to_path_buf(),
                rows: images.dims[1],
                cols: images.dims[2],
            });
        }
        let labels = read_idx(labels_path, 1)?;
        if images.dims[0] != labels.dims[0] {
            return Err(MnistError::LengthMismatch {
                images_path: images_path.to_path_buf(),
                images: images.dims[0],
                labels_path: labels_path.to_path_buf(),
                labels: labels.dims[0],
            });
        }
        if let Some((index, &label)) = labels
            .data
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= CLASSES)
        {
            return Err(MnistError::BadLabel {
                path: labels_path.to_path_buf(),
                index,
                label,
            });
        }
        Ok(Self {
            pixels: images.data,
            labels: labels.data,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The `i`-th image, 784 bytes row-major (0 = background).
    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * PIXELS..(i + 1) * PIXELS]
    }

    /// The `i`-th label.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// All labels.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }
}

/// A burn data set over some of the images of an [`MnistImages`]: its items are image
/// indices, which [`MnistBatcher`] turns into tensors.
#[derive(Debug, Clone)]
pub struct MnistDataset {
    indices: Range<usize>,
}

impl MnistDataset {
    /// The images with indices in `range` (clamped to `images`).
    pub fn new(images: &MnistImages, range: Range<usize>) -> Self {
        let end = range.end.min(images.len());
        Self {
            indices: range.start.min(end)..end,
        }
    }
}

impl Dataset<usize> for MnistDataset {
    fn get(&self, index: usize) -> Option<usize> {
        (index < self.indices.len()).then(|| self.indices.start + index)
    }

    fn len(&self) -> usize {
        self.indices.len()
    }
}

/// Gathers a batch of image indices from the shared buffer into
/// `(images [batch, 784], labels [batch])`, pixels scaled to [0, 1] and standardised
/// with MNIST's mean and standard deviation.
#[derive(Debug, Clone)]
pub struct MnistBatcher {
    images: Arc<MnistImages>,
}

impl MnistBatcher {
    /// A batcher reading from `images`.
    pub fn new(images: Arc<MnistImages>) -> Self {
        Self { images }
    }
}

/// Scales a byte pixel to the model's input: `(p / 255 − mean) / std`.
pub fn normalize(pixel: u8) -> f32 {
    (f32::from(pixel) / 255.0 - MNIST_MEAN) / MNIST_STD
}

impl<B: Backend> Batcher<B, usize, (Tensor<B, 2>, Tensor<B, 1, Int>)> for MnistBatcher {
    fn batch(&self, indices: Vec<usize>, device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 1, Int>) {
        let n = indices.len();
        let mut pixels = Vec::with_capacity(n * PIXELS);
        let mut labels = Vec::with_capacity(n);
        for &i in &indices {
            pixels.extend(self.images.image(i).iter().map(|&p| normalize(p)));
            labels.push(i64::from(self.images.label(i)));
        }
        (
            Tensor::from_data(TensorData::new(pixels, [n, PIXELS]), device),
            Tensor::from_data(TensorData::new(labels, [n]), device),
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::idx::encode_idx;
    use crate::test_backend::TestBackend;

    /// Writes a tiny MNIST-format split (`n` images) into `dir`, labels `i % 10`.
    pub fn write_fixture(dir: &Path, kind: MnistKind, split: Split, n: u32) {
        let [images, labels] = kind.files(split);
        let pixels: Vec<u8> = (0..n as usize * PIXELS).map(|i| (i % 256) as u8).collect();
        let classes: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        std::fs::write(dir.join(images), encode_idx(&[n, 28, 28], &pixels)).unwrap();
        std::fs::write(dir.join(labels), encode_idx(&[n], &classes)).unwrap();
    }

    #[test]
    fn loads_a_fixture_and_batches_from_the_buffer() {
        let tmp = tempfile::tempdir().unwrap();
        write_fixture(tmp.path(), MnistKind::Mnist, Split::Test, 12);
        let images =
            Arc::new(MnistImages::load(tmp.path(), MnistKind::Mnist, Split::Test).unwrap());
        assert_eq!(images.len(), 12);
        let data = MnistDataset::new(&images, 10..100);
        assert_eq!(data.len(), 2);
        assert_eq!(data.get(1), Some(11));
        let (x, y) = Batcher::<TestBackend, _, _>::batch(
            &MnistBatcher::new(images.clone()),
            vec![11, 3],
            &Default::default(),
        );
        assert_eq!(x.dims(), [2, PIXELS]);
        assert_eq!(y.to_data().to_vec::<i64>().unwrap(), vec![1, 3]);
        let first = x.to_data().to_vec::<f32>().unwrap()[0];
        assert!((first - normalize(images.image(11)[0])).abs() < 1e-6);
    }

    #[test]
    fn mismatched_and_malformed_files_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_fixture(dir, MnistKind::Mnist, Split::Test, 5);
        std::fs::write(
            dir.join("t10k-labels-idx1-ubyte"),
            encode_idx(&[4], &[0, 1, 2, 3]),
        )
        .unwrap();
        let err = MnistImages::load(dir, MnistKind::Mnist, Split::Test)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has 5 images") && err.contains("has 4 labels"),
            "{err}"
        );

        std::fs::write(
            dir.join("t10k-labels-idx1-ubyte"),
            encode_idx(&[5], &[0, 1, 12, 3, 4]),
        )
        .unwrap();
        let err = MnistImages::load(dir, MnistKind::Mnist, Split::Test)
            .unwrap_err()
            .to_string();
        assert!(err.contains("label 12 at index 2"), "{err}");

        std::fs::write(
            dir.join("t10k-images-idx3-ubyte"),
            encode_idx(&[1, 32, 32], &[0; 1024]),
        )
        .unwrap();
        let err = MnistImages::load(dir, MnistKind::Mnist, Split::Test)
            .unwrap_err()
            .to_string();
        assert!(err.contains("32x32 pixels, expected 28x28"), "{err}");
    }
}
