//! Sample fetches (configuration manual 7.3.2–7.3.6): the table of every fetch keyword,
//! with its arguments, output type and the information it reads (which decides where
//! it may be used), and the functions that read the stream.
//!
//! Fetches of subsystems that do not exist yet (TLS, stick counters, cache, Lua) are
//! listed in [`NOT_YET`] so that using them says "not supported yet" rather than
//! "unknown fetch method".

mod hdr;
mod internal;
mod l4;
mod l7_req;
mod l7_res;
pub mod place;
mod var;

use crate::args::{Arg, ArgSpec, ArgType};
use crate::sample::{SmpType, Value};
use crate::stream::{Iter, Stream};
use place::{Src, Uses};

/// A fetch: reads the stream with its arguments; `None` when the sample does not
/// exist (HAProxy's fetch returning 0).
pub type FetchFn = for<'a> fn(&Stream<'a>, &'a [Arg], &mut Iter) -> Option<Value<'a>>;

/// A fetch's configuration-time check of its parsed arguments (`val_args`).
pub type CheckFn = fn(&mut [Arg]) -> Result<(), String>;

/// One fetch keyword.
#[derive(Clone, Copy)]
pub struct FetchDef {
    pub name: &'static str,
    pub args: ArgSpec,
    pub output: SmpType,
    pub uses: Uses,
    pub f: FetchFn,
    pub check: Option<CheckFn>,
}

impl std::fmt::Debug for FetchDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchDef")
            .field("name", &self.name)
            .finish()
    }
}

/// Shorthand for the tables of the submodules.
pub(crate) const fn def(
    name: &'static str,
    args: ArgSpec,
    output: SmpType,
    uses: Uses,
    f: FetchFn,
) -> FetchDef {
    FetchDef {
        name,
        args,
        output,
        uses,
        f,
        check: None,
    }
}

pub(crate) const fn spec(types: &'static [ArgType], min: usize) -> ArgSpec {
    ArgSpec { types, min }
}

pub(crate) const fn uses(srcs: &[Src]) -> Uses {
    Uses::of(srcs)
}

/// The tables of each family, searched in order.
const TABLES: &[&[FetchDef]] = &[
    internal::FETCHES,
    l4::FETCHES,
    l7_req::FETCHES,
    l7_res::FETCHES,
    var::FETCHES,
];

/// The fetch named `name`.
pub fn find(name: &str) -> Option<&'static FetchDef> {
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|d| d.name == name)
}

/// Every fetch keyword known and implemented.
pub fn all() -> impl Iterator<Item = &'static FetchDef> {
    TABLES.iter().flat_map(|t| t.iter())
}

/// Fetch families whose subsystem comes later, by name prefix or exact name, with the
/// subsystem's name for the message.
pub const NOT_YET: &[(&str, &str)] = &[
    ("ssl_", "TLS"),
    ("sc_", "stick tables"),
    ("sc0_", "stick tables"),
    ("sc1_", "stick tables"),
    ("sc2_", "stick tables"),
    ("src_", "stick tables"),
    ("table_", "stick tables"),
    ("lua.", "Lua"),
    ("res.cache_", "the cache"),
    ("quic_", "QUIC"),
    ("51d.", "51Degrees"),
    ("da-csv-conv", "DeviceAtlas"),
    ("wurfl-", "WURFL"),
    ("req.ssl_", "TLS"),
    ("distcc_", "distcc"),
];

/// The subsystem a known-but-unimplemented fetch needs, if `name` is one.
pub fn not_yet(name: &str) -> Option<&'static str> {
    // `src_port`, `src_is_local` are implemented: look up the table first.
    if find(name).is_some() {
        return None;
    }
    NOT_YET
        .iter()
        .find(|(p, _)| {
            if p.ends_with(['_', '.', '-']) {
                name.starts_with(p)
            } else {
                name == *p
            }
        })
        .map(|(_, s)| *s)
}

/// The string argument at `i` (empty when absent).
pub(crate) fn str_arg(args: &[Arg], i: usize) -> &[u8] {
    match args.get(i) {
        Some(Arg::Str(s)) => s.as_bytes(),
        _ => b"",
    }
}

/// The integer argument at `i`, if present.
pub(crate) fn int_arg(args: &[Arg], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(Arg::Sint(n)) => Some(*n),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
