//! Responses the proxy writes itself: `http-request return` replies and HAProxy's
//! built-in error pages (400, 408, 502, 503, 504...), or the proxy's `errorfile` for the
//! status. The layout is HAProxy's: status line, `hdr` fields, `content-length`,
//! `content-type`, then `connection: close` when the client connection ends after it
//! (or `keep-alive` for an HTTP/1.0 client that keeps it).

use rampart_h1::errors::write_default_response;
use rampart_h1::{push_header_name, reason_phrase, CaseMap};
use rampart_model::proxy::http_rules::{Reply, ReplyBody};

/// The `connection` field value to announce, if any: `close` when closing an HTTP/1.1
/// or 1.0 client, `keep-alive` to keep an HTTP/1.0 client.
pub fn conn_word(closing: bool, http10: bool) -> Option<&'static [u8]> {
    match (closing, http10) {
        (true, _) => Some(b"close"),
        (false, true) => Some(b"keep-alive"),
        (false, false) => None,
    }
}

/// Writes the reply of an `http-request return` rule. `head_only`: the request was
/// `HEAD` (no body is sent, the length is announced).
/// `case`: the `h1-case-adjust` spellings for this client.
pub fn write_reply(
    r: &Reply,
    conn: Option<&[u8]>,
    head_only: bool,
    case: Option<&CaseMap>,
    out: &mut Vec<u8>,
) {
    match &r.body {
        ReplyBody::ErrorFile(raw) => {
            out.extend_from_slice(raw);
            return;
        }
        ReplyBody::DefaultErrorFiles => {
            write_error(r.status, conn, case, out);
            return;
        }
        _ => {}
    }
    out.extend_from_slice(b"HTTP/1.1 ");
    push_status(r.status, out);
    out.push(b' ');
    out.extend_from_slice(reason_phrase(r.status).as_bytes());
    out.extend_from_slice(b"\r\n");
    for (n, v) in &r.headers {
        push_header_name(out, n.as_bytes(), case);
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let body: &[u8] = match &r.body {
        ReplyBody::Raw(b) => b,
        _ => &[],
    };
    if r.status != 204 && r.status != 304 {
        push_header_name(out, b"content-length", case);
        out.extend_from_slice(b": ");
        out.extend_from_slice(itoa(body.len() as u64, &mut [0u8; 20]));
        out.extend_from_slice(b"\r\n");
    }
    if let Some(ct) = &r.content_type {
        push_header_name(out, b"content-type", case);
        out.extend_from_slice(b": ");
        out.extend_from_slice(ct.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(c) = conn {
        push_header_name(out, b"connection", case);
        out.extend_from_slice(b": ");
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(body);
    }
}

/// Writes HAProxy's built-in page for `status` (a 500 page when there is none).
pub fn write_error(status: u16, conn: Option<&[u8]>, case: Option<&CaseMap>, out: &mut Vec<u8>) {
    if !write_default_response(status, conn, case, out) {
        write_default_response(500, conn, case, out);
    }
}

fn push_status(s: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'0' + (s / 100 % 10) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ]);
}

/// Decimal digits of `v` without allocating.
pub fn itoa(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}
