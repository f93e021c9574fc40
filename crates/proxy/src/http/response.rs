//! The response side of a stream (HAProxy's `http_wait_for_response` and
//! `http_response_forward_body`): read the server's head under `timeout server` (504)
//! and validate it (502), relay interim responses, check a `101` against the request,
//! run the `http-response` rules (an answer of theirs replaces the response; a
//! `wait-for-body` reads the body first), then the `http-after-response` rules, send the
//! head and stream the body. It runs while the request body may still be going up, so an
//! early answer (a `413`, a `401` to `Expect: 100-continue`) reaches the client at once.

use super::actions::Outcome;
use super::body::{buffered_end, forward, BodyErr, Duplex, Pipe};
use super::io::{read_some, write_all, ReadErr};
use crate::env::StreamFx;
use crate::observe::{self, Event};
use crate::snapshot::Capture;
use crate::state::{inc, Backend, Frontend};
use rampart_h1::{
    parse_response, response_body_kind, write_response, BodyKind, CaseMap, ErrorKind, ParseError,
    ParseOpts, Parsed, RequestHead, ResponseHead, Version,
};
use rampart_net::Conn;
use rampart_rules::logfmt::{FinState, TermErr};
use std::net::SocketAddr;
use tokio::time::Instant;

/// How the response side ended.
#[derive(Debug)]
pub enum RespEnd<'r> {
    /// Nothing reached the client: it gets HAProxy's page for this status (502 invalid
    /// or missing response, 504 `timeout server`, 500 a rule's error), for this reason.
    Error(u16, Fail),
    /// An `http-response` rule answers instead of the server (`deny`, `return`,
    /// `redirect`) or closes (`silent-drop`); nothing was relayed.
    Answer(Outcome<'r>),
    /// What the server did is a condition `retry-on` names and the stream may retry:
    /// nothing was relayed, the request is to be sent again (HAProxy's `do_l7_retry`).
    Retry,
    /// The whole response was received and relayed, except its last bytes when the
    /// request had been sent whole: those are left in the stream's output buffer, to be
    /// sent once the server connection is back in the pool (HAProxy releases it as the
    /// response ends, before the client has received it all).
    Done {
        /// The client connection may carry another request.
        client_keep: bool,
        /// The server connection may carry another request: persistent response, all
        /// of it consumed and nothing more sent.
        server_keep: bool,
        /// The server asked for connection-based authentication (`WWW-Authenticate:
        /// NTLM` or `Negotiate`): the connection belongs to this client from now on.
        private: bool,
    },
    /// A `101` or a successful `CONNECT` was relayed: the connection is a tunnel now,
    /// and the response buffer holds what the server sent past the head.
    Tunnel,
    /// Failed after part of the response was sent: both connections close.
    Broken,
}

/// Why no response head was relayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fail {
    /// The server closed before any response byte (`empty-response`).
    Closed,
    /// A read error before any response byte (`empty-response`).
    ReadError,
    /// `timeout server` before the response head (`response-timeout`).
    Timeout,
    /// An invalid or truncated response head, or a `101` nobody asked for
    /// (`junk-response`).
    Junk,
    /// The first bytes of the body were invalid.
    Body,
    /// A response rule failed (a rewrite in strict mode, an invalid response for
    /// `normalize-uri`...).
    Rules,
}

impl Fail {
    /// The termination state of a stream that ended so (HAProxy's `SH`, `sH`, `PH`,
    /// `IH`).
    pub fn term(self) -> (TermErr, FinState) {
        let err = match self {
            Fail::Closed | Fail::ReadError => TermErr::SrvClosed,
            Fail::Timeout => TermErr::SrvTimeout,
            Fail::Junk | Fail::Body => TermErr::PrxCond,
            Fail::Rules => TermErr::Internal,
        };
        (err, FinState::Headers)
    }

    /// Whether `retry-on` names this failure.
    fn retried(self, r: &crate::retry::RetryOn) -> bool {
        match self {
            Fail::Closed | Fail::ReadError => r.empty,
            Fail::Timeout => r.timeout,
            Fail::Junk => r.junk,
            Fail::Body | Fail::Rules => false,
        }
    }

