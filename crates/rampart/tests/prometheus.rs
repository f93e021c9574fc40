//! `http-request use-service prometheus-exporter`: the same configuration on rampart
//! and on Debian's HAProxy 2.6 (built with its PROMEX addon), scraped with curl after
//! known traffic. Compared: the metric families (all of HAProxy's), their `# HELP` and
//! `# TYPE` lines, the label sets of every line, the counters the traffic drives, the
//! `scope` query parameter and `no-maint`; then, with health checks, a `slowstart` and
//! servers taken down by the runtime API, the check families (`check_status` per
//! state, codes, failures, transitions, `agg_check_status`), the connection figures,
//! `current_throttle`, and where HAProxy prints `NaN`. Every scrape is checked by a
//! strict parser of the text exposition format 0.0.4 and by `promtool check metrics`.

#![allow(clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;
use support::*;

/// An origin answering `/nf` with a 404 and anything else with a 200.
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
                let nf = buf.starts_with(b"GET /nf ");
                let resp: &[u8] = if nf {
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nconnection: close\r\n\r\nnf"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                };
                let _ = c.write_all(resp);
            });
        }
    });
}

fn config(port: u16, srv: u16, tcp: u16) -> String {
    format!(
        "defaults\n\
         \x20   mode http\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   http-request use-service prometheus-exporter if {{ path /metrics }}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{srv}\n\
         \x20   server s2 127.0.0.1:{srv} disabled\n\
         listen tcpl\n\
         \x20   mode tcp\n\
         \x20   bind 127.0.0.1:{tcp}\n\
         \x20   server t1 127.0.0.1:{srv}\n"
    )
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

/// `curl -si`: status line and headers, body.
fn curl(port: u16, target: &str) -> (String, String) {
    let out = Command::new("curl")
        .args(["-si", "--max-time", "10"])
        .arg(format!("http://127.0.0.1:{port}{target}"))
        .output()
        .expect("curl is installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_string(), body.to_string())
}

/// One parsed scrape.
#[derive(Default)]
struct Scrape {
    /// Family name -> (HELP text, TYPE), in order of appearance.
    families: BTreeMap<String, (String, String)>,
    order: Vec<String>,
    /// `name{labels}` (labels in their order) -> value text.
    samples: BTreeMap<String, String>,
}

fn valid_name(n: &str) -> bool {
    let mut c = n.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

/// A strict reader of the text format as HAProxy writes it: every family opens with
/// `# HELP` then `# TYPE` (counter or gauge), its samples follow contiguously, names
/// and label names are valid, label values are quoted without escapes, values are
/// numbers or `NaN`, no sample repeats, the text ends with a line feed.
fn parse(text: &str) -> Scrape {
    let mut s = Scrape::default();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "ends with a line feed"
    );
    let mut current: Option<String> = None;
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if let Some(rest) = l.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP name text");
            assert!(valid_name(name), "{l}");
            let t = lines.next().expect("TYPE after HELP");
            let (tname, ty) = t
                .strip_prefix("# TYPE ")
                .and_then(|r| r.split_once(' '))
                .expect("TYPE line");
            assert_eq!(tname, name, "{t}");
            assert!(ty == "counter" || ty == "gauge", "{t}");
            assert!(
                !s.families.contains_key(name),
                "family {name} declared twice"
            );
            s.families
                .insert(name.to_string(), (help.to_string(), ty.to_string()));
            s.order.push(name.to_string());
            current = Some(name.to_string());
            continue;
        }
        assert!(!l.starts_with('#'), "unexpected comment {l}");
        let (key, value) = l.rsplit_once(' ').expect("sample value");
        assert!(
            value == "NaN" || value.parse::<f64>().is_ok(),
            "value of {l}"
        );
        let (name, labels) = match key.split_once('{') {
            Some((n, rest)) => (n, Some(rest.strip_suffix('}').expect("closing brace"))),
            None => (key, None),
        };
        assert_eq!(Some(name), current.as_deref(), "{l} outside its family");
        if let Some(labels) = labels {
            let mut seen = BTreeSet::new();
            for pair in labels.split(',') {
                let (k, v) = pair.split_once('=').expect("label=value");
                assert!(valid_name(k), "{l}");
                assert!(seen.insert(k), "label {k} repeated in {l}");
                let inner = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .expect("quoted label value");
                assert!(!inner.contains(['"', '\\', '\n']), "{l}");
            }
        }
        assert!(
            s.samples
                .insert(key.to_string(), value.to_string())
                .is_none(),
            "{key} repeated"
        );
    }
    s
}

