//! The system hooks address parsing and lowering use ([`HostResolver`]): host-name
//! resolution (HAProxy's `str2ip2` with `getaddrinfo`, `resolv_hostname_validation`), the
//! `getsockname()` check on inherited sockets (`fd@N`, `sockpair@N`) and the opening of
//! named network namespaces. The binary supplies the system ones; tests pass fixed tables.

use std::fmt;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;

use super::IpFamily;

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
