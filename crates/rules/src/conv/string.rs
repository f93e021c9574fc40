//! String converters: case, length, slicing by position, field or word, trimming, the
//! host and port of an authority, and `iif`.

use super::{bytes_of, int_arg, slice, str_arg, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

pub fn lower<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let mut s = bytes_of(v)?;
    if s.iter().any(u8::is_ascii_uppercase) {
        s.to_mut().make_ascii_lowercase();
    }
    Some(Value::Str(s))
}

pub fn upper<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let mut s = bytes_of(v)?;
    if s.iter().any(u8::is_ascii_lowercase) {
        s.to_mut().make_ascii_uppercase();
    }
    Some(Value::Str(s))
}

pub fn length<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    Some(Value::Sint(bytes_of(v)?.len() as i64))
}

/// `bytes(offset[,length])`: an offset past the end gives an empty sample.
pub fn bytes<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let off = int_arg(args, 0, 0);
    let len = s.len() as i64;
    if len <= off {
        return Some(Value::Bin(slice(s, 0, 0)));
    }
    let start = off.max(0) as usize;
    let mut end = s.len();
    if let Some(Arg::Sint(n)) = args.get(1) {
        if *n < (end - start) as i64 {
            end = start + (*n).max(0) as usize;
        }
    }
    Some(Value::Bin(slice(s, start, end)))
}

/// `field(index,delimiters[,count])`: fields split at any delimiter byte, counted from
/// 1 (from the end when negative); `count` fields from there (0: to the end). A field
/// that does not exist makes the sample fail.
pub fn field<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let want = int_arg(args, 0, 0);
    let delims = str_arg(args, 1);
    let mut count = int_arg(args, 2, 1);
    if want == 0 {
        return None;
    }
    let is_delim = |c: u8| delims.contains(&c);
    let (start, end) = if want > 0 {
        let (mut field, mut start) = (1i64, 0usize);
        let mut end = 0;
        let mut found = false;
        while end < s.len() {
            if is_delim(s[end]) {
                if field == want {
                    if count == 1 {
                        found = true;
                        break;
                    } else if count > 1 {
                        count -= 1;
                    }
                } else {
                    start = end + 1;
                    field += 1;
                }
            }
            end += 1;
        }
        if !found && field != want {
            return None;
        }
        (start, end)
    } else {
        let (mut field, mut end) = (-1i64, s.len());
        let mut start = s.len();
        let mut found = false;
        while start > 0 {
            if is_delim(s[start - 1]) {
                if field == want {
                    if count == 1 {
                        found = true;
                        break;
                    } else if count > 1 {
                        count -= 1;
                    }
                } else {
                    end = start - 1;
                    field -= 1;
                }
            }
            start -= 1;
        }
        if !found && field != want {
            return None;
        }
        (start, end)
    };
    Some(Value::Str(slice(s, start, end)))
}

/// `word(index,delimiters[,count])`: like `field`, but runs of delimiters count as one
/// and leading or trailing ones are ignored. A word that does not exist gives an
/// empty string (HAProxy's `word` succeeds there, unlike `field`).
pub fn word<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let want = int_arg(args, 0, 0);
    let delims = str_arg(args, 1);
    let mut count = int_arg(args, 2, 1);
    if want == 0 {
        return None;
    }
    let is_delim = |c: u8| delims.contains(&c);
    let mut word = 0i64;
    let mut inword = false;
    let (start, end) = if want > 0 {
        let (mut start, mut end) = (0usize, 0usize);
        let mut found = false;
        while end < s.len() {
            let sep = is_delim(s[end]);
            if !inword {
                if !sep {
                    if word != want {
                        word += 1;
                        start = end;
                    }
                    inword = true;
                }
            } else if sep {
                if word == want {
                    if count == 1 {
                        found = true;
                        break;
                    } else if count > 1 {
                        count -= 1;
                    }
                }
                inword = false;
            }
            end += 1;
        }
        if !found && word != want {
            return Some(Value::Str(slice(s, 0, 0)));
        }
        (start, end)
    } else {
        let (mut start, mut end) = (s.len(), s.len());
        let mut found = false;
        while start > 0 {
            let sep = is_delim(s[start - 1]);
            if !inword {
                if !sep {
                    if word != want {
                        word -= 1;
                        end = start;
                    }
                    inword = true;
                }
            } else if sep {
                if word == want {
                    if count == 1 {
                        found = true;
                        break;
                    } else if count > 1 {
                        count -= 1;
                    }
                }
                inword = false;
            }
            start -= 1;
        }
        if !found && word != want {
            return Some(Value::Str(slice(s, 0, 0)));
        }
        (start, end)
    };
    Some(Value::Str(slice(s, start, end)))
}

pub fn ltrim<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let d = str_arg(args, 0);
    let n = s.iter().take_while(|c| d.contains(c)).count();
    let len = s.len();
    Some(Value::Str(slice(s, n, len)))
}

pub fn rtrim<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let d = str_arg(args, 0);
    let n = s.iter().rev().take_while(|c| d.contains(c)).count();
    let len = s.len();
    Some(Value::Str(slice(s, 0, len - n)))
}

/// `cut_crlf`: up to the first CR or LF.
pub fn cut_crlf<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let n = s
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .unwrap_or(s.len());
    Some(Value::Str(slice(s, 0, n)))
}

/// Where the port of an authority starts (the last `:` after any `]`).
fn port_colon(s: &[u8]) -> Option<usize> {
    let p = s.iter().rposition(|&c| c == b':' || c == b']')?;
    (s[p] == b':').then_some(p)
}

/// `host_only`: the authority without its port, lower-cased.
pub fn host_only<'a>(v: Value<'a>, a: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let end = port_colon(&s).unwrap_or(s.len());
    lower(Value::Str(slice(s, 0, end)), a, cx)
}

/// `port_only`: the authority's port as an integer, 0 when there is none.
pub fn port_only<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let port = match port_colon(&s) {
        Some(p) if p + 1 < s.len() => strl2ui(&s[p + 1..]),
        _ => 0,
    };
    Some(Value::Sint(i64::from(port)))
}

/// HAProxy's `strl2ui`: every byte taken as a digit, unchecked (so `12ab` is 1740),
/// wrapping at 32 bits.
fn strl2ui(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |n, &c| {
        n.wrapping_mul(10)
            .wrapping_sub(u32::from(b'0'))
            .wrapping_add(u32::from(c))
    })
}

/// `iif(true,false)`: one of two strings by the boolean input.
pub fn iif<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let b = matches!(v, Value::Bool(true));
    let s = str_arg(args, if b { 0 } else { 1 });
    Some(Value::Str(Cow::Owned(s.to_vec())))
}
