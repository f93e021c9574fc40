//! Differential test of traffic logs: one configuration runs in Debian's HAProxy 2.6
//! and in Rampart, each logging over UDP syslog to a socket of the test, each in front
//! of its own origin (in the test, answering the same way). The same traffic goes to
//! both, one exchange at a time, and the log lines must be identical once what cannot
//! be equal is masked: the syslog header (date, program, pid), the client port, the
//! accept date and the timers' values (a timer's `-1`, "not reached", is kept).
//!
//! The exchanges provoke the default formats (`option httplog`, `option tcplog`, a
//! `log-format` with many variables) on every common ending: a relayed response, a
//! `deny`, a `return`, a redirection, no server available, a server that times out,
//! closes without answering or answers junk, an invalid request, a request that times
//! out, a client that connects and closes, a TCP tunnel; with request and response
//! header captures.
//!
//! `LOGS_DUMP=1` prints both proxies' lines.

#![allow(clippy::expect_used)]

mod httpkit;
mod support;

use httpkit::*;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

fn config(http: u16, tcp: u16, custom: u16, plain: u16, origin: u16, udp: u16) -> String {
    format!(
        r#"global
    nbthread 1

defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 400ms
    timeout http-request 300ms

frontend fe
    bind 127.0.0.1:{http}
    log 127.0.0.1:{udp} local0
    option httplog
    capture request header User-Agent len 10
    capture response header Content-Type len 20
    http-request deny if {{ path /deny }}
    http-request return status 200 content-type text/plain string ok if {{ path /ret }}
    http-request redirect location /x if {{ path /redir }}
    use_backend nosrv if {{ path /nosrv }}
    default_backend be

backend be
    server s1 127.0.0.1:{origin}

backend nosrv
    server s1 127.0.0.1:{origin} disabled

frontend fc
    bind 127.0.0.1:{custom}
    log 127.0.0.1:{udp} local0
    log-format "%ci %f %b %s %ST %B %U %ts %tsc %{{+Q}}HM %HU %HV %HP %HPO %HQ %[fe_name] %{{+Q}}[var(txn.x)] %{{-M}}[var(txn.y)] %[var(txn.z)] %{{+Q}}o %b %r %ID %rt %{{+X}}rt %[unique-id]"
    unique-id-format %{{+X}}o%ci-%rt
    unique-id-header X-Unique-ID
    http-request set-var(txn.x) str(hello)
    default_backend be

frontend fn
    bind 127.0.0.1:{plain}
    log 127.0.0.1:{udp} local0
    default_backend be

frontend ft
    mode tcp
    bind 127.0.0.1:{tcp}
    log 127.0.0.1:{udp} local0
    option tcplog
    default_backend bt

backend bt
    mode tcp
    server s1 127.0.0.1:{origin}
"#
    )
}

/// Collects datagrams on a UDP socket.
struct Collector {
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    fn start() -> Collector {
        let port = free_port();
        let sock = UdpSocket::bind(("127.0.0.1", port)).expect("bind udp");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let l2 = lines.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            // Bounded: the test ends long before.
            for _ in 0..3000 {
                if let Ok(n) = sock.recv(&mut buf) {
                    let s = String::from_utf8_lossy(&buf[..n]).into_owned();
                    l2.lock().unwrap_or_else(|e| e.into_inner()).push(s);
                }
            }
        });
        Collector { port, lines }
    }

    fn count(&self) -> usize {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Waits for the next line (bounded) and returns its message part.
    fn next(&self, seen: &mut usize) -> String {
        wait_until(Duration::from_secs(5), || self.count() > *seen);
        let l = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let Some(line) = l.get(*seen).cloned() else {
            return "<no line>".into();
        };
        *seen += 1;
        // "<134>date tag[pid]: message"
        match line.find("]: ") {
            Some(i) => line[i + 3..].trim_end_matches('\n').to_string(),
            None => line,
        }
    }
}

/// Masks what differs between two runs: the client port, the accept date and the
/// values of the timers (a `-1` stays).
fn mask(line: &str) -> String {
    let mut out = Vec::new();
    for (i, w) in line.split(' ').enumerate() {
        let w = if w.starts_with("127.0.0.1:") && line.starts_with("Connect from") {
            "127.0.0.1:P".to_string()
        } else if let Some(rest) = w.strip_prefix("127.0.0.1:") {
            if rest.chars().all(|c| c.is_ascii_digit()) {
                "127.0.0.1:P".to_string()
            } else {
                w.to_string()
            }
        } else if w.starts_with('[') && w.contains("/20") {
            "[DATE]".to_string()
        } else if i == 4 && w.contains('/') {
            // The timers field of httplog and tcplog.
            w.split('/')
                .map(|t| if t == "-1" { "-1" } else { "T" })
                .collect::<Vec<_>>()
                .join("/")
        } else {
            w.to_string()
        };
        out.push(w);
    }
    out.join(" ")
}

