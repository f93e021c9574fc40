//! Per-listener statistics (`option socket-stats`), compared with HAProxy 2.6 running
//! the same configuration after the same traffic: one frontend with seven listeners
//! (named, numbered, unnamed, `accept-proxy`, refused by `tcp-request connection` and
//! `tcp-request session` rules, full at its `maxconn`, a Unix socket), requests that
//! are served, denied, invalid, answered by the proxy, refused on the response side,
//! and a rewrite that fails. Compared: the LISTENER rows of `show stat` field by field
//! (and the frontend's counters the listeners mirror), the `<iid> <type> <sid>` filters,
//! `show stat typed` and `json`, the `haproxy_listener_*` Prometheus metrics, and the
//! listener rows of the statistics page.

#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use support::*;

/// Ports from `base`: six listeners' (the sixth is the full one), the origin, the
/// statistics page.
const ORIGIN: u16 = 6;
const PAGE: u16 = 7;

/// An origin answering `/dresp` with a 201 (refused by the frontend's `http-response`
/// rule; without a body, which HAProxy counts in `bout` when it came with the head)
/// and anything else with a 200.
fn origin(l: TcpListener) {
    std::thread::spawn(move || {
        for c in l.incoming().take(64) {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match c.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let resp: &[u8] = if buf.starts_with(b"GET /dresp ") {
                    b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                };
                let _ = c.write_all(resp);
            });
        }
    });
}

fn config(sock: &str, unix: &str, base: u16) -> String {
    let p = |i: u16| base + i;
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 20s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   option socket-stats\n\
         \x20   bind 127.0.0.1:{}\n\
         \x20   bind 127.0.0.1:{} name second id 7 maxconn 10\n\
         \x20   bind 127.0.0.1:{} accept-proxy\n\
         \x20   bind 127.0.0.1:{}\n\
         \x20   bind 127.0.0.1:{}\n\
         \x20   bind 127.0.0.1:{} name busy maxconn 1\n\
         \x20   bind unix@{unix}\n\
         \x20   tcp-request connection reject if {{ dst_port {} }}\n\
         \x20   tcp-request session reject if {{ dst_port {} }}\n\
         \x20   http-request deny if {{ path /deny }}\n\
         \x20   http-request return status 200 content-type text/plain string ok if {{ path /ret }}\n\
         \x20   http-request set-header x-copy %[req.hdr(x-in)] if {{ path /big }}\n\
         \x20   http-response deny if {{ status 201 }}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{}\n\
         listen st\n\
         \x20   bind 127.0.0.1:{}\n\
         \x20   stats enable\n\
         \x20   stats uri /stats\n\
         \x20   stats show-legends\n\
         \x20   http-request use-service prometheus-exporter if {{ path /metrics }}\n",
        p(0),
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(3),
        p(4),
        p(ORIGIN),
        p(PAGE),
    )
}

