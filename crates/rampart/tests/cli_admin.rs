//! The runtime API's commands that change state (management guide 9.3), with real
//! traffic through in-test origins: each command is sent with socat to Rampart and to
//! HAProxy 2.6 running the same configuration, and their answers (error texts
//! included), `show servers state` and the effects on traffic are compared.

#![allow(clippy::expect_used)]

mod support;

use std::io::Write;

use std::time::Duration;
use support::*;

/// The configuration: a frontend on `port`, a roundrobin backend over two origins and a
/// third server whose health check never runs in the test (`inter 1h`), a backup, a
/// `tcp` listener for long transfers.
fn config(sock: &str, port: u16, o1: u16, o2: u16, tcp: u16, big: u16) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         \x20   timeout connect 5s\n\
         frontend fe\n\
         \x20   mode http\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   mode http\n\
         \x20   balance roundrobin\n\
         \x20   server s1 127.0.0.1:{o1}\n\
         \x20   server s2 127.0.0.1:{o2}\n\
         \x20   server s3 127.0.0.1:{o2} weight 5 disabled check inter 1h\n\
         \x20   server s4 127.0.0.1:{o2} backup\n\
         listen big\n\
         \x20   mode tcp\n\
         \x20   bind 127.0.0.1:{tcp}\n\
         \x20   server t1 127.0.0.1:{big}\n"
    )
}

struct Side {
    p: Proc,
    sock: String,
    port: u16,
    tcp: u16,
}

/// Starts `name` (Rampart, or HAProxy when `haproxy`) with its origins' ports.
fn start(name: &str, dir: &TempDir, haproxy: bool, o1: u16, o2: u16, big: u16) -> Side {
    let base = free_ports(2);
    let sock = dir.join(&format!("{name}.sock"));
    let cfg = config(&sock.to_string_lossy(), base, o1, o2, base + 1, big);
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
    Side {
        p,
        sock: format!("unix-connect:{}", sock.display()),
        port: base,
        tcp: base + 1,
    }
}

impl Side {
    fn cli(&self, c: &str) -> String {
        socat(&self.sock, &format!("{c}\n"))
    }

    /// Which server answered each of `n` requests.
    fn spread(&self, n: usize) -> (usize, usize) {
        let (mut a, mut b) = (0, 0);
        for _ in 0..n {
            let (status, body) = http_get(connect(local(self.port)), "/");
            assert_eq!(status, 200, "{body}");
            match body.as_str() {
                "s1" => a += 1,
                _ => b += 1,
            }
        }
        (a, b)
    }
}

/// Origins shared by both programs: s1 answers "s1", the others "s2".
struct Origins {
    _o1: TestServer,
    _o2: TestServer,
    o1: u16,
    o2: u16,
}

fn origins() -> Origins {
    let p = free_ports(2);
    Origins {
        _o1: named_origin(p, "s1"),
        _o2: named_origin(p + 1, "s2"),
        o1: p,
        o2: p + 1,
    }
}

