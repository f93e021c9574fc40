//! TLS and SSL hello messages read from raw buffered bytes (manual 7.3.5: `req.ssl_sni`,
//! `req.ssl_alpn`, `req.ssl_ver`, `req.ssl_hello_type`, `req.ssl_ec_ext`,
//! `req.ssl_st_ext`), with the checks and limits of HAProxy's decoders.
//!
//! Like HAProxy, a ClientHello is accepted once the buffer holds as many bytes after
//! the record header as the handshake message announces, which may be four bytes short
//! of its end; HAProxy then reads whatever lies in its buffer there, these decoders
//! read zeros (and cut a name at the end of the data).

use super::place::{Src, Uses};
use super::{def, may_change, spec, uses, FetchDef, FetchFn};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Dir, Iter, Stream};

const L6REQ: Uses = uses(&[Src::L6req]);
const L6RES: Uses = uses(&[Src::L6res]);

pub(super) static FETCHES: &[FetchDef] = &[
    def(
        "req.ssl_hello_type",
        spec(&[], 0),
        T::Sint,
        L6REQ,
        HELLO_TYPE,
    ),
    def(
        "req_ssl_hello_type",
        spec(&[], 0),
        T::Sint,
        L6REQ,
        HELLO_TYPE,
    ),
    def(
        "res.ssl_hello_type",
        spec(&[], 0),
        T::Sint,
        L6RES,
        HELLO_TYPE,
    ),
    def(
        "rep_ssl_hello_type",
        spec(&[], 0),
        T::Sint,
        L6RES,
        HELLO_TYPE,
    ),
    def("req.ssl_ver", spec(&[], 0), T::Sint, L6REQ, VER),
    def("req_ssl_ver", spec(&[], 0), T::Sint, L6REQ, VER),
    def("req.ssl_sni", spec(&[], 0), T::Str, L6REQ, SNI),
    def("req_ssl_sni", spec(&[], 0), T::Str, L6REQ, SNI),
    def("req.ssl_alpn", spec(&[], 0), T::Str, L6REQ, |s, _, it| {
        let (v, next) = out(alpn(data(s)?, it.pos), it)?;
        it.more = next.is_some();
        it.pos = next.unwrap_or(0);
        Some(Value::str(v))
    }),
    def(
        "req.ssl_ec_ext",
        spec(&[], 0),
        T::Bool,
        L6REQ,
        |s, _, it| out(ec_ext(data(s)?), it).map(Value::Bool),
    ),
    def(
        "req.ssl_st_ext",
        spec(&[], 0),
        T::Sint,
        L6REQ,
        |s, _, it| out(st_ext(data(s)?), it).map(Value::Sint),
    ),
];

const HELLO_TYPE: FetchFn = |s, _, it| out(hello_type(data(s)?), it).map(Value::Sint);
const VER: FetchFn = |s, _, it| {
    if s.env.http_mode() {
        return None;
    }
    out(ssl_version(s.req_data, super::recv_limit(s)), it).map(Value::Sint)
};
const SNI: FetchFn = |s, _, it| out(sni(data(s)?), it).map(Value::str);

/// Why a decoder found nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The message is not complete yet: more data may give a sample.
    Short,
    /// Not a hello, or not one holding what is looked for.
    Not,
}

use Miss::{Not, Short};

/// A decoder's answer as a sample, marking it as one more data may change when the
/// message was incomplete.
fn out<T>(r: Result<T, Miss>, it: &mut Iter) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(Short) => {
            may_change(it);
            None
        }
        Err(Not) => None,
    }
}

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

/// Byte `i` of `d`, zero past its end.
fn at(d: &[u8], i: usize) -> usize {
    d.get(i).map_or(0, |&b| usize::from(b))
}

fn be16(d: &[u8], i: usize) -> usize {
    at(d, i) << 8 | at(d, i + 1)
}

