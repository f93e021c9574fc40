//! Retries and redispatch (configuration manual 4.2 `retries`, `retry-on`, `option
//! redispatch`; HAProxy's `back_handle_st_cer`, `do_l7_retry`,
//! `stream_choose_redispatch`).
//!
//! A stream counts its retries in one budget ([`Retries::done`], HAProxy's
//! `conn_retries`), whatever caused them: a connection that failed (`conn-failure`, the
//! default) or, in `mode http`, a request sent again after the server answered in a way
//! `retry-on` names ([`RetryOn`]; the HTTP side is `http/exchange.rs`). Once the
//! budget (`retries`) is spent, the failure goes to the client.
//!
//! Each retry either stays on the server or goes back to the balancing, avoiding that
//! server ([`redispatch_now`], [`redispatch`]): with `option redispatch`, when the server
//! is not fully up, on every Nth retry of the interval (or the Nth before the last
//! for a negative one), and on every retry when persistence did not choose the server,
//! the algorithm is not a hash and more than one active server serves. A stream sent by
//! `force-persist` never moves.

use crate::queue::Slot;
use crate::server_state::Op;
use crate::state::{inc, Backend};
use crate::upstream::ConnectError;
use rampart_balance::{Algo, Input};
use rampart_model::proxy::keywords::RetryOn as ModelRetryOn;
use rampart_model::proxy::Mode;

/// `retry-on` in the runtime (HAProxy's `PR_RE_*` bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetryOn {
    /// `conn-failure`: connection attempts are retried (without it, none is).
    pub conn_failure: bool,
    /// `empty-response`: the server closed (or failed) before any response byte.
    pub empty: bool,
    /// `junk-response`: an invalid or truncated response head.
    pub junk: bool,
    /// `response-timeout`: `timeout server` struck before the response head.
    pub timeout: bool,
    /// Response statuses, one bit each in [`STATUSES`] order.
    statuses: u16,
}

/// The statuses `retry-on` accepts, in bit order.
const STATUSES: [u16; 10] = [401, 403, 404, 408, 425, 500, 501, 502, 503, 504];

impl RetryOn {
    /// The runtime form of a backend's `retry-on`. Only the connection part applies
    /// outside `mode http` (HAProxy arms its layer-7 retries in HTTP streams only);
    /// `0rtt-rejected` needs early data, which only TLS servers (`allow-0rtt`) have.
    pub fn of(r: &ModelRetryOn, mode: Mode) -> RetryOn {
        let http = mode == Mode::Http;
        let statuses = STATUSES
            .iter()
            .enumerate()
            .filter(|(_, s)| http && r.statuses.contains(s))
            .fold(0u16, |m, (i, _)| m | 1 << i);
        RetryOn {
            conn_failure: r.conn_failure,
            empty: http && r.empty_response,
            junk: http && r.junk_response,
            timeout: http && r.response_timeout,
            statuses,
        }
    }

    /// Some condition beyond connection failures: requests are kept for a retry.
    pub fn l7(&self) -> bool {
        self.empty || self.junk || self.timeout || self.statuses != 0
    }

    /// A response with this status is retried.
    pub fn status(&self, status: u16) -> bool {
        self.statuses != 0
            && STATUSES
                .iter()
                .position(|&s| s == status)
                .is_some_and(|i| self.statuses & 1 << i != 0)
    }
}

/// A stream's retry state (HAProxy's `conn_retries`, `SF_DIRECT`, `SF_FORCE_PRST`) and
/// what the balancing reads when the stream is redispatched.
#[derive(Clone, Copy)]
pub struct Retries<'i> {
    /// Retries made so far, connection and layer-7 ones together.
    pub done: u32,
    /// Persistence (a cookie, `use-server`) chose the server, until a redispatch.
    pub direct: bool,
    /// `force-persist`: the stream never leaves its server.
    pub force: bool,
    /// A retry went back to the balancing (HAProxy's `SF_REDISP`, `%rc`'s `+`).
    pub redispatched: bool,
    /// The stream's key for the balancing algorithm.
    pub input: Input<'i>,
}

