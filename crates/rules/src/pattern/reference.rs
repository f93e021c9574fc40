//! Pattern references (HAProxy's `pat_ref`): the entries of one file, or of one ACL's
//! inline patterns, shared by every expression that uses them, and changed at run time
//! by the runtime API. The registry of all references is HAProxy's
//! `pattern_reference` list, with its unique ids (`#N` on the runtime API).
//!
//! Writers take the reference's mutex, change its entries, and publish a new index for
//! each expression (only when the generation in force changed: entries added to a
//! prepared generation cost nothing until `commit`). Readers only load the published
//! index.

use super::file::{parse_lines, FileSource};
use super::index::{budget, Index, Snapshot};
use super::parse::{parse, Item, SampleData};
use super::{Flags, Matcher, ValueKind};
use crate::sample::{SmpType, Value};
use arc_swap::{ArcSwap, Guard};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

pub use super::parse::Resolver;

/// Where a configuration line is, for the messages and the `show map` descriptions.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub file: &'a str,
    pub line: u32,
}

/// What loading patterns from the configuration needs.
pub struct LoadCx<'a> {
    pub registry: &'a mut Registry,
    pub files: &'a dyn FileSource,
    pub origin: Origin<'a>,
    /// Resolves host names in `ip` patterns (HAProxy does at start-up, without `-n`).
    /// Without it a host name is refused with a message saying so.
    pub resolver: Option<Resolver<'a>>,
    /// `tune.bufsize`: HAProxy reads pattern files line by line into such a buffer.
    pub bufsize: usize,
    /// `proc.` variables the expressions name (fetch and converter arguments):
    /// HAProxy creates them, unset, while it reads the configuration.
    pub proc_vars: Vec<crate::vars::VarRef>,
}

/// `PAT_REF_*`: who uses a reference, and whether its entries carry values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefFlags {
    pub map: bool,
    pub acl: bool,
    /// Two-column entries (`PAT_REF_SMP`).
    pub smp: bool,
}

/// An entry as the runtime API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Stable identifier of the entry (HAProxy shows its address).
    pub id: u64,
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
    pub generation: u32,
}

/// Set when the runtime API changes an expression frozen at start-up: from then on, ACL
/// tests stop reading the indexes they took from the frozen snapshots
/// (`PatternSet::matches`) and ask each expression for its snapshot in force.
pub(crate) static FROZEN_STALE: AtomicBool = AtomicBool::new(false);

/// One expression: a reference's entries parsed and indexed for one matcher, flags and
/// value type (HAProxy's `pattern_expr`).
#[derive(Debug)]
pub struct PatExpr {
    matcher: Matcher,
    flags: Flags,
    value: Option<ValueKind>,
    current: ArcSwap<Snapshot>,
    /// The snapshot in force when the configuration was loaded ([`Registry::finalize`]),
    /// read with a plain load until the runtime API changes the expression: ACL tests
    /// run by the hundred per request, and the swap's bookkeeping would cost more than
    /// most matches. It is kept after a change (one snapshot's worth of memory).
    frozen: OnceLock<Arc<Snapshot>>,
    /// The expression changed since `frozen` was taken (or was never frozen).
    changed: AtomicBool,
}

impl PatExpr {
    pub(crate) fn load(&self) -> Guard<Arc<Snapshot>> {
        self.current.load()
    }

