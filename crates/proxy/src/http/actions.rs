//! Running a proxy's HTTP rule sets (`http-request`, `redirect`, `http-response`,
//! `http-after-response`) over a stream with `rampart_rules::action`: each rule's
//! condition is tested on a read-only view, then its action edits the heads and
//! variables in place; a setting it asks for ([`Effect`]) is applied to the stream's
//! [`StreamFx`] (or to the client socket: `set-tos`, `set-mark`) before the next rule,
//! and the first verdict that ends the rule set is handed back as an [`Outcome`] for
//! the session to act on (answer, close, wait for the body). Steady state allocates
//! nothing: the scratch buffers are the thread's.

use crate::env::{Rules, StreamEnv, StreamFx};
use rampart_h1::{push_header_name, CaseMap, RequestHead, ResponseHead};
use rampart_model::proxy::http_act::HttpRule;
use rampart_net::Conn;
use rampart_rules::action::{Effect, HttpAct, Scratch, TimeoutKind, Txn, Verdict};
use rampart_rules::reply::Reply;
use rampart_rules::stream::{Dir, Stream};
use rampart_rules::vars::StreamVars;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How a rule set ended.
#[derive(Debug)]
pub enum Outcome<'r> {
    /// Every rule ran (or `allow` stopped the set): go on.
    Continue,
    /// Answer with this reply (`return`, `deny`, `tarpit`).
    Reply { reply: &'r Reply, kind: ReplyKind },
    /// Answer with a redirection; the location is the stream's `StreamFx::location`.
    Redirect(&'r rampart_rules::action::Redirect),
    /// Answer with the proxy's page for this status (failed rewrite: 500, invalid
    /// request: 400, on the response side 502).
    Status(u16),
    /// `auth`: 401 (407 for a proxy request with `option http-use-proxy-header`) with
    /// the realm.
    Auth(Option<&'r str>),
    /// `reject`: close without answering.
    Reject,
    /// Refused by `option http-restrict-req-hdr-names reject`: a denied request,
    /// answered with the proxy's 403 page.
    Forbidden,
    /// `silent-drop`: close without telling the client.
    SilentDrop,
    /// `wait-for-body` at rule `at`: wait up to `time_ms` for the body (or `at_least`
    /// bytes of it), then run the rule set on from the rule after it.
    Wait {
        at: usize,
        time_ms: u32,
        at_least: u32,
    },
    /// `use-service`: the service answers.
    Service(rampart_rules::action::Service),
}

impl Outcome<'_> {
    /// What ending so logs as the cause (`L` for the proxy's own answers, `P` for a
    /// refusal, `I` for an internal error); `None`: the stream goes on.
    pub fn term(&self) -> Option<rampart_rules::logfmt::TermErr> {
        use rampart_rules::logfmt::TermErr;
        Some(match self {
            Outcome::Continue | Outcome::Wait { .. } => return None,
            Outcome::Reply {
                kind: ReplyKind::Return,
                ..
            }
            | Outcome::Redirect(_)
            | Outcome::Service(_)
            | Outcome::Auth(_) => TermErr::Local,
            Outcome::Status(500) => TermErr::Internal,
            Outcome::Reply { .. }
            | Outcome::Status(_)
            | Outcome::Reject
            | Outcome::Forbidden
            | Outcome::SilentDrop => TermErr::PrxCond,
        })
    }
}

/// Which action answered with a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    Return,
    /// `deny`: counted as a denied request or response.
    Deny,
    /// `tarpit`: counted, held for `timeout tarpit`, then answered.
    Tarpit,
}

/// What one evaluation borrows besides the rules.
pub struct Cx<'a> {
    pub acls: &'a Rules<'a>,
    /// The stream's view for the fetches; what the rules set so far is added to it
    /// for each rule from `fx`.
    pub env: &'a StreamEnv<'a>,
    pub fx: &'a mut StreamFx,
    pub vars: &'a StreamVars,
    pub scratch: &'a mut Scratch,
    /// Where rewrites that failed are counted (the frontend's, the backend's once
    /// known, the listener's with `option socket-stats`).
    pub failed_rewrites: [Option<&'a AtomicU64>; 3],
    /// The client connection (`set-tos`, `set-mark`).
    pub cli: Option<&'a Conn>,
    /// The frontend's capture slots (`capture ... id` cuts to their lengths).
    pub caps: &'a crate::capture::CapSlots,
    /// `h1-case-adjust` spellings for the client (early hints).
    pub case: Option<&'a CaseMap>,
}

