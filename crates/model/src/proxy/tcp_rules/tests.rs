//! `tcp-request` / `tcp-response` lines against HAProxy 2.6's messages (each
//! configuration below was checked with `haproxy -c`, its output recorded).

use crate::proxy::testutil::*;
use rampart_rules::action::tcp::TcpAct;
use rampart_rules::action::HttpAct;

const T: &str = "defaults d\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";
/// Anonymous defaults (the rules' own checks are not mixed with inherited delays).
const A: &str = "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

#[test]
fn inspect_delay_is_accepted_and_inherited() {
    let r = run(&format!(
        "{T} tcp-request inspect-delay 3s\nfrontend f\n bind :80\nbackend b\n tcp-request inspect-delay 0\n tcp-request inspect-delay 2s\n tcp-response inspect-delay 1s\n tcp-response inspect-delay 2s\n"
    ));
    assert_eq!(r.proxy("f").tcp_request_inspect_delay, 3000);
    assert!(
        r.has_warning("ignoring tcp-request inspect-delay (was already defined) in backend 'b'")
    );
    assert!(
        r.has_warning("ignoring tcp-response inspect-delay (was already defined) in backend 'b'")
    );
    assert_eq!(r.proxy("b").tcp_request_inspect_delay, 3000);
    assert_eq!(r.proxy("b").tcp_response_inspect_delay, 1000);
    let r = run(&format!(
        "{T}frontend f\n bind :80\n tcp-request inspect-delay 0\n tcp-request inspect-delay 5s\n"
    ));
    assert!(r.clean());
    assert_eq!(r.proxy("f").tcp_request_inspect_delay, 5000);
}

#[test]
fn keyword_errors() {
    let r = run(&format!(
        "{T}frontend f\n bind :80\n tcp-request inspect-delay x\n tcp-request inspect-delay\n tcp-request\n tcp-request foo\n tcp-response content accept\n tcp-response inspect-delay 1s\n\
         backend b\n tcp-response inspect-delay\n tcp-response inspect-delay 1x\n tcp-response\n tcp-response foo\n tcp-request connection accept\n tcp-request session accept\n\
         defaults\n tcp-request inspect-delay 1s\n tcp-request content accept\n tcp-response content accept\n"
    ));
    for m in [
        "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f' (unexpected character 'x')",
        "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f'",
        "missing argument for 'tcp-request' in frontend 'f'",
        "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in frontend 'f' (got 'foo')",
        "tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name",
        "tcp-response inspect-delay is only allowed in 'backend' sections or 'defaults' section with a name",
        "'tcp-response inspect-delay' expects a positive delay in milliseconds, in backend 'b'",
        "'tcp-response inspect-delay' expects a positive delay in milliseconds, in backend 'b' (unexpected character 'x')",
        "missing argument for 'tcp-response' in backend 'b'",
        "'tcp-response' expects 'inspect-delay' or 'content' in backend 'b' (got 'foo')",
        "tcp-request connection is not allowed because backend b is not a frontend",
        "tcp-request session is not allowed because backend b is not a frontend",
        "tcp-request inspect-delay is not allowed in anonymous 'defaults' sections",
        "tcp-request content is not allowed in anonymous 'defaults' sections",
    ] {
        assert!(r.has_alert(m), "{m}");
    }
}

#[test]
fn rules_are_kept_in_order_with_their_conditions() {
    let r = run(&format!(
        "{T}frontend f\n bind :80\n tcp-request inspect-delay 1s\n acl bad src 10.0.0.0/8\n tcp-request connection reject if bad\n tcp-request connection expect-proxy layer4 unless bad\n tcp-request session set-var(sess.a) str(x)\n tcp-request content accept if {{ req.payload(0,3) -m str GET }}\n tcp-request content capture req.payload(0,3) len 3\n tcp-request content switch-mode http\n default_backend b\nbackend b\n tcp-response content close if {{ res.len gt 0 }}\n tcp-response content set-var(txn.b) res.len\n"
    ));
    assert!(r.clean());
    let f = r.proxy("f");
    assert_eq!(f.tcp_request_connection.len(), 2);
    assert!(matches!(*f.tcp_request_connection[0].act, TcpAct::Reject));
    assert!(f.tcp_request_connection[0].cond.is_some());
    assert!(matches!(
        *f.tcp_request_connection[1].act,
        TcpAct::ExpectProxy
    ));
    assert!(matches!(
        *f.tcp_request_session[0].act,
        TcpAct::Http(HttpAct::Var(_))
    ));
    assert_eq!(f.tcp_request_content.len(), 3);
    assert_eq!(f.req_captures, 1);
    assert!(f.http_upgrade());
    let b = r.proxy("b");
    assert!(matches!(*b.tcp_response_content[0].act, TcpAct::Close));
    assert_eq!(b.tcp_response_content.len(), 2);
    // Proxies never inherit rules.
    let r = run(&format!(
        "{T}listen l\n bind :80\n tcp-request content reject\n server s 1.2.3.4:80\nlisten m\n bind :81\n server s 1.2.3.4:80\n"
    ));
    assert!(r.proxy("m").tcp_request_content.is_empty());
}

