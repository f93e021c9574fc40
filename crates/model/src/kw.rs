//! Keyword tables: every section (and every sub-keyword family: `option`, `timeout`, bind
//! and server options...) declares its words in a plain static table. A word is either
//! implemented (a parse function fills the section's builder), known but not implemented
//! yet (fatal "not supported yet"), a pure tuning knob with no meaning here (warning), or
//! rejected with a reason and what to do instead. Lowering looks words up here; the
//! compatibility matrix `docs/compat.md` is generated from the same tables.

use rampart_config::diag::MAX_FATAL_PER_FILE;
use rampart_config::{Diagnostic, Diagnostics, Line, Span};
use std::path::Path;

/// What Rampart does with a keyword.
pub enum Status<C> {
    /// Implemented: the function parses the line into the builder `C`.
    Parse(ParseFn<C>),
    /// Part of HAProxy 2.6, not implemented yet: fatal "'kw' is not supported yet".
    NotYet,
    /// Tuning with no meaning for Rampart: accepted with a warning saying it has no effect.
    Tuning,
    /// Refused for good, with the reason and what to do instead (fatal).
    Rejected(&'static str),
    /// Not implemented yet, but its arguments are validated first as HAProxy does (a
    /// missing certificate file is reported as such): the function's error, else "not
    /// supported yet".
    NotYetChecked(ParseFn<C>),
}

/// What a line comes to under its keyword's status; callers add their context (`'server
/// b/s' : `, `'bind :80' in section ...`) and report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Rampart's own warning (a tuning keyword without effect), shown as is.
    Warning(String),
    /// The keyword's parser refused the line: HAProxy's wording, which some callers
    /// punctuate as HAProxy does.
    Fatal(String),
    /// Rampart's own refusal ("not supported yet", rejected with a reason), shown as is.
    Unsupported(String),
}

/// Parses one line into the builder. `Err(msg)` becomes an alert at the line.
pub type ParseFn<C> = fn(&mut C, &mut Cx<'_>) -> Result<(), String>;

/// One keyword of a table.
pub struct Keyword<C> {
    pub name: &'static str,
    pub status: Status<C>,
}

impl<C> Keyword<C> {
    pub const fn parse(name: &'static str, f: ParseFn<C>) -> Self {
        Self {
            name,
            status: Status::Parse(f),
        }
    }
    pub const fn not_yet(name: &'static str) -> Self {
        Self {
            name,
            status: Status::NotYet,
        }
    }
    pub const fn tuning(name: &'static str) -> Self {
        Self {
            name,
            status: Status::Tuning,
        }
    }
    pub const fn rejected(name: &'static str, why: &'static str) -> Self {
        Self {
            name,
            status: Status::Rejected(why),
        }
    }
    pub const fn not_yet_checked(name: &'static str, check: ParseFn<C>) -> Self {
        Self {
            name,
            status: Status::NotYetChecked(check),
        }
    }
}

/// The status of a keyword without its parser: what `docs/compat.md` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Support {
    Supported,
    NotYet,
    Tuning,
    Rejected,
}

impl<C> Status<C> {
    pub fn support(&self) -> Support {
        match self {
            Status::Parse(_) => Support::Supported,
            Status::NotYet | Status::NotYetChecked(_) => Support::NotYet,
            Status::Tuning => Support::Tuning,
            Status::Rejected(_) => Support::Rejected,
        }
    }

    /// Runs the line through this status (the parse or check function when there is one).
    pub fn evaluate(&self, name: &str, builder: &mut C, cx: &mut Cx<'_>) -> Verdict {
        match self {
            Status::Parse(f) => match f(builder, cx) {
                Ok(()) => Verdict::Accepted,
                Err(msg) => Verdict::Fatal(msg),
            },
            Status::NotYet => Verdict::Unsupported(not_supported_yet(name)),
            Status::NotYetChecked(check) => match check(builder, cx) {
                Ok(()) => Verdict::Unsupported(not_supported_yet(name)),
                Err(msg) => Verdict::Fatal(msg),
            },
            Status::Tuning => Verdict::Warning(format!(
                "'{name}' is a tuning keyword with no effect in Rampart; ignored."
            )),
            Status::Rejected(why) => {
                Verdict::Unsupported(format!("'{name}' is not supported by Rampart: {why}"))
            }
        }
    }
}

/// Finds a keyword by exact name.
pub fn lookup<'t, C>(table: &'t [Keyword<C>], name: &str) -> Option<&'t Keyword<C>> {
    table.iter().find(|k| k.name == name)
}

/// The closest known name to `word`, when close enough to be a plausible typo.
pub fn suggest<'a>(word: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for name in names {
        let d = edit_distance(word, name);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, name));
        }
    }
    let (d, name) = best?;
    // Accept up to a third of the longer word's length in edits (at least 1, at most 4).
    let limit = (word.len().max(name.len()) / 3).clamp(1, 4);
    (d <= limit).then_some(name)
}

