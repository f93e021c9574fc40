//! v2 Type-Length-Value vectors: the registered types, their parsing with HAProxy's checks,
//! and their encoding.
//!
//! HAProxy 2.6 checks, in wire order: a 3-byte TLV header must fit, the value must fit,
//! CRC32C is exactly 4 bytes and matches the header (computed with this and every earlier
//! CRC32C field read as zero, as HAProxy zeroes them in place while it goes), AUTHORITY is
//! at most 255 bytes, UNIQUE_ID at most 128. Other types, SSL included, are not checked by
//! HAProxy: an SSL TLV whose inner layout is malformed is kept as [`Tlv::Other`].

use crate::crc32c::crc32c_zeroed;
use crate::error::Invalid;

/// `PP2_TYPE_ALPN`.
pub const PP2_TYPE_ALPN: u8 = 0x01;
/// `PP2_TYPE_AUTHORITY`.
pub const PP2_TYPE_AUTHORITY: u8 = 0x02;
/// `PP2_TYPE_CRC32C`.
pub const PP2_TYPE_CRC32C: u8 = 0x03;
/// `PP2_TYPE_NOOP`.
pub const PP2_TYPE_NOOP: u8 = 0x04;
/// `PP2_TYPE_UNIQUE_ID`.
pub const PP2_TYPE_UNIQUE_ID: u8 = 0x05;
/// `PP2_TYPE_SSL`.
pub const PP2_TYPE_SSL: u8 = 0x20;
/// `PP2_SUBTYPE_SSL_VERSION`.
pub const PP2_SUBTYPE_SSL_VERSION: u8 = 0x21;
/// `PP2_SUBTYPE_SSL_CN`.
pub const PP2_SUBTYPE_SSL_CN: u8 = 0x22;
/// `PP2_SUBTYPE_SSL_CIPHER`.
pub const PP2_SUBTYPE_SSL_CIPHER: u8 = 0x23;
/// `PP2_SUBTYPE_SSL_SIG_ALG`.
pub const PP2_SUBTYPE_SSL_SIG_ALG: u8 = 0x24;
/// `PP2_SUBTYPE_SSL_KEY_ALG`.
pub const PP2_SUBTYPE_SSL_KEY_ALG: u8 = 0x25;
/// `PP2_TYPE_NETNS`.
pub const PP2_TYPE_NETNS: u8 = 0x30;

/// `PP2_CLIENT_SSL`: the client connected over TLS.
pub const PP2_CLIENT_SSL: u8 = 0x01;
/// `PP2_CLIENT_CERT_CONN`: a client certificate on this connection.
pub const PP2_CLIENT_CERT_CONN: u8 = 0x02;
/// `PP2_CLIENT_CERT_SESS`: a client certificate on this TLS session.
pub const PP2_CLIENT_CERT_SESS: u8 = 0x04;

/// HAProxy's `PP2_AUTHORITY_MAX`.
pub const AUTHORITY_MAX: usize = 255;
/// HAProxy's `UNIQUEID_LEN`.
pub const UNIQUE_ID_MAX: usize = 128;

/// One TLV of a v2 header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tlv {
    /// 0x01: the negotiated ALPN protocol.
    Alpn(Vec<u8>),
    /// 0x02: the host name (SNI) the client asked for; at most 255 bytes.
    Authority(Vec<u8>),
    /// 0x03: the header's checksum, verified by the decoder.
    Crc32c(u32),
    /// 0x04: padding, to be ignored.
    Noop(Vec<u8>),
    /// 0x05: the upstream proxy's unique id; at most 128 bytes.
    UniqueId(Vec<u8>),
    /// 0x20: TLS information, when its inner layout is well formed.
    Ssl(SslTlv),
    /// 0x30: the network namespace name.
    Netns(Vec<u8>),
    /// Any other type, or an SSL TLV whose inner layout is malformed.
    Other {
        /// The type byte.
        kind: u8,
        /// The raw value.
        value: Vec<u8>,
    },
}

impl Tlv {
    /// The type byte on the wire.
    pub fn kind(&self) -> u8 {
        match self {
            Self::Alpn(_) => PP2_TYPE_ALPN,
            Self::Authority(_) => PP2_TYPE_AUTHORITY,
            Self::Crc32c(_) => PP2_TYPE_CRC32C,
            Self::Noop(_) => PP2_TYPE_NOOP,
            Self::UniqueId(_) => PP2_TYPE_UNIQUE_ID,
            Self::Ssl(_) => PP2_TYPE_SSL,
            Self::Netns(_) => PP2_TYPE_NETNS,
            Self::Other { kind, .. } => *kind,
        }
    }
}