/// One proxy under test with its origin and log socket.
struct Side {
    http: u16,
    tcp: u16,
    custom: u16,
    plain: u16,
    logs: Collector,
    seen: usize,
    _origin: Origin,
    _proc: Proc,
}

fn origin_answer(m: &Msg, _: usize) -> Answer {
    match m.start.split(' ').nth(1).unwrap_or_default() {
        "/slow" => Answer::ok("late").after(Duration::from_millis(1500)),
        "/close" => Answer::raw("", Then::Close),
        "/junk" => Answer::raw("HTTP/1.1 abc\r\n\r\n", Then::Close),
        "/chunked" => Answer::raw(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/x\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            Then::KeepAlive,
        ),
        _ => Answer::ok("hello\n"),
    }
}

fn side(name: &str, dir: &TempDir, haproxy: bool) -> Side {
    let base = free_ports(5);
    let (http, tcp, custom, plain, origin) = (base, base + 1, base + 2, base + 3, base + 4);
    let logs = Collector::start();
    let o = Origin::start(origin, origin_answer);
    let cfg = config(http, tcp, custom, plain, origin, logs.port);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let p = l.ready_tcp(local(http)).spawn();
    Side {
        http,
        tcp,
        custom,
        plain,
        logs,
        seen: 0,
        _origin: o,
        _proc: p,
    }
}

/// What one exchange does, given the ports of a side.
type Step = (&'static str, fn(&Side));

fn get(port: u16, path: &str) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/8.0\r\n\r\n");
    let mut w = Wire::connect(port);
    w.send(req.as_bytes());
    let _ = read_response(&mut w, false);
}

fn raw(port: u16, bytes: &[u8]) {
    let mut w = Wire::connect(port);
    if !bytes.is_empty() {
        w.send(bytes);
    }
    let _ = w.rest_until_close();
}

const STEPS: &[Step] = &[
    ("relayed", |s| get(s.http, "/")),
    ("deny", |s| get(s.http, "/deny")),
    ("return", |s| get(s.http, "/ret")),
    ("redirect", |s| get(s.http, "/redir")),
    ("no server", |s| get(s.http, "/nosrv")),
    ("server timeout", |s| get(s.http, "/slow")),
    ("server closes", |s| get(s.http, "/close")),
    ("junk response", |s| get(s.http, "/junk")),
    ("chunked", |s| get(s.http, "/chunked")),
    ("invalid request", |s| {
        raw(s.http, b"GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n")
    }),
    ("request timeout", |s| raw(s.http, b"GET / HTTP/1.1\r\n")),
    ("empty connection", |s| {
        let w = Wire::connect(s.http);
        drop(w);
    }),
    ("custom format", |s| get(s.custom, "/p/a?q=1")),
    ("no format: connect line", |s| get(s.plain, "/")),
    ("tcp tunnel", |s| {
        let mut w = Wire::connect(s.tcp);
        w.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        let _ = read_response(&mut w, false);
    }),
];

#[test]
fn log_lines_match_haproxy() {
    let dir = TempDir::new("logs-vs-haproxy");
    let mut ha = side("haproxy", &dir, true);
    let mut ra = side("rampart", &dir, false);
    let dump = std::env::var_os("LOGS_DUMP").is_some();
    let mut failures = Vec::new();
    for (what, step) in STEPS {
        step(&ha);
        let h = ha.logs.next(&mut ha.seen);
        step(&ra);
        let r = ra.logs.next(&mut ra.seen);
        if dump {
            eprintln!("{what}\n  haproxy: {h}\n  rampart: {r}");
        }
        if mask(&h) != mask(&r) {
            failures.push(format!("{what}:\n  haproxy: {h}\n  rampart: {r}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // `unique-id-header`: the server received the id the log reports.
    for side in [&ha, &ra] {
        let seen = side._origin.requests();
        let r = seen
            .iter()
            .find(|m| m.start.starts_with("GET /p/a"))
            .expect("the custom frontend's request reached the origin");
        assert_eq!(
            r.header("x-unique-id"),
            Some("7F000001-000C"),
            "{}",
            r.head_text()
        );
    }
}
