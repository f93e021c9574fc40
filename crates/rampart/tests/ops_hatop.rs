//! Debian's `hatop`, the curses console of the stats socket that operators point at
//! HAProxy, run unchanged against Rampart in a tmux pane of a fixed size: its status
//! view lists the proxies and servers of the configuration (read with `capture-pane`),
//! its proxy filter (`-p`) narrows it, and its maintenance keys on a selected server
//! (F10 "disable here", F9 "enable here") change the server's state through the socket,
//! which `show servers state`, `show stat` and the traffic reaching in-test origins
//! confirm. Every wait is bounded.
//!
//! hatop and tmux are required: a missing one fails the test with the package to install
//! (`.ci/run` installs them). `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests
//! against HAProxy 2.6, which validates what they expect.

#![allow(clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::*;

/// Longest wait for hatop (which refreshes every second) or the proxy to show a change.
const CHANGE: Duration = Duration::from_secs(20);

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

/// `srv_admin_state` of `be/sv` in `show servers state be` (1: maintenance set from
/// the runtime API, 0: none).
fn admin_state(sock: &Path, be: &str, sv: &str) -> String {
    let out = cli(sock, &format!("show servers state {be}"));
    let head = out
        .lines()
        .find(|l| l.starts_with("# be_id"))
        .unwrap_or_else(|| panic!("no header in show servers state:\n{out}"));
    let names: Vec<&str> = head.trim_start_matches("# ").split(' ').collect();
    let col = |n: &str| names.iter().position(|x| *x == n).expect("state column");
    let (name, adm) = (col("srv_name"), col("srv_admin_state"));
    out.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .find(|f| f.get(name) == Some(&sv))
        .and_then(|f| f.get(adm).map(|v| v.to_string()))
        .unwrap_or_else(|| panic!("no server {sv} in show servers state:\n{out}"))
}

/// Which origin answered each of `n` requests sent to the frontend on `port`.
fn answers(port: u16, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let (status, body) = http_get(connect(local(port)), "/");
            assert_eq!(status, 200, "request through the frontend: {body}");
            body
        })
        .collect()
}

/// A tmux server of the test's own (`tmux -L <unique>`), no user configuration, running
/// one command in a detached session of a fixed size; killed, and its socket removed,
/// on drop.
struct Tmux {
    bin: PathBuf,
    name: String,
    socket: Option<PathBuf>,
}

impl Tmux {
    fn start(dir: &TempDir, cols: u16, rows: u16, command: &str) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let mut t = Tmux {
            bin: client_bin("tmux", "tmux"),
            name: format!("rp-ops-{}-{n}", std::process::id()),
            socket: None,
        };
        // `screen` is in every terminfo; the pane stays after the command ends, so its
        // last screen can still be read.
        let conf = dir.write(
            "tmux.conf",
            "set -g default-terminal screen\nset -g remain-on-exit on\n",
        );
        let out = t.run(&[
            "-f",
            &conf.to_string_lossy(),
            "new-session",
            "-d",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = t.run(&["display-message", "-p", "#{socket_path}"]).stdout;
        let path = String::from_utf8_lossy(&path).trim().to_string();
        t.socket = (!path.is_empty()).then(|| PathBuf::from(path));
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("-L")
            .arg(&self.name)
            .args(args)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("tmux: {e}"))
    }

    /// The pane's text, one line per row.
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    /// Sends keys by tmux's names (`Down`, `F10`, `C-c`, plain text).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "tmux send-keys {keys:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if let Some(p) = &self.socket {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// hatop running in tmux, its stderr and exit status kept in a file.
struct Hatop {
    tmux: Tmux,
    log: PathBuf,
}

impl Hatop {
    /// `hatop -s <sock> -i 1 <args>` (`args` without shell metacharacters).
    fn start(dir: &TempDir, sock: &Path, args: &str) -> Hatop {
        let bin = client_bin("hatop", "hatop");
        let log = dir.join("hatop.log");
        // Refresh every second (`-i 1`); 160x50 shows every row without scrolling.
        let cmd = format!(
            "{} -s {} -i 1 {args} 2>>{log}; echo \"hatop exited $?\" >>{log}",
            bin.display(),
            sock.display(),
            log = log.display()
        );
        Hatop {
            tmux: Tmux::start(dir, 160, 50, &cmd),
            log,
        }
    }