    /// Calls `f` with the snapshot in force.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Snapshot) -> R) -> R {
        if !self.changed.load(Ordering::Acquire) {
            if let Some(s) = self.frozen.get() {
                return f(s);
            }
        }
        f(&self.current.load())
    }

    /// Publishes `s` as the snapshot in force.
    fn publish(&self, s: Snapshot) {
        self.current.store(Arc::new(s));
        self.changed.store(true, Ordering::Release);
        if self.frozen.get().is_some() {
            FROZEN_STALE.store(true, Ordering::Release);
        }
    }

    /// The index of the snapshot frozen at start-up, when it is the whole of it (no
    /// entries indexed apart since its base was built); `None` before the freeze.
    pub(crate) fn frozen_index(&self) -> Option<Option<Arc<Index>>> {
        let s = self.frozen.get()?;
        Some((s.tail.len() == 0).then(|| s.base.clone()))
    }

    /// Takes the snapshot in force as the frozen one (once, when the configuration is
    /// loaded).
    fn freeze(&self) {
        if self.frozen.set(self.current.load_full()).is_ok() {
            self.changed.store(false, Ordering::Release);
        }
    }

    pub fn matcher(&self) -> Matcher {
        self.matcher
    }

    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// How many patterns are in force.
    pub fn len(&self) -> usize {
        self.current.load().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the runtime API's `get map` / `get acl` report for this expression: the
    /// text `s` taken as a string sample, cast to the method's type and matched.
    pub fn probe(&self, s: &[u8]) -> Probe {
        use super::{Method, Parser};
        let m = self.matcher.method;
        let hit = if m == Method::Found || self.matcher.parser != Parser::Method {
            None
        } else {
            Value::Str(std::borrow::Cow::Borrowed(s))
                .cast(m.expected_type())
                .and_then(|v| {
                    self.with(|snap| {
                        let mut groups = crate::regex::Groups::default();
                        let i = snap.lookup(&v, &mut groups)?;
                        let it = snap.item(i)?;
                        // HAProxy's indexes: trees for exact strings, prefixes
                        // (both without -i) and IP networks, lists otherwise.
                        let tree = match m {
                            Method::Str | Method::Beg => !self.flags.icase,
                            Method::Ip => true,
                            _ => false,
                        };
                        Some(ProbeHit {
                            tree,
                            key: it.key.to_vec(),
                            value: it.data.as_ref().map(|d| {
                                let v = d.as_value();
                                let ty = match v {
                                    Value::Sint(_) => "sint",
                                    Value::Ipv4(_) => "ipv4",
                                    Value::Ipv6(_) => "ipv6",
                                    _ => "str",
                                };
                                let text = match v.cast(SmpType::Str) {
                                    Some(Value::Str(t)) => t.into_owned(),
                                    _ => Vec::new(),
                                };
                                (text, ty)
                            }),
                        })
                    })
                })
        };
        Probe {
            method: m.name(),
            icase: self.flags.icase,
            hit,
        }
    }
}

/// What [`PatExpr::probe`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The match method's name (`str`, `beg`, `ip`...).
    pub method: &'static str,
    pub icase: bool,
    pub hit: Option<ProbeHit>,
}

/// The pattern a probe matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeHit {
    /// HAProxy would have found it in a tree (`idx=tree`), not a list.
    pub tree: bool,
    pub key: Vec<u8>,
    /// The map value as text, and its type's name.
    pub value: Option<(Vec<u8>, &'static str)>,
}

/// A new entry id, unique in the process (the runtime API names entries by it, as
/// HAProxy names them by address).
fn next_entry_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct EntryRec {
    id: u64,
    key: Box<[u8]>,
    value: Option<Box<[u8]>>,
    gen: u32,
    line: u32,
    /// The entry parsed for each expression, in the order of `RefState::exprs`.
    items: Vec<Arc<Item>>,
}

struct RefState {
    flags: RefFlags,
    display: String,
    entries: Vec<EntryRec>,
    exprs: Vec<Arc<PatExpr>>,
    curr_gen: u32,
    next_gen: u32,
}

/// A pattern reference.
pub struct PatRef {
    name: Option<String>,
    unique_id: std::sync::atomic::AtomicI32,
    state: Mutex<RefState>,
}

impl std::fmt::Debug for PatRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatRef")
            .field("name", &self.name)
            .field("unique_id", &self.unique_id())
            .finish()
    }
}

fn item(
    e: &PatExpr,
    key: &[u8],
    value: Option<&[u8]>,
    resolve: Option<Resolver<'_>>,
) -> Result<Arc<Item>, String> {
    // HAProxy reads the value first: a bad value is reported before a bad key.
    let data = match (value, e.value) {
        (Some(v), Some(kind)) => Some(SampleData::parse(kind, v)?),
        _ => None,
    };
    let pat = parse(key, e.matcher, e.flags, resolve)?;
    Ok(Arc::new(Item {
        key: key.into(),
        pat: Arc::new(pat),
        data,
    }))
}

impl PatRef {
    fn new(name: Option<String>, unique_id: i32, flags: RefFlags, display: String) -> PatRef {
        PatRef {
            name,
            unique_id: unique_id.into(),
            state: Mutex::new(RefState {
                flags,
                display,
                entries: Vec::new(),
                exprs: Vec::new(),
                curr_gen: 0,
                next_gen: 0,
            }),
        }
    }

