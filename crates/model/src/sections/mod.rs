//! The sections that are neither `global` nor proxies (configuration manual 3.4 to 3.10,
//! 5.3.2, 6.2, 10.1.1): `userlist`, `peers`, `mailers`, `program`, `http-errors`, `ring`,
//! `log-forward`, `resolvers`, `cache`, `fcgi-app`, and the undocumented `namespace_list`.
//!
//! Each section has its module with its keyword table and its header rules (is a name
//! required, which characters, what a duplicate name does), following HAProxy 2.6's
//! parsers. Implemented today: `userlist`, `http-errors`, `mailers`, `ring`, `log-forward`. The others check their
//! header and catalog their keywords as not supported yet.
//!
//! [`OthersBuilder`] collects them in file order; [`OthersBuilder::finish`] runs the checks
//! HAProxy runs once everything is parsed (userlist cross-references, cache sizes...).

pub mod cache;
pub mod errorfile;
pub mod fcgi_app;
pub mod http_errors;
pub mod log_forward;
pub mod mailers;
pub mod namespace_list;
pub mod peers;
pub mod program;
pub mod resolvers;
pub mod ring;
pub mod userlist;

use rampart_config::{Diagnostic, Diagnostics, Line, Section, SectionKind, Span};

use crate::global::args::Args;
use crate::kw::{self, Keyword};
use crate::LowerCx;

/// Everything the other sections declared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Others {
    pub userlists: Vec<userlist::Userlist>,
    pub http_errors: Vec<http_errors::HttpErrors>,
    pub mailers: Vec<mailers::Mailers>,
    /// `ring` sections, in file order.
    pub rings: Vec<ring::Ring>,
    /// `log-forward` sections, in file order.
    pub log_forwards: Vec<log_forward::LogForward>,
    /// Declared sections whose content is not supported yet, by kind: kept so references
    /// to them (and duplicate names) can be checked.
    pub declared: Vec<Declared>,
}

/// A section Rampart knows by name only (its keywords are not supported yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub kind: SectionKind,
    pub name: String,
    pub span: Span,
}

impl Others {
    /// A `userlist` by name.
    pub fn userlist(&self, name: &str) -> Option<&userlist::Userlist> {
        self.userlists.iter().find(|u| u.name == name)
    }
    /// An `http-errors` section by name.
    pub fn http_errors(&self, name: &str) -> Option<&http_errors::HttpErrors> {
        self.http_errors.iter().find(|h| h.name == name)
    }
    /// A `mailers` section by name.
    pub fn mailers(&self, name: &str) -> Option<&mailers::Mailers> {
        self.mailers.iter().find(|m| m.name == name)
    }
    /// A `ring` section by name.
    pub fn ring(&self, name: &str) -> Option<&ring::Ring> {
        self.rings.iter().find(|r| r.name == name)
    }
    /// Sections of a kind known by name only (`peers`, `resolvers`, `ring`, `cache`...).
    pub fn declared(&self, kind: SectionKind) -> impl Iterator<Item = &Declared> {
        self.declared.iter().filter(move |d| d.kind == kind)
    }
}

/// Walks the other sections in file order.
#[derive(Debug)]
pub struct OthersBuilder {
    pub(crate) others: Others,
    /// Cache sections whose size was never given (checked at the end, as HAProxy does when
    /// a cache section closes).
    pub(crate) caches_without_size: Vec<String>,
    /// Program sections without `command`.
    pub(crate) programs_without_command: Vec<String>,
    /// Where user and group names are looked up.
    pub(crate) accounts: crate::global::accounts::AccountDb,
    /// `tune.bufsize` in force (error files are cut to it).
    pub(crate) bufsize: usize,
}

impl Default for OthersBuilder {
    fn default() -> Self {
        Self {
            others: Others::default(),
            caches_without_size: Vec::new(),
            programs_without_command: Vec::new(),
            accounts: Default::default(),
            bufsize: 16384,
        }
    }
}

