//! Map loading and lookups (`map.c`), with files held in memory.

use super::*;
use crate::args::parse_args;
use crate::conv::{apply, find, Cx};
use crate::pattern::{FileSource, Origin, Registry};
use std::collections::HashMap;

struct Files(HashMap<&'static str, &'static str>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| format!("failed to open pattern file <{path}>"))
    }
}

const FILES: &[(&str, &str)] = &[
    ("beg", "/ root\n/api api\n/api/v2 v2\n/api dup\n"),
    ("str", "k first\nk second\nK upper\n"),
    ("end", ".com com\nexample.com ex\n"),
    (
        "ip",
        "10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n10.1.2.3 host\n::1 six\n0.0.0.0/0 any\n",
    ),
    ("int", "1 one\n5:10 range\n7 seven\n"),
    (
        "regm",
        "^/u/([a-z]+)/(\\d+) user=\\1,id=\\2\n^/(.*) rest=\\1\n",
    ),
    ("ints", "a 1\nb -7\nc\n"),
    ("badint", "a 1\nb x\n"),
    ("badkey", "10.0.0.1 a\nhost b\n"),
    ("addrs", "a 10.0.0.1\nb ::1\n"),
];

struct Env {
    reg: Registry,
    files: Files,
}

impl Env {
    fn new() -> Env {
        Env {
            reg: Registry::new(),
            files: Files(FILES.iter().copied().collect()),
        }
    }

    fn conv(&mut self, name: &str, args: &str) -> Result<Vec<Arg>, String> {
        let d = find(name).unwrap();
        let (mut a, _) = parse_args(args, &d.args)?;
        let mut cx = LoadCx {
            registry: &mut self.reg,
            files: &self.files,
            origin: Origin {
                file: "t.cfg",
                line: 7,
            },
            resolver: None,
            bufsize: 16384,
            proc_vars: Vec::new(),
        };
        load(name, &mut a, &mut cx)?;
        (d.check.unwrap())(&mut a)?;
        Ok(a)
    }

    /// Runs converter `name(args)` on string `input`, rendered as text.
    fn run(&mut self, name: &str, args: &str, input: &str) -> Option<String> {
        let a = self
            .conv(name, args)
            .unwrap_or_else(|e| panic!("{name}{args}: {e}"));
        let d = find(name).unwrap();
        let out = apply(d, Value::str(input.as_bytes()), &a, &Cx::default())?;
        match out.cast(SmpType::Str)? {
            Value::Str(s) => Some(String::from_utf8_lossy(&s).into_owned()),
            _ => None,
        }
    }
}

#[test]
fn which_entry_answers() {
    let mut e = Env::new();
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        // beg is a prefix tree: the longest key wins, a repeated key answers first.
        ("map_beg", "(beg)", "/api/v2/x", Some("v2")),
        ("map_beg", "(beg)", "/api/v1", Some("api")),
        ("map_beg", "(beg)", "/x", Some("root")),
        ("map_beg", "(beg)", "x", None),
        ("map_beg", "(beg,none)", "x", Some("none")),
        // str: exact, case-sensitive, first of repeated keys.
        ("map", "(str)", "k", Some("first")),
        ("map_str", "(str)", "K", Some("upper")),
        ("map", "(str,-)", "kk", Some("-")),
        // end is a list: the first suffix in file order, not the longest.
        ("map_end", "(end)", "www.example.com", Some("com")),
        // ip: longest prefix.
        ("map_ip", "(ip)", "10.1.2.3", Some("host")),
        ("map_ip", "(ip)", "10.1.9.9", Some("ten-one")),
        ("map_ip", "(ip)", "10.2.0.1", Some("ten")),
        ("map_ip", "(ip)", "192.168.0.1", Some("any")),
        ("map_ip", "(ip)", "::1", Some("six")),
        ("map_ip", "(ip,x)", "not-an-ip", None),
        // int: a list in file order.
        ("map_int", "(int)", "7", Some("range")),
        ("map_int", "(int)", "1", Some("one")),
        ("map_int", "(int,no)", "11", Some("no")),
        // regm: the value is a replacement template.
        ("map_regm", "(regm)", "/u/bob/42", Some("user=bob,id=42")),
        ("map_regm", "(regm)", "/static/x", Some("rest=static/x")),
        ("map_reg", "(regm)", "/u/bob/42", Some("user=\\1,id=\\2")),
        // Output types.
        ("map_str_int", "(ints)", "b", Some("-7")),
        ("map_str_int", "(ints)", "c", Some("0")),
        ("map_str_int", "(ints,99)", "z", Some("99")),
        ("map_str_ip", "(addrs)", "b", Some("::1")),
        ("map_str_ip", "(addrs,1.2.3.4)", "z", Some("1.2.3.4")),
    ];
    for &(conv, args, input, want) in cases {
        assert_eq!(
            e.run(conv, args, input).as_deref(),
            want,
            "{conv}{args} on {input:?}"
        );
    }
}

