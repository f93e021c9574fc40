//! HAProxy's server state machine as it runs while a server-state file is applied at
//! start-up (`srv_state_srv_update`, `srv_set_stopped|running|stopping`,
//! `srv_set_admin_flag`, `srv_clr_admin_flag`, `srv_update_status`): committed and
//! asked states, what the load-balancing callbacks commit, and the messages HAProxy
//! prints meanwhile (those it keeps quiet while starting are not printed). Only what a
//! start-up can reach is modelled: no tracked servers, no agent, nothing queued.

use super::{admf, st, warn};
use crate::proxy::Proxy;
use crate::LowerCx;

/// One server as HAProxy's state machine sees it (`cur_*`: committed, `next_*`: asked).
pub(super) struct SimSrv {
    pub(super) name: String,
    backup: bool,
    pub(super) cur_state: u8,
    next_state: u8,
    pub(super) cur_admin: u8,
    next_admin: u8,
    cur_ew: u32,
    next_ew: u32,
    pub(super) uweight: u32,
    iweight: u32,
    check: bool,
    health: i32,
    rise: i32,
    fall: i32,
    slowstart: i64,
    /// Seconds since the last state change (HAProxy's `now - last_change`).
    pub(super) since_change: i64,
    /// The reason of the pending operational change.
    reason: &'static str,
}

/// The servers of one backend, to apply lines and count servers in messages.
pub(super) struct Sim {
    pub(super) px: String,
    pub(super) srv: Vec<SimSrv>,
}

impl Sim {
    pub(super) fn new(p: &Proxy) -> Sim {
        let srv = p
            .servers
            .iter()
            .map(|s| {
                let st = &s.settings;
                let (state, admin) = if st.disabled {
                    (st::STOPPED, admf::CMAINT | admf::FMAINT)
                } else {
                    (st::RUNNING, 0)
                };
                SimSrv {
                    name: s.name.clone(),
                    backup: st.backup,
                    cur_state: state,
                    next_state: state,
                    cur_admin: admin,
                    next_admin: admin,
                    cur_ew: st.weight,
                    next_ew: st.weight,
                    uweight: st.weight,
                    iweight: st.weight,
                    check: st.check.enabled,
                    health: if st.disabled { 0 } else { st.check.rise as i32 },
                    rise: st.check.rise as i32,
                    fall: st.check.fall as i32,
                    slowstart: i64::from(st.slowstart),
                    since_change: 0,
                    reason: "",
                }
            })
            .collect();
        Sim {
            px: p.name.clone(),
            srv,
        }
    }

