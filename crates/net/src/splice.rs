//! Kernel splicing (`option splice-auto`, `splice-request`, `splice-response`; global
//! `maxpipes`, `tune.pipesize`, `nosplice`): data moves from one socket to a pipe and from
//! the pipe to the other socket with `splice(2)`, never entering user space.
//!
//! Pipes come from a pool: each thread keeps a few free ones, and one process-wide
//! counter bounds how many exist (in use or free) by `maxpipes`, as HAProxy's pipe pool
//! does. A pipe that still holds data when it is released is closed rather than reused.
//!
//! The splice calls follow HAProxy's `raw_sock_to_pipe` / `raw_sock_from_pipe`:
//! non-blocking, `EINVAL`/`ENOSYS`/`EBADF` on the receiving end means "this socket cannot
//! splice" (the caller falls back to copying), and `EAGAIN` while the pipe holds data
//! means "flush the pipe first" (it may be full), so the socket's readiness is kept.

use crate::Conn;
use nix::errno::Errno;
use nix::fcntl::{fcntl, splice, FcntlArg, OFlag, SpliceFFlags};
use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{ready, Context, Poll};
use tokio::io::Interest;

/// Pipes in existence in the process, in use or free (bounded by `maxpipes`).
static PIPES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static FREE: RefCell<Vec<Pipe>> = const { RefCell::new(Vec::new()) };
}

/// How many bytes one splice call may ask for (HAProxy's `MAX_SPLICE_AT_ONCE`).
const MAX_AT_ONCE: usize = 1 << 30;

/// The pool's limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipeLimits {
    /// `maxpipes`: the process holds fewer pipes than this at once, as HAProxy counts
    /// (0 or 1: splicing is off).
    pub max: usize,
    /// `tune.pipesize`: capacity requested for new pipes (0: the system's default).
    pub size: usize,
    /// Free pipes a thread keeps for reuse; the others are closed.
    pub per_thread: usize,
}

/// One pipe, with the number of bytes it holds.
#[derive(Debug)]
pub struct Pipe {
    rd: OwnedFd,
    wr: OwnedFd,
    data: usize,
}

impl Pipe {
    /// A pipe from this thread's pool, or a new one while fewer than `lim.max` exist.
    /// `None` when the limit is reached or the system refuses a new pipe.
    pub fn get(lim: &PipeLimits) -> Option<Pipe> {
        if let Some(p) = FREE.with(|f| f.borrow_mut().pop()) {
            return Some(p);
        }
        // As HAProxy 2.6's `get_pipe`, the pipe being created counts against the limit:
        // at most `max - 1` exist.
        if PIPES.load(Ordering::Relaxed) + 1 >= lim.max {
            return None;
        }
        if PIPES.fetch_add(1, Ordering::Relaxed) + 1 >= lim.max {
            PIPES.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let Ok((rd, wr)) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC) else {
            PIPES.fetch_sub(1, Ordering::Relaxed);
            return None;
        };
        if lim.size > 0 {
            // Best effort, as HAProxy: the system may cap the size.
            let _ = fcntl(
                std::os::fd::AsRawFd::as_raw_fd(&wr),
                FcntlArg::F_SETPIPE_SZ(i32::try_from(lim.size).unwrap_or(i32::MAX)),
            );
        }
        Some(Pipe { rd, wr, data: 0 })
    }

    /// Gives the pipe back: kept for reuse when empty and the thread's pool has room,
    /// closed otherwise.
    pub fn put(self, lim: &PipeLimits) {
        if self.data != 0 {
            return;
        }
        FREE.with(|f| {
            let mut f = f.borrow_mut();
            if f.len() < lim.per_thread {
                f.push(self);
            }
        });
    }

