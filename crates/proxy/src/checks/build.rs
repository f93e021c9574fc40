//! From the Snapshot's check settings to [`SrvChecks`]: at start-up for every
//! configured server ([`build`]), and for each server the runtime API adds
//! ([`for_dynamic`], HAProxy's `srv_apply_track`, `init_srv_check` and
//! `init_srv_agent_check` as `add server` runs them).
//!
//! A server gets an entry when it has a health check, an agent, a `track` or a
//! `slowstart` (its warm-up clock lives with the check state). What a backend's checks
//! share is kept per backend ([`BeChecks`]) so that a server added later is built the
//! same way.

use super::{CheckCfg, Checks, NetConnector, SrvChecks, SrvState};
use crate::state::{Backend, Runtime, Server, ServerTarget};
use rampart_check::{Dest, ProxyHeader, Target, Timing};
use rampart_model::proxy::server::Server as SrvModel;
use rampart_model::proxy::{Proxy, ProxyKind};
use rampart_model::Snapshot;
use rampart_net::connect::Target as NetTarget;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

/// What the checks of one backend's servers share.
#[derive(Debug)]
pub struct BeChecks {
    /// The backend's check rules (`option httpchk`, `tcp-check`...), compiled per
    /// server.
    pub spec: rampart_model::proxy::check::Checks,
    /// How messages name the backend (`backend 'be'`, `proxy 'li'`).
    pub designation: String,
    /// `timeout connect` and `timeout check` (ms, 0: none).
    pub connect: u32,
    pub check: u32,
    /// `option log-health-checks`.
    pub log_health: bool,
    /// The backend's algorithm takes weight changes (HAProxy's `BE_LB_PROP_DYN`).
    pub dyn_weight: bool,
}

pub(super) fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

fn opt_ms(v: Option<u32>) -> Option<Duration> {
    v.filter(|&v| v != 0).map(ms)
}

/// Builds the checks of the live proxies; `backends` are the runtime's, in the same order
/// as the backend-capable proxies of `live`.
pub fn build(snap: &Snapshot, backends: &[Backend], bufsize: usize) -> Result<Checks, String> {
    let live: Vec<&Proxy> = snap
        .proxies
        .iter()
        .filter(|p| p.kind != ProxyKind::Defaults && !p.disabled && p.is_be())
        .collect();
    let per_be: Vec<BeChecks> = live
        .iter()
        .map(|p| BeChecks {
            spec: p.checks.clone(),
            designation: format!("{} '{}'", p.kind.type_str(), p.name),
            connect: p.timeouts.connect,
            check: p.timeouts.check,
            log_health: p.options.flags.log_health_checks,
            dyn_weight: dynamic_weights(p),
        })
        .collect();
    let mut servers = Vec::new();
    let mut plain_rise_fall = HashMap::new();
    let mut index: HashMap<(usize, usize), usize> = HashMap::new();
    let mut names: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for (b, p) in live.iter().enumerate() {
        for (i, s) in p.servers.iter().enumerate() {
            names.insert((p.name.as_str(), s.name.as_str()), (b, i));
        }
    }
    for (b, p) in live.iter().enumerate() {
        let (Some(be), Some(bc)) = (backends.get(b), per_be.get(b)) else {
            continue;
        };
        for (i, s) in p.servers.iter().enumerate() {
            let Some(srv) = be.servers.get(i) else {
                continue;
            };
            let c = &s.settings.check;
            if !c.enabled {
                let rf = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
                plain_rise_fall.insert((b, i), (rf(c.rise), rf(c.fall)));
            }
            if let Some(e) = server_checks(bc, b, i, s, srv)? {
                index.insert((b, i), servers.len());
                servers.push(e);
            }
        }
    }
    // Resolve `track` (the model checked that targets exist and can be followed).
    for (b, p) in live.iter().enumerate() {
        for (i, s) in p.servers.iter().enumerate() {
            let Some(t) = &s.settings.check.track else {
                continue;
            };
            let (pn, sn) = t.rsplit_once('/').unwrap_or((p.name.as_str(), t.as_str()));
            let Some(&target) = names.get(&(pn, sn)) else {
                continue;
            };
            let (Some(&me), Some(&it)) = (index.get(&(b, i)), index.get(&target)) else {
                continue;
            };
            servers[me].track = Some(it);
            servers[it].trackers.push(me);
        }
    }
    let states = servers.iter().map(|s| SrvState::new(s, backends)).collect();
    Ok(Checks {
        servers: servers.into(),
        state: Mutex::new(states),
        spread: snap.global.spread_checks,
        max_spread: snap.global.max_spread_checks.map(ms),
        bufsize,
        be_types: live.iter().map(|p| p.kind.type_str()).collect(),
        backends: per_be,
        plain: Mutex::default(),
        plain_rise_fall,
        overrides: Mutex::default(),
        dyn_trackers: Mutex::default(),
    })
}

