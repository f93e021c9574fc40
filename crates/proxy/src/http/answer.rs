//! Responses the proxy sends itself, as HAProxy's `http_reply_and_close` and
//! `http_forward_proxy_resp` send them: error pages, the replies of `return`, `deny`
//! and `tarpit`, redirections (rules and `redir` servers), `auth`'s 401/407 and the
//! `monitor-uri` page. Each is written as HAProxy's H1 layer writes it ([`super::reply`],
//! `rampart_rules::reply`), then, when the backend or the frontend has
//! `http-after-response` rules, read back into the stream's response head, the rules
//! run on it (the backend's, then the frontend's unless it is the same proxy), and it is
//! written again, the connection field of the H1 layer still last. A rule that fails
//! (a rewrite in strict mode) replaces the answer by the proxy's 500 page, itself
//! subject to the rules unless the answer was a 500 already (HAProxy's
//! `TX_CONST_REPLY`).

use super::actions::{self, Outcome, ReplyKind};
use super::io::write_all;
use super::reply::{conn_word, write_error, Errors};
use super::{Heads, Next, Session};
use crate::env::{Rules, StreamEnv};
use crate::state::inc;
use crate::stats::Ev;
use rampart_h1::errmsg::Answer;
use rampart_h1::{
    parse_response, write_response, BodyKind, Method, ParseOpts, Parsed, RequestHead, Version,
};
use rampart_model::proxy::options::HttpConnMode;
use rampart_rules::logfmt::FinState;
use rampart_rules::reply::{Reply, ReplyBody};
use rampart_rules::vars::Scope;
use std::rc::Rc;

