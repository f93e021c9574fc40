//! Shutting down the streams of a server (configuration manual 5.2 `on-marked-down
//! shutdown-sessions`, `on-marked-up shutdown-backup-sessions`; HAProxy's
//! `srv_shutdown_streams`, termination codes `D` and `U`).
//!
//! Each server whose streams may be shut down (it has `on-marked-down`, or it is a
//! backup in a backend where an active server has `on-marked-up`) carries a kill epoch
//! ([`KillSwitch`]). Shutting its streams down bumps the epoch and rings one
//! process-wide [`Bell`]; on each worker thread one task hears it and wakes the streams
//! of that thread whose server's epoch moved, from a per-thread [`Registry`] (a slab of
//! wakers: no lock, no allocation once warm). A stream registers while it uses such a
//! server ([`Registry::watch`]) and waits on [`Watch::killed`] beside its I/O.
//!
//! A server without these options is never registered: its streams pay one boolean
//! test.

use crate::state::{Backend, Runtime};
use std::cell::RefCell;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Poll, Waker};
use tokio::sync::watch;

/// Why a stream was shut down (the first letter of HAProxy's termination state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// `D`: its server went down (`on-marked-down shutdown-sessions`).
    Down,
    /// `U`: an active server came up (`on-marked-up shutdown-backup-sessions`).
    Up,
    /// `K`: the runtime API shut them down (`shutdown sessions server`).
    Killed,
}

impl Why {
    /// The termination cause it logs (`D`, `U`).
    pub fn term(self) -> rampart_rules::logfmt::TermErr {
        match self {
            Why::Down => rampart_rules::logfmt::TermErr::Down,
            Why::Up => rampart_rules::logfmt::TermErr::Up,
            Why::Killed => rampart_rules::logfmt::TermErr::Killed,
        }
    }
}

/// A server's kill epoch.
#[derive(Debug, Default)]
pub struct KillSwitch {
    /// Streams on this server register to be shut down.
    pub watched: bool,
    epoch: AtomicU32,
    /// The reason of the last shutdown ([`Why`] as 0 / 1 / 2).
    why: AtomicU32,
}

impl KillSwitch {
    pub fn new(watched: bool) -> KillSwitch {
        KillSwitch {
            watched,
            ..KillSwitch::default()
        }
    }

    fn epoch(&self) -> u32 {
        self.epoch.load(Ordering::Acquire)
    }

    fn fire(&self, why: Why) {
        self.why.store(why as u32, Ordering::Relaxed);
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    fn why(&self) -> Why {
        match self.why.load(Ordering::Relaxed) {
            1 => Why::Up,
            2 => Why::Killed,
            _ => Why::Down,
        }
    }
}

/// Tells every worker thread that some server's streams are to be shut down.
#[derive(Debug)]
pub struct Bell(watch::Sender<u64>);

impl Default for Bell {
    fn default() -> Self {
        Bell(watch::channel(0).0)
    }
}

impl Bell {
    fn ring(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// The runtime API's `shutdown sessions server`: the streams of server `si` of `be`
/// end now (termination `K`, HAProxy's `SF_ERR_KILLED`).
pub fn kill_server(rt: &Runtime, be: &Backend, si: usize) {
    if let Some(s) = be.servers.get(si).filter(|s| s.kill.watched) {
        s.kill.fire(Why::Killed);
        rt.kill_bell.ring();
    }
}

/// `on-marked-down shutdown-sessions`: server `si` of `be` went down.
pub fn shutdown_server(rt: &Runtime, be: &Backend, si: usize, why: Why) {
    if let Some(s) = be.servers.get(si).filter(|s| s.kill.watched) {
        s.kill.fire(why);
        rt.kill_bell.ring();
    }
}

/// `on-marked-up shutdown-backup-sessions`: an active server of `be` came up.
pub fn shutdown_backups(rt: &Runtime, be: &Backend) {
    let mut any = false;
    for s in be.servers.iter().filter(|s| s.backup && s.kill.watched) {
        s.kill.fire(Why::Up);
        any = true;
    }
    if any {
        rt.kill_bell.ring();
    }
}

/// The streams of one thread that watch their server's kill epoch.
#[derive(Debug, Default)]
pub struct Registry {
    entries: RefCell<Vec<Entry>>,
    free: RefCell<Vec<usize>>,
}

#[derive(Debug, Default)]
struct Entry {
    used: bool,
    be: usize,
    srv: usize,
    epoch: u32,
    waker: Option<Waker>,
}

impl Registry {
    /// Registers a stream using server `srv` of backend `be` when that server's streams
    /// may be shut down; `None` otherwise (nothing to watch).
    pub fn watch<'a>(&'a self, rt: &'a Runtime, be: usize, srv: usize) -> Option<Watch<'a>> {
        let sw = &rt.backends.get(be)?.servers.get(srv)?.kill;
        if !sw.watched {
            return None;
        }
        let epoch = sw.epoch();
        let e = Entry {
            used: true,
            be,
            srv,
            epoch,
            waker: None,
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
        Some(Watch {
            reg: self,
            sw,
            idx,
            epoch,
        })
    }

    /// Wakes the streams whose server's epoch moved (the thread's task, on the bell).
    pub fn sweep(&self, rt: &Runtime) {
        let wakers: Vec<Waker> = self
            .entries
            .borrow_mut()
            .iter_mut()
            .filter(|e| e.used)
            .filter(|e| {
                rt.backends
                    .get(e.be)
                    .and_then(|b| b.servers.get(e.srv))
                    .is_some_and(|s| s.kill.epoch() != e.epoch)
            })
            .filter_map(|e| e.waker.take())
            .collect();
        for w in wakers {
            w.wake();
        }
    }
}

/// A stream's registration; leaves the registry when dropped.
pub struct Watch<'a> {
    reg: &'a Registry,
    sw: &'a KillSwitch,
    idx: usize,
    epoch: u32,
}

impl Watch<'_> {
    /// Resolves when the server's streams are shut down, with the reason.
    pub async fn killed(&self) -> Why {
        poll_fn(|cx| {
            if self.sw.epoch() != self.epoch {
                return Poll::Ready(self.sw.why());
            }
            if let Some(e) = self.reg.entries.borrow_mut().get_mut(self.idx) {
                match &mut e.waker {
                    Some(w) => w.clone_from(cx.waker()),
                    w => *w = Some(cx.waker().clone()),
                }
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if let Some(e) = self.reg.entries.borrow_mut().get_mut(self.idx) {
            *e = Entry::default();
            self.reg.free.borrow_mut().push(self.idx);
        }
    }
}

/// The thread's task: on each ring of the bell, wakes the streams concerned.
pub async fn task(w: std::rc::Rc<crate::worker::WorkerCx>) {
    let mut rx = w.rt.kill_bell.subscribe();
    while rx.changed().await.is_ok() {
        w.kills.sweep(&w.rt);
    }
}
