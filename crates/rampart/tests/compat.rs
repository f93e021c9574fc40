//! The compatibility corpus: `rampart -c` must judge every configuration exactly as Debian's
//! HAProxy 2.6 `haproxy -c` does (valid = exit 0, invalid = any other exit code).
//!
//! Cases:
//! - every `../shared/configs/*/haproxy.cfg` (the reference configurations beside the repo);
//! - every `examples/*.cfg` (the README's quickstart must stay valid for both);
//! - every `tests/compat/*.cfg` (small files, each named by what it covers; the `valid-` /
//!   `invalid-` prefix is only for readers, the truth is what haproxy says at test time).
//!
//! Each case is run by both programs with the same arguments (`-c -f <file name>`), from the
//! configuration's own directory (so relative paths such as `files/503.http` resolve), and
//! with the same environment: the test's environment is cleared and replaced by `PATH`,
//! `LANG=C` and these fixed variables, which corpus files use to test `${VAR}` expansion:
//!
//! | variable       | value                                  |
//! |----------------|----------------------------------------|
//! | `COMPAT_ADDR`  | `127.0.0.1`                            |
//! | `COMPAT_PORT`  | `18080`                                |
//! | `COMPAT_NAME`  | `compat`                               |
//! | `COMPAT_EMPTY` | the empty string (set, but empty)      |
//! | `COMPAT_WORDS` | `check inter 3s` (for `"${VAR[*]}"`)   |
//! | `COMPAT_FILES` | absolute path of `tests/compat/files`  |
//!
//! `COMPAT_UNSET*` names are never set.
//!
//! Verdicts must agree. The only accepted disagreement is a configuration that haproxy
//! accepts and Rampart rejects *solely* with "... is not supported yet" alerts, and that is
//! listed in `tests/compat/expected-gaps.txt`. Any other disagreement fails, and so does a
//! listed configuration that now agrees (remove it from the list: the list only shrinks).
//! `RAMPART_COMPAT_UPDATE_GAPS=1 cargo test -p rampart --test compat` rewrites the list
//! from the current run (only pure "not supported yet" gaps are ever written).
//!
//! Beyond verdicts, Rampart must never die by a signal, panic, hang, or reject without an
//! `[ALERT]` line. `hostile_inputs_get_diagnostics` feeds it generated hostile files
//! (binary garbage, invalid UTF-8, 1 MiB lines, 10,000 nested `.if`, unterminated quotes,
//! a million arguments on a line...) under a time and address-space bound.
//!
//! haproxy must be installed (the test installs it with apt-get when missing, as `.ci/run` does; or set
//! `HAPROXY_BIN`): the test fails, never skips, without it. The shared `l4` configuration
//! binds in network namespace `tenant-a`, which haproxy opens even with `-c`: the test
//! creates missing namespaces with `ip netns add` (root needed) and fails with the
//! instruction when it cannot.

mod common;

use common::{collect_cases, ensure_namespaces, run_all, run_program, Case, Env, Outcome, Run};
use common::{CASE_TIMEOUT, NOT_YET};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// HAProxy's closing alerts, which say that errors were found but are not errors themselves.
const SUMMARY_ALERTS: &[&str] = &[
    "Error(s) found in configuration file",
    "Fatal errors found in configuration",
];

/// Lines of each program's output shown per disagreement.
const SHOWN_LINES: usize = 30;

// ---------------------------------------------------------------------------------------
// The tests

#[test]
fn corpus_verdicts_agree_with_haproxy() {
    let env = Env::discover().unwrap_or_else(|msg| panic!("{msg}"));
    let cases = collect_cases(&env);
    let shared_count = cases
        .iter()
        .filter(|c| c.label.starts_with("../shared/"))
        .count();
    assert!(
        shared_count > 0,
        "no reference configuration found in {}: the repo must sit beside shared/",
        env.shared.join("configs").display()
    );
    let corpus_count = cases
        .iter()
        .filter(|c| c.label.starts_with("tests/compat/"))
        .count();
    assert!(
        corpus_count >= 100,
        "tests/compat/ holds {corpus_count} configurations; the corpus needs at least 100"
    );
    ensure_namespaces(&cases).unwrap_or_else(|msg| panic!("{msg}"));
    let gaps_path = env.repo.join("tests/compat/expected-gaps.txt");
    let gaps = read_gaps(&gaps_path).unwrap_or_else(|msg| panic!("{msg}"));

    let started = Instant::now();
    let results = run_all(&env, &cases);
    let report = judge(&cases, &results, &gaps);
    let mut out = String::new();
    report.render(&mut out, cases.len(), started.elapsed());
    println!("{out}");

    if std::env::var_os("RAMPART_COMPAT_UPDATE_GAPS").is_some() {
        let written = write_gaps(&gaps_path, &report.allowed_or_new_gaps);
        assert!(
            written.is_ok(),
            "cannot write {}: {:?}",
            gaps_path.display(),
            written.err()
        );
        println!(
            "rewrote {} with {} entries",
            gaps_path.display(),
            report.allowed_or_new_gaps.len()
        );
    }

    common::assert_no_failures(&report.failures, cases.len(), "the compatibility check");
}

