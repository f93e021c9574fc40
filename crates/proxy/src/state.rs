//! The runtime's view of the configuration: what the data path needs from the Snapshot,
//! resolved and indexed once at start-up so the hot path never looks anything up by name.
//! Counters live beside the objects they count (one source of truth for logs, `show stat`
//! and Prometheus, issue 7).

use rampart_model::proxy::http_rules::HttpRequestRule;
use rampart_model::proxy::keywords::HttpReuse;
use rampart_model::proxy::options::{HeaderOpt, HttpConnMode};
use rampart_model::proxy::Mode;
use rampart_net::connect::{SourceSpec, Target};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Everything the workers share, immutable once built.
#[derive(Debug)]
pub struct Runtime {
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
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
}

/// One frontend (or the frontend side of a `listen`).
#[derive(Debug)]
pub struct Frontend {
    pub name: String,
    pub mode: Mode,
    pub listeners: Vec<ListenerRt>,
    /// `maxconn` of the frontend (0: none).
    pub maxconn: u32,
    /// The backend used when no rule chose one (`default_backend`, or the listen itself).
    pub default_backend: Option<usize>,
    pub timeouts: FeTimeouts,
    pub clitcpka: bool,
    pub nolinger: bool,
    pub http: FeHttp,
    pub counters: ProxyCounters,
    /// The last invalid request (`show errors`).
    pub invalid_req: crate::snapshot::ErrorSlot,
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
    /// `http-request` rules (only `return` so far).
    pub rules: Vec<HttpRequestRule>,
}

/// One listening socket of a frontend.
#[derive(Debug)]
pub struct ListenerRt {
    /// How the address was written on the `bind` line (for messages).
    pub shown: String,
    pub accept_proxy: bool,
    /// `maxconn` of the bind line (0: none).
    pub maxconn: u32,
}

/// Client-side timeouts of a frontend.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeTimeouts {
    pub client: Option<Duration>,
    pub client_fin: Option<Duration>,
    pub http_request: Option<Duration>,
    pub http_keep_alive: Option<Duration>,
}

/// One backend (or the backend side of a `listen`).
#[derive(Debug)]
pub struct Backend {
    pub name: String,
    pub mode: Mode,
    pub servers: Vec<Server>,
    pub timeouts: BeTimeouts,
    pub retries: u32,
    pub srvtcpka: bool,
    pub nolinger: bool,
    pub http: BeHttp,
    /// Round-robin cursor (the balancing issue replaces this with HAProxy's algorithms).
    pub rr: AtomicUsize,
    pub counters: ProxyCounters,
    /// The last invalid response (`show errors`).
    pub invalid_rep: crate::snapshot::ErrorSlot,
}

/// HTTP settings of a backend.
#[derive(Debug, Default)]
pub struct BeHttp {
    pub conn_mode: HttpConnMode,
    pub forwardfor: Option<HeaderOpt>,
    pub originalto: Option<HeaderOpt>,
    pub accept_invalid: bool,
    pub reuse: HttpReuse,
    /// `option http-buffer-request`.
    pub buffer_request: bool,
    /// `option abortonclose`.
    pub abortonclose: bool,
    /// `option h1-case-adjust-bogus-server`.
    pub case_adjust_server: bool,
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
}

/// One server.
#[derive(Debug)]
pub struct Server {
    pub name: String,
    pub addr: ServerTarget,
    /// Starts in maintenance (`disabled`) or could not be resolved (`init-addr none`).
    pub disabled: bool,
    pub send_proxy: bool,
    pub send_proxy_v2: bool,
    /// `proxy-v2-options crc32c`.
    pub proxy_v2_crc32c: bool,
    pub source: Option<SourceSpec>,
    pub counters: ServerCounters,
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
}

#[derive(Clone, Copy, Debug)]
pub enum PortMap {
    Fixed(u16),
    /// No port (offset 0) or `+N` / `-N`.
    Offset(i32),
}

impl ServerTarget {
    /// The address to connect to for a client that connected to `dst_port` (borrowed
    /// when it does not depend on it, so connecting never copies a path).
    pub fn resolve(&self, dst_port: Option<u16>) -> Cow<'_, Target> {
        match self {
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
        }
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
    /// Denied connections for protocol errors on the PROXY header.
    pub denied_conn: AtomicU64,
}

/// Server counters.
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub scur: AtomicU64,
    pub stot: AtomicU64,
    pub econ: AtomicU64,
    pub retries: AtomicU64,
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
