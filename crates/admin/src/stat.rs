//! `show stat` (management guide 9.1 and 9.3): one typed row per frontend, listener
//! (`option socket-stats`), backend and server, from the runtime's counters
//! (`rampart_proxy::state`), the servers' and backends' clocks of state changes
//! (`rampart_proxy::server_state`), the threads' published connection figures
//! (`rampart_proxy::pool::Shared`), and the CSV, typed and JSON writers. A field HAProxy
//! fills for an object type but Rampart does not count yet stays empty.

use crate::cols::{COLS, MODULES_AT};
use crate::field::{csv_cell, json_item_tail, json_str, typed_tail, Field, Val};
use rampart_proxy::checks::CheckView;
use rampart_proxy::pool::Shared;
use rampart_proxy::server_state::{admin, now_secs, Op};
use rampart_proxy::state::{Backend, Frontend, ListenerRt, ProxyCounters, Runtime, Server};
use rampart_proxy::stats::Traffic;
use rampart_proxy::Control;
use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// HAProxy's object types (`STATS_TYPE_*`): the type mask of the filter has bit
/// `1 << type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obj {
    Frontend = 0,
    Backend = 1,
    Server = 2,
    Listener = 3,
}

impl Obj {
    fn tag_index(self) -> usize {
        match self {
            Obj::Frontend => 0,
            Obj::Listener => 1,
            Obj::Backend => 2,
            Obj::Server => 3,
        }
    }

    fn letter(self) -> char {
        match self {
            Obj::Frontend => 'F',
            Obj::Listener => 'L',
            Obj::Backend => 'B',
            Obj::Server => 'S',
        }
    }

    fn json_name(self) -> &'static str {
        match self {
            Obj::Frontend => "Frontend",
            Obj::Listener => "Listener",
            Obj::Backend => "Backend",
            Obj::Server => "Server",
        }
    }
}

/// One object's fields, indexed like [`COLS`].
pub struct Row {
    pub obj: Obj,
    pub proxy_id: i64,
    /// Server id (`sid`), listener id, 0 for frontends and backends.
    pub id: i64,
    pub fields: Vec<Field>,
    /// The backend and server the row shows (indexes in the runtime), when it shows one.
    pub place: Option<(usize, Option<usize>)>,
    /// A server's last health check status and duration, kept while the check is
    /// paused or disabled (the fields show them only for a running check; Prometheus
    /// reads them as HAProxy's `check.status` and `check.duration`).
    pub check: LastCheck,
}

/// A server's last health check (`Ini` and 0 before any, or without health check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastCheck {
    pub status: rampart_check::Status,
    /// Milliseconds.
    pub duration: u64,
}

impl Default for LastCheck {
    fn default() -> Self {
        LastCheck {
            status: rampart_check::Status::Ini,
            duration: 0,
        }
    }
}

/// A column's position by name (rows are filled by name, a hundred fields each: a
/// short FNV-1a hash, the names being a few bytes of ASCII).
fn col_index(name: &str) -> Option<usize> {
    type Fnv = std::hash::BuildHasherDefault<Fnv1a>;
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, usize, Fnv>> =
        std::sync::LazyLock::new(|| COLS.iter().enumerate().map(|(i, c)| (c.name, i)).collect());
    INDEX.get(name).copied()
}

/// FNV-1a (for [`col_index`]).
#[derive(Default)]
struct Fnv1a(u64);

impl std::hash::Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

impl Row {
    fn new(obj: Obj, proxy_id: i64, id: i64) -> Row {
        // Each object type's empty fields, built once.
        static EMPTY: std::sync::LazyLock<[Vec<Field>; 4]> = std::sync::LazyLock::new(|| {
            [Obj::Frontend, Obj::Listener, Obj::Backend, Obj::Server].map(|obj| {
                COLS.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let (tags, ty) = c.tags[obj.tag_index()]
                            .unwrap_or((crate::field::t(b"MCP"), crate::field::Ty::U64));
                        Field {
                            pos: i,
                            name: c.name,
                            tags,
                            ty,
                            val: Val::Empty,
                        }
                    })
                    .collect()
            })
        });
        let fields = EMPTY[obj.tag_index()].clone();
        Row {
            obj,
            proxy_id,
            id,
            fields,
            place: None,
            check: LastCheck::default(),
        }
    }

    /// Sets a field when HAProxy fills it for this object type.
    fn set(&mut self, name: &str, val: Val) {
        let t = self.obj.tag_index();
        if let Some(i) = col_index(name) {
            if COLS[i].tags[t].is_some() {
                self.fields[i].val = val;
            }
        }
    }

    fn n(&mut self, name: &str, v: u64) {
        self.set(name, Val::Int(v.min(i64::MAX as u64) as i64));
    }

    fn s(&mut self, name: &str, v: &str) {
        self.set(name, Val::Str(v.to_string().into()));
    }

    /// A constant text (no allocation).
    fn st(&mut self, name: &str, v: &'static str) {
        self.set(name, Val::Str(v.into()));
    }
}

