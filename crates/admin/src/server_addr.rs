//! Where servers and their checks connect, changed at run time (management guide 9.3
//! `set server <b>/<s> addr|check-addr|check-port|agent-addr|agent-port|agent-send|
//! fqdn|ssl`), with the answers of HAProxy 2.6's `srv_update_addr_port`,
//! `srv_update_check_addr_port` and `srv_update_agent_addr_port`.
//!
//! A new server address reaches the data path at the next connection (the server's
//! [`rampart_proxy::server_state::LiveTarget`]); idle connections to the old one are not
//! reused; health checks without an address of their own follow it at their next run.

use crate::proto::{Command, Reply};
use crate::servers::Ctx;
use rampart_core::cnum::{strtol, Base};
use rampart_proxy::checks::CheckOverride;
use rampart_proxy::server_state::admin;
use rampart_proxy::state::PortMap;
use std::fmt::Write;
use std::net::{IpAddr, ToSocketAddrs};

/// HAProxy's `LOG_WARNING`: the severity of these answers.
const WARNING: u8 = 4;

/// `set server <b>/<s> addr <ip> [port <port>]`.
pub(crate) fn set_addr(cx: &Ctx<'_>, b: usize, i: usize, cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.arg(4).is_empty() {
        out.err("set server <b>/<s> addr requires an address and optionally a port.\n");
        return;
    }
    let port = (cmd.arg(5) == "port").then(|| cmd.arg(6));
    let msg = update_addr_port(cx, b, i, cmd.arg(4), port);
    out.msg(WARNING, &msg);
    // A server waiting for its name to resolve has an address now.
    cx.rt.checks.clr_admin_flag(cx.rt, b, i, admin::RMAINT);
}

/// HAProxy's `srv_update_addr_port`: what is valid is applied, in order (the address,
/// then the port), and the answer says what changed and what was refused.
fn update_addr_port(cx: &Ctx<'_>, b: usize, i: usize, addr: &str, port: Option<&str>) -> String {
    let Some(srv) = cx.rt.backends.get(b).and_then(|be| be.servers.get(i)) else {
        return String::new();
    };
    let mut msg = String::new();
    let finish = |mut msg: String| {
        msg.push_str(" by 'stats socket command'\n");
        msg
    };
    let Ok(new_ip) = addr.parse::<IpAddr>() else {
        let _ = write!(msg, "Invalid addr '{addr}'");
        return finish(msg);
    };
    let Some((cur_ip, cur_port)) = srv.addr.ip() else {
        msg.push_str(
            "Update for the current server address family is only supported through configuration file",
        );
        return finish(msg);
    };
    let mut ip = cur_ip;
    if new_ip == cur_ip {
        msg.push_str("no need to change the addr");
    } else {
        ip = new_ip;
        let _ = write!(msg, "IP changed from '{cur_ip}' to '{addr}'");
    }
    let mut new_map = cur_port;
    if let Some(port) = port {
        msg.push_str(", ");
        if let Err(e) = parse_port_change(cx, b, i, cur_port, port, &mut new_map, &mut msg) {
            msg.push_str(e);
        }
    }
    if ip != cur_ip || !same_port(new_map, cur_port) {
        srv.addr.set_ip(ip, new_map);
    }
    finish(msg)
}

/// The port part of `srv_update_addr_port`: `+N`/`-N` map the port on the client's,
/// a plain number fixes it. Writes the report of a change (or of none) into `msg`.
fn parse_port_change(
    cx: &Ctx<'_>,
    b: usize,
    i: usize,
    cur: PortMap,
    port: &str,
    new_map: &mut PortMap,
    msg: &mut String,
) -> Result<(), &'static str> {
    let (v, used) = strtol(port, Base::Ten);
    if used == 0 || v > i64::from(i32::MAX) * 2 || v < i64::from(i32::MIN) * 2 {
        let _ = write!(msg, "problem converting port '{port}' to an int");
        return Ok(());
    }
    // HAProxy keeps the port in 16 bits, an offset too.
    let new16 = v as u16;
    let (cur16, cur_mapped) = match cur {
        PortMap::Fixed(p) => (p, false),
        PortMap::Offset(o) => (o as u16, true),
    };
    let sign = port
        .trim_start()
        .chars()
        .next()
        .filter(|c| matches!(c, '+' | '-'));
    let required = match sign {
        Some(_) if !cur_mapped => {
            if check_port(cx, b, i) == 0 {
                return Err("can't change <port> to port map because it is incompatible with current health check port configuration (use 'port' statement from the 'server' directive.");
            }
            true
        }
        _ => cur16 != new16,
    };
    if !required {
        msg.push_str("no need to change the port");
        return Ok(());
    }
    msg.push_str("port changed from '");
    if cur_mapped {
        msg.push('+');
    }
    let _ = write!(msg, "{cur16}' to '");
    match sign {
        Some('-') => {
            *new_map = PortMap::Offset(i32::from(new16 as i16));
            let _ = write!(msg, "-{}'", new16.wrapping_neg());
        }
        Some(_) => {
            *new_map = PortMap::Offset(i32::from(new16 as i16));
            let _ = write!(msg, "+{new16}'");
        }
        None => {
            *new_map = PortMap::Fixed(new16);
            let _ = write!(msg, "{new16}'");
        }
    }
    Ok(())
}

