//! Tests of the `global` section as a whole: every implemented keyword's accepted forms
//! and error messages (compared with what HAProxy 2.6 prints), merging of several
//! `global` sections, and `default-path`.

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

use std::path::{Path, PathBuf};

use rampart_config::{Config, Diagnostics, Level, Line, Modifier, Section, SectionKind, Span};

use super::stats::AccessLevel;
use super::*;
use crate::log::LogDest;
use crate::{LowerCx, LowerOptions};

/// Builds an AST the simple way (whitespace words, `no` prefix) so these tests do not
/// depend on the reader.
pub(crate) fn config(text: &str) -> Config {
    let mut c = Config::default();
    let file = c.sources.add("t.cfg");
    for (i, raw) in text.lines().enumerate() {
        let mut words: Vec<String> = raw.split_whitespace().map(String::from).collect();
        if words.is_empty() {
            continue;
        }
        let mut modifier = Modifier::None;
        if words[0] == "no" {
            modifier = Modifier::No;
            words.remove(0);
        }
        let line = Line {
            span: Span {
                file,
                line: i as u32 + 1,
            },
            modifier,
            words,
        };
        if let Some(kind) = SectionKind::from_keyword(line.keyword()) {
            c.sections.push(Section {
                kind,
                header: line,
                lines: Vec::new(),
            });
        } else if let Some(s) = c.sections.last_mut() {
            s.lines.push(line);
        }
    }
    c
}

/// Renders diagnostics as `LEVEL text` without HAProxy's pid column.
pub(crate) fn rendered(diags: &Diagnostics, c: &Config) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            let full = d.render(1, &c.sources);
            let text = full
                .split_once(" : config : ")
                .map_or(full.as_str(), |(_, t)| t)
                .to_string();
            let lvl = match d.level {
                Level::Alert => "ALERT",
                Level::NonFatalAlert => "NONFATAL-ALERT",
                Level::Warning => "WARNING",
                Level::Notice => "NOTICE",
                Level::Diag => "DIAG",
            };
            format!("{lvl} {text}")
        })
        .collect()
}

/// A resolver with a fixed table, so tests never touch the network.
pub(crate) fn test_resolver() -> crate::proxy::HostResolver {
    crate::proxy::HostResolver::new(|h| match h {
        "localhost" => Ok(vec![std::net::IpAddr::from([127, 0, 0, 1])]),
        "mail.example.com" | "syslog.example.com" => {
            Ok(vec![std::net::IpAddr::from([192, 0, 2, 25])])
        }
        _ => Err("unknown host".into()),
    })
}

fn run_with(text: &str, cwd: &Path, localpeer: Option<&str>) -> (Global, Vec<String>) {
    let c = config(text);
    let mut diags = Diagnostics::new();
    let mut opts = LowerOptions::default();
    opts.cwd = cwd.to_path_buf();
    opts.localpeer = localpeer.map(String::from);
    opts.resolver = test_resolver();
    let g = {
        let mut cx = LowerCx {
            sources: &c.sources,
            diags: &mut diags,
            opts: &opts,
            default_path: DefaultPath::default(),
        };
        let mut b = GlobalBuilder::default();
        for s in c.sections.iter().filter(|s| s.kind == SectionKind::Global) {
            lower_section(&mut b, s, &mut cx);
        }
        b.finish(&mut cx)
    };
    (g, rendered(&diags, &c))
}

fn run(text: &str) -> (Global, Vec<String>) {
    run_with(text, Path::new("/tmp"), None)
}

/// The diagnostics of a `global` section made of `lines`.
fn msgs(lines: &str) -> Vec<String> {
    run(&format!("global\n{lines}")).1
}

fn ok(lines: &str) -> Global {
    let (g, m) = run(&format!("global\n{lines}"));
    assert!(m.is_empty(), "unexpected diagnostics: {m:?}");
    g
}

#[test]
fn process_switches() {
    let g = ok("daemon\nquiet\nzero-warning\nexpose-experimental-directives");
    assert!(g.daemon && g.quiet && g.zero_warning && g.expose_experimental_directives);
    assert_eq!(
        msgs("daemon x"),
        ["ALERT parsing [t.cfg:2] : 'daemon' cannot handle unexpected argument 'x'."]
    );
    assert_eq!(
        msgs("quiet 1"),
        ["ALERT parsing [t.cfg:2] : 'quiet' cannot handle unexpected argument '1'."]
    );
    assert_eq!(
        run("global foo\n").1,
        ["ALERT parsing [t.cfg:1] : 'global' cannot handle unexpected argument 'foo'."]
    );
}

