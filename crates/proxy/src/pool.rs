//! Server connections in `mode http` and the per-thread pool of idle ones
//! (configuration manual 4.2 `http-reuse`; 5.2 `pool-max-conn`, `pool-low-conn`,
//! `pool-purge-delay`, `max-reuse`; HAProxy 2.6's `connect_server`,
//! `srv_add_to_idle_list` and `srv_cleanup_idle_conns`).
//!
//! The HTTP session calls two functions around each request, once it holds a slot on a
//! server ([`crate::queue`]):
//!
//! - [`obtain`]: the session's own connection to that server when it has one, else an
//!   idle one from the pools as `http-reuse` allows, else a new connection;
//! - [`put_back`]: after a complete response on a connection that stays open, keeps it:
//!   as the session's own with `http-reuse never` or when private (connection-based
//!   authentication, a `dispatch` address), otherwise in the pool, where any later
//!   request may take it, within `pool-max-conn` and `max-reuse`.
//!
//! Which idle connections a request may take (HAProxy's table): a connection that
//! carried one request is *idle*, one that carried more is *safe* (the server has shown
//! it keeps connections open).
//!
//! | `http-reuse` | first request of a session | later requests |
//! |---|---|---|
//! | `never` | its own connection only | its own connection only |
//! | `safe` (default) | a new connection | idle, then safe |
//! | `aggressive` | safe | idle, then safe |
//! | `always` | safe, then idle | idle, then safe |
//!
//! A connection is checked with a non-blocking peek before reuse: one the server closed
//! meanwhile (or that holds unexpected bytes) is dropped and the next is tried. If the
//! server still closes a reused connection before any response byte (it closed it as
//! the request went out), a safe body-less request is sent once more on a new
//! connection ([`replayable`], [`resend`]). HAProxy 2.6 retries only with `retry-on
//! empty-response`, and otherwise closes the client connection so that the client
//! retries (502 for a first request); Rampart retries what cannot do harm twice.
//!
//! Pools are per thread: no lock on the way in or out. A request that finds nothing of
//! the kind it may take on its own thread takes a connection over from another thread,
//! as HAProxy does ([`takeover`]: the owner hands it over through a mailbox, only on
//! that path). Every `pool-purge-delay` half of the connections in excess of the recent
//! need are closed, the need being estimated from the most connections used at once,
//! as HAProxy does.
//!
//! A connection goes back to the pool as soon as its response has been received whole,
//! before the response's last bytes are written to the client (the stream sends them
//! after [`put_back`]), as HAProxy releases a server connection when the response ends:
//! a client that starts right after the previous one ended finds it there.

mod takeover;

pub use takeover::{ConnFigures, Shared};

use crate::queue::Slot;
use crate::retry::Retries;
use crate::state::{Backend, Runtime, Server};
use crate::upstream::{connect_to, proxy_header, ConnectError};
use crate::worker::WorkerCx;
use rampart_h1::RequestHead;
use rampart_model::proxy::keywords::HttpReuse;
use rampart_net::{Conn, ConnAddrs};
use std::cell::{Cell, OnceCell, RefCell};
use std::hash::{Hash, Hasher};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;
use tokio::time::Instant;

/// A connection to a server, owned by one stream at a time.
pub(crate) struct ServerConn {
    pub conn: Conn,
    pub backend: usize,
    pub server: usize,
    /// Requests completed over it so far (0: new).
    pub uses: u32,
    /// What besides the server the connection is bound to (the PROXY header it sent,
    /// the destination port of a port-mapped server): only a request with the same key
    /// may reuse it. 0 when nothing.
    pub key: u64,
    /// The server's address generation when it was made: a connection to an address
    /// the runtime API since replaced is not reused.
    pub generation: u32,
    /// Bound to one client session (connection-based authentication, a `dispatch`
    /// address): never shared through the pool, as HAProxy's private connections.
    pub private: bool,
    _lease: Lease,
}

impl ServerConn {
    /// The connection belongs to its client session from now on (the server asked for
    /// connection-based authentication): no longer counted in use, as HAProxy's
    /// `conn_set_private`.
    pub(crate) fn set_private(&mut self) {
        self.private = true;
        self._lease.uncount();
    }

