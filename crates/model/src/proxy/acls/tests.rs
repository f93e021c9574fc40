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
    let r = run("defaults d\n acl a path /\n");
    assert!(r.has_alert("'acl' not allowed in 'defaults' section."));
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