fn same_port(a: PortMap, b: PortMap) -> bool {
    match (a, b) {
        (PortMap::Fixed(x), PortMap::Fixed(y)) => x == y,
        (PortMap::Offset(x), PortMap::Offset(y)) => x as u16 == y as u16,
        _ => false,
    }
}

/// HAProxy's `check.port` of the server: the runtime API's, else the configuration's
/// `port` (0: none).
fn check_port(cx: &Ctx<'_>, b: usize, i: usize) -> u16 {
    let v = cx.rt.checks.view(cx.rt, b, i);
    v.check_port
        .unwrap_or_else(|| cx.initial.check_ports(b, i).0)
}

/// `set server <b>/<s> check-addr <ip> [port <port>]`, `check-port <port>`,
/// `agent-addr <addr> [port <port>]`, `agent-port <port>`.
pub(crate) fn set_check_target(
    cx: &Ctx<'_>,
    b: usize,
    i: usize,
    cmd: &Command<'_>,
    out: &mut Reply<'_>,
) {
    let what = cmd.arg(3);
    let agent = what.starts_with("agent");
    let with_addr = what.ends_with("-addr");
    let val = cmd.arg(4);
    if val.is_empty() {
        out.err(match what {
            "check-addr" => {
                "set server <b>/<s> check-addr requires an address and optionally a port.\n"
            }
            "agent-addr" => {
                "set server <b>/<s> agent-addr requires an address and optionally a port.\n"
            }
            "check-port" => "set server <b>/<s> check-port requires a port.\n",
            _ => "set server <b>/<s> agent-port requires a port.\n",
        });
        return;
    }
    let (addr, port) = if with_addr {
        (Some(val), (cmd.arg(5) == "port").then(|| cmd.arg(6)))
    } else {
        (None, Some(val))
    };
    if let Err(e) = update_check(cx, b, i, agent, addr, port) {
        out.msg(WARNING, &e);
    }
}

/// HAProxy's `srv_update_check_addr_port` / `srv_update_agent_addr_port`: all or
/// nothing. The agent's address may be a name (resolved now, as HAProxy's `str2ip`
/// does), the check's must be an IP address.
fn update_check(
    cx: &Ctx<'_>,
    b: usize,
    i: usize,
    agent: bool,
    addr: Option<&str>,
    port: Option<&str>,
) -> Result<(), String> {
    let checks = &cx.rt.checks;
    let enabled = if agent {
        checks.agent_enabled(b, i)
    } else {
        checks.health_enabled(b, i)
    };
    if !enabled {
        return Err(if agent {
            "agent checks are not enabled on this server".into()
        } else {
            "health checks are not enabled on this server".into()
        });
    }
    let ip = match addr {
        None => None,
        Some(a) => match a.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) if agent => match (a, 0u16).to_socket_addrs().ok().and_then(|mut r| r.next()) {
                Some(sa) => Some(sa.ip()),
                None => return Err(format!("invalid addr '{a}'")),
            },
            Err(_) => return Err(format!("invalid addr '{a}'")),
        },
    };
    let port = match port {
        None => None,
        Some(p) => {
            // HAProxy's `strl2irc`: an optional minus sign and digits only.
            let digits = p.strip_prefix('-').unwrap_or(p);
            if !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err("provided port is not an integer".into());
            }
            match p.parse::<i64>() {
                Ok(v) if (0..=65535).contains(&v) => Some(v as u16),
                Ok(_) => return Err("provided port is invalid".into()),
                Err(_) if digits.is_empty() => Some(0),
                Err(_) => return Err("provided port is not an integer".into()),
            }
        }
    };
    if !agent
        && port == Some(0)
        && cx
            .rt
            .backends
            .get(b)
            .and_then(|be| be.servers.get(i))
            .is_some_and(|s| s.addr.port_mapped())
    {
        return Err("can't unset 'port' since MAPPORTS is in use".into());
    }
    checks.set_check_target(
        b,
        i,
        agent,
        CheckOverride {
            addr: ip,
            port,
            send: None,
        },
    );
    Ok(())
}

/// `set server <b>/<s> fqdn <name>`: names are resolved by `resolvers` sections,
/// which Rampart does not have yet, so no server has a resolution configured (HAProxy's
/// answer then).
pub(crate) fn set_fqdn(cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.arg(4).is_empty() {
        out.err("set server <b>/<s> fqdn requires a FQDN.\n");
    } else {
        out.err("set server <b>/<s> fqdn failed because no resolution is configured.\n");
    }
}

/// `set server <b>/<s> ssl on|off`: without TLS to servers no server has an SSL
/// context (HAProxy's answer then).
pub(crate) fn set_ssl(out: &mut Reply<'_>) {
    out.err("'set server <srv> ssl' cannot be set.  default-server should define ssl settings\n");
}
