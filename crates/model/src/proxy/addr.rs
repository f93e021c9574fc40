//! Socket addresses as HAProxy writes them (configuration manual section 11, "Address
//! formats"; HAProxy's `str2sa_range` and `str2ip2`), shared by `bind`, `server`, `source`,
//! `dispatch`, `log` and anything else naming an address:
//!
//! - IPv4 `10.0.0.1:80`, IPv6 `[::1]:80` or `::1:80` (the last colon is the port separator),
//!   `*:80`, `:80`, `:::80`, host names;
//! - family prefixes `ipv4@`, `ipv6@`, `ip@`, `tcp@`, `tcp4@`, `tcp6@`, `udp@`, `udp4@`,
//!   `udp6@`, `unix@`, `uxst@`, `uxdg@`, `abns@`, `fd@N`, `sockpair@N`, `quic4@`, `quic6@`,
//!   and the socket-type prefixes `stream+` / `dgram+`; a leading `/` means a Unix path;
//! - ports: none, `N`, ranges `N-M`, offsets `+N` / `-N`, each allowed only where the
//!   caller says so ([`AddrOpts`]);
//! - `$VAR` / `${VAR}` expansion, as HAProxy applies to every address.
//!
//! Host names go through a [`HostResolver`] supplied by the binary, so the model itself
//! stays free of network code; the default one asks the system resolver
//! (`std::net::ToSocketAddrs`), which is what HAProxy's `getaddrinfo` does.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::sync::Arc;

/// Resolves a host name to addresses, in the resolver's order. `Err` carries the reason.
type ResolveFn = dyn Fn(&str) -> Result<Vec<IpAddr>, String> + Send + Sync;
/// Tells whether an inherited file descriptor is a usable socket (`Err`: strerror text).
type FdProbeFn = dyn Fn(u32) -> Result<(), String> + Send + Sync;
/// Tells whether a named network namespace can be opened.
type NetnsProbeFn = dyn Fn(&str) -> bool + Send + Sync;

/// The system hooks lowering uses: host-name resolution (`bind` host names, `init-addr
/// libc`), the check HAProxy makes on inherited sockets (`fd@N`, `sockpair@N`) and the
/// opening of named network namespaces (`namespace`).
#[derive(Clone)]
pub struct HostResolver {
    resolve: Arc<ResolveFn>,
    fd_probe: Arc<FdProbeFn>,
    netns_probe: Arc<NetnsProbeFn>,
}

impl HostResolver {
    /// Wraps any resolution function (tests use fixed tables); fds and namespaces are
    /// always accepted.
    pub fn new(f: impl Fn(&str) -> Result<Vec<IpAddr>, String> + Send + Sync + 'static) -> Self {
        Self {
            resolve: Arc::new(f),
            fd_probe: Arc::new(|_| Ok(())),
            netns_probe: Arc::new(|_| true),
        }
    }

    /// Replaces the network-namespace check.
    pub fn with_netns_probe(mut self, f: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.netns_probe = Arc::new(f);
        self
    }

    /// HAProxy opens `/var/run/netns/<name>` (what `ip netns add` creates) while parsing.
    pub fn system_netns_probe(name: &str) -> bool {
        std::fs::File::open(std::path::Path::new("/var/run/netns").join(name)).is_ok()
    }

    /// True when network namespace `name` can be opened.
    pub fn namespace_exists(&self, name: &str) -> bool {
        (self.netns_probe)(name)
    }

    /// Replaces the inherited-fd check.
    pub fn with_fd_probe(
        mut self,
        f: impl Fn(u32) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.fd_probe = Arc::new(f);
        self
    }

