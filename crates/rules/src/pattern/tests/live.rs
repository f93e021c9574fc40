//! The runtime API's operations on references (`add`, `set`, `del`, `clear`,
//! `prepare`/`commit`), seen through the expressions that use them.

use super::*;

fn map_env() -> (Registry, Files) {
    (
        Registry::new(),
        files(&[("m", "/a A\n/a/b AB\n/c C\n"), ("l", "x\n")]),
    )
}

/// A `beg` set over file `m` as a map would load it, and the reference.
fn beg_map(reg: &mut Registry, fs: &Files) -> (PatternSet, Arc<PatRef>) {
    let r = reg
        .file(
            fs,
            "m",
            true,
            RefFlags {
                map: true,
                ..RefFlags::default()
            },
            Origin { file: "c", line: 1 },
            16384,
        )
        .unwrap();
    let m = Matcher::new(Method::Beg);
    let e = r
        .expr(m, Flags::default(), Some(ValueKind::Str), None)
        .unwrap();
    (PatternSet::with_exprs(m, SmpType::Str, vec![e]), r)
}

fn value(set: &PatternSet, input: &str) -> Option<String> {
    let hit = set.match_value(Value::str(input.as_bytes()))?;
    match hit.data()? {
        Value::Str(s) => Some(String::from_utf8_lossy(&s).into_owned()),
        other => Some(format!("{other:?}")),
    }
}

#[test]
fn add_set_del_clear() {
    let (mut reg, fs) = map_env();
    let (set, r) = beg_map(&mut reg, &fs);
    assert_eq!(value(&set, "/a/b/c").as_deref(), Some("AB"));
    let id = r.add(b"/a/b/c", Some(b"ABC")).unwrap();
    assert_eq!(value(&set, "/a/b/c").as_deref(), Some("ABC"));
    r.set(b"/a/b/c", b"new").unwrap();
    assert_eq!(value(&set, "/a/b/c/d").as_deref(), Some("new"));
    r.set_by_id(id, b"byid").unwrap();
    assert_eq!(value(&set, "/a/b/c").as_deref(), Some("byid"));
    assert_eq!(r.set(b"/zz", b"v").unwrap_err(), "entry not found");
    assert_eq!(
        r.set_by_id(999, b"v").unwrap_err(),
        "key or pattern not found"
    );
    assert!(r.del(b"/a/b"));
    assert!(!r.del(b"/a/b"));
    assert_eq!(value(&set, "/a/b").as_deref(), Some("A"));
    assert!(r.del_by_id(id));
    let keys: Vec<Vec<u8>> = r.entries(None).into_iter().map(|e| e.key).collect();
    assert_eq!(keys, vec![b"/a".to_vec(), b"/c".to_vec()]);
    r.clear();
    assert_eq!(value(&set, "/a"), None);
    assert!(r.entries(None).is_empty());
}

#[test]
fn a_refused_entry_changes_nothing() {
    let (mut reg, fs) = map_env();
    let (set, r) = beg_map(&mut reg, &fs);
    // An integer map on the same file: a value that is not a number is refused for both.
    let m = Matcher::new(Method::Str);
    let ints = r.expr(m, Flags::default(), Some(ValueKind::Int), None);
    assert_eq!(
        ints.unwrap_err(),
        "unable to parse 'A' at line 1 of file 'm'"
    );
    let ip = Matcher::new(Method::Ip);
    r.clear();
    let ips = r
        .expr(
            ip,
            Flags {
                no_dns: true,
                ..Flags::default()
            },
            Some(ValueKind::Str),
            None,
        )
        .unwrap();
    assert_eq!(
        r.add(b"/x", Some(b"X")).unwrap_err(),
        "'/x' is not a valid IPv4 or IPv6 address"
    );
    assert!(r.entries(None).is_empty());
    r.add(b"10.0.0.0/8", Some(b"ten")).unwrap();
    assert_eq!(ips.len(), 1);
    assert_eq!(value(&set, "10.0.0.0/8/x").as_deref(), Some("ten"));
    // A value an integer map cannot read is refused, and the entry keeps its value.
    let fs = files(&[("n", "k 1\n")]);
    let users = RefFlags {
        map: true,
        ..RefFlags::default()
    };
    let n = reg
        .file(&fs, "n", true, users, Origin { file: "c", line: 2 }, 16384)
        .unwrap();
    let m = Matcher::new(Method::Str);
    let e = n
        .expr(m, Flags::default(), Some(ValueKind::Int), None)
        .unwrap();
    let ints = PatternSet::with_exprs(m, SmpType::Str, vec![e]);
    assert_eq!(n.set(b"k", b"x").unwrap_err(), "unable to parse 'x'");
    assert_eq!(value(&ints, "k").as_deref(), Some("Sint(1)"));
    n.set(b"k", b"2").unwrap();
    assert_eq!(value(&ints, "k").as_deref(), Some("Sint(2)"));
}