/// `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs it):
/// the text must parse; its lint findings are returned (HAProxy's own names have some,
/// such as counters without `_total`, which the caller compares with haproxy's).
fn promtool(text: &str) -> Vec<String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("promtool ({e}): apt-get install prometheus"));
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().expect("promtool runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains("error while linting") && !all.contains("parsing error"),
        "promtool cannot parse the exposition: {all}"
    );
    let mut lints: Vec<String> = all
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    lints.sort();
    lints
}

fn scrape(port: u16, target: &str) -> (String, Scrape) {
    let (body, s, _) = scrape_linted(port, target);
    (body, s)
}

fn scrape_linted(port: u16, target: &str) -> (String, Scrape, Vec<String>) {
    let (head, body) = curl(port, target);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let h = head.to_ascii_lowercase();
    assert!(
        h.contains("\r\ncontent-type: text/plain; version=0.0.4"),
        "{head}"
    );
    assert!(h.contains("\r\ncache-control: no-cache"), "{head}");
    assert!(h.contains("\r\ntransfer-encoding: chunked"), "{head}");
    let lints = promtool(&body);
    let s = parse(&body);
    (body, s, lints)
}

/// What one program gave.
struct Run {
    all: Scrape,
    no_maint: Scrape,
    scoped: BTreeMap<&'static str, String>,
    bad_scope: String,
    /// What `promtool check metrics` says of the whole scrape.
    lints: Vec<String>,
}

const SCOPES: &[&str] = &[
    "?scope=",
    "?scope=global",
    "?scope=server",
    "?scope=frontend&scope=backend",
    "?scope=backend&scope=",
];

fn run(name: &str, dir: &TempDir, haproxy: bool) -> Run {
    let base = free_ports(3);
    origin(bind_tcp(local(base + 1)));
    let cfg = config(base, base + 1, base + 2);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let _p = l.ready_tcp(local(base)).spawn();
    for _ in 0..3 {
        assert!(get(base, "/").starts_with("HTTP/1.1 200"));
    }
    for _ in 0..2 {
        assert!(get(base, "/nf").starts_with("HTTP/1.1 404"));
    }
    let (_, all, lints) = scrape_linted(base, "/metrics");
    let (_, no_maint) = scrape(base, "/metrics?no-maint");
    let mut scoped = BTreeMap::new();
    for q in SCOPES {
        let (body, _) = scrape(base, &format!("/metrics{q}"));
        scoped.insert(*q, body);
    }
    let (bad_scope, _) = curl(base, "/metrics?scope");
    Run {
        all,
        no_maint,
        scoped,
        bad_scope,
        lints,
    }
}

fn prefixes(body: &str) -> BTreeSet<String> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('_').nth(1).map(str::to_string))
        .collect()
}