    /// Waits until the screen satisfies `cond` and is drawn whole (two captures in a row
    /// agree: hatop repaints every second, and a capture can fall in the middle of a
    /// repaint); panics with the screen and hatop's messages otherwise.
    fn wait(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let ok = wait_until(CHANGE, || {
            let now = self.tmux.screen();
            let settled = now == last;
            last = now;
            settled && cond(&last)
        });
        assert!(
            ok,
            "hatop never showed {what} within {CHANGE:?}; screen:\n{last}\nhatop's messages:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        last
    }

    /// The status bar at the bottom: `[#iid/#sid]` names the selected row.
    fn footer(screen: &str) -> &str {
        screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
    }
}

/// hatop's status view: each proxy's block (`>>> name`) with the first word of its rows.
fn blocks(screen: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut open = false;
    for l in screen.lines() {
        if let Some(name) = l.strip_prefix(">>> ") {
            out.push((name.trim().to_string(), Vec::new()));
            open = true;
        } else if l.trim().is_empty() {
            open = false;
        } else if open {
            if let (Some(b), Some(w)) = (out.last_mut(), l.split_whitespace().next()) {
                b.1.push(w.to_string());
            }
        }
    }
    out
}

/// `(proxy, first words of its rows)` as [`blocks`] returns them.
fn block(px: &str, rows: &[&str]) -> (String, Vec<String>) {
    (px.to_string(), rows.iter().map(|r| r.to_string()).collect())
}

/// The row of server `sv` in proxy `px`'s block of the status view.
fn server_row<'a>(screen: &'a str, px: &str, sv: &str) -> Option<&'a str> {
    let head = format!(">>> {px}");
    screen
        .lines()
        .skip_while(|l| l.trim_end() != head)
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .find(|l| l.split_whitespace().next() == Some(sv))
}

fn config(sock: &Path, port: u16, o1: u16, o2: u16) -> String {
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
         \x20   default_backend be\n\
         backend be\n\
         \x20   balance roundrobin\n\
         \x20   server s1 127.0.0.1:{o1}\n\
         \x20   server s2 127.0.0.1:{o2}\n\
         backend spare\n\
         \x20   server s3 127.0.0.1:{o2}\n",
        sock = sock.display()
    )
}

