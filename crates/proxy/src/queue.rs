//! Server connection slots and queues (configuration manual 5.2 `maxconn`, `maxqueue`,
//! `minconn`; 4.2 `fullconn`, `timeout queue`; HAProxy's queue.c and
//! `assign_server_and_queue`).
//!
//! A stream needs a slot on its server for as long as it uses it: the whole session in
//! `mode tcp`, one request and its response in `mode http`. A server with `maxconn`
//! has that many slots (fewer while the backend is below `fullconn` when `minconn` is
//! set). When no server has a free slot the stream waits, in arrival order:
//!
//! - in the **backend's queue** when the balancing algorithm found every candidate
//!   saturated ([`Assign::Any`]); whichever server frees a slot first takes it;
//! - in the **server's own queue** when the server is decided already
//!   ([`Assign::Server`]: the algorithm's choice, a hash-based one whatever the server's
//!   load, or persistence); `maxqueue` bounds that queue and a
//!   stream beyond it is refused ([`QueueError::Full`]: 503, or another server when the
//!   caller may redispatch).
//!
//! A slot freed on a server goes to the first stream waiting for it, in its own queue or
//! the backend's: the oldest, unless `http-request set-priority-class` /
//! `set-priority-offset` ordered them otherwise (HAProxy's queue keys: the lowest class
//! first, then the earliest arrival time plus offset; the stream's [`Priority`] is a
//! task-local value set around its connection phase). Waiting ends after `timeout
//! queue` ([`QueueError::Timeout`]: 503).
//!
//! Each change of a server's `served` count is told to the balancing algorithm
//! (`leastconn` orders servers by it).
//!
//! Concurrency: taking and releasing a slot are atomic operations on the server's
//! `served` count, and nothing else while no stream waits. The queues themselves are
//! behind one mutex per backend, taken only to enqueue, to cancel a wait, or when a slot
//! is released while streams wait (the backend's `pending` count says so without
//! locking). Those are the moments when every server is saturated, so the mutex is held
//! for a few list operations on a path that waits anyway; lock-free queues would buy
//! nothing there and make FIFO order across the backend and server queues, cancellation
//! and `maxqueue` much harder to get right. Wake-ups cross threads through one-shot
//! channels: the releasing thread hands the slot over and the waiting stream's thread is
//! woken with it.

use crate::state::{Backend, Server};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

/// How the server of a stream is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assign {
    /// Any usable server with a free slot, tried in the given order; all full: the
    /// backend's queue.
    Any,
    /// This server only (hash-based balancing, persistence): its own queue when full.
    Server(usize),
    /// This server whatever its state (persistence, which may send streams to a
    /// draining server, or to one that is down with `option persist`): its own queue
    /// when full, as HAProxy queues a stream already assigned to a server.
    Persist(usize),
    /// As [`Assign::Persist`], for `force-persist`: the stream stays in the server's
    /// queue when the server goes down (HAProxy's `SF_FORCE_PRST`).
    Forced(usize),
}

/// Why a stream got no slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueError {
    /// No usable server.
    NoServer,
    /// `timeout queue` expired.
    Timeout,
    /// The server's queue is at `maxqueue`.
    Full,
    /// The stream waited in the queue of a server that went down and was taken out of
    /// it (`option redispatch`, HAProxy's `pendconn_redistribute`): it is to be
    /// balanced again.
    Redistributed,
}

/// The queues of one backend.
#[derive(Debug, Default)]
pub struct Queues {
    lists: Mutex<Lists>,
    /// Streams waiting in any queue of the backend (HAProxy's `totpend`).
    pending: AtomicU32,
}

#[derive(Debug, Default)]
struct Lists {
    /// Arrival order across all queues of the backend.
    seq: u64,
    backend: VecDeque<Waiter>,
    /// One queue per server, created on first use.
    servers: Vec<VecDeque<Waiter>>,
}

#[derive(Debug)]
struct Waiter {
    key: Key,
    /// `force-persist`: never redistributed.
    forced: bool,
    tx: oneshot::Sender<Grant>,
}

/// A waiter's place in the queues' order: class, then arrival time plus offset (in
/// milliseconds since the process started), then arrival order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    class: i32,
    when: i64,
    seq: u64,
}

