//! The runtime API's remaining `show` commands (management guide 9.3): `show errors`
//! after the same invalid request and response sent through Rampart and HAProxy 2.6,
//! compared line by line (dates, ports and H1 parser internals masked); `show sess`
//! while a request waits on a slow server, and `shutdown session` cutting it; `show
//! servers conn` and `show stat`'s connection fields after the same connections
//! through both, compared column by column.

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

/// An HTTP origin that keeps connections open and answers every request `ok`.
fn keepalive_origin(port: u16) -> TestServer {
    TestServer::tcp(port, |mut s| {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            while let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                got.drain(..end + 4);
                if s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .is_err()
                {
                    return;
                }
            }
        }
    })
}

/// Sends a request on `c` and reads its `ok` answer.
fn ask(c: &mut TcpStream, path: &str) {
    c.write_all(format!("GET {path} HTTP/1.1\r\nhost: a\r\n\r\n").as_bytes())
        .expect("send");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"\r\n\r\nok") {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => panic!("answer: {}", String::from_utf8_lossy(&got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// `show servers conn` with the port of the address masked and each line's
/// per-thread idle counts sorted (which thread holds a connection is chance).
fn conn_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            if l.starts_with('#') {
                return l.to_string();
            }
            let mut f: Vec<&str> = l.split(' ').collect();
            if f.len() > 3 {
                f[3] = "PORT";
            }
            let mut per_thread: Vec<&str> = f.split_off(f.len().min(13));
            per_thread.sort_unstable();
            f.extend(per_thread);
            f.join(" ")
        })
        .collect()
}

/// `show stat`'s connection fields of the servers: `(pxname/svname, field) -> value`.
fn conn_fields(out: &str) -> Vec<(String, String)> {
    let mut lines = out.lines();
    let head: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("# ")
        .split(',')
        .collect();
    let mut v = Vec::new();
    for l in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split(',').collect();
        if f.get(1)
            .is_some_and(|s| *s == "FRONTEND" || *s == "BACKEND")
        {
            continue;
        }
        for name in [
            "srv_icur",
            "idle_conn_cur",
            "safe_conn_cur",
            "used_conn_cur",
            "need_conn_est",
        ] {
            let i = head.iter().position(|h| *h == name).expect(name);
            v.push((
                format!("{}/{} {name}", f[0], f[1]),
                f.get(i).unwrap_or(&"").to_string(),
            ));
        }
    }
    v
}

/// `show servers conn` (HAProxy's `dump_servers_state`): the pool's figures summed over
/// the threads, the per-thread idle counts (none for a server that keeps no idle
/// connection), through a session that made a connection safe, a request to a server
/// without pool and a `mode tcp` connection held open; `show stat`'s
/// `idle_conn_cur`, `safe_conn_cur`, `used_conn_cur`, `need_conn_est` alike. One
/// connection per server, so that one thread holds each (Rampart estimates the need
/// per thread and shows the sum, HAProxy for the process).
#[test]
fn show_servers_conn_matches_haproxy() {
    let dir = TempDir::new("cli-show-conn");
    let o = free_ports(1);
    let _origin = keepalive_origin(o);
    let run = |name: &str, haproxy: bool| {
        let base = free_ports(2);
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n    stats socket {} level admin\n    nbthread 2\n\
             defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 2s\n\
             frontend fe\n    bind 127.0.0.1:{base}\n\
             \x20   use_backend nopool if {{ path /np }}\n    default_backend be\n\
             backend be\n    server s1 127.0.0.1:{o}\n\
             backend nopool\n    server s2 127.0.0.1:{o} pool-max-conn 0\n\
             listen t\n    mode tcp\n    bind 127.0.0.1:{}\n    server t1 127.0.0.1:{o}\n",
            sock.display(),
            base + 1
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let _p = l
            .ready(Ready::Unix(sock.clone()))
            .ready_tcp(local(base))
            .spawn();
        let addr = format!("unix-connect:{}", sock.display());
        let cli = |c: &str| socat(&addr, &format!("{c}\n"));
        let mut shown = vec![conn_lines(&cli("show servers conn"))];
        // Two requests on one connection: it is safe once back in the pool.
        let mut c = TcpStream::connect(local(base)).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(5))).ok();
        ask(&mut c, "/");
        ask(&mut c, "/");
        drop(c);
        let mut c = TcpStream::connect(local(base)).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(5))).ok();
        ask(&mut c, "/np");
        drop(c);
        let mut t = TcpStream::connect(local(base + 1)).expect("connect");
        t.set_read_timeout(Some(Duration::from_secs(5))).ok();
        ask(&mut t, "/");
        // The closed sessions end on the proxy a moment after their clients left.
        let settled = |out: &str| {
            out.lines()
                .any(|l| l.starts_with("be/s1 ") && l.split(' ').nth(6) == Some("0"))
        };
        assert!(
            wait_until(Duration::from_secs(5), || settled(&cli(
                "show servers conn"
            ))),
            "{name}: be/s1's connection back in the pool"
        );
        shown.push(conn_lines(&cli("show servers conn")));
        let fields = conn_fields(&cli("show stat"));
        drop(t);
        (shown, fields)
    };
    let (r, h) = std::thread::scope(|sc| {
        let r = sc.spawn(|| run("r", false));
        let h = sc.spawn(|| run("h", true));
        (r.join(), h.join())
    });
    let (r, h) = (r.expect("rampart run"), h.expect("haproxy run"));
    assert_eq!(r.0, h.0, "show servers conn");
    assert_eq!(r.1, h.1, "show stat");
    // What the traffic left: one safe idle connection on one thread for s1, none kept
    // for s2 (no per-thread counts), t1's connection counted at its creation only.
    let after = &r.0[1];
    assert_eq!(
        after[0],
        "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[2]"
    );
    assert_eq!(
        after[1],
        "be/s1 3/1 127.0.0.1 PORT - 5000 0 1 1 0 1 -1 1 0 1"
    );
    assert_eq!(
        after[2],
        "nopool/s2 4/1 127.0.0.1 PORT - 5000 0 1 1 0 0 0 0"
    );
    assert_eq!(
        after[3],
        "t/t1 5/1 127.0.0.1 PORT - 5000 0 1 1 0 0 -1 0 0 0"
    );
}
