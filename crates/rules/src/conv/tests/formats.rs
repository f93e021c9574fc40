//! Results of the converters for hashes, dates, JSON and binary protocols; every
//! expected value was produced by haproxy 2.6 (`tests/conv_vs_haproxy` checks many
//! more against the running binary).

use super::super::time::{format_date, Zone};
use super::super::*;
use crate::args::parse_args;

/// Runs `name(args)` on `v`, returning the result as text (binary as hex).
fn conv(name: &str, args: &str, v: Value<'_>) -> Option<String> {
    let d = find(name).unwrap();
    let (mut a, _) = parse_args(args, &d.args).unwrap();
    if let Some(check) = d.check {
        check(&mut a).unwrap();
    }
    Some(match apply(d, v, &a, &Cx::default())? {
        Value::Bin(b) => b.iter().map(|c| format!("{c:02X}")).collect(),
        other => match other.cast(SmpType::Str)? {
            Value::Str(s) => String::from_utf8_lossy(&s).into_owned(),
            _ => unreachable!(),
        },
    })
}

fn s(x: &str) -> Value<'_> {
    Value::str(x.as_bytes())
}

fn b(hex: &str) -> Value<'static> {
    let bytes = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    Value::Bin(Cow::Owned(bytes))
}

#[test]
fn table() {
    let cases: &[(&str, &str, Value<'_>, Option<&str>)] = &[
        ("xxh32", "", s("hello"), Some("4211111929")),
        ("xxh64", "(12345)", s("hello"), Some("5627736472944675953")),
        ("xxh3", "(42)", s("hello"), Some("-4973654939900610249")),
        (
            "sha1",
            "",
            s("hello"),
            Some("AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D"),
        ),
        (
            "digest",
            "(MD5)",
            s("hello"),
            Some("5D41402ABC4B2A76B9719D911017C592"),
        ),
        (
            "hmac",
            "(sha256,a2V5)",
            s("hello"),
            Some("9307B3B915EFB5171FF14D8CB55FBCC798C6C0EF1456D66DED1A6AA723A58B7B"),
        ),
        (
            "utime",
            "(%Y-%m-%dT%H:%M:%S%z)",
            Value::Sint(1_700_000_000),
            Some("2023-11-14T22:13:20+0000"),
        ),
        (
            "utime",
            "('%c|%Z|%s')",
            Value::Sint(1_711_846_800),
            Some("Sun Mar 31 01:00:00 2024|GMT|1711846800"),
        ),
        (
            "http_date",
            "(0,ms)",
            Value::Sint(1_700_000_000_123),
            Some("Tue, 14 Nov 2023 22:13:20.123 GMT"),
        ),
        (
            "protobuf",
            "(2)",
            b("089601120774657374696e67"),
            Some("74657374696E67"),
        ),
        ("protobuf", "(1.1,int32)", b("1a06082a12026162"), None),
        (
            "json_query",
            "('$.a[1].b')",
            s(r#"{"a":[1,{"b":"x"}]}"#),
            Some("x"),
        ),
        ("language", "(fr;en)", s("fr-CH;q=0.5,en;q=0.9"), Some("en")),
        ("json", "(utf8s)", b("C3A9F09F9880"), Some("\\u00e9")),
        ("be2dec", "(-,2,1)", b("0102030405"), Some("258-772")),
        ("url_enc", "", s("a b/é"), Some("a%20b%2F%C3%A9")),
        ("b64dec", "", s("QQ==QUJD"), Some("41414243")),
        ("ub64dec", "", s("a_b="), Some("6BF6FF")),
        ("port_only", "", s("host:12ab"), Some("1740")),
    ];
    for (name, args, v, want) in cases {
        assert_eq!(
            conv(name, args, v.clone()).as_deref(),
            *want,
            "{name}{args}"
        );
    }
}

#[test]
fn ipmask_keeps_ipv6_with_a_mask() {
    let v = Value::Ipv6("2001:db8:1:2::7".parse().unwrap());
    let d = find("ipmask").unwrap();
    let (a, _) = parse_args("(24,64)", &d.args).unwrap();
    assert_eq!(
        apply(d, v, &a, &Cx::default()),
        Some(Value::Ipv6("2001:db8:1:2::".parse().unwrap()))
    );
}

#[test]
fn local_time_in_a_posix_zone() {
    let zone: &'static Zone =
        Box::leak(Box::new(Zone::from_tz(Some("CET-1CEST,M3.5.0,M10.5.0/3"))));
    let args = [Arg::Str("%F %T %Z %z".into())];
    let at = |t: i64| match format_date(Value::Sint(t), &args, &Cx::default(), Some(zone)) {
        Some(Value::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(at(1_711_846_799), "2024-03-31 01:59:59 CET +0100");
    assert_eq!(at(1_711_846_800), "2024-03-31 03:00:00 CEST +0200");
}

#[test]
fn strftime_that_does_not_fit_is_empty() {
    // glibc needs room for the NUL: 8 characters need 9 bytes.
    let d = find("utime").unwrap();
    let (a, _) = parse_args("(%Y%m%d)", &d.args).unwrap();
    let run = |bufsize| match apply(d, Value::Sint(0), &a, &Cx { bufsize }) {
        Some(Value::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(run(8), "");
    assert_eq!(run(9), "19700101");
}
