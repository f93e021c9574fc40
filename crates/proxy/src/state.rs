//! The runtime's view of the configuration: what the data path needs from the Snapshot,
//! resolved and indexed once at start-up so the hot path never looks anything up by name.
//! Counters live beside the objects they count (one source of truth for logs, `show stat`
//! and Prometheus, issue 7).

use crate::queue::Queues;
use crate::rate::FreqCtr;
use rampart_model::proxy::http_act::HttpRule;
use rampart_model::proxy::keywords::HttpReuse;
use rampart_model::proxy::options::RestrictHdrNames;
use rampart_model::proxy::options::{HeaderOpt, HttpConnMode};
use rampart_model::proxy::Mode;
use rampart_net::connect::{SourceSpec, Target};
use rampart_rules::acl::Acl;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Everything the workers share, immutable once built.
#[derive(Debug)]
pub struct Runtime {
    /// The configuration files' names, by file id (`last_rule_file`).
    pub files: Vec<Box<str>>,
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
    /// Each proxy of the configuration (Snapshot index): its frontend and backend here,
    /// for rule arguments that name a proxy (`be_conn(app)`).
    pub proxies: Vec<ProxyRt>,
    /// Some proxy has HTTP or TCP rules: sessions keep a variable store.
    pub any_rules: bool,
    /// Backends by name, for names built per stream (dynamic `use_backend`).
    pub backend_names: std::collections::HashMap<Box<[u8]>, usize>,
    /// Global `maxconn` (after the file-descriptor limit was applied).
    pub maxconn: u32,
    pub nbthread: usize,
    pub bufsize: usize,
    pub maxrewrite: usize,
    pub max_http_hdr: usize,
    /// `h1-case-adjust` / `h1-case-adjust-file` spellings (empty: none).
    pub h1_case: rampart_h1::CaseMap,
    /// `hard-stop-after` and `grace`.
    pub hard_stop_after: Option<Duration>,
    pub grace: Option<Duration>,
    /// `maxconnrate` and `maxsessrate` (0: none) and the process-wide rates they limit.
    pub maxconnrate: u32,
    pub maxsessrate: u32,
    pub conn_rate: FreqCtr,
    pub sess_rate: FreqCtr,
    /// Process-wide maxima and totals (`show info`).
    pub process: crate::stats::Process,
    /// The splicing pipe pool (`maxpipes`, `tune.pipesize`).
    pub pipes: rampart_net::splice::PipeLimits,
    /// `cpu-map`.
    pub cpu_map: rampart_model::global::CpuMap,
    /// Health and agent checks of the servers.
    pub checks: crate::checks::Checks,
    /// Rung when some server's streams are to be shut down (`on-marked-down`,
    /// `on-marked-up`); `kills_watched`: some server has them.
    pub kill_bell: crate::kill::Bell,
    pub kills_watched: bool,
    /// `userlist` sections (`http_auth`, `http_auth_group`).
    pub userlists: crate::auth::Userlists,
    /// The process-wide variables (`proc.*`): those the configuration names, with the
    /// values of the global `set-var` lines. Touched only by rules that use them.
    pub proc_vars: std::sync::RwLock<rampart_rules::vars::VarSet>,
}

/// Where a proxy of the configuration lives in the runtime (`None`: not that side, or
/// disabled).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProxyRt {
    pub fe: Option<usize>,
    pub be: Option<usize>,
}

/// A `use_backend` rule: the backend and its condition over the frontend's ACLs.
#[derive(Debug)]
pub struct Switch {
    pub backend: SwitchTo,
    pub cond: Option<rampart_model::proxy::Cond>,
}

/// The backend of a `use_backend` rule.
#[derive(Debug)]
pub enum SwitchTo {
    Backend(usize),
    /// A name built per stream, looked up among the backends (`Runtime::backend_named`).
    Dynamic(std::sync::Arc<rampart_rules::logfmt::LogFormat>),
}

