//! Logs received by a real rsyslog, started by the test as an unprivileged process with
//! its own configuration (UDP, TCP and Unix socket inputs, one file of parsed fields):
//!
//! - a server going DOWN reaches rsyslog through every kind of target: UDP in each
//!   format, a Unix datagram socket, `tcp@` (its implicit ring, one message per line)
//!   and a `ring` section forwarding with octet counting; rsyslog parses the facility,
//!   severity, host, tag and pid HAProxy's formats carry;
//! - a message with RFC 5424 structured data relayed by a `log-forward` section arrives
//!   with its structured data and message parsed apart by rsyslog;
//! - a `file@` target renamed by a rotation and reopened on SIGHUP loses no line.

#![allow(clippy::expect_used)]

mod support;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::*;

/// rsyslogd on its own configuration, killed on drop.
struct Rsyslog {
    child: Child,
    out: PathBuf,
}

impl Rsyslog {
    fn start(dir: &TempDir, udp: u16, tcp: u16) -> Rsyslog {
        let out = dir.join("rsyslog.out");
        let conf = format!(
            "global(workDirectory=\"{d}\")\n\
             module(load=\"imudp\")\n\
             module(load=\"imtcp\")\n\
             module(load=\"imuxsock\" SysSock.Use=\"off\")\n\
             input(type=\"imudp\" address=\"127.0.0.1\" port=\"{udp}\")\n\
             input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{tcp}\")\n\
             input(type=\"imuxsock\" Socket=\"{d}/log.sock\")\n\
             template(name=\"fields\" type=\"string\" string=\"%syslogfacility-text%|%syslogseverity-text%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{o}\" template=\"fields\")\n",
            d = dir.path().display(),
            o = out.display(),
        );
        let conf_path = dir.write("rsyslog.conf", &conf);
        let bin = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("rsyslogd is required (apt-get install rsyslog; .ci/run installs it)");
        let child = Command::new(bin)
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(dir.join("rsyslog.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rsyslogd");
        let r = Rsyslog { child, out };
        let sock = dir.join("log.sock");
        assert!(
            wait_until(START_TIMEOUT, || tcp_listening(local(tcp)) && sock.exists()),
            "rsyslogd did not start"
        );
        // The UDP input: probe until a datagram makes it to the file.
        let probe = UdpSocket::bind("127.0.0.1:0").expect("probe socket");
        assert!(
            wait_until(START_TIMEOUT, || {
                let _ = probe.send_to(b"<13>probe", ("127.0.0.1", udp));
                std::thread::sleep(Duration::from_millis(50));
                r.text().contains("probe")
            }),
            "rsyslogd does not receive UDP"
        );
        r
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Waits until every pattern is in some line; returns the text.
    fn wait_for(&self, patterns: &[&str]) -> String {
        let ok = wait_until(Duration::from_secs(15), || {
            let t = self.text();
            patterns.iter().all(|p| t.lines().any(|l| l.contains(p)))
        });
        let t = self.text();
        assert!(
            ok,
            "missing {:?} in rsyslog's output:\n{t}",
            patterns
                .iter()
                .filter(|p| !t.lines().any(|l| l.contains(*p)))
                .collect::<Vec<_>>()
        );
        t
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn every_target_kind_reaches_rsyslog() {
    let dir = TempDir::new("rsyslog-targets");
    let base = free_ports(5);
    let (udp, tcp, fe, dead, fwd) = (base, base + 1, base + 2, base + 3, base + 4);
    let rs = Rsyslog::start(&dir, udp, tcp);
    let d = dir.path().display();
    let cfg = format!(
        "global\n\
         \x20   log-tag haproxy\n\
         \x20   log-send-hostname lbhost\n\
         \x20   log 127.0.0.1:{udp} format rfc5424 local0\n\
         \x20   log unix@{d}/log.sock local1\n\
         \x20   log tcp@127.0.0.1:{tcp} format rfc5424 local2\n\
         \x20   log ring@fwd local3\n\
         \x20   log 127.0.0.1:{udp} format rfc3164 local4\n\
         \x20   log 127.0.0.1:{udp} format priority local5\n\
         \x20   log 127.0.0.1:{udp} format short local6\n\
         \x20   log 127.0.0.1:{udp} format timed local7\n\
         \x20   log 127.0.0.1:{udp} format iso user\n\
         \x20   log 127.0.0.1:{udp} format raw user\n\
         \x20   log 127.0.0.1:{udp} format local uucp\n\
         ring fwd\n\
         \x20   format rfc5424\n\
         \x20   timeout connect 1s\n\
         \x20   timeout server 2s\n\
         \x20   server rs 127.0.0.1:{tcp} log-proto octet-count\n\
         log-forward relay\n\
         \x20   dgram-bind 127.0.0.1:{fwd}\n\
         \x20   log 127.0.0.1:{udp} format rfc5424 mail\n\
         defaults\n\
         \x20   mode http\n\
         \x20   log global\n\
         \x20   timeout connect 1s\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server s1 127.0.0.1:{dead} check inter 100 fall 1\n"
    );
    let p = Launch::rampart("targets", &dir, &cfg)
        .ready_tcp(local(fe))
        .spawn();
    let pid = p.pid();
    let down = "Server be/s1 is DOWN, reason: Layer4 connection problem";
    let none = "backend be has no server available!";
    let t = rs.wait_for(&[
        // UDP, RFC 5424: every field parsed.
        &format!("local0|alert|lbhost|haproxy|{pid}|-|-|{down}"),
        &format!("local0|emerg|lbhost|haproxy|{pid}|-|-|{none}"),
        // Unix datagram socket (no format: RFC 3164 with the host name; rsyslog reads
        // local sockets without one, so it takes the host name for the tag).
        &format!("|lbhost|-|-|-| haproxy[{pid}]: {down}"),
        // tcp@: a line per message; ring: octet counting. Whole messages both ways.
        &format!("local2|alert|lbhost|haproxy|{pid}|-|-|{down}"),
        &format!("local3|alert|lbhost|haproxy|{pid}|-|-|{down}"),
        &format!("local3|emerg|lbhost|haproxy|{pid}|-|-|{none}"),
        // RFC 3164 and the local format.
        &format!("local4|alert|lbhost|haproxy|{pid}|-|-| {down}"),
        "uucp|alert|",
        // Short and timed formats carry the level alone (facility kern).
        "kern|emerg|",
        // ISO and raw: no priority at all, rsyslog's default user.notice.
        "user|notice|Server|be|-|-|-| is DOWN",
    ]);
    assert!(
        t.lines()
            .any(|l| l.starts_with("local1|alert|")
                && l.contains(&format!("haproxy[{pid}]: {down}"))),
        "{t}"
    );
    // The priority format: rsyslog finds no date and takes the first words for the host
    // name and tag, but the priority is read.
    assert!(
        t.lines()
            .any(|l| l.starts_with("local5|alert|Server|be|") && l.contains("is DOWN, reason")),
        "{t}"
    );

    // Structured data relayed by log-forward, parsed by rsyslog.
    let c = UdpSocket::bind("127.0.0.1:0").expect("socket");
    let m = "<134>1 2023-03-05T07:08:09.123456+01:00 myhost app 42 ID7 [ex@32473 k=\"v\" a=\"b\"][other@1 x=\"y\"] hello structured";
    c.send_to(m.as_bytes(), ("127.0.0.1", fwd)).expect("send");
    // (A relayed message keeps its own facility: local0, not the target's mail.)
    rs.wait_for(&[
        "local0|info|myhost|app|42|ID7|[ex@32473 k=\"v\" a=\"b\"][other@1 x=\"y\"]|hello structured",
    ]);
}

#[test]
fn file_targets_survive_rotation() {
    if rampart_bin().ends_with("haproxy") {
        // `file@` is Rampart's own: HAProxy refuses it.
        return;
    }
    let dir = TempDir::new("log-rotation");
    let base = free_ports(2);
    let (fe, tcp) = (base, base + 1);
    let file = dir.join("app.log");
    let cfg = format!(
        "global\n\
         \x20   log-tag app\n\
         log-forward relay\n\
         \x20   bind 127.0.0.1:{tcp}\n\
         \x20   log file@{} format raw local0\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout connect 1s\n\
         \x20   timeout client 5s\n\
         \x20   timeout server 5s\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   http-request return status 200\n",
        file.display()
    );
    let p = Launch::rampart("rotation", &dir, &cfg)
        .ready_tcp(local(fe))
        .ready_tcp(local(tcp))
        .spawn();
    let lines = |path: &PathBuf| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    };
    let mut c = TcpStream::connect(local(tcp)).expect("connect");
    let send = |c: &mut TcpStream, from: u32, to: u32| {
        for i in from..to {
            c.write_all(format!("<14>line {i}\n").as_bytes())
                .expect("send");
        }
    };
    send(&mut c, 0, 3000);
    assert!(
        wait_until(Duration::from_secs(10), || !lines(&file).is_empty()),
        "nothing written to {}",
        file.display()
    );
    // logrotate: rename, then SIGHUP; lines keep coming meanwhile.
    let rotated = dir.join("app.log.1");
    std::fs::rename(&file, &rotated).expect("rename");
    send(&mut c, 3000, 4000);
    p.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        wait_until(Duration::from_secs(10), || file.exists()),
        "the file was not reopened"
    );
    send(&mut c, 4000, 6000);
    drop(c);
    let all = || {
        let mut v = lines(&rotated);
        v.extend(lines(&file));
        v
    };
    assert!(
        wait_until(Duration::from_secs(10), || all().len() >= 6000),
        "{} lines written",
        all().len()
    );
    let all = all();
    let want: Vec<String> = (0..6000).map(|i| format!("line {i}")).collect();
    assert_eq!(all, want, "lines lost, repeated or out of order");
    assert!(lines(&file).last().is_some_and(|l| l == "line 5999"));
}
