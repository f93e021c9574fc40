//! What a check report does to its server (HAProxy's `set_server_check_status`,
//! `check_notify_*`, `srv_set_stopped|running|stopping`, `srv_update_status`,
//! `srv_append_status`, `set_backend_down`), with HAProxy's messages on stderr.
//!
//! A health counter per check goes from 0 to `rise + fall - 1`: at `rise` or more the
//! check says up. A server starts up with the counter at `rise` (one failure takes it
//! down), and the agent's counter (rise = fall = 1) likewise. A server is up when no
//! enabled check says down and the server it tracks is not down.

mod cli;

pub use cli::{CliHealth, Plain, SrvView};

use super::{CheckCfg, Checks, SrvChecks};
use crate::server_state::{admin, now_secs, Op};
use crate::state::{Backend, Runtime, Server};
use rampart_check::agent;
use rampart_check::{Outcome, Report, Res, Status};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The check state of one server (HAProxy's `check.health`, `agent.health`,
/// `next_state`...).
#[derive(Debug)]
pub struct SrvState {
    health: i32,
    agent_health: i32,
    /// The last status of each check (log-health-checks reports changes).
    status: Status,
    agent_status: Status,
    /// When the operational state last changed, to the millisecond (`slowstart`
    /// counts from there; `show stat` reads the server's `Live` clock of changes).
    pub(super) last_change: Instant,
    /// Bumped on each change to `Starting`, so a stale warm-up task stops.
    pub(super) warmup_gen: u64,
    /// The checks are enabled (the runtime API's `disable|enable health|agent`).
    health_on: bool,
    agent_on: bool,
    /// The health check is paused by maintenance (HAProxy's `CHK_ST_PAUSED`).
    pub(super) paused: bool,
    /// A run of the health check, of the agent, is under way (`CHK_ST_INPROGRESS`).
    running: bool,
    agent_running: bool,
    /// The last report of each check (`check_status`, `check_code`, `last_chk`...).
    report: Option<Report>,
    agent_report: Option<Report>,
    /// Failed checks that took health away (`chkfail`; the transitions to down and
    /// the time spent down are the server's `Live` figures).
    chkfail: u64,
}

/// What `show stat` and the statistics page show of a server's checks.
#[derive(Clone, Debug)]
pub struct CheckView {
    /// The health check is configured (and enabled), with its rise, fall and health.
    pub health: Option<(i32, i32, i32)>,
    pub agent: Option<(i32, i32, i32)>,
    pub report: Option<Report>,
    pub agent_report: Option<Report>,
    pub chkfail: u64,
    /// The server tracks another one (`track`): its `be/srv` name.
    pub tracked: Option<String>,
    /// The health check is paused by maintenance: its figures are not shown.
    pub paused: bool,
    /// A run of the health check, of the agent, is under way.
    pub running: bool,
    pub agent_running: bool,
    /// The health check the status text follows: the tracked server's when tracking
    /// (HAProxy's `ref`), else this one's.
    pub status_ref: Option<(i32, i32, i32)>,
}

impl SrvState {
    pub(super) fn new(s: &SrvChecks, backends: &[Backend]) -> SrvState {
        // A server starting in maintenance starts with its health at 0, as HAProxy's.
        let maint = backends
            .get(s.be)
            .and_then(|b| b.servers.get(s.srv))
            .is_some_and(|x| x.live.in_maint());
        SrvState {
            health: s
                .health
                .as_ref()
                .map_or(0, |c| if maint { 0 } else { c.rise }),
            agent_health: s.agent.as_ref().map_or(0, |c| c.rise),
            status: Status::Ini,
            agent_status: Status::Ini,
            last_change: Instant::now(),
            warmup_gen: 0,
            health_on: true,
            agent_on: true,
            // HAProxy pauses the check of a server starting in maintenance.
            paused: maint,
            running: false,
            agent_running: false,
            report: None,
            agent_report: None,
            chkfail: 0,
        }
    }
}

impl Checks {
    /// A run of check `k` (`agent`: its agent) starts (`on`) or ended.
    pub(super) fn set_in_progress(&self, k: usize, agent: bool, on: bool) {
        if let Ok(mut st) = self.state.lock() {
            Self::mark_running(&mut st, k, agent, on);
        }
    }

    fn mark_running(st: &mut [SrvState], k: usize, agent: bool, on: bool) {
        if let Some(x) = st.get_mut(k) {
            if agent {
                x.agent_running = on;
            } else {
                x.running = on;
            }
        }
    }
}

impl SrvState {
    /// A server the runtime API added: its checks start disabled, not paused, at 0.
    pub(super) fn dynamic_start(&mut self) {
        // HAProxy does not set a dynamic server's agent health up (as it does for
        // configured servers): the agent must say up before the server can be.
        self.agent_health = 0;
        self.health_on = false;
        self.agent_on = false;
        self.paused = false;
    }
}

impl Checks {
    /// The check figures of server `srv` of backend `be` (`None`: no check at all).
    pub fn stats_view(&self, rt: &Runtime, be: usize, srv: usize) -> Option<CheckView> {
        let k = self.index(be, srv)?;
        let s = &self.servers[k];
        if s.health.is_none() && s.agent.is_none() && s.track.is_none() {
            // `slowstart` alone.
            return None;
        }
        let st = self.state.lock().ok()?;
        let x = st.get(k)?;
        let tracked = s.track.and_then(|t| {
            let ts = self.servers.get(t)?;
            let (b, v) = server(rt, ts)?;
            Some(format!("{}/{}", b.name, v.name))
        });
        let health_of = |k: usize| {
            let s = self.servers.get(k)?;
            let x = st.get(k)?;
            s.health
                .as_ref()
                .filter(|_| x.health_on)
                .map(|c| (c.rise, c.fall, x.health))
        };
        // The end of a `track` chain.
        let mut r = k;
        for _ in 0..self.servers.len() {
            match self.servers.get(r).and_then(|s| s.track) {
                Some(t) => r = t,
                None => break,
            }
        }
        Some(CheckView {
            status_ref: health_of(r),
            health: health_of(k),
            agent: s
                .agent
                .as_ref()
                .filter(|_| x.agent_on)
                .map(|c| (c.rise, c.fall, x.agent_health)),
            report: x.report.clone(),
            agent_report: x.agent_report.clone(),
            chkfail: x.chkfail,
            tracked,
            paused: x.paused,
            running: x.running,
            agent_running: x.agent_running,
        })
    }
}

pub(super) fn server<'a>(rt: &'a Runtime, s: &SrvChecks) -> Option<(&'a Backend, &'a Server)> {
    let be = rt.backends.get(s.be)?;
    Some((be, be.servers.get(s.srv)?))
}

