//! End-to-end tests of the HTTP options that change how a stream waits and what it
//! writes: `option http-buffer-request`, `option abortonclose`, `option
//! http-ignore-probes`, and `h1-case-adjust` / `h1-case-adjust-file` with `option
//! h1-case-adjust-bogus-client|server`. The data path itself is in `datapath_http.rs`.
//!
//! Every expectation is HAProxy 2.6's: `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the
//! same tests against it.

mod httpkit;
mod support;

use httpkit::*;
use std::net::Shutdown;
use std::thread;
use std::time::{Duration, Instant};
use support::*;

/// Sends `req` on a new connection and reads everything until the proxy closes.
fn until_closed(c: &mut Wire) -> String {
    String::from_utf8_lossy(&c.rest_until_close()).into_owned()
}

/// The 408 page as the stream sends it (request incomplete: the connection closes).
const STREAM_408: &str = "HTTP/1.1 408 Request Time-out\r\ncontent-length: 110\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";
const PAGE_400: &str = "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n";
const PAGE_408: &str = "HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";

// ---------------------------------------------------------------------------------------
// option http-buffer-request

#[test]
fn buffer_request_waits_for_the_body_before_connecting() {
    let dir = TempDir::new("bufreq");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| Answer::ok(&format!("got {}", m.body_text())));
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option http-buffer-request\n")),
        p,
    );
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello");
    thread::sleep(Duration::from_millis(400));
    assert_eq!(
        origin.accepted(),
        0,
        "no server connection while the body is incomplete"
    );
    c.send(b"world");
    let r = read_response(&mut c, false);
    assert_eq!(r.body_text(), "got helloworld");
    // Chunked, split in the middle of a size line.
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1");
    thread::sleep(Duration::from_millis(200));
    c.send(b"\r\nd\r\n0\r\n\r\n");
    assert_eq!(read_response(&mut c, false).body_text(), "got abcd");
}

#[test]
fn buffer_request_answers_expect_itself() {
    let dir = TempDir::new("bufexp");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| Answer::ok(&format!("got {}", m.body.len())));
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option http-buffer-request\n")),
        p,
    );
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    let interim = read_head_only(&mut c);
    assert_eq!(interim.head_text(), "HTTP/1.1 100 Continue\r\n\r\n");
    c.send(b"data");
    assert_eq!(read_response(&mut c, false).body_text(), "got 4");
    let m = &origin.requests()[0];
    assert_eq!(
        m.header("expect"),
        None,
        "handled by the proxy: {}",
        m.head_text()
    );
}

#[test]
fn buffer_request_times_out_with_408() {
    let dir = TempDir::new("bufto");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |_, _| Answer::ok("never"));
    let _px = proxy(
        &dir,
        &cfg(
            "",
            "    timeout http-request 500ms\n",
            &listen(p, o, "    option http-buffer-request\n"),
        ),
        p,
    );
    let mut c = Wire::connect(p);
    let start = Instant::now();
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf");
    assert_eq!(until_closed(&mut c), STREAM_408);
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert_eq!(origin.accepted(), 0);
}

#[test]
fn buffer_request_forwards_once_the_buffer_is_full() {
    let dir = TempDir::new("bufbig");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |m, _| Answer::ok(&m.body.len().to_string()));
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option http-buffer-request\n")),
        p,
    );
    // 40 kB announced, 20 kB sent: more than a buffer, so the server is contacted.
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 40000\r\n\r\n");
    c.send(&[b'z'; 20000]);
    assert!(
        wait_until(Duration::from_secs(5), || origin.accepted() == 1),
        "server contacted with a full buffer"
    );
    c.send(&[b'z'; 20000]);
    assert_eq!(read_response(&mut c, false).body_text(), "40000");
}

#[test]
fn buffer_request_refuses_an_invalid_chunked_body() {
    let dir = TempDir::new("bufbad");
    let (p, o) = (free_port(), free_port());
    let origin = Origin::start(o, |_, _| Answer::ok("never"));
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option http-buffer-request\n")),
        p,
    );
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 400);
    assert!(c.closes_within(Duration::from_secs(5)));
    assert_eq!(origin.accepted(), 0);
}

// ---------------------------------------------------------------------------------------
// option abortonclose

