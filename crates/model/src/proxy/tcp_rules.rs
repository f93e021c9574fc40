//! `tcp-request` and `tcp-response` in proxy sections (configuration manual 4.2
//! `tcp-request connection|session|content`, `tcp-request inspect-delay`,
//! `tcp-response content`, `tcp-response inspect-delay`; HAProxy's `tcp_parse_tcp_req`,
//! `tcp_parse_tcp_rep`).
//!
//! The action is read by `rampart_rules::action::tcp`, its condition over the proxy's
//! ACLs by [`super::acls`] with the rule set's checkpoint, and HAProxy's messages are
//! put around them: a TCP rule's errors are printed alone after `parsing [file:line] :`,
//! its condition's warnings say which rule set they are about. Rules are kept in the
//! proxy's four lists, in order. `inspect-delay` bounds how long content rules wait for
//! data.
//!
//! After parsing, [`check`] gives HAProxy's configuration-check messages about these
//! rules (a capture of request contents without `inspect-delay`, a `switch-mode` to a
//! multiplexer that cannot serve HTTP, a `switch-mode http` proxy with no backend).

use super::order::Stage;
use super::{Cond, ProxiesBuilder, ProxyKind};
use crate::kw::{Cx, Keyword};
use rampart_config::units::TimeError;
use rampart_config::{Diagnostic, Span};
use rampart_rules::action::tcp::{self, MuxProto, TcpAct, TcpSet};
use rampart_rules::action::ErrKind;
use rampart_rules::fetch::place::{Ckp, Places};
use std::sync::Arc;

/// One TCP rule: the action and its condition.
#[derive(Clone, Debug)]
pub struct TcpRule {
    pub act: Arc<TcpAct>,
    pub cond: Option<Cond>,
    pub span: Span,
}

/// The words after `tcp-request`.
pub static TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::parse("connection", connection),
    Keyword::parse("content", content),
    Keyword::parse("inspect-delay", inspect_delay),
    Keyword::parse("session", session),
];

/// The words after `tcp-response`.
pub static RESPONSE_TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::parse("content", response_content),
    Keyword::parse("inspect-delay", response_inspect_delay),
];

/// How HAProxy names the current section in these messages.
fn place(b: &ProxiesBuilder) -> String {
    let p = b.cur();
    if b.in_defaults() {
        "defaults section".to_string()
    } else {
        format!("{} '{}'", p.kind.type_str(), p.name)
    }
}

/// The `tcp-request` keyword.
pub(crate) fn tcp_request(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let place = place(b);
    let what = match cx.arg(0) {
        Some(w) if !w.is_empty() => w,
        _ => return Err(format!("missing argument for 'tcp-request' in {place}")),
    };
    match crate::kw::lookup(TABLE, what) {
        Some(k) => {
            super::apply(b, cx, &k.status, &format!("tcp-request {}", k.name));
            Ok(())
        }
        None => Err(format!(
            "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in {place} (got '{what}')"
        )),
    }
}

/// The `tcp-response` keyword.
pub(crate) fn tcp_response(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let p = b.cur();
    let place = format!("{} '{}'", p.kind.type_str(), p.name);
    let what = match cx.arg(0) {
        Some(w) if !w.is_empty() => w,
        _ => return Err(format!("missing argument for 'tcp-response' in {place}")),
    };
    match crate::kw::lookup(RESPONSE_TABLE, what) {
        Some(k) => {
            super::apply(b, cx, &k.status, &format!("tcp-response {}", k.name));
            Ok(())
        }
        None => Err(format!(
            "'tcp-response' expects 'inspect-delay' or 'content' in {place} (got '{what}')"
        )),
    }
}

