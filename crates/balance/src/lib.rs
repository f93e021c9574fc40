//! HAProxy 2.6's load-balancing algorithms (configuration manual 4.2 `balance`,
//! `hash-type`, `hash-balance-factor`), with HAProxy's exact selection sequences.
//!
//! A [`Balancer`] holds one backend's balancing state. The runtime tells it about each
//! server's state and weight ([`Balancer::update`], called whenever a server changes),
//! asks it for a server per stream ([`Balancer::select`]) and, for `leastconn`, tells it
//! when a server takes or drops a stream ([`Balancer::reposition`]). Server load
//! (served streams, queues, `maxconn`) is read through the [`Load`] trait.
//!
//! Modules follow HAProxy's: [`hash`] (hash.c), [`key`] (the request keys of backend.c),
//! `fwrr` (roundrobin), `map` (static-rr and map-based hashing), `fwlc` (leastconn),
//! `fas` (first, folded into the shared view), `chash` (consistent hashing, random).
//!
//! Concurrency: HAProxy takes a per-backend lock for its trees; so do we, with one
//! `parking_lot` mutex per backend around the mutable state (roundrobin, static-rr's
//! cursor, leastconn's tree, consistent hashing's round-robin cursor). What only
//! changes with server states (map-based hash lookups, consistent-hash lookups with or
//! without `hash-balance-factor`, `first`, `random`) is read from an immutable view
//! swapped atomically on each server change, without a lock.

pub use rampart_core::hash;

/// The whole `slowstart` ramp ([`Balancer::update_ramped`]): ramps are fractions of
/// the warm-up period elapsed, in units of `1 / RAMP_ONE`.
pub const RAMP_ONE: u32 = 1 << 20;
pub mod key;

mod chash;
mod common;
mod fwlc;
mod fwrr;
mod map;
mod rng;
mod tree;

pub use hash::HashFn;
pub use key::{HttpView, Input, Key};

use arc_swap::ArcSwap;
use common::Lb;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// An algorithm, as the backend runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Algo {
    RoundRobin,
    StaticRr,
    LeastConn,
    First,
    Random { draws: u32 },
    Hash { key: Key, consistent: bool },
}

/// A backend's balancing configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub algo: Algo,
    pub hash_fn: HashFn,
    pub avalanche: bool,
    /// `hash-balance-factor` (0: none).
    pub balance_factor: u32,
    /// `option allbackups`.
    pub allbackups: bool,
    pub servers: Vec<ServerCfg>,
}

/// A server as the configuration starts it.
#[derive(Clone, Copy, Debug)]
pub struct ServerCfg {
    pub backup: bool,
    /// The server's numeric id (`id`, or HAProxy's automatic numbering).
    pub puid: u32,
    /// `weight`, 0..=256.
    pub uweight: u32,
    /// Up, not in maintenance, not draining.
    pub ok: bool,
}

/// What the algorithm needs to know about servers' load.
pub trait Load {
    /// The server may take a new stream now: no `maxconn`, or nobody in its queue and
    /// a free slot (HAProxy's test in roundrobin, static-rr, first, random).
    fn has_room(&self, srv: usize) -> bool;
    /// `leastconn`'s test: no `maxconn`, or served and queued streams below its
    /// limit plus `maxqueue`.
    fn may_queue(&self, srv: usize) -> bool;
    /// Streams the server serves now.
    fn served(&self, srv: usize) -> u32;
    /// Served plus queued streams.
    fn inflight(&self, srv: usize) -> u32;
    /// Streams all servers of the backend serve now.
    fn total_served(&self) -> u32;
}

/// The algorithm's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// This server (hash-based algorithms may return a full one: the stream then
    /// waits in its queue).
    Server(usize),
    /// Every candidate is saturated: the stream waits in the backend's queue.
    Full,
    /// No server is usable (503).
    NoServer,
}

/// One backend's balancing state.
pub struct Balancer {
    algo: Algo,
    hash_fn: HashFn,
    avalanche: bool,
    factor: u32,
    state: Mutex<State>,
    view: ArcSwap<View>,
    /// `leastconn`: each server's key in its tree (`u64::MAX`: not in a tree), read
    /// without the lock to skip repositions that change nothing. Grows with
    /// [`Balancer::add_server`].
    lc_keys: rampart_core::grow::Grow<AtomicU64>,
}

