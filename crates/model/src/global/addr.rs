//! Socket addresses of the `global` section and the small sections (`log` targets,
//! `stats socket`, `mailer`), parsed like HAProxy's `str2sa_range` and `str2ip2`
//! (configuration manual section 11, "Address formats").
//!
//! Accepted forms: IPv4 `1.2.3.4:514`, IPv6 in brackets `[::1]:514`, `*`/empty for any
//! address, host names (kept as names: resolving them is the caller's job, through the
//! binary's resolver), the family prefixes `ipv4@ ipv6@ ip@ tcp@ tcp4@ tcp6@ udp@ udp4@
//! udp6@ unix@ uxst@ uxdg@ abns@ quic4@ quic6@ fd@N sockpair@N`, the socket-type prefixes
//! `stream+` / `dgram+`, and paths starting with `/`. Which port forms and socket types a
//! caller accepts is given by [`AddrOpts`], the equivalent of HAProxy's `PA_O_*` flags.
//!
//! This is config-time code: clarity over speed. Error texts are HAProxy's, including the
//! trailing line feeds some of them carry (they show as blank lines in its output).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Socket type of the control layer and of the transport (they differ only for QUIC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockType {
    Stream,
    Dgram,
}

impl SockType {
    fn word(self) -> &'static str {
        match self {
            SockType::Stream => "stream",
            SockType::Dgram => "datagram",
        }
    }
}

/// IP family restriction coming from a prefix (`ipv4@`, `udp6@`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpFamily {
    V4,
    V6,
}

/// Where an address points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A literal IP address (`*` and empty give the unspecified address).
    Ip(IpAddr),
    /// A host name to resolve, optionally restricted to one family.
    Name {
        host: String,
        family: Option<IpFamily>,
    },
    /// A Unix socket path (`unix@`, `uxst@`, `uxdg@` or a leading `/`).
    Unix(String),
    /// A Linux abstract-namespace socket (`abns@`).
    Abstract(String),
    /// An inherited file descriptor (`fd@N`).
    Fd(i32),
    /// A socket pair end received over an inherited Unix socket (`sockpair@N`).
    SockPair(i32),
}

/// Port part of an IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// No port given (0 in HAProxy).
    None,
    /// A port or an inclusive range `low-high` (equal when a single port was given).
    Range(u16, u16),
    /// `+N` / `-N`: an offset from the client's destination port (servers only).
    Offset(i32),
}

impl Port {
    /// The first port, 0 when none was given.
    pub fn low(self) -> u16 {
        match self {
            Port::Range(lo, _) => lo,
            _ => 0,
        }
    }
}

/// A parsed address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub target: Target,
    pub port: Port,
    /// Socket type of the socket itself (`SOCK_STREAM` / `SOCK_DGRAM`).
    pub ctrl: SockType,
    /// Protocol type on top (same as `ctrl` except for QUIC).
    pub proto: SockType,
}

/// What a caller accepts, as HAProxy's `PA_O_*` option flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddrOpts {
    /// `PA_O_RESOLVE`: host names allowed.
    pub resolve: bool,
    /// `PA_O_PORT_OK`: a port may be given.
    pub port_ok: bool,
    /// `PA_O_PORT_MAND`: a port must be given (and may not be 0).
    pub port_mand: bool,
    /// `PA_O_PORT_RANGE`: `low-high` allowed.
    pub port_range: bool,
    /// `PA_O_PORT_OFS`: `+N`/`-N` allowed.
    pub port_ofs: bool,
    /// `PA_O_RAW_FD`: `fd@N` accepted as a raw descriptor (not checked).
    pub raw_fd: bool,
    /// `PA_O_SOCKET_FD`: `fd@N` must be an existing socket.
    pub socket_fd: bool,
    /// `PA_O_STREAM`: stream sockets accepted.
    pub stream: bool,
    /// `PA_O_DGRAM`: datagram sockets accepted.
    pub dgram: bool,
    /// `PA_O_DEFAULT_DGRAM`: datagram is the default when both are accepted.
    pub default_dgram: bool,
}

