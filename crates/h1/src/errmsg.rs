//! Error messages from the configuration (`errorfile`, `errorloc302/303`, `http-errors`
//! sections) as HAProxy sends them. HAProxy converts such a raw response into HTX while
//! parsing the configuration and its H1 layer writes it again for each client: the
//! status line (`HTTP/1.1` for any version from 1.1 up), header names in lower case
//! (or `h1-case-adjust` spellings), `close` and `keep-alive` taken out of the
//! `connection` field (dropped when nothing else remains), the connection's own
//! `connection` field appended, and no body for a `HEAD` request. A message without a
//! known length, or whose `connection` field says `close`, ends the connection.
//!
//! The configuration side (the model) validates the file with HAProxy's rules and
//! records where each part lies in the raw bytes: [`Message`] is plain data.

use crate::case::{push_header_name, CaseMap};
use std::ops::Range;

/// A validated raw response and where its parts are. An empty `raw` is the empty
/// message (`errorfile 503 /dev/null`): nothing is sent and the connection is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// The response as read from the file (or built by `errorloc`).
    pub raw: Vec<u8>,
    /// The status code.
    pub status: u16,
    /// The version, the code and the reason phrase on the status line.
    pub version: Range<usize>,
    pub code: Range<usize>,
    pub reason: Range<usize>,
    /// Each header field: its name and its value without surrounding blanks.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Where the body starts (the end of the head).
    pub body: usize,
    /// The length is known: a `content-length`, or a 204/304 status.
    pub xfer_len: bool,
}

/// What a message is answered to.
#[derive(Clone, Copy, Debug)]
pub struct Answer<'a> {
    /// The connection may stay open as far as the request and the proxy are concerned
    /// (request received whole, keep-alive asked, not stopping).
    pub keep: bool,
    /// The request was HTTP/1.1.
    pub req_ver11: bool,
    /// The request was `HEAD`: no body is sent.
    pub head_only: bool,
    /// `h1-case-adjust` spellings for header names.
    pub case: Option<&'a CaseMap>,
}

impl Message {
    /// The empty message: nothing is sent.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// HAProxy's `h1_parse_res_vsn`: `HTTP/1.1` or any later version.
    pub fn ver11(&self) -> bool {
        let v = self.part(&self.version);
        v.len() == 8 && (v[5] > b'1' || (v[5] == b'1' && v[7] >= b'1'))
    }

    fn part(&self, r: &Range<usize>) -> &[u8] {
        self.raw.get(r.clone()).unwrap_or_default()
    }

