//! Event rates over a sliding one-second window, with the semantics of HAProxy's
//! frequency counters (`freq_ctr`): the count of the current second plus the share of the
//! previous second that still lies inside the window. They drive `rate-limit sessions`
//! (frontends) and the process-wide `maxconnrate` / `maxsessrate` (configuration manual
//! 3.2 and 4.2), and will feed the rate fields of `show info` and `show stat`.
//!
//! Lock-free: three atomics; the low bit of the period start marks a rotation in
//! progress, so concurrent updates never lose an event.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// The window: one second, in milliseconds.
const PERIOD: u32 = 1000;

/// Milliseconds on a monotonic clock shared by every thread (wraps after 49 days, as
/// HAProxy's `now_ms`; only differences are used).
pub fn now_ms() -> u32 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    start.elapsed().as_millis() as u32
}

/// A frequency counter.
#[derive(Debug, Default)]
pub struct FreqCtr {
    /// Start of the current period (ms, even; odd while a rotation is in progress).
    tick: AtomicU32,
    /// Events in the current period and in the previous one.
    curr: AtomicU32,
    prev: AtomicU32,
}

impl FreqCtr {
    /// Counts `inc` events now; returns the count of the current period.
    pub fn update(&self, inc: u32) -> u32 {
        self.update_at(now_ms(), inc)
    }

    /// [`FreqCtr::update`] at a time the caller read from [`now_ms`] (one clock read
    /// for several counters).
    pub fn update_at(&self, now: u32, inc: u32) -> u32 {
        let mut tick;
        loop {
            tick = self.tick.load(Ordering::Acquire);
            if now.wrapping_sub(tick) < PERIOD {
                return self.curr.fetch_add(inc, Ordering::AcqRel).wrapping_add(inc);
            }
            // A rotation is due: one thread does it, the others retry.
            if tick & 1 == 0
                && self
                    .tick
                    .compare_exchange(tick, tick | 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                break;
            }
            std::hint::spin_loop();
        }
        self.prev
            .store(self.curr.swap(inc, Ordering::AcqRel), Ordering::Release);
        let mut next = tick.wrapping_add(PERIOD);
        if now.wrapping_sub(next) >= PERIOD {
            // At least two periods went by without events.
            self.prev.store(0, Ordering::Release);
            next = now;
        }
        self.tick.store(next & !1, Ordering::Release);
        inc
    }

    /// Events over the window, times the period (HAProxy's `freq_ctr_total` with
    /// `pend` events assumed pending).
    fn total(&self, now: u32, pend: u32) -> u64 {
        let (tick, curr, past) = loop {
            let t = self.tick.load(Ordering::Acquire);
            let c = self.curr.load(Ordering::Acquire);
            let p = self.prev.load(Ordering::Acquire);
            if t & 1 == 0 && self.tick.load(Ordering::Acquire) == t {
                break (t, c, p);
            }
            std::hint::spin_loop();
        };
        let (mut curr, mut past) = (u64::from(curr), u64::from(past));
        let mut remain = i64::from(tick.wrapping_add(PERIOD).wrapping_sub(now) as i32);
        if remain < 0 {
            // Past the current period: what it counted is now the previous one, if
            // still within the window.
            remain += i64::from(PERIOD);
            past = if remain >= 0 { curr } else { 0 };
            curr = 0;
        }
        let remain = remain.max(0) as u64;
        past * remain + (curr + u64::from(pend)) * u64::from(PERIOD)
    }

    /// Events still allowed now under a limit of `freq` per second (0 when reached).
    pub fn remain(&self, freq: u32, pend: u32) -> u32 {
        let avg = self.total(now_ms(), pend) / u64::from(PERIOD);
        freq.saturating_sub(avg.min(u64::from(u32::MAX)) as u32)
    }

    /// Milliseconds to wait before the next event fits under `freq` per second (0: now).
    pub fn next_event_delay(&self, freq: u32, pend: u32) -> u32 {
        let total = self.total(now_ms(), pend);
        let limit = u64::from(freq) * u64::from(PERIOD);
        if total < limit {
            return 0;
        }
        let wait = (total - limit) / u64::from(freq.max(1));
        wait.clamp(1, u64::from(PERIOD)) as u32
    }

    /// The current rate per second (for statistics).
    pub fn read(&self) -> u32 {
        let now = now_ms();
        let (curr, past) = (
            self.curr.load(Ordering::Relaxed),
            self.prev.load(Ordering::Relaxed),
        );
        if curr == 0 && past <= 1 && now.wrapping_sub(self.tick.load(Ordering::Relaxed)) < PERIOD {
            return past;
        }
        (self.total(now, 0) / u64::from(PERIOD)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_within_the_period() {
        let c = FreqCtr::default();
        let t0 = 10_000;
        c.tick.store(t0, Ordering::Relaxed);
        for _ in 0..5 {
            c.update_at(t0 + 10, 1);
        }
        assert_eq!(c.total(t0 + 10, 0) / 1000, 5);
    }

    #[test]
    fn the_previous_period_fades_out_linearly() {
        let c = FreqCtr::default();
        let t0 = 10_000;
        c.tick.store(t0, Ordering::Relaxed);
        c.update_at(t0 + 1, 10);
        // Rotation: 10 events in the past period, none yet in the new one.
        c.update_at(t0 + 1000, 0);
        // Halfway through the new period, half of the past one still counts.
        assert_eq!(c.total(t0 + 1500, 0) / 1000, 5);
        // A full period later nothing is left.
        assert_eq!(c.total(t0 + 2000, 0) / 1000, 0);
    }

    #[test]
    fn idle_periods_reset_the_history() {
        let c = FreqCtr::default();
        let t0 = 10_000;
        c.tick.store(t0, Ordering::Relaxed);
        c.update_at(t0 + 1, 100);
        c.update_at(t0 + 5000, 1);
        assert_eq!(c.prev.load(Ordering::Relaxed), 0);
        assert_eq!(c.total(t0 + 5000, 0) / 1000, 1);
    }
}