#[test]
fn rule_errors_are_haproxys() {
    let r = run(&format!(
        "{A}frontend f\n bind :80\n tcp-request content accept foo\n tcp-request content accept if foo\n tcp-request content set-var(x) int(1)\n tcp-request content rejct\n tcp-request connection set-var(txn.x) req.len\n default_backend b\nbackend b\n tcp-response content accept foo\n tcp-response content reject if nope\n"
    ));
    for m in [
        "'tcp-request content accept' only accepts 'if' or 'unless', in frontend 'f' (got 'foo')",
        "'tcp-request content accept' : error detected in frontend 'f' while parsing 'if' condition : no such ACL : 'foo'",
        "invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'",
        "'tcp-request content' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset' in frontend 'f' (got 'rejct'). Did you mean 'reject' maybe ?\n",
        "fetch method 'set-var(txn.x)' extracts information from 'request buffer', none of which is available here",
        "'tcp-response content accept' only accepts 'if' or 'unless', in backend 'b' (got 'foo')",
        "'tcp-response content reject' : error detected in backend 'b' while parsing 'if' condition : no such ACL : 'nope'",
    ] {
        assert!(r.has_alert(m), "{m}");
    }
    // An empty condition is accepted, as HAProxy does.
    let r = run(&format!(
        "{A}frontend f\n bind :80\n tcp-request content accept if\n default_backend b\nbackend b\n"
    ));
    assert!(r.valid());
}

#[test]
fn order_and_condition_warnings() {
    let r = run(&format!(
        "{T} tcp-request inspect-delay 2s\nfrontend f\n bind :80\n acl bad src 10.0.0.0/8\n tcp-request content reject if bad\n tcp-request connection reject if bad\n tcp-request session accept\n tcp-request content accept if {{ res.len gt 0 }}\n tcp-request connection accept if {{ req.len gt 0 }}\n acl resp res.len gt 0\n tcp-request content accept if resp\n acl mixed res.len gt 0\n acl mixed src 1.2.3.4\n tcp-request content accept if mixed\n default_backend b\nbackend b\n tcp-response content accept if {{ req.payload(0,1) -m found }}\n"
    ));
    let w = r.messages();
    let want = [
        "[WARNING]  (1) : config : parsing [t.cfg:10] : a 'tcp-request' rule placed after a 'tcp-request content' rule will still be processed before.",
        "[WARNING]  (1) : config : parsing [t.cfg:11] : a 'tcp-request' rule placed after a 'tcp-request content' rule will still be processed before.",
        "[WARNING]  (1) : config : parsing [t.cfg:12] : anonymous acl will never match in 'tcp-request content' because it uses keyword 'res.len' which is incompatible with 'frontend tcp-request content rule'",
        "[WARNING]  (1) : config : parsing [t.cfg:13] : a 'tcp-request' rule placed after a 'tcp-request session' rule will still be processed before.",
        "[WARNING]  (1) : config : parsing [t.cfg:13] : anonymous acl will never match in 'tcp-request connection' because it uses keyword 'req.len' which is incompatible with 'frontend tcp-request connection rule'",
        "[WARNING]  (1) : config : parsing [t.cfg:15] : acl 'resp' will never match in 'tcp-request content' because it only involves keywords that are incompatible with 'frontend tcp-request content rule'",
        "[WARNING]  (1) : config : parsing [t.cfg:18] : acl 'mixed' involves keyword 'res.len' which is incompatible with 'frontend tcp-request content rule'",
        "[WARNING]  (1) : config : parsing [t.cfg:21] : anonymous acl will never match in 'tcp-response content' because it uses keyword 'req.payload' which is incompatible with 'backend tcp-response content rule'",
    ];
    let got: Vec<&String> = w.iter().filter(|m| m.contains("parsing [")).collect();
    assert_eq!(got, want.iter().collect::<Vec<_>>());
}