/// Lowers one section that is neither `global` nor a proxy.
pub fn lower_section(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    match s.kind {
        SectionKind::Userlist => userlist::lower(b, s, cx),
        SectionKind::HttpErrors => http_errors::lower(b, s, cx),
        SectionKind::Mailers => mailers::lower(b, s, cx),
        SectionKind::Peers => peers::lower(b, s, cx),
        SectionKind::Resolvers => resolvers::lower(b, s, cx),
        SectionKind::Cache => cache::lower(b, s, cx),
        SectionKind::Ring => ring::lower(b, s, cx),
        SectionKind::Program => program::lower(b, s, cx),
        SectionKind::LogForward => log_forward::lower(b, s, cx),
        SectionKind::FcgiApp => fcgi_app::lower(b, s, cx),
        SectionKind::NamespaceList => namespace_list::lower(b, s, cx),
        // Handled by the global and proxy modules.
        _ => {}
    }
}

impl OthersBuilder {
    /// Uses another account database (tests).
    pub fn with_accounts(mut self, db: crate::global::accounts::AccountDb) -> Self {
        self.accounts = db;
        self
    }

    /// Runs the end-of-configuration checks and returns the sections. Like HAProxy, which
    /// stops after parsing when a fatal error was found, the checks only report problems
    /// when parsing produced no alert (so the output matches HAProxy's line for line).
    pub fn finish(self, cx: &mut LowerCx<'_>) -> Others {
        let mut others = self.others;
        let mut checks = Diagnostics::new();
        userlist::resolve_memberships(&mut others.userlists, &mut checks);
        for name in &self.caches_without_size {
            checks.push(Diagnostic::alert(
                None,
                format!("Size not specified for cache '{name}'"),
            ));
        }
        for name in &self.programs_without_command {
            checks.push(Diagnostic::alert(
                None,
                format!("The program section '{name}' lacks a command to launch."),
            ));
        }
        for lf in &others.log_forwards {
            log_forward::check_listeners(lf, &mut checks);
        }
        if !cx.diags.has_alerts() {
            cx.diags.extend(checks);
        }
        others
    }
}

/// Every keyword table of this module, for docs/compat.md.
pub fn tables() -> Vec<crate::kw::TableInfo> {
    vec![
        kw::TableInfo::of("userlist", "3.4", userlist::TABLE),
        kw::TableInfo::of("peers", "3.5", peers::TABLE),
        kw::TableInfo::of("mailers", "3.6", mailers::TABLE),
        kw::TableInfo::of("program", "3.7", program::TABLE),
        kw::TableInfo::of("http-errors", "3.8", http_errors::TABLE),
        kw::TableInfo::of("ring", "3.9", ring::TABLE),
        kw::TableInfo::of("log-forward", "3.10", log_forward::TABLE),
        kw::TableInfo::of("resolvers", "5.3.2", resolvers::TABLE),
        kw::TableInfo::of("cache", "6.2.1", cache::TABLE),
        kw::TableInfo::of("fcgi-app", "10.1.1", fcgi_app::TABLE),
        kw::TableInfo::of("namespace_list", "-", namespace_list::TABLE),
    ]
}

// ---- helpers shared by the section modules ----

pub(crate) use rampart_config::names::invalid_char;

