//! The runtime API's commands about the process and its threads (management guide
//! 9.3), run on Rampart and HAProxy 2.6 with the same configuration: `show
//! startup-logs` (the start-up messages, as printed on stderr), `show activity` and
//! `show threads` (per-thread counters and states: the lines, their order and formats
//! are compared, not the values, which differ by nature).

#![allow(clippy::expect_used)]

mod support;

use regex::Regex;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::*;

struct Side {
    p: Proc,
    sock: String,
    port: u16,
    cfg: String,
}

/// A configuration with `nbthread` threads, a CLI socket and an HTTP frontend that
/// denies every request; `extra` is appended (sections of its own).
fn config(sock: &str, port: u16, nbthread: u32, extra: &str) -> String {
    format!(
        "global\n\
         \x20   nbthread {nbthread}\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   http-request deny\n\
         {extra}"
    )
}

/// Two warnings of HAProxy's configuration checks (line 13 is `option tcplog`).
const WARNED: &str = "backend be\n\
                      \x20   option tcplog\n\
                      \x20   server s1 127.0.0.1:1 disabled\n\
                      listen li\n\
                      \x20   mode tcp\n\
                      \x20   bind 127.0.0.1:LI_PORT\n\
                      \x20   option forwardfor\n\
                      \x20   server s2 127.0.0.1:1 disabled\n";

fn start(
    name: &str,
    dir: &TempDir,
    haproxy: bool,
    nbthread: u32,
    extra: &str,
    args: &[&str],
) -> Side {
    let port = free_ports(2);
    let sock = dir.join(&format!("{name}.sock"));
    let extra = extra.replace("LI_PORT", &(port + 1).to_string());
    let cfg = config(&sock.display().to_string(), port, nbthread, &extra);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let p = l
        .args(args)
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();
    Side {
        p,
        sock: format!("unix-connect:{}", sock.display()),
        port,
        cfg: dir.join(&format!("{name}.cfg")).display().to_string(),
    }
}

impl Side {
    fn cli(&self, c: &str) -> String {
        socat(&self.sock, &format!("{c}\n"))
    }

    /// One request on a connection of its own; the frontend denies it.
    fn request(&self) {
        let mut c = TcpStream::connect(local(self.port)).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(5))).ok();
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        assert!(
            out.starts_with(b"HTTP/1.1 403 "),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }

    /// Start-up messages with what differs between the two programs masked: the pid,
    /// the configuration's path, the version and the executable's path.
    fn mask(&self, s: &str) -> String {
        let pid = format!("({})", self.p.pid());
        let version = Regex::new(r"haproxy version is \S+").expect("re");
        let exe = Regex::new(r"path to executable is \S+").expect("re");
        let s = s.replace(&pid, "(PID)").replace(&self.cfg, "CFG");
        let s = version.replace_all(&s, "haproxy version is V");
        exe.replace_all(&s, "path to executable is EXE")
            .into_owned()
    }
}

#[test]
fn show_startup_logs_as_printed_on_stderr() {
    let dir = TempDir::new("cli-startup-logs");
    let r = start("rampart", &dir, false, 1, WARNED, &[]);
    let h = start("haproxy", &dir, true, 1, WARNED, &[]);
    let (ro, ho) = (r.cli("show startup-logs"), h.cli("show startup-logs"));
    for (side, out) in [(&r, &ro), (&h, &ho)] {
        let err = side.p.stderr();
        // What was printed while starting, then the answer's empty line.
        let printed = out.strip_suffix('\n').expect("an answer");
        assert!(err.starts_with(printed), "answer:\n{out}\nstderr:\n{err}");
        assert!(printed.starts_with("[NOTICE]   ("), "{out}");
    }
    let masked = r.mask(&ro);
    assert_eq!(
        masked,
        "[NOTICE]   (PID) : haproxy version is V\n\
         [NOTICE]   (PID) : path to executable is EXE\n\
         [WARNING]  (PID) : config : parsing [CFG:13] : backend 'be' : 'option tcplog' directive is ignored in backends.\n\
         [WARNING]  (PID) : config : 'option forwardfor' ignored for proxy 'li' as it requires HTTP mode.\n\
         \n"
    );
    assert_eq!(masked, h.mask(&ho));
    // From the operator level.
    for side in [&r, &h] {
        assert_eq!(
            side.cli("user; show startup-logs"),
            "\nPermission denied\n\n"
        );
        let all = side.cli("show startup-logs");
        assert_eq!(side.cli("operator; show startup-logs"), format!("\n{all}"));
    }
}

