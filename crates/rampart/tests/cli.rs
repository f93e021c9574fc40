//! The `rampart` binary against HAProxy 2.6's command-line contract: exit codes, stdout and
//! stderr, checked line by line where scripts depend on the exact shape. Every expectation
//! was taken from Debian's haproxy 2.6.12 run on the same input.
//!
//! Tests in the second half need the configuration pipeline (reader directives, lexer,
//! conditions, keyword tables) to be complete; they state HAProxy's behaviour, not the
//! current state of the stubs.

use rampart_core::version::{HAPROXY_VERSION, RAMPART_VERSION};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const EXE: &str = env!("CARGO_BIN_EXE_rampart");

/// One run of the binary, with the pid and the executable path replaced by `PID` and `EXE`
/// in stderr so expectations can be written literally.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let child = Command::new(EXE)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {EXE}: {e}"));
    let pid = child.id();
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for {EXE}: {e}"));
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr)
            .replace(&format!("({pid})"), "(PID)")
            .replace(EXE, "EXE"),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(&std::env::temp_dir(), args)
}

/// A fresh directory for one test's files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rampart-cli-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {dir:?}: {e}"));
        Self(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn write(&self, name: &str, text: &str) {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {parent:?}: {e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {path:?}: {e}"));
    }
    fn run(&self, args: &[&str]) -> Run {
        run_in(&self.0, args)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn version() -> String {
    format!("{HAPROXY_VERSION}-rampart-{RAMPART_VERSION}")
}

/// The two lines HAProxy prints before the first alert or warning of a run.
fn notices() -> [String; 2] {
    [
        format!("[NOTICE]   (PID) : haproxy version is {}", version()),
        "[NOTICE]   (PID) : path to executable is EXE".to_owned(),
    ]
}

fn with_notices(lines: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = notices().into();
    v.extend(lines.iter().map(|s| (*s).to_owned()));
    v
}

/// A small configuration every HAProxy 2.6 accepts without warning.
const VALID: &str = "\
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s

frontend fe
    bind 127.0.0.1:8080
    default_backend be

backend be
    server s1 127.0.0.1:8081
";

// ---------------------------------------------------------------------------------------
// The command line itself: works with the binary alone.

#[test]
fn version_banner() {
    let r = run(&["-v"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stderr, "");
    let first = r.stdout.lines().next().unwrap_or_default();
    let fields: Vec<&str> = first.split(' ').collect();
    assert_eq!(fields.first().copied(), Some("HAProxy"));
    assert_eq!(fields.get(1).copied(), Some("version"));
    assert_eq!(fields.get(2).copied(), Some(version().as_str()));
    let second = r.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        second.contains("Rampart") && second.contains("Rust"),
        "{second}"
    );
    assert!(!r.stdout.contains("Build options"));
    // HAProxy matches flags on their first letter.
    assert_eq!(run(&["-version"]).stdout, r.stdout);
}

#[test]
fn build_options_read_like_run_regtests_does() {
    for args in [&["-vv"][..], &["-dM", "-vv"]] {
        let r = run(args);
        assert_eq!(r.code, Some(0), "{args:?}");
        // scripts/run-regtests.sh greps these four patterns and reads one line for each.
        let picked: Vec<&str> = r
            .stdout
            .lines()
            .filter(|l| {
                l.contains("HAProxy version")
                    || l.contains("HA-Proxy version")
                    || (l.contains("TARGET") && l.contains('='))
                    || l.starts_with("Feature")
                    || l.starts_with("Available services")
            })
            .collect();
        assert_eq!(picked.len(), 4, "{picked:#?}");
        assert_eq!(picked[0].split(' ').nth(2), Some(version().as_str()));
        assert_eq!(picked[1], "  TARGET  = linux-glibc");
        assert_eq!(
            picked[2],
            format!("Feature list : {}", rampart_core::features::feature_line())
        );
        assert_eq!(picked[3], "Available services : prometheus-exporter");
    }
    let r = run(&["-vv"]);
    let order = [
        "Build options :",
        "Feature list :",
        "Available polling systems :",
    ];
    let pos: Vec<usize> = order.iter().filter_map(|s| r.stdout.find(s)).collect();
    assert_eq!(pos.len(), order.len());
    assert!(pos.windows(2).all(|w| w[0] < w[1]));
    assert!(r.stdout.contains("Available multiplexer protocols :\n"));
    assert!(r.stdout.contains("Available filters :\n"));
}

fn assert_usage(r: &Run) {
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.starts_with("HAProxy version "), "{}", r.stdout);
    let usage = r
        .stderr
        .find("Usage : rampart [-f <cfgfile|cfgdir>]* [ -vdVD ]")
        .unwrap_or_else(|| {
            panic!("no usage text in {:?}", r.stderr);
        });
    let text = &r.stderr[usage..];
    assert!(text
        .contains("\n        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]\n"));
    assert!(text.ends_with("new master CLI\n\n"));
}

#[test]
fn usage_on_bad_arguments() {
    for args in [
        &["-Z"][..],
        &["-k", "x"],
        &["file.cfg"],
        &["-f"],
        &["-cc"],
        &["-c"],
        &[],
        &["-"],
        &["-sf", "0"],
    ] {
        let r = run(args);
        assert_usage(&r);
        assert!(!r.stderr.contains("[ALERT]"), "{args:?}: {}", r.stderr);
    }
    // The -N value parsed so far is shown in the usage text.
    assert!(run(&["-N", "42", "-Z"])
        .stderr
        .contains("maximum number of connections (42)\n"));
}

#[test]
fn usage_after_an_alert_for_missing_socket_arguments() {
    let r = run(&["-x"]);
    assert_usage(&r);
    let lines = r.stderr_lines();
    assert_eq!(lines[..2], notices());
    assert_eq!(
        lines[2],
        "[ALERT]    (PID) : Unix socket path expected with the -x flag"
    );
    assert_eq!(
        lines[3], "",
        "HAProxy leaves an empty line after this alert"
    );
    let r = run(&["-S"]);
    assert_usage(&r);
    assert_eq!(
        r.stderr_lines()[2],
        "[ALERT]    (PID) : Socket and optional bind parameters expected with the -S flag"
    );
}

#[test]
fn pid_list_errors() {
    let r = run(&["-sf", "12", "abc"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&["[ALERT]    (PID) : -sf option: some bytes unconsumed in PID list {abc}"])
    );
}

#[test]
fn memory_debug_flag() {
    let r = run(&["-dMhelp"]);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.contains("no-merge"));
    let r = run(&["-dMfoo", "-v"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&["[ALERT]    (PID) : -dM: unknown pool debugging feature <foo>"])
    );
}

#[test]
fn missing_config_file_stops_before_reading_any() {
    let dir = TempDir::new();
    dir.write("ok.cfg", VALID);
    let r = dir.run(&["-c", "-f", "nonexist.cfg", "-f", "ok.cfg"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[ALERT]    (PID) : config : Cannot open configuration file/directory nonexist.cfg : No such file or directory"
        ])
    );
    // -q silences it.
    let r = dir.run(&["-q", "-c", "-f", "nonexist.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(1), "", "")
    );
}

#[test]
fn change_directory_failure() {
    let r = run(&["-C", "/nonexistent-rampart-dir", "-f", "x.cfg"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[ALERT]    (PID) : Could not change to directory /nonexistent-rampart-dir : No such file or directory"
        ])
    );
    let r = run(&["-q", "-C", "/nonexistent-rampart-dir", "-f", "x.cfg"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
}

#[test]
fn condition_truth_table_basics() {
    let cases: &[(&str, i32)] = &[("1", 0), ("0", 1), ("", 1)];
    for &(expr, code) in cases {
        let r = run(&["-cc", expr]);
        assert_eq!(r.code, Some(code), "-cc {expr:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
    }
    // The last -cc wins, and -cc needs no configuration file.
    assert_eq!(run(&["-cc", "1", "-cc", "0"]).code, Some(1));
}

#[test]
fn condition_error_is_reported_with_status_2() {
    let r = run(&["-cc", "foo(1)"]);
    assert_eq!(r.code, Some(2));
    let lines = r.stderr_lines();
    assert_eq!(lines[..2], notices());
    assert!(
        lines[2].starts_with("[ALERT]    (PID) : config : Failed to evaluate condition: "),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 3);
    assert_eq!(run(&["-q", "-cc", "foo(1)"]).stderr, "");
}

#[test]
fn check_mode_on_a_valid_configuration() {
    let dir = TempDir::new();
    dir.write("ok.cfg", VALID);
    let r = dir.run(&["-c", "-f", "ok.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "Configuration file is valid\n", "")
    );
    let r = dir.run(&["-c", "-q", "-f", "ok.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", "")
    );
    let r = dir.run(&["-q", "-V", "-c", "-f", "ok.cfg"]);
    assert_eq!(r.stdout, "Configuration file is valid\n");
    // What the harness passes along with -c.
    let r = dir.run(&["-d", "-dM", "-L", "peer1", "-m", "64", "-c", "-f", "ok.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (Some(0), "Configuration file is valid\n")
    );
    // -C applies before relative paths are opened.
    let r = run(&["-C", &dir.path().to_string_lossy(), "-c", "-f", "ok.cfg"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn check_mode_without_any_listener_exits_2() {
    let dir = TempDir::new();
    dir.write("empty.cfg", "");
    dir.write("m.cfg", "global\n    maxconn 100\n");
    for file in ["empty.cfg", "m.cfg"] {
        let r = dir.run(&["-c", "-f", file]);
        assert_eq!(r.code, Some(2), "{file}: {}", r.stderr);
        assert_eq!(
            r.stdout,
            "Configuration file has no error but will not start (no listener) => exit(2).\n"
        );
        assert_eq!(r.stderr, "");
    }
    let r = dir.run(&["-q", "-c", "-f", "m.cfg"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""));
}

#[test]
fn run_mode_reports_a_port_in_use_like_haproxy() {
    let dir = TempDir::new();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    dir.write(
        "busy.cfg",
        &format!("defaults\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nfrontend f\n    bind 127.0.0.1:{port}\n    default_backend b\nbackend b\n    server s 127.0.0.1:9\n"),
    );
    let r = dir.run(&["-f", "busy.cfg"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let lines = r.stderr_lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert_eq!(lines[..2], notices());
    assert_eq!(
        lines[2],
        format!("[ALERT]    (PID) : Binding [busy.cfg:7] for frontend f: cannot bind socket (Address already in use) for [127.0.0.1:{port}]")
    );
    assert!(
        lines[3].ends_with(".main()] Some protocols failed to start their listeners! Exiting."),
        "{}",
        lines[3]
    );
}

#[test]
fn master_cli_without_master_worker_warns() {
    let dir = TempDir::new();
    dir.write("ok.cfg", VALID);
    let r = dir.run(&["-c", "-S", "/tmp/rampart-master.sock", "-f", "ok.cfg"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        r.stdout,
        "Warnings were found.\nConfiguration file is valid\n"
    );
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[WARNING]  (PID) : config : a master CLI socket was defined, but master-worker mode (-W) is not enabled."
        ])
    );
    let r = dir.run(&[
        "-c",
        "-dW",
        "-S",
        "/tmp/rampart-master.sock",
        "-f",
        "ok.cfg",
    ]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr_lines().last().copied(),
        Some("[ALERT]    (PID) : config : Some warnings were found and 'zero-warning' is set. Aborting.")
    );
    let r = dir.run(&["-c", "-W", "-S", "/tmp/rampart-master.sock", "-f", "ok.cfg"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
}

// ---------------------------------------------------------------------------------------
// Behaviour that needs the configuration pipeline (reader directives, lexer, conditions,
// keyword tables) of the other engineers' work.

#[test]
fn condition_truth_table_predicates() {
    let cases: &[(&str, i32)] = &[
        ("version_atleast(2.4)", 0),
        ("version_atleast(2.7)", 1),
        ("!version_atleast(2.7)", 0),
        ("feature(OPENSSL)", 1),
        ("!feature(OPENSSL)", 0),
        ("feature(LINUX_SPLICE)", 0),
        ("feature(CPU_AFFINITY)", 0),
        ("feature(LUA)", 1),
        ("defined(HAPROXY_LOCALPEER)", 0),
        ("defined(HAPROXY_STARTUP_VERSION)", 0),
        ("defined(HAPROXY_CFGFILES)", 1),
        ("defined(RAMPART_SURELY_UNDEFINED_VAR)", 1),
        ("streq(a,a)", 0),
        ("streq(a,b)", 1),
        ("1 && 0", 1),
        ("1 || 0", 0),
        ("(0 || 1) && !0", 0),
        ("streq(\"${HAPROXY_LOCALPEER}\",peer9)", 0),
    ];
    for &(expr, code) in cases {
        let r = run(&["-L", "peer9", "-cc", expr]);
        assert_eq!(r.code, Some(code), "-cc {expr:?}: {}", r.stderr);
    }
}

#[test]
fn condition_unmatched_quote() {
    let r = run(&["-cc", "\"x"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&["[ALERT]    (PID) : config : Syntax Error in condition: Unmatched quote."])
    );
}

#[test]
fn unknown_keywords_are_fatal_with_file_and_line() {
    let dir = TempDir::new();
    dir.write("bad.cfg", "global\n    foo bar\n");
    let r = dir.run(&["-c", "-f", "bad.cfg"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[ALERT]    (PID) : config : parsing [bad.cfg:2] : unknown keyword 'foo' in 'global' section",
            "[ALERT]    (PID) : config : Error(s) found in configuration file : bad.cfg",
            "[ALERT]    (PID) : config : Fatal errors found in configuration.",
        ])
    );
    let r = dir.run(&["-q", "-c", "-f", "bad.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(1), "", "")
    );
}

#[test]
fn errors_are_reported_per_file_in_order() {
    let dir = TempDir::new();
    dir.write("one.cfg", "global\n    foo 1\n");
    dir.write("two.cfg", VALID);
    dir.write("three.cfg", "global\n    bar 1\n");
    let r = dir.run(&["-c", "-f", "one.cfg", "-f", "two.cfg", "--", "three.cfg"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[ALERT]    (PID) : config : parsing [one.cfg:2] : unknown keyword 'foo' in 'global' section",
            "[ALERT]    (PID) : config : Error(s) found in configuration file : one.cfg",
            "[ALERT]    (PID) : config : parsing [three.cfg:2] : unknown keyword 'bar' in 'global' section",
            "[ALERT]    (PID) : config : Error(s) found in configuration file : three.cfg",
            "[ALERT]    (PID) : config : Fatal errors found in configuration.",
        ])
    );
}

#[test]
fn warnings_and_zero_warning() {
    let dir = TempDir::new();
    dir.write(
        "w.cfg",
        &format!("global\n    .warning \"careful\"\n{VALID}"),
    );
    let r = dir.run(&["-c", "-f", "w.cfg"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Warnings were found.\nConfiguration file is valid\n"
    );
    assert_eq!(
        r.stderr_lines(),
        with_notices(&["[WARNING]  (PID) : config : parsing [w.cfg:2]: 'careful'."])
    );
    let r = dir.run(&["-q", "-c", "-f", "w.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", "")
    );
    let r = dir.run(&["-dW", "-c", "-f", "w.cfg"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[WARNING]  (PID) : config : parsing [w.cfg:2]: 'careful'.",
            "[ALERT]    (PID) : config : Some warnings were found and 'zero-warning' is set. Aborting.",
        ])
    );
}

#[test]
fn notices_and_diagnostics() {
    let dir = TempDir::new();
    dir.write(
        "n.cfg",
        &format!("global\n    .diag \"hello\"\n    .notice \"note\"\n{VALID}"),
    );
    // A notice alone does not bring the version notices, nor "Warnings were found.".
    let r = dir.run(&["-c", "-f", "n.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (Some(0), "Configuration file is valid\n")
    );
    assert_eq!(
        r.stderr_lines(),
        ["[NOTICE]   (PID) : config : parsing [n.cfg:3]: 'note'."]
    );
    // -dD shows diagnostics, even in quiet mode.
    let r = dir.run(&["-dD", "-c", "-f", "n.cfg"]);
    assert_eq!(
        r.stderr_lines(),
        [
            "[DIAG]     (PID) : config : parsing [n.cfg:2]: 'hello'.",
            "[NOTICE]   (PID) : config : parsing [n.cfg:3]: 'note'.",
        ]
    );
    let r = dir.run(&["-q", "-dD", "-c", "-f", "n.cfg"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), ""));
    assert_eq!(
        r.stderr_lines(),
        ["[DIAG]     (PID) : config : parsing [n.cfg:2]: 'hello'."]
    );
}

#[test]
fn directories_load_their_cfg_files_in_lexical_order() {
    let dir = TempDir::new();
    dir.write("d/b.cfg", ".notice \"b\"\n");
    dir.write("d/a.cfg", ".notice \"a\"\n");
    dir.write("d/z.cfg", VALID);
    dir.write("d/.hidden.cfg", ".alert \"hidden files are skipped\"\n");
    dir.write("d/c.txt", ".alert \"only .cfg files are read\"\n");
    dir.write(
        "d/sub.cfg/x.cfg",
        ".alert \"directories are not descended\"\n",
    );
    let r = dir.run(&["-c", "-f", "d"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stderr_lines(),
        [
            "[NOTICE]   (PID) : config : parsing [d/a.cfg:1]: 'a'.",
            "[NOTICE]   (PID) : config : parsing [d/b.cfg:1]: 'b'.",
        ]
    );
}

#[test]
fn several_files_in_command_line_order() {
    let dir = TempDir::new();
    dir.write("1.cfg", ".notice \"one\"\n");
    dir.write("2.cfg", ".notice \"two\"\n");
    dir.write("3.cfg", VALID);
    let r = dir.run(&["-c", "-f", "2.cfg", "-f", "1.cfg", "--", "3.cfg"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stderr_lines(),
        [
            "[NOTICE]   (PID) : config : parsing [2.cfg:1]: 'two'.",
            "[NOTICE]   (PID) : config : parsing [1.cfg:1]: 'one'.",
        ]
    );
}

#[test]
fn haproxy_variables_in_the_configuration() {
    let dir = TempDir::new();
    dir.write(
        "v.cfg",
        &format!(
            ".if streq(\"${{HAPROXY_LOCALPEER}}\",peer1)\n.notice \"peer\"\n.endif\n\
             .if defined(HAPROXY_STARTUP_VERSION)\n.notice \"version\"\n.endif\n\
             .if defined(HAPROXY_CFGFILES)\n.notice \"cfgfiles are only set after reading\"\n.endif\n\
             {VALID}"
        ),
    );
    let r = dir.run(&["-L", "peer1", "-c", "-f", "v.cfg"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stderr_lines(),
        [
            "[NOTICE]   (PID) : config : parsing [v.cfg:2]: 'peer'.",
            "[NOTICE]   (PID) : config : parsing [v.cfg:5]: 'version'.",
        ]
    );
}

#[test]
fn empty_directory_means_no_configuration() {
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.path().join("empty")).unwrap_or_else(|e| panic!("{e}"));
    assert_usage(&dir.run(&["-c", "-f", "empty"]));
}

#[test]
fn quiet_and_zero_warning_keywords_of_global() {
    let dir = TempDir::new();
    // Warned about: a frontend and a backend without timeouts.
    let untimed = "frontend fe\n    bind 127.0.0.1:8080\n    mode http\n    default_backend be\n\
                   backend be\n    mode http\n    server s1 127.0.0.1:8081\n";
    dir.write("q.cfg", &format!("global\n    quiet\n{untimed}"));
    let r = dir.run(&["-c", "-f", "q.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", "")
    );
    let r = dir.run(&["-V", "-c", "-f", "q.cfg"]);
    assert_eq!(
        r.stdout,
        "Warnings were found.\nConfiguration file is valid\n"
    );
    // `quiet` silences only what comes after it.
    dir.write(
        "late.cfg",
        "frontend fe\n    bind 127.0.0.1:8080\n    foo\nglobal\n    quiet\n",
    );
    let r = dir.run(&["-c", "-f", "late.cfg"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[ALERT]    (PID) : config : parsing [late.cfg:3] : unknown keyword 'foo' in 'frontend' section"
        ])
    );
    dir.write("z.cfg", &format!("global\n    zero-warning\n{untimed}"));
    let r = dir.run(&["-c", "-f", "z.cfg"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        r.stderr_lines().last().copied(),
        Some("[ALERT]    (PID) : config : Some warnings were found and 'zero-warning' is set. Aborting.")
    );
}

/// Two frontends on one address and port: HAProxy accepts it silently (with
/// `SO_REUSEPORT` the kernel spreads connections between them); Rampart accepts it too,
/// with the same exit status, and warns naming both lines.
#[test]
fn same_address_in_two_frontends_is_valid_with_a_warning() {
    let dir = TempDir::new();
    dir.write(
        "dup.cfg",
        "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n\
         frontend a\n    bind 127.0.0.1:8080\n    default_backend be\n\
         frontend b\n    bind 127.0.0.1:8080\n    default_backend be\n\
         backend be\n    server s1 127.0.0.1:8081\n",
    );
    let r = dir.run(&["-c", "-f", "dup.cfg"]);
    assert_eq!(
        r.code,
        Some(0),
        "haproxy -c exits 0 on this file; {}",
        r.stderr
    );
    assert_eq!(
        r.stdout,
        "Warnings were found.\nConfiguration file is valid\n"
    );
    assert_eq!(
        r.stderr_lines(),
        with_notices(&[
            "[WARNING]  (PID) : config : address '127.0.0.1' port 8080 of 'bind' at dup.cfg:10 \
             (frontend 'b') is also bound at dup.cfg:7 (frontend 'a'); the system will spread \
             connections between them at random."
        ])
    );
}

/// `tcp-request inspect-delay` and content rules are valid; a rule needing a subsystem
/// Rampart does not have yet (stick tables) says so.
#[test]
fn tcp_request_rules_are_valid_and_track_sc_is_not_yet() {
    let dir = TempDir::new();
    let base = "defaults\n    mode tcp\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n\
                listen l\n    bind 127.0.0.1:8080\n    tcp-request inspect-delay 5s\n    server s1 127.0.0.1:8081\n";
    dir.write("ok.cfg", &format!("{base}    tcp-request content accept\n"));
    let r = dir.run(&["-c", "-f", "ok.cfg"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "Configuration file is valid\n", "")
    );
    dir.write(
        "rules.cfg",
        &format!("{base}    tcp-request content track-sc0 src\n"),
    );
    let r = dir.run(&["-c", "-f", "rules.cfg"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains(
            "[ALERT]    (PID) : config : parsing [rules.cfg:10] : 'tcp-request content track-sc0' is not supported yet (it needs stick tables)"
        ),
        "{}",
        r.stderr
    );
}
