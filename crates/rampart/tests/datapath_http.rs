//! End-to-end tests of the `mode http` data path: the real `rampart` binary between
//! clients (raw sockets in the test, curl) and origins (servers in the test, nginx),
//! covering connection persistence on both sides (`http-keep-alive`,
//! `http-server-close`, `httpclose`), body framing in both directions (length, chunked
//! with trailers, until close), HTTP/1.0 and 1.1, bodiless responses, `forwardfor` and
//! `originalto`, `Expect: 100-continue`, upgrades and CONNECT tunnels, the HTTP timeouts,
//! the limits on heads, and HAProxy's error pages byte for byte.
//!
//! Every expectation is HAProxy 2.6's: `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the
//! same tests against it. Timeouts are short where a test waits for them; assertions on
//! time are "not before" a fraction of the timeout and "within" a generous bound.

mod httpkit;
mod support;

use httpkit::*;
use std::time::{Duration, Instant};
use support::*;

/// A GET for `path` on HTTP/1.1 with `extra` header lines.
fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n").into_bytes()
}

/// An origin answering `200` with `r<index> <path>` on every request.
fn echo_path_origin(port: u16) -> Origin {
    Origin::start(port, |m, i| {
        let path = m.start.split(' ').nth(1).unwrap_or("").to_string();
        Answer::ok(&format!("r{i} {path}"))
    })
}

// ---------------------------------------------------------------------------------------
// 1. Connection persistence

#[test]
fn keep_alive_on_both_sides_reuses_the_server_connection() {
    let dir = TempDir::new("ka");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);

    let mut c = Wire::connect(p);
    for i in 0..3 {
        c.send(&get(&format!("/k{i}"), ""));
        let r = read_response(&mut c, false);
        assert_eq!(r.status(), 200);
        assert_eq!(r.body_text(), format!("r{i} /k{i}"));
        assert_eq!(
            r.header("connection"),
            None,
            "keep-alive needs no header in 1.1"
        );
    }
    assert!(
        c.stays_open(Duration::from_millis(300)),
        "client connection kept"
    );
    assert_eq!(
        origin.accepted(),
        1,
        "one server connection for the three requests"
    );
    for m in origin.requests() {
        assert_eq!(m.header("connection"), None, "{}", m.head_text());
    }
}

#[test]
fn curl_fetches_several_urls_over_one_connection() {
    let dir = TempDir::new("curlka");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let base = format!("http://127.0.0.1:{p}");
    let (out, err) = curl_verbose(&[
        &format!("{base}/a"),
        &format!("{base}/b"),
        &format!("{base}/c"),
    ]);
    assert_eq!(out, "r0 /ar1 /br2 /c");
    assert_eq!(
        err.matches("Re-using existing connection").count(),
        2,
        "curl kept its connection: {err}"
    );
    assert_eq!(origin.accepted(), 1);
}

#[test]
fn http_server_close_closes_only_the_server_side() {
    let dir = TempDir::new("scl");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option http-server-close\n")),
        p,
    );
    let mut c = Wire::connect(p);
    for i in 0..3 {
        c.send(&get(&format!("/s{i}"), ""));
        let r = read_response(&mut c, false);
        assert_eq!(r.body_text(), format!("r{i} /s{i}"));
        assert_eq!(r.header("connection"), None);
    }
    assert!(c.stays_open(Duration::from_millis(300)));
    let seen = origin.wait_requests(3);
    assert_eq!(origin.accepted(), 3, "a server connection per request");
    for m in seen {
        assert_eq!(m.header("connection"), Some("close"), "{}", m.head_text());
    }
}

#[test]
fn httpclose_closes_both_sides() {
    let dir = TempDir::new("hclo");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option httpclose\n")),
        p,
    );
    let (mut c, r) = exchange(p, &get("/", ""));
    assert_eq!(r.status(), 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(
        c.closes_within(Duration::from_secs(5)),
        "client connection closed"
    );
    assert_eq!(origin.requests()[0].header("connection"), Some("close"));
}

#[test]
fn client_connection_close_is_honoured() {
    let dir = TempDir::new("cclo");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let (mut c, r) = exchange(p, &get("/", "Connection: close\r\n"));
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closes_within(Duration::from_secs(5)));
    assert_eq!(origin.requests().len(), 1);
}