/// What the proxy answers with.
#[derive(Clone, Copy, Debug)]
pub(super) enum Made<'r> {
    /// The proxy's page for a status (its `errorfile`, `http-error`... or HAProxy's).
    Page(u16),
    /// A rule's reply.
    Reply(&'r Reply),
    /// A rule's redirection; the location is in the stream's `StreamFx::location`.
    Redirect(&'r rampart_rules::action::Redirect),
    /// `auth`: the realm, and the proxy whose rule it was (the default realm).
    Auth {
        realm: Option<&'r str>,
        proxy: &'r str,
    },
    /// A `redir` server's 302 (the prefix), which closes the connection.
    ServerRedirect(&'r str),
    /// `use-service prometheus-exporter`: the metrics rendered for the request.
    Service(&'r [u8]),
}

impl Session {
    /// Sends `made` as the answer to the request in `h`. `keep`: the connection may stay
    /// open after it as far as the request and the proxy go (the answer itself may still
    /// close it); `be`: the stream's backend once chosen.
    pub(super) async fn answer(
        &mut self,
        h: &mut Heads,
        made: Made<'_>,
        keep: bool,
        be: Option<usize>,
    ) -> Next {
        if h.fx.log.rec.fin != rampart_rules::logfmt::FinState::Tarpit {
            h.fx.log.request_done();
        } else {
            // HAProxy reports the time held as the queue time of a tarpitted request.
            h.fx.log.queued();
        }
        let mut out = self.w.get_buf();
        let keep_after = self.render_answer(h, made, keep, be, &mut out);
        h.fx.log.rec.bytes_out += crate::logs::htx_wire(&out);
        let ok = out.is_empty()
            || write_all(&self.cli, &out, self.fe.timeouts.client)
                .await
                .is_ok();
        self.w.put_buf(out);
        if ok && keep_after {
            Next::KeepAlive
        } else {
            self.cli.shutdown_write();
            Next::Close
        }
    }

    /// Writes the answer into `out`, `http-after-response` rules applied; true when the
    /// connection may stay open after it.
    pub(super) fn render_answer(
        &mut self,
        h: &mut Heads,
        mut made: Made<'_>,
        keep: bool,
        be: Option<usize>,
        out: &mut Vec<u8>,
    ) -> bool {
        let after = self.has_after_rules(be);
        let mut status = made.status(self.proxy_auth(&h.req));
        let mut rules_on = after;
        loop {
            out.clear();
            let keep_after = self.write_made(h, made, keep, be, out);
            h.fx.log.status(status);
            let auth = matches!(made, Made::Auth { .. });
            if out.is_empty() || !(auth || rules_on) {
                return keep_after;
            }
            if self.edit_answer(h, made, be, rules_on, out) {
                return keep_after;
            }
            // A rule failed: the proxy's 500 instead, with the rules again unless the
            // answer was already a 500.
            if status == 500 {
                rules_on = false;
            }
            status = 500;
            made = Made::Page(500);
        }
    }

    /// The backend (when chosen) or the frontend has `http-after-response` rules.
    fn has_after_rules(&self, be: Option<usize>) -> bool {
        !self.fe.http.rules.after.is_empty()
            || be
                .and_then(|b| self.w.rt.backends.get(b))
                .is_some_and(|b| !b.http.rules.after.is_empty())
    }

    /// `option http-use-proxy-header` and a request that looks proxied (its target
    /// starts with neither `/` nor `*`): `auth` answers 407 (HAProxy's
    /// `TX_USE_PX_CONN`).
    fn proxy_auth(&self, req: &RequestHead) -> bool {
        self.fe.http.use_proxy_header && !matches!(req.uri().first(), Some(b'/' | b'*'))
    }

    /// Writes `made` as the H1 layer sends it; true when the connection may stay open.
    fn write_made(
        &self,
        h: &Heads,
        made: Made<'_>,
        keep: bool,
        be: Option<usize>,
        out: &mut Vec<u8>,
    ) -> bool {
        let w = &self.w;
        let http10 = h.req.version() == Version::Http10;
        let answer = Answer {
            keep,
            req_ver11: !http10,
            head_only: h.req.method() == Method::Head,
            case: self.client_case(),
        };
        let errors = Errors {
            fe: &self.fe.http.errors,
            be: be
                .and_then(|i| w.rt.backends.get(i))
                .map(|b| &b.http.errors),
        };
        let conn = conn_word(!keep, http10);
        let mut built = |r: &Reply, out: &mut Vec<u8>| {
            self.write_rules_reply(h, r, be, conn, &answer, out);
        };
        match made {
            Made::Page(st) => write_error(st, &answer, errors, out, &mut built),
            Made::Auth { .. } => {
                let st = if self.proxy_auth(&h.req) { 407 } else { 401 };
                write_error(st, &answer, errors, out, &mut built)
            }
            Made::Redirect(rule) => {
                rule.write_response(&h.fx.location, conn, answer.case, out);
                keep
            }
            Made::ServerRedirect(prefix) => {
                super::persist::write_redirect(prefix, &h.req, answer.case, out);
                false
            }
            Made::Service(body) => {
                crate::service::write_head(conn, out);
                if !answer.head_only {
                    crate::service::write_chunked(body, out);
                }
                keep
            }
            Made::Reply(reply) => match &reply.body {
                ReplyBody::DefaultErrorFiles => {
                    write_error(reply.status, &answer, errors, out, &mut built)
                }
                // Written as HAProxy's H1 layer writes an error file.
                ReplyBody::ErrorFile(m) => m.write(&answer, out),
                _ => {
                    built(reply, out);
                    keep
                }
            },
        }
    }

    /// Writes a reply built from its parts (`return`, `deny` with a payload, an
    /// `http-error` reply), its log-format values rendered for the stream.
    fn write_rules_reply(
        &self,
        h: &Heads,
        reply: &Reply,
        be: Option<usize>,
        conn: Option<&[u8]>,
        answer: &Answer<'_>,
        out: &mut Vec<u8>,
    ) {
        let w = &self.w;
        let env = self.env_for(be, Some(&h.fx));
        let data = match h.fx.buffered_head {
            Some(n) => self.rbuf.get(n..).unwrap_or_default(),
            None => &[],
        };
        let s = rampart_rules::stream::Stream {
            req: Some(&h.req),
            req_data: data,
            vars: self.vars.as_deref(),
            ..rampart_rules::stream::Stream::new(&env)
        };
        let cx = rampart_rules::conv::Cx {
            bufsize: w.rt.bufsize,
        };
        let mut tmp = w.get_buf();
        rampart_rules::reply::write_reply(
            reply,
            &s,
            &cx,
            None,
            conn,
            answer.head_only,
            answer.case,
            out,
            &mut tmp,
        );
        w.put_buf(tmp);
    }

    /// The stream's view for the rules and replies, before a server is chosen.
    pub(super) fn env_for<'a>(
        &'a self,
        be: Option<usize>,
        fx: Option<&'a crate::env::StreamFx>,
    ) -> StreamEnv<'a> {
        StreamEnv {
            w: &self.w,
            addrs: &self.addrs,
            fe: self.fe.i,
            li: self.fe.li,
            be,
            srv: None,
            first: self.served == 0,
            http: true,
            fx,
        }
    }

    /// Reads the answer in `out` back into `h.resp`, adds `auth`'s field, runs the
    /// `http-after-response` rules when `rules_on`, and writes it again. False when a
    /// rule failed (the answer is to be replaced by a 500). An answer that cannot be
    /// read back is left as it is.
    fn edit_answer(
        &mut self,
        h: &mut Heads,
        made: Made<'_>,
        be: Option<usize>,
        rules_on: bool,
        out: &mut Vec<u8>,
    ) -> bool {
        h.resp.clear();
        let opts = ParseOpts {
            max_head: out.len().max(self.w.rt.bufsize),
            max_headers: usize::MAX,
            accept_invalid: true,
            require_host: false,
            accept_payload_with_any_method: true,
        };
        let head_len = match parse_response(out, &opts, &mut h.resp) {
            Ok(Parsed::Complete(n)) => n,
            _ => return true,
        };
        // The connection field the H1 layer appends comes last, after the rules' own.
        let conn = take_conn_field(&h.resp);
        if let Made::Auth { realm, proxy } = made {
            let name: &[u8] = if self.proxy_auth(&h.req) {
                b"proxy-authenticate"
            } else {
                b"www-authenticate"
            };
            let hs = h.resp.headers_mut();
            hs.remove(name);
            let mut v = self.w.get_buf();
            v.extend_from_slice(b"Basic realm=\"");
            v.extend_from_slice(realm.unwrap_or(proxy).as_bytes());
            v.push(b'"');
            hs.append(name, &v);
            self.w.put_buf(v);
        }
        let ok = !rules_on || self.after_rules(h, be, &out[head_len..]);
        if let Some(c) = conn {
            h.resp.headers_mut().append(b"connection", c);
        }
        let mut again = self.w.get_buf();
        write_response(&h.resp, &mut again, self.client_case());
        again.extend_from_slice(&out[head_len..]);
        std::mem::swap(out, &mut again);
        self.w.put_buf(again);
        ok
    }

    /// Runs the `http-after-response` rules over `h.resp` (the backend's, then the
    /// frontend's unless they are one proxy); false when one failed.
    fn after_rules(&mut self, h: &mut Heads, be: Option<usize>, body: &[u8]) -> bool {
        let w = Rc::clone(&self.w);
        let fe = w.frontend(self.fe.i);
        if self.vars.is_none() {
            self.vars = Some(Box::default());
        }
        let Some(vars) = self.vars.as_deref() else {
            return true;
        };
        if vars.store(Scope::Res).is_none() {
            vars.start_response();
        }
        let be_rt = be.and_then(|b| w.rt.backends.get(b));
        let same = be.is_some() && fe.own_backend == be;
        let sets = [
            be_rt.map(|b| (&b.http.rules.after, &b.acls)),
            (!same).then_some((&fe.http.rules.after, &fe.acls)),
        ];
        let base = StreamEnv {
            w: &w,
            addrs: &self.addrs,
            fe: self.fe.i,
            li: self.fe.li,
            be,
            srv: None,
            first: self.served == 0,
            http: true,
            fx: None,
        };
        for (rules, acls) in sets.into_iter().flatten() {
            if rules.is_empty() {
                continue;
            }
            let acls = Rules::new(acls, w.rt.bufsize);
            let mut scratch = w.scratch.borrow_mut();
            let mut acx = actions::Cx {
                acls: &acls,
                env: &base,
                fx: &mut h.fx,
                vars,
                scratch: &mut scratch,
                failed_rewrites: [
                    Some(&fe.counters.failed_rewrites),
                    be_rt.map(|b| &b.counters.failed_rewrites),
                    fe.li_counters(self.fe.li).map(|l| &l.failed_rewrites),
                ],
                cli: Some(&self.cli),
                caps: &fe.caps,
                case: None,
            };
            match actions::run_response(rules, &mut acx, Some(&mut h.req), &mut h.resp, body, 0) {
                Outcome::Continue => {}
                _ => return false,
            }
        }
        true
    }

    /// Answers as a request rule decided (`return`, `deny`, `tarpit`, `redirect`,
    /// `auth`, a failed rewrite), or closes (`reject`, `silent-drop`), with HAProxy's
    /// counters. `proxy`: the name of the proxy whose rules decided.
    pub(super) async fn rule_outcome(
        &mut self,
        h: &mut Heads,
        o: Outcome<'_>,
        head_len: usize,
        be: Option<usize>,
        proxy: &str,
    ) -> Next {
        let w = Rc::clone(&self.w);
        let fe = w.frontend(self.fe.i);
        let be_rt = be.and_then(|i| w.rt.backends.get(i));
        let li = self.fe.li;
        let denied = || {
            crate::stats::event(fe, li, Ev::DeniedReq);
            if let Some(b) = be_rt {
                inc(&b.counters.denied_req);
            }
        };
        // The connection may stay open when the whole request, body included, was
        // received (the body is skipped).
        let end =
            super::body::buffered_end(h.req.body_kind(), &self.rbuf, head_len, &self.req_opts);
        let end = match end {
            Ok(Some(e)) => Some(e),
            _ => None,
        };
        let mut keep = end.is_some()
            && h.req.keep_alive()
            && self.conn_mode(be) != HttpConnMode::Close
            && !self.w.ctl.is_stopping();
        if let Some(t) = o.term() {
            h.fx.log.term(t, FinState::Request);
        }
        let o_kind = match &o {
            Outcome::Reply { kind, .. } => Some(*kind),
            _ => None,
        };
        // `use-service`: the body is rendered first, into a pooled buffer.
        let mut body = Vec::new();
        let service = match o {
            Outcome::Service(rampart_rules::action::Service::PrometheusExporter) => {
                // Counted before the service runs, as HAProxy counts it before the
                // applet (the scrape sees itself).
                if be.is_none() || be == fe.own_backend {
                    inc(&fe.counters.traffic.intercepted);
                }
                body = self.w.get_buf();
                let ok =
                    crate::service::prometheus().map(|e| e.render(h.req.uri(), &mut body).is_ok());
                // A client of HTTP/1.0 cannot keep a chunked answer's connection.
                keep &= h.req.version() != Version::Http10;
                Some(ok)
            }
            _ => None,
        };
        let made = match o {
            Outcome::Service(_) => match service {
                Some(Some(true)) => Made::Service(&body),
                // An invalid query: HAProxy's 400, which closes.
                Some(Some(false)) => {
                    keep = false;
                    Made::Page(400)
                }
                _ => Made::Page(500),
            },
            Outcome::Continue | Outcome::Wait { .. } => return Next::KeepAlive,
            Outcome::Reject => {
                denied();
                return Next::Close;
            }
            Outcome::SilentDrop => {
                denied();
                self.cli.silent_drop();
                return Next::Close;
            }
            Outcome::Status(st) => return self.answer_before_server(h, st, head_len, be).await,
            Outcome::Forbidden => {
                denied();
                Made::Page(403)
            }
            // A redirection closes whenever the request has a body (HAProxy's
            // `http_apply_redirect_rule` asks for it, the body not being forwarded yet).
            Outcome::Redirect(rule) => {
                keep &= matches!(h.req.body_kind(), BodyKind::None | BodyKind::Length(0));
                Made::Redirect(rule)
            }
            Outcome::Auth(realm) => Made::Auth { realm, proxy },
            Outcome::Reply { reply, kind } => {
                if kind != ReplyKind::Return {
                    denied();
                }
                if kind == ReplyKind::Tarpit {
                    let t = match be_rt {
                        Some(b) => b.timeouts.tarpit,
                        None => fe.timeouts.tarpit,
                    };
                    // A reset ends the wait, and nothing is sent.
                    h.fx.log.rec.fin = FinState::Tarpit;
                    if !self.tarpit(t).await {
                        return Next::Close;
                    }
                }
                Made::Reply(reply)
            }
        };
        // A `return` or a redirection decided before the stream reached a backend of
        // its own counts as intercepted (HAProxy: the frontend is the backend).
        let own = be.is_none() || be == fe.own_backend;
        let returned =
            matches!(made, Made::Redirect(_)) || matches!(o_kind, Some(ReplyKind::Return));
        if own && returned {
            inc(&fe.counters.traffic.intercepted);
        }
        let next = self.answer(h, made, keep, be).await;
        if service.is_some() {
            self.w.put_buf(body);
        }
        if let (Next::KeepAlive, Some(end)) = (next, end) {
            self.rbuf.drain(..end.min(self.rbuf.len()));
        }
        next
    }

    /// Answers as an `http-response` rule decided, instead of the server's response
    /// (`deny`, `return`, `redirect`), or closes (`silent-drop`), with HAProxy's
    /// counters. `keep`: the request was whole and the connection may stay open.
    pub(super) async fn response_outcome(
        &mut self,
        h: &mut Heads,
        o: Outcome<'_>,
        keep: bool,
        bi: usize,
    ) -> Next {
        let w = Rc::clone(&self.w);
        let fe = w.frontend(self.fe.i);
        let Some(be) = w.rt.backends.get(bi) else {
            return Next::Close;
        };
        if let Some(t) = o.term() {
            h.fx.log.term(t, FinState::Headers);
        }
        let made = match o {
            Outcome::Reply { reply, kind } => {
                if kind != ReplyKind::Return {
                    crate::stats::event(fe, self.fe.li, Ev::DeniedResp);
                    inc(&be.counters.denied_resp);
                }
                Made::Reply(reply)
            }
            Outcome::Redirect(rule) => Made::Redirect(rule),
            Outcome::Status(st) => Made::Page(st),
            Outcome::Forbidden => Made::Page(403),
            Outcome::Auth(realm) => Made::Auth {
                realm,
                proxy: &be.name,
            },
            Outcome::Reject | Outcome::SilentDrop => {
                // HAProxy's `silent-drop` counts a denied request whatever its rule set.
                crate::stats::event(fe, self.fe.li, Ev::DeniedReq);
                inc(&be.counters.denied_req);
                self.cli.silent_drop();
                return Next::Close;
            }
            Outcome::Continue | Outcome::Wait { .. } | Outcome::Service(_) => return Next::Close,
        };
        self.answer(h, made, keep, Some(bi)).await
    }

    /// Holds a tarpitted request for `t` (HAProxy's `http_process_tarpit`), watching
    /// the client: what it sends meanwhile is kept for after the answer (up to a
    /// buffer); false when its connection failed (a shut write side changes nothing).
    async fn tarpit(&mut self, t: Option<std::time::Duration>) -> bool {
        let Some(t) = t else { return true };
        let until = tokio::time::Instant::now() + t;
        let limit = self.w.rt.bufsize;
        loop {
            if self.rbuf.len() >= limit {
                tokio::time::sleep_until(until).await;
                return true;
            }
            if self.rbuf.capacity() - self.rbuf.len() < 1024 {
                self.rbuf.reserve(limit);
            }
            match super::io::read_some(&self.cli, &mut self.rbuf, Some(until)).await {
                Ok(_) => {}
                Err(super::io::ReadErr::Timeout) => return true,
                Err(super::io::ReadErr::Closed) => {
                    tokio::time::sleep_until(until).await;
                    return true;
                }
                Err(super::io::ReadErr::Error) => return false,
            }
        }
    }

    /// Answers with the proxy's page for `status` before any server saw the request (no
    /// backend, no server could be reached, a rule's error). The connection may stay
    /// open when the whole request, body included, was already received (the body is
    /// skipped).
    pub(super) async fn answer_before_server(
        &mut self,
        h: &mut Heads,
        status: u16,
        head_len: usize,
        be: Option<usize>,
    ) -> Next {
        let end =
            super::body::buffered_end(h.req.body_kind(), &self.rbuf, head_len, &self.req_opts);
        let keep = match end {
            Ok(Some(end)) => {
                self.rbuf.drain(..end);
                h.fx.buffered_head = None;
                h.req.keep_alive()
                    && self.conn_mode(be) != HttpConnMode::Close
                    && !self.w.ctl.is_stopping()
            }
            _ => false,
        };
        self.answer_error(h, status, keep, be).await
    }

    /// Sends the proxy's page for `status` (the backend's, the frontend's or HAProxy's)
    /// as the stream produces it (through the H1 layer: the connection field of the
    /// mode), then keeps the connection when `keep` (the request was received completely
    /// and may be followed by another) and the page allows it, as HAProxy does after
    /// its 502, 503 and 504, or closes it.
    pub(super) async fn answer_error(
        &mut self,
        h: &mut Heads,
        status: u16,
        keep: bool,
        be: Option<usize>,
    ) -> Next {
        self.answer(h, Made::Page(status), keep, be).await
    }
}

impl Made<'_> {
    /// The status of the answer (HAProxy's `txn->status`).
    fn status(&self, proxy_auth: bool) -> u16 {
        match self {
            Made::Page(s) => *s,
            Made::Reply(r) => r.status,
            Made::Redirect(r) => r.code,
            Made::Auth { .. } if proxy_auth => 407,
            Made::Auth { .. } => 401,
            Made::ServerRedirect(_) => 302,
            Made::Service(_) => 200,
        }
    }
}

/// The connection field the H1 layer wrote (`close` or `keep-alive`): reading the
/// answer back took the token out of the head (as HAProxy's parser does).
fn take_conn_field(resp: &rampart_h1::ResponseHead) -> Option<&'static [u8]> {
    if resp.conn_close() {
        Some(b"close")
    } else if resp.conn_keep_alive() {
        Some(b"keep-alive")
    } else {
        None
    }
}
