//! `set server <b>/<s> addr|check-addr|check-port|agent-addr|agent-port|fqdn|ssl`
//! (management guide 9.3): the answers compared word for word with HAProxy 2.6 running
//! the same configuration, `show servers state` after them, and the effects: traffic
//! follows a server's new address at once (idle keep-alive connections to the old one
//! are not reused), health checks follow it, a check's own address takes over, and a
//! server waiting for its name to resolve (`init-addr none`) serves once given one.

#![allow(clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::*;

/// A keep-alive HTTP origin answering every request with `name` (HTTP/1.1, content
/// length, the connection stays open).
fn keepalive_origin(port: u16, name: &'static str) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        s.set_read_timeout(Some(Duration::from_secs(10)));
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            while let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                got.drain(..end + 4);
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{name}",
                    name.len()
                );
                if s.write_all(resp.as_bytes()).is_err() {
                    return;
                }
            }
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
}

/// One GET on a keep-alive client connection: the body.
fn get(w: &mut httpkit::Wire) -> String {
    w.send(b"GET / HTTP/1.1\r\nhost: t\r\n\r\n");
    let m = httpkit::read_response(w, false);
    assert_eq!(m.status(), 200, "{}", m.head_text());
    m.body_text()
}

mod httpkit;

/// Rampart with a stats socket, a frontend on `port` and backend `be` made of the
/// `backend` lines; the socket's socat address.
fn start(dir: &TempDir, port: u16, backend: &str) -> (Proc, String) {
    let sock = dir.join("r.sock");
    let mut cfg = format!(
        "global\n\
         \x20   stats socket {} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         \x20   timeout connect 2s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   default_backend be\n\
         backend be\n",
        sock.display()
    );
    for l in backend.lines() {
        cfg.push_str("    ");
        cfg.push_str(l);
        cfg.push('\n');
    }
    let p = Launch::rampart("r", dir, &cfg)
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();
    (p, format!("unix-connect:{}", sock.display()))
}

