//! Files → sections, as HAProxy 2.6's `readcfgfile()` reads them: line splitting (with
//! the same buffer-growth arithmetic, which decides between "Stray NUL character" and
//! "Missing LF on last line"), SPOE scope lines, `.if`/`.elif`/`.else`/`.endif` with the
//! exact state machine, `.diag`/`.notice`/`.warning`/`.alert`, the `no`/`default`
//! modifiers, section detection and `.SECTION`, and the 50-fatal-errors limit. Inside
//! `global` sections, `setenv`, `presetenv`, `unsetenv` and `resetenv` change the [`Env`]
//! as they are read, so later lines expand the new values as with HAProxy. Their argument
//! errors are reported by the global keyword table, not here.
//!
//! A directive HAProxy aborts on (`.alert`, a bad `.if`, unbalanced blocks...) stops this
//! file and every later one: see [`Reader::aborted`].
//!
//! Deviations from HAProxy 2.6.12: the 50-errors limit counts only the errors found here
//! (HAProxy also counts keyword errors, which `rampart-model` reports after reading); a
//! last line without LF exactly one byte shorter than HAProxy's buffer (2047, 4095...
//! bytes) is read and reported as missing its LF instead of being silently dropped; a
//! valid scope line gets a warning saying it has no effect, where HAProxy says nothing.

mod files;
mod lines;

pub use files::{io_reason, list_config_files, ConfigFile};

use crate::ast::{Config, Line, Modifier, Section, SectionKind};
use crate::cond;
use crate::diag::{Diagnostic, Diagnostics, Level};
use crate::env::Env;
use crate::lexer::{is_space, split_line_full, LexOptions, LineCtx, SplitLine};
use crate::source::{FileId, Span};
use lines::{Chunk, LineBuffer};

/// HAProxy's `MAXNESTEDCONDS`: `.if` blocks may nest at most 99 deep.
pub const MAX_NESTED_CONDS: usize = 100;

/// HAProxy stops reading a file after this many fatal errors in it.
pub const MAX_FATAL_ERRORS: u32 = 50;

/// Keywords the `no` and `default` modifiers may prefix.
const MODIFIABLE: [&str; 7] = [
    "option",
    "log",
    "busy-polling",
    "set-dumpable",
    "strict-limits",
    "insecure-fork-wanted",
    "numa-cpu-mapping",
];

/// Accumulates sections across every file of one load.
pub struct Reader<'e> {
    env: &'e mut Env,
    config: Config,
    diags: Diagnostics,
    aborted: bool,
}

impl<'e> Reader<'e> {
    pub fn new(env: &'e mut Env) -> Self {
        Self {
            env,
            config: Config::default(),
            diags: Diagnostics::new(),
            aborted: false,
        }
    }

    /// Reads a file, or every `.cfg` file of a directory in lexical order.
    pub fn read_path(&mut self, path: &str) {
        self.read_paths(&[path]);
    }

    /// Reads the `-f` paths in order. As HAProxy, every directory is listed before any
    /// file is read, and a path that cannot be listed stops everything.
    pub fn read_paths(&mut self, paths: &[&str]) {
        if self.aborted {
            return;
        }
        let mut all = Vec::new();
        for path in paths {
            match list_config_files(path) {
                Ok(found) => all.extend(found),
                Err(message) => {
                    self.diags.alert(None, message);
                    self.aborted = true;
                    return;
                }
            }
        }
        for file in all {
            if self.aborted {
                return;
            }
            match std::fs::read(&file.path) {
                Ok(bytes) => self.read_bytes(&file.name, &bytes),
                Err(e) => {
                    self.diags.alert(
                        None,
                        format!(
                            "Could not open configuration file {} : {}",
                            file.name,
                            io_reason(&e)
                        ),
                    );
                    self.aborted = true;
                }
            }
        }
    }

    /// Reads configuration text under the given file name. Does nothing once a previous
    /// file aborted the load.
    pub fn read_bytes(&mut self, name: &str, bytes: &[u8]) {
        if self.aborted {
            return;
        }
        let file = self.config.sources.add(name);
        let mut state = FileState::new(file, name);
        let aborted = state.run(self, bytes);
        self.aborted |= aborted;
    }

