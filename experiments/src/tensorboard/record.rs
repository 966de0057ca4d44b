//! TFRecord framing, as TensorBoard's event files use it: `length: u64 LE`,
//! `masked_crc32c(length)`, `data`, `masked_crc32c(data)`.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The CRC as TFRecord stores it: CRC-32C rotated right by 15 bits plus a constant.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
        .rotate_right(15)
        .wrapping_add(0xA282_EAD8)
}

/// Appends one framed record.
pub fn write_record(out: &mut Vec<u8>, data: &[u8]) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
}

/// The records of a TFRecord file, each checked against its CRCs; the error names
/// the file and the record.
pub fn read_records(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read '{}'", path.display()))?;
    let mut records = Vec::new();
    let mut at = 0usize;
    let take = |at: usize, n: usize| {
        bytes
            .get(at..at.saturating_add(n))
            .with_context(|| format!("'{}' is cut short at byte {at}", path.display()))
    };
    while at < bytes.len() {
        let len_bytes = take(at, 8)?;
        let len_crc = u32::from_le_bytes(take(at + 8, 4)?.try_into().expect("4 bytes"));
        if masked_crc32c(len_bytes) != len_crc {
            bail!("'{}': bad length CRC at byte {at}", path.display());
        }
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes")) as usize;
        let data = take(at + 12, len)?;
        let data_crc = u32::from_le_bytes(take(at + 12 + len, 4)?.try_into().expect("4 bytes"));
        if masked_crc32c(data) != data_crc {
            bail!("'{}': bad data CRC at byte {at}", path.display());
        }
        records.push(data.to_vec());
        at += 16 + len;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_value_and_mask() {
        // The CRC-32C check value: crc32c("123456789") = 0xE3069283.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(
            masked_crc32c(b"123456789"),
            0xE306_9283u32.rotate_right(15).wrapping_add(0xA282_EAD8)
        );
    }
}