/// A stream's queue priority (`set-priority-class`, `set-priority-offset` in
/// milliseconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Priority {
    pub class: i32,
    pub offset: i32,
}

tokio::task_local! {
    /// The priority of the stream whose future runs (none set: class 0, offset 0).
    pub static PRIORITY: Priority;
    /// Where the stream's log reports its queue positions (`%sq`, `%bq`): set when the
    /// stream leaves a queue it waited in.
    pub static POSITIONS: std::rc::Rc<std::cell::Cell<QueuePos>>;
}

/// A stream's positions in the queues (HAProxy's `srv_queue_pos`, `prx_queue_pos`):
/// one plus the number of streams that left the queue ahead of it while it waited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueuePos {
    pub server: u64,
    pub backend: u64,
}

/// A cell for [`POSITIONS`] shared by the thread's streams that do not log (what is
/// written there is read by nobody).
pub fn scratch_positions() -> std::rc::Rc<std::cell::Cell<QueuePos>> {
    thread_local! {
        static SCRATCH: std::rc::Rc<std::cell::Cell<QueuePos>> = Default::default();
    }
    SCRATCH.with(std::rc::Rc::clone)
}

/// Records how far the stream went in queue `on` since it entered at `idx`.
fn note_position(be: &Backend, on: Option<usize>, idx: u64) {
    let now = dequeued(be, on).load(Ordering::SeqCst);
    let n = now.wrapping_sub(idx) + 1;
    let _ = POSITIONS.try_with(|c| {
        let mut p = c.get();
        match on {
            Some(_) => p.server += n,
            None => p.backend += n,
        }
        c.set(p);
    });
}

/// How many streams left queue `on` (served from it) so far.
fn dequeued(be: &Backend, on: Option<usize>) -> &AtomicU64 {
    match on {
        Some(i) => &be.servers[i].counters.qidx,
        None => &be.counters.qidx,
    }
}

/// Milliseconds since the first call (the queue keys' clock).
fn now_ms() -> i64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    start.elapsed().as_millis().min(i64::MAX as u128) as i64
}

/// What a waiting stream receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    /// A slot taken for it on this server.
    Slot(usize),
    /// Taken out of a queue: to be balanced again.
    Requeue,
}

impl Queues {
    fn lock(&self) -> MutexGuard<'_, Lists> {
        // Poisoning only follows a panic elsewhere; the lists stay consistent.
        self.lists.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Lists {
    fn server(&mut self, i: usize) -> &mut VecDeque<Waiter> {
        if self.servers.len() <= i {
            self.servers.resize_with(i + 1, VecDeque::new);
        }
        &mut self.servers[i]
    }

    fn queue(&mut self, on: Option<usize>) -> &mut VecDeque<Waiter> {
        match on {
            Some(i) => self.server(i),
            None => &mut self.backend,
        }
    }
}

/// A connection slot on a server, released on drop. It also counts the stream in the
/// backend (`beconn`), which `fullconn` compares against.
#[derive(Debug)]
pub struct Slot<'a> {
    be: &'a Backend,
    server: usize,
    /// False once [`Slot::vacate`] gave the slot back.
    held: bool,
    _in_backend: InBackend<'a>,
}

impl Slot<'_> {
    /// The server the slot is on.
    pub fn server(&self) -> usize {
        self.server
    }

    /// Gives the slot back now (a redispatch, before the stream takes another one);
    /// [`Slot::server`] still names the server it was on.
    pub fn vacate(&mut self) {
        if std::mem::take(&mut self.held) {
            release(self.be, self.server);
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if self.held {
            release(self.be, self.server);
        }
    }
}

/// One stream counted in `beconn`.
#[derive(Debug)]
struct InBackend<'a>(&'a Backend);

impl<'a> InBackend<'a> {
    fn enter(be: &'a Backend) -> Self {
        be.beconn.fetch_add(1, Ordering::Relaxed);
        InBackend(be)
    }
}

