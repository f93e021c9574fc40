//! Layer 6 fetches (manual 7.3.5): the raw bytes waiting in the request or response
//! buffer in TCP mode — their length, slices at fixed or announced positions, the RDP
//! cookie of a Remote Desktop connection and distcc tokens. TLS hellos are in
//! `tls_hello`.
//!
//! In HTTP mode these find nothing (HAProxy: "meaningless for HTX buffers"), except the
//! lengths, which then count HAProxy's internal message size as HAProxy does.

use super::place::{Src, Uses};
use super::{def, may_change, spec, str_arg, uses, FetchDef, FetchFn};
use crate::args::{read_int64, Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Dir, Iter, Stream};
use std::borrow::Cow;

const L6REQ: Uses = uses(&[Src::L6req]);
const L6RES: Uses = uses(&[Src::L6res]);
const L6: Uses = uses(&[Src::L6req, Src::L6res]);

const LV: crate::args::ArgSpec = spec(&[A::Sint, A::Sint, A::Str], 2);
const DISTCC: crate::args::ArgSpec = spec(&[A::Str, A::Sint], 1);

pub(super) static FETCHES: &[FetchDef] = &[
    def("req.len", spec(&[], 0), T::Sint, L6REQ, LEN),
    def("req_len", spec(&[], 0), T::Sint, L6REQ, LEN),
    def("res.len", spec(&[], 0), T::Sint, L6RES, LEN),
    def("payload", spec(&[A::Sint, A::Sint], 2), T::Bin, L6, PAYLOAD),
    def(
        "req.payload",
        spec(&[A::Sint, A::Sint], 2),
        T::Bin,
        L6REQ,
        PAYLOAD,
    ),
    def(
        "res.payload",
        spec(&[A::Sint, A::Sint], 2),
        T::Bin,
        L6RES,
        PAYLOAD,
    ),
    FetchDef {
        check: Some(check_lv),
        ..def("payload_lv", LV, T::Bin, L6, PAYLOAD_LV)
    },
    FetchDef {
        check: Some(check_lv),
        ..def("req.payload_lv", LV, T::Bin, L6REQ, PAYLOAD_LV)
    },
    FetchDef {
        check: Some(check_lv),
        ..def("res.payload_lv", LV, T::Bin, L6RES, PAYLOAD_LV)
    },
    def("rdp_cookie", spec(&[A::Str], 0), T::Str, L6REQ, RDP),
    def("req.rdp_cookie", spec(&[A::Str], 0), T::Str, L6REQ, RDP),
    def(
        "rdp_cookie_cnt",
        spec(&[A::Str], 0),
        T::Sint,
        L6REQ,
        RDP_CNT,
    ),
    def(
        "req.rdp_cookie_cnt",
        spec(&[A::Str], 0),
        T::Sint,
        L6REQ,
        RDP_CNT,
    ),
    FetchDef {
        check: Some(check_distcc),
        ..def("distcc_param", DISTCC, T::Sint, L6, |s, a, it| {
            let (param, _) = distcc(s, data(s)?, a, it)?;
            Some(Value::Sint(i64::from(param)))
        })
    },
    FetchDef {
        check: Some(check_distcc),
        ..def("distcc_body", DISTCC, T::Bin, L6, |s, a, it| {
            let d = data(s)?;
            let (body, at) = distcc(s, d, a, it)?;
            let limit = super::recv_limit(s).saturating_sub(at);
            if body as usize > limit {
                may_change(it); // truncated to what a buffer holds
            }
            let len = (body as usize).min(limit);
            let end = at.saturating_add(len).min(d.len());
            Some(Value::Bin(Cow::Borrowed(&d[at.min(end)..end])))
        })
    },
];

/// The buffered bytes of the evaluated direction; none in HTTP mode.
fn data<'a>(s: &Stream<'a>) -> Option<&'a [u8]> {
    if s.env.http_mode() {
        return None;
    }
    Some(match s.dir {
        Dir::Req => s.req_data,
        Dir::Res => s.res_data,
    })
}

/// Always liable to change: more data may come.
const LEN: FetchFn = |s, _, it| {
    may_change(it);
    if s.env.http_mode() {
        return Some(Value::Sint(htx_len(s)));
    }
    Some(Value::Sint(data(s)?.len() as i64))
};

