//! End-to-end tests of server health seen from traffic (configuration manual 5.2
//! `observe layer4|layer7`, `error-limit`, `on-error fastinter|fail-check|sudden-death|
//! mark-down`, with `fastinter`): what each server sees, what clients receive, and the
//! messages printed on stderr in HAProxy 2.6's words, among them `option
//! log-health-checks`' reports of each check's counter, which show what every
//! `on-error` action did to it.
//!
//! Run the file with `RAMPART_UNDER_TEST=/usr/sbin/haproxy` to check the expectations
//! against HAProxy itself. Health checks run every 30 s (their first run at start-up), so
//! every later change of a counter comes from traffic; waits are bounded generously and
//! never assert a speed.

#![allow(clippy::expect_used)]

mod httpkit;
mod support;

use httpkit::*;
use std::time::Duration;
use support::*;

const WAIT: Duration = Duration::from_secs(10);

/// The proxy under test in the foreground with `body` as its proxies.
fn start(dir: &TempDir, body: &str, port: u16) -> Proc {
    foreground(dir, &cfg("", "", body), port)
}

fn get(port: u16, path: &str, extra: &str) -> Msg {
    exchange(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n").as_bytes(),
    )
    .1
}

/// An origin answering `/health` with 200 and everything else with `status`.
fn sick_origin(port: u16, name: &'static str, status: u16) -> Origin {
    Origin::start(port, move |m, _| {
        if m.head_text().starts_with("GET /health ") {
            status_answer(200, name)
        } else {
            status_answer(status, name)
        }
    })
}

#[test]
fn observe_layer7_marks_a_server_down_after_error_limit_5xx() {
    let base = free_ports(3);
    let s1 = sick_origin(base, "s1", 500);
    let s2 = sick_origin(base + 1, "s2", 200);
    let port = base + 2;
    let dir = TempDir::new("observe-l7");
    // Checks pass (`/health` answers 200), only traffic fails; they run rarely, so the
    // server stays down long after the traffic put it there.
    let body = listen_with(
        port,
        "    balance roundrobin\n    option httpchk GET /health\n",
        &[
            format!("server s1 127.0.0.1:{base} check inter 30s rise 2 observe layer7 error-limit 3 on-error mark-down"),
            format!("server s2 127.0.0.1:{}", base + 1),
        ],
    );
    let p = start(&dir, &body, port);
    // Round robin: every other request meets s1's 500; a 200 from s2 between them does
    // not clear s1's count (it is s1's own).
    let mut from_s1 = 0;
    for i in 0..6 {
        let m = get(port, &format!("/r{i}"), "");
        if m.body_text() == "s1" {
            assert_eq!(m.status(), 500);
            from_s1 += 1;
        }
    }
    assert_eq!(from_s1, 3);
    // The stream whose error reached the limit is still on the server.
    let msg = wait_message(&p, "Server l/s1 is DOWN", WAIT);
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server l/s1 is DOWN, reason: Health analyze, info: \"Detected 3 consecutive errors, last one was: Wrong http response\". 1 active and 0 backup servers left. 1 sessions active, 0 requeued, 0 remaining in queue."
    );
    // From now on only s2 serves.
    for i in 0..4 {
        let m = get(port, &format!("/after{i}"), "");
        assert_eq!((m.status(), m.body_text()), (200, "s2".into()));
    }
    let on_s1 = s1
        .requests()
        .iter()
        .filter(|m| !m.head_text().starts_with("GET /health "))
        .count();
    assert_eq!(on_s1, 3);
    drop(s2);
}

#[test]
fn observe_layer4_counts_failed_connections() {
    // s1's port is closed but its check port answers: only traffic sees it fail. Each
    // request meeting s1 is retried on s2 (`option redispatch`); the second failure
    // reaches `error-limit 2`.
    let base = free_ports(4);
    let (p1, p2, chk, port) = (base, base + 1, base + 2, base + 3);
    let s2 = answering(p2, "s2", 200);
    let _check = check_port(chk);
    let dir = TempDir::new("observe-l4");
    let body = listen_with(
        port,
        "    balance roundrobin\n    retries 1\n    option redispatch\n",
        &[
            format!("server s1 127.0.0.1:{p1} check port {chk} inter 30s observe layer4 error-limit 2 on-error mark-down"),
            format!("server s2 127.0.0.1:{p2}"),
        ],
    );
    let p = start(&dir, &body, port);
    for i in 0..4 {
        let m = get(port, &format!("/r{i}"), "");
        assert_eq!(
            (m.status(), m.body_text()),
            (200, "s2".into()),
            "request {i}"
        );
    }
    let msg = wait_message(&p, "Server l/s1 is DOWN", WAIT);
    assert_eq!(
        msg,
        "[WARNING]  (PID) : Server l/s1 is DOWN, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: L4 unsuccessful connection\". 1 active and 0 backup servers left. 1 sessions active, 0 requeued, 0 remaining in queue."
    );
    assert_eq!(s2.requests().len(), 4);
}

