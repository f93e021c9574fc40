//! What the runtime API does to a server's state (management guide 9.3 `disable|enable
//! server`, `set server ... state|health|agent`, `enable|disable health|agent`;
//! HAProxy's `srv_set_admin_flag`, `srv_clr_admin_flag` and the administrative half of
//! `srv_update_status`), with HAProxy's messages.
//!
//! Works on every server, checked or not: a server with checks goes through the same
//! state (health counters under the checks' mutex) as its check reports; the others
//! keep their few figures (`show servers state`'s health, the last change) beside it.
//! Every change lands in the server's `Live` atomics, then
//! [`crate::upstream::servers_changed`] lets the balancing follow at once.

use super::{counts, log_event, say, server, SrvState};
use crate::checks::Checks;
use crate::server_state::{admin, now_secs, Op};
use crate::state::{Backend, Runtime, Server};
use rampart_log::events::level::{ALERT, NOTICE};
use std::sync::Arc;
use std::time::Instant;

/// `set server <b>/<s> health|agent` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CliHealth {
    Up,
    Stopping,
    Down,
}

/// A server as `show servers state` reports its checks.
#[derive(Clone, Copy, Debug)]
pub struct SrvView {
    /// HAProxy's `HCHK_STATUS_*` and `CHK_RES_*` numbers of the health check.
    pub check_status: u8,
    pub check_result: u8,
    pub check_health: i32,
    /// `CHK_ST_*` bits of the health check (`& 0x0F`) and of the agent (`& 0x1F`).
    pub check_state: u8,
    pub agent_state: u8,
    /// The check and agent ports: the configuration's or what the runtime API set
    /// (`None`: a server without checks, see the configuration).
    pub check_port: Option<u16>,
    pub agent_port: Option<u16>,
    /// The check's and the agent's own addresses (`addr`, `agent-addr`, or what the
    /// runtime API set).
    pub check_addr: Option<std::net::IpAddr>,
    pub agent_addr: Option<std::net::IpAddr>,
    /// The initial weight (`weight` of the configuration).
    pub iweight: Option<u32>,
}

/// Figures of servers without checks (HAProxy keeps a check structure for every
/// server): the health counter `show servers state` prints.
#[derive(Debug, Clone, Copy)]
pub struct Plain {
    health: i32,
}

const CHK_ST_CONFIGURED: u8 = 0x02;
const CHK_ST_ENABLED: u8 = 0x04;
const CHK_ST_PAUSED: u8 = 0x08;
const CHK_ST_AGENT: u8 = 0x10;

/// The inherited flag (`IMAINT`, `IDRAIN`) that changing `mode` passes on to the
/// trackers, unless `other` (the server's flags before a set, after a clear) keeps it
/// in that state anyway (HAProxy's `srv_set_admin_flag` / `srv_clr_admin_flag`).
fn inherited_flag(mode: u8, other: u8) -> Option<u8> {
    if (mode & admin::MAINT != 0 && other & admin::MAINT != 0)
        || (mode & admin::DRAIN != 0 && other & admin::DRAIN != 0)
    {
        return None;
    }
    Some(if mode & admin::MAINT != 0 {
        admin::IMAINT
    } else {
        admin::IDRAIN
    })
}

/// HAProxy's `HCHK_STATUS_*` number of a status.
fn status_num(s: rampart_check::Status) -> u8 {
    use rampart_check::Status::*;
    match s {
        Unknown => 0,
        Ini => 1,
        Checked => 3,
        Hana => 4,
        SockErr => 5,
        L4Ok => 6,
        L4Tout => 7,
        L4Con => 8,
        L6Ok => 9,
        L6Tout => 10,
        L6Rsp => 11,
        L7Tout => 12,
        L7Rsp => 13,
        L7Ok => 15,
        L7OkC => 16,
        L7Sts => 17,
    }
}

