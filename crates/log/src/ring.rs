//! Ring buffers (`ring` sections, the built-in `buf0`, and the implicit ring of each
//! `tcp@` target), with HAProxy's accounting (ring.c): events take their length, a
//! varint of it and a reader byte; a full ring drops its oldest events to make room,
//! unless a reader has not read the oldest one yet, in which case the new event is
//! dropped and counted (and later announced as "N events dropped").
//!
//! Readers are the forwarders of the ring's `server` lines: each attaches at its first
//! successful connection (from the oldest event still there) and keeps its position
//! across reconnections, as HAProxy's `sink_forward_target` does.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rampart_model::log::LogFormat;

/// A ring shared by its writer (the ring's delivery thread) and its forwarders.
#[derive(Debug)]
pub struct Ring {
    pub name: String,
    /// Header format of its events (`None`: guessed per message, an implicit ring whose
    /// target had no `format`).
    pub format: Option<LogFormat>,
    /// Longest event, header included.
    pub maxlen: usize,
    buf: Mutex<RingBuf>,
    more: Condvar,
    /// Events that could not be written since the last announcement.
    pub dropped: AtomicU32,
}

/// The events of a ring and its readers' positions.
#[derive(Debug)]
pub struct RingBuf {
    size: usize,
    /// Bytes used as HAProxy counts them (starting with its one marker byte).
    used: usize,
    events: VecDeque<Box<[u8]>>,
    /// Sequence number of `events[0]`.
    first: u64,
    /// Next event each reader reads; `None` until it attaches.
    readers: Vec<Option<u64>>,
}

/// HAProxy's `varint_bytes`: the size of its variable-length integer encoding.
pub fn varint_bytes(mut v: u64) -> usize {
    let mut len = 1;
    if v >= 240 {
        v = (v - 240) >> 4;
        loop {
            len += 1;
            if v < 128 {
                break;
            }
            v = (v - 128) >> 7;
        }
    }
    len
}

fn cost(len: usize) -> usize {
    varint_bytes(len as u64) + len + 1
}

impl RingBuf {
    pub fn new(size: usize, readers: usize) -> Self {
        Self {
            size,
            used: 1,
            events: VecDeque::new(),
            first: 0,
            readers: vec![None; readers],
        }
    }

    /// Appends an event; false when it cannot fit (too large, or a reader holds the
    /// oldest event).
    pub fn write(&mut self, ev: &[u8]) -> bool {
        let need = cost(ev.len());
        if need + 1 > self.size {
            return false;
        }
        while self.size - self.used < need {
            let Some(oldest) = self.events.front() else {
                return false;
            };
            if self.readers.contains(&Some(self.first)) {
                return false;
            }
            self.used -= cost(oldest.len());
            self.events.pop_front();
            self.first += 1;
        }
        self.used += need;
        self.events.push_back(ev.into());
        true
    }

    /// Reader `r` starts from the oldest event (HAProxy attaches a forwarder when its
    /// first connection is established); later calls keep its position.
    pub fn attach(&mut self, r: usize) {
        if let Some(slot) = self.readers.get_mut(r) {
            if slot.is_none() {
                *slot = Some(self.first);
            }
        }
    }

    /// Takes events for reader `r`, up to about `max` bytes (at least one event).
    pub fn take(&mut self, r: usize, max: usize, out: &mut Vec<Box<[u8]>>) {
        let Some(Some(pos)) = self.readers.get(r).copied() else {
            return;
        };
        let mut pos = pos.max(self.first);
        let mut bytes = 0;
        while let Some(ev) = self.events.get((pos - self.first) as usize) {
            if bytes > 0 && bytes + ev.len() > max {
                break;
            }
            bytes += ev.len();
            out.push(ev.clone());
            pos += 1;
        }
        self.readers[r] = Some(pos);
    }

    /// Whether reader `r` has events to read.
    pub fn pending(&self, r: usize) -> bool {
        match self.readers.get(r) {
            Some(Some(pos)) => *pos < self.first + self.events.len() as u64,
            _ => false,
        }
    }

    /// The events held, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &[u8]> {
        self.events.iter().map(|e| &e[..])
    }

    /// Number of events held.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

impl Ring {
    pub fn new(
        name: &str,
        format: Option<LogFormat>,
        size: usize,
        maxlen: usize,
        readers: usize,
    ) -> Self {
        Self {
            name: name.to_string(),
            format,
            maxlen,
            buf: Mutex::new(RingBuf::new(size, readers)),
            more: Condvar::new(),
            dropped: AtomicU32::new(0),
        }
    }

    /// The buffer (a poisoned lock is taken over: the data stays consistent).
    pub fn lock(&self) -> MutexGuard<'_, RingBuf> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes one event and wakes the forwarders; counts it as dropped when it does
    /// not fit.
    pub fn write(&self, ev: &[u8]) -> bool {
        let ok = self.lock().write(ev);
        if ok {
            self.more.notify_all();
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Waits until reader `r` has something to read, at most `timeout`.
    pub fn wait(&self, r: usize, timeout: Duration) {
        let g = self.lock();
        if g.pending(r) {
            return;
        }
        let _ = self.more.wait_timeout(g, timeout);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn varints_as_haproxy() {
        assert_eq!(varint_bytes(0), 1);
        assert_eq!(varint_bytes(239), 1);
        assert_eq!(varint_bytes(240), 2);
        assert_eq!(varint_bytes(240 + 16 * 128 - 1), 2);
        assert_eq!(varint_bytes(240 + 16 * 128), 3);
    }

    #[test]
    fn oldest_events_roll_out_until_a_reader_holds_them() {
        // 1 marker byte + 3 events of 1 + 10 + 1 bytes = 37.
        let mut r = RingBuf::new(37, 1);
        for i in 0..5u8 {
            assert!(r.write(&[b'0' + i; 10]));
        }
        assert_eq!(r.len(), 3);
        let mut out = Vec::new();
        r.attach(0);
        r.take(0, 15, &mut out);
        // At least one, then within the limit.
        assert_eq!(out.len(), 1);
        assert_eq!(&out[0][..], b"2222222222");
        // The event read makes room for one more; then the reader holds event 3,
        // whose room the next one would need.
        assert!(r.write(b"xxxxxxxxxx"));
        assert!(!r.write(b"zzzzzzzzzz"));
        out.clear();
        r.take(0, 1000, &mut out);
        assert_eq!(out.len(), 3);
        assert!(!r.pending(0));
        assert!(r.write(b"yyyyyyyyyy"));
        assert!(r.pending(0));
        // Too large to ever fit.
        assert!(!r.write(&[0; 40]));
    }
}
