//! Error files (`errorfile <code> <file>` in `http-errors` sections and proxies): loading
//! and validating a raw HTTP response read from disk, as HAProxy's `http_parse_errorfile`
//! and `http_str_to_htx` do while parsing the configuration.
//!
//! The file must be a complete HTTP/1 response head (`HTTP/x.y <code> [reason]`, headers,
//! empty line) optionally followed by a body whose size matches `Content-Length`; an empty
//! file is valid and means "send nothing". Only the status codes HAProxy can produce
//! itself may be customised. The head check here is a compact version of HAProxy's
//! response parser: error offsets are reported at the same place for the usual mistakes.

use std::path::{Path, PathBuf};

/// Status codes an error file may replace (HAProxy's `http_err_codes`).
pub const HTTP_ERR_CODES: [u16; 19] = [
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504,
];

/// A loaded error file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorFile {
    /// The status code it replaces.
    pub status: u16,
    /// Where it was read from (resolved against `default-path`).
    pub path: PathBuf,
    /// The raw response, head and body, as sent.
    pub content: Vec<u8>,
}

/// Loads `<file>` for status `status` (the `atol` of the argument). `name` is the file as
/// written in the configuration (used in messages), `path` where it is read from. Errors
/// are HAProxy's texts, printed after `errorfile : `.
pub fn load_errorfile(status: i64, name: &str, path: &Path) -> Result<ErrorFile, String> {
    let status = status as i32;
    let Some(code) = HTTP_ERR_CODES
        .iter()
        .copied()
        .find(|&c| i32::from(c) == status)
    else {
        return Err(format!("status code '{status}' not handled."));
    };
    let meta = std::fs::metadata(path).map_err(|_| format!("error opening file '{name}'."))?;
    if meta.is_dir() {
        return Err(format!("error reading file '{name}'."));
    }
    let content = std::fs::read(path).map_err(|_| format!("error opening file '{name}'."))?;
    check_response(&content).map_err(|e| format!("'{name}': {e}"))?;
    Ok(ErrorFile {
        status: code,
        path: path.to_path_buf(),
        content,
    })
}

/// Validates a raw error response. `Err` holds HAProxy's message.
pub fn check_response(raw: &[u8]) -> Result<(), String> {
    if raw.is_empty() {
        return Ok(());
    }
    let head =
        parse_head(raw).map_err(|pos| format!("unable to parse headers (error offset: {pos})"))?;
    if head.version.len() != 8 {
        return Err(format!(
            "invalid http version ({})",
            String::from_utf8_lossy(head.version)
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
    Ok(())
}

/// What the head parser extracts.
struct Head<'a> {
    version: &'a [u8],
    status: u32,
    content_length: Option<u64>,
    chunked: bool,
    /// Bytes up to and including the empty line.
    len: usize,
}

/// Parses a response head. `Err(pos)` is HAProxy's error offset: the offending byte, or
/// -2 when the head is incomplete.
fn parse_head(raw: &[u8]) -> Result<Head<'_>, i64> {
    const INCOMPLETE: i64 = -2;
    let at = |i: usize| raw.get(i).copied();
    let is_ver = |c: u8| c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'.' || c == b'/';
    let mut i = 0;
    while at(i).is_some_and(is_ver) {
        i += 1;
    }
    match at(i) {
        None => return Err(INCOMPLETE),
        Some(b' ' | b'\t') => {}
        Some(_) => return Err(i as i64),
    }
    let version = &raw[..i];
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match at(i) {
        None => return Err(INCOMPLETE),
        Some(b'\r' | b'\n') => return Err(i as i64),
        _ => {}
    }
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
    // Reason phrase up to the end of the line.
    while at(i).is_some_and(|c| c != b'\n') {
        i += 1;
    }
    if at(i).is_none() {
        return Err(INCOMPLETE);
    }
    i += 1;

    let mut content_length = None;
    let mut chunked = false;
    loop {
        // End of headers: an empty line.
        match (at(i), at(i + 1)) {
            (Some(b'\n'), _) => {
                return Ok(Head {
                    version,
                    status,
                    content_length,
                    chunked,
                    len: i + 1,
                })
            }
            (Some(b'\r'), Some(b'\n')) => {
                return Ok(Head {
                    version,
                    status,
                    content_length,
                    chunked,
                    len: i + 2,
                })
            }
            (None, _) | (Some(b'\r'), None) => return Err(INCOMPLETE),
            _ => {}
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
        let name = &raw[name_start..i];
        i += 1;
        while matches!(at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let value_start = i;
        while at(i).is_some_and(|c| c != b'\n') {
            i += 1;
        }
        if at(i).is_none() {
            return Err(INCOMPLETE);
        }
        let value = String::from_utf8_lossy(&raw[value_start..i]);
        let value = value.trim_matches(|c| c == ' ' || c == '\t' || c == '\r');
        i += 1;
        if name.eq_ignore_ascii_case(b"content-length") {
            let v = value.parse::<u64>().map_err(|_| value_start as i64)?;
            if content_length.is_some_and(|old| old != v) {
                return Err(value_start as i64);
            }
            content_length = Some(v);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked |= value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("chunked"));
        }
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
        let e = load_errorfile(999, "x", Path::new("/nonexistent")).unwrap_err();
        assert_eq!(e, "status code '999' not handled.");
        let e = load_errorfile(503, "nonexist", Path::new("/nonexistent/x")).unwrap_err();
        assert_eq!(e, "error opening file 'nonexist'.");
        let e = load_errorfile(503, "d", Path::new("/")).unwrap_err();
        assert_eq!(e, "error reading file 'd'.");
    }
}
