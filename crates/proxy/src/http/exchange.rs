//! One stream: a request and its response, in HAProxy's order (request head, frontend
//! rules, backend, server connection, request body, response head, response body).
//! Every early end maps to HAProxy's status: 400 invalid request, 408 request timeout,
//! 503 no server / connection failure, 504 server timeout, 502 invalid or missing
//! response.

use super::body::{forward, BodyErr, Pipe};
use super::io::{deadline, read_some, write_all, ReadErr};
use super::reply::{conn_word, write_error, write_reply};
use super::{rules, Next, ServerConn, Session};
use crate::pool;
use crate::state::{add, inc, Backend};
use crate::tunnel;
use crate::upstream::{proxy_header, take_slot};
use rampart_h1::{
    parse_request, parse_response, response_body_kind, write_request, write_response, BodyKind,
    Method, ParseOpts, Parsed, Version,
};
use rampart_model::proxy::options::{HeaderOpt, HttpConnMode};
use std::net::IpAddr;

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

impl Session<'_> {
    /// Runs one request/response exchange.
    pub(super) async fn stream(&mut self) -> Next {
        let head_len = match self.read_request().await {
            Ok(n) => n,
            Err(e) => return self.request_failed(e).await,
        };
        let http10 = self.req.version() == Version::Http10;
        let head_only = self.req.method() == Method::Head;

        // Frontend rules.
        if let Some(reply) = rules::evaluate(&self.fe.http.rules, &self.req, &self.addrs) {
            let has_body = !matches!(self.req.body_kind(), BodyKind::None | BodyKind::Length(0));
            let keep = self.req.keep_alive()
                && !has_body
                && self.conn_mode(None) != HttpConnMode::Close
                && !self.w.ctl.is_stopping();
            let mut out = self.w.get_buf();
            write_reply(reply, conn_word(!keep, http10), head_only, &mut out);
            let ok = write_all(&mut self.cli, &out, self.fe.timeouts.client)
                .await
                .is_ok();
            self.w.put_buf(out);
            self.rbuf.drain(..head_len);
            return if ok && keep {
                Next::KeepAlive
            } else {
                Next::Close
            };
        }

        let Some(bi) = self.fe.default_backend else {
            return self.answer_error(503).await;
        };
        let be = &self.w.rt.backends[bi];
        let mode = self.conn_mode(Some(bi));
        inc(&be.counters.stot);

        // A slot on a server (`maxconn`, queue) for the whole exchange, then a connection
        // to it: the session's own, an idle one (`http-reuse`) or a new one.
        let Ok(mut slot) = take_slot(be).await else {
            return self.answer_error(503).await;
        };
        let not_first = self.served > 0;
        let got = pool::obtain(
            self.w,
            &mut self.srv,
            bi,
            be,
            &mut slot,
            pool::Client {
                addrs: &self.addrs,
                authority: self.authority.as_deref(),
            },
            not_first,
        );
        let Ok(mut srv) = got.await else {
            return self.answer_error(503).await;
        };
        let mut may_resend = true;
        let server = &be.servers[srv.server];
        inc(&server.counters.stot);

        // The request as the server receives it.
        let keep_server = mode == HttpConnMode::KeepAlive;
        self.prepare_request(be, keep_server);
        let mut out = self.w.get_buf();
        if srv.uses == 0 && (server.send_proxy || server.send_proxy_v2) {
            proxy_header(server, &self.addrs, self.authority.as_deref(), &mut out);
        }
        write_request(&self.req, &mut out, None);
        let req_kind = self.req.body_kind();
        let expect_continue = self.req.expect_continue();
        let mut rbuf = std::mem::take(&mut self.rbuf);
        let mut sbuf = self.w.get_buf();
        let mut early_response = false;
        if expect_continue && !matches!(req_kind, BodyKind::None | BodyKind::Length(0)) {
            // The client waits for `100 Continue` before sending its body: send the
            // head now and let the server's answer come first.
            if write_all(&mut srv.conn, &out, be.timeouts.server)
                .await
                .is_err()
            {
                return self.finish_error(502, rbuf, sbuf, out).await;
            }
            out.clear();
            early_response = true;
        }
        let bufsize = self.w.rt.bufsize;
        let mut pipe = Pipe::upstream(&self.cli, self.fe, &mut srv.conn, be, bufsize);
        if !early_response {
            match forward(
                req_kind,
                &mut pipe,
                &mut rbuf,
                head_len,
                &mut out,
                &self.req_opts,
            )
            .await
            {
                Ok(n) => add(&self.fe.counters.bytes_in, n),
                Err(BodyErr::Invalid(_)) => {
                    inc(&self.fe.counters.ereq);
                    return self.finish_error(400, rbuf, sbuf, out).await;
                }
                Err(BodyErr::Src(_)) => {
                    self.give_back(rbuf, sbuf, out);
                    return Next::Close;
                }
                Err(BodyErr::Dst(_)) => return self.finish_error(502, rbuf, sbuf, out).await,
            }
        }

        // The response.
        let resp_opts = ParseOpts {
            accept_invalid: be.http.accept_invalid,
            require_host: false,
            ..self.req_opts
        };
        let method = self.req.method();
        let mut body_pending = early_response;
        let resp_len = loop {
            match self.read_response(&srv, &mut sbuf, &resp_opts, be).await {
                Ok(n) => {
                    let st = self.resp.status();
                    if (100..200).contains(&st) && st != 101 {
                        // Interim response: relay it, then keep waiting.
                        out.clear();
                        write_response(&self.resp, &mut out, None);
                        sbuf.drain(..n);
                        if write_all(&mut self.cli, &out, self.fe.timeouts.client)
                            .await
                            .is_err()
                        {
                            self.give_back(rbuf, sbuf, out);
                            return Next::Close;
                        }
                        out.clear();
                        if body_pending && st == 100 {
                            body_pending = false;
                            let mut pipe =
                                Pipe::upstream(&self.cli, self.fe, &mut srv.conn, be, bufsize);
                            if forward(
                                req_kind,
                                &mut pipe,
                                &mut rbuf,
                                head_len,
                                &mut out,
                                &self.req_opts,
                            )
                            .await
                            .is_err()
                            {
                                self.give_back(rbuf, sbuf, out);
                                return Next::Close;
                            }
                        }
                        continue;
                    }
                    break n;
                }
                Err(502) if may_resend && sbuf.is_empty() && pool::replayable(&srv, &self.req) => {
                    // A reused connection closed before any response byte: once more
                    // on a new connection.
                    may_resend = false;
                    let sent = pool::resend(
                        self.w,
                        bi,
                        be,
                        &mut slot,
                        pool::Client {
                            addrs: &self.addrs,
                            authority: self.authority.as_deref(),
                        },
                        &self.req,
                        &mut out,
                    );
                    match sent.await {
                        Ok(s) => srv = s,
                        Err(_) => return self.finish_error(503, rbuf, sbuf, out).await,
                    }
                }
                Err(status) => {
                    if status == 502 {
                        inc(&be.counters.eresp);
                    }
                    return self.finish_error(status, rbuf, sbuf, out).await;
                }
            }
        };
        if body_pending {
            // The server answered without waiting for the body: the client's body will
            // never be read, so the connection cannot be reused.
            rbuf.clear();
        }
        let resp_kind = response_body_kind(&self.resp, method);
        let tunnel = matches!(resp_kind, BodyKind::Tunnel);
        let client_keep = !tunnel
            && !body_pending
            && self.req.keep_alive()
            && mode != HttpConnMode::Close
            && !matches!(resp_kind, BodyKind::CloseDelimited)
            && !self.w.ctl.is_stopping();
        let server_keep = keep_server
            && client_keep
            && self.resp.keep_alive_for(method)
            && !matches!(resp_kind, BodyKind::CloseDelimited);
        self.prepare_response(client_keep, http10, tunnel);
        out.clear();
        write_response(&self.resp, &mut out, None);
        if tunnel {
            // 101 Switching Protocols or a successful CONNECT: from now on, bytes.
            if write_all(&mut self.cli, &out, self.fe.timeouts.client)
                .await
                .is_ok()
            {
                // Bytes already read past the heads go first, in each direction.
                let t = tunnel::Settings::of(&self.w.rt, self.fe, be);
                let o =
                    tunnel::run(&mut self.cli, &mut srv.conn, &rbuf, &sbuf[resp_len..], &t).await;
                add(&self.fe.counters.bytes_in, o.c2s);
                add(&self.fe.counters.bytes_out, o.s2c);
            }
            self.give_back(rbuf, sbuf, out);
            return Next::Close;
        }
        let mut pipe = Pipe::downstream(&srv.conn, be, &mut self.cli, self.fe, bufsize);
        let res = forward(
            resp_kind, &mut pipe, &mut sbuf, resp_len, &mut out, &resp_opts,
        )
        .await;
        let ok = match res {
            Ok(n) => {
                add(&self.fe.counters.bytes_out, n);
                add(&be.counters.bytes_out, n);
                true
            }
            Err(_) => false,
        };
        // Whatever the server sent past its response makes its connection unusable.
        let server_clean = sbuf.is_empty();
        self.w.put_buf(sbuf);
        self.w.put_buf(out);
        self.rbuf = rbuf;
        if ok && server_keep && server_clean {
            pool::put_back(self.w, &mut self.srv, srv, be);
        }
        drop(slot);
        if ok && client_keep {
            Next::KeepAlive
        } else {
            Next::Close
        }
    }

    /// Reads and parses the next request head; returns its length in `rbuf`. The idle
    /// wait before the first byte (`timeout http-keep-alive`, soft stop) is the session
    /// loop's; from here on `timeout http-request` bounds the whole head.
    async fn read_request(&mut self) -> Result<usize, HeadErr> {
        let t = &self.fe.timeouts;
        let until = deadline(t.http_request.or(t.client));
        self.req.clear();
        loop {
            if !self.rbuf.is_empty() {
                match parse_request(&self.rbuf, &self.req_opts, &mut self.req) {
                    Ok(Parsed::Complete(n)) => return Ok(n),
                    Ok(Parsed::Partial) => {}
                    Err(e) => {
                        inc(&self.fe.counters.ereq);
                        return Err(HeadErr::Invalid(e.kind.status()));
                    }
                }
                if self.rbuf.len() >= self.req_opts.max_head {
                    inc(&self.fe.counters.ereq);
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

    /// Reads a response head from the server. `Err(status)`: 504 on timeout, 502 when
    /// invalid or closed before a full head.
    async fn read_response(
        &mut self,
        srv: &ServerConn,
        sbuf: &mut Vec<u8>,
        opts: &ParseOpts,
        be: &Backend,
    ) -> Result<usize, u16> {
        self.resp.clear();
        let until = deadline(be.timeouts.server);
        loop {
            if !sbuf.is_empty() {
                match parse_response(sbuf, opts, &mut self.resp) {
                    Ok(Parsed::Complete(n)) => return Ok(n),
                    Ok(Parsed::Partial) => {}
                    Err(_) => return Err(502),
                }
                if sbuf.len() >= opts.max_head {
                    return Err(502);
                }
            }
            if sbuf.capacity() - sbuf.len() < 1024 {
                sbuf.reserve(self.w.rt.bufsize);
            }
            match read_some(&srv.conn, sbuf, until).await {
                Ok(_) => {}
                Err(ReadErr::Timeout) => return Err(504),
                Err(_) => return Err(502),
            }
        }
    }

    /// The request head as sent to the server: `connection` as the mode requires,
    /// `x-forwarded-for` / `x-original-to` when configured.
    fn prepare_request(&mut self, be: &Backend, keep_server: bool) {
        let http10 = self.req.version() == Version::Http10;
        let upgrade = self.req.conn_upgrade();
        let h = self.req.headers_mut();
        if !upgrade {
            if !keep_server && !http10 {
                h.set(b"connection", b"close");
            } else if keep_server && http10 {
                h.set(b"connection", b"keep-alive");
            }
        }
        let ff = be
            .http
            .forwardfor
            .as_ref()
            .or(self.fe.http.forwardfor.as_ref());
        if let (Some(opt), Some(src)) = (ff, self.addrs.src) {
            add_addr_header(h, opt, src.ip(), true);
        }
        let ot = be
            .http
            .originalto
            .as_ref()
            .or(self.fe.http.originalto.as_ref());
        if let (Some(opt), Some(dst)) = (ot, self.addrs.dst) {
            add_addr_header(h, opt, dst.ip(), false);
        }
    }

    /// The response head as sent to the client: `connection: close` when this response
    /// ends the connection, `keep-alive` for an HTTP/1.0 client that keeps it.
    fn prepare_response(&mut self, client_keep: bool, http10: bool, tunnel: bool) {
        if tunnel {
            return;
        }
        let h = self.resp.headers_mut();
        h.remove(b"connection");
        if let Some(w) = conn_word(!client_keep, http10) {
            h.append(b"connection", w);
        }
    }

    /// `timeout http-request` expired before the first byte of the first request.
    pub(super) async fn timeout_408(&mut self) {
        self.answer_raw_error(408).await;
    }

    async fn request_failed(&mut self, e: HeadErr) -> Next {
        match e {
            HeadErr::Quiet | HeadErr::Aborted => Next::Close,
            HeadErr::Timeout => self.answer_raw_error(408).await,
            HeadErr::Invalid(status) => self.answer_raw_error(status).await,
        }
    }

    /// Errors found while reading a request are answered by HAProxy's H1 layer with the
    /// built-in page exactly as stored (its header spelling and order), then a close.
    async fn answer_raw_error(&mut self, status: u16) -> Next {
        let page = rampart_h1::errors::default_response(status)
            .or_else(|| rampart_h1::errors::default_response(400))
            .unwrap_or_default();
        let _ = write_all(&mut self.cli, page, self.fe.timeouts.client).await;
        self.cli.shutdown_write();
        Next::Close
    }

    /// Sends HAProxy's page for `status` and closes.
    async fn answer_error(&mut self, status: u16) -> Next {
        let mut out = self.w.get_buf();
        write_error(status, Some(b"close"), &mut out);
        let _ = write_all(&mut self.cli, &out, self.fe.timeouts.client).await;
        self.w.put_buf(out);
        self.cli.shutdown_write();
        Next::Close
    }

    async fn finish_error(
        &mut self,
        status: u16,
        rbuf: Vec<u8>,
        sbuf: Vec<u8>,
        out: Vec<u8>,
    ) -> Next {
        self.give_back(rbuf, sbuf, out);
        self.answer_error(status).await
    }

    fn give_back(&mut self, rbuf: Vec<u8>, sbuf: Vec<u8>, out: Vec<u8>) {
        self.w.put_buf(rbuf);
        self.w.put_buf(sbuf);
        self.w.put_buf(out);
    }
}

/// `option forwardfor` / `option originalto`: adds the address header unless the
/// address is in the `except` network (or, with `if-none`, the header is present).
fn add_addr_header(h: &mut rampart_h1::Headers, opt: &HeaderOpt, ip: IpAddr, forwardfor: bool) {
    if opt.except.as_ref().is_some_and(|n| n.contains(ip)) {
        return;
    }
    // Names are compared case-insensitively and stored lower-case by `Headers`.
    let name = opt.header.as_bytes();
    if forwardfor && opt.if_none && h.contains(name) {
        return;
    }
    // IPv4-mapped IPv6 clients are shown as IPv4, as HAProxy does.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let mut tmp = [0u8; 48];
    let v = {
        use std::io::Write;
        let mut c = std::io::Cursor::new(&mut tmp[..]);
        let _ = write!(c, "{ip}");
        let n = c.position() as usize;
        &tmp[..n]
    };
    h.append(name, v);
}
