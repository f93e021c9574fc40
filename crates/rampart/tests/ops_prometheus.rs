//! The Prometheus clients operators point at HAProxy, run unchanged against Rampart:
//! Debian's `prometheus-haproxy-exporter` scraping the `;csv` stats page and the stats
//! socket, and a real Prometheus server scraping the built-in `prometheus-exporter`
//! service, queried on its HTTP API. Each test checks what the client reports against
//! the configuration and the traffic, then changes a server's state on the runtime API
//! and waits (bounded) for the client to report it.
//!
//! The clients are required: a missing one fails the test with the package to install
//! (`.ci/run` installs them). `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests
//! against HAProxy 2.6, which validates what they expect.

#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::*;

/// Longest wait for a client to report a change (the exporter scrapes on demand,
/// Prometheus every second).
const CHANGE: Duration = Duration::from_secs(20);
/// Longest wait for Prometheus to start and scrape its target the first time.
const PROMETHEUS_START: Duration = Duration::from_secs(60);

/// One runtime API command on the Unix socket at `sock`, as an ops script sends it.
fn cli(sock: &Path, cmd: &str) -> String {
    socat(
        &format!("unix-connect:{}", sock.display()),
        &format!("{cmd}\n"),
    )
}

/// A `show stat` field of one row (`sv` is a server, FRONTEND or BACKEND).
fn stat_field(sock: &Path, px: &str, sv: &str, field: &str) -> String {
    show_stat_field(&format!("unix-connect:{}", sock.display()), px, sv, field)
}

/// `curl` on a loopback URL; returns the body (empty when the server did not answer).
fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "5"])
        .args(args)
        .output()
        .expect("curl is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---------------------------------------------------------------------------------------
// prometheus-haproxy-exporter

/// The samples of a text exposition: `(name, labels)` -> value.
type Samples = BTreeMap<(String, BTreeMap<String, String>), f64>;

fn samples(text: &str) -> Samples {
    let mut out = Samples::new();
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let Some((series, value)) = l.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter_map(|kv| kv.split_once("=\""))
            .map(|(k, v)| (k.to_string(), v.trim_end_matches('"').to_string()))
            .collect();
        out.insert((name.to_string(), labels), value);
    }
    out
}

/// `k=v` pairs as a label set.
fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of `name{labels}` (exactly these labels) in `s`.
fn sample(s: &Samples, name: &str, pairs: &[(&str, &str)]) -> Option<f64> {
    s.get(&(name.to_string(), labels(pairs))).copied()
}

/// A running exporter and where it answers.
struct Exporter {
    p: Proc,
    port: u16,
}

impl Exporter {
    fn start(dir: &TempDir, name: &str, scrape_uri: &str) -> Exporter {
        let port = free_port();
        let bin = client_bin("prometheus-haproxy-exporter", "prometheus-haproxy-exporter");
        let p = Launch::new(name, bin, dir)
            .arg(format!("--haproxy.scrape-uri={scrape_uri}"))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .ready_tcp(local(port))
            .spawn();
        Exporter { p, port }
    }

    /// One scrape of the exporter (which scrapes the proxy then).
    fn metrics(&self) -> Samples {
        samples(&curl(&[&format!("http://127.0.0.1:{}/metrics", self.port)]))
    }

    /// Waits until a scrape satisfies `cond`; panics with the scrape and the exporter's
    /// log otherwise.
    fn wait(&self, what: &str, cond: impl Fn(&Samples) -> bool) -> Samples {
        let mut last = Samples::new();
        let ok = wait_until(CHANGE, || {
            last = self.metrics();
            cond(&last)
        });
        if !ok {
            let shown: Vec<String> = last
                .iter()
                .filter(|((n, _), _)| n.starts_with("haproxy_") && !n.contains("_bytes_"))
                .map(|((n, l), v)| format!("{n}{l:?} {v}"))
                .collect();
            panic!(
                "the exporter never reported {what} within {CHANGE:?}; last scrape:\n{}\n\
                 exporter's log:\n{}",
                shown.join("\n"),
                self.p.stderr()
            );
        }
        last
    }
}

