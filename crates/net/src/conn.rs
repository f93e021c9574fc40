//! One connected stream socket, on the client or the server side: TCP or Unix stream
//! (TLS will wrap it). The proxy reads with the readiness API (`readable()` then
//! `try_read`) so an idle connection holds no buffer, as HAProxy releases its buffers
//! between requests.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::Interest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// The addresses of a connection as the proxy reports them (`src`, `dst`): the socket's
/// own, or those a PROXY protocol header carried. Unix sockets have none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnAddrs {
    pub src: Option<SocketAddr>,
    pub dst: Option<SocketAddr>,
}

/// A connected stream.
#[derive(Debug)]
pub enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    /// The addresses of an accepted connection: `got` as the accept gave them (the
    /// client's from `accept(2)`, the destination when the listener fixes it), the
    /// destination asked from the socket when it was not known.
    pub fn accepted_addrs(&self, got: ConnAddrs) -> ConnAddrs {
        match self {
            Conn::Tcp(s) if got.dst.is_none() => ConnAddrs {
                src: got.src,
                dst: s.local_addr().ok(),
            },
            Conn::Tcp(_) => got,
            Conn::Unix(_) => ConnAddrs::default(),
        }
    }

    /// Waits until the socket is readable (data, end of stream or error).
    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => s.readable().await,
            Conn::Unix(s) => s.readable().await,
        }
    }

    /// Polls for read readiness without allocating a waiter: the socket's registration
    /// keeps one waker slot, which is all an idle connection needs.
    pub fn poll_read_ready(
        &self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self {
            Conn::Tcp(s) => s.poll_read_ready(cx),
            Conn::Unix(s) => s.poll_read_ready(cx),
        }
    }

    /// Waits until the socket accepts writes (room in the send buffer, or an error).
    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => s.writable().await,
            Conn::Unix(s) => s.writable().await,
        }
    }

    /// Non-blocking write; `WouldBlock` when the send buffer is full. Writing through a
    /// shared reference lets one stream read a socket and write it at the same time
    /// (request body out while the response comes in).
    ///
    /// The write is attempted whatever the readiness says, as HAProxy writes: a fresh
    /// server connection takes its request at once instead of waiting a turn of the
    /// event loop for its first writable event. On `WouldBlock` the readiness is
    /// cleared, so [`Conn::writable`] waits for the next edge. (Each worker is a
    /// current-thread runtime: no event can be recorded between the `send` and the
    /// clearing.)
    /// The socket's descriptor (diagnostics).
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match self {
            Conn::Tcp(t) => t.as_raw_fd(),
            Conn::Unix(u) => u.as_raw_fd(),
        }
    }

    /// The socket's own and its peer's addresses (Unix sockets have none).
    pub fn socket_addrs(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        match self {
            Conn::Tcp(t) => (t.local_addr().ok(), t.peer_addr().ok()),
            Conn::Unix(_) => (None, None),
        }
    }

    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        const FLAGS: i32 = nix::libc::MSG_NOSIGNAL | nix::libc::MSG_DONTWAIT;
        let r = match self {
            Conn::Tcp(s) => socket2::SockRef::from(s).send_with_flags(buf, FLAGS),
            Conn::Unix(s) => socket2::SockRef::from(s).send_with_flags(buf, FLAGS),
        };
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            let blocked = || Err::<(), _>(io::Error::from(io::ErrorKind::WouldBlock));
            let _ = match self {
                Conn::Tcp(s) => s.try_io(Interest::WRITABLE, blocked),
                Conn::Unix(s) => s.try_io(Interest::WRITABLE, blocked),
            };
        }
        r
    }

    /// Non-blocking read; `WouldBlock` when nothing is there.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.try_read(buf),
            Conn::Unix(s) => s.try_read(buf),
        }
    }

    /// Non-blocking read into the spare capacity of `buf` (no zero-filling), as HAProxy
    /// reads a stream socket: a read shorter than the room offered means the socket was
    /// drained, so its readiness is cleared at once, in the same step as the read (data
    /// arriving later raises a new edge). This spares the extra read that would only
    /// return `EAGAIN`, and keeps readiness exact for [`Conn::read_ready`].
    pub fn try_read_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let room = buf.capacity() - buf.len();
        let mut got = 0;
        let r = match self {
            Conn::Tcp(s) => s.try_io(Interest::READABLE, || {
                drained(s.try_read_buf(buf), room, &mut got)
            }),
            Conn::Unix(s) => s.try_io(Interest::READABLE, || {
                drained(s.try_read_buf(buf), room, &mut got)
            }),
        };
        match r {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok(got),
            r => r,
        }
    }

    /// Whether the socket may have something to read (data, end of stream or error), as
    /// far as readiness tells, without a system call. `false` is exact when every read
    /// went through [`Conn::try_read_buf`] or ended with `WouldBlock`.
    pub fn read_ready(&self) -> bool {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        self.poll_read_ready(&mut cx).is_ready()
    }

    /// True when an idle connection can no longer carry a request: closed by the peer,
    /// failed, or holding bytes nobody asked for (which are consumed).
    pub fn poll_closed(&self) -> bool {
        let mut b = [0u8; 1];
        match self.try_read(&mut b) {
            Ok(_) => true,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        }
    }

    /// `option tcpka` / `clitcpka` / `srvtcpka`: TCP keep-alive probes.
    pub fn set_keepalive(&self) {
        if let Conn::Tcp(s) = self {
            let _ = socket2::SockRef::from(s).set_keepalive(true);
        }
    }

    /// `option nolinger`: close with a reset and no lingering data.
    pub fn set_nolinger(&self) {
        if let Conn::Tcp(s) = self {
            let _ = socket2::SockRef::from(s).set_linger(Some(std::time::Duration::ZERO));
        }
    }

    /// `set-tos`: the TOS field (IPv4 `IP_TOS`) or traffic class (IPv6
    /// `IPV6_TCLASS`) of the packets sent; errors are ignored, as HAProxy ignores them.
    pub fn set_tos(&self, tos: i32) {
        if let Conn::Tcp(s) = self {
            let sock = socket2::SockRef::from(s);
            let _ = match s.local_addr() {
                Ok(std::net::SocketAddr::V6(_)) => sock.set_tclass_v6(tos as u32),
                _ => sock.set_tos(tos as u32),
            };
        }
    }

    /// `set-mark`: the netfilter mark of the packets sent (`SO_MARK`, which needs
    /// `CAP_NET_ADMIN`; without it nothing changes, as with HAProxy).
    pub fn set_mark(&self, mark: u32) {
        if let Conn::Tcp(s) = self {
            let _ = socket2::SockRef::from(s).set_mark(mark);
        }
    }

    /// `silent-drop` (HAProxy's `tcp_exec_action_silent_drop`): prepares the socket so
    /// that closing it tells the client nothing. Pending input is acknowledged at once
    /// (`TCP_QUICKACK`), lingering is off, then `TCP_REPAIR` makes the kernel forget
    /// the connection silently; without that privilege the TTL drops to 1 so that a
    /// reset dies on the first router (on a local network the client sees the reset).
    pub fn silent_drop(&self) {
        let Conn::Tcp(s) = self else { return };
        let sock = socket2::SockRef::from(s);
        let _ = sock.set_quickack(true);
        let _ = sock.set_linger(Some(std::time::Duration::ZERO));
        if nix::sys::socket::setsockopt(s, nix::sys::socket::sockopt::TcpRepair, &1).is_ok() {
            return;
        }
        let _ = match s.peer_addr() {
            Ok(std::net::SocketAddr::V6(_)) => sock.set_unicast_hops_v6(1),
            _ => sock.set_ttl(1),
        };
    }

    pub fn set_nodelay(&self) {
        if let Conn::Tcp(s) = self {
            let _ = s.set_nodelay(true);
        }
    }

    /// Closes the write side (sends FIN) without closing the read side.
    pub fn shutdown_write(&self) {
        let fd = match self {
            Conn::Tcp(s) => socket2::SockRef::from(s),
            Conn::Unix(s) => socket2::SockRef::from(s),
        };
        let _ = fd.shutdown(std::net::Shutdown::Write);
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
            Conn::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
}

