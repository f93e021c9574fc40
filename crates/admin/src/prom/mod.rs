//! The Prometheus exporter (`http-request use-service prometheus-exporter`, HAProxy's
//! `addons/promex`): the `show info` fields as `haproxy_process_*` and the `show stat`
//! rows as `haproxy_frontend_*`, `haproxy_listener_*` ([`listener`]),
//! `haproxy_backend_*` and `haproxy_server_*`, built by the same functions as the
//! CLI's ([`crate::info::fields`], [`crate::stat`]), written in the text exposition
//! format 0.0.4 in HAProxy's order: metric by metric, each object in configuration
//! order under it, `# HELP` and `# TYPE` before a family's first line. The query
//! selects scopes (`scope=global|frontend|listener|backend|server|...`, repeated;
//! `scope=` alone selects none) and `no-maint` hides servers in maintenance.
//! A field a row leaves empty is `NaN`, as in HAProxy; the families that are not one
//! field per object follow promex: `status` and the check statuses (`check_status`,
//! `agg_check_status`) one line per state, `check_code` and `check_status` only for a
//! running check, `check_duration_seconds` once a check ended (paused or not).
//!
//! The orchestrator (layer 5) serves the requests; [`install`] hands it this renderer
//! behind `rampart_proxy::service::Exporter` at start-up.

mod listener;
pub mod metrics;

use crate::field::{Field, Val};
use crate::info::{Process, FIELDS as INFO_FIELDS};
use crate::stat::{self, Filter, Obj, Row};
use metrics::{Metric, BE, FE, GLOBAL, SRV, STAT};
use rampart_proxy::server_state::{admin, Op};
use rampart_proxy::service::BadQuery;
use rampart_proxy::state::{Runtime, Server};
use rampart_proxy::Control;
use std::io::Write;
use std::sync::Arc;

/// Scopes and options of one scrape (HAProxy's `PROMEX_FL_SCOPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query {
    pub global: bool,
    pub frontend: bool,
    /// Listeners with counters (`option socket-stats`).
    pub listener: bool,
    pub backend: bool,
    pub server: bool,
    /// `no-maint`: servers in maintenance are left out.
    pub no_maint: bool,
}

const ALL: Query = Query {
    global: true,
    frontend: true,
    listener: true,
    backend: true,
    server: true,
    no_maint: false,
};

/// `%XX` decoding of a query word, `+` as a space (HAProxy's `url_decode(.., 1)`);
/// `None` on a truncated or invalid escape.
fn url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let hi = s.get(i + 1).copied().and_then(hex)?;
                let lo = s.get(i + 2).copied().and_then(hex)?;
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

/// Reads the query string of a request target as `promex_parse_uri` does.
pub fn parse_query(uri: &[u8]) -> Result<Query, BadQuery> {
    let Some(q) = uri.iter().position(|&c| c == b'?') else {
        return Ok(ALL);
    };
    let q = &uri[q + 1..];
    let q = match q.iter().position(|&c| c == b'#') {
        Some(h) => &q[..h],
        None => q,
    };
    let mut out = Query {
        global: false,
        frontend: false,
        listener: false,
        backend: false,
        server: false,
        no_maint: false,
    };
    let mut scoped = false;
    for part in q.split(|&c| c == b'&') {
        if part.is_empty() {
            continue;
        }
        let (key, value) = match part.iter().position(|&c| c == b'=') {
            Some(e) => (&part[..e], Some(&part[e + 1..])),
            None => (part, None),
        };
        let key = url_decode(key).ok_or(BadQuery)?;
        let value = match value {
            // A second `=` in a value is refused.
            Some(v) if v.contains(&b'=') => return Err(BadQuery),
            Some(v) => Some(url_decode(v).ok_or(BadQuery)?),
            None => None,
        };
        match key.as_slice() {
            b"scope" => {
                scoped = true;
                let v = value.ok_or(BadQuery)?;
                match v.as_slice() {
                    b"" => {
                        out.global = false;
                        out.frontend = false;
                        out.listener = false;
                        out.backend = false;
                        out.server = false;
                    }
                    [b'*', ..] => {
                        out.global = true;
                        out.frontend = true;
                        out.listener = true;
                        out.backend = true;
                        out.server = true;
                    }
                    b"global" => out.global = true,
                    b"frontend" => out.frontend = true,
                    b"listener" => out.listener = true,
                    b"backend" => out.backend = true,
                    b"server" => out.server = true,
                    // Rampart has no stick tables: the scope is valid and empty.
                    b"sticktable" => {}
                    _ => return Err(BadQuery),
                }
            }
            b"no-maint" => out.no_maint = true,
            _ => {}
        }
    }
    if !scoped {
        out = Query {
            no_maint: out.no_maint,
            ..ALL
        };
    }
    Ok(out)
}

