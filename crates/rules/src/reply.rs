//! HTTP replies built by the proxy itself (HAProxy's `struct http_reply`): what
//! `http-request return`, `deny`, `tarpit` and `http-response deny`/`return` answer.
//! [`parse_reply`] reads the arguments as `http_parse_http_reply` does, with its checks
//! and warnings; [`write_reply`] writes the HTTP/1.1 response as Rampart sends it
//! (the byte layout HAProxy's H1 multiplexer produces for these replies).

use crate::action::{arg, ActCx, RuleSet};
use crate::conv::Cx;
use crate::fetch::place::Ckp;
use crate::logfmt::LogFormat;
use crate::stream::Stream;
use rampart_h1::errmsg::Message;
use rampart_h1::errors::write_default_response;
use rampart_h1::errparse::parse_message;
use rampart_h1::{push_header_name, reason_phrase, CaseMap};
use std::sync::Arc;

/// The statuses HAProxy has error messages for (`http_err_codes`).
pub const HTTP_ERR_CODES: [u16; 19] = [
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504,
];

/// A reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// `content-type`, kept only with a payload.
    pub content_type: Option<String>,
    pub body: ReplyBody,
    /// `hdr <name> <fmt>`, in order (never with error files).
    pub headers: Vec<ReplyHdr>,
}

/// An extra header of a reply; it is sent only when its value renders non-empty.
#[derive(Debug)]
pub struct ReplyHdr {
    pub name: String,
    pub value: LogFormat,
}

/// The payload of a reply (`HTTP_REPLY_*`).
#[derive(Debug)]
pub enum ReplyBody {
    /// No payload (`HTTP_REPLY_EMPTY`).
    Empty,
    /// `string` or `file` (`HTTP_REPLY_RAW`).
    Raw(Vec<u8>),
    /// `lf-string` or `lf-file` (`HTTP_REPLY_LOGFMT`).
    LogFormat(LogFormat),
    /// `errorfile <file>`: a whole response, validated and located once at start-up,
    /// written as HAProxy's H1 layer writes it (`HTTP_REPLY_ERRMSG`).
    ErrorFile(Arc<Message>),
    /// `default-errorfiles`, or `deny` without a payload: the proxy's error message for
    /// the status (its `errorfile`, or HAProxy's built-in page).
    DefaultErrorFiles,
    /// `errorfiles <name>`: the `http-errors` section's message for the status, to be
    /// resolved once the configuration is read ([`Reply::resolve_errorfiles`]).
    ErrorFiles(String),
}

impl Reply {
    /// Calls `f` on every expression of the reply's log-format strings, its headers'
    /// before its body's, as HAProxy parses them.
    pub fn exprs_mut(&mut self, f: &mut dyn FnMut(&mut crate::expr::Expr)) {
        for h in &mut self.headers {
            h.value.exprs_mut(f);
        }
        if let ReplyBody::LogFormat(lf) = &mut self.body {
            lf.exprs_mut(f);
        }
    }

    /// The `http-errors` section an `errorfiles` reply names, before resolution.
    pub fn errorfiles_section(&self) -> Option<&str> {
        match &self.body {
            ReplyBody::ErrorFiles(s) => Some(s),
            _ => None,
        }
    }

    /// Resolves `errorfiles`: the section's message for the status, or `None` when the
    /// section has none (HAProxy warns, and the reply has no payload then).
    pub fn resolve_errorfiles(&mut self, message: Option<Arc<Message>>) {
        if let ReplyBody::ErrorFiles(_) = self.body {
            self.body = message.map_or(ReplyBody::Empty, ReplyBody::ErrorFile);
        }
    }
}

/// Reads a reply at `words[*idx]` as `http_parse_http_reply` does: `status`,
/// `content-type`, one payload among `errorfiles`, `default-errorfiles`, `errorfile`,
/// `file`, `string`, `lf-file`, `lf-string`, and `hdr` lines, until a word that is
/// none of these. `*idx` is left on that word.
pub fn parse_reply(
    words: &[&str],
    idx: &mut usize,
    default_status: u16,
    set: RuleSet,
    cx: &mut ActCx<'_>,
) -> Result<Reply, String> {
    let places = cx.places(set);
    parse_reply_at(words, idx, default_status, places, cx)
}