struct State {
    lb: Lb,
    alg: Alg,
}

enum Alg {
    Fwrr(fwrr::Fwrr),
    Map(map::Map),
    Fwlc(fwlc::Fwlc),
    Chash(chash::Chash),
    /// `first`: the order is the servers' ids, so the view has all it needs.
    Fas,
}

/// What lookups read without the lock, rebuilt when a server changes.
#[derive(Debug, Default)]
struct View {
    tot_weight: u32,
    tot_used: u32,
    /// Which group is in use: `Ok(0|1)`, or the single backup / none.
    group: Option<Result<usize, Option<usize>>>,
    /// Map-based: the first `tot_weight` slots of the map.
    map: Vec<u32>,
    /// Consistent hashing and random: the ring of the group in use.
    ring: chash::Ring,
    /// `first`: the usable servers of the group in use, by id.
    by_id: Vec<u32>,
    /// Current effective weights and cumulative weights (balance factor, random).
    eweight: Vec<u32>,
    cumulative: Vec<u32>,
    /// The algorithm's weight scale (HAProxy's `lbprm.wdiv` and `wmult`).
    wdiv: u32,
    wmult: u32,
}

/// A load for building a balancer before any stream exists.
struct Idle;

impl Load for Idle {
    fn has_room(&self, _: usize) -> bool {
        true
    }
    fn may_queue(&self, _: usize) -> bool {
        true
    }
    fn served(&self, _: usize) -> u32 {
        0
    }
    fn inflight(&self, _: usize) -> u32 {
        0
    }
    fn total_served(&self) -> u32 {
        0
    }
}

impl Balancer {
    /// Builds the state as HAProxy does at start-up.
    pub fn new(cfg: Config) -> Balancer {
        let mut lb = Lb::new(&cfg.servers, cfg.allbackups);
        let alg = match &cfg.algo {
            Algo::RoundRobin => Alg::Fwrr(fwrr::Fwrr::init(&mut lb)),
            Algo::StaticRr => Alg::Map(map::Map::init(&mut lb)),
            Algo::LeastConn => Alg::Fwlc(fwlc::Fwlc::init(&mut lb, &Idle)),
            Algo::First => {
                lb.init_weights(fwrr::SCALE, 1);
                lb.recount();
                lb.update_backend_weight();
                Alg::Fas
            }
            Algo::Random { .. } => Alg::Chash(chash::Chash::init(&mut lb)),
            Algo::Hash { consistent, .. } => {
                if *consistent {
                    Alg::Chash(chash::Chash::init(&mut lb))
                } else {
                    Alg::Map(map::Map::init(&mut lb))
                }
            }
        };
        let n = lb.srv.len();
        let state = State { lb, alg };
        let b = Balancer {
            algo: cfg.algo,
            hash_fn: cfg.hash_fn,
            avalanche: cfg.avalanche,
            factor: cfg.balance_factor,
            view: ArcSwap::from_pointee(View::default()),
            lc_keys: (0..n).map(|_| AtomicU64::new(u64::MAX)).collect(),
            state: Mutex::new(state),
        };
        b.publish(&b.state.lock());
        b
    }

    pub fn algo(&self) -> &Algo {
        &self.algo
    }

    /// `rdp-cookie`: the algorithm reads the first bytes of a `mode tcp` stream.
    pub fn reads_payload(&self) -> bool {
        matches!(
            self.algo,
            Algo::Hash {
                key: Key::RdpCookie { .. },
                ..
            }
        )
    }

    /// `url_param`: the algorithm may read the body of a POST.
    pub fn reads_body(&self) -> bool {
        matches!(
            self.algo,
            Algo::Hash {
                key: Key::UrlParam { .. },
                ..
            }
        )
    }

    /// `roundrobin`, `static-rr` and `first` send a newcomer to the backend's queue
    /// when streams already wait there (HAProxy's `assign_server`).
    pub fn queue_first(&self) -> bool {
        matches!(self.algo, Algo::RoundRobin | Algo::StaticRr | Algo::First)
    }

    /// Server `i` now has user weight `uweight` and is `ok` (up, not in maintenance,
    /// not draining): the algorithm's structures follow. `load` is read for
    /// `leastconn`'s position.
    pub fn update(&self, i: usize, uweight: u32, ok: bool, load: &impl Load) {
        self.update_ramped(i, uweight, RAMP_ONE, ok, load);
    }

