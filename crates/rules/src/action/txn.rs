//! What executing an action borrows ([`Txn`]) and what it answers ([`Verdict`],
//! [`Effect`]). The orchestrator lends the stream's heads, buffered data and variables
//! for one rule; the action reads them through a [`Stream`] view, renders what it needs
//! into the reusable [`Scratch`] buffers, then edits the heads in place.

use super::misc::{CaptureSlot, LogLevel, TimeoutKind};
use super::redirect::Redirect;
use crate::conv::Cx;
use crate::logfmt::LogFormat;
use crate::reply::Reply;
use crate::stream::{Dir, Env, Stream};
use crate::vars::StreamVars;
use rampart_h1::{RequestHead, ResponseHead};
use std::net::SocketAddr;

/// The evaluation view of a transaction, built from its fields so that the scratch
/// buffers stay free to write while it is alive.
macro_rules! stream_of {
    ($tx:expr) => {
        $crate::stream::Stream {
            env: $tx.env,
            req: $tx.req.as_deref(),
            res: $tx.res.as_deref(),
            req_data: $tx.req_data,
            res_data: $tx.res_data,
            req_complete: $tx.req_complete,
            dir: $tx.dir,
            vars: Some($tx.vars),
        }
    };
}
pub(crate) use stream_of;

/// Buffers an action renders into, kept by the caller across rules and requests so
/// that steady-state execution does not allocate. After a verdict that carries a
/// value (a redirect's location, a capture, an early hint), the value is `out`.
#[derive(Debug, Default)]
pub struct Scratch {
    pub out: Vec<u8>,
    pub tmp: Vec<u8>,
    pub aux: Vec<u8>,
}

/// The transaction as one action sees it.
pub struct Txn<'t> {
    pub env: &'t dyn Env,
    /// The request head (`None` once it is gone, as after the request was forwarded).
    pub req: Option<&'t mut RequestHead>,
    /// The response head, in response rule sets.
    pub res: Option<&'t mut ResponseHead>,
    /// The buffered request body (HTTP).
    pub req_data: &'t [u8],
    /// The buffered response body.
    pub res_data: &'t [u8],
    /// The whole request body is in `req_data`.
    pub req_complete: bool,
    /// The direction of the rule set (response rule sets read the response with
    /// `hdr()`...).
    pub dir: Dir,
    pub vars: &'t StreamVars,
    pub cx: &'t Cx,
    pub scratch: &'t mut Scratch,
    /// Rewrites failing is fatal (HAProxy's strict mode, the default): the orchestrator
    /// sets it at the start of each rule set evaluation, `strict-mode` changes it.
    pub strict: bool,
}

impl<'t> Txn<'t> {
    /// The evaluation view of the transaction.
    pub fn stream(&self) -> Stream<'_> {
        stream_of!(self)
    }

    /// Renders `lf` (HTTP mode: control characters %-encoded, missing samples empty)
    /// into `scratch.out`, cut to the buffer size as HAProxy's trash chunk cuts it.
    pub(crate) fn render(&mut self, lf: &LogFormat) {
        self.render_to(lf, false, true);
    }

    /// Renders `lf` into `scratch.out` (`tmp` false) or `scratch.tmp`, in HTTP mode or
    /// as text (`set-var-fmt`).
    pub(crate) fn render_to(&mut self, lf: &LogFormat, tmp: bool, http: bool) {
        let stream = stream_of!(self);
        let out = if tmp {
            &mut self.scratch.tmp
        } else {
            &mut self.scratch.out
        };
        out.clear();
        if http {
            lf.render_http(&stream, self.cx, out);
        } else {
            lf.render_text(&stream, self.cx, out);
        }
        out.truncate(self.cx.bufsize.saturating_sub(1));
    }

    /// The verdict of a rewrite that failed (`failed_rewrites` is counted either way).
    pub(crate) fn rewrite_failed(&self) -> Verdict<'static> {
        if self.strict {
            Verdict::Error {
                failed_rewrite: true,
            }
        } else {
            Verdict::RewriteFailed
        }
    }

    /// The HTX room left for the request head (HAProxy fails a rewrite that does not
    /// fit in the channel's buffer).
    pub(crate) fn req_fits(&self) -> bool {
        self.req
            .as_deref()
            .is_none_or(|h| htx_req_usage(h, self.req_data.len()) <= htx_room(self.cx.bufsize))
    }

    pub(crate) fn res_fits(&self) -> bool {
        self.res
            .as_deref()
            .is_none_or(|h| htx_res_usage(h, self.res_data.len()) <= htx_room(self.cx.bufsize))
    }
}

