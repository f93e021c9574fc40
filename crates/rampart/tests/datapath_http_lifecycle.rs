//! The life of a `mode http` process end to end: a soft stop (`SIGUSR1`) with requests
//! in flight and idle keep-alive connections, a handover to a new process (`-sf`) that
//! serves every new request while the old one finishes its own, `hard-stop-after` ending
//! a soft stop that a stuck request would hold forever, and HTTP over IPv6 and Unix
//! sockets on both sides. Three stricter checks wait in PENDING-TESTS.md (HAProxy's
//! `connection: close` on responses finished during a soft stop, no request lost when a
//! loop runs across the handover, the 502 of a request killed by `hard-stop-after`).
//!
//! The real binary runs between clients and origins written in the test; each origin
//! counts the requests it holds and tags its answers with its name, so a test knows
//! which process served what. `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests
//! against HAProxy 2.6.
//!
//! Timing: origins hold some answers so that requests are in flight when a signal
//! arrives; the only assertions on time are "not before" a configured delay and
//! generous upper bounds.

mod httpkit;
mod support;

use httpkit::*;
use nix::sys::signal::Signal;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::*;

// ---------------------------------------------------------------------------------------
// The origin

/// Requests an origin holds right now.
#[derive(Default)]
struct Held(AtomicUsize);

impl Held {
    fn now(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Length of the body of a `/slow/...` answer: several buffers' worth, so an answer cut
/// short shows.
const SLOW_LEN: usize = 300_000;

/// The body of a `/slow/...` answer from origin `name`: its name, then a pattern.
fn slow_body(name: &str) -> Vec<u8> {
    let mut b = format!("{name} slow\n").into_bytes();
    let mut x: u32 = 7;
    while b.len() < SLOW_LEN {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        b.push(b'a' + (x >> 16) as u8 % 26);
    }
    b
}

/// An HTTP/1.1 origin named `name` on `on`, keeping connections alive:
/// - `/slow/<ms>`: answers [`slow_body`] after `ms` milliseconds;
/// - `/stuck`: never answers (holds the connection until the peer closes it);
/// - anything else: `200` with the body `"<name> <method> <path> <body length>"`.
fn origin(on: ListenOn, name: &'static str) -> (TestServer, Arc<Held>) {
    let held = Arc::new(Held::default());
    let h = held.clone();
    let slow = Arc::new(slow_body(name));
    let srv = TestServer::start(on, move |mut s| {
        let mut buf = Vec::new();
        while let Some((method, path, len)) = read_request(&mut s, &mut buf) {
            let body: Vec<u8> = if let Some(ms) = path.strip_prefix("/slow/") {
                h.0.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(ms.parse().unwrap_or(0)));
                h.0.fetch_sub(1, Ordering::SeqCst);
                slow.to_vec()
            } else if path == "/stuck" {
                h.0.fetch_add(1, Ordering::SeqCst);
                // Until the proxy closes the connection (bounded).
                s.set_read_timeout(Some(Duration::from_secs(60)));
                let _ = read_request(&mut s, &mut buf);
                h.0.fetch_sub(1, Ordering::SeqCst);
                return;
            } else {
                format!("{name} {method} {path} {len}").into_bytes()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            if s.write_all(head.as_bytes()).is_err() || s.write_all(&body).is_err() {
                return;
            }
        }
    });
    (srv, held)
}

/// Reads a request (head, then a `content-length` body) from `s`, keeping what follows
/// in `buf`: its method, path and body length. `None` when the peer closed, failed or
/// went silent first.
fn read_request(s: &mut Stream, buf: &mut Vec<u8>) -> Option<(String, String, usize)> {
    let mut chunk = [0u8; 16384];
    let mut fill = |buf: &mut Vec<u8>| match s.read(&mut chunk) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    };
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 65536 || !fill(buf) {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    buf.drain(..end);
    let mut words = head.split(' ');
    let method = words.next()?.to_string();
    let path = words.next()?.to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < len {
        if !fill(buf) {
            return None;
        }
    }
    buf.drain(..len);
    Some((method, path, len))
}

// ---------------------------------------------------------------------------------------
// Clients and configurations

/// `GET path` on `w` (keep-alive unless `close`); reads the response.
fn get(w: &mut Wire, path: &str, close: bool) -> Msg {
    let conn = if close { "connection: close\r\n" } else { "" };
    w.send(format!("GET {path} HTTP/1.1\r\nhost: test\r\n{conn}\r\n").as_bytes());
    read_response(w, false)
}

/// A configuration with `global` lines, one frontend bound to `bind` and one server at
/// `server` (addresses in HAProxy's syntax).
fn cfg(global: &str, bind: &str, server: &str) -> String {
    format!(
        "global\n    nbthread 2\n{global}\
         defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n    timeout http-keep-alive 30s\n\
         frontend f\n    bind {bind}\n    default_backend b\n\
         backend b\n    server s {server}\n"
    )
}

/// Is `port` refusing connections (nothing listens)?
fn refused(port: u16) -> bool {
    match TcpStream::connect_timeout(&local(port), Duration::from_secs(2)) {
        Err(e) => e.kind() == ErrorKind::ConnectionRefused,
        Ok(_) => false,
    }
}

// ---------------------------------------------------------------------------------------
// 1. Soft stop

#[test]
fn sigusr1_finishes_inflight_requests_closes_idle_keepalive_and_exits_0() {
    let dir = TempDir::new("hsoft");
    let (p, o) = (free_port(), free_port());
    let (_origin, held) = origin(ListenOn::Tcp(local(o)), "o");
    let mut rp = Launch::rampart(
        "proxy",
        &dir,
        &cfg("", &format!("127.0.0.1:{p}"), &format!("127.0.0.1:{o}")),
    )
    .ready_tcp(local(p))
    .spawn();

    // Idle keep-alive clients: one request each, then silence.
    let mut idle: Vec<Wire> = (0..3)
        .map(|i| {
            let mut w = Wire::connect(p);
            let r = get(&mut w, &format!("/idle/{i}"), false);
            assert_eq!(r.status(), 200);
            assert_eq!(r.body_text(), format!("o GET /idle/{i} 0"));
            w
        })
        .collect();
    // Requests in flight: the origin holds them 3 s, on keep-alive connections.
    let inflight: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(move || {
                let mut w = Wire::connect(p);
                let r = get(&mut w, "/slow/3000", false);
                let closed = w.closes_within(Duration::from_secs(10));
                (r, closed)
            })
        })
        .collect();
    assert!(
        wait_until(Duration::from_secs(10), || held.now() == 3),
        "the three requests reached the origin"
    );

