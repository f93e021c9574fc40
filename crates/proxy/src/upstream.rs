//! Choosing a server and connecting to it (configuration manual 4.2 `retries`,
//! `timeout connect`, `timeout queue`; 5.2 `maxconn`, `send-proxy`, `source`).
//!
//! A stream first has the backend's algorithm choose a server ([`choose`], see
//! [`crate::lb`]), then takes a connection slot ([`take_slot`], waiting in a queue when
//! servers are full, see [`crate::queue`]), then connects to that server
//! ([`connect_to`]). As in HAProxy, an algorithm that balances by load (roundrobin,
//! static-rr, leastconn, first, random) only names a server with room, and sends the
//! stream to the backend's queue when none has; the hash-based ones
//! (`balance source|uri|url_param|hdr|rdp-cookie`) name a server whatever its load and
//! the stream waits in that server's own queue. A stream waiting in the queue of a
//! server that goes down may be taken out of it (`option redispatch`): it is balanced
//! again. Connection failures are retried as `retry-on conn-failure` and `retries` say,
//! on the same server or, with `option redispatch`, another one ([`crate::retry`]).

use crate::queue::{acquire, Assign, QueueError, Slot};
use crate::retry::{count_retry, redispatch, redispatch_now, Retries};
use crate::state::{inc, Backend, Runtime, Server};
use rampart_balance::{Choice, Input};
use rampart_net::connect::connect;
use rampart_net::{Conn, ConnAddrs};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Why no server connection could be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The backend has no usable server (HAProxy: 503, termination state `SC`... `sQ`).
    NoServer,
    /// Every attempt timed out (`timeout connect`; state `sC`).
    Timeout,
    /// Every attempt was refused or failed (state `SC`).
    Refused,
    /// `timeout queue` expired while every server was full (state `sQ`).
    QueueTimeout,
    /// The chosen server's queue is at `maxqueue` (state `SQ`).
    QueueFull,
}

impl ConnectError {
    /// The termination state of a stream that could not reach a server.
    pub fn term(
        self,
    ) -> (
        rampart_rules::logfmt::TermErr,
        rampart_rules::logfmt::FinState,
    ) {
        use rampart_rules::logfmt::{FinState, TermErr};
        match self {
            ConnectError::NoServer | ConnectError::Refused => {
                (TermErr::SrvClosed, FinState::Connect)
            }
            ConnectError::Timeout => (TermErr::SrvTimeout, FinState::Connect),
            ConnectError::QueueTimeout => (TermErr::SrvTimeout, FinState::Queue),
            ConnectError::QueueFull => (TermErr::SrvClosed, FinState::Queue),
        }
    }
}

impl From<QueueError> for ConnectError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::NoServer | QueueError::Redistributed => ConnectError::NoServer,
            QueueError::Timeout => ConnectError::QueueTimeout,
            QueueError::Full => ConnectError::QueueFull,
        }
    }
}

/// The server the backend's algorithm chooses for a stream offering `input`.
pub fn choose(be: &Backend, input: &Input<'_>) -> Choice {
    choose_avoiding(be, input, None)
}

/// [`choose`], avoiding server `avoid` if another one can serve (a redispatch).
pub fn choose_avoiding(be: &Backend, input: &Input<'_>, avoid: Option<usize>) -> Choice {
    // Streams already waiting in the backend's queue mean every server is full: the
    // load-based algorithms send a newcomer behind them (HAProxy's `assign_server`).
    if be.balance.queue_first() && be.counters.qcur.load(Ordering::SeqCst) > 0 {
        return if be.servers.is_empty() {
            Choice::NoServer
        } else {
            Choice::Full
        };
    }
    let c = be.balance.select(input, be, avoid);
    if let Choice::Server(i) = c {
        if avoid != Some(i) {
            if let Some(s) = be.servers.get(i) {
                crate::stats::balanced(be, s);
            }
        }
    }
    c
}

/// A server of `be` changed state (health check, runtime API) or the backend was just
/// built: the balancing algorithm and the backup servers in use follow.
pub fn servers_changed(be: &Backend) {
    crate::lb::servers_changed(be);
}

/// Takes a connection slot on the server `choice` names (waiting in its queue when it
/// is full), or in the backend's queue when every server is full. A stream taken out
/// of the queue of a server that went down is balanced again with `rechoose`.
pub async fn take_slot<'b>(
    be: &'b Backend,
    choice: Choice,
    rechoose: impl Fn() -> Choice,
) -> Result<Slot<'b>, ConnectError> {
    let mut choice = choice;
    loop {
        let assign = match choice {
            Choice::Server(i) => Assign::Server(i),
            Choice::Full => Assign::Any,
            Choice::NoServer => return Err(ConnectError::NoServer),
        };
        match acquire(be, assign, std::iter::empty(), be.timeouts.queue).await {
            Err(QueueError::Redistributed) => choice = rechoose(),
            r => return Ok(r?),
        }
    }
}

