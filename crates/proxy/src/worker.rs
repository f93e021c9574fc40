//! Worker threads and the process lifecycle (management guide section 4, "Stopping and
//! restarting HAProxy"; configuration manual `nbthread`, `maxconn`, `grace`,
//! `hard-stop-after`).
//!
//! Each of the `nbthread` workers runs its own single-threaded event loop and accepts on
//! every listener (all threads poll the same listening sockets, as HAProxy's do).
//! Connections stay on the thread that accepted them, so per-connection state needs no
//! locks. The main thread only waits for signals:
//!
//! - `SIGUSR1` (also sent by a new process started with `-sf`): soft stop: after `grace`,
//!   listeners close, in-flight work finishes, idle connections close, then the process
//!   exits 0; `hard-stop-after` bounds the wait;
//! - `SIGTERM` (`-st`) and `SIGINT`: hard stop, immediately.
//!
//! `maxconn` (global, frontend, bind) is enforced by not accepting: excess connections wait
//! in the kernel's backlog, as with HAProxy, instead of being refused.

use crate::state::{Frontend, Runtime};
use rampart_net::Listener;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Notify};

/// Options of the run that come from the command line.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Processes to ask to finish (`-sf`) or to terminate (`-st`) once we listen.
    pub soft_stop_pids: Vec<i32>,
    pub hard_stop_pids: Vec<i32>,
    /// `-q` / `quiet`: no run-time messages (server state changes).
    pub quiet: bool,
    /// Listeners the workers do not own (`stats socket`, served by rampart-admin's
    /// control thread; `log-forward`): the process lives until the soft stop even
    /// without `bind`, so such a configuration still runs its health checks.
    pub cli_listeners: bool,
}

/// A counting limit (`maxconn`) whose waiters are woken when a slot frees. The runtime
/// API changes the limit (`set maxconn frontend|global`) and pauses or stops a
/// frontend's gate (`disable|enable|shutdown frontend`): a paused gate gives no slot,
/// so its listeners accept nothing and connections wait in the kernel's backlog.
#[derive(Debug)]
pub struct Gate {
    cur: AtomicU32,
    max: AtomicU32,
    /// [`GATE_OPEN`], [`GATE_PAUSED`] or [`GATE_STOPPED`].
    state: std::sync::atomic::AtomicU8,
    notify: Notify,
    /// Told when the state changes (an accept loop waiting in `accept` hears it).
    pub changed: watch::Sender<u8>,
}

/// Gate states.
pub const GATE_OPEN: u8 = 0;
pub const GATE_PAUSED: u8 = 1;
pub const GATE_STOPPED: u8 = 2;

impl Gate {
    pub fn new(max: u32) -> Self {
        Gate {
            cur: AtomicU32::new(0),
            max: AtomicU32::new(if max == 0 { u32::MAX } else { max }),
            state: std::sync::atomic::AtomicU8::new(GATE_OPEN),
            notify: Notify::new(),
            changed: watch::channel(GATE_OPEN).0,
        }
    }

    /// Slots taken now (HAProxy's `actconn`, `feconn`...).
    pub fn current(&self) -> u32 {
        self.cur.load(Ordering::Relaxed)
    }

    /// The limit now (`u32::MAX`: none).
    pub fn max(&self) -> u32 {
        self.max.load(Ordering::Relaxed)
    }

    /// Changes the limit (0: none); waiters get the slots a raised limit frees.
    pub fn set_max(&self, max: u32) {
        self.max
            .store(if max == 0 { u32::MAX } else { max }, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// [`GATE_OPEN`], [`GATE_PAUSED`] or [`GATE_STOPPED`].
    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// Pauses, resumes or stops the gate (a stopped gate stays stopped).
    pub fn set_state(&self, st: u8) {
        if self.state() == GATE_STOPPED {
            return;
        }
        self.state.store(st, Ordering::Release);
        self.changed.send_replace(st);
        self.notify.notify_waiters();
    }

    fn try_acquire(&self) -> bool {
        if self.state() != GATE_OPEN {
            return false;
        }
        let max = self.max.load(Ordering::Acquire);
        self.cur
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                (c < max).then_some(c + 1)
            })
            .is_ok()
    }

