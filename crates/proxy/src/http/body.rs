//! Message bodies, streamed through one bounded buffer whatever their size
//! (`tune.bufsize`): by Content-Length, chunked (validated by the codec's scanner and
//! forwarded as received, trailers included) or until the server closes. Bytes read past
//! the end of the body (a pipelined request) stay in the buffer for the next message.

use super::io::{deadline, read_some, write_all, ReadErr};
use crate::state::{Backend, Frontend};
use rampart_h1::{BodyKind, ChunkedScanner, ParseError, ParseOpts};
use rampart_net::Conn;
use std::cell::Cell;
use std::time::Duration;
use tokio::time::Instant;

/// Why a body could not be forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyErr {
    /// The sending side timed out, closed early or failed.
    Src(ReadErr),
    /// The receiving side timed out (`true`) or failed.
    Dst(bool),
    /// Invalid chunked framing; the offset is the error's position in the buffer as
    /// the body forwarding left it.
    Invalid(ParseError),
}

/// What the two directions of a stream share while they run at the same time (the
/// request body still going up while the response is awaited or already coming down).
pub struct Duplex {
    /// Last read or write on the server connection: `timeout server` counts from it, as
    /// HAProxy refreshes a socket's read timeout when it writes to it (unless `option
    /// independent-streams`), so a slow upload does not make the server time out.
    pub srv_active: Cell<Instant>,
    /// No final response has reached the client yet.
    pub awaiting_response: Cell<bool>,
    /// The request has been sent whole: the stream ends with its response.
    pub request_sent: Cell<bool>,
    /// `timeout server` is set.
    pub server_timeout: bool,
}

impl Duplex {
    pub fn new(server_timeout: bool) -> Duplex {
        Duplex {
            srv_active: Cell::new(Instant::now()),
            awaiting_response: Cell::new(true),
            request_sent: Cell::new(false),
            server_timeout,
        }
    }

    /// A new attempt of the same stream (a retry): the server is awaited afresh.
    pub fn reset(&self) {
        self.srv_active.set(Instant::now());
        self.awaiting_response.set(true);
        self.request_sent.set(false);
    }

    /// While the server is expected to answer and can time out, the client's read
    /// timeout is suspended (HAProxy's `CF_READ_NOEXP` in process_stream): a stalled
    /// upload ends with the server's 504, not with a silent client timeout.
    pub(super) fn client_timeout_suspended(&self) -> bool {
        self.server_timeout && self.awaiting_response.get()
    }
}

/// Where the body comes from and goes to, with each side's inactivity timeout.
pub struct Pipe<'a> {
    pub src: &'a Conn,
    pub dst: &'a Conn,
    pub src_timeout: Option<Duration>,
    pub dst_timeout: Option<Duration>,
    pub bufsize: usize,
    /// The request direction of a stream whose response is read at the same time.
    pub dx: Option<&'a Duplex>,
    /// Bytes read from the source so far (what the logs count when the body fails).
    pub got: std::cell::Cell<u64>,
    /// The last bytes of the body are left in `out` for the caller to send (see
    /// [`forward`]).
    pub hold_last: bool,
    /// Whether the body may go through the kernel (`option splice-*`), and what did.
    pub splice: super::splicing::Splicing,
}

impl<'a> Pipe<'a> {
    /// Client → server, for request bodies.
    pub fn upstream(
        cli: &'a Conn,
        fe: &Frontend,
        srv: &'a Conn,
        be: &Backend,
        bufsize: usize,
        dx: &'a Duplex,
    ) -> Pipe<'a> {
        Pipe {
            src: cli,
            dst: srv,
            src_timeout: fe.timeouts.client,
            dst_timeout: be.timeouts.server,
            bufsize,
            dx: Some(dx),
            got: Default::default(),
            hold_last: false,
            splice: Default::default(),
        }
    }

    /// Server → client, for response bodies.
    pub fn downstream(
        srv: &'a Conn,
        be: &Backend,
        cli: &'a Conn,
        fe: &Frontend,
        bufsize: usize,
    ) -> Pipe<'a> {
        Pipe {
            src: srv,
            dst: cli,
            src_timeout: be.timeouts.server,
            dst_timeout: fe.timeouts.client,
            bufsize,
            dx: None,
            got: Default::default(),
            hold_last: false,
            splice: Default::default(),
        }
    }

    /// Writes `data` to the destination.
    async fn send(&self, data: &[u8]) -> Result<(), BodyErr> {
        write_all(self.dst, data, self.dst_timeout)
            .await
            .map_err(BodyErr::Dst)?;
        if let Some(dx) = self.dx {
            dx.srv_active.set(Instant::now());
        }
        Ok(())
    }
}

