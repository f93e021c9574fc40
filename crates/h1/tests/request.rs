//! Request head parsing and validation: one test per rule, accepted and refused.

use rampart_h1::{
    parse_request, write_request, BodyKind, ErrorKind, Method, ParseOpts, Parsed, RequestHead,
    UriForm, Version,
};

fn opts() -> ParseOpts {
    ParseOpts::default()
}

fn parse_with(input: &[u8], o: &ParseOpts) -> Result<(RequestHead, usize), rampart_h1::ParseError> {
    let mut h = RequestHead::new();
    match parse_request(input, o, &mut h)? {
        Parsed::Complete(n) => Ok((h, n)),
        Parsed::Partial => panic!("partial: {:?}", String::from_utf8_lossy(input)),
    }
}

fn ok(input: &[u8]) -> RequestHead {
    match parse_with(input, &opts()) {
        Ok((h, n)) => {
            assert_eq!(n, input.len());
            h
        }
        Err(e) => panic!("{e} for {:?}", String::from_utf8_lossy(input)),
    }
}

fn err(input: &[u8]) -> ErrorKind {
    match parse_with(input, &opts()) {
        Ok(_) => panic!("accepted {:?}", String::from_utf8_lossy(input)),
        Err(e) => e.kind,
    }
}

fn lax(input: &[u8]) -> Result<(RequestHead, usize), rampart_h1::ParseError> {
    parse_with(
        input,
        &ParseOpts {
            accept_invalid: true,
            ..opts()
        },
    )
}

#[test]
fn simple_get() {
    let h = ok(b"GET /a?b HTTP/1.1\r\nHost: Example.com\r\nX-Foo:  bar baz \t\r\n\r\n");
    assert_eq!(h.method(), Method::Get);
    assert_eq!(h.uri(), b"/a?b");
    assert_eq!(h.version(), Version::Http11);
    assert_eq!(h.host(), Some(&b"Example.com"[..]));
    assert_eq!(h.headers().get(b"x-foo"), Some(&b"bar baz"[..]));
    let names: Vec<&[u8]> = h.headers().iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec![&b"host"[..], b"x-foo"]);
    assert_eq!(h.body_kind(), BodyKind::None);
    assert!(h.keep_alive());
    assert_eq!(h.uri_form(), UriForm::Origin);
}

#[test]
fn body_offset_and_partial() {
    let input = b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\nabc";
    let (h, n) = parse_with(input, &opts()).unwrap();
    assert_eq!(&input[n..], b"abc");
    assert_eq!(h.body_kind(), BodyKind::Length(3));
    let mut h = RequestHead::new();
    assert_eq!(
        parse_request(b"GET / HTTP/1.1\r\nhost: a\r\n", &opts(), &mut h),
        Ok(Parsed::Partial)
    );
}