/// `promex_srv_status`: DOWN, UP, MAINT, DRAIN, NOLB.
const SRV_STATES: [&str; 5] = ["DOWN", "UP", "MAINT", "DRAIN", "NOLB"];

fn srv_state(s: &Server) -> usize {
    let admf = s.live.admin();
    let mut st = match s.live.op() {
        Op::Running | Op::Starting if admf & admin::DRAIN != 0 => 3,
        Op::Running | Op::Starting => 1,
        Op::Stopping => 4,
        Op::Stopped => 0,
    };
    if admf & admin::MAINT != 0 {
        st = 2;
    }
    st
}

/// The `state` labels of `check_status` and `agg_check_status`: HAProxy's check
/// statuses whose result is at least "failed", in its order (`HCHK_STATUS_*`; the
/// external-check ones never occur in Rampart, which has no `external-check`).
const CHECK_STATES: [&str; 16] = [
    "HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP", "L7TOUT", "L7RSP",
    "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK",
];

/// A check status's place in [`CHECK_STATES`] (`None`: not labelled, as `INI`).
fn check_state(s: rampart_check::Status) -> Option<usize> {
    use rampart_check::Status::*;
    Some(match s {
        Unknown | Ini | Checked => return None,
        Hana => 0,
        SockErr => 1,
        L4Ok => 2,
        L4Tout => 3,
        L4Con => 4,
        L6Ok => 5,
        L6Tout => 6,
        L6Rsp => 7,
        L7Tout => 8,
        L7Rsp => 9,
        L7Ok => 10,
        L7OkC => 11,
        L7Sts => 12,
    })
}

/// Fields HAProxy prints as 0 in an idle process that are 0 for Rampart by
/// construction (no compression, no cache: nothing is ever counted there).
const ALWAYS_ZERO: &[&str] = &[
    "comp_in",
    "comp_out",
    "comp_byp",
    "comp_rsp",
    "cache_lookups",
    "cache_hits",
];

/// Writes `haproxy_<prefix><name>{labels} value`, with the family's header first when
/// `head` is set (then cleared).
fn line(
    out: &mut Vec<u8>,
    head: &mut bool,
    prefix: &str,
    m: &Metric,
    labels: &[(&str, &str)],
    val: Value,
) {
    if *head {
        let _ = write!(
            out,
            "# HELP haproxy_{prefix}{n} {h}\n# TYPE haproxy_{prefix}{n} {t}\n",
            n = m.name,
            h = m.help,
            t = if m.counter { "counter" } else { "gauge" }
        );
        *head = false;
    }
    let _ = write!(out, "haproxy_{prefix}{}", m.name);
    if !labels.is_empty() {
        out.push(b'{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "{k}=\"{v}\"");
        }
        out.push(b'}');
    }
    out.push(b' ');
    match val {
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Secs(ms) => {
            let _ = write!(out, "{:.6}", f64::from(ms) / 1000.0);
        }
        Value::NaN => out.extend_from_slice(b"NaN"),
    }
    out.push(b'\n');
}

