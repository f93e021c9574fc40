//! The server-state file (configuration manual 3.1 `server-state-file`,
//! `server-state-base`; 4.2 `load-server-state-from-file`, `server-state-file-name`;
//! management guide `show servers state`): at start-up, what the previous process saved
//! about its servers (maintenance, drain, operational state, weight, port) is applied to
//! the servers of the new configuration, as HAProxy's `apply_server_state` does.
//!
//! HAProxy does this in its initialisation, after the configuration checks and before
//! `-c` ends, so `rampart -c` reads the files too and prints the same warnings (bad
//! version, corrupted line, mismatching backend id or name, invalid values, unknown
//! server) and the same server state changes. The outcome of each server is kept in the
//! Snapshot ([`SavedState`]) for the runtime to start from.
//!
//! The file format is version 1: a first line `1`, then one line per server with at
//! least 20 blank-separated fields (`be_id be_name srv_id srv_name srv_addr
//! srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change
//! srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state
//! bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord`, then up to 5 optional
//! ones). The state changes follow HAProxy's server state machine
//! (`srv_update_status`) closely enough to print its messages. The saved address is
//! what `init-addr last` uses; FQDNs, SRV records, SSL and check/agent addresses from
//! the file are not applied.

use crate::proxy::persist::LoadState;
use crate::proxy::{Proxy, ProxyKind};
use crate::{LowerCx, Snapshot};
use machine::Sim;
use rampart_config::{Diagnostic, Phase};
use std::collections::HashMap;

mod machine;

/// HAProxy's administrative flags (`SRV_ADMF_*`, same bit values).
pub mod admf {
    /// Maintenance forced by the runtime API, the stats page or `disabled`.
    pub const FMAINT: u8 = 0x01;
    /// Maintenance inherited from a tracked server (`track`).
    pub const IMAINT: u8 = 0x02;
    /// Set with `FMAINT` when the maintenance comes from the configuration.
    pub const CMAINT: u8 = 0x04;
    /// Drain forced by the runtime API, the stats page or an agent.
    pub const FDRAIN: u8 = 0x08;
    /// Drain inherited from a tracked server.
    pub const IDRAIN: u8 = 0x10;
    /// Maintenance because the address could not be resolved (`init-addr none`).
    pub const RMAINT: u8 = 0x20;
    /// The address was set from the runtime API (not a maintenance).
    pub const HMAINT: u8 = 0x40;
    /// HAProxy's `SRV_ADMF_MAINT`: `CMAINT` only records where `FMAINT` came from.
    pub const MAINT: u8 = FMAINT | IMAINT | RMAINT;
    pub const DRAIN: u8 = FDRAIN | IDRAIN;
}

/// HAProxy's operational states (`SRV_ST_*`).
pub mod st {
    pub const STOPPED: u8 = 0;
    pub const STARTING: u8 = 1;
    pub const RUNNING: u8 = 2;
    pub const STOPPING: u8 = 3;
}

/// A server's state once the file was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedState {
    /// Operational state ([`st`]).
    pub op: u8,
    /// Administrative flags ([`admf`], `disabled` being `CMAINT | FMAINT`).
    pub admin: u8,
    /// The weight in force (the file's when the configured weight did not change).
    pub uweight: u32,
    /// The port from the file, which HAProxy applies to the server.
    pub port: u16,
    /// The address from the file (`srv_addr`), which `init-addr last` uses.
    pub addr: Option<std::net::IpAddr>,
    /// Seconds since the last state change: the file's, or 0 when applying it changed
    /// the state (HAProxy's `last_change`).
    pub since_change: i64,
}

/// Fields of a version 1 line.
const MIN_FIELDS: usize = 20;
const MAX_FIELDS: usize = 25;
/// HAProxy reads lines with `fgets` into 2000 bytes.
const LINE_MAX: usize = 2000;
/// HAProxy's `HCHK_STATUS_SIZE`.
const CHECK_STATUSES: i64 = 21;
/// HAProxy's `PR_O_FORCED_ID`, which it tests `bk_f_forced_id` (0 or 1) against.
const FORCED_ID: i64 = 0x80;

fn warn(cx: &mut LowerCx<'_>, msg: String) {
    cx.diags
        .push(Diagnostic::warning(None, msg).phase(Phase::Init));
}

