//! `log-forward` receivers (HAProxy's `syslog_fd_handler` and `syslog_io_handler`) on a
//! small dedicated runtime, away from the traffic workers: each datagram is one message;
//! TCP clients (at most `maxconn` at a time, `timeout client` between reads) send
//! octet-counted or line-separated messages, and a stream that is neither is closed.
//! Each message is parsed ([`crate::parse`]) and relayed to the section's targets,
//! which re-encode it in their own format.
//!
//! The same thread listens for SIGHUP when file targets exist, and reopens them.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::time::Duration;

use rampart_model::proxy::bind::BindAddr;
use rampart_model::sections::log_forward::LogForward;
use socket2::{Domain, Protocol, Socket, Type};

use crate::parse::{next_frame, parse_message, Frame};
use crate::system::System;

/// Largest message read (HAProxy reads into a buffer of `tune.bufsize`).
const BUFSIZE: usize = 16384;

/// The bound sockets of every `log-forward` section.
pub(crate) struct Relay {
    sections: Vec<Section>,
}

struct Section {
    /// Index of the section's targets in `System::forwards`.
    idx: usize,
    udp: Vec<UdpSocket>,
    unix: Vec<UnixDatagram>,
    tcp: Vec<TcpListener>,
    maxconn: u32,
    timeout_client: Option<Duration>,
}

/// Binds the sockets of the sections (before the process drops its privileges).
pub(crate) fn bind(lfs: &[LogForward]) -> Result<Option<Relay>, String> {
    if lfs.is_empty() {
        return Ok(None);
    }
    let mut sections = Vec::new();
    for (idx, lf) in lfs.iter().enumerate() {
        let err = |e: io::Error, what: &str| {
            format!(
                "Starting proxy {}: cannot bind socket ({}) [{what}]",
                lf.name,
                crate::sys::errno_text(&e)
            )
        };
        let mut s = Section {
            idx,
            udp: Vec::new(),
            unix: Vec::new(),
            tcp: Vec::new(),
            maxconn: lf.maxconn,
            timeout_client: lf
                .timeout_client_ms
                .map(|m| Duration::from_millis(u64::from(m))),
        };
        for b in &lf.dgram_binds {
            for a in &b.addrs {
                match a {
                    BindAddr::Inet { ip, ports } => {
                        for port in ports.0..=ports.1 {
                            let sa = SocketAddr::new(*ip, port);
                            let sock = udp(sa).map_err(|e| err(e, &sa.to_string()))?;
                            s.udp.push(sock);
                        }
                    }
                    BindAddr::Unix(p) => {
                        let _ = std::fs::remove_file(p);
                        let sock = UnixDatagram::bind(p).map_err(|e| err(e, p))?;
                        s.unix.push(sock);
                    }
                    other => {
                        return Err(format!(
                            "Starting proxy {}: unsupported datagram address {other:?}",
                            lf.name
                        ))
                    }
                }
            }
        }
        for b in &lf.binds {
            let backlog = b.opts.backlog.or(lf.backlog).unwrap_or(lf.maxconn.max(1));
            for a in &b.addrs {
                match a {
                    BindAddr::Inet { ip, ports } => {
                        for port in ports.0..=ports.1 {
                            let sa = SocketAddr::new(*ip, port);
                            let l = tcp(sa, backlog).map_err(|e| err(e, &sa.to_string()))?;
                            s.tcp.push(l);
                        }
                    }
                    other => {
                        return Err(format!(
                            "Starting proxy {}: unsupported stream address {other:?}",
                            lf.name
                        ))
                    }
                }
            }
        }
        sections.push(s);
    }
    Ok(Some(Relay { sections }))
}

