//! The MNIST files of a run, found, loaded and split into training, validation and
//! test rows (shared by the `mnist` and `svm --dataset mnist` experiments).

use std::{
    ops::Range,
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use super::{MnistError, MnistImages, MnistKind, Split, source::Search};

/// Why a split cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// The files could not be found or read.
    #[error(transparent)]
    Mnist(#[from] MnistError),
    /// The validation set would take the whole training set.
    #[error("--valid-size ({valid_size}) must be smaller than the {n} training images in '{dir}'")]
    ValidTooLarge {
        /// Validation images asked for.
        valid_size: usize,
        /// Training images in the file.
        n: usize,
        /// Where the files are.
        dir: String,
    },
}

/// Training and test images with the split of the training set.
#[derive(Debug)]
pub struct MnistSplits {
    /// Where the files were found.
    pub data_dir: PathBuf,
    /// The training file's images (training rows first, validation rows last).
    pub train: Arc<MnistImages>,
    /// The test file's images.
    pub test: Arc<MnistImages>,
    /// Validation rows: the last `valid_size` training images.
    pub valid_range: Range<usize>,
    /// Training rows used: the first `n_train` images.
    pub n_train: usize,
    /// Test images evaluated: the first `n_test`.
    pub n_test: usize,
    /// Seconds spent reading both files.
    pub load_seconds: f64,
}

impl MnistSplits {
    /// Locates (see [`Search`]) and loads `kind`, carving `valid_size` validation images
    /// from the end of the training set; `train_limit` and `test_limit` cap the rest.
    pub fn load(
        kind: MnistKind,
        data_dir: Option<&Path>,
        valid_size: usize,
        train_limit: Option<usize>,
        test_limit: Option<usize>,
    ) -> Result<Self, SplitError> {
        let data_dir = Search::from_env(kind, data_dir).locate()?;
        let loading = Instant::now();
        let train = Arc::new(MnistImages::load(&data_dir, kind, Split::Train)?);
        let test = Arc::new(MnistImages::load(&data_dir, kind, Split::Test)?);
        let load_seconds = loading.elapsed().as_secs_f64();
        let n = train.len();
        if valid_size >= n {
            return Err(SplitError::ValidTooLarge {
                valid_size,
                n,
                dir: data_dir.display().to_string(),
            });
        }
        let valid_range = n - valid_size..n;
        let n_train = train_limit.unwrap_or(n).min(valid_range.start);
        let n_test = test_limit.unwrap_or(test.len()).min(test.len());
        Ok(Self {
            data_dir,
            train,
            test,
            valid_range,
            n_train,
            n_test,
            load_seconds,
        })
    }
}