impl Cx<'_> {
    fn count_failed_rewrite(&self) {
        for c in self.failed_rewrites.iter().flatten() {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A rule failed (HAProxy's `return_int_err`): `eint` of the frontend and its
    /// listener, of the backend once chosen, and of the server on the response side.
    fn count_internal_error(&self, request: bool) {
        let (e, rt) = (self.env, &self.env.w.rt);
        if let Some(f) = rt.frontends.get(e.fe) {
            crate::stats::event(f, e.li, crate::stats::Ev::Eint);
        }
        if let Some(b) = e.be.and_then(|b| rt.backends.get(b)) {
            crate::state::inc(&b.counters.traffic.eint);
            if let Some(s) = e.srv.and_then(|s| b.servers.get(s)).filter(|_| !request) {
                crate::state::inc(&s.counters.traffic.eint);
            }
        }
    }

    /// A rule found the request invalid (HAProxy's `return_bad_req`): `ereq` of the
    /// frontend and its listener.
    fn count_bad_request(&self) {
        let (e, rt) = (self.env, &self.env.w.rt);
        if let Some(f) = rt.frontends.get(e.fe) {
            crate::stats::event(f, e.li, crate::stats::Ev::Ereq);
        }
    }
}

/// Runs request rules from rule `from` over `req`, whose buffered body bytes are
/// `data` (`complete`: the whole body).
pub fn run_request<'r>(
    rules: &'r [HttpRule],
    cx: &mut Cx<'_>,
    req: &mut RequestHead,
    data: &[u8],
    complete: bool,
    from: usize,
) -> Outcome<'r> {
    let on = On {
        req: Some(req),
        res: None,
        data,
        complete,
        dir: Dir::Req,
    };
    run(rules, cx, on, from)
}

/// Runs response rules (`http-response`, `http-after-response`) from rule `from` over
/// `res`; the request head, when there is one, is lent for reading only (no response
/// action changes it), and `data` is the buffered response body.
pub fn run_response<'r>(
    rules: &'r [HttpRule],
    cx: &mut Cx<'_>,
    req: Option<&mut RequestHead>,
    res: &mut ResponseHead,
    data: &[u8],
    from: usize,
) -> Outcome<'r> {
    let on = On {
        req,
        res: Some(res),
        data,
        complete: true,
        dir: Dir::Res,
    };
    run(rules, cx, on, from)
}

/// What a rule set works on: the heads, and the buffered body of the direction `dir`.
struct On<'h> {
    req: Option<&'h mut RequestHead>,
    res: Option<&'h mut ResponseHead>,
    data: &'h [u8],
    complete: bool,
    dir: Dir,
}

/// Runs `rules` from rule `from`: each condition tested on a read-only view, then the
/// action over the heads.
fn run<'r>(rules: &'r [HttpRule], cx: &mut Cx<'_>, mut on: On<'_>, from: usize) -> Outcome<'r> {
    let (req_data, res_data) = match on.dir {
        Dir::Req => (on.data, &[][..]),
        Dir::Res => (&[][..], on.data),
    };
    let mut strict = true;
    for (i, r) in rules.iter().enumerate().skip(from) {
        let env = StreamEnv {
            fx: Some(&*cx.fx),
            ..*cx.env
        };
        if let Some(c) = &r.cond {
            let s = Stream {
                req: on.req.as_deref(),
                res: on.res.as_deref(),
                req_data,
                res_data,
                req_complete: on.complete,
                dir: on.dir,
                vars: Some(cx.vars),
                ..Stream::new(&env)
            };
            if !c.holds(cx.acls.acls, &s, &cx.acls.cx) {
                continue;
            }
        }
        let mut tx = Txn {
            env: &env,
            req: on.req.as_deref_mut(),
            res: on.res.as_deref_mut(),
            req_data,
            res_data,
            req_complete: on.complete,
            dir: on.dir,
            vars: cx.vars,
            cx: &cx.acls.cx,
            scratch: cx.scratch,
            strict,
        };
        let v = r.act.exec(&mut tx);
        strict = tx.strict;
        if let Some(o) = verdict(v, cx, rules, i, on.dir == Dir::Req) {
            return o;
        }
    }
    Outcome::Continue
}

