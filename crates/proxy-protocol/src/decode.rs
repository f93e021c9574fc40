//! Sans-IO decoding of a PROXY header at the start of a byte buffer.
//!
//! The caller feeds whatever it has received (or peeked); the decoder answers "need more"
//! ([`Decoded::Partial`]), "here is the header and how many bytes it took", or an [`Error`]
//! as soon as the bytes can no longer become a header it accepts.
//!
//! Acceptance follows HAProxy 2.6's `conn_recv_proxy`, checked against the live binary:
//! - v1 `TCP4` reads each address like `inetaddr_host_lim_ret` (digits and dots, no range
//!   check, missing octets are 0, over-large octets carry into the next one) and each port
//!   like `read_uint` (any digits, wrapping, then truncated to 16 bits), so leading zeros are
//!   accepted;
//! - v1 `TCP6` cuts the line at spaces (fields after the fourth are ignored), reads the
//!   addresses like `inet_pton` and the ports like `read_uint` (an empty port is 0);
//! - v1 `UNKNOWN` must be followed directly by CRLF;
//! - v2 PROXY takes only TCP over IPv4 (0x11) and IPv6 (0x21); HAProxy 2.6 refuses every
//!   other family (it parses their TLVs from offset 0, which always fails for headers under
//!   2.5 kB), and `DecodeOptions::SPEC` accepts them as the specification describes;
//! - v2 LOCAL ignores the family, the address block and the TLVs.
//!
//! One deliberate limit: a v1 line must end within 107 bytes (the specification's maximum);
//! HAProxy has no bound below its buffer size, but no conforming sender exceeds it.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::error::{Error, Invalid};
use crate::header::{Addrs, Command, Header, Transport, UnixAddr};
use crate::tlv::parse_tlvs;

/// The longest v1 line, CRLF included.
pub const V1_MAX_LEN: usize = 107;
/// The 12 bytes that start every v2 header.
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// The fixed part of a v2 header: signature, version/command, family, length.
pub const V2_HEADER_LEN: usize = 16;
/// The longest v2 header.
pub const V2_MAX_LEN: usize = V2_HEADER_LEN + u16::MAX as usize;

const V1_PREFIX: &[u8] = b"PROXY ";

/// Which headers outside HAProxy 2.6's behaviour to accept anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeOptions {
    /// Accept `PROXY UNKNOWN <anything>\r\n` as the specification allows; HAProxy 2.6 only
    /// accepts `PROXY UNKNOWN\r\n` and reports anything else as an unhandled protocol.
    pub v1_unknown_with_trailer: bool,
    /// Accept v2 PROXY headers of any assigned family and transport (UDP, AF_UNIX, UNSPEC);
    /// HAProxy 2.6 refuses them as invalid.
    pub v2_any_family: bool,
}

impl DecodeOptions {
    /// Exactly what HAProxy 2.6 accepts (the default).
    pub const HAPROXY: Self = Self {
        v1_unknown_with_trailer: false,
        v2_any_family: false,
    };
    /// Everything the specification (doc/proxy-protocol.txt) says a receiver accepts.
    pub const SPEC: Self = Self {
        v1_unknown_with_trailer: true,
        v2_any_family: true,
    };
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::HAPROXY
    }
}

/// The outcome of feeding bytes to the decoder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Decoded {
    /// The bytes so far are a valid beginning: feed more. If the connection ends here,
    /// HAProxy reports [`crate::ErrCode::Truncated`] (or `Empty` when nothing came).
    Partial,
    /// A complete header occupying the first `consumed` bytes; what follows is payload.
    Complete {
        /// The header.
        header: Header,
        /// Its length on the wire.
        consumed: usize,
    },
}

/// Decodes a PROXY header (v1 or v2) with HAProxy 2.6's acceptance rules.
pub fn decode(input: &[u8]) -> Result<Decoded, Error> {
    decode_with(input, &DecodeOptions::HAPROXY)
}

/// Decodes a PROXY header (v1 or v2) with the given acceptance rules.
pub fn decode_with(input: &[u8], opts: &DecodeOptions) -> Result<Decoded, Error> {
    if is_prefix(input, V1_PREFIX) {
        if input.len() < V1_PREFIX.len() {
            return Ok(Decoded::Partial);
        }
        return decode_v1(input, opts);
    }
    if is_prefix(input, &V2_SIGNATURE) {
        return decode_v2(input, opts);
    }
    Err(Error::NotHeader)
}

/// Whether `input` and `pattern` agree on their common length.
fn is_prefix(input: &[u8], pattern: &[u8]) -> bool {
    let n = input.len().min(pattern.len());
    input[..n] == pattern[..n]
}

/// The v1 line ended before it could be judged: wait, unless the 107-byte bound is reached.
fn missing(capped: bool) -> Result<Decoded, Error> {
    if capped {
        Err(Error::LineTooLong)
    } else {
        Ok(Decoded::Partial)
    }
}

fn complete(header: Header, consumed: usize) -> Result<Decoded, Error> {
    Ok(Decoded::Complete { header, consumed })
}

