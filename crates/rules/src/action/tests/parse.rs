//! What parsing keeps, warns about, and refuses as not supported yet.

use super::*;
use crate::action::misc::TimeoutValue;
use crate::reply::ReplyBody;

fn try_parse(set: RuleSet, words: &[&str], cx: &mut ActCx<'_>) -> Result<HttpAct, ActError> {
    let mut idx = 0;
    http::parse(set, words, &mut idx, cx)
}

#[test]
fn later_subsystems_are_not_supported_yet() {
    let files = Files::default();
    let mut cx = ActCx::new("px", &files);
    for (set, words, msg) in [
        (
            RuleSet::HttpRequest,
            &["track-sc0", "src"][..],
            "'http-request track-sc0' is not supported yet (it needs stick tables)",
        ),
        (
            RuleSet::HttpResponse,
            &["sc-inc-gpc0(1)"],
            "'http-response sc-inc-gpc0(1)' is not supported yet (it needs stick tables)",
        ),
        (
            RuleSet::HttpRequest,
            &["cache-use", "c"],
            "'http-request cache-use' is not supported yet (it needs the cache)",
        ),
        (
            RuleSet::HttpRequest,
            &["do-resolve(txn.ip,dns)", "hdr(host)"],
            "'http-request do-resolve(txn.ip,dns)' is not supported yet (it needs DNS resolvers)",
        ),
    ] {
        let e = try_parse(set, words, &mut cx).unwrap_err();
        assert_eq!((e.kind, e.msg.as_str()), (ErrKind::NotYet, msg));
    }
    let a = try_parse(
        RuleSet::HttpRequest,
        &["use-service", "prometheus-exporter"],
        &mut cx,
    );
    assert!(matches!(
        a,
        Ok(HttpAct::UseService(
            crate::action::Service::PrometheusExporter
        ))
    ));
    let e = try_parse(RuleSet::HttpRequest, &["use-service", "lua.x"], &mut cx).unwrap_err();
    assert_eq!(
        (e.kind, e.msg.as_str()),
        (
            ErrKind::NotYet,
            "'http-request use-service lua.x' is not supported yet (it needs Lua)"
        )
    );
    let e = try_parse(RuleSet::HttpRequest, &["use-service", "nosuch"], &mut cx).unwrap_err();
    assert_eq!(
        (e.kind, e.msg.as_str()),
        (ErrKind::Invalid, "'nosuch' unknown service name.")
    );
}

#[test]
fn lookup_takes_prefixes_in_haproxys_order() {
    let k = |w| kw::lookup(RuleSet::HttpRequest, w).map(|k| k.name);
    assert_eq!(k("set-var-fmt(txn.x)"), Some("set-var-fmt"));
    assert_eq!(k("set-var(txn.x)"), Some("set-var"));
    assert_eq!(k("set-variable"), Some("set-var"));
    assert_eq!(k("sc-inc-gpc0(2)"), Some("sc-inc-gpc"));
    assert_eq!(k("set-header"), Some("set-header"));
    assert_eq!(k("set-headers"), None);
    assert_eq!(
        kw::suggest(RuleSet::HttpRequest, "set-hdr"),
        Some("set-header")
    );
    assert_eq!(kw::suggest(RuleSet::HttpRequest, "zzzzzzzzzzzzzzzz"), None);
}

#[test]
fn warnings_are_haproxys() {
    let files = Files(vec![("big", vec![b'x'; 15500]), ("ef", Vec::new())]);
    let mut cx = ActCx::new("px", &files);
    let cases: &[(&[&str], &str)] = &[
        (
            &["return", "content-type", "a"],
            "content-type 'a' ignored by the http reply because neither errorfile nor payload defined.",
        ),
        (
            &["return", "hdr", "Content-Length", "5"],
            "header 'Content-Length' always ignored by the http reply.",
        ),
        (
            &["return", "errorfile", "ef", "content-type", "a"],
            "content-type 'a' ignored by the http reply when used with an erorrfile.",
        ),
        (
            &["deny", "hdr", "x", "y", "default-errorfiles"],
            "hdr parameters ignored by the http reply when used with an erorrfile.",
        ),
        (
            &["return", "content-type", "a", "string", "x", "file", "big"],
            "",
        ),
        (
            &["return", "content-type", "a", "file", "big"],
            "http reply payload runs over the buffer space reserved to headers rewriting. It may lead to internal errors if strict rewriting mode is enabled.",
        ),
    ];
    for (words, warning) in cases {
        cx.warnings.clear();
        let r = try_parse(RuleSet::HttpRequest, words, &mut cx);
        if warning.is_empty() {
            assert!(r.is_err(), "{words:?}");
            continue;
        }
        assert!(r.is_ok(), "{words:?}: {r:?}");
        assert_eq!(
            cx.warnings,
            vec![Warning {
                located: true,
                msg: warning.to_string()
            }],
            "{words:?}"
        );
    }
    cx.warnings.clear();
    assert!(try_parse(
        RuleSet::HttpRequest,
        &["wait-for-body", "time", "5sx"],
        &mut cx
    )
    .is_ok());
    assert_eq!(cx.warnings.len(), 1);
    assert!(!cx.warnings[0].located);
    assert!(cx.warnings[0]
        .msg
        .starts_with("unexpected character 'x' after the timer value '5sx'"));
}

