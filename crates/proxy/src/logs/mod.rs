//! Traffic logs (manual 8): what a stream records for its log line ([`StreamLog`]:
//! HAProxy's `strm_logs` timers, byte counts, termination state), the frontend's log
//! settings ([`FeLog`]), and the emission at the end of a stream (`strm_log`) or of a
//! session that failed before any stream (`sess_log`), with HAProxy's filters
//! (`dontlognull`, `dontlog-normal`, `log-separate-errors`, `set-log-level`).
//! Lines are rendered on the worker into a thread-local buffer and handed to the
//! frontend's [`Sink`], which never blocks.

use rampart_rules::logfmt::{FinState, LogFormat, LogRec, TermErr};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

mod emit;
pub use emit::{connect_line, session_error, stream_end, Ended, SessionFail};

/// Syslog levels.
pub const LOG_ERR: u8 = 3;
pub const LOG_INFO: u8 = 6;

/// Where a frontend's lines go: its resolved log targets (HAProxy's `logsrvs`), fed
/// without blocking.
pub trait Sink: Send + Sync + std::fmt::Debug {
    /// Whether some target takes lines of `level` (else nothing is rendered).
    fn wants(&self, _level: u8) -> bool {
        true
    }
    /// Sends one line at `level`, with the RFC 5424 structured data `sd` (rendered
    /// from `log-format-sd`, empty when none).
    fn send(&self, level: u8, line: &[u8], sd: &[u8]);
}

/// The targets of proxy `proxy` (its Snapshot index) in the running log system
/// ([`rampart_log`], started once the process has detached).
#[derive(Debug)]
struct ProxyTargets {
    proxy: usize,
}

impl Sink for ProxyTargets {
    fn wants(&self, level: u8) -> bool {
        rampart_log::installed().is_some_and(|s| s.proxy(self.proxy).wants(level))
    }
    fn send(&self, level: u8, line: &[u8], sd: &[u8]) {
        if let Some(s) = rampart_log::installed() {
            s.proxy(self.proxy)
                .send(level, line, (!sd.is_empty()).then_some(sd));
        }
    }
}

/// The longest line rendered (HAProxy's `global.max_syslog_len`).
pub fn max_line_len() -> usize {
    rampart_log::installed().map_or(1024, |s| s.max_line_len())
}

/// The sink of a frontend (`pi`: its Snapshot index), when it has log targets (`log
/// global` counts when the global section has some).
pub fn sink_for(
    pi: usize,
    p: &rampart_model::proxy::Proxy,
    g: &rampart_model::global::Global,
) -> Option<Arc<dyn Sink>> {
    use rampart_model::proxy::log::LogTarget as T;
    let any = p.logs.targets.iter().any(|t| match t {
        T::Global(_) => !g.log.is_empty(),
        T::Server(_) => true,
    });
    any.then(|| Arc::new(ProxyTargets { proxy: pi }) as Arc<dyn Sink>)
}

/// A frontend's traffic-log settings.
#[derive(Debug, Default)]
pub struct FeLog {
    /// Where lines go (`None`: the frontend has no log target).
    pub sink: Option<Arc<dyn Sink>>,
    pub line: Option<Arc<LogFormat>>,
    pub sd: Option<Arc<LogFormat>>,
    pub error: Option<Arc<LogFormat>>,
    /// `option logasap`.
    pub logasap: bool,
    pub dontlognull: bool,
    pub dontlog_normal: bool,
    pub separate_errors: bool,
    /// `capture cookie`: the name and the longest value kept.
    pub cookie_cap: Option<(Box<[u8]>, usize)>,
    /// `unique-id-format` and `unique-id-header` (lower case).
    pub unique_id: Option<Arc<LogFormat>>,
    pub unique_id_header: Option<Box<[u8]>>,
    /// A format reports the server connection's addresses (`%bi`, `%si`...): they are
    /// asked from the socket.
    pub srv_addrs: bool,
    /// Lines sent so far (`%lc`).
    pub count: AtomicU32,
}

