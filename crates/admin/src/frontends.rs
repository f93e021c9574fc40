//! The runtime API's frontend and process-wide commands (management guide 9.3;
//! HAProxy's proxy.c and cli.c): `disable|enable|shutdown frontend`, `set maxconn
//! frontend|global`, `set rate-limit connections|sessions global`, `shutdown sessions
//! server`, `clear counters [all]`.
//!
//! A frontend is paused or stopped through its `maxconn` gate (`worker::Gate`): its
//! accept loops take no slot from a paused gate, so new connections wait in the
//! kernel's backlog, and leave for good when it is stopped, closing the listeners.

use crate::proto::{Command, Reply, PERMISSION_DENIED};
use crate::servers::{admin, find_server};
use rampart_model::global::stats::AccessLevel;
use rampart_proxy::state::Runtime;
use rampart_proxy::worker::{GATE_OPEN, GATE_PAUSED, GATE_STOPPED};
use rampart_proxy::Control;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const LOG_NOTICE: u8 = 5;

/// HAProxy's `cli_find_frontend`: by name or `#<id>`.
fn find_frontend(rt: &Runtime, arg: &str, out: &mut Reply<'_>) -> Option<usize> {
    if arg.is_empty() {
        out.err("A frontend name is expected.\n");
        return None;
    }
    let f = match arg.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
        Some(id) => rt.frontends.iter().position(|f| f.uuid == id),
        None => rt.frontends.iter().position(|f| f.name == arg),
    };
    if f.is_none() {
        out.err("No such frontend.\n");
    }
    f
}

/// A warning on stderr (unless quiet) and in the proxy's logs, as `ha_warning` with
/// `send_log`.
fn warn(proxy: &str, msg: &str) {
    if !rampart_proxy::checks::QUIET.load(Ordering::Relaxed) {
        let line = format!("[WARNING]  ({}) : {msg}\n", std::process::id());
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }
    rampart_log::event(Some(proxy), rampart_log::events::level::WARNING, msg);
}

