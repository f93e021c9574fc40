//! `acl` lines, conditions and argument resolution, with HAProxy's messages (checked
//! against `haproxy -c` 2.6).

use crate::proxy::testutil::*;

const HEAD: &str =
    "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

#[test]
fn acl_lines_with_one_name_are_one_acl() {
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl a path_beg /x\n acl a hdr(host) -i h\n use_backend b if a\nbackend b\n"
    ));
    assert!(r.valid());
    let f = r.proxy("f");
    let a = f.acls.iter().find(|a| a.name == "a").map(|a| a.exprs.len());
    assert_eq!(a, Some(2));
}

#[test]
fn acl_errors_are_haproxy_s() {
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl b nosuch\n acl or path /\n acl c$ path /\n use_backend b if x\n"
    ));
    assert!(r.has_alert(
        "error detected while parsing ACL 'b' : unknown fetch method 'nosuch' in ACL expression 'nosuch'."
    ));
    assert!(r.has_alert(
        "acl name 'or' will never match. 'or' is used to express a logical disjunction within a condition."
    ));
    assert!(r.has_alert("character '$' is not permitted in acl name 'c$'."));
    assert!(r.has_alert("error detected while parsing switching rule : no such ACL : 'x'."));
    let r = run("defaults\n acl a path /\n");
    assert!(r.has_alert("'acl' not allowed in anonymous 'defaults' section."));
    let r = run("defaults d\n mode http\n acl a path /\n");
    assert!(r.valid());
}

#[test]
fn an_acl_without_pattern_is_warned_without_location() {
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl a path_beg\n http-request return status 200 if {{ path_beg }}\n"
    ));
    let n = r
        .diags
        .iter()
        .filter(|d| {
            d.message
                .starts_with("parsing acl keyword 'path_beg' :\n  no pattern")
                && d.form == rampart_config::Form::Bare
        })
        .count();
    assert_eq!(n, 2, "{:#?}", r.messages());
}

#[test]
fn backends_cannot_use_a_frontend_s_acls() {
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl a path /\n default_backend b\nbackend b\n force-persist if a\n"
    ));
    assert!(r.has_alert("error detected while parsing a 'force-persist' rule : no such ACL : 'a'."));
}

#[test]
fn arguments_naming_proxies_and_servers_are_resolved() {
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl a be_conn(zz) gt 1\n acl b srv_is_up(b/zz)\n acl c nbsrv(f)\n acl d http_auth(nope)\n acl e srv_is_up(b/s)\n use_backend b if a b c d e\nbackend b\n server s 127.0.0.1:1\n"
    ));
    let msg = r
        .diags
        .iter()
        .find(|d| {
            d.message
                .starts_with("multiple argument resolution errors:")
        })
        .map(|d| d.message.clone());
    assert_eq!(
        msg.as_deref(),
        Some(concat!(
            "multiple argument resolution errors:\n",
            "        parsing [t.cfg:8]: unable to find backend 'zz' referenced in arg 1 of ACL keyword 'be_conn' in proxy 'f'.\n",
            "        parsing [t.cfg:9]: unable to find server 'zz' in proxy 'b', referenced in arg 1 of ACL keyword 'srv_is_up' in proxy 'f'.\n",
            "        parsing [t.cfg:10]: unable to find backend 'f' referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'f'.\n",
            "        parsing [t.cfg:11]: unable to find userlist 'nope' referenced in arg 1 of ACL keyword 'http_auth' in proxy 'f'."
        )),
        "{:#?}",
        r.messages()
    );
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl a be_conn(zz) gt 1\n use_backend b if a\nbackend b\n"
    ));
    assert!(r.has_alert(
        "parsing [t.cfg:8]: unable to find backend 'zz' referenced in arg 1 of ACL keyword 'be_conn' in proxy 'f'."
    ));
}

#[test]
fn a_condition_that_cannot_work_here_is_warned() {
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n acl st status 200\n use_backend b if st\nbackend b\n"
    ));
    assert!(r.has_warning(
        "acl 'st' will never match because it only involves keywords that are incompatible with 'frontend use-backend rule'"
    ));
}

#[test]
fn rules_after_a_later_stage_are_warned() {
    let r = run(&format!(
        "{HEAD}listen l\n bind :80\n use_backend b if TRUE\n http-request return status 200 if FALSE\n use-server s if TRUE\n server s 127.0.0.1:1\nbackend b\n"
    ));
    assert!(r.has_warning(
        "a 'http-request' rule placed after a 'use_backend' rule will still be processed before."
    ));
}

/// The first argument of the first expression of a `set-header` or `set-var` rule.
fn first_arg(rule: &crate::proxy::http_act::HttpRule) -> rampart_rules::args::Arg {
    use rampart_rules::action::{HttpAct, VarValue};
    use rampart_rules::logfmt::Node;
    let expr = match &*rule.act {
        HttpAct::SetHeader(h) => match h.value.nodes.first() {
            Some(Node::Expr(e, _)) => e,
            n => panic!("not an expression: {n:?}"),
        },
        HttpAct::Var(v) => match &v.value {
            VarValue::Expr(e) => e,
            v => panic!("not an expression: {v:?}"),
        },
        a => panic!("unexpected action {a:?}"),
    };
    expr.args[0].clone()
}

