//! Headers captured from the Debian `haproxy` 2.6.12 binary (`send-proxy`,
//! `send-proxy-v2 proxy-v2-options crc32c,unique-id,authority`, `send-proxy-v2-ssl-cn` with
//! `ssl-cipher,cert-sig,cert-key`, and health checks), each followed by the HTTP request
//! HAProxy forwarded. The decoder must read them, and the encoder must reproduce them byte
//! for byte from the same inputs.

// Helpers outside #[test] functions may unwrap too: a panic is a test failure.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use rampart_proxy_protocol::{
    decode, encode_v1, encode_v2, Addrs, Command, Decoded, Header, SslInfo, Transport, V2Params,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Decodes a capture; checks the header is followed by the forwarded request.
fn split(capture: &str) -> (Header, Vec<u8>) {
    let bytes = hex(capture);
    let Decoded::Complete { header, consumed } = decode(&bytes).unwrap() else {
        panic!("partial");
    };
    assert!(
        bytes[consumed..].starts_with(b"GET / HTTP/1.1\r\n") || consumed == bytes.len(),
        "payload after the header"
    );
    (header, bytes[..consumed].to_vec())
}

fn v1(src: &str, dst: &str) -> Vec<u8> {
    let mut out = Vec::new();
    encode_v1(Some(sa(src)), Some(sa(dst)), &mut out);
    out
}

fn v2(p: &V2Params<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_v2(p, &mut out).unwrap();
    out
}

const V1_TCP4: &str = "50524f58592054435034203132372e302e302e31203132372e302e302e312034303030312032373335300d0a474554202f20485454502f312e310d0a686f73743a203132372e302e302e313a32373335300d0a757365722d6167656e743a206375726c2f372e38382e310d0a6163636570743a202a2f2a0d0a782d62653a2076310d0a0d0a";
const V1_TCP6: &str = "50524f58592054435036203a3a31203a3a312034303030322032373335300d0a474554202f20485454502f312e310d0a686f73743a205b3a3a315d3a32373335300d0a757365722d6167656e743a206375726c2f372e38382e310d0a6163636570743a202a2f2a0d0a782d62653a2076310d0a0d0a";
/// Source set to 2001:db8::7 by `http-request set-src`, destination 127.0.0.1.
const V1_MIXED: &str = "50524f5859205443503620323030313a6462383a3a37203a3a666666663a3132372e302e302e312034303030332032373335300d0a474554202f20485454502f312e310d0a";
/// A `send-proxy` health check: the check connection's own addresses.
const V1_CHECK: &str =
    "50524f58592054435034203132372e302e302e31203132372e302e302e312034343135302032373336320d0a";
const V2_TCP4: &str = "0d0a0d0a000d0a515549540a2111001f7f0000017f0000019c446ad6030004a07973ae0500097569642d3430303034474554202f20485454502f312e310d0a";
const V2_TCP6: &str = "0d0a0d0a000d0a515549540a2121003700000000000000000000000000000001000000000000000000000000000000019c456ad6030004633c8be60500097569642d3430303035474554202f20485454502f312e310d0a";
const V2_MIXED: &str = "0d0a0d0a000d0a515549540a2121003720010db800000000000000000000000700000000000000000000ffff7f0000019c466ad6030004651b149d0500097569642d3430303036474554202f20485454502f312e310d0a";
const V2_PLAIN: &str =
    "0d0a0d0a000d0a515549540a2111000c7f0000017f0000019c476ad6474554202f20485454502f312e310d0a";
/// TLS frontend: ALPN h2 and SNI server.test as AUTHORITY.
const V2_TLS: &str = "0d0a0d0a000d0a515549540a211100327f0000017f0000019c486ad703000498d9545a010002683202000b7365727665722e746573740500097569642d3430303038474554202f20485454502f312e310d0a";
/// `send-proxy-v2-ssl-cn` with a client certificate.
const V2_SSL: &str = "0d0a0d0a000d0a515549540a211100857f0000017f0000019c496ad7030004402263b5010002683202000b7365727665722e746573740500097569642d34303030392000500700000000210007544c5376312e3322000e636c69656e742e6578616d706c652500075253413230343824000a5253412d534841323536230016544c535f4145535f3235365f47434d5f534841333834474554202f20485454502f312e310d0a";
/// The same without a client certificate, HTTP/1.1 ALPN.
const V2_SSL_NOCERT: &str = "0d0a0d0a000d0a515549540a2111007a7f0000017f0000019c4a6ad7030004a49a02c2010008687474702f312e3102000b7365727665722e746573740500097569642d343030313020003f0100000000210007544c5376312e332500075253413230343824000a5253412d534841323536230016544c535f4145535f3235365f47434d5f534841333834474554202f20485454502f312e310d0a";
/// A `send-proxy-v2` health check with crc32c: LOCAL, UNSPEC, CRC32C TLV only.
const V2_CHECK: &str = "0d0a0d0a000d0a515549540a20000007030004a9b87e8f";