#[test]
fn load_errors() {
    let mut e = Env::new();
    let cases: &[(&str, &str, &str)] = &[
        ("map", "(nope)", "failed to open pattern file <nope>"),
        (
            "map_str_int",
            "(badint)",
            "unable to parse 'x' at line 2 of file 'badint'",
        ),
        (
            "map_ip",
            "(badkey)",
            "'host' is not a valid IPv4 or IPv6 address at line 2 of file 'badkey'",
        ),
        (
            "map_int",
            "(str)",
            "'k' is not a number at line 1 of file 'str'",
        ),
        (
            "map_ip_ip",
            "(addrs,foo)",
            "'a' is not a valid IPv4 or IPv6 address at line 1 of file 'addrs'",
        ),
        (
            "map_str_ip",
            "(addrs,foo)",
            "map: cannot parse default ip <foo>.",
        ),
    ];
    for &(conv, args, want) in cases {
        assert_eq!(e.conv(conv, args).unwrap_err(), want, "{conv}{args}");
    }
}

#[test]
fn one_reference_per_file_shared_by_all_users() {
    let mut e = Env::new();
    let a = e.conv("map_beg", "(beg)").unwrap();
    let b = e.conv("map_str", "(beg)").unwrap();
    let (Arg::Map(a), Arg::Map(b)) = (&a[0], &b[0]) else {
        panic!("not loaded");
    };
    assert!(Arc::ptr_eq(a.reference(), b.reference()));
    // A runtime change reaches both methods at once.
    a.reference().add(b"/new", Some(b"fresh")).unwrap();
    assert_eq!(
        a.lookup(Value::str(b"/new/x"), 16384),
        Some(Value::Str(Cow::Owned(b"fresh".to_vec())))
    );
    assert_eq!(
        b.lookup(Value::str(b"/new"), 16384),
        Some(Value::Str(Cow::Owned(b"fresh".to_vec())))
    );
    assert!(a.reference().flags().map && !a.reference().flags().acl);
}

#[test]
fn values_are_bounded_by_bufsize() {
    let mut e = Env::new();
    let a = e.conv("map", "(str)").unwrap();
    let Arg::Map(m) = &a[0] else { panic!() };
    assert_eq!(
        m.lookup(Value::str(b"k"), 4),
        Some(Value::Str(Cow::Owned(b"fir".to_vec())))
    );
    let a = e.conv("map_regm", "(regm)").unwrap();
    let Arg::Map(m) = &a[0] else { panic!() };
    // The replacement does not fit: the converter fails, as HAProxy's.
    assert_eq!(m.lookup(Value::str(b"/u/bob/42"), 8), None);
}

#[test]
fn unloaded_arguments_are_refused() {
    let d = find("map").unwrap();
    let (mut a, _) = parse_args("(f)", &d.args).unwrap();
    assert!((d.check.unwrap())(&mut a).is_err());
    assert_eq!(conv(Value::str(b"x"), &a, &Cx::default()), None);
    assert!(is_map_converter("map_dom_ip"));
    assert!(!is_map_converter("lower"));
}
