//! `balance static-rr` and `hash-type map-based`: HAProxy's server map (lb_map.c).
//!
//! The map is an array of `total weight` slots (weights divided by their greatest
//! common divisor) filled by `recalc_server_map`'s smooth weighted interleaving.
//! `static-rr` walks it with a cursor; map-based hashing reads slot `hash % total`.
//! Weights and states change only through a full rebuild.

use crate::common::Lb;
use crate::Load;

#[derive(Clone, Debug)]
pub(crate) struct Map {
    /// The server of each slot (the first `tot_weight` are in use).
    pub table: Vec<Option<u32>>,
    rr_idx: i32,
}

impl Map {
    /// Builds the map (HAProxy's `init_server_map`): weights are divided by their
    /// greatest common divisor.
    pub fn init(lb: &mut Lb) -> Map {
        let mut gcd = 1u32;
        let mut it = lb
            .srv
            .iter()
            .map(|s| s.next.eweight)
            .skip_while(|&w| w == 0);
        if let Some(first) = it.next() {
            gcd = first;
            for w in it {
                if gcd <= 1 {
                    break;
                }
                let (mut a, mut b) = (gcd, w);
                while b != 0 {
                    let t = a % b;
                    a = b;
                    b = t;
                }
                gcd = a;
            }
        }
        lb.init_weights(1, gcd);
        let (mut act, mut bck) = (0u32, 0u32);
        for s in &lb.srv {
            if s.backup {
                bck = bck.wrapping_add(s.cur.eweight);
            } else {
                act = act.wrapping_add(s.cur.eweight);
            }
        }
        let size = act.max(bck).max(1) as usize;
        let mut m = Map {
            table: vec![None; size],
            rr_idx: 0,
        };
        lb.recount();
        lb.update_backend_weight();
        m.recalc(lb);
        m
    }

    /// Refills the map from the servers' next states (HAProxy's `recalc_server_map`):
    /// each slot goes to the server whose accumulated weight share is the largest.
    pub fn recalc(&mut self, lb: &Lb) {
        if lb.tot_used == 0 {
            return;
        }
        let tot = lb.tot_weight;
        let backup = lb.srv_act == 0;
        if self.table.len() < tot as usize {
            self.table.resize(tot as usize, None);
        }
        let mut wscore = vec![0u32; lb.srv.len()];
        for o in 0..tot as usize {
            let mut max = 0i32;
            let mut best: Option<usize> = None;
            for (i, s) in lb.srv.iter().enumerate() {
                if s.backup != backup || !s.next.usable() {
                    continue;
                }
                if tot == 1 {
                    best = Some(i);
                    break;
                }
                wscore[i] = wscore[i].wrapping_add(s.next.eweight);
                let v = (wscore[i].wrapping_add(tot) / tot) as i32;
                if best.is_none() || v > max {
                    max = v;
                    best = Some(i);
                }
            }
            self.table[o] = best.map(|b| b as u32);
            if let Some(b) = best {
                wscore[b] = wscore[b].wrapping_sub(tot);
            }
        }
    }

    fn rebuild(&mut self, lb: &mut Lb, i: usize) {
        lb.recount();
        lb.update_backend_weight();
        self.recalc(lb);
        lb.commit(i);
    }

    /// A server's state or weight changed: the map is rebuilt when it matters
    /// (HAProxy's `map_set_server_status_up` / `_down`).
    pub fn update(&mut self, lb: &mut Lb, i: usize) {
        if !lb.changed(i) {
            return;
        }
        // HAProxy skips the rebuild when usability does not change with a state
        // change; rebuilding then yields the same map, so always rebuild.
        self.rebuild(lb, i);
    }

    /// `static-rr` (and the fallback of map-based hashing): the next slot whose server
    /// has room (HAProxy's `map_get_server_rr`).
    pub fn next_rr(&mut self, lb: &Lb, load: &impl Load, avoid: Option<usize>) -> Option<usize> {
        let tot = lb.tot_weight as i32;
        if tot <= 0 {
            return None;
        }
        if self.rr_idx < 0 || self.rr_idx >= tot {
            self.rr_idx = 0;
        }
        let mut newidx = self.rr_idx;
        let mut avoided: Option<(usize, i32)> = None;
        loop {
            let srv = self.table.get(newidx as usize).copied().flatten();
            newidx += 1;
            if let Some(s) = srv.map(|s| s as usize) {
                if load.has_room(s) {
                    avoided = Some((s, newidx));
                    if Some(s) != avoid {
                        self.rr_idx = newidx;
                        return Some(s);
                    }
                }
            }
            if newidx == tot {
                newidx = 0;
            }
            if newidx == self.rr_idx {
                break;
            }
        }
        if let Some((_, idx)) = avoided {
            self.rr_idx = idx;
        }
        avoided.map(|(s, _)| s)
    }
}
