//! `show errors [<iid>|<proxy>] [request|response]` (management guide 9.3, operator
//! level): the last invalid request of each frontend and the last invalid response of
//! each backend, as `rampart_proxy::snapshot` keeps them, in HAProxy's layout (its
//! `cli_io_handler_show_errors` and `dump_text_line`).
//!
//! Proxies are listed as HAProxy walks its proxy list (in declaration order), each with
//! its request then its response. HAProxy's three protocol-state lines show its H1
//! parser's internals (connection, stream and message flags, parser state, chunk and
//! body lengths); Rampart's parser keeps no such state, so those lines carry the state
//! HAProxy's parser would be in for the kind of error found (`MSG_HDR_NAME` for a bad
//! header name...), the message-direction flag, and zeros elsewhere.

use crate::proto::{Command, Reply, PERMISSION_DENIED};
use rampart_h1::ErrorKind;
use rampart_model::global::stats::AccessLevel;
use rampart_proxy::snapshot::{events_captured, ErrorSnapshot};
use rampart_proxy::state::Runtime;
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// HAProxy's H1 layer reads into a fresh buffer after room for the HTX header.
const HTX_HEAD: usize = 48;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Answers `show errors`; false for other commands.
pub fn command(rt: &Runtime, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    if cmd.kw.words != ["show", "errors"] {
        return false;
    }
    if cmd.level < AccessLevel::Operator {
        out.err(PERMISSION_DENIED);
        return true;
    }
    let mut iid = -1;
    let px = cmd.arg(2);
    if !px.is_empty() {
        iid = uuid_of(rt, px).unwrap_or_else(|| crate::cmd::atoi(px));
        if iid == 0 {
            out.err("No such proxy.\n");
            return true;
        }
    }
    let (req, resp) = match cmd.arg(3) {
        "request" => (true, false),
        "response" => (false, true),
        _ => (true, true),
    };
    let mut s = String::with_capacity(4096);
    s.push_str("Total events captured on ");
    date(&mut s, SystemTime::now());
    let _ = writeln!(s, " : {}", events_captured());
    for p in &rt.proxies {
        if let Some(fe) = p.fe.and_then(|i| rt.frontends.get(i)) {
            if req {
                if let Some(es) = fe.invalid_req.last() {
                    // The stream's backend, or the proxy itself when it is a listen.
                    let be = es
                        .other_end
                        .as_deref()
                        .and_then(|n| rt.backends.iter().find(|b| b.name == n))
                        .or_else(|| fe.own_backend.and_then(|i| rt.backends.get(i)));
                    let be = be.map(|b| (b.name.as_str(), b.uuid));
                    if iid < 0 || fe.uuid == iid || be.is_some_and(|b| b.1 == iid) {
                        block(
                            &mut s,
                            rt,
                            &es,
                            Side::Request,
                            (&fe.name, fe.uuid),
                            be,
                            None,
                        );
                    }
                }
            }
        }
        if let Some(be) = p.be.and_then(|i| rt.backends.get(i)) {
            if resp {
                if let Some(es) = be.invalid_rep.last() {
                    let fe = es
                        .other_end
                        .as_deref()
                        .and_then(|n| rt.frontends.iter().find(|f| f.name == n))
                        .map(|f| (f.name.as_str(), f.uuid));
                    let srv = es
                        .server
                        .as_deref()
                        .and_then(|n| be.servers.iter().find(|x| x.name == n))
                        .map(|x| (x.name.as_str(), x.puid));
                    if iid < 0 || be.uuid == iid || fe.is_some_and(|f| f.1 == iid) {
                        block(
                            &mut s,
                            rt,
                            &es,
                            Side::Response,
                            (&be.name, be.uuid),
                            fe,
                            srv,
                        );
                    }
                }
            }
        }
    }
    out.raw(&s);
    true
}

/// A proxy's identifier by name (frontend or backend), as `proxy_find_by_name`.
fn uuid_of(rt: &Runtime, name: &str) -> Option<i64> {
    rt.frontends
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.uuid)
        .or_else(|| rt.backends.iter().find(|b| b.name == name).map(|b| b.uuid))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

/// One snapshot: its header lines, then the buffer.
fn block(
    s: &mut String,
    rt: &Runtime,
    es: &ErrorSnapshot,
    side: Side,
    px: (&str, i64),
    other: Option<(&str, i64)>,
    srv: Option<(&str, i64)>,
) {
    s.push_str(" \n");
    date(s, es.when);
    let (oname, oid) = other.unwrap_or(("<NONE>", -1));
    match side {
        Side::Request => {
            let _ = write!(
                s,
                " frontend {} (#{}): invalid request\n  backend {oname} (#{oid})",
                px.0, px.1
            );
        }
        Side::Response => {
            let _ = write!(
                s,
                " backend {} (#{}): invalid response\n  frontend {oname} (#{oid})",
                px.0, px.1
            );
        }
    }
    let (sname, sid) = srv.unwrap_or(("<NONE>", -1));
    let (addr, port) = match es.src {
        Some(a) => (a.ip().to_string(), a.port()),
        None => ("unix".to_string(), 0),
    };
    let len = es.len;
    let _ = write!(
        s,
        ", server {sname} (#{sid}), event #{}, src {addr}:{port}\n\
         \x20 buffer starts at 0 (including 0 out), {} free,\n\
         \x20 len {len}, wraps at {}, error at position {}\n",
        es.event,
        rt.bufsize.saturating_sub(len),
        rt.bufsize.saturating_sub(HTX_HEAD),
        es.err_pos
    );
    let (state, name) = parser_state(es.kind, side, es.in_body);
    let _ = write!(
        s,
        "  H1 connection flags 0x00000000, H1 stream flags 0x00000000\n\
         \x20 H1 msg state {name}({state}), H1 msg flags 0x{:08x}\n\
         \x20 H1 chunk len 0 bytes, H1 body len 0 bytes :\n  \n",
        if side == Side::Response { 0x4 } else { 0 }
    );
    let end = len.min(es.buf.len()).min(rt.bufsize);
    let (mut ptr, mut bol) = (0, 0);
    while ptr < end {
        ptr = text_line(s, &es.buf[..end], ptr, &mut bol);
    }
}

