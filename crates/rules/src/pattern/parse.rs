//! Reading one pattern by its matcher (HAProxy's `pat_parse_*`) and one map value by
//! the map's output type (`map_parse_*`), with HAProxy's error messages.

use super::{Flags, Matcher, Method, Parser, ValueKind};
use crate::regex::Regex;
use crate::sample::{parse_ipv4_prefix, parse_ipv6, KnownMethod, Value};
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// Resolves a host name to its first IPv4 address at start-up (`gethostbyname`).
pub type Resolver<'a> = &'a dyn Fn(&str) -> Option<Ipv4Addr>;

/// A parsed pattern.
#[derive(Debug)]
pub(crate) enum Pat {
    /// `found`, `bool`: the text is not read.
    Nothing,
    /// `int`, `len`, dotted versions: bounds, each optional.
    Range(Option<i64>, Option<i64>),
    V4 {
        addr: u32,
        mask: u32,
    },
    V6 {
        addr: u128,
        len: u8,
    },
    /// Strings (`str`, `beg`...), and `bin` once decoded.
    Bytes(Arc<[u8]>),
    Regex(Regex),
    Meth(Option<KnownMethod>),
}

/// A map value (`struct sample_data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SampleData {
    Str(Box<[u8]>),
    Sint(i64),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

impl SampleData {
    pub fn as_value(&self) -> Value<'_> {
        match self {
            SampleData::Str(s) => Value::Str(Cow::Borrowed(s)),
            SampleData::Sint(i) => Value::Sint(*i),
            SampleData::Ipv4(a) => Value::Ipv4(*a),
            SampleData::Ipv6(a) => Value::Ipv6(*a),
        }
    }

    /// Reads a map value as the map's type requires; HAProxy's error otherwise.
    pub fn parse(kind: ValueKind, text: &[u8]) -> Result<SampleData, String> {
        let v = match kind {
            ValueKind::Str => Some(SampleData::Str(text.into())),
            ValueKind::Int => read_whole_int64(text).map(SampleData::Sint),
            ValueKind::Addr => match parse_ipv4_prefix(text) {
                Some(a) => Some(SampleData::Ipv4(a)),
                None => parse_ipv6(text).map(SampleData::Ipv6),
            },
        };
        v.ok_or_else(|| format!("unable to parse '{}'", String::from_utf8_lossy(text)))
    }
}

/// `map_parse_int`: `read_int64` must consume the whole text (an empty text is 0).
fn read_whole_int64(s: &[u8]) -> Option<i64> {
    let (v, used) = crate::args::read_int64(s);
    let sign = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    // read_int64 eats every digit even past an overflow; anything else is an error.
    (used == s.len() || used == sign && s.len() == sign).then_some(v)
}

/// One pattern as stored in an expression: its text, what it parsed to, its map value.
#[derive(Debug)]
pub(crate) struct Item {
    pub key: Box<[u8]>,
    pub pat: Arc<Pat>,
    pub data: Option<SampleData>,
}

/// Parses `text` for `m`. `resolve` is present only while the configuration is read
/// (HAProxy resolves names in `ip` patterns at start-up only, and never with `-n`).
pub(crate) fn parse(
    text: &[u8],
    m: Matcher,
    flags: Flags,
    resolve: Option<Resolver<'_>>,
) -> Result<Pat, String> {
    let shown = || String::from_utf8_lossy(text).into_owned();
    match m.parser {
        Parser::DottedVersion => return parse_dotted(text).map(|(a, b)| Pat::Range(a, b)),
        Parser::HttpMethod => {
            return Ok(match KnownMethod::find(text) {
                Some(k) => Pat::Meth(Some(k)),
                None => Pat::Bytes(text.into()),
            })
        }
        Parser::Method => {}
    }
    Ok(match m.method {
        Method::Found | Method::Bool => Pat::Nothing,
        Method::Int | Method::Len => {
            let (a, b) = parse_range(text)?;
            Pat::Range(a, b)
        }
        Method::Ip => parse_ip(text, flags, resolve)
            .ok_or_else(|| not_an_address(&shown(), flags, resolve))?,
        Method::Bin => Pat::Bytes(parse_binary(text)?.into()),
        Method::Str | Method::Beg | Method::Sub | Method::Dir | Method::Dom | Method::End => {
            Pat::Bytes(text.into())
        }
        Method::Reg | Method::Regm => Pat::Regex(Regex::from_bytes(text, flags.icase)?),
    })
}

