//! The last invalid request and response of each proxy, kept for `show errors`
//! (management guide 9.3; HAProxy's `struct error_snapshot` and
//! `proxy_capture_error`). A frontend keeps the last request it refused, a backend the
//! last response it refused: when it happened, from which client, what the proxy on
//! the other side was, where in the message the error was found, and the message bytes
//! as they were in the buffer (at most `tune.bufsize`).
//!
//! Capturing happens on error paths only, so each slot is a plain mutex; the event
//! number is one process-wide atomic, as in HAProxy, so the order of captures across
//! proxies can be told.

use rampart_h1::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

/// HAProxy's `error_snapshot_id`: numbers every capture of the process.
static NEXT_EVENT: AtomicU32 = AtomicU32::new(0);

/// How many messages were captured since the process started (HAProxy's
/// `error_snapshot_id`, which `show errors` prints in its first line).
pub fn events_captured() -> u32 {
    NEXT_EVENT.load(Ordering::Relaxed)
}

/// One captured invalid message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorSnapshot {
    /// When it was captured (`when`).
    pub when: SystemTime,
    /// Event number (`ev_id`).
    pub event: u32,
    /// The client's address (`src`), when the connection has one.
    pub src: Option<SocketAddr>,
    /// The proxy on the other side (`oe`): the backend for a request (none when the
    /// error was found before one was chosen), the frontend for a response.
    pub other_end: Option<String>,
    /// The server that sent the response (`srv`).
    pub server: Option<String>,
    /// Where the error was found, as an offset into `buf` (`buf_err`).
    pub err_pos: usize,
    /// How many bytes the buffer held (`buf_len`); `buf` keeps at most `tune.bufsize`.
    pub len: usize,
    /// The message bytes as they were in the buffer.
    pub buf: Box<[u8]>,
    /// What was wrong, as the codec saw it (HAProxy keeps its parser state here).
    pub kind: ErrorKind,
    /// The error was in the body (chunk framing), not in the head.
    pub in_body: bool,
}

/// What a capture is about, beside the bytes.
#[derive(Clone, Copy, Debug)]
pub struct Capture<'a> {
    pub src: Option<SocketAddr>,
    pub other_end: Option<&'a str>,
    pub server: Option<&'a str>,
    pub err_pos: usize,
    pub kind: ErrorKind,
    pub in_body: bool,
}

/// The slot of one proxy for one direction: the last capture replaces the previous one.
#[derive(Debug, Default)]
pub struct ErrorSlot {
    last: Mutex<Option<Box<ErrorSnapshot>>>,
}

impl ErrorSlot {
    /// Records `buf` (at most `bufsize` bytes of it) as the last invalid message.
    pub fn capture(&self, buf: &[u8], bufsize: usize, c: Capture<'_>) {
        let kept = &buf[..buf.len().min(bufsize)];
        let snap = Box::new(ErrorSnapshot {
            when: SystemTime::now(),
            event: NEXT_EVENT.fetch_add(1, Ordering::Relaxed),
            src: c.src,
            other_end: c.other_end.map(str::to_string),
            server: c.server.map(str::to_string),
            err_pos: c.err_pos,
            len: buf.len(),
            buf: kept.into(),
            kind: c.kind,
            in_body: c.in_body,
        });
        let old = {
            let mut g = self.last.lock().unwrap_or_else(|e| e.into_inner());
            g.replace(snap)
        };
        // The previous snapshot is freed outside the lock.
        drop(old);
    }

    /// A copy of the last capture, if any.
    pub fn last(&self) -> Option<ErrorSnapshot> {
        let g = self.last.lock().unwrap_or_else(|e| e.into_inner());
        g.as_deref().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap<'a>(pos: usize) -> Capture<'a> {
        Capture {
            src: Some(SocketAddr::from(([192, 0, 2, 7], 40000))),
            other_end: Some("be_app"),
            server: None,
            err_pos: pos,
            kind: ErrorKind::InvalidHeaderName,
            in_body: false,
        }
    }

    #[test]
    fn keeps_the_last_message_with_its_context() {
        let slot = ErrorSlot::default();
        assert_eq!(slot.last(), None, "never captured");
        let before = SystemTime::now();
        let req = b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n";
        slot.capture(req, 16384, cap(28));
        let s = slot.last().unwrap_or_else(|| panic!("a capture"));
        assert_eq!(&*s.buf, req);
        assert_eq!(s.len, req.len());
        assert_eq!(s.err_pos, 28);
        assert_eq!(
            s.buf[s.err_pos], b' ',
            "the position points at the offending byte"
        );
        assert_eq!(s.src, Some(SocketAddr::from(([192, 0, 2, 7], 40000))));
        assert_eq!(s.other_end.as_deref(), Some("be_app"));
        assert_eq!(s.kind, ErrorKind::InvalidHeaderName);
        assert!(s.when >= before);

        // A later error replaces it, with a later event number.
        let resp = b"HTTP/1.1 2x0 OK\r\n\r\n";
        slot.capture(
            resp,
            16384,
            Capture {
                server: Some("s1"),
                kind: ErrorKind::InvalidStatus,
                ..cap(10)
            },
        );
        let t = slot.last().unwrap_or_else(|| panic!("a capture"));
        assert_eq!(&*t.buf, resp);
        assert_eq!(t.server.as_deref(), Some("s1"));
        assert!(t.event > s.event);
    }

    #[test]
    fn keeps_at_most_a_buffer() {
        let slot = ErrorSlot::default();
        let big = vec![b'a'; 20000];
        slot.capture(&big, 16384, cap(19999));
        let s = slot.last().unwrap_or_else(|| panic!("a capture"));
        assert_eq!(s.buf.len(), 16384);
        assert_eq!(s.len, 20000, "the original length is kept");
        assert_eq!(s.err_pos, 19999);
    }

    #[test]
    fn slots_are_shared_across_threads() {
        let slot = std::sync::Arc::new(ErrorSlot::default());
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let slot = slot.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        slot.capture(&[b'0' + i; 8], 16384, cap(0));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap_or_else(|_| panic!("capture thread"));
        }
        let s = slot.last().unwrap_or_else(|| panic!("a capture"));
        assert_eq!(s.buf.len(), 8);
        assert!(
            s.buf.iter().all(|&b| b == s.buf[0]),
            "one message, not a mix"
        );
    }
}
