//! End-to-end tests of the TCP rule sets (configuration manual 4.2 `tcp-request
//! connection|session|content`, `tcp-response content`, `inspect-delay`): the real
//! `rampart` binary between clients and servers written in the test, on loopback.
//!
//! Covered: a connection refused by its source (closed before any byte, the server never
//! reached), content rules waiting within `inspect-delay` for the payload they test
//! (`req.payload`, `req.ssl_hello_type`, `WAIT_END`) and deciding as soon as it is
//! there, `use_backend` on the server name of a TLS hello the rules waited for,
//! `accept` ending the rule set, a backend's own content rules, `silent-drop`, variables
//! set by `tcp-request` rules read by `http-request` rules, `expect-proxy layer4`,
//! content rules in `mode http`, `switch-mode http` turning a `mode tcp` connection into
//! HTTP (keep-alive included), `tcp-response content` rules on the server's first data
//! and on HTTP responses, and a named `defaults` section's rules running first.
//!
//! `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests against HAProxy. Time
//! bounds are generous: "before the inspect delay ended" uses delays of 10 s or more.

// Shared test bodies live in helpers, where a failed expectation must panic too.
#![allow(clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::*;

fn cfg(body: &str) -> String {
    format!(
        "defaults\n\
         \x20   mode tcp\n\
         \x20   timeout connect 2s\n\
         \x20   timeout client 30s\n\
         \x20   timeout server 30s\n\
         {body}"
    )
}

/// Sends `msg`, then reads what comes back until the peer closes or `n` bytes came.
fn exchange(port: u16, msg: &[u8], n: usize) -> Vec<u8> {
    let mut c = connect(local(port));
    c.write_all(msg).expect("sending");
    read_exact(&mut c, n)
}

/// Asserts the proxy closes `c` without sending anything, within a generous bound.
fn assert_refused(c: &mut Stream, what: &str) -> Closed {
    match wait_closed(c, Duration::from_secs(10)) {
        Some((how, _)) => how,
        None => panic!("{what}: the connection stayed open"),
    }
}

/// A minimal TLS 1.2 ClientHello record, with a server name when `sni` is not empty.
fn client_hello(sni: &str) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[7u8; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&[0x00, 0x02, 0x00, 0x2f]); // one cipher suite
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    let mut ext = Vec::new();
    if !sni.is_empty() {
        let n = sni.len() as u16;
        ext.extend_from_slice(&[0x00, 0x00]); // server_name
        ext.extend_from_slice(&(n + 5).to_be_bytes());
        ext.extend_from_slice(&(n + 3).to_be_bytes());
        ext.push(0); // host_name
        ext.extend_from_slice(&n.to_be_bytes());
        ext.extend_from_slice(sni.as_bytes());
    }
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let len = body.len();
    let mut hs = vec![0x01, 0x00, (len >> 8) as u8, len as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn connection_rules_refuse_by_source_before_any_byte() {
    let dir = TempDir::new("tcprules-conn");
    let base = free_ports(3);
    let srv = TestServer::tcp(base + 2, echo);
    let body = format!(
        "frontend refused\n    bind 127.0.0.1:{}\n    tcp-request connection reject if {{ src 127.0.0.0/8 }}\n    default_backend echo\n\
         frontend served\n    bind 127.0.0.1:{}\n    tcp-request connection reject if {{ src 10.0.0.0/8 }}\n    tcp-request session reject if {{ src 10.0.0.0/8 }}\n    default_backend echo\n\
         backend echo\n    server s 127.0.0.1:{}\n",
        base,
        base + 1,
        base + 2
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base + 1))
        .spawn();
    // Closed (with a reset) before the client could send a byte; the reset may even
    // reach `connect()`.
    if let Ok(mut c) = std::net::TcpStream::connect(local(base)) {
        c.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut b = [0u8; 16];
        assert!(
            matches!(c.read(&mut b), Ok(0) | Err(_)),
            "tcp-request connection reject"
        );
    }
    assert_eq!(exchange(base + 1, b"hello", 5), b"hello");
    assert_eq!(
        srv.accepted(),
        1,
        "only the served connection reached the server"
    );
}