fn udp(sa: SocketAddr) -> io::Result<UdpSocket> {
    let s = Socket::new(
        Domain::for_address(sa),
        Type::DGRAM.cloexec(),
        Some(Protocol::UDP),
    )?;
    s.set_reuse_address(true)?;
    s.bind(&sa.into())?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

fn tcp(sa: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let s = Socket::new(
        Domain::for_address(sa),
        Type::STREAM.cloexec(),
        Some(Protocol::TCP),
    )?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.bind(&sa.into())?;
    s.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

/// Starts the receivers (and the SIGHUP listener when `sighup`) on their own thread.
pub(crate) fn spawn(relay: Option<Relay>, sys: Arc<System>, sighup: bool) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("log-forward".into())
        .spawn(move || {
            let local = tokio::task::LocalSet::new();
            local.block_on(&rt, async move {
                if let Some(r) = relay {
                    for s in r.sections {
                        start_section(s, &sys);
                    }
                }
                if sighup {
                    if let Ok(mut sig) =
                        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                    {
                        while sig.recv().await.is_some() {
                            crate::reopen_files();
                        }
                    }
                }
                std::future::pending::<()>().await;
            });
        })?;
    Ok(())
}

fn start_section(s: Section, sys: &Arc<System>) {
    for sock in s.udp {
        let sys = Arc::clone(sys);
        let idx = s.idx;
        tokio::task::spawn_local(async move {
            let Ok(sock) = tokio::net::UdpSocket::from_std(sock) else {
                return;
            };
            let mut buf = vec![0u8; BUFSIZE];
            loop {
                let Ok((n, _)) = sock.recv_from(&mut buf).await else {
                    continue;
                };
                relay_one(&sys, idx, &buf[..n]);
            }
        });
    }
    for sock in s.unix {
        let sys = Arc::clone(sys);
        let idx = s.idx;
        tokio::task::spawn_local(async move {
            if sock.set_nonblocking(true).is_err() {
                return;
            }
            let Ok(sock) = tokio::net::UnixDatagram::from_std(sock) else {
                return;
            };
            let mut buf = vec![0u8; BUFSIZE];
            loop {
                let Ok(n) = sock.recv(&mut buf).await else {
                    continue;
                };
                relay_one(&sys, idx, &buf[..n]);
            }
        });
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(if s.maxconn == 0 {
        tokio::sync::Semaphore::MAX_PERMITS
    } else {
        s.maxconn as usize
    }));
    for l in s.tcp {
        let sys = Arc::clone(sys);
        let (idx, timeout, slots) = (s.idx, s.timeout_client, Arc::clone(&slots));
        tokio::task::spawn_local(async move {
            let Ok(l) = tokio::net::TcpListener::from_std(l) else {
                return;
            };
            loop {
                // Past maxconn, clients wait in the kernel's backlog.
                let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                    return;
                };
                let Ok((conn, _)) = l.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let sys = Arc::clone(&sys);
                tokio::task::spawn_local(async move {
                    client(conn, &sys, idx, timeout).await;
                    drop(permit);
                });
            }
        });
    }
}

/// One TCP client: messages until it closes, errs, idles past `timeout client`, or
/// sends something that is not a syslog stream.
async fn client(
    mut conn: tokio::net::TcpStream,
    sys: &System,
    idx: usize,
    timeout: Option<Duration>,
) {
    use tokio::io::AsyncReadExt;
    let mut buf: Vec<u8> = Vec::with_capacity(BUFSIZE);
    let mut chunk = vec![0u8; BUFSIZE];
    loop {
        let read = conn.read(&mut chunk);
        let n = match timeout {
            Some(t) => match tokio::time::timeout(t, read).await {
                Ok(r) => r,
                Err(_) => return,
            },
            None => read.await,
        };
        let n = match n {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        loop {
            match next_frame(&buf[start..], BUFSIZE) {
                Frame::Message { msg, consumed } => {
                    let m = &buf[start + msg.start..start + msg.end];
                    relay_one(sys, idx, m);
                    start += consumed;
                }
                Frame::Incomplete => break,
                Frame::Invalid => return,
            }
        }
        buf.drain(..start);
    }
}

fn relay_one(sys: &System, idx: usize, m: &[u8]) {
    if let Some(set) = sys.forwards.get(idx) {
        let p = parse_message(m);
        set.relay(m, &p);
    }
}
