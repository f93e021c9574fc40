//! Choosing a server and connecting to it (configuration manual 4.2 `retries`,
//! `timeout connect`; 5.2 `send-proxy`, `source`). The choice is a plain round robin over
//! usable servers until the balancing issue brings HAProxy's algorithms; connection
//! failures are retried `retries` times, moving to the next server as `option redispatch`
//! would only on the last attempt.

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
}

/// Picks the next usable server.
pub fn pick(be: &Backend) -> Option<usize> {
    let n = be.servers.len();
    if n == 0 {
        return None;
    }
    let start = be.rr.fetch_add(1, Ordering::Relaxed);
    (0..n)
        .map(|i| (start + i) % n)
        .find(|&i| !be.servers[i].disabled)
}

/// Connects to a server of `be` for a client whose addresses are `cli`, retrying as
/// configured. Returns the connection and the index of the server.
pub async fn connect_server(be: &Backend, cli: &ConnAddrs) -> Result<(Conn, usize), ConnectError> {
    let Some(mut idx) = pick(be) else {
        return Err(ConnectError::NoServer);
    };
    let attempts = be.retries + 1;
    let mut last = ConnectError::Refused;
    for attempt in 0..attempts {
        if attempt > 0 {
            inc(&be.servers[idx].counters.retries);
            if attempt + 1 == attempts {
                // Last attempt: try another server, as redispatch would.
                if let Some(i) = pick(be) {
                    idx = i;
                }
            }
        }
        let srv: &Server = &be.servers[idx];
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
                return Ok((c, idx));
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