    /// Rebuilds every expression from scratch (tests compare it with the incremental
    /// publications).
    #[cfg(test)]
    pub(crate) fn rebuild(&self) {
        self.lock().publish();
    }

    /// Holds the writers' lock (tests show that lookups never take it).
    #[cfg(test)]
    pub(crate) fn hold(&self) -> MutexGuard<'_, impl Sized> {
        self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, RefState> {
        // A writer that panicked left entries consistent (each change is applied whole
        // before publishing), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The file name (`None` for an ACL's inline patterns).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The unique id (`-u`, or assigned by [`Registry::finalize`]); -1 before that.
    pub fn unique_id(&self) -> i32 {
        self.unique_id.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The description `show map`/`show acl` print.
    pub fn display(&self) -> String {
        self.lock().display.clone()
    }

    pub fn flags(&self) -> RefFlags {
        self.lock().flags
    }

    /// The generation in force.
    pub fn curr_gen(&self) -> u32 {
        self.lock().curr_gen
    }

    /// The last generation handed out by [`PatRef::prepare`].
    pub fn next_gen(&self) -> u32 {
        self.lock().next_gen
    }

    /// The expressions built on this reference.
    pub fn exprs(&self) -> Vec<Arc<PatExpr>> {
        self.lock().exprs.clone()
    }

    /// How many entries the reference holds, every generation counted
    /// (`entry_cnt`).
    pub fn entry_count(&self) -> usize {
        self.lock().entries.len()
    }

    /// The entries of generation `gen` (the one in force by default), in order.
    pub fn entries(&self, gen: Option<u32>) -> Vec<Entry> {
        let st = self.lock();
        let gen = gen.unwrap_or(st.curr_gen);
        st.entries
            .iter()
            .filter(|e| e.gen == gen)
            .map(|e| Entry {
                id: e.id,
                key: e.key.to_vec(),
                value: e.value.as_deref().map(<[u8]>::to_vec),
                generation: e.gen,
            })
            .collect()
    }

    /// Adds an entry to the generation in force (`add map`/`add acl`). Every expression
    /// must accept it, or nothing changes and the first error is returned.
    pub fn add(&self, key: &[u8], value: Option<&[u8]>) -> Result<u64, String> {
        let mut st = self.lock();
        let gen = st.curr_gen;
        let id = st.append(key, value, gen, 0, None)?;
        st.publish_appended();
        Ok(id)
    }

    /// Adds an entry to generation `gen` (`add map @gen`); it is matched once `gen` is
    /// committed. The caller checks that `gen` is not in the future
    /// ([`PatRef::next_gen`]).
    pub fn add_at(&self, gen: u32, key: &[u8], value: Option<&[u8]>) -> Result<u64, String> {
        let mut st = self.lock();
        let id = st.append(key, value, gen, 0, None)?;
        if gen == st.curr_gen {
            st.publish_appended();
        }
        Ok(id)
    }

    /// Adds several entries to the generation in force with one publication; stops at the
    /// first refused one (those before it stay).
    pub fn add_many<'k>(
        &self,
        entries: impl IntoIterator<Item = (&'k [u8], Option<&'k [u8]>)>,
    ) -> Result<(), String> {
        let mut st = self.lock();
        let gen = st.curr_gen;
        let mut res = Ok(());
        for (k, v) in entries {
            if let Err(e) = st.append(k, v, gen, 0, None) {
                res = Err(e);
                break;
            }
        }
        st.publish_appended();
        res
    }

    /// Sets the value of every entry whose pattern is `key` (`set map`), in every
    /// generation. Errors: `entry not found`, or `unable to parse '<value>'` when an
    /// expression's value type refuses it (nothing changes then; HAProxy's CLI reports
    /// nothing in that case).
    pub fn set(&self, key: &[u8], value: &[u8]) -> Result<(), String> {
        self.set_where(|e| &*e.key == key, value, "entry not found")
    }

    /// Sets the value of the entry with identifier `id`.
    pub fn set_by_id(&self, id: u64, value: &[u8]) -> Result<(), String> {
        self.set_where(|e| e.id == id, value, "key or pattern not found")
    }

    fn set_where(
        &self,
        pick: impl Fn(&EntryRec) -> bool,
        value: &[u8],
        missing: &str,
    ) -> Result<(), String> {
        let mut st = self.lock();
        if !st.entries.iter().any(&pick) {
            return Err(missing.to_string());
        }
        let datas: Vec<Option<SampleData>> = st
            .exprs
            .iter()
            .map(|e| e.value.map(|k| SampleData::parse(k, value)).transpose())
            .collect::<Result<_, _>>()?;
        let mut changed = Vec::new();
        let curr = st.curr_gen;
        for e in st.entries.iter_mut().filter(|e| pick(e)) {
            e.value = Some(value.into());
            for (it, d) in e.items.iter_mut().zip(&datas) {
                *it = Arc::new(Item {
                    key: it.key.clone(),
                    pat: it.pat.clone(),
                    data: d.clone(),
                });
            }
            if e.gen == curr {
                changed.push(e.id);
            }
        }
        if !changed.is_empty() {
            st.publish_set(&changed);
        }
        Ok(())
    }

    /// Whether some entry has the pattern `key`, in any generation
    /// (`pat_ref_find_elt`, as `add-acl` and `set-map` ask).
    pub fn contains(&self, key: &[u8]) -> bool {
        self.lock().entries.iter().any(|e| &*e.key == key)
    }

    /// Deletes every entry whose pattern is `key` (`del map`), in every generation;
    /// whether there was one.
    pub fn del(&self, key: &[u8]) -> bool {
        self.remove_where(|e| &*e.key == key)
    }

    /// Deletes the entry with identifier `id`.
    pub fn del_by_id(&self, id: u64) -> bool {
        self.remove_where(|e| e.id == id)
    }

    /// Deletes the entries of the generation in force (`clear map`).
    pub fn clear(&self) {
        let gen = self.curr_gen();
        self.clear_gen(gen);
    }

    /// Deletes the entries of generation `gen` (`clear map @gen`).
    pub fn clear_gen(&self, gen: u32) {
        self.remove_where(|e| e.gen == gen);
    }

    fn remove_where(&self, pick: impl Fn(&EntryRec) -> bool) -> bool {
        let mut st = self.lock();
        let curr = st.curr_gen;
        let mut found = false;
        let mut visible = false;
        st.entries.retain(|e| {
            let hit = pick(e);
            found |= hit;
            visible |= hit && e.gen == curr;
            !hit
        });
        if visible {
            st.publish();
        }
        found
    }

    /// Opens a new generation (`prepare map`) and returns its number.
    pub fn prepare(&self) -> u32 {
        let mut st = self.lock();
        st.next_gen = st.next_gen.wrapping_add(1);
        st.next_gen
    }

    /// Makes generation `gen` the one in force and deletes the older ones (`commit
    /// map @gen`); `false` when `gen` was not prepared ("Version number out of range").
    pub fn commit(&self, gen: u32) -> bool {
        let mut st = self.lock();
        let (curr, next) = (st.curr_gen, st.next_gen);
        if gen.wrapping_sub(curr.wrapping_add(1)) >= next.wrapping_sub(curr) {
            return false;
        }
        if (gen.wrapping_sub(curr) as i32) > 0 {
            st.curr_gen = gen;
        }
        if st.curr_gen != gen {
            return false;
        }
        // Purge the half of the generation space that precedes `gen`.
        let to = gen.wrapping_sub(1);
        let from = to.wrapping_sub(u32::MAX >> 1);
        st.entries
            .retain(|e| e.gen.wrapping_sub(from) > to.wrapping_sub(from));
        st.publish();
        true
    }

    /// The expression of this reference for (`m`, `flags`, `value`), created and filled
    /// when it does not exist yet (`pattern_new_expr` then `pat_ref_push` of every
    /// entry). Errors name the file line of the entry that failed.
    pub(crate) fn expr(
        &self,
        m: Matcher,
        flags: Flags,
        value: Option<ValueKind>,
        resolve: Option<Resolver<'_>>,
    ) -> Result<Arc<PatExpr>, String> {
        let mut st = self.lock();
        if let Some(e) = st
            .exprs
            .iter()
            .find(|e| e.matcher == m && e.flags == flags && e.value == value)
        {
            return Ok(e.clone());
        }
        let expr = Arc::new(PatExpr {
            matcher: m,
            flags,
            value,
            current: ArcSwap::from_pointee(Snapshot::full(Index::empty(), 0)),
            frozen: OnceLock::new(),
            changed: AtomicBool::new(true),
        });
        let mut items = Vec::with_capacity(st.entries.len());
        for e in &st.entries {
            match item(&expr, &e.key, e.value.as_deref(), resolve) {
                Ok(it) => items.push(it),
                Err(msg) if e.line > 0 => {
                    return Err(format!(
                        "{msg} at line {} of file '{}'",
                        e.line,
                        self.name.as_deref().unwrap_or_default()
                    ))
                }
                Err(msg) => return Err(msg),
            }
        }
        for (e, it) in st.entries.iter_mut().zip(items) {
            e.items.push(it);
        }
        st.exprs.push(expr.clone());
        st.publish_one(st.exprs.len() - 1);
        Ok(expr)
    }

    /// Adds a configuration-time entry (inline ACL pattern, or a file line) to the
    /// generation in force.
    pub(crate) fn load(
        &self,
        key: &[u8],
        value: Option<&[u8]>,
        line: u32,
        resolve: Option<Resolver<'_>>,
    ) -> Result<(), String> {
        let mut st = self.lock();
        let gen = st.curr_gen;
        st.append(key, value, gen, line, resolve)?;
        st.publish_appended();
        Ok(())
    }

    /// Appends file lines before any expression exists (nothing to parse yet).
    fn fill(&self, lines: Vec<super::file::Line<'_>>) {
        let mut st = self.lock();
        let gen = st.curr_gen;
        for l in lines {
            let id = next_entry_id();
            st.entries.push(EntryRec {
                id,
                key: l.key.into(),
                value: l.value.map(Into::into),
                gen,
                line: l.line,
                items: Vec::new(),
            });
        }
    }
}

impl RefState {
    /// `pat_ref_load`: appends the entry and parses it for every expression; on error
    /// nothing is kept.
    fn append(
        &mut self,
        key: &[u8],
        value: Option<&[u8]>,
        gen: u32,
        line: u32,
        resolve: Option<Resolver<'_>>,
    ) -> Result<u64, String> {
        let items = self
            .exprs
            .iter()
            .map(|e| item(e, key, value, resolve))
            .collect::<Result<Vec<_>, _>>()?;
        let id = next_entry_id();
        self.entries.push(EntryRec {
            id,
            key: key.into(),
            value: value.map(Into::into),
            gen,
            line,
            items,
        });
        Ok(id)
    }

