//! Sample fetches (configuration manual 7.3.2–7.3.6): the table of every fetch keyword,
//! with its arguments, output type and the information it reads (which decides where
//! it may be used), and the functions that read the stream.
//!
//! The catalogue is HAProxy 2.6's: every fetch of its keyword lists is either here,
//! with HAProxy's argument types, output type and sources, or in [`NOT_YET`] with the
//! subsystem it needs (TLS, stick tables, the cache, Lua…), so that using it says "not
//! supported yet" rather than "unknown fetch method". `var` is the variables' own.
//!
//! Families: `internal` (constants, process, scheduling), `l4` (addresses, TCP
//! figures), `proxy` (listener, frontend, backend, server), `conn` (layer 5 without
//! TLS), `payload` and `tls_hello` (layer 6: raw buffered bytes), `url`, `l7_req`,
//! `l7_hdr`, `cookie`, `body`, `auth`, `capture`, `l7_res` (layer 7).

mod auth;
mod body;
mod capture;
mod conn;
mod cookie;
mod hdr;
mod internal;
mod l4;
mod l7_hdr;
mod l7_req;
mod l7_res;
mod not_yet;
mod param;
mod payload;
pub mod place;
mod proxy;
mod tls_hello;
mod url;
mod var;

pub use conn::conn_err_str;
pub(crate) use internal::hostname;

use crate::args::{Arg, ArgSpec, ArgType};
use crate::sample::{SmpType, Value};
use crate::stream::{Dir, Iter, Stream};
use hdr::Fields;
use place::{Src, Uses};
use rampart_h1::{RequestHead, ResponseHead};

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
    proxy::FETCHES,
    conn::FETCHES,
    payload::FETCHES,
    tls_hello::FETCHES,
    url::FETCHES,
    l7_req::FETCHES,
    l7_hdr::FETCHES,
    cookie::FETCHES,
    body::FETCHES,
    auth::FETCHES,
    capture::FETCHES,
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

/// Fetches whose subsystem comes later, by exact name (or by prefix for a name
/// ending in `_`, `.` or `-`), with the subsystem's name for the message.
pub const NOT_YET: &[(&str, &str)] = not_yet::LIST;

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

/// The request head as request fetches see it: only while the rules run on the
/// request (HAProxy's `smp_prefetch_htx` refuses a channel of the other direction).
pub(crate) fn req_head<'a>(s: &Stream<'a>) -> Option<&'a RequestHead> {
    if s.dir == Dir::Req {
        s.req
    } else {
        None
    }
}

/// The response head as response fetches see it: only while the rules run on the
/// response (in TCP mode the orchestrator gives none: HAProxy reads no HTTP response
/// there).
pub(crate) fn res_head<'a>(s: &Stream<'a>) -> Option<&'a ResponseHead> {
    if s.dir == Dir::Res {
        s.res
    } else {
        None
    }
}

/// The header fields of a request: with `:method` and `:path` first in TCP mode, as
/// HAProxy reads a request from a raw buffer.
fn request_fields<'a>(s: &Stream<'a>, h: &'a RequestHead) -> Fields<'a> {
    Fields {
        pseudo: (!s.env.http_mode()).then(|| (h.method_bytes(), h.uri())),
        headers: h.headers(),
    }
}

/// The request's header fields as request fetches see them.
pub(crate) fn req_fields<'a>(s: &Stream<'a>) -> Option<Fields<'a>> {
    Some(request_fields(s, req_head(s)?))
}

/// The response's header fields as response fetches see them.
pub(crate) fn res_fields<'a>(s: &Stream<'a>) -> Option<Fields<'a>> {
    Some(Fields::of(res_head(s)?.headers()))
}

/// The header fields of the message of the rules' direction (`hdr`).
pub(crate) fn msg_fields<'a>(s: &Stream<'a>) -> Option<Fields<'a>> {
    match s.dir {
        Dir::Req => s.req.map(|h| request_fields(s, h)),
        Dir::Res => s.res.map(|h| Fields::of(h.headers())),
    }
}

/// Marks the sample as one more data may change (HAProxy's `SMP_F_MAY_CHANGE`): a
/// `tcp-request content` rule then waits for more data (until `inspect-delay`) rather
/// than deciding. Called where HAProxy sets the flag: incomplete payloads and hellos,
/// `req.len`, `wait_end` before the final pass, random and time values. The iteration
/// state carries it (`Iter::may_change`): an ACL then answers "miss", and a rule set
/// that can wait (`tcp-request content` with `inspect-delay`) waits.
pub(crate) fn may_change(it: &mut Iter) {
    it.may_change = true;
}

/// `tune.bufsize`.
pub(crate) fn bufsize(s: &Stream<'_>) -> usize {
    s.env.bufsize().unwrap_or(16384)
}

/// How many bytes a buffer receives while rules inspect it (`channel_recv_limit`:
/// `tune.bufsize` less the `tune.maxrewrite` reserve).
pub(crate) fn recv_limit(s: &Stream<'_>) -> usize {
    bufsize(s).saturating_sub(s.env.maxrewrite().unwrap_or(1024))
}

#[cfg(test)]
mod tests;
