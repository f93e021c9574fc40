//! Condition tests. Messages, positions and depth limits were taken from HAProxy 2.6.12
//! (`haproxy -c` on `.if` lines and `haproxy -cc`).

use super::*;

fn env() -> Env {
    let mut env = Env::empty();
    env.set("A", "1");
    env.set("WITH_SSL", "yes");
    env.set("SSL_ONLY", "no");
    env.set("EMPTY", "");
    env
}

fn ok(expr: &str) -> bool {
    match eval(expr, &env()) {
        Ok(v) => v,
        Err(e) => panic!("{expr:?}: {e:?}"),
    }
}

fn fails(expr: &str) -> (String, usize) {
    match eval(expr, &env()) {
        Ok(v) => panic!("{expr:?} unexpectedly evaluated to {v}"),
        Err(e) => (e.message, e.pos),
    }
}

#[test]
fn integers_follow_strtol() {
    assert!(!ok(""));
    assert!(!ok("0"));
    assert!(ok("1"));
    assert!(ok("42"));
    assert!(ok("-1"));
    assert!(!ok("+0"));
    assert!(!ok("00"));
    assert!(ok("0x1f"));
    assert!(!ok("0x0"));
    assert!(ok("010"));
    assert!(ok("99999999999999999999999"));
    assert!(ok("  1  "));
    assert_eq!(
        fails("08"),
        (
            "unexpected character '8' at the end of conditional expression '08'".into(),
            1
        )
    );
    assert_eq!(
        fails("0x"),
        (
            "unexpected character 'x' at the end of conditional expression '0x'".into(),
            1
        )
    );
}

#[test]
fn operators_and_precedence() {
    assert!(ok("!0"));
    assert!(!ok("!1"));
    assert!(ok("!!1"));
    assert!(ok("! ! 1"));
    assert!(ok("!(0)"));
    assert!(ok("1 && 1"));
    assert!(!ok("1 && 0"));
    assert!(ok("0 || 1"));
    assert!(!ok("0 || 0"));
    // && binds tighter than ||.
    assert!(ok("1 || 0 && 0"));
    assert!(ok("0 && 1 || 1"));
    assert!(!ok("(1 || 0) && 0"));
    assert!(ok("1&&1||0"));
    assert!(ok("( 1 )"));
    assert!(!ok("!(1 && (0 || 1))"));
}

