//! Converter results, the expected values taken from Debian's haproxy 2.6
//! (`http-request return ... lf-string "%[str(...),conv(...)]"`).

use super::*;
use crate::args::parse_args;

/// Runs `name(args)` on a string sample and renders the result as text.
fn run(name: &str, args: &str, input: &str) -> Option<String> {
    let d = find(name).unwrap();
    let (mut a, _) = parse_args(args, &d.args).unwrap();
    if let Some(check) = d.check {
        check(&mut a).unwrap();
    }
    let out = apply(d, Value::str(input.as_bytes()), &a, &Cx::default())?;
    Some(match out.cast(SmpType::Str)? {
        Value::Str(s) => String::from_utf8_lossy(&s).into_owned(),
        _ => unreachable!(),
    })
}

fn ok(name: &str, args: &str, input: &str) -> String {
    run(name, args, input).unwrap_or_else(|| panic!("{name}{args} on {input:?} failed"))
}

#[test]
fn fields_and_words() {
    assert_eq!(ok("field", "(2,.)", "a.b.c"), "b");
    assert_eq!(ok("field", "(-1,.)", "a.b.c"), "c");
    assert_eq!(ok("field", "(2,.,0)", "a.b.c"), "b.c");
    assert_eq!(ok("field", "(1,.,2)", "a.b.c"), "a.b");
    assert_eq!(ok("field", "(-2,.,2)", "a.b.c"), "a.b");
    assert_eq!(ok("field", "(2,.)", "a..c"), "");
    assert_eq!(run("field", "(4,.)", "a.b.c"), None);
    assert_eq!(ok("word", "(2,.)", "..a..b..c"), "b");
    assert_eq!(ok("word", "(-1,.)", "a..b..c.."), "c");
    assert_eq!(ok("word", "(2,.,0)", "a..b..c"), "b..c");
    assert_eq!(ok("word", "(5,.)", "a.b"), "");
}

#[test]
fn strings() {
    assert_eq!(ok("lower", "", "AbC"), "abc");
    assert_eq!(ok("upper", "", "AbC"), "ABC");
    assert_eq!(ok("length", "", "hello"), "5");
    assert_eq!(ok("bytes", "(1,3)", "abcdef"), "bcd");
    assert_eq!(ok("bytes", "(4)", "abcdef"), "ef");
    assert_eq!(ok("bytes", "(9)", "abcdef"), "");
    assert_eq!(ok("ltrim", "(\" x\")", "x  ab "), "ab ");
    assert_eq!(ok("rtrim", "(\" x\")", " ab x "), " ab");
    assert_eq!(ok("cut_crlf", "", "ab\r\ncd"), "ab");
    assert_eq!(
        ok("host_only", "", "WWW.Example.com:8080"),
        "www.example.com"
    );
    assert_eq!(ok("host_only", "", "[::1]:80"), "[::1]");
    assert_eq!(ok("host_only", "", "[::1]"), "[::1]");
    assert_eq!(ok("port_only", "", "example.com:8080"), "8080");
    assert_eq!(ok("port_only", "", "[::1]"), "0");
    assert_eq!(ok("port_only", "", "host:"), "0");
}

#[test]
fn encodings() {
    assert_eq!(ok("hex", "", "ab\n"), "61620A");
    assert_eq!(ok("hex2i", "", "ff"), "255");
    assert_eq!(run("hex2i", "", "fg"), None);
    assert_eq!(ok("base64", "", "hello"), "aGVsbG8=");
    assert_eq!(ok("base64", "", "hell"), "aGVsbA==");
    assert_eq!(ok("b64dec", "", "aGVsbG8="), "hello");
    assert_eq!(run("b64dec", "", "aGVsbG8"), None);
    // HAProxy lets padding start in the second place of a quartet.
    assert_eq!(run("b64dec", "", "a==="), Some(String::new()));
    assert_eq!(ok("ub64enc", "", "\u{fb}\u{ff}"), "w7vDvw");
    assert_eq!(ok("ub64dec", "", "aGVsbG8"), "hello");
    assert_eq!(run("ub64dec", "", "aGVsb"), None);
}

#[test]
fn hashes() {
    assert_eq!(ok("crc32", "", "hello"), "907060870");
    assert_eq!(ok("crc32", "(1)", "hello"), "3902247103");
    assert_eq!(ok("crc32c", "", "hello"), "2591144780");
    assert_eq!(ok("djb2", "", "hello"), "261238937");
    assert_eq!(ok("sdbm", "", "hello"), "684824882");
    assert_eq!(ok("wt6", "", "hello"), "3538347703");
    assert_eq!(ok("sdbm", "(1)", "hello"), "2061535398");
}

#[test]
fn arithmetic_saturates() {
    assert_eq!(ok("add", "(3)", "4"), "7");
    assert_eq!(
        ok("add", "(1)", "9223372036854775807"),
        "9223372036854775807"
    );
    assert_eq!(
        ok("sub", "(-9223372036854775808)", "-1"),
        "9223372036854775807"
    );
    assert_eq!(
        ok("sub", "(-9223372036854775808)", "-5"),
        "9223372036854775803"
    );
    assert_eq!(
        ok("mul", "(-2)", "9223372036854775807"),
        "-9223372036854775808"
    );
    assert_eq!(ok("div", "(0)", "5"), "9223372036854775807");
    assert_eq!(ok("div", "(-2)", "7"), "-3");
    assert_eq!(ok("mod", "(0)", "5"), "0");
    assert_eq!(ok("mod", "(-3)", "-7"), "-1");
    assert_eq!(ok("and", "(6)", "3"), "2");
    assert_eq!(ok("xor", "(6)", "3"), "5");
    let d = find("add").unwrap();
    let (mut a, _) = parse_args("(1x)", &d.args).unwrap();
    assert_eq!(
        (d.check.unwrap())(&mut a).unwrap_err(),
        "expects an integer or a variable name"
    );
}

#[test]
fn integers() {
    let int = |name: &str, n: i64| {
        let d = find(name).unwrap();
        apply(d, Value::Sint(n), &[], &Cx::default())
    };
    assert_eq!(int("neg", i64::MIN), Some(Value::Sint(i64::MAX)));
    assert_eq!(int("cpl", 0), Some(Value::Sint(-1)));
    assert_eq!(int("odd", 3), Some(Value::Bool(true)));
    assert_eq!(int("even", 3), Some(Value::Bool(false)));
    assert_eq!(int("not", 0), Some(Value::Bool(true)));
    assert_eq!(int("bool", 7), Some(Value::Bool(true)));
    assert_eq!(
        int("htonl", 0x0102_0304),
        Some(Value::Bin(Cow::Owned(vec![1, 2, 3, 4])))
    );
    let d = find("iif").unwrap();
    let (a, _) = parse_args("(yes,no)", &d.args).unwrap();
    assert_eq!(
        apply(d, Value::Sint(0), &a, &Cx::default()),
        Some(Value::Str(Cow::Owned(b"no".to_vec())))
    );
}

use std::borrow::Cow;

mod catalogue;
mod formats;
mod vars;