/// A decoded `PP2_TYPE_SSL` value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SslTlv {
    /// `PP2_CLIENT_*` bits.
    pub client: u8,
    /// 0 when the client certificate was verified (or none was presented).
    pub verify: u32,
    /// `PP2_SUBTYPE_SSL_VERSION`, e.g. `TLSv1.3`.
    pub version: Option<Vec<u8>>,
    /// `PP2_SUBTYPE_SSL_CN`: the client certificate's common name.
    pub cn: Option<Vec<u8>>,
    /// `PP2_SUBTYPE_SSL_CIPHER`.
    pub cipher: Option<Vec<u8>>,
    /// `PP2_SUBTYPE_SSL_SIG_ALG`.
    pub sig_alg: Option<Vec<u8>>,
    /// `PP2_SUBTYPE_SSL_KEY_ALG`.
    pub key_alg: Option<Vec<u8>>,
    /// Sub-TLVs of other types, and repeated known ones, in wire order.
    pub others: Vec<(u8, Vec<u8>)>,
}

impl SslTlv {
    /// Parses an SSL TLV value; `None` when it is shorter than 5 bytes or a sub-TLV does
    /// not fit.
    fn parse(value: &[u8]) -> Option<Self> {
        let (&client, rest) = value.split_first()?;
        let verify = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        let mut ssl = Self {
            client,
            verify,
            ..Self::default()
        };
        let mut subs = &rest[4..];
        while !subs.is_empty() {
            let (kind, sub, next) = split_tlv(subs).ok()?;
            let slot = match kind {
                PP2_SUBTYPE_SSL_VERSION => &mut ssl.version,
                PP2_SUBTYPE_SSL_CN => &mut ssl.cn,
                PP2_SUBTYPE_SSL_CIPHER => &mut ssl.cipher,
                PP2_SUBTYPE_SSL_SIG_ALG => &mut ssl.sig_alg,
                PP2_SUBTYPE_SSL_KEY_ALG => &mut ssl.key_alg,
                _ => {
                    ssl.others.push((kind, sub.to_vec()));
                    subs = next;
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(sub.to_vec());
            } else {
                ssl.others.push((kind, sub.to_vec()));
            }
            subs = next;
        }
        Some(ssl)
    }

    /// The same information, borrowed, for [`crate::encode_v2`].
    pub fn as_info(&self) -> SslInfo<'_> {
        SslInfo {
            client: self.client,
            verify: self.verify,
            version: self.version.as_deref(),
            cn: self.cn.as_deref(),
            cipher: self.cipher.as_deref(),
            sig_alg: self.sig_alg.as_deref(),
            key_alg: self.key_alg.as_deref(),
        }
    }
}

/// TLS information to send in a `PP2_TYPE_SSL` TLV. Sub-TLVs are emitted in HAProxy's
/// order (VERSION, CN, KEY_ALG, SIG_ALG, CIPHER) when present. HAProxy fills them only for
/// a TLS client connection (`client & PP2_CLIENT_SSL`), and `verify` only when a client
/// certificate was used; the caller mirrors those conditions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SslInfo<'a> {
    /// `PP2_CLIENT_*` bits.
    pub client: u8,
    /// The certificate verification result (0 = verified).
    pub verify: u32,
    /// `PP2_SUBTYPE_SSL_VERSION`.
    pub version: Option<&'a [u8]>,
    /// `PP2_SUBTYPE_SSL_CN` (sent by `send-proxy-v2-ssl-cn`).
    pub cn: Option<&'a [u8]>,
    /// `PP2_SUBTYPE_SSL_CIPHER` (`proxy-v2-options ssl-cipher`).
    pub cipher: Option<&'a [u8]>,
    /// `PP2_SUBTYPE_SSL_SIG_ALG` (`proxy-v2-options cert-sig`).
    pub sig_alg: Option<&'a [u8]>,
    /// `PP2_SUBTYPE_SSL_KEY_ALG` (`proxy-v2-options cert-key`).
    pub key_alg: Option<&'a [u8]>,
}