#[test]
fn configuration_checks() {
    let r = run(&format!(
        "{A}frontend g\n bind :81\n tcp-request content capture req.payload(0,3) len 3\n tcp-request content capture src len 10\n default_backend b\nlisten l\n bind :82\n tcp-request content switch-mode http proto fcgi\n server s 1.2.3.4:80\nbackend b\n server s 1.2.3.4:80\n"
    ));
    assert!(r.has_warning("frontend 'g' : a 'tcp-request capture' rule explicitly depending on request contents without any 'tcp-request inspect-delay' setting. This means that this rule will randomly find its contents. This can be fixed by setting the tcp-request inspect-delay."));
    assert!(r.has_alert("Proxy 'l': MUX protocol 'fcgi' is not compatible with the selected mode."));
    assert!(r.has_warning("Proxy 'l' : 'switch-mode http' configured for a tcp proxy with no backend. Incoming connections upgraded to HTTP cannot be routed to TCP servers"));
    // HTTP settings of a TCP proxy that may switch to HTTP are not ignored; without
    // `switch-mode` they are.
    let r = run(&format!(
        "{A}frontend f\n bind :80\n http-request deny\n http-response deny\n redirect location /\n option forwardfor\n default_backend b\nfrontend g\n bind :81\n tcp-request content switch-mode http\n http-request deny\n option forwardfor\n default_backend b\nbackend b\n mode http\n server s 1.2.3.4:80\n"
    ));
    let w: Vec<String> = r
        .messages()
        .into_iter()
        .filter(|m| m.contains("ignored for"))
        .collect();
    assert_eq!(
        w,
        [
            "[WARNING]  (1) : config : 'http-request' rules ignored for frontend 'f' as they require HTTP mode.",
            "[WARNING]  (1) : config : 'http-response' rules ignored for frontend 'f' as they require HTTP mode.",
            "[WARNING]  (1) : config : 'redirect' rules ignored for frontend 'f' as they require HTTP mode.",
            "[WARNING]  (1) : config : 'option forwardfor' ignored for frontend 'f' as it requires HTTP mode.",
        ]
    );
}

#[test]
fn named_defaults_rules_go_to_the_proxies_that_use_them() {
    let r = run(&format!(
        "{T} tcp-request inspect-delay 1s\n tcp-request connection accept if {{ src 127.0.0.1 }}\n tcp-request content capture req.payload(0,3) len 3\n\
         frontend f\n bind :80\n tcp-request content capture req.payload(0,2) len 2\n tcp-request content reject\n default_backend b\n\
         frontend g\n bind :81\n default_backend b\n\
         {T}backend b\n"
    ));
    assert!(r.clean());
    let f = r.proxy("f");
    let d = f.tcp_defaults.as_ref().expect("inherited rules");
    assert_eq!(d.connection.len(), 1);
    assert_eq!(d.content.len(), 1);
    assert_eq!(d.acls.len(), 1);
    assert_eq!(f.tcp_request_content.len(), 2);
    // The defaults' capture slot comes first.
    assert_eq!(f.req_captures, 2);
    assert!(std::sync::Arc::ptr_eq(
        d,
        r.proxy("g").tcp_defaults.as_ref().unwrap()
    ));
    assert!(r.proxy("b").tcp_defaults.is_none());
}

#[test]
fn defaults_with_rules_and_their_users() {
    let cases = [
        (
            "defaults d\n tcp-request content accept\ndefaults e from d\n",
            "a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at t.cfg:1).",
        ),
        (
            "defaults d\n tcp-request content accept\nlisten l\n bind :80\n",
            "a listen section cannot inherit from a defaults section defining TCP/HTTP rules.",
        ),
        (
            "defaults d\n http-request deny\nlisten l\n bind :80\n",
            "a listen section cannot inherit from a defaults section defining TCP/HTTP rules.",
        ),
        (
            "defaults d\n tcp-request content accept\nfrontend f\n bind :80\nbackend b\n",
            "frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at t.cfg:1).",
        ),
        (
            "defaults d\n tcp-request session accept\nbackend b\n",
            "a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules (defaults section at t.cfg:1).",
        ),
        (
            "defaults d\n tcp-response content accept\nfrontend f\n bind :80\n",
            "a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at t.cfg:1).",
        ),
    ];
    for (text, want) in cases {
        let r = run(text);
        let m = format!("[ALERT]    (1) : config : parsing [t.cfg:3]: {want}");
        let m2 = format!("[ALERT]    (1) : config : parsing [t.cfg:5]: {want}");
        let got = r.messages();
        assert!(got.contains(&m) || got.contains(&m2), "{text}: {got:#?}");
    }
}