/// hatop lists the proxies and servers of the configuration; its F10 key ("disable
/// here") on a selected server puts it into maintenance through the socket, which the
/// runtime API and the traffic confirm; F9 brings it back. Its CLI view logs both
/// commands, and it quits cleanly.
#[test]
fn hatop_lists_servers_and_toggles_maintenance() {
    let dir = TempDir::new("ops-hatop");
    let ports = free_ports(3);
    let (port, p1, p2) = (ports, ports + 1, ports + 2);
    let o1 = named_origin(p1, "s1");
    let _o2 = named_origin(p2, "s2");
    let sock = dir.join("admin.sock");
    let _proxy = Launch::rampart("proxy", &dir, &config(&sock, port, p1, p2))
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();
    let before = answers(port, 4);
    assert!(
        before.iter().any(|b| b == "s1") && before.iter().any(|b| b == "s2"),
        "roundrobin reaches both origins: {before:?}"
    );

    let hatop = Hatop::start(&dir, &sock, "");
    let screen = hatop.wait("the status view of every proxy", |s| {
        s.contains("HATop version") && server_row(s, "spare", "s3").is_some()
    });
    assert_eq!(
        blocks(&screen),
        vec![
            block("fe", &["FRONTEND"]),
            block("be", &["s1", "s2", "BACKEND"]),
            block("spare", &["s3", "BACKEND"]),
        ],
        "hatop's status view:\n{screen}"
    );
    assert!(
        screen.contains("HAProxy Version: 2.6.") && screen.contains("Proxies:   3"),
        "hatop's header (show info, show stat):\n{screen}"
    );
    assert!(
        screen.contains("Services:    6"),
        "six rows (a frontend, two backends, three servers):\n{screen}"
    );
    let s1 = server_row(&screen, "be", "s1").unwrap_or_default();
    assert!(!s1.contains("MAINT"), "s1 starts in service: {s1}");

    // Select s1: the cursor starts on the first row of the view; hatop names the selected
    // row's proxy and server ids in its status bar.
    let rows: Vec<&str> = screen.lines().collect();
    let first = rows.iter().position(|l| l.starts_with(">>> "));
    let target = rows
        .iter()
        .position(|l| Some(*l) == server_row(&screen, "be", "s1"));
    let (Some(first), Some(target)) = (first, target) else {
        panic!("no rows in hatop's view:\n{screen}");
    };
    let selected = format!(
        "[#{}/#{}]",
        stat_field(&sock, "be", "s1", "iid"),
        stat_field(&sock, "be", "s1", "sid")
    );
    hatop.tmux.keys(&vec!["Down"; target - first]);
    hatop.wait(&format!("s1 selected ({selected})"), |s| {
        Hatop::footer(s).contains(&selected)
    });

    // F10: "disable server be/s1".
    hatop.tmux.keys(&["F10"]);
    assert!(
        wait_until(CHANGE, || admin_state(&sock, "be", "s1") == "1"),
        "F10 did not put be/s1 into maintenance; show servers state:\n{}\nscreen:\n{}",
        cli(&sock, "show servers state be"),
        hatop.tmux.screen()
    );
    assert_eq!(stat_field(&sock, "be", "s1", "status"), "MAINT");
    hatop.wait("s1 in MAINT", |s| {
        server_row(s, "be", "s1").is_some_and(|r| r.contains("MAINT"))
    });
    let hits = o1.accepted();
    let during = answers(port, 6);
    assert!(
        during.iter().all(|b| b == "s2"),
        "a server in maintenance gets no traffic: {during:?}"
    );
    assert_eq!(o1.accepted(), hits, "no connection reached s1's origin");

    // F9 on the same row: "enable server be/s1".
    hatop.wait(&format!("s1 still selected ({selected})"), |s| {
        Hatop::footer(s).contains(&selected)
    });
    hatop.tmux.keys(&["F9"]);
    assert!(
        wait_until(CHANGE, || admin_state(&sock, "be", "s1") == "0"),
        "F9 did not bring be/s1 back; show servers state:\n{}\nscreen:\n{}",
        cli(&sock, "show servers state be"),
        hatop.tmux.screen()
    );
    assert_eq!(stat_field(&sock, "be", "s1", "status"), "no check");
    hatop.wait("s1 back in service", |s| {
        server_row(s, "be", "s1").is_some_and(|r| !r.contains("MAINT"))
    });
    let after = answers(port, 6);
    assert!(
        after.iter().any(|b| b == "s1") && after.iter().any(|b| b == "s2"),
        "s1 serves again: {after:?}"
    );
    assert!(o1.accepted() > hits, "s1's origin is reached again");

    // The ERRORS view (4): CL is the time since the server's last change, for s3 (no
    // check, never changed) the time since the start.
    hatop.tmux.keys(&["4"]);
    let errors = hatop.wait("s3's last change in the ERRORS view", |s| {
        s.contains(" CL ")
            && server_row(s, "spare", "s3")
                .and_then(|r| r.split_whitespace().nth(6))
                .is_some_and(|cl| cl != "0s")
    });
    let lastchg = stat_field(&sock, "spare", "s3", "lastchg");
    assert!(
        lastchg.parse::<u64>().is_ok_and(|n| n > 0),
        "show stat's lastchg of s3 counts from the start: {lastchg:?}\n{errors}"
    );

    // The CLI view (5) logs what the keys sent, and no error came back.
    hatop.tmux.keys(&["5"]);
    let cli_view = hatop.wait("the commands in the CLI view", |s| {
        s.contains("> disable server be/s1") && s.contains("> enable server be/s1")
    });
    for bad in ["Unknown command", "denied", "No such", "Require"] {
        assert!(
            !cli_view.contains(bad),
            "an error in hatop's CLI view:\n{cli_view}"
        );
    }

    // Ctrl-C quits (hatop sends `quit` on the socket and exits 0).
    hatop.tmux.keys(&["C-c"]);
    let mut log = String::new();
    let quit = wait_until(CHANGE, || {
        log = std::fs::read_to_string(&hatop.log).unwrap_or_default();
        log.contains("hatop exited")
    });
    assert!(quit, "hatop did not quit; screen:\n{}", hatop.tmux.screen());
    assert_eq!(log.trim(), "hatop exited 0", "hatop's messages");
}

/// `hatop -p <proxy>` turns proxy names into `show stat <iid> -1 -1` filters: only the
/// named proxies are shown.
#[test]
fn hatop_shows_only_filtered_proxies() {
    let dir = TempDir::new("ops-hatop-filter");
    let ports = free_ports(2);
    let sock = dir.join("admin.sock");
    let _proxy = Launch::rampart("proxy", &dir, &config(&sock, ports, ports + 1, ports + 1))
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(ports))
        .spawn();
    let hatop = Hatop::start(&dir, &sock, "-p spare -p fe");
    let screen = hatop.wait("the filtered view", |s| {
        server_row(s, "spare", "s3").is_some()
    });
    let mut shown = blocks(&screen);
    shown.sort();
    assert_eq!(
        shown,
        vec![
            block("fe", &["FRONTEND"]),
            block("spare", &["s3", "BACKEND"])
        ],
        "hatop -p spare -p fe:\n{screen}"
    );
    assert!(
        screen.contains("Proxies:   2") && screen.contains("Services:    3"),
        "two proxies, three rows:\n{screen}"
    );
}