impl Row {
    /// A field's value by column name (`Empty` for an unknown name).
    pub fn get(&self, name: &str) -> &Val {
        col_index(name)
            .and_then(|i| self.fields.get(i))
            .map_or(&Val::Empty, |f| &f.val)
    }

    /// A field as text (empty when empty).
    pub fn text(&self, name: &str) -> &str {
        match self.get(name) {
            Val::Str(s) => s,
            _ => "",
        }
    }

    /// A numeric field (0 when empty).
    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            Val::Int(n) => *n,
            _ => 0,
        }
    }

    /// The field is set.
    pub fn has(&self, name: &str) -> bool {
        *self.get(name) != Val::Empty
    }

    /// The proxy's name.
    pub fn pxname(&self) -> String {
        self.text("pxname").to_string()
    }
}

fn ld(a: &AtomicU64) -> u64 {
    a.load(Relaxed)
}

fn ld32(a: &AtomicU32) -> u64 {
    u64::from(a.load(Relaxed))
}

/// The filter of `show stat [<iid> <type> <sid>] [up] [no-maint]`.
#[derive(Clone, Copy, Debug)]
pub struct Filter {
    /// Proxy id, -1 for all.
    pub iid: i64,
    /// Type mask, -1 for all.
    pub types: i64,
    /// Server id, -1 for all.
    pub sid: i64,
    pub hide_down: bool,
    pub hide_maint: bool,
    /// Addresses are shown (operator level and above: HAProxy's `STAT_SHLGNDS`).
    pub legends: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            iid: -1,
            types: -1,
            sid: -1,
            hide_down: false,
            hide_maint: false,
            legends: false,
        }
    }
}

impl Filter {
    fn wants_type(&self, o: Obj) -> bool {
        self.types & (1 << (o as i64)) != 0
    }
}

fn mode_name(m: rampart_model::proxy::Mode) -> &'static str {
    match m {
        rampart_model::proxy::Mode::Http => "http",
        _ => "tcp",
    }
}

fn common_proxy(r: &mut Row, name: &str, svname: &str, c: &ProxyCounters) {
    r.s("pxname", name);
    r.s("svname", svname);
    r.n("stot", ld(&c.stot));
    r.n("bin", ld(&c.bytes_in));
    r.n("bout", ld(&c.bytes_out));
    r.n("dreq", ld(&c.denied_req));
    r.n("dresp", ld(&c.denied_resp));
    r.n("pid", 1);
    r.n("sid", 0);
    r.n("wrew", ld(&c.failed_rewrites));
    r.n("h1_spliced_bytes_in", ld(&c.h1_spliced_in));
    r.n("h1_spliced_bytes_out", ld(&c.h1_spliced_out));
}

