//! The orchestrator's side of a stream for the rules engine: [`StreamEnv`] answers the
//! questions sample fetches ask (`rampart_rules::stream::Env`) from the session's
//! addresses, the runtime's proxies, servers and counters, the process state and what
//! the rules set on the stream ([`StreamFx`]), and [`Rules`] evaluates a proxy's
//! conditions with it. Nothing here allocates: a `StreamEnv` is a handful of references
//! built on the stack for one evaluation.

use crate::state::Runtime;
use crate::worker::WorkerCx;
use rampart_h1::RequestHead;
use rampart_model::proxy::Cond;
use rampart_net::ConnAddrs;
use rampart_rules::acl::Acl;
use rampart_rules::action::LogLevel;
use rampart_rules::conv::Cx;
use rampart_rules::stream::{Dir, Env, Stat, Stream, Target};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What the HTTP rules set on one stream (`Effect`s of `rampart_rules::action`): it
/// lives as long as the stream, and only what a rule set is kept (its vectors stay
/// empty, without allocation, when no rule captures or hints).
#[derive(Debug, Default)]
pub struct StreamFx {
    /// `set-src`, `set-dst` and their ports: the stream's view of the client's
    /// addresses, until the request goes to a server (then the session's addresses are
    /// these for the rest of the stream, and `conn` keeps the connection's own).
    pub addrs: Option<ConnAddrs>,
    /// The connection's own addresses while the session's were replaced by `addrs`
    /// (`fc_src`, `fc_dst` still read them), to be restored when the stream ends.
    pub conn: Option<ConnAddrs>,
    /// The connection's addresses when the session's differ from them (`tcp-request
    /// session set-src|set-dst`): what `fc_src`, `fc_dst` read.
    pub fc: Option<ConnAddrs>,
    /// What the client's PROXY header carried (`None`: no header).
    pub pp: Option<std::rc::Rc<crate::handshake::PpTlvs>>,
    /// `set-log-level` (for the logs of a later version).
    pub log_level: Option<LogLevel>,
    /// `set-nice`: recorded, the stream's priority among the thread's tasks (HAProxy's
    /// scheduler uses it; Rampart's threads run their streams in turn).
    pub nice: i32,
    /// `set-timeout server` / `set-timeout tunnel` (`Some(None)`: no timeout, as a
    /// value of 0 gives).
    pub server_timeout: Option<Option<Duration>>,
    pub tunnel_timeout: Option<Option<Duration>>,
    /// `set-priority-class` and `set-priority-offset` (milliseconds).
    pub prio_class: i32,
    pub prio_offset: i32,
    /// `disable-l7-retry`: `retry-on` conditions other than connection failures stop
    /// applying to this stream.
    pub no_l7_retry: bool,
    /// The values of the frontend's request and response capture slots
    /// (`capture.req.hdr(N)`, `capture.res.hdr(N)`; the logs' `%hr`, `%hs`).
    pub req_caps: crate::capture::Values,
    pub res_caps: crate::capture::Values,
    /// 103 responses built by `early-hint` rules, to send before anything else.
    pub early: Vec<u8>,
    /// A 103 response is being built in `early` (its head is not ended yet).
    pub early_open: bool,
    /// The location of a `redirect` answer chosen by response rules.
    pub location: Vec<u8>,
    /// The last rule that ended a rule set (`last_rule_file`, `last_rule_line`).
    pub last_rule: Option<rampart_config::Span>,
    /// What the stream's log line reports (timers, termination state, request line).
    pub log: crate::logs::StreamLog,
    /// The length of the request head while the request is still in the client buffer
    /// (the proxy's own answers may render its body: `lf-string "%[req.body]"`).
    pub buffered_head: Option<usize>,
    /// How many body bytes the request rules see: what HAProxy's buffer holds of the
    /// body, its input stopping `tune.maxrewrite` short of the buffer (counted in HTX
    /// bytes, with the head as received), so that rewrites have that much room;
    /// computed when the first request rule runs.
    pub body_cap: Option<usize>,
}

