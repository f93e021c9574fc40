use super::*;

fn re(p: &str) -> Regex {
    Regex::new(p, false).unwrap()
}

#[test]
fn engines() {
    assert!(!re("^/api/[0-9]+$").is_backtracking());
    assert!(re("(a)\\1").is_backtracking());
    assert!(re("foo(?=bar)").is_backtracking());
    assert!(re("(?<=x)y").is_backtracking());
    assert!(re("(?>a+)b").is_backtracking());
    assert!(re("(a)\\1").is_match(b"xaa"));
    assert!(!re("(a)\\1").is_match(b"xab"));
    assert!(re("foo(?=bar)").is_match(b"foobar"));
    assert!(!re("foo(?=bar)").is_match(b"foobaz"));
}

#[test]
fn bytes_and_case() {
    // `.` is one byte, non-ASCII bytes are bytes, case folding is ASCII only.
    assert!(re("^a.b$").is_match(b"a\xffb"));
    assert!(re("^a..b$").is_match("aéb".as_bytes()));
    assert!(re("[é]").is_match(b"\xa9"));
    assert!(Regex::new("ABC", true).unwrap().is_match(b"xabcx"));
    assert!(!re("ABC").is_match(b"abc"));
    assert!(!Regex::new("é", true).unwrap().is_match("É".as_bytes()));
    assert!(re("\\d\\w\\s").is_match(b"1a "));
    assert!(!re("\\w").is_match("é".as_bytes()));
    assert!(re("[[:alpha:]]+[]x]").is_match(b"ab]"));
}

#[test]
fn pcre_literal_braces() {
    assert!(re("a{,3}").is_match(b"a{,3}"));
    assert!(re("/{id}").is_match(b"/{id}"));
    assert!(re("^a{2}$").is_match(b"aa"));
    assert!(re("^a{2,}$").is_match(b"aaa"));
    assert!(re("x{").is_match(b"x{"));
}

#[test]
fn errors_as_haproxy_reports_them() {
    // Messages and offsets from Debian's haproxy 2.6 (PCRE2 10.42).
    let cases = [
        ("(abc", "missing closing parenthesis", 4),
        ("abc)", "unmatched closing parenthesis", 3),
        ("[abc", "missing terminating ] for character class", 4),
        ("*abc", "quantifier does not follow a repeatable item", 0),
        ("a{2,1}", "numbers out of order in {} quantifier", 5),
        ("[z-a]", "range out of order in character class", 3),
        ("abc\\", "\\ at end of pattern", 4),
        ("(?<=a+)b", "lookbehind assertion is not fixed length", 0),
    ];
    for (p, msg, off) in cases {
        let e = Regex::new(p, false).unwrap_err();
        assert_eq!(
            e,
            format!("regex '{p}' is invalid (error={msg}, erroffset={off})"),
            "{p}"
        );
    }
    assert!(Regex::new("a\\1", false)
        .unwrap_err()
        .contains("reference to non-existent subpattern"));
}

fn groups(p: &str, s: &str) -> Vec<Option<(usize, usize)>> {
    let mut g = Groups::default();
    assert!(re(p).captures(s.as_bytes(), &mut g));
    g.0[..4].to_vec()
}

#[test]
fn captures() {
    assert_eq!(
        groups("(a)(x)?(b)", "zab"),
        vec![Some((1, 3)), Some((1, 2)), None, Some((2, 3))]
    );
    assert_eq!(
        groups("(a)\\1(b)", "zaab"),
        vec![Some((1, 4)), Some((1, 2)), Some((3, 4)), None]
    );
}

fn sub(p: &str, repl: &str, flags: &str, input: &str) -> String {
    let r = Regex::new(p, flags.contains('i')).unwrap();
    let out = regsub(
        input.as_bytes(),
        &r,
        repl.as_bytes(),
        flags.contains('g'),
        16384,
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn regsub_as_haproxy() {
    assert_eq!(sub("a", "X", "", "banana"), "bXnana");
    assert_eq!(sub("a", "X", "g", "banana"), "bXnXnX");
    assert_eq!(sub("A", "X", "gi", "banana"), "bXnXnX");
    assert_eq!(sub("(n)(a)", "\\2\\1", "g", "banana"), "baanan");
    assert_eq!(sub("b*", "X", "g", "abc"), "XaXXcX");
    assert_eq!(sub("^a", "X", "g", "aaa"), "Xaa");
    assert_eq!(sub("x*", "-", "g", ""), "-");
    assert_eq!(sub("a", "\\x41\\\\", "", "a"), "A\\");
    assert_eq!(sub("(a)", "<\\1\\3>", "", "a"), "<a>");
    assert_eq!(sub("(?=c)", "X", "g", "abc"), "abXXc");
}

#[test]
fn bounded_output() {
    let r = re("a");
    assert_eq!(regsub(b"aaaa", &r, b"xyz", true, 5), b"xyzxy".to_vec());
    let mut out = Vec::new();
    let mut g = Groups::default();
    assert!(r.captures(b"a", &mut g));
    assert!(replace(&mut out, 3, b"a", b"xyz", &g).is_err());
    out.clear();
    assert!(replace(&mut out, 4, b"a", b"xyz", &g).is_ok());
    assert!(replace(&mut Vec::new(), 9, b"a", b"x\\", &g).is_err());
}

#[test]
fn possessive_and_doubled_quantifiers() {
    let r = re("^a*+a");
    assert!(r.is_backtracking());
    assert!(!r.is_match(b"aaa"));
    assert!(re("^a++b$").is_match(b"aab"));
    assert!(re("^a{2}+$").is_match(b"aa"));
    assert!(!re("^a*?b").is_backtracking());
    assert_eq!(
        Regex::new("x**", false).unwrap_err(),
        "regex 'x**' is invalid (error=quantifier does not follow a repeatable item, erroffset=2)"
    );
}
