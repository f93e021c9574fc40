//! Decoder behaviour: the specification's examples, HAProxy 2.6's acceptance rules (each
//! "HAProxy:" case was checked against the live binary with `accept-proxy`), every error,
//! and partial input at every split point.

// Helpers outside #[test] functions may unwrap too: a panic is a test failure.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use rampart_proxy_protocol::{
    crc32c::crc32c, decode, decode_with, encode_v1, encode_v2, Addrs, Command, DecodeOptions,
    Decoded, ErrCode, Error, Header, Invalid, SslInfo, Tlv, Transport, V2Params, V1_MAX_LEN,
    V2_SIGNATURE,
};

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn complete(input: &[u8]) -> (Header, usize) {
    match decode(input) {
        Ok(Decoded::Complete { header, consumed }) => (header, consumed),
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn inet(input: &[u8]) -> (SocketAddr, SocketAddr) {
    complete(input).0.inet().unwrap()
}

fn err(input: &[u8]) -> Error {
    match decode(input) {
        Err(e) => e,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn v2(ver_cmd: u8, fam: u8, body: &[u8]) -> Vec<u8> {
    let mut out = V2_SIGNATURE.to_vec();
    out.push(ver_cmd);
    out.push(fam);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

const TCP4_BLOCK: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2];

/// Every split of `input` decodes as `Partial` until the whole header is there.
fn check_splits(input: &[u8], opts: &DecodeOptions) {
    let full = decode_with(input, opts).unwrap();
    let Decoded::Complete { consumed, .. } = &full else {
        panic!("not complete");
    };
    for cut in 0..*consumed {
        assert_eq!(
            decode_with(&input[..cut], opts),
            Ok(Decoded::Partial),
            "cut at {cut} of {input:?}"
        );
    }
    for extra in 0..4 {
        let mut longer = input[..*consumed].to_vec();
        longer.resize(longer.len() + extra, b'X');
        assert_eq!(decode_with(&longer, opts).unwrap(), full);
    }
}

#[test]
fn spec_examples_v1() {
    let input = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
    let (header, consumed) = complete(input);
    assert_eq!(consumed, 47);
    assert_eq!(
        header,
        Header {
            version: 1,
            command: Command::Proxy,
            transport: Transport::Stream,
            addrs: Addrs::Inet {
                src: sa("192.168.0.1:56324"),
                dst: sa("192.168.0.11:443"),
            },
            tlvs: vec![],
        }
    );
    let line = b"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
    assert_eq!(line.len(), 56);
    assert_eq!(
        inet(line),
        (sa("255.255.255.255:65535"), sa("255.255.255.255:65535"))
    );
    let ff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    let line = format!("PROXY TCP6 {ff} {ff} 65535 65535\r\n");
    assert_eq!(line.len(), 104);
    assert_eq!(inet(line.as_bytes()).0, sa(&format!("[{ff}]:65535")));
    let (header, consumed) = complete(b"PROXY UNKNOWN\r\n");
    assert_eq!(
        (consumed, header.addrs, header.transport),
        (15, Addrs::None, Transport::Unspec)
    );
    // The worst case of the specification is accepted in SPEC mode only (HAProxy refuses).
    let worst = format!("PROXY UNKNOWN {ff} {ff} 65535 65535\r\n");
    assert_eq!(worst.len(), V1_MAX_LEN);
    assert_eq!(err(worst.as_bytes()), Error::UnknownProtocol);
    let Ok(Decoded::Complete { header, consumed }) =
        decode_with(worst.as_bytes(), &DecodeOptions::SPEC)
    else {
        panic!()
    };
    assert_eq!((consumed, header.addrs), (V1_MAX_LEN, Addrs::None));
}

#[test]
fn spec_examples_v2() {
    // The v2 signature followed by version 2, as given in the detection rules.
    assert_eq!(
        &V2_SIGNATURE,
        b"\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A"
    );
    // LOCAL + UNSPEC, length 0 (what HAProxy's health checks send without TLV options).
    let (header, consumed) = complete(&v2(0x20, 0x00, &[]));
    assert_eq!(consumed, 16);
    assert_eq!(header.command, Command::Local);
    assert_eq!(header.addrs, Addrs::None);
    // TCP over IPv4 and IPv6.
    assert_eq!(
        inet(&v2(0x21, 0x11, &TCP4_BLOCK)),
        (sa("1.2.3.4:1"), sa("5.6.7.8:2"))
    );
    let mut block = [0u8; 36];
    block[15] = 1;
    block[31] = 2;
    block[32..].copy_from_slice(&[0x12, 0x34, 0xab, 0xcd]);
    assert_eq!(
        inet(&v2(0x21, 0x21, &block)),
        (sa("[::1]:4660"), sa("[::2]:43981"))
    );
    // Receivers skip `len` bytes even for LOCAL.
    let mut input = v2(0x20, 0x11, &TCP4_BLOCK);
    input.extend_from_slice(b"payload");
    assert_eq!(complete(&input).1, 28);
}

#[test]
fn haproxy_lax_v1_numbers() {
    // HAProxy: leading zeros are read as decimal.
    assert_eq!(
        inet(b"PROXY TCP4 01.002.3.4 5.6.7.8 01000 002000\r\n"),
        (sa("1.2.3.4:1000"), sa("5.6.7.8:2000"))
    );
    // HAProxy: 300 in the last octet carries (1.2.3.300 = 1.2.4.44), missing octets are 0,
    // ports keep their low 16 bits (70000 -> 4464).
    assert_eq!(
        inet(b"PROXY TCP4 1.2.3.300 5.6.7 1000 70000\r\n"),
        (sa("1.2.4.44:1000"), sa("5.6.7.0:4464"))
    );
    // HAProxy: an empty address is 0.0.0.0.
    assert_eq!(
        inet(b"PROXY TCP4  5.6.7.8 1 2\r\n"),
        (sa("0.0.0.0:1"), sa("5.6.7.8:2"))
    );
    // Only the last three digits of a run count; the fifth octet is never read.
    assert_eq!(
        inet(b"PROXY TCP4 1001.2.3.4 0.0.0.0 1 2\r\n").0,
        sa("1.2.3.4:1")
    );
    assert_eq!(
        err(b"PROXY TCP4 1.2.3.4.5 0.0.0.0 1 2\r\n"),
        Error::Invalid(Invalid::V1Syntax)
    );
    assert_eq!(inet(b"PROXY TCP4 1.2.3.4 5.6.7.8  \r\n").1, sa("5.6.7.8:0"));
    assert_eq!(
        inet(b"PROXY TCP4 1.2.3.4 5.6.7.8 4294967297 65537\r\n")
            .0
            .port(),
        1
    );
}

#[test]
fn haproxy_lax_v1_tcp6() {
    // HAProxy: fields after the fourth are ignored.
    assert_eq!(
        inet(b"PROXY TCP6 ::1 ::2 10 20 junk\r\n"),
        (sa("[::1]:10"), sa("[::2]:20"))
    );
    // HAProxy: an empty port is 0, a NUL ends a field, ports wrap to 16 bits.
    assert_eq!(inet(b"PROXY TCP6 ::1 ::2  20\r\n").0, sa("[::1]:0"));
    assert_eq!(
        inet(b"PROXY TCP6 ::1\0zz ::2 10\0x 20\r\n").0,
        sa("[::1]:10")
    );
    assert_eq!(
        inet(b"PROXY TCP6 ::FFFF:0102:0304 0::2 65536 020\r\n"),
        (sa("[::ffff:1.2.3.4]:0"), sa("[::2]:20"))
    );
    // HAProxy: the IPv4-embedded form is accepted.
    assert_eq!(
        inet(b"PROXY TCP6 ::ffff:1.2.3.4 ::2 10 20\r\n").0,
        sa("[::ffff:1.2.3.4]:10")
    );
}

#[test]
fn v1_errors() {
    let syntax = Error::Invalid(Invalid::V1Syntax);
    for (input, e) in [
        (&b"GET / HTTP/1.1\r\n"[..], Error::NotHeader),
        (b"PROXX", Error::NotHeader),
        (b"proxy TCP4", Error::NotHeader),
        (
            b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
            Error::UnknownProtocol,
        ),
        (
            b"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",
            Error::UnknownProtocol,
        ),
        (b"PROXY UDP4", Error::UnknownProtocol),
        // HAProxy: only "UNKNOWN\r\n" exactly.
        (
            b"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n",
            Error::UnknownProtocol,
        ),
        (b"PROXY UNKNOWN\n", Error::UnknownProtocol),
        (
            b"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
            Error::UnknownProtocol,
        ),
        (b"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", syntax),
        (b"PROXY TCP4 1.2.3.x 5.6.7.8 1 2\r\n", syntax),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1x 2\r\n", syntax),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", syntax),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n\r", syntax),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", syntax),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", syntax),
        (b"PROXY TCP6 ::1 ::2 1 2\rX", syntax),
        (b"PROXY TCP6 ::1 ::2 1\r\n", syntax),
        (b"PROXY TCP6 ::1 ::2 1 2 3\rx", syntax),
        // HAProxy checks the ports first: here "::2" lands in the source port.
        (
            b"PROXY TCP6 ::1  ::2 1 2\r\n",
            Error::Invalid(Invalid::V1Port),
        ),
        (
            b"PROXY TCP6 1.2.3.4 ::2 1 2\r\n",
            Error::Invalid(Invalid::V1Address),
        ),
        (
            b"PROXY TCP6 ::1 ::g 1 2\r\n",
            Error::Invalid(Invalid::V1Address),
        ),
        (
            b"PROXY TCP6 ::1 ::\xff 1 2\r\n",
            Error::Invalid(Invalid::V1Address),
        ),
        (
            b"PROXY TCP6 ::1 ::2 +1 2\r\n",
            Error::Invalid(Invalid::V1Port),
        ),
        (
            b"PROXY TCP6 ::1 ::2 1 2x\r\n",
            Error::Invalid(Invalid::V1Port),
        ),
    ] {
        assert_eq!(err(input), e, "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn v1_line_longer_than_107_bytes() {
    let mut line = b"PROXY TCP6 ".to_vec();
    line.resize(V1_MAX_LEN - 1, b'a');
    assert_eq!(decode(&line), Ok(Decoded::Partial));
    line.push(b'a');
    assert_eq!(err(&line), Error::LineTooLong);
    assert_eq!(err(&line).code(), ErrCode::Truncated);
    let mut digits = b"PROXY TCP4 ".to_vec();
    digits.resize(200, b'0');
    assert_eq!(err(&digits), Error::LineTooLong);
    // A bad byte before the bound is reported as such.
    assert_eq!(
        err(b"PROXY TCP4 1.2.3.4 x"),
        Error::Invalid(Invalid::V1Syntax)
    );
}

#[test]
fn v1_partial_at_every_split() {
    let ff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    for line in [
        "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n".to_string(),
        "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n".to_string(),
        format!("PROXY TCP6 {ff} {ff} 65535 65535\r\n"),
        "PROXY TCP6 ::1 ::2 1 2\r\n".to_string(),
        "PROXY UNKNOWN\r\n".to_string(),
    ] {
        check_splits(line.as_bytes(), &DecodeOptions::HAPROXY);
    }
    let worst = format!("PROXY UNKNOWN {ff} {ff} 65535 65535\r\n");
    check_splits(worst.as_bytes(), &DecodeOptions::SPEC);
    check_splits(b"PROXY UNKNOWN\r\n", &DecodeOptions::SPEC);
}

#[test]
fn spec_mode_unknown_trailer() {
    let spec = |input: &[u8]| decode_with(input, &DecodeOptions::SPEC);
    assert_eq!(spec(b"PROXY UNKNOWNX\r\n"), Err(Error::UnknownProtocol));
    assert_eq!(
        spec(b"PROXY UNKNOWN\rX"),
        Err(Error::Invalid(Invalid::V1Syntax))
    );
    assert_eq!(
        spec(b"PROXY UNKNOWN x\rX"),
        Err(Error::Invalid(Invalid::V1Syntax))
    );
    let mut long = b"PROXY UNKNOWN ".to_vec();
    long.resize(V1_MAX_LEN, b'x');
    assert_eq!(spec(&long), Err(Error::LineTooLong));
}

#[test]
fn v2_errors() {
    let bad = |input: &[u8], e: Invalid| assert_eq!(err(input), Error::Invalid(e), "{input:?}");
    // Version other than 2: not a header (checked as soon as the 13th byte is there).
    let mut input = V2_SIGNATURE.to_vec();
    input.push(0x11);
    assert_eq!(err(&input), Error::NotHeader);
    assert_eq!(err(&v2(0x31, 0x11, &TCP4_BLOCK)), Error::NotHeader);
    assert_eq!(err(&v2(0x01, 0x11, &TCP4_BLOCK)), Error::NotHeader);
    // A corrupted signature byte.
    let mut input = v2(0x21, 0x11, &TCP4_BLOCK);
    input[5] = 0;
    assert_eq!(err(&input), Error::NotHeader);
    // HAProxy: commands other than LOCAL/PROXY.
    bad(&v2(0x22, 0x11, &TCP4_BLOCK), Invalid::V2Command);
    bad(&v2(0x2F, 0x00, &[]), Invalid::V2Command);
    // HAProxy: PROXY with any family but TCP4/TCP6 (checked live for UNSPEC, UNIX, UDP4 and 0x41).
    bad(&v2(0x21, 0x00, &[]), Invalid::V2Family);
    bad(&v2(0x21, 0x12, &TCP4_BLOCK), Invalid::V2Family);
    bad(&v2(0x21, 0x31, &[0; 216]), Invalid::V2Family);
    bad(&v2(0x21, 0x41, &TCP4_BLOCK), Invalid::V2Family);
    // HAProxy: address block shorter than the family's.
    bad(&v2(0x21, 0x11, &TCP4_BLOCK[..8]), Invalid::V2AddressLength);
    bad(&v2(0x21, 0x21, &[0; 35]), Invalid::V2AddressLength);
    // TLV framing.
    let with = |tlvs: &[u8]| {
        let mut body = TCP4_BLOCK.to_vec();
        body.extend_from_slice(tlvs);
        v2(0x21, 0x11, &body)
    };
    bad(&with(&[0x04]), Invalid::TlvTruncated);
    bad(&with(&[0x04, 0]), Invalid::TlvTruncated);
    bad(&with(&[0x04, 0, 1]), Invalid::TlvOverflow);
    bad(&with(&[0x04, 0, 0, 0x04, 0, 2, 0]), Invalid::TlvOverflow);
    bad(&with(&[0x03, 0, 3, 0, 0, 0]), Invalid::Crc32cLength);
    bad(&with(&[0x03, 0, 5, 0, 0, 0, 0, 0]), Invalid::Crc32cLength);
    bad(&with(&[0x03, 0, 4, 1, 2, 3, 4]), Invalid::Crc32cMismatch);
    // HAProxy: AUTHORITY up to 255 bytes, UNIQUE_ID up to 128.
    let tlv = |kind: u8, len: usize| {
        let mut t = vec![kind, (len >> 8) as u8, len as u8];
        t.resize(3 + len, b'x');
        t
    };
    bad(&with(&tlv(0x02, 256)), Invalid::AuthorityTooLong);
    bad(&with(&tlv(0x05, 129)), Invalid::UniqueIdTooLong);
    assert_eq!(
        complete(&with(&tlv(0x02, 255)))
            .0
            .authority()
            .unwrap()
            .len(),
        255
    );
    assert_eq!(
        complete(&with(&tlv(0x05, 128)))
            .0
            .unique_id()
            .unwrap()
            .len(),
        128
    );
    // HAProxy: a malformed SSL value is not an error (kept raw).
    let (header, _) = complete(&with(&[0x20, 0, 1, 7]));
    assert_eq!(
        header.tlvs,
        vec![Tlv::Other {
            kind: 0x20,
            value: vec![7]
        }]
    );
}

#[test]
fn v2_local_ignores_family_and_tlvs() {
    // HAProxy: LOCAL does not look at the family or the TLVs.
    let (header, consumed) = complete(&v2(0x20, 0x41, &[9, 9, 9]));
    assert_eq!(
        (consumed, header.addrs, header.tlvs),
        (19, Addrs::None, vec![])
    );
    let mut body = TCP4_BLOCK.to_vec();
    body.extend_from_slice(&[9, 9]);
    assert_eq!(complete(&v2(0x20, 0x11, &body)).0.tlvs, vec![]);
    // Well-formed TLVs are still reported.
    let (header, _) = complete(&v2(0x20, 0x00, &[0x05, 0, 2, b'i', b'd']));
    assert_eq!(header.unique_id(), Some(&b"id"[..]));
    // Even with a wrong CRC (not checked, and then not reported).
    let (header, _) = complete(&v2(0x20, 0x00, &[0x03, 0, 4, 1, 2, 3, 4]));
    assert_eq!(header.tlvs, vec![]);
}

#[test]
fn v2_spec_mode_families() {
    let spec = |input: &[u8]| match decode_with(input, &DecodeOptions::SPEC) {
        Ok(Decoded::Complete { header, .. }) => Ok(header),
        Ok(Decoded::Partial) => panic!("partial"),
        Err(e) => Err(e),
    };
    let h = spec(&v2(0x21, 0x12, &TCP4_BLOCK)).unwrap();
    assert_eq!(h.transport, Transport::Dgram);
    assert_eq!(h.inet(), Some((sa("1.2.3.4:1"), sa("5.6.7.8:2"))));
    let mut unix = [0u8; 216];
    unix[..7].copy_from_slice(b"/run/a\0");
    unix[108..114].copy_from_slice(b"/run/b");
    let h = spec(&v2(0x21, 0x31, &unix)).unwrap();
    let Addrs::Unix { src, dst } = h.addrs else {
        panic!()
    };
    assert_eq!((src.path(), dst.path()), (&b"/run/a"[..], &b"/run/b"[..]));
    assert_eq!(format!("{src:?}"), "UnixAddr(\"/run/a\")");
    assert_eq!(spec(&v2(0x21, 0x00, &[])).unwrap().addrs, Addrs::None);
    assert_eq!(
        spec(&v2(0x21, 0x10, &TCP4_BLOCK)).unwrap().addrs,
        Addrs::None
    );
    assert_eq!(
        spec(&v2(0x21, 0x41, &[])),
        Err(Error::Invalid(Invalid::V2Family))
    );
    assert_eq!(
        spec(&v2(0x21, 0x13, &[])),
        Err(Error::Invalid(Invalid::V2Family))
    );
    assert_eq!(
        spec(&v2(0x21, 0x32, &[0; 215])),
        Err(Error::Invalid(Invalid::V2AddressLength))
    );
}

#[test]
fn v2_every_tlv_round_trip() {
    let ssl = SslInfo {
        client: 0x07,
        verify: 5,
        version: Some(b"TLSv1.2"),
        cn: Some(b"cn"),
        cipher: Some(b"ECDHE-RSA-AES128-GCM-SHA256"),
        sig_alg: Some(b"SHA256"),
        key_alg: Some(b"RSA2048"),
    };
    for (src, dst) in [
        ("10.0.0.1:1234", "10.0.0.2:443"),
        ("[2001:db8::1]:1234", "[2001:db8::2]:443"),
        ("10.0.0.1:1234", "[2001:db8::2]:443"),
    ] {
        let p = V2Params {
            local: false,
            src: Some(sa(src)),
            dst: Some(sa(dst)),
            crc32c: true,
            alpn: Some(b"h2"),
            authority: Some(b"example.com"),
            unique_id: Some(b"4F2A"),
            ssl: Some(ssl),
            netns: Some(b"blue"),
        };
        let mut out = b"junk".to_vec();
        let n = encode_v2(&p, &mut out).unwrap();
        assert_eq!(n, out.len() - 4);
        out.extend_from_slice(b"payload");
        check_splits(&out[4..], &DecodeOptions::HAPROXY);
        let (header, consumed) = complete(&out[4..]);
        assert_eq!(consumed, n);
        let to_v6 = |a: SocketAddr| match a {
            SocketAddr::V4(v4) => SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port()),
            v6 => v6,
        };
        let (s, d) = header.inet().unwrap();
        if sa(src).is_ipv4() && sa(dst).is_ipv4() {
            assert_eq!((s, d), (sa(src), sa(dst)));
        } else {
            assert_eq!((s, d), (to_v6(sa(src)), to_v6(sa(dst))));
        }
        let kinds: Vec<u8> = header.tlvs.iter().map(Tlv::kind).collect();
        assert_eq!(kinds, [0x03, 0x01, 0x02, 0x05, 0x20, 0x30]);
        assert_eq!(header.alpn(), Some(&b"h2"[..]));
        assert_eq!(header.authority(), Some(&b"example.com"[..]));
        assert_eq!(header.unique_id(), Some(&b"4F2A"[..]));
        assert_eq!(header.netns(), Some(&b"blue"[..]));
        assert_eq!(header.ssl().unwrap().as_info(), ssl);
        let mut zeroed = out[4..4 + n].to_vec();
        let at = match header.inet().unwrap().0 {
            SocketAddr::V4(_) => 28,
            SocketAddr::V6(_) => 52,
        };
        zeroed[at + 3..at + 7].fill(0);
        assert_eq!(header.crc32c(), Some(crc32c(&zeroed)));
        // Every single-bit corruption after the signature is caught by the CRC or framing.
        for i in 16..n {
            let mut corrupt = out[4..4 + n].to_vec();
            corrupt[i] ^= 0x10;
            if i == 14 || i == 15 || i == at {
                // A different length is a different (partial or shorter) header; a
                // different type for the CRC TLV removes the check itself.
                continue;
            }
            assert!(decode(&corrupt).is_err(), "byte {i}");
        }
    }
}

#[test]
fn v2_unknown_and_noop_tlvs_are_kept() {
    let mut body = TCP4_BLOCK.to_vec();
    body.extend_from_slice(&[0x04, 0, 2, 0, 0, 0xE0, 0, 1, 0xAA, 0x04, 0, 0]);
    let (header, _) = complete(&v2(0x21, 0x11, &body));
    assert_eq!(
        header.tlvs,
        vec![
            Tlv::Noop(vec![0, 0]),
            Tlv::Other {
                kind: 0xE0,
                value: vec![0xAA]
            },
            Tlv::Noop(vec![]),
        ]
    );
}

#[test]
fn v2_two_crc_tlvs_are_checked_like_haproxy() {
    // HAProxy zeroes each CRC field in place once checked: the first CRC covers the second
    // as sent, the second covers the first as zero.
    let mut input = v2(
        0x21,
        0x11,
        &[&TCP4_BLOCK[..], &[3, 0, 4, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0]].concat(),
    );
    let second = crc32c(&input);
    input[38..42].copy_from_slice(&second.to_be_bytes());
    let first = crc32c(&input);
    input[31..35].copy_from_slice(&first.to_be_bytes());
    let (header, _) = complete(&input);
    let crcs: Vec<Tlv> = header.tlvs;
    assert_eq!(crcs, vec![Tlv::Crc32c(first), Tlv::Crc32c(second)]);
}

#[test]
fn v2_partial_and_max_length() {
    check_splits(&v2(0x20, 0x00, &[]), &DecodeOptions::HAPROXY);
    check_splits(&v2(0x21, 0x11, &TCP4_BLOCK), &DecodeOptions::HAPROXY);
    let mut body = TCP4_BLOCK.to_vec();
    body.extend_from_slice(&[0x04, 0xFF, 0xF0]);
    body.resize(65535, 0);
    let input = v2(0x21, 0x11, &body);
    assert_eq!(decode(&input[..input.len() - 1]), Ok(Decoded::Partial));
    assert_eq!(complete(&input).1, 65551);
}

#[test]
fn error_texts_are_haproxys() {
    assert_eq!(
        Error::NotHeader.message(),
        "Received something which does not look like a PROXY protocol header"
    );
    assert_eq!(
        Error::Invalid(Invalid::Crc32cMismatch).message(),
        "Received an invalid PROXY protocol header"
    );
    assert_eq!(
        Error::UnknownProtocol.message(),
        "Received an unhandled protocol in the PROXY protocol header"
    );
    assert_eq!(
        Error::LineTooLong.message(),
        "Truncated PROXY protocol header received"
    );
    assert_eq!(
        ErrCode::Empty.message(),
        "Connection closed while waiting for PROXY protocol header"
    );
    assert_eq!(
        ErrCode::Abort.message(),
        "Connection error while waiting for PROXY protocol header"
    );
    assert_eq!(
        ErrCode::Timeout.message(),
        "Timeout while waiting for PROXY protocol header"
    );
    assert_eq!(
        Error::Invalid(Invalid::TlvOverflow).to_string(),
        "Received an invalid PROXY protocol header (v2 TLV longer than the header)"
    );
}

#[test]
fn v1_encoding() {
    let enc = |src: Option<&str>, dst: Option<&str>| {
        let mut out = Vec::new();
        let n = encode_v1(src.map(sa), dst.map(sa), &mut out);
        assert_eq!(n, out.len());
        String::from_utf8(out).unwrap()
    };
    assert_eq!(enc(None, Some("1.2.3.4:5")), "PROXY UNKNOWN\r\n");
    assert_eq!(enc(Some("1.2.3.4:5"), None), "PROXY UNKNOWN\r\n");
    assert_eq!(
        enc(Some("192.168.0.1:56324"), Some("192.168.0.11:443")),
        "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
    );
    assert_eq!(
        enc(Some("[::1.2.3.4]:0"), Some("[fe80::1%2]:65535")),
        "PROXY TCP6 ::1.2.3.4 fe80::1 0 65535\r\n"
    );
    for (src, dst) in [
        ("1.2.3.4:5", "6.7.8.9:10"),
        ("[::]:1", "[::ffff:1.2.3.4]:2"),
        ("0.0.0.0:0", "[2001:db8:0:1:1:1:1:1]:65535"),
    ] {
        let line = enc(Some(src), Some(dst));
        assert!(line.len() <= V1_MAX_LEN);
        let (s, d) = inet(line.as_bytes());
        assert_eq!(s.port(), sa(src).port());
        assert_eq!(d.port(), sa(dst).port());
    }
}

#[test]
fn v2_encoding_edges() {
    // LOCAL when asked, or when an end is missing; TLVs are still appended.
    let mut out = Vec::new();
    let p = V2Params {
        src: Some(sa("1.2.3.4:5")),
        unique_id: Some(b""),
        ..V2Params::default()
    };
    encode_v2(&p, &mut out).unwrap();
    assert_eq!(out, v2(0x20, 0x00, &[0x05, 0, 0]));
    // Too long: refused, nothing appended.
    let big = vec![0u8; 65535];
    let p = V2Params {
        alpn: Some(&big),
        ..V2Params::default()
    };
    let mut out = b"keep".to_vec();
    assert!(encode_v2(&p, &mut out).is_err());
    assert_eq!(out, b"keep");
    let p = V2Params {
        alpn: Some(&big[..65532]),
        ..V2Params::default()
    };
    assert_eq!(encode_v2(&p, &mut out), Ok(65551));
}