/// The traffic fields (`crate::stats::Traffic`) HAProxy reports for the row's
/// type (the column tags keep the others empty); `http`: the proxy's mode is HTTP.
fn traffic(r: &mut Row, t: &Traffic, http: bool) {
    let fe = r.obj == Obj::Frontend;
    if http || fe {
        r.n("req_tot", ld(&t.req_tot));
    }
    if http {
        for (i, name) in [
            "hrsp_other",
            "hrsp_1xx",
            "hrsp_2xx",
            "hrsp_3xx",
            "hrsp_4xx",
            "hrsp_5xx",
        ]
        .into_iter()
        .enumerate()
        {
            r.n(name, ld(&t.hrsp[i]));
        }
        r.n("intercepted", ld(&t.intercepted));
    }
    r.n("cli_abrt", ld(&t.cli_abrt));
    r.n("srv_abrt", ld(&t.srv_abrt));
    r.n("eint", ld(&t.eint));
    r.n("smax", ld(&t.smax));
    r.n("rate_max", ld32(&t.sps_max));
    if fe {
        r.n("req_rate", u64::from(t.req_rate.read()));
        r.n("req_rate_max", ld32(&t.rps_max));
        r.n("conn_rate", u64::from(t.conn_rate.read()));
        r.n("conn_rate_max", ld32(&t.cps_max));
        r.n("conn_tot", ld(&t.conn_tot));
        return;
    }
    r.n("rate", u64::from(t.sess_rate.read()));
    r.n("lbtot", ld(&t.lbtot));
    r.n("connect", ld(&t.connect));
    r.n("reuse", ld(&t.reuse));
    r.set("lastsess", Val::Int(t.lastsess()));
    let samples = if http { ld(&t.req_tot) } else { ld(&t.lbtot) };
    let avg = t.averages(samples);
    for (i, (a, m)) in [
        ("qtime", "qtime_max"),
        ("ctime", "ctime_max"),
        ("rtime", "rtime_max"),
        ("ttime", "ttime_max"),
    ]
    .into_iter()
    .enumerate()
    {
        r.n(a, u64::from(avg[i]));
        r.n(m, ld32(&t.times_max[i]));
    }
}

/// A frontend's row.
pub fn frontend(rt: &Runtime, fe: &Frontend, stopping: bool) -> Row {
    let c = &fe.counters;
    let mut r = Row::new(Obj::Frontend, fe.uuid, 0);
    common_proxy(&mut r, &fe.name, "FRONTEND", c);
    r.n("scur", ld(&c.scur));
    let slim = if fe.maxconn == 0 {
        rt.maxconn
    } else {
        fe.maxconn
    };
    r.n("slim", u64::from(slim));
    r.n("ereq", ld(&c.ereq));
    r.st("status", if stopping { "STOP" } else { "OPEN" });
    r.n("iid", fe.uuid.max(0) as u64);
    r.n("type", 0);
    r.n("rate", u64::from(fe.sess_rate.read()));
    r.n("rate_lim", u64::from(fe.rate_limit_sessions));
    r.st("mode", mode_name(fe.mode));
    r.n("dcon", ld(&c.denied_conn));
    r.n("dses", ld(&c.denied_sess));
    traffic(
        &mut r,
        &c.traffic,
        fe.mode == rampart_model::proxy::Mode::Http,
    );
    r
}

/// A listener's row (`option socket-stats`; HAProxy's `stats_fill_li_stats`), `None`
/// when it keeps no counters.
pub fn listener(fe: &Frontend, l: &ListenerRt, f: &Filter) -> Option<Row> {
    let c = l.counters.as_deref()?;
    let mut r = Row::new(Obj::Listener, fe.uuid, l.id);
    r.s("pxname", &fe.name);
    r.s("svname", l.name.as_deref().unwrap_or(""));
    r.st("mode", mode_name(fe.mode));
    let cur = ld(&c.cur);
    r.n("scur", cur);
    r.n("smax", ld(&c.cur_max));
    r.n("slim", u64::from(l.maxconn));
    r.n("stot", ld(&c.conns));
    r.n("bin", ld(&c.bytes_in));
    r.n("bout", ld(&c.bytes_out));
    r.n("dreq", ld(&c.denied_req));
    r.n("dresp", ld(&c.denied_resp));
    r.n("ereq", ld(&c.ereq));
    r.n("dcon", ld(&c.denied_conn));
    r.n("dses", ld(&c.denied_sess));
    r.st("status", listener_status(fe, l, cur));
    r.n("pid", 1);
    r.n("iid", fe.uuid.max(0) as u64);
    r.n("sid", l.id.max(0) as u64);
    r.n("type", Obj::Listener as u64);
    r.n("wrew", ld(&c.failed_rewrites));
    r.n("eint", ld(&c.eint));
    if f.legends {
        let addr = match l.addr {
            Some(std::net::SocketAddr::V4(a)) => format!("{}:{}", a.ip(), a.port()),
            Some(std::net::SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
            None => "unix".to_string(),
        };
        r.set("addr", Val::Str(addr.into()));
    }
    Some(r)
}

/// HAProxy's listener status (`get_li_status`): FULL when the bind's `maxconn` is
/// reached, WAITING while the frontend's is (HAProxy then limits its listeners),
/// OPEN otherwise.
fn listener_status(fe: &Frontend, l: &ListenerRt, cur: u64) -> &'static str {
    if l.maxconn > 0 && cur >= u64::from(l.maxconn) {
        "FULL"
    } else if fe.maxconn > 0 && ld(&fe.counters.scur) >= u64::from(fe.maxconn) {
        "WAITING"
    } else {
        "OPEN"
    }
}

