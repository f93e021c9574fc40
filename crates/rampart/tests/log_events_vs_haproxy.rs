//! Log lines on the wire compared byte for byte with HAProxy 2.6's, for every `format`:
//! the same configuration runs under `haproxy` and `rampart`, each sending to a UDP socket
//! of the test, and the datagrams must be the same once the time, the process id and
//! the check's measured duration are masked.
//!
//! - Server events: a server whose checks fail goes DOWN and its backend has no server
//!   left; HAProxy sends both messages to the backend's log targets (`log global`
//!   included) at levels alert and emerg, with its tag, and with `len`, `max level` and
//!   `min level` applied per target.
//! - `log-forward`: syslog messages of every shape (RFC 5424 with structured data,
//!   RFC 3164 with and without tag, a bare priority, none, a broken header) received on
//!   UDP and TCP (octet counting and line feeds) are re-encoded in each target's format.

#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use regex::Regex;
use support::*;

/// Every format, and a target without one.
const FORMATS: [&str; 9] = [
    "", "local", "rfc3164", "rfc5424", "short", "timed", "iso", "priority", "raw",
];

/// A syslog server of the test: a UDP socket collecting datagrams.
struct Syslog {
    sock: UdpSocket,
    port: u16,
}

impl Syslog {
    fn new() -> Syslog {
        let port = free_ports(1);
        let sock = UdpSocket::bind(("127.0.0.1", port)).expect("bind syslog socket");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        Syslog { sock, port }
    }

    /// Datagrams received until none came for `quiet` (after at least `min` of them),
    /// within `limit` overall.
    fn collect(&self, min: usize, quiet: Duration, limit: Duration) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let start = Instant::now();
        let mut last = Instant::now();
        let mut buf = vec![0u8; 70000];
        while start.elapsed() < limit {
            match self.sock.recv(&mut buf) {
                Ok(n) => {
                    out.push(buf[..n].to_vec());
                    last = Instant::now();
                }
                Err(_) => {
                    if out.len() >= min && last.elapsed() >= quiet {
                        break;
                    }
                }
            }
        }
        out
    }
}

/// Masks what differs between two runs: times produced at run time (the fixed dates of
/// relayed messages are kept), the process id, the measured check duration.
fn mask(line: &[u8], pid: i32) -> String {
    let text = String::from_utf8_lossy(line).into_owned();
    let iso = Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")
        .expect("regex");
    let legacy =
        Regex::new(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2}")
            .expect("regex");
    let keep = |m: &str| m.contains("03-05T07:08:09") || m.contains("Mar  5 07:08:09");
    let text = iso.replace_all(&text, |c: &regex::Captures<'_>| {
        if keep(&c[0]) {
            c[0].to_string()
        } else {
            "<ISO>".to_string()
        }
    });
    let text = legacy.replace_all(&text, |c: &regex::Captures<'_>| {
        if keep(&c[0]) {
            c[0].to_string()
        } else {
            "<DATE>".to_string()
        }
    });
    let pid_re = Regex::new(&format!(r"\b{pid}\b")).expect("regex");
    let text = pid_re.replace_all(&text, "<PID>");
    let dur = Regex::new(r"check duration: \d+ms").expect("regex");
    dur.replace_all(&text, "check duration: <N>ms").into_owned()
}

/// The masked lines as a multiset.
fn counted(lines: &[Vec<u8>], pid: i32) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(mask(l, pid)).or_insert(0) += 1;
    }
    m
}

fn events_config(syslog: u16, fe: u16, dead: u16) -> String {
    let mut targets = String::new();
    for (i, f) in FORMATS.iter().enumerate() {
        let fmt = if f.is_empty() {
            String::new()
        } else {
            format!("format {f} ")
        };
        targets += &format!("    log 127.0.0.1:{syslog} {fmt}local{}\n", i % 8);
    }
    format!(
        "global\n\
         \x20   log-tag haproxy\n\
         \x20   log-send-hostname lb-test\n\
         {targets}\
         \x20   log 127.0.0.1:{syslog} len 80 format rfc5424 daemon\n\
         \x20   log 127.0.0.1:{syslog} len 100 format local mail\n\
         \x20   log 127.0.0.1:{syslog} format priority user debug err\n\
         \x20   log 127.0.0.1:{syslog} format short auth emerg\n\
         defaults\n\
         \x20   mode http\n\
         \x20   log global\n\
         \x20   timeout connect 1s\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{dead} check inter 100 fall 1\n\
         backend other\n\
         \x20   no log\n\
         \x20   log 127.0.0.1:{syslog} format rfc3164 local5 info\n\
         \x20   log-tag app\n\
         \x20   server s2 127.0.0.1:{dead} check inter 100 fall 1\n\
         backend silent\n\
         \x20   no log\n\
         \x20   server s3 127.0.0.1:{dead} check inter 100 fall 1\n"
    )
}

