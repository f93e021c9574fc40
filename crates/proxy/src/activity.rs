//! What each worker thread does, for the runtime API: HAProxy's per-thread `activity`
//! counters (`show activity`), the thread's identity and state (`show threads`), and
//! how idle the workers are (`show info`'s `Idle_pct`).
//!
//! Each worker owns one cache-line-aligned [`Slot`] and is the only thread writing its
//! counters: a counter moves by a plain load and store (no locked instruction, no
//! lock); the control thread only reads them. The event loop's park and unpark hooks
//! count its waits (`loops`), time its busy periods (`avg_loop_us`, HAProxy's sliding
//! average over 512 loops) and its waits (`Idle_pct`): two clock reads per wait,
//! nothing per request. The accept loops count the connections they accept.
//!
//! The thread's CPU time is read only when asked, from the control thread, through the
//! kernel's per-thread CPU clock (what `pthread_getcpuclockid` gives): reading it on
//! every wake-up, as HAProxy does, costs a system call per loop.

use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::Instant;

/// HAProxy's `TIME_STATS_SAMPLES`: the window of the loop time average.
const TIME_STATS_SAMPLES: u32 = 512;

/// One worker thread's counters and identity.
#[repr(align(64))]
#[derive(Debug, Default)]
pub struct Slot {
    /// When its current wait began (nanoseconds since [`epoch`] + 1; 0: not waiting).
    parked: AtomicU64,
    /// When its current (or last) busy period began.
    woke: AtomicU64,
    /// Length of its last finished busy period, in nanoseconds.
    last_busy: AtomicU64,
    /// Nanoseconds spent in finished waits.
    idle_ns: AtomicU64,
    /// Waits for events (HAProxy's `loops`: one poll per loop).
    loops: AtomicU64,
    /// Connections accepted.
    accepted: AtomicU64,
    /// HAProxy's `swrate` sum of the busy time per loop, in microseconds.
    avg_loop: AtomicU32,
    /// Kernel thread id (0 until the thread starts).
    tid: AtomicI32,
    /// The thread's `pthread_t`.
    pthread: AtomicU64,
}

/// A plain increment by the slot's own thread (single writer).
fn bump(a: &AtomicU64, n: u64) {
    a.store(a.load(Relaxed).wrapping_add(n), Relaxed);
}

impl Slot {
    /// A connection was accepted by this thread.
    pub fn accepted(&self) {
        bump(&self.accepted, 1);
    }

    /// What the control thread reads.
    pub fn read(&self) -> Activity {
        let now = now_ns();
        let parked = self.parked.load(Relaxed);
        let woke = self.woke.load(Relaxed);
        Activity {
            loops: self.loops.load(Relaxed),
            accepted: self.accepted.load(Relaxed),
            avg_loop_us: swrate_avg(self.avg_loop.load(Relaxed)),
            waiting: parked != 0,
            loop_ns: if parked != 0 {
                self.last_busy.load(Relaxed)
            } else {
                now.saturating_sub(woke)
            },
            tid: self.tid.load(Relaxed),
            pthread: self.pthread.load(Relaxed),
        }
    }

    /// The thread's event loop starts waiting.
    fn park(&self) {
        let now = now_ns();
        let busy = now.saturating_sub(self.woke.load(Relaxed));
        self.last_busy.store(busy, Relaxed);
        let us = u32::try_from(busy / 1000).unwrap_or(u32::MAX);
        let sum = self.avg_loop.load(Relaxed);
        // HAProxy's `swrate_add`: drop one average sample, add the new one.
        let sum = sum - sum.div_ceil(TIME_STATS_SAMPLES);
        self.avg_loop.store(sum.saturating_add(us), Relaxed);
        bump(&self.loops, 1);
        self.parked.store(now, Relaxed);
    }

    /// The thread's event loop has events again.
    fn unpark(&self) {
        let now = now_ns();
        let since = self.parked.load(Relaxed);
        self.parked.store(0, Relaxed);
        if since != 0 {
            bump(&self.idle_ns, now.saturating_sub(since));
        }
        self.woke.store(now, Relaxed);
    }
}

/// HAProxy's `swrate_avg`.
fn swrate_avg(sum: u32) -> u32 {
    sum.div_ceil(TIME_STATS_SAMPLES)
}

/// A worker's activity as the control thread sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Activity {
    pub loops: u64,
    pub accepted: u64,
    /// Average busy time per loop over the last 512 loops, in microseconds.
    pub avg_loop_us: u32,
    /// Waiting for events now.
    pub waiting: bool,
    /// Wall-clock length of the current loop (the last one while waiting), in
    /// nanoseconds.
    pub loop_ns: u64,
    /// Kernel thread id; 0 before the thread started.
    pub tid: i32,
    pub pthread: u64,
}

