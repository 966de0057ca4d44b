//! A reader for the IDX format (MNIST, Fashion-MNIST), gzip-compressed or raw.
//!
//! Layout: two zero bytes, a type byte (`0x08` = unsigned byte, the only type MNIST
//! uses), a dimension count, one big-endian `u32` per dimension, then the data in
//! row-major order. The reader checks every header field, and that the data the
//! header claims is exactly what the file holds, before it allocates for the data;
//! a gzip stream is inflated to at most [`MAX_GZIP_RATIO`] times its compressed size.

use std::{
    io::{self, Read},
    path::{Path, PathBuf},
};

use flate2::read::MultiGzDecoder;

/// IDX element type code of unsigned bytes.
pub(crate) const TYPE_U8: u8 = 0x08;
/// Deflate cannot compress better than about 1032:1; a gzip file that inflates to more
/// than this many times its size is corrupt or hostile.
pub const MAX_GZIP_RATIO: u64 = 1_100;

/// An n-dimensional array of bytes read from an IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdxArray {
    /// Size of each dimension, outermost first.
    pub(crate) dims: Vec<usize>,
    /// The elements, row-major: `dims.iter().product()` bytes.
    pub(crate) data: Vec<u8>,
}

/// What is wrong with an IDX file.
#[derive(Debug, thiserror::Error)]
pub enum IdxProblem {
    /// The file could not be opened or read.
    #[error("cannot read the file: {0}")]
    Io(#[source] io::Error),
    /// The gzip stream is corrupt.
    #[error("corrupt gzip data: {0}")]
    Gzip(#[source] io::Error),
    /// The gzip stream inflates to more than [`MAX_GZIP_RATIO`] times its size.
    #[error("gzip data inflates to more than {limit} bytes ({MAX_GZIP_RATIO}x the file): corrupt")]
    GzipBomb {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// Fewer bytes than a header needs.
    #[error("{len} bytes is too short for an IDX header")]
    TooShort {
        /// Bytes available.
        len: usize,
    },
    /// The first two bytes are not zero.
    #[error("wrong magic number {found:#010x}: not an IDX file")]
    BadMagic {
        /// The first four bytes, big-endian.
        found: u32,
    },
    /// An element type other than unsigned bytes.
    #[error("unsupported IDX element type {0:#04x} (only unsigned bytes, 0x08, are supported)")]
    UnsupportedType(u8),
    /// The dimension count is not what the caller expects.
    #[error("expected {expected} dimension(s), the header has {found}")]
    WrongDimensions {
        /// Dimensions expected (3 for images, 1 for labels).
        expected: usize,
        /// Dimensions in the header.
        found: usize,
    },
    /// The header claims more data than the file holds.
    #[error(
        "truncated: the header claims {claimed} data bytes (dimensions {dims:?}) but only {available} follow"
    )]
    Truncated {
        /// Data bytes the header claims.
        claimed: u64,
        /// Data bytes present.
        available: u64,
        /// Dimensions from the header.
        dims: Vec<u32>,
    },
    /// More data than the header claims.
    #[error("{extra} unexpected bytes after the {claimed} data bytes the header claims")]
    TrailingBytes {
        /// Data bytes the header claims.
        claimed: u64,
        /// Bytes beyond them.
        extra: u64,
    },
}

/// An IDX file that could not be read, with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("'{}': {problem}", path.display())]
pub struct IdxError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    #[source]
    pub problem: IdxProblem,
}

/// Parses uncompressed IDX bytes whose header must have `expected_dims` dimensions.
///
/// Never panics; allocates nothing beyond `bytes` itself (the header is removed in
/// place).
pub(crate) fn parse_idx(mut bytes: Vec<u8>, expected_dims: usize) -> Result<IdxArray, IdxProblem> {
    if bytes.len() < 4 {
        return Err(IdxProblem::TooShort { len: bytes.len() });
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(IdxProblem::BadMagic { found: magic });
    }
    if bytes[2] != TYPE_U8 {
        return Err(IdxProblem::UnsupportedType(bytes[2]));
    }
    let n_dims = usize::from(bytes[3]);
    if n_dims != expected_dims {
        return Err(IdxProblem::WrongDimensions {
            expected: expected_dims,
            found: n_dims,
        });
    }
    let header = 4 + 4 * n_dims;
    if bytes.len() < header {
        return Err(IdxProblem::TooShort { len: bytes.len() });
    }
    let dims: Vec<u32> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // u32^255 overflows u64; saturating keeps "claims more than the file" an error.
    let claimed = dims
        .iter()
        .fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)));
    let available = (bytes.len() - header) as u64;
    if claimed > available {
        return Err(IdxProblem::Truncated {
            claimed,
            available,
            dims,
        });
    }
    if claimed < available {
        return Err(IdxProblem::TrailingBytes {
            claimed,
            extra: available - claimed,
        });
    }
    bytes.drain(..header);
    Ok(IdxArray {
        dims: dims.into_iter().map(|d| d as usize).collect(),
        data: bytes,
    })
}