    /// Closes a connection whose transaction completed but which is not kept: with a
    /// reset, as HAProxy closes a server connection once the response length was known,
    /// so neither side keeps the connection in TIME_WAIT and the server has no close
    /// to process.
    pub(crate) fn close_after_transaction(self) {
        self.conn.set_nolinger();
    }
}

/// Counts a live connection of a server on this thread (for the purge's estimate and
/// the statistics), until it is dropped or made private.
pub(crate) struct Lease {
    idle: Rc<SrvIdle>,
    counted: bool,
}

impl Lease {
    /// The connection no longer counts (HAProxy's private connections are not in
    /// `curr_used_conns`).
    fn uncount(&mut self) {
        if std::mem::take(&mut self.counted) {
            let l = &self.idle;
            l.set_live(l.live.get().saturating_sub(1));
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.uncount();
    }
}

/// The idle connections of one server on one thread, and what the purge needs.
struct SrvIdle {
    backend: usize,
    server: usize,
    /// The server among all servers (where other threads see these lists' lengths),
    /// this thread, and where the figures are published.
    flat: usize,
    thread: usize,
    shared: Arc<Shared>,
    /// Connections that carried one request, and those that carried more.
    idle: RefCell<Vec<ServerConn>>,
    safe: RefCell<Vec<ServerConn>>,
    /// Open connections (in use or idle), most in use at once since the last purge,
    /// and the need estimated at the last purge.
    live: Cell<u32>,
    max_used: Cell<u32>,
    est_need: Cell<u32>,
    /// When the next purge runs; `None` while the server is not in the purge list.
    purge_at: Cell<Option<Instant>>,
}

impl SrvIdle {
    fn idle_count(&self) -> u32 {
        (self.idle.borrow().len() + self.safe.borrow().len()) as u32
    }

    fn used(&self) -> u32 {
        self.live.get().saturating_sub(self.idle_count())
    }

    /// A connection went into use (HAProxy's `srv_use_conn`): the most used at once and
    /// the estimated need follow the count of connections in use.
    fn note_use(&self) {
        let used = self.used();
        self.max_used.set(self.max_used.get().max(used));
        self.est_need.set(self.est_need.get().max(used));
        self.publish_need();
    }

    /// Open connections change (published for the statistics).
    fn set_live(&self, n: u32) {
        self.live.set(n);
        self.shared.publish_live(self.thread, self.flat, n);
    }

    fn publish_need(&self) {
        let (m, e) = (self.max_used.get(), self.est_need.get());
        self.shared.publish_need(self.thread, self.flat, m, e);
    }
}

/// The idle connections of one worker thread.
pub struct ThreadPool {
    /// `[backend][server]`, created on first use (servers the runtime API adds get
    /// their cells on first use too).
    servers: Vec<rampart_core::grow::Grow<OnceCell<Rc<SrvIdle>>>>,
    /// Servers that hold idle connections, for the purge.
    active: RefCell<Vec<Rc<SrvIdle>>>,
    wake: Notify,
    /// This thread's index, and what all threads see of each other's pools.
    thread: usize,
    shared: Arc<Shared>,
}

impl ThreadPool {
    /// The pool of worker thread `thread` (from 0).
    pub fn new(rt: &Runtime, shared: Arc<Shared>, thread: usize) -> ThreadPool {
        ThreadPool {
            servers: rt
                .backends
                .iter()
                .map(|b| b.servers.iter().map(|_| OnceCell::new()).collect())
                .collect(),
            active: RefCell::new(Vec::new()),
            wake: Notify::new(),
            thread,
            shared,
        }
    }

    fn local(&self, bi: usize, si: usize) -> Option<&Rc<SrvIdle>> {
        let list = self.servers.get(bi)?;
        // A server added at run time (callers pass existing servers only; the bound
        // keeps a wrong index from allocating much).
        while list.len() <= si && si - list.len() < 1 << 16 {
            list.push(OnceCell::new());
        }
        let cell = list.get(si)?;
        Some(cell.get_or_init(|| {
            Rc::new(SrvIdle {
                backend: bi,
                server: si,
                flat: self.shared.flat(bi, si),
                thread: self.thread,
                shared: self.shared.clone(),
                idle: RefCell::default(),
                safe: RefCell::default(),
                live: Cell::default(),
                max_used: Cell::default(),
                est_need: Cell::default(),
                purge_at: Cell::default(),
            })
        }))
    }

