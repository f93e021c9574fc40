//! Socket addresses as HAProxy writes them (configuration manual section 11, "Address
//! formats"; HAProxy's `str2sa_range` and `str2ip2`), for every keyword naming one: `bind`,
//! `server`, `source`, `dispatch`, `log` targets (global and proxies), `stats socket`,
//! `mailer`...
//!
//! - IPv4 `10.0.0.1:80`, IPv6 `[::1]:80` or `::1:80` (the last colon is the port separator),
//!   `*:80`, `:80`, `:::80`, host names;
//! - family prefixes `ipv4@`, `ipv6@`, `ip@`, `tcp@`, `tcp4@`, `tcp6@`, `udp@`, `udp4@`,
//!   `udp6@`, `unix@`, `uxst@`, `uxdg@`, `abns@`, `fd@N`, `sockpair@N`, `quic4@`, `quic6@`,
//!   and the socket-type prefixes `stream+` / `dgram+`; a leading `/` means a Unix path;
//! - ports: none, `N`, ranges `N-M`, offsets `+N` / `-N`; which ports, socket types and
//!   descriptors a caller accepts is given by [`AddrOpts`], HAProxy's `PA_O_*` flags;
//! - `$VAR` / `${VAR}` expansion, as HAProxy applies to every address.
//!
//! Host names go through a [`HostResolver`] supplied by the binary, so the model itself
//! stays free of network code; the default one asks the system resolver
//! (`std::net::ToSocketAddrs`), which is what HAProxy's `getaddrinfo` does.
//!
//! Error texts are HAProxy's, including the trailing line feed some of them carry (it shows
//! as a blank line in its output where the caller prints the message as is).

mod resolver;
#[cfg(test)]
mod tests;

pub use resolver::{valid_hostname, HostResolver};

use crate::cnum::{atoi, strtol10_full};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP family forced by a prefix (`ipv4@`, `ipv6@`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpFamily {
    V4,
    V6,
}

/// Stream (TCP, Unix stream) or datagram (UDP, Unix datagram) socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockType {
    Stream,
    Dgram,
}

impl SockType {
    /// How HAProxy names it in "unsupported protocol" messages.
    fn word(self) -> &'static str {
        match self {
            SockType::Stream => "stream",
            SockType::Dgram => "datagram",
        }
    }
}

/// What an address designates, after prefixes were applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A literal address (`*`, empty and `::` are the wildcard addresses).
    Ip(IpAddr),
    /// A host name kept for later resolution (servers), with the family a prefix forced.
    Name {
        name: String,
        family: Option<IpFamily>,
    },
    /// A Unix socket path (`unix@`, `uxst@`, `uxdg@` or a leading `/`).
    Unix(String),
    /// A Linux abstract-namespace socket (`abns@`).
    Abns(String),
    /// An inherited file descriptor (`fd@N`, `stdout`/`stderr` for logs).
    Fd(u32),
    /// One end of a socket pair on which other fds are received (`sockpair@N`).
    SockPair(u32),
}

/// The port part of an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// No port written (or `:` alone, or port 0, or non-IP family).
    None,
    /// A port or an inclusive range (`80`, `8000-8010`).
    Range(u16, u16),
    /// A relative port (`+N`, `-N`): the client's destination port plus this offset.
    Offset(i32),
}

/// A parsed address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockAddr {
    pub host: Host,
    pub port: Port,
    pub sock: SockType,
}

impl SockAddr {
    /// The single port, when exactly one was written.
    pub fn single_port(&self) -> Option<u16> {
        match self.port {
            Port::Range(a, b) if a == b => Some(a),
            _ => None,
        }
    }
}

