//! `log-forward <name>` sections (manual 3.10): a syslog relay receiving logs over UDP or
//! TCP and forwarding them to log servers. Not implemented yet: the header is checked
//! like HAProxy does and every keyword is reported as not supported yet. HAProxy also
//! refuses a name used by a proxy; that check belongs with the proxies
//! ([`crate::check`]).

use rampart_config::{Section, SectionKind};

use super::{check_header, declare, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::kw::Keyword;
use crate::LowerCx;

/// Keywords of a `log-forward` section.
pub static TABLE: &[Keyword<()>] = &[
    Keyword::not_yet("backlog"),
    Keyword::not_yet("bind"),
    Keyword::not_yet("dgram-bind"),
    Keyword::not_yet("log"),
    Keyword::not_yet("maxconn"),
    Keyword::not_yet("timeout"),
];

/// Lowers one `log-forward` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let rules = HeaderRules {
        // HAProxy's text names the section "ip-forward".
        missing: "missing name for ip-forward section.",
        missing_tight: false,
        too_many: Some(false),
        charset: Some(false),
    };
    if let Some(name) = check_header(s, cx, &rules) {
        declare(
            b,
            cx,
            SectionKind::LogForward,
            &name,
            s.header.span,
            |n, at| {
                format!(
                "log-forward section '{n}' has the same name as another log-forward section declared at {at}."
            )
            },
        );
    }
    lower_lines(TABLE, &mut (), s, cx, Unknown::LogForward);
}
