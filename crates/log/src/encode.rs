//! The bytes HAProxy 2.6 puts on the wire for one log message (sans-IO): the syslog header
//! of each `format` (`build_log_header` in log.c), then how each kind of target frames
//! and truncates it to its `len` (`__do_send_log`, `fd_write_frag_line`, `ring_write`),
//! and how ring servers frame it on TCP (LF or octet counting, sink.c).
//!
//! A header is built as HAProxy builds it, from separate elements (priority, timestamp,
//! host, tag...): datagram targets truncate element by element, and reproduce HAProxy's
//! quirk there (an element that reaches the limit is replaced by the final line feed).

use rampart_model::log::LogFormat;
use rampart_rules::conv::time::{localtime, Zone};

/// The header fields of a message. Empty means absent. Locally produced messages fill
/// host (`log-send-hostname`), tag, pid and structured data; relayed messages carry what
/// their sender wrote (`parse_log_message`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta<'a> {
    /// The `<PRI>` the message arrived with (only its presence matters).
    pub prio: &'a [u8],
    /// A timestamp the message arrived with (RFC 3164 or ISO form, or `-`).
    pub time: &'a [u8],
    pub host: &'a [u8],
    pub tag: &'a [u8],
    pub pid: &'a [u8],
    pub msgid: &'a [u8],
    /// RFC 5424 structured data.
    pub sd: &'a [u8],
}

/// The time a message was produced, and the zone its local forms are written in.
#[derive(Clone, Copy, Debug)]
pub struct Now<'z> {
    pub secs: i64,
    pub usec: u32,
    pub zone: &'z Zone,
}

/// Length of an RFC 3164 timestamp (`Jan  1 00:00:00`).
const LEGACY_LEN: usize = 15;
/// Shortest ISO timestamp (`1970-01-01T00:00:00Z`).
const ISO_MINLEN: usize = 20;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The format a target without `format` uses, guessed from the message as HAProxy does:
/// a host name means syslog (RFC 5424 when the timestamp is ISO or `-`, else RFC 3164),
/// a tag alone the local format, a priority alone `priority`, else `raw`.
pub fn resolve_format(format: Option<LogFormat>, meta: &Meta<'_>) -> LogFormat {
    if let Some(f) = format {
        return f;
    }
    if !meta.host.is_empty() {
        if meta.time == b"-" || meta.time.len() >= ISO_MINLEN {
            LogFormat::Rfc5424
        } else {
            LogFormat::Rfc3164
        }
    } else if !meta.tag.is_empty() {
        LogFormat::Local
    } else if !meta.prio.is_empty() {
        LogFormat::Priority
    } else {
        LogFormat::Raw
    }
}

/// A header as a list of elements (HAProxy's `ist` vector), kept in one buffer.
#[derive(Debug, Default)]
pub struct Header {
    bytes: Vec<u8>,
    /// End offset of each element in `bytes`.
    ends: Vec<usize>,
}