/// HAProxy's HTX data size for the evaluated direction, which `req.len` reports in
/// HTTP mode ("not accurate but kept for backward compatibility"): the start line (20
/// bytes of fields plus its three parts), each header's name and value, one byte for
/// the end of headers, the body bytes buffered, and one byte for the end of a
/// complete chunked message (its end-of-trailers block).
fn htx_len(s: &Stream<'_>) -> i64 {
    const SL: usize = 20;
    let (line, headers, body) = match s.dir {
        Dir::Req => match s.req {
            Some(h) => (
                h.method_bytes().len()
                    + h.uri().len()
                    + h.version_bytes().len()
                    + usize::from(h.is_chunked() && s.req_complete),
                h.headers(),
                s.req_data,
            ),
            None => return 0,
        },
        Dir::Res => match s.res {
            Some(h) => (
                h.version_bytes().len()
                    + 3
                    + h.reason().len()
                    + usize::from(h.is_chunked() && s.env.res_complete()),
                h.headers(),
                s.res_data,
            ),
            None => return 0,
        },
    };
    let fields: usize = headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    (SL + line + fields + 1 + body.len()) as i64
}

/// `payload(offset,length)`: `length` 0 takes everything from `offset`. Positions are
/// 32-bit as in HAProxy; a window beyond `tune.bufsize` never matches.
const PAYLOAD: FetchFn = |s, a, it| {
    let d = data(s)?;
    let off = int(a, 0) as u32;
    let size = int(a, 1) as u32;
    let end = off.wrapping_add(size);
    if size as usize > super::bufsize(s) || end as usize > super::bufsize(s) {
        return None;
    }
    if end as usize > d.len() {
        may_change(it); // not there yet
        return None;
    }
    let v = if size == 0 {
        if s.env.partial() {
            may_change(it); // "everything" may grow
        }
        d.get(off as usize..)?
    } else {
        d.get(off as usize..off as usize + size as usize)?
    };
    Some(Value::Bin(Cow::Borrowed(v)))
};

/// `payload_lv(offset1,length[,offset2])`: a block whose big-endian size is the
/// `length` bytes at `offset1`, starting after them, at `offset2` (absolute), or
/// `offset2` after them when it has a sign.
const PAYLOAD_LV: FetchFn = |s, a, it| {
    let d = data(s)?;
    let len_off = int(a, 0) as u32;
    let len_size = int(a, 1) as u32;
    if u64::from(len_off) + u64::from(len_size) > d.len() as u64 {
        may_change(it); // not there yet
        return None;
    }
    let mut size = 0u32;
    for i in 0..len_size {
        size = (size << 8).wrapping_add(u32::from(d[(len_off + i) as usize]));
    }
    let mut off = len_off.wrapping_add(len_size);
    // The third argument, once checked, holds the offset shifted left by one with the
    // low bit telling "relative"; HAProxy stores an absolute offset unshifted, so it
    // reads half of it (or, when odd, a relative one): kept as is.
    if let Some(Arg::Sint(o)) = a.get(2) {
        if o & 1 != 0 {
            off = off.wrapping_add((o >> 1) as u32);
        } else {
            off = (o >> 1) as u32;
        }
    }
    let max = super::bufsize(s);
    let end = off.wrapping_add(size);
    if size == 0 || size as usize > max || end as usize > max {
        return None; // never matches
    }
    if end as usize > d.len() {
        may_change(it); // not there yet
        return None;
    }
    Some(Value::Bin(Cow::Borrowed(
        d.get(off as usize..off as usize + size as usize)?,
    )))
};

fn int(a: &[Arg], i: usize) -> i64 {
    super::int_arg(a, i).unwrap_or(0)
}

/// `val_payload_lv`: the first offset is positive, the length not zero, the second
/// offset a number (relative when signed) that does not point before the buffer.
fn check_lv(args: &mut [Arg]) -> Result<(), String> {
    let off1 = super::int_arg(args, 0).unwrap_or(0);
    let len = super::int_arg(args, 1).unwrap_or(0);
    if off1 < 0 {
        return Err("payload offset1 must be positive".into());
    }
    if len == 0 {
        return Err("payload length must be > 0".into());
    }
    if let Some(Arg::Str(text)) = args.get(2) {
        if !text.is_empty() {
            let relative = text.starts_with(['+', '-']);
            let (v, used) = read_int64(text.as_bytes());
            if used < text.len() {
                return Err("payload offset2 is not a number".into());
            }
            if off1.wrapping_add(len).wrapping_add(v) < 0 {
                return Err("payload offset2 too negative".into());
            }
            args[2] = Arg::Sint(if relative {
                v.wrapping_shl(1).wrapping_add(1)
            } else {
                v
            });
        }
    }
    Ok(())
}

/// What the RDP cookie decoder found.
enum Rdp<'a> {
    Found(&'a [u8]),
    NotCookie,
    /// More data may complete it.
    TooShort,
}