impl<'i> Retries<'i> {
    pub fn new(input: Input<'i>) -> Retries<'i> {
        Retries {
            done: 0,
            direct: false,
            force: false,
            redispatched: false,
            input,
        }
    }

    /// The same counts with another key (the request as it is now).
    pub fn rebind<'j>(self, input: Input<'j>) -> Retries<'j> {
        Retries {
            done: self.done,
            direct: self.direct,
            force: self.force,
            redispatched: self.redispatched,
            input,
        }
    }

    /// Whether another retry is allowed; counts it when it is.
    pub fn take(&mut self, be: &Backend) -> bool {
        if self.done >= be.retries {
            return false;
        }
        self.done += 1;
        true
    }
}

/// Whether the retry just counted in `r` goes back to the balancing rather than to
/// `server` again (HAProxy's `stream_choose_redispatch`).
pub fn redispatch_now(be: &Backend, server: usize, r: &Retries<'_>) -> bool {
    let Some(after) = be.redispatch else {
        return false;
    };
    if r.force {
        return false;
    }
    let not_running = be
        .servers
        .get(server)
        .is_none_or(|s| s.live.in_maint() || matches!(s.live.op(), Op::Stopped | Op::Starting));
    let n = i64::from(r.done);
    let interval = match after {
        a if a > 0 => n % i64::from(a) == 0,
        a if a < 0 => {
            let m = i64::from(be.retries) + 1 + i64::from(a);
            m != 0 && n % m == 0
        }
        _ => false,
    };
    let hashed = matches!(be.balance.algo(), Algo::Hash { .. });
    not_running || interval || (!r.direct && !hashed && active_servers(be) > 1)
}

/// Active servers that can take traffic (HAProxy's `srv_act`).
pub fn active_servers(be: &Backend) -> usize {
    be.servers
        .iter()
        .filter(|s| !s.backup && s.live.alive() && s.live.uweight() > 0)
        .count()
}

/// Counts a retry that stays on its server.
pub fn count_retry(be: &Backend, server: usize) {
    if let Some(s) = be.servers.get(server) {
        inc(&s.counters.retries);
    }
    inc(&be.counters.retries);
}

/// Gives the stream's slot up and has the algorithm choose again, avoiding the server
/// it leaves, then takes a slot there (or waits in a queue), as HAProxy's
/// `assign_server_and_queue` after a redispatch. A redispatched stream is no longer
/// persistent.
pub async fn redispatch<'b>(
    be: &'b Backend,
    slot: &mut Slot<'b>,
    r: &mut Retries<'_>,
) -> Result<(), ConnectError> {
    let prev = slot.server();
    slot.vacate();
    r.direct = false;
    r.redispatched = true;
    let input = r.input;
    let rechoose = || crate::upstream::choose_avoiding(be, &input, Some(prev));
    *slot = crate::upstream::take_slot(be, rechoose(), rechoose).await?;
    if slot.server() == prev {
        count_retry(be, prev);
    } else {
        if let Some(s) = be.servers.get(prev) {
            inc(&s.counters.redispatches);
        }
        inc(&be.counters.redispatches);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_conditions() {
        let m = ModelRetryOn {
            conn_failure: false,
            empty_response: true,
            response_timeout: false,
            zero_rtt_rejected: true,
            junk_response: false,
            statuses: vec![503, 404],
        };
        let r = RetryOn::of(&m, Mode::Http);
        assert!(r.l7() && r.empty && !r.conn_failure && !r.junk);
        assert!(r.status(503) && r.status(404) && !r.status(500) && !r.status(200));
        // Outside `mode http` only connection failures count.
        let t = RetryOn::of(&m, Mode::Tcp);
        assert!(!t.l7() && !t.status(503));
        assert!(!RetryOn::of(&ModelRetryOn::default(), Mode::Http).l7());
    }
}
