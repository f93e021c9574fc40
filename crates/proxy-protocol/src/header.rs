//! A decoded PROXY header: version, command, transport, addresses and TLVs.
//!
//! Plain owned data, independent of the buffer it was decoded from, so the caller can drop
//! the consumed bytes right away. `Addrs::None` means "keep the connection's real
//! addresses" (v1 `UNKNOWN`, v2 LOCAL, v2 UNSPEC), as HAProxy does.

use std::net::SocketAddr;

use crate::tlv::{SslTlv, Tlv};

/// The v2 command (v1 lines are always [`Command::Proxy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// The proxy's own connection (health check): the real endpoints apply.
    Local,
    /// A relayed connection: the header's addresses apply.
    Proxy,
}

/// The transport nibble of the v2 family byte (v1 `TCP4`/`TCP6` are `Stream`, `UNKNOWN`
/// is `Unspec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// 0x0, or a value the specification leaves unassigned (only under LOCAL).
    Unspec,
    /// 0x1: TCP or UNIX stream.
    Stream,
    /// 0x2: UDP or UNIX datagram.
    Dgram,
}

impl Transport {
    pub(crate) const fn from_nibble(n: u8) -> Self {
        match n {
            1 => Self::Stream,
            2 => Self::Dgram,
            _ => Self::Unspec,
        }
    }
}

/// A 108-byte `sun_path`, as carried by a v2 AF_UNIX header.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnixAddr(pub [u8; 108]);

impl UnixAddr {
    /// The path up to its first NUL (an abstract socket's path starts with NUL: empty here,
    /// see the raw bytes in `.0`).
    pub fn path(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        &self.0[..end]
    }
}

impl std::fmt::Debug for UnixAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UnixAddr({:?})", String::from_utf8_lossy(self.path()))
    }
}

/// The addresses a header carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Addrs {
    /// None to apply: the connection keeps its real addresses.
    None,
    /// TCP/UDP over IPv4 or IPv6 (v1 `TCP6` with a v4-mapped address stays IPv6).
    Inet {
        /// The original client.
        src: SocketAddr,
        /// The address the client connected to.
        dst: SocketAddr,
    },
    /// AF_UNIX (only with [`crate::DecodeOptions::SPEC`]; HAProxy 2.6 refuses it). Boxed
    /// to keep the common variants small.
    Unix {
        /// The original client socket.
        src: Box<UnixAddr>,
        /// The socket the client connected to.
        dst: Box<UnixAddr>,
    },
}

/// A decoded PROXY header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// 1 (text) or 2 (binary).
    pub version: u8,
    /// LOCAL or PROXY.
    pub command: Command,
    /// The transport the addresses belong to.
    pub transport: Transport,
    /// The addresses to apply, if any.
    pub addrs: Addrs,
    /// v2 TLVs in wire order (empty for v1). Under LOCAL or when the addresses are not
    /// used, HAProxy does not parse TLVs: they are given on a best-effort basis (empty when
    /// malformed) and never cause an error.
    pub tlvs: Vec<Tlv>,
}

impl Header {
    /// Source and destination when the header carries IP addresses.
    pub fn inet(&self) -> Option<(SocketAddr, SocketAddr)> {
        match self.addrs {
            Addrs::Inet { src, dst } => Some((src, dst)),
            _ => None,
        }
    }

    fn find<'a, T: ?Sized>(&'a self, pick: impl Fn(&'a Tlv) -> Option<&'a T>) -> Option<&'a T> {
        self.tlvs.iter().find_map(pick)
    }

    /// The first ALPN TLV.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.find(|t| match t {
            Tlv::Alpn(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first AUTHORITY TLV (HAProxy's `fc_pp_authority`).
    pub fn authority(&self) -> Option<&[u8]> {
        self.find(|t| match t {
            Tlv::Authority(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first UNIQUE_ID TLV (HAProxy's `fc_pp_unique_id`).
    pub fn unique_id(&self) -> Option<&[u8]> {
        self.find(|t| match t {
            Tlv::UniqueId(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first NETNS TLV.
    pub fn netns(&self) -> Option<&[u8]> {
        self.find(|t| match t {
            Tlv::Netns(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first well-formed SSL TLV.
    pub fn ssl(&self) -> Option<&SslTlv> {
        self.find(|t| match t {
            Tlv::Ssl(s) => Some(s),
            _ => None,
        })
    }

    /// The first CRC32C TLV's value (already verified).
    pub fn crc32c(&self) -> Option<u32> {
        self.tlvs.iter().find_map(|t| match t {
            Tlv::Crc32c(c) => Some(*c),
            _ => None,
        })
    }
}