fn v1_header(addrs: Addrs) -> Header {
    let transport = match addrs {
        Addrs::None => Transport::Unspec,
        _ => Transport::Stream,
    };
    Header {
        version: 1,
        command: Command::Proxy,
        transport,
        addrs,
        tlvs: Vec::new(),
    }
}

fn decode_v1(input: &[u8], opts: &DecodeOptions) -> Result<Decoded, Error> {
    let capped = input.len() >= V1_MAX_LEN;
    let line = &input[..input.len().min(V1_MAX_LEN)];
    let rest = &line[V1_PREFIX.len()..];
    if rest.starts_with(b"TCP4 ") {
        return decode_tcp4(line, capped);
    }
    if rest.starts_with(b"TCP6 ") {
        return decode_tcp6(line, capped);
    }
    if opts.v1_unknown_with_trailer {
        if rest.starts_with(b"UNKNOWN") {
            return decode_unknown_trailer(line, capped);
        }
    } else if rest.starts_with(b"UNKNOWN\r\n") {
        return complete(v1_header(Addrs::None), V1_PREFIX.len() + 9);
    }
    let could_be = [&b"TCP4 "[..], b"TCP6 ", b"UNKNOWN\r\n"]
        .iter()
        .any(|p| rest.len() < p.len() && p.starts_with(rest));
    if could_be {
        return missing(capped);
    }
    Err(Error::UnknownProtocol)
}

/// `PROXY UNKNOWN` then CRLF, or a space and anything up to CRLF (specification mode).
fn decode_unknown_trailer(line: &[u8], capped: bool) -> Result<Decoded, Error> {
    let mut p = V1_PREFIX.len() + 7;
    match line.get(p) {
        None => return missing(capped),
        Some(b'\r') => {}
        Some(b' ') => {
            p += 1;
            while p < line.len() && line[p] != b'\r' {
                p += 1;
            }
            if p == line.len() {
                return missing(capped);
            }
        }
        Some(_) => return Err(Error::UnknownProtocol),
    }
    match line.get(p + 1) {
        None => missing(capped),
        Some(b'\n') => complete(v1_header(Addrs::None), p + 2),
        Some(_) => Err(Invalid::V1Syntax.into()),
    }
}

/// HAProxy's `inetaddr_host_lim_ret`: up to four dot-separated digit runs; each run's last
/// three digits weigh 100/10/1 and are added at the octet's shift, wrapping.
fn lax_ipv4(line: &[u8], mut p: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut shift = 24u32;
    loop {
        let start = p;
        while p < line.len() && line[p].is_ascii_digit() {
            p += 1;
        }
        let mut weight = 1u32;
        for &d in line[start..p].iter().rev().take(3) {
            let term = (u32::from(d - b'0') * weight).wrapping_shl(shift);
            value = value.wrapping_add(term);
            weight *= 10;
        }
        if shift == 0 || p == line.len() || line[p] != b'.' {
            return (value, p);
        }
        shift -= 8;
        p += 1;
    }
}

/// HAProxy's `read_uint`: digits until a non-digit, wrapping on overflow.
fn lax_uint(line: &[u8], mut p: usize) -> (u32, usize) {
    let mut value = 0u32;
    while p < line.len() && line[p].is_ascii_digit() {
        value = value
            .wrapping_mul(10)
            .wrapping_add(u32::from(line[p] - b'0'));
        p += 1;
    }
    (value, p)
}

fn decode_tcp4(line: &[u8], capped: bool) -> Result<Decoded, Error> {
    let end = line.len();
    let mut p = V1_PREFIX.len() + 5;
    let mut fields = [0u32; 4];
    for (i, field) in fields.iter_mut().enumerate() {
        let (value, next) = if i < 2 {
            lax_ipv4(line, p)
        } else {
            lax_uint(line, p)
        };
        *field = value;
        p = next;
        if i < 3 {
            if p == end {
                return missing(capped);
            }
            if line[p] != b' ' {
                return Err(Invalid::V1Syntax.into());
            }
            p += 1;
        }
    }
    if p + 2 > end {
        return missing(capped);
    }
    if &line[p..p + 2] != b"\r\n" {
        return Err(Invalid::V1Syntax.into());
    }
    let [src, dst, sport, dport] = fields;
    // HAProxy stores `htons(port)`: the port keeps its low 16 bits.
    let addrs = Addrs::Inet {
        src: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(src), sport as u16)),
        dst: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(dst), dport as u16)),
    };
    complete(v1_header(addrs), p + 2)
}

/// A field as the C string HAProxy sees once spaces became NULs: up to a space or NUL.
fn c_field(field: &[u8]) -> &[u8] {
    let end = field
        .iter()
        .position(|&b| b == b' ' || b == 0)
        .unwrap_or(field.len());
    &field[..end]
}

fn tcp6_addr(field: &[u8]) -> Result<Ipv6Addr, Error> {
    std::str::from_utf8(c_field(field))
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Error::Invalid(Invalid::V1Address))
}

