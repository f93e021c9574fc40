//! The two-way copy between a client and a server once no analyser is left: `mode tcp`
//! sessions, HTTP `Upgrade`/`CONNECT` tunnels (configuration manual 4.2 `timeout tunnel`,
//! `timeout client-fin`, `timeout server-fin`).
//!
//! One future drives both directions over two bounded buffers (`tune.bufsize`), so memory
//! per tunnel is constant whatever the transfer size. A FIN from one side is propagated
//! as a write shutdown to the other once its buffer drained (half-close). Inactivity is
//! measured across both directions: the tunnel timeout when set, otherwise the client and
//! server timeouts, replaced by `client-fin`/`server-fin` once that side has closed.
//! The timer is re-armed lazily (only when it fires before the real deadline), so
//! traffic does not touch the timer wheel on every read.
//!
//! With `option splice-*` a direction moves its bytes through a pipe with `splice(2)`
//! instead of the buffer: from the start (`splice-request`, `splice-response`) or once
//! three reads in a row filled the buffer (`splice-auto`, HAProxy's "fast streamer").
//! Buffered bytes are sent before splicing starts and spliced bytes before any buffered
//! read, so order is kept; when no pipe is left (`maxpipes`) the direction copies and
//! tries again later, and a socket that cannot splice copies for good. Half-close and
//! timeouts are the same either way.

use crate::splice::Mode;
use crate::state::{Backend, Frontend, Runtime};
use rampart_net::splice::{Pipe, PipeLimits, SpliceIn};
use rampart_net::Conn;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The inactivity timeouts that apply to a tunnel (`None`: not set).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timeouts {
    pub client: Option<Duration>,
    pub server: Option<Duration>,
    pub client_fin: Option<Duration>,
    pub server_fin: Option<Duration>,
    pub tunnel: Option<Duration>,
}

impl Timeouts {
    /// The client side's timeouts from the frontend, the server side's and the tunnel
    /// timeout from the backend, as HAProxy takes them.
    pub fn of(fe: &Frontend, be: &Backend) -> Timeouts {
        Timeouts {
            client: fe.timeouts.client,
            server: be.timeouts.server,
            client_fin: fe.timeouts.client_fin,
            server_fin: be.timeouts.server_fin,
            tunnel: be.timeouts.tunnel,
        }
    }
}

/// How a tunnel ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Both directions closed normally.
    Closed,
    ClientTimeout,
    ServerTimeout,
    /// Read or write error on the client side (reset...).
    ClientError,
    ServerError,
}

/// Bytes moved and how it ended.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub end: End,
    /// Client → server and server → client byte counts.
    pub c2s: u64,
    pub s2c: u64,
}

/// Everything a tunnel needs besides its two connections.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub timeouts: Timeouts,
    /// `tune.bufsize` and `tune.maxrewrite` (a read of at least `bufsize - maxrewrite`
    /// bytes counts as a full buffer for `splice-auto`).
    pub bufsize: usize,
    pub maxrewrite: usize,
    /// Splicing of the request (client → server) and response directions.
    pub splice_c2s: Mode,
    pub splice_s2c: Mode,
    pub pipes: PipeLimits,
}

impl Settings {
    /// The settings of a tunnel between a client of `fe` and a server of `be`.
    pub fn of(rt: &Runtime, fe: &Frontend, be: &Backend) -> Settings {
        let (c2s, s2c) = crate::splice::modes(fe.splice, be.splice);
        Settings {
            timeouts: Timeouts::of(fe, be),
            bufsize: rt.bufsize,
            maxrewrite: rt.maxrewrite,
            splice_c2s: c2s,
            splice_s2c: s2c,
            pipes: rt.pipes,
        }
    }
}

/// A pipe holding at least this much is flushed before reading more (HAProxy's
/// `SPLICE_FULL_HINT`: 16 segments, a pipe may hold no more).
const SPLICE_FULL_HINT: usize = 16 * 1448;
/// Consecutive full-buffer reads that make a direction a fast streamer.
const FAST_STREAMER_READS: u8 = 3;