/// The handshake type of an SSLv3/TLS record holding a complete handshake message
/// (`req.ssl_hello_type`: 1 for a ClientHello, 2 for a ServerHello).
pub(crate) fn hello_type(d: &[u8]) -> Result<i64, Miss> {
    let first = *d.first().ok_or(Short)?;
    if !((0x14..=0x17).contains(&first) || first == 0xff) {
        return Err(Not);
    }
    if d.len() < 9 {
        return Err(Short);
    }
    if (at(d, 1) << 16) + at(d, 2) < 0x30000 || be16(d, 3) < 4 {
        return Err(Not);
    }
    let hs_len = at(d, 6) << 16 | at(d, 7) << 8 | at(d, 8);
    if d.len() < 9 + hs_len {
        return Err(Short); // not a full handshake yet
    }
    Ok(at(d, 5) as i64)
}

/// The version a client hello asks for (`req.ssl_ver`: `0x0303` for TLS 1.2…), from
/// an SSLv3/TLS record or an SSLv2-format hello, once the whole message (at most
/// `limit` bytes) is buffered.
pub(crate) fn ssl_version(d: &[u8], limit: usize) -> Result<i64, Miss> {
    let first = *d.first().ok_or(Short)?;
    let (version, msg_len, rest) = if (0x14..=0x17).contains(&first) || first == 0xff {
        if d.len() < 11 {
            return Err(Short);
        }
        let record = (at(d, 1) << 16) + at(d, 2);
        let msg_len = be16(d, 3);
        if record < 0x30000 || !(6..=(1 << 14) + 2048).contains(&msg_len) {
            return Err(Not);
        }
        // The client hello's version, not the record layer's.
        ((at(d, 9) << 16) + at(d, 10), msg_len, d.len() - 5)
    } else {
        // SSLv2 header, only for a client hello (message type 1).
        let (rlen, plen, hdr) = if first & 0x80 != 0 {
            if d.len() < 3 {
                return Err(Short);
            }
            ((at(d, 0) & 0x7f) << 8 | at(d, 1), 0, 2)
        } else {
            if d.len() < 4 {
                return Err(Short);
            }
            ((at(d, 0) & 0x3f) << 8 | at(d, 1), at(d, 2), 3)
        };
        if at(d, hdr) != 1 {
            return Err(Not);
        }
        let p = hdr + 1;
        if d.len() < p + 8 {
            return Err(Short);
        }
        let version = (at(d, p) << 16) + at(d, p + 1);
        let cipher_len = be16(d, p + 2);
        let sid_len = be16(d, p + 4);
        let challenge_len = be16(d, p + 6);
        if !cipher_len.is_multiple_of(3)
            || sid_len != 0 && sid_len != 16
            || !(16..=32).contains(&challenge_len)
            || rlen != 9 + cipher_len + sid_len + challenge_len
        {
            return Err(Not);
        }
        (
            version,
            cipher_len + sid_len + challenge_len + plen,
            d.len() - p - 8,
        )
    };
    // What does not fit in a buffer cannot be waited for.
    if rest < msg_len.min(limit) {
        return Err(Short);
    }
    Ok(version as i64)
}

