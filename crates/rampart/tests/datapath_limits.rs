//! End-to-end tests of the limits on the data path: server `maxconn` with the backend and
//! server queues (`timeout queue`, `maxqueue`), the pool of idle server connections
//! (`http-reuse`, `pool-max-conn`, `max-reuse`), the accept rates (`rate-limit
//! sessions`, `maxconnrate`, `maxsessrate`) and the file-descriptor limit at start-up
//! (`maxconn`, `ulimit-n`, `strict-limits`, under limits the test sets with `prlimit`).
//! The real `rampart` binary runs between clients and an origin written in the test,
//! which counts the connections it accepts and the requests it has in flight at once.
//!
//! `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests against HAProxy 2.6. Two
//! tests check each one's behaviour where Rampart deliberately differs: HAProxy 2.6's
//! HTTP/1 layer ignores `max-reuse` (its manual says lower layers may not respect it),
//! which Rampart applies ([`max_reuse_bounds_the_requests_per_server_connection`]); and
//! a safe body-less request whose reused server connection closes before any response
//! byte is sent again on a new connection by Rampart, where HAProxy closes the client
//! connection ([`a_reused_connection_closed_as_the_request_goes_out_is_retried`]).
//!
//! Timing: the origin holds some responses for a while so that requests overlap; the
//! only assertions on time are "not before" a configured timeout or rate, and generous
//! upper bounds.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::*;

// ---------------------------------------------------------------------------------------
// The origin and the client

/// What the origin saw.
#[derive(Default)]
struct Seen {
    /// Requests being handled now, and the most at once.
    inflight: AtomicUsize,
    max_inflight: AtomicUsize,
    requests: AtomicUsize,
}

/// An HTTP/1.1 origin that keeps connections alive and answers every request with a
/// `200` whose body is "n<connection number>" after holding it for `hold`.
fn origin(port: u16, hold: Duration) -> (TestServer, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let s2 = seen.clone();
    let conn_no = Arc::new(AtomicUsize::new(0));
    let srv = TestServer::tcp(port, move |mut s| {
        let me = conn_no.fetch_add(1, Ordering::SeqCst) + 1;
        let mut buf = Vec::new();
        loop {
            if read_head(&mut s, &mut buf).is_none() {
                return;
            }
            let now = s2.inflight.fetch_add(1, Ordering::SeqCst) + 1;
            s2.max_inflight.fetch_max(now, Ordering::SeqCst);
            s2.requests.fetch_add(1, Ordering::SeqCst);
            thread::sleep(hold);
            s2.inflight.fetch_sub(1, Ordering::SeqCst);
            let body = format!("n{me}");
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if s.write_all(resp.as_bytes()).is_err() {
                return;
            }
        }
    });
    (srv, seen)
}

/// Reads one head (through the blank line) from `s`, keeping what follows in `buf`.
/// `None` at end of stream.
fn read_head(s: &mut Stream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            return Some(head);
        }
        match s.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// A response as the client got it.
#[derive(Debug)]
struct Resp {
    status: u16,
    body: String,
}

/// Sends a GET on `s` and reads the response (by `content-length`).
fn request(s: &mut Stream, buf: &mut Vec<u8>, close: bool) -> Resp {
    let conn = if close { "Connection: close\r\n" } else { "" };
    let req = format!("GET / HTTP/1.1\r\nHost: t\r\n{conn}\r\n");
    s.write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("sending a request: {e}"));
    let head = read_head(s, buf).unwrap_or_else(|| panic!("no response head"));
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head:?}"));
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut chunk = [0u8; 4096];
    while buf.len() < len {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("reading a body: {e}"),
        }
    }
    let body: Vec<u8> = buf.drain(..len.min(buf.len())).collect();
    Resp {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// One request on a new connection (`Connection: close`).
fn get_once(addr: SocketAddr) -> Resp {
    let mut s = connect(addr);
    request(&mut s, &mut Vec::new(), true)
}

/// `n` requests on one keep-alive connection; the bodies say which origin connection
/// served each.
fn get_keepalive(addr: SocketAddr, n: usize) -> Vec<Resp> {
    let mut s = connect(addr);
    let mut buf = Vec::new();
    (0..n).map(|_| request(&mut s, &mut buf, false)).collect()
}

/// An HTTP configuration on one thread (idle connections are per thread) with `extra`
/// lines in the `listen` section and `srv` options on its server.
fn http_cfg(global: &str, extra: &str, p: u16, o: u16, srv: &str) -> String {
    format!(
        "global\n    nbthread 1\n{global}\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         listen l\n    bind 127.0.0.1:{p}\n{extra}    server s 127.0.0.1:{o} {srv}\n"
    )
}

fn start(dir: &TempDir, cfg: &str, p: u16) -> Proc {
    Launch::rampart("proxy", dir, cfg)
        .ready_tcp(local(p))
        .spawn()
}

/// Runs `f` in a thread.
fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::spawn(f)
}