#[test]
fn client_connection_close_does_not_close_the_server_connection() {
    // The client's `close` is about its own side: the request reaches the server without
    // it and the server connection goes back to the pool for the next client.
    let dir = TempDir::new("cclo-pool");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    // One thread: Rampart's idle pools are per thread (HAProxy's threads share theirs).
    let conf = cfg(
        "    nbthread 1\n",
        "",
        &listen(p, o, "    http-reuse always\n"),
    );
    let _px = proxy(&dir, &conf, p);
    for i in 0..4 {
        let (mut c, r) = exchange(p, &get(&format!("/c{i}"), "Connection: close\r\n"));
        assert_eq!(r.status(), 200);
        assert_eq!(r.header("connection"), Some("close"));
        assert!(c.closes_within(Duration::from_secs(5)));
    }
    for m in origin.requests() {
        assert_eq!(m.header("connection"), None, "{}", m.head_text());
    }
    assert_eq!(
        origin.accepted(),
        1,
        "the four clients shared one server connection"
    );
}

#[test]
fn a_server_connection_not_kept_after_a_complete_response_is_reset() {
    // HAProxy closes a server connection it does not keep, once the response length was
    // known, with a reset: no TIME_WAIT on the proxy's ports, no close for the server to
    // process. The origin answers with keep-alive and then sees the reset.
    let dir = TempDir::new("srv-rst");
    let (p, o) = (free_port(), free_port());
    let l = bind_tcp(local(o));
    let seen = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let mut head = Vec::new();
        let mut b = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(0) | Err(_) => return "request cut".to_string(),
                Ok(n) => head.extend_from_slice(&b[..n]),
            }
        }
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .expect("answer");
        match s.read(&mut b) {
            Ok(0) => "orderly close".to_string(),
            Ok(_) => "more data".to_string(),
            Err(e) => format!("{:?}", e.kind()),
        }
    });
    let conf = cfg("", "", &listen(p, o, "    option http-server-close\n"));
    let _px = proxy(&dir, &conf, p);
    let (_c, r) = exchange(p, &get("/", "Connection: close\r\n"));
    assert_eq!(r.body_text(), "ok");
    let end = seen.join().expect("origin thread");
    assert_eq!(end, "ConnectionReset");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let dir = TempDir::new("pipe");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    let mut all = get("/p0", "");
    all.extend_from_slice(b"POST /p1 HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc");
    all.extend_from_slice(&get("/p2", ""));
    c.send(&all);
    for i in 0..3 {
        assert_eq!(
            read_response(&mut c, false).body_text(),
            format!("r{i} /p{i}")
        );
    }
    assert_eq!(origin.requests()[1].body, b"abc");
}

// ---------------------------------------------------------------------------------------
// 2. Bodies

