//! HAProxy's word fingerprints (`update_word_fingerprint`, `word_fingerprint_distance`),
//! which its "did you mean" suggestions compare: counts of transitions between character
//! classes (letters, digits, anything else, the word's start and end).

/// The size of a fingerprint.
pub const LEN: usize = 1024;

/// Adds `word`'s transitions to `fp` (a fingerprint of [`LEN`] counters; several words
/// may be added to one).
pub fn add(fp: &mut [u8; LEN], word: &str) {
    let mut from = 28usize;
    for c in word.bytes() {
        let to = match c.to_ascii_lowercase() {
            c @ b'a'..=b'z' => usize::from(c - b'a') + 1,
            b'0'..=b'9' => 27,
            _ => 28,
        };
        fp[to] = 1;
        fp[32 * from + to] = fp[32 * from + to].wrapping_add(1);
        from = to;
    }
    fp[32 * from + 28] = fp[32 * from + 28].wrapping_add(1);
}

/// The fingerprint of one word.
pub fn of(word: &str) -> [u8; LEN] {
    let mut fp = [0u8; LEN];
    add(&mut fp, word);
    fp
}

/// The distance between two fingerprints.
pub fn distance(a: &[u8; LEN], b: &[u8; LEN]) -> u32 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum()
}