    /// HAProxy's `srv_state_srv_update` once the line is valid.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply(
        &mut self,
        i: usize,
        op: u8,
        admin: u8,
        uweight: u32,
        iweight: u32,
        last: i64,
        health: i32,
        cx: &mut LowerCx<'_>,
    ) {
        const REASON: &str = "changed from server-state after a reload";
        self.srv[i].health = health;
        let (rise, fall) = (self.srv[i].rise, self.srv[i].fall);
        match op {
            st::STOPPED => {
                self.srv[i].health = 0;
                self.set_stopped(i, REASON, cx);
            }
            st::STARTING => {
                if rise == 1 {
                    self.srv[i].health = rise + fall - 1;
                    self.set_running(i, cx);
                } else {
                    let s = &mut self.srv[i];
                    if s.health < 1 || s.health >= rise {
                        s.health = rise - 1;
                    }
                    s.next_state = st::STARTING;
                }
            }
            st::STOPPING => {
                if fall == 1 {
                    self.srv[i].health = 0;
                    self.set_stopped(i, REASON, cx);
                } else {
                    let s = &mut self.srv[i];
                    if s.health < rise || s.health > rise + fall - 2 {
                        s.health = rise;
                    }
                    self.set_stopping(i, REASON, cx);
                }
            }
            _ => {
                self.srv[i].health = rise + fall - 1;
                self.set_running(i, cx);
            }
        }
        let cfg = self.srv[i].next_admin;
        if admin & admf::CMAINT != cfg & admf::CMAINT {
            if cfg & admf::CMAINT != 0 {
                self.set_maint(i, cx);
            } else {
                self.set_ready(i, cx);
            }
        } else if admin & admf::FMAINT != 0 && cfg & admf::CMAINT == 0 {
            self.set_maint(i, cx);
        } else if admin & admf::FMAINT == 0 && cfg & admf::CMAINT != 0 {
            self.set_ready(i, cx);
        }
        if self.srv[i].next_admin & admf::FMAINT == 0
            && admin & admf::FDRAIN != 0
            && (iweight > 0 || self.srv[i].iweight == 0)
        {
            self.set_admin(i, admf::FDRAIN, cx);
            self.clr_admin(i, admf::FMAINT, cx);
        }
        self.srv[i].since_change = last;
        if iweight == self.srv[i].iweight {
            self.srv[i].uweight = uweight;
        }
        self.recalc_eweight(i);
        self.update_status(i, cx);
    }

    fn set_maint(&mut self, i: usize, cx: &mut LowerCx<'_>) {
        self.set_admin(i, admf::FMAINT, cx);
        self.clr_admin(i, admf::FDRAIN, cx);
    }

    fn set_ready(&mut self, i: usize, cx: &mut LowerCx<'_>) {
        self.clr_admin(i, admf::FDRAIN, cx);
        self.clr_admin(i, admf::FMAINT, cx);
    }

    fn set_admin(&mut self, i: usize, mode: u8, cx: &mut LowerCx<'_>) {
        if self.srv[i].next_admin & mode != 0 {
            return;
        }
        self.srv[i].next_admin |= mode;
        self.update_status(i, cx);
    }

    fn clr_admin(&mut self, i: usize, mode: u8, cx: &mut LowerCx<'_>) {
        if self.srv[i].next_admin & mode == 0 {
            return;
        }
        self.srv[i].next_admin &= !mode;
        self.update_status(i, cx);
    }

    fn set_stopped(&mut self, i: usize, reason: &'static str, cx: &mut LowerCx<'_>) {
        let s = &mut self.srv[i];
        if s.cur_admin & admf::MAINT != 0 || s.next_state == st::STOPPED {
            return;
        }
        s.next_state = st::STOPPED;
        s.reason = reason;
        self.update_status(i, cx);
    }

    fn set_running(&mut self, i: usize, cx: &mut LowerCx<'_>) {
        let s = &mut self.srv[i];
        if s.cur_admin & admf::MAINT != 0
            || s.next_state == st::STARTING
            || s.next_state == st::RUNNING
        {
            return;
        }
        s.next_state = if s.slowstart <= 0 {
            st::RUNNING
        } else {
            st::STARTING
        };
        s.reason = "";
        self.update_status(i, cx);
    }

    fn set_stopping(&mut self, i: usize, reason: &'static str, cx: &mut LowerCx<'_>) {
        let s = &mut self.srv[i];
        if s.cur_admin & admf::MAINT != 0 || s.next_state == st::STOPPING {
            return;
        }
        s.next_state = st::STOPPING;
        s.reason = reason;
        self.update_status(i, cx);
    }

    /// `server_recalc_eweight` without the update: the slow start ends when its time
    /// has passed; only whether the weight is zero matters here.
    fn recalc_eweight(&mut self, i: usize) {
        let s = &mut self.srv[i];
        if (s.since_change < 0 || s.since_change >= s.slowstart) && s.next_state == st::STARTING {
            s.next_state = st::RUNNING;
        }
        s.next_ew = s.uweight;
    }

    /// The load-balancing callbacks: the new state becomes the current one.
    fn commit(&mut self, i: usize) {
        let s = &mut self.srv[i];
        s.cur_state = s.next_state;
        s.cur_admin = s.next_admin;
        s.cur_ew = s.next_ew;
    }

    /// Usable active and backup servers (HAProxy's `srv_act`, `srv_bck`).
    fn counts(&self) -> (usize, usize) {
        let usable = |s: &&SimSrv| {
            s.cur_ew > 0
                && s.cur_admin & (admf::MAINT | admf::DRAIN) == 0
                && matches!(s.cur_state, st::RUNNING | st::STARTING)
        };
        let act = self.srv.iter().filter(usable).filter(|s| !s.backup).count();
        let bck = self.srv.iter().filter(usable).filter(|s| s.backup).count();
        (act, bck)
    }

    /// `Server b/s` with HAProxy's `Backup ` prefix.
    fn who(&self, i: usize) -> String {
        let s = &self.srv[i];
        let b = if s.backup { "Backup " } else { "" };
        format!("{b}Server {}/{}", self.px, s.name)
    }

    /// `srv_append_status` with nothing transferred: the reason, then the counts.
    fn status_tail(&self, i: usize) -> String {
        let s = &self.srv[i];
        let mut t = String::new();
        if !s.reason.is_empty() {
            t.push_str(", ");
            t.push_str(s.reason);
        }
        let (act, bck) = self.counts();
        let on_backup = if bck > 0 && act == 0 {
            " Running on backup."
        } else {
            ""
        };
        if s.next_state == st::STOPPED {
            t.push_str(&format!(". {act} active and {bck} backup servers left.{on_backup} 0 sessions active, 0 requeued, 0 remaining in queue"));
        } else {
            t.push_str(&format!(". {act} active and {bck} backup servers online.{on_backup} 0 sessions requeued, 0 total in queue"));
        }
        t
    }

    /// HAProxy's `srv_update_status` while starting (the messages it keeps quiet
    /// during start-up are not printed).
    fn update_status(&mut self, i: usize, cx: &mut LowerCx<'_>) {
        if self.srv[i].cur_admin & admf::MAINT == 0 {
            let next_admin = self.srv[i].next_admin;
            self.srv[i].next_admin = self.srv[i].cur_admin;
            let (cur, next) = (self.srv[i].cur_state, self.srv[i].next_state);
            if cur != st::STOPPED && next == st::STOPPED {
                self.srv[i].since_change = 0;
                self.commit(i);
                let msg = format!("{} is DOWN{}.", self.who(i), self.status_tail(i));
                warn(cx, msg);
            } else if cur != st::STOPPING && next == st::STOPPING {
                self.srv[i].since_change = 0;
                self.commit(i);
                let msg = format!("{} is stopping{}.", self.who(i), self.status_tail(i));
                warn(cx, msg);
            } else if (cur != st::RUNNING && next == st::RUNNING)
                || (cur != st::STARTING && next == st::STARTING)
            {
                self.srv[i].since_change = 0;
                self.recalc_eweight(i);
                self.commit(i);
                let msg = format!("{} is UP{}.", self.who(i), self.status_tail(i));
                warn(cx, msg);
            } else if self.srv[i].cur_ew != self.srv[i].next_ew {
                self.commit(i);
            }
            self.srv[i].next_admin = next_admin;
        }
        self.srv[i].reason = "";
        let (cur_a, next_a) = (self.srv[i].cur_admin, self.srv[i].next_admin);
        if cur_a & admf::MAINT == 0 && next_a & admf::MAINT != 0 {
            // Entering maintenance: HAProxy says nothing while starting.
            let s = &mut self.srv[i];
            s.health = 0;
            if s.cur_state == st::STOPPED {
                s.cur_admin = s.next_admin;
            } else {
                s.since_change = 0;
                s.next_state = st::STOPPED;
                self.commit(i);
            }
        } else if cur_a & admf::MAINT != 0 && next_a & admf::MAINT == 0 {
            let s = &mut self.srv[i];
            if s.check {
                s.health = s.rise;
            }
            s.since_change = 0;
            s.next_state = if s.slowstart > 0 {
                st::STARTING
            } else {
                st::RUNNING
            };
            if next_a & admf::FMAINT == 0 && cur_a & admf::FMAINT != 0 {
                let updown = if s.next_state == st::STOPPED {
                    "DOWN"
                } else {
                    "UP"
                };
                let ready = if next_a & admf::DRAIN != 0 {
                    "DRAIN"
                } else {
                    "READY"
                };
                let msg = format!(
                    "{} is {updown}/{ready} (leaving forced maintenance).",
                    self.who(i)
                );
                warn(cx, msg);
            }
            self.recalc_eweight(i);
            self.commit(i);
        } else if next_a & admf::MAINT != 0 {
            if next_a & admf::FMAINT == 0 && cur_a & admf::FMAINT != 0 {
                let msg = format!(
                    "{} is leaving forced maintenance but remains in maintenance.",
                    self.who(i)
                );
                warn(cx, msg);
            }
            self.srv[i].cur_admin = next_a;
        }
        let (cur_a, next_a) = (self.srv[i].cur_admin, self.srv[i].next_admin);
        if next_a & admf::MAINT == 0 {
            if cur_a & admf::DRAIN == 0 && next_a & admf::DRAIN != 0 {
                // Entering drain: quiet while starting.
                self.srv[i].since_change = 0;
                self.commit(i);
            } else if cur_a & admf::DRAIN != 0 && next_a & admf::DRAIN == 0 {
                self.srv[i].since_change = 0;
                self.recalc_eweight(i);
                let updown = if self.srv[i].next_state == st::STOPPED {
                    "DOWN"
                } else {
                    "UP"
                };
                let how = if next_a & admf::FDRAIN == 0 {
                    "leaving forced drain"
                } else {
                    "leaving drain"
                };
                let msg = format!("{} is {updown} ({how}).", self.who(i));
                warn(cx, msg);
                self.commit(i);
            } else if next_a & admf::DRAIN != 0 {
                let msg = if next_a & admf::FDRAIN == 0 {
                    format!(
                        "{} is leaving forced drain but remains in drain mode.",
                        self.who(i)
                    )
                } else {
                    format!("{} remains in forced drain mode.", self.who(i))
                };
                warn(cx, msg);
                self.srv[i].cur_admin = next_a;
            }
        }
    }
}
