//! The `mode tcp` passes of content and response rules: read what arrives, evaluate
//! again, until the rules decide or `inspect-delay` makes the pass final.

use super::{run_set, Data, Decision, RuleCx, TcpRules};
use rampart_h1::{parse_request, ParseOpts, Parsed};
use rampart_net::Conn;
use rampart_rules::action::tcp::TcpSet;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Reads what the client has sent already into `buf`, without waiting, up to `limit`
/// bytes. `true`: the client closed its side (or failed).
pub fn read_available(cli: &Conn, buf: &mut Vec<u8>, limit: usize) -> bool {
    while buf.len() < limit {
        buf.reserve(limit - buf.len());
        match cli.try_read_buf(buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
    false
}

/// `tcp-request content` rules in `mode tcp`: evaluated over what the client sent
/// (`pending`), again each time more arrives, until they decide, the buffer is full
/// (`tune.bufsize` less `tune.maxrewrite`), the client closed, or `delay` ended; then
/// once more as the final pass, where a condition still missing data does not match.
/// Without `delay` the rules are evaluated once, over what is there.
#[allow(clippy::too_many_arguments)]
pub async fn inspect(
    t: &TcpRules,
    acls: &[rampart_rules::acl::Acl],
    cli: &Conn,
    pending: &mut Vec<u8>,
    eof: &mut bool,
    rc: &mut RuleCx<'_>,
) -> Decision {
    if !t.has(TcpSet::Content) {
        return Decision::Continue;
    }
    let delay = t.inspect_delay;
    let mut skip_def = false;
    let rt = &rc.w.rt;
    let limit = rt.bufsize.saturating_sub(rt.maxrewrite).max(1);
    if !*eof {
        *eof = read_available(cli, pending, limit);
    }
    let deadline = delay.map(|d| Instant::now() + d);
    let opts = ParseOpts {
        max_head: limit,
        max_headers: rt.max_http_hdr,
        ..ParseOpts::default()
    };
    let mut heads = rc.w.take_heads();
    let mut head = HeadState::Partial;
    loop {
        let expired = deadline.is_none_or(|d| Instant::now() >= d);
        let partial = !(expired || *eof || pending.len() >= limit);
        if head == HeadState::Partial {
            head = match parse_request(pending, &opts, &mut heads.req) {
                Ok(Parsed::Complete(_)) => HeadState::Whole,
                Ok(Parsed::Partial) => HeadState::Partial,
                Err(_) => HeadState::None,
            };
        }
        let data = Data {
            req: (head == HeadState::Whole).then_some(&mut heads.req),
            head_partial: head == HeadState::Partial,
            req_data: pending,
            ..Data::default()
        };
        let d = run_set(
            t,
            TcpSet::Content,
            acls,
            rc,
            cli,
            data,
            partial,
            &mut skip_def,
        );
        let until = match deadline {
            Some(until) if d == Decision::Wait => until,
            _ => {
                rc.w.put_heads(heads);
                return if d == Decision::Wait {
                    Decision::Continue
                } else {
                    d
                };
            }
        };
        tokio::select! {
            r = cli.readable() => {
                if r.is_err() {
                    *eof = true;
                } else {
                    *eof = read_available(cli, pending, limit);
                }
            }
            _ = tokio::time::sleep_until(until) => {}
        }
    }
}

/// Whether the payload holds an HTTP/1 request head.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HeadState {
    /// Not whole yet (or nothing yet).
    Partial,
    Whole,
    /// Not an HTTP request.
    None,
}

/// What [`inspect_response`] leaves for the tunnel.
pub struct Inspected {
    /// Client bytes read but not yet sent to the server.
    pub c2s: Vec<u8>,
    /// Server bytes read, to send to the client.
    pub s2c: Vec<u8>,
}

/// `tcp-response content` rules in `mode tcp`: `pre_c2s` goes to the server, what the
/// client sends meanwhile follows it, and the server's data is buffered and the rules
/// evaluated over it each time more arrives, until they decide, the buffer is full, the
/// server closed, or `delay` ended (then a final pass). Without `delay` the rules are
/// evaluated once, at once.
#[allow(clippy::too_many_arguments)]
pub async fn inspect_response(
    t: &TcpRules,
    acls: &[rampart_rules::acl::Acl],
    cli: &mut Conn,
    srv: &mut Conn,
    pre_c2s: &[u8],
    rc: &mut RuleCx<'_>,
) -> (Decision, Inspected) {
    let rt = &rc.w.rt;
    let limit = rt.bufsize.saturating_sub(rt.maxrewrite).max(1);
    let mut c2s = pre_c2s.to_vec();
    let mut sent = 0usize;
    let mut s2c: Vec<u8> = Vec::new();
    let (mut cli_eof, mut srv_eof) = (false, false);
    let deadline = t.res_inspect_delay.map(|d| Instant::now() + d);
    let mut skip_def = false;
    let mut sleep = deadline.map(|d| Box::pin(tokio::time::sleep_until(d)));
    loop {
        let expired = deadline.is_none_or(|d| Instant::now() >= d);
        let partial = !(expired || srv_eof || s2c.len() >= limit);
        let data = Data {
            res_data: &s2c,
            ..Data::default()
        };
        let d = run_set(
            t,
            TcpSet::Response,
            acls,
            rc,
            cli,
            data,
            partial,
            &mut skip_def,
        );
        if d != Decision::Wait {
            c2s.drain(..sent);
            return (d, Inspected { c2s, s2c });
        }
        // Move the client's bytes on and read the server's until something to
        // evaluate again happens.
        let step = poll_fn(|cx| loop {
            if sent < c2s.len() {
                match Pin::new(&mut *srv).poll_write(cx, &c2s[sent..]) {
                    Poll::Ready(Ok(n)) if n > 0 => {
                        sent += n;
                        if sent == c2s.len() {
                            c2s.clear();
                            sent = 0;
                        }
                        continue;
                    }
                    Poll::Ready(_) => return Poll::Ready(Step::Failed),
                    Poll::Pending => {}
                }
            } else if !cli_eof {
                let mut tmp = [0u8; 4096];
                let mut rb = ReadBuf::new(&mut tmp);
                match Pin::new(&mut *cli).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        if rb.filled().is_empty() {
                            cli_eof = true;
                            srv.shutdown_write();
                        } else {
                            c2s.extend_from_slice(rb.filled());
                        }
                        continue;
                    }
                    Poll::Ready(Err(_)) => return Poll::Ready(Step::Failed),
                    Poll::Pending => {}
                }
            }
            if !srv_eof && s2c.len() < limit {
                let mut tmp = [0u8; 4096];
                let room = (limit - s2c.len()).min(tmp.len());
                let mut rb = ReadBuf::new(&mut tmp[..room]);
                match Pin::new(&mut *srv).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        let n = rb.filled().len();
                        if n == 0 {
                            srv_eof = true;
                        } else {
                            s2c.extend_from_slice(rb.filled());
                        }
                        return Poll::Ready(Step::Data);
                    }
                    Poll::Ready(Err(_)) => return Poll::Ready(Step::Failed),
                    Poll::Pending => {}
                }
            }
            if let Some(s) = sleep.as_mut() {
                if s.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Step::Data);
                }
            }
            return Poll::Pending;
        })
        .await;
        if step == Step::Failed {
            return (
                Decision::Close,
                Inspected {
                    c2s: Vec::new(),
                    s2c: Vec::new(),
                },
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Data,
    Failed,
}
