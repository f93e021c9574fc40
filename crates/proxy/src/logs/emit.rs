//! Sending a traffic log line: HAProxy's `strm_log` at the end of a stream and
//! `sess_log` for a connection that failed before any stream (an invalid or timed-out
//! first request), with their filters and levels.

use super::{StreamLog, LOG_ERR, LOG_INFO};
use crate::env::{StreamEnv, StreamFx};
use crate::worker::WorkerCx;
use rampart_h1::{RequestHead, ResponseHead};
use rampart_net::ConnAddrs;
use rampart_rules::action::LogLevel;
use rampart_rules::conv::Cx;
use rampart_rules::logfmt::{FinState, TermErr};
use rampart_rules::stream::Stream;
use rampart_rules::vars::StreamVars;
use std::cell::RefCell;
use std::sync::atomic::Ordering;

thread_local! {
    /// The line and structured data being built (HAProxy's `logline`).
    static LINE: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The stream, as its log line sees it.
pub struct Ended<'a> {
    pub fe: usize,
    pub li: usize,
    pub be: Option<usize>,
    pub srv: Option<usize>,
    pub addrs: &'a ConnAddrs,
    pub req: Option<&'a RequestHead>,
    pub res: Option<&'a ResponseHead>,
    pub vars: Option<&'a StreamVars>,
    /// The first request of its connection.
    pub first: bool,
}

/// Ends the stream's record (in `fx`) and sends its line (`strm_log`).
pub fn stream_end(w: &WorkerCx, e: &Ended<'_>, fx: &mut StreamFx) {
    if !fx.log.on {
        return;
    }
    let Some(fe) = w.rt.frontends.get(e.fe) else {
        return;
    };
    let fl = &fe.log;
    let Some(sink) = fl.sink.as_deref() else {
        return;
    };
    // `option dontlognull`: nothing came from the client.
    if fl.dontlognull && fx.log.rec.bytes_in == 0 {
        return;
    }
    let log = &mut fx.log;
    let rec = &mut log.rec;
    rec.t_close = log.start.elapsed().as_millis().min(i64::MAX as u128) as i64;
    let http = fe.mode == rampart_model::proxy::Mode::Http;
    let err = rec.redispatched
        || rec.err > TermErr::Local
        || (rec.err == TermErr::None && rec.retries > 0)
        || (http && rec.status >= 500);
    if !err && fl.dontlog_normal {
        return;
    }
    let level = match fx.log_level {
        Some(LogLevel::Silent) => return,
        Some(LogLevel::Level(l)) => l,
        None if err && fl.separate_errors => LOG_ERR,
        None => LOG_INFO,
    };
    let Some(line) = fl.line.as_deref() else {
        return;
    };
    if !sink.wants(level) {
        return;
    }
    fill_counts(w, e, rec);
    rec.log_count = fl.count.load(Ordering::Relaxed);
    rec.logasap = fl.logasap;
    let fx = &*fx;
    let log = &fx.log;
    let env = StreamEnv {
        w,
        addrs: e.addrs,
        fe: e.fe,
        li: e.li,
        be: e.be,
        srv: e.srv,
        first: e.first,
        http,
        fx: Some(fx),
    };
    let mut s = Stream::new(&env);
    s.req = e.req;
    s.res = e.res;
    s.vars = e.vars;
    let cx = Cx {
        bufsize: w.rt.bufsize,
    };
    let http_be =
        e.be.and_then(|b| w.rt.backends.get(b))
            .map_or(http, |b| b.mode == rampart_model::proxy::Mode::Http);
    send(fl, sink, line, level, &s, &cx, &log.rec, http_be);
}

/// The line of a stream in a frontend that logs without a format (HAProxy's
/// `frontend_accept`): "Connect from <src> to <dst> (<frontend>/<mode>)".
pub fn connect_line(w: &WorkerCx, fe: usize, li: usize, addrs: &ConnAddrs) {
    let Some(f) = w.rt.frontends.get(fe) else {
        return;
    };
    let (Some(sink), None) = (f.log.sink.as_deref(), f.log.line.as_deref()) else {
        return;
    };
    let mode = if f.mode == rampart_model::proxy::Mode::Http {
        "HTTP"
    } else {
        "TCP"
    };
    let line = match (addrs.src, addrs.dst) {
        (Some(s), Some(d)) => format!(
            "Connect from {}:{} to {}:{} ({}/{mode})",
            s.ip(),
            s.port(),
            d.ip(),
            d.port(),
            f.name
        ),
        (Some(s), None) => format!(
            "Connect from {}:{} to undetermined address:0 ({}/{mode})",
            s.ip(),
            s.port(),
            f.name
        ),
        _ => {
            let id = f.listeners.get(li).map_or(0, |l| l.id);
            format!("Connect to unix:{id} ({}/{mode})", f.name)
        }
    };
    sink.send(super::LOG_INFO, line.as_bytes(), b"");
}

