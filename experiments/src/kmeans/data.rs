//! The points to cluster: the SOCR table or MNIST images, as rows of features.

use std::path::{Path, PathBuf};

use anyhow::Result;
use datasets::{
    mnist::{MnistImages, MnistKind, Split, source::Search},
    socr,
};

/// Rows to cluster, on the host, with what is needed to report in original units.
pub(super) struct Table {
    /// Row-major values in original units.
    pub(super) rows: Vec<f64>,
    pub(super) n_features: usize,
    /// Where they came from.
    pub(super) source: PathBuf,
    /// MNIST labels, for purity.
    pub(super) labels: Option<Vec<u8>>,
}

pub(super) fn load_socr(data_dir: Option<&Path>, limit: Option<usize>) -> Result<Table> {
    let path = socr::Search::from_env(data_dir).locate()?;
    let mut table = socr::HeightWeight::from_csv_path(&path)?;
    if let Some(n) = limit {
        table = table.first(n);
    }
    let rows = table
        .heights()
        .iter()
        .zip(table.weights())
        .flat_map(|(h, w)| [*h, *w])
        .collect();
    Ok(Table {
        rows,
        n_features: 2,
        source: path,
        labels: None,
    })
}

pub(super) fn load_mnist(data_dir: Option<&Path>, limit: Option<usize>) -> Result<Table> {
    let dir = Search::from_env(MnistKind::Mnist, data_dir).locate()?;
    let images = MnistImages::load(&dir, MnistKind::Mnist, Split::Train)?;
    let n = limit.unwrap_or(images.len()).min(images.len());
    let rows = (0..n)
        .flat_map(|i| images.image(i).iter().map(|&p| f64::from(p) / 255.0))
        .collect();
    Ok(Table {
        rows,
        n_features: datasets::mnist::PIXELS,
        source: dir,
        labels: Some(images.labels()[..n].to_vec()),
    })
}
