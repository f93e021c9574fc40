//! Encoding PROXY headers byte for byte as HAProxy 2.6's `make_proxy_line_v1/v2`.
//!
//! - v1: `PROXY TCP4 a b p q\r\n` when both ends are IPv4, `TCP6` when at least one is IPv6
//!   (an IPv4 end becomes `::ffff:a.b.c.d`), `PROXY UNKNOWN\r\n` when an end is missing.
//!   IPv6 text is glibc's `inet_ntop` (longest zero run of two or more words compressed,
//!   first on ties, `::a.b.c.d` / `::ffff:a.b.c.d` for IPv4-compatible and -mapped forms).
//! - v2: LOCAL + UNSPEC with no address block when `local` is set or an end is missing,
//!   else PROXY + TCP over IPv4 (both ends IPv4) or IPv6 (IPv4 ends mapped); then TLVs in
//!   HAProxy's order CRC32C, ALPN, AUTHORITY, UNIQUE_ID, SSL, NETNS, without padding; the
//!   CRC32C is computed last over the whole header with its own field zeroed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::crc32c::crc32c;
use crate::decode::{V2_HEADER_LEN, V2_SIGNATURE};
use crate::tlv::{
    push_ssl, push_tlv, SslInfo, TooLong, PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY, PP2_TYPE_CRC32C,
    PP2_TYPE_NETNS, PP2_TYPE_UNIQUE_ID,
};

/// What to put in a v2 header; `Default` is a LOCAL header without TLVs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct V2Params<'a> {
    /// Send LOCAL (HAProxy does for its own connections, e.g. health checks).
    pub local: bool,
    /// The client address; LOCAL is sent when either end is missing.
    pub src: Option<SocketAddr>,
    /// The address the client reached.
    pub dst: Option<SocketAddr>,
    /// Add a CRC32C TLV (`proxy-v2-options crc32c`).
    pub crc32c: bool,
    /// The ALPN TLV (HAProxy sends the frontend connection's ALPN whenever there is one).
    pub alpn: Option<&'a [u8]>,
    /// The AUTHORITY TLV (`proxy-v2-options authority`: a received authority, else SNI).
    pub authority: Option<&'a [u8]>,
    /// The UNIQUE_ID TLV (`proxy-v2-options unique-id`; HAProxy sends it even empty).
    pub unique_id: Option<&'a [u8]>,
    /// The SSL TLV (`send-proxy-v2-ssl`, `send-proxy-v2-ssl-cn`, ...).
    pub ssl: Option<SslInfo<'a>>,
    /// The NETNS TLV (the namespace the client connection was accepted in).
    pub netns: Option<&'a [u8]>,
}

/// A v2 header cannot be encoded: a TLV value or the whole header exceeds the 16-bit
/// lengths of the format. Nothing is appended in that case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncodeError;

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PROXY v2 header longer than 65535 bytes")
    }
}

impl std::error::Error for EncodeError {}

impl From<TooLong> for EncodeError {
    fn from(_: TooLong) -> Self {
        Self
    }
}

/// Appends a v1 line for `src`/`dst` to `out` and returns its length.
pub fn encode_v1(src: Option<SocketAddr>, dst: Option<SocketAddr>, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    let (Some(src), Some(dst)) = (src, dst) else {
        out.extend_from_slice(b"PROXY UNKNOWN\r\n");
        return out.len() - start;
    };
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            out.extend_from_slice(b"PROXY TCP4 ");
            push_ipv4(out, s);
            out.push(b' ');
            push_ipv4(out, d);
        }
        (s, d) => {
            out.extend_from_slice(b"PROXY TCP6 ");
            push_ipv6(out, to_v6(s));
            out.push(b' ');
            push_ipv6(out, to_v6(d));
        }
    }
    out.push(b' ');
    push_decimal(out, u32::from(src.port()));
    out.push(b' ');
    push_decimal(out, u32::from(dst.port()));
    out.extend_from_slice(b"\r\n");
    out.len() - start
}