/// The state HAProxy's H1 parser is in when it finds an error of this kind
/// (`enum h1m_state`).
fn parser_state(kind: ErrorKind, side: Side, in_body: bool) -> (u32, &'static str) {
    use ErrorKind as K;
    let resp = side == Side::Response;
    match kind {
        K::InvalidChunkSize | K::ChunkTooLarge => (26, "MSG_CHUNK_SIZE"),
        K::InvalidChunkEnd => (28, "MSG_CHUNK_CRLF"),
        K::InvalidTrailer => (29, "MSG_TRAILERS"),
        K::PayloadNotAllowed => (27, "MSG_DATA"),
        _ if in_body => (27, "MSG_DATA"),
        K::InvalidStartLine | K::InvalidVersion if resp => (10, "MSG_RPVER"),
        K::InvalidStatus => (12, "MSG_RPCODE"),
        K::InvalidStartLine | K::InvalidMethod => (2, "MSG_RQMETH"),
        K::InvalidUri | K::InvalidConnectAuthority => (4, "MSG_RQURI"),
        K::InvalidVersion => (6, "MSG_RQVER"),
        K::InvalidHeaderName | K::SpaceBeforeColon | K::MissingColon => (17, "MSG_HDR_NAME"),
        K::HeadTooLarge | K::TooManyHeaders => (17, "MSG_HDR_NAME"),
        K::BareCr => (23, "MSG_HDR_L2_LF"),
        _ => (22, "MSG_HDR_VAL"),
    }
}

/// `[dd/Mon/yyyy:hh:mm:ss.mmm]` in local time.
fn date(s: &mut String, t: SystemTime) {
    stamp(s, t, false);
}

/// `[dd/Mon/yyyy:hh:mm:ss.uuuuuu]` in local time (`show sess <id>`).
pub(crate) fn date_us(s: &mut String, t: SystemTime) {
    stamp(s, t, true);
}

fn stamp(s: &mut String, t: SystemTime, micro: bool) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(0);
    let zone = rampart_rules::conv::time::local_zone();
    if let Some(tm) = rampart_rules::conv::time::localtime(secs, zone) {
        let mon = usize::try_from(tm.mon).ok().and_then(|m| MONTHS.get(m));
        let _ = write!(
            s,
            "[{:02}/{}/{:04}:{:02}:{:02}:{:02}.",
            tm.mday,
            mon.unwrap_or(&"Jan"),
            tm.year,
            tm.hour,
            tm.min,
            tm.sec,
        );
        let _ = if micro {
            write!(s, "{:06}]", d.subsec_micros())
        } else {
            write!(s, "{:03}]", d.subsec_millis())
        };
    }
}

/// Width of a dumped line (HAProxy's `dump_text_line` stops 80 bytes after the start).
const LINE: usize = 80;

/// One line of a buffer dump from `ptr` (HAProxy's `dump_text_line`): the offset, `+`
/// when it continues a line cut for width, the bytes with `\t \n \r \e \\` and `\xNN`
/// escapes; a line ends after a line feed. Returns the next position.
pub fn text_line(s: &mut String, buf: &[u8], mut ptr: usize, bol: &mut usize) -> usize {
    let start = s.len();
    let _ = write!(s, "  {ptr:05}{} ", if ptr == *bol { ' ' } else { '+' });
    let end = start + LINE;
    while let Some(&c) = buf.get(ptr) {
        if c.is_ascii_graphic() && c != b'\\' || c == b' ' {
            if s.len() > end - 2 {
                break;
            }
            s.push(char::from(c));
        } else if matches!(c, b'\t' | b'\n' | b'\r' | 0x1b | b'\\') {
            if s.len() > end - 3 {
                break;
            }
            s.push('\\');
            s.push(match c {
                b'\t' => 't',
                b'\n' => 'n',
                b'\r' => 'r',
                0x1b => 'e',
                _ => '\\',
            });
        } else {
            if s.len() > end - 5 {
                break;
            }
            let _ = write!(s, "\\x{c:02X}");
        }
        ptr += 1;
        if c == b'\n' {
            s.push('\n');
            *bol = ptr;
            return ptr;
        }
    }
    s.push('\n');
    ptr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(buf: &[u8]) -> String {
        let mut s = String::new();
        let (mut ptr, mut bol) = (0, 0);
        while ptr < buf.len() {
            ptr = text_line(&mut s, buf, ptr, &mut bol);
        }
        s
    }

    #[test]
    fn lines_break_after_line_feeds_with_escapes() {
        assert_eq!(
            dump(b"GET / HTTP/1.1\r\nA: \t\x01\\\xe9\r\n\r\n"),
            "  00000  GET / HTTP/1.1\\r\\n\n  00016  A: \\t\\x01\\\\\\xE9\\r\\n\n  00025  \\r\\n\n"
        );
    }

    #[test]
    fn long_lines_continue_with_a_plus() {
        let d = dump(&[b'a'; 150]);
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("  00000  aaa"));
        assert_eq!(lines[0].len(), 79, "80 bytes with the line feed");
        assert!(lines[1].starts_with("  00070+ aaa"));
        assert!(lines[2].starts_with("  00140+ aaa"));
    }
}
