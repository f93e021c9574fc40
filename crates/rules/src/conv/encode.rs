//! Encoding and integer converters: `hex`, `hex2i`, base64 in both alphabets, `htonl`,
//! and the one-operand integer converters (`cpl`, `neg`, `bool`, `not`, `odd`, `even`).

use super::Cx;
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

const HEX: &[u8; 16] = b"0123456789ABCDEF";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn bin<'a>(v: Value<'a>) -> Option<Cow<'a, [u8]>> {
    match v {
        Value::Str(s) | Value::Bin(s) => Some(s),
        _ => None,
    }
}

fn int(v: &Value<'_>) -> Option<i64> {
    match v {
        Value::Sint(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// `hex`: upper-case hexadecimal, as much as fits in a buffer.
pub fn hex<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let n = s.len().min(cx.bufsize / 2);
    let mut out = Vec::with_capacity(n * 2);
    for &c in &s[..n] {
        out.push(HEX[usize::from(c >> 4)]);
        out.push(HEX[usize::from(c & 15)]);
    }
    Some(Value::Str(Cow::Owned(out)))
}

/// `hex2i`: hexadecimal text to a signed integer (wrapping like HAProxy's shift);
/// any other character fails.
pub fn hex2i<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let mut n: i64 = 0;
    for &c in s.iter() {
        let d = (c as char).to_digit(16)?;
        n = n.wrapping_shl(4).wrapping_add(i64::from(d));
    }
    Some(Value::Sint(n))
}

fn encode(s: &[u8], tab: &[u8; 64], pad: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len().div_ceil(3) * 4);
    for ch in s.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let idx = [
            b[0] >> 2,
            ((b[0] & 3) << 4) | (b[1] >> 4),
            ((b[1] & 15) << 2) | (b[2] >> 6),
            b[2] & 63,
        ];
        let keep = ch.len() + 1;
        for (k, &i) in idx.iter().enumerate() {
            if k < keep {
                out.push(tab[usize::from(i)]);
            } else if pad {
                out.push(b'=');
            }
        }
    }
    out
}

/// `base64`: standard alphabet with padding; fails when the result would not fit in
/// a buffer (HAProxy's `a2base64`).
pub fn base64<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    if s.len().div_ceil(3) * 4 >= cx.bufsize {
        return None;
    }
    Some(Value::Str(Cow::Owned(encode(&s, B64, true))))
}

/// `ub64enc`: URL alphabet, no padding.
pub fn ub64enc<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    if s.len().div_ceil(3) * 4 >= cx.bufsize {
        return None;
    }
    Some(Value::Str(Cow::Owned(encode(&s, B64URL, false))))
}

fn rev(tab: &[u8; 64], c: u8) -> Option<u8> {
    tab.iter().position(|&t| t == c).map(|p| p as u8)
}

/// `b64dec`: standard alphabet; the length must be a multiple of 4 and padding only
/// `XX==` or `XXX=` at the end (HAProxy's `base64dec`).
pub fn b64dec<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    if s.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for q in s.chunks(4) {
        let mut t = [0u8; 4];
        let mut pad = 0;
        for (i, &c) in q.iter().enumerate() {
            if c == b'=' {
                if i < 2 {
                    return None;
                }
                pad += 1;
            } else {
                if pad > 0 {
                    return None;
                }
                t[i] = rev(B64, c)?;
            }
        }
        let bytes = [
            (t[0] << 2) | (t[1] >> 4),
            (t[1] << 4) | (t[2] >> 2),
            (t[2] << 6) | t[3],
        ];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    if out.len() > cx.bufsize {
        return None;
    }
    Some(Value::Bin(Cow::Owned(out)))
}

/// `ub64dec`: URL alphabet, padding implied by the length (a length of 1 mod 4 fails).
pub fn ub64dec<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    for q in s.chunks(4) {
        let mut t = [0u8; 4];
        for (i, &c) in q.iter().enumerate() {
            t[i] = rev(B64URL, c)?;
        }
        let bytes = [
            (t[0] << 2) | (t[1] >> 4),
            (t[1] << 4) | (t[2] >> 2),
            (t[2] << 6) | t[3],
        ];
        out.extend_from_slice(&bytes[..q.len() - 1]);
    }
    if out.len() > cx.bufsize {
        return None;
    }
    Some(Value::Bin(Cow::Owned(out)))
}

/// `htonl`: the low 32 bits in network order.
pub fn htonl<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let n = int(&v)? as u32;
    Some(Value::Bin(Cow::Owned(n.to_be_bytes().to_vec())))
}

pub fn cpl<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Sint(!int(&v)?))
}

/// `neg`: the opposite, the smallest integer giving the largest.
pub fn neg<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let n = int(&v)?;
    Some(Value::Sint(if n == i64::MIN { i64::MAX } else { -n }))
}

pub fn to_bool<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int(&v)? != 0))
}

pub fn not<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int(&v)? == 0))
}

pub fn odd<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int(&v)? & 1 == 1))
}

pub fn even<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int(&v)? & 1 == 0))
}

/// A hash converter: the 32-bit hash of the bytes, through `avalanche` when the
/// optional argument is not 0.
fn hashed<'a>(v: Value<'a>, args: &[Arg], f: fn(&[u8]) -> u32) -> Option<Value<'a>> {
    let s = bin(v)?;
    let mut h = f(&s);
    if super::int_arg(args, 0, 0) != 0 {
        h = rampart_core::hash::avalanche(h);
    }
    Some(Value::Sint(i64::from(h)))
}

pub fn crc32<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::crc32)
}

pub fn crc32c<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::crc32c)
}

pub fn djb2<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::djb2)
}

pub fn sdbm<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::sdbm)
}

pub fn wt6<'a>(v: Value<'a>, a: &[Arg], _: &Cx) -> Option<Value<'a>> {
    hashed(v, a, rampart_core::hash::wt6)
}
