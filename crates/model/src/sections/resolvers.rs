//! `resolvers <name>` sections (manual 5.3.2): DNS resolution of server addresses at run
//! time. Not implemented yet: the header is checked like HAProxy does and every keyword
//! is reported as not supported yet (`resolution_pool_size`, which HAProxy 2.6 itself
//! refuses, gets HAProxy's message).

use rampart_config::{Diagnostic, Section, SectionKind};

use super::{check_header, declare, lower_line, HeaderRules, OthersBuilder, Unknown};
use crate::kw::Keyword;
use crate::LowerCx;

/// Keywords of a `resolvers` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("accepted_payload_size"),
    Keyword::not_yet("hold"),
    Keyword::not_yet("nameserver"),
    Keyword::not_yet("parse-resolv-conf"),
    Keyword::not_yet("resolve_retries"),
    Keyword::rejected(
        "resolution_pool_size",
        "removed from HAProxy before any stable release; remove the line",
    ),
    Keyword::not_yet("timeout"),
];

/// Lowers one `resolvers` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let rules = HeaderRules {
        missing: "missing name for resolvers section.",
        missing_tight: false,
        too_many: None,
        charset: Some(false),
    };
    if let Some(name) = check_header(s, cx, &rules) {
        declare(
            b,
            cx,
            SectionKind::Resolvers,
            &name,
            s.header.span,
            |n, at| {
                format!("resolvers '{n}' has same name as another resolvers (declared at {at}).")
            },
        );
    }
    for line in &s.lines {
        if line.keyword() == "resolution_pool_size" {
            cx.diags.push(Diagnostic::alert(
                Some(line.span),
                "'resolution_pool_size' directive is not supported anymore (it never appeared in a stable release).",
            ));
            continue;
        }
        lower_line(
            TABLE,
            &mut (),
            line,
            cx,
            Unknown::Spaced(SectionKind::Resolvers.keyword()),
        );
    }
}
