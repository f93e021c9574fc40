//! Servers that appear and disappear at run time (management guide 9.3 `add server`,
//! `del server`; HAProxy's `cli_parse_add_server` and `cli_parse_delete_server`).
//!
//! `add server <b>/<s> <addr>[:<port>] [kw]*` parses the line with the configuration's
//! server parser (`rampart_model::proxy::server::parse_dynamic`: only the options
//! HAProxy accepts on dynamic servers, no `default-server`), builds the server as a
//! configured one (`rampart_proxy::build::dynamic_server`) and appends it to the backend
//! (`rampart_proxy::servers::add`): it starts in maintenance with the next free id, out
//! of the balancing until `enable server` (or `set server ... state ready`) puts it in
//! service. Rampart does not run checks on such servers yet: `check`, `agent-check`,
//! `track` and `slowstart` are refused with a message saying so (HAProxy accepts them,
//! the checks starting disabled); options accepted but not applied yet (`tfo`, `usesrc`)
//! are named before "New server registered.", as the start-up warnings name them.
//!
//! `del server <b>/<s>` removes a server in maintenance that nothing uses any more
//! (`rampart_proxy::servers::delete`); the others keep their ids.

use crate::proto::{Command, Reply, LOG_INFO};
use crate::servers::Ctx;

/// Runs `add server` and `del server`; `false` for other commands.
pub fn command(cx: &Ctx<'_>, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    match cmd.kw.words {
        ["add", "server"] => {
            if crate::servers::admin(cmd, out) {
                add(cx, cmd, out);
            }
        }
        ["del", "server"] => {
            if crate::servers::admin(cmd, out) {
                del(cx, cmd.arg(2), out);
            }
        }
        _ => return false,
    }
    true
}

/// HAProxy's split of `<backend>/<server>`: at the first `/` after the first
/// character; `None` without a server name.
fn split(arg: &str) -> Option<(&str, &str)> {
    let first = arg.chars().next()?.len_utf8();
    let at = arg[first..].find('/')? + first;
    let (be, srv) = (&arg[..at], &arg[at + 1..]);
    (!srv.is_empty()).then_some((be, srv))
}

fn add(cx: &Ctx<'_>, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let rt = cx.rt;
    let Some((be_name, name)) = split(cmd.arg(2)) else {
        out.err("Require 'backend/server'.");
        return;
    };
    let Some(b) = rt.backends.iter().position(|x| x.name == be_name) else {
        out.err("No such backend.");
        return;
    };
    let be = &rt.backends[b];
    // A backend balancing to its `dispatch` address (or transparently) has no
    // balancing algorithm in HAProxy.
    let dispatch = be.servers.initial().first().is_some_and(|s| s.pool.private);
    if dispatch || !crate::servers::dynamic(be) {
        out.err("Backend must use a dynamic load balancing to support dynamic servers.");
        return;
    }
    let mut args: Vec<String> = vec![name.to_string()];
    args.extend(cmd.args.iter().skip(3).cloned());
    let used = used_ids(cx, b);
    let mode_http = be.mode == rampart_model::proxy::Mode::Http;
    let (parsed, mut said) =
        match rampart_model::proxy::server::parse_dynamic(&args, &be.name, mode_http, used) {
            Ok(x) => x,
            Err(msg) => return fail(out, &msg),
        };
    let srv = match rampart_proxy::build::dynamic_server(be, &parsed) {
        Ok(s) => s,
        Err(e) => {
            said.push_str(&e);
            said.push('\n');
            return fail(out, &said);
        }
    };
    // `track`, then the health check's port, as HAProxy's `srv_apply_track` and
    // `init_srv_check`.
    let chk = match rampart_proxy::checks::for_dynamic(rt, b, &parsed, &srv) {
        Ok(c) => c,
        Err(e) => {
            said.push_str(&e);
            said.push('\n');
            return fail(out, &said);
        }
    };
    if be
        .servers
        .iter()
        .any(|s| s.exists() && s.name == parsed.name)
    {
        said.push_str("Already exists a server with the same name in backend.\n");
        return fail(out, &said);
    }
    // What Rampart accepts without applying it yet, as its start-up warnings say.
    for (kw, what, why) in rampart_proxy::gaps::server_gaps(&parsed.settings) {
        said.push_str(&format!("'{kw}' is accepted but {what} ({why}).\n"));
    }
    rampart_proxy::servers::add(rt, cx.ctl, b, srv, chk);
    said.push_str("New server registered.\n");
    out.msg(LOG_INFO, &said);
}

/// HAProxy answers the collected messages of a failed `add server`.
fn fail(out: &mut Reply<'_>, said: &str) {
    out.err(said);
}

/// The ids the backend's servers use, where they were declared and their names (the
/// `id` option refuses them).
fn used_ids(cx: &Ctx<'_>, b: usize) -> Vec<(u32, String, String)> {
    let rt = cx.rt;
    rt.backends[b]
        .servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.exists())
        .map(|(i, s)| {
            // HAProxy knows no file for a dynamic server.
            let loc = match cx.initial.span(b, i).filter(|_| !s.dynamic) {
                Some(sp) => format!(
                    "{}:{}",
                    rt.files.get(sp.file.0 as usize).map_or("?", |f| &**f),
                    sp.line
                ),
                None => "(null):0".to_string(),
            };
            (u32::try_from(s.puid).unwrap_or(0), loc, s.name.clone())
        })
        .collect()
}

fn del(cx: &Ctx<'_>, arg: &str, out: &mut Reply<'_>) {
    let rt = cx.rt;
    let Some((be_name, name)) = split(arg) else {
        out.err("Require 'backend/server'.");
        return;
    };
    let (b, i) = match crate::servers::find(rt, be_name, name) {
        (Some(b), Some(i)) => (b, i),
        (Some(_), None) => return out.err("No such server."),
        _ => return out.err("No such backend."),
    };
    let named = cx.initial.referenced.contains(&(b, i)) && !rt.backends[b].servers[i].dynamic;
    match rampart_proxy::servers::delete(rt, b, i, named) {
        Ok(()) => out.msg(LOG_INFO, "Server deleted."),
        Err(e) => out.err(e.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_as_haproxy() {
        assert_eq!(split("be/s"), Some(("be", "s")));
        assert_eq!(split("be/s/t"), Some(("be", "s/t")));
        assert_eq!(split("be/"), None);
        assert_eq!(split("be"), None);
        assert_eq!(split("/x"), None);
        assert_eq!(split("//x"), Some(("/", "x")));
        assert_eq!(split(""), None);
    }
}
