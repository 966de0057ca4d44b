//! Finding the checkpoint a `--resume` continues from.

use std::{fs, path::Path};

use anyhow::{Result, bail};

use crate::{artifacts::ArtifactDir, recorder::check_record};

/// The kinds of file every epoch's checkpoint has.
pub const CHECKPOINT_KINDS: [&str; 3] = ["model", "optim", "scheduler"];

/// Epochs with a model checkpoint in `<dir>/checkpoint`, newest first.
fn checkpoint_epochs(dir: &Path) -> Vec<usize> {
    let mut epochs: Vec<usize> = fs::read_dir(dir.join("checkpoint"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_prefix("model-")?
                .strip_suffix(".mpk")?
                .parse()
                .ok()
        })
        .collect();
    epochs.sort_unstable_by(|a, b| b.cmp(a));
    epochs
}

/// Checks that epoch `epoch`'s model, optimizer and scheduler checkpoints are all
/// there and each holds one complete record; the error names the first that does not.
pub fn check_checkpoint(dir: &Path, epoch: usize) -> Result<(), String> {
    for kind in CHECKPOINT_KINDS {
        let path = dir.join("checkpoint").join(format!("{kind}-{epoch}.mpk"));
        if !path.is_file() {
            return Err(format!("'{}' is missing", path.display()));
        }
        check_record(&path)?;
    }
    Ok(())
}

/// The newest epoch whose model, optimizer and scheduler checkpoints are all complete
/// records in `<dir>/checkpoint`, if any.
pub fn latest_checkpoint(dir: &Path) -> Option<usize> {
    checkpoint_epochs(dir)
        .into_iter()
        .find(|&epoch| check_checkpoint(dir, epoch).is_ok())
}

/// The epoch to resume from in `dir`: the newest whose checkpoint loads. Newer
/// damaged ones (a crash while writing them) are named on stderr and passed over; with
/// none usable the error says why.
pub fn resume_epoch(dir: &ArtifactDir, num_epochs: usize) -> Result<usize> {
    let mut damaged = Vec::new();
    for epoch in checkpoint_epochs(dir.path()) {
        match check_checkpoint(dir.path(), epoch) {
            Ok(()) => {
                for why in &damaged {
                    eprintln!("warning: skipping a damaged checkpoint: {why}");
                }
                if epoch >= num_epochs {
                    bail!(
                        "the run in '{}' already finished all {num_epochs} epochs (last checkpoint: epoch {epoch})",
                        dir.path().display()
                    );
                }
                return Ok(epoch);
            }
            Err(why) => damaged.push(why),
        }
    }
    let detail = if damaged.is_empty() {
        String::new()
    } else {
        format!(" (damaged: {})", damaged.join("; "))
    };
    bail!(
        "nothing to resume in '{}': no complete checkpoint under '{}'{detail}",
        dir.path().display(),
        dir.join("checkpoint").display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_skips_damaged_checkpoints_of_every_kind() {
        let tmp = tempfile::tempdir().unwrap();
        let ckpt = tmp.path().join("checkpoint");
        fs::create_dir_all(&ckpt).unwrap();
        assert_eq!(latest_checkpoint(tmp.path()), None);
        // A complete MessagePack record: a map {"a": [1, 2, 3]}.
        let record = rmp_serde::encode::to_vec_named(&[("a", vec![1u8, 2, 3])]).unwrap();
        for epoch in [2, 3] {
            for kind in CHECKPOINT_KINDS {
                fs::write(ckpt.join(format!("{kind}-{epoch}.mpk")), &record).unwrap();
            }
        }
        assert_eq!(latest_checkpoint(tmp.path()), Some(3));
        // Each kind of file, cut short or missing, sends the resume back to epoch 2.
        for kind in CHECKPOINT_KINDS {
            let path = ckpt.join(format!("{kind}-3.mpk"));
            fs::write(&path, &record[..record.len() - 2]).unwrap();
            assert_eq!(latest_checkpoint(tmp.path()), Some(2), "{kind} cut short");
            let dir = ArtifactDir::open(tmp.path()).unwrap();
            assert_eq!(resume_epoch(&dir, 10).unwrap(), 2);
            fs::write(&path, b"").unwrap();
            assert_eq!(latest_checkpoint(tmp.path()), Some(2), "{kind} empty");
            fs::remove_file(&path).unwrap();
            assert_eq!(latest_checkpoint(tmp.path()), Some(2), "{kind} missing");
            fs::write(&path, &record).unwrap();
        }
        for kind in CHECKPOINT_KINDS {
            fs::write(ckpt.join(format!("{kind}-2.mpk")), b"").unwrap();
            fs::write(ckpt.join(format!("{kind}-3.mpk")), b"").unwrap();
        }
        let dir = ArtifactDir::open(tmp.path()).unwrap();
        let err = resume_epoch(&dir, 10).unwrap_err().to_string();
        assert!(
            err.contains("no complete checkpoint") && err.contains("damaged"),
            "{err}"
        );
    }
}
