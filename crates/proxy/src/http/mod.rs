//! `mode http` sessions over HTTP/1.x (configuration manual 4 "Proxies", 4.2 `option
//! http-keep-alive|http-server-close|httpclose`, `option forwardfor|originalto`,
//! `option http-buffer-request|abortonclose|http-ignore-probes`, `option
//! h1-case-adjust-bogus-client|server`, `timeout http-request|http-keep-alive`;
//! HAProxy's H1 mux and stream analysers).
//!
//! One client connection runs a loop of streams (request/response exchanges):
//!
//! 1. wait for a request head under `timeout http-keep-alive` (idle)
//!    then `timeout http-request`; parse and validate it with [`rampart_h1`]; an invalid
//!    request gets HAProxy's 400 page, a timeout its 408;
//! 2. frontend `http-request` rules ([`request`], [`actions`]): a `return` answers
//!    directly ([`answer`], where `http-after-response` rules apply to the proxy's own
//!    responses); `use_backend` ([`rules`]), the backend's rules; with `option
//!    http-buffer-request` the body is awaited before going on ([`buffer`]);
//! 3. pick the backend, reuse the session's server connection or open one
//!    ([`crate::upstream`]); failures give 503;
//! 4. send the head (lower-case names, `x-forwarded-for`...) and stream the body
//!    ([`body`]) through the connection's bounded buffers while, at the same time,
//!    ([`response`]) the response head is read under `timeout server` (504) and
//!    validated (502), interim responses (`100 Continue`) are relayed, and the response
//!    is sent and its body streamed; `101` and successful `CONNECT` become a tunnel
//!    ([`crate::tunnel`]). An early response reaches the client while the request body
//!    still arrives, as with HAProxy. An answer that `retry-on` names sends a request
//!    kept whole again, possibly to another server ([`retry`]);
//! 5. after a generated page (502, 503, 504) the connection stays open when the request
//!    was complete, as HAProxy's H1 layer keeps it;
//! 6. decide what survives: keep-alive on the client side, the server connection kept
//!    for the next request of the session (`http-reuse safe`).
//!
//! Buffers are taken from the thread's pool only while data is in flight, so an idle
//! keep-alive connection holds none.

mod actions;
mod answer;
mod body;
mod buffer;
pub(crate) mod cookie;
mod exchange;
mod io;
mod log;
mod outgoing;
pub(crate) mod persist;
mod reply;
mod request;
mod response;
mod retry;
pub(crate) mod rules;
mod splicing;
mod stats_page;

use crate::idle;
use crate::logs;
use crate::state::{dec, inc, Frontend};
use crate::worker::{Live, WorkerCx};
use rampart_h1::{ParseOpts, RequestHead, ResponseHead};
use rampart_model::proxy::options::HttpConnMode;
use rampart_net::{Conn, ConnAddrs};
use std::rc::Rc;

/// A server connection (kept between the streams of a session with `http-reuse never`).
pub(crate) use crate::pool::ServerConn;

/// A request and a response head, and what the rules set on the stream, lent to a
/// stream by the thread's pool: parsing reuses their storage, and an idle connection
/// holds none.
#[derive(Default)]
pub struct Heads {
    pub req: RequestHead,
    pub resp: ResponseHead,
    pub fx: crate::env::StreamFx,
}

/// The frontend of a session, reached through the worker's runtime: a session owns its
/// handles, so its future borrows nothing and can be the task itself.
pub(crate) struct FeRef {
    w: Rc<WorkerCx>,
    pub i: usize,
    /// The listener that accepted the connection (index in the frontend's).
    pub li: usize,
}

impl FeRef {
    /// Counts `ev` on the frontend and on the session's listener.
    #[inline]
    pub fn count(&self, ev: crate::stats::Ev) {
        crate::stats::event(self, self.li, ev);
    }
}

impl std::ops::Deref for FeRef {
    type Target = Frontend;
    fn deref(&self) -> &Frontend {
        self.w.frontend(self.i)
    }
}

