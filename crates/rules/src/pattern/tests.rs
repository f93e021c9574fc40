//! Pattern sets built from ACL words and files, matched against samples. Expected
//! answers follow HAProxy 2.6's `pattern.c`; `tests/patterns_haproxy.rs` checks many of
//! them against Debian's haproxy.

use super::*;
use crate::sample::KnownMethod;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Files held in memory.
#[derive(Default)]
pub(crate) struct Files(pub HashMap<String, Vec<u8>>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("failed to open pattern file <{path}>"))
    }
}

pub(crate) fn files(list: &[(&str, &str)]) -> Files {
    Files(
        list.iter()
            .map(|(n, c)| (n.to_string(), c.as_bytes().to_vec()))
            .collect(),
    )
}

fn build(
    reg: &mut Registry,
    fs: &Files,
    out: SmpType,
    keyword: Option<Matcher>,
    words: &str,
) -> Result<PatternSet, String> {
    let words: Vec<&str> = words.split_whitespace().collect();
    let spec = AclSpec {
        kw: "req.hdr",
        keyword,
        out_type: out,
    };
    let mut cx = LoadCx {
        registry: reg,
        files: fs,
        origin: Origin {
            file: "t.cfg",
            line: 3,
        },
        resolver: None,
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    parse_acl_patterns(&words, &spec, &mut cx)
}

fn acl(words: &str) -> PatternSet {
    build(
        &mut Registry::new(),
        &Files::default(),
        SmpType::Str,
        None,
        words,
    )
    .unwrap_or_else(|e| panic!("{words}: {e}"))
}

fn acl_err(out: SmpType, words: &str) -> String {
    build(&mut Registry::new(), &Files::default(), out, None, words).unwrap_err()
}

fn s(x: &str) -> Value<'_> {
    Value::str(x.as_bytes())
}

/// (ACL words, sample, matches?)
const STRINGS: &[(&str, &str, bool)] = &[
    ("foo bar", "bar", true),
    ("foo bar", "Bar", false),
    ("-i foo bar", "BAR", true),
    ("-m beg /api /static", "/api/v1", true),
    ("-m beg /api", "/ap", false),
    ("-m beg -i /API", "/api/x", true),
    ("-m end .jpg .png", "/a/b.png", true),
    ("-m end -i .JPG", "/a/b.jpg", true),
    ("-m end .jpg", "jpg", false),
    ("-m sub min", "admin/x", true),
    ("-m sub -i MIN", "adMin", true),
    ("-m sub xyz", "admin", false),
    ("-m dir api", "/v1/api/x", true),
    ("-m dir api", "/v1/apix", false),
    ("-m dir /api/", "/v1/api", true),
    ("-m dir v1/api", "/v1/api?x", true),
    ("-m dir /", "/a/", false),
    ("-m dir /", "/a", false),
    ("-m dom example.com", "www.example.com:80", true),
    ("-m dom example.com", "www.example.company", false),
    ("-m dom -i EXAMPLE.com", "Example.COM", true),
    ("-m dom com", "a.b.com", true),
    ("-m len 3", "abc", true),
    ("-m len 4:", "abc", false),
    ("-m len gt 2", "abc", true),
    ("-m len lt 3", "abc", false),
    ("-m reg ^/a.c$", "/abc", true),
    ("-m reg -i ^/A.C$", "/abc", true),
    ("-m reg ^/a.c$", "/abcd", false),
    ("-m found", "", true),
    ("-m int 42", "42", true),
    ("-m int 40:50", "45", true),
    ("-m int 40:50", "x", false),
    ("-m int ne 3", "3", true),
    ("-m int ge 3 le 1", "5", true),
    ("-m int ge 3 le 1", "2", false),
    ("-m int gt 5.7", "6", true),
    ("-m bin 616263", "abc", true),
    ("-m bin -i 414243", "abc", false),
    ("-m ip 10.0.0.0/8", "10.1.2.3", true),
    ("-m ip 10.0.0.0/255.0.0.0", "11.1.2.3", false),
    ("-m ip 10.0.0.0/255.0.255.0", "10.9.0.9", true),
    ("-m ip 127.1", "127.0.0.1", true),
    ("-m ip ::1", "::1", true),
    ("-m ip 10.0.0.0/8", "::ffff:10.0.0.1", true),
    ("-m ip 10.0.0.0/8", "2002:0a01:0203::", true),
    ("-m ip ::ffff:10.0.0.0/104", "10.2.3.4", true),
    ("-m ip 2001:db8::/32", "2001:db8:1::1", true),
    ("-m ip 2001:db8::/32", "10.0.0.1", false),
    ("-- -x", "-x", true),
    ("-m bool", "1", true),
    ("-m bool", "0", false),
];