fn result_num(s: rampart_check::Status) -> u8 {
    use rampart_check::Res;
    match s.result() {
        Res::Unknown => 0,
        Res::Neutral => 1,
        Res::Failed => 2,
        Res::Passed => 3,
        Res::CondPass => 4,
    }
}

fn backup(srv: &Server) -> &'static str {
    if srv.backup {
        "Backup "
    } else {
        ""
    }
}

impl Checks {
    /// The check entry of server `i` of backend `b`, if it has checks.
    pub(crate) fn index(&self, b: usize, i: usize) -> Option<usize> {
        // Built backend by backend, server by server: sorted; then the added servers'.
        let initial = self.servers.initial();
        if let Ok(k) = initial.binary_search_by_key(&(b, i), |s| (s.be, s.srv)) {
            return Some(k);
        }
        (initial.len()..self.servers.len())
            .find(|&k| self.servers.get(k).is_some_and(|s| (s.be, s.srv) == (b, i)))
    }

    /// The configured `rise` and `fall` of a server without checks.
    fn plain_rf(&self, b: usize, i: usize) -> (i32, i32) {
        self.plain_rise_fall.get(&(b, i)).copied().unwrap_or((2, 3))
    }

    fn plain<'a>(
        &self,
        plain: &'a mut std::collections::HashMap<(usize, usize), Plain>,
        b: usize,
        i: usize,
        maint: bool,
    ) -> &'a mut Plain {
        // HAProxy starts a server with its health at `rise`, at 0 in maintenance.
        let (rise, _) = self.plain_rf(b, i);
        plain.entry((b, i)).or_insert(Plain {
            health: if maint { 0 } else { rise },
        })
    }

    /// The warm-up clock of a checked server restarts (`slowstart` counts from the
    /// change); the server's `Live` clock of changes is set by the callers.
    fn touch(st: &mut [SrvState], k: Option<usize>) {
        if let Some(k) = k {
            st[k].last_change = Instant::now();
        }
    }

    /// `show servers state`'s view of server `i` of backend `b`.
    pub fn view(&self, rt: &Runtime, b: usize, i: usize) -> SrvView {
        let adm = rt
            .backends
            .get(b)
            .and_then(|be| be.servers.get(i))
            .map_or(0, |s| s.live.admin());
        let maint = adm & admin::MAINT != 0;
        // HAProxy pauses the check of a server `disabled` in the configuration even
        // without a health check; entering maintenance later pauses only an enabled
        // check.
        let cfg_paused = adm & admin::CMAINT != 0;
        let mut v = SrvView {
            check_status: 1,
            check_result: 0,
            check_health: 2,
            check_state: if cfg_paused { CHK_ST_PAUSED } else { 0 },
            agent_state: 0,
            check_port: None,
            agent_port: None,
            check_addr: None,
            agent_addr: None,
            iweight: None,
        };
        if let Ok(mut p) = self.plain.lock() {
            let p = self.plain(&mut p, b, i, maint);
            v.check_health = p.health;
        }
        let Some(k) = self.index(b, i) else {
            return v;
        };
        let s = &self.servers[k];
        v.iweight = Some(s.iweight);
        let Ok(st) = self.state.lock() else { return v };
        let sk = &st[k];
        if let Some(c) = &s.health {
            v.check_status = status_num(sk.status);
            v.check_result = result_num(sk.status);
            v.check_health = sk.health;
            v.check_state = CHK_ST_CONFIGURED;
            if sk.health_on {
                v.check_state |= CHK_ST_ENABLED;
            }
            if sk.paused {
                v.check_state |= CHK_ST_PAUSED;
            }
            let _ = c;
        }
        if let Some(a) = &s.agent {
            v.agent_state = CHK_ST_CONFIGURED | CHK_ST_AGENT;
            if sk.agent_on {
                v.agent_state |= CHK_ST_ENABLED;
            }
            let _ = a;
        }
        v.check_addr = s.health.as_ref().and_then(|c| c.target.addr);
        v.agent_addr = s.agent.as_ref().and_then(|c| c.target.addr);
        if let Ok(o) = self.overrides.lock() {
            let (h, a) = (o.get(&(k, false)), o.get(&(k, true)));
            v.check_port = h.and_then(|x| x.port).or(Some(s.cfg_ports.0));
            v.agent_port = a.and_then(|x| x.port).or(Some(s.cfg_ports.1));
            v.check_addr = h.and_then(|x| x.addr).or(v.check_addr);
            v.agent_addr = a.and_then(|x| x.addr).or(v.agent_addr);
        }
        v
    }

    /// The server follows another one (`track`).
    pub fn is_tracking(&self, b: usize, i: usize) -> bool {
        self.index(b, i)
            .is_some_and(|k| self.servers[k].track.is_some())
    }

    /// Another server follows this one (`track`), or did: as HAProxy's
    /// `SRV_F_NON_PURGEABLE`, a server once tracked stays so.
    pub fn is_tracked(&self, b: usize, i: usize) -> bool {
        self.index(b, i)
            .is_some_and(|k| !self.all_trackers(k).is_empty())
    }

    /// A server the runtime API added (in maintenance, without checks): its health
    /// counter starts at 0 (its clock of changes starts with its `Live` state).
    pub fn server_added(&self, b: usize, i: usize) {
        if let Ok(mut p) = self.plain.lock() {
            p.insert((b, i), Plain { health: 0 });
        }
    }

    /// The server has an agent check, enabled.
    pub fn agent_enabled(&self, b: usize, i: usize) -> bool {
        self.index(b, i).is_some_and(|k| {
            self.servers[k].agent.is_some() && self.state.lock().is_ok_and(|st| st[k].agent_on)
        })
    }

    /// The server has a health check (enabled or not).
    pub fn has_health_check(&self, b: usize, i: usize) -> bool {
        self.index(b, i)
            .is_some_and(|k| self.servers[k].health.is_some())
    }

    /// The server has a health check, enabled (HAProxy's `CHK_ST_ENABLED`).
    pub fn health_enabled(&self, b: usize, i: usize) -> bool {
        self.index(b, i).is_some_and(|k| {
            self.servers[k].health.is_some() && self.state.lock().is_ok_and(|st| st[k].health_on)
        })
    }

    /// `enable|disable health|agent <b>/<s>`: `Err` is HAProxy's refusal.
    pub fn set_check_enabled(
        &self,
        b: usize,
        i: usize,
        agent: bool,
        on: bool,
    ) -> Result<(), &'static str> {
        let k = self.index(b, i);
        let configured = k.is_some_and(|k| self.cfg(k, agent).is_some());
        if !configured {
            if !on {
                return Ok(());
            }
            return Err(if agent {
                "Agent was not configured on this server, cannot enable.\n"
            } else {
                "Health check was not configured on this server, cannot enable.\n"
            });
        }
        if let (Some(k), Ok(mut st)) = (k, self.state.lock()) {
            if agent {
                st[k].agent_on = on;
            } else {
                st[k].health_on = on;
            }
        }
        Ok(())
    }

    /// `set server <b>/<s> state maint` and `disable server`: HAProxy's
    /// `srv_adm_set_maint`.
    pub fn adm_set_maint(&self, rt: &Arc<Runtime>, b: usize, i: usize) {
        self.set_admin_flag(rt, b, i, admin::FMAINT);
        self.clr_admin_flag(rt, b, i, admin::FDRAIN);
    }

    /// `set server <b>/<s> state drain`: `srv_adm_set_drain`.
    pub fn adm_set_drain(&self, rt: &Arc<Runtime>, b: usize, i: usize) {
        self.set_admin_flag(rt, b, i, admin::FDRAIN);
        self.clr_admin_flag(rt, b, i, admin::FMAINT);
    }

    /// `set server <b>/<s> state ready` and `enable server`: `srv_adm_set_ready`.
    pub fn adm_set_ready(&self, rt: &Arc<Runtime>, b: usize, i: usize) {
        self.clr_admin_flag(rt, b, i, admin::FDRAIN);
        self.clr_admin_flag(rt, b, i, admin::FMAINT);
    }

    /// HAProxy's `srv_set_admin_flag`.
    pub fn set_admin_flag(&self, rt: &Arc<Runtime>, b: usize, i: usize, mode: u8) {
        let Some(srv) = rt.backends.get(b).and_then(|be| be.servers.get(i)) else {
            return;
        };
        let prev = srv.live.admin();
        if prev & mode != 0 {
            return;
        }
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        self.update(rt, &mut st, b, i, prev, prev | mode);
        drop(st);
        // The equivalent inherited flag goes to the trackers, unless the server was
        // already in that state by another flag.
        let Some(inherited) = inherited_flag(mode, prev) else {
            return;
        };
        for t in self.trackers_of(rt, b, i) {
            self.set_admin_flag(rt, t.0, t.1, inherited);
        }
    }

    /// HAProxy's `srv_clr_admin_flag`.
    pub fn clr_admin_flag(&self, rt: &Arc<Runtime>, b: usize, i: usize, mode: u8) {
        let Some(srv) = rt.backends.get(b).and_then(|be| be.servers.get(i)) else {
            return;
        };
        let prev = srv.live.admin();
        if prev & mode == 0 {
            return;
        }
        let next = prev & !mode;
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        self.update(rt, &mut st, b, i, prev, next);
        drop(st);
        // Likewise, unless the server stays in that state by another flag.
        let Some(inherited) = inherited_flag(mode, next) else {
            return;
        };
        for t in self.trackers_of(rt, b, i) {
            self.clr_admin_flag(rt, t.0, t.1, inherited);
        }
    }

    fn trackers_of(&self, rt: &Runtime, b: usize, i: usize) -> Vec<(usize, usize)> {
        let Some(k) = self.index(b, i) else {
            return Vec::new();
        };
        self.trackers(rt, k)
            .into_iter()
            .map(|t| (self.servers[t].be, self.servers[t].srv))
            .collect()
    }

    /// The administrative half of `srv_update_status`: the flags go from `prev` to
    /// `next`; the operational state, the balancing and the messages follow.
    fn update(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        b: usize,
        i: usize,
        prev: u8,
        next: u8,
    ) {
        let Some(be) = rt.backends.get(b) else { return };
        let Some(srv) = be.servers.get(i) else { return };
        let k = self.index(b, i);
        let before = counts(be);
        let was_stopping = srv.live.op() == Op::Stopping || prev & admin::DRAIN != 0;
        if next & !prev != 0 {
            srv.live.set_admin(next & !prev, true);
        }
        if prev & !next != 0 {
            srv.live.set_admin(prev & !next, false);
        }
        let name = format!("{}Server {}/{}", backup(srv), be.name, srv.name);
        let via = || {
            k.and_then(|k| self.servers[k].track)
                .and_then(|t| server(rt, &self.servers[t]))
                .map(|(tb, ts)| format!(" via {}/{}", tb.name, ts.name))
                .unwrap_or_default()
        };
        if prev & admin::MAINT == 0 && next & admin::MAINT != 0 {
            // Entering maintenance: health checks pause.
            match k.filter(|&k| self.servers[k].health.is_some()) {
                Some(k) => {
                    if st[k].health_on {
                        st[k].health = 0;
                        st[k].paused = true;
                    }
                }
                None => {
                    if let Ok(mut p) = self.plain.lock() {
                        self.plain(&mut p, b, i, false).health = 0;
                    }
                }
            }
            let forced = next & admin::FMAINT != 0;
            let via = if forced { String::new() } else { via() };
            if srv.live.op() == Op::Stopped {
                crate::upstream::servers_changed(be);
                let msg = format!("{name} was DOWN and now enters maintenance{via}.");
                log_event(be, NOTICE, &msg);
                say("WARNING", &msg);
            } else {
                if let Some(k) = k.filter(|&k| self.servers[k].health.is_some()) {
                    st[k].health = 0;
                } else if let Ok(mut p) = self.plain.lock() {
                    self.plain(&mut p, b, i, false).health = 0;
                }
                Self::touch(st, k);
                srv.live.set_op(Op::Stopped);
                srv.live.went_down(now_secs());
                srv.live.set_ramp(rampart_balance::RAMP_ONE);
                crate::upstream::servers_changed(be);
                let xferred = Self::going_down(rt, be, i);
                let msg = format!(
                    "{name} is going DOWN for maintenance{via}{}.",
                    Self::summary(be, srv, true, xferred)
                );
                log_event(be, if was_stopping { NOTICE } else { ALERT }, &msg);
                say("WARNING", &msg);
                self.down_check(be, b, before);
            }
        } else if prev & admin::MAINT != 0 && next & admin::MAINT == 0 {
            // Leaving maintenance: up at once unless a check or the tracked server
            // says otherwise.
            if let Some(k) = k {
                let s = &self.servers[k];
                if let (true, Some(c)) = (st[k].health_on, &s.health) {
                    st[k].health = c.rise;
                    st[k].paused = false;
                }
            }
            let track_op = k
                .and_then(|k| self.servers[k].track)
                .and_then(|t| server(rt, &self.servers[t]))
                .map(|(_, ts)| ts.live.op());
            let allowed = match k {
                Some(k) => self.checks_allow_up(rt, st, k),
                None => true,
            };
            if allowed {
                if track_op == Some(Op::Stopping) {
                    srv.live.set_op(Op::Stopping);
                } else {
                    Self::touch(st, k);
                    srv.live.changed(now_secs());
                    let slow = k.map(|k| self.servers[k].slowstart).unwrap_or_default();
                    if let (false, Some(k)) = (slow.is_zero(), k) {
                        srv.live.set_ramp(0);
                        st[k].warmup_gen += 1;
                        self.spawn_warmup(rt, k, st[k].warmup_gen);
                        srv.live.set_op(Op::Starting);
                    } else {
                        srv.live.set_op(Op::Running);
                    }
                }
            }
            let op = srv.live.op();
            let state = format!(
                "{}/{}",
                if op == Op::Stopped { "DOWN" } else { "UP" },
                if next & admin::DRAIN != 0 {
                    "DRAIN"
                } else {
                    "READY"
                }
            );
            let mut msg = String::new();
            if prev & admin::FMAINT != 0 && next & admin::FMAINT == 0 {
                msg = format!("{name} is {state} (leaving forced maintenance)");
            }
            if prev & admin::IMAINT != 0 && next & admin::IMAINT == 0 {
                msg = format!("{name} is {state} (leaving maintenance)");
            }
            msg.push('.');
            log_event(be, NOTICE, &msg);
            say("WARNING", &msg);
            crate::upstream::servers_changed(be);
            self.down_check(be, b, before);
            Self::left_maint_times(be, before);
            if op.is_up() {
                Self::coming_up(rt, be, i);
            }
        } else if next & admin::MAINT != 0 {
            // Remaining in maintenance.
            if prev & admin::FMAINT != 0 && next & admin::FMAINT == 0 {
                let msg = format!(
                    "{name} is leaving forced maintenance but remains in maintenance{}.",
                    via()
                );
                log_event(be, NOTICE, &msg);
                say("WARNING", &msg);
            } else if prev & admin::IMAINT != 0 && next & admin::IMAINT == 0 {
                let msg = format!("{name} remains in forced maintenance.");
                log_event(be, NOTICE, &msg);
                say("WARNING", &msg);
            }
            crate::upstream::servers_changed(be);
        }
        if next & admin::MAINT != 0 {
            return;
        }
        let down = srv.live.op() == Op::Stopped;
        if prev & admin::DRAIN == 0 && next & admin::DRAIN != 0 {
            Self::touch(st, k);
            srv.live.changed(now_secs());
            crate::upstream::servers_changed(be);
            let xferred = crate::queue::redistribute(be, i);
            let forced = next & admin::FDRAIN != 0;
            let via = if forced { String::new() } else { via() };
            let msg = format!(
                "{name} enters drain state{via}{}.",
                Self::summary(be, srv, down, xferred)
            );
            log_event(be, NOTICE, &msg);
            say("WARNING", &msg);
            self.down_check(be, b, before);
        } else if prev & admin::DRAIN != 0 && next & admin::DRAIN == 0 {
            Self::touch(st, k);
            // As HAProxy: the backend's period without servers closes, and the time
            // since the server's last change counts as down time, drained or not.
            let now = now_secs();
            if before == (0, 0) {
                be.live.close_down_period(now);
            }
            srv.live.close_down_period(now);
            let msg = format!(
                "{name} is {} (leaving forced drain).",
                if down { "DOWN" } else { "UP" }
            );
            log_event(be, NOTICE, &msg);
            say("WARNING", &msg);
            crate::upstream::servers_changed(be);
        } else if next & admin::DRAIN != 0 && prev != next {
            let msg = if next & admin::FDRAIN == 0 {
                format!(
                    "{name} is leaving forced drain but remains in drain mode{}.",
                    via()
                )
            } else {
                format!("{name} remains in forced drain mode.")
            };
            log_event(be, NOTICE, &msg);
            say("WARNING", &msg);
        }
    }

    fn down_check(&self, be: &Backend, b: usize, before: (usize, usize)) {
        if let Some(k) = self.servers.iter().position(|s| s.be == b) {
            self.backend_down_check(k, be, before);
        } else {
            let after = counts(be);
            if before.0 + before.1 > 0 && after == (0, 0) {
                be.live.went_down(now_secs());
                let kind = self.be_types.get(b).copied().unwrap_or("backend");
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
    }

    /// `set server <b>/<s> health up|stopping|down` (`agent`: `set server <b>/<s>
    /// agent up|down`): the check's counter is set, then the server is marked as
    /// HAProxy's `srv_set_running|stopping|stopped` do, "changed from CLI". `Err` is
    /// HAProxy's refusal.
    pub fn cli_health(
        &self,
        rt: &Arc<Runtime>,
        b: usize,
        i: usize,
        agent: bool,
        to: CliHealth,
    ) -> Result<(), &'static str> {
        let k = self.index(b, i);
        if agent {
            let on = k.is_some_and(|k| {
                self.servers[k].agent.is_some() && self.state.lock().is_ok_and(|st| st[k].agent_on)
            });
            if !on {
                return Err("agent checks are not enabled on this server.\n");
            }
        } else if k.is_some_and(|k| self.servers[k].track.is_some()) {
            return Err("cannot change health on a tracking server.\n");
        }
        let Ok(mut st) = self.state.lock() else {
            return Ok(());
        };
        if let Some(k) = k.filter(|&k| self.cfg(k, agent).is_some()) {
            let cfg = self.cfg(k, agent);
            let (rise, fall) = cfg.map_or((2, 3), |c| (c.rise, c.fall));
            let h = if to == CliHealth::Down {
                0
            } else {
                rise + fall - 1
            };
            if agent {
                st[k].agent_health = h;
            } else {
                st[k].health = h;
            }
        } else if let Ok(mut p) = self.plain.lock() {
            let (rise, fall) = self.plain_rf(b, i);
            self.plain(&mut p, b, i, false).health = if to == CliHealth::Down {
                0
            } else {
                rise + fall - 1
            };
        }
        self.cli_mark(rt, &mut st, b, i, to);
        Ok(())
    }

    /// `srv_set_running|stopping|stopped(sv, "changed from CLI")`.
    fn cli_mark(&self, rt: &Arc<Runtime>, st: &mut [SrvState], b: usize, i: usize, to: CliHealth) {
        let Some(be) = rt.backends.get(b) else { return };
        let Some(srv) = be.servers.get(i) else { return };
        if srv.live.in_maint() {
            return;
        }
        let k = self.index(b, i);
        let op = srv.live.op();
        let before = counts(be);
        let name = format!("{}Server {}/{}", backup(srv), be.name, srv.name);
        let was_stopping = op == Op::Stopping || srv.live.admin() & admin::DRAIN != 0;
        match to {
            CliHealth::Down if op != Op::Stopped => {
                Self::touch(st, k);
                srv.live.set_op(Op::Stopped);
                srv.live.went_down(now_secs());
                srv.live.set_ramp(rampart_balance::RAMP_ONE);
                crate::upstream::servers_changed(be);
                let xferred = Self::going_down(rt, be, i);
                let msg = format!(
                    "{name} is DOWN, changed from CLI{}.",
                    Self::summary(be, srv, true, xferred)
                );
                log_event(be, if was_stopping { NOTICE } else { ALERT }, &msg);
                say("WARNING", &msg);
                self.down_check(be, b, before);
                if let Some(k) = k {
                    for t in self.trackers(rt, k) {
                        self.set_stopped(rt, st, t, None);
                    }
                }
            }
            CliHealth::Stopping if op != Op::Stopping => {
                Self::touch(st, k);
                srv.live.changed(now_secs());
                srv.live.set_op(Op::Stopping);
                crate::upstream::servers_changed(be);
                let xferred = crate::queue::redistribute(be, i);
                let msg = format!(
                    "{name} is stopping, changed from CLI{}.",
                    Self::summary(be, srv, false, xferred)
                );
                log_event(be, NOTICE, &msg);
                say("WARNING", &msg);
                self.down_check(be, b, before);
                if let Some(k) = k {
                    for t in self.trackers(rt, k) {
                        self.set_stopping(rt, st, t, None);
                    }
                }
            }
            CliHealth::Up if !op.is_up() => {
                Self::touch(st, k);
                Self::coming_up_times(be, srv, before);
                let slow = k.map(|k| self.servers[k].slowstart).unwrap_or_default();
                if let (false, Some(k)) = (slow.is_zero(), k) {
                    srv.live.set_ramp(0);
                    st[k].warmup_gen += 1;
                    self.spawn_warmup(rt, k, st[k].warmup_gen);
                    srv.live.set_op(Op::Starting);
                } else {
                    srv.live.set_op(Op::Running);
                }
                crate::upstream::servers_changed(be);
                let xferred = Self::coming_up(rt, be, i);
                let msg = format!(
                    "{name} is UP, changed from CLI{}.",
                    Self::summary(be, srv, false, xferred)
                );
                log_event(be, NOTICE, &msg);
                say("WARNING", &msg);
                self.down_check(be, b, before);
                if let Some(k) = k {
                    for t in self.trackers(rt, k) {
                        self.set_running(rt, st, t, None);
                    }
                }
            }
            _ => {}
        }
    }

    /// `set server <b>/<s> check-addr|check-port|agent-addr|agent-port|agent-send`:
    /// the next runs use what `to` sets.
    pub fn set_check_target(
        &self,
        b: usize,
        i: usize,
        agent: bool,
        to: crate::checks::CheckOverride,
    ) -> bool {
        let Some(k) = self.index(b, i) else {
            return false;
        };
        if self.cfg(k, agent).is_none() {
            return false;
        }
        let Ok(mut o) = self.overrides.lock() else {
            return false;
        };
        let e = o.entry((k, agent)).or_default();
        e.addr = to.addr.or(e.addr);
        e.port = to.port.or(e.port);
        if to.send.is_some() {
            e.send = to.send;
        }
        true
    }
}
