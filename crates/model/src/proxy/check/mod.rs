//! Health-check rules of a proxy (configuration manual 4.2 `option httpchk`,
//! `option tcp-check`, `option ssl-hello-chk|smtpchk|pgsql-check|mysql-check|redis-check|
//! ldap-check`, `http-check`, `tcp-check`; HAProxy's tcpcheck.c parsers).
//!
//! HAProxy turns every check type into a list of tcp-check rules. This module keeps what
//! the configuration says in the same shape: the check type of the proxy ([`Kind`]), the
//! rules written in the section (`tcp-check` and `http-check` lines go to two separate
//! rulesets) and which list is in force ([`RuleList`]), with HAProxy's rules for
//! inheritance from `defaults` (a proxy's own lines replace the inherited list, they never
//! extend it) and for merging `option httpchk` with `http-check send`. The predefined
//! protocol sequences and the implicit rules (first `connect`, last `expect status
//! 200-399`) are built by `rampart-check`, which runs them.
//!
//! What needs log-format strings or sample expressions (`send-lf`, `string-lf`,
//! `status-code`, `uri-lf`, a `%[...]` in `on-success`...) waits for the rules engine, and
//! TLS options wait for TLS: they are "not supported yet", never accepted silently.

use super::{Cap, ProxiesBuilder};
use crate::addr::SockAddr;
use crate::kw::Cx;

/// A check status a rule may name (`ok-status`, `error-status`, `tout-status`): HAProxy's
/// `HCHK_STATUS_*` as the configuration and the logs spell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    L4Ok,
    L4Tout,
    L4Con,
    L6Ok,
    L6Tout,
    L6Rsp,
    L7Tout,
    L7Rsp,
    L7Ok,
    L7OkC,
    L7Sts,
}

/// The check type of a proxy (which ruleset its servers run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `option tcp-check`: the `tcp-check` rules.
    Tcp,
    /// `option httpchk`: the `http-check` rules.
    Http,
    /// `option redis-check`.
    Redis,
    /// `option ssl-hello-chk`.
    SslHello,
    /// `option smtpchk [EHLO|HELO <domain>]`: the greeting sent (`HELO localhost` by default).
    Smtp { cmd: String },
    /// `option pgsql-check user <name>`.
    Pgsql { user: String },
    /// `option mysql-check [user <name> [post-41|pre-41]]`.
    Mysql { user: Option<String>, post41: bool },
    /// `option ldap-check`.
    Ldap,
}

/// One `tcp-check` / `http-check` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// HAProxy's rule index in its ruleset (step numbers in messages are index + 1).
    pub index: u32,
    pub comment: Option<String>,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Connect(Connect),
    /// `send` / `send-binary`: the bytes to send.
    Send(Vec<u8>),
    /// `http-check send` (or the request of `option httpchk`).
    SendHttp(HttpSend),
    Expect(Expect),
    /// `comment`: names the rules that follow in messages.
    Comment,
}

/// `tcp-check connect` / `http-check connect` options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connect {
    /// `default`: the server's check settings (`check-send-proxy`...) apply.
    pub default: bool,
    pub port: Option<u16>,
    pub addr: Option<SockAddr>,
    pub send_proxy: bool,
    /// `linger`: close without a reset.
    pub linger: bool,
}

/// `http-check send` arguments; unset parts keep HAProxy's defaults (`OPTIONS / HTTP/1.0`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpSend {
    pub meth: Option<String>,
    pub uri: Option<String>,
    pub ver: Option<String>,
    pub hdrs: Vec<(String, String)>,
    pub body: Option<String>,
    /// Comes from `option httpchk` (merged with the first `http-check send`).
    pub from_opt: bool,
}

/// `tcp-check expect` / `http-check expect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    pub pattern: Pattern,
    /// `!`: the rule fails when the pattern matches.
    pub inverse: bool,
    /// `min-recv` (-1: none).
    pub min_recv: i64,
    pub ok_status: Option<CheckStatus>,
    pub err_status: Option<CheckStatus>,
    pub tout_status: Option<CheckStatus>,
    /// `on-success` / `on-error` texts (plain strings).
    pub on_success: Option<String>,
    pub on_error: Option<String>,
}

/// What an `expect` rule matches. `String`/`Rstring` match the response body in an
/// `http-check` ruleset and the raw data in a `tcp-check` one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    String(Vec<u8>),
    Rstring(String),
    Binary(Vec<u8>),
    /// A regex applied to the hexadecimal dump of the data.
    Rbinary(String),
    /// HTTP status ranges.
    Status(Vec<(u32, u32)>),
    Rstatus(String),
    /// `hdr` / `fhdr` (`full`: values are not split on commas).
    Header {
        name: HdrMatch,
        value: Option<HdrMatch>,
        full: bool,
    },
}

