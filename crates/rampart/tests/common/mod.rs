//! The harness shared by `compat.rs` (verdicts) and `compat_messages.rs` (diagnostics):
//! where haproxy, rampart and the corpus are, which cases there are, and how both programs
//! are run on a case — same arguments (`-c -f <file name>`), same working directory (the
//! configuration's own), same environment (cleared, then `PATH`, `LANG=C` and the fixed
//! `COMPAT_*` variables), same time bound, output captured (stderr then stdout, capped).
//!
//! Each test file that uses it compiles its own copy (`mod common;`), and none uses every
//! item, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// Fixed environment of every run (besides `PATH`, `LANG` and `COMPAT_FILES`).
pub const FIXED_ENV: &[(&str, &str)] = &[
    ("COMPAT_ADDR", "127.0.0.1"),
    ("COMPAT_PORT", "18080"),
    ("COMPAT_NAME", "compat"),
    ("COMPAT_EMPTY", ""),
    ("COMPAT_WORDS", "check inter 3s"),
];

/// The one wording of Rampart's "known keyword, not implemented yet" alert.
pub const NOT_YET: &str = "is not supported yet";

/// Time allowed to one `-c` run of a corpus configuration.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// Output kept per run (the rest is read and dropped, so a chatty run cannot eat memory).
pub const OUTPUT_CAP: usize = 256 * 1024;

// ---------------------------------------------------------------------------------------
// Where things are

/// The programs and directories every case needs.
pub struct Env {
    pub repo: PathBuf,
    pub shared: PathBuf,
    pub haproxy: PathBuf,
    pub rampart: PathBuf,
    /// `PATH` given to both programs.
    pub path_var: String,
}

impl Env {
    pub fn discover() -> Result<Env, String> {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let repo = manifest
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .ok_or_else(|| format!("cannot find the repo root above {}", manifest.display()))?;
        let shared = repo.parent().map(|p| p.join("shared")).unwrap_or_default();
        let path_var = {
            let inherited = std::env::var("PATH").unwrap_or_default();
            // haproxy lives in /usr/sbin, which a non-root PATH may lack.
            format!("{inherited}:/usr/local/sbin:/usr/sbin:/sbin")
        };
        let haproxy = find_haproxy(&path_var)
            .or_else(|| {
                install_haproxy();
                find_haproxy(&path_var)
            })
            .ok_or_else(|| {
                "haproxy is not installed: this test compares rampart with Debian's HAProxy 2.6.\n\
             Install it with `sudo apt-get install -y haproxy` (.ci/run does this), or point \
             HAPROXY_BIN at a haproxy 2.6 binary."
                    .to_string()
            })?;
        let version = Command::new(&haproxy)
            .arg("-v")
            .output()
            .map_err(|e| format!("cannot run {} -v: {e}", haproxy.display()))?;
        let banner = String::from_utf8_lossy(&version.stdout).into_owned();
        if !banner.contains("version 2.6.") {
            return Err(format!(
                "{} is not HAProxy 2.6 (it says: {}); the reference is Debian's haproxy 2.6",
                haproxy.display(),
                banner.lines().next().unwrap_or("nothing")
            ));
        }
        let rampart = PathBuf::from(env!("CARGO_BIN_EXE_rampart"));
        Ok(Env {
            repo,
            shared,
            haproxy,
            rampart,
            path_var,
        })
    }

    /// The environment of every run: nothing inherited but `PATH`.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("PATH".to_string(), self.path_var.clone()),
            ("LANG".to_string(), "C".to_string()),
            (
                "COMPAT_FILES".to_string(),
                self.repo
                    .join("tests/compat/files")
                    .to_string_lossy()
                    .into_owned(),
            ),
        ];
        vars.extend(
            FIXED_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        vars
    }
}

/// Installs Debian's haproxy with apt-get (as root, or through `sudo -n`), updating the
/// package lists once if the first attempt fails; the caller looks for it again.
fn install_haproxy() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        c.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let install = ["install", "-y", "-qq", "haproxy"];
    if !apt(&install) && apt(&["update", "-qq"]) {
        apt(&install);
    }
}

pub fn find_haproxy(path_var: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HAPROXY_BIN") {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(path_var)
        .map(|d| d.join("haproxy"))
        .find(|p| p.is_file())
}

/// One configuration to check.
#[derive(Clone, Debug)]
pub struct Case {
    /// How reports and `expected-gaps.txt` name it: a path relative to the repo root.
    pub label: String,
    /// Directory both programs run from.
    pub dir: PathBuf,
    /// File name given to `-f`, relative to `dir`.
    pub file: String,
}

pub fn collect_cases(env: &Env) -> Vec<Case> {
    let mut cases = Vec::new();
    let shared_configs = env.shared.join("configs");
    let mut shared_dirs: Vec<PathBuf> = std::fs::read_dir(&shared_configs)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    shared_dirs.sort();
    for dir in shared_dirs {
        if dir.join("haproxy.cfg").is_file() {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            cases.push(Case {
                label: format!("../shared/configs/{name}/haproxy.cfg"),
                dir,
                file: "haproxy.cfg".to_string(),
            });
        }
    }
    for (dir, prefix) in [
        (env.repo.join("examples"), "examples"),
        (env.repo.join("tests/compat"), "tests/compat"),
    ] {
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".cfg"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for file in files {
            cases.push(Case {
                label: format!("{prefix}/{file}"),
                dir: dir.clone(),
                file,
            });
        }
    }
    cases
}

