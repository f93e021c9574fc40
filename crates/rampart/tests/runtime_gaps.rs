//! End-to-end: settings Rampart accepts but does not apply yet (docs/runtime-gaps.md).
//!
//! `stats socket` and `option contstats` are in many HAProxy configurations, so Rampart
//! accepts them before it has a runtime API and statistics; `rampart -c` must still
//! print exactly what `haproxy -c` prints (they are valid HAProxy), while the running
//! process says at start-up, in HAProxy's warning format and naming each line once, what
//! it does not do. Logging settings, applied since, are not named.
//!
//! `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests against HAProxy: it checks
//! that the configuration is clean for HAProxy and that these warnings are Rampart's own
//! (HAProxy, which applies the settings, prints none).

mod support;

use std::path::Path;
use std::process::Command;
use support::*;

/// A configuration with a stats socket, a global log target, `log global`, `option
/// httplog` and `option contstats` in the defaults (used by a frontend and a backend),
/// answering by itself on `port`. Logs go to `log_port` on the loopback, where nothing
/// listens; the stats socket listens on `log_port` too (TCP).
fn config(port: u16, log_port: u16) -> String {
    format!(
        "global\n\
         \x20   log 127.0.0.1:{log_port} local0\n\
         \x20   stats socket ipv4@127.0.0.1:{log_port}\n\
         defaults\n\
         \x20   mode http\n\
         \x20   log global\n\
         \x20   option contstats\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 5s\n\
         \n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   http-request return status 200\n\
         \x20   default_backend be\n\
         \n\
         backend be\n\
         \x20   server s1 127.0.0.1:{log_port}\n"
    )
}

fn under_haproxy() -> bool {
    rampart_bin()
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("haproxy"))
}

/// What `<program> -c -f <file>` prints (stderr, stdout, exit code), with the pid and
/// the values of the two version NOTICE lines normalised.
fn check_output(program: &Path, dir: &TempDir, file: &Path) -> (String, String, Option<i32>) {
    let out = Command::new(program)
        .args(["-c", "-f"])
        .arg(file)
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let norm = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .map(|l| {
                let l = match (l.find('('), l.find(") : ")) {
                    (Some(a), Some(b)) if a < b => format!("{}(PID){}", &l[..a], &l[b + 1..]),
                    _ => l.to_string(),
                };
                if l.contains("haproxy version is") || l.contains("path to executable is") {
                    l.split(" is ").next().unwrap_or_default().to_string()
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    (norm(&out.stderr), norm(&out.stdout), out.status.code())
}

/// The lines of `stderr` that warn about something accepted but not applied.
fn gap_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("[WARNING]") && l.contains(" is accepted but "))
        .map(|l| match (l.find('('), l.find(") : ")) {
            (Some(a), Some(b)) if a < b => format!("{}(PID){}", &l[..a], &l[b + 1..]),
            _ => l.to_string(),
        })
        .collect()
}

#[test]
fn check_mode_says_what_haproxy_says() {
    let dir = TempDir::new("gaps-check");
    let port = free_ports(2);
    let file = dir.write("gaps.cfg", &config(port, port + 1));
    let ours = check_output(&rampart_bin(), &dir, &file);
    let theirs = check_output(&haproxy_bin(), &dir, &file);
    assert_eq!(
        ours, theirs,
        "rampart -c (left) and haproxy -c (right) differ"
    );
    // The configuration is clean for HAProxy: nothing on stderr, valid.
    assert_eq!(
        theirs,
        (String::new(), "Configuration file is valid".into(), Some(0))
    );
}

#[test]
fn running_process_names_each_line_once() {
    let dir = TempDir::new("gaps-run");
    let port = free_ports(2);
    let cfg = config(port, port + 1);
    let file = dir.join("gaps.cfg");
    let mut p = Launch::rampart("gaps", &dir, &cfg)
        .ready_tcp(local(port))
        .spawn();
    // It serves all the same.
    let (status, _) = http_get(connect(local(port)), "/");
    assert_eq!(status, 200);
    p.assert_running();
    let got = gap_lines(&p.stderr());
    if under_haproxy() {
        assert!(got.is_empty(), "HAProxy applies these settings: {got:#?}");
        return;
    }
    let at = |line: u32, msg: &str| {
        format!(
            "[WARNING]  (PID) : config : parsing [{}:{line}] : {msg}",
            file.display()
        )
    };
    assert_eq!(
        got,
        [
            // Inherited by `fe`: said once.
            at(7, "'option contstats' is accepted but the byte counters are updated when each transfer ends (continuous updates come with a later version)."),
        ],
        "stderr:\n{}",
        p.stderr()
    );
}

#[test]
fn quiet_mode_silences_them() {
    let dir = TempDir::new("gaps-quiet");
    let port = free_ports(2);
    let p = Launch::rampart("gaps", &dir, &config(port, port + 1))
        .arg("-q")
        .ready_tcp(local(port))
        .spawn();
    let (status, _) = http_get(connect(local(port)), "/");
    assert_eq!(status, 200);
    assert_eq!(p.stderr(), "", "-q prints nothing at start-up");
}
