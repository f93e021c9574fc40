//! End-to-end tests of retries and server health seen from traffic (configuration
//! manual 4.2 `retries`, `retry-on`, `option redispatch`; 5.2 `on-marked-down`,
//! `on-marked-up`; `observe` has tests/observe.rs): what clients receive and what each
//! server sees when a server answers badly, goes down or comes back, and the messages
//! printed on stderr in HAProxy 2.6's words.
//!
//! Run the file with `RAMPART_UNDER_TEST=/usr/sbin/haproxy` to check the expectations
//! against HAProxy itself. Health checks connect to a port of their own (`port`), where
//! a test listener says whether the server is up: dropping it takes the server down.
//! Waits are bounded generously and never assert a speed.

#![allow(clippy::expect_used)]

mod httpkit;
mod support;

use httpkit::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::*;

const WAIT: Duration = Duration::from_secs(10);

/// The proxy under test in the foreground with `body` as its proxies.
fn start(dir: &TempDir, body: &str, port: u16) -> Proc {
    foreground(dir, &cfg("", "", body), port)
}

fn get(port: u16, path: &str, extra: &str) -> Msg {
    exchange(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n").as_bytes(),
    )
    .1
}

// ---------------------------------------------------------------------------------------
// retry-on

/// `retry-on <cond>` with `option redispatch`: a request that meets `cond` on `s1` is
/// sent again to `s2`, which answers; `s1` answers as `bad` says.
fn retried_to_the_other_server(tag: &str, cond: &str, bad: Answer, extra: &str) {
    let base = free_ports(3);
    let bad2 = bad.clone();
    let s1 = Origin::start(base, move |_, _| bad2.clone());
    let s2 = answering(base + 1, "s2", 200);
    let port = base + 2;
    let dir = TempDir::new(tag);
    let body = listen_with(
        port,
        &format!("    balance roundrobin\n    retries 3\n    retry-on {cond}\n    option redispatch\n{extra}"),
        &[
            format!("server s1 127.0.0.1:{base}"),
            format!("server s2 127.0.0.1:{}", base + 1),
        ],
    );
    let _p = start(&dir, &body, port);
    // Round robin names s1 first, the retry takes s2's turn: every request meets s1,
    // once, then s2.
    for i in 0..4 {
        let m = get(port, &format!("/r{i}"), "");
        assert_eq!(
            (m.status(), m.body_text()),
            (200, "s2".into()),
            "request {i}"
        );
    }
    let on_s1 = s1.requests();
    assert_eq!(on_s1.len(), 4, "s1 saw each request once");
    let on_s2 = s2.requests();
    assert_eq!(on_s2.len(), 4);
    // The retried request is the same one.
    for m in &on_s1 {
        let path = m.head_text().lines().next().unwrap_or_default().to_string();
        assert!(
            on_s2.iter().any(|r| r.head_text().starts_with(&path)),
            "{path} not retried"
        );
    }
    drop(bad);
}

#[test]
fn retry_on_503_goes_to_the_other_server() {
    retried_to_the_other_server("retry-503", "503", status_answer(503, "s1"), "");
}

#[test]
fn retry_on_502_goes_to_the_other_server() {
    retried_to_the_other_server("retry-502", "502 503", status_answer(502, "s1"), "");
}

#[test]
fn retry_on_empty_response_goes_to_the_other_server() {
    // s1 reads the request and closes without a byte.
    let closes = Answer::raw("", Then::Close);
    retried_to_the_other_server("retry-empty", "empty-response", closes, "");
}

#[test]
fn retry_on_junk_response_goes_to_the_other_server() {
    let junk = Answer::raw("HELLO THERE\r\n\r\n", Then::Close);
    retried_to_the_other_server("retry-junk", "junk-response", junk, "");
}

#[test]
fn retry_on_response_timeout_goes_to_the_other_server() {
    // s1 never answers; `timeout server` strikes and the request goes to s2.
    let silent = Answer::raw("", Then::Hold(Duration::from_secs(5)));
    let t = "    timeout server 300ms\n";
    retried_to_the_other_server("retry-timeout", "response-timeout", silent, t);
}

