//! TCP actions: parsing against HAProxy 2.6's own messages (each case below was run
//! through `haproxy -c` in `frontend f` or `backend b`, its message recorded), and
//! execution.

use super::*;
use crate::action::tests::Files;
use crate::action::{Effect, ErrKind, Scratch};
use crate::conv::Cx;
use crate::stream::{Dir, NoEnv};
use crate::vars::{Scope, StreamVars};

/// Parses `rest` after the set's words in a proxy named `f` (frontend) or `b`
/// (backend).
fn parse_in(set: TcpSet, rest: &[&str], fe: bool) -> (Result<TcpAct, ActError>, usize, usize) {
    let files = Files::default();
    let name = if fe { "f" } else { "b" };
    let mut cx = ActCx::new(name, &files);
    cx.frontend = fe;
    cx.backend = !fe;
    cx.http_mode = false;
    let (a0, a1) = match set {
        TcpSet::Connection => ("tcp-request", "connection"),
        TcpSet::Session => ("tcp-request", "session"),
        TcpSet::Content => ("tcp-request", "content"),
        TcpSet::Response => ("tcp-response", "content"),
    };
    let words: Vec<&str> = [a0, a1].iter().chain(rest.iter()).copied().collect();
    let mut idx = 2;
    let kind = if fe { "frontend" } else { "backend" };
    let r = parse(set, &words, &mut idx, kind, &mut cx);
    (r, idx - 2, cx.req_captures)
}

fn err(set: TcpSet, rest: &[&str], fe: bool) -> ActError {
    match parse_in(set, rest, fe).0 {
        Err(e) => e,
        Ok(a) => panic!("{rest:?}: parsed as {a:?}"),
    }
}

fn ok(set: TcpSet, rest: &[&str], fe: bool) -> (TcpAct, usize) {
    let (r, used, _) = parse_in(set, rest, fe);
    (r.unwrap_or_else(|e| panic!("{rest:?}: {e:?}")), used)
}

use TcpSet::{Connection as Con, Content as Cnt, Response as Res, Session as Ses};

#[test]
fn errors_are_haproxys() {
    let cases: &[(TcpSet, &[&str], bool, &str)] = &[
        (Cnt, &["set-var(x)", "int(1)"], true, "invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"),
        (Cnt, &["set-var(txn.x)"], true, "missing fetch method"),
        (Con, &["set-var(txn.x)", "req.len"], true, "fetch method 'set-var(txn.x)' extracts information from 'request buffer', none of which is available here"),
        (Cnt, &["capture"], true, "'tcp-request content capture' : missing fetch method"),
        (Cnt, &["capture", "req.len"], true, "'tcp-request content capture' : a positive 'len' argument is mandatory"),
        (Cnt, &["capture", "req.len", "len"], true, "'tcp-request content capture' : length must be > 0"),
        (Cnt, &["capture", "req.len", "len", "0"], true, "'tcp-request content capture' : length must be > 0"),
        (Cnt, &["capture", "req.len", "id", "1"], true, "'tcp-request content capture' : a positive 'len' argument is mandatory"),
        (Con, &["capture", "src", "len", "4"], true, "'capture src' is not allowed in 'tcp-request connection' rules in frontend 'f'"),
        (Ses, &["capture", "src", "len", "4"], true, "'capture src' is not allowed in 'tcp-request session' rules in frontend 'f'"),
        (Cnt, &["capture", "foo", "len", "4"], true, "'tcp-request content capture' : unknown fetch method 'foo'"),
        (Cnt, &["capture", "res.len", "len", "4"], true, "'tcp-request content capture' : fetch method 'res.len' extracts information from 'response buffer', none of which is available here"),
        (Cnt, &["capture", "req.len", "len", "3"], false, "'tcp-request content capture' : proxy 'b' has no frontend capability"),
        (Con, &["expect-proxy"], true, "'tcp-request connection expect-proxy' only supports 'layer4' in frontend 'f' (got '')"),
        (Cnt, &["expect-proxy", "layer4"], true, "'expect-proxy layer4' is not allowed in 'tcp-request content' rules in frontend 'f'"),
        (Ses, &["expect-proxy", "layer4"], true, "'expect-proxy layer4' is not allowed in 'tcp-request session' rules in frontend 'f'"),
        (Cnt, &["switch-mode"], true, "'tcp-request switch-mode' expects a mode as argument."),
        (Cnt, &["switch-mode", "tcp"], true, "'tcp-request switch-mode' expects a valid mode (got 'tcp')."),
        (Cnt, &["switch-mode", "http", "proto"], true, "'tcp-request switch-mode': 'proto' expects a protocol as argument."),
        (Cnt, &["switch-mode", "http", "proto", "quic"], true, "'tcp-request switch-mode': 'proto' expects a valid MUX protocol, if specified (got 'quic')"),
        (Cnt, &["switch-mode", "http"], false, "'tcp-request switch-mode' not allowed because backend 'b' has no frontend capability"),
        (Cnt, &["set-mark"], true, "expects exactly 1 argument (integer/hex value)"),
        (Cnt, &["set-mark", "0x1g"], true, "invalid character starting at 'g' (integer/hex value expected)"),
        (Cnt, &["set-nice"], true, "expects exactly 1 argument (integer value)"),
        (Cnt, &["set-log-level"], true, "expects exactly 1 argument (log level name or 'silent')"),
        (Cnt, &["set-priority-class"], true, "missing fetch method"),
        (Cnt, &["set-priority-class", "res.len"], true, "fetch method 'tcp-request' extracts information from 'response buffer', none of which is available here"),
        (Cnt, &["use-service", "foo"], true, "'content' unknown service name."),
        (Cnt, &["use-service", "prometheus-exporter"], true, "Prometheus exporter service only available on 'http-request' rulesets"),
        (Cnt, &["track-sc9", "src"], true, "'tcp-request content track-sc9' : 9 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"),
        (Cnt, &["unset-var(txn.x,ifexists)"], true, "unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions"),
        (Cnt, &["set-var-fmt(txn.x)", "%[res.len]"], true, "sample fetch <res.len]> may not be reliably used here because it needs 'response buffer' which is not available here"),
        (Con, &["set-var-fmt(txn.x)", "%[req.len]"], true, "sample fetch <req.len]> may not be reliably used here because it needs 'request buffer' which is not available here"),
        (Res, &["set-var(txn.x)", "req.len"], false, "fetch method 'set-var(txn.x)' extracts information from 'request buffer', none of which is available here"),
    ];
    for (set, rest, fe, want) in cases {
        let e = err(*set, rest, *fe);
        assert_eq!(e.kind, ErrKind::Invalid, "{rest:?}");
        assert_eq!(e.msg, *want, "{rest:?}");
    }
}

