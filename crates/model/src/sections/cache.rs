//! `cache <name>` sections (manual 6.2.1): the small HTTP object cache. Not implemented
//! yet: the header is checked like HAProxy does (name required, at most 32 characters,
//! unique) and every keyword is reported as not supported yet. A cache section that never
//! sets `total-max-size` is refused at the end, as in HAProxy.

use rampart_config::{Diagnostic, Section, SectionKind};

use super::{check_header, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::kw::Keyword;
use crate::LowerCx;

/// Longest cache name HAProxy keeps (longer ones are truncated with a warning).
pub const MAX_NAME_LEN: usize = 32;

/// Keywords of a `cache` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("max-age"),
    Keyword::not_yet("max-object-size"),
    Keyword::not_yet("max-secondary-entries"),
    Keyword::not_yet("process-vary"),
    Keyword::not_yet("total-max-size"),
];

/// Lowers one `cache` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let span = s.header.span;
    let rules = HeaderRules {
        missing: "'cache' expects a <name> argument",
        missing_tight: false,
        too_many: Some(false),
        charset: None,
    };
    if let Some(full) = check_header(s, cx, &rules) {
        let name: String = full.chars().take(MAX_NAME_LEN).collect();
        if full.len() > MAX_NAME_LEN {
            cx.diags.push(
                Diagnostic::warning(
                    Some(span),
                    format!(
                        "cache name is limited to {MAX_NAME_LEN} characters, truncate to '{name}'."
                    ),
                )
                .tight(),
            );
        }
        if b.others
            .declared(SectionKind::Cache)
            .any(|d| d.name == name)
        {
            cx.diags.push(
                Diagnostic::alert(Some(span), format!("Duplicate cache name '{name}'.")).tight(),
            );
        } else {
            b.others.declared.push(super::Declared {
                kind: SectionKind::Cache,
                name: name.clone(),
                span,
            });
            if !s.lines.iter().any(|l| l.keyword() == "total-max-size") {
                b.caches_without_size.push(name);
            }
        }
    }
    lower_lines(
        TABLE,
        &mut (),
        s,
        cx,
        Unknown::Spaced(SectionKind::Cache.keyword()),
    );
}