/// Reads the server-state files and applies them to the servers of the backends that
/// ask for it. Runs only on a valid configuration, as HAProxy's initialisation.
pub fn load(s: &mut Snapshot, cx: &mut LowerCx<'_>) {
    if cx.diags.has_alerts() {
        return;
    }
    let base = s.global.server_state_base.clone();
    let global = s
        .global
        .server_state_file
        .clone()
        .and_then(|f| read_global(&f, base.as_deref(), cx));
    let ids = crate::ids::proxy_uuids(&s.proxies, &s.global);
    let mut global = global.map(|lines| keyed(lines, None));
    for (pi, p) in s.proxies.iter_mut().enumerate() {
        if p.kind == ProxyKind::Defaults || !p.is_be() || p.disabled || p.servers.is_empty() {
            continue;
        }
        match p.persist.load_state {
            LoadState::Unspec | LoadState::None => {}
            LoadState::Global => {
                if let Some(tree) = global.as_mut() {
                    update_proxy(p, tree, cx);
                }
            }
            LoadState::Local => {
                let uuid = ids.get(pi).copied().unwrap_or(0);
                local(p, uuid, base.as_deref(), cx);
            }
        }
    }
}

/// `server-state-base` joined to a relative file name (HAProxy's
/// `srv_state_get_filepath`).
fn file_path(name: &str, base: Option<&str>) -> String {
    match base {
        Some(b) if !name.starts_with('/') && !b.is_empty() => {
            let sep = if b.ends_with('/') { "" } else { "/" };
            format!("{b}{sep}{name}")
        }
        _ => name.to_string(),
    }
}

/// The text of an I/O error as `strerror` words it.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Why a file could not be used.
enum FileErr {
    Open(String),
    Version,
    /// The data line (counted from 1 after the version line) that is corrupted.
    Corrupted(usize),
}

/// The data lines of a version 1 file, each already split into fields. Comments and
/// blank lines are skipped.
fn read_file(cx: &LowerCx<'_>, path: &str) -> Result<Vec<Vec<String>>, FileErr> {
    let full = cx.opts.cwd.join(path);
    let bytes = std::fs::read(&full).map_err(|e| FileErr::Open(strerror(&e)))?;
    let mut lines = bytes.split_inclusive(|&b| b == b'\n');
    let first = lines.next().ok_or(FileErr::Version)?;
    if version(first) != Some(1) {
        return Err(FileErr::Version);
    }
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        // `fgets` cuts longer lines: the cut line has no end, which HAProxy reports.
        if line.len() >= LINE_MAX || line.last() != Some(&b'\n') {
            return Err(FileErr::Corrupted(n + 1));
        }
        let text = String::from_utf8_lossy(&line[..line.len() - 1]);
        let t = text.trim_start_matches([' ', '\t']);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let fields: Vec<String> = t
            .split([' ', '\t'])
            .filter(|f| !f.is_empty())
            .take(MAX_FIELDS)
            .map(str::to_string)
            .collect();
        if fields.len() < MIN_FIELDS {
            return Err(FileErr::Corrupted(n + 1));
        }
        out.push(fields);
    }
    Ok(out)
}

/// The version on the first line (`strtol` followed directly by the line end).
fn version(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    let body = text.strip_suffix('\n')?;
    let (v, used) = crate::cnum::strtol(body, crate::cnum::Base::Ten);
    (used > 0 && used == body.len()).then_some(v)
}

fn read_global(name: &str, base: Option<&str>, cx: &mut LowerCx<'_>) -> Option<Vec<Vec<String>>> {
    let path = file_path(name, base);
    match read_file(cx, &path) {
        Ok(lines) => Some(lines),
        Err(FileErr::Open(why)) => {
            warn(
                cx,
                format!("config: Can't open global server state file '{path}': {why}"),
            );
            None
        }
        Err(FileErr::Version) => {
            warn(
                cx,
                format!("config: Can't get version of the global server state file '{path}'."),
            );
            None
        }
        Err(FileErr::Corrupted(n)) => {
            warn(
                cx,
                format!("config: corrupted global server state file '{path}' at line {n}."),
            );
            None
        }
    }
}

/// Lines by "backend server" (the backend's own name for a local file); a duplicate
/// line is dropped, as HAProxy's tree insertion drops it.
fn keyed(lines: Vec<Vec<String>>, px: Option<&str>) -> Tree {
    let mut tree = HashMap::new();
    for (n, l) in lines.into_iter().enumerate() {
        let be = px.map_or_else(|| l[1].clone(), str::to_string);
        tree.entry((be, l[3].clone())).or_insert((n, l));
    }
    tree
}

/// Lines by (backend, server), with their rank in the file.
type Tree = HashMap<(String, String), (usize, Vec<String>)>;

