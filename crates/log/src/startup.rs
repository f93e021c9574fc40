//! The messages of start-up (HAProxy's `startup_logs` ring, errors.c): every alert,
//! warning, notice and diagnostic printed on stderr while the process starts is also
//! kept, as printed, in a ring of HAProxy's size (`STARTUP_LOG_SIZE`, 64 kB, with
//! HAProxy's accounting: a full ring drops its oldest messages first). Recording ends
//! when the workers start ([`close`], HAProxy clearing `MODE_STARTING`); the runtime
//! API's `show startup-logs` prints what was kept ([`read`]).
//!
//! Start-up runs on one thread and the CLI reads rarely, so one mutex guards the ring;
//! nothing here is on the traffic path.

use crate::ring::RingBuf;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// HAProxy's `STARTUP_LOG_SIZE`.
pub const SIZE: usize = 65536;

/// Created with the first message, as HAProxy's.
static RING: Mutex<Option<RingBuf>> = Mutex::new(None);
static OPEN: AtomicBool = AtomicBool::new(true);

/// Writes one message (without its final line feed) and a line feed to stderr in one
/// write, ignoring errors, and keeps it while the process is starting.
pub fn eprint(text: &str) {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
    record(text);
}

/// Keeps one message printed on stderr (without its final line feed), until [`close`].
pub fn record(text: &str) {
    if !OPEN.load(Ordering::Relaxed) {
        return;
    }
    let mut ring = RING.lock().unwrap_or_else(|e| e.into_inner());
    // A message larger than the ring is dropped, as HAProxy's `ring_write` drops it.
    ring.get_or_insert_with(|| RingBuf::new(SIZE, 0))
        .write(text.as_bytes());
}

/// Start-up is over: later messages are printed only.
pub fn close() {
    OPEN.store(false, Ordering::Relaxed);
}

/// The messages kept, each followed by a line feed as it was printed; `None` when
/// start-up printed nothing.
pub fn read() -> Option<String> {
    let ring = RING.lock().unwrap_or_else(|e| e.into_inner());
    let ring = ring.as_ref()?;
    let mut out = String::new();
    for ev in ring.events() {
        out.push_str(&String::from_utf8_lossy(ev));
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the ring is process-wide.
    #[test]
    fn kept_until_closed_oldest_dropped_first() {
        assert_eq!(read(), None);
        record("[WARNING]  (1) : first");
        record("[ALERT]    (1) : second\n");
        assert_eq!(
            read().as_deref(),
            Some("[WARNING]  (1) : first\n[ALERT]    (1) : second\n\n")
        );
        let big = "x".repeat(1000);
        for _ in 0..100 {
            record(&big);
        }
        let all = read().unwrap_or_default();
        assert!(!all.contains("first") && all.len() < SIZE, "{}", all.len());
        // Too large for the ring: not kept.
        record(&"y".repeat(SIZE));
        assert!(!read().unwrap_or_default().contains('y'));
        close();
        record("late");
        assert!(!read().unwrap_or_default().contains("late"));
    }
}