/// `<time>` of an `inspect-delay`, with HAProxy's message for `what`.
fn delay(b: &ProxiesBuilder, cx: &mut Cx<'_>, what: &str) -> Result<u32, String> {
    let p = b.cur();
    let place = format!("{} '{}'", p.kind.type_str(), p.name);
    let expects = format!("'{what}' expects a positive delay in milliseconds, in {place}");
    let value = cx.arg(1).unwrap_or_default();
    if value.is_empty() {
        return Err(expects);
    }
    super::timeout::parse_ms(cx, value).map_err(|e| match e {
        TimeError::Overflow => format!(
            "{expects} (timer overflow in '{value}', maximum value is 2147483647 ms or ~24.8 days)"
        ),
        TimeError::Underflow => {
            format!("{expects} (timer underflow in '{value}', minimum non-null value is 1 ms)")
        }
        TimeError::UnexpectedChar(c) => format!("{expects} (unexpected character '{c}')"),
        TimeError::Missing => expects.clone(),
    })
}

fn anonymous_defaults(b: &ProxiesBuilder) -> bool {
    b.in_defaults() && b.cur().name.is_empty()
}

/// `tcp-request inspect-delay <time>`.
fn inspect_delay(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if anonymous_defaults(b) {
        return Err(
            "tcp-request inspect-delay is not allowed in anonymous 'defaults' sections".into(),
        );
    }
    let ms = delay(b, cx, "tcp-request inspect-delay")?;
    if b.cur().tcp_request_inspect_delay != 0 {
        cx.warn(format!(
            "ignoring tcp-request inspect-delay (was already defined) in {}",
            b.cur().designation()
        ));
        return Ok(());
    }
    b.px().tcp_request_inspect_delay = ms;
    Ok(())
}

/// `tcp-response inspect-delay <time>`.
fn response_inspect_delay(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if anonymous_defaults(b) || !b.cur().is_be() {
        return Err("tcp-response inspect-delay is only allowed in 'backend' sections or 'defaults' section with a name".into());
    }
    let ms = delay(b, cx, "tcp-response inspect-delay")?;
    if b.cur().tcp_response_inspect_delay != 0 {
        cx.warn(format!(
            "ignoring tcp-response inspect-delay (was already defined) in {}",
            b.cur().designation()
        ));
        return Ok(());
    }
    b.px().tcp_response_inspect_delay = ms;
    Ok(())
}

fn connection(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, TcpSet::Connection)
}

fn session(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, TcpSet::Session)
}

fn content(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, TcpSet::Content)
}

fn response_content(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    rule(b, cx, TcpSet::Response)
}

/// The checkpoints of a rule set in the current proxy.
fn places(b: &ProxiesBuilder, set: TcpSet) -> Places {
    let p = b.cur();
    set.places(p.is_fe(), p.is_be())
        .iter()
        .flatten()
        .fold(Places::default(), |acc, c| acc.with(*c))
}