#[test]
fn predicates() {
    assert!(ok("defined(A)"));
    assert!(ok("defined(EMPTY)"));
    assert!(!ok("defined(NOPE)"));
    assert!(!ok("defined"));
    assert!(!ok("defined()"));
    assert!(ok("streq(a,a)"));
    assert!(!ok("streq(a,b)"));
    assert!(ok("strneq(a,b)"));
    assert!(ok("streq(,)"));
    assert!(!ok("streq(a,)"));
    assert!(ok(r#"streq("a,b",'a,b')"#));
    assert!(ok(r#"streq("a)",'a)')"#));
    assert!(ok(r"streq(a\ b,'a b')"));
    assert!(ok(r#"streq(\"x\",'"x"')"#));
    assert!(!ok(r"streq(\n,'\n')"));
    assert!(ok("streq(a\\,'a\\')"));
    assert!(ok("version_atleast(2.6)"));
    assert!(ok("version_atleast(2.6.12)"));
    assert!(!ok("version_atleast(2.6.13)"));
    assert!(ok("version_atleast(2.4-dev19)"));
    assert!(ok("version_before(2.7)"));
    assert!(!ok("version_before(2.6.12)"));
    assert!(!ok("version_before(2.6.12-rc1)"));
    assert!(ok("version_atleast(2.6.12-rc1)"));
    // An unparsable version counts as older than the current one.
    assert!(ok("version_atleast(garbage)"));
    assert!(!ok("version_before(garbage)"));
    assert!(!ok("openssl_version_atleast(1.1.1)"));
    assert!(!ok("openssl_version_before(9.0)"));
    assert!(ok("ssllib_name_startswith(rustls)"));
    assert!(ok("ssllib_name_startswith(rust)"));
    assert!(!ok("ssllib_name_startswith(OpenSSL)"));
}

#[test]
fn feature_search_is_haproxys() {
    let line = "-51DEGREES +ACCEPT4 -PCRE +PCRE2 +THREAD -THREAD_DUMP";
    assert!(feature_listed(line, "ACCEPT4"));
    assert!(feature_listed(line, "PCRE2"));
    assert!(!feature_listed(line, "PCRE"));
    assert!(!feature_listed(line, "CRE2"));
    assert!(!feature_listed(line, "51DEGREES"));
    assert!(feature_listed(line, "THREAD"));
    assert!(!feature_listed(line, "THREAD_DUMP"));
    assert!(!feature_listed(line, ""));
    assert!(!feature_listed(line, "NOPE"));
    // Rampart's own list: OPENSSL is not claimed.
    assert!(!ok("feature(OPENSSL)"));
    assert!(ok("!feature(OPENSSL)"));
}

/// Configuration manual 2.4, every example condition.
#[test]
fn manual_examples() {
    let mut env = env();
    assert!(!eval("defined(HAPROXY_MWORKER)", &env).unwrap_or(true));
    assert!(eval(r#"strneq("no",yes)"#, &env).unwrap_or(false));
    assert!(eval(r#"streq("yes",yes)"#, &env).unwrap_or(false));
    assert!(!eval("feature(OPENSSL)", &env).unwrap_or(true));
    assert!(!eval(
        r#"feature(OPENSSL) && (streq("yes",yes) || streq("no",yes))"#,
        &env
    )
    .unwrap_or(true));
    assert!(eval("version_atleast(2.4-dev19)", &env).unwrap_or(false));
    assert!(eval("!feature(OPENSSL)", &env).unwrap_or(false));
    env.set("HAPROXY_MWORKER", "1");
    assert!(eval("defined(HAPROXY_MWORKER)", &env).unwrap_or(false));
}

#[test]
fn error_messages_and_positions() {
    let cases: &[(&str, &str, usize)] = &[
        ("1 &&", "unparsable conditional expression '&&'", 2),
        ("1 ||", "unparsable conditional expression '1 ||'", 2),
        ("!", "unparsable conditional expression '!'", 0),
        ("!!", "unparsable conditional expression '!!'", 0),
        ("(1", "expected ')' after conditional expression '(1'", 0),
        (
            "(((1)",
            "expected ')' after conditional expression '((1)'",
            1,
        ),
        ("(1 ||)", "unparsable conditional expression ')'", 5),
        ("()", "unparsable conditional expression ')'", 1),
        (")", "unparsable conditional expression ')'", 0),
        ("0 || (1 && )", "unparsable conditional expression ')'", 11),
        ("foo", "unparsable conditional expression 'foo'", 0),
        ("!foo(1)", "unparsable conditional expression '!foo(1)'", 0),
        (
            "defined(A",
            "expected ')' in argument 1 of predicate 'defined' used in conditional expression",
            9,
        ),
        (
            "defined(A,B)",
            "expected ')' before ',B)' in argument 1 of predicate 'defined' used in conditional \
             expression",
            9,
        ),
        (
            "streq(a)",
            "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate \
             'streq' used in conditional expression",
            7,
        ),
        (
            "streq",
            "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate \
             'streq' used in conditional expression",
            5,
        ),
        (
            "streq(a,b,c) && 1",
            "expected ')' before ',c) && 1' in argument 1 of predicate 'streq' used in \
             conditional expression",
            9,
        ),
        (
            "streq(x\\",
            "failed to parse '\\' after 'x' as type 'string' at position 1 in argument 0 of \
             predicate 'streq' used in conditional expression",
            7,
        ),
        (
            "1 2",
            "unexpected character '2' at the end of conditional expression '1 2'",
            2,
        ),
        (
            "1)",
            "unexpected character ')' at the end of conditional expression '1)'",
            1,
        ),
        (
            "1 & 1",
            "unexpected character '&' at the end of conditional expression '1 & 1'",
            2,
        ),
        (
            "defined (A)",
            "unexpected character '(' at the end of conditional expression 'defined (A)'",
            8,
        ),
        (
            "version_atleast(2.6) ||| 1",
            "unparsable conditional expression '| 1'",
            23,
        ),
        ("  ", "unparsable conditional sub-expression '  '", 0),
        ("1 && é", "unparsable conditional expression 'é'", 5),
        (
            "1 é",
            "unexpected character 'é' at the end of conditional expression '1 é'",
            2,
        ),
    ];
    for &(expr, message, pos) in cases {
        assert_eq!(fails(expr), (message.to_owned(), pos), "{expr:?}");
    }
}

#[test]
fn rendered_like_haproxy() {
    let e = CondError {
        message: "unparsable conditional expression '&&'".into(),
        pos: 2,
    };
    assert_eq!(
        e.render(".if", "1 &&"),
        "unparsable conditional expression '&&' in '.if' at position 3:\n  .if 1 &&\n        ^"
    );
    assert_eq!(
        e.render(".elif", "1 &&"),
        "unparsable conditional expression '&&' in '.elif' at position 3:\n  .elif 1 &&\n          ^"
    );
}

#[test]
fn depth_limits_match_haproxy() {
    let parens = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
    assert!(ok(&parens(340)));
    assert_eq!(
        fails(&parens(341)).0,
        format!(
            "unparsable conditional sub-expression '1{}'",
            ")".repeat(341)
        )
    );
    let ands = |n: usize| vec!["1"; n].join("&&");
    assert!(ok(&ands(1022)));
    assert_eq!(
        fails(&ands(1023)).0,
        "unparsable conditional expression '1'"
    );
    let ors = |n: usize| vec!["0"; n].join("||");
    assert!(!ok(&ors(1022)));
    assert_eq!(
        fails(&ors(1023)),
        ("unparsable conditional expression '0'".into(), 3066)
    );
    assert_eq!(
        fails(&ors(1024)).0,
        "unparsable conditional expression '0||0'"
    );
    // Deep negations cost nothing.
    assert!(ok(&format!("{}1", "!".repeat(100_000))));
    // Hostile: very deep and very long expressions end quickly.
    assert!(eval(&"(".repeat(1_000_000), &env()).is_err());
    assert!(eval(&"1&&".repeat(1_000_000), &env()).is_err());
    assert!(eval(&format!("streq({}", "x".repeat(100_000)), &env()).is_err());
}

#[test]
fn long_arguments_hit_the_buffer_size() {
    let arg = "x".repeat(16383);
    assert!(ok(&format!("streq({arg},{arg})")));
    assert_eq!(
        fails(&format!("defined({arg}y)")),
        (
            "too small buffer size to store decoded argument 1, increase bufsize ? in argument 0 \
             of predicate 'defined' used in conditional expression"
                .into(),
            8 + 16383
        )
    );
}

#[test]
fn check_condition_messages() {
    let env = env();
    assert_eq!(
        check_condition(b"version_atleast(2.6) && !feature(LUA)", &env),
        Ok(true)
    );
    assert_eq!(check_condition(b"0", &env), Ok(false));
    assert_eq!(check_condition(b"", &env), Ok(false));
    assert_eq!(check_condition(br#""$A""#, &env), Ok(true));
    assert_eq!(check_condition(b"1 && \"\" 1", &env), Ok(true));
    assert_eq!(
        check_condition(b"streq(a", &env),
        Err(
            "Failed to evaluate condition: missing arguments (got 1/2), type 'string' expected \
             in argument 1 of predicate 'streq' used in conditional expression"
                .into()
        )
    );
    assert_eq!(
        check_condition(b"\"", &env),
        Err("Syntax Error in condition: Unmatched quote.".into())
    );
    assert_eq!(
        check_condition(b"\\xg", &env),
        Err("Syntax Error in condition: Truncated or invalid hexadecimal sequence.".into())
    );
    assert_eq!(
        check_condition(b"\"$1\"", &env),
        Err("Unhandled error in condition, please report this to the developers.".into())
    );
    assert_eq!(
        check_condition("1 ".repeat(70).as_bytes(), &env),
        Err("Error in condition: Too many words.".into())
    );
    // No comments in -cc: '#' is trailing garbage.
    assert_eq!(
        check_condition(b"1 # foo", &env),
        Err(
            "Failed to evaluate condition: unexpected character '#' at the end of conditional \
             expression '1 # foo'"
                .into()
        )
    );
    // `$` is only expanded inside double quotes.
    assert_eq!(
        check_condition(b"${X", &env),
        Err("Failed to evaluate condition: unparsable conditional expression '${X'".into())
    );
}
