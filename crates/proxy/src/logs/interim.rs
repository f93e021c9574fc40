//! A stop-gap [`Sink`] until the delivery layer (`rampart-log`) is wired: UDP syslog
//! targets only, RFC 3164 headers, sent from the worker on a non-blocking socket (a
//! full socket buffer drops the line, as HAProxy's UDP sender does).

use super::Sink;
use rampart_model::addr::Host;
use rampart_model::log::{LogDest, LogTarget};
use std::net::{SocketAddr, UdpSocket};

#[derive(Debug)]
struct Target {
    addr: SocketAddr,
    facility: u8,
    max_level: u8,
    min_level: u8,
    max_len: usize,
}

/// UDP targets of one frontend.
#[derive(Debug)]
pub struct Udp {
    sock: UdpSocket,
    targets: Vec<Target>,
    tag: String,
}

impl Udp {
    /// `None` when no target is a UDP address.
    pub fn new(targets: &[&LogTarget], tag: &str) -> Option<Udp> {
        let targets: Vec<Target> = targets
            .iter()
            .filter_map(|t| {
                let LogDest::Dgram(a) = &t.dest else {
                    return None;
                };
                let Host::Ip(ip) = a.host else {
                    return None;
                };
                Some(Target {
                    addr: SocketAddr::new(ip, a.single_port().unwrap_or(514)),
                    facility: t.facility.0,
                    max_level: t.max_level.0,
                    min_level: t.min_level.0,
                    max_len: t.max_len as usize,
                })
            })
            .collect();
        if targets.is_empty() {
            return None;
        }
        let sock = UdpSocket::bind("0.0.0.0:0").ok()?;
        sock.set_nonblocking(true).ok()?;
        Some(Udp {
            sock,
            targets,
            tag: tag.to_string(),
        })
    }
}

impl Sink for Udp {
    fn send(&self, level: u8, line: &[u8], _sd: &[u8]) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let mut date = Vec::with_capacity(32);
        rampart_rules::logfmt::date_ms(now.as_secs() as i64, 0, &mut date);
        for t in &self.targets {
            if level > t.max_level {
                continue;
            }
            let lvl = level.max(t.min_level);
            let mut msg = format!("<{}>", u32::from(t.facility) * 8 + u32::from(lvl)).into_bytes();
            msg.extend_from_slice(&date);
            msg.extend_from_slice(format!(" {}[{}]: ", self.tag, std::process::id()).as_bytes());
            msg.extend_from_slice(line);
            msg.truncate(t.max_len.saturating_sub(1));
            msg.push(b'\n');
            let _ = self.sock.send_to(&msg, t.addr);
        }
    }
}
