//! Response head parsing, validation and framing.

use rampart_h1::{
    parse_response, BodyKind, ErrorKind, Method, ParseOpts, Parsed, ResponseHead, Version,
};

fn parse(input: &[u8], o: &ParseOpts) -> Result<ResponseHead, rampart_h1::ParseError> {
    let mut h = ResponseHead::new();
    match parse_response(input, o, &mut h)? {
        Parsed::Complete(n) => {
            assert!(n <= input.len());
            Ok(h)
        }
        Parsed::Partial => panic!("partial"),
    }
}

fn ok(input: &[u8]) -> ResponseHead {
    match parse(input, &ParseOpts::default()) {
        Ok(h) => h,
        Err(e) => panic!("{e} for {:?}", String::from_utf8_lossy(input)),
    }
}

fn err(input: &[u8]) -> ErrorKind {
    match parse(input, &ParseOpts::default()) {
        Ok(_) => panic!("accepted {:?}", String::from_utf8_lossy(input)),
        Err(e) => {
            assert_eq!(e.kind.response_status(), 502);
            e.kind
        }
    }
}

#[test]
fn status_line() {
    let h = ok(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
    assert_eq!(
        (h.status(), h.reason(), h.version()),
        (200, &b"OK"[..], Version::Http11)
    );
    assert_eq!(h.body_kind(Method::Get), BodyKind::Length(2));
    let h = ok(b"HTTP/1.0 404\r\n\r\n");
    assert_eq!(
        (h.status(), h.reason(), h.version()),
        (404, &b""[..], Version::Http10)
    );
    let h = ok(b"HTTP/1.1  302   Found it  \r\n\r\n");
    assert_eq!(h.reason(), b"Found it  ");
    assert_eq!(ok(b"\r\nHTTP/1.1 200 OK\n\n").status(), 200);
}

#[test]
fn status_code_rules() {
    assert_eq!(err(b"HTTP/1.1 20 OK\r\n\r\n"), ErrorKind::InvalidStatus);
    assert_eq!(err(b"HTTP/1.1 2000 OK\r\n\r\n"), ErrorKind::InvalidStatus);
    assert_eq!(err(b"HTTP/1.1 099 OK\r\n\r\n"), ErrorKind::InvalidStatus);
    assert_eq!(err(b"HTTP/1.1 2x0 OK\r\n\r\n"), ErrorKind::InvalidStatus);
    assert_eq!(err(b"HTTP/1.1 \r\n\r\n"), ErrorKind::InvalidStatus);
    assert_eq!(err(b"HTTP/1.1\r\n\r\n"), ErrorKind::InvalidVersion);
    assert_eq!(ok(b"HTTP/1.1 999 X\r\n\r\n").status(), 999);
}

#[test]
fn version_rules() {
    assert_eq!(err(b"HTTP/1.10 200 OK\r\n\r\n"), ErrorKind::InvalidVersion);
    assert_eq!(err(b"http/1.1 200 OK\r\n\r\n"), ErrorKind::InvalidVersion);
    // HAProxy only checks "????/d.d" for responses.
    assert_eq!(ok(b"ABCD/1.0 200 OK\r\n\r\n").version(), Version::Http10);
    let lax = ParseOpts {
        accept_invalid: true,
        ..ParseOpts::default()
    };
    assert_eq!(
        parse(b"HTTP/1.10 200 OK\r\n\r\n", &lax)
            .unwrap()
            .version_bytes(),
        b"HTTP/1.10"
    );
}

#[test]
fn framing() {
    let h = ok(b"HTTP/1.1 200 OK\r\n\r\n");
    assert_eq!(h.body_kind(Method::Get), BodyKind::CloseDelimited);
    assert!(!h.keep_alive_for(Method::Get));
    assert_eq!(h.body_kind(Method::Head), BodyKind::None);
    assert_eq!(h.body_kind(Method::Connect), BodyKind::Tunnel);
    let h = ok(b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n");
    assert_eq!(h.body_kind(Method::Get), BodyKind::None);
    let h = ok(b"HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n");
    assert_eq!(h.body_kind(Method::Get), BodyKind::None);
    assert_eq!(
        ok(b"HTTP/1.1 100 Continue\r\n\r\n").body_kind(Method::Post),
        BodyKind::None
    );
    assert_eq!(
        ok(b"HTTP/1.1 101 Switching\r\n\r\n").body_kind(Method::Get),
        BodyKind::Tunnel
    );
    assert_eq!(
        ok(b"HTTP/1.1 407 Auth\r\ncontent-length: 0\r\n\r\n").body_kind(Method::Connect),
        BodyKind::Length(0)
    );
    let h = ok(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    assert_eq!(h.body_kind(Method::Get), BodyKind::Chunked);
    assert!(h.keep_alive_for(Method::Get));
}

#[test]
fn transfer_encoding_rules() {
    let h = ok(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n");
    assert!(h.content_length_dropped() && h.must_close());
    assert!(h.headers().get(b"content-length").is_none());
    assert_eq!(h.body_kind(Method::Get), BodyKind::Chunked);
    let h = ok(b"HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    assert!(h.must_close());
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n"),
        ErrorKind::UnknownTransferEncoding
    );
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n"),
        ErrorKind::UnknownTransferEncoding
    );
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked,chunked\r\n\r\n"),
        ErrorKind::InvalidTransferEncoding
    );
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n"),
        ErrorKind::InvalidContentLength
    );
}

#[test]
fn header_rules_apply_to_responses() {
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\nx y: 1\r\n\r\n"),
        ErrorKind::InvalidHeaderName
    );
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\nx: \0\r\n\r\n"),
        ErrorKind::InvalidHeaderValue
    );
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\nx: a\rb\r\n\r\n"),
        ErrorKind::BareCr
    );
    assert_eq!(
        err(b"HTTP/1.1 200 O\0K\r\n\r\n"),
        ErrorKind::InvalidHeaderValue
    );
    // Host is not special in responses.
    ok(b"HTTP/1.1 200 OK\r\nhost: a\r\nhost: b\r\n\r\n");
}

#[test]
fn connection_and_upgrade() {
    let h = ok(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    assert!(h.conn_close() && !h.keep_alive());
    assert!(h.headers().get(b"connection").is_none());
    let h = ok(b"HTTP/1.1 200 OK\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n");
    assert!(!h.conn_upgrade());
    assert_eq!(
        err(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n"),
        ErrorKind::MissingWebsocketKey
    );
    let h = ok(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-accept: x\r\n\r\n");
    assert!(h.is_websocket());
}

#[test]
fn split_at_every_byte() {
    let input =
        b"HTTP/1.1 200 OK\r\nServer: x\r\nTransfer-Encoding: chunked\r\nX: a\r\n\tb\r\n\r\n5\r\n";
    let o = ParseOpts::default();
    let mut whole = ResponseHead::new();
    let full = parse_response(input, &o, &mut whole).unwrap();
    for split in 0..=input.len() {
        let mut h = ResponseHead::new();
        let r = match parse_response(&input[..split], &o, &mut h).unwrap() {
            Parsed::Partial => parse_response(input, &o, &mut h).unwrap(),
            done => done,
        };
        assert_eq!(r, full);
        assert_eq!(h.headers().get(b"x"), Some(&b"a  \tb"[..]));
    }
}
