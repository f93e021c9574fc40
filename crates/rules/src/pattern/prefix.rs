//! Prefix structures: strings that are a prefix (or, read backwards, a suffix) of a
//! sample, and IPv4/IPv6 networks containing an address, in O(log n) or O(prefix
//! lengths) per lookup.
//!
//! Strings are kept sorted with, for each, the longest other key that is a prefix of it.
//! The keys that are prefixes of a sample `x` are exactly the keys that are prefixes of
//! the greatest key `p <= x` and not longer than the common prefix of `p` and `x`: one
//! binary search, then a walk up that chain.

use std::collections::HashMap;

/// How a sample is read: forwards or backwards, case folded or not.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub reverse: bool,
    pub fold: bool,
}

impl View {
    fn at(self, s: &[u8], i: usize) -> u8 {
        let c = if self.reverse {
            s[s.len() - 1 - i]
        } else {
            s[i]
        };
        if self.fold {
            c.to_ascii_lowercase()
        } else {
            c
        }
    }

    /// A key as stored: in reading order, folded when the view folds.
    pub fn key(self, s: &[u8]) -> Box<[u8]> {
        (0..s.len()).map(|i| self.at(s, i)).collect()
    }
}

const NONE: u32 = u32::MAX;

/// Keys with their pattern index (the first one in file order for a repeated key).
#[derive(Debug)]
pub(crate) struct PrefixSet {
    view: View,
    keys: Vec<Box<[u8]>>,
    item: Vec<u32>,
    parent: Vec<u32>,
}

impl PrefixSet {
    /// `entries` are (text, pattern index) in file order.
    pub fn build<'a>(view: View, entries: impl Iterator<Item = (&'a [u8], u32)>) -> PrefixSet {
        let mut all: Vec<(Box<[u8]>, u32)> = entries.map(|(k, i)| (view.key(k), i)).collect();
        // Stable: for equal keys the first in file order stays first.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.dedup_by(|later, first| later.0 == first.0);
        let mut keys: Vec<Box<[u8]>> = Vec::with_capacity(all.len());
        let mut item = Vec::with_capacity(all.len());
        let mut parent = Vec::with_capacity(all.len());
        let mut stack: Vec<u32> = Vec::new();
        for (k, i) in all {
            while let Some(&top) = stack.last() {
                let t: &[u8] = &keys[top as usize];
                if k.starts_with(t) {
                    break;
                }
                stack.pop();
            }
            parent.push(stack.last().copied().unwrap_or(NONE));
            stack.push(keys.len() as u32);
            keys.push(k);
            item.push(i);
        }
        PrefixSet {
            view,
            keys,
            item,
            parent,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Compares stored key `k` with sample `x` read through the view.
    fn cmp(&self, k: &[u8], x: &[u8]) -> std::cmp::Ordering {
        let n = k.len().min(x.len());
        for (i, &kc) in k.iter().enumerate().take(n) {
            let xc = self.view.at(x, i);
            if kc != xc {
                return kc.cmp(&xc);
            }
        }
        k.len().cmp(&x.len())
    }

    fn common(&self, k: &[u8], x: &[u8]) -> usize {
        let n = k.len().min(x.len());
        (0..n).find(|&i| k[i] != self.view.at(x, i)).unwrap_or(n)
    }

    /// Walks the keys that are prefixes of `x`, longest first, until `f` says stop.
    fn walk(&self, x: &[u8], mut f: impl FnMut(u32) -> bool) {
        let p = self
            .keys
            .partition_point(|k| self.cmp(k, x) != std::cmp::Ordering::Greater);
        if p == 0 {
            return;
        }
        let mut cand = (p - 1) as u32;
        let l = self.common(&self.keys[cand as usize], x);
        while cand != NONE {
            let c = cand as usize;
            if self.keys[c].len() <= l && !f(self.item[c]) {
                return;
            }
            cand = self.parent[c];
        }
    }

    /// The longest key that is a prefix of `x` (HAProxy's prefix trees).
    pub fn longest(&self, x: &[u8]) -> Option<u32> {
        let mut found = None;
        self.walk(x, |i| {
            found = Some(i);
            false
        });
        found
    }

    /// The first key in file order that is a prefix of `x` (HAProxy's lists).
    pub fn first(&self, x: &[u8]) -> Option<u32> {
        let mut found: Option<u32> = None;
        self.walk(x, |i| {
            found = Some(found.map_or(i, |f| f.min(i)));
            true
        });
        found
    }
}

/// Longest-prefix match over networks of one address family, by prefix length: one
/// hash probe per length in use, longest first.
#[derive(Debug)]
pub(crate) struct Lpm<A> {
    /// (length, masked network → first pattern index), longest first.
    by_len: Vec<(u8, HashMap<A, u32>)>,
}

/// Address types the LPM works on.
pub(crate) trait Bits: Copy + Eq + std::hash::Hash {
    const WIDTH: u8;
    fn masked(self, len: u8) -> Self;
}

impl Bits for u32 {
    const WIDTH: u8 = 32;
    fn masked(self, len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            self & (u32::MAX << (32 - u32::from(len)))
        }
    }
}