/// Where an address is used, as HAProxy's `PA_O_*` flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddrOpts {
    /// `PA_O_PORT_OK`: a port may be written.
    pub port_ok: bool,
    /// `PA_O_PORT_MAND`: a port must be written (and be at least 1).
    pub port_mand: bool,
    /// `PA_O_PORT_RANGE`: `N-M` ranges are allowed.
    pub port_range: bool,
    /// `PA_O_PORT_OFS`: `+N` / `-N` offsets are allowed.
    pub port_offset: bool,
    /// `PA_O_RESOLVE`: host names are resolved now (otherwise kept as [`Host::Name`] when
    /// `keep_name`).
    pub resolve: bool,
    /// Host names are accepted unresolved (servers resolve them later via `init-addr`).
    pub keep_name: bool,
    /// `PA_O_STREAM`: stream sockets accepted.
    pub stream: bool,
    /// `PA_O_DGRAM`: datagram sockets accepted.
    pub dgram: bool,
    /// `PA_O_DEFAULT_DGRAM`: when both are accepted and nothing says which, use datagram.
    pub default_dgram: bool,
    /// `PA_O_RAW_FD`: `fd@N` accepted as a raw descriptor (not checked).
    pub raw_fd: bool,
    /// `PA_O_SOCKET_FD`: `fd@N` accepted, and must be an existing socket.
    pub socket_fd: bool,
    /// `PA_O_CONNECT`: the address is connected to (not listened on).
    pub connect: bool,
}

impl AddrOpts {
    /// `source` and `usesrc` addresses: the plain case the others differ from (an
    /// outgoing stream socket, optional port, host names resolved now).
    pub const SOURCE: AddrOpts = AddrOpts {
        port_ok: true,
        port_mand: false,
        port_range: false,
        port_offset: false,
        resolve: true,
        keep_name: false,
        stream: true,
        dgram: false,
        default_dgram: false,
        raw_fd: false,
        socket_fd: false,
        connect: true,
    };
    /// Listeners (`bind`, `stats socket`; HAProxy's `str2listener`): mandatory port or
    /// range, inherited sockets allowed.
    pub const BIND: AddrOpts = AddrOpts {
        port_mand: true,
        port_range: true,
        socket_fd: true,
        connect: false,
        ..Self::SOURCE
    };
    /// `server` addresses: optional port or offset, names kept for `init-addr`.
    pub const SERVER: AddrOpts = AddrOpts {
        port_offset: true,
        resolve: false,
        keep_name: true,
        ..Self::SOURCE
    };
    /// Outgoing stream connections with a mandatory port: `dispatch`, `socks4`, `mailer`.
    pub const CONNECT_PORT: AddrOpts = AddrOpts {
        port_mand: true,
        ..Self::SOURCE
    };
    /// `log` targets: datagram by default, stream allowed, raw fds allowed.
    pub const LOG: AddrOpts = AddrOpts {
        dgram: true,
        default_dgram: true,
        raw_fd: true,
        connect: false,
        ..Self::SOURCE
    };
}

/// Socket family as HAProxy selects it from a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Unspec,
    Inet,
    Inet6,
    Unix,
    Abns,
    ExistingFd,
    SockPair,
}

impl Family {
    /// Linux `AF_*` values, as printed in "unsupported protocol" messages; the two custom
    /// ones are `AF_MAX + 1` and `AF_MAX + 2`.
    fn number(self) -> u32 {
        match self {
            Family::Unspec => 0,
            Family::Unix | Family::Abns => 1,
            Family::Inet => 2,
            Family::Inet6 => 10,
            Family::ExistingFd => 47,
            Family::SockPair => 48,
        }
    }
}

/// An address prefix: the family it selects and the control and protocol socket types it
/// forces (they differ only for QUIC: a stream-oriented layer over datagrams).
struct Prefix {
    text: &'static str,
    family: Family,
    types: Option<(SockType, SockType)>,
}

const STREAM: Option<(SockType, SockType)> = Some((SockType::Stream, SockType::Stream));
const DGRAM: Option<(SockType, SockType)> = Some((SockType::Dgram, SockType::Dgram));
const QUIC: Option<(SockType, SockType)> = Some((SockType::Stream, SockType::Dgram));

const fn prefix(text: &'static str, family: Family, types: Option<(SockType, SockType)>) -> Prefix {
    Prefix {
        text,
        family,
        types,
    }
}

