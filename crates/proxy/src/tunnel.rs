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
    pub fn of(fe: &crate::state::Frontend, be: &crate::state::Backend) -> Timeouts {
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

struct Half {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    shut: bool,
    bytes: u64,
}

impl Half {
    fn new(size: usize, pre: &[u8]) -> Half {
        let mut buf = vec![0u8; size.max(pre.len())].into_boxed_slice();
        buf[..pre.len()].copy_from_slice(pre);
        Half {
            buf,
            start: 0,
            end: pre.len(),
            eof: false,
            shut: false,
            bytes: 0,
        }
    }
}

/// Which side failed.
enum Fail {
    Reader,
    Writer,
}

/// Moves data from `r` to `w` until blocked. Returns whether anything happened.
fn pump(r: &mut Conn, w: &mut Conn, h: &mut Half, cx: &mut Context<'_>) -> Result<bool, Fail> {
    let mut progress = false;
    loop {
        if h.start < h.end {
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
                Poll::Pending => {}
            }
        }
        if h.eof {
            if h.start == h.end && !h.shut {
                w.shutdown_write();
                h.shut = true;
                progress = true;
            }
            return Ok(progress);
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
    bufsize: usize,
    t: Timeouts,
) -> Outcome {
    let mut up = Half::new(bufsize, pre_c2s);
    let mut down = Half::new(bufsize, pre_s2c);
    let mut last = Instant::now();
    let mut sleep: Option<Pin<Box<Sleep>>> = None;
    let end = poll_fn(|cx| {
        let mut progress = false;
        match pump(cli, srv, &mut up, cx) {
            Ok(p) => progress |= p,
            Err(Fail::Reader) => return Poll::Ready(End::ClientError),
            Err(Fail::Writer) => return Poll::Ready(End::ServerError),
        }
        match pump(srv, cli, &mut down, cx) {
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