/// One direction: a buffer allocated on the first buffered read (a spliced direction
/// never needs one), and the pipe while splicing.
struct Half {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    shut: bool,
    bytes: u64,
    mode: Mode,
    /// Splicing is on for this direction (from the start, or since reads became fast).
    splicing: bool,
    pipe: Option<Pipe>,
    /// Consecutive reads that filled the buffer (`splice-auto`).
    full_reads: u8,
}

impl Half {
    fn new(size: usize, pre: &[u8], mode: Mode) -> Half {
        let buf = if pre.is_empty() {
            Vec::new()
        } else {
            let mut b = vec![0u8; size.max(pre.len())];
            b[..pre.len()].copy_from_slice(pre);
            b
        };
        Half {
            buf,
            start: 0,
            end: pre.len(),
            eof: false,
            shut: false,
            bytes: 0,
            mode,
            splicing: mode == Mode::Always,
            pipe: None,
            full_reads: 0,
        }
    }

    fn piped(&self) -> usize {
        self.pipe.as_ref().map_or(0, Pipe::data)
    }

    /// HAProxy's fast-streamer detection: three reads in a row that filled the buffer.
    fn count_read(&mut self, n: usize, s: &Settings) {
        if n >= s.bufsize.saturating_sub(s.maxrewrite).max(1) {
            self.full_reads = self.full_reads.saturating_add(1);
            if self.mode == Mode::Auto && self.full_reads >= FAST_STREAMER_READS {
                self.splicing = true;
            }
        } else {
            self.full_reads = 0;
        }
    }

    fn release(&mut self, s: &Settings) {
        if let Some(p) = self.pipe.take() {
            p.put(&s.pipes);
        }
    }
}

/// Which side failed.
enum Fail {
    Reader,
    Writer,
}

/// Moves data from `r` to `w` until blocked. Returns whether anything happened.
fn pump(
    r: &mut Conn,
    w: &mut Conn,
    h: &mut Half,
    s: &Settings,
    cx: &mut Context<'_>,
) -> Result<bool, Fail> {
    let mut progress = false;
    loop {
        // Pending bytes go first: the pipe's, then the buffer's (never both at once).
        let mut blocked = false;
        if let Some(p) = h.pipe.as_mut().filter(|p| p.data() > 0) {
            match w.poll_splice_out(cx, p) {
                Poll::Ready(Ok(n)) => {
                    h.bytes += n as u64;
                    progress = true;
                    continue;
                }
                Poll::Ready(Err(_)) => return Err(Fail::Writer),
                Poll::Pending => blocked = true,
            }
        } else if h.start < h.end {
            match Pin::new(&mut *w).poll_write(cx, &h.buf[h.start..h.end]) {
                Poll::Ready(Ok(0)) => return Err(Fail::Writer),
                Poll::Ready(Ok(n)) => {
                    h.start += n;
                    h.bytes += n as u64;
                    progress = true;
                    if h.start == h.end {
                        h.start = 0;
                        h.end = 0;
                    }
                    continue;
                }
                Poll::Ready(Err(_)) => return Err(Fail::Writer),
                Poll::Pending => blocked = true,
            }
        }
        if h.eof {
            if !blocked && h.piped() == 0 && h.start == h.end && !h.shut {
                w.shutdown_write();
                h.shut = true;
                progress = true;
            }
            return Ok(progress);
        }
        if h.splicing && h.start == h.end && h.piped() < SPLICE_FULL_HINT {
            if h.pipe.is_none() {
                // None left (`maxpipes`): copy for now, try again once the buffer drained.
                h.pipe = Pipe::get(&s.pipes);
            }
            if let Some(p) = h.pipe.as_mut() {
                match r.poll_splice_in(cx, p) {
                    Poll::Ready(Ok(SpliceIn::Moved(_))) => {
                        progress = true;
                        continue;
                    }
                    Poll::Ready(Ok(SpliceIn::Eof)) => {
                        h.eof = true;
                        progress = true;
                        continue;
                    }
                    Poll::Ready(Ok(SpliceIn::Full)) => {
                        if blocked {
                            return Ok(progress);
                        }
                        continue;
                    }
                    Poll::Ready(Ok(SpliceIn::Unsupported)) => {
                        // This socket cannot splice: copy from now on.
                        h.splicing = false;
                        h.mode = Mode::Off;
                        continue;
                    }
                    Poll::Ready(Err(_)) => return Err(Fail::Reader),
                    Poll::Pending => return Ok(progress),
                }
            }
        }
        if h.piped() > 0 {
            // Waiting for the writer: the pipe drains before any buffered read.
            return Ok(progress);
        }
        if h.buf.is_empty() {
            h.buf = vec![0u8; s.bufsize.max(1)];
        }
        if h.end < h.buf.len() {
            let mut rb = ReadBuf::new(&mut h.buf[h.end..]);
            match Pin::new(&mut *r).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => {
                    let n = rb.filled().len();
                    progress = true;
                    if n == 0 {
                        h.eof = true;
                    } else {
                        h.end += n;
                        if h.mode == Mode::Auto {
                            h.count_read(n, s);
                        }
                    }
                    continue;
                }
                Poll::Ready(Err(_)) => return Err(Fail::Reader),
                Poll::Pending => return Ok(progress),
            }
        }
        return Ok(progress);
    }
}

