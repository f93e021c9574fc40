//! `balance roundrobin`: HAProxy's fast weighted round robin (lb_fwrr.c), dynamic
//! weights, same selection sequence.
//!
//! Each group (active servers, backup servers) has three trees. Servers wait in the
//! *init* tree, ordered heaviest first, until their first turn; once served they sit in
//! the *current* tree keyed by their next position (so heavy servers come back more
//! often, interleaved smoothly), or in the *next* tree when their next position falls
//! beyond the current time window. When the current window is exhausted, *init* and
//! *next* swap roles and a new window starts. Saturated servers are taken out while
//! looking and put back afterwards.

use crate::common::Lb;
use crate::tree::{NodeId, Tree};
use crate::Load;

/// HAProxy's `SRV_EWGHT_MAX`, `SRV_UWGHT_RANGE` and `BE_WEIGHT_SCALE`.
const EWGHT_MAX: u32 = 4096;
const UWGHT_RANGE: u32 = 256;
pub(crate) const SCALE: u32 = 16;

/// A tree of a group: the current one or one of the two that alternate as init/next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    Curr = 0,
    T0 = 1,
    T1 = 2,
}

#[derive(Clone, Debug, Default)]
struct Node {
    npos: u32,
    lpos: u32,
    rweight: u32,
    /// The tree the server belongs to (may differ from where its node is while it is
    /// being considered).
    lb_tree: Option<T>,
    /// Where its node is inserted.
    at: Option<(T, NodeId)>,
}

#[derive(Clone, Debug)]
struct Group {
    trees: [Tree; 3],
    init: T,
    curr_pos: u32,
    curr_weight: u32,
    next_weight: u32,
}

impl Group {
    fn new(weight: u32) -> Group {
        Group {
            trees: Default::default(),
            init: T::T0,
            curr_pos: weight,
            curr_weight: weight,
            next_weight: weight,
        }
    }

