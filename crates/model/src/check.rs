//! Cross-reference checks run after every section was lowered, as HAProxy's
//! `check_config_validity` and `srv_init_addr` do (configuration manual 4 and 5.3):
//!
//! - `default_backend` / `use_backend` targets exist, are not the proxy itself, and have a
//!   compatible `mode` (an HTTP frontend cannot use a TCP backend; the reverse is fine);
//! - frontends without `bind`, transparent + balance, dispatch + balance;
//! - the "missing timeouts" warning;
//! - duplicate server names;
//! - HTTP-only settings in TCP proxies (L7 hashing, `option httplog`, `monitor-uri`,
//!   `forwardfor`, HTTP-only options), which HAProxy ignores with a warning;
//! - `log-format` (from `option httplog`...) without any `log` target;
//! - two listeners bound to the same address and port (a Rampart warning; HAProxy says
//!   nothing and, with `SO_REUSEPORT`, the kernel spreads connections between them);
//! - server host names resolved as `init-addr` says (default `last,libc`), through the
//!   resolver the binary supplies.
//!
//! Like HAProxy, nothing here runs when parsing already failed.

use crate::proxy::balance::Algo;
use crate::proxy::bind::BindAddr;
use crate::proxy::options::{LogFormat, SIMPLE};
use crate::proxy::server::{InitAddr, ServerAddr, UseSrc};
use crate::proxy::{BackendRef, Mode, Proxy};
use crate::{LowerCx, Snapshot};
use rampart_config::{Diagnostic, Form, Phase, Span};
use std::collections::HashMap;
use std::net::IpAddr;

pub fn cross_check(s: &Snapshot, cx: &mut LowerCx<'_>) {
    if cx.diags.has_alerts() {
        return;
    }
    let start = cx.diags.len();
    let backends = Backends::new(&s.proxies);
    for p in s.proxies.iter().filter(|p| !p.disabled) {
        check_proxy(p, &backends, cx);
        health_checks(p, &backends, cx);
        check_persistence(p, &s.global, cx);
    }
    duplicate_binds(&s.proxies, cx);
    server_resolvers(s, cx);
    cx.diags.relabel_from(start, |d| d.phase = Phase::Check);
}

/// After a valid check, HAProxy initialises server addresses.
pub fn init_servers(s: &Snapshot, cx: &mut LowerCx<'_>) {
    if !cx.diags.has_alerts() {
        // HAProxy initialises server addresses after the checks, with its own location
        // form (`[file:line] : 'server b/s' : ...`) and closing line.
        let start = cx.diags.len();
        resolve_servers(&s.proxies, cx);
        cx.diags.relabel_from(start, |d| {
            d.phase = Phase::Init;
            d.form = Form::Bracket;
        });
        let start = cx.diags.len();
        check_ports(&s.proxies, cx);
        cx.diags.relabel_from(start, |d| d.phase = Phase::Init);
    }
}

fn loc(cx: &LowerCx<'_>, span: Span) -> String {
    cx.sources.display(span).to_string()
}

fn warn(cx: &mut LowerCx<'_>, msg: String) {
    cx.diags.push(Diagnostic::warning(None, msg));
}

fn alert(cx: &mut LowerCx<'_>, msg: String) {
    cx.diags.push(Diagnostic::alert(None, msg));
}

/// Backend-capable proxies by name and by `id`, built once: switching targets are looked
/// up per `use_backend` line, so a linear scan would be quadratic in the number of proxies.
struct Backends<'a> {
    by_name: HashMap<&'a str, &'a Proxy>,
    by_id: HashMap<i64, &'a Proxy>,
}

impl<'a> Backends<'a> {
    fn new(all: &'a [Proxy]) -> Self {
        let mut by_name = HashMap::new();
        let mut by_id = HashMap::new();
        for p in all.iter().filter(|p| p.is_be()) {
            by_name.entry(p.name.as_str()).or_insert(p);
            if let Some(id) = p.id {
                by_id.entry(i64::from(id)).or_insert(p);
            }
        }
        Self { by_name, by_id }
    }

