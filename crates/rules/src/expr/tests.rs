use super::*;
use crate::sample::Value;
use crate::stream::{Env, NoEnv, Stream};
use rampart_h1::{parse_request, ParseOpts, RequestHead};
use std::borrow::Cow;
use std::net::SocketAddr;

fn req(raw: &str) -> RequestHead {
    let mut h = RequestHead::new();
    let r = parse_request(raw.as_bytes(), &ParseOpts::default(), &mut h);
    assert!(r.is_ok(), "{raw:?}: {r:?}");
    h
}

fn eval_str(expr: &str, head: &RequestHead) -> Option<String> {
    let e = Expr::parse_str(expr).unwrap_or_else(|m| panic!("{expr}: {m}"));
    let mut s = Stream::new(&NoEnv);
    s.req = Some(head);
    let v = e.eval(&s, &mut Iter::single(), &Cx::default())?;
    Some(match v.cast(crate::sample::SmpType::Str)? {
        Value::Str(b) => String::from_utf8_lossy(&b).into_owned(),
        _ => return None,
    })
}

#[test]
fn request_fetches_with_converters() {
    let h =
        req("GET http://Ex.com/a/b?x=1&y=2 HTTP/1.1\r\nHost: Ex.com\r\nX: a, B\r\nx: c\r\n\r\n");
    assert_eq!(eval_str("path", &h).as_deref(), Some("/a/b"));
    assert_eq!(eval_str("pathq", &h).as_deref(), Some("/a/b?x=1&y=2"));
    assert_eq!(eval_str("query", &h).as_deref(), Some("x=1&y=2"));
    assert_eq!(
        eval_str("req.hdr(host),lower", &h).as_deref(),
        Some("ex.com")
    );
    assert_eq!(eval_str("req.hdr(x)", &h).as_deref(), Some("c"));
    assert_eq!(eval_str("req.hdr(x,2),upper", &h).as_deref(), Some("B"));
    assert_eq!(eval_str("req.fhdr(x,1)", &h).as_deref(), Some("a, B"));
    assert_eq!(eval_str("req.hdr_cnt(x)", &h).as_deref(), Some("3"));
    assert_eq!(eval_str("method", &h).as_deref(), Some("GET"));
    assert_eq!(eval_str("req.ver", &h).as_deref(), Some("1.1"));
    assert_eq!(eval_str("str(abc),,upper,length", &h).as_deref(), Some("3"));
    assert_eq!(eval_str("req.hdr(nope)", &h), None);
}

#[test]
fn converters_may_follow_in_later_words() {
    let words = ["req.hdr(host)", "lower", "-m", "str"];
    let mut i = 0;
    let (e, _) = Expr::parse(&words, &mut i, End::Words).unwrap();
    assert_eq!(e.convs.len(), 1);
    assert_eq!(i, 2, "stops at the first word that is not a converter");
    let words = ["src", "10.0.0.1"];
    let mut i = 0;
    Expr::parse(&words, &mut i, End::Words).unwrap();
    assert_eq!(i, 1);
}

#[test]
fn embedded_expressions_stop_where_they_cannot_continue() {
    let mut i = 0;
    let (e, at) = Expr::parse(&["req.hdr(a),lower]rest"], &mut i, End::Embedded).unwrap();
    assert_eq!(at, "req.hdr(a),lower".len());
    assert_eq!(e.output(), crate::sample::SmpType::Str);
}

#[test]
fn errors_use_haproxys_wording() {
    let err = |s: &str| Expr::parse_str(s).unwrap_err();
    assert_eq!(err("nope"), "unknown fetch method 'nope'");
    assert_eq!(err(""), "missing fetch method");
    assert_eq!(err("path,nope"), "unknown converter 'nope'");
    assert_eq!(
        err("path(x)"),
        "fetch method 'path' : expected ')' before 'x)'"
    );
    assert_eq!(err("path]"), "missing comma after fetch keyword 'path'");
    assert_eq!(err("path,lower]"), "missing comma after converter 'lower'");
    assert_eq!(
        err("path,lower(1)"),
        "invalid arg 1 in converter 'lower' : expected ')' before '1)'"
    );
    assert_eq!(err("method,neg"), "converter 'neg' cannot be applied");
    assert_eq!(
        err("bool(maybe)"),
        "invalid args in fetch method 'bool' : Expects 'true', 'false', '0' or '1'"
    );
    assert_eq!(
        err("path,field(x,a)"),
        "invalid arg 1 in converter 'field' : failed to parse 'x' as type 'integer' at position 1"
    );
    assert!(
        err("ssl_fc").contains("not supported yet"),
        "{}",
        err("ssl_fc")
    );
}

struct Addrs;

impl Env for Addrs {
    fn src(&self) -> Option<SocketAddr> {
        "[2001:db8::1]:4000".parse().ok()
    }
    fn dst(&self) -> Option<SocketAddr> {
        "127.0.0.1:80".parse().ok()
    }
    fn frontend(&self) -> Option<(i64, &str)> {
        Some((2, "fe"))
    }
}

#[test]
fn layer4_fetches_read_the_environment() {
    let s = Stream::new(&Addrs);
    let get = |x: &str| {
        Expr::parse_str(x)
            .unwrap()
            .eval(&s, &mut Iter::single(), &Cx::default())
            .map(Value::into_owned)
    };
    assert_eq!(get("src_port"), Some(Value::Sint(4000)));
    assert_eq!(get("dst"), Some(Value::Ipv4([127, 0, 0, 1].into())));
    assert!(matches!(get("src"), Some(Value::Ipv6(_))));
    assert_eq!(get("fe_name"), Some(Value::Str(Cow::Borrowed(b"fe"))));
    assert_eq!(get("be_name"), None, "no backend yet");
}

#[test]
fn protocol_validators_decide_whether_more_data_matters() {
    /// A content rule pass before its data is final.
    struct Partial;
    impl Env for Partial {
        fn partial(&self) -> bool {
            true
        }
    }
    let eval = |expr: &str, data: &[u8]| {
        let e = Expr::parse_str(expr).unwrap_or_else(|m| panic!("{expr}: {m}"));
        let mut s = Stream::new(&Partial);
        s.req_data = data;
        let mut it = Iter::single();
        let v = e.eval(&s, &mut it, &Cx::default()).map(|v| v.into_owned());
        (v, it.may_change)
    };
    // "Everything from offset 0" may grow...
    assert!(eval("req.payload(0,0)", b"\xd0\x00").1);
    // ...but an invalid MQTT packet stays invalid (HAProxy's converter clears the flag)
    assert_eq!(
        eval("req.payload(0,0),mqtt_is_valid", b"\xd0\x00"),
        (Some(Value::Bool(false)), false)
    );
    // while a truncated one may still become valid.
    assert_eq!(
        eval("req.payload(0,0),mqtt_is_valid", b"\x10\x14\x00"),
        (None, true)
    );
}
