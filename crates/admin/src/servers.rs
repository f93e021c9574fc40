//! The runtime API's server commands (management guide 9.3; HAProxy's `cli_parse_*` of
//! server.c and `show servers` of proxy.c): `disable|enable server`, `set server <b>/<s>
//! state|weight|health|agent|agent-send` (addresses and ports: [`crate::server_addr`]), `set|get weight`, `set
//! maxconn server`, `disable|enable health|agent`, `show servers state|conn`.
//!
//! Every change goes through the proxy's paths: the administrative and health states
//! through the checks' state machine (`rampart_proxy::checks`), which publishes into
//! the server's atomics and lets the balancing follow; `maxconn` through
//! `queue::change_maxconn`, which hands freed slots to the waiting streams.

use crate::proto::{Command, Reply, PERMISSION_DENIED};
use rampart_model::global::stats::AccessLevel;
use rampart_model::proxy::ProxyKind;
use rampart_proxy::checks::CliHealth;
use rampart_proxy::state::{Backend, PortMap, Runtime};
use std::fmt::Write;
use std::sync::Arc;

/// What the configuration said that the runtime does not keep: initial weights and
/// which ids were forced (`show servers state`, `get weight`).
#[derive(Debug, Default)]
pub struct Initial {
    /// Per backend (the runtime's order): `id` was given.
    pub be_forced: Vec<bool>,
    /// Per backend, per server: (`weight`, `id` given, check `port`, `agent-port`).
    pub servers: Vec<Vec<(u32, bool, u16, u16)>>,
    /// Per backend, per server: where it was declared.
    pub spans: Vec<Vec<rampart_config::Span>>,
    /// Servers that sample fetch arguments name, as (backend, server): `del server`
    /// refuses them.
    pub referenced: std::collections::HashSet<(usize, usize)>,
}

impl Initial {
    /// The configured check `port` and `agent-port` of a server (0: none).
    pub fn check_ports(&self, b: usize, i: usize) -> (u16, u16) {
        self.servers
            .get(b)
            .and_then(|l| l.get(i))
            .map_or((0, 0), |x| (x.2, x.3))
    }

    /// From the Snapshot, with the backends in the runtime's order.
    pub fn of(snap: &rampart_model::Snapshot) -> Initial {
        let mut init = Initial::default();
        for p in snap
            .proxies
            .iter()
            .filter(|p| p.kind != ProxyKind::Defaults && !p.disabled && p.is_be())
        {
            init.be_forced.push(p.id.is_some());
            let b = init.spans.len();
            init.referenced.extend(
                p.servers
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.referenced)
                    .map(|(i, _)| (b, i)),
            );
            init.spans.push(p.servers.iter().map(|s| s.span).collect());
            init.servers.push(
                p.servers
                    .iter()
                    .map(|s| {
                        let c = &s.settings.check;
                        (
                            s.settings.weight,
                            s.id.is_some(),
                            c.port.unwrap_or(0) as u16,
                            // `port` is the agent's too unless `agent-port` is given.
                            c.agent.port.or(c.port).unwrap_or(0) as u16,
                        )
                    })
                    .collect(),
            );
        }
        init
    }

    /// Where configured server `i` of backend `b` was declared.
    pub fn span(&self, b: usize, i: usize) -> Option<rampart_config::Span> {
        self.spans.get(b)?.get(i).copied()
    }
}

/// The commands' context.
pub struct Ctx<'a> {
    pub rt: &'a Arc<Runtime>,
    pub initial: &'a Initial,
    /// What the worker threads publish of their server connections.
    pub idle: &'a rampart_proxy::pool::Shared,
    /// The worker threads (their mailboxes start the checks of added servers).
    pub ctl: &'a rampart_proxy::worker::Control,
}

/// HAProxy's `cli_has_level(appctx, ACCESS_LVL_ADMIN)`.
pub fn admin(cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    if cmd.level < AccessLevel::Admin {
        out.err(PERMISSION_DENIED);
        return false;
    }
    true
}

