//! A proxy's custom error responses (configuration manual 4.2 `errorfile`, `errorfiles`,
//! `errorloc`, `errorloc302`, `errorloc303`, `http-error`; HAProxy's
//! `proxy_parse_errorfile`, `proxy_parse_errorloc`, `proxy_parse_errorfiles`,
//! `proxy_parse_http_error` and `proxy_check_errors`).
//!
//! Each line adds an entry to the proxy's list in configuration order, after the ones
//! inherited from its `defaults` section ([`ErrorConf`]). Once every section is parsed,
//! [`resolve`] walks each list in order into the proxy's table (status → what to send):
//! the last line for a status wins, `errorfiles <name>` takes the messages of an
//! `http-errors` section (a section that does not exist is an error, a listed code the
//! section lacks a warning), and `http-error status <code> default-errorfiles` goes back
//! to HAProxy's built-in page. At run time the backend's table is asked first, then the
//! frontend's, then the built-in pages (HAProxy's `http_error_message`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Cap, ProxiesBuilder, Proxy};
use crate::cnum::atol;
use crate::kw::Cx;
use crate::sections::errorfile::{
    err_code, errorloc_message, load_errorfile, Message, HTTP_ERR_CODES,
};
use crate::sections::http_errors::HttpErrors;
use crate::{LowerCx, Snapshot};
use rampart_config::{Diagnostic, Phase, Span};
use rampart_rules::reply::{Reply, ReplyBody};

/// What a proxy sends for a status it customises (HAProxy's `px->replies`).
#[derive(Clone, Debug)]
pub enum ErrorReply {
    /// A raw response: `errorfile`, `errorloc302/303`, an `http-errors` section's file,
    /// `http-error ... errorfile` (empty: nothing is sent, the connection is closed).
    Message(Arc<Message>),
    /// An `http-error` reply built from its arguments (status, payload, headers).
    Reply(Arc<Reply>),
}

/// Messages compare by content, built replies by identity (their log-format values
/// have no equality).
impl PartialEq for ErrorReply {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ErrorReply::Message(a), ErrorReply::Message(b)) => a == b,
            (ErrorReply::Reply(a), ErrorReply::Reply(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for ErrorReply {}

/// One error setting, in configuration order (HAProxy's `struct conf_errors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorConf {
    /// `errorfile`, `errorloc*`, `http-error`: the reply for `status` (`None`:
    /// `default-errorfiles`, HAProxy's built-in page).
    Set {
        status: u16,
        reply: Option<ErrorReply>,
    },
    /// `errorfiles <name> [<code>...]`, `http-error status <code> errorfiles <name>`:
    /// the messages of an `http-errors` section, resolved after parsing.
    Section {
        name: String,
        /// Bit `i` for `HTTP_ERR_CODES[i]` named explicitly; `None`: every code the
        /// section has.
        codes: Option<u32>,
        /// The line (a defaults section's for inherited entries).
        span: Span,
    },
    /// `http-error` with a reply built from its arguments; its expressions' arguments
    /// (proxy names...) are resolved once every section is read (`acls::resolve`,
    /// HAProxy's `ARGC_HERR` context), which needs the line.
    Built {
        status: u16,
        /// Always [`ErrorReply::Reply`].
        reply: ErrorReply,
        span: Span,
    },
}

/// A proxy's error settings and, once resolved, its table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyErrors {
    /// Every setting in order, inherited ones first.
    pub conf: Vec<ErrorConf>,
    /// The reply for each customised status (filled by [`resolve`]).
    pub table: BTreeMap<u16, ErrorReply>,
}

impl ProxyErrors {
    /// The reply for `status`, if customised (HAProxy's `http_get_status_idx` maps an
    /// unknown status to 500's entry).
    pub fn get(&self, status: u16) -> Option<&ErrorReply> {
        let key = if HTTP_ERR_CODES.contains(&status) {
            status
        } else {
            500
        };
        self.table.get(&key)
    }
}

fn bit(code: u16) -> u32 {
    HTTP_ERR_CODES
        .iter()
        .position(|&c| c == code)
        .map_or(0, |i| 1 << i)
}

