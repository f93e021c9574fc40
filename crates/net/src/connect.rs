//! Outgoing connections to servers (configuration manual 5.2 `server` addresses and
//! `source`): TCP over IPv4/IPv6, optionally bound to a source address or port range,
//! Unix stream sockets and HAProxy-style abstract sockets.

use crate::conn::Conn;
use crate::sys;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

/// Where to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Inet(SocketAddr),
    Unix(PathBuf),
    Abns(String),
}

/// `source <addr>[:<port>[-<port>]]`: the local address of outgoing connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    pub ip: IpAddr,
    /// Inclusive local port range; `None` lets the system pick.
    pub ports: Option<(u16, u16)>,
    pub interface: Option<String>,
}

/// How [`connect_with`] opens a connection (HAProxy's `CONNECT_*` flags).
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectOpts {
    /// `CONNECT_DELACK_ALWAYS`: `TCP_QUICKACK` off before `connect(2)`, so the last ACK
    /// of the handshake waits for data. A check that sends nothing and closes with a
    /// reset then never reaches the server's accept queue, as HAProxy's layer-4 checks.
    pub delack: bool,
}

/// A failed [`connect_with`].
#[derive(Debug)]
pub struct ConnectError {
    pub error: io::Error,
    /// `connect(2)` itself failed (not `EINPROGRESS`), which HAProxy words with a
    /// connection error code ("General socket error (...)"), unlike an attempt that
    /// fails under way ("Connection refused").
    pub immediate: bool,
}

impl ConnectError {
    fn later(error: io::Error) -> ConnectError {
        ConnectError {
            error,
            immediate: false,
        }
    }
}

impl From<io::Error> for ConnectError {
    fn from(error: io::Error) -> ConnectError {
        ConnectError::later(error)
    }
}

/// Connects to `target`, from `source` when given. The caller bounds the wait with
/// `timeout connect`.
pub async fn connect(target: &Target, source: Option<&SourceSpec>) -> io::Result<Conn> {
    connect_with(target, source, ConnectOpts::default())
        .await
        .map_err(|e| e.error)
}

/// [`connect`] with options, telling an immediate failure from a later one.
pub async fn connect_with(
    target: &Target,
    source: Option<&SourceSpec>,
    opts: ConnectOpts,
) -> Result<Conn, ConnectError> {
    match target {
        Target::Inet(sa) => connect_inet(*sa, source, opts).await,
        Target::Unix(path) => {
            let sa = socket2::SockAddr::unix(path)?;
            Ok(Conn::Unix(connect_unix(&sa).await?))
        }
        Target::Abns(name) => {
            let sa = sys::abstract_addr(name)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "name too long"))?;
            Ok(Conn::Unix(connect_unix(&sa).await?))
        }
    }
}

/// `connect(2)` on a non-blocking socket: `Ok` once under way.
fn start(sock: &socket2::Socket, sa: &socket2::SockAddr) -> Result<(), ConnectError> {
    match sock.connect(sa) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => Ok(()),
        Err(error) => Err(ConnectError {
            error,
            immediate: true,
        }),
    }
}

async fn connect_unix(sa: &socket2::SockAddr) -> Result<UnixStream, ConnectError> {
    let sock = socket2::Socket::new(
        socket2::Domain::UNIX,
        socket2::Type::STREAM.nonblocking().cloexec(),
        None,
    )?;
    start(&sock, sa)?;
    let std: std::os::unix::net::UnixStream = std::os::fd::OwnedFd::from(sock).into();
    let s = UnixStream::from_std(std)?;
    s.writable().await?;
    if let Some(e) = s.take_error()? {
        return Err(ConnectError::later(e));
    }
    Ok(s)
}

async fn connect_inet(
    sa: SocketAddr,
    source: Option<&SourceSpec>,
    opts: ConnectOpts,
) -> Result<Conn, ConnectError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(
        Domain::for_address(sa),
        Type::STREAM.nonblocking().cloexec(),
        Some(Protocol::TCP),
    )?;
    if let Some(src) = source {
        if let Some(ifname) = &src.interface {
            sock.bind_device(Some(ifname.as_bytes()))?;
        }
        match src.ports {
            None => sock.bind(&SocketAddr::new(src.ip, 0).into())?,
            Some((lo, hi)) => bind_in_range(&sock, src.ip, lo, hi)?,
        }
    }
    if opts.delack {
        sock.set_quickack(false)?;
    }
    start(&sock, &sa.into())?;
    let s = TcpStream::from_std(std::net::TcpStream::from(sock))?;
    // On a local network the handshake is often complete by the time `connect`
    // returns: then the stream goes on at once, as HAProxy sends its request right
    // after connecting, instead of waiting a turn of the event loop for the event.
    if s.peer_addr().is_ok() {
        return Ok(Conn::Tcp(s));
    }
    // As HAProxy checks a connection: the writable event says it is established unless
    // the same event reports an error or a hang-up; only then is the error asked for
    // (`SO_ERROR`), sparing that syscall on every successful connect.
    loop {
        let r = s.ready(Interest::WRITABLE | Interest::ERROR).await?;
        if r.is_error() || r.is_write_closed() {
            return Err(ConnectError::later(
                s.take_error()?
                    .unwrap_or_else(|| io::ErrorKind::ConnectionRefused.into()),
            ));
        }
        if r.is_writable() {
            return Ok(Conn::Tcp(s));
        }
    }
}

/// Binds to the first free port of `lo..=hi`, starting at a rotating offset so that
/// successive connections spread over the range as HAProxy's port ranges do.
fn bind_in_range(sock: &socket2::Socket, ip: IpAddr, lo: u16, hi: u16) -> io::Result<()> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = u32::from(hi - lo) + 1;
    let start = NEXT.fetch_add(1, Ordering::Relaxed) % n;
    sock.set_reuse_address(true)?;
    let mut last = io::Error::new(io::ErrorKind::AddrInUse, "no free port in source range");
    for i in 0..n {
        let port = lo + ((start + i) % n) as u16;
        match sock.bind(&SocketAddr::new(ip, port).into()) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}
