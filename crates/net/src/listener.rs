//! Listening sockets, as HAProxy's `bind` opens them (configuration manual 5.1; HAProxy's
//! `sock_inet_bind_receiver`, `sock_unix_bind_receiver`, `sock_find_compatible_fd`).
//!
//! One [`Listener`] is one listening socket: one address and port of a `bind` line. It is
//! opened once, in the main thread, before privileges are dropped, then shared by every
//! worker thread ([`Listener::try_clone`] duplicates the descriptor; each worker
//! registers its copy with its own event loop, as HAProxy's threads all poll the same fd).
//! Keeping one socket per listener, rather than one per thread with `SO_REUSEPORT`, is what
//! lets `fd@N` listeners, Unix sockets and, later, listeners handed to a new process on
//! reload work the same way as TCP ones.

use crate::sys;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

/// Where a listener listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    Inet(SocketAddr),
    /// A Unix socket path.
    Unix(PathBuf),
    /// A Linux abstract-namespace name (without the leading NUL).
    Abns(String),
    /// An inherited descriptor, already bound and listening (`fd@N`): used as it is.
    Fd(RawFd),
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenAddr::Inet(a) => write!(f, "{a}"),
            ListenAddr::Unix(p) => write!(f, "unix@{}", p.display()),
            ListenAddr::Abns(n) => write!(f, "abns@{n}"),
            ListenAddr::Fd(n) => write!(f, "fd@{n}"),
        }
    }
}

/// The options of one listening socket (one `bind` line's, shared by its addresses).
#[derive(Clone, Debug, Default)]
pub struct ListenerSpec {
    /// `listen(2)` backlog (HAProxy: `backlog`, else the listener's `maxconn`).
    pub backlog: i32,
    /// `v4v6`: an IPv6 wildcard also accepts IPv4; `v6only`: it does not.
    pub v4v6: bool,
    pub v6only: bool,
    pub defer_accept: bool,
    pub tfo: bool,
    pub mss: Option<i32>,
    pub interface: Option<String>,
    pub transparent: bool,
    /// `SO_REUSEPORT`, which HAProxy sets by default (`-dR` disables it) so that a new
    /// process can bind while the old one still listens during a reload.
    pub reuseport: bool,
    /// Unix sockets: permissions and owner.
    pub unix_mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// An open listening socket.
#[derive(Debug)]
pub enum Listener {
    Tcp(std::net::TcpListener),
    Unix(UnixListener),
}

impl Listener {
    /// Opens (or adopts, for `fd@N`) a listening socket on `addr` with `spec`'s options.
    /// The error text is HAProxy's style: the caller prefixes it with the proxy and bind.
    pub fn open(addr: &ListenAddr, spec: &ListenerSpec) -> Result<Listener, String> {
        if let Some(l) = inherited(addr)? {
            return Ok(l);
        }
        let l = match addr {
            ListenAddr::Inet(sa) => open_inet(*sa, spec),
            ListenAddr::Unix(path) => open_unix(path, spec),
            ListenAddr::Abns(name) => open_abns(name, spec),
            ListenAddr::Fd(fd) => adopt_fd(*fd),
        }?;
        l.set_nonblocking()
            .map_err(|e| format!("cannot set non-blocking mode ({e})"))?;
        Ok(l)
    }

    /// A second handle on the same socket, for another worker thread.
    pub fn try_clone(&self) -> io::Result<Listener> {
        Ok(match self {
            Listener::Tcp(l) => Listener::Tcp(l.try_clone()?),
            Listener::Unix(l) => Listener::Unix(l.try_clone()?),
        })
    }

    /// The destination address of every connection this socket accepts, when the socket
    /// fixes it (bound to one address, not transparent), so sessions need no
    /// `getsockname` each. `None`: each connection must be asked.
    pub fn fixed_local(&self) -> Option<SocketAddr> {
        let Listener::Tcp(l) = self else { return None };
        let a = l.local_addr().ok()?;
        if a.ip().is_unspecified() || sys::is_transparent(l.as_raw_fd(), a.is_ipv6()) {
            return None;
        }
        Some(a)
    }

