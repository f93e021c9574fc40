//! The response side of a stream (HAProxy's `http_wait_for_response` and
//! `http_response_forward_body`): read the server's head under `timeout server` (504)
//! and validate it (502), relay interim responses, check a `101` against the request,
//! send the head and stream the body. It runs while the request body may still be going
//! up, so an early answer (a `413`, a `401` to `Expect: 100-continue`) reaches the
//! client at once.

use super::body::{forward, BodyErr, Duplex, Pipe};
use super::io::{read_some, write_all, ReadErr};
use crate::observe::{self, Event};
use crate::snapshot::Capture;
use crate::state::{add, inc, Backend, Frontend};
use rampart_h1::{
    parse_response, response_body_kind, write_response, BodyKind, CaseMap, ErrorKind, ParseError,
    ParseOpts, Parsed, RequestHead, ResponseHead, Version,
};
use rampart_net::Conn;
use std::net::SocketAddr;
use tokio::time::Instant;

/// How the response side ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RespEnd {
    /// Nothing reached the client: it gets HAProxy's page for this status (502 invalid
    /// or missing response, 504 `timeout server`), for this reason.
    Error(u16, Fail),
    /// What the server did is a condition `retry-on` names and the stream may retry:
    /// nothing was relayed, the request is to be sent again (HAProxy's `do_l7_retry`).
    Retry,
    /// The whole response was relayed.
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
}

impl Fail {
    /// Whether `retry-on` names this failure.
    fn retried(self, r: &crate::retry::RetryOn) -> bool {
        match self {
            Fail::Closed | Fail::ReadError => r.empty,
            Fail::Timeout => r.timeout,
            Fail::Junk => r.junk,
            Fail::Body => false,
        }
    }

    /// What `observe layer7` makes of it.
    fn event(self) -> Event {
        match self {
            Fail::Closed => Event::BrokenPipe,
            Fail::ReadError => Event::ReadError,
            Fail::Timeout => Event::ReadTimeout,
            Fail::Junk => Event::HttpHdrRsp,
            Fail::Body => Event::HttpRsp,
        }
    }
}

/// What the `http-response` rules need: the stream's view and its variables.
pub struct RespRules<'a> {
    pub env: &'a crate::env::StreamEnv<'a>,
    pub vars: &'a rampart_rules::vars::StreamVars,
}

/// What the response side needs from the stream.
pub struct RespCx<'a> {
    /// The `http-response` rules' context (`None`: neither proxy has any).
    pub rules: Option<RespRules<'a>>,
    pub rt: &'a std::sync::Arc<crate::state::Runtime>,
    pub fe: &'a Frontend,
    pub be: &'a Backend,
    pub cli: &'a Conn,
    pub srv: &'a Conn,
    pub req: &'a RequestHead,
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
}

