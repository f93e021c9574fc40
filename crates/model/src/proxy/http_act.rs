//! `http-request`, `http-response`, `http-after-response` and `redirect` lines
//! (configuration manual 4.2; HAProxy's `parse_http_req_cond` and friends): the action is
//! read by `rampart_rules::action`, its condition over the proxy's ACLs by
//! [`super::acls`], and HAProxy's messages are put back around their errors and
//! warnings. After parsing, map actions are bound to their file's reference and
//! `errorfiles` replies to their `http-errors` section ([`finish`]).

use super::{Cond, ProxiesBuilder, Proxy};
use crate::kw::Cx;
use rampart_config::{Diagnostic, Form, Span};
use rampart_rules::action::http::{self, HttpAct};
use rampart_rules::action::{ActCx, ErrKind, RuleSet};
use rampart_rules::args::ArgCtx;
use rampart_rules::fetch::place::Ckp;
use rampart_rules::pattern::{FileSource, Registry};
use std::path::Path;
use std::sync::Arc;

/// One rule: the action and its condition.
#[derive(Clone, Debug)]
pub struct HttpRule {
    pub act: Arc<HttpAct>,
    pub cond: Option<Cond>,
    pub span: Span,
    /// The argument context of the action's expressions, for the messages of
    /// argument resolution ([`super::acls::resolve`]).
    pub ctx: ArgCtx,
}

/// Payload files, read relative to the line's directory.
struct Files<'a>(&'a Path);

impl FileSource for Files<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.0.join(path)).map_err(|_| format!("error opening file '{path}'"))
    }
}

/// Runs `f` with the context the action parsers need for the current proxy (its
/// capabilities and mode, the buffer sizes, map files, `expose-experimental-directives`),
/// then reports the warnings and keeps what the parse declared: request capture slots
/// and `proc.` variables.
pub(crate) fn with_act_cx<R>(
    b: &mut ProxiesBuilder,
    cx: &mut Cx<'_>,
    f: impl FnOnce(&mut ActCx<'_>) -> R,
) -> R {
    let base = cx.base_dir.to_path_buf();
    let files = Files(&base);
    let p = b.cur();
    let name = p.name.clone();
    let (fe, be, http_mode) = (p.is_fe(), p.is_be(), p.mode == super::Mode::Http);
    let req_captures = p.req_captures;
    let (bufsize, maxrewrite, experimental) = (b.bufsize, b.maxrewrite, b.experimental);
    let (r, warnings, captures, proc_vars) = b.with_acls(cx, |_, lcx| {
        let mut load = |n: &str, a: &mut [rampart_rules::args::Arg]| {
            rampart_rules::expr::load(n, a, &mut *lcx)
        };
        let mut acx = ActCx::new(&name, &files);
        acx.frontend = fe;
        acx.backend = be;
        acx.http_mode = http_mode;
        acx.bufsize = bufsize;
        acx.maxrewrite = maxrewrite;
        acx.req_captures = req_captures;
        acx.experimental = experimental;
        acx.load = Some(&mut load);
        let r = f(&mut acx);
        let warnings = std::mem::take(&mut acx.warnings);
        let proc_vars = std::mem::take(&mut acx.proc_vars);
        (r, warnings, acx.req_captures, proc_vars)
    });
    report_warnings(cx, warnings);
    b.px().req_captures = captures;
    b.proc_vars.extend(proc_vars);
    r
}

pub(crate) fn http_request(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, RuleSet::HttpRequest)
}

pub(crate) fn http_response(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, RuleSet::HttpResponse)
}

pub(crate) fn http_after_response(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, RuleSet::HttpAfterResponse)
}

/// `redirect location|prefix|scheme <to> [options] [if|unless <cond>]`: a rule of its
/// own list, run after the `http-request` rules.
pub(crate) fn redirect(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.not_in_defaults("redirect")?;
    let words: Vec<&str> = std::iter::once("redirect")
        .chain(cx.args().iter().map(String::as_str))
        .collect();
    let mut idx = 1;
    let name = b.cur().name.clone();
    let r = with_act_cx(b, cx, |acx| {
        rampart_rules::action::redirect::parse(&words, &mut idx, RuleSet::HttpRequest, false, acx)
    });
    let ty = b.cur().kind.type_str();
    let red = r.map_err(|e| {
        format!(
            "error detected in {ty} '{name}' while parsing redirect rule : {}.",
            e.msg
        )
    })?;
    let cond = match cond_at(b, cx, &words, idx, RuleSet::HttpRequest, "redirect") {
        Ok(c) => c,
        Err(e) if e.is_empty() => return Ok(()),
        Err(e) => {
            return Err(format!(
                "error detected in {ty} '{name}' while parsing redirect rule : error in condition: {e}."
            ))
        }
    };
    super::order::place(b, cx, super::order::Stage::Redirect, "redirect");
    let span = cx.span();
    let ctx = b.args_ctx;
    b.px().redirects.push(HttpRule {
        act: Arc::new(HttpAct::Redirect(red)),
        cond,
        span,
        ctx,
    });
    Ok(())
}

/// One `http-request` / `http-response` / `http-after-response` line. A rule that
/// cannot be built stops the load there, as HAProxy's `ERR_ABORT`.
fn rule(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, set: RuleSet) -> Result<(), String> {
    if let Err(msg) = rule_inner(b, cx, set) {
        cx.diags.abort_with(Diagnostic::alert(Some(cx.span()), msg));
    }
    Ok(())
}

