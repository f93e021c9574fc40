//! The rules' view of a stream: [`StreamEnv`] with what only the TCP rule sets know.

use crate::env::StreamEnv;
use rampart_net::ConnAddrs;
use rampart_rules::stream::{Dir, Env, Stat, Target, TaskTimes, TcpInfo};
use rampart_rules::vars::VarSet;
use std::net::SocketAddr;
use std::sync::RwLock;

/// The evaluation view of a TCP rule set: the stream's [`StreamEnv`], with whether
/// more data may come (`wait_end`, `req.len`...) and the connection's own addresses
/// when rules changed the stream's.
pub struct RuleEnv<'a> {
    pub inner: &'a StreamEnv<'a>,
    pub partial: bool,
    pub conn: Option<ConnAddrs>,
}

impl Env for RuleEnv<'_> {
    fn src(&self) -> Option<SocketAddr> {
        self.inner.src()
    }
    fn dst(&self) -> Option<SocketAddr> {
        self.inner.dst()
    }
    fn listener(&self) -> Option<(i64, &str)> {
        self.inner.listener()
    }
    fn frontend(&self) -> Option<(i64, &str)> {
        self.inner.frontend()
    }
    fn backend(&self) -> Option<(i64, &str)> {
        self.inner.backend()
    }
    fn server(&self) -> Option<(i64, &str)> {
        self.inner.server()
    }
    fn server_conn(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        self.inner.server_conn()
    }
    fn stat(&self, what: Stat, of: Target) -> Option<i64> {
        self.inner.stat(what, of)
    }
    fn stopping(&self) -> bool {
        self.inner.stopping()
    }
    fn thread(&self) -> i64 {
        self.inner.thread()
    }
    fn nbthread(&self) -> i64 {
        self.inner.nbthread()
    }
    fn node(&self) -> Option<&str> {
        self.inner.node()
    }
    fn first_request(&self) -> Option<bool> {
        self.inner.first_request()
    }
    fn unique_id(&self) -> Option<&[u8]> {
        self.inner.unique_id()
    }
    fn conn_addrs(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        match self.conn {
            Some(c) => Some((c.src, c.dst)),
            None => self.inner.conn_addrs(),
        }
    }
    fn is_local(&self, addr: SocketAddr) -> Option<bool> {
        self.inner.is_local(addr)
    }
    fn tcp_info(&self) -> Option<TcpInfo> {
        self.inner.tcp_info()
    }
    fn http_major(&self, server_side: bool) -> Option<i64> {
        self.inner.http_major(server_side)
    }
    fn conn_error(&self, server_side: bool) -> Option<u32> {
        self.inner.conn_error(server_side)
    }
    fn rcvd_proxy(&self) -> Option<bool> {
        self.inner.rcvd_proxy()
    }
    fn proxy_authority(&self) -> Option<&[u8]> {
        self.inner.proxy_authority()
    }
    fn proxy_unique_id(&self) -> Option<&[u8]> {
        self.inner.proxy_unique_id()
    }
    fn listener_conns(&self) -> Option<i64> {
        self.inner.listener_conns()
    }
    fn default_backend(&self) -> Option<&str> {
        self.inner.default_backend()
    }
    fn stream_timeout(&self, tunnel: bool) -> Option<i64> {
        self.inner.stream_timeout(tunnel)
    }
    fn last_rule(&self) -> Option<(&str, i64)> {
        self.inner.last_rule()
    }
    fn priority(&self) -> Option<(i64, i64)> {
        self.inner.priority()
    }
    fn task_times(&self) -> Option<TaskTimes> {
        self.inner.task_times()
    }
    fn http_mode(&self) -> bool {
        self.inner.http_mode()
    }
    fn partial(&self) -> bool {
        self.partial
    }
    fn bufsize(&self) -> Option<usize> {
        self.inner.bufsize()
    }
    fn maxrewrite(&self) -> Option<usize> {
        self.inner.maxrewrite()
    }
    fn res_complete(&self) -> bool {
        self.inner.res_complete()
    }
    fn body_pending(&self, dir: Dir) -> Option<u64> {
        self.inner.body_pending(dir)
    }
    fn captures(&self, response: bool) -> usize {
        self.inner.captures(response)
    }
    fn log_rec(&self) -> Option<&rampart_rules::logfmt::LogRec> {
        self.inner.log_rec()
    }
    fn capture(&self, response: bool, idx: usize) -> Option<&[u8]> {
        self.inner.capture(response, idx)
    }
    fn logged_request_line(&self) -> Option<&[u8]> {
        self.inner.logged_request_line()
    }
    fn use_proxy_header(&self) -> bool {
        self.inner.use_proxy_header()
    }
    fn check_user(&self, userlist: &str, user: &[u8], pass: &[u8]) -> Option<bool> {
        self.inner.check_user(userlist, user, pass)
    }
    fn proc_vars(&self) -> Option<&RwLock<VarSet>> {
        self.inner.proc_vars()
    }
}
