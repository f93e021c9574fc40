//! Layer-7 retries of a stream (configuration manual 4.2 `retry-on`; HAProxy's
//! `l7_buffer` and `do_l7_retry`): which requests can be sent again ([`Session::keep`]) and the
//! retry itself ([`Session::l7_retry`]). When a retry is due is the response side's
//! call (`response.rs`), what a retry may do is [`crate::retry`]'s.

use super::body::buffered_end;
use super::{ServerConn, Session};
use crate::pool;
use crate::queue::Slot;
use crate::retry::{count_retry, redispatch, redispatch_now, Retries};
use crate::state::Backend;

/// A request kept for a retry: its head as the server receives it and its body.
pub(super) struct Kept {
    pub bytes: Vec<u8>,
    /// The body length (counted once, however many times it is sent).
    pub body: u64,
}

impl Kept {
    /// The body as received, after the head.
    pub fn body_bytes(&self) -> &[u8] {
        let len = usize::try_from(self.body).unwrap_or(usize::MAX);
        &self.bytes[self.bytes.len().saturating_sub(len)..]
    }
}

impl Session {
    /// With `retry-on` naming anything beyond connection failures, a request received
    /// whole by the time it first goes out (its body within `tune.bufsize`, whatever
    /// its method) is kept to be sent again, as HAProxy copies it into its L7 buffer;
    /// any other request is never retried past its connection. A kept request goes to
    /// the server as one block: its body moves from `rbuf` (from `head_len`) to `out`,
    /// which holds the serialized head after `proxy_len` bytes of PROXY header.
    pub(super) fn keep(
        &self,
        be: &Backend,
        rbuf: &mut Vec<u8>,
        head_len: usize,
        req_kind: rampart_h1::BodyKind,
        out: &mut Vec<u8>,
        proxy_len: usize,
    ) -> Option<Kept> {
        if !be.retry_on.l7() || be.retries == 0 {
            return None;
        }
        let end = buffered_end(req_kind, rbuf, head_len, &self.req_opts).ok()??;
        if end > self.w.rt.bufsize {
            return None;
        }
        out.extend_from_slice(&rbuf[head_len..end]);
        rbuf.drain(..end);
        let mut bytes = self.w.get_buf();
        bytes.extend_from_slice(&out[proxy_len..]);
        Some(Kept {
            bytes,
            body: (end - head_len) as u64,
        })
    }

    /// `retry-on`: the server's answer calls for the kept request to go again (HAProxy's
    /// `do_l7_retry`). The retry is counted; the stream stays on its server or goes back
    /// to the balancing ([`crate::retry::redispatch_now`]), then gets a connection (its
    /// own, an idle or a new one, whose failures count in the same budget). `reqv` is
    /// the request as the algorithm reads it: its head and the kept body, where
    /// `url_param` may find its key again.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn l7_retry<'b>(
        &mut self,
        reqv: crate::lb::Request<'_>,
        bi: usize,
        be: &'b Backend,
        slot: &mut Slot<'b>,
        tries: &mut Retries<'static>,
        not_first: bool,
        unique_id: Option<&[u8]>,
    ) -> Result<ServerConn, crate::upstream::ConnectError> {
        let mut r = tries.rebind(crate::lb::input(&self.addrs, &reqv));
        let res = async {
            if !r.take(be) {
                return Err(crate::upstream::ConnectError::Refused);
            }
            if redispatch_now(be, slot.server(), &r) {
                redispatch(be, slot, &mut r).await?;
            } else {
                count_retry(be, slot.server());
            }
            let client = pool::Client {
                addrs: &self.addrs,
                authority: self.authority.as_deref(),
                unique_id,
            };
            pool::obtain(
                &self.w,
                &mut self.srv,
                bi,
                be,
                slot,
                client,
                not_first,
                &mut r,
            )
            .await
        }
        .await;
        *tries = r.rebind(Default::default());
        res
    }
}
