//! Health checks and agent checks of servers (configuration manual 5.2 `check`, `inter`,
//! `fastinter`, `downinter`, `rise`, `fall`, `slowstart`, `track`, `agent-*`; global
//! `spread-checks`, `max-spread-checks`; HAProxy's check.c and server.c).
//!
//! - [`build`] turns the Snapshot's check settings into one [`SrvChecks`] per server that
//!   has a check, an agent or a `track`, with its compiled ruleset
//!   ([`rampart_check::Ruleset`]) and where to connect;
//! - [`spawn`] starts each check as a task on one worker thread (checks are dealt to the
//!   threads in turn), the first run spread over the smallest interval as HAProxy does;
//!   a check never blocks its thread: it is a future like any session;
//! - [`state`] applies each report: HAProxy's rise/fall health counter, the state
//!   machine (UP, DOWN, going up/down, NOLB, DRAIN, MAINT), `slowstart`, trackers, and
//!   the messages HAProxy prints (`Server be/s is DOWN, reason: ...`). Every change is
//!   published into the server's live state (`server_state::Live`, atomics read by the
//!   data path) followed by [`crate::upstream::servers_changed`].
//!
//! The check state (health counters, next state) sits behind one mutex: it is touched
//! once per check run, and by the data path only when `observe` counted `error-limit`
//! consecutive errors ([`crate::observe`]).

mod agent_reply;
mod build;
mod state;
mod warmup;

use crate::server_state::Op;
use crate::state::Runtime;
use rampart_check::{run, ConnectFailure, Connector, Dest, Env, Ruleset, Target, Timing};
use rampart_net::connect::{SourceSpec, Target as NetTarget};
use rampart_net::Conn;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use build::{build, for_dynamic, BeChecks};
pub use state::{CheckView, CliHealth, SrvState, SrvView};

/// `-q` / `quiet`: state-change messages are not printed (as HAProxy's `ha_warning`).
pub static QUIET: AtomicBool = AtomicBool::new(false);

/// One check (health or agent) of a server.
#[derive(Debug)]
pub struct CheckCfg {
    pub rs: Ruleset,
    pub target: Target,
    pub conn: NetConnector,
    pub inter: Duration,
    pub fastinter: Option<Duration>,
    pub downinter: Option<Duration>,
    pub rise: i32,
    pub fall: i32,
    pub timing: Timing,
    /// The check's port is the server's (no `port`, no port in `addr`): it follows
    /// `set server <b>/<s> addr ... port`.
    pub port_of_server: bool,
}

/// The checks of one server.
#[derive(Debug)]
pub struct SrvChecks {
    pub be: usize,
    pub srv: usize,
    pub health: Option<CheckCfg>,
    pub agent: Option<CheckCfg>,
    /// The server this one follows (`track`), as an index in [`Checks::servers`].
    pub track: Option<usize>,
    pub trackers: Vec<usize>,
    pub slowstart: Duration,
    /// `option log-health-checks`.
    pub log_health: bool,
    /// `http-check disable-on-404`.
    pub disable_on_404: bool,
    /// The weight of the configuration (`iweight`): agent `N%` weights are relative to it.
    pub iweight: u32,
    /// The backend's algorithm takes weight changes (HAProxy's `BE_LB_PROP_DYN`).
    pub dyn_weight: bool,
    /// The configured check `port` and agent port (`agent-port`, else `port`; 0:
    /// none), as `show servers state` prints them.
    pub cfg_ports: (u16, u16),
}

