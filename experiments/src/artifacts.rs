//! The artifact directory of a run: config, model record, summary and plots.
//!
//! Layout (every experiment):
//!
//! ```text
//! <dir>/run.json             id, status, times, command line, backend, seed, git commit
//! <dir>/config.json          the resolved experiment configuration
//! <dir>/model.mpk            the final model record (full precision MessagePack)
//! <dir>/summary.json         {experiment, backend, device, seed, config, metrics, wall_seconds}
//! <dir>/checkpoint/          model-/optim-/scheduler-<epoch>.mpk, written every epoch
//! <dir>/train/epoch-<N>/     burn's per-iteration metric logs (Loss.log, ...)
//! <dir>/valid/epoch-<N>/
//! <dir>/experiment.log       burn's application log
//! <dir>/*.png, *.csv         the experiment's plots and tables
//! ```

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use burn::{module::Module, tensor::backend::Backend};
use serde::{Serialize, de::DeserializeOwned};

pub use crate::recorder::Recorder;

/// File name of the experiment configuration.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the summary.
pub const SUMMARY_FILE: &str = "summary.json";
/// File stem of the final model record (the recorder adds `.mpk`).
pub const MODEL_STEM: &str = "model";

/// A run's artifact directory.
#[derive(Debug, Clone)]
pub struct ArtifactDir {
    path: PathBuf,
}

impl ArtifactDir {
    /// Creates `path` (and its parents) if needed.
    pub fn create(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        fs::create_dir_all(&path)
            .with_context(|| format!("cannot create artifact directory '{}'", path.display()))?;
        Ok(Self { path })
    }

    /// Opens a directory that must already exist.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        if !path.is_dir() {
            bail!("artifact directory '{}' does not exist", path.display());
        }
        Ok(Self { path })
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `value` as pretty JSON to `name`, atomically (temporary file + rename).
    pub fn write_json<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<PathBuf> {
        let json = serde_json::to_string_pretty(value).context("cannot serialise to JSON")?;
        self.write_atomic(name, json.as_bytes())
    }

    /// Writes `bytes` to `name` through a synced temporary file and a rename, so a
    /// crash leaves the old file or the new one, never a part of one.
    pub fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.join(name);
        let tmp = self.join(format!(".{name}.tmp"));
        let write = |tmp: &Path| -> std::io::Result<()> {
            let mut file = fs::File::create(tmp)?;
            std::io::Write::write_all(&mut file, bytes)?;
            file.sync_all()
        };
        write(&tmp).with_context(|| format!("cannot write '{}'", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot write '{}'", path.display()))?;
        Ok(path)
    }

    /// Reads JSON file `name`; the error names the file.
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        read_json(&self.join(name))
    }

    /// Path of the final model record.
    pub fn model_path(&self) -> PathBuf {
        self.join(format!("{MODEL_STEM}.mpk"))
    }

    /// Saves `model` as the run's final model record.
    pub fn save_model<B: Backend, M: Module<B>>(&self, model: M) -> Result<PathBuf> {
        let path = self.model_path();
        model
            .save_file(self.join(MODEL_STEM), &Recorder::new())
            .with_context(|| format!("cannot save the model to '{}'", path.display()))?;
        Ok(path)
    }

    /// The final model record's path, or an error naming the directory when there is none.
    pub fn require_model(&self) -> Result<PathBuf> {
        let path = self.model_path();
        if !path.is_file() {
            bail!(
                "no trained model in '{}' (expected '{}'; train first, or pass the --artifact-dir of a finished run)",
                self.path.display(),
                path.display()
            );
        }
        Ok(path)
    }

    /// Loads the final model record into `model` (built from the saved config).
    pub fn load_model<B: Backend, M: Module<B>>(&self, model: M, device: &B::Device) -> Result<M> {
        let path = self.require_model()?;
        model
            .load_file(self.join(MODEL_STEM), &Recorder::new(), device)
            .with_context(|| format!("cannot load the model from '{}'", path.display()))
    }
}

impl ArtifactDir {
    /// Loads the model checkpoint of `epoch` (`checkpoint/model-<epoch>.mpk`) into
    /// `model`; the error names the file.
    pub fn load_checkpoint_model<B: Backend, M: Module<B>>(
        &self,
        model: M,
        epoch: usize,
        device: &B::Device,
    ) -> Result<M> {
        let stem = self.join("checkpoint").join(format!("model-{epoch}"));
        model
            .load_file(&stem, &Recorder::new(), device)
            .with_context(|| {
                format!(
                    "cannot load the epoch-{epoch} checkpoint '{}.mpk'",
                    stem.display()
                )
            })
    }
}

/// Reads the JSON file at `path`; the error names the file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read '{}'", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("'{}' is not valid JSON", path.display()))
}

/// Paths as one comma-separated line, for "wrote ..." messages.
pub fn list_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_directory_and_model_are_named_in_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope");
        let err = ArtifactDir::open(&missing).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");

        let dir = ArtifactDir::open(tmp.path()).unwrap();
        let json: Result<serde_json::Value> = dir.read_json(CONFIG_FILE);
        assert!(format!("{:#}", json.unwrap_err()).contains("config.json"));
    }

    #[test]
    fn json_round_trips_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = ArtifactDir::create(tmp.path().join("a/b")).unwrap();
        dir.write_json("x.json", &vec![1, 2, 3]).unwrap();
        let back: Vec<i32> = dir.read_json("x.json").unwrap();
        assert_eq!(back, vec![1, 2, 3]);
        assert!(!dir.join(".x.json.tmp").exists());
    }
}
