//! Unit tests of the cookie edits; the expected bytes are HAProxy 2.6's (the
//! end-to-end tests in `crates/rampart/tests/persistence.rs` check the same against
//! the real `haproxy`).

use super::*;

fn cfg(insert: bool, indirect: bool, prefix: bool) -> CookieCfg {
    CookieCfg {
        name: b"SRV"[..].into(),
        rewrite: false,
        insert,
        prefix,
        indirect,
        nocache: false,
        postonly: false,
        preserve: false,
        httponly: false,
        secure: false,
        domain: None,
        maxidle: 0,
        maxlife: 0,
        attrs: None,
    }
}

/// Runs the request side on `field`; servers `a` (0) and `b` (1) exist.
fn client(c: &CookieCfg, field: &str, t: &mut Txn, now: u32) -> String {
    let mut buf = field.as_bytes().to_vec();
    let find = |v: &[u8], _: &Txn| match v {
        b"a" => Found::Server(0, true),
        b"b" => Found::Server(1, true),
        _ => Found::None,
    };
    let n = client_field(c, &mut buf, t, now, &find);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn insert_indirect_removes_the_cookie_and_keeps_the_others() {
    let c = cfg(true, true, false);
    for (field, kept, server) in [
        ("SRV=b", "", Some(1)),
        ("x=1; SRV=a", "x=1", Some(0)),
        ("SRV=a; x=1", "x=1", Some(0)),
        ("x=1 ; SRV=a ;y=2", "x=1; y=2", Some(0)),
        ("x = 1; SRV = b; y", "x=1; y", Some(1)),
        (
            "$Version=1; SRV=a; $Path=/; q=\"s;t\"",
            "$Version=1; q=\"s;t\"",
            Some(0),
        ),
        ("SRV=a; SRV=b", "", Some(0)),
        ("x=1, SRV=a, y=2", "x=1, y=2", Some(0)),
        ("SRV=zz; x=1", "x=1", None),
        ("SRV=; x=1", "x=1", None),
    ] {
        let mut t = Txn::default();
        assert_eq!(client(&c, field, &mut t, 1_700_000_000), kept, "{field}");
        assert_eq!(t.server, server, "{field}");
    }
}

#[test]
fn other_modes_leave_or_strip_the_request_cookie() {
    let mut t = Txn::default();
    // insert without indirect, and passive: untouched.
    assert_eq!(
        client(&cfg(true, false, false), "SRV=a; x", &mut t, 0),
        "SRV=a; x"
    );
    assert_eq!(t.server, Some(0));
    let mut t = Txn::default();
    assert_eq!(
        client(&cfg(false, true, false), "SRV=b", &mut t, 0),
        "SRV=b"
    );
    assert_eq!(t.server, Some(1));
    // prefix: `server~` goes, matched or not.
    let p = cfg(false, false, true);
    let mut t = Txn::default();
    assert_eq!(client(&p, "SRV=b~xyz; k=v", &mut t, 0), "SRV=xyz; k=v");
    assert_eq!(t.server, Some(1));
    let mut t = Txn::default();
    assert_eq!(client(&p, "SRV=q~xyz", &mut t, 0), "SRV=xyz");
    assert_eq!(t.server, None);
    let mut t = Txn::default();
    assert_eq!(client(&p, "SRV=plain", &mut t, 0), "SRV=plain");
    // Persistence already decided (use-server) or ignored: the cookie is still edited.
    let mut t = Txn {
        server: Some(1),
        ..Txn::default()
    };
    assert_eq!(client(&cfg(true, true, false), "SRV=a", &mut t, 0), "");
    assert_eq!(t.server, Some(1));
    let mut t = Txn {
        ignore: true,
        ..Txn::default()
    };
    assert_eq!(client(&p, "SRV=a~v", &mut t, 0), "SRV=v");
    assert_eq!(t.server, None);
}

#[test]
fn cookie_dates_are_read_and_checked() {
    let mut c = cfg(true, false, false);
    c.maxidle = 60;
    c.maxlife = 3600;
    let now = 1_700_000_000u32;
    let enc = |d: u32| {
        let mut v = Vec::new();
        s30_to_b64(d >> 2, &mut v);
        String::from_utf8_lossy(&v).into_owned()
    };
    let mut t = Txn::default();
    client(
        &c,
        &format!("SRV=a|{}|{}", enc(now - 30), enc(now - 600)),
        &mut t,
        now,
    );
    assert_eq!(t.server, Some(0));
    assert_eq!(t.last_date, (now - 30) & !3);
    assert_eq!(t.first_date, (now - 600) & !3);
    // Idle too long, too old, a day ahead: ignored, dates forgotten.
    for (last, first) in [
        (now - 120, now - 600),
        (now - 30, now - 7200),
        (now + 90_000, now - 600),
    ] {
        let mut t = Txn::default();
        client(
            &c,
            &format!("SRV=a|{}|{}", enc(last), enc(first)),
            &mut t,
            now,
        );
        assert_eq!(t.server, None, "{last} {first}");
        assert_eq!((t.last_date, t.first_date), (0, 0));
    }
    // Too short or invalid dates are no dates.
    let mut t = Txn::default();
    client(&c, "SRV=a|abc|!!!!!", &mut t, now);
    assert_eq!((t.server, t.last_date, t.first_date), (Some(0), 0, 0));
}

#[test]
fn base64_dates_are_haproxys() {
    // haproxy 2.6 wrote `awF6Y` a few seconds before `date +%s` said 1795258977.
    let v = b64_to_s30(b"awF6Y");
    assert!((1_795_258_970..=1_795_258_980).contains(&((v as u32) << 2)));
    let mut out = Vec::new();
    s30_to_b64(v as u32, &mut out);
    assert_eq!(out, b"awF6Y");
    assert_eq!(b64_to_s30(b"awF6="), -1);
    assert_eq!(b64_to_s30(b"a-F6Y"), -1);
}

/// Runs the response side on one field.
fn server(c: &CookieCfg, srv: Option<&str>, field: &str, cookie2: bool, direct: bool) -> String {
    let mut buf = field.as_bytes().to_vec();
    buf.resize(field.len() + 16, 0);
    let f = Field {
        len: field.len(),
        cookie2,
        dispatch: false,
        direct,
    };
    let mut found = 0;
    let n = server_field(c, srv, &Txn::default(), &mut buf, f, &mut found);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn the_servers_cookie_is_removed_rewritten_or_prefixed() {
    let ins = cfg(true, false, false);
    assert_eq!(server(&ins, Some("a"), "SRV=x; path=/", false, false), "");
    assert_eq!(
        server(&ins, Some("a"), "other=1; path=/", false, false),
        "other=1; path=/"
    );
    assert_eq!(
        server(&ins, Some("a"), "k = v ; p", false, false),
        "k=v ; p"
    );
    // Set-Cookie2: HAProxy keeps the field's length when removing from the list.
    assert_eq!(
        server(
            &ins,
            Some("a"),
            "a=1; Version=1, SRV=x; Version=1 , b=2",
            true,
            false
        ),
        "a=1; Version=1, b=2=x; Version=1 , b=2"
    );
    let mut rw = cfg(false, false, false);
    rw.rewrite = true;
    assert_eq!(
        server(&rw, Some("abc"), "SRV=x; Path=/", false, false),
        "SRV=abc; Path=/"
    );
    assert_eq!(server(&rw, None, "SRV=x", false, false), "SRV=x");
    let pfx = cfg(false, false, true);
    assert_eq!(
        server(&pfx, Some("a"), "SRV=def; Path=/", false, false),
        "SRV=a~def; Path=/"
    );
    // indirect: removed when the request came by persistence.
    let ind = cfg(false, true, false);
    assert_eq!(server(&ind, Some("a"), "SRV=a", false, true), "");
    assert_eq!(server(&ind, Some("a"), "SRV=a", false, false), "SRV=a");
}

fn headers(fields: &[(&str, &str)]) -> Headers {
    let mut h = Headers::new();
    for (n, v) in fields {
        h.append(n.as_bytes(), v.as_bytes());
    }
    h
}

#[test]
fn nocache_needs_a_cacheable_response() {
    let yes = [
        headers(&[("cache-control", "max-age=10")]),
        headers(&[("expires", "Thu, 01 Jan 2099 00:00:00 GMT")]),
        headers(&[("etag", "\"x\"")]),
        headers(&[
            ("last-modified", "x"),
            ("cache-control", "no-cache=\"set-cookie\""),
        ]),
        headers(&[("cache-control", "private, public, max-age=1")]),
    ];
    for h in &yes {
        assert!(cacheable(Method::Get, 200, h), "{h:?}");
    }
    let no = [
        headers(&[]),
        headers(&[("cache-control", "max-age=10, private")]),
        headers(&[("cache-control", "no-store"), ("etag", "x")]),
        headers(&[("pragma", "no-cache"), ("etag", "x")]),
    ];
    for h in &no {
        assert!(!cacheable(Method::Get, 200, h), "{h:?}");
    }
    let etag = headers(&[("etag", "x")]);
    assert!(!cacheable(Method::Post, 200, &etag));
    assert!(!cacheable(Method::Get, 302, &etag));
    assert!(cacheable(
        Method::Post,
        302,
        &headers(&[("cache-control", "public, max-age=5")])
    ));
}
