//! Idle connections taken over from other threads (HAProxy 2.6's `conn_backend_get`,
//! which looks into the other threads' idle and safe lists when its own have nothing,
//! and `srv->curr_idle_thr`, which tells it which threads to look at).
//!
//! Each thread keeps its idle connections to itself ([`super::ThreadPool`], no lock);
//! what others see of them is a few counter words per (thread, server) that only the
//! owning thread writes, with plain stores, whenever its lists change (the same words
//! give the statistics their per-thread figures: `show servers conn`, `show stat`'s
//! `*_conn_cur` and `need_conn_est`). A thread that
//! finds nothing at home asks a thread whose word shows connections of the kind it
//! wants: the request goes through that thread's mailbox (a channel its pool task
//! reads), the owner takes a connection from its lists as a local request would,
//! unregisters the socket from its event loop and sends it back; the asker registers
//! it with its own. Nothing of this runs while a thread finds what it needs at home,
//! and a process with one thread has no mailbox at all.

use super::{Lease, ServerConn, ThreadPool};
use crate::worker::WorkerCx;
use rampart_net::Conn;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

/// What the threads share about their idle connections: who holds how many, and how to
/// ask for one.
pub struct Shared {
    nbthread: usize,
    /// Index of each backend's first server among all servers, and how many there
    /// were at start-up.
    base: Box<[usize]>,
    total: usize,
    /// Slots per thread, all servers, rounded up to a cache line so that two threads
    /// never write the same line.
    stride: usize,
    /// `[thread][server]`: what a thread holds of a server's connections; written by
    /// that thread only.
    counts: Box<[Slot]>,
    /// Per server, the thread where the next takeover starts looking (HAProxy's
    /// `next_takeover`), so that takeovers do not all drain the same thread.
    next: Box<[AtomicUsize]>,
    mail: Box<[mpsc::UnboundedSender<Ask>]>,
    /// Each thread's end of its mailbox, taken once when its pool task starts.
    inbox: Box<[Mutex<Option<mpsc::UnboundedReceiver<Ask>>>]>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("nbthread", &self.nbthread)
            .finish_non_exhaustive()
    }
}

/// A thread asks another for an idle connection to server `si` of backend `bi`, bound
/// to `key`; `safe_only`: from the safe list only, else the idle list then the safe one.
pub(super) struct Ask {
    bi: usize,
    si: usize,
    key: u64,
    safe_only: bool,
    /// Dropped unanswered when there is none.
    reply: oneshot::Sender<Handover>,
}

/// A connection on its way between threads, unregistered from any event loop.
pub(super) struct Handover {
    sock: Sock,
    uses: u32,
}

enum Sock {
    Tcp(std::net::TcpStream),
    Unix(std::os::unix::net::UnixStream),
}

/// What one thread holds of one server's connections.
#[derive(Debug, Default)]
struct Slot {
    /// The idle (low half) and safe (high half) connections, saturated at `u16::MAX`.
    held: AtomicU32,
    /// Open connections (in use or idle), the most in use at once since the last
    /// purge, and the estimated need (HAProxy's `curr_used_conns` plus the idle ones,
    /// `max_used_conns`, `est_need_conns`, kept per thread).
    live: AtomicU32,
    max_used: AtomicU32,
    est_need: AtomicU32,
}

/// Slots per cache line.
const LINE: usize = 64 / std::mem::size_of::<Slot>();

/// A server's connections as the statistics show them, summed over the threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnFigures {
    /// In use (`used_cur`, `used_conn_cur`).
    pub used: u32,
    /// The most in use at once since the last purge (`used_max`).
    pub max_used: u32,
    /// The estimated need (`need_est`, `need_conn_est`).
    pub est_need: u32,
    /// Idle connections that carried one request (`unsafe_nb`, `idle_conn_cur`) and
    /// those that carried more (`safe_nb`, `safe_conn_cur`).
    pub idle: u32,
    pub safe: u32,
}