    /// [`Balancer::update`] for a server warming up after `slowstart`: `ramp` is the
    /// part of the warm-up period elapsed (of [`RAMP_ONE`]). As HAProxy, only the
    /// dynamic algorithms ramp (a map is built from full weights).
    pub fn update_ramped(&self, i: usize, uweight: u32, ramp: u32, ok: bool, load: &impl Load) {
        let mut st = self.state.lock();
        let State { lb, alg } = &mut *st;
        if i >= lb.srv.len() {
            return;
        }
        let ramp = if matches!(alg, Alg::Map(_)) {
            RAMP_ONE
        } else {
            ramp
        };
        lb.srv[i].next = common::St {
            ok,
            eweight: lb.eweight_ramped(uweight, ramp),
        };
        if !lb.changed(i) {
            return;
        }
        match alg {
            Alg::Fwrr(f) => f.update(lb, i),
            Alg::Map(m) => m.update(lb, i),
            Alg::Fwlc(f) => f.update(lb, i, load),
            Alg::Chash(c) => c.update(lb, i),
            Alg::Fas => {
                match (lb.srv[i].cur.usable(), lb.srv[i].next.usable()) {
                    (true, false) => lb.count_down(i),
                    (false, true) => lb.count_up(i),
                    (true, true) => {
                        let (c, n) = (lb.srv[i].cur.eweight, lb.srv[i].next.eweight);
                        if lb.srv[i].backup {
                            lb.tot_wbck = lb.tot_wbck.wrapping_add(n).wrapping_sub(c);
                        } else {
                            lb.tot_wact = lb.tot_wact.wrapping_add(n).wrapping_sub(c);
                        }
                    }
                    (false, false) => {}
                }
                lb.update_backend_weight();
                lb.commit(i);
            }
        }
        self.publish(&st);
    }

    /// A server added at run time (the runtime API's `add server`, HAProxy's
    /// `srv_alloc_lb`): it takes index `i`, the next one, and starts out of the
    /// algorithm's structures (in maintenance); it enters them when it comes up, as any
    /// server does ([`Balancer::update`]). Map-based algorithms (`static-rr`,
    /// non-consistent hashing) cannot take new servers: the caller refuses them first,
    /// as HAProxy does; here they are kept out of the map.
    pub fn add_server(&self, i: usize, cfg: ServerCfg) {
        let mut st = self.state.lock();
        let State { lb, alg } = &mut *st;
        if i != lb.srv.len() {
            return;
        }
        let down = common::St {
            ok: false,
            eweight: lb.eweight(cfg.uweight),
        };
        lb.srv.push(common::Srv {
            backup: cfg.backup,
            puid: cfg.puid,
            cur: down,
            next: down,
            cumulative: 0,
        });
        match alg {
            Alg::Fwrr(f) => f.add_server(),
            Alg::Fwlc(f) => f.add_server(),
            Alg::Chash(c) => c.add_server(lb, i),
            Alg::Map(_) | Alg::Fas => {}
        }
        while self.lc_keys.len() <= i {
            self.lc_keys.push(AtomicU64::new(u64::MAX));
        }
        self.publish(&st);
    }

    /// Rebuilds the lock-free view from the state.
    fn publish(&self, st: &State) {
        let lb = &st.lb;
        let mut v = View {
            tot_weight: lb.tot_weight,
            tot_used: lb.tot_used,
            group: Some(lb.group()),
            eweight: lb.srv.iter().map(|s| s.cur.eweight).collect(),
            cumulative: lb.srv.iter().map(|s| s.cumulative).collect(),
            wdiv: lb.wdiv,
            wmult: lb.wmult,
            ..View::default()
        };
        match &st.alg {
            Alg::Map(m) => {
                v.map = m
                    .table
                    .iter()
                    .take(lb.tot_weight as usize)
                    .map(|s| s.unwrap_or(u32::MAX))
                    .collect();
            }
            Alg::Chash(c) => v.ring.points = c.ring(lb),
            Alg::Fas => {
                if let Ok(g) = lb.group() {
                    let mut ids: Vec<u32> = (0..lb.srv.len())
                        .filter(|&i| usize::from(lb.srv[i].backup) == g && lb.srv[i].cur.usable())
                        .map(|i| i as u32)
                        .collect();
                    ids.sort_by_key(|&i| lb.srv[i as usize].puid);
                    v.by_id = ids;
                }
            }
            Alg::Fwlc(f) => {
                for (i, k) in self.lc_keys.iter().enumerate() {
                    let key = f.current_key(i).map_or(u64::MAX, u64::from);
                    k.store(key, Ordering::Relaxed);
                }
            }
            Alg::Fwrr(_) => {}
        }
        self.view.store(Arc::new(v));
    }