#[test]
fn replies_keep_their_payloads() {
    let files = Files(vec![
        ("body", b"hello".to_vec()),
        ("lf", b"u=%[url]\0ignored".to_vec()),
        (
            "err",
            b"HTTP/1.0 403 Nope\r\ncontent-length: 2\r\n\r\nno".to_vec(),
        ),
        (
            "bad",
            b"HTTP/1.0 403 Nope\r\ncontent-length: 3\r\n\r\nno".to_vec(),
        ),
    ]);
    let mut cx = ActCx::new("px", &files);
    let reply = |cx: &mut ActCx<'_>, w: &[&str]| match try_parse(RuleSet::HttpRequest, w, cx) {
        Ok(HttpAct::Return(r) | HttpAct::Deny(r) | HttpAct::Tarpit(r)) => r,
        other => panic!("{w:?}: {other:?}"),
    };
    let r = reply(&mut cx, &["return", "content-type", "t", "file", "body"]);
    assert!(matches!(&r.body, ReplyBody::Raw(b) if b == b"hello"));
    assert_eq!(r.status, 200);
    let r = reply(&mut cx, &["return", "content-type", "t", "lf-file", "lf"]);
    let ReplyBody::LogFormat(lf) = &r.body else {
        panic!("{r:?}")
    };
    assert_eq!(lf.nodes.len(), 2);
    let r = reply(&mut cx, &["return", "status", "404", "errorfile", "err"]);
    assert!(matches!(&r.body, ReplyBody::ErrorFile(b) if b.raw.ends_with(b"no")));
    assert_eq!(r.status, 404);
    let e = try_parse(
        RuleSet::HttpRequest,
        &["return", "errorfile", "bad"],
        &mut cx,
    )
    .unwrap_err();
    assert_eq!(
        e.msg,
        "'bad': payload size does not match the announced content-length (2 != 3)"
    );
    let e = try_parse(
        RuleSet::HttpRequest,
        &["return", "errorfile", "none"],
        &mut cx,
    )
    .unwrap_err();
    assert_eq!(e.msg, "error opening file 'none'.");
    let mut loaded = Vec::new();
    {
        let mut loader = |name: &str| {
            loaded.push(name.to_string());
            rampart_h1::errparse::parse_message(b"HTTP/1.1 200 OK\r\n\r\n".to_vec())
                .map(std::sync::Arc::new)
        };
        let mut cx2 = ActCx::new("px", &files);
        cx2.errorfile = Some(&mut loader);
        let r = reply(&mut cx2, &["return", "errorfile", "x"]);
        assert!(matches!(&r.body, ReplyBody::ErrorFile(_)));
    }
    assert_eq!(loaded, ["x"]);

    // deny and tarpit: the proxy's error message unless told otherwise.
    let r = reply(&mut cx, &["deny"]);
    assert!(matches!(r.body, ReplyBody::DefaultErrorFiles) && r.status == 403);
    let r = reply(&mut cx, &["tarpit"]);
    assert!(matches!(r.body, ReplyBody::DefaultErrorFiles) && r.status == 500);
    let r = reply(&mut cx, &["deny", "deny_status", "429"]);
    assert!(matches!(r.body, ReplyBody::DefaultErrorFiles) && r.status == 429);
    let r = reply(
        &mut cx,
        &[
            "deny",
            "deny_status",
            "200",
            "content-type",
            "t",
            "string",
            "s",
        ],
    );
    assert!(matches!(&r.body, ReplyBody::Raw(b) if b == b"s") && r.status == 200);
    let mut r = reply(&mut cx, &["deny", "errorfiles", "errs"]);
    assert_eq!(r.errorfiles_section(), Some("errs"));
    r.resolve_errorfiles(None);
    assert!(matches!(r.body, ReplyBody::Empty));
    let mut idx = 0;
    match http::parse(RuleSet::HttpResponse, &["deny"], &mut idx, &mut cx) {
        Ok(HttpAct::Deny(r)) => assert_eq!(r.status, 502),
        other => panic!("{other:?}"),
    }
}

