//! One stream: a request and its response, in HAProxy's order (request head, frontend
//! rules, backend, server connection, then the request body and the response side by
//! side). Every early end maps to HAProxy's status: 400 invalid request, 408 request
//! timeout, 503 no server / connection failure, 504 server timeout, 502 invalid or
//! missing response; after a generated page the connection stays open when the request
//! was received completely, as HAProxy's H1 layer does.

use super::answer::Made;
use super::body::{forward, BodyErr, Duplex, Pipe};
use super::io::{deadline, read_some, write_all, ReadErr};
use super::response::{self, Fail, RespCx, RespEnd};
use super::{persist, rules, Heads, Next, Session};
use crate::kill::Why;
use crate::pool;
use crate::retry::{Retries, RetryOn};
use crate::snapshot::Capture;
use crate::state::Frontend;
use crate::state::{inc, Backend};
use crate::stats::Ev;
use crate::tunnel;
use crate::upstream::{proxy_header, take_slot, take_slot_on};
use rampart_h1::{
    parse_request, write_request, BodyKind, CaseMap, ErrorKind, ParseError, ParseOpts, Parsed,
};
use rampart_model::proxy::errors::ErrorReply;
use rampart_model::proxy::options::HttpConnMode;
use rampart_rules::logfmt::{FinState, TermErr};
use std::future::Future;
use std::rc::Rc;

/// Why no request head could be read.
enum HeadErr {
    /// Idle connection closed, timed out or stopped before any byte: close silently.
    Quiet,
    /// Timeout with a partial request: 408.
    Timeout,
    /// Invalid request: 400 (or the status of the error), counted.
    Invalid(u16),
    /// The client went away mid-request.
    Aborted,
}

/// How the two directions of a stream ended (`None`: abandoned before its end).
struct Ends<'r> {
    req: Option<Result<u64, BodyErr>>,
    resp: Option<RespEnd<'r>>,
    /// The client closed its side while the response was awaited (`abortonclose`).
    client_gone: bool,
    /// The server's streams were shut down (`on-marked-down`, `on-marked-up`).
    killed: Option<Why>,
}

impl Session {
    /// Runs one request/response exchange.
    pub(super) async fn stream(&mut self, h: &mut Heads) -> Next {
        h.fx.reset();
        if let Some(mut fx) = self.carried_fx.take() {
            // The stream a `switch-mode http` goes on with keeps what its rules set.
            std::mem::swap(&mut h.fx, &mut fx);
            h.fx.buffered_head = None;
            h.fx.body_cap = None;
        }
        h.fx.fc = self.fc;
        h.fx.pp.clone_from(&self.pp);
        let on = self.fe.log.on();
        h.fx.log.on = on;
        h.fx.log.has_uri = false;
        if on {
            h.fx.log.begin(self.since, i64::from(self.t_handshake));
            // HAProxy's transaction status until a response is known.
            h.fx.log.rec.status = -1;
            crate::logs::connect_line(&self.w, self.fe.i, self.fe.li, &self.addrs);
        } else {
            h.fx.log.begin_quiet(self.since);
        }
        h.fx.log.counted_be = None;
        if crate::debug::on() {
            let li = self.fe.listeners.get(self.fe.li).map_or(0, |l| l.id);
            let id = h.fx.log.rec.uniq_id;
            crate::debug::accept(id, &self.fe.name, li, self.cli.raw_fd(), &self.addrs);
        }
        let next = self.exchange(h).await;
        if crate::debug::on() {
            crate::debug::closed(h.fx.log.rec.uniq_id, &self.fe.name, self.cli.raw_fd());
        }
        // The backend stops counting the stream before its line (`%bc`).
        if let Some(be) = h.fx.log.counted_be.and_then(|b| self.w.rt.backends.get(b)) {
            crate::state::dec(&be.counters.scur);
        }
        if h.fx.log.has_uri {
            crate::stats::stream_end(&self.w.rt, (self.fe.i, self.fe.li), &h.fx.log, true);
        }
        if on {
            self.log_stream(h);
        }
        // The next stream of the connection starts now (HAProxy resets the session's
        // accept date when a stream ends).
        self.since = std::time::Instant::now();
        self.t_handshake = 0;

        // `set-src`, `set-dst`: the stream's view of the addresses ends with it.
        if let Some(a) = h.fx.conn.take() {
            self.addrs = a;
        }
        next
    }