impl AddrOpts {
    /// `log` targets: `PA_O_RESOLVE | PA_O_PORT_OK | PA_O_RAW_FD | PA_O_DGRAM | PA_O_STREAM |
    /// PA_O_DEFAULT_DGRAM`.
    pub const LOG: AddrOpts = AddrOpts {
        resolve: true,
        port_ok: true,
        port_mand: false,
        port_range: false,
        port_ofs: false,
        raw_fd: true,
        socket_fd: false,
        stream: true,
        dgram: true,
        default_dgram: true,
    };

    /// Listeners (`bind`, `stats socket`): `PA_O_RESOLVE | PA_O_PORT_OK | PA_O_PORT_MAND |
    /// PA_O_PORT_RANGE | PA_O_SOCKET_FD | PA_O_STREAM | PA_O_XPRT`.
    pub const LISTENER: AddrOpts = AddrOpts {
        resolve: true,
        port_ok: true,
        port_mand: true,
        port_range: true,
        port_ofs: false,
        raw_fd: false,
        socket_fd: true,
        stream: true,
        dgram: false,
        default_dgram: false,
    };

    /// Outgoing stream connections (`mailer`): `PA_O_RESOLVE | PA_O_PORT_OK |
    /// PA_O_PORT_MAND | PA_O_STREAM | PA_O_XPRT | PA_O_CONNECT`.
    pub const CONNECT_STREAM: AddrOpts = AddrOpts {
        resolve: true,
        port_ok: true,
        port_mand: true,
        port_range: false,
        port_ofs: false,
        raw_fd: false,
        socket_fd: false,
        stream: true,
        dgram: false,
        default_dgram: false,
    };
}

/// Socket family as HAProxy numbers it in "unsupported protocol" messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Unspec,
    Inet,
    Inet6,
    Unix,
    ExistingFd,
    SockPair,
}

impl Family {
    /// Linux `AF_*` values; the two custom ones are `AF_MAX + 1` and `AF_MAX + 2`.
    fn number(self) -> u32 {
        match self {
            Family::Unspec => 0,
            Family::Unix => 1,
            Family::Inet => 2,
            Family::Inet6 => 10,
            Family::ExistingFd => 47,
            Family::SockPair => 48,
        }
    }
}

/// An address prefix: the family it selects, an IP family restriction and the socket and
/// protocol types it forces.
struct Prefix {
    text: &'static str,
    family: Family,
    ip: Option<IpFamily>,
    types: Option<(SockType, SockType)>,
}

const STREAM: Option<(SockType, SockType)> = Some((SockType::Stream, SockType::Stream));
const DGRAM: Option<(SockType, SockType)> = Some((SockType::Dgram, SockType::Dgram));
/// QUIC: a stream-oriented control layer over datagrams.
const QUIC: Option<(SockType, SockType)> = Some((SockType::Stream, SockType::Dgram));
const V4: Option<IpFamily> = Some(IpFamily::V4);
const V6: Option<IpFamily> = Some(IpFamily::V6);