/// One frontend (or the frontend side of a `listen`).
#[derive(Debug)]
pub struct Frontend {
    pub name: String,
    /// HAProxy's proxy identifier (`id`, or the next free one in configuration order).
    pub uuid: i64,
    /// The proxy's ACLs, which its conditions index.
    pub acls: std::sync::Arc<[rampart_rules::acl::Acl]>,
    /// `monitor-uri` and the `monitor fail` conditions.
    pub monitor_uri: Option<Box<[u8]>>,
    pub monitor_fail: Vec<rampart_model::proxy::Cond>,
    /// `stats *`: the statistics page this proxy serves (`http/stats_page.rs`).
    pub stats: Option<std::sync::Arc<rampart_model::proxy::stats_page::StatsPage>>,
    pub mode: Mode,
    pub listeners: Vec<ListenerRt>,
    /// `maxconn` of the frontend (0: none).
    pub maxconn: u32,
    /// `rate-limit sessions` (0: none) and the frontend's session rate it limits.
    pub rate_limit_sessions: u32,
    pub sess_rate: FreqCtr,
    /// The backend used when no rule chose one (`default_backend`, or the listen itself).
    pub default_backend: Option<usize>,
    /// `use_backend` rules, in order.
    pub switching: Vec<Switch>,
    /// The backend side of the same proxy (a `listen`): its `http-request` rules are the
    /// frontend's and run once.
    pub own_backend: Option<usize>,
    /// `tcp-request` rules and `inspect-delay`.
    pub tcp: crate::tcp_rules::TcpRules,
    pub timeouts: FeTimeouts,
    /// The capture slots (`capture ... header`, `declare capture`, the rules' `capture
    /// ... len`).
    pub caps: crate::capture::CapSlots,
    pub clitcpka: bool,
    pub nolinger: bool,
    pub splice: crate::splice::SpliceOpts,
    pub http: FeHttp,
    pub counters: ProxyCounters,
    /// The last invalid request (`show errors`).
    pub invalid_req: crate::snapshot::ErrorSlot,
    /// Traffic logs: formats, filters, where lines go.
    pub log: crate::logs::FeLog,
}

impl Frontend {
    /// The counters of listener `li`, when it keeps its own (`option socket-stats`).
    #[inline]
    pub fn li_counters(&self, li: usize) -> Option<&crate::stats::ListenerCounters> {
        self.listeners.get(li)?.counters.as_deref()
    }
}

/// HTTP settings of a frontend.
#[derive(Debug, Default)]
pub struct FeHttp {
    pub conn_mode: HttpConnMode,
    pub forwardfor: Option<HeaderOpt>,
    pub originalto: Option<HeaderOpt>,
    pub accept_invalid: bool,
    pub ignore_probes: bool,
    /// `option http-buffer-request`.
    pub buffer_request: bool,
    /// `option h1-case-adjust-bogus-client`.
    pub case_adjust_client: bool,
    /// `option http-use-proxy-header`: proxy requests carry their credentials in
    /// `Proxy-Authorization`, and `auth` answers them with a 407.
    pub use_proxy_header: bool,
    /// `http-request`, `redirect`, `http-response` and `http-after-response` rules.
    pub rules: HttpRules,
    /// Custom error responses (`errorfile`, `errorloc*`, `errorfiles`, `http-error`).
    pub errors: rampart_model::proxy::errors::ProxyErrors,
}

/// A proxy's HTTP rule sets. The rules of the defaults section a proxy uses
/// (HAProxy's `defpx`, a named `defaults` section with rules) come first in each list,
/// their conditions indexing the defaults' ACLs appended to the proxy's own table
/// ([`HttpRules::of`]): a final action among them (`allow`, `deny`...) ends the
/// proxy's rules too, as in HAProxy. (HAProxy skips a frontend's defaults rules on
/// the response side when they are its backend's; a defaults section with rules
/// serves only frontends or only backends, so that never happens.)
#[derive(Debug, Default)]
pub struct HttpRules {
    pub req: Vec<HttpRule>,
    pub redirects: Vec<HttpRule>,
    pub res: Vec<HttpRule>,
    pub after: Vec<HttpRule>,
    /// `option http-restrict-req-hdr-names`, applied after the request rules.
    pub restrict_names: RestrictHdrNames,
}