    /// Appends the message as HAProxy's H1 layer writes it to a client. Returns true
    /// when the connection stays open after it; nothing is written for the empty
    /// message, which closes the connection.
    pub fn write(&self, a: &Answer<'_>, out: &mut Vec<u8>) -> bool {
        if self.is_empty() {
            return false;
        }
        let ver11 = self.ver11();
        if ver11 {
            out.extend_from_slice(b"HTTP/1.1");
        } else {
            out.extend_from_slice(self.part(&self.version));
        }
        out.push(b' ');
        out.extend_from_slice(self.part(&self.code));
        out.push(b' ');
        out.extend_from_slice(self.part(&self.reason));
        out.extend_from_slice(b"\r\n");
        let mut flags = ConnFlags::default();
        let no_length_fields = self.status < 200 || self.status == 204;
        let mut cleaned = Vec::new();
        for (n, v) in &self.headers {
            let name = self.part(n);
            let mut value = self.part(v);
            if name.eq_ignore_ascii_case(b"transfer-encoding")
                || name.eq_ignore_ascii_case(b"content-length")
            {
                if no_length_fields {
                    continue;
                }
            } else if name.eq_ignore_ascii_case(b"connection") {
                cleaned.clear();
                clean_connection(value, &mut flags, &mut cleaned);
                if cleaned.is_empty() {
                    continue;
                }
                value = &cleaned;
            } else if name.eq_ignore_ascii_case(b"te") {
                // Only `trailers` may be announced.
                match memchr::memmem::find(value, b"trailers") {
                    Some(i) if value.get(i + 8).is_none_or(|&c| c == b',') => {
                        value = b"trailers";
                    }
                    _ => continue,
                }
            }
            push_header_name(out, name, a.case);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        // HAProxy's `h1_set_cli_conn_mode` for the response, then
        // `h1_update_res_conn_value`.
        let tunnel = self.status == 101;
        let keep = a.keep && (tunnel || (self.xfer_len && !flags.close));
        let conn: Option<&[u8]> = if tunnel || flags.upgrade {
            None
        } else if keep {
            (!ver11 || !a.req_ver11).then_some(b"keep-alive")
        } else {
            ver11.then_some(b"close")
        };
        if let Some(c) = conn {
            push_header_name(out, b"connection", a.case);
            out.extend_from_slice(b": ");
            out.extend_from_slice(c);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        let bodyless = a.head_only || self.status == 204 || self.status == 304;
        if !bodyless {
            out.extend_from_slice(self.raw.get(self.body..).unwrap_or_default());
        }
        keep
    }
}

/// The connection tokens seen in the message's `connection` fields.
#[derive(Default)]
struct ConnFlags {
    close: bool,
    upgrade: bool,
}

/// HAProxy's `h1_parse_connection_header` with `H1_MF_CLEAN_CONN_HDR`: records the
/// tokens and writes the value without `close` and `keep-alive` into `out` (the original
/// text while nothing was taken out, then the remaining tokens joined by `,`).
fn clean_connection(value: &[u8], flags: &mut ConnFlags, out: &mut Vec<u8>) {
    let lws = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    // `done`: the end of the text examined so far; while `out` is that whole text,
    // nothing was taken out yet.
    let mut done = 0;
    let mut i = 0;
    while i < value.len() {
        if lws(value[i]) {
            i += 1;
            continue;
        }
        let end = find_value_end(value, i);
        let mut w = &value[i..end];
        while let Some((&last, rest)) = w.split_last() {
            if !lws(last) {
                break;
            }
            w = rest;
        }
        let skip = if w.eq_ignore_ascii_case(b"keep-alive") {
            true
        } else if w.eq_ignore_ascii_case(b"close") {
            flags.close = true;
            true
        } else {
            if w.eq_ignore_ascii_case(b"upgrade") {
                flags.upgrade = true;
            }
            false
        };
        if !skip {
            if out.len() == done {
                out.clear();
                out.extend_from_slice(&value[..end]);
            } else {
                if !out.is_empty() {
                    out.push(b',');
                }
                out.extend_from_slice(w);
            }
        }
        done = end;
        i = end + 1;
    }
}

/// HAProxy's `http_find_hdr_value_end`: the next comma outside a quoted string, or the
/// end.
fn find_value_end(v: &[u8], from: usize) -> usize {
    let mut quoted = false;
    let mut i = from;
    while i < v.len() {
        match v[i] {
            b'"' => quoted = !quoted,
            b'\\' if quoted => i += 1,
            b',' if !quoted => return i,
            _ => {}
        }
        i += 1;
    }
    v.len()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cleaned(v: &str) -> (String, bool) {
        let mut f = ConnFlags::default();
        let mut out = Vec::new();
        clean_connection(v.as_bytes(), &mut f, &mut out);
        (String::from_utf8(out).unwrap(), f.close)
    }

    #[test]
    fn connection_tokens() {
        assert_eq!(cleaned("close"), (String::new(), true));
        assert_eq!(cleaned("keep-alive, x-foo"), ("x-foo".into(), false));
        assert_eq!(cleaned("a, b"), ("a, b".into(), false));
        assert_eq!(cleaned("a, close, b"), ("a,b".into(), true));
        assert_eq!(cleaned("a,  Close ,b  "), ("a,b".into(), true));
    }

    /// A message built by hand: `HTTP/1.0 503 Oops`, one header, a body.
    fn msg(raw: &str, version: &str) -> Message {
        let raw = raw.as_bytes().to_vec();
        let body = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        Message {
            status: 503,
            version: 0..version.len(),
            code: version.len() + 1..version.len() + 4,
            reason: version.len() + 5..version.len() + 9,
            headers: vec![(19..33, 35..36)],
            body,
            xfer_len: true,
            raw,
        }
    }

    #[test]
    fn written_as_haproxy() {
        let m = msg(
            "HTTP/1.0 503 Oops\r\nContent-Length: 2\r\n\r\nhi",
            "HTTP/1.0",
        );
        let a = Answer {
            keep: true,
            req_ver11: true,
            head_only: false,
            case: None,
        };
        let mut out = Vec::new();
        assert!(m.write(&a, &mut out));
        assert_eq!(
            out,
            b"HTTP/1.0 503 Oops\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nhi"
        );
        out.clear();
        let close = Answer { keep: false, ..a };
        assert!(!m.write(&close, &mut out));
        assert_eq!(out, b"HTTP/1.0 503 Oops\r\ncontent-length: 2\r\n\r\nhi");
        let m = msg(
            "HTTP/1.1 503 Oops\r\nContent-Length: 2\r\n\r\nhi",
            "HTTP/1.1",
        );
        out.clear();
        assert!(!m.write(&close, &mut out));
        assert_eq!(
            out,
            b"HTTP/1.1 503 Oops\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi"
        );
        out.clear();
        let head = Answer {
            head_only: true,
            ..a
        };
        assert!(m.write(&head, &mut out));
        assert_eq!(out, b"HTTP/1.1 503 Oops\r\ncontent-length: 2\r\n\r\n");
        assert!(!Message::default().write(&a, &mut out));
    }
}
