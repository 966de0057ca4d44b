//! Bit reversal: `n`-bit patterns and the same bits in reverse order, written most
//! significant bit first (`0001` → `1000`).
//!
//! The seed's lesson (a Keras tutorial): train on six 4-bit patterns whose first bit is
//! 0 ([`SEED_TRAIN`]) and test on six whose first bit is 1 ([`SEED_UNSEEN`]). The first
//! input is 0 in every training row, so nothing is learned about it. [`Split`] builds
//! that split for 4 bits and its analogue for wider patterns (every pattern with the top
//! bit 0 for training), optionally with some top-bit-1 patterns moved into training.

use crate::tabular::Table;

/// The seed's six 4-bit training inputs: `0000 0001 0010 0101 0110 0111`.
pub const SEED_TRAIN: [u32; 6] = [0b0000, 0b0001, 0b0010, 0b0101, 0b0110, 0b0111];
/// The seed's six unseen 4-bit inputs: `1000 1001 1010 1101 1110 1111`.
pub const SEED_UNSEEN: [u32; 6] = [0b1000, 0b1001, 0b1010, 0b1101, 0b1110, 0b1111];
/// The 4-bit patterns with the first bit 1 that are in neither of the seed's sets
/// (`1011`, `1100`): the examples that can be added to training while the six unseen
/// inputs stay unseen.
pub const SEED_SPARE: [u32; 2] = [0b1011, 0b1100];
/// Widest supported pattern.
pub const MAX_BITS: usize = 16;

/// Why a split cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BitsError {
    /// Width outside `2..=MAX_BITS`.
    #[error("patterns must have 2 to {MAX_BITS} bits, got {0}")]
    Width(usize),
    /// More added examples than there are spare top-bit-1 patterns.
    #[error(
        "{bits}-bit patterns have {spare} top-bit-1 patterns to add to training (keeping some unseen), got {extra}"
    )]
    TooManyExtra {
        /// Width.
        bits: usize,
        /// Requested.
        extra: usize,
        /// Available.
        spare: usize,
    },
}

/// `value`'s low `bits` bits, most significant first, as 0.0/1.0.
pub fn bits_of(value: u32, bits: usize) -> Vec<f32> {
    (0..bits)
        .rev()
        .map(|i| f32::from(u8::from(value >> i & 1 == 1)))
        .collect()
}

/// `value`'s low `bits` bits in reverse order.
pub fn reverse(value: u32, bits: usize) -> u32 {
    (0..bits).fold(0, |acc, i| acc << 1 | (value >> i & 1))
}

/// `value` as a string of `bits` binary digits (`0101`).
pub fn pattern(value: u32, bits: usize) -> String {
    format!("{value:0bits$b}")
}

/// Training and unseen inputs for reversing `bits`-bit patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Pattern width.
    pub bits: usize,
    /// Training inputs: the top bit is 0, except for the added examples at the end.
    pub train: Vec<u32>,
    /// The added training examples whose top bit is 1.
    pub extra: Vec<u32>,
    /// Unseen inputs, all with the top bit 1.
    pub unseen: Vec<u32>,
}

impl Split {
    /// For 4 bits the seed's sets, with the first `extra` of [`SEED_SPARE`] added to
    /// training; wider patterns train on every pattern with the top bit 0 plus `extra`
    /// top-bit-1 patterns spread over the range, and test on the other top-bit-1 ones.
    pub fn new(bits: usize, extra: usize) -> Result<Self, BitsError> {
        if !(2..=MAX_BITS).contains(&bits) {
            return Err(BitsError::Width(bits));
        }
        let half = 1u32 << (bits - 1);
        let (mut train, spare, unseen): (Vec<u32>, Vec<u32>, Vec<u32>) = if bits == 4 {
            (
                SEED_TRAIN.to_vec(),
                SEED_SPARE.to_vec(),
                SEED_UNSEEN.to_vec(),
            )
        } else {
            // Spread the candidates: a stride coprime with `half` visits every top-bit-1
            // pattern once; half of them may be added, the rest stay unseen.
            let stride = (half / 2) | 1;
            let order: Vec<u32> = (0..half).map(|i| half + (i * stride) % half).collect();
            let spare = order[..(half / 2) as usize].to_vec();
            ((0..half).collect(), spare, order)
        };
        if extra > spare.len() {
            return Err(BitsError::TooManyExtra {
                bits,
                extra,
                spare: spare.len(),
            });
        }
        let added = spare[..extra].to_vec();
        train.extend(&added);
        let mut unseen: Vec<u32> = unseen.into_iter().filter(|v| !added.contains(v)).collect();
        unseen.sort_unstable();
        Ok(Self {
            bits,
            train,
            extra: added,
            unseen,
        })
    }

    /// `inputs` and their reversals as a table of 0/1 values.
    pub fn table(&self, inputs: &[u32]) -> Table {
        let x = inputs.iter().flat_map(|&v| bits_of(v, self.bits)).collect();
        let y = inputs
            .iter()
            .flat_map(|&v| bits_of(reverse(v, self.bits), self.bits))
            .collect();
        Table::new(x, self.bits, y, self.bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversal_and_patterns() {
        assert_eq!(reverse(0b0001, 4), 0b1000);
        assert_eq!(reverse(0b0110, 4), 0b0110);
        assert_eq!(reverse(0b1101, 4), 0b1011);
        assert_eq!(pattern(0b0101, 4), "0101");
        assert_eq!(bits_of(0b0010, 4), vec![0.0, 0.0, 1.0, 0.0]);
        for v in 0..256 {
            assert_eq!(reverse(reverse(v, 8), 8), v);
        }
    }

    #[test]
    fn the_seed_split_and_its_targets() {
        let split = Split::new(4, 0).unwrap();
        let targets: Vec<String> = split
            .train
            .iter()
            .map(|&v| pattern(reverse(v, 4), 4))
            .collect();
        assert_eq!(targets, ["0000", "1000", "0100", "1010", "0110", "1110"]);
        assert!(split.train.iter().all(|v| v >> 3 == 0));
        assert!(split.unseen.iter().all(|v| v >> 3 == 1));
        let table = split.table(&split.train);
        assert_eq!(
            (table.len(), table.n_inputs(), table.n_targets()),
            (6, 4, 4)
        );
        assert_eq!(&table.targets()[4..8], &[1.0, 0.0, 0.0, 0.0]);

        let two = Split::new(4, 2).unwrap();
        assert_eq!(two.extra, SEED_SPARE);
        assert_eq!(
            two.unseen, SEED_UNSEEN,
            "the added examples are not unseen ones"
        );
        assert_eq!(
            Split::new(4, 3).unwrap_err().to_string(),
            "4-bit patterns have 2 top-bit-1 patterns to add to training (keeping some unseen), got 3"
        );
    }

    #[test]
    fn wider_splits_train_on_every_top_bit_0_pattern() {
        let split = Split::new(8, 3).unwrap();
        assert_eq!(split.train.len(), 128 + 3);
        assert_eq!(split.unseen.len(), 128 - 3);
        assert!(
            split
                .extra
                .iter()
                .all(|v| v >> 7 == 1 && !split.unseen.contains(v))
        );
        let mut all: Vec<u32> = split.train.iter().chain(&split.unseen).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..256).collect::<Vec<_>>());
        assert!(Split::new(1, 0).is_err() && Split::new(17, 0).is_err());
    }
}