    /// Shows the other threads what this one holds for `local`'s server.
    fn publish(&self, local: &SrvIdle) {
        let (idle, safe) = (local.idle.borrow().len(), local.safe.borrow().len());
        self.shared.publish(self.thread, local.flat, idle, safe);
    }

    /// Closes every idle connection (the thread is ending).
    pub fn clear(&self, rt: &Runtime) {
        self.active.borrow_mut().clear();
        for (bi, b) in self.servers.iter().enumerate() {
            for (si, cell) in b.iter().enumerate() {
                if let Some(l) = cell.get() {
                    let n = l.idle_count();
                    l.idle.borrow_mut().clear();
                    l.safe.borrow_mut().clear();
                    self.publish(l);
                    if let Some(srv) = rt.backends.get(bi).and_then(|b| b.servers.get(si)) {
                        srv.idle_conns.fetch_sub(n, Ordering::AcqRel);
                    }
                }
            }
        }
    }

    /// An idle connection of this thread to server `si` of `be` bound to `key`: from the
    /// safe list (`safe_only`), or from the idle list, then the safe one (the local half
    /// of HAProxy's `conn_backend_get`).
    fn take_local(
        &self,
        be: &Backend,
        bi: usize,
        si: usize,
        key: u64,
        safe_only: bool,
    ) -> Option<ServerConn> {
        let srv = be.servers.get(si)?;
        if srv.pool.max_conn == 0 || srv.idle_conns.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let local = self.servers.get(bi)?.get(si)?.get()?;
        if local.idle_count() == 0 {
            return None;
        }
        let found = if safe_only {
            take_from(&local.safe, srv, key)
        } else {
            take_from(&local.idle, srv, key).or_else(|| take_from(&local.safe, srv, key))
        };
        self.publish(local);
        found
    }

    /// Keeps `c` idle if the server's pool has room, else closes it.
    fn put(&self, be: &Backend, c: ServerConn) {
        let srv = &be.servers[c.server];
        let cfg = &srv.pool;
        if cfg.purge_delay.is_zero() || cfg.max_conn == 0 {
            return c.close_after_transaction();
        }
        let Some(local) = self.local(c.backend, c.server) else {
            return c.close_after_transaction();
        };
        let is_safe = c.uses > 1;
        // HAProxy keeps it when this thread has none of its kind yet, or when the
        // server's connections stay within the estimated need plus `pool-low-conn`.
        let room = |local: &SrvIdle| {
            let idle_here = local.idle_count();
            let used = local.used();
            (local.safe.borrow().is_empty() && (is_safe || local.idle.borrow().is_empty()))
                || used + idle_here <= used.max(local.est_need.get()) + cfg.low_conn
        };
        if !room(local) {
            // Idle connections the server closed meanwhile must not take the place of
            // this live one: HAProxy drops them as soon as the close arrives, Rampart
            // looks only now (peeks cost a syscall each, so not on every return).
            sweep(&local.idle, srv);
            sweep(&local.safe, srv);
            self.publish(local);
            if !room(local) {
                return c.close_after_transaction();
            }
        }
        if cfg.max_conn > 0 {
            let max = u32::try_from(cfg.max_conn).unwrap_or(u32::MAX);
            let admitted = srv
                .idle_conns
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    (n < max).then_some(n + 1)
                })
                .is_ok();
            if !admitted {
                return c.close_after_transaction();
            }
        } else {
            srv.idle_conns.fetch_add(1, Ordering::AcqRel);
        }
        if is_safe {
            local.safe.borrow_mut().push(c);
        } else {
            local.idle.borrow_mut().push(c);
        }
        self.publish(local);
        if local.purge_at.get().is_none() {
            local.purge_at.set(Some(Instant::now() + cfg.purge_delay));
            self.active.borrow_mut().push(local.clone());
            self.wake.notify_one();
        }
    }

    /// Runs the purges that are due; returns when the next one is.
    fn purge_due(&self, rt: &Runtime, now: Instant) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        self.active.borrow_mut().retain(|local| {
            let Some(srv) = rt
                .backends
                .get(local.backend)
                .and_then(|b| b.servers.get(local.server))
            else {
                return false;
            };
            let Some(at) = local.purge_at.get() else {
                return false;
            };
            let mut keep_at = at;
            if at <= now {
                // Connections the server closed meanwhile go first.
                sweep(&local.idle, srv);
                sweep(&local.safe, srv);
                purge_one(local, srv);
                self.publish(local);
                keep_at = now + srv.pool.purge_delay;
            }
            if local.idle_count() == 0 {
                local.purge_at.set(None);
                return false;
            }
            local.purge_at.set(Some(keep_at));
            next = Some(next.map_or(keep_at, |n| n.min(keep_at)));
            true
        });
        next
    }
}