/// Runs the response side to its end. `sbuf` is the server input buffer, `out` a
/// scratch buffer for serialized heads.
pub async fn run(
    cx: &RespCx<'_>,
    resp: &mut ResponseHead,
    sbuf: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> RespEnd {
    let method = cx.req.method();
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
                    out.clear();
                    write_response(resp, out, cx.case);
                    sbuf.drain(..n);
                    interim = true;
                    if write_all(cx.cli, out, cx.fe.timeouts.client).await.is_err() {
                        return RespEnd::Broken;
                    }
                    continue;
                }
                if !interim && cx.retry.status(st) {
                    return RespEnd::Retry;
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
    if resp.status() == 101 && !(cx.req.conn_upgrade() && resp.conn_upgrade()) {
        return failed(cx, Fail::Junk, interim);
    }
    cx.dx.awaiting_response.set(false);
    // `http-response` rules: the backend's, then the frontend's (a `listen` runs its
    // own once). An answer of theirs replaces the server's response.
    if let Some(rr) = &cx.rules {
        if let Some(end) = response_rules(cx, rr, resp) {
            return end;
        }
    }
    super::cookie::response(cx.be, cx.persist, cx.server, method, resp);
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
        let req10 = cx.req.version() == Version::Http10;
        if let Some(w) = relayed_conn_word(!client_keep, req10, resp10) {
            h.append(b"connection", w);
        }
    }
    out.clear();
    write_response(resp, out, cx.case);
    if tunnel {
        if write_all(cx.cli, out, cx.fe.timeouts.client).await.is_err() {
            return RespEnd::Broken;
        }
        sbuf.drain(..head_len);
        return RespEnd::Tunnel;
    }
    let pipe = Pipe::downstream(cx.srv, cx.be, cx.cli, cx.fe, cx.bufsize);
    match forward(kind, &pipe, sbuf, head_len, out, &cx.opts).await {
        Ok(n) => {
            add(&cx.fe.counters.bytes_out, n);
            add(&cx.be.counters.bytes_out, n);
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
            inc(&cx.be.counters.eresp);
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

/// Runs the `http-response` rules; `Some` when one ends the response with an answer of
/// the proxy's (its status: the reply's, 500 for a failed rewrite, 502 otherwise).
fn response_rules(cx: &RespCx<'_>, rr: &RespRules<'_>, resp: &mut ResponseHead) -> Option<RespEnd> {
    use super::actions::{run_response, Cx, Outcome};
    rr.vars.start_response();
    // The backend's `tcp-response content` rules run first (HAProxy's `AN_RES_INSPECT`).
    let tcp = crate::tcp_rules::http_response(cx.fe, cx.be, rr.env, rr.vars, cx.req, resp);
    if tcp != crate::tcp_rules::Decision::Continue {
        return Some(RespEnd::Broken);
    }
    let sets: [(
        &crate::state::HttpRules,
        &[rampart_rules::acl::Acl],
        &std::sync::atomic::AtomicU64,
    ); 2] = [
        (
            &cx.be.http.rules,
            &cx.be.acls,
            &cx.be.counters.failed_rewrites,
        ),
        (
            &cx.fe.http.rules,
            &cx.fe.acls,
            &cx.fe.counters.failed_rewrites,
        ),
    ];
    for (i, (rules, acls, failed)) in sets.into_iter().enumerate() {
        // A `listen` section's rules are the same list on both sides: run them once.
        if i == 1
            && cx
                .fe
                .own_backend
                .is_some_and(|b| std::ptr::eq(&cx.rt.backends[b], cx.be))
        {
            break;
        }
        if rules.res.is_empty() {
            continue;
        }
        let acls = crate::env::Rules::new(acls, cx.bufsize);
        let mut scratch = rr.env.w.scratch.borrow_mut();
        let mut acx = Cx {
            acls: &acls,
            env: rr.env,
            vars: rr.vars,
            scratch: &mut scratch,
            failed_rewrites: failed,
        };
        match run_response(&rules.res, &mut acx, cx.req, resp) {
            Outcome::Continue => {}
            Outcome::Close => return Some(RespEnd::Broken),
            Outcome::Status(st) => return Some(RespEnd::Error(st, Fail::Body)),
            Outcome::Reply { reply, .. } => return Some(RespEnd::Error(reply.status, Fail::Body)),
            Outcome::Redirect { rule, .. } => return Some(RespEnd::Error(rule.code, Fail::Body)),
            Outcome::Auth(_) => return Some(RespEnd::Error(401, Fail::Body)),
        }
    }
    None
}

/// The response head could not be had: a retry when `retry-on` names the failure and
/// the stream may retry, else HAProxy's 502 or 504 (counted, and seen by `observe`).
fn failed(cx: &RespCx<'_>, fail: Fail, interim: bool) -> RespEnd {
    // An invalid response is counted (and seen by `observe`) even when it is retried,
    // as HAProxy's `return_bad_res` does; the other failures only when they are not.
    let junk = fail == Fail::Junk;
    if junk {
        inc(&cx.be.counters.eresp);
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
        inc(&cx.be.counters.eresp);
    }
    RespEnd::Error(502, fail)
}

/// Reads a response head; `Err(Timeout)` when `timeout server` passes without activity
/// on the server connection, `Err(Junk)` when the head is invalid or incomplete when the
/// server closed, `Err(Closed | ReadError)` when nothing came.
async fn read_head(
    cx: &RespCx<'_>,
    resp: &mut ResponseHead,
    sbuf: &mut Vec<u8>,
) -> Result<usize, Fail> {
    resp.clear();
    let timeout = cx.be.timeouts.server;
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
fn capture(cx: &RespCx<'_>, sbuf: &[u8], e: ParseError, in_body: bool) {
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