/// The prefixes HAProxy 2.6 knows, tried in this order.
const PREFIXES: &[Prefix] = &[
    Prefix {
        text: "unix@",
        family: Family::Unix,
        ip: None,
        types: None,
    },
    Prefix {
        text: "uxdg@",
        family: Family::Unix,
        ip: None,
        types: DGRAM,
    },
    Prefix {
        text: "uxst@",
        family: Family::Unix,
        ip: None,
        types: STREAM,
    },
    Prefix {
        text: "abns@",
        family: Family::Unix,
        ip: None,
        types: None,
    },
    Prefix {
        text: "ip@",
        family: Family::Unspec,
        ip: None,
        types: None,
    },
    Prefix {
        text: "ipv4@",
        family: Family::Inet,
        ip: V4,
        types: None,
    },
    Prefix {
        text: "ipv6@",
        family: Family::Inet6,
        ip: V6,
        types: None,
    },
    Prefix {
        text: "tcp4@",
        family: Family::Inet,
        ip: V4,
        types: STREAM,
    },
    Prefix {
        text: "udp4@",
        family: Family::Inet,
        ip: V4,
        types: DGRAM,
    },
    Prefix {
        text: "tcp6@",
        family: Family::Inet6,
        ip: V6,
        types: STREAM,
    },
    Prefix {
        text: "udp6@",
        family: Family::Inet6,
        ip: V6,
        types: DGRAM,
    },
    Prefix {
        text: "tcp@",
        family: Family::Unspec,
        ip: None,
        types: STREAM,
    },
    Prefix {
        text: "udp@",
        family: Family::Unspec,
        ip: None,
        types: DGRAM,
    },
    Prefix {
        text: "quic4@",
        family: Family::Inet,
        ip: V4,
        types: QUIC,
    },
    Prefix {
        text: "quic6@",
        family: Family::Inet6,
        ip: V6,
        types: QUIC,
    },
    Prefix {
        text: "fd@",
        family: Family::ExistingFd,
        ip: None,
        types: None,
    },
    Prefix {
        text: "sockpair@",
        family: Family::SockPair,
        ip: None,
        types: None,
    },
];

/// Longest `sun_path` minus the terminating NUL.
const SUN_PATH_MAX: usize = 107;

