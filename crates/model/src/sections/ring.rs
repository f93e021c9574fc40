//! `ring <name>` sections (manual 3.9): in-memory ring buffers for logs and traces,
//! optionally forwarded to log servers. Not implemented yet: the header is checked like
//! HAProxy does (name required, valid characters, no clash with another sink, including
//! the built-in `buf0`, `stdout` and `stderr`) and every keyword is reported as not
//! supported yet.

use rampart_config::{Diagnostic, Section, SectionKind};

use super::{invalid_char, lower_lines, OthersBuilder, Unknown};
use crate::global::args::Args;
use crate::kw::Keyword;
use crate::LowerCx;

/// Sinks every HAProxy process has.
pub const BUILTIN_SINKS: [&str; 3] = ["stdout", "stderr", "buf0"];

/// Keywords of a `ring` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("backing-file"),
    Keyword::not_yet("description"),
    Keyword::not_yet("format"),
    Keyword::not_yet("maxlen"),
    Keyword::not_yet("server"),
    Keyword::not_yet("size"),
    Keyword::not_yet("timeout"),
];

/// Lowers one `ring` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let span = s.header.span;
    let a = Args::new(&s.header);
    let name = a.get(1);
    let problem = if name.is_empty() {
        Some("missing ring name.".to_string())
    } else if let Some(c) = invalid_char(name) {
        Some(format!(
            "invalid ring name '{name}' (character '{c}' is not permitted)."
        ))
    } else if BUILTIN_SINKS.contains(&name)
        || b.others.declared(SectionKind::Ring).any(|d| d.name == name)
    {
        Some(format!("sink named '{name}' already exists."))
    } else {
        None
    };
    match problem {
        Some(msg) => cx.diags.push(Diagnostic::alert(Some(span), msg)),
        None => b.others.declared.push(super::Declared {
            kind: SectionKind::Ring,
            name: name.to_string(),
            span,
        }),
    }
    lower_lines(TABLE, &mut (), s, cx, Unknown::Statement);
}

/// What a `ring@<name>` log target refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingRef {
    /// A ring buffer: a `ring` section or the built-in `buf0`.
    Buffer,
    /// A sink that is not a buffer (`stdout`, `stderr`).
    NotBuffer,
    /// Nothing of that name.
    Unknown,
}

/// Resolves a ring name used by `log ring@<name>`.
pub fn ring_ref(others: &super::Others, name: &str) -> RingRef {
    if name == "buf0" || others.declared(SectionKind::Ring).any(|d| d.name == name) {
        RingRef::Buffer
    } else if name == "stdout" || name == "stderr" {
        RingRef::NotBuffer
    } else {
        RingRef::Unknown
    }
}

/// HAProxy's start-up check of global `log ring@<name>` targets (`post_sink_resolve`).
/// HAProxy runs it when starting, not with `-c`, so the binary should call it on start-up
/// only. Messages are HAProxy's, without file position.
pub fn check_global_log_rings(
    targets: &[crate::global::LogTarget],
    others: &super::Others,
    sources: &rampart_config::SourceMap,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for t in targets {
        let crate::global::LogDest::Ring(name) = &t.dest else {
            continue;
        };
        let (file, line) = (sources.name(t.span.file), t.span.line);
        let msg = match ring_ref(others, name) {
            RingRef::Buffer => continue,
            RingRef::NotBuffer => format!(
                "global log server declared in file '{file}' at line {line} uses incompatible ring '{name}'."
            ),
            RingRef::Unknown => format!(
                "global log server declared in file '{file}' at line {line} uses unknown ring named '{name}'."
            ),
        };
        out.push(Diagnostic::alert(None, msg));
    }
    out
}
