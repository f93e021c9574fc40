//! `program <name>` sections (manual 3.7): external programs the master process starts
//! and supervises in master-worker mode. Not implemented yet (the master process comes
//! later): the header is checked like HAProxy does and every keyword is reported as not
//! supported yet. A program without `command` is refused at the end, as in HAProxy.

use rampart_config::{Diagnostic, Section, SectionKind};

use super::{lower_lines, OthersBuilder, Unknown};
use crate::global::args::Args;
use crate::kw::Keyword;
use crate::LowerCx;

/// Keywords of a `program` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("command"),
    Keyword::not_yet("group"),
    Keyword::not_yet("option"),
    Keyword::not_yet("user"),
];

/// Lowers one `program` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let span = s.header.span;
    let a = Args::new(&s.header);
    if let Err(m) = a.too_many(1) {
        cx.diags.push(Diagnostic::alert(Some(span), m));
    } else if a.empty(1) {
        cx.diags.push(Diagnostic::alert(
            Some(span),
            "'program' expects an <id> argument",
        ));
    } else if b
        .others
        .declared(SectionKind::Program)
        .any(|d| d.name == a.get(1))
    {
        cx.diags.push(
            Diagnostic::alert(
                Some(span),
                format!(
                    "'{}' program section already exists in the configuration.",
                    a.get(1)
                ),
            )
            .tight(),
        );
    } else {
        let name = a.get(1).to_string();
        b.others.declared.push(super::Declared {
            kind: SectionKind::Program,
            name: name.clone(),
            span,
        });
        if !s.lines.iter().any(|l| l.keyword() == "command") {
            b.programs_without_command.push(name);
        }
    }
    lower_lines(
        TABLE,
        &mut (),
        s,
        cx,
        Unknown::Spaced(SectionKind::Program.keyword()),
    );
}
