//! The HAProxy 2.6 command line (management guide, section 3; `init_args()` in
//! src/haproxy.c), parsed by hand into a typed [`CommandLine`].
//!
//! HAProxy matches flags on their first one or two characters (`-vfoo` is `-v`, `-dbx` is
//! `-db`), consumes the next word for `-f -C -n -m -N -L -p -x -S -cc`, takes pid lists after
//! `-sf`/`-st` up to the next word starting with `-`, and treats every word after `--` as a
//! configuration file. Some flags act while parsing, in command-line order: `-v` prints the
//! version at once, `-dMhelp` prints the memory-debugging help, bad arguments end in the usage
//! text. [`parse`] reproduces that order and reports it as an [`Exit`]; the caller does the
//! printing. Later issues (master-worker, daemon, reload) consume the [`CommandLine`].

/// Everything the command line asked for, once parsing completed without an early exit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// Configuration files and directories from `-f` and after `--`, in command-line order.
    pub config_files: Vec<String>,
    /// `-c`: check the configuration and exit.
    pub check: bool,
    /// `-cc <expr>`: evaluate a condition and exit (takes precedence over `-c`).
    pub check_condition: Option<String>,
    /// `-q`: quiet mode.
    pub quiet: bool,
    /// `-V`: verbose mode, cancels `-q`.
    pub verbose: bool,
    /// `-d`: debug mode (foreground, event traces).
    pub debug: bool,
    /// `-db` (and `-Ws`): stay in the foreground.
    pub foreground: bool,
    /// `-dD`: diagnostic mode, shows `Level::Diag` messages.
    pub diag: bool,
    /// `-dW`: refuse to start when any warning was emitted (`zero-warning`).
    pub zero_warning: bool,
    /// `-D`: daemon mode.
    pub daemon: bool,
    /// `-W` / `-Ws`: master-worker mode.
    pub master_worker: bool,
    /// `-Ws`: notify systemd (`Type=notify`) once started.
    pub systemd_notify: bool,
    /// `-p <file>`: pid file.
    pub pidfile: Option<String>,
    /// `-sf` / `-st`: processes to signal once started.
    pub old_pids: OldPids,
    /// `-C <dir>`: directory to change to before loading files.
    pub chdir: Option<String>,
    /// `-L <name>`: local peer name.
    pub localpeer: Option<String>,
    /// `-n <limit>`: global maxconn (parsed like C `atol`).
    pub maxconn: Option<i64>,
    /// `-N <limit>`: default per-proxy maxconn (parsed like C `atol`).
    pub maxpconn: Option<i64>,
    /// `-m <MB>`: memory limit in megabytes (parsed like C `atol`).
    pub memory_limit_mb: Option<i64>,
    /// `-S <bind>[,<opts>]`: master CLI listeners, in command-line order.
    pub master_cli: Vec<String>,
    /// `-x <unix socket>`: where to fetch listening sockets from the old process.
    pub fd_socket: Option<String>,
    /// `-de -dp -dk -dv -ds -dS -dG -dR`: facilities disabled from the command line.
    pub disabled: Disabled,
    /// `-dr`: ignore server address resolution failures.
    pub resolve_dont_fail: bool,
    /// `-dV`: do not verify server certificates.
    pub ssl_verify_none: bool,
    /// `-dL`: list the loaded object files after the configuration checks.
    pub dump_libs: bool,
    /// `-dK<class[,class]*>`: dump registered keywords after the configuration checks.
    pub dump_keywords: Option<String>,
    /// `-dM[...]`: memory debugging options (validated, no effect in Rampart).
    pub memory_debug: Option<MemoryDebug>,
}

/// `-sf` (finish: SIGUSR1) or `-st` (terminate: SIGTERM). Several lists accumulate; the
/// last flag decides the signal, as in HAProxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OldPids {
    pub signal: Option<OldPidSignal>,
    pub pids: Vec<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OldPidSignal {
    /// `-sf`: let old processes finish their work, then leave.
    Finish,
    /// `-st`: terminate old processes at once.
    Terminate,
}

