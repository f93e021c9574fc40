//! The global allocator's settings. mimalloc commits its arenas eagerly by default,
//! which costs several kB of resident memory per idle connection (live objects spread
//! over freshly committed pages); committing on demand keeps it near HAProxy's order of
//! magnitude without changing throughput.
//!
//! The first arena is reserved by allocations made before `main` (the Rust runtime's
//! own), so the settings are applied from an ELF constructor (`.init_array`), which runs
//! before any of them. Environment variables (`MIMALLOC_ARENA_EAGER_COMMIT`...) set by
//! the user still take precedence over these values, as mimalloc documents.
#![allow(unsafe_code)]

use libmimalloc_sys::{mi_option_set_default, mi_option_t};

/// mimalloc 2's option numbers (`mi_option_eager_commit`, `mi_option_arena_eager_commit`),
/// not exported under these names by `libmimalloc-sys`.
const EAGER_COMMIT: mi_option_t = 3;
const ARENA_EAGER_COMMIT: mi_option_t = 4;

extern "C" fn tune_before_main() {
    // SAFETY: plain setters of mimalloc's global options; they only store a default
    // (an environment variable, read lazily, still wins) and allocate nothing.
    unsafe {
        mi_option_set_default(EAGER_COMMIT, 0);
        mi_option_set_default(ARENA_EAGER_COMMIT, 0);
    }
}

/// Registered as an ELF constructor: runs before `main` and before the Rust runtime
/// allocates.
#[used]
#[link_section = ".init_array"]
static TUNE: extern "C" fn() = tune_before_main;