#[test]
fn show_startup_logs_empty_when_nothing_printed() {
    let dir = TempDir::new("cli-startup-logs-empty");
    // A clean configuration, and a warned one run quiet (`-q` prints nothing, so keeps
    // nothing).
    let sides = [
        start("rampart", &dir, false, 1, "", &[]),
        start("haproxy", &dir, true, 1, "", &[]),
        start("rampart-q", &dir, false, 1, WARNED, &["-q"]),
        start("haproxy-q", &dir, true, 1, WARNED, &["-q"]),
    ];
    for side in &sides {
        assert_eq!(side.cli("show startup-logs"), "\n\n", "{}", side.cfg);
        assert_eq!(
            side.cli("set severity-output string; show startup-logs"),
            "\n[info]: \n\n"
        );
    }
}

/// The names of `show activity`'s lines, and a check of each line's format.
fn activity_names(out: &str, nbthread: usize) -> Vec<String> {
    let values = if nbthread == 1 {
        r"\d+".to_string()
    } else {
        format!(r"\d+ \[{} \]", r" \d+".repeat(nbthread))
    };
    let line = Regex::new(&format!(r"^([a-z_0-9]+): {values}$")).expect("re");
    let mut lines = out.lines();
    let first = lines.next().unwrap_or_default();
    let tid = Regex::new(&format!(r"^thread_id: (\d+) \(1\.\.{nbthread}\)$")).expect("re");
    let t: usize = tid.captures(first).unwrap_or_else(|| panic!("{out}"))[1]
        .parse()
        .expect("a number");
    assert!(t <= nbthread, "{first}");
    let date = Regex::new(r"^date_now: \d{10}\.\d{6}$").expect("re");
    assert!(date.is_match(lines.next().unwrap_or_default()), "{out}");
    let mut names = Vec::new();
    for l in lines {
        if l.is_empty() {
            break;
        }
        let c = line
            .captures(l)
            .unwrap_or_else(|| panic!("{l:?} in\n{out}"));
        names.push(c[1].to_string());
    }
    names
}

