//! Error messages from files and URLs (`errorfile <code> <file>` in `http-errors` sections
//! and proxies, `http-error ... errorfile`, `errorloc302/303`): loading and validating a
//! raw HTTP response as HAProxy's `http_load_errorfile`, `http_parse_errorloc` and
//! `http_str_to_htx` do while parsing the configuration.
//!
//! The file must be a complete HTTP/1 response head (`HTTP/x.y <code> [reason]`, headers,
//! empty line) optionally followed by a body whose size matches `Content-Length`; an empty
//! file is valid and means "send nothing". Only the status codes HAProxy can produce
//! itself may be customised. The head check here is a compact version of HAProxy's
//! response parser: error offsets are reported at the same place for the usual mistakes.
//! A valid response becomes a [`Message`], which records where its parts are so that the
//! runtime writes it as HAProxy's H1 layer does.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use rampart_h1::errmsg::Message;

/// Status codes an error file may replace (HAProxy's `http_err_codes`).
pub const HTTP_ERR_CODES: [u16; 19] = [
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504,
];

/// The status code among [`HTTP_ERR_CODES`] for the `atol` of an argument.
pub fn err_code(status: i64) -> Option<u16> {
    let status = status as i32;
    HTTP_ERR_CODES
        .iter()
        .copied()
        .find(|&c| i32::from(c) == status)
}

/// A loaded error file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorFile {
    /// The status code it replaces.
    pub status: u16,
    /// Where it was read from (resolved against `default-path`).
    pub path: PathBuf,
    /// The response, validated.
    pub message: Arc<Message>,
}

/// A file read for an error message: the message, and HAProxy's warning when the file
/// was larger than a buffer and was cut.
pub struct Loaded {
    pub message: Arc<Message>,
    pub warning: Option<String>,
}

/// Loads `<file>` for status `status` (the `atol` of the argument), HAProxy's
/// `http_parse_errorfile`. `name` is the file as written in the configuration (used in
/// messages), `path` where it is read from, `bufsize` the `tune.bufsize` in force. Errors
/// are HAProxy's texts, printed after `errorfile : `.
pub fn load_errorfile(
    status: i64,
    name: &str,
    path: &Path,
    bufsize: usize,
) -> Result<(ErrorFile, Option<String>), String> {
    let Some(code) = err_code(status) else {
        return Err(format!("status code '{}' not handled.", status as i32));
    };
    let l = load_message(name, path, bufsize)?;
    let file = ErrorFile {
        status: code,
        path: path.to_path_buf(),
        message: l.message,
    };
    Ok((file, l.warning))
}

/// HAProxy's `http_load_errorfile`: reads a raw response (at most `bufsize` bytes, with a
/// warning beyond) and validates it.
pub fn load_message(name: &str, path: &Path, bufsize: usize) -> Result<Loaded, String> {
    let meta = std::fs::metadata(path).map_err(|_| format!("error opening file '{name}'."))?;
    if meta.is_dir() {
        return Err(format!("error reading file '{name}'."));
    }
    let mut content = std::fs::read(path).map_err(|_| format!("error opening file '{name}'."))?;
    let mut warning = None;
    if content.len() > bufsize {
        warning = Some(format!(
            "custom error message file '{name}' larger than {bufsize} bytes. Truncating."
        ));
        content.truncate(bufsize);
    }
    let message = parse_message(content).map_err(|e| format!("'{name}': {e}"))?;
    Ok(Loaded {
        message: Arc::new(message),
        warning,
    })
}

/// HAProxy's `http_parse_errorloc`: the redirection `errorloc302` / `errorloc303` sends
/// for `status`. Errors are HAProxy's texts, printed after the keyword.
pub fn errorloc_message(errloc: u16, status: i64, url: &str) -> Result<(u16, Message), String> {
    let Some(code) = err_code(status) else {
        return Err(format!("status code '{}' not handled.", status as i32));
    };
    let first = if errloc == 302 {
        "HTTP/1.1 302 Found"
    } else {
        "HTTP/1.1 303 See Other"
    };
    let raw = format!(
        "{first}\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: {url}\r\n\r\n"
    );
    let m = parse_message(raw.into_bytes()).map_err(|e| format!("invalid error message: {e}"))?;
    Ok((code, m))
}