    async fn exchange(&mut self, h: &mut Heads) -> Next {
        // The runtime through a handle of the stream's own, so that the frontend and the
        // backend can be borrowed while the session changes.
        let w = Rc::clone(&self.w);
        let fe = w.frontend(self.fe.i);
        let head_len = match self.read_request(h).await {
            Ok(n) => n,
            Err(e) => return self.request_failed(h, e).await,
        };
        h.fx.log
            .request_head(h.req.method_bytes(), h.req.uri(), h.req.version_bytes());
        fe.counters.traffic.request();
        if crate::debug::on() {
            crate::debug::request(h.fx.log.rec.uniq_id, &fe.name, self.cli.raw_fd(), &h.req);
        }
        // What the request counts (logs and statistics alike), head included.
        h.fx.log.rec.bytes_in = crate::logs::htx_req(&h.req);
        if h.fx.log.on {
            if let Some((name, len)) = &fe.log.cookie_cap {
                h.fx.log.rec.cli_cookie =
                    super::cookie::capture(h.req.headers(), false, name, *len);
            }
        }
        h.fx.log.has_unique_id = false;
        self.unique_id(h);
        h.fx.buffered_head = Some(head_len);
        // `monitor-uri`: 200, or 503 when a `monitor fail` condition holds.
        if let Some(m) = fe.monitor_uri.as_deref() {
            let uri = h.req.uri();
            if (m.first() == Some(&b'/') && rampart_h1::uri::path_of(uri) == m) || uri == m {
                let env = self.env_for(None, None);
                let fe_acls = crate::env::Rules::new(&fe.acls, w.rt.bufsize);
                let data = self.rbuf.get(head_len..).unwrap_or_default();
                let fail = fe
                    .monitor_fail
                    .iter()
                    .any(|c| fe_acls.holds(Some(c), &env, Some(&h.req), data));
                let status = if fail { 503 } else { 200 };
                h.fx.log.term(TermErr::Local, FinState::Request);
                inc(&fe.counters.traffic.intercepted);
                return self.answer_before_server(h, status, head_len, None).await;
            }
        }
        // The session's variables: kept across its streams once a rule may use them.
        if w.rt.any_rules && self.vars.is_none() {
            self.vars = Some(Box::default());
        }
        // The stream a `switch-mode http` continues keeps its transaction, and its
        // `tcp-request content` rules ran already.
        let upgraded = std::mem::take(&mut self.upgraded);
        if let Some(v) = self.vars.as_deref() {
            if !upgraded {
                v.new_transaction();
                let data = self.rbuf.get(head_len..).unwrap_or_default();
                let d = crate::tcp_rules::http_content(
                    &w,
                    (self.fe.i, self.fe.li),
                    None,
                    &mut self.addrs,
                    self.fc,
                    self.served == 0,
                    v,
                    &mut h.req,
                    data,
                    &mut h.fx,
                    &self.cli,
                );
                if d != crate::tcp_rules::Decision::Continue {
                    return crate::tcp_rules::http_refused(&self.cli, d);
                }
            }
        }
        // `option http-buffer-request` in the frontend: the body first, then the rules.
        if fe.http.buffer_request {
            let t = fe.timeouts.http_request;
            if let Err(next) = self.wait_for_body(h, head_len, None, t, 0).await {
                return next;
            }
        }
        // Frontend rules, then the backend (`use_backend`, `default_backend`) and its own
        // rules (a `listen` has one set, run once).
        if let Some(next) = self.request_rules(h, head_len, None).await {
            return next;
        }
        // The frontend's statistics page (`stats uri`).
        if let Some(next) = self.stats_page(h, head_len, None).await {
            return next;
        }
        let chosen = {
            let env = self.env_for(None, Some(&h.fx));
            let fe_acls = crate::env::Rules::new(&fe.acls, w.rt.bufsize);
            let data = self.rbuf.get(head_len..).unwrap_or_default();
            rules::switch(&fe.switching, &fe_acls, &env, Some(&h.req), data)
        };
        let Some(bi) = chosen.or(fe.default_backend) else {
            h.fx.log.term(TermErr::SrvClosed, FinState::Connect);
            return self.answer_before_server(h, 503, head_len, None).await;
        };
        h.fx.log.be = Some(bi);
        let be = &w.rt.backends[bi];
        // An HTTP stream cannot go on in a `mode tcp` backend (a `switch-mode http`
        // frontend's, or a dynamic name's): HAProxy closes without a response.
        if be.mode != rampart_model::proxy::Mode::Http {
            return Next::Close;
        }
        // The backend's `option http-buffer-request` waits before its rules.
        if be.http.buffer_request && !fe.http.buffer_request {
            let t = be.timeouts.http_request;
            if let Err(next) = self.wait_for_body(h, head_len, Some(bi), t, 0).await {
                return next;
            }
        }
        if Some(bi) != fe.own_backend {
            // The backend's `tcp-request content` rules (their `set-src`/`set-dst` last
            // for the rule set only).
            if let Some(v) = self.vars.as_deref() {
                let mut addrs = self.addrs;
                let data = self.rbuf.get(head_len..).unwrap_or_default();
                let d = crate::tcp_rules::http_content(
                    &w,
                    (self.fe.i, self.fe.li),
                    Some(bi),
                    &mut addrs,
                    self.fc,
                    self.served == 0,
                    v,
                    &mut h.req,
                    data,
                    &mut h.fx,
                    &self.cli,
                );
                if d != crate::tcp_rules::Decision::Continue {
                    return crate::tcp_rules::http_refused(&self.cli, d);
                }
            }
            if let Some(next) = self.request_rules(h, head_len, Some(bi)).await {
                return next;
            }
            // The backend's statistics page.
            if let Some(next) = self.stats_page(h, head_len, Some(bi)).await {
                return next;
            }
        }
        let mode = self.conn_mode(Some(bi));
        inc(&be.counters.stot);
        // The backend counts the stream until it ends (`beconn`, `%bc`).
        be.counters.enter();
        be.counters.traffic.session();
        h.fx.log.counted_be = Some(bi);
        h.fx.log.request_done();

        // Persistence (`use-server`, the cookie) may choose the server; a `redir`
        // server answers with a redirection instead.
        let persist = {
            let env = self.env_for(Some(bi), Some(&h.fx));
            let data = self.rbuf.get(head_len..).unwrap_or_default();
            persist::request(be, &mut h.req, &env, data)
        };
        if be.persist.as_deref().is_some_and(|p| p.cookie.is_some()) {
            h.fx.log.rec.cookie = Some(super::cookie::tsc_chars(persist.ck, 0));
        }
        if let Some(prefix) = persist
            .server
            .and_then(|i| persist::redirect(be, i, &h.req))
        {
            return self
                .answer(h, Made::ServerRedirect(prefix), false, Some(bi))
                .await;
        }
        // From here on, what `set-src` and `set-dst` made of the addresses is what the
        // balancing, the server's PROXY header and `option forwardfor` see.
        if let Some(a) = h.fx.addrs.take() {
            h.fx.conn = Some(std::mem::replace(&mut self.addrs, a));
        }
        let redirected = std::cell::Cell::new(None);
        // The stream has its server slot (it no longer waits in a queue).
        let slotted = std::cell::Cell::new(false);
        // Why no connection could be made, for the log.
        let failed = std::cell::Cell::new(None);

        // A slot on a server (`maxconn`, queue) for the whole exchange, then a connection
        // to it: the session's own, an idle one (`http-reuse`) or a new one.
        let not_first = self.served > 0;
        // The balancing algorithm chooses only when neither persistence nor a private
        // connection's server decided, reading the request and what came of its body.
        let private = self
            .srv
            .as_ref()
            .is_some_and(|c| c.private && c.backend == bi);
        let choice = (!private && persist.server.is_none()).then(|| {
            let req = crate::lb::Request {
                head: &h.req,
                after_head: self.rbuf.get(head_len..).unwrap_or_default(),
            };
            crate::upstream::choose(be, &crate::lb::input(&self.addrs, &req))
        });
        // `url_param` may find its key in the body of a POST, which `rbuf` holds but
        // lends to the watch on the client while the connection is set up: a copy (in
        // a pooled buffer, for that algorithm only) serves a second choice.
        let body_key = (be.balance.reads_body() && h.req.method() == rampart_h1::Method::Post)
            .then(|| {
                let mut b = self.w.get_buf();
                b.extend_from_slice(self.rbuf.get(head_len..).unwrap_or_default());
                b
            });
        // `set-priority-class` / `set-priority-offset`: the stream's place in the queues.
        let prio = crate::queue::Priority {
            class: h.fx.prio_class,
            offset: h.fx.prio_offset,
        };
        // The unique id goes with the connection's PROXY header; it is lent out of the
        // log, which the connection phase updates, and put back after it.
        let uid = std::mem::take(&mut h.fx.log.unique_id);
        let got = {
            let Session {
                w,
                srv: own,
                addrs,
                authority,
                cli,
                rbuf,
                ..
            } = &mut *self;
            let client = pool::Client {
                addrs,
                authority: authority.as_deref(),
                unique_id: h.fx.log.has_unique_id.then_some(&uid[..]),
            };
            // A private connection (connection-based authentication) brings its
            // session's next requests back to its server (HAProxy's prefer-last).
            let last = own.as_ref().filter(|c| c.private && c.backend == bi);
            let prefer = last.map(|c| c.server);
            let req = &h.req;
            let lg = &mut h.fx.log;
            let failed = &failed;
            // Where the queues report the stream's positions: its own cell when it
            // logs, else the thread's scratch cell (no allocation per request).
            let qpos = if lg.on {
                Rc::new(std::cell::Cell::new(crate::queue::QueuePos::default()))
            } else {
                crate::queue::scratch_positions()
            };
            let qpos2 = qpos.clone();
            let connect = crate::queue::PRIORITY.scope(prio, async {
                // A persisted server whose queue is full, a server that goes down while
                // the stream waits in its queue, or a retry (`option redispatch`) may
                // send the stream to the balancing again, with the same key.
                let again = crate::lb::Request {
                    head: req,
                    after_head: body_key.as_deref().unwrap_or_default(),
                };
                let input = crate::lb::input(addrs, &again);
                let balance = || crate::upstream::choose(be, &input);
                let slot = match (persist.server, prefer, choice) {
                    (Some(_), _, _) => persist::take_slot(be, &persist, balance).await,
                    (None, Some(i), _) => take_slot_on(be, i, balance).await,
                    (None, None, Some(c)) => take_slot(be, c, balance).await,
                    (None, None, None) => Err(crate::upstream::ConnectError::NoServer),
                };
                let mut slot = match slot {
                    Ok(s) => s,
                    Err(e) => {
                        use crate::upstream::ConnectError as E;
                        if matches!(e, E::QueueTimeout | E::QueueFull) {
                            lg.queued();
                        }
                        failed.set(Some(e));
                        return None;
                    }
                };
                lg.queued();
                slotted.set(true);
                lg.srv = Some(slot.server());
                if persist::redirect(be, slot.server(), req).is_some() {
                    redirected.set(Some(slot.server()));
                    return None;
                }
                let mut r = Retries {
                    direct: persist.server == Some(slot.server()),
                    force: persist.force,
                    ..Retries::new(input)
                };
                let c = pool::obtain(w, own, bi, be, &mut slot, client, not_first, &mut r).await;
                lg.rec.retries = i64::from(r.done);
                lg.rec.redispatched = r.redispatched;
                let c = match c {
                    Ok(c) => c,
                    Err(e) => {
                        lg.srv = Some(slot.server());
                        failed.set(Some(e));
                        return None;
                    }
                };
                Some((slot, c, r.rebind(Default::default())))
            });
            let connect = crate::queue::POSITIONS.scope(qpos2, connect);
            let got = if be.http.abortonclose {
                // `option abortonclose`: a client leaving while the connection is being
                // set up (or waits in the queue) abandons it. A connection that
                // completes at once wins over a close that came with the request, as
                // HAProxy's connect on a local network does.
                let bufsize = w.rt.bufsize;
                let gone = async {
                    tokio::task::yield_now().await;
                    client_gone(cli, rbuf, bufsize).await
                };
                tokio::select! {
                    biased;
                    r = connect => Some(r),
                    () = gone => None,
                }
            } else {
                Some(connect.await)
            };
            let q = qpos.get();
            h.fx.log.rec.srv_queue_pos = q.server as i64;
            h.fx.log.rec.prx_queue_pos = q.backend as i64;
            got
        };
        h.fx.log.unique_id = uid;
        if let Some(b) = body_key {
            self.w.put_buf(b);
        }
        let (mut slot, mut srv, mut tries) = match got {
            Some(Some(t)) => t,
            Some(None) => {
                if let Some(prefix) = redirected
                    .get()
                    .and_then(|i| persist::redirect(be, i, &h.req))
                {
                    h.fx.log.term(TermErr::Local, FinState::Connect);
                    return self
                        .answer(h, Made::ServerRedirect(prefix), false, Some(bi))
                        .await;
                }
                let (err, fin) = failed
                    .get()
                    .unwrap_or(crate::upstream::ConnectError::NoServer)
                    .term();
                h.fx.log.term(err, fin);
                return self.answer_before_server(h, 503, head_len, Some(bi)).await;
            }
            None => {
                // `abortonclose`: the client left while the stream waited in a queue
                // (`CQ`, with the time it waited) or while it connected (`CC`).
                if slotted.get() {
                    h.fx.log.term(TermErr::CliClosed, FinState::Connect);
                } else {
                    h.fx.log.queued();
                    h.fx.log.term(TermErr::CliClosed, FinState::Queue);
                }
                return Next::Close;
            }
        };
        h.fx.log.srv = Some(srv.server);
        self._live.target(bi, srv.server);
        if self.fe.log.srv_addrs {
            h.fx.log.connected(srv.conn.socket_addrs());
        } else {
            h.fx.log.connected((None, None));
        }

        // The request as the server receives it.
        let keep_server = mode == HttpConnMode::KeepAlive;
        self.prepare_request(h, be, keep_server);
        let mut out = self.w.get_buf();
        let server = &be.servers[srv.server];
        if srv.uses == 0 && (server.send_proxy || server.send_proxy_v2) {
            let (auth, uid) = (self.authority.as_deref(), h.fx.log.unique_id());
            proxy_header(server, &self.addrs, auth, uid, &mut out);
        }
        let proxy_len = out.len();
        let server_case = be
            .http
            .case_adjust_server
            .then_some(&self.w.rt.h1_case)
            .filter(|m| !m.is_empty());
        write_request(&h.req, &mut out, server_case);
        let mut req_kind = h.req.body_kind();
        let mut rbuf = std::mem::take(&mut self.rbuf);
        h.fx.buffered_head = None;
        let bufsize = w.rt.bufsize;
        let mut start = head_len;
        // `retry-on` beyond connection failures: a request received whole by now is
        // kept to be sent again (see `retry.rs`).
        // `disable-l7-retry` leaves only connection failures to retry.
        let kept = if h.fx.no_l7_retry {
            None
        } else {
            self.keep(be, &mut rbuf, head_len, req_kind, &mut out, proxy_len)
        };
        let kept_body = kept.as_ref().map_or(0, |k| k.body);
        if kept.is_some() {
            req_kind = BodyKind::None;
            start = 0;
        }
        let mut sbuf = self.w.get_buf();
        let mut rout = self.w.get_buf();
        // `set-timeout server` replaces the backend's for this stream.
        let server_timeout = h.fx.server_timeout(be.timeouts.server);
        let dx = Duplex::new(server_timeout.is_some());
        let client_may_keep =
            h.req.keep_alive() && mode != HttpConnMode::Close && !self.w.ctl.is_stopping();
        let client_case = client_case(&w, fe);
        // `option abortonclose`: once the request is sent, a client that leaves makes
        // the server's connection end too (what it read past the request is kept).
        let mut extra = Vec::new();
        let watch = be.http.abortonclose;

        // Both directions at once: the request body goes up while the response is read
        // (HAProxy's request and response analysers run side by side).
        let mut replay = pool::replayable(&srv, &h.req);
        let ends = loop {
            let server = &be.servers[srv.server];
            // `on-marked-down` / `on-marked-up`: the stream ends if its server's streams
            // are shut down.
            let kill = w.kills.watch(&w.rt, bi, srv.server);
            let retry = match &kept {
                Some(_) if tries.done < be.retries => be.retry_on,
                _ => RetryOn::default(),
            };
            let first = self.served == 0;
            let ends = {
                let Session {
                    cli,
                    fe,
                    req_opts,
                    addrs,
                    vars,
                    ..
                } = &mut *self;
                let renv = crate::env::StreamEnv {
                    w: &w,
                    addrs,
                    fe: fe.i,
                    li: fe.li,
                    be: Some(bi),
                    srv: Some(srv.server),
                    first,
                    http: true,
                    fx: None,
                };
                let any = |r: &crate::state::HttpRules| !r.res.is_empty() || !r.after.is_empty();
                let rules = match vars.as_deref() {
                    Some(v)
                        if any(&be.http.rules)
                            || any(&fe.http.rules)
                            || be.tcp.has(rampart_rules::action::tcp::TcpSet::Response) =>
                    {
                        Some(response::RespRules {
                            env: &renv,
                            vars: v,
                        })
                    }
                    _ => None,
                };
                // `option logasap`: the line goes once the response head is relayed.
                let logasap = (fe.log.logasap && fe.log.on()).then(|| {
                    let (w, addrs, vars) = (&w, &*addrs, vars.as_deref());
                    let (fe_i, li) = (fe.i, fe.li);
                    move |fx: &mut crate::env::StreamFx,
                          req: &rampart_h1::RequestHead,
                          res: &rampart_h1::ResponseHead| {
                        let e = crate::logs::Ended {
                            fe: fe_i,
                            li,
                            be: fx.log.be,
                            srv: fx.log.srv,
                            addrs,
                            req: Some(req),
                            res: Some(res),
                            vars,
                            first,
                        };
                        crate::logs::stream_end(w, &e, fx);
                        fx.log.on = false;
                    }
                });
                let Heads { req, resp, fx } = &mut *h;
                let mut pipe = Pipe::upstream(cli, fe, &srv.conn, be, bufsize, &dx);
                pipe.dst_timeout = server_timeout;
                let (c2s, _) = crate::splice::modes(fe.splice, be.splice);
                pipe.splice = super::splicing::Splicing::new(c2s, w.rt.pipes);
                let up = forward(req_kind, &pipe, &mut rbuf, start, &mut out, req_opts);
                let cx = RespCx {
                    rules,
                    rt: &w.rt,
                    fe,
                    be,
                    cli,
                    srv: &srv.conn,
                    opts: ParseOpts {
                        accept_invalid: be.http.accept_invalid,
                        require_host: false,
                        ..*req_opts
                    },
                    src: addrs.src,
                    server: srv.server,
                    persist: &persist,
                    server_name: &server.name,
                    client_may_keep,
                    stopping: &w.ctl.stopping,
                    server_may_keep: keep_server,
                    bufsize,
                    case: client_case,
                    dx: &dx,
                    retry,
                    server_timeout,
                    sets: response::rule_sets(&w.rt, fe.i, bi),
                    log_now: logasap.as_ref().map(|f| f as _),
                };
                let down = response::run(&cx, req, resp, &mut sbuf, &mut rout, fx);
                let extra = &mut extra;
                let gone = watch.then_some(async {
                    client_gone(cli, extra, bufsize).await;
                    srv.conn.shutdown_write();
                });
                let killed = kill.as_ref().map(|k| k.killed());
                let ends = both(up, down, gone, killed).await;
                let spliced = pipe.splice.bytes.get();
                if spliced > 0 {
                    crate::state::add(&fe.counters.h1_spliced_in, spliced);
                    crate::state::add(&be.counters.h1_spliced_out, spliced);
                }
                ends
            };
            drop(kill);
            // A reused connection closed before any response byte: the request (safe,
            // without a body) goes once more on a new connection.
            let closed_early = matches!(
                ends.resp,
                Some(RespEnd::Error(502, Fail::Closed | Fail::ReadError))
            ) && sbuf.is_empty();
            let replay_now =
                replay && closed_early && matches!(ends.req, Some(Ok(_))) && !ends.client_gone;
            let retry_now = matches!(ends.resp, Some(RespEnd::Retry)) && !ends.client_gone;
            if replay_now || retry_now {
                replay = false;
                start = 0;
                sbuf.clear();
                dx.reset();
                // The connection that failed goes first.
                drop(srv);
                let again = if retry_now {
                    let reqv = crate::lb::Request {
                        head: &h.req,
                        after_head: kept.as_ref().map_or(&[][..], |k| k.body_bytes()),
                    };
                    let uid = h.fx.log.unique_id();
                    let retry = self.l7_retry(reqv, bi, be, &mut slot, &mut tries, not_first, uid);
                    crate::queue::PRIORITY
                        .scope(prio, retry)
                        .await
                        .map(|c| (c, kept.as_ref().map_or(&[][..], |k| &k.bytes[..])))
                } else {
                    let client = pool::Client {
                        addrs: &self.addrs,
                        authority: self.authority.as_deref(),
                        unique_id: h.fx.log.unique_id(),
                    };
                    let reqv = crate::lb::Request {
                        head: &h.req,
                        after_head: &[],
                    };
                    let mut r = tries.rebind(crate::lb::input(&self.addrs, &reqv));
                    let resend =
                        pool::resend(&self.w, bi, be, &mut slot, client, &h.req, &mut out, &mut r);
                    let again = crate::queue::PRIORITY.scope(prio, resend).await;
                    tries = r.rebind(Default::default());
                    again.map(|c| (c, &[][..]))
                };
                match again {
                    Ok((s, bytes)) => {
                        srv = s;
                        if retry_now {
                            // The kept request, after a PROXY header when the new
                            // connection needs one.
                            out.clear();
                            let server = &be.servers[srv.server];
                            if srv.uses == 0 && (server.send_proxy || server.send_proxy_v2) {
                                let auth = self.authority.as_deref();
                                let uid = h.fx.log.unique_id();
                                proxy_header(server, &self.addrs, auth, uid, &mut out);
                            }
                            out.extend_from_slice(bytes);
                        }
                        continue;
                    }
                    Err(_) => {
                        self.w.put_buf(out);
                        self.w.put_buf(rout);
                        self.w.put_buf(sbuf);
                        if let Some(k) = kept {
                            self.w.put_buf(k.bytes);
                        }
                        self.rbuf = rbuf;
                        return self.answer_error(h, 503, false, Some(bi)).await;
                    }
                }
            }
            break ends;
        };
        self.w.put_buf(out);
        if let Some(k) = kept {
            self.w.put_buf(k.bytes);
        }
        self.rbuf = rbuf;
        self.rbuf.extend_from_slice(&extra);
        let req_done = matches!(ends.req, Some(Ok(_)));
        if let Some(Ok(n)) = ends.req {
            h.fx.log.rec.bytes_in += n + kept_body + u64::from(req_kind == BodyKind::Chunked);
        }
        match &ends.req {
            Some(Err(BodyErr::Src(ReadErr::Timeout))) => {
                h.fx.log.term(TermErr::CliTimeout, FinState::Data)
            }
            Some(Err(BodyErr::Src(_))) => h.fx.log.term(TermErr::CliClosed, FinState::Data),
            Some(Err(BodyErr::Dst(true))) => h.fx.log.term(TermErr::SrvTimeout, FinState::Data),
            Some(Err(BodyErr::Dst(false))) => h.fx.log.term(TermErr::SrvClosed, FinState::Data),
            _ => {}
        }
        if let Some(why) = ends.killed {
            h.fx.log.term(why.term(), FinState::Data);
        }
        // Only a relayed response leaves bytes to deliver in `rout` (after a failure it
        // may hold a head that must not go out).
        let tail = matches!(ends.resp, Some(RespEnd::Done { .. })) && !rout.is_empty();
        let next = match (ends.req, ends.resp) {
            // `on-marked-down` / `on-marked-up` shut the stream down: HAProxy's 502 when
            // nothing was relayed yet (the client connection stays when the request was
            // whole), else both connections close.
            _ if ends.killed.is_some() => {
                if dx.awaiting_response.get() {
                    let keep = req_done && client_may_keep;
                    self.answer_error(h, 502, keep, Some(bi)).await
                } else {
                    Next::Close
                }
            }
            // The client left (`abortonclose`) and the server closed without answering.
            (_, Some(RespEnd::Error(502, _))) if ends.client_gone => {
                h.fx.log.term(TermErr::CliClosed, FinState::Headers);
                self.answer_error(h, 400, false, Some(bi)).await
            }
            (_, Some(RespEnd::Error(status, fail))) => {
                let (err, fin) = fail.term();
                h.fx.log.term(err, fin);
                let keep = req_done && client_may_keep && !ends.client_gone;
                self.answer_error(h, status, keep, Some(bi)).await
            }
            // An `http-response` rule answered instead of the server.
            (_, Some(RespEnd::Answer(o))) => {
                let keep = req_done && client_may_keep && !ends.client_gone;
                self.response_outcome(h, o, keep, bi).await
            }
            (Some(Ok(_)), Some(RespEnd::Tunnel)) => {
                // 101 Switching Protocols or a successful CONNECT: from now on, bytes.
                // Bytes already read past the heads go first, in each direction.
                let mut t = tunnel::Settings::of(&w.rt, fe, be);
                t.timeouts.server = h.fx.server_timeout(t.timeouts.server);
                t.timeouts.tunnel = h.fx.tunnel_timeout(t.timeouts.tunnel);
                let run = tunnel::run(&mut self.cli, &mut srv.conn, &self.rbuf, &sbuf, &t);
                let o = match w.kills.watch(&w.rt, bi, srv.server) {
                    Some(k) => tokio::select! {
                        o = run => Some(o),
                        _ = k.killed() => None,
                    },
                    None => Some(run.await),
                };
                if let Some(o) = o {
                    h.fx.log.rec.bytes_in += o.c2s;
                    h.fx.log.rec.bytes_out += o.s2c;
                }
                self.rbuf.clear();
                Next::Close
            }
            (
                Some(Ok(_)),
                Some(RespEnd::Done {
                    client_keep,
                    server_keep,
                    private,
                }),
            ) => {
                let client_keep = client_keep && !ends.client_gone;
                if private && !srv.private {
                    srv.set_private();
                }
                // The response has ended: the server connection is released before its
                // last bytes go to the client (below), as HAProxy releases it to the
                // idle list when the response is received, not when it is delivered.
                // A private connection lives and dies with its client session.
                if server_keep && (client_keep || !srv.private) {
                    pool::put_back(&self.w, &mut self.srv, srv, be);
                } else {
                    srv.close_after_transaction();
                }
                if client_keep {
                    Next::KeepAlive
                } else {
                    Next::Close
                }
            }
            (Some(Err(BodyErr::Invalid(e))), None) => {
                // An invalid request body before any response: HAProxy's H1 layer
                // answers 400 itself.
                self.fe.count(Ev::Ereq);
                self.capture_request(e, true, Some(be));
                self.answer_raw_error(400).await
            }
            _ => Next::Close,
        };
        self.w.put_buf(sbuf);
        drop(slot);
        // What the response left unsent (`RespEnd::Done`), now that the server
        // connection and its slot are free.
        let next = if !tail {
            next
        } else {
            match write_all(&self.cli, &rout, fe.timeouts.client).await {
                Ok(()) => next,
                Err(timeout) => {
                    let err = if timeout {
                        TermErr::CliTimeout
                    } else {
                        TermErr::CliClosed
                    };
                    h.fx.log.term(err, FinState::Data);
                    Next::Close
                }
            }
        };
        self.w.put_buf(rout);
        next
    }