impl HttpRules {
    /// The rules of proxy `p`, after those of its defaults section when it has one
    /// (`defaults` are the Snapshot's), and the ACL table their conditions index.
    pub fn of(
        p: &rampart_model::proxy::Proxy,
        defaults: &[rampart_model::proxy::Proxy],
    ) -> (HttpRules, Arc<[Acl]>) {
        let restrict_names = p
            .options
            .restrict_req_hdr_names
            .unwrap_or(RestrictHdrNames::Preserve);
        let Some(d) = p.defpx.and_then(|i| defaults.get(i)) else {
            let rules = HttpRules {
                req: p.http_request.clone(),
                redirects: p.redirects.clone(),
                res: p.http_response.clone(),
                after: p.http_after_response.clone(),
                restrict_names,
            };
            return (rules, p.acls.clone());
        };
        let shift = p.acls.len();
        let acls: Arc<[Acl]> = p.acls.iter().chain(d.acls.iter()).cloned().collect();
        let rules = HttpRules {
            req: chain(&d.http_request, &p.http_request, shift),
            redirects: p.redirects.clone(),
            res: chain(&d.http_response, &p.http_response, shift),
            after: chain(&d.http_after_response, &p.http_after_response, shift),
            restrict_names,
        };
        (rules, acls)
    }

    /// The rules may read or set variables (a session then keeps a variable store).
    pub fn any(&self) -> bool {
        !(self.req.is_empty()
            && self.redirects.is_empty()
            && self.res.is_empty()
            && self.after.is_empty())
    }
}

/// The defaults' rules (their ACL indexes moved past the proxy's `shift` ACLs), then
/// the proxy's. HAProxy runs each list in strict mode from its start: when a
/// defaults' rule turns it off, a rule turning it back on separates them.
fn chain(def: &[HttpRule], own: &[HttpRule], shift: usize) -> Vec<HttpRule> {
    use rampart_rules::action::HttpAct;
    let mut out: Vec<HttpRule> = def
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(c) = &mut r.cond {
                for t in c.suites.iter_mut().flatten() {
                    t.acl += shift;
                }
            }
            r
        })
        .collect();
    if let Some(last) = def
        .iter()
        .rev()
        .find(|r| matches!(*r.act, HttpAct::StrictMode(false)))
    {
        out.push(HttpRule {
            act: Arc::new(HttpAct::StrictMode(true)),
            cond: None,
            span: last.span,
            ctx: last.ctx,
        });
    }
    out.extend(own.iter().cloned());
    out
}

/// One listening socket of a frontend.
#[derive(Debug)]
pub struct ListenerRt {
    /// How the address was written on the `bind` line (for messages).
    pub shown: String,
    pub accept_proxy: bool,
    /// `maxconn` of the bind line (0: none).
    pub maxconn: u32,
    /// The bind's `name` (`so_name`), shared by every listener of the line.
    pub name: Option<std::sync::Arc<str>>,
    /// The listener's id (`so_id`): the bind's `id`, else the next free number of the
    /// frontend, as HAProxy numbers its listeners.
    pub id: i64,
    /// The bind's own `id`, if it has one.
    pub forced_id: Option<u32>,
    /// The address it listens on (`None`: a Unix socket), for `show stat`'s `addr`.
    pub addr: Option<std::net::SocketAddr>,
    /// Its own counters, with `option socket-stats`.
    pub counters: Option<Box<crate::stats::ListenerCounters>>,
}

/// Client-side timeouts of a frontend.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeTimeouts {
    pub client: Option<Duration>,
    /// `timeout tarpit` (`timeout connect` when unset, as HAProxy).
    pub tarpit: Option<Duration>,
    pub client_fin: Option<Duration>,
    pub http_request: Option<Duration>,
    pub http_keep_alive: Option<Duration>,
}

