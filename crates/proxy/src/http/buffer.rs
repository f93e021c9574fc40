//! `option http-buffer-request` (configuration manual 4.2; HAProxy's
//! `http_wait_for_request_body`): before a server is picked, wait for the whole request
//! body, or for as much of it as a buffer holds, so that a slow client does not hold a
//! server connection while it uploads. The wait is bounded by the backend's `timeout
//! http-request` and the client's `timeout client` (408 either way). An HTTP/1.1
//! `Expect: 100-continue` is answered by the proxy itself, and removed from the request.

use super::body::buffered_end;
use super::io::{deadline, read_some, write_all, ReadErr};
use super::{Heads, Next, Session};
use crate::state::{inc, Backend};
use rampart_h1::{BodyKind, Version};

impl Session {
    /// Reads the request body into the client buffer (after the head, `head_len` bytes)
    /// until it is complete or the buffer is full. `Err` carries how the stream ended
    /// when it could not wait (400 invalid body, 408 timeout, client gone).
    pub(super) async fn wait_for_body(
        &mut self,
        h: &mut Heads,
        head_len: usize,
        be: &Backend,
    ) -> Result<(), Next> {
        let kind = h.req.body_kind();
        if matches!(kind, BodyKind::None | BodyKind::Length(0)) {
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
        let until = deadline(be.timeouts.http_request);
        loop {
            match buffered_end(kind, &self.rbuf, head_len, &self.req_opts) {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => {}
                Err(mut e) => {
                    inc(&self.fe.counters.ereq);
                    e.offset += head_len;
                    self.capture_request(e, true, Some(be));
                    // HAProxy's H1 layer answers an invalid body itself.
                    return Err(self.answer_raw_error(400).await);
                }
            }
            if self.rbuf.len() >= limit {
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
                    inc(&self.fe.counters.ereq);
                    return Err(self.answer_error(&h.req, 408, false, Some(be)).await);
                }
                // The client is gone: what was received goes on (HAProxy then finds the
                // client closed while forwarding).
                Err(_) => return Ok(()),
            }
        }
    }
}