    fn set_nonblocking(&self) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.set_nonblocking(true),
            Listener::Unix(l) => l.set_nonblocking(true),
        }
    }
}

fn open_inet(sa: SocketAddr, spec: &ListenerSpec) -> Result<Listener, String> {
    let domain = Domain::for_address(sa);
    let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| format!("cannot create listening socket ({})", sys::errno_text(&e)))?;
    // HAProxy sets SO_REUSEADDR on every TCP listener, so a restart does not wait for
    // TIME_WAIT sockets to expire.
    sock.set_reuse_address(true)
        .map_err(|e| format!("cannot do so_reuseaddr ({})", sys::errno_text(&e)))?;
    if spec.reuseport {
        let _ = sock.set_reuse_port(true);
    }
    if sa.is_ipv6() {
        // HAProxy leaves the system default unless v4v6 or v6only is given.
        if spec.v6only {
            let _ = sock.set_only_v6(true);
        } else if spec.v4v6 {
            let _ = sock.set_only_v6(false);
        }
    }
    if spec.transparent {
        sys::set_transparent(&sock, sa.is_ipv6())
            .map_err(|e| format!("cannot make listening socket transparent ({e})"))?;
    }
    if let Some(ifname) = &spec.interface {
        sock.bind_device(Some(ifname.as_bytes()))
            .map_err(|e| format!("cannot bind listener to device '{ifname}' ({e})"))?;
    }
    if let Some(mss) = spec.mss {
        // A negative value means "at most |mss|" and only lowers the system's value.
        let mss = mss.unsigned_abs();
        let _ = sock.set_mss(mss);
    }
    sock.bind(&SockAddr::from(sa))
        .map_err(|e| format!("cannot bind socket ({})", sys::errno_text(&e)))?;
    if spec.defer_accept {
        let _ = sys::set_defer_accept(&sock);
    }
    if spec.tfo {
        let _ = sys::set_fastopen(&sock, spec.backlog.max(1));
    }
    sock.listen(spec.backlog.max(1))
        .map_err(|e| format!("cannot listen to socket ({})", sys::errno_text(&e)))?;
    Ok(Listener::Tcp(sock.into()))
}

fn open_unix(path: &std::path::Path, spec: &ListenerSpec) -> Result<Listener, String> {
    // As HAProxy: bind a temporary name next to the target, set owner and mode, then
    // rename it over the target, so a running process's socket is replaced atomically.
    let shown = path.display().to_string();
    let tmp = PathBuf::from(format!("{shown}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None)
        .map_err(|e| format!("cannot create receiving socket ({})", sys::errno_text(&e)))?;
    let sa =
        SockAddr::unix(&tmp).map_err(|_| "name is too long for a Unix socket path".to_string())?;
    sock.bind(&sa)
        .map_err(|e| format!("cannot bind UNIX socket ({})", sys::errno_text(&e)))?;
    let cleanup = |msg: String| {
        let _ = std::fs::remove_file(&tmp);
        msg
    };
    if spec.uid.is_some() || spec.gid.is_some() {
        std::os::unix::fs::chown(&tmp, spec.uid, spec.gid).map_err(|e| {
            cleanup(format!(
                "cannot change UNIX socket ownership ({})",
                sys::errno_text(&e)
            ))
        })?;
    }
    if let Some(mode) = spec.unix_mode {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)).map_err(|e| {
            cleanup(format!(
                "cannot change UNIX socket permissions ({})",
                sys::errno_text(&e)
            ))
        })?;
    }
    sock.listen(spec.backlog.max(1)).map_err(|e| {
        cleanup(format!(
            "cannot listen to UNIX socket ({})",
            sys::errno_text(&e)
        ))
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        cleanup(format!(
            "cannot switch final and temporary UNIX sockets ({})",
            sys::errno_text(&e)
        ))
    })?;
    Ok(Listener::Unix(UnixListener::from(OwnedFd::from(sock))))
}

