//! Run ids, UTC timestamps, the artifacts root and the `latest` link.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
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

/// Seconds and nanoseconds since the Unix epoch.
fn now() -> (u64, u32) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_secs(), since.subsec_nanos())
}

/// Calendar date and time (UTC) of `secs` since the Unix epoch:
/// `(year, month, day, hour, minute, second)` (Howard Hinnant's `civil_from_days`).
fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3_600) as u32,
        (rem % 3_600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// The current time as RFC 3339 UTC with milliseconds, e.g. `2026-11-22T21:55:01.042Z`.
pub fn timestamp() -> String {
    let (secs, nanos) = now();
    let (y, mo, d, h, mi, s) = civil(secs);
    let ms = nanos / 1_000_000;
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}

/// Seconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SS...` (as [`timestamp`]
/// writes it; a fraction is ignored) read as UTC.
pub fn parse_utc(s: &str) -> Option<f64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss) as f64)
}

/// A new run id: compact UTC start time to the millisecond, a 4-hex-digit suffix
/// that tells apart runs started in the same millisecond, and the optional readable
/// name (`20261122T215501.042Z-3fa9-wide`). Ids sort by start time.
pub fn new_run_id(name: Option<&str>) -> String {
    let (secs, nanos) = now();
    let (y, mo, d, h, mi, s) = civil(secs);
    // SplitMix64 finaliser over the nanoseconds and process id: a few bits of entropy.
    let mut z = u64::from(nanos) ^ (u64::from(std::process::id()) << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let suffix = (z ^ (z >> 31)) & 0xffff;
    let ms = nanos / 1_000_000;
    let mut id = format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}.{ms:03}Z-{suffix:04x}");
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
    fn civil_dates_are_right() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        // 2026-11-22T21:55:01Z
        assert_eq!(civil(1_795_384_501), (2026, 11, 22, 21, 55, 1));
        // a leap day
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
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
