//! Encoding and integer converters: `hex`, `hex2i`, base64 in both alphabets, `json`,
//! `be2dec`, `be2hex`, `htonl`, and the one-operand integer converters (`cpl`, `neg`,
//! `bool`, `not`, `odd`, `even`).

use super::{bytes_of as bin, int_of, str_arg, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

const HEX: &[u8; 16] = b"0123456789ABCDEF";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `hex`: upper-case hexadecimal, as much as fits in a buffer.
pub fn hex<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let n = s.len().min(cx.bufsize / 2);
    let mut out = Vec::with_capacity(n * 2);
    for &c in &s[..n] {
        push_hex(&mut out, c);
    }
    Some(Value::Str(Cow::Owned(out)))
}

fn push_hex(out: &mut Vec<u8>, c: u8) {
    out.push(HEX[usize::from(c >> 4)]);
    out.push(HEX[usize::from(c & 15)]);
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

/// HAProxy's `base64dec` alphabet: the value of `c`, 64 for the padding `=`.
fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'=' => Some(64),
        _ => B64.iter().position(|&t| t == c).map(|p| p as u8),
    }
}

/// The three bytes a quartet of 6-bit values gives.
fn quartet(t: [u8; 4]) -> [u8; 3] {
    [
        (t[0] << 2).wrapping_add(t[1] >> 4),
        (t[1] << 4).wrapping_add(t[2] >> 2),
        (t[2] << 6).wrapping_add(t[3]),
    ]
}

/// HAProxy's `base64dec` without its output bound: the length is a multiple of 4, and
/// in each quartet the padding runs to its end. As in HAProxy, padding may start in
/// the second place (`X===` decodes to nothing) and a padded quartet may be followed
/// by others.
pub(super) fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for q in s.chunks(4) {
        let mut t = [0u8; 4];
        let mut pad = 0;
        for (i, &c) in q.iter().enumerate() {
            let b = b64_value(c)?;
            if pad > 0 && (b != 64 || i < 2) {
                return None;
            }
            if b == 64 {
                pad += 1;
            }
            t[i] = b;
        }
        out.extend_from_slice(&quartet(t)[..3 - pad]);
    }
    Some(out)
}

/// `b64dec`: fails when the input is not base64 or when its size as announced by the
/// length and the trailing `=` exceeds a buffer.
pub fn b64dec<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let trailing = s.iter().rev().take(2).filter(|&&c| c == b'=').count();
    if cx.bufsize < (s.len() / 4 * 3).saturating_sub(trailing) {
        return None;
    }
    Some(Value::Bin(Cow::Owned(base64_decode(&s)?)))
}

/// HAProxy's URL-safe alphabet (`ubase64rev`), where `=` decodes like `_`.
fn ub64_value(c: u8) -> Option<u8> {
    match c {
        b'=' => Some(63),
        _ => B64URL.iter().position(|&t| t == c).map(|p| p as u8),
    }
}

/// HAProxy's `base64urldec` without its output bound: padding is implied by the
/// length (a length of 1 mod 4 fails).
pub(super) fn base64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    for q in s.chunks(4) {
        let mut t = [64u8; 4];
        for (i, &c) in q.iter().enumerate() {
            t[i] = ub64_value(c)?;
        }
        out.extend_from_slice(&quartet(t)[..q.len() - 1]);
    }
    Some(out)
}

/// `ub64dec`.
pub fn ub64dec<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let out = base64url_decode(&s)?;
    if out.len() > cx.bufsize {
        return None;
    }
    Some(Value::Bin(Cow::Owned(out)))
}

/// `htonl`: the low 32 bits in network order.
pub fn htonl<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let n = int_of(&v)? as u32;
    Some(Value::Bin(Cow::Owned(n.to_be_bytes().to_vec())))
}

pub fn cpl<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Sint(!int_of(&v)?))
}

/// `neg`: the opposite, the smallest integer giving the largest.
pub fn neg<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let n = int_of(&v)?;
    Some(Value::Sint(if n == i64::MIN { i64::MAX } else { -n }))
}

pub fn to_bool<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int_of(&v)? != 0))
}

pub fn not<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int_of(&v)? == 0))
}

pub fn odd<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int_of(&v)? & 1 == 1))
}

pub fn even<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Bool(int_of(&v)? & 1 == 0))
}

/// How `json` reads its input (`json([mode])`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonMode {
    Ascii,
    Utf8,
    Utf8s,
    Utf8p,
    Utf8ps,
}

