//! End-to-end tests of what HTTP rules do to a stream (manual 4.2 `http-request`,
//! `http-response`, `http-after-response`; 3.4 `userlist`): `http-after-response` on
//! relayed responses and on the proxy's own (pages, replies, redirections, `auth`,
//! `monitor-uri`) with HAProxy's 500 when a rule fails; the replies of `http-response`
//! rules; `auth` against user lists; the stream settings (`set-src`/`set-dst`,
//! `capture`, `early-hint`, `wait-for-body`, `set-timeout`, `disable-l7-retry`); and
//! `tarpit`, `reject`, `silent-drop`. An echo origin answers with the request it
//! received, so the tests see what the server saw.
//!
//! Every expectation is HAProxy 2.6's: `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the
//! same tests against it.

mod httpkit;
mod support;

use httpkit::*;
use std::net::Shutdown;
use std::time::{Duration, Instant};
use support::*;

const QUIET: Duration = Duration::from_millis(300);

/// An origin answering each request with the request it received (head and body) as a
/// `text/plain` body.
fn echo_origin(port: u16) -> Origin {
    Origin::start(port, |m, _| {
        let mut body = m.raw_head.clone();
        body.extend_from_slice(&m.body);
        let mut bytes = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(&body);
        Answer::raw(bytes, Then::KeepAlive)
    })
}

/// Sends `req` on `c` and reads one response.
fn ask(c: &mut Wire, req: &[u8]) -> Msg {
    c.send(req);
    read_response(c, req.starts_with(b"HEAD "))
}

/// The whole response to `req` on a new connection, as text.
fn raw(port: u16, req: &[u8]) -> String {
    let (_, m) = exchange(port, req);
    String::from_utf8_lossy(&m.raw()).into_owned()
}