#[test]
fn a_status_retried_is_not_held_against_the_server() {
    // HAProxy looks at a status for `observe` only once it decided not to retry: s1's
    // 503s, all retried on s2, never reach `error-limit`.
    let base = free_ports(3);
    let s1 = sick_origin(base, "s1", 503);
    let _s2 = sick_origin(base + 1, "s2", 200);
    let port = base + 2;
    let dir = TempDir::new("observe-retried");
    let body = listen_with(
        port,
        "    balance roundrobin\n    option httpchk GET /health\n    retries 2\n    retry-on 503\n    option redispatch\n",
        &[
            format!("server s1 127.0.0.1:{base} check inter 30s observe layer7 error-limit 2 on-error mark-down"),
            format!("server s2 127.0.0.1:{}", base + 1),
        ],
    );
    let p = start(&dir, &body, port);
    for i in 0..4 {
        let m = get(port, &format!("/r{i}"), "");
        assert_eq!(
            (m.status(), m.body_text()),
            (200, "s2".into()),
            "request {i}"
        );
    }
    let on_s1 = s1
        .requests()
        .iter()
        .filter(|m| !m.head_text().starts_with("GET /health "))
        .count();
    assert_eq!(on_s1, 4);
    std::thread::sleep(Duration::from_millis(300));
    let down: Vec<String> = runtime_messages(&p)
        .into_iter()
        .filter(|m| m.contains("is DOWN"))
        .collect();
    assert!(down.is_empty(), "{down:?}");
}

// ---------------------------------------------------------------------------------------
// on-error, counter by counter

/// What `observe` looks at on s1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    /// s1 refuses connections; its health check probes a port of its own.
    L4,
    /// s1 answers requests with 500 and its health check's probe with 200.
    L7,
}

/// `listen l` with s1 observed (`rise 2 fall 3 error-limit 2`, checks every 30 s, their
/// reports logged) and s2 its backup, once s1's first check passed.
struct Observed {
    p: Proc,
    port: u16,
    layer: Layer,
    /// The origin the health check probes.
    checked: Origin,
    _s2: Origin,
    _dir: TempDir,
}

impl Observed {
    fn start(layer: Layer, on_error: &str, extra: &str) -> Observed {
        let base = free_ports(4);
        let (p1, p2, chk, port) = (base, base + 1, base + 2, base + 3);
        let s2 = answering(p2, "s2", 200);
        let dir = TempDir::new(&format!("on-error-{on_error}"));
        // The check is an `option httpchk` probe either way (a layer-4 check would not
        // reach a test listener's accept queue, so it could not be counted): on s1 itself
        // for `layer7`, on a port of its own for `layer4`.
        let (checked, check_on) = match layer {
            Layer::L4 => (sick_origin(chk, "chk", 200), format!("check port {chk}")),
            Layer::L7 => (sick_origin(p1, "s1", 500), "check".to_string()),
        };
        let lines = match layer {
            Layer::L4 => "    retries 0\n",
            Layer::L7 => "",
        };
        let observe = match layer {
            Layer::L4 => "layer4",
            Layer::L7 => "layer7",
        };
        let body = listen_with(
            port,
            &format!("    option log-health-checks\n    option httpchk GET /health\n{lines}"),
            &[
                format!("server s1 127.0.0.1:{p1} {check_on} inter 30s rise 2 fall 3 observe {observe} error-limit 2 on-error {on_error} {extra}"),
                format!("server s2 127.0.0.1:{p2} backup"),
            ],
        );
        let p = start(&dir, &body, port);
        let o = Observed {
            p,
            port,
            layer,
            checked,
            _s2: s2,
            _dir: dir,
        };
        o.wait_messages(1);
        assert_eq!(o.messages(), [o.check_passed(3)]);
        o
    }

    /// How many health checks s1 had.
    fn checks(&self) -> usize {
        self.checked
            .requests()
            .iter()
            .filter(|m| m.head_text().starts_with("GET /health "))
            .count()
    }

    /// Sends `n` requests, each meeting s1's failure.
    fn errors(&self, n: usize) {
        for i in 0..n {
            let m = get(self.port, &format!("/e{i}"), "");
            match self.layer {
                Layer::L4 => assert_eq!(m.status(), 503, "request {i}"),
                Layer::L7 => {
                    assert_eq!(
                        (m.status(), m.body_text()),
                        (500, "s1".into()),
                        "request {i}"
                    )
                }
            }
        }
    }

