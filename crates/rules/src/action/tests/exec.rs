//! Execution of every action on real heads.

use super::*;
use crate::reply::write_reply;
use crate::sample::Value;
use crate::vars::VarRef;
use std::net::SocketAddr;
use std::sync::RwLock;
use RuleSet::{HttpAfterResponse as After, HttpRequest as Req, HttpResponse as Res};

const GET: &str =
    "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1, 2 ,3\r\nx-a: 4\r\nCookie: c=1\r\n\r\n";

/// The request line and headers after the actions, one per line, without CRLFs.
fn req_after(acts: &[&[&str]], raw: &str) -> String {
    let acts: Vec<HttpAct> = acts.iter().map(|w| act(Req, w)).collect();
    let r = run(&acts, raw);
    r.req.trim_end().replace("\r\n", "|")
}

#[test]
fn header_actions() {
    let cases: &[(&[&[&str]], &str)] = &[
        (
            &[&["set-header", "X-A", "new %[path]"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|cookie: c=1|x-a: new /a/b",
        ),
        (
            &[&["add-header", "X-A", "5"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|x-a: 1, 2 ,3|x-a: 4|cookie: c=1|x-a: 5",
        ),
        (
            &[&["del-header", "X-a"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|cookie: c=1",
        ),
        (
            &[&["del-header", "x-", "-m", "beg"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|cookie: c=1",
        ),
        (
            &[&["del-header", "OOKIE", "-m", "end"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|x-a: 1, 2 ,3|x-a: 4",
        ),
        (
            &[&["del-header", "-", "-m", "sub"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|cookie: c=1",
        ),
        (
            &[&["del-header", "^(h|c)", "-m", "reg"]],
            "GET /a/b?x=1 HTTP/1.1|x-a: 1, 2 ,3|x-a: 4",
        ),
        // replace-header: each whole value, replaced entirely by the template.
        (
            &[&["replace-header", "x-a", "^([0-9])", "<\\1>"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|x-a: <1>|x-a: <4>|cookie: c=1",
        ),
        // replace-value: each element, its blanks included.
        (
            &[&["replace-value", "X-A", "^([23])$", "v\\1"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|x-a: 1,v2,v3|x-a: 4|cookie: c=1",
        ),
        (
            &[&["replace-value", "x-a", "^$", "E"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|x-a: 1, 2 ,3|x-a: 4|cookie: c=1",
        ),
        // The regex is case-sensitive.
        (
            &[&["replace-header", "cookie", "C=(.*)", "d"]],
            "GET /a/b?x=1 HTTP/1.1|host: h|x-a: 1, 2 ,3|x-a: 4|cookie: c=1",
        ),
    ];
    for (acts, want) in cases {
        assert_eq!(req_after(acts, GET), *want, "{acts:?}");
    }
    assert_eq!(
        req_after(
            &[&["replace-value", "x", "^a$", "b"]],
            "GET / HTTP/1.1\r\nHost: h\r\nx: ,a, \"a,a\" ,\r\n\r\n"
        ),
        "GET / HTTP/1.1|host: h|x: ,b, \"a,a\" ,"
    );
}

#[test]
fn host_and_authority_follow_each_other() {
    let abs = "GET http://old:81/p?q HTTP/1.1\r\nHost: old:81\r\n\r\n";
    assert_eq!(
        req_after(&[&["set-header", "host", "new"]], abs),
        "GET http://new/p?q HTTP/1.1|host: new"
    );
    assert_eq!(
        req_after(&[&["replace-header", "host", "old", "x"]], abs),
        "GET http://x/p?q HTTP/1.1|host: x"
    );
    assert_eq!(
        req_after(&[&["set-uri", "https://u@n2:8/z"]], abs),
        "GET https://u@n2:8/z HTTP/1.1|host: n2:8"
    );
    // An origin-form target: no authority to follow.
    assert_eq!(
        req_after(&[&["set-header", "host", "new"]], GET),
        "GET /a/b?x=1 HTTP/1.1|x-a: 1, 2 ,3|x-a: 4|cookie: c=1|host: new"
    );
    assert_eq!(
        req_after(
            &[&["set-uri", "http://a.b/c"], &["set-header", "host", "d"]],
            GET
        )
        .split('|')
        .next(),
        Some("GET http://d/c HTTP/1.1")
    );
    // A new absolute URI without an authority fails (strict mode: an error).
    let r = run(&[act(Req, &["set-uri", "http:///x"])], GET);
    assert_eq!(r.verdicts, ["Error { failed_rewrite: true }"]);
}

#[test]
fn request_line_actions() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["set-method", "POST"], GET, "POST /a/b?x=1 HTTP/1.1"),
        (&["set-path", "/n%[path]"], GET, "GET /n/a/b?x=1 HTTP/1.1"),
        (&["set-pathq", "/n"], GET, "GET /n HTTP/1.1"),
        (&["set-query", "y=2"], GET, "GET /a/b?y=2 HTTP/1.1"),
        (&["set-query", "%[str()]"], GET, "GET /a/b? HTTP/1.1"),
        (&["set-uri", "/u"], GET, "GET /u HTTP/1.1"),
        (
            &["set-path", "/n"],
            "GET http://h:1/p?q HTTP/1.1\r\nHost: h:1\r\n\r\n",
            "GET http://h:1/n?q HTTP/1.1",
        ),
        // Without a path, the whole target is replaced.
        (
            &["set-path", "/n"],
            "GET http://h:1 HTTP/1.1\r\nHost: h:1\r\n\r\n",
            "GET /n HTTP/1.1",
        ),
        (
            &["set-query", "a"],
            "GET /p HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /p?a HTTP/1.1",
        ),
        (
            &["set-query", "%[str()]"],
            "GET /p HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /p HTTP/1.1",
        ),
        (
            &["replace-path", "/a/(.*)", "/z/\\1"],
            GET,
            "GET /z/b?x=1 HTTP/1.1",
        ),
        (&["replace-pathq", "x=(.)", "y"], GET, "GET y HTTP/1.1"),
        (&["replace-uri", "^/a", "/c"], GET, "GET /c HTTP/1.1"),
        (
            &["replace-uri", "^/nomatch", "/c"],
            GET,
            "GET /a/b?x=1 HTTP/1.1",
        ),
        (
            &["replace-uri", "^http://([^/]*)(.*)", "\\2"],
            "GET http://h:1/p HTTP/1.1\r\nHost: h:1\r\n\r\n",
            "GET /p HTTP/1.1",
        ),
    ];
    for (words, raw, line) in cases {
        let out = req_after(&[words], raw);
        assert_eq!(out.split('|').next(), Some(*line), "{words:?} on {raw:?}");
    }
}

#[test]
fn normalizers_match_haproxys_algorithms() {
    use normalize::*;
    let f = |n: fn(&[u8], &mut Vec<u8>), s: &str| {
        let mut o = Vec::new();
        n(s.as_bytes(), &mut o);
        String::from_utf8(o).unwrap_or_default()
    };
    assert_eq!(f(merge_slashes, "//a///b/"), "/a/b/");
    assert_eq!(f(strip_dot, "/./a/./b/."), "/a/b/");
    assert_eq!(f(strip_dot, "/a/.b/./"), "/a/.b/");
    let dd = |s: &str, full| {
        let mut o = Vec::new();
        strip_dotdot(s.as_bytes(), full, &mut o);
        String::from_utf8(o).unwrap_or_default()
    };
    assert_eq!(dd("/a/b/../c", false), "/a/c");
    assert_eq!(dd("/a/b/..", false), "/a/");
    assert_eq!(dd("/../a", false), "/../a");
    assert_eq!(dd("/../../a/../b", true), "/b");
    let sq = |s: &str| {
        let mut o = Vec::new();
        sort_query(s.as_bytes(), b'&', &mut o);
        String::from_utf8(o).unwrap_or_default()
    };
    assert_eq!(sq("?b=1&a=2&a=1&ab&"), "?a=2&a=1&ab&b=1");
    let mut o = Vec::new();
    assert!(percent_upper(b"%aa%zz", true, &mut o).is_err());
    o.clear();
    assert!(percent_upper(b"%aa%z", false, &mut o).is_ok());
    assert_eq!(o, b"%AA%z");
    o.clear();
    assert!(percent_decode_unreserved(b"%41%2F%7e%", false, &mut o).is_ok());
    assert_eq!(o, b"A%2F~%");
    o.clear();
    fragment_encode(b"/a#b#", &mut o);
    assert_eq!(o, b"/a%23b%23");

    // On requests: path-only normalizers keep the query.
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["normalize-uri", "path-merge-slashes"],
            "GET //a//b?x//y HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a/b?x//y HTTP/1.1",
        ),
        (
            &["normalize-uri", "query-sort-by-name"],
            "GET /p?b&a HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /p?a&b HTTP/1.1",
        ),
        (
            &["normalize-uri", "percent-to-uppercase"],
            "GET http://h/%aa?%bb HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET http://h/%AA?%BB HTTP/1.1",
        ),
        (
            &["normalize-uri", "path-strip-dotdot", "full"],
            "GET /../a/./../b HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a/b HTTP/1.1",
        ),
    ];
    for (words, raw, line) in cases {
        let out = req_after(&[words], raw);
        assert_eq!(out.split('|').next(), Some(*line), "{words:?}");
    }
    let r = run(
        &[act(
            Req,
            &["normalize-uri", "percent-decode-unreserved", "strict"],
        )],
        "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    assert_eq!(r.verdicts, ["BadRequest"]);
}

#[test]
fn failed_rewrites_obey_strict_mode() {
    let big = "x".repeat(16000);
    let acts = [
        act(Req, &["set-header", "a", &big]),
        act(Req, &["set-header", "b", &big]),
    ];
    let r = run(&acts, GET);
    assert_eq!(r.verdicts, ["Continue", "Error { failed_rewrite: true }"]);
    let acts = [
        act(Req, &["strict-mode", "off"]),
        act(Req, &["set-header", "a", &big]),
        act(Req, &["set-header", "b", &big]),
        act(Req, &["set-header", "c", "d"]),
    ];
    let r = run(&acts, GET);
    assert_eq!(
        r.verdicts,
        ["Continue", "Continue", "RewriteFailed", "Continue"]
    );
    assert!(!r.strict);
    assert!(r.req.contains("\r\na: x") && !r.req.contains("\r\nb: ") && r.req.contains("c: d"));
}

#[test]
fn response_actions() {
    let acts = [
        act(Res, &["set-status", "503", "reason", "Busy"]),
        act(Res, &["set-header", "x-s", "%[status]"]),
        act(Res, &["del-header", "server"]),
    ];
    let vars = StreamVars::default();
    let r = run_env(
        &acts,
        GET,
        Some("HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 0\r\n\r\n"),
        &NoEnv,
        &vars,
    );
    assert_eq!(
        r.res,
        "HTTP/1.1 503 Busy\r\ncontent-length: 0\r\nx-s: 503\r\n\r\n"
    );
    let r = run_env(
        &[act(After, &["set-status", "404"])],
        GET,
        Some("HTTP/1.1 200 OK\r\n\r\n"),
        &NoEnv,
        &vars,
    );
    assert_eq!(r.res, "HTTP/1.1 404 Not Found\r\n\r\n");
}

struct Addrs(RwLock<crate::vars::VarSet>);

impl crate::stream::Env for Addrs {
    fn src(&self) -> Option<SocketAddr> {
        "10.0.0.1:1234".parse().ok()
    }
    fn dst(&self) -> Option<SocketAddr> {
        "[::1]:80".parse().ok()
    }
    fn proc_vars(&self) -> Option<&RwLock<crate::vars::VarSet>> {
        Some(&self.0)
    }
}

#[test]
fn effects_and_flow() {
    let env = Addrs(RwLock::new(crate::vars::VarSet::new()));
    let vars = StreamVars::default();
    let cases: &[(&[&str], &str)] = &[
        (&["set-src", "hdr(x-ip)"], "Effect(SetSrc(192.0.2.7:1234))"),
        (&["set-src-port", "int(99)"], "Effect(SetSrc(10.0.0.1:99))"),
        (&["set-dst", "hdr(x-ip)"], "Effect(SetDst(192.0.2.7:80))"),
        (&["set-dst-port", "int(8080)"], "Effect(SetDst([::1]:8080))"),
        (&["set-src", "hdr(nope)"], "Continue"),
        (&["set-tos", "0x10"], "Effect(SetTos(16))"),
        (&["set-mark", "7"], "Effect(SetMark(7))"),
        (&["set-nice", "12"], "Effect(SetNice(12))"),
        (&["set-log-level", "silent"], "Effect(SetLogLevel(Silent))"),
        (
            &["set-timeout", "server", "int(1500)"],
            "Effect(SetTimeout { which: Server, ms: 1500 })",
        ),
        (
            &["set-priority-class", "int(5000)"],
            "Effect(SetPriorityClass(2047))",
        ),
        (
            &["set-priority-offset", "int(-1000000)"],
            "Effect(SetPriorityOffset(-524287))",
        ),
        (
            &["set-timeout", "tunnel", "2m"],
            "Effect(SetTimeout { which: Tunnel, ms: 120000 })",
        ),
        (&["disable-l7-retry"], "Effect(DisableL7Retry)"),
        (&["allow"], "Stop"),
        (&["reject"], "Reject"),
        (&["silent-drop"], "SilentDrop"),
        (&["auth", "realm", "r"], "Auth { realm: Some(\"r\") }"),
        (&["auth"], "Auth { realm: None }"),
        (
            &["wait-for-body", "time", "1s", "at-least", "1k"],
            "WaitForBody { time_ms: 1000, at_least: 1024 }",
        ),
    ];
    let raw = "GET / HTTP/1.1\r\nHost: h\r\nX-IP: 192.0.2.7\r\n\r\n";
    for (words, want) in cases {
        let r = run_env(&[act(Req, words)], raw, None, &env, &vars);
        assert_eq!(r.verdicts, [*want], "{words:?}");
    }
    for (words, status) in [
        (&["deny"][..], 403),
        (&["tarpit"][..], 500),
        (&["return"][..], 200),
    ] {
        let a = act(Req, words);
        let r = run_env(std::slice::from_ref(&a), raw, None, &env, &vars);
        let kind = ["Deny(", "Tarpit(", "Return("]
            [usize::from(status == 500) + 2 * usize::from(status == 200)];
        assert!(r.verdicts[0].starts_with(kind), "{:?}", r.verdicts);
        assert!(
            r.verdicts[0].contains(&format!("status: {status}")),
            "{:?}",
            r.verdicts
        );
    }
    // Captures and early hints leave their value in the scratch buffer.
    let r = run_env(
        &[act(Req, &["capture", "hdr(host),upper", "len", "1"])],
        raw,
        None,
        &env,
        &vars,
    );
    assert!(r.verdicts[0].starts_with("Effect(Capture(CaptureSlot"));
    assert_eq!(r.out, b"H");
    let r = run_env(
        &[act(Req, &["early-hint", "link", "</s.css>; rel=preload"])],
        raw,
        None,
        &env,
        &vars,
    );
    assert_eq!(r.verdicts, ["Effect(EarlyHint { name: \"link\" })"]);
    assert_eq!(r.out, b"</s.css>; rel=preload");
    // No early hints for HTTP/1.0 clients.
    let r = run(
        &[act(Req, &["early-hint", "link", "x"])],
        "GET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(r.verdicts, ["Continue"]);
}

#[test]
fn variables() {
    let env = Addrs(RwLock::new(crate::vars::VarSet::new()));
    let vars = StreamVars::default();
    let acts = [
        act(Req, &["set-var(txn.a)", "path", "lower"]),
        act(Req, &["set-var-fmt(sess.b)", "<%[path]%[hdr(nope)]>"]),
        act(Req, &["set-var(req.c,ifnotexists)", "int(1)"]),
        act(Req, &["set-var(req.c,ifnotexists)", "int(2)"]),
        act(Req, &["set-var(proc.p)", "int(7)"]),
        act(Req, &["set-var(res.r)", "int(3)"]),
        act(Req, &["set-header", "x-v", "%[var(txn.a)]"]),
    ];
    let r = run_env(
        &acts,
        "GET /A HTTP/1.1\r\nHost: h\r\n\r\n",
        None,
        &env,
        &vars,
    );
    assert!(r.req.contains("x-v: /a\r\n"), "{}", r.req);
    let get = |name: &str| {
        let v = VarRef::parse(name).unwrap();
        vars.store(v.scope)
            .and_then(|s| s.borrow().get(v.hash).cloned())
    };
    assert_eq!(get("txn.a"), Some(Value::str(b"/a").into_owned()));
    assert_eq!(get("sess.b"), Some(Value::str(b"</A>").into_owned()));
    assert_eq!(get("req.c"), Some(Value::Sint(1)));
    let p = VarRef::parse("proc.p").unwrap();
    assert_eq!(
        env.0.read().unwrap().get(p.hash).cloned(),
        Some(Value::Sint(7))
    );
    // A response variable does not exist while the request is processed.
    vars.start_response();
    assert_eq!(get("res.r"), None);
    // unset-var deletes (ifexists no longer finds it).
    run_env(
        &[
            act(Req, &["unset-var(txn.a)"]),
            act(Req, &["set-var(txn.a,ifexists)", "int(1)"]),
        ],
        GET,
        None,
        &env,
        &vars,
    );
    assert_eq!(get("txn.a"), None);
}

#[test]
fn maps_change_their_reference() {
    use crate::pattern::{LoadCx, Origin, Registry};
    let files = Files(vec![("m.map", b"a 1\n".to_vec())]);
    let mut reg = Registry::new();
    let mut load = LoadCx {
        registry: &mut reg,
        files: &files,
        origin: Origin { file: "t", line: 1 },
        resolver: None,
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    let mut args = vec![crate::args::Arg::Str("m.map".into())];
    crate::map::load("map", &mut args, &mut load).unwrap();
    let mut acts = vec![
        act(Req, &["set-map(m.map)", "%[path]", "v"]),
        act(Req, &["set-map(m.map)", "a", "2"]),
        act(Req, &["add-acl(m.map)", "z"]),
        act(Req, &["del-map(m.map)", "z"]),
        act(Req, &["set-map(other)", "q", "r"]),
    ];
    for a in &mut acts {
        a.bind_refs(&reg);
    }
    run(&acts, GET);
    let r = reg.lookup("m.map").unwrap();
    let entries: Vec<(Vec<u8>, Option<Vec<u8>>)> = r
        .entries(None)
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect();
    assert_eq!(
        entries,
        [
            (b"a".to_vec(), Some(b"2".to_vec())),
            (b"/a/b".to_vec(), Some(b"v".to_vec())),
        ]
    );
}

#[test]
fn redirects() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["redirect", "location", "/x%[path]", "code", "303", "set-cookie", "A=1"],
            GET,
            "HTTP/1.1 303 See Other\r\ncontent-length: 0\r\nlocation: /x/a/b\r\ncache-control: no-cache\r\nset-cookie: A=1; path=/;\r\n\r\n",
        ),
        (
            &["redirect", "scheme", "https", "drop-query", "append-slash"],
            "GET /s/b?c HTTP/1.1\r\nHost: h1, h2\r\n\r\n",
            "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://h1/s/b/\r\ncache-control: no-cache\r\n\r\n",
        ),
        (
            &["redirect", "prefix", "/", "code", "301"],
            GET,
            "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /a/b?x=1\r\n\r\n",
        ),
        (
            &["redirect", "prefix", "http://n", "code", "308"],
            "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n",
            "HTTP/1.1 308 Permanent Redirect\r\ncontent-length: 0\r\nlocation: http://n/\r\n\r\n",
        ),
    ];
    for (words, raw, want) in cases {
        let a = act(Req, words);
        let r = run(std::slice::from_ref(&a), raw);
        assert!(r.verdicts[0].starts_with("Redirect("), "{:?}", r.verdicts);
        let HttpAct::Redirect(rd) = &a else { panic!() };
        let mut out = Vec::new();
        rd.write_response(&r.out, None, None, &mut out);
        assert_eq!(String::from_utf8_lossy(&out), *want, "{words:?}");
    }
    let r = run(
        &[act(
            Req,
            &["redirect", "location", "%[hdr(nope)]", "ignore-empty"],
        )],
        GET,
    );
    assert_eq!(r.verdicts, ["Continue"]);
}

#[test]
fn replies_render_as_haproxy_sends_them() {
    let a = act(
        Req,
        &[
            "return",
            "status",
            "201",
            "content-type",
            "text/plain",
            "lf-string",
            "u=%[url]",
            "hdr",
            "X-A",
            "%[req.hdr(x)]",
            "hdr",
            "X-B",
            "b",
        ],
    );
    let HttpAct::Return(reply) = &a else { panic!() };
    let head = req_head("GET /r HTTP/1.1\r\nHost: h\r\n\r\n");
    let mut s = crate::stream::Stream::new(&NoEnv);
    s.req = Some(&head);
    let (mut out, mut tmp) = (Vec::new(), Vec::new());
    write_reply(
        reply,
        &s,
        &Cx::default(),
        None,
        Some(b"close"),
        false,
        None,
        &mut out,
        &mut tmp,
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "HTTP/1.1 201 Created\r\nx-b: b\r\ncontent-length: 4\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nu=/r"
    );
    out.clear();
    write_reply(
        reply,
        &s,
        &Cx::default(),
        None,
        None,
        true,
        None,
        &mut out,
        &mut tmp,
    );
    assert!(out.ends_with(b"content-type: text/plain\r\n\r\n"));
    // deny without payload: the proxy's page, or HAProxy's.
    let d = act(Req, &["deny"]);
    let HttpAct::Deny(reply) = &d else { panic!() };
    out.clear();
    write_reply(
        reply,
        &s,
        &Cx::default(),
        Some(b"custom"),
        None,
        false,
        None,
        &mut out,
        &mut tmp,
    );
    assert_eq!(out, b"custom");
    out.clear();
    write_reply(
        reply,
        &s,
        &Cx::default(),
        None,
        None,
        false,
        None,
        &mut out,
        &mut tmp,
    );
    assert!(out.starts_with(b"HTTP/1.1 403 Forbidden\r\n"));
    let e = act(Req, &["return", "status", "204"]);
    let HttpAct::Return(reply) = &e else { panic!() };
    out.clear();
    write_reply(
        reply,
        &s,
        &Cx::default(),
        None,
        None,
        false,
        None,
        &mut out,
        &mut tmp,
    );
    assert_eq!(out, b"HTTP/1.1 204 No Content\r\n\r\n");
}