/// Where the extension list of a client hello starts in `d` and how long it is, with
/// HAProxy's checks of each length on the way.
fn extensions(d: &[u8]) -> Result<(usize, i64), Miss> {
    if *d.first().ok_or(Short)? != 0x16 {
        return Err(Not);
    }
    if d.len() < 3 {
        return Err(Short);
    }
    if at(d, 1) < 3 {
        return Err(Not);
    }
    if d.len() < 5 {
        return Err(Short);
    }
    if be16(d, 3) < 1 + 3 + 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + 2 {
        return Err(Not); // too short to have an extension
    }
    let bleft = d.len() - 5;
    if bleft < 1 {
        return Err(Short);
    }
    if at(d, 5) != 1 {
        return Err(Not); // not a client hello
    }
    if bleft < 4 {
        return Err(Short);
    }
    let mut hs_len = (at(d, 6) << 16 | at(d, 7) << 8 | at(d, 8)) as i64;
    if hs_len < 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + 2 {
        return Err(Not);
    }
    if (bleft as i64) < hs_len {
        return Err(Short);
    }
    let mut p = 9;
    if at(d, p) < 3 || at(d, p + 1) < 1 {
        return Err(Not); // TLS 1.0 at least
    }
    let sid = at(d, p + 34) as i64;
    if sid > 32 || sid > hs_len - 35 {
        return Err(Not);
    }
    hs_len -= 35 + sid;
    p += 35 + sid as usize;
    let ciphers = be16(d, p) as i64;
    if hs_len < 4 || ciphers < 2 || ciphers > hs_len {
        return Err(Not);
    }
    hs_len -= 2 + ciphers;
    p += 2 + ciphers as usize;
    let methods = at(d, p) as i64;
    if hs_len < 2 || methods < 1 || methods > hs_len {
        return Err(Not);
    }
    hs_len -= 1 + methods;
    p += 1 + methods as usize;
    if hs_len < 2 {
        return Err(Not);
    }
    let list = be16(d, p) as i64;
    if list > hs_len - 2 {
        return Err(Not);
    }
    Ok((p + 2, list))
}

/// Walks the extensions: `visit(type, offset of the extension, its data length,
/// remaining list length)` returns `Some` to stop with a result. `Ok(None)` when
/// nothing stopped the walk.
fn walk<R>(
    d: &[u8],
    mut visit: impl FnMut(usize, usize, i64, i64) -> Option<Result<R, Miss>>,
) -> Result<Option<R>, Miss> {
    let (mut p, mut left) = extensions(d)?;
    while left >= 4 {
        let ty = be16(d, p);
        let len = be16(d, p + 2) as i64;
        if len > left - 4 {
            return Err(Not); // extension too long
        }
        if let Some(r) = visit(ty, p, len, left) {
            return r.map(Some);
        }
        left -= 4 + len;
        p += 4 + len as usize;
    }
    Ok(None)
}

/// The server name of a client hello (`req.ssl_sni`).
pub(crate) fn sni(d: &[u8]) -> Result<&[u8], Miss> {
    walk(d, |ty, p, len, left| {
        if ty != 0 {
            return None;
        }
        let list = be16(d, p + 4) as i64;
        if len < 2 || list < 4 || list > left - 6 {
            return Some(Err(Not));
        }
        if at(d, p + 6) != 0 {
            return None; // not a host name: look further
        }
        let name_len = be16(d, p + 7);
        let start = (p + 9).min(d.len());
        Some(Ok(&d[start..(p + 9 + name_len).min(d.len())]))
    })?
    .ok_or(Not)
}

/// A protocol name of a client hello's ALPN extension (`req.ssl_alpn`): the one at
/// `pos` (0: the first), and where the next one is when there is one.
pub(crate) fn alpn(d: &[u8], pos: usize) -> Result<(&[u8], Option<usize>), Miss> {
    walk(d, |ty, p, len, _| {
        if ty != 16 {
            return None;
        }
        if len < 3 {
            return Some(Err(Not));
        }
        let off = pos.max(6);
        let name_len = at(d, p + off);
        let end = (name_len + off) as i64 - 3;
        if end > len {
            return Some(Err(Not));
        }
        let start = (p + off + 1).min(d.len());
        let name = &d[start..(p + off + 1 + name_len).min(d.len())];
        Some(Ok((name, (end < len).then_some(off + name_len + 1))))
    })?
    .ok_or(Not)
}

/// The client hello has the supported-groups (elliptic curves) extension.
pub(crate) fn ec_ext(d: &[u8]) -> Result<bool, Miss> {
    walk(d, |ty, _, _, _| (ty == 10).then_some(Ok(true)))?.ok_or(Not)
}

/// The session ticket extension: 0 when absent, 1 when empty, 2 when it holds a ticket.
pub(crate) fn st_ext(d: &[u8]) -> Result<i64, Miss> {
    let found = walk(d, |ty, _, len, _| {
        (ty == 35).then_some(Ok(if len > 0 { 2 } else { 1 }))
    })?;
    Ok(found.unwrap_or(0))
}
