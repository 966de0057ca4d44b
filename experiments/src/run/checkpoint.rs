//! Finding the checkpoint a `--resume` continues from.

use std::{fs, path::Path};

use anyhow::{Result, bail};

use crate::artifacts::ArtifactDir;

/// The kinds of file every epoch's checkpoint has.
pub const CHECKPOINT_KINDS: [&str; 3] = ["model", "optim", "scheduler"];

/// The newest epoch whose model, optimizer and scheduler checkpoints are all present
/// and non-empty in `<dir>/checkpoint`, if any.
pub fn latest_checkpoint(dir: &Path) -> Option<usize> {
    let checkpoint_dir = dir.join("checkpoint");
    let complete = |epoch: usize| {
        CHECKPOINT_KINDS.iter().all(|kind| {
            fs::metadata(checkpoint_dir.join(format!("{kind}-{epoch}.mpk")))
                .is_ok_and(|m| m.is_file() && m.len() > 0)
        })
    };
    fs::read_dir(&checkpoint_dir)
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("model-")?
                .strip_suffix(".mpk")?
                .parse()
                .ok()
        })
        .filter(|&epoch| complete(epoch))
        .max()
}

/// The epoch to resume from in `dir`, or an error that says why there is none.
pub fn resume_epoch(dir: &ArtifactDir, num_epochs: usize) -> Result<usize> {
    let Some(epoch) = latest_checkpoint(dir.path()) else {
        bail!(
            "nothing to resume in '{}': no complete checkpoint under '{}'",
            dir.path().display(),
            dir.join("checkpoint").display()
        );
    };
    if epoch >= num_epochs {
        bail!(
            "the run in '{}' already finished all {num_epochs} epochs (last checkpoint: epoch {epoch})",
            dir.path().display()
        );
    }
    Ok(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_checkpoint_needs_all_three_files() {
        let tmp = tempfile::tempdir().unwrap();
        let ckpt = tmp.path().join("checkpoint");
        fs::create_dir_all(&ckpt).unwrap();
        assert_eq!(latest_checkpoint(tmp.path()), None);
        for kind in CHECKPOINT_KINDS {
            fs::write(ckpt.join(format!("{kind}-2.mpk")), b"x").unwrap();
        }
        fs::write(ckpt.join("model-3.mpk"), b"x").unwrap();
        fs::write(ckpt.join("optim-3.mpk"), b"x").unwrap();
        assert_eq!(latest_checkpoint(tmp.path()), Some(2));
        fs::write(ckpt.join("scheduler-3.mpk"), b"").unwrap();
        assert_eq!(
            latest_checkpoint(tmp.path()),
            Some(2),
            "empty file is incomplete"
        );
    }
}
