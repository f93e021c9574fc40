//! The `%` variables of log-format templates (manual 8.2.4) and how a log line renders
//! them, as HAProxy's `sess_build_logline` does: what only the orchestrator measures
//! (timers, byte counts, termination state, queue positions, connection counts at the
//! time of the log) arrives in a [`LogRec`]; names, addresses, captures and the request
//! line come from the stream's [`Env`](crate::stream::Env).

use super::Opts;
use crate::conv::time::{gmtime, local_zone, localtime, Tm};
use crate::stream::Env;
use std::net::SocketAddr;

/// One `%` variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    /// `%o`: sets the default options of the variables after it.
    Global,
    Bytes,
    CliCookie,
    SrvCookie,
    Hostname,
    UniqueId,
    Status,
    DateGmt,
    Ta,
    Tc,
    Th,
    Ti,
    DateLocal,
    Tq,
    Tr,
    TR,
    Td,
    Ts,
    Tt,
    Tu,
    Tw,
    BytesUp,
    ActConn,
    Backend,
    BeConn,
    BackendIp,
    BackendPort,
    BeQueue,
    ClientIp,
    ClientPort,
    Frontend,
    FeConn,
    FrontendIp,
    FrontendPort,
    FrontendXprt,
    HdrReq,
    HdrReqList,
    HdrRes,
    HdrResList,
    HttpMethod,
    HttpPath,
    HttpPathOnly,
    HttpQuery,
    HttpUri,
    HttpVersion,
    LogCount,
    Ms,
    Pid,
    Request,
    Retries,
    ReqCounter,
    Server,
    SrvConn,
    ServerIp,
    ServerPort,
    SrvQueue,
    SslCipher,
    SslVersion,
    Date,
    ReqDate,
    ReqDateGmt,
    ReqDateLocal,
    TermState,
    TermStateCk,
}

/// Every variable: name, value, only in `mode http`.
pub const TABLE: &[(&str, Var, bool)] = &[
    ("o", Var::Global, false),
    ("B", Var::Bytes, false),
    ("CC", Var::CliCookie, true),
    ("CS", Var::SrvCookie, true),
    ("H", Var::Hostname, false),
    ("ID", Var::UniqueId, false),
    ("ST", Var::Status, false),
    ("T", Var::DateGmt, false),
    ("Ta", Var::Ta, true),
    ("Tc", Var::Tc, false),
    ("Th", Var::Th, false),
    ("Ti", Var::Ti, true),
    ("Tl", Var::DateLocal, false),
    ("Tq", Var::Tq, true),
    ("Tr", Var::Tr, true),
    ("TR", Var::TR, true),
    ("Td", Var::Td, false),
    ("Ts", Var::Ts, false),
    ("Tt", Var::Tt, false),
    ("Tu", Var::Tu, false),
    ("Tw", Var::Tw, false),
    ("U", Var::BytesUp, false),
    ("ac", Var::ActConn, false),
    ("b", Var::Backend, false),
    ("bc", Var::BeConn, false),
    ("bi", Var::BackendIp, false),
    ("bp", Var::BackendPort, false),
    ("bq", Var::BeQueue, false),
    ("ci", Var::ClientIp, false),
    ("cp", Var::ClientPort, false),
    ("f", Var::Frontend, false),
    ("fc", Var::FeConn, false),
    ("fi", Var::FrontendIp, false),
    ("fp", Var::FrontendPort, false),
    ("ft", Var::FrontendXprt, false),
    ("hr", Var::HdrReq, false),
    ("hrl", Var::HdrReqList, false),
    ("hs", Var::HdrRes, false),
    ("hsl", Var::HdrResList, false),
    ("HM", Var::HttpMethod, true),
    ("HP", Var::HttpPath, true),
    ("HPO", Var::HttpPathOnly, true),
    ("HQ", Var::HttpQuery, true),
    ("HU", Var::HttpUri, true),
    ("HV", Var::HttpVersion, true),
    ("lc", Var::LogCount, false),
    ("ms", Var::Ms, false),
    ("pid", Var::Pid, false),
    ("r", Var::Request, true),
    ("rc", Var::Retries, false),
    ("rt", Var::ReqCounter, false),
    ("s", Var::Server, false),
    ("sc", Var::SrvConn, false),
    ("si", Var::ServerIp, false),
    ("sp", Var::ServerPort, false),
    ("sq", Var::SrvQueue, false),
    ("sslc", Var::SslCipher, false),
    ("sslv", Var::SslVersion, false),
    ("t", Var::Date, false),
    ("tr", Var::ReqDate, true),
    ("trg", Var::ReqDateGmt, true),
    ("trl", Var::ReqDateLocal, true),
    ("ts", Var::TermState, false),
    ("tsc", Var::TermStateCk, false),
];