/// Runs `program` (haproxy or rampart) on `cfg` and collects what it logs.
fn run(
    name: &str,
    haproxy: bool,
    cfg: &str,
    fe: u16,
    syslog: &Syslog,
    min: usize,
) -> (Vec<Vec<u8>>, i32) {
    let dir = TempDir::new(name);
    let launch = if haproxy {
        Launch::haproxy(name, &dir, cfg)
    } else {
        Launch::rampart(name, &dir, cfg)
    };
    let p = launch.ready_tcp(local(fe)).spawn();
    let lines = syslog.collect(min, Duration::from_millis(1500), Duration::from_secs(15));
    (lines, p.pid())
}

#[test]
fn server_events_in_every_format() {
    let base = free_ports(2);
    let (fe, dead) = (base, base + 1);
    let h_syslog = Syslog::new();
    let r_syslog = Syslog::new();
    // Two backends go down: be (the global targets), other (its own target).
    let expected = 2 * (FORMATS.len() + 3) + 1 + 2;
    let (h, hpid) = run(
        "ev-haproxy",
        true,
        &events_config(h_syslog.port, fe, dead),
        fe,
        &h_syslog,
        expected,
    );
    let (r, rpid) = run(
        "ev-rampart",
        false,
        &events_config(r_syslog.port, fe, dead),
        fe,
        &r_syslog,
        expected,
    );
    let (h, r) = (counted(&h, hpid), counted(&r, rpid));
    assert_eq!(h.values().sum::<usize>(), expected, "haproxy sent {h:#?}");
    assert_eq!(r, h, "rampart's lines differ from haproxy's");
    // What a few of them are, so the comparison cannot pass on two empty sets.
    let down = "Server be/s1 is DOWN, reason: Layer4 connection problem, info: \
                \"Connection refused\", check duration: <N>ms. 0 active and 0 backup servers \
                left. 0 sessions active, 0 requeued, 0 remaining in queue.\n";
    for want in [
        format!("<129><DATE> lb-test haproxy[<PID>]: {down}"),
        format!("<153>1 <ISO> lb-test haproxy <PID> - - {down}"),
        format!("<1><ISO> {down}"),
        "<128><DATE> lb-test haproxy[<PID>]: backend be has no server available!\n".into(),
        // `user debug err`: the alert is sent at level err.
        format!("<11>{down}"),
        "<0>backend be has no server available!\n".into(),
        "<168><DATE> lb-test app[<PID>]: backend other has no server available!\n".into(),
    ] {
        assert!(r.contains_key(&want), "missing {want:?} in {r:#?}");
    }
}

fn forward_config(syslog: u16, fe: u16, udp: u16, tcp: u16) -> String {
    let mut targets = String::new();
    for (i, f) in FORMATS.iter().enumerate() {
        let fmt = if f.is_empty() {
            String::new()
        } else {
            format!("format {f} ")
        };
        targets += &format!("    log 127.0.0.1:{syslog} {fmt}local{}\n", i % 8);
    }
    format!(
        "global\n\
         \x20   log-tag ignored\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout connect 1s\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   http-request return status 200\n\
         log-forward lf\n\
         \x20   dgram-bind 127.0.0.1:{udp}\n\
         \x20   bind 127.0.0.1:{tcp}\n\
         {targets}\
         \x20   log 127.0.0.1:{syslog} len 90 format rfc5424 daemon\n\
         \x20   log 127.0.0.1:{syslog} format local mail debug warning\n\
         \x20   log 127.0.0.1:{syslog} format rfc3164 user err\n"
    )
}