#[test]
fn accept_rates_once() {
    assert_eq!(ok("maxconnrate 50").maxconnrate, Some(50));
    assert_eq!(ok("maxsessrate 20").maxsessrate, Some(20));
    assert_eq!(ok("maxsessrate 0").maxsessrate, None);
    let (g, m) = run("global\nmaxconnrate 10\nmaxconnrate 20\n");
    assert_eq!(g.maxconnrate, Some(10));
    assert_eq!(
        m,
        ["NONFATAL-ALERT parsing [t.cfg:3] : 'maxconnrate' already specified. Continuing."]
    );
    assert_eq!(
        msgs("maxsessrate"),
        ["ALERT parsing [t.cfg:2] : 'maxsessrate' expects an integer argument."]
    );
    assert_eq!(
        msgs("maxconnrate 1 2"),
        ["ALERT parsing [t.cfg:2] : 'maxconnrate' cannot handle unexpected argument '2'."]
    );
}

#[test]
fn maxconn_once() {
    assert_eq!(ok("maxconn 1000").maxconn, Some(1000));
    let (g, m) = run("global\nmaxconn 10\nmaxconn 20\n");
    assert_eq!(g.maxconn, Some(10));
    assert_eq!(
        m,
        ["NONFATAL-ALERT parsing [t.cfg:3] : 'maxconn' already specified. Continuing."]
    );
    // atol() semantics: garbage reads as 0, which leaves the value unset.
    assert_eq!(ok("maxconn abc\nmaxconn 7").maxconn, Some(7));
    assert_eq!(
        msgs("maxconn"),
        ["ALERT parsing [t.cfg:2] : 'maxconn' expects an integer argument."]
    );
    assert_eq!(
        msgs("maxconn 1 2"),
        ["ALERT parsing [t.cfg:2] : 'maxconn' cannot handle unexpected argument '2'."]
    );
}

#[test]
fn nbthread_rules() {
    assert_eq!(ok("nbthread 4").nbthread, Some(4));
    assert_eq!(
        msgs("nbthread 0\nnbthread 65\nnbthread 2x\nnbthread\nnbthread 4 5"),
        [
            "ALERT parsing [t.cfg:2] : 'nbthread' value must be between 1 and 64 (was 0)",
            "ALERT parsing [t.cfg:3] : 'nbthread' value must be between 1 and 64 (was 65)",
            "ALERT parsing [t.cfg:4] : 'nbthread' passed a missing or unparsable integer value in '2x'",
            "ALERT parsing [t.cfg:5] : 'nbthread' passed a missing or unparsable integer value in ''",
            "ALERT parsing [t.cfg:6] : 'nbthread' cannot handle unexpected argument '5'.",
        ]
    );
    let (g, m) = run("global\nnbthread 2\nnbthread 8\n");
    assert_eq!(g.nbthread, Some(8));
    assert_eq!(
        m,
        ["DIAG parsing [t.cfg:3] : 'nbthread' is already defined and will be overridden."]
    );
}

#[test]
fn files_and_limits() {
    let g = ok("pidfile /run/haproxy.pid\nchroot /var/empty\nulimit-n 4096");
    assert_eq!(g.pidfile, Some(PathBuf::from("/run/haproxy.pid")));
    assert_eq!(g.chroot, Some(PathBuf::from("/var/empty")));
    assert_eq!(g.ulimit_n, Some(4096));
    assert_eq!(
        msgs("pidfile\npidfile a\npidfile b\nchroot\nchroot /x\nchroot /y\nulimit-n\nulimit-n 5 6\nulimit-n 100\nulimit-n 200"),
        [
            "ALERT parsing [t.cfg:2] : 'pidfile' expects a file name as an argument.",
            "NONFATAL-ALERT parsing [t.cfg:4] : 'pidfile' already specified. Continuing.",
            "ALERT parsing [t.cfg:5] : 'chroot' expects a directory as an argument.",
            "NONFATAL-ALERT parsing [t.cfg:7] : 'chroot' already specified. Continuing.",
            "ALERT parsing [t.cfg:8] : 'ulimit-n' expects an integer argument.",
            "ALERT parsing [t.cfg:9] : 'ulimit-n' cannot handle unexpected argument '6'.",
            "NONFATAL-ALERT parsing [t.cfg:11] : 'ulimit-n' already specified. Continuing.",
        ]
    );
}

#[test]
fn fd_limits_and_strictness() {
    let g = ok("fd-hard-limit 50000");
    assert_eq!((g.fd_hard_limit, g.no_strict_limits), (Some(50000), false));
    // Only the `no` form changes anything; a later plain line does not undo it.
    assert!(ok("no strict-limits\nstrict-limits").no_strict_limits);
    assert!(!ok("strict-limits").no_strict_limits);
    // `atol`: a word that is not a number leaves it unset, so a later line applies.
    assert_eq!(
        ok("fd-hard-limit abc\nfd-hard-limit 100").fd_hard_limit,
        Some(100)
    );
    assert_eq!(ok("fd-hard-limit -5").fd_hard_limit, Some(-5));
    assert_eq!(
        msgs("fd-hard-limit\nfd-hard-limit 1 2\nfd-hard-limit 100\nfd-hard-limit 200\nstrict-limits foo\nno strict-limits 1"),
        [
            "ALERT parsing [t.cfg:2] : 'fd-hard-limit' expects an integer argument.",
            "ALERT parsing [t.cfg:3] : 'fd-hard-limit' cannot handle unexpected argument '2'.",
            "NONFATAL-ALERT parsing [t.cfg:5] : 'fd-hard-limit' already specified. Continuing.",
            "ALERT parsing [t.cfg:6] : 'strict-limits' cannot handle unexpected argument 'foo'.",
            "ALERT parsing [t.cfg:7] : 'strict-limits' cannot handle unexpected argument '1'.",
        ]
    );
}

