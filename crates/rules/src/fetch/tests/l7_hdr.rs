//! Header fetches of both directions.

use super::*;
use crate::fetch::l7_hdr::{header_ip, strl2ic, strl2irc, url2ipv4, varint};
use crate::stream::NoEnv;

#[test]
fn request_headers() {
    let h = req(concat!(
        "GET / HTTP/1.1\r\nHost: h\r\nX-F: 1.2.3.4, \"a,b\" ,5.6.7.8:80\r\n",
        "x-f: ::1\r\nX-N: 42abc\r\nX-N: -7\r\nEmpty:\r\n\r\n"
    ));
    let t = TestEnv {
        http: true,
        ..TestEnv::default()
    };
    let mut s = Stream::new(&t);
    s.req = Some(&h);
    check_all(
        &s,
        &[
            ("req.hdr(x-f)", Some("::1")),
            ("req.hdr(X-F,1)", Some("1.2.3.4")),
            ("req.hdr(x-f,2)", Some("\"a,b\"")),
            ("req.hdr(x-f,-2)", Some("5.6.7.8:80")),
            ("req.hdr(x-f,5)", None),
            ("req.hdr(x-f,-5)", None),
            // The occurrence is a 32-bit integer: 2^32 + 1 is 1.
            ("req.hdr(x-f,4294967297)", Some("1.2.3.4")),
            ("req.hdr", None),
            ("req.hdr()", Some("")),
            ("req.hdr(empty)", Some("")),
            ("hdr(host)", Some("h")),
            ("req.fhdr(x-f,1)", Some("1.2.3.4, \"a,b\" ,5.6.7.8:80")),
            ("req.fhdr(x-f)", Some("::1")),
            ("req.hdr_cnt(x-f)", Some("4")),
            ("req.fhdr_cnt(x-f)", Some("2")),
            ("hdr_cnt", Some("8")),
            ("req.hdr_cnt(nope)", Some("0")),
            ("req.hdr_ip(x-f)", Some("::1")),
            ("req.hdr_ip(x-f,1)", Some("1.2.3.4")),
            ("req.hdr_ip(x-f,2)", None),
            ("hdr_ip(x-f,3)", Some("5.6.7.8")),
            ("req.hdr_val(x-n)", Some("-7")),
            ("req.hdr_val(x-n,1)", Some("42")),
            ("hdr_val(host)", Some("0")),
            ("req.hdr_names", Some("host,x-f,x-f,x-n,x-n,empty")),
            ("req.hdr_names(;)", Some("host;x-f;x-f;x-n;x-n;empty")),
            ("res.hdr(host)", None),
        ],
    );
    // Iterating: every element, and only the addresses for hdr_ip.
    let all: Vec<String> = every("req.hdr(x-f)", &s).iter().map(show).collect();
    assert_eq!(all, ["1.2.3.4", "\"a,b\"", "5.6.7.8:80", "::1"]);
    let ips: Vec<String> = every("req.hdr_ip(x-f)", &s).iter().map(show).collect();
    assert_eq!(ips, ["1.2.3.4", "5.6.7.8", "::1"]);
    assert_eq!(
        compile_err("req.hdr(x,-11)"),
        "header occurrence must be >= -10"
    );
    assert_eq!(
        show(&one("req.hdrs", &s).unwrap()),
        "host: h\r\nx-f: 1.2.3.4, \"a,b\" ,5.6.7.8:80\r\nx-f: ::1\r\nx-n: 42abc\r\nx-n: -7\r\nempty: \r\n\r\n"
    );
    let bin = show(&one("req.hdrs_bin", &s).unwrap());
    assert!(bin.starts_with("04686f73740168"), "{bin}");
    assert!(bin.ends_with("0000"), "{bin}");
}