#[test]
fn generations() {
    let (mut reg, fs) = map_env();
    let (set, r) = beg_map(&mut reg, &fs);
    let v = r.prepare();
    assert_eq!(v, 1);
    r.add_at(v, b"/", Some(b"ROOT")).unwrap();
    // Not in force until committed.
    assert_eq!(value(&set, "/zz"), None);
    assert_eq!(value(&set, "/a").as_deref(), Some("A"));
    assert_eq!(r.entries(Some(v)).len(), 1);
    assert!(!r.commit(v + 1));
    assert!(r.commit(v));
    assert_eq!(r.curr_gen(), v);
    assert_eq!(value(&set, "/zz").as_deref(), Some("ROOT"));
    assert_eq!(value(&set, "/a").as_deref(), Some("ROOT"));
    assert_eq!(r.entries(Some(0)).len(), 0);
    // Clearing another generation leaves the one in force alone.
    let w = r.prepare();
    r.add_at(w, b"/w", Some(b"W")).unwrap();
    r.clear_gen(w);
    assert!(r.entries(Some(w)).is_empty());
    assert_eq!(value(&set, "/a").as_deref(), Some("ROOT"));
}

#[test]
fn lookups_take_no_lock() {
    let (mut reg, fs) = map_env();
    let (set, r) = beg_map(&mut reg, &fs);
    // The writers' lock is held on this very thread: a lookup that took it would
    // deadlock (std's mutex is not reentrant).
    let held = r.hold();
    assert_eq!(value(&set, "/c").as_deref(), Some("C"));
    drop(held);
}

#[test]
fn readers_see_whole_updates_while_a_writer_works() {
    let (mut reg, fs) = map_env();
    let (set, r) = beg_map(&mut reg, &fs);
    let set = Arc::new(set);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (set, stop) = (set.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && seen < 1_000_000 {
                    // "/a" is always there, under one of its two values.
                    let v = value(&set, "/a/x").unwrap();
                    assert!(v == "A" || v == "A2", "{v}");
                    seen += 1;
                }
                seen
            })
        })
        .collect();
    for i in 0..200 {
        r.set(b"/a", if i % 2 == 0 { b"A2" } else { b"A" }).unwrap();
        r.add(format!("/k{i}").as_bytes(), Some(b"v")).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in readers {
        assert!(t.join().unwrap() > 0);
    }
    assert_eq!(value(&set, "/k199").as_deref(), Some("v"));
}

#[test]
fn acl_references_take_acl_entries() {
    let mut reg = Registry::new();
    let fs = files(&[("l", "a\n")]);
    let set = build(&mut reg, &fs, SmpType::Str, None, "-f l").unwrap();
    let r = reg.lookup("l").unwrap().clone();
    assert!(!set.matches(&Value::str(b"b")));
    r.add(b"b", None).unwrap();
    assert!(set.matches(&Value::str(b"b")));
    assert!(r.flags().acl && !r.flags().smp);
    let inline = reg.refs().iter().find(|r| r.name().is_none()).unwrap();
    assert!(inline
        .display()
        .starts_with("acl 'req.hdr' file 't.cfg' line 3"));
}