fn srv_has_check(rt: &Runtime, be: usize, srv: usize) -> bool {
    rt.checks.has_health_check(be, srv)
}

/// A server's status text (HAProxy's `srv_hlt_st` and the admin states).
/// HAProxy's server status text (`stats_fill_sv_stats_computestate` and `srv_hlt_st`):
/// maintenance first, then the operational state with the health counters of a check
/// on its way up or down (`UP 2/3`, `DOWN 1/2`).
fn srv_status(s: &Server, v: Option<&CheckView>) -> std::borrow::Cow<'static, str> {
    let admf = s.live.admin();
    if admf & admin::RMAINT != 0 {
        return "MAINT (resolution)".into();
    }
    if admf & admin::IMAINT != 0 {
        if let Some(via) = v.and_then(|v| v.tracked.as_deref()) {
            return format!("MAINT (via {via})").into();
        }
    }
    if admf & admin::MAINT != 0 {
        return "MAINT".into();
    }
    let health = v.and_then(|v| v.status_ref);
    let agent = v.and_then(|v| v.agent);
    let counts = |up: bool| -> (i32, i32) {
        let (rise, fall, h) = health.unwrap_or((1, 1, 0));
        if up {
            (h - rise + 1, fall)
        } else {
            (h, rise)
        }
    };
    match s.live.op() {
        Op::Stopped => {
            if agent.is_some_and(|(_, _, h)| h == 0) {
                "DOWN (agent)".into()
            } else if health.is_some_and(|(_, _, h)| h == 0) {
                "DOWN".into()
            } else if health.is_some() || agent.is_some() {
                let (a, b) = counts(false);
                format!("DOWN {a}/{b}").into()
            } else {
                "DOWN".into()
            }
        }
        Op::Stopping => {
            let full = health.is_none_or(|(r, f, h)| h == r + f - 1);
            if full {
                "NOLB".into()
            } else {
                let (a, b) = counts(true);
                format!("NOLB {a}/{b}").into()
            }
        }
        _ => {
            let going_down = health.is_some_and(|(r, f, h)| h < r + f - 1);
            if admf & admin::DRAIN != 0 {
                if agent.is_some() {
                    "DRAIN (agent)".into()
                } else if going_down {
                    let (a, b) = counts(true);
                    format!("DRAIN {a}/{b}").into()
                } else {
                    "DRAIN".into()
                }
            } else if going_down {
                let (a, b) = counts(true);
                format!("UP {a}/{b}").into()
            } else if health.is_none() {
                "no check".into()
            } else {
                "UP".into()
            }
        }
    }
}

