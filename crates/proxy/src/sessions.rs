//! The live sessions of each worker thread, for the runtime API's `show sess` and
//! `shutdown session` (management guide 9.3; HAProxy's per-thread stream lists), and
//! the mailbox through which the runtime API hands work to the worker threads (those
//! questions, and the checks of servers `add server` adds).
//!
//! Each worker thread keeps its sessions in its own [`Registry`], a slab with a free
//! list like the kill registry's: one slot taken at accept and given back when the
//! session ends, no lock and no allocation once warm. The session records there its
//! frontend and client address, then the backend and server each stream uses.
//!
//! The control thread never reads another thread's slab: it sends an [`Ask`] to each
//! thread's mailbox ([`Mailboxes`]) and the thread's task answers from its own registry
//! (a list of [`SessInfo`], or the cut of one session). A session is cut by aborting
//! its task: its sockets close at once and its slots are released, as HAProxy's
//! `stream_shutdown(SF_ERR_KILLED)` closes both sides.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::{mpsc as smpsc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// What `show sess` prints of one session.
#[derive(Clone, Debug)]
pub struct SessInfo {
    /// The session's identifier (its thread in the low byte).
    pub id: u64,
    /// The thread that runs it.
    pub thread: usize,
    pub fe: usize,
    /// The listener it came through.
    pub li: usize,
    /// The backend and server of the current (or last) stream.
    pub be: Option<usize>,
    pub srv: Option<usize>,
    pub src: Option<SocketAddr>,
    pub dst: Option<SocketAddr>,
    /// When it was accepted.
    pub accepted: SystemTime,
    pub age: Duration,
}

/// A question of the runtime API to one worker thread.
#[derive(Debug)]
pub enum Ask {
    /// The thread's sessions.
    List(smpsc::SyncSender<Vec<SessInfo>>),
    /// Cut the session with this id; answers whether it was there.
    Kill(u64, smpsc::SyncSender<bool>),
    /// Start check entry `.0` (`.1`: its agent) of a server `add server` added.
    StartCheck(usize, bool),
}

/// One mailbox per worker thread.
#[derive(Debug)]
pub struct Mailboxes {
    tx: Vec<mpsc::UnboundedSender<Ask>>,
    rx: Vec<Mutex<Option<mpsc::UnboundedReceiver<Ask>>>>,
}

/// How long the control thread waits for a worker's answer.
const ANSWER: Duration = Duration::from_secs(2);

impl Mailboxes {
    pub fn new(nbthread: usize) -> Mailboxes {
        let (tx, rx) = (0..nbthread.max(1))
            .map(|_| {
                let (t, r) = mpsc::unbounded_channel();
                (t, Mutex::new(Some(r)))
            })
            .unzip();
        Mailboxes { tx, rx }
    }

    /// The sessions of every thread, by thread then age (blocks the caller until the
    /// threads answer; for the control thread, never a worker).
    pub fn list(&self) -> Vec<SessInfo> {
        let mut all = Vec::new();
        for tx in &self.tx {
            let (atx, arx) = smpsc::sync_channel(1);
            if tx.send(Ask::List(atx)).is_ok() {
                if let Ok(v) = arx.recv_timeout(ANSWER) {
                    all.extend(v);
                }
            }
        }
        all
    }

    /// Cuts session `id`; false when no thread has it.
    pub fn kill(&self, id: u64) -> bool {
        let t = (id & 0xff) as usize;
        let Some(tx) = self.tx.get(t) else {
            return false;
        };
        let (atx, arx) = smpsc::sync_channel(1);
        tx.send(Ask::Kill(id, atx)).is_ok() && arx.recv_timeout(ANSWER).unwrap_or(false)
    }

    /// Runs check entry `k` (`agent`: its agent) on one of the worker threads
    /// (dealt by entry, as the configured checks are).
    pub fn start_check(&self, k: usize, agent: bool) {
        if let Some(tx) = self.tx.get(k % self.tx.len().max(1)) {
            let _ = tx.send(Ask::StartCheck(k, agent));
        }
    }