/// Forwards a body. On entry `buf[start..]` holds body bytes already received and `out`
/// holds bytes to send first (the serialized head); both are sent together with the
/// first body bytes. On return `buf` holds only what followed the body. Returns the
/// body length.
///
/// With [`Pipe::hold_last`], the last write is not made: once the body has been
/// received whole, what remains to send is left in `out` (moved there, not copied,
/// when it is a whole read), so that the caller can release the source first (a
/// server connection goes back to the idle pool as soon as its response has ended, as
/// HAProxy's does) and send it then. A body delimited by the close is sent whole.
pub async fn forward(
    kind: BodyKind,
    p: &Pipe<'_>,
    buf: &mut Vec<u8>,
    start: usize,
    out: &mut Vec<u8>,
    opts: &ParseOpts,
) -> Result<u64, BodyErr> {
    let r = match kind {
        BodyKind::None | BodyKind::Tunnel => {
            buf.drain(..start);
            if !p.hold_last {
                flush(p, out).await?;
            }
            Ok(0)
        }
        BodyKind::Length(n) => by_length(n, p, buf, start, out).await,
        BodyKind::Chunked => chunked(p, buf, start, out, opts).await,
        BodyKind::CloseDelimited => until_close(p, buf, start, out).await,
    };
    if let (Ok(_), Some(dx)) = (&r, p.dx) {
        dx.request_sent.set(true);
    }
    r
}

async fn flush(p: &Pipe<'_>, out: &mut Vec<u8>) -> Result<(), BodyErr> {
    if !out.is_empty() {
        p.send(out).await?;
        out.clear();
    }
    Ok(())
}

/// Reads more into `buf` (keeping its content), bounded by the source's timeout.
async fn fill(p: &Pipe<'_>, buf: &mut Vec<u8>) -> Result<usize, BodyErr> {
    if buf.capacity() - buf.len() < 1024 {
        buf.reserve(p.bufsize.max(4096));
    }
    loop {
        match read_some(p.src, buf, deadline(p.src_timeout)).await {
            Err(ReadErr::Timeout) if p.dx.is_some_and(Duplex::client_timeout_suspended) => {}
            r => {
                if let Ok(n) = r {
                    p.got.set(p.got.get() + n as u64);
                }
                return r.map_err(BodyErr::Src);
            }
        }
    }
}

async fn by_length(
    n: u64,
    p: &Pipe<'_>,
    buf: &mut Vec<u8>,
    start: usize,
    out: &mut Vec<u8>,
) -> Result<u64, BodyErr> {
    let avail = (buf.len() - start) as u64;
    let take = avail.min(n) as usize;
    out.extend_from_slice(&buf[start..start + take]);
    buf.drain(..start + take);
    let mut remaining = n - take as u64;
    if remaining == 0 && p.hold_last {
        return Ok(n);
    }
    flush(p, out).await?;
    if p.splice.wants(Some(remaining), p.bufsize) {
        let s = super::splicing::splice(p, Some(remaining)).await?;
        remaining -= s.moved.min(remaining);
    }
    while remaining > 0 {
        buf.clear();
        fill(p, buf).await?;
        let take = (buf.len() as u64).min(remaining) as usize;
        remaining -= take as u64;
        if remaining == 0 && p.hold_last {
            // The last read becomes `out` (it is empty here): only bytes past the body,
            // if any, are copied back.
            std::mem::swap(buf, out);
            buf.extend_from_slice(&out[take..]);
            out.truncate(take);
            return Ok(n);
        }
        p.send(&buf[..take]).await?;
        buf.drain(..take);
    }
    Ok(n)
}

