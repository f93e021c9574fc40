//! End-to-end tests of health checks (configuration manual 5.2 `check`, `inter`, `rise`,
//! `fall`, `agent-check`, `check-send-proxy`; 4.2 `option httpchk`, `http-check`,
//! `tcp-check`, `option redis-check|smtpchk|mysql-check|pgsql-check|ldap-check`): the real
//! binary against servers written here (and nginx), checking what traffic does and the
//! messages printed on stderr, which are HAProxy 2.6's own words.
//!
//! The expected messages were taken from HAProxy 2.6: run the file with
//! `RAMPART_UNDER_TEST=/usr/sbin/haproxy` to check them against it. Durations and pids
//! are masked (`check duration: Nms`). Intervals are short (100-300 ms); waits are bounded
//! generously and never assert a speed.

#![allow(clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

const WAIT: Duration = Duration::from_secs(10);

fn global_defaults(mode: &str, extra: &str) -> String {
    format!(
        "global\n\
         defaults\n\
         \x20   mode {mode}\n\
         \x20   timeout connect 1s\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         {extra}"
    )
}

/// An HTTP server answering `200` with its `name` as body, `503` on `/bad`, `404` on
/// `/missing`.
fn http_server(port: u16, name: &'static str) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        let mut buf = Vec::new();
        let mut b = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&b[..n]),
            }
        }
        let req = String::from_utf8_lossy(&buf);
        let path = req.split_whitespace().nth(1).unwrap_or("/");
        let (status, body) = match path {
            "/bad" => ("503 Service Unavailable", "down"),
            "/missing" => ("404 Not Found", "none"),
            _ => ("200 OK", name),
        };
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    })
}

/// A server that answers each connection with `script`: a list of (expected prefix of
/// what the client sends, reply) exchanges; an empty expectation replies at once.
fn scripted(port: u16, script: Vec<(&'static [u8], Vec<u8>)>) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        for (want, reply) in &script {
            let mut got = Vec::new();
            let mut b = [0u8; 512];
            while got.len() < want.len() {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&b[..n]),
                }
            }
            if !got.starts_with(want) {
                return;
            }
            if s.write_all(reply).is_err() {
                return;
            }
        }
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
    })
}

// ---------------------------------------------------------------------------------------
// State changes and traffic