/// Facilities disabled from the command line. The pollers are accepted for compatibility
/// (Rampart's runtime picks its own); the others map to `global` keywords.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Disabled {
    /// `-de` (`noepoll`).
    pub epoll: bool,
    /// `-dp` (`nopoll`).
    pub poll: bool,
    /// `-dk` (`nokqueue`).
    pub kqueue: bool,
    /// `-dv` (`noevports`).
    pub evports: bool,
    /// `-ds`: the speculative-epoll switch of old releases.
    pub speculative_epoll: bool,
    /// `-dS` (`nosplice`).
    pub splice: bool,
    /// `-dG` (`nogetaddrinfo`).
    pub getaddrinfo: bool,
    /// `-dR` (`noreuseport`).
    pub reuseport: bool,
}

/// `-dM[<byte>][,<option>...]`, validated against HAProxy 2.6's option names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryDebug {
    /// The poisoning byte (`-dM` alone means 0x50); negative disables poisoning.
    pub poison: Option<i64>,
    /// Options in order, `(name, enabled)`: `no-merge` is `("no-merge", true)`, `merge` is
    /// `("no-merge", false)`.
    pub options: Vec<(&'static str, bool)>,
}

/// HAProxy 2.6's pool debugging options: (set name, clear name, description).
pub const MEMORY_DEBUG_OPTIONS: &[(&str, &str, &str)] = &[
    ("fail", "no-fail", "randomly fail allocations"),
    ("no-merge", "merge", "disable merging of similar pools"),
    ("cold-first", "hot-first", "pick cold objects first"),
    ("integrity", "no-integrity", "enable cache integrity checks"),
    ("no-global", "global", "disable global shared cache"),
    ("no-cache", "cache", "disable thread-local cache"),
    ("caller", "no-caller", "save caller information in cache"),
    ("tag", "no-tag", "add tag at end of allocated objects"),
    ("poison", "no-poison", "poison newly allocated objects"),
];

/// Why parsing ended before the end of the command line: the process exits after acting
/// on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `-v` / `-vv`: print the version (and the build options) and exit 0.
    Version { build_options: bool },
    /// Print the version and the usage text and exit 1, after an optional alert.
    /// `maxpconn` is the `-N` value seen so far (the usage text shows it).
    Usage {
        alert: Option<String>,
        maxpconn: i64,
    },
    /// `-dMhelp`: print the memory debugging help and exit 0.
    MemoryDebugHelp,
    /// A fatal alert (without the `config : ` context), then exit 1.
    Fatal(String),
}

/// The result of [`parse`]: warnings met on the way (printed before acting on the
/// result), then the command line or the early exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub warnings: Vec<String>,
    pub result: Result<CommandLine, Exit>,
}

/// Parses the arguments after the program name.
pub fn parse<S: AsRef<str>>(args: &[S]) -> Parsed {
    let mut p = Parser {
        args,
        pos: 0,
        cmd: CommandLine::default(),
        warnings: Vec::new(),
    };
    let result = p.run().map(|()| p.cmd);
    Parsed {
        warnings: p.warnings,
        result,
    }
}

struct Parser<'a, S> {
    args: &'a [S],
    /// Index of the word being examined.
    pos: usize,
    cmd: CommandLine,
    warnings: Vec<String>,
}

