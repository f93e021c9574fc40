//! The immutable index of one expression: its patterns in file order and the structure
//! that finds the one HAProxy's lookup would return.
//!
//! HAProxy keeps `str` (without `-i`), `beg` (without `-i`) and `ip` networks in trees,
//! where a repeated key answers with its first occurrence and `beg`/`ip` with the longest
//! prefix; every other method walks a list in file order and answers with the first
//! pattern that matches. The structures below return exactly those answers: the tree
//! semantics with hash maps and sorted prefix sets, the list semantics as "smallest
//! index among matching patterns", found with maps, prefix sets or Aho-Corasick once a
//! list is long enough for that to pay.

use super::parse::{Item, Pat};
use super::prefix::{Lpm, PrefixSet, View};
use super::{Flags, Matcher, Method, Parser};
use crate::regex::Groups;
use crate::sample::{Method as MethodValue, Value};
use aho_corasick::AhoCorasick;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// The maps of an index: keys come from the configuration and lookups only probe, so a
/// fast multiplicative hash serves (nothing a client sends can lengthen a probe chain
/// the configuration did not build).
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A word-at-a-time multiplicative hash (rotate, xor, multiply by an odd constant).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    #[inline]
    fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `s` with ASCII letters lowered, on the stack when short.
fn lowered<R>(s: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = [0u8; 128];
    if s.len() <= buf.len() {
        let b = &mut buf[..s.len()];
        b.copy_from_slice(s);
        b.make_ascii_lowercase();
        f(b)
    } else {
        f(&s.to_ascii_lowercase())
    }
}

/// Below this many patterns a list is scanned as HAProxy scans it.
const SCAN_MAX: usize = 8;

/// Marks a match without a pattern (`bool`).
pub(crate) const NO_ITEM: u32 = u32::MAX;

#[derive(Debug)]
pub(crate) struct Index {
    items: Vec<Arc<Item>>,
    how: How,
}

#[derive(Debug)]
enum How {
    /// `bool`: the sample's truth, whatever the patterns.
    Truth,
    /// `int`, `len`, dotted versions: exact values in a map, ranges in a list.
    Ranges {
        exact: HashMap<i64, u32>,
        ranges: Vec<u32>,
        len: bool,
    },
    Ip {
        v4: Lpm<u32>,
        v6: Lpm<u128>,
        /// IPv4 patterns with a mask that is not a prefix, in file order.
        list: Vec<u32>,
    },
    /// `str`, `bin`: equal bytes (ASCII case folded with `fold`).
    Exact {
        map: HashMap<Box<[u8]>, u32>,
        fold: bool,
    },
    /// `beg`: the longest prefix (tree) without `-i`, the first one with it (list);
    /// `end`: the first suffix.
    Prefix { set: PrefixSet, longest: bool },
    /// `sub`.
    Sub(Sub),
    /// `dir`, `dom`: delimited words.
    Words(Words),
    /// `reg`, `regm` (which keeps the groups of the match).
    Regex { groups: bool },
    /// The `method` ACL keyword.
    HttpMethod { fold: bool },
    /// Short lists of strings, scanned: the patterns side by side in one buffer (a
    /// test reads one allocation, not one per pattern). `longest`: the longest match
    /// wins (`beg` without `-i`, as the tree would answer), else the first.
    Scan {
        method: Method,
        fold: bool,
        longest: bool,
        list: ScanList,
    },
}

/// The byte patterns of a short list and their positions in the list.
#[derive(Debug, Default)]
struct ScanList {
    bytes: Box<[u8]>,
    /// (end in `bytes`, position in the list) of each pattern, in list order; each
    /// pattern starts where the previous one ended.
    ends: Box<[(u32, u32)]>,
}

impl ScanList {
    fn of<'i>(pats: impl Iterator<Item = (u32, &'i [u8])>) -> ScanList {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for (i, p) in pats {
            bytes.extend_from_slice(p);
            ends.push((bytes.len() as u32, i));
        }
        ScanList {
            bytes: bytes.into(),
            ends: ends.into(),
        }
    }

    /// Each pattern with its position in the list.
    fn iter(&self) -> impl Iterator<Item = (&[u8], u32)> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&(end, i)| {
            let p = self.bytes.get(start..end as usize).unwrap_or_default();
            start = end as usize;
            (p, i)
        })
    }
}

impl Index {
    pub fn empty() -> Index {
        Index {
            items: Vec::new(),
            how: How::Truth,
        }
    }

