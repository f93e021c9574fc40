//! End-to-end tests of persistence (configuration manual 4.2 `cookie`,
//! `dynamic-cookie-key`, `option persist`, `force-persist`, `ignore-persist`,
//! `use-server`; 5.2 server `cookie` and `redir`; 3.1 `server-state-file`): the
//! `Set-Cookie` fields a client receives and the `Cookie` field a server sees must be
//! byte for byte HAProxy 2.6's, so that the sticky cookies users already hold keep
//! sending them to the same server after the switch, with the same dates encoding
//! (`maxidle`, `maxlife`) and the same dynamic cookie values.
//!
//! The origins are in-test HTTP servers answering with their name, then the `Cookie`
//! fields they received, one per line; a request asks an origin to answer with extra
//! header lines through `x-give: <line>` fields. `RAMPART_UNDER_TEST=/usr/sbin/haproxy`
//! runs the same tests against HAProxy.

mod httpkit;
mod support;

use httpkit::*;
use support::*;

/// An origin named `name`: body `name`, then each `Cookie` field received on its own
/// line; each `x-give` field of the request becomes a header line of the answer.
fn origin(port: u16, name: &'static str) -> Origin {
    Origin::start(port, move |m, _| {
        let mut body = format!("{name}\n");
        for c in m.all("cookie") {
            body.push_str(c);
            body.push('\n');
        }
        let mut head = String::from("HTTP/1.1 200 OK\r\n");
        for g in m.all("x-give") {
            head.push_str(g);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        Answer::raw(head + &body, Then::KeepAlive)
    })
}

/// Two origins `s1`, `s2` on `base`, `base + 1`; the proxy listens on `base + 2`.
struct Setup {
    _o1: Origin,
    _o2: Origin,
    _p: Proc,
    _dir: TempDir,
    port: u16,
}

/// Starts the origins and a `listen l` with `lines` (cookie settings...) and the two
/// servers, each given its `srv_opts`.
fn setup(tag: &str, global: &str, lines: &str, s1: &str, s2: &str) -> Setup {
    let base = free_ports(3);
    let o1 = origin(base, "s1");
    let o2 = origin(base + 1, "s2");
    let port = base + 2;
    let body = format!(
        "listen l\n    bind 127.0.0.1:{port}\n{lines}    server s1 127.0.0.1:{base} {s1}\n    server s2 127.0.0.1:{} {s2}\n",
        base + 1
    );
    let dir = TempDir::new(tag);
    let global = global.replace("@DIR@", &dir.path().to_string_lossy());
    let p = proxy(&dir, &cfg(&global, "", &body), port);
    Setup {
        _o1: o1,
        _o2: o2,
        _p: p,
        _dir: dir,
        port,
    }
}

/// A GET with extra header lines (each ending in CRLF).
fn get(port: u16, extra: &str) -> Msg {
    send(
        port,
        &format!("GET /p?q=1 HTTP/1.1\r\nHost: t\r\n{extra}\r\n"),
    )
}

fn send(port: u16, req: &str) -> Msg {
    exchange(port, req.as_bytes()).1
}

/// Which origin answered.
fn who(m: &Msg) -> String {
    m.body_text().lines().next().unwrap_or_default().to_string()
}

/// The `Cookie` fields the origin received.
fn seen_cookies(m: &Msg) -> Vec<String> {
    m.body_text().lines().skip(1).map(str::to_string).collect()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// HAProxy's `s30tob64`.
fn b64(v: u64) -> String {
    const TAB: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..5)
        .map(|i| char::from(TAB[((v >> (24 - 6 * i)) & 0x3F) as usize]))
        .collect()
}

/// HAProxy's `b64tos30`.
fn unb64(s: &str) -> u64 {
    const TAB: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    s.chars().fold(0, |acc, c| {
        let d = TAB.find(c).unwrap_or_else(|| panic!("not base64: {s:?}"));
        (acc << 6) | d as u64
    })
}

#[test]
fn insert_indirect_nocache_sets_haproxys_cookie_and_routes_by_it() {
    let s = setup(
        "persist-insert",
        "",
        "    cookie SRV insert indirect nocache httponly secure domain .a.example domain b.example attr SameSite=Lax attr Partitioned\n",
        "cookie c1",
        "cookie c2",
    );
    // No cookie: the balancing chooses, the answer carries that server's cookie. The
    // response may be cached (max-age), so `nocache` adds `Cache-control: private`.
    let m = get(s.port, "x-give: Cache-Control: max-age=10\r\n");
    let srv = who(&m);
    let value = if srv == "s1" { "c1" } else { "c2" };
    assert_eq!(
        m.all("set-cookie"),
        [format!("SRV={value}; path=/; domain=.a.example; domain=b.example; HttpOnly; Secure; SameSite=Lax; Partitioned")]
    );
    assert_eq!(m.all("cache-control"), ["max-age=10", "private"]);
    let names = m.names();
    assert_eq!(
        &names[names.len() - 2..],
        ["set-cookie", "cache-control"],
        "appended after the server's fields: {names:?}"
    );
    // A response without freshness or validator is not cacheable: no `private`.
    let m = get(s.port, "");
    assert_eq!(m.all("cache-control"), Vec::<&str>::new());
    assert_eq!(m.all("set-cookie").len(), 1);

    // The cookie sends the client back to its server, which never sees it (indirect);
    // the client's other cookies pass, and no new cookie is set.
    for (cookie, srv) in [("c1", "s1"), ("c2", "s2"), ("c2", "s2"), ("c1", "s1")] {
        let m = get(
            s.port,
            &format!("Cookie: a=1; SRV={cookie}; b=2\r\nCookie: SRV={cookie}\r\n"),
        );
        assert_eq!(who(&m), srv);
        assert_eq!(seen_cookies(&m), ["a=1; b=2"]);
        assert!(m.all("set-cookie").is_empty(), "{:?}", m.headers);
    }
    // An unknown value is ignored: balanced, and corrected by a new cookie. The
    // server's own cookie of the same name is removed (insert mode).
    let m = get(s.port, "Cookie: SRV=zz\r\nx-give: Set-Cookie: SRV=from-app; path=/app\r\nx-give: Set-Cookie: other=1\r\n");
    let value = if who(&m) == "s1" { "c1" } else { "c2" };
    assert_eq!(seen_cookies(&m), Vec::<String>::new());
    assert_eq!(
        m.all("set-cookie"),
        [
            "other=1".to_string(),
            format!("SRV={value}; path=/; domain=.a.example; domain=b.example; HttpOnly; Secure; SameSite=Lax; Partitioned")
        ]
    );
}

#[test]
fn rewrite_prefix_and_passive_modes_edit_the_servers_cookie() {
    // rewrite: the server's own cookie gets the server's value.
    let s = setup(
        "persist-rewrite",
        "",
        "    cookie SRV rewrite\n",
        "cookie c1",
        "cookie c2",
    );
    let m = get(
        s.port,
        "Cookie: SRV=c2\r\nx-give: Set-Cookie: SRV=whatever; Path=/; Max-Age=60\r\n",
    );
    assert_eq!(who(&m), "s2");
    assert_eq!(
        seen_cookies(&m),
        ["SRV=c2"],
        "rewrite leaves the request as is"
    );
    assert_eq!(m.all("set-cookie"), ["SRV=c2; Path=/; Max-Age=60"]);
    let m = get(s.port, "x-give: Set-Cookie: SRV = x ; Path=/\r\n");
    let value = if who(&m) == "s1" { "c1" } else { "c2" };
    assert_eq!(m.all("set-cookie"), [format!("SRV={value} ; Path=/")]);
    drop(s);

    // prefix: the application's cookie carries `server~` in front; the server sees it
    // without.
    let s = setup(
        "persist-prefix",
        "",
        "    cookie JSESSIONID prefix\n",
        "cookie c1",
        "cookie c2",
    );
    let m = get(
        s.port,
        "Cookie: JSESSIONID=c2~abc; x=1\r\nx-give: Set-Cookie: JSESSIONID=def; Path=/\r\n",
    );
    assert_eq!(who(&m), "s2");
    assert_eq!(seen_cookies(&m), ["JSESSIONID=abc; x=1"]);
    assert_eq!(m.all("set-cookie"), ["JSESSIONID=c2~def; Path=/"]);
    // Without `~` the value is left alone and balanced.
    let m = get(s.port, "Cookie: JSESSIONID=plain\r\n");
    assert_eq!(seen_cookies(&m), ["JSESSIONID=plain"]);
    drop(s);

    // Set-Cookie2 lists cookies: only the persistence one goes (insert mode). HAProxy
    // keeps the field's length when it removes a cookie from the list, so the end of
    // the old value follows the new one (Rampart sends the same bytes).
    let s = setup(
        "persist-cookie2",
        "",
        "    cookie SRV insert\n",
        "cookie c1",
        "cookie c2",
    );
    let m = get(
        s.port,
        "Cookie: SRV=c1\r\nx-give: Set-Cookie2: a=1; Version=1, SRV=x; Version=1 , b=2\r\nx-give: Set-Cookie2: SRV=y\r\nx-give: Set-Cookie2: b=1,SRV=z\r\n",
    );
    assert_eq!(who(&m), "s1");
    assert_eq!(
        m.all("set-cookie2"),
        ["a=1; Version=1, b=2=x; Version=1 , b=2", "b=1,SRV=z"]
    );
    drop(s);

    // Passive (no mode): routes by the cookie the application sets, touches nothing;
    // `indirect` alone does not remove it from requests either, but removes the
    // server's own cookie on a response to a request it routed.
    let s = setup(
        "persist-passive",
        "",
        "    cookie SRV indirect\n",
        "cookie c1",
        "cookie c2",
    );
    let m = get(
        s.port,
        "Cookie: SRV=c1\r\nx-give: Set-Cookie: SRV=c1; path=/\r\nx-give: Set-Cookie: k=v\r\n",
    );
    assert_eq!(who(&m), "s1");
    assert_eq!(seen_cookies(&m), ["SRV=c1"]);
    assert_eq!(m.all("set-cookie"), ["k=v"]);
    let m = get(s.port, "x-give: Set-Cookie: SRV=c9; path=/\r\n");
    assert_eq!(
        m.all("set-cookie"),
        ["SRV=c9; path=/"],
        "not a direct access"
    );
}

#[test]
fn preserve_postonly_and_servers_without_cookie() {
    // preserve: a server setting the cookie itself keeps its value, nothing is added.
    let s = setup(
        "persist-preserve",
        "",
        "    cookie SRV insert preserve\n",
        "cookie c1",
        "cookie c2",
    );
    let m = get(s.port, "x-give: Set-Cookie: SRV=logout; Max-Age=0\r\n");
    assert_eq!(m.all("set-cookie"), ["SRV=logout; Max-Age=0"]);
    drop(s);

    // postonly: only a POST gets the cookie. A server without `cookie` answering gets
    // the cookie removed.
    let s = setup(
        "persist-post",
        "",
        "    cookie SRV insert postonly\n",
        "",
        "",
    );
    let m = get(s.port, "");
    assert!(m.all("set-cookie").is_empty());
    let m = send(
        s.port,
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab",
    );
    assert_eq!(
        m.all("set-cookie"),
        ["SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"]
    );
}

#[test]
fn maxidle_and_maxlife_dates_are_encoded_as_haproxy_does() {
    let s = setup(
        "persist-dates",
        "",
        "    cookie SRV insert indirect maxidle 30m maxlife 2h\n",
        "cookie c1",
        "cookie c2",
    );
    let before = now();
    let m = get(s.port, "");
    let after = now();
    let set = m.all("set-cookie");
    assert_eq!(set.len(), 1);
    let value = if who(&m) == "s1" { "c1" } else { "c2" };
    let (cookie, rest) = set[0].split_once("; ").unwrap_or_default();
    assert_eq!(rest, "path=/");
    let parts: Vec<&str> = cookie.split('|').collect();
    assert_eq!(parts.len(), 3, "{cookie}");
    assert_eq!(parts[0], format!("SRV={value}"));
    // Both dates: (now + 3) / 4, in 4-second units.
    for p in &parts[1..] {
        let d = unb64(p);
        assert!(
            ((before + 3) >> 2..=(after + 3) >> 2).contains(&d),
            "{p} = {d} is not about now ({before})"
        );
    }

    // A cookie seen 10 minutes ago is refreshed: new last date, first date kept.
    let first = b64((now() - 3600) >> 2);
    let last = b64((now() - 600) >> 2);
    let m = get(s.port, &format!("Cookie: SRV=c2|{last}|{first}\r\n"));
    assert_eq!(who(&m), "s2");
    assert_eq!(seen_cookies(&m), Vec::<String>::new());
    let set = m.all("set-cookie");
    assert_eq!(set.len(), 1);
    let parts: Vec<&str> = set[0].trim_end_matches("; path=/").split('|').collect();
    assert_eq!(parts[0], "SRV=c2");
    assert_eq!(parts[2], first, "the first date stays");
    assert!(unb64(parts[1]) >= (now() - 5) >> 2);

    // Idle for too long, too old, or dated more than a day ahead: the cookie is as
    // good as absent (balanced, a new cookie).
    for (l, f) in [
        (now() - 3600, now() - 3600),
        (now() - 60, now() - 3 * 3600),
        (now() + 2 * 86400, now() - 60),
    ] {
        let m = get(
            s.port,
            &format!("Cookie: SRV=c2|{}|{}\r\n", b64(l >> 2), b64(f >> 2)),
        );
        let set = m.all("set-cookie");
        assert_eq!(set.len(), 1, "{l} {f}");
        let parts: Vec<&str> = set[0].trim_end_matches("; path=/").split('|').collect();
        assert!(
            unb64(parts[2]) >= (now() - 5) >> 2,
            "a new first date: {set:?}"
        );
    }
}

#[test]
fn dynamic_cookies_are_haproxys_hash_of_key_address_and_port() {
    let base = free_ports(3);
    let _o1 = origin(base, "s1");
    let _o2 = origin(base + 1, "s2");
    let port = base + 2;
    let body = format!(
        "backend b\n    cookie SRV insert dynamic\n    dynamic-cookie-key s3cr3t\n    server s1 127.0.0.1:{base}\n    server s2 127.0.0.1:{} cookie fixed\n\
         frontend f\n    bind 127.0.0.1:{port}\n    default_backend b\n",
        base + 1
    );
    let dir = TempDir::new("persist-dynamic");
    let _p = proxy(&dir, &cfg("", "", &body), port);
    let ip = std::net::IpAddr::from([127, 0, 0, 1]);
    let s1 = rampart_model::proxy::persist::dynamic_cookie("s3cr3t", ip, base);
    assert_eq!(s1.len(), 16);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let m = get(port, "");
        let want = if who(&m) == "s1" {
            s1.as_str()
        } else {
            "fixed"
        };
        assert_eq!(m.all("set-cookie"), [format!("SRV={want}; path=/")]);
        seen.insert(who(&m));
    }
    assert_eq!(seen.len(), 2, "both servers answered");
    let m = get(port, &format!("Cookie: SRV={s1}\r\n"));
    assert_eq!(who(&m), "s1");
}