#[test]
fn dead_server_leaves_rotation_and_comes_back() {
    let dir = TempDir::new("chk-failover");
    let base = free_ports(3);
    let (fe, p1, p2) = (base, base + 1, base + 2);
    let s1 = http_server(p1, "one");
    let _s2 = http_server(p2, "two");
    let cfg = format!(
        "{}frontend fe\n    bind 127.0.0.1:{fe}\n    default_backend be\n\
         backend be\n    option redispatch\n    retries 2\n\
         \x20   server s1 127.0.0.1:{p1} check inter 100 fall 2 rise 2\n\
         \x20   server s2 127.0.0.1:{p2} check inter 100 fall 2 rise 2\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    // Both serve.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..6 {
        let (st, body) = http_get(connect(local(fe)), "/");
        assert_eq!(st, 200);
        seen.insert(body);
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    // s1 dies: detected within inter x fall (plus scheduling slack), and no request fails.
    let killed = Instant::now();
    drop(s1);
    let msg = wait_message(&proxy, "Server be/s1 is DOWN", WAIT);
    let detected = killed.elapsed();
    eprintln!("detected after {detected:?}");
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server be/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: Nms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert!(detected < Duration::from_secs(3), "{detected:?}");
    for _ in 0..10 {
        let (st, body) = http_get(connect(local(fe)), "/");
        assert_eq!((st, body.as_str()), (200, "two"));
    }
    // s1 comes back: it re-enters after rise x inter.
    let s1 = http_server(p1, "one");
    let msg = wait_message(&proxy, "Server be/s1 is UP", WAIT);
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server be/s1 is UP, reason: Layer4 check passed, check duration: Nms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
    );
    let mut seen = std::collections::HashSet::new();
    for _ in 0..6 {
        seen.insert(http_get(connect(local(fe)), "/").1);
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    drop(s1);
}

#[test]
fn traffic_flows_while_a_server_dies() {
    let dir = TempDir::new("chk-traffic");
    let base = free_ports(3);
    let (fe, p1, p2) = (base, base + 1, base + 2);
    let s1 = http_server(p1, "one");
    let _s2 = http_server(p2, "two");
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    option redispatch\n    retries 3\n\
         \x20   server s1 127.0.0.1:{p1} check inter 100 fall 2\n\
         \x20   server s2 127.0.0.1:{p2} check inter 100 fall 2\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    let failed = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (f2, d2) = (failed.clone(), done.clone());
    let load = std::thread::spawn(move || {
        for _ in 0..300 {
            let mut s = connect(local(fe));
            let _ = s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            let r = read_until_closed(&mut s, 1 << 16);
            if !r.starts_with(b"HTTP/1.1 200") {
                f2.fetch_add(1, Ordering::SeqCst);
            }
            d2.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    drop(s1);
    wait_message(&proxy, "Server l/s1 is DOWN", WAIT);
    let _ = load.join();
    assert_eq!(done.load(Ordering::SeqCst), 300);
    // With `option redispatch`, requests sent to the dead server before it was marked
    // down go to the other one: none fails.
    assert_eq!(failed.load(Ordering::SeqCst), 0);
}

#[test]
fn backup_takes_over_and_backend_down_alert() {
    let dir = TempDir::new("chk-backup");
    let base = free_ports(3);
    let (fe, p1, p2) = (base, base + 1, base + 2);
    let s1 = http_server(p1, "one");
    let s2 = http_server(p2, "two");
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n\
         \x20   server s1 127.0.0.1:{p1} check inter 100 fall 1\n\
         \x20   server b1 127.0.0.1:{p2} check inter 100 fall 1 backup\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    assert_eq!(http_get(connect(local(fe)), "/").1, "one");
    drop(s1);
    let m = wait_message(&proxy, "Server l/s1 is DOWN", WAIT);
    assert!(
        m.ends_with("0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue."),
        "{m}"
    );
    assert_eq!(http_get(connect(local(fe)), "/").1, "two");
    drop(s2);
    let m = wait_message(&proxy, "Backup Server l/b1 is DOWN", WAIT);
    assert!(m.contains("0 active and 0 backup servers left."), "{m}");
    let m = wait_message(&proxy, "has no server available", WAIT);
    assert_eq!(m, "[ALERT]    (PID) : proxy 'l' has no server available!");
    assert_eq!(http_get(connect(local(fe)), "/").0, 503);
}

// ---------------------------------------------------------------------------------------
// HTTP checks

#[test]
fn httpchk_status_and_string() {
    let dir = TempDir::new("chk-http");
    let base = free_ports(2);
    let (fe, p1) = (base, base + 1);
    let _o = http_server(p1, "alive");
    let cfg = format!(
        "{}listen a\n    bind 127.0.0.1:{fe}\n    option httpchk GET /bad\n    server s 127.0.0.1:{p1} check inter 100\n\
         backend b\n    option httpchk GET /\n    http-check expect string nope\n    server s 127.0.0.1:{p1} check inter 100\n\
         backend c\n    option httpchk\n    http-check send meth GET uri /missing\n    http-check expect status 404\n    server s 127.0.0.1:{p1} check inter 100 fall 1\n\
         backend d\n    option httpchk GET /\n    http-check expect ! string alive\n    server s 127.0.0.1:{p1} check inter 100\n\
         backend e\n    option httpchk GET /\n    option log-health-checks\n\
         \x20   http-check expect hdr name -m reg \"^CONTENT-len[a-z]+\\$\"\n    server s 127.0.0.1:{p1} check inter 100\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    // Header names match regexes regardless of case (checks/http-check-expect.vtc).
    assert_eq!(
        wait_message(&proxy, "Health check for server e/s", WAIT),
        "[WARNING]  (PID) : Health check for server e/s succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 3/3 UP."
    );
    assert_eq!(
        wait_message(&proxy, "Server a/s is DOWN", WAIT),
        "[WARNING]  (PID) : Server a/s is DOWN, reason: Layer7 wrong status, code: 503, info: \"Service Unavailable\", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert_eq!(
        wait_message(&proxy, "Server b/s is DOWN", WAIT),
        "[WARNING]  (PID) : Server b/s is DOWN, reason: Layer7 invalid response, info: \"HTTP content check did not match\", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert!(wait_message(&proxy, "Server d/s is DOWN", WAIT).contains(
        "reason: Layer7 invalid response, info: \"HTTP check matched unwanted content\""
    ));
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !runtime_messages(&proxy).iter().any(|m| m.contains("c/s")),
        "{:#?}",
        runtime_messages(&proxy)
    );
}

#[test]
fn httpchk_against_nginx() {
    let dir = TempDir::new("chk-nginx");
    let base = free_ports(2);
    let (fe, ng) = (base, base + 1);
    let conf = nginx_conf(&format!(
        "server {{ listen 127.0.0.1:{ng}; location = /health {{ return 200 \"ok\\n\"; }} }}"
    ));
    let _nginx = Launch::nginx("nginx", &dir, &conf)
        .ready_tcp(local(ng))
        .spawn();
    let cfg = format!(
        "{}listen good\n    bind 127.0.0.1:{fe}\n    option httpchk GET /health HTTP/1.1\\r\\nHost:\\ localhost\n    option log-health-checks\n    server n 127.0.0.1:{ng} check inter 200\n\
         backend bad\n    option httpchk GET /nope\n    server n 127.0.0.1:{ng} check inter 200\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    let m = wait_message(&proxy, "Server bad/n is DOWN", WAIT);
    assert!(
        m.contains("reason: Layer7 wrong status, code: 404, info: \"Not Found\""),
        "{m}"
    );
    let m = wait_message(&proxy, "Health check for server good/n succeeded", WAIT);
    assert_eq!(
        m,
        "[WARNING]  (PID) : Health check for server good/n succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 3/3 UP."
    );
}

// ---------------------------------------------------------------------------------------
// tcp-check

#[test]
fn tcp_check_sequences() {
    let dir = TempDir::new("chk-tcp");
    let base = free_ports(3);
    let (fe, p1, p2) = (base, base + 1, base + 2);
    let _a = scripted(
        p1,
        vec![
            (b"", b"hello\r\n".to_vec()),
            (b"PING\r\n", b"+PONG\r\n".to_vec()),
        ],
    );
    // Answers and closes: the data is all there is.
    let _b = TestServer::tcp(p2, |mut s| {
        let _ = s.write_all(b"-ERR nope\r\n");
    });
    let cfg = format!(
        "{}listen ok\n    bind 127.0.0.1:{fe}\n    option tcp-check\n    option log-health-checks\n\
         \x20   tcp-check expect string hello\n    tcp-check send PING\\r\\n\n    tcp-check expect string +PONG\n\
         \x20   server s 127.0.0.1:{p1} check inter 200\n\
         backend ko\n    option tcp-check\n    tcp-check comment greeting\n    tcp-check expect string hello\n\
         \x20   server s 127.0.0.1:{p2} check inter 200\n\
         backend refused\n    option tcp-check\n    tcp-check connect port {fe}\n    tcp-check connect port 1\n    server s 127.0.0.1:{p2} check inter 200\n",
        global_defaults("tcp", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    assert_eq!(
        wait_message(&proxy, "Health check for server ok/s", WAIT),
        "[WARNING]  (PID) : Health check for server ok/s succeeded, reason: Layer7 check passed, code: 0, info: \"(tcp-check)\", check duration: Nms, status: 3/3 UP."
    );
    assert_eq!(
        wait_message(&proxy, "Server ko/s is DOWN", WAIT),
        "[WARNING]  (PID) : Server ko/s is DOWN, reason: Layer7 invalid response, info: \"TCPCHK did not match content 'hello' at step 2 comment: greeting\", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert_eq!(
        wait_message(&proxy, "Server refused/s is DOWN", WAIT),
        "[WARNING]  (PID) : Server refused/s is DOWN, reason: Layer4 connection problem, info: \"Connection refused at step 2 of tcp-check (connect port 1)\", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
}

// ---------------------------------------------------------------------------------------
// Protocol checks

/// A MySQL server's initial handshake (protocol 10) and an OK packet.
fn mysql_greeting() -> Vec<u8> {
    let mut body = vec![10u8];
    body.extend_from_slice(b"8.0.36-fake\0");
    body.extend_from_slice(&[1, 0, 0, 0]);
    body.extend_from_slice(b"abcdefgh\0");
    body.extend_from_slice(&[0xff, 0xf7, 0x21, 0x02, 0x00, 0xff, 0x81, 21]);
    body.extend_from_slice(&[0; 10]);
    body.extend_from_slice(b"ijklmnopqrst\0");
    body.extend_from_slice(b"mysql_native_password\0");
    let mut p = vec![body.len() as u8, 0, 0, 0];
    p.extend_from_slice(&body);
    p
}

#[test]
fn protocol_checks_against_fakes() {
    let dir = TempDir::new("chk-proto");
    let base = free_ports(8);
    let fe = base;
    let _redis = scripted(
        base + 1,
        vec![(b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n".to_vec())],
    );
    let _smtp = scripted(
        base + 2,
        vec![
            (b"", b"220 mx.test ESMTP ready\r\n".to_vec()),
            (b"HELO localhost\r\n", b"250 mx.test hello\r\n".to_vec()),
            (b"QUIT\r\n", b"221 bye\r\n".to_vec()),
        ],
    );
    let _mysql = scripted(
        base + 3,
        vec![
            (b"", mysql_greeting()),
            (b"", vec![7, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]),
        ],
    );
    let _pgsql = scripted(
        base + 4,
        vec![(
            b"\x00\x00\x00",
            b"R\x00\x00\x00\x08\x00\x00\x00\x00".to_vec(),
        )],
    );
    let _ldap = scripted(
        base + 5,
        vec![(
            b"\x30\x0c",
            vec![
                0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
            ],
        )],
    );
    // Answers and closes (a server that keeps the connection makes HAProxy wait for
    // more data, until the check times out).
    let _redis_bad = TestServer::tcp(base + 6, |mut s| {
        let mut b = [0u8; 64];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"-ERR auth required\r\n");
    });
    // An ErrorResponse: its text, from the 7th byte, ends at a NUL (checks/pgsql-check.vtc).
    let _pgsql_bad = TestServer::tcp(base + 7, |mut s| {
        let mut b = [0u8; 64];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"E\x00\x00\x00\x0bSFATAL\x00");
    });
    let srv = |n: u16| format!("    server s 127.0.0.1:{} check inter 200\n", base + n);
    let cfg = format!(
        "{}listen redis\n    bind 127.0.0.1:{fe}\n    option redis-check\n{}\
         backend smtp\n    option smtpchk\n{}\
         backend mysql\n    option mysql-check user haproxy\n{}\
         backend pgsql\n    option pgsql-check user haproxy\n{}\
         backend ldap\n    option ldap-check\n{}\
         backend redis_bad\n    option redis-check\n{}\
         backend pgsql_bad\n    option pgsql-check user haproxy\n{}",
        global_defaults("tcp", "    option log-health-checks\n"),
        srv(1),
        srv(2),
        srv(3),
        srv(4),
        srv(5),
        srv(6),
        srv(7)
    );
    let proxy = foreground(&dir, &cfg, fe);
    let ok = |name: &str, info: &str| {
        let m = wait_message(&proxy, &format!("Health check for server {name}/s "), WAIT);
        assert_eq!(
            m,
            format!("[WARNING]  (PID) : Health check for server {name}/s succeeded, reason: Layer7 check passed, code: 0{info}, check duration: Nms, status: 3/3 UP.")
        );
    };
    ok("redis", ", info: \"Redis server is ok\"");
    let m = wait_message(&proxy, "Health check for server smtp/s ", WAIT);
    // The code is the SMTP reply's (`status-code res.payload(0,3)`).
    assert_eq!(m, "[WARNING]  (PID) : Health check for server smtp/s succeeded, reason: Layer7 check passed, code: 221, info: \"bye\", check duration: Nms, status: 3/3 UP.");
    ok("mysql", ", info: \"8.0.36-fake\"");
    ok("pgsql", ", info: \"PostgreSQL server is ok\"");
    ok("ldap", ", info: \"Success\"");
    let m = wait_message(&proxy, "Health check for server redis_bad/s", WAIT);
    assert_eq!(
        m,
        "[WARNING]  (PID) : Health check for server redis_bad/s failed, reason: Layer7 wrong status, code: 0, info: \"-ERR auth required\", check duration: Nms, status: 0/2 DOWN."
    );
    let m = wait_message(&proxy, "Health check for server pgsql_bad/s", WAIT);
    assert_eq!(
        m,
        "[WARNING]  (PID) : Health check for server pgsql_bad/s failed, reason: Layer7 invalid response, info: \"FATAL\", check duration: Nms, status: 0/2 DOWN."
    );
}

// ---------------------------------------------------------------------------------------
// Agent checks

#[test]
fn agent_changes_weight_and_state() {
    let dir = TempDir::new("chk-agent");
    let base = free_ports(3);
    let (fe, p1, agent) = (base, base + 1, base + 2);
    let _o = http_server(p1, "one");
    let reply = Arc::new(Mutex::new(String::from("up 50%\n")));
    let r2 = reply.clone();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let s2 = sent.clone();
    let _agent = TestServer::tcp(agent, move |mut s| {
        let mut b = [0u8; 64];
        s.set_read_timeout(Some(Duration::from_millis(200)));
        if let Ok(n) = s.read(&mut b) {
            if let Ok(mut v) = s2.lock() {
                v.push(b[..n].to_vec());
            }
        }
        let line = r2.lock().map(|g| g.clone()).unwrap_or_default();
        let _ = s.write_all(line.as_bytes());
    });
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n\
         \x20   server s 127.0.0.1:{p1} weight 10 agent-check agent-port {agent} agent-inter 100 agent-send hello\\n\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    assert!(wait_until(WAIT, || sent
        .lock()
        .map(|v| !v.is_empty())
        .unwrap_or(false)));
    assert_eq!(
        sent.lock().map(|v| v[0].clone()).unwrap_or_default(),
        b"hello\n"
    );
    assert_eq!(http_get(connect(local(fe)), "/").0, 200);
    *reply.lock().expect("lock") = "down #maintenance window\n".into();
    assert_eq!(
        wait_message(&proxy, "Server l/s is DOWN", WAIT),
        "[WARNING]  (PID) : Server l/s is DOWN, reason: Layer7 wrong status, code: 0, info: \"via agent : down (maintenance window)\", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert_eq!(http_get(connect(local(fe)), "/").0, 503);
    *reply.lock().expect("lock") = "up\n".into();
    let m = wait_message(&proxy, "Server l/s is UP", WAIT);
    assert!(m.contains("info: \"via agent : up\""), "{m}");
    assert_eq!(http_get(connect(local(fe)), "/").0, 200);
    *reply.lock().expect("lock") = "maint\n".into();
    wait_message(&proxy, "Server l/s is going DOWN for maintenance", WAIT);
    // Its last usable server gone, the backend says so, as it did for `down`
    // (checks/agent-check.vtc).
    let alerts = || {
        runtime_messages(&proxy)
            .into_iter()
            .filter(|m| m == "[ALERT]    (PID) : proxy 'l' has no server available!")
            .count()
    };
    assert!(
        wait_until(WAIT, || alerts() == 2),
        "{:#?}",
        runtime_messages(&proxy)
    );
    assert_eq!(http_get(connect(local(fe)), "/").0, 503);
    *reply.lock().expect("lock") = "ready\n".into();
    wait_message(
        &proxy,
        "Server l/s is UP/READY (leaving forced maintenance)",
        WAIT,
    );
    assert!(wait_until(WAIT, || http_get(connect(local(fe)), "/").0 == 200));
}

/// An origin that answers `200` after holding each request while `gate` is closed (20 ms
/// at least), counting the requests it holds at once in `busy` and their peak in `peak`.
fn gated_origin(port: u16, gate: Arc<AtomicUsize>, busy: Arc<AtomicUsize>) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        let mut buf = Vec::new();
        let mut b = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&b[..n]),
            }
        }
        busy.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        // Held at most 15 s, below the clients' I/O timeout.
        wait_until(Duration::from_secs(15), || gate.load(Ordering::SeqCst) == 1);
        busy.fetch_sub(1, Ordering::SeqCst);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    })
}

/// `n` clients sending one request each at the same time; returns their threads.
fn concurrent_gets(fe: u16, n: usize) -> Vec<std::thread::JoinHandle<u16>> {
    let start = Arc::new(std::sync::Barrier::new(n));
    (0..n)
        .map(|i| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                http_get(connect(local(fe)), &format!("/r{i}")).0
            })
        })
        .collect()
}