/// The outcome of the verdict of rule `i` of `rules`, `None` to go on with the next
/// rule.
fn verdict<'r>(
    v: Verdict<'r>,
    cx: &mut Cx<'_>,
    rules: &'r [HttpRule],
    i: usize,
    request: bool,
) -> Option<Outcome<'r>> {
    if !matches!(
        v,
        Verdict::Continue
            | Verdict::Effect(_)
            | Verdict::RewriteFailed
            | Verdict::WaitForBody { .. }
    ) {
        // The rule that ended the set (`last_rule_file`, `last_rule_line`).
        cx.fx.last_rule = rules.get(i).map(|r| r.span);
    }
    Some(match v {
        Verdict::Continue => return None,
        Verdict::Effect(e) => {
            effect(e, cx, rules, i);
            return None;
        }
        Verdict::RewriteFailed => {
            cx.count_failed_rewrite();
            return None;
        }
        Verdict::Stop => Outcome::Continue,
        Verdict::Error { failed_rewrite } => {
            if failed_rewrite {
                cx.count_failed_rewrite();
            }
            cx.count_internal_error(request);
            Outcome::Status(500)
        }
        Verdict::BadRequest if request => {
            cx.count_bad_request();
            Outcome::Status(400)
        }
        Verdict::BadRequest => Outcome::Status(502),
        Verdict::Deny(reply) => Outcome::Reply {
            reply,
            kind: ReplyKind::Deny,
        },
        Verdict::Return(reply) => Outcome::Reply {
            reply,
            kind: ReplyKind::Return,
        },
        Verdict::Tarpit(reply) => Outcome::Reply {
            reply,
            kind: ReplyKind::Tarpit,
        },
        Verdict::Reject => Outcome::Reject,
        Verdict::SilentDrop => Outcome::SilentDrop,
        Verdict::Redirect(rule) => {
            cx.fx.location.clear();
            cx.fx.location.extend_from_slice(&cx.scratch.out);
            Outcome::Redirect(rule)
        }
        Verdict::Auth { realm } => Outcome::Auth(realm),
        Verdict::Service(s) => Outcome::Service(s),
        Verdict::WaitForBody { time_ms, at_least } => Outcome::Wait {
            at: i,
            time_ms,
            at_least,
        },
    })
}

/// Applies a setting a rule asked for.
fn effect(e: Effect<'_>, cx: &mut Cx<'_>, rules: &[HttpRule], i: usize) {
    let fx = &mut *cx.fx;
    match e {
        Effect::SetSrc(a) => {
            let mut v = fx.addrs.unwrap_or(*cx.env.addrs);
            v.src = Some(a);
            fx.addrs = Some(v);
        }
        Effect::SetDst(a) => {
            let mut v = fx.addrs.unwrap_or(*cx.env.addrs);
            v.dst = Some(a);
            fx.addrs = Some(v);
        }
        Effect::SetTos(t) => {
            if let Some(c) = cx.cli {
                c.set_tos(t);
            }
        }
        Effect::SetMark(m) => {
            if let Some(c) = cx.cli {
                c.set_mark(m);
            }
        }
        Effect::SetNice(n) => fx.nice = n,
        Effect::SetLogLevel(l) => fx.log_level = Some(l),
        Effect::SetTimeout { which, ms } => {
            // 0 is HAProxy's `TICK_ETERNITY`: no timeout.
            let t = (ms > 0).then(|| Duration::from_millis(u64::from(ms)));
            match which {
                TimeoutKind::Server => fx.server_timeout = Some(t),
                TimeoutKind::Tunnel => fx.tunnel_timeout = Some(t),
            }
        }
        Effect::SetPriorityClass(c) => fx.prio_class = c,
        Effect::SetPriorityOffset(o) => fx.prio_offset = o,
        Effect::Capture(slot) => {
            // A slot the frontend does not have (an `id` in a backend's rule) is
            // left alone.
            let Some(len) = cx.caps.len(slot.response, slot.index) else {
                return;
            };
            fx.capture(slot.response, slot.index, &cx.scratch.out, len);
        }
        Effect::EarlyHint { name } => {
            if !fx.early_open {
                fx.early.extend_from_slice(b"HTTP/1.1 103 Early Hints\r\n");
                fx.early_open = true;
            }
            push_header_name(&mut fx.early, name.as_bytes(), cx.case);
            fx.early.extend_from_slice(b": ");
            fx.early.extend_from_slice(&cx.scratch.out);
            fx.early.extend_from_slice(b"\r\n");
            // The 103 ends unless the next rule is an unconditional `early-hint`.
            let more = rules
                .get(i + 1)
                .is_some_and(|n| n.cond.is_none() && matches!(*n.act, HttpAct::EarlyHint(_)));
            if !more {
                fx.early.extend_from_slice(b"\r\n");
                fx.early_open = false;
            }
        }
        Effect::DisableL7Retry => fx.no_l7_retry = true,
    }
}
