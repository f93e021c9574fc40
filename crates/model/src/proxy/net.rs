//! Small value parsers shared by proxy keywords: networks (`option forwardfor except`,
//! `resolve-net`; HAProxy's `str2net`/`str62net`), C-style integers (`atol`), and
//! user/group names (`bind ... user|group`) looked up in `/etc/passwd` and `/etc/group`.

use crate::addr::HostResolver;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address with a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Net {
    /// True when `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// `addr[/mask]`: IPv4 with a dotted or bit-count mask (host names resolved), or IPv6
/// with a prefix length. The address is masked, as HAProxy stores it.
pub fn parse_net(s: &str, resolver: &HostResolver) -> Option<Net> {
    parse_net4(s, resolver).or_else(|| parse_net6(s))
}

fn parse_net4(s: &str, resolver: &HostResolver) -> Option<Net> {
    let (addr, prefix) = match s.rsplit_once('/') {
        Some((a, m)) => (a, mask4(m)?),
        None => (s, 32),
    };
    let ip = match addr.parse::<Ipv4Addr>() {
        Ok(ip) => ip,
        Err(_) => match resolver.resolve(addr, Some(crate::addr::IpFamily::V4))? {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => return None,
        },
    };
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Some(Net {
        addr: IpAddr::V4(Ipv4Addr::from(u32::from(ip) & mask)),
        prefix,
    })
}

/// A v4 mask: bit count 0..=32 or a contiguous dotted mask.
fn mask4(m: &str) -> Option<u8> {
    if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) {
        let n: u32 = m.parse().ok()?;
        return (n <= 32).then_some(n as u8);
    }
    let v = u32::from(m.parse::<Ipv4Addr>().ok()?);
    let ones = v.leading_ones();
    (v.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

fn parse_net6(s: &str) -> Option<Net> {
    let (addr, prefix) = match s.rsplit_once('/') {
        Some((a, m)) => {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: u32 = m.parse().ok()?;
            if n > 128 {
                return None;
            }
            (a, n as u8)
        }
        None => (s, 128),
    };
    let ip: Ipv6Addr = addr.parse().ok()?;
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Some(Net {
        addr: IpAddr::V6(Ipv6Addr::from(u128::from(ip) & mask)),
        prefix,
    })
}

/// C's `atol`: optional blanks and sign, then digits; anything else stops the number.
/// Saturates instead of overflowing.
pub fn atol(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let v = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if neg {
        -v
    } else {
        v
    }
}

/// True when the whole string is an optionally signed decimal integer.
pub fn is_int(s: &str) -> bool {
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// `strtol(s, &end, 0)` with the requirement that nothing follows: decimal, `0x` hex or
/// leading-`0` octal. Returns the first unexpected character on failure.
pub fn strtol_full(s: &str) -> Result<i64, char> {
    let (neg, t) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let mut v: i64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix).ok_or(c)?;
        v = v
            .saturating_mul(i64::from(radix))
            .saturating_add(i64::from(d));
    }
    if t.is_empty() {
        return Err('\0');
    }
    Ok(if neg { -v } else { v })
}

/// `strtol(s, &end, 0)`: the value of the longest numeric prefix (decimal, `0x` hex or
/// leading-`0` octal) and the number of bytes it used.
pub fn strtol_prefix(s: &str) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let neg = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let (radix, mut j) = if b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        (16, i + 2)
    } else if b.get(i) == Some(&b'0') {
        (8, i)
    } else {
        (10, i)
    };
    let start = j;
    let mut v: i64 = 0;
    while let Some(d) = b.get(j).and_then(|c| char::from(*c).to_digit(radix)) {
        v = v
            .saturating_mul(i64::from(radix))
            .saturating_add(i64::from(d));
        j += 1;
    }
    if j == start {
        return (0, 0);
    }
    (if neg { -v } else { v }, j)
}

/// Looks a user name up in `/etc/passwd` (`getpwnam`).
pub fn lookup_user(name: &str) -> Option<u32> {
    lookup_db("/etc/passwd", name)
}

/// Looks a group name up in `/etc/group` (`getgrnam`).
pub fn lookup_group(name: &str) -> Option<u32> {
    lookup_db("/etc/group", name)
}

fn lookup_db(path: &str, name: &str) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.next()?;
        f.next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let r = HostResolver::none();
        let n = parse_net("10.1.2.3/8", &r);
        assert_eq!(
            n,
            Some(Net {
                addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)),
                prefix: 8
            })
        );
        assert_eq!(
            parse_net("10.0.0.0/255.255.0.0", &r).map(|n| n.prefix),
            Some(16)
        );
        assert_eq!(parse_net("10.0.0.0/255.0.255.0", &r), None);
        assert_eq!(parse_net("10.0.0.1", &r).map(|n| n.prefix), Some(32));
        assert_eq!(parse_net("::1/64", &r).map(|n| n.prefix), Some(64));
        assert_eq!(parse_net("::1/129", &r), None);
        assert_eq!(parse_net("nope", &r), None);
        let n = parse_net("192.168.0.0/16", &r);
        assert!(n.is_some_and(|n| n.contains(
            "192.168.4.4"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        )));
    }

    #[test]
    fn c_integers() {
        assert_eq!(atol("12abc"), 12);
        assert_eq!(atol("-5"), -5);
        assert_eq!(atol("abc"), 0);
        assert_eq!(atol("99999999999999999999999999"), i64::MAX);
        assert_eq!(strtol_full("0x10"), Ok(16));
        assert_eq!(strtol_full("010"), Ok(8));
        assert_eq!(strtol_full("12x"), Err('x'));
        assert!(is_int("-3") && !is_int("3a") && !is_int(""));
    }

    #[test]
    fn users_and_groups() {
        assert_eq!(lookup_user("root"), Some(0));
        assert_eq!(lookup_group("root"), Some(0));
        assert_eq!(lookup_user("no-such-user-here"), None);
    }
}
