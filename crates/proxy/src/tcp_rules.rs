//! The TCP rule sets in the data path (configuration manual 4.2 `tcp-request
//! connection|session|content`, `tcp-response content`, `tcp-request|tcp-response
//! inspect-delay`; HAProxy's `tcp_exec_l4_rules`, `tcp_exec_l5_rules`,
//! `tcp_inspect_request`, `tcp_inspect_response`).
//!
//! [`eval`] runs one rule set once, sans-IO, over what is buffered: each condition is
//! tested on a read-only view (a condition that may change with more data answers
//! "miss": the set then waits when it may, as HAProxy's non-final passes do, and counts
//! it as no match on the final pass), each action through `rampart_rules::action::tcp`.
//! The sessions call it where HAProxy does: connection rules right after `accept()`,
//! session rules after the handshake, content rules before `use_backend` (in `mode tcp`
//! re-evaluated as data arrives, until they decide or `inspect-delay` ends: [`inspect`];
//! in `mode http` once per request, its head parsed), the backend's after it was chosen,
//! response rules on the server's first data ([`inspect_response`]).

use crate::env::StreamEnv;
use crate::state::{inc, ProxyCounters};
use crate::worker::WorkerCx;
use rampart_h1::{parse_request, ParseOpts, Parsed, RequestHead, ResponseHead};
use rampart_model::proxy::tcp_rules::{InheritedTcp, TcpRule};
use rampart_model::proxy::Proxy;
use rampart_net::{Conn, ConnAddrs};
use rampart_rules::acl::Test;
use rampart_rules::action::tcp::{TcpSet, TcpVerdict};
use rampart_rules::action::{Effect, Txn, Verdict};
use rampart_rules::conv::Cx;
use rampart_rules::stream::{Dir, Env, Stat, Stream, Target, TaskTimes, TcpInfo};
use rampart_rules::vars::{StreamVars, VarSet};
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::RwLock;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

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
pub fn run_set(
    t: &TcpRules,
    set: TcpSet,
    acls: &[rampart_rules::acl::Acl],
    rc: &mut RuleCx<'_>,
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
            match eval(def_list(d, set), set, &d.acls, rc, part, partial) {
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
    match eval(t.own(set), set, acls, rc, data, partial) {
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
    pub be: Option<usize>,
    pub srv: Option<usize>,
    pub http: bool,
    pub first: bool,
    pub vars: &'a StreamVars,
    /// `expect-proxy layer4` ran.
    pub expect_proxy: bool,
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
    /// In `mode tcp`, the payload begins an HTTP request head that is not whole yet:
    /// HTTP fetches then "may change" (they wait on a non-final pass).
    pub head_partial: bool,
    pub req_data: &'d [u8],
    pub res_data: &'d [u8],
}

/// Runs one list of rules of `set` once over `data`. `partial`: more data may come (the
/// inspect delay runs, the buffer is neither full nor closed), so a condition that
/// may change waits instead of failing. `acls` are the proxy's; the deny counters
/// are `fe_ctr` (and `be_ctr` for the response side).
fn eval(
    rules: &[TcpRule],
    set: TcpSet,
    acls: &[rampart_rules::acl::Acl],
    rc: &mut RuleCx<'_>,
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
            w: rc.w,
            addrs: &rc.addrs,
            fe: rc.fe,
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
            lf_var: None,
            strict: true,
        };
        let v = r.act.exec(&mut tx);
        decision = match v {
            TcpVerdict::Common(Verdict::Continue) => continue,
            TcpVerdict::Common(Verdict::Effect(e)) => {
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
                    // Captures have no reader without logs; the socket and
                    // scheduling settings are announced at start-up as not applied
                    // (`gaps`).
                    _ => {}
                }
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
        break;
    }
    decision
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
    use rampart_rules::acl::cond::Pol;
    use rampart_rules::fetch::place::Src;
    let acl_test = |a: &rampart_rules::acl::Acl| {
        let mut res = Test::Fail;
        for e in &a.exprs {
            let u = e.uses();
            let http = u.contains(Src::Hrqhv) || u.contains(Src::Hrqhp) || u.contains(Src::Hrqbo);
            match e.test(s, cx) {
                Test::Pass => return Test::Pass,
                Test::Fail if !http => {}
                _ => res = Test::Miss,
            }
        }
        res
    };
    let mut res = Test::Fail;
    for suite in &c.suites {
        let mut sres = Test::Pass;
        for t in suite {
            let mut r = acls.get(t.acl).map_or(Test::Fail, acl_test);
            if t.neg {
                r = match r {
                    Test::Pass => Test::Fail,
                    Test::Fail => Test::Pass,
                    Test::Miss => Test::Miss,
                };
            }
            sres = match (sres, r) {
                (_, Test::Fail) | (Test::Fail, _) => Test::Fail,
                (Test::Miss, _) | (_, Test::Miss) => Test::Miss,
                _ => Test::Pass,
            };
            if sres == Test::Fail {
                break;
            }
        }
        match sres {
            Test::Pass => {
                res = Test::Pass;
                break;
            }
            Test::Miss => res = Test::Miss,
            Test::Fail => {}
        }
    }
    match (c.pol, res) {
        (Pol::Unless, Test::Pass) => Test::Fail,
        (Pol::Unless, Test::Fail) => Test::Pass,
        (_, r) => r,
    }
}

/// Counts a rule set's refusal where HAProxy does: `denied_conn`, `denied_sess`,
/// `denied_req` (the frontend's, whichever proxy's rule; the backend's too for
/// `silent-drop`), `denied_resp` (frontend and backend).
pub fn count(d: Decision, set: TcpSet, fe: &ProxyCounters, be: Option<&ProxyCounters>) {
    match (d, set) {
        (Decision::Reject, TcpSet::Connection) => inc(&fe.denied_conn),
        (Decision::Reject, TcpSet::Session) => inc(&fe.denied_sess),
        (Decision::Reject, TcpSet::Content) => inc(&fe.denied_req),
        (Decision::Reject, TcpSet::Response) => {
            inc(&fe.denied_resp);
            if let Some(b) = be {
                inc(&b.denied_resp);
            }
        }
        (Decision::SilentDrop, _) => {
            inc(&fe.denied_req);
            if let Some(b) = be {
                inc(&b.denied_req);
            }
        }
        _ => {}
    }
}

/// The frontend's `tcp-request connection` rules, right after `accept()`: `false` when
/// the connection must be closed (counted; closed with a reset, as HAProxy does).
/// `addrs` and `expect_proxy` come back as the rules left them.
pub fn on_connection(
    w: &WorkerCx,
    fe: usize,
    cli: &Conn,
    addrs: &mut ConnAddrs,
    vars: &StreamVars,
    expect_proxy: &mut bool,
) -> bool {
    let f = w.frontend(fe);
    if !f.tcp.has(TcpSet::Connection) {
        return true;
    }
    let mut rc = RuleCx {
        w,
        addrs: *addrs,
        conn: *addrs,
        fe,
        be: None,
        srv: None,
        http: f.mode == rampart_model::proxy::Mode::Http,
        first: true,
        vars,
        expect_proxy: *expect_proxy,
    };
    let d = run_set(
        &f.tcp,
        TcpSet::Connection,
        &f.acls,
        &mut rc,
        Data::default(),
        false,
        &mut false,
    );
    *addrs = rc.addrs;
    *expect_proxy = rc.expect_proxy;
    if d == Decision::Continue {
        return true;
    }
    count(d, TcpSet::Connection, &f.counters, None);
    if d == Decision::SilentDrop {
        cli.silent_drop();
    } else {
        cli.set_nolinger();
    }
    false
}

/// The frontend's `tcp-request session` rules, once the handshake is done: `false`
/// when the connection must be closed (counted). `addrs` (the connection's, after a
/// PROXY header) come back as `set-src`/`set-dst` left them.
pub fn on_session(
    w: &WorkerCx,
    fe: usize,
    cli: &Conn,
    addrs: &mut ConnAddrs,
    vars: &StreamVars,
) -> bool {
    let f = w.frontend(fe);
    if !f.tcp.has(TcpSet::Session) {
        return true;
    }
    let mut rc = RuleCx {
        w,
        addrs: *addrs,
        conn: *addrs,
        fe,
        be: None,
        srv: None,
        http: f.mode == rampart_model::proxy::Mode::Http,
        first: true,
        vars,
        expect_proxy: false,
    };
    let d = run_set(
        &f.tcp,
        TcpSet::Session,
        &f.acls,
        &mut rc,
        Data::default(),
        false,
        &mut false,
    );
    *addrs = rc.addrs;
    if d == Decision::Continue {
        return true;
    }
    count(d, TcpSet::Session, &f.counters, None);
    if d == Decision::SilentDrop {
        cli.silent_drop();
    }
    false
}

/// `tcp-request content` rules in `mode http`, once per request, its head parsed
/// (HAProxy's HTX streams have it before their first analyser runs): the frontend's,
/// or with `be` the backend's after `use_backend`. The pass is final (the request
/// head is whole; a condition still missing data does not match). Refusals are
/// counted; the caller closes with [`http_refused`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn http_content(
    w: &WorkerCx,
    fe: usize,
    be: Option<usize>,
    addrs: &mut ConnAddrs,
    first: bool,
    vars: &StreamVars,
    req: &mut RequestHead,
    data: &[u8],
) -> Decision {
    let f = w.frontend(fe);
    let (rules, acls, be_ctr) = match be.and_then(|b| w.rt.backends.get(b)) {
        Some(b) => (&b.tcp, &b.acls, Some(&b.counters)),
        None => (&f.tcp, &f.acls, None),
    };
    if !rules.has(TcpSet::Content) {
        return Decision::Continue;
    }
    let mut rc = RuleCx {
        w,
        addrs: *addrs,
        conn: *addrs,
        fe,
        be,
        srv: None,
        http: true,
        first,
        vars,
        expect_proxy: false,
    };
    let data = Data {
        req: Some(req),
        req_data: data,
        ..Data::default()
    };
    let d = run_set(
        rules,
        TcpSet::Content,
        acls,
        &mut rc,
        data,
        false,
        &mut false,
    );
    *addrs = rc.addrs;
    count(d, TcpSet::Content, &f.counters, be_ctr);
    d
}

