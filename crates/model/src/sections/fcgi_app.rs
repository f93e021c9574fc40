//! `fcgi-app <name>` sections (manual 10.1.1): FastCGI applications used by backends with
//! `use-fcgi-app`. Not implemented yet: the header is checked like HAProxy does and every
//! keyword is reported as not supported yet.

use rampart_config::{Section, SectionKind};

use super::{check_header, declare, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::kw::Keyword;
use crate::LowerCx;

/// Keywords of an `fcgi-app` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("acl"),
    Keyword::not_yet("docroot"),
    Keyword::not_yet("hide-header"),
    Keyword::not_yet("index"),
    Keyword::not_yet("log-stderr"),
    Keyword::not_yet("option"),
    Keyword::not_yet("pass-header"),
    Keyword::not_yet("path-info"),
    Keyword::not_yet("set-param"),
    Keyword::not_yet("unset-param"),
];

/// Lowers one `fcgi-app` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let rules = HeaderRules {
        missing: "'fcgi-app' expects <name> as argument.",
        missing_tight: true,
        too_many: Some(false),
        charset: Some(true),
    };
    if let Some(name) = check_header(s, cx, &rules) {
        declare(
            b,
            cx,
            SectionKind::FcgiApp,
            &name,
            s.header.span,
            |n, at| {
                format!("fcgi-app section '{n}' has the same name as another one declared at {at}.")
            },
        );
    }
    lower_lines(
        TABLE,
        &mut (),
        s,
        cx,
        Unknown::Tight(SectionKind::FcgiApp.keyword()),
    );
}
