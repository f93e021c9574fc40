//! Layer 6 payload fetches over raw buffered bytes.

use super::*;

fn tcp<'a>(t: &'a TestEnv, data: &'a [u8]) -> Stream<'a> {
    let mut s = Stream::new(t);
    s.req_data = data;
    s
}

#[test]
fn lengths_and_slices() {
    let t = TestEnv::default();
    let data = b"\x00\x03abcdefgh";
    let s = tcp(&t, data);
    check_all(
        &s,
        &[
            ("req.len", Some("10")),
            ("req_len", Some("10")),
            ("req.payload(0,2)", Some("0003")),
            ("req.payload(2,3)", Some("616263")),
            ("payload(8,2)", Some("6768")),
            // Length 0: everything from the offset; past the data: not yet.
            ("req.payload(7,0)", Some("666768")),
            ("req.payload(10,0)", Some("")),
            ("req.payload(11,0)", None),
            ("req.payload(9,2)", None),
            // A window beyond tune.bufsize never matches.
            ("req.payload(0,16385)", None),
            // Big-endian length at offset 0 (2 bytes), block right after it.
            ("req.payload_lv(0,2)", Some("616263")),
            ("payload_lv(1,1)", Some("616263")),
            ("req.payload_lv(0,2,+1)", Some("626364")),
            ("req.payload_lv(0,2,-1)", Some("036162")),
            // An absolute offset is read halved, as HAProxy stores it unshifted.
            ("req.payload_lv(0,2,6)", Some("626364")),
            ("req.payload_lv(0,2,7)", Some("646566")),
            ("req.payload_lv(8,2)", None),
            ("req.payload_lv(2,1)", None),
        ],
    );
    assert_eq!(
        compile_err("req.payload_lv(-1,2)"),
        "payload offset1 must be positive"
    );
    assert_eq!(
        compile_err("req.payload_lv(0,0)"),
        "payload length must be > 0"
    );
    assert_eq!(
        compile_err("req.payload_lv(0,1,x)"),
        "payload offset2 is not a number"
    );
    assert_eq!(
        compile_err("req.payload_lv(0,1,-2)"),
        "payload offset2 too negative"
    );
    // The response side reads the response buffer.
    let mut s = Stream::new(&t);
    s.res_data = b"xyz";
    s.dir = Dir::Res;
    check_all(
        &s,
        &[("res.len", Some("3")), ("res.payload(1,1)", Some("79"))],
    );
}

#[test]
fn http_mode_has_no_raw_payload() {
    let t = TestEnv {
        http: true,
        ..TestEnv::default()
    };
    let head = req("POST /ab HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
    let mut s = tcp(&t, b"xyz");
    s.req = Some(&head);
    check_all(
        &s,
        &[
            ("req.payload(0,1)", None),
            ("req.payload_lv(0,1)", None),
            ("rdp_cookie", None),
            ("rdp_cookie_cnt", Some("0")),
            ("req.ssl_hello_type", None),
            // HTX size: 20 + "POST" "/ab" "HTTP/1.1" + "host" "h" + "content-length" "3"
            // + 1 + 3 body bytes.
            ("req.len", Some("59")),
        ],
    );
}

#[test]
fn rdp_cookies() {
    let t = TestEnv::default();
    let pdu = b"\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00Cookie: mstshash=Admin\r\n\x01\x00";
    let s = tcp(&t, pdu);
    check_all(
        &s,
        &[
            ("rdp_cookie", Some("Admin")),
            ("req.rdp_cookie(mstshash)", Some("Admin")),
            ("req.rdp_cookie(MSTSHASH)", Some("Admin")),
            ("req.rdp_cookie(other)", None),
            ("rdp_cookie_cnt", Some("1")),
            ("req.rdp_cookie_cnt(other)", Some("0")),
        ],
    );
    // Incomplete: no sample, even for the count.
    let s = tcp(&t, &pdu[..20]);
    check_all(&s, &[("rdp_cookie", None), ("rdp_cookie_cnt", None)]);
    let s = tcp(&t, &pdu[..30]);
    check_all(&s, &[("rdp_cookie_cnt", None)]);
    let s = tcp(
        &t,
        b"\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00Cookie: nameonly\r\n",
    );
    check_all(&s, &[("rdp_cookie", None), ("rdp_cookie_cnt", Some("0"))]);
    let s = tcp(&t, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    check_all(&s, &[("rdp_cookie_cnt", Some("0"))]);
}

#[test]
fn distcc_tokens() {
    let t = TestEnv::default();
    let data = b"DIST00000001ARGC00000002ARGV00000003-c\0ARGV00000002x\0DOTI00000004body";
    let s = tcp(&t, data);
    check_all(
        &s,
        &[
            ("distcc_param(DIST)", Some("1")),
            ("distcc_param(ARGC)", Some("2")),
            ("distcc_param(ARGV)", Some("3")),
            ("distcc_param(ARGV,2)", Some("2")),
            ("distcc_param(ARGV,3)", None),
            ("distcc_body(ARGV)", Some("2d6300")),
            ("distcc_body(ARGV,2)", Some("7800")),
            ("distcc_body(DOTI)", Some("626f6479")),
            ("distcc_param(NFIL)", None),
        ],
    );
    // A truncated body gives what is there.
    let s = tcp(&t, &data[..data.len() - 2]);
    check_all(&s, &[("distcc_body(DOTI)", Some("626f"))]);
    // Not hexadecimal: no match.
    let s = tcp(&t, b"DIST0000000xARGC00000002");
    check_all(&s, &[("distcc_param(ARGC)", None)]);
    assert_eq!(
        compile_err("distcc_param(ARG)"),
        "token name must be exactly 4 characters"
    );
}

/// No fetch panics on arbitrary buffered bytes, whatever its (well-typed) arguments.
#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let hello = include_bytes!("../../../tests/data/client_hello_openssl.bin");
    let t = TestEnv::default();
    for round in 0..400 {
        let len = (next() % 300) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 {
            // A real hello with a few bytes changed or cut.
            data = hello.to_vec();
            for _ in 0..3 {
                let i = (next() as usize) % data.len();
                data[i] = next() as u8;
            }
            data.truncate((next() as usize) % (hello.len() + 1));
        }
        for d in all() {
            let args: Vec<Arg> = d
                .args
                .types
                .iter()
                .enumerate()
                .map(|(i, ty)| match ty {
                    ArgType::Sint => Arg::Sint((next() % 40) as i64 - 4 + i as i64),
                    ArgType::Str if d.name.starts_with("distcc") => {
                        Arg::Sint(i64::from(u32::from_be_bytes(*b"ARGV")))
                    }
                    _ => Arg::Str("a".into()),
                })
                .collect();
            for dir in [Dir::Req, Dir::Res] {
                let mut s = Stream::new(&t);
                s.req_data = &data;
                s.res_data = &data;
                s.dir = dir;
                let mut it = Iter::all();
                for _ in 0..5 {
                    if (d.f)(&s, &args, &mut it).is_none() || !it.more {
                        break;
                    }
                }
            }
        }
    }
}