impl StreamFx {
    /// Forgets what the previous stream set, keeping the storage.
    pub fn reset(&mut self) {
        self.addrs = None;
        self.conn = None;
        self.fc = None;
        self.pp = None;
        self.log_level = None;
        self.nice = 0;
        self.server_timeout = None;
        self.tunnel_timeout = None;
        self.prio_class = 0;
        self.prio_offset = 0;
        self.no_l7_retry = false;
        self.req_caps.clear();
        self.res_caps.clear();
        self.early.clear();
        self.early_open = false;
        self.location.clear();
        self.buffered_head = None;
        self.body_cap = None;
        self.last_rule = None;
    }

    /// Stores a capture in slot `idx` of a direction, cut to `len` bytes.
    pub fn capture(&mut self, response: bool, idx: usize, value: &[u8], len: usize) {
        let v = if response {
            &mut self.res_caps
        } else {
            &mut self.req_caps
        };
        v.set(idx, value, len);
    }

    /// The server timeout in force: `set-timeout server`'s, else `configured`.
    pub fn server_timeout(&self, configured: Option<Duration>) -> Option<Duration> {
        self.server_timeout.unwrap_or(configured)
    }

    /// The tunnel timeout in force.
    pub fn tunnel_timeout(&self, configured: Option<Duration>) -> Option<Duration> {
        self.tunnel_timeout.unwrap_or(configured)
    }
}

/// What one evaluation may read about its stream.
#[derive(Clone, Copy)]
pub struct StreamEnv<'a> {
    pub w: &'a WorkerCx,
    pub addrs: &'a ConnAddrs,
    /// The frontend (runtime index).
    pub fe: usize,
    /// The listener that accepted the connection (index in the frontend's).
    pub li: usize,
    /// The backend once chosen (runtime index). Frontend rules run before: HAProxy
    /// reports the frontend itself as the backend then.
    pub be: Option<usize>,
    /// The server once chosen (index in the backend).
    pub srv: Option<usize>,
    /// The request is the first of its connection.
    pub first: bool,
    pub http: bool,
    /// What the rules set on the stream so far (addresses, timeouts, captures).
    pub fx: Option<&'a StreamFx>,
}

impl StreamEnv<'_> {
    fn rt(&self) -> &Runtime {
        &self.w.rt
    }
    /// The backend a figure is about: an explicit one (a configuration index), else the
    /// stream's.
    fn backend_of(&self, of: Option<usize>) -> Option<usize> {
        match of {
            Some(i) => self.rt().proxies.get(i).and_then(|p| p.be),
            None => self
                .be
                .or_else(|| self.rt().frontends.get(self.fe)?.own_backend),
        }
    }
    fn frontend_of(&self, of: Option<usize>) -> Option<usize> {
        match of {
            Some(i) => self.rt().proxies.get(i).and_then(|p| p.fe),
            None => Some(self.fe),
        }
    }
}

