//! JSON converters: `json_query` and the JWT readers `jwt_header_query` and
//! `jwt_payload_query`.
//!
//! HAProxy queries JSON with the mjson library, whose tolerances and quirks decide what
//! a query returns (it reads as little of the document as it needs, so an error after
//! the value found goes unnoticed; its number reader is its own; `[N]` indexes are
//! read in a fixed way). This module walks the document the same way, token by token,
//! so that every query gives HAProxy's answer.

use super::{bytes_of, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

const TOK_INVALID: i32 = 0;
const TOK_KEY: i32 = 1;
const TOK_STRING: i32 = 11;
const TOK_NUMBER: i32 = 12;
const TOK_TRUE: i32 = 13;
const TOK_FALSE: i32 = 14;
const TOK_NULL: i32 = 15;
const MAX_DEPTH: usize = 20;

fn is_value(tok: i32) -> bool {
    tok > 10 && tok < 20
}

/// A byte of `s`, NUL past its end (mjson reads C strings).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// mjson's escapes: the character an escape letter stands for, or the reverse.
fn esc(c: u8, reverse: bool) -> u8 {
    const CHARS: &[u8] = b"\x08\x0c\n\r\t\\\"";
    const LETTERS: &[u8] = b"bfnrt\\\"";
    let (from, to) = if reverse {
        (CHARS, LETTERS)
    } else {
        (LETTERS, CHARS)
    };
    from.iter().position(|&x| x == c).map_or(0, |p| to[p])
}

/// The length of a string's content up to its closing quote (`s` starts after the
/// opening one), `None` when invalid.
fn pass_string(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() && esc(s[i + 1], true) != 0 {
            i += 1;
        } else if s[i] == 0 {
            return None;
        } else if s[i] == b'"' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// mjson's own `strtod`: the value and how many bytes it used (0 when it is not a
/// number, and also for forms like `1.` that it then refuses).
fn mystrtod(s: &[u8]) -> (f64, usize) {
    let mut d = 0.0f64;
    let mut sign = 1.0;
    let mut p = 0;
    let mut a = 0;
    match at(s, p) {
        b'-' => {
            sign = -1.0;
            p += 1;
        }
        b'+' => p += 1,
        _ => {}
    }
    if at(s, p).is_ascii_digit() {
        d = f64::from(at(s, p) - b'0');
        p += 1;
        while at(s, p).is_ascii_digit() {
            d = d * 10.0 + f64::from(at(s, p) - b'0');
            p += 1;
        }
        a = p;
    } else if at(s, p) != b'.' {
        return (d, a);
    }
    d *= sign;
    if at(s, p) == b'.' {
        let mut f = 0.0;
        let mut base = 0.1;
        p += 1;
        while at(s, p).is_ascii_digit() {
            f += base * f64::from(at(s, p) - b'0');
            base /= 10.0;
            p += 1;
        }
        d += f * sign;
        a = p;
    }
    if matches!(at(s, p), b'e' | b'E') {
        p += 1;
        let mut neg = false;
        if at(s, p) == b'-' {
            p += 1;
            neg = true;
        }
        if at(s, p) == b'+' {
            p += 1;
        }
        let mut e: i32 = 0;
        while at(s, p).is_ascii_digit() {
            e = e.wrapping_mul(10).wrapping_add(i32::from(at(s, p) - b'0'));
            p += 1;
        }
        if neg {
            e = e.wrapping_neg();
        }
        // mjson multiplies or divides once per unit of the exponent; stopping at a
        // fixed point (0 or infinity) gives the same value without the long loop.
        for _ in 0..e.max(0) {
            d *= 10.0;
            if d == 0.0 || d.is_infinite() {
                break;
            }
        }
        for _ in 0..e.checked_neg().unwrap_or(0).max(0) {
            d /= 10.0;
            if d == 0.0 {
                break;
            }
        }
        a = p;
    } else if p > 0 && !at(s, p - 1).is_ascii_digit() {
        a = 0;
    }
    (d, a)
}

/// What a query found: the token type and where it is in the document.
struct Found {
    tok: i32,
    off: usize,
    len: usize,
}

/// The state of mjson's path lookup (`mjson_get_cb`).
struct Query<'p> {
    path: &'p [u8],
    pos: usize,
    d1: i64,
    d2: i64,
    i1: i64,
    i2: i64,
    obj: Option<usize>,
    found: Option<Found>,
}

/// `(int)` of a double as x86-64 computes it: out of range gives `INT_MIN`.
fn c_int(d: f64) -> i64 {
    if d.is_finite() && d > -2_147_483_649.0 && d < 2_147_483_648.0 {
        d.trunc() as i64
    } else {
        i64::from(i32::MIN)
    }
}

/// Path characters of one key (escapes count once): `(characters, bytes)`.
fn key_len(p: &[u8]) -> (usize, usize) {
    let (mut i, mut n) = (0, 0);
    while !matches!(at(p, i), 0 | b'.' | b'[') {
        n += 1;
        i += if at(p, i) == b'\\' { 2 } else { 1 };
    }
    (n, i)
}

/// Whether the document key `a` equals the path key at the start of `b`.
fn key_eq(a: &[u8], b: &[u8]) -> bool {
    let mut i = 0;
    for &ca in a {
        if at(b, i) == b'\\' {
            i += 1;
        }
        if ca != at(b, i) {
            return false;
        }
        i += 1;
    }
    true
}

impl Query<'_> {
    fn p(&self, i: usize) -> u8 {
        at(self.path, i)
    }

    /// One token; `true` stops the walk.
    fn token(&mut self, tok: i32, s: &[u8], off: usize, len: usize) -> bool {
        if self.found.is_some() {
            return true;
        }
        if tok == i32::from(b'{') {
            if self.p(self.pos) == 0 && self.d1 == self.d2 {
                self.obj = Some(off);
            }
            self.d1 += 1;
        } else if tok == i32::from(b'[') {
            if self.d1 == self.d2 && self.p(self.pos) == b'[' {
                self.i1 = 0;
                self.i2 = c_int(mystrtod(self.path.get(self.pos + 1..).unwrap_or(b"")).0);
                if self.i1 == self.i2 {
                    self.d2 += 1;
                    self.pos += 3;
                }
            }
            if self.p(self.pos) == 0 && self.d1 == self.d2 {
                self.obj = Some(off);
            }
            self.d1 += 1;
        } else if tok == i32::from(b',') {
            if self.d1 == self.d2 + 1 {
                self.i1 += 1;
                if self.i1 == self.i2 {
                    while self.pos < self.path.len() && self.p(self.pos) != b']' {
                        self.pos += 1;
                    }
                    self.pos += 1;
                    self.d2 += 1;
                }
            }
        } else if tok == TOK_KEY
            && self.d1 == self.d2 + 1
            && self.p(self.pos) == b'.'
            && len >= 2
            && s[off] == b'"'
            && s[off + len - 1] == b'"'
            && key_len(self.path.get(self.pos + 1..).unwrap_or(b"")).0 == len - 2
            && key_eq(
                &s[off + 1..off + len - 1],
                self.path.get(self.pos + 1..).unwrap_or(b""),
            )
        {
            self.d2 += 1;
            self.pos += key_len(self.path.get(self.pos + 1..).unwrap_or(b"")).1 + 1;
        } else if tok == TOK_KEY && self.d1 == self.d2 {
            return true;
        } else if tok == i32::from(b'}') || tok == i32::from(b']') {
            self.d1 -= 1;
            if let Some(obj) = self.obj {
                if self.p(self.pos) == 0 && self.d1 == self.d2 {
                    self.found = Some(Found {
                        tok: tok - 2,
                        off: obj,
                        len: off - obj + 1,
                    });
                    return true;
                }
            }
        } else if is_value(tok) && self.d1 == self.d2 && self.p(self.pos) == 0 {
            self.found = Some(Found { tok, off, len });
            return true;
        }
        false
    }
}

