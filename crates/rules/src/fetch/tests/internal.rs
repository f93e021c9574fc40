//! Internal fetches: constants, process state, scheduling figures, `uuid`, `wait_end`.

use super::*;
use crate::stream::NoEnv;

#[test]
fn constants_and_process_state() {
    let s = Stream::new(&NoEnv);
    check_all(
        &s,
        &[
            ("always_true", Some("true")),
            ("always_false", Some("false")),
            ("str(a b)", Some("a b")),
            ("int(-12)", Some("-12")),
            ("bool(TRUE)", Some("true")),
            ("bin(00ff)", Some("00ff")),
            ("ipv4(10.0.0.1)", Some("10.0.0.1")),
            ("meth(PURGE)", Some("PURGE")),
            ("nbproc", Some("1")),
            ("proc", Some("1")),
            ("thread", Some("0")),
            ("stopping", Some("false")),
            ("internal.strm.is_htx", Some("false")),
            ("env(RAMPART_SURELY_UNSET_VARIABLE)", None),
            ("cpu_calls", None),
            ("last_rule_file", None),
            ("prio_class", None),
            ("wait_end", Some("true")),
        ],
    );
    let t = TestEnv {
        partial: true,
        http: true,
        ..TestEnv::default()
    };
    let s = Stream::new(&t);
    check_all(
        &s,
        &[
            ("wait_end", None),
            ("internal.strm.is_htx", Some("true")),
            ("cpu_calls", Some("4")),
            ("cpu_ns_tot", Some("1000")),
            ("cpu_ns_avg", Some("250")),
            ("lat_ns_tot", Some("10")),
            ("lat_ns_avg", Some("2")),
        ],
    );
}

#[test]
fn uuid_is_version_4() {
    let s = Stream::new(&NoEnv);
    for expr in ["uuid", "uuid(4)"] {
        let v = show(&one(expr, &s).unwrap());
        let b = v.as_bytes();
        assert_eq!(b.len(), 36, "{v}");
        assert_eq!([b[8], b[13], b[18], b[23]], [b'-'; 4], "{v}");
        assert_eq!(b[14], b'4', "{v}");
        assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{v}");
        assert!(v
            .bytes()
            .all(|c| c == b'-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
    assert_ne!(one("uuid", &s), one("uuid", &s));
    assert_eq!(compile_err("uuid(3)"), "Unsupported UUID version: '3'");
    assert_eq!(
        super::super::internal::uuid_text(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
        "89abcdef-4567-4123-b210-fb72ea61d950"
    );
}

#[test]
fn dates_and_random() {
    let s = Stream::new(&NoEnv);
    let now = |e: &str| match one(e, &s) {
        Some(Value::Sint(v)) => v,
        other => panic!("{e}: {other:?}"),
    };
    let secs = now("date");
    assert!(secs > 1_600_000_000);
    assert!((now("date(10)") - secs - 10).abs() <= 1);
    assert!((now("date(0,ms)") / 1000 - secs).abs() <= 1);
    assert!((now("date(0,us)") / 1_000_000 - secs).abs() <= 1);
    assert!((0..1_000_000).contains(&now("date_us")));
    assert!((0..6).contains(&now("rand(6)")));
    assert_eq!(
        compile_err("date(0,h)"),
        "expects 's', 'ms' or 'us', got 'h'"
    );
}