    /// HAProxy's `proxy_be_by_name`: a backend-capable proxy by name or `#id`.
    fn find(&self, name: &str) -> Option<&'a Proxy> {
        match name.strip_prefix('#') {
            Some(id) => self.by_id.get(&crate::cnum::atol(id)).copied(),
            None => self.by_name.get(name).copied(),
        }
    }
}

/// Checks a switching target; returns false when an alert was raised.
fn check_target(
    p: &Proxy,
    all: &Backends<'_>,
    name: &str,
    what: &str,
    cx: &mut LowerCx<'_>,
) -> Option<bool> {
    let Some(t) = all.find(name) else {
        alert(
            cx,
            format!(
                "Proxy '{}': unable to find required {what}: '{name}'.",
                p.name
            ),
        );
        return None;
    };
    if std::ptr::eq(t, p) {
        alert(
            cx,
            format!("Proxy '{}': loop detected for {what}: '{name}'.", p.name),
        );
        return None;
    }
    if t.mode != p.mode && !(p.mode == Mode::Tcp && t.mode == Mode::Http) {
        let how = if what == "default_backend" {
            "as its default backend"
        } else {
            "in a 'use_backend' rule"
        };
        alert(
            cx,
            format!(
                "{} {} '{}' ({}) tries to use incompatible {} {} '{}' ({}) {how} (see 'mode').",
                p.mode.as_str(),
                p.kind.type_str(),
                p.name,
                loc(cx, p.span),
                t.mode.as_str(),
                t.kind.type_str(),
                t.name,
                loc(cx, t.span)
            ),
        );
        return None;
    }
    Some(true)
}