/// Appends a v2 header to `out` and returns its length.
pub fn encode_v2(p: &V2Params<'_>, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    let start = out.len();
    let result = encode_v2_inner(p, out, start);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn encode_v2_inner(
    p: &V2Params<'_>,
    out: &mut Vec<u8>,
    start: usize,
) -> Result<usize, EncodeError> {
    out.extend_from_slice(&V2_SIGNATURE);
    match (p.local, p.src, p.dst) {
        (false, Some(src), Some(dst)) => match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                out.extend_from_slice(&[0x21, 0x11, 0, 0]);
                out.extend_from_slice(&s.octets());
                out.extend_from_slice(&d.octets());
                out.extend_from_slice(&src.port().to_be_bytes());
                out.extend_from_slice(&dst.port().to_be_bytes());
            }
            (s, d) => {
                out.extend_from_slice(&[0x21, 0x21, 0, 0]);
                out.extend_from_slice(&to_v6(s).octets());
                out.extend_from_slice(&to_v6(d).octets());
                out.extend_from_slice(&src.port().to_be_bytes());
                out.extend_from_slice(&dst.port().to_be_bytes());
            }
        },
        _ => out.extend_from_slice(&[0x20, 0x00, 0, 0]),
    }
    let mut crc_at = None;
    if p.crc32c {
        crc_at = Some(out.len() + 3);
        push_tlv(out, PP2_TYPE_CRC32C, &[0; 4])?;
    }
    if let Some(alpn) = p.alpn {
        push_tlv(out, PP2_TYPE_ALPN, alpn)?;
    }
    if let Some(authority) = p.authority {
        push_tlv(out, PP2_TYPE_AUTHORITY, authority)?;
    }
    if let Some(unique_id) = p.unique_id {
        push_tlv(out, PP2_TYPE_UNIQUE_ID, unique_id)?;
    }
    if let Some(ssl) = &p.ssl {
        push_ssl(out, ssl)?;
    }
    if let Some(netns) = p.netns {
        push_tlv(out, PP2_TYPE_NETNS, netns)?;
    }
    let total = out.len() - start;
    let len = u16::try_from(total - V2_HEADER_LEN).map_err(|_| EncodeError)?;
    out[start + 14..start + 16].copy_from_slice(&len.to_be_bytes());
    if let Some(at) = crc_at {
        let crc = crc32c(&out[start..]);
        out[at..at + 4].copy_from_slice(&crc.to_be_bytes());
    }
    Ok(total)
}

/// HAProxy's `v4tov6`: `::ffff:a.b.c.d`.
fn to_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

fn push_decimal(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_ipv4(out: &mut Vec<u8>, ip: Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        push_decimal(out, u32::from(octet));
    }
}

fn push_hex(out: &mut Vec<u8>, word: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12, 8, 4, 0] {
        let nibble = usize::from((word >> shift) & 0xF);
        if nibble != 0 || started || shift == 0 {
            out.push(HEX[nibble]);
            started = true;
        }
    }
}

/// glibc's `inet_ntop(AF_INET6, ...)`.
pub(crate) fn push_ipv6(out: &mut Vec<u8>, ip: Ipv6Addr) {
    let words = ip.segments();
    // The longest run of zero words (first on ties), if at least two long.
    let (mut best, mut best_len) = (0usize, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let run = words[i..].iter().take_while(|&&w| w == 0).count();
            if run > best_len {
                (best, best_len) = (i, run);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    let compress = best_len >= 2;
    for (i, &word) in words.iter().enumerate() {
        if compress && (best..best + best_len).contains(&i) {
            if i == best {
                out.push(b':');
            }
            continue;
        }
        if i != 0 {
            out.push(b':');
        }
        let embedded_v4 =
            compress && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xFFFF));
        if i == 6 && embedded_v4 {
            let o = ip.octets();
            push_ipv4(out, Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            return;
        }
        push_hex(out, word);
    }
    if compress && best + best_len == 8 {
        out.push(b':');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ntop(s: &str) -> String {
        let mut out = Vec::new();
        push_ipv6(&mut out, s.parse().unwrap());
        String::from_utf8(out).unwrap()
    }

    /// Expected texts come from glibc's `inet_ntop` (Python's `socket.inet_ntop`).
    #[test]
    fn ipv6_text_matches_glibc() {
        for (input, glibc) in [
            ("::", "::"),
            ("::1", "::1"),
            ("::2", "::2"),
            ("1::", "1::"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::ffff:0.0.0.0", "::ffff:0.0.0.0"),
            ("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
            ("::0.1.0.0", "::0.1.0.0"),
            ("::ffff", "::ffff"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
            ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
            ("0:0:0:0:0:1:2:3", "::1:2:3"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("fe80::abcd:ef01:0:0", "fe80::abcd:ef01:0:0"),
            (
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
        ] {
            assert_eq!(ntop(input), glibc, "{input}");
        }
    }

    #[test]
    fn decimal() {
        for n in [0u32, 7, 10, 65535, u32::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
