//! Request-line, transaction, body, authentication and capture fetches.

use super::*;
use crate::fetch::auth::{base64dec, parse, Auth};
use crate::stream::NoEnv;

fn on<'a>(t: &'a dyn Env, h: &'a RequestHead) -> Stream<'a> {
    let mut s = Stream::new(t);
    s.req = Some(h);
    s
}

#[test]
fn request_line() {
    let h = req("PURGE /x HTTP/1.0\r\n\r\n");
    let s = on(&NoEnv, &h);
    check_all(
        &s,
        &[
            ("method", Some("PURGE")),
            ("req.ver", Some("1.0")),
            ("req_ver", Some("1.0")),
            ("req.proto_http", Some("true")),
            ("req_proto_http", Some("true")),
            ("http_first_req", None),
            ("unique-id", None),
            ("capture.req.ver", Some("HTTP/1.0")),
            ("capture.res.ver", None),
        ],
    );
    // A known method is kept by the transaction; another one needs the request side.
    let mut s = on(&NoEnv, &h);
    s.dir = Dir::Res;
    check_all(&s, &[("method", None), ("req.proto_http", None)]);
    let g = req("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    let mut s = on(&NoEnv, &g);
    s.dir = Dir::Res;
    check_all(
        &s,
        &[
            ("method", Some("GET")),
            ("capture.req.ver", Some("HTTP/1.1")),
        ],
    );
    assert_eq!(one("req.proto_http", &Stream::new(&NoEnv)), None);
    assert_eq!(super::super::l7_req::version_number(b"HTTP/"), None);
    assert_eq!(super::super::l7_req::version_number(b"HTTP"), None);
}

#[test]
fn bodies() {
    let t = TestEnv {
        http: true,
        ..TestEnv::default()
    };
    let h = req("POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n");
    let mut s = on(&t, &h);
    s.req_data = b"a=1&b=x%20y&a=3;c=";
    check_all(
        &s,
        &[
            ("req.body", Some("613d3126623d782532307926613d333b633d")),
            ("req.body_len", Some("18")),
            ("req.body_size", Some("30")),
            ("req.body_param(b)", Some("x%20y")),
            ("req.body_param(a)", Some("1")),
            ("req.body_param(c)", Some("")),
            ("req.body_param", Some("1")),
            ("res.body", None),
        ],
    );
    let all: Vec<String> = every("req.body_param(a)", &s).iter().map(show).collect();
    assert_eq!(all, ["1", "3"]);
    // In TCP mode the request HAProxy reads from the buffer has no body.
    let tcp = TestEnv::default();
    let mut s = on(&tcp, &h);
    s.req_data = b"POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\na=1";
    check_all(
        &s,
        &[
            ("req.body", Some("")),
            ("req.body_len", Some("0")),
            ("req.body_size", Some("0")),
            ("req.body_param", None),
        ],
    );
    let t = TestEnv {
        pending: Some(5),
        http: true,
        ..TestEnv::default()
    };
    let c = req("POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    let mut s = on(&t, &c);
    s.req_data = b"abc";
    check_all(
        &s,
        &[("req.body_size", Some("8")), ("req.body_len", Some("3"))],
    );
    let r = res("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
    let h = TestEnv {
        http: true,
        ..TestEnv::default()
    };
    let mut s = Stream::new(&h);
    s.res = Some(&r);
    s.res_data = b"ok";
    s.dir = Dir::Res;
    check_all(
        &s,
        &[
            ("res.body", Some("6f6b")),
            ("res.body_len", Some("2")),
            ("res.body_size", Some("2")),
        ],
    );
}

#[test]
fn credentials() {
    // "user:pa:ss" and "Aladdin:open sesame".
    let cases: &[(&str, Cases)] = &[
        (
            "Authorization: Basic dXNlcjpwYTpzcw==",
            &[
                ("http_auth_type", Some("Basic")),
                ("http_auth_user", Some("user")),
                ("http_auth_pass", Some("pa:ss")),
                ("http_auth_bearer", None),
            ],
        ),
        (
            "Authorization: bAS   QWxhZGRpbjpvcGVuIHNlc2FtZQ==, other",
            &[
                ("http_auth_type", Some("Basic")),
                ("http_auth_user", Some("Aladdin")),
                ("http_auth_pass", Some("open sesame")),
            ],
        ),
        (
            "Authorization: Bearer tok.en",
            &[
                ("http_auth_type", Some("Bearer")),
                ("http_auth_user", None),
                ("http_auth_bearer", Some("tok.en")),
                ("http_auth_bearer(authorization)", Some("tok.en")),
                ("http_auth_bearer(x-token)", Some("")),
            ],
        ),
        (
            "X-Token: bearer abc",
            &[
                ("http_auth_type", None),
                ("http_auth_bearer(x-token)", Some("abc")),
            ],
        ),
        (
            "Authorization: Basicx dXNlcjpwYTpzcw==",
            &[("http_auth_type", None)],
        ),
        ("Authorization: Basic", &[("http_auth_type", None)]),
        (
            "Authorization: Basic dXNlcg==",
            &[("http_auth_type", None), ("http_auth_user", None)],
        ),
        ("Authorization: Digest x=1", &[("http_auth_type", None)]),
    ];
    for (field, checks) in cases {
        let h = req(&format!("GET / HTTP/1.1\r\nHost: h\r\n{field}\r\n\r\n"));
        check_all(&on(&NoEnv, &h), checks);
    }
    // With option http-use-proxy-header, a proxy request reads Proxy-Authorization.
    let t = TestEnv {
        proxy_header: true,
        users: vec![("L", "user", "pa:ss")],
        ..TestEnv::default()
    };
    let h = req(concat!(
        "GET http://h/ HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n",
        "Proxy-Authorization: Basic dXNlcjpwYTpzcw==\r\n\r\n"
    ));
    let s = on(&t, &h);
    check_all(&s, &[("http_auth_type", Some("Basic"))]);
    let run = |name: &str, list: &str| {
        let d = find(name).unwrap();
        let args = [Arg::Unresolved(ArgType::Usr, list.into())];
        (d.f)(&s, &args, &mut Iter::single()).map(|v| show(&v))
    };
    assert_eq!(run("http_auth", "L").as_deref(), Some("true"));
    assert_eq!(run("http_auth_group", "L").as_deref(), Some("user"));
    assert_eq!(run("http_auth", "M"), None);
    let h = req("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjpubw==\r\n\r\n");
    let s = on(&t, &h);
    let run = |name: &str| {
        let d = find(name).unwrap();
        let args = [Arg::Unresolved(ArgType::Usr, "L".into())];
        (d.f)(&s, &args, &mut Iter::single()).map(|v| show(&v))
    };
    assert_eq!(run("http_auth").as_deref(), Some("false"));
    assert_eq!(run("http_auth_group"), None);
}

#[test]
fn base64_as_haproxy_decodes_it() {
    assert_eq!(base64dec(b"").as_deref(), Some(&b""[..]));
    assert_eq!(base64dec(b"YQ==").as_deref(), Some(&b"a"[..]));
    assert_eq!(base64dec(b"YWI=").as_deref(), Some(&b"ab"[..]));
    assert_eq!(base64dec(b"YQ==YWJj").as_deref(), Some(&b"aabc"[..]));
    assert_eq!(base64dec(b"Y==="), Some(Vec::new()));
    assert_eq!(base64dec(b"===="), None);
    assert_eq!(base64dec(b"YQ=a"), None);
    assert_eq!(base64dec(b"YQ="), None);
    assert_eq!(base64dec(b"Y-Q="), None);
    assert_eq!(
        parse(b"Basic YQBiOmM="),
        None,
        "a NUL before the colon hides it"
    );
    assert_eq!(
        parse(b"Basic YTpiAGM="),
        Some(Auth::Basic {
            user: b"a".to_vec(),
            pass: b"b".to_vec()
        })
    );
    assert_eq!(parse(b" Basic YTpi"), None);
}

#[test]
fn captures() {
    let t = TestEnv {
        captures: vec![(false, 0, "host.example"), (true, 1, "srv")],
        line: Some("GET http://a.b/p?q=1 HTTP/1.1"),
        ..TestEnv::default()
    };
    let s = Stream::new(&t);
    check_all(
        &s,
        &[
            ("capture.req.hdr(0)", Some("host.example")),
            ("capture.req.hdr(1)", None),
            ("capture.req.hdr(-1)", None),
            ("capture.res.hdr(1)", Some("srv")),
            ("capture.req.method", Some("GET")),
            ("capture.req.uri", Some("/p?q=1")),
        ],
    );
    let t = TestEnv {
        line: Some("CONNECT a.b:443 HTTP/1.1"),
        ..TestEnv::default()
    };
    check_all(
        &Stream::new(&t),
        &[
            ("capture.req.method", Some("CONNECT")),
            ("capture.req.uri", None),
        ],
    );
    let t = TestEnv {
        line: Some("GARBAGE"),
        ..TestEnv::default()
    };
    check_all(
        &Stream::new(&t),
        &[
            ("capture.req.method", Some("GARBAGE")),
            ("capture.req.uri", None),
        ],
    );
}