fn check_proxy(p: &Proxy, all: &Backends<'_>, cx: &mut LowerCx<'_>) {
    let d = p.designation();
    if p.mode == Mode::Tcp {
        if p.persist.cookie.is_some() {
            warn(
                cx,
                format!("cookie will be ignored for {d} (needs 'mode http')."),
            );
        }
        if p.monitor_uri.is_some() {
            warn(
                cx,
                format!("monitor-uri will be ignored for {d} (needs 'mode http')."),
            );
        }
        if p.is_be() && p.balance.algo.as_ref().is_some_and(Algo::needs_http) {
            warn(cx, format!("Layer 7 hash not possible for {d} (needs 'mode http'). Falling back to round robin."));
        }
        if let Some(lf) = &p.options.log_format {
            let name = match lf.value {
                LogFormat::Http | LogFormat::HttpClf => Some("option httplog"),
                LogFormat::Https => Some("option httpslog"),
                LogFormat::Tcp => None,
            };
            if let Some(name) = name {
                cx.diags.push(Diagnostic::warning(
                    Some(lf.span),
                    format!("'{name}' not usable with {d} (needs 'mode http'). Falling back to 'option tcplog'."),
                ));
            }
        }
    }
    if p.is_fe() && p.binds.is_empty() {
        warn(
            cx,
            format!(
                "{d} has no 'bind' directive. Please declare it as a backend if this was intended."
            ),
        );
    }
    if p.is_be() {
        if p.balance.algo.is_some() && p.transparent {
            alert(
                cx,
                format!("{d} cannot use both transparent and balance mode."),
            );
        } else if p.balance.algo.is_some() && p.dispatch.is_some() {
            warn(
                cx,
                format!("dispatch address of {d} will be ignored in balance mode."),
            );
        }
    }
    if let Some(db) = &p.default_backend {
        if check_target(p, all, &db.value, "default_backend", cx).is_some() && !p.servers.is_empty()
        {
            warn(
                cx,
                format!(
                    "In proxy '{}', the 'default_backend' rule always has precedence over the servers, which will never be used.",
                    p.name
                ),
            );
        }
    }
    for ub in &p.use_backends {
        if let BackendRef::Name(name) = &ub.target {
            check_target(p, all, name, "use_backend", cx);
        }
    }
    let t = &p.timeouts;
    if (p.is_fe() && t.client == 0)
        || (p.is_be()
            && !p.servers.is_empty()
            && (t.connect == 0 || (t.server == 0 && (p.mode == Mode::Http || t.tunnel == 0))))
    {
        warn(
            cx,
            format!(
                "missing timeouts for {d}.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."
            ),
        );
    }
    let mut first_by_name: std::collections::HashMap<&str, &crate::proxy::server::Server> =
        std::collections::HashMap::new();
    for s in &p.servers {
        if s.id.is_some() {
            continue;
        }
        if let Some(o) = first_by_name.get(s.name.as_str()).copied().or_else(|| {
            first_by_name.insert(&s.name, s);
            None
        }) {
            cx.diags.push(Diagnostic::alert(
                Some(s.span),
                format!(
                    "{d}, another server named '{}' was already defined at line {}, please use distinct names.",
                    s.name, o.span.line
                ),
            ));
        }
    }
    if p.is_fe() && p.logs.targets.is_empty() && p.options.log_format.is_some() {
        warn(
            cx,
            format!("log format ignored for {d} since it has no log address."),
        );
    }
    if p.mode != Mode::Http {
        if p.options.forwardfor.is_some() {
            warn(
                cx,
                format!("'option forwardfor' ignored for {d} as it requires HTTP mode."),
            );
        }
        if p.options.originalto.is_some() {
            warn(
                cx,
                format!("'option originalto' ignored for {d} as it requires HTTP mode."),
            );
        }
        if let Some(UseSrc::HdrIp { name, .. }) = p.source.as_ref().and_then(|s| s.usesrc.as_ref())
        {
            warn(
                cx,
                format!("{d} : ignoring use of header {name} as source IP in non-HTTP mode."),
            );
        }
        let mut flags = p.options.flags.clone();
        for o in SIMPLE.iter().filter(|o| o.http_only) {
            let has_cap = match o.cap {
                crate::proxy::Cap::Fe => p.is_fe(),
                crate::proxy::Cap::Be => p.is_be(),
                crate::proxy::Cap::Any => true,
            };
            if has_cap && *(o.flag)(&mut flags) {
                warn(
                    cx,
                    format!(
                        "'option {}' ignored for {d} as it requires HTTP mode.",
                        o.name
                    ),
                );
            }
        }
    }
}

/// Health-check settings of a proxy (`check_config_validity`, `srv_apply_track`):
/// `http-check` rules without `option httpchk`, `disable-on-404` without it, `track`
/// targets.
fn health_checks(p: &Proxy, all: &Backends<'_>, cx: &mut LowerCx<'_>) {
    use crate::proxy::check::Kind;
    if !p.is_be() {
        return;
    }
    let d = p.designation();
    if p.checks.unused_http {
        warn(
            cx,
            format!(
                "{d} uses http-check rules without 'option httpchk', so the rules are ignored."
            ),
        );
    }
    if p.checks.disable_on_404 && p.checks.kind.as_ref().is_some_and(|k| *k != Kind::Http) {
        warn(
            cx,
            format!("'disable-on-404' will be ignored for {d} (requires 'option httpchk')."),
        );
    }
    for s in &p.servers {
        let Some(t) = &s.settings.check.track else {
            continue;
        };
        if let Err(msg) = track_target(p, &s.name, t, all) {
            cx.diags.push(
                Diagnostic::alert(
                    Some(s.span),
                    format!("'server {}/{}' : {msg}", p.name, s.name),
                )
                .form(Form::Bracket),
            );
        }
    }
}