    /// What `observe layer7` makes of it.
    fn event(self) -> Event {
        match self {
            Fail::Closed => Event::BrokenPipe,
            Fail::ReadError => Event::ReadError,
            Fail::Timeout => Event::ReadTimeout,
            Fail::Junk => Event::HttpHdrRsp,
            Fail::Body | Fail::Rules => Event::HttpRsp,
        }
    }
}

/// What the `http-response` rules need: the stream's view and its variables.
pub struct RespRules<'a> {
    pub env: &'a crate::env::StreamEnv<'a>,
    pub vars: &'a rampart_rules::vars::StreamVars,
}

/// What the response side needs from the stream; `'r` is the runtime's lifetime (the
/// rules an answer comes from).
pub struct RespCx<'a, 'r> {
    /// The `http-response` rules' context (`None`: neither proxy has any).
    pub rules: Option<RespRules<'a>>,
    pub rt: &'a std::sync::Arc<crate::state::Runtime>,
    pub fe: &'a Frontend,
    pub be: &'a Backend,
    pub cli: &'a Conn,
    pub srv: &'a Conn,
    /// The client's address and the server's name, for error snapshots.
    pub src: Option<SocketAddr>,
    /// The server that answers and what persistence decided (cookies to insert).
    pub server: usize,
    pub persist: &'a super::persist::Txn,
    pub server_name: &'a str,
    pub opts: ParseOpts,
    /// The client connection may stay open after this response as far as the request,
    /// the connection mode and the process state go.
    pub client_may_keep: bool,
    /// The process is stopping: a response announces the close (HAProxy's H1 layer
    /// switches a stopping frontend's connections to close mode).
    pub stopping: &'a std::sync::atomic::AtomicBool,
    /// The connection mode lets the server connection be reused.
    pub server_may_keep: bool,
    pub bufsize: usize,
    /// `h1-case-adjust` spelling for the client (`option h1-case-adjust-bogus-client`).
    pub case: Option<&'a CaseMap>,
    pub dx: &'a Duplex,
    /// The conditions that may retry the request now (none when it was not kept whole
    /// or no retry is left).
    pub retry: crate::retry::RetryOn,
    /// `timeout server`, or what `set-timeout server` made of it.
    pub server_timeout: Option<std::time::Duration>,
    /// The proxies' rule sets.
    pub sets: RuleSets<'r>,
    /// `option logasap`: sends the stream's line once the response head is relayed.
    pub log_now: Option<&'a LogNow<'a>>,
}

/// Sends a stream's log line early (`option logasap`).
pub type LogNow<'a> = dyn Fn(&mut StreamFx, &RequestHead, &ResponseHead) + 'a;