impl Header {
    /// The whole header.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn elements(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let s = &self.bytes[start..e];
            start = e;
            s
        })
    }

    fn push(&mut self, part: &[u8]) {
        self.bytes.extend_from_slice(part);
        self.ends.push(self.bytes.len());
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Builds the header of `format` (already resolved: see [`resolve_format`]).
    /// `level` and `facility` are the ones the target sends.
    pub fn build(
        &mut self,
        format: LogFormat,
        level: u32,
        facility: u32,
        meta: &Meta<'_>,
        now: Now<'_>,
    ) {
        self.clear();
        // Priority.
        let pri = match format {
            LogFormat::Local | LogFormat::Rfc3164 | LogFormat::Rfc5424 | LogFormat::Priority => {
                Some(facility.saturating_mul(8).saturating_add(level))
            }
            LogFormat::Timed | LogFormat::Short => Some(level),
            LogFormat::Iso | LogFormat::Raw => None,
        };
        if let Some(p) = pri {
            let mut buf = [0u8; 8];
            let n = pri_text(p, &mut buf);
            self.push(&buf[..n]);
        }
        // Timestamp.
        match format {
            LogFormat::Local | LogFormat::Rfc3164 => self.legacy_time(meta, now),
            LogFormat::Rfc5424 => {
                self.push(b"1 ");
                if meta.time == b"-" {
                    self.push(b"-");
                    self.push(b" ");
                } else {
                    self.iso_time(meta, now);
                }
            }
            LogFormat::Timed | LogFormat::Iso => self.iso_time(meta, now),
            LogFormat::Priority | LogFormat::Short | LogFormat::Raw => {}
        }
        // Other fields.
        match format {
            LogFormat::Rfc3164 | LogFormat::Local => {
                if format == LogFormat::Rfc3164 {
                    if meta.host.is_empty() {
                        // The field is mandatory in RFC 3164.
                        self.push(b"localhost ");
                    } else {
                        self.push(meta.host);
                        self.push(b" ");
                    }
                }
                if !meta.tag.is_empty() {
                    self.push(meta.tag);
                    if !meta.pid.is_empty() {
                        self.push(b"[");
                        self.push(meta.pid);
                        self.push(b"]");
                    }
                    self.push(b": ");
                }
            }
            LogFormat::Rfc5424 => {
                for f in [meta.host, meta.tag, meta.pid, meta.msgid, meta.sd] {
                    if f.is_empty() {
                        self.push(b"- ");
                    } else {
                        self.push(f);
                        self.push(b" ");
                    }
                }
            }
            _ => {}
        }
    }

    /// RFC 3164 timestamp: the message's own, converted from ISO, or the local time.
    fn legacy_time(&mut self, meta: &Meta<'_>, now: Now<'_>) {
        let t = meta.time;
        if t.len() == LEGACY_LEN {
            self.push(t);
            self.push(b" ");
            return;
        }
        if t.len() >= ISO_MINLEN {
            let digit = |i: usize| i64::from(t[i]) - i64::from(b'0');
            let mut month = 10 * digit(5) + digit(6);
            if month != 0 {
                month -= 1;
            }
            if (0..=11).contains(&month) {
                let mut buf = [0u8; 7];
                buf[..3].copy_from_slice(MONTHS[month as usize].as_bytes());
                buf[3] = b' ';
                buf[4] = if t[8] != b'0' { t[8] } else { b' ' };
                buf[5] = t[9];
                buf[6] = b' ';
                self.push(&buf);
                self.push(&t[11..19]);
                self.push(b" ");
                return;
            }
        }
        let mut buf = Vec::with_capacity(16);
        legacy_now(now, &mut buf);
        self.push(&buf);
    }

    /// ISO timestamp: the message's own, converted from RFC 3164, or the local time.
    fn iso_time(&mut self, meta: &Meta<'_>, now: Now<'_>) {
        let t = meta.time;
        if t.len() >= ISO_MINLEN {
            self.push(t);
            self.push(b" ");
            return;
        }
        if t.len() == LEGACY_LEN {
            if let Some(month) = MONTHS.iter().position(|m| m.as_bytes() == &t[..3]) {
                if let Some(tm) = localtime(now.secs, now.zone) {
                    let mut year = tm.year;
                    if tm.mon < month as i64 {
                        year -= 1;
                    }
                    let mut buf = format!("{year:4}-{:02}-", month + 1).into_bytes();
                    buf.push(if t[4] != b' ' { t[4] } else { b'0' });
                    buf.push(t[5]);
                    buf.push(b'T');
                    if buf.len() == 11 {
                        self.push(&buf);
                        self.push(&t[7..15]);
                        self.push(b"-00:00 ");
                        return;
                    }
                }
            }
        }
        let mut buf = Vec::with_capacity(33);
        iso_now(now, &mut buf);
        buf.push(b' ');
        self.push(&buf);
    }
}

/// `<N>` into `buf`, returns its length. HAProxy's buffer holds three digits: a larger
/// value (a relayed message's priority) keeps its last three.
fn pri_text(p: u32, buf: &mut [u8; 8]) -> usize {
    let digits = if p >= 1000 {
        format!("{:03}", p % 1000)
    } else {
        p.to_string()
    };
    buf[0] = b'<';
    buf[1..1 + digits.len()].copy_from_slice(digits.as_bytes());
    buf[1 + digits.len()] = b'>';
    digits.len() + 2
}