#[test]
fn unknown_words_list_the_rule_sets_actions() {
    let e = err(Con, &["foo"], true);
    assert_eq!(e.kind, ErrKind::Unknown);
    assert_eq!(e.msg, "'tcp-request connection' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop' in frontend 'f' (got 'foo').\n");
    let e = err(Ses, &["foo"], true);
    assert!(e.msg.starts_with("'tcp-request session' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'sc-inc-gpc(*)'"));
    let e = err(Cnt, &["foo"], true);
    assert_eq!(e.msg, "'tcp-request content' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset' in frontend 'f' (got 'foo').\n");
    let e = err(Res, &[], false);
    assert_eq!(e.msg, "'tcp-response content' expects 'accept', 'close', 'reject', 'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop' in backend 'b' (got '').");
    // `set-log-level` is no connection action; HAProxy suggests the closest word.
    let e = err(Con, &["rejct"], true);
    assert!(
        e.msg
            .ends_with("(got 'rejct'). Did you mean 'reject' maybe ?\n"),
        "{}",
        e.msg
    );
    let e = err(Res, &["capture", "res.len", "len", "3"], false);
    assert_eq!(e.kind, ErrKind::Unknown);
}

#[test]
fn subsystems_rampart_lacks_are_not_yet() {
    for (set, rest) in [
        (Cnt, &["track-sc0", "src"][..]),
        (Con, &["track-sc2", "src"][..]),
        (Cnt, &["sc-inc-gpc0(0)"][..]),
        (Cnt, &["do-resolve(x,y)", "src"][..]),
        (Cnt, &["send-spoe-group", "a", "b"][..]),
        (Res, &["ot-group", "a"][..]),
        (Cnt, &["use-service", "lua.x"][..]),
        (Cnt, &["switch-mode", "http", "proto", "h2"][..]),
        (Con, &["expect-netscaler-cip", "layer4"][..]),
    ] {
        let e = err(set, rest, true);
        assert_eq!(e.kind, ErrKind::NotYet, "{rest:?}: {e:?}");
        assert!(
            e.msg.contains("is not supported yet (it needs "),
            "{}",
            e.msg
        );
    }
    assert_eq!(
        err(Cnt, &["track-sc0", "src"], true).msg,
        "'tcp-request content track-sc0' is not supported yet (it needs stick tables)"
    );
}