impl FeLog {
    /// Settings of a frontend logging with `formats` (compiled by the model).
    pub fn new(sink: Option<Arc<dyn Sink>>, p: &rampart_model::proxy::Proxy) -> FeLog {
        let formats = &p.compiled;
        let flags = &p.options.flags;
        use rampart_rules::logfmt::{Node, Var};
        let srv_addrs = [&formats.line, &formats.sd].into_iter().flatten().any(|f| {
            f.nodes.iter().any(|n| {
                matches!(
                    n,
                    Node::Var(
                        Var::BackendIp | Var::BackendPort | Var::ServerIp | Var::ServerPort,
                        _
                    )
                )
            })
        });
        FeLog {
            sink,
            line: formats.line.clone(),
            sd: formats.sd.clone(),
            error: formats.error.clone(),
            logasap: flags.logasap,
            dontlognull: flags.dontlognull,
            dontlog_normal: flags.dontlog_normal,
            separate_errors: flags.log_separate_errors,
            srv_addrs,
            cookie_cap: p.captures.cookie.as_ref().map(|c| {
                let max = rampart_model::proxy::capture::COOKIE_LEN - 1;
                (Box::from(c.name.as_bytes()), c.len.min(max))
            }),
            unique_id: formats.unique_id.clone(),
            unique_id_header: p
                .unique_id_header
                .as_ref()
                .filter(|_| formats.unique_id.is_some())
                .map(|h| Box::from(h.to_ascii_lowercase().as_bytes())),
            count: AtomicU32::new(0),
        }
    }

    /// Whether streams must record what their lines report.
    pub fn on(&self) -> bool {
        self.sink.is_some()
    }
}

/// HAProxy counts a message's bytes (`%B`, `%U`, the byte counters) as its internal
/// representation (HTX) holds them: the start line's three parts plus a 20-byte
/// descriptor, each header's name and value, one byte for the end of the headers,
/// then the body.
const HTX_SL: u64 = 20;

fn htx_headers(h: &rampart_h1::Headers) -> u64 {
    h.iter()
        .map(|(n, v)| (n.len() + v.len()) as u64)
        .sum::<u64>()
        + 1
}

/// The HTX size of a request head as received.
pub fn htx_req(h: &rampart_h1::RequestHead) -> u64 {
    HTX_SL
        + (h.method_bytes().len() + h.uri().len() + h.version_bytes().len()) as u64
        + htx_headers(h.headers())
}

/// The HTX size of a response head as received.
pub fn htx_res(h: &rampart_h1::ResponseHead) -> u64 {
    HTX_SL + (h.version_bytes().len() + 3 + h.reason().len()) as u64 + htx_headers(h.headers())
}

/// The HTX size of a response the proxy serialized itself (head and body): each line
/// loses its separators, the head gains the descriptor and the end-of-headers byte.
/// The `connection` field the H1 layer adds is not part of the message.
pub fn htx_wire(out: &[u8]) -> u64 {
    let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") else {
        return out.len() as u64;
    };
    let body = (out.len() - end - 4) as u64;
    let mut n = 0u64;
    for (i, line) in out[..end].split(|&c| c == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if i == 0 {
            // "HTTP/1.1 200 OK": the two spaces go.
            n += HTX_SL + line.len().saturating_sub(2) as u64;
            continue;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let (name, rest) = line.split_at(colon);
        if name.eq_ignore_ascii_case(b"connection") {
            continue;
        }
        let value = rest[1..].trim_ascii();
        n += (name.len() + value.len()) as u64;
    }
    n + 1 + body
}

/// The stream counter of the process (`%rt`, HAProxy's `global.req_count`).
static REQ_COUNT: AtomicU32 = AtomicU32::new(0);

/// Streams started so far (`show info`'s `CumReq`, HAProxy's `global.req_count`).
pub fn streams() -> u32 {
    REQ_COUNT.load(Ordering::Relaxed)
}

/// Takes the next stream number.
pub fn next_uniq_id() -> u32 {
    REQ_COUNT.fetch_add(1, Ordering::Relaxed)
}

/// What one stream records for its log line. Lives in the stream's pooled state: its
/// buffers keep their capacity from one stream to the next.
#[derive(Debug)]
pub struct StreamLog {
    /// The frontend logs: timers and the request line are recorded.
    pub on: bool,
    /// The start of the stream (`tv_accept`), which times count from.
    pub start: Instant,
    pub rec: LogRec,
    /// The backend whose `beconn` counts the stream (taken back when it ends).
    pub counted_be: Option<usize>,
    /// The backend and server of the stream, once chosen.
    pub be: Option<usize>,
    pub srv: Option<usize>,
    /// The server's connection addresses (`%bi:%bp`, `%si:%sp`).
    pub srv_addrs: Option<(Option<SocketAddr>, Option<SocketAddr>)>,
    /// The request line as logged (`txn->uri`), empty before the request.
    pub uri: Vec<u8>,
    pub has_uri: bool,
    /// The unique id (`unique-id-format`), once generated.
    pub unique_id: Vec<u8>,
    pub has_unique_id: bool,
}

impl Default for StreamLog {
    fn default() -> Self {
        StreamLog {
            on: false,
            start: Instant::now(),
            rec: LogRec::default(),
            counted_be: None,
            be: None,
            srv: None,
            srv_addrs: None,
            uri: Vec::new(),
            has_uri: false,
            unique_id: Vec::new(),
            has_unique_id: false,
        }
    }
}

