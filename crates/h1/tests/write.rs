//! Serialization round trips, header edits, h1-case-adjust and error pages.

use rampart_h1::errors::{default_body, default_response, write_default_response, STATUSES};
use rampart_h1::{
    parse_request, parse_response, reason_phrase, write_request, write_response, CaseMap,
    ParseOpts, Parsed, RequestHead, ResponseHead,
};

fn req(input: &[u8]) -> RequestHead {
    let mut h = RequestHead::new();
    assert!(matches!(
        parse_request(input, &ParseOpts::default(), &mut h),
        Ok(Parsed::Complete(_))
    ));
    h
}

#[test]
fn request_round_trip() {
    let h = req(b"GET  /a?b HTTP/1.1\r\nHost: A\r\nX-Foo:  1 \r\nConnection: close\r\n\r\n");
    let mut out = Vec::new();
    write_request(&h, &mut out, None);
    assert_eq!(out, b"GET /a?b HTTP/1.1\r\nhost: A\r\nx-foo: 1\r\n\r\n");
    // What we write parses back to the same thing.
    let again = req(&out);
    let mut out2 = Vec::new();
    write_request(&again, &mut out2, None);
    assert_eq!(out, out2);
}

#[test]
fn http10_version_kept() {
    let h = req(b"GET / HTTP/1.0\r\n\r\n");
    let mut out = Vec::new();
    write_request(&h, &mut out, None);
    assert_eq!(out, b"GET / HTTP/1.0\r\n\r\n");
    let h = req(b"GET / HTTP/2.0\r\nhost: a\r\n\r\n");
    out.clear();
    write_request(&h, &mut out, None);
    assert_eq!(out, b"GET / HTTP/1.1\r\nhost: a\r\n\r\n");
}

#[test]
fn edits() {
    let mut h =
        req(b"GET / HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 1.1.1.1\r\nuser-agent: u\r\n\r\n");
    h.headers_mut().remove(b"X-Forwarded-For");
    h.headers_mut().append(b"X-Forwarded-For", b"10.0.0.1");
    h.headers_mut().set(b"host", b"b");
    h.set_uri(b"/new");
    let mut out = Vec::new();
    write_request(&h, &mut out, None);
    assert_eq!(
        out,
        b"GET /new HTTP/1.1\r\nuser-agent: u\r\nx-forwarded-for: 10.0.0.1\r\nhost: b\r\n\r\n"
    );
    assert_eq!(h.host(), Some(&b"b"[..]));
}

#[test]
fn response_round_trip_and_case_adjust() {
    let mut h = ResponseHead::new();
    let input = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\n";
    assert!(matches!(
        parse_response(input, &ParseOpts::default(), &mut h),
        Ok(Parsed::Complete(_))
    ));
    let mut out = Vec::new();
    write_response(&h, &mut out, None);
    assert_eq!(
        out,
        b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\nx-a: b\r\n\r\n"
    );
    let mut map = CaseMap::new();
    map.insert(b"content-length", b"Content-Length").unwrap();
    out.clear();
    write_response(&h, &mut out, Some(&map));
    assert_eq!(
        out,
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nx-a: b\r\n\r\n"
    );
    h.set_status(503, b"Service Unavailable");
    out.clear();
    write_response(&h, &mut out, None);
    assert!(out.starts_with(b"HTTP/1.0 503 Service Unavailable\r\n"));
}

#[test]
fn raw_error_pages_match_haproxy() {
    // Captured from haproxy 2.6.12 (H1 mux parse error).
    assert_eq!(
        default_response(400).unwrap(),
        &b"HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n"[..]
    );
    assert_eq!(
        default_response(413).unwrap(),
        &b"HTTP/1.1 413 Payload Too Large\r\nContent-length: 106\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n<html><body><h1>413 Payload Too Large</h1>\nThe request entity exceeds the maximum allowed.\n</body></html>\n"[..]
    );
    assert!(default_response(418).is_none());
    for s in STATUSES {
        let raw = default_response(s).unwrap();
        let body = default_body(s).unwrap();
        let declared = format!("Content-length: {}\r\n", body.len());
        assert!(
            raw.windows(declared.len())
                .any(|w| w == declared.as_bytes()),
            "{s}"
        );
    }
}

#[test]
fn stream_error_pages_match_haproxy() {
    // Captured from haproxy 2.6.12 (no server available, HTTP/1.1 keep-alive client).
    let mut out = Vec::new();
    assert!(write_default_response(503, None, None, &mut out));
    assert_eq!(
        out,
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n"
    );
    // http-request deny deny_status 400 (connection closed by HAProxy).
    out.clear();
    assert!(write_default_response(400, Some(b"close"), None, &mut out));
    assert_eq!(
        out,
        b"HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n"
    );
    out.clear();
    assert!(write_default_response(
        403,
        Some(b"keep-alive"),
        None,
        &mut out
    ));
    assert_eq!(
        out,
        b"HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: keep-alive\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"
    );
    assert!(!write_default_response(299, None, None, &mut out));
}

#[test]
fn reasons() {
    assert_eq!(reason_phrase(200), "OK");
    assert_eq!(reason_phrase(302), "Moved Temporarily");
    assert_eq!(reason_phrase(502), "Bad Gateway or Proxy Error");
    assert_eq!(reason_phrase(299), "Success");
    assert_eq!(reason_phrase(999), "Other");
    assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
}
