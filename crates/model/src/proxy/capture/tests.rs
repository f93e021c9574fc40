//! `capture` and `declare` lines against HAProxy 2.6's messages (each configuration
//! below was checked with `haproxy -c`, its output recorded).

use super::CapDecl;
use crate::proxy::testutil::*;

const D: &str =
    "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

#[test]
fn argument_errors() {
    let r = run(&format!(
        "{D} capture request header Host len 10\n declare capture request len 10\n\
         frontend f\n bind :8080\n capture foo\n capture request foo X len 3\n capture request header X\n\
         capture request header X len\n capture request header X foo 3\n capture request header X len 3 extra\n\
         capture response header X len 3 extra\n capture cookie\n capture cookie c\n capture cookie c len\n\
         declare\n declare foo\n declare capture\n declare capture both\n declare capture request\n\
         declare capture request size 3\n declare capture request len\n declare capture request len 3x\n\
         declare capture request len 0\n declare capture response len -1\n\
         backend b\n capture request header X len 3\n declare capture request len 4\n"
    ));
    for m in [
        "'capture request' not allowed in 'defaults' section.",
        "'declare' not available in default section",
        "'capture' expects 'cookie' or 'request header' or 'response header'.",
        "'capture request' expects 'header' <header_name> 'len' <len>.",
        "'capture request' cannot handle unexpected argument 'extra'.",
        "'capture response' cannot handle unexpected argument 'extra'.",
        "'capture' expects 'cookie' <cookie_name> 'len' <len>.",
        "'declare' needs a second keyword that specify the type of declaration ('capture')",
        "unknown declaration type 'foo' (supports 'capture')",
        "'declare capture' requires a direction ('request' or 'response')",
        "'declare capture' requires a capture length ('len')",
        "'declare capture': 'len' requires a numeric value that represents the capture length",
        "'declare capture': cannot parse the length 'len'.",
        "length must be > 0",
        "'declare' only available in frontend or listen section",
    ] {
        assert!(r.has_alert(m), "{m}");
    }
    assert!(r.has_warning("'capture' ignored because backend 'b' has no frontend capability."));
    let alerts = r
        .diags
        .iter()
        .filter(|d| d.level == rampart_config::Level::Alert)
        .count();
    assert_eq!(alerts, 23, "{:#?}", r.messages());
}

#[test]
fn slots_are_numbered_in_declaration_order_and_ids_checked() {
    let r = run(&format!(
        "{D}frontend f\n bind :8080\n declare capture response len 5\n capture request header Host len 5\n\
         http-request capture req.hdr(x) len 4\n http-request capture req.hdr(x) id 1\n\
         http-request capture req.hdr(x) id 2\n http-request capture req.hdr(x) id 3\n\
         http-response capture res.hdr(x) id 0\n http-response capture res.hdr(x) id 1\n\
         http-response capture res.hdr(x) id -1\n capture response header X len 3\n default_backend b\n\
         backend b\n capture request header X len 3\n http-request capture req.hdr(x) id 9\n server s 127.0.0.1:1\n"
    ));
    for m in [
        "Proxy 'f': unable to find capture id '2' referenced by http-request capture rule.",
        "Proxy 'f': unable to find capture id '3' referenced by http-request capture rule.",
    ] {
        assert!(r.has_alert(m), "{m}");
    }
    assert_eq!(r.messages().len(), 3, "{:#?}", r.messages());
    let f = r.proxy("f");
    assert_eq!(f.req_captures, 2);
    assert_eq!(f.captures.res_count, 2);
    let got: Vec<_> = f
        .captures
        .decls
        .iter()
        .map(|d: &CapDecl| (d.response, d.index, d.len, d.header.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (true, 0, 5, None),
            (false, 0, 5, Some("Host")),
            (true, 1, 3, Some("X"))
        ]
    );
    assert!(r.proxy("b").captures.decls.is_empty());
}

#[test]
fn capture_cookie_names_the_cookie_and_its_length() {
    let r = run(&format!(
        "{D}frontend f\n bind :8080\n capture cookie c len 3 x\n"
    ));
    // HAProxy reads `len` from the fifth word and ignores a sixth.
    assert!(r.valid());
    let r = run(&format!(
        "{D}frontend f\n bind :8080\n capture cookie SRV len 70\n"
    ));
    let c = r.proxy("f").captures.cookie.clone();
    assert_eq!(c.map(|c| (c.name, c.len)), Some(("SRV".into(), 70)));
    assert!(r.has_warning("truncating capture length to 63 bytes for frontend 'f'."));
}

#[test]
fn slots_of_a_defaults_sections_rules_come_first() {
    // reg-tests/http-rules/default_rules.vtc
    let r = run(
        "defaults base-http\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n\
         http-request capture hdr(Host) len 64\n http-request capture hdr(X-req-1) len 32\n\
         frontend fe1 from base-http\n bind :8080\n declare capture request len 32\n http-request capture hdr(X-req-2) id 2\n\
         frontend fe2 from base-http\n bind :8081\n http-request capture hdr(X-req-2) id 1\n",
    );
    assert!(r.valid());
    assert_eq!(r.proxy("fe1").req_captures, 3);
    assert_eq!(r.proxy("fe1").captures.decls[0].index, 2);
    assert_eq!(r.proxy("fe2").req_captures, 2);
}