/// The reply of an `http-error` line (no default status: it must give one). Its
/// log-format values may read whatever a request or a response rule may (HAProxy's
/// `ARGC_HERR`: every request and response checkpoint).
pub fn parse_http_error(
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<Reply, String> {
    parse_reply_at(
        words,
        idx,
        0,
        [Some(Ckp::BeHrqHdr), Some(Ckp::BeHrsHdr)],
        cx,
    )
}

/// [`parse_reply`] with the checkpoints its log-format values are checked against.
fn parse_reply_at(
    words: &[&str],
    idx: &mut usize,
    default_status: u16,
    places: [Option<Ckp>; 2],
    cx: &mut ActCx<'_>,
) -> Result<Reply, String> {
    let mut status = i64::from(default_status);
    let mut ctype: Option<String> = None;
    let mut body = ReplyBody::Empty;
    let mut payload: Option<&str> = None;
    let mut raw_len = 0usize;
    let mut lf_text: Option<String> = None;
    let mut hdrs: Vec<ReplyHdr> = Vec::new();
    let mut i = *idx;
    loop {
        let w = arg(words, i);
        if w.is_empty() {
            break;
        }
        let next = arg(words, i + 1);
        let is_payload = matches!(
            w,
            "errorfiles"
                | "default-errorfiles"
                | "errorfile"
                | "file"
                | "string"
                | "lf-file"
                | "lf-string"
        );
        if is_payload {
            if let Some(prev) = payload {
                return Err(format!(
                    "unexpected '{w}' argument, '{prev}' already defined"
                ));
            }
        }
        match w {
            "status" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects <status_code> as argument"));
                }
                let s = rampart_core::cnum::atol(next) as i32;
                if !(200..=599).contains(&s) {
                    return Err(format!("Unexpected status code '{s}'"));
                }
                status = i64::from(s);
                i += 2;
            }
            "content-type" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects <ctype> as argument"));
                }
                ctype = Some(next.to_string());
                i += 2;
            }
            "errorfiles" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects <name> as argument"));
                }
                body = ReplyBody::ErrorFiles(next.to_string());
                payload = Some(w);
                i += 2;
            }
            "default-errorfiles" => {
                body = ReplyBody::DefaultErrorFiles;
                payload = Some(w);
                i += 1;
            }
            "errorfile" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects <fmt> as argument"));
                }
                body = ReplyBody::ErrorFile(load_errorfile(next, cx)?);
                payload = Some(w);
                i += 2;
            }
            "file" | "lf-file" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects <file> as argument"));
                }
                let data = cx
                    .files
                    .read(next)
                    .map_err(|_| format!("error opening file '{next}'"))?;
                if data.len() > cx.bufsize {
                    return Err(format!(
                        "file '{next}' exceeds the buffer size ({} > {})",
                        data.len(),
                        cx.bufsize
                    ));
                }
                if w == "file" {
                    raw_len = data.len();
                    body = ReplyBody::Raw(data);
                } else {
                    // Read as a C string: the format ends at a NUL byte.
                    let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
                    lf_text = Some(String::from_utf8_lossy(&data[..end]).into_owned());
                    body = ReplyBody::LogFormat(LogFormat::default());
                }
                payload = Some(w);
                i += 2;
            }
            "string" | "lf-string" => {
                if next.is_empty() {
                    let what = if w == "string" { "<str>" } else { "<fmt>" };
                    return Err(format!("'{w}' expects {what} as argument"));
                }
                if w == "string" {
                    raw_len = next.len();
                    body = ReplyBody::Raw(next.as_bytes().to_vec());
                } else {
                    lf_text = Some(next.to_string());
                    body = ReplyBody::LogFormat(LogFormat::default());
                }
                payload = Some(w);
                i += 2;
            }
            "hdr" => {
                let value = arg(words, i + 2);
                if next.is_empty() || value.is_empty() {
                    return Err(format!("'{w}' expects <name> and <value> as arguments"));
                }
                if ["content-length", "transfer-encoding", "content-type"]
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(next))
                {
                    cx.warn(format!("header '{next}' always ignored by the http reply."));
                } else {
                    hdrs.push(ReplyHdr {
                        name: next.to_string(),
                        value: cx.logformat_at(value, places, true)?,
                    });
                }
                i += 3;
            }
            _ => break,
        }
    }
    let status = status as u16;
    match &body {
        ReplyBody::Empty => {
            if let Some(ct) = ctype.take() {
                cx.warn(format!("content-type '{ct}' ignored by the http reply because neither errorfile nor payload defined."));
            }
        }
        ReplyBody::ErrorFiles(_) | ReplyBody::DefaultErrorFiles | ReplyBody::ErrorFile(_) => {
            if !matches!(body, ReplyBody::ErrorFile(_)) && !HTTP_ERR_CODES.contains(&status) {
                return Err(format!(
                    "status code '{status}' not handled by default with '{}' argument.",
                    payload.unwrap_or("")
                ));
            }
            if let Some(ct) = ctype.take() {
                cx.warn(format!(
                    "content-type '{ct}' ignored by the http reply when used with an erorrfile."
                ));
            }
            if !hdrs.is_empty() {
                hdrs.clear();
                cx.warn("hdr parameters ignored by the http reply when used with an erorrfile.");
            }
        }
        ReplyBody::Raw(_) => {
            if (status == 204 || status == 304) && raw_len > 0 {
                return Err(format!("No body expected for {status} responses"));
            }
            if ctype.is_none() && raw_len > 0 {
                return Err(
                    "a content type must be defined when non-empty payload is configured".into(),
                );
            }
            if raw_len == 0 {
                if let Some(ct) = ctype.take() {
                    cx.warn(format!("content-type '{ct}' ignored by the http reply when used with an empty payload."));
                }
            }
            if cx.bufsize.saturating_sub(raw_len) < cx.maxrewrite {
                cx.warn("http reply payload runs over the buffer space reserved to headers rewriting. It may lead to internal errors if strict rewriting mode is enabled.");
            }
        }
        ReplyBody::LogFormat(_) => {
            if status == 204 || status == 304 {
                return Err(format!("No body expected for {status} responses"));
            }
            if ctype.is_none() {
                return Err("a content type must be defined with a log-format payload".into());
            }
        }
    }
    if let Some(text) = lf_text {
        body = ReplyBody::LogFormat(cx.logformat_at(&text, places, true)?);
    }
    *idx = i;
    Ok(Reply {
        status,
        content_type: ctype,
        body,
        headers: hdrs,
    })
}

