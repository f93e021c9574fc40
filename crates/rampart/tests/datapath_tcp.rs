//! End-to-end tests of the `mode tcp` data path: the real `rampart` binary between real
//! clients and servers on loopback (servers written in the test, Debian's haproxy 2.6 and
//! nginx as PROXY protocol peers), covering forwarding and half-close, every address
//! family of `bind` and `server`, port ranges and offsets, inherited sockets, the
//! inactivity and connect timeouts, `maxconn`, the PROXY protocol, soft and hard stops,
//! `-sf` and daemon mode.
//!
//! Timeouts in the configurations are short (100-1000 ms) where a test waits for them;
//! assertions on time are only "not before" a fraction of the timeout and "within" a
//! generous bound, never a speed.

// Shared test bodies live in helpers, where a failed expectation must panic too.
#![allow(clippy::expect_used)]

mod support;

use nix::sys::signal::Signal;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};
use support::*;

/// A configuration with HAProxy's usual `mode tcp` defaults (long timeouts unless the
/// test overrides them in `extra_defaults`) followed by `body`.
fn tcp_cfg(extra_global: &str, extra_defaults: &str, body: &str) -> String {
    format!(
        "global\n{extra_global}\
         defaults\n\
         \x20   mode tcp\n\
         \x20   timeout connect 2s\n\
         \x20   timeout client 30s\n\
         \x20   timeout server 30s\n\
         {extra_defaults}\
         {body}"
    )
}

/// `listen l` from `bind` to `server` with the default settings.
fn simple(bind: &str, server: &str) -> String {
    simple_with("", bind, server)
}

/// `listen l` from `bind` to `server` with `extra_defaults` lines in `defaults`.
fn simple_with(extra_defaults: &str, bind: &str, server: &str) -> String {
    tcp_cfg(
        "",
        extra_defaults,
        &format!("listen l\n    bind {bind}\n    server s {server}\n"),
    )
}

/// Both directions spliced from the first byte.
const FORCED_SPLICE: &str = "    option splice-request\n    option splice-response\n";

/// Asserts that the proxy closes `c` within `within`, and not before `not_before`.
fn assert_closed_between(c: &mut Stream, not_before: Duration, within: Duration, what: &str) {
    match wait_closed(c, within) {
        Some((how, after)) => {
            eprintln!("{what}: closed ({how:?}) after {after:?}");
            assert!(
                after >= not_before,
                "{what}: closed after {after:?}, before the configured timeout (>= {not_before:?})"
            )
        }
        None => panic!("{what}: connection still open after {within:?}"),
    }
}

/// A handler that greets with `tag` and the server's own port, then echoes: tells the
/// client which server (and which port) it reached.
fn port_greeter(tag: &'static str) -> impl Fn(Stream) + Send + Sync + 'static {
    greet_then_echo(move |s| {
        let port = s.local().map_or(0, |a| a.port());
        format!("{tag}{port}\n")
    })
}

/// Reads one `\n`-terminated line (bounded).
fn read_line(s: &mut Stream) -> String {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while line.len() < 1024 {
        match s.read(&mut b) {
            Ok(1) if b[0] == b'\n' => break,
            Ok(1) => line.push(b[0]),
            Ok(_) => panic!(
                "end of stream before a line; got {:?}",
                String::from_utf8_lossy(&line)
            ),
            Err(e) => panic!("reading a line: {e}"),
        }
    }
    String::from_utf8_lossy(&line).into_owned()
}

// ---------------------------------------------------------------------------------------
// 1. Forwarding

#[test]
fn forwards_both_ways_over_ipv4() {
    let dir = TempDir::new("fwd");
    let (p, e) = (free_port(), free_port());
    let srv = TestServer::tcp(
        e,
        greet_then_echo(|s| {
            format!(
                "peer={}\n",
                s.peer().map_or(String::new(), |a| a.ip().to_string())
            )
        }),
    );
    let _rp = Launch::rampart(
        "rampart",
        &dir,
        &simple(&format!("127.0.0.1:{p}"), &format!("127.0.0.1:{e}")),
    )
    .ready_tcp(local(p))
    .spawn();

    let mut c = connect(local(p));
    assert_eq!(
        read_line(&mut c),
        "peer=127.0.0.1",
        "server-first bytes reach the client"
    );
    assert_eq!(roundtrip(&mut c, b"hello"), b"hello");
    // More than one buffer (tune.bufsize is 16 kB) in one write.
    let msg: Vec<u8> = (0..60_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(roundtrip(&mut c, &msg), msg);
    c.shutdown(Shutdown::Write);
    assert!(
        read_until_closed(&mut c, 1 << 20).is_empty(),
        "nothing after the echo"
    );
    assert_eq!(
        srv.accepted(),
        1,
        "one connection to the server per client connection"
    );
}

#[test]
fn transfers_50_mb_each_way_intact() {
    transfer_each_way(&tcp_cfg("", "", ""), 50 << 20);
}

#[test]
fn transfers_50_mb_each_way_intact_with_forced_splice() {
    let pipes = transfer_each_way(&tcp_cfg("", FORCED_SPLICE, ""), 50 << 20);
    assert!(
        pipes >= 2,
        "pipes were used ({pipes} pipe descriptors seen)"
    );
}

/// `splice-auto` splices once a direction streams fast, which HAProxy notices only
/// after a while: a long transfer.
#[test]
fn transfers_200_mb_each_way_intact_with_splice_auto() {
    let cfg = tcp_cfg("", "    option splice-auto\n", "");
    let pipes = transfer_each_way(&cfg, 200 << 20);
    assert!(
        pipes >= 2,
        "pipes were used ({pipes} pipe descriptors seen)"
    );
}

/// One pipe for two directions: one splices, the other copies.
#[test]
fn transfers_50_mb_each_way_intact_when_pipes_run_out() {
    let pipes = transfer_each_way(&tcp_cfg("    maxpipes 2\n", FORCED_SPLICE, ""), 50 << 20);
    assert!(
        pipes <= 2,
        "one pipe at most ({pipes} pipe descriptors seen)"
    );
}

/// Sends `len` bytes each way at once through `listen l` configured after `head`,
/// checks them on both ends, and returns the most pipe descriptors the proxy held
/// beyond those it had before (sampled during the transfer).
fn transfer_each_way(head: &str, len: u64) -> usize {
    let dir = TempDir::new("bulk");
    let (p, e) = (free_port(), free_port());
    // The server checks what it receives (stream 1) while it sends its own (stream 2).
    let (_srv, rx) = two_way_server(e, len);
    let rp = Launch::rampart(
        "rampart",
        &dir,
        &format!("{head}listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"),
    )
    .ready_tcp(local(p))
    .spawn();

    let before = pipe_fds(rp.pid());
    let c = connect(local(p));
    let mut w = c.try_clone();
    let sender = thread::spawn(move || {
        let r = Pattern::new(1).write_to(&mut w, len);
        w.shutdown(Shutdown::Write);
        r.map_err(|e| e.to_string())
    });
    let mut r = c;
    let reader = thread::spawn(move || Pattern::new(2).verify_from(&mut r, len));
    let mut pipes = 0;
    let t0 = Instant::now();
    while !reader.is_finished() && t0.elapsed() < IO_TIMEOUT * 3 {
        pipes = pipes.max(pipe_fds(rp.pid()).saturating_sub(before));
        thread::sleep(Duration::from_millis(2));
    }
    let got = reader.join().expect("client reader thread");
    let sent = sender.join().expect("client sender thread");
    assert_eq!(sent, Ok(()), "client sent its data");
    assert_eq!(
        got,
        Ok(len),
        "client received the server's data intact, then end of stream"
    );
    let (srv_got, srv_sent) = rx
        .recv_timeout(IO_TIMEOUT)
        .expect("server finished its side");
    assert_eq!(srv_sent, Ok(()), "server sent its data");
    assert_eq!(
        srv_got,
        Ok(len),
        "server received the client's data intact, then end of stream"
    );
    pipes
}

/// How many of `pid`'s descriptors are pipes.
fn pipe_fds(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    std::fs::read_link(e.path())
                        .is_ok_and(|l| l.to_string_lossy().starts_with("pipe:"))
                })
                .count()
        })
        .unwrap_or(0)
}