/// mjson's walk over the document, token by token; `false` when it ends in an error.
fn walk(s: &[u8], q: &mut Query<'_>) -> bool {
    #[derive(PartialEq)]
    enum Expect {
        Value,
        Key,
        Colon,
        CommaOrEnd,
    }
    let mut expecting = Expect::Value;
    let mut nesting = [0u8; MAX_DEPTH];
    let mut depth = 0usize;
    let len = s.len() as i64;
    let mut i: i64 = 0;
    while i < len {
        let start = i as usize;
        let c = s[start];
        let mut tok = i32::from(c);
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        // A token spans `start..=i`; `call` hands it to the query.
        macro_rules! call {
            ($tok:expr) => {
                if q.token($tok, s, start, (i - start as i64 + 1) as usize) {
                    return true;
                }
            };
        }
        macro_rules! end_of_object {
            () => {
                if depth == 0 || c != nesting[depth - 1] + 2 {
                    return false;
                }
                depth -= 1;
                if depth == 0 {
                    call!(tok);
                    return true;
                }
            };
        }
        match expecting {
            Expect::Value => {
                if c == b'{' || c == b'[' {
                    if depth >= MAX_DEPTH {
                        return false;
                    }
                    nesting[depth] = c;
                    depth += 1;
                    if c == b'{' {
                        expecting = Expect::Key;
                    }
                    call!(tok);
                    i += 1;
                    continue;
                }
                if c == b']' && depth > 0 {
                    end_of_object!();
                } else if c == b't' && i + 3 < len && &s[start..start + 4] == b"true" {
                    i += 3;
                    tok = TOK_TRUE;
                } else if c == b'n' && i + 3 < len && &s[start..start + 4] == b"null" {
                    i += 3;
                    tok = TOK_NULL;
                } else if c == b'f' && i + 4 < len && &s[start..start + 5] == b"false" {
                    i += 4;
                    tok = TOK_FALSE;
                } else if c == b'-' || c.is_ascii_digit() {
                    let (_, used) = mystrtod(&s[start..]);
                    i += used as i64 - 1;
                    tok = TOK_NUMBER;
                } else if c == b'"' {
                    let Some(n) = pass_string(&s[start + 1..]) else {
                        return false;
                    };
                    i += n as i64 + 1;
                    tok = TOK_STRING;
                } else {
                    return false;
                }
                if depth == 0 {
                    call!(tok);
                    return true;
                }
                expecting = Expect::CommaOrEnd;
            }
            Expect::Key => {
                if c == b'"' {
                    let Some(n) = pass_string(&s[start + 1..]) else {
                        return false;
                    };
                    i += n as i64 + 1;
                    tok = TOK_KEY;
                    expecting = Expect::Colon;
                } else if c == b'}' {
                    end_of_object!();
                    expecting = Expect::CommaOrEnd;
                } else {
                    return false;
                }
            }
            Expect::Colon => {
                if c != b':' {
                    return false;
                }
                expecting = Expect::Value;
            }
            Expect::CommaOrEnd => {
                if depth == 0 {
                    return false;
                }
                if c == b',' {
                    expecting = if nesting[depth - 1] == b'{' {
                        Expect::Key
                    } else {
                        Expect::Value
                    };
                } else if c == b']' || c == b'}' {
                    end_of_object!();
                } else {
                    return false;
                }
            }
        }
        call!(tok);
        i += 1;
    }
    false
}

