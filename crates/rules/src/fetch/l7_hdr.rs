//! HTTP header fetches of both directions (manual 7.3.6): values by name and
//! occurrence (`req.hdr`, `res.fhdr`…), counts, values read as integers or addresses,
//! the names, and the whole header block as text or length-prefixed binary.
//!
//! `req.*` read the request, `res.*`/`s*` the response, and `hdr` the message of the
//! rule set's direction. A name is compared case-insensitively; an empty one matches
//! every field.

use super::hdr::{self, Fields};
use super::place::{Src, Uses};
use super::{def, int_arg, msg_fields, req_fields, res_fields, spec, uses, FetchDef, FetchFn};
use crate::args::{Arg, ArgSpec, ArgType as A};
use crate::sample::{parse_ipv6, SmpType as T, Value};
use crate::stream::{Iter, Stream};
use std::borrow::Cow;
use std::net::Ipv4Addr;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const HRSHV: Uses = uses(&[Src::Hrshv]);
const BOTH: Uses = uses(&[Src::Hrqhv, Src::Hrshv]);

const NAME_OCC: ArgSpec = spec(&[A::Str, A::Sint], 0);
const NAME: ArgSpec = spec(&[A::Str], 0);

/// A header fetch taking a name and an occurrence, with its occurrence check.
const fn occ(name: &'static str, out: T, uses: Uses, f: FetchFn) -> FetchDef {
    FetchDef {
        check: Some(check_occurrence),
        ..def(name, NAME_OCC, out, uses, f)
    }
}

pub(super) static FETCHES: &[FetchDef] = &[
    occ("hdr", T::Str, BOTH, |s, a, it| {
        value(msg_fields(s)?, a, false, it)
    }),
    occ("req.hdr", T::Str, HRQHV, |s, a, it| {
        value(req(s)?, a, false, it)
    }),
    occ("res.hdr", T::Str, HRSHV, |s, a, it| {
        value(res(s)?, a, false, it)
    }),
    occ("shdr", T::Str, HRSHV, |s, a, it| {
        value(res(s)?, a, false, it)
    }),
    occ("req.fhdr", T::Str, HRQHV, |s, a, it| {
        value(req(s)?, a, true, it)
    }),
    occ("res.fhdr", T::Str, HRSHV, |s, a, it| {
        value(res(s)?, a, true, it)
    }),
    def("hdr_cnt", NAME, T::Sint, HRQHV, |s, a, _| {
        count(req(s)?, a, false)
    }),
    def("req.hdr_cnt", NAME, T::Sint, HRQHV, |s, a, _| {
        count(req(s)?, a, false)
    }),
    def("res.hdr_cnt", NAME, T::Sint, HRSHV, |s, a, _| {
        count(res(s)?, a, false)
    }),
    def("shdr_cnt", NAME, T::Sint, HRSHV, |s, a, _| {
        count(res(s)?, a, false)
    }),
    def("req.fhdr_cnt", NAME, T::Sint, HRQHV, |s, a, _| {
        count(req(s)?, a, true)
    }),
    def("res.fhdr_cnt", NAME, T::Sint, HRSHV, |s, a, _| {
        count(res(s)?, a, true)
    }),
    occ("hdr_ip", T::Ipv4, HRQHV, |s, a, it| ip(req(s)?, a, it)),
    occ("req.hdr_ip", T::Ipv4, HRQHV, |s, a, it| ip(req(s)?, a, it)),
    occ("res.hdr_ip", T::Ipv4, HRSHV, |s, a, it| ip(res(s)?, a, it)),
    occ("shdr_ip", T::Ipv4, HRSHV, |s, a, it| ip(res(s)?, a, it)),
    occ("hdr_val", T::Sint, HRQHV, |s, a, it| int(req(s)?, a, it)),
    occ("req.hdr_val", T::Sint, HRQHV, |s, a, it| {
        int(req(s)?, a, it)
    }),
    occ("res.hdr_val", T::Sint, HRSHV, |s, a, it| {
        int(res(s)?, a, it)
    }),
    occ("shdr_val", T::Sint, HRSHV, |s, a, it| int(res(s)?, a, it)),
    def("req.hdr_names", NAME, T::Str, HRQHV, |s, a, _| {
        Some(names(req(s)?, a))
    }),
    def("res.hdr_names", NAME, T::Str, HRSHV, |s, a, _| {
        Some(names(res(s)?, a))
    }),
    // Declared binary, produced as a string, like HAProxy.
    def("req.hdrs", spec(&[], 0), T::Bin, HRQHV, |s, _, _| {
        Some(block(req(s)?))
    }),
    def("res.hdrs", spec(&[], 0), T::Bin, HRSHV, |s, _, _| {
        Some(block(res(s)?))
    }),
    def("req.hdrs_bin", spec(&[], 0), T::Bin, HRQHV, |s, _, _| {
        Some(block_bin(req(s)?))
    }),
    def("res.hdrs_bin", spec(&[], 0), T::Bin, HRSHV, |s, _, _| {
        Some(block_bin(res(s)?))
    }),
];

