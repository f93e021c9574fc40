//! `hash-type consistent` and `balance random`: HAProxy's consistent-hashing ring
//! (lb_chash.c).
//!
//! Each server owns `eweight` points on a 32-bit ring, at `avalanche(puid * 4096 + j)`
//! for its j-th point (so a server keeps its points whatever happens to the others).
//! A key goes to the server of the nearest point (the one at or after it, or the one
//! before it when that is at least as close); `hash-balance-factor` skips servers
//! already above their share of the load. The ring of the group in use is published
//! read-only ([`Ring`]) so lookups take no lock; the round-robin walk used when a
//! key is missing keeps a cursor and runs under the backend's lock.

use crate::common::Lb;
use crate::fwrr::SCALE;
use crate::hash::avalanche;
use crate::tree::{NodeId, Tree};
use crate::Load;

const EWGHT_RANGE: u32 = 4096;

#[derive(Clone, Debug, Default)]
struct Points {
    /// The keys of the server's points (`lb_nodes_tot` of them).
    keys: Vec<u32>,
    /// The points inserted in the tree, the first `now` keys.
    ids: Vec<NodeId>,
}

#[derive(Clone, Debug)]
pub(crate) struct Chash {
    trees: [Tree; 2],
    s: Vec<Points>,
    /// The round-robin cursor: a point of one of the trees.
    last: Option<(usize, NodeId)>,
}

fn tree_of(lb: &Lb, i: usize) -> usize {
    usize::from(lb.srv[i].backup)
}

impl Chash {
    pub fn init(lb: &mut Lb) -> Chash {
        lb.init_weights(SCALE, 1);
        lb.recount();
        lb.update_backend_weight();
        let mut c = Chash {
            trees: Default::default(),
            s: Vec::with_capacity(lb.srv.len()),
            last: None,
        };
        for i in 0..lb.srv.len() {
            let s = &lb.srv[i];
            let n = s.cur.eweight;
            let keys = (0..n)
                .map(|j| avalanche(s.puid.wrapping_mul(EWGHT_RANGE).wrapping_add(j)))
                .collect();
            c.s.push(Points {
                keys,
                ids: Vec::new(),
            });
            if s.cur.usable() {
                c.requeue(lb, i);
            }
        }
        c
    }

    /// One more server (index `i`, already in `lb`), out of the ring until it comes
    /// up; its points are computed for its weight now (HAProxy's `lb_nodes_tot`).
    pub fn add_server(&mut self, lb: &Lb, i: usize) {
        let s = &lb.srv[i];
        let keys = (0..s.next.eweight)
            .map(|j| avalanche(s.puid.wrapping_mul(EWGHT_RANGE).wrapping_add(j)))
            .collect();
        self.s.push(Points {
            keys,
            ids: Vec::new(),
        });
    }

    /// The point after `node` in its tree, wrapping, or `None` when it is alone.
    fn skip(&self, t: usize, node: NodeId) -> Option<(usize, NodeId)> {
        let next = self.trees[t]
            .next(node)
            .or_else(|| self.trees[t].first())
            .map(|(id, _)| id)?;
        (next != node).then_some((t, next))
    }

    fn remove_point(&mut self, t: usize, id: NodeId) {
        if self.last == Some((t, id)) {
            self.last = self.skip(t, id);
        }
        self.trees[t].remove(id);
    }

    /// Removes every point of server `i`.
    fn dequeue(&mut self, lb: &Lb, i: usize) {
        let t = tree_of(lb, i);
        while let Some(id) = self.s[i].ids.pop() {
            self.remove_point(t, id);
        }
    }

    /// Gives server `i` as many points as its next weight (HAProxy's
    /// `chash_queue_dequeue_srv`).
    fn requeue(&mut self, lb: &Lb, i: usize) {
        let t = tree_of(lb, i);
        let want = lb.srv[i].next.eweight as usize;
        while self.s[i].ids.len() > want {
            if let Some(id) = self.s[i].ids.pop() {
                self.remove_point(t, id);
            }
        }
        if self.s[i].keys.len() < want {
            self.dequeue(lb, i);
            let puid = lb.srv[i].puid;
            let from = self.s[i].keys.len() as u32;
            let more = (from..want as u32)
                .map(|j| avalanche(puid.wrapping_mul(EWGHT_RANGE).wrapping_add(j)));
            self.s[i].keys.extend(more);
        }
        while self.s[i].ids.len() < want {
            let j = self.s[i].ids.len();
            let id = self.trees[t].insert(self.s[i].keys[j], i);
            self.s[i].ids.push(id);
        }
    }