    fn take(&self, thread: usize) -> Option<mpsc::UnboundedReceiver<Ask>> {
        self.rx
            .get(thread)?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// The sessions of one thread.
#[derive(Debug, Default)]
pub struct Registry {
    thread: usize,
    entries: RefCell<Vec<Entry>>,
    free: RefCell<Vec<usize>>,
    serial: std::cell::Cell<u64>,
}

#[derive(Debug)]
struct Entry {
    /// 0: free.
    id: u64,
    fe: usize,
    li: usize,
    be: Option<usize>,
    srv: Option<usize>,
    src: Option<SocketAddr>,
    dst: Option<SocketAddr>,
    accepted: SystemTime,
    start: Instant,
    abort: Option<AbortHandle>,
}

impl Registry {
    pub fn new(thread: usize) -> Registry {
        Registry {
            thread,
            ..Registry::default()
        }
    }

    /// Registers a session accepted on listener `li` of frontend `fe`; returns its slot.
    pub fn open(
        &self,
        fe: usize,
        li: usize,
        src: Option<SocketAddr>,
        dst: Option<SocketAddr>,
    ) -> u32 {
        let serial = self.serial.get().wrapping_add(1).max(1);
        self.serial.set(serial);
        let e = Entry {
            id: (serial << 8) | (self.thread as u64 & 0xff),
            fe,
            li,
            be: None,
            srv: None,
            src,
            dst,
            accepted: SystemTime::now(),
            start: Instant::now(),
            abort: None,
        };
        let mut entries = self.entries.borrow_mut();
        let idx = match self.free.borrow_mut().pop() {
            Some(i) => {
                entries[i] = e;
                i
            }
            None => {
                entries.push(e);
                entries.len() - 1
            }
        };
        u32::try_from(idx).unwrap_or(u32::MAX)
    }

    /// The session's task, to cut it.
    pub fn set_abort(&self, slot: u32, h: AbortHandle) {
        if let Some(e) = self.entries.borrow_mut().get_mut(slot as usize) {
            e.abort = Some(h);
        }
    }

    /// The backend and server the session's stream uses now.
    pub fn target(&self, slot: u32, be: usize, srv: usize) {
        if let Some(e) = self.entries.borrow_mut().get_mut(slot as usize) {
            e.be = Some(be);
            e.srv = Some(srv);
        }
    }

    /// The session ended.
    pub fn close(&self, slot: u32) {
        if let Some(e) = self.entries.borrow_mut().get_mut(slot as usize) {
            e.id = 0;
            e.abort = None;
            self.free.borrow_mut().push(slot as usize);
        }
    }

    fn list(&self) -> Vec<SessInfo> {
        let now = Instant::now();
        self.entries
            .borrow()
            .iter()
            .filter(|e| e.id != 0)
            .map(|e| SessInfo {
                id: e.id,
                thread: self.thread,
                fe: e.fe,
                li: e.li,
                be: e.be,
                srv: e.srv,
                src: e.src,
                dst: e.dst,
                accepted: e.accepted,
                age: now.saturating_duration_since(e.start),
            })
            .collect()
    }

    fn kill(&self, id: u64) -> bool {
        let h = self
            .entries
            .borrow_mut()
            .iter_mut()
            .find(|e| e.id == id && id != 0)
            .map(|e| e.abort.take());
        match h {
            Some(h) => {
                if let Some(h) = h {
                    h.abort();
                }
                true
            }
            None => false,
        }
    }
}

/// The thread's task answering the runtime API.
pub async fn task(w: std::rc::Rc<crate::worker::WorkerCx>, thread: usize) {
    let Some(mut rx) = w.ctl.sessions.take(thread) else {
        return;
    };
    while let Some(ask) = rx.recv().await {
        match ask {
            Ask::List(tx) => {
                let _ = tx.send(w.streams.list());
            }
            Ask::Kill(id, tx) => {
                let _ = tx.send(w.streams.kill(id));
            }
            Ask::StartCheck(k, agent) => crate::checks::start(&w, k, agent),
        }
    }
}
