//! `http-errors <name>` sections (manual 3.8): named sets of error files that proxies
//! import with `errorfiles <name> [<code>...]` or `http-error status <code> errorfiles`.
//!
//! ```text
//! http-errors site
//!     errorfile 503 /etc/haproxy/errors/503.http
//! ```
//!
//! Files are read and checked now (missing or malformed files are errors, as in
//! HAProxy); relative paths follow `default-path`. A later `errorfile` for the same code
//! replaces the earlier one. Proxies find their sections by name once everything is
//! parsed ([`crate::proxy::errors::resolve`]), so a section may follow its users.

use std::collections::BTreeMap;

use rampart_config::{Diagnostic, Section, SectionKind, Span};

use super::errorfile::{load_errorfile, ErrorFile};
use super::{check_header, loc, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::cnum::atol;
use crate::global::args::Args;
use crate::kw::{Cx, Keyword};
use crate::LowerCx;

/// One `http-errors` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpErrors {
    pub name: String,
    /// Where the section was declared.
    pub span: Option<Span>,
    /// Error files by status code.
    pub files: BTreeMap<u16, ErrorFile>,
}

/// Keywords of an `http-errors` section.
pub static TABLE: &[Keyword<Builder>] = &[Keyword::parse("errorfile", parse_errorfile)];

/// The section being parsed and the `tune.bufsize` that bounds its files.
pub struct Builder {
    section: HttpErrors,
    bufsize: usize,
}

/// Lowers one `http-errors` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let span = s.header.span;
    let a = Args::new(&s.header);
    if a.empty(1) {
        // HAProxy stops reading the configuration here.
        cx.diags.abort_with(Diagnostic::alert(
            Some(span),
            "missing name for http-errors section.",
        ));
        return;
    }
    let rules = HeaderRules {
        missing: "missing name for http-errors section.",
        missing_tight: false,
        too_many: None,
        charset: Some(false),
    };
    // HAProxy keeps a section whose name has a bad character (the error is fatal anyway).
    let name = check_header(s, cx, &rules).or_else(|| (!a.empty(1)).then(|| a.get(1).to_string()));
    let mut duplicate = false;
    if let Some(name) = &name {
        if let Some(prev) = b
            .others
            .http_errors
            .iter()
            .find(|h| &h.name == name)
            .and_then(|h| h.span)
        {
            let at = loc(cx, prev);
            cx.diags.push(
                Diagnostic::alert(
                    Some(span),
                    format!("http-errors section '{name}' already exists (declared at {at})."),
                )
                .tight(),
            );
            duplicate = true;
        }
    }
    let mut builder = Builder {
        section: HttpErrors {
            name: name.clone().unwrap_or_default(),
            span: Some(span),
            ..Default::default()
        },
        bufsize: b.bufsize,
    };
    lower_lines(
        TABLE,
        &mut builder,
        s,
        cx,
        Unknown::Spaced(SectionKind::HttpErrors.keyword()),
    );
    if name.is_some() && !duplicate {
        b.others.http_errors.push(builder.section);
    }
}

/// `errorfile <code> <file>`.
fn parse_errorfile(h: &mut Builder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(1) || a.empty(2) {
        return Err(format!(
            "{}: expects <status_code> and <file> as arguments.",
            a.kw()
        ));
    }
    let path = cx.path(a.get(2));
    let (file, warning) = load_errorfile(atol(a.get(1)), a.get(2), &path, h.bufsize)
        .map_err(|e| format!("{} : {e}", a.kw()))?;
    if let Some(w) = warning {
        cx.diags.push(Diagnostic::warning(None, w));
    }
    h.section.files.insert(file.status, file);
    Ok(())
}