fn rule_inner(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, set: RuleSet) -> Result<(), String> {
    let kw = set.keyword();
    if b.in_defaults() && b.cur().name.is_empty() {
        return Err(format!(
            "'{kw}' not allowed in anonymous 'defaults' section."
        ));
    }
    let words: Vec<&str> = std::iter::once(kw)
        .chain(cx.args().iter().map(String::as_str))
        .collect();
    let word = words.get(1).copied().unwrap_or("");
    let mut idx = 1;
    let (name, kind) = (b.cur().name.clone(), b.cur().kind);
    let parsed = with_act_cx(b, cx, |acx| http::parse(set, &words, &mut idx, acx));
    let act = match parsed {
        Ok(a) => a,
        Err(e) => {
            return match e.kind {
                ErrKind::Invalid => Err(format!(
                    "error detected in {} '{name}' while parsing '{kw} {word}' rule : {}.",
                    kind.type_str(),
                    e.msg
                )),
                ErrKind::Unknown => {
                    cx.diags
                        .abort_with(Diagnostic::alert(Some(cx.span()), e.msg).tight());
                    Ok(())
                }
                ErrKind::Experimental | ErrKind::NotYet => Err(e.msg),
            };
        }
    };
    let action = words
        .get(1)
        .map_or("", |w| &w[..w.find('(').unwrap_or(w.len())]);
    let what = format!("{kw} {action}");
    // HAProxy's parsers set the proxy's argument context before reading the action's
    // expressions, or leave it as it was (then the condition's ACLs set it).
    let (ctx, after) = act.arg_ctx(set, b.args_ctx);
    b.args_ctx = after;
    let cond = match cond_at(b, cx, &words, idx, set, &what) {
        Ok(c) => c,
        Err(e) if e.is_empty() => return Ok(()),
        Err(e) if action == "redirect" => {
            return Err(format!(
                "error detected in {} '{name}' while parsing '{kw} {word}' rule : error in condition: {e}.",
                kind.type_str()
            ))
        }
        Err(e) => {
            return Err(format!(
                "error detected while parsing an '{what}' condition : {e}."
            ))
        }
    };
    if after == ArgCtx::Rdr {
        // A redirection reads its condition before its format.
        b.args_ctx = after;
    }
    if set == RuleSet::HttpRequest {
        super::order::place(b, cx, super::order::Stage::HttpReq, "http-request");
    }
    let span = cx.span();
    let list = match set {
        RuleSet::HttpRequest => &b.cur().http_request,
        RuleSet::HttpResponse => &b.cur().http_response,
        RuleSet::HttpAfterResponse => &b.cur().http_after_response,
    };
    if list
        .last()
        .is_some_and(|r| r.cond.is_none() && r.act.is_final())
    {
        super::tight_warn(
            cx,
            format!(
                "previous '{kw}' action is final and has no condition attached, further entries are NOOP."
            ),
        );
    }
    let rule = HttpRule {
        act: Arc::new(act),
        cond,
        span,
        ctx,
    };
    let px = b.px();
    match set {
        RuleSet::HttpRequest => px.http_request.push(rule),
        RuleSet::HttpResponse => px.http_response.push(rule),
        RuleSet::HttpAfterResponse => px.http_after_response.push(rule),
    }
    Ok(())
}

/// The condition at `words[idx]`, if any, with the rule set's places; `what` names the
/// rule in messages (`http-request set-header`). `Err` holds the condition's own
/// message for the caller to word; empty when the line already aborted parsing.
pub(crate) fn cond_at(
    b: &mut ProxiesBuilder,
    cx: &mut Cx<'_>,
    words: &[&str],
    idx: usize,
    set: RuleSet,
    what: &str,
) -> Result<Option<Cond>, String> {
    match words.get(idx).copied() {
        None | Some("") => Ok(None),
        Some("if" | "unless") => {
            let (fe, be) = if set.is_response() {
                (Ckp::FeHrsHdr, Ckp::BeHrsHdr)
            } else {
                (Ckp::FeHrqHdr, Ckp::BeHrqHdr)
            };
            let place = b.places(fe, be);
            let cw: Vec<String> = words[idx..].iter().map(|w| (*w).to_string()).collect();
            b.parse_cond(cx, &cw, Some(place)).map(Some)
        }
        Some(other) => {
            let msg = format!(
                "'{what}' expects either 'if' or 'unless' followed by a condition but found '{other}'."
            );
            cx.diags.abort_with(Diagnostic::alert(Some(cx.span()), msg));
            Err(String::new())
        }
    }
}

/// Warnings of the action parser: tied to the line, or printed alone.
fn report_warnings(cx: &mut Cx<'_>, warnings: Vec<rampart_rules::action::Warning>) {
    for w in warnings {
        if w.located {
            cx.warn(w.msg);
        } else {
            cx.diags
                .push(Diagnostic::warning(Some(cx.span()), w.msg).form(Form::Bare));
        }
    }
}

/// After parsing: map and ACL actions bound to their file's reference.
pub(crate) fn bind(proxies: &mut [Proxy], registry: &Registry) {
    for p in proxies {
        for list in [
            &mut p.http_request,
            &mut p.http_response,
            &mut p.http_after_response,
        ] {
            for r in list.iter_mut() {
                if let Some(a) = Arc::get_mut(&mut r.act) {
                    a.bind_refs(registry);
                }
            }
        }
    }
}