#[test]
fn a_cookie_for_a_server_in_maintenance_is_rebalanced_unless_persistence_is_forced() {
    // `disabled` puts s2 in maintenance: its cookie sends to s1 and gets corrected.
    let s = setup(
        "persist-down",
        "",
        "    cookie SRV insert indirect\n",
        "cookie c1",
        "cookie c2 disabled",
    );
    for _ in 0..3 {
        let m = get(s.port, "Cookie: SRV=c2\r\n");
        assert_eq!(who(&m), "s1");
        assert_eq!(m.all("set-cookie"), ["SRV=c1; path=/"]);
    }
    drop(s);

    // `option persist`: the cookie still goes to s2.
    let s = setup(
        "persist-option",
        "",
        "    cookie SRV insert indirect\n    option persist\n",
        "cookie c1",
        "cookie c2 disabled",
    );
    let m = get(s.port, "Cookie: SRV=c2\r\n");
    assert_eq!(who(&m), "s2");
    assert!(m.all("set-cookie").is_empty());
    assert_eq!(who(&get(s.port, "")), "s1", "balancing skips it");
    drop(s);

    // `force-persist` for GETs only; `ignore-persist` makes the cookie count for
    // nothing (balanced, and no cookie set either).
    let s = setup(
        "persist-force",
        "",
        "    cookie SRV insert indirect\n    force-persist if METH_GET\n    ignore-persist if METH_POST\n",
        "cookie c1",
        "cookie c2 disabled",
    );
    let m = get(s.port, "Cookie: SRV=c2\r\n");
    assert_eq!(who(&m), "s2");
    let m = send(
        s.port,
        "PUT / HTTP/1.1\r\nHost: t\r\nCookie: SRV=c2\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(who(&m), "s1", "not forced");
    assert_eq!(m.all("set-cookie"), ["SRV=c1; path=/"]);
    let m = send(
        s.port,
        "POST / HTTP/1.1\r\nHost: t\r\nCookie: SRV=c1\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(who(&m), "s1", "only s1 serves");
    assert!(m.all("set-cookie").is_empty(), "ignored: nothing inserted");
    assert_eq!(seen_cookies(&m), Vec::<String>::new(), "still removed");
}

#[test]
fn use_server_rules_choose_before_the_cookie() {
    let s = setup(
        "persist-use-server",
        "",
        "    cookie SRV insert indirect\n    use-server s2 if METH_POST\n    use-server s1 if METH_PUT\n    use-server s2 unless METH_GET\n",
        "cookie c1",
        "cookie c2 disabled",
    );
    let post = |cookie: &str| {
        send(
            s.port,
            &format!(
                "POST / HTTP/1.1\r\nHost: t\r\nCookie: SRV={cookie}\r\nContent-Length: 0\r\n\r\n"
            ),
        )
    };
    // s2 is in maintenance: the rule passes, the next one (for PUT) does not match,
    // the last does but s2 is still down: the cookie decides.
    let m = post("c1");
    assert_eq!(who(&m), "s1");
    drop(s);

    let s = setup(
        "persist-use-server-up",
        "",
        "    cookie SRV insert indirect\n    use-server s2 if METH_POST\n",
        "cookie c1",
        "cookie c2",
    );
    for _ in 0..2 {
        let m = send(
            s.port,
            "POST / HTTP/1.1\r\nHost: t\r\nCookie: SRV=c1\r\nContent-Length: 0\r\n\r\n",
        );
        assert_eq!(who(&m), "s2", "use-server before the cookie");
        assert_eq!(seen_cookies(&m), Vec::<String>::new());
        assert!(m.all("set-cookie").is_empty(), "a direct access");
    }
    let m = get(s.port, "Cookie: SRV=c1\r\n");
    assert_eq!(who(&m), "s1");
    drop(s);

    // In mode tcp, on ACLs that do not need HTTP.
    let s = setup(
        "persist-use-server-tcp",
        "",
        "    mode tcp\n    use-server s2 if FALSE\n    use-server s1 if LOCALHOST\n",
        "",
        "",
    );
    for _ in 0..3 {
        assert_eq!(who(&get(s.port, "")), "s1");
    }
}

#[test]
fn redir_servers_answer_get_and_head_with_a_302() {
    let s = setup(
        "persist-redir",
        "",
        "    cookie SRV insert\n",
        "cookie c1 redir http://static.example",
        "cookie c2 redir /",
    );
    let (mut w, m) = exchange(
        s.port,
        b"GET /img/a.png?v=2 HTTP/1.1\r\nHost: t\r\nCookie: SRV=c1\r\n\r\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&m.raw()),
        "HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: http://static.example/img/a.png?v=2\r\nconnection: close\r\n\r\n"
    );
    assert!(w.closes_within(std::time::Duration::from_secs(5)));
    let m = send(s.port, "HEAD http://t/x HTTP/1.0\r\nCookie: SRV=c2\r\n\r\n");
    assert_eq!(m.status(), 302);
    assert_eq!(m.header("location"), Some("/x"), "`/` keeps the URL");
    // Other methods reach the server.
    let m = send(
        s.port,
        "POST /form HTTP/1.1\r\nHost: t\r\nCookie: SRV=c1\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(who(&m), "s1");
    // A GET the balancing sends there is redirected too.
    let m = get(s.port, "");
    assert_eq!(m.status(), 302);
}

#[test]
fn cookie_fields_are_edited_byte_for_byte_as_haproxy() {
    let s = setup(
        "persist-bytes",
        "",
        "    cookie SRV insert indirect\n",
        "cookie c1",
        "cookie c2",
    );
    let mut wrong = Vec::new();
    for (sent, seen) in [
        ("SRV=c1", vec![]),
        ("SRV=c1; a=1", vec!["a=1"]),
        ("a=1;SRV=c1", vec!["a=1"]),
        ("a=1 ; SRV=c1 ;b=2", vec!["a=1; b=2"]),
        ("a = 1; SRV = c1; b", vec!["a=1; b"]),
        (
            "$Version=1; SRV=c1; $Path=/; a=\"x;y\"",
            vec!["$Version=1; a=\"x;y\""],
        ),
        ("SRV=c1; SRV=c2; a=1", vec!["a=1"]),
        ("a=1, SRV=c1, b=2", vec!["a=1, b=2"]),
        ("flag; SRV=c1", vec!["flag"]),
    ] {
        let m = get(s.port, &format!("Cookie: {sent}\r\n"));
        if who(&m) != "s1" || seen_cookies(&m) != seen {
            wrong.push(format!("{sent:?}: {} saw {:?}", who(&m), seen_cookies(&m)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn server_state_file_puts_servers_in_maintenance_drain_or_down() {
    let line = |srv: &str, op: u8, admin: u8, port: u16| {
        format!("1 l 1 {srv} 127.0.0.1 {op} {admin} 1 1 100 1 0 0 0 0 0 0 - {port} - 0 0 - - 0\n")
    };
    let base = free_ports(3);
    let o1 = origin(base, "s1");
    let o2 = origin(base + 1, "s2");
    let port = base + 2;
    let dir = TempDir::new("persist-state");
    let run = |state: &str| {
        dir.write("state", &format!("1\n# comment\n{state}"));
        let global = format!(
            "    server-state-base {}\n    server-state-file state\n",
            dir.path().display()
        );
        let body = format!(
            "listen l\n    bind 127.0.0.1:{port}\n    load-server-state-from-file global\n    cookie SRV insert indirect\n    server s1 127.0.0.1:{base} cookie c1\n    server s2 127.0.0.1:{} cookie c2\n",
            base + 1
        );
        proxy(&dir, &cfg(&global, "", &body), port)
    };
    let answers = |extra: &str| -> Vec<String> { (0..6).map(|_| who(&get(port, extra))).collect() };

    // s1 in forced maintenance: everything goes to s2, even its cookie's requests.
    let p = run(&line("s1", 2, 1, base));
    assert!(answers("").iter().all(|w| w == "s2"));
    assert!(answers("Cookie: SRV=c1\r\n").iter().all(|w| w == "s2"));
    drop(p);

    // s2 draining: no new client, but its cookie still leads there.
    let p = run(&line("s2", 2, 8, base + 1));
    assert!(answers("").iter().all(|w| w == "s1"));
    assert!(answers("Cookie: SRV=c2\r\n").iter().all(|w| w == "s2"));
    drop(p);

    // s1 down: as in maintenance for clients and cookies.
    let p = run(&line("s1", 0, 0, base));
    assert!(answers("Cookie: SRV=c1\r\n").iter().all(|w| w == "s2"));
    drop(p);

    // The file's port replaces the configured one (HAProxy applies it): s1 now
    // reaches s2's origin.
    let p = run(&line("s1", 2, 0, base + 1));
    assert!(answers("Cookie: SRV=c1\r\n").iter().all(|w| w == "s2"));
    drop(p);

    // `init-addr last`: a name that does not resolve takes the file's address.
    dir.write("state", &format!("1\n{}", line("h", 2, 0, base + 1)));
    let global = format!("    server-state-file {}/state\n", dir.path().display());
    let body = format!(
        "listen l\n    bind 127.0.0.1:{port}\n    load-server-state-from-file global\n    server h rampart-test.invalid:{base} init-addr last\n"
    );
    let _p = proxy(&dir, &cfg(&global, "", &body), port);
    assert_eq!(answers(""), ["s2"; 6]);
    drop((o1, o2));
}