/// Runs the response side to its end. `sbuf` is the server input buffer, `out` a
/// scratch buffer for serialized heads, which holds the response's unsent last bytes
/// after a [`RespEnd::Done`]; `req` is the request (the rules may read it), `fx` what
/// the rules set on the stream.
pub async fn run<'r>(
    cx: &RespCx<'_, 'r>,
    req: &mut RequestHead,
    resp: &mut ResponseHead,
    sbuf: &mut Vec<u8>,
    out: &mut Vec<u8>,
    fx: &mut StreamFx,
) -> RespEnd<'r> {
    let method = req.method();
    // A relayed interim response cannot be taken back: no retry after one.
    let mut interim = false;
    let head_len = loop {
        match read_head(cx, resp, sbuf).await {
            Ok(n) => {
                let st = resp.status();
                if (100..200).contains(&st) && st != 101 {
                    observe::report(cx.rt, cx.be, cx.server, Event::HttpOk);
                    // Interim response: relay it, then wait for the next one.
                    let h = resp.headers_mut();
                    h.remove(b"content-length");
                    h.remove(b"transfer-encoding");
                    fx.log.rec.bytes_out += crate::logs::htx_res(resp);
                    out.clear();
                    write_response(resp, out, cx.case);
                    sbuf.drain(..n);
                    interim = true;
                    if write_all(cx.cli, out, cx.fe.timeouts.client).await.is_err() {
                        fx.log.term(TermErr::CliClosed, FinState::Headers);
                        return RespEnd::Broken;
                    }
                    continue;
                }
                if !interim && cx.retry.status(st) {
                    return RespEnd::Retry;
                }
                fx.log.response_head(st);
                if let Some(s) = cx.be.servers.get(cx.server) {
                    crate::stats::server_response(s, st);
                }
                if crate::debug::on() {
                    let id = fx.log.rec.uniq_id;
                    crate::debug::response(id, &cx.be.name, cx.cli.raw_fd(), cx.srv.raw_fd(), resp);
                }
                fx.log.rec.bytes_out += crate::logs::htx_res(resp);
                if fx.log.on {
                    if let Some((name, len)) = &cx.fe.log.cookie_cap {
                        fx.log.rec.srv_cookie =
                            super::cookie::capture(resp.headers(), true, name, *len);
                    }
                }
                // A status retried is not held against the server (HAProxy looks at
                // it after the retry).
                observe::report(cx.rt, cx.be, cx.server, Event::of_status(st));
                break n;
            }
            Err(fail) => return failed(cx, fail, interim),
        }
    };
    // A 101 is only valid when both sides asked for the upgrade (http_wait_for_response).
    if resp.status() == 101 && !(req.conn_upgrade() && resp.conn_upgrade()) {
        return failed(cx, Fail::Junk, interim);
    }
    cx.dx.awaiting_response.set(false);
    // `capture response header`: before the response rules (`http_wait_for_response`).
    fx.res_caps
        .capture_headers(&cx.fe.caps.res_hdrs, resp.headers());
    // `http-response` rules: the backend's, then the frontend's (a `listen` runs its
    // own once). An answer of theirs replaces the server's response.
    // The rules see what HAProxy's buffer would hold of the body: its input stops
    // `tune.maxrewrite` short of the buffer (in HTX bytes, with the head as received).
    let body_cap = match cx.rules {
        Some(_) => {
            let room = cx.bufsize.saturating_sub(48 + cx.rt.maxrewrite);
            room.saturating_sub(rampart_rules::action::htx_res_usage(resp, 0) + 8)
        }
        None => 0,
    };
    if let Some(rr) = &cx.rules {
        let body = Body {
            start: head_len,
            cap: body_cap,
        };
        let end = response_rules(cx, rr, req, resp, sbuf, body, fx).await;
        if let Some(end) = end {
            return end;
        }
    }
    let sck = super::cookie::response(cx.be, cx.persist, cx.server, method, resp);
    if let Some(ck) = fx.log.rec.cookie.as_mut() {
        ck[1] = super::cookie::tsc_chars(0, sck)[1];
    }
    // `http-after-response` rules: the last word on the response head.
    if let Some(rr) = &cx.rules {
        let body = sbuf.get(head_len..).unwrap_or_default();
        let body = &body[..body.len().min(body_cap)];
        if !after_rules(cx, rr, req, resp, body, fx) {
            return RespEnd::Error(500, Fail::Rules);
        }
    }
    let kind = response_body_kind(resp, method);
    let tunnel = kind == BodyKind::Tunnel;
    // Transfer-Encoding on an HTTP/1.0 response forces the close of the client side
    // too, as mux_h1 does (with Content-Length on 1.1 only the server side closes).
    let te10 = resp.version() == Version::Http10 && resp.has_transfer_encoding();
    let stopping = cx.stopping.load(std::sync::atomic::Ordering::Relaxed);
    let client_keep =
        !tunnel && cx.client_may_keep && kind != BodyKind::CloseDelimited && !te10 && !stopping;
    let server_keep = cx.server_may_keep && resp.keep_alive_for(method);
    let private = resp.headers().get_all(b"www-authenticate").any(conn_auth);
    let status = resp.status();
    let resp10 = resp.version() == Version::Http10;
    let h = resp.headers_mut();
    if status == 204 {
        // No framing on a 204 (mux_h1 drops both fields; a 304 keeps its length).
        h.remove(b"content-length");
        h.remove(b"transfer-encoding");
    }
    if !tunnel {
        h.remove(b"connection");
        let req10 = req.version() == Version::Http10;
        if let Some(w) = relayed_conn_word(!client_keep, req10, resp10) {
            h.append(b"connection", w);
        }
    }
    out.clear();
    write_response(resp, out, cx.case);
    if tunnel {
        if write_all(cx.cli, out, cx.fe.timeouts.client).await.is_err() {
            fx.log.term(TermErr::CliClosed, FinState::Data);
            return RespEnd::Broken;
        }
        sbuf.drain(..head_len);
        return RespEnd::Tunnel;
    }
    let pre = sbuf.len().saturating_sub(head_len) as u64;
    if let Some(log) = cx.log_now {
        // What arrived with the head counts (the stream records nothing after).
        fx.log.rec.bytes_out += pre;
        log(fx, req, resp);
    }
    let mut pipe = Pipe::downstream(cx.srv, cx.be, cx.cli, cx.fe, cx.bufsize);
    pipe.src_timeout = cx.server_timeout;
    let (_, s2c) = crate::splice::modes(cx.fe.splice, cx.be.splice);
    pipe.splice = super::splicing::Splicing::new(s2c, cx.rt.pipes);
    // The last bytes wait in `out` until the stream has put its server connection
    // back (see `RespEnd::Done`).
    pipe.hold_last = true;
    let r = forward(kind, &pipe, sbuf, head_len, out, &cx.opts).await;
    let spliced = pipe.splice.bytes.get();
    if spliced > 0 {
        crate::state::add(&cx.be.counters.h1_spliced_in, spliced);
        crate::state::add(&cx.fe.counters.h1_spliced_out, spliced);
    }
    if let Err(e) = &r {
        // What came of the body before it failed.
        fx.log.rec.bytes_out += pre + pipe.got.get();
        // Where the data phase failed: the server (source) or the client.
        let err = match e {
            BodyErr::Src(ReadErr::Timeout) => TermErr::SrvTimeout,
            BodyErr::Src(_) | BodyErr::Invalid(_) => TermErr::SrvClosed,
            BodyErr::Dst(true) => TermErr::CliTimeout,
            BodyErr::Dst(false) => TermErr::CliClosed,
        };
        fx.log.term(err, FinState::Data);
    }
    match r {
        Ok(n) => {
            fx.log.rec.bytes_out += n + u64::from(kind == BodyKind::Chunked);
            // The request is still going up: the stream goes on, the client gets its
            // whole response now.
            if !out.is_empty() && !cx.dx.request_sent.get() {
                if write_all(cx.cli, out, cx.fe.timeouts.client).await.is_err() {
                    fx.log.term(TermErr::CliClosed, FinState::Data);
                    return RespEnd::Broken;
                }
                out.clear();
            }
            // Whatever the server sent past its response makes its connection unusable.
            RespEnd::Done {
                client_keep,
                server_keep: server_keep && sbuf.is_empty(),
                private,
            }
        }
        // The head is still unsent when the first bytes after it are invalid (HAProxy
        // parses them together): the client gets a 502 instead.
        Err(BodyErr::Invalid(e)) if !out.is_empty() => {
            srv_eresp(cx);
            observe::report(cx.rt, cx.be, cx.server, Event::HttpRsp);
            capture(cx, sbuf, e, true);
            RespEnd::Error(502, Fail::Body)
        }
        Err(BodyErr::Invalid(e)) => {
            observe::report(cx.rt, cx.be, cx.server, Event::HttpRsp);
            capture(cx, sbuf, e, true);
            RespEnd::Broken
        }
        Err(_) => RespEnd::Broken,
    }
}