/// The backend's `tcp-response content` rules in `mode http`, once the response head
/// is parsed (the pass is final; a set that could wait has the head then). Anything but `Continue` closes both connections
/// without a response (counted).
pub(crate) fn http_response(
    fe: &crate::state::Frontend,
    be: &crate::state::Backend,
    env: &StreamEnv<'_>,
    vars: &StreamVars,
    req: &RequestHead,
    res: &mut ResponseHead,
) -> Decision {
    if !be.tcp.has(TcpSet::Response) {
        return Decision::Continue;
    }
    let mut rc = RuleCx {
        w: env.w,
        addrs: *env.addrs,
        conn: *env.addrs,
        fe: env.fe,
        be: env.be,
        srv: env.srv,
        http: true,
        first: env.first,
        vars,
        expect_proxy: false,
    };
    // Without `tcp-response inspect-delay` HAProxy runs them as soon as the server
    // connection is up, before any response: they see no response then.
    let data = Data {
        req_view: Some(req),
        res: be.tcp.res_inspect_delay.map(|_| res),
        ..Data::default()
    };
    let d = run_set(
        &be.tcp,
        TcpSet::Response,
        &be.acls,
        &mut rc,
        data,
        false,
        &mut false,
    );
    count(d, TcpSet::Response, &fe.counters, Some(&be.counters));
    d
}