/// Sends 8 MB each way through a proxy started with `global`/`defaults` lines and
/// `args` while neither end reads, so that whatever the proxy moved is stuck inside it,
/// and returns how many pipe descriptors the proxy then holds beyond those it had
/// before: `expect` is waited for (pipes appear as the transfer starts), any other
/// count is sampled once the transfer stalled. Both ends then read everything.
fn pipe_fds_of_a_stalled_tunnel(
    global: &str,
    defaults: &str,
    args: &[&str],
    expect: usize,
) -> usize {
    const LEN: u64 = 8 << 20;
    let dir = TempDir::new("pipes");
    let (p, e) = (free_port(), free_port());
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let (done_tx, done_rx) = mpsc::channel();
    let done_tx = Mutex::new(done_tx);
    let _srv = TestServer::tcp(e, move |s| {
        let mut w = s.try_clone();
        let sender = thread::spawn(move || Pattern::new(2).write_to(&mut w, LEN).is_ok());
        let _ = go_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recv_timeout(IO_TIMEOUT);
        let mut r = s;
        let got = Pattern::new(1).verify_from(&mut r, LEN);
        let _ = done_tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send((got, sender.join().unwrap_or(false)));
    });
    let rp = Launch::rampart(
        "rampart",
        &dir,
        &tcp_cfg(
            global,
            defaults,
            &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"),
        ),
    )
    .args(args)
    .ready_tcp(local(p))
    .spawn();
    let before = pipe_fds(rp.pid());
    let c = connect(local(p));
    let mut w = c.try_clone();
    let sender = thread::spawn(move || {
        let ok = Pattern::new(1).write_to(&mut w, LEN).is_ok();
        w.shutdown(Shutdown::Write);
        ok
    });
    let held = || pipe_fds(rp.pid()).saturating_sub(before);
    let reached = wait_until(Duration::from_secs(10), || held() == expect);
    if !reached || expect == 0 {
        thread::sleep(Duration::from_millis(500));
    }
    let n = held();
    go_tx.send(()).expect("server waiting");
    let mut r = c;
    let got = Pattern::new(2).verify_from(&mut r, LEN);
    assert_eq!(got, Ok(LEN), "client received the server's 8 MB intact");
    assert!(sender.join().unwrap_or(false), "client sent its 8 MB");
    let (srv_got, srv_sent) = done_rx.recv_timeout(IO_TIMEOUT).expect("server done");
    assert_eq!(srv_got, Ok(LEN), "server received the client's 8 MB intact");
    assert!(srv_sent, "server sent its 8 MB");
    n
}

#[test]
fn forced_splice_holds_one_pipe_per_direction() {
    assert_eq!(pipe_fds_of_a_stalled_tunnel("", FORCED_SPLICE, &[], 4), 4);
}

/// HAProxy counts the pipe being created against `maxpipes`: at most `maxpipes - 1` exist.
#[test]
fn maxpipes_bounds_the_pipes() {
    let global = "    maxpipes 2\n";
    assert_eq!(
        pipe_fds_of_a_stalled_tunnel(global, FORCED_SPLICE, &[], 2),
        2
    );
}

#[test]
fn nosplice_and_ds_disable_splicing() {
    let global = "    nosplice\n";
    assert_eq!(
        pipe_fds_of_a_stalled_tunnel(global, FORCED_SPLICE, &[], 0),
        0
    );
    assert_eq!(
        pipe_fds_of_a_stalled_tunnel("", FORCED_SPLICE, &["-dS"], 0),
        0
    );
}

// ---------------------------------------------------------------------------------------
// 2. Half-close

#[test]
fn half_close_from_the_client() {
    half_close_from_the_client_with("");
}

#[test]
fn half_close_from_the_client_spliced() {
    half_close_from_the_client_with(FORCED_SPLICE);
}

fn half_close_from_the_client_with(extra_defaults: &str) {
    let dir = TempDir::new("hc1");
    let (p, e) = (free_port(), free_port());
    // Replies only once the client's side has ended.
    let srv = TestServer::tcp(e, |mut s| {
        let got = read_until_closed(&mut s, 1 << 20);
        let _ = s.write_all(format!("got {} bytes after your FIN", got.len()).as_bytes());
    });
    let _rp = Launch::rampart(
        "rampart",
        &dir,
        &simple_with(
            extra_defaults,
            &format!("127.0.0.1:{p}"),
            &format!("127.0.0.1:{e}"),
        ),
    )
    .ready_tcp(local(p))
    .spawn();

    let mut c = connect(local(p));
    c.write_all(b"abcdef").expect("write");
    c.shutdown(Shutdown::Write);
    let reply = read_until_closed(&mut c, 1 << 20);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "got 6 bytes after your FIN",
        "the server saw EOF and its reply still reached the half-closed client, then EOF"
    );
    assert!(
        wait_until(Duration::from_secs(5), || srv.active() == 0),
        "server connection fully closed"
    );
}