static SLOTS: OnceLock<Box<[Slot]>> = OnceLock::new();

/// Creates the slots of `nbthread` workers (before they start; once per process).
pub fn init(nbthread: usize) {
    SLOTS.get_or_init(|| (0..nbthread.max(1)).map(|_| Slot::default()).collect());
}

/// The workers' slots (empty before [`init`]).
pub fn slots() -> &'static [Slot] {
    SLOTS.get().map_or(&[], |s| &s[..])
}

/// Worker `thread` starts: records its identity and returns its slot (a slot of its
/// own outside the table when [`init`] did not make one, which only tests do).
pub fn start(thread: usize) -> &'static Slot {
    let slot = match slots().get(thread) {
        Some(s) => s,
        None => Box::leak(Box::default()),
    };
    slot.tid.store(nix::unistd::gettid().as_raw(), Relaxed);
    slot.pthread
        .store(nix::sys::pthread::pthread_self() as u64, Relaxed);
    slot.woke.store(now_ns(), Relaxed);
    slot
}

/// The park hook of a worker's event loop.
pub fn park(slot: &Slot) {
    slot.park();
}

/// The unpark hook of a worker's event loop.
pub fn unpark(slot: &Slot) {
    slot.unpark();
}

/// The workers' idle time so far, in nanoseconds (threads summed), waits in progress
/// included.
pub fn idle_ns() -> u64 {
    let now = now_ns();
    slots()
        .iter()
        .map(|s| {
            let p = s.parked.load(Relaxed);
            let current = if p != 0 { now.saturating_sub(p) } else { 0 };
            s.idle_ns.load(Relaxed).wrapping_add(current)
        })
        .fold(0u64, u64::wrapping_add)
}

/// CPU time consumed so far by the thread with kernel id `tid` of this process, in
/// nanoseconds; `None` when it is gone. The clock is the kernel's per-thread CPU clock
/// (`MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)`, which glibc's `pthread_getcpuclockid`
/// returns too): a thread of another process, or one that exited, is refused.
pub fn thread_cpu_ns(tid: i32) -> Option<u64> {
    if tid <= 0 {
        return None;
    }
    // `~tid << 3 | CPUCLOCK_PERTHREAD_MASK (4) | CPUCLOCK_SCHED (2)`.
    let id = ((!(tid as u32)) << 3 | 6) as i32;
    let t = nix::time::clock_gettime(nix::time::ClockId::from_raw(id)).ok()?;
    let ns = i128::from(t.tv_sec()) * 1_000_000_000 + i128::from(t.tv_nsec());
    u64::try_from(ns).ok()
}

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    epoch().elapsed().as_nanos().min(u128::from(u64::MAX - 1)) as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_busy_time_and_idle_time() {
        let s = Slot::default();
        s.woke.store(now_ns(), Relaxed);
        std::thread::sleep(std::time::Duration::from_millis(2));
        s.park();
        let a = s.read();
        assert_eq!(a.loops, 1);
        assert!(a.waiting);
        assert!(a.loop_ns >= 2_000_000, "{}", a.loop_ns);
        // One sample (the busy period just measured) in a window of 512: the bound
        // follows the measured period, however long the sleep took.
        let one_sample = a.loop_ns / 1000 / u64::from(TIME_STATS_SAMPLES) + 1;
        assert!(
            a.avg_loop_us >= 1 && u64::from(a.avg_loop_us) <= one_sample,
            "{} vs {one_sample}",
            a.avg_loop_us
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
        s.unpark();
        assert!(s.idle_ns.load(Relaxed) >= 1_000_000);
        assert!(!s.read().waiting);
        s.accepted();
        s.accepted();
        assert_eq!(s.read().accepted, 2);
    }

    #[test]
    fn swrate_as_haproxy() {
        // A steady 100 µs per loop converges to 100.
        let s = Slot::default();
        for _ in 0..10_000 {
            let sum = s.avg_loop.load(Relaxed);
            let sum = sum - sum.div_ceil(TIME_STATS_SAMPLES);
            s.avg_loop.store(sum + 100, Relaxed);
        }
        assert_eq!(swrate_avg(s.avg_loop.load(Relaxed)), 100);
    }

    #[test]
    fn own_thread_cpu_clock() {
        let tid = nix::unistd::gettid().as_raw();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let a = thread_cpu_ns(tid).unwrap_or(0);
        let own = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
            .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
            .unwrap_or(0);
        assert!(a > 0 && a <= own, "{a} {own}");
        assert_eq!(thread_cpu_ns(0), None);
        assert_eq!(thread_cpu_ns(-5), None);
    }
}