    /// The `h1-case-adjust` spellings for what this client receives (`option
    /// h1-case-adjust-bogus-client`), when there are some.
    pub(super) fn client_case(&self) -> Option<&CaseMap> {
        client_case(&self.w, &self.fe)
    }

    /// Keeps the client buffer as the frontend's last invalid request (`show errors`);
    /// `e.offset` is the error's position in it.
    pub(super) fn capture_request(&self, e: ParseError, in_body: bool, be: Option<&Backend>) {
        self.fe.invalid_req.capture(
            &self.rbuf,
            self.w.rt.bufsize,
            Capture {
                src: self.addrs.src,
                other_end: be.map(|b| b.name.as_str()),
                server: None,
                err_pos: e.offset,
                kind: e.kind,
                in_body,
            },
        );
    }

    /// Reads and parses the next request head; returns its length in `rbuf`. The idle
    /// wait before the first byte (`timeout http-keep-alive`, soft stop) is the session
    /// loop's; from here on `timeout http-request` bounds the whole head.
    async fn read_request(&mut self, h: &mut Heads) -> Result<usize, HeadErr> {
        let t = &self.fe.timeouts;
        let until = deadline(t.http_request.or(t.client));
        h.req.clear();
        loop {
            if !self.rbuf.is_empty() {
                match parse_request(&self.rbuf, &self.req_opts, &mut h.req) {
                    Ok(Parsed::Complete(n)) => return Ok(n),
                    Ok(Parsed::Partial) => {}
                    Err(e) => {
                        self.fe.count(Ev::Ereq);
                        self.capture_request(e, false, None);
                        return Err(HeadErr::Invalid(e.kind.status()));
                    }
                }
                if self.rbuf.len() >= self.req_opts.max_head {
                    self.fe.count(Ev::Ereq);
                    let e = ParseError {
                        kind: ErrorKind::HeadTooLarge,
                        offset: self.rbuf.len(),
                    };
                    self.capture_request(e, false, None);
                    return Err(HeadErr::Invalid(400));
                }
            }
            if self.rbuf.capacity() == 0 {
                self.rbuf = self.w.get_buf();
            }
            if self.rbuf.capacity() == self.rbuf.len() {
                self.rbuf.reserve(self.w.rt.bufsize);
            }
            match read_some(&self.cli, &mut self.rbuf, until).await {
                Ok(_) => {}
                Err(ReadErr::Timeout) => return Err(HeadErr::Timeout),
                Err(_) if self.rbuf.is_empty() => return Err(HeadErr::Quiet),
                Err(_) => return Err(HeadErr::Aborted),
            }
        }
    }

