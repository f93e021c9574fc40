//! Request-target fetches (manual 7.3.6): `url`, `path`, `query`, the `base` family
//! (first `Host` value and path), their 32-bit hashes alone or followed by the client
//! address, the address and port of an absolute `http://` target, and query-string
//! parameters.

use super::l4::ip;
use super::l7_hdr::{strl2ic, url2ipv4};
use super::place::{Src, Uses};
use super::{def, param, req_head, spec, uses, FetchDef, FetchFn};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::Stream;
use rampart_h1::uri::path_of;
use rampart_h1::RequestHead;
use std::borrow::Cow;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const PARAM: crate::args::ArgSpec = spec(&[A::Str, A::Str], 0);

pub(super) static FETCHES: &[FetchDef] = &[
    def("url", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        Some(Value::str(req_head(s)?.uri()))
    }),
    def("path", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        path(req_head(s)?, false).map(Value::str)
    }),
    def("pathq", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        path(req_head(s)?, true).map(Value::str)
    }),
    def("query", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        let u = req_head(s)?.uri();
        let q = u.iter().position(|&c| c == b'?')?;
        Some(Value::str(&u[q + 1..]))
    }),
    def("base", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        base(s, false)
    }),
    def("baseq", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        base(s, true)
    }),
    def("base32", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        Some(Value::Sint(i64::from(base32(req_head(s)?))))
    }),
    def("base32+src", spec(&[], 0), T::Bin, HRQHV, |s, _, _| {
        with_src(s, base32(req_head(s)?))
    }),
    def("url32", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        Some(Value::Sint(i64::from(url32(req_head(s)?))))
    }),
    def("url32+src", spec(&[], 0), T::Bin, HRQHV, |s, _, _| {
        with_src(s, url32(req_head(s)?))
    }),
    def("url_ip", spec(&[], 0), T::Ipv4, HRQHV, |s, _, _| {
        let (a, _) = url2sa(req_head(s)?.uri())?;
        Some(Value::Ipv4(a))
    }),
    def("url_port", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        let (_, port) = url2sa(req_head(s)?.uri())?;
        Some(Value::Sint(i64::from(port)))
    }),
    def("url_param", PARAM, T::Str, HRQHV, URL_PARAM),
    def("urlp", PARAM, T::Str, HRQHV, URL_PARAM),
    def(
        "urlp_val",
        PARAM,
        T::Sint,
        HRQHV,
        |s, a, it| match URL_PARAM(s, a, it)? {
            Value::Str(v) => Some(Value::Sint(i64::from(strl2ic(&v)))),
            _ => None,
        },
    ),
];

/// The path (from its `/`, with the query string when `with_query`), as HAProxy's URI
/// parser finds it; none for `*`, an authority or an absolute target without a path.
fn path(h: &RequestHead, with_query: bool) -> Option<&[u8]> {
    let p = path_of(h.uri());
    if p.is_empty() {
        return None;
    }
    Some(if with_query {
        p
    } else {
        &p[..p.iter().position(|&c| c == b'?').unwrap_or(p.len())]
    })
}

/// The first element of the first `Host` field (split on commas like any header).
fn host(h: &RequestHead, full: bool) -> Option<&[u8]> {
    super::hdr::elements(super::hdr::Fields::of(h.headers()), b"host", full).next()
}

/// `base`/`baseq`: the host followed by the path (when it starts with `/`), or the path
/// alone without a host (or with an empty one).
fn base<'a>(s: &Stream<'a>, with_query: bool) -> Option<Value<'a>> {
    let h = req_head(s)?;
    let host = match host(h, false) {
        Some(v) if !v.is_empty() => v,
        _ => return path(h, with_query).map(Value::str),
    };
    let mut out = host.to_vec();
    if let Some(p) = path(h, with_query) {
        out.extend_from_slice(p);
    }
    Some(Value::Str(Cow::Owned(out)))
}

/// The sdbm step HAProxy uses for these hashes, over C `char`s (signed).
fn sdbm(mut hash: u32, bytes: &[u8]) -> u32 {
    for &c in bytes {
        hash = (c as i8 as u32)
            .wrapping_add(hash << 6)
            .wrapping_add(hash << 16)
            .wrapping_sub(hash);
    }
    hash
}

/// Bob Jenkins' full avalanche, then a multiplication spreading the values
/// (HAProxy's `full_hash`).
pub(crate) fn full_hash(mut a: u32) -> u32 {
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

/// `base32`: the hash of the first `Host` element and the path without its query.
fn base32(h: &RequestHead) -> u32 {
    let mut hash = sdbm(0, host(h, false).unwrap_or_default());
    if let Some(p) = path(h, false) {
        hash = sdbm(hash, p);
    }
    full_hash(hash)
}

/// `url32`: the hash of the whole first `Host` field and the path with its query.
fn url32(h: &RequestHead) -> u32 {
    let mut hash = sdbm(0, host(h, true).unwrap_or_default());
    if let Some(p) = path(h, true) {
        hash = sdbm(hash, p);
    }
    full_hash(hash)
}

/// The hash (big-endian) followed by the client address's bytes.
fn with_src<'a>(s: &Stream<'a>, hash: u32) -> Option<Value<'a>> {
    let mut out = hash.to_be_bytes().to_vec();
    match ip(s.env.src())? {
        Value::Ipv4(a) => out.extend_from_slice(&a.octets()),
        Value::Ipv6(a) => out.extend_from_slice(&a.octets()),
        _ => return None,
    }
    Some(Value::Bin(Cow::Owned(out)))
}

/// HAProxy's `url2sa` for `url_ip`/`url_port`: the first `://` of the target must
/// follow the scheme `http` or `https` (any case); the authority must then start with a
/// dotted IPv4 address, optionally followed by `:port` (digits, taken modulo 65536).
/// Names are not resolved at run time and IPv6 literals give no IPv4 sample.
pub(crate) fn url2sa(uri: &[u8]) -> Option<(std::net::Ipv4Addr, u16)> {
    let sep = uri.windows(3).position(|w| w == b"://")?;
    let mut code: u64 = 0;
    for &c in &uri[..sep] {
        // C `char`s, signed.
        code = (code << 8).wrapping_add(c as i8 as i64 as u64);
    }
    code |= 0x2020_2020_2020_2020;
    let default_port: u32 = match code {
        0x2020_2020_6874_7470 => 80,
        0x2020_2068_7474_7073 => 443,
        _ => return None,
    };
    let rest = &uri[sep + 3..];
    if rest.first() == Some(&b'[') {
        return None; // an IPv6 literal: never an IPv4 sample
    }
    let (addr, used) = url2ipv4(rest)?;
    let mut port = default_port;
    if rest.get(used) == Some(&b':') {
        port = rest[used + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .fold(0u32, |p, &c| {
                p.wrapping_mul(10).wrapping_add(u32::from(c - b'0'))
            });
    }
    Some((addr, port as u16))
}

/// `url_param([name[,delim]])`: the parameter list starts after the first `delim`
/// (`?` by default; the first character of the argument, NUL when it is empty).
const URL_PARAM: FetchFn = |s, a, it| {
    let uri = req_head(s)?.uri();
    let name = match a.first() {
        Some(Arg::Str(n)) => n.as_bytes(),
        _ => b"",
    };
    let delim = match a.get(1) {
        Some(Arg::Str(d)) => d.as_bytes().first().copied().unwrap_or(0),
        _ => b'?',
    };
    let start = uri.iter().position(|&c| c == delim)? + 1;
    param::fetch(&uri[start..], name, delim, it).map(Value::str)
};