/// HAProxy's `get_backend_server`: names, or `#<id>`.
pub(crate) fn find(rt: &Runtime, be: &str, srv: &str) -> (Option<usize>, Option<usize>) {
    let by_id = |s: &str| s.strip_prefix('#').and_then(|n| n.parse::<i64>().ok());
    let b = match by_id(be) {
        Some(id) => rt.backends.iter().position(|x| x.uuid == id),
        None => rt.backends.iter().position(|x| x.name == be),
    };
    let Some(b) = b else { return (None, None) };
    let list = &rt.backends[b].servers;
    let i = match by_id(srv) {
        Some(id) => list.iter().position(|x| x.puid == id && x.exists()),
        None => list.iter().position(|x| x.name == srv && x.exists()),
    };
    (Some(b), i)
}

/// HAProxy's `cli_find_server`: `<backend>/<server>` or its error.
pub fn find_server(rt: &Runtime, arg: &str, out: &mut Reply<'_>) -> Option<(usize, usize)> {
    let (be, srv) = arg.split_once('/').unwrap_or((arg, ""));
    if be.is_empty() || srv.is_empty() {
        out.err("Require 'backend/server'.\n");
        return None;
    }
    match find(rt, be, srv) {
        (Some(b), Some(i)) => Some((b, i)),
        (Some(_), None) => {
            out.err("No such server.\n");
            None
        }
        _ => {
            out.err("No such backend.\n");
            None
        }
    }
}

/// HAProxy's `BE_LB_PROP_DYN`: the algorithm takes weight changes.
pub(crate) fn dynamic(be: &Backend) -> bool {
    use rampart_balance::Algo;
    match be.balance.algo() {
        Algo::StaticRr => false,
        Algo::Hash { consistent, .. } => *consistent,
        _ => true,
    }
}

/// HAProxy's `server_parse_weight_change_request`.
fn change_weight(cx: &Ctx<'_>, b: usize, i: usize, text: &str) -> Result<(), &'static str> {
    let be = &cx.rt.backends[b];
    let srv = &be.servers[i];
    let iw = i64::from(srv.iweight);
    if text.is_empty() {
        return Err("Require <weight> or <weight%>.\n");
    }
    let (mut w, used) = rampart_core::cnum::strtol(text, rampart_core::cnum::Base::Ten);
    let rest = &text[used..];
    if used == 0 {
        return Err("Empty weight string empty or preceded by garbage");
    } else if rest == "%" {
        if w < 0 {
            return Err("Relative weight must be positive.\n");
        }
        w = iw * w.min(25600) / 100;
        w = w.min(256);
    } else if !(0..=256).contains(&w) {
        return Err("Absolute weight can only be between 0 and 256 inclusive.\n");
    } else if !rest.is_empty() {
        return Err("Trailing garbage in weight string");
    }
    if w != 0 && w != iw && !dynamic(be) {
        return Err(
            "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n",
        );
    }
    srv.live.set_uweight(w as u32);
    rampart_proxy::upstream::servers_changed(be);
    Ok(())
}

/// Runs a server command; `false` when `cmd` is not one of them.
pub fn command(cx: &Ctx<'_>, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    if crate::dynamic::command(cx, cmd, out) {
        return true;
    }
    let rt = cx.rt;
    let checks = &rt.checks;
    match cmd.kw.words {
        ["disable", "server"] | ["enable", "server"] => {
            if !admin(cmd, out) {
                return true;
            }
            if let Some((b, i)) = find_server(rt, cmd.arg(2), out) {
                if cmd.kw.words[0] == "disable" {
                    checks.adm_set_maint(rt, b, i);
                } else {
                    checks.adm_set_ready(rt, b, i);
                }
            }
        }
        ["disable", what @ ("health" | "agent")] | ["enable", what @ ("health" | "agent")] => {
            if !admin(cmd, out) {
                return true;
            }
            if let Some((b, i)) = find_server(rt, cmd.arg(2), out) {
                let on = cmd.kw.words[0] == "enable";
                if let Err(e) = checks.set_check_enabled(b, i, *what == "agent", on) {
                    out.err(e);
                }
            }
        }
        ["get", "weight"] => {
            let (be, srv) = cmd.arg(2).split_once('/').unwrap_or((cmd.arg(2), ""));
            if srv.is_empty() {
                out.err("Require 'backend/server'.\n");
                return true;
            }
            match find(rt, be, srv) {
                (Some(b), Some(i)) => {
                    let srv = &rt.backends[b].servers[i];
                    let (u, iw) = (srv.live.uweight(), srv.iweight);
                    out.raw(&format!("{u} (initial {iw})\n"));
                }
                (Some(_), None) => out.err("No such server.\n"),
                _ => out.err("No such backend.\n"),
            }
        }
        ["set", "weight"] => {
            if !admin(cmd, out) {
                return true;
            }
            if let Some((b, i)) = find_server(rt, cmd.arg(2), out) {
                if let Err(e) = change_weight(cx, b, i, cmd.arg(3)) {
                    out.err(e);
                }
            }
        }
        ["set", "maxconn", "server"] => {
            if !admin(cmd, out) {
                return true;
            }
            if let Some((b, i)) = find_server(rt, cmd.arg(3), out) {
                let be = &rt.backends[b];
                if let Err(e) = rampart_proxy::queue::change_maxconn(be, i, cmd.arg(4)) {
                    out.err(e);
                }
            }
        }
        ["set", "server"] => set_server(cx, cmd, out),
        ["show", "servers", "state"] | ["show", "servers", "conn"] => show_servers(cx, cmd, out),
        _ => return false,
    }
    true
}