    /// HAProxy's `getsockname()` check on `fd@N` / `sockpair@N`, through `/proc/self/fd`.
    pub fn proc_fd_probe(fd: u32) -> Result<(), String> {
        match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
            Err(_) => Err("Bad file descriptor".into()),
            Ok(target) if target.to_string_lossy().starts_with("socket:") => Ok(()),
            Ok(_) => Err("Socket operation on non-socket".into()),
        }
    }

    /// Checks an inherited file descriptor.
    pub fn probe_fd(&self, fd: u32) -> Result<(), String> {
        (self.fd_probe)(fd)
    }

    /// The system resolver, through `std::net::ToSocketAddrs` (libc `getaddrinfo`), and
    /// the `/proc/self/fd` probe for inherited sockets.
    pub fn system() -> Self {
        Self::new(|host| {
            (host, 0u16)
                .to_socket_addrs()
                .map(|it| it.map(|sa| sa.ip()).collect())
                .map_err(|e| e.to_string())
        })
        .with_fd_probe(Self::proc_fd_probe)
        .with_netns_probe(Self::system_netns_probe)
    }

    /// A resolver that never resolves anything (fully offline checks).
    pub fn none() -> Self {
        Self::new(|_| Err("name resolution disabled".into()))
    }

    /// First address of `host` in the requested family (any family when `None`).
    pub fn resolve(&self, host: &str, family: Option<IpFamily>) -> Option<IpAddr> {
        if !valid_hostname(host) {
            return None;
        }
        let addrs = (self.resolve)(host).ok()?;
        addrs.into_iter().find(|a| match family {
            None => true,
            Some(IpFamily::V4) => a.is_ipv4(),
            Some(IpFamily::V6) => a.is_ipv6(),
        })
    }
}

impl Default for HostResolver {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for HostResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostResolver")
    }
}

/// HAProxy's host-name sanity check before asking the resolver: labels of letters, digits,
/// `-` and `_`, separated by dots, at most 255 bytes.
pub fn valid_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.split('.').all(|l| l.len() <= 63)
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

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
    /// No port written (or `:` alone, or non-IP family).
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
    /// A port may be written.
    pub port_ok: bool,
    /// A port must be written (and be at least 1).
    pub port_mand: bool,
    /// `N-M` ranges are allowed.
    pub port_range: bool,
    /// `+N` / `-N` offsets are allowed.
    pub port_offset: bool,
    /// Host names are resolved now (otherwise kept as [`Host::Name`] when `keep_name`).
    pub resolve: bool,
    /// Host names are accepted unresolved (servers resolve them later via `init-addr`).
    pub keep_name: bool,
    /// Stream sockets accepted.
    pub stream: bool,
    /// Datagram sockets accepted.
    pub dgram: bool,
    /// When both are accepted and nothing says which, use datagram (log targets).
    pub default_dgram: bool,
    /// `fd@N` accepted.
    pub fd: bool,
    /// The address is connected to (not listened on): `sockpair@` and Unix are fine,
    /// QUIC is refused.
    pub connect: bool,
}