fn req<'a>(s: &Stream<'a>) -> Option<Fields<'a>> {
    req_fields(s)
}

fn res<'a>(s: &Stream<'a>) -> Option<Fields<'a>> {
    res_fields(s)
}

/// `val_hdr`: an occurrence counted from the end reaches at most ten back.
pub(super) fn check_occurrence(args: &mut [Arg]) -> Result<(), String> {
    match args.get(1) {
        Some(Arg::Sint(n)) if *n < -10 => Err("header occurrence must be >= -10".into()),
        _ => Ok(()),
    }
}

/// The value of a header fetch; no name argument is no sample. The occurrence is a C
/// `int` in HAProxy, so larger values wrap.
pub(super) fn value<'a>(
    h: Fields<'a>,
    a: &'a [Arg],
    full: bool,
    it: &mut Iter,
) -> Option<Value<'a>> {
    raw(h, a, full, it).map(Value::str)
}

fn raw<'a>(h: Fields<'a>, a: &'a [Arg], full: bool, it: &mut Iter) -> Option<&'a [u8]> {
    let Some(Arg::Str(name)) = a.first() else {
        return None;
    };
    let occ = i64::from(int_arg(a, 1).unwrap_or(0) as i32);
    hdr::fetch(h, name.as_bytes(), full, occ, it)
}

fn count<'a>(h: Fields<'_>, a: &[Arg], full: bool) -> Option<Value<'a>> {
    let name = match a.first() {
        Some(Arg::Str(n)) => n.as_bytes(),
        _ => b"",
    };
    Some(Value::Sint(hdr::count(h, name, full) as i64))
}

/// `hdr_ip`: the first occurrence (or next one when iterating) that is an address.
fn ip<'a>(h: Fields<'a>, a: &'a [Arg], it: &mut Iter) -> Option<Value<'a>> {
    loop {
        let v = raw(h, a, false, it)?;
        if let Some(ip) = header_ip(v) {
            return Some(ip);
        }
        if !it.more {
            return None;
        }
    }
}

/// An IPv4 address alone or followed by `:port` (a valid port), or an IPv6 address.
pub(crate) fn header_ip<'a>(v: &[u8]) -> Option<Value<'a>> {
    if let Some((a, len)) = url2ipv4(v) {
        if len == v.len() {
            return Some(Value::Ipv4(a));
        }
        if v[len] == b':' && strl2irc(&v[len + 1..]).is_some_and(|p| (0..=65535).contains(&p)) {
            return Some(Value::Ipv4(a));
        }
    }
    parse_ipv6(v).map(Value::Ipv6)
}

fn int<'a>(h: Fields<'a>, a: &'a [Arg], it: &mut Iter) -> Option<Value<'a>> {
    Some(Value::Sint(i64::from(strl2ic(raw(h, a, false, it)?))))
}