    /// Rebuilds and swaps in the index of every expression.
    fn publish(&self) {
        for k in 0..self.exprs.len() {
            self.publish_one(k);
        }
    }

    /// The full build of expression `k` from the entries in force.
    fn publish_one(&self, k: usize) {
        let e = &self.exprs[k];
        let items: Vec<Arc<Item>> = self
            .entries
            .iter()
            .filter(|r| r.gen == self.curr_gen)
            .filter_map(|r| r.items.get(k).cloned())
            .collect();
        let last = self.entries.last().map_or(0, |r| r.id);
        let index = Index::build(e.matcher, e.flags, items);
        e.publish(Snapshot::full(index, last));
    }

    /// The entries in force added after each expression's base: indexed apart, unless
    /// they outgrew the budget.
    fn publish_appended(&self) {
        for (k, e) in self.exprs.iter().enumerate() {
            let cur = e.current.load();
            let tail: Vec<Arc<Item>> = self
                .entries
                .iter()
                .rev()
                .take_while(|r| r.id > cur.base_last)
                .filter(|r| r.gen == self.curr_gen)
                .filter_map(|r| r.items.get(k).cloned())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if tail.len() > budget(cur.base.len()) {
                self.publish_one(k);
                continue;
            }
            let next = Snapshot {
                base: cur.base.clone(),
                base_last: cur.base_last,
                tail: Index::build(e.matcher, e.flags, tail),
                overrides: cur.overrides.clone(),
            };
            e.publish(next);
        }
    }