/// The server `track` names: `Ok` when HAProxy accepts it.
fn track_target(p: &Proxy, me: &str, t: &str, all: &Backends<'_>) -> Result<(), String> {
    let (px, name) = match t.rsplit_once('/') {
        Some((pn, sn)) => (
            all.find(pn)
                .ok_or_else(|| format!("unable to find required proxy '{pn}' for tracking."))?,
            sn,
        ),
        None => (p, t),
    };
    let find = |px: &'_ Proxy, n: &str| px.servers.iter().find(|s| s.name == n).cloned();
    let Some(target) = find(px, name) else {
        return Err(format!(
            "unable to find required server '{name}' for tracking."
        ));
    };
    let c = &target.settings.check;
    if !c.enabled && !c.agent.enabled && c.track.is_none() {
        return Err(format!(
            "unable to use {}/{} for tracking as it does not have any check nor agent enabled.",
            px.name, target.name
        ));
    }
    // A chain of tracks must not come back to the server itself.
    let (mut cur_px, mut cur) = (px, target.clone());
    for _ in 0..1000 {
        if std::ptr::eq(cur_px, p) && cur.name == me {
            return Err(format!(
                "unable to track {}/{} as it belongs to a tracking chain looping back to {}/{me}.",
                px.name, target.name, px.name
            ));
        }
        let Some(next) = &cur.settings.check.track else {
            break;
        };
        let (npx, nname) = match next.rsplit_once('/') {
            Some((pn, sn)) => match all.find(pn) {
                Some(x) => (x, sn),
                None => break,
            },
            None => (cur_px, next.as_str()),
        };
        let Some(n) = find(npx, nname) else { break };
        cur_px = npx;
        cur = n;
    }
    if !std::ptr::eq(px, p) && px.checks.disable_on_404 != p.checks.disable_on_404 {
        return Err(format!(
            "unable to use {}/{} fortracking: disable-on-404 option inconsistency.",
            px.name, target.name
        ));
    }
    Ok(())
}

/// A server with `check` needs a port to check (`init_srv_check`).
fn check_ports(all: &[Proxy], cx: &mut LowerCx<'_>) {
    use crate::proxy::check::Action;
    use crate::proxy::server::ServerPort;
    for p in all.iter().filter(|p| p.is_be() && !p.disabled) {
        for s in p.servers.iter().filter(|s| s.settings.check.enabled) {
            let c = &s.settings.check;
            let inet = matches!(s.addr, ServerAddr::Ip(_) | ServerAddr::Name { .. });
            let addr_port = c.addr.as_ref().and_then(|a| a.single_port()).unwrap_or(0);
            let svc_port = matches!(s.port, ServerPort::Fixed(n) if n != 0);
            if c.port.unwrap_or(0) != 0 || addr_port != 0 || svc_port || !inet {
                continue;
            }
            let first = p
                .checks
                .rules()
                .iter()
                .find(|r| !matches!(r.action, Action::Comment));
            let has_port = |c: &crate::proxy::check::Connect| {
                c.port.is_some() || c.addr.as_ref().and_then(|a| a.single_port()).unwrap_or(0) != 0
            };
            let d = format!("{} '{}'", p.kind.type_str(), p.name);
            let msg = match first.map(|r| &r.action) {
                _ if p.checks.rules().is_empty() => {
                    format!("config: {d}: server '{}' has neither service port nor check port.", s.name)
                }
                Some(Action::Connect(c)) if has_port(c) => {
                    let bad = p.checks.rules().iter().any(
                        |r| matches!(&r.action, Action::Connect(c) if !has_port(c)),
                    );
                    if !bad {
                        continue;
                    }
                    format!("config: {d}: server '{}' has neither service port nor check port, and a tcp_check rule 'connect' with no port information.", s.name)
                }
                _ => format!("config: {d}: server '{}' has neither service port nor check port nor tcp_check rule 'connect' with port information.", s.name),
            };
            alert(cx, msg);
        }
    }
}

