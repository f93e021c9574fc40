//! The pattern layer of ACLs and maps (configuration manual 7.1, HAProxy's
//! `pattern.c`): match methods (`-m str`, `beg`, `ip`...), how each reads its patterns,
//! the structures that make a lookup fast, and the shared, live lists behind them.
//!
//! Vocabulary, as HAProxy's:
//! - a *reference* ([`PatRef`]) is the list of entries (pattern text and, for maps, value
//!   text) read from one file or written inline in one ACL; the runtime API changes it
//!   (`add map`, `set map`, `del map`, `clear map`, `prepare`/`commit`);
//! - an *expression* ([`PatExpr`]) is that list parsed and indexed for one matcher and
//!   flags; the lists of a reference and all its expressions change together;
//! - a *pattern set* ([`PatternSet`]) is what one ACL term or one map converter matches
//!   a sample against: one or more expressions, tried in order.
//!
//! Lookups take no lock: each expression publishes an immutable snapshot through
//! `arc-swap`; writers (configuration loading, the runtime API) take the reference's
//! mutex and swap in a new snapshot of the generation in force. A snapshot is the index
//! of the last full build plus the entries added or set since, indexed apart, so a
//! small change costs the size of the change until the changes outgrow a budget.

mod acl;
mod file;
mod index;
mod parse;
mod prefix;
mod reference;

pub use acl::{parse_acl_patterns, AclSpec};
pub use file::{Disk, FileSource};
pub use parse::SampleData;
pub use reference::{
    Entry, LoadCx, Origin, PatExpr, PatRef, Probe, ProbeHit, RefFlags, Registry, Resolver,
};

use crate::regex::Groups;
use crate::sample::{SmpType, Value};
use arc_swap::Guard;
use std::sync::Arc;

/// HAProxy's match methods (`PAT_MATCH_*`), in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Found,
    Bool,
    Int,
    Ip,
    Bin,
    Len,
    Str,
    Beg,
    Sub,
    Dir,
    Dom,
    End,
    Reg,
    Regm,
}

impl Method {
    pub const ALL: [Method; 14] = [
        Method::Found,
        Method::Bool,
        Method::Int,
        Method::Ip,
        Method::Bin,
        Method::Len,
        Method::Str,
        Method::Beg,
        Method::Sub,
        Method::Dir,
        Method::Dom,
        Method::End,
        Method::Reg,
        Method::Regm,
    ];

    /// The name after `-m`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Found => "found",
            Method::Bool => "bool",
            Method::Int => "int",
            Method::Ip => "ip",
            Method::Bin => "bin",
            Method::Len => "len",
            Method::Str => "str",
            Method::Beg => "beg",
            Method::Sub => "sub",
            Method::Dir => "dir",
            Method::Dom => "dom",
            Method::End => "end",
            Method::Reg => "reg",
            Method::Regm => "regm",
        }
    }

    /// `pat_find_match_name`.
    pub fn by_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The sample type the method works on (`pat_match_types`): the sample is cast to
    /// it before matching.
    pub fn expected_type(self) -> SmpType {
        match self {
            Method::Found | Method::Bool | Method::Int => SmpType::Sint,
            Method::Ip => SmpType::Addr,
            Method::Bin => SmpType::Bin,
            _ => SmpType::Str,
        }
    }

    /// The method HAProxy picks for a fetch of type `t` when the ACL names none.
    pub fn for_type(t: SmpType) -> Option<Method> {
        match t {
            SmpType::Bool => Some(Method::Bool),
            SmpType::Sint => Some(Method::Int),
            SmpType::Addr | SmpType::Ipv4 | SmpType::Ipv6 => Some(Method::Ip),
            SmpType::Str => Some(Method::Str),
            _ => None,
        }
    }
}

/// How pattern text is read: by the method, or by one of the two ACL keywords that bring
/// their own reader (`req.ssl_ver`'s dotted versions, `method`'s HTTP methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parser {
    Method,
    /// `pat_parse_dotted_ver`: `3.1`, ranges and operators of major.minor versions, with
    /// integer matching.
    DottedVersion,
    /// `pat_parse_meth`/`pat_match_meth`: HTTP methods, known ones by number.
    HttpMethod,
}

/// A method and the reader of its patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Matcher {
    pub method: Method,
    pub parser: Parser,
}

impl Matcher {
    pub const fn new(method: Method) -> Matcher {
        Matcher {
            method,
            parser: Parser::Method,
        }
    }

    /// Whether the operators `eq ge gt le lt` apply (integer readers).
    fn takes_operators(self) -> bool {
        self.parser == Parser::DottedVersion
            || self.parser == Parser::Method && matches!(self.method, Method::Int | Method::Len)
    }
}

/// How map values are read (`map_parse_str`, `map_parse_int`, `map_parse_ip`), by the
/// converter's output type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Str,
    Int,
    Addr,
}

