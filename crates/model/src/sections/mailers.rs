//! `mailers <name>` sections (manual 3.6): SMTP servers that `email-alert mailers <name>`
//! in proxies sends server state changes to.
//!
//! ```text
//! mailers alerts
//!     timeout mail 20s
//!     mailer smtp1 192.168.0.1:587
//! ```

use rampart_config::units::TimeError;
use rampart_config::{Section, SectionKind, Span};

use super::{
    check_header, declare, invalid_char, lower_lines, HeaderRules, OthersBuilder, Unknown,
};
use crate::addr::{self, AddrOpts, Host, SockAddr};
use crate::global::args::{alert_tight, bad_time_char, time_ms, Args};
use crate::kw::{Cx, Keyword};
use crate::LowerCx;

/// Default `timeout mail` (HAProxy's `DEF_MAILALERTTIME`).
pub const DEFAULT_TIMEOUT_MAIL_MS: u32 = 10_000;

/// One `mailers` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailers {
    pub name: String,
    pub span: Span,
    pub mailers: Vec<Mailer>,
    /// `timeout mail`: time to connect and deliver one mail, in ms.
    pub timeout_mail_ms: u32,
}

/// One `mailer <name> <addr>:<port>` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailer {
    pub name: String,
    pub span: Span,
    /// A TCP address (IP or host name to resolve) with its port.
    pub addr: SockAddr,
}

/// A `mailers` section being lowered, with the resolver for host names.
pub struct MailersBuilder {
    pub mailers: Mailers,
    resolver: crate::proxy::HostResolver,
}

/// Keywords of a `mailers` section.
pub static TABLE: &[Keyword<MailersBuilder>] = &[
    Keyword::parse("mailer", parse_mailer),
    Keyword::parse("timeout", parse_timeout),
];

/// Lowers one `mailers` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let span = s.header.span;
    let rules = HeaderRules {
        missing: "missing name for mailers section.",
        missing_tight: false,
        too_many: None,
        charset: Some(false),
    };
    let name = check_header(s, cx, &rules);
    let fresh = match &name {
        Some(n) => declare(b, cx, SectionKind::Mailers, n, span, |n, at| {
            format!("mailers section '{n}' has the same name as another mailers section declared at {at}.")
        }),
        None => false,
    };
    let mut section = MailersBuilder {
        mailers: Mailers {
            name: name.unwrap_or_default(),
            span,
            mailers: Vec::new(),
            timeout_mail_ms: DEFAULT_TIMEOUT_MAIL_MS,
        },
        resolver: cx.opts.resolver.clone(),
    };
    lower_lines(
        TABLE,
        &mut section,
        s,
        cx,
        Unknown::Spaced(SectionKind::Mailers.keyword()),
    );
    if fresh {
        b.others.mailers.push(section.mailers);
    }
}

/// `mailer <name> <addr>:<port>`.
fn parse_mailer(m: &mut MailersBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(2) {
        return Err(format!(
            "'{}' expects <name> and <addr>[:<port>] as arguments.",
            a.kw()
        ));
    }
    let name = a.get(1);
    if let Some(c) = invalid_char(name) {
        return Err(format!(
            "character '{c}' is not permitted in server name '{name}'."
        ));
    }
    let addr = addr::parse(a.get(2), &AddrOpts::CONNECT_PORT, &m.resolver)
        .map_err(|e| format!("'{} {name}' : {e}", a.kw()))?;
    if !matches!(addr.host, Host::Ip(_) | Host::Name { .. }) {
        return Err(format!(
            "'{} {name}' : TCP not supported for this address family.",
            a.kw()
        ));
    }
    m.mailers.mailers.push(Mailer {
        name: name.to_string(),
        span: cx.span(),
        addr,
    });
    Ok(())
}

/// `timeout mail <time>`.
fn parse_timeout(m: &mut MailersBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        return Err(format!(
            "'{}' expects 'mail' and <time> as arguments.",
            a.kw()
        ));
    }
    if a.get(1) != "mail" {
        return Err(format!(
            "'{}' expects 'mail' and <time> as arguments got '{}'.",
            a.kw(),
            a.get(1)
        ));
    }
    let (kw, v) = (a.kw(), a.get(2));
    if v.is_empty() {
        return Err(format!("'{kw} mail' expects <time> as argument."));
    }
    match time_ms(cx, v) {
        Ok(ms) => m.mailers.timeout_mail_ms = ms,
        Err(TimeError::Overflow) => alert_tight(
            cx,
            format!("timer overflow in argument <{v}> to <{kw} mail>, maximum value is 2147483647 ms (~24.8 days)."),
        ),
        Err(TimeError::Underflow) => alert_tight(
            cx,
            format!("timer underflow in argument <{v}> to <{kw} mail>, minimum non-null value is 1 ms."),
        ),
        Err(e) => {
            let c = bad_time_char(&e).map(String::from).unwrap_or_default();
            alert_tight(cx, format!("unexpected character '{c}' in argument to <{kw} mail>."));
        }
    }
    Ok(())
}