    /// The weight server `i` has in the balancing now, in user-weight units rounded
    /// up (HAProxy's `weight` statistic: `cur_eweight` over the weight divider).
    pub fn shown_weight(&self, i: usize) -> u32 {
        let v = self.view.load();
        let e = u64::from(v.eweight.get(i).copied().unwrap_or(0));
        scaled(e, v.wdiv, v.wmult)
    }

    /// The weight of the servers in use (HAProxy's backend `weight` statistic:
    /// `tot_weight` over the weight divider).
    pub fn shown_total(&self) -> u32 {
        let v = self.view.load();
        scaled(u64::from(v.tot_weight), v.wdiv, v.wmult)
    }

    /// The share of its weight server `i` (of user weight `uweight`) takes now, in
    /// percent rounded up (HAProxy's `server_throttle_rate`: below 100 while it warms
    /// up after `slowstart`; 100 with a zero weight).
    pub fn throttle(&self, i: usize, uweight: u32) -> u32 {
        if uweight == 0 {
            return 100;
        }
        let v = self.view.load();
        let e = u64::from(v.eweight.get(i).copied().unwrap_or(0));
        let (wdiv, wmult) = (u64::from(v.wdiv.max(1)), u64::from(v.wmult.max(1)));
        let t = (100 * wmult * e + wdiv - 1) / (wdiv * u64::from(uweight));
        u32::try_from(t).unwrap_or(u32::MAX)
    }

    /// The server for a stream (HAProxy's `assign_server`), avoiding `avoid` when
    /// another one can serve (a redispatch).
    pub fn select(&self, input: &Input<'_>, load: &impl Load, avoid: Option<usize>) -> Choice {
        let v = self.view.load();
        if v.tot_weight == 0 {
            return Choice::NoServer;
        }
        let got = match &self.algo {
            Algo::RoundRobin => {
                let mut st = self.state.lock();
                let State { lb, alg } = &mut *st;
                match alg {
                    Alg::Fwrr(f) => f.next_server(lb, load, avoid),
                    _ => None,
                }
            }
            Algo::StaticRr => self.map_rr(load, avoid),
            Algo::LeastConn => {
                let st = self.state.lock();
                match &st.alg {
                    Alg::Fwlc(f) => f.next_server(&st.lb, load, avoid),
                    _ => None,
                }
            }
            Algo::First => first(&v, load, avoid),
            Algo::Random { draws } => self.random(&v, *draws, load, avoid),
            Algo::Hash { key, consistent } => {
                let h = key::hash_of(key, input, self.hash_fn, self.avalanche, v.tot_used);
                let found = h.and_then(|h| {
                    if *consistent {
                        self.chash_lookup(&v, h, load, avoid)
                    } else {
                        map_lookup(&v, h)
                    }
                });
                match found {
                    Some(s) => Some(s),
                    None if *consistent => self.chash_rr(load, avoid),
                    None => self.map_rr(load, avoid),
                }
            }
        };
        got.map_or(Choice::Full, Choice::Server)
    }

    fn map_rr(&self, load: &impl Load, avoid: Option<usize>) -> Option<usize> {
        let mut st = self.state.lock();
        let State { lb, alg } = &mut *st;
        match alg {
            Alg::Map(m) => m.next_rr(lb, load, avoid),
            _ => None,
        }
    }

    fn chash_rr(&self, load: &impl Load, avoid: Option<usize>) -> Option<usize> {
        let mut st = self.state.lock();
        let State { lb, alg } = &mut *st;
        match alg {
            Alg::Chash(c) => c.next_server(lb, load, avoid),
            _ => None,
        }
    }