fn server_up(s: &Samples, sv: &str) -> Option<f64> {
    sample(s, "haproxy_server_up", &[("backend", "be"), ("server", sv)])
}

fn exporter_config(sock: &Path, port: u16, stats: u16, o1: u16, o2: u16) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   use_backend dead if {{ path /dead }}\n\
         \x20   default_backend be\n\
         listen st\n\
         \x20   bind 127.0.0.1:{stats}\n\
         \x20   stats enable\n\
         \x20   stats uri /stats\n\
         backend be\n\
         \x20   balance roundrobin\n\
         \x20   server s1 127.0.0.1:{o1} check inter 100ms\n\
         \x20   server s2 127.0.0.1:{o2}\n\
         backend dead\n\
         \x20   timeout connect 100ms\n\
         \x20   retries 2\n\
         \x20   server d1 127.0.0.1:{refused}\n",
        sock = sock.display(),
        refused = stats + 100,
    )
}

/// Debian's prometheus-haproxy-exporter reads the `;csv` stats page without a parse
/// failure: the proxy is up, both servers (one checked, one not) are up, the traffic's
/// counters come through (connection errors counted once per request, as alerts on
/// them expect, the attempts before as retries); a server put into maintenance on the socket is reported down
/// and back up when made ready, a draining one stays up. Pointed at the stats socket
/// (`unix:`), it also reads `show info` (the version).
#[test]
fn haproxy_exporter_reads_stats_page_and_socket() {
    let dir = TempDir::new("ops-exporter");
    let ports = free_ports(4);
    let (port, stats, p1, p2) = (ports, ports + 1, ports + 2, ports + 3);
    let _o1 = named_origin(p1, "s1");
    let _o2 = named_origin(p2, "s2");
    let sock = dir.join("admin.sock");
    let _proxy = Launch::rampart("proxy", &dir, &exporter_config(&sock, port, stats, p1, p2))
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .ready_tcp(local(stats))
        .spawn();
    assert!(
        wait_until(CHANGE, || stat_field(&sock, "be", "s1", "status") == "UP"),
        "the checked server comes up: {}",
        cli(&sock, "show stat")
    );
    let sent: Vec<String> = (0..4)
        .map(|_| http_get(connect(local(port)), "/").1)
        .collect();
    for sv in ["s1", "s2"] {
        let n = sent.iter().filter(|b| *b == sv).count();
        assert_eq!(n, 2, "roundrobin over both origins: {sent:?}");
    }
    // Two requests to a server that refuses: each tries 3 times (`retries 2`), then
    // fails with a 503.
    for _ in 0..2 {
        let (status, _) = http_get(connect(local(port)), "/dead");
        assert_eq!(status, 503, "a request to the refusing server");
    }

    let csv = Exporter::start(
        &dir,
        "exporter-csv",
        &format!("http://127.0.0.1:{stats}/stats;csv"),
    );
    let m = csv.wait("both servers up", |m| {
        server_up(m, "s1") == Some(1.0) && server_up(m, "s2") == Some(1.0)
    });
    assert_eq!(
        sample(&m, "haproxy_up", &[]),
        Some(1.0),
        "the page was read"
    );
    assert_eq!(
        sample(&m, "haproxy_exporter_csv_parse_failures_total", &[]),
        Some(0.0),
        "every CSV row parsed"
    );
    assert_eq!(
        sample(&m, "haproxy_backend_up", &[("backend", "be")]),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &m,
            "haproxy_frontend_http_requests_total",
            &[("frontend", "fe")]
        ),
        Some(6.0),
        "the frontend's request count (4 served, 2 failed)"
    );
    let dead = [("backend", "dead"), ("server", "d1")];
    for (name, labels, want) in [
        ("haproxy_server_connection_errors_total", &dead[..], 2.0),
        ("haproxy_server_retry_warnings_total", &dead[..], 4.0),
        ("haproxy_backend_connection_errors_total", &dead[..1], 2.0),
        ("haproxy_backend_retry_warnings_total", &dead[..1], 4.0),
    ] {
        assert_eq!(
            sample(&m, name, labels),
            Some(want),
            "{name}{labels:?}: one connection error per request, two retries each"
        );
    }
    for sv in ["s1", "s2"] {
        let ok = [("backend", "be"), ("code", "2xx"), ("server", sv)];
        assert_eq!(
            sample(&m, "haproxy_server_http_responses_total", &ok),
            Some(2.0),
            "{sv}'s 2xx responses"
        );
        assert_eq!(
            sample(
                &m,
                "haproxy_server_weight",
                &[("backend", "be"), ("server", sv)]
            ),
            Some(1.0)
        );
    }

    let socket = Exporter::start(&dir, "exporter-sock", &format!("unix:{}", sock.display()));
    let m = socket.wait("both servers up through the socket", |m| {
        server_up(m, "s1") == Some(1.0) && server_up(m, "s2") == Some(1.0)
    });
    assert_eq!(sample(&m, "haproxy_up", &[]), Some(1.0));
    assert_eq!(
        sample(&m, "haproxy_exporter_csv_parse_failures_total", &[]),
        Some(0.0)
    );
    let version = m
        .iter()
        .find(|((n, _), _)| n == "haproxy_version_info")
        .map(|((_, l), v)| (l.get("version").cloned().unwrap_or_default(), *v));
    assert!(
        version
            .as_ref()
            .is_some_and(|(v, one)| v.starts_with("2.6.") && *one == 1.0),
        "haproxy_version_info from show info: {version:?}"
    );

    // Maintenance from the runtime API: both views report s1 down, s2 still up.
    assert_eq!(cli(&sock, "set server be/s1 state maint").trim(), "");
    assert_eq!(stat_field(&sock, "be", "s1", "status"), "MAINT");
    for e in [&csv, &socket] {
        e.wait("s1 down in maintenance", |m| {
            server_up(m, "s1") == Some(0.0) && server_up(m, "s2") == Some(1.0)
        });
    }
    let m = csv.metrics();
    assert_eq!(
        sample(&m, "haproxy_backend_up", &[("backend", "be")]),
        Some(1.0),
        "the backend still has a server"
    );

    // Draining keeps a server up for this exporter; ready brings s1 back.
    assert_eq!(cli(&sock, "set server be/s2 state drain").trim(), "");
    assert_eq!(stat_field(&sock, "be", "s2", "status"), "DRAIN");
    assert_eq!(cli(&sock, "set server be/s1 state ready").trim(), "");
    for e in [&csv, &socket] {
        e.wait("s1 up again, s2 draining and up", |m| {
            server_up(m, "s1") == Some(1.0) && server_up(m, "s2") == Some(1.0)
        });
    }
}