/// The prefixes HAProxy 2.6 knows, tried in this order.
const PREFIXES: &[Prefix] = &[
    prefix("unix@", Family::Unix, None),
    prefix("uxdg@", Family::Unix, DGRAM),
    prefix("uxst@", Family::Unix, STREAM),
    prefix("abns@", Family::Abns, None),
    prefix("ip@", Family::Unspec, None),
    prefix("ipv4@", Family::Inet, None),
    prefix("ipv6@", Family::Inet6, None),
    prefix("tcp4@", Family::Inet, STREAM),
    prefix("udp4@", Family::Inet, DGRAM),
    prefix("tcp6@", Family::Inet6, STREAM),
    prefix("udp6@", Family::Inet6, DGRAM),
    prefix("tcp@", Family::Unspec, STREAM),
    prefix("udp@", Family::Unspec, DGRAM),
    prefix("quic4@", Family::Inet, QUIC),
    prefix("quic6@", Family::Inet6, QUIC),
    prefix("fd@", Family::ExistingFd, None),
    prefix("sockpair@", Family::SockPair, None),
];

/// Longest Unix socket path HAProxy accepts for a non-abstract socket: `sun_path` (108)
/// minus the NUL and the `.<pid>.<bak|tmp>` suffix used while binding.
const MAX_UNIX_PATH: usize = 107 - (1 + 5 + 1 + 3);
/// Longest abstract socket name.
const MAX_ABNS_PATH: usize = 107;

/// Parses one address (no comma lists: see [`split_list`]). Errors carry HAProxy's text.
pub fn parse(text: &str, opts: &AddrOpts, resolver: &HostResolver) -> Result<SockAddr, String> {
    let expanded = env_expand(text, |v| std::env::var(v).ok());
    if expanded.is_empty() {
        return Err(format!(
            "'{text}' resolves to an empty address (environment variable missing?)\n"
        ));
    }
    let mut rest = expanded.as_str();
    let (mut ctrl, mut proto) = if opts.dgram && (!opts.stream || opts.default_dgram) {
        (SockType::Dgram, SockType::Dgram)
    } else {
        (SockType::Stream, SockType::Stream)
    };
    if let Some(r) = rest.strip_prefix("stream+") {
        rest = r;
        (ctrl, proto) = (SockType::Stream, SockType::Stream);
    } else if let Some(r) = rest.strip_prefix("dgram+") {
        rest = r;
        (ctrl, proto) = (SockType::Dgram, SockType::Dgram);
    }

    let mut family = Family::Unspec;
    match PREFIXES.iter().find(|p| rest.starts_with(p.text)) {
        Some(p) => {
            rest = &rest[p.text.len()..];
            family = p.family;
            if let Some(t) = p.types {
                (ctrl, proto) = t;
            }
        }
        None if rest.starts_with('/') => family = Family::Unix,
        None => {}
    }

    let mut port = Port::None;
    let host = match family {
        Family::SockPair => {
            let fd = parse_fd(rest, text)?;
            probe_fd(resolver, fd)?;
            Host::SockPair(fd)
        }
        Family::ExistingFd => {
            let fd = parse_fd(rest, text)?;
            if opts.socket_fd {
                probe_fd(resolver, fd)?;
            } else if !opts.raw_fd {
                return Err(format!(
                    "a file descriptor is not acceptable here in '{text}'\n"
                ));
            }
            Host::Fd(fd)
        }
        Family::Unix | Family::Abns => {
            let max = if family == Family::Abns {
                MAX_ABNS_PATH
            } else {
                MAX_UNIX_PATH
            };
            if rest.len() > max {
                return Err(format!("socket path '{text}' too long (max {max})\n"));
            }
            if family == Family::Abns {
                Host::Abns(rest.to_string())
            } else {
                Host::Unix(rest.to_string())
            }
        }
        Family::Unspec | Family::Inet | Family::Inet6 => {
            let ip_family = match family {
                Family::Inet => Some(IpFamily::V4),
                Family::Inet6 => Some(IpFamily::V6),
                _ => None,
            };
            let (addr, port_text) = split_port(rest);
            match port_text {
                Some(p) => {
                    if !opts.port_ok {
                        return Err(format!("port specification not permitted here in '{text}'"));
                    }
                    port = parse_port(p, text, opts)?;
                }
                None if opts.port_mand => {
                    return Err(format!("missing port specification in '{text}'"));
                }
                None => {}
            }
            let invalid = || format!("invalid address: '{addr}' in '{text}'\n");
            match literal_ip(addr, ip_family) {
                Some(ip) => Host::Ip(ip),
                // A literal of the other family never resolves in the requested one.
                None if opts.resolve && addr.parse::<IpAddr>().is_ok() => return Err(invalid()),
                None if opts.resolve => match resolver.resolve(addr, ip_family) {
                    Some(ip) => Host::Ip(ip),
                    None => return Err(invalid()),
                },
                None if opts.keep_name => Host::Name {
                    name: addr.to_string(),
                    family: ip_family,
                },
                None => return Err(invalid()),
            }
        }
    };

    if ctrl == SockType::Stream && !opts.stream {
        return Err(format!("stream-type address not acceptable in '{text}'\n"));
    }
    if ctrl == SockType::Dgram && !opts.dgram {
        return Err(format!("dgram-type address not acceptable in '{text}'\n"));
    }
    if !protocol_exists(family, ctrl, proto) {
        let quic_hint = if ctrl == SockType::Stream && proto == SockType::Dgram {
            "; QUIC is not compiled in if this is what you were looking for."
        } else {
            ""
        };
        return Err(format!(
            "unsupported {} protocol for {} family {} address '{text}'{quic_hint}",
            ctrl.word(),
            proto.word(),
            family.number()
        ));
    }
    if ctrl == SockType::Dgram && opts.connect && matches!(host, Host::Unix(_) | Host::Abns(_)) {
        return Err(format!(
            "connect() not supported for this protocol family used by address '{text}'"
        ));
    }
    Ok(SockAddr {
        host,
        port,
        sock: ctrl,
    })
}