#[test]
fn a_request_read_in_tcp_mode_has_pseudo_headers() {
    let h = req("POST /p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    let mut s = Stream::new(&NoEnv);
    s.req = Some(&h);
    check_all(
        &s,
        &[
            ("req.hdr_names", Some(":method,:path,host,content-length")),
            ("req.hdr(:path)", Some("/p?q")),
            ("hdr(:method)", Some("POST")),
            ("req.hdr_cnt", Some("4")),
            ("req.fhdr(,1)", Some("POST")),
            (
                "req.hdrs",
                Some(":method: POST\r\n:path: /p?q\r\nhost: h\r\ncontent-length: 0\r\n\r\n"),
            ),
        ],
    );
}

#[test]
fn response_headers_follow_the_direction() {
    let h = req("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    let r = res("HTTP/1.1 200 OK\r\nServer: s\r\nX-Ip: 10.0.0.1:99999\r\nX-V: 12\r\n\r\n");
    let mut s = Stream::new(&NoEnv);
    s.req = Some(&h);
    s.res = Some(&r);
    // On the request side, response fetches see nothing.
    check_all(&s, &[("res.hdr(server)", None), ("hdr(server)", None)]);
    s.dir = Dir::Res;
    check_all(
        &s,
        &[
            ("res.hdr(server)", Some("s")),
            ("shdr(server)", Some("s")),
            ("hdr(server)", Some("s")),
            ("hdr(host)", None),
            ("req.hdr(host)", None),
            ("res.hdr_cnt", Some("3")),
            ("shdr_cnt(x-v)", Some("1")),
            ("res.fhdr_cnt(x-v)", Some("1")),
            // A port above 65535 makes it no address.
            ("res.hdr_ip(x-ip)", None),
            ("shdr_val(x-v)", Some("12")),
            ("res.hdr_val(x-v)", Some("12")),
            ("res.hdr_names", Some("server,x-ip,x-v")),
            (
                "res.hdrs",
                Some("server: s\r\nx-ip: 10.0.0.1:99999\r\nx-v: 12\r\n\r\n"),
            ),
        ],
    );
}

#[test]
fn number_and_address_readers() {
    for (text, want) in [
        ("12", 12),
        ("-12", -12),
        ("12abc", 12),
        ("", 0),
        ("-", 0),
        ("1 2", -58),
        ("2147483648", i32::MIN),
        // '+' is below '0': it subtracts 5 instead of stopping the number.
        ("+5", -45),
    ] {
        assert_eq!(strl2ic(text.as_bytes()), want, "{text}");
    }
    assert_eq!(strl2irc(b""), None);
    assert_eq!(strl2irc(b"-"), Some(0));
    assert_eq!(strl2irc(b"65535"), Some(65535));
    assert_eq!(strl2irc(b"1a"), None);
    assert_eq!(strl2irc(b"2147483648"), None);
    assert_eq!(strl2irc(b"-2147483648"), Some(i32::MIN));
    assert_eq!(url2ipv4(b"1.2.3.4:80").map(|(_, n)| n), Some(7));
    assert_eq!(url2ipv4(b"1.2.3"), None);
    assert_eq!(url2ipv4(b"1.2.3.4.5"), None);
    assert_eq!(url2ipv4(b".1.2.3.4"), None);
    assert_eq!(url2ipv4(b"01.2.3.256"), None);
    let ip = |s: &str| header_ip(s.as_bytes()).map(|v| show(&v));
    assert_eq!(ip("1.2.3.4").as_deref(), Some("1.2.3.4"));
    assert_eq!(ip("1.2.3.4:0").as_deref(), Some("1.2.3.4"));
    assert_eq!(ip("1.2.3.4:-0").as_deref(), Some("1.2.3.4"));
    assert_eq!(ip("1.2.3.4:").as_deref(), None);
    assert_eq!(ip("1.2.3.4x").as_deref(), None);
    assert_eq!(ip("::ffff:1.2.3.4").as_deref(), Some("::ffff:1.2.3.4"));
    assert_eq!(ip("[::1]").as_deref(), None);
    let enc = |i: u64| {
        let mut v = Vec::new();
        varint(i, &mut v);
        v
    };
    assert_eq!(enc(239), [239]);
    assert_eq!(enc(240), [240, 0]);
    assert_eq!(enc(2287), [255, 127]);
    assert_eq!(enc(2288), [240, 128, 0]);
}
