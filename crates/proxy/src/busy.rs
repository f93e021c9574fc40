//! How idle the worker threads are (`show info`'s `Idle_pct`): each worker's event loop
//! reports when it parks (waits for events) and when it wakes up. Finished waits are
//! summed in one counter; a wait in progress is published in the thread's own slot, so
//! a thread that has been waiting for long counts as idle too. Two clock reads per
//! wait, nothing per request.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// Nanoseconds the workers spent in finished waits, all threads summed.
static IDLE_NS: AtomicU64 = AtomicU64::new(0);

/// Threads with a slot (at most [`SLOTS`] are followed).
const SLOTS: usize = 256;
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);
/// Per thread: when its current wait began (nanoseconds since [`epoch`] + 1; 0: not
/// waiting).
static PARKED: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

thread_local! {
    static SLOT: usize = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
}

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    epoch().elapsed().as_nanos().min(u128::from(u64::MAX - 1)) as u64 + 1
}

/// The thread's event loop starts waiting.
pub fn park() {
    let slot = SLOT.with(|s| *s);
    if let Some(p) = PARKED.get(slot) {
        p.store(now_ns(), Ordering::Relaxed);
    }
}

/// The thread's event loop has events again.
pub fn unpark() {
    let slot = SLOT.with(|s| *s);
    if let Some(p) = PARKED.get(slot) {
        let since = p.swap(0, Ordering::Relaxed);
        if since != 0 {
            IDLE_NS.fetch_add(now_ns().saturating_sub(since), Ordering::Relaxed);
        }
    }
}

/// The workers' idle time so far, in nanoseconds (threads summed), waits in progress
/// included.
pub fn idle_ns() -> u64 {
    let now = now_ns();
    let current: u64 = PARKED
        .iter()
        .take(NEXT_SLOT.load(Ordering::Relaxed).min(SLOTS))
        .map(|p| p.load(Ordering::Relaxed))
        .filter(|&s| s != 0)
        .map(|s| now.saturating_sub(s))
        .sum();
    IDLE_NS.load(Ordering::Relaxed) + current
}