impl AddrOpts {
    /// `bind` addresses (HAProxy's `str2listener`).
    pub const BIND: AddrOpts = AddrOpts {
        port_ok: true,
        port_mand: true,
        port_range: true,
        port_offset: false,
        resolve: true,
        keep_name: false,
        stream: true,
        dgram: false,
        default_dgram: false,
        fd: true,
        connect: false,
    };
    /// `server` addresses: optional port or offset, names kept for `init-addr`.
    pub const SERVER: AddrOpts = AddrOpts {
        port_ok: true,
        port_mand: false,
        port_range: false,
        port_offset: true,
        resolve: false,
        keep_name: true,
        stream: true,
        dgram: false,
        default_dgram: false,
        fd: false,
        connect: true,
    };
    /// `source` and `usesrc` addresses (a port range is allowed on servers' `source`).
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
        fd: false,
        connect: true,
    };
    /// `dispatch` and `socks4`: a port is mandatory.
    pub const CONNECT_PORT: AddrOpts = AddrOpts {
        port_ok: true,
        port_mand: true,
        port_range: false,
        port_offset: false,
        resolve: true,
        keep_name: false,
        stream: true,
        dgram: false,
        default_dgram: false,
        fd: false,
        connect: true,
    };
    /// `log` targets: datagram by default, stream allowed, raw fds allowed.
    pub const LOG: AddrOpts = AddrOpts {
        port_ok: true,
        port_mand: false,
        port_range: false,
        port_offset: false,
        resolve: true,
        keep_name: false,
        stream: true,
        dgram: true,
        default_dgram: true,
        fd: true,
        connect: false,
    };
}

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
            "'{text}' resolves to an empty address (environment variable missing?)"
        ));
    }
    let mut s = expanded.as_str();
    let mut sock = if opts.dgram && (!opts.stream || opts.default_dgram) {
        SockType::Dgram
    } else {
        SockType::Stream
    };
    if let Some(r) = s.strip_prefix("stream+") {
        s = r;
        sock = SockType::Stream;
    } else if let Some(r) = s.strip_prefix("dgram+") {
        s = r;
        sock = SockType::Dgram;
    }

    enum Fam {
        Unspec,
        V4,
        V6,
        Unix,
        Abns,
        Fd,
        SockPair,
    }
    let mut quic = None;
    let (fam, rest) = if let Some(r) = s.strip_prefix("unix@") {
        (Fam::Unix, r)
    } else if let Some(r) = s.strip_prefix("uxdg@") {
        sock = SockType::Dgram;
        (Fam::Unix, r)
    } else if let Some(r) = s.strip_prefix("uxst@") {
        sock = SockType::Stream;
        (Fam::Unix, r)
    } else if let Some(r) = s.strip_prefix("abns@") {
        (Fam::Abns, r)
    } else if let Some(r) = s.strip_prefix("ip@") {
        (Fam::Unspec, r)
    } else if let Some(r) = s.strip_prefix("ipv4@") {
        (Fam::V4, r)
    } else if let Some(r) = s.strip_prefix("ipv6@") {
        (Fam::V6, r)
    } else if let Some(r) = s.strip_prefix("tcp4@") {
        sock = SockType::Stream;
        (Fam::V4, r)
    } else if let Some(r) = s.strip_prefix("udp4@") {
        sock = SockType::Dgram;
        (Fam::V4, r)
    } else if let Some(r) = s.strip_prefix("tcp6@") {
        sock = SockType::Stream;
        (Fam::V6, r)
    } else if let Some(r) = s.strip_prefix("udp6@") {
        sock = SockType::Dgram;
        (Fam::V6, r)
    } else if let Some(r) = s.strip_prefix("tcp@") {
        sock = SockType::Stream;
        (Fam::Unspec, r)
    } else if let Some(r) = s.strip_prefix("udp@") {
        sock = SockType::Dgram;
        (Fam::Unspec, r)
    } else if let Some(r) = s.strip_prefix("quic4@") {
        quic = Some(2);
        (Fam::V4, r)
    } else if let Some(r) = s.strip_prefix("quic6@") {
        quic = Some(10);
        (Fam::V6, r)
    } else if let Some(r) = s.strip_prefix("fd@") {
        (Fam::Fd, r)
    } else if let Some(r) = s.strip_prefix("sockpair@") {
        (Fam::SockPair, r)
    } else if s.starts_with('/') {
        (Fam::Unix, s)
    } else {
        (Fam::Unspec, s)
    };

    let mut port = Port::None;
    let host = match fam {
        Fam::Fd | Fam::SockPair => {
            let fd = parse_fd(rest).ok_or_else(|| {
                format!("file descriptor '{rest}' is not a valid integer in '{text}'")
            })?;
            if matches!(fam, Fam::SockPair) {
                resolver
                    .probe_fd(fd)
                    .map_err(|e| format!("cannot use file descriptor '{fd}' : {e}."))?;
                Host::SockPair(fd)
            } else {
                if !opts.fd {
                    return Err(format!(
                        "a file descriptor is not acceptable here in '{text}'"
                    ));
                }
                if opts.port_mand {
                    // Listeners adopt the socket: HAProxy checks it is one.
                    resolver
                        .probe_fd(fd)
                        .map_err(|e| format!("cannot use file descriptor '{fd}' : {e}."))?;
                }
                Host::Fd(fd)
            }
        }
        Fam::Unix => {
            if rest.len() > MAX_UNIX_PATH {
                return Err(format!(
                    "socket path '{text}' too long (max {MAX_UNIX_PATH})"
                ));
            }
            Host::Unix(rest.to_string())
        }
        Fam::Abns => {
            if rest.len() > MAX_ABNS_PATH {
                return Err(format!(
                    "socket path '{text}' too long (max {MAX_ABNS_PATH})"
                ));
            }
            Host::Abns(rest.to_string())
        }
        Fam::Unspec | Fam::V4 | Fam::V6 => {
            let family = match fam {
                Fam::V4 => Some(IpFamily::V4),
                Fam::V6 => Some(IpFamily::V6),
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
            match literal_ip(addr, family) {
                Some(ip) => Host::Ip(ip),
                None if opts.resolve => match resolver.resolve(addr, family) {
                    Some(ip) => Host::Ip(ip),
                    None => return Err(format!("invalid address: '{addr}' in '{text}'")),
                },
                None if opts.keep_name => Host::Name {
                    name: addr.to_string(),
                    family,
                },
                None => return Err(format!("invalid address: '{addr}' in '{text}'")),
            }
        }
    };

    match sock {
        SockType::Stream if !opts.stream => {
            return Err(format!("stream-type address not acceptable in '{text}'"));
        }
        SockType::Dgram if !opts.dgram => {
            return Err(format!("dgram-type address not acceptable in '{text}'"));
        }
        _ => {}
    }
    if let Some(family) = quic {
        return Err(format!(
            "unsupported stream protocol for datagram family {family} address '{text}'; QUIC is not compiled in if this is what you were looking for."
        ));
    }
    if sock == SockType::Dgram && opts.connect && matches!(host, Host::Unix(_) | Host::Abns(_)) {
        return Err(format!(
            "connect() not supported for this protocol family used by address '{text}'"
        ));
    }
    Ok(SockAddr { host, port, sock })
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

/// The port part, with the caller's permissions.
fn parse_port(p: &str, text: &str, opts: &AddrOpts) -> Result<Port, String> {
    let min = u64::from(opts.port_mand);
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
            let n = atoi(&p[1..]).min(i32::MAX as u64) as i32;
            Ok(Port::Offset(if p.starts_with('-') { -n } else { n }))
        }
        Some(_) => {
            let c = p.chars().next().unwrap_or('?');
            Err(format!(
                "invalid character '{c}' in port number '{p}' in '{text}'"
            ))
        }
        None if opts.port_mand => Err(format!("missing port specification in '{text}'")),
        None => Ok(Port::None),
    }
}