/// Every server check of the process.
#[derive(Debug, Default)]
pub struct Checks {
    /// The configured servers' entries, sorted by (backend, server), then those of the
    /// servers the runtime API added, in the order they came.
    pub servers: rampart_core::grow::Grow<SrvChecks>,
    /// One per entry of `servers` (pushed before the entry).
    pub(crate) state: Mutex<Vec<SrvState>>,
    /// `spread-checks` (percent).
    pub spread: u32,
    /// `max-spread-checks`.
    pub max_spread: Option<Duration>,
    pub bufsize: usize,
    /// How messages name each backend's kind (`backend`, `proxy` for a `listen`).
    pub be_types: Vec<&'static str>,
    /// What the runtime API keeps of servers without checks (see `state::cli`).
    pub(crate) plain: Mutex<HashMap<(usize, usize), state::Plain>>,
    /// The configured `rise` and `fall` of the servers without checks (HAProxy keeps
    /// them, and a health counter starting at `rise`, for every server).
    pub(crate) plain_rise_fall: HashMap<(usize, usize), (i32, i32)>,
    /// Check addresses, ports and agent strings the runtime API changed, by (check,
    /// agent?).
    pub(crate) overrides: Mutex<HashMap<(usize, bool), CheckOverride>>,
    /// What each backend's checks share (the runtime's backend order).
    pub backends: Vec<BeChecks>,
    /// `track` of servers the runtime API added: (followed entry, follower entry).
    pub(crate) dyn_trackers: Mutex<Vec<(usize, usize)>>,
}

/// What `set server ... check-addr|check-port|agent-addr|agent-port|agent-send`
/// changed of a check's target (`None`: as configured).
#[derive(Clone, Debug, Default)]
pub struct CheckOverride {
    pub addr: Option<IpAddr>,
    pub port: Option<u16>,
    pub send: Option<Vec<u8>>,
}

/// Check connections through `rampart_net`: the server's own address when it is not an IP
/// one, the server's `source` for IP destinations.
#[derive(Debug)]
pub struct NetConnector {
    pub server: Option<NetTarget>,
    pub source: Option<SourceSpec>,
}

impl Connector for NetConnector {
    type Conn = Conn;

    async fn connect(&self, dest: Dest, delack: bool) -> Result<Conn, ConnectFailure> {
        use rampart_net::connect::{connect_with, ConnectOpts};
        let opts = ConnectOpts { delack };
        let r = match dest {
            Dest::Inet(sa) => connect_with(&NetTarget::Inet(sa), self.source.as_ref(), opts).await,
            Dest::Server => match &self.server {
                Some(t) => connect_with(t, None, opts).await,
                None => {
                    return Err(std::io::Error::from(std::io::ErrorKind::AddrNotAvailable).into())
                }
            },
        };
        r.map_err(|e| ConnectFailure {
            error: e.error,
            immediate: e.immediate,
        })
    }

    fn set_nolinger(conn: &Conn) {
        conn.set_nolinger();
    }

    fn addrs(conn: &Conn) -> (Option<SocketAddr>, Option<SocketAddr>) {
        match conn {
            Conn::Tcp(s) => (s.local_addr().ok(), s.peer_addr().ok()),
            Conn::Unix(_) => (None, None),
        }
    }
}

/// `(server index, agent?)` of every check, in HAProxy's order (servers in order, the
/// health check before the agent).
fn all_checks(c: &Checks) -> Vec<(usize, bool)> {
    let mut v = Vec::new();
    for (k, s) in c.servers.iter().enumerate() {
        if s.health.is_some() {
            v.push((k, false));
        }
        if s.agent.is_some() {
            v.push((k, true));
        }
    }
    v
}

/// Starts the checks that thread `thread` (of `nbthread`) runs, `w` being that thread's
/// context. `stop` ends them (soft stop).
pub(crate) fn spawn(
    w: &std::rc::Rc<crate::worker::WorkerCx>,
    thread: usize,
    nbthread: usize,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let rt = &w.rt;
    let c = &rt.checks;
    let all = all_checks(c);
    if all.is_empty() {
        return;
    }
    // HAProxy's `start_checks`: the first runs are spread over the smallest interval of
    // at least one second (bounded by `max-spread-checks`), by position.
    let thres = Duration::from_millis(1000);
    let mininter = all
        .iter()
        .map(|&(k, agent)| c.initial_inter(k, agent))
        .filter(|&i| i >= thres)
        .min()
        .unwrap_or(Duration::ZERO);
    let n = all.len() as u32;
    for (pos, &(k, agent)) in all.iter().enumerate() {
        if pos % nbthread.max(1) != thread {
            continue;
        }
        let mut mi = mininter.max(c.initial_inter(k, agent));
        if let Some(m) = c.max_spread {
            mi = mi.min(m);
        }
        let delay = mi * pos as u32 / n;
        let stop = stop.clone();
        tokio::task::spawn_local(check_task(w.clone(), k, agent, delay, stop));
    }
}

