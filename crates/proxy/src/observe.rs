//! Server health seen from real traffic (configuration manual 5.2 `observe`,
//! `error-limit`, `on-error`; HAProxy's `health_adjust`).
//!
//! A server with `observe layer4|layer7` and a health check counts the consecutive
//! errors its streams meet: failed connections (both layers), and with `layer7`
//! invalid, missing, timed out or 5xx responses (but 501 and 505, which the client
//! provoked). A success clears the count, a connection for `layer4`, a valid non-5xx
//! response for `layer7`; a passing health check clears it too. At `error-limit` the
//! check state machine acts as `on-error` says (a failed check, sudden death, marking
//! down), at once, as HAProxy does, and the next check comes after `fastinter`.
//!
//! Cost: a server without `observe` (or without `check`) makes [`report`] return after
//! reading one byte. With it, a success reads one atomic (and writes it only when
//! errors were counted); an error adds to it; only reaching the limit takes the checks'
//! lock (to apply the action) and wakes the check's task (to reschedule it).

use crate::state::{Backend, Runtime};
use rampart_model::proxy::server::ServerSettings;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// What a stream saw of its server (HAProxy's `HANA_STATUS_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Event {
    L4Ok = 1,
    L4Err,
    HttpOk,
    /// A 5xx status (but 501 and 505).
    HttpSts,
    /// An invalid response head.
    HttpHdrRsp,
    /// An invalid response body.
    HttpRsp,
    ReadError,
    ReadTimeout,
    /// The server closed before the response head.
    BrokenPipe,
}

impl Event {
    /// HAProxy's wording, for "last one was: ...".
    pub fn desc(self) -> &'static str {
        use Event::*;
        match self {
            L4Ok => "L4 successful connection",
            L4Err => "L4 unsuccessful connection",
            HttpOk => "Correct http response",
            HttpSts => "Wrong http response",
            HttpHdrRsp => "Invalid http response (headers)",
            HttpRsp => "Invalid http response",
            ReadError => "Read error (http)",
            ReadTimeout => "Read timeout (http)",
            BrokenPipe => "Close from server (http)",
        }
    }

    /// For an observing mode: `Some(true)` an error, `Some(false)` a success, `None`
    /// not looked at (HAProxy's `analyze_statuses`).
    fn verdict(self, mode: Mode) -> Option<bool> {
        use Event::*;
        match (self, mode) {
            (_, Mode::None) => None,
            (L4Ok, Mode::Layer4) => Some(false),
            (L4Err, _) => Some(true),
            (_, Mode::Layer4) | (L4Ok, Mode::Layer7) => None,
            (HttpOk, Mode::Layer7) => Some(false),
            (_, Mode::Layer7) => Some(true),
        }
    }

    /// The event of a response status (1xx to 4xx, 501 and 505 are fine).
    pub fn of_status(status: u16) -> Event {
        if status >= 100 && (status < 500 || status == 501 || status == 505) {
            Event::HttpOk
        } else {
            Event::HttpSts
        }
    }
}

/// `observe`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    None,
    Layer4,
    Layer7,
}

/// `on-error` (HAProxy's `HANA_ONERR_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Only run the next check after `fastinter`.
    FastInter,
    /// A failed check (the default).
    #[default]
    FailCheck,
    /// Health drops to one failure above down, then a failed check.
    SuddenDeath,
    /// Down at once.
    MarkDown,
}

/// A server's traffic observation.
#[derive(Debug, Default)]
pub struct Observe {
    /// `None` without `observe`, or without a health check (HAProxy observes only
    /// servers that have one).
    pub mode: Mode,
    /// `error-limit` (10 by default).
    pub limit: u32,
    pub on_error: OnError,
    /// Consecutive errors now.
    errors: AtomicU32,
    /// The server's place in the runtime (backend, server), to find its check.
    pub at: (usize, usize),
    /// Wakes the server's check task, to run after `fastinter`.
    pub wake: Notify,
}

impl Observe {
    /// From a server's settings; `checked`: it has a health check.
    pub fn of(st: &ServerSettings, checked: bool) -> Observe {
        let mode = match st.observe.as_deref() {
            Some("layer4") if checked => Mode::Layer4,
            Some("layer7") if checked => Mode::Layer7,
            _ => Mode::None,
        };
        let on_error = match st.on_error.as_deref() {
            Some("fastinter") => OnError::FastInter,
            Some("sudden-death") => OnError::SuddenDeath,
            Some("mark-down") => OnError::MarkDown,
            _ => OnError::FailCheck,
        };
        Observe {
            mode,
            limit: st.error_limit.unwrap_or(10).max(1),
            on_error,
            ..Observe::default()
        }
    }

    /// A passing health check clears the count.
    pub fn clear(&self) {
        if self.errors.load(Ordering::Relaxed) != 0 {
            self.errors.store(0, Ordering::Relaxed);
        }
    }
}

/// Server `si` of `be` gave a stream this event.
#[inline]
pub fn report(rt: &Arc<Runtime>, be: &Backend, si: usize, ev: Event) {
    let Some(s) = be.servers.get(si) else { return };
    let o = &s.observe;
    if o.mode == Mode::None {
        return;
    }
    match ev.verdict(o.mode) {
        Some(false) => o.clear(),
        Some(true) => {
            let n = o.errors.fetch_add(1, Ordering::Relaxed) + 1;
            if n == o.limit {
                rt.checks.traffic_errors(rt, o.at, ev);
                o.errors.store(0, Ordering::Relaxed);
                o.wake.notify_one();
            }
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haproxy_table() {
        use Event::*;
        assert_eq!(L4Ok.verdict(Mode::Layer4), Some(false));
        assert_eq!(L4Ok.verdict(Mode::Layer7), None);
        assert_eq!(L4Err.verdict(Mode::Layer7), Some(true));
        assert_eq!(HttpSts.verdict(Mode::Layer4), None);
        assert_eq!(HttpSts.verdict(Mode::Layer7), Some(true));
        assert_eq!(HttpOk.verdict(Mode::Layer7), Some(false));
        assert_eq!(Event::of_status(503), HttpSts);
        assert_eq!(Event::of_status(501), HttpOk);
        assert_eq!(Event::of_status(404), HttpOk);
    }
}
