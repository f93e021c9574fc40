//! Listening sockets handed from a running process to its successor (`-x <socket>` and
//! `stats socket ... expose-fd listeners`; HAProxy's `_getsocks` and
//! `sock_get_old_sockets`), in HAProxy 2.6's format over a Unix stream socket:
//!
//! - the old process sends the number of sockets as a native `int`;
//! - then batches of at most [`MAX_SEND_FD`] descriptors (`SCM_RIGHTS`), each with its
//!   description in the data part: namespace name length (1 byte) and name, interface
//!   name length (1 byte) and name, then 4 bytes of options (zero since HAProxy 2.3);
//! - after each full batch the receiver acknowledges with an `int` before the next.
//!
//! The new process then uses a received socket instead of binding one wherever the
//! addresses match ([`offer`], taken by `Listener::open`), so no connection is refused
//! or reset while the old process stops: the kernel queue belongs to both.

use nix::sys::socket::{
    recvmsg, sendmsg, setsockopt, sockopt, ControlMessage, ControlMessageOwned, MsgFlags,
};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Descriptors per message (HAProxy's `MAX_SEND_FD`).
pub const MAX_SEND_FD: usize = 253;

/// A socket to hand over, with the interface it is bound to (`interface`), if any.
pub struct Exported<'a> {
    pub fd: BorrowedFd<'a>,
    pub interface: &'a str,
}

/// Sends `socks` on the connected Unix stream `peer` (the CLI's `_getsocks`). The
/// socket is made blocking for the transfer, with a one-second receive timeout for the
/// acknowledgements, then put back as it was.
pub fn send_sockets(peer: BorrowedFd<'_>, socks: &[Exported<'_>]) -> io::Result<()> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let raw = peer.as_raw_fd();
    let old = OFlag::from_bits_truncate(fcntl(raw, FcntlArg::F_GETFL)?);
    fcntl(raw, FcntlArg::F_SETFL(old & !OFlag::O_NONBLOCK))?;
    let r = send_blocking(peer, socks);
    fcntl(raw, FcntlArg::F_SETFL(old))?;
    r
}

fn send_blocking(peer: BorrowedFd<'_>, socks: &[Exported<'_>]) -> io::Result<()> {
    let raw = peer.as_raw_fd();
    let tv = nix::sys::time::TimeVal::new(1, 0);
    setsockopt(&peer, sockopt::ReceiveTimeout, &tv)?;
    let n = i32::try_from(socks.len()).unwrap_or(i32::MAX);
    let count = n.to_ne_bytes();
    let sent = sendmsg::<()>(raw, &[IoSlice::new(&count)], &[], MsgFlags::empty(), None)?;
    if sent != count.len() {
        return Err(io::Error::other("short write of the socket count"));
    }
    let batches: Vec<&[Exported<'_>]> = socks.chunks(MAX_SEND_FD).collect();
    for (i, batch) in batches.iter().enumerate() {
        let mut meta = Vec::with_capacity(batch.len() * 6);
        let mut fds: Vec<RawFd> = Vec::with_capacity(batch.len());
        for s in batch.iter() {
            fds.push(s.fd.as_raw_fd());
            meta.push(0); // no network namespace
            let ifname = &s.interface.as_bytes()[..s.interface.len().min(255)];
            meta.push(ifname.len() as u8);
            meta.extend_from_slice(ifname);
            meta.extend_from_slice(&0i32.to_ne_bytes());
        }
        let cmsg = [ControlMessage::ScmRights(&fds)];
        let sent = sendmsg::<()>(raw, &[IoSlice::new(&meta)], &cmsg, MsgFlags::empty(), None)?;
        if sent != meta.len() {
            return Err(io::Error::other("short write of the sockets"));
        }
        // A full batch waits for the receiver's acknowledgement.
        if batch.len() == MAX_SEND_FD && i + 1 < batches.len() {
            let mut ack = [0u8; 4];
            let mut at = 0;
            while at < ack.len() {
                match nix::unistd::read(raw, &mut ack[at..]) {
                    Ok(0) => return Err(io::Error::other("no acknowledgement")),
                    Ok(n) => at += n,
                    Err(nix::errno::Errno::EINTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(())
}

/// Asks the process behind the Unix socket `path` for its listening sockets
/// (`_getsocks`) and returns them.
pub fn receive_sockets(path: &Path) -> io::Result<Vec<OwnedFd>> {
    let mut s = UnixStream::connect(path)?;
    s.set_read_timeout(Some(Duration::from_secs(1)))?;
    s.write_all(b"_getsocks\n")?;
    let mut count = [0u8; 4];
    s.read_exact(&mut count)?;
    let total = usize::try_from(i32::from_ne_bytes(count)).unwrap_or(0);
    // The count comes from the other process: it bounds the loop, not the allocation.
    let mut got: Vec<OwnedFd> = Vec::with_capacity(total.min(MAX_SEND_FD));
    // Each description takes at most 1 + 255 + 1 + 255 + 4 bytes.
    let mut meta = vec![0u8; MAX_SEND_FD * 516];
    while got.len() < total {
        let mut cmsg = nix::cmsg_space!([RawFd; MAX_SEND_FD]);
        let mut iov = [IoSliceMut::new(&mut meta)];
        let msg = recvmsg::<()>(
            s.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )?;
        if msg.bytes == 0 {
            return Err(io::Error::other("the old process closed the transfer"));
        }
        let before = got.len();
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(fds) = c {
                got.extend(fds.into_iter().map(crate::sys::own_received));
            }
        }
        if got.len() == before {
            return Err(io::Error::other("no socket in the old process's message"));
        }
        if got.len() - before == MAX_SEND_FD && got.len() < total {
            let n = i32::try_from(got.len()).unwrap_or(i32::MAX);
            s.write_all(&n.to_ne_bytes())?;
        }
    }
    Ok(got)
}

/// Sockets received from the old process, waiting for `Listener::open` to claim them.
static OFFERED: Mutex<Vec<OwnedFd>> = Mutex::new(Vec::new());

/// Makes `fds` available to the listeners opened from now on.
pub fn offer(fds: Vec<OwnedFd>) {
    let mut o = OFFERED.lock().unwrap_or_else(|e| e.into_inner());
    o.extend(fds);
}

/// Takes the offered socket whose local address (as `getsockname` gives it) satisfies
/// `is_it`, if any.
pub(crate) fn claim(is_it: impl Fn(&nix::sys::socket::SockaddrStorage) -> bool) -> Option<OwnedFd> {
    let mut o = OFFERED.lock().unwrap_or_else(|e| e.into_inner());
    let i = o.iter().position(|fd| {
        nix::sys::socket::getsockname::<nix::sys::socket::SockaddrStorage>(fd.as_raw_fd())
            .is_ok_and(|a| is_it(&a))
    })?;
    Some(o.swap_remove(i))
}

/// Offered sockets no listener claimed (closed by the caller once listeners are open).
pub fn unclaimed() -> Vec<OwnedFd> {
    std::mem::take(&mut *OFFERED.lock().unwrap_or_else(|e| e.into_inner()))
}