    /// HAProxy's `chash_get_server_hash`.
    fn chash_lookup(
        &self,
        v: &View,
        hash: u32,
        load: &impl Load,
        avoid: Option<usize>,
    ) -> Option<usize> {
        match v.group? {
            Ok(_) => {}
            Err(fbck) => return fbck,
        }
        let factor = self.factor;
        let eligible = |s: usize| {
            // A server takes at most its share of (served + 1) * factor / 100 streams.
            let tot = v.tot_weight.max(1);
            let slots_all = (load.total_served().wrapping_add(1))
                .wrapping_mul(factor)
                .wrapping_add(99)
                / 100;
            let per_weight = slots_all / tot;
            let rem = slots_all % tot;
            let (ew, cw) = (v.eweight[s], v.cumulative[s]);
            let mut slots = ew.wrapping_mul(per_weight);
            slots = slots.wrapping_add(
                (cw.wrapping_add(ew).wrapping_mul(rem) / tot)
                    .wrapping_sub(cw.wrapping_mul(rem) / tot),
            );
            if slots == 0 {
                slots = 1;
            }
            load.served(s) < slots
        };
        v.ring.lookup(hash, avoid, eligible, factor != 0)
    }

    /// `balance random(<draws>)`: the least loaded of `draws` random ring positions;
    /// none when that server is full (the stream then waits in the backend's queue).
    fn random(
        &self,
        v: &View,
        draws: u32,
        load: &impl Load,
        avoid: Option<usize>,
    ) -> Option<usize> {
        let mut curr: Option<usize> = None;
        let mut left = draws.max(1);
        loop {
            let prev = curr;
            curr = self.chash_lookup(v, rng::next(), load, avoid);
            let Some(c) = curr else { break };
            if let Some(p) = prev {
                let (ec, ep) = (v.eweight[c], v.eweight[p]);
                if p != c && load.served(c).wrapping_mul(ep) > load.served(p).wrapping_mul(ec) {
                    curr = Some(p);
                }
            }
            left -= 1;
            if left == 0 {
                break;
            }
        }
        curr.filter(|&c| load.has_room(c))
    }

    /// Server `i` took or dropped a stream: `leastconn` moves it in its tree (HAProxy's
    /// `server_take_conn` / `server_drop_conn`). Other algorithms ignore it.
    pub fn reposition(&self, i: usize, load: &impl Load) {
        if !matches!(self.algo, Algo::LeastConn) {
            return;
        }
        let Some(mirror) = self.lc_keys.get(i) else {
            return;
        };
        let ew = self.view.load().eweight.get(i).copied().unwrap_or(0);
        let inflight = load.inflight(i);
        let new_key = fwlc::key(inflight, ew);
        if ew > 0 && mirror.load(Ordering::Relaxed) == u64::from(new_key) {
            return;
        }
        let mut st = self.state.lock();
        let State { lb, alg } = &mut *st;
        if let Alg::Fwlc(f) = alg {
            f.reposition(lb, i, load.inflight(i));
            let key = f.current_key(i).map_or(u64::MAX, u64::from);
            mirror.store(key, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for Balancer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Balancer")
            .field("algo", &self.algo)
            .finish_non_exhaustive()
    }
}

fn map_lookup(v: &View, hash: u32) -> Option<usize> {
    if v.tot_weight == 0 {
        return None;
    }
    v.map
        .get((hash % v.tot_weight) as usize)
        .filter(|&&s| s != u32::MAX)
        .map(|&s| s as usize)
}

/// `balance first`: the usable server with the lowest id that has room.
fn first(v: &View, load: &impl Load, avoid: Option<usize>) -> Option<usize> {
    match v.group? {
        Ok(_) => {}
        Err(fbck) => return fbck,
    }
    let mut avoided = None;
    for &s in &v.by_id {
        let s = s as usize;
        if load.has_room(s) {
            if Some(s) != avoid {
                return Some(s);
            }
            avoided = Some(s);
        }
    }
    avoided
}

#[cfg(test)]
mod tests;

/// An effective weight back in user-weight units, rounded up.
fn scaled(e: u64, wdiv: u32, wmult: u32) -> u32 {
    let (wdiv, wmult) = (u64::from(wdiv.max(1)), u64::from(wmult.max(1)));
    u32::try_from((e * wmult).div_ceil(wdiv)).unwrap_or(u32::MAX)
}