#[test]
fn content_rules_wait_for_the_payload_they_test() {
    let dir = TempDir::new("tcprules-payload");
    let base = free_ports(4);
    let srv = TestServer::tcp(base + 3, echo);
    let body = format!(
        "frontend long_delay\n    bind 127.0.0.1:{}\n    tcp-request inspect-delay 20s\n    tcp-request content reject if {{ req.payload(0,3) -m str GET }}\n    tcp-request content accept if {{ req.payload(0,3) -m str PUT }}\n    tcp-request content reject\n    default_backend echo\n\
         frontend short_delay\n    bind 127.0.0.1:{}\n    tcp-request inspect-delay 300ms\n    tcp-request content reject if {{ req.payload(0,3) -m str GET }}\n    default_backend echo\n\
         frontend wait_end\n    bind 127.0.0.1:{}\n    tcp-request inspect-delay 300ms\n    tcp-request content accept if WAIT_END\n    tcp-request content reject\n    default_backend echo\n\
         backend echo\n    server s 127.0.0.1:{}\n",
        base,
        base + 1,
        base + 2,
        base + 3
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base + 2))
        .spawn();
    // The rules wait for three bytes: "GE" alone decides nothing, "T" makes a reject.
    let mut c = connect(local(base));
    c.write_all(b"GE").expect("sending");
    assert!(stays_silent(&mut c, Duration::from_millis(300)));
    c.write_all(b"T /").expect("sending");
    let start = Instant::now();
    assert_refused(&mut c, "payload GET");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "decided before the delay"
    );
    // "PUT" is accepted as soon as it is there, long before the delay.
    let start = Instant::now();
    assert_eq!(exchange(base, b"PUT x", 5), b"PUT x");
    assert!(start.elapsed() < Duration::from_secs(15));
    // Once the delay is over, a condition still missing data does not match.
    assert_eq!(exchange(base + 1, b"G", 1), b"G");
    // WAIT_END holds only when the delay is over.
    let mut c = connect(local(base + 2));
    c.write_all(b"abc").expect("sending");
    assert_eq!(read_exact(&mut c, 3), b"abc");
    drop(c);
    assert_eq!(srv.accepted(), 3);
}

#[test]
fn ssl_hello_type_and_sni_route_tls_and_refuse_the_rest() {
    let dir = TempDir::new("tcprules-ssl");
    let base = free_ports(3);
    let _a = TestServer::tcp(base + 1, greet_then_echo(|_| "A\n".into()));
    let _b = TestServer::tcp(base + 2, greet_then_echo(|_| "B\n".into()));
    let body = format!(
        "frontend tls\n    bind 127.0.0.1:{}\n    tcp-request inspect-delay 20s\n    tcp-request content accept if {{ req.ssl_hello_type 1 }}\n    tcp-request content reject\n\
         \x20   use_backend b if {{ req.ssl_sni -i b.test }}\n    default_backend a\n\
         backend a\n    server s 127.0.0.1:{}\n\
         backend b\n    server s 127.0.0.1:{}\n",
        base,
        base + 1,
        base + 2
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base))
        .spawn();
    // The hello arrives in two parts: the rules wait for all of it, then the server
    // name chooses the backend.
    for (sni, want) in [("b.test", "B\n"), ("a.test", "A\n"), ("", "A\n")] {
        let hello = client_hello(sni);
        let mut c = connect(local(base));
        c.write_all(&hello[..7]).expect("sending");
        std::thread::sleep(Duration::from_millis(100));
        c.write_all(&hello[7..]).expect("sending");
        assert_eq!(read_exact(&mut c, 2), want.as_bytes(), "sni {sni:?}");
        assert_eq!(read_exact(&mut c, hello.len()), hello);
    }
    let mut c = connect(local(base));
    c.write_all(b"hello, not TLS").expect("sending");
    assert_refused(&mut c, "not a ClientHello");
}