impl Drop for InBackend<'_> {
    fn drop(&mut self) {
        self.0.beconn.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Takes a slot for a stream: at once when a server has room, else after waiting in a
/// queue at most `timeout` (`None`: no limit). `order` lists the servers in the order
/// the balancing algorithm prefers them (for [`Assign::Any`]).
pub async fn acquire<'a>(
    be: &'a Backend,
    assign: Assign,
    order: impl Iterator<Item = usize>,
    timeout: Option<Duration>,
) -> Result<Slot<'a>, QueueError> {
    let inb = InBackend::enter(be);
    let slot = |server, inb| Slot {
        be,
        server,
        held: true,
        _in_backend: inb,
    };
    let on = match assign {
        Assign::Any => {
            // Streams already waiting go first: a newcomer queues behind them.
            if be.counters.qcur.load(Ordering::SeqCst) == 0 {
                for i in order {
                    if usable(be, i) && srv_queue_empty(&be.servers[i]) && try_take(be, i) {
                        return Ok(slot(i, inb));
                    }
                }
            }
            if !(0..be.servers.len()).any(|i| usable(be, i)) {
                return Err(QueueError::NoServer);
            }
            None
        }
        Assign::Server(i) | Assign::Persist(i) | Assign::Forced(i) => {
            // The algorithm or persistence decided: any server that is up will do (a
            // backup held back or a draining server included, as in HAProxy);
            // persistence forced by the configuration takes even a server that is down.
            let checked = matches!(assign, Assign::Server(_));
            if !be
                .servers
                .get(i)
                .is_some_and(|s| !checked || s.live.alive())
            {
                return Err(QueueError::NoServer);
            }
            if srv_queue_empty(&be.servers[i]) && try_take(be, i) {
                return Ok(slot(i, inb));
            }
            Some(i)
        }
    };
    let (tx, rx) = oneshot::channel();
    let prio = PRIORITY.try_with(|p| *p).unwrap_or_default();
    let (key, idx_then) = {
        let mut l = be.queue.lock();
        if let Some(i) = on {
            let s = &be.servers[i];
            if s.maxqueue > 0 && l.server(i).len() >= s.maxqueue as usize {
                return Err(QueueError::Full);
            }
        }
        l.seq += 1;
        let key = Key {
            class: prio.class,
            when: now_ms() + i64::from(prio.offset),
            seq: l.seq,
        };
        let forced = matches!(assign, Assign::Forced(_));
        let q = l.queue(on);
        // In key order: at the back unless a priority says otherwise.
        let at = if q.back().is_none_or(|w| w.key < key) {
            q.len()
        } else {
            q.partition_point(|w| w.key < key)
        };
        q.insert(at, Waiter { key, forced, tx });
        let idx = dequeued(be, on).load(Ordering::SeqCst);
        let c = counters(be, on);
        let n = c.0.fetch_add(1, Ordering::SeqCst) + 1;
        c.1.fetch_max(n, Ordering::Relaxed);
        be.queue.pending.fetch_add(1, Ordering::SeqCst);
        // A slot may have been freed between the attempt above and the enqueue: offer
        // the free slots now (this stream is the newest, so older ones go first).
        match on {
            Some(i) => dispatch(be, &mut l, i),
            None => {
                for i in 0..be.servers.len() {
                    dispatch(be, &mut l, i);
                }
            }
        }
        (key, idx)
    };
    let mut ticket = Ticket {
        be,
        key: Some(key),
        on,
        rx,
    };
    let got = match timeout {
        Some(t) => tokio::time::timeout(t, &mut ticket.rx).await.ok(),
        None => Some((&mut ticket.rx).await),
    };
    note_position(be, on, idx_then);
    match got {
        Some(Ok(Grant::Slot(server))) => {
            ticket.key = None;
            return Ok(slot(server, inb));
        }
        Some(Ok(Grant::Requeue)) => {
            ticket.key = None;
            return Err(QueueError::Redistributed);
        }
        _ => {}
    }
    // Timed out (or the sender vanished): leave the queue, unless a slot arrived at the
    // last moment, which is then used.
    match ticket.cancel() {
        Some(Grant::Slot(server)) => Ok(slot(server, inb)),
        Some(Grant::Requeue) => Err(QueueError::Redistributed),
        None => Err(QueueError::Timeout),
    }
}

/// A stream's place in a queue; leaving it (timeout, or the stream being dropped while
/// waiting) removes the entry, and a slot handed over meanwhile is passed on.
struct Ticket<'a> {
    be: &'a Backend,
    /// `None` once it left the queue.
    key: Option<Key>,
    on: Option<usize>,
    rx: oneshot::Receiver<Grant>,
}