/// The answers to every form, valid and not, against HAProxy's.
#[test]
fn answers_as_haproxy() {
    let dir = TempDir::new("srvaddr-answers");
    let cmds = [
        "set server be/s1 check-port 0",
        "set server be/s1 check-port abc",
        "set server be/s1 check-port 70000",
        "set server be/s2 check-port 81",
        "set server be/s1 addr",
        "set server be/s1 addr 127.0.0.2",
        "set server be/s1 addr 127.0.0.2",
        "set server be/s1 addr 127.0.0.3 port 82",
        "set server be/s1 addr ::1 port 82",
        "set server be/s1 addr foo",
        "set server be/s1 addr 127.0.0.4 port abc",
        "set server be/s1 addr 127.0.0.4 port +3",
        "set server be/s2 addr 127.0.0.4 port +3",
        "set server be/s2 addr 127.0.0.4 port -3",
        "set server be/s4 addr 127.0.0.4 port 99",
        "set server be/s5 addr 127.0.0.4",
        "set server be/s1 check-addr",
        "set server be/s1 check-addr 1.2.3.4 port 99",
        "set server be/s1 check-addr bad",
        "set server be/s2 check-addr 1.2.3.4",
        "set server be/s1 agent-addr 1.2.3.4",
        "set server be/s3 agent-addr localhost port 5",
        "set server be/s3 agent-addr nosuchhost.invalid",
        "set server be/s3 agent-port 70000",
        "set server be/s3 agent-port x",
        "set server be/s3 check-port 0",
        "set server be/s1 fqdn",
        "set server be/s1 fqdn foo.com",
        "set server be/s1 ssl on",
        "set server be/s6 addr 127.0.0.9 port -3",
        "set server be/s6 addr 127.0.0.9 port +3",
        "set server be/s6 addr 127.0.0.9 port 70000",
        "set server be/s6 addr 127.0.0.9 port 12abc",
        "disable health be/s6",
        "set server be/s6 check-addr 1.2.3.4",
        "set severity-output string",
        "set server be/s1 check-port x",
        "set server be/s1 addr 127.0.0.4",
        "set severity-output none",
        "show servers state be",
    ];
    let mut outs = Vec::new();
    for (name, haproxy) in [("hap", true), ("ram", false)] {
        let port = free_ports(1);
        let sock = dir.join(&format!("{name}.sock"));
        // The checks run every hour: only their configuration matters here.
        let cfg = format!(
            "global\n\
             \x20   stats socket {} level admin\n\
             defaults\n\
             \x20   mode http\n\
             \x20   timeout client 5s\n\
             \x20   timeout server 5s\n\
             \x20   timeout connect 5s\n\
             frontend fe\n\
             \x20   bind 127.0.0.1:{port}\n\
             \x20   default_backend be\n\
             backend be\n\
             \x20   default-server inter 1h\n\
             \x20   server s1 127.0.0.1:19080 check\n\
             \x20   server s2 127.0.0.1:19081\n\
             \x20   server s3 127.0.0.1 check port 19082 agent-check agent-port 19083\n\
             \x20   server s4 127.0.0.1:+5\n\
             \x20   server s5 unix@{}\n\
             \x20   server s6 127.0.0.1:80 check port 81\n",
            sock.display(),
            dir.join("nowhere.sock").display()
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let _p = l.ready(Ready::Unix(sock.clone())).spawn();
        let addr = format!("unix-connect:{}", sock.display());
        let mut out = String::new();
        for c in cmds {
            let a = socat(&addr, &format!("{c}\n"));
            out.push_str(&format!("> {c}\n{a}"));
        }
        // The seconds since the last change may differ.
        let masked: Vec<String> = out
            .lines()
            .map(|l| {
                let mut w: Vec<&str> = l.split(' ').collect();
                if w.len() > 20 && w[1] == "be" {
                    w[9] = "T";
                }
                w.join(" ")
            })
            .collect();
        outs.push(masked.join("\n"));
    }
    assert!(outs[1].contains("IP changed from '127.0.0.1' to '127.0.0.2'"));
    assert_eq!(outs[1], outs[0], "rampart (left) vs haproxy (right)");
}

/// Traffic follows the new address at once; the old idle connection is not reused.
#[test]
fn traffic_follows_the_new_address() {
    let dir = TempDir::new("srvaddr-traffic");
    let base = free_ports(3);
    let a = keepalive_origin(base + 1, "A");
    let b = keepalive_origin(base + 2, "B");
    let accepted = |s: &TestServer| s.stats.accepted.load(Ordering::SeqCst);
    let (_p, cli) = start(
        &dir,
        base,
        &format!("http-reuse always\nserver s1 127.0.0.1:{o}\n", o = base + 1),
    );
    let mut w = httpkit::Wire::connect(base);
    for _ in 0..3 {
        assert_eq!(get(&mut w), "A");
    }
    assert_eq!(accepted(&a), 1, "one kept-alive server connection");
    let said = socat(
        &cli,
        &format!("set server be/s1 addr 127.0.0.1 port {}\n", base + 2),
    );
    assert_eq!(
        said,
        format!(
            "no need to change the addr, port changed from '{}' to '{}' by 'stats socket command'\n\n",
            base + 1,
            base + 2
        )
    );
    // The same client connection, then new ones.
    for _ in 0..3 {
        assert_eq!(get(&mut w), "B");
    }
    for _ in 0..3 {
        assert_eq!(get(&mut httpkit::Wire::connect(base)), "B");
    }
    assert_eq!(accepted(&a), 1, "nothing more reached A");
    assert!(accepted(&b) >= 1);
    let state = socat(&cli, "show servers state be\n");
    let row = state
        .lines()
        .find(|l| l.contains(" s1 "))
        .expect("s1 in show servers state");
    let w: Vec<&str> = row.split(' ').collect();
    assert_eq!(
        (w[4], w[18]),
        ("127.0.0.1", &*(base + 2).to_string()),
        "{row}"
    );
}

/// A health check without an address of its own follows the server's; `check-addr`
/// then points it elsewhere.
#[test]
fn checks_follow_the_server() {
    let dir = TempDir::new("srvaddr-checks");
    let base = free_ports(3);
    let _a = named_origin(base + 1, "A");
    let dead = base + 2; // nothing listens there
    let (_p, cli) = start(
        &dir,
        base,
        &format!(
            "server s1 127.0.0.1:{o} check inter 100 rise 1 fall 1\n",
            o = base + 1
        ),
    );
    let status = || show_stat_field(&cli, "be", "s1", "status");
    assert!(
        wait_until(Duration::from_secs(10), || status() == "UP"),
        "s1 comes up: {}",
        status()
    );
    socat(
        &cli,
        &format!("set server be/s1 addr 127.0.0.1 port {dead}\n"),
    );
    assert!(
        wait_until(Duration::from_secs(10), || status() == "DOWN"),
        "the check follows the server to a dead port: {}",
        status()
    );
    let said = socat(
        &cli,
        &format!("set server be/s1 check-addr 127.0.0.1 port {}\n", base + 1),
    );
    assert_eq!(said, "\n");
    assert!(
        wait_until(Duration::from_secs(10), || status() == "UP"),
        "the check's own address: {}",
        status()
    );
    let state = socat(&cli, "show servers state be\n");
    let row = state.lines().find(|l| l.contains(" s1 ")).expect("s1 row");
    let w: Vec<&str> = row.split(' ').collect();
    assert_eq!(
        (w[21], w[22]),
        (&*(base + 1).to_string(), "127.0.0.1"),
        "srv_check_port, srv_check_addr: {row}"
    );
}

/// `init-addr none` with a name that does not resolve: the server waits in maintenance
/// (`MAINT (resolution)`) with no address family, which the runtime API cannot change
/// (HAProxy's answer); the command still lifts the resolution maintenance, and the
/// server, without an address, gets nothing through (503), as in HAProxy.
#[test]
fn unresolved_server_has_no_address_to_change() {
    let dir = TempDir::new("srvaddr-rmaint");
    let base = free_ports(2);
    let _a = named_origin(base + 1, "A");
    let (_p, cli) = start(
        &dir,
        base,
        &format!(
            "server s1 no-such-host.invalid:{o} init-addr none\n",
            o = base + 1
        ),
    );
    let status = || show_stat_field(&cli, "be", "s1", "status");
    assert_eq!(status(), "MAINT (resolution)");
    let row = || {
        let state = socat(&cli, "show servers state be\n");
        let row = state.lines().find(|l| l.contains(" s1 ")).expect("s1 row");
        let w: Vec<String> = row.split(' ').map(str::to_string).collect();
        (w[4].clone(), w[6].clone(), w[18].clone())
    };
    assert_eq!(row(), ("-".into(), "32".into(), (base + 1).to_string()));
    let (code, _) = http_get(connect(local(base)), "/");
    assert_eq!(code, 503, "no server while the name is unresolved");
    let said = socat(&cli, "set server be/s1 addr 127.0.0.1\n");
    assert_eq!(
        said,
        "Update for the current server address family is only supported through configuration file by 'stats socket command'\n\n"
    );
    assert_eq!(row(), ("-".into(), "0".into(), (base + 1).to_string()));
    assert_eq!(status(), "no check");
    let (code, _) = http_get(connect(local(base)), "/");
    assert_eq!(code, 503, "still no address to connect to");
}