impl Env for StreamEnv<'_> {
    fn proc_vars(&self) -> Option<&std::sync::RwLock<rampart_rules::vars::VarSet>> {
        Some(&self.rt().proc_vars)
    }
    fn src(&self) -> Option<SocketAddr> {
        match self.fx.and_then(|f| f.addrs) {
            Some(a) => a.src,
            None => self.addrs.src,
        }
    }
    fn dst(&self) -> Option<SocketAddr> {
        match self.fx.and_then(|f| f.addrs) {
            Some(a) => a.dst,
            None => self.addrs.dst,
        }
    }
    fn rcvd_proxy(&self) -> Option<bool> {
        self.fx.map(|fx| fx.pp.is_some())
    }
    fn proxy_authority(&self) -> Option<&[u8]> {
        self.fx?.pp.as_deref()?.authority.as_deref()
    }
    fn proxy_unique_id(&self) -> Option<&[u8]> {
        self.fx?.pp.as_deref()?.unique_id.as_deref()
    }
    fn conn_addrs(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        let fx = self.fx?;
        if let Some(c) = fx.fc {
            return Some((c.src, c.dst));
        }
        match (fx.conn, fx.addrs) {
            (Some(c), _) => Some((c.src, c.dst)),
            (None, Some(_)) => Some((self.addrs.src, self.addrs.dst)),
            (None, None) => None,
        }
    }
    fn stream_timeout(&self, tunnel: bool) -> Option<i64> {
        let b = self.rt().backends.get(self.backend_of(None)?)?;
        let t = match (self.fx, tunnel) {
            (Some(f), true) => f.tunnel_timeout(b.timeouts.tunnel),
            (Some(f), false) => f.server_timeout(b.timeouts.server),
            (None, true) => b.timeouts.tunnel,
            (None, false) => b.timeouts.server,
        };
        Some(t.map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64))
    }
    fn priority(&self) -> Option<(i64, i64)> {
        let f = self.fx?;
        Some((i64::from(f.prio_class), i64::from(f.prio_offset)))
    }
    fn conn_error(&self, server_side: bool) -> Option<u32> {
        // A stream runs on a connection that has no error (HAProxy's `CO_ER_NONE`);
        // the server side has one once connected.
        (!server_side || self.srv.is_some()).then_some(0)
    }
    fn last_rule(&self) -> Option<(&str, i64)> {
        let span = self.fx?.last_rule?;
        let file = self.rt().files.get(span.file.0 as usize)?;
        Some((file, i64::from(span.line)))
    }
    fn logged_request_line(&self) -> Option<&[u8]> {
        let l = &self.fx?.log;
        l.has_uri.then_some(&l.uri[..])
    }
    fn server_conn(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        self.fx?.log.srv_addrs
    }
    fn log_rec(&self) -> Option<&rampart_rules::logfmt::LogRec> {
        Some(&self.fx?.log.rec)
    }
    fn unique_id(&self) -> Option<&[u8]> {
        let l = &self.fx?.log;
        l.has_unique_id.then_some(&l.unique_id[..])
    }
    fn captures(&self, response: bool) -> usize {
        // Without a stream (a connection's early error) there are no capture slots.
        if self.fx.is_none() {
            return 0;
        }
        self.rt()
            .frontends
            .get(self.fe)
            .map_or(0, |f| f.caps.count(response))
    }
    fn capture(&self, response: bool, idx: usize) -> Option<&[u8]> {
        let fx = self.fx?;
        if response {
            fx.res_caps.get(idx)
        } else {
            fx.req_caps.get(idx)
        }
    }
    fn check_user(&self, userlist: &str, user: &[u8], pass: &[u8]) -> Option<bool> {
        self.rt().userlists.check(userlist, user, pass)
    }
    fn user_groups(&self, userlist: &str, user: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.rt().userlists.any_group(userlist, user, f)
    }
    fn use_proxy_header(&self) -> bool {
        self.rt()
            .frontends
            .get(self.fe)
            .is_some_and(|f| f.http.use_proxy_header)
    }
    fn listener(&self) -> Option<(i64, &str)> {
        let l = self.rt().frontends.get(self.fe)?.listeners.get(self.li)?;
        Some((l.id, l.name.as_deref().unwrap_or("")))
    }
    fn frontend(&self) -> Option<(i64, &str)> {
        let f = self.rt().frontends.get(self.fe)?;
        Some((f.uuid, &f.name))
    }
    fn backend(&self) -> Option<(i64, &str)> {
        match self.be {
            Some(b) => {
                let b = self.rt().backends.get(b)?;
                Some((b.uuid, &b.name))
            }
            // Before the backend is known, HAProxy's stream points at the frontend.
            None => self.frontend(),
        }
    }
    fn server(&self) -> Option<(i64, &str)> {
        let b = self.rt().backends.get(self.be?)?;
        let s = b.servers.get(self.srv?)?;
        Some((s.puid, &s.name))
    }
    fn stat(&self, what: Stat, of: Target) -> Option<i64> {
        let rt = self.rt();
        match of {
            Target::Frontend(f) => {
                let f = rt.frontends.get(self.frontend_of(f)?)?;
                match what {
                    Stat::Conn => Some(f.counters.scur.load(Ordering::Relaxed) as i64),
                    Stat::SessRate => Some(i64::from(f.sess_rate.read())),
                    Stat::TimeoutClient => Some(
                        f.timeouts
                            .client
                            .map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64),
                    ),
                    _ => None,
                }
            }
            Target::Backend(b) => {
                let b = rt.backends.get(self.backend_of(b)?)?;
                let usable = || b.servers.iter().filter(|s| s.live.serving()).count() as i64;
                match what {
                    Stat::Conn => Some(i64::from(b.beconn.load(Ordering::Relaxed))),
                    Stat::NbSrv => Some(usable()),
                    Stat::Queue => Some(b.counters.qcur.load(Ordering::Relaxed) as i64),
                    Stat::AvgQueue => {
                        let q = b.counters.qcur.load(Ordering::Relaxed) as i64;
                        let n = usable();
                        Some(if n > 0 { (q + n - 1) / n } else { q })
                    }
                    Stat::TimeoutServer => Some(
                        b.timeouts
                            .server
                            .map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64),
                    ),
                    Stat::TimeoutTunnel => Some(
                        b.timeouts
                            .tunnel
                            .map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64),
                    ),
                    _ => None,
                }
            }
            Target::Server(s) => {
                let (b, s) = match s {
                    Some((p, s)) => (rt.proxies.get(p)?.be?, s),
                    None => (self.be?, self.srv?),
                };
                let s = rt.backends.get(b)?.servers.get(s)?;
                match what {
                    Stat::Conn => Some(i64::from(s.served.load(Ordering::Relaxed))),
                    Stat::IsUp => Some(i64::from(s.live.alive())),
                    Stat::MaxConn => Some(i64::from(s.limits.maxconn())),
                    Stat::UWeight => Some(i64::from(s.live.uweight())),
                    _ => None,
                }
            }
        }
    }
    fn stopping(&self) -> bool {
        self.w.ctl.is_stopping()
    }
    fn nbthread(&self) -> i64 {
        self.rt().nbthread as i64
    }
    fn first_request(&self) -> Option<bool> {
        Some(self.first)
    }
    fn http_mode(&self) -> bool {
        self.http
    }
    fn bufsize(&self) -> Option<usize> {
        Some(self.rt().bufsize)
    }
    fn maxrewrite(&self) -> Option<usize> {
        Some(self.rt().maxrewrite)
    }
    fn default_backend(&self) -> Option<&str> {
        let f = self.rt().frontends.get(self.fe)?;
        Some(&self.rt().backends.get(f.default_backend?)?.name)
    }
}

/// A proxy's ACLs, with what evaluating its conditions needs.
pub struct Rules<'a> {
    pub acls: &'a [Acl],
    pub cx: Cx,
}

impl<'a> Rules<'a> {
    pub fn new(acls: &'a [Acl], bufsize: usize) -> Self {
        Rules {
            acls,
            cx: Cx { bufsize },
        }
    }

    /// True when `cond` holds (no condition always does) for a request whose head is
    /// `req` and whose buffered bytes after the head are `data`.
    pub fn holds(
        &self,
        cond: Option<&Cond>,
        env: &dyn Env,
        req: Option<&RequestHead>,
        data: &[u8],
    ) -> bool {
        let Some(c) = cond else { return true };
        let s = Stream {
            req,
            req_data: data,
            dir: Dir::Req,
            ..Stream::new(env)
        };
        c.holds(self.acls, &s, &self.cx)
    }
}