    /// Waits for a free slot; `false` when the gate is stopped.
    pub async fn acquire(&self) -> bool {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.state() == GATE_STOPPED {
                return false;
            }
            if self.try_acquire() {
                return true;
            }
            notified.await;
        }
    }

    pub fn release(&self) {
        let before = self.cur.fetch_sub(1, Ordering::AcqRel);
        if before >= self.max.load(Ordering::Acquire) || self.state() != GATE_OPEN {
            self.notify.notify_waiters();
        }
    }
}

/// Shared lifecycle state.
#[derive(Debug)]
pub struct Control {
    pub stopping: AtomicBool,
    stop_tx: watch::Sender<bool>,
    pub global: Gate,
    /// One gate per frontend, then per listener (frontend index, listener index).
    pub frontends: Vec<Gate>,
    pub listeners: Vec<Vec<Gate>>,
    workers_alive: AtomicUsize,
    workers_done: Notify,
    /// Sessions alive in the process (HAProxy's `actconn`; the gates also count the
    /// slots accept loops hold while they wait).
    pub actconn: AtomicU32,
    /// What the threads see of each other's idle server connections (takeovers).
    pub idle: Arc<crate::pool::Shared>,
    /// `maxconnrate` and `maxsessrate` in force (0: none): the configuration's, until
    /// the runtime API's `set rate-limit connections|sessions global` changes them.
    pub maxconnrate: AtomicU32,
    pub maxsessrate: AtomicU32,
    /// The worker threads' mailboxes for `show sess` and `shutdown session`.
    pub sessions: crate::sessions::Mailboxes,
}

impl Control {
    pub fn new(rt: &Runtime) -> Arc<Control> {
        let (stop_tx, _) = watch::channel(false);
        Arc::new(Control {
            stopping: AtomicBool::new(false),
            stop_tx,
            global: Gate::new(rt.maxconn),
            frontends: rt.frontends.iter().map(|f| Gate::new(f.maxconn)).collect(),
            listeners: rt
                .frontends
                .iter()
                .map(|f| f.listeners.iter().map(|l| Gate::new(l.maxconn)).collect())
                .collect(),
            workers_alive: AtomicUsize::new(0),
            workers_done: Notify::new(),
            actconn: AtomicU32::new(0),
            idle: Arc::new(crate::pool::Shared::new(rt)),
            maxconnrate: AtomicU32::new(rt.maxconnrate),
            maxsessrate: AtomicU32::new(rt.maxsessrate),
            sessions: crate::sessions::Mailboxes::new(rt.nbthread),
        })
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Starts the soft stop: listeners close, sessions finish.
    pub fn soft_stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        let _ = self.stop_tx.send(true);
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.stop_tx.subscribe()
    }
}

/// The slots a session holds; released when it ends.
pub struct Permit {
    ctl: Arc<Control>,
    fe: usize,
    li: usize,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(g) = self.ctl.listeners.get(self.fe).and_then(|v| v.get(self.li)) {
            g.release();
        }
        if let Some(g) = self.ctl.frontends.get(self.fe) {
            g.release();
        }
        self.ctl.global.release();
    }
}

/// A session's hold on its worker thread and its `maxconn` slots, released when the
/// session ends (the last one on a stopping thread lets the thread finish).
pub struct Live {
    pub w: Rc<WorkerCx>,
    _permit: Permit,
    /// The session's slot in the thread's registry (`show sess`).
    pub slot: u32,
}

impl Live {
    pub fn new(w: Rc<WorkerCx>, permit: Permit, peer: &rampart_net::conn::ConnAddrs) -> Live {
        w.sessions.set(w.sessions.get() + 1);
        w.ctl.actconn.fetch_add(1, Ordering::Relaxed);
        let slot = w.streams.open(permit.fe, permit.li, peer.src, peer.dst);
        if let Some(c) = w.frontend(permit.fe).li_counters(permit.li) {
            c.connected();
        }
        Live {
            w,
            _permit: permit,
            slot,
        }
    }

