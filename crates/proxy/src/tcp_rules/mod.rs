//! The TCP rule sets in the data path (configuration manual 4.2 `tcp-request
//! connection|session|content`, `tcp-response content`, `tcp-request|tcp-response
//! inspect-delay`; HAProxy's `tcp_exec_l4_rules`, `tcp_exec_l5_rules`,
//! `tcp_inspect_request`, `tcp_inspect_response`).
//!
//! [`run_set`] runs one rule set once, sans-IO, over what is buffered: each condition is
//! tested on a read-only view (a condition that may change with more data answers
//! "miss": the set then waits when it may, as HAProxy's non-final passes do, and counts
//! it as no match on the final pass), each action through `rampart_rules::action::tcp`.
//! The sessions call it where HAProxy does: connection rules right after `accept()`,
//! session rules after the handshake, content rules before `use_backend` (in `mode tcp`
//! re-evaluated as data arrives, until they decide or `inspect-delay` ends: [`inspect`];
//! in `mode http` once per request, its head parsed), the backend's after it was chosen,
//! response rules on the server's first data ([`inspect_response`]).
//!
//! Modules: `hooks` (what the sessions call at each stage, both modes), `wait` (the
//! `mode tcp` passes that wait for data within `inspect-delay`), `env` (the rules'
//! view of the stream).

mod env;
mod hooks;
mod wait;

pub use env::RuleEnv;
pub(crate) use hooks::{http_content, http_refused, http_response};
pub use hooks::{on_connection, on_session};
pub use wait::{inspect, inspect_response, read_available, Inspected};

use crate::env::{StreamEnv, StreamFx};
use crate::state::{inc, Frontend, ProxyCounters};
use crate::worker::WorkerCx;
use rampart_h1::{RequestHead, ResponseHead};
use rampart_model::proxy::tcp_rules::{InheritedTcp, TcpRule};
use rampart_model::proxy::Proxy;
use rampart_net::{Conn, ConnAddrs};
use rampart_rules::acl::Test;
use rampart_rules::action::tcp::{TcpSet, TcpVerdict};
use rampart_rules::action::{Effect, Txn, Verdict};
use rampart_rules::conv::Cx;
use rampart_rules::stream::{Dir, Stream};
use rampart_rules::vars::StreamVars;
use std::time::Duration;

/// A proxy's TCP rule sets and inspect delays.
#[derive(Debug, Default)]
pub struct TcpRules {
    pub conn: Vec<TcpRule>,
    pub sess: Vec<TcpRule>,
    pub content: Vec<TcpRule>,
    pub response: Vec<TcpRule>,
    /// The rules of the named defaults section the proxy started from, run before its
    /// own, over that section's ACLs.
    pub def: Option<std::sync::Arc<InheritedTcp>>,
    /// `tcp-request inspect-delay`, `tcp-response inspect-delay`.
    pub inspect_delay: Option<Duration>,
    pub res_inspect_delay: Option<Duration>,
}

impl TcpRules {
    pub fn of(p: &Proxy) -> TcpRules {
        let ms = |v: u32| (v > 0).then(|| Duration::from_millis(u64::from(v)));
        TcpRules {
            conn: p.tcp_request_connection.clone(),
            sess: p.tcp_request_session.clone(),
            content: p.tcp_request_content.clone(),
            response: p.tcp_response_content.clone(),
            def: p.tcp_defaults.clone(),
            inspect_delay: ms(p.tcp_request_inspect_delay),
            res_inspect_delay: ms(p.tcp_response_inspect_delay),
        }
    }

    /// Some rule set is not empty (a session then keeps a variable store).
    pub fn any(&self) -> bool {
        [
            TcpSet::Connection,
            TcpSet::Session,
            TcpSet::Content,
            TcpSet::Response,
        ]
        .into_iter()
        .any(|set| self.has(set))
    }

