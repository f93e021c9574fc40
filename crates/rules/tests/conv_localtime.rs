//! `ltime` in a time zone read from the system's zone files (TZif, with transitions
//! and the rule after them), against haproxy 2.6 with the same `TZ`: historical and
//! future dates, both sides of the summer time changes. Its own test binary, since the
//! library reads `TZ` once per process.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
// This binary uses part of the harness only.
#[allow(dead_code)]
#[path = "conv_vs_haproxy/harness.rs"]
mod harness;

const ZONE: &str = "America/New_York";

#[test]
fn ltime_with_zone_files_matches_haproxy() {
    assert!(
        std::path::Path::new("/usr/share/zoneinfo")
            .join(ZONE)
            .exists(),
        "/usr/share/zoneinfo/{ZONE} is missing: install tzdata (.ci/run does)"
    );
    std::env::set_var("TZ", ZONE);
    // Dates before 1970 come from the offset (inputs are masked to positive values).
    let past = ["-2717650000", "-2000000000", "-1633280400", "-1"];
    let times = [
        "0",
        "68000000",
        "1000000000",
        "1710054000",
        "1710053999",
        "1730613600",
        "1730613599",
        "1730617200",
        "2147483647",
        "2500000000",
        "4102444800",
        "32503680000",
        // Masked to 55 bits: around year 1,141,709,000, past glibc's int day count.
        "-1633280400",
        "36028797018963967",
    ];
    let mut cases = Vec::new();
    for t in times {
        for f in ["%F %T %Z %z %s", "%c %x %X %p %j %U %V %G"] {
            cases.push(harness::full(&format!("int({t}),ltime('{f}')")));
        }
        cases.push(harness::full(&format!("int({t}),ltime(%H:%M,-7200)")));
    }
    for off in past {
        cases.push(harness::full(&format!(
            "int(0),ltime('%F %T %Z %z %s',{off})"
        )));
    }
    let diffs = harness::compare(&cases, &[("TZ", ZONE)]);
    assert!(
        diffs.is_empty(),
        "{} of {} local dates differ from haproxy's:\n{}",
        diffs.len(),
        cases.len(),
        diffs.join("\n")
    );
}
