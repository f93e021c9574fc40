//! Layer 4: log delivery (issue 6, the transport half): every HAProxy 2.6 log target,
//! HAProxy's bytes on the wire, never blocking the traffic threads.
//!
//! - [`encode`]: the header of each syslog `format` and how each kind of target frames
//!   and truncates a line (sans-IO);
//! - [`parse`]: received syslog messages and TCP framing for `log-forward` (sans-IO);
//! - [`record`]: one message shared by the queues of its targets;
//! - [`set`]: a proxy's targets, what the traffic threads call ([`LogSet::send`]);
//! - [`sink`]: one bounded queue and delivery thread per destination (UDP and Unix
//!   datagram sockets, descriptors, files, rings);
//! - [`ring`] and [`forward`]: ring buffers and their forwarding to TCP syslog servers;
//! - [`relay`]: `log-forward` receivers, on their own small runtime;
//! - [`system`]: everything built from the Snapshot, started once the process has
//!   detached; [`events`]: server and proxy events sent to the proxies' logs;
//! - [`startup`]: the messages printed on stderr during start-up, kept for the
//!   runtime API's `show startup-logs`.
//!
//! The process-wide entry points: [`installed`], [`event`], [`reopen_files`],
//! [`dropped`], [`flush`].

pub mod encode;
pub mod events;
pub mod forward;
pub mod parse;
pub mod record;
pub(crate) mod relay;
pub mod ring;
pub mod set;
pub mod sink;
pub mod startup;
pub(crate) mod sys;
pub mod system;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub use events::event;
pub use set::LogSet;
pub use system::{prepare, Prepared, System};

static SYSTEM: OnceLock<Arc<System>> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The running logging, once [`Prepared::start`] has run.
pub fn installed() -> Option<&'static Arc<System>> {
    SYSTEM.get()
}

pub(crate) fn install(sys: Arc<System>) {
    let _ = SYSTEM.set(sys);
}

/// Lines dropped since start-up because a target's queue was full or its socket had
/// no room (HAProxy's `DroppedLogs` of `show info`).
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

pub(crate) fn count_dropped() {
    DROPPED.fetch_add(1, Ordering::Relaxed);
}

/// The global `log-tag` (or program name), which rings' "N events dropped" use.
pub(crate) fn global_tag() -> String {
    installed().map(|s| s.tag.clone()).unwrap_or_default()
}

/// Reopens every `file@` target by name before its next line (after log rotation). Lines
/// already queued are written to the file as it is named when the sink gets to them.
pub fn reopen_files() {
    sink::REOPEN.fetch_add(1, Ordering::AcqRel);
    if let Some(sys) = installed() {
        for s in &sys.sinks {
            if matches!(s.dest, sink::Dest::File(_)) {
                s.wake();
            }
        }
    }
}

/// Waits, at most `timeout`, until every queued line has been written (and every ring
/// event sent to the servers that are connected). For a clean exit.
pub fn flush(timeout: Duration) {
    if let Some(sys) = installed() {
        sys.flush(timeout);
    }
}

impl System {
    /// [`flush`] for this system.
    pub fn flush(&self, timeout: Duration) {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.sinks.iter().all(|s| s.idle()) {
                break;
            }
            for s in &self.sinks {
                s.wake();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}