/// `tune.http.logurilen`'s default: the request line is cut to 1023 bytes.
const LOGURILEN: usize = 1024;

impl StreamLog {
    /// The unique id, once generated.
    pub fn unique_id(&self) -> Option<&[u8]> {
        self.has_unique_id.then_some(&self.unique_id[..])
    }

    /// Starts the record of a stream accepted (or, for a later request of a
    /// connection, begun) at `start`, after `t_handshake` ms of handshake; its first
    /// request bytes are there (`t_idle` is the wait for them).
    pub fn begin(&mut self, start: Instant, t_handshake: i64) {
        self.on = true;
        self.start = start;
        self.be = None;
        self.srv = None;
        let date = SystemTime::now()
            .checked_sub(start.elapsed())
            .unwrap_or(UNIX_EPOCH);
        self.srv_addrs = None;
        self.uri.clear();
        self.has_uri = false;
        self.unique_id.clear();
        self.has_unique_id = false;
        let d = date.duration_since(UNIX_EPOCH).unwrap_or_default();
        self.rec = LogRec {
            accept_sec: d.as_secs() as i64,
            accept_usec: d.subsec_micros(),
            t_handshake,
            uniq_id: next_uniq_id(),
            ..LogRec::default()
        };
        self.request_started();
    }

    /// Starts the record of a stream whose frontend does not log: only what the
    /// statistics read (the stream's number, its timers, status and termination
    /// state; no clock date, no request line).
    pub fn begin_quiet(&mut self, start: Instant) {
        self.on = false;
        self.start = start;
        self.be = None;
        self.srv = None;
        self.srv_addrs = None;
        self.has_uri = false;
        self.has_unique_id = false;
        let r = &mut self.rec;
        r.uniq_id = next_uniq_id();
        r.t_request = -1;
        r.t_queue = -1;
        r.t_connect = -1;
        r.t_data = -1;
        r.status = -1;
        r.err = TermErr::None;
        r.fin = FinState::None;
        r.retries = 0;
        r.redispatched = false;
        r.bytes_in = 0;
        r.bytes_out = 0;
    }

    /// Milliseconds since the start of the stream.
    pub fn elapsed(&self) -> i64 {
        self.start.elapsed().as_millis().min(i64::MAX as u128) as i64
    }

    /// The first byte of the request arrived (`t_idle`: the wait before it).
    pub fn request_started(&mut self) {
        if self.on && self.rec.t_idle < 0 {
            self.rec.t_idle = (self.elapsed() - self.rec.t_handshake).max(0);
        }
    }

    /// The request was processed (HAProxy's `tv_request`: when the proxy answers it
    /// or is about to connect); only the first call counts.
    pub fn request_done(&mut self) {
        if self.rec.t_request < 0 {
            self.rec.t_request = self.elapsed();
        }
    }

    /// The request head is complete: keeps the request line as HAProxy keeps it
    /// (`txn->uri`: the logs, `%r` in any format, `capture.req.method|uri|ver` read it,
    /// whether the frontend logs or not).
    pub fn request_head(&mut self, method: &[u8], target: &[u8], version: &[u8]) {
        if self.on {
            self.request_started();
        }
        self.uri.clear();
        for (i, part) in [method, target, version].into_iter().enumerate() {
            if i > 0 {
                self.uri.push(b' ');
            }
            self.uri.extend_from_slice(part);
        }
        self.uri.truncate(LOGURILEN - 1);
        self.has_uri = true;
    }

    /// A server slot was obtained (out of the queue).
    pub fn queued(&mut self) {
        {
            self.rec.t_queue = self.elapsed();
        }
    }

    /// The server connection is established (or reused).
    pub fn connected(&mut self, addrs: (Option<SocketAddr>, Option<SocketAddr>)) {
        {
            self.rec.t_connect = self.elapsed();
            self.srv_addrs = Some(addrs);
        }
    }

    /// The response head arrived.
    pub fn response_head(&mut self, status: u16) {
        {
            self.rec.t_data = self.elapsed();
        }
        self.rec.status = i64::from(status);
    }

    /// The termination state, when none was set yet (HAProxy sets each part once).
    pub fn term(&mut self, err: TermErr, fin: FinState) {
        if self.rec.err == TermErr::None {
            self.rec.err = err;
        }
        if self.rec.fin == FinState::None {
            self.rec.fin = fin;
        }
    }

    /// The status of the transaction (a response the proxy generated or relayed).
    pub fn status(&mut self, status: u16) {
        self.rec.status = i64::from(status);
    }
}