/// Where the response body starts in the server buffer, and how much of it the rules
/// see.
#[derive(Clone, Copy)]
struct Body {
    start: usize,
    cap: usize,
}

/// The rule sets of a stream's proxies with their ACLs: the backend's first, then the
/// frontend's unless they are one proxy (a `listen`).
pub type RuleSets<'r> = [Option<(&'r crate::state::HttpRules, &'r [rampart_rules::acl::Acl])>; 2];

/// The [`RuleSets`] of a stream of frontend `fe` (runtime index `fe_i`) and backend
/// `bi`.
pub fn rule_sets<'r>(rt: &'r crate::state::Runtime, fe_i: usize, bi: usize) -> RuleSets<'r> {
    let (Some(fe), Some(be)) = (rt.frontends.get(fe_i), rt.backends.get(bi)) else {
        return [None, None];
    };
    let same = fe.own_backend == Some(bi);
    [
        Some((&be.http.rules, &be.acls[..])),
        (!same).then_some((&fe.http.rules, &fe.acls[..])),
    ]
}

/// Runs the `http-response` rules over the response and at most `body_cap` bytes of its
/// body; `Some` when one ends the response: an answer of the
/// proxy's (`deny`, `return`, `redirect`), a close, or an error (500 for a failed
/// rewrite, 502 for an invalid response, 504 when `wait-for-body` waited in vain).
async fn response_rules<'r>(
    cx: &RespCx<'_, 'r>,
    rr: &RespRules<'_>,
    req: &mut RequestHead,
    resp: &mut ResponseHead,
    sbuf: &mut Vec<u8>,
    body: Body,
    fx: &mut StreamFx,
) -> Option<RespEnd<'r>> {
    let head_len = body.start;
    use super::actions::{run_response, Cx};
    rr.vars.start_response();
    // The backend's `tcp-response content` rules run first (HAProxy's `AN_RES_INSPECT`).
    let tcp = crate::tcp_rules::http_response(cx.fe, cx.be, rr.env, rr.vars, req, resp, fx, cx.cli);
    if tcp != crate::tcp_rules::Decision::Continue {
        fx.log.term(TermErr::PrxCond, FinState::Headers);
        return Some(RespEnd::Broken);
    }
    for (rules, acls) in cx.sets.into_iter().flatten() {
        if rules.res.is_empty() {
            continue;
        }
        let acls = crate::env::Rules::new(acls, cx.bufsize);
        let mut from = 0;
        loop {
            let o = {
                let mut scratch = rr.env.w.scratch.borrow_mut();
                let mut acx = Cx {
                    acls: &acls,
                    env: rr.env,
                    fx: &mut *fx,
                    vars: rr.vars,
                    scratch: &mut scratch,
                    failed_rewrites: [
                        Some(&cx.fe.counters.failed_rewrites),
                        Some(&cx.be.counters.failed_rewrites),
                        cx.fe.li_counters(rr.env.li).map(|l| &l.failed_rewrites),
                    ],
                    cli: Some(cx.cli),
                    caps: &cx.fe.caps,
                    case: cx.case,
                };
                let data = sbuf.get(head_len..).unwrap_or_default();
                let data = &data[..data.len().min(body.cap)];
                run_response(&rules.res, &mut acx, Some(&mut *req), resp, data, from)
            };
            match o {
                Outcome::Continue => break,
                Outcome::Wait {
                    at,
                    time_ms,
                    at_least,
                } => {
                    if let Err(end) =
                        wait_body(cx, req, resp, sbuf, head_len, time_ms, at_least).await
                    {
                        return Some(end);
                    }
                    from = at + 1;
                }
                Outcome::Status(st) => return Some(RespEnd::Error(st, Fail::Rules)),
                o => return Some(RespEnd::Answer(o)),
            }
        }
    }
    None
}