impl Ticket<'_> {
    /// Leaves the queue; returns what was granted before leaving.
    fn cancel(&mut self) -> Option<Grant> {
        let be = self.be;
        if let Some(key) = self.key.take() {
            let mut l = be.queue.lock();
            let q = l.queue(self.on);
            // Entries are in increasing key order.
            if let Ok(pos) = q.binary_search_by_key(&key, |w| w.key) {
                q.remove(pos);
                counters(be, self.on).0.fetch_sub(1, Ordering::SeqCst);
                be.queue.pending.fetch_sub(1, Ordering::SeqCst);
                return None;
            }
        }
        // Already dequeued: the slot was sent, or is being sent and will bounce.
        self.rx.close();
        self.rx.try_recv().ok()
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.key.is_none() {
            return;
        }
        if let Some(Grant::Slot(server)) = self.cancel() {
            release(self.be, server);
        }
    }
}

/// Whether a server can be given streams (not in maintenance, resolved).
fn usable(be: &Backend, i: usize) -> bool {
    be.servers.get(i).is_some_and(|s| s.live.serving())
}

fn srv_queue_empty(s: &Server) -> bool {
    s.counters.qcur.load(Ordering::SeqCst) == 0
}

/// The queue-length counter and its maximum for a queue.
fn counters(be: &Backend, on: Option<usize>) -> (&AtomicU64, &AtomicU64) {
    match on {
        Some(i) => (&be.servers[i].counters.qcur, &be.servers[i].counters.qmax),
        None => (&be.counters.qcur, &be.counters.qmax),
    }
}

/// The server's limit now (HAProxy's `srv_dynamic_maxconn`): `maxconn`, or with
/// `minconn`, a share of `maxconn` proportional to the backend's load relative to
/// `fullconn`, never below `minconn`. `u32::MAX` without a limit.
pub fn dynamic_maxconn(be: &Backend, s: &Server) -> u32 {
    let (maxconn, minconn) = s.limits.get();
    if maxconn == 0 {
        return u32::MAX;
    }
    let beconn = be.beconn.load(Ordering::Relaxed);
    if beconn >= be.fullconn || minconn == maxconn {
        return maxconn;
    }
    let share = u64::from(beconn) * u64::from(maxconn) / u64::from(be.fullconn.max(1));
    (share as u32).max(minconn)
}

/// Takes a slot on server `i` if it has one free.
fn try_take(be: &Backend, i: usize) -> bool {
    let s = &be.servers[i];
    let max = dynamic_maxconn(be, s);
    let took = if max == u32::MAX {
        s.served.fetch_add(1, Ordering::SeqCst);
        true
    } else {
        s.served
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| {
                (c < max).then_some(c + 1)
            })
            .is_ok()
    };
    if took {
        be.balance.reposition(i, be);
    }
    took
}

/// Changes the `maxconn` of server `i` of `be` at run time, from `text` as an agent's
/// `maxconn:N` or the runtime API's `set maxconn server <b>/<s> <N>` gives it
/// (HAProxy's `server_parse_maxconn_change_request`): a decimal number, 0 for no
/// limit; a static limit stays static, a dynamic one (`minconn`) keeps its floor. When
/// the limit rises, the slots it frees go at once to the streams waiting in the
/// server's queue, and in the backend's when the server may serve them (HAProxy's
/// `process_srv_queue`); when it falls, streams in excess finish and no new one enters
/// until the server is below the new limit. `Err` carries HAProxy's warning and
/// changes nothing.
pub fn change_maxconn(be: &Backend, i: usize, text: &str) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("Require <maxconn>.\n");
    }
    let (v, used) = rampart_core::cnum::strtol(text, rampart_core::cnum::Base::Ten);
    if used == 0 {
        return Err("maxconn string empty or preceded by garbage");
    }
    if used != text.len() {
        return Err("Trailing garbage in maxconn string");
    }
    let Some(s) = be.servers.get(i) else {
        return Ok(());
    };
    // C stores the `long` into an `unsigned int`: a negative value wraps.
    s.limits.set_maxconn(v as u32);
    // Under the queues' mutex, a stream enqueuing meanwhile either is seen here or
    // sees the new limit when it offers free slots after enqueuing.
    let mut l = be.queue.lock();
    dispatch(be, &mut l, i);
    Ok(())
}

