//! The runtime API on `stats socket` (management guide 9.3), driven with socat as ops
//! scripts do, and compared with HAProxy 2.6 running the same configuration: help at
//! each level, error texts, `;` chains, the prompt transcript, `show stat`'s CSV header,
//! `show info`'s field names, the typed and JSON forms, filters and refusals.

#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use support::*;

/// A configuration with an admin Unix socket and a user-level TCP socket.
fn config(sock: &str, cli_port: u16, port: u16, srv_port: u16) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin mode 600\n\
         \x20   stats socket ipv4@127.0.0.1:{cli_port} level user\n\
         \x20   stats timeout 3s\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{srv_port}\n\
         \x20   server s2 127.0.0.1:{srv_port} disabled\n\
         \x20   server s3 127.0.0.1:{srv_port} backup\n"
    )
}

/// One running program with its two sockets.
struct Cli {
    _p: Proc,
    unix: String,
    tcp: String,
}

fn start(name: &str, dir: &TempDir, haproxy: bool) -> Cli {
    let base = free_ports(3);
    let sock = dir.join(&format!("{name}.sock"));
    let cfg = config(&sock.to_string_lossy(), base, base + 1, base + 2);
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let p = l
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(base))
        .ready_tcp(local(base + 1))
        .spawn();
    Cli {
        _p: p,
        unix: format!("unix-connect:{}", sock.display()),
        tcp: format!("tcp:127.0.0.1:{base}"),
    }
}

fn pair(tag: &str) -> (TempDir, Cli, Cli) {
    let dir = TempDir::new(tag);
    let r = start("r", &dir, false);
    let h = start("h", &dir, true);
    (dir, r, h)
}

#[test]
fn protocol_matches_haproxy() {
    let (_dir, r, h) = pair("cli-proto");
    let admin_cmds = [
        "help\n",
        "foo\n",
        "show foo\n",
        "shw stat\n",
        "\n",
        "help show\n",
        "show cli level\n",
        "user; show cli level\n",
        "operator;show cli level;user;operator\n",
        "expert-mode\n",
        "expert-mode on; help\n",
        "experimental-mode on; help; experimental-mode\n",
        "debug dev exit\n",
        "set var proc.x str(1)\n",
        "set severity-output\n",
        "set severity-output string; show foo\n",
        "set severity-output number; user; operator\n",
        "show cli level\\; bar\n",
        "show env RAMPART_SURELY_UNSET\n",
        "show backend\n",
        "show stat 999999 -1 -1\n",
        "show stat nope -1 -1\n",
        "show stat domain foo\n",
        "prompt\nshow cli level\nprompt\nshow backend\n",
        "prompt\nuser\nquit\nshow backend\n",
        "show cli level\nshow backend\n",
    ];
    for c in admin_cmds {
        let got = socat(&r.unix, c);
        let want = socat(&h.unix, c);
        assert_eq!(got, want, "admin socket, input {c:?}");
        assert!(
            want.ends_with('\n') || want.ends_with("> "),
            "{c:?}: {want:?}"
        );
    }
    let user_cmds = [
        "show cli level\n",
        "operator\n",
        "expert-mode on\n",
        "show env\n",
        "help\n",
        "user\n",
    ];
    for c in user_cmds {
        let got = socat(&r.tcp, c);
        let want = socat(&h.tcp, c);
        assert_eq!(got, want, "user socket, input {c:?}");
    }
    // `show cli sockets` differs only by the socket paths and ports.
    let got = socat(&r.unix, "show cli sockets\n");
    assert!(got.starts_with("# socket lvl processes\nunix@"), "{got}");
    assert!(got.contains(" admin all\nipv4@127.0.0.1:"), "{got}");
    assert!(got.ends_with(" user all\n\n"), "{got}");
}