#[test]
fn retries_bound_the_attempts_then_the_answer_goes_to_the_client() {
    // Without `option redispatch` every retry stays on s1: 1 + `retries` attempts, then
    // the last 503 is the client's.
    let base = free_ports(2);
    let s1 = answering(base, "s1", 503);
    let port = base + 1;
    let dir = TempDir::new("retry-budget");
    let body = listen_with(
        port,
        "    retries 2\n    retry-on 503\n",
        &[format!("server s1 127.0.0.1:{base}")],
    );
    let _p = start(&dir, &body, port);
    let m = get(port, "/", "");
    assert_eq!((m.status(), m.body_text()), (503, "s1".into()));
    assert_eq!(s1.requests().len(), 3);
    // Statuses not listed are relayed at once.
    let base2 = free_ports(2);
    let s = answering(base2, "s", 500);
    let port2 = base2 + 1;
    let dir2 = TempDir::new("retry-other-status");
    let body2 = listen_with(
        port2,
        "    retries 2\n    retry-on 503 504\n",
        &[format!("server s 127.0.0.1:{base2}")],
    );
    let _p2 = start(&dir2, &body2, port2);
    assert_eq!(get(port2, "/", "").status(), 500);
    assert_eq!(s.requests().len(), 1);
}

#[test]
fn a_post_is_retried_only_when_received_whole_before_it_went_out() {
    let base = free_ports(3);
    let s1 = answering(base, "s1", 503);
    let s2 = answering(base + 1, "s2", 200);
    let port = base + 2;
    let dir = TempDir::new("retry-post");
    let body = listen_with(
        port,
        "    balance roundrobin\n    retries 3\n    retry-on 503\n    option redispatch\n",
        &[
            format!("server s1 127.0.0.1:{base}"),
            format!("server s2 127.0.0.1:{}", base + 1),
        ],
    );
    let _p = start(&dir, &body, port);
    // A POST whose body came with its head: HAProxy keeps it and retries it on s2,
    // whatever the method.
    let (_, m) = exchange(
        port,
        b"POST /whole HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!((m.status(), m.body_text()), (200, "s2".into()));
    let seen = s2.wait_requests(1);
    assert_eq!(seen[0].body_text(), "hello");
    // A POST whose body comes after the request went to the server cannot be sent
    // again: s1's 503 reaches the client.
    let mut w = Wire::connect(port);
    w.send(b"POST /late HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n");
    std::thread::sleep(Duration::from_millis(300));
    w.send(b"hello");
    let m = read_response(&mut w, false);
    assert_eq!((m.status(), m.body_text()), (503, "s1".into()));
    let on_s1 = s1.requests();
    assert_eq!(
        on_s1.len(),
        2,
        "{:?}",
        on_s1.iter().map(Msg::head_text).collect::<Vec<_>>()
    );
    assert_eq!(on_s1[1].body_text(), "hello");
    assert_eq!(s2.requests().len(), 1);
}

#[test]
fn without_conn_failure_connections_are_not_retried() {
    // `retry-on 503` alone leaves connection failures out: a refused connection is the
    // client's 503 at once (one attempt), even with `retries`.
    let base = free_ports(2);
    let port = base + 1;
    let dir = TempDir::new("retry-no-conn");
    let body = listen_with(
        port,
        "    retries 3\n    retry-on 503\n",
        &[format!("server dead 127.0.0.1:{base}")],
    );
    let _p = start(&dir, &body, port);
    let t = Instant::now();
    assert_eq!(get(port, "/", "").status(), 503);
    // Three retries would take at least 3 turn-around delays of 1s.
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// option redispatch

#[test]
fn redispatch_interval_decides_which_retry_leaves_the_server() {
    // The persistence cookie sends the request to s1 (so only the interval moves it:
    // a persistent stream is not redispatched on every retry). s1 answers 503, s2 200;
    // `retries 3`. How many times s1 sees the request, and what the client gets:
    let cases: [(&str, usize, u16); 6] = [
        ("option redispatch 1", 1, 200),
        ("option redispatch 2", 2, 200),
        // Negative: the Nth retry before the last (-1: the last one).
        ("option redispatch", 3, 200),
        ("option redispatch -2", 2, 200),
        // 0: never by the interval; without the option, never.
        ("option redispatch 0", 4, 503),
        ("no option redispatch", 4, 503),
    ];
    for (opt, on_s1, status) in cases {
        let base = free_ports(3);
        let s1 = answering(base, "s1", 503);
        let s2 = answering(base + 1, "s2", 200);
        let port = base + 2;
        let dir = TempDir::new("redispatch-interval");
        let body = listen_with(
            port,
            &format!(
                "    retries 3\n    retry-on 503\n    {opt}\n    cookie SRV insert indirect nocache\n"
            ),
            &[
                format!("server s1 127.0.0.1:{base} cookie s1"),
                format!("server s2 127.0.0.1:{} cookie s2", base + 1),
            ],
        );
        let _p = start(&dir, &body, port);
        let m = get(port, "/", "Cookie: SRV=s1\r\n");
        assert_eq!(m.status(), status, "{opt}");
        assert_eq!(s1.requests().len(), on_s1, "{opt}");
        if status == 200 {
            assert_eq!(s2.requests().len(), 1, "{opt}");
            // Redispatched: the client is told its new server.
            assert_eq!(m.header("set-cookie"), Some("SRV=s2; path=/"), "{opt}");
        } else {
            assert!(s2.requests().is_empty(), "{opt}");
        }
    }
}

#[test]
fn a_redispatch_hashes_the_same_key_again() {
    // s1 refuses connections. `balance uri`: a request whose URI hashes to s1 fails
    // there, and its last retry (`retries 1`) goes back to the algorithm with the same
    // key, avoiding s1 where the algorithm can: a consistent-hash ring moves on to s2,
    // a map-based table names s1 again (HAProxy's `map_get_server_hash` avoids
    // nothing), so those requests fail.
    let paths: Vec<String> = (0..16).map(|i| format!("/u{i}")).collect();
    let cases: [(&str, &[&str]); 2] = [
        (
            "map-based",
            &["/u0", "/u2", "/u4", "/u6", "/u8", "/u11", "/u13", "/u15"],
        ),
        ("consistent", &[]),
    ];
    for (hash_type, failing) in cases {
        let base = free_ports(3);
        let s2 = answering(base + 1, "s2", 200);
        let port = base + 2;
        let dir = TempDir::new("redispatch-hash");
        let body = listen_with(
            port,
            &format!("    balance uri\n    hash-type {hash_type}\n    retries 1\n    option redispatch\n    timeout connect 100ms\n"),
            &[
                format!("server s1 127.0.0.1:{base}"),
                format!("server s2 127.0.0.1:{}", base + 1),
            ],
        );
        let _p = start(&dir, &body, port);
        let mut failed = Vec::new();
        for path in &paths {
            let m = get(port, path, "");
            match m.status() {
                200 => assert_eq!(m.body_text(), "s2", "{hash_type} {path}"),
                503 => failed.push(path.as_str()),
                other => panic!("{hash_type} {path}: {other}"),
            }
        }
        assert_eq!(failed, failing, "{hash_type}");
        assert_eq!(
            s2.requests().len(),
            paths.len() - failing.len(),
            "{hash_type}"
        );
    }
}

#[test]
fn a_redispatch_hashes_the_posted_parameter_again() {
    // As above with `balance url_param id check_post` (map-based): the key is in the
    // body of a POST, and the last retry hashes it again, back to s1, whether s1
    // refused the connection or answered 503 (`retry-on 503`, the request kept).
    for s1_answers in [false, true] {
        let base = free_ports(3);
        let _s1 = s1_answers.then(|| answering(base, "s1", 503));
        let s2 = answering(base + 1, "s2", 200);
        let port = base + 2;
        let dir = TempDir::new("redispatch-post");
        let body = listen_with(
            port,
            "    balance url_param id check_post\n    option http-buffer-request\n    retries 1\n    retry-on conn-failure 503\n    option redispatch\n    timeout connect 100ms\n",
            &[
                format!("server s1 127.0.0.1:{base}"),
                format!("server s2 127.0.0.1:{}", base + 1),
            ],
        );
        let _p = start(&dir, &body, port);
        let mut failed = Vec::new();
        for i in 0..16 {
            let form = format!("id=u{i}");
            let req = format!(
                "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
                form.len()
            );
            let m = exchange(port, req.as_bytes()).1;
            match m.status() {
                200 => assert_eq!(m.body_text(), "s2", "{form}"),
                503 => failed.push(i),
                other => panic!("{form}: {other}"),
            }
        }
        assert_eq!(
            failed,
            [1, 3, 5, 7, 9, 10, 12, 14],
            "s1 answers: {s1_answers}"
        );
        assert_eq!(s2.requests().len(), 16 - failed.len());
    }
}

#[test]
fn force_persist_never_redispatches() {
    // Round robin over s1 (refusing connections) and s2, `retries 2` with `option
    // redispatch`: a stream that met s1 is sent to s2, unless `force-persist` matched,
    // which keeps every retry on s1 whoever chose the server (HAProxy's
    // `SF_FORCE_PRST`), in `mode tcp` as in `mode http`.
    for mode in ["http", "tcp"] {
        for force in [false, true] {
            let base = free_ports(3);
            let s2 = TestServer::tcp(base + 1, |mut s| {
                let mut got = Vec::new();
                let mut b = [0u8; 1024];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&b[..n]),
                    }
                }
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            });
            let port = base + 2;
            let dir = TempDir::new("force-persist-retry");
            let lines = format!(
                "    mode {mode}\n    balance roundrobin\n    retries 2\n    option redispatch\n    timeout connect 100ms\n{}",
                if force { "    force-persist if TRUE\n" } else { "" }
            );
            let body = listen_with(
                port,
                &lines,
                &[
                    format!("server s1 127.0.0.1:{base}"),
                    format!("server s2 127.0.0.1:{}", base + 1),
                ],
            );
            let _p = start(&dir, &body, port);
            let mut answered = 0;
            for _ in 0..4 {
                let mut c = connect(local(port));
                let _ = c.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
                c.shutdown(std::net::Shutdown::Write);
                let r = read_until_closed(&mut c, 1 << 16);
                // A stream that failed gets nothing (tcp) or a 503 (http).
                if r.starts_with(b"HTTP/1.1 200 ") {
                    answered += 1;
                }
            }
            let want = if force { 2 } else { 4 };
            assert_eq!(answered, want, "mode {mode}, force-persist {force}");
            assert_eq!(s2.accepted(), want, "mode {mode}, force-persist {force}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Queues and server state changes

/// An origin answering `/slow` after `delay`, anything else at once, with its `name`.
fn slow_origin(port: u16, name: &'static str, delay: Duration) -> Origin {
    Origin::start(port, move |m, _| {
        let a = status_answer(200, name);
        if m.head_text().starts_with("GET /slow ") {
            a.after(delay)
        } else {
            a
        }
    })
}

/// Sends a GET from another thread; the response comes through the handle.
fn get_in_background(port: u16, path: &str, extra: &str) -> std::thread::JoinHandle<Msg> {
    let (path, extra) = (path.to_string(), extra.to_string());
    std::thread::spawn(move || get(port, &path, &extra))
}

#[test]
fn streams_queued_on_a_server_that_goes_down_are_requeued() {
    let base = free_ports(4);
    let (p1, p2, chk, port) = (base, base + 1, base + 2, base + 3);
    let s1 = slow_origin(p1, "s1", Duration::from_secs(3));
    let s2 = slow_origin(p2, "s2", Duration::ZERO);
    let check = check_port(chk);
    let dir = TempDir::new("requeue-down");
    let body = listen_with(
        port,
        "    option redispatch\n    timeout queue 10s\n    cookie SRV insert indirect nocache\n",
        &[
            format!("server s1 127.0.0.1:{p1} cookie s1 maxconn 1 check port {chk} inter 200 fall 1 rise 1"),
            format!("server s2 127.0.0.1:{p2} cookie s2"),
        ],
    );
    let p = start(&dir, &body, port);
    // The cookie sends both requests to s1: the first holds its only slot, the second
    // waits in s1's own queue.
    let first = get_in_background(port, "/slow", "Cookie: SRV=s1\r\n");
    s1.wait_requests(1);
    let second = get_in_background(port, "/second", "Cookie: SRV=s1\r\n");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s1.requests().len(), 1);
    // s1 goes down: the waiting stream is balanced again and served by s2, while the
    // first one still runs on s1.
    drop(check);
    let msg = wait_message(&p, "Server l/s1 is DOWN", WAIT);
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server l/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: Nms. 1 active and 0 backup servers left. 1 sessions active, 1 requeued, 0 remaining in queue."
    );
    let m = second.join().expect("second request");
    assert_eq!((m.status(), m.body_text()), (200, "s2".into()));
    assert_eq!(m.header("set-cookie"), Some("SRV=s2; path=/"));
    assert_eq!(s2.requests().len(), 1);
    let m = first.join().expect("first request");
    assert_eq!((m.status(), m.body_text()), (200, "s1".into()));
    assert_eq!(s1.requests().len(), 1);
}

#[test]
fn a_server_coming_up_takes_the_streams_waiting_in_the_backend_queue() {
    let base = free_ports(4);
    let (p1, p2, chk, port) = (base, base + 1, base + 2, base + 3);
    let s1 = slow_origin(p1, "s1", Duration::from_secs(3));
    let s2 = slow_origin(p2, "s2", Duration::ZERO);
    let dir = TempDir::new("grab-up");
    let body = listen_with(
        port,
        "    balance roundrobin\n    timeout queue 10s\n",
        &[
            format!("server s1 127.0.0.1:{p1} maxconn 1"),
            format!("server s2 127.0.0.1:{p2} maxconn 1 check port {chk} inter 200 fall 1 rise 1"),
        ],
    );
    let p = start(&dir, &body, port);
    // s2's check port is closed: it goes down at its first check.
    wait_message(&p, "Server l/s2 is DOWN", WAIT);
    // The first request holds s1's only slot; the second waits in the backend's queue.
    let first = get_in_background(port, "/slow", "");
    s1.wait_requests(1);
    let second = get_in_background(port, "/second", "");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s1.requests().len(), 1);
    // s2 comes up and takes it.
    let _check = check_port(chk);
    let msg = wait_message(&p, "Server l/s2 is UP", WAIT);
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server l/s2 is UP, reason: Layer4 check passed, check duration: Nms. 2 active and 0 backup servers online. 1 sessions requeued, 0 total in queue."
    );
    let m = second.join().expect("second request");
    assert_eq!((m.status(), m.body_text()), (200, "s2".into()));
    let m = first.join().expect("first request");
    assert_eq!((m.status(), m.body_text()), (200, "s1".into()));
    assert_eq!((s1.requests().len(), s2.requests().len()), (1, 1));
}