impl Shared {
    pub fn new(rt: &crate::state::Runtime) -> Shared {
        let nbthread = rt.nbthread.max(1);
        let mut base = Vec::with_capacity(rt.backends.len());
        let mut total = 0;
        for b in &rt.backends {
            base.push(total);
            total += b.servers.len();
        }
        let stride = total.div_ceil(LINE) * LINE;
        // Mailboxes only when there is another thread to ask.
        let shared = nbthread > 1;
        let (mut mail, mut inbox) = (Vec::new(), Vec::new());
        if shared {
            for _ in 0..nbthread {
                let (tx, rx) = mpsc::unbounded_channel();
                mail.push(tx);
                inbox.push(Mutex::new(Some(rx)));
            }
        }
        Shared {
            nbthread,
            total,
            base: base.into(),
            stride,
            counts: (0..nbthread * stride).map(|_| Slot::default()).collect(),
            next: (0..if shared { total } else { 0 })
                .map(|_| AtomicUsize::new(0))
                .collect(),
            mail: mail.into(),
            inbox: inbox.into(),
        }
    }

    /// Server `si` of backend `bi` among all servers (`usize::MAX`: none, as servers
    /// the runtime API adds: their connections are not taken over by other threads).
    pub(super) fn flat(&self, bi: usize, si: usize) -> usize {
        let Some(&b) = self.base.get(bi) else {
            return usize::MAX;
        };
        let end = self.base.get(bi + 1).copied().unwrap_or(self.total);
        if b + si < end {
            b + si
        } else {
            usize::MAX
        }
    }

    /// Thread `t`'s slot for server `flat` (`None` for a server added at run time).
    fn slot(&self, t: usize, flat: usize) -> Option<&Slot> {
        if flat >= self.stride {
            return None;
        }
        self.counts
            .get(t.checked_mul(self.stride)?.checked_add(flat)?)
    }

    /// Publishes the idle and safe connections thread `t` holds for server `flat`.
    pub(super) fn publish(&self, t: usize, flat: usize, idle: usize, safe: usize) {
        if let Some(c) = self.slot(t, flat) {
            let half = |n: usize| n.min(usize::from(u16::MAX)) as u32;
            c.held
                .store(half(idle) | half(safe) << 16, Ordering::Relaxed);
        }
    }

    /// Publishes thread `t`'s open connections to server `flat`.
    pub(super) fn publish_live(&self, t: usize, flat: usize, live: u32) {
        if let Some(c) = self.slot(t, flat) {
            c.live.store(live, Ordering::Relaxed);
        }
    }

    /// Publishes thread `t`'s most used and estimated need for server `flat`.
    pub(super) fn publish_need(&self, t: usize, flat: usize, max_used: u32, est_need: u32) {
        if let Some(c) = self.slot(t, flat) {
            c.max_used.store(max_used, Ordering::Relaxed);
            c.est_need.store(est_need, Ordering::Relaxed);
        }
    }

    /// The idle and safe connections thread `t` holds for server `flat`.
    fn held(&self, t: usize, flat: usize) -> (u32, u32) {
        let held = self
            .slot(t, flat)
            .map_or(0, |c| c.held.load(Ordering::Relaxed));
        (held & 0xffff, held >> 16)
    }

    /// Whether thread `t`'s lists for server `flat` show a connection of the safe list
    /// (`safe_only`) or of either.
    fn holds(&self, t: usize, flat: usize, safe_only: bool) -> bool {
        let (idle, safe) = self.held(t, flat);
        safe > 0 || (!safe_only && idle > 0)
    }

    /// Worker threads.
    pub fn nbthread(&self) -> usize {
        self.nbthread
    }

    /// Server `si` of backend `bi`'s connections, summed over the threads (the
    /// statistics; a few loads per thread, no lock).
    pub fn figures(&self, bi: usize, si: usize) -> ConnFigures {
        let flat = self.flat(bi, si);
        let mut f = ConnFigures::default();
        for t in 0..self.nbthread {
            let Some(c) = self.slot(t, flat) else {
                break;
            };
            let (idle, safe) = self.held(t, flat);
            let live = c.live.load(Ordering::Relaxed);
            f.used += live.saturating_sub(idle + safe);
            f.max_used += c.max_used.load(Ordering::Relaxed);
            f.est_need += c.est_need.load(Ordering::Relaxed);
            f.idle += idle;
            f.safe += safe;
        }
        f
    }