/// Persistence: `use-server` targets exist, cookies and redirections need `mode http`,
/// a backend reading the global server-state file needs one, dynamic cookies differ.
fn check_persistence(p: &Proxy, g: &crate::global::Global, cx: &mut LowerCx<'_>) {
    use crate::proxy::persist::LoadState;
    let d = p.designation();
    for u in &p.persist.use_servers {
        if !p.servers.iter().any(|s| s.name == u.server) {
            alert(
                cx,
                format!(
                    "{} '{}' : unable to find server '{}' referenced in a 'use-server' rule.",
                    p.kind.type_str(),
                    p.name,
                    u.server
                ),
            );
        }
    }
    if !p.is_be() {
        return;
    }
    if p.persist.cookie.as_ref().is_some_and(|c| c.dynamic) {
        dynamic_cookie_duplicates(p, cx);
    }
    if p.persist.load_state == LoadState::Global && g.server_state_file.is_none() {
        warn(
            cx,
            format!(
                "backend '{}' configured to load server state file from global section 'server-state-file' directive. Unfortunately, 'server-state-file' is not set!",
                p.name
            ),
        );
    }
    if p.mode != Mode::Http {
        for s in &p.servers {
            if s.settings.redir.is_some() {
                alert(
                    cx,
                    format!("{d} : server cannot have cookie or redirect prefix in non-HTTP mode."),
                );
            }
            if s.settings.cookie.is_some() {
                warn(
                    cx,
                    format!(
                        "{d} : ignoring cookie for server '{}' as HTTP mode is disabled.",
                        s.name
                    ),
                );
            }
        }
    }
}

/// HAProxy's `srv_check_for_dup_dyncookie`, for servers with a literal address: each
/// server's dynamic cookie is compared with the cookies known before it (servers not in
/// maintenance).
fn dynamic_cookie_duplicates(p: &Proxy, cx: &mut LowerCx<'_>) {
    let Some(key) = &p.persist.dynamic_cookie_key else {
        return;
    };
    let mut known: Vec<(String, bool)> = p
        .servers
        .iter()
        .map(|s| {
            (
                s.settings.cookie.clone().unwrap_or_default(),
                s.settings.disabled,
            )
        })
        .collect();
    for (i, s) in p.servers.iter().enumerate() {
        if s.settings.cookie.is_some() {
            continue;
        }
        let (ServerAddr::Ip(ip), crate::proxy::server::ServerPort::Fixed(port)) = (&s.addr, s.port)
        else {
            continue;
        };
        let mine = crate::proxy::persist::dynamic_cookie(key, *ip, port);
        if !s.settings.disabled {
            let dup = known
                .iter()
                .enumerate()
                .filter(|(j, (v, off))| *j != i && !off && *v == mine)
                .count();
            for _ in 0..dup {
                warn(
                    cx,
                    format!(
                        "We generated two equal cookies for two different servers.\nPlease change the secret key for '{}'.",
                        p.name
                    ),
                );
            }
        }
        known[i].0 = mine;
    }
}