const JSON_MODES: [JsonMode; 5] = [
    JsonMode::Ascii,
    JsonMode::Utf8,
    JsonMode::Utf8s,
    JsonMode::Utf8p,
    JsonMode::Utf8ps,
];

/// The argument check of `json` (`sample_conv_json_check`): the mode becomes its number.
pub fn check_json(args: &mut [Arg]) -> Result<(), String> {
    let mode = match str_arg(args, 0) {
        b"" | b"ascii" => 0,
        b"utf8" => 1,
        b"utf8s" => 2,
        b"utf8p" => 3,
        b"utf8ps" => 4,
        _ => {
            return Err("Unexpected input code type. Allowed value are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'".into())
        }
    };
    if let Some(a) = args.first_mut() {
        *a = Arg::Sint(mode);
    }
    Ok(())
}

/// `utf8_next`'s verdicts.
const UTF8_OVERLONG: u8 = 0x10;
const UTF8_INVRANGE: u8 = 0x20;
const UTF8_BADSEQ: u8 = 0x40;

/// HAProxy's `utf8_next`: the character at the start of `s` (up to 6-byte sequences),
/// the verdict flags and how many bytes were read.
pub(super) fn utf8_next(s: &[u8]) -> (u32, u8, usize) {
    let Some(&first) = s.first() else {
        return (0, 0, 0);
    };
    let (mut c, more) = match first {
        0x00..=0x7f => return (u32::from(first), 0, 1),
        0xc0..=0xdf => (u32::from(first & 0x1f), 1),
        0xe0..=0xef => (u32::from(first & 0x0f), 2),
        0xf0..=0xf7 => (u32::from(first & 0x07), 3),
        0xf8..=0xfb => (u32::from(first & 0x03), 4),
        0xfc..=0xfd => (u32::from(first & 0x01), 5),
        _ => return (u32::from(first), UTF8_BADSEQ, 1),
    };
    if s.len() < more + 1 {
        return (u32::from(first), UTF8_BADSEQ, 1);
    }
    for (i, &b) in s[1..=more].iter().enumerate() {
        if b & 0xc0 != 0x80 {
            return (c, UTF8_BADSEQ, i + 1);
        }
        c = (c << 6) | u32::from(b & 0x3f);
    }
    let len = more + 1;
    let mut code = 0;
    if (c <= 0x7f && len > 1)
        || ((0x80..=0x7ff).contains(&c) && len > 2)
        || ((0x800..=0xffff).contains(&c) && len > 3)
        || ((0x10000..=0x1f_ffff).contains(&c) && len > 4)
    {
        code |= UTF8_OVERLONG;
    }
    if (0xd800..=0xdfff).contains(&c) || (0xfffe..=0xffff).contains(&c) {
        code |= UTF8_INVRANGE;
    }
    (c, code, len & 0x0f)
}

/// `json([mode])`: escapes the input for a JSON string. In the UTF-8 modes invalid
/// sequences and characters above U+FFFF fail the conversion (`utf8`, `utf8p`) or are
/// skipped (`utf8s`, `utf8ps`); the `p` modes accept overlong encodings. Bytes and
/// characters that are not printable ASCII become `\uXXXX`.
pub fn json<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let mode = usize::try_from(super::int_arg(args, 0, 0))
        .ok()
        .and_then(|m| JSON_MODES.get(m).copied())
        .unwrap_or(JsonMode::Ascii);
    let mut out = Vec::with_capacity(s.len() + 8);
    let mut p = 0;
    while p < s.len() {
        let c = if mode == JsonMode::Ascii {
            p += 1;
            u32::from(s[p - 1])
        } else {
            let (c, code, len) = utf8_next(&s[p..]);
            p += len;
            let strict_bad = code != 0;
            let lax_bad = code & (UTF8_INVRANGE | UTF8_BADSEQ) != 0;
            match mode {
                JsonMode::Utf8 if strict_bad => return None,
                JsonMode::Utf8s if strict_bad => continue,
                JsonMode::Utf8p if lax_bad => return None,
                JsonMode::Utf8ps if lax_bad => continue,
                _ => {}
            }
            if c > 0xffff {
                if matches!(mode, JsonMode::Utf8 | JsonMode::Utf8p) {
                    return None;
                }
                continue;
            }
            c
        };
        let mut esc = [0u8; 6];
        let rep: &[u8] = match c {
            0x22 => b"\\\"",
            0x5c => b"\\\\",
            0x2f => b"\\/",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x0a => b"\\n",
            0x09 => b"\\t",
            0x20..=0x7e => {
                esc[0] = c as u8;
                &esc[..1]
            }
            _ => {
                const LOWER: &[u8; 16] = b"0123456789abcdef";
                esc[..2].copy_from_slice(b"\\u");
                for (k, shift) in [12u32, 8, 4, 0].iter().enumerate() {
                    esc[2 + k] = LOWER[((c >> shift) & 15) as usize];
                }
                &esc
            }
        };
        if out.len() + rep.len() > cx.bufsize {
            return None;
        }
        out.extend_from_slice(rep);
    }
    Some(Value::Str(Cow::Owned(out)))
}