    /// The rule set has a rule, its own or its defaults section's.
    pub fn has(&self, set: TcpSet) -> bool {
        !self.own(set).is_empty()
            || self
                .def
                .as_ref()
                .is_some_and(|d| !def_list(d, set).is_empty())
    }

    fn own(&self, set: TcpSet) -> &[TcpRule] {
        match set {
            TcpSet::Connection => &self.conn,
            TcpSet::Session => &self.sess,
            TcpSet::Content => &self.content,
            TcpSet::Response => &self.response,
        }
    }
}

fn def_list(d: &InheritedTcp, set: TcpSet) -> &[TcpRule] {
    match set {
        TcpSet::Connection => &d.connection,
        TcpSet::Session => &d.session,
        TcpSet::Content => &d.content,
        TcpSet::Response => &d.response,
    }
}

/// Runs a proxy's rule set: its defaults section's rules first, over that section's
/// ACLs, then its own over `acls`; `accept` ends both lists. `skip_def` replays
/// HAProxy's resumption (`tcp_inspect_request`): a pass that waited in the defaults
/// section's list resumes with the proxy's own list, the next one starts over.
/// `cli` is the client connection (`set-mark`, `set-tos`).
#[allow(clippy::too_many_arguments)]
pub fn run_set(
    t: &TcpRules,
    set: TcpSet,
    acls: &[rampart_rules::acl::Acl],
    rc: &mut RuleCx<'_>,
    cli: &Conn,
    mut data: Data<'_>,
    partial: bool,
    skip_def: &mut bool,
) -> Decision {
    if let Some(d) = t.def.as_deref() {
        if !std::mem::take(skip_def) {
            let part = Data {
                req: data.req.as_deref_mut(),
                res: data.res.as_deref_mut(),
                ..data
            };
            match eval(def_list(d, set), set, &d.acls, rc, cli, part, partial) {
                Decision::Continue => {}
                Decision::Wait => {
                    *skip_def = true;
                    return Decision::Wait;
                }
                Decision::Accept => return Decision::Continue,
                other => return other,
            }
        }
    }
    match eval(t.own(set), set, acls, rc, cli, data, partial) {
        Decision::Accept => Decision::Continue,
        d => d,
    }
}

/// How a rule set ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Every rule ran, or `accept` stopped the set: go on.
    Continue,
    /// `accept` (within [`run_set`] only: it ends the defaults section's list and the
    /// proxy's).
    Accept,
    /// A condition needs more data and the set may still wait for it.
    Wait,
    /// `reject`: close (counted as denied).
    Reject,
    /// `silent-drop`: close with a reset, without a word to the client.
    SilentDrop,
    /// `tcp-response content close`: close both sides.
    Close,
    /// `switch-mode http`: go on as an HTTP session.
    SwitchHttp,
}

/// The stream as the rules see it, owned by the caller across evaluations so that
/// `set-src`, `set-dst`, `expect-proxy` last.
pub struct RuleCx<'a> {
    pub w: &'a WorkerCx,
    /// The addresses the stream reports (`src`, `dst`), which `set-src`... change.
    pub addrs: ConnAddrs,
    /// The client connection's own addresses (`fc_src`...): only connection rules
    /// change them.
    pub conn: ConnAddrs,
    pub fe: usize,
    /// The listener (index in the frontend's).
    pub li: usize,
    pub be: Option<usize>,
    pub srv: Option<usize>,
    pub http: bool,
    pub first: bool,
    pub vars: &'a StreamVars,
    /// `expect-proxy layer4` ran.
    pub expect_proxy: bool,
    /// What the rules set on the stream (captures, queue priority, nice value, log
    /// level); `None` before there is a stream (connection and session rules).
    pub fx: Option<&'a mut StreamFx>,
}