/// Warns when two `bind` lines of enabled frontends cover the same IP address and port.
fn duplicate_binds(all: &[Proxy], cx: &mut LowerCx<'_>) {
    struct Entry<'a> {
        ip: IpAddr,
        lo: u16,
        hi: u16,
        span: Span,
        proxy: &'a Proxy,
    }
    let mut v: Vec<Entry<'_>> = Vec::new();
    let mut unix: Vec<(&str, Span, &Proxy)> = Vec::new();
    for p in all.iter().filter(|p| p.is_fe() && !p.disabled) {
        for b in &p.binds {
            for a in &b.addrs {
                match a {
                    BindAddr::Inet { ip, ports } => v.push(Entry {
                        ip: *ip,
                        lo: ports.0,
                        hi: ports.1,
                        span: b.span,
                        proxy: p,
                    }),
                    BindAddr::Unix(path) => unix.push((path, b.span, p)),
                    _ => {}
                }
            }
        }
    }
    v.sort_by_key(|e| (e.ip, e.lo, e.span));
    let mut msgs = Vec::new();
    let mut widest: Option<usize> = None;
    for i in 0..v.len() {
        if let Some(w) = widest {
            let (e, o) = (&v[i], &v[w]);
            if o.ip == e.ip && o.hi >= e.lo && o.span != e.span {
                let port = e.lo;
                let (first, second) = if o.span < e.span { (o, e) } else { (e, o) };
                msgs.push((second.span, format!(
                    "address '{}' port {port} of 'bind' at {} ({}) is also bound at {} ({}); the system will spread connections between them at random.",
                    e.ip,
                    loc(cx, second.span),
                    second.proxy.designation(),
                    loc(cx, first.span),
                    first.proxy.designation()
                )));
            }
        }
        let replace = match widest {
            Some(w) => v[w].ip != v[i].ip || v[i].hi > v[w].hi,
            None => true,
        };
        if replace {
            widest = Some(i);
        }
    }
    unix.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for w in unix.windows(2) {
        if w[0].0 == w[1].0 && w[0].1 != w[1].1 {
            msgs.push((
                w[1].1,
                format!(
                    "socket '{}' of 'bind' at {} ({}) is also bound at {} ({}); only the last one bound will receive connections.",
                    w[0].0,
                    loc(cx, w[1].1),
                    w[1].2.designation(),
                    loc(cx, w[0].1),
                    w[0].2.designation()
                ),
            ));
        }
    }
    msgs.sort_by_key(|m| m.0);
    for (_, m) in msgs {
        warn(cx, m);
    }
}

/// `init-addr` at start-up: `last` (no state file: skipped), `libc` (the resolver hook),
/// `none` (start in maintenance), or a fixed address.
/// `server ... resolvers <name>` must name a `resolvers` section, as HAProxy's
/// `resolvers_finalize_config` requires.
fn server_resolvers(s: &Snapshot, cx: &mut LowerCx<'_>) {
    let known: std::collections::HashSet<&str> = s
        .others
        .declared
        .iter()
        .filter(|d| d.kind == rampart_config::SectionKind::Resolvers)
        .map(|d| d.name.as_str())
        .collect();
    for p in s.proxies.iter().filter(|p| p.is_be() && !p.disabled) {
        for srv in &p.servers {
            if let Some(r) = &srv.settings.resolvers {
                if !known.contains(r.as_str()) {
                    alert(
                        cx,
                        format!(
                            "{} '{}', server '{}': unable to find required resolvers '{r}'",
                            p.kind.type_str(),
                            p.name,
                            srv.name
                        ),
                    );
                }
            }
        }
    }
}

fn resolve_servers(all: &[Proxy], cx: &mut LowerCx<'_>) {
    let mut failed = false;
    for p in all.iter().filter(|p| p.is_be() && !p.disabled) {
        for s in &p.servers {
            let ServerAddr::Name { name, family } = &s.addr else {
                continue;
            };
            let ctx = format!("'server {}/{}' : ", p.name, s.name);
            let methods = match &s.settings.init_addr {
                Some(m) if !m.is_empty() => m.clone(),
                _ => {
                    let mut m = vec![InitAddr::Last, InitAddr::Libc];
                    if s.settings.resolvers.is_some() {
                        m.push(InitAddr::None);
                    }
                    m
                }
            };
            let mut tried = false;
            let mut ok = false;
            for m in methods {
                match m {
                    // The address the server-state file gave, if any.
                    InitAddr::Last => {
                        if s.saved.is_some_and(|v| v.addr.is_some()) {
                            ok = true;
                            break;
                        }
                    }
                    InitAddr::Libc => {
                        if cx.opts.resolver.resolve(name, *family).is_some() {
                            ok = true;
                            break;
                        }
                        tried = true;
                    }
                    InitAddr::None => {
                        if tried {
                            cx.diags.push(Diagnostic::warning(
                                Some(s.span),
                                format!(
                                    "{ctx}could not resolve address '{name}', disabling server."
                                ),
                            ));
                        }
                        ok = true;
                        break;
                    }
                    InitAddr::Ip(_) => {
                        if tried {
                            cx.diags.push(Diagnostic::warning(
                                Some(s.span),
                                format!("{ctx}could not resolve address '{name}', falling back to configured address."),
                            ));
                        }
                        ok = true;
                        break;
                    }
                }
            }
            if !ok {
                let msg = if tried {
                    format!("{ctx}could not resolve address '{name}'.")
                } else {
                    format!("{ctx}no method found to resolve address '{name}'.")
                };
                cx.diags.push(Diagnostic::alert(Some(s.span), msg));
                failed = true;
            }
        }
    }
    if failed {
        alert(cx, "Failed to initialize server(s) addr.".into());
    }
}