/// `set server <b>/<s> <what> ...`.
fn set_server(cx: &Ctx<'_>, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let rt = cx.rt;
    let checks = &rt.checks;
    if !admin(cmd, out) {
        return;
    }
    let Some((b, i)) = find_server(rt, cmd.arg(2), out) else {
        return;
    };
    let val = cmd.arg(4);
    match cmd.arg(3) {
        "weight" => {
            if let Err(e) = change_weight(cx, b, i, val) {
                out.err(e);
            }
        }
        "state" => match val {
            "ready" => checks.adm_set_ready(rt, b, i),
            "drain" => checks.adm_set_drain(rt, b, i),
            "maint" => checks.adm_set_maint(rt, b, i),
            _ => out.err("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"),
        },
        "health" => {
            let to = match val {
                "up" => Some(CliHealth::Up),
                "stopping" => Some(CliHealth::Stopping),
                "down" => Some(CliHealth::Down),
                _ => None,
            };
            let r = match to {
                _ if checks.is_tracking(b, i) => Err("cannot change health on a tracking server.\n"),
                Some(to) => checks.cli_health(rt, b, i, false, to),
                None => Err("'set server <srv> health' expects 'up', 'stopping', or 'down'.\n"),
            };
            if let Err(e) = r {
                out.err(e);
            }
        }
        "agent" => {
            let to = match val {
                "up" => Some(CliHealth::Up),
                "down" => Some(CliHealth::Down),
                _ => None,
            };
            let r = match to {
                Some(to) => checks.cli_health(rt, b, i, true, to),
                None => {
                    if checks.agent_enabled(b, i) {
                        Err("'set server <srv> agent' expects 'up' or 'down'.\n")
                    } else {
                        Err("agent checks are not enabled on this server.\n")
                    }
                }
            };
            if let Err(e) = r {
                out.err(e);
            }
        }
        "addr" => crate::server_addr::set_addr(cx, b, i, cmd, out),
        "check-addr" | "check-port" | "agent-addr" | "agent-port" => {
            crate::server_addr::set_check_target(cx, b, i, cmd, out);
        }
        "agent-send" => {
            if !checks.agent_enabled(b, i) {
                out.err("agent checks are not enabled on this server.\n");
                return;
            }
            checks.set_check_target(
                b,
                i,
                true,
                rampart_proxy::checks::CheckOverride {
                    send: Some(val.as_bytes().to_vec()),
                    ..Default::default()
                },
            );
        }
        "fqdn" => crate::server_addr::set_fqdn(cmd, out),
        "ssl" => crate::server_addr::set_ssl(out),
        _ => out.err(
            "usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n",
        ),
    }
}

/// The address and port `show servers` print (`-` for a server without an IP address).
fn addr_port(srv: &rampart_proxy::state::Server) -> (String, u16) {
    match srv.addr.ip() {
        Some((ip, port)) => {
            let p = match port {
                PortMap::Fixed(p) => p,
                PortMap::Offset(o) => o as u16,
            };
            (ip.to_string(), p)
        }
        None => ("-".into(), srv.addr.configured_port() as u16),
    }
}

