//! Reading syslog messages a `log-forward` section receives (sans-IO): the header of one
//! message as HAProxy's `parse_log_message` splits it (RFC 5424, RFC 3164, or a bare
//! priority; what does not parse keeps only its priority), and the framing of TCP
//! streams (RFC 6587 octet counting, or one message per line) as `syslog_io_handler`
//! reads it.

use crate::encode::Meta;
use std::ops::Range;

/// One received message split into its header fields (ranges into the message).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Severity from the priority, if the message had one.
    pub level: Option<u32>,
    /// Facility from the priority, if the message had one.
    pub facility: Option<u32>,
    pub prio: Range<usize>,
    pub time: Range<usize>,
    pub host: Range<usize>,
    pub tag: Range<usize>,
    pub pid: Range<usize>,
    pub msgid: Range<usize>,
    pub sd: Range<usize>,
    /// The message proper.
    pub msg: Range<usize>,
}

impl Parsed {
    /// The header fields, borrowed from the message they were parsed from.
    pub fn meta<'a>(&self, buf: &'a [u8]) -> Meta<'a> {
        let f = |r: &Range<usize>| buf.get(r.clone()).unwrap_or(&[]);
        Meta {
            prio: f(&self.prio),
            time: f(&self.time),
            host: f(&self.host),
            tag: f(&self.tag),
            pid: f(&self.pid),
            msgid: f(&self.msgid),
            sd: f(&self.sd),
        }
    }
}

const ISOTIME_MINLEN: usize = 20;
const LEGACYTIME_LEN: usize = 15;
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Splits a received message as HAProxy does.
pub fn parse_message(buf: &[u8]) -> Parsed {
    let mut out = Parsed {
        msg: 0..buf.len(),
        ..Parsed::default()
    };
    let at = |i: usize| buf.get(i).copied();
    if buf.len() < 2 || buf[0] != b'<' {
        return out;
    }
    let mut p = 1;
    let mut pri: u32 = 0;
    loop {
        match at(p) {
            Some(b'>') => break,
            Some(c @ b'0'..=b'9') => {
                pri = pri.saturating_mul(10).saturating_add(u32::from(c - b'0'))
            }
            _ => return out,
        }
        p += 1;
    }
    out.facility = Some(pri >> 3);
    out.level = Some(pri & 7);
    p += 1;
    out.prio = 0..p;
    out.msg = p..buf.len();
    let start = p;
    let end = buf.len();
    let size = end - start;

    if size > 2 && buf[p] == b'1' && buf[p + 1] == b' ' {
        if rfc5424(buf, p + 2, &mut out).is_none() {
            out.bad_format();
            // HAProxy has counted the `1 ` off the message's size by then, not off its
            // start: the message loses its last two bytes.
            out.msg = p..end - 2;
        }
    } else if size > LEGACYTIME_LEN && rfc3164(buf, p, &mut out).is_none() {
        out.bad_format();
    }
    out
}

impl Parsed {
    /// What HAProxy keeps of a message whose header does not parse: its priority.
    fn bad_format(&mut self) {
        let prio = self.prio.clone();
        let msg = self.msg.clone();
        let (level, facility) = (self.level, self.facility);
        *self = Parsed {
            level,
            facility,
            prio,
            msg,
            ..Parsed::default()
        };
    }
}

/// A field up to the next space, `-` meaning empty. Returns the position of the space.
fn field(buf: &[u8], p: usize) -> Option<(Range<usize>, usize)> {
    if *buf.get(p)? == b' ' {
        return None;
    }
    let len = buf[p..].iter().position(|&c| c == b' ')?;
    let r = p..p + len;
    let r = if &buf[r.clone()] == b"-" { p..p } else { r };
    Some((r, p + len))
}