/// Gives a slot of server `i` back and, when streams wait, hands it over.
fn release(be: &Backend, i: usize) {
    be.servers[i].served.fetch_sub(1, Ordering::SeqCst);
    be.balance.reposition(i, be);
    if be.queue.pending.load(Ordering::SeqCst) > 0 {
        let mut l = be.queue.lock();
        dispatch(be, &mut l, i);
    }
}

/// Hands the free slots of server `i` to the first streams waiting for it (in its own
/// queue, or in the backend's when the server may serve it), in key order.
fn dispatch(be: &Backend, l: &mut Lists, i: usize) {
    let backend_ok = usable(be, i);
    loop {
        let own = l.servers.get(i).and_then(|q| q.front()).map(|w| w.key);
        let shared = l.backend.front().filter(|_| backend_ok).map(|w| w.key);
        let from_own = match (own, shared) {
            (None, None) => return,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a < b,
        };
        if !try_take(be, i) {
            return;
        }
        let on = from_own.then_some(i);
        let Some(w) = l.queue(on).pop_front() else {
            release_only(be, i);
            return;
        };
        dequeued(be, on).fetch_add(1, Ordering::SeqCst);
        counters(be, on).0.fetch_sub(1, Ordering::SeqCst);
        be.queue.pending.fetch_sub(1, Ordering::SeqCst);
        if w.tx.send(Grant::Slot(i)).is_err() {
            // That stream left meanwhile: the slot goes to the next one.
            release_only(be, i);
        }
    }
}

/// Server `i` went down (or stopping): with `option redispatch` and without `option
/// persist`, the streams waiting in its own queue are taken out of it to be balanced
/// again, except those that `force-persist` sent there (HAProxy's
/// `pendconn_redistribute`). Returns how many were.
pub fn redistribute(be: &Backend, i: usize) -> usize {
    if be.redispatch.is_none() || be.option_persist {
        return 0;
    }
    if be.servers.get(i).is_none_or(srv_queue_empty) {
        return 0;
    }
    let mut l = be.queue.lock();
    let Some(q) = l.servers.get_mut(i) else {
        return 0;
    };
    let mut moved = 0u32;
    for w in std::mem::take(q) {
        if w.forced {
            q.push_back(w);
            continue;
        }
        // A stream that left meanwhile finds its entry gone and is owed nothing.
        let _ = w.tx.send(Grant::Requeue);
        moved += 1;
    }
    if moved > 0 {
        be.servers[i]
            .counters
            .qcur
            .fetch_sub(u64::from(moved), Ordering::SeqCst);
        be.queue.pending.fetch_sub(moved, Ordering::SeqCst);
    }
    moved as usize
}

/// Server `i` came up: it takes as many streams waiting in the backend's queue as it
/// has free slots for, when it may serve them (an active server, or the backup in use;
/// HAProxy's `pendconn_grab_from_px`). Returns how many it took.
pub fn grab_from_backend(be: &Backend, i: usize) -> usize {
    if !usable(be, i) || be.counters.qcur.load(Ordering::SeqCst) == 0 {
        return 0;
    }
    let mut l = be.queue.lock();
    let mut moved = 0;
    while !l.backend.is_empty() {
        if !try_take(be, i) {
            break;
        }
        let Some(w) = l.backend.pop_front() else {
            release_only(be, i);
            break;
        };
        be.counters.qidx.fetch_add(1, Ordering::SeqCst);
        be.counters.qcur.fetch_sub(1, Ordering::SeqCst);
        be.queue.pending.fetch_sub(1, Ordering::SeqCst);
        if w.tx.send(Grant::Slot(i)).is_err() {
            release_only(be, i);
        } else {
            moved += 1;
        }
    }
    moved
}

/// Gives a slot back without looking at the queues (the caller holds them).
fn release_only(be: &Backend, i: usize) {
    be.servers[i].served.fetch_sub(1, Ordering::SeqCst);
    be.balance.reposition(i, be);
}

#[cfg(test)]
mod tests;