/// The protocols HAProxy 2.6 registers (without QUIC): TCP and UDP over IPv4/IPv6, Unix
/// stream and datagram sockets, and stream socket pairs. Inherited fds need none.
fn protocol_exists(family: Family, ctrl: SockType, proto: SockType) -> bool {
    match family {
        Family::ExistingFd => true,
        Family::SockPair => ctrl == SockType::Stream && proto == SockType::Stream,
        _ => ctrl == proto,
    }
}

/// `fd@N` / `sockpair@N`: `strtol` over the whole text, a non-negative `int`.
fn parse_fd(s: &str, whole: &str) -> Result<u32, String> {
    match strtol10_full(s) {
        Some(v) if (0..=i64::from(i32::MAX)).contains(&v) => Ok(v as u32),
        _ => Err(format!(
            "file descriptor '{s}' is not a valid integer in '{whole}'\n"
        )),
    }
}

/// HAProxy's `getsockname()` check on an inherited descriptor, through the resolver's hook.
fn probe_fd(resolver: &HostResolver, fd: u32) -> Result<(), String> {
    resolver
        .probe_fd(fd)
        .map_err(|e| format!("cannot use file descriptor '{fd}' : {e}.\n"))
}

/// Splits `addr:port` the way HAProxy does: scanning from the end, the first `:` found
/// before any `]` separates the port.
fn split_port(s: &str) -> (&str, Option<&str>) {
    let b = s.as_bytes();
    for i in (0..b.len()).rev() {
        match b[i] {
            b':' => return (&s[..i], Some(&s[i + 1..])),
            b']' => return (s, None),
            _ => {}
        }
    }
    (s, None)
}

