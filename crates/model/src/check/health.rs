//! Health-check settings (`check_config_validity`, `srv_apply_track`,
//! `init_srv_check`): `http-check` rules and `disable-on-404` without `option httpchk`,
//! `track` targets and loops, a port for every server with `check`.

use super::{alert, warn, Backends};
use crate::proxy::server::ServerAddr;
use crate::proxy::Proxy;
use crate::LowerCx;
use rampart_config::{Diagnostic, Form};

/// Health-check settings of a proxy (`check_config_validity`, `srv_apply_track`):
/// `http-check` rules without `option httpchk`, `disable-on-404` without it, `track`
/// targets.
pub(super) fn health_checks(p: &Proxy, all: &Backends<'_>, cx: &mut LowerCx<'_>) {
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
pub(super) fn check_ports(all: &[Proxy], cx: &mut LowerCx<'_>) {
    for p in all.iter().filter(|p| p.is_be() && !p.disabled) {
        let d = format!("{} '{}'", p.kind.type_str(), p.name);
        for s in &p.servers {
            if let Some(msg) = check_port_error(&p.checks, &d, s, false) {
                alert(cx, msg);
            }
        }
    }
}

/// HAProxy's `init_srv_check` verdict on server `s` of the proxy designated `d` (as
/// `backend 'name'`) whose checks are `checks`: the message when its health check has
/// no port to go to. Also for servers the runtime API adds (`running`): by then every
/// backend's rules start with HAProxy's implicit `connect`, so an empty list is not
/// told apart.
pub fn check_port_error(
    checks: &crate::proxy::check::Checks,
    d: &str,
    s: &crate::proxy::server::Server,
    running: bool,
) -> Option<String> {
    use crate::proxy::check::Action;
    use crate::proxy::server::ServerPort;
    let c = &s.settings.check;
    if !c.enabled {
        return None;
    }
    // HAProxy asks for a port only when the check goes to a known IP address: the
    // check's `addr` or the server's, not `0.0.0.0`/`::`, nor a name (unresolved when
    // checks are set up), nor a Unix socket.
    let srv_inet = matches!(s.addr, ServerAddr::Ip(ip) if !ip.is_unspecified());
    let chk_inet = c
        .addr
        .as_ref()
        .is_some_and(|a| matches!(a.host, crate::addr::Host::Ip(ip) if !ip.is_unspecified()));
    let addr_port = c.addr.as_ref().and_then(|a| a.single_port()).unwrap_or(0);
    let svc_port = matches!(s.port, ServerPort::Fixed(n) if n != 0);
    if c.port.unwrap_or(0) != 0 || addr_port != 0 || svc_port || !(srv_inet || chk_inet) {
        return None;
    }
    let rules = checks.rules();
    let first = rules.iter().find(|r| !matches!(r.action, Action::Comment));
    let has_port = |c: &crate::proxy::check::Connect| {
        c.port.is_some() || c.addr.as_ref().and_then(|a| a.single_port()).unwrap_or(0) != 0
    };
    let name = &s.name;
    Some(match first.map(|r| &r.action) {
        _ if rules.is_empty() && !running => {
            format!("config: {d}: server '{name}' has neither service port nor check port.")
        }
        Some(Action::Connect(c)) if has_port(c) => {
            let bad = rules
                .iter()
                .any(|r| matches!(&r.action, Action::Connect(c) if !has_port(c)));
            if !bad {
                return None;
            }
            format!("config: {d}: server '{name}' has neither service port nor check port, and a tcp_check rule 'connect' with no port information.")
        }
        _ => format!("config: {d}: server '{name}' has neither service port nor check port nor tcp_check rule 'connect' with port information."),
    })
}