#[test]
fn identities() {
    let g = ok("uid 99\ngid 98");
    assert_eq!((g.uid, g.gid), (Some(99), Some(98)));
    assert_eq!(ok("user root\ngroup root").uid, Some(0));
    assert_eq!(
        msgs("uid abc\nuid 5\nuid 6\nuser root\ngid -3\ngroup nosuchgroup\ngroup root\nuser nosuchuser"),
        [
            "WARNING parsing [t.cfg:2] :  uid: string 'abc' is not a number.\n   | You might want to use \
             the 'user' parameter to use a system user name.",
            "NONFATAL-ALERT parsing [t.cfg:4] : user/uid already specified. Continuing.",
            "NONFATAL-ALERT parsing [t.cfg:5] : user/uid already specified. Continuing.",
            "NONFATAL-ALERT parsing [t.cfg:7] : gid/group was already specified. Continuing.",
            "NONFATAL-ALERT parsing [t.cfg:8] : gid/group was already specified. Continuing.",
            "NONFATAL-ALERT parsing [t.cfg:9] : user/uid already specified. Continuing.",
        ]
    );
    assert_eq!(
        msgs("user nosuchuser-xyz\nuser\ngroup nosuchgroup-xyz\nuid\ngid x"),
        [
            "ALERT parsing [t.cfg:2] : cannot find user id for 'nosuchuser-xyz' (0:Success)",
            "ALERT parsing [t.cfg:3] : cannot find user id for '' (0:Success)",
            "ALERT parsing [t.cfg:4] : cannot find group id for 'nosuchgroup-xyz' (0:Success)",
            "ALERT parsing [t.cfg:5] : 'uid' expects an integer argument.",
            "WARNING parsing [t.cfg:6] :  gid: string 'x' is not a number.\n   | You might want to use \
             the 'group' parameter to use a system group name.",
        ]
    );
}

#[test]
fn stop_timers() {
    let g = ok("hard-stop-after 30s\ngrace 500");
    assert_eq!(
        (g.hard_stop_after_ms, g.grace_ms),
        (Some(30_000), Some(500))
    );
    assert_eq!(ok("grace 1s\ngrace 2s").grace_ms, Some(2000));
    assert_eq!(
        msgs("grace\nhard-stop-after 30d\nhard-stop-after 5x"),
        [
            "ALERT parsing [t.cfg:2] : 'grace' expects <time> as argument.\n",
            "ALERT parsing [t.cfg:3] : timer overflow in argument '30d' to 'hard-stop-after' (maximum \
             value is 2147483647 ms or ~24.8 days)",
            "ALERT parsing [t.cfg:4] : unexpected character 'x' in argument to <hard-stop-after>.\n",
        ]
    );
    assert_eq!(
        msgs("grace 10sx"),
        [
            "WARNING unexpected character 'x' after the timer value '10sx', only \
          (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This \
          will be reported as an error in next versions."
        ]
    );
}

#[test]
fn names() {
    let g = ok("node lb-1.example\ndescription  main  load balancer\nlocalpeer lb1");
    assert_eq!(g.node.as_deref(), Some("lb-1.example"));
    assert_eq!(g.description.as_deref(), Some("main load balancer"));
    assert_eq!(g.localpeer.as_deref(), Some("lb1"));
    let bad_node =
        "'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, \
                    a-z), dot(.), hyphen(-) or underscode(_).";
    assert_eq!(
        msgs("node a/b\nnode\nnode a b\ndescription\nlocalpeer\nlocalpeer a b"),
        [
            format!("ALERT parsing [t.cfg:2]: {bad_node}"),
            format!("ALERT parsing [t.cfg:3]: {bad_node}"),
            "ALERT parsing [t.cfg:4] : 'node' cannot handle unexpected argument 'b'.".into(),
            "ALERT parsing [t.cfg:5]: 'description' expects a string argument.".into(),
            "ALERT parsing [t.cfg:6] : 'localpeer' expects a name as an argument.".into(),
            "ALERT parsing [t.cfg:7] : 'localpeer' cannot handle unexpected argument 'b'.".into(),
        ]
    );
    let (g, m) = run_with("global\nlocalpeer x\n", Path::new("/tmp"), Some("cli"));
    assert_eq!(g.localpeer.as_deref(), Some("cli"));
    assert_eq!(
        m,
        ["WARNING parsing [t.cfg:2] : 'localpeer' ignored since it is already set by using the '-L' \
          command line argument."]
    );
}