    pub fn item(&self, i: u32) -> Option<&Item> {
        self.items.get(i as usize).map(|a| &**a)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Builds the index of `items` (the patterns of the generation in force, in file
    /// order) for matcher `m` with `flags`.
    pub fn build(m: Matcher, flags: Flags, items: Vec<Arc<Item>>) -> Index {
        let fold = flags.icase;
        fn bytes(it: &Item) -> Option<&[u8]> {
            match &*it.pat {
                Pat::Bytes(b) => Some(b),
                _ => None,
            }
        }
        let numbered = || items.iter().enumerate().map(|(i, it)| (i as u32, &**it));
        let how = if m.parser == Parser::HttpMethod {
            How::HttpMethod { fold }
        } else {
            match m.method {
                Method::Found | Method::Bool => How::Truth,
                Method::Int | Method::Len => {
                    let mut exact = HashMap::default();
                    let mut ranges = Vec::new();
                    for (i, it) in numbered() {
                        match *it.pat {
                            Pat::Range(Some(a), Some(b)) if a == b => {
                                exact.entry(a).or_insert(i);
                            }
                            _ => ranges.push(i),
                        }
                    }
                    How::Ranges {
                        exact,
                        ranges,
                        len: m.method == Method::Len,
                    }
                }
                Method::Ip => {
                    let mut list = Vec::new();
                    let mut v4 = Vec::new();
                    let mut v6 = Vec::new();
                    for (i, it) in numbered() {
                        match *it.pat {
                            Pat::V4 { addr, mask }
                                if mask.leading_ones() + mask.trailing_zeros() == 32 =>
                            {
                                v4.push((addr, mask.leading_ones() as u8, i))
                            }
                            Pat::V4 { .. } => list.push(i),
                            Pat::V6 { addr, len } => v6.push((addr, len, i)),
                            _ => {}
                        }
                    }
                    How::Ip {
                        v4: Lpm::build(v4.into_iter()),
                        v6: Lpm::build(v6.into_iter()),
                        list,
                    }
                }
                Method::Str | Method::Bin => {
                    // `bin` compares bytes exactly, even with `-i`.
                    let fold = fold && m.method == Method::Str;
                    let mut map =
                        HashMap::with_capacity_and_hasher(items.len(), Default::default());
                    for (i, it) in numbered() {
                        if let Some(b) = bytes(it) {
                            let k: Box<[u8]> = if fold {
                                b.to_ascii_lowercase().into()
                            } else {
                                b.into()
                            };
                            map.entry(k).or_insert(i);
                        }
                    }
                    How::Exact { map, fold }
                }
                Method::Beg | Method::End if items.len() > SCAN_MAX => {
                    let view = View {
                        reverse: m.method == Method::End,
                        fold,
                    };
                    let set = PrefixSet::build(
                        view,
                        numbered().filter_map(|(i, it)| Some((bytes(it)?, i))),
                    );
                    How::Prefix {
                        set,
                        longest: m.method == Method::Beg && !fold,
                    }
                }
                Method::Sub if items.len() > SCAN_MAX => How::Sub(Sub::build(fold, &items)),
                Method::Dir | Method::Dom if items.len() > SCAN_MAX => {
                    How::Words(Words::build(m.method, fold, &items))
                }
                Method::Reg | Method::Regm => How::Regex {
                    groups: m.method == Method::Regm,
                },
                method => How::Scan {
                    method,
                    fold,
                    longest: method == Method::Beg && !fold,
                    list: ScanList::of(numbered().filter_map(|(i, it)| Some((i, bytes(it)?)))),
                },
            }
        };
        Index { items, how }
    }

    /// The index of the pattern `v` (already cast to the expected type) matches, if any;
    /// `groups` receives a regex match's groups.
    pub fn lookup(&self, v: &Value<'_>, groups: &mut Groups) -> Option<u32> {
        match &self.how {
            How::Truth => match v {
                Value::Sint(i) if *i != 0 => Some(NO_ITEM),
                Value::Bool(true) => Some(NO_ITEM),
                _ => None,
            },
            How::Ranges { exact, ranges, len } => {
                let n = match v {
                    Value::Sint(i) if !len => *i,
                    Value::Bool(b) if !len => i64::from(*b),
                    Value::Str(s) if *len => s.len() as i64,
                    _ => return None,
                };
                let hit = exact.get(&n).copied();
                let first_range = ranges
                    .iter()
                    .copied()
                    .take_while(|&i| hit.is_none_or(|h| i < h))
                    .find(|&i| {
                        matches!(*self.items[i as usize].pat, Pat::Range(lo, hi)
                        if lo.is_none_or(|lo| lo <= n) && hi.is_none_or(|hi| n <= hi))
                    });
                first_range.or(hit)
            }
            How::Ip { .. } => lookup_ip(&[(self, 0)], v),
            How::Exact { map, fold } => {
                let s = bytes_of(v)?;
                if *fold && s.iter().any(u8::is_ascii_uppercase) {
                    lowered(s, |l| map.get(l).copied())
                } else {
                    map.get(s).copied()
                }
            }
            How::Prefix { set, longest } => {
                let s = bytes_of(v)?;
                if *longest {
                    set.longest(s)
                } else {
                    set.first(s)
                }
            }
            How::Sub(sub) => sub.lookup(bytes_of(v)?),
            How::Words(w) => w.lookup(bytes_of(v)?),
            How::Regex { groups: keep } => {
                let s = bytes_of(v)?;
                (0..self.items.len() as u32).find(|&i| match &*self.items[i as usize].pat {
                    Pat::Regex(re) if *keep => re.captures(s, groups),
                    Pat::Regex(re) => re.is_match(s),
                    _ => false,
                })
            }
            How::HttpMethod { fold } => self.lookup_http_method(v, *fold),
            How::Scan {
                method,
                fold,
                longest,
                list,
            } => {
                let s = bytes_of(v)?;
                let mut hits = list
                    .iter()
                    .filter(|(p, _)| scan_match(*method, *fold, p, s));
                if !*longest {
                    return hits.next().map(|(_, i)| i);
                }
                // The longest prefix; the earlier pattern on a tie.
                hits.fold(None, |best: Option<(usize, u32)>, (p, i)| match best {
                    Some((len, _)) if len >= p.len() => best,
                    _ => Some((p.len(), i)),
                })
                .map(|(_, i)| i)
            }
        }
    }

    fn lookup_http_method(&self, v: &Value<'_>, fold: bool) -> Option<u32> {
        let Value::Meth(m) = v else {
            return None;
        };
        (0..self.items.len() as u32).find(|&i| match (&*self.items[i as usize].pat, m) {
            (Pat::Meth(Some(k)), MethodValue::Known(s)) => k == s,
            (Pat::Bytes(p), MethodValue::Other(s)) => eq(fold, p, s),
            _ => false,
        })
    }
}

/// What an expression publishes: the index of its last full build, the entries added
/// since (indexed apart, numbered after the base) and the values set since on entries
/// of the base. Small changes thus cost the size of the change, not of the list; a full
/// build happens when the changes outgrow [`budget`] or an entry is removed.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub base: Arc<Index>,
    /// The identifier of the last entry the base holds.
    pub base_last: u64,
    pub tail: Index,
    pub overrides: HashMap<u32, Arc<Item>>,
}

/// How many changes a snapshot keeps beside a base of `n` patterns.
pub(crate) fn budget(n: usize) -> usize {
    (((n as f64).sqrt() as usize) * 4).max(64)
}

impl Snapshot {
    pub fn full(base: Index, base_last: u64) -> Snapshot {
        Snapshot {
            base: Arc::new(base),
            base_last,
            tail: Index::empty(),
            overrides: HashMap::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.base.len() + self.tail.len()
    }

    pub fn item(&self, pos: u32) -> Option<&Item> {
        let b = self.base.len() as u32;
        if pos < b {
            self.overrides
                .get(&pos)
                .map(|a| &**a)
                .or_else(|| self.base.item(pos))
        } else {
            self.tail.item(pos - b)
        }
    }

    /// As [`Index::lookup`] over the base and the tail together: list methods answer
    /// with the base's match first (the tail's entries come later in the list), trees
    /// with the longest prefix (the base's on a tie).
    pub fn lookup(&self, v: &Value<'_>, groups: &mut Groups) -> Option<u32> {
        if self.tail.items.is_empty() {
            return self.base.lookup(v, groups);
        }
        let b = self.base.len() as u32;
        match &self.base.how {
            How::Ip { .. } => lookup_ip(&[(&self.base, 0), (&self.tail, b)], v),
            How::Prefix { longest: true, .. } | How::Scan { longest: true, .. } => {
                let x = self.base.lookup(v, groups);
                let y = self.tail.lookup(v, groups).map(|j| j.saturating_add(b));
                let len = |i: u32| self.item(i).map_or(0, |it| it.key.len());
                match (x, y) {
                    (Some(i), Some(j)) if len(j) > len(i) => Some(j),
                    (x, y) => x.or(y),
                }
            }
            _ => self
                .base
                .lookup(v, groups)
                .or_else(|| self.tail.lookup(v, groups).map(|j| j.saturating_add(b))),
        }
    }
}

/// HAProxy's `pat_match_ip` over several indexes (a base and the entries added since,
/// numbered after it): an IPv4 sample is looked up in the IPv4 networks, then as
/// `::ffff:a.b.c.d` in the IPv6 ones, then in the list of other masks; an IPv6 sample in
/// the IPv6 networks, then (if it carries an IPv4 address: mapped, compatible, 6to4) in
/// the IPv4 networks and the list. At each stage the longest network wins, the earlier
/// pattern on a tie.
pub(crate) fn lookup_ip(parts: &[(&Index, u32)], v: &Value<'_>) -> Option<u32> {
    fn stage(
        parts: &[(&Index, u32)],
        f: impl Fn(&Lpm<u32>, &Lpm<u128>) -> Option<(u32, u8)>,
    ) -> Option<u32> {
        let mut best: Option<(u32, u8)> = None;
        for (ix, off) in parts {
            if let How::Ip { v4, v6, .. } = &ix.how {
                if let Some((i, len)) = f(v4, v6) {
                    if best.is_none_or(|(_, l)| len > l) {
                        best = Some((i + off, len));
                    }
                }
            }
        }
        best.map(|(i, _)| i)
    }
    let a = match v {
        Value::Ipv4(a) => {
            let a = u32::from(*a);
            let mapped = 0xffff_0000_0000 | u128::from(a);
            if let Some(i) = stage(parts, |v4, _| v4.lookup(a))
                .or_else(|| stage(parts, |_, v6| v6.lookup(mapped)))
            {
                return Some(i);
            }
            a
        }
        Value::Ipv6(a) => {
            let a = u128::from(*a);
            if let Some(i) = stage(parts, |_, v6| v6.lookup(a)) {
                return Some(i);
            }
            let w = a.to_be_bytes();
            let hi64 = u64::from_be_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            let mid = u32::from_be_bytes([w[8], w[9], w[10], w[11]]);
            let a = if hi64 == 0 && (mid == 0 || mid == 0xffff) {
                // ::a.b.c.d and ::ffff:a.b.c.d
                u32::from_be_bytes([w[12], w[13], w[14], w[15]])
            } else if w[0] == 0x20 && w[1] == 0x02 {
                // 6to4: 2002:AABB:CCDD::
                u32::from_be_bytes([w[2], w[3], w[4], w[5]])
            } else {
                return None;
            };
            if let Some(i) = stage(parts, |v4, _| v4.lookup(a)) {
                return Some(i);
            }
            a
        }
        _ => return None,
    };
    parts.iter().find_map(|(ix, off)| {
        let How::Ip { list, .. } = &ix.how else {
            return None;
        };
        list.iter()
            .copied()
            .find(|&i| match *ix.items[i as usize].pat {
                Pat::V4 { addr, mask } => (a ^ addr) & mask == 0,
                _ => false,
            })
            .map(|i| i + off)
    })
}

fn bytes_of<'v>(v: &'v Value<'_>) -> Option<&'v [u8]> {
    match v {
        Value::Str(s) | Value::Bin(s) => Some(s),
        _ => None,
    }
}

fn eq(fold: bool, a: &[u8], b: &[u8]) -> bool {
    if fold {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// One list pattern against one sample, as HAProxy's list walks compare them.
fn scan_match(method: Method, fold: bool, p: &[u8], s: &[u8]) -> bool {
    match method {
        Method::Str => eq(fold, p, s),
        Method::Beg => s.len() >= p.len() && eq(fold, p, &s[..p.len()]),
        Method::End => s.len() >= p.len() && eq(fold, p, &s[s.len() - p.len()..]),
        Method::Sub => contains(fold, s, p),
        Method::Dir | Method::Dom => match_word(s, p, fold, delimiters(method)),
        _ => false,
    }
}

fn contains(fold: bool, s: &[u8], p: &[u8]) -> bool {
    if p.is_empty() {
        // HAProxy compares the sample's bytes with the pattern's terminating NUL.
        return s.contains(&0);
    }
    if fold {
        s.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p))
    } else {
        memchr::memmem::find(s, p).is_some()
    }
}

/// The delimiters of `dir` (`/ ?`) and `dom` (`/ ? . :`).
fn delimiters(method: Method) -> &'static [u8] {
    if method == Method::Dom {
        b"/?.:"
    } else {
        b"/?"
    }
}

/// A pattern without its leading and trailing delimiters.
fn strip<'p>(p: &'p [u8], delims: &[u8]) -> &'p [u8] {
    let start = p
        .iter()
        .position(|c| !delims.contains(c))
        .unwrap_or(p.len());
    let end = p
        .iter()
        .rposition(|c| !delims.contains(c))
        .map_or(start, |e| e + 1);
    &p[start..end]
}

