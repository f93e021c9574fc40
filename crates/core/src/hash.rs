//! The hash functions of `hash-type` (configuration manual 4.2) and of the `sdbm`, `djb2`,
//! `wt6` and `crc32` converters (7.3.1), bit-identical to
//! HAProxy 2.6's src/hash.c, and the `avalanche` modifier (Bob Jenkins' integer mixing
//! followed by a multiplication, HAProxy's `full_hash`). All arithmetic is on 32-bit
//! unsigned words with wrap-around, as in C.

/// `sdbm`: the default function.
pub fn sdbm(key: &[u8]) -> u32 {
    key.iter().fold(0u32, |h, &c| {
        u32::from(c)
            .wrapping_add(h << 6)
            .wrapping_add(h << 16)
            .wrapping_sub(h)
    })
}

/// `djb2`: h * 33 + c from 5381.
pub fn djb2(key: &[u8]) -> u32 {
    key.iter().fold(5381u32, |h, &c| {
        (h << 5).wrapping_add(h).wrapping_add(u32::from(c))
    })
}

/// `wt6`: two words rotated by amounts that depend on the data.
pub fn wt6(key: &[u8]) -> u32 {
    let (mut h0, mut h1) = (0xa53c_965a_u32, 0x5ca6_953a_u32);
    let (mut step0, mut step1) = (6u32, 18u32);
    for &c in key {
        let t = u32::from(c);
        h0 = !(h0 ^ t);
        h1 = !(h1.wrapping_add(t));
        let r = h1.rotate_left(step0);
        h1 = h0.rotate_left(step1);
        h0 = r;
        let m = ((h0 >> 16) ^ h1) & 0xffff;
        step0 = m & 0x1f;
        step1 = m >> 11;
    }
    h0 ^ h1
}

/// `crc32`: the reflected CRC-32 of IEEE 802.3 (polynomial 0xedb88320).
pub fn crc32(key: &[u8]) -> u32 {
    let mut h = !0u32;
    for &c in key {
        h ^= u32::from(c);
        for _ in 0..8 {
            h = (h >> 1) ^ if h & 1 != 0 { 0xedb8_8320 } else { 0 };
        }
    }
    !h
}

/// `crc32c`: the Castagnoli CRC (reflected polynomial 0x82f63b78), as HAProxy's
/// `hash_crc32c` (the `crc32c` converter; the PROXY protocol has its own table-driven
/// copy for speed).
pub fn crc32c(key: &[u8]) -> u32 {
    let mut h = !0u32;
    for &c in key {
        h ^= u32::from(c);
        for _ in 0..8 {
            h = (h >> 1) ^ if h & 1 != 0 { 0x82f6_3b78 } else { 0 };
        }
    }
    !h
}

/// The `avalanche` modifier, also used for consistent-hashing node keys.
pub fn avalanche(a: u32) -> u32 {
    let mut a = a;
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

/// A hash function of `hash-type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashFn {
    #[default]
    Sdbm,
    Djb2,
    Wt6,
    Crc32,
}

impl HashFn {
    pub fn hash(self, key: &[u8]) -> u32 {
        match self {
            HashFn::Sdbm => sdbm(key),
            HashFn::Djb2 => djb2(key),
            HashFn::Wt6 => wt6(key),
            HashFn::Crc32 => crc32(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Values computed with HAProxy's own C functions.
        assert_eq!(sdbm(b""), 0);
        assert_eq!(djb2(b""), 5381);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(djb2(b"a"), 177_670);
        assert_eq!(sdbm(b"a"), 97);
        assert_eq!(sdbm(b"ab"), 97u32.wrapping_mul(65599).wrapping_add(98));
    }
}