fn not_an_address(text: &str, flags: Flags, resolve: Option<Resolver<'_>>) -> String {
    let base = format!("'{text}' is not a valid IPv4 or IPv6 address");
    let host = text.rsplit_once('/').map_or(text, |(h, _)| h);
    let looks_like_name = host.bytes().any(|c| c.is_ascii_alphabetic())
        && host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    if flags.no_dns || resolve.is_some() || !looks_like_name {
        base
    } else {
        format!(
            "{base} (Rampart does not resolve host names in patterns: write the address, \
             or give '-n' to refuse names as HAProxy does)"
        )
    }
}

/// `strl2llrc`: only digits after an optional leading `-`, no overflow, not empty.
pub(crate) fn strl2llrc(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = i64::from(c - b'0');
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

/// `pat_parse_int`: `N`, `A:B`, `:B`, `A:` (`-` works as `:`, so `-5` means up to 5).
pub(crate) fn parse_range(text: &[u8]) -> Result<(Option<i64>, Option<i64>), String> {
    let t = String::from_utf8_lossy(text);
    let range_err = || format!("'{t}' is not a valid number range");
    if text.is_empty() {
        return Err(range_err());
    }
    let Some(sep) = text.iter().position(|&c| c == b':' || c == b'-') else {
        let v = strl2llrc(text).ok_or_else(|| format!("'{t}' is not a number"))?;
        return Ok((Some(v), Some(v)));
    };
    let (a, b) = (&text[..sep], &text[sep + 1..]);
    match (a.is_empty(), b.is_empty()) {
        (true, false) => Ok((None, Some(strl2llrc(b).ok_or_else(range_err)?))),
        (_, true) => Ok((Some(strl2llrc(a).ok_or_else(range_err)?), None)),
        (false, false) => {
            let lo = strl2llrc(a).ok_or_else(range_err)?;
            let hi = strl2llrc(b).ok_or_else(range_err)?;
            if lo > hi {
                return Err(range_err());
            }
            Ok((Some(lo), Some(hi)))
        }
    }
}

/// `strl2llrc_dotted`: `major[.minor]`, each below 65536, as `major << 16 | minor`.
fn dotted(s: &[u8]) -> Option<i64> {
    let (maj, min) = match s.iter().position(|&c| c == b'.') {
        Some(k) => (&s[..k], Some(&s[k + 1..])),
        None => (s, None),
    };
    let maj = strl2llrc(maj)?;
    let min = match min {
        Some(m) => strl2llrc(m)?,
        None => 0,
    };
    if !(0..65536).contains(&maj) || !(0..65536).contains(&min) {
        return None;
    }
    Some(maj << 16 | min)
}

/// `pat_parse_dotted_ver`.
fn parse_dotted(text: &[u8]) -> Result<(Option<i64>, Option<i64>), String> {
    let t = String::from_utf8_lossy(text);
    let range_err = || format!("'{t}' is not a valid dotted number range");
    let sep = text.iter().position(|&c| c == b':' || c == b'-');
    match sep {
        None if !text.is_empty() => {
            let v = dotted(text).ok_or_else(|| format!("'{t}' is not a dotted number"))?;
            Ok((Some(v), Some(v)))
        }
        Some(0) if text.len() > 1 => Ok((None, Some(dotted(&text[1..]).ok_or_else(range_err)?))),
        Some(k) if k + 1 == text.len() => {
            Ok((Some(dotted(&text[..k]).ok_or_else(range_err)?), None))
        }
        Some(k) => {
            let lo = dotted(&text[..k]).ok_or_else(range_err)?;
            let hi = dotted(&text[k + 1..]).ok_or_else(range_err)?;
            if lo > hi {
                return Err(range_err());
            }
            Ok((Some(lo), Some(hi)))
        }
        None => Err(range_err()),
    }
}

/// `parse_binary`: an even number of hex digits.
fn parse_binary(text: &[u8]) -> Result<Vec<u8>, String> {
    if text.len() & 1 == 1 {
        return Err("an even number of hex digit is expected".into());
    }
    text.chunks(2)
        .map(|p| {
            let hex = |c: u8| {
                (c as char)
                    .to_digit(16)
                    .ok_or_else(|| format!("an hex digit is expected (found '{}')", c as char))
            };
            Ok((hex(p[0])? << 4 | hex(p[1])?) as u8)
        })
        .collect()
}

/// `pat_parse_ip`: `str2net` (IPv4 with an optional dotted or length mask, host names
/// resolved at start-up unless `-n`), then `str62net` (IPv6 with an optional length).
fn parse_ip(text: &[u8], flags: Flags, resolve: Option<Resolver<'_>>) -> Option<Pat> {
    let s = std::str::from_utf8(text).ok()?;
    if let Some((addr, mask)) = str2net(s, if flags.no_dns { None } else { resolve }, !flags.no_dns)
    {
        return Some(Pat::V4 { addr, mask });
    }
    let (a, len) = match s.rsplit_once('/') {
        Some((a, l)) => {
            let len = strtoul10(l)?;
            if len > 128 {
                return None;
            }
            (a, len as u8)
        }
        None => (s, 128),
    };
    let addr: Ipv6Addr = a.parse().ok()?;
    Some(Pat::V6 {
        addr: u128::from(addr),
        len,
    })
}

fn str2net(s: &str, resolve: Option<Resolver<'_>>, numeric_names: bool) -> Option<(u32, u32)> {
    let (a, mask) = match s.rsplit_once('/') {
        Some((a, m)) => (a, str2mask(m)?),
        None => (s, u32::MAX),
    };
    let addr = match a.parse::<Ipv4Addr>() {
        Ok(x) => x,
        // gethostbyname reads dotted numbers the way inet_aton does (`127.1`, `10`)
        // without asking any resolver; other names go to the resolver.
        Err(_) if numeric_names => match inet_aton_digits(a) {
            Some(x) => x,
            None => resolve?(a)?,
        },
        Err(_) => return None,
    };
    Some((u32::from(addr), mask))
}

/// `str2mask`: a dotted mask or a length (C `strtol`, so `+24` and ` 24` work).
fn str2mask(m: &str) -> Option<u32> {
    if m.contains('.') {
        return m.parse::<Ipv4Addr>().ok().map(u32::from);
    }
    let len = strtoul10(m)?;
    if len > 32 {
        return None;
    }
    Some(if len == 0 { 0 } else { u32::MAX << (32 - len) })
}

/// C's `strtol`/`strtoul` in base 10 over the whole text: leading blanks, a sign,
/// digits. A negative value is out of range for a mask.
fn strtoul10(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v = d.parse::<u64>().unwrap_or(u64::MAX);
    if neg && v != 0 {
        return Some(u64::MAX);
    }
    Some(v)
}

/// glibc's numeric host names: digits and dots only, not ending with a dot, read by
/// `inet_aton` (1 to 4 parts, a leading 0 meaning octal, the last part filling the
/// remaining bytes).
fn inet_aton_digits(s: &str) -> Option<Ipv4Addr> {
    if s.is_empty() || s.ends_with('.') || !s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return None;
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(parts.len());
    for p in &parts {
        if p.is_empty() {
            return None;
        }
        let v = if p.len() > 1 && p.starts_with('0') {
            if !p.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
                return None;
            }
            u64::from_str_radix(p, 8).ok()?
        } else {
            p.parse::<u64>().ok()?
        };
        vals.push(v);
    }
    let n = vals.len();
    let last_bits = 8 * (5 - n as u32);
    let mut addr: u64 = 0;
    for (i, &v) in vals.iter().enumerate() {
        if i + 1 < n {
            if v > 255 {
                return None;
            }
            addr |= v << (24 - 8 * i);
        } else {
            if last_bits < 32 && v >= 1u64 << last_bits {
                return None;
            }
            addr |= v;
        }
    }
    u32::try_from(addr).ok().map(Ipv4Addr::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_host_names() {
        let a = |s: &str| inet_aton_digits(s).map(|x| x.to_string());
        assert_eq!(a("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(a("10").as_deref(), Some("0.0.0.10"));
        assert_eq!(a("012.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("1.2.65535").as_deref(), Some("1.2.255.255"));
        assert_eq!(a("1.2.65536"), None);
        assert_eq!(a("1.2.3.4."), None);
        assert_eq!(a("09.1"), None);
        assert_eq!(a("4294967295").as_deref(), Some("255.255.255.255"));
        assert_eq!(a("4294967296"), None);
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(b"5").unwrap(), (Some(5), Some(5)));
        assert_eq!(parse_range(b"-5").unwrap(), (None, Some(5)));
        assert_eq!(parse_range(b"5:").unwrap(), (Some(5), None));
        assert_eq!(parse_range(b"3-7").unwrap(), (Some(3), Some(7)));
        assert_eq!(parse_range(b"x").unwrap_err(), "'x' is not a number");
        assert_eq!(parse_range(b"+5").unwrap_err(), "'+5' is not a number");
        assert_eq!(
            parse_range(b"1-2-3").unwrap_err(),
            "'1-2-3' is not a valid number range"
        );
        assert_eq!(
            parse_range(b"5:3").unwrap_err(),
            "'5:3' is not a valid number range"
        );
        assert_eq!(
            parse_range(b"99999999999999999999").unwrap_err(),
            "'99999999999999999999' is not a number"
        );
        assert_eq!(
            parse_dotted(b"3.1").unwrap(),
            (Some(3 << 16 | 1), Some(3 << 16 | 1))
        );
        assert_eq!(parse_dotted(b":3").unwrap(), (None, Some(3 << 16)));
        assert!(parse_dotted(b"70000").is_err());
    }

    #[test]
    fn map_values() {
        let p = |k, t: &str| SampleData::parse(k, t.as_bytes());
        assert_eq!(p(ValueKind::Int, "-12"), Ok(SampleData::Sint(-12)));
        assert_eq!(p(ValueKind::Int, ""), Ok(SampleData::Sint(0)));
        assert_eq!(p(ValueKind::Int, "-"), Ok(SampleData::Sint(0)));
        assert_eq!(
            p(ValueKind::Int, "99999999999999999999"),
            Ok(SampleData::Sint(i64::MAX))
        );
        assert_eq!(p(ValueKind::Int, "1x"), Err("unable to parse '1x'".into()));
        assert_eq!(
            p(ValueKind::Addr, "1.2.3.4"),
            Ok(SampleData::Ipv4(Ipv4Addr::new(1, 2, 3, 4)))
        );
        assert!(p(ValueKind::Addr, "::1").is_ok());
        assert!(p(ValueKind::Addr, "abc").is_err());
    }

    #[test]
    fn binary() {
        assert_eq!(parse_binary(b"00fF").unwrap(), vec![0, 255]);
        assert_eq!(
            parse_binary(b"abc").unwrap_err(),
            "an even number of hex digit is expected"
        );
        assert_eq!(
            parse_binary(b"abzz").unwrap_err(),
            "an hex digit is expected (found 'z')"
        );
    }
}
