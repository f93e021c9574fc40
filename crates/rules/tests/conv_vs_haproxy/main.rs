//! Converters against the real haproxy 2.6: every implemented converter on a few
//! hundred inputs (results compared byte for byte, types included), argument checks
//! compared with `haproxy -c`, and the catalogue compared with the list haproxy prints
//! (`-dKcnv`), so that each of its converters is either implemented or "not yet".

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cases;
#[path = "../common/mod.rs"]
mod common;
mod harness;

use rampart_rules::args::parse_args;
use rampart_rules::conv::{self, Lookup, CONVERTERS, NOT_YET};
use std::process::Command;

/// The local time zone of both sides: a POSIX rule with summer time, which needs no
/// zone files.
const TZ: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

#[test]
fn converters_match_haproxy() {
    // The library reads TZ once, on its first local date; this test is the only one
    // of this binary that formats dates.
    std::env::set_var("TZ", TZ);
    let cases = cases::all();
    let diffs = harness::compare(&cases, &[("TZ", TZ)]);
    assert!(
        diffs.is_empty(),
        "{} of {} results differ from haproxy's:\n{}",
        diffs.len(),
        cases.len(),
        diffs.join("\n")
    );
}

/// Rampart's verdict on the arguments of every converter of `expr`.
fn our_check(expr: &str) -> Result<(), String> {
    let mut rest = &expr[expr.find(')').map_or(expr.len(), |p| p + 1)..];
    while let Some(r) = rest.strip_prefix(',') {
        let end = r.find(['(', ',']).unwrap_or(r.len());
        let name = &r[..end];
        let d = match conv::lookup(name) {
            Lookup::Known(d) => d,
            Lookup::NotYet(n) => return Err(format!("NOT YET: {}", n.message(name))),
            Lookup::Unknown => return Err(format!("unknown converter '{name}'")),
        };
        let (mut args, used) = parse_args(&r[end..], &d.args)?;
        if let Some(check) = d.check {
            check(&mut args)?;
        }
        rest = &r[end + used..];
    }
    Ok(())
}

#[test]
fn argument_checks_match_haproxy() {
    let mut diffs = Vec::new();
    for expr in cases::checks() {
        let theirs = harness::haproxy_check(expr);
        let ours = our_check(expr);
        let same = match (&theirs, &ours) {
            (Ok(()), Ok(())) => true,
            // What waits for another part of Rampart is refused as such.
            (_, Err(e)) if e.contains("not supported yet") => true,
            (Err(t), Err(o)) => t.contains(o.as_str()) || o.starts_with("unknown converter"),
            _ => false,
        };
        if std::env::var_os("CONV_SHOW").is_some() {
            eprintln!("{expr}\n    haproxy: {theirs:?}\n    rampart: {ours:?}");
        }
        if !same {
            diffs.push(format!(
                "{expr}\n    haproxy: {theirs:?}\n    rampart: {ours:?}"
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "argument checks differ:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn catalogue_covers_haproxy() {
    let out = Command::new(harness::haproxy_bin())
        .args(["-dKcnv", "-q", "-c", "-f", "/dev/null"])
        .output()
        .expect("run haproxy -dKcnv");
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split([':', '(']).next())
        .filter(|n| !n.is_empty())
        .collect();
    assert!(
        names.len() > 100,
        "haproxy listed too few converters:\n{text}"
    );
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| matches!(conv::lookup(n), Lookup::Unknown))
        .collect();
    assert!(
        missing.is_empty(),
        "converters neither implemented nor listed as not yet: {missing:?}"
    );
    let invented: Vec<&str> = CONVERTERS
        .iter()
        .map(|d| d.name)
        .chain(NOT_YET.iter().map(|n| n.name))
        .filter(|n| !names.contains(n))
        .collect();
    assert!(
        invented.is_empty(),
        "converters haproxy 2.6 does not have: {invented:?}"
    );
}