/// One `tcp-request connection|session|content` or `tcp-response content` line.
fn rule(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, set: TcpSet) -> Result<(), String> {
    let words: Vec<&str> = std::iter::once(cx.keyword())
        .chain(cx.args().iter().map(String::as_str))
        .collect();
    let (a0, a1) = (words[0], words.get(1).copied().unwrap_or(""));
    let p = b.cur();
    let (name, kind) = (p.name.clone(), p.kind);
    let (fe, be) = (kind.is_fe(), kind.is_be());
    let anonymous = anonymous_defaults(b);
    match set {
        TcpSet::Response if anonymous || !be => {
            return Err(format!(
                "{a0} {a1} is only allowed in 'backend' sections or 'defaults' section with a name"
            ));
        }
        _ if anonymous => {
            return Err(format!(
                "{a0} {a1} is not allowed in anonymous 'defaults' sections"
            ));
        }
        TcpSet::Connection | TcpSet::Session if !fe => {
            return Err(format!(
                "{a0} {a1} is not allowed because {} {name} is not a frontend",
                kind.type_str()
            ));
        }
        _ => {}
    }
    let mut idx = 2;
    let parsed = super::http_act::with_act_cx(b, cx, |acx| {
        tcp::parse(set, &words, &mut idx, kind.type_str(), acx)
    });
    let act = parsed.map_err(|e| match e.kind {
        ErrKind::Invalid | ErrKind::Unknown | ErrKind::Experimental | ErrKind::NotYet => e.msg,
    })?;
    let a2 = words.get(2).copied().unwrap_or("");
    let ty = kind.type_str();
    let cond = match words.get(idx).copied() {
        None | Some("") => None,
        Some(w @ ("if" | "unless")) => {
            let cw: Vec<String> = words[idx..].iter().map(|w| (*w).to_string()).collect();
            match b.parse_cond(cx, &cw, None) {
                Ok(c) => Some(c),
                Err(e) => {
                    return Err(format!(
                        "'{a0} {a1} {a2}' : error detected in {ty} '{name}' while parsing '{w}' condition : {e}"
                    ))
                }
            }
        }
        Some(w) => {
            return Err(format!(
                "'{a0} {a1} {a2}' only accepts 'if' or 'unless', in {ty} '{name}' (got '{w}')"
            ))
        }
    };
    match set {
        TcpSet::Connection => super::order::place(b, cx, Stage::TcpConn, a0),
        TcpSet::Session => super::order::place(b, cx, Stage::TcpSess, a0),
        TcpSet::Content => super::order::place(b, cx, Stage::TcpCont, a0),
        TcpSet::Response => {}
    }
    if let Some(c) = &cond {
        let where_ = places(b, set);
        if let Some(msg) = b.with_acls(cx, |known, _| c.conflict(known, where_)) {
            cx.warn(tcp_conflict(&msg, &format!("{a0} {a1}")));
        }
    }
    let span = cx.span();
    let rule = TcpRule {
        act: Arc::new(act),
        cond,
        span,
    };
    let px = b.px();
    match set {
        TcpSet::Connection => px.tcp_request_connection.push(rule),
        TcpSet::Session => px.tcp_request_session.push(rule),
        TcpSet::Content => px.tcp_request_content.push(rule),
        TcpSet::Response => px.tcp_response_content.push(rule),
    }
    Ok(())
}

/// A named defaults section's TCP rules as the proxies that use it run them: before
/// their own, over the defaults section's ACLs.
#[derive(Debug)]
pub struct InheritedTcp {
    pub acls: Arc<[rampart_rules::acl::Acl]>,
    pub connection: Vec<TcpRule>,
    pub session: Vec<TcpRule>,
    pub content: Vec<TcpRule>,
    pub response: Vec<TcpRule>,
}

/// A proxy of `kind` starts from defaults section `i`: HAProxy's checks when that
/// section has TCP or HTTP rules (`Err`: the message, which stops the load), and its
/// TCP rules for the proxy to run first.
pub(crate) fn inherit(
    b: &mut ProxiesBuilder,
    i: usize,
    kind: ProxyKind,
    _span: Span,
) -> Result<Option<Arc<InheritedTcp>>, String> {
    let Some(d) = b.defaults.get(i) else {
        return Ok(None);
    };
    let def = &d.proxy;
    let http = !(def.http_request.is_empty()
        && def.http_response.is_empty()
        && def.http_after_response.is_empty());
    if !http && !def.has_tcp_rules() {
        return Ok(None);
    }
    let at = b.loc(def.span);
    let fe = kind.is_fe();
    if kind == ProxyKind::Defaults {
        return Err(format!("a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at {at})."));
    }
    if kind == ProxyKind::Listen {
        return Err(
            "a listen section cannot inherit from a defaults section defining TCP/HTTP rules."
                .into(),
        );
    }
    if d.rules_user_fe.is_some_and(|f| f != fe) {
        return Err(format!("frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at {at})."));
    }
    let l4_l5 = !(def.tcp_request_connection.is_empty() && def.tcp_request_session.is_empty());
    if !fe && l4_l5 {
        return Err(format!("a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules (defaults section at {at})."));
    }
    if fe && !def.tcp_response_content.is_empty() {
        return Err(format!("a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at {at})."));
    }
    let tcp = def.has_tcp_rules();
    let d = &mut b.defaults[i];
    d.rules_user_fe = Some(fe);
    if !tcp {
        return Ok(None);
    }
    if let Some(t) = &d.tcp {
        return Ok(Some(t.clone()));
    }
    // The section is closed: its ACL table moves into the rules' own.
    let acls = b
        .def_tables
        .get_mut(i)
        .map(|t| std::mem::take(&mut t.known.acls))
        .unwrap_or_default();
    let d = &mut b.defaults[i];
    let p = &d.proxy;
    let t = Arc::new(InheritedTcp {
        acls: Arc::from(acls),
        connection: p.tcp_request_connection.clone(),
        session: p.tcp_request_session.clone(),
        content: p.tcp_request_content.clone(),
        response: p.tcp_response_content.clone(),
    });
    d.tcp = Some(t.clone());
    Ok(Some(t))
}