fn tcp6_port(field: &[u8]) -> Result<u16, Error> {
    let digits = c_field(field);
    let (value, end) = lax_uint(digits, 0);
    if end != digits.len() {
        return Err(Invalid::V1Port.into());
    }
    Ok(value as u16)
}

fn decode_tcp6(line: &[u8], capped: bool) -> Result<Decoded, Error> {
    let start = V1_PREFIX.len() + 5;
    let mut spaces = [0usize; 3];
    let mut found = 0;
    let mut p = start;
    loop {
        if p + 2 > line.len() {
            return missing(capped);
        }
        if line[p] == b'\r' {
            if line[p + 1] != b'\n' {
                return Err(Invalid::V1Syntax.into());
            }
            break;
        }
        if line[p] == b' ' && found < 3 {
            spaces[found] = p;
            found += 1;
        }
        p += 1;
    }
    if found < 3 {
        return Err(Invalid::V1Syntax.into());
    }
    let [s1, s2, s3] = spaces;
    let sport = tcp6_port(&line[s2 + 1..s3])?;
    let dport = tcp6_port(&line[s3 + 1..p])?;
    let src = tcp6_addr(&line[start..s1])?;
    let dst = tcp6_addr(&line[s1 + 1..s2])?;
    let addrs = Addrs::Inet {
        src: SocketAddr::V6(SocketAddrV6::new(src, sport, 0, 0)),
        dst: SocketAddr::V6(SocketAddrV6::new(dst, dport, 0, 0)),
    };
    complete(v1_header(addrs), p + 2)
}

/// The address block length of a v2 address family nibble.
fn v2_addr_len(family: u8) -> usize {
    match family {
        1 => 12,
        2 => 36,
        3 => 216,
        _ => 0,
    }
}

fn decode_v2(input: &[u8], opts: &DecodeOptions) -> Result<Decoded, Error> {
    if input.len() > 12 && input[12] & 0xF0 != 0x20 {
        return Err(Error::NotHeader);
    }
    if input.len() < V2_HEADER_LEN {
        return Ok(Decoded::Partial);
    }
    let len = usize::from(u16::from_be_bytes([input[14], input[15]]));
    let total = V2_HEADER_LEN + len;
    if input.len() < total {
        return Ok(Decoded::Partial);
    }
    let hdr = &input[..total];
    let fam = hdr[13];
    let (family, transport) = (fam >> 4, fam & 0x0F);
    let addr_len = v2_addr_len(family);
    let command = match hdr[12] & 0x0F {
        0 => Command::Local,
        1 => Command::Proxy,
        _ => return Err(Invalid::V2Command.into()),
    };
    let take_addrs = command == Command::Proxy
        && if opts.v2_any_family {
            if family > 3 || transport > 2 {
                return Err(Invalid::V2Family.into());
            }
            family != 0 && transport != 0
        } else {
            if fam != 0x11 && fam != 0x21 {
                return Err(Invalid::V2Family.into());
            }
            true
        };
    let tlv_at = V2_HEADER_LEN + addr_len;
    if !take_addrs {
        // HAProxy does not read TLVs here; give them when they are well formed.
        let tlvs = if len >= addr_len {
            parse_tlvs(hdr, tlv_at).unwrap_or_default()
        } else {
            Vec::new()
        };
        let header = Header {
            version: 2,
            command,
            transport: Transport::from_nibble(transport),
            addrs: Addrs::None,
            tlvs,
        };
        return complete(header, total);
    }
    if len < addr_len {
        return Err(Invalid::V2AddressLength.into());
    }
    let a = &hdr[V2_HEADER_LEN..tlv_at];
    let port = |at: usize| u16::from_be_bytes([a[at], a[at + 1]]);
    let addrs = match family {
        1 => {
            let ip = |at: usize| Ipv4Addr::new(a[at], a[at + 1], a[at + 2], a[at + 3]);
            Addrs::Inet {
                src: SocketAddr::V4(SocketAddrV4::new(ip(0), port(8))),
                dst: SocketAddr::V4(SocketAddrV4::new(ip(4), port(10))),
            }
        }
        2 => {
            let ip = |at: usize| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&a[at..at + 16]);
                Ipv6Addr::from(b)
            };
            Addrs::Inet {
                src: SocketAddr::V6(SocketAddrV6::new(ip(0), port(32), 0, 0)),
                dst: SocketAddr::V6(SocketAddrV6::new(ip(16), port(34), 0, 0)),
            }
        }
        _ => {
            let path = |at: usize| {
                let mut b = [0u8; 108];
                b.copy_from_slice(&a[at..at + 108]);
                Box::new(UnixAddr(b))
            };
            Addrs::Unix {
                src: path(0),
                dst: path(108),
            }
        }
    };
    let tlvs = parse_tlvs(hdr, tlv_at)?;
    let header = Header {
        version: 2,
        command,
        transport: Transport::from_nibble(transport),
        addrs,
        tlvs,
    };
    complete(header, total)
}
