//! The backend's balancing algorithm in the runtime (configuration manual 4.2
//! `balance`, `hash-type`, `hash-balance-factor`, `option allbackups`): builds the
//! [`rampart_balance::Balancer`] from the configuration, lets it read the servers' load
//! ([`Load`] over [`Backend`]), offers it the request ([`Request`]) and keeps it in step
//! with server states ([`servers_changed`]).

use crate::queue::dynamic_maxconn;
use crate::state::{Backend, Server};
use rampart_balance::{Algo, Balancer, Config, HashFn, HttpView, Input, Key, Load, ServerCfg};
use rampart_h1::{BodyKind, Method, RequestHead};
use rampart_model::proxy::balance::{self as model, HashType};
use rampart_model::proxy::{Mode, Proxy};
use std::sync::atomic::Ordering;

/// The balancer of a backend whose servers are `servers` (built from `p.servers`, or
/// the single `dispatch` pseudo-server).
pub fn build(p: &Proxy, servers: &[Server]) -> Balancer {
    let b = &p.balance;
    let algo = match b.algo.clone().unwrap_or(model::Algo::RoundRobin) {
        // Layer-7 algorithms need `mode http`; HAProxy falls back to round robin (and
        // the configuration check warned).
        a if a.needs_http() && p.mode != Mode::Http => Algo::RoundRobin,
        model::Algo::RoundRobin => Algo::RoundRobin,
        model::Algo::StaticRr => Algo::StaticRr,
        model::Algo::LeastConn => Algo::LeastConn,
        model::Algo::First => Algo::First,
        model::Algo::Random { draws } => Algo::Random { draws },
        a => Algo::Hash {
            key: key_of(a),
            consistent: b.hash_type == HashType::Consistent,
        },
    };
    let hash_fn = match b.hash_fn {
        model::HashFn::Sdbm => HashFn::Sdbm,
        model::HashFn::Djb2 => HashFn::Djb2,
        model::HashFn::Wt6 => HashFn::Wt6,
        model::HashFn::Crc32 => HashFn::Crc32,
    };
    let ids = puids(p, servers.len());
    let servers = servers
        .iter()
        .zip(ids)
        .map(|(s, puid)| ServerCfg {
            backup: s.backup,
            puid,
            uweight: s.live.uweight(),
            ok: lb_ok(s),
        })
        .collect();
    Balancer::new(Config {
        algo,
        hash_fn,
        avalanche: b.avalanche,
        balance_factor: b.hash_balance_factor,
        allbackups: p.options.flags.allbackups,
        servers,
    })
}

fn key_of(a: model::Algo) -> Key {
    let bytes = |s: String| s.into_bytes().into_boxed_slice();
    match a {
        model::Algo::Uri {
            len,
            depth,
            whole,
            path_only,
        } => Key::Uri {
            len,
            depth,
            whole,
            path_only,
        },
        model::Algo::UrlParam { name, .. } => Key::UrlParam { name: bytes(name) },
        model::Algo::Hdr {
            name,
            use_domain_only,
        } => Key::Hdr {
            name: bytes(name),
            use_domain_only,
        },
        model::Algo::RdpCookie { name } => Key::RdpCookie { name: bytes(name) },
        _ => Key::Source,
    }
}

/// The servers' numeric ids as HAProxy numbers them ([`rampart_model::ids::auto_ids`]).
fn puids(p: &Proxy, n: usize) -> Vec<u32> {
    let given: Vec<Option<Option<u32>>> = (0..n)
        .map(|i| Some(p.servers.get(i).and_then(|s| s.id)))
        .collect();
    rampart_model::ids::auto_ids(&given, 1)
        .into_iter()
        .map(|id| id as u32)
        .collect()
}

/// Up, not in maintenance, not draining: what the algorithm may use (with a weight).
fn lb_ok(s: &Server) -> bool {
    s.live.alive() && s.live.admin() & crate::server_state::admin::DRAIN == 0
}