    /// Nothing but empty lines came where a request was expected, and that is no error
    /// worth a response: on a connection that already served one (waiting for the next
    /// request), or with `option http-ignore-probes` (manual 4.2: pre-connecting browsers
    /// and port probes get neither a 400/408 nor a log line or counter).
    pub(super) fn probe_like(&self) -> bool {
        (self.served > 0 || self.fe.http.ignore_probes)
            && self.rbuf.iter().all(|&b| b == b'\r' || b == b'\n')
    }

    /// HAProxy's H1-layer error for a connection that ended or timed out before a full
    /// request head: counted as an invalid request, answered and closed.
    pub(super) async fn probe_error(&mut self, status: u16) -> Next {
        self.fe.count(Ev::Ereq);
        self.answer_raw_error(status).await
    }

    async fn request_failed(&mut self, h: &mut Heads, e: HeadErr) -> Next {
        use crate::logs::SessionFail;
        let why = match e {
            HeadErr::Quiet => return Next::Close,
            HeadErr::Timeout | HeadErr::Aborted if self.probe_like() => return Next::Close,
            HeadErr::Timeout => SessionFail::Timeout,
            HeadErr::Aborted => SessionFail::Closed,
            HeadErr::Invalid(status) => SessionFail::Invalid {
                status,
                client_closed: false,
            },
        };
        self.log_failure(h, why, true);
        // HAProxy's H1 layer counts the request and its 4xx (5xx for an internal error).
        let t = &self.fe.counters.traffic;
        t.request();
        t.status(match why {
            SessionFail::Invalid { status, .. } if status >= 500 && status != 501 => 500,
            _ => 400,
        });
        match why {
            SessionFail::Timeout => self.probe_error(408).await,
            SessionFail::Closed => self.probe_error(400).await,
            SessionFail::Invalid { status, .. } => self.answer_raw_error(status).await,
        }
    }

