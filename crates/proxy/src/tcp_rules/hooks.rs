//! Where the sessions hand the TCP rule sets over: connection and session rules (both
//! modes), content and response rules of `mode http` streams, run once on the parsed
//! heads.

use super::{count, run_set, Data, Decision, RuleCx};
use crate::env::{StreamEnv, StreamFx};
use crate::worker::WorkerCx;
use rampart_h1::{RequestHead, ResponseHead};
use rampart_net::{Conn, ConnAddrs};
use rampart_rules::action::tcp::TcpSet;
use rampart_rules::vars::StreamVars;

/// The frontend's `tcp-request connection` rules, right after `accept()`: `false` when
/// the connection must be closed (counted; closed with a reset, as HAProxy does).
/// `addrs` and `expect_proxy` come back as the rules left them.
pub fn on_connection(
    w: &WorkerCx,
    fe: (usize, usize),
    cli: &Conn,
    addrs: &mut ConnAddrs,
    vars: &StreamVars,
    expect_proxy: &mut bool,
) -> bool {
    front_set(w, fe, TcpSet::Connection, cli, addrs, vars, expect_proxy)
}

/// The frontend's `tcp-request session` rules, once the handshake is done: `false`
/// when the connection must be closed (counted). `addrs` (the connection's, after a
/// PROXY header) come back as `set-src`/`set-dst` left them.
pub fn on_session(
    w: &WorkerCx,
    fe: (usize, usize),
    cli: &Conn,
    addrs: &mut ConnAddrs,
    vars: &StreamVars,
) -> bool {
    front_set(w, fe, TcpSet::Session, cli, addrs, vars, &mut false)
}

/// A frontend rule set that runs before any stream: connection or session rules,
/// over no data, in one final pass.
fn front_set(
    w: &WorkerCx,
    (fe, li): (usize, usize),
    set: TcpSet,
    cli: &Conn,
    addrs: &mut ConnAddrs,
    vars: &StreamVars,
    expect_proxy: &mut bool,
) -> bool {
    let f = w.frontend(fe);
    if !f.tcp.has(set) {
        return true;
    }
    let mut rc = RuleCx {
        w,
        addrs: *addrs,
        conn: *addrs,
        fe,
        li,
        be: None,
        srv: None,
        http: f.mode == rampart_model::proxy::Mode::Http,
        first: true,
        vars,
        expect_proxy: *expect_proxy,
        fx: None,
    };
    let d = run_set(
        &f.tcp,
        set,
        &f.acls,
        &mut rc,
        cli,
        Data::default(),
        false,
        &mut false,
    );
    *addrs = rc.addrs;
    *expect_proxy = rc.expect_proxy;
    if d == Decision::Continue {
        return true;
    }
    count(d, set, (f, li), None);
    if d == Decision::SilentDrop {
        cli.silent_drop();
    } else if set == TcpSet::Connection {
        // A connection refused before any handshake is reset, as HAProxy does.
        cli.set_nolinger();
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
    (fe, li): (usize, usize),
    be: Option<usize>,
    addrs: &mut ConnAddrs,
    conn: Option<ConnAddrs>,
    first: bool,
    vars: &StreamVars,
    req: &mut RequestHead,
    data: &[u8],
    fx: &mut StreamFx,
    cli: &Conn,
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
        conn: conn.unwrap_or(*addrs),
        fe,
        li,
        be,
        srv: None,
        http: true,
        first,
        vars,
        expect_proxy: false,
        fx: Some(fx),
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
        cli,
        data,
        false,
        &mut false,
    );
    *addrs = rc.addrs;
    count(d, TcpSet::Content, (f, li), be_ctr);
    d
}

/// The backend's `tcp-response content` rules in `mode http`, once the response head
/// is parsed (the pass is final; a set that could wait has the head then). Anything
/// but `Continue` closes both connections without a response (counted).
#[allow(clippy::too_many_arguments)]
pub(crate) fn http_response(
    fe: &crate::state::Frontend,
    be: &crate::state::Backend,
    env: &StreamEnv<'_>,
    vars: &StreamVars,
    req: &RequestHead,
    res: &mut ResponseHead,
    fx: &mut StreamFx,
    cli: &Conn,
) -> Decision {
    if !be.tcp.has(TcpSet::Response) {
        return Decision::Continue;
    }
    let conn = fx.fc.or(fx.conn).unwrap_or(*env.addrs);
    let mut rc = RuleCx {
        w: env.w,
        addrs: *env.addrs,
        conn,
        fe: env.fe,
        li: env.li,
        be: env.be,
        srv: env.srv,
        http: true,
        first: env.first,
        vars,
        expect_proxy: false,
        fx: Some(fx),
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
        cli,
        data,
        false,
        &mut false,
    );
    count(d, TcpSet::Response, (fe, env.li), Some(&be.counters));
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