    rp.signal(Signal::SIGUSR1);
    for (i, w) in idle.iter_mut().enumerate() {
        assert!(
            w.closes_within(Duration::from_secs(5)),
            "idle keep-alive connection {i} is closed by the soft stop"
        );
    }
    assert!(
        wait_until(Duration::from_secs(5), || !tcp_listening(local(p))),
        "the listener closes"
    );
    assert!(refused(p), "new connections are refused");
    // The origin still holds the requests (3 s): the process waits for them.
    if held.now() == 3 {
        rp.assert_running();
    }
    let want = slow_body("o");
    for t in inflight {
        let (r, closed) = t.join().unwrap_or_else(|_| panic!("client thread"));
        assert_eq!(r.status(), 200, "{}", r.head_text());
        assert!(
            r.body == want,
            "the in-flight response is intact ({} bytes)",
            r.body.len()
        );
        assert_eq!(
            r.header("connection"),
            Some("close"),
            "the response announces the close: {}",
            r.head_text()
        );
        assert!(closed, "the connection closes after the in-flight response");
    }
    let st = rp.expect_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "soft stop exits 0 ({})", describe(st));
}

// ---------------------------------------------------------------------------------------
// 2. Handover

/// `GET path` with `connection: close` on a new connection to `127.0.0.1:port`, read to
/// the end of stream; how it failed when it did.
fn one_request(port: u16, path: &str) -> Got {
    let mut s = match TcpStream::connect_timeout(&local(port), Duration::from_secs(5)) {
        Ok(s) => Stream::Tcp(s).bounded(),
        Err(e) => return Got::Failed(format!("connect: {e}")),
    };
    let req = format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    if let Err(e) = s.write_all(req.as_bytes()) {
        return Got::Failed(format!("sending: {e}"));
    }
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                return Got::Failed(format!("reading after {} bytes: {e}", got.len()));
            }
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    match text.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200 ") => Got::Ok(body.to_string()),
        _ if got.is_empty() => Got::Failed("end of stream without a response".into()),
        _ => Got::Failed(format!("unexpected response: {text:?}")),
    }
}