    /// True when a file stopped the load the way HAProxy's `ERR_ABORT` does (`.alert`, an
    /// invalid `.if` condition, unbalanced conditional blocks, a file that cannot be
    /// opened...): HAProxy then prints "Error(s) found in configuration file" for that file
    /// and exits without reading further files nor printing "Fatal errors found".
    pub fn aborted(&self) -> bool {
        self.aborted
    }

    /// The environment as the files left it (after `setenv` and friends).
    pub fn env(&self) -> &Env {
        self.env
    }

    pub fn finish(self) -> (Config, Diagnostics) {
        (self.config, self.diags)
    }
}

/// What reading one line tells the file loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Next,
    /// Stop reading this file, then run the end-of-file checks.
    Break,
    /// Stop reading this file at once (HAProxy's `goto err`): no end-of-file checks.
    Abort,
}

/// HAProxy's `nested_cond_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CondState {
    IfTake,
    IfDrop,
    IfSkip,
    ElifTake,
    ElifDrop,
    ElifSkip,
    ElseTake,
    ElseDrop,
}

impl CondState {
    /// True when lines in this block are ignored.
    fn masked(self) -> bool {
        matches!(
            self,
            CondState::IfDrop
                | CondState::IfSkip
                | CondState::ElifDrop
                | CondState::ElifSkip
                | CondState::ElseDrop
        )
    }

    /// True when an earlier branch of the block was (or could have been) taken, so later
    /// `.elif`/`.else` branches are skipped.
    fn branch_done(self) -> bool {
        matches!(
            self,
            CondState::IfTake | CondState::IfSkip | CondState::ElifTake | CondState::ElifSkip
        )
    }

    fn is_else(self) -> bool {
        matches!(self, CondState::ElseTake | CondState::ElseDrop)
    }
}

/// The state `readcfgfile()` keeps for one file.
struct FileState {
    file: FileId,
    name: String,
    linenum: u32,
    fatal: u32,
    /// One entry per open `.if` block, innermost last.
    conds: Vec<CondState>,
    /// Index in `config.sections` of the section lines go to (none before the first).
    section: Option<usize>,
    /// The value of `.SECTION`.
    section_name: String,
    non_global_seen: bool,
    /// A scope line failed: HAProxy aborts at the next line a section parser sees.
    pending_abort: bool,
}

impl FileState {
    fn new(file: FileId, name: &str) -> Self {
        FileState {
            file,
            name: name.to_owned(),
            linenum: 0,
            fatal: 0,
            conds: Vec::new(),
            section: None,
            section_name: String::new(),
            non_global_seen: false,
            pending_abort: false,
        }
    }

    fn span(&self) -> Span {
        Span {
            file: self.file,
            line: self.linenum,
        }
    }

    /// Reads the whole file; returns true when the load must stop after it.
    fn run(&mut self, r: &mut Reader<'_>, bytes: &[u8]) -> bool {
        let mut lines = LineBuffer::new(bytes);
        let mut missing_lf: Option<usize> = None;
        let mut aborted = false;
        while let Some(chunk) = lines.next_chunk() {
            if let Some(at) = missing_lf.take() {
                r.diags.push(tight_alert(
                    self.span(),
                    format!("Stray NUL character at position {}.", at + 1),
                ));
                break;
            }
            self.linenum = self.linenum.saturating_add(1);
            if self.fatal >= MAX_FATAL_ERRORS {
                r.diags.push(tight_alert(
                    self.span(),
                    format!("too many fatal errors ({}), stopping now.", self.fatal),
                ));
                break;
            }
            let line = match chunk {
                Chunk::Grow => {
                    self.linenum -= 1;
                    continue;
                }
                Chunk::Line { len, lf } => {
                    if !lf {
                        missing_lf = Some(len);
                    }
                    lines.line(len)
                }
            };
            match self.line(r, &line) {
                Flow::Next => {}
                Flow::Break => break,
                Flow::Abort => return true,
            }
        }
        if let Some(at) = missing_lf {
            r.diags.push(tight_alert(
                self.span(),
                format!(
                    "Missing LF on last line, file might have been truncated at position {}.",
                    at + 1
                ),
            ));
        }
        if !self.conds.is_empty() {
            r.diags
                .push(tight_alert(self.span(), "non-terminated '.if' block."));
            aborted = true;
        }
        aborted || self.pending_abort
    }