    /// The backend and server the session's stream uses (`show sess`).
    pub fn target(&self, be: usize, srv: usize) {
        self.w.streams.target(self.slot, be, srv);
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.w.streams.close(self.slot);
        let p = &self._permit;
        if let Some(c) = self.w.frontend(p.fe).li_counters(p.li) {
            c.closed();
        }
        self.w.ctl.actconn.fetch_sub(1, Ordering::Relaxed);
        let n = self.w.sessions.get().saturating_sub(1);
        self.w.sessions.set(n);
        if n == 0 {
            self.w.idle.notify_waiters();
        }
    }
}

/// What one worker thread shares with its sessions.
pub struct WorkerCx {
    pub rt: Arc<Runtime>,
    pub ctl: Arc<Control>,
    /// Sessions alive on this thread.
    pub sessions: Cell<usize>,
    pub idle: Notify,
    /// Connections waiting for a request, woken at once by the soft stop.
    pub waiting: crate::idle::IdleSet,
    /// Free I/O buffers of this thread: a connection holds buffers only while it has
    /// data in flight, as HAProxy's buffer pools do, so idle connections cost no buffer.
    bufs: RefCell<Vec<Vec<u8>>>,
    /// Free HTTP heads of this thread, lent to streams (see [`crate::http::Heads`]).
    /// Boxed so that a session future holds a pointer, not the heads, across its awaits.
    #[allow(clippy::vec_box)]
    heads: RefCell<Vec<Box<crate::http::Heads>>>,
    /// Buffers the rules render into (borrowed for one rule set at a time, never
    /// across an await).
    pub scratch: RefCell<rampart_rules::action::Scratch>,
    /// Idle server connections of this thread (`mode http`).
    pub pool: crate::pool::ThreadPool,
    /// Streams of this thread whose server's streams may be shut down.
    pub kills: crate::kill::Registry,
    /// The sessions of this thread (`show sess`, `shutdown session`).
    pub streams: crate::sessions::Registry,
    /// This thread's activity counters (`show activity`).
    pub activity: &'static crate::activity::Slot,
}

/// Buffers kept for reuse per thread at most.
const POOLED_BUFS: usize = 256;

impl WorkerCx {
    pub fn frontend(&self, i: usize) -> &Frontend {
        &self.rt.frontends[i]
    }

    /// An empty buffer with room for `tune.bufsize` bytes.
    pub fn get_buf(&self) -> Vec<u8> {
        self.bufs
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(self.rt.bufsize))
    }

    /// Heads for a stream, from the thread's pool.
    pub fn take_heads(&self) -> Box<crate::http::Heads> {
        self.heads.borrow_mut().pop().unwrap_or_default()
    }

    /// Gives a stream's heads back to the thread's pool.
    pub fn put_heads(&self, h: Box<crate::http::Heads>) {
        let mut pool = self.heads.borrow_mut();
        if pool.len() < POOLED_BUFS {
            pool.push(h);
        }
    }

    /// Gives a buffer back to the thread's pool.
    pub fn put_buf(&self, mut b: Vec<u8>) {
        let mut pool = self.bufs.borrow_mut();
        if pool.len() < POOLED_BUFS && b.capacity() >= self.rt.bufsize {
            b.clear();
            pool.push(b);
        }
    }
}

/// Starts the workers and blocks until the process should exit; returns the exit code.
pub fn run(rt: Runtime, listeners: Vec<Vec<Listener>>, opts: RunOptions) -> u8 {
    run_with(rt, listeners, opts, |_, _| {})
}

