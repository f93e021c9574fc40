//! Samples (configuration manual 7.1 and 7.3): the typed values fetches produce and
//! converters transform, and HAProxy's cast matrix between their types.
//!
//! A value borrows from the transaction when it can (`Cow`), so fetching a header or a
//! path copies nothing; a cast or converter that builds new bytes owns them.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Sample types, in HAProxy's order (`SMP_T_*`): the cast matrix is indexed by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmpType {
    /// Accepts any input (converters such as `debug`).
    Any,
    Bool,
    /// A signed 64-bit integer.
    Sint,
    /// IPv4 or IPv6: an input type only.
    Addr,
    Ipv4,
    Ipv6,
    Str,
    Bin,
    Meth,
}

impl SmpType {
    /// The name HAProxy prints in messages (`smp_to_type`).
    pub fn name(self) -> &'static str {
        match self {
            SmpType::Any => "any",
            SmpType::Bool => "bool",
            SmpType::Sint => "sint",
            SmpType::Addr => "addr",
            SmpType::Ipv4 => "ipv4",
            SmpType::Ipv6 => "ipv6",
            SmpType::Str => "str",
            SmpType::Bin => "bin",
            SmpType::Meth => "meth",
        }
    }
}

/// The HTTP methods HAProxy knows by number (`HTTP_METH_*`); others keep their text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KnownMethod {
    Options,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Trace,
    Connect,
}

impl KnownMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            KnownMethod::Options => "OPTIONS",
            KnownMethod::Get => "GET",
            KnownMethod::Head => "HEAD",
            KnownMethod::Post => "POST",
            KnownMethod::Put => "PUT",
            KnownMethod::Delete => "DELETE",
            KnownMethod::Trace => "TRACE",
            KnownMethod::Connect => "CONNECT",
        }
    }

    /// HAProxy's `find_http_meth`: exact, case-sensitive.
    pub fn find(s: &[u8]) -> Option<KnownMethod> {
        Some(match s {
            b"OPTIONS" => KnownMethod::Options,
            b"GET" => KnownMethod::Get,
            b"HEAD" => KnownMethod::Head,
            b"POST" => KnownMethod::Post,
            b"PUT" => KnownMethod::Put,
            b"DELETE" => KnownMethod::Delete,
            b"TRACE" => KnownMethod::Trace,
            b"CONNECT" => KnownMethod::Connect,
            _ => return None,
        })
    }
}

/// A method sample: a known one, or the request's own text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method<'a> {
    Known(KnownMethod),
    Other(Cow<'a, [u8]>),
}

impl<'a> Method<'a> {
    pub fn of(s: Cow<'a, [u8]>) -> Method<'a> {
        match KnownMethod::find(&s) {
            Some(m) => Method::Known(m),
            None => Method::Other(s),
        }
    }

    pub fn text(&self) -> &[u8] {
        match self {
            Method::Known(m) => m.as_str().as_bytes(),
            Method::Other(s) => s,
        }
    }
}

/// A sample's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Bool(bool),
    Sint(i64),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Str(Cow<'a, [u8]>),
    Bin(Cow<'a, [u8]>),
    Meth(Method<'a>),
}

impl<'a> Value<'a> {
    pub fn smp_type(&self) -> SmpType {
        match self {
            Value::Bool(_) => SmpType::Bool,
            Value::Sint(_) => SmpType::Sint,
            Value::Ipv4(_) => SmpType::Ipv4,
            Value::Ipv6(_) => SmpType::Ipv6,
            Value::Str(_) => SmpType::Str,
            Value::Bin(_) => SmpType::Bin,
            Value::Meth(_) => SmpType::Meth,
        }
    }

    /// A string sample borrowing `s`.
    pub fn str(s: &'a [u8]) -> Value<'a> {
        Value::Str(Cow::Borrowed(s))
    }

    /// A copy detached from what it borrowed (one copy of the bytes).
    pub fn to_owned_value(&self) -> Value<'static> {
        match self {
            Value::Bool(b) => Value::Bool(*b),
            Value::Sint(i) => Value::Sint(*i),
            Value::Ipv4(a) => Value::Ipv4(*a),
            Value::Ipv6(a) => Value::Ipv6(*a),
            Value::Str(s) => Value::Str(Cow::Owned(s.to_vec())),
            Value::Bin(s) => Value::Bin(Cow::Owned(s.to_vec())),
            Value::Meth(Method::Known(m)) => Value::Meth(Method::Known(*m)),
            Value::Meth(Method::Other(s)) => Value::Meth(Method::Other(Cow::Owned(s.to_vec()))),
        }
    }

    /// A view of this value borrowing its bytes (no copy).
    pub fn reborrow(&self) -> Value<'_> {
        match self {
            Value::Bool(b) => Value::Bool(*b),
            Value::Sint(i) => Value::Sint(*i),
            Value::Ipv4(a) => Value::Ipv4(*a),
            Value::Ipv6(a) => Value::Ipv6(*a),
            Value::Str(s) => Value::Str(Cow::Borrowed(s)),
            Value::Bin(s) => Value::Bin(Cow::Borrowed(s)),
            Value::Meth(Method::Known(m)) => Value::Meth(Method::Known(*m)),
            Value::Meth(Method::Other(s)) => Value::Meth(Method::Other(Cow::Borrowed(s))),
        }
    }

    /// The value detached from what it borrowed.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Bool(b) => Value::Bool(b),
            Value::Sint(i) => Value::Sint(i),
            Value::Ipv4(a) => Value::Ipv4(a),
            Value::Ipv6(a) => Value::Ipv6(a),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Bin(s) => Value::Bin(Cow::Owned(s.into_owned())),
            Value::Meth(Method::Known(m)) => Value::Meth(Method::Known(m)),
            Value::Meth(Method::Other(s)) => Value::Meth(Method::Other(Cow::Owned(s.into_owned()))),
        }
    }

