//! End-to-end tests of idle server connections shared between client sessions on
//! several threads (configuration manual 4.2 `http-reuse`, 5.2 `pool-max-conn`):
//! whichever thread accepts a client, its requests may take the connection another
//! session left idle, as HAProxy's threads take over each other's idle connections.
//! The real binary runs with four threads between sequential clients and an origin
//! written in the test, which numbers its connections and tells in each response which
//! one carried it. Connections to a `dispatch` address are the exception: they stay
//! with the session that opened them.
//!
//! `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests against HAProxy 2.6.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::*;

/// An HTTP/1.1 origin that keeps connections alive and answers every request with a
/// `200` whose body is `n<number of the connection>`.
fn origin(port: u16) -> TestServer {
    let numbers = Arc::new(AtomicUsize::new(0));
    TestServer::tcp(port, move |mut s| {
        let me = numbers.fetch_add(1, Ordering::SeqCst) + 1;
        let mut buf = Vec::new();
        while read_head(&mut s, &mut buf).is_some() {
            let body = format!("n{me}");
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if s.write_all(resp.as_bytes()).is_err() {
                return;
            }
        }
    })
}

/// Reads one head (through the blank line) from `s`, keeping what follows in `buf`;
/// `None` at end of stream.
fn read_head(s: &mut Stream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            return Some(String::from_utf8_lossy(&head).into_owned());
        }
        if buf.len() > 64 << 10 {
            return None;
        }
        match s.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// `n` GET requests on one keep-alive client connection; returns the bodies (which
/// origin connection served each), after checking each status is 200.
///
/// Rampart puts a server connection back in the pool before the response's last bytes
/// go to the client, so the next client, whichever thread accepts it, finds it there.
/// HAProxy releases it when the stream ends, which may come just after the client has
/// read its response: under HAProxy a client starting at once on another thread now
/// and then opens a new connection (1 run in 10 here), so each client waits a moment
/// there first.
fn client(port: u16, n: usize) -> Vec<String> {
    if under_haproxy() {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut s = connect(local(port));
    let mut buf = Vec::new();
    (0..n)
        .map(|i| {
            s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap_or_else(|e| panic!("sending request {i}: {e}"));
            let head = read_head(&mut s, &mut buf)
                .unwrap_or_else(|| panic!("no response head for request {i}"));
            assert!(head.starts_with("HTTP/1.1 200 "), "request {i}: {head:?}");
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or_else(|| panic!("no content-length: {head:?}"));
            let mut chunk = [0u8; 256];
            while buf.len() < len {
                match s.read(&mut chunk) {
                    Ok(0) => panic!("closed within the body of response {i}"),
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    Err(e) => panic!("reading the body of response {i}: {e}"),
                }
            }
            String::from_utf8_lossy(&buf.drain(..len).collect::<Vec<u8>>()).into_owned()
        })
        .collect()
}

fn under_haproxy() -> bool {
    rampart_bin()
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("haproxy"))
}

/// A proxy on four threads in front of the origin, with `reuse` as `http-reuse` and
/// `srv` options on the server (no purge while a test runs).
fn start(dir: &TempDir, p: u16, o: u16, reuse: &str, srv: &str) -> Proc {
    let cfg = format!(
        "global\n    nbthread 4\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         listen l\n    bind 127.0.0.1:{p}\n    http-reuse {reuse}\n    \
         server s 127.0.0.1:{o} pool-purge-delay 1m {srv}\n"
    );
    Launch::rampart("proxy", dir, &cfg)
        .ready_tcp(local(p))
        .spawn()
}

#[test]
fn http_reuse_safe_later_requests_take_the_connection_another_session_left() {
    // HAProxy's reg-test connection/http_reuse_safe.vtc, with more clients: the pool
    // holds one idle connection (`pool-max-conn 1`), the one the first client used.
    // Each later client's first request gets a new connection (`http-reuse safe`),
    // closed after its response since the pool is full; its second request takes the
    // first client's connection, whichever thread holds it.
    let dir = TempDir::new("takeover-safe");
    let (p, o) = (free_port(), free_port());
    let origin = origin(o);
    let _px = start(&dir, p, o, "safe", "pool-max-conn 1");
    let first = client(p, 2);
    assert_eq!(first[0], first[1], "the first client kept its connection");
    let kept = &first[0];
    let mut seen = vec![kept.clone()];
    for c in 2..=6 {
        let got = client(p, 2);
        assert!(
            !seen.contains(&got[0]),
            "client {c}'s first request on a new connection: {got:?}, before {seen:?}"
        );
        assert_eq!(
            &got[1], kept,
            "client {c}'s second request on the idle connection"
        );
        seen.push(got[0].clone());
    }
    assert_eq!(origin.accepted(), 6, "one connection per client");
}

#[test]
fn http_reuse_always_first_requests_take_the_connection_another_session_left() {
    // Every client's request takes the idle connection the previous one left, on
    // whichever thread: one origin connection for all.
    let dir = TempDir::new("takeover-always");
    let (p, o) = (free_port(), free_port());
    let origin = origin(o);
    let _px = start(&dir, p, o, "always", "");
    let mut bodies = Vec::new();
    for _ in 0..8 {
        bodies.extend(client(p, 1));
    }
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "one connection: {bodies:?}"
    );
    assert_eq!(origin.accepted(), 1);
}

#[test]
fn connections_to_a_dispatch_address_stay_with_their_session() {
    // HAProxy's reg-test connection/http_reuse_dispatch.vtc: a `dispatch` address is
    // not a server, its connections are private to the session that opened them.
    let dir = TempDir::new("takeover-dispatch");
    let (p, o) = (free_port(), free_port());
    let origin = origin(o);
    let cfg = format!(
        "global\n    nbthread 4\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         listen l\n    bind 127.0.0.1:{p}\n    http-reuse always\n    dispatch 127.0.0.1:{o}\n"
    );
    let _px = Launch::rampart("proxy", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut seen: Vec<String> = Vec::new();
    for c in 1..=4 {
        let got = client(p, 3);
        assert!(
            got.iter().all(|b| *b == got[0]),
            "client {c} on one connection: {got:?}"
        );
        assert!(
            !seen.contains(&got[0]),
            "client {c} on a connection of its own: {got:?}, before {seen:?}"
        );
        seen.push(got[0].clone());
    }
    assert_eq!(origin.accepted(), 4);
}