/// [`run`], calling `on_start` with the shared runtime and lifecycle state before the
/// workers start (the runtime API's control thread starts there).
pub fn run_with(
    rt: Runtime,
    listeners: Vec<Vec<Listener>>,
    opts: RunOptions,
    on_start: impl FnOnce(&Arc<Runtime>, &Arc<Control>),
) -> u8 {
    let rt = Arc::new(rt);
    crate::checks::QUIET.store(opts.quiet, Ordering::Relaxed);
    let ctl = Control::new(&rt);
    on_start(&rt, &ctl);
    let nb = rt.nbthread;
    crate::activity::init(nb);
    let cpus = crate::affinity::plan(&rt.cpu_map, nb);
    let hold = opts.cli_listeners;
    let mut handles = Vec::new();
    for t in 0..nb {
        // Each worker gets its own handle on every listening socket.
        let mut mine = Vec::new();
        for fe in &listeners {
            let mut v = Vec::new();
            for l in fe {
                match l.try_clone() {
                    Ok(c) => v.push(Some(c)),
                    Err(_) => v.push(None),
                }
            }
            mine.push(v);
        }
        let rt = rt.clone();
        let ctl = ctl.clone();
        ctl.workers_alive.fetch_add(1, Ordering::SeqCst);
        let pin = cpus.threads.get(t).cloned().flatten();
        let h = std::thread::Builder::new()
            .name(format!("rampart-{}", t + 1))
            .spawn(move || {
                if let Some(set) = pin {
                    let what = format!("thread {}", t + 1);
                    if let Err(w) = crate::affinity::bind_current_thread(&set, &what) {
                        crate::affinity::warn(&w);
                    }
                }
                worker_main(rt, ctl, mine, t, hold)
            });
        match h {
            Ok(h) => handles.push(h),
            Err(e) => {
                eprintln!(
                    "[ALERT]    ({}) : cannot start thread {}: {e}",
                    std::process::id(),
                    t + 1
                );
                return 1;
            }
        }
    }
    // The workers hold their own handles; the originals close now, so the sockets close
    // as soon as every worker stops accepting.
    drop(listeners);
    for pid in &opts.soft_stop_pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGUSR1,
        );
    }
    for pid in &opts.hard_stop_pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    let code = main_loop(&rt, &ctl);
    // Not joined: after a soft stop the workers are done, but after SIGTERM, SIGINT or
    // `hard-stop-after` they still serve, and returning is what ends the process.
    drop(handles);
    code
}

/// The main thread: signals and the end of the workers.
fn main_loop(rt: &Runtime, ctl: &Arc<Control>) -> u8 {
    let Ok(main_rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return 1;
    };
    main_rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut usr1), Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::user_defined1()),
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return 1;
        };
        let done = async {
            loop {
                let n = ctl.workers_done.notified();
                tokio::pin!(n);
                n.as_mut().enable();
                if ctl.workers_alive.load(Ordering::SeqCst) == 0 {
                    return;
                }
                n.await;
            }
        };
        tokio::pin!(done);
        let mut hard_deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
        loop {
            tokio::select! {
                _ = usr1.recv() => {
                    if !ctl.is_stopping() {
                        if let Some(g) = rt.grace {
                            tokio::time::sleep(g).await;
                        }
                        ctl.soft_stop();
                        announce_stopped(rt);
                        if let Some(h) = rt.hard_stop_after {
                            hard_deadline = Some(Box::pin(tokio::time::sleep(h)));
                        }
                    }
                }
                _ = term.recv() => return 0,
                _ = int.recv() => return 0,
                _ = &mut done => return 0,
                _ = async { match hard_deadline.as_mut() { Some(s) => s.await, None => std::future::pending().await } } => return 0,
            }
        }
    })
}

/// HAProxy's message when a proxy's listeners are stopped (`proxy_cond_disable`), on
/// stderr and in the proxy's logs.
fn announce_stopped(rt: &Runtime) {
    for f in &rt.frontends {
        let be = f
            .own_backend
            .and_then(|b| rt.backends.get(b))
            .map_or(0, |b| b.counters.stot.load(Ordering::Relaxed));
        let msg = format!(
            "Proxy {} stopped (cumulated conns: FE: {}, BE: {be}).",
            f.name,
            f.counters.stot.load(Ordering::Relaxed)
        );
        if !crate::checks::QUIET.load(Ordering::Relaxed) {
            let line = format!("[WARNING]  ({}) : {msg}\n", std::process::id());
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        }
        rampart_log::event(Some(&f.name), rampart_log::events::level::WARNING, &msg);
    }
}