#[test]
fn v1_captures() {
    for (capture, src, dst) in [
        (V1_TCP4, "127.0.0.1:40001", "127.0.0.1:27350"),
        (V1_TCP6, "[::1]:40002", "[::1]:27350"),
        (V1_CHECK, "127.0.0.1:44150", "127.0.0.1:27362"),
    ] {
        let (header, bytes) = split(capture);
        assert_eq!(header.version, 1);
        assert_eq!(header.command, Command::Proxy);
        assert_eq!(header.transport, Transport::Stream);
        assert_eq!(header.inet(), Some((sa(src), sa(dst))));
        assert_eq!(v1(src, dst), bytes);
    }
    // HAProxy converts the IPv4 end to ::ffff:a.b.c.d when the families differ.
    let (header, bytes) = split(V1_MIXED);
    assert_eq!(
        header.inet(),
        Some((sa("[2001:db8::7]:40003"), sa("[::ffff:127.0.0.1]:27350")))
    );
    assert_eq!(v1("[2001:db8::7]:40003", "127.0.0.1:27350"), bytes);
}

#[test]
fn v2_captures_without_tls() {
    for (capture, src, dst, uid) in [
        (V2_TCP4, "127.0.0.1:40004", "127.0.0.1:27350", "uid-40004"),
        (V2_TCP6, "[::1]:40005", "[::1]:27350", "uid-40005"),
    ] {
        let (header, bytes) = split(capture);
        assert_eq!(header.version, 2);
        assert_eq!(header.command, Command::Proxy);
        assert_eq!(header.inet(), Some((sa(src), sa(dst))));
        assert_eq!(header.unique_id(), Some(uid.as_bytes()));
        assert!(header.crc32c().is_some());
        assert_eq!(header.authority(), None);
        let p = V2Params {
            src: Some(sa(src)),
            dst: Some(sa(dst)),
            crc32c: true,
            unique_id: Some(uid.as_bytes()),
            ..V2Params::default()
        };
        assert_eq!(v2(&p), bytes);
    }

    let (header, bytes) = split(V2_MIXED);
    assert_eq!(
        header.inet(),
        Some((sa("[2001:db8::7]:40006"), sa("[::ffff:127.0.0.1]:27350")))
    );
    let p = V2Params {
        src: Some(sa("[2001:db8::7]:40006")),
        dst: Some(sa("127.0.0.1:27350")),
        crc32c: true,
        unique_id: Some(b"uid-40006"),
        ..V2Params::default()
    };
    assert_eq!(v2(&p), bytes);

    let (header, bytes) = split(V2_PLAIN);
    assert!(header.tlvs.is_empty());
    let p = V2Params {
        src: Some(sa("127.0.0.1:40007")),
        dst: Some(sa("127.0.0.1:27350")),
        ..V2Params::default()
    };
    assert_eq!(v2(&p), bytes);
}

#[test]
fn v2_captures_with_tls() {
    let (header, bytes) = split(V2_TLS);
    assert_eq!(header.alpn(), Some(&b"h2"[..]));
    assert_eq!(header.authority(), Some(&b"server.test"[..]));
    assert_eq!(header.ssl(), None);
    let p = V2Params {
        src: Some(sa("127.0.0.1:40008")),
        dst: Some(sa("127.0.0.1:27351")),
        crc32c: true,
        alpn: Some(b"h2"),
        authority: Some(b"server.test"),
        unique_id: Some(b"uid-40008"),
        ..V2Params::default()
    };
    assert_eq!(v2(&p), bytes);

    for (capture, port, alpn, client, cn) in [
        (
            V2_SSL,
            40009,
            &b"h2"[..],
            0x07,
            Some(&b"client.example"[..]),
        ),
        (V2_SSL_NOCERT, 40010, &b"http/1.1"[..], 0x01, None),
    ] {
        let (header, bytes) = split(capture);
        let ssl = header.ssl().unwrap();
        let info = SslInfo {
            client,
            verify: 0,
            version: Some(b"TLSv1.3"),
            cn,
            cipher: Some(b"TLS_AES_256_GCM_SHA384"),
            sig_alg: Some(b"RSA-SHA256"),
            key_alg: Some(b"RSA2048"),
        };
        assert_eq!(ssl.as_info(), info);
        let uid = format!("uid-{port}");
        let p = V2Params {
            src: Some(sa(&format!("127.0.0.1:{port}"))),
            dst: Some(sa("127.0.0.1:27351")),
            crc32c: true,
            alpn: Some(alpn),
            authority: Some(b"server.test"),
            unique_id: Some(uid.as_bytes()),
            ssl: Some(info),
            ..V2Params::default()
        };
        assert_eq!(v2(&p), bytes);
    }
}

#[test]
fn v2_health_check_capture() {
    let (header, bytes) = split(V2_CHECK);
    assert_eq!(header.command, Command::Local);
    assert_eq!(header.addrs, Addrs::None);
    assert_eq!(header.crc32c(), Some(0xa9b8_7e8f));
    let p = V2Params {
        local: true,
        crc32c: true,
        ..V2Params::default()
    };
    assert_eq!(v2(&p), bytes);
}