#[derive(Clone, Copy)]
enum Value {
    Int(i64),
    /// Milliseconds printed as seconds (`%f`).
    Secs(u32),
    NaN,
}

fn of_field(f: &Field) -> Value {
    match f.val {
        Val::Int(n) => Value::Int(n),
        _ => Value::NaN,
    }
}

/// Renders the metrics the query selects.
pub fn render(q: &Query, p: &Process, rt: &Runtime, ctl: &Control, out: &mut Vec<u8>) {
    if q.global {
        global(p, rt, ctl, out);
    }
    if !(q.frontend || q.listener || q.backend || q.server) {
        return;
    }
    let rows = stat::rows(rt, ctl, &Filter::default());
    if q.frontend {
        objects(rt, &rows, Obj::Frontend, q, out);
    }
    if q.listener {
        listener::render(&rows, out);
    }
    if q.backend {
        objects(rt, &rows, Obj::Backend, q, out);
    }
    if q.server {
        objects(rt, &rows, Obj::Server, q, out);
    }
}

fn global(p: &Process, rt: &Runtime, ctl: &Control, out: &mut Vec<u8>) {
    let fields = crate::info::fields(p, rt, ctl);
    for (i, &(name, _, _)) in INFO_FIELDS.iter().enumerate() {
        let Some(m) = GLOBAL.iter().find(|m| m.field == name) else {
            continue;
        };
        let mut head = true;
        if name == "Build info" {
            line(
                out,
                &mut head,
                "process_",
                m,
                &[("version", &p.version)],
                Value::Int(1),
            );
            continue;
        }
        let v = fields.get(i).map_or(Value::NaN, of_field);
        line(out, &mut head, "process_", m, &[], v);
    }
}