impl Var {
    /// The variable named `name` and whether it exists only in `mode http`.
    pub fn from_name(name: &str) -> Option<(Var, bool)> {
        TABLE
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, v, h)| (v, h))
    }

    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(_, v, _)| *v == self)
            .map_or("", |(n, _, _)| n)
    }

    /// Whether the variable reports figures only known at the end of the stream
    /// (HAProxy's `LW_BYTES`): with `option logasap` they are prefixed with `+`.
    pub fn needs_end(self) -> bool {
        use Var::*;
        matches!(
            self,
            Bytes
                | UniqueId
                | Ta
                | Tc
                | Th
                | Ti
                | Tq
                | Tr
                | TR
                | Td
                | Tt
                | Tu
                | Tw
                | BytesUp
                | ActConn
                | BeConn
                | BeQueue
                | FeConn
                | Retries
                | SrvConn
                | SrvQueue
                | TermState
        )
    }
}

/// Why a stream ended (HAProxy's `SF_ERR_*`), the first character of `%ts`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum TermErr {
    #[default]
    None = 0,
    /// The proxy answered locally (`L`): not an error.
    Local,
    CliTimeout,
    CliClosed,
    SrvTimeout,
    SrvClosed,
    /// The proxy decided to close (`P`: deny, invalid message...).
    PrxCond,
    Resource,
    Internal,
    Down,
    Killed,
    Up,
}

impl TermErr {
    pub fn char(self) -> u8 {
        b"-LcCsSPRIDKU"[self as usize]
    }
}

/// Where a stream was when it ended (HAProxy's `SF_FINST_*`), the second character.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum FinState {
    #[default]
    None = 0,
    /// Waiting for the client's request.
    Request,
    /// Connecting to the server.
    Connect,
    /// Waiting for the server's response headers.
    Headers,
    Data,
    /// Sending the last data to the client.
    Last,
    Queue,
    Tarpit,
}

impl FinState {
    pub fn char(self) -> u8 {
        b"-RCHDLQT"[self as usize]
    }
}

/// What a log line reports that only the orchestrator measures. Times are in
/// milliseconds from the accept date (`-1`: the step was not reached), as HAProxy's
/// `strm_logs`.
#[derive(Clone, Debug)]
pub struct LogRec {
    /// The accept date (the start of the request for later requests of a
    /// connection): seconds and microseconds since the epoch.
    pub accept_sec: i64,
    pub accept_usec: u32,
    pub t_handshake: i64,
    pub t_idle: i64,
    /// End of the request head.
    pub t_request: i64,
    /// Out of the queue (a server was assigned).
    pub t_queue: i64,
    pub t_connect: i64,
    /// Response head received.
    pub t_data: i64,
    pub t_close: i64,
    pub status: i64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub err: TermErr,
    pub fin: FinState,
    /// The persistence cookie characters of `%tsc` (`None`: the backend uses none).
    pub cookie: Option<[u8; 2]>,
    pub actconn: i64,
    pub feconn: i64,
    pub beconn: i64,
    pub srvconn: i64,
    pub retries: i64,
    pub redispatched: bool,
    pub srv_queue_pos: i64,
    pub prx_queue_pos: i64,
    /// `capture cookie` values (`%CC`, `%CS`).
    pub cli_cookie: Option<Box<[u8]>>,
    pub srv_cookie: Option<Box<[u8]>>,
    /// The stream's number (`%rt`).
    pub uniq_id: u32,
    /// Log lines the frontend sent before this one (`%lc`).
    pub log_count: u32,
    /// `option logasap`: figures of the end are prefixed with `+`.
    pub logasap: bool,
    /// The server name when an applet served the stream (`<STATS>`...).
    pub applet: Option<&'static str>,
    /// The listener's id (`%cp`, `%fp` of a Unix socket client).
    pub listener_id: i64,
    /// The client came over a Unix socket (`%ci` is `unix`).
    pub unix: bool,
    /// The listener runs TLS (`%ft` ends with `~`).
    pub ssl: bool,
    pub pid: u32,
}

