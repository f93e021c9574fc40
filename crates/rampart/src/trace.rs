//! Developer diagnostics (`-d`, `-V`) through `tracing`, kept apart from traffic logs:
//! with `-d` the proxy's debug events (HAProxy's `accept`, `clireq`, `clihdr`, `srvrep`,
//! `srvhdr`, `closed` lines) are written to stdout, one line per event, as HAProxy's
//! debug mode writes them; `-V` adds nothing yet. Without either, no subscriber is
//! installed and the events cost a disabled call site.

use std::io::Write;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Prints each event's message on stdout.
struct Lines {
    max: Level,
}

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            use std::fmt::Write as _;
            let _ = write!(self.0, "{value:?}");
        }
    }
}

impl Subscriber for Lines {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        *m.level() <= self.max
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, e: &Event<'_>) {
        let mut line = String::new();
        e.record(&mut Message(&mut line));
        line.push('\n');
        // One write per line: threads do not interleave.
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Installs the subscriber for `-d` (debug events).
pub fn install(debug: bool) {
    if debug {
        let _ = tracing::subscriber::set_global_default(Lines { max: Level::DEBUG });
    }
}