/// Parses one address (no comma-separated lists: callers split them).
pub fn parse(text: &str, opts: &AddrOpts) -> Result<Address, String> {
    if text.is_empty() {
        return Err(format!(
            "'{text}' resolves to an empty address (environment variable missing?)\n"
        ));
    }
    let default_dgram = opts.dgram && (!opts.stream || opts.default_dgram);
    let (mut ctrl, mut proto) = if default_dgram {
        (SockType::Dgram, SockType::Dgram)
    } else {
        (SockType::Stream, SockType::Stream)
    };

    let mut rest = text;
    if let Some(r) = rest.strip_prefix("stream+") {
        rest = r;
        (ctrl, proto) = (SockType::Stream, SockType::Stream);
    } else if let Some(r) = rest.strip_prefix("dgram+") {
        rest = r;
        (ctrl, proto) = (SockType::Dgram, SockType::Dgram);
    }

    let mut family = Family::Unspec;
    let mut ip_family: Option<IpFamily> = None;
    let mut abstract_ns = false;
    let mut matched = false;
    for p in PREFIXES {
        if let Some(r) = rest.strip_prefix(p.text) {
            rest = r;
            family = p.family;
            ip_family = p.ip;
            abstract_ns = p.text == "abns@";
            if let Some(t) = p.types {
                (ctrl, proto) = t;
            }
            matched = true;
            break;
        }
    }
    if !matched && rest.starts_with('/') {
        family = Family::Unix;
    }

    let (target, port) = match family {
        Family::SockPair => {
            let fd = parse_fd(rest, text)?;
            check_socket_fd(fd)?;
            (Target::SockPair(fd), Port::None)
        }
        Family::ExistingFd => {
            let fd = parse_fd(rest, text)?;
            if opts.socket_fd {
                check_socket_fd(fd)?;
            } else if !opts.raw_fd {
                return Err(format!(
                    "a file descriptor is not acceptable here in '{text}'\n"
                ));
            }
            (Target::Fd(fd), Port::None)
        }
        Family::Unix => {
            // Room is kept for the ".<pid>.<tmp|bak>" suffix used while binding.
            let max = if abstract_ns {
                SUN_PATH_MAX
            } else {
                SUN_PATH_MAX - (1 + 5 + 1 + 3)
            };
            if rest.len() > max {
                return Err(format!("socket path '{text}' too long (max {max})\n"));
            }
            let t = if abstract_ns {
                Target::Abstract(rest.into())
            } else {
                Target::Unix(rest.into())
            };
            (t, Port::None)
        }
        Family::Unspec | Family::Inet | Family::Inet6 => {
            let (host, port) = split_port(rest, text, opts)?;
            let target = parse_host(host, ip_family, opts.resolve)
                .ok_or_else(|| format!("invalid address: '{host}' in '{text}'\n"))?;
            family = match &target {
                Target::Ip(IpAddr::V6(_)) => Family::Inet6,
                _ => Family::Inet,
            };
            (target, port)
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
    Ok(Address {
        target,
        port,
        ctrl,
        proto,
    })
}

/// Resolves a host-name target in place through the resolver the binary supplies, as
/// HAProxy resolves `PA_O_RESOLVE` addresses while parsing. `text` is the address as
/// written, for HAProxy's "invalid address" message.
pub fn resolve(
    addr: &mut Address,
    text: &str,
    resolver: &crate::proxy::HostResolver,
) -> Result<(), String> {
    use crate::proxy::addr::IpFamily as Fam;
    if let Target::Name { host, family } = &addr.target {
        let fam = family.map(|f| match f {
            IpFamily::V4 => Fam::V4,
            IpFamily::V6 => Fam::V6,
        });
        match resolver.resolve(host, fam) {
            Some(ip) => addr.target = Target::Ip(ip),
            None => return Err(format!("invalid address: '{host}' in '{text}'\n")),
        }
    }
    Ok(())
}

/// The protocols HAProxy 2.6 registers (without QUIC): TCP and UDP over IPv4/IPv6, Unix
/// stream and datagram sockets, and stream socket pairs. Inherited fds need none.
fn protocol_exists(family: Family, ctrl: SockType, proto: SockType) -> bool {
    match family {
        Family::ExistingFd => true,
        Family::Inet | Family::Inet6 | Family::Unix | Family::Unspec => ctrl == proto,
        Family::SockPair => ctrl == SockType::Stream && proto == SockType::Stream,
    }
}

/// `fd@N` / `sockpair@N`: a non-negative integer and nothing else.
fn parse_fd(s: &str, whole: &str) -> Result<i32, String> {
    match super::args::strtol_full(s) {
        Some(v) if (0..=i64::from(i32::MAX)).contains(&v) => Ok(v as i32),
        _ => Err(format!(
            "file descriptor '{s}' is not a valid integer in '{whole}'\n"
        )),
    }
}

/// HAProxy calls `getsockname()` on inherited descriptors. Without libc, Linux's
/// `/proc/self/fd` tells the same: a missing entry is `EBADF`, a non-socket `ENOTSOCK`.
fn check_socket_fd(fd: i32) -> Result<(), String> {
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}"));
    let reason = match link {
        Ok(target) if target.to_string_lossy().starts_with("socket:") => return Ok(()),
        Ok(_) => "Socket operation on non-socket",
        Err(_) => "Bad file descriptor",
    };
    Err(format!("cannot use file descriptor '{fd}' : {reason}.\n"))
}

/// Splits `host[:port]` (the last colon not inside brackets separates the port) and reads
/// the port as HAProxy does (`atoi` on the leading digits).
fn split_port<'a>(s: &'a str, whole: &str, opts: &AddrOpts) -> Result<(&'a str, Port), String> {
    let b = s.as_bytes();
    let mut sep = None;
    // As HAProxy: scan back to the first byte included (a leading ':' is a port separator).
    for i in (0..b.len()).rev() {
        if b[i] == b']' {
            break;
        }
        if b[i] == b':' {
            sep = Some(i);
            break;
        }
    }
    let (host, port_text) = match sep {
        Some(i) => {
            if !opts.port_ok {
                return Err(format!(
                    "port specification not permitted here in '{whole}'"
                ));
            }
            (&s[..i], &s[i + 1..])
        }
        None => {
            if opts.port_mand {
                return Err(format!("missing port specification in '{whole}'"));
            }
            (s, "")
        }
    };
    let min = i32::from(opts.port_mand);
    let port = match port_text.as_bytes().first() {
        Some(c) if c.is_ascii_digit() => {
            let (p1, p2) = match port_text.split_once('-') {
                Some((a, b)) => {
                    if !opts.port_range {
                        return Err(format!("port range not permitted here in '{whole}'"));
                    }
                    (a, b)
                }
                None => (port_text, port_text),
            };
            let lo = super::args::atoi(p1);
            let hi = super::args::atoi(p2);
            if lo < min || lo > 65535 {
                return Err(format!("invalid port '{p1}'"));
            }
            if hi < min || hi > 65535 {
                return Err(format!("invalid port '{p2}'"));
            }
            if lo > hi {
                return Err(format!("invalid port range '{lo}-{hi}'"));
            }
            Port::Range(lo as u16, hi as u16)
        }
        Some(b'-') | Some(b'+') => {
            if !opts.port_ofs {
                return Err(format!("port offset not permitted here in '{whole}'"));
            }
            let v = super::args::atoi(&port_text[1..]);
            Port::Offset(if port_text.starts_with('-') {
                v.wrapping_neg()
            } else {
                v
            })
        }
        Some(_) => {
            let c = port_text.chars().next().unwrap_or('?');
            return Err(format!(
                "invalid character '{c}' in port number '{port_text}' in '{whole}'\n"
            ));
        }
        None => {
            if opts.port_mand {
                return Err(format!("missing port specification in '{whole}'"));
            }
            Port::None
        }
    };
    Ok((host, port))
}