/// The state of one client connection in HTTP mode. It is the spawned task's only
/// large value: everything a stream needs beyond it (heads, buffers, the stream's state
/// machine) is lent or allocated per request.
pub(crate) struct Session {
    pub w: Rc<WorkerCx>,
    pub fe: FeRef,
    pub cli: Conn,
    pub addrs: ConnAddrs,
    /// The connection's own addresses when `tcp-request session` rules changed the
    /// session's (`fc_src`, `fc_dst` read them).
    pub fc: Option<ConnAddrs>,
    /// The AUTHORITY TLV the client's PROXY header carried.
    pub authority: Option<Box<[u8]>>,
    /// What the client's PROXY header carried, for the streams' sample fetches.
    pub pp: Option<Rc<crate::handshake::PpTlvs>>,
    /// Client input buffer (from the thread pool while in use) and its filled length.
    pub rbuf: Vec<u8>,
    /// The session's own server connection (`http-reuse never`).
    pub srv: Option<Box<ServerConn>>,
    /// Requests served on this connection so far.
    pub served: u32,
    /// The session's variables, once a rule needed them.
    pub vars: Option<Box<rampart_rules::vars::StreamVars>>,
    /// The next stream goes on with a `mode tcp` stream that `switch-mode http` turned
    /// into this session: its `tcp-request content` rules ran, its variables stay.
    pub upgraded: bool,
    /// What the `mode tcp` stream's rules set, for the stream that goes on.
    pub carried_fx: Option<Box<crate::env::StreamFx>>,
    pub req_opts: ParseOpts,
    /// When the current stream started (the accept, then the end of the previous
    /// stream) and the handshake time of the first one, for the logs.
    pub since: std::time::Instant,
    pub t_handshake: u32,
    /// The thread's session count and the `maxconn` slots, released with the session.
    _live: Live,
}

/// Runs one HTTP-mode session to its end. The session is built before anything is
/// awaited and moved into its own future, so the task holds one copy of it.
pub fn session(
    live: Live,
    fe: usize,
    li: usize,
    cli: Conn,
    peer: ConnAddrs,
) -> impl std::future::Future<Output = ()> {
    let addrs = cli.accepted_addrs(peer);
    Session::new(live, fe, li, cli, addrs).serve()
}

/// What a `mode tcp` stream hands to the HTTP session a `switch-mode http` turns it
/// into: the PROXY header's AUTHORITY, the bytes read so far (a buffer of the thread's
/// pool), the variables, and what its rules set on the stream (captures, priority, log
/// level...), which HAProxy keeps since the stream goes on.
pub(crate) struct Carried {
    pub authority: Option<Box<[u8]>>,
    pub pp: Option<Rc<crate::handshake::PpTlvs>>,
    pub pending: Vec<u8>,
    pub vars: Box<rampart_rules::vars::StreamVars>,
    pub fx: Box<crate::env::StreamFx>,
    /// The connection's own addresses (before `tcp-request session` rules).
    pub conn: ConnAddrs,
}

/// Goes on in HTTP with a `mode tcp` connection a `tcp-request content switch-mode
/// http` rule turned (HAProxy's `stream_set_http_mode`): its handshake and rules are
/// done; the rest of its state comes in `carried`.
pub(crate) fn upgrade(
    live: Live,
    (fe, li): (usize, usize),
    cli: Conn,
    addrs: ConnAddrs,
    carried: Carried,
) -> impl std::future::Future<Output = ()> {
    let mut s = Session::new(live, fe, li, cli, addrs);
    s.authority = carried.authority;
    s.pp = carried.pp;
    s.rbuf = carried.pending;
    s.vars = Some(carried.vars);
    s.carried_fx = Some(carried.fx);
    s.fc = (carried.conn != s.addrs).then_some(carried.conn);
    s.upgraded = true;
    async move {
        s.fe.counters.enter();
        s.run().await;
        s.end();
    }
}