/// A header name or value pattern with its matching method (`-m str|beg|end|sub|reg`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HdrMatch {
    pub how: MatchHow,
    pub pattern: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchHow {
    Str,
    Beg,
    End,
    Sub,
    Reg,
}

/// Which rule list is in force (HAProxy's `tcpcheck_rules.list`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RuleList {
    /// None: a plain connection check, unless a check option sets one.
    #[default]
    None,
    /// The section's own `tcp-check` lines.
    OwnTcp,
    /// The section's own `http-check` lines (with `option httpchk`'s request).
    OwnHttp,
    /// The list of the `defaults` section the proxy started from.
    Inherited(Vec<Rule>),
    /// The predefined sequence of a protocol check (`option redis-check`...).
    Builtin,
}

/// The health-check configuration of a proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checks {
    /// `None`: the servers' checks are plain connections.
    pub kind: Option<Kind>,
    pub list: RuleList,
    pub own_tcp: Vec<Rule>,
    pub own_http: Vec<Rule>,
    /// The `tcp-check` lines of the `defaults` section (`option tcp-check` falls back on
    /// them when the proxy has none).
    pub def_tcp: Vec<Rule>,
    /// `http-check` lines written without `option httpchk` in force (ignored, with a
    /// warning at the end).
    pub unused_http: bool,
    /// `tcp-check` lines waiting for `option tcp-check`.
    pub unused_tcp: bool,
    /// `http-check disable-on-404`.
    pub disable_on_404: bool,
}

impl Checks {
    /// The rules in force (empty for a plain connection check).
    pub fn rules(&self) -> &[Rule] {
        match &self.list {
            RuleList::None | RuleList::Builtin => &[],
            RuleList::OwnTcp => &self.own_tcp,
            RuleList::OwnHttp => &self.own_http,
            RuleList::Inherited(v) => v,
        }
    }

    /// What a proxy starting from this `defaults` section gets (`proxy_defproxy_cpy`):
    /// the list in force and the check type, but no ruleset of its own.
    pub(crate) fn inherit(&self) -> Checks {
        let list = match &self.list {
            RuleList::None => RuleList::None,
            RuleList::Builtin => RuleList::Builtin,
            _ => RuleList::Inherited(self.rules().to_vec()),
        };
        Checks {
            kind: self.kind.clone(),
            list,
            own_tcp: Vec::new(),
            own_http: Vec::new(),
            def_tcp: self.own_tcp.clone(),
            unused_http: false,
            unused_tcp: false,
            disable_on_404: self.disable_on_404,
        }
    }

    /// The check type and list set by a protocol option (`option redis-check`...).
    fn set_proto(&mut self, kind: Kind) {
        self.kind = Some(kind);
        self.list = RuleList::Builtin;
        self.unused_http = false;
        self.unused_tcp = false;
    }
}

impl CheckStatus {
    /// HAProxy's short name (`L7OK`...).
    pub fn name(self) -> &'static str {
        match self {
            CheckStatus::L4Ok => "L4OK",
            CheckStatus::L4Tout => "L4TOUT",
            CheckStatus::L4Con => "L4CON",
            CheckStatus::L6Ok => "L6OK",
            CheckStatus::L6Tout => "L6TOUT",
            CheckStatus::L6Rsp => "L6RSP",
            CheckStatus::L7Tout => "L7TOUT",
            CheckStatus::L7Rsp => "L7RSP",
            CheckStatus::L7Ok => "L7OK",
            CheckStatus::L7OkC => "L7OKC",
            CheckStatus::L7Sts => "L7STS",
        }
    }
}

// ---------------------------------------------------------------------------------------
// option ... (check types)

/// `option httpchk [<method>] [<uri> [<version>]]` (the 2.6 forms: an URI alone, or a
/// method and an URI, with an optional version that may still hide headers after `\r\n`).
pub(crate) fn option_httpchk(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Be, "httpchk", "") {
        return Ok(());
    }
    super::options::max_opt_args(cx, 3)?;
    let a = |i: usize| cx.arg(i).filter(|s| !s.is_empty());
    let mut send = HttpSend {
        from_opt: true,
        ..HttpSend::default()
    };
    match (a(1), a(2)) {
        (Some(u), None) => send.uri = Some(u.to_string()),
        (Some(m), Some(u)) => {
            send.meth = Some(m.to_string());
            send.uri = Some(u.to_string());
        }
        _ => {}
    }
    if let Some(v) = a(3) {
        let (ver, hdrs, body) = split_version(v);
        if hdrs.is_some() || body.is_some() {
            super::tight_warn(
                cx,
                "'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.",
            );
        }
        send.ver = Some(ver.to_string());
        if let Some(h) = hdrs {
            for l in h.split("\r\n").filter(|l| !l.is_empty()) {
                let Some((n, v)) = l.split_once(':') else {
                    return Err(format!(
                        "'option httpchk' : unable to parse the request '{h}\r\n\r\n'."
                    ));
                };
                send.hdrs.push((n.trim().to_string(), v.trim().to_string()));
            }
        }
        send.body = body.map(str::to_string);
    }
    let c = &mut b.px().checks;
    c.kind = Some(Kind::Http);
    c.unused_http = false;
    c.list = RuleList::OwnHttp;
    add_http_rule(
        c,
        Rule {
            index: 0,
            comment: None,
            action: Action::SendHttp(send),
        },
    )
    .map_err(|e| format!("'option httpchk' : {e}."))
}