#[test]
fn half_close_from_the_server() {
    half_close_from_the_server_with("");
}

#[test]
fn half_close_from_the_server_spliced() {
    half_close_from_the_server_with(FORCED_SPLICE);
}

fn half_close_from_the_server_with(extra_defaults: &str) {
    let dir = TempDir::new("hc2");
    let (p, e) = (free_port(), free_port());
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    // Says hello and closes its side first, then keeps reading until the client ends.
    let srv = TestServer::tcp(e, move |mut s| {
        let _ = s.write_all(b"hello, then FIN");
        s.shutdown(Shutdown::Write);
        let got = read_until_closed(&mut s, 1 << 20);
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(got);
    });
    let _rp = Launch::rampart(
        "rampart",
        &dir,
        &simple_with(
            extra_defaults,
            &format!("127.0.0.1:{p}"),
            &format!("127.0.0.1:{e}"),
        ),
    )
    .ready_tcp(local(p))
    .spawn();

    let mut c = connect(local(p));
    let greeting = read_until_closed(&mut c, 1 << 20);
    assert_eq!(
        greeting, b"hello, then FIN",
        "server data then EOF reach the client"
    );
    // The client's direction is still open through the proxy.
    c.write_all(b"client still talking")
        .expect("write after the server's FIN");
    c.shutdown(Shutdown::Write);
    let got = rx
        .recv_timeout(IO_TIMEOUT)
        .expect("server got the client's data");
    assert_eq!(got, b"client still talking");
    assert!(
        wait_until(Duration::from_secs(5), || srv.active() == 0),
        "server connection fully closed"
    );
    let mut b = [0u8; 16];
    assert_eq!(
        c.read(&mut b).map_err(|e| e.kind()),
        Ok(0),
        "client sees EOF"
    );
}

// ---------------------------------------------------------------------------------------
// 3. Address families

#[test]
fn ipv6_on_both_sides() {
    require_ipv6();
    let dir = TempDir::new("v6");
    let (p1, p2, e) = (free_port(), free_port(), free_port());
    let srv = TestServer::start(
        ListenOn::Tcp(local6(e)),
        greet_then_echo(|s| {
            format!(
                "peer={}\n",
                s.peer().map_or(String::new(), |a| a.ip().to_string())
            )
        }),
    );
    let cfg = tcp_cfg(
        "",
        "",
        &format!(
            "listen brackets\n    bind [::1]:{p1}\n    server s [::1]:{e}\n\
             listen prefixed\n    bind ipv6@::1:{p2}\n    server s ipv6@::1:{e}\n"
        ),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local6(p1))
        .ready_tcp(local6(p2))
        .spawn();
    for p in [p1, p2] {
        let mut c = connect(local6(p));
        assert_eq!(
            read_line(&mut c),
            "peer=::1",
            "rampart reached the server over IPv6 (port {p})"
        );
        assert_eq!(roundtrip(&mut c, b"six"), b"six");
    }
    assert_eq!(srv.accepted(), 2);
}