    /// Converts to `to` as HAProxy's `sample_casts` matrix does; `None` when the cast
    /// does not exist or fails on this value (an empty string to an integer, text that
    /// is not an address).
    /// Whether [`Value::cast`] to `to` gives the value back unchanged.
    pub fn is_already(&self, to: SmpType) -> bool {
        let from = self.smp_type();
        to == SmpType::Any
            || from == to
            || (to == SmpType::Addr && matches!(from, SmpType::Ipv4 | SmpType::Ipv6))
    }

    pub fn cast(self, to: SmpType) -> Option<Value<'a>> {
        use SmpType as T;
        use Value as V;
        let from = self.smp_type();
        if !can_cast(from, to) {
            return None;
        }
        Some(match (self, to) {
            (v, T::Any) => v,
            (V::Bool(b), T::Bool) => V::Bool(b),
            (V::Bool(b), T::Sint) => V::Sint(i64::from(b)),
            (V::Bool(b), T::Str) => V::Str(Cow::Borrowed(if b { b"1" } else { b"0" })),
            (V::Bool(b), T::Bin) => V::Bin(Cow::Owned(i64::from(b).to_be_bytes().to_vec())),
            (V::Sint(i), T::Bool) => V::Bool(i != 0),
            (V::Sint(i), T::Sint) => V::Sint(i),
            (V::Sint(i), T::Addr | T::Ipv4) => V::Ipv4(Ipv4Addr::from(i as u32)),
            (V::Sint(i), T::Ipv6) => V::Ipv6(Ipv4Addr::from(i as u32).to_ipv6_mapped()),
            (V::Sint(i), T::Str) => V::Str(Cow::Owned(i.to_string().into_bytes())),
            (V::Sint(i), T::Bin) => V::Bin(Cow::Owned(i.to_be_bytes().to_vec())),
            (V::Ipv4(a), T::Sint) => V::Sint(i64::from(u32::from(a))),
            (V::Ipv4(a), T::Addr | T::Ipv4) => V::Ipv4(a),
            (V::Ipv4(a), T::Ipv6) => V::Ipv6(a.to_ipv6_mapped()),
            (V::Ipv4(a), T::Str) => V::Str(Cow::Owned(a.to_string().into_bytes())),
            (V::Ipv4(a), T::Bin) => V::Bin(Cow::Owned(a.octets().to_vec())),
            (V::Ipv6(a), T::Addr | T::Ipv6) => V::Ipv6(a),
            (V::Ipv6(a), T::Ipv4) => V::Ipv4(v6_to_v4(&a)?),
            (V::Ipv6(a), T::Str) => V::Str(Cow::Owned(ntop6(&a).into_bytes())),
            (V::Ipv6(a), T::Bin) => V::Bin(Cow::Owned(a.octets().to_vec())),
            (V::Str(s), T::Bool) => V::Bool(str_to_int(&s)? != 0),
            (V::Str(s), T::Sint) => V::Sint(str_to_int(&s)?),
            (V::Str(s), T::Addr) => match parse_ipv4_prefix(&s) {
                Some(a) => V::Ipv4(a),
                None => V::Ipv6(parse_ipv6(&s)?),
            },
            (V::Str(s), T::Ipv4) => V::Ipv4(parse_ipv4_prefix(&s)?),
            (V::Str(s), T::Ipv6) => V::Ipv6(parse_ipv6(&s)?),
            (V::Str(s), T::Str) => V::Str(s),
            (V::Str(s), T::Bin) => V::Bin(s),
            (V::Str(s) | V::Bin(s), T::Meth) => V::Meth(Method::of(s)),
            (V::Bin(s), T::Str) => V::Str(until_nul(s)),
            (V::Bin(s), T::Bin) => V::Bin(s),
            (V::Meth(m), T::Meth) => V::Meth(m),
            (V::Meth(m), T::Str | T::Bin) => {
                let s = match m {
                    Method::Known(k) => Cow::Borrowed(k.as_str().as_bytes()),
                    Method::Other(s) => s,
                };
                if to == T::Str {
                    V::Str(s)
                } else {
                    V::Bin(s)
                }
            }
            _ => return None,
        })
    }
}