/// What the client loop saw for one request.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    Ok(String),
    Failed(String),
}

#[test]
fn sf_hands_over_while_the_old_process_finishes_its_requests() {
    let dir = TempDir::new("hsf");
    let (p, oa, ob) = (free_port(), free_port(), free_port());
    let (_a, held_a) = origin(ListenOn::Tcp(local(oa)), "old");
    let (_b, _) = origin(ListenOn::Tcp(local(ob)), "new");
    let bind = format!("127.0.0.1:{p}");
    let mut old = Launch::rampart("old", &dir, &cfg("", &bind, &format!("127.0.0.1:{oa}")))
        .ready_tcp(local(p))
        .spawn();
    for i in 0..5 {
        assert_eq!(
            one_request(p, &format!("/n/{i}")),
            Got::Ok(format!("old GET /n/{i} 0"))
        );
    }
    // Two slow requests in flight on the old process when the new one starts.
    let slow: Vec<_> = (0..2)
        .map(|_| thread::spawn(move || get(&mut Wire::connect(p), "/slow/3000", false)))
        .collect();
    assert!(wait_until(Duration::from_secs(10), || held_a.now() == 2));

    let mut new = Launch::rampart("new", &dir, &cfg("", &bind, &format!("127.0.0.1:{ob}")))
        .arg("-sf")
        .arg(old.pid().to_string())
        .ready_tcp(local(p))
        .spawn();
    let old_pid = old.pid() as u32;
    assert!(
        wait_until(Duration::from_secs(5), || !pid_listens(
            old_pid,
            &Ready::Tcp(local(p))
        )),
        "the old process stops listening"
    );
    // While the old process finishes its requests, the new one serves every request
    // (one connection each, a bounded loop).
    let mut during = 0;
    for i in 5..2000 {
        if !old.is_running() {
            break;
        }
        assert_eq!(
            one_request(p, &format!("/n/{i}")),
            Got::Ok(format!("new GET /n/{i} 0"))
        );
        during += 1;
        thread::sleep(Duration::from_millis(2));
    }
    eprintln!("{during} requests served by the new process while the old one finished");
    assert!(during > 0, "requests overlapped the old process's end");
    let st = old.expect_exit(Duration::from_secs(15));
    assert_eq!(
        st.code(),
        Some(0),
        "the old process exits 0 ({})",
        describe(st)
    );
    let want = slow_body("old");
    for t in slow {
        let r = t.join().unwrap_or_else(|_| panic!("slow client"));
        assert_eq!(r.status(), 200);
        assert!(
            r.body == want,
            "the old process finished its in-flight response"
        );
    }
    assert_eq!(one_request(p, "/after"), Got::Ok("new GET /after 0".into()));
    new.assert_running();
}