/// The port part, with the caller's permissions; numbers are read with C's `atoi`.
fn parse_port(p: &str, text: &str, opts: &AddrOpts) -> Result<Port, String> {
    let min = i32::from(opts.port_mand);
    match p.as_bytes().first() {
        Some(c) if c.is_ascii_digit() => {
            let (p1, p2) = match p.split_once('-') {
                Some((a, b)) => {
                    if !opts.port_range {
                        return Err(format!("port range not permitted here in '{text}'"));
                    }
                    (a, b)
                }
                None => (p, p),
            };
            let lo = atoi(p1);
            let hi = atoi(p2);
            if lo < min || lo > 65535 {
                return Err(format!("invalid port '{p1}'"));
            }
            if hi < min || hi > 65535 {
                return Err(format!("invalid port '{p2}'"));
            }
            if lo > hi {
                return Err(format!("invalid port range '{lo}-{hi}'"));
            }
            if lo == 0 && hi == 0 {
                return Ok(Port::None);
            }
            Ok(Port::Range(lo as u16, hi as u16))
        }
        Some(b'-') | Some(b'+') => {
            if !opts.port_offset {
                return Err(format!("port offset not permitted here in '{text}'"));
            }
            let n = atoi(&p[1..]);
            Ok(Port::Offset(if p.starts_with('-') {
                n.wrapping_neg()
            } else {
                n
            }))
        }
        Some(_) => {
            let c = p.chars().next().unwrap_or('?');
            Err(format!(
                "invalid character '{c}' in port number '{p}' in '{text}'\n"
            ))
        }
        None if opts.port_mand => Err(format!("missing port specification in '{text}'")),
        None => Ok(Port::None),
    }
}

/// HAProxy's `str2ip2` without resolution: `[v6]`, `::`, `*`, empty, IPv6, IPv4, each
/// only when compatible with a forced family.
pub fn literal_ip(s: &str, family: Option<IpFamily>) -> Option<IpAddr> {
    let s = if let Some(inner) = s.strip_prefix('[') {
        if s.len() < 4 || s.len() >= 48 {
            return None;
        }
        inner.strip_suffix(']')?
    } else {
        s
    };
    if s == "::" {
        return match family {
            None | Some(IpFamily::V6) => Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            Some(IpFamily::V4) => None,
        };
    }
    if s.is_empty() || s == "*" {
        return Some(match family {
            Some(IpFamily::V6) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        });
    }
    if family != Some(IpFamily::V4) {
        if let Ok(v6) = s.parse::<Ipv6Addr>() {
            return Some(IpAddr::V6(v6));
        }
    }
    if family != Some(IpFamily::V6) {
        if let Ok(v4) = s.parse::<Ipv4Addr>() {
            return Some(IpAddr::V4(v4));
        }
    }
    None
}

/// Expands `$NAME` and `${NAME}` from `lookup` (unset variables expand to nothing), as
/// HAProxy's `env_expand` does on every address.
pub fn env_expand(s: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    if !s.contains('$') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let next = s[i..].find('$').map_or(b.len(), |n| i + n);
            out.push_str(&s[i..next]);
            i = next;
            continue;
        }
        let mut beg = i + 1;
        let braced = b.get(beg) == Some(&b'{');
        if braced {
            beg += 1;
        }
        let mut end = beg;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
            end += 1;
        }
        if let Some(v) = lookup(&s[beg..end]) {
            out.push_str(&v);
        }
        i = if braced && b.get(end) == Some(&b'}') {
            end + 1
        } else {
            end
        };
    }
    out
}

/// Splits an address list on commas (`a:1,b:2`), dropping a trailing empty item.
pub fn split_list(s: &str) -> impl Iterator<Item = &str> {
    let mut v: Vec<&str> = s.split(',').collect();
    if v.len() > 1 && v.last() == Some(&"") {
        v.pop();
    }
    v.into_iter()
}

impl fmt::Display for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
            Host::Ip(ip) => write!(f, "{ip}")?,
            Host::Name { name, .. } => write!(f, "{name}")?,
            Host::Unix(p) => return write!(f, "unix@{p}"),
            Host::Abns(p) => return write!(f, "abns@{p}"),
            Host::Fd(n) => return write!(f, "fd@{n}"),
            Host::SockPair(n) => return write!(f, "sockpair@{n}"),
        }
        match self.port {
            Port::None => Ok(()),
            Port::Range(a, b) if a == b => write!(f, ":{a}"),
            Port::Range(a, b) => write!(f, ":{a}-{b}"),
            Port::Offset(o) if o >= 0 => write!(f, ":+{o}"),
            Port::Offset(o) => write!(f, ":{o}"),
        }
    }
}
