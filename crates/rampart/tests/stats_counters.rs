//! `show stat` and `show info` figures after known traffic, compared with HAProxy 2.6
//! running the same configuration: requests and response classes by frontend, backend
//! and server, requests the proxy answered itself, denials, client and server aborts,
//! refused connections, balancing and connection counts, `CumReq` and `CumConns`.

#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use std::time::Duration;
use support::*;

/// An origin answering by path: `/nf` 404, `/cut` a body cut short by a close, `/long`
/// a body that never ends (until the client leaves), anything else 200.
fn origin(l: TcpListener) {
    std::thread::spawn(move || {
        for c in l.incoming().take(64) {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match c.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&buf);
                let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                let resp: &[u8] = match path.as_str() {
                    "/nf" => b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nconnection: close\r\n\r\nnf",
                    "/cut" => b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\nshort",
                    "/long" => b"HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\n\r\nstart",
                    _ => b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                };
                let _ = c.write_all(resp);
                if path == "/long" {
                    // Until the proxy closes (the client left), bounded.
                    for _ in 0..50 {
                        std::thread::sleep(Duration::from_millis(100));
                        if c.write_all(&[b'x'; 512]).is_err() {
                            break;
                        }
                    }
                }
            });
        }
    });
}

fn config(sock: &str, port: u16, srv: u16, closed: u16) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   retries 0\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   http-request return status 200 content-type text/plain string hi if {{ path /ret }}\n\
         \x20   http-request redirect location /elsewhere if {{ path /redir }}\n\
         \x20   http-request deny if {{ path /deny }}\n\
         \x20   use_backend bad if {{ path /refused }}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   cookie SRV insert\n\
         \x20   server s1 127.0.0.1:{srv} cookie c1\n\
         backend bad\n\
         \x20   balance leastconn\n\
         \x20   server s2 127.0.0.1:{closed}\n"
    )
}