/// A warning HAProxy prints without a location while loading a file.
fn file_warning(cx: &mut Cx<'_>, w: Option<String>) {
    if let Some(w) = w {
        cx.diags.push(Diagnostic::warning(None, w));
    }
}

/// `errorfile <code> <file>`: the file is read and validated while parsing.
pub(crate) fn errorfile(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Any, "errorfile", "") {
        return Ok(());
    }
    let (code, file) = (cx.arg(0).unwrap_or(""), cx.arg(1).unwrap_or(""));
    if code.is_empty() || file.is_empty() {
        return Err("errorfile : expects <status_code> and <file> as arguments.\n".into());
    }
    let path = cx.path(file);
    let (loaded, warning) = load_errorfile(atol(code), file, &path, b.bufsize())
        .map_err(|e| format!("errorfile : {e}"))?;
    file_warning(cx, warning);
    b.px().errors.conf.push(ErrorConf::Set {
        status: loaded.status,
        reply: Some(ErrorReply::Message(loaded.message)),
    });
    Ok(())
}

/// `errorloc|errorloc302|errorloc303 <code> <url>`: a redirection instead of the page.
pub(crate) fn errorloc(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    if b.warn_not_cap(cx, Cap::Any, kw, "") {
        return Ok(());
    }
    let (code, url) = (cx.arg(0).unwrap_or(""), cx.arg(1).unwrap_or(""));
    if code.is_empty() || url.is_empty() {
        return Err(format!(
            "{kw} : expects <status_code> and <url> as arguments.\n"
        ));
    }
    let errloc = if kw == "errorloc303" { 303 } else { 302 };
    let (status, msg) =
        errorloc_message(errloc, atol(code), url).map_err(|e| format!("{kw} : {e}"))?;
    b.px().errors.conf.push(ErrorConf::Set {
        status,
        reply: Some(ErrorReply::Message(Arc::new(msg))),
    });
    Ok(())
}

/// `errorfiles <name> [<code>...]`: an `http-errors` section's messages.
pub(crate) fn errorfiles(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Any, "errorfiles", "") {
        return Ok(());
    }
    let name = cx.arg(0).unwrap_or("");
    if name.is_empty() {
        return Err("errorfiles : expects <name> as argument.".into());
    }
    let mut codes = None;
    for c in cx.args()[1..].iter().take_while(|a| !a.is_empty()) {
        let status = atol(c);
        let code = err_code(status)
            .ok_or_else(|| format!("errorfiles : status code '{}' not handled.", status as i32))?;
        codes = Some(codes.unwrap_or(0) | bit(code));
    }
    let span = cx.span();
    b.px().errors.conf.push(ErrorConf::Section {
        name: name.to_string(),
        codes,
        span,
    });
    Ok(())
}

/// `http-error status <code> [content-type <type>] [payload] [hdr <name> <value>]*`,
/// read by the rules' reply parser (HAProxy's `http_parse_http_reply` in the
/// `ARGC_HERR` context): log-format payloads and `hdr` values are rendered per answer.
pub(crate) fn http_error(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Any, "http-error", "") {
        return Ok(());
    }
    let words: Vec<&str> = std::iter::once("http-error")
        .chain(cx.args().iter().map(String::as_str))
        .collect();
    let mut i = 1;
    let parsed = super::http_act::with_act_cx(b, cx, |acx| {
        rampart_rules::reply::parse_http_error(&words, &mut i, acx)
    });
    let reply = parsed.map_err(|e| format!("http-error : {e}"))?;
    if reply.status == 0 {
        return Err("http-error : expects at least a <status> as arguments.\n".into());
    }
    if err_code(i64::from(reply.status)).is_none() {
        return Err(format!(
            "http-error: status code '{}' not handled.",
            reply.status
        ));
    }
    if let Some(extra) = words.get(i).filter(|a| !a.is_empty()) {
        return Err(format!("http-error : unknown keyword '{extra}'."));
    }
    let status = reply.status;
    let entry = match reply.body {
        ReplyBody::ErrorFiles(name) => ErrorConf::Section {
            name,
            codes: Some(bit(status)),
            span: cx.span(),
        },
        ReplyBody::DefaultErrorFiles => ErrorConf::Set {
            status,
            reply: None,
        },
        ReplyBody::ErrorFile(msg) => ErrorConf::Set {
            status,
            reply: Some(ErrorReply::Message(msg)),
        },
        _ => ErrorConf::Built {
            status,
            reply: ErrorReply::Reply(Arc::new(reply)),
            span: cx.span(),
        },
    };
    b.px().errors.conf.push(entry);
    Ok(())
}

