//! Small value parsers shared by proxy keywords: networks (`option forwardfor except`,
//! `resolve-net`; HAProxy's `str2net`/`str62net`) and user/group names (`bind ... user|group`) looked up in `/etc/passwd` and `/etc/group`.

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
    fn users_and_groups() {
        assert_eq!(lookup_user("root"), Some(0));
        assert_eq!(lookup_group("root"), Some(0));
        assert_eq!(lookup_user("no-such-user-here"), None);
    }
}