#[test]
fn agent_maxconn_changes_the_limit_at_run_time() {
    // The agent's `maxconn:N` is the server's limit from then on; streams beyond it wait
    // in the queue, and a raised limit lets the waiting ones in at once.
    let dir = TempDir::new("chk-agent-maxconn");
    let base = free_ports(3);
    let (fe, p1, agent) = (base, base + 1, base + 2);
    let gate = Arc::new(AtomicUsize::new(1));
    let busy = Arc::new(AtomicUsize::new(0));
    let _o = gated_origin(p1, gate.clone(), busy.clone());
    let reply = Arc::new(Mutex::new(String::from("maxconn:1\n")));
    let r2 = reply.clone();
    let _agent = TestServer::tcp(agent, move |mut s| {
        let line = r2.lock().map(|g| g.clone()).unwrap_or_default();
        let _ = s.write_all(line.as_bytes());
    });
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    timeout queue 30s\n\
         \x20   server s 127.0.0.1:{p1} agent-check agent-port {agent} agent-inter 100\n",
        global_defaults("http", "")
    );
    let _proxy = foreground(&dir, &cfg, fe);
    // A reply is applied before the agent's next connection.
    let applied = |n: usize| assert!(wait_until(WAIT, || _agent.accepted() >= n));
    applied(2);
    // maxconn:1 — 50 clients at once: the origin never holds more than one request.
    let peak = Arc::new(AtomicUsize::new(0));
    let watching = Arc::new(AtomicUsize::new(1));
    let watcher = {
        let (busy, peak, watching) = (busy.clone(), peak.clone(), watching.clone());
        std::thread::spawn(move || {
            // Bounded: 60 s at most.
            for _ in 0..60_000 {
                if watching.load(Ordering::SeqCst) == 0 {
                    break;
                }
                peak.fetch_max(busy.load(Ordering::SeqCst), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    for c in concurrent_gets(fe, 50) {
        assert_eq!(c.join().expect("client"), 200);
    }
    assert_eq!(peak.load(Ordering::SeqCst), 1);
    // Held requests: one reaches the origin, 49 wait in the queue.
    gate.store(0, Ordering::SeqCst);
    let clients = concurrent_gets(fe, 50);
    assert!(wait_until(WAIT, || busy.load(Ordering::SeqCst) == 1));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(busy.load(Ordering::SeqCst), 1);
    // maxconn:10 — while the first request is still held, nine more reach the origin:
    // the raised limit took them out of the queue by itself.
    *reply.lock().expect("lock") = "maxconn:10\n".into();
    assert!(
        wait_until(WAIT, || busy.load(Ordering::SeqCst) == 10),
        "{} held",
        busy.load(Ordering::SeqCst)
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(busy.load(Ordering::SeqCst), 10);
    gate.store(1, Ordering::SeqCst);
    for c in clients {
        assert_eq!(c.join().expect("client"), 200);
    }
    watching.store(0, Ordering::SeqCst);
    let _ = watcher.join();
    assert_eq!(peak.load(Ordering::SeqCst), 10);
}

#[test]
fn agent_maxconn_warnings_reach_the_report() {
    // A `maxconn:` HAProxy cannot read changes nothing and is quoted when the server
    // comes back up.
    let dir = TempDir::new("chk-agent-maxconn-warn");
    let base = free_ports(3);
    let (fe, p1, agent) = (base, base + 1, base + 2);
    let _o = http_server(p1, "one");
    let reply = Arc::new(Mutex::new(String::from("down\n")));
    let r2 = reply.clone();
    let _agent = TestServer::tcp(agent, move |mut s| {
        let line = r2.lock().map(|g| g.clone()).unwrap_or_default();
        let _ = s.write_all(line.as_bytes());
    });
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n\
         \x20   server s 127.0.0.1:{p1} agent-check agent-port {agent} agent-inter 100\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    wait_message(&proxy, "Server l/s is DOWN", WAIT);
    *reply.lock().expect("lock") = "up maxconn:x1\n".into();
    let m = wait_message(&proxy, "Server l/s is UP", WAIT);
    assert!(
        m.contains("info: \"via agent : up (maxconn string empty or preceded by garbage)\""),
        "{m}"
    );
    *reply.lock().expect("lock") = "down\n".into();
    assert!(wait_until(WAIT, || runtime_messages(&proxy)
        .iter()
        .filter(|m| m.contains("Server l/s is DOWN"))
        .count()
        == 2));
    *reply.lock().expect("lock") = "up maxconn:5x\n".into();
    assert!(wait_until(WAIT, || runtime_messages(&proxy).iter().any(
        |m| m.contains("via agent : up (Trailing garbage in maxconn string)")
    )));
}

// ---------------------------------------------------------------------------------------
// check-send-proxy, track

#[test]
fn check_send_proxy_sends_a_proxy_header() {
    let dir = TempDir::new("chk-pp");
    let base = free_ports(2);
    let (fe, p1) = (base, base + 1);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let _srv = TestServer::tcp(p1, move |s| {
        let mut r = BufReader::new(s);
        let mut line = String::new();
        if r.read_line(&mut line).is_ok() {
            if let Ok(mut v) = l2.lock() {
                v.push(line);
            }
        }
    });
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    server s 127.0.0.1:{p1} check inter 200 check-send-proxy\n",
        global_defaults("tcp", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    assert!(wait_until(WAIT, || lines
        .lock()
        .map(|v| !v.is_empty())
        .unwrap_or(false)));
    let first = lines.lock().map(|v| v[0].clone()).unwrap_or_default();
    // Version 1 with the check connection's own addresses, as HAProxy sends it.
    let prefix = "PROXY TCP4 127.0.0.1 127.0.0.1 ";
    assert!(first.starts_with(prefix), "{first:?}");
    assert!(first.ends_with(&format!(" {p1}\r\n")), "{first:?}");
    assert!(!runtime_messages(&proxy).iter().any(|m| m.contains("DOWN")));
}

#[test]
fn tracking_server_follows_its_target() {
    let dir = TempDir::new("chk-track");
    let base = free_ports(3);
    let (fe, p1, p2) = (base, base + 1, base + 2);
    let s1 = http_server(p1, "one");
    let _s2 = http_server(p2, "two");
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    server s1 127.0.0.1:{p1} check inter 100 fall 1\n    server s2 127.0.0.1:{p2} track s1\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    std::thread::sleep(Duration::from_millis(300));
    drop(s1);
    wait_message(&proxy, "Server l/s1 is DOWN", WAIT);
    assert_eq!(
        wait_message(&proxy, "Server l/s2 is DOWN", WAIT),
        "[WARNING]  (PID) : Server l/s2 is DOWN via l/s1. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert_eq!(http_get(connect(local(fe)), "/").0, 503);
}

#[test]
fn disable_on_404_puts_the_server_in_nolb() {
    let dir = TempDir::new("chk-404");
    let base = free_ports(3);
    let (fe, p1, p2) = (base, base + 1, base + 2);
    let _a = http_server(p1, "one");
    let _b = http_server(p2, "two");
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    option httpchk GET /missing\n    http-check disable-on-404\n\
         \x20   server s1 127.0.0.1:{p1} check inter 100\n\
         backend other\n    option httpchk GET /\n    http-check disable-on-404\n    server s2 127.0.0.1:{p2} check inter 100\n",
        global_defaults("http", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    assert_eq!(
        wait_message(&proxy, "Server l/s1 is stopping", WAIT),
        "[WARNING]  (PID) : Server l/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: Nms. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
    );
    // No new traffic goes to a stopping server.
    assert_eq!(http_get(connect(local(fe)), "/").0, 503);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!runtime_messages(&proxy)
        .iter()
        .any(|m| m.contains("other/s2")));
}

// ---------------------------------------------------------------------------------------
// Found by HAProxy's reg-tests (checks/*.vtc)

/// `global` with a `stats socket` in `dir`, then [`global_defaults`].
fn with_stats_socket(dir: &TempDir, mode: &str) -> String {
    format!(
        "global\n    stats socket {}\n{}",
        dir.join("stats.sock").display(),
        global_defaults(mode, "")
    )
}

#[test]
fn checks_run_without_any_bind() {
    // The reg-tests run backends alone: the `stats socket` is the only listener, and the
    // process lives (and checks) until it is stopped.
    let dir = TempDir::new("chk-nobind");
    let p1 = free_ports(1);
    let _s = http_server(p1, "one");
    let cfg = format!(
        "{}backend be\n    option log-health-checks\n    server s 127.0.0.1:{p1} check inter 100\n",
        with_stats_socket(&dir, "tcp")
    );
    let mut proxy = Launch::rampart("proxy", &dir, &cfg)
        .arg("-db")
        .spawn_no_wait();
    assert_eq!(
        wait_message(&proxy, "Health check for server be/s", WAIT),
        "[WARNING]  (PID) : Health check for server be/s succeeded, reason: Layer4 check passed, check duration: Nms, status: 3/3 UP."
    );
    proxy.assert_running();
}

#[test]
fn no_listener_at_all_refuses_to_run() {
    let dir = TempDir::new("chk-nolistener");
    let p1 = free_ports(1);
    let cfg = format!(
        "{}backend be\n    server s 127.0.0.1:{p1} check inter 100\n",
        global_defaults("tcp", "")
    );
    let mut proxy = Launch::rampart("proxy", &dir, &cfg)
        .arg("-db")
        .spawn_no_wait();
    let st = proxy.expect_exit(WAIT);
    assert_eq!(st.code(), Some(1), "{}", proxy.stderr());
    let alert = ".main()] No enabled listener found (check for 'bind' directives) ! Exiting.";
    assert!(
        proxy
            .stderr()
            .lines()
            .any(|l| l.starts_with("[ALERT]") && l.ends_with(alert)),
        "{}",
        proxy.stderr()
    );
}

#[test]
fn layer4_checks_never_reach_the_accept_queue() {
    // A server that never accepts, with a short accept queue: a layer-4 check connects
    // and resets before its last handshake ACK leaves (HAProxy's delayed ACK), so no
    // connection ever waits in the queue and the server stays up
    // (checks/1be_40srv_odd_health_checks.vtc).
    use socket2::{Domain, Socket, Type};
    let dir = TempDir::new("chk-noaccept");
    let base = free_ports(2);
    let (fe, p1) = (base, base + 1);
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    l.set_reuse_address(true).expect("SO_REUSEADDR");
    l.bind(&local(p1).into()).expect("bind");
    l.listen(1).expect("listen");
    l.set_nonblocking(true).expect("non-blocking");
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    option log-health-checks\n\
         \x20   server s 127.0.0.1:{p1} check inter 100 fall 1 rise 1\n",
        global_defaults("tcp", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    wait_message(&proxy, "Health check for server l/s succeeded", WAIT);
    // About 15 more checks, several times what the queue holds.
    std::thread::sleep(Duration::from_millis(1500));
    let msgs = runtime_messages(&proxy);
    assert!(
        !msgs
            .iter()
            .any(|m| m.contains("failed") || m.contains("DOWN")),
        "{msgs:#?}"
    );
    match l.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("a check connection reached the accept queue: {other:?}"),
    }
}

#[test]
fn connect_failing_at_once_is_a_general_socket_error() {
    // `connect(2)` refuses at once (no route to the broadcast address): HAProxy names its
    // connection error code (checks/4be_1srv_smtpchk_httpchk_layer47errors.vtc).
    let dir = TempDir::new("chk-unreach");
    let base = free_ports(2);
    let (fe, p1) = (base, base + 1);
    let cfg = format!(
        "{}listen l\n    bind 127.0.0.1:{fe}\n    server s 255.255.255.255:{p1} check inter 100 fall 1\n",
        global_defaults("tcp", "")
    );
    let proxy = foreground(&dir, &cfg, fe);
    assert_eq!(
        wait_message(&proxy, "Server l/s is DOWN", WAIT),
        "[WARNING]  (PID) : Server l/s is DOWN, reason: Layer4 connection problem, info: \"General socket error (Network is unreachable)\", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
}
