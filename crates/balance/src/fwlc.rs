//! `balance leastconn`: HAProxy's fast weighted least connections (lb_fwlc.c).
//!
//! Usable servers sit in one tree per group keyed by their load relative to their
//! weight (0 when idle, else `(inflight + 1) * 4096 / eweight`, where inflight counts
//! served and queued streams). A server is repositioned each time it takes or drops a
//! stream, going after the servers that already have its key: among equally loaded
//! servers the least recently repositioned comes first, which makes idle servers take
//! turns.

use crate::common::Lb;
use crate::fwrr::SCALE;
use crate::tree::{NodeId, Tree};
use crate::Load;

const EWGHT_MAX: u32 = 4096;

#[derive(Clone, Debug, Default)]
struct Node {
    lb_tree: Option<usize>,
    at: Option<NodeId>,
    key: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Fwlc {
    trees: [Tree; 2],
    s: Vec<Node>,
}

/// The key of a server with `inflight` streams and effective weight `eweight`.
pub(crate) fn key(inflight: u32, eweight: u32) -> u32 {
    if inflight == 0 {
        0
    } else {
        inflight.wrapping_add(1).wrapping_mul(EWGHT_MAX) / eweight.max(1)
    }
}

impl Fwlc {
    pub fn init(lb: &mut Lb, load: &impl Load) -> Fwlc {
        lb.init_weights(SCALE, 1);
        lb.recount();
        lb.update_backend_weight();
        let mut f = Fwlc {
            trees: Default::default(),
            s: vec![Node::default(); lb.srv.len()],
        };
        for i in 0..lb.srv.len() {
            if lb.srv[i].cur.usable() {
                f.s[i].lb_tree = Some(usize::from(lb.srv[i].backup));
                f.queue(i, lb.srv[i].next.eweight, load.inflight(i));
            }
        }
        f
    }

    /// One more server, out of the trees until it comes up.
    pub fn add_server(&mut self) {
        self.s.push(Node::default());
    }

    fn dequeue(&mut self, i: usize) {
        if let (Some(t), Some(id)) = (self.s[i].lb_tree, self.s[i].at.take()) {
            self.trees[t].remove(id);
        }
    }

    fn queue(&mut self, i: usize, eweight: u32, inflight: u32) {
        let Some(t) = self.s[i].lb_tree else { return };
        if let Some(id) = self.s[i].at.take() {
            self.trees[t].remove(id);
        }
        let k = key(inflight, eweight);
        self.s[i].key = k;
        self.s[i].at = Some(self.trees[t].insert(k, i));
    }

    /// The key the server has in its tree now (`None`: not in a tree).
    pub fn current_key(&self, i: usize) -> Option<u32> {
        self.s[i].at.map(|_| self.s[i].key)
    }

    /// Server `i` took or dropped a stream (HAProxy's `fwlc_srv_reposition`).
    pub fn reposition(&mut self, lb: &Lb, i: usize, inflight: u32) {
        let Some(t) = self.s[i].lb_tree else { return };
        let new_key = key(inflight, lb.srv[i].cur.eweight);
        if self.s[i].at.is_none() || self.s[i].key != new_key {
            if let Some(id) = self.s[i].at.take() {
                self.trees[t].remove(id);
            }
            self.s[i].key = new_key;
            self.s[i].at = Some(self.trees[t].insert(new_key, i));
        }
    }

    /// The least loaded server that may take or queue the stream.
    pub fn next_server(&self, lb: &Lb, load: &impl Load, avoid: Option<usize>) -> Option<usize> {
        let g = match lb.group() {
            Ok(g) => g,
            Err(fbck) => return fbck,
        };
        let mut avoided = None;
        for (_, s) in self.trees[g].iter() {
            if load.may_queue(s) {
                if Some(s) != avoid {
                    return Some(s);
                }
                avoided = Some(s);
            }
        }
        avoided
    }

    fn set_down(&mut self, lb: &mut Lb, i: usize) {
        if lb.srv[i].cur.usable() {
            lb.count_down(i);
            self.dequeue(i);
            self.s[i].lb_tree = None;
        }
        lb.update_backend_weight();
        lb.commit(i);
    }

    fn set_up(&mut self, lb: &mut Lb, i: usize, load: &impl Load) {
        if !lb.srv[i].cur.usable() {
            self.s[i].lb_tree = Some(usize::from(lb.srv[i].backup));
            lb.count_up(i);
            self.queue(i, lb.srv[i].next.eweight, load.inflight(i));
        }
        lb.update_backend_weight();
        lb.commit(i);
    }

    /// A server's state or weight changed (HAProxy's `fwlc_update_server_weight`).
    pub fn update(&mut self, lb: &mut Lb, i: usize, load: &impl Load) {
        if !lb.changed(i) {
            return;
        }
        match (lb.srv[i].cur.usable(), lb.srv[i].next.usable()) {
            (false, false) => return lb.commit(i),
            (false, true) => return self.set_up(lb, i, load),
            (true, false) => return self.set_down(lb, i),
            (true, true) => {}
        }
        self.dequeue(i);
        let (cur_ew, next_ew) = (lb.srv[i].cur.eweight, lb.srv[i].next.eweight);
        if lb.srv[i].backup {
            lb.tot_wbck = lb.tot_wbck.wrapping_add(next_ew).wrapping_sub(cur_ew);
            self.s[i].lb_tree = Some(1);
        } else {
            lb.tot_wact = lb.tot_wact.wrapping_add(next_ew).wrapping_sub(cur_ew);
            self.s[i].lb_tree = Some(0);
        }
        self.queue(i, next_ew, load.inflight(i));
        lb.update_backend_weight();
        lb.commit(i);
    }
}
