//! Replies of `http-error` (HAProxy's `http_parse_http_reply` as the error table uses
//! it; rule actions read theirs with `rampart_rules::reply`).

use super::ProxiesBuilder;
use crate::cnum::atol;
use crate::kw::Cx;
use crate::sections::errorfile::{load_message, Message, HTTP_ERR_CODES};
use rampart_config::Diagnostic;
use std::sync::Arc;

/// An HTTP reply built by the proxy itself (HAProxy's `struct http_reply`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: ReplyBody,
    /// Extra headers (`hdr`), in order.
    pub headers: Vec<(String, String)>,
}

/// The payload of a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyBody {
    /// No payload.
    Empty,
    /// `string` or `file`: the body bytes.
    Raw(Vec<u8>),
    /// `errorfile <file>`: a whole raw response.
    ErrorFile(Arc<Message>),
    /// `default-errorfiles`: the proxy's error response for the status.
    DefaultErrorFiles,
    /// `errorfiles <name>`: an `http-errors` section's response for the status, resolved
    /// after parsing (`crate::proxy::errors::resolve`; in `http-error`, an entry of the
    /// proxy's error list).
    ErrorFiles(String),
}

/// HAProxy's `http_parse_http_reply`: `default_status` when no `status` is given (0 for
/// `http-error`, which requires one).
pub(crate) fn parse_reply(
    args: &[String],
    i: &mut usize,
    cx: &mut Cx<'_>,
    b: &mut ProxiesBuilder,
    default_status: u16,
) -> Result<Reply, String> {
    let mut status: u16 = default_status;
    let mut ctype: Option<String> = None;
    let mut body = ReplyBody::Empty;
    let mut payload_arg: Option<&str> = None;
    let mut headers = Vec::new();
    let get = |k: usize| args.get(k).map(String::as_str).filter(|s| !s.is_empty());
    while let Some(word) = args.get(*i).map(String::as_str) {
        let payload = |body: &ReplyBody, prev: Option<&str>| -> Result<(), String> {
            if *body != ReplyBody::Empty || prev.is_some() {
                return Err(format!(
                    "unexpected '{word}' argument, '{}' already defined",
                    prev.unwrap_or("")
                ));
            }
            Ok(())
        };
        match word {
            "status" => {
                let v = get(*i + 1).ok_or("'status' expects <status_code> as argument")?;
                let s = atol(v);
                if !(200..=599).contains(&s) {
                    return Err(format!("Unexpected status code '{}'", s as i32));
                }
                status = s as u16;
                *i += 2;
            }
            "content-type" => {
                let v = get(*i + 1).ok_or("'content-type' expects <ctype> as argument")?;
                ctype = Some(v.to_string());
                *i += 2;
            }
            "default-errorfiles" => {
                payload(&body, payload_arg)?;
                body = ReplyBody::DefaultErrorFiles;
                payload_arg = Some(word);
                *i += 1;
            }
            "errorfile" => {
                payload(&body, payload_arg)?;
                let v = get(*i + 1).ok_or("'errorfile' expects <fmt> as argument")?;
                let loaded = load_message(v, &cx.path(v), b.bufsize())?;
                if let Some(w) = loaded.warning {
                    cx.diags.push(Diagnostic::warning(None, w));
                }
                body = ReplyBody::ErrorFile(loaded.message);
                payload_arg = Some(word);
                *i += 2;
            }
            "errorfiles" => {
                payload(&body, payload_arg)?;
                let v = get(*i + 1).ok_or("'errorfiles' expects <name> as argument")?;
                body = ReplyBody::ErrorFiles(v.to_string());
                payload_arg = Some(word);
                *i += 2;
            }
            "file" => {
                payload(&body, payload_arg)?;
                let v = get(*i + 1).ok_or("'file' expects <file> as argument")?;
                let data =
                    std::fs::read(cx.path(v)).map_err(|_| format!("error opening file '{v}'"))?;
                let max = b.bufsize();
                if data.len() > max {
                    return Err(format!(
                        "file '{v}' exceeds the buffer size ({} > {max})",
                        data.len()
                    ));
                }
                body = ReplyBody::Raw(data);
                payload_arg = Some(word);
                *i += 2;
            }
            "string" => {
                payload(&body, payload_arg)?;
                let v = args
                    .get(*i + 1)
                    .ok_or("'string' expects <str> as argument")?;
                body = ReplyBody::Raw(v.as_bytes().to_vec());
                payload_arg = Some(word);
                *i += 2;
            }
            "lf-file" | "lf-string" => {
                return Err(format!("'{word}' argument is not supported yet"));
            }
            "hdr" => {
                let (Some(n), Some(v)) = (get(*i + 1), get(*i + 2)) else {
                    return Err("'hdr' expects <name> and <value> as arguments".into());
                };
                if ["content-length", "transfer-encoding", "content-type"]
                    .iter()
                    .any(|h| n.eq_ignore_ascii_case(h))
                {
                    cx.warn(format!("header '{n}' always ignored by the http reply."));
                    *i += 3;
                    continue;
                }
                if v.contains('%') {
                    return Err("'hdr' with a log-format value is not supported yet".into());
                }
                headers.push((n.to_string(), v.to_string()));
                *i += 3;
            }
            _ => break,
        }
    }
    match &body {
        ReplyBody::Empty => {
            if let Some(ct) = ctype.take() {
                cx.warn(format!("content-type '{ct}' ignored by the http reply because neither errorfile nor payload defined."));
            }
        }
        ReplyBody::DefaultErrorFiles | ReplyBody::ErrorFile(_) | ReplyBody::ErrorFiles(_) => {
            if !matches!(body, ReplyBody::ErrorFile(_)) && !HTTP_ERR_CODES.contains(&status) {
                return Err(format!(
                    "status code '{status}' not handled by default with '{}' argument.",
                    payload_arg.unwrap_or("")
                ));
            }
            if let Some(ct) = ctype.take() {
                cx.warn(format!(
                    "content-type '{ct}' ignored by the http reply when used with an erorrfile."
                ));
            }
            if !headers.is_empty() {
                headers.clear();
                cx.warn("hdr parameters ignored by the http reply when used with an erorrfile.");
            }
        }
        ReplyBody::Raw(data) => {
            if (status == 204 || status == 304) && !data.is_empty() {
                return Err(format!("No body expected for {status} responses"));
            }
            if ctype.is_none() && !data.is_empty() {
                return Err(
                    "a content type must be defined when non-empty payload is configured".into(),
                );
            }
            if data.is_empty() {
                if let Some(ct) = ctype.take() {
                    cx.warn(format!("content-type '{ct}' ignored by the http reply when used with an empty payload."));
                }
            }
        }
    }
    Ok(Reply {
        status,
        content_type: ctype,
        body,
        headers,
    })
}