/// Starts check `k` (`agent`: its agent) of a server the runtime API added, on worker
/// `w`: its first run comes at once (HAProxy's `start_check_task(check, 0, 1, 1)`).
pub(crate) fn start(w: &std::rc::Rc<crate::worker::WorkerCx>, k: usize, agent: bool) {
    let stop = w.ctl.subscribe();
    tokio::task::spawn_local(check_task(w.clone(), k, agent, Duration::ZERO, stop));
}

impl Checks {
    /// Adds the entry `e` of server `i` of backend `b`, which `add server` just added
    /// (in maintenance): its checks start disabled, as HAProxy's (`enable health`,
    /// `enable agent`). Returns the checks to start, as (entry, agent?).
    pub(crate) fn add_dynamic(
        &self,
        rt: &Runtime,
        b: usize,
        i: usize,
        mut e: SrvChecks,
    ) -> Vec<(usize, bool)> {
        e.be = b;
        e.srv = i;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut x = SrvState::new(&e, &rt.backends);
        x.dynamic_start();
        st.push(x);
        let track = e.track;
        let (health, agent) = (e.health.is_some(), e.agent.is_some());
        let k = self.servers.push(e);
        drop(st);
        if let Some(t) = track {
            if let Ok(mut d) = self.dyn_trackers.lock() {
                d.push((t, k));
            }
        }
        let mut run = Vec::new();
        if health {
            run.push((k, false));
        }
        if agent {
            run.push((k, true));
        }
        run
    }

    /// The entries following entry `k` (`track`), deleted servers included, in
    /// HAProxy's order: each new follower goes first (the latest added server, then
    /// the configured ones from the last declared).
    pub(crate) fn all_trackers(&self, k: usize) -> Vec<usize> {
        let mut v = Vec::new();
        if self.servers.len() > self.servers.initial().len() {
            if let Ok(d) = self.dyn_trackers.lock() {
                v.extend(d.iter().rev().filter(|x| x.0 == k).map(|x| x.1));
            }
        }
        if let Some(s) = self.servers.get(k) {
            v.extend(s.trackers.iter().rev());
        }
        v
    }

    /// The entries following entry `k` whose servers still exist.
    pub(crate) fn trackers(&self, rt: &Runtime, k: usize) -> Vec<usize> {
        let mut v = self.all_trackers(k);
        v.retain(|&t| !crate::servers::check_deleted(rt, t));
        v
    }

    /// The target of the next run when the runtime API changed it (the check's own
    /// address, port or agent string; the server's address): `None` when as configured.
    fn target_now(&self, rt: &Runtime, k: usize, agent: bool, cfg: &CheckCfg) -> Option<Target> {
        let o = self
            .overrides
            .lock()
            .ok()
            .and_then(|o| o.get(&(k, agent)).cloned());
        let srv = self
            .servers
            .get(k)
            .and_then(|s| rt.backends.get(s.be)?.servers.get(s.srv))
            .filter(|s| s.addr.generation() != 0);
        if o.is_none() && srv.is_none() {
            return None;
        }
        let mut t = cfg.target.clone();
        if let Some((ip, port)) = srv.and_then(|s| s.addr.ip()) {
            let svc_port = match port {
                crate::state::PortMap::Fixed(p) => p,
                crate::state::PortMap::Offset(_) => 0,
            };
            if matches!(t.server, Some(Dest::Inet(_))) {
                t.server = Some(Dest::Inet(SocketAddr::new(ip, svc_port)));
            }
            if cfg.port_of_server {
                t.port = svc_port;
            }
        }
        if let Some(o) = o {
            if let Some(a) = o.addr {
                t.addr = Some(a);
            }
            if let Some(p) = o.port {
                t.port = p;
            }
            if o.send.is_some() {
                t.agent_send = o.send;
            }
        }
        Some(t)
    }