/// One backend (or the backend side of a `listen`).
#[derive(Debug)]
pub struct Backend {
    pub name: String,
    /// HAProxy's proxy identifier.
    pub uuid: i64,
    /// The proxy's ACLs, which its conditions index.
    pub acls: std::sync::Arc<[rampart_rules::acl::Acl]>,
    /// `stats *`: the statistics page this proxy serves (`http/stats_page.rs`).
    pub stats: Option<std::sync::Arc<rampart_model::proxy::stats_page::StatsPage>>,
    pub mode: Mode,
    /// Configured servers, then those the runtime API added (indices never move).
    pub servers: crate::servers::Servers,
    /// The backend's `source`, for the servers the runtime API adds.
    pub source: Option<rampart_model::proxy::server::Source>,
    pub timeouts: BeTimeouts,
    pub retries: u32,
    /// `option redispatch [<interval>]` (`Some(-1)` without interval; see
    /// [`crate::retry`]).
    pub redispatch: Option<i32>,
    /// `option persist`.
    pub option_persist: bool,
    /// `retry-on`.
    pub retry_on: crate::retry::RetryOn,
    pub srvtcpka: bool,
    pub nolinger: bool,
    pub splice: crate::splice::SpliceOpts,
    pub http: BeHttp,
    /// `option allbackups`: every backup server serves when no active one can.
    pub allbackups: bool,
    /// The balancing algorithm and its state (`balance`, see [`crate::lb`]).
    pub balance: rampart_balance::Balancer,
    /// `fullconn` (explicit, or 10% of the `maxconn` of the frontends that use the
    /// backend, as HAProxy computes it) and the streams in the backend now (`beconn`):
    /// together they give a server with `minconn` its dynamic limit.
    pub fullconn: u32,
    pub beconn: AtomicU32,
    /// The backend's queue and its servers' (touched only when servers are full).
    pub queue: Queues,
    pub counters: ProxyCounters,
    /// When it last lost or got back a usable server, and its time without one.
    pub live: crate::server_state::BackendLive,
    /// The last invalid response (`show errors`).
    pub invalid_rep: crate::snapshot::ErrorSlot,
    /// Cookies, `use-server`, persistence rules, `redir` (`None`: none of them).
    pub persist: Option<Box<crate::http::persist::Persist>>,
    /// `tcp-request content`, `tcp-response content` rules and their inspect delays.
    pub tcp: crate::tcp_rules::TcpRules,
}

impl Backend {
    /// The name of the persistence cookie (`cookie <name>`), if any.
    pub fn cookie_name(&self) -> Option<&[u8]> {
        self.persist.as_ref()?.cookie.as_ref().map(|c| &c.name[..])
    }

    /// The balancing algorithm as HAProxy names it in `show stat` (`algo`).
    pub fn algo_name(&self) -> &'static str {
        use rampart_balance::key::Key;
        use rampart_balance::Algo;
        match self.balance.algo() {
            Algo::RoundRobin => "roundrobin",
            Algo::StaticRr => "static-rr",
            Algo::LeastConn => "leastconn",
            Algo::First => "first",
            Algo::Random { .. } => "unknown",
            Algo::Hash { key, .. } => match key {
                Key::Source => "source",
                Key::Uri { .. } => "uri",
                Key::UrlParam { .. } => "url_param",
                Key::Hdr { .. } => "hdr",
                Key::RdpCookie { .. } => "rdp-cookie",
            },
        }
    }
}

/// HTTP settings of a backend.
#[derive(Debug, Default)]
pub struct BeHttp {
    pub conn_mode: HttpConnMode,
    pub forwardfor: Option<HeaderOpt>,
    pub originalto: Option<HeaderOpt>,
    pub accept_invalid: bool,
    pub reuse: HttpReuse,
    /// `retry-on` covers `conn-failure`, `empty-response` and `response-timeout`: any
    /// request may then take an idle connection, as a second request would.
    pub retry_safe: bool,
    /// `option http-buffer-request`.
    pub buffer_request: bool,
    /// `option abortonclose`.
    pub abortonclose: bool,
    /// `option h1-case-adjust-bogus-server`.
    pub case_adjust_server: bool,
    /// The backend's rules (request rules run after the frontend's, response rules
    /// before).
    pub rules: HttpRules,
    /// Custom error responses, asked before the frontend's.
    pub errors: rampart_model::proxy::errors::ProxyErrors,
}

/// Server-side timeouts of a backend.
#[derive(Clone, Copy, Debug, Default)]
pub struct BeTimeouts {
    /// `timeout http-request` as the backend has it (`http-buffer-request` waits).
    pub http_request: Option<Duration>,
    pub connect: Option<Duration>,
    pub server: Option<Duration>,
    pub server_fin: Option<Duration>,
    pub tunnel: Option<Duration>,
    /// `timeout queue`, `timeout connect` when not set.
    pub queue: Option<Duration>,
    /// `timeout tarpit`, `timeout connect` when not set (a `tarpit` rule of the
    /// backend holds the request this long).
    pub tarpit: Option<Duration>,
}