/// The messages relayed: every header shape HAProxy's parser knows.
const RELAYED: [&str; 8] = [
    "<134>1 2023-03-05T07:08:09.123456+01:00 myhost app 42 ID7 [ex@32473 k=\"v\" a=\"b\\]\"] hello 5424",
    "<13>Mar  5 07:08:09 myhost sshd[99]: hello 3164",
    "<29>1 - - - - - - nil header",
    "<30>Mar  5 07:08:09 myhost no tag here",
    "<14>bare priority message",
    "no priority at all",
    "<13>1 2023-03-05T07:08:09Q broken header",
    "<11>Mar  5 07:08:09 myhost kernel: oops with a long enough message to be cut by the 90-byte target",
];

fn relay(name: &str, haproxy: bool) -> (BTreeMap<String, usize>, usize) {
    let base = free_ports(3);
    let (fe, udp, tcp) = (base, base + 1, base + 2);
    let syslog = Syslog::new();
    let cfg = forward_config(syslog.port, fe, udp, tcp);
    let dir = TempDir::new(name);
    let launch = if haproxy {
        Launch::haproxy(name, &dir, &cfg)
    } else {
        Launch::rampart(name, &dir, &cfg)
    };
    let p = launch.ready_tcp(local(fe)).ready_tcp(local(tcp)).spawn();
    let out = UdpSocket::bind("127.0.0.1:0").expect("client socket");
    for m in RELAYED {
        out.send_to(m.as_bytes(), ("127.0.0.1", udp)).expect("send");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Over TCP: octet counting and line feeds (with a CR) in one stream.
    let mut c = TcpStream::connect(local(tcp)).expect("connect");
    let framed = format!(
        "{} {}{}\r\n{}\n",
        RELAYED[0].len(),
        RELAYED[0],
        RELAYED[1],
        RELAYED[4]
    );
    c.write_all(framed.as_bytes()).expect("write");
    drop(c);
    let lines = syslog.collect(1, Duration::from_millis(1500), Duration::from_secs(15));
    drop(p);
    (counted(&lines, -1), lines.len())
}

#[test]
fn log_forward_relays_in_every_format() {
    let (h, hn) = relay("fw-haproxy", true);
    let (r, _) = relay("fw-rampart", false);
    // 11 messages to 9 + 3 targets, less what the level filters hold back.
    assert!(hn > 100, "haproxy relayed only {hn} lines: {h:#?}");
    assert_eq!(r, h, "rampart's relayed lines differ from haproxy's");
    for want in [
        // No format: a host and an ISO date make it RFC 5424, as received.
        "<134>1 2023-03-05T07:08:09.123456+01:00 myhost app 42 ID7 [ex@32473 k=\"v\" a=\"b\\]\"] hello 5424\n",
        // RFC 3164 as received (no format, a host name and a legacy date).
        "<13>Mar  5 07:08:09 myhost sshd[99]: hello 3164\n",
        // A broken RFC 5424 header: the priority alone is kept (and, as in HAProxy, the
        // message loses two bytes).
        "<13><DATE> 1 2023-03-05T07:08:09Q broken head\n",
        // No priority: the target's facility and minimum level.
        "<24>1 <ISO> - - - - - no priority at all\n",
    ] {
        assert!(r.contains_key(want), "missing {want:?} in {r:#?}");
    }
}

/// A configuration with a `log-forward` section and nothing else runs: its receivers are
/// the process's listeners.
#[test]
fn a_log_forward_section_alone_runs() {
    let base = free_ports(2);
    let (udp, tcp) = (base, base + 1);
    let syslog = Syslog::new();
    let cfg = format!(
        "log-forward alone\n\
         \x20   dgram-bind 127.0.0.1:{udp}\n\
         \x20   bind 127.0.0.1:{tcp}\n\
         \x20   log 127.0.0.1:{} format rfc5424 local0\n",
        syslog.port
    );
    let dir = TempDir::new("lf-alone");
    let mut p = Launch::rampart("alone", &dir, &cfg)
        .ready_tcp(local(tcp))
        .spawn();
    let out = UdpSocket::bind("127.0.0.1:0").expect("client socket");
    out.send_to(b"<13>1 - h app - - - alone", ("127.0.0.1", udp))
        .expect("send");
    let lines = syslog.collect(1, Duration::from_millis(300), Duration::from_secs(10));
    assert_eq!(lines, [b"<13>1 - h app - - - alone\n".to_vec()]);
    p.assert_running();
}

/// A TCP syslog server of the test: accepts connections and keeps what they send.
struct TcpSyslog {
    port: u16,
    got: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl TcpSyslog {
    fn new() -> TcpSyslog {
        let port = free_ports(1);
        let l = bind_tcp(local(port));
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let g = got.clone();
        std::thread::spawn(move || {
            for c in l.incoming().take(8) {
                let Ok(mut c) = c else { continue };
                let g = g.clone();
                std::thread::spawn(move || {
                    use std::io::Read;
                    let _ = c.set_read_timeout(Some(Duration::from_secs(20)));
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = c.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        g.lock().expect("lock").extend_from_slice(&buf[..n]);
                    }
                });
            }
        });
        TcpSyslog { port, got }
    }

    /// What arrived once nothing more came for a while (at least `min` bytes).
    fn bytes(&self, min: usize) -> Vec<u8> {
        let mut last = 0;
        let mut stable = 0;
        let end = Instant::now() + Duration::from_secs(15);
        while Instant::now() < end {
            std::thread::sleep(Duration::from_millis(100));
            let n = self.got.lock().expect("lock").len();
            if n >= min && n == last {
                stable += 1;
                if stable >= 10 {
                    break;
                }
            } else {
                stable = 0;
            }
            last = n;
        }
        self.got.lock().expect("lock").clone()
    }
}

fn stream_config(lf: u16, oc: u16, fe: u16, dead: u16) -> String {
    format!(
        "global\n\
         \x20   log-tag haproxy\n\
         \x20   log tcp@127.0.0.1:{lf} format rfc5424 local0\n\
         \x20   log tcp@127.0.0.1:{lf} len 90 local1\n\
         \x20   log ring@oc local2\n\
         ring oc\n\
         \x20   format rfc3164\n\
         \x20   maxlen 120\n\
         \x20   timeout connect 1s\n\
         \x20   timeout server 2s\n\
         \x20   server s 127.0.0.1:{oc} log-proto octet-count\n\
         defaults\n\
         \x20   mode http\n\
         \x20   log global\n\
         \x20   timeout connect 1s\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{dead} check inter 100 fall 1\n"
    )
}

/// `tcp@` targets (their implicit ring, a line feed after each message) and a ring
/// section's server with octet counting send HAProxy's bytes.
#[test]
fn stream_targets_frame_like_haproxy() {
    let run = |name: &str, haproxy: bool| {
        let base = free_ports(2);
        let (fe, dead) = (base, base + 1);
        let (lf, oc) = (TcpSyslog::new(), TcpSyslog::new());
        let cfg = stream_config(lf.port, oc.port, fe, dead);
        let dir = TempDir::new(name);
        let launch = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let p = launch.ready_tcp(local(fe)).spawn();
        let pid = p.pid();
        let lf = mask(&lf.bytes(400), pid);
        let oc = mask(&oc.bytes(200), pid);
        (lf, oc)
    };
    let (h_lf, h_oc) = run("stream-haproxy", true);
    let (r_lf, r_oc) = run("stream-rampart", false);
    // Each tcp@ line has its own ring and connection: compare the lines as sets.
    let sorted = |s: &str| {
        let mut v: Vec<String> = s.lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(sorted(&r_lf), sorted(&h_lf), "tcp@ lines");
    assert_eq!(sorted(&h_lf).len(), 4, "{h_lf}");
    assert_eq!(r_oc, h_oc, "octet-counted ring");
    assert!(
        h_oc.starts_with("120 <145><DATE> localhost haproxy[<PID>]: Server be/s1 is DOWN"),
        "{h_oc}"
    );
}

/// `file@` (Rampart's file target) is refused by HAProxy 2.6, so it can never mean
/// something else there; Rampart accepts it.
#[test]
fn file_targets_are_refused_by_haproxy() {
    let dir = TempDir::new("file-at");
    let cfg = dir.write(
        "f.cfg",
        &format!(
            "global\n    log file@{}/app.log local0\nlisten l\n    bind 127.0.0.1:{}\n    mode tcp\n",
            dir.path().display(),
            free_ports(1)
        ),
    );
    let check = |bin: std::path::PathBuf| {
        std::process::Command::new(bin)
            .arg("-c")
            .arg("-f")
            .arg(&cfg)
            .output()
            .expect("run -c")
    };
    let h = check(haproxy_bin());
    assert!(!h.status.success());
    let err = String::from_utf8_lossy(&h.stderr);
    assert!(err.contains("log : invalid address: 'file@"), "{err}");
    if !rampart_bin().ends_with("haproxy") {
        let r = check(rampart_bin());
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
}