impl Default for LogRec {
    fn default() -> Self {
        LogRec {
            accept_sec: 0,
            accept_usec: 0,
            t_handshake: 0,
            t_idle: -1,
            t_request: -1,
            t_queue: -1,
            t_connect: -1,
            t_data: -1,
            t_close: 0,
            status: 0,
            bytes_in: 0,
            bytes_out: 0,
            err: TermErr::None,
            fin: FinState::None,
            cookie: None,
            actconn: 0,
            feconn: 0,
            beconn: 0,
            srvconn: 0,
            retries: 0,
            redispatched: false,
            srv_queue_pos: 0,
            prx_queue_pos: 0,
            cli_cookie: None,
            srv_cookie: None,
            uniq_id: 0,
            log_count: 0,
            logasap: false,
            applet: None,
            listener_id: 0,
            unix: false,
            ssl: false,
            pid: std::process::id(),
        }
    }
}

/// `hdr_encode_map`: control characters, bytes from 127 and `"#{|}`.
fn hdr_escaped(c: u8) -> bool {
    !(32..127).contains(&c) || matches!(c, b'"' | b'#' | b'{' | b'|' | b'}')
}

/// `url_encode_map`: control characters, bytes from 127 and `"#`.
fn url_escaped(c: u8) -> bool {
    !(32..127).contains(&c) || matches!(c, b'"' | b'#')
}