/// What a rule set reads.
#[derive(Default)]
pub struct Data<'d> {
    /// The request head: parsed by the HTTP session in `mode http`; in `mode tcp`,
    /// read from the payload when it holds a whole HTTP/1 request head (HAProxy's
    /// `smp_prefetch_htx` on a raw buffer).
    pub req: Option<&'d mut RequestHead>,
    /// The request head, read-only (response rules in `mode http`).
    pub req_view: Option<&'d RequestHead>,
    /// The response head (`tcp-response content` rules in `mode http`).
    pub res: Option<&'d mut ResponseHead>,
    /// In `mode tcp`, the payload is empty or begins an HTTP request head that is not
    /// whole yet: HTTP fetches then "may change" (they wait on a non-final pass), as
    /// HAProxy's raw-buffer prefetch says of a buffer without a whole head.
    pub head_partial: bool,
    pub req_data: &'d [u8],
    pub res_data: &'d [u8],
}

/// Runs one list of rules of `set` once over `data`, conditions over `acls`.
/// `partial`: more data may come (the inspect delay runs, the buffer is neither full
/// nor closed), so a condition that may change waits instead of failing.
#[allow(clippy::too_many_arguments)]
fn eval(
    rules: &[TcpRule],
    set: TcpSet,
    acls: &[rampart_rules::acl::Acl],
    rc: &mut RuleCx<'_>,
    cli: &Conn,
    mut data: Data<'_>,
    partial: bool,
) -> Decision {
    if rules.is_empty() {
        return Decision::Continue;
    }
    let cx = Cx {
        bufsize: rc.w.rt.bufsize,
    };
    let dir = if set == TcpSet::Response {
        Dir::Res
    } else {
        Dir::Req
    };
    let mut scratch = rc.w.scratch.borrow_mut();
    let mut decision = Decision::Continue;
    for r in rules {
        let senv = StreamEnv {
            fx: rc.fx.as_deref(),
            w: rc.w,
            addrs: &rc.addrs,
            fe: rc.fe,
            li: rc.li,
            be: rc.be,
            srv: rc.srv,
            first: rc.first,
            http: rc.http,
        };
        let env = RuleEnv {
            inner: &senv,
            partial,
            conn: (rc.conn != rc.addrs).then_some(rc.conn),
        };
        if let Some(c) = &r.cond {
            let s = Stream {
                req: data.req.as_deref().or(data.req_view),
                res: data.res.as_deref(),
                req_data: data.req_data,
                res_data: data.res_data,
                dir,
                vars: Some(rc.vars),
                ..Stream::new(&env)
            };
            let t = if partial && data.head_partial {
                test_waiting_head(c, acls, &s, &cx)
            } else {
                c.test(acls, &s, &cx)
            };
            match t {
                Test::Pass => {}
                Test::Miss if partial => return Decision::Wait,
                Test::Miss | Test::Fail => continue,
            }
        }
        let mut tx = Txn {
            env: &env,
            req: data.req.as_deref_mut(),
            res: data.res.as_deref_mut(),
            req_data: data.req_data,
            res_data: data.res_data,
            req_complete: false,
            dir,
            vars: rc.vars,
            cx: &cx,
            scratch: &mut scratch,
            strict: true,
        };
        let v = r.act.exec(&mut tx);
        decision = match v {
            TcpVerdict::Common(Verdict::Continue) => continue,
            TcpVerdict::Common(Verdict::Effect(e)) => {
                effect(e, set, rc, cli, &scratch.out);
                continue;
            }
            TcpVerdict::ExpectProxy => {
                rc.expect_proxy = true;
                continue;
            }
            TcpVerdict::Common(Verdict::Stop) => Decision::Accept,
            TcpVerdict::Common(Verdict::SilentDrop) => Decision::SilentDrop,
            TcpVerdict::Close => Decision::Close,
            // An HTTP stream is one already (HAProxy's action stops the set).
            TcpVerdict::SwitchHttp if rc.http => Decision::Accept,
            TcpVerdict::SwitchHttp => Decision::SwitchHttp,
            // `reject`, and what no TCP action answers (an internal error there).
            TcpVerdict::Common(_) => Decision::Reject,
        };
        // The rule that ended the set (`last_rule_file`, `last_rule_line`).
        if let Some(fx) = rc.fx.as_deref_mut() {
            fx.last_rule = Some(r.span);
        }
        break;
    }
    decision
}