impl<S: AsRef<str>> Parser<'_, S> {
    fn word(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(AsRef::as_ref)
    }

    /// The word after the current one, consumed.
    fn take_next(&mut self) -> Option<String> {
        let w = self.word(self.pos + 1)?.to_owned();
        self.pos += 1;
        Some(w)
    }

    fn usage(&self, alert: Option<String>) -> Exit {
        Exit::Usage {
            alert,
            maxpconn: self.cmd.maxpconn.unwrap_or(0),
        }
    }

    fn run(&mut self) -> Result<(), Exit> {
        while let Some(arg) = self.word(self.pos) {
            let Some(flag) = arg.strip_prefix('-') else {
                return Err(self.usage(None));
            };
            let flag = flag.to_owned();
            if flag == "-" {
                let rest = self.args.get(self.pos + 1..).unwrap_or(&[]);
                self.cmd
                    .config_files
                    .extend(rest.iter().map(|s| s.as_ref().to_owned()));
                return Ok(());
            }
            self.flag(&flag)?;
            self.pos += 1;
        }
        Ok(())
    }

    /// Handles one flag (the word without its leading `-`), in HAProxy's matching order.
    fn flag(&mut self, flag: &str) -> Result<(), Exit> {
        let b = flag.as_bytes();
        let first = b.first().copied().unwrap_or(0);
        let second = b.get(1).copied().unwrap_or(0);
        let cmd = &mut self.cmd;
        match (first, second) {
            (b'v', _) => {
                return Err(Exit::Version {
                    build_options: second == b'v',
                })
            }
            (b'd', b'e') => cmd.disabled.epoll = true,
            (b'd', b'p') => cmd.disabled.poll = true,
            (b'd', b'k') => cmd.disabled.kqueue = true,
            (b'd', b'v') => cmd.disabled.evports = true,
            (b'd', b's') => cmd.disabled.speculative_epoll = true,
            (b'd', b'S') => cmd.disabled.splice = true,
            (b'd', b'G') => cmd.disabled.getaddrinfo = true,
            (b'd', b'R') => cmd.disabled.reuseport = true,
            (b'd', b'V') => cmd.ssl_verify_none = true,
            (b'V', _) => cmd.verbose = true,
            (b'd', b'b') => cmd.foreground = true,
            (b'd', b'D') => cmd.diag = true,
            (b'd', b'W') => cmd.zero_warning = true,
            (b'd', b'M') => match parse_memory_debug(&flag[2..]) {
                Ok(Some(md)) => cmd.memory_debug = Some(md),
                Ok(None) => return Err(Exit::MemoryDebugHelp),
                Err(msg) => return Err(Exit::Fatal(format!("-dM: {msg}"))),
            },
            (b'd', b'r') => cmd.resolve_dont_fail = true,
            (b'd', b'L') => cmd.dump_libs = true,
            (b'd', b'K') => cmd.dump_keywords = Some(flag[2..].to_owned()),
            (b'd', _) => cmd.debug = true,
            (b'c', b'c') => match self.take_next() {
                Some(expr) => self.cmd.check_condition = Some(expr),
                None => return Err(self.usage(None)),
            },
            (b'c', _) => cmd.check = true,
            (b'D', _) => cmd.daemon = true,
            (b'W', b's') => {
                cmd.master_worker = true;
                cmd.foreground = true;
                cmd.systemd_notify = true;
            }
            (b'W', _) => cmd.master_worker = true,
            (b'q', _) => cmd.quiet = true,
            (b'x', _) => {
                let Some(path) = self.take_next() else {
                    // HAProxy's message ends with an empty line before the usage text.
                    let alert = "Unix socket path expected with the -x flag\n".to_owned();
                    return Err(self.usage(Some(alert)));
                };
                if self.cmd.fd_socket.is_some() {
                    self.warnings
                        .push("-x option already set, overwriting the value".into());
                }
                self.cmd.fd_socket = Some(path);
            }
            (b'S', _) => {
                let Some(bind) = self.take_next() else {
                    let alert = "Socket and optional bind parameters expected with the -S flag";
                    return Err(self.usage(Some(alert.to_owned())));
                };
                self.cmd.master_cli.push(bind);
            }
            (b's', b'f' | b't') => {
                cmd.old_pids.signal = Some(if second == b'f' {
                    OldPidSignal::Finish
                } else {
                    OldPidSignal::Terminate
                });
                self.pid_list(flag)?;
            }
            _ => return self.flag_with_value(first),
        }
        Ok(())
    }

    /// `-sf`/`-st`: every following word up to one starting with `-` is a pid.
    fn pid_list(&mut self, flag: &str) -> Result<(), Exit> {
        while let Some(word) = self.word(self.pos + 1) {
            if word.starts_with('-') {
                break;
            }
            let word = word.to_owned();
            self.pos += 1;
            let pid = match parse_pid(&word) {
                Ok(pid) => pid,
                Err(PidError::Range) => {
                    return Err(Exit::Fatal(format!(
                        "-{flag} option: failed to parse {{{word}}}: Numerical result out of range"
                    )))
                }
                Err(PidError::Trailing(rest)) => {
                    return Err(Exit::Fatal(format!(
                        "-{flag} option: some bytes unconsumed in PID list {{{rest}}}"
                    )))
                }
            };
            if pid <= 0 {
                return Err(self.usage(None));
            }
            self.cmd.old_pids.pids.push(pid);
        }
        Ok(())
    }

    /// Flags taking the next word as their value, selected by their first letter.
    fn flag_with_value(&mut self, first: u8) -> Result<(), Exit> {
        let Some(value) = self.take_next() else {
            return Err(self.usage(None));
        };
        let cmd = &mut self.cmd;
        match first {
            b'C' => cmd.chdir = Some(value),
            b'n' => cmd.maxconn = Some(atol(&value)),
            b'm' => cmd.memory_limit_mb = Some(atol(&value)),
            b'N' => cmd.maxpconn = Some(atol(&value)),
            b'L' => cmd.localpeer = Some(value),
            b'f' => cmd.config_files.push(value),
            b'p' => cmd.pidfile = Some(value),
            _ => return Err(self.usage(None)),
        }
        Ok(())
    }
}

