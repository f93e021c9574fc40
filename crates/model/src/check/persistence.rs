//! Persistence settings: `use-server` targets, cookies and `redir` outside `mode http`,
//! the global server-state file, equal dynamic cookies
//! (`srv_check_for_dup_dyncookie`).

use super::{alert, warn};
use crate::proxy::server::ServerAddr;
use crate::proxy::{Mode, Proxy};
use crate::LowerCx;

/// Persistence: `use-server` targets exist, cookies and redirections need `mode http`,
/// a backend reading the global server-state file needs one, dynamic cookies differ.
pub(super) fn check_persistence(p: &Proxy, g: &crate::global::Global, cx: &mut LowerCx<'_>) {
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