/// Whether HAProxy's matrix has a cast from `from` to `to` (decided at configuration
/// time: a converter whose input cannot come from the previous step is an error).
pub fn can_cast(from: SmpType, to: SmpType) -> bool {
    use SmpType::*;
    if to == Any || from == to && from != Addr {
        return true;
    }
    match from {
        Any => true,
        Bool => matches!(to, Sint | Str | Bin),
        Sint => matches!(to, Bool | Addr | Ipv4 | Ipv6 | Str | Bin),
        Addr => false,
        Ipv4 => matches!(to, Sint | Addr | Ipv6 | Str | Bin),
        Ipv6 => matches!(to, Addr | Ipv4 | Str | Bin),
        Str => matches!(to, Bool | Sint | Addr | Ipv4 | Ipv6 | Bin | Meth),
        Bin => matches!(to, Str | Meth),
        Meth => matches!(to, Str | Bin),
    }
}

/// HAProxy's `c_str2int`: an empty string fails; otherwise `read_int64`, which takes an
/// optional sign and the digits that follow, stops at the first other character (so
/// `"12ab"` is 12 and `"ab"` is 0) and saturates.
pub fn str_to_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: u64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        v = match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(c - b'0')))
        {
            Some(x) => x,
            None => {
                v = u64::MAX;
                break;
            }
        };
    }
    Some(if neg {
        if v > 1 << 63 {
            i64::MIN
        } else {
            (v as i64).wrapping_neg()
        }
    } else {
        i64::try_from(v).unwrap_or(i64::MAX)
    })
}

/// HAProxy's `buf2ip`: dotted quad, four parts required, parsing stops at the first
/// character that is neither a digit nor a dot (so `1.2.3.4:80` is 1.2.3.4).
pub fn parse_ipv4_prefix(s: &[u8]) -> Option<Ipv4Addr> {
    let mut parts = [0u8; 4];
    let mut idx = 0usize;
    let mut octets = 0;
    let mut saw_digit = false;
    for &c in s {
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
        } else if c == b'.' {
            if !saw_digit || octets == 4 {
                return None;
            }
            idx += 1;
            saw_digit = false;
        } else {
            break;
        }
    }
    (octets == 4).then(|| Ipv4Addr::from(parts))
}

