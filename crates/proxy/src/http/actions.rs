//! Running a proxy's HTTP rule sets (`http-request`, `redirect`, `http-response`) over a
//! stream with `rampart_rules::action`: each rule's condition is tested on a read-only
//! view, then its action edits the heads and variables in place; the first verdict that
//! ends the rule set is handed back as an [`Outcome`] for the session to act on (answer,
//! close, wait). Steady state allocates nothing: the scratch buffers are the thread's.

use crate::env::{Rules, StreamEnv};
use rampart_h1::{RequestHead, ResponseHead};
use rampart_model::proxy::http_act::HttpRule;
use rampart_rules::action::{Scratch, Txn, Verdict};
use rampart_rules::reply::Reply;
use rampart_rules::stream::{Dir, Stream};
use rampart_rules::vars::StreamVars;
use std::sync::atomic::Ordering;

/// How a rule set ended.
#[derive(Debug)]
pub enum Outcome<'r> {
    /// Every rule ran (or `allow` stopped the set): go on.
    Continue,
    /// Answer with this reply (`return`, `deny`, `tarpit`).
    Reply { reply: &'r Reply, tarpit: bool },
    /// Answer with a redirection; the response is written in `scratch.out` by the
    /// caller through the rule (`loc` is the location).
    Redirect {
        rule: &'r rampart_rules::action::Redirect,
        loc: Vec<u8>,
    },
    /// Answer with the proxy's page for this status (failed rewrite: 500, invalid
    /// request: 400, on the response side 502).
    Status(u16),
    /// `auth`: 401 with the realm.
    Auth(Option<&'r str>),
    /// Close without answering (`reject`, `silent-drop`).
    Close,
}

/// What one evaluation borrows besides the rules.
pub struct Cx<'a> {
    pub acls: &'a Rules<'a>,
    pub env: &'a StreamEnv<'a>,
    pub vars: &'a StreamVars,
    pub scratch: &'a mut Scratch,
    /// Rewrites that failed without ending the stream (`strict-mode off`).
    pub failed_rewrites: &'a std::sync::atomic::AtomicU64,
}

/// Runs request rules over `req`, whose buffered body bytes are `data`.
pub fn run_request<'r>(
    rules: &'r [HttpRule],
    cx: &mut Cx<'_>,
    req: &mut RequestHead,
    data: &[u8],
) -> Outcome<'r> {
    let mut strict = true;
    for r in rules {
        if let Some(c) = &r.cond {
            let s = Stream {
                req: Some(req),
                req_data: data,
                dir: Dir::Req,
                vars: Some(cx.vars),
                ..Stream::new(cx.env)
            };
            if !c.holds(cx.acls.acls, &s, &cx.acls.cx) {
                continue;
            }
        }
        let mut tx = Txn {
            env: cx.env,
            req: Some(req),
            res: None,
            req_data: data,
            res_data: &[],
            req_complete: false,
            dir: Dir::Req,
            vars: cx.vars,
            cx: &cx.acls.cx,
            scratch: cx.scratch,
            lf_var: None,
            strict,
        };
        let v = r.act.exec(&mut tx);
        strict = tx.strict;
        match verdict(v, cx, true) {
            Some(o) => return o,
            None => continue,
        }
    }
    Outcome::Continue
}

/// Runs response rules over `res` (the request head is still readable).
pub fn run_response<'r>(
    rules: &'r [HttpRule],
    cx: &mut Cx<'_>,
    req: &RequestHead,
    res: &mut ResponseHead,
) -> Outcome<'r> {
    let mut strict = true;
    // The response rules read the request, never change it: a copy-free view is lent
    // through a mutable borrow the actions do not use.
    for r in rules {
        if let Some(c) = &r.cond {
            let s = Stream {
                req: Some(req),
                res: Some(res),
                dir: Dir::Res,
                vars: Some(cx.vars),
                ..Stream::new(cx.env)
            };
            if !c.holds(cx.acls.acls, &s, &cx.acls.cx) {
                continue;
            }
        }
        let v = {
            let mut tx = Txn {
                env: cx.env,
                req: None,
                res: Some(res),
                req_data: &[],
                res_data: &[],
                req_complete: true,
                dir: Dir::Res,
                vars: cx.vars,
                cx: &cx.acls.cx,
                scratch: cx.scratch,
                lf_var: None,
                strict,
            };
            let v = r.act.exec(&mut tx);
            strict = tx.strict;
            v
        };
        match verdict(v, cx, false) {
            Some(o) => return o,
            None => continue,
        }
    }
    Outcome::Continue
}

/// The outcome of a verdict, `None` to go on with the next rule.
fn verdict<'r>(v: Verdict<'r>, cx: &mut Cx<'_>, request: bool) -> Option<Outcome<'r>> {
    Some(match v {
        Verdict::Continue | Verdict::Effect(_) => return None,
        Verdict::RewriteFailed => {
            cx.failed_rewrites.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Verdict::Stop => Outcome::Continue,
        Verdict::Error { failed_rewrite } => {
            if failed_rewrite {
                cx.failed_rewrites.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Status(500)
        }
        Verdict::BadRequest => Outcome::Status(if request { 400 } else { 502 }),
        Verdict::Deny(reply) | Verdict::Return(reply) => Outcome::Reply {
            reply,
            tarpit: false,
        },
        Verdict::Tarpit(reply) => Outcome::Reply {
            reply,
            tarpit: true,
        },
        Verdict::Reject | Verdict::SilentDrop => Outcome::Close,
        Verdict::Redirect(rule) => Outcome::Redirect {
            rule,
            loc: cx.scratch.out.clone(),
        },
        Verdict::Auth { realm } => Outcome::Auth(realm),
        // Waiting for a body is decided before the rules by `option
        // http-buffer-request`; a rule asking for it goes on with what is buffered.
        Verdict::WaitForBody { .. } => return None,
    })
}