#[test]
fn unix_sockets_on_both_sides() {
    let dir = TempDir::new("unix");
    let fe = dir.join("fe.sock");
    let be = dir.join("be.sock");
    let srv = TestServer::start(ListenOn::Unix(be.clone()), echo);
    let cfg = simple(
        &format!("unix@{} mode 600", fe.display()),
        &format!("unix@{}", be.display()),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready(Ready::Unix(fe.clone()))
        .spawn();
    let meta = std::fs::metadata(&fe).expect("frontend socket file");
    assert!(meta.file_type().is_socket(), "{} is a socket", fe.display());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "`mode 600` applied"
    );
    let mut c = connect_unix(&fe);
    assert_eq!(
        roundtrip(&mut c, b"over unix sockets"),
        b"over unix sockets"
    );
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn abstract_sockets_on_both_sides() {
    let dir = TempDir::new("abns");
    let tag = format!("{}-{}", std::process::id(), free_port());
    let (fe, be) = (format!("rp-fe-{tag}"), format!("rp-be-{tag}"));
    let srv = TestServer::start(ListenOn::Abns(be.clone()), echo);
    let cfg = simple(&format!("abns@{fe}"), &format!("abns@{be}"));
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready(Ready::Abns(fe.clone()))
        .spawn();
    let mut c = connect_abns(&fe);
    assert_eq!(roundtrip(&mut c, b"abstract"), b"abstract");
    assert_eq!(srv.accepted(), 1);
}

// ---------------------------------------------------------------------------------------
// 4. Port ranges, lists and server port offsets

#[test]
fn bind_port_range_listens_on_every_port() {
    let dir = TempDir::new("range");
    let p = free_ports(3);
    let e = free_port();
    let _srv = TestServer::tcp(e, echo);
    let cfg = simple(
        &format!("127.0.0.1:{p}-{}", p + 2),
        &format!("127.0.0.1:{e}"),
    );
    let mut launch = Launch::rampart("rampart", &dir, &cfg);
    for port in p..p + 3 {
        launch = launch.ready_tcp(local(port));
    }
    let _rp = launch.spawn();
    for port in p..p + 3 {
        let mut c = connect(local(port));
        assert_eq!(roundtrip(&mut c, b"range"), b"range", "port {port}");
    }
}

#[test]
fn bind_comma_list_listens_on_each_address() {
    let dir = TempDir::new("list");
    let (a, b, e) = (free_port(), free_port(), free_port());
    let _srv = TestServer::tcp(e, echo);
    let cfg = simple(
        &format!("127.0.0.1:{a},127.0.0.1:{b}"),
        &format!("127.0.0.1:{e}"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(a))
        .ready_tcp(local(b))
        .spawn();
    for port in [a, b] {
        let mut c = connect(local(port));
        assert_eq!(roundtrip(&mut c, b"list"), b"list", "port {port}");
    }
}

#[test]
fn server_port_offset_follows_destination_port() {
    let dir = TempDir::new("offset");
    // Three frontend ports P..P+2 and three servers at P+1000..P+1002.
    let p = (0..50)
        .map(|_| free_ports(3))
        .find(|&p| claim_ports(p + 1000, 3))
        .expect("three free ports with three free ports 1000 above");
    let servers: Vec<TestServer> = (0..3)
        .map(|i| TestServer::tcp(p + 1000 + i, port_greeter("server port ")))
        .collect();
    let cfg = simple(&format!("127.0.0.1:{p}-{}", p + 2), "127.0.0.1:+1000");
    let mut launch = Launch::rampart("rampart", &dir, &cfg);
    for port in p..p + 3 {
        launch = launch.ready_tcp(local(port));
    }
    let _rp = launch.spawn();
    for port in p..p + 3 {
        let mut c = connect(local(port));
        assert_eq!(
            read_line(&mut c),
            format!("server port {}", port + 1000),
            "client to port {port} reaches port {} (destination + 1000)",
            port + 1000
        );
    }
    for s in &servers {
        assert_eq!(s.accepted(), 1);
    }
}

#[test]
fn server_without_port_uses_destination_port() {
    let dir = TempDir::new("noport");
    // Frontend on 127.0.0.2:P..P+2, servers on 127.0.0.1:P..P+2 (free_ports checks both).
    let p = free_ports(3);
    let servers: Vec<TestServer> = (0..3)
        .map(|i| TestServer::tcp(p + i, port_greeter("server port ")))
        .collect();
    let cfg = simple(&format!("127.0.0.2:{p}-{}", p + 2), "127.0.0.1");
    let mut launch = Launch::rampart("rampart", &dir, &cfg);
    for port in p..p + 3 {
        launch = launch.ready_tcp(SocketAddr::from(([127, 0, 0, 2], port)));
    }
    let _rp = launch.spawn();
    for port in p..p + 3 {
        let mut c = connect(SocketAddr::from(([127, 0, 0, 2], port)));
        assert_eq!(
            read_line(&mut c),
            format!("server port {port}"),
            "client to 127.0.0.2:{port} reaches 127.0.0.1:{port}"
        );
    }
    for s in &servers {
        assert_eq!(s.accepted(), 1);
    }
}

// ---------------------------------------------------------------------------------------
// 5. Inherited listening socket

#[test]
fn bind_fd_uses_the_inherited_socket() {
    const FD: i32 = 170;
    let dir = TempDir::new("fd");
    let e = free_port();
    let srv = TestServer::tcp(e, echo);
    let listener = TcpListener::bind(local(0)).expect("test listener");
    let addr = listener.local_addr().expect("listener address");
    let cfg = simple(&format!("fd@{FD}"), &format!("127.0.0.1:{e}"));
    let mut rp = Launch::rampart("rampart", &dir, &cfg)
        .inherit_fd(OwnedFd::from(listener), FD)
        .spawn();
    // Our copy is closed: only rampart's inherited descriptor keeps the socket open.
    let mut c = connect(addr);
    assert_eq!(roundtrip(&mut c, b"inherited"), b"inherited");
    assert_eq!(srv.accepted(), 1);
    rp.assert_running();
}

// ---------------------------------------------------------------------------------------
// 6. Timeouts and connection failures

#[test]
fn timeout_client_closes_an_idle_client() {
    let dir = TempDir::new("tcli");
    let (p, e) = (free_port(), free_port());
    let srv = TestServer::tcp(e, echo);
    let cfg = tcp_cfg(
        "",
        "    timeout client 300ms\n    timeout server 10s\n",
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    assert_closed_between(
        &mut c,
        Duration::from_millis(200),
        Duration::from_secs(5),
        "idle client, timeout client 300ms",
    );
    assert!(
        wait_until(Duration::from_secs(5), || srv.active() == 0),
        "the server connection is closed too"
    );
}

#[test]
fn timeout_server_closes_when_the_server_is_idle() {
    timeout_server_closes_when_the_server_is_idle_with("");
}

#[test]
fn timeout_server_closes_when_the_server_is_idle_spliced() {
    timeout_server_closes_when_the_server_is_idle_with(FORCED_SPLICE);
}

fn timeout_server_closes_when_the_server_is_idle_with(extra_defaults: &str) {
    let dir = TempDir::new("tsrv");
    let (p, e) = (free_port(), free_port());
    let srv = TestServer::tcp(e, echo);
    let cfg = tcp_cfg(
        "",
        &format!("    timeout client 10s\n    timeout server 300ms\n{extra_defaults}"),
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    assert_eq!(roundtrip(&mut c, b"x"), b"x");
    assert_closed_between(
        &mut c,
        Duration::from_millis(200),
        Duration::from_secs(5),
        "idle server, timeout server 300ms",
    );
    // HAProxy closes the server connection only once the client has closed too.
    drop(c);
    assert!(
        wait_until(Duration::from_secs(5), || srv.active() == 0),
        "the server connection is closed once the client is gone"
    );
}

#[test]
fn timeout_tunnel_supersedes_client_and_server_timeouts() {
    let dir = TempDir::new("ttun");
    let (p, e) = (free_port(), free_port());
    let _srv = TestServer::tcp(e, echo);
    let cfg = tcp_cfg(
        "",
        "    timeout client 200ms\n    timeout server 200ms\n    timeout tunnel 1s\n",
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    assert_eq!(roundtrip(&mut c, b"a"), b"a");
    // Idle for longer than the client and server timeouts: still open.
    thread::sleep(Duration::from_millis(500));
    assert_eq!(
        roundtrip(&mut c, b"still open"),
        b"still open",
        "the 200ms client/server timeouts do not apply under `timeout tunnel 1s`"
    );
    assert_closed_between(
        &mut c,
        Duration::from_millis(700),
        Duration::from_secs(5),
        "idle tunnel, timeout tunnel 1s",
    );
}

/// A TCP listener that never accepts and whose accept queue is full, so that the kernel
/// drops further SYNs: connecting to it hangs, like a black-holed address, on loopback.
/// Returns the listener and the connections filling its queue (keep both alive).
fn blackhole() -> (TcpListener, Vec<TcpStream>, SocketAddr) {
    let l = TcpListener::bind(local(0)).unwrap_or_else(|e| panic!("blackhole listener: {e}"));
    let zero = nix::sys::socket::Backlog::new(0).unwrap_or_else(|e| panic!("backlog 0: {e}"));
    nix::sys::socket::listen(&l, zero).unwrap_or_else(|e| panic!("listen(0): {e}"));
    let addr = l
        .local_addr()
        .unwrap_or_else(|e| panic!("blackhole address: {e}"));
    let mut fill = Vec::new();
    for _ in 0..8 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fill.push(s),
            Err(_) => return (l, fill, addr),
        }
    }
    panic!("could not fill the accept queue of {addr} (8 connections accepted by the kernel)");
}

#[test]
fn timeout_connect_gives_up_on_an_unresponsive_server() {
    let dir = TempDir::new("tcon");
    let p = free_port();
    let (_hole, _fill, hole) = blackhole();
    let cfg = tcp_cfg(
        "",
        "    timeout connect 300ms\n    retries 1\n",
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s {hole}\n"),
    );
    let mut rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    c.write_all(b"anyone?").expect("write");
    assert_closed_between(
        &mut c,
        Duration::from_millis(200),
        Duration::from_secs(8),
        "server never answers the SYN, timeout connect 300ms, retries 1",
    );
    rp.assert_running();
}

#[test]
fn refused_server_closes_the_client_after_retries() {
    let dir = TempDir::new("refused");
    let (p, ok_p, closed, e) = (free_port(), free_port(), free_port(), free_port());
    let _srv = TestServer::tcp(e, echo);
    let cfg = tcp_cfg(
        "",
        "    timeout connect 300ms\n    retries 3\n",
        &format!(
            "listen refused\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{closed}\n\
             listen fine\n    bind 127.0.0.1:{ok_p}\n    server s 127.0.0.1:{e}\n"
        ),
    );
    let mut rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .ready_tcp(local(ok_p))
        .spawn();
    for i in 0..3 {
        let mut c = connect(local(p));
        let _ = c.write_all(b"hello?");
        let closed = wait_closed(&mut c, Duration::from_secs(5));
        eprintln!("refused server, attempt {i}: {closed:?}");
        assert!(
            closed.is_some(),
            "attempt {i}: connection to a refusing server is closed, not left hanging"
        );
    }
    rp.assert_running();
    let mut c = connect(local(ok_p));
    assert_eq!(roundtrip(&mut c, b"still serving"), b"still serving");
}

/// HAProxy's manual (`retries`): "a turn-around timer of min("timeout connect", one
/// second) is applied before a retry occurs". With 3 retries and `timeout connect 300ms`,
/// HAProxy closes the client after about 900 ms.
#[test]
fn retries_wait_a_turnaround_delay() {
    let dir = TempDir::new("turnaround");
    let (p, closed) = (free_port(), free_port());
    let cfg = tcp_cfg(
        "",
        "    timeout connect 300ms\n    retries 3\n",
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{closed}\n"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    assert_closed_between(
        &mut c,
        Duration::from_millis(700),
        Duration::from_secs(8),
        "refused server, 3 retries with a 300ms turn-around",
    );
}

/// When no server connection can be made, HAProxy closes the client with a FIN even if
/// the client had sent data; closing a socket with unread data sends a reset instead.
#[test]
fn failed_server_connection_closes_the_client_cleanly() {
    let dir = TempDir::new("fin");
    let (p, closed) = (free_port(), free_port());
    let cfg = tcp_cfg(
        "",
        "    timeout connect 300ms\n    retries 0\n",
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{closed}\n"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    c.write_all(b"request the server never sees")
        .expect("write");
    let closed = wait_closed(&mut c, Duration::from_secs(5));
    assert!(
        matches!(closed, Some((Closed::Eof, _))),
        "closed with a FIN, not a reset: {closed:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 7. maxconn

#[test]
fn global_maxconn_queues_excess_connections_in_the_backlog() {
    let dir = TempDir::new("maxconn");
    let (p, e) = (free_port(), free_port());
    let srv = TestServer::tcp(e, echo);
    let cfg = tcp_cfg(
        "    maxconn 2\n",
        "",
        &format!("listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();

    let mut first = connect(local(p));
    assert_eq!(roundtrip(&mut first, b"c0"), b"c0");
    let mut second = connect(local(p));
    assert_eq!(roundtrip(&mut second, b"c1"), b"c1");
    // Two more: the TCP connection succeeds (kernel backlog), but nothing is served.
    let mut third = connect(local(p));
    let mut fourth = connect(local(p));
    third.write_all(b"c2").expect("write c2");
    fourth.write_all(b"c3").expect("write c3");
    assert!(
        stays_silent(&mut third, Duration::from_millis(500)),
        "third client waits while two sessions are open"
    );
    assert!(stays_silent(&mut fourth, Duration::from_millis(100)));
    assert_eq!(srv.accepted(), 2, "only two sessions reached the server");

    drop(first);
    assert!(
        wait_until(Duration::from_secs(5), || srv.accepted() == 3),
        "a waiting client is served once a slot frees"
    );
    drop(second);
    assert!(
        wait_until(Duration::from_secs(5), || srv.accepted() == 4),
        "the last waiting client is served once another slot frees"
    );
    // Their early data was forwarded once accepted: nobody was refused.
    assert_eq!(read_exact(&mut third, 2), b"c2");
    assert_eq!(read_exact(&mut fourth, 2), b"c3");
    assert_eq!(roundtrip(&mut third, b"more"), b"more");
    assert_eq!(roundtrip(&mut fourth, b"more"), b"more");
}

// ---------------------------------------------------------------------------------------
// 8. PROXY protocol

/// haproxy (`send-proxy` or `-v2`) → rampart (`accept-proxy`, then `send-proxy` or `-v2`)
/// → haproxy (`accept-proxy`, answers the `src:src_port` it was told): the client's own
/// address and port must come out at the end.
fn proxy_chain_through_haproxy(haproxy_sends: &str, rampart_sends: &str) {
    let dir = TempDir::new("ppchain");
    let (front, mid, origin) = (free_port(), free_port(), free_port());
    let hcfg = format!(
        "defaults\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n\
         listen front\n    mode tcp\n    bind 127.0.0.1:{front}\n    server r 127.0.0.1:{mid} {haproxy_sends}\n\
         frontend origin\n    mode http\n    bind 127.0.0.1:{origin} accept-proxy\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"%[src]:%[src_port]\"\n"
    );
    let _h = Launch::haproxy("haproxy", &dir, &hcfg)
        .ready_tcp(local(front))
        .ready_tcp(local(origin))
        .spawn();
    let rcfg = simple(
        &format!("127.0.0.1:{mid} accept-proxy"),
        &format!("127.0.0.1:{origin} {rampart_sends}"),
    );
    let _rp = Launch::rampart("rampart", &dir, &rcfg)
        .ready_tcp(local(mid))
        .spawn();
    for _ in 0..2 {
        let c = connect(local(front));
        let me = c.local().unwrap_or_else(|| panic!("no client address"));
        let (status, body) = http_get(c, "/");
        assert_eq!(status, 200);
        assert_eq!(
            body,
            format!("{}:{}", me.ip(), me.port()),
            "haproxy {haproxy_sends} → rampart accept-proxy/{rampart_sends} → haproxy accept-proxy"
        );
    }
}

#[test]
fn proxy_v1_in_v2_out_with_haproxy() {
    proxy_chain_through_haproxy("send-proxy", "send-proxy-v2");
}

#[test]
fn proxy_v2_in_v1_out_with_haproxy() {
    proxy_chain_through_haproxy("send-proxy-v2", "send-proxy");
}

/// A client that does not send the PROXY header an `accept-proxy` bind expects is
/// reset, as HAProxy (which leaves what it peeked unread) resets it: health checks and
/// clients see a connection reset, not an empty reply.
#[test]
fn missing_proxy_header_resets_the_connection() {
    let dir = TempDir::new("ppreset");
    let (p, e) = (free_port(), free_port());
    let _p = Launch::rampart(
        "r",
        &dir,
        &simple(
            &format!("127.0.0.1:{p} accept-proxy"),
            &format!("127.0.0.1:{e}"),
        ),
    )
    .ready_tcp(local(p))
    .spawn();
    let mut c = TcpStream::connect(local(p)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    c.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("write");
    let mut b = [0u8; 64];
    let got = c.read(&mut b);
    assert!(
        got.as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
        "{got:?}"
    );
}

/// A PROXY v2 header from 10.1.2.3:1111 to 10.9.8.7:2222 with an AUTHORITY TLV.
const V2_WITH_AUTHORITY: &[u8] = b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x1a\
    \x0a\x01\x02\x03\x0a\x09\x08\x07\x04\x57\x08\xae\
    \x02\x00\x0bexample.com";

/// Sends [`V2_WITH_AUTHORITY`] then `payload` to an `accept-proxy` frontend in `mode`
/// whose server line ends with `server_opts`; returns what the server received first
/// (until `payload`'s first byte).
fn v2_header_sent_to_the_server(mode: &str, server_opts: &str, payload: &[u8]) -> Vec<u8> {
    let dir = TempDir::new("pptlv");
    let (p, e) = (free_port(), free_port());
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let first = payload[0];
    let _srv = TestServer::tcp(e, move |mut s| {
        let mut got = Vec::new();
        let mut b = [0u8; 1];
        while got.len() < 4096 && s.read(&mut b).is_ok_and(|n| n == 1) {
            if b[0] == first
                && got.len() >= 16
                && got.len() >= 16 + usize::from(u16::from_be_bytes([got[14], got[15]]))
            {
                break;
            }
            got.push(b[0]);
        }
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(got);
    });
    let cfg = tcp_cfg(
        "",
        &format!("    mode {mode}\n"),
        &format!(
            "listen l\n    bind 127.0.0.1:{p} accept-proxy\n    server s 127.0.0.1:{e} {server_opts}\n"
        ),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    c.write_all(V2_WITH_AUTHORITY).expect("header");
    c.write_all(payload).expect("payload");
    rx.recv_timeout(IO_TIMEOUT)
        .expect("the server got a header")
}

/// Byte for byte what HAProxy 2.6 sends for [`V2_WITH_AUTHORITY`] with `proxy-v2-options
/// authority,unique-id,crc32c,ssl,cert-cn,cert-sig,cert-key,ssl-cipher`: CRC32C, the
/// client's AUTHORITY, an empty UNIQUE_ID (no `unique-id-format`), and an SSL TLV saying
/// the client connection is not TLS.
const V2_ALL_TLVS: &[u8] = b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x2c\
    \x0a\x01\x02\x03\x0a\x09\x08\x07\x04\x57\x08\xae\
    \x03\x00\x04\x72\xac\x42\xd3\
    \x02\x00\x0bexample.com\
    \x05\x00\x00\
    \x20\x00\x05\x00\x00\x00\x00\x00";

const ALL_V2_OPTIONS: &str =
    "send-proxy-v2 proxy-v2-options authority,unique-id,crc32c,ssl,cert-cn,cert-sig,cert-key,ssl-cipher";

#[test]
fn proxy_v2_options_add_tlvs_as_haproxy_does() {
    assert_eq!(
        v2_header_sent_to_the_server("tcp", ALL_V2_OPTIONS, b"hello"),
        V2_ALL_TLVS
    );
}

#[test]
fn proxy_v2_options_add_tlvs_in_mode_http_too() {
    assert_eq!(
        v2_header_sent_to_the_server("http", ALL_V2_OPTIONS, b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"),
        V2_ALL_TLVS
    );
}

/// `send-proxy-v2-ssl-cn` is `send-proxy-v2` with the SSL TLV (and its CN, which a plain
/// client has none of).
#[test]
fn send_proxy_v2_ssl_cn_sends_the_ssl_tlv() {
    let got = v2_header_sent_to_the_server("tcp", "send-proxy-v2-ssl-cn", b"hello");
    let mut want = V2_WITH_AUTHORITY[..28].to_vec();
    want[15] = 12 + 8;
    want.extend_from_slice(b"\x20\x00\x05\x00\x00\x00\x00\x00");
    assert_eq!(got, want);
}

#[test]
fn malformed_proxy_header_is_closed_without_reply() {
    let dir = TempDir::new("ppbad");
    let (p, e) = (free_port(), free_port());
    let srv = TestServer::tcp(e, echo);
    let cfg = simple(
        &format!("127.0.0.1:{p} accept-proxy"),
        &format!("127.0.0.1:{e}"),
    );
    let mut rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let bad: [&[u8]; 4] = [
        b"PROXY GARBAGE\r\n",
        b"PROXY TCP4 1.2.3.4\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        // v2 signature with version 3.
        b"\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x0c\x01\x02\x03\x04\x05\x06\x07\x08\x00\x50\x00\x50",
    ];
    for (i, h) in bad.iter().enumerate() {
        let mut c = connect(local(p));
        c.write_all(h).expect("write header");
        assert!(
            wait_closed(&mut c, Duration::from_secs(5)).is_some(),
            "malformed header {i} closes the connection (with no reply)"
        );
    }
    assert_eq!(
        srv.accepted(),
        0,
        "no malformed connection reached the server"
    );
    rp.assert_running();
    // A valid header, with data in the same packet, still works.
    let mut c = connect(local(p));
    c.write_all(format!("PROXY TCP4 192.0.2.1 127.0.0.1 4321 {p}\r\nhello").as_bytes())
        .expect("write");
    assert_eq!(read_exact(&mut c, 5), b"hello");
    assert_eq!(srv.accepted(), 1);
}

#[test]
fn proxy_protocol_to_nginx() {
    let dir = TempDir::new("ppnginx");
    let (n, p1, p2) = (free_port(), free_port(), free_port());
    let conf = nginx_conf(&format!(
        "server {{\n\
         \x20   listen 127.0.0.1:{n} proxy_protocol;\n\
         \x20   location / {{ default_type text/plain; return 200 \"$proxy_protocol_addr:$proxy_protocol_port\"; }}\n\
         }}"
    ));
    let _ng = Launch::nginx("nginx", &dir, &conf)
        .ready_tcp(local(n))
        .spawn();
    let cfg = tcp_cfg(
        "",
        "",
        &format!(
            "listen v1\n    bind 127.0.0.1:{p1}\n    server ng 127.0.0.1:{n} send-proxy\n\
             listen v2\n    bind 127.0.0.1:{p2}\n    server ng 127.0.0.1:{n} send-proxy-v2\n"
        ),
    );
    let _rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p1))
        .ready_tcp(local(p2))
        .spawn();
    for (p, v) in [(p1, "send-proxy"), (p2, "send-proxy-v2")] {
        let c = connect(local(p));
        let me = c.local().expect("client address");
        let (status, body) = http_get(c, "/");
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            body,
            format!("{}:{}", me.ip(), me.port()),
            "nginx got the client via {v}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 9. Stopping

/// Sends `len` bytes of a pattern through an echo connection and checks they all come
/// back, then closes the client side and expects the end of stream.
fn echo_transfer(c: Stream, len: u64) {
    let mut w = c.try_clone();
    let sender = thread::spawn(move || {
        let r = Pattern::new(7).write_to(&mut w, len);
        w.shutdown(Shutdown::Write);
        r.map_err(|e| e.to_string())
    });
    let mut r = c;
    let got = Pattern::new(7).verify_from(&mut r, len);
    assert_eq!(
        sender
            .join()
            .unwrap_or_else(|_| panic!("sender thread panicked")),
        Ok(()),
        "in-flight transfer: sent"
    );
    assert_eq!(
        got,
        Ok(len),
        "in-flight transfer: every byte came back, then EOF"
    );
}

#[test]
fn sigusr1_soft_stop_finishes_transfers_then_exits() {
    let dir = TempDir::new("usr1");
    let (p, e) = (free_port(), free_port());
    let _srv = TestServer::tcp(e, echo);
    let mut rp = Launch::rampart(
        "rampart",
        &dir,
        &simple(&format!("127.0.0.1:{p}"), &format!("127.0.0.1:{e}")),
    )
    .ready_tcp(local(p))
    .spawn();
    let mut c = connect(local(p));
    assert_eq!(roundtrip(&mut c, b"before"), b"before");

    rp.signal(Signal::SIGUSR1);
    assert!(
        wait_until(Duration::from_secs(5), || !tcp_listening(local(p))),
        "the listener closes on SIGUSR1"
    );
    match TcpStream::connect_timeout(&local(p), Duration::from_secs(2)) {
        Err(e) => assert_eq!(
            e.kind(),
            ErrorKind::ConnectionRefused,
            "new connections refused"
        ),
        Ok(_) => panic!("a new connection was accepted after the soft stop"),
    }
    rp.assert_running();
    echo_transfer(c, 8 << 20);
    let st = rp.expect_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "soft stop exits 0 ({})", describe(st));
}

#[test]
fn sf_hands_over_to_the_new_process() {
    let dir = TempDir::new("sf");
    let (p, e1, e2) = (free_port(), free_port(), free_port());
    let _old_srv = TestServer::tcp(e1, port_greeter("old "));
    let _new_srv = TestServer::tcp(e2, port_greeter("new "));
    let mut old = Launch::rampart(
        "old",
        &dir,
        &simple(&format!("127.0.0.1:{p}"), &format!("127.0.0.1:{e1}")),
    )
    .ready_tcp(local(p))
    .spawn();
    let mut inflight = connect(local(p));
    assert_eq!(read_line(&mut inflight), format!("old {e1}"));

    let mut new = Launch::rampart(
        "new",
        &dir,
        &simple(&format!("127.0.0.1:{p}"), &format!("127.0.0.1:{e2}")),
    )
    .arg("-sf")
    .arg(old.pid().to_string())
    .ready_tcp(local(p))
    .spawn();
    assert!(
        wait_until(Duration::from_secs(5), || !pid_listens(
            old.pid() as u32,
            &Ready::Tcp(local(p))
        )),
        "the old process stops listening"
    );
    old.assert_running();
    let mut c = connect(local(p));
    assert_eq!(
        read_line(&mut c),
        format!("new {e2}"),
        "new connections go to the new process"
    );
    drop(c);

    echo_transfer(inflight, 4 << 20);
    let st = old.expect_exit(Duration::from_secs(10));
    assert_eq!(
        st.code(),
        Some(0),
        "the old process exits 0 ({})",
        describe(st)
    );
    let mut c = connect(local(p));
    assert_eq!(read_line(&mut c), format!("new {e2}"));
    new.assert_running();
}

fn hard_stop(sig: Signal) {
    let dir = TempDir::new("hard");
    let (p, e) = (free_port(), free_port());
    let _srv = TestServer::tcp(e, echo);
    let mut rp = Launch::rampart(
        "rampart",
        &dir,
        &simple(&format!("127.0.0.1:{p}"), &format!("127.0.0.1:{e}")),
    )
    .ready_tcp(local(p))
    .spawn();
    let mut c = connect(local(p));
    assert_eq!(roundtrip(&mut c, b"x"), b"x");
    let t = Instant::now();
    rp.signal(sig);
    let st = rp.expect_exit(Duration::from_secs(5));
    // HAProxy 2.6 dies from the signal itself; Rampart exits 0. Either is a clean stop.
    assert!(
        st.code() == Some(0) || st.signal() == Some(sig as i32),
        "{sig:?} ends the process cleanly ({})",
        describe(st)
    );
    assert!(
        wait_closed(&mut c, Duration::from_secs(5)).is_some(),
        "{sig:?}: the open session is cut, not finished (stopped after {:?})",
        t.elapsed()
    );
}

#[test]
fn sigterm_stops_immediately() {
    hard_stop(Signal::SIGTERM);
}

#[test]
fn sigint_stops_a_foreground_process() {
    hard_stop(Signal::SIGINT);
}

// ---------------------------------------------------------------------------------------
// 10. Daemon mode

#[test]
fn daemon_mode_writes_the_pidfile_and_serves() {
    let dir = TempDir::new("daemon");
    let (p, e) = (free_port(), free_port());
    let _srv = TestServer::tcp(e, echo);
    let pidfile = dir.join("rampart.pid");
    let mut parent = Launch::rampart(
        "rampart",
        &dir,
        &simple(&format!("127.0.0.1:{p}"), &format!("127.0.0.1:{e}")),
    )
    .args(["-D", "-p"])
    .arg(pidfile.to_string_lossy())
    .spawn_no_wait();
    let st = parent.expect_exit(START_TIMEOUT);
    assert_eq!(
        st.code(),
        Some(0),
        "the parent returns 0 ({}); stderr:\n{}",
        describe(st),
        parent.stderr()
    );
    let text = std::fs::read_to_string(&pidfile).expect("pid file written");
    let pid: i32 = text
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("pid file holds a pid: {text:?}"));
    let guard = PidGuard(pid);
    assert_ne!(
        pid,
        parent.pid(),
        "the pid file names the daemon, not the parent"
    );
    assert!(pid_alive(pid), "daemon {pid} runs");
    assert!(
        wait_until(START_TIMEOUT, || pid_listens(
            pid as u32,
            &Ready::Tcp(local(p))
        )),
        "daemon {pid} listens on {p}"
    );
    let mut c = connect(local(p));
    assert_eq!(roundtrip(&mut c, b"daemon"), b"daemon");
    drop(c);
    kill(pid, Signal::SIGTERM);
    assert!(
        wait_until(Duration::from_secs(5), || !pid_alive(pid)),
        "daemon {pid} stops on SIGTERM"
    );
    drop(guard);
}

// ---------------------------------------------------------------------------------------
// 11. CPU binding (cpu-map)

/// `Cpus_allowed_list` of every thread of `pid`.
fn thread_cpus(pid: i32) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|v| v.trim().to_string())
        })
        .collect()
}

/// Two CPUs this test may run on (the machines the suite runs on have at least two).
fn two_cpus() -> (usize, usize) {
    let set = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0)).expect("affinity");
    let cpus: Vec<usize> = (0..nix::sched::CpuSet::count())
        .filter(|&c| set.is_set(c).unwrap_or(false))
        .collect();
    assert!(
        cpus.len() >= 2,
        "the cpu-map tests need two CPUs, got {cpus:?}"
    );
    (cpus[0], cpus[1])
}

/// Starts a `mode tcp` proxy with `global` lines (in the foreground, or as a daemon with
/// `-D`), waits until its threads' CPU lists satisfy `ok` (5 s at most) and returns them.
fn cpus_of_threads_with(global: &str, daemon: bool, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let dir = TempDir::new("cpumap");
    let p = free_port();
    let cfg = tcp_cfg(
        global,
        "",
        &format!(
            "listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{}\n",
            free_port()
        ),
    );
    let launch = Launch::rampart("rampart", &dir, &cfg);
    let (_proc, _guard, pid) = if daemon {
        let pidfile = dir.join("rampart.pid");
        let mut parent = launch
            .args(["-D", "-p"])
            .arg(pidfile.to_string_lossy())
            .spawn_no_wait();
        let st = parent.expect_exit(START_TIMEOUT);
        assert_eq!(st.code(), Some(0), "{}", parent.stderr());
        let text = std::fs::read_to_string(&pidfile).expect("pid file written");
        let pid: i32 = text.trim().parse().expect("a pid in the pid file");
        assert!(
            wait_until(START_TIMEOUT, || pid_listens(
                pid as u32,
                &Ready::Tcp(local(p))
            )),
            "daemon {pid} listens on {p}"
        );
        (None, Some(PidGuard(pid)), pid)
    } else {
        let rp = launch.ready_tcp(local(p)).spawn();
        let pid = rp.pid();
        (Some(rp), None, pid)
    };
    wait_until(Duration::from_secs(5), || ok(&thread_cpus(pid)));
    // Threads bind themselves as they start: look again once they all had the time to.
    thread::sleep(Duration::from_millis(100));
    thread_cpus(pid)
}

#[test]
fn cpu_map_binds_threads() {
    let (_, b) = two_cpus();
    // `1/1` would be the whole process: bind thread 2 only.
    let global = format!("    nbthread 2\n    cpu-map 1/2 {b}\n");
    let b = b.to_string();
    let seen = cpus_of_threads_with(&global, false, |s| s.contains(&b));
    assert!(
        seen.contains(&b) && seen.iter().any(|c| *c != b),
        "thread 2 on CPU {b}, thread 1 not bound: {seen:?}"
    );
}

#[test]
fn cpu_map_auto_spreads_threads_over_cpus() {
    let (a, b) = two_cpus();
    let global = format!("    nbthread 2\n    cpu-map auto:1/1-2 {a} {b}\n");
    let (a, b) = (a.to_string(), b.to_string());
    let seen = cpus_of_threads_with(&global, false, |s| s.contains(&a) && s.contains(&b));
    assert!(
        seen.contains(&a) && seen.contains(&b),
        "thread 1 on CPU {a}, thread 2 on CPU {b}: {seen:?}"
    );
}

/// Thread maps are restricted to the process map, even where the process map itself
/// does not apply (the foreground).
#[test]
fn cpu_map_threads_stay_within_the_process_map() {
    let (a, b) = two_cpus();
    let global = format!("    nbthread 2\n    cpu-map 1 {a}\n    cpu-map 1/2 {a} {b}\n");
    let a = a.to_string();
    let seen = cpus_of_threads_with(&global, false, |s| s.contains(&a));
    assert!(seen.contains(&a), "thread 2 on CPU {a} only: {seen:?}");
}

/// The process map applies in daemon mode; in the foreground HAProxy ignores it.
#[test]
fn cpu_map_binds_the_whole_process_in_daemon_mode() {
    let (_, b) = two_cpus();
    let global = format!("    nbthread 2\n    cpu-map 1 {b}\n");
    let b = b.to_string();
    let all_b = |s: &[String]| !s.is_empty() && s.iter().all(|c| *c == b);
    let seen = cpus_of_threads_with(&global, true, all_b);
    assert!(
        seen.len() >= 2 && all_b(&seen),
        "every thread on CPU {b}: {seen:?}"
    );
    let seen = cpus_of_threads_with(&global, false, |s| s.len() >= 2);
    assert!(
        !seen.is_empty() && !seen.contains(&b),
        "not bound in the foreground: {seen:?}"
    );
}