/// `show servers state` without what depends on time and on proxy numbering (the
/// backend's id, the time since the last change).
fn masked_state(s: &str) -> String {
    s.lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(' ').collect();
            if f.len() > 10 && !l.starts_with('#') {
                f[0] = "ID";
                f[9] = "T";
            }
            f.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn answers_and_states_match_haproxy() {
    let dir = TempDir::new("cli-admin-answers");
    let o = origins();
    let big = free_port();
    let r = start("r", &dir, false, o.o1, o.o2, big);
    let h = start("h", &dir, true, o.o1, o.o2, big);
    let cmds = [
        "show servers state",
        "get weight be/s3",
        "get weight be/nope",
        "get weight nope/s1",
        "get weight be",
        "set weight be/s2 50%",
        "get weight be/s2",
        "set weight be/s2 abc",
        "set weight be/s2 300",
        "set weight be/s2 -1%",
        "set weight be/s2 2x",
        "set weight be/s2 1",
        "set server be/s3 weight 200%",
        "get weight be/s3",
        "disable server be/s1",
        "disable server be/s1",
        "show servers state be",
        "set server be/s2 state drain",
        "show servers state be",
        "set server be/s2 state foo",
        "set server be/s2 state ready",
        "enable server be/s1",
        "enable server be/s3",
        "show servers state be",
        "set server be/s3 state maint",
        "set server be/s1 health down",
        "set server be/s1 health sideways",
        "show servers state be",
        "set server be/s1 health up",
        "set server be/s1 agent up",
        "set server be/s1 agent-send hello",
        "set server be/s1 foo",
        "set server be/s1",
        "set server be weight 1",
        "set server nope/s1 weight 1",
        "set maxconn server be/s1 10",
        "set maxconn server be/s1 x",
        "set maxconn server be/s1 10x",
        "set maxconn server be/s1",
        "set maxconn frontend fe 100",
        "set maxconn frontend nope 100",
        "set maxconn frontend fe",
        "set maxconn frontend fe -1",
        "set maxconn frontend",
        "set maxconn global 100",
        "set maxconn global",
        "set maxconn global 99999999",
        "set rate-limit connections global 1000",
        "set rate-limit sessions global 0",
        "set rate-limit sessions global -1",
        "set rate-limit sessions global",
        "set rate-limit",
        "enable health be/s1",
        "enable agent be/s1",
        "disable health be/s3",
        "enable health be/s3",
        "disable agent be/s1",
        "shutdown sessions server be/nope",
        "shutdown session",
        "shutdown session 0x1234",
        "clear counters",
        "clear counters all",
        "disable frontend nope",
        "disable frontend",
        "show servers state",
        "show servers state nope",
        "user; disable server be/s1",
        "operator; set weight be/s1 1",
        "operator; clear counters all",
        "user; clear counters",
        "operator; get weight be/s1",
    ];
    for c in cmds {
        let (got, want) = (r.cli(c), h.cli(c));
        if c.starts_with("show servers state") {
            assert_eq!(masked_state(&got), masked_state(&want), "input {c:?}");
        } else {
            assert_eq!(got, want, "input {c:?}");
        }
    }
}

#[test]
fn maint_and_drain_take_servers_out_of_balancing() {
    let dir = TempDir::new("cli-admin-maint");
    let o = origins();
    let r = start("r", &dir, false, o.o1, o.o2, free_port());
    assert_eq!(r.spread(10), (5, 5));
    assert_eq!(r.cli("disable server be/s1"), "\n");
    assert_eq!(
        r.spread(10),
        (0, 10),
        "a server in maintenance gets nothing"
    );
    assert_eq!(r.cli("enable server be/s1"), "\n");
    assert_eq!(r.spread(10), (5, 5));
    assert_eq!(r.cli("set server be/s1 state drain"), "\n");
    assert_eq!(r.spread(10), (0, 10), "a draining server gets nothing new");
    assert_eq!(r.cli("set server be/s1 state ready"), "\n");
    assert_eq!(r.cli("set server be/s1 state maint"), "\n");
    assert_eq!(r.spread(6), (0, 6));
    assert_eq!(r.cli("set server be/s1 state ready"), "\n");
    assert_eq!(r.cli("set weight be/s1 0"), "\n");
    assert_eq!(r.spread(6), (0, 6), "weight 0 drains");
    assert_eq!(r.cli("set server be/s1 weight 100%"), "\n");
    assert_eq!(r.cli("set server be/s1 health down"), "\n");
    assert_eq!(r.spread(6), (0, 6));
    assert_eq!(r.cli("set server be/s1 health up"), "\n");
    let (a, b) = r.spread(10);
    assert_eq!(a + b, 10);
    assert!(a >= 4, "s1 serves again: {a}/{b}");
    // The messages HAProxy prints for these changes.
    let err = r.p.stderr();
    for m in [
        "Server be/s1 is going DOWN for maintenance. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
        "Server be/s1 is UP/READY (leaving forced maintenance).",
        "Server be/s1 enters drain state. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.",
        "Server be/s1 is UP (leaving forced drain).",
        "Server be/s1 is DOWN, changed from CLI. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
        "Server be/s1 is UP, changed from CLI. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.",
    ] {
        assert!(err.contains(m), "missing {m:?} in {err}");
    }
}

#[test]
fn weights_change_the_roundrobin_share() {
    let dir = TempDir::new("cli-admin-weight");
    let o = origins();
    let r = start("r", &dir, false, o.o1, o.o2, free_port());
    let h = start("h", &dir, true, o.o1, o.o2, free_port());
    for side in [&r, &h] {
        assert_eq!(side.cli("set weight be/s2 3"), "\n");
        assert_eq!(side.cli("get weight be/s2"), "3 (initial 1)\n\n");
    }
    let (ra, rb) = r.spread(40);
    let (ha, hb) = h.spread(40);
    assert_eq!((ra, rb), (10, 30));
    assert_eq!((ra, rb), (ha, hb), "the same share as HAProxy");
}

#[test]
fn shutdown_sessions_cuts_a_long_transfer() {
    let dir = TempDir::new("cli-admin-kill");
    let o = origins();
    let big = free_port();
    // A server that sends a little, then keeps the connection open.
    let _srv = TestServer::tcp(big, |mut s| {
        let _ = s.write_all(b"hello");
        std::thread::sleep(Duration::from_secs(8));
    });
    let r = start("r", &dir, false, o.o1, o.o2, big);
    let mut c = connect(local(r.tcp));
    assert_eq!(read_exact(&mut c, 5), b"hello");
    assert!(stays_silent(&mut c, Duration::from_millis(300)));
    assert_eq!(r.cli("shutdown sessions server big/t1"), "\n");
    let closed = wait_closed(&mut c, Duration::from_secs(3));
    assert!(closed.is_some(), "the transfer was cut");
}

#[test]
fn disable_frontend_stops_accepting_until_enabled() {
    let dir = TempDir::new("cli-admin-fe");
    let o = origins();
    let r = start("r", &dir, false, o.o1, o.o2, free_port());
    assert_eq!(r.spread(2), (1, 1));
    assert_eq!(r.cli("disable frontend fe"), "\n");
    assert_eq!(
        r.cli("disable frontend fe"),
        "All sockets are already disabled.\n\n"
    );
    // A new connection gets no answer (HAProxy refuses it; Rampart leaves it in the
    // kernel's backlog).
    let answered = std::net::TcpStream::connect(local(r.port)).is_ok_and(|mut s| {
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut b = [0u8; 16];
        matches!(std::io::Read::read(&mut s, &mut b), Ok(n) if n > 0)
    });
    assert!(!answered, "a disabled frontend accepts nothing");
    assert_eq!(r.cli("enable frontend fe"), "\n");
    assert_eq!(
        r.cli("enable frontend fe"),
        "All sockets are already enabled.\n\n"
    );
    let (a, b) = r.spread(2);
    assert_eq!(a + b, 2);
    assert_eq!(r.cli("shutdown frontend fe"), "\n");
    assert!(
        wait_until(Duration::from_secs(3), || std::net::TcpStream::connect(
            local(r.port)
        )
        .is_err()),
        "a shut down frontend's listener closes"
    );
    assert_eq!(
        r.cli("enable frontend fe"),
        "Frontend was previously shut down, cannot enable.\n\n"
    );
    // (HAProxy refused the connection made while paused; Rampart served it after.)
    let err = r.p.stderr();
    for m in [
        "Paused frontend fe.",
        "Resumed frontend fe.",
        "Proxy fe stopped (cumulated conns: FE: ",
    ] {
        assert!(err.contains(m), "missing {m:?} in {err}");
    }
}