fn under_haproxy() -> bool {
    rampart_bin()
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("haproxy"))
}

// ---------------------------------------------------------------------------------------
// 1. Server maxconn and queues

#[test]
fn server_maxconn_serves_concurrent_requests_one_by_one() {
    let dir = TempDir::new("maxconn");
    let (p, o) = (free_port(), free_port());
    let (_origin, seen) = origin(o, Duration::from_millis(150));
    let _px = start(&dir, &http_cfg("", "", p, o, "maxconn 1"), p);

    let clients: Vec<_> = (0..5).map(|_| spawn(move || get_once(local(p)))).collect();
    for c in clients {
        let r = c.join().unwrap_or_else(|_| panic!("client thread"));
        assert_eq!(r.status, 200, "queued requests are served: {r:?}");
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 5);
    assert_eq!(
        seen.max_inflight.load(Ordering::SeqCst),
        1,
        "the origin never has more than `maxconn` requests at once"
    );
}

#[test]
fn without_maxconn_requests_overlap() {
    // The control for the test above: the same load does reach the origin in parallel.
    let dir = TempDir::new("nomaxconn");
    let (p, o) = (free_port(), free_port());
    let (_origin, seen) = origin(o, Duration::from_millis(300));
    let _px = start(&dir, &http_cfg("", "", p, o, ""), p);
    let clients: Vec<_> = (0..4).map(|_| spawn(move || get_once(local(p)))).collect();
    for c in clients {
        assert_eq!(
            c.join().unwrap_or_else(|_| panic!("client thread")).status,
            200
        );
    }
    assert!(seen.max_inflight.load(Ordering::SeqCst) > 1);
}

#[test]
fn minconn_limits_a_server_while_the_backend_is_below_fullconn() {
    // fullconn 100, maxconn 10, minconn 2: with 4 streams in the backend the dynamic
    // limit is max(2, 4 * 10 / 100) = 2.
    let dir = TempDir::new("minconn");
    let (p, o) = (free_port(), free_port());
    let (_origin, seen) = origin(o, Duration::from_millis(300));
    let cfg = http_cfg(
        "",
        "    fullconn 100\n    timeout queue 10s\n",
        p,
        o,
        "minconn 2 maxconn 10",
    );
    let _px = start(&dir, &cfg, p);
    let clients: Vec<_> = (0..4).map(|_| spawn(move || get_once(local(p)))).collect();
    for c in clients {
        assert_eq!(c.join().unwrap_or_else(|_| panic!("client")).status, 200);
    }
    assert_eq!(seen.max_inflight.load(Ordering::SeqCst), 2);
}

#[test]
fn tcp_server_maxconn_holds_the_slot_for_the_whole_session() {
    let dir = TempDir::new("tcpmaxconn");
    let (p, o) = (free_port(), free_port());
    let origin = TestServer::tcp(o, echo);
    let cfg = format!(
        "global\n    nbthread 1\ndefaults\n    mode tcp\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n    timeout queue 10s\n\
         listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{o} maxconn 1\n"
    );
    let _px = start(&dir, &cfg, p);

    let mut a = connect(local(p));
    assert_eq!(roundtrip(&mut a, b"first"), b"first");
    let mut b = connect(local(p));
    b.write_all(b"second").unwrap_or_else(|_| panic!("write"));
    // The second session waits for the first one's slot: the origin does not see it.
    assert!(stays_silent(&mut b, Duration::from_millis(500)));
    assert_eq!(
        origin.accepted(),
        1,
        "one connection at a time to the server"
    );
    drop(a);
    assert_eq!(
        read_exact(&mut b, 6),
        b"second",
        "served once the slot is free"
    );
    assert_eq!(origin.accepted(), 2);
}

