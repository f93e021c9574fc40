//! Diagnostics: every problem found in a run is collected (never fail-at-first) and
//! rendered as HAProxy prints it, so scripts grepping HAProxy's output keep working:
//!
//! ```text
//! [ALERT]    (1234) : config : parsing [haproxy.cfg:3] : unknown keyword 'foo' in 'global' section
//! [WARNING]  (1234) : config : parsing [haproxy.cfg:9] : ...
//! ```

use crate::source::{SourceMap, Span};

/// Severity, as HAProxy's `ha_alert`/`ha_warning`/`ha_notice`/`ha_diag_warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Only shown in diagnostic mode (`-dD`), as `.diag` messages.
    Diag,
    Notice,
    Warning,
    /// Printed as `[ALERT]` but not fatal: HAProxy's `ERR_ALERT` without `ERR_FATAL`
    /// ("'pidfile' already specified. Continuing."). Neither fails the configuration nor
    /// counts as a warning.
    NonFatalAlert,
    /// Fatal: the configuration is invalid.
    Alert,
}

impl Level {
    /// The bracketed tag padded to HAProxy's column width (`[ALERT]    `).
    pub fn tag(self) -> &'static str {
        match self {
            Level::Diag => "[DIAG]     ",
            Level::Notice => "[NOTICE]   ",
            Level::Warning => "[WARNING]  ",
            Level::Alert | Level::NonFatalAlert => "[ALERT]    ",
        }
    }
}

/// How the location of a message is written: HAProxy uses four spellings, and scripts
/// grepping its output see the difference.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Form {
    /// `parsing [file:line] : msg`, keyword parsers.
    #[default]
    Parsing,
    /// `parsing [file:line]: msg`, the reader's directives and some keywords.
    ParsingTight,
    /// `Parsing [file:line]: msg`, duplicate section names.
    CapitalParsing,
    /// `[file:line] : msg`, server keywords and initialisation (`'server b/s' : ...`).
    Bracket,
    /// `msg` alone: HAProxy printed no location, but the span still orders the message
    /// among those of its file.
    Bare,
}

/// When HAProxy prints a message, which decides the closing lines around it: while
/// parsing its file ("Error(s) found in configuration file"), in the checks over the
/// whole configuration ("Fatal errors found in configuration."), or when servers are
/// initialised after a valid check ("Failed to initialize server(s) addr.").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    #[default]
    Parse,
    Check,
    Init,
}

/// One message. `span` is `None` for messages not tied to a line (cross-reference checks
/// that HAProxy reports per proxy, file-open failures...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub span: Option<Span>,
    /// The message text, rendered verbatim after the location.
    pub message: String,
    /// How the location is spelled.
    pub form: Form,
    pub phase: Phase,
}

impl Diagnostic {
    pub fn new(level: Level, span: Option<Span>, message: impl Into<String>) -> Self {
        Self {
            level,
            span,
            message: message.into(),
            form: Form::Parsing,
            phase: Phase::Parse,
        }
    }
    pub fn alert(span: Option<Span>, message: impl Into<String>) -> Self {
        Self::new(Level::Alert, span, message)
    }
    pub fn warning(span: Option<Span>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, span, message)
    }
    pub fn notice(span: Option<Span>, message: impl Into<String>) -> Self {
        Self::new(Level::Notice, span, message)
    }
    pub fn diag(span: Option<Span>, message: impl Into<String>) -> Self {
        Self::new(Level::Diag, span, message)
    }
    /// Switches to the `parsing [f:l]: msg` form.
    pub fn tight(self) -> Self {
        self.form(Form::ParsingTight)
    }
    /// Switches to another location form.
    pub fn form(mut self, form: Form) -> Self {
        self.form = form;
        self
    }

    /// Moves the message to another phase.
    pub fn phase(mut self, phase: Phase) -> Self {
        self.phase = phase;
        self
    }

    /// Renders one message (possibly several lines) without the trailing newline:
    /// `[ALERT]    (PID) : config : parsing [file:line] : message`.
    pub fn render(&self, pid: u32, sources: &SourceMap) -> String {
        let mut out = format!("{}({}) : config : ", self.level.tag(), pid);
        let delimiters = match self.form {
            Form::Parsing => Some(("parsing [", "] : ")),
            Form::ParsingTight => Some(("parsing [", "]: ")),
            Form::CapitalParsing => Some(("Parsing [", "]: ")),
            Form::Bracket => Some(("[", "] : ")),
            Form::Bare => None,
        };
        if let (Some(span), Some((open, close))) = (self.span, delimiters) {
            out.push_str(open);
            out.push_str(&sources.display(span).to_string());
            out.push_str(close);
        }
        out.push_str(&self.message);
        out
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Fatal messages per file (indexed by `FileId`), for HAProxy's per-file limit.
    fatal_by_file: Vec<u32>,
    /// An error that stops the whole load (HAProxy's `ERR_ABORT`): nothing after it is
    /// parsed and no "Fatal errors found" line closes the output.
    aborted: bool,
}

/// HAProxy stops parsing a file after this many fatal errors in it.
pub const MAX_FATAL_PER_FILE: u32 = 50;

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        if let (Level::Alert, Some(span)) = (d.level, d.span) {
            let i = span.file.0 as usize;
            if self.fatal_by_file.len() <= i {
                self.fatal_by_file.resize(i + 1, 0);
            }
            self.fatal_by_file[i] = self.fatal_by_file[i].saturating_add(1);
        }
        self.items.push(d);
    }
    /// Changes every message pushed since `start` (a former [`Diagnostics::len`]): lets a
    /// stage label what it reported (its phase, its location form) in one place.
    pub fn relabel_from(&mut self, start: usize, mut f: impl FnMut(&mut Diagnostic)) {
        for d in self.items.iter_mut().skip(start) {
            f(d);
        }
    }
    /// Reports `d` and stops the load, as HAProxy's `ERR_ALERT | ERR_ABORT`.
    pub fn abort_with(&mut self, d: Diagnostic) {
        self.push(d);
        self.aborted = true;
    }
    /// True once an error stopped the load.
    pub fn aborted(&self) -> bool {
        self.aborted
    }
    /// Fatal messages attached to lines of `file` so far.
    pub fn fatal_in(&self, file: crate::source::FileId) -> u32 {
        self.fatal_by_file
            .get(file.0 as usize)
            .copied()
            .unwrap_or(0)
    }
    pub fn alert(&mut self, span: Option<Span>, message: impl Into<String>) {
        self.push(Diagnostic::alert(span, message));
    }
    pub fn warning(&mut self, span: Option<Span>, message: impl Into<String>) {
        self.push(Diagnostic::warning(span, message));
    }
    pub fn notice(&mut self, span: Option<Span>, message: impl Into<String>) {
        self.push(Diagnostic::notice(span, message));
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.aborted |= other.aborted;
        for d in other.items {
            self.push(d);
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// True when any message is fatal.
    pub fn has_alerts(&self) -> bool {
        self.items.iter().any(|d| d.level == Level::Alert)
    }
    /// True when an alert came from parsing itself (not from the configuration checks,
    /// which HAProxy runs to their end).
    pub fn has_parse_alerts(&self) -> bool {
        self.items
            .iter()
            .any(|d| d.level == Level::Alert && d.phase == Phase::Parse)
    }
    /// True when any warning was emitted (HAProxy's exit code 2 with `-c` in strict mode).
    pub fn has_warnings(&self) -> bool {
        self.items.iter().any(|d| d.level == Level::Warning)
    }
}