/// The TCP rule sets word the generic condition warnings their own way: the "will
/// never match" ones name the rule set, and a named ACL "involves keyword" (singular).
fn tcp_conflict(msg: &str, set: &str) -> String {
    if msg.contains(" will never match because ") {
        return msg.replacen(
            " will never match because ",
            &format!(" will never match in '{set}' because "),
            1,
        );
    }
    if msg.starts_with("acl '") {
        return msg.replacen("' involves keywords '", "' involves keyword '", 1);
    }
    msg.to_string()
}

/// HAProxy's checks of a proxy's TCP rules once the configuration is read
/// (`check_action_rules`, `check_capture`, `check_tcp_switch_stream_mode`, and the
/// warning about a `switch-mode http` frontend without backend).
pub(crate) fn check(p: &super::Proxy, cx: &mut crate::LowerCx<'_>) {
    let d = p.designation();
    for r in &p.tcp_request_content {
        if let Some(MuxProto::Incompatible(m)) = r.act.switch_mode() {
            cx.diags.push(Diagnostic::alert(
                None,
                format!(
                    "Proxy '{}': MUX protocol '{m}' is not compatible with the selected mode.",
                    p.name
                ),
            ));
        }
        let content = r
            .act
            .capture_expr()
            .is_some_and(|e| !e.fetch.uses.valid_at().contains(Ckp::FeSesAcc));
        if content && p.is_fe() && p.tcp_request_inspect_delay == 0 {
            cx.diags.push(Diagnostic::warning(
                None,
                format!("{d} : a 'tcp-request capture' rule explicitly depending on request contents without any 'tcp-request inspect-delay' setting. This means that this rule will randomly find its contents. This can be fixed by setting the tcp-request inspect-delay."),
            ));
        }
    }
    super::capture::check_rules(p, cx);
    if p.default_backend.is_none()
        && p.use_backends.is_empty()
        && !p.servers.is_empty()
        && p.http_upgrade()
        && p.mode == super::Mode::Tcp
    {
        cx.diags.push(Diagnostic::warning(
            None,
            format!(
                "Proxy '{}' : 'switch-mode http' configured for a tcp {} with no backend. Incoming connections upgraded to HTTP cannot be routed to TCP servers",
                p.name,
                p.kind.type_str()
            ),
        ));
    }
}

impl super::Proxy {
    /// Some `tcp-request content switch-mode http` rule may turn the proxy's
    /// connections into HTTP ones (HAProxy's `PR_O_HTTP_UPG`): its HTTP settings then
    /// apply.
    pub fn http_upgrade(&self) -> bool {
        self.tcp_request_content
            .iter()
            .any(|r| r.act.switch_mode().is_some())
    }

    /// The proxy has TCP rules of any set.
    pub fn has_tcp_rules(&self) -> bool {
        !(self.tcp_request_connection.is_empty()
            && self.tcp_request_session.is_empty()
            && self.tcp_request_content.is_empty()
            && self.tcp_response_content.is_empty())
    }
}

#[cfg(test)]
mod tests;