/// Splits `HTTP/1.1\r\nHost: x\r\n\r\nbody` into its version, headers and body.
fn split_version(v: &str) -> (&str, Option<&str>, Option<&str>) {
    let body_at = v.find("\r\n\r\n");
    let hdrs_at = v.find("\r\n").filter(|&h| Some(h) != body_at);
    let end = hdrs_at.or(body_at).unwrap_or(v.len());
    let hdrs = hdrs_at.map(|h| &v[h + 2..body_at.unwrap_or(v.len())]);
    let body = body_at.map(|b| &v[b + 4..]);
    (&v[..end], hdrs, body)
}

/// `option tcp-check`.
pub(crate) fn option_tcp_check(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Be, "tcp-check", "") {
        return Ok(());
    }
    super::options::max_opt_args(cx, 0)?;
    let c = &mut b.px().checks;
    if c.kind == Some(Kind::Tcp) && c.list != RuleList::None {
        return Ok(());
    }
    c.list = if c.unused_tcp || !c.own_tcp.is_empty() || c.def_tcp.is_empty() {
        RuleList::OwnTcp
    } else {
        RuleList::Inherited(c.def_tcp.clone())
    };
    c.kind = Some(Kind::Tcp);
    c.unused_tcp = false;
    c.unused_http = false;
    Ok(())
}

/// `option redis-check`, `ssl-hello-chk`, `ldap-check` (no argument).
pub(crate) fn option_simple_check(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    if b.warn_not_cap(cx, Cap::Be, name, "") {
        return Ok(());
    }
    super::options::max_opt_args(cx, 0)?;
    let kind = match name {
        "redis-check" => Kind::Redis,
        "ssl-hello-chk" => Kind::SslHello,
        _ => Kind::Ldap,
    };
    b.px().checks.set_proto(kind);
    Ok(())
}

/// `option smtpchk [EHLO|HELO <domain>]`.
pub(crate) fn option_smtpchk(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Be, "smtpchk", "") {
        return Ok(());
    }
    super::options::max_opt_args(cx, 2)?;
    let cmd = match (cx.arg(1).unwrap_or(""), cx.arg(2).unwrap_or("")) {
        (v @ ("EHLO" | "HELO"), d) if !d.is_empty() => format!("{v} {d}"),
        _ => "HELO localhost".to_string(),
    };
    b.px().checks.set_proto(Kind::Smtp { cmd });
    Ok(())
}

/// `option pgsql-check user <name>`.
pub(crate) fn option_pgsql(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Be, "pgsql-check", "") {
        return Ok(());
    }
    super::options::max_opt_args(cx, 2)?;
    let (k, user) = (cx.arg(1).unwrap_or(""), cx.arg(2).unwrap_or(""));
    if k.is_empty() || user.is_empty() {
        return Err("'option pgsql-check' expects 'user <username>' as argument.".into());
    }
    if k != "user" {
        return Err("'option pgsql-check' only supports optional values: 'user'.".into());
    }
    b.px().checks.set_proto(Kind::Pgsql {
        user: user.to_string(),
    });
    Ok(())
}

/// `option mysql-check [user <name> [post-41|pre-41]]`.
pub(crate) fn option_mysql(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Be, "mysql-check", "") {
        return Ok(());
    }
    super::options::max_opt_args(cx, 3)?;
    let k = cx.arg(1).unwrap_or("");
    let kind = if k.is_empty() {
        Kind::Mysql {
            user: None,
            post41: true,
        }
    } else {
        if k != "user" {
            return Err(format!(
                "'option mysql-check' only supports optional values: 'user' (got '{k}')."
            ));
        }
        let user = cx.arg(2).unwrap_or("");
        if user.is_empty() {
            return Err("'option mysql-check user' expects <username> as argument.".into());
        }
        let post41 = match cx.arg(3).unwrap_or("") {
            "" | "post-41" => true,
            "pre-41" => false,
            v => {
                return Err(format!(
                    "keyword 'user' only supports 'post-41' and 'pre-41' (got '{v}')."
                ))
            }
        };
        Kind::Mysql {
            user: Some(user.to_string()),
            post41,
        }
    };
    b.px().checks.set_proto(kind);
    Ok(())
}

mod lines;
use lines::add_http_rule;
pub use lines::parse_hex;
pub(crate) use lines::{http_check, tcp_check};

#[cfg(test)]
mod tests;