#[test]
fn hostile_inputs_get_diagnostics() {
    let env = Env::discover().unwrap_or_else(|msg| panic!("{msg}"));
    let dir = std::env::temp_dir().join(format!("rampart-compat-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let mut failures = Vec::new();
    let mut table = String::new();
    for h in hostile_cases() {
        let path = dir.join(h.name);
        if let Err(e) = std::fs::write(&path, &h.bytes) {
            failures.push(format!("{}: cannot write {}: {e}", h.name, path.display()));
            continue;
        }
        let case = Case {
            label: h.name.to_string(),
            dir: dir.clone(),
            file: h.name.to_string(),
        };
        let hap = run_program(&env.haproxy, &case, &env, None);
        let ram = run_program(&env.rampart, &case, &env, Some(HOSTILE_ADDRESS_SPACE_KIB));
        let _ = writeln!(
            table,
            "  {:<34} haproxy {:<14} rampart {:<14} {:>6} ms",
            h.name,
            hap.outcome.to_string(),
            ram.outcome.to_string(),
            ram.elapsed.as_millis()
        );
        if hap.outcome != Outcome::Exit(h.haproxy_exit) {
            failures.push(format!(
                "{}: haproxy gave {} where the generator expects exit {} ({}): the input no \
                 longer tests what it should\n{}",
                h.name,
                hap.outcome,
                h.haproxy_exit,
                h.what,
                excerpt(&hap.output)
            ));
        }
        let rampart_ok = match (h.haproxy_exit, &ram.outcome) {
            (0, Outcome::Exit(0)) => true,
            (want, Outcome::Exit(got)) if want != 0 => *got == want && has_alert(&ram.output),
            _ => false,
        };
        if !rampart_ok || ram.output.contains("panicked at") {
            failures.push(format!(
                "{} ({}): rampart gave {} in {} ms; expected exit {}{} within {} s, no \
                 signal, no panic\n{}",
                h.name,
                h.what,
                ram.outcome,
                ram.elapsed.as_millis(),
                h.haproxy_exit,
                if h.haproxy_exit == 0 {
                    ""
                } else {
                    " with an [ALERT] line"
                },
                CASE_TIMEOUT.as_secs(),
                excerpt(&ram.output)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "hostile inputs (address space capped at {} MiB):\n{table}",
        HOSTILE_ADDRESS_SPACE_KIB / 1024
    );
    assert!(
        failures.is_empty(),
        "hostile inputs:\n{}",
        failures.join("\n")
    );
}

/// Address space allowed to rampart on hostile inputs (KiB), enforced with `ulimit -v`.
const HOSTILE_ADDRESS_SPACE_KIB: u64 = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Judging

/// The `[ALERT]` lines of an output, without HAProxy's closing summary alerts.
fn alert_lines(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| l.starts_with("[ALERT]"))
        .filter(|l| !SUMMARY_ALERTS.iter().any(|s| l.contains(s)))
        .collect()
}

fn has_alert(output: &str) -> bool {
    output.lines().any(|l| l.starts_with("[ALERT]"))
}

/// True when Rampart refused only because of features it does not have yet.
fn only_not_yet(output: &str) -> bool {
    let alerts = alert_lines(output);
    !alerts.is_empty() && alerts.iter().all(|l| l.contains(NOT_YET))
}

/// The line numbers that `[file:N]` references in alert lines point at.
fn alert_line_numbers(output: &str, file: &str) -> BTreeSet<u64> {
    let needle = format!("{file}:");
    let mut lines = BTreeSet::new();
    for l in alert_lines(output) {
        let mut rest = l;
        while let Some(at) = rest.find(&needle) {
            rest = &rest[at + needle.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                lines.insert(n);
            }
        }
    }
    lines
}

#[derive(Default)]
struct Report {
    /// One line per failing case.
    failures: Vec<String>,
    /// Detailed blocks: every disagreement and failure, with both outputs.
    details: Vec<String>,
    /// Listed gaps that are still pure "not supported yet" gaps.
    allowed: Vec<String>,
    /// What `expected-gaps.txt` would hold if rewritten from this run.
    allowed_or_new_gaps: Vec<String>,
    /// Cases where both programs reject but point at different lines (information only).
    notes: Vec<String>,
    agree_valid: usize,
    agree_invalid: usize,
    /// Of `agree_invalid`: rampart refused only with "not supported yet".
    agree_invalid_not_yet: usize,
}

fn judge(cases: &[Case], results: &[(Run, Run)], gaps: &BTreeSet<String>) -> Report {
    let mut r = Report::default();
    let labels: BTreeSet<&str> = cases.iter().map(|c| c.label.as_str()).collect();
    for stale in gaps.iter().filter(|g| !labels.contains(g.as_str())) {
        r.failures.push(format!(
            "{stale}: listed in tests/compat/expected-gaps.txt but no such configuration exists \
             (remove it from the list)"
        ));
    }
    for (case, (hap, ram)) in cases.iter().zip(results) {
        let listed = gaps.contains(&case.label);
        let block = |why: &str| detail_block(case, hap, ram, why);
        let Some(hap_valid) = hap.outcome.verdict() else {
            r.failures
                .push(format!("{}: haproxy {}", case.label, hap.outcome));
            r.details.push(block(
                "haproxy itself did not judge this configuration: the corpus must only hold \
                 files haproxy -c answers (fix or remove the file)",
            ));
            continue;
        };
        let Some(ram_valid) = ram.outcome.verdict() else {
            r.failures
                .push(format!("{}: rampart {}", case.label, ram.outcome));
            r.details
                .push(block("rampart must never crash, be killed or hang"));
            continue;
        };
        if ram.output.contains("panicked at") {
            r.failures.push(format!("{}: rampart panicked", case.label));
            r.details.push(block("rampart panicked"));
            continue;
        }
        if let Outcome::Exit(code) = ram.outcome {
            if code != 0 && code != 2 && !has_alert(&ram.output) {
                r.failures.push(format!(
                    "{}: rampart exited {code} without any [ALERT] line",
                    case.label
                ));
                r.details.push(block(
                    "an invalid verdict must come with an [ALERT] diagnostic",
                ));
                continue;
            }
        }
        let named = if case.file.starts_with("valid-") {
            Some(true)
        } else if case.file.starts_with("invalid-") {
            Some(false)
        } else {
            None
        };
        if named.is_some_and(|n| n != hap_valid) {
            r.notes.push(format!(
                "{}: its name says {} but haproxy says {}: rename it",
                case.label,
                verdict_word(!hap_valid),
                verdict_word(hap_valid)
            ));
        }
        let pure_gap = hap_valid && !ram_valid && only_not_yet(&ram.output);
        if hap_valid == ram_valid {
            if hap_valid {
                r.agree_valid += 1;
            } else {
                r.agree_invalid += 1;
                let h = alert_line_numbers(&hap.output, &case.file);
                let m = alert_line_numbers(&ram.output, &case.file);
                if only_not_yet(&ram.output) {
                    r.agree_invalid_not_yet += 1;
                    r.notes.push(format!(
                        "{}: both reject it, rampart only with \"{NOT_YET}\" (the diagnostic \
                         it covers is not exercised yet)",
                        case.label
                    ));
                } else if let Some(first) = h.iter().next().filter(|f| !m.contains(f)) {
                    r.notes.push(format!(
                        "{}: haproxy's first error is at line {first}, rampart reports lines {m:?}",
                        case.label
                    ));
                }
            }
            if listed {
                r.failures.push(format!(
                    "{}: verdicts now agree, remove it from tests/compat/expected-gaps.txt",
                    case.label
                ));
            }
            continue;
        }
        if pure_gap {
            r.allowed_or_new_gaps.push(case.label.clone());
        }
        match (listed, pure_gap) {
            (true, true) => {
                r.allowed.push(case.label.clone());
            }
            (true, false) => {
                r.failures.push(format!(
                    "{}: listed as a gap, but rampart's refusal is not only \"{NOT_YET}\"",
                    case.label
                ));
                r.details.push(block(
                    "listed in expected-gaps.txt, but a gap may only be rampart rejecting a \
                     config haproxy accepts, with nothing but \"not supported yet\" alerts",
                ));
            }
            (false, true) => {
                r.failures.push(format!(
                    "{}: rampart rejects it only with \"{NOT_YET}\"; add it to \
                     tests/compat/expected-gaps.txt if that is expected",
                    case.label
                ));
                r.details.push(block("unlisted \"not supported yet\" gap"));
            }
            (false, false) => {
                r.failures.push(format!(
                    "{}: haproxy says {}, rampart says {}",
                    case.label,
                    verdict_word(hap_valid),
                    verdict_word(ram_valid)
                ));
                r.details.push(block("verdicts disagree"));
            }
        }
    }
    r.allowed_or_new_gaps.sort();
    r
}

fn verdict_word(valid: bool) -> &'static str {
    if valid {
        "valid"
    } else {
        "invalid"
    }
}

fn detail_block(case: &Case, hap: &Run, ram: &Run, why: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "=== {} — {why}", case.label);
    let _ = writeln!(
        s,
        "--- haproxy: {} in {} ms",
        hap.outcome,
        hap.elapsed.as_millis()
    );
    s.push_str(&excerpt(&hap.output));
    let _ = writeln!(
        s,
        "--- rampart: {} in {} ms",
        ram.outcome,
        ram.elapsed.as_millis()
    );
    s.push_str(&excerpt(&ram.output));
    s
}

/// The first lines of an output, NOTICE banners dropped, long lines cut.
fn excerpt(output: &str) -> String {
    let mut s = String::new();
    let lines: Vec<&str> = output
        .lines()
        .filter(|l| !l.starts_with("[NOTICE]"))
        .collect();
    for l in lines.iter().take(SHOWN_LINES) {
        let cut: String = l.chars().take(240).collect();
        let more = if cut.len() < l.len() { " [...]" } else { "" };
        let _ = writeln!(s, "    | {cut}{more}");
    }
    if lines.len() > SHOWN_LINES {
        let _ = writeln!(s, "    | ... {} more lines", lines.len() - SHOWN_LINES);
    }
    if lines.is_empty() {
        let _ = writeln!(s, "    | (no output)");
    }
    s
}

impl Report {
    fn render(&self, out: &mut String, total: usize, took: Duration) {
        for d in &self.details {
            out.push_str(d);
        }
        if !self.notes.is_empty() {
            let _ = writeln!(
                out,
                "=== notes (not failures): agreements that do not exercise what the file covers"
            );
            for n in &self.notes {
                let _ = writeln!(out, "  {n}");
            }
        }
        let _ = writeln!(
            out,
            "=== compatibility corpus: {total} configurations in {} ms",
            took.as_millis()
        );
        let _ = writeln!(
            out,
            "  agree: {} ({} valid, {} invalid, of which {} only through \"not supported yet\"); \
             listed gaps still open: {}; failing: {}",
            self.agree_valid + self.agree_invalid,
            self.agree_valid,
            self.agree_invalid,
            self.agree_invalid_not_yet,
            self.allowed.len(),
            self.failures.len()
        );
        if !self.failures.is_empty() {
            let _ = writeln!(out, "  disagreements and failures:");
            for f in &self.failures {
                let _ = writeln!(out, "    {f}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// expected-gaps.txt

fn read_gaps(path: &Path) -> Result<BTreeSet<String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

const GAPS_HEADER: &str = "\
# Configurations haproxy 2.6 accepts and Rampart rejects only with \"... is not supported yet\".
# One path per line, relative to the repo root. The list only shrinks: when a feature lands,
# the compat test fails until its configurations are removed from here.
# Regenerate: RAMPART_COMPAT_UPDATE_GAPS=1 cargo test -p rampart --test compat
";

fn write_gaps(path: &Path, gaps: &[String]) -> std::io::Result<()> {
    let mut text = GAPS_HEADER.to_string();
    for g in gaps {
        text.push_str(g);
        text.push('\n');
    }
    std::fs::write(path, text)
}

// ---------------------------------------------------------------------------------------
// Hostile inputs, generated at test time

struct Hostile {
    name: &'static str,
    what: &'static str,
    bytes: Vec<u8>,
    /// What haproxy 2.6 exits with on it (checked, so the generator stays honest).
    haproxy_exit: i32,
}

/// A minimal valid tail so that "valid" hostile files have a listener.
const VALID_TAIL: &[u8] = b"defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n\nfrontend fe\n    bind 127.0.0.1:18080\n    default_backend be\n\nbackend be\n    server s1 127.0.0.1:18081\n";

fn hostile_cases() -> Vec<Hostile> {
    let mut garbage = Vec::with_capacity(64 * 1024);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while garbage.len() < 64 * 1024 {
        // xorshift64: deterministic garbage without a dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        garbage.extend_from_slice(&x.to_le_bytes());
    }
    let mib = 1 << 20;
    let with_tail = |head: Vec<u8>| {
        let mut v = head;
        v.extend_from_slice(VALID_TAIL);
        v
    };
    let mut long_desc = b"global\n    description ".to_vec();
    long_desc.resize(long_desc.len() + mib, b'x');
    long_desc.extend_from_slice(b"\n\n");
    let mut long_kw = b"global\n    ".to_vec();
    long_kw.resize(long_kw.len() + mib, b'x');
    long_kw.extend_from_slice(b" on\n");
    let mut args = b"global\n    description".to_vec();
    for _ in 0..1_000_000 {
        args.extend_from_slice(b" a");
    }
    args.push(b'\n');
    let mut env_bomb = b"global\n    setenv COMPAT_BIG ".to_vec();
    env_bomb.resize(env_bomb.len() + 4096, b'y');
    env_bomb.extend_from_slice(b"\n    description \"");
    for _ in 0..256 {
        env_bomb.extend_from_slice(b"${COMPAT_BIG}");
    }
    env_bomb.extend_from_slice(b"\"\n\n");
    let nested = [
        b".if 1\n".repeat(10_000),
        b"global\n".to_vec(),
        b".endif\n".repeat(10_000),
    ]
    .concat();
    let parens = [
        b".if ".to_vec(),
        b"(".repeat(100_000),
        b"1".to_vec(),
        b")".repeat(100_000),
        b"\n.endif\n".to_vec(),
    ]
    .concat();
    // An odd count of '!': the condition is false and the .alert is skipped.
    let bangs = [
        b".if ".to_vec(),
        b"!".repeat(100_001),
        b"1\n.alert \"odd count taken as true\"\n.endif\n".to_vec(),
    ]
    .concat();
    let many_lines = b"global\n"
        .iter()
        .copied()
        .chain(b"    frobnicate\n".repeat(100_000))
        .collect();
    vec![
        Hostile { name: "binary-garbage.cfg", what: "64 KiB of random bytes", bytes: garbage, haproxy_exit: 1 },
        Hostile {
            name: "invalid-utf8.cfg",
            what: "keywords and names that are not UTF-8",
            bytes: b"global\n    \xff\xfe\xfd on\n    description \"\xc3\x28\"\nfrontend \xe2\x82\n    bind 127.0.0.1:18080\n".to_vec(),
            haproxy_exit: 1,
        },
        Hostile { name: "long-line-keyword.cfg", what: "a 1 MiB unknown keyword", bytes: long_kw, haproxy_exit: 1 },
        Hostile {
            name: "long-line-valid.cfg",
            what: "a 1 MiB description in a valid config",
            bytes: with_tail(long_desc),
            haproxy_exit: 0,
        },
        Hostile { name: "nested-if.cfg", what: "10,000 nested .if", bytes: nested, haproxy_exit: 1 },
        Hostile { name: "deep-parentheses.cfg", what: "100,000 nested parentheses in .if", bytes: parens, haproxy_exit: 1 },
        Hostile {
            name: "deep-negation.cfg",
            what: "100,001 '!' in one .if condition",
            bytes: with_tail(bangs),
            haproxy_exit: 0,
        },
        Hostile {
            name: "unterminated-quotes.cfg",
            what: "unterminated quotes, the last one at end of file without a newline",
            bytes: b"global\n    description \"unterminated\n    node 'also\n    description \"at eof".to_vec(),
            haproxy_exit: 1,
        },
        Hostile { name: "million-arguments.cfg", what: "a million arguments on one line", bytes: args, haproxy_exit: 1 },
        Hostile {
            name: "nul-bytes.cfg",
            what: "NUL bytes inside lines",
            bytes: b"global\n    maxconn 100\n    descr\0iption x\n\0\0\0\n".to_vec(),
            haproxy_exit: 1,
        },
        Hostile {
            name: "env-expansion-1mib.cfg",
            what: "a 4 KiB variable expanded 256 times into one word",
            bytes: with_tail(env_bomb),
            haproxy_exit: 0,
        },
        Hostile { name: "many-errors.cfg", what: "100,000 lines of an unknown keyword", bytes: many_lines, haproxy_exit: 1 },
    ]
}