/// One purge of a server's idle connections on this thread: close half of those in
/// excess of the need (the most used at once recently, or the running estimate).
fn purge_one(local: &SrvIdle, srv: &Server) {
    let idle = local.idle_count();
    let used = local.used();
    let need = local.max_used.get().max(local.est_need.get());
    let exceed = (used + idle).saturating_sub(need);
    let mut to_kill = exceed / 2 + (exceed & 1);
    let est = (local.est_need.get() + local.max_used.get()) / 2;
    local.est_need.set(est.max(local.max_used.get()));
    local.max_used.set(used);
    local.publish_need();
    for list in [&local.idle, &local.safe] {
        let mut l = list.borrow_mut();
        let n = (to_kill as usize).min(l.len());
        // The oldest first.
        l.drain(..n);
        srv.idle_conns.fetch_sub(n as u32, Ordering::AcqRel);
        to_kill -= n as u32;
    }
}

/// The most recent idle connection bound to `key` that is still usable.
fn take_from(list: &RefCell<Vec<ServerConn>>, srv: &Server, key: u64) -> Option<ServerConn> {
    let mut l = list.borrow_mut();
    let generation = srv.addr.generation();
    while let Some(pos) = l.iter().rposition(|c| c.key == key) {
        let c = l.remove(pos);
        srv.idle_conns.fetch_sub(1, Ordering::AcqRel);
        if c.generation == generation && alive(&c.conn) {
            return Some(c);
        }
    }
    None
}

/// Drops the connections of `list` that the server closed.
fn sweep(list: &RefCell<Vec<ServerConn>>, srv: &Server) {
    let mut l = list.borrow_mut();
    let before = l.len();
    l.retain(|c| alive(&c.conn));
    srv.idle_conns
        .fetch_sub((before - l.len()) as u32, Ordering::AcqRel);
}

/// Whether an idle connection can carry a request: nothing to read and no end of
/// stream or error pending. Readiness answers without a system call when nothing came
/// (reads clear it when they drain the socket); otherwise a peek that does not consume
/// and does not wait decides.
fn alive(c: &Conn) -> bool {
    if !c.read_ready() {
        return true;
    }
    use nix::errno::Errno;
    use nix::sys::socket::{recv, MsgFlags};
    let fd = match c {
        Conn::Tcp(s) => s.as_raw_fd(),
        Conn::Unix(s) => s.as_raw_fd(),
    };
    let mut b = [0u8; 1];
    matches!(
        recv(fd, &mut b, MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT),
        Err(Errno::EAGAIN | Errno::EINTR)
    )
}