/// Reads the IDX file at `path` (gzip-compressed or raw, detected from its first
/// bytes) whose header must have `expected_dims` dimensions.
pub(crate) fn read_idx(path: &Path, expected_dims: usize) -> Result<IdxArray, IdxError> {
    let error = |problem| IdxError {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = read_maybe_gzip(path).map_err(error)?;
    parse_idx(bytes, expected_dims).map_err(error)
}

/// The file's bytes, inflated if it is gzip, never more than the file size justifies.
fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, IdxProblem> {
    let raw = std::fs::read(path).map_err(IdxProblem::Io)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    inflate_bounded(&raw, (raw.len() as u64).saturating_mul(MAX_GZIP_RATIO))
}

/// Inflates gzip `raw`, failing once the output would exceed `limit` bytes.
fn inflate_bounded(raw: &[u8], limit: u64) -> Result<Vec<u8>, IdxProblem> {
    // The gzip trailer's ISIZE (size mod 2^32) is a hint for the first allocation;
    // it is capped by the limit, so a lying trailer cannot force a large allocation.
    let hint = raw
        .len()
        .checked_sub(4)
        .map(|i| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]))
        .map_or(0, u64::from)
        .min(limit);
    let mut out = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    MultiGzDecoder::new(raw)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(IdxProblem::Gzip)?;
    if out.len() as u64 > limit {
        return Err(IdxProblem::GzipBomb { limit });
    }
    Ok(out)
}

/// Encodes `data` with `dims` as uncompressed IDX bytes (for fixtures and tests).
pub(crate) fn encode_idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, TYPE_U8, dims.len() as u8];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips_a_small_array() {
        let data: Vec<u8> = (0..24).collect();
        let array = parse_idx(encode_idx(&[2, 3, 4], &data), 3).unwrap();
        assert_eq!(array.dims, vec![2, 3, 4]);
        assert_eq!(array.data, data);
    }

    #[test]
    fn each_header_problem_is_named() {
        let ok = encode_idx(&[2, 2], &[1, 2, 3, 4]);
        let err = |bytes: Vec<u8>, dims| parse_idx(bytes, dims).unwrap_err().to_string();
        assert!(err(vec![0, 0], 2).contains("too short"));
        let mut bad = ok.clone();
        bad[0] = 0x50;
        assert!(err(bad, 2).contains("wrong magic number 0x50000802"));
        let mut float = ok.clone();
        float[2] = 0x0d;
        assert!(err(float, 2).contains("element type 0x0d"));
        assert!(err(ok.clone(), 3).contains("expected 3 dimension(s), the header has 2"));
        assert!(err(ok[..ok.len() - 1].to_vec(), 2).contains("claims 4 data bytes"));
        let mut long = ok;
        long.push(9);
        assert!(err(long, 2).contains("1 unexpected bytes"));
    }

    #[test]
    fn a_huge_claim_in_a_small_file_is_an_error_not_an_allocation() {
        let bytes = encode_idx(&[u32::MAX, u32::MAX, u32::MAX], &[0; 16]);
        let problem = parse_idx(bytes, 3).unwrap_err();
        assert!(matches!(
            problem,
            IdxProblem::Truncated { available: 16, .. }
        ));
    }

    #[test]
    fn gzip_and_raw_files_read_the_same_and_errors_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let bytes = encode_idx(&[3], &[7, 8, 9]);
        let raw = tmp.path().join("labels-idx1-ubyte");
        std::fs::write(&raw, &bytes).unwrap();
        let gz = tmp.path().join("labels-idx1-ubyte.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&bytes).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert_eq!(read_idx(&raw, 1).unwrap(), read_idx(&gz, 1).unwrap());

        let err = read_idx(&raw, 3).unwrap_err().to_string();
        assert!(err.contains("labels-idx1-ubyte"), "{err}");
        let mut corrupt = std::fs::read(&gz).unwrap();
        let mid = corrupt.len() / 2;
        corrupt.truncate(mid);
        std::fs::write(&gz, corrupt).unwrap();
        let err = read_idx(&gz, 1).unwrap_err().to_string();
        assert!(
            err.contains("corrupt gzip") || err.contains("truncated"),
            "{err}"
        );
        let missing = read_idx(&tmp.path().join("nope"), 1)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("nope") && missing.contains("cannot read"),
            "{missing}"
        );
    }

    #[test]
    fn inflation_stops_at_the_limit() {
        // Deflate tops out near 1032:1, so real files stay under MAX_GZIP_RATIO; the
        // bound itself is checked here with a small limit.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 1 << 20]).unwrap();
        let gz = enc.finish().unwrap();
        let err = inflate_bounded(&gz, 1000).unwrap_err();
        assert!(matches!(err, IdxProblem::GzipBomb { limit: 1000 }), "{err}");
        assert_eq!(inflate_bounded(&gz, 1 << 20).unwrap().len(), 1 << 20);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), dims in 0usize..5) {
            let len = bytes.len();
            if let Ok(array) = parse_idx(bytes, dims) {
                prop_assert!(array.data.len() <= len);
                prop_assert_eq!(array.data.len(), array.dims.iter().product::<usize>());
            }
        }

        #[test]
        fn valid_headers_with_any_claim_never_over_allocate(
            dims in proptest::collection::vec(any::<u32>(), 1..4),
            data in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let n = dims.len();
            let bytes = encode_idx(&dims, &data);
            let claimed = dims.iter().fold(1u128, |a, &d| a * u128::from(d));
            match parse_idx(bytes, n) {
                Ok(array) => prop_assert_eq!(array.data.len() as u128, claimed),
                Err(IdxProblem::Truncated { .. }) => prop_assert!(claimed > data.len() as u128),
                Err(IdxProblem::TrailingBytes { .. }) => prop_assert!(claimed < data.len() as u128),
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
        }

        #[test]
        fn arbitrary_gzip_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join("x.gz");
            let mut file = vec![0x1f, 0x8b];
            file.extend(bytes);
            std::fs::write(&path, file).unwrap();
            let _ = read_idx(&path, 1);
        }
    }
}
