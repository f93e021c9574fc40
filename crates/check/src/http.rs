//! HTTP for checks, sans-IO: the request an `http-check send` rule sends (as HAProxy's H1
//! multiplexer writes it: lower-case header names, `content-length` when there is a body
//! or the method usually has one, `connection: close` last on HTTP/1.1) and the
//! response, read as far as the expects need it.

use crate::ruleset::HttpReq;

/// The bytes of a request.
pub fn request(r: &HttpReq) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(r.meth.as_bytes());
    out.push(b' ');
    out.extend_from_slice(r.uri.as_bytes());
    out.push(b' ');
    out.extend_from_slice(r.ver.as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut conn_hdr: Option<&str> = None;
    for (n, v) in &r.hdrs {
        if n.eq_ignore_ascii_case("connection") {
            conn_hdr = Some(v);
            continue;
        }
        header(&mut out, &n.to_ascii_lowercase(), v);
    }
    let body = r.body.as_deref().unwrap_or("");
    let bodyless_meth = matches!(r.meth.as_str(), "OPTIONS" | "GET" | "HEAD" | "DELETE");
    if !bodyless_meth || !body.is_empty() {
        header(&mut out, "content-length", &body.len().to_string());
    }
    let v = r.ver.as_bytes();
    let v11 = (v.len() == 6 && v[5] == b'2')
        || (v.len() == 8 && (v[5] > b'1' || (v[5] == b'1' && v[7] >= b'1')));
    match conn_hdr {
        Some(c) => header(&mut out, "connection", c),
        None if v11 => header(&mut out, "connection", "close"),
        None => {}
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    out
}

fn header(out: &mut Vec<u8>, n: &str, v: &str) {
    out.extend_from_slice(n.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(v.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// A response as far as it was received.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// Names lower-case.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    /// The whole message arrived (HAProxy's end-of-message).
    pub complete: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// The head is not complete yet.
    Partial,
    Invalid,
    Head(Response),
}

/// Parses `buf` (everything read so far); `eof` when the server closed.
pub fn parse(mut buf: &[u8], eof: bool) -> Parsed {
    loop {
        let Some(end) = head_end(buf) else {
            return Parsed::Partial;
        };
        let head = &buf[..end.0];
        let rest = &buf[end.1..];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let Some(sl) = lines.next() else {
            return Parsed::Invalid;
        };
        let Some((status, reason)) = status_line(sl) else {
            return Parsed::Invalid;
        };
        let mut r = Response {
            status,
            reason,
            ..Response::default()
        };
        for l in lines {
            if l.is_empty() {
                continue;
            }
            let Some(c) = l.iter().position(|&b| b == b':') else {
                return Parsed::Invalid;
            };
            let name = String::from_utf8_lossy(&l[..c]).to_ascii_lowercase();
            if name.is_empty() || name.bytes().any(|b| b == b' ' || b == b'\t') {
                return Parsed::Invalid;
            }
            let v = trim(&l[c + 1..]).to_vec();
            r.headers.push((name, v));
        }
        if (100..200).contains(&status) && status != 101 {
            buf = rest;
            continue;
        }
        body(&mut r, rest, eof);
        return Parsed::Head(r);
    }
}

/// End of the head: (end of the last header line, start of the body).
fn head_end(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'\n') {
        let nl = i + p;
        let next = nl + 1;
        if b.get(next) == Some(&b'\n') {
            return Some((nl, next + 1));
        }
        if b.get(next) == Some(&b'\r') && b.get(next + 1) == Some(&b'\n') {
            return Some((nl, next + 2));
        }
        i = next;
    }
    None
}

fn status_line(l: &[u8]) -> Option<(u16, String)> {
    let rest = l.strip_prefix(b"HTTP/")?;
    let sp = rest.iter().position(|&b| b == b' ')?;
    let rest = &rest[sp + 1..];
    if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = rest[..3]
        .iter()
        .fold(0u16, |a, &d| a * 10 + u16::from(d - b'0'));
    let reason = rest.get(4..).unwrap_or(&[]);
    Some((code, String::from_utf8_lossy(reason).into_owned()))
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', r @ ..] = v {
        v = r;
    }
    while let [r @ .., b' ' | b'\t' | b'\r'] = v {
        v = r;
    }
    v
}

fn header_of<'a>(r: &'a Response, name: &str) -> Option<&'a [u8]> {
    r.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}

/// Fills the body from `rest` by the framing of the head.
fn body(r: &mut Response, rest: &[u8], eof: bool) {
    if r.status == 204 || r.status == 304 {
        r.complete = true;
        return;
    }
    let chunked = header_of(r, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().ends_with(b"chunked"));
    if chunked {
        let mut d = rest;
        while let Some(nl) = d.iter().position(|&b| b == b'\n') {
            let line = &d[..nl];
            let hex: Vec<u8> = line
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .copied()
                .collect();
            let Ok(n) = usize::from_str_radix(std::str::from_utf8(&hex).unwrap_or("x"), 16) else {
                break;
            };
            if n == 0 {
                r.complete = true;
                break;
            }
            let data = &d[nl + 1..];
            let take = n.min(data.len());
            r.body.extend_from_slice(&data[..take]);
            if data.len() < n + 2 {
                break;
            }
            d = &data[n + 2..];
        }
        return;
    }
    if let Some(cl) = header_of(r, "content-length") {
        let n = std::str::from_utf8(cl)
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let take = n.min(rest.len());
        r.body.extend_from_slice(&rest[..take]);
        r.complete = rest.len() >= n;
        return;
    }
    r.body.extend_from_slice(rest);
    r.complete = eof;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_as_haproxy_writes_them() {
        let r = HttpReq {
            meth: "OPTIONS".into(),
            uri: "/".into(),
            ver: "HTTP/1.0".into(),
            ..HttpReq::default()
        };
        assert_eq!(request(&r), b"OPTIONS / HTTP/1.0\r\n\r\n");
        let r = HttpReq {
            meth: "POST".into(),
            uri: "/h".into(),
            ver: "HTTP/1.1".into(),
            hdrs: vec![
                ("Host".into(), "x.example".into()),
                ("X-A".into(), "b".into()),
            ],
            body: Some("hello".into()),
        };
        assert_eq!(
            request(&r),
            b"POST /h HTTP/1.1\r\nhost: x.example\r\nx-a: b\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello"
        );
    }

    #[test]
    fn responses() {
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\n", false), Parsed::Partial);
        let Parsed::Head(r) = parse(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nab",
            false,
        ) else {
            panic!()
        };
        assert_eq!(
            (r.status, r.reason.as_str(), r.complete),
            (404, "Not Found", false)
        );
        assert_eq!(r.body, b"ab");
        let Parsed::Head(r) = parse(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            false,
        ) else {
            panic!()
        };
        assert_eq!(
            (r.status, r.body.as_slice(), r.complete),
            (200, &b"abc"[..], true)
        );
        assert_eq!(parse(b"garbage\r\n\r\n", false), Parsed::Invalid);
    }
}