/// Once the whole configuration is parsed, for each enabled proxy in file order: the
/// `errorfiles <name>` replies of its `http-request` rules (HAProxy's
/// `http_check_http_reply`, in its configuration checks), then its table (HAProxy's
/// `proxy_check_errors`, a post-proxy check), resolving `http-errors` sections.
pub fn resolve(s: &mut Snapshot, cx: &mut LowerCx<'_>) {
    let start = cx.diags.len();
    let sections = &s.others.http_errors;
    // The rules of defaults sections that proxies run are checked with them.
    for p in s.defaults.iter_mut() {
        rule_replies(p, sections, cx);
    }
    for p in s.proxies.iter_mut().filter(|p| !p.disabled) {
        rule_replies(p, sections, cx);
    }
    for p in s.proxies.iter_mut().filter(|p| !p.disabled) {
        let mut table = BTreeMap::new();
        for c in &p.errors.conf {
            match c {
                ErrorConf::Built { status, reply, .. } => {
                    table.insert(*status, reply.clone());
                }
                ErrorConf::Set { status, reply } => match reply {
                    Some(r) => {
                        table.insert(*status, r.clone());
                    }
                    None => {
                        table.remove(status);
                    }
                },
                ErrorConf::Section { name, codes, span } => {
                    let at = cx.sources.display(*span).to_string();
                    let Some(sec) = sections.iter().find(|h| &h.name == name) else {
                        cx.diags.push(Diagnostic::alert(
                            None,
                            format!(
                                "proxy '{}': unknown http-errors section '{name}' (at {at}).",
                                p.name
                            ),
                        ));
                        continue;
                    };
                    for (i, &code) in HTTP_ERR_CODES.iter().enumerate() {
                        let explicit = codes.is_some_and(|m| m & (1 << i) != 0);
                        if codes.is_some() && !explicit {
                            continue;
                        }
                        match sec.files.get(&code) {
                            Some(f) => {
                                table.insert(code, ErrorReply::Message(f.message.clone()));
                            }
                            None if explicit => cx.diags.push(Diagnostic::warning(
                                None,
                                format!(
                                    "config: proxy '{}' : status '{code}' not declared in http-errors section '{name}' (at {at}).",
                                    p.name
                                ),
                            )),
                            None => {}
                        }
                    }
                }
            }
        }
        p.errors.table = table;
    }
    cx.diags.relabel_from(start, |d| d.phase = Phase::Check);
}

/// The `errorfiles <name>` replies of a proxy's `http-request` rules: the section's
/// message for the status, or an empty reply when the section has none (HAProxy warns).
fn rule_replies(p: &mut Proxy, sections: &[HttpErrors], cx: &mut LowerCx<'_>) {
    for rule in p
        .http_request
        .iter_mut()
        .chain(p.http_response.iter_mut())
        .chain(p.http_after_response.iter_mut())
    {
        let Some(reply) = std::sync::Arc::get_mut(&mut rule.act).and_then(|a| a.reply_mut()) else {
            continue;
        };
        let Some(name) = reply.errorfiles_section().map(str::to_string) else {
            continue;
        };
        let Some(sec) = sections.iter().find(|h| h.name == name) else {
            cx.diags.push(Diagnostic::alert(
                None,
                format!(
                    "Proxy '{}': unknown http-errors section '{name}' referenced by an http reply .",
                    p.name
                ),
            ));
            continue;
        };
        let status = reply.status;
        match sec.files.get(&status) {
            Some(f) => reply.resolve_errorfiles(Some(f.message.clone())),
            None => {
                cx.diags.push(Diagnostic::warning(
                    None,
                    format!(
                        "Proxy '{}': status '{status}' referenced by an http reply not declared in http-errors section '{name}'.",
                        p.name
                    ),
                ));
                reply.resolve_errorfiles(None);
            }
        }
    }
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
