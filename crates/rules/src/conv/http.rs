//! HTTP converters (HAProxy's `http_conv.c`): URL decoding and encoding, and the
//! `Accept-Language` negotiation of `language`.

use super::{bytes_of, int_arg, str_arg, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `url_dec([in_form])`: `%XX` sequences decoded, `+` as a space in a form (from the
/// argument, or after a `?` in the input). A malformed `%` fails the conversion; a NUL
/// byte ends the input (HAProxy decodes a C string).
pub fn url_dec<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let mut in_form = int_arg(args, 0, 0) != 0;
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    let s = &s[..end];
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(if in_form { b' ' } else { b'+' }),
            b'%' => {
                let hi = hex_val(*s.get(i + 1)?)?;
                let lo = hex_val(*s.get(i + 2)?)?;
                out.push((hi << 4) | lo);
                i += 2;
            }
            c => {
                if c == b'?' {
                    in_form = true;
                }
                out.push(c);
            }
        }
        i += 1;
    }
    Some(Value::Str(Cow::Owned(out)))
}

/// The argument check of `url_enc([enc_type])`: only `query` (the default) exists.
pub fn check_url_enc(args: &mut [Arg]) -> Result<(), String> {
    match str_arg(args, 0) {
        b"" | b"query" => {
            if let Some(a) = args.first_mut() {
                *a = Arg::Sint(0);
            }
            Ok(())
        }
        _ => Err("Unexpected encode type. Allowed value is 'query'".into()),
    }
}

/// Characters `url_enc` keeps (RFC 3986's unreserved set).
fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// `url_enc([enc_type])`: every other byte as `%XX`. The output stops, silently, where
/// the next character no longer fits in a buffer (HAProxy's `encode_chunk`).
pub fn url_enc<'a>(v: Value<'a>, _: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let s = bytes_of(v)?;
    if cx.bufsize == 0 {
        return Some(Value::Str(Cow::Borrowed(b"")));
    }
    let stop = cx.bufsize - 1;
    let mut out = Vec::with_capacity(s.len().min(stop));
    for &c in s.iter() {
        if out.len() >= stop {
            break;
        }
        if unreserved(c) {
            out.push(c);
        } else {
            if out.len() + 3 >= stop {
                break;
            }
            out.extend_from_slice(&[b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
        }
    }
    Some(Value::Str(Cow::Owned(out)))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `http_language_range_match`: a range from the header against a configured tag; a
/// range matches a longer tag up to a `-`.
fn range_match(range: &[u8], tag: &[u8]) -> bool {
    let mut t = 0;
    for &r in range {
        if r == b'-' && t == tag.len() {
            return true;
        }
        if t == tag.len() || r != tag[t] {
            return false;
        }
        t += 1;
    }
    t == tag.len()
}

/// `http_parse_qvalue` at `s[at..]`: the weight in thousandths (1000 when it does not
/// start with a digit) and where parsing stopped. Bytes past the end read as NUL, and
/// the end may be passed by one, as in HAProxy.
fn parse_qvalue(s: &[u8], at: usize) -> (i64, usize) {
    let byte = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut p = at;
    let mut q = 1000;
    'out: {
        if !byte(p).is_ascii_digit() {
            break 'out;
        }
        q = i64::from(byte(p) - b'0') * 1000;
        p += 1;
        let dot = byte(p);
        p += 1;
        if dot != b'.' {
            break 'out;
        }
        for weight in [100, 10, 1] {
            if !byte(p).is_ascii_digit() {
                break 'out;
            }
            q += i64::from(byte(p) - b'0') * weight;
            p += 1;
        }
    }
    (q.min(1000), p)
}

/// `language(values[,default])`: the entry of the `;`-separated `values` that the
/// input (an `Accept-Language` value) prefers, by q-value; the first entry with the
/// full weight wins at once. Otherwise `default`, or the conversion fails.
pub fn language<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let al = bytes_of(v)?;
    let list = str_arg(args, 0);
    let end = al.len();
    let mut best_q = 0;
    let mut best: Option<(usize, usize)> = None;
    let mut p = 0;
    'outer: loop {
        while p < end && is_space(al[p]) {
            p += 1;
        }
        if p >= end {
            break;
        }
        let token = p;
        while p < end && al[p] != b';' && al[p] != b',' && !is_space(al[p]) {
            p += 1;
        }
        'expect_comma: {
            if p == token {
                break 'expect_comma;
            }
            let range = &al[token..p];
            // The configured tags, in order; the first that matches is taken.
            let mut found = None;
            let mut w = 0;
            for (i, &c) in list.iter().chain(std::iter::once(&0)).enumerate() {
                if c == b';' || c == 0 {
                    if range_match(range, &list[w..i]) {
                        found = Some((w, i));
                        break;
                    }
                    w = i + 1;
                }
                if i == list.len() {
                    break;
                }
            }
            let Some(tag) = found else {
                break 'expect_comma;
            };
            let mut qvalue = 1000;
            'process: {
                while p < end && is_space(al[p]) {
                    p += 1;
                }
                if p >= end || al[p] == b',' {
                    break 'process;
                }
                if al[p] != b';' {
                    break 'expect_comma;
                }
                p += 1;
                for expected in [b'q', b'='] {
                    while p < end && is_space(al[p]) {
                        p += 1;
                    }
                    if p >= end || al[p] != expected {
                        break 'process;
                    }
                    p += 1;
                }
                while p < end && is_space(al[p]) {
                    p += 1;
                }
                if p >= end {
                    break 'process;
                }
                (qvalue, p) = parse_qvalue(&al, p);
            }
            if qvalue > best_q {
                best = Some(tag);
                if qvalue >= 1000 {
                    break 'outer;
                }
                best_q = qvalue;
            }
        }
        while p < end && al[p] != b',' {
            p += 1;
        }
        if p >= end {
            break;
        }
        p += 1;
    }
    let chosen = match best {
        Some((a, b)) if b > a => &list[a..b],
        _ => match args.get(1) {
            Some(Arg::Str(d)) => d.as_bytes(),
            _ => b"",
        },
    };
    if chosen.is_empty() {
        return None;
    }
    Some(Value::Str(Cow::Owned(chosen.to_vec())))
}
