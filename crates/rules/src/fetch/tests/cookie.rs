//! Cookie fetches: request `Cookie` lists, response `Set-Cookie` first pairs.

use super::*;
use crate::fetch::cookie::extract;
use crate::stream::NoEnv;

#[test]
fn request_cookies() {
    let h = req(concat!(
        "GET / HTTP/1.1\r\nHost: h\r\n",
        "Cookie: a=1; b = \"x;y\" ; $Path=/; c; a=2, d=4\r\n",
        "Cookie: e=5;a=-3x\r\n\r\n"
    ));
    let mut s = Stream::new(&NoEnv);
    s.req = Some(&h);
    check_all(
        &s,
        &[
            ("req.cook(a)", Some("-3x")),
            ("cook(b)", Some("\"x;y\"")),
            ("req.cook(c)", None),
            ("req.cook(d)", Some("4")),
            ("req.cook", Some("1")),
            ("req.cook()", Some("1")),
            ("req.cook(A)", None),
            ("cookie(e)", Some("5")),
            ("req.cook_cnt(a)", Some("3")),
            ("cook_cnt", Some("6")),
            ("req.cook_cnt(z)", Some("0")),
            ("req.cook_val(a)", Some("-3")),
            // '"' is below '0': strl2ic subtracts 14 and stops at 'x'.
            ("cook_val(b)", Some("-14")),
            ("res.cook(a)", None),
        ],
    );
    let all: Vec<String> = every("req.cook(a)", &s).iter().map(show).collect();
    assert_eq!(all, ["1", "2", "-3x"]);
    let any: Vec<String> = every("req.cook", &s).iter().map(show).collect();
    assert_eq!(any, ["1", "\"x;y\"", "2", "4", "5", "-3x"]);
}

#[test]
fn response_cookies() {
    let r = res(concat!(
        "HTTP/1.1 200 OK\r\n",
        "Set-Cookie: s=1; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\n",
        "Set-Cookie: t=2\r\n\r\n"
    ));
    let mut s = Stream::new(&NoEnv);
    s.res = Some(&r);
    s.dir = Dir::Res;
    check_all(
        &s,
        &[
            ("res.cook(s)", Some("1")),
            ("scook(t)", Some("2")),
            // Only the first pair of each element names a cookie.
            ("res.cook(Path)", None),
            ("res.cook", Some("1")),
            ("cookie(t)", Some("2")),
            // Without a name every pair of an element counts (attributes too); the comma
            // in the date splits the field and "21 Oct…" has no pair.
            ("res.cook_cnt", Some("4")),
            ("scook_cnt(s)", Some("1")),
            ("res.cook_val(t)", Some("2")),
            ("scook_val(s)", Some("1")),
        ],
    );
}

#[test]
fn extraction_follows_http_extract_cookie_value() {
    let run = |h: &str, name: &str, list: bool| {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some((v, next)) = extract(h.as_bytes(), pos, name.as_bytes(), list) {
            out.push(String::from_utf8_lossy(v).into_owned());
            pos = next;
        }
        out
    };
    assert_eq!(run(" a = 1 ;b=2", "a", true), ["1"]);
    assert_eq!(run("a=1,a=2", "a", true), ["1", "2"]);
    assert_eq!(run("a=1,a=2", "a", false), ["1", "2"]);
    assert_eq!(run("x=1;a=2", "a", false), Vec::<String>::new());
    assert_eq!(run("a=\"q\\\";\";b", "", true), ["\"q\\\";\""]);
    assert_eq!(run("$a=1;a=x", "a", true), ["x"]);
    // A pair must leave room for one byte after "name=" to be looked at.
    assert_eq!(run("$a=1;a=", "a", true), Vec::<String>::new());
    assert_eq!(run("a= ;b=1", "a", true), [""]);
    assert_eq!(run("a", "", true), Vec::<String>::new());
}
