//! The few socket syscalls that have no safe wrapper in `socket2` or `nix`: options set by
//! number (`TCP_DEFER_ACCEPT`, `TCP_FASTOPEN`, `IP(V6)_TRANSPARENT`), adopting inherited
//! descriptors, abstract socket addresses. Each `unsafe` block is one syscall on a
//! descriptor we own or were handed, with its arguments checked beforehand.
#![allow(unsafe_code)]

use nix::libc;
use socket2::{SockAddr, Socket};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The system's text for an error, as HAProxy prints `strerror(errno)`.
pub fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}

fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    val: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `val` lives on the stack for the duration of the call and its size is passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            std::ptr::addr_of!(val).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn getsockopt_int(fd: RawFd, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    let mut val: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `val` and `len` live on the stack for the duration of the call, `len`
    // holds the size of `val`.
    let r = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            std::ptr::addr_of_mut!(val).cast(),
            std::ptr::addr_of_mut!(len),
        )
    };
    if r == 0 {
        Ok(val)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Whether a socket accepts connections addressed to non-local addresses (set here by
/// `transparent`, or on an inherited `fd@` socket by whoever made it).
pub fn is_transparent(fd: RawFd, v6: bool) -> bool {
    let (level, name) = if v6 {
        (libc::SOL_IPV6, libc::IPV6_TRANSPARENT)
    } else {
        (libc::SOL_IP, libc::IP_TRANSPARENT)
    };
    getsockopt_int(fd, level, name).map_or(true, |v| v != 0)
}

/// `transparent` on a listener: accept connections addressed to non-local addresses.
pub fn set_transparent(sock: &Socket, v6: bool) -> io::Result<()> {
    if v6 {
        setsockopt_int(sock.as_raw_fd(), libc::SOL_IPV6, libc::IPV6_TRANSPARENT, 1)
    } else {
        setsockopt_int(sock.as_raw_fd(), libc::SOL_IP, libc::IP_TRANSPARENT, 1)
    }
}

/// `defer-accept`: wake the listener only once data arrived (HAProxy passes 1 second).
pub fn set_defer_accept(sock: &Socket) -> io::Result<()> {
    setsockopt_int(
        sock.as_raw_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_DEFER_ACCEPT,
        1,
    )
}

/// `tfo`: TCP Fast Open on a listener, with a queue of `qlen` pending requests.
pub fn set_fastopen(sock: &Socket, qlen: i32) -> io::Result<()> {
    setsockopt_int(
        sock.as_raw_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_FASTOPEN,
        qlen,
    )
}

/// The address family of an inherited socket.
pub enum Family {
    Inet,
    Unix,
}

/// Checks that `fd` is a listening stream socket and tells its family.
pub fn socket_family(fd: RawFd) -> Result<Family, String> {
    use nix::sys::socket::{
        getsockname, getsockopt, sockopt, AddressFamily, SockaddrLike, SockaddrStorage,
    };
    // SAFETY: the descriptor is only borrowed for the duration of these calls; an invalid
    // number makes them fail with EBADF, which is reported.
    let bfd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let ty = getsockopt(&bfd, sockopt::SockType).map_err(|e| e.desc().to_string())?;
    if ty != nix::sys::socket::SockType::Stream {
        return Err("not a stream socket".into());
    }
    let listening = getsockopt(&bfd, sockopt::AcceptConn).map_err(|e| e.desc().to_string())?;
    if !listening {
        return Err("socket is not listening".into());
    }
    let ss: SockaddrStorage = getsockname(fd).map_err(|e| e.desc().to_string())?;
    match ss.family() {
        Some(AddressFamily::Inet) | Some(AddressFamily::Inet6) => Ok(Family::Inet),
        Some(AddressFamily::Unix) => Ok(Family::Unix),
        _ => Err("unsupported address family".into()),
    }
}

/// A close-on-exec duplicate of `fd`, owned.
pub fn dup_cloexec(fd: RawFd) -> Result<OwnedFd, String> {
    let n = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3))
        .map_err(|e| e.desc().to_string())?;
    // SAFETY: `n` is a fresh descriptor returned by fcntl, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(n) })
}

/// The length of `sun_path`.
const SUN_PATH_LEN: usize = 108;

/// The address of an abstract Unix socket (`abns@name`): a leading NUL, the name, then
/// NUL padding to the whole `sun_path`, as HAProxy builds it (the padding is part of the
/// name, so only a padded address reaches a HAProxy `abns@` listener, and vice versa).
pub fn abstract_addr(name: &str) -> Option<SockAddr> {
    if name.len() + 1 > SUN_PATH_LEN {
        return None;
    }
    let mut path = [0u8; SUN_PATH_LEN];
    path[1..=name.len()].copy_from_slice(name.as_bytes());
    use std::os::unix::ffi::OsStrExt;
    SockAddr::unix(std::ffi::OsStr::from_bytes(&path)).ok()
}

/// Takes ownership of a descriptor the kernel just installed in this process
/// (`SCM_RIGHTS`): nothing else refers to it.
pub(crate) fn own_received(fd: std::os::fd::RawFd) -> OwnedFd {
    // SAFETY: `fd` was created for this process by `recvmsg` and is owned by no one.
    unsafe { OwnedFd::from_raw_fd(fd) }
}