/// The `Cookie: name=value\r\n` line of an RDP connection request, which starts at
/// byte 11 (after the TPKT and X.224 headers): the value of `name` (compared
/// case-insensitively), or of the first cookie when `name` is empty.
fn rdp_cookie<'a>(d: &'a [u8], name: &[u8]) -> Rdp<'a> {
    if d.len() <= 11 + 7 {
        return Rdp::TooShort;
    }
    let mut p = 11;
    if !d[p..p + 7].eq_ignore_ascii_case(b"Cookie:") {
        return Rdp::NotCookie;
    }
    p += 7;
    while p < d.len() && d[p] == b' ' {
        p += 1;
    }
    if !name.is_empty() {
        if d.len() - p <= name.len() {
            return Rdp::TooShort;
        }
        if d[p + name.len()] != b'=' || !d[p..p + name.len()].eq_ignore_ascii_case(name) {
            return Rdp::NotCookie;
        }
        p += name.len() + 1;
    } else {
        while p < d.len() && d[p] != b'=' {
            if d[p] == b'\r' || d[p] == b'\n' {
                return Rdp::NotCookie;
            }
            p += 1;
        }
        if p >= d.len() {
            return Rdp::TooShort;
        }
        p += 1;
    }
    let start = p;
    while p < d.len() && d[p] != b'\r' {
        p += 1;
    }
    if d.len() - p < 2 {
        return Rdp::TooShort;
    }
    if &d[p..p + 2] != b"\r\n" {
        return Rdp::NotCookie;
    }
    Rdp::Found(&d[start..p])
}

/// The request buffer (whatever the direction); none in HTTP mode.
fn req_data<'a>(s: &Stream<'a>) -> Option<&'a [u8]> {
    (!s.env.http_mode()).then_some(s.req_data)
}

const RDP: FetchFn = |s, a, it| match rdp_cookie(req_data(s)?, str_arg(a, 0)) {
    Rdp::Found(v) => Some(Value::str(v)),
    Rdp::NotCookie => None,
    Rdp::TooShort => {
        may_change(it);
        None
    }
};

/// 1 when the RDP cookie is there, 0 when not (and in HTTP mode), no sample while it
/// may still arrive.
const RDP_CNT: FetchFn = |s, a, it| {
    let Some(d) = req_data(s) else {
        return Some(Value::Sint(0));
    };
    match rdp_cookie(d, str_arg(a, 0)) {
        Rdp::Found(_) => Some(Value::Sint(1)),
        Rdp::NotCookie => Some(Value::Sint(0)),
        Rdp::TooShort => {
            may_change(it);
            None
        }
    }
};

/// `val_distcc`: the token is exactly four characters, kept as its big-endian number;
/// the occurrence defaults to 0 (any).
fn check_distcc(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(t)) = args.first() else {
        return Err("token name must be exactly 4 characters".into());
    };
    let b = t.as_bytes();
    if b.len() != 4 {
        return Err("token name must be exactly 4 characters".into());
    }
    // HAProxy sums the characters as signed `char`s.
    let c = |i: usize| i32::from(b[i] as i8);
    let token = (c(0) << 24)
        .wrapping_add(c(1) << 16)
        .wrapping_add(c(2) << 8)
        .wrapping_add(c(3)) as u32;
    args[0] = Arg::Sint(i64::from(token));
    Ok(())
}

/// Walks the distcc tokens (4-byte name, 8 hexadecimal digits, then as many body
/// bytes for the tokens that have one) up to the wanted occurrence of the token:
/// returns its parameter and where its body starts.
fn distcc(s: &Stream<'_>, d: &[u8], a: &[Arg], it: &mut Iter) -> Option<(u32, usize)> {
    let want = int(a, 0) as u32;
    let occ_wanted = int(a, 1) as u32;
    let mut ofs = 0usize;
    let mut occ = 0u32;
    loop {
        let Some(head) = d.get(ofs..ofs.checked_add(12)?) else {
            // Not there yet, if it can still fit in the buffer.
            if ofs + 12 <= super::recv_limit(s) {
                may_change(it);
            }
            return None;
        };
        let token = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let mut param = 0u32;
        for &c in &head[4..] {
            param = (param << 4) + (c as char).to_digit(16)?;
        }
        ofs += 12;
        // ARGC, DIST, NFIL, STAT and DONE carry no body.
        let body = match token {
            0x4152_4743 | 0x4449_5354 | 0x4E46_494C | 0x5354_4154 | 0x444F_4E45 => 0,
            _ => param,
        };
        if token == want {
            occ += 1;
            if occ_wanted == 0 || occ_wanted == occ {
                return Some((param, ofs));
            }
        }
        ofs = ofs.checked_add(body as usize)?;
    }
}
