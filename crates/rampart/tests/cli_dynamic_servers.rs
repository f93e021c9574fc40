//! `add server` and `del server` (management guide 9.3, HAProxy's dynamic servers):
//! every answer compared word for word with HAProxy 2.6 running the same configuration
//! and commands, `show servers state` and `show stat` after them; and the traffic: a
//! new server gets nothing while in maintenance, takes its turns once enabled, and
//! nothing once disabled and deleted.

#![allow(clippy::expect_used)]

mod support;

use std::collections::HashMap;
use support::*;

/// The configuration both processes run.
fn config(sock: &std::path::Path, fe: u16, origins: &[u16]) -> String {
    let mut cfg = format!(
        "global\n\
         \x20   stats socket {} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         \x20   timeout connect 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   default-server weight 7 maxconn 5\n",
        sock.display()
    );
    for (i, p) in origins.iter().enumerate() {
        cfg.push_str(&format!("    server s{} 127.0.0.1:{p}\n", i + 1));
    }
    cfg.push_str(
        "    server s9 127.0.0.1:9 id 9\n\
         backend st\n\
         \x20   balance static-rr\n\
         \x20   server s1 127.0.0.1:9\n\
         backend hs\n\
         \x20   balance source\n\
         \x20   server s1 127.0.0.1:9\n\
         backend ch\n\
         \x20   balance source\n\
         \x20   hash-type consistent\n\
         backend lc\n\
         \x20   balance leastconn\n\
         backend tk\n\
         \x20   mode tcp\n\
         \x20   server s1 127.0.0.1:9\n\
         backend dp\n\
         \x20   dispatch 127.0.0.1:9\n",
    );
    cfg
}

