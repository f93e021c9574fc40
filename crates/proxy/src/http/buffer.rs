//! `option http-buffer-request` (configuration manual 4.2; HAProxy's
//! `http_wait_for_request_body`) and `http-request wait-for-body` (HAProxy's
//! `http_wait_for_msg_body`): before a server is picked, wait for the whole request
//! body, for as much of it as a buffer holds, or for the part a rule asks for, so that
//! a slow client does not hold a server connection while it uploads. The wait is
//! bounded by the backend's `timeout http-request` (or the rule's time) and the
//! client's `timeout client` (408 either way). An HTTP/1.1 `Expect: 100-continue` is
//! answered by the proxy itself, and removed from the request.

use super::body::buffered_end;
use super::io::{deadline, read_some, write_all, ReadErr};
use super::{Heads, Next, Session};
use crate::stats::Ev;
use rampart_h1::{BodyKind, Method, Version};
use std::time::Duration;

impl Session {
    /// Reads the request body into the client buffer (after the head, `head_len` bytes)
    /// until it is complete, the buffer is full or `at_least` bytes of it are there
    /// (0: no such bound), for at most `time`. `Err` carries how the stream ended
    /// when it could not wait (400 invalid body, 408 timeout, client gone). `be`: the
    /// stream's backend once chosen.
    pub(super) async fn wait_for_body(
        &mut self,
        h: &mut Heads,
        head_len: usize,
        be: Option<usize>,
        time: Option<Duration>,
        at_least: usize,
    ) -> Result<(), Next> {
        let kind = h.req.body_kind();
        if matches!(kind, BodyKind::None | BodyKind::Length(0)) || h.req.method() == Method::Connect
        {
            return Ok(());
        }
        if h.req.version() == Version::Http11 && h.req.expect_continue() {
            if write_all(
                &self.cli,
                b"HTTP/1.1 100 Continue\r\n\r\n",
                self.fe.timeouts.client,
            )
            .await
            .is_err()
            {
                return Err(Next::Close);
            }
            h.req.headers_mut().remove(b"expect");
        }
        let rt = &self.w.rt;
        // HAProxy stops waiting when the buffer is full but for its rewrite reserve.
        let limit = rt.bufsize.saturating_sub(rt.maxrewrite);
        let until = deadline(time);
        let w = std::rc::Rc::clone(&self.w);
        let be_rt = be.and_then(|b| w.rt.backends.get(b));
        loop {
            match buffered_end(kind, &self.rbuf, head_len, &self.req_opts) {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => {}
                Err(mut e) => {
                    self.fe.count(Ev::Ereq);
                    e.offset += head_len;
                    self.capture_request(e, true, be_rt);
                    // HAProxy's H1 layer answers an invalid body itself.
                    return Err(self.answer_raw_error(400).await);
                }
            }
            if self.rbuf.len() >= limit
                || (at_least > 0 && self.rbuf.len().saturating_sub(head_len) >= at_least)
            {
                return Ok(());
            }
            if self.rbuf.capacity() - self.rbuf.len() < 1024 {
                self.rbuf.reserve(rt.bufsize);
            }
            // Client inactivity ends the wait too.
            let inactive = deadline(self.fe.timeouts.client);
            let wait_until = match (until, inactive) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match read_some(&self.cli, &mut self.rbuf, wait_until).await {
                Ok(_) => {}
                Err(ReadErr::Timeout) => {
                    self.fe.count(Ev::Ereq);
                    return Err(self.answer_error(h, 408, false, be).await);
                }
                // The client is gone: what was received goes on (HAProxy then finds the
                // client closed while forwarding).
                Err(_) => return Ok(()),
            }
        }
    }
}