#[test]
fn environment_keywords() {
    let g = ok("setenv A 1\npresetenv B 2\nunsetenv C D\nresetenv A B\nsetenv E f g");
    assert_eq!(
        g.env,
        vec![
            EnvOp::Set {
                name: "A".into(),
                value: "1".into()
            },
            EnvOp::Preset {
                name: "B".into(),
                value: "2".into()
            },
            EnvOp::Unset(vec!["C".into(), "D".into()]),
            EnvOp::Reset {
                keep: vec!["A".into(), "B".into()]
            },
            EnvOp::Set {
                name: "E".into(),
                value: "f".into()
            },
        ]
    );
    assert_eq!(ok("resetenv").env, vec![EnvOp::Reset { keep: vec![] }]);
    assert_eq!(
        msgs("setenv A\nsetenv A b c d\nsetenv a=b x\nunsetenv\nunsetenv a=b\npresetenv X"),
        [
            "ALERT parsing [t.cfg:2]: 'setenv' expects a name and a value.",
            "ALERT parsing [t.cfg:3] : 'setenv' cannot handle unexpected argument 'd'.",
            "ALERT parsing [t.cfg:4]: 'setenv' failed on variable 'a=b' : Invalid argument.",
            "ALERT parsing [t.cfg:5]: 'unsetenv' expects at least one variable name.",
            "ALERT parsing [t.cfg:6]: 'unsetenv' failed on variable 'a=b' : Invalid argument.",
            "ALERT parsing [t.cfg:7]: 'presetenv' expects a name and a value.",
        ]
    );
}

#[test]
fn cpu_map_lines() {
    let g = ok("cpu-map 1/1-2 0-1\ncpu-map auto:1/3-4 2-3");
    assert_eq!(g.cpu_map.threads.len(), 4);
    assert_eq!(g.cpu_map.threads[&3].iter().collect::<Vec<_>>(), vec![2]);
    assert_eq!(
        msgs("cpu-map 0 0"),
        ["ALERT parsing [t.cfg:2] : cpu-map : '0' is not a valid number/range. It supports numbers from \
          1 to 64.\n"]
    );
}

#[test]
fn log_lines() {
    let g = ok("log 127.0.0.1:514 local0\nlog stdout format raw daemon info\nlog ring@buf0 local1");
    assert_eq!(g.log.len(), 3);
    assert_eq!(g.log[1].dest, LogDest::Fd(1));
    assert_eq!(
        ok("log /dev/log local0\nno log\nlog stderr local0")
            .log
            .len(),
        1
    );
    assert_eq!(
        msgs("log global\nlog\nlog 1.2.3.4:x local0\nno log x\nlog 1.2.3.4"),
        [
            "ALERT parsing [t.cfg:2] : log : 'global' is not supported for a global syslog server",
            "ALERT parsing [t.cfg:3] : log : expects <address> and <facility>  as arguments",
            "ALERT parsing [t.cfg:4] : log : invalid character 'x' in port number 'x' in '1.2.3.4:x'\n",
            "ALERT parsing [t.cfg:5] : log : 'no log' does not expect arguments",
            "ALERT parsing [t.cfg:6] : log : expects <address> and <facility>  as arguments",
        ]
    );
    // Host names are resolved now, through the binary's resolver, as HAProxy does.
    let g = ok("log syslog.example.com:1514 local0");
    match &g.log[0].dest {
        LogDest::Dgram(a) => assert_eq!(a.host, crate::addr::Host::Ip([192, 0, 2, 25].into())),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        msgs("log nosuch.invalid local0"),
        ["ALERT parsing [t.cfg:2] : log : invalid address: 'nosuch.invalid' in 'nosuch.invalid'\n"]
    );
    let g = ok("log-tag web\nlog-send-hostname");
    assert_eq!(g.log_tag.as_deref(), Some("web"));
    assert_eq!(g.log_send_hostname, Some(SendHostname::System));
    assert_eq!(
        ok("log-send-hostname lb1").log_send_hostname,
        Some(SendHostname::Name("lb1".into()))
    );
    assert_eq!(
        msgs("log-tag\nlog-send-hostname a\nlog-send-hostname b"),
        [
            "ALERT parsing [t.cfg:2] : 'log-tag' expects a tag for use in syslog.",
            "NONFATAL-ALERT parsing [t.cfg:4] : 'log-send-hostname' already specified. Continuing.",
        ]
    );
}

