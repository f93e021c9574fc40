//! Startup messages on stderr, in the exact format of HAProxy's `ha_alert`, `ha_warning`,
//! `ha_notice` and `ha_diag_warning` (src/errors.c), because scripts and test harnesses grep
//! them:
//!
//! ```text
//! [NOTICE]   (1234) : haproxy version is 2.6.12-rampart-0.1.0
//! [NOTICE]   (1234) : path to executable is /usr/sbin/rampart
//! [ALERT]    (1234) : config : parsing [haproxy.cfg:3] : unknown keyword 'foo' in 'global' section
//! ```
//!
//! The rules reproduced here: the two `[NOTICE]` lines precede the first alert or warning of
//! the run, once; `-q` (unless `-V`) silences alerts, warnings and notices but not `-dD`
//! diagnostics; `config : ` prefixes messages from the moment the configuration starts to
//! be processed; any warning, even a silenced one, counts for "Warnings were found." and
//! `-dW`. Writes to a closed stderr or stdout are ignored, never a panic. Every message
//! printed is also kept until the workers start, for `show startup-logs`
//! (`rampart_log::startup`).

use crate::banner;
use rampart_config::{Diagnostic, Level, SourceMap};
use std::io::Write;

/// Prints startup messages and remembers what HAProxy's `warned` flags remember.
pub struct Reporter {
    pid: u32,
    quiet: bool,
    verbose: bool,
    diag: bool,
    /// `Some("config")` while the configuration is processed (HAProxy's `usermsgs_ctx`).
    context: Option<&'static str>,
    exec_path: Option<String>,
    notice_shown: bool,
    warned: bool,
}

impl Reporter {
    /// A reporter that shows everything but `-dD` diagnostics until [`Self::set_modes`]
    /// (messages about the command line itself are never quiet).
    pub fn new(exec_path: Option<String>) -> Self {
        Self {
            pid: std::process::id(),
            quiet: false,
            verbose: false,
            diag: false,
            context: None,
            exec_path,
            notice_shown: false,
            warned: false,
        }
    }

    /// Sets or clears the context prefix (`config : `).
    pub fn set_context(&mut self, context: Option<&'static str>) {
        self.context = context;
    }

    /// Applies the command line's modes: `-q`, `-V` (which cancels any quiet mode), `-dD`.
    pub fn set_modes(&mut self, quiet: bool, verbose: bool, diag: bool) {
        self.verbose = verbose;
        self.quiet = quiet && !verbose;
        self.diag = diag;
    }

    /// The `quiet` keyword of `global` took effect: silent from now on, unless `-V`.
    pub fn quiet_from_config(&mut self) {
        self.quiet = !self.verbose;
    }

    /// True when startup messages are silenced.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// True once any warning was emitted, shown or not.
    pub fn warned(&self) -> bool {
        self.warned
    }

    /// A fatal message. `msg` has no trailing newline unless an empty line must follow.
    pub fn alert(&mut self, msg: &str) {
        if !self.quiet {
            self.exec_notice();
            let line = self.format(Level::Alert, msg);
            write_err(&line);
        }
    }

    pub fn warning(&mut self, msg: &str) {
        self.warned = true;
        if !self.quiet {
            self.exec_notice();
            let line = self.format(Level::Warning, msg);
            write_err(&line);
        }
    }

    /// Prints a configuration diagnostic by its level (rendered by [`Diagnostic::render`]).
    pub fn diagnostic(&mut self, d: &Diagnostic, sources: &SourceMap) {
        match d.level {
            Level::Alert | Level::NonFatalAlert | Level::Warning => {
                if d.level == Level::Warning {
                    self.warned = true;
                }
                if self.quiet {
                    return;
                }
                self.exec_notice();
            }
            Level::Notice if self.quiet => return,
            Level::Notice => {}
            Level::Diag if !self.diag => return,
            Level::Diag => {}
        }
        write_err(&d.render(self.pid, sources));
    }

    /// HAProxy names itself before the first alert or warning of a run.
    fn exec_notice(&mut self) {
        if self.notice_shown {
            return;
        }
        self.notice_shown = true;
        // Two messages, as HAProxy prints (and keeps for `show startup-logs`) them.
        write_err(&self.raw(
            Level::Notice,
            &format!("haproxy version is {}", banner::version()),
        ));
        if let Some(path) = &self.exec_path {
            write_err(&self.raw(Level::Notice, &format!("path to executable is {path}")));
        }
    }

    fn format(&self, level: Level, msg: &str) -> String {
        match self.context {
            Some(ctx) => self.raw(level, &format!("{ctx} : {msg}")),
            None => self.raw(level, msg),
        }
    }

    fn raw(&self, level: Level, msg: &str) -> String {
        format!("{}({}) : {}", level.tag(), self.pid, msg)
    }
}

/// Writes one message and its line feed to stderr, ignoring errors; during start-up
/// the message is also kept for the runtime API's `show startup-logs`.
fn write_err(text: &str) {
    rampart_log::startup::eprint(text);
}

/// Writes text to stdout as is, ignoring errors (a closed pipe must not panic).
pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The path HAProxy reports as "path to executable" (the kernel's `AT_EXECFN`: the path
/// given to `execve`). `argv[0]` holds it when it names a path; otherwise the shell found
/// the program in `$PATH`; as a last resort, `/proc/self/exe`.
pub fn exec_path(argv0: &str) -> Option<String> {
    if argv0.contains('/') {
        return Some(argv0.to_owned());
    }
    if !argv0.is_empty() {
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let candidate = dir.join(argv0);
                if candidate.is_file() {
                    return Some(candidate.to_string_lossy().into_owned());
                }
            }
        }
    }
    std::env::current_exe()
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}