/// The check fields of a server's row (`check_*`, `agent_*`, `chkfail`...), filled as
/// HAProxy fills them for an enabled check.
/// The check and agent figures of a server, as HAProxy shows them: those of an enabled
/// health check that maintenance did not pause, of an enabled agent; a run under way
/// marks its status with `* ` and has no outcome yet (no code, no text).
fn check_fields(r: &mut Row, v: &CheckView) {
    let star = |running: bool, s: &'static str| -> std::borrow::Cow<'static, str> {
        if running {
            format!("* {s}").into()
        } else {
            s.into()
        }
    };
    if let Some((rise, fall, h)) = v.health.filter(|_| !v.paused) {
        if let Some(rep) = &v.report {
            r.s("check_status", &star(v.running, rep.status.info()));
            if rep.status.has_code() {
                r.n(
                    "check_code",
                    if v.running { 0 } else { rep.code.max(0) as u64 },
                );
            }
            if rep.status >= rampart_check::Status::Checked {
                r.n("check_duration", rep.duration);
            }
            r.st("check_desc", rep.status.desc());
            r.s("last_chk", if v.running { "" } else { &rep.info });
        } else {
            r.st("check_status", rampart_check::Status::Ini.info());
            r.st("check_desc", rampart_check::Status::Ini.desc());
            r.st("last_chk", "");
        }
        r.n("check_rise", rise.max(0) as u64);
        r.n("check_fall", fall.max(0) as u64);
        r.n("check_health", h.max(0) as u64);
    }
    if let Some((rise, fall, h)) = v.agent {
        if let Some(rep) = &v.agent_report {
            r.s("agent_status", &star(v.agent_running, rep.status.info()));
            if rep.status.has_code() {
                r.n(
                    "agent_code",
                    if v.agent_running {
                        0
                    } else {
                        rep.code.max(0) as u64
                    },
                );
            }
            r.n("agent_duration", rep.duration);
            r.st("agent_desc", rep.status.desc());
            r.s("last_agt", if v.agent_running { "" } else { &rep.info });
        } else {
            r.st("agent_status", rampart_check::Status::Ini.info());
            r.n("agent_duration", 0);
            r.st("agent_desc", rampart_check::Status::Ini.desc());
            r.st("last_agt", "");
        }
        r.n("agent_rise", rise.max(0) as u64);
        r.n("agent_fall", fall.max(0) as u64);
        r.n("agent_health", h.max(0) as u64);
    }
    if let Some(t) = &v.tracked {
        r.s("tracked", t);
    }
}

/// HAProxy's `server_throttle_rate` for server `si` in its `slowstart` ramp (the
/// percentage of its weight the balancing gives it now); `None` outside a ramp or
/// when draining, as HAProxy leaves the field empty.
fn throttle(be: &Backend, si: usize, s: &Server) -> Option<u64> {
    let draining = s.live.uweight() == 0 || s.live.admin() & admin::DRAIN != 0;
    if s.live.op() != Op::Starting || draining {
        return None;
    }
    Some(u64::from(be.balance.throttle(si, s.live.uweight())))
}

/// A server's row; `idle`: the threads' connection figures, `now`: [`now_secs`].
#[allow(clippy::too_many_arguments)]
pub fn server(
    rt: &Runtime,
    idle: &Shared,
    now: u32,
    bi: usize,
    be: &Backend,
    si: usize,
    s: &Server,
    f: &Filter,
) -> Row {
    let c = &s.counters;
    let mut r = Row::new(Obj::Server, be.uuid, s.puid);
    r.s("pxname", &be.name);
    r.s("svname", &s.name);
    r.n("qcur", ld(&c.qcur));
    r.n("qmax", ld(&c.qmax));
    r.n("scur", ld32(&s.served));
    r.n("stot", ld(&c.stot));
    r.n("econ", ld(&c.econ));
    r.n("wretr", ld(&c.retries));
    r.n("wredis", ld(&c.redispatches));
    let view = rt.checks.stats_view(rt, bi, si);
    r.set("status", Val::Str(srv_status(s, view.as_ref())));
    r.n("lastchg", u64::from(s.live.since_change(now)));
    // Checks are paused while the server is in maintenance: their fields stay empty,
    // but for the counters of an enabled check.
    if let Some(v) = &view {
        if v.health.is_some() {
            r.n("chkfail", v.chkfail);
            r.n("chkdown", s.live.down_trans());
            r.n("downtime", u64::from(s.live.downtime(now)));
        }
        check_fields(&mut r, v);
        if let Some(rep) = &v.report {
            r.check = LastCheck {
                status: rep.status,
                duration: rep.duration,
            };
        }
    }
    if let Some(t) = throttle(be, si, s) {
        r.n("throttle", t);
    }
    r.n("weight", u64::from(be.balance.shown_weight(si)));
    r.n("uweight", u64::from(s.live.uweight()));
    r.n("act", u64::from(!s.backup));
    r.n("bck", u64::from(s.backup));
    r.n("pid", 1);
    r.n("iid", be.uuid.max(0) as u64);
    r.n("sid", s.puid.max(0) as u64);
    r.n("type", 2);
    if srv_has_check(rt, bi, si) {
        r.n("hanafail", ld(&c.failed_hana));
    }
    if s.limits.maxconn() > 0 {
        r.n("slim", u64::from(s.limits.maxconn()));
    }
    if s.maxqueue > 0 {
        r.n("qlimit", u64::from(s.maxqueue));
    }
    r.st("mode", mode_name(be.mode));
    r.n("bin", ld(&c.bytes_in));
    r.n("bout", ld(&c.bytes_out));
    r.n("eresp", ld(&c.eresp));
    r.n("dresp", ld(&c.denied_resp));
    r.n("wrew", ld(&c.failed_rewrites));
    let conns = idle.figures(bi, si);
    r.n("idle_conn_cur", u64::from(conns.idle));
    r.n("safe_conn_cur", u64::from(conns.safe));
    r.n("used_conn_cur", u64::from(conns.used));
    r.n("need_conn_est", u64::from(conns.est_need));
    r.n("srv_icur", ld32(&s.idle_conns));
    if s.pool.max_conn >= 0 {
        r.n("src_ilim", s.pool.max_conn as u64);
    }
    traffic(
        &mut r,
        &c.traffic,
        be.mode == rampart_model::proxy::Mode::Http,
    );
    if f.legends {
        if let Some(ck) = &s.cookie {
            r.s("cookie", ck);
        }
    }
    if f.legends {
        if let Some((ip, port)) = s.addr.ip() {
            let p = match port {
                rampart_proxy::state::PortMap::Fixed(p) => i64::from(p),
                rampart_proxy::state::PortMap::Offset(o) => i64::from(o),
            };
            let text = match ip {
                std::net::IpAddr::V6(v6) => format!("[{v6}]:{p}"),
                std::net::IpAddr::V4(v4) => format!("{v4}:{p}"),
            };
            r.s("addr", &text);
        } else if let rampart_proxy::state::ServerTarget::Other(
            rampart_net::connect::Target::Unix(_) | rampart_net::connect::Target::Abns(_),
        ) = s.addr.get()
        {
            // HAProxy names the family of Unix sockets.
            r.s("addr", "unix");
        }
    }
    r
}

