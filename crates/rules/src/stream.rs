//! What a sample fetch may read: the stream being processed, as the orchestrator lends
//! it for one evaluation. HTTP heads and buffered data are plain borrowed values; the
//! rest (addresses, proxies, servers, counters, process state) is asked of the
//! orchestrator through [`Env`], whose methods answer `None` for what it cannot know
//! at that point (no server chosen yet, a subsystem not built yet).

use crate::vars::{StreamVars, VarSet};
use rampart_h1::{RequestHead, ResponseHead};
use std::net::SocketAddr;
use std::sync::RwLock;

/// A proxy or server figure a fetch reports (`be_conn`, `srv_queue`, `fe_req_rate`…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// Current connections (`fe_conn`, `be_conn`, `srv_conn`).
    Conn,
    /// Connections counting against limits but not yet served (`be_conn_free`…).
    ConnFree,
    /// Sessions per second over the last second (`fe_sess_rate`, `be_sess_rate`, `srv_sess_rate`).
    SessRate,
    /// HTTP requests per second (`fe_req_rate`).
    ReqRate,
    /// Requests waiting in the queue (`queue`, `srv_queue`).
    Queue,
    /// `avg_queue`: queued requests divided by usable servers.
    AvgQueue,
    /// Usable servers (`nbsrv`).
    NbSrv,
    /// Free connection slots and queue places (`connslots`).
    ConnSlots,
    /// The server is up (`srv_is_up`), 1 or 0.
    IsUp,
    /// The server's effective maximum connections (`srv_max_conn`…).
    MaxConn,
    /// The server's current effective weight scaled back to the configuration's range
    /// (`srv_weight`: HAProxy's `(cur_eweight * wmult + wdiv - 1) / wdiv`).
    Weight,
    /// The server's initial weight, from the configuration (`srv_iweight`).
    IWeight,
    /// The server's user-set weight, changed by the runtime API (`srv_uweight`).
    UWeight,
    /// The frontend's `timeout client` in milliseconds, 0 when unset
    /// (`fe_client_timeout`, asked with `Target::Frontend(None)`).
    TimeoutClient,
    /// The backend's `timeout server` in milliseconds, 0 when unset
    /// (`be_server_timeout`, asked with `Target::Backend(None)`).
    TimeoutServer,
    /// The backend's `timeout tunnel` in milliseconds, 0 when unset
    /// (`be_tunnel_timeout`, asked with `Target::Backend(None)`).
    TimeoutTunnel,
}

/// Figures the kernel keeps about a TCP connection (Linux `getsockopt(TCP_INFO)`), read
/// by `fc_rtt`, `fc_rttvar`, `fc_unacked`… Times are in microseconds, as the kernel
/// gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpInfo {
    pub rtt: u32,
    pub rttvar: u32,
    pub unacked: u32,
    pub sacked: u32,
    pub lost: u32,
    pub retrans: u32,
    pub fackets: u32,
    pub reordering: u32,
}

/// The scheduler's figures for the stream's task (`cpu_calls`, `cpu_ns_tot`,
/// `lat_ns_tot`…): how many times it ran, the CPU time it used and the time it waited
/// to run, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskTimes {
    pub calls: u64,
    pub cpu_ns: u64,
    pub lat_ns: u64,
}

/// Which proxy or server a figure is asked about: the stream's own (the argument was
/// omitted) or one named in the configuration, resolved to its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Frontend(Option<usize>),
    Backend(Option<usize>),
    /// Backend index and server index within it; `None` = the stream's server.
    Server(Option<(usize, usize)>),
}

/// The orchestrator's side of a stream. Every method has a default answer of "not
/// known here", so a caller implements what it has.
pub trait Env {
    /// Client address as seen by the frontend (after a PROXY header).
    fn src(&self) -> Option<SocketAddr> {
        None
    }
    /// Address the client connected to (after a PROXY header).
    fn dst(&self) -> Option<SocketAddr> {
        None
    }
    /// The listener's `id` and `name`.
    fn listener(&self) -> Option<(i64, &str)> {
        None
    }
    /// The frontend's `id` and name.
    fn frontend(&self) -> Option<(i64, &str)> {
        None
    }
    /// The backend's `id` and name, once one is chosen.
    fn backend(&self) -> Option<(i64, &str)> {
        None
    }
    /// The server's `id` and name, once one is chosen.
    fn server(&self) -> Option<(i64, &str)> {
        None
    }
    /// The server connection's local and remote addresses, once connected.
    fn server_conn(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        None
    }
    /// A counter or state figure.
    fn stat(&self, _what: Stat, _of: Target) -> Option<i64> {
        None
    }
    /// The process is stopping (soft stop in progress).
    fn stopping(&self) -> bool {
        false
    }
    /// The calling thread's number, from 0.
    fn thread(&self) -> i64 {
        0
    }
    /// The number of worker threads.
    fn nbthread(&self) -> i64 {
        1
    }
    /// The process's `node` name (`hostname` fetch reads the host's instead).
    fn node(&self) -> Option<&str> {
        None
    }
    /// This is the first request of the client connection (`http_first_req`).
    fn first_request(&self) -> Option<bool> {
        None
    }
    /// What the stream recorded for its log line (the `%` variables of log-format
    /// strings read it).
    fn log_rec(&self) -> Option<&crate::logfmt::LogRec> {
        None
    }
    /// The stream's unique id (`unique-id-format`), once generated.
    fn unique_id(&self) -> Option<&[u8]> {
        None
    }