/// What the orchestrator does after an action.
#[derive(Debug)]
pub enum Verdict<'r> {
    /// Go on with the next rule.
    Continue,
    /// A rewrite failed with `strict-mode off`: count `failed_rewrites` (frontend,
    /// backend, listener, server) and go on.
    RewriteFailed,
    /// HAProxy's `ACT_RET_ERR`: the evaluation stops with an internal error (a 500 with
    /// termination flags `PR` on a failed rewrite: `failed_rewrite` says to count it).
    Error { failed_rewrite: bool },
    /// HAProxy's `ACT_RET_INV`: a 400 on the request side, a 502 on the response side
    /// (`normalize-uri ... strict` on an invalid sequence).
    BadRequest,
    /// `allow`: stop evaluating this rule set.
    Stop,
    /// `deny`: answer with the reply (its status is `txn->status`); `deny_status` and
    /// the other reply arguments are in it.
    Deny(&'r Reply),
    /// `tarpit`: hold the connection for `timeout tarpit`, then answer with the reply.
    Tarpit(&'r Reply),
    /// `reject`: close the client connection without a response (`PR` flags, counted
    /// in `denied_req`).
    Reject,
    /// `silent-drop`: close without notifying the client (no FIN/RST when possible).
    SilentDrop,
    /// `return`: answer with the reply (render it with [`crate::reply::write_reply`]).
    Return(&'r Reply),
    /// `redirect`: answer with the redirection; the location is `scratch.out`
    /// ([`Redirect::write_response`] writes the response).
    Redirect(&'r Redirect),
    /// `auth`: answer 401 (407 with `option http-use-proxy-header` on a proxy request)
    /// with the proxy's error page and `WWW-Authenticate: Basic realm="<realm>"`; no
    /// realm: the proxy's name (the stats realm in stats rules).
    Auth { realm: Option<&'r str> },
    /// `wait-for-body`: wait up to `time_ms` for the whole body, or for `at_least`
    /// bytes of it (0: the whole body), then run this rule set again from this rule
    /// (HAProxy's yield). `time_ms` elapsed: a 408 on the request side, 504 on the
    /// response side.
    WaitForBody { time_ms: u32, at_least: u32 },
    /// `use-service`: the service answers the request (HAProxy's applet); the rule set
    /// stops.
    Service(super::misc::Service),
    /// A setting of the stream for the orchestrator to apply before going on.
    Effect(Effect<'r>),
}

/// Stream settings an action asks the orchestrator for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect<'r> {
    /// `set-src`, `set-src-port`: the client address as the stream sees it.
    SetSrc(SocketAddr),
    /// `set-dst`, `set-dst-port`.
    SetDst(SocketAddr),
    /// `set-tos`: `IP_TOS` (IPv4) or `IPV6_TCLASS` on the client socket.
    SetTos(i32),
    /// `set-mark`: `SO_MARK` on the client socket.
    SetMark(u32),
    /// `set-nice`: the stream task's nice value (-1024..=1024).
    SetNice(i32),
    /// `set-log-level`.
    SetLogLevel(LogLevel),
    /// `set-timeout`: the stream's server or tunnel timeout, in milliseconds.
    SetTimeout { which: TimeoutKind, ms: u32 },
    /// `set-priority-class` (-2047..=2047).
    SetPriorityClass(i32),
    /// `set-priority-offset` in milliseconds (-524287..=524287).
    SetPriorityOffset(i32),
    /// `capture`: store `scratch.out` (already cut to the slot's length when known)
    /// in the capture slot.
    Capture(CaptureSlot),
    /// `early-hint`: add the header `name: scratch.out` to the 103 response being
    /// built (start it first if none is pending; send it when the next rule is not an
    /// unconditional `early-hint`). Nothing is sent to HTTP/1.0 clients.
    EarlyHint { name: &'r str },
    /// `disable-l7-retry`.
    DisableL7Retry,
}

/// `sizeof(struct htx)`: the part of a buffer that is not HTX blocks.
const HTX_HEADER: usize = 48;
/// One HTX block descriptor.
const HTX_BLK: usize = 8;
/// `sizeof(struct htx_sl)` before its three strings.
const HTX_SL: usize = 20;

fn htx_room(bufsize: usize) -> usize {
    bufsize.saturating_sub(HTX_HEADER)
}

fn htx_headers(h: &rampart_h1::Headers) -> usize {
    h.iter()
        .map(|(n, v)| n.len() + v.len() + HTX_BLK)
        .sum::<usize>()
        // The end-of-headers block.
        + HTX_BLK
        + 1
}

fn htx_data(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len + HTX_BLK
    }
}

/// How many bytes of HTX a request head and `body` bytes of its body take (start line,
/// one block per header, end of headers, a data block).
pub fn htx_req_usage(h: &RequestHead, body: usize) -> usize {
    HTX_SL
        + HTX_BLK
        + h.method_bytes().len()
        + h.uri().len()
        + h.version_bytes().len().max(8)
        + htx_headers(h.headers())
        + htx_data(body)
}

/// The same for a response head.
pub fn htx_res_usage(h: &ResponseHead, body: usize) -> usize {
    HTX_SL
        + HTX_BLK
        + h.version_bytes().len().max(8)
        + 3
        + h.reason().len()
        + htx_headers(h.headers())
        + htx_data(body)
}