/// Ends an HTTP session a content rule refused: closed without a response
/// (`silent-drop` with a reset).
pub(crate) fn http_refused(cli: &Conn, d: Decision) -> crate::http::Next {
    if d == Decision::SilentDrop {
        cli.silent_drop();
    }
    crate::http::Next::Close
}

/// Reads what the client has sent already into `buf`, without waiting, up to `limit`
/// bytes. `true`: the client closed its side (or failed).
pub fn read_available(cli: &Conn, buf: &mut Vec<u8>, limit: usize) -> bool {
    while buf.len() < limit {
        buf.reserve(limit - buf.len());
        match cli.try_read_buf(buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
    false
}

/// `tcp-request content` rules in `mode tcp`: evaluated over what the client sent
/// (`pending`), again each time more arrives, until they decide, the buffer is full
/// (`tune.bufsize` less `tune.maxrewrite`), the client closed, or `delay` ended; then
/// once more as the final pass, where a condition still missing data does not match.
/// Without `delay` the rules are evaluated once, over what is there.
#[allow(clippy::too_many_arguments)]
pub async fn inspect(
    t: &TcpRules,
    acls: &[rampart_rules::acl::Acl],
    cli: &Conn,
    pending: &mut Vec<u8>,
    eof: &mut bool,
    rc: &mut RuleCx<'_>,
) -> Decision {
    if !t.has(TcpSet::Content) {
        return Decision::Continue;
    }
    let delay = t.inspect_delay;
    let mut skip_def = false;
    let rt = &rc.w.rt;
    let limit = rt.bufsize.saturating_sub(rt.maxrewrite).max(1);
    if !*eof {
        *eof = read_available(cli, pending, limit);
    }
    let deadline = delay.map(|d| Instant::now() + d);
    let opts = ParseOpts {
        max_head: limit,
        max_headers: rt.max_http_hdr,
        ..ParseOpts::default()
    };
    let mut heads = rc.w.take_heads();
    let mut head = HeadState::Partial;
    loop {
        let expired = deadline.is_none_or(|d| Instant::now() >= d);
        let partial = !(expired || *eof || pending.len() >= limit);
        if head == HeadState::Partial {
            head = match parse_request(pending, &opts, &mut heads.req) {
                Ok(Parsed::Complete(_)) => HeadState::Whole,
                Ok(Parsed::Partial) => HeadState::Partial,
                Err(_) => HeadState::None,
            };
        }
        let data = Data {
            req: (head == HeadState::Whole).then_some(&mut heads.req),
            head_partial: head == HeadState::Partial && !pending.is_empty(),
            req_data: pending,
            ..Data::default()
        };
        let d = run_set(t, TcpSet::Content, acls, rc, data, partial, &mut skip_def);
        let until = match deadline {
            Some(until) if d == Decision::Wait => until,
            _ => {
                rc.w.put_heads(heads);
                return if d == Decision::Wait {
                    Decision::Continue
                } else {
                    d
                };
            }
        };
        tokio::select! {
            r = cli.readable() => {
                if r.is_err() {
                    *eof = true;
                } else {
                    *eof = read_available(cli, pending, limit);
                }
            }
            _ = tokio::time::sleep_until(until) => {}
        }
    }
}

/// Whether the payload holds an HTTP/1 request head.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HeadState {
    /// Not whole yet (or nothing yet).
    Partial,
    Whole,
    /// Not an HTTP request.
    None,
}

/// What [`inspect_response`] leaves for the tunnel.
pub struct Inspected {
    /// Client bytes read but not yet sent to the server.
    pub c2s: Vec<u8>,
    /// Server bytes read, to send to the client.
    pub s2c: Vec<u8>,
}

/// `tcp-response content` rules in `mode tcp`: `pre_c2s` goes to the server, what the
/// client sends meanwhile follows it, and the server's data is buffered and the rules
/// evaluated over it each time more arrives, until they decide, the buffer is full, the
/// server closed, or `delay` ended (then a final pass). Without `delay` the rules are
/// evaluated once, at once.
#[allow(clippy::too_many_arguments)]
pub async fn inspect_response(
    t: &TcpRules,
    acls: &[rampart_rules::acl::Acl],
    cli: &mut Conn,
    srv: &mut Conn,
    pre_c2s: &[u8],
    rc: &mut RuleCx<'_>,
) -> (Decision, Inspected) {
    let rt = &rc.w.rt;
    let limit = rt.bufsize.saturating_sub(rt.maxrewrite).max(1);
    let mut c2s = pre_c2s.to_vec();
    let mut sent = 0usize;
    let mut s2c: Vec<u8> = Vec::new();
    let (mut cli_eof, mut srv_eof) = (false, false);
    let deadline = t.res_inspect_delay.map(|d| Instant::now() + d);
    let mut skip_def = false;
    let mut sleep = deadline.map(|d| Box::pin(tokio::time::sleep_until(d)));
    loop {
        let expired = deadline.is_none_or(|d| Instant::now() >= d);
        let partial = !(expired || srv_eof || s2c.len() >= limit);
        let data = Data {
            res_data: &s2c,
            ..Data::default()
        };
        let d = run_set(t, TcpSet::Response, acls, rc, data, partial, &mut skip_def);
        if d != Decision::Wait {
            c2s.drain(..sent);
            return (d, Inspected { c2s, s2c });
        }
        // Move the client's bytes on and read the server's until something to
        // evaluate again happens.
        let step = poll_fn(|cx| loop {
            if sent < c2s.len() {
                match Pin::new(&mut *srv).poll_write(cx, &c2s[sent..]) {
                    Poll::Ready(Ok(n)) if n > 0 => {
                        sent += n;
                        if sent == c2s.len() {
                            c2s.clear();
                            sent = 0;
                        }
                        continue;
                    }
                    Poll::Ready(_) => return Poll::Ready(Step::Failed),
                    Poll::Pending => {}
                }
            } else if !cli_eof {
                let mut tmp = [0u8; 4096];
                let mut rb = ReadBuf::new(&mut tmp);
                match Pin::new(&mut *cli).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        if rb.filled().is_empty() {
                            cli_eof = true;
                            srv.shutdown_write();
                        } else {
                            c2s.extend_from_slice(rb.filled());
                        }
                        continue;
                    }
                    Poll::Ready(Err(_)) => return Poll::Ready(Step::Failed),
                    Poll::Pending => {}
                }
            }
            if !srv_eof && s2c.len() < limit {
                let mut tmp = [0u8; 4096];
                let room = (limit - s2c.len()).min(tmp.len());
                let mut rb = ReadBuf::new(&mut tmp[..room]);
                match Pin::new(&mut *srv).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        let n = rb.filled().len();
                        if n == 0 {
                            srv_eof = true;
                        } else {
                            s2c.extend_from_slice(rb.filled());
                        }
                        return Poll::Ready(Step::Data);
                    }
                    Poll::Ready(Err(_)) => return Poll::Ready(Step::Failed),
                    Poll::Pending => {}
                }
            }
            if let Some(s) = sleep.as_mut() {
                if s.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Step::Data);
                }
            }
            return Poll::Pending;
        })
        .await;
        if step == Step::Failed {
            return (
                Decision::Close,
                Inspected {
                    c2s: Vec::new(),
                    s2c: Vec::new(),
                },
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Data,
    Failed,
}

/// The evaluation view of a TCP rule set: the stream's [`StreamEnv`], with whether
/// more data may come (`wait_end`, `req.len`...) and the connection's own addresses
/// when rules changed the stream's.
pub struct RuleEnv<'a> {
    pub inner: &'a StreamEnv<'a>,
    pub partial: bool,
    pub conn: Option<ConnAddrs>,
}