    /// The idle connections (both lists) thread `t` holds for server `si` of backend
    /// `bi` (`show servers conn`'s `idle_per_thr`).
    pub fn idle_on(&self, t: usize, bi: usize, si: usize) -> u32 {
        let (idle, safe) = self.held(t, self.flat(bi, si));
        idle + safe
    }

    /// The mailbox of thread `t`, for its pool task (once).
    pub(super) fn inbox(&self, t: usize) -> Option<mpsc::UnboundedReceiver<Ask>> {
        let mut slot = self.inbox.get(t)?.lock().ok()?;
        slot.take()
    }
}

/// An idle connection to server `si` of `be` from another thread (see the module's
/// charter), of the safe list only or of either; `None` when no other thread has one
/// to give.
pub(super) async fn steal(
    w: &WorkerCx,
    bi: usize,
    si: usize,
    key: u64,
    safe_only: bool,
) -> Option<ServerConn> {
    let sh = &*w.pool.shared;
    let me = w.pool.thread;
    let flat = sh.flat(bi, si);
    let next = sh.next.get(flat)?;
    let start = next.load(Ordering::Relaxed) % sh.nbthread;
    for k in 0..sh.nbthread {
        let t = (start + k) % sh.nbthread;
        if t == me || !sh.holds(t, flat, safe_only) {
            continue;
        }
        let (reply, answer) = oneshot::channel();
        let ask = Ask {
            bi,
            si,
            key,
            safe_only,
            reply,
        };
        if sh.mail[t].send(ask).is_err() {
            continue;
        }
        let Ok(h) = answer.await else {
            continue;
        };
        let conn = match h.sock {
            Sock::Tcp(s) => tokio::net::TcpStream::from_std(s).map(Conn::Tcp),
            Sock::Unix(s) => tokio::net::UnixStream::from_std(s).map(Conn::Unix),
        };
        let Ok(conn) = conn else {
            continue;
        };
        next.store((t + 1) % sh.nbthread, Ordering::Relaxed);
        return Some(ServerConn {
            conn,
            backend: bi,
            server: si,
            uses: h.uses,
            key,
            generation: w.rt.backends.get(bi)?.servers.get(si)?.addr.generation(),
            private: false,
            _lease: Lease::open(w, bi, si).ok()?,
        });
    }
    None
}

impl ThreadPool {
    /// Whether another thread holds an idle connection to server `si` of `be` that a
    /// request wanting the safe list (`safe_only`) or either list may take over.
    pub(super) fn others_hold(
        &self,
        be: &crate::state::Backend,
        bi: usize,
        si: usize,
        safe_only: bool,
    ) -> bool {
        let sh = &*self.shared;
        if sh.nbthread < 2 {
            return false;
        }
        let Some(srv) = be.servers.get(si) else {
            return false;
        };
        // HAProxy leaves the other threads their connections while the server has
        // fewer idle ones than `pool-low-conn`.
        let total = srv.idle_conns.load(Ordering::Relaxed);
        if total == 0 || total < srv.pool.low_conn {
            return false;
        }
        let flat = sh.flat(bi, si);
        (0..sh.nbthread).any(|t| t != self.thread && sh.holds(t, flat, safe_only))
    }

    /// Answers another thread's [`Ask`]: a connection as a local request of that kind
    /// would take it, unregistered from this thread's event loop.
    pub(super) fn hand_over(&self, rt: &crate::state::Runtime, ask: Ask) {
        let Some(be) = rt.backends.get(ask.bi) else {
            return;
        };
        let Some(c) = self.take_local(be, ask.bi, ask.si, ask.key, ask.safe_only) else {
            return;
        };
        let uses = c.uses;
        // The lease ends here: the connection no longer counts on this thread.
        let sock = match c.conn {
            Conn::Tcp(s) => s.into_std().map(Sock::Tcp),
            Conn::Unix(s) => s.into_std().map(Sock::Unix),
        };
        if let Ok(sock) = sock {
            // The asker may have gone meanwhile: the connection then closes.
            let _ = ask.reply.send(Handover { sock, uses });
        }
    }
}