    /// One line without its LF (cut at a NUL byte).
    fn line(&mut self, r: &mut Reader<'_>, raw: &[u8]) -> Flow {
        let span = self.span();
        let lead = raw.iter().take_while(|&&b| is_space(b)).count();
        if raw.get(lead) == Some(&b'[') {
            self.scope(r, &raw[lead + 1..]);
            return Flow::Next;
        }
        let split = {
            let ctx = LineCtx {
                env: &*r.env,
                file: &self.name,
                line: self.linenum,
                section: &self.section_name,
            };
            split_line_full(raw, &ctx, LexOptions::CONFIG)
        };
        let split = match split {
            Ok(split) => split,
            Err(e) => {
                r.diags.push(tight_alert(span, e.render(raw)));
                self.fatal += 1;
                return Flow::Next;
            }
        };
        if let Some(e) = &split.latin1 {
            r.diags
                .push(Diagnostic::warning(Some(span), e.render(raw)).tight());
        }
        let Some(keyword) = split.words.first().filter(|w| !w.is_empty()) else {
            return Flow::Next;
        };
        match keyword.as_str() {
            ".if" => return self.cond_if(r, &split),
            ".elif" => return self.cond_elif(r, &split),
            ".else" | ".endif" => return self.cond_else_endif(r, &split.words),
            _ => {}
        }
        if self.conds.last().is_some_and(|s| s.masked()) {
            return Flow::Next;
        }
        if keyword.starts_with('.') {
            return self.message_directive(r, &split.words);
        }
        self.statement(r, split.words)
    }

    /// `.if <condition>`.
    fn cond_if(&mut self, r: &mut Reader<'_>, line: &SplitLine) -> Flow {
        if self.conds.len() + 1 >= MAX_NESTED_CONDS {
            r.diags.push(tight_alert(
                self.span(),
                format!("too many nested '.if', max is {MAX_NESTED_CONDS}."),
            ));
            return Flow::Abort;
        }
        if self.conds.last().is_some_and(|s| s.masked()) {
            self.conds.push(CondState::IfSkip);
            return Flow::Next;
        }
        match self.condition(r, ".if", line) {
            Some(true) => self.conds.push(CondState::IfTake),
            Some(false) => self.conds.push(CondState::IfDrop),
            None => return Flow::Abort,
        }
        Flow::Next
    }

    /// `.elif <condition>`.
    fn cond_elif(&mut self, r: &mut Reader<'_>, line: &SplitLine) -> Flow {
        let Some(&top) = self.conds.last() else {
            r.diags.push(tight_alert(
                self.span(),
                "lone '.elif' with no matching '.if'.",
            ));
            return Flow::Abort;
        };
        if top.is_else() {
            r.diags.push(tight_alert(
                self.span(),
                "'.elif' after '.else' is not permitted.",
            ));
            return Flow::Abort;
        }
        let next = if top.branch_done() {
            CondState::ElifSkip
        } else {
            match self.condition(r, ".elif", line) {
                Some(true) => CondState::ElifTake,
                Some(false) => CondState::ElifDrop,
                None => return Flow::Abort,
            }
        };
        if let Some(last) = self.conds.last_mut() {
            *last = next;
        }
        Flow::Next
    }