#[test]
fn stats_lines() {
    let g = ok("stats socket /run/haproxy.sock mode 600 level admin expose-fd listeners\n\
                stats socket ipv4@127.0.0.1:9999,:9998 level user thread 1-2 severity-output number\n\
                stats timeout 2m\nstats maxconn 20\nstats bind-process all");
    assert_eq!(g.stats.sockets.len(), 2);
    let s = &g.stats.sockets[0];
    assert_eq!(
        (s.level, s.mode, s.expose_fd_listeners),
        (AccessLevel::Admin, Some(0o600), true)
    );
    let s = &g.stats.sockets[1];
    assert_eq!(
        (s.addresses.len(), s.level, s.threads),
        (2, AccessLevel::User, 0b11)
    );
    assert_eq!(
        (g.stats.timeout_ms, g.stats.maxconn),
        (Some(120_000), Some(20))
    );
    assert_eq!(
        ok("stats socket /x.sock user root group root")
            .stats
            .sockets[0]
            .uid,
        Some(0)
    );
    assert_eq!(
        ok("stats socket /x.sock").stats.sockets[0].level,
        AccessLevel::Operator
    );

    let pre = "ALERT parsing [t.cfg:2] : 'stats socket' : ";
    let one = |l: &str| msgs(l).join("|");
    assert_eq!(one("stats socket"), "ALERT parsing [t.cfg:2] : 'stats socket' in global section expects an address or a path to a UNIX socket");
    assert_eq!(
        one("stats socket /x level foo"),
        format!("{pre}''level' only supports 'user', 'operator', and 'admin' (got 'foo')'")
    );
    assert_eq!(
        one("stats socket /x level"),
        format!("{pre}''level' : missing level'")
    );
    assert_eq!(
        one("stats socket /x mode 0o0"),
        format!("{pre}''mode' : missing or invalid mode '0o0' (octal integer expected)'")
    );
    assert_eq!(
        one("stats socket /x mode"),
        format!("{pre}''mode' : missing or invalid mode '' (octal integer expected)'")
    );
    assert_eq!(
        one("stats socket /x uid"),
        format!("{pre}''uid' : missing value'")
    );
    assert_eq!(
        one("stats socket /x user nosuchuser-xyz"),
        format!("{pre}''user' : unknown user name 'nosuchuser-xyz''")
    );
    assert_eq!(
        one("stats socket /x group nosuch-xyz"),
        format!("{pre}''group' : unknown group name 'nosuch-xyz''")
    );
    assert_eq!(
        one("stats socket /x expose-fd foo"),
        format!("{pre}''expose-fd' only supports 'listeners' (got 'foo')'")
    );
    assert_eq!(
        one("stats socket /x levl admin"),
        format!("{pre}unknown keyword 'levl'. Did you mean 'level' maybe ?")
    );
    assert_eq!(
        one("stats socket /x zzzzzzzz"),
        format!("{pre}unknown keyword 'zzzzzzzz'.")
    );
    assert_eq!(
        one("stats socket /x ssl crt /x.pem"),
        format!("{pre}'ssl' is not supported yet")
    );
    assert_eq!(
        one("stats socket /x process 2"),
        format!("{pre}''process' : '2' is not a valid number/range. It supports numbers from 1 to 1.\n'")
    );
    assert_eq!(
        one("stats socket /x thread 65"),
        format!(
            "{pre}''65' : '65' is not a valid number/range. It supports numbers from 1 to 64.\n'"
        )
    );
    assert_eq!(
        one("stats socket /x thread 2/1"),
        format!("{pre}''2/1' thread-group number must be between 1 and 1 (was 2)'")
    );
    assert_eq!(
        one("stats socket /x process 1/2"),
        "WARNING parsing [t.cfg:2] : 'stats socket' : 'process 1/2' on 'bind' lines is deprecated and \
         will be removed in 2.7. Please use 'thread 2' instead."
    );
    assert_eq!(
        one("stats socket 127.0.0.1"),
        "ALERT parsing [t.cfg:2] : parsing [t.cfg:2] : 'stats socket' : missing port specification in \
         '127.0.0.1'\n"
    );
    assert_eq!(
        one("stats socket udp@:8000"),
        "ALERT parsing [t.cfg:2] : parsing [t.cfg:2] : 'stats socket' : dgram-type address not \
         acceptable in 'udp@:8000'\n\n"
    );
    assert_eq!(
        one("stats timeout"),
        "ALERT parsing [t.cfg:2] : 'stats timeout' : unexpected character '"
    );
    assert_eq!(
        one("stats timeout 0"),
        "ALERT parsing [t.cfg:2] : 'stats timeout' expects a positive value"
    );
    assert_eq!(
        one("stats timeout 10x"),
        "ALERT parsing [t.cfg:2] : 'stats timeout' : unexpected character 'x'"
    );
    assert_eq!(
        one("stats timeout 30d"),
        "ALERT parsing [t.cfg:2] : timer overflow in argument '30d' to 'stats timeout' (maximum value is \
         2147483647 ms or ~24.8 days)"
    );
    assert_eq!(
        one("stats maxconn 0"),
        "ALERT parsing [t.cfg:2] : 'stats maxconn' expects a positive value"
    );
    assert_eq!(
        one("stats maxconn x"),
        "ALERT parsing [t.cfg:2] : 'stats maxconn' expects a positive value"
    );
    assert_eq!(
        one("stats bind-process 2"),
        "ALERT parsing [t.cfg:2] : 'stats bind-process' : '2' is not a valid number/range. It supports \
         numbers from 1 to 1.\n"
    );
    assert_eq!(
        one("stats foo"),
        "ALERT parsing [t.cfg:2] : 'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' \
         (got 'foo')"
    );
}

