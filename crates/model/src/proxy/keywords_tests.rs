//! Tests of the simple proxy keywords.

use crate::proxy::testutil::*;
use crate::proxy::*;

#[test]
fn mode_and_health() {
    let r = run("defaults\n mode http\nbackend b\n");
    assert_eq!(r.proxy("b").mode, Mode::Http);
    let r = run("backend b\n mode health\n");
    assert!(r.has_alert(
        "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead."
    ));
    let r = run("backend b\n mode foo\n");
    assert!(r.has_alert("unknown proxy mode 'foo'."));
    let r = run("backend b\n mode http tcp\n");
    assert!(r.has_alert("'mode' cannot handle unexpected argument 'tcp'."));
}

#[test]
fn ids_unique_and_positive() {
    let r = run("backend a\n id 3\nbackend b\n id 3\n");
    assert!(r.has_alert("backend b reuses same custom id as backend a (declared at t.cfg:1)."));
    let r = run("backend a\n id 0\n");
    assert!(r.has_alert("custom id has to be > 0."));
    let r = run("backend a\n id\n");
    assert!(r.has_alert("'id' expects an integer argument."));
    let r = run("defaults\n id 4\n");
    assert!(r.has_alert("'id' not allowed in 'defaults' section."));
    let r = run("backend a\n id 7\n");
    assert_eq!(r.proxy("a").id, Some(7));
}

#[test]
fn description_disabled_enabled() {
    let r =
        run("defaults\n disabled\nbackend a\n description the  main app\nbackend b\n enabled\n");
    assert_eq!(r.proxy("a").description.as_deref(), Some("the main app"));
    assert!(r.proxy("a").disabled);
    assert!(!r.proxy("b").disabled);
    let r = run("backend a\n description\n");
    assert!(r.has_alert("'description' expects a string argument."));
    let r = run("backend a\n disabled now\n");
    assert!(r.has_alert("'disabled' cannot handle unexpected argument 'now'."));
}

#[test]
fn counts_and_caps() {
    let r =
        run("defaults\n maxconn 100\n fullconn 50\n retries 5\n backlog 10\nlisten l\n bind :80\n");
    let l = r.proxy("l");
    assert_eq!(
        (l.maxconn, l.fullconn, l.retries, l.backlog),
        (100, 50, 5, 10)
    );
    let r = run("backend b\n maxconn 10\n");
    assert!(r.has_warning("'maxconn' ignored because backend 'b' has no frontend capability. Maybe you want 'fullconn' instead ?"));
    let r = run("frontend f\n bind :80\n fullconn 10\n");
    assert!(r.has_warning("'fullconn' ignored because frontend 'f' has no backend capability. Maybe you want 'maxconn' instead ?"));
    let r = run("frontend f\n bind :80\n maxconn\n");
    assert!(r.has_alert("'maxconn' expects an integer argument."));
    let r = run("backend b\n retries\n");
    assert!(r.has_alert("'retries' expects an integer argument (dispatch counts for one)."));
    let r = run("frontend f\n bind :80\n maxconn 10 20\n");
    assert!(r.has_alert("'maxconn' cannot handle unexpected argument '20'."));
}

#[test]
fn switching_rules() {
    let r = run("frontend f\n bind :80\n use_backend b if METH_GET || !TRUE\n default_backend b\nbackend b\n");
    let f = r.proxy("f");
    assert_eq!(f.use_backends.len(), 1);
    let c = f.use_backends[0]
        .cond
        .as_ref()
        .map(|c| (c.pol, c.suites.len()));
    assert_eq!(c, Some((rampart_rules::acl::cond::Pol::If, 2)));
    assert!(matches!(f.use_backends[0].target, BackendRef::Name(_)));
    assert_eq!(
        f.default_backend.as_ref().map(|d| d.value.clone()),
        Some("b".into())
    );
    assert!(r.valid());
    let r = run(
        "frontend f\n mode http\n bind :80\n use_backend %[req.hdr(host)]\nbackend b\n mode http\n",
    );
    assert!(matches!(
        r.proxy("f").use_backends[0].target,
        BackendRef::Dynamic(_)
    ));
    let r =
        run("frontend f\n mode http\n bind :80\n use_backend %[nosuch]\nbackend b\n mode http\n");
    assert!(r.has_alert("failed to parse use_backend rule '%[nosuch]' : failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'."));
    let r = run("frontend f\n bind :80\n use_backend b if { path_beg /x }\nbackend b\n");
    assert!(r.valid());
    let r = run("frontend f\n bind :80\n use_backend b when x\n");
    assert!(r.has_alert(
        "unexpected keyword 'when' after switching rule, only 'if' and 'unless' are allowed."
    ));
    let r = run("frontend f\n bind :80\n use_backend\n");
    assert!(r.has_alert("'use_backend' expects a backend name."));
    let r = run("defaults\n use_backend b\n");
    assert!(r.has_alert("'use_backend' not allowed in 'defaults' section."));
    let r = run("frontend f\n bind :80\n default_backend b c\nbackend b\n");
    assert!(r.has_alert("'default_backend' cannot handle unexpected argument 'c'."));
}

