//! A log server that stops reading never slows the traffic: a frontend logs every request
//! (900-byte lines) to a TCP syslog server (`tcp@`) that accepts and never reads, so the
//! socket buffers and then the ring fill up; 20,000 requests on keep-alive connections
//! must all be answered all the same (bounded: the test fails after 120 s), and the lines
//! that fit arrive once the server reads again.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

#[test]
fn a_log_server_that_stops_reading_does_not_stop_traffic() {
    let dir = TempDir::new("logs-never-block");
    let port = free_port();
    let syslog = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let sport = syslog.local_addr().map(|a| a.port()).unwrap_or(0);
    let filler = "x".repeat(900);
    let cfg = format!(
        "global\n log tcp@127.0.0.1:{sport} len 1024 local0\n\
         defaults\n mode http\n timeout client 10s\n timeout server 10s\n timeout connect 5s\n\
         frontend fe\n bind 127.0.0.1:{port}\n log global\n\
         \x20log-format \"%ci %ST {filler}\"\n\
         \x20http-request return status 200 content-type text/plain string ok\n"
    );
    let _p = Launch::rampart("nb", &dir, &cfg)
        .ready_tcp(local(port))
        .spawn();
    // Accept the log connection, then read nothing until told to.
    let read_now = Arc::new(AtomicBool::new(false));
    let rn = read_now.clone();
    let reader = std::thread::spawn(move || {
        let Ok((mut s, _)) = syslog.accept() else {
            return 0usize;
        };
        while !rn.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut total = 0;
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    });
    let start = Instant::now();
    let mut answered = 0;
    'outer: for _ in 0..200 {
        let mut c = connect(local(port));
        for _ in 0..100 {
            let req = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
            if c.write_all(req).is_err() {
                break 'outer;
            }
            let mut got = Vec::new();
            let mut b = [0u8; 512];
            while !got.ends_with(b"ok") {
                match c.read(&mut b) {
                    Ok(n) if n > 0 => got.extend_from_slice(&b[..n]),
                    _ => break 'outer,
                }
            }
            answered += 1;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "traffic stalled after {answered} requests"
        );
    }
    assert_eq!(answered, 20_000, "every request is answered");
    read_now.store(true, Ordering::SeqCst);
    let bytes = reader.join().unwrap_or(0);
    assert!(bytes > 900, "the lines that fitted arrive ({bytes} bytes)");
}