#[test]
fn accepted_forms_and_what_they_keep() {
    let (a, n) = ok(Cnt, &["set-var(txn.x)", "req.hdr(host)"], true);
    assert_eq!(n, 2);
    assert!(matches!(a, TcpAct::Http(HttpAct::Var(_))));
    assert_eq!(ok(Con, &["set-var(sess.x)", "src", "if"], true).1, 2);
    assert_eq!(ok(Con, &["set-src-port", "req.len"], true).1, 2);
    assert!(matches!(
        ok(Con, &["expect-proxy", "layer4", "if"], true),
        (TcpAct::ExpectProxy, 2)
    ));
    assert!(matches!(
        ok(Cnt, &["switch-mode", "http"], true),
        (TcpAct::SwitchMode(MuxProto::Default), 2)
    ));
    assert!(matches!(
        ok(Cnt, &["switch-mode", "http", "proto", "h1", "unless"], true),
        (TcpAct::SwitchMode(MuxProto::H1), 4)
    ));
    assert!(matches!(
        ok(Cnt, &["switch-mode", "http", "proto", "fcgi"], true).0,
        TcpAct::SwitchMode(MuxProto::Incompatible("fcgi"))
    ));
    assert!(matches!(ok(Res, &["close"], false).0, TcpAct::Close));
    assert_eq!(ok(Res, &["set-var(txn.x)", "res.hdr(x)"], false).1, 2);
    let (r, used, caps) = parse_in(Cnt, &["capture", "req.payload(0,4)", "len", "3"], true);
    assert_eq!((used, caps), (4, 1));
    let a = r.unwrap();
    assert!(a.capture_expr().is_some());
    // A track-sc number may be empty (track-sc0), never anything but digits.
    assert_eq!(
        err(Cnt, &["track-scx", "src"], true).msg,
        "'tcp-request content track-scx' : Wrong track-sc number 'x'"
    );
}

/// Runs `a` on a TCP payload.
fn run<'a>(
    a: &'a TcpAct,
    payload: &'a [u8],
    vars: &'a StreamVars,
    scratch: &'a mut Scratch,
) -> TcpVerdict<'a> {
    let cx: &'static Cx = Box::leak(Box::new(Cx { bufsize: 16384 }));
    let mut tx = Txn {
        env: &NoEnv,
        req: None,
        res: None,
        req_data: payload,
        res_data: &[],
        req_complete: false,
        dir: Dir::Req,
        vars,
        cx,
        scratch,
        strict: true,
    };
    a.exec(&mut tx)
}

#[test]
fn execution() {
    let vars = StreamVars::default();
    let mut scratch = Scratch::default();
    let (a, _) = ok(Cnt, &["accept"], true);
    assert!(matches!(
        run(&a, b"", &vars, &mut scratch),
        TcpVerdict::Common(Verdict::Stop)
    ));
    let (a, _) = ok(Cnt, &["reject"], true);
    assert!(matches!(
        run(&a, b"", &vars, &mut scratch),
        TcpVerdict::Common(Verdict::Reject)
    ));
    let (a, _) = ok(Cnt, &["silent-drop"], true);
    assert!(matches!(
        run(&a, b"", &vars, &mut scratch),
        TcpVerdict::Common(Verdict::SilentDrop)
    ));
    let (a, _) = ok(Cnt, &["switch-mode", "http"], true);
    assert!(matches!(
        run(&a, b"", &vars, &mut scratch),
        TcpVerdict::SwitchHttp
    ));
    let (a, _) = ok(Con, &["expect-proxy", "layer4"], true);
    assert!(matches!(
        run(&a, b"", &vars, &mut scratch),
        TcpVerdict::ExpectProxy
    ));
    let (a, _) = ok(Res, &["close"], false);
    assert!(matches!(
        run(&a, b"", &vars, &mut scratch),
        TcpVerdict::Close
    ));
    // Shared actions run the HTTP code: a variable from the payload, a capture cut to
    // its length.
    let (a, _) = ok(Cnt, &["set-var(sess.x)", "req.payload(0,3)"], true);
    assert!(matches!(
        run(&a, b"GET /", &vars, &mut scratch),
        TcpVerdict::Common(Verdict::Continue)
    ));
    let r = crate::vars::VarRef::parse("sess.x").unwrap();
    assert_eq!(r.scope, Scope::Sess);
    assert!(vars.sess.borrow().get(r.hash).is_some());
    let (a, _) = ok(Cnt, &["capture", "req.payload(0,0)", "len", "2"], true);
    match run(&a, b"abcdef", &vars, &mut scratch) {
        TcpVerdict::Common(Verdict::Effect(Effect::Capture(slot))) => {
            assert_eq!(slot.len, Some(2));
        }
        v => panic!("{v:?}"),
    }
    assert_eq!(scratch.out, b"ab");
}