fn objects(rt: &Runtime, rows: &[Row], obj: Obj, q: &Query, out: &mut Vec<u8>) {
    let (bit, prefix) = match obj {
        Obj::Frontend => (FE, "frontend_"),
        Obj::Backend => (BE, "backend_"),
        _ => (SRV, "server_"),
    };
    // What each row needs besides its fields, looked up once.
    struct Shown<'a> {
        r: &'a Row,
        name: &'a str,
        sv: &'a str,
        http: bool,
        be: Option<&'a rampart_proxy::state::Backend>,
        srv: Option<&'a Server>,
    }
    let shown: Vec<Shown<'_>> = rows
        .iter()
        .filter(|r| r.obj == obj)
        .filter_map(|r| {
            let name = match r.fields.first().map(|f| &f.val) {
                Some(Val::Str(s)) => s.as_ref(),
                _ => return None,
            };
            let sv = match r.fields.get(1).map(|f| &f.val) {
                Some(Val::Str(s)) => s.as_ref(),
                _ => "",
            };
            let http = r
                .fields
                .iter()
                .find(|f| f.name == "mode")
                .is_some_and(|f| matches!(&f.val, Val::Str(m) if m == "http"));
            let be = r.place.and_then(|(bi, _)| rt.backends.get(bi));
            let srv = r
                .place
                .and_then(|(bi, si)| rt.backends.get(bi)?.servers.get(si?));
            if obj == Obj::Server && q.no_maint && srv.is_some_and(|s| s.live.in_maint()) {
                return None;
            }
            Some(Shown {
                r,
                name,
                sv,
                http,
                be,
                srv,
            })
        })
        .collect();
    // `agg_check_status`: each backend's servers counted by their last check status.
    let mut by_status: Vec<[u32; CHECK_STATES.len()]> = Vec::new();
    if obj == Obj::Backend {
        by_status.resize(rt.backends.len(), [0; CHECK_STATES.len()]);
        for r in rows.iter().filter(|r| r.obj == Obj::Server) {
            if let (Some((bi, _)), Some(i)) = (r.place, check_state(r.check.status)) {
                if let Some(n) = by_status.get_mut(bi) {
                    n[i] += 1;
                }
            }
        }
    }
    let mut labels: Vec<(&str, &str)> = Vec::with_capacity(4);
    for (col, c) in crate::cols::COLS.iter().enumerate() {
        let Some(m) = STAT.iter().find(|m| m.field == c.name && m.on & bit != 0) else {
            continue;
        };
        let mut head = true;
        // One header for the six `http_responses_total` fields.
        let hrsp = c.name.starts_with("hrsp_");
        if hrsp && c.name != "hrsp_1xx" {
            head = false;
        }
        for sh in &shown {
            let (r, http, be, srv) = (sh.r, sh.http, sh.be, sh.srv);
            labels.clear();
            labels.push(("proxy", sh.name));
            if obj == Obj::Server {
                labels.push(("server", sh.sv));
            }
            let field = &r.fields[col];
            let http_only = matches!(
                c.name,
                "req_rate_max"
                    | "req_tot"
                    | "intercepted"
                    | "cache_lookups"
                    | "cache_hits"
                    | "comp_in"
                    | "comp_out"
                    | "comp_byp"
                    | "comp_rsp"
            ) || hrsp;
            if http_only && !http {
                continue;
            }
            match c.name {
                "status" => {
                    let (states, cur): (&[&str], usize) = match obj {
                        Obj::Frontend => {
                            let up = !matches!(&field.val, Val::Str(s) if s == "STOP");
                            (&SRV_STATES[..2], usize::from(up))
                        }
                        Obj::Backend => {
                            let up = be.is_some_and(|b| {
                                b.servers.is_empty()
                                    || r.fields.iter().any(|f| {
                                        f.name == "weight" && matches!(f.val, Val::Int(w) if w > 0)
                                    })
                            });
                            (&SRV_STATES[..2], usize::from(up))
                        }
                        _ => (&SRV_STATES[..], srv.map_or(0, srv_state)),
                    };
                    for (i, st) in states.iter().enumerate() {
                        labels.push(("state", st));
                        line(
                            out,
                            &mut head,
                            prefix,
                            m,
                            &labels,
                            Value::Int((i == cur) as i64),
                        );
                        labels.pop();
                    }
                    continue;
                }
                // A running health check (enabled, not paused by maintenance): one line
                // per status, 1 for its last one.
                "check_status" => {
                    if !r.has("check_status") {
                        continue;
                    }
                    let cur = check_state(r.check.status);
                    for (i, st) in CHECK_STATES.iter().enumerate() {
                        labels.push(("state", st));
                        let v = Value::Int(i64::from(cur == Some(i)));
                        line(out, &mut head, prefix, m, &labels, v);
                        labels.pop();
                    }
                    continue;
                }
                "agg_check_status" => {
                    if be.is_none_or(|b| b.servers.is_empty()) {
                        continue;
                    }
                    let Some(n) = r.place.and_then(|(bi, _)| by_status.get(bi)) else {
                        continue;
                    };
                    for (i, st) in CHECK_STATES.iter().enumerate() {
                        labels.push(("state", st));
                        line(
                            out,
                            &mut head,
                            prefix,
                            m,
                            &labels,
                            Value::Int(i64::from(n[i])),
                        );
                        labels.pop();
                    }
                    continue;
                }
                "agg_server_status" | "agg_server_check_status" => {
                    let Some(b) = be.filter(|b| !b.servers.is_empty()) else {
                        continue;
                    };
                    let mut n = [0i64; 5];
                    for s in b.servers.iter().filter(|s| s.exists()) {
                        n[srv_state(s)] += 1;
                    }
                    for (i, st) in SRV_STATES.iter().enumerate() {
                        labels.push(("state", st));
                        line(out, &mut head, prefix, m, &labels, Value::Int(n[i]));
                        labels.pop();
                    }
                    continue;
                }
                _ => {}
            }
            if hrsp {
                labels.push(("code", &c.name[5..]));
            }
            let v = match (c.name, obj) {
                // A running check's HTTP/SMTP/LDAP code, 0 for a status without one.
                ("check_code", _) => {
                    if !r.has("check_status") {
                        continue;
                    }
                    Value::Int(r.int("check_code"))
                }
                // The last check's duration, paused or not, once a check ended.
                ("check_duration", _) => {
                    if r.check.status < rampart_check::Status::Checked {
                        continue;
                    }
                    Value::Secs(r.check.duration.min(u64::from(u32::MAX)) as u32)
                }
                // Averages over HAProxy's 1024-sample window, in seconds.
                ("qtime" | "ctime" | "rtime" | "ttime", Obj::Backend | Obj::Server) => {
                    let i = ["qtime", "ctime", "rtime", "ttime"]
                        .iter()
                        .position(|n| *n == c.name)
                        .unwrap_or(0);
                    let t = match srv {
                        Some(s) => &s.counters.traffic,
                        None => match be {
                            Some(b) => &b.counters.traffic,
                            None => continue,
                        },
                    };
                    let sum = t.times[i].load(std::sync::atomic::Ordering::Relaxed);
                    Value::Secs(sum.div_ceil(rampart_proxy::stats::TIME_SAMPLES))
                }
                ("qtime_max" | "ctime_max" | "rtime_max" | "ttime_max", _) => match field.val {
                    Val::Int(n) => Value::Secs(n.clamp(0, i64::from(u32::MAX)) as u32),
                    _ => Value::NaN,
                },
                _ if field.val == Val::Empty && ALWAYS_ZERO.contains(&c.name) => Value::Int(0),
                _ => of_field(field),
            };
            line(out, &mut head, prefix, m, &labels, v);
        }
    }
}