thread_local! {
    /// Connections made to the stats socket (each is a connection and a stream for
    /// `CumConns` and `CumReq`).
    static CLI_CALLS: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// [`support::socat`], counted (`CLI_CALLS`).
fn socat(addr: &str, input: &str) -> String {
    CLI_CALLS.with(|c| c.set(c.get() + 1));
    support::socat(addr, input)
}

/// One request on its own connection; returns the whole answer.
fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(local(port)).expect("connect");
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A request whose client leaves once the response has started.
fn leave_early(port: u16) {
    let mut s = TcpStream::connect(local(port)).expect("connect");
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    s.write_all(b"GET /long HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("send");
    let mut b = [0u8; 64];
    let _ = s.read(&mut b);
    let _ = s.shutdown(Shutdown::Both);
}

/// The traffic, the same for both programs.
fn drive(port: u16) {
    for _ in 0..5 {
        assert!(get(port, "/").starts_with("HTTP/1.1 200"));
    }
    for _ in 0..2 {
        assert!(get(port, "/nf").starts_with("HTTP/1.1 404"));
    }
    assert!(get(port, "/ret").starts_with("HTTP/1.1 200"));
    assert!(get(port, "/redir").starts_with("HTTP/1.1 302"));
    assert!(get(port, "/deny").starts_with("HTTP/1.1 403"));
    assert!(get(port, "/refused").starts_with("HTTP/1.1 503"));
    let cut = get(port, "/cut");
    assert!(cut.starts_with("HTTP/1.1 200"), "{cut}");
    leave_early(port);
}

/// `show stat` as `(pxname/svname, field) -> value`.
fn stat(sock: &str) -> BTreeMap<(String, String), String> {
    let out = socat(sock, "show stat\n");
    let mut lines = out.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("# ")
        .split(',')
        .map(str::to_string)
        .collect();
    let mut m = BTreeMap::new();
    for l in lines.filter(|l| !l.is_empty()) {
        let v: Vec<&str> = l.split(',').collect();
        let obj = format!("{}/{}", v[0], v.get(1).unwrap_or(&""));
        for (i, name) in head.iter().enumerate() {
            m.insert(
                (obj.clone(), name.clone()),
                v.get(i).unwrap_or(&"").to_string(),
            );
        }
    }
    m
}

fn info(sock: &str) -> BTreeMap<String, String> {
    socat(sock, "show info\n")
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Run {
    stat: BTreeMap<(String, String), String>,
    info: BTreeMap<String, String>,
}

fn run(name: &str, dir: &TempDir, haproxy: bool) -> Run {
    let base = free_ports(3);
    let origin_l = bind_tcp(local(base + 1));
    origin(origin_l);
    let sock = dir.join(&format!("{name}.sock"));
    // `base + 2` stays closed: connections there are refused.
    let cfg = config(&sock.to_string_lossy(), base, base + 1, base + 2);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    CLI_CALLS.with(|c| c.set(0));
    let _p = l
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(base))
        .spawn();
    drive(base);
    let addr = format!("unix-connect:{}", sock.display());
    // The aborted transfers end on the proxy a moment after the client left.
    let done = wait_until(Duration::from_secs(5), || {
        let s = stat(&addr);
        s.get(&("be/BACKEND".into(), "scur".into()))
            .map(String::as_str)
            == Some("0")
    });
    assert!(done, "the streams end");
    let cli_before = CLI_CALLS.with(|c| c.get());
    CLI_CALLS.with(|c| c.set(0));
    let stat = stat(&addr);
    let mut info = info(&addr);
    // Without the calls made to the stats socket before these two.
    for k in ["CumReq", "CumConns"] {
        if let Some(v) = info.get_mut(k) {
            let n: i64 = v.parse().unwrap_or(-1);
            *v = (n - CLI_CALLS.with(|c| c.get()) - cli_before).to_string();
        }
    }
    Run { stat, info }
}

#[test]
fn counters_match_haproxy() {
    let dir = TempDir::new("stats-counters");
    let r = run("r", &dir, false);
    let h = run("h", &dir, true);
    let exact: &[(&str, &[&str])] = &[
        (
            "fe/FRONTEND",
            &[
                "stot",
                "req_tot",
                "hrsp_1xx",
                "hrsp_2xx",
                "hrsp_3xx",
                "hrsp_4xx",
                "hrsp_5xx",
                "hrsp_other",
                "intercepted",
                "dreq",
                "conn_tot",
                "ereq",
                "iid",
                "mode",
                "cli_abrt",
                "srv_abrt",
                "bin",
            ],
        ),
        (
            "be/BACKEND",
            &[
                "stot",
                "req_tot",
                "hrsp_2xx",
                "hrsp_4xx",
                "hrsp_5xx",
                "hrsp_other",
                "cli_abrt",
                "srv_abrt",
                "lbtot",
                "connect",
                "econ",
                "iid",
                "algo",
                "cookie",
                "mode",
                "dreq",
                "eresp",
                "bin",
            ],
        ),
        (
            "be/s1",
            &[
                "stot",
                "req_tot",
                "hrsp_2xx",
                "hrsp_4xx",
                "hrsp_other",
                "cli_abrt",
                "srv_abrt",
                "lbtot",
                "connect",
                "econ",
                "eresp",
                "sid",
                "iid",
                "cookie",
                "bin",
            ],
        ),
        (
            "bad/BACKEND",
            &[
                "stot", "req_tot", "hrsp_5xx", "econ", "lbtot", "connect", "algo", "iid",
            ],
        ),
        (
            "bad/s2",
            &["stot", "econ", "lbtot", "connect", "req_tot", "hrsp_5xx"],
        ),
    ];
    let mut diffs = Vec::new();
    for (obj, fields) in exact {
        for f in *fields {
            let k = (obj.to_string(), f.to_string());
            let (a, b) = (r.stat.get(&k), h.stat.get(&k));
            assert!(b.is_some(), "haproxy has no {obj} {f}");
            if a != b {
                diffs.push(format!("{obj} {f}: rampart {a:?}, haproxy {b:?}"));
            }
        }
    }
    // Times: filled where HAProxy fills them, within generous bounds.
    for obj in ["be/BACKEND", "be/s1"] {
        for f in ["qtime", "ctime", "rtime", "ttime", "lastsess"] {
            let k = (obj.to_string(), f.to_string());
            let v: i64 = r.stat.get(&k).and_then(|v| v.parse().ok()).unwrap_or(-99);
            let hv: i64 = h.stat.get(&k).and_then(|v| v.parse().ok()).unwrap_or(-99);
            assert!(hv >= 0 && (0..5000).contains(&v), "{obj} {f}: {v} ({hv})");
        }
    }
    // Highest concurrency: one client at a time, but a connection may still be counted
    // for a moment after its client has its answer.
    for obj in ["fe/FRONTEND", "be/BACKEND", "be/s1"] {
        for run in [&r, &h] {
            let k = (obj.to_string(), "smax".to_string());
            let v: i64 = run.stat.get(&k).and_then(|v| v.parse().ok()).unwrap_or(-1);
            assert!((1..=3).contains(&v), "{obj} smax {v}");
        }
    }
    // Bytes out, heads included: the same but for the response whose client left,
    // which each proxy cuts a chunk or so apart (the origin writes 512-byte blocks).
    for obj in ["fe/FRONTEND", "be/BACKEND", "be/s1"] {
        let k = (obj.to_string(), "bout".to_string());
        let get =
            |run: &Run| -> i64 { run.stat.get(&k).and_then(|v| v.parse().ok()).unwrap_or(-1) };
        let (a, b) = (get(&r), get(&h));
        if a <= 0 || (a - b).abs() > 4096 {
            diffs.push(format!("{obj} bout: rampart {a}, haproxy {b}"));
        }
    }
    for k in ["CumReq", "CumConns"] {
        if r.info.get(k) != h.info.get(k) {
            diffs.push(format!(
                "info {k}: rampart {:?}, haproxy {:?}",
                r.info.get(k),
                h.info.get(k)
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// The check fields of `show stat` (`status` with its counters, `check_*`, `chkfail`,
/// `chkdown`, `agent_*`, `tracked`) after the same checks ran on rampart and haproxy: a
/// server that answers, one whose port is closed, one that tracks the first, one
/// without check, one in maintenance.
#[test]
fn check_fields_match_haproxy() {
    let dir = TempDir::new("stats-checks");
    let fields = [
        "status",
        "check_status",
        "check_code",
        "check_desc",
        "last_chk",
        "check_rise",
        "check_fall",
        "check_health",
        "chkfail",
        "chkdown",
        "tracked",
        "agent_status",
        "agent_rise",
        "agent_fall",
        "agent_health",
    ];
    let run = |name: &str, haproxy: bool| {
        let base = free_ports(3);
        let up = bind_tcp(local(base + 1));
        std::thread::spawn(move || {
            for c in up.incoming().take(200) {
                drop(c);
            }
        });
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n    stats socket {} level admin\n\
             defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n\
             frontend fe\n    bind 127.0.0.1:{}\n    default_backend be\n\
             backend be\n\
             \x20   server up 127.0.0.1:{} check inter 100 rise 2 fall 3\n\
             \x20   server down 127.0.0.1:{} check inter 100 rise 2 fall 3\n\
             \x20   server tr 127.0.0.1:{} track be/up\n\
             \x20   server plain 127.0.0.1:{}\n\
             \x20   server off 127.0.0.1:{} check disabled\n",
            sock.display(),
            base,
            base + 1,
            base + 2,
            base + 1,
            base + 1,
            base + 1
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let p = l
            .ready(Ready::Unix(sock.clone()))
            .ready_tcp(local(base))
            .spawn();
        let addr = format!("unix-connect:{}", sock.display());
        // Enough check runs for the closed port's server to go down and stay there.
        assert!(wait_until(Duration::from_secs(10), || stat(&addr)
            .get(&("be/down".into(), "status".into()))
            .is_some_and(|s| s == "DOWN")));
        std::thread::sleep(Duration::from_millis(500));
        (p, stat(&addr))
    };
    let (_rp, r) = run("r", false);
    let (_hp, h) = run("h", true);
    let mut diffs = Vec::new();
    for srv in ["up", "down", "tr", "plain", "off"] {
        let obj = format!("be/{srv}");
        for f in fields {
            let k = (obj.clone(), f.to_string());
            // Failed checks keep counting on the closed port: compare that they count.
            let (a, b) = (r.get(&k), h.get(&k));
            let same = if f == "chkfail" && srv == "down" {
                a.is_some_and(|v| v != "0") && b.is_some_and(|v| v != "0")
            } else {
                a == b
            };
            if !same {
                diffs.push(format!("{obj} {f}: rampart {a:?}, haproxy {b:?}"));
            }
        }
        for f in ["check_duration", "lastchg", "downtime"] {
            let k = (obj.clone(), f.to_string());
            if r.get(&k).is_some_and(String::is_empty) != h.get(&k).is_some_and(String::is_empty) {
                diffs.push(format!(
                    "{obj} {f} presence: rampart {:?}, haproxy {:?}",
                    r.get(&k),
                    h.get(&k)
                ));
            }
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// `Idle_pct` measures the workers' waits for events: a process with no traffic is
/// idle (the threads wait whatever else the machine runs).
#[test]
fn idle_process_reports_idle() {
    let dir = TempDir::new("stats-idle");
    let port = free_port();
    let sock = dir.join("i.sock");
    let cfg = format!(
        "global\n    stats socket {}\n    nbthread 2\n\
         defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n\
         frontend fe\n    bind 127.0.0.1:{port}\n    http-request return status 200\n",
        sock.display()
    );
    let _p = Launch::rampart("r", &dir, &cfg)
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();
    std::thread::sleep(Duration::from_millis(1200));
    let addr = format!("unix-connect:{}", sock.display());
    let v: i64 = info(&addr)
        .get("Idle_pct")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    assert!((90..=100).contains(&v), "Idle_pct {v}");
}

/// `show stat` as `(pxname/svname, field) -> value` and when it was taken.
type Snap = (BTreeMap<(String, String), String>, std::time::Instant);

/// What HAProxy's clocks of state changes show (`lastchg`, `downtime`, `chkdown`) in
/// `s1`, taken after servers went down and into drain or maintenance, and `s2`, taken
/// after they came back; `state`: `show servers state` after `s2`. Returns what breaks
/// its rules.
fn time_rules(s1: &Snap, s2: &Snap, state: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let get = |s: &Snap, obj: &str, f: &str| -> String {
        s.0.get(&(obj.to_string(), f.to_string()))
            .cloned()
            .unwrap_or_else(|| "?".into())
    };
    let num = |s: &Snap, obj: &str, f: &str| -> i64 { get(s, obj, f).parse().unwrap_or(-1) };
    let mut want = |ok: bool, what: String| {
        if !ok {
            bad.push(what);
        }
    };
    // The seconds between the two snapshots, rounded up, and one more for the phase of
    // the clock's seconds: a state changed between them is at most that old in `s2`.
    let gap = s2.1.duration_since(s1.1).as_secs() as i64 + 2;
    // Down (or disabled with a check) since the start or its check's first run: down
    // all the time since its last change.
    for obj in [
        "be/dis",
        "be/fail",
        "cli/clichk",
        "cli/BACKEND",
        "alldis/BACKEND",
    ] {
        let (l, d) = (num(s1, obj, "lastchg"), num(s1, obj, "downtime"));
        want(
            l >= 2 && d == l,
            format!("{obj}: lastchg {l}, downtime {d}"),
        );
    }
    // Counted transitions to down: the failed check, maintenance entered while up,
    // the backend losing its last server.
    for (obj, n) in [
        ("be/dis", "0"),
        ("be/fail", "1"),
        ("be/ok", "0"),
        ("be/drn", "0"),
        ("cli/clichk", "1"),
        ("cli/BACKEND", "1"),
        ("be/BACKEND", "0"),
        ("alldis/BACKEND", "0"),
        ("nosrv/BACKEND", "0"),
        ("be/disnc", ""),
        ("cli/clinc", ""),
    ] {
        for s in [s1, s2] {
            let v = get(s, obj, "chkdown");
            want(v == n, format!("{obj}: chkdown {v:?}, not {n:?}"));
        }
    }
    // Without a check, a server has no down time; a backend without servers neither.
    for obj in ["be/disnc", "cli/clinc", "nosrv/BACKEND"] {
        for s in [s1, s2] {
            let (l, d) = (get(s, obj, "lastchg"), get(s, obj, "downtime"));
            want(
                d.is_empty() && l.parse::<i64>().is_ok(),
                format!("{obj}: lastchg {l:?}, downtime {d:?}"),
            );
        }
    }
    // Up, or draining, is not down.
    for obj in ["be/ok", "be/drn", "be/BACKEND"] {
        let d = num(s1, obj, "downtime");
        want(d == 0, format!("{obj}: downtime {d} in s1"));
    }
    want(
        num(s1, "be/drn", "lastchg") >= 2,
        format!("be/drn: lastchg {} in drain", num(s1, "be/drn", "lastchg")),
    );
    // Back from drain: the time in drain counted as down time (as HAProxy counts it).
    let d = num(s2, "be/drn", "downtime");
    want(d >= 2, format!("be/drn: downtime {d} after the drain"));
    // Back from maintenance: the time in maintenance is not down time, for the server
    // and for its backend.
    for obj in ["cli/clichk", "cli/BACKEND"] {
        let d = num(s2, obj, "downtime");
        want(d == 0, format!("{obj}: downtime {d} after maintenance"));
    }
    // What changed between the snapshots changed recently.
    for obj in ["be/drn", "cli/clinc", "cli/clichk", "cli/BACKEND"] {
        let l = num(s2, obj, "lastchg");
        want(
            (0..=gap).contains(&l),
            format!("{obj}: lastchg {l} in s2 (within {gap})"),
        );
    }
    // `show servers state` reads the same clock.
    for l in state.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split(' ').collect();
        if f.len() < 10 {
            continue;
        }
        let obj = format!("{}/{}", f[1], f[3]);
        let (since, lastchg) = (f[9].parse::<i64>().unwrap_or(-1), num(s2, &obj, "lastchg"));
        want(
            since >= 0 && (since - lastchg).abs() <= 1,
            format!("{obj}: srv_time_since_last_change {since}, lastchg {lastchg}"),
        );
    }
    bad
}

/// `lastchg`, `downtime` and `chkdown` of servers and backends as HAProxy keeps them: a
/// server disabled from the start, one whose check fails, servers taken into
/// maintenance and drain through the runtime API and back, a backend that loses all
/// its servers, one without servers. Both programs follow HAProxy's rules
/// ([`time_rules`]) and show the same fields.
#[test]
fn state_times_match_haproxy() {
    let dir = TempDir::new("stats-times");
    let run = |name: &str, haproxy: bool| {
        let base = free_ports(3);
        let up = TestServer::tcp(base + 1, drop);
        let sock = dir.join(&format!("{name}.sock"));
        let (u, c) = (base + 1, base + 2);
        let cfg = format!(
            "global\n    stats socket {} level admin\n\
             defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n\
             frontend fe\n    bind 127.0.0.1:{base}\n    default_backend be\n\
             backend be\n\
             \x20   server dis 127.0.0.1:{u} disabled check inter 100\n\
             \x20   server disnc 127.0.0.1:{u} disabled\n\
             \x20   server fail 127.0.0.1:{c} check inter 100 rise 1 fall 1\n\
             \x20   server ok 127.0.0.1:{u} check inter 100\n\
             \x20   server drn 127.0.0.1:{u} check inter 100\n\
             backend cli\n\
             \x20   server clinc 127.0.0.1:{u}\n\
             \x20   server clichk 127.0.0.1:{u} check inter 100\n\
             backend alldis\n    server a 127.0.0.1:{u} disabled check\n\
             backend nosrv\n",
            sock.display()
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let p = l
            .ready(Ready::Unix(sock.clone()))
            .ready_tcp(local(base))
            .spawn();
        let addr = format!("unix-connect:{}", sock.display());
        let status = |obj: &str| {
            stat(&addr)
                .get(&(obj.to_string(), "status".to_string()))
                .cloned()
                .unwrap_or_default()
        };
        assert!(
            wait_until(Duration::from_secs(10), || status("be/fail") == "DOWN"
                && status("cli/clichk") == "UP"
                && status("be/drn") == "UP"),
            "{name}: the checks decide"
        );
        for cmd in [
            "set server be/drn state drain",
            "disable server cli/clinc",
            "disable server cli/clichk",
        ] {
            assert_eq!(socat(&addr, &format!("{cmd}\n")).trim(), "", "{cmd}");
        }
        // Long enough for whole seconds to pass in each state.
        std::thread::sleep(Duration::from_millis(2100));
        let s1 = (stat(&addr), std::time::Instant::now());
        for cmd in [
            "set server be/drn state ready",
            "enable server cli/clinc",
            "enable server cli/clichk",
        ] {
            assert_eq!(socat(&addr, &format!("{cmd}\n")).trim(), "", "{cmd}");
        }
        let s2 = (stat(&addr), std::time::Instant::now());
        let state = socat(&addr, "show servers state\n");
        drop(up);
        drop(p);
        (s1, s2, state)
    };
    let (r, h) = std::thread::scope(|sc| {
        let r = sc.spawn(|| run("r", false));
        let h = sc.spawn(|| run("h", true));
        (r.join(), h.join())
    });
    let (r, h) = (r.expect("rampart run"), h.expect("haproxy run"));
    let hb = time_rules(&h.0, &h.1, &h.2);
    assert!(
        hb.is_empty(),
        "haproxy breaks the rules:\n{}",
        hb.join("\n")
    );
    let rb = time_rules(&r.0, &r.1, &r.2);
    assert!(rb.is_empty(), "rampart:\n{}", rb.join("\n"));
    // The same fields filled, the same counters and statuses (but right after the
    // servers came back, when a check may or may not have run yet).
    let mut diffs = Vec::new();
    for (snap, hs, fields) in [
        (
            &r.0,
            &h.0,
            &["lastchg", "downtime", "chkdown", "chkfail", "status"][..],
        ),
        (
            &r.1,
            &h.1,
            &["lastchg", "downtime", "chkdown", "chkfail"][..],
        ),
    ] {
        for (k, hv) in &hs.0 {
            if !fields.contains(&k.1.as_str()) {
                continue;
            }
            let rv = snap.0.get(k).cloned().unwrap_or_default();
            let same = match k.1.as_str() {
                "lastchg" | "downtime" => rv.is_empty() == hv.is_empty(),
                _ => &rv == hv,
            };
            if !same {
                diffs.push(format!("{}/{}: rampart {rv:?}, haproxy {hv:?}", k.0, k.1));
            }
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// A server-state file's `srv_time_since_last_change` goes on counting (HAProxy sets
/// `last_change` from it): `lastchg` and `show servers state` start from the file's
/// figure, but for a server whose state the file changed.
#[test]
fn state_file_last_change_goes_on() {
    let dir = TempDir::new("stats-state-file");
    let state = dir.write(
        "state",
        "1\n\
         # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n\
         2 be 1 a 127.0.0.1 2 0 1 1 100 1 0 0 0 0 0 0 - 80 - 0 0 - - 0\n\
         2 be 2 b 127.0.0.1 0 1 1 1 200 1 0 0 0 0 0 0 - 80 - 0 0 - - 0\n",
    );
    let run = |name: &str, haproxy: bool| {
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n    stats socket {}\n    server-state-file {}\n\
             defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n    load-server-state-from-file global\n\
             backend be\n    server a 127.0.0.1:80\n    server b 127.0.0.1:80\n    server c 127.0.0.1:80\n",
            sock.display(),
            state.display()
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let _p = l.ready(Ready::Unix(sock.clone())).spawn();
        let addr = format!("unix-connect:{}", sock.display());
        let st = stat(&addr);
        let since: BTreeMap<String, i64> = socat(&addr, "show servers state\n")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                Some((f.get(3)?.to_string(), f.get(9)?.parse().ok()?))
            })
            .collect();
        let lastchg = |s: &str| -> i64 {
            st.get(&(format!("be/{s}"), "lastchg".into()))
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1)
        };
        [("a", 100), ("b", 200), ("c", 0)]
            .iter()
            .map(|&(s, from)| {
                let (l, v) = (lastchg(s), since.get(s).copied().unwrap_or(-1));
                // Seconds since the start, generously bounded.
                (l - from, v - from)
            })
            .collect::<Vec<_>>()
    };
    for (name, haproxy) in [("r", false), ("h", true)] {
        for (i, (l, v)) in run(name, haproxy).into_iter().enumerate() {
            assert!(
                (0..30).contains(&l) && (0..30).contains(&v),
                "{name}: server {i}: lastchg {l}, srv_time_since_last_change {v} past the file's"
            );
        }
    }
}