    fn next_t(&self) -> T {
        if self.init == T::T0 {
            T::T1
        } else {
            T::T0
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Fwrr {
    g: [Group; 2],
    s: Vec<Node>,
}

fn gi(lb: &Lb, i: usize) -> usize {
    usize::from(lb.srv[i].backup)
}

impl Fwrr {
    /// Builds the groups (HAProxy's `fwrr_init_server_groups`).
    pub fn init(lb: &mut Lb) -> Fwrr {
        lb.init_weights(SCALE, 1);
        lb.recount();
        lb.update_backend_weight();
        let mut f = Fwrr {
            g: [Group::new(lb.tot_wact), Group::new(lb.tot_wbck)],
            s: vec![Node::default(); lb.srv.len()],
        };
        for i in 0..lb.srv.len() {
            if lb.srv[i].cur.usable() {
                let init = f.g[gi(lb, i)].init;
                f.queue_by_weight(lb, i, init);
            }
        }
        f
    }

    /// One more server, out of the trees until it comes up.
    pub fn add_server(&mut self) {
        self.s.push(Node::default());
    }

    fn dequeue(&mut self, lb: &Lb, i: usize) {
        if let Some((t, id)) = self.s[i].at.take() {
            self.g[gi(lb, i)].trees[t as usize].remove(id);
        }
    }

    fn insert(&mut self, lb: &Lb, i: usize, t: T, key: u32) {
        self.dequeue(lb, i);
        let id = self.g[gi(lb, i)].trees[t as usize].insert(key, i);
        self.s[i].at = Some((t, id));
        self.s[i].lb_tree = Some(t);
    }

    /// Heaviest first: the key is the inverted weight.
    fn queue_by_weight(&mut self, lb: &Lb, i: usize, t: T) {
        let key = EWGHT_MAX.wrapping_sub(lb.srv[i].next.eweight);
        self.insert(lb, i, t, key);
    }

    /// Puts a server back after its turn: in the current tree at its next position,
    /// or in the next tree when that position is beyond the window.
    fn queue_srv(&mut self, lb: &Lb, i: usize) {
        let g = gi(lb, i);
        let next = lb.srv[i].next;
        let (cw, nw) = (self.g[g].curr_weight, self.g[g].next_weight);
        if !next.usable() {
            self.s[i].lb_tree = None;
        } else if next.eweight == 0
            || self.s[i].npos >= cw.wrapping_mul(2)
            || self.s[i].npos >= cw.wrapping_add(nw)
        {
            self.s[i].npos = self.s[i].npos.wrapping_sub(cw);
            let t = self.g[g].next_t();
            self.queue_by_weight(lb, i, t);
        } else {
            let s = &self.s[i];
            let key = UWGHT_RANGE
                .wrapping_mul(s.npos)
                .wrapping_add(EWGHT_MAX.wrapping_add(s.rweight).wrapping_sub(next.eweight) / SCALE);
            self.insert(lb, i, T::Curr, key);
        }
    }

    /// Prepares a server taken out of its tree.
    fn get_srv(&mut self, lb: &Lb, i: usize) {
        let g = &self.g[gi(lb, i)];
        let (init, next, curr_weight, curr_pos) = (g.init, g.next_t(), g.curr_weight, g.curr_pos);
        let s = &mut self.s[i];
        match s.lb_tree {
            Some(t) if t == init => {
                s.npos = 0;
                s.rweight = 0;
            }
            Some(t) if t == next => s.npos = s.npos.wrapping_add(curr_weight),
            None => s.npos = curr_pos,
            Some(_) => {}
        }
    }

    fn switch_trees(&mut self, g: usize) {
        let grp = &mut self.g[g];
        grp.init = grp.next_t();
        grp.curr_weight = grp.next_weight;
        grp.curr_pos = grp.curr_weight;
    }

    /// The next server of the current tree whose turn has come, else the heaviest
    /// one waiting in init, else whatever the current tree holds.
    fn take_from_group(&mut self, lb: &Lb, g: usize) -> Option<usize> {
        let grp = &self.g[g];
        let s1 = grp.trees[T::Curr as usize].first().map(|(_, s)| s);
        if let Some(a) = s1 {
            if lb.srv[a].cur.eweight > 0 && self.s[a].npos <= grp.curr_pos {
                return Some(a);
            }
        }
        if let Some((_, b)) = grp.trees[grp.init as usize].first() {
            if lb.srv[b].cur.eweight > 0 {
                self.s[b].npos = 0;
                self.s[b].rweight = 0;
                return Some(b);
            }
        }
        s1
    }

    fn update_position(&mut self, lb: &Lb, g: usize, i: usize) {
        let ew = lb.srv[i].cur.eweight;
        if ew == 0 {
            return;
        }
        let (curr_pos, nw) = (self.g[g].curr_pos, self.g[g].next_weight);
        let s = &mut self.s[i];
        if s.npos == 0 {
            s.npos = curr_pos;
        }
        s.lpos = s.npos;
        s.npos = s.npos.wrapping_add(nw / ew);
        s.rweight = s.rweight.wrapping_add(nw % ew);
        if s.rweight >= ew {
            s.rweight -= ew;
            s.npos = s.npos.wrapping_add(1);
        }
    }

    /// The next server (HAProxy's `fwrr_get_next_server`).
    pub fn next_server(
        &mut self,
        lb: &Lb,
        load: &impl Load,
        avoid: Option<usize>,
    ) -> Option<usize> {
        let g = match lb.group() {
            Ok(g) => g,
            Err(fbck) => return fbck,
        };
        let mut switched = false;
        let mut avoided: Option<usize> = None;
        let mut full: Vec<usize> = Vec::new();
        let mut chosen: Option<usize> = None;
        'outer: loop {
            if self.g[g].curr_weight == 0 {
                let nw = self.g[g].next_weight;
                self.g[g].curr_pos = nw;
                self.g[g].curr_weight = nw;
            }
            let srv = loop {
                if let Some(s) = self.take_from_group(lb, g) {
                    break s;
                }
                if switched {
                    if let Some(a) = avoided {
                        chosen = Some(a);
                        self.queue_srv(lb, a);
                    }
                    break 'outer;
                }
                switched = true;
                self.switch_trees(g);
            };
            self.update_position(lb, g, srv);
            self.dequeue(lb, srv);
            self.g[g].curr_pos = self.g[g].curr_pos.wrapping_add(1);
            if load.has_room(srv) {
                if Some(srv) != avoid || avoided.is_some() {
                    chosen = Some(srv);
                    self.queue_srv(lb, srv);
                    break;
                }
                avoided = Some(srv);
            }
            full.push(srv);
        }
        // Saturated (or avoided) servers go back: by weight into init when the trees
        // switched (their place is lost), else as if they had been served.
        for &f in full.iter().rev() {
            if Some(f) == chosen {
                continue;
            }
            if switched {
                let init = self.g[g].init;
                self.queue_by_weight(lb, f, init);
            } else {
                self.queue_srv(lb, f);
            }
        }
        chosen
    }

    pub fn set_down(&mut self, lb: &mut Lb, i: usize) {
        if !lb.changed(i) {
            return;
        }
        if lb.srv[i].next.usable() {
            lb.commit(i);
            return;
        }
        if lb.srv[i].cur.usable() {
            let g = gi(lb, i);
            let grp = &mut self.g[g];
            grp.next_weight = grp.next_weight.wrapping_sub(lb.srv[i].cur.eweight);
            lb.count_down(i);
            // The group's total follows the window's next weight, as HAProxy keeps it.
            if g == 1 {
                lb.tot_wbck = self.g[1].next_weight;
            } else {
                lb.tot_wact = self.g[0].next_weight;
            }
            self.dequeue(lb, i);
            self.s[i].lb_tree = None;
        }
        lb.update_backend_weight();
        lb.commit(i);
    }

    pub fn set_up(&mut self, lb: &mut Lb, i: usize) {
        if !lb.changed(i) {
            return;
        }
        if !lb.srv[i].next.usable() {
            lb.commit(i);
            return;
        }
        if !lb.srv[i].cur.usable() {
            let g = gi(lb, i);
            let ew = lb.srv[i].next.eweight;
            self.g[g].next_weight = self.g[g].next_weight.wrapping_add(ew);
            lb.count_up(i);
            if g == 1 {
                lb.tot_wbck = self.g[1].next_weight;
            } else {
                lb.tot_wact = self.g[0].next_weight;
            }
            self.get_srv(lb, i);
            let grp = &self.g[g];
            let span = grp
                .next_weight
                .wrapping_add(grp.curr_weight)
                .wrapping_sub(grp.curr_pos);
            self.s[i].npos = grp.curr_pos.wrapping_add(span / ew);
            self.queue_srv(lb, i);
        }
        lb.update_backend_weight();
        lb.commit(i);
    }

    /// A server's weight or state changed (HAProxy's `fwrr_update_server_weight`).
    pub fn update(&mut self, lb: &mut Lb, i: usize) {
        if !lb.changed(i) {
            return;
        }
        match (lb.srv[i].cur.usable(), lb.srv[i].next.usable()) {
            (false, false) => return lb.commit(i),
            (false, true) => return self.set_up(lb, i),
            (true, false) => return self.set_down(lb, i),
            (true, true) => {}
        }
        let g = gi(lb, i);
        let (cur_ew, next_ew) = (lb.srv[i].cur.eweight, lb.srv[i].next.eweight);
        let grp = &mut self.g[g];
        grp.next_weight = grp.next_weight.wrapping_sub(cur_ew).wrapping_add(next_ew);
        lb.tot_wact = self.g[0].next_weight;
        lb.tot_wbck = self.g[1].next_weight;
        let init = self.g[g].init;
        if self.s[i].lb_tree == Some(init) {
            self.dequeue(lb, i);
            self.queue_by_weight(lb, i, init);
        } else if self.s[i].lb_tree.is_none() {
            self.dequeue(lb, i);
            self.get_srv(lb, i);
            let grp = &self.g[g];
            let span = grp
                .next_weight
                .wrapping_add(grp.curr_weight)
                .wrapping_sub(grp.curr_pos);
            self.s[i].npos = grp.curr_pos.wrapping_add(span / next_ew);
            self.queue_srv(lb, i);
        } else {
            self.get_srv(lb, i);
            let grp = &self.g[g];
            let (curr_pos, curr_weight, nw) = (grp.curr_pos, grp.curr_weight, grp.next_weight);
            let s = &mut self.s[i];
            if let Some(step) = nw.checked_div(next_ew) {
                let prev_next = s.npos;
                s.npos = s.lpos.wrapping_add(step);
                s.rweight = 0;
                if s.npos > prev_next {
                    s.npos = prev_next;
                }
                if s.npos < curr_pos.wrapping_add(2) {
                    s.npos = curr_pos.wrapping_add(step);
                }
            } else {
                s.npos = curr_pos.wrapping_add(curr_weight);
            }
            self.dequeue(lb, i);
            self.queue_srv(lb, i);
        }
        lb.update_backend_weight();
        lb.commit(i);
    }
}