/// HAProxy's `str2ip2`: literal addresses first, then (if allowed) a syntactically valid
/// host name kept for later resolution. `None` means "invalid address".
fn parse_host(host: &str, family: Option<IpFamily>, resolve: bool) -> Option<Target> {
    let mut s = host;
    if s.starts_with('[') {
        if s.len() < 4 || s.len() >= 48 || !s.ends_with(']') {
            return None;
        }
        s = &s[1..s.len() - 1];
    }
    if s == "::" {
        return match family {
            None | Some(IpFamily::V6) => Some(Target::Ip(IpAddr::V6(Ipv6Addr::UNSPECIFIED))),
            Some(IpFamily::V4) => None,
        };
    }
    if s.is_empty() || s == "*" {
        return Some(Target::Ip(match family {
            Some(IpFamily::V6) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }));
    }
    if family != Some(IpFamily::V4) {
        if let Ok(a) = s.parse::<Ipv6Addr>() {
            return Some(Target::Ip(IpAddr::V6(a)));
        }
    }
    if family != Some(IpFamily::V6) {
        if let Ok(a) = s.parse::<Ipv4Addr>() {
            return Some(Target::Ip(IpAddr::V4(a)));
        }
    }
    // A literal of the other family never resolves in the requested one.
    if s.parse::<IpAddr>().is_ok() {
        return None;
    }
    (resolve && valid_hostname(s)).then(|| Target::Name {
        host: s.to_string(),
        family,
    })
}

