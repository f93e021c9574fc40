//! Traffic counters that `show stat`, `show info`, the stats page and Prometheus read
//! (issue 7), counted where the stream already knows the event: relaxed atomics and
//! HAProxy's frequency counters, no lock and no allocation per request. A stream's
//! end goes through [`stream_end`], which reads the record the logs read
//! ([`crate::logs::StreamLog`]): status, termination state and timers come from one
//! place, so the logs and the statistics cannot disagree.

use crate::logs::StreamLog;
use crate::rate::FreqCtr;
use crate::state::{add, inc, Backend, Frontend, ProxyCounters, Runtime, Server};
use rampart_rules::logfmt::{FinState, TermErr};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

/// HAProxy's `TIME_STATS_SAMPLES`: the averaging window of the time fields.
pub const TIME_SAMPLES: u32 = 512;

/// Counters shared by frontends, backends and servers (each reads those HAProxy
/// reports for its kind).
#[derive(Debug, Default)]
pub struct Traffic {
    /// HTTP requests (`req_tot`) and responses by class (`hrsp_other`, `1xx`..`5xx`).
    pub req_tot: AtomicU64,
    pub hrsp: [AtomicU64; 6],
    /// Requests the proxy answered itself (`intercepted`: return, redirect, stats...).
    pub intercepted: AtomicU64,
    /// Transfers aborted by the client (`cli_abrt`) or the server (`srv_abrt`).
    pub cli_abrt: AtomicU64,
    pub srv_abrt: AtomicU64,
    /// Internal errors (`eint`).
    pub eint: AtomicU64,
    /// Times chosen by the balancing (`lbtot`).
    pub lbtot: AtomicU64,
    /// New server connections (`connect`) and reused idle ones (`reuse`).
    pub connect: AtomicU64,
    pub reuse: AtomicU64,
    /// Highest concurrent sessions (`smax`).
    pub smax: AtomicU64,
    /// Session rate and its maximum (`rate`, `rate_max`; frontends keep their rate in
    /// `Frontend::sess_rate`, which `rate-limit sessions` reads).
    pub sess_rate: FreqCtr,
    pub sps_max: AtomicU32,
    /// Request rate and its maximum (`req_rate`, `req_rate_max`; frontends).
    pub req_rate: FreqCtr,
    pub rps_max: AtomicU32,
    /// Connections accepted (`conn_tot`), their rate and its maximum (frontends).
    pub conn_tot: AtomicU64,
    pub conn_rate: FreqCtr,
    pub cps_max: AtomicU32,
    /// Seconds since the epoch of the last session (`lastsess`; 0: none yet).
    pub last_sess: AtomicU64,
    /// Sliding sums of queue, connect, response and total times (`qtime`, `ctime`,
    /// `rtime`, `ttime`) and their maxima.
    pub times: [AtomicU32; 4],
    pub times_max: [AtomicU32; 4],
}

#[inline]
fn max32(a: &AtomicU32, v: u32) {
    a.fetch_max(v, Relaxed);
}