/// An origin that reads a request, then waits up to 1.5 s for the proxy to close its
/// side: closes without answering when it does, answers `200` otherwise.
fn patient_origin(port: u16) -> TestServer {
    TestServer::tcp(port, |s| {
        let mut w = Wire::new(s);
        if w.head().is_none() {
            return;
        }
        w.s.set_read_timeout(Some(Duration::from_millis(1500)));
        let mut b = [0u8; 1];
        match std::io::Read::read(&mut w.s, &mut b) {
            Ok(0) => {}
            _ => w.send(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nanswer!"),
        }
    })
}

#[test]
fn without_abortonclose_a_half_closed_client_gets_its_answer() {
    let dir = TempDir::new("noaoc");
    let (p, o) = (free_port(), free_port());
    let _origin = patient_origin(o);
    let _px = proxy(&dir, &cfg("", "", &listen(p, o, "")), p);
    let mut c = Wire::connect(p);
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    c.s.shutdown(Shutdown::Write);
    let r = read_response(&mut c, false);
    assert_eq!(r.body_text(), "answer!");
}

#[test]
fn abortonclose_passes_the_client_close_to_the_server() {
    let dir = TempDir::new("aoc");
    let (p, o) = (free_port(), free_port());
    let _origin = patient_origin(o);
    let _px = proxy(
        &dir,
        &cfg("", "", &listen(p, o, "    option abortonclose\n")),
        p,
    );
    let mut c = Wire::connect(p);
    let start = Instant::now();
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    // Once the request reached the server (a close coming with the request races the
    // connection set-up, which may then be abandoned).
    thread::sleep(Duration::from_millis(200));
    c.s.shutdown(Shutdown::Write);
    // The server sees the close and gives up: the client gets HAProxy's 400.
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 400);
    assert!(
        start.elapsed() < Duration::from_millis(1400),
        "not the origin's patience"
    );
}

/// A listener whose accept queue is full: connections to it hang in SYN-SENT.
fn blackhole(port: u16) -> (std::os::fd::OwnedFd, Vec<std::net::TcpStream>) {
    use nix::sys::socket::*;
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::empty(),
        None,
    )
    .unwrap_or_else(|e| panic!("socket: {e}"));
    let addr = SockaddrIn::new(127, 0, 0, 1, port);
    bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &addr).unwrap_or_else(|e| panic!("bind: {e}"));
    let backlog = Backlog::new(0).unwrap_or_else(|e| panic!("backlog: {e}"));
    listen(&fd, backlog).unwrap_or_else(|e| panic!("listen: {e}"));
    let fill: Vec<_> = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&local(port), Duration::from_millis(200)).ok()
        })
        .collect();
    (fd, fill)
}

#[test]
fn abortonclose_abandons_a_pending_connection() {
    let dir = TempDir::new("aocconn");
    let (p, q, o) = (free_port(), free_port(), free_port());
    let _hole = blackhole(o);
    let conf = cfg(
        "",
        "    timeout connect 3s\n    retries 0\n",
        &format!(
            "{}listen l2\n    bind 127.0.0.1:{q}\n    server o 127.0.0.1:{o}\n",
            listen(p, o, "    option abortonclose\n")
        ),
    );
    let _px = Launch::rampart("proxy", &dir, &conf)
        .ready_tcp(local(p))
        .ready_tcp(local(q))
        .spawn();
    // With the option: the client's close ends the attempt at once, with no answer.
    let mut c = Wire::connect(p);
    let start = Instant::now();
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    thread::sleep(Duration::from_millis(200));
    c.s.shutdown(Shutdown::Write);
    assert_eq!(until_closed(&mut c), "");
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "{:?}",
        start.elapsed()
    );
    // Without: the attempt runs to `timeout connect`, then 503.
    let mut c = Wire::connect(q);
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    thread::sleep(Duration::from_millis(200));
    c.s.shutdown(Shutdown::Write);
    let r = read_response(&mut c, false);
    assert_eq!(r.status(), 503);
}

// ---------------------------------------------------------------------------------------
// option http-ignore-probes

#[test]
fn probes_get_400_and_408_without_the_option() {
    let dir = TempDir::new("probes");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| Answer::ok("ok"));
    let _px = proxy(
        &dir,
        &cfg("", "    timeout http-request 400ms\n", &listen(p, o, "")),
        p,
    );
    // Nothing, then a close of the client's side: HAProxy's H1 layer answers 400.
    let mut c = Wire::connect(p);
    c.s.shutdown(Shutdown::Write);
    assert_eq!(until_closed(&mut c), PAGE_400);
    // Nothing until `timeout http-request`: 408.
    let mut c = Wire::connect(p);
    assert_eq!(until_closed(&mut c), PAGE_408);
    // Part of a head then a close: 400.
    let mut c = Wire::connect(p);
    c.send(b"GET / HTTP/1.1\r\n");
    c.s.shutdown(Shutdown::Write);
    assert_eq!(until_closed(&mut c), PAGE_400);
}