/// Validates a raw error response. `Err` holds HAProxy's message.
pub fn check_response(raw: &[u8]) -> Result<(), String> {
    parse_message(raw.to_vec()).map(|_| ())
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn err(raw: &str) -> String {
        check_response(raw.as_bytes()).err().unwrap_or_default()
    }

    #[test]
    fn valid_responses() {
        for ok in [
            "",
            "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\nbody",
            "HTTP/1.1 503 Oops\nX: y\n\n",
            "HTTP/1.1 101 Oops\r\n\r\n",
            "HTTP/2.0 503 Oops\r\n\r\n",
            "HTTP/1.1 503\r\n\r\n",
            "HTTP/1.1 503 Oops\r\nContent-Length: 3\r\n\r\nabc",
        ] {
            assert_eq!(check_response(ok.as_bytes()), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn errors_match_haproxy() {
        assert_eq!(err("hello"), "unable to parse headers (error offset: 0)");
        assert_eq!(
            err("HTTP/1.1 503 Oops\r\nX: y\r\n"),
            "unable to parse headers (error offset: -2)"
        );
        assert_eq!(
            err("HTTP/1.1 5x3 Oops\r\n\r\n"),
            "unable to parse headers (error offset: 10)"
        );
        assert_eq!(
            err("HTTP/1.1 503 Oops\r\nContent-Length: 3\r\n\r\nbody"),
            "payload size does not match the announced content-length (4 != 3)"
        );
        assert_eq!(
            err("HTTP/1.1 503 Oops\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "chunk-encoded payload not supported"
        );
        assert_eq!(
            err("HTTP/1.1 204 Oops\r\n\r\nxx"),
            "message payload not expected"
        );
        assert_eq!(
            err("HTTP/1.1 503 Oops\r\nContent-Length: 0\r\n\r\nxx"),
            "message payload not expected"
        );
        assert_eq!(
            err("HTTP/1.10 503 Oops\r\n\r\n"),
            "invalid http version (HTTP/1.10)"
        );
        assert_eq!(
            err("HTTP/1.1 100 Continue\r\n\r\n"),
            "invalid http status code for an error message (100)"
        );
    }

    #[test]
    fn status_codes_and_files() {
        let load = |s, n, p: &str| load_errorfile(s, n, Path::new(p), 16384).map(|_| ());
        assert_eq!(
            load(999, "x", "/nonexistent").unwrap_err(),
            "status code '999' not handled."
        );
        assert_eq!(
            load(503, "nonexist", "/nonexistent/x").unwrap_err(),
            "error opening file 'nonexist'."
        );
        assert_eq!(load(503, "d", "/").unwrap_err(), "error reading file 'd'.");
    }

    #[test]
    fn parts_of_a_message() {
        let raw = "HTTP/1.0   503  Service Unavailable \r\nContent-Length: 2\r\nX-A:  b c \r\nContent-Length: 2\r\n\r\nok";
        let m = parse_message(raw.as_bytes().to_vec()).unwrap();
        let part = |r: &Range<usize>| std::str::from_utf8(&m.raw[r.clone()]).unwrap().to_string();
        assert_eq!(part(&m.version), "HTTP/1.0");
        assert_eq!(part(&m.code), "503");
        assert_eq!(part(&m.reason), "Service Unavailable ");
        assert_eq!(m.status, 503);
        let h: Vec<_> = m.headers.iter().map(|(n, v)| (part(n), part(v))).collect();
        assert_eq!(
            h,
            [
                ("Content-Length".into(), "2".into()),
                ("X-A".into(), "b c".into())
            ]
        );
        assert_eq!(&m.raw[m.body..], b"ok");
        assert!(m.xfer_len && !m.ver11());
        let m = parse_message(b"HTTP/1.1 503\nX: y\n\nbody".to_vec()).unwrap();
        assert!(!m.xfer_len && m.ver11());
        assert_eq!(m.reason, 12..12);
        assert_eq!(&m.raw[m.body..], b"body");
    }

    #[test]
    fn errorloc_messages() {
        let (code, m) = errorloc_message(302, 503, "http://x/y").unwrap();
        assert_eq!(code, 503);
        assert_eq!(
            m.raw,
            b"HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: http://x/y\r\n\r\n"
        );
        let (_, m) = errorloc_message(303, 503, "/z").unwrap();
        assert!(m.raw.starts_with(b"HTTP/1.1 303 See Other\r\n"));
        assert_eq!(
            errorloc_message(302, 999, "/").unwrap_err(),
            "status code '999' not handled."
        );
        assert_eq!(
            errorloc_message(302, 503, "/a\r\nb").unwrap_err(),
            "invalid error message: unable to parse headers (error offset: 79)"
        );
    }
}