/// `1 TIMESTAMP HOSTNAME APP PROCID MSGID SD MSG`, `p` after the `1 `.
fn rfc5424(buf: &[u8], mut p: usize, out: &mut Parsed) -> Option<()> {
    let end = buf.len();
    if end - p > 2 && buf[p] == b'-' && buf[p + 1] == b' ' {
        out.time = p..p + 1;
        p += 1;
    } else if end - p > ISOTIME_MINLEN {
        let t0 = p;
        p += 19;
        if *buf.get(p)? == b'.' {
            p += 1;
            loop {
                let c = *buf.get(p)?;
                if c == b'Z' || c == b'+' || c == b'-' {
                    break;
                }
                if !c.is_ascii_digit() {
                    return None;
                }
                p += 1;
            }
        }
        if *buf.get(p)? == b'Z' {
            p += 1;
        } else {
            p += 6;
        }
        if *buf.get(p)? != b' ' {
            return None;
        }
        out.time = t0..p;
    } else {
        return None;
    }
    p += 1;
    let (host, sp) = field(buf, p)?;
    out.host = host;
    let (tag, sp) = field(buf, sp + 1)?;
    out.tag = tag;
    let (pid, sp) = field(buf, sp + 1)?;
    out.pid = pid;
    let (msgid, sp) = field(buf, sp + 1)?;
    out.msgid = msgid;
    p = sp + 1;
    // Structured data: `-` or `[...]` elements, up to a space outside brackets.
    let sd0 = p;
    match *buf.get(p)? {
        b'[' => {
            let mut elem = false;
            loop {
                let c = *buf.get(p)?;
                if elem {
                    if c == b']' && buf[p - 1] != b'\\' {
                        elem = false;
                    }
                } else if c == b'[' {
                    elem = true;
                } else if c == b' ' {
                    break;
                } else {
                    return None;
                }
                p += 1;
            }
            out.sd = sd0..p;
        }
        b'-' => {
            p += 1;
            if *buf.get(p)? != b' ' {
                return None;
            }
            out.sd = sd0..sd0;
        }
        _ => return None,
    }
    p += 1;
    out.msg = p..end;
    Some(())
}

/// `Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG` (tag optional), `p` after the priority.
fn rfc3164(buf: &[u8], mut p: usize, out: &mut Parsed) -> Option<()> {
    let end = buf.len();
    if !MONTHS.contains(&&buf[p..p + 3]) {
        return None;
    }
    out.time = p..p + LEGACYTIME_LEN;
    p += LEGACYTIME_LEN;
    if *buf.get(p)? != b' ' {
        return None;
    }
    p += 1;
    let (host, sp) = {
        if *buf.get(p)? == b' ' {
            return None;
        }
        let len = buf[p..].iter().position(|&c| c == b' ')?;
        (p..p + len, p + len)
    };
    out.host = host;
    // The tag is optional.
    let body = sp + 1;
    out.msg = body.min(end)..end;
    if body >= end {
        return Some(());
    }
    let mut q = body;
    while q < end && buf[q] != b' ' && buf[q] != b':' {
        q += 1;
    }
    if q >= end || buf[q] != b':' || buf.get(q + 1) != Some(&b' ') {
        return Some(());
    }
    let mut tag_len = None;
    let mut pid_start = None;
    let mut i = body;
    while buf[i] != b':' {
        if buf[i] == b'[' {
            tag_len = Some(i - body);
            pid_start = Some(i + 1);
        } else if buf[i] == b']' {
            if let Some(ps) = pid_start {
                if buf.get(i + 1) != Some(&b':') {
                    // HAProxy stops here with what it has: the tag, no message split.
                    out.tag = body..body + tag_len.unwrap_or(0);
                    return Some(());
                }
                out.pid = ps..i;
            }
        }
        i += 1;
    }
    out.tag = body..body + tag_len.filter(|&l| l > 0).unwrap_or(i - body);
    out.msg = (i + 2).min(end)..end;
    Some(())
}

/// One message of a TCP syslog stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The message is `msg` within the buffer; `consumed` bytes are done with.
    Message { msg: Range<usize>, consumed: usize },
    /// More bytes are needed.
    Incomplete,
    /// Not a syslog stream (or a message longer than `max`): the connection is closed.
    Invalid,
}

/// Reads the next message of a TCP stream: `<...` starts a line-terminated message (a
/// CR before the LF is dropped), a digit an octet-counted one (RFC 6587).
pub fn next_frame(buf: &[u8], max: usize) -> Frame {
    let Some(&c) = buf.first() else {
        return Frame::Incomplete;
    };
    if c == b'<' {
        let Some(nl) = buf.iter().take(max).position(|&b| b == b'\n') else {
            return if buf.len() >= max {
                Frame::Invalid
            } else {
                Frame::Incomplete
            };
        };
        let mut end = nl;
        if end > 0 && buf[end - 1] == b'\r' {
            end -= 1;
        }
        Frame::Message {
            msg: 0..end,
            consumed: nl + 1,
        }
    } else if (b'1'..=b'9').contains(&c) {
        let Some(sp) = buf.iter().take(max).position(|&b| b == b' ') else {
            return if buf.len() >= max {
                Frame::Invalid
            } else {
                Frame::Incomplete
            };
        };
        let digits = &buf[..sp];
        if !digits.iter().all(u8::is_ascii_digit) || digits.len() > 9 {
            return Frame::Invalid;
        }
        let len: usize = digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0'));
        if len == 0 || len > max {
            return Frame::Invalid;
        }
        if buf.len() < sp + 1 + len {
            return Frame::Incomplete;
        }
        Frame::Message {
            msg: sp + 1..sp + 1 + len,
            consumed: sp + 1 + len,
        }
    } else {
        Frame::Invalid
    }
}

#[cfg(test)]
mod tests;