    fn messages(&self) -> Vec<String> {
        runtime_messages(&self.p)
    }

    /// Waits until `n` messages were printed.
    fn wait_messages(&self, n: usize) {
        assert!(
            wait_until(WAIT, || self.messages().len() >= n),
            "{:#?}",
            self.messages()
        );
    }

    /// The report of a passing check of s1, its counter then at `up`/3.
    fn check_passed(&self, up: u32) -> String {
        format!("[WARNING]  (PID) : Health check for server l/s1 succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: {up}/3 UP.")
    }

    /// The report of `error-limit` errors counted as a failed check, the counter then
    /// `status` (`1/3 UP`, `0/2 DOWN`).
    fn errors_failed(&self, status: &str) -> String {
        let last = match self.layer {
            Layer::L4 => "L4 unsuccessful connection",
            Layer::L7 => "Wrong http response",
        };
        format!("[WARNING]  (PID) : Health check for server l/s1 failed, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: {last}\", status: {status}.")
    }

    /// s1 going down (the stream whose error took it there still counts as active).
    fn down(&self) -> String {
        "[WARNING]  (PID) : Server l/s1 is DOWN. 0 active and 1 backup servers left. Running on backup. 1 sessions active, 0 requeued, 0 remaining in queue.".into()
    }

    /// After s1 went down, the backup answers.
    fn backup_answers(&self) {
        let m = get(self.port, "/after", "");
        assert_eq!((m.status(), m.body_text()), (200, "s2".into()));
    }
}

const LAYERS: [Layer; 2] = [Layer::L4, Layer::L7];

#[test]
fn on_error_fail_check_counts_one_failed_check_per_error_limit() {
    // Health goes 3/3, 2/3, 1/3 up, then down: `fall` rounds of `error-limit` errors.
    for layer in LAYERS {
        let o = Observed::start(layer, "fail-check", "");
        let mut want = o.messages();
        for status in ["2/3 UP", "1/3 UP", "0/2 DOWN"] {
            o.errors(2);
            want.push(o.errors_failed(status));
            if status.ends_with("DOWN") {
                want.push(o.down());
            }
            o.wait_messages(want.len());
            assert_eq!(o.messages(), want, "{layer:?}");
        }
        o.backup_answers();
        assert_eq!(o.checks(), 1, "{layer:?}: no check ran meanwhile");
    }
}

#[test]
fn on_error_sudden_death_leaves_one_failure_before_down() {
    for layer in LAYERS {
        let o = Observed::start(layer, "sudden-death", "");
        let mut want = o.messages();
        o.errors(2);
        want.push(o.errors_failed("1/3 UP"));
        o.wait_messages(want.len());
        assert_eq!(o.messages(), want, "{layer:?}");
        o.errors(2);
        want.extend([o.errors_failed("0/2 DOWN"), o.down()]);
        o.wait_messages(want.len());
        assert_eq!(o.messages(), want, "{layer:?}");
        o.backup_answers();
    }
}

#[test]
fn on_error_mark_down_takes_the_server_down_at_once() {
    for layer in LAYERS {
        let o = Observed::start(layer, "mark-down", "");
        let mut want = o.messages();
        // One error is not enough.
        o.errors(1);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(o.messages(), want, "{layer:?}");
        o.errors(1);
        want.extend([o.errors_failed("0/2 DOWN"), o.down()]);
        o.wait_messages(want.len());
        assert_eq!(o.messages(), want, "{layer:?}");
        o.backup_answers();
    }
}

#[test]
fn on_error_fastinter_only_hurries_the_next_check() {
    // The counter is untouched; the next check runs after `fastinter` instead of 30 s,
    // and the one after it at the usual pace again.
    for layer in LAYERS {
        let o = Observed::start(layer, "fastinter", "fastinter 300");
        let want = o.messages();
        assert_eq!(o.checks(), 1);
        o.errors(2);
        assert!(wait_until(WAIT, || o.checks() == 2), "{layer:?}");
        std::thread::sleep(Duration::from_millis(1000));
        assert_eq!(o.checks(), 2, "{layer:?}");
        // A check that changes nothing is not reported.
        assert_eq!(o.messages(), want, "{layer:?}");
    }
}

#[test]
fn a_hurried_check_restores_what_fail_check_took() {
    for layer in LAYERS {
        let o = Observed::start(layer, "fail-check", "fastinter 300");
        let mut want = o.messages();
        o.errors(2);
        want.extend([o.errors_failed("2/3 UP"), o.check_passed(3)]);
        o.wait_messages(want.len());
        assert_eq!(o.messages(), want, "{layer:?}");
        assert_eq!(o.checks(), 2, "{layer:?}");
    }
}