/// The process's own figures (`show info`).
#[derive(Debug, Default)]
pub struct Process {
    /// Highest connection and session rates (`MaxConnRate`, `MaxSessRate`).
    pub cps_max: AtomicU32,
    pub sps_max: AtomicU32,
    /// Connections accepted on the proxies' listeners (`CumConns` adds the CLI's).
    pub conns: AtomicU64,
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Traffic {
    /// A connection was accepted (frontends): `conn_tot` and the connection and
    /// session rates; `sess_rate` is the frontend's own counter, already updated.
    pub fn accepted(&self, rate_now: u32) {
        inc(&self.conn_tot);
        max32(&self.cps_max, self.conn_rate.update(1));
        max32(&self.sps_max, rate_now);
    }

    /// One more session now counted in `cur` (`smax`).
    #[inline]
    pub fn cur(&self, cur: u64) {
        self.smax.fetch_max(cur, Relaxed);
    }

    /// A session started on this backend or server (`rate`, `rate_max`, `lastsess`).
    pub fn session(&self) {
        max32(&self.sps_max, self.sess_rate.update(1));
        self.last_sess.store(now_secs(), Relaxed);
    }

    /// A request arrived (frontends: `req_tot`, `req_rate`).
    pub fn request(&self) {
        inc(&self.req_tot);
        max32(&self.rps_max, self.req_rate.update(1));
    }

    /// A response with `status` (-1: none) was counted by class.
    #[inline]
    pub fn status(&self, status: i64) {
        inc(&self.hrsp[class(status)]);
    }

    /// Seconds since the last session (-1: none), HAProxy's `srv_lastsession`.
    pub fn lastsess(&self) -> i64 {
        match self.last_sess.load(Relaxed) {
            0 => -1,
            t => now_secs().saturating_sub(t) as i64,
        }
    }

    /// The four averages (`qtime`, `ctime`, `rtime`, `ttime`), `samples`: requests (HTTP)
    /// or balanced sessions counted so far.
    pub fn averages(&self, samples: u64) -> [u32; 4] {
        let n = if samples > 0 && samples < u64::from(TIME_SAMPLES) {
            samples as u32
        } else {
            TIME_SAMPLES
        };
        let avg = |s: &AtomicU32| {
            let s = s.load(Relaxed);
            u64::from(s).div_ceil(u64::from(n)) as u32
        };
        [
            avg(&self.times[0]),
            avg(&self.times[1]),
            avg(&self.times[2]),
            avg(&self.times[3]),
        ]
    }

    fn add_times(&self, samples: u64, t: [u32; 4]) {
        let n = if samples > u64::from(TIME_SAMPLES) {
            TIME_SAMPLES
        } else {
            0
        };
        for (i, v) in t.into_iter().enumerate() {
            // HAProxy's `swrate_add_dynamic`: sum - sum/n + v (a plain sum while the
            // window is not full).
            let _ = self.times[i].fetch_update(Relaxed, Relaxed, |s| {
                let drop = if n > 0 { s.div_ceil(n) } else { 0 };
                Some(s.wrapping_sub(drop).wrapping_add(v))
            });
            max32(&self.times_max[i], v);
        }
    }
}

/// A listener's own counters (`option socket-stats`, HAProxy's `listener->counters`),
/// kept only when the option is set: the events HAProxy counts on the frontend and on
/// its listener alike ([`Ev`], [`event`]), the connections on the listener, its bytes.
#[derive(Debug, Default)]
pub struct ListenerCounters {
    /// Connections on the listener now (`scur`, HAProxy's `nbconn`: from the accept to
    /// the close), the most ever (`smax`) and accepted so far (`stot`, `cum_conn`).
    pub cur: AtomicU64,
    pub cur_max: AtomicU64,
    pub conns: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub denied_conn: AtomicU64,
    pub denied_sess: AtomicU64,
    pub denied_req: AtomicU64,
    pub denied_resp: AtomicU64,
    pub ereq: AtomicU64,
    pub failed_rewrites: AtomicU64,
    pub eint: AtomicU64,
}

impl ListenerCounters {
    /// A connection was accepted on the listener.
    pub fn connected(&self) {
        inc(&self.conns);
        let n = self.cur.fetch_add(1, Relaxed) + 1;
        self.cur_max.fetch_max(n, Relaxed);
    }

    /// A connection accepted on the listener is closed.
    pub fn closed(&self) {
        crate::state::dec(&self.cur);
    }

    /// `clear counters`: the maximum; with `all`, every counter but the connections
    /// open now.
    pub fn clear(&self, all: bool) {
        self.cur_max.store(0, Relaxed);
        if all {
            for c in [
                &self.conns,
                &self.bytes_in,
                &self.bytes_out,
                &self.denied_conn,
                &self.denied_sess,
                &self.denied_req,
                &self.denied_resp,
                &self.ereq,
                &self.failed_rewrites,
                &self.eint,
            ] {
                c.store(0, Relaxed);
            }
        }
    }

    fn of(&self, ev: Ev) -> &AtomicU64 {
        match ev {
            Ev::DeniedConn => &self.denied_conn,
            Ev::DeniedSess => &self.denied_sess,
            Ev::DeniedReq => &self.denied_req,
            Ev::DeniedResp => &self.denied_resp,
            Ev::Ereq => &self.ereq,
            Ev::FailedRewrite => &self.failed_rewrites,
            Ev::Eint => &self.eint,
        }
    }
}

/// What HAProxy counts on a frontend and on the session's listener together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    /// `dcon`, `dses`, `dreq`, `dresp`.
    DeniedConn,
    DeniedSess,
    DeniedReq,
    DeniedResp,
    /// Invalid requests (`ereq`).
    Ereq,
    /// Header rewrites that failed (`wrew`).
    FailedRewrite,
    /// Internal errors (`eint`).
    Eint,
}

impl ProxyCounters {
    fn of(&self, ev: Ev) -> &AtomicU64 {
        match ev {
            Ev::DeniedConn => &self.denied_conn,
            Ev::DeniedSess => &self.denied_sess,
            Ev::DeniedReq => &self.denied_req,
            Ev::DeniedResp => &self.denied_resp,
            Ev::Ereq => &self.ereq,
            Ev::FailedRewrite => &self.failed_rewrites,
            Ev::Eint => &self.traffic.eint,
        }
    }
}

/// Counts `ev` on frontend `f` and on its listener `li` when that one keeps counters.
#[inline]
pub fn event(f: &Frontend, li: usize, ev: Ev) {
    inc(f.counters.of(ev));
    if let Some(l) = f.li_counters(li) {
        inc(l.of(ev));
    }
}

/// HAProxy's response class index: `status / 100` when 1 to 5, else 0 ("other"; -1,
/// no response, counts there as in HAProxy).
#[inline]
pub fn class(status: i64) -> usize {
    match status / 100 {
        n @ 1..=5 => n as usize,
        _ => 0,
    }
}

