//! The page's admin form (HAProxy's `stats_process_http_post`): `s=<server>` (any
//! number), `action=<a>` and `b=<backend>` (a name or `#<id>`) in a URL-encoded body;
//! the last `b` and `action` count. Each action goes through the function the CLI's
//! command uses (`set server state`, `enable|disable health|agent`, `set server health|
//! agent`, `shutdown sessions server`). The answer is HAProxy's status code: `DONE`
//! (every named server changed), `PART` (some), `ERRP` (bad parameters or nothing
//! changed), `NONE` (no server named).

use rampart_proxy::checks::CliHealth;
use rampart_proxy::state::Runtime;
use std::sync::Arc;

/// The actions of the form, and HAProxy's older names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Ready,
    Drain,
    Maint,
    Shutdown,
    DisHealth,
    EnHealth,
    HealthUp,
    HealthNolb,
    HealthDown,
    DisAgent,
    EnAgent,
    AgentUp,
    AgentDown,
    Disable,
    Enable,
    Stop,
    Start,
}

fn action(v: &str) -> Option<Action> {
    Some(match v {
        "ready" => Action::Ready,
        "drain" => Action::Drain,
        "maint" => Action::Maint,
        "shutdown" => Action::Shutdown,
        "dhlth" => Action::DisHealth,
        "ehlth" => Action::EnHealth,
        "hrunn" => Action::HealthUp,
        "hnolb" => Action::HealthNolb,
        "hdown" => Action::HealthDown,
        "dagent" => Action::DisAgent,
        "eagent" => Action::EnAgent,
        "arunn" => Action::AgentUp,
        "adown" => Action::AgentDown,
        "disable" => Action::Disable,
        "enable" => Action::Enable,
        "stop" => Action::Stop,
        "start" => Action::Start,
        _ => return None,
    })
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space); `None` on a bad
/// escape, which ends HAProxy's parsing.
fn url_decode(s: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                let v = u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
                out.push(v);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// HAProxy's `proxy_be_by_name`: a backend by name, or by id as `#<id>`.
fn backend(rt: &Runtime, v: &str) -> Option<usize> {
    if let Some(id) = v.strip_prefix('#') {
        let id: i64 = id.parse().ok()?;
        return rt.backends.iter().position(|b| b.uuid == id);
    }
    let mut found = rt.backends.iter().enumerate().filter(|(_, b)| b.name == v);
    let first = found.next()?.0;
    // An ambiguous name (duplicates) is refused.
    found.next().is_none().then_some(first)
}

/// Applies a posted form; returns HAProxy's status code.
pub(super) fn apply(rt: &Arc<Runtime>, body: &[u8]) -> &'static str {
    let mut be: Option<String> = None;
    let mut act: Option<String> = None;
    let mut servers = Vec::new();
    // HAProxy reads the parameters from the end: the last `b` and `action` win.
    for p in body.split(|&c| c == b'&').rev() {
        if p.is_empty() {
            continue;
        }
        let (k, v) = match p.iter().position(|&c| c == b'=') {
            Some(i) => (&p[..i], &p[i + 1..]),
            None => (p, &[][..]),
        };
        let (Some(k), Some(v)) = (url_decode(k), url_decode(v)) else {
            break;
        };
        match k.as_str() {
            "b" if be.is_none() => be = Some(v),
            "action" if act.is_none() => act = Some(v),
            "s" => servers.push(v),
            _ => {}
        }
    }
    let Some(bname) = be else {
        return if servers.is_empty() { "NONE" } else { "ERRP" };
    };
    let Some(b) = backend(rt, &bname) else {
        return "ERRP";
    };
    let Some(a) = act.as_deref().filter(|a| !a.is_empty()) else {
        return if servers.is_empty() { "NONE" } else { "ERRP" };
    };
    let Some(a) = action(a) else {
        return "ERRP";
    };
    let (mut unknown, mut altered) = (0usize, 0usize);
    let checks = &rt.checks;
    let bk = &rt.backends[b];
    for name in servers.iter().rev() {
        let Some(i) = bk
            .servers
            .iter()
            .position(|s| s.name == *name && s.exists())
        else {
            unknown += 1;
            continue;
        };
        let live = &bk.servers[i].live;
        let done = match a {
            Action::Ready => {
                checks.adm_set_ready(rt, b, i);
                true
            }
            Action::Drain => {
                checks.adm_set_drain(rt, b, i);
                true
            }
            Action::Maint => {
                checks.adm_set_maint(rt, b, i);
                true
            }
            Action::Shutdown => {
                rampart_proxy::kill::kill_server(rt, bk, i);
                true
            }
            Action::DisHealth | Action::EnHealth => checks
                .set_check_enabled(b, i, false, a == Action::EnHealth)
                .is_ok(),
            Action::DisAgent | Action::EnAgent => checks
                .set_check_enabled(b, i, true, a == Action::EnAgent)
                .is_ok(),
            Action::HealthUp | Action::HealthNolb | Action::HealthDown => {
                let to = match a {
                    Action::HealthUp => CliHealth::Up,
                    Action::HealthNolb => CliHealth::Stopping,
                    _ => CliHealth::Down,
                };
                !checks.is_tracking(b, i) && checks.cli_health(rt, b, i, false, to).is_ok()
            }
            Action::AgentUp | Action::AgentDown => {
                let to = if a == Action::AgentUp {
                    CliHealth::Up
                } else {
                    CliHealth::Down
                };
                checks.agent_enabled(b, i) && checks.cli_health(rt, b, i, true, to).is_ok()
            }
            Action::Disable => {
                let was = live.in_maint();
                if !was {
                    checks.adm_set_maint(rt, b, i);
                }
                !was
            }
            Action::Enable => {
                let was = live.in_maint();
                if was {
                    checks.adm_set_ready(rt, b, i);
                }
                was
            }
            Action::Stop => {
                let draining = live.admin() & rampart_proxy::server_state::admin::DRAIN != 0;
                if !draining {
                    checks.adm_set_drain(rt, b, i);
                }
                !draining
            }
            Action::Start => {
                let draining = live.admin() & rampart_proxy::server_state::admin::DRAIN != 0;
                if draining {
                    checks.adm_set_ready(rt, b, i);
                }
                draining
            }
        };
        if done {
            altered += 1;
        }
    }
    // HAProxy counts a server it could not change as neither altered nor named.
    let total = unknown + altered;
    match (total, altered) {
        (0, _) => "NONE",
        (_, 0) => "ERRP",
        (t, a) if t == a => "DONE",
        _ => "PART",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(url_decode(b"a+b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(url_decode(b"%zz"), None);
        assert_eq!(url_decode(b"%4"), None);
    }
}