    /// `.else` and `.endif`, which take no argument.
    fn cond_else_endif(&mut self, r: &mut Reader<'_>, words: &[String]) -> Flow {
        let directive = words.first().map_or("", String::as_str);
        if let Some(arg) = words.get(1).filter(|w| !w.is_empty()) {
            r.diags.push(tight_alert(
                self.span(),
                format!("Unexpected argument '{arg}' for '{directive}'."),
            ));
            self.pending_abort = true;
            return Flow::Break;
        }
        let Some(&top) = self.conds.last() else {
            r.diags.push(tight_alert(
                self.span(),
                format!("lone '{directive}' with no matching '.if'."),
            ));
            if directive == ".else" {
                return Flow::Abort;
            }
            self.pending_abort = true;
            return Flow::Break;
        };
        if directive == ".endif" {
            self.conds.pop();
            return Flow::Next;
        }
        if top.is_else() {
            r.diags.push(tight_alert(
                self.span(),
                "'.else' after '.else' is not permitted.",
            ));
            return Flow::Abort;
        }
        let next = if top.branch_done() {
            CondState::ElseDrop
        } else {
            CondState::ElseTake
        };
        if let Some(last) = self.conds.last_mut() {
            *last = next;
        }
        Flow::Next
    }

    /// Evaluates the condition of `.if`/`.elif`; `None` after reporting an error.
    fn condition(&self, r: &mut Reader<'_>, directive: &str, line: &SplitLine) -> Option<bool> {
        let expr = line.rejoin(1);
        match cond::eval(&expr, &*r.env) {
            Ok(v) => Some(v),
            Err(e) => {
                r.diags
                    .push(tight_alert(self.span(), e.render(directive, &expr)));
                None
            }
        }
    }

    /// `.alert`, `.warning`, `.notice`, `.diag` and unknown directives.
    fn message_directive(&mut self, r: &mut Reader<'_>, words: &[String]) -> Flow {
        let span = self.span();
        let directive = words.first().map_or("", String::as_str);
        let level = match directive {
            ".alert" => Level::Alert,
            ".warning" => Level::Warning,
            ".notice" => Level::Notice,
            ".diag" => Level::Diag,
            _ => {
                r.diags.push(tight_alert(
                    span,
                    format!("unknown directive '{directive}'."),
                ));
                self.fatal += 1;
                return Flow::Break;
            }
        };
        if let Some(extra) = words.get(2).filter(|w| !w.is_empty()) {
            r.diags.push(tight_alert(
                span,
                format!(
                    "Unexpected argument '{extra}' for '{directive}'. Use quotes if the \
                     message should contain spaces."
                ),
            ));
            return Flow::Next;
        }
        let text = words.get(1).map_or("", String::as_str);
        r.diags
            .push(Diagnostic::new(level, Some(span), format!("'{text}'.")).tight());
        if directive == ".alert" {
            Flow::Abort
        } else {
            Flow::Next
        }
    }

    /// A keyword line: modifiers, section headers, and lines inside sections.
    fn statement(&mut self, r: &mut Reader<'_>, words: Vec<String>) -> Flow {
        let span = self.span();
        let (modifier, words) = split_modifier(words);
        let keyword = words.first().map_or("", String::as_str);
        if modifier != Modifier::None && !MODIFIABLE.contains(&keyword) {
            r.diags.push(tight_alert(
                span,
                "negation/default currently supported only for options, log, busy-polling, \
                 set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.",
            ));
            self.fatal += 1;
        }
        let line = Line {
            span,
            modifier,
            words,
        };
        if let Some(kind) = SectionKind::from_keyword(line.keyword()) {
            self.section_name = match line.words.get(1) {
                Some(name) if !name.is_empty() => name.clone(),
                _ => line.keyword().to_owned(),
            };
            if kind == SectionKind::Global {
                if self.non_global_seen {
                    r.diags.push(Diagnostic::diag(
                        Some(span),
                        "global section detected after a non-global one, the prevalence of \
                         their statements is unspecified",
                    ));
                }
            } else {
                self.non_global_seen = true;
            }
            r.config.sections.push(Section {
                kind,
                header: line,
                lines: Vec::new(),
            });
            self.section = Some(r.config.sections.len() - 1);
        } else if let Some(section) = self.section.and_then(|i| r.config.sections.get_mut(i)) {
            if section.kind == SectionKind::Global {
                apply_env_keyword(r.env, &line.words);
            }
            section.lines.push(line);
        } else {
            r.diags.push(tight_alert(
                span,
                format!("unknown keyword '{}' out of section.", line.keyword()),
            ));
            self.fatal += 1;
            return Flow::Next;
        }
        if self.pending_abort {
            Flow::Abort
        } else {
            Flow::Next
        }
    }