/// `mjson_find`: the token at `path` (`$`, `.key`, `[index]`) in `s`.
fn find(s: &[u8], path: &[u8]) -> Option<Found> {
    if path.first() != Some(&b'$') {
        return None;
    }
    let mut q = Query {
        path,
        pos: 1,
        d1: 0,
        d2: 0,
        i1: 0,
        i2: 0,
        obj: None,
        found: None,
    };
    if !walk(s, &mut q) {
        return None;
    }
    q.found.filter(|f| f.tok != TOK_INVALID)
}

fn unhex_nibbles(s: &[u8]) -> u8 {
    let mut v = 0u8;
    for (k, &c) in s.iter().take(2).enumerate() {
        if k > 0 {
            v <<= 4;
        }
        v |= match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c.wrapping_sub(b'7'),
            _ => c.wrapping_sub(b'W'),
        };
    }
    v
}

/// `mjson_unescape` into at most `n - 1` bytes: only `\u00XX` of the `\u` escapes.
fn unescape(s: &[u8], n: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len().min(n));
    let mut i = 0;
    while i < s.len() && out.len() < n {
        if s[i] == b'\\' && i + 5 < s.len() && s[i + 1] == b'u' {
            if s[i + 2] != b'0' || s[i + 3] != b'0' {
                return None;
            }
            out.push(unhex_nibbles(&s[i + 4..i + 6]));
            i += 5;
        } else if s[i] == b'\\' && i + 1 < s.len() {
            let c = esc(s[i + 1], false);
            if c == 0 {
                return None;
            }
            out.push(c);
            i += 1;
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
    if out.len() >= n {
        return None;
    }
    Some(out)
}

/// C's `strtoll(s, NULL, 0)`: optional blanks and sign, then hexadecimal after `0x`,
/// octal after `0`, decimal otherwise, saturating.
fn strtoll0(s: &[u8]) -> i64 {
    let mut p = 0;
    while matches!(at(s, p), b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        p += 1;
    }
    let neg = match at(s, p) {
        b'-' => {
            p += 1;
            true
        }
        b'+' => {
            p += 1;
            false
        }
        _ => false,
    };
    let mut base = 10;
    if at(s, p) == b'0' {
        if matches!(at(s, p + 1), b'x' | b'X') && at(s, p + 2).is_ascii_hexdigit() {
            base = 16;
            p += 2;
        } else {
            base = 8;
        }
    }
    let mut v: u128 = 0;
    while let Some(d) = (at(s, p) as char).to_digit(base) {
        v = (v * u128::from(base) + u128::from(d)).min(1 << 64);
        p += 1;
    }
    if neg {
        if v > 1 << 63 {
            i64::MIN
        } else {
            (v as i64).wrapping_neg()
        }
    } else {
        i64::try_from(v).unwrap_or(i64::MAX)
    }
}

/// C's `printf("%g")`.
pub(super) fn format_g(d: f64) -> String {
    if d.is_nan() {
        return if d.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if d.is_infinite() {
        return if d < 0.0 { "-inf" } else { "inf" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let e_form = format!("{d:.5e}");
    let (mantissa, exp) = e_form.split_once('e').unwrap_or((&e_form, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..6).contains(&x) {
        let prec = (5 - x) as usize;
        strip(&format!("{d:.prec$}"))
    } else {
        let sign = if x < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mantissa), x.unsigned_abs())
    }
}

/// JSON integers beyond ±(2^53 - 1) are refused (RFC 7159's interoperable range).
const JSON_INT_MAX: i64 = (1 << 53) - 1;

/// The argument check of `json_query(path[,output_type])`.
pub fn check_json_query(args: &mut [Arg]) -> Result<(), String> {
    if matches!(args.first(), Some(Arg::Str(p)) if p.is_empty()) {
        return Err("json_path must not be empty".into());
    }
    check_output_type(args)
}

/// `int` is the only output type.
fn check_output_type(args: &mut [Arg]) -> Result<(), String> {
    match args.get(1) {
        Some(Arg::Str(t)) if t == "int" => {
            args[1] = Arg::Sint(0);
            Ok(())
        }
        Some(Arg::Str(t)) if !t.is_empty() => {
            Err("output_type only supports \"int\" as argument".into())
        }
        _ => Ok(()),
    }
}

/// The query itself, on `doc`.
fn query<'a>(doc: &[u8], args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let path = match args.first() {
        Some(Arg::Str(p)) => p.as_bytes(),
        _ => b"",
    };
    let found = find(doc, path)?;
    match found.tok {
        TOK_NUMBER => {
            if matches!(args.get(1), Some(Arg::Sint(_))) {
                let n = strtoll0(&doc[found.off..]);
                if !(-JSON_INT_MAX..=JSON_INT_MAX).contains(&n) {
                    return None;
                }
                Some(Value::Sint(n))
            } else {
                let (d, _) = mystrtod(&doc[found.off..]);
                Some(Value::Str(Cow::Owned(format_g(d).into_bytes())))
            }
        }
        TOK_TRUE => Some(Value::Bool(true)),
        TOK_FALSE => Some(Value::Bool(false)),
        TOK_STRING => {
            let inner = doc.get(found.off + 1..(found.off + found.len).saturating_sub(1))?;
            Some(Value::Str(Cow::Owned(unescape(inner, cx.bufsize)?)))
        }
        _ => None,
    }
}

/// `json_query(path[,output_type])`: the string (unescaped), number (as `%g` text, or
/// an integer with `int`) or boolean at `path`; objects, arrays and `null` fail.
pub fn json_query<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let doc = bytes_of(v)?;
    query(&doc, args, cx)
}

/// The argument check of the JWT queries: as `json_query`'s, the path may be absent.
pub fn check_jwt_query(args: &mut [Arg]) -> Result<(), String> {
    check_output_type(args)
}

/// The decoded part `member` (0: header, 1: payload) of a JWT, queried with the path.
fn jwt_member<'a>(v: Value<'a>, args: &[Arg], cx: &Cx, member: usize) -> Option<Value<'a>> {
    let token = bytes_of(v)?;
    let part = token.split(|&c| c == b'.').nth(member)?;
    let decoded = super::encode::base64url_decode(part)?;
    if decoded.len() > cx.bufsize {
        return None;
    }
    if !matches!(args.first(), Some(Arg::Str(_))) {
        // HAProxy 2.6 prepares the decoded part as the result but then reports a
        // failure: without a path, these converters never give a sample.
        return None;
    }
    query(&decoded, args, cx)
}

/// `jwt_header_query([path[,output_type]])`.
pub fn jwt_header_query<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    jwt_member(v, args, cx, 0)
}

/// `jwt_payload_query([path[,output_type]])`.
pub fn jwt_payload_query<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    jwt_member(v, args, cx, 1)
}