#[test]
fn exporter_matches_haproxy() {
    let dir = TempDir::new("prometheus");
    let r = run("r", &dir, false);
    let h = run("h", &dir, true);

    // promtool finds nothing in rampart's scrape that it does not find in haproxy's
    // (HAProxy's own names break some of its conventions).
    let new_lints: Vec<&String> = r.lints.iter().filter(|l| !h.lints.contains(l)).collect();
    assert!(new_lints.is_empty(), "promtool: {new_lints:?}");

    // Families: HAProxy's names, help texts and types, in HAProxy's order.
    let mut missing: Vec<&str> = h
        .all
        .order
        .iter()
        .filter(|f| !r.all.families.contains_key(*f))
        .map(String::as_str)
        .collect();
    missing.sort_unstable();
    assert!(missing.is_empty(), "families left out: {missing:?}");
    let extra: Vec<&String> = r
        .all
        .order
        .iter()
        .filter(|f| !h.all.families.contains_key(*f))
        .collect();
    assert!(
        extra.is_empty(),
        "families HAProxy does not have: {extra:?}"
    );
    let common: Vec<&String> = h
        .all
        .order
        .iter()
        .filter(|f| r.all.families.contains_key(*f))
        .collect();
    assert_eq!(
        common,
        r.all.order.iter().collect::<Vec<_>>(),
        "family order"
    );
    for f in &common {
        assert_eq!(r.all.families[*f], h.all.families[*f], "HELP/TYPE of {f}");
    }

    // Every line of the families both export, with the same labels, in HAProxy's order.
    let family_of = |k: &str| k.split('{').next().unwrap_or(k).to_string();
    let keys = |s: &Scrape| -> Vec<String> {
        s.samples
            .keys()
            .filter(|k| r.all.families.contains_key(&family_of(k)))
            .cloned()
            .collect()
    };
    let rk = keys(&r.all);
    let hk: Vec<String> = keys(&h.all)
        .into_iter()
        .map(|k| {
            // The version label names each program's own version.
            if k.starts_with("haproxy_process_build_info{") {
                rk.iter()
                    .find(|x| x.starts_with("haproxy_process_build_info{"))
                    .cloned()
                    .unwrap_or(k)
            } else {
                k
            }
        })
        .collect();
    assert_eq!(rk, hk, "label sets");

    // The counters the traffic drove: 3 times 200 and 2 times 404 through fe/be/s1,
    // then each scrape is intercepted by the frontend (the first sees itself).
    let exact = [
        r#"haproxy_frontend_http_requests_total{proxy="fe"}"#,
        r#"haproxy_frontend_http_responses_total{proxy="fe",code="2xx"}"#,
        r#"haproxy_frontend_http_responses_total{proxy="fe",code="4xx"}"#,
        r#"haproxy_frontend_http_responses_total{proxy="fe",code="5xx"}"#,
        r#"haproxy_frontend_sessions_total{proxy="fe"}"#,
        r#"haproxy_frontend_connections_total{proxy="fe"}"#,
        r#"haproxy_frontend_intercepted_requests_total{proxy="fe"}"#,
        r#"haproxy_frontend_requests_denied_total{proxy="fe"}"#,
        r#"haproxy_backend_http_requests_total{proxy="be"}"#,
        r#"haproxy_backend_http_responses_total{proxy="be",code="2xx"}"#,
        r#"haproxy_backend_http_responses_total{proxy="be",code="4xx"}"#,
        r#"haproxy_backend_sessions_total{proxy="be"}"#,
        r#"haproxy_backend_loadbalanced_total{proxy="be"}"#,
        r#"haproxy_backend_active_servers{proxy="be"}"#,
        r#"haproxy_backend_status{proxy="be",state="UP"}"#,
        r#"haproxy_backend_agg_server_status{proxy="be",state="MAINT"}"#,
        r#"haproxy_backend_agg_server_status{proxy="be",state="UP"}"#,
        r#"haproxy_server_http_responses_total{proxy="be",server="s1",code="2xx"}"#,
        r#"haproxy_server_http_responses_total{proxy="be",server="s1",code="4xx"}"#,
        r#"haproxy_server_sessions_total{proxy="be",server="s1"}"#,
        r#"haproxy_server_loadbalanced_total{proxy="be",server="s1"}"#,
        r#"haproxy_server_sessions_total{proxy="be",server="s2"}"#,
        r#"haproxy_server_status{proxy="be",server="s1",state="UP"}"#,
        r#"haproxy_server_status{proxy="be",server="s2",state="MAINT"}"#,
        r#"haproxy_server_status{proxy="be",server="s2",state="UP"}"#,
        r#"haproxy_server_sessions_total{proxy="tcpl",server="t1"}"#,
        r#"haproxy_frontend_status{proxy="tcpl",state="UP"}"#,
        r#"haproxy_process_nbproc"#,
        r#"haproxy_process_requests_total"#,
        r#"haproxy_process_connections_total"#,
    ];
    for k in exact {
        let rv = r.all.samples.get(k);
        assert!(rv.is_some(), "{k} exported");
        assert_eq!(rv, h.all.samples.get(k), "{k}");
    }
    let v = |s: &Scrape, k: &str| s.samples.get(k).cloned().unwrap_or_default();
    assert_eq!(
        v(
            &r.all,
            r#"haproxy_frontend_http_requests_total{proxy="fe"}"#
        ),
        "6"
    );
    assert_eq!(
        v(
            &r.all,
            r#"haproxy_frontend_intercepted_requests_total{proxy="fe"}"#
        ),
        "1"
    );
    assert_eq!(
        v(
            &r.all,
            r#"haproxy_server_http_responses_total{proxy="be",server="s1",code="4xx"}"#
        ),
        "2"
    );

    // `no-maint` hides s2 (disabled) and nothing else.
    for (s, name) in [(&r, "rampart"), (&h, "haproxy")] {
        let gone: Vec<&String> = s
            .all
            .samples
            .keys()
            .filter(|k| !s.no_maint.samples.contains_key(*k))
            .collect();
        assert!(!gone.is_empty(), "{name}: no-maint hides something");
        assert!(
            gone.iter().all(|k| k.contains(r#"server="s2""#)),
            "{name}: no-maint hides only s2: {gone:?}"
        );
        assert!(
            s.all
                .samples
                .keys()
                .filter(|k| k.contains(r#"server="s2""#))
                .all(|k| !s.no_maint.samples.contains_key(k)),
            "{name}: no-maint hides all of s2"
        );
    }

    // Scopes: the same prefixes as HAProxy, and `scope=` alone selects nothing.
    for q in SCOPES {
        assert_eq!(
            prefixes(&r.scoped[q]),
            prefixes(&h.scoped[q]),
            "prefixes of {q}"
        );
    }
    assert_eq!(r.scoped["?scope="], "");
    assert_eq!(
        prefixes(&r.scoped["?scope=server"]),
        BTreeSet::from(["server".to_string()])
    );
    assert!(r.bad_scope.starts_with("HTTP/1.1 400"), "{}", r.bad_scope);
    assert!(h.bad_scope.starts_with("HTTP/1.1 400"), "{}", h.bad_scope);
}

/// Families whose every value must be HAProxy's after the same traffic, checks and
/// runtime API commands (the others count time or follow it: compared by whether they
/// are `NaN`).
const SAME_VALUES: &[&str] = &[
    "haproxy_server_check_status",
    "haproxy_server_check_code",
    "haproxy_server_check_failures_total",
    "haproxy_server_check_up_down_total",
    "haproxy_backend_check_up_down_total",
    "haproxy_backend_agg_check_status",
    "haproxy_server_current_throttle",
    "haproxy_server_need_connections_current",
    "haproxy_server_unsafe_idle_connections_current",
    "haproxy_server_safe_idle_connections_current",
    "haproxy_server_idle_connections_current",
];

/// Servers with health checks: `up` (its port, `up`, accepts and closes), `down` and
/// `d` (port `closed` refuses), `off` (disabled), `slow` (`slowstart`), `maint` (taken
/// down by the runtime API); `web/w1` carries traffic, `empty` has no server. One
/// thread: Rampart estimates the connections a server needs per thread (their sum is
/// shown), HAProxy for the process; with one thread they are the same.
fn checks_config(sock: &str, port: u16, srv: u16, up: u16, closed: u16) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         \x20   nbthread 1\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   http-request use-service prometheus-exporter if {{ path /metrics }}\n\
         \x20   default_backend web\n\
         backend web\n\
         \x20   server w1 127.0.0.1:{srv}\n\
         backend chk\n\
         \x20   server up 127.0.0.1:{up} check inter 100\n\
         \x20   server down 127.0.0.1:{closed} check inter 100 rise 1 fall 1\n\
         \x20   server off 127.0.0.1:{up} check inter 100 disabled\n\
         \x20   server slow 127.0.0.1:{up} check inter 100 slowstart 60s\n\
         \x20   server maint 127.0.0.1:{up} check inter 100\n\
         backend dead\n\
         \x20   server d 127.0.0.1:{closed} check inter 100 rise 1 fall 1\n\
         backend empty\n"
    )
}

/// A server's `status` in `show stat`.
fn status_of(sock: &str, be: &str, srv: &str) -> String {
    socat(&format!("unix-connect:{sock}"), "show stat\n")
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.len() > 17 && f[0] == be && f[1] == srv)
        .map(|f| f[17].to_string())
        .unwrap_or_default()
}

/// One program's scrape once its checks settled, `chk/slow` went down and came back
/// (warming up for a minute) and `chk/maint` went into maintenance.
fn run_checks(name: &str, dir: &TempDir, haproxy: bool) -> (Scrape, Vec<String>) {
    let base = free_ports(4);
    origin(bind_tcp(local(base + 1)));
    let _checked = TestServer::tcp(base + 2, drop);
    let sock = dir.join(&format!("{name}.sock"));
    let sock = sock.to_string_lossy().into_owned();
    // `base + 3` stays closed.
    let cfg = checks_config(&sock, base, base + 1, base + 2, base + 3);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let _p = l
        .ready(Ready::Unix(sock.clone().into()))
        .ready_tcp(local(base))
        .spawn();
    let settled = wait_until(Duration::from_secs(10), || {
        status_of(&sock, "chk", "down") == "DOWN"
            && status_of(&sock, "dead", "d") == "DOWN"
            && status_of(&sock, "chk", "up") == "UP"
            && status_of(&sock, "chk", "maint") == "UP"
    });
    assert!(settled, "{name}: the checks decide");
    let addr = format!("unix-connect:{sock}");
    for cmd in [
        "set server chk/slow health down",
        "set server chk/slow health up",
        "disable server chk/maint",
    ] {
        assert_eq!(socat(&addr, &format!("{cmd}\n")).trim(), "", "{cmd}");
    }
    for _ in 0..3 {
        assert!(get(base, "/").starts_with("HTTP/1.1 200"));
    }
    let (_, all, lints) = scrape_linted(base, "/metrics");
    (all, lints)
}

#[test]
fn check_families_match_haproxy() {
    let dir = TempDir::new("prometheus-checks");
    let (r, r_lints) = run_checks("r", &dir, false);
    let (h, h_lints) = run_checks("h", &dir, true);
    let new_lints: Vec<&String> = r_lints.iter().filter(|l| !h_lints.contains(l)).collect();
    assert!(new_lints.is_empty(), "promtool: {new_lints:?}");
    assert_eq!(r.order, h.order, "families");
    for f in &h.order {
        assert_eq!(r.families[f], h.families[f], "HELP/TYPE of {f}");
    }
    // Every line but the process's (its counters count check sessions in HAProxy).
    let family_of = |k: &str| k.split('{').next().unwrap_or(k).to_string();
    let keys = |s: &Scrape| -> Vec<String> {
        s.samples
            .keys()
            .filter(|k| !k.starts_with("haproxy_process_"))
            .cloned()
            .collect()
    };
    assert_eq!(keys(&r), keys(&h), "label sets");
    for (k, hv) in &h.samples {
        let f = family_of(k);
        let rv = r.samples.get(k);
        if SAME_VALUES.contains(&f.as_str()) {
            assert_eq!(rv, Some(hv), "{k}");
        } else if !f.starts_with("haproxy_process_") {
            assert_eq!(rv.map(|v| v == "NaN"), Some(hv == "NaN"), "{k}: NaN or not");
        }
    }
    let v = |s: &Scrape, k: &str| s.samples.get(k).cloned().unwrap_or_default();
    for (s, name) in [(&r, "rampart"), (&h, "haproxy")] {
        for (k, want) in [
            (
                r#"haproxy_server_check_status{proxy="chk",server="up",state="L4OK"}"#,
                "1",
            ),
            (
                r#"haproxy_server_check_status{proxy="chk",server="down",state="L4CON"}"#,
                "1",
            ),
            (
                r#"haproxy_server_check_status{proxy="chk",server="down",state="L4OK"}"#,
                "0",
            ),
            (r#"haproxy_server_check_code{proxy="chk",server="up"}"#, "0"),
            (
                r#"haproxy_server_check_failures_total{proxy="chk",server="down"}"#,
                "1",
            ),
            (
                r#"haproxy_server_check_failures_total{proxy="web",server="w1"}"#,
                "NaN",
            ),
            (
                r#"haproxy_server_check_up_down_total{proxy="chk",server="slow"}"#,
                "1",
            ),
            (
                r#"haproxy_server_check_up_down_total{proxy="chk",server="maint"}"#,
                "1",
            ),
            (
                r#"haproxy_server_check_up_down_total{proxy="chk",server="off"}"#,
                "0",
            ),
            (r#"haproxy_backend_check_up_down_total{proxy="dead"}"#, "1"),
            (r#"haproxy_backend_check_up_down_total{proxy="chk"}"#, "0"),
            (
                r#"haproxy_backend_agg_check_status{proxy="chk",state="L4OK"}"#,
                "3",
            ),
            (
                r#"haproxy_backend_agg_check_status{proxy="chk",state="L4CON"}"#,
                "1",
            ),
            (
                r#"haproxy_server_current_throttle{proxy="chk",server="slow"}"#,
                "7",
            ),
            (
                r#"haproxy_server_current_throttle{proxy="chk",server="up"}"#,
                "NaN",
            ),
            (
                r#"haproxy_server_downtime_seconds_total{proxy="chk",server="up"}"#,
                "0",
            ),
            (
                r#"haproxy_server_downtime_seconds_total{proxy="web",server="w1"}"#,
                "NaN",
            ),
            (
                r#"haproxy_backend_downtime_seconds_total{proxy="web"}"#,
                "0",
            ),
            (
                r#"haproxy_backend_downtime_seconds_total{proxy="empty"}"#,
                "NaN",
            ),
            (
                r#"haproxy_server_need_connections_current{proxy="chk",server="up"}"#,
                "1",
            ),
            (
                r#"haproxy_server_need_connections_current{proxy="chk",server="off"}"#,
                "0",
            ),
            (
                r#"haproxy_server_need_connections_current{proxy="web",server="w1"}"#,
                "1",
            ),
            (
                r#"haproxy_server_used_connections_current{proxy="web",server="w1"}"#,
                "0",
            ),
        ] {
            assert_eq!(v(s, k), want, "{name}: {k}");
        }
        // Paused checks (maintenance) have no status nor code; the last duration stays.
        for srv in ["off", "maint"] {
            for fam in ["check_status", "check_code"] {
                let p = format!("haproxy_server_{fam}{{proxy=\"chk\",server=\"{srv}\"");
                assert!(
                    !s.samples.keys().any(|k| k.starts_with(&p)),
                    "{name}: {p} while paused"
                );
            }
        }
        let d = r#"haproxy_server_check_duration_seconds{proxy="chk",server="maint"}"#;
        assert!(s.samples.contains_key(d), "{name}: {d}");
    }
}