impl Env for RuleEnv<'_> {
    fn src(&self) -> Option<SocketAddr> {
        self.inner.src()
    }
    fn dst(&self) -> Option<SocketAddr> {
        self.inner.dst()
    }
    fn listener(&self) -> Option<(i64, &str)> {
        self.inner.listener()
    }
    fn frontend(&self) -> Option<(i64, &str)> {
        self.inner.frontend()
    }
    fn backend(&self) -> Option<(i64, &str)> {
        self.inner.backend()
    }
    fn server(&self) -> Option<(i64, &str)> {
        self.inner.server()
    }
    fn server_conn(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        self.inner.server_conn()
    }
    fn stat(&self, what: Stat, of: Target) -> Option<i64> {
        self.inner.stat(what, of)
    }
    fn stopping(&self) -> bool {
        self.inner.stopping()
    }
    fn thread(&self) -> i64 {
        self.inner.thread()
    }
    fn nbthread(&self) -> i64 {
        self.inner.nbthread()
    }
    fn node(&self) -> Option<&str> {
        self.inner.node()
    }
    fn first_request(&self) -> Option<bool> {
        self.inner.first_request()
    }
    fn unique_id(&self) -> Option<&[u8]> {
        self.inner.unique_id()
    }
    fn conn_addrs(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        match self.conn {
            Some(c) => Some((c.src, c.dst)),
            None => self.inner.conn_addrs(),
        }
    }
    fn is_local(&self, addr: SocketAddr) -> Option<bool> {
        self.inner.is_local(addr)
    }
    fn tcp_info(&self) -> Option<TcpInfo> {
        self.inner.tcp_info()
    }
    fn http_major(&self, server_side: bool) -> Option<i64> {
        self.inner.http_major(server_side)
    }
    fn conn_error(&self, server_side: bool) -> Option<u32> {
        self.inner.conn_error(server_side)
    }
    fn rcvd_proxy(&self) -> Option<bool> {
        self.inner.rcvd_proxy()
    }
    fn proxy_authority(&self) -> Option<&[u8]> {
        self.inner.proxy_authority()
    }
    fn proxy_unique_id(&self) -> Option<&[u8]> {
        self.inner.proxy_unique_id()
    }
    fn listener_conns(&self) -> Option<i64> {
        self.inner.listener_conns()
    }
    fn default_backend(&self) -> Option<&str> {
        self.inner.default_backend()
    }
    fn stream_timeout(&self, tunnel: bool) -> Option<i64> {
        self.inner.stream_timeout(tunnel)
    }
    fn last_rule(&self) -> Option<(&str, i64)> {
        self.inner.last_rule()
    }
    fn priority(&self) -> Option<(i64, i64)> {
        self.inner.priority()
    }
    fn task_times(&self) -> Option<TaskTimes> {
        self.inner.task_times()
    }
    fn http_mode(&self) -> bool {
        self.inner.http_mode()
    }
    fn partial(&self) -> bool {
        self.partial
    }
    fn bufsize(&self) -> Option<usize> {
        self.inner.bufsize()
    }
    fn maxrewrite(&self) -> Option<usize> {
        self.inner.maxrewrite()
    }
    fn res_complete(&self) -> bool {
        self.inner.res_complete()
    }
    fn body_pending(&self, dir: Dir) -> Option<u64> {
        self.inner.body_pending(dir)
    }
    fn capture(&self, response: bool, idx: usize) -> Option<&[u8]> {
        self.inner.capture(response, idx)
    }
    fn logged_request_line(&self) -> Option<&[u8]> {
        self.inner.logged_request_line()
    }
    fn use_proxy_header(&self) -> bool {
        self.inner.use_proxy_header()
    }
    fn check_user(&self, userlist: &str, user: &[u8], pass: &[u8]) -> Option<bool> {
        self.inner.check_user(userlist, user, pass)
    }
    fn proc_vars(&self) -> Option<&RwLock<VarSet>> {
        self.inner.proc_vars()
    }
}