#[test]
fn ignore_probes_closes_silent_connections_silently() {
    let dir = TempDir::new("ignprobes");
    let (p, o) = (free_port(), free_port());
    let _origin = Origin::start(o, |_, _| Answer::ok("ok"));
    let _px = proxy(
        &dir,
        &cfg(
            "",
            "    timeout http-request 400ms\n",
            &listen(p, o, "    option http-ignore-probes\n"),
        ),
        p,
    );
    let mut c = Wire::connect(p);
    c.s.shutdown(Shutdown::Write);
    assert_eq!(until_closed(&mut c), "");
    let mut c = Wire::connect(p);
    let start = Instant::now();
    assert_eq!(until_closed(&mut c), "", "no 408");
    assert!(start.elapsed() >= Duration::from_millis(300));
    // A started request is no probe.
    let mut c = Wire::connect(p);
    c.send(b"GET / HTTP/1.1\r\n");
    assert_eq!(until_closed(&mut c), PAGE_408);
    // And a real one is served.
    let (_, r) = exchange(p, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.body_text(), "ok");
}

// ---------------------------------------------------------------------------------------
// h1-case-adjust

#[test]
fn case_adjust_towards_bogus_clients_and_servers() {
    let dir = TempDir::new("case");
    let (p, o, q) = (free_port(), free_port(), free_port());
    let origin = Origin::start(o, |_, _| {
        Answer::raw(
            "HTTP/1.1 200 OK\r\nCONTENT-TYPE: text/plain\r\nx-trace-id: 7\r\nContent-Length: 2\r\n\r\nok",
            Then::KeepAlive,
        )
    });
    let map = dir.write(
        "case.map",
        "# spellings bogus peers insist on\nx-trace-id   X-Trace-ID\n\ncontent-type Content-Type\n",
    );
    let global = format!(
        "    h1-case-adjust content-length Content-Length\n    h1-case-adjust x-api-key X-API-Key\n    h1-case-adjust-file {}\n",
        map.display()
    );
    let body = format!(
        "frontend f\n    bind 127.0.0.1:{p}\n    option h1-case-adjust-bogus-client\n    default_backend b\n\
         backend b\n    option h1-case-adjust-bogus-server\n    server o 127.0.0.1:{o}\n\
         listen plain\n    bind 127.0.0.1:{q}\n    server o 127.0.0.1:{o}\n"
    );
    let _px = Launch::rampart("proxy", &dir, &cfg(&global, "", &body))
        .ready_tcp(local(p))
        .ready_tcp(local(q))
        .spawn();
    let (_, r) = exchange(p, b"GET / HTTP/1.1\r\nHost: t\r\nx-api-key: k\r\n\r\n");
    assert_eq!(
        r.names(),
        ["Content-Type", "X-Trace-ID", "Content-Length"],
        "{}",
        r.head_text()
    );
    let m = &origin.requests()[0];
    assert_eq!(m.names(), ["host", "X-API-Key"], "{}", m.head_text());
    // Without the options, names go out in lower case.
    let (_, r) = exchange(q, b"GET / HTTP/1.1\r\nHost: t\r\nX-Api-Key: k\r\n\r\n");
    assert_eq!(r.names(), ["content-type", "x-trace-id", "content-length"]);
    assert_eq!(origin.requests()[1].names(), ["host", "x-api-key"]);
}

#[test]
fn case_adjust_file_errors_stop_the_start() {
    let dir = TempDir::new("casebad");
    let p = free_port();
    let map = dir.write("bad.map", "etag ETag\nlonely\n");
    let conf = cfg(
        &format!("    h1-case-adjust-file {}\n", map.display()),
        "",
        &format!("frontend f\n    bind 127.0.0.1:{p}\n"),
    );
    let file = dir.write("proxy.cfg", &conf);
    let out = std::process::Command::new(rampart_bin())
        .args(["-c", "-f"])
        .arg(&file)
        .output()
        .expect("run the proxy");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!(
            "config : h1-headers-case-adjust-file '{}' : expect <to> at line 2.",
            map.display()
        )),
        "{err}"
    );
}