// ---------------------------------------------------------------------------------------
// on-marked-down, on-marked-up

/// Announced length of [`slow_download`]'s body: far more than it ever sends.
const LONG: usize = 100_000_000;

/// A server answering every request with a `LONG` body sent 1 kB every 20 ms (for 20 s
/// at most); with `silent`, it reads the request and never answers (for 20 s at most).
fn slow_download(port: u16, silent: bool) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        let mut buf = Vec::new();
        let mut b = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&b[..n]),
            }
        }
        if silent {
            std::thread::sleep(Duration::from_secs(20));
            return;
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {LONG}\r\n\r\n");
        if s.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..1000 {
            if s.write_all(&[b'x'; 1024]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

/// Starts a download through the proxy and reads its head and some body.
fn start_download(port: u16) -> Wire {
    let mut w = Wire::connect(port);
    w.send(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    let head = read_head_only(&mut w);
    assert_eq!(head.status(), 200);
    let _ = w.exact(4096);
    w
}

/// Whether the download ends (the proxy closes) within `within`, reading what comes.
fn download_cut(w: &mut Wire, within: Duration) -> bool {
    let start = Instant::now();
    let mut got = 0usize;
    let mut b = [0u8; 16384];
    w.s.set_read_timeout(Some(Duration::from_millis(200)));
    while start.elapsed() < within {
        match w.s.read(&mut b) {
            Ok(0) => return true,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
        assert!(got < LONG, "the whole body came");
    }
    false
}

#[test]
fn on_marked_down_shutdown_sessions_cuts_a_download() {
    let cases = [
        ("", "on-marked-down shutdown-sessions", true),
        ("", "", false),
        // A `mode tcp` session too.
        ("    mode tcp\n", "on-marked-down shutdown-sessions", true),
    ];
    for (mode, opt, cut) in cases {
        let base = free_ports(3);
        let (p1, chk, port) = (base, base + 1, base + 2);
        let _s1 = slow_download(p1, false);
        let check = check_port(chk);
        let dir = TempDir::new("marked-down");
        let body = listen_with(
            port,
            mode,
            &[format!(
                "server s1 127.0.0.1:{p1} check port {chk} inter 200 fall 1 rise 1 {opt}"
            )],
        );
        let p = start(&dir, &body, port);
        let mut w = start_download(port);
        drop(check);
        let msg = wait_message(&p, "Server l/s1 is DOWN", WAIT);
        // (How many sessions it names races with their shutdown, in HAProxy too.)
        assert!(
            msg.contains("0 active and 0 backup servers left. ")
                && msg.ends_with(" sessions active, 0 requeued, 0 remaining in queue."),
            "{msg}"
        );
        // With the option the download ends; without it, it goes on.
        assert_eq!(
            download_cut(&mut w, Duration::from_secs(3)),
            cut,
            "{mode:?} {opt:?}"
        );
    }
}

#[test]
fn on_marked_down_before_the_response_gives_a_502() {
    let base = free_ports(3);
    let (p1, chk, port) = (base, base + 1, base + 2);
    let _s1 = slow_download(p1, true);
    let check = check_port(chk);
    let dir = TempDir::new("marked-down-502");
    let body = listen_with(
        port,
        "",
        &[format!(
            "server s1 127.0.0.1:{p1} check port {chk} inter 200 fall 1 rise 1 on-marked-down shutdown-sessions"
        )],
    );
    let p = start(&dir, &body, port);
    let mut w = Wire::connect(port);
    w.send(b"GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
    std::thread::sleep(Duration::from_millis(300));
    drop(check);
    wait_message(&p, "Server l/s1 is DOWN", WAIT);
    let m = read_response(&mut w, false);
    assert_eq!(m.status(), 502);
    assert_eq!(m.header("connection"), None);
    // The request was whole: the connection stays, and the next request finds no
    // server.
    w.send(b"GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(read_response(&mut w, false).status(), 503);
}

#[test]
fn on_marked_up_shutdown_backup_sessions_cuts_the_backups_streams() {
    let base = free_ports(4);
    let (p1, p2, chk, port) = (base, base + 1, base + 2, base + 3);
    let _s1 = slow_download(p1, false);
    let _s2 = slow_download(p2, false);
    let dir = TempDir::new("marked-up");
    let body = listen_with(
        port,
        "",
        &[
            format!("server s1 127.0.0.1:{p1} check port {chk} inter 200 fall 1 rise 1 on-marked-up shutdown-backup-sessions"),
            format!("server s2 127.0.0.1:{p2} backup"),
        ],
    );
    let p = start(&dir, &body, port);
    // s1's check port is closed: it goes down and the backup serves.
    wait_message(&p, "Server l/s1 is DOWN", WAIT);
    let mut w = start_download(port);
    let _check = check_port(chk);
    let msg = wait_message(&p, "Server l/s1 is UP", WAIT);
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server l/s1 is UP, reason: Layer4 check passed, check duration: Nms. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue."
    );
    assert!(download_cut(&mut w, Duration::from_secs(3)));
    // New requests go to s1.
    let mut w = start_download(port);
    assert!(!download_cut(&mut w, Duration::from_millis(500)));
}
