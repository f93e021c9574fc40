//! The orchestrator's side of a stream for the rules engine: [`StreamEnv`] answers the
//! questions sample fetches ask (`rampart_rules::stream::Env`) from the session's
//! addresses, the runtime's proxies, servers and counters, and the process state, and
//! [`Rules`] evaluates a proxy's conditions with it. Nothing here allocates: a
//! `StreamEnv` is a handful of references built on the stack for one evaluation.

use crate::state::Runtime;
use crate::worker::WorkerCx;
use rampart_h1::RequestHead;
use rampart_model::proxy::Cond;
use rampart_net::ConnAddrs;
use rampart_rules::acl::Acl;
use rampart_rules::conv::Cx;
use rampart_rules::stream::{Dir, Env, Stat, Stream, Target};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

/// What one evaluation may read about its stream.
pub struct StreamEnv<'a> {
    pub w: &'a WorkerCx,
    pub addrs: &'a ConnAddrs,
    /// The frontend (runtime index).
    pub fe: usize,
    /// The backend once chosen (runtime index). Frontend rules run before: HAProxy
    /// reports the frontend itself as the backend then.
    pub be: Option<usize>,
    /// The server once chosen (index in the backend).
    pub srv: Option<usize>,
    /// The request is the first of its connection.
    pub first: bool,
    pub http: bool,
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
    fn src(&self) -> Option<SocketAddr> {
        self.addrs.src
    }
    fn dst(&self) -> Option<SocketAddr> {
        self.addrs.dst
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