    /// Errors found while reading a request are answered by HAProxy's H1 layer with the
    /// built-in page exactly as stored (its header spelling and order), then a close;
    /// the frontend's custom page only counts when it is empty (nothing is sent).
    pub(super) async fn answer_raw_error(&mut self, status: u16) -> Next {
        let silent = matches!(
            self.fe.http.errors.get(status),
            Some(ErrorReply::Message(m)) if m.is_empty()
        );
        let page = rampart_h1::errors::default_response(status)
            .or_else(|| rampart_h1::errors::default_response(400))
            .unwrap_or_default();
        if !silent {
            let _ = write_all(&self.cli, page, self.fe.timeouts.client).await;
        }
        self.cli.shutdown_write();
        Next::Close
    }
}

/// Runs the request side (`up`) and the response side (`down`) of a stream together
/// until both ended, or one ended in a way that makes the other pointless: a response
/// error or failure (the request is abandoned), a request that failed on the client's
/// side while no response was relayed yet. A request that could not be written because
/// the server went away does not stop the response side: the server may have answered.
/// `gone` (`option abortonclose`) watches the client once the request was sent, until
/// the response ends; when it fires the stream goes on without the client. `killed`
/// ends the stream at once.
async fn both<'r>(
    up: impl Future<Output = Result<u64, BodyErr>>,
    down: impl Future<Output = RespEnd<'r>>,
    gone: Option<impl Future<Output = ()>>,
    killed: Option<impl Future<Output = Why>>,
) -> Ends<'r> {
    let mut up = std::pin::pin!(up);
    let mut down = std::pin::pin!(down);
    let watching = gone.is_some();
    let mut gone = std::pin::pin!(async {
        match gone {
            Some(g) => g.await,
            None => std::future::pending().await,
        }
    });
    let mut killed = std::pin::pin!(async {
        match killed {
            Some(k) => k.await,
            None => std::future::pending().await,
        }
    });
    let mut e = Ends {
        req: None,
        resp: None,
        client_gone: false,
        killed: None,
    };
    loop {
        tokio::select! {
            why = &mut killed => {
                e.killed = Some(why);
                return e;
            }
            r = &mut up, if e.req.is_none() => {
                let fatal = matches!(r, Err(BodyErr::Invalid(_) | BodyErr::Src(_)));
                e.req = Some(r);
                if fatal && e.resp.is_none() {
                    return e;
                }
            }
            r = &mut down, if e.resp.is_none() => {
                let end = matches!(
                    r,
                    RespEnd::Error(..) | RespEnd::Answer(_) | RespEnd::Broken | RespEnd::Retry
                );
                e.resp = Some(r);
                if end {
                    return e;
                }
            }
            () = &mut gone, if watching && !e.client_gone && matches!(e.req, Some(Ok(_))) && e.resp.is_none() => {
                e.client_gone = true;
            }
        }
        if e.req.is_some() && e.resp.is_some() {
            return e;
        }
    }
}

/// Resolves when the client closes its side (or fails); bytes it sends meanwhile are
/// kept in `buf`, up to `limit` (after which it stops watching).
async fn client_gone(cli: &rampart_net::Conn, buf: &mut Vec<u8>, limit: usize) {
    loop {
        if buf.len() >= limit {
            return std::future::pending().await;
        }
        if buf.capacity() - buf.len() < 1024 {
            buf.reserve(4096);
        }
        if read_some(cli, buf, None).await.is_err() {
            return;
        }
    }
}

/// The `h1-case-adjust` spellings for what a frontend's clients receive (`option
/// h1-case-adjust-bogus-client`), when there are some.
pub(super) fn client_case<'w>(
    w: &'w crate::worker::WorkerCx,
    fe: &Frontend,
) -> Option<&'w CaseMap> {
    fe.http
        .case_adjust_client
        .then_some(&w.rt.h1_case)
        .filter(|m| !m.is_empty())
}