/// C `atoi`.
fn atoi(s: &str) -> i64 {
    let (v, _) = rampart_core::cnum::strtol(s.trim_start(), rampart_core::cnum::Base::Ten);
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// Runs one of these commands; `false` when `cmd` is not one of them.
pub fn command(rt: &Arc<Runtime>, ctl: &Control, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    match cmd.kw.words {
        ["disable", "frontend"] | ["enable", "frontend"] | ["shutdown", "frontend"] => {
            if !admin(cmd, out) {
                return true;
            }
            let Some(f) = find_frontend(rt, cmd.arg(2), out) else {
                return true;
            };
            let Some(gate) = ctl.frontends.get(f) else {
                return true;
            };
            let fe = &rt.frontends[f];
            let kind = if fe.own_backend.is_some() {
                "proxy"
            } else {
                "frontend"
            };
            match (cmd.kw.words[0], gate.state()) {
                ("disable", GATE_STOPPED) => out.msg(
                    LOG_NOTICE,
                    "Frontend was previously shut down, cannot disable.\n",
                ),
                ("disable", GATE_PAUSED) => {
                    out.msg(LOG_NOTICE, "All sockets are already disabled.\n")
                }
                ("disable", _) => {
                    gate.set_state(GATE_PAUSED);
                    warn(&fe.name, &format!("Paused {kind} {}.", fe.name));
                }
                ("enable", GATE_STOPPED) => {
                    out.err("Frontend was previously shut down, cannot enable.\n")
                }
                ("enable", GATE_OPEN) => out.msg(LOG_NOTICE, "All sockets are already enabled.\n"),
                ("enable", _) => {
                    gate.set_state(GATE_OPEN);
                    warn(&fe.name, &format!("Resumed {kind} {}.", fe.name));
                }
                (_, GATE_STOPPED) => out.msg(LOG_NOTICE, "Frontend was already shut down.\n"),
                _ => {
                    gate.set_state(GATE_STOPPED);
                    let be = fe
                        .own_backend
                        .and_then(|b| rt.backends.get(b))
                        .map_or(0, |b| b.counters.stot.load(Ordering::Relaxed));
                    warn(
                        &fe.name,
                        &format!(
                            "Proxy {} stopped (cumulated conns: FE: {}, BE: {be}).",
                            fe.name,
                            fe.counters.stot.load(Ordering::Relaxed)
                        ),
                    );
                }
            }
        }
        ["set", "maxconn", "frontend"] => {
            if !admin(cmd, out) {
                return true;
            }
            let Some(f) = find_frontend(rt, cmd.arg(3), out) else {
                return true;
            };
            if cmd.arg(4).is_empty() {
                out.err("Integer value expected.\n");
                return true;
            }
            let v = atoi(cmd.arg(4));
            if v < 0 {
                out.err("Value out of range.\n");
                return true;
            }
            if let Some(g) = ctl.frontends.get(f) {
                g.set_max(v as u32);
            }
        }
        ["set", "maxconn", "global"] => {
            if !admin(cmd, out) {
                return true;
            }
            if cmd.arg(3).is_empty() {
                out.err("Expects an integer value.\n");
                return true;
            }
            let v = atoi(cmd.arg(3));
            let hard = i64::from(rt.maxconn);
            if v > hard {
                out.err("Value out of range.\n");
                return true;
            }
            ctl.global
                .set_max(if v <= 0 { hard as u32 } else { v as u32 });
        }
        ["set", "rate-limit"] => {
            if !admin(cmd, out) {
                return true;
            }
            let target = match (cmd.arg(2), cmd.arg(3)) {
                ("connections", "global") => Some(&ctl.maxconnrate),
                ("sessions", "global") => Some(&ctl.maxsessrate),
                ("http-compression", "global") => None,
                _ => {
                    out.err("'set rate-limit' only supports :\n   - 'connections global' to set the per-process maximum connection rate\n   - 'sessions global' to set the per-process maximum session rate\n   - 'ssl-sessions global' to set the per-process maximum SSL session rate\n   - 'http-compression global' to set the per-process maximum compression speed in kB/s\n");
                    return true;
                }
            };
            if cmd.arg(4).is_empty() {
                out.err("Expects an integer value.\n");
                return true;
            }
            let v = atoi(cmd.arg(4));
            if v < 0 {
                out.err("Value out of range.\n");
                return true;
            }
            if let Some(t) = target {
                t.store(v as u32, Ordering::Relaxed);
            }
        }
        ["shutdown", "sessions", "server"] => {
            if !admin(cmd, out) {
                return true;
            }
            if let Some((b, i)) = find_server(rt, cmd.arg(3), out) {
                rampart_proxy::kill::kill_server(rt, &rt.backends[b], i);
            }
        }
        ["clear", "counters"] => {
            let all = cmd.arg(2) == "all";
            if cmd.level < AccessLevel::Operator || (all && cmd.level < AccessLevel::Admin) {
                out.err(PERMISSION_DENIED);
                return true;
            }
            clear_counters(rt, all);
        }
        _ => return false,
    }
    true
}

/// `clear counters`: the maximums; `clear counters all`: every cumulated counter too
/// (what is in progress now, `scur` and `qcur`, stays).
fn clear_counters(rt: &Runtime, all: bool) {
    let z = |c: &std::sync::atomic::AtomicU64| c.store(0, Ordering::Relaxed);
    let px = |c: &rampart_proxy::state::ProxyCounters| {
        z(&c.qmax);
        if all {
            for x in [
                &c.stot,
                &c.bytes_in,
                &c.bytes_out,
                &c.ereq,
                &c.econ,
                &c.eresp,
                &c.denied_conn,
                &c.denied_sess,
                &c.denied_req,
                &c.denied_resp,
                &c.qidx,
                &c.retries,
                &c.redispatches,
                &c.failed_rewrites,
            ] {
                z(x);
            }
        }
    };
    for f in &rt.frontends {
        px(&f.counters);
        for l in f.listeners.iter().filter_map(|l| l.counters.as_deref()) {
            l.clear(all);
        }
    }
    for b in &rt.backends {
        px(&b.counters);
        for s in &b.servers {
            let c = &s.counters;
            z(&c.qmax);
            if all {
                for x in [
                    &c.stot,
                    &c.econ,
                    &c.retries,
                    &c.redispatches,
                    &c.failed_hana,
                    &c.qidx,
                ] {
                    z(x);
                }
            }
        }
    }
}