/// The thread's pool task: purges when a server's `pool-purge-delay` is due, and
/// answers the other threads' takeover requests.
pub async fn pool_task(w: Rc<WorkerCx>) {
    let mut next: Option<Instant> = None;
    let mut inbox = w.pool.shared.inbox(w.pool.thread);
    loop {
        let woken = w.pool.wake.notified();
        let due = async {
            match next {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let asked = async {
            match inbox.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = due => {}
            () = woken => {}
            ask = asked => {
                match ask {
                    Some(ask) => w.pool.hand_over(&w.rt, ask),
                    None => inbox = None,
                }
                continue;
            }
        }
        next = w.pool.purge_due(&w.rt, Instant::now());
    }
}

/// What a server connection carries of its client: the addresses and the authority a
/// PROXY header would send.
#[derive(Clone, Copy)]
pub(crate) struct Client<'a> {
    pub addrs: &'a ConnAddrs,
    pub authority: Option<&'a [u8]>,
    /// The stream's unique id (`proxy-v2-options unique-id` sends it).
    pub unique_id: Option<&'a [u8]>,
}

/// What a connection to `srv` is bound to besides the server (see [`ServerConn::key`]).
fn conn_key(srv: &Server, cli: Client<'_>) -> u64 {
    let mapped = srv.addr.port_mapped();
    let proxy = srv.send_proxy || srv.send_proxy_v2;
    if !mapped && !proxy {
        return 0;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if mapped {
        cli.addrs.dst.map(|d| d.port()).hash(&mut h);
    }
    if proxy {
        cli.addrs.src.hash(&mut h);
        cli.addrs.dst.hash(&mut h);
        cli.authority.hash(&mut h);
        if srv.send_proxy_v2 && srv.proxy_v2.unique_id {
            cli.unique_id.hash(&mut h);
        }
    }
    h.finish() | 1
}

/// A connection to the server of `slot` for the next request of a session: its own,
/// an idle one, or a new one (whose failures are retried as `r` allows). `not_first`:
/// the session already sent a request.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn obtain<'b>(
    w: &WorkerCx,
    own: &mut Option<Box<ServerConn>>,
    bi: usize,
    be: &'b Backend,
    slot: &mut Slot<'b>,
    cli: Client<'_>,
    not_first: bool,
    r: &mut Retries<'_>,
) -> Result<ServerConn, ConnectError> {
    let si = slot.server();
    let key = conn_key(&be.servers[si], cli);
    if let Some(c) = own.take() {
        if c.backend == bi && c.server == si && c.key == key {
            if c.generation == be.servers[si].addr.generation() && alive(&c.conn) {
                crate::stats::connection(be, be.servers.get(si), true);
                return Ok(*c);
            }
        } else {
            *own = Some(c);
        }
    }
    if let Some(c) = reuse(w, be, bi, si, key, not_first || be.http.retry_safe).await {
        return Ok(c);
    }
    fresh(w, bi, be, slot, cli, r).await
}

/// An idle connection to server `si` of `be` bound to `key`, as `http-reuse` allows
/// for a first (`second` false) or later request (see the table above; a `retry-on`
/// that covers every connection failure makes a first request count as a later one).
async fn reuse(
    w: &WorkerCx,
    be: &Backend,
    bi: usize,
    si: usize,
    key: u64,
    second: bool,
) -> Option<ServerConn> {
    let srv = be.servers.get(si)?;
    if srv.pool.max_conn == 0 || srv.idle_conns.load(Ordering::Relaxed) == 0 {
        return None;
    }
    // HAProxy's `conn_backend_get`: this thread's lists, then the other threads'. The
    // takeover's state is boxed, so that the stream's own future does not grow by it.
    let get = |safe_only: bool| async move {
        match w.pool.take_local(be, bi, si, key, safe_only) {
            Some(c) => Some(c),
            None if w.pool.others_hold(be, bi, si, safe_only) => {
                Box::pin(takeover::steal(w, bi, si, key, safe_only)).await
            }
            None => None,
        }
    };
    let found = match (second, be.http.reuse) {
        (_, HttpReuse::Never) => None,
        (true, _) => get(false).await,
        (false, HttpReuse::Aggressive) => get(true).await,
        (false, HttpReuse::Always) => match get(true).await {
            Some(c) => Some(c),
            None => get(false).await,
        },
        (false, HttpReuse::Safe) => None,
    };
    let c = found?;
    crate::stats::connection(be, Some(srv), true);
    if let Some(local) = w.pool.local(bi, si) {
        local.note_use();
    }
    Some(c)
}

/// A new connection to the server of `slot` (which a retry may move).
async fn fresh<'b>(
    w: &WorkerCx,
    bi: usize,
    be: &'b Backend,
    slot: &mut Slot<'b>,
    cli: Client<'_>,
    r: &mut Retries<'_>,
) -> Result<ServerConn, ConnectError> {
    // In use from now on, as HAProxy counts a connection from its creation: while it is
    // being established, sessions that finish see it in the estimate of the need (and
    // the estimate grows as soon as the pool runs dry), so they do not close connections
    // this one will be needed beside.
    let mut lease = Lease::open(w, bi, slot.server())?;
    let conn = connect_to(&w.rt, be, slot, cli.addrs, r).await?;
    let si = slot.server();
    if lease.idle.server != si {
        // A retry moved the stream to another server.
        lease = Lease::open(w, bi, si)?;
    }
    // A connection that belongs to its session from the start (`http-reuse never`, the
    // `dispatch` address) is not in use for the statistics, as in HAProxy.
    if be.http.reuse == HttpReuse::Never || be.servers[si].pool.private {
        lease.uncount();
    }
    Ok(ServerConn {
        conn,
        backend: bi,
        server: si,
        uses: 0,
        key: conn_key(&be.servers[si], cli),
        generation: be.servers[si].addr.generation(),
        private: be.servers[si].pool.private,
        _lease: lease,
    })
}