#[test]
fn accept_ends_the_rule_set_and_backend_rules_run_after_it() {
    let dir = TempDir::new("tcprules-accept");
    let base = free_ports(3);
    let srv = TestServer::tcp(base + 2, echo);
    let body = format!(
        "frontend accepting\n    bind 127.0.0.1:{}\n    tcp-request content accept\n    tcp-request content reject\n    default_backend picky\n\
         frontend dropping\n    bind 127.0.0.1:{}\n    tcp-request content silent-drop\n    default_backend picky\n\
         backend picky\n    tcp-request inspect-delay 20s\n    tcp-request content reject if {{ req.payload(0,1) -m str X }}\n    tcp-request content accept if {{ req.len ge 1 }}\n    server s 127.0.0.1:{}\n",
        base,
        base + 1,
        base + 2
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base + 1))
        .spawn();
    assert_eq!(exchange(base, b"ok", 2), b"ok");
    let mut c = connect(local(base));
    c.write_all(b"Xyz").expect("sending");
    assert_refused(&mut c, "the backend's content rule");
    // `silent-drop`: nothing comes back, the connection is gone (a reset at the latest
    // when the client speaks again; HAProxy sometimes lets a FIN out first).
    let mut c = connect(local(base + 1));
    c.write_all(b"data").expect("sending");
    std::thread::sleep(Duration::from_millis(300));
    let _ = c.write_all(b"more");
    assert_refused(&mut c, "silent-drop");
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn tcp_request_variables_reach_http_rules() {
    let dir = TempDir::new("tcprules-vars");
    let base = free_ports(2);
    let body = format!(
        "frontend web\n    mode http\n    bind 127.0.0.1:{}\n\
         \x20   tcp-request connection set-var(sess.c) str(conn)\n\
         \x20   tcp-request session set-var(sess.s) src\n\
         \x20   tcp-request content set-var(txn.t) req.hdr(host)\n\
         \x20   tcp-request content reject if {{ path /refused }}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"c=%[var(sess.c)] s=%[var(sess.s)] t=%[var(txn.t)]\"\n\
         frontend proxied\n    mode http\n    bind 127.0.0.1:{}\n\
         \x20   tcp-request connection expect-proxy layer4 if {{ src 127.0.0.1 }}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"src=%[src]\"\n",
        base,
        base + 1
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base + 1))
        .spawn();
    let (status, text) = http_get(connect(local(base)), "/");
    assert_eq!(status, 200);
    assert_eq!(text, "c=conn s=127.0.0.1 t=test");
    // A content rule refuses a request: the connection closes without a response.
    let mut c = connect(local(base));
    c.write_all(b"GET /refused HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("sending");
    assert_refused(&mut c, "tcp-request content reject in mode http");
    // `expect-proxy layer4`: the PROXY header's source is the stream's.
    let mut c = connect(local(base + 1));
    c.write_all(b"PROXY TCP4 192.0.2.7 127.0.0.1 4000 80\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("sending");
    let raw = String::from_utf8_lossy(&read_until_closed(&mut c, 1 << 16)).into_owned();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.ends_with("src=192.0.2.7"), "{raw}");
}

#[test]
fn switch_mode_http_turns_a_tcp_connection_into_http() {
    let dir = TempDir::new("tcprules-switch");
    let base = free_ports(3);
    let srv = TestServer::tcp(base + 1, echo);
    let body = format!(
        "frontend mixed\n    bind 127.0.0.1:{}\n    tcp-request inspect-delay 20s\n\
         \x20   tcp-request content set-var(sess.first) req.payload(0,3)\n\
         \x20   tcp-request content switch-mode http if HTTP\n\
         \x20   tcp-request content accept if {{ req.len ge 4 }}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"first=%[var(sess.first)] path=%[path]\"\n\
         \x20   default_backend echo\n\
         frontend unanswered\n    bind 127.0.0.1:{}\n    tcp-request inspect-delay 20s\n\
         \x20   tcp-request content switch-mode http if HTTP\n    default_backend echo\n\
         backend echo\n    server s 127.0.0.1:{}\n",
        base,
        base + 2,
        base + 1
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base + 2))
        .spawn();
    // Two requests on one connection: both are HTTP streams of the same session.
    let mut c = connect(local(base));
    c.write_all(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("sending");
    let one = read_response_text(&mut c);
    assert!(one.starts_with("HTTP/1.1 200"), "{one}");
    assert!(one.ends_with("first=GET path=/one"), "{one}");
    c.write_all(b"GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("sending");
    let two = String::from_utf8_lossy(&read_until_closed(&mut c, 1 << 16)).into_owned();
    assert!(two.ends_with("first=GET path=/two"), "{two}");
    // Anything else stays TCP (a first byte no method has: not HTTP at once).
    assert_eq!(exchange(base, b"\x01raw bytes", 10), b"\x01raw bytes");
    // An HTTP request no rule answers cannot go to the `mode tcp` backend: closed
    // without a response.
    let mut c = connect(local(base + 2));
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("sending");
    assert_refused(&mut c, "HTTP stream to a mode tcp backend");
    assert_eq!(srv.accepted(), 1);
}

/// Reads one response with a `content-length` body.
fn read_response_text(c: &mut Stream) -> String {
    let mut raw = Vec::new();
    let mut b = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if body.len() >= len {
                return text;
            }
        }
        assert!(raw.len() < 1 << 16, "response too long");
        match c.read(&mut b) {
            Ok(0) => panic!("closed mid-response: {text}"),
            Ok(n) => raw.extend_from_slice(&b[..n]),
            Err(e) => panic!("reading the response: {e}"),
        }
    }
}