#[test]
fn stat_and_info_shapes_match_haproxy() {
    let (_dir, r, h) = pair("cli-stat");
    // The CSV header, byte for byte.
    let header = |s: &str| s.lines().next().unwrap_or_default().to_string();
    let (rs, hs) = (socat(&r.unix, "show stat\n"), socat(&h.unix, "show stat\n"));
    assert_eq!(header(&rs), header(&hs));
    // Same rows (proxy and server names, status, weight, act/bck), same column count.
    let cols = |s: &str, i: &[usize]| -> Vec<Vec<String>> {
        s.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: Vec<&str> = l.split(',').collect();
                // Addresses differ by port: keep the host.
                i.iter()
                    .map(|&k| {
                        v.get(k)
                            .unwrap_or(&"?")
                            .split(':')
                            .next()
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect()
            })
            .collect()
    };
    let picked = [0, 1, 2, 3, 4, 6, 7, 17, 18, 19, 20, 26, 27, 28, 32, 73, 75];
    assert_eq!(
        cols(&rs, &picked),
        cols(&hs, &picked),
        "rampart:\n{rs}\nhaproxy:\n{hs}"
    );
    let ncols = |s: &str| -> Vec<usize> { s.lines().map(|l| l.split(',').count()).collect() };
    assert_eq!(ncols(&rs), ncols(&hs));
    // On a user-level socket addresses are hidden.
    let (ru, hu) = (socat(&r.tcp, "show stat\n"), socat(&h.tcp, "show stat\n"));
    assert_eq!(cols(&ru, &[1, 73]), cols(&hu, &[1, 73]));
    // Filters: servers only, one server, up, no-maint.
    for f in [
        "-1 4 -1",
        "be 4 1",
        "-1 -1 -1 up",
        "-1 -1 -1 no-maint",
        "-1 3 -1",
        "fe 1 -1",
    ] {
        let (a, b) = (
            socat(&r.unix, &format!("show stat {f}\n")),
            socat(&h.unix, &format!("show stat {f}\n")),
        );
        assert_eq!(cols(&a, &[0, 1]), cols(&b, &[0, 1]), "show stat {f}");
    }
    // `show info`: the same names in the same order.
    let names = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| l.split_once(": ").map(|(n, _)| n.to_string()))
            .collect()
    };
    let (ri, hi) = (socat(&r.unix, "show info\n"), socat(&h.unix, "show info\n"));
    let (rn, hn) = (names(&ri), names(&hi));
    assert_eq!(rn, hn);
    assert!(ri.ends_with("\n\n"));
    // Typed forms: every line rampart prints has HAProxy's tags and type for that
    // position.
    let typed = |s: &str| -> BTreeMap<String, String> {
        s.lines()
            .filter_map(|l| {
                let (k, rest) = l.split_once(':')?;
                let mut it = rest.splitn(3, ':');
                let tags = it.next()?;
                let ty = it.next()?;
                Some((k.to_string(), format!("{tags}:{ty}")))
            })
            .collect()
    };
    for cmd in ["show info typed\n", "show stat typed\n"] {
        let (rt, ht) = (typed(&socat(&r.unix, cmd)), typed(&socat(&h.unix, cmd)));
        assert!(!rt.is_empty(), "{cmd}");
        for (k, v) in &rt {
            // Same proxy ids too (the stats socket's frontend takes a number).
            assert_eq!(ht.get(k), Some(v), "{cmd}{k}");
        }
    }
    // JSON forms parse, with HAProxy's item shape.
    for cmd in ["show info json\n", "show stat json\n", "show schema json\n"] {
        let (rj, hj) = (socat(&r.unix, cmd), socat(&h.unix, cmd));
        let rv: serde_json::Value = serde_json::from_str(rj.trim_end()).expect("json");
        let hv: serde_json::Value = serde_json::from_str(hj.trim_end()).expect("json");
        assert_eq!(shape(&rv), shape(&hv), "{cmd}");
    }
    let schema = |c: &Cli| socat(&c.unix, "show schema json\n");
    assert_eq!(schema(&r), schema(&h));
}

/// A JSON value's structure: keys of the first item of each array, types of scalars.
fn shape(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(a) => match a.first() {
            Some(f) => format!("[{}]", shape(f)),
            None => "[]".into(),
        },
        serde_json::Value::Object(o) => {
            let inner: Vec<String> = o
                .iter()
                .map(|(k, v)| {
                    if k == "value" && !v.is_object() {
                        format!("{k}:scalar")
                    } else {
                        format!("{k}:{}", shape(v))
                    }
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::String(_) => "s".into(),
        serde_json::Value::Number(_) => "n".into(),
        other => other.to_string(),
    }
}

#[test]
fn idle_and_oversized_sessions_are_closed() {
    let dir = TempDir::new("cli-limits");
    let c = start("r", &dir, false);
    // A 1 MB line gets no answer and the connection closes; the socket keeps serving.
    let big = format!("{}\n", "x".repeat(1 << 20));
    assert_eq!(socat(&c.unix, &big), "");
    assert_eq!(socat(&c.unix, "show cli level\n"), "admin\n\n");
    // A silent client is closed after `stats timeout` (3s).
    let path = c.unix.trim_start_matches("unix-connect:");
    let mut s = std::os::unix::net::UnixStream::connect(path).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let started = std::time::Instant::now();
    let mut buf = [0u8; 16];
    let n = std::io::Read::read(&mut s, &mut buf).unwrap_or(1);
    assert_eq!(n, 0, "closed without an answer");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
}

#[test]
fn unix_socket_mode_is_applied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("cli-mode");
    // A stale file where the socket goes is replaced.
    std::fs::write(dir.join("r.sock"), "stale").expect("write");
    let _c = start("r", &dir, false);
    let m = std::fs::metadata(dir.join("r.sock")).expect("socket exists");
    assert_eq!(m.permissions().mode() & 0o777, 0o600);
}