impl Lease {
    /// Counts a new connection of server `si` of backend `bi` on this thread, in use.
    fn open(w: &WorkerCx, bi: usize, si: usize) -> Result<Lease, ConnectError> {
        let local = w.pool.local(bi, si).ok_or(ConnectError::NoServer)?.clone();
        local.set_live(local.live.get() + 1);
        local.note_use();
        Ok(Lease {
            idle: local,
            counted: true,
        })
    }
}

/// A health check's connection to a server, counted in use on this thread while the
/// lease lives (HAProxy counts every connection to a server in `curr_used_conns`);
/// `None` for an unknown server.
pub(crate) fn in_use(w: &WorkerCx, bi: usize, si: usize) -> Option<Lease> {
    Lease::open(w, bi, si).ok()
}

/// A `mode tcp` stream connected to a server: its connection counts in the most used
/// at once and the estimated need, then no longer in use (HAProxy makes the
/// connections of a proxy that does not reuse any private as soon as they exist).
pub(crate) fn note_private(w: &WorkerCx, bi: usize, si: usize) {
    drop(Lease::open(w, bi, si));
}

/// Whether a request that got nothing back on `c` may be sent again on a new
/// connection: `c` was reused (the server may have closed it as it went out), and the
/// request is safe (`GET`, `HEAD`, `OPTIONS`) without a body, so sending it twice cannot
/// do harm.
pub(crate) fn replayable(c: &ServerConn, req: &RequestHead) -> bool {
    use rampart_h1::{BodyKind, Method};
    c.uses > 0
        && matches!(req.method(), Method::Get | Method::Head | Method::Options)
        && matches!(req.body_kind(), BodyKind::None | BodyKind::Length(0))
        && !req.expect_continue()
}

/// The request on a reused connection failed before any response byte: sends it again
/// (PROXY header first when the server wants one) on a new connection, once.
/// `out` is scratch space.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn resend<'b>(
    w: &WorkerCx,
    bi: usize,
    be: &'b Backend,
    slot: &mut Slot<'b>,
    cli: Client<'_>,
    req: &RequestHead,
    out: &mut Vec<u8>,
    r: &mut Retries<'_>,
) -> Result<ServerConn, ConnectError> {
    let mut c = fresh(w, bi, be, slot, cli, r).await?;
    let srv = &be.servers[c.server];
    out.clear();
    if srv.send_proxy || srv.send_proxy_v2 {
        proxy_header(srv, cli.addrs, cli.authority, cli.unique_id, out);
    }
    rampart_h1::write_request(req, out, None);
    let sent = match be.timeouts.server {
        Some(t) => matches!(
            tokio::time::timeout(t, c.conn.write_all(out)).await,
            Ok(Ok(()))
        ),
        None => c.conn.write_all(out).await.is_ok(),
    };
    out.clear();
    if sent {
        Ok(c)
    } else {
        Err(ConnectError::Refused)
    }
}

/// After a complete response on a connection that may stay open: keeps it for later
/// requests (the session's own with `http-reuse never`, else the thread's pool), or
/// closes it (`max-reuse` reached, pool full).
pub(crate) fn put_back(
    w: &WorkerCx,
    own: &mut Option<Box<ServerConn>>,
    mut c: ServerConn,
    be: &Backend,
) {
    c.uses += 1;
    let max_reuse = be.servers[c.server].pool.max_reuse;
    if max_reuse >= 0 && i64::from(c.uses) > max_reuse {
        return c.close_after_transaction();
    }
    if be.http.reuse == HttpReuse::Never || c.private {
        // Boxed: only `http-reuse never` and private connections stay in the session,
        // and the others should not pay its size on every idle client connection.
        *own = Some(Box::new(c));
        return;
    }
    w.pool.put(be, c);
}