/// Levenshtein distance over bytes, bounded work for long inputs.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// What a parse function sees: the line, a sink for warnings and extra alerts, and the
/// directory relative paths are resolved against (`default-path`).
pub struct Cx<'a> {
    pub line: &'a Line,
    pub diags: &'a mut Diagnostics,
    pub base_dir: &'a Path,
}

impl<'a> Cx<'a> {
    pub fn span(&self) -> Span {
        self.line.span
    }
    /// The keyword as written on the line (after any `no`/`default` modifier).
    pub fn keyword(&self) -> &'a str {
        self.line.keyword()
    }
    /// Arguments after the keyword.
    pub fn args(&self) -> &'a [String] {
        self.line.args()
    }
    /// Argument `i` (0 = first after the keyword).
    pub fn arg(&self, i: usize) -> Option<&'a str> {
        self.line.args().get(i).map(String::as_str)
    }
    pub fn warn(&mut self, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(Some(self.line.span), msg));
    }
    pub fn alert(&mut self, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::alert(Some(self.line.span), msg));
    }
    pub fn notice(&mut self, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::notice(Some(self.line.span), msg));
    }
    /// HAProxy's `alertif_too_many_args(n)`: at most `n` arguments after the keyword.
    pub fn max_args(&self, n: usize) -> Result<(), String> {
        if self.args().len() > n {
            Err(format!(
                "'{}' cannot handle unexpected argument '{}'.",
                self.keyword(),
                self.args()[n]
            ))
        } else {
            Ok(())
        }
    }
    /// Resolves a path from the configuration against `default-path`.
    pub fn path(&self, p: &str) -> std::path::PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

/// Runs the table entry for one line; reports unknown words with a suggestion.
/// `what` names the section for messages (`'global'`), as HAProxy's `cursection`.
pub fn dispatch<C>(table: &[Keyword<C>], builder: &mut C, cx: &mut Cx<'_>, what: &str) {
    if file_stopped(cx) {
        return;
    }
    let word = cx.keyword();
    match lookup(table, word) {
        Some(kw) => apply(kw, builder, cx),
        None => {
            let msg = match suggest(word, table.iter().map(|k| k.name)) {
                Some(best) => format!(
                    "unknown keyword '{word}' in '{what}' section; did you mean '{best}' maybe ?"
                ),
                None => format!("unknown keyword '{word}' in '{what}' section"),
            };
            cx.alert(msg);
        }
    }
}

/// HAProxy gives up on a file after 50 fatal errors in it ("too many fatal errors (50),
/// stopping now."): true when the line's file reached that limit, reporting it once. This
/// also bounds the work a hostile file can cause (suggestions are not free).
pub fn file_stopped(cx: &mut Cx<'_>) -> bool {
    let span = cx.span();
    let n = cx.diags.fatal_in(span.file);
    if n == MAX_FATAL_PER_FILE {
        cx.diags.push(
            Diagnostic::alert(
                Some(span),
                format!("too many fatal errors ({n}), stopping now."),
            )
            .tight(),
        );
    }
    n >= MAX_FATAL_PER_FILE
}

/// Applies a known keyword's status to a line.
pub fn apply<C>(kw: &Keyword<C>, builder: &mut C, cx: &mut Cx<'_>) {
    match kw.status.evaluate(kw.name, builder, cx) {
        Verdict::Accepted => {}
        Verdict::Warning(msg) => cx.warn(msg),
        Verdict::Fatal(msg) | Verdict::Unsupported(msg) => cx.alert(msg),
    }
}

/// The one wording of the "known but not implemented" error, which the compatibility
/// corpus test recognises.
pub fn not_supported_yet(name: &str) -> String {
    format!("'{name}' is not supported yet")
}

/// A table as the compatibility matrix sees it: a title (`global`, `bind options`...) and
/// every keyword with its support status. Each section module exposes `pub fn tables()`.
pub struct TableInfo {
    /// Title shown in docs/compat.md, e.g. "global", "proxy: option", "server options".
    pub title: &'static str,
    /// Manual section the keywords come from, e.g. "3", "4.2", "5.1".
    pub manual: &'static str,
    pub keywords: Vec<(&'static str, Support)>,
}

impl TableInfo {
    pub fn of<C>(title: &'static str, manual: &'static str, table: &[Keyword<C>]) -> Self {
        Self {
            title,
            manual,
            keywords: table.iter().map(|k| (k.name, k.status.support())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["maxconn", "nbthread", "pidfile", "daemon"];
        assert_eq!(suggest("maxcon", names), Some("maxconn"));
        assert_eq!(suggest("nbthreads", names), Some("nbthread"));
        assert_eq!(suggest("zzzzzzzz", names), None);
        assert_eq!(suggest(&"x".repeat(1000), names), None);
    }
}