#[test]
fn leading_empty_lines_are_skipped() {
    let (h, n) = parse_with(b"\r\n\n\r\nGET / HTTP/1.1\r\nhost: a\r\n\r\n", &opts()).unwrap();
    assert_eq!(n, 32);
    assert_eq!(h.uri(), b"/");
    assert_eq!(
        err(b" GET / HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidStartLine
    );
    assert_eq!(
        err(b"\r\r\nGET / HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::BareCr
    );
}

#[test]
fn bare_lf_line_ends() {
    let h = ok(b"GET / HTTP/1.1\nhost: a\nx: y\n\n");
    assert_eq!(h.headers().get(b"x"), Some(&b"y"[..]));
    ok(b"GET / HTTP/1.1\r\nhost: a\n\r\n");
}

#[test]
fn bare_cr_is_refused() {
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nx: a\rb\r\n\r\n"),
        ErrorKind::BareCr
    );
    assert_eq!(
        err(b"GET /\r HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::BareCr
    );
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\n\r\r\n"),
        ErrorKind::BareCr
    );
}

#[test]
fn method_must_be_token() {
    assert_eq!(
        ok(b"M-SEARCH * HTTP/1.1\r\nhost: a\r\n\r\n").method(),
        Method::Other
    );
    assert_eq!(
        err(b"GE(T / HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidMethod
    );
    assert_eq!(
        ok(b"get / HTTP/1.1\r\nhost: a\r\n\r\n").method(),
        Method::Other
    );
}

#[test]
fn uri_characters() {
    // HAProxy 2.6 lets 33..=126 through (the manual's stricter list is not enforced).
    ok(b"GET /a\"<>\\^`{|} HTTP/1.1\r\nhost: a\r\n\r\n");
    assert_eq!(
        err(b"GET /\x01 HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidUri
    );
    assert_eq!(
        err(b"GET /\x7f HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidUri
    );
    assert_eq!(
        err(b"GET /\xc3\xa9 HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidUri
    );
    assert_eq!(
        lax(b"GET /\xc3\xa9 HTTP/1.1\r\nhost: a\r\n\r\n")
            .unwrap()
            .0
            .uri(),
        b"/\xc3\xa9"
    );
    assert_eq!(
        lax(b"GET /\x01 HTTP/1.1\r\nhost: a\r\n\r\n")
            .unwrap_err()
            .kind,
        ErrorKind::InvalidUri
    );
}

#[test]
fn fragment_in_uri_is_refused() {
    assert_eq!(
        err(b"GET /a#frag HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidUri
    );
    assert_eq!(
        err(b"GET http://a/#x HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidUri
    );
    assert_eq!(
        lax(b"GET /a#frag HTTP/1.1\r\nhost: a\r\n\r\n")
            .unwrap()
            .0
            .uri(),
        b"/a#frag"
    );
}

#[test]
fn invalid_first_byte_refused_before_end_of_line() {
    // A TLS ClientHello on a clear port: no LF will come, refuse at once (HAProxy
    // does, instead of answering 408 at `timeout http-request`).
    let mut h = RequestHead::new();
    let e = parse_request(b"\x16\x03\x01\x00\xa5\x01", &opts(), &mut h).unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::InvalidStartLine, 0));
    let e = parse_request(b"\r\n GE", &opts(), &mut h).unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::InvalidStartLine, 2));
    // Empty lines and a start line in progress wait for more.
    for partial in [&b"\r"[..], b"\r\n\r", b"\n", b"G", b"GET / HTTP/1.1\r\nX"] {
        let mut h = RequestHead::new();
        assert_eq!(parse_request(partial, &opts(), &mut h), Ok(Parsed::Partial));
    }
}

#[test]
fn several_spaces_between_parts() {
    let h = ok(b"GET  \t/x   HTTP/1.0\r\n\r\n");
    assert_eq!(h.uri(), b"/x");
    assert_eq!(h.version(), Version::Http10);
    assert_eq!(
        err(b"GET / HTTP/1.1 \r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
}

#[test]
fn version_format() {
    assert_eq!(
        err(b"GET / HTTP/1.10\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
    assert_eq!(err(b"GET / RTSP/1.0\r\n\r\n"), ErrorKind::InvalidVersion);
    assert_eq!(
        err(b"GET / http/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidVersion
    );
    assert_eq!(
        ok(b"GET / HTTP/2.0\r\nhost: a\r\n\r\n").version(),
        Version::Http11
    );
    assert_eq!(
        lax(b"GET / RTSP/1.0\r\n\r\n").unwrap().0.version_bytes(),
        b"RTSP/1.0"
    );
}

#[test]
fn http09_refused_unless_accept_invalid() {
    assert_eq!(err(b"GET /\r\n"), ErrorKind::InvalidVersion);
    assert_eq!(err(b"GET\r\n"), ErrorKind::InvalidVersion);
    let (h, n) = lax(b"GET /x\r\n").unwrap();
    assert_eq!(n, 8);
    assert!(h.is_http09());
    assert_eq!(h.version(), Version::Http10);
    let mut out = Vec::new();
    write_request(&h, &mut out, None);
    assert_eq!(out, b"GET /x HTTP/1.0\r\n\r\n");
    assert!(lax(b"POST /x\r\n").is_err());
}

#[test]
fn header_name_must_be_token() {
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nx(y: 1\r\n\r\n"),
        ErrorKind::InvalidHeaderName
    );
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\n: 1\r\n\r\n"),
        ErrorKind::InvalidHeaderName
    );
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nx\xff: 1\r\n\r\n"),
        ErrorKind::InvalidHeaderName
    );
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nfoo\r\n\r\n"),
        ErrorKind::MissingColon
    );
    let (h, _) = lax(b"GET / HTTP/1.1\r\nhost: a\r\nx(y: 1\r\n\r\n").unwrap();
    assert_eq!(h.headers().get(b"x(y"), Some(&b"1"[..]));
    assert_eq!(
        lax(b"GET / HTTP/1.1\r\nhost: a\r\nx\0y: 1\r\n\r\n")
            .unwrap_err()
            .kind,
        ErrorKind::InvalidHeaderName
    );
}

#[test]
fn space_before_colon() {
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nx : 1\r\n\r\n"),
        ErrorKind::SpaceBeforeColon
    );
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost\t: a\r\n\r\n"),
        ErrorKind::SpaceBeforeColon
    );
    assert_eq!(
        lax(b"GET / HTTP/1.1\r\nhost: a\r\nx : 1\r\n\r\n")
            .unwrap_err()
            .kind,
        ErrorKind::SpaceBeforeColon
    );
}

#[test]
fn nul_in_value() {
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nx: a\0b\r\n\r\n"),
        ErrorKind::InvalidHeaderValue
    );
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nx: a\r\n \0\r\n\r\n"),
        ErrorKind::InvalidHeaderValue
    );
    // Other control characters are let through, as HAProxy does.
    ok(b"GET / HTTP/1.1\r\nhost: a\r\nx: a\x01b\r\n\r\n");
}

#[test]
fn obs_fold_is_joined() {
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nx: a\r\n  b\r\n\tc\r\ny: z\r\n\r\n");
    assert_eq!(h.headers().get(b"x"), Some(&b"a    b  \tc"[..]));
    let h = ok(b"GET / HTTP/1.1\nhost: a\nx: a\n b\n\n");
    assert_eq!(h.headers().get(b"x"), Some(&b"a  b"[..]));
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nx:\r\n b\r\n\r\n");
    assert_eq!(h.headers().get(b"x"), Some(&b"b"[..]));
    // No header to continue right after the start line.
    assert_eq!(
        err(b"GET / HTTP/1.1\r\n x: a\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidHeaderName
    );
}

#[test]
fn content_length_rules() {
    assert_eq!(
        ok(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5, 5 ,5\r\n\r\n").body_kind(),
        BodyKind::Length(5)
    );
    let h = ok(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5,5\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(
        h.headers().get_all(b"content-length").collect::<Vec<_>>(),
        vec![&b"5"[..]]
    );
    for bad in [
        &b"content-length: 5, 6"[..],
        b"content-length: 5\r\ncontent-length: 6",
        b"content-length: ",
        b"content-length: 5,",
        b"content-length: ,5",
        b"content-length: 5,,5",
        b"content-length: +5",
        b"content-length: -1",
        b"content-length: 0x5",
        b"content-length: 5 5",
        b"content-length: 99999999999999999999999",
    ] {
        let mut req = b"POST / HTTP/1.1\r\nhost: a\r\n".to_vec();
        req.extend_from_slice(bad);
        req.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            err(&req),
            ErrorKind::InvalidContentLength,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(
        ok(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 18446744073709551615\r\n\r\n")
            .content_length(),
        Some(u64::MAX)
    );
}

#[test]
fn transfer_encoding_rules() {
    let h = ok(b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: Chunked\r\n\r\n");
    assert_eq!(h.body_kind(), BodyKind::Chunked);
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked, chunked\r\n\r\n"),
        ErrorKind::InvalidTransferEncoding
    );
    assert_eq!(err(b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n"), ErrorKind::InvalidTransferEncoding);
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked, gzip\r\n\r\n"),
        ErrorKind::InvalidTransferEncoding
    );
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip\r\n\r\n"),
        ErrorKind::InvalidTransferEncoding
    );
    let e = err(b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip, chunked\r\n\r\n");
    assert_eq!(e, ErrorKind::UnknownTransferEncoding);
    assert_eq!(e.status(), 422);
    assert_eq!(
        err(b"POST / HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n"),
        ErrorKind::TransferEncodingHttp10
    );
}

#[test]
fn content_length_with_transfer_encoding() {
    let h = ok(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\ntransfer-encoding: chunked\r\nx: y\r\n\r\n");
    assert_eq!(h.body_kind(), BodyKind::Chunked);
    assert!(h.content_length_dropped() && h.must_close() && !h.keep_alive());
    assert!(h.headers().get(b"content-length").is_none());
    assert_eq!(h.content_length(), None);
    // Still validated before being dropped.
    assert_eq!(
        err(b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: x\r\ntransfer-encoding: chunked\r\n\r\n"),
        ErrorKind::InvalidContentLength
    );
}

#[test]
fn host_rules() {
    assert_eq!(err(b"GET / HTTP/1.1\r\n\r\n"), ErrorKind::MissingHost);
    ok(b"GET / HTTP/1.0\r\n\r\n");
    let relaxed = ParseOpts {
        require_host: false,
        ..opts()
    };
    assert!(parse_with(b"GET / HTTP/1.1\r\n\r\n", &relaxed).is_ok());
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nHost: A\r\n\r\n");
    assert_eq!(h.headers().get_all(b"host").count(), 1);
    assert_eq!(
        err(b"GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n"),
        ErrorKind::DuplicateHost
    );
}

#[test]
fn absolute_uri_against_host() {
    let h = ok(b"GET http://a/x HTTP/1.1\r\nhost: a\r\n\r\n");
    assert_eq!(h.uri_form(), UriForm::Absolute);
    ok(b"GET http://a:80/x HTTP/1.1\r\nhost: A\r\n\r\n");
    ok(b"GET https://a/x HTTP/1.1\r\nhost: a:443\r\n\r\n");
    ok(b"GET http://user@a/x HTTP/1.1\r\nhost: a\r\n\r\n");
    assert_eq!(
        err(b"GET http://b/ HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::HostMismatch
    );
    assert_eq!(
        err(b"GET http://a:8080/ HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::HostMismatch
    );
    assert_eq!(
        err(b"GET https://a:80/ HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::HostMismatch
    );
    assert!(lax(b"GET http://b/ HTTP/1.1\r\nhost: a\r\n\r\n").is_ok());
    assert_eq!(
        ok(b"OPTIONS * HTTP/1.1\r\nhost: a\r\n\r\n").uri_form(),
        UriForm::Asterisk
    );
}

#[test]
fn connect_authority() {
    let h = ok(b"CONNECT a:443 HTTP/1.1\r\nhost: a:443\r\ncontent-length: 5\r\n\r\n");
    assert_eq!(h.uri_form(), UriForm::Authority);
    assert_eq!(h.body_kind(), BodyKind::None);
    ok(b"CONNECT a:443 HTTP/1.1\r\nhost: a\r\n\r\n");
    assert_eq!(
        err(b"CONNECT a HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidConnectAuthority
    );
    assert_eq!(
        err(b"CONNECT /a HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidConnectAuthority
    );
    assert_eq!(
        err(b"CONNECT a:8443 HTTP/1.1\r\nhost: a\r\n\r\n"),
        ErrorKind::InvalidConnectAuthority
    );
    assert_eq!(
        err(b"CONNECT a:443 HTTP/1.1\r\nhost: b:443\r\n\r\n"),
        ErrorKind::InvalidConnectAuthority
    );
}

#[test]
fn connection_tokens_are_cleaned() {
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n");
    assert!(h.conn_close() && !h.keep_alive());
    assert!(h.headers().get(b"connection").is_none());
    let h = ok(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert!(h.conn_keep_alive() && h.keep_alive());
    assert!(!ok(b"GET / HTTP/1.0\r\n\r\n").keep_alive());
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nconnection: keep-alive, Upgrade, foo\r\nupgrade: h2c\r\n\r\n");
    assert_eq!(h.headers().get(b"connection"), Some(&b"Upgrade,foo"[..]));
    assert!(h.conn_upgrade() && h.has_upgrade());
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nconnection: upgrade, close\r\n\r\n");
    assert_eq!(h.headers().get(b"connection"), Some(&b"upgrade"[..]));
    let h = ok(b"GET / HTTP/1.1\r\nhost: a\r\nconnection: a , b\r\n\r\n");
    assert_eq!(h.headers().get(b"connection"), Some(&b"a , b"[..]));
}

#[test]
fn upgrade_dropped_with_payload() {
    let h = ok(b"POST / HTTP/1.1\r\nhost: a\r\nconnection: upgrade\r\nupgrade: h2c\r\ncontent-length: 2\r\n\r\n");
    assert!(!h.conn_upgrade() && h.headers().get(b"upgrade").is_none());
}

#[test]
fn websocket_needs_key() {
    let base = b"GET /ws HTTP/1.1\r\nhost: a\r\nconnection: upgrade\r\nupgrade: websocket\r\n";
    let mut good = base.to_vec();
    good.extend_from_slice(b"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assert!(ok(&good).is_websocket());
    let mut bad = base.to_vec();
    bad.extend_from_slice(b"\r\n");
    assert_eq!(err(&bad), ErrorKind::MissingWebsocketKey);
}

#[test]
fn expect_continue() {
    assert!(
        ok(b"POST / HTTP/1.1\r\nhost: a\r\nexpect: 100-Continue\r\ncontent-length: 1\r\n\r\n")
            .expect_continue()
    );
}

#[test]
fn http10_payload_on_get() {
    let e = err(b"GET / HTTP/1.0\r\ncontent-length: 1\r\n\r\n");
    assert_eq!(e, ErrorKind::PayloadNotAllowed);
    assert_eq!(e.status(), 413);
    ok(b"GET / HTTP/1.0\r\ncontent-length: 0\r\n\r\n");
    ok(b"POST / HTTP/1.0\r\ncontent-length: 1\r\n\r\n");
    let o = ParseOpts {
        accept_payload_with_any_method: true,
        ..opts()
    };
    assert!(parse_with(b"GET / HTTP/1.0\r\ncontent-length: 1\r\n\r\n", &o).is_ok());
}

#[test]
fn too_many_headers() {
    let mut req = b"GET / HTTP/1.1\r\nhost: a\r\n".to_vec();
    for _ in 0..99 {
        req.extend_from_slice(b"x: a\r\n");
    }
    let mut full = req.clone();
    full.extend_from_slice(b"\r\n");
    assert_eq!(ok(&full).headers().len(), 100);
    req.extend_from_slice(b"x: a\r\n\r\n");
    let e = err(&req);
    assert_eq!(e, ErrorKind::TooManyHeaders);
    assert_eq!(e.status(), 400);
}

#[test]
fn head_too_large() {
    let o = ParseOpts {
        max_head: 64,
        ..opts()
    };
    let mut h = RequestHead::new();
    let input = b"GET / HTTP/1.1\r\nhost: a\r\nx: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let e = parse_request(input, &o, &mut h).unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::HeadTooLarge, 64));
    let fits = b"GET / HTTP/1.1\r\nhost: a\r\nx: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    assert_eq!(fits.len(), 64);
    assert_eq!(parse_request(fits, &o, &mut h), Ok(Parsed::Complete(64)));
    let over = b"GET / HTTP/1.1\r\nhost: a\r\nx: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    assert_eq!(
        parse_request(over, &o, &mut h).unwrap_err().kind,
        ErrorKind::HeadTooLarge
    );
}

#[test]
fn error_offsets() {
    let e = parse_with(b"GET / HTTP/1.1\r\nhost: a\r\nx y: 1\r\n\r\n", &opts()).unwrap_err();
    assert_eq!(e.offset, 26);
    let e = parse_with(b"GET /\x01 HTTP/1.1\r\n\r\n", &opts()).unwrap_err();
    assert_eq!(e.offset, 5);
}

#[test]
fn split_at_every_byte() {
    let inputs: [&[u8]; 6] = [
        b"\r\nPOST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX: a\r\n b\r\n\r\nabc",
        b"GET / HTTP/1.1\nhost: a\nconnection: close, te\n\n",
        b"GET / HTTP/1.1\r\nhost: a\r\nx y: 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\n\r\n",
        b"CONNECT a:443 HTTP/1.1\r\nhost: a:443\r\n\r\n",
    ];
    for input in inputs {
        let mut one = RequestHead::new();
        let whole = parse_request(input, &opts(), &mut one);
        for split in 0..=input.len() {
            let mut h = RequestHead::new();
            let first = parse_request(&input[..split], &opts(), &mut h);
            let res = match first {
                Ok(Parsed::Partial) => parse_request(input, &opts(), &mut h),
                other => other,
            };
            match (&whole, &res) {
                (Ok(Parsed::Complete(_)), Ok(Parsed::Complete(n))) => {
                    assert!(*n <= input.len());
                    let mut a = Vec::new();
                    let mut b = Vec::new();
                    write_request(&one, &mut a, None);
                    write_request(&h, &mut b, None);
                    assert_eq!(a, b, "split {split}");
                }
                (Err(a), Err(b)) => assert_eq!(a.kind, b.kind, "split {split}"),
                _ => panic!("split {split}: {whole:?} vs {res:?}"),
            }
        }
        // Byte by byte.
        let mut h = RequestHead::new();
        let mut last = Ok(Parsed::Partial);
        for k in 1..=input.len() {
            last = parse_request(&input[..k], &opts(), &mut h);
            if !matches!(last, Ok(Parsed::Partial)) {
                break;
            }
        }
        match (&whole, &last) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.kind, b.kind),
            _ => panic!("byte by byte: {whole:?} vs {last:?}"),
        }
    }
}

#[test]
fn head_is_reused() {
    let mut h = RequestHead::new();
    let o = opts();
    assert!(matches!(
        parse_request(b"GET /a HTTP/1.1\r\nhost: a\r\nx: 1\r\n\r\n", &o, &mut h),
        Ok(Parsed::Complete(_))
    ));
    assert!(matches!(
        parse_request(b"PUT /b HTTP/1.0\r\n\r\n", &o, &mut h),
        Ok(Parsed::Complete(_))
    ));
    assert_eq!(h.method(), Method::Put);
    assert_eq!(h.uri(), b"/b");
    assert!(h.headers().is_empty());
    assert!(parse_request(b"GET /\x01", &o, &mut h).is_ok());
}