/// A counter's total and per-thread values.
fn counter(out: &str, name: &str) -> (u64, Vec<u64>) {
    let l = out
        .lines()
        .find(|l| l.starts_with(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in\n{out}"));
    let nums: Vec<u64> = l[name.len() + 1..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().expect("a number"))
        .collect();
    (nums[0], nums[1..].to_vec())
}

/// `show threads` with the values and the calling thread's task masked, for layout
/// comparisons: each thread's first four lines.
fn threads_layout(out: &str) -> Vec<String> {
    let val = Regex::new(r"=(0x[0-9a-f]+|\d+)").expect("re");
    let grp = Regex::new(r"^ +\d+/\d+ +stuck").expect("re");
    out.lines()
        .filter(|l| {
            l.contains("Thread ")
                || l.contains(" stuck=")
                || l.contains(" cpu_ns: ")
                || l.contains(" curr_task=")
        })
        .map(|l| {
            let l = if l.contains("Thread ") {
                format!("  {}", &l[2..])
            } else if l.contains("curr_task=") {
                "             curr_task=".to_string()
            } else {
                l.to_string()
            };
            let l = grp.replace(&l, "      G/T    stuck");
            val.replace_all(&l, "=N").into_owned()
        })
        .collect()
}

/// Checks `show threads`' exact formats, values included where they have rules.
fn check_threads(out: &str, nbthread: usize) {
    let head = Regex::new(
        r"^[ *][ >]Thread (\d+) *: id=0x[0-9a-f]+ act=[01] glob=[01] wq=[01] rq=[01] tl=[01] tlsz=\d+ rqsz=\d+$",
    )
    .expect("re");
    let grp =
        Regex::new(r"^ +1/(\d+) +stuck=[01] prof=[01] harmless=[01] wantrdv=[01]$").expect("re");
    let cpu = Regex::new(r"^ {13}cpu_ns: poll=(\d+) now=(\d+) diff=(\d+)$").expect("re");
    let lines: Vec<&str> = out.lines().collect();
    let mut seen = 0;
    for (i, l) in lines.iter().enumerate() {
        let Some(c) = head.captures(l) else { continue };
        seen += 1;
        assert_eq!(c[1].parse::<usize>().expect("n"), seen, "{out}");
        assert_eq!(&l[9..12], format!("{seen:<2}:").as_str(), "{l}");
        let g = grp
            .captures(lines[i + 1])
            .unwrap_or_else(|| panic!("{out}"));
        assert_eq!(g[1].parse::<usize>().expect("n"), seen);
        let c = cpu
            .captures(lines[i + 2])
            .unwrap_or_else(|| panic!("{out}"));
        let n = |k: usize| c[k].parse::<u64>().expect("n");
        assert!(n(2) > 0, "a running thread used some CPU: {out}");
        assert_eq!(n(3), n(2) - n(1), "{out}");
        assert!(lines[i + 3].starts_with("             curr_task="), "{out}");
    }
    assert_eq!(seen, nbthread, "{out}");
    assert!(out.ends_with("\n\n"), "{out:?}");
}

#[test]
fn show_activity_and_threads_as_haproxy() {
    let dir = TempDir::new("cli-activity");
    let r = start("rampart", &dir, false, 2, "", &[]);
    let h = start("haproxy", &dir, true, 2, "", &[]);
    for side in [&r, &h] {
        for _ in 0..5 {
            side.request();
        }
    }
    let (ra, ha) = (r.cli("show activity"), h.cli("show activity"));
    let names = activity_names(&ra, 2);
    assert_eq!(
        names,
        activity_names(&ha, 2),
        "rampart:\n{ra}\nhaproxy:\n{ha}"
    );
    assert_eq!(names.len(), 24, "{ra}");
    assert!(ra.ends_with(" ]\n\n"), "{ra:?}");
    for out in [&ra, &ha] {
        for name in &names {
            let (tot, per) = counter(out, name);
            assert_eq!(per.len(), 2, "{name}");
            if name == "avg_loop_us" {
                assert_eq!(tot, per.iter().sum::<u64>().div_ceil(2), "{out}");
            } else {
                assert_eq!(tot, per.iter().sum::<u64>(), "{name} in\n{out}");
            }
        }
        // HAProxy counts the CLI's connections too.
        assert!(counter(out, "accepted").0 >= 5, "{out}");
        assert!(counter(out, "loops").0 > 0, "{out}");
    }
    // Every level may read them.
    for side in [&r, &h] {
        let low = side.cli("user; show activity");
        assert_eq!(activity_names(low.trim_start_matches('\n'), 2), names);
        assert!(side.cli("user; show threads").contains("Thread 2 "));
    }
    let (rt, ht) = (r.cli("show threads"), h.cli("show threads"));
    check_threads(&rt, 2);
    check_threads(&ht, 2);
    assert_eq!(
        threads_layout(&rt),
        threads_layout(&ht),
        "rampart:\n{rt}\nhaproxy:\n{ht}"
    );
    // `help` lists the three commands as HAProxy does.
    let (rh, hh) = (r.cli("help"), h.cli("help"));
    for c in ["show activity ", "show threads ", "show startup-logs "] {
        let line = |s: &str| {
            s.lines()
                .find(|l| l.trim_start().starts_with(c))
                .map(str::to_string)
        };
        assert!(line(&rh).is_some(), "{c} in\n{rh}");
        assert_eq!(line(&rh), line(&hh), "{c}");
    }
}

#[test]
fn show_activity_and_threads_one_thread() {
    let dir = TempDir::new("cli-activity-one");
    let r = start("rampart", &dir, false, 1, "", &[]);
    let h = start("haproxy", &dir, true, 1, "", &[]);
    r.request();
    h.request();
    let (ra, ha) = (r.cli("show activity"), h.cli("show activity"));
    let names = activity_names(&ra, 1);
    assert_eq!(
        names,
        activity_names(&ha, 1),
        "rampart:\n{ra}\nhaproxy:\n{ha}"
    );
    assert!(counter(&ra, "accepted").0 >= 1, "{ra}");
    let (rt, ht) = (r.cli("show threads"), h.cli("show threads"));
    check_threads(&rt, 1);
    check_threads(&ht, 1);
    assert_eq!(
        threads_layout(&rt),
        threads_layout(&ht),
        "rampart:\n{rt}\nhaproxy:\n{ht}"
    );
}