#[cfg(test)]
mod tests {
    use crate::proxy::testutil::*;

    const T: &str = "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

    fn run_t(rest: &str) -> Run {
        run(&format!("{T}{rest}"))
    }

    #[test]
    fn switching_targets() {
        let r = run_t(
            "frontend f\n bind :80\n default_backend nope\n use_backend zz\n use_backend f\n",
        );
        assert!(r.has_alert("Proxy 'f': unable to find required default_backend: 'nope'."));
        assert!(r.has_alert("Proxy 'f': unable to find required use_backend: 'zz'."));
        assert!(r.has_alert("Proxy 'f': unable to find required use_backend: 'f'."));
        let r = run_t("listen l\n bind :80\n default_backend l\n");
        assert!(r.has_alert("Proxy 'l': loop detected for default_backend: 'l'."));
    }

    #[test]
    fn mode_mismatch() {
        let r = run_t("frontend f\n mode http\n bind :80\n default_backend b\n use_backend b if TRUE\nbackend b\n mode tcp\n");
        assert!(r.has_alert("http frontend 'f' (t.cfg:5) tries to use incompatible tcp backend 'b' (t.cfg:10) as its default backend (see 'mode')."));
        assert!(r.has_alert("http frontend 'f' (t.cfg:5) tries to use incompatible tcp backend 'b' (t.cfg:10) in a 'use_backend' rule (see 'mode')."));
        let r =
            run_t("frontend f\n mode tcp\n bind :80\n default_backend b\nbackend b\n mode http\n");
        assert!(r.valid());
    }

    #[test]
    fn frontend_without_bind_and_timeouts() {
        let r = run("frontend nt\n bind :9004\nbackend ntb\n server s 1.2.3.4:80\nfrontend nb\n timeout client 1s\n");
        assert!(r.has_warning("missing timeouts for frontend 'nt'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."));
        assert!(r.has_warning("missing timeouts for backend 'ntb'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."));
        assert!(r.has_warning("frontend 'nb' has no 'bind' directive. Please declare it as a backend if this was intended."));
        let r = run("backend b\n timeout connect 1s\n timeout tunnel 1h\n server s 1.2.3.4:80\n");
        assert!(r.clean());
    }

    #[test]
    fn duplicate_servers_and_default_backend_precedence() {
        let r = run_t("listen l\n bind :9000\n server s 1.2.3.4:80\n server s 1.2.3.4:81\n");
        assert!(r.has_alert("proxy 'l', another server named 's' was already defined at line 7, please use distinct names."));
        let r =
            run_t("listen l\n bind :9000\n server s 1.2.3.4:80 id 1\n server s 1.2.3.4:81 id 2\n");
        assert!(r.valid());
        let r =
            run_t("listen l\n bind :9000\n default_backend b\n server s 1.2.3.4:80\nbackend b\n");
        assert!(r.has_warning("In proxy 'l', the 'default_backend' rule always has precedence over the servers, which will never be used."));
    }