/// `http-response wait-for-body`: reads the response body into `sbuf` (after the head,
/// `head_len` bytes) until it is complete, the buffer is full, `at_least` bytes of it
/// are there, or the server closed; `time_ms` passing first ends the stream with a 504.
async fn wait_body<'r>(
    cx: &RespCx<'_, 'r>,
    req: &RequestHead,
    resp: &ResponseHead,
    sbuf: &mut Vec<u8>,
    head_len: usize,
    time_ms: u32,
    at_least: u32,
) -> Result<(), RespEnd<'r>> {
    let kind = response_body_kind(resp, req.method());
    if matches!(
        kind,
        BodyKind::None | BodyKind::Tunnel | BodyKind::Length(0)
    ) {
        return Ok(());
    }
    let until = Instant::now() + std::time::Duration::from_millis(u64::from(time_ms));
    let limit = cx.bufsize.saturating_sub(cx.rt.maxrewrite);
    loop {
        match buffered_end(kind, sbuf, head_len, &cx.opts) {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => {}
            // The body's own error shows once it is forwarded.
            Err(_) => return Ok(()),
        }
        let got = sbuf.len().saturating_sub(head_len);
        if sbuf.len() >= limit || (at_least > 0 && got >= at_least as usize) {
            return Ok(());
        }
        if sbuf.capacity() - sbuf.len() < 1024 {
            sbuf.reserve(cx.bufsize);
        }
        let server = cx.server_timeout.map(|t| Instant::now() + t);
        let wait_until = match server {
            Some(s) => s.min(until),
            None => until,
        };
        match read_some(cx.srv, sbuf, Some(wait_until)).await {
            Ok(_) => cx.dx.srv_active.set(Instant::now()),
            Err(ReadErr::Timeout) => {
                observe::report(cx.rt, cx.be, cx.server, Event::ReadTimeout);
                return Err(RespEnd::Error(504, Fail::Timeout));
            }
            // The server closed: what came goes on.
            Err(_) => return Ok(()),
        }
    }
}