    /// A line starting with `[`: a scope, which only SPOE configuration files use.
    fn scope(&mut self, r: &mut Reader<'_>, body: &[u8]) {
        let span = self.span();
        let name_len = match body.iter().position(|&b| b == b']') {
            Some(n) if n > 0 => n,
            _ => {
                r.diags.alert(Some(span), "empty scope name is forbidden.");
                return;
            }
        };
        let name = &body[..name_len];
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'_' | b'-');
        if let Some(bad) = name.iter().position(|&b| !allowed(b)) {
            r.diags.alert(
                Some(span),
                format!(
                    "character '{}' is not permitted in a scope name.",
                    char_at(name, bad)
                ),
            );
            self.pending_abort = true;
            return;
        }
        let after = &body[name_len + 1..];
        let skip = after.iter().take_while(|&&b| is_space(b)).count();
        if let Some(&c) = after.get(skip) {
            if !matches!(c, b'#' | b'\n' | b'\r') {
                r.diags.alert(
                    Some(span),
                    format!(
                        "character '{}' is not permitted after scope declaration.",
                        char_at(after, skip)
                    ),
                );
                self.pending_abort = true;
                return;
            }
        }
        r.diags.warning(
            Some(span),
            format!(
                "scope '[{}]' has no effect here: scopes only select sections of SPOE \
                 configuration files.",
                String::from_utf8_lossy(name)
            ),
        );
    }
}

/// `parsing [file:line]: message` at alert level.
fn tight_alert(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::alert(Some(span), message).tight()
}

/// The character at `i` for a message (HAProxy prints the raw byte).
fn char_at(bytes: &[u8], i: usize) -> char {
    let tail = bytes.get(i..).unwrap_or_default();
    (1..=tail.len().min(4))
        .find_map(|n| {
            std::str::from_utf8(&tail[..n])
                .ok()
                .and_then(|s| s.chars().next())
        })
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Moves a leading `no`/`default` into the modifier. HAProxy shifts the words left; with
/// `default` and no further word the keyword stays `default`, with `no` it becomes empty.
fn split_modifier(mut words: Vec<String>) -> (Modifier, Vec<String>) {
    match words.first().map(String::as_str) {
        Some("no") => {
            words.remove(0);
            if words.is_empty() {
                words.push(String::new());
            }
            (Modifier::No, words)
        }
        Some("default") => {
            if words.get(1).is_some_and(|w| !w.is_empty()) {
                words.remove(0);
            }
            (Modifier::Default, words)
        }
        _ => (Modifier::None, words),
    }
}

/// `setenv`, `presetenv`, `unsetenv`, `resetenv` in a `global` section, applied only when
/// HAProxy would apply them (its global parser reports the malformed ones).
fn apply_env_keyword(env: &mut Env, words: &[String]) {
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    // libc refuses empty names and names containing '='.
    let valid = |name: &str| !name.is_empty() && !name.contains('=');
    match word(0) {
        kw @ ("setenv" | "presetenv") => {
            if !word(4).is_empty() || word(2).is_empty() || !valid(word(1)) {
                return;
            }
            if kw == "setenv" {
                env.set(word(1), word(2));
            } else {
                env.preset(word(1), word(2));
            }
        }
        "unsetenv" => {
            for name in words.iter().skip(1).take_while(|w| !w.is_empty()) {
                if !valid(name) {
                    return;
                }
                env.unset(name);
            }
        }
        "resetenv" => {
            let keep: Vec<&str> = words
                .iter()
                .skip(1)
                .take_while(|w| !w.is_empty())
                .map(String::as_str)
                .collect();
            // HAProxy keeps an entry "NAME=VALUE" when it starts with a kept word plus '='.
            let kept = |name: &str, value: &str| {
                let entry = format!("{name}={value}");
                keep.iter()
                    .any(|k| entry.starts_with(k) && entry.as_bytes().get(k.len()) == Some(&b'='))
            };
            let doomed: Vec<String> = env
                .iter()
                .filter(|(name, value)| !kept(name, value))
                .map(|(name, _)| name.to_owned())
                .collect();
            for name in doomed {
                env.unset(&name);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