#[test]
fn arguments_of_actions_are_resolved() {
    use rampart_rules::args::Arg;
    let r = run(&format!(
        "{HEAD}frontend f\n bind :80\n http-request set-header X %[be_conn(b)]\n http-request set-var(txn.x) srv_is_up(b/s)\n http-response set-header Y %[fe_conn(f)]\n default_backend b\nbackend b\n server s 127.0.0.1:1\n"
    ));
    assert!(r.clean());
    let f = r.proxy("f");
    let b = r.proxies.iter().position(|p| p.name == "b").unwrap();
    let fi = r.proxies.iter().position(|p| p.name == "f").unwrap();
    assert_eq!(first_arg(&f.http_request[0]), Arg::Proxy(b));
    assert_eq!(first_arg(&f.http_request[1]), Arg::Server(b, 0));
    assert_eq!(first_arg(&f.http_response[0]), Arg::Proxy(fi));
}

#[test]
fn action_arguments_are_reported_in_their_context() {
    let r = run(&format!(
        "{HEAD}listen f\n bind :80\n http-request set-header X %[be_conn(a)]\n http-request capture be_conn(b) len 10\n http-request set-timeout server be_conn(c)\n http-request redirect location /%[be_conn(d)] if {{ be_conn(e) gt 0 }}\n http-response set-header Y %[be_conn(g)]\n use_backend %[be_conn(h)]\n server s 127.0.0.1:1\n"
    ));
    let msg = r
        .diags
        .iter()
        .find(|d| {
            d.message
                .starts_with("multiple argument resolution errors:")
        })
        .map(|d| d.message.clone());
    assert_eq!(
        msg.as_deref(),
        Some(concat!(
            "multiple argument resolution errors:\n",
            "        parsing [t.cfg:8]: unable to find backend 'a' referenced in arg 1 of sample fetch keyword 'be_conn' in http-request expression in proxy 'f'.\n",
            "        parsing [t.cfg:9]: unable to find backend 'b' referenced in arg 1 of sample fetch keyword 'be_conn' in http-request expression in proxy 'f'.\n",
            "        parsing [t.cfg:10]: unable to find backend 'c' referenced in arg 1 of sample fetch keyword 'be_conn' in capture rule in proxy 'f'.\n",
            "        parsing [t.cfg:11]: unable to find backend 'e' referenced in arg 1 of ACL keyword 'be_conn' in proxy 'f'.\n",
            "        parsing [t.cfg:11]: unable to find backend 'd' referenced in arg 1 of sample fetch keyword 'be_conn' in redirect format string in proxy 'f'.\n",
            "        parsing [t.cfg:12]: unable to find backend 'g' referenced in arg 1 of sample fetch keyword 'be_conn' in http-response response in proxy 'f'.\n",
            "        parsing [t.cfg:13]: unable to find backend 'h' referenced in arg 1 of sample fetch keyword 'be_conn' in use_backend expression in proxy 'f'."
        )),
        "{:#?}",
        r.messages()
    );
}

#[test]
fn defaults_rules_are_kept_for_the_proxies_using_them() {
    let d = "defaults d\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n http-request set-header X 1 if { path_beg /a }\n";
    let r = run(&format!(
        "{d}frontend f\n bind :80\n default_backend b\nfrontend g\n bind :81\n default_backend b\ndefaults e\n mode http\nbackend b\n"
    ));
    assert!(r.clean());
    assert_eq!(r.defaults.len(), 1);
    assert_eq!(r.defaults[0].name, "d");
    assert_eq!(r.defaults[0].http_request.len(), 1);
    assert_eq!(r.defaults[0].acls.len(), 1);
    assert_eq!(r.proxy("f").defpx, Some(0));
    assert_eq!(r.proxy("g").defpx, Some(0));
    assert!(r.proxy("f").http_request.is_empty());
    assert_eq!(r.proxy("b").defpx, None);

    let r = run(&format!("{d}frontend f\n bind :80\nbackend b from d\n"));
    assert!(r.has_alert(
        "frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at t.cfg:1)."
    ));
    let r = run(&format!("{d}listen l\n bind :80\n"));
    assert!(r.has_alert(
        "a listen section cannot inherit from a defaults section defining TCP/HTTP rules."
    ));
    let r = run(&format!("{d}defaults e from d\n"));
    assert!(r.has_alert(
        "a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at t.cfg:1)."
    ));
    // Without rules, anything may use it.
    let r = run("defaults d\n mode http\nfrontend f\n bind :80\nbackend b\nlisten l\n bind :81\n");
    assert!(r.defaults.is_empty());
    assert!(!r.has_alert(
        "a listen section cannot inherit from a defaults section defining TCP/HTTP rules."
    ));
}
