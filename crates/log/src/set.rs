//! The targets of one proxy (or of the global section, or of a `log-forward` section):
//! what the traffic threads call to log. [`LogSet::send`] filters by level and sample
//! per target as HAProxy's `process_send_log` does, makes one shared [`Record`] and
//! pushes it to each chosen target's sink queue: one allocation and one lock-free push
//! per target, no I/O.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::parse::Parsed;
use crate::record::Record;
use crate::sink::{Item, Sink};

/// `sample <ranges>:<size>`: which lines, counted per target, it sends.
#[derive(Debug)]
pub struct Sample {
    /// Inclusive 1-based ranges.
    pub ranges: Vec<(u32, u32)>,
    pub size: u32,
    seen: AtomicU64,
}

impl Sample {
    pub fn new(ranges: Vec<(u32, u32)>, size: u32) -> Self {
        Self {
            ranges,
            size: size.max(1),
            seen: AtomicU64::new(0),
        }
    }

    /// Counts one line and says whether it falls in a range. HAProxy walks its sorted,
    /// non-overlapping ranges with a cursor; that selects exactly the lines whose
    /// position in the cycle of `size` is in a range.
    fn take(&self) -> bool {
        let idx = (self.seen.fetch_add(1, Ordering::Relaxed) % u64::from(self.size)) as u32 + 1;
        self.ranges.iter().any(|&(lo, hi)| idx >= lo && idx <= hi)
    }
}

/// One target of a set.
#[derive(Debug)]
pub struct Target {
    pub(crate) sink: Arc<Sink>,
    pub(crate) spec: u32,
    /// The least severe level sent (`max level`).
    pub max_level: u8,
    pub sample: Option<Sample>,
}

/// A list of targets, as a proxy's `log` lines resolve.
#[derive(Debug, Default)]
pub struct LogSet {
    pub(crate) targets: Vec<Target>,
}

impl LogSet {
    /// No target: nothing is ever sent (a caller can skip building its line).
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Whether a message at `level` would go to at least one target (before sampling).
    pub fn wants(&self, level: u8) -> bool {
        self.targets.iter().any(|t| level <= t.max_level)
    }

    /// Sends one message at `level` (0 emerg .. 7 debug) with optional RFC 5424
    /// structured data (the rendered `log-format-sd`). Trailing line feeds of the
    /// message and trailing spaces of the structured data are dropped, as HAProxy does.
    /// Never blocks.
    pub fn send(&self, level: u8, msg: &[u8], sd: Option<&[u8]>) {
        let mut rec: Option<Record> = None;
        for t in &self.targets {
            if level > t.max_level {
                continue;
            }
            if let Some(s) = &t.sample {
                if !s.take() {
                    continue;
                }
            }
            let r = rec.get_or_insert_with(|| {
                let mut sd = sd.unwrap_or(b"");
                while let [rest @ .., b' '] = sd {
                    sd = rest;
                }
                Record::local(level.min(7), sd, msg)
            });
            t.sink.push(Item {
                rec: r.clone(),
                spec: t.spec,
            });
        }
    }

    /// Sends a message a `log-forward` section received (parsed with
    /// [`crate::parse::parse_message`]): its own header fields are kept.
    pub fn relay(&self, buf: &[u8], parsed: &Parsed) {
        let mut rec: Option<Record> = None;
        for t in &self.targets {
            // No priority reads as level -1: every target takes it.
            if parsed.level.is_some_and(|l| l > u32::from(t.max_level)) {
                continue;
            }
            if let Some(s) = &t.sample {
                if !s.take() {
                    continue;
                }
            }
            let r = rec.get_or_insert_with(|| Record::relayed(buf, parsed));
            t.sink.push(Item {
                rec: r.clone(),
                spec: t.spec,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_follow_the_ranges() {
        let s = Sample::new(vec![(1, 3), (5, 5)], 6);
        let got: Vec<bool> = (0..12).map(|_| s.take()).collect();
        let one = [true, true, true, false, true, false];
        assert_eq!(got[..6], one);
        assert_eq!(got[6..], one);
    }
}