/// Turns a short read into `WouldBlock` for tokio's `try_io` (which then clears the
/// readiness it saw before the read), keeping the byte count in `got`.
fn drained(r: io::Result<usize>, room: usize, got: &mut usize) -> io::Result<usize> {
    let n = r?;
    *got = n;
    if n > 0 && n < room {
        Err(io::ErrorKind::WouldBlock.into())
    } else {
        Ok(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A connected pair of TCP sockets on `addr`'s family: the accepted side as a
    /// [`Conn`], the client side.
    fn pair(addr: &str) -> Option<(Conn, std::net::TcpStream)> {
        let l = std::net::TcpListener::bind(addr).ok()?;
        let c = std::net::TcpStream::connect(l.local_addr().ok()?).ok()?;
        let (s, _) = l.accept().ok()?;
        s.set_nonblocking(true).ok()?;
        Some((Conn::Tcp(TcpStream::from_std(s).ok()?), c))
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime")
    }

    #[test]
    fn set_tos_sets_the_tos_or_traffic_class() {
        rt().block_on(async {
            let (conn, _c) = pair("127.0.0.1:0").expect("IPv4 pair");
            conn.set_tos(0x28);
            let Conn::Tcp(s) = &conn else { unreachable!() };
            assert_eq!(socket2::SockRef::from(s).tos().unwrap(), 0x28);
            // IPv6 may be missing on the test host.
            if let Some((conn, _c)) = pair("[::1]:0") {
                conn.set_tos(0x48);
                let Conn::Tcp(s) = &conn else { unreachable!() };
                assert_eq!(socket2::SockRef::from(s).tclass_v6().unwrap(), 0x48);
            }
        });
    }

    #[test]
    fn silent_drop_leaves_the_socket_without_lingering() {
        rt().block_on(async {
            let (conn, _c) = pair("127.0.0.1:0").expect("IPv4 pair");
            conn.silent_drop();
            let Conn::Tcp(s) = &conn else { unreachable!() };
            assert_eq!(
                socket2::SockRef::from(s).linger().unwrap(),
                Some(std::time::Duration::ZERO)
            );
        });
    }
}