#[test]
fn tune_values() {
    let g = ok("tune.bufsize 32768\ntune.maxrewrite 2048\ntune.http.maxhdr 200");
    assert_eq!(
        (g.tune.bufsize, g.tune.maxrewrite, g.tune.max_http_hdr),
        (32768, 2048, 200)
    );
    assert_eq!(ok("tune.bufsize 1000").tune.bufsize, 1008);
    // maxrewrite is capped to half a buffer, as HAProxy does at start-up.
    assert_eq!(
        ok("tune.bufsize 1024\ntune.maxrewrite 900").tune.maxrewrite,
        512
    );
    assert_eq!(
        msgs("tune.bufsize\ntune.bufsize -5\ntune.bufsize 3000000000\ntune.maxrewrite -1\ntune.http.maxhdr 0\ntune.http.maxhdr 32768"),
        [
            "ALERT parsing [t.cfg:2] : 'tune.bufsize' expects an integer argument.",
            "ALERT parsing [t.cfg:3] : 'tune.bufsize' expects a positive integer argument.",
            "ALERT parsing [t.cfg:4] : 'tune.bufsize' expects a positive integer argument.",
            "ALERT parsing [t.cfg:5] : 'tune.maxrewrite' expects a positive integer argument.",
            "ALERT parsing [t.cfg:6] : 'tune.http.maxhdr' expects a numeric value between 1 and 32767",
            "ALERT parsing [t.cfg:7] : 'tune.http.maxhdr' expects a numeric value between 1 and 32767",
        ]
    );
}

#[test]
fn splicing_settings() {
    let g = ok("maxpipes 300\ntune.pipesize 262144\nnosplice");
    assert_eq!(
        (g.maxpipes, g.tune.pipesize, g.nosplice),
        (Some(300), 262144, true)
    );
    let g = ok("maxpipes 0\ntune.pipesize -1");
    assert_eq!((g.maxpipes, g.tune.pipesize, g.nosplice), (None, 0, false));
    assert_eq!(
        msgs("maxpipes 10\nmaxpipes 20\nmaxpipes\ntune.pipesize\nnosplice 1"),
        [
            "NONFATAL-ALERT parsing [t.cfg:3] : 'maxpipes' already specified. Continuing.",
            "NONFATAL-ALERT parsing [t.cfg:4] : 'maxpipes' already specified. Continuing.",
            "ALERT parsing [t.cfg:5] : 'tune.pipesize' expects an integer argument.",
            "ALERT parsing [t.cfg:6] : 'nosplice' cannot handle unexpected argument '1'.",
        ]
    );
}

#[test]
fn tuning_knobs_are_checked_then_warned() {
    assert_eq!(
        msgs("noepoll\ntune.maxpollevents 100"),
        [
            "WARNING parsing [t.cfg:2] : 'noepoll' is a tuning keyword with no effect in Rampart; ignored.",
            "WARNING parsing [t.cfg:3] : 'tune.maxpollevents' is a tuning keyword with no effect in Rampart; ignored.",
        ]
    );
    assert_eq!(
        msgs("noepoll x\ntune.maxpollevents\ntune.idletimer 70000\ntune.sched.low-latency maybe\ntune.maxaccept 3000000000"),
        [
            "ALERT parsing [t.cfg:2] : 'noepoll' cannot handle unexpected argument 'x'.",
            "ALERT parsing [t.cfg:3] : 'tune.maxpollevents' expects an integer argument.",
            "ALERT parsing [t.cfg:4] : 'tune.idletimer' expects a timer value between 0 and 65535 ms.",
            "ALERT parsing [t.cfg:5] : 'tune.sched.low-latency' expects either 'on' or 'off' but got 'maybe'.",
            "ALERT parsing [t.cfg:6] : 'tune.maxaccept' expects -1 or an integer from 0 to INT_MAX.",
        ]
    );
    let m = msgs("tune.runqueue-depth 10\ntune.runqueue-depth 20");
    assert_eq!(
        m[1],
        "NONFATAL-ALERT parsing [t.cfg:3] : 'tune.runqueue-depth' already specified. Continuing."
    );
    assert_eq!(
        msgs("tune.fd.edge-triggered on"),
        ["ALERT parsing [t.cfg:2] : 'tune.fd.edge-triggered' directive is experimental, must be allowed \
          via a global 'expose-experimental-directives'"]
    );
    assert_eq!(
        msgs("expose-experimental-directives\ntune.fd.edge-triggered on").len(),
        1
    );
    assert_eq!(
        msgs("thread-groups 2"),
        ["ALERT parsing [t.cfg:2] : 'thread-groups' value must be between 1 and 1 (was 2)"]
    );
}

#[test]
fn refused_and_unknown_keywords() {
    assert_eq!(
        msgs("nbproc 2\ntune.chksize 100"),
        [
            "ALERT parsing [t.cfg:2] : nbproc is not supported any more since HAProxy 2.5. Threads will \
             automatically be used on multi-processor machines if available.",
            "ALERT parsing [t.cfg:3]: option 'tune.chksize' is not supported any more (tune.bufsize is used instead).",
        ]
    );
    assert_eq!(
        msgs("ssl-default-bind-options no-sslv3"),
        ["ALERT parsing [t.cfg:2] : 'ssl-default-bind-options' is not supported yet"]
    );
    assert!(msgs("ssl-engine rdrand")[0]
        .starts_with("ALERT parsing [t.cfg:2] : 'ssl-engine' is not supported by Rampart: "));
    assert_eq!(msgs("maxconnn 10"), ["ALERT parsing [t.cfg:2] : unknown keyword 'maxconnn' in 'global' section; did you mean 'maxconn' maybe ?"]);
}

