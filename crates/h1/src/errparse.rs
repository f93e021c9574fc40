//! Validation of a raw HTTP response given as an error message (`errorfile`,
//! `errorloc302/303`, `http-errors` files, `errorfile` replies of rules), as HAProxy's
//! `http_str_to_htx` does while parsing the configuration: a complete HTTP/1 response
//! head (`HTTP/x.y <code> [reason]`, headers, empty line) optionally followed by a body
//! whose size matches `Content-Length`; an empty file is valid and means "send nothing".
//! The head check is a compact version of HAProxy's response parser: error offsets are
//! reported at the same place for the usual mistakes. A valid response becomes a
//! [`Message`], which records where its parts are so that it is written as HAProxy's H1
//! layer writes it.

use crate::errmsg::Message;
use std::ops::Range;

/// HAProxy's `http_str_to_htx`: validates a raw response and records its parts.
pub fn parse_message(raw: Vec<u8>) -> Result<Message, String> {
    if raw.is_empty() {
        return Ok(Message::default());
    }
    let head =
        parse_head(&raw).map_err(|pos| format!("unable to parse headers (error offset: {pos})"))?;
    if head.version.len() != 8 {
        return Err(format!(
            "invalid http version ({})",
            String::from_utf8_lossy(&raw[head.version.clone()])
        ));
    }
    let status = head.status;
    if status < 200 && (status == 100 || status >= 102) {
        return Err(format!(
            "invalid http status code for an error message ({status})"
        ));
    }
    let body_len = raw.len() - head.len;
    let (xfer_len, clen) = if status == 204 || status == 304 {
        (true, Some(0))
    } else if head.chunked {
        return Err("chunk-encoded payload not supported".into());
    } else {
        (head.content_length.is_some(), head.content_length)
    };
    let bodyless = xfer_len && clen.unwrap_or(0) == 0;
    if bodyless && body_len > 0 {
        return Err("message payload not expected".into());
    }
    if let Some(cl) = clen {
        if cl != body_len as u64 {
            return Err(format!(
                "payload size does not match the announced content-length ({body_len} != {cl})"
            ));
        }
    }
    Ok(Message {
        status: u16::try_from(status).unwrap_or(u16::MAX),
        version: head.version,
        code: head.code,
        reason: head.reason,
        headers: head.headers,
        body: head.len,
        xfer_len,
        raw,
    })
}

/// What the head parser extracts (ranges into the raw response).
struct Head {
    version: Range<usize>,
    code: Range<usize>,
    reason: Range<usize>,
    status: u32,
    headers: Vec<(Range<usize>, Range<usize>)>,
    content_length: Option<u64>,
    chunked: bool,
    /// Bytes up to and including the empty line.
    len: usize,
}

/// Parses a response head. `Err(pos)` is HAProxy's error offset: the offending byte, or
/// -2 when the head is incomplete.
fn parse_head(raw: &[u8]) -> Result<Head, i64> {
    const INCOMPLETE: i64 = -2;
    let at = |i: usize| raw.get(i).copied();
    let is_ver = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'.' || c == b'/';
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut i = 0;
    while at(i).is_some_and(is_ver) {
        i += 1;
    }
    match at(i) {
        None => return Err(INCOMPLETE),
        Some(b' ' | b'\t') => {}
        Some(_) => return Err(i as i64),
    }
    let version = 0..i;
    while at(i).is_some_and(blank) {
        i += 1;
    }
    match at(i) {
        None => return Err(INCOMPLETE),
        Some(b'\r' | b'\n') => return Err(i as i64),
        _ => {}
    }
    let code_start = i;
    let mut status: u32 = 0;
    while let Some(c) = at(i).filter(u8::is_ascii_digit) {
        status = status
            .saturating_mul(10)
            .saturating_add(u32::from(c - b'0'));
        i += 1;
    }
    match at(i) {
        None => return Err(INCOMPLETE),
        Some(b' ' | b'\t' | b'\r' | b'\n') => {}
        Some(_) => return Err(i as i64),
    }
    let code = code_start..i;
    while at(i).is_some_and(blank) {
        i += 1;
    }
    // Reason phrase up to the end of the line.
    let reason_start = i;
    while at(i).is_some_and(|c| c != b'\n') {
        i += 1;
    }
    if at(i).is_none() {
        return Err(INCOMPLETE);
    }
    let reason_end = if i > reason_start && raw[i - 1] == b'\r' {
        i - 1
    } else {
        i
    };
    let reason = reason_start..reason_end.max(reason_start);
    i += 1;

    let mut headers = Vec::new();
    let mut content_length = None;
    let mut chunked = false;
    loop {
        // End of headers: an empty line.
        let end = match (at(i), at(i + 1)) {
            (Some(b'\n'), _) => Some(i + 1),
            (Some(b'\r'), Some(b'\n')) => Some(i + 2),
            (None, _) | (Some(b'\r'), None) => return Err(INCOMPLETE),
            _ => None,
        };
        if let Some(len) = end {
            return Ok(Head {
                version,
                code,
                reason,
                status,
                headers,
                content_length,
                chunked,
                len,
            });
        }
        let name_start = i;
        while at(i).is_some_and(is_tchar) {
            i += 1;
        }
        match at(i) {
            None => return Err(INCOMPLETE),
            Some(b':') if i > name_start => {}
            Some(_) => return Err(i as i64),
        }
        let name = name_start..i;
        i += 1;
        while at(i).is_some_and(blank) {
            i += 1;
        }
        let value_start = i;
        while at(i).is_some_and(|c| c != b'\n') {
            i += 1;
        }
        if at(i).is_none() {
            return Err(INCOMPLETE);
        }
        let mut value_end = i;
        while value_end > value_start && matches!(raw[value_end - 1], b' ' | b'\t' | b'\r') {
            value_end -= 1;
        }
        let value = value_start..value_end;
        i += 1;
        let name_bytes = &raw[name.clone()];
        if name_bytes.eq_ignore_ascii_case(b"content-length") {
            let v = std::str::from_utf8(&raw[value.clone()])
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or(value_start as i64)?;
            match content_length {
                Some(old) if old != v => return Err(value_start as i64),
                // The same length again: HAProxy keeps one field.
                Some(_) => continue,
                None => content_length = Some(v),
            }
        } else if name_bytes.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked |= raw[value.clone()]
                .split(|&c| c == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        }
        headers.push((name, value));
    }
}

/// RFC 7230 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}