// ---------------------------------------------------------------------------------------
// Prometheus

/// `GET /api/v1/<path>` on Prometheus (`query` URL-encoded when given); the JSON answer.
fn prom_api(port: u16, path: &str, query: Option<&str>) -> serde_json::Value {
    let url = format!("http://127.0.0.1:{port}/api/v1/{path}");
    let q = query.map(|q| format!("query={q}"));
    let mut args = vec![url.as_str()];
    if let Some(q) = &q {
        args.extend(["-G", "--data-urlencode", q.as_str()]);
    }
    serde_json::from_str(&curl(&args)).unwrap_or(serde_json::Value::Null)
}

/// An instant query's series: labels without `__name__`, instance and job -> value.
fn prom_query(port: u16, q: &str) -> BTreeMap<BTreeMap<String, String>, String> {
    let v = prom_api(port, "query", Some(q));
    let mut out = BTreeMap::new();
    for r in v["data"]["result"].as_array().into_iter().flatten() {
        let labels = r["metric"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !matches!(k.as_str(), "__name__" | "instance" | "job"))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        out.insert(
            labels,
            r["value"][1].as_str().unwrap_or_default().to_string(),
        );
    }
    out
}

/// A real Prometheus (Debian's `prometheus`) scrapes the built-in exporter every second:
/// its target is healthy, `haproxy_server_status` has the servers' states, and a server
/// put into maintenance on the socket shows in the next scrapes.
#[test]
fn prometheus_scrapes_builtin_exporter() {
    let dir = TempDir::new("ops-prom");
    let ports = free_ports(2);
    let (port, pport) = (ports, ports + 1);
    let sock = dir.join("admin.sock");
    // The servers are never connected to: nothing needs to listen there.
    let cfg = format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   http-request use-service prometheus-exporter if {{ path /metrics }}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{unused}\n\
         \x20   server s2 127.0.0.1:{unused}\n",
        sock = sock.display(),
        unused = port + 100,
    );
    let _proxy = Launch::rampart("proxy", &dir, &cfg)
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();

    let bin = client_bin("prometheus", "prometheus");
    let yml = dir.write(
        "prometheus.yml",
        &format!(
            "global:\n\
             \x20 scrape_interval: 1s\n\
             \x20 scrape_timeout: 1s\n\
             \x20 evaluation_interval: 1s\n\
             scrape_configs:\n\
             \x20 - job_name: rampart\n\
             \x20   static_configs:\n\
             \x20     - targets: ['127.0.0.1:{port}']\n"
        ),
    );
    let prom = Launch::new("prometheus", bin, &dir)
        .arg(format!("--config.file={}", yml.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{pport}"))
        .spawn_no_wait();
    prom.wait_ready(&[Ready::Tcp(local(pport))], PROMETHEUS_START);
    let scrape_url = format!("http://127.0.0.1:{port}/metrics");

    let mut targets = serde_json::Value::Null;
    let healthy = wait_until(PROMETHEUS_START, || {
        targets = prom_api(pport, "targets", None);
        targets["data"]["activeTargets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["scrapeUrl"] == scrape_url.as_str() && t["health"] == "up")
    });
    assert!(
        healthy,
        "Prometheus never scraped {scrape_url} successfully; targets: {targets}\n\
         Prometheus's log:\n{}",
        prom.stderr()
    );
    let target = &targets["data"]["activeTargets"][0];
    assert_eq!(target["lastError"], "", "{target}");

    let status = "haproxy_server_status{proxy=\"be\"}";
    let state = |sv: &str, st: &str| labels(&[("proxy", "be"), ("server", sv), ("state", st)]);
    let mut series = BTreeMap::new();
    let got = wait_until(CHANGE, || {
        series = prom_query(pport, status);
        ["s1", "s2"]
            .iter()
            .all(|sv| series.get(&state(sv, "UP")).is_some_and(|v| v == "1"))
    });
    assert!(got, "haproxy_server_status of be's servers: {series:?}");
    for sv in ["s1", "s2"] {
        for st in ["DOWN", "MAINT", "DRAIN", "NOLB"] {
            assert_eq!(
                series.get(&state(sv, st)).map(String::as_str),
                Some("0"),
                "{sv} is not {st}: {series:?}"
            );
        }
    }
    let up = prom_query(pport, "up{job=\"rampart\"}");
    assert_eq!(up.values().collect::<Vec<_>>(), ["1"], "up: {up:?}");

    // Maintenance from the runtime API shows in the next scrapes.
    assert_eq!(cli(&sock, "set server be/s1 state maint").trim(), "");
    let moved = wait_until(CHANGE, || {
        series = prom_query(pport, status);
        series.get(&state("s1", "MAINT")).is_some_and(|v| v == "1")
            && series.get(&state("s1", "UP")).is_some_and(|v| v == "0")
    });
    assert!(moved, "s1 in MAINT in Prometheus: {series:?}");
    assert_eq!(
        series.get(&state("s2", "UP")).map(String::as_str),
        Some("1"),
        "s2 stays up: {series:?}"
    );
}