    /// Bytes waiting in the pipe.
    pub fn data(&self) -> usize {
        self.data
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        PIPES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Pipes currently in existence in the process (tests, statistics).
pub fn pipes_in_use() -> usize {
    PIPES.load(Ordering::Relaxed)
}

/// What a splice from a socket into a pipe did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpliceIn {
    /// Bytes moved into the pipe.
    Moved(usize),
    /// The peer closed its side.
    Eof,
    /// Nothing moved while the pipe holds data: it may be full, flush it first.
    Full,
    /// This socket cannot splice; copy instead (nothing was moved by this call).
    Unsupported,
}

fn flags() -> SpliceFFlags {
    SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK
}

impl Conn {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Conn::Tcp(s) => s.as_fd(),
            Conn::Unix(s) => s.as_fd(),
        }
    }

    fn poll_ready(&self, cx: &mut Context<'_>, read: bool) -> Poll<io::Result<()>> {
        match (self, read) {
            (Conn::Tcp(s), true) => s.poll_read_ready(cx),
            (Conn::Tcp(s), false) => s.poll_write_ready(cx),
            (Conn::Unix(s), true) => s.poll_read_ready(cx),
            (Conn::Unix(s), false) => s.poll_write_ready(cx),
        }
    }

    fn try_io<R>(&self, read: bool, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        let interest = if read {
            Interest::READABLE
        } else {
            Interest::WRITABLE
        };
        match self {
            Conn::Tcp(s) => s.try_io(interest, f),
            Conn::Unix(s) => s.try_io(interest, f),
        }
    }

    /// Moves what the socket has received into `pipe`. `Pending` (with the waker
    /// registered) when nothing is there yet.
    pub fn poll_splice_in(
        &self,
        cx: &mut Context<'_>,
        pipe: &mut Pipe,
    ) -> Poll<io::Result<SpliceIn>> {
        self.poll_splice_in_at_most(cx, pipe, MAX_AT_ONCE)
    }

    /// As [`Conn::poll_splice_in`], moving at most `max` bytes (a message body of known
    /// length: what follows it is the next message's and stays in the socket).
    pub fn poll_splice_in_at_most(
        &self,
        cx: &mut Context<'_>,
        pipe: &mut Pipe,
        max: usize,
    ) -> Poll<io::Result<SpliceIn>> {
        let max = max.clamp(1, MAX_AT_ONCE);
        loop {
            ready!(self.poll_ready(cx, true))?;
            let fd = self.fd();
            let held = pipe.data;
            let wr = &pipe.wr;
            let res = self.try_io(true, || loop {
                return match splice(fd, None, wr, None, max, flags()) {
                    Ok(0) => Ok(SpliceIn::Eof),
                    Ok(n) => Ok(SpliceIn::Moved(n)),
                    Err(Errno::EINTR) => continue,
                    // The pipe may be full: keep the socket's readiness.
                    Err(Errno::EAGAIN) if held > 0 => Ok(SpliceIn::Full),
                    Err(Errno::EAGAIN) => Err(io::ErrorKind::WouldBlock.into()),
                    Err(Errno::EINVAL | Errno::ENOSYS | Errno::EBADF) => Ok(SpliceIn::Unsupported),
                    Err(e) => Err(e.into()),
                };
            });
            match res {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Ok(SpliceIn::Moved(n)) => {
                    pipe.data += n;
                    return Poll::Ready(Ok(SpliceIn::Moved(n)));
                }
                other => return Poll::Ready(other),
            }
        }
    }

    /// Sends bytes held in `pipe` to the socket. `Ready(Ok(n))` with `n > 0`, or
    /// `Pending` (with the waker registered) when the socket cannot take more.
    pub fn poll_splice_out(
        &self,
        cx: &mut Context<'_>,
        pipe: &mut Pipe,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.poll_ready(cx, false))?;
            let fd = self.fd();
            let (rd, held) = (&pipe.rd, pipe.data);
            let res = self.try_io(false, || loop {
                return match splice(rd, None, fd, None, held, flags()) {
                    Ok(0) => Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => Ok(n),
                    Err(Errno::EINTR) => continue,
                    Err(Errno::EAGAIN) => Err(io::ErrorKind::WouldBlock.into()),
                    Err(e) => Err(e.into()),
                };
            });
            match res {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Ok(n) => {
                    pipe.data -= n.min(pipe.data);
                    return Poll::Ready(Ok(n));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pool_is_bounded_and_reuses_empty_pipes() {
        let base = pipes_in_use();
        let lim = PipeLimits {
            max: base + 3,
            size: 0,
            per_thread: 1,
        };
        let a = Pipe::get(&lim).expect("first pipe");
        let b = Pipe::get(&lim).expect("second pipe");
        assert!(Pipe::get(&lim).is_none(), "max - 1 pipes at most");
        a.put(&lim);
        b.put(&lim); // the thread keeps one: this one is closed
        assert_eq!(pipes_in_use(), base + 1);
        let c = Pipe::get(&PipeLimits { max: 0, ..lim }).expect("reused from the pool");
        drop(c);
        assert_eq!(pipes_in_use(), base);
    }
}