/// Prints a state-change message as HAProxy's `ha_warning` / `ha_alert`.
fn say(level: &str, msg: &str) {
    if super::QUIET.load(Ordering::Relaxed) {
        return;
    }
    let pad = if level == "ALERT" { "    " } else { "  " };
    // One write per message (`eprintln!` writes piecemeal): threads do not interleave.
    let line = format!("[{level}]{pad}({}) : {msg}\n", std::process::id());
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
}

/// The one hook into rampart-log: HAProxy sends each state-change message to the
/// backend's own log targets too (`send_log(s->proxy, level, ...)`), whatever `-q` says.
fn log_event(be: &Backend, level: u8, msg: &str) {
    rampart_log::event(Some(&be.name), level, msg);
}

/// HAProxy's `srv_willbe_usable`: counts for "N active and M backup servers".
fn usable(s: &Server) -> bool {
    s.live.uweight() != 0
        && s.live.admin() & (admin::MAINT | admin::DRAIN) == 0
        && s.live.op().is_up()
}

fn counts(be: &Backend) -> (usize, usize) {
    let act = be.servers.iter().filter(|s| !s.backup && usable(s)).count();
    let bck = be.servers.iter().filter(|s| s.backup && usable(s)).count();
    (act, bck)
}

impl Checks {
    /// Before a run: is the check paused (a health check of a server in maintenance), and
    /// does `disable-on-404` apply (the server is not down)?
    pub(super) fn before_run(&self, rt: &Arc<Runtime>, k: usize, agent: bool) -> (bool, bool) {
        let Some(s) = self.servers.get(k) else {
            return (true, false);
        };
        let Some((_, srv)) = server(rt, s) else {
            return (true, false);
        };
        // A health check runs when enabled and not paused by maintenance (HAProxy's
        // `CHK_ST_ENABLED`, `CHK_ST_PAUSED`); an agent, whenever enabled.
        let runs = self.state.lock().is_ok_and(|st| {
            st.get(k).is_some_and(|x| {
                if agent {
                    x.agent_on
                } else {
                    x.health_on && !x.paused
                }
            })
        });
        let paused = !runs;
        (paused, s.disable_on_404 && srv.live.op() != Op::Stopped)
    }