/// C's `atoi` on the leading digits, saturating instead of overflowing.
pub fn atoi(s: &str) -> u64 {
    s.bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |acc, d| {
            acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        })
}

fn parse_fd(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>().ok().filter(|&v| v <= i32::MAX as u32)
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

/// Splits a `bind` address list on commas (`a:1,b:2`), dropping a trailing empty item.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn res() -> HostResolver {
        HostResolver::new(|h| match h {
            "localhost" => Ok(vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]),
            "v6only.test" => Ok(vec![IpAddr::V6(Ipv6Addr::LOCALHOST)]),
            _ => Err("not found".into()),
        })
    }

    fn bind(s: &str) -> Result<SockAddr, String> {
        parse(s, &AddrOpts::BIND, &res())
    }
    fn server(s: &str) -> Result<SockAddr, String> {
        parse(s, &AddrOpts::SERVER, &res())
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::BROADCAST))
    }

    #[test]
    fn bind_ipv4_and_wildcards() {
        let a = bind("10.0.0.1:80").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.host, Host::Ip(ip("10.0.0.1")));
        assert_eq!(a.port, Port::Range(80, 80));
        assert_eq!(bind(":80").map(|a| a.host), Ok(Host::Ip(ip("0.0.0.0"))));
        assert_eq!(bind("*:80").map(|a| a.host), Ok(Host::Ip(ip("0.0.0.0"))));
        assert_eq!(bind(":::80").map(|a| a.host), Ok(Host::Ip(ip("::"))));
        assert_eq!(bind("[::]:80").map(|a| a.host), Ok(Host::Ip(ip("::"))));
        assert_eq!(bind("[::1]:8080").map(|a| a.single_port()), Ok(Some(8080)));
        assert_eq!(bind("ipv6@:80").map(|a| a.host), Ok(Host::Ip(ip("::"))));
        assert_eq!(
            bind("ipv4@127.0.0.1:80").map(|a| a.host),
            Ok(Host::Ip(ip("127.0.0.1")))
        );
        assert_eq!(
            bind("localhost:80").map(|a| a.host),
            Ok(Host::Ip(ip("127.0.0.1")))
        );
        assert_eq!(
            bind("ipv6@localhost:80").map(|a| a.host),
            Ok(Host::Ip(ip("::1")))
        );
    }

    #[test]
    fn bind_ranges_and_errors() {
        assert_eq!(
            bind("127.0.0.1:7000-7009").map(|a| a.port),
            Ok(Port::Range(7000, 7009))
        );
        assert_eq!(
            bind("1.2.3.4").err().as_deref(),
            Some("missing port specification in '1.2.3.4'")
        );
        assert_eq!(bind(":0").err().as_deref(), Some("invalid port '0'"));
        assert_eq!(
            bind(":70000").err().as_deref(),
            Some("invalid port '70000'")
        );
        assert_eq!(
            bind(":90-80").err().as_deref(),
            Some("invalid port range '90-80'")
        );
        assert_eq!(
            bind(":+1").err().as_deref(),
            Some("port offset not permitted here in ':+1'")
        );
        assert_eq!(
            bind(":x").err().as_deref(),
            Some("invalid character 'x' in port number 'x' in ':x'")
        );
        assert_eq!(
            bind("nope.invalid:80").err().as_deref(),
            Some("invalid address: 'nope.invalid' in 'nope.invalid:80'")
        );
        assert_eq!(
            bind("ipv4@:::80").err().as_deref(),
            Some("invalid address: '::' in 'ipv4@:::80'")
        );
        assert!(bind("udp@:80").is_err_and(|e| e.starts_with("dgram-type")));
        assert!(bind("quic4@:443").is_err());
        assert_eq!(
            bind(":99999999999999999999999").err().as_deref(),
            Some("invalid port '99999999999999999999999'")
        );
    }

    #[test]
    fn unix_abns_fd_sockpair() {
        assert_eq!(
            bind("unix@/tmp/x.sock").map(|a| a.host),
            Ok(Host::Unix("/tmp/x.sock".into()))
        );
        assert_eq!(
            bind("/tmp/x.sock").map(|a| a.host),
            Ok(Host::Unix("/tmp/x.sock".into()))
        );
        assert_eq!(
            bind("abns@foo").map(|a| a.host),
            Ok(Host::Abns("foo".into()))
        );
        assert_eq!(bind("fd@3").map(|a| a.host), Ok(Host::Fd(3)));
        assert_eq!(bind("sockpair@4").map(|a| a.host), Ok(Host::SockPair(4)));
        assert!(bind("fd@x").is_err_and(|e| e.contains("is not a valid integer")));
        assert!(
            bind(&format!("/{}", "a".repeat(200))).is_err_and(|e| e.contains("too long (max 97)"))
        );
        assert!(server("fd@3").is_err_and(|e| e.contains("not acceptable here")));
        assert_eq!(
            bind(""),
            Err("'' resolves to an empty address (environment variable missing?)".into())
        );
    }

    #[test]
    fn server_ports_offsets_names() {
        assert_eq!(server("1.2.3.4").map(|a| a.port), Ok(Port::None));
        assert_eq!(server("1.2.3.4:").map(|a| a.port), Ok(Port::None));
        assert_eq!(
            server("1.2.3.4:+1000").map(|a| a.port),
            Ok(Port::Offset(1000))
        );
        assert_eq!(server("1.2.3.4:-10").map(|a| a.port), Ok(Port::Offset(-10)));
        assert_eq!(server("[::1]").map(|a| a.host), Ok(Host::Ip(ip("::1"))));
        assert_eq!(
            server("db.internal:5432").map(|a| a.host),
            Ok(Host::Name {
                name: "db.internal".into(),
                family: None
            })
        );
        assert!(server("1.2.3.4:80-90").is_err_and(|e| e.starts_with("port range not permitted")));
        // "::1" without brackets: the last colon is the port separator.
        assert!(
            server("::1").is_err() || server("::1").is_ok_and(|a| a.host != Host::Ip(ip("::1")))
        );
    }

    #[test]
    fn env_expansion() {
        let env = |v: &str| (v == "P").then(|| "8080".to_string());
        assert_eq!(env_expand(":${P}", env), ":8080");
        assert_eq!(env_expand(":$P", env), ":8080");
        assert_eq!(env_expand("a${Q}b", env), "ab");
        assert_eq!(env_expand("$", env), "");
    }

    #[test]
    fn displays() {
        let a = bind("[::1]:80").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.to_string(), "[::1]:80");
        assert_eq!(
            split_list("a:1,b:2,").collect::<Vec<_>>(),
            vec!["a:1", "b:2"]
        );
    }
}