#[test]
fn methods_on_strings() {
    for &(words, sample, want) in STRINGS {
        assert_eq!(
            acl(words).matches(&s(sample)),
            want,
            "{words} on {sample:?}"
        );
    }
}

#[test]
fn method_names_and_types() {
    for m in Method::ALL {
        assert_eq!(Method::by_name(m.name()), Some(m));
    }
    assert_eq!(Method::by_name("regx"), None);
    assert_eq!(Method::Ip.expected_type(), SmpType::Addr);
    assert_eq!(Method::for_type(SmpType::Ipv4), Some(Method::Ip));
    assert_eq!(Method::for_type(SmpType::Bin), None);
}

#[test]
fn defaults_follow_the_sample_type() {
    let mut reg = Registry::new();
    let fs = Files::default();
    let ints = build(&mut reg, &fs, SmpType::Sint, None, "1 5:7").unwrap();
    assert!(ints.matches(&Value::Sint(6)));
    assert!(!ints.matches(&Value::Sint(4)));
    let ips = build(&mut reg, &fs, SmpType::Ipv4, None, "192.168.0.0/16").unwrap();
    assert!(ips.matches(&Value::Ipv4(Ipv4Addr::new(192, 168, 3, 4))));
    let b = build(&mut reg, &fs, SmpType::Bool, None, "").unwrap();
    assert!(b.matches(&Value::Bool(true)));
    assert!(!b.matches(&Value::Bool(false)));
    // A string that is not an address does not match an ip pattern.
    let ips = build(&mut reg, &fs, SmpType::Str, None, "-m ip 1.2.3.4").unwrap();
    assert!(!ips.matches(&s("host")));
}

#[test]
fn keyword_matchers() {
    let mut reg = Registry::new();
    let fs = Files::default();
    let meth = Matcher {
        method: Method::Str,
        parser: Parser::HttpMethod,
    };
    let set = build(&mut reg, &fs, SmpType::Meth, Some(meth), "GET PURGE").unwrap();
    let get = Value::Meth(crate::sample::Method::Known(KnownMethod::Get));
    assert!(set.matches(&get));
    assert!(set.matches(&s("PURGE").cast(SmpType::Meth).unwrap()));
    assert!(!set.matches(&s("purge").cast(SmpType::Meth).unwrap()));
    let dotted = Matcher {
        method: Method::Int,
        parser: Parser::DottedVersion,
    };
    let set = build(&mut reg, &fs, SmpType::Sint, Some(dotted), "gt 3.0").unwrap();
    assert!(set.matches(&Value::Sint(3 << 16 | 1)));
    assert!(!set.matches(&Value::Sint(3 << 16)));
    let set = build(&mut reg, &fs, SmpType::Sint, Some(dotted), "3.0:3.3").unwrap();
    assert!(set.matches(&Value::Sint(3 << 16 | 2)));
}