    /// A server's state or weight changed (HAProxy's `chash_update_server_weight`
    /// and the status functions it calls).
    pub fn update(&mut self, lb: &mut Lb, i: usize) {
        if !lb.changed(i) {
            return;
        }
        match (lb.srv[i].cur.usable(), lb.srv[i].next.usable()) {
            (false, false) => lb.commit(i),
            (false, true) => {
                lb.count_up(i);
                self.requeue(lb, i);
                lb.update_backend_weight();
                lb.commit(i);
            }
            (true, false) => {
                lb.count_down(i);
                self.dequeue(lb, i);
                lb.update_backend_weight();
                lb.commit(i);
            }
            (true, true) => {
                self.requeue(lb, i);
                let (cur, next) = (lb.srv[i].cur.eweight, lb.srv[i].next.eweight);
                if lb.srv[i].backup {
                    lb.tot_wbck = lb.tot_wbck.wrapping_add(next).wrapping_sub(cur);
                } else {
                    lb.tot_wact = lb.tot_wact.wrapping_add(next).wrapping_sub(cur);
                }
                lb.update_backend_weight();
                lb.commit(i);
            }
        }
    }

    /// The points of the group in use, in ring order, for lock-free lookups.
    pub fn ring(&self, lb: &Lb) -> Vec<(u32, u32)> {
        match lb.group() {
            Ok(g) => self.trees[g]
                .iter()
                .map(|((k, _), s)| (k, s as u32))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Round robin over the ring when the key is missing (HAProxy's
    /// `chash_get_next_server`): the point after the cursor whose server has room.
    pub fn next_server(
        &mut self,
        lb: &Lb,
        load: &impl Load,
        avoid: Option<usize>,
    ) -> Option<usize> {
        let root = match lb.group() {
            Ok(g) => g,
            Err(fbck) => return fbck,
        };
        let mut node = self.last;
        let mut stop = self.last;
        let mut avoided: Option<(usize, (usize, NodeId))> = None;
        loop {
            let mut n = node.and_then(|(t, id)| self.trees[t].next(id).map(|(x, _)| (t, x)));
            if n.is_none() {
                n = self.trees[root].first().map(|(x, _)| (root, x));
            }
            self.last = n;
            let (t, id) = n?;
            node = n;
            if stop.is_none() {
                stop = n;
            }
            let s = self.server_of(t, id);
            if let Some(s) = s {
                if load.has_room(s) {
                    if Some(s) != avoid {
                        return Some(s);
                    }
                    avoided = Some((s, (t, id)));
                }
            }
            if node == stop {
                break;
            }
        }
        self.last = avoided.map(|(_, n)| n);
        avoided.map(|(s, _)| s)
    }

    fn server_of(&self, t: usize, id: NodeId) -> Option<usize> {
        self.trees[t].get(id)
    }
}

/// The read-only ring of the group in use, with what `hash-balance-factor` needs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ring {
    pub points: Vec<(u32, u32)>,
}

impl Ring {
    /// The server for `hash` (HAProxy's `chash_get_server_hash`, without the
    /// single-backup and empty cases the caller handles).
    pub fn lookup(
        &self,
        hash: u32,
        avoid: Option<usize>,
        eligible: impl Fn(usize) -> bool,
        factor: bool,
    ) -> Option<usize> {
        let p = &self.points;
        if p.is_empty() {
            return None;
        }
        let mut idx = p.partition_point(|&(k, _)| k < hash);
        if idx == p.len() {
            idx = 0;
        }
        let prev = if idx == 0 { p.len() - 1 } else { idx - 1 };
        let dp = hash.wrapping_sub(p[prev].0);
        let dn = p[idx].0.wrapping_sub(hash);
        if dp <= dn {
            idx = prev;
        }
        let mut srv = p[idx].1 as usize;
        let mut looped = 0;
        while Some(srv) == avoid || (factor && !eligible(srv)) {
            idx += 1;
            if idx == p.len() {
                idx = 0;
                looped += 1;
                if looped > 1 {
                    break;
                }
            }
            srv = p[idx].1 as usize;
        }
        Some(srv)
    }
}