/// `Mmm dd hh:mm:ss ` in local time (HAProxy's fallback `Jan  1 00:00:00 `).
pub fn legacy_now(now: Now<'_>, out: &mut Vec<u8>) {
    match localtime(now.secs, now.zone) {
        Some(tm) if (0..12).contains(&tm.mon) && tm.year < 10000 => {
            let s = format!(
                "{} {:2} {:02}:{:02}:{:02} ",
                MONTHS[tm.mon as usize], tm.mday, tm.hour, tm.min, tm.sec
            );
            out.extend_from_slice(s.as_bytes());
        }
        _ => out.extend_from_slice(b"Jan  1 00:00:00 "),
    }
}

/// `YYYY-mm-ddTHH:MM:SS.uuuuuu+hh:mm` in local time (`timeofday_as_iso_us`).
pub fn iso_now(now: Now<'_>, out: &mut Vec<u8>) {
    match localtime(now.secs, now.zone) {
        Some(tm) if (0..=9999).contains(&tm.year) => {
            let off = tm.gmtoff;
            let (sign, off) = if off < 0 { ('-', -off) } else { ('+', off) };
            let off = off % 86400;
            let s = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}:{:02}",
                tm.year,
                tm.mon + 1,
                tm.mday,
                tm.hour,
                tm.min,
                tm.sec,
                now.usec.min(999_999),
                off / 3600,
                off / 60 % 60
            );
            out.extend_from_slice(s.as_bytes());
        }
        _ => out.extend_from_slice(b"YYYY-mm-ddTHH:MM:SS.000000-00:00"),
    }
}

/// The message without its trailing line feeds and NULs (HAProxy strips them: some
/// messages historically carried them).
pub fn trim_message(msg: &[u8]) -> &[u8] {
    let mut n = msg.len();
    while n > 0 && (msg[n - 1] == b'\n' || msg[n - 1] == 0) {
        n -= 1;
    }
    &msg[..n]
}

/// A datagram for a UDP or Unix datagram target (`sendmsg` in `__do_send_log`): the
/// header then the message cut to `maxlen` bytes together, then a line feed.
pub fn dgram(header: &Header, msg: &[u8], maxlen: usize, out: &mut Vec<u8>) {
    out.clear();
    let mut room = maxlen;
    let mut cut = false;
    for e in header.elements() {
        if room <= e.len() {
            // HAProxy truncates this element, then writes its line feed over it.
            cut = true;
            break;
        }
        out.extend_from_slice(e);
        room -= e.len();
    }
    if !cut && room > 0 {
        out.extend_from_slice(&msg[..msg.len().min(room)]);
    }
    out.push(b'\n');
}

/// A line for a descriptor or a file target (`fd_write_frag_line`): header and message
/// within `maxlen - 1` bytes, then a line feed.
pub fn line(header: &[u8], msg: &[u8], maxlen: usize, out: &mut Vec<u8>) {
    out.clear();
    let msg = &msg[..msg.len().min(maxlen)];
    let mut room = if maxlen == 0 { usize::MAX } else { maxlen - 1 };
    for part in [header, msg] {
        let n = part.len().min(room);
        out.extend_from_slice(&part[..n]);
        room -= n;
    }
    out.push(b'\n');
}

/// An event as a ring stores it (`ring_write`): header and message within the ring's
/// `maxlen`. The target's own `len` has already cut the message.
pub fn ring_event(header: &[u8], msg: &[u8], maxlen: usize, out: &mut Vec<u8>) {
    out.clear();
    let mut room = maxlen;
    for part in [header, msg] {
        let n = part.len().min(room);
        out.extend_from_slice(&part[..n]);
        room -= n;
    }
}

/// How a ring server frames events on TCP (`log-proto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `legacy`: each event followed by a line feed.
    Lf,
    /// `octet-count` (RFC 6587): `<length> <event>`.
    OctetCount,
}

/// Appends one ring event framed for a TCP syslog server.
pub fn frame(event: &[u8], framing: Framing, out: &mut Vec<u8>) {
    match framing {
        Framing::Lf => {
            out.extend_from_slice(event);
            out.push(b'\n');
        }
        Framing::OctetCount => {
            out.extend_from_slice(event.len().to_string().as_bytes());
            out.push(b' ');
            out.extend_from_slice(event);
        }
    }
}

#[cfg(test)]
mod tests;