/// Loads an `errorfile` payload: through the model's loader when there is one,
/// otherwise read and checked here (`http_load_errorfile`, `http_str_to_htx`).
fn load_errorfile(name: &str, cx: &mut ActCx<'_>) -> Result<Arc<Message>, String> {
    if let Some(load) = cx.errorfile.as_mut() {
        return load(name);
    }
    let mut data = cx
        .files
        .read(name)
        .map_err(|_| format!("error opening file '{name}'."))?;
    if data.len() > cx.bufsize {
        cx.warn_plain(format!(
            "custom error message file '{name}' larger than {} bytes. Truncating.",
            cx.bufsize
        ));
        data.truncate(cx.bufsize);
    }
    parse_message(data)
        .map(Arc::new)
        .map_err(|e| format!("'{name}': {e}"))
}

/// The checks HAProxy makes on an error message file (`http_str_to_htx`).
pub fn check_errorfile(raw: &[u8]) -> Result<(), String> {
    parse_message(raw.to_vec()).map(|_| ())
}

/// Writes `r` as an HTTP/1.1 response: the status line with HAProxy's reason, the
/// `hdr` fields whose values render non-empty, `content-length` (not for 204 and 304),
/// `content-type` with a non-empty payload, `connection: <conn>`, then the payload
/// (not for a `HEAD` request: `head_only`). An `errorfile` is sent as it is;
/// `default-errorfiles` sends `errorfile` (the proxy's message for the status) or
/// HAProxy's built-in page. Log-format parts are rendered against `s`, through `tmp`;
/// in response rule sets HAProxy renders a reply once the server's response is dropped,
/// so `s` then has no response head (`res` fetches find nothing).
#[allow(clippy::too_many_arguments)]
pub fn write_reply(
    r: &Reply,
    s: &Stream<'_>,
    cx: &Cx,
    errorfile: Option<&[u8]>,
    conn: Option<&[u8]>,
    head_only: bool,
    case: Option<&CaseMap>,
    out: &mut Vec<u8>,
    tmp: &mut Vec<u8>,
) {
    let body: &[u8] = match &r.body {
        ReplyBody::ErrorFile(m) => {
            out.extend_from_slice(&m.raw);
            return;
        }
        ReplyBody::DefaultErrorFiles => {
            match errorfile {
                Some(raw) => out.extend_from_slice(raw),
                None => write_error(r.status, conn, case, out),
            }
            return;
        }
        ReplyBody::Raw(b) => b,
        ReplyBody::LogFormat(lf) => {
            tmp.clear();
            lf.render_http(s, cx, tmp);
            tmp.truncate(cx.bufsize.saturating_sub(1));
            tmp
        }
        ReplyBody::Empty | ReplyBody::ErrorFiles(_) => &[],
    };
    out.extend_from_slice(b"HTTP/1.1 ");
    push_status(r.status, out);
    out.push(b' ');
    out.extend_from_slice(reason_phrase(r.status).as_bytes());
    out.extend_from_slice(b"\r\n");
    for h in &r.headers {
        let mark = out.len();
        push_header_name(out, h.name.as_bytes(), case);
        out.extend_from_slice(b": ");
        let start = out.len();
        h.value.render_http(s, cx, out);
        out.truncate(start + (out.len() - start).min(cx.bufsize.saturating_sub(1)));
        if out.len() == start {
            out.truncate(mark);
        } else {
            out.extend_from_slice(b"\r\n");
        }
    }
    if r.status != 204 && r.status != 304 {
        push_field(
            out,
            b"content-length",
            itoa(body.len() as u64, &mut [0u8; 20]),
            case,
        );
    }
    if let (Some(ct), false) = (&r.content_type, body.is_empty()) {
        push_field(out, b"content-type", ct.as_bytes(), case);
    }
    if let Some(c) = conn {
        push_field(out, b"connection", c, case);
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

pub(crate) fn push_field(out: &mut Vec<u8>, name: &[u8], value: &[u8], case: Option<&CaseMap>) {
    push_header_name(out, name, case);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn push_status(s: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'0' + (s / 100 % 10) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ]);
}

/// Decimal digits of `v` without allocating.
pub(crate) fn itoa(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
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