/// C's `atol`: optional blanks and sign, then digits up to the first other character; no
/// digits gives 0. Saturates instead of overflowing.
pub fn atol(s: &str) -> i64 {
    let (neg, digits) = split_sign(s.trim_start_matches(is_c_space));
    let mut v: i64 = 0;
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

fn split_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else {
        (false, s.strip_prefix('+').unwrap_or(s))
    }
}

enum PidError {
    /// Out of range for a pid.
    Range,
    /// Characters left after the number (the unconsumed part, blanks skipped).
    Trailing(String),
}

/// A pid as HAProxy reads it with `strtol(.., 10)`: leading blanks, sign and digits, then
/// only blanks may follow. No digits at all reads as 0 (HAProxy then reports the whole word
/// as unconsumed, or shows the usage text for an empty word).
fn parse_pid(word: &str) -> Result<i32, PidError> {
    let trimmed = word.trim_start_matches(is_c_space);
    let (neg, rest) = split_sign(trimmed);
    let ndigits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (value, tail) = if ndigits == 0 {
        (0, word)
    } else {
        let v: i64 = rest[..ndigits].parse().map_err(|_| PidError::Range)?;
        (if neg { -v } else { v }, &rest[ndigits..])
    };
    let tail = tail.trim_start_matches(is_c_space);
    if !tail.is_empty() {
        return Err(PidError::Trailing(tail.to_owned()));
    }
    i32::try_from(value).map_err(|_| PidError::Range)
}

/// HAProxy's `pool_parse_debugging()`: `Ok(None)` for `help`, `Err` for an unknown option.
fn parse_memory_debug(spec: &str) -> Result<Option<MemoryDebug>, String> {
    let mut md = MemoryDebug::default();
    let (value, rest) = strtol_base0(spec);
    let options = if rest.is_empty() || rest.starts_with(',') {
        md.poison = Some(if spec.is_empty() { 0x50 } else { value });
        rest
    } else {
        spec
    };
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        if opt == "help" {
            return Ok(None);
        }
        let known = MEMORY_DEBUG_OPTIONS.iter().find_map(|&(set, clr, _)| {
            if opt == set {
                Some((set, true))
            } else if opt == clr {
                Some((set, false))
            } else {
                None
            }
        });
        match known {
            Some(o) => md.options.push(o),
            None => return Err(format!("unknown pool debugging feature <{opt}>")),
        }
    }
    Ok(Some(md))
}

