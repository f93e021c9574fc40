//! The runtime API's remaining `show` commands (management guide 9.3): `show errors`
//! after the same invalid request and response sent through Rampart and HAProxy 2.6,
//! compared line by line (dates, ports and H1 parser internals masked); `show sess`
//! while a request waits on a slow server, and `shutdown session` cutting it.

#![allow(clippy::expect_used)]

mod support;

use regex::Regex;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// `echo "$input" | socat stdio <addr>`.
fn socat(addr: &str, input: &str) -> String {
    let mut child = Command::new("socat")
        .args(["-t", "2", "stdio", addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat is installed");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().expect("socat runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An origin that answers an invalid response (a space in a header name) to the
/// request for `/bad`, and holds any other request 20 s without answering.
fn origin(port: u16) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            if got.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        if got.starts_with(b"GET /bad ") {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nBad Hdr: x\r\nContent-Length: 0\r\n\r\n");
        } else {
            // Bounded: the test cuts the stream long before.
            for _ in 0..200 {
                std::thread::sleep(Duration::from_millis(100));
                if s.write_all(b"").is_err() {
                    return;
                }
            }
        }
    })
}

struct Side {
    _p: Proc,
    sock: String,
    port: u16,
}

fn start(name: &str, dir: &TempDir, haproxy: bool, origin: u16) -> Side {
    let port = free_ports(1);
    let sock = dir.join(&format!("{name}.sock"));
    let cfg = format!(
        "global\n\
         \x20   stats socket {} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 30s\n\
         \x20   timeout server 30s\n\
         \x20   timeout connect 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{origin}\n",
        sock.display()
    );
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let p = l
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();
    Side {
        _p: p,
        sock: format!("unix-connect:{}", sock.display()),
        port,
    }
}

impl Side {
    fn cli(&self, c: &str) -> String {
        socat(&self.sock, &format!("{c}\n"))
    }

    /// Sends `req` and returns the status line of the answer.
    fn send(&self, req: &[u8]) -> String {
        let mut c = TcpStream::connect(local(self.port)).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(5))).ok();
        c.write_all(req).expect("send");
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        let s = String::from_utf8_lossy(&out).into_owned();
        s.lines().next().unwrap_or_default().to_string()
    }
}

/// `show errors` with what differs between runs masked: dates, client ports, and the
/// H1 parser's internal flags (Rampart prints its nearest equivalent).
fn mask(s: &str) -> String {
    let date = Regex::new(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]").expect("re");
    let port = Regex::new(r"src 127\.0\.0\.1:\d+").expect("re");
    let flags = Regex::new(r"0x[0-9a-f]{8}").expect("re");
    let s = date.replace_all(s, "[DATE]");
    let s = port.replace_all(&s, "src 127.0.0.1:PORT");
    flags.replace_all(&s, "0xFLAGS").into_owned()
}

#[test]
fn show_errors_matches_haproxy() {
    let dir = TempDir::new("cli-show-errors");
    let o = free_ports(1);
    let _origin = origin(o);
    let r = start("rampart", &dir, false, o);
    let h = start("haproxy", &dir, true, o);
    for side in [&r, &h] {
        assert!(side.cli("show errors").contains(" : 0\n"), "nothing yet");
        let bad = side.send(b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
        assert!(bad.contains(" 400 "), "{bad}");
        let bad = side.send(b"GET /bad HTTP/1.1\r\nHost: a\r\n\r\n");
        assert!(bad.contains(" 502 "), "{bad}");
    }
    let (ro, ho) = (r.cli("show errors"), h.cli("show errors"));
    assert!(ro.contains("  00025  Bad Name: x\\r\\n\n"), "{ro}");
    assert!(ro.contains("  00017  Bad Hdr: x\\r\\n\n"), "{ro}");
    assert!(ro.contains(", error at position 28\n"), "{ro}");
    assert!(ro.contains("H1 msg state MSG_HDR_NAME(17)"), "{ro}");
    assert_eq!(mask(&ro), mask(&ho), "rampart:\n{ro}\nhaproxy:\n{ho}");

    for filter in [
        "show errors fe",
        "show errors be",
        "show errors 2 request",
        "show errors be response",
        "show errors fe response",
        "show errors nope",
        "show errors 0",
    ] {
        let (ro, ho) = (r.cli(filter), h.cli(filter));
        assert_eq!(
            mask(&ro),
            mask(&ho),
            "{filter}: rampart:\n{ro}\nhaproxy:\n{ho}"
        );
    }
    assert!(r.cli("show errors nope").starts_with("No such proxy."));
    // Each reports its own build after the 2.6 release it implements.
    for v in [r.cli("show version"), h.cli("show version")] {
        assert!(v.starts_with("2.6.") && v.ends_with("\n\n"), "{v}");
        assert_eq!(v.trim_end().lines().count(), 1, "{v}");
    }
    let only_resp = r.cli("show errors be response");
    assert!(only_resp.contains("invalid response") && !only_resp.contains("invalid request"));
}

#[test]
fn show_sess_then_shutdown_session() {
    let dir = TempDir::new("cli-show-sess");
    let o = free_ports(1);
    let _origin = origin(o);
    let side = start("under-test", &dir, false, o);
    let mut c = TcpStream::connect(local(side.port)).expect("connect");
    let me = c.local_addr().expect("local address");
    c.write_all(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        .expect("send");
    // The stream reaches its server, then waits.
    let mut line = String::new();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(5) {
        line = side
            .cli("show sess")
            .lines()
            .find(|l| l.contains(" fe=fe "))
            .unwrap_or_default()
            .to_string();
        if line.contains("srv=s1") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(line.contains(" proto=tcpv4 "), "{line}");
    assert!(line.contains(&format!(" src={me} ")), "{line}");
    assert!(line.contains(" fe=fe be=be srv=s1 "), "{line}");
    let id = line.split(':').next().expect("an id").to_string();
    assert!(id.starts_with("0x"), "{line}");

    let full = side.cli(&format!("show sess {id}"));
    assert!(full.starts_with(&format!("{id}: [")), "{full}");
    assert!(full.contains(&format!(" source={me}\n")), "{full}");
    assert!(full.contains("  frontend=fe (id=2 mode=http)"), "{full}");
    assert!(full.contains("  backend=be (id=3 mode=http)"), "{full}");
    assert!(full.contains("  server=s1 (id=1)"), "{full}");
    assert_eq!(side.cli("show sess 0x1"), "Session not found.\n\n");

    assert_eq!(
        side.cli("shutdown session 0x12345600"),
        "No such session (use 'show sess').\n\n"
    );
    assert_eq!(
        side.cli("shutdown session"),
        "Session pointer expected (use 'show sess').\n\n"
    );
    assert_eq!(side.cli(&format!("shutdown session {id}")), "\n");
    // The client sees the stream end: HAProxy answers a waiting HTTP stream with its
    // 502 page (and keeps the connection), Rampart closes the connection.
    c.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let t0 = Instant::now();
    let mut buf = [0u8; 1024];
    let ended = match c.read(&mut buf) {
        Ok(0) => true,
        Ok(n) => buf[..n].starts_with(b"HTTP/1.1 502 "),
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    assert!(ended, "the client sees its stream end");
    assert!(t0.elapsed() < Duration::from_secs(8), "cut, not timed out");
    let t1 = Instant::now();
    while t1.elapsed() < Duration::from_secs(5) && side.cli("show sess").contains(" fe=fe ") {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !side.cli("show sess").contains(" fe=fe "),
        "the session is gone"
    );
}