#[test]
fn sf_handover_loses_no_request() {
    let dir = TempDir::new("hsf");
    let (p, oa, ob) = (free_port(), free_port(), free_port());
    let (_a, held_a) = origin(ListenOn::Tcp(local(oa)), "old");
    let (_b, _) = origin(ListenOn::Tcp(local(ob)), "new");
    let bind = format!("127.0.0.1:{p}");
    let mut old = Launch::rampart("old", &dir, &cfg("", &bind, &format!("127.0.0.1:{oa}")))
        .ready_tcp(local(p))
        .spawn();

    // Two slow requests in flight on the old process when the new one starts.
    let slow: Vec<_> = (0..2)
        .map(|_| thread::spawn(move || get(&mut Wire::connect(p), "/slow/2000", false)))
        .collect();
    assert!(wait_until(Duration::from_secs(10), || held_a.now() == 2));

    // A client loop, one request per connection, until told to stop (bounded).
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let (st, sn) = (stop.clone(), sent.clone());
    let client = thread::spawn(move || {
        let mut seen = Vec::new();
        for i in 0..3000 {
            if st.load(Ordering::SeqCst) {
                break;
            }
            seen.push(one_request(p, &format!("/n/{i}")));
            sn.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(2));
        }
        seen
    });
    assert!(wait_until(Duration::from_secs(10), || sent
        .load(Ordering::SeqCst)
        >= 20));

    let mut new = Launch::rampart("new", &dir, &cfg("", &bind, &format!("127.0.0.1:{ob}")))
        .arg("-sf")
        .arg(old.pid().to_string())
        .ready_tcp(local(p))
        .spawn();
    let st = old.expect_exit(Duration::from_secs(15));
    assert_eq!(
        st.code(),
        Some(0),
        "the old process exits 0 ({})",
        describe(st)
    );
    let at_exit = sent.load(Ordering::SeqCst);
    assert!(wait_until(Duration::from_secs(10), || sent
        .load(Ordering::SeqCst)
        >= at_exit + 20));
    stop.store(true, Ordering::SeqCst);
    let seen = client.join().unwrap_or_else(|_| panic!("client loop"));
    new.assert_running();

    let want = slow_body("old");
    for t in slow {
        let r = t.join().unwrap_or_else(|_| panic!("slow client"));
        assert_eq!(r.status(), 200);
        assert!(
            r.body == want,
            "the old process finished its in-flight response"
        );
    }
    let failed: Vec<String> = seen
        .iter()
        .enumerate()
        .filter_map(|(i, g)| match g {
            Got::Failed(why) => Some(format!("request {i}: {why}")),
            Got::Ok(_) => None,
        })
        .collect();
    // A connection the kernel queues on the old listener in the microseconds between
    // its last accept and its close is reset, unless the kernel hands such connections
    // to another listener of the port (`net.ipv4.tcp_migrate_req`, which CI sets; the
    // README's reload notes recommend it). Without it, one such reset is tolerated: the
    // same race exists with HAProxy's -sf without -x.
    let migrate = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_migrate_req")
        .is_ok_and(|v| v.trim() == "1");
    let allowed = if migrate { 0 } else { 1 };
    assert!(
        failed.len() <= allowed,
        "{} of {} requests lost (tcp_migrate_req {migrate}): {failed:?}",
        failed.len(),
        seen.len()
    );
    let by = |name: &str| {
        seen.iter()
            .filter(|g| matches!(g, Got::Ok(b) if b.starts_with(name)))
            .count()
    };
    let (by_old, by_new) = (by("old "), by("new "));
    eprintln!(
        "{} requests: {by_old} by the old process, {by_new} by the new one",
        seen.len()
    );
    assert_eq!(by_old + by_new, seen.len());
    assert!(
        by_old >= 20 && by_new >= 20,
        "both processes served the loop"
    );
    // Once the new process served one, the old one served none: it stopped accepting.
    let first_new = seen
        .iter()
        .position(|g| matches!(g, Got::Ok(b) if b.starts_with("new ")))
        .unwrap_or(0);
    let old_after = seen[first_new..]
        .iter()
        .filter(|g| matches!(g, Got::Ok(b) if b.starts_with("old ")))
        .count();
    assert!(
        old_after <= 2,
        "{old_after} served by the old process after the handover"
    );
    for (i, g) in seen.iter().enumerate() {
        if let Got::Ok(b) = g {
            assert!(
                b.ends_with(&format!(" GET /n/{i} 0")),
                "request {i} got {b:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3. IPv6 and Unix sockets

/// Where one side of the proxy is, in the configuration's syntax and for a client.
enum Side {
    V6(u16),
    Unix(std::path::PathBuf),
}

impl Side {
    fn haproxy(&self) -> String {
        match self {
            Side::V6(p) => format!("[::1]:{p}"),
            Side::Unix(path) => format!("unix@{}", path.display()),
        }
    }
    fn listen_on(&self) -> ListenOn {
        match self {
            Side::V6(p) => ListenOn::Tcp(local6(*p)),
            Side::Unix(path) => ListenOn::Unix(path.clone()),
        }
    }
    fn ready(&self) -> Ready {
        match self {
            Side::V6(p) => Ready::Tcp(local6(*p)),
            Side::Unix(path) => Ready::Unix(path.clone()),
        }
    }
    fn connect(&self) -> Wire {
        Wire::new(match self {
            Side::V6(p) => {
                let s = TcpStream::connect_timeout(&local6(*p), Duration::from_secs(5))
                    .unwrap_or_else(|e| panic!("connect [::1]:{p}: {e}"));
                Stream::Tcp(s).bounded()
            }
            Side::Unix(path) => connect_unix(path),
        })
    }
    fn name(&self) -> &'static str {
        match self {
            Side::V6(_) => "IPv6",
            Side::Unix(_) => "Unix",
        }
    }
}

fn http_between(dir: &TempDir, bind: Side, server: Side) {
    let what = format!("{} -> {}", bind.name(), server.name());
    let (_origin, _) = origin(server.listen_on(), "o");
    let _rp = Launch::rampart("proxy", dir, &cfg("", &bind.haproxy(), &server.haproxy()))
        .ready(bind.ready())
        .spawn();
    // Keep-alive: a GET, a POST with a body, a slow answer, on one connection.
    let mut w = bind.connect();
    let r = get(&mut w, "/a", false);
    assert_eq!(
        (r.status(), r.body_text()),
        (200, "o GET /a 0".into()),
        "{what}"
    );
    w.send(b"POST /b HTTP/1.1\r\nhost: test\r\ncontent-length: 5\r\n\r\nhello");
    let r = read_response(&mut w, false);
    assert_eq!(
        (r.status(), r.body_text()),
        (200, "o POST /b 5".into()),
        "{what}"
    );
    let r = get(&mut w, "/slow/10", false);
    assert!(
        r.body == slow_body("o"),
        "{what}: a long body arrives intact"
    );
    let r = get(&mut w, "/c", true);
    assert_eq!(r.body_text(), "o GET /c 0", "{what}");
    assert!(
        w.closes_within(Duration::from_secs(5)),
        "{what}: closed after `connection: close`"
    );
}

#[test]
fn http_over_ipv6_and_unix_sockets_on_both_sides() {
    require_ipv6();
    let dir = TempDir::new("hsock");
    let sock = |n: &str| dir.join(n);
    http_between(&dir, Side::V6(free_port()), Side::V6(free_port()));
    http_between(
        &dir,
        Side::Unix(sock("f1.sock")),
        Side::Unix(sock("o1.sock")),
    );
    http_between(&dir, Side::V6(free_port()), Side::Unix(sock("o2.sock")));
    http_between(&dir, Side::Unix(sock("f2.sock")), Side::V6(free_port()));
}

// ---------------------------------------------------------------------------------------
// 4. hard-stop-after

#[test]
fn hard_stop_after_ends_a_soft_stop_held_by_a_stuck_request() {
    let dir = TempDir::new("hhard");
    let (p, o) = (free_port(), free_port());
    let (_origin, held) = origin(ListenOn::Tcp(local(o)), "o");
    let mut rp = Launch::rampart(
        "proxy",
        &dir,
        &cfg(
            "    hard-stop-after 2s\n",
            &format!("127.0.0.1:{p}"),
            &format!("127.0.0.1:{o}"),
        ),
    )
    .ready_tcp(local(p))
    .spawn();
    let mut w = Wire::connect(p);
    w.send(b"GET /stuck HTTP/1.1\r\nhost: test\r\n\r\n");
    assert!(wait_until(Duration::from_secs(10), || held.now() == 1));

    let t0 = Instant::now();
    rp.signal(Signal::SIGUSR1);
    assert!(
        wait_until(Duration::from_secs(5), || !tcp_listening(local(p))),
        "the listener closes at once"
    );
    // Well before `hard-stop-after`, the stuck request still holds the process.
    thread::sleep(Duration::from_millis(500).saturating_sub(t0.elapsed()));
    rp.assert_running();
    let st = rp.expect_exit(Duration::from_secs(15));
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(1900),
        "exited after {took:?}, before hard-stop-after"
    );
    assert_eq!(st.code(), Some(0), "{}", describe(st));
    // The connection closes. HAProxy first answers the killed stream with its 502 page;
    // Rampart closes without one (a known difference, see the issue notes).
    w.rest_until_close();
    assert!(
        wait_until(Duration::from_secs(5), || held.now() == 0),
        "the server connection closed"
    );
}

/// The inodes of the sockets listening on TCP port `port` of 127.0.0.1.
fn listen_inodes(port: u16) -> Vec<String> {
    let t = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let want = format!("0100007F:{port:04X}");
    t.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(1) == Some(&want.as_str()) && f.get(3) == Some(&"0A"))
                .then(|| f.get(9).map(|s| s.to_string()))
                .flatten()
        })
        .collect()
}