/// HAProxy's `match_word`: the stripped pattern appears in `s` starting where a word
/// starts (at 0 or after a delimiter) and ending at a delimiter or at the end.
fn match_word(s: &[u8], p: &[u8], fold: bool, delims: &[u8]) -> bool {
    let p = strip(p, delims);
    if p.is_empty() {
        return empty_word_matches(s, delims);
    }
    word_starts(s, delims).any(|i| {
        let j = i + p.len();
        j <= s.len() && eq(fold, p, &s[i..j]) && (j == s.len() || delims.contains(&s[j]))
    })
}

/// A pattern made only of delimiters: HAProxy compares the first byte of the sample
/// at a word start with the pattern's terminating NUL, and a sample holds none.
fn empty_word_matches(_s: &[u8], _delims: &[u8]) -> bool {
    false
}

fn word_starts<'s>(s: &'s [u8], delims: &'s [u8]) -> impl Iterator<Item = usize> + 's {
    (0..s.len()).filter(move |&i| !delims.contains(&s[i]) && (i == 0 || delims.contains(&s[i - 1])))
}

/// `sub` over a long list: every occurrence of every pattern, keeping the first pattern.
#[derive(Debug)]
struct Sub {
    ac: Option<AhoCorasick>,
    /// Pattern number in the automaton → index.
    ids: Vec<u32>,
    /// The first empty pattern, if any.
    empty: Option<u32>,
}

