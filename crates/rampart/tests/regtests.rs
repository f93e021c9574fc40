//! HAProxy's regression tests: rampart must pass every test named in
//! `tests/regtests/must-pass.txt` (the ratchet; see `tests/regtests/run.sh`).
//!
//! The `.vtc` files are not in the repo: `tests/regtests/fetch.sh` takes them from Debian's
//! haproxy source package for the installed haproxy version (cached under
//! `${XDG_CACHE_HOME:-$HOME/.cache}/rampart`, or `$RAMPART_REGTESTS_CACHE`; only the first
//! run downloads). `tests/regtests/run.sh` then runs them with Debian's `varnishtest`
//! (package `varnish`) against the rampart binary Cargo built for this test.
//!
//! With an empty list the pipeline still runs end to end: the fetch, the runner with its
//! summary, and one smoke test (`connection/dispatch.vtc`, run in report-only `--list all`
//! mode, so its own outcome does not matter) that proves varnishtest really starts rampart
//! through `HAPROXY_PROGRAM`. Needs haproxy (for the version), varnish and, on a machine
//! without a deb-src entry, root or passwordless sudo (`.ci/run` provides all three). Never
//! skipped: a missing tool fails the test with the command that installs it.
//!
//! A second test keeps `tests/regtests/README.md` honest: one row per test of
//! `haproxy-baseline.txt`, marked `pass` exactly when the test is on the ratchet, and one
//! row per folder of the baseline in its table of pass counts, whose haproxy column is the
//! baseline's own header.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Bound of `fetch.sh` (a first run downloads ~4 MB and may run `apt-get update`).
const FETCH_TIMEOUT: Duration = Duration::from_secs(900);
/// Bound of one `run.sh` call; run.sh's own global bound is 1200 s, plus per-test slack.
const RUN_TIMEOUT: Duration = Duration::from_secs(1500);
/// The reg-test run through the whole pipeline whatever the list holds.
const SMOKE_TEST: &str = "connection/dispatch.vtc";

fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("no repo root two levels above {}", manifest.display()))
}

/// A finished script: success, stdout, stderr.
struct Output {
    ok: bool,
    status: String,
    stdout: String,
    stderr: String,
}

/// Runs `bash <script> <args>` from the repo root, at most `bound`, output captured.
fn run_script(script: &str, args: &[&str], bound: Duration) -> Output {
    let repo = repo_root();
    let path_var = format!(
        "{}:/usr/local/sbin:/usr/sbin:/sbin",
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .arg(repo.join(script))
        .args(args)
        .current_dir(&repo)
        .env("PATH", path_var)
        .env_remove("HAPROXY_PROGRAM")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start bash {script}: {e}"));
    let drain = |r: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > bound => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for {script}: {e}"),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Output {
        ok: status.is_some_and(|s| s.success()),
        status: match status {
            Some(s) => s.to_string(),
            None => format!("killed after {} s", bound.as_secs()),
        },
        stdout,
        stderr,
    }
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status, out.stdout, out.stderr
    )
}

#[test]
fn must_pass_regtests_pass() {
    let rampart = env!("CARGO_BIN_EXE_rampart");

    let fetch = run_script("tests/regtests/fetch.sh", &[], FETCH_TIMEOUT);
    assert!(
        fetch.ok,
        "{}\nfetch.sh needs Debian's haproxy installed (apt-get install haproxy), apt-get \
         source (a deb-src entry, which it adds itself as root or with sudo) and dpkg-dev; \
         .ci/run sets these up.",
        describe("tests/regtests/fetch.sh failed", &fetch)
    );
    let src = fetch.stdout.lines().last().unwrap_or("").trim().to_string();
    assert!(
        Path::new(&src).join("reg-tests").is_dir(),
        "fetch.sh printed '{src}', which has no reg-tests/\n{}",
        describe("fetch.sh", &fetch)
    );

    // The ratchet: every listed test must pass (run.sh fails otherwise). The results file
    // lives outside run.sh's run directory, so that directory goes away when all passed.
    let tmp = std::env::temp_dir();
    let pid = std::process::id();
    let results = tmp.join(format!("rampart-regtests-must-pass-{pid}.tsv"));
    let results_arg = results.to_string_lossy().into_owned();
    let run = run_script(
        "tests/regtests/run.sh",
        &[
            "--program",
            rampart,
            "--list",
            "must-pass",
            "--src",
            &src,
            "--results",
            &results_arg,
        ],
        RUN_TIMEOUT,
    );
    let _ = std::fs::remove_file(&results);
    println!("{}", run.stdout);
    assert!(
        run.ok,
        "{}\nA test of tests/regtests/must-pass.txt did not pass (a skip does not count as \
         a pass); logs are named above. varnishtest comes with Debian's varnish package.",
        describe("run.sh --list must-pass failed", &run)
    );
    assert!(
        run.stdout.contains("== summary per folder")
            && run.stdout.lines().any(|l| l.starts_with("total: ")),
        "run.sh did not print its per-folder summary\n{}",
        describe("run.sh --list must-pass", &run)
    );

    // The smoke run: one real reg-test through varnishtest and rampart, report only.
    let results = tmp.join(format!("rampart-regtests-smoke-{pid}.tsv"));
    let results_arg = results.to_string_lossy().into_owned();
    let smoke = run_script(
        "tests/regtests/run.sh",
        &[
            "--program",
            rampart,
            "--list",
            "all",
            "--retries",
            "0",
            "--src",
            &src,
            "--results",
            &results_arg,
            "--clean",
            SMOKE_TEST,
        ],
        RUN_TIMEOUT,
    );
    println!("{}", smoke.stdout);
    let tsv = std::fs::read_to_string(&results).unwrap_or_default();
    let _ = std::fs::remove_file(&results);
    assert!(
        smoke.ok,
        "{}",
        describe("run.sh --list all (smoke run) failed", &smoke)
    );
    let row: Vec<&str> = tsv
        .lines()
        .find(|l| l.starts_with(&format!("{SMOKE_TEST}\t")))
        .map(|l| l.split('\t').collect())
        .unwrap_or_default();
    let ran = matches!(row.get(1), Some(&"pass") | Some(&"fail"))
        && !row.get(3).is_some_and(|d| d.starts_with("not run"));
    assert!(
        ran,
        "the smoke run did not run {SMOKE_TEST} with varnishtest (results row: {row:?}); \
         it must pass or fail, never be skipped or left out\n{}",
        describe("run.sh --list all (smoke run)", &smoke)
    );
}

