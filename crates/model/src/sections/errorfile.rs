//! Error messages from files and URLs (`errorfile <code> <file>` in `http-errors` sections
//! and proxies, `http-error ... errorfile`, `errorloc302/303`): loading and validating a
//! raw HTTP response as HAProxy's `http_load_errorfile`, `http_parse_errorloc` and
//! `http_str_to_htx` do while parsing the configuration.
//!
//! The validation itself is `rampart_h1::errparse` (shared with the rules' replies);
//! here are the files, the status codes HAProxy lets a file replace, and `errorloc`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use rampart_h1::errmsg::Message;
pub use rampart_h1::errparse::parse_message;

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
        let part = |r: &std::ops::Range<usize>| {
            std::str::from_utf8(&m.raw[r.clone()]).unwrap().to_string()
        };
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