    /// HAProxy's `srv_getinter`: `inter` when fully up, `downinter` when down, else
    /// `fastinter` (each defaulting to `inter`).
    pub(super) fn current_inter(&self, rt: &Arc<Runtime>, k: usize, agent: bool) -> Duration {
        let (Some(s), Ok(st)) = (self.servers.get(k), self.state.lock()) else {
            return Duration::from_secs(2);
        };
        let Some(cfg) = self.cfg(k, agent) else {
            return Duration::from_secs(2);
        };
        let Some(state) = st.get(k) else {
            return cfg.inter;
        };
        let health = if agent {
            state.agent_health
        } else {
            state.health
        };
        if health == cfg.rise + cfg.fall - 1 {
            return cfg.inter;
        }
        let down = server(rt, s).is_some_and(|(_, srv)| srv.live.op() == Op::Stopped);
        if down && health == 0 {
            return cfg.downinter.unwrap_or(cfg.inter);
        }
        cfg.fastinter.unwrap_or(cfg.inter)
    }

    /// Applies the outcome of a run of check `k` (its agent check when `agent`).
    pub(super) fn apply(&self, rt: &Arc<Runtime>, k: usize, agent: bool, out: Outcome) {
        let Some(s) = self.servers.get(k) else { return };
        // The server was deleted while the run went on: nothing is reported (HAProxy
        // purges such a check).
        if crate::servers::check_deleted(rt, k) {
            self.set_in_progress(k, agent, false);
            return;
        }
        let Some(cfg) = self.cfg(k, agent) else {
            return;
        };
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        Self::mark_running(&mut st, k, agent, false);
        let mut report = out.report.clone();
        if let Some(reply) = &out.agent {
            let duration = report.duration;
            // As HAProxy's agent reader: the health word counts before the
            // administrative one is applied ("ready up" leaves maintenance up).
            if let Some(h) = &reply.health {
                let sk = &mut st[k];
                sk.agent_health = if h.eq_ignore_ascii_case("up") {
                    cfg.rise + cfg.fall - 1
                } else {
                    0
                };
            }
            let warn = self.apply_agent(rt, &mut st, k, reply);
            report = agent::report(reply, warn.as_deref());
            report.duration = duration;
        } else if agent && report.status == Status::Checked {
            // "Ignoring incomplete line from agent": the status stays what it was.
            report.status = st[k].agent_status;
        }
        if let Some(early) = &out.early {
            self.set_check_status(rt, &mut st, k, agent, cfg, early);
        }
        self.set_check_status(rt, &mut st, k, agent, cfg, &report);
        let _ = s;
        match report.status.result() {
            Res::Failed => self.notify_failure(rt, &mut st, k, agent, &report),
            Res::CondPass => self.notify_stopping(rt, &mut st, k, agent, &report),
            Res::Passed => self.notify_success(rt, &mut st, k, agent, &report),
            _ => {}
        }
    }