/// Renders the line (and its structured data) into the thread's buffers and sends it.
#[allow(clippy::too_many_arguments)]
fn send(
    fl: &super::FeLog,
    sink: &dyn super::Sink,
    line: &rampart_rules::logfmt::LogFormat,
    level: u8,
    s: &Stream<'_>,
    cx: &Cx,
    rec: &rampart_rules::logfmt::LogRec,
    http_be: bool,
) {
    LINE.with(|l| {
        let Ok(mut l) = l.try_borrow_mut() else {
            return;
        };
        let (out, sd) = &mut *l;
        out.clear();
        sd.clear();
        let max = super::max_line_len();
        if let Some(f) = fl.sd.as_deref() {
            f.render_log(s, cx, rec, http_be, max, sd);
        }
        line.render_log(s, cx, rec, http_be, max, out);
        if out.is_empty() {
            return;
        }
        fl.count.fetch_add(1, Ordering::Relaxed);
        sink.send(level, out, sd);
    });
}

/// Connection counts as the line reports them (the stream still counts).
fn fill_counts(w: &WorkerCx, e: &Ended<'_>, rec: &mut rampart_rules::logfmt::LogRec) {
    rec.actconn = i64::from(w.ctl.actconn.load(Ordering::Relaxed));
    rec.feconn =
        w.rt.frontends
            .get(e.fe)
            .map_or(0, |f| f.counters.scur.load(Ordering::Relaxed) as i64);
    if let Some(be) = e.be.and_then(|b| w.rt.backends.get(b)) {
        rec.beconn = be.counters.scur.load(Ordering::Relaxed) as i64;
        rec.srvconn = e
            .srv
            .and_then(|s| be.servers.get(s))
            .map_or(0, |s| s.served.load(Ordering::Relaxed) as i64);
    }
}

/// Why a connection ended before its first stream could start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionFail {
    /// An invalid request (400, or the error's status); `client_closed`: the client
    /// closed or failed too (`CR`), else the proxy refused it (`PR`).
    Invalid { status: u16, client_closed: bool },
    /// `timeout http-request` with a partial request (408, `cR`).
    Timeout,
    /// Closed before a complete request (400 `CR`).
    Closed,
}

/// Sends the line of a session that failed before any stream (`sess_log`): HAProxy's
/// H1 layer logs it unless nothing was received and `dontlognull` is set.
pub fn session_error(
    w: &WorkerCx,
    e: &Ended<'_>,
    log: &mut StreamLog,
    why: SessionFail,
    received: bool,
) {
    let Some(fe) = w.rt.frontends.get(e.fe) else {
        return;
    };
    let fl = &fe.log;
    let Some(sink) = fl.sink.as_deref() else {
        return;
    };
    if !received && fl.dontlognull {
        return;
    }
    let (status, err) = match why {
        SessionFail::Invalid {
            status,
            client_closed,
        } => (
            status,
            if client_closed {
                TermErr::CliClosed
            } else {
                TermErr::PrxCond
            },
        ),
        SessionFail::Timeout => (408, TermErr::CliTimeout),
        SessionFail::Closed => (400, TermErr::CliClosed),
    };
    let rec = &mut log.rec;
    rec.status = i64::from(status);
    rec.err = err;
    rec.fin = FinState::Request;
    rec.t_idle = rec.t_idle.max(0);
    rec.t_request = -1;
    rec.t_queue = -1;
    rec.t_connect = -1;
    rec.t_data = -1;
    rec.t_close = log.start.elapsed().as_millis().min(i64::MAX as u128) as i64;
    rec.bytes_in = 0;
    rec.bytes_out = 0;
    fill_counts(w, e, rec);
    rec.log_count = fl.count.load(Ordering::Relaxed);
    let level = if fl.separate_errors {
        LOG_ERR
    } else {
        LOG_INFO
    };
    let Some(line) = fl.error.as_deref().or(fl.line.as_deref()) else {
        return;
    };
    let env = StreamEnv {
        w,
        addrs: e.addrs,
        fe: e.fe,
        li: e.li,
        be: None,
        srv: None,
        first: e.first,
        http: true,
        fx: None,
    };
    let s = Stream::new(&env);
    let cx = Cx {
        bufsize: w.rt.bufsize,
    };
    send(fl, sink, line, level, &s, &cx, &log.rec, true);
}