    #[test]
    fn tcp_mode_ignores_http_settings() {
        let r = run_t("backend b3\n mode tcp\n balance uri\n option httplog\n option forwardfor\n option http-buffer-request\n option http-no-delay\n");
        assert!(r.has_warning("Layer 7 hash not possible for backend 'b3' (needs 'mode http'). Falling back to round robin."));
        assert!(r.has_warning("'option httplog' not usable with backend 'b3' (needs 'mode http'). Falling back to 'option tcplog'."));
        assert!(
            r.has_warning("'option forwardfor' ignored for backend 'b3' as it requires HTTP mode.")
        );
        assert!(r.has_warning(
            "'option http-buffer-request' ignored for backend 'b3' as it requires HTTP mode."
        ));
        assert!(r.has_warning(
            "'option http-no-delay' ignored for backend 'b3' as it requires HTTP mode."
        ));
        let r = run_t("frontend f\n bind :80\n option httplog\n");
        assert!(r.has_warning("log format ignored for frontend 'f' since it has no log address."));
        let r = run_t("backend b\n transparent\n balance roundrobin\n");
        // HAProxy's "cannot use both transparent and balance mode" needs `transparent`,
        // which the runtime does not follow yet.
        assert!(r.has_alert("'transparent' is not supported yet"));
    }

    #[test]
    fn duplicate_bind_warning_names_both_lines() {
        let r = run_t("frontend a\n bind 127.0.0.1:80\nfrontend b\n bind 127.0.0.1:79-81\n bind unix@/tmp/x\nlisten c\n bind unix@/tmp/x\n bind 127.0.0.1:82\n");
        assert!(r.valid());
        assert!(r.has_warning("address '127.0.0.1' port 80 of 'bind' at t.cfg:8 (frontend 'b') is also bound at t.cfg:6 (frontend 'a'); the system will spread connections between them at random."));
        assert!(r.has_warning("socket '/tmp/x' of 'bind' at t.cfg:11 (proxy 'c') is also bound at t.cfg:9 (frontend 'b'); only the last one bound will receive connections."));
        assert_eq!(
            r.diags
                .iter()
                .filter(|d| d.message.contains("also bound"))
                .count(),
            2
        );
    }

    #[test]
    fn init_addr_resolution() {
        let r = run_t("backend b\n server s1 nonexistent.invalid:80\n");
        assert!(r.has_alert("'server b/s1' : could not resolve address 'nonexistent.invalid'."));
        assert!(r.has_alert("Failed to initialize server(s) addr."));
        let r = run_t("backend b\n server s2 nonexistent.invalid:80 init-addr libc,none\n server s4 nonexistent.invalid:80 init-addr libc,1.2.3.4\n server s3 nonexistent.invalid:80 init-addr none\n server s5 app.test:80\n server s6 x.invalid:80 resolvers dns\nresolvers dns\n");
        assert!(r.valid());
        assert!(r.has_warning(
            "'server b/s2' : could not resolve address 'nonexistent.invalid', disabling server."
        ));
        assert!(r.has_warning("'server b/s4' : could not resolve address 'nonexistent.invalid', falling back to configured address."));
        let r = run_t("backend b\n server s nonexistent.invalid:80 init-addr last\n");
        assert!(
            r.has_alert("'server b/s' : no method found to resolve address 'nonexistent.invalid'.")
        );
        let r = run_t("backend b\n disabled\n server s nonexistent.invalid:80\n");
        assert!(r.valid());
    }

    #[test]
    fn system_resolver_resolves_localhost() {
        let r = run_with(
            &format!("{T}backend b\n server s localhost:80\nfrontend f\n bind localhost:8080\n default_backend b\n"),
            crate::proxy::HostResolver::system(),
        );
        assert!(r.valid());
    }
}