/// A backend's row; `now`: [`now_secs`].
pub fn backend(rt: &Runtime, now: u32, be: &Backend, f: &Filter) -> Row {
    let c = &be.counters;
    let mut r = Row::new(Obj::Backend, be.uuid, 0);
    common_proxy(&mut r, &be.name, "BACKEND", c);
    r.n("qcur", ld(&c.qcur));
    r.n("qmax", ld(&c.qmax));
    r.n("scur", ld32(&be.beconn));
    r.n("slim", u64::from(be.fullconn));
    r.n("econ", ld(&c.econ));
    r.n("eresp", ld(&c.eresp));
    r.n("wretr", ld(&c.retries));
    r.n("wredis", ld(&c.redispatches));
    // HAProxy's `srv_act`/`srv_bck` count the usable servers: alive with a weight in
    // force (a draining one has none). Deleted servers and the `dispatch`
    // pseudo-server (not a server in HAProxy) count for nothing.
    let up = |s: &Server| {
        s.exists()
            && !s.pool.private
            && s.live.alive()
            && s.live.admin() & admin::DRAIN == 0
            && s.live.uweight() > 0
    };
    let act = be.servers.iter().filter(|s| !s.backup && up(s)).count() as u64;
    let bck = be.servers.iter().filter(|s| s.backup && up(s)).count() as u64;
    let weight_of = |backup: bool| -> u64 {
        be.servers
            .iter()
            .filter(|s| s.backup == backup && up(s))
            .map(|s| u64::from(s.live.uweight()))
            .sum()
    };
    let weight = if act > 0 {
        weight_of(false)
    } else {
        weight_of(true)
    };
    // HAProxy: UP when the servers in use carry some weight (drained ones carry
    // none), or when there is no server at all.
    let usable = be.servers.iter().any(up);
    r.s(
        "status",
        if usable || be.servers.iter().all(|s| !s.exists() || s.pool.private) {
            "UP"
        } else {
            "DOWN"
        },
    );
    // The balancing's weight in force (as HAProxy's, in user-weight units), but for
    // a `dispatch` backend, which has no server to weigh.
    let dispatch = be.servers.iter().any(|s| s.pool.private);
    r.n(
        "weight",
        if dispatch {
            weight
        } else {
            u64::from(be.balance.shown_total())
        },
    );
    r.n("uweight", weight);
    r.n("act", act);
    r.n("bck", bck);
    r.n("chkdown", be.live.down_trans());
    r.n("lastchg", u64::from(be.live.since_change(now)));
    if !be.servers.is_empty() {
        r.n("downtime", u64::from(be.live.downtime(now, usable)));
    }
    r.n("iid", be.uuid.max(0) as u64);
    r.n("type", 1);
    r.st("mode", mode_name(be.mode));
    traffic(
        &mut r,
        &c.traffic,
        be.mode == rampart_model::proxy::Mode::Http,
    );
    if f.legends {
        if let Some(name) = be.cookie_name() {
            r.s("cookie", &String::from_utf8_lossy(name));
        }
        r.st("algo", be.algo_name());
    }
    let _ = rt;
    r
}