/// Runs the tunnel. `pre_c2s` / `pre_s2c` are bytes already read from one side and not
/// yet sent to the other.
pub async fn run(
    cli: &mut Conn,
    srv: &mut Conn,
    pre_c2s: &[u8],
    pre_s2c: &[u8],
    s: &Settings,
) -> Outcome {
    let mut up = Half::new(s.bufsize, pre_c2s, s.splice_c2s);
    let mut down = Half::new(s.bufsize, pre_s2c, s.splice_s2c);
    let t = s.timeouts;
    let mut last = Instant::now();
    let mut sleep: Option<Pin<Box<Sleep>>> = None;
    let end = poll_fn(|cx| {
        let mut progress = false;
        match pump(cli, srv, &mut up, s, cx) {
            Ok(p) => progress |= p,
            Err(Fail::Reader) => return Poll::Ready(End::ClientError),
            Err(Fail::Writer) => return Poll::Ready(End::ServerError),
        }
        match pump(srv, cli, &mut down, s, cx) {
            Ok(p) => progress |= p,
            Err(Fail::Reader) => return Poll::Ready(End::ServerError),
            Err(Fail::Writer) => return Poll::Ready(End::ClientError),
        }
        if up.shut && down.shut {
            return Poll::Ready(End::Closed);
        }
        if progress {
            last = Instant::now();
        }
        let (limit, who) = current_limit(&t, up.eof, down.eof);
        let Some(limit) = limit else {
            return Poll::Pending;
        };
        let deadline = last + limit;
        let s = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        loop {
            match s.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    if Instant::now() >= deadline {
                        return Poll::Ready(who);
                    }
                    s.as_mut().reset(deadline);
                }
                Poll::Pending => {
                    if s.deadline() > deadline {
                        s.as_mut().reset(deadline);
                        continue;
                    }
                    return Poll::Pending;
                }
            }
        }
    })
    .await;
    up.release(s);
    down.release(s);
    Outcome {
        end,
        c2s: up.bytes,
        s2c: down.bytes,
    }
}

/// The inactivity limit in force and the side blamed when it expires.
fn current_limit(t: &Timeouts, cli_closed: bool, srv_closed: bool) -> (Option<Duration>, End) {
    let cli = if cli_closed {
        t.client_fin.or(t.client)
    } else {
        t.client
    };
    let srv = if srv_closed {
        t.server_fin.or(t.server)
    } else {
        t.server
    };
    if !cli_closed && !srv_closed {
        if let Some(tu) = t.tunnel {
            return (Some(tu), End::ClientTimeout);
        }
    }
    match (cli, srv) {
        (Some(c), Some(s)) if s < c => (Some(s), End::ServerTimeout),
        (Some(c), _) => (Some(c), End::ClientTimeout),
        (None, Some(s)) => (Some(s), End::ServerTimeout),
        (None, None) => (None, End::Closed),
    }
}