/// Splits one TLV off the front of `buf`: (type, value, rest).
fn split_tlv(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), Invalid> {
    let [kind, hi, lo, ..] = *buf else {
        return Err(Invalid::TlvTruncated);
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let body = &buf[3..];
    if len > body.len() {
        return Err(Invalid::TlvOverflow);
    }
    Ok((kind, &body[..len], &body[len..]))
}

/// Parses the TLVs of a complete v2 header starting at byte `at`.
pub(crate) fn parse_tlvs(header: &[u8], at: usize) -> Result<Vec<Tlv>, Invalid> {
    let mut tlvs = Vec::new();
    let mut crc_fields: Vec<usize> = Vec::new();
    let mut off = at;
    while off < header.len() {
        let (kind, value, rest) = split_tlv(&header[off..])?;
        let value_at = off + 3;
        off = header.len() - rest.len();
        let tlv = match kind {
            PP2_TYPE_CRC32C => {
                let Ok(bytes) = <[u8; 4]>::try_from(value) else {
                    return Err(Invalid::Crc32cLength);
                };
                let sent = u32::from_be_bytes(bytes);
                crc_fields.push(value_at);
                if crc32c_zeroed(header, &crc_fields) != sent {
                    return Err(Invalid::Crc32cMismatch);
                }
                Tlv::Crc32c(sent)
            }
            PP2_TYPE_AUTHORITY if value.len() > AUTHORITY_MAX => {
                return Err(Invalid::AuthorityTooLong)
            }
            PP2_TYPE_UNIQUE_ID if value.len() > UNIQUE_ID_MAX => {
                return Err(Invalid::UniqueIdTooLong)
            }
            PP2_TYPE_AUTHORITY => Tlv::Authority(value.to_vec()),
            PP2_TYPE_UNIQUE_ID => Tlv::UniqueId(value.to_vec()),
            PP2_TYPE_ALPN => Tlv::Alpn(value.to_vec()),
            PP2_TYPE_NOOP => Tlv::Noop(value.to_vec()),
            PP2_TYPE_NETNS => Tlv::Netns(value.to_vec()),
            PP2_TYPE_SSL => match SslTlv::parse(value) {
                Some(ssl) => Tlv::Ssl(ssl),
                None => Tlv::Other {
                    kind,
                    value: value.to_vec(),
                },
            },
            _ => Tlv::Other {
                kind,
                value: value.to_vec(),
            },
        };
        tlvs.push(tlv);
    }
    Ok(tlvs)
}

/// A value too long for a 16-bit TLV length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong;

/// Appends one TLV.
pub(crate) fn push_tlv(out: &mut Vec<u8>, kind: u8, value: &[u8]) -> Result<(), TooLong> {
    let len = u16::try_from(value.len()).map_err(|_| TooLong)?;
    out.push(kind);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

/// Appends an SSL TLV with its sub-TLVs in HAProxy's order.
pub(crate) fn push_ssl(out: &mut Vec<u8>, ssl: &SslInfo<'_>) -> Result<(), TooLong> {
    let start = out.len();
    out.extend_from_slice(&[PP2_TYPE_SSL, 0, 0, ssl.client]);
    out.extend_from_slice(&ssl.verify.to_be_bytes());
    let subs = [
        (PP2_SUBTYPE_SSL_VERSION, ssl.version),
        (PP2_SUBTYPE_SSL_CN, ssl.cn),
        (PP2_SUBTYPE_SSL_KEY_ALG, ssl.key_alg),
        (PP2_SUBTYPE_SSL_SIG_ALG, ssl.sig_alg),
        (PP2_SUBTYPE_SSL_CIPHER, ssl.cipher),
    ];
    for (kind, value) in subs {
        if let Some(value) = value {
            push_tlv(out, kind, value)?;
        }
    }
    let len = u16::try_from(out.len() - start - 3).map_err(|_| TooLong)?;
    out[start + 1..start + 3].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_value_round_trip() {
        let info = SslInfo {
            client: PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS,
            verify: 0x0102_0304,
            version: Some(b"TLSv1.3"),
            cn: Some(b"client.example"),
            cipher: Some(b"TLS_AES_256_GCM_SHA384"),
            sig_alg: Some(b"SHA256"),
            key_alg: Some(b"RSA2048"),
        };
        let mut out = Vec::new();
        push_ssl(&mut out, &info).unwrap();
        let (kind, value, rest) = split_tlv(&out).unwrap();
        assert_eq!(kind, PP2_TYPE_SSL);
        assert!(rest.is_empty());
        let ssl = SslTlv::parse(value).unwrap();
        assert_eq!(ssl.as_info(), info);
        assert!(ssl.others.is_empty());
    }

    #[test]
    fn ssl_unknown_and_repeated_sub_tlvs_are_kept() {
        let value = [
            1, 0, 0, 0, 0, // client, verify
            0x21, 0, 1, b'a', // version
            0x21, 0, 1, b'b', // version again
            0x99, 0, 0, // unknown
        ];
        let ssl = SslTlv::parse(&value).unwrap();
        assert_eq!(ssl.version.as_deref(), Some(&b"a"[..]));
        assert_eq!(ssl.others, vec![(0x21, b"b".to_vec()), (0x99, vec![])]);
    }

    #[test]
    fn malformed_ssl_is_kept_raw() {
        assert_eq!(SslTlv::parse(&[1, 0, 0]), None);
        assert_eq!(SslTlv::parse(&[1, 0, 0, 0, 0, 0x21, 0]), None);
        assert_eq!(SslTlv::parse(&[1, 0, 0, 0, 0, 0x21, 0, 5, b'x']), None);
        let header = [PP2_TYPE_SSL, 0, 3, 1, 0, 0];
        assert_eq!(
            parse_tlvs(&header, 0),
            Ok(vec![Tlv::Other {
                kind: PP2_TYPE_SSL,
                value: vec![1, 0, 0]
            }])
        );
    }

    #[test]
    fn too_long_values_are_refused() {
        let mut out = Vec::new();
        assert_eq!(
            push_tlv(&mut out, PP2_TYPE_NOOP, &vec![0; 65536]),
            Err(TooLong)
        );
        assert!(out.is_empty());
        assert_eq!(push_tlv(&mut out, PP2_TYPE_NOOP, &vec![0; 65535]), Ok(()));
    }
}