/// `lf_encode_chunk` with `#` escapes (`+E`: `"`, `\` and `]` also backslashed).
fn encode(b: &[u8], map: fn(u8) -> bool, o: Opts, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in b {
        if map(c) {
            out.extend_from_slice(&[b'#', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
        } else if o.has(Opts::ESC) && matches!(c, b'"' | b'\\' | b']') {
            out.extend_from_slice(&[b'\\', c]);
        } else {
            out.push(c);
        }
    }
}

/// `lf_text_len`: a text, quoted with `+Q`, escaped with `+E`, `-` when missing and
/// mandatory (not quoted).
pub(super) fn text(src: Option<&[u8]>, o: Opts, out: &mut Vec<u8>) {
    let quote = o.has(Opts::QUOTE);
    if quote {
        out.push(b'"');
    }
    match src {
        Some(s) if !s.is_empty() => {
            let s = s.split(|&c| c == 0).next().unwrap_or_default();
            if o.has(Opts::ESC) {
                for &c in s {
                    if matches!(c, b'"' | b'\\' | b']') {
                        out.push(b'\\');
                    }
                    out.push(c);
                }
            } else {
                out.extend_from_slice(s);
            }
        }
        _ if o.has(Opts::MANDATORY) && !quote => out.push(b'-'),
        _ => {}
    }
    if quote {
        out.push(b'"');
    }
}

fn num(n: i64, out: &mut Vec<u8>) {
    use std::io::Write;
    let _ = write!(out, "{n}");
}

fn hex(n: u64, width: usize, out: &mut Vec<u8>) {
    use std::io::Write;
    let _ = write!(out, "{n:0width$X}");
}

fn ip(a: Option<SocketAddr>, unix: bool, o: Opts, out: &mut Vec<u8>) {
    match a {
        Some(a) if o.has(Opts::HEXA) => match a.ip() {
            std::net::IpAddr::V4(v) => v.octets().iter().for_each(|b| hex(u64::from(*b), 2, out)),
            std::net::IpAddr::V6(v) => v.octets().iter().for_each(|b| hex(u64::from(*b), 2, out)),
        },
        Some(a) => {
            // Addresses need no escaping.
            let q = o.has(Opts::QUOTE);
            if q {
                out.push(b'"');
            }
            {
                use std::io::Write;
                let _ = write!(out, "{}", a.ip());
            }
            if q {
                out.push(b'"');
            }
        }
        None if unix => text(Some(b"unix"), o, out),
        None => text(None, o, out),
    }
}

fn port(a: Option<SocketAddr>, unix: bool, li: i64, o: Opts, out: &mut Vec<u8>) {
    match a {
        Some(a) if o.has(Opts::HEXA) => hex(u64::from(a.port()), 4, out),
        Some(a) => num(i64::from(a.port()), out),
        None if unix => num(li, out),
        None => text(None, o, out),
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn pad(n: i64, width: usize, out: &mut Vec<u8>) {
    use std::io::Write;
    let _ = write!(out, "{n:0width$}");
}

/// `dd/Mmm/yyyy:HH:MM:SS` of a broken-down time.
fn day_time(tm: &Tm<'_>, out: &mut Vec<u8>) {
    pad(tm.mday, 2, out);
    out.push(b'/');
    out.extend_from_slice(MONTHS[tm.mon.clamp(0, 11) as usize]);
    out.push(b'/');
    pad(tm.year, 4, out);
    out.push(b':');
    pad(tm.hour, 2, out);
    out.push(b':');
    pad(tm.min, 2, out);
    out.push(b':');
    pad(tm.sec, 2, out);
}

/// `%t`, `%tr`: local time with milliseconds (`date2str_log`).
pub fn date_ms(sec: i64, usec: u32, out: &mut Vec<u8>) {
    if let Some(tm) = localtime(sec, local_zone()) {
        day_time(&tm, out);
        out.push(b'.');
        pad(i64::from(usec / 1000 % 1000), 3, out);
    }
}

/// `%T`, `%trg`: UTC (`gmt2str_log`).
fn date_gmt(sec: i64, out: &mut Vec<u8>) {
    if let Some(tm) = gmtime(sec) {
        day_time(&tm, out);
        out.extend_from_slice(b" +0000");
    }
}

/// `%Tl`, `%trl`: local time with its offset (`localdate2str_log`).
fn date_local(sec: i64, out: &mut Vec<u8>) {
    if let Some(tm) = localtime(sec, local_zone()) {
        day_time(&tm, out);
        let off = tm.gmtoff;
        out.push(b' ');
        out.push(if off < 0 { b'-' } else { b'+' });
        let off = off.abs();
        pad(off / 3600, 2, out);
        pad(off / 60 % 60, 2, out);
    }
}

/// The request line's parts, as HAProxy cuts `txn->uri` at spaces.
struct Line<'a> {
    method: &'a [u8],
    uri: &'a [u8],
    version: &'a [u8],
    /// A space followed the method.
    spaced: bool,
}

fn split_line(l: &[u8]) -> Line<'_> {
    let sp = |c: &u8| *c == b' ' || *c == b'\t';
    let m_end = l.iter().position(sp).unwrap_or(l.len());
    let mut i = m_end;
    while i < l.len() && sp(&l[i]) {
        i += 1;
    }
    let spaced = i > m_end;
    let u_start = i;
    while i < l.len() && !sp(&l[i]) {
        i += 1;
    }
    let u_end = i;
    while i < l.len() && sp(&l[i]) {
        i += 1;
    }
    Line {
        method: &l[..m_end],
        uri: &l[u_start..u_end],
        version: &l[i..],
        spaced,
    }
}

/// `lf_encode_chunk` of a request line part, quoted with `+Q`.
fn quoted_url(b: &[u8], o: Opts, out: &mut Vec<u8>) {
    let q = o.has(Opts::QUOTE);
    if q {
        out.push(b'"');
    }
    encode(b, url_escaped, o, out);
    if q {
        out.push(b'"');
    }
}

const BADREQ: &[u8] = b"<BADREQ>";

fn captures(env: &dyn Env, response: bool, list: bool, o: Opts, out: &mut Vec<u8>) {
    let n = env.captures(response);
    if n == 0 {
        return;
    }
    let q = o.has(Opts::QUOTE);
    if list {
        for i in 0..n {
            if i > 0 {
                out.push(b' ');
            }
            if q {
                out.push(b'"');
            }
            match env.capture(response, i) {
                Some(v) => encode(v, hdr_escaped, o, out),
                None if !q => out.push(b'-'),
                None => {}
            }
            if q {
                out.push(b'"');
            }
        }
        return;
    }
    if q {
        out.push(b'"');
    }
    out.push(b'{');
    for i in 0..n {
        if i > 0 {
            out.push(b'|');
        }
        if let Some(v) = env.capture(response, i) {
            encode(v, hdr_escaped, o, out);
        }
    }
    out.push(b'}');
    if q {
        out.push(b'"');
    }
}

impl LogRec {
    /// `t_request` from the accept date (`-1` before the head was complete).
    fn t_req(&self) -> i64 {
        self.t_request
    }

    /// Idle and handshake time before the request (0 when unknown).
    fn pre(&self) -> i64 {
        if self.t_idle >= 0 {
            self.t_idle + self.t_handshake
        } else {
            0
        }
    }

    /// The start of the request: the accept date plus idle and handshake times.
    fn req_date(&self) -> (i64, u32) {
        let total_ms = i64::from(self.accept_usec / 1000) + self.pre();
        let sec = self.accept_sec + total_ms.div_euclid(1000);
        let ms = total_ms.rem_euclid(1000) as u32;
        (sec, ms * 1000 + self.accept_usec % 1000)
    }

    fn plus(&self, out: &mut Vec<u8>) {
        if self.logasap {
            out.push(b'+');
        }
    }

    /// Writes one variable; false when it is a capture list of a frontend without
    /// captures (nothing written, and a pending separator stays pending).
    pub fn render(&self, v: Var, o: Opts, env: &dyn Env, http_be: bool, out: &mut Vec<u8>) -> bool {
        use Var::*;
        let t_req = self.t_req();
        if matches!(v, HdrReq | HdrReqList) && env.captures(false) == 0
            || matches!(v, HdrRes | HdrResList) && env.captures(true) == 0
        {
            return false;
        }
        match v {
            Global => {}
            ClientIp => ip(env.src(), self.unix, o, out),
            ClientPort => port(env.src(), self.unix, self.listener_id, o, out),
            FrontendIp => ip(env.dst(), self.unix, o, out),
            FrontendPort => port(env.dst(), self.unix, self.listener_id, o, out),
            BackendIp => ip(env.server_conn().and_then(|(s, _)| s), false, o, out),
            BackendPort => port(env.server_conn().and_then(|(s, _)| s), false, 0, o, out),
            ServerIp => ip(env.server_conn().and_then(|(_, d)| d), false, o, out),
            ServerPort => port(env.server_conn().and_then(|(_, d)| d), false, 0, o, out),
            Date => date_ms(self.accept_sec, self.accept_usec, out),
            ReqDate => {
                let (s, u) = self.req_date();
                date_ms(s, u, out)
            }
            DateGmt => date_gmt(self.accept_sec, out),
            ReqDateGmt => date_gmt(self.req_date().0, out),
            DateLocal => date_local(self.accept_sec, out),
            ReqDateLocal => date_local(self.req_date().0, out),
            Ts if o.has(Opts::HEXA) => hex(self.accept_sec as u64 & 0xffff_ffff, 4, out),
            Ts => num(self.accept_sec, out),
            Ms if o.has(Opts::HEXA) => hex(u64::from(self.accept_usec / 1000), 2, out),
            Ms => pad(i64::from(self.accept_usec / 1000), 3, out),
            Frontend => text(env.frontend().map(|(_, n)| n.as_bytes()), o, out),
            FrontendXprt => {
                let q = o.has(Opts::QUOTE);
                if q {
                    out.push(b'"');
                }
                if let Some((_, n)) = env.frontend() {
                    out.extend_from_slice(n.as_bytes());
                }
                if self.ssl {
                    out.push(b'~');
                }
                if q {
                    out.push(b'"');
                }
            }
            SslCipher | SslVersion => text(None, o, out),
            Backend => {
                let name = env.backend().or_else(|| env.frontend()).map(|(_, n)| n);
                text(name.map(str::as_bytes), o, out)
            }
            Server => {
                let name = match (self.applet, env.server()) {
                    (Some(a), _) => a,
                    (None, Some((_, n))) => n,
                    (None, None) => "<NOSRV>",
                };
                text(Some(name.as_bytes()), o, out)
            }
            Th => num(self.t_handshake, out),
            Ti => num(self.t_idle, out),
            TR => num(
                if t_req >= 0 {
                    t_req - self.t_idle - self.t_handshake
                } else {
                    -1
                },
                out,
            ),
            Tq => num(t_req, out),
            Tw => num(
                if self.t_queue >= 0 {
                    self.t_queue - t_req
                } else {
                    -1
                },
                out,
            ),
            Tc => num(
                if self.t_connect >= 0 {
                    self.t_connect - self.t_queue
                } else {
                    -1
                },
                out,
            ),
            Tr => num(
                if self.t_data >= 0 {
                    self.t_data - self.t_connect
                } else {
                    -1
                },
                out,
            ),
            Td => {
                let from = if http_be { self.t_data } else { self.t_connect };
                num(if from >= 0 { self.t_close - from } else { -1 }, out)
            }
            Ta => {
                self.plus(out);
                num(self.t_close - self.pre(), out)
            }
            Tt => {
                self.plus(out);
                num(self.t_close, out)
            }
            Tu => {
                self.plus(out);
                num(self.t_close - self.t_idle.max(0), out)
            }
            Status => num(self.status, out),
            Bytes => {
                self.plus(out);
                num(self.bytes_out as i64, out)
            }
            BytesUp => num(self.bytes_in as i64, out),
            CliCookie => text(self.cli_cookie.as_deref(), o, out),
            SrvCookie => text(self.srv_cookie.as_deref(), o, out),
            TermState => out.extend_from_slice(&[self.err.char(), self.fin.char()]),
            TermStateCk => {
                let [a, b] = self.cookie.unwrap_or([b'-', b'-']);
                out.extend_from_slice(&[self.err.char(), self.fin.char(), a, b]);
            }
            ActConn => num(self.actconn, out),
            FeConn => num(self.feconn, out),
            BeConn => num(self.beconn, out),
            SrvConn => num(self.srvconn, out),
            Retries => {
                if self.redispatched {
                    out.push(b'+');
                }
                num(self.retries, out)
            }
            SrvQueue => num(self.srv_queue_pos, out),
            BeQueue => num(self.prx_queue_pos, out),
            HdrReq => captures(env, false, false, o, out),
            HdrReqList => captures(env, false, true, o, out),
            HdrRes => captures(env, true, false, o, out),
            HdrResList => captures(env, true, true, o, out),
            Request => {
                let line = env.logged_request_line().unwrap_or(BADREQ);
                quoted_url(line, o, out)
            }
            HttpPath | HttpUri | HttpPathOnly | HttpMethod | HttpVersion | HttpQuery => {
                let l = env.logged_request_line();
                let part: &[u8] = match (l, v) {
                    (None, _) => BADREQ,
                    (Some(l), HttpQuery) => match l.iter().position(|&c| c == b'?') {
                        // The first '?' of the line, up to the next space.
                        Some(q) => {
                            let rest = &l[q..];
                            let e = rest
                                .iter()
                                .position(|&c| c == b' ' || c == b'\t')
                                .unwrap_or(rest.len());
                            &rest[..e]
                        }
                        None => &[],
                    },
                    (Some(l), HttpMethod) => {
                        let p = split_line(l);
                        if p.method.len() == l.len() {
                            BADREQ
                        } else {
                            p.method
                        }
                    }
                    (Some(l), _) => {
                        let p = split_line(l);
                        if !p.spaced {
                            BADREQ
                        } else {
                            match v {
                                HttpPath => {
                                    let e = p.uri.iter().position(|&c| c == b'?');
                                    &p.uri[..e.unwrap_or(p.uri.len())]
                                }
                                HttpPathOnly => path_only(p.uri),
                                HttpUri => p.uri,
                                _ if p.version.is_empty() => b"HTTP/0.9",
                                _ => p.version,
                            }
                        }
                    }
                };
                quoted_url(part, o, out)
            }
            ReqCounter if o.has(Opts::HEXA) => hex(u64::from(self.uniq_id), 4, out),
            ReqCounter => num(i64::from(self.uniq_id), out),
            LogCount if o.has(Opts::HEXA) => hex(u64::from(self.log_count), 4, out),
            LogCount => num(i64::from(self.log_count), out),
            Hostname => text(Some(crate::fetch::hostname().as_bytes()), o, out),
            Pid if o.has(Opts::HEXA) => hex(u64::from(self.pid), 4, out),
            Pid => num(i64::from(self.pid), out),
            UniqueId => text(env.unique_id(), o, out),
        }
        true
    }
}

/// `%HPO`: the path of a URI without scheme, authority and query (`http_parse_path`).
fn path_only(uri: &[u8]) -> &[u8] {
    let mut p = uri;
    if p.first() != Some(&b'/') && p.first() != Some(&b'*') {
        // Absolute form: skip "scheme://authority".
        if let Some(i) = p.windows(3).position(|w| w == b"://") {
            let rest = &p[i + 3..];
            let e = rest.iter().position(|&c| c == b'/').unwrap_or(rest.len());
            p = &rest[e..];
        }
    }
    let e = p.iter().position(|&c| c == b'?').unwrap_or(p.len());
    &p[..e]
}