/// The checks of server `i` of backend `b` (`s` as configured, `srv` as built); `None`
/// when it has no check, agent, `track` nor `slowstart`. `track` is resolved by the
/// caller.
fn server_checks(
    bc: &BeChecks,
    b: usize,
    i: usize,
    s: &SrvModel,
    srv: &Server,
) -> Result<Option<SrvChecks>, String> {
    let c = &s.settings.check;
    if !c.enabled && !c.agent.enabled && c.track.is_none() && s.settings.slowstart == 0 {
        return Ok(None);
    }
    let inter = ms(c.inter);
    let timing = |inter: Duration| Timing {
        inter,
        connect: opt_ms(Some(bc.connect)),
        check: opt_ms(Some(bc.check)),
    };
    let svc = match &srv.addr.get() {
        ServerTarget::Ip { ip, port } => {
            let p = match port {
                crate::state::PortMap::Fixed(p) => *p,
                crate::state::PortMap::Offset(_) => 0,
            };
            Some(NetTarget::Inet(SocketAddr::new(*ip, p)))
        }
        ServerTarget::Other(t) => Some(t.clone()),
        ServerTarget::Transparent => None,
    };
    let svc_port = match &svc {
        Some(NetTarget::Inet(sa)) => sa.port(),
        _ => 0,
    };
    let dest = svc.as_ref().map(|t| match t {
        NetTarget::Inet(sa) => Dest::Inet(*sa),
        _ => Dest::Server,
    });
    let connector = || NetConnector {
        server: svc.clone(),
        source: srv.source.clone(),
    };
    let check_addr = c.addr.as_ref().and_then(|a| match a.host {
        rampart_model::addr::Host::Ip(ip) => Some((ip, a.single_port().unwrap_or(0))),
        _ => None,
    });
    let health = if c.enabled {
        let port = c
            .port
            .map(|p| p as u16)
            .filter(|&p| p != 0)
            .or(check_addr.map(|a| a.1).filter(|&p| p != 0))
            .unwrap_or(svc_port);
        let port_of_server = c.port.filter(|&p| p != 0).is_none()
            && check_addr.map(|a| a.1).filter(|&p| p != 0).is_none();
        // A check going where the traffic goes speaks as the traffic does (PROXY
        // header), but on servers the runtime API adds, which must ask for it
        // (`check-send-proxy`), as HAProxy's `init_srv_check`.
        let own = c.port.is_none() && check_addr.is_none() && !srv.dynamic;
        let proxy = if c.send_proxy || (own && (srv.send_proxy || srv.send_proxy_v2)) {
            Some(if srv.send_proxy_v2 {
                ProxyHeader::V2 {
                    crc32c: srv.proxy_v2.crc32c,
                    unique_id: srv.proxy_v2.unique_id,
                    ssl: srv.proxy_v2.ssl,
                }
            } else {
                ProxyHeader::V1
            })
        } else {
            None
        };
        let rs =
            rampart_check::compile(&bc.spec).map_err(|e| format!("{}: {e}", bc.designation))?;
        Some(CheckCfg {
            rs,
            target: Target {
                server: dest,
                addr: check_addr.map(|a| a.0),
                port,
                proxy,
                agent_send: None,
            },
            conn: connector(),
            inter,
            fastinter: opt_ms(c.fastinter),
            downinter: opt_ms(c.downinter),
            rise: c.rise as i32,
            fall: c.fall as i32,
            timing: timing(inter),
            port_of_server,
        })
    } else {
        None
    };
    let agent = if c.agent.enabled {
        let a = &c.agent;
        let port = a.port.or(c.port).unwrap_or(0) as u16;
        let inter = opt_ms(a.inter).unwrap_or(inter);
        Some(CheckCfg {
            rs: rampart_check::ruleset::agent(),
            target: Target {
                server: dest,
                addr: a.addr.or(check_addr.map(|x| x.0)),
                port,
                proxy: None,
                agent_send: a.send.as_ref().map(|s| s.as_bytes().to_vec()),
            },
            conn: connector(),
            inter,
            fastinter: None,
            downinter: None,
            rise: 1,
            fall: 1,
            timing: timing(inter),
            port_of_server: false,
        })
    } else {
        None
    };
    Ok(Some(SrvChecks {
        be: b,
        srv: i,
        health,
        agent,
        track: None,
        trackers: Vec::new(),
        slowstart: Duration::from_secs(u64::from(s.settings.slowstart)),
        log_health: bc.log_health,
        disable_on_404: bc.spec.disable_on_404,
        iweight: s.settings.weight,
        dyn_weight: bc.dyn_weight,
        cfg_ports: (
            c.port.unwrap_or(0) as u16,
            c.agent.port.or(c.port).unwrap_or(0) as u16,
        ),
    }))
}

