//! TensorBoard event files by hand: TFRecord framing with masked CRC32C, and the
//! few fields of the `Event` protobuf that scalars need.
//!
//! A record is `length: u64 LE`, `masked_crc32c(length)`, `data`,
//! `masked_crc32c(data)`. An `Event` is `wall_time = 1 (double)`, `step = 2 (int64)`,
//! `file_version = 3 (string)`, `summary = 5 (Summary)`; a `Summary` holds repeated
//! `value = 1 { tag = 1 (string), simple_value = 2 (float) }`.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// CRC-32C (Castagnoli), bitwise.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0x82F6_3B78 & mask);
        }
    }
    !crc
}

/// The CRC as TFRecord stores it: rotated right by 15 bits plus a constant.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    crc.rotate_right(15).wrapping_add(0xA282_EAD8)
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

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, data: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// An `Event` with `file_version` (the first record of every events file).
pub fn version_event(wall_time: f64) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(0x09);
    out.extend_from_slice(&wall_time.to_le_bytes());
    bytes_field(&mut out, 3, b"brain.Event:2");
    out
}

/// An `Event` with one scalar summary value.
pub fn scalar_event(wall_time: f64, step: i64, tag: &str, value: f32) -> Vec<u8> {
    let mut val = Vec::new();
    bytes_field(&mut val, 1, tag.as_bytes());
    val.push(0x15);
    val.extend_from_slice(&value.to_le_bytes());
    let mut summary = Vec::new();
    bytes_field(&mut summary, 1, &val);
    let mut out = Vec::new();
    out.push(0x09);
    out.extend_from_slice(&wall_time.to_le_bytes());
    out.push(0x10);
    varint(&mut out, step as u64);
    bytes_field(&mut out, 5, &summary);
    out
}

/// What [`decode_event`] reads back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DecodedEvent {
    /// `wall_time`.
    pub wall_time: f64,
    /// `step`.
    pub step: i64,
    /// `file_version`, if set.
    pub file_version: Option<String>,
    /// `(tag, simple_value)` of each summary value.
    pub values: Vec<(String, f32)>,
}

/// Decodes the fields this module writes (others are skipped); for tests and checks.
pub fn decode_event(data: &[u8]) -> Result<DecodedEvent> {
    let mut event = DecodedEvent::default();
    for (field, value) in fields(data)? {
        match (field, value) {
            (1, Field::Fixed64(b)) => event.wall_time = f64::from_le_bytes(b),
            (2, Field::Varint(v)) => event.step = v as i64,
            (3, Field::Bytes(b)) => event.file_version = Some(String::from_utf8_lossy(b).into()),
            (5, Field::Bytes(summary)) => {
                for (f, v) in fields(summary)? {
                    if let (1, Field::Bytes(value)) = (f, v) {
                        let (mut tag, mut simple) = (String::new(), 0f32);
                        for (f, v) in fields(value)? {
                            match (f, v) {
                                (1, Field::Bytes(b)) => tag = String::from_utf8_lossy(b).into(),
                                (2, Field::Fixed32(b)) => simple = f32::from_le_bytes(b),
                                _ => {}
                            }
                        }
                        event.values.push((tag, simple));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(event)
}

enum Field<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Bytes(&'a [u8]),
    Fixed32([u8; 4]),
}

fn fields(mut data: &[u8]) -> Result<Vec<(u64, Field<'_>)>> {
    fn read_varint(data: &mut &[u8]) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = data.split_first().context("truncated varint")?;
            *data = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        bail!("varint too long")
    }
    fn split<'a>(data: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
        if data.len() < n {
            bail!("truncated field");
        }
        let (head, rest) = data.split_at(n);
        *data = rest;
        Ok(head)
    }
    let mut out = Vec::new();
    while !data.is_empty() {
        let key = read_varint(&mut data)?;
        let value = match key & 7 {
            0 => Field::Varint(read_varint(&mut data)?),
            1 => Field::Fixed64(split(&mut data, 8)?.try_into().expect("8 bytes")),
            2 => {
                let n = read_varint(&mut data)? as usize;
                Field::Bytes(split(&mut data, n)?)
            }
            5 => Field::Fixed32(split(&mut data, 4)?.try_into().expect("4 bytes")),
            t => bail!("unsupported wire type {t}"),
        };
        out.push((key >> 3, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_value_and_mask() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // Rotated right by 15, plus 0xA282EAD8 (computed by hand).
        let expected = 0xC78A_B0E5;
        assert_eq!(masked_crc32c(b"123456789"), expected);
        assert_eq!(masked_crc32c(b""), 0xA282_EAD8);
    }

    #[test]
    fn records_and_events_round_trip() {
        let mut bytes = Vec::new();
        write_record(&mut bytes, &version_event(1.5));
        write_record(&mut bytes, &scalar_event(2.0, 300, "train/loss", 0.25));
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("events");
        std::fs::write(&path, &bytes).unwrap();
        let records = read_records(&path).unwrap();
        assert_eq!(records.len(), 2);
        let first = decode_event(&records[0]).unwrap();
        assert_eq!(first.file_version.as_deref(), Some("brain.Event:2"));
        assert_eq!(first.wall_time, 1.5);
        let second = decode_event(&records[1]).unwrap();
        assert_eq!((second.step, second.wall_time), (300, 2.0));
        assert_eq!(second.values, [("train/loss".to_string(), 0.25)]);

        bytes[20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let err = read_records(&path).unwrap_err().to_string();
        assert!(err.contains("CRC"), "{err}");
        std::fs::write(&path, &bytes[..bytes.len() - 2]).unwrap();
        assert!(read_records(&path).is_err());
    }
}