/// `load-server-state-from-file local`: the backend's own file.
fn local(p: &mut Proxy, uuid: i64, base: Option<&str>, cx: &mut LowerCx<'_>) {
    let name = p
        .persist
        .state_file_name
        .clone()
        .unwrap_or_else(|| p.name.clone());
    let path = file_path(&name, base);
    let lines = match read_file(cx, &path) {
        Ok(l) => l,
        Err(FileErr::Open(why)) => {
            let msg = format!(
                "Proxy '{}': Can't open server state file '{path}': {why}.",
                p.name
            );
            warn(cx, msg);
            return;
        }
        Err(FileErr::Version) => {
            let msg = format!(
                "Proxy '{}': Can't get version of the server state file '{path}'.",
                p.name
            );
            warn(cx, msg);
            return;
        }
        Err(FileErr::Corrupted(n)) => {
            // HAProxy checks the lines before the corrupted one on the way.
            if let Ok(partial) = read_until(cx, &path, n) {
                let _ = own_lines(p, uuid, partial, cx);
            }
            let msg = format!(
                "Proxy '{}': corrupted server state file '{path}' at line {n}.",
                p.name
            );
            warn(cx, msg);
            return;
        }
    };
    let mut tree = own_lines(p, uuid, lines, cx);
    update_proxy(p, &mut tree, cx);
    let mut left: Vec<_> = tree.into_values().collect();
    // HAProxy lists them in the order of its hash tree; the file order is used here.
    left.sort_by_key(|(n, _)| *n);
    for (_, l) in left {
        let msg = format!(
            "Proxy '{}': can't find server '{}' in backend '{}'",
            p.name, l[3], p.name
        );
        warn(cx, msg);
    }
}

/// The valid lines before data line `n` of a file known to be corrupted there.
fn read_until(cx: &LowerCx<'_>, path: &str, n: usize) -> Result<Vec<Vec<String>>, FileErr> {
    let full = cx.opts.cwd.join(path);
    let bytes = std::fs::read(&full).map_err(|e| FileErr::Open(strerror(&e)))?;
    let mut out = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n').skip(1).take(n - 1) {
        let text = String::from_utf8_lossy(line);
        let t = text.trim_end_matches('\n').trim_start_matches([' ', '\t']);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        out.push(
            t.split([' ', '\t'])
                .filter(|f| !f.is_empty())
                .take(MAX_FIELDS)
                .map(str::to_string)
                .collect(),
        );
    }
    Ok(out)
}

/// The lines of a local file that are about this backend (by id or name), with
/// HAProxy's warnings for the half matches.
fn own_lines(p: &Proxy, uuid: i64, lines: Vec<Vec<String>>, cx: &mut LowerCx<'_>) -> Tree {
    let mut kept = Vec::new();
    for l in lines {
        let id_ok = crate::cnum::atol(&l[0]) as i32 as i64 == uuid;
        let name_ok = l[1] == p.name;
        let forced = crate::cnum::atol(&l[15]) & FORCED_ID != 0;
        if !id_ok && !name_ok {
            continue;
        }
        if !id_ok {
            let msg = format!(
                "Proxy '{}': backend ID mismatch: from server state file: '{}', from running config '{uuid}'",
                p.name, l[0]
            );
            warn(cx, msg);
        } else if !name_ok {
            let msg = format!(
                "Proxy '{}': backend name mismatch: from server state file: '{}', from running config '{}'",
                p.name, l[1], p.name
            );
            warn(cx, msg);
            if !forced {
                continue;
            }
        }
        kept.push(l);
    }
    keyed(kept, Some(&p.name))
}

/// Applies the lines of `tree` to the servers of `p`, in server order; used lines are
/// taken out of the tree.
fn update_proxy(p: &mut Proxy, tree: &mut Tree, cx: &mut LowerCx<'_>) {
    let mut sim = Sim::new(p);
    for i in 0..p.servers.len() {
        let key = (p.name.clone(), p.servers[i].name.clone());
        let Some((_, line)) = tree.remove(&key) else {
            continue;
        };
        if let Some(saved) = apply_line(&mut sim, i, &line[4..], cx) {
            p.servers[i].saved = Some(saved);
        }
    }
}

/// C's `strtol` over a field: the value and whether any digit was read (`errno` set on
/// overflow counts as invalid).
fn num(field: &str) -> Option<i64> {
    let (v, used) = crate::cnum::strtol(field, crate::cnum::Base::Ten);
    if used == 0 || v == i64::MAX || v == i64::MIN {
        return None;
    }
    Some(v)
}

