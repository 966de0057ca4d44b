//! Resource figures a run reports about itself.

/// Peak resident memory of this process in MiB (`VmHWM`), where the OS reports it (Linux).
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_memory_is_positive_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::peak_memory_mib().unwrap() > 1.0);
        }
    }
}