impl Session {
    fn new(live: Live, fe: usize, li: usize, cli: Conn, addrs: ConnAddrs) -> Session {
        let w = live.w.clone();
        let rt = &w.rt;
        let f = w.frontend(fe);
        let req_opts = ParseOpts {
            max_head: rt.bufsize.saturating_sub(rt.maxrewrite),
            max_headers: rt.max_http_hdr,
            accept_invalid: f.http.accept_invalid,
            ..ParseOpts::default()
        };
        Session {
            fe: FeRef {
                w: w.clone(),
                i: fe,
                li,
            },
            addrs,
            fc: None,
            cli,
            authority: None,
            pp: None,
            rbuf: Vec::new(),
            srv: None,
            served: 0,
            vars: None,
            upgraded: false,
            carried_fx: None,
            req_opts,
            since: std::time::Instant::now(),
            t_handshake: 0,
            _live: live,
            w,
        }
    }

    /// Gives the session's buffer back and uncounts it.
    fn end(&mut self) {
        let rbuf = std::mem::take(&mut self.rbuf);
        if rbuf.capacity() > 0 {
            self.w.put_buf(rbuf);
        }
        dec(&self.fe.counters.scur);
    }
}

impl Session {
    /// An `async move` block rather than an `async fn`: the block uses the captured
    /// session in place, where an `async fn` would keep a second copy of its argument.
    #[allow(clippy::manual_async_fn)]
    fn serve(mut self) -> impl std::future::Future<Output = ()> {
        async move {
            self.fe.counters.enter();
            // `tcp-request connection` rules, before any handshake; they and the
            // session rules may set session variables.
            let t = &self.fe.tcp;
            if !(t.conn.is_empty() && t.sess.is_empty()) {
                self.vars = Some(Box::default());
            }
            let mut expect_proxy = self
                .fe
                .listeners
                .get(self.fe.li)
                .is_some_and(|l| l.accept_proxy);
            if let Some(vars) = self.vars.as_deref() {
                let (w, fe) = (&self.w, self.fe.i);
                let ok = crate::tcp_rules::on_connection(
                    w,
                    (fe, self.fe.li),
                    &self.cli,
                    &mut self.addrs,
                    vars,
                    &mut expect_proxy,
                );
                if !ok {
                    dec(&self.fe.counters.scur);
                    return;
                }
            }
            let conn = self.addrs;
            if expect_proxy {
                // Boxed: its state would otherwise weigh on every session's future.
                let t = &self.fe.timeouts;
                let timeout = t.http_request.or(t.client);
                let peer = self.addrs;
                let hs = crate::handshake::accept(&self.cli, peer, true, timeout);
                match Box::pin(hs).await {
                    Some(acc) => {
                        self.addrs = acc.addrs;
                        self.authority = acc.authority;
                        self.pp = acc.pp;
                        if !acc.pending.is_empty() {
                            self.rbuf = self.w.get_buf();
                            self.rbuf.extend_from_slice(&acc.pending);
                        }
                    }
                    None => {
                        self.end();
                        return;
                    }
                }
            }
            if let Some(vars) = self.vars.as_deref() {
                let (w, fe) = (&self.w, self.fe.i);
                if !crate::tcp_rules::on_session(
                    w,
                    (fe, self.fe.li),
                    &self.cli,
                    &mut self.addrs,
                    vars,
                ) {
                    self.end();
                    return;
                }
            }
            // The connection keeps its own addresses (`fc_src`...): a PROXY header and
            // the session rules set the session's (HAProxy 2.5 and later).
            self.fc = (conn != self.addrs).then_some(conn);
            inc(&self.fe.counters.stot);
            if self.fe.log.on() {
                self.t_handshake = self.since.elapsed().as_millis().min(u32::MAX as u128) as u32;
            }
            self.run().await;
            self.end();
        }
    }
}