#[test]
fn errors_as_haproxy_words_them() {
    let cases: &[(SmpType, &str, &str)] = &[
        (SmpType::Str, "-m foo x", "unknown matching method 'foo' when parsing ACL expression"),
        (SmpType::Str, "-x b", "'-x' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"),
        (SmpType::Str, "-m int 1-2-3", "'1-2-3' is not a valid number range"),
        (SmpType::Str, "-m int x", "'x' is not a number"),
        (SmpType::Str, "-m int gt x", "'x' is neither a number nor a supported operator"),
        (SmpType::Str, "-m bin abc", "an even number of hex digit is expected"),
        (SmpType::Str, "-m bin abzz", "an hex digit is expected (found 'z')"),
        (SmpType::Str, "-m ip -n foo", "'foo' is not a valid IPv4 or IPv6 address"),
        (SmpType::Str, "-m ip 1.2.3.4.", "'1.2.3.4.' is not a valid IPv4 or IPv6 address"),
        (SmpType::Str, "-m ip 0x7f.1", "'0x7f.1' is not a valid IPv4 or IPv6 address (Rampart does not resolve host names in patterns: write the address, or give '-n' to refuse names as HAProxy does)"),
        (SmpType::Str, "-u x a", "the argument of -u must be an integer"),
        (SmpType::Str, "-f /nope", "failed to open pattern file </nope>"),
        (SmpType::Str, "-m reg (", "regex '(' is invalid (error=missing closing parenthesis, erroffset=1)"),
        (SmpType::Bin, "x", "matching method must be specified first (using '-m') when using a sample fetch of this type ('req.hdr')"),
        (SmpType::Bin, "-f x", "matching method must be specified first (using '-m') when using a sample fetch of this type ('req.hdr')"),
        (SmpType::Bool, "-m ip 1.2.3.4", "matching method 'ip' cannot be used with fetch keyword 'req.hdr'"),
    ];
    for (out, words, want) in cases {
        assert_eq!(&acl_err(*out, words), want, "{words}");
    }
}