#[test]
fn removed_keywords_use_haproxy_text() {
    let r = run("backend b\n reqrep ^a b\n");
    assert!(r.has_alert("The 'reqrep' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead."));
    let r = run("frontend f\n monitor-net 10.0.0.0/8\n");
    assert!(r.has_alert("'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src 10.0.0.0/8 }' instead."));
    let r = run("backend b\n redispatch\n");
    assert!(r.has_alert("keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'."));
    let r = run("backend b\n grace 10s\n");
    assert!(r.has_alert("the 'grace' keyword is not supported any more since HAProxy version 2.5."));
}

#[test]
fn unknown_and_not_yet() {
    let r = run("backend b\n balanse roundrobin\n");
    assert!(r.has_alert(
        "unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?"
    ));
    let r = run("listen l\n zzzzzzzzzz\n");
    assert!(r.has_alert("unknown keyword 'zzzzzzzzzz' in 'listen' section"));
    let r = run("backend b\n http-request track-sc0 src\n");
    assert!(r.has_alert("'http-request track-sc0' is not supported yet (it needs stick tables)"));
}

#[test]
fn misc_data_keywords() {
    let r = run("defaults\n mode http\n http-reuse always\n retry-on 503 conn-failure\n rate-limit sessions 10\n max-keep-alive-queue -1\nlisten l\n bind :80\n log-tag app\n");
    let l = r.proxy("l");
    assert_eq!(l.http_reuse, crate::proxy::keywords::HttpReuse::Always);
    assert_eq!(l.retry_on.statuses, vec![503]);
    assert!(l.retry_on.conn_failure && !l.retry_on.empty_response);
    assert_eq!(l.rate_limit_sessions, Some(10));
    assert_eq!(l.max_keep_alive_queue, Some(-1));
    assert_eq!(l.log_tag.as_deref(), Some("app"));
    assert!(r.valid());
    let r = run("backend b\n http-reuse sometimes\n");
    assert!(r.has_alert("'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'."));
    let r = run("backend b\n retry-on none 503\n");
    assert!(r.has_alert("'retry-on' 'none' keyworld only usable alone"));
    let r = run("frontend f\n bind :80\n retry-on 503\n");
    assert!(r.has_alert("'retry-on' only available in backend or listen section"));
    let r = run("backend b\n rate-limit sessions 10\n");
    assert!(r.has_warning(
        "rate-limit sessions will be ignored because backend 'b' has no frontend capability"
    ));
    let r = run("frontend f\n bind :80\n rate-limit sessions 1x\n");
    assert!(r.has_alert("'rate-limit sessions' : unexpected character 'x' in integer value '1x'"));
    let r = run("backend b\n bind-process 2\n");
    // HAProxy keeps parse_process_number's trailing line feed here (a blank line follows).
    assert!(r.has_alert(
        "bind-process : '2' is not a valid number/range. It supports numbers from 1 to 1.\n"
    ));
    let r = run("backend b\n bind-process all\n");
    assert!(r.has_warning(
        "'bind-process' has no effect, is deprecated, and will be removed in version 2.7."
    ));
}

#[test]
fn keywords_the_runtime_does_not_apply_yet() {
    // Accepted by HAProxy, refused until the runtime acts on them (docs/runtime-gaps.md).
    for line in [
        "clitcpka-cnt 4",
        "clitcpka-idle 30",
        "clitcpka-intvl 5",
        "srvtcpka-cnt 4",
        "srvtcpka-idle 30",
        "srvtcpka-intvl 5",
        "http-send-name-header X-Server",
    ] {
        let r = run(&format!("listen l\n mode http\n bind :80\n {line}\n"));
        let kw = line.split(' ').next().unwrap_or_default();
        assert!(
            r.has_alert(&format!("'{kw}' is not supported yet")),
            "{line}"
        );
    }
    // Their arguments are still checked first, with HAProxy's words.
    let r = run("listen l\n bind :80\n clitcpka-cnt 4x\n");
    assert!(r.has_alert("'clitcpka-cnt' : unexpected character 'x' in integer value '4x'"));
    assert!(!r.has_alert("'clitcpka-cnt' is not supported yet"));
    let r = run("listen l\n bind :80\n monitor-uri\n");
    assert!(r.has_alert("'monitor-uri' expects an URI."));
}

#[test]
fn dispatch_source_usesrc() {
    let r = run("backend b\n dispatch 127.0.0.1:80\n source 10.0.0.1 usesrc clientip\n");
    let p = r.proxy("b");
    assert!(p.dispatch.is_some() && p.source.is_some());
    let r = run("backend b\n dispatch 127.0.0.1\n");
    assert!(r.has_alert("'dispatch' : missing port specification in '127.0.0.1'"));
    let r = run("backend b\n usesrc client\n");
    assert!(r.has_alert("'usesrc' only allowed after a 'source' statement."));
    let r = run("backend b\n source 10.0.0.1 foo\n");
    assert!(r.has_alert("'source' only supports optional keywords 'interface' and 'usesrc'."));
    let r = run("backend b\n source\n");
    assert!(r.has_alert(
        "'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>."
    ));
}
