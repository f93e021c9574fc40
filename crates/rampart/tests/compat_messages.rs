//! The compatibility corpus, word for word: for every corpus configuration (the cases of
//! `compat.rs`, run the same way through `common`), `rampart -c` must print exactly what
//! Debian's HAProxy 2.6 `haproxy -c` prints, stderr then stdout, byte for byte — users'
//! scripts grep these diagnostics.
//!
//! Skipped: configurations where rampart prints an "is not supported yet" line (it cannot
//! say what haproxy says about a feature it does not have; `compat.rs` tracks those).
//!
//! Only what must differ is normalised before comparing, in both outputs:
//! - the pid in the line prefix, `[ALERT]    (12345) : ` (each program has its own);
//! - the values of the two `[NOTICE]` lines "haproxy version is …" and "path to executable
//!   is …" (the lines themselves must be there in both, or in neither);
//! - in haproxy's output only, lines Lua scripts log while being loaded
//!   (`[info] 000/000000 (12345) : ...`, HAProxy's log format on stderr): Rampart runs no Lua.
//!
//! Any other difference fails, with a unified diff of both outputs, unless the configuration
//! is listed in `tests/compat/expected-message-diffs.txt` (`<path> # <reason>`, a real
//! reason required). The list only shrinks: a listed configuration that now matches, that no
//! longer exists, or that rampart now refuses with "not supported yet" fails too.
//! `RAMPART_COMPAT_UPDATE_MESSAGE_DIFFS=1 cargo test -p rampart --test compat_messages`
//! rewrites the list from the current run, keeping existing reasons and writing
//! `# TODO reason` for new entries (which fail until a reason replaces it).

mod common;

use common::{collect_cases, ensure_namespaces, run_all, Env, Run, NOT_YET};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// The allowed differences, relative to the repo root.
const LIST: &str = "tests/compat/expected-message-diffs.txt";

/// Set to rewrite [`LIST`] from the current run.
const UPDATE_VAR: &str = "RAMPART_COMPAT_UPDATE_MESSAGE_DIFFS";

/// What an entry without a reason gets when the list is rewritten.
const TODO_REASON: &str = "TODO reason";

/// Lines of context around each change in a diff.
const DIFF_CONTEXT: usize = 3;

/// Longest line shown in a diff (characters); the rest is cut with " [...]".
const DIFF_LINE_CHARS: usize = 400;

/// Largest line-count product diffed exactly; beyond it, both outputs are shown whole.
const DIFF_MAX_CELLS: usize = 16_000_000;

// ---------------------------------------------------------------------------------------
// The test

#[test]
fn corpus_messages_match_haproxy() {
    let env = Env::discover().unwrap_or_else(|msg| panic!("{msg}"));
    let cases = collect_cases(&env);
    assert!(
        cases.len() >= 100,
        "only {} corpus configurations found; the corpus needs at least 100",
        cases.len()
    );
    ensure_namespaces(&cases).unwrap_or_else(|msg| panic!("{msg}"));
    let list_path = env.repo.join(LIST);
    let listed = read_list(&list_path).unwrap_or_else(|msg| panic!("{msg}"));

    let started = Instant::now();
    let results = run_all(&env, &cases);
    let mut report = Report::default();
    let labels: Vec<&str> = cases.iter().map(|c| c.label.as_str()).collect();
    for (path, reason) in &listed {
        if !labels.contains(&path.as_str()) {
            report.fail(
                path,
                format!(
                    "listed in {LIST} but no such configuration exists (remove it from the list)"
                ),
            );
        } else if reason.is_empty() || reason == TODO_REASON {
            report.fail(
                path,
                format!("listed in {LIST} without a reason: say why the outputs differ"),
            );
        }
    }
    for (case, (hap, ram)) in cases.iter().zip(&results) {
        let label = case.label.as_str();
        let reason = listed.get(label);
        if says_not_yet(&ram.output) {
            report.skipped += 1;
            if reason.is_some() {
                report.fail(
                    label,
                    format!(
                        "rampart now says \"{NOT_YET}\" on it, so its messages are not \
                         compared: remove it from {LIST}"
                    ),
                );
            }
            continue;
        }
        let h = normalise(&hap.output, Program::Haproxy);
        let r = normalise(&ram.output, Program::Rampart);
        if h == r {
            report.identical += 1;
            if reason.is_some() {
                report.fail(
                    label,
                    format!("the outputs now match exactly: remove it from {LIST}"),
                );
            }
            continue;
        }
        report.differing.push(label.to_string());
        match reason {
            Some(reason) => report.listed.push(format!("{label} # {reason}")),
            None => {
                report.fail(
                    label,
                    format!("rampart's output differs from haproxy's (not listed in {LIST})"),
                );
                report.diffs.push(diff_block(label, hap, ram, &h, &r));
            }
        }
    }

    let mut out = String::new();
    report.render(&mut out, cases.len(), started.elapsed().as_millis());
    println!("{out}");

    if std::env::var_os(UPDATE_VAR).is_some() {
        let entries: BTreeMap<String, String> = report
            .differing
            .iter()
            .map(|p| {
                let reason = listed
                    .get(p)
                    .filter(|r| !r.is_empty())
                    .cloned()
                    .unwrap_or_else(|| TODO_REASON.to_string());
                (p.clone(), reason)
            })
            .collect();
        let written = write_list(&list_path, &entries);
        assert!(
            written.is_ok(),
            "cannot write {}: {:?}",
            list_path.display(),
            written.err()
        );
        println!(
            "rewrote {} with {} entries",
            list_path.display(),
            entries.len()
        );
    }

    common::assert_no_failures(&report.failures, cases.len(), "the message comparison");
}