#[test]
fn actions_keep_their_arguments() {
    let files = Files::default();
    let mut cx = ActCx::new("px", &files);
    // `capture ... len` declares the proxy's next request slot.
    cx.req_captures = 2;
    let a = try_parse(
        RuleSet::HttpRequest,
        &["capture", "path", "len", "10"],
        &mut cx,
    )
    .unwrap();
    assert_eq!(
        a.capture_slot(),
        Some(CaptureSlot {
            response: false,
            index: 2,
            len: Some(10),
            by_id: false
        })
    );
    assert_eq!(cx.req_captures, 3);
    let a = try_parse(
        RuleSet::HttpResponse,
        &["capture", "status", "id", "1"],
        &mut cx,
    )
    .unwrap();
    assert_eq!(
        a.capture_slot(),
        Some(CaptureSlot {
            response: true,
            index: 1,
            len: None,
            by_id: true
        })
    );
    // proc variables are declared.
    try_parse(
        RuleSet::HttpRequest,
        &["set-var(proc.a)", "int(1)"],
        &mut cx,
    )
    .unwrap();
    try_parse(RuleSet::HttpRequest, &["unset-var(proc.a)"], &mut cx).unwrap();
    assert_eq!(cx.proc_vars.len(), 1);
    // Map files as HAProxy cuts them out of the word.
    for (word, file) in [
        ("set-map(f.map)", "f.map"),
        ("set-map", ""),
        ("set-mapfoo", "o"),
    ] {
        match try_parse(RuleSet::HttpRequest, &[word, "k", "v"], &mut cx).unwrap() {
            HttpAct::Map(m) => assert_eq!(m.file, file),
            other => panic!("{other:?}"),
        }
    }
    match try_parse(
        RuleSet::HttpRequest,
        &["set-timeout", "tunnel", "2s"],
        &mut cx,
    )
    .unwrap()
    {
        HttpAct::SetTimeout {
            which: TimeoutKind::Tunnel,
            value: TimeoutValue::Const(2000),
        } => {}
        other => panic!("{other:?}"),
    }
    match try_parse(RuleSet::HttpRequest, &["set-mark", "0x10"], &mut cx).unwrap() {
        HttpAct::SetMark(16) => {}
        other => panic!("{other:?}"),
    }
    match try_parse(RuleSet::HttpRequest, &["set-nice", "-5000"], &mut cx).unwrap() {
        HttpAct::SetNice(-1024) => {}
        other => panic!("{other:?}"),
    }
    match try_parse(RuleSet::HttpRequest, &["set-log-level", "err"], &mut cx).unwrap() {
        HttpAct::SetLogLevel(LogLevel::Level(3)) => {}
        other => panic!("{other:?}"),
    }
    let fin = |w: &[&str]| {
        try_parse(RuleSet::HttpRequest, w, &mut ActCx::new("px", &files))
            .unwrap()
            .is_final()
    };
    assert!(fin(&["allow"]) && fin(&["deny"]) && fin(&["auth"]));
    assert!(fin(&["redirect", "location", "/"]));
    assert!(!fin(&["redirect", "location", "/", "ignore-empty"]));
    assert!(!fin(&["set-header", "a", "b"]));
}

#[test]
fn the_redirect_keyword_takes_a_literal_destination() {
    let files = Files::default();
    let mut cx = ActCx::new("px", &files);
    let mut idx = 0;
    let r = redirect::parse(
        &[
            "prefix",
            "%[x]",
            "code",
            "301",
            "clear-cookie",
            "S",
            "if",
            "x",
        ],
        &mut idx,
        RuleSet::HttpRequest,
        false,
        &mut cx,
    )
    .unwrap();
    assert_eq!(idx, 6);
    assert!(matches!(&r.dest, redirect::Dest::Static(s) if s == "%[x]"));
    assert_eq!(r.cookie.as_deref(), Some("S; path=/; Max-Age=0;"));
    assert_eq!(r.code, 301);
}

#[test]
fn capture_ids_are_checked_against_the_slots() {
    let files = Files::default();
    let mut cx = ActCx::new("px", &files);
    let a = try_parse(
        RuleSet::HttpRequest,
        &["capture", "path", "id", "1"],
        &mut cx,
    )
    .unwrap();
    assert_eq!(a.check_capture(true, 2, 0), Ok(()));
    assert_eq!(
        a.check_capture(true, 1, 5),
        Err("unable to find capture id '1' referenced by http-request capture rule".into())
    );
    // Backends cannot know the frontend's slots.
    assert_eq!(a.check_capture(false, 0, 0), Ok(()));
    let a = try_parse(
        RuleSet::HttpAfterResponse,
        &["capture", "status", "id", "0"],
        &mut cx,
    )
    .unwrap();
    assert_eq!(
        a.check_capture(true, 3, 0),
        Err("unable to find capture id '0' referenced by http-response capture rule".into())
    );
    let a = try_parse(
        RuleSet::HttpRequest,
        &["capture", "path", "id", "-1"],
        &mut cx,
    )
    .unwrap();
    assert_eq!(a.check_capture(true, 0, 0), Ok(()));
}