/// A server of `be` changed state or weight (health check, runtime API) or the backend
/// was just built: the algorithm follows, and backup servers serve only when no active
/// server can, the first usable one or all of them with `option allbackups`.
pub fn servers_changed(be: &Backend) {
    for (i, s) in be.servers.iter().enumerate() {
        be.balance
            .update_ramped(i, s.live.uweight(), s.live.ramp(), lb_ok(s), be);
    }
    let usable = |s: &Server| lb_ok(s) && s.live.uweight() > 0;
    let any_active = be.servers.iter().any(|s| !s.backup && usable(s));
    let mut backup_in_use = false;
    for s in be.servers.iter().filter(|s| s.backup) {
        let u = usable(s);
        s.live
            .set_standby(u && (any_active || (backup_in_use && !be.allbackups)));
        backup_in_use |= u;
    }
}

impl Load for Backend {
    fn has_room(&self, i: usize) -> bool {
        let s = &self.servers[i];
        let max = dynamic_maxconn(self, s);
        max == u32::MAX
            || (s.counters.qcur.load(Ordering::Relaxed) == 0
                && s.served.load(Ordering::Relaxed) < max)
    }

    fn may_queue(&self, i: usize) -> bool {
        let s = &self.servers[i];
        let max = dynamic_maxconn(self, s);
        max == u32::MAX
            || u64::from(s.served.load(Ordering::Relaxed)) + s.counters.qcur.load(Ordering::Relaxed)
                < u64::from(max) + u64::from(s.maxqueue)
    }

    fn served(&self, i: usize) -> u32 {
        self.servers[i].served.load(Ordering::Relaxed)
    }

    fn inflight(&self, i: usize) -> u32 {
        let s = &self.servers[i];
        s.served
            .load(Ordering::Relaxed)
            .wrapping_add(s.counters.qcur.load(Ordering::Relaxed) as u32)
    }

    fn total_served(&self) -> u32 {
        self.servers
            .iter()
            .map(|s| s.served.load(Ordering::Relaxed))
            .fold(0, u32::wrapping_add)
    }
}

/// What an HTTP stream offers the algorithm: the client's address and the request.
pub fn input<'a>(addrs: &rampart_net::ConnAddrs, req: &'a Request<'a>) -> Input<'a> {
    Input {
        src: addrs.src.map(|a| a.ip()),
        http: Some(req),
        payload: &[],
    }
}

/// An HTTP request as the hash keys read it: the head and the body bytes received so
/// far (all of it with `option http-buffer-request`).
pub struct Request<'a> {
    pub head: &'a RequestHead,
    /// What follows the head in the receive buffer.
    pub after_head: &'a [u8],
}

impl HttpView for Request<'_> {
    fn uri(&self) -> &[u8] {
        self.head.uri()
    }

    fn is_post(&self) -> bool {
        self.head.method() == Method::Post
    }

    fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.head.headers().get(name)
    }

    /// The body's first bytes: up to the announced length, or the first chunk's data
    /// when chunked (HAProxy looks at its first data block).
    fn body(&self) -> &[u8] {
        let b = self.after_head;
        match self.head.body_kind() {
            BodyKind::Length(n) => &b[..b.len().min(usize::try_from(n).unwrap_or(usize::MAX))],
            BodyKind::Chunked => first_chunk(b),
            _ => &[],
        }
    }
}

/// The data of the first chunk of a chunked body, as much of it as was received.
fn first_chunk(b: &[u8]) -> &[u8] {
    let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
        return &[];
    };
    let size_txt = b[..eol].split(|&c| c == b';').next().unwrap_or_default();
    let size = std::str::from_utf8(size_txt)
        .ok()
        .and_then(|t| usize::from_str_radix(t.trim(), 16).ok())
        .unwrap_or(0);
    let data = &b[eol + 2..];
    &data[..data.len().min(size)]
}
