//! What every algorithm shares (HAProxy's `lbprm` counters and each server's committed
//! and pending state): which servers are usable, the total weights of the active and
//! backup groups, the first usable backup, and the weight used for balancing.
//!
//! As in HAProxy, a server has a *current* state (what the algorithm's structures
//! reflect) and a *next* state (what it just became); an algorithm's update moves the
//! server in its structures, then commits next into current.

/// The part of a server's state the algorithms look at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct St {
    /// Up, not in maintenance, not draining.
    pub ok: bool,
    /// Effective weight (user weight scaled for the algorithm).
    pub eweight: u32,
}

impl St {
    /// HAProxy's `srv_currently_usable` / `srv_willbe_usable`.
    pub fn usable(self) -> bool {
        self.ok && self.eweight > 0
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Srv {
    pub backup: bool,
    pub puid: u32,
    pub cur: St,
    pub next: St,
    /// Weight of the usable servers before this one in its group, as of the last
    /// recount (consistent hashing's `hash-balance-factor` uses it).
    pub cumulative: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Lb {
    pub srv: Vec<Srv>,
    pub allbackups: bool,
    pub srv_act: u32,
    pub srv_bck: u32,
    pub tot_wact: u32,
    pub tot_wbck: u32,
    pub tot_weight: u32,
    pub tot_used: u32,
    /// The first usable backup, when only one backup serves (no `option allbackups`).
    pub fbck: Option<usize>,
    /// Effective weight = (user weight * wdiv + wmult - 1) / wmult.
    pub wdiv: u32,
    pub wmult: u32,
}

impl Lb {
    pub fn new(servers: &[crate::ServerCfg], allbackups: bool) -> Lb {
        Lb {
            srv: servers
                .iter()
                .map(|s| {
                    let st = St {
                        ok: s.ok,
                        eweight: s.uweight,
                    };
                    Srv {
                        backup: s.backup,
                        puid: s.puid,
                        cur: st,
                        next: st,
                        cumulative: 0,
                    }
                })
                .collect(),
            allbackups,
            srv_act: 0,
            srv_bck: 0,
            tot_wact: 0,
            tot_wbck: 0,
            tot_weight: 0,
            tot_used: 0,
            fbck: None,
            wdiv: 1,
            wmult: 1,
        }
    }

    /// The effective weight of a user weight with the algorithm's scale.
    pub fn eweight(&self, uweight: u32) -> u32 {
        (uweight.wrapping_mul(self.wdiv).wrapping_add(self.wmult - 1)) / self.wmult
    }

    /// The effective weight while the part `ramp` (of [`crate::RAMP_ONE`]) of the
    /// `slowstart` period has elapsed: HAProxy's `server_recalc_eweight`, whose step
    /// `(wdiv * elapsed + slowstart) / slowstart` is `wdiv * ramp` rounded down plus
    /// one, so a server starts at the smallest step.
    pub fn eweight_ramped(&self, uweight: u32, ramp: u32) -> u32 {
        let one = u64::from(crate::RAMP_ONE);
        if u64::from(ramp) >= one {
            return self.eweight(uweight);
        }
        let w = u64::from(self.wdiv) * u64::from(ramp) / one + 1;
        let e = (u64::from(uweight) * w).div_ceil(u64::from(self.wmult).max(1));
        u32::try_from(e).unwrap_or(u32::MAX)
    }

    /// Sets every server's effective weight from its user weight (kept in `next`
    /// until then) and commits (the algorithms' init).
    pub fn init_weights(&mut self, wdiv: u32, wmult: u32) {
        self.wdiv = wdiv;
        self.wmult = wmult.max(1);
        for i in 0..self.srv.len() {
            let u = self.srv[i].next.eweight;
            self.srv[i].next.eweight = self.eweight(u);
            self.commit(i);
        }
    }

    pub fn changed(&self, i: usize) -> bool {
        self.srv[i].cur != self.srv[i].next
    }

    pub fn commit(&mut self, i: usize) {
        self.srv[i].cur = self.srv[i].next;
    }

    /// Recounts usable servers and group weights from the next states (HAProxy's
    /// `recount_servers`).
    pub fn recount(&mut self) {
        self.srv_act = 0;
        self.srv_bck = 0;
        self.tot_wact = 0;
        self.tot_wbck = 0;
        self.fbck = None;
        for i in 0..self.srv.len() {
            let s = &mut self.srv[i];
            if !s.next.usable() {
                continue;
            }
            if s.backup {
                if self.srv_bck == 0 && !self.allbackups {
                    self.fbck = Some(i);
                }
                self.srv_bck += 1;
                s.cumulative = self.tot_wbck;
                self.tot_wbck = self.tot_wbck.wrapping_add(s.next.eweight);
            } else {
                self.srv_act += 1;
                s.cumulative = self.tot_wact;
                self.tot_wact = self.tot_wact.wrapping_add(s.next.eweight);
            }
        }
    }

    /// The weight and server count the backend balances over now (HAProxy's
    /// `update_backend_weight`).
    pub fn update_backend_weight(&mut self) {
        if self.srv_act > 0 {
            self.tot_weight = self.tot_wact;
            self.tot_used = self.srv_act;
        } else if let Some(f) = self.fbck {
            self.tot_weight = self.srv[f].next.eweight;
            self.tot_used = 1;
        } else {
            self.tot_weight = self.tot_wbck;
            self.tot_used = self.srv_bck;
        }
    }

    /// Backup server `i` stops being usable: if it was the first backup in use, the
    /// next usable backup after it in declaration order takes its place.
    pub fn backup_lost(&mut self, i: usize) {
        if self.fbck == Some(i) {
            self.fbck = (i + 1..self.srv.len()).find(|&j| {
                let s = &self.srv[j];
                s.backup && s.next.usable()
            });
        }
    }

    /// Backup server `i` becomes usable: it becomes the backup in use when there was
    /// none or when it is declared before the current one.
    pub fn backup_gained(&mut self, i: usize) {
        if self.allbackups {
            return;
        }
        match self.fbck {
            None => self.fbck = Some(i),
            Some(f) if i < f => self.fbck = Some(i),
            Some(_) => {}
        }
    }

    /// Removes `i`'s current weight from its group's counters (it goes down).
    pub fn count_down(&mut self, i: usize) {
        let w = self.srv[i].cur.eweight;
        if self.srv[i].backup {
            self.tot_wbck = self.tot_wbck.wrapping_sub(w);
            self.srv_bck = self.srv_bck.wrapping_sub(1);
            self.backup_lost(i);
        } else {
            self.tot_wact = self.tot_wact.wrapping_sub(w);
            self.srv_act = self.srv_act.wrapping_sub(1);
        }
    }

    /// Adds `i`'s next weight to its group's counters (it comes up).
    pub fn count_up(&mut self, i: usize) {
        let w = self.srv[i].next.eweight;
        if self.srv[i].backup {
            self.tot_wbck = self.tot_wbck.wrapping_add(w);
            self.srv_bck += 1;
            self.backup_gained(i);
        } else {
            self.tot_wact = self.tot_wact.wrapping_add(w);
            self.srv_act += 1;
        }
    }

    /// Which group to balance over: `Ok(group)` (0 active, 1 backup), `Err(Some(fbck))`
    /// for the single backup in use, `Err(None)` when nothing is usable.
    pub fn group(&self) -> Result<usize, Option<usize>> {
        if self.srv_act > 0 {
            Ok(0)
        } else if let Some(f) = self.fbck {
            Err(Some(f))
        } else if self.srv_bck > 0 {
            Ok(1)
        } else {
            Err(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lb;
    use crate::RAMP_ONE;

    /// HAProxy's warm-up steps with `wdiv` 16 (the dynamic algorithms): `(16 * t + ss)
    /// / ss` times the weight, from one step at the start to the full weight.
    #[test]
    fn warmup_steps_as_haproxy() {
        let mut lb = Lb::new(&[], false);
        lb.wdiv = 16;
        lb.wmult = 1;
        let at = |t: u64, ss: u64| ((t * u64::from(RAMP_ONE)).div_ceil(ss)) as u32;
        for (uw, t, ss) in [(1, 0, 30), (1, 2, 30), (1, 4, 30), (3, 7, 16), (10, 15, 16)] {
            let want = uw * ((16 * t + ss) / ss) as u32;
            assert_eq!(lb.eweight_ramped(uw, at(t, ss)), want, "{uw} {t}/{ss}");
        }
        assert_eq!(lb.eweight_ramped(2, RAMP_ONE), 32);
    }
}