/// Creates the network namespaces the cases name (`namespace <name>` on bind/server lines):
/// haproxy opens them even with `-c`, so without them the reference verdict is wrong.
pub fn ensure_namespaces(cases: &[Case]) -> Result<(), String> {
    let mut names = BTreeSet::new();
    for case in cases {
        let Ok(bytes) = std::fs::read(case.dir.join(&case.file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let words: Vec<&str> = line.split_whitespace().collect();
            for pair in words.windows(2) {
                if pair[0] == "namespace"
                    && pair[1]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    names.insert(pair[1].to_string());
                }
            }
        }
    }
    for name in names {
        if Path::new("/run/netns").join(&name).exists() {
            continue;
        }
        let added = Command::new("ip")
            .args(["netns", "add", &name])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output();
        let ok = matches!(&added, Ok(o) if o.status.success());
        if !ok {
            let why = match added {
                Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
                Err(e) => e.to_string(),
            };
            return Err(format!(
                "a reference configuration uses network namespace '{name}', which does not \
                 exist and could not be created ({why}).\nCreate it once with \
                 `sudo ip netns add {name}` (.ci/run does this), then rerun the test."
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Running the programs

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Exit(i32),
    Signal(i32),
    TimedOut,
    NotRun(String),
}

impl Outcome {
    /// `Some(true)` valid, `Some(false)` invalid, `None` when the program did not judge.
    pub fn verdict(&self) -> Option<bool> {
        match self {
            Outcome::Exit(code) => Some(*code == 0),
            _ => None,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Exit(0) => write!(f, "valid (exit 0)"),
            Outcome::Exit(c) => write!(f, "invalid (exit {c})"),
            Outcome::Signal(s) => write!(f, "KILLED by signal {s}"),
            Outcome::TimedOut => write!(f, "TIMED OUT"),
            Outcome::NotRun(e) => write!(f, "NOT RUN ({e})"),
        }
    }
}

/// One program's run on one case.
#[derive(Clone, Debug)]
pub struct Run {
    pub outcome: Outcome,
    /// stderr then stdout, lossily decoded, capped.
    pub output: String,
    pub elapsed: Duration,
}

/// Runs `program -c -f <file>` in the case's directory with the fixed environment.
pub fn run_program(program: &Path, case: &Case, env: &Env, address_space_kib: Option<u64>) -> Run {
    let mut cmd = match address_space_kib {
        Some(kib) if Path::new("/bin/sh").exists() => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(program);
            c
        }
        _ => Command::new(program),
    };
    cmd.args(["-c", "-f", &case.file])
        .current_dir(&case.dir)
        .env_clear()
        .envs(env.vars())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Run {
                outcome: Outcome::NotRun(format!("{}: {e}", program.display())),
                output: String::new(),
                elapsed: started.elapsed(),
            }
        }
    };
    wait_bounded(child, started)
}

/// Waits for the child at most [`CASE_TIMEOUT`], draining both pipes meanwhile.
pub fn wait_bounded(mut child: Child, started: Instant) -> Run {
    let stdout = child
        .stdout
        .take()
        .map(|s| thread::spawn(move || read_capped(s)));
    let stderr = child
        .stderr
        .take()
        .map(|s| thread::spawn(move || read_capped(s)));
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                break match (status.code(), status.signal()) {
                    (Some(code), _) => Outcome::Exit(code),
                    (None, Some(sig)) => Outcome::Signal(sig),
                    (None, None) => Outcome::NotRun("no exit status".into()),
                };
            }
            Ok(None) if started.elapsed() > CASE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Outcome::TimedOut;
            }
            Ok(None) => thread::sleep(Duration::from_millis(2)),
            Err(e) => break Outcome::NotRun(format!("wait: {e}")),
        }
    };
    let elapsed = started.elapsed();
    let join = |h: Option<thread::JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let mut output = join(stderr).unwrap_or_default();
    let out = join(stdout).unwrap_or_default();
    if !out.is_empty() {
        output.push_str(&out);
    }
    Run {
        outcome,
        output,
        elapsed,
    }
}

pub fn read_capped(mut r: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = OUTPUT_CAP.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    kept
}

/// Runs both programs on every case, on a bounded pool of threads.
pub fn run_all(env: &Env, cases: &[Case]) -> Vec<(Run, Run)> {
    let workers = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8);
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, (Run, Run)>> = Mutex::new(BTreeMap::new());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let hap = run_program(&env.haproxy, case, env, None);
                let ram = run_program(&env.rampart, case, env, None);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(i, (hap, ram));
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.into_values().collect()
}

/// Fails the test when `failures` is not empty: `what` says which check failed, every
/// failure is listed on its own line after the details printed above.
pub fn assert_no_failures(failures: &[String], total: usize, what: &str) {
    assert!(
        failures.is_empty(),
        "{} of {} configurations fail {what} (details above):\n{}",
        failures.len(),
        total,
        failures
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
