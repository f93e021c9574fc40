//! Delivery seen from the traffic side: `LogSet::send` returns at once whatever the
//! destination does (a datagram socket nobody reads, a TCP syslog server that stops
//! reading), lines that cannot be queued are counted as dropped, and a file target
//! reopened after a rename loses no line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rampart_config::env::Env;
use rampart_config::reader::Reader;
use rampart_model::proxy::HostResolver;
use rampart_model::LowerOptions;

fn system(text: &str) -> std::sync::Arc<rampart_log::System> {
    let mut env = Env::empty();
    let mut reader = Reader::new(&mut env);
    reader.read_bytes("t.cfg", text.as_bytes());
    let (config, _) = reader.finish();
    let opts = LowerOptions {
        localpeer: None,
        cwd: std::env::temp_dir(),
        resolver: HostResolver::none(),
    };
    let (snap, diags) = rampart_model::lower(&config, &opts);
    let Some(snap) = snap else {
        let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        panic!("does not lower: {msgs:#?}");
    };
    let p = rampart_log::prepare(&snap, "/usr/sbin/haproxy", &config.sources)
        .unwrap_or_else(|e| panic!("{e:?}"));
    p.start().expect("start")
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rampart-log-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    f()
}

#[test]
fn a_datagram_socket_nobody_reads_drops_lines_without_blocking() {
    let dir = temp("dgram");
    let path = dir.join("sink.sock");
    let _peer = UnixDatagram::bind(&path).unwrap();
    let sys = system(&format!("global\n  log unix@{} local0\n", path.display()));
    let before = rampart_log::dropped();
    let start = Instant::now();
    for i in 0..100_000u32 {
        sys.global().send(6, format!("line {i}").as_bytes(), None);
    }
    // 100,000 sends are pushes to a queue: well under a second; the bound is generous.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        wait_until(Duration::from_secs(10), || rampart_log::dropped() > before),
        "nothing counted as dropped"
    );
}

#[test]
fn a_tcp_server_that_stops_reading_fills_the_ring_not_the_traffic() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    // Accepts, reads a little, then stops reading.
    let server = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut buf = [0u8; 100];
        let _ = c.read(&mut buf);
        std::thread::sleep(Duration::from_secs(30));
        drop(c);
    });
    let sys = system(&format!("global\n  log tcp@127.0.0.1:{port} local0\n"));
    let ring = sys.ring("ring#1").expect("implicit ring").clone();
    let line = vec![b'x'; 1000];
    let start = Instant::now();
    let mut i = 0;
    while ring.dropped.load(std::sync::atomic::Ordering::Relaxed) == 0 && i < 200_000 {
        sys.global().send(6, &line, None);
        i += 1;
        if i % 1000 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert!(
        ring.dropped.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "the ring never filled after {i} lines"
    );
    // However long the server stalls, sending costs the traffic threads nothing.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    drop(server);
}

#[test]
fn a_renamed_file_is_reopened_without_losing_lines() {
    let dir = temp("file");
    let path = dir.join("app.log");
    let sys = system(&format!(
        "global\n  log-tag app\n  log file@{} len 200 local0\n",
        path.display()
    ));
    let count = |p: &PathBuf| {
        std::fs::read_to_string(p)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    for i in 0..5000u32 {
        sys.global().send(6, format!("first {i}").as_bytes(), None);
    }
    // Rotation as logrotate does it: rename, then ask for a reopen.
    let rotated = dir.join("app.log.1");
    std::fs::rename(&path, &rotated).unwrap();
    rampart_log::reopen_files();
    for i in 0..5000u32 {
        sys.global().send(6, format!("second {i}").as_bytes(), None);
    }
    sys.flush(Duration::from_secs(10));
    assert!(
        wait_until(Duration::from_secs(10), || count(&path) + count(&rotated)
            == 10_000),
        "{} + {} lines",
        count(&rotated),
        count(&path)
    );
    assert!(count(&path) > 0, "nothing went to the reopened file");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("<134>"), "{first}");
    assert!(first.contains(" app["), "{first}");
    // The last lines are in the new file, in order.
    assert!(text.ends_with("second 4999\n"));
}