/// How a section reports a keyword it does not know (HAProxy's wording differs per section).
#[derive(Clone, Copy)]
pub(crate) enum Unknown {
    /// `parsing [f:l] : unknown keyword 'kw' in '<section>' section`.
    Spaced(&'static str),
    /// `parsing [f:l]: unknown keyword 'kw' in '<section>' section`.
    Tight(&'static str),
    /// `ring`: `parsing [f:l] : unknown statement 'kw'.`.
    Statement,
    /// `log-forward`: `parsing [f:l] : unknown keyword 'kw' in log-forward section.`.
    LogForward,
}

/// Lowers the lines of a section through its table into `target`.
pub(crate) fn lower_lines<C>(
    table: &[Keyword<C>],
    target: &mut C,
    s: &Section,
    cx: &mut LowerCx<'_>,
    unknown: Unknown,
) {
    for line in &s.lines {
        lower_line(table, target, line, cx, unknown);
    }
}

/// Lowers one line through a table.
pub(crate) fn lower_line<C>(
    table: &[Keyword<C>],
    target: &mut C,
    line: &Line,
    cx: &mut LowerCx<'_>,
    unknown: Unknown,
) {
    let base = cx.base_dir(line.span);
    let mut kcx = kw::Cx {
        line,
        diags: &mut *cx.diags,
        base_dir: &base,
    };
    let word = kcx.keyword();
    match kw::lookup(table, word) {
        Some(k) => kw::apply(k, target, &mut kcx),
        None => {
            let d = match unknown {
                Unknown::Spaced(sec) => Diagnostic::alert(
                    Some(line.span),
                    format!("unknown keyword '{word}' in '{sec}' section"),
                ),
                Unknown::Tight(sec) => Diagnostic::alert(
                    Some(line.span),
                    format!("unknown keyword '{word}' in '{sec}' section"),
                )
                .tight(),
                Unknown::Statement => {
                    Diagnostic::alert(Some(line.span), format!("unknown statement '{word}'."))
                }
                Unknown::LogForward => Diagnostic::alert(
                    Some(line.span),
                    format!("unknown keyword '{word}' in log-forward section."),
                ),
            };
            kcx.diags.push(d);
        }
    }
}

/// `Parsing [file:line]: msg` (capital P, no position column): HAProxy's wording for
/// duplicate section names, printed as a message without position.
pub(crate) fn parsing_cap(cx: &mut LowerCx<'_>, span: Span, msg: String) {
    cx.diags
        .push(Diagnostic::alert(Some(span), msg).form(rampart_config::Form::CapitalParsing));
}

/// `file:line` of a span.
pub(crate) fn loc(cx: &LowerCx<'_>, span: Span) -> String {
    cx.sources.display(span).to_string()
}

/// The usual header checks: a name is required, only `[A-Za-z0-9_.:-]`, and optionally no
/// second argument. Returns the name when the header is usable.
pub(crate) struct HeaderRules {
    /// Message when the name is missing, and whether it is in the tight form.
    pub missing: &'static str,
    pub missing_tight: bool,
    /// Check `alertif_too_many_args(1)` before (`Some(true)`), after (`Some(false)`) the
    /// name check, or not at all (`None`).
    pub too_many: Option<bool>,
    /// Check the characters of the name; tight form or not.
    pub charset: Option<bool>,
}

pub(crate) fn check_header(
    s: &Section,
    cx: &mut LowerCx<'_>,
    rules: &HeaderRules,
) -> Option<String> {
    let a = Args::new(&s.header);
    let span = s.header.span;
    let too_many = |cx: &mut LowerCx<'_>| match a.too_many(1) {
        Ok(()) => true,
        Err(m) => {
            cx.diags.push(Diagnostic::alert(Some(span), m));
            false
        }
    };
    if rules.too_many == Some(true) && !too_many(cx) {
        return None;
    }
    if a.empty(1) {
        let d = Diagnostic::alert(Some(span), rules.missing);
        cx.diags
            .push(if rules.missing_tight { d.tight() } else { d });
        return None;
    }
    if rules.too_many == Some(false) && !too_many(cx) {
        return None;
    }
    if let Some(tight) = rules.charset {
        if let Some(c) = invalid_char(a.get(1)) {
            let d = Diagnostic::alert(
                Some(span),
                format!(
                    "character '{c}' is not permitted in '{}' name '{}'.",
                    a.kw(),
                    a.get(1)
                ),
            );
            cx.diags.push(if tight { d.tight() } else { d });
            return None;
        }
    }
    Some(a.get(1).to_string())
}

/// Records a section known by name only, reporting a duplicate with `dup_msg(name, where)`
/// in HAProxy's `Parsing [..]:` form. Returns false when it was a duplicate.
pub(crate) fn declare(
    b: &mut OthersBuilder,
    cx: &mut LowerCx<'_>,
    kind: SectionKind,
    name: &str,
    span: Span,
    dup_msg: impl Fn(&str, &str) -> String,
) -> bool {
    let previous = b
        .others
        .declared(kind)
        .find(|d| d.name == name)
        .map(|d| d.span);
    if let Some(prev) = previous {
        let at = loc(cx, prev);
        parsing_cap(cx, span, dup_msg(name, &at));
        return false;
    }
    b.others.declared.push(Declared {
        kind,
        name: name.to_string(),
        span,
    });
    true
}

#[cfg(test)]
mod tests;