#[test]
fn response_rules_judge_the_servers_first_data() {
    let dir = TempDir::new("tcprules-response");
    let base = free_ports(5);
    let _bad = TestServer::tcp(base + 3, greet_then_echo(|_| "BAD banner\n".into()));
    let _good = TestServer::tcp(base + 4, greet_then_echo(|_| "OK banner\n".into()));
    let body = format!(
        "frontend to_bad\n    bind 127.0.0.1:{}\n    default_backend bad\n\
         frontend to_good\n    bind 127.0.0.1:{}\n    default_backend good\n\
         frontend to_closed\n    bind 127.0.0.1:{}\n    default_backend closed\n\
         backend bad\n    tcp-response inspect-delay 20s\n    tcp-response content reject if {{ res.payload(0,3) -m str BAD }}\n    server s 127.0.0.1:{}\n\
         backend good\n    tcp-response inspect-delay 20s\n    tcp-response content reject if {{ res.payload(0,3) -m str BAD }}\n    server s 127.0.0.1:{}\n\
         backend closed\n    tcp-response content close\n    server s 127.0.0.1:{}\n",
        base,
        base + 1,
        base + 2,
        base + 3,
        base + 4,
        base + 4
    );
    let _p = Launch::rampart("proxy", &dir, &cfg(&body))
        .ready_tcp(local(base + 2))
        .spawn();
    let mut c = connect(local(base));
    assert_refused(&mut c, "tcp-response content reject");
    let mut c = connect(local(base + 1));
    let start = Instant::now();
    assert_eq!(read_exact(&mut c, 10), b"OK banner\n");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "before the delay"
    );
    // What the client sends meanwhile reaches the server.
    c.write_all(b"ping").expect("sending");
    assert_eq!(read_exact(&mut c, 4), b"ping");
    let mut c = connect(local(base + 2));
    assert_refused(&mut c, "tcp-response content close");
}

#[test]
fn named_defaults_rules_run_first_and_response_rules_see_http() {
    let dir = TempDir::new("tcprules-defaults");
    let base = free_ports(4);
    let _srv = TestServer::tcp(base + 2, echo);
    let _web = TestServer::tcp(base + 3, |mut s: Stream| {
        let mut b = [0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&b[..n]),
            }
        }
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-origin: web\r\n\r\nok");
    });
    let body = format!(
        "defaults accepting\n    mode tcp\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n\
         \x20   tcp-request content accept if {{ src 127.0.0.1 }}\n\
         frontend fe\n    bind 127.0.0.1:{}\n    tcp-request content reject\n    default_backend echo\n\
         defaults web\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n\
         frontend web\n    bind 127.0.0.1:{}\n    default_backend web\n\
         backend echo\n    mode tcp\n    server s 127.0.0.1:{}\n\
         backend web\n    tcp-response inspect-delay 20s\n    tcp-response content set-var(txn.origin) res.hdr(x-origin)\n\
         \x20   tcp-response content reject if {{ res.hdr(x-origin) -m str evil }}\n\
         \x20   http-response set-header x-seen %[var(txn.origin)]\n\
         \x20   server s 127.0.0.1:{}\n",
        base,
        base + 1,
        base + 2,
        base + 3
    );
    let _p = Launch::rampart("proxy", &dir, &body)
        .ready_tcp(local(base + 1))
        .spawn();
    // The defaults section's `accept` ends the rule set: the frontend's own reject is
    // never reached.
    assert_eq!(exchange(base, b"hi", 2), b"hi");
    let mut c = connect(local(base + 1));
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("sending");
    let raw = String::from_utf8_lossy(&read_until_closed(&mut c, 1 << 16)).into_owned();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.to_ascii_lowercase().contains("x-seen: web\r\n"),
        "{raw}"
    );
}
