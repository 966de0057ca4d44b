//! Run ids, UTC timestamps, the artifacts root and the `latest` link.

use std::path::{Path, PathBuf};

use time::{
    OffsetDateTime, format_description::BorrowedFormatItem,
    format_description::well_known::Rfc3339, macros::format_description,
};

/// Environment variable that moves the artifacts root (default `artifacts`).
pub const ROOT_ENV: &str = "ZOO_ARTIFACTS";

/// Name of the link to an experiment's newest run.
pub const LATEST: &str = "latest";

/// The artifacts root: `$ZOO_ARTIFACTS`, else `artifacts` in the current directory.
pub fn artifacts_root() -> PathBuf {
    std::env::var_os(ROOT_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("artifacts"))
}

/// Where `experiment`'s runs live: `<root>/<experiment>`.
pub fn experiment_root(experiment: &str) -> PathBuf {
    artifacts_root().join(experiment)
}

/// `run.json`'s timestamps: RFC 3339 UTC with milliseconds.
const TIMESTAMP: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// The start-time part of a run id: compact UTC to the millisecond.
const ID_TIME: &[BorrowedFormatItem<'_>] =
    format_description!("[year][month][day]T[hour][minute][second].[subsecond digits:3]Z");

/// `now` in `format` (the formats above cannot fail on a UTC date of years 0-9999).
fn format_now(now: OffsetDateTime, format: &[BorrowedFormatItem<'_>]) -> String {
    now.format(format).unwrap_or_default()
}

/// The current time as RFC 3339 UTC with milliseconds, e.g. `2026-11-22T21:55:01.042Z`.
pub fn timestamp() -> String {
    format_now(OffsetDateTime::now_utc(), TIMESTAMP)
}

/// Seconds since the Unix epoch (whole seconds) of an RFC 3339 time such as
/// [`timestamp`] writes.
pub fn parse_utc(s: &str) -> Option<f64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp() as f64)
}

/// A new run id: compact UTC start time to the millisecond, a 4-hex-digit suffix
/// that tells apart runs started in the same millisecond, and the optional readable
/// name (`20261122T215501.042Z-3fa9-wide`). Ids sort by start time.
pub fn new_run_id(name: Option<&str>) -> String {
    let now = OffsetDateTime::now_utc();
    // SplitMix64 finaliser over the nanoseconds and process id: a few bits of entropy.
    let mut z = u64::from(now.nanosecond()) ^ (u64::from(std::process::id()) << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let suffix = (z ^ (z >> 31)) & 0xffff;
    let mut id = format!("{}-{suffix:04x}", format_now(now, ID_TIME));
    if let Some(name) = name {
        id.push('-');
        id.push_str(name);
    }
    id
}

/// Checks a `--name`: letters, digits, `-`, `_` and `.`, at most 64 characters, so
/// that it is safe in a directory name.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a usable run name: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'"
        ))
    }
}

/// Points `<experiment root>/latest` at `run_dir` (a relative symbolic link where the
/// platform has them). Failure only costs the convenience link, so it is reported, not fatal.
pub fn update_latest(experiment_root: &Path, run_dir: &Path) {
    let Some(name) = run_dir.file_name() else {
        return;
    };
    let link = experiment_root.join(LATEST);
    #[cfg(unix)]
    {
        let tmp = experiment_root.join(format!(".{LATEST}.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let result =
            std::os::unix::fs::symlink(name, &tmp).and_then(|()| std::fs::rename(&tmp, &link));
        if let Err(err) = result {
            let _ = std::fs::remove_file(&tmp);
            eprintln!("warning: cannot update '{}': {err}", link.display());
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (name, link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_and_parse_back() {
        let at = OffsetDateTime::from_unix_timestamp(1_795_384_501).unwrap();
        assert_eq!(format_now(at, TIMESTAMP), "2026-11-22T21:55:01.000Z");
        assert_eq!(format_now(at, ID_TIME), "20261122T215501.000Z");
        assert_eq!(parse_utc(&timestamp()).map(|s| s > 1.7e9), Some(true));
    }

    #[test]
    fn run_ids_sort_and_carry_the_name() {
        let id = new_run_id(Some("wide"));
        assert!(id.ends_with("-wide"), "{id}");
        assert_eq!(id.len(), "20261122T215501.042Z-3fa9-wide".len(), "{id}");
        let (a, b) = (new_run_id(None), new_run_id(None));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let c = new_run_id(None);
        assert!(a < c && b < c, "{a} {b} {c}");
        assert!(check_name("wide_1.5").is_ok());
        assert!(check_name("../x").is_err());
        assert!(check_name("").is_err());
    }
}