    /// `observe`: the server's traffic met `error-limit` consecutive errors, the last
    /// one `ev`; the health check acts as `on-error` says (HAProxy's
    /// `__health_adjust`).
    pub(crate) fn traffic_errors(
        &self,
        rt: &Arc<Runtime>,
        at: (usize, usize),
        ev: crate::observe::Event,
    ) {
        use crate::observe::OnError;
        let Some(k) = self.index(at.0, at.1) else {
            return;
        };
        let s = &self.servers[k];
        let Some(cfg) = self.cfg(k, false) else {
            return;
        };
        let Some((_, srv)) = server(rt, s) else {
            return;
        };
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let o = &srv.observe;
        let report = Report::new(
            Status::Hana,
            format!(
                "Detected {} consecutive errors, last one was: {}",
                o.limit,
                ev.desc()
            ),
        );
        match o.on_error {
            OnError::FastInter => {}
            OnError::SuddenDeath | OnError::FailCheck | OnError::MarkDown => {
                let sk = &mut st[k];
                match o.on_error {
                    OnError::SuddenDeath if sk.health > cfg.rise => sk.health = cfg.rise + 1,
                    OnError::MarkDown => sk.health = cfg.rise,
                    _ => {}
                }
                self.set_check_status(rt, &mut st, k, false, cfg, &report);
                self.notify_failure(rt, &mut st, k, false, &report);
            }
        }
        crate::state::inc(&srv.counters.failed_hana);
    }

    /// HAProxy's `set_server_check_status`: the health counter, and the
    /// `option log-health-checks` message.
    fn set_check_status(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        agent: bool,
        cfg: &CheckCfg,
        r: &Report,
    ) {
        let s = &self.servers[k];
        let sk = &mut st[k];
        let prev = if agent {
            &mut sk.agent_status
        } else {
            &mut sk.status
        };
        let prev_status = *prev;
        *prev = r.status;
        let mut report = false;
        if agent {
            sk.agent_report = Some(r.clone());
        } else {
            sk.report = Some(r.clone());
        }
        let health = if agent {
            &mut sk.agent_health
        } else {
            &mut sk.health
        };
        match r.status.result() {
            Res::Failed => {
                if (!agent || r.status.has_code()) && *health > 0 {
                    report = true;
                    sk.chkfail += 1;
                    *health -= 1;
                    if *health < cfg.rise {
                        *health = 0;
                    }
                }
            }
            Res::Passed | Res::CondPass => {
                // A passing check clears the errors `observe` counted.
                if let Some((_, srv)) = server(rt, s) {
                    srv.observe.clear();
                }
                if *health < cfg.rise + cfg.fall - 1 {
                    report = true;
                    *health += 1;
                    if *health >= cfg.rise {
                        *health = cfg.rise + cfg.fall - 1;
                    }
                }
            }
            _ => return,
        }
        if s.log_health && (r.status != prev_status || report) {
            let Some((be, srv)) = server(rt, s) else {
                return;
            };
            let h = *health;
            let mut msg = format!(
                "{} check for {}server {}/{} {}{}",
                if agent { "Agent" } else { "Health" },
                if srv.backup { "backup " } else { "" },
                be.name,
                srv.name,
                if r.status.result() == Res::CondPass {
                    "conditionally "
                } else {
                    ""
                },
                if matches!(r.status.result(), Res::Passed | Res::CondPass) {
                    "succeeded"
                } else {
                    "failed"
                }
            );
            r.append_to(&mut msg);
            let up = h >= cfg.rise;
            msg.push_str(&format!(
                ", status: {}/{} {}",
                if up { h - cfg.rise + 1 } else { h },
                if up { cfg.fall } else { cfg.rise },
                if up {
                    if srv.live.uweight() != 0 {
                        "UP"
                    } else {
                        "DRAIN"
                    }
                } else {
                    "DOWN"
                }
            ));
            let msg = format!("{msg}.");
            log_event(be, rampart_log::events::level::NOTICE, &msg);
            say("WARNING", &msg);
        }
    }