/// Every row the filter selects, in configuration order: each proxy's frontend, its
/// listeners (those with counters), its servers, then its backend.
pub fn rows(rt: &Runtime, ctl: &Control, f: &Filter) -> Vec<Row> {
    let stopping = ctl.is_stopping();
    let now = now_secs();
    let mut out = Vec::new();
    for p in &rt.proxies {
        let uuid =
            p.fe.and_then(|i| rt.frontends.get(i).map(|x| x.uuid))
                .or_else(|| p.be.and_then(|i| rt.backends.get(i).map(|x| x.uuid)));
        if f.iid != -1 && uuid != Some(f.iid) {
            continue;
        }
        if let Some(fe) = p.fe.and_then(|i| rt.frontends.get(i)) {
            if f.wants_type(Obj::Frontend) {
                out.push(frontend(rt, fe, stopping));
            }
            if f.wants_type(Obj::Listener) {
                let sid = |l: &&ListenerRt| f.sid == -1 || l.id == f.sid;
                for l in fe.listeners.iter().filter(sid) {
                    out.extend(listener(fe, l, f));
                }
            }
        }
        if let Some((bi, be)) = p.be.and_then(|i| rt.backends.get(i).map(|b| (i, b))) {
            if f.wants_type(Obj::Server) {
                for (si, s) in be.servers.iter().enumerate() {
                    if !s.exists() || s.pool.private || (f.sid != -1 && s.puid != f.sid) {
                        continue;
                    }
                    let maint = s.live.in_maint();
                    if f.hide_maint && maint {
                        continue;
                    }
                    if f.hide_down && (maint || s.live.op() == Op::Stopped) {
                        continue;
                    }
                    let mut r = server(rt, &ctl.idle, now, bi, be, si, s, f);
                    r.place = Some((bi, Some(si)));
                    out.push(r);
                }
            }
            if f.wants_type(Obj::Backend) {
                let mut r = backend(rt, now, be, f);
                r.place = Some((bi, None));
                out.push(r);
            }
        }
    }
    out
}

/// The CSV header line.
pub fn csv_header(out: &mut String) {
    out.push_str("# ");
    for (i, c) in COLS.iter().enumerate() {
        if i == MODULES_AT {
            out.push_str("-,");
        }
        out.push_str(c.name);
        out.push(',');
    }
    out.push('\n');
}

/// One CSV line.
pub fn csv_row(out: &mut String, r: &Row) {
    for (i, f) in r.fields.iter().enumerate() {
        if i == MODULES_AT {
            out.push_str("-,");
        }
        match &f.val {
            Val::Empty => {}
            // Numbers never need quoting.
            Val::Int(_) => f.write_text(out),
            Val::Str(s) => csv_cell(out, s),
        }
        out.push(',');
    }
    out.push('\n');
}

/// The typed lines of one row (`F.2.0.4.scur.1:MGP:u32:0`).
pub fn typed_row(out: &mut String, r: &Row) {
    for f in r.fields.iter().filter(|f| !f.is_empty()) {
        let _ = write!(
            out,
            "{}.{}.{}.{}.{}.1",
            r.obj.letter(),
            r.proxy_id,
            r.id,
            f.pos,
            f.name
        );
        typed_tail(out, f);
    }
}

/// The JSON array of one row.
pub fn json_row(out: &mut String, r: &Row) {
    out.push('[');
    let mut first = true;
    for f in r.fields.iter().filter(|f| !f.is_empty()) {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str("{\"objType\":");
        json_str(out, r.obj.json_name());
        let _ = write!(out, ",\"proxyId\":{},\"id\":{},", r.proxy_id, r.id);
        json_item_tail(out, f);
    }
    out.push(']');
}