    // What follows was added for the complete fetch catalogue; each answer is what
    // HAProxy reads at that point, and `None` means "no sample".

    /// The client connection's own addresses (`fc_src`, `fc_dst`…): those accepted or
    /// carried by a PROXY header, which `set-src`/`set-dst` in `tcp-request session`,
    /// `tcp-request content` and `http-request` rules do not change (they change
    /// [`Env::src`]/[`Env::dst`]). `None`: the same as `src()`/`dst()`.
    fn conn_addrs(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        None
    }
    /// Whether `addr` is an address of this host (`src_is_local`, `dst_is_local`):
    /// HAProxy binds a UDP socket to it, in the listener's namespace; local when the
    /// bind succeeds and a connect to it too, not local on `EADDRNOTAVAIL` or a failed
    /// connect, `None` on any other error.
    fn is_local(&self, _addr: SocketAddr) -> Option<bool> {
        None
    }
    /// `getsockopt(TCP_INFO)` on the client connection (`fc_rtt`…); `None` when the
    /// stream has no client socket or the call fails.
    fn tcp_info(&self) -> Option<TcpInfo> {
        None
    }
    /// The HTTP major version of the client (`server_side` false) or server
    /// connection's multiplexer (`fc_http_major`, `bc_http_major`): 1 for HTTP/1, 2
    /// for HTTP/2. `None` without a connection or for a raw TCP one.
    fn http_major(&self, _server_side: bool) -> Option<i64> {
        None
    }
    /// The error code of the client or server connection, HAProxy's `CO_ER_*` numbers
    /// (0 = none; the texts are in `fetch::conn_err_str`), for `fc_err`, `bc_err`.
    /// `None` without a connection or while its handshake runs without error.
    fn conn_error(&self, _server_side: bool) -> Option<u32> {
        None
    }
    /// The client connection began with a PROXY header (`fc_rcvd_proxy`); `None`
    /// while the handshake runs.
    fn rcvd_proxy(&self) -> Option<bool> {
        None
    }
    /// The authority TLV (0x02) of the PROXY v2 header (`fc_pp_authority`).
    fn proxy_authority(&self) -> Option<&[u8]> {
        None
    }
    /// The unique-id TLV (0x05) of the PROXY v2 header (`fc_pp_unique_id`).
    fn proxy_unique_id(&self) -> Option<&[u8]> {
        None
    }
    /// The listener's current connection count (`dst_conn`).
    fn listener_conns(&self) -> Option<i64> {
        None
    }
    /// The name of the frontend's `default_backend` (`fe_defbe`).
    fn default_backend(&self) -> Option<&str> {
        None
    }
    /// The stream's current server-side (`tunnel` false, `cur_server_timeout`) or
    /// tunnel timeout (`cur_tunnel_timeout`) in milliseconds, as `set-timeout` may have
    /// changed it; 0 when none applies.
    fn stream_timeout(&self, _tunnel: bool) -> Option<i64> {
        None
    }
    /// The file and line of the last rule the stream ran (`last_rule_file`,
    /// `last_rule_line`).
    fn last_rule(&self) -> Option<(&str, i64)> {
        None
    }
    /// The stream's queue priority class and offset in milliseconds (`prio_class`,
    /// `prio_offset`; `set-priority-class`/`set-priority-offset`).
    fn priority(&self) -> Option<(i64, i64)> {
        None
    }
    /// The stream task's scheduling figures (`cpu_calls`, `cpu_ns_avg`…).
    fn task_times(&self) -> Option<TaskTimes> {
        None
    }
    /// The stream is an HTTP one (`mode http`, HAProxy's HTX streams): the payload
    /// fetches (`req.payload`, `req.len` as a raw count, `req.ssl_*`, `rdp_cookie`,
    /// `distcc_*`) do not apply then, and `internal.strm.is_htx` is true.
    fn http_mode(&self) -> bool {
        false
    }
    /// The rule set is evaluated before its data is complete: a `tcp-request content`
    /// or `tcp-response content` pass within `inspect-delay` while the buffer is
    /// neither full nor closed (HAProxy's evaluation without `SMP_OPT_FINAL`).
    /// `wait_end` is true only on the final pass.
    fn partial(&self) -> bool {
        false
    }
    /// Configured `tune.bufsize` (`None`: HAProxy's default, 16384): the largest
    /// `req.payload` window.
    fn bufsize(&self) -> Option<usize> {
        None
    }
    /// Configured `tune.maxrewrite` (`None`: HAProxy's default, 1024): a buffer
    /// receives at most `bufsize - maxrewrite` bytes while rules inspect it.
    fn maxrewrite(&self) -> Option<usize> {
        None
    }
    /// The whole response body is in `res_data` (the counterpart of
    /// `Stream::req_complete`; `res.len` in HTTP mode counts the end-of-message block
    /// of a complete chunked response).
    fn res_complete(&self) -> bool {
        false
    }
    /// Bytes of the request (`Dir::Req`) or response body announced but not yet
    /// buffered (HAProxy's `htx->extra`: what remains of a `Content-Length` or of the
    /// current chunk), for `req.body_size`. `None`: computed from `Content-Length`.
    fn body_pending(&self, _dir: Dir) -> Option<u64> {
        None
    }
    /// A captured header (`capture request header`/`capture response header` or
    /// `http-request capture … id`), by its slot (`capture.req.hdr(idx)`,
    /// `capture.res.hdr(idx)`; `response` selects the response slots).
    fn capture(&self, _response: bool, _idx: usize) -> Option<&[u8]> {
        None
    }
    /// How many capture slots the frontend declares for requests or responses (the
    /// logs' `%hr`, `%hs` list them all).
    fn captures(&self, _response: bool) -> usize {
        0
    }
    /// The request line kept for the logs (HAProxy's `txn->uri`: method, target and
    /// version separated by single spaces, at most `tune.http.logurilen - 1` bytes),
    /// present only when the frontend logs it (`capture.req.method`,
    /// `capture.req.uri`).
    fn logged_request_line(&self) -> Option<&[u8]> {
        None
    }
    /// The frontend has `option http-use-proxy-header`: a request whose target does
    /// not start with `/` or `*` then takes its credentials from
    /// `Proxy-Authorization` (`http_auth_*`).
    fn use_proxy_header(&self) -> bool {
        false
    }
    /// Checks a user and password against a `userlist` (`http_auth`,
    /// `http_auth_group`): `Some(true)` when the user exists there and the password
    /// matches, `None` when the list is unknown.
    fn check_user(&self, _userlist: &str, _user: &[u8], _pass: &[u8]) -> Option<bool> {
        None
    }
    /// Calls `f` with each group `user` belongs to in `userlist` until it returns true;
    /// true when it did (`http_auth_group` ACLs match the user's groups against their
    /// patterns, HAProxy's `pat_match_auth`).
    fn user_groups(
        &self,
        _userlist: &str,
        _user: &[u8],
        _f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool {
        false
    }
    /// The process-wide variables (`proc.*`).
    fn proc_vars(&self) -> Option<&RwLock<VarSet>> {
        None
    }
}

/// An [`Env`] that knows nothing: configuration-time evaluation and tests.
pub struct NoEnv;

impl Env for NoEnv {}

/// One evaluation's view of the stream.
pub struct Stream<'a> {
    pub env: &'a dyn Env,
    /// The request head once parsed (HTTP).
    pub req: Option<&'a RequestHead>,
    /// The response head once parsed (HTTP).
    pub res: Option<&'a ResponseHead>,
    /// The request data waiting in the buffer: the payload in TCP mode, the buffered
    /// body in HTTP mode.
    pub req_data: &'a [u8],
    /// The response data waiting in the buffer.
    pub res_data: &'a [u8],
    /// The whole request body is in `req_data` (HTTP).
    pub req_complete: bool,
    /// The rule set runs on the response (`hdr` then reads the response).
    pub dir: Dir,
    /// The session, transaction and request/response variables, when they exist.
    pub vars: Option<&'a StreamVars>,
}

/// The direction of the rule set being evaluated (`SMP_OPT_DIR_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dir {
    #[default]
    Req,
    Res,
}

impl<'a> Stream<'a> {
    /// A stream with nothing but `env`.
    pub fn new(env: &'a dyn Env) -> Stream<'a> {
        Stream {
            env,
            req: None,
            res: None,
            req_data: &[],
            res_data: &[],
            req_complete: false,
            dir: Dir::Req,
            vars: None,
        }
    }
}

/// Iteration over the values of a multi-valued fetch (`hdr(x)` in an ACL tries every
/// occurrence). `iterate` asks for all values; a fetch that has another sets `more`
/// and advances `pos`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Iter {
    pub iterate: bool,
    pub pos: usize,
    pub more: bool,
    /// The value may change once more data arrives (`SMP_F_MAY_CHANGE`): a rule
    /// waiting for content (`tcp-request content` with `inspect-delay`) waits.
    pub may_change: bool,
}

impl Iter {
    /// Single value: a sample expression takes one value (the last occurrence).
    pub fn single() -> Iter {
        Iter::default()
    }

    /// Every value, from the first: ACL matching.
    pub fn all() -> Iter {
        Iter {
            iterate: true,
            ..Iter::default()
        }
    }
}