/// Sends `req` on a new connection and reads until the proxy closes.
fn exchange(port: u16, req: &[u8]) -> String {
    let mut s = TcpStream::connect(local(port)).expect("connect");
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.write_all(req);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(port: u16, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    exchange(port, req.as_bytes())
}

/// The traffic, the same for both programs. Returns the connection kept open on the
/// full listener.
fn drive(base: u16, unix: &str) -> TcpStream {
    let p = |i: u16| base + i;
    for _ in 0..3 {
        assert!(get(p(0), "/").starts_with("HTTP/1.1 200"));
    }
    assert!(get(p(0), "/deny").starts_with("HTTP/1.1 403"));
    assert!(get(p(0), "/ret").starts_with("HTTP/1.1 200"));
    assert!(get(p(0), "/dresp").starts_with("HTTP/1.1 502"));
    let bad = exchange(p(0), b"GET / HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    let big = format!(
        "GET /big HTTP/1.1\r\nhost: x\r\nx-in: {}\r\nconnection: close\r\n\r\n",
        "a".repeat(9000)
    );
    let r = exchange(p(0), big.as_bytes());
    assert!(r.starts_with("HTTP/1.1 500"), "{r}");
    for _ in 0..2 {
        assert!(get(p(1), "/").starts_with("HTTP/1.1 200"));
    }
    // A PROXY header that is none, then a valid one.
    let _ = exchange(p(2), b"GARBAGE\r\n\r\n");
    let pp = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\nGET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    assert!(exchange(p(2), pp).starts_with("HTTP/1.1 200"));
    assert_eq!(exchange(p(3), b""), "");
    assert_eq!(get(p(4), "/"), "");
    let mut u = std::os::unix::net::UnixStream::connect(unix).expect("connect unix");
    let _ = u.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = u.write_all(b"GET /ret HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let mut out = Vec::new();
    let _ = u.read_to_end(&mut out);
    assert!(out.starts_with(b"HTTP/1.1 200"));
    // A keep-alive connection held open on the listener of `maxconn 1`.
    let mut busy = TcpStream::connect(local(p(5))).expect("connect");
    let _ = busy.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = busy.write_all(b"GET /ret HTTP/1.1\r\nhost: x\r\n\r\n");
    let mut got = Vec::new();
    let mut b = [0u8; 512];
    while !String::from_utf8_lossy(&got).ends_with("\r\n\r\nok") {
        match busy.read(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&b[..n]),
        }
    }
    assert!(got.starts_with(b"HTTP/1.1 200"));
    busy
}

/// `show stat` lines as `(pxname/svname, field) -> value`.
fn table(out: &str) -> BTreeMap<(String, String), String> {
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

/// The `pxname/svname` of each line of a `show stat` answer.
fn names(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join("/"))
        .collect()
}

/// Everything one program answered.
struct Run {
    stat: BTreeMap<(String, String), String>,
    filtered: Vec<(String, Vec<String>)>,
    typed: Vec<String>,
    json: Vec<String>,
    prom: Vec<String>,
    page: Vec<String>,
}

/// The listeners (`svname`) of the frontend.
const LISTENERS: [&str; 7] = [
    "sock-1", "second", "sock-3", "sock-4", "sock-5", "busy", "sock-8",
];

/// Replaces this run's ports by their index from `base` (`:P0`...).
fn unport(s: &str, base: u16) -> String {
    let mut s = s.to_string();
    for i in (0..=PAGE).rev() {
        s = s.replace(&format!(":{}", base + i), &format!(":P{i}"));
    }
    s
}

fn run(name: &str, dir: &TempDir, haproxy: bool) -> Run {
    let base = free_ports(PAGE + 1);
    origin(bind_tcp(local(base + ORIGIN)));
    let sock = dir.join(&format!("{name}.sock"));
    let unix = dir.join(&format!("{name}-fe.sock"));
    let unix = unix.to_string_lossy().into_owned();
    let cfg = config(&sock.to_string_lossy(), &unix, base);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let _p = l
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(base + PAGE))
        .spawn();
    let busy = drive(base, &unix);
    let addr = format!("unix-connect:{}", sock.display());
    // Connections end on the proxy a moment after their client saw the end.
    let settled = wait_until(Duration::from_secs(5), || {
        let s = table(&socat(&addr, "show stat\n"));
        LISTENERS.iter().all(|li| {
            let want = if *li == "busy" { "1" } else { "0" };
            s.get(&(format!("fe/{li}"), "scur".into()))
                .map(String::as_str)
                == Some(want)
        })
    });
    assert!(
        settled,
        "the connections end: {:?}",
        socat(&addr, "show stat -1 8 -1\n")
    );
    let stat = table(&unport(&socat(&addr, "show stat\n"), base));
    let mut filtered = Vec::new();
    for f in ["2 8 7", "-1 8 -1", "2 9 -1", "2 1 -1", "fe 8 6", "-1 4 -1"] {
        let out = socat(&addr, &format!("show stat {f}\n"));
        filtered.push((f.to_string(), names(&out)));
    }
    // The typed lines of the listeners, but the modules' fields (SSL: Rampart has no
    // TLS and leaves them empty, as on its frontends) and the maximum.
    let typed = unport(&socat(&addr, "show stat typed\n"), base)
        .lines()
        .filter(|l| l.starts_with("L."))
        .filter(|l| {
            let pos: usize = l
                .split('.')
                .nth(3)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            pos < 103 && !l.contains(".smax.")
        })
        .map(str::to_string)
        .collect();
    let json: serde_json::Value =
        serde_json::from_str(&socat(&addr, "show stat json\n")).expect("show stat json");
    let json = json
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter(|f| f["objType"] == "Listener")
        .filter(|f| f["field"]["pos"].as_u64().is_some_and(|p| p < 103))
        .filter(|f| f["field"]["name"] != "smax")
        .map(|f| unport(&f.to_string(), base))
        .collect();
    let prom = curl_body(base + PAGE, "/metrics?scope=listener")
        .lines()
        .map(|l| {
            // The maximum may count a connection for a moment after its close.
            if l.starts_with("haproxy_listener_max_sessions{") {
                l.rsplit_once(' ').map_or(l, |(k, _)| k).to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    let page = socket_rows(&unport(&curl_body(base + PAGE, "/stats"), base));
    drop(busy);
    Run {
        stat,
        filtered,
        typed,
        json,
        prom,
        page,
    }
}

/// The body of `GET <path>` on `port` (`curl -s`).
fn curl_body(port: u16, path: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "--max-time", "5"])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The listener rows of the statistics page, numbers without HAProxy's digit grouping
/// (`<span class="rls">`, which Rampart's page does not write) and the maximum masked.
fn socket_rows(html: &str) -> Vec<String> {
    let smax = regex::Regex::new(r"(<td colspan=3>&nbsp;</td><td>\d+</td><td>)\d+(</td>)")
        .expect("a valid regex");
    html.split("<tr class=socket>")
        .skip(1)
        .map(|r| {
            let r = r.split("</tr>").next().unwrap_or("");
            let r = r.replace("<span class=\"rls\">", "").replace("</span>", "");
            smax.replace(&r, "${1}M${2}").into_owned()
        })
        .collect()
}

/// The fields of a LISTENER row HAProxy fills (`stats_fill_li_stats`), but `smax`.
const FIELDS: &[&str] = &[
    "pxname", "svname", "scur", "slim", "stot", "bin", "bout", "dreq", "dresp", "ereq", "status",
    "pid", "iid", "sid", "type", "wrew", "eint", "addr", "mode", "dcon", "dses",
];

#[test]
fn listener_rows_match_haproxy() {
    let dir = TempDir::new("listener-stats");
    let r = run("r", &dir, false);
    let h = run("h", &dir, true);
    let mut diffs = Vec::new();
    let mut cmp = |what: &str, a: Option<&String>, b: Option<&String>| {
        if a != b {
            diffs.push(format!("{what}: rampart {a:?}, haproxy {b:?}"));
        }
    };
    for li in LISTENERS {
        let obj = format!("fe/{li}");
        for f in FIELDS {
            let k = (obj.clone(), f.to_string());
            assert!(h.stat.contains_key(&k), "haproxy has no {obj}");
            cmp(&format!("{obj} {f}"), r.stat.get(&k), h.stat.get(&k));
        }
    }
    // The frontend counts what its listeners count.
    for f in [
        "stot", "conn_tot", "bin", "bout", "dreq", "dresp", "ereq", "dcon", "dses", "wrew", "eint",
    ] {
        let k = ("fe/FRONTEND".to_string(), f.to_string());
        cmp(&format!("fe/FRONTEND {f}"), r.stat.get(&k), h.stat.get(&k));
    }
    for ((f, a), (_, b)) in r.filtered.iter().zip(&h.filtered) {
        if a != b {
            diffs.push(format!("show stat {f}: rampart {a:?}, haproxy {b:?}"));
        }
    }
    for (what, a, b) in [
        ("typed", &r.typed, &h.typed),
        ("json", &r.json, &h.json),
        ("prometheus", &r.prom, &h.prom),
        ("page", &r.page, &h.page),
    ] {
        if a != b {
            let only_r: Vec<_> = a.iter().filter(|l| !b.contains(l)).collect();
            let only_h: Vec<_> = b.iter().filter(|l| !a.contains(l)).collect();
            diffs.push(format!(
                "{what}: rampart only {only_r:#?}\nhaproxy only {only_h:#?}"
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));

    // What the traffic makes of each listener, whichever program ran.
    let v = |li: &str, f: &str| {
        r.stat
            .get(&(format!("fe/{li}"), f.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    let expect = [
        ("sock-1", "stot", "8"),
        ("sock-1", "dreq", "1"),
        ("sock-1", "dresp", "1"),
        ("sock-1", "ereq", "1"),
        ("sock-1", "wrew", "1"),
        ("sock-1", "eint", "1"),
        ("sock-1", "sid", "1"),
        ("sock-1", "type", "3"),
        ("sock-1", "addr", "127.0.0.1:P0"),
        ("sock-1", "slim", "0"),
        ("second", "stot", "2"),
        ("second", "sid", "7"),
        ("second", "slim", "10"),
        ("sock-3", "stot", "2"),
        ("sock-3", "dcon", "0"),
        ("sock-3", "sid", "3"),
        ("sock-4", "dcon", "1"),
        ("sock-4", "stot", "1"),
        ("sock-5", "dses", "1"),
        ("busy", "scur", "1"),
        ("busy", "status", "FULL"),
        ("busy", "sid", "6"),
        ("sock-8", "addr", "unix"),
        ("sock-8", "status", "OPEN"),
        ("sock-8", "sid", "8"),
    ];
    for (li, f, want) in expect {
        assert_eq!(v(li, f), want, "{li} {f}");
    }
    for li in LISTENERS {
        let smax: i64 = v(li, "smax").parse().unwrap_or(-1);
        let stot: i64 = v(li, "stot").parse().unwrap_or(-1);
        assert!(
            (stot.min(1)..=3).contains(&smax),
            "{li} smax {smax} (stot {stot})"
        );
    }
    assert!(r
        .prom
        .iter()
        .any(|l| l == "haproxy_listener_status{proxy=\"fe\",listener=\"busy\",state=\"FULL\"} 1"));
    assert_eq!(r.page.len(), LISTENERS.len());
}

/// Without `option socket-stats`, no listener has a row, a metric or a page line, and
/// `so_name` is empty for an unnamed listener; with it, `so_name` is `sock-<id>`.
#[test]
fn without_the_option_listeners_have_no_rows() {
    let dir = TempDir::new("listener-stats-off");
    let base = free_ports(3);
    let sock = dir.join("r.sock");
    let cfg = format!(
        "global\n    stats socket {}\n\
         defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n\
         frontend plain\n    bind 127.0.0.1:{}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"[%[so_name]]\"\n\
         frontend counted\n    option socket-stats\n    bind 127.0.0.1:{}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"[%[so_name]]\" if !{{ path /metrics }}\n\
         \x20   http-request use-service prometheus-exporter if {{ path /metrics }}\n",
        sock.display(),
        base,
        base + 1
    );
    let _p = Launch::rampart("r", &dir, &cfg)
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(base + 1))
        .spawn();
    assert!(get(base, "/").ends_with("[]"));
    assert!(get(base + 1, "/").ends_with("[sock-1]"));
    let addr = format!("unix-connect:{}", sock.display());
    let names = names(&socat(&addr, "show stat\n"));
    assert_eq!(
        names,
        ["plain/FRONTEND", "counted/FRONTEND", "counted/sock-1"],
        "{names:?}"
    );
    let prom = curl_body(base + 1, "/metrics?scope=listener");
    assert!(
        prom.contains("haproxy_listener_sessions_total{proxy=\"counted\",listener=\"sock-1\"} 2"),
        "{prom}"
    );
    assert!(!prom.contains("proxy=\"plain\""), "{prom}");
}

/// `mode tcp`: bytes through the tunnel and `tcp-request content` refusals, counted by
/// listener as HAProxy counts them; `clear counters [all]` resets them.
#[test]
fn tcp_listener_rows_match_haproxy() {
    let dir = TempDir::new("listener-stats-tcp");
    let run = |name: &str, haproxy: bool| {
        let base = free_ports(3);
        let echo = bind_tcp(local(base + 2));
        std::thread::spawn(move || {
            for c in echo.incoming().take(16) {
                let Ok(mut c) = c else { continue };
                let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
                let mut b = [0u8; 64];
                if let Ok(n) = c.read(&mut b) {
                    let _ = c.write_all(&b[..n]);
                }
            }
        });
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n    stats socket {} level admin\n\
             defaults\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n\
             listen tl\n    mode tcp\n    option socket-stats\n\
             \x20   bind 127.0.0.1:{}\n    bind 127.0.0.1:{} name other\n\
             \x20   tcp-request inspect-delay 2s\n\
             \x20   tcp-request content reject if {{ req.payload(0,4) -m str QUIT }}\n\
             \x20   tcp-request content accept if {{ req.len gt 0 }}\n\
             \x20   server s1 127.0.0.1:{}\n",
            sock.display(),
            base,
            base + 1,
            base + 2
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let _p = l
            .ready(Ready::Unix(sock.clone()))
            .ready_tcp(local(base + 1))
            .spawn();
        for (port, msg) in [(base, "hello\n"), (base, "again!\n"), (base + 1, "QUIT\n")] {
            let mut s = TcpStream::connect(local(port)).expect("connect");
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(msg.as_bytes());
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out);
            let want = if msg == "QUIT\n" { "" } else { msg };
            assert_eq!(String::from_utf8_lossy(&out), want);
        }
        let addr = format!("unix-connect:{}", sock.display());
        let settled = wait_until(Duration::from_secs(5), || {
            let s = table(&socat(&addr, "show stat\n"));
            ["sock-1", "other"].iter().all(|li| {
                s.get(&(format!("tl/{li}"), "scur".into()))
                    .map(String::as_str)
                    == Some("0")
            })
        });
        assert!(settled, "the connections end");
        let stat = table(&unport(&socat(&addr, "show stat\n"), base));
        // `clear counters` resets the maximum, `clear counters all` the rest.
        let _ = socat(&addr, "clear counters\n");
        let s = table(&socat(&addr, "show stat\n"));
        let k = |f: &str| ("tl/sock-1".to_string(), f.to_string());
        assert_eq!(s.get(&k("smax")).map(String::as_str), Some("0"));
        assert_eq!(s.get(&k("stot")).map(String::as_str), Some("2"));
        let _ = socat(&addr, "clear counters all\n");
        let s = table(&socat(&addr, "show stat\n"));
        for f in ["stot", "bin", "bout"] {
            assert_eq!(s.get(&k(f)).map(String::as_str), Some("0"), "{f}");
        }
        let other = ("tl/other".to_string(), "dreq".to_string());
        assert_eq!(s.get(&other).map(String::as_str), Some("0"));
        stat
    };
    let r = run("r", false);
    let h = run("h", true);
    let mut diffs = Vec::new();
    for obj in ["tl/sock-1", "tl/other", "tl/FRONTEND"] {
        for f in FIELDS {
            let k = (obj.to_string(), f.to_string());
            if obj.ends_with("FRONTEND") && matches!(*f, "addr" | "sid" | "slim") {
                continue;
            }
            if r.get(&k) != h.get(&k) {
                diffs.push(format!(
                    "{obj} {f}: rampart {:?}, haproxy {:?}",
                    r.get(&k),
                    h.get(&k)
                ));
            }
        }
    }
    // What the refused stream had sent counts for the `listen`'s backend too.
    let k = ("tl/BACKEND".to_string(), "bin".to_string());
    if r.get(&k) != h.get(&k) {
        diffs.push(format!(
            "tl/BACKEND bin: rampart {:?}, haproxy {:?}",
            r.get(&k),
            h.get(&k)
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    let v = |li: &str, f: &str| r.get(&(format!("tl/{li}"), f.to_string())).cloned();
    assert_eq!(v("sock-1", "bin").as_deref(), Some("13"));
    assert_eq!(v("sock-1", "bout").as_deref(), Some("13"));
    assert_eq!(v("sock-1", "stot").as_deref(), Some("2"));
    assert_eq!(v("other", "dreq").as_deref(), Some("1"));
    assert_eq!(v("other", "bin").as_deref(), Some("5"));
    assert_eq!(v("other", "mode").as_deref(), Some("tcp"));
}