    /// Whether the server's enabled checks all say up and the server it tracks is not down.
    fn checks_allow_up(&self, rt: &Arc<Runtime>, st: &[SrvState], k: usize) -> bool {
        let s = &self.servers[k];
        if let Some(t) = s.track {
            let down =
                server(rt, &self.servers[t]).is_some_and(|(_, x)| x.live.op() == Op::Stopped);
            if down {
                return false;
            }
        }
        if let Some(c) = s.health.as_ref().filter(|_| st[k].health_on) {
            if st[k].health < c.rise {
                return false;
            }
        }
        if let Some(c) = s.agent.as_ref().filter(|_| st[k].agent_on) {
            if st[k].agent_health < c.rise {
                return false;
            }
        }
        true
    }

    fn notify_failure(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        agent: bool,
        r: &Report,
    ) {
        if agent && r.status != Status::L7Sts {
            return;
        }
        let h = if agent {
            st[k].agent_health
        } else {
            st[k].health
        };
        if h > 0 {
            return;
        }
        let reason = self.shown_reason(k, r);
        self.set_stopped(rt, st, k, reason);
    }

    fn notify_success(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        agent: bool,
        r: &Report,
    ) {
        let Some((_, srv)) = server(rt, &self.servers[k]) else {
            return;
        };
        if srv.live.in_maint() || !self.checks_allow_up(rt, st, k) {
            return;
        }
        if agent && srv.live.op() == Op::Stopping {
            return;
        }
        let reason = self.shown_reason(k, r);
        self.set_running(rt, st, k, reason);
    }

    fn notify_stopping(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        agent: bool,
        r: &Report,
    ) {
        let Some((_, srv)) = server(rt, &self.servers[k]) else {
            return;
        };
        if srv.live.in_maint() || agent || !self.checks_allow_up(rt, st, k) {
            return;
        }
        let reason = self.shown_reason(k, r);
        self.set_stopping(rt, st, k, reason);
    }