/// One line of `show servers conn` (HAProxy's `dump_servers_state`): the pool's
/// figures summed over the threads (connections in use, most used since the last
/// purge, the estimated need, idle connections of each list), `pool-max-conn`, the
/// idle connections, then those of each thread, unless the server keeps none.
#[allow(clippy::too_many_arguments)]
fn conn_line(
    cx: &Ctx<'_>,
    b: usize,
    be: &Backend,
    i: usize,
    srv: &rampart_proxy::state::Server,
    addr: &str,
    port: u16,
    s: &mut String,
) {
    let f = cx.idle.figures(b, i);
    let idle = srv.idle_conns.load(std::sync::atomic::Ordering::Relaxed);
    let _ = write!(
        s,
        "{}/{} {}/{} {addr} {port} - {} {} {} {} {} {} {} {idle}",
        be.name,
        srv.name,
        be.uuid,
        srv.puid,
        srv.pool.purge_delay.as_millis(),
        f.used,
        f.max_used,
        f.est_need,
        f.idle,
        f.safe,
        srv.pool.max_conn
    );
    if srv.pool.max_conn != 0 {
        for t in 0..cx.idle.nbthread() {
            let _ = write!(s, " {}", cx.idle.idle_on(t, b, i));
        }
    }
    s.push('\n');
}

/// `show servers state [<backend>]` (the server-state file's format, version 1) and
/// `show servers conn [<backend>]`.
fn show_servers(cx: &Ctx<'_>, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let rt = cx.rt;
    let conn = cmd.kw.words[2] == "conn";
    let only = if cmd.arg(3).is_empty() {
        None
    } else {
        match rt.backends.iter().position(|b| b.name == cmd.arg(3)) {
            Some(b) => Some(b),
            None => {
                out.err("Can't find backend.\n");
                return;
            }
        }
    };
    let mut s = String::with_capacity(1024);
    if conn {
        let _ = writeln!(
            s,
            "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[{}]",
            rt.nbthread
        );
    } else {
        s.push_str("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n");
    }
    let now = rampart_proxy::server_state::now_secs();
    for (b, be) in rt.backends.iter().enumerate() {
        if only.is_some_and(|o| o != b) {
            continue;
        }
        for (i, srv) in be.servers.iter().enumerate() {
            // Deleted servers, and the `dispatch` (or transparent) pseudo-server, which
            // HAProxy does not have.
            if !srv.exists() || srv.pool.private {
                continue;
            }
            let (addr, port) = addr_port(srv);
            if conn {
                conn_line(cx, b, be, i, srv, &addr, port, &mut s);
                continue;
            }
            let v = rt.checks.view(rt, b, i);
            let since = srv.live.since_change(now);
            let be_forced = cx.initial.be_forced.get(b).copied().unwrap_or(false);
            let (srv_forced, cport, aport) = cx
                .initial
                .servers
                .get(b)
                .and_then(|l| l.get(i))
                .map_or((false, 0, 0), |x| (x.1, x.2, x.3));
            let cport = v.check_port.unwrap_or(cport);
            let aport = v.agent_port.unwrap_or(aport);
            let ip_or_dash =
                |a: Option<std::net::IpAddr>| a.map_or("-".to_string(), |a| a.to_string());
            let (caddr, aaddr) = (ip_or_dash(v.check_addr), ip_or_dash(v.agent_addr));
            let _ = writeln!(
                s,
                "{} {} {} {} {addr} {} {} {} {} {since} {} {} {} {} {} {} {} {} {port} - 0 {} {caddr} {aaddr} {}",
                be.uuid,
                be.name,
                srv.puid,
                srv.name,
                srv.live.op() as u8,
                srv.live.admin(),
                srv.live.uweight(),
                srv.iweight,
                v.check_status,
                v.check_result,
                v.check_health,
                v.check_state & 0x0F,
                v.agent_state & 0x1F,
                u8::from(be_forced),
                u8::from(srv_forced),
                srv.fqdn.as_deref().unwrap_or("-"),
                cport,
                aport,
            );
        }
    }
    out.raw(&s);
}
