//! The global allocator's settings. mimalloc commits memory eagerly by default, which
//! costs about 19 kB of resident memory per idle connection (many live objects spread
//! over freshly committed pages); committing on demand brings it to ~1.5 kB, HAProxy's
//! order of magnitude, without changing throughput. Set before any allocation-heavy work.
#![allow(unsafe_code)]

/// mimalloc 2's option numbers (`mi_option_eager_commit`, `mi_option_arena_eager_commit`),
/// not exported under these names by `libmimalloc-sys`.
const EAGER_COMMIT: libmimalloc_sys::mi_option_t = 3;
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Applies the settings; call first thing in `main`.
pub fn tune() {
    // SAFETY: plain setters of mimalloc's global options, called before worker threads
    // exist; invalid values are ignored by mimalloc.
    unsafe {
        libmimalloc_sys::mi_option_set(EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
    }
}