    /// The check report a state-change message quotes: none for a tracking server (its
    /// message says "via be/s") or under `option log-health-checks`, as HAProxy's
    /// `check_notify_*` decide.
    fn shown_reason<'r>(&self, k: usize, r: &'r Report) -> Option<&'r Report> {
        let s = &self.servers[k];
        (s.track.is_none() && !s.log_health).then_some(r)
    }

    /// `srv_append_status` with the operational-state summary.
    fn status_text(
        &self,
        rt: &Arc<Runtime>,
        k: usize,
        reason: Option<&Report>,
        forced: bool,
    ) -> String {
        let s = &self.servers[k];
        let mut out = String::new();
        if let Some(r) = reason {
            r.append_to(&mut out);
        } else if let (false, Some(t)) = (forced, s.track) {
            if let Some((be, srv)) = server(rt, &self.servers[t]) {
                out.push_str(&format!(" via {}/{}", be.name, srv.name));
            }
        }
        out
    }

    fn summary(be: &Backend, srv: &Server, down: bool, xferred: usize) -> String {
        let (act, bck) = counts(be);
        let on_backup = if bck > 0 && act == 0 {
            " Running on backup."
        } else {
            ""
        };
        let queued = srv.counters.qcur.load(Ordering::Relaxed);
        if down {
            format!(
                ". {act} active and {bck} backup servers left.{on_backup} {} sessions active, {xferred} requeued, {queued} remaining in queue",
                srv.served.load(Ordering::Relaxed)
            )
        } else {
            format!(". {act} active and {bck} backup servers online.{on_backup} {xferred} sessions requeued, {queued} total in queue")
        }
    }

    /// Publishes an operational state and tells the backend; prints `backend 'b' has no
    /// server available!` when its last usable server went.
    fn publish(be: &Backend, srv: &Server, op: Op, before: (usize, usize)) {
        srv.live.set_op(op);
        crate::upstream::servers_changed(be);
        let _ = before;
    }

    /// What follows a server going down (HAProxy's `srv_update_status`): its streams
    /// shut down with `on-marked-down shutdown-sessions`, the streams waiting in its
    /// queue redistributed (`option redispatch`); returns how many were.
    fn going_down(rt: &Runtime, be: &Backend, i: usize) -> usize {
        if be.servers.get(i).is_some_and(|s| s.on_marked_down) {
            crate::kill::shutdown_server(rt, be, i, crate::kill::Why::Down);
        }
        crate::queue::redistribute(be, i)
    }

    /// What follows a server coming up: with `on-marked-up shutdown-backup-sessions`
    /// on an active server of non-zero weight, the backups' streams are shut down; the
    /// server takes what waits in the backend's queue. Returns how many streams it took.
    fn coming_up(rt: &Runtime, be: &Backend, i: usize) -> usize {
        if let Some(s) = be.servers.get(i) {
            if s.on_marked_up && !s.backup && s.live.uweight() > 0 {
                crate::kill::shutdown_backups(rt, be);
            }
        }
        crate::queue::grab_from_backend(be, i)
    }

    /// The clocks of a server coming up (HAProxy's `srv_update_status`): the
    /// backend's period without servers closes when it had none (`before`), the
    /// server's down period when it was down; both changed now.
    fn coming_up_times(be: &Backend, srv: &Server, before: (usize, usize)) {
        let now = now_secs();
        if before == (0, 0) {
            be.live.close_down_period(now);
        }
        if srv.live.op() == Op::Stopped {
            srv.live.close_down_period(now);
        } else {
            srv.live.changed(now);
        }
    }

    /// A server left maintenance: a backend that had no usable server and has one
    /// now changed (HAProxy does not count that period as down time).
    fn left_maint_times(be: &Backend, before: (usize, usize)) {
        if before == (0, 0) && counts(be) != (0, 0) {
            be.live.changed(now_secs());
        }
    }

    fn backend_down_check(&self, k: usize, be: &Backend, before: (usize, usize)) {
        let after = counts(be);
        if before.0 + before.1 > 0 && after == (0, 0) {
            be.live.went_down(now_secs());
            let kind = self
                .servers
                .get(k)
                .and_then(|s| self.be_types.get(s.be))
                .copied()
                .unwrap_or("backend");
            log_event(
                be,
                rampart_log::events::level::EMERG,
                &format!("{kind} {} has no server available!", be.name),
            );
            say(
                "ALERT",
                &format!("{kind} '{}' has no server available!", be.name),
            );
        }
    }

    /// HAProxy's `srv_set_stopped`.
    fn set_stopped(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        reason: Option<&Report>,
    ) {
        let s = &self.servers[k];
        let Some((be, srv)) = server(rt, s) else {
            return;
        };
        if srv.live.in_maint() || srv.live.op() == Op::Stopped {
            return;
        }
        let before = counts(be);
        // HAProxy logs a server going down as an alert, unless it was stopping.
        let was_stopping = srv.live.op() == Op::Stopping || srv.live.admin() & admin::DRAIN != 0;
        Self::publish(be, srv, Op::Stopped, before);
        st[k].last_change = Instant::now();
        srv.live.went_down(now_secs());
        srv.live.set_ramp(rampart_balance::RAMP_ONE);
        let xferred = Self::going_down(rt, be, s.srv);
        let level = if was_stopping {
            rampart_log::events::level::NOTICE
        } else {
            rampart_log::events::level::ALERT
        };
        self.announce(rt, k, (be, srv), ("DOWN", level), reason, xferred);
        self.backend_down_check(k, be, before);
        for t in self.trackers(rt, k) {
            self.set_stopped(rt, st, t, None);
        }
    }

    /// The warning of a state change (`srv_append_status` and its summary): `Server
    /// be/s is DOWN|UP|stopping`, the check's reason, what is left in the backend.
    fn announce(
        &self,
        rt: &Arc<Runtime>,
        k: usize,
        (be, srv): (&Backend, &Server),
        (state, level): (&str, u8),
        reason: Option<&Report>,
        xferred: usize,
    ) {
        let backup = if srv.backup { "Backup " } else { "" };
        let mut msg = format!("{backup}Server {}/{} is {state}", be.name, srv.name);
        msg.push_str(&self.status_text(rt, k, reason, false));
        msg.push_str(&Self::summary(be, srv, state == "DOWN", xferred));
        let msg = format!("{msg}.");
        log_event(be, level, &msg);
        say("WARNING", &msg);
    }

    /// HAProxy's `srv_set_running` (through `STARTING` when `slowstart` is set).
    fn set_running(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        reason: Option<&Report>,
    ) {
        let s = &self.servers[k];
        let Some((be, srv)) = server(rt, s) else {
            return;
        };
        if srv.live.in_maint() || srv.live.op().is_up() {
            return;
        }
        let before = counts(be);
        let op = if s.slowstart.is_zero() {
            Op::Running
        } else {
            Op::Starting
        };
        st[k].last_change = Instant::now();
        Self::coming_up_times(be, srv, before);
        if op == Op::Starting {
            srv.live.set_ramp(0);
            st[k].warmup_gen += 1;
            self.spawn_warmup(rt, k, st[k].warmup_gen);
        }
        Self::publish(be, srv, op, before);
        let xferred = Self::coming_up(rt, be, s.srv);
        let notice = rampart_log::events::level::NOTICE;
        self.announce(rt, k, (be, srv), ("UP", notice), reason, xferred);
        self.backend_down_check(k, be, before);
        for t in self.trackers(rt, k) {
            self.set_running(rt, st, t, None);
        }
    }

    /// HAProxy's `srv_set_stopping` (NOLB: up, but no new traffic).
    fn set_stopping(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        reason: Option<&Report>,
    ) {
        let s = &self.servers[k];
        let Some((be, srv)) = server(rt, s) else {
            return;
        };
        if srv.live.in_maint() || srv.live.op() == Op::Stopping {
            return;
        }
        let before = counts(be);
        Self::publish(be, srv, Op::Stopping, before);
        st[k].last_change = Instant::now();
        // A server down until now loses that period from its down time, as HAProxy's.
        srv.live.changed(now_secs());
        let xferred = crate::queue::redistribute(be, s.srv);
        let notice = rampart_log::events::level::NOTICE;
        self.announce(rt, k, (be, srv), ("stopping", notice), reason, xferred);
        self.backend_down_check(k, be, before);
        for t in self.trackers(rt, k) {
            self.set_stopping(rt, st, t, None);
        }
    }

    /// Agent `maint`: forced maintenance (HAProxy's `srv_adm_set_maint`).
    pub(super) fn enter_maint(&self, rt: &Arc<Runtime>, st: &mut [SrvState], k: usize) {
        let s = &self.servers[k];
        let Some((be, srv)) = server(rt, s) else {
            return;
        };
        // Counted before the flag: a server in maintenance is no longer usable.
        let before = counts(be);
        let prev = srv.live.set_admin(admin::FMAINT, true);
        if prev & admin::MAINT != 0 {
            return;
        }
        st[k].health = 0;
        let was = srv.live.op();
        crate::upstream::servers_changed(be);
        if was == Op::Stopped {
            let msg = format!(
                "{}Server {}/{} was DOWN and now enters maintenance",
                if srv.backup { "Backup " } else { "" },
                be.name,
                srv.name
            );
            let msg = format!("{msg}.");
            log_event(be, rampart_log::events::level::NOTICE, &msg);
            say("WARNING", &msg);
        } else {
            let was_stopping = was == Op::Stopping || prev & admin::DRAIN != 0;
            srv.live.set_op(Op::Stopped);
            srv.live.went_down(now_secs());
            crate::upstream::servers_changed(be);
            let xferred = Self::going_down(rt, be, s.srv);
            let mut msg = format!(
                "{}Server {}/{} is going DOWN for maintenance",
                if srv.backup { "Backup " } else { "" },
                be.name,
                srv.name
            );
            msg.push_str(&Self::summary(be, srv, true, xferred));
            let msg = format!("{msg}.");
            let level = if was_stopping {
                rampart_log::events::level::NOTICE
            } else {
                rampart_log::events::level::ALERT
            };
            log_event(be, level, &msg);
            say("WARNING", &msg);
            self.backend_down_check(k, be, before);
        }
        for t in self.trackers(rt, k) {
            if let Some((tbe, tsrv)) = server(rt, &self.servers[t]) {
                tsrv.live.set_admin(admin::IMAINT, true);
                let was_up = tsrv.live.op() != Op::Stopped;
                if was_up {
                    tsrv.live.set_op(Op::Stopped);
                    tsrv.live.went_down(now_secs());
                }
                crate::upstream::servers_changed(tbe);
                if was_up {
                    Self::going_down(rt, tbe, self.servers[t].srv);
                }
            }
        }
    }

    /// Agent `ready`: leaves forced drain and maintenance.
    pub(super) fn leave_forced(&self, rt: &Arc<Runtime>, st: &mut [SrvState], k: usize) {
        let s = &self.servers[k];
        let Some((be, srv)) = server(rt, s) else {
            return;
        };
        let prev = srv.live.set_admin(admin::FDRAIN | admin::FMAINT, false);
        if prev & admin::FMAINT == 0 {
            if prev & admin::FDRAIN != 0 {
                crate::upstream::servers_changed(be);
            }
            return;
        }
        if srv.live.in_maint() {
            return;
        }
        let before = counts(be);
        if let Some(c) = &s.health {
            st[k].health = c.rise;
        }
        if self.checks_allow_up(rt, st, k) {
            let op = if s.slowstart.is_zero() {
                Op::Running
            } else {
                Op::Starting
            };
            st[k].last_change = Instant::now();
            srv.live.changed(now_secs());
            if op == Op::Starting {
                srv.live.set_ramp(0);
                st[k].warmup_gen += 1;
                self.spawn_warmup(rt, k, st[k].warmup_gen);
            }
            srv.live.set_op(op);
        }
        crate::upstream::servers_changed(be);
        Self::left_maint_times(be, before);
        if srv.live.op().is_up() {
            Self::coming_up(rt, be, s.srv);
        }
        let msg = format!(
            "{}Server {}/{} is {}/{} (leaving forced maintenance)",
            if srv.backup { "Backup " } else { "" },
            be.name,
            srv.name,
            if srv.live.op() == Op::Stopped {
                "DOWN"
            } else {
                "UP"
            },
            if srv.live.admin() & admin::DRAIN != 0 {
                "DRAIN"
            } else {
                "READY"
            }
        );
        let msg = format!("{msg}.");
        log_event(be, rampart_log::events::level::NOTICE, &msg);
        say("WARNING", &msg);
        self.backend_down_check(k, be, before);
        for t in self.trackers(rt, k) {
            if let Some((tbe, tsrv)) = server(rt, &self.servers[t]) {
                tsrv.live.set_admin(admin::IMAINT, false);
                if !tsrv.live.in_maint() && srv.live.op().is_up() {
                    tsrv.live.changed(now_secs());
                    tsrv.live.set_op(Op::Running);
                }
                crate::upstream::servers_changed(tbe);
            }
        }
    }
}
