//! The recorder for models and checkpoints: burn's named MessagePack at full
//! precision, written so that a crash never leaves a file that looks complete but is
//! not (temporary file, sync, rename), and checked before a resume trusts it.

use std::{
    fs::File,
    io::{BufReader, BufWriter},
    path::{Path, PathBuf},
};

use burn::{
    record::{
        FileRecorder, FullPrecisionSettings, NamedMpkFileRecorder, Recorder as BurnRecorder,
        RecorderError,
    },
    tensor::backend::Backend,
};
use serde::{Serialize, de::DeserializeOwned};

/// File extension of the records (the same format as burn's `NamedMpkFileRecorder`,
/// so either reads the other's files).
pub const EXTENSION: &str = "mpk";

/// burn's [`NamedMpkFileRecorder`] at full precision, with atomic, synced writes: the
/// record goes to `<name>.mpk.tmp`, is flushed and synced to disk, then renamed over
/// `<name>.mpk`. A crash leaves either the old file, the new one, or a stray `.tmp`.
/// (burn 0.21's file recorders write in place; the same gap for burn's newer burnpack
/// writer is <https://github.com/tracel-ai/burn/issues/5399>.)
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    inner: NamedMpkFileRecorder<FullPrecisionSettings>,
}

impl Recorder {
    /// A recorder.
    pub fn new() -> Self {
        Self::default()
    }
}

fn io_error(path: &Path, err: impl std::fmt::Display) -> RecorderError {
    RecorderError::Unknown(format!("'{}': {err}", path.display()))
}

impl<B: Backend> BurnRecorder<B> for Recorder {
    type Settings = FullPrecisionSettings;
    type RecordArgs = PathBuf;
    type RecordOutput = ();
    type LoadArgs = PathBuf;

    fn save_item<I: Serialize>(&self, item: I, file: PathBuf) -> Result<(), RecorderError> {
        let path = file.with_extension(EXTENSION);
        let tmp = file.with_extension(format!("{EXTENSION}.tmp"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        let out = File::create(&tmp).map_err(|e| io_error(&tmp, e))?;
        let mut writer = BufWriter::new(out);
        rmp_serde::encode::write_named(&mut writer, &item).map_err(|e| io_error(&tmp, e))?;
        let out = writer.into_inner().map_err(|e| io_error(&tmp, e.error()))?;
        out.sync_all().map_err(|e| io_error(&tmp, e))?;
        drop(out);
        std::fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))?;
        // Make the rename itself durable.
        if let Some(parent) = path.parent()
            && let Ok(dir) = File::open(parent)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn load_item<I: DeserializeOwned>(&self, file: &mut PathBuf) -> Result<I, RecorderError> {
        <NamedMpkFileRecorder<FullPrecisionSettings> as BurnRecorder<B>>::load_item(
            &self.inner,
            file,
        )
    }
}

impl<B: Backend> FileRecorder<B> for Recorder {
    fn file_extension() -> &'static str {
        EXTENSION
    }
}

/// Checks that `path` holds one complete MessagePack value (any shape): a file cut
/// short by a crash, or overwritten with garbage, is an error naming the file.
pub fn check_record(path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("'{}': {e}", path.display()))?;
    let mut reader = BufReader::new(file);
    rmp_serde::decode::from_read::<_, serde::de::IgnoredAny>(&mut reader)
        .map_err(|e| format!("'{}' is damaged: {e}", path.display()))?;
    let mut rest = [0u8; 1];
    match std::io::Read::read(&mut reader, &mut rest) {
        Ok(0) => Ok(()),
        Ok(_) => Err(format!("'{}' has bytes after its record", path.display())),
        Err(e) => Err(format!("'{}': {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    #[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
    struct Item {
        name: String,
        values: Vec<f32>,
    }

    #[test]
    fn records_are_written_whole_and_damage_is_detected() {
        let tmp = tempfile::tempdir().unwrap();
        let stem = tmp.path().join("model-3");
        let item = Item {
            name: "w".into(),
            values: (0..1000).map(|i| i as f32).collect(),
        };
        BurnRecorder::<Flex>::save_item(&Recorder::new(), &item, stem.clone()).unwrap();
        let path = stem.with_extension("mpk");
        assert!(path.is_file());
        assert!(!stem.with_extension("mpk.tmp").exists());
        check_record(&path).unwrap();
        let back: Item =
            BurnRecorder::<Flex>::load_item(&Recorder::new(), &mut stem.clone()).unwrap();
        assert_eq!(back, item);

        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = check_record(&path).unwrap_err();
        assert!(
            err.contains("model-3.mpk") && err.contains("damaged"),
            "{err}"
        );
        std::fs::write(&path, b"").unwrap();
        assert!(check_record(&path).is_err());
    }
}