/// Applies a setting a TCP rule asked for, as the HTTP rules' (`http::actions`): the
/// addresses on the rule context, the socket options on the client connection, the
/// rest on the stream.
fn effect(e: Effect<'_>, set: TcpSet, rc: &mut RuleCx<'_>, cli: &Conn, out: &[u8]) {
    match e {
        Effect::SetSrc(a) => {
            rc.addrs.src = Some(a);
            if set == TcpSet::Connection {
                rc.conn.src = Some(a);
            }
        }
        Effect::SetDst(a) => {
            rc.addrs.dst = Some(a);
            if set == TcpSet::Connection {
                rc.conn.dst = Some(a);
            }
        }
        Effect::SetMark(m) => cli.set_mark(m),
        Effect::SetTos(t) => cli.set_tos(t),
        e => {
            let Some(fx) = rc.fx.as_deref_mut() else {
                return;
            };
            match e {
                Effect::SetNice(n) => fx.nice = n,
                Effect::SetLogLevel(l) => fx.log_level = Some(l),
                Effect::SetPriorityClass(c) => fx.prio_class = c,
                Effect::SetPriorityOffset(o) => fx.prio_offset = o,
                // `tcp-request content capture ... len`: the value is cut already.
                Effect::Capture(slot) => {
                    let len = slot.len.unwrap_or(out.len());
                    fx.capture(slot.response, slot.index, out, len);
                }
                // No TCP action asks for the others.
                _ => {}
            }
        }
    }
}

/// `Cond::test` while the payload holds part of an HTTP request head: a criterion
/// reading the HTTP request that finds nothing answers "miss" (HAProxy's HTTP fetches
/// set `SMP_F_MAY_CHANGE` on an incomplete raw request), so the rule set waits.
fn test_waiting_head(
    c: &rampart_model::proxy::Cond,
    acls: &[rampart_rules::acl::Acl],
    s: &Stream<'_>,
    cx: &Cx,
) -> Test {
    use rampart_rules::fetch::place::Src;
    let acl_test = |a: &rampart_rules::acl::Acl| {
        let mut res = Test::Fail;
        for e in &a.exprs {
            let u = e.uses();
            // The capture fetches read the stream's slots and logged line, never the
            // buffer: they do not wait for a head (HAProxy's never say "may change").
            let http = (u.contains(Src::Hrqhv) || u.contains(Src::Hrqhp) || u.contains(Src::Hrqbo))
                && !e.expr.fetch.name.starts_with("capture.");
            match e.test(s, cx) {
                Test::Pass => return Test::Pass,
                Test::Fail if !http => {}
                _ => res = Test::Miss,
            }
        }
        res
    };
    c.test_with(acls, acl_test)
}

/// Counts a rule set's refusal where HAProxy does: `denied_conn`, `denied_sess`,
/// `denied_req` (the frontend's and its listener `li`'s, whichever proxy's rule; the
/// backend's too for `silent-drop`), `denied_resp` (frontend, listener and backend).
pub fn count(d: Decision, set: TcpSet, (fe, li): (&Frontend, usize), be: Option<&ProxyCounters>) {
    use crate::stats::{event, Ev};
    match (d, set) {
        (Decision::Reject, TcpSet::Connection) => event(fe, li, Ev::DeniedConn),
        (Decision::Reject, TcpSet::Session) => event(fe, li, Ev::DeniedSess),
        (Decision::Reject, TcpSet::Content) => event(fe, li, Ev::DeniedReq),
        (Decision::Reject, TcpSet::Response) => {
            event(fe, li, Ev::DeniedResp);
            if let Some(b) = be {
                inc(&b.denied_resp);
            }
        }
        (Decision::SilentDrop, _) => {
            event(fe, li, Ev::DeniedReq);
            if let Some(b) = be {
                inc(&b.denied_req);
            }
        }
        _ => {}
    }
}