#[test]
fn lua_files_must_exist() {
    assert_eq!(
        msgs("lua-load /nonexistent/x.lua\nlua-load\nlua-load-per-thread\nlua-prepend-path /x/?.lua foo"),
        [
            "ALERT parsing [t.cfg:2] : error in Lua file '/nonexistent/x.lua': cannot open /nonexistent/x.lua: No such file or directory",
            "ALERT parsing [t.cfg:3] : 'lua-load' expects a file name as parameter.",
            "ALERT parsing [t.cfg:4] : 'lua-load-per-thread' expects a file as parameter.",
            "ALERT parsing [t.cfg:5] : 'lua-prepend-path' expects <type> to either be 'path' or 'cpath'",
        ]
    );
    let dir = std::env::temp_dir().join(format!("rampart-lua-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.lua"), "-- nothing\n").unwrap();
    let (_, m) = run_with("global\nlua-load a.lua\n", &dir, None);
    assert_eq!(
        m,
        ["ALERT parsing [t.cfg:2] : 'lua-load' is not supported yet"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn global_sections_merge() {
    let (g, m) = run("global\nmaxconn 100\nlog stdout local0\nglobal\nmaxconn 200\nnbthread 2\nlog stderr local1\ndaemon\n");
    assert_eq!(g.maxconn, Some(100));
    assert_eq!((g.nbthread, g.daemon, g.log.len()), (Some(2), true, 2));
    assert_eq!(
        m,
        ["NONFATAL-ALERT parsing [t.cfg:5] : 'maxconn' already specified. Continuing."]
    );
}

#[test]
fn default_path_resolution() {
    let cwd = Path::new("/srv");
    let f = Path::new("conf/site/haproxy.cfg");
    assert_eq!(DefaultPath::Current.base_dir(f, cwd), PathBuf::from("/srv"));
    assert_eq!(
        DefaultPath::Config.base_dir(f, cwd),
        PathBuf::from("/srv/conf/site")
    );
    assert_eq!(
        DefaultPath::Parent.base_dir(f, cwd),
        PathBuf::from("/srv/conf/site/..")
    );
    assert_eq!(
        DefaultPath::Origin("/etc/x".into()).base_dir(f, cwd),
        PathBuf::from("/etc/x")
    );
    assert_eq!(
        DefaultPath::Origin("rel".into()).base_dir(f, cwd),
        PathBuf::from("/srv/rel")
    );
    // No directory part, or directly under "/": HAProxy stays in (or above) the start-up dir.
    assert_eq!(
        DefaultPath::Config.base_dir(Path::new("h.cfg"), cwd),
        PathBuf::from("/srv")
    );
    assert_eq!(
        DefaultPath::Parent.base_dir(Path::new("h.cfg"), cwd),
        PathBuf::from("/srv/..")
    );
    assert_eq!(
        DefaultPath::Config.base_dir(Path::new("/h.cfg"), cwd),
        PathBuf::from("/srv")
    );
    assert_eq!(
        DefaultPath::Config.base_dir(Path::new("/etc/h.cfg"), cwd),
        PathBuf::from("/etc")
    );

    // The new mode applies from the next line on: the Lua file is looked up relative to it.
    let dir = std::env::temp_dir().join(format!("rampart-dp-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lua")).unwrap();
    std::fs::write(dir.join("lua/a.lua"), "").unwrap();
    let (g, m) = run_with(
        "global\ndefault-path origin lua\nlua-load a.lua\n",
        &dir,
        None,
    );
    assert_eq!(g.default_path, DefaultPath::Origin("lua".into()));
    assert_eq!(
        m,
        ["ALERT parsing [t.cfg:3] : 'lua-load' is not supported yet"]
    );
    let (_, m) = run_with("global\nlua-load a.lua\n", &dir, None);
    assert!(m[0].contains("cannot open a.lua"));
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(
        msgs("default-path\ndefault-path foo\ndefault-path origin\ndefault-path origin /nonexistent-dir"),
        [
            "ALERT parsing [t.cfg:2] : missing default-path mode '' for 'default-path', supported modes \
             include 'current', 'config', 'parent', and 'origin'.",
            "ALERT parsing [t.cfg:3] : unsupported default-path mode 'foo' for 'default-path', supported \
             modes include 'current', 'config', 'parent', and 'origin'.",
            "ALERT parsing [t.cfg:4] : 'default-path origin' expects a directory as an argument.",
            "ALERT parsing [t.cfg:5] : couldn't set 'default-path' to origin '/nonexistent-dir': Impossible \
             to get back to directory '/tmp': No such file or directory.",
        ]
    );
}

#[test]
fn tables_cover_every_keyword_once() {
    let names: Vec<&str> = table::GLOBAL.iter().map(|k| k.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        names.len(),
        "duplicate keyword in the global table"
    );
    assert!(names.len() > 170);
    assert_eq!(tables().len(), 3);
}

#[test]
fn arbitrary_words_never_panic() {
    let words = [
        "0",
        "-1",
        "1-",
        "-",
        "/",
        "a/b",
        "auto:1/1-4",
        "1/all",
        "65",
        "99999999999999999999",
        "1s",
        "10sx",
        ":",
        "::",
        "[::1]",
        "[",
        "[]",
        "fd@",
        "fd@-1",
        "sockpair@x",
        "unix@",
        "abns@",
        "ipv6@::",
        "udp@:1-2",
        "1.2.3.4:+1",
        "x:-1",
        "ring@",
        "stdout",
        "len",
        "format",
        "sample",
        "1-3,:",
        ",",
        "1,1:1",
        "level",
        "mode",
        "thread",
        "1/",
        "/1",
        "process",
        "user",
        "group",
        "expose-fd",
        "é",
        "ü:80",
        "\u{301}",
        "local0",
        "info",
        "origin",
        "config",
    ];
    let kws: Vec<&str> = table::GLOBAL.iter().map(|k| k.name).collect();
    let mut seed: u64 = 12345;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut text = String::from("global\n");
    for _ in 0..3000 {
        let kw = if next() % 10 == 0 {
            "stats"
        } else {
            kws[next() % kws.len()]
        };
        text.push_str(kw);
        for _ in 0..(next() % 6) {
            text.push(' ');
            text.push_str(words[next() % words.len()]);
        }
        text.push('\n');
    }
    let (_, m) = run(&text);
    assert!(!m.is_empty());
}

#[test]
fn h1_case_adjust_pairs_and_file() {
    // Messages as HAProxy 2.6 prints them.
    assert_eq!(
        msgs("h1-case-adjust\nh1-case-adjust host Hast\nh1-case-adjust host Host extra\nh1-case-adjust-file\nh1-case-adjust-file a b"),
        [
            "ALERT parsing [t.cfg:2] : 'h1-case-adjust' expects <from> and <to> as argument.",
            "ALERT parsing [t.cfg:3] : <from> and <to> must not differ execpt the case",
            "ALERT parsing [t.cfg:4] : 'h1-case-adjust' cannot handle unexpected argument 'extra'.",
            "ALERT parsing [t.cfg:5] : 'h1-case-adjust-file' expects <file> as argument.",
            "ALERT parsing [t.cfg:6] : 'h1-case-adjust-file' cannot handle unexpected argument 'b'.",
        ]
    );
    assert_eq!(
        msgs("h1-case-adjust content-length Content-Length\nh1-case-adjust content-length CONTENT-LENGTH"),
        ["ALERT parsing [t.cfg:3] : duplicate entry 'content-length'"]
    );
    let dir = std::env::temp_dir().join(format!("rampart-h1case-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("map.txt"),
        "# spellings\n\n  x-api-key\t X-API-Key  \r\ncontent-type Content-Type\n",
    )
    .unwrap();
    std::fs::write(dir.join("bad.txt"), "etag ETag\nlonely\n").unwrap();
    std::fs::write(dir.join("dup.txt"), "host HOST\n").unwrap();
    let load = |text: &str| {
        let (mut g, m) = run_with(text, &dir, None);
        assert!(m.is_empty(), "{m:?}");
        let c = config(text);
        let mut diags = Diagnostics::new();
        let mut opts = LowerOptions::default();
        opts.cwd = dir.clone();
        let mut cx = LowerCx {
            sources: &c.sources,
            diags: &mut diags,
            opts: &opts,
            default_path: DefaultPath::default(),
        };
        h1::load_case_adjust_file(&mut g, &mut cx);
        (g.h1_case_adjust, rendered(&diags, &c))
    };
    let (pairs, m) = load("global\nh1-case-adjust host Host\nh1-case-adjust-file map.txt");
    assert!(m.is_empty(), "{m:?}");
    let want: Vec<(String, String)> = [
        ("host", "Host"),
        ("x-api-key", "X-API-Key"),
        ("content-type", "Content-Type"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(pairs, want);
    let (_, m) = load("global\nh1-case-adjust-file bad.txt");
    assert_eq!(
        m,
        ["ALERT h1-headers-case-adjust-file 'bad.txt' : expect <to> at line 2."]
    );
    let (_, m) = load("global\nh1-case-adjust host Host\nh1-case-adjust-file dup.txt");
    assert_eq!(
        m,
        ["ALERT h1-headers-case-adjust-file 'dup.txt' : duplicate entry 'host' at line 1."]
    );
    let (_, m) = load("global\nh1-case-adjust-file /nonexistent/map");
    assert_eq!(
        m,
        ["ALERT h1-headers-case-adjust-file '/nonexistent/map': failed to open file."]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
