//! `peers <name>` sections (manual 3.5): stick-table synchronisation between instances.
//! The peers protocol is not implemented yet: the header is checked like HAProxy does
//! (name required and unique, one argument, valid characters) and every keyword is
//! reported as not supported yet.

use rampart_config::{Section, SectionKind};

use super::{check_header, declare, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::kw::Keyword;
use crate::LowerCx;

/// Keywords of a `peers` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("bind"),
    Keyword::not_yet("default-bind"),
    Keyword::not_yet("default-server"),
    Keyword::not_yet("disabled"),
    Keyword::not_yet("enabled"),
    Keyword::not_yet("log"),
    Keyword::not_yet("peer"),
    Keyword::not_yet("server"),
    Keyword::not_yet("table"),
];

/// Lowers one `peers` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let rules = HeaderRules {
        missing: "missing name for peers section.",
        missing_tight: false,
        too_many: Some(false),
        charset: Some(false),
    };
    if let Some(name) = check_header(s, cx, &rules) {
        declare(b, cx, SectionKind::Peers, &name, s.header.span, |n, at| {
            format!(
                "peers section '{n}' has the same name as another peers section declared at {at}."
            )
        });
    }
    lower_lines(
        TABLE,
        &mut (),
        s,
        cx,
        Unknown::Spaced(SectionKind::Peers.keyword()),
    );
}
