//! The per-thread pseudo-random generator of `balance random` (HAProxy's
//! `statistical_prng`, a 32-bit xorshift seeded differently on each thread).

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u32> = Cell::new(seed());
}

fn seed() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    (h.finish() as u32) | 1
}

/// The next value.
pub(crate) fn next() -> u32 {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s.set(x);
        x
    })
}
