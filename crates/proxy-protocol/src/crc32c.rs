//! CRC32C (Castagnoli, RFC 4960 appendix B), the checksum of the `PP2_TYPE_CRC32C` TLV.
//!
//! Table-driven, reflected polynomial `0x82F63B78`, initial value and final XOR `!0`: the
//! same function as HAProxy's `hash_crc32c`. [`Crc32c`] is incremental so the decoder can
//! checksum a header with its CRC fields read as zeros without copying it.

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

/// One entry per byte value, computed at compile time.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// An incremental CRC32C computation.
#[derive(Debug, Clone, Copy)]
pub struct Crc32c(u32);

impl Default for Crc32c {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32c {
    /// A computation over no bytes yet.
    pub const fn new() -> Self {
        Self(!0)
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        let mut crc = self.0;
        for &b in data {
            crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
        }
        self.0 = crc;
    }

    /// The checksum of everything fed so far.
    pub const fn finish(self) -> u32 {
        !self.0
    }
}

/// The CRC32C of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut c = Crc32c::new();
    c.update(data);
    c.finish()
}

/// The CRC32C of `data` read as if the 4 bytes at each offset in `zeroed` were zeros.
/// Offsets must be increasing, non-overlapping and in bounds (the TLV parser guarantees it).
pub(crate) fn crc32c_zeroed(data: &[u8], zeroed: &[usize]) -> u32 {
    let mut c = Crc32c::new();
    let mut at = 0;
    for &z in zeroed {
        c.update(&data[at..z]);
        c.update(&[0; 4]);
        at = z + 4;
    }
    c.update(&data[at..]);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // RFC 3720 (iSCSI) appendix B.4 vectors.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        let inc: Vec<u8> = (0u8..32).collect();
        assert_eq!(crc32c(&inc), 0x46DD_794E);
        let dec: Vec<u8> = (0u8..32).rev().collect();
        assert_eq!(crc32c(&dec), 0x113F_DB5C);
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data = b"The quick brown fox jumps over the lazy dog";
        for cut in 0..data.len() {
            let mut c = Crc32c::default();
            c.update(&data[..cut]);
            c.update(&data[cut..]);
            assert_eq!(c.finish(), crc32c(data));
        }
    }

    #[test]
    fn zeroed_windows() {
        let data = *b"abcdefghijklmnop";
        let mut copy = data;
        copy[2..6].fill(0);
        copy[8..12].fill(0);
        assert_eq!(crc32c_zeroed(&data, &[2, 8]), crc32c(&copy));
        assert_eq!(crc32c_zeroed(&data, &[]), crc32c(&data));
    }
}
