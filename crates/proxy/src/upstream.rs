//! Choosing a server and connecting to it (configuration manual 4.2 `retries`,
//! `timeout connect`, `timeout queue`; 5.2 `maxconn`, `send-proxy`, `source`).
//!
//! A stream first takes a connection slot on a server ([`take_slot`], waiting in a queue
//! when every server is full, see [`crate::queue`]), then connects to that server
//! ([`connect_to`]). The choice is a plain round robin over usable servers with a free
//! slot (backup servers only when no active server can serve) until the balancing issue
//! brings HAProxy's algorithms; for the hash-based ones
//! (`balance source|uri|url_param|hdr|rdp-cookie`) the server is chosen without regard
//! to its load and the stream waits in that server's own queue, as HAProxy does.
//! Connection failures are retried `retries` times on the same server; with `option
//! redispatch` the last attempt may move to another one.

use crate::queue::{acquire, Assign, QueueError, Slot};
use crate::state::{inc, Backend, Server};
use rampart_net::connect::connect;
use rampart_net::{Conn, ConnAddrs};
use std::sync::atomic::Ordering;

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

impl From<QueueError> for ConnectError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::NoServer => ConnectError::NoServer,
            QueueError::Timeout => ConnectError::QueueTimeout,
            QueueError::Full => ConnectError::QueueFull,
        }
    }
}

/// Picks the next server in a round robin over those that can serve: disabled and
/// standby servers take no turn, so the usable ones take equal turns wherever they sit
/// in the list.
pub fn pick(be: &Backend) -> Option<usize> {
    let serving = |s: &&Server| s.live.serving();
    let m = be.servers.iter().filter(serving).count();
    if m == 0 {
        return None;
    }
    let turn = be.rr.fetch_add(1, Ordering::Relaxed);
    be.servers
        .iter()
        .enumerate()
        .filter(|(_, s)| serving(s))
        .nth(turn % m)
        .map(|(i, _)| i)
}

/// A server of `be` changed state (health check, runtime API) or the backend was just
/// built: backup servers serve only when no active server can, the first one alive
/// or all of them with `option allbackups` (HAProxy's `recalc_server_map` / fwrr).
pub fn servers_changed(be: &Backend) {
    let any_active = be.servers.iter().any(|s| !s.backup && s.live.alive());
    let mut backup_in_use = false;
    for s in be.servers.iter().filter(|s| s.backup) {
        let alive = s.live.alive();
        s.live
            .set_standby(alive && (any_active || (backup_in_use && !be.allbackups)));
        backup_in_use |= alive;
    }
}

/// Takes a connection slot on a server of `be` (waiting in a queue when all are full).
pub async fn take_slot(be: &Backend) -> Result<Slot<'_>, ConnectError> {
    let n = be.servers.len();
    if n == 0 {
        return Err(ConnectError::NoServer);
    }
    let (assign, start) = if be.deterministic {
        (Assign::Server(pick(be).ok_or(ConnectError::NoServer)?), 0)
    } else {
        // No server can serve: the queue answers as HAProxy does (503).
        (Assign::Any, pick(be).unwrap_or(0))
    };
    let order = (0..n).map(move |i| (start + i) % n);
    Ok(acquire(be, assign, order, be.timeouts.queue).await?)
}

/// Takes a connection slot on server `i` of `be` (waiting in its queue when it is full).
pub async fn take_slot_on(be: &Backend, i: usize) -> Result<Slot<'_>, ConnectError> {
    let n = be.servers.len();
    Ok(acquire(be, Assign::Server(i), 0..n, be.timeouts.queue).await?)
}

/// Takes a slot, then connects to its server for a client whose addresses are `cli`:
/// the `mode tcp` path. Returns the connection, the server and the slot to hold for
/// the session.
pub async fn connect_server<'a>(
    be: &'a Backend,
    cli: &ConnAddrs,
) -> Result<(Conn, usize, Slot<'a>), ConnectError> {
    let mut slot = take_slot(be).await?;
    let conn = connect_to(be, &mut slot, cli).await?;
    Ok((conn, slot.server(), slot))
}

/// Connects to the server of `slot`, retrying as configured; the last attempt may move
/// the slot to another server with room.
pub async fn connect_to(
    be: &Backend,
    slot: &mut Slot<'_>,
    cli: &ConnAddrs,
) -> Result<Conn, ConnectError> {
    let attempts = be.retries + 1;
    let mut last = ConnectError::Refused;
    for attempt in 0..attempts {
        if attempt > 0 {
            inc(&be.servers[slot.server()].counters.retries);
            if attempt + 1 == attempts && be.redispatch {
                // `option redispatch`: the last attempt may go to another server.
                if let Some(i) = pick(be) {
                    slot.try_move(i);
                }
            }
        }
        let srv: &Server = &be.servers[slot.server()];
        let target = srv.addr.resolve(cli.dst.map(|d| d.port()));
        let fut = connect(&target, srv.source.as_ref());
        let res = match be.timeouts.connect {
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(r) => r.map_err(|_| ConnectError::Refused),
                Err(_) => Err(ConnectError::Timeout),
            },
            None => fut.await.map_err(|_| ConnectError::Refused),
        };
        match res {
            Ok(c) => {
                if be.srvtcpka {
                    c.set_keepalive();
                }
                if be.nolinger {
                    c.set_nolinger();
                }
                c.set_nodelay();
                return Ok(c);
            }
            Err(e) => {
                inc(&srv.counters.econ);
                inc(&be.counters.econ);
                last = e;
                if attempt + 1 < attempts && e == ConnectError::Refused {
                    // HAProxy's turn-around delay before a retry: min(timeout connect, 1s).
                    let one = std::time::Duration::from_secs(1);
                    let delay = be.timeouts.connect.map_or(one, |t| t.min(one));
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
    Err(last)
}

/// The PROXY header a server with `send-proxy` / `send-proxy-v2` receives first, carrying
/// the client's addresses (HAProxy's `make_proxy_line`), and for v2 the TLVs its
/// `proxy-v2-options` ask for: `crc32c`; `authority`, the one the client's own PROXY
/// header carried (or, later, its TLS SNI); `unique-id`, empty as HAProxy sends it
/// without `unique-id-format`; the SSL TLV, which says "not SSL" for a plain client.
pub fn proxy_header(srv: &Server, cli: &ConnAddrs, authority: Option<&[u8]>, out: &mut Vec<u8>) {
    use rampart_proxy_protocol::{encode_v1, encode_v2, SslInfo, V2Params};
    if srv.send_proxy_v2 {
        let o = &srv.proxy_v2;
        let p = V2Params {
            src: cli.src,
            dst: cli.dst,
            crc32c: o.crc32c,
            authority: authority.filter(|_| o.authority),
            unique_id: o.unique_id.then_some(&[][..]),
            ssl: o.ssl.then(SslInfo::default),
            ..V2Params::default()
        };
        let _ = encode_v2(&p, out);
    } else {
        encode_v1(cli.src, cli.dst, out);
    }
}