/// Masks what depends on time in `show servers state` (the seconds since the last
/// change) and `show stat` (`lastchg`).
fn mask(text: &str) -> String {
    text.lines()
        .map(|l| {
            let mut w: Vec<String> = l.split(' ').map(str::to_string).collect();
            if w.len() > 20 && w[0].parse::<u32>().is_ok() {
                w[9] = "T".into();
            }
            let joined = w.join(" ");
            let mut c: Vec<String> = joined.split(',').map(str::to_string).collect();
            if c.len() > 80 {
                c[23] = "T".into();
            }
            c.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `show stat` columns that describe servers (Rampart leaves some of the others,
/// unrelated to dynamic servers, empty where HAProxy prints 0).
fn stat_columns(csv: &str) -> String {
    let mut lines = csv.lines();
    let Some(head) = lines.next() else {
        return String::new();
    };
    let names: Vec<&str> = head.trim_start_matches("# ").split(',').collect();
    let want = [
        "pxname", "svname", "qcur", "scur", "slim", "stot", "status", "weight", "act", "bck",
        "iid", "sid", "lbtot", "tracked", "type", "addr", "cookie", "mode", "srv_icur", "src_ilim",
        "uweight",
    ];
    let at: Vec<usize> = want
        .iter()
        .map(|w| {
            names
                .iter()
                .position(|n| n == w)
                .unwrap_or_else(|| panic!("no column {w}"))
        })
        .collect();
    let mut out = format!("{}\n", want.join(","));
    for l in lines.filter(|l| !l.is_empty()) {
        let c: Vec<&str> = l.split(',').collect();
        let row: Vec<&str> = at
            .iter()
            .map(|&i| c.get(i).copied().unwrap_or("?"))
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The answers to every form, valid and not, against HAProxy's.
#[test]
fn answers_as_haproxy() {
    let dir = TempDir::new("dynsrv-answers");
    let cmds = [
        "add server be/n1 127.0.0.1:19081",
        "add server be/n1 127.0.0.1:19081",
        "add server be/n2",
        "add server be/n2 127.0.0.1:1 foo",
        "add server be/n2 127.0.0.1:1 cookie x",
        "add server be/n2 127.0.0.1:1 redir http://x",
        "add server be/n2 127.0.0.1:1 init-addr none",
        "add server be/n2 127.0.0.1:1 weight 300",
        "add server be/n2 127.0.0.1:1 weight 3 maxconn 10 backup",
        "add server be/n3 127.0.0.1:1 id 9",
        "add server be/n3 127.0.0.1:1 id 3",
        "add server be/n4 127.0.0.1:1 id 3",
        "add server be/n5 localhost:80",
        "add server be/n6 [::1]:8080",
        "add server be/n7 unix@/tmp/dynsrv-nowhere.sock",
        "add server be/b@d 127.0.0.1:1",
        "add server be/n8 127.0.0.1:bad",
        "add server be/n8 127.0.0.1:1 disabled",
        "add server st/n1 127.0.0.1:1",
        "add server hs/n1 127.0.0.1:1",
        "add server ch/n1 127.0.0.1:1",
        "add server lc/n1 127.0.0.1:1",
        "add server tk/n1 127.0.0.1:1 send-proxy",
        "add server dp/n1 127.0.0.1:1",
        "add server nob/n1 127.0.0.1:1",
        "add server be",
        "add server be/",
        "add server",
        "show servers state",
        "get weight be/n2",
        "set weight be/n2 50%",
        "get weight be/n2",
        "enable server be/n1",
        "set server be/n8 state ready",
        "set maxconn server be/n8 12",
        "shutdown sessions server be/n8",
        "set server be/n6 addr ::2 port 81",
        "set server be/n6 state drain",
        "show servers state be",
        "del server be/n1",
        "disable server be/n1",
        "del server be/n1",
        "del server be/n1",
        "del server be/s1",
        "disable server be/s1",
        "del server be/s1",
        "del server be/#3",
        "del server be/nope",
        "del server be",
        "del server nob/x",
        "add server be/n1 127.0.0.1:19082",
        "add server be/s1 127.0.0.1:19083",
        "show servers state be",
        "show stat -1 6 -1",
        "set severity-output string",
        "add server be/n9 127.0.0.1:1",
        "add server be/n9 127.0.0.1:1",
        "del server be/n9",
        "del server be/n9",
    ];
    let mut outs = Vec::new();
    for (name, haproxy) in [("hap", true), ("ram", false)] {
        let fe = free_ports(1);
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = config(&sock, fe, &[19079, 19080]);
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let _p = l.ready(Ready::Unix(sock.clone())).spawn();
        let addr = format!("unix-connect:{}", sock.display());
        let mut out = String::new();
        for c in cmds {
            let mut a = socat(&addr, &format!("{c}\n"));
            if c.starts_with("show stat") {
                a = stat_columns(&a);
            }
            out.push_str(&format!("> {c}\n{a}"));
        }
        // The configuration file's name appears in a message.
        outs.push(mask(&out).replace(&format!("/{name}.cfg:"), "/X.cfg:"));
    }
    assert!(outs[0].contains("New server registered."), "{}", outs[0]);
    let (hap, ram) = (outs[0].lines(), outs[1].lines());
    for (n, (h, r)) in hap.zip(ram).enumerate() {
        assert_eq!(
            r, h,
            "line {n}: rampart (left) vs haproxy (right)\n{}",
            outs[1]
        );
    }
    assert_eq!(outs[1], outs[0], "rampart (left) vs haproxy (right)");
}

/// Runs HAProxy, then Rampart, on the same configuration: a stats socket, HTTP
/// defaults (`extra_defaults` appended to them), then `sections(fe)` where `fe` is a
/// pair of free ports for the process; `drive` talks to the socket at the address it
/// gets and returns what it saw, with the process to read its stderr. Returns
/// HAProxy's and Rampart's.
fn on_both(
    dir: &TempDir,
    extra_defaults: &str,
    sections: impl Fn(u16) -> String,
    drive: impl Fn(&str, &Proc) -> String,
) -> [String; 2] {
    let run = |name: &str, haproxy: bool| {
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n\
             \x20   stats socket {} level admin\n\
             defaults\n\
             \x20   mode http\n\
             \x20   timeout client 5s\n\
             \x20   timeout server 5s\n\
             \x20   timeout connect 1s\n\
             {extra_defaults}{}",
            sock.display(),
            sections(free_ports(2))
        );
        let l = if haproxy {
            Launch::haproxy(name, dir, &cfg)
        } else {
            Launch::rampart(name, dir, &cfg)
        };
        let p = l.ready(Ready::Unix(sock.clone())).spawn();
        drive(&format!("unix-connect:{}", sock.display()), &p)
    };
    [run("hap", true), run("ram", false)]
}

/// Checks of dynamic servers: `check`, `agent-check`, `track` and `slowstart` are
/// taken with HAProxy's refusals, start disabled (`enable health`, `enable agent`), and
/// the states that follow match HAProxy's: `show servers state` and `show stat` after
/// the same commands at the same pace.
#[test]
fn checks_on_dynamic_servers_as_haproxy() {
    let dir = TempDir::new("dynsrv-checks");
    let (a, dead) = (free_ports(2), 0);
    let dead = a + 1 + dead;
    let _oa = named_origin(a, "A");
    let backends = format!(
        "backend bc\n\
         \x20   server s1 127.0.0.1:{a} check inter 100\n\
         \x20   server s2 127.0.0.1:{a}\n\
         \x20   server s3 127.0.0.1:{dead} check inter 100\n\
         \x20   server s4 127.0.0.1:{a} track s1\n\
         backend other\n\
         \x20   server t1 127.0.0.1:{a} check inter 100\n\
         backend o404\n\
         \x20   option httpchk\n\
         \x20   http-check disable-on-404\n\
         \x20   server u1 127.0.0.1:{a} check inter 100\n"
    );
    let agent = format!("agent-check agent-port {dead} agent-inter 100");
    let srv = format!("127.0.0.1:{a}");
    // Commands, and pauses (ms) between them.
    let script: Vec<(String, u64)> = vec![
        (format!("add server bc/d1 {srv} check inter 100"), 0),
        ("add server bc/d2 127.0.0.1 check".into(), 0),
        (format!("add server bc/d3 {srv} track s1"), 0),
        (format!("add server bc/d4 {srv} track s2"), 0),
        (format!("add server bc/d5 {srv} track d1"), 0),
        (format!("add server bc/d6 {srv} agent-check"), 0),
        (format!("add server bc/d7 {srv} slowstart 20s"), 0),
        (format!("add server bc/d8 {srv} track nope/s1"), 0),
        (format!("add server bc/d9 {srv} track s9"), 0),
        (format!("add server bc/d10 {srv} track o404/u1"), 0),
        (format!("add server bc/d11 {srv} track other/t1"), 0),
        (
            format!("add server bc/d12 {srv} check port {a} agent-port {dead}"),
            0,
        ),
        (format!("add server bc/a1 {srv} {agent}"), 0),
        (format!("add server bc/a2 {srv} {agent}"), 0),
        ("show servers state bc".into(), 0),
        ("enable health bc/d1".into(), 0),
        ("enable health bc/d3".into(), 0),
        // An enabled check runs in maintenance unless maintenance paused it.
        ("enable agent bc/d7".into(), 450),
        ("show servers state bc".into(), 0),
        ("enable server bc/d1".into(), 0),
        ("enable server bc/d3".into(), 0),
        ("enable server bc/d7".into(), 0),
        ("enable server bc/d11".into(), 0),
        ("enable server bc/a1".into(), 300),
        ("enable agent bc/a1".into(), 0),
        ("enable agent bc/a2".into(), 500),
        ("enable server bc/a2".into(), 800),
        ("show servers state bc".into(), 0),
        ("show stat".into(), 0),
        ("disable server bc/s1".into(), 300),
        ("show stat".into(), 0),
        ("disable server bc/d3".into(), 0),
        ("del server bc/d3".into(), 0),
        ("del server bc/s1".into(), 0),
        ("enable server bc/s1".into(), 400),
        ("disable server bc/d1".into(), 0),
        ("del server bc/d1".into(), 0),
        ("disable health bc/d1".into(), 0),
        ("disable server bc/d11".into(), 0),
        ("del server bc/d11".into(), 0),
        ("del server other/t1".into(), 0),
        ("show servers state".into(), 0),
    ];
    let sections = |fe: u16| {
        format!(
            "frontend fe\n\
             \x20   bind 127.0.0.1:{fe}\n\
             \x20   default_backend bc\n\
             {backends}"
        )
    };
    let outs = on_both(&dir, "", sections, |addr, p| {
        let mut out = String::new();
        for (c, pause) in &script {
            let line = if c.starts_with("add ") {
                format!("experimental-mode on; {c}\n")
            } else {
                format!("{c}\n")
            };
            let mut ans = socat(addr, &line);
            if c.starts_with("show stat") {
                ans = check_columns(&ans);
            }
            out.push_str(&format!("> {c}\n{ans}"));
            std::thread::sleep(std::time::Duration::from_millis(*pause));
        }
        // The state changes, as printed (followers in HAProxy's order).
        out.push_str("> stderr\n");
        for l in p.stderr().lines().filter(|l| l.contains("Server bc/")) {
            // HAProxy's thread that ran `add server` keeps prefixing its messages
            // with the runtime API's context ("CLI : "); Rampart does not.
            let msg = l.split_once(") : ").map_or(l, |x| x.1);
            let msg = msg.trim_start_matches("CLI : ");
            let msg = match msg.split_once("check duration: ") {
                Some((a, b)) => format!("{a}check duration: T{}", &b[b.find('.').unwrap_or(0)..]),
                None => msg.to_string(),
            };
            out.push_str(&msg);
            out.push('\n');
        }
        mask(&out)
    });
    assert!(outs[0].contains("DOWN (agent)"), "{}", outs[0]);
    // The added follower of s1 hears of its maintenance before the configured one.
    let d3 = outs[0].find("Server bc/d3 is going DOWN for maintenance via bc/s1");
    let s4 = outs[0].find("Server bc/s4 is going DOWN for maintenance via bc/s1");
    assert!(d3.is_some() && d3 < s4, "{}", outs[0]);
    for (n, (h, r)) in outs[0].lines().zip(outs[1].lines()).enumerate() {
        assert_eq!(
            r, h,
            "line {n}: rampart (left) vs haproxy (right)\n{}",
            outs[1]
        );
    }
    assert_eq!(outs[1], outs[0], "rampart (left) vs haproxy (right)");
}

/// The `show stat` columns that describe checks and states, servers only (the codes
/// and texts of the last runs depend on the moment).
fn check_columns(csv: &str) -> String {
    let mut lines = csv.lines();
    let Some(head) = lines.next() else {
        return String::new();
    };
    let names: Vec<&str> = head.trim_start_matches("# ").split(',').collect();
    let want = [
        "pxname",
        "svname",
        "status",
        "weight",
        "chkfail",
        "tracked",
        "check_status",
        "agent_status",
    ];
    let at: Vec<usize> = want
        .iter()
        .map(|w| names.iter().position(|n| n == w).unwrap_or(0))
        .collect();
    let mut out = String::new();
    for l in lines.filter(|l| !l.is_empty() && !l.contains("BACKEND") && !l.contains("FRONTEND")) {
        let c: Vec<&str> = l.split(',').collect();
        // A run under way (`* `) depends on the moment.
        let row: Vec<&str> = at
            .iter()
            .map(|&i| c.get(i).copied().unwrap_or("?").trim_start_matches("* "))
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// Counts which origin answered `n` requests.
fn hits(fe: u16, n: usize) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for _ in 0..n {
        let (status, body) = http_get(connect(local(fe)), "/");
        let who = if status == 200 {
            body
        } else {
            format!("status {status}")
        };
        *seen.entry(who).or_insert(0) += 1;
    }
    seen
}

/// A server added in maintenance gets no traffic; enabled, roundrobin includes it;
/// disabled and deleted, it gets nothing again, and its row leaves the reports.
#[test]
fn traffic_follows_added_and_deleted_servers() {
    let dir = TempDir::new("dynsrv-traffic");
    let base = free_ports(4);
    let (fe, a, b, c) = (base, base + 1, base + 2, base + 3);
    let _oa = named_origin(a, "A");
    let _ob = named_origin(b, "B");
    let _oc = named_origin(c, "C");
    let sock = dir.join("r.sock");
    let cfg = config(&sock, fe, &[a, b]).replace("    server s9 127.0.0.1:9 id 9\n", "");
    let _p = Launch::rampart("r", &dir, &cfg)
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(fe))
        .spawn();
    let cli = format!("unix-connect:{}", sock.display());
    let before = hits(fe, 6);
    assert_eq!(before.get("A"), Some(&3), "{before:?}");
    assert_eq!(before.get("B"), Some(&3), "{before:?}");

    assert_eq!(
        socat(&cli, &format!("add server be/s3 127.0.0.1:{c} weight 7\n")),
        "New server registered.\n\n"
    );
    let maint = hits(fe, 6);
    assert_eq!(maint.get("C"), None, "in maintenance: {maint:?}");
    let state = socat(&cli, "show servers state be\n");
    let row = state
        .lines()
        .find(|l| l.split(' ').nth(3) == Some("s3"))
        .unwrap_or_else(|| panic!("no s3 row: {state}"));
    let w: Vec<&str> = row.split(' ').collect();
    assert_eq!((w[2], w[5], w[6], w[7]), ("3", "0", "1", "7"), "{row}");

    assert_eq!(socat(&cli, "enable server be/s3\n"), "\n");
    let up = hits(fe, 9);
    assert_eq!(
        (up.get("A"), up.get("B"), up.get("C")),
        (Some(&3), Some(&3), Some(&3)),
        "enabled, roundrobin includes it: {up:?}"
    );
    let stat = socat(&cli, "show stat\n");
    let srow = stat
        .lines()
        .find(|l| l.starts_with("be,s3,"))
        .unwrap_or_else(|| panic!("no be,s3 row: {stat}"));
    let cols: Vec<&str> = srow.split(',').collect();
    assert_eq!(
        (cols[7], cols[17]),
        ("3", "no check"),
        "stot, status: {srow}"
    );

    assert_eq!(
        socat(&cli, "del server be/s3\n"),
        "Only servers in maintenance mode can be deleted.\n"
    );
    assert_eq!(socat(&cli, "disable server be/s3\n"), "\n");
    assert_eq!(socat(&cli, "del server be/s3\n"), "Server deleted.\n");
    let gone = hits(fe, 6);
    assert_eq!(gone.get("C"), None, "deleted: {gone:?}");
    assert_eq!(gone.values().sum::<usize>(), 6, "{gone:?}");
    assert!(!socat(&cli, "show stat\n").contains("be,s3,"));
    assert!(!socat(&cli, "show servers state be\n").contains(" s3 "));
    // Its id is free again; the name too.
    assert_eq!(
        socat(&cli, &format!("add server be/s3 127.0.0.1:{c}\n")),
        "New server registered.\n\n"
    );
    let state = socat(&cli, "show servers state be\n");
    assert!(state.contains(" 3 s3 127.0.0.1 0 1 1 1 "), "{state}");
}

/// A server still serving a stream, or that the configuration points to (`track`,
/// `use-server`, a sample fetch's argument), is not deleted; once idle it is. Compared with HAProxy.
#[test]
fn busy_and_referenced_servers_stay() {
    let dir = TempDir::new("dynsrv-busy");
    let mut outs = Vec::new();
    for (name, haproxy) in [("hap", true), ("ram", false)] {
        let base = free_ports(3);
        let (fe, slow, chk) = (base, base + 1, base + 2);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = std::sync::Mutex::new(rx);
        // Answers once the test says so (the stream stays on the server until then).
        let _slow = TestServer::tcp(slow, move |mut s| {
            use std::io::{Read, Write};
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            if let Ok(rx) = rx.lock() {
                let _ = rx.recv_timeout(std::time::Duration::from_secs(10));
            }
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow",
            );
        });
        let _chk = named_origin(chk, "K");
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n\
             \x20   stats socket {} level admin\n\
             defaults\n\
             \x20   mode http\n\
             \x20   timeout client 15s\n\
             \x20   timeout server 15s\n\
             \x20   timeout connect 5s\n\
             frontend fe\n\
             \x20   bind 127.0.0.1:{fe}\n\
             \x20   acl t3_busy srv_sess_rate(be/t3) gt 50\n\
             \x20   default_backend be\n\
             backend be\n\
             \x20   use-server u1 if {{ path /u }}\n\
             \x20   server t1 127.0.0.1:{chk} check inter 1h\n\
             \x20   server t2 127.0.0.1:{chk} track t1\n\
             \x20   server u1 127.0.0.1:{chk}\n\
             \x20   server t3 127.0.0.1:{chk} disabled\n",
            sock.display()
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let _p = l
            .ready(Ready::Unix(sock.clone()))
            .ready_tcp(local(fe))
            .spawn();
        let cli = format!("unix-connect:{}", sock.display());
        let mut out = String::new();
        let mut say = |c: &str| {
            let a = socat(&cli, &format!("{c}\n"));
            let shown = c.replace(&slow.to_string(), "SLOW");
            out.push_str(&format!("> {shown}\n{a}"));
        };
        for s in ["t1", "t2", "u1", "t3"] {
            say(&format!("disable server be/{s}"));
            say(&format!("del server be/{s}"));
        }
        say(&format!("add server be/d1 127.0.0.1:{slow}"));
        say("enable server be/d1");
        for s in ["t1", "u1"] {
            say(&format!("set server be/{s} state maint"));
        }
        let client = std::thread::spawn(move || http_get(connect(local(fe)), "/"));
        // Bounded wait for the stream to reach the server.
        let mut seen = false;
        for _ in 0..200 {
            let st = socat(&cli, "show stat -1 4 -1\n");
            if st
                .lines()
                .any(|l| l.starts_with("be,d1,") && l.split(',').nth(4) == Some("1"))
            {
                seen = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        assert!(seen, "{name}: the stream never reached d1");
        say("disable server be/d1");
        say("del server be/d1");
        let _ = tx.send(());
        let (status, body) = client.join().expect("client");
        assert_eq!((status, body.as_str()), (200, "slow"), "{name}");
        say("del server be/d1");
        say("del server be/t2");
        outs.push(out);
    }
    assert!(
        outs[0].contains("Server still has connections attached"),
        "{}",
        outs[0]
    );
    assert_eq!(outs[1], outs[0], "rampart (left) vs haproxy (right)");
}

/// `slowstart` without checks, on a configured server and an added one: back from
/// maintenance, each starts at HAProxy's first warm-up step (`show stat`'s `throttle`,
/// the same in both processes; 60 s keep the first step for more than 3 s).
#[test]
fn slowstart_first_step_as_haproxy() {
    let dir = TempDir::new("dynsrv-slowstart");
    let a = free_ports(1);
    let _oa = named_origin(a, "A");
    let sections = |_| {
        format!(
            "backend bs\n\
             \x20   server s1 127.0.0.1:{a} slowstart 60s\n\
             \x20   server s2 127.0.0.1:{a}\n"
        )
    };
    let outs = on_both(&dir, "", sections, |addr, _| {
        let mut out = String::new();
        for c in [
            format!("experimental-mode on; add server bs/d1 127.0.0.1:{a} weight 3 slowstart 60s"),
            "disable server bs/s1".into(),
            "enable server bs/s1".into(),
            "enable server bs/d1".into(),
        ] {
            out.push_str(&socat(addr, &format!("{c}\n")));
        }
        let csv = socat(addr, "show stat\n");
        let head: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
        let col = |n: &str| head.iter().position(|h| *h == n).unwrap_or(0);
        let (st, th, w) = (col("status"), col("throttle"), col("weight"));
        for l in csv.lines().filter(|l| l.starts_with("bs,")) {
            let c: Vec<&str> = l.split(',').collect();
            out.push_str(&format!("{} {} {} {}\n", c[1], c[st], c[w], c[th]));
        }
        out
    });
    assert!(outs[0].contains("s1 no check 1 7\n"), "{}", outs[0]);
    assert_eq!(outs[1], outs[0], "rampart (left) vs haproxy (right)");
}

/// An agent saying "ready up" brings an added server out of maintenance up (the
/// health word counts before the administrative one); an added server's check sends a
/// PROXY header only with `check-send-proxy` (`send-proxy` alone is the traffic's), as
/// HAProxy's reg-test `server/cli_add_check_server.vtc` holds.
#[test]
fn agent_ready_and_check_send_proxy_as_haproxy() {
    let dir = TempDir::new("dynsrv-agent");
    let (a, agent) = (free_ports(2), 0);
    let agent = a + 1 + agent;
    let _oa = named_origin(a, "A");
    let _agent = TestServer::tcp(agent, |mut s| {
        use std::io::Write;
        let _ = s.write_all(b"ready up\n");
    });
    // The processes run one after the other: the same port serves both.
    let pp = free_ports(1);
    let sections = |fe: u16| {
        format!(
            "backend be1\n\
             \x20   option httpchk GET /\n\
             frontend fe\n\
             \x20   bind 127.0.0.1:{fe}\n\
             \x20   default_backend be1\n\
             frontend fe-proxy\n\
             \x20   bind 127.0.0.1:{pp} accept-proxy\n\
             \x20   http-request return status 200\n"
        )
    };
    let outs = on_both(&dir, "    timeout check 300ms\n", sections, |addr, _| {
        let mut out = String::new();
        for c in [
            format!("add server be1/s3 127.0.0.1:{a} agent-check agent-addr 127.0.0.1 agent-port {agent} agent-inter 100ms"),
            "enable agent be1/s3".into(),
            format!("add server be1/s4 127.0.0.1:{pp} send-proxy check inter 100ms rise 1 fall 1"),
            format!("add server be1/s5 127.0.0.1:{pp} send-proxy check inter 100ms rise 1 fall 1 check-send-proxy"),
            "enable server be1/s4".into(),
            "enable health be1/s4".into(),
            "enable server be1/s5".into(),
            "enable health be1/s5".into(),
        ] {
            out.push_str(&socat(addr, &format!("experimental-mode on; {c}\n")));
        }
        std::thread::sleep(std::time::Duration::from_millis(1200));
        out.push_str(&check_columns(&socat(addr, "show stat\n")));
        out
    });
    assert!(outs[0].contains("be1,s3,no check,1,,,,L7OK"), "{}", outs[0]);
    assert!(outs[0].contains("be1,s5,UP,1,0,,L7OK,"), "{}", outs[0]);
    assert!(outs[0].contains("be1,s4,DOWN,"), "{}", outs[0]);
    assert_eq!(outs[1], outs[0], "rampart (left) vs haproxy (right)");
}