    /// New values on the entries `ids` (in force): entries of a base are overridden,
    /// later ones re-indexed with the tail.
    fn publish_set(&self, ids: &[u64]) {
        for (k, e) in self.exprs.iter().enumerate() {
            let cur = e.current.load();
            let mut overrides = cur.overrides.clone();
            let mut pos = 0u32;
            for r in self.entries.iter().take_while(|r| r.id <= cur.base_last) {
                if r.gen != self.curr_gen {
                    continue;
                }
                if ids.contains(&r.id) {
                    if let Some(it) = r.items.get(k) {
                        overrides.insert(pos, it.clone());
                    }
                }
                pos += 1;
            }
            if overrides.len() > budget(cur.base.len()) {
                self.publish_one(k);
                continue;
            }
            let next = Snapshot {
                base: cur.base.clone(),
                base_last: cur.base_last,
                tail: Index::empty(),
                overrides,
            };
            e.publish(next);
        }
        // The tail (if any) is rebuilt with its new values.
        self.publish_appended();
    }
}

/// Every reference of the configuration (HAProxy's `pattern_reference`).
#[derive(Debug, Default)]
pub struct Registry {
    refs: Vec<Arc<PatRef>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The references, in creation order (sorted by unique id after
    /// [`Registry::finalize`]).
    pub fn refs(&self) -> &[Arc<PatRef>] {
        &self.refs
    }

    /// The reference of file `name` (`pat_ref_lookup`).
    pub fn lookup(&self, name: &str) -> Option<&Arc<PatRef>> {
        self.refs.iter().find(|r| r.name() == Some(name))
    }

    /// The reference with unique id `id` (`pat_ref_lookupid`).
    pub fn lookup_id(&self, id: i32) -> Option<&Arc<PatRef>> {
        self.refs.iter().find(|r| r.unique_id() == id)
    }

    /// `#<id>` or a file name, as the runtime API names references.
    pub fn lookup_ref(&self, s: &str) -> Option<&Arc<PatRef>> {
        match s.strip_prefix('#') {
            Some(n) => self.lookup_id(n.parse().ok()?),
            None => self.lookup(s),
        }
    }

    /// A reference for an ACL's inline patterns (`pat_ref_newid`).
    pub(crate) fn new_inline(&mut self, unique_id: i32, display: String) -> Arc<PatRef> {
        let flags = RefFlags {
            acl: true,
            ..RefFlags::default()
        };
        let r = Arc::new(PatRef::new(None, unique_id, flags, display));
        self.refs.push(r.clone());
        r
    }

    /// The reference of file `name`, read when first named (`pattern_read_from_file`):
    /// a file is read once however many ACLs and maps use it, and must always be used
    /// with the same number of columns.
    pub(crate) fn file(
        &mut self,
        files: &dyn FileSource,
        name: &str,
        two_columns: bool,
        users: RefFlags,
        origin: Origin<'_>,
        bufsize: usize,
    ) -> Result<Arc<PatRef>, String> {
        let by = if users.map { "map" } else { "acl" };
        if let Some(r) = self.lookup(name).cloned() {
            let mut st = r.lock();
            if two_columns && !st.flags.smp {
                return Err(format!(
                    "The file \"{name}\" is already used as one column file and cannot be used by as two column file."
                ));
            }
            if !two_columns && st.flags.smp {
                return Err(format!(
                    "The file \"{name}\" is already used as two column file and cannot be used by as one column file."
                ));
            }
            st.display = format!(
                "{}, by {by} at file '{}' line {}",
                st.display, origin.file, origin.line
            );
            st.flags.map |= users.map;
            st.flags.acl |= users.acl;
            drop(st);
            return Ok(r);
        }
        let display = format!(
            "pattern loaded from file '{name}' used by {by} at file '{}' line {}",
            origin.file, origin.line
        );
        let flags = RefFlags {
            smp: two_columns,
            ..users
        };
        let r = Arc::new(PatRef::new(Some(name.to_string()), -1, flags, display));
        // HAProxy registers the reference before reading the file.
        self.refs.push(r.clone());
        let data = files.read(name)?;
        r.fill(parse_lines(&data, two_columns, bufsize));
        Ok(r)
    }

    /// Gives every reference without `-u` the smallest free id, in creation order, and
    /// sorts the list by id (`pattern_finalize_config`).
    pub fn finalize(&mut self) {
        let taken: std::collections::BTreeSet<i32> = self
            .refs
            .iter()
            .map(|r| r.unique_id())
            .filter(|&id| id != -1)
            .collect();
        let mut next = 0;
        for r in &self.refs {
            if r.unique_id() == -1 {
                while taken.contains(&next) {
                    next += 1;
                }
                r.unique_id
                    .store(next, std::sync::atomic::Ordering::Relaxed);
                next += 1;
            }
        }
        self.refs.sort_by_key(|r| r.unique_id());
        // Each expression is frozen whole: entries indexed apart while the
        // configuration was read (inline patterns come one by one) join its base.
        for r in &self.refs {
            let st = r.lock();
            for (k, e) in st.exprs.iter().enumerate() {
                if e.current.load().tail.len() > 0 {
                    st.publish_one(k);
                }
                e.freeze();
            }
        }
    }
}
