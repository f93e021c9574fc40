//! TLS hello decoders, over client hellos captured from curl and `openssl s_client`
//! and over built ones for the corner cases.

use super::*;
use crate::fetch::tls_hello::{alpn, ec_ext, hello_type, sni, ssl_version, st_ext, Miss};

const CURL: &[u8] = include_bytes!("../../../tests/data/client_hello_curl.bin");
const OPENSSL: &[u8] = include_bytes!("../../../tests/data/client_hello_openssl.bin");

/// A TLS 1.2 client hello record with these extensions.
fn hello(exts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut ext = Vec::new();
    for (ty, data) in exts {
        ext.extend_from_slice(&ty.to_be_bytes());
        ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
        ext.extend_from_slice(data);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

fn sni_ext(names: &[(u8, &str)]) -> Vec<u8> {
    let mut list = Vec::new();
    for (ty, n) in names {
        list.push(*ty);
        list.extend_from_slice(&(n.len() as u16).to_be_bytes());
        list.extend_from_slice(n.as_bytes());
    }
    let mut v = (list.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(&list);
    v
}

#[test]
fn captured_client_hellos() {
    let t = TestEnv::default();
    for (data, name, protos, ec, st) in [
        (CURL, "www.example.com", &["http/1.1"][..], "true", "0"),
        (
            OPENSSL,
            "sni.example.org",
            &["h2", "http/1.1"][..],
            "true",
            "1",
        ),
    ] {
        let mut s = Stream::new(&t);
        s.req_data = data;
        check_all(
            &s,
            &[
                ("req.ssl_sni", Some(name)),
                ("req_ssl_sni", Some(name)),
                ("req.ssl_alpn", Some(protos[0])),
                ("req.ssl_hello_type", Some("1")),
                ("req_ssl_hello_type", Some("1")),
                ("req.ssl_ver", Some("196611")),
                ("req_ssl_ver", Some("196611")),
                ("req.ssl_ec_ext", Some(ec)),
                ("req.ssl_st_ext", Some(st)),
            ],
        );
        let all: Vec<String> = every("req.ssl_alpn", &s).iter().map(show).collect();
        assert_eq!(all, protos, "{name}");
        // Cut anywhere before its last four bytes, the hello is incomplete.
        for cut in [0, 1, 4, 5, 8, 9, 40, data.len() - 5] {
            let mut s = Stream::new(&t);
            s.req_data = &data[..cut];
            check_all(
                &s,
                &[
                    ("req.ssl_sni", None),
                    ("req.ssl_hello_type", None),
                    ("req.ssl_st_ext", None),
                ],
            );
        }
        // Plain text is not a hello.
        let mut s = Stream::new(&t);
        s.req_data = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        check_all(&s, &[("req.ssl_sni", None), ("req.ssl_ver", None)]);
    }
}

#[test]
fn built_client_hellos() {
    let h = hello(&[
        (23, b""),
        (0, &sni_ext(&[(1, "other"), (0, "a.example")])),
        (35, b"ticket"),
        (16, b"\x00\x06\x02h2\x02h3"),
    ]);
    assert_eq!(sni(&h), Err(Miss::Not), "only the first name entry is read");
    assert_eq!(st_ext(&h), Ok(2));
    assert_eq!(ec_ext(&h), Err(Miss::Not));
    assert_eq!(alpn(&h, 0), Ok((&b"h2"[..], Some(9))));
    assert_eq!(alpn(&h, 9), Ok((&b"h3"[..], None)));
    let h = hello(&[(0, &sni_ext(&[(0, "a.example")]))]);
    assert_eq!(sni(&h), Ok(&b"a.example"[..]));
    assert_eq!(sni(&h[..h.len() - 6]), Err(Miss::Short));
    assert_eq!(st_ext(&h), Ok(0));
    assert_eq!(alpn(&h, 0), Err(Miss::Not));
    // A name list shorter than one entry, a too long extension, a too long ALPN name.
    assert_eq!(sni(&hello(&[(0, b"\x00\x02\x00\x00")])), Err(Miss::Not));
    let mut bad = hello(&[(0, &sni_ext(&[(0, "a.example")]))]);
    let n = bad.len();
    bad[n - 15] = 0x40; // extension length
    assert_eq!(sni(&bad), Err(Miss::Not));
    assert_eq!(alpn(&hello(&[(16, b"\x00\x03\x05h2")]), 0), Err(Miss::Not));
    // The record must be a handshake of TLS 1.0 at least.
    let mut old = hello(&[(0, &sni_ext(&[(0, "a")]))]);
    old[9] = 2;
    assert_eq!(sni(&old), Err(Miss::Not));
}

#[test]
fn hello_types_and_versions() {
    // A ServerHello record: type 2.
    let server = [0x16, 3, 3, 0, 8, 2, 0, 0, 4, 3, 3, 0, 0];
    assert_eq!(hello_type(&server), Ok(2));
    assert_eq!(hello_type(&server[..12]), Err(Miss::Short));
    assert_eq!(
        hello_type(&[0x16, 2, 0, 0, 8, 2, 0, 0, 0]),
        Err(Miss::Not),
        "SSLv2 record"
    );
    assert_eq!(hello_type(b"GET / HTTP/1.1"), Err(Miss::Not));
    assert_eq!(ssl_version(CURL, 15360), Ok(0x30003));
    assert_eq!(ssl_version(&CURL[..100], 15360), Err(Miss::Short));
    // The limit caps what is waited for.
    assert_eq!(ssl_version(&CURL[..100], 90), Ok(0x30003));
    // SSLv2-format client hello: 2-byte header, type 1, version 3.1, 3 bytes of cipher,
    // no session id, a 16-byte challenge.
    let mut v2 = vec![0x80, 9 + 3 + 16, 1, 3, 1, 0, 3, 0, 0, 0, 16];
    v2.extend_from_slice(&[0; 3 + 16]);
    assert_eq!(ssl_version(&v2, 15360), Ok(0x30001));
    assert_eq!(ssl_version(&v2[..v2.len() - 1], 15360), Err(Miss::Short));
    let t = TestEnv::default();
    let mut s = Stream::new(&t);
    s.res_data = &server;
    s.dir = Dir::Res;
    check_all(
        &s,
        &[
            ("res.ssl_hello_type", Some("2")),
            ("rep_ssl_hello_type", Some("2")),
        ],
    );
}
