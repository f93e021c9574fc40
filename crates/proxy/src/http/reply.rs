//! Responses the proxy writes itself: `http-request return` replies and error responses
//! (400, 408, 500, 502, 503, 504...). An error response is the proxy's own when it has
//! one for the status (`errorfile`, `errorloc302/303`, `errorfiles`, `http-error`):
//! the backend's first, then the frontend's (HAProxy's `http_error_message`), else
//! HAProxy's built-in page. The layout of a built reply is HAProxy's: status line, `hdr`
//! fields, `content-length`, `content-type`, then `connection: close` when the client
//! connection ends after it (or `keep-alive` for an HTTP/1.0 client that keeps it).
//! Raw messages (error files, redirections) are written as HAProxy's H1 layer writes
//! them ([`rampart_h1::errmsg`]), and no body follows the head for a `HEAD` request.

use rampart_h1::errmsg::Answer;
use rampart_h1::errors::{default_body, write_default_response};
use rampart_model::proxy::errors::{ErrorReply, ProxyErrors};
use rampart_rules::reply::Reply;

/// The `connection` field value to announce, if any: `close` when closing an HTTP/1.1
/// or 1.0 client, `keep-alive` to keep an HTTP/1.0 client.
pub fn conn_word(closing: bool, http10: bool) -> Option<&'static [u8]> {
    match (closing, http10) {
        (true, _) => Some(b"close"),
        (false, true) => Some(b"keep-alive"),
        (false, false) => None,
    }
}

/// The error tables a stream answers from: its backend's (once one is chosen) and its
/// frontend's.
#[derive(Clone, Copy)]
pub struct Errors<'a> {
    pub fe: &'a ProxyErrors,
    pub be: Option<&'a ProxyErrors>,
}

impl<'a> Errors<'a> {
    /// HAProxy's `http_error_message`: the backend's reply for `status`, else the
    /// frontend's (`None`: the built-in page).
    pub fn lookup(&self, status: u16) -> Option<&'a ErrorReply> {
        self.be
            .and_then(|b| b.get(status))
            .or_else(|| self.fe.get(status))
    }
}

/// Writes the proxy's error response for `status`. Returns true when the connection may
/// stay open after it.
/// An `http-error` reply built from its parts is written by `built`, which renders its
/// log-format values for the stream.
pub fn write_error(
    status: u16,
    a: &Answer<'_>,
    errors: Errors<'_>,
    out: &mut Vec<u8>,
    built: &mut dyn FnMut(&Reply, &mut Vec<u8>),
) -> bool {
    match errors.lookup(status) {
        Some(ErrorReply::Message(m)) => m.write(a, out),
        Some(ErrorReply::Reply(r)) => {
            built(r, out);
            a.keep
        }
        None => {
            // HAProxy's pages for 400 and 408 carry `Connection: close`: its H1 layer
            // then closes the client connection after them.
            let keep = a.keep && !builtin_closes(status);
            let a = Answer { keep, ..*a };
            write_builtin(status, &a, out);
            keep
        }
    }
}

/// HAProxy's built-in page for `status` asks for the connection to close.
fn builtin_closes(status: u16) -> bool {
    let Some(raw) = rampart_h1::errors::default_response(status) else {
        return false;
    };
    let head = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw, |p| &raw[..p]);
    head.split(|&b| b == b'\n').any(|l| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        l.len() > 11
            && l[..11].eq_ignore_ascii_case(b"connection:")
            && l[11..].trim_ascii().eq_ignore_ascii_case(b"close")
    })
}

/// HAProxy's built-in page for `status` (a 500 page when there is none).
fn write_builtin(status: u16, a: &Answer<'_>, out: &mut Vec<u8>) {
    let conn = conn_word(!a.keep, !a.req_ver11);
    let status = if write_default_response(status, conn, a.case, out) {
        status
    } else {
        write_default_response(500, conn, a.case, out);
        500
    };
    if a.head_only {
        let body = default_body(status).map_or(0, <[u8]>::len);
        out.truncate(out.len().saturating_sub(body));
    }
}
