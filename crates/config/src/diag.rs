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
            Level::Alert => "[ALERT]    ",
        }
    }
}

/// One message. `span` is `None` for messages not tied to a line (cross-reference checks
/// that HAProxy reports per proxy, file-open failures...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub span: Option<Span>,
    /// The message text without trailing period handling: rendered verbatim.
    pub message: String,
    /// HAProxy's `parsing [f:l]: msg` (no space before the colon) is used by the reader for
    /// directives; keyword parsers use `parsing [f:l] : msg`. True selects the former.
    pub tight: bool,
}

impl Diagnostic {
    pub fn alert(span: Option<Span>, message: impl Into<String>) -> Self {
        Self { level: Level::Alert, span, message: message.into(), tight: false }
    }
    pub fn warning(span: Option<Span>, message: impl Into<String>) -> Self {
        Self { level: Level::Warning, span, message: message.into(), tight: false }
    }
    pub fn notice(span: Option<Span>, message: impl Into<String>) -> Self {
        Self { level: Level::Notice, span, message: message.into(), tight: false }
    }
    pub fn diag(span: Option<Span>, message: impl Into<String>) -> Self {
        Self { level: Level::Diag, span, message: message.into(), tight: false }
    }
    /// Switches to the reader's `parsing [f:l]: msg` form.
    pub fn tight(mut self) -> Self {
        self.tight = true;
        self
    }

    /// Renders one message (possibly several lines) without the trailing newline:
    /// `[ALERT]    (PID) : config : parsing [file:line] : message`.
    pub fn render(&self, pid: u32, sources: &SourceMap) -> String {
        let mut out = format!("{}({}) : config : ", self.level.tag(), pid);
        if let Some(span) = self.span {
            out.push_str("parsing [");
            out.push_str(&sources.display(span).to_string());
            out.push_str(if self.tight { "]: " } else { "] : " });
        }
        out.push_str(&self.message);
        out
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
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
        self.items.extend(other.items);
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
    /// True when any warning was emitted (HAProxy's exit code 2 with `-c` in strict mode).
    pub fn has_warnings(&self) -> bool {
        self.items.iter().any(|d| d.level == Level::Warning)
    }
}