async fn chunked(
    p: &Pipe<'_>,
    buf: &mut Vec<u8>,
    start: usize,
    out: &mut Vec<u8>,
    opts: &ParseOpts,
) -> Result<u64, BodyErr> {
    let mut sc = ChunkedScanner::new(opts);
    let mut pos = start;
    // Bytes the scanner accepted before the current buffer content.
    let mut seen = 0usize;
    loop {
        let s = sc.scan(&buf[pos..]).map_err(|mut e| {
            // Report the position in the buffer as it is left (for the snapshot).
            e.offset = pos + e.offset.saturating_sub(seen);
            BodyErr::Invalid(e)
        })?;
        out.extend_from_slice(&buf[pos..pos + s.forward]);
        pos += s.forward;
        seen += s.forward;
        if s.done {
            buf.drain(..pos);
            if !p.hold_last {
                flush(p, out).await?;
            }
            return Ok(sc.body_len());
        }
        flush(p, out).await?;
        // Keep the bytes the scanner has not accepted yet (a partial size line).
        buf.drain(..pos);
        pos = 0;
        if buf.len() >= p.bufsize {
            // A size line or trailer longer than a buffer: invalid.
            return Err(BodyErr::Invalid(ParseError {
                kind: rampart_h1::ErrorKind::InvalidChunkSize,
                offset: buf.len(),
            }));
        }
        fill(p, buf).await?;
    }
}

async fn until_close(
    p: &Pipe<'_>,
    buf: &mut Vec<u8>,
    start: usize,
    out: &mut Vec<u8>,
) -> Result<u64, BodyErr> {
    let mut total = (buf.len() - start) as u64;
    out.extend_from_slice(&buf[start..]);
    buf.clear();
    flush(p, out).await?;
    if p.splice.wants(None, p.bufsize) {
        let s = super::splicing::splice(p, None).await?;
        total += s.moved;
        if s.eof {
            return Ok(total);
        }
    }
    loop {
        match fill(p, buf).await {
            Ok(n) => {
                total += n as u64;
                p.send(buf).await?;
                buf.clear();
            }
            Err(BodyErr::Src(ReadErr::Closed)) => return Ok(total),
            Err(e) => return Err(e),
        }
    }
}

