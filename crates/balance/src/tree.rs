//! An ordered multiset of server nodes that orders equal keys as HAProxy's ebtrees do.
//!
//! HAProxy keeps its balancing trees in `eb32` trees that accept duplicate keys: a
//! duplicate is always inserted after the nodes already holding that key, whatever was
//! deleted before, so a walk meets equal keys in insertion order. Pairing each key
//! with an insertion counter in a `BTreeMap` gives exactly that order.

use std::collections::BTreeMap;

/// A node's identity: its key and its insertion rank.
pub(crate) type NodeId = (u32, u64);

#[derive(Clone, Debug, Default)]
pub(crate) struct Tree {
    nodes: BTreeMap<NodeId, u32>,
    seq: u64,
}

impl Tree {
    /// Inserts a node for server `srv` under `key`, after any node with the same key.
    pub fn insert(&mut self, key: u32, srv: usize) -> NodeId {
        self.seq += 1;
        let id = (key, self.seq);
        self.nodes.insert(id, srv as u32);
        id
    }

    pub fn remove(&mut self, id: NodeId) {
        self.nodes.remove(&id);
    }

    /// The server of node `id`, if it is in the tree.
    pub fn get(&self, id: NodeId) -> Option<usize> {
        self.nodes.get(&id).map(|&s| s as usize)
    }

    pub fn first(&self) -> Option<(NodeId, usize)> {
        self.nodes.iter().next().map(|(k, v)| (*k, *v as usize))
    }

    /// The node after `id` in key order (`id` may have left the tree).
    pub fn next(&self, id: NodeId) -> Option<(NodeId, usize)> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.nodes
            .range((Excluded(id), Unbounded))
            .next()
            .map(|(k, v)| (*k, *v as usize))
    }

    pub fn iter(&self) -> impl Iterator<Item = (NodeId, usize)> + '_ {
        self.nodes.iter().map(|(k, v)| (*k, *v as usize))
    }
}
