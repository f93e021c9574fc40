//! `-d` prints HAProxy's debug traces of each stream on stdout (`accept`, `clireq`,
//! `clihdr`, `srvrep`, `srvhdr`), through `tracing`, never in the traffic logs; without
//! `-d` nothing is printed. Run against haproxy too (`RAMPART_UNDER_TEST`): the same
//! lines, file descriptors masked.

#![allow(clippy::expect_used)]

mod support;

use std::net::UdpSocket;
use std::time::Duration;
use support::*;

fn config(port: u16, origin: u16, udp: u16) -> String {
    format!(
        "defaults\n mode http\n timeout client 5s\n timeout server 5s\n timeout connect 5s\n\
         frontend fe\n bind 127.0.0.1:{port}\n log 127.0.0.1:{udp} local0\n option httplog\n default_backend be\n\
         backend be\n server s1 127.0.0.1:{origin}\n"
    )
}

/// Whether a trace line starts with `head` and ends with `tail` (descriptors between).
fn has(stdout: &str, head: &str, tail: &str) -> bool {
    stdout
        .lines()
        .any(|l| l.starts_with(head) && l.ends_with(tail))
}

#[test]
fn debug_mode_traces_streams_on_stdout_only() {
    let dir = TempDir::new("debug-traces");
    let port = free_ports(2);
    let _origin = TestServer::tcp(port + 1, |mut s| {
        // The request head, then the answer.
        let mut got = Vec::new();
        let mut b = [0u8; 4096];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match std::io::Read::read(&mut s, &mut b) {
                Ok(n) if n > 0 => got.extend_from_slice(&b[..n]),
                _ => return,
            }
        }
        let _ = std::io::Write::write_all(
            &mut s,
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-O: 1\r\n\r\nok",
        );
    });
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    udp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let lport = udp.local_addr().expect("addr").port();
    let p = Launch::rampart("dbg", &dir, &config(port, port + 1, lport))
        .arg("-d")
        .ready_tcp(local(port))
        .spawn();
    let (status, _) = http_get(connect(local(port)), "/t");
    assert_eq!(status, 200);
    let mut buf = [0u8; 4096];
    let n = udp.recv(&mut buf).expect("a log line");
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(line.contains("\"GET /t HTTP/1.1\""), "{line}");
    assert!(!line.contains("clireq"), "{line}");
    assert!(wait_until(Duration::from_secs(5), || p
        .stdout()
        .contains(".srvhdr[")));
    let out = p.stdout();
    assert!(has(&out, "00000000:fe.accept(", " ALPN=<none>"), "{out}");
    assert!(out.contains(" from [127.0.0.1:"), "{out}");
    assert!(
        has(&out, "00000000:fe.clireq[", ":ffffffff]: GET /t HTTP/1.1"),
        "{out}"
    );
    assert!(
        has(&out, "00000000:be.srvrep[", "]: HTTP/1.1 200 OK"),
        "{out}"
    );
    assert!(has(&out, "00000000:be.srvhdr[", "]: x-o: 1"), "{out}");
}
