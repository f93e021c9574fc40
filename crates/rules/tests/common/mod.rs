//! What the differential tests of this crate share: free ports, a temporary
//! directory, and Debian's haproxy run beside the code under test.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// `n` consecutive ports free on 127.0.0.1, outside the kernel's ephemeral range as
/// this machine sets it (so an outgoing connection cannot take one meanwhile).
pub fn free_ports(n: u16) -> u16 {
    let (lo, hi) = port_window();
    let span = u32::from(hi - lo);
    let mut base = lo + (std::process::id().wrapping_mul(7919) % span) as u16;
    for _ in 0..2000 {
        if base < lo || base + n > hi {
            base = lo;
        }
        if (base..base + n).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return base;
        }
        base += n;
    }
    panic!("no {n} free ports in {lo}-{hi}");
}

/// 20000-32000, or the largest part of 10000-65000 outside `ip_local_port_range`.
fn port_window() -> (u16, u16) {
    let eph = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| {
            let mut w = t.split_whitespace().map(|w| w.parse::<u16>().ok());
            Some((w.next()??, w.next()??))
        });
    let Some((elo, ehi)) = eph else {
        return (20000, 32000);
    };
    let outside = |lo: u16, hi: u16| {
        [
            (lo, hi.min(elo.saturating_sub(1))),
            (lo.max(ehi.saturating_add(1)), hi),
        ]
        .into_iter()
        .filter(|(a, b)| b > a && b - a >= 1000)
        .max_by_key(|(a, b)| b - a)
    };
    outside(20000, 32000)
        .or_else(|| outside(10000, 65000))
        .unwrap_or((20000, 32000))
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh directory named after `tag` and the process.
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("rp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temporary directory");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn haproxy_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("HAPROXY_BIN") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from("/usr/sbin/haproxy");
    assert!(
        p.exists(),
        "haproxy is not installed: this test compares with Debian's HAProxy 2.6. \
         Install it with `apt-get install -y haproxy`, or set HAPROXY_BIN."
    );
    p
}

pub struct Haproxy(Child);

impl Haproxy {
    /// Checks `cfg` with `haproxy -c`, starts it and waits until it listens on `ports`.
    pub fn start(cfg: &std::path::Path, ports: &[u16]) -> Haproxy {
        let bin = haproxy_bin();
        let check = Command::new(&bin)
            .arg("-c")
            .arg("-f")
            .arg(cfg)
            .output()
            .expect("run haproxy -c");
        assert!(
            check.status.success(),
            "haproxy rejects the configuration:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new(&bin)
            .arg("-db")
            .arg("-f")
            .arg(cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy");
        let h = Haproxy(child);
        let end = Instant::now() + Duration::from_secs(10);
        for &p in ports {
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(Instant::now() < end, "haproxy does not listen on {p}");
                thread::sleep(Duration::from_millis(20));
            }
        }
        h
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