/// HAProxy's `buf2ip6` (`inet_pton`): the whole text must be an IPv6 address.
pub fn parse_ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    if s.len() > 45 {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `v6tov4`: only IPv4-mapped addresses (`::ffff:a.b.c.d`) convert.
fn v6_to_v4(a: &Ipv6Addr) -> Option<Ipv4Addr> {
    a.to_ipv4_mapped()
}

/// An IPv6 address as glibc's `inet_ntop` writes it (HAProxy prints with it): like
/// Rust's formatting, except that an address whose first six groups are zero and whose
/// seventh is not (`::a.b.c.d`, IPv4-compatible) keeps its dotted tail.
pub fn ntop6(a: &Ipv6Addr) -> String {
    let w = a.segments();
    if w[..6].iter().all(|&x| x == 0) && w[6] != 0 {
        let o = a.octets();
        return format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
    }
    a.to_string()
}

/// `c_bin2str`: a NUL ends the string.
fn until_nul(s: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    match s.iter().position(|&c| c == 0) {
        None => s,
        Some(n) => match s {
            Cow::Borrowed(b) => Cow::Borrowed(&b[..n]),
            Cow::Owned(mut v) => {
                v.truncate(n);
                Cow::Owned(v)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value<'_> {
        Value::str(x.as_bytes())
    }

    #[test]
    fn string_to_integer_as_read_int64() {
        assert_eq!(s("").cast(SmpType::Sint), None);
        assert_eq!(s("12ab").cast(SmpType::Sint), Some(Value::Sint(12)));
        assert_eq!(s("ab").cast(SmpType::Sint), Some(Value::Sint(0)));
        assert_eq!(s("-7").cast(SmpType::Sint), Some(Value::Sint(-7)));
        assert_eq!(s("+7").cast(SmpType::Sint), Some(Value::Sint(7)));
        assert_eq!(
            s("99999999999999999999").cast(SmpType::Sint),
            Some(Value::Sint(i64::MAX))
        );
        assert_eq!(
            s("-9223372036854775808").cast(SmpType::Sint),
            Some(Value::Sint(i64::MIN))
        );
        assert_eq!(
            s("-99999999999999999999").cast(SmpType::Sint),
            Some(Value::Sint(i64::MIN))
        );
        assert_eq!(s("0").cast(SmpType::Bool), Some(Value::Bool(false)));
    }

    #[test]
    fn addresses() {
        let v4 = Ipv4Addr::new(10, 0, 0, 1);
        assert_eq!(s("10.0.0.1:80").cast(SmpType::Ipv4), Some(Value::Ipv4(v4)));
        assert_eq!(s("10.0.0").cast(SmpType::Ipv4), None);
        assert_eq!(s("10.0.0.256").cast(SmpType::Ipv4), None);
        assert_eq!(s("1..2.3").cast(SmpType::Ipv4), None);
        assert_eq!(
            s("::1").cast(SmpType::Addr),
            Some(Value::Ipv6(Ipv6Addr::LOCALHOST))
        );
        assert_eq!(
            Value::Sint(0x0a000001).cast(SmpType::Ipv4),
            Some(Value::Ipv4(v4))
        );
        assert_eq!(
            Value::Ipv4(v4).cast(SmpType::Sint),
            Some(Value::Sint(0x0a000001))
        );
        let mapped = v4.to_ipv6_mapped();
        assert_eq!(
            Value::Ipv4(v4).cast(SmpType::Ipv6),
            Some(Value::Ipv6(mapped))
        );
        assert_eq!(
            Value::Ipv6(mapped).cast(SmpType::Ipv4),
            Some(Value::Ipv4(v4))
        );
        assert_eq!(Value::Ipv6(Ipv6Addr::LOCALHOST).cast(SmpType::Ipv4), None);
        assert_eq!(
            Value::Ipv6(mapped).cast(SmpType::Str),
            Some(Value::Str(Cow::Owned(b"::ffff:10.0.0.1".to_vec())))
        );
        let compat: Ipv6Addr = "::10.0.0.1".parse().unwrap();
        assert_eq!(ntop6(&compat), "::10.0.0.1");
        assert_eq!(ntop6(&Ipv6Addr::LOCALHOST), "::1");
        assert_eq!(ntop6(&"::2".parse().unwrap()), "::2");
        assert_eq!(ntop6(&"2001:db8::1".parse().unwrap()), "2001:db8::1");
        assert_eq!(
            Value::Ipv4(v4).cast(SmpType::Bin),
            Some(Value::Bin(Cow::Owned(vec![10, 0, 0, 1])))
        );
    }

    #[test]
    fn matrix_holes() {
        assert!(!can_cast(SmpType::Bool, SmpType::Ipv4));
        assert!(!can_cast(SmpType::Ipv6, SmpType::Sint));
        assert!(!can_cast(SmpType::Bin, SmpType::Sint));
        assert!(!can_cast(SmpType::Addr, SmpType::Str));
        assert!(can_cast(SmpType::Meth, SmpType::Bin));
        assert_eq!(Value::Ipv6(Ipv6Addr::LOCALHOST).cast(SmpType::Sint), None);
    }

    #[test]
    fn binary_and_methods() {
        assert_eq!(
            Value::Sint(1).cast(SmpType::Bin),
            Some(Value::Bin(Cow::Owned(vec![0, 0, 0, 0, 0, 0, 0, 1])))
        );
        assert_eq!(
            Value::Bin(Cow::Borrowed(b"ab\0cd")).cast(SmpType::Str),
            Some(s("ab"))
        );
        assert_eq!(
            s("GET").cast(SmpType::Meth),
            Some(Value::Meth(Method::Known(KnownMethod::Get)))
        );
        let m = s("PURGE").cast(SmpType::Meth).unwrap();
        assert_eq!(m.clone().cast(SmpType::Str), Some(s("PURGE")));
        assert_eq!(Value::Bool(true).cast(SmpType::Str), Some(s("1")));
        assert_eq!(Value::Sint(-42).cast(SmpType::Str), Some(s("-42")));
    }
}