/// The balancing chose `srv` in `be` (`lbtot`).
#[inline]
pub fn balanced(be: &Backend, srv: &Server) {
    inc(&be.counters.traffic.lbtot);
    inc(&srv.counters.traffic.lbtot);
}

/// A stream takes server `s` (`stot`, `rate`, `lastsess`, `smax` from its served
/// streams).
pub fn server_session(s: &Server) {
    let t = &s.counters.traffic;
    inc(&s.counters.stot);
    t.session();
    t.cur(u64::from(s.served.load(Relaxed)));
}

/// A server connection is being set up (`reused`: an idle one was taken).
#[inline]
pub fn connection(be: &Backend, srv: Option<&Server>, reused: bool) {
    fn pick(t: &Traffic, reused: bool) -> &AtomicU64 {
        if reused {
            &t.reuse
        } else {
            &t.connect
        }
    }
    inc(pick(&be.counters.traffic, reused));
    if let Some(s) = srv {
        inc(pick(&s.counters.traffic, reused));
        // HAProxy counts a server's session at each connection attempt or reuse.
        server_session(s);
    }
}

/// A server's response head arrived with `status` (`req_tot`, `hrsp_*` of servers:
/// HAProxy counts them when the response is received).
#[inline]
pub fn server_response(srv: &Server, status: u16) {
    let t = &srv.counters.traffic;
    inc(&t.req_tot);
    t.status(i64::from(status));
}

/// The stream ends: response classes of the frontend and backend by the status the
/// client got, aborts, and the backend's and server's time averages
/// (`stream_update_time_stats`). `li`: the listener of the session; `http_fe`: the
/// frontend is in `mode http`.
pub fn stream_end(rt: &Runtime, (fe, li): (usize, usize), log: &StreamLog, http_fe: bool) {
    let rec = &log.rec;
    let Some(f) = rt.frontends.get(fe) else {
        return;
    };
    let be = log.be.and_then(|b| rt.backends.get(b));
    let srv = be.and_then(|b| log.srv.and_then(|s| b.servers.get(s)));
    let http_be = be.is_some_and(|b| b.mode == rampart_model::proxy::Mode::Http);
    // Bytes, as the log line reports them (`%U`, `%B`: heads included).
    let (bin, bout) = (rec.bytes_in, rec.bytes_out);
    let counters = [Some(&f.counters), be.map(|b| &b.counters)];
    for c in counters.into_iter().flatten() {
        add(&c.bytes_in, bin);
        add(&c.bytes_out, bout);
    }
    if let Some(s) = srv {
        add(&s.counters.bytes_in, bin);
        add(&s.counters.bytes_out, bout);
    }
    if let Some(l) = f.li_counters(li) {
        add(&l.bytes_in, bin);
        add(&l.bytes_out, bout);
    }
    if rec.status != 0 {
        if http_fe {
            f.counters.traffic.status(rec.status);
        }
        if let (Some(b), true) = (be, http_be) {
            b.counters.traffic.status(rec.status);
            inc(&b.counters.traffic.req_tot);
        }
    }
    if let Some(b) = be {
        let cli = matches!(rec.err, TermErr::CliClosed | TermErr::CliTimeout)
            && matches!(rec.fin, FinState::Headers | FinState::Data);
        let srv_ab = matches!(rec.err, TermErr::SrvClosed | TermErr::SrvTimeout)
            && rec.fin == FinState::Data;
        if cli || srv_ab {
            let all = [Some(&f.counters.traffic), Some(&b.counters.traffic)];
            for t in all
                .into_iter()
                .chain([srv.map(|s| &s.counters.traffic)])
                .flatten()
            {
                inc(if cli { &t.cli_abrt } else { &t.srv_abrt });
            }
            // A server aborting the transfer also failed its response.
            if srv_ab {
                inc(&b.counters.eresp);
                if let Some(s) = srv {
                    inc(&s.counters.eresp);
                }
            }
        }
        time_stats(b, srv, rec, log, http_be);
    }
}

/// HAProxy's `stream_update_time_stats`.
fn time_stats(
    b: &Backend,
    srv: Option<&Server>,
    rec: &rampart_rules::logfmt::LogRec,
    log: &StreamLog,
    http_be: bool,
) {
    let t_connect = rec.t_connect;
    let t_data = if http_be { rec.t_data } else { t_connect };
    if t_connect < 0 || t_data < 0 {
        return;
    }
    let t_close = log.start.elapsed().as_millis().min(i64::MAX as u128) as i64;
    let t_request = rec.t_request.max(0);
    let t_queue = rec.t_queue;
    let cl = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
    let t = [
        cl(t_queue - t_request),
        cl(t_connect - t_queue),
        cl(t_data - t_connect),
        cl(t_close),
    ];
    let samples = |tr: &Traffic| {
        if http_be {
            tr.req_tot.load(Relaxed)
        } else {
            tr.lbtot.load(Relaxed)
        }
    };
    if let Some(s) = srv {
        let tr = &s.counters.traffic;
        tr.add_times(samples(tr), t);
    }
    let tr = &b.counters.traffic;
    tr.add_times(samples(tr), t);
}