/// Takes a connection slot on server `i` of `be` (waiting in its queue when it is
/// full); balanced with `rechoose` if taken out of that queue.
pub async fn take_slot_on<'b>(
    be: &'b Backend,
    i: usize,
    rechoose: impl Fn() -> Choice,
) -> Result<Slot<'b>, ConnectError> {
    match acquire(be, Assign::Server(i), std::iter::empty(), be.timeouts.queue).await {
        Err(QueueError::Redistributed) => take_slot(be, rechoose(), rechoose).await,
        r => Ok(r?),
    }
}

/// Takes a slot, then connects to its server for a client whose addresses are `cli`:
/// the `mode tcp` path. Returns the connection, the server and the slot to hold for
/// the session.
pub async fn connect_server<'a>(
    rt: &Arc<Runtime>,
    be: &'a Backend,
    cli: &ConnAddrs,
    payload: &[u8],
) -> Result<(Conn, usize, Slot<'a>), ConnectError> {
    let input = Input {
        src: cli.src.map(|a| a.ip()),
        http: None,
        payload,
    };
    let rechoose = || choose(be, &input);
    let mut slot = take_slot(be, rechoose(), rechoose).await?;
    let mut r = Retries::new(input);
    let conn = connect_to(rt, be, &mut slot, cli, &mut r).await?;
    Ok((conn, slot.server(), slot))
}

/// Connects to the server of `slot`, retrying failures as `retry-on conn-failure` and
/// `retries` allow (counted in `r`); a retry may move the slot to another server
/// ([`crate::retry::redispatch_now`]).
pub async fn connect_to<'b>(
    rt: &Arc<Runtime>,
    be: &'b Backend,
    slot: &mut Slot<'b>,
    cli: &ConnAddrs,
    r: &mut Retries<'_>,
) -> Result<Conn, ConnectError> {
    loop {
        let srv: &Server = &be.servers[slot.server()];
        let Some(target) = srv.addr.resolve(cli.dst) else {
            return Err(ConnectError::Refused);
        };
        crate::stats::connection(be, Some(srv), false);
        let fut = connect(&target, srv.source.as_ref());
        let res = match be.timeouts.connect {
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(r) => r.map_err(|_| ConnectError::Refused),
                Err(_) => Err(ConnectError::Timeout),
            },
            None => fut.await.map_err(|_| ConnectError::Refused),
        };
        let e = match res {
            Ok(c) => {
                if be.srvtcpka {
                    c.set_keepalive();
                }
                if be.nolinger {
                    c.set_nolinger();
                }
                c.set_nodelay();
                crate::observe::report(rt, be, slot.server(), crate::observe::Event::L4Ok);
                return Ok(c);
            }
            Err(e) => e,
        };
        crate::observe::report(rt, be, slot.server(), crate::observe::Event::L4Err);
        if !be.retry_on.conn_failure || !r.take(be) {
            // One connection error per stream, when it gives up (HAProxy's
            // `back_handle_st_cer`); the attempts before count as retries.
            inc(&srv.counters.econ);
            inc(&be.counters.econ);
            return Err(e);
        }
        let moved = redispatch_now(be, slot.server(), r);
        if moved {
            redispatch(be, slot, r).await?;
        } else {
            count_retry(be, slot.server());
        }
        // HAProxy's turn-around delay, min(timeout connect, 1s), after a refusal when
        // the retry goes to the same server (or no other one is active).
        if e == ConnectError::Refused && (!moved || crate::retry::active_servers(be) <= 1) {
            let one = std::time::Duration::from_secs(1);
            let delay = be.timeouts.connect.map_or(one, |t| t.min(one));
            tokio::time::sleep(delay).await;
        }
    }
}

/// The PROXY header a server with `send-proxy` / `send-proxy-v2` receives first, carrying
/// the client's addresses (HAProxy's `make_proxy_line`), and for v2 the TLVs its
/// `proxy-v2-options` ask for: `crc32c`; `authority`, the one the client's own PROXY
/// header carried (or, later, its TLS SNI); `unique-id`, empty as HAProxy sends it
/// without `unique-id-format`; the SSL TLV, which says "not SSL" for a plain client.
pub fn proxy_header(
    srv: &Server,
    cli: &ConnAddrs,
    authority: Option<&[u8]>,
    unique_id: Option<&[u8]>,
    out: &mut Vec<u8>,
) {
    use rampart_proxy_protocol::{encode_v1, encode_v2, SslInfo, V2Params};
    if srv.send_proxy_v2 {
        let o = &srv.proxy_v2;
        let p = V2Params {
            src: cli.src,
            dst: cli.dst,
            crc32c: o.crc32c,
            authority: authority.filter(|_| o.authority),
            unique_id: o.unique_id.then_some(unique_id.unwrap_or_default()),
            ssl: o.ssl.then(SslInfo::default),
            ..V2Params::default()
        };
        let _ = encode_v2(&p, out);
    } else {
        encode_v1(cli.src, cli.dst, out);
    }
}