/// The field names joined by the first character of the argument (a comma by
/// default, NUL when the argument is empty).
fn names<'a>(h: Fields<'_>, a: &[Arg]) -> Value<'a> {
    let del = match a.first() {
        Some(Arg::Str(d)) => d.as_bytes().first().copied().unwrap_or(0),
        _ => b',',
    };
    let mut out = Vec::new();
    for (n, _) in h.iter() {
        if !out.is_empty() {
            out.push(del);
        }
        out.extend_from_slice(n);
    }
    Value::Str(Cow::Owned(out))
}

/// The header block as HTTP/1 text: `name: value` lines and the empty line.
fn block<'a>(h: Fields<'_>) -> Value<'a> {
    let mut out = Vec::new();
    for (n, v) in h.iter() {
        out.extend_from_slice(n);
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Value::Str(Cow::Owned(out))
}

/// The header block for SPOE: each name and value preceded by its length as a
/// variable-length integer, then two zero lengths.
fn block_bin<'a>(h: Fields<'_>) -> Value<'a> {
    let mut out = Vec::new();
    for (n, v) in h.iter() {
        varint(n.len() as u64, &mut out);
        out.extend_from_slice(n);
        varint(v.len() as u64, &mut out);
        out.extend_from_slice(v);
    }
    out.extend_from_slice(&[0, 0]);
    Value::Bin(Cow::Owned(out))
}

/// HAProxy's `encode_varint`: below 240 one byte; otherwise the low bits with the four
/// high ones set, then 7-bit groups with the high bit set, the last one without.
pub(crate) fn varint(mut i: u64, out: &mut Vec<u8>) {
    if i < 240 {
        out.push(i as u8);
        return;
    }
    out.push(i as u8 | 240);
    i = (i - 240) >> 4;
    while i >= 128 {
        out.push(i as u8 | 128);
        i = (i - 128) >> 7;
    }
    out.push(i as u8);
}

/// HAProxy's `url2ipv4`: a dotted quad at the start of `s` (parts of at most 255,
/// exactly four), stopping at the first character that is neither a digit nor a dot;
/// returns the address and how many bytes it took.
pub(crate) fn url2ipv4(s: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut parts = [0u8; 4];
    let (mut idx, mut octets, mut saw_digit) = (0usize, 0, false);
    let mut used = 0;
    for &c in s {
        if c == 0 || !c.is_ascii_digit() && c != b'.' {
            break;
        }
        used += 1;
        if c.is_ascii_digit() {
            let v = u32::from(parts[idx]) * 10 + u32::from(c - b'0');
            if v > 255 {
                return None;
            }
            parts[idx] = v as u8;
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
        } else if saw_digit {
            if octets == 4 {
                return None;
            }
            idx += 1;
            saw_digit = false;
        } else {
            return None;
        }
    }
    (octets >= 4).then(|| (Ipv4Addr::from(parts), used))
}

/// HAProxy's `strl2ic`: an optional minus and digits, with C's quirks kept: a byte
/// below `'0'` does not stop the number but adds its (negative) difference, and the
/// 32-bit result wraps.
pub(crate) fn strl2ic(s: &[u8]) -> i32 {
    let mut i: i32 = 0;
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    for &c in digits {
        let j = i32::from(c as i8) - i32::from(b'0');
        if j > 9 {
            break;
        }
        i = if neg {
            i.wrapping_mul(10).wrapping_sub(j)
        } else {
            i.wrapping_mul(10).wrapping_add(j)
        };
    }
    i
}

/// HAProxy's `strl2irc`: the whole text must be an optionally negative 32-bit number
/// (a lone `-` is 0).
pub(crate) fn strl2irc(s: &[u8]) -> Option<i32> {
    if s.is_empty() {
        return None;
    }
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    let mut i: i32 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let j = i32::from(c - b'0');
        i = if neg {
            i.checked_mul(10)?.checked_sub(j)?
        } else {
            i.checked_mul(10)?.checked_add(j)?
        };
    }
    Some(i)
}
