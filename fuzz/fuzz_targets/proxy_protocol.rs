//! Fuzz target: the PROXY protocol decoder on arbitrary bytes (both acceptance modes, every
//! prefix answers consistently), and encode -> decode round trips on addresses and TLV
//! values drawn from the input.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use libfuzzer_sys::fuzz_target;
use rampart_proxy_protocol::{
    decode, decode_with, encode_v1, encode_v2, Addrs, DecodeOptions, Decoded, SslInfo, V2Params,
};

fn addr(bytes: &[u8]) -> Option<SocketAddr> {
    let (&kind, rest) = bytes.split_first()?;
    let port = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
    let rest = &rest[2..];
    let ip = match kind % 3 {
        0 => return None,
        1 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(rest.get(..4)?).ok()?)),
        _ => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(rest.get(..16)?).ok()?)),
    };
    Some(SocketAddr::new(ip, port))
}

fn mapped(a: SocketAddr) -> SocketAddr {
    match a.ip() {
        IpAddr::V4(v4) => SocketAddr::new(v4.to_ipv6_mapped().into(), a.port()),
        IpAddr::V6(_) => a,
    }
}

fn check_decode(data: &[u8], opts: &DecodeOptions) {
    match decode_with(data, opts) {
        Ok(Decoded::Complete { consumed, header }) => {
            assert!(consumed <= data.len());
            assert!(consumed >= 15);
            // The same header is found with any trailing bytes removed or added.
            assert_eq!(
                decode_with(&data[..consumed], opts),
                Ok(Decoded::Complete {
                    header: header.clone(),
                    consumed
                })
            );
            let _ = header.alpn();
            let _ = header.ssl().map(|s| s.as_info());
        }
        Ok(Decoded::Partial) => {
            assert!(data.len() < rampart_proxy_protocol::V2_MAX_LEN);
        }
        Err(e) => {
            let _ = e.to_string();
            let _ = e.code().message();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check_decode(data, &DecodeOptions::HAPROXY);
    check_decode(data, &DecodeOptions::SPEC);
    // Prefixed by a valid-looking start so the fuzzer reaches the inner parsers quickly.
    for prefix in [&b"PROXY TCP4 "[..], b"PROXY TCP6 ", b"\r\n\r\n\0\r\nQUIT\n\x21\x11"] {
        let mut buf = prefix.to_vec();
        buf.extend_from_slice(data);
        check_decode(&buf, &DecodeOptions::HAPROXY);
    }

    // Round trips.
    let src = addr(data);
    let dst = addr(data.get(19..).unwrap_or_default());
    let mut out = Vec::new();
    let n = encode_v1(src, dst, &mut out);
    assert_eq!(n, out.len());
    let Ok(Decoded::Complete { header, consumed }) = decode(&out) else {
        panic!("v1 round trip failed: {out:?}");
    };
    assert_eq!(consumed, n);
    match (src, dst, header.addrs) {
        (Some(s), Some(d), Addrs::Inet { src: hs, dst: hd }) => {
            if s.is_ipv4() && d.is_ipv4() {
                assert_eq!((hs, hd), (s, d));
            } else {
                assert_eq!((hs, hd), (mapped(s), mapped(d)));
            }
        }
        (s, d, Addrs::None) => assert!(s.is_none() || d.is_none()),
        other => panic!("v1 round trip mismatch: {other:?}"),
    }

    let tail = data.get(38..).unwrap_or_default();
    let cut = |i: usize| tail.get(..tail.len().min(i)).unwrap_or_default();
    let flags = data.first().copied().unwrap_or(0);
    let ssl = SslInfo {
        client: flags,
        verify: u32::from(flags) * 7,
        version: Some(cut(3)),
        cn: (flags & 1 != 0).then(|| cut(9)),
        ..SslInfo::default()
    };
    let p = V2Params {
        local: flags & 0x80 != 0,
        src,
        dst,
        crc32c: flags & 0x40 != 0,
        alpn: (flags & 0x20 != 0).then(|| cut(2)),
        authority: (flags & 0x10 != 0).then(|| cut(255)),
        unique_id: (flags & 0x08 != 0).then(|| cut(128)),
        ssl: (flags & 0x04 != 0).then_some(ssl),
        netns: (flags & 0x02 != 0).then(|| cut(16)),
    };
    let mut out = Vec::new();
    let n = encode_v2(&p, &mut out).unwrap_or(0);
    assert_eq!(n, out.len());
    let Ok(Decoded::Complete { header, consumed }) = decode(&out) else {
        panic!("v2 round trip failed: {out:?}");
    };
    assert_eq!(consumed, n);
    assert_eq!(header.authority(), p.authority);
    assert_eq!(header.unique_id(), p.unique_id);
    if !p.local && src.is_some() && dst.is_some() {
        assert_eq!(header.alpn(), p.alpn);
        assert_eq!(header.netns(), p.netns);
        assert_eq!(header.ssl().map(|s| s.as_info()), p.ssl);
    }
});