/// The argument check of `be2dec(separator,chunk_size[,truncate])`.
pub fn check_be2dec(args: &mut [Arg]) -> Result<(), String> {
    let chunk = super::int_arg(args, 1, 0);
    if !(1..=8).contains(&chunk) {
        return Err(format!("chunk_size out of [1..8] range ({chunk})"));
    }
    check_truncate(args)
}

fn check_truncate(args: &[Arg]) -> Result<(), String> {
    let t = super::int_arg(args, 2, 0);
    if t != 0 && t != 1 {
        return Err(format!("Unsupported truncate value ({t})"));
    }
    Ok(())
}

/// `be2dec(separator,chunk_size[,truncate])`: each `chunk_size` bytes as a big-endian
/// unsigned number in decimal, separated; with `truncate`, a last shorter chunk is
/// dropped. The output stops at the last number that fits in a buffer.
pub fn be2dec<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let sep = str_arg(args, 0);
    let chunk = super::int_arg(args, 1, 0);
    let len = s.len() as i64;
    let last = if super::int_arg(args, 2, 0) != 0 {
        len - chunk + 1
    } else {
        len
    };
    let size = cx.bufsize as i64;
    let mut max_size = size - 2;
    let mut out: Vec<u8> = Vec::new();
    let mut ptr = 0usize;
    let mut digits = itoa_buf();
    while (ptr as i64) < last && out.len() as i64 <= max_size {
        let start = out.len();
        if ptr > 0 {
            out.extend_from_slice(sep);
        } else {
            max_size -= sep.len() as i64;
        }
        let mut number: u64 = 0;
        let mut i = 0;
        while i < chunk && ptr < s.len() {
            number = (number << 8).wrapping_add(u64::from(s[ptr]));
            ptr += 1;
            i += 1;
        }
        let text = format_u64(number, &mut digits);
        if (text.len() + 1) as i64 > size - out.len() as i64 {
            out.truncate(start);
            break;
        }
        out.extend_from_slice(text);
    }
    Some(Value::Str(Cow::Owned(out)))
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// `n` in decimal, written at the end of `buf`.
fn format_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The argument check of `be2hex([separator[,chunk_size[,truncate]]])`.
pub fn check_be2hex(args: &mut [Arg]) -> Result<(), String> {
    let chunk = super::int_arg(args, 1, 0);
    if chunk <= 0 && (!str_arg(args, 0).is_empty() || super::int_arg(args, 2, 0) != 0) {
        return Err(format!("chunk_size needs to be positive ({chunk})"));
    }
    check_truncate(args)
}

/// `be2hex([separator[,chunk_size[,truncate]]])`: upper-case hexadecimal, a separator
/// every `chunk_size` input bytes. Without separator nor truncation the whole input is
/// one chunk, and nothing is written when it does not fit in a buffer.
pub fn be2hex<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bin(v)?;
    let sep = str_arg(args, 0);
    let truncate = super::int_arg(args, 2, 0) != 0;
    let mut chunk = super::int_arg(args, 1, 0);
    let len = s.len() as i64;
    let last = if truncate { len - chunk + 1 } else { len };
    if sep.is_empty() && !truncate {
        chunk = len;
    }
    let size = cx.bufsize as i64;
    let mut max_size = size - 2 * chunk;
    let mut out: Vec<u8> = Vec::new();
    let mut ptr = 0usize;
    // HAProxy compares an unsigned length with a signed bound: a negative bound never
    // stops the loop (its buffer then overflows; here the output stops at its size).
    while (ptr as i64) < last && (max_size < 0 || out.len() as i64 <= max_size) {
        if ptr > 0 {
            out.extend_from_slice(sep);
        } else {
            max_size -= sep.len() as i64;
        }
        let mut i = 0;
        while i < chunk && ptr < s.len() {
            push_hex(&mut out, s[ptr]);
            ptr += 1;
            i += 1;
        }
        if out.len() >= cx.bufsize {
            out.truncate(cx.bufsize);
            break;
        }
    }
    Some(Value::Str(Cow::Owned(out)))
}
