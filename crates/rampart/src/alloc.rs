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

/// mimalloc, counting its allocation calls when `RAMPART_COUNT_ALLOCS` is set (a
/// benchmark's measure, `bench/scrape.py`: the count is printed on stderr at exit).
/// Otherwise the cost is one relaxed load of a flag that never changes.
pub struct Counting;

static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[inline]
fn count() {
    use std::sync::atomic::Ordering::Relaxed;
    if COUNTING.load(Relaxed) {
        CALLS.fetch_add(1, Relaxed);
    }
}

// SAFETY: every call is passed to mimalloc unchanged; counting touches two atomics and
// never allocates.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: std::alloc::Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: std::alloc::Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.realloc(p, l, n) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.dealloc(p, l) }
    }
}

/// Starts counting when `RAMPART_COUNT_ALLOCS` is set (first thing in `main`).
pub fn start_counting() {
    if std::env::var_os("RAMPART_COUNT_ALLOCS").is_some() {
        COUNTING.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Prints the count at exit when counting.
pub fn report_count() {
    use std::sync::atomic::Ordering::Relaxed;
    if COUNTING.load(Relaxed) {
        eprintln!("rampart: {} allocation calls", CALLS.load(Relaxed));
    }
}