/// `-x <socket>` with `stats socket ... expose-fd listeners`: the new process takes the
/// old one's listening sockets instead of binding new ones (HAProxy's seamless reload),
/// so the port is the same kernel socket before, during and after the handover.
#[test]
fn x_takes_the_listening_sockets_over() {
    let dir = TempDir::new("hx");
    let (p, oa, ob) = (free_port(), free_port(), free_port());
    let (_a, _) = origin(ListenOn::Tcp(local(oa)), "old");
    let (_b, _) = origin(ListenOn::Tcp(local(ob)), "new");
    let sock = dir.join("s.sock");
    let global = format!(
        "    stats socket {} level admin expose-fd listeners\n",
        sock.display()
    );
    let bind = format!("127.0.0.1:{p}");
    let mut old = Launch::rampart(
        "old",
        &dir,
        &cfg(&global, &bind, &format!("127.0.0.1:{oa}")),
    )
    .ready_tcp(local(p))
    .spawn();
    assert_eq!(one_request(p, "/a"), Got::Ok("old GET /a 0".into()));
    let before = listen_inodes(p);
    assert_eq!(before.len(), 1, "one listening socket: {before:?}");

    let mut new = Launch::rampart(
        "new",
        &dir,
        &cfg(&global, &bind, &format!("127.0.0.1:{ob}")),
    )
    .arg("-x")
    .arg(sock.display().to_string())
    .arg("-sf")
    .arg(old.pid().to_string())
    .ready_tcp(local(p))
    .spawn();
    let st = old.expect_exit(Duration::from_secs(15));
    assert_eq!(
        st.code(),
        Some(0),
        "the old process exits 0 ({})",
        describe(st)
    );
    assert_eq!(one_request(p, "/b"), Got::Ok("new GET /b 0".into()));
    assert_eq!(
        listen_inodes(p),
        before,
        "the new process listens on the old process's socket"
    );
    new.assert_running();
}

/// `-x` on a socket without `expose-fd listeners` gets nothing: the new process refuses
/// to start, as HAProxy does outside master-worker mode.
#[test]
fn x_without_expose_fd_is_refused() {
    let dir = TempDir::new("hx2");
    let (p, o) = (free_port(), free_port());
    let (_a, _) = origin(ListenOn::Tcp(local(o)), "old");
    let sock = dir.join("s.sock");
    let global = format!("    stats socket {} level admin\n", sock.display());
    let bind = format!("127.0.0.1:{p}");
    let _old = Launch::rampart("old", &dir, &cfg(&global, &bind, &format!("127.0.0.1:{o}")))
        .ready_tcp(local(p))
        .spawn();
    let mut new = Launch::rampart("new", &dir, &cfg(&global, &bind, &format!("127.0.0.1:{o}")))
        .arg("-x")
        .arg(sock.display().to_string())
        .spawn_no_wait();
    let st = new.expect_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(1), "{}", describe(st));
    assert!(
        new.stderr()
            .contains("Failed to get the sockets from the old process!"),
        "{}",
        new.stderr()
    );
}