/// What to do after a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Wait for the next request on the same connection.
    KeepAlive,
    /// Close the client connection.
    Close,
}

impl Session {
    async fn run(&mut self) {
        loop {
            // Idle: wait for the first byte here, in this small future; the stream's
            // much larger state machine is allocated only while a request is in flight,
            // so an idle connection costs little more than its socket.
            if self.rbuf.is_empty() && !self.wait_request().await {
                return;
            }
            // The heads come from the thread's pool for the stream only.
            let mut heads = self.w.take_heads();
            let next = Box::pin(self.stream(&mut heads)).await;
            self.w.put_heads(heads);
            match next {
                Next::KeepAlive => {
                    self.served += 1;
                    if self.w.ctl.is_stopping() {
                        return;
                    }
                    // Between requests the connection holds no buffer unless a
                    // pipelined request is already there.
                    if self.rbuf.is_empty() && self.rbuf.capacity() > 0 {
                        let b = std::mem::take(&mut self.rbuf);
                        self.w.put_buf(b);
                    }
                }
                Next::Close => return,
            }
        }
    }

    /// Waits for the next request's first bytes without holding a buffer, then reads
    /// them into one from the thread's pool. Readiness may be assumed (a socket fresh
    /// from `accept` is reported readable before any event) or stale, so a read that
    /// finds nothing gives the buffer back and waits again. `false`: the session ends
    /// (closed, timed out, stopping), after HAProxy's 408 or 400 where due.
    async fn wait_request(&mut self) -> bool {
        let t = &self.fe.timeouts;
        let req_timeout = t.http_request.or(t.client);
        let idle = if self.served > 0 {
            t.http_keep_alive.or(req_timeout)
        } else {
            req_timeout
        };
        let until = io::deadline(idle);
        loop {
            match idle::wait_readable(&self.w.waiting, &self.cli, until, self.served > 0).await {
                Ok(()) => {}
                // A first connection that says nothing gets HAProxy's 408, unless
                // `option http-ignore-probes`.
                Err(idle::IdleEnd::Timeout) if !self.probe_like() => {
                    self.log_early(logs::SessionFail::Timeout, false);
                    Box::pin(self.probe_error(408)).await;
                    return false;
                }
                Err(_) => return false,
            }
            let mut buf = self.w.get_buf();
            match self.cli.try_read_buf(&mut buf) {
                Ok(n) if n > 0 => {
                    self.rbuf = buf;
                    return true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => self.w.put_buf(buf),
                Ok(_) => {
                    self.w.put_buf(buf);
                    // Closed without a byte: a 400 as HAProxy's H1 layer sends it (the
                    // client may only have shut its side), unless a probe.
                    if !self.probe_like() {
                        self.log_early(logs::SessionFail::Closed, false);
                        Box::pin(self.probe_error(400)).await;
                    }
                    return false;
                }
                Err(_) => {
                    self.w.put_buf(buf);
                    return false;
                }
            }
        }
    }

    /// Logs a failure found while no stream runs (HAProxy's H1 layer logs it).
    fn log_early(&mut self, why: logs::SessionFail, received: bool) {
        if self.fe.log.on() {
            let mut heads = self.w.take_heads();
            heads.fx.log.on = false;
            self.log_failure(&mut heads, why, received);
            self.w.put_heads(heads);
        }
    }

    /// The connection mode in force for a backend: the most restrictive of the
    /// frontend's and the backend's (`httpclose` > `http-server-close` > keep-alive).
    pub fn conn_mode(&self, be: Option<usize>) -> HttpConnMode {
        let b = be
            .and_then(|i| self.w.rt.backends.get(i))
            .map_or(HttpConnMode::KeepAlive, |b| b.http.conn_mode);
        let f = self.fe.http.conn_mode;
        use HttpConnMode::*;
        match (f, b) {
            (Close, _) | (_, Close) => Close,
            (ServerClose, _) | (_, ServerClose) => ServerClose,
            _ => KeepAlive,
        }
    }
}