#[derive(Default)]
struct Report {
    /// One line per failure.
    failures: Vec<String>,
    /// A unified diff per unlisted difference.
    diffs: Vec<String>,
    /// Every configuration whose outputs differ, listed or not (what an update writes).
    differing: Vec<String>,
    /// Listed differences still there, with their reasons.
    listed: Vec<String>,
    identical: usize,
    /// Not compared: rampart says "not supported yet".
    skipped: usize,
}

impl Report {
    fn fail(&mut self, label: &str, why: String) {
        self.failures.push(format!("{label}: {why}"));
    }

    fn render(&self, out: &mut String, total: usize, took_ms: u128) {
        for d in &self.diffs {
            out.push_str(d);
        }
        if !self.listed.is_empty() {
            let _ = writeln!(out, "=== listed differences ({LIST})");
            for l in &self.listed {
                let _ = writeln!(out, "  {l}");
            }
        }
        let _ = writeln!(
            out,
            "=== diagnostics corpus: {total} configurations in {took_ms} ms\n  identical: {}; \
             listed differences: {}; skipped (\"{NOT_YET}\"): {}; failing: {}",
            self.identical,
            self.listed.len(),
            self.skipped,
            self.failures.len()
        );
        for f in &self.failures {
            let _ = writeln!(out, "    {f}");
        }
    }
}

/// True when some line of the output says "... is not supported yet".
fn says_not_yet(output: &str) -> bool {
    output.lines().any(|l| l.contains(NOT_YET))
}

// ---------------------------------------------------------------------------------------
// Normalising

#[derive(Clone, Copy, PartialEq, Eq)]
enum Program {
    Haproxy,
    Rampart,
}

/// The NOTICE lines whose value names the program itself.
const SELF_NOTICES: &[&str] = &["haproxy version is ", "path to executable is "];

/// The output with only what must differ replaced (see the module documentation).
fn normalise(output: &str, program: Program) -> String {
    let mut s = String::with_capacity(output.len());
    for line in output.split_inclusive('\n') {
        if program == Program::Haproxy && is_lua_log_line(line) {
            continue;
        }
        let (body, eol) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let body = normalise_pid(body);
        let body = match notice_value_at(&body) {
            Some(at) => format!("{}<normalised>", &body[..at]),
            None => body,
        };
        s.push_str(&body);
        s.push_str(eol);
    }
    s
}

/// `[LEVEL]    (12345) : rest` becomes `[LEVEL]    (<pid>) : rest`; other lines are kept.
fn normalise_pid(line: &str) -> String {
    match prefix_pid(line) {
        Some((open, close)) => format!("{}(<pid>){}", &line[..open], &line[close + 1..]),
        None => line.to_string(),
    }
}