/// Where a request body that starts at `buf[start..]` ends when it is entirely in the
/// buffer already (`Ok(None)` when more is to come): HAProxy's H1 layer parses what it
/// received with the head, so such a request counts as complete even when the stream
/// never forwards it (an error answered before connecting, `http-buffer-request`).
pub fn buffered_end(
    kind: BodyKind,
    buf: &[u8],
    start: usize,
    opts: &ParseOpts,
) -> Result<Option<usize>, ParseError> {
    let avail = buf.len().saturating_sub(start);
    match kind {
        BodyKind::None | BodyKind::Tunnel => Ok(Some(start)),
        BodyKind::Length(n) => Ok((avail as u64 >= n).then(|| start + n as usize)),
        BodyKind::Chunked => {
            let s = ChunkedScanner::new(opts).scan(&buf[start..])?;
            Ok(s.done.then_some(start + s.forward))
        }
        BodyKind::CloseDelimited => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Runs `f` on a current-thread runtime.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
            .block_on(f)
    }

    /// A connected pair of `Conn`s.
    fn pair() -> (Conn, Conn) {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap_or_else(|e| panic!("{e}"));
        let conv = |s: std::os::unix::net::UnixStream| {
            s.set_nonblocking(true).unwrap_or_else(|e| panic!("{e}"));
            Conn::Unix(tokio::net::UnixStream::from_std(s).unwrap_or_else(|e| panic!("{e}")))
        };
        (conv(a), conv(b))
    }

    #[test]
    fn invalid_chunk_offset_points_into_the_buffer_left() {
        block_on(async {
            let (src_peer, src) = pair();
            let (dst, _dst_peer) = pair();
            let p = Pipe {
                src: &src,
                dst: &dst,
                src_timeout: Some(Duration::from_secs(5)),
                dst_timeout: Some(Duration::from_secs(5)),
                bufsize: 16384,
                dx: None,
                got: Default::default(),
                hold_last: false,
                splice: Default::default(),
            };
            // The head and a first valid chunk are there; the next read brings a bad size.
            let mut buf = b"HEAD\r\n\r\n3\r\nabc\r\n".to_vec();
            let start = 8;
            let mut peer = match src_peer {
                Conn::Unix(s) => s.into_std().unwrap_or_else(|e| panic!("{e}")),
                Conn::Tcp(_) => unreachable!(),
            };
            peer.set_nonblocking(false)
                .unwrap_or_else(|e| panic!("{e}"));
            peer.write_all(b"2\r\nok\r\nzz\r\n")
                .unwrap_or_else(|e| panic!("{e}"));
            let mut out = Vec::new();
            let r = forward(
                BodyKind::Chunked,
                &p,
                &mut buf,
                start,
                &mut out,
                &ParseOpts::default(),
            )
            .await;
            let Err(BodyErr::Invalid(e)) = r else {
                panic!("expected an invalid chunk, got {r:?}");
            };
            assert_eq!(
                buf.get(e.offset),
                Some(&b'z'),
                "{:?} at {}",
                String::from_utf8_lossy(&buf),
                e.offset
            );
        });
    }

    #[test]
    fn hold_last_leaves_the_last_bytes_to_the_caller() {
        block_on(async {
            use tokio::io::AsyncReadExt;
            let (src_peer, src) = pair();
            let (dst, mut dst_peer) = pair();
            let mut p = Pipe {
                src: &src,
                dst: &dst,
                src_timeout: Some(Duration::from_secs(5)),
                dst_timeout: Some(Duration::from_secs(5)),
                bufsize: 16384,
                dx: None,
                hold_last: true,
                got: Default::default(),
                splice: Default::default(),
            };
            let mut peer = match src_peer {
                Conn::Unix(s) => s.into_std().unwrap_or_else(|e| panic!("{e}")),
                Conn::Tcp(_) => unreachable!(),
            };
            peer.set_nonblocking(false)
                .unwrap_or_else(|e| panic!("{e}"));
            let o = ParseOpts::default();
            // Body by length, read in two parts; what follows it stays in `buf`.
            let mut buf = b"HEAD\r\n\r\nabc".to_vec();
            let mut out = b"head;".to_vec();
            peer.write_all(b"defgNEXT")
                .unwrap_or_else(|e| panic!("{e}"));
            let r = forward(BodyKind::Length(7), &p, &mut buf, 8, &mut out, &o).await;
            assert_eq!(r, Ok(7));
            assert_eq!(out, b"defg", "the last read is left unsent");
            assert_eq!(buf, b"NEXT");
            let mut got = [0u8; 8];
            dst_peer
                .read_exact(&mut got)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&got, b"head;abc");
            // A body already whole in the buffer: nothing is sent.
            let mut buf = b"HEADxyzNEXT".to_vec();
            let mut out = b"head;".to_vec();
            let r = forward(BodyKind::Length(3), &p, &mut buf, 4, &mut out, &o).await;
            assert_eq!(
                (r, &out[..], &buf[..]),
                (Ok(3), &b"head;xyz"[..], &b"NEXT"[..])
            );
            // Chunked, and without a body.
            let mut buf = b"H1\r\na\r\n0\r\n\r\nGET".to_vec();
            let mut out = Vec::new();
            let r = forward(BodyKind::Chunked, &p, &mut buf, 1, &mut out, &o).await;
            assert_eq!(
                (r, &out[..], &buf[..]),
                (Ok(1), &b"1\r\na\r\n0\r\n\r\n"[..], &b"GET"[..])
            );
            let mut out = b"head".to_vec();
            let mut buf = b"HEAD".to_vec();
            let r = forward(BodyKind::None, &p, &mut buf, 4, &mut out, &o).await;
            assert_eq!((r, &out[..], buf.len()), (Ok(0), &b"head"[..], 0));
            // Without it, everything is sent.
            p.hold_last = false;
            let mut buf = b"HEADxyz".to_vec();
            let mut out = b"h;".to_vec();
            let r = forward(BodyKind::Length(3), &p, &mut buf, 4, &mut out, &o).await;
            assert_eq!((r, out.len()), (Ok(3), 0));
            let mut got = [0u8; 5];
            dst_peer
                .read_exact(&mut got)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&got, b"h;xyz");
        });
    }

    #[test]
    fn buffered_end_finds_complete_bodies() {
        let o = ParseOpts::default();
        let b = b"HEADxyzNEXT";
        assert_eq!(buffered_end(BodyKind::Length(3), b, 4, &o), Ok(Some(7)));
        assert_eq!(buffered_end(BodyKind::Length(30), b, 4, &o), Ok(None));
        assert_eq!(buffered_end(BodyKind::None, b, 4, &o), Ok(Some(4)));
        let c = b"H1\r\na\r\n0\r\n\r\nGET";
        assert_eq!(buffered_end(BodyKind::Chunked, c, 1, &o), Ok(Some(12)));
        assert_eq!(buffered_end(BodyKind::Chunked, &c[..8], 1, &o), Ok(None));
        assert!(buffered_end(BodyKind::Chunked, b"Hzz\r\n", 1, &o).is_err());
    }
}
