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
    /// The stream's unique id (`unique-id-format`), once generated.
    fn unique_id(&self) -> Option<&[u8]> {
        None
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