impl Sub {
    fn build(fold: bool, items: &[Arc<Item>]) -> Sub {
        let mut ids = Vec::new();
        let mut pats: Vec<&[u8]> = Vec::new();
        let mut empty = None;
        for (i, it) in items.iter().enumerate() {
            if let Pat::Bytes(b) = &*it.pat {
                if b.is_empty() {
                    empty.get_or_insert(i as u32);
                } else {
                    ids.push(i as u32);
                    pats.push(b);
                }
            }
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(fold)
            .build(&pats)
            .ok();
        Sub { ac, ids, empty }
    }

    fn lookup(&self, s: &[u8]) -> Option<u32> {
        let mut best = self.empty.filter(|_| s.contains(&0));
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(s) {
                let i = self.ids[m.pattern().as_usize()];
                if best.is_none_or(|b| i < b) {
                    best = Some(i);
                    if i == 0 {
                        break;
                    }
                }
            }
        }
        best
    }
}

/// `dir`/`dom` over a long list: the stripped patterns in a map, probed at each word
/// start for each pattern length in use.
#[derive(Debug)]
struct Words {
    delims: &'static [u8],
    fold: bool,
    map: HashMap<Box<[u8]>, u32>,
    lens: Vec<usize>,
    empty: Option<u32>,
}

impl Words {
    fn build(method: Method, fold: bool, items: &[Arc<Item>]) -> Words {
        let delims = delimiters(method);
        let mut map = HashMap::default();
        let mut empty = None;
        for (i, it) in items.iter().enumerate() {
            if let Pat::Bytes(b) = &*it.pat {
                let p = strip(b, delims);
                if p.is_empty() {
                    empty.get_or_insert(i as u32);
                    continue;
                }
                let k: Box<[u8]> = if fold {
                    p.to_ascii_lowercase().into()
                } else {
                    p.into()
                };
                map.entry(k).or_insert(i as u32);
            }
        }
        let mut lens: Vec<usize> = map.keys().map(|k| k.len()).collect();
        lens.sort_unstable();
        lens.dedup();
        Words {
            delims,
            fold,
            map,
            lens,
            empty,
        }
    }

    fn lookup(&self, s: &[u8]) -> Option<u32> {
        let mut best = self.empty.filter(|_| empty_word_matches(s, self.delims));
        let mut buf = Vec::new();
        for i in word_starts(s, self.delims) {
            for &l in &self.lens {
                let j = i + l;
                if j > s.len() {
                    break;
                }
                if j < s.len() && !self.delims.contains(&s[j]) {
                    continue;
                }
                let w = &s[i..j];
                let hit = if self.fold && w.iter().any(u8::is_ascii_uppercase) {
                    buf.clear();
                    buf.extend(w.iter().map(u8::to_ascii_lowercase));
                    self.map.get(&buf[..])
                } else {
                    self.map.get(w)
                };
                if let Some(&k) = hit {
                    if best.is_none_or(|b| k < b) {
                        best = Some(k);
                    }
                }
            }
        }
        best
    }
}