#[test]
fn names_resolve_through_the_hook_only() {
    let mut reg = Registry::new();
    let fs = Files::default();
    let hosts = |n: &str| (n == "gw.local").then_some(Ipv4Addr::new(10, 9, 9, 9));
    let spec = AclSpec {
        kw: "src",
        keyword: None,
        out_type: SmpType::Ipv4,
    };
    let mut cx = LoadCx {
        registry: &mut reg,
        files: &fs,
        origin: Origin { file: "f", line: 1 },
        resolver: Some(&hosts),
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    let set = parse_acl_patterns(&["gw.local/24"], &spec, &mut cx).unwrap();
    assert!(set.matches(&Value::Ipv4(Ipv4Addr::new(10, 9, 9, 1))));
    assert_eq!(
        parse_acl_patterns(&["-n", "gw.local"], &spec, &mut cx).unwrap_err(),
        "'gw.local' is not a valid IPv4 or IPv6 address"
    );
    assert_eq!(
        parse_acl_patterns(&["other.local"], &spec, &mut cx).unwrap_err(),
        "'other.local' is not a valid IPv4 or IPv6 address"
    );
}

#[test]
fn files_and_flags_in_order() {
    let fs = files(&[
        ("list", "# comment\n  Foo\n\nbar baz \n"),
        ("map", "k1 v1\nk2   v 2\n"),
        ("bad", "1\nx\n"),
    ]);
    let mut reg = Registry::new();
    // -i applies to files named after it only.
    let set = build(&mut reg, &fs, SmpType::Str, None, "-f list -i x").unwrap();
    assert!(set.matches(&s("Foo")));
    assert!(!set.matches(&s("foo")));
    assert!(set.matches(&s("X")));
    assert!(set.matches(&s("bar baz ")));
    let set = build(&mut reg, &fs, SmpType::Str, None, "-i -f list").unwrap();
    assert!(set.matches(&s("foo")));
    // One file, one reference, whatever the users.
    assert_eq!(
        reg.refs()
            .iter()
            .filter(|r| r.name() == Some("list"))
            .count(),
        1
    );
    let set = build(&mut reg, &fs, SmpType::Str, None, "-M -f map").unwrap();
    assert!(set.matches(&s("k2")));
    assert!(!set.matches(&s("v1")));
    assert_eq!(
        build(&mut reg, &fs, SmpType::Str, None, "-f map").unwrap_err(),
        "The file \"map\" is already used as two column file and cannot be used by as one column file."
    );
    assert_eq!(
        build(&mut reg, &fs, SmpType::Str, None, "-m int -f bad").unwrap_err(),
        "'x' is not a number at line 2 of file 'bad'"
    );
    assert_eq!(
        build(&mut reg, &fs, SmpType::Str, None, "-f list -m str").unwrap_err(),
        "'-m' must only be specified before patterns and files in parsing ACL expression"
    );
    let r = reg.lookup("list").unwrap();
    assert_eq!(
        r.display(),
        "pattern loaded from file 'list' used by acl at file 't.cfg' line 3, by acl at file 't.cfg' line 3, \
         by acl at file 't.cfg' line 3"
    );
}

#[test]
fn unique_ids() {
    let mut reg = Registry::new();
    let fs = files(&[("f", "a\n")]);
    build(&mut reg, &fs, SmpType::Str, None, "-f f a").unwrap();
    build(&mut reg, &fs, SmpType::Str, None, "-u 1 b").unwrap();
    assert_eq!(
        build(&mut reg, &fs, SmpType::Str, None, "-u 1 c").unwrap_err(),
        "the id is already used"
    );
    build(&mut reg, &fs, SmpType::Str, None, "c").unwrap();
    reg.finalize();
    let ids: Vec<(i32, Option<&str>)> = reg
        .refs()
        .iter()
        .map(|r| (r.unique_id(), r.name()))
        .collect();
    assert_eq!(ids, vec![(0, Some("f")), (1, None), (2, None), (3, None)]);
    assert_eq!(reg.lookup_ref("#0").unwrap().name(), Some("f"));
    assert!(reg.lookup_ref("#9").is_none());
}

#[test]
fn ipv6_sample_against_ipv4_lists() {
    let set = acl("-m ip 10.0.0.0/255.0.255.0 ::1");
    let v6: Ipv6Addr = "::ffff:10.7.0.7".parse().unwrap();
    assert!(set.matches(&Value::Ipv6(v6)));
    assert!(set.matches(&Value::Ipv6(Ipv6Addr::LOCALHOST)));
    assert!(!set.matches(&Value::Ipv6("2001::1".parse().unwrap())));
}

#[test]
fn long_lists_use_indexes_with_list_semantics() {
    // More patterns than a scan handles: the answers must not change.
    let mut words = String::from("-m sub");
    for i in 0..40 {
        words.push_str(&format!(" k{i}x"));
    }
    let set = acl(&words);
    assert!(set.matches(&s("aak39xbb")));
    assert!(!set.matches(&s("k40x")));
    let mut words = String::from("-m dom -i");
    for i in 0..40 {
        words.push_str(&format!(" host{i}.example.com"));
    }
    let set = acl(&words);
    assert!(set.matches(&s("a.HOST7.example.com:443")));
    assert!(!set.matches(&s("xhost7.example.com")));
    assert!(!set.matches(&s("host7.example.comx")));
    let mut words = String::from("-m end");
    for i in 0..40 {
        words.push_str(&format!(" .s{i}"));
    }
    assert!(acl(&words).matches(&s("a.b.s33")));
    assert!(!acl(&words).matches(&s("a.b.s333")));
}

mod live;

#[test]
fn shared_across_worker_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Registry>();
    send_sync::<PatternSet>();
    send_sync::<crate::map::Map>();
    send_sync::<crate::args::Arg>();
    send_sync::<crate::regex::Regex>();
}