/// `Basic` credentials.
fn basic(user: &str, pass: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let src = format!("{user}:{pass}").into_bytes();
    let mut out = String::new();
    for c in src.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, &b)| a | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn after_response_rules_see_every_response() {
    let dir = TempDir::new("after");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n    monitor-uri /alive\n\
             \x20   http-request deny deny_status 403 if {{ path /deny }}\n\
             \x20   http-request return status 202 content-type text/plain string hi hdr x-r 1 if {{ path /ret }}\n\
             \x20   http-request redirect location /elsewhere code 301 if {{ path /redir }}\n\
             \x20   http-after-response set-header x-status %[status]\n\
             \x20   http-after-response add-header x-fe 1\n\
             \x20   use_backend none if {{ path /none }}\n\
             \x20   default_backend b\n\
             backend b\n    http-after-response add-header x-be 1\n    server s 127.0.0.1:{o}\n\
             backend none\n    http-after-response add-header x-none 1\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);

    // The server's response: the backend's rules, then the frontend's.
    let mut c = Wire::connect(p);
    let m = ask(&mut c, b"GET /x HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.status(), 200);
    assert_eq!(
        m.names(),
        ["content-type", "content-length", "x-be", "x-status", "x-fe"]
    );
    assert_eq!(m.header("x-status"), Some("200"));
    // The proxy's own answers, on the same connection (each keeps it open).
    assert_eq!(
        String::from_utf8_lossy(&ask(&mut c, b"GET /deny HTTP/1.1\r\nhost: t\r\n\r\n").raw()),
        "HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nx-status: 403\r\nx-fe: 1\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&ask(&mut c, b"GET /ret HTTP/1.1\r\nhost: t\r\n\r\n").raw()),
        "HTTP/1.1 202 Accepted\r\nx-r: 1\r\ncontent-length: 2\r\ncontent-type: text/plain\r\nx-status: 202\r\nx-fe: 1\r\n\r\nhi"
    );
    assert_eq!(
        String::from_utf8_lossy(&ask(&mut c, b"GET /redir HTTP/1.1\r\nhost: t\r\n\r\n").raw()),
        "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /elsewhere\r\nx-status: 301\r\nx-fe: 1\r\n\r\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&ask(&mut c, b"GET /alive HTTP/1.1\r\nhost: t\r\n\r\n").raw()),
        "HTTP/1.1 200 OK\r\ncontent-length: 58\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nx-status: 200\r\nx-fe: 1\r\n\r\n<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n"
    );
    // A 503 once the backend is known: its rules run first.
    let m = ask(&mut c, b"GET /none HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.status(), 503);
    assert_eq!(
        m.names(),
        [
            "content-length",
            "cache-control",
            "content-type",
            "x-none",
            "x-status",
            "x-fe"
        ]
    );
    assert!(c.stays_open(QUIET));

    // The connection field stays last, after the rules' fields. A redirection closes
    // when the request has a body, even one received whole.
    let closing = "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /elsewhere\r\nx-status: 301\r\nx-fe: 1\r\nconnection: close\r\n\r\n";
    assert_eq!(raw(p, b"GET /redir HTTP/1.0\r\n\r\n"), closing);
    assert_eq!(
        raw(
            p,
            b"POST /redir HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\nab"
        ),
        closing
    );
}

#[test]
fn a_failing_after_response_rule_gives_a_500() {
    let dir = TempDir::new("after500");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = echo_origin(o);
    // Small buffers: the rules' headers do not fit in the response's room.
    let conf = cfg(
        "    tune.bufsize 2560\n",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request set-var(txn.big) req.hdr(x-big)\n\
             \x20   http-request auth realm R if {{ path /auth }}\n\
             \x20   http-after-response set-header x-a %[var(txn.big)] if {{ var(txn.big) -m found }}\n\
             \x20   http-after-response set-header x-b %[var(txn.big)] if {{ var(txn.big) -m found }}\n\
             \x20   http-after-response set-header x-c %[var(txn.big)] if {{ var(txn.big) -m found }}\n\
             \x20   http-after-response set-header x-d %[var(txn.big)] if {{ var(txn.big) -m found }}\n\
             \x20   default_backend b\n\
             backend b\n    server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let big = "b".repeat(700);
    let page500 = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n";
    // The server's response, then the proxy's 401: both replaced by the plain 500.
    for path in ["/x", "/auth"] {
        let req = format!("GET {path} HTTP/1.1\r\nhost: t\r\nx-big: {big}\r\n\r\n");
        assert_eq!(raw(p, req.as_bytes()), page500, "{path}");
    }
    // Small values pass.
    let (_, m) = exchange(p, b"GET /x HTTP/1.1\r\nhost: t\r\nx-big: small\r\n\r\n");
    assert_eq!(m.status(), 200);
    assert_eq!(m.header("x-d"), Some("small"));
}

#[test]
fn http_response_rules_answer_with_their_replies() {
    let dir = TempDir::new("resreply");
    let p = free_ports(2);
    let o = p + 1;
    let origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request set-var(txn.path) path\n\
             \x20   http-after-response add-header x-fe 1\n\
             \x20   default_backend b\n\
             backend b\n\
             \x20   http-response deny deny_status 403 content-type text/plain string nope hdr x-h v if {{ var(txn.path) -m str /deny }}\n\
             \x20   http-response return status 202 content-type text/plain lf-string \"path=%[var(txn.path)]\" if {{ var(txn.path) -m str /ret }}\n\
             \x20   http-response redirect location /new if {{ var(txn.path) -m str /redir }}\n\
             \x20   http-response deny if {{ var(txn.path) -m str /plain }}\n\
             \x20   http-response set-header x-seen %[res.hdr(content-type)]\n\
             \x20   server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nhost: t\r\n\r\n");
    let mut c = Wire::connect(p);
    let text = |m: Msg| String::from_utf8_lossy(&m.raw()).into_owned();
    assert_eq!(
        text(ask(&mut c, get("/deny").as_bytes())),
        "HTTP/1.1 403 Forbidden\r\nx-h: v\r\ncontent-length: 4\r\ncontent-type: text/plain\r\nx-fe: 1\r\n\r\nnope"
    );
    assert_eq!(
        text(ask(&mut c, get("/ret").as_bytes())),
        "HTTP/1.1 202 Accepted\r\ncontent-length: 9\r\ncontent-type: text/plain\r\nx-fe: 1\r\n\r\npath=/ret"
    );
    assert_eq!(
        text(ask(&mut c, get("/redir").as_bytes())),
        "HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /new\r\ncache-control: no-cache\r\nx-fe: 1\r\n\r\n"
    );
    // Without a reply of its own, `deny` answers with the proxy's 502 page.
    let m = ask(&mut c, get("/plain").as_bytes());
    assert_eq!(m.status(), 502);
    assert_eq!(
        m.names(),
        ["content-length", "cache-control", "content-type", "x-fe"]
    );
    // The connection served every answer and still carries the server's responses.
    let m = ask(&mut c, get("/other").as_bytes());
    assert_eq!(m.status(), 200);
    assert_eq!(m.header("x-seen"), Some("text/plain"));
    assert!(m.body_text().starts_with("GET /other HTTP/1.1\r\n"));
    assert_eq!(origin.requests().len(), 5);
    // An HTTP/1.0 client gets its connection field last.
    assert_eq!(
        raw(p, b"GET /deny HTTP/1.0\r\n\r\n"),
        "HTTP/1.1 403 Forbidden\r\nx-h: v\r\ncontent-length: 4\r\ncontent-type: text/plain\r\nx-fe: 1\r\nconnection: close\r\n\r\nnope"
    );
}

#[test]
fn auth_checks_userlists() {
    let dir = TempDir::new("auth");
    let p = free_ports(3);
    let o = p + 1;
    let g = p + 2;
    let _origin = echo_origin(o);
    let e401 = dir.write(
        "401.http",
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nWWW-Authenticate: Negotiate\r\nX-Custom: yes\r\nContent-Length: 5\r\n\r\nnope\n",
    );
    // bob's password is `hello`, as SHA-512 crypt(3) (`openssl passwd -6`); carol's is
    // `hello` too, as yescrypt (Debian's default method, computed by the system's
    // libxcrypt through Python's `crypt`).
    let conf = cfg(
        "",
        "",
        &format!(
            "userlist L\n    group admins users alice\n    group ops\n\
             \x20   user alice insecure-password secret\n\
             \x20   user bob password $6$abcdefgh$bp46WUxDu2cphMRE0PvVJlqas2imuSq186YS793XKfmqn9XUEL17HECskUTZInaNigNndLLYc7A6yWBmFEFn3/ groups ops\n\
             \x20   user carol password $y$j9T$abcdefghijklmnopqrstu.$ydgcsGt7XwkF.imYTED9FPsB2NhbgtwHaAbOVp8DoZ8\n\
             frontend f\n    bind 127.0.0.1:{p}\n    option http-use-proxy-header\n\
             \x20   http-request auth realm Ops if {{ path /ops }} !{{ http_auth_group(L) ops }}\n\
             \x20   http-request auth if {{ path /adm }} !{{ http_auth_group(L) admins }}\n\
             \x20   http-request auth if {{ path /priv }} !{{ http_auth(L) }}\n\
             \x20   http-request return status 200 content-type text/plain lf-string \"user=%[http_auth_user]\"\n\
             \x20   default_backend b\n\
             backend b\n    server s 127.0.0.1:{o}\n\
             frontend g\n    bind 127.0.0.1:{g}\n    errorfile 401 {}\n    http-request auth realm R\n",
            e401.display()
        ),
    );
    let _px = Launch::rampart("proxy", &dir, &conf)
        .ready_tcp(local(p))
        .ready_tcp(local(g))
        .spawn();
    let page = |realm: &str| {
        format!(
            "HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm=\"{realm}\"\r\n\r\n<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n"
        )
    };
    let with = |path: &str, user: &str, pass: &str| {
        format!(
            "GET {path} HTTP/1.1\r\nhost: t\r\nauthorization: Basic {}\r\n\r\n",
            basic(user, pass)
        )
    };
    assert_eq!(raw(p, b"GET /ops HTTP/1.1\r\nhost: t\r\n\r\n"), page("Ops"));
    // The default realm is the proxy's name.
    assert_eq!(raw(p, b"GET /adm HTTP/1.1\r\nhost: t\r\n\r\n"), page("f"));
    let body = |req: String| exchange(p, req.as_bytes()).1;
    // Group membership from either side of the declaration.
    assert_eq!(body(with("/ops", "bob", "hello")).body_text(), "user=bob");
    assert_eq!(body(with("/ops", "bob", "hellO")).status(), 401);
    assert_eq!(
        body(with("/priv", "carol", "hello")).body_text(),
        "user=carol"
    );
    assert_eq!(body(with("/priv", "carol", "hellO")).status(), 401);
    assert_eq!(body(with("/ops", "alice", "secret")).status(), 401);
    assert_eq!(
        body(with("/adm", "alice", "secret")).body_text(),
        "user=alice"
    );
    assert_eq!(body(with("/priv", "bob", "hello")).body_text(), "user=bob");
    assert_eq!(body(with("/priv", "carol", "x")).status(), 401);
    // A proxied request (`option http-use-proxy-header`): 407 and Proxy-Authorization.
    assert_eq!(
        raw(p, b"GET http://t/priv HTTP/1.1\r\nhost: t\r\n\r\n"),
        "HTTP/1.1 407 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nproxy-authenticate: Basic realm=\"f\"\r\n\r\n<html><body><h1>407 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n"
    );
    let req = format!(
        "GET http://t/priv HTTP/1.1\r\nhost: t\r\nproxy-authorization: Basic {}\r\n\r\n",
        basic("alice", "secret")
    );
    assert_eq!(body(req).body_text(), "user=alice");
    // The proxy's own 401 page: its WWW-Authenticate gives way to the realm's.
    assert_eq!(
        raw(g, b"GET / HTTP/1.1\r\nhost: t\r\n\r\n"),
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\nx-custom: yes\r\ncontent-length: 5\r\nwww-authenticate: Basic realm=\"R\"\r\n\r\nnope\n"
    );
}

#[test]
fn set_src_and_set_dst_change_the_streams_addresses() {
    let dir = TempDir::new("setsrc");
    let p = free_ports(2);
    let o = p + 1;
    let origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n    option forwardfor\n\
             \x20   http-request set-src hdr(x-src) if {{ req.hdr(x-src) -m found }}\n\
             \x20   http-request set-src-port hdr(x-sport) if {{ req.hdr(x-sport) -m found }}\n\
             \x20   http-request set-dst str(10.1.2.3) if {{ path /dst }}\n\
             \x20   http-request set-dst-port int(4444) if {{ path /dst }}\n\
             \x20   http-request return status 200 content-type text/plain lf-string \"src=%[src]:%[src_port] dst=%[dst]:%[dst_port] fc=%[fc_src]\" if {{ path /info }} || {{ path /dst }}\n\
             \x20   default_backend b\n\
             backend b\n    http-request set-header x-seen-src %[src]\n    server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let mut c = Wire::connect(p);
    let m = ask(
        &mut c,
        b"GET /info HTTP/1.1\r\nhost: t\r\nx-src: 192.0.2.7\r\nx-sport: 77\r\n\r\n",
    );
    assert_eq!(
        m.body_text(),
        format!("src=192.0.2.7:77 dst=127.0.0.1:{p} fc=127.0.0.1")
    );
    let m = ask(
        &mut c,
        b"GET /info HTTP/1.1\r\nhost: t\r\nx-src: ::1\r\n\r\n",
    );
    assert!(m.body_text().starts_with("src=::1:"), "{}", m.body_text());
    let m = ask(&mut c, b"GET /dst HTTP/1.1\r\nhost: t\r\n\r\n");
    assert!(
        m.body_text().contains("dst=10.1.2.3:4444 "),
        "{}",
        m.body_text()
    );
    // The server sees the new address in x-forwarded-for; the next request of the
    // connection has its own again.
    ask(
        &mut c,
        b"GET /fwd HTTP/1.1\r\nhost: t\r\nx-src: 198.51.100.9\r\n\r\n",
    );
    ask(&mut c, b"GET /fwd2 HTTP/1.1\r\nhost: t\r\n\r\n");
    let seen = origin.wait_requests(2);
    assert_eq!(seen[0].header("x-seen-src"), Some("198.51.100.9"));
    assert_eq!(seen[0].header("x-forwarded-for"), Some("198.51.100.9"));
    assert_eq!(seen[1].header("x-seen-src"), Some("127.0.0.1"));
    assert_eq!(seen[1].header("x-forwarded-for"), Some("127.0.0.1"));
}

#[test]
fn captures_fill_the_frontends_slots() {
    let dir = TempDir::new("capture");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request capture req.hdr(host) len 3\n\
             \x20   http-request capture req.hdr(user-agent) len 10\n\
             \x20   default_backend b\n\
             backend b\n\
             \x20   http-request capture path id 1 if {{ path_beg /id }}\n\
             \x20   http-request return status 200 content-type text/plain lf-string \"0=%[capture.req.hdr(0)] 1=%[capture.req.hdr(1)]\"\n\
             \x20   server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let mut c = Wire::connect(p);
    let m = ask(
        &mut c,
        b"GET / HTTP/1.1\r\nhost: example\r\nuser-agent: a-long-agent-name\r\n\r\n",
    );
    assert_eq!(m.body_text(), "0=exa 1=a-long-age");
    // A slot by id takes its declared length; unset slots are empty next time.
    let m = ask(&mut c, b"GET /id/and/more HTTP/1.1\r\nhost: ex\r\n\r\n");
    assert_eq!(m.body_text(), "0=ex 1=/id/and/mo");
    let m = ask(&mut c, b"GET / HTTP/1.1\r\nhost: ex\r\n\r\n");
    assert_eq!(m.body_text(), "0=ex 1=");
}

#[test]
fn early_hints_go_before_the_response() {
    let dir = TempDir::new("hints");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request early-hint link \"</style.css>; rel=preload\" if {{ path /two }}\n\
             \x20   http-request early-hint Link \"</app.js>; rel=preload\"\n\
             \x20   http-request early-hint x-foo %[path] if {{ path /two }}\n\
             \x20   http-request return status 200 content-type text/plain string ok\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let ok = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok";
    // Consecutive unconditional hints share one 103; a conditional one starts another.
    let mut c = Wire::connect(p);
    c.send(b"GET /two HTTP/1.1\r\nhost: t\r\n\r\n");
    let expected = format!(
        "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\nlink: </app.js>; rel=preload\r\n\r\n\
         HTTP/1.1 103 Early Hints\r\nx-foo: /two\r\n\r\n{ok}"
    );
    assert_eq!(String::from_utf8_lossy(&c.exact(expected.len())), expected);
    c.send(b"GET / HTTP/1.1\r\nhost: t\r\n\r\n");
    let expected = format!("HTTP/1.1 103 Early Hints\r\nlink: </app.js>; rel=preload\r\n\r\n{ok}");
    assert_eq!(String::from_utf8_lossy(&c.exact(expected.len())), expected);
    assert!(c.stays_open(QUIET));
    // None for an HTTP/1.0 client.
    assert_eq!(
        raw(p, b"GET /two HTTP/1.0\r\n\r\n"),
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nok"
    );
}

#[test]
fn wait_for_body_lets_the_rules_read_it() {
    let dir = TempDir::new("wfb");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request wait-for-body time 1s at-least 5 if {{ path /wfb }}\n\
             \x20   http-request return status 200 content-type text/plain lf-string \"len=%[req.body_len] body=%[req.body]\" if {{ path /wfb }}\n\
             \x20   default_backend b\n\
             backend b\n\
             \x20   http-response wait-for-body time 1s\n\
             \x20   http-response set-header x-len %[res.body_len]\n\
             \x20   server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    // The body comes in two parts: the rule waits for at least 5 bytes.
    let mut c = Wire::connect(p);
    c.send(b"POST /wfb HTTP/1.1\r\nhost: t\r\ncontent-length: 4\r\n\r\nab");
    std::thread::sleep(Duration::from_millis(200));
    c.send(b"cd");
    let m = read_response(&mut c, false);
    assert_eq!(m.body_text(), "len=4 body=abcd");
    // The whole body was read: the connection stays.
    assert!(c.stays_open(QUIET));
    // A partial body after `time`: 408.
    let mut c = Wire::connect(p);
    c.send(b"POST /wfb HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\nab");
    let m = read_response(&mut c, false);
    assert_eq!(m.status(), 408);
    assert_eq!(m.header("connection"), Some("close"));
    // The response rules read the server's whole body.
    let (_, m) = exchange(p, b"GET /res HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.header("x-len"), Some(m.body.len().to_string().as_str()));
}

#[test]
fn set_timeout_server_bounds_the_wait() {
    let dir = TempDir::new("settimeout");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = Origin::start(o, |_, _| Answer::ok("late").after(Duration::from_secs(4)));
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n    default_backend b\n\
             backend b\n    http-request set-timeout server 300ms if {{ path /short }}\n\
             \x20   http-request return status 200 content-type text/plain lf-string \"%[cur_server_timeout]\" if {{ path /show }}\n\
             \x20   server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let t = Instant::now();
    let (_, m) = exchange(p, b"GET /short HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.status(), 504);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // Without the rule, the backend's 20s apply: the late answer arrives.
    let (_, m) = exchange(p, b"GET /long HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.body_text(), "late");
}

#[test]
fn disable_l7_retry_keeps_the_first_answer() {
    let dir = TempDir::new("l7retry");
    let p = free_ports(2);
    let o = p + 1;
    let origin = Origin::start(o, |_, i| {
        if i % 2 == 0 {
            status_answer(503, "first")
        } else {
            status_answer(200, "second")
        }
    });
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n    default_backend b\n\
             backend b\n    retry-on 503\n    retries 2\n\
             \x20   http-request disable-l7-retry if {{ path /once }}\n\
             \x20   server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let (_, m) = exchange(p, b"GET /again HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.body_text(), "second");
    assert_eq!(origin.requests().len(), 2);
    let (_, m) = exchange(p, b"GET /once HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.status(), 503);
    assert_eq!(m.body_text(), "first");
    assert_eq!(origin.requests().len(), 3);
}

#[test]
fn tarpit_holds_the_request_then_answers() {
    let dir = TempDir::new("tarpit");
    let p = free_ports(2);
    let o = p + 1;
    let origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n    timeout tarpit 500ms\n\
             \x20   http-request tarpit deny_status 429 if {{ path /fe }}\n\
             \x20   default_backend b\n\
             backend b\n    timeout tarpit 1500ms\n    http-request tarpit if {{ path /be }}\n\
             \x20   server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let mut c = Wire::connect(p);
    let t = Instant::now();
    let m = ask(&mut c, b"GET /fe HTTP/1.1\r\nhost: t\r\n\r\n");
    let fe_wait = t.elapsed();
    assert_eq!(m.status(), 429);
    assert!(fe_wait >= Duration::from_millis(450), "{fe_wait:?}");
    // Answered as any error: the connection stays.
    let t = Instant::now();
    let m = ask(&mut c, b"GET /be HTTP/1.1\r\nhost: t\r\n\r\n");
    assert_eq!(m.status(), 500);
    // The backend's own `timeout tarpit`.
    assert!(
        t.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        t.elapsed()
    );
    // A client that only shut its side still waits, and gets the answer.
    let mut c = Wire::connect(p);
    c.send(b"GET /fe HTTP/1.1\r\nhost: t\r\n\r\n");
    c.s.shutdown(Shutdown::Write);
    let t = Instant::now();
    assert_eq!(read_response(&mut c, false).status(), 429);
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert!(origin.requests().is_empty());
}

#[test]
fn reject_and_silent_drop_send_nothing() {
    let dir = TempDir::new("reject");
    let p = free_ports(2);
    let o = p + 1;
    let origin = echo_origin(o);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request reject if {{ path /reject }}\n\
             \x20   http-request silent-drop if {{ path /drop }}\n\
             \x20   default_backend b\n\
             backend b\n    http-response silent-drop if {{ status 200 }}\n    server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    // `reject`: closed at once, with a FIN.
    let mut c = Wire::connect(p);
    c.send(b"GET /reject HTTP/1.1\r\nhost: t\r\n\r\n");
    assert!(matches!(
        wait_closed(&mut c.s, Duration::from_secs(5)),
        Some((Closed::Eof, _))
    ));
    // `silent-drop` on either side: no answer ever (the proxy forgets the connection
    // without a word when it may, else it resets it).
    for path in ["/drop", "/res"] {
        let mut c = Wire::connect(p);
        c.send(format!("GET {path} HTTP/1.1\r\nhost: t\r\n\r\n").as_bytes());
        let _ = wait_closed(&mut c.s, Duration::from_millis(500));
    }
    assert_eq!(origin.requests().len(), 1);
}

#[test]
fn priority_class_orders_the_queue() {
    let dir = TempDir::new("prio");
    let p = free_ports(2);
    let o = p + 1;
    let origin = Origin::start(o, |m, _| {
        let a = Answer::ok("done");
        if m.start.starts_with("GET /hold ") {
            a.after(Duration::from_millis(800))
        } else {
            a
        }
    });
    let conf = cfg(
        "",
        "    timeout queue 10s\n",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n    default_backend b\n\
             backend b\n\
             \x20   http-request set-priority-class req.hdr(x-class) if {{ req.hdr(x-class) -m found }}\n\
             \x20   server s 127.0.0.1:{o} maxconn 1\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    // One request holds the only slot; two more queue behind it, the second with a
    // better class: it is served first.
    let send = |req: &'static [u8]| std::thread::spawn(move || exchange(p, req).1.status());
    let hold = send(b"GET /hold HTTP/1.1\r\nhost: t\r\n\r\n");
    assert!(wait_until(Duration::from_secs(5), || origin
        .requests()
        .len()
        == 1));
    let late = send(b"GET /plain HTTP/1.1\r\nhost: t\r\n\r\n");
    std::thread::sleep(Duration::from_millis(150));
    let first = send(b"GET /urgent HTTP/1.1\r\nhost: t\r\nx-class: -1\r\n\r\n");
    for t in [hold, late, first] {
        assert_eq!(t.join().ok(), Some(200));
    }
    let paths: Vec<String> = origin
        .requests()
        .iter()
        .map(|m| m.start.split(' ').nth(1).unwrap_or_default().to_string())
        .collect();
    assert_eq!(paths, ["/hold", "/urgent", "/plain"]);
}

#[test]
fn listener_names_and_ids_as_haproxy_numbers_them() {
    let dir = TempDir::new("so-name");
    let p = free_ports(4);
    // A named single address, a named port range (one listener per port, sharing the
    // name), and an unnamed bind with its own id, which the automatic numbering skips.
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p} name foo\n\
             \x20   bind 127.0.0.1:{}-{} name bar\n\
             \x20   bind 127.0.0.1:{} id 2\n\
             \x20   http-request return status 200 hdr so-name \"%[so_name]\" hdr so-id %[so_id]\n",
            p + 1,
            p + 2,
            p + 3
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let seen: Vec<(Option<String>, Option<String>)> = (0..4)
        .map(|i| {
            let (_, m) = exchange(p + i, b"GET / HTTP/1.1\r\nhost: t\r\n\r\n");
            (
                m.header("so-name").map(str::to_owned),
                m.header("so-id").map(str::to_owned),
            )
        })
        .collect();
    let want = |n: Option<&str>, id: &str| (n.map(str::to_owned), Some(id.to_owned()));
    assert_eq!(
        seen,
        [
            want(Some("foo"), "1"),
            want(Some("bar"), "3"),
            want(Some("bar"), "4"),
            // No name, no sample: `return` leaves out a header whose value is empty.
            want(None, "2"),
        ]
    );
}

#[test]
fn restricted_header_names_are_removed_or_refused() {
    let dir = TempDir::new("restrict");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = echo_origin(o);
    // The frontend removes such fields after its own rules (which still see them);
    // the backend `b2` refuses them with the 403 page, as a denied request.
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   option http-restrict-req-hdr-names delete\n\
             \x20   http-request set-header x-saw %[req.hdr(x_a)]\n\
             \x20   use_backend b2 if {{ path /strict }}\n\
             \x20   default_backend b\n\
             backend b\n    server s 127.0.0.1:{o}\n\
             backend b2\n    option http-restrict-req-hdr-names reject\n    server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let (_, m) = exchange(
        p,
        b"GET / HTTP/1.1\r\nhost: t\r\nx_a: 1\r\nx-b: 2\r\nx.c: 3\r\nx-d_: 4\r\n\r\n",
    );
    assert_eq!(m.status(), 200);
    let seen = String::from_utf8_lossy(&m.body).into_owned();
    assert!(seen.contains("x-b: 2\r\n"), "{seen}");
    assert!(seen.contains("x-saw: 1\r\n"), "{seen}");
    for gone in ["x_a", "x.c", "x-d_"] {
        assert!(!seen.contains(gone), "{gone} in {seen}");
    }
    // The backend's option sees the request the frontend left: nothing to refuse.
    let (_, m) = exchange(p, b"GET /strict HTTP/1.1\r\nhost: t\r\nx_a: 1\r\n\r\n");
    assert_eq!(m.status(), 200);
    // With a frontend that keeps them, the backend refuses.
    drop(_px);
    let conf = conf.replace("    option http-restrict-req-hdr-names delete\n", "");
    let _px = proxy(&dir, &conf, p);
    let (_, m) = exchange(p, b"GET /strict HTTP/1.1\r\nhost: t\r\nx_a: 1\r\n\r\n");
    assert_eq!(m.status(), 403);
    let (_, m) = exchange(p, b"GET /strict HTTP/1.1\r\nhost: t\r\nx-a: 1\r\n\r\n");
    assert_eq!(m.status(), 200);
}