/// Runs the `http-after-response` rules over the response about to be sent; false when
/// one failed (the client then gets the proxy's 500).
fn after_rules(
    cx: &RespCx<'_, '_>,
    rr: &RespRules<'_>,
    req: &mut RequestHead,
    resp: &mut ResponseHead,
    body: &[u8],
    fx: &mut StreamFx,
) -> bool {
    use super::actions::{run_response, Cx};
    for (rules, acls) in cx.sets.into_iter().flatten() {
        if rules.after.is_empty() {
            continue;
        }
        if rr.vars.store(rampart_rules::vars::Scope::Res).is_none() {
            rr.vars.start_response();
        }
        let acls = crate::env::Rules::new(acls, cx.bufsize);
        let mut scratch = rr.env.w.scratch.borrow_mut();
        let mut acx = Cx {
            acls: &acls,
            env: rr.env,
            fx: &mut *fx,
            vars: rr.vars,
            scratch: &mut scratch,
            failed_rewrites: [
                Some(&cx.fe.counters.failed_rewrites),
                Some(&cx.be.counters.failed_rewrites),
                cx.fe.li_counters(rr.env.li).map(|l| &l.failed_rewrites),
            ],
            cli: Some(cx.cli),
            caps: &cx.fe.caps,
            case: cx.case,
        };
        if !matches!(
            run_response(&rules.after, &mut acx, Some(&mut *req), resp, body, 0),
            Outcome::Continue
        ) {
            return false;
        }
    }
    true
}

/// The response head could not be had: a retry when `retry-on` names the failure and
/// the stream may retry, else HAProxy's 502 or 504 (counted, and seen by `observe`).
fn failed<'r>(cx: &RespCx<'_, '_>, fail: Fail, interim: bool) -> RespEnd<'r> {
    // An invalid response is counted (and seen by `observe`) even when it is retried,
    // as HAProxy's `return_bad_res` does; the other failures only when they are not.
    let junk = fail == Fail::Junk;
    if junk {
        srv_eresp(cx);
        observe::report(cx.rt, cx.be, cx.server, fail.event());
    }
    if !interim && fail.retried(&cx.retry) {
        return RespEnd::Retry;
    }
    if !junk {
        observe::report(cx.rt, cx.be, cx.server, fail.event());
    }
    if fail == Fail::Timeout {
        return RespEnd::Error(504, fail);
    }
    if !junk {
        srv_eresp(cx);
    }
    RespEnd::Error(502, fail)
}

