//! Request-target fetches: paths, `base` and its hashes, `url_ip`/`url_port`, query
//! parameters.

use super::*;
use crate::fetch::url::{full_hash, url2sa};
use crate::stream::NoEnv;

fn on<'a>(t: &'a dyn Env, h: &'a RequestHead) -> Stream<'a> {
    let mut s = Stream::new(t);
    s.req = Some(h);
    s
}

#[test]
fn paths_and_base() {
    let cases: &[(&str, Cases)] = &[
        (
            "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: Ex.com:81, other\r\n\r\n",
            &[
                ("url", Some("/a/b?x=1&y=2")),
                ("path", Some("/a/b")),
                ("pathq", Some("/a/b?x=1&y=2")),
                ("query", Some("x=1&y=2")),
                ("base", Some("Ex.com:81/a/b")),
                ("baseq", Some("Ex.com:81/a/b?x=1&y=2")),
            ],
        ),
        (
            "GET http://h.example:8080/p?q HTTP/1.1\r\nHost: h.example:8080\r\n\r\n",
            &[
                ("path", Some("/p")),
                ("pathq", Some("/p?q")),
                ("query", Some("q")),
                ("base", Some("h.example:8080/p")),
                ("url_ip", None),
            ],
        ),
        (
            "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n",
            &[("path", None), ("query", None), ("base", Some("h"))],
        ),
        (
            "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
            &[("path", None), ("base", Some("h")), ("query", None)],
        ),
        (
            "GET /x? HTTP/1.1\r\nHost:\r\n\r\n",
            &[
                ("query", Some("")),
                ("base", Some("/x")),
                ("baseq", Some("/x?")),
            ],
        ),
        ("GET /x HTTP/1.0\r\n\r\n", &[("base", Some("/x"))]),
    ];
    for (raw, checks) in cases {
        let h = req(raw);
        check_all(&on(&NoEnv, &h), checks);
    }
}

#[test]
fn hashes() {
    assert_eq!((full_hash(0), full_hash(1)), (2_874_071_335, 881_230_262));
    let t = TestEnv {
        src: Some("10.0.0.1:5".parse().unwrap()),
        ..TestEnv::default()
    };
    let h = req("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n");
    let s = on(&t, &h);
    let b32 = match one("base32", &s) {
        Some(Value::Sint(v)) => v,
        v => panic!("{v:?}"),
    };
    assert_eq!(b32, 154_742_920);
    let with_src = show(&one("base32+src", &s).unwrap());
    assert_eq!(with_src, format!("{:08x}0a000001", b32));
    let u32v = match one("url32", &s) {
        Some(Value::Sint(v)) => v,
        v => panic!("{v:?}"),
    };
    assert_eq!(u32v, 1_409_054_857, "url32 hashes the query too");
    // The same host and path without query give the same base32.
    let h2 = req("GET /a?c HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(one("base32", &on(&t, &h2)), Some(Value::Sint(b32)));
    let t6 = TestEnv {
        src: Some("[::1]:5".parse().unwrap()),
        ..TestEnv::default()
    };
    assert_eq!(show(&one("url32+src", &on(&t6, &h)).unwrap()).len(), 40);
    assert_eq!(one("url32+src", &on(&NoEnv, &h)), None);
}

#[test]
fn absolute_targets_give_an_address_and_port() {
    for (uri, want) in [
        ("http://10.1.2.3/x", Some(("10.1.2.3", 80))),
        ("HTTPS://10.1.2.3:8443/x", Some(("10.1.2.3", 8443))),
        ("http://10.1.2.3:70000/", Some(("10.1.2.3", 4464))),
        ("http://10.1.2.3:/", Some(("10.1.2.3", 0))),
        ("http://10.1.2.3.4/", None),
        ("http://host/", None),
        ("http://[::1]:80/", None),
        ("ftp://10.1.2.3/", None),
        ("/x?u=http://10.1.2.3/", None),
        ("xhttp://10.1.2.3/", None),
    ] {
        let got = url2sa(uri.as_bytes()).map(|(a, p)| (a.to_string(), p));
        assert_eq!(got, want.map(|(a, p)| (a.to_string(), p)), "{uri}");
    }
}

#[test]
fn query_parameters() {
    let h = req("GET /p?a=1&b=2;a=3&c&=4&d=x=y HTTP/1.1\r\nHost: h\r\n\r\n");
    let s = on(&NoEnv, &h);
    check_all(
        &s,
        &[
            ("url_param(a)", Some("1")),
            ("urlp(b)", Some("2")),
            ("urlp(c)", None),
            ("urlp(d)", Some("x=y")),
            ("url_param", Some("1")),
            ("urlp(A)", None),
            ("urlp_val(b)", Some("2")),
            ("urlp(e)", None),
            ("url_param(a,/)", Some("3")),
        ],
    );
    let all: Vec<String> = every("url_param(a)", &s).iter().map(show).collect();
    assert_eq!(all, ["1", "3"]);
    let any: Vec<String> = every("url_param", &s).iter().map(show).collect();
    assert_eq!(any, ["1", "2", "3", "4", "x=y"]);
    // Another delimiter starts the list: "/p" splits at the first "/".
    let h = req("GET /x/k=v&k=w HTTP/1.1\r\nHost: h\r\n\r\n");
    check_all(
        &on(&NoEnv, &h),
        &[("url_param(k,/)", Some("v")), ("url_param(k,&)", Some("w"))],
    );
}