/// One server.
#[derive(Debug)]
pub struct Server {
    pub name: String,
    /// The server's identifier in its backend (`id`, or the next free one).
    pub puid: i64,
    pub addr: crate::server_state::LiveTarget,
    /// `backup`: serves only when no active server can.
    pub backup: bool,
    /// Administrative and operational state, weight (maintenance from `disabled` or an
    /// unresolved name; health checks and the runtime API change it).
    pub live: crate::server_state::Live,
    pub send_proxy: bool,
    pub send_proxy_v2: bool,
    /// `proxy-v2-options` (and the `send-proxy-v2-ssl` family): the TLVs to send.
    pub proxy_v2: rampart_model::proxy::server::ProxyV2Options,
    pub source: Option<SourceSpec>,
    /// `maxconn` (0: no limit) and `minconn` (dynamic limit below `fullconn`),
    /// normalised as HAProxy does (`minconn` alone acts as `maxconn`); they may change
    /// at run time.
    pub limits: crate::server_state::ConnLimits,
    /// `maxqueue` (0: no limit).
    pub maxqueue: u32,
    /// Streams holding one of its connection slots now (HAProxy's `served`).
    pub served: AtomicU32,
    /// Idle-connection pool settings (mode http).
    pub pool: PoolCfg,
    /// Idle connections of this server on all threads (`pool-max-conn` bounds it).
    pub idle_conns: AtomicU32,
    pub counters: ServerCounters,
    /// The value of the backend's persistence cookie for this server (`cookie`, or the
    /// dynamic one).
    pub cookie: Option<Box<str>>,
    /// `redir <prefix>`.
    pub redir: Option<Box<str>>,
    /// `observe`, `error-limit`, `on-error`.
    pub observe: crate::observe::Observe,
    /// Its streams may be shut down (`on-marked-down`, or a backup when an active
    /// server has `on-marked-up`).
    pub kill: crate::kill::KillSwitch,
    /// `on-marked-down shutdown-sessions`, `on-marked-up shutdown-backup-sessions`.
    pub on_marked_down: bool,
    pub on_marked_up: bool,
    /// Added by the runtime API (`add server`).
    pub dynamic: bool,
    /// The host name a server added by the runtime API was given (it is not resolved:
    /// the server has no address).
    pub fqdn: Option<Box<str>>,
    /// The weight it started with (`iweight`).
    pub iweight: u32,
    /// Removed by the runtime API (`del server`): its slot stays, unused.
    pub deleted: std::sync::atomic::AtomicBool,
}

impl Server {
    /// Not removed by `del server`.
    #[inline]
    pub fn exists(&self) -> bool {
        !self.deleted.load(Ordering::Acquire)
    }
}

/// `pool-max-conn`, `pool-low-conn`, `pool-purge-delay`, `max-reuse` of a server.
#[derive(Clone, Copy, Debug)]
pub struct PoolCfg {
    /// -1: unlimited, 0: no idle connection kept.
    pub max_conn: i64,
    pub low_conn: u32,
    /// Zero keeps no idle connection.
    pub purge_delay: Duration,
    /// -1: unlimited; otherwise the connection carries at most `max_reuse + 1` requests.
    pub max_reuse: i64,
    /// Its connections belong to the session that opened them, never to the pool: the
    /// `dispatch` address, which HAProxy connects to as the proxy, not as a server.
    pub private: bool,
}

impl Default for PoolCfg {
    fn default() -> Self {
        PoolCfg {
            max_conn: -1,
            low_conn: 0,
            purge_delay: Duration::from_secs(5),
            max_reuse: -1,
            private: false,
        }
    }
}

/// Where a server is; the port may depend on the client's destination port.
#[derive(Clone, Debug)]
pub enum ServerTarget {
    /// An IP address with a fixed port, or the client's destination port plus an offset.
    Ip {
        ip: std::net::IpAddr,
        port: PortMap,
    },
    Other(Target),
    /// The stream's destination address as the client (or `set-dst`) gave it: the
    /// backend of `option transparent` without servers.
    Transparent,
}

#[derive(Clone, Copy, Debug)]
pub enum PortMap {
    Fixed(u16),
    /// No port (offset 0) or `+N` / `-N`.
    Offset(i32),
}

