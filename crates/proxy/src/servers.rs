//! The servers of a backend, which the runtime API may extend and shrink while the
//! workers use them (management guide 9.3 `add server`, `del server`; HAProxy's
//! dynamic servers).
//!
//! [`Servers`] keeps the configured servers in one slice and appends dynamic ones
//! behind it without moving anything ([`rampart_core::grow::Grow`]): a server's index
//! never changes, so everything sized per server elsewhere (balancing state, queues,
//! idle pools) is indexed the same way and grows on demand. A deleted server keeps its
//! slot, marked `deleted` (reports, lookups by name and the runtime API skip it; it is
//! in maintenance, so the balancing never chooses it).

use crate::server_state::admin;
use crate::state::{Runtime, Server};
use std::sync::atomic::Ordering;

/// A backend's servers: see the module documentation.
pub type Servers = rampart_core::grow::Grow<Server>;

/// Adds `srv` (from [`crate::build::dynamic_server`]) to backend `b`, whose algorithm
/// takes new servers (the caller checked), with its checks `chk` (from
/// [`crate::checks::for_dynamic`]): it gets the id it asked for or the smallest free
/// one, its index (the next one), and enters the balancing state out of rotation (it
/// starts in maintenance); its checks start on the worker threads, disabled. Returns
/// its index.
pub fn add(
    rt: &Runtime,
    ctl: &crate::worker::Control,
    b: usize,
    mut srv: Server,
    chk: Option<crate::checks::SrvChecks>,
) -> usize {
    let be = &rt.backends[b];
    if srv.puid <= 0 {
        srv.puid = next_free_id(be);
    }
    let cfg = rampart_balance::ServerCfg {
        backup: srv.backup,
        puid: u32::try_from(srv.puid).unwrap_or(u32::MAX),
        uweight: srv.live.uweight(),
        ok: false,
    };
    let i = be.servers.push_with(|i| {
        srv.observe.at = (b, i);
        srv
    });
    be.balance.add_server(i, cfg);
    rt.checks.server_added(b, i);
    if let Some(e) = chk {
        for (k, agent) in rt.checks.add_dynamic(rt, b, i, e) {
            ctl.sessions.start_check(k, agent);
        }
    }
    crate::upstream::servers_changed(be);
    i
}

/// The smallest id no server of `be` uses (HAProxy's `get_next_id`).
fn next_free_id(be: &crate::state::Backend) -> i64 {
    let mut used: Vec<i64> = be
        .servers
        .iter()
        .filter(|s| s.exists())
        .map(|s| s.puid)
        .collect();
    used.sort_unstable();
    let mut id = 1;
    for u in used {
        if u == id {
            id += 1;
        } else if u > id {
            break;
        }
    }
    id
}

/// Why `del server` refuses to remove a server, in HAProxy's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelError {
    /// Tracked by another server, or named by a `use-server` rule.
    Referenced,
    NotInMaintenance,
    Busy,
}

impl DelError {
    pub fn message(self) -> &'static str {
        match self {
            DelError::Referenced => "This server cannot be removed at runtime due to other configuration elements pointing to it.",
            DelError::NotInMaintenance => "Only servers in maintenance mode can be deleted.",
            DelError::Busy => "Server still has connections attached to it, cannot remove it.",
        }
    }
}

/// Removes server `i` of backend `b` (HAProxy's `cli_parse_delete_server`): it must be
/// in maintenance (so out of the balancing), with no stream, no waiter and no idle
/// connection, and nothing of the configuration may point to it (`track`,
/// `use-server`, or a sample fetch argument: `named`, which the caller knows). Its slot
/// stays, marked deleted; its checks end at their next run.
pub fn delete(rt: &Runtime, b: usize, i: usize, named: bool) -> Result<(), DelError> {
    let be = &rt.backends[b];
    let srv = &be.servers[i];
    let used_by_rule = be
        .persist
        .as_ref()
        .is_some_and(|p| p.use_server.iter().any(|u| u.server == i));
    if named || used_by_rule || rt.checks.is_tracked(b, i) {
        return Err(DelError::Referenced);
    }
    if srv.live.admin() & admin::MAINT == 0 {
        return Err(DelError::NotInMaintenance);
    }
    if srv.served.load(Ordering::SeqCst) > 0
        || srv.idle_conns.load(Ordering::SeqCst) > 0
        || srv.counters.qcur.load(Ordering::SeqCst) > 0
    {
        return Err(DelError::Busy);
    }
    srv.deleted.store(true, Ordering::Release);
    crate::upstream::servers_changed(be);
    Ok(())
}

/// The server of check entry `k` was deleted.
pub(crate) fn check_deleted(rt: &Runtime, k: usize) -> bool {
    rt.checks
        .servers
        .get(k)
        .and_then(|s| rt.backends.get(s.be)?.servers.get(s.srv))
        .is_some_and(|s| !s.exists())
}