/// Matching flags (`PAT_MF_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// `-i`.
    pub icase: bool,
    /// `-n`: host names in `ip` patterns are refused instead of resolved.
    pub no_dns: bool,
}

/// What one ACL term or map matches samples against (HAProxy's `pattern_head`).
#[derive(Clone, Debug)]
pub struct PatternSet {
    matcher: Matcher,
    /// The type samples are cast to before matching.
    expect: SmpType,
    exprs: Vec<Arc<PatExpr>>,
    /// The index a test reads directly while no expression changed since start-up
    /// (filled on first use after the freeze): one expression's whole frozen index, so
    /// that a test follows no pointer it does not need. `None` when the set has several
    /// expressions or its snapshot had entries indexed apart.
    fast: std::sync::OnceLock<Option<Arc<index::Index>>>,
}

impl PatternSet {
    pub(crate) fn with_exprs(
        matcher: Matcher,
        expect: SmpType,
        exprs: Vec<Arc<PatExpr>>,
    ) -> PatternSet {
        PatternSet {
            matcher,
            expect,
            exprs,
            fast: std::sync::OnceLock::new(),
        }
    }

    pub fn matcher(&self) -> Matcher {
        self.matcher
    }

    pub fn expected_type(&self) -> SmpType {
        self.expect
    }

    /// The expressions, in the order they are tried.
    pub fn exprs(&self) -> &[Arc<PatExpr>] {
        &self.exprs
    }

    /// Whether the sample matches (an ACL term's test).
    /// The sample is taken by reference and copied only when it must be cast: ACL
    /// tests run by the hundred per request.
    pub fn matches(&self, v: &Value<'_>) -> bool {
        if self.matcher.method == Method::Found {
            return true;
        }
        let cast;
        // The index reads a boolean as the integer it casts to.
        let as_is = v.is_already(self.expect)
            || (self.expect == SmpType::Sint && matches!(v, Value::Bool(_)));
        let v = if as_is {
            v
        } else {
            match v.clone().cast(self.expect) {
                Some(c) => {
                    cast = c;
                    &cast
                }
                None => return false,
            }
        };
        let mut groups = Groups::default();
        if !reference::FROZEN_STALE.load(std::sync::atomic::Ordering::Acquire) {
            if let Some(ix) = self.fast_index() {
                return ix.lookup(v, &mut groups).is_some();
            }
        }
        self.exprs
            .iter()
            .any(|e| e.with(|s| s.lookup(v, &mut groups)).is_some())
    }

    /// [`PatternSet::fast`], taken once the expressions are frozen.
    fn fast_index(&self) -> Option<&index::Index> {
        if let Some(f) = self.fast.get() {
            return f.as_deref();
        }
        let f = match self.exprs.as_slice() {
            [e] => e.frozen_index()?,
            _ => None,
        };
        self.fast.get_or_init(|| f).as_deref()
    }

    /// Matches `v` as `pattern_exec_match` does: `found` matches any sample; otherwise
    /// the sample is cast to the expected type (no match when it cannot be) and the
    /// expressions are tried in order. The hit gives the map value of the pattern that
    /// matched.
    pub fn match_value<'a>(&self, v: Value<'a>) -> Option<MatchHit<'a>> {
        if self.matcher.method == Method::Found {
            return Some(MatchHit {
                index: None,
                item: 0,
                input: v,
                groups: Groups::default(),
            });
        }
        let v = v.cast(self.expect)?;
        for e in &self.exprs {
            let index = e.load();
            let mut groups = Groups::default();
            if let Some(item) = index.lookup(&v, &mut groups) {
                return Some(MatchHit {
                    index: Some(index),
                    item,
                    input: v,
                    groups,
                });
            }
        }
        None
    }
}

/// A successful match: the sample as matched (cast to the method's type), the pattern
/// and its map value, and for `regm` the groups of the match.
pub struct MatchHit<'a> {
    index: Option<Guard<Arc<index::Snapshot>>>,
    item: u32,
    input: Value<'a>,
    groups: Groups,
}

impl<'a> MatchHit<'a> {
    /// The value stored with the pattern (maps); `None` for ACL patterns.
    pub fn data(&self) -> Option<Value<'_>> {
        self.index
            .as_ref()?
            .item(self.item)?
            .data
            .as_ref()
            .map(SampleData::as_value)
    }

    /// The pattern's text as written (`None` for `found` and `bool`, which match without
    /// a pattern).
    pub fn pattern(&self) -> Option<&[u8]> {
        let it = self.index.as_ref()?.item(self.item)?;
        Some(&it.key)
    }

    /// The sample as it was matched.
    pub fn input(&self) -> &Value<'a> {
        &self.input
    }

    /// The groups of a `regm` match.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }
}

impl std::fmt::Debug for MatchHit<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchHit")
            .field("pattern", &self.pattern().map(String::from_utf8_lossy))
            .field("data", &self.data())
            .finish()
    }
}

#[cfg(test)]
mod tests;