fn worker_main(
    rt: Arc<Runtime>,
    ctl: Arc<Control>,
    listeners: Vec<Vec<Option<Listener>>>,
    thread: usize,
    hold: bool,
) {
    let activity = crate::activity::start(thread);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || crate::activity::park(activity))
        .on_thread_unpark(move || crate::activity::unpark(activity))
        .build();
    if let Ok(runtime) = runtime {
        let local = tokio::task::LocalSet::new();
        local.block_on(&runtime, async {
            let wcx = Rc::new(WorkerCx {
                rt: rt.clone(),
                ctl: ctl.clone(),
                sessions: Cell::new(0),
                idle: Notify::new(),
                waiting: crate::idle::IdleSet::default(),
                bufs: RefCell::new(Vec::new()),
                heads: RefCell::new(Vec::new()),
                scratch: RefCell::new(Default::default()),
                pool: crate::pool::ThreadPool::new(&rt, ctl.idle.clone(), thread),
                kills: Default::default(),
                streams: crate::sessions::Registry::new(thread),
                activity,
            });
            // The soft stop reaches this thread's idle connections through one task.
            let mut stop = ctl.subscribe();
            let cx = wcx.clone();
            tokio::task::spawn_local(async move {
                while !*stop.borrow_and_update() {
                    if stop.changed().await.is_err() {
                        return;
                    }
                }
                cx.waiting.stop_all();
            });
            let purge = tokio::task::spawn_local(crate::pool::pool_task(wcx.clone()));
            let asks = tokio::task::spawn_local(crate::sessions::task(wcx.clone(), thread));
            let kills = rt
                .kills_watched
                .then(|| tokio::task::spawn_local(crate::kill::task(wcx.clone())));
            crate::checks::spawn(&wcx, thread, rt.nbthread, ctl.subscribe());
            let mut accepts = Vec::new();
            for (fe, ls) in listeners.into_iter().enumerate() {
                for (li, l) in ls.into_iter().enumerate() {
                    if let Some(l) = l {
                        accepts.push(tokio::task::spawn_local(crate::accept::accept_loop(
                            wcx.clone(),
                            fe,
                            li,
                            l,
                        )));
                    }
                }
            }
            if hold {
                // Stands for the `stats socket` listeners: open until the soft stop.
                let mut stop = ctl.subscribe();
                accepts.push(tokio::task::spawn_local(async move {
                    while !*stop.borrow_and_update() {
                        if stop.changed().await.is_err() {
                            return;
                        }
                    }
                }));
            }
            for a in accepts {
                let _ = a.await;
            }
            // Listeners are closed: wait for this thread's sessions to finish.
            loop {
                let n = wcx.idle.notified();
                tokio::pin!(n);
                n.as_mut().enable();
                if wcx.sessions.get() == 0 {
                    break;
                }
                n.await;
            }
            purge.abort();
            asks.abort();
            if let Some(k) = kills {
                k.abort();
            }
            wcx.pool.clear(&rt);
        });
    }
    if ctl.workers_alive.fetch_sub(1, Ordering::SeqCst) == 1 {
        ctl.workers_done.notify_waiters();
    }
}

/// Takes the slots for a new connection on listener `li` of frontend `fe`; `None` when
/// the frontend was shut down (`shutdown frontend`).
pub async fn acquire(ctl: &Arc<Control>, fe: usize, li: usize) -> Option<Permit> {
    ctl.global.acquire().await;
    if let Some(g) = ctl.frontends.get(fe) {
        if !g.acquire().await {
            ctl.global.release();
            return None;
        }
    }
    if let Some(g) = ctl.listeners.get(fe).and_then(|v| v.get(li)) {
        g.acquire().await;
    }
    Some(Permit {
        ctl: ctl.clone(),
        fe,
        li,
    })
}
