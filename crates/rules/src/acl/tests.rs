use super::cond::{Cond, Known};
use super::*;
use crate::pattern::{Disk, LoadCx, Origin, Registry};
use crate::stream::{Env, Stream};
use rampart_h1::{parse_request, ParseOpts, RequestHead};
use std::net::SocketAddr;

struct Local;

impl Env for Local {
    fn src(&self) -> Option<SocketAddr> {
        "127.0.0.1:5000".parse().ok()
    }
}

fn req(raw: &str) -> RequestHead {
    let mut h = RequestHead::new();
    assert!(parse_request(raw.as_bytes(), &ParseOpts::default(), &mut h).is_ok());
    h
}

/// Declares `acls` (name, words) then evaluates each condition on `raw`.
fn run(acls: &[(&str, &str)], conds: &[&str], raw: &str) -> Result<Vec<bool>, String> {
    let mut reg = Registry::new();
    let mut cx = LoadCx {
        registry: &mut reg,
        files: &Disk,
        origin: Origin {
            file: "t.cfg",
            line: 1,
        },
        resolver: None,
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    let mut known = Known::default();
    let mut warnings = Vec::new();
    for (name, words) in acls {
        let w: Vec<&str> = words.split(' ').collect();
        known.add(name, AclExpr::parse(&w, &mut cx, &mut warnings)?);
    }
    let mut compiled = Vec::new();
    for c in conds {
        let w: Vec<&str> = c.split(' ').collect();
        compiled.push(Cond::parse(&w, &mut known, &mut cx, &mut warnings)?);
    }
    let h = req(raw);
    let mut s = Stream::new(&Local);
    s.req = Some(&h);
    Ok(compiled
        .iter()
        .map(|c| c.holds(&known.acls, &s, &Cx::default()))
        .collect())
}

#[test]
fn conditions_combine_named_predefined_and_anonymous_acls() {
    let raw = "GET /api/x?a=1 HTTP/1.1\r\nHost: WWW.Example.com\r\nContent-Length: 3\r\n\r\n";
    let acls = [
        ("is_api", "path_beg /api /v2"),
        ("host_ex", "hdr_dom(host) -i example.com"),
        ("big", "req.hdr_cnt(host) gt 1"),
    ];
    let got = run(
        &acls,
        &[
            "if is_api host_ex",
            "if is_api !host_ex",
            "if big || METH_GET",
            "unless METH_POST",
            "if { path_end /x } LOCALHOST",
            "if !{ path -m sub api }",
            "if HTTP_1.1 HTTP_URL_SLASH",
            "if FALSE or TRUE",
            "if",
            "unless",
        ],
        raw,
    )
    .unwrap();
    assert_eq!(
        got,
        [true, false, true, true, true, false, true, true, false, true]
    );
}

#[test]
fn repeated_acl_lines_are_ored_even_after_a_rule_used_them() {
    let got = run(
        &[("a", "path /nope"), ("a", "path /yes")],
        &["if a"],
        "GET /yes HTTP/1.1\r\nHost: h\r\n\r\n",
    )
    .unwrap();
    assert_eq!(got, [true]);
}

#[test]
fn errors_use_haproxys_wording() {
    let raw = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_eq!(
        run(&[], &["if nosuch"], raw).unwrap_err(),
        "no such ACL : 'nosuch'"
    );
    assert_eq!(
        run(&[], &["if { path /"], raw).unwrap_err(),
        "missing closing '}' in condition"
    );
    assert_eq!(
        run(&[("a", "nope /x")], &[], raw).unwrap_err(),
        "unknown fetch method 'nope' in ACL expression 'nope'"
    );
    assert_eq!(
        run(&[("a", "path -z /x")], &[], raw).unwrap_err(),
        "'-z' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"
    );
    assert!(run(&[("a", "ssl_fc_sni_end .com")], &[], raw)
        .unwrap_err()
        .contains("not supported yet"));
    assert_eq!(check_name("ok.name-1:x"), Ok(()));
    assert_eq!(
        check_name("bad/name"),
        Err("ACL name 'bad/name' contains invalid character '/'".into())
    );
}