/// One line (fields from `srv_addr` on) for server `i`: validation with HAProxy's
/// messages, then the state changes. `None` when nothing was applied.
fn apply_line(sim: &mut Sim, i: usize, f: &[String], cx: &mut LowerCx<'_>) -> Option<SavedState> {
    let mut err = String::new();
    let mut bad = |what: &str, v: &str| err.push_str(&format!(", invalid {what} value '{v}'"));
    let op = num(&f[1]).map(|v| v as i32);
    if !matches!(op, Some(0..=3)) {
        bad("srv_op_state", &f[1]);
    }
    let admin_raw = num(&f[2]).map(|v| v as i32);
    let admin = admin_raw
        .map(|a| a & !i32::from(admf::IDRAIN | admf::IMAINT | admf::HMAINT | admf::RMAINT));
    let c = i32::from(admf::CMAINT);
    let fm = i32::from(admf::FMAINT);
    let fd = i32::from(admf::FDRAIN);
    if !matches!(admin, Some(a) if [0, fm, c, c | fm, c | fd, fd].contains(&a)) {
        bad("srv_admin_state", &f[2]);
    }
    let uweight = num(&f[3]).map(|v| v as u32);
    if !matches!(uweight, Some(0..=256)) {
        bad("srv_uweight", &f[3]);
    }
    let iweight = num(&f[4]).map(|v| v as u32);
    if !matches!(iweight, Some(0..=256)) {
        bad("srv_iweight", &f[4]);
    }
    let last_change = num(&f[5]);
    if last_change.is_none() {
        bad("srv_last_time_change", &f[5]);
    }
    if num(&f[6]).is_none_or(|v| i64::from(v as i16) >= CHECK_STATUSES) {
        bad("srv_check_status", &f[6]);
    }
    if !matches!(num(&f[7]).map(|v| v as i32), Some(0..=4)) {
        bad("srv_check_result", &f[7]);
    }
    let health = num(&f[8]).map(|v| v as i32);
    if health.is_none() {
        bad("srv_check_health", &f[8]);
    }
    for (k, what) in [(9, "srv_check_state"), (10, "srv_agent_state")] {
        if num(&f[k]).is_none_or(|v| (v as i32) & !0x1F != 0) {
            bad(what, &f[k]);
        }
    }
    for (k, what) in [(11, "bk_f_forced_id"), (12, "srv_f_forced_id")] {
        if !matches!(num(&f[k]), Some(0 | 1)) {
            bad(what, &f[k]);
        }
    }
    let fqdn = &f[13];
    if !fqdn.starts_with('-')
        && (fqdn.len() > 255
            || fqdn.is_empty()
            || fqdn
                .chars()
                .any(|ch| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))))
    {
        bad("srv_fqdn", fqdn);
    }
    // `strl2uic`: the leading digits.
    let port: u64 = f[14]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |acc, d| {
            acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
    if port > 65535 {
        bad("srv_port", &f[14]);
    }
    let name = format!("{}/{}", sim.px, sim.srv[i].name);
    let (Some(op), Some(admin), Some(uweight), Some(iweight), Some(last), Some(health)) =
        (op, admin, uweight, iweight, last_change, health)
    else {
        warn(
            cx,
            format!("server-state application failed for server '{name}'{err}"),
        );
        return None;
    };
    if !err.is_empty() {
        warn(
            cx,
            format!("server-state application failed for server '{name}'{err}"),
        );
        return None;
    }
    sim.apply(i, op as u8, admin as u8, uweight, iweight, last, health, cx);
    Some(SavedState {
        op: sim.srv[i].cur_state,
        admin: sim.srv[i].cur_admin,
        uweight: sim.srv[i].uweight,
        port: port as u16,
        addr: f[0].parse().ok(),
        since_change: sim.srv[i].since_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_versions() {
        assert_eq!(
            file_path("s", Some("/var/lib/haproxy")),
            "/var/lib/haproxy/s"
        );
        assert_eq!(file_path("s", Some("/var/lib/")), "/var/lib/s");
        assert_eq!(file_path("/abs", Some("/var")), "/abs");
        assert_eq!(file_path("s", None), "s");
        assert_eq!(version(b"1\n"), Some(1));
        assert_eq!(version(b" 1\n"), Some(1));
        assert_eq!(version(b"1 \n"), None);
        assert_eq!(version(b"1"), None);
        assert_eq!(version(b"\n"), None);
    }
}