impl ServerTarget {
    /// The address to connect to for a client that connected to `dst` (borrowed
    /// when it does not depend on it, so connecting never copies a path); `None`: a
    /// transparent target for a client without an IP destination.
    pub fn resolve(&self, dst: Option<std::net::SocketAddr>) -> Option<Cow<'_, Target>> {
        let dst_port = dst.map(|d| d.port());
        Some(match self {
            ServerTarget::Ip { ip, port } => {
                let p = match *port {
                    PortMap::Fixed(p) => p,
                    PortMap::Offset(off) => {
                        let base = i64::from(dst_port.unwrap_or(0));
                        // Wraps like HAProxy's 16-bit port arithmetic.
                        ((base + i64::from(off)).rem_euclid(65536)) as u16
                    }
                };
                Cow::Owned(Target::Inet(std::net::SocketAddr::new(*ip, p)))
            }
            ServerTarget::Other(t) => Cow::Borrowed(t),
            ServerTarget::Transparent => Cow::Owned(Target::Inet(dst?)),
        })
    }
}

/// Frontend and backend counters (`show stat` fields, issue 7).
#[derive(Debug, Default)]
pub struct ProxyCounters {
    /// Current and cumulated sessions.
    pub scur: AtomicU64,
    pub stot: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    /// Invalid requests (`ereq`), connection errors (`econ`), invalid responses (`eresp`).
    pub ereq: AtomicU64,
    pub econ: AtomicU64,
    pub eresp: AtomicU64,
    /// Denied connections (`tcp-request connection reject`).
    pub denied_conn: AtomicU64,
    /// Sessions, requests and responses denied by rules (`tcp-request session`,
    /// `tcp-request content`, `tcp-response content`; `deny`, `tarpit`, `reject`,
    /// `silent-drop` of the HTTP rules).
    pub denied_sess: AtomicU64,
    pub denied_req: AtomicU64,
    pub denied_resp: AtomicU64,
    /// Streams waiting in the backend's queue now, and the most ever (`qcur`, `qmax`).
    pub qcur: AtomicU64,
    pub qmax: AtomicU64,
    /// Streams served from the backend's queue so far (the logs' queue positions).
    pub qidx: AtomicU64,
    /// Retries that stayed on their server (`wretr`) and that moved (`wredis`).
    pub retries: AtomicU64,
    pub redispatches: AtomicU64,
    /// Header rewrites that failed (`wrew`).
    pub failed_rewrites: AtomicU64,
    /// HTTP/1 body bytes spliced in from this side's connections and out to them
    /// (`h1_spliced_bytes_in`, `h1_spliced_bytes_out`: the client side for a frontend,
    /// the server side for a backend).
    pub h1_spliced_in: AtomicU64,
    pub h1_spliced_out: AtomicU64,
    /// Requests, responses, aborts, rates, times (`crate::stats`).
    pub traffic: crate::stats::Traffic,
}

impl ProxyCounters {
    /// One more current session (`scur`), and its maximum (`smax`).
    pub fn enter(&self) {
        let n = self.scur.fetch_add(1, Ordering::Relaxed) + 1;
        self.traffic.cur(n);
    }
}

/// Server counters.
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub scur: AtomicU64,
    pub stot: AtomicU64,
    pub econ: AtomicU64,
    pub retries: AtomicU64,
    /// Retries that left this server for another one (`wredis`).
    pub redispatches: AtomicU64,
    /// Actions taken on consecutive traffic errors (`hanafail`).
    pub failed_hana: AtomicU64,
    /// Streams waiting in the server's own queue now, and the most ever.
    pub qcur: AtomicU64,
    pub qmax: AtomicU64,
    /// Streams served from the server's queue so far.
    pub qidx: AtomicU64,
    /// Bytes from the client to the server and back (`bin`, `bout`).
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    /// Invalid responses (`eresp`), responses denied (`dresp`), failed rewrites
    /// (`wrew`).
    pub eresp: AtomicU64,
    pub denied_resp: AtomicU64,
    pub failed_rewrites: AtomicU64,
    /// Requests, responses, aborts, rates, times (`crate::stats`).
    pub traffic: crate::stats::Traffic,
}

/// A count held while it lives: incremented now, decremented when dropped.
pub struct Held<'a>(&'a AtomicU64);

impl<'a> Held<'a> {
    pub fn new(c: &'a AtomicU64) -> Held<'a> {
        inc(c);
        Held(c)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        dec(self.0);
    }
}

/// Increments a counter (relaxed: counters are statistics, not synchronisation).
#[inline]
pub fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

#[inline]
pub fn dec(c: &AtomicU64) {
    c.fetch_sub(1, Ordering::Relaxed);
}

#[inline]
pub fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}
