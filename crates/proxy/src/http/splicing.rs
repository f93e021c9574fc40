//! HTTP/1 bodies through the kernel (configuration manual 4.2 `option splice-request`,
//! `splice-response`, `splice-auto`): once a body's buffered bytes are sent, the rest of
//! a body of known length, or of one that ends with the server's close, moves from one
//! socket to the other through a pipe with `splice(2)` and never enters user space, as
//! HAProxy's H1 multiplexer does (`h1_rcv_pipe` / `h1_snd_pipe`). A splice-in never
//! asks for more than the body's remaining length, so the next message stays in the
//! socket. Chunked bodies are copied (their framing is checked on the way).
//!
//! `splice-request` / `splice-response` splice every such body; `splice-auto` only a
//! body that still has at least a buffer's worth to come (HAProxy splices for the
//! streams it sees filling their buffers). Without a pipe (the pool at `maxpipes`), or
//! on sockets that cannot splice, the body is copied as usual.

use super::body::{BodyErr, Pipe};
use super::io::ReadErr;
use crate::splice::Mode;
use rampart_net::splice::{Pipe as KPipe, PipeLimits, SpliceIn};
use std::cell::Cell;
use std::future::poll_fn;
use std::time::Duration;

/// How one direction of a stream may splice its bodies, and what it spliced.
#[derive(Debug, Default)]
pub struct Splicing {
    pub mode: Mode,
    pub limits: PipeLimits,
    /// Bytes moved by splicing (the `h1_spliced_bytes_*` statistics).
    pub bytes: Cell<u64>,
}

impl Splicing {
    pub fn new(mode: Mode, limits: PipeLimits) -> Splicing {
        Splicing {
            mode,
            limits,
            bytes: Cell::new(0),
        }
    }

    /// Whether a body with `remaining` bytes still to come (`None`: until the close)
    /// is spliced.
    pub fn wants(&self, remaining: Option<u64>, bufsize: usize) -> bool {
        match self.mode {
            Mode::Off => false,
            Mode::Always => remaining != Some(0),
            Mode::Auto => remaining.is_none_or(|r| r >= bufsize as u64),
        }
    }
}

/// What [`splice`] did.
pub struct Spliced {
    /// Bytes moved from the source to the destination.
    pub moved: u64,
    /// The source closed (a body delimited by the close is complete).
    pub eof: bool,
}

/// Moves up to `limit` bytes of body (`None`: until the source closes) from `p.src` to
/// `p.dst` through a pipe. Stops early, with what it moved, when no pipe is available
/// or a socket cannot splice: the caller copies the rest. Each wait is bounded by the
/// side's timeout.
pub async fn splice(p: &Pipe<'_>, limit: Option<u64>) -> Result<Spliced, BodyErr> {
    let mut done = Spliced {
        moved: 0,
        eof: false,
    };
    let Some(mut pipe) = KPipe::get(&p.splice.limits) else {
        return Ok(done);
    };
    let mut taken = 0u64;
    let r = loop {
        if pipe.data() > 0 {
            let out = poll_fn(|cx| p.dst.poll_splice_out(cx, &mut pipe));
            match bounded(p.dst_timeout, out).await {
                Some(Ok(n)) => {
                    done.moved += n as u64;
                    p.splice.bytes.set(p.splice.bytes.get() + n as u64);
                    if let Some(dx) = p.dx {
                        dx.srv_active.set(tokio::time::Instant::now());
                    }
                    continue;
                }
                Some(Err(_)) => break Err(BodyErr::Dst(false)),
                None => break Err(BodyErr::Dst(true)),
            }
        }
        if done.eof || limit.is_some_and(|l| taken >= l) {
            break Ok(());
        }
        let max = limit.map_or(usize::MAX, |l| {
            usize::try_from(l - taken).unwrap_or(usize::MAX)
        });
        let got = loop {
            let inp = poll_fn(|cx| p.src.poll_splice_in_at_most(cx, &mut pipe, max));
            match bounded(p.src_timeout, inp).await {
                Some(r) => break Some(r),
                // The client's timeout waits while the server's answer is awaited.
                None if p.dx.is_some_and(|d| d.client_timeout_suspended()) => {}
                None => break None,
            }
        };
        match got {
            Some(Ok(SpliceIn::Moved(n))) => {
                taken += n as u64;
                p.got.set(p.got.get() + n as u64);
            }
            Some(Ok(SpliceIn::Eof)) if limit.is_none() => done.eof = true,
            Some(Ok(SpliceIn::Eof)) => break Err(BodyErr::Src(ReadErr::Closed)),
            // The pipe holds data: the next turn flushes it.
            Some(Ok(SpliceIn::Full)) => {}
            // Nothing is in the pipe here (it is flushed before each splice-in).
            Some(Ok(SpliceIn::Unsupported)) => break Ok(()),
            Some(Err(_)) => break Err(BodyErr::Src(ReadErr::Error)),
            None => break Err(BodyErr::Src(ReadErr::Timeout)),
        }
    };
    pipe.put(&p.splice.limits);
    r.map(|()| done)
}

/// `f` within `t` (`None`: it timed out).
async fn bounded<F: std::future::Future>(t: Option<Duration>, f: F) -> Option<F::Output> {
    match t {
        Some(t) => tokio::time::timeout(t, f).await.ok(),
        None => Some(f.await),
    }
}