fn open_abns(name: &str, spec: &ListenerSpec) -> Result<Listener, String> {
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None)
        .map_err(|e| format!("cannot create receiving socket ({})", sys::errno_text(&e)))?;
    let sa = sys::abstract_addr(name)
        .ok_or_else(|| "name is too long for an abstract socket".to_string())?;
    sock.bind(&sa)
        .map_err(|e| format!("cannot bind UNIX socket ({})", sys::errno_text(&e)))?;
    sock.listen(spec.backlog.max(1))
        .map_err(|e| format!("cannot listen to UNIX socket ({})", sys::errno_text(&e)))?;
    Ok(Listener::Unix(UnixListener::from(OwnedFd::from(sock))))
}

/// `fd@N`: the descriptor is already bound and listening; it is used as it is.
/// The socket the old process handed over for `addr` (`-x`), if any: it is used as it
/// is, already bound and listening.
fn inherited(addr: &ListenAddr) -> Result<Option<Listener>, String> {
    use nix::sys::socket::SockaddrStorage;
    let fd = match addr {
        ListenAddr::Inet(SocketAddr::V4(want)) => crate::xfer::claim(|a: &SockaddrStorage| {
            a.as_sockaddr_in()
                .is_some_and(|x| x.ip() == *want.ip() && x.port() == want.port())
        }),
        ListenAddr::Inet(SocketAddr::V6(want)) => crate::xfer::claim(|a: &SockaddrStorage| {
            a.as_sockaddr_in6()
                .is_some_and(|x| x.ip() == *want.ip() && x.port() == want.port())
        }),
        ListenAddr::Unix(p) => crate::xfer::claim(|a: &SockaddrStorage| {
            a.as_unix_addr().and_then(|u| u.path()) == Some(p.as_path())
        }),
        ListenAddr::Abns(n) => crate::xfer::claim(|a: &SockaddrStorage| {
            a.as_unix_addr().and_then(|u| u.as_abstract()) == Some(n.as_bytes())
        }),
        ListenAddr::Fd(_) => None,
    };
    let Some(fd) = fd else {
        return Ok(None);
    };
    let l = adopt_fd(fd.as_raw_fd())?;
    l.set_nonblocking()
        .map_err(|e| format!("cannot set non-blocking mode ({e})"))?;
    Ok(Some(l))
}

fn adopt_fd(fd: RawFd) -> Result<Listener, String> {
    let family =
        sys::socket_family(fd).map_err(|e| format!("cannot use inherited fd {fd} ({e})"))?;
    // Duplicate so the inherited number stays valid for `show fd` and future reloads.
    let dup = sys::dup_cloexec(fd).map_err(|e| format!("cannot use inherited fd {fd} ({e})"))?;
    Ok(match family {
        sys::Family::Unix => Listener::Unix(UnixListener::from(dup)),
        sys::Family::Inet => {
            let sock = Socket::from(dup);
            Listener::Tcp(sock.into())
        }
    })
}

/// Takes a connection the kernel has queued on `l` now, with a direct `accept(2)`
/// rather than through the event loop (which only tries once it has seen the listener
/// readable): the last sweep before a listener closes at a soft stop, so that what the
/// kernel queued in between is served instead of reset. `None` when nothing is queued
/// (or the call failed).
pub fn accept_queued_tcp(
    l: &tokio::net::TcpListener,
) -> Option<(tokio::net::TcpStream, std::net::SocketAddr)> {
    let (s, peer) = socket2::SockRef::from(l).accept().ok()?;
    s.set_nonblocking(true).ok()?;
    let peer = peer.as_socket()?;
    let s = tokio::net::TcpStream::from_std(std::net::TcpStream::from(s)).ok()?;
    Some((s, peer))
}

/// [`accept_queued_tcp`] for a Unix listener.
pub fn accept_queued_unix(l: &tokio::net::UnixListener) -> Option<tokio::net::UnixStream> {
    let (s, _) = socket2::SockRef::from(l).accept().ok()?;
    s.set_nonblocking(true).ok()?;
    tokio::net::UnixStream::from_std(std::os::unix::net::UnixStream::from(s)).ok()
}