/// The byte offsets of the parentheses of a `[LEVEL]<spaces>(digits)` line prefix, where
/// LEVEL is HAProxy's uppercase `NOTICE`, `WARNING`, `ALERT`...
fn prefix_pid(line: &str) -> Option<(usize, usize)> {
    let tag_end = line.strip_prefix('[')?.find(']')? + 1;
    let tag = &line[1..tag_end];
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let after = &line[tag_end + 1..];
    let open = tag_end + 1 + (after.len() - after.trim_start_matches(' ').len());
    let digits = line[open..]
        .strip_prefix('(')?
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let close = open + 1 + digits;
    (digits > 0 && line[close..].starts_with(')')).then_some((open, close))
}

/// Where the value of a "haproxy version is" / "path to executable is" NOTICE starts.
fn notice_value_at(line: &str) -> Option<usize> {
    if !line.starts_with("[NOTICE]") {
        return None;
    }
    let rest = line.split_once(" : ")?.1;
    SELF_NOTICES
        .iter()
        .find(|n| rest.starts_with(*n))
        .map(|n| line.len() - rest.len() + n.len())
}

/// HAProxy's stderr log format, used by Lua's `core.log()` & co. while a script loads:
/// `[info] 123/456789 (12345) : message` (lowercase level, day/time, pid).
fn is_lua_log_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    let Some((level, rest)) = rest.split_once("] ") else {
        return false;
    };
    let b = rest.as_bytes();
    !level.is_empty()
        && level.bytes().all(|c| c.is_ascii_lowercase())
        && b.len() > 12
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3] == b'/'
        && b[4..10].iter().all(u8::is_ascii_digit)
        && rest[10..].starts_with(" (")
}

// ---------------------------------------------------------------------------------------
// Diffs

fn diff_block(label: &str, hap: &Run, ram: &Run, h: &str, r: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "=== {label}: outputs differ (haproxy {}, rampart {}; normalised, `-` haproxy, `+` \
         rampart)",
        hap.outcome, ram.outcome
    );
    s.push_str(&unified_diff(h, r));
    s
}

/// A unified diff of two texts, line by line, with [`DIFF_CONTEXT`] lines of context.
fn unified_diff(a: &str, b: &str) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let mut s = String::from("--- haproxy\n+++ rampart\n");
    let Some(ops) = diff_ops(&a, &b) else {
        let _ = writeln!(
            s,
            "@@ too long to diff line by line; both outputs in full @@"
        );
        a.iter().for_each(|l| push_line(&mut s, '-', l));
        b.iter().for_each(|l| push_line(&mut s, '+', l));
        return s;
    };
    let mut i = 0;
    while i < ops.len() {
        let Some(first) = (i..ops.len()).find(|&k| ops[k] != Op::Same) else {
            break;
        };
        // A hunk: from DIFF_CONTEXT before the first change to DIFF_CONTEXT after the last
        // change not separated from the next by more than 2 * DIFF_CONTEXT equal lines.
        let start = first.saturating_sub(DIFF_CONTEXT).max(i);
        let mut end = first;
        let mut k = first;
        while k < ops.len() {
            if ops[k] != Op::Same {
                end = k + 1;
                k += 1;
            } else if k - end >= 2 * DIFF_CONTEXT {
                break;
            } else {
                k += 1;
            }
        }
        let stop = (end + DIFF_CONTEXT).min(ops.len());
        let (mut ai, mut bi) = positions(&ops[..start]);
        let (a_len, b_len) = positions(&ops[start..stop]);
        let _ = writeln!(
            s,
            "@@ -{},{a_len} +{},{b_len} @@",
            ai + usize::from(a_len > 0),
            bi + usize::from(b_len > 0)
        );
        for op in &ops[start..stop] {
            match op {
                Op::Same => {
                    push_line(&mut s, ' ', a[ai]);
                    ai += 1;
                    bi += 1;
                }
                Op::Del => {
                    push_line(&mut s, '-', a[ai]);
                    ai += 1;
                }
                Op::Add => {
                    push_line(&mut s, '+', b[bi]);
                    bi += 1;
                }
            }
        }
        i = stop;
    }
    s
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// Lines of `a` and of `b` that a run of operations covers.
fn positions(ops: &[Op]) -> (usize, usize) {
    ops.iter().fold((0, 0), |(a, b), op| match op {
        Op::Same => (a + 1, b + 1),
        Op::Del => (a + 1, b),
        Op::Add => (a, b + 1),
    })
}