/// The exporter the orchestrator calls.
struct Exporter {
    process: Arc<Process>,
    rt: Arc<Runtime>,
    ctl: Arc<Control>,
}

impl rampart_proxy::service::Exporter for Exporter {
    fn render(&self, uri: &[u8], out: &mut Vec<u8>) -> Result<(), BadQuery> {
        let q = parse_query(uri)?;
        render(&q, &self.process, &self.rt, &self.ctl, out);
        Ok(())
    }
}

/// Installs the exporter for the workers (at start-up, once the runtime exists).
pub fn install(process: Arc<Process>, rt: Arc<Runtime>, ctl: Arc<Control>) {
    rampart_proxy::service::install_prometheus(Box::new(Exporter { process, rt, ctl }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        assert_eq!(parse_query(b"/metrics"), Ok(ALL));
        let q = parse_query(b"/metrics?scope=server").unwrap();
        assert!(q.server && !q.global && !q.frontend && !q.backend);
        let q = parse_query(b"/metrics?scope=frontend&scope=backend").unwrap();
        assert!(q.frontend && q.backend && !q.server && !q.global && !q.listener);
        let q = parse_query(b"/metrics?scope=listener").unwrap();
        assert!(q.listener && !q.frontend && !q.backend && !q.server && !q.global);
        let q = parse_query(b"/metrics?scope=").unwrap();
        assert!(!q.frontend && !q.backend && !q.server && !q.global);
        let q = parse_query(b"/metrics?scope=global&scope=").unwrap();
        assert!(!q.global);
        let q = parse_query(b"/metrics?no-maint").unwrap();
        assert!(q.no_maint && q.server && q.global);
        let q = parse_query(b"/metrics?scope=%2a").unwrap();
        assert!(q.server && q.global);
        assert_eq!(parse_query(b"/metrics?scope"), Err(BadQuery));
        assert_eq!(parse_query(b"/metrics?scope=nope"), Err(BadQuery));
        assert_eq!(parse_query(b"/metrics?scope=a=b"), Err(BadQuery));
        assert_eq!(parse_query(b"/metrics?scope=%zz"), Err(BadQuery));
        let q = parse_query(b"/metrics?scope=server#frag&scope=global").unwrap();
        assert!(q.server && !q.global);
    }
}