/// C's `strtol(s, &end, 0)`: returns the value and the unparsed rest (all of `s` when no
/// digit was found). Saturates on overflow.
fn strtol_base0(s: &str) -> (i64, &str) {
    let (neg, body) = split_sign(s.trim_start_matches(is_c_space));
    let hex = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"));
    let (radix, digits) = match hex {
        Some(h) if h.bytes().next().is_some_and(|c| c.is_ascii_hexdigit()) => (16, h),
        _ if body.starts_with('0') => (8, body),
        _ => (10, body),
    };
    let n = digits
        .bytes()
        .take_while(|c| (*c as char).is_digit(radix))
        .count();
    if n == 0 {
        return (0, s);
    }
    let mut v: i64 = 0;
    for c in digits[..n].chars() {
        let d = i64::from(c.to_digit(radix).unwrap_or(0));
        v = v.saturating_mul(i64::from(radix)).saturating_add(d);
    }
    (if neg { -v } else { v }, &digits[n..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(args: &[&str]) -> CommandLine {
        match parse(args).result {
            Ok(c) => c,
            Err(other) => panic!("{args:?} gave {other:?}"),
        }
    }

    fn outcome(args: &[&str]) -> Exit {
        match parse(args).result {
            Ok(c) => panic!("{args:?} gave {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn files_in_order_with_double_dash() {
        let c = ready(&["-f", "a.cfg", "-c", "-f", "dir", "--", "b.cfg", "-q", "-c"]);
        assert_eq!(c.config_files, ["a.cfg", "dir", "b.cfg", "-q", "-c"]);
        assert!(c.check);
        assert!(!c.quiet);
    }

    #[test]
    fn flags_match_on_prefix_like_haproxy() {
        let c = ready(&[
            "-fx", "a", "-dbx", "-Wsfoo", "-dD", "-dW", "-cx", "-q", "-Vz",
        ]);
        assert_eq!(c.config_files, ["a"]);
        assert!(c.foreground && c.master_worker && c.systemd_notify && c.diag);
        assert!(c.zero_warning && c.check && c.quiet && c.verbose);
        assert!(ready(&["-dX"]).debug);
        let c = ready(&[
            "-de", "-dp", "-dk", "-dv", "-ds", "-dS", "-dG", "-dR", "-dr", "-dV",
        ]);
        assert!(!c.debug && c.resolve_dont_fail && c.ssl_verify_none);
        assert_eq!(
            c.disabled,
            Disabled {
                epoll: true,
                poll: true,
                kqueue: true,
                evports: true,
                speculative_epoll: true,
                splice: true,
                getaddrinfo: true,
                reuseport: true
            }
        );
    }

    #[test]
    fn value_flags() {
        let c = ready(&[
            "-C",
            "/etc",
            "-n",
            "100",
            "-N",
            "12x",
            "-m",
            " -5",
            "-L",
            "peer1",
            "-p",
            "/run/p",
            "-S",
            "fd@3,level,admin",
            "-S",
            "/tmp/m.sock",
            "-x",
            "/tmp/s",
            "-dKcfg,acl",
            "-cc",
            "1",
        ]);
        assert_eq!(c.chdir.as_deref(), Some("/etc"));
        assert_eq!(
            (c.maxconn, c.maxpconn, c.memory_limit_mb),
            (Some(100), Some(12), Some(-5))
        );
        assert_eq!(c.localpeer.as_deref(), Some("peer1"));
        assert_eq!(c.pidfile.as_deref(), Some("/run/p"));
        assert_eq!(c.master_cli, ["fd@3,level,admin", "/tmp/m.sock"]);
        assert_eq!(c.fd_socket.as_deref(), Some("/tmp/s"));
        assert_eq!(c.dump_keywords.as_deref(), Some("cfg,acl"));
        assert_eq!(c.check_condition.as_deref(), Some("1"));
    }

    #[test]
    fn pid_lists() {
        let c = ready(&["-sf", "12", " 13 ", "-st", "14", "-f", "x"]);
        assert_eq!(c.old_pids.pids, [12, 13, 14]);
        assert_eq!(c.old_pids.signal, Some(OldPidSignal::Terminate));
        assert_eq!(c.config_files, ["x"]);
        assert_eq!(ready(&["-sf"]).old_pids.signal, Some(OldPidSignal::Finish));
        assert_eq!(
            outcome(&["-sf", "12", "abc"]),
            Exit::Fatal("-sf option: some bytes unconsumed in PID list {abc}".into())
        );
        assert_eq!(
            outcome(&["-sfoo", "1x"]),
            Exit::Fatal("-sfoo option: some bytes unconsumed in PID list {x}".into())
        );
        assert!(matches!(outcome(&["-st", "0"]), Exit::Usage { .. }));
        assert!(matches!(outcome(&["-st", ""]), Exit::Usage { .. }));
        assert!(matches!(
            outcome(&["-st", "99999999999999999999999"]),
            Exit::Fatal(_)
        ));
    }

    #[test]
    fn early_exits_in_order() {
        assert_eq!(
            outcome(&["-v", "-bogus"]),
            Exit::Version {
                build_options: false
            }
        );
        assert_eq!(
            outcome(&["-dM", "-vv"]),
            Exit::Version {
                build_options: true
            }
        );
        assert_eq!(
            outcome(&["-vxyz"]),
            Exit::Version {
                build_options: false
            }
        );
        assert!(matches!(
            outcome(&["-bogus", "-v"]),
            Exit::Usage { alert: None, .. }
        ));
        assert!(matches!(outcome(&["-Z"]), Exit::Usage { .. }));
        assert!(matches!(outcome(&["-"]), Exit::Usage { .. }));
        assert!(matches!(outcome(&[""]), Exit::Usage { .. }));
        assert!(matches!(outcome(&["file.cfg"]), Exit::Usage { .. }));
        assert!(matches!(outcome(&["-f"]), Exit::Usage { .. }));
        assert!(matches!(outcome(&["-cc"]), Exit::Usage { .. }));
        assert_eq!(
            outcome(&["-N", "7", "-k"]),
            Exit::Usage {
                alert: None,
                maxpconn: 7
            }
        );
        assert!(
            matches!(outcome(&["-x"]), Exit::Usage { alert: Some(a), .. } if a.ends_with("flag\n"))
        );
        assert!(matches!(
            outcome(&["-S"]),
            Exit::Usage { alert: Some(_), .. }
        ));
    }

    #[test]
    fn repeated_x_warns() {
        let p = parse(&["-x", "a", "-x", "b"]);
        assert_eq!(p.warnings, ["-x option already set, overwriting the value"]);
        assert!(matches!(p.result, Ok(c) if c.fd_socket.as_deref() == Some("b")));
    }

    #[test]
    fn memory_debug() {
        assert_eq!(
            ready(&["-dM"]).memory_debug.and_then(|m| m.poison),
            Some(0x50)
        );
        let md = ready(&["-dM0x41,no-merge,hot-first"])
            .memory_debug
            .unwrap_or_default();
        assert_eq!(md.poison, Some(0x41));
        assert_eq!(md.options, [("no-merge", true), ("cold-first", false)]);
        let md = ready(&["-dMtag,,caller"]).memory_debug.unwrap_or_default();
        assert_eq!((md.poison, md.options.len()), (None, 2));
        assert_eq!(
            ready(&["-dM-1"]).memory_debug.and_then(|m| m.poison),
            Some(-1)
        );
        assert_eq!(
            ready(&["-dM010"]).memory_debug.and_then(|m| m.poison),
            Some(8)
        );
        assert_eq!(outcome(&["-dMhelp", "-v"]), Exit::MemoryDebugHelp);
        assert_eq!(
            outcome(&["-dMfoo"]),
            Exit::Fatal("-dM: unknown pool debugging feature <foo>".into())
        );
    }

    #[test]
    fn atol_like_c() {
        assert_eq!(atol("42"), 42);
        assert_eq!(atol("  -3k"), -3);
        assert_eq!(atol("x"), 0);
        assert_eq!(atol(""), 0);
        assert_eq!(atol("99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn never_panics_on_odd_words() {
        let words = [
            "", "-", "--", "-d", "-dM", "-dM,", "-dM0x", "-dM-", "-dMé", "-dK", "-sf", "-st", "-s",
            "-x", "-S", "-cc", "-c", "-f", "-C", "-N", "é", "-é", "-dé", "-sé", "1", " ", "-0",
            "\u{0}", "-v",
        ];
        for a in words {
            for b in words {
                for c in words {
                    let _ = parse(&[a, b, c]);
                }
            }
        }
    }
}