/// Random runtime changes: after each, every method's incremental publication answers
/// as a full build of the same entries does (same pattern, same value).
#[test]
fn incremental_publication_answers_as_a_full_build() {
    let methods = [
        Method::Str,
        Method::Beg,
        Method::End,
        Method::Sub,
        Method::Dom,
        Method::Ip,
        Method::Int,
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let keys_of = |m: Method, r: u64| -> String {
        match m {
            Method::Ip => match r % 4 {
                0 => format!("10.{}.0.0/16", r % 3),
                1 => format!("10.{}.{}.1", r % 3, r % 5),
                2 => format!("10.0.0.0/{}", 8 + r % 20),
                _ => format!("::ffff:10.{}.0.0/{}", r % 3, 104 + r % 16),
            },
            Method::Int => match r % 3 {
                0 => format!("{}", r % 7),
                1 => format!("{}:{}", r % 4, 3 + r % 5),
                _ => format!(":{}", r % 6),
            },
            _ => ["a", "ab", "abc", "b", "a.b", "b.c", "ca", "x.ab", "AB"][(r % 9) as usize]
                .to_string(),
        }
    };
    let probes_of = |m: Method| -> Vec<String> {
        match m {
            Method::Ip => [
                "10.0.0.1",
                "10.1.4.1",
                "10.2.0.9",
                "::ffff:10.1.3.3",
                "11.0.0.1",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            Method::Int => (0..9).map(|i| i.to_string()).collect(),
            _ => [
                "a", "ab", "abc", "abcd", "x.ab", "a.b.c", "zab", "ca", "AB", "b",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    };
    for m in methods {
        let mut reg = Registry::new();
        let r = reg.new_inline(-1, "t".into());
        let matcher = Matcher::new(m);
        let flags = Flags {
            no_dns: true,
            ..Flags::default()
        };
        let e = r.expr(matcher, flags, Some(ValueKind::Str), None).unwrap();
        let set = PatternSet::with_exprs(matcher, m.expected_type(), vec![e]);
        for step in 0..300 {
            let k = keys_of(m, rnd(1000));
            match rnd(10) {
                0..=5 => {
                    r.add(k.as_bytes(), Some(format!("v{step}").as_bytes()))
                        .unwrap();
                }
                6 | 7 => {
                    let _ = r.set(k.as_bytes(), format!("s{step}").as_bytes());
                }
                8 => {
                    r.del(k.as_bytes());
                }
                _ => {
                    let g = r.prepare();
                    for e in r.entries(None) {
                        if rnd(4) != 0 {
                            r.add_at(g, &e.key, e.value.as_deref()).unwrap();
                        }
                    }
                    r.add_at(g, k.as_bytes(), Some(b"committed")).unwrap();
                    assert!(r.commit(g));
                }
            }
            // The reference answers: the same entries, built in one go.
            let fresh = reg.new_inline(-1, "f".into());
            let entries = r.entries(None);
            let fe = fresh
                .expr(matcher, flags, Some(ValueKind::Str), None)
                .unwrap();
            fresh
                .add_many(entries.iter().map(|e| (&e.key[..], e.value.as_deref())))
                .unwrap();
            fresh.rebuild();
            let full = PatternSet::with_exprs(matcher, m.expected_type(), vec![fe]);
            for p in probes_of(m) {
                let answer = |s: &PatternSet| {
                    s.match_value(Value::str(p.as_bytes()))
                        .map(|h| (h.pattern().map(<[u8]>::to_vec), format!("{:?}", h.data())))
                };
                assert_eq!(answer(&set), answer(&full), "{m:?} step {step} probe {p}");
            }
        }
    }
}

#[test]
fn entries_added_to_a_bool_or_found_set_change_nothing() {
    let mut reg = Registry::new();
    let fs = Files::default();
    let set = build(&mut reg, &fs, SmpType::Sint, None, "-m bool x").unwrap();
    let inline = reg.refs().last().unwrap().clone();
    inline.add(b"y", None).unwrap();
    assert!(!set.matches(&Value::Sint(0)));
    let hit = set.match_value(Value::Sint(3)).unwrap();
    assert_eq!(hit.pattern(), None);
    assert_eq!(hit.data(), None);
}

#[test]
fn frozen_snapshots_give_way_to_runtime_changes() {
    let mut reg = Registry::new();
    let fs = files(&[("l", "a\n")]);
    let set = build(&mut reg, &fs, SmpType::Str, None, "-f l").unwrap();
    let other = build(&mut reg, &fs, SmpType::Str, None, "c").unwrap();
    // The configuration is loaded: the expressions read their frozen snapshots.
    reg.finalize();
    assert!(set.matches(&Value::str(b"a")));
    assert!(!set.matches(&Value::str(b"b")));
    // A change through the runtime API is seen at once, by this set only.
    let r = reg.lookup("l").unwrap().clone();
    r.add(b"b", None).unwrap();
    assert!(set.matches(&Value::str(b"b")));
    assert!(r.del(b"a"));
    assert!(!set.matches(&Value::str(b"a")));
    assert!(other.matches(&Value::str(b"c")));
    assert!(!other.matches(&Value::str(b"b")));
}
