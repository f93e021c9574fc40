//! Capture slots of a frontend (configuration manual 4.2 `capture request header`,
//! `capture response header`, `capture cookie`, `declare capture`; HAProxy's
//! `cfg_parse_listen` and `proxy_parse_declare`).
//!
//! A frontend has two numbered lists of slots, one per direction. Request slots are
//! shared, in declaration order, by `capture request header`, `declare capture request`,
//! `http-request capture ... len` and `tcp-request content capture` (the rules take
//! theirs through [`super::Proxy::req_captures`]); response slots by `capture response
//! header` and `declare capture response`. `http-request capture ... id` and
//! `http-response capture ... id` fill declared slots, checked here once the section
//! is read ([`check_rules`]). `capture cookie` names the cookie whose first
//! occurrence in the request (`Cookie`) and the response (`Set-Cookie`) the log line
//! reports (`%CC`, `%CS`).

use super::{Cap, ProxiesBuilder};
use crate::cnum::atol;
use crate::kw::Cx;
use rampart_config::{Diagnostic, Span};
use rampart_core::cnum::{strtol, Base};

/// One slot a directive declared (the rules' own `len` slots are in their actions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapDecl {
    /// A response slot.
    pub response: bool,
    /// Its number among the frontend's slots of its direction.
    pub index: usize,
    /// The longest value kept, in bytes.
    pub len: usize,
    /// `capture ... header <name>`: the header filling the slot (its last occurrence);
    /// `None` for `declare capture`.
    pub header: Option<String>,
    pub span: Span,
}

/// The slots the directives of a frontend declared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captures {
    pub decls: Vec<CapDecl>,
    /// Response slots so far (HAProxy's `nb_rsp_cap`).
    pub res_count: usize,
    /// `capture cookie <name> len <len>` (the last one counts).
    pub cookie: Option<CookieCapture>,
}

/// `capture cookie`: the first cookie whose name starts with `name`, kept as
/// `name=value` cut to `len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieCapture {
    pub name: String,
    pub len: usize,
    pub span: Span,
}

/// HAProxy's `tune.http.cookielen` default (`CAPTURE_LEN`): captures keep one byte less.
pub const COOKIE_LEN: usize = 64;

/// `capture cookie <name> len <len>`, `capture request header <name> len <len>`,
/// `capture response header <name> len <len>`.
pub(crate) fn capture(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    // HAProxy warns, then declares the slot anyway; a backend never reads it.
    let no_fe = b.warn_not_cap(cx, Cap::Fe, "capture", "");
    let word = |i: usize| cx.arg(i).unwrap_or("");
    let kind = word(0);
    let header = word(1) == "header";
    if kind != "cookie" && !(header && (kind == "request" || kind == "response")) {
        return Err("'capture' expects 'cookie' or 'request header' or 'response header'.".into());
    }
    if b.in_defaults() {
        return Err(format!(
            "'capture {kind}' not allowed in 'defaults' section."
        ));
    }
    if !word(5).is_empty() {
        return Err(format!(
            "'capture {kind}' cannot handle unexpected argument '{}'.",
            word(5)
        ));
    }
    if kind == "cookie" {
        if word(3).is_empty() {
            return Err("'capture' expects 'cookie' <cookie_name> 'len' <len>.".into());
        }
        let span = cx.span();
        b.px().captures.cookie = Some(CookieCapture {
            name: word(1).to_string(),
            len: usize::try_from(atol(word(3))).unwrap_or(0),
            span,
        });
        return Ok(());
    }
    if word(2).is_empty() || word(3) != "len" || word(4).is_empty() {
        return Err(format!(
            "'capture {kind}' expects 'header' <header_name> 'len' <len>."
        ));
    }
    let len = usize::try_from(atol(word(4))).unwrap_or(0);
    let response = kind == "response";
    let name = word(2).to_string();
    let span = cx.span();
    let p = b.px();
    let index = take_slot(p, response);
    if !no_fe {
        p.captures.decls.push(CapDecl {
            response,
            index,
            len,
            header: Some(name),
            span,
        });
    }
    Ok(())
}

/// `declare capture request|response len <len>`.
pub(crate) fn declare(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.in_defaults() {
        return Err("'declare' not available in default section".into());
    }
    if !b.has_cap(Cap::Fe) {
        return Err("'declare' only available in frontend or listen section".into());
    }
    let word = |i: usize| cx.arg(i).unwrap_or("");
    match word(0) {
        "" => {
            return Err(
                "'declare' needs a second keyword that specify the type of declaration ('capture')"
                    .into(),
            )
        }
        "capture" => {}
        other => {
            return Err(format!(
                "unknown declaration type '{other}' (supports 'capture')"
            ))
        }
    }
    let dir = word(1);
    if dir != "request" && dir != "response" {
        return Err("'declare capture' requires a direction ('request' or 'response')".into());
    }
    if word(2) != "len" {
        return Err("'declare capture' requires a capture length ('len')".into());
    }
    let text = word(3);
    if text.is_empty() {
        return Err(
            "'declare capture': 'len' requires a numeric value that represents the capture length"
                .into(),
        );
    }
    let (len, used) = strtol(text, Base::Ten);
    if used < text.len() {
        // HAProxy names the word before the number here.
        return Err("'declare capture': cannot parse the length 'len'.".into());
    }
    if len <= 0 {
        return Err("length must be > 0".into());
    }
    let response = dir == "response";
    let span = cx.span();
    let p = b.px();
    let index = take_slot(p, response);
    p.captures.decls.push(CapDecl {
        response,
        index,
        len: usize::try_from(len).unwrap_or(usize::MAX),
        header: None,
        span,
    });
    Ok(())
}

/// The next slot of a direction.
fn take_slot(p: &mut super::Proxy, response: bool) -> usize {
    let n = if response {
        &mut p.captures.res_count
    } else {
        &mut p.req_captures
    };
    *n += 1;
    *n - 1
}

/// HAProxy's check of the HTTP rules capturing into a declared slot
/// (`check_http_req_capture`, `check_http_res_capture`): a frontend must have the slot.
pub(crate) fn check_rules(p: &super::Proxy, cx: &mut crate::LowerCx<'_>) {
    let fe = p.is_fe();
    for r in p.http_request.iter().chain(&p.http_response) {
        if let Err(msg) = r
            .act
            .check_capture(fe, p.req_captures, p.captures.res_count)
        {
            cx.diags.push(Diagnostic::alert(
                None,
                format!("Proxy '{}': {msg}.", p.name),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