/// The checks of server `s` that `add server` adds to backend `b` as `srv` (not in the
/// backend yet: its index is the backend's next one), with HAProxy's refusals
/// (`srv_apply_track`, `init_srv_check`). `None`: it needs no entry.
pub fn for_dynamic(
    rt: &Runtime,
    b: usize,
    s: &SrvModel,
    srv: &Server,
) -> Result<Option<SrvChecks>, String> {
    let c = &rt.checks;
    let (Some(be), Some(bc)) = (rt.backends.get(b), c.backends.get(b)) else {
        return Ok(None);
    };
    let track = match &s.settings.check.track {
        Some(t) => Some(dynamic_track(rt, b, t)?),
        None => None,
    };
    if let Some(msg) = rampart_model::check::check_port_error(&bc.spec, &bc.designation, s, true) {
        return Err(msg);
    }
    let i = be.servers.len();
    let Some(mut e) = server_checks(bc, b, i, s, srv)? else {
        return Ok(None);
    };
    e.track = track;
    Ok(Some(e))
}

/// HAProxy's `srv_apply_track` for a dynamic server of backend `b` following `t`
/// (`[backend/]server`): the check entry it follows.
fn dynamic_track(rt: &Runtime, b: usize, t: &str) -> Result<usize, String> {
    let (tb, name) = match t.rsplit_once('/') {
        Some((pn, sn)) => (
            rt.backends
                .iter()
                .position(|x| x.name == pn)
                .ok_or_else(|| format!("unable to find required proxy '{pn}' for tracking."))?,
            sn,
        ),
        None => (b, t),
    };
    let be = &rt.backends[tb];
    let Some(ti) = be.servers.iter().position(|x| x.exists() && x.name == name) else {
        return Err(format!(
            "unable to find required server '{name}' for tracking."
        ));
    };
    if be.servers[ti].dynamic {
        return Err(format!(
            "unable to use {}/{name} for tracking as it is a dynamic server.",
            be.name
        ));
    }
    let c = &rt.checks;
    let Some(k) = c.index(tb, ti).filter(|&k| {
        c.servers[k].health.is_some()
            || c.servers[k].agent.is_some()
            || c.servers[k].track.is_some()
    }) else {
        return Err(format!(
            "unable to use {}/{name} for tracking as it does not have any check nor agent enabled.",
            be.name
        ));
    };
    let d404 = |b: usize| c.backends.get(b).is_some_and(|x| x.spec.disable_on_404);
    if tb != b && d404(tb) != d404(b) {
        return Err(format!(
            "unable to use {}/{name} fortracking: disable-on-404 option inconsistency.",
            be.name
        ));
    }
    Ok(k)
}

/// HAProxy's `BE_LB_PROP_DYN`: the algorithm follows weight changes at run time.
fn dynamic_weights(p: &Proxy) -> bool {
    use rampart_model::proxy::balance::{Algo, HashType};
    match &p.balance.algo {
        Some(Algo::StaticRr) => false,
        Some(Algo::RoundRobin | Algo::LeastConn | Algo::First | Algo::Random { .. }) | None => true,
        Some(_) => p.balance.hash_type == HashType::Consistent,
    }
}