/// The test paths of a list file (`#` starts a comment, blank lines ignored).
fn listed(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_start_matches("reg-tests/").to_string())
        .collect()
}

#[test]
fn every_baseline_test_is_on_the_ratchet_or_explained() {
    // tests/regtests/README.md has one row per test of haproxy-baseline.txt saying why it
    // does not pass yet; the rows marked `pass` are exactly the ratchet's tests, so the
    // table cannot fall behind must-pass.txt.
    let dir = repo_root().join("tests/regtests");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("tests/regtests/{name}: {e}"))
    };
    let baseline = listed(&read("haproxy-baseline.txt"));
    let ratchet = listed(&read("must-pass.txt"));
    assert!(!baseline.is_empty(), "haproxy-baseline.txt lists no test");
    let readme = read("README.md");
    // `| \`folder/test.vtc\` | status | ...` (not the per-folder counts: `| \`folder/\` |`)
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("| `")?;
            let (test, rest) = rest.split_once('`')?;
            if test.ends_with('/') {
                return None;
            }
            let status = rest.trim_start_matches([' ', '|']);
            let status = status.split('|').next().unwrap_or("").trim();
            Some((test.to_string(), status.to_string()))
        })
        .collect();
    for t in &baseline {
        let n = rows.iter().filter(|(r, _)| r == t).count();
        assert_eq!(
            n, 1,
            "{t}: {n} rows in tests/regtests/README.md (one expected)"
        );
    }
    for (t, status) in &rows {
        assert!(
            baseline.contains(t),
            "README.md has a row for {t}, which is not in haproxy-baseline.txt"
        );
        assert!(
            ["pass", "fail", "skip"].contains(&status.as_str()),
            "{t}: status '{status}' in README.md is not pass, fail or skip"
        );
        assert_eq!(
            status == "pass",
            ratchet.contains(t),
            "{t}: README.md says '{status}' but it is {}in must-pass.txt",
            if ratchet.contains(t) { "" } else { "not " }
        );
    }
}

#[test]
fn every_baseline_folder_has_its_pass_counts() {
    // The baseline's header says, per folder, `#   folder: passed/total (skipped S, failed F)`
    // for haproxy; README.md's "Pass counts per folder" table has a row per folder
    // (`| \`folder/\` | rampart counts | haproxy counts |`) whose haproxy column says the same.
    let dir = repo_root().join("tests/regtests");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("tests/regtests/{name}: {e}"))
    };
    let baseline = read("haproxy-baseline.txt");
    let header: Vec<(String, String)> = baseline
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("#   ")?;
            let (folder, counts) = rest.split_once(": ")?;
            (folder != "total" && counts.contains(" (skipped "))
                .then(|| (format!("{folder}/"), counts.trim().to_string()))
        })
        .collect();
    let folders: std::collections::BTreeSet<String> = listed(&baseline)
        .iter()
        .filter_map(|t| t.split_once('/').map(|(f, _)| format!("{f}/")))
        .collect();
    for f in &folders {
        assert!(
            header.iter().any(|(h, _)| h == f),
            "haproxy-baseline.txt lists tests of {f} but its header has no counts for it \
             (regenerate it with baseline.sh)"
        );
    }
    let readme = read("README.md");
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("| `")?;
            let (folder, rest) = rest.split_once('`')?;
            if !folder.ends_with('/') {
                return None;
            }
            let cols: Vec<&str> = rest.split('|').map(str::trim).collect();
            // cols: "", rampart, haproxy, ""
            Some((folder.to_string(), cols.get(2)?.to_string()))
        })
        .collect();
    for (folder, counts) in &header {
        let n = rows.iter().filter(|(f, _)| f == folder).count();
        assert_eq!(
            n, 1,
            "{folder}: {n} rows in README.md's pass counts (one expected)"
        );
        let haproxy = rows
            .iter()
            .find(|(f, _)| f == folder)
            .map(|(_, c)| c.as_str())
            .unwrap_or_default();
        assert_eq!(
            haproxy, counts,
            "{folder}: README.md's haproxy column differs from haproxy-baseline.txt's header"
        );
    }
    for (folder, _) in &rows {
        assert!(
            header.iter().any(|(h, _)| h == folder),
            "README.md has pass counts for {folder}, which haproxy-baseline.txt does not cover"
        );
    }
}
