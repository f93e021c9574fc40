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

/// The ports of one side.
#[derive(Clone, Copy)]
struct Ports {
    http: u16,
    tcp: u16,
    custom: u16,
    plain: u16,
    short: u16,
    quiet: u16,
    asap: u16,
    tasap: u16,
    clf: u16,
    https: u16,
    errfmt: u16,
    sd: u16,
    origin: u16,
    dead: u16,
}

fn config(p: Ports, udp: u16) -> String {
    let Ports {
        http,
        tcp,
        custom,
        plain,
        short,
        quiet,
        asap,
        tasap,
        clf,
        https,
        errfmt,
        sd,
        origin,
        dead,
    } = p;
    format!(
        r#"global
    nbthread 1
    log-tag tag

defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 400ms
    timeout http-request 300ms
    timeout tarpit 100ms
    timeout queue 200ms

frontend fe
    bind 127.0.0.1:{http}
    log 127.0.0.1:{udp} local0
    option httplog
    option log-separate-errors
    capture request header User-Agent len 10
    capture response header Content-Type len 20
    capture cookie SRV len 8
    http-request deny if {{ path /deny }}
    http-request return status 200 content-type text/plain string ok if {{ path /ret }}
    http-request redirect location /x if {{ path /redir }}
    http-request tarpit if {{ path /tarpit }}
    http-request set-log-level silent if {{ path /silent }}
    http-request set-log-level notice if {{ path /notice }}
    use_backend nosrv if {{ path /nosrv }}
    use_backend bdead if {{ path /dead }}
    use_backend bred if {{ path_beg /red }}
    use_backend bq if {{ path_beg /q }}
    use_backend bck if {{ path_beg /ck }}
    default_backend be

backend bck
    cookie SRV insert indirect nocache
    server s1 127.0.0.1:{origin} cookie a
    server s2 127.0.0.1:{dead} cookie b disabled

backend be
    server s1 127.0.0.1:{origin}

backend nosrv
    server s1 127.0.0.1:{origin} disabled

backend bdead
    retries 2
    server s1 127.0.0.1:{dead}

backend bred
    retries 1
    option redispatch 1
    server s1 127.0.0.1:{dead}
    server s2 127.0.0.1:{origin}

backend bq
    server s1 127.0.0.1:{origin} maxconn 1

frontend fc
    bind 127.0.0.1:{custom}
    log 127.0.0.1:{udp} local0
    log-format "%Th/%Ti/%Tq/%Td/%Tu/%Tt|%T|%Tl|%Ts|%trl|%trg|%ms|%H|%pid|%lc|%bi:%bp|%fi:%fp|%si:%sp|%{{+X}}Ts|%{{+X}}pid|%{{+X}}ci %ci %f %b %s %ST %B %U %ts %tsc %{{+Q}}HM %HU %HV %HP %HPO %HQ %[fe_name] %{{+Q}}[var(txn.x)] %{{-M}}[var(txn.y)] %[var(txn.z)] %{{+Q}}o %b %r %ID %rt %{{+X}}rt %[unique-id]"
    unique-id-format %{{+X}}o%ci-%rt
    unique-id-header X-Unique-ID
    http-request set-var(txn.x) str(hello)
    default_backend be

frontend fn
    bind 127.0.0.1:{plain}
    log 127.0.0.1:{udp} local0
    default_backend be

frontend fs
    bind 127.0.0.1:{short}
    timeout client 300ms
    log 127.0.0.1:{udp} local0
    option httplog
    default_backend be

frontend fq
    bind 127.0.0.1:{quiet}
    log 127.0.0.1:{udp} local0
    option httplog
    option dontlog-normal
    default_backend be

frontend fa
    bind 127.0.0.1:{asap}
    log 127.0.0.1:{udp} local0
    option httplog
    option logasap
    default_backend be

frontend fclf
    bind 127.0.0.1:{clf}
    log 127.0.0.1:{udp} local0
    option httplog clf
    default_backend be

frontend fhttps
    bind 127.0.0.1:{https}
    log 127.0.0.1:{udp} local0
    option httpslog
    default_backend be

frontend ferr
    bind 127.0.0.1:{errfmt}
    log 127.0.0.1:{udp} local0
    option httplog
    option dontlognull
    error-log-format "E %ci %f %ST %ts %r"
    default_backend be

frontend fsd
    bind 127.0.0.1:{sd}
    log 127.0.0.1:{udp} format rfc5424 local0
    log-format "%ci %f %ST %B"
    log-format-sd "[exampleSDID@32473 fe=\"%f\" st=\"%ST\"]"
    default_backend be

frontend fta
    mode tcp
    bind 127.0.0.1:{tasap}
    log 127.0.0.1:{udp} local0
    option tcplog
    option logasap
    default_backend bt

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

    /// Waits for the next line (bounded) and returns its priority and message.
    fn next(&self, seen: &mut usize) -> String {
        wait_until(Duration::from_secs(5), || self.count() > *seen);
        let l = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let Some(line) = l.get(*seen).cloned() else {
            return "<no line>".into();
        };
        *seen += 1;
        // "<134>date tag[pid]: message"
        let pri = line.split('>').next().unwrap_or_default();
        match line.find("]: ") {
            Some(i) => format!("{pri}> {}", line[i + 3..].trim_end_matches('\n')),
            None => line,
        }
    }
}

/// Masks what differs between two runs: the client port, the accept date and the
/// values of the timers (a `-1` stays); in the custom format's first field (times,
/// dates, host, pid, ports, hex forms), every digit.
fn mask(line: &str, bytes: bool) -> String {
    if line.starts_with("<134>1 ") {
        // RFC 5424: the timestamp and the pid.
        return line
            .split(' ')
            .enumerate()
            .map(|(i, w)| if i == 1 || i == 4 { "X" } else { w })
            .collect::<Vec<_>>()
            .join(" ");
    }
    if line.contains(" 127.0.0.1 - - [") {
        // `option httplog clf`: the date, the client port, the milliseconds, the timers.
        return line
            .split(' ')
            .enumerate()
            .map(|(i, w)| match i {
                4 | 13 | 14 => "X",
                18..=22 if w != "-1" => "T",
                _ => w,
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    if let Some((head, tail)) = line.split_once(" 127.0.0.1 fc ") {
        // The custom format's first part: times, dates, host, pid, ports, hex forms.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let head = head.replace(host.trim(), "HOST");
        let (pri, times) = head.split_once("> ").unwrap_or(("", &head));
        let digits: String = times
            .chars()
            .map(|c| if c.is_ascii_hexdigit() { 'N' } else { c })
            .collect();
        return format!("{pri}> {digits} 127.0.0.1 fc {tail}");
    }
    let connect = line.contains("> Connect from");
    let mut out = Vec::new();
    for (i, w) in line.split(' ').enumerate() {
        let w = if w.starts_with("127.0.0.1:") && connect {
            "127.0.0.1:P".to_string()
        } else if let Some(rest) = w.strip_prefix("127.0.0.1:") {
            if rest.chars().all(|c| c.is_ascii_digit()) {
                "127.0.0.1:P".to_string()
            } else {
                w.to_string()
            }
        } else if w.starts_with('[') && w.contains("/20") {
            "[DATE]".to_string()
        } else if bytes && i == 7 {
            "B".to_string()
        } else if i == 5 && w.contains('/') {
            // The timers field of httplog and tcplog (after the priority).
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
    p: Ports,
    logs: Collector,
    seen: usize,
    origin: Origin,
    _proc: Proc,
}

fn origin_answer(m: &Msg, _: usize) -> Answer {
    match m.start.split(' ').nth(1).unwrap_or_default() {
        "/slow" => Answer::ok("late").after(Duration::from_millis(1500)),
        "/close" => Answer::raw("", Then::Close),
        "/junk" => Answer::raw("HTTP/1.1 abc\r\n\r\n", Then::Close),
        "/partial-close" => Answer::raw(
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789",
            Then::Close,
        ),
        "/partial-hold" => Answer::raw(
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789",
            Then::Hold(Duration::from_millis(1500)),
        ),
        "/big" => {
            let body = vec![b'x'; 8 << 20];
            let mut a =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
            a.extend_from_slice(&body);
            Answer::raw(a, Then::KeepAlive)
        }
        "/q-hold" => Answer::ok("held").after(Duration::from_millis(800)),
        "/setck" => Answer::raw(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: SRVX = abcdefgh; path=/\r\n\r\nok",
            Then::KeepAlive,
        ),
        "/chunked" => Answer::raw(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/x\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            Then::KeepAlive,
        ),
        _ => Answer::ok("hello\n"),
    }
}

fn side(name: &str, dir: &TempDir, haproxy: bool) -> Side {
    let base = free_ports(14);
    let p = Ports {
        http: base,
        tcp: base + 1,
        custom: base + 2,
        plain: base + 3,
        short: base + 4,
        quiet: base + 5,
        origin: base + 6,
        dead: base + 7,
        asap: base + 8,
        tasap: base + 9,
        clf: base + 10,
        https: base + 11,
        errfmt: base + 12,
        sd: base + 13,
    };
    let logs = Collector::start();
    let origin = Origin::start(p.origin, origin_answer);
    let cfg = config(p, logs.port);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let proc = l.ready_tcp(local(p.http)).spawn();
    Side {
        p,
        logs,
        seen: 0,
        origin,
        _proc: proc,
    }
}

fn get(port: u16, path: &str) {
    get_with(port, path, "");
}

fn get_with(port: u16, path: &str, extra: &str) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/8.0\r\n{extra}\r\n");
    let mut w = Wire::connect(port);
    w.send(req.as_bytes());
    let _ = read_response(&mut w, false);
}

/// Sends `bytes` on a new connection and reads until the proxy closes.
fn raw(port: u16, bytes: &[u8]) {
    let mut w = Wire::connect(port);
    if !bytes.is_empty() {
        w.send(bytes);
    }
    let _ = w.rest_until_close();
}

/// Reads a response head, waits, then closes without reading the rest.
fn head_then(port: u16, path: &str, wait: Duration) {
    let mut w = Wire::connect(port);
    w.send(format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes());
    let _ = w.head();
    std::thread::sleep(wait);
}

/// What one exchange does, given the ports of a side, and how many lines it logs.
/// Steps whose name says "(bytes vary)" have their byte count masked too: how much
/// of a body passed before the client left depends on timing.
type Step = (&'static str, usize, fn(&Ports));

const STEPS: &[Step] = &[
    ("relayed", 1, |p| get(p.http, "/")),
    ("deny", 1, |p| get(p.http, "/deny")),
    ("return", 1, |p| get(p.http, "/ret")),
    ("redirect", 1, |p| get(p.http, "/redir")),
    ("tarpit", 1, |p| get(p.http, "/tarpit")),
    ("no server", 1, |p| get(p.http, "/nosrv")),
    ("connection refused, retried", 1, |p| get(p.http, "/dead")),
    ("redispatched", 1, |p| get(p.http, "/red")),
    ("queue timeout", 2, |p| {
        let port = p.http;
        let t = std::thread::spawn(move || get(port, "/q-hold"));
        std::thread::sleep(Duration::from_millis(100));
        get(p.http, "/q");
        let _ = t.join();
    }),
    ("server timeout", 1, |p| get(p.http, "/slow")),
    ("server closes", 1, |p| get(p.http, "/close")),
    ("junk response", 1, |p| get(p.http, "/junk")),
    ("server closes mid-body", 1, |p| {
        raw(p.http, b"GET /partial-close HTTP/1.1\r\nHost: h\r\n\r\n")
    }),
    ("server times out mid-body", 1, |p| {
        raw(p.http, b"GET /partial-hold HTTP/1.1\r\nHost: h\r\n\r\n")
    }),
    ("client aborts mid-body (bytes vary)", 1, |p| {
        head_then(p.http, "/big", Duration::from_millis(50))
    }),
    ("client times out mid-body (bytes vary)", 1, |p| {
        head_then(p.short, "/big", Duration::from_millis(1200))
    }),
    ("client aborts its request body", 1, |p| {
        raw(
            p.http,
            b"POST /post HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789",
        )
    }),
    ("chunked", 1, |p| get(p.http, "/chunked")),
    ("persistence cookie: none", 1, |p| get(p.http, "/ck")),
    ("persistence cookie: valid", 1, |p| {
        get_with(p.http, "/ck", "Cookie: SRV=a\r\n")
    }),
    ("persistence cookie: invalid", 1, |p| {
        get_with(p.http, "/ck", "Cookie: SRV=zz\r\n")
    }),
    ("captured cookies", 1, |p| {
        get_with(p.http, "/setck", "Cookie: a=b; SRV = long-value\r\n")
    }),
    ("persistence cookie: down", 1, |p| {
        get_with(p.http, "/ck", "Cookie: SRV=b\r\n")
    }),
    ("set-log-level silent", 0, |p| get(p.http, "/silent")),
    ("set-log-level notice", 1, |p| get(p.http, "/notice")),
    ("invalid request", 1, |p| {
        raw(p.http, b"GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n")
    }),
    ("request timeout", 1, |p| raw(p.http, b"GET / HTTP/1.1\r\n")),
    ("empty connection", 1, |p| {
        let w = Wire::connect(p.http);
        drop(w);
    }),
    ("custom format", 1, |p| get(p.custom, "/p/a?q=1")),
    ("no format: connect line", 1, |p| get(p.plain, "/")),
    ("dontlog-normal: success not logged", 0, |p| {
        get(p.quiet, "/")
    }),
    ("dontlog-normal: error logged", 1, |p| {
        get(p.quiet, "/close")
    }),
    ("option httplog clf", 1, |p| get(p.clf, "/c")),
    ("option httpslog", 1, |p| get(p.https, "/s")),
    ("dontlognull: an empty connection is not logged", 0, |p| {
        let w = Wire::connect(p.errfmt);
        drop(w);
    }),
    ("error-log-format", 1, |p| {
        raw(p.errfmt, b"GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n")
    }),
    ("rfc5424 with log-format-sd", 1, |p| get(p.sd, "/sd")),
    ("logasap", 1, |p| get(p.asap, "/")),
    ("logasap, tcp", 1, |p| {
        let mut w = Wire::connect(p.tasap);
        w.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        let _ = read_response(&mut w, false);
    }),
    ("tcp tunnel", 1, |p| {
        let mut w = Wire::connect(p.tcp);
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
    for (what, lines, step) in STEPS {
        step(&ha.p);
        step(&ra.p);
        for _ in 0..*lines {
            let h = ha.logs.next(&mut ha.seen);
            let r = ra.logs.next(&mut ra.seen);
            if dump {
                eprintln!("{what}\n  haproxy: {h}\n  rampart: {r}");
            }
            let vary = what.contains("(bytes vary)");
            if mask(&h, vary) != mask(&r, vary) {
                failures.push(format!("{what}:\n  haproxy: {h}\n  rampart: {r}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // `unique-id-header`: the server received the id.
    for side in [&ha, &ra] {
        let seen = side.origin.requests();
        let r = seen
            .iter()
            .find(|m| m.start.starts_with("GET /p/a"))
            .expect("the custom frontend's request reached the origin");
        let id = r.header("x-unique-id").unwrap_or_default();
        assert!(id.starts_with("7F000001-"), "{}", r.head_text());
    }
}