#[test]
fn content_length_request_body_arrives_intact() {
    let dir = TempDir::new("clbody");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| Answer::ok(&m.body.len().to_string()));
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let mut c = Wire::connect(p);
    c.send(
        format!(
            "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    c.send(&body);
    let r = read_response(&mut c, false);
    assert_eq!(r.body_text(), "300000");
    assert!(origin.requests()[0].body == body, "body bytes differ");
    // The connection is still usable.
    c.send(&get("/after", ""));
    assert_eq!(read_response(&mut c, false).status(), 200);
}

#[test]
fn chunked_request_with_trailers_arrives_intact() {
    let dir = TempDir::new("chreq");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| Answer::ok(&m.body.len().to_string()));
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(b"POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.send(b"5\r\nhello\r\n");
    c.send(b"6\r\n world\r\n");
    c.send(b"0\r\nX-Checksum: 42\r\nX-Other: yes\r\n\r\n");
    let r = read_response(&mut c, false);
    assert_eq!(r.body_text(), "11");
    let m = &origin.requests()[0];
    assert!(
        m.chunked,
        "still chunked towards the server: {}",
        m.head_text()
    );
    assert_eq!(m.body, b"hello world");
    assert_eq!(
        m.trailers.to_ascii_lowercase(),
        "x-checksum: 42\r\nx-other: yes\r\n"
    );
}

#[test]
fn chunked_response_with_trailers_reaches_the_client() {
    let dir = TempDir::new("chresp");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| {
        Answer::raw(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n\
             4\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Sum: 7\r\n\r\n",
            Then::KeepAlive,
        )
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(&get("/", "TE: trailers\r\n"));
    let r = read_response(&mut c, false);
    assert!(r.chunked);
    assert_eq!(r.body, b"abcdefg");
    assert_eq!(r.trailers.to_ascii_lowercase(), "x-sum: 7\r\n");
    c.send(&get("/", ""));
    assert_eq!(
        read_response(&mut c, false).body,
        b"abcdefg",
        "connection reused"
    );
}

#[test]
fn large_chunked_response_streams_through() {
    let dir = TempDir::new("chbig");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| {
        let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for i in 0..200u32 {
            let piece = vec![b'a' + (i % 26) as u8; 5000];
            r.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            r.extend_from_slice(&piece);
            r.extend_from_slice(b"\r\n");
        }
        r.extend_from_slice(b"0\r\n\r\n");
        Answer::raw(r, Then::KeepAlive)
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let out = curl(&[&format!("http://127.0.0.1:{p}/")]);
    assert_eq!(out.len(), 200 * 5000);
    assert!(out.starts_with("aaaa") && out.ends_with("rrrr"));
}

#[test]
fn close_delimited_response_ends_with_the_connection() {
    let dir = TempDir::new("cdel");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| {
        Answer::raw(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
            Then::Close,
        )
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(&get("/", ""));
    let r = read_response(&mut c, false);
    assert_eq!(r.body_text(), "until the end");
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(r.header("transfer-encoding"), None, "not re-chunked");
}

#[test]
fn http10_response_is_relayed_without_connection_header() {
    let dir = TempDir::new("r10");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| {
        Answer::raw("HTTP/1.0 200 OK\r\n\r\nold server", Then::Close)
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let (_c, r) = exchange(p, &get("/", ""));
    assert_eq!(r.head_text(), "HTTP/1.0 200 OK\r\n\r\n");
    assert_eq!(r.body_text(), "old server");
}

#[test]
fn curl_uploads_chunked_and_by_length() {
    let dir = TempDir::new("curlup");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| {
        Answer::ok(&format!(
            "{} {}",
            m.body.len(),
            if m.chunked { "chunked" } else { "length" }
        ))
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let file = dir.write("payload", &"x".repeat(100_000));
    let url = format!("http://127.0.0.1:{p}/up");
    let f = format!("@{}", file.display());
    assert_eq!(curl(&["--data-binary", &f, &url]), "100000 length");
    assert_eq!(
        curl(&[
            "--data-binary",
            &f,
            "-H",
            "Transfer-Encoding: chunked",
            &url
        ]),
        "100000 chunked"
    );
    assert_eq!(origin.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------
// 3. Versions and bodiless responses

#[test]
fn http10_client_without_keep_alive_is_closed() {
    let dir = TempDir::new("c10");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let (mut c, r) = exchange(p, b"GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(r.start, "HTTP/1.1 200 OK");
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closes_within(Duration::from_secs(5)));
    let m = &origin.requests()[0];
    assert_eq!(m.start, "GET /old HTTP/1.0");
    assert_eq!(
        m.header("connection"),
        Some("keep-alive"),
        "server side kept alive"
    );
}

#[test]
fn http10_client_with_keep_alive_is_kept() {
    let dir = TempDir::new("c10ka");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    for i in 0..2 {
        c.send(format!("GET /o{i} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").as_bytes());
        let r = read_response(&mut c, false);
        assert_eq!(r.body_text(), format!("r{i} /o{i}"));
        assert_eq!(r.header("connection"), Some("keep-alive"));
    }
    assert!(c.stays_open(Duration::from_millis(300)));
    assert_eq!(origin.accepted(), 1);
}

#[test]
fn head_response_has_no_body_and_keeps_the_connection() {
    let dir = TempDir::new("head");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| {
        if m.start.starts_with("HEAD") {
            Answer::raw(
                "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
                Then::KeepAlive,
            )
        } else {
            Answer::ok("after")
        }
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = read_response(&mut c, true);
    assert_eq!(r.header("content-length"), Some("1234"));
    c.send(&get("/next", ""));
    assert_eq!(read_response(&mut c, false).body_text(), "after");
    assert_eq!(origin.accepted(), 1);
}

#[test]
fn no_content_and_not_modified_have_no_body() {
    let dir = TempDir::new("204");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |m, _| match m.start.split(' ').nth(1) {
        Some("/204") => Answer::raw(
            "HTTP/1.1 204 No Content\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n",
            Then::KeepAlive,
        ),
        Some("/304") => Answer::raw(
            "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nContent-Length: 99\r\n\r\n",
            Then::KeepAlive,
        ),
        _ => Answer::ok("fine"),
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(&get("/204", ""));
    let r = read_response(&mut c, false);
    assert_eq!(r.head_text(), "HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n");
    c.send(&get("/304", ""));
    let r = read_response(&mut c, false);
    assert_eq!(
        r.head_text(),
        "HTTP/1.1 304 Not Modified\r\netag: \"e\"\r\ncontent-length: 99\r\n\r\n",
        "a 304 keeps its length, without body"
    );
    c.send(&get("/", ""));
    assert_eq!(read_response(&mut c, false).body_text(), "fine");
}

#[test]
fn nginx_origin_static_file_head_and_conditional() {
    let dir = TempDir::new("nginx");
    let (p, n) = (free_port(), free_port());
    let root = dir.join("www");
    std::fs::create_dir_all(&root).expect("mkdir www");
    let content: String = (0..40_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    std::fs::write(root.join("f.txt"), &content).expect("write f.txt");
    let conf = nginx_conf(&format!(
        "server {{\n    listen 127.0.0.1:{n};\n    root {};\n    etag on;\n}}",
        root.display()
    ));
    let _ng = Launch::nginx("nginx", &dir, &conf)
        .ready_tcp(local(n))
        .spawn();
    let _px = proxy(&dir, &cfg("", "", &listen(p, n, "")), p);
    let mut c = Wire::connect(p);
    c.send(&get("/f.txt", ""));
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 200);
    assert!(r.body == content.as_bytes(), "file content");
    let etag = r.header("etag").expect("nginx sends an ETag").to_string();
    c.send(b"HEAD /f.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    let h = read_response(&mut c, true);
    assert_eq!(h.header("content-length"), Some("40000"));
    c.send(&get("/f.txt", &format!("If-None-Match: {etag}\r\n")));
    let nm = read_response(&mut c, false);
    assert_eq!(nm.status(), 304);
    c.send(&get("/missing", ""));
    assert_eq!(read_response(&mut c, false).status(), 404);
}

#[test]
fn te_towards_the_server_only_says_trailers() {
    let dir = TempDir::new("te");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    for te in [
        "trailers, gzip",
        "gzip",
        "trailers;q=0.5",
        "deflate, trailers",
    ] {
        c.send(&get("/", &format!("TE: {te}\r\n")));
        assert_eq!(read_response(&mut c, false).status(), 200);
    }
    let seen: Vec<Option<String>> = origin
        .requests()
        .iter()
        .map(|m| m.header("te").map(str::to_string))
        .collect();
    assert_eq!(
        seen,
        [Some("trailers".into()), None, None, Some("trailers".into())]
    );
}

// ---------------------------------------------------------------------------------------
// 4. Client addresses: forwardfor, originalto

/// An origin answering with the `x-forwarded-for`-like headers it received.
fn header_origin(port: u16) -> Origin {
    Origin::start(port, |m, _| {
        let mut s = String::new();
        for (n, v) in &m.headers {
            let l = n.to_ascii_lowercase();
            if l.starts_with("x-") {
                s.push_str(&format!("{l}={v};"));
            }
        }
        Answer::ok(&s)
    })
}

#[test]
fn forwardfor_adds_the_client_address() {
    let dir = TempDir::new("xff");
    let (p, o) = (free_port(), free_port());
    let _origin = header_origin(o);
    let (p2, p3, p4) = (free_port(), free_port(), free_port());
    let body = format!(
        "{}\
         listen l2\n    bind 127.0.0.1:{p2}\n    option forwardfor except 127.0.0.0/8\n    server o 127.0.0.1:{o}\n\
         listen l3\n    bind 127.0.0.1:{p3}\n    option forwardfor header X-Client\n    server o 127.0.0.1:{o}\n\
         listen l4\n    bind 127.0.0.1:{p4}\n    option forwardfor if-none\n    server o 127.0.0.1:{o}\n",
        listen(p, o, "    option forwardfor\n"),
    );
    let _px = Launch::rampart("proxy", &dir, &cfg("", "", &body))
        .ready_tcp(local(p))
        .ready_tcp(local(p4))
        .spawn();
    let ask = |port: u16, extra: &str| exchange(port, &get("/", extra)).1.body_text();
    assert_eq!(ask(p, ""), "x-forwarded-for=127.0.0.1;");
    assert_eq!(
        ask(p, "X-Forwarded-For: 10.0.0.1\r\n"),
        "x-forwarded-for=10.0.0.1;x-forwarded-for=127.0.0.1;",
        "appended as a new field"
    );
    assert_eq!(ask(p2, ""), "", "client in the except network");
    assert_eq!(ask(p3, ""), "x-client=127.0.0.1;");
    assert_eq!(ask(p4, ""), "x-forwarded-for=127.0.0.1;");
    assert_eq!(
        ask(p4, "X-Forwarded-For: 10.0.0.1\r\n"),
        "x-forwarded-for=10.0.0.1;",
        "if-none keeps the client's own"
    );
}

#[test]
fn originalto_adds_the_destination_address() {
    let dir = TempDir::new("xot");
    let (p, o) = (free_port(), free_port());
    let _origin = header_origin(o);
    let p2 = free_port();
    let body = format!(
        "{}listen l2\n    bind 127.0.0.2:{p2}\n    option originalto header X-Dst except 127.0.0.1\n    server o 127.0.0.1:{o}\n",
        listen(p, o, "    option originalto\n")
    );
    let _px = Launch::rampart("proxy", &dir, &cfg("", "", &body))
        .ready_tcp(local(p))
        .ready_tcp(std::net::SocketAddr::from(([127, 0, 0, 2], p2)))
        .spawn();
    assert_eq!(
        exchange(p, &get("/", "")).1.body_text(),
        "x-original-to=127.0.0.1;"
    );
    let mut c = Wire::new(connect(std::net::SocketAddr::from(([127, 0, 0, 2], p2))));
    c.send(&get("/", ""));
    assert_eq!(read_response(&mut c, false).body_text(), "x-dst=127.0.0.2;");
}

// ---------------------------------------------------------------------------------------
// 5. Expect: 100-continue, upgrades, CONNECT

#[test]
fn expect_100_continue_with_curl() {
    let dir = TempDir::new("expect");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::with_expect(
        o,
        |m, _| Answer::ok(&format!("got {}", m.body.len())),
        |m| {
            (m.start.split(' ').nth(1) == Some("/deny")).then(|| {
                Answer::raw(
                    "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope",
                    Then::KeepAlive,
                )
            })
        },
    );
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let file = dir.write("payload", &"y".repeat(200_000));
    let f = format!("@{}", file.display());
    let (out, err) = curl_verbose(&[
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        &f,
        &format!("http://127.0.0.1:{p}/up"),
    ]);
    assert_eq!(out, "got 200000");
    assert!(
        err.contains("HTTP/1.1 100 Continue"),
        "interim relayed: {err}"
    );
    // The server refuses before the body: its answer reaches the client at once.
    let mut c = Wire::connect(p);
    c.send(b"POST /deny HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 417);
    assert_eq!(r.body_text(), "nope");
    assert_eq!(origin.requests().len(), 2);
}

#[test]
fn expect_with_the_body_already_sent_is_forwarded_and_kept() {
    let dir = TempDir::new("expect2");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| Answer::ok(&format!("got {}", m.body_text())));
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
    let all = read_responses_with_interim(&mut c);
    assert_eq!(all.last().map(Msg::body_text).as_deref(), Some("got abc"));
    c.send(&get("/again", ""));
    assert_eq!(
        read_response(&mut c, false).status(),
        200,
        "connection kept"
    );
    assert_eq!(origin.accepted(), 1);
}

#[test]
fn early_response_while_the_body_still_arrives() {
    let dir = TempDir::new("early");
    let (p, o) = (free_port(), free_port());
    // The origin answers as soon as it has the head, without reading the body.
    let srv = TestServer::tcp(o, |s| {
        let mut w = Wire::new(s);
        if w.head().is_some() {
            w.send(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig");
            std::thread::sleep(Duration::from_secs(2));
        }
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 413);
    assert_eq!(r.body_text(), "big");
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn websocket_upgrade_becomes_a_tunnel() {
    let dir = TempDir::new("ws");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |_, _| {
        Answer::raw(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            Then::Echo,
        )
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(
        b"GET /chat HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 101);
    assert_eq!(r.header("connection"), Some("Upgrade"), "{}", r.head_text());
    assert_eq!(r.header("upgrade"), Some("websocket"));
    let m = &origin.requests()[0];
    assert_eq!(m.header("connection"), Some("Upgrade"), "{}", m.head_text());
    // Bytes both ways, larger than a buffer.
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    c.send(&data);
    assert!(c.exact(data.len()) == data, "echoed through the tunnel");
    c.send(b"bye");
    assert_eq!(c.exact(3), b"bye");
}

#[test]
fn connect_becomes_a_tunnel() {
    let dir = TempDir::new("connect");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |_, _| {
        Answer::raw("HTTP/1.1 200 Connection established\r\n\r\n", Then::Echo)
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    let r = read_head_only(&mut c);
    assert_eq!(r.status(), 200);
    assert_eq!(
        origin.requests()[0].start,
        "CONNECT example.com:443 HTTP/1.1"
    );
    c.send(b"\x16\x03\x01 opaque bytes");
    assert_eq!(c.exact(16), b"\x16\x03\x01 opaque bytes");
}

// ---------------------------------------------------------------------------------------
// 6. Timeouts and errors

/// HAProxy's built-in pages as its H1 layer sends them for its own errors (request
/// parsing, `timeout http-request`): copied as stored, with `Connection: close`.
const PAGE_400: &str = "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n";
const PAGE_408: &str = "HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";

/// The same pages as the stream produces them (502, 503, 504): re-encoded by the H1
/// layer, lower-case names, the connection field of the connection mode.
fn stream_page(status: u16, conn: Option<&str>) -> String {
    let (reason, text) = match status {
        502 => (
            "Bad Gateway",
            "The server returned an invalid or incomplete response.",
        ),
        503 => (
            "Service Unavailable",
            "No server is available to handle this request.",
        ),
        504 => ("Gateway Time-out", "The server didn't respond in time."),
        _ => panic!("no page for {status}"),
    };
    let body = format!("<html><body><h1>{status} {reason}</h1>\n{text}\n</body></html>\n");
    let conn = conn.map_or(String::new(), |c| format!("connection: {c}\r\n"));
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n{conn}\r\n{body}",
        body.len()
    )
}

/// Sends `req` on a new connection and reads everything until the proxy closes.
fn until_closed(port: u16, req: &[u8]) -> (String, Duration) {
    let mut c = Wire::connect(port);
    let start = Instant::now();
    c.send(req);
    let raw = c.rest_until_close();
    (String::from_utf8_lossy(&raw).into_owned(), start.elapsed())
}

#[test]
fn invalid_request_gets_the_400_page_byte_for_byte() {
    let dir = TempDir::new("400");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let (raw, _) = until_closed(p, b"GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n");
    assert_eq!(raw, PAGE_400);
    assert_eq!(origin.accepted(), 0, "nothing reached the server");
}

#[test]
fn timeout_http_request_gets_the_408_page() {
    let dir = TempDir::new("408");
    let (p, o) = (free_port(), free_port());
    let origin = echo_path_origin(o);
    let _px = proxy(
        &dir,
        &cfg("", "    timeout http-request 500ms\n", &listen(p, o, "")),
        p,
    );
    // A partial head.
    let (raw, after) = until_closed(p, b"GET / HTTP/1.1\r\nHost: t\r\n");
    assert_eq!(raw, PAGE_408);
    assert!(after >= Duration::from_millis(400), "408 after {after:?}");
    // Nothing at all: HAProxy answers 408 too (without option http-ignore-probes).
    let (raw, after) = until_closed(p, b"");
    assert_eq!(raw, PAGE_408);
    assert!(after >= Duration::from_millis(400), "408 after {after:?}");
    assert_eq!(origin.accepted(), 0);
}

#[test]
fn timeout_http_keep_alive_closes_an_idle_connection() {
    let dir = TempDir::new("kato");
    let (p, o) = (free_port(), free_port());
    let _origin = echo_path_origin(o);
    let _px = proxy(
        &dir,
        &cfg(
            "",
            "    timeout http-request 5s\n    timeout http-keep-alive 400ms\n",
            &listen(p, o, ""),
        ),
        p,
    );
    let mut c = Wire::connect(p);
    c.send(&get("/", ""));
    assert_eq!(read_response(&mut c, false).status(), 200);
    let start = Instant::now();
    assert!(
        c.closes_within(Duration::from_secs(4)),
        "idle connection closed, silently"
    );
    let after = start.elapsed();
    assert!(
        after >= Duration::from_millis(300),
        "closed after {after:?}"
    );
}

#[test]
fn timeout_server_gives_504_and_keeps_the_client() {
    let dir = TempDir::new("504");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| {
        if m.start.contains("/slow") {
            Answer::raw("", Then::Hold(Duration::from_secs(3)))
        } else {
            Answer::ok("fast")
        }
    });
    let _px = proxy(
        &dir,
        &cfg("", "    timeout server 500ms\n", &listen(p, o, "")),
        p,
    );
    let mut c = Wire::connect(p);
    let start = Instant::now();
    c.send(&get("/slow", ""));
    let r = read_response(&mut c, false);
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert_eq!(String::from_utf8_lossy(&r.raw()), stream_page(504, None));
    c.send(&get("/fast", ""));
    assert_eq!(
        read_response(&mut c, false).body_text(),
        "fast",
        "client kept"
    );
    assert_eq!(
        origin.accepted(),
        2,
        "the timed-out server connection is not reused"
    );
}

#[test]
fn timeout_server_during_a_stalled_upload_gives_504() {
    let dir = TempDir::new("504up");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| Answer::ok("never"));
    let _px = proxy(
        &dir,
        &cfg(
            "",
            "    timeout client 300ms\n    timeout server 1s\n",
            &listen(p, o, ""),
        ),
        p,
    );
    // The body stops half way; the server waits for it. The client's own timeout is
    // suspended while the server is expected to answer: the server's gives the 504.
    let (raw, after) = until_closed(
        p,
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf",
    );
    assert_eq!(
        raw,
        stream_page(504, Some("close")),
        "request incomplete: close"
    );
    assert!(after >= Duration::from_millis(900), "504 after {after:?}");
}

#[test]
fn refused_server_gives_503() {
    let dir = TempDir::new("503");
    let (p, o) = (free_port(), free_port());
    let _px = proxy(&dir, &cfg("", "    retries 0\n", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(&get("/", ""));
    let r = read_response(&mut c, false);
    assert_eq!(String::from_utf8_lossy(&r.raw()), stream_page(503, None));
    // A complete request with a body: still kept, the body skipped.
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
    assert_eq!(read_response(&mut c, false).status(), 503);
    c.send(b"GET / HTTP/1.0\r\n\r\n");
    let r = read_response(&mut c, false);
    assert_eq!(
        String::from_utf8_lossy(&r.raw()),
        stream_page(503, Some("close"))
    );
    assert!(c.closes_within(Duration::from_secs(5)));
}

#[test]
fn invalid_response_gives_502_and_keeps_the_client() {
    let dir = TempDir::new("502");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |m, _| {
        if m.start.contains("/bad") {
            Answer::raw(
                "HTTP/1.1 2x0 Nope\r\nContent-Length: 2\r\n\r\nno",
                Then::Close,
            )
        } else {
            Answer::ok("good")
        }
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(&get("/bad", ""));
    let r = read_response(&mut c, false);
    assert_eq!(String::from_utf8_lossy(&r.raw()), stream_page(502, None));
    c.send(&get("/good", ""));
    assert_eq!(read_response(&mut c, false).body_text(), "good");
}

// ---------------------------------------------------------------------------------------
// 7. Limits

/// A request with `n` header fields (Host included).
fn request_with_fields(n: usize) -> Vec<u8> {
    let mut s = String::from("GET / HTTP/1.1\r\nHost: t\r\n");
    for i in 1..n {
        s.push_str(&format!("X-F{i}: v\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

#[test]
fn tune_http_maxhdr_limits_both_sides() {
    let dir = TempDir::new("maxhdr");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |m, _| {
        let n: usize = m
            .start
            .split(' ')
            .nth(1)
            .and_then(|p| p[1..].parse().ok())
            .unwrap_or(0);
        let mut r = String::from("HTTP/1.1 200 OK\r\n");
        for i in 1..n {
            r.push_str(&format!("X-R{i}: v\r\n"));
        }
        r.push_str("Content-Length: 2\r\n\r\nok");
        Answer::raw(r, Then::KeepAlive)
    });
    let _px = proxy(
        &dir,
        &cfg("    tune.http.maxhdr 10\n", "", &listen(p, o, "")),
        p,
    );
    let (_, r) = exchange(p, &request_with_fields(9));
    assert_eq!(r.status(), 200, "9 fields: the maximum");
    let (raw, _) = until_closed(p, &request_with_fields(10));
    assert_eq!(raw, PAGE_400, "10 fields: one too many");
    // Responses: `/N` asks for N fields (Content-Length included).
    let (_, r) = exchange(p, &get("/9", ""));
    assert_eq!(r.status(), 200);
    let (_, r) = exchange(p, &get("/10", ""));
    assert_eq!(String::from_utf8_lossy(&r.raw()), stream_page(502, None));
}

#[test]
fn too_large_heads_give_400_and_502() {
    let dir = TempDir::new("bighead");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |m, _| {
        if m.start.contains("/big") {
            let pad = "p".repeat(16_000);
            Answer::raw(
                format!("HTTP/1.1 200 OK\r\nX-Pad: {pad}\r\nContent-Length: 2\r\n\r\nok"),
                Then::KeepAlive,
            )
        } else {
            Answer::ok("small")
        }
    });
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    // tune.bufsize 16384 less tune.maxrewrite 1024: a 15 kB head passes, 16 kB does not.
    let pad = "q".repeat(14_900);
    let (_, r) = exchange(p, &get("/", &format!("X-Pad: {pad}\r\n")));
    assert_eq!(r.body_text(), "small");
    let pad = "q".repeat(16_000);
    let (raw, _) = until_closed(p, &get("/", &format!("X-Pad: {pad}\r\n")));
    assert_eq!(raw, PAGE_400);
    let (_, r) = exchange(p, &get("/big", ""));
    assert_eq!(String::from_utf8_lossy(&r.raw()), stream_page(502, None));
}

// ---------------------------------------------------------------------------------------
// 8. The pages against HAProxy's own

/// Runs the same scenarios through Debian's haproxy and the proxy under test, and
/// compares every byte each client receives: the built-in pages (400, 408, 413, 422,
/// 502, 503, 504) in both of their spellings.
#[test]
fn error_pages_are_haproxys_byte_for_byte() {
    let dir = TempDir::new("pages");
    let o = free_port();
    let _origin = Origin::start(o, |m, _| match m.start.split(' ').nth(1) {
        Some("/bad") => Answer::raw("HTTP/1.1 abc\r\n\r\n", Then::Close),
        Some("/slow") => Answer::raw("", Then::Hold(Duration::from_secs(2))),
        _ => Answer::ok("ok"),
    });
    let dead = free_port();
    let conf = |p: u16, q: u16| {
        cfg(
            "",
            "    timeout http-request 400ms\n    timeout server 400ms\n    retries 0\n",
            &format!(
                "{}listen dead\n    bind 127.0.0.1:{q}\n    server d 127.0.0.1:{dead}\n",
                listen(p, o, "")
            ),
        )
    };
    let (hp, hq, rp, rq) = (free_port(), free_port(), free_port(), free_port());
    let _h = Launch::haproxy("haproxy", &dir, &conf(hp, hq))
        .ready_tcp(local(hp))
        .ready_tcp(local(hq))
        .spawn();
    let _r = Launch::rampart("proxy", &dir, &conf(rp, rq))
        .ready_tcp(local(rp))
        .ready_tcp(local(rq))
        .spawn();
    let close = "Connection: close\r\n";
    let cases: Vec<(&str, bool, Vec<u8>)> = vec![
        (
            "400",
            false,
            b"GET / HTTP/1.1\r\nHost: t\r\nA B: c\r\n\r\n".to_vec(),
        ),
        ("408", false, b"GET / HTTP/1.1\r\n".to_vec()),
        (
            "413",
            false,
            b"GET / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx".to_vec(),
        ),
        (
            "422",
            false,
            b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
                .to_vec(),
        ),
        ("502", false, get("/bad", close)),
        ("504", false, get("/slow", close)),
        ("503", true, get("/", close)),
        ("503 http/1.0", true, b"GET / HTTP/1.0\r\n\r\n".to_vec()),
    ];
    for (what, dead_side, req) in cases {
        let (h, r) = if dead_side { (hq, rq) } else { (hp, rp) };
        let (want, _) = until_closed(h, &req);
        let (got, _) = until_closed(r, &req);
        assert!(
            want.starts_with("HTTP/1.1 "),
            "{what}: haproxy said {want:?}"
        );
        assert_eq!(got, want, "{what}");
    }
}