    fn cfg(&self, k: usize, agent: bool) -> Option<&CheckCfg> {
        let s = self.servers.get(k)?;
        if agent {
            s.agent.as_ref()
        } else {
            s.health.as_ref()
        }
    }

    /// `srv_getinter` at start-up (health = rise).
    fn initial_inter(&self, k: usize, agent: bool) -> Duration {
        let Some(cfg) = self.cfg(k, agent) else {
            return Duration::ZERO;
        };
        if cfg.rise + cfg.fall - 1 == cfg.rise {
            cfg.inter
        } else {
            cfg.fastinter.unwrap_or(cfg.inter)
        }
    }
}

/// One check's loop: run, apply, wait for the next interval.
async fn check_task(
    w: std::rc::Rc<crate::worker::WorkerCx>,
    k: usize,
    agent: bool,
    first: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let rt = w.rt.clone();
    let c = &rt.checks;
    let Some(cfg) = c.cfg(k, agent) else { return };
    let at = c.servers.get(k).map(|s| (s.be, s.srv));
    // `observe`: errors seen on the server's traffic hurry its health check.
    let observed = c
        .servers
        .get(k)
        .filter(|_| !agent)
        .and_then(|s| rt.backends.get(s.be)?.servers.get(s.srv))
        .map(|s| &s.observe)
        .filter(|o| o.mode != crate::observe::Mode::None);
    let mut next = tokio::time::Instant::now() + first;
    loop {
        let hurry = async {
            match observed {
                Some(o) => o.wake.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            r = stop.changed() => {
                if r.is_err() || *stop.borrow() {
                    return;
                }
                continue;
            }
            () = hurry => {
                // Traffic errors reached `error-limit`: whatever `on-error` says, the
                // next check comes after `fastinter`.
                if let Some(fi) = cfg.fastinter {
                    next = next.min(tokio::time::Instant::now() + fi);
                }
                continue;
            }
        }
        // `del server` removed the server: its checks end (HAProxy's `check_purge`).
        if crate::servers::check_deleted(&rt, k) {
            return;
        }
        let start = Instant::now();
        let (paused, nolb_404) = c.before_run(&rt, k, agent);
        if !paused {
            let env = Env {
                nolb_404,
                bufsize: c.bufsize,
            };
            let changed = c.target_now(&rt, k, agent, cfg);
            let target = changed.as_ref().unwrap_or(&cfg.target);
            // The run's connection counts among the server's connections in use, as
            // HAProxy's check connections do (`show servers conn`, `need_conn_est`).
            let in_use = at.and_then(|(b, i)| crate::pool::in_use(&w, b, i));
            c.set_in_progress(k, agent, true);
            run(&cfg.rs, target, &cfg.conn, &cfg.timing, &env, |out| {
                c.apply(&rt, k, agent, out);
            })
            .await;
            c.set_in_progress(k, agent, false);
            drop(in_use);
        }
        let mut inter = c.current_inter(&rt, k, agent);
        if c.spread > 0 {
            let rv = inter.as_millis() as i64 * i64::from(c.spread) / 100;
            let r = random_unit();
            let delta = rv - (2.0 * rv as f64 * r) as i64;
            inter = Duration::from_millis((inter.as_millis() as i64 + delta).max(0) as u64);
        }
        next = tokio::time::Instant::from_std(start) + inter.max(Duration::from_millis(1));
        let now = tokio::time::Instant::now();
        while next <= now {
            next += cfg.inter.max(Duration::from_millis(1));
        }
    }
}

/// A pseudo-random number in [0, 1) (spreading only: no quality needed).
fn random_unit() -> f64 {
    use std::sync::atomic::AtomicU64;
    static SEED: AtomicU64 = AtomicU64::new(0);
    let mut x = SEED.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    SEED.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

impl Op {
    /// Up for the balancing algorithms (running or warming up).
    pub fn is_up(self) -> bool {
        matches!(self, Op::Running | Op::Starting)
    }
}