impl Bits for u128 {
    const WIDTH: u8 = 128;
    fn masked(self, len: u8) -> u128 {
        if len == 0 {
            0
        } else {
            self & (u128::MAX << (128 - u32::from(len)))
        }
    }
}

impl<A: Bits> Lpm<A> {
    /// `entries` are (address, prefix length, pattern index) in file order.
    pub fn build(entries: impl Iterator<Item = (A, u8, u32)>) -> Lpm<A> {
        let mut maps: Vec<HashMap<A, u32>> = (0..=A::WIDTH).map(|_| HashMap::new()).collect();
        for (a, len, i) in entries {
            let len = len.min(A::WIDTH);
            maps[usize::from(len)].entry(a.masked(len)).or_insert(i);
        }
        let by_len = maps
            .into_iter()
            .enumerate()
            .rev()
            .filter(|(_, m)| !m.is_empty())
            .map(|(l, m)| (l as u8, m))
            .collect();
        Lpm { by_len }
    }

    /// The pattern of the longest network containing `a`, with that network's length.
    pub fn lookup(&self, a: A) -> Option<(u32, u8)> {
        self.by_len
            .iter()
            .find_map(|(len, m)| m.get(&a.masked(*len)).map(|&i| (i, *len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(view: View, keys: &[&str]) -> PrefixSet {
        PrefixSet::build(
            view,
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_bytes(), i as u32)),
        )
    }

    const FWD: View = View {
        reverse: false,
        fold: false,
    };

    #[test]
    fn longest_and_first() {
        let s = set(FWD, &["/a", "/", "/a/b", "/ab", "/a", "/c/d"]);
        assert_eq!(s.len(), 5);
        assert_eq!(s.longest(b"/a/b/c"), Some(2));
        assert_eq!(s.first(b"/a/b/c"), Some(0));
        assert_eq!(s.longest(b"/a/x"), Some(0));
        assert_eq!(s.longest(b"/abc"), Some(3));
        assert_eq!(s.longest(b"/c"), Some(1));
        assert_eq!(s.longest(b"x"), None);
        assert_eq!(s.longest(b""), None);
        let s = set(FWD, &["", "b"]);
        assert_eq!(s.longest(b"a"), Some(0));
        assert_eq!(s.longest(b"bc"), Some(1));
    }

    #[test]
    fn suffixes_folded() {
        let v = View {
            reverse: true,
            fold: true,
        };
        let s = set(v, &[".Example.com", "com", "ample.COM"]);
        assert_eq!(s.first(b"www.example.com"), Some(0));
        assert_eq!(s.longest(b"www.example.com"), Some(0));
        assert_eq!(s.first(b"sample.com"), Some(1));
        assert_eq!(s.longest(b"sample.com"), Some(2));
        assert_eq!(s.first(b"example.org"), None);
    }

    #[test]
    fn networks() {
        let l = Lpm::<u32>::build(
            [
                (0x0a000000, 8, 0),
                (0x0a010000, 16, 1),
                (0x0a010203, 16, 2),
                (0, 0, 3),
            ]
            .into_iter(),
        );
        assert_eq!(l.lookup(0x0a010505), Some((1, 16)));
        assert_eq!(l.lookup(0x0a020505), Some((0, 8)));
        assert_eq!(l.lookup(0x0b000000), Some((3, 0)));
    }
}
