//! One log message on its way to the delivery threads: the time it was produced, its
//! level and facility, its header fields and bytes, in one immutable shared allocation
//! that every target's queue holds a reference to (a clone is one atomic increment).
//!
//! Layout of the allocation: a fixed 48-byte head (seconds, microseconds, level,
//! facility, flags, then the lengths of the eight fields) followed by the fields in
//! order: priority, time, host, tag, pid, msgid, structured data, message.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::encode::Meta;
use crate::parse::Parsed;

const HEAD: usize = 16 + 8 * 4;
const F_RELAYED: u8 = 1;
const F_NO_LEVEL: u8 = 2;
const F_NO_FACILITY: u8 = 4;

/// A log message shared by the queues of its targets.
#[derive(Clone, Debug)]
pub struct Record(Arc<[u8]>);

thread_local! {
    /// Where a record is assembled before its one allocation.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The current time as seconds and microseconds.
pub fn now() -> (i64, u32) {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_micros()),
        Err(_) => (0, 0),
    }
}

impl Record {
    /// A message produced by this process (traffic or event): the targets add the
    /// host, tag and pid of their proxy.
    pub fn local(level: u8, sd: &[u8], msg: &[u8]) -> Record {
        let (secs, usec) = now();
        Self::build(
            secs,
            usec,
            Some(u32::from(level)),
            None,
            0,
            [b"", b"", b"", b"", b"", b"", sd, msg],
        )
    }

    /// A message received by a `log-forward` section, with the header it came with.
    pub fn relayed(buf: &[u8], p: &Parsed) -> Record {
        let (secs, usec) = now();
        let m = p.meta(buf);
        let msg = buf.get(p.msg.clone()).unwrap_or(&[]);
        Self::build(
            secs,
            usec,
            p.level,
            p.facility,
            F_RELAYED,
            [m.prio, m.time, m.host, m.tag, m.pid, m.msgid, m.sd, msg],
        )
    }

    fn build(
        secs: i64,
        usec: u32,
        level: Option<u32>,
        facility: Option<u32>,
        mut flags: u8,
        fields: [&[u8]; 8],
    ) -> Record {
        if level.is_none() {
            flags |= F_NO_LEVEL;
        }
        if facility.is_none() {
            flags |= F_NO_FACILITY;
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.clear();
            s.extend_from_slice(&secs.to_le_bytes());
            s.extend_from_slice(&usec.to_le_bytes());
            s.push(level.unwrap_or(0).min(7) as u8);
            // Only the last three digits of a priority survive encoding, so a facility
            // above 255 (relayed priorities are not bounded) is kept modulo 125 (1000 / 8),
            // still at least 125 so that it keeps three digits.
            let f = facility.unwrap_or(0);
            s.push(if f <= 255 {
                f as u8
            } else {
                (f % 125 + 125) as u8
            });
            s.push(flags);
            s.push(0);
            for f in fields {
                s.extend_from_slice(&(f.len() as u32).to_le_bytes());
            }
            for f in fields {
                s.extend_from_slice(f);
            }
            Record(Arc::from(&s[..]))
        })
    }

    pub fn secs(&self) -> i64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[..8]);
        i64::from_le_bytes(b)
    }

    pub fn usec(&self) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.0[8..12]);
        u32::from_le_bytes(b)
    }

    /// The severity, `None` for a relayed message without a priority.
    pub fn level(&self) -> Option<u32> {
        (self.0[14] & F_NO_LEVEL == 0).then_some(u32::from(self.0[12]))
    }

    /// The facility of a relayed message; `None`: the target's.
    pub fn facility(&self) -> Option<u32> {
        (self.0[14] & F_NO_FACILITY == 0).then_some(u32::from(self.0[13]))
    }

    /// Whether it was received by a `log-forward` section.
    pub fn relayed_flag(&self) -> bool {
        self.0[14] & F_RELAYED != 0
    }

    fn field(&self, i: usize) -> &[u8] {
        let len = |k: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&self.0[16 + 4 * k..20 + 4 * k]);
            u32::from_le_bytes(b) as usize
        };
        let start = HEAD + (0..i).map(len).sum::<usize>();
        self.0.get(start..start + len(i)).unwrap_or(&[])
    }

    /// The header fields it carries (for a local record: only the structured data).
    pub fn meta(&self) -> Meta<'_> {
        Meta {
            prio: self.field(0),
            time: self.field(1),
            host: self.field(2),
            tag: self.field(3),
            pid: self.field(4),
            msgid: self.field(5),
            sd: self.field(6),
        }
    }

    /// The message.
    pub fn msg(&self) -> &[u8] {
        self.field(7)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let r = Record::local(3, b"[a@1 b=\"c\"]", b"hello");
        assert_eq!(r.level(), Some(3));
        assert_eq!(r.facility(), None);
        assert!(!r.relayed_flag());
        assert_eq!(r.meta().sd, b"[a@1 b=\"c\"]");
        assert_eq!(r.msg(), b"hello");
        assert!(r.secs() > 1_600_000_000);

        let buf = b"<134>1 2023-03-05T07:08:09Z h app 7 - - msg";
        let p = crate::parse::parse_message(buf);
        let r = Record::relayed(buf, &p);
        assert_eq!((r.level(), r.facility()), (Some(6), Some(16)));
        assert_eq!(r.meta().host, b"h");
        assert_eq!(r.meta().pid, b"7");
        assert_eq!(r.msg(), b"msg");
        let r = Record::relayed(b"x", &crate::parse::parse_message(b"x"));
        assert_eq!((r.level(), r.facility()), (None, None));
        // 99999 = facility 12499, level 7: "<999>" once encoded; 12499 % 125 = 124.
        let buf = b"<99999>x";
        let r = Record::relayed(buf, &crate::parse::parse_message(buf));
        assert_eq!((r.facility().unwrap() * 8 + 7) % 1000, 999);
    }
}
