//! Forwarding a ring to its syslog servers over TCP (sink.c's forward applets): one
//! thread per `server` line connects (within `timeout connect`), attaches to the ring
//! at its first connection, then sends every event as it arrives, framed as the
//! server's `log-proto` says (a line feed after each, or octet counting). A lost or
//! refused connection is retried every second; the reader keeps its place meanwhile,
//! so events written during an outage are sent once the server is back (as long as
//! the ring could hold them: then new events are dropped, and later announced).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::encode::{self, Framing};
use crate::ring::Ring;

/// Where a ring server is.
#[derive(Clone, Debug)]
pub enum ServerAddr {
    /// Host and port, resolved at each connection.
    Inet(String, u16),
    Ip(SocketAddr),
    Unix(std::path::PathBuf),
}

/// One `server` of a ring.
#[derive(Clone, Debug)]
pub struct Forwarder {
    pub ring: Arc<Ring>,
    /// This server's reader slot in the ring.
    pub reader: usize,
    pub name: String,
    pub addr: ServerAddr,
    pub framing: Framing,
    pub timeout_connect: Option<Duration>,
    pub timeout_server: Option<Duration>,
}

enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(b),
            Conn::Unix(s) => s.write_all(b),
        }
    }

    /// Whether the server closed its side (what it sends is read and ignored).
    fn closed(&mut self) -> bool {
        let mut buf = [0u8; 512];
        let r = match self {
            Conn::Tcp(s) => s.set_nonblocking(true).and_then(|()| s.read(&mut buf)),
            Conn::Unix(s) => s.set_nonblocking(true).and_then(|()| s.read(&mut buf)),
        };
        let closed = match r {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        };
        let _ = match self {
            Conn::Tcp(s) => s.set_nonblocking(false),
            Conn::Unix(s) => s.set_nonblocking(false),
        };
        closed
    }
}

impl Forwarder {
    /// Starts the forwarding thread.
    pub fn spawn(self) -> io::Result<()> {
        let name = format!("ring {}/{}", self.ring.name, self.name);
        thread::Builder::new()
            .name(name)
            .spawn(move || self.run())?;
        Ok(())
    }

    fn connect(&self) -> io::Result<Conn> {
        let conn = match &self.addr {
            ServerAddr::Unix(p) => Conn::Unix(UnixStream::connect(p)?),
            ServerAddr::Ip(a) => Conn::Tcp(self.tcp(a)?),
            ServerAddr::Inet(host, port) => {
                let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
                let mut found = None;
                for a in (host.as_str(), *port).to_socket_addrs()? {
                    match self.tcp(&a) {
                        Ok(s) => {
                            found = Some(s);
                            break;
                        }
                        Err(e) => last = e,
                    }
                }
                Conn::Tcp(found.ok_or(last)?)
            }
        };
        if let Conn::Tcp(s) = &conn {
            let _ = s.set_nodelay(true);
            s.set_write_timeout(self.timeout_server)?;
        }
        if let Conn::Unix(s) = &conn {
            s.set_write_timeout(self.timeout_server)?;
        }
        Ok(conn)
    }

    fn tcp(&self, a: &SocketAddr) -> io::Result<TcpStream> {
        match self.timeout_connect {
            Some(t) => TcpStream::connect_timeout(a, t),
            None => TcpStream::connect(a),
        }
    }

    fn run(self) {
        let mut events = Vec::new();
        let mut out = Vec::new();
        loop {
            let mut conn = match self.connect() {
                Ok(c) => c,
                Err(_) => {
                    thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            self.ring.lock().attach(self.reader);
            loop {
                self.ring.wait(self.reader, Duration::from_secs(1));
                events.clear();
                self.ring.lock().take(self.reader, 64 * 1024, &mut events);
                if events.is_empty() {
                    if conn.closed() {
                        break;
                    }
                    continue;
                }
                out.clear();
                for ev in &events {
                    encode::frame(ev, self.framing, &mut out);
                }
                if conn.write_all(&out).is_err() {
                    break;
                }
            }
        }
    }
}