/// The edit script of a longest common subsequence, or `None` when the texts are too long.
fn diff_ops(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > DIFF_MAX_CELLS {
        return None;
    }
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            // Deletions first, as `diff -u` shows them.
            ops.push(Op::Del);
            i += 1;
        } else {
            ops.push(Op::Add);
            j += 1;
        }
    }
    Some(ops)
}

fn push_line(s: &mut String, mark: char, line: &str) {
    let cut: String = line.chars().take(DIFF_LINE_CHARS).collect();
    let more = if cut.len() < line.len() { " [...]" } else { "" };
    let _ = writeln!(s, "{mark}{cut}{more}");
}

// ---------------------------------------------------------------------------------------
// expected-message-diffs.txt

/// `path -> reason` (the reason is empty when the line has none).
fn read_list(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut entries = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (p, reason) = line.split_once('#').unwrap_or((line, ""));
        let (p, reason) = (p.trim().to_string(), reason.trim().to_string());
        if entries.insert(p.clone(), reason).is_some() {
            return Err(format!("{}: {p} is listed twice", path.display()));
        }
    }
    Ok(entries)
}

const LIST_HEADER: &str = "\
# Corpus configurations whose `rampart -c` output differs from `haproxy -c`'s, beyond the pid,
# the version and executable NOTICE lines (see crates/rampart/tests/compat_messages.rs).
# One line per entry: <path relative to the repo root> # <why the outputs differ>.
# The list only shrinks: the test fails when a listed configuration matches again.
# Regenerate: RAMPART_COMPAT_UPDATE_MESSAGE_DIFFS=1 cargo test -p rampart --test compat_messages
";

fn write_list(path: &Path, entries: &BTreeMap<String, String>) -> std::io::Result<()> {
    let mut text = LIST_HEADER.to_string();
    for (p, reason) in entries {
        let _ = writeln!(text, "{p} # {reason}");
    }
    std::fs::write(path, text)
}

// ---------------------------------------------------------------------------------------
// The normaliser and the diff themselves

#[test]
fn normalising_touches_only_pids_self_notices_and_lua_logs() {
    let hap = "[NOTICE]   (812) : haproxy version is 2.6.12-1+deb12u4\n\
               [NOTICE]   (812) : path to executable is /usr/sbin/haproxy\n\
               [info] 000/120000 (812) : hello loaded\n\
               [ALERT]    (812) : config : parsing [a.cfg:3] : bad (42) thing\n";
    let ram = "[NOTICE]   (9) : haproxy version is 2.6.12-rampart-0.1.0\n\
               [NOTICE]   (9) : path to executable is /x/rampart\n\
               [ALERT]    (9) : config : parsing [a.cfg:3] : bad (42) thing\n";
    assert_eq!(
        normalise(hap, Program::Haproxy),
        normalise(ram, Program::Rampart)
    );
    // Rampart's own output keeps lookalike Lua lines, and only prefix pids are replaced.
    assert!(normalise(hap, Program::Rampart).contains("[info] 000/120000 (812) : hello"));
    assert!(normalise(ram, Program::Rampart).contains("bad (42) thing"));
    // A missing NOTICE line, or any changed byte, is still a difference.
    assert_ne!(
        normalise(hap, Program::Haproxy),
        normalise(&ram[ram.find("[ALERT]").unwrap_or(0)..], Program::Rampart)
    );
    assert_ne!(
        normalise("[ALERT]    (1) : x.\n", Program::Haproxy),
        normalise("[ALERT]    (1) : x\n", Program::Rampart)
    );
}

#[test]
fn unified_diff_shows_changes_with_context() {
    let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
    let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n12\n13\n";
    let want = "--- haproxy\n+++ rampart\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n \
                8\n@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n";
    assert_eq!(unified_diff(a, b), want);
}
