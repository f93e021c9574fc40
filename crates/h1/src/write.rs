//! Head serialization, as HAProxy's `h1_format_htx_reqline`,
//! `h1_format_htx_stline` and `h1_format_htx_hdr` (src/h1_htx.c) emit it: the
//! version is written `HTTP/1.1` for 1.1-or-above messages and as received
//! otherwise, one space between start-line parts, `name: value` with lower-case
//! names (or their `h1-case-adjust` spelling), CRLF line ends.

use crate::case::CaseMap;
use crate::headers::Headers;
use crate::message::{RequestHead, ResponseHead, Version};

/// Appends the request line, the header fields and the empty line to `out`.
/// `case` is the `h1-case-adjust` map when `option h1-case-adjust-bogus-server`
/// applies to this request.
pub fn write_request(head: &RequestHead, out: &mut Vec<u8>, case: Option<&CaseMap>) {
    out.extend_from_slice(head.method_bytes());
    out.push(b' ');
    out.extend_from_slice(head.uri());
    out.push(b' ');
    write_version(head.version(), head.version_bytes(), out);
    out.extend_from_slice(b"\r\n");
    write_headers(head.headers(), out, case);
}

/// Appends the status line, the header fields and the empty line to `out`.
/// `case` is the `h1-case-adjust` map when `option h1-case-adjust-bogus-client`
/// applies to this response.
pub fn write_response(head: &ResponseHead, out: &mut Vec<u8>, case: Option<&CaseMap>) {
    write_version(head.version(), head.version_bytes(), out);
    out.push(b' ');
    let s = head.status();
    out.extend_from_slice(&[
        b'0' + (s / 100 % 10) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ]);
    out.push(b' ');
    out.extend_from_slice(head.reason());
    out.extend_from_slice(b"\r\n");
    write_headers(head.headers(), out, case);
}

fn write_version(v: Version, raw: &[u8], out: &mut Vec<u8>) {
    if v == Version::Http11 || raw.is_empty() {
        out.extend_from_slice(b"HTTP/1.1");
    } else {
        out.extend_from_slice(raw);
    }
}

/// Appends `name: value\r\n` for every field, then the final CRLF.
pub(crate) fn write_headers(h: &Headers, out: &mut Vec<u8>, case: Option<&CaseMap>) {
    for (name, value) in h.iter() {
        let name = case.map_or(name, |c| c.adjust(name));
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}