/// Reads a response head; `Err(Timeout)` when `timeout server` passes without activity
/// on the server connection, `Err(Junk)` when the head is invalid or incomplete when the
/// server closed, `Err(Closed | ReadError)` when nothing came.
async fn read_head(
    cx: &RespCx<'_, '_>,
    resp: &mut ResponseHead,
    sbuf: &mut Vec<u8>,
) -> Result<usize, Fail> {
    resp.clear();
    let timeout = cx.server_timeout;
    loop {
        if !sbuf.is_empty() {
            match parse_response(sbuf, &cx.opts, resp) {
                Ok(Parsed::Complete(n)) => return Ok(n),
                Ok(Parsed::Partial) => {}
                Err(e) => {
                    capture(cx, sbuf, e, false);
                    return Err(Fail::Junk);
                }
            }
            if sbuf.len() >= cx.opts.max_head {
                let e = ParseError {
                    kind: ErrorKind::HeadTooLarge,
                    offset: sbuf.len(),
                };
                capture(cx, sbuf, e, false);
                return Err(Fail::Junk);
            }
        }
        if sbuf.capacity() - sbuf.len() < 1024 {
            sbuf.reserve(cx.bufsize);
        }
        // The deadline moves when the request side writes to the server meanwhile: it
        // is taken again whenever the timer fires.
        let until = timeout.map(|t| cx.dx.srv_active.get() + t);
        match read_some(cx.srv, sbuf, until).await {
            Ok(_) => cx.dx.srv_active.set(Instant::now()),
            Err(ReadErr::Timeout) => {
                if timeout.is_some_and(|t| Instant::now() >= cx.dx.srv_active.get() + t) {
                    return Err(Fail::Timeout);
                }
            }
            Err(_) if !sbuf.is_empty() => return Err(Fail::Junk),
            Err(ReadErr::Closed) => return Err(Fail::Closed),
            Err(_) => return Err(Fail::ReadError),
        }
    }
}

/// The `connection` value of a relayed response (mux_h1's `h1_update_res_conn_value`):
/// closing, `close` unless the response is HTTP/1.0 (which closes by default); keeping,
/// `keep-alive` when either the request or the response is HTTP/1.0.
fn relayed_conn_word(closing: bool, req10: bool, resp10: bool) -> Option<&'static [u8]> {
    match (closing, req10 || resp10) {
        (true, _) => (!resp10).then_some(b"close".as_slice()),
        (false, true) => Some(b"keep-alive"),
        (false, false) => None,
    }
}

/// Keeps the server buffer as the backend's last invalid response (`show errors`).
fn capture(cx: &RespCx<'_, '_>, sbuf: &[u8], e: ParseError, in_body: bool) {
    cx.be.invalid_rep.capture(
        sbuf,
        cx.bufsize,
        Capture {
            src: cx.src,
            other_end: Some(&cx.fe.name),
            server: Some(cx.server_name),
            err_pos: e.offset,
            kind: e.kind,
            in_body,
        },
    );
}

/// A `WWW-Authenticate` value of a scheme that authenticates the connection rather than
/// the request (HAProxy checks `NTLM` and `Negotiate`, as `http_process_res_common`).
fn conn_auth(v: &[u8]) -> bool {
    let scheme = v.split(|&b| b == b' ').next().unwrap_or(v);
    scheme.eq_ignore_ascii_case(b"NTLM") || scheme.eq_ignore_ascii_case(b"Negotiate")
}

/// An invalid or missing response, counted on the backend and its server (`eresp`).
fn srv_eresp(cx: &RespCx<'_, '_>) {
    inc(&cx.be.counters.eresp);
    if let Some(s) = cx.be.servers.get(cx.server) {
        inc(&s.counters.eresp);
    }
}