#[test]
fn queue_timeout_answers_503() {
    let dir = TempDir::new("qtimeout");
    let (p, o) = (free_port(), free_port());
    let (_origin, seen) = origin(o, Duration::from_millis(2500));
    let cfg = http_cfg("", "    timeout queue 400ms\n", p, o, "maxconn 1");
    let _px = start(&dir, &cfg, p);

    let first = spawn(move || get_once(local(p)));
    assert!(wait_until(Duration::from_secs(5), || seen
        .inflight
        .load(Ordering::SeqCst)
        == 1));
    let t0 = Instant::now();
    let r = get_once(local(p));
    let waited = t0.elapsed();
    assert_eq!(r.status, 503, "{r:?}");
    assert!(
        r.body.contains("503 Service Unavailable"),
        "HAProxy's page: {r:?}"
    );
    assert!(
        waited >= Duration::from_millis(350),
        "answered after {waited:?}, before `timeout queue`"
    );
    assert!(waited < Duration::from_secs(2), "answered after {waited:?}");
    assert_eq!(
        first.join().unwrap_or_else(|_| panic!("client")).status,
        200
    );
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn queue_timeout_defaults_to_timeout_connect() {
    let dir = TempDir::new("qconnect");
    let (p, o) = (free_port(), free_port());
    let (_origin, seen) = origin(o, Duration::from_millis(2500));
    let cfg = format!(
        "global\n    nbthread 1\ndefaults\n    mode http\n    timeout connect 400ms\n    timeout client 20s\n    timeout server 20s\n\
         listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{o} maxconn 1\n"
    );
    let _px = start(&dir, &cfg, p);
    let first = spawn(move || get_once(local(p)));
    assert!(wait_until(Duration::from_secs(5), || seen
        .inflight
        .load(Ordering::SeqCst)
        == 1));
    let t0 = Instant::now();
    let r = get_once(local(p));
    let waited = t0.elapsed();
    assert_eq!(r.status, 503, "{r:?}");
    assert!(waited >= Duration::from_millis(350), "after {waited:?}");
    assert!(waited < Duration::from_secs(2), "after {waited:?}");
    assert_eq!(
        first.join().unwrap_or_else(|_| panic!("client")).status,
        200
    );
}

#[test]
fn maxqueue_refuses_streams_beyond_the_server_queue() {
    // A hash-based algorithm decides the server by itself: a stream waits in that
    // server's queue, which `maxqueue` bounds; one more is refused at once.
    let dir = TempDir::new("maxqueue");
    let (p, o) = (free_port(), free_port());
    let (_origin, seen) = origin(o, Duration::from_millis(1500));
    let cfg = http_cfg(
        "",
        "    balance source\n    timeout queue 10s\n",
        p,
        o,
        "maxconn 1 maxqueue 1",
    );
    let _px = start(&dir, &cfg, p);

    let a = spawn(move || get_once(local(p)));
    assert!(wait_until(Duration::from_secs(5), || seen
        .inflight
        .load(Ordering::SeqCst)
        == 1));
    // Two more: one waits in the queue, the other finds it full. Each notes how many
    // requests the origin had seen when its answer came.
    let later = |delay: u64| {
        let seen = seen.clone();
        spawn(move || {
            thread::sleep(Duration::from_millis(delay));
            let r = get_once(local(p));
            (r.status, seen.requests.load(Ordering::SeqCst))
        })
    };
    let (b, c) = (later(0), later(300));
    let b = b.join().unwrap_or_else(|_| panic!("client"));
    let c = c.join().unwrap_or_else(|_| panic!("client"));
    let (queued, refused) = if b.0 == 503 { (c, b) } else { (b, c) };
    assert_eq!(
        (queued.0, refused.0),
        (200, 503),
        "one queued, one beyond maxqueue"
    );
    assert_eq!(
        refused.1, 1,
        "refused at once, while the first request was still being served"
    );
    assert_eq!(a.join().unwrap_or_else(|_| panic!("client")).status, 200);
    assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn backend_queue_is_shared_by_all_servers() {
    // Round robin over two servers of maxconn 1: six concurrent requests, two served at
    // once, the others wait in the backend's queue for whichever server frees first.
    let dir = TempDir::new("bequeue");
    let (p, o1, o2) = (free_port(), free_port(), free_port());
    let (_a, seen1) = origin(o1, Duration::from_millis(300));
    let (_b, seen2) = origin(o2, Duration::from_millis(300));
    let cfg = format!(
        "global\n    nbthread 1\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n    timeout queue 10s\n\
         listen l\n    bind 127.0.0.1:{p}\n    server s1 127.0.0.1:{o1} maxconn 1\n    server s2 127.0.0.1:{o2} maxconn 1\n"
    );
    let _px = start(&dir, &cfg, p);
    let clients: Vec<_> = (0..6).map(|_| spawn(move || get_once(local(p)))).collect();
    for c in clients {
        assert_eq!(c.join().unwrap_or_else(|_| panic!("client")).status, 200);
    }
    assert_eq!(seen1.max_inflight.load(Ordering::SeqCst), 1);
    assert_eq!(seen2.max_inflight.load(Ordering::SeqCst), 1);
    assert_eq!(
        seen1.requests.load(Ordering::SeqCst) + seen2.requests.load(Ordering::SeqCst),
        6
    );
}

// ---------------------------------------------------------------------------------------
// 2. Idle server connections

/// Runs `clients` clients one after the other, each sending `per_client` requests on
/// one keep-alive connection; returns the origin connections they caused.
fn sequential_clients(reuse: &str, srv: &str, clients: usize, per_client: usize) -> usize {
    let dir = TempDir::new("reuse");
    let (p, o) = (free_port(), free_port());
    let (origin, seen) = origin(o, Duration::ZERO);
    let cfg = http_cfg("", &format!("    http-reuse {reuse}\n"), p, o, srv);
    let _px = start(&dir, &cfg, p);
    for _ in 0..clients {
        for r in get_keepalive(local(p), per_client) {
            assert_eq!(r.status, 200, "{r:?}");
        }
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), clients * per_client);
    origin.accepted()
}

#[test]
fn http_reuse_always_shares_idle_connections_across_clients() {
    let conns = sequential_clients("always", "", 5, 1);
    assert_eq!(conns, 1, "every client reused the first connection");
}

#[test]
fn concurrent_keepalive_clients_keep_one_server_connection_each() {
    // The pool keeps about as many idle connections as were in use at once: ten clients
    // sending 300 requests concurrently need about ten server connections.
    let dir = TempDir::new("concurrent");
    let (p, o) = (free_port(), free_port());
    let (origin, seen) = origin(o, Duration::ZERO);
    // No purge while the test runs (a slow machine could take seconds): the bound below
    // is about the estimate of the need, which a purge lowers on purpose.
    let _px = start(&dir, &http_cfg("", "", p, o, "pool-purge-delay 1m"), p);
    let clients: Vec<_> = (0..10)
        .map(|_| spawn(move || get_keepalive(local(p), 30)))
        .collect();
    for c in clients {
        for r in c.join().unwrap_or_else(|_| panic!("client")) {
            assert_eq!(r.status, 200, "{r:?}");
        }
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 300);
    // Why 10..=19 (HAProxy's rules, crates/proxy/src/pool.rs): with `http-reuse safe`
    // each client's first request opens a connection (10). A later request opens one
    // only when every open connection is in use; the new one, counted in use from its
    // creation, then raises the estimated need to a new maximum, and the need never
    // exceeds the 10 requests in flight at once. A connection is closed instead of kept
    // idle only when more are open than the need, so the count never falls below it:
    // later opens raise the need from at least 1 to at most 10, 9 opens at most. Under
    // parallel test load (40 runs each) Rampart opened 10 to 13, HAProxy 2.6 10 to 12.
    let conns = origin.accepted();
    eprintln!("{conns} server connections for 10 concurrent keep-alive clients");
    assert!((10..=19).contains(&conns), "{conns} server connections");
}

#[test]
fn http_reuse_safe_gives_first_requests_a_new_connection() {
    // A first request never takes an idle connection; later ones of the session do.
    assert_eq!(sequential_clients("safe", "", 3, 1), 3);
    assert_eq!(sequential_clients("safe", "", 1, 4), 1);
}

#[test]
fn http_reuse_never_opens_one_connection_per_client() {
    assert_eq!(sequential_clients("never", "", 4, 1), 4);
    // The session keeps its own connection.
    assert_eq!(sequential_clients("never", "", 1, 3), 1);
}

#[test]
fn pool_max_conn_0_keeps_no_idle_connection() {
    // No idle connection may be kept: each response closes the server connection.
    assert_eq!(sequential_clients("always", "pool-max-conn 0", 1, 3), 3);
    assert_eq!(sequential_clients("always", "pool-max-conn 0", 3, 1), 3);
}

#[test]
fn pool_purge_delay_0_keeps_no_idle_connection() {
    assert_eq!(sequential_clients("safe", "pool-purge-delay 0", 1, 3), 3);
}

#[test]
fn pool_purge_delay_closes_idle_connections_progressively() {
    // One idle connection, more than the recent need (none): a few purge periods later
    // it is closed. With the default delay (5 s) it is still open after a second.
    for (srv, closes) in [("pool-purge-delay 200ms", true), ("", false)] {
        let dir = TempDir::new("purge");
        let (p, o) = (free_port(), free_port());
        let (origin, _) = origin(o, Duration::ZERO);
        let cfg = http_cfg("", "    http-reuse safe\n", p, o, srv);
        let _px = start(&dir, &cfg, p);
        assert_eq!(get_keepalive(local(p), 1)[0].status, 200);
        assert_eq!(origin.accepted(), 1);
        let closed = wait_until(Duration::from_secs(1), || origin.active() == 0);
        if closes {
            assert!(
                closed || wait_until(Duration::from_secs(5), || origin.active() == 0),
                "the idle connection was purged"
            );
        } else {
            assert!(!closed, "kept idle within the default purge delay");
        }
    }
}

#[test]
fn max_reuse_bounds_the_requests_per_server_connection() {
    let conns = sequential_clients("safe", "max-reuse 1", 1, 6);
    if under_haproxy() {
        // HAProxy 2.6's HTTP/1 layer does not enforce it.
        assert_eq!(conns, 1);
    } else {
        // At most two requests (one reuse) per connection.
        assert_eq!(conns, 3);
    }
}

#[test]
fn an_idle_connection_closed_by_the_server_is_not_reused() {
    // The origin closes each connection right after its response (without saying so):
    // the proxy must notice before reusing it and still answer every request.
    let dir = TempDir::new("srvclose");
    let (p, o) = (free_port(), free_port());
    let origin = TestServer::tcp(o, |mut s| {
        let mut buf = Vec::new();
        if read_head(&mut s, &mut buf).is_some() {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            thread::sleep(Duration::from_millis(50));
        }
    });
    let cfg = http_cfg("", "    http-reuse always\n", p, o, "");
    let _px = start(&dir, &cfg, p);
    let mut s = connect(local(p));
    let mut buf = Vec::new();
    for i in 0..4 {
        let r = request(&mut s, &mut buf, false);
        assert_eq!(r.status, 200, "request {i}: {r:?}");
        // Let the origin's close arrive.
        thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(origin.accepted(), 4);
}

#[test]
fn a_dead_idle_connection_does_not_take_the_place_of_a_live_one() {
    // A first client leaves an idle connection that the origin then closes (without
    // saying so). The next client's first request gets a new connection (`http-reuse
    // safe`), which the pool keeps instead of the dead one: the client's later requests
    // reuse it, two origin connections in all (HAProxy's reg-test h1_to_h1 relies on it).
    let dir = TempDir::new("deadidle");
    let (p, o) = (free_port(), free_port());
    let first = Arc::new(AtomicBool::new(true));
    let origin = TestServer::tcp(o, move |mut s| {
        let close_after_one = first.swap(false, Ordering::SeqCst);
        let mut buf = Vec::new();
        while read_head(&mut s, &mut buf).is_some() {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            if close_after_one {
                break;
            }
        }
    });
    let cfg = http_cfg("", "    http-reuse safe\n", p, o, "");
    let _px = start(&dir, &cfg, p);
    assert_eq!(get_keepalive(local(p), 1)[0].status, 200);
    // Let the origin's close arrive.
    thread::sleep(Duration::from_millis(200));
    for r in get_keepalive(local(p), 3) {
        assert_eq!(r.status, 200, "{r:?}");
    }
    assert_eq!(origin.accepted(), 2);
}

#[test]
fn a_reused_connection_closed_as_the_request_goes_out_is_retried() {
    // The origin answers the first request of each connection and closes the connection
    // when a second one arrives, without answering: the reused connection fails before
    // any response byte.
    let dir = TempDir::new("resend");
    let (p, o) = (free_port(), free_port());
    let origin = TestServer::tcp(o, |mut s| {
        let mut buf = Vec::new();
        if read_head(&mut s, &mut buf).is_some() {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            let _ = read_head(&mut s, &mut buf);
        }
    });
    let cfg = http_cfg("", "    http-reuse safe\n", p, o, "");
    let _px = start(&dir, &cfg, p);
    let mut s = connect(local(p));
    let mut buf = Vec::new();
    assert_eq!(request(&mut s, &mut buf, false).status, 200);
    if under_haproxy() {
        // HAProxy 2.6 (without `retry-on empty-response`) closes the client connection
        // of a keep-alive request so that the client retries.
        s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap_or_else(|e| panic!("write: {e}"));
        assert!(read_until_closed(&mut s, 4096).is_empty());
        return;
    }
    for i in 0..2 {
        let r = request(&mut s, &mut buf, false);
        assert_eq!(
            r.status, 200,
            "request {i} sent again on a new connection: {r:?}"
        );
    }
    assert_eq!(origin.accepted(), 3);
}

// ---------------------------------------------------------------------------------------
// 3. Accept rates

/// Opens `n` client connections at once through a `mode tcp` proxy configured with
/// `global` and `fe` lines; returns how many reached the origin within the first
/// second, and how long all of them took.
fn accept_burst(global: &str, fe: &str, n: usize) -> (usize, Duration) {
    let dir = TempDir::new("rate");
    let (p, o) = (free_port(), free_port());
    let origin = TestServer::tcp(o, echo);
    let cfg = format!(
        "global\n    nbthread 2\n{global}defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         frontend f\n    bind 127.0.0.1:{p}\n{fe}    default_backend b\nbackend b\n    server s 127.0.0.1:{o}\n"
    );
    let _px = start(&dir, &cfg, p);
    let t0 = Instant::now();
    let clients: Vec<_> = (0..n)
        .map(|i| {
            spawn(move || {
                let mut c = connect(local(p));
                let msg = format!("client {i}");
                assert_eq!(roundtrip(&mut c, msg.as_bytes()), msg.as_bytes());
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(1000).saturating_sub(t0.elapsed()));
    let first_second = origin.accepted();
    for c in clients {
        c.join().unwrap_or_else(|_| panic!("client"));
    }
    (first_second, t0.elapsed())
}

fn assert_rate_limited(global: &str, fe: &str) {
    // 5 per second: 16 connections need about 3 s. Each of the two threads checks the
    // shared rate before accepting, so together they may overshoot a little (HAProxy's
    // threads may each take a whole batch of the remaining budget).
    let (first, all) = accept_burst(global, fe, 16);
    eprintln!("{first} accepted in the first second, all 16 in {all:?}");
    assert!(
        (1..=12).contains(&first),
        "{first} sessions in the first second at 5/s"
    );
    assert!(all >= Duration::from_millis(1500), "all served in {all:?}");
    assert!(all < Duration::from_secs(15), "all served in {all:?}");
}

#[test]
fn rate_limit_sessions_spreads_the_accepts() {
    assert_rate_limited("", "    rate-limit sessions 5\n");
}

#[test]
fn maxconnrate_limits_the_process() {
    assert_rate_limited("    maxconnrate 5\n", "");
}

#[test]
fn maxsessrate_limits_the_process() {
    assert_rate_limited("    maxsessrate 5\n", "");
}

#[test]
fn without_a_rate_limit_a_burst_is_accepted_at_once() {
    let (first, _) = accept_burst("", "", 16);
    assert_eq!(first, 16);
}

// ---------------------------------------------------------------------------------------
// 4. File-descriptor limits

/// What HAProxy says about the descriptor limit at start-up.
#[derive(Clone, Copy)]
enum FdMsg {
    /// "Cannot raise FD limit to `to`, limit is `limit`.": an alert that stops the
    /// start-up under `strict-limits`, a warning otherwise.
    Cannot { to: u32, limit: u32 },
    /// The check once the listeners are bound (an alert, fatal when strict).
    TooLow { fd: u32, maxconn: u32, maxsock: u32 },
}

impl FdMsg {
    fn render(self, strict: bool) -> String {
        match self {
            FdMsg::Cannot { to, limit } => format!(
                "{} Cannot raise FD limit to {to}, limit is {limit}.",
                if strict { "ALERT" } else { "WARNING" }
            ),
            FdMsg::TooLow { fd, maxconn, maxsock } => format!(
                "ALERT FD limit ({fd}) too low for maxconn={maxconn}/maxsock={maxsock}. Please raise 'ulimit-n' to {maxsock} or more to avoid any trouble."
            ),
        }
    }
}

/// One configuration run under a soft limit of 1024 and a hard one of 4096: what the
/// strict start-up does (`None`: exits 1) and, with `no strict-limits`, the soft limit the
/// running process ends up with; the messages are the same in both.
struct FdCase {
    maxconn: Option<u32>,
    ulimit_n: Option<u32>,
    strict_nofile: Option<u64>,
    relaxed_nofile: u64,
    msgs: &'static [FdMsg],
}

/// Does this process hold `CAP_SYS_RESOURCE`, which lets it raise its hard limits?
fn may_raise_hard_limits() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 24) != 0)
}

/// Starts the program under test with `args` under soft/hard descriptor limits of
/// 1024/4096, set by `prlimit` (util-linux), without the capability to go beyond them.
fn launch_limited(dir: &TempDir, args: &[String]) -> Proc {
    let limited = ["prlimit", "--nofile=1024:4096", "--"];
    let mut argv: Vec<String> = Vec::new();
    if may_raise_hard_limits() {
        // Root with CAP_SYS_RESOURCE could raise the hard limit: drop the capability.
        argv.extend(["setpriv", "--bounding-set=-sys_resource"].map(String::from));
    }
    argv.extend(limited.map(String::from));
    argv.push(rampart_bin().to_string_lossy().into_owned());
    argv.extend(args.iter().cloned());
    Launch::new("limited", &argv[0], dir)
        .args(&argv[1..])
        .spawn_no_wait()
}

/// The soft descriptor limit of a running process.
fn soft_nofile(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Alerts and warnings on stderr as "LEVEL message", without the pid, the program's
/// `[argv0.main()]` prefix and the notices that precede a first alert.
fn start_messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| !l.starts_with("[NOTICE]"))
        .map(|l| {
            let level = l
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .to_string();
            let text = l.split_once(".main()] ").map_or(l, |(_, t)| t);
            format!("{level} {text}")
        })
        .collect()
}

#[test]
fn fd_limits_follow_strict_limits_as_haproxy_does() {
    use FdMsg::*;
    // One listener and one thread: maxsock = 10 + 1 + 2 * maxconn + 3. Without maxconn,
    // HAProxy derives it from the hard limit: (4096 - 14) / 2 = 2041.
    let cases = [
        FdCase {
            maxconn: Some(2000),
            ulimit_n: None,
            strict_nofile: Some(4014),
            relaxed_nofile: 4014,
            msgs: &[],
        },
        FdCase {
            maxconn: Some(2000),
            ulimit_n: Some(3000),
            strict_nofile: None,
            relaxed_nofile: 3000,
            msgs: &[TooLow {
                fd: 3000,
                maxconn: 2000,
                maxsock: 4014,
            }],
        },
        FdCase {
            maxconn: Some(2000),
            ulimit_n: Some(8000),
            strict_nofile: None,
            relaxed_nofile: 4096,
            msgs: &[Cannot { to: 8000, limit: 0 }],
        },
        FdCase {
            maxconn: Some(3000),
            ulimit_n: None,
            strict_nofile: None,
            relaxed_nofile: 4096,
            msgs: &[
                Cannot { to: 6014, limit: 0 },
                TooLow {
                    fd: 4096,
                    maxconn: 3000,
                    maxsock: 6014,
                },
            ],
        },
        FdCase {
            maxconn: Some(3000),
            ulimit_n: Some(3000),
            strict_nofile: None,
            relaxed_nofile: 3000,
            msgs: &[TooLow {
                fd: 3000,
                maxconn: 3000,
                maxsock: 6014,
            }],
        },
        FdCase {
            maxconn: Some(3000),
            ulimit_n: Some(8000),
            strict_nofile: None,
            relaxed_nofile: 4096,
            msgs: &[
                Cannot { to: 8000, limit: 0 },
                TooLow {
                    fd: 4096,
                    maxconn: 3000,
                    maxsock: 6014,
                },
            ],
        },
        FdCase {
            maxconn: None,
            ulimit_n: None,
            strict_nofile: Some(4096),
            relaxed_nofile: 4096,
            msgs: &[],
        },
        FdCase {
            maxconn: None,
            ulimit_n: Some(3000),
            strict_nofile: None,
            relaxed_nofile: 3000,
            msgs: &[TooLow {
                fd: 3000,
                maxconn: 2041,
                maxsock: 4096,
            }],
        },
        FdCase {
            maxconn: None,
            ulimit_n: Some(8000),
            strict_nofile: None,
            relaxed_nofile: 4096,
            msgs: &[Cannot { to: 8000, limit: 0 }],
        },
    ];
    for case in &cases {
        for strictness in ["", "    strict-limits\n", "    no strict-limits\n"] {
            let strict = !strictness.contains("no ");
            let dir = TempDir::new("fdlimit");
            let p = free_port();
            let mut global = String::from("    nbthread 1\n");
            if let Some(m) = case.maxconn {
                global += &format!("    maxconn {m}\n");
            }
            if let Some(u) = case.ulimit_n {
                global += &format!("    ulimit-n {u}\n");
            }
            global += strictness;
            let cfg = format!(
                "global\n{global}defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\n\
                 listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{p}\n"
            );
            let file = dir.write("fd.cfg", &cfg).to_string_lossy().into_owned();
            let what = format!("{global}(soft 1024, hard 4096)");

            // `-c` never looks at the limits.
            let mut check = launch_limited(&dir, &["-c".into(), "-f".into(), file.clone()]);
            let st = check.expect_exit(START_TIMEOUT);
            assert_eq!(st.code(), Some(0), "-c with\n{what}: {}", check.stderr());
            assert_eq!(check.stdout(), "Configuration file is valid\n", "{what}");

            // Running: a strict refusal exits 1 at once; otherwise it serves.
            let mut run = launch_limited(&dir, &["-f".into(), file]);
            let nofile = if strict {
                case.strict_nofile
            } else {
                Some(case.relaxed_nofile)
            };
            // The shown limit of a "Cannot raise" is the soft one when strict, else the hard one.
            let expected: Vec<String> = case
                .msgs
                .iter()
                .map(|m| match *m {
                    Cannot { to, .. } => Cannot {
                        to,
                        limit: if strict { 1024 } else { 4096 },
                    },
                    other => other,
                })
                .take(if strict { 1 } else { case.msgs.len() })
                .map(|m| m.render(strict))
                .collect();
            match nofile {
                None => {
                    let st = run.expect_exit(START_TIMEOUT);
                    assert_eq!(st.code(), Some(1), "{what}: {}", run.stderr());
                }
                Some(n) => {
                    let pid = run.pid() as u32;
                    assert!(
                        wait_until(START_TIMEOUT, || pid_listens(pid, &Ready::Tcp(local(p)))
                            || !pid_alive(pid as i32)),
                        "{what}: not listening"
                    );
                    run.assert_running();
                    // Messages printed with the listeners bound may follow the bind.
                    wait_until(Duration::from_secs(2), || {
                        start_messages(&run.stderr()).len() >= expected.len()
                    });
                    assert_eq!(soft_nofile(pid as i32), Some(n), "{what}: soft limit");
                }
            }
            assert_eq!(start_messages(&run.stderr()), expected, "{what}");
        }
    }
}