/// HAProxy's `resolv_hostname_validation`: at most 255 bytes, labels of letters, digits,
/// `-` and `_` of at most 63 bytes, separated by dots.
pub fn valid_hostname(s: &str) -> bool {
    s.len() <= 255
        && s.split('.').all(|label| {
            label.len() <= 63
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn log(s: &str) -> Result<Address, String> {
        parse(s, &AddrOpts::LOG)
    }
    fn listener(s: &str) -> Result<Address, String> {
        parse(s, &AddrOpts::LISTENER)
    }

    #[test]
    fn ip_forms() {
        let a = log("127.0.0.1").unwrap();
        assert_eq!(a.target, Target::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!((a.port, a.ctrl), (Port::None, SockType::Dgram));
        assert_eq!(log("10.0.0.1:1514").unwrap().port, Port::Range(1514, 1514));
        assert_eq!(
            log("[::1]:514").unwrap().target,
            Target::Ip("::1".parse().unwrap())
        );
        assert_eq!(log("[::1]").unwrap().port, Port::None);
        assert_eq!(
            log("ipv6@:::514").unwrap().target,
            Target::Ip(Ipv6Addr::UNSPECIFIED.into())
        );
        assert_eq!(
            listener("*:80").unwrap().target,
            Target::Ip(Ipv4Addr::UNSPECIFIED.into())
        );
        assert_eq!(
            listener(":8000-8010").unwrap().port,
            Port::Range(8000, 8010)
        );
        assert_eq!(listener("ipv4@:80x").unwrap().port, Port::Range(80, 80));
        assert_eq!(
            log("tcp@syslog.example.com:514").unwrap(),
            Address {
                target: Target::Name {
                    host: "syslog.example.com".into(),
                    family: None
                },
                port: Port::Range(514, 514),
                ctrl: SockType::Stream,
                proto: SockType::Stream,
            }
        );
    }

    #[test]
    fn ip_errors_match_haproxy() {
        assert_eq!(log("127.0.0.1:99999").unwrap_err(), "invalid port '99999'");
        assert_eq!(
            log("1.2.3.4:x").unwrap_err(),
            "invalid character 'x' in port number 'x' in '1.2.3.4:x'\n"
        );
        assert_eq!(
            log("1.2.3.4:1-4").unwrap_err(),
            "port range not permitted here in '1.2.3.4:1-4'"
        );
        assert_eq!(
            log("1.2.3.4:+4").unwrap_err(),
            "port offset not permitted here in '1.2.3.4:+4'"
        );
        assert_eq!(log("::1").unwrap_err(), "invalid address: ':' in '::1'\n");
        assert_eq!(
            log("udp6@1.2.3.4").unwrap_err(),
            "invalid address: '1.2.3.4' in 'udp6@1.2.3.4'\n"
        );
        assert_eq!(
            log("").unwrap_err(),
            "'' resolves to an empty address (environment variable missing?)\n"
        );
        assert_eq!(
            listener("127.0.0.1").unwrap_err(),
            "missing port specification in '127.0.0.1'"
        );
        assert_eq!(listener("1.2.3.4:0").unwrap_err(), "invalid port '0'");
        assert_eq!(listener(":9-8").unwrap_err(), "invalid port range '9-8'");
        assert_eq!(
            listener("udp@:8000").unwrap_err(),
            "dgram-type address not acceptable in 'udp@:8000'\n"
        );
        assert_eq!(
            log("quic4@1.2.3.4").unwrap_err(),
            "unsupported stream protocol for datagram family 2 address 'quic4@1.2.3.4'; QUIC is not \
             compiled in if this is what you were looking for."
        );
        assert_eq!(
            log("bad_host!").unwrap_err(),
            "invalid address: 'bad_host!' in 'bad_host!'\n"
        );
    }

    #[test]
    fn unix_and_fd_forms() {
        assert_eq!(
            log("/dev/log").unwrap().target,
            Target::Unix("/dev/log".into())
        );
        assert_eq!(log("unix@/dev/log").unwrap().ctrl, SockType::Dgram);
        assert_eq!(log("uxst@/x").unwrap().ctrl, SockType::Stream);
        assert_eq!(
            listener("/run/haproxy.sock").unwrap().ctrl,
            SockType::Stream
        );
        assert_eq!(
            log("abns@foo").unwrap().target,
            Target::Abstract("foo".into())
        );
        let long = format!("/{}", "a".repeat(97));
        assert_eq!(
            log(&long).unwrap_err(),
            format!("socket path '{long}' too long (max 97)\n")
        );
        assert!(log(&format!("abns@{}", "a".repeat(107))).is_ok());
        assert_eq!(log("fd@1").unwrap().target, Target::Fd(1));
        assert_eq!(
            log("fd@x").unwrap_err(),
            "file descriptor 'x' is not a valid integer in 'fd@x'\n"
        );
        assert_eq!(
            log("fd@-1").unwrap_err(),
            "file descriptor '-1' is not a valid integer in 'fd@-1'\n"
        );
        assert_eq!(
            listener("fd@987654").unwrap_err(),
            "cannot use file descriptor '987654' : Bad file descriptor.\n"
        );
        assert_eq!(
            parse("fd@3", &AddrOpts::CONNECT_STREAM).unwrap_err(),
            "a file descriptor is not acceptable here in 'fd@3'\n"
        );
    }

    #[test]
    fn hostnames() {
        assert!(valid_hostname("a-b_c.example.com"));
        assert!(!valid_hostname("a b"));
        assert!(!valid_hostname(&"a".repeat(64)));
        assert!(!valid_hostname(&"a.".repeat(200)));
    }
}
