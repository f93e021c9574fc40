//! Running one check: the steps of a ruleset over real connections (`rampart_net`), with
//! HAProxy's time limits (`tcpcheck_eval_connect`, `process_chk_conn`): a connection may
//! take `inter`, or `min(inter, timeout connect)` when `timeout check` is set; once it is
//! established, `timeout check` (when set) bounds the rest, otherwise the same `inter`
//! deadline does. Failures are reported as HAProxy's `chk_report_conn_err` words them.
//!
//! Connections come from a [`Connector`] the caller supplies (the proxy gives
//! `rampart_net` connections, with the server's `source`): this crate stays beside the
//! socket layer, not above it.

use crate::agent;
use crate::expect::{self, Ctx, Eval};
use crate::ruleset::{ConnectStep, ExpectStep, Gen, Matcher, Proto, Ruleset, StepKind};
use crate::status::{Report, Status};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout_at;

/// Where a check connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    Inet(SocketAddr),
    /// The server's own address when it is not an IP one (a Unix socket...).
    Server,
}

/// Opens check connections (the caller applies `source`, socket options...).
pub trait Connector {
    type Conn: AsyncRead + AsyncWrite + Unpin;
    /// `delack`: no quick ACK, so the handshake's last ACK waits for data (HAProxy's
    /// `CONNECT_DELACK_ALWAYS`, asked when the connect is the last rule or a send
    /// follows it).
    fn connect(
        &self,
        dest: Dest,
        delack: bool,
    ) -> impl Future<Output = Result<Self::Conn, ConnectFailure>>;
    /// Close with a reset (HAProxy's checks do, unless `linger`).
    fn set_nolinger(conn: &Self::Conn);
    /// The connection's own and peer addresses (for the PROXY v1 header).
    fn addrs(conn: &Self::Conn) -> (Option<SocketAddr>, Option<SocketAddr>);
}

/// A failed connection attempt.
#[derive(Debug)]
pub struct ConnectFailure {
    pub error: io::Error,
    /// `connect(2)` itself failed, not the attempt under way: HAProxy then names its
    /// connection error code before `strerror` ("General socket error (Network is
    /// unreachable)").
    pub immediate: bool,
}

impl From<io::Error> for ConnectFailure {
    fn from(error: io::Error) -> ConnectFailure {
        ConnectFailure {
            error,
            immediate: false,
        }
    }
}

/// How a server is reached by its checks.
#[derive(Clone, Debug)]
pub struct Target {
    /// The server's address (its port is replaced by the check port for IP addresses).
    pub server: Option<Dest>,
    /// `addr` (or `agent-addr`).
    pub addr: Option<IpAddr>,
    /// `port` (or `agent-port`), else the port of `addr`, else the server's port; 0: none.
    pub port: u16,
    /// The PROXY header the `default` connect sends (`check-send-proxy`, or the server's
    /// `send-proxy*` when the check goes to the server's own address and port).
    pub proxy: Option<ProxyHeader>,
    /// `agent-send`.
    pub agent_send: Option<Vec<u8>>,
}

/// Which PROXY header a check sends: version 1 with the connection's own addresses, or
/// version 2 `LOCAL` with the TLVs of `proxy-v2-options` (as HAProxy's checks do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyHeader {
    V1,
    V2 {
        crc32c: bool,
        unique_id: bool,
        ssl: bool,
    },
}

/// The time limits of a check.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The check's `inter` (not the current interval: HAProxy bounds with `check->inter`).
    pub inter: Duration,
    pub connect: Option<Duration>,
    pub check: Option<Duration>,
}

/// The result of one run.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    /// What an agent replied (the caller applies it, then words the report with
    /// [`agent::report`]).
    pub agent: Option<Box<agent::Reply>>,
    /// A status a rule recorded before the final one (`Eval::Reported`).
    pub early: Option<Box<Report>>,
}

/// Settings of the check that depend on the server's state now.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    /// `disable-on-404` applies: the server is not down and the option is set.
    pub nolb_404: bool,
    pub bufsize: usize,
}

struct Run<'a, C: Connector> {
    rs: &'a Ruleset,
    t: &'a Target,
    cn: &'a C,
    start: Instant,
    conn: Option<C::Conn>,
    buf: Vec<u8>,
    eof: bool,
    cur: usize,
}

/// Runs the ruleset once.
pub async fn run<C: Connector>(
    rs: &Ruleset,
    t: &Target,
    cn: &C,
    tm: &Timing,
    env: &Env,
    apply: impl FnOnce(Outcome),
) {
    let mut r = Run {
        rs,
        t,
        cn,
        start: Instant::now(),
        conn: None,
        buf: Vec::new(),
        eof: false,
        cur: 0,
    };
    let mut out = r.steps(tm, env).await;
    out.report.duration = r.start.elapsed().as_millis() as u64;
    // The result applies before the connection closes, as HAProxy's checks change the
    // server's state from the reply's processing: a peer that sees the close may already
    // read the new state.
    apply(out);
    if let Some(c) = r.conn.take() {
        drop(c);
    }
}

fn outcome(report: Report) -> Outcome {
    Outcome {
        report,
        agent: None,
        early: None,
    }
}

/// HAProxy's connection error code for a `connect(2)` that failed at once
/// (`tcp_connect_server`'s `CO_ER_FREE_PORTS`, `CO_ER_ADDR_INUSE`, `CO_ER_SOCK_ERR`).
fn immediate_code(e: &io::Error) -> &'static str {
    use nix::libc;
    match e.raw_os_error() {
        Some(libc::EAGAIN | libc::EADDRNOTAVAIL) => "no free ports",
        Some(libc::EADDRINUSE) => "local address already in use",
        _ => "General socket error",
    }
}

/// `strerror` of an I/O error (HAProxy's words: "Connection refused").
fn strerror(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => match e.kind() {
            io::ErrorKind::ConnectionRefused => "Connection refused".into(),
            io::ErrorKind::ConnectionReset => "Connection reset by peer".into(),
            _ => e.to_string(),
        },
    }
}

impl<C: Connector> Run<'_, C> {
    /// The tcp-check words of a failure at the current step (`chk_report_conn_err`); empty
    /// outside `option tcp-check`.
    fn step_text(&self) -> String {
        if self.rs.proto != Proto::Tcp {
            return String::new();
        }
        let steps = &self.rs.steps;
        let id = expect::step_id(steps, self.cur);
        if id == 0 {
            return " at initial connection step of tcp-check".into();
        }
        let mut s = format!(" at step {id} of tcp-check");
        match steps.get(self.cur).map(|s| &s.kind) {
            Some(StepKind::Connect(c)) => match c.port {
                Some(p) => s.push_str(&format!(" (connect port {p})")),
                None => s.push_str(" (connect)"),
            },
            Some(StepKind::Expect(e)) => s.push_str(&expect_words(e)),
            Some(StepKind::Send(_) | StepKind::SendGen(_) | StepKind::SendHttp(_)) => {
                s.push_str(" (send)")
            }
            None => {}
        }
        if let Some(c) = steps.get(self.cur).and_then(|s| s.comment.as_deref()) {
            s.push_str(&format!(" comment: '{c}'"));
        }
        s
    }

    fn conn_error(&self, status: Status, e: Option<&io::Error>) -> Outcome {
        let text = self.step_text();
        let info = match e {
            Some(e) => format!("{}{text}", strerror(e)),
            None => text,
        };
        outcome(Report::new(status, info))
    }

    fn timeout_status(&self) -> Status {
        match self.rs.steps.get(self.cur).map(|s| &s.kind) {
            Some(StepKind::Expect(e)) => e.tout_status.map_or(Status::L7Tout, Status::from),
            _ => Status::L7Tout,
        }
    }

    async fn steps(&mut self, tm: &Timing, env: &Env) -> Outcome {
        let steps = &self.rs.steps;
        let mut deadline = tokio::time::Instant::now() + tm.inter;
        let mut must_read = true;
        let mut code: i64 = 0;
        let mut last_expect: Option<&ExpectStep> = None;
        let mut early: Option<Box<Report>> = None;
        let mut i = 0;
        while i < steps.len() {
            self.cur = i;
            code = 0;
            match &steps[i].kind {
                StepKind::Connect(c) => {
                    self.conn = None;
                    self.buf.clear();
                    self.eof = false;
                    let now = tokio::time::Instant::now();
                    deadline = now + tm.inter;
                    let cdl = match (tm.check, tm.connect) {
                        (Some(_), Some(ct)) => deadline.min(now + ct),
                        _ => deadline,
                    };
                    let conn = match self.connect(c, cdl).await {
                        Ok(conn) => conn,
                        Err(o) => return o,
                    };
                    if let Some(ct) = tm.check {
                        deadline = tokio::time::Instant::now() + ct;
                    }
                    self.conn = Some(conn);
                    must_read = true;
                    last_expect = None;
                }
                StepKind::Send(d) => {
                    let d = d.clone();
                    if let Err(o) = self.send(&d, deadline).await {
                        return o;
                    }
                    must_read = true;
                }
                StepKind::SendGen(g) => {
                    let d = match g {
                        Gen::SslHello => ssl_hello(),
                        Gen::AgentString => self.t.agent_send.clone().unwrap_or_default(),
                    };
                    if !d.is_empty() {
                        if let Err(o) = self.send(&d, deadline).await {
                            return o;
                        }
                    }
                    must_read = true;
                }
                StepKind::SendHttp(req) => {
                    let d = crate::http::request(req);
                    if let Err(o) = self.send(&d, deadline).await {
                        return o;
                    }
                    must_read = true;
                }
                StepKind::Expect(e) => {
                    if must_read {
                        if let Err(o) = self.recv(e, deadline, env.bufsize).await {
                            return o;
                        }
                        must_read = false;
                    }
                    if let Matcher::Custom(crate::ruleset::Custom::Agent) = e.matcher {
                        return loop {
                            match agent::parse(&self.buf, self.eof) {
                                Some(Ok(reply)) => {
                                    break Outcome {
                                        report: Report::new(Status::Checked, ""),
                                        agent: Some(Box::new(reply)),
                                        early: None,
                                    }
                                }
                                Some(Err(())) => {
                                    break outcome(Report::new(
                                        Status::Checked,
                                        "Ignoring incomplete line from agent",
                                    ))
                                }
                                None => {
                                    if let Err(o) = self.read_more(deadline, env.bufsize).await {
                                        break o;
                                    }
                                }
                            }
                        };
                    }
                    let cx = Ctx {
                        proto: self.rs.proto,
                        nolb_404: env.nolb_404,
                        bufsize: env.bufsize,
                        steps,
                    };
                    match expect::eval(&cx, i, e, &self.buf, self.eof) {
                        Eval::Continue { code: c } => {
                            code = c;
                            last_expect = Some(e);
                        }
                        Eval::Reported(mut rep) => {
                            rep.duration = self.start.elapsed().as_millis() as u64;
                            early = Some(Box::new(rep));
                            last_expect = Some(e);
                        }
                        Eval::Stop(rep) => return outcome(rep),
                        Eval::Wait => {
                            if let Err(o) = self.read_more(deadline, env.bufsize).await {
                                return o;
                            }
                            i = e.head.min(i);
                            continue;
                        }
                    }
                }
            }
            i += 1;
        }
        // Every rule passed.
        let last = steps.last().map(|s| &s.kind);
        let report = match last {
            Some(StepKind::Expect(e)) => {
                if env.nolb_404 && code == 404 {
                    Report::new(Status::L7OkC, "").with_code(code)
                } else {
                    let info =
                        expect::on_success(self.rs.proto, last_expect.or(Some(e)), &self.buf);
                    Report::new(expect::ok_status(e), info).with_code(code)
                }
            }
            Some(StepKind::Connect(c)) => {
                Report::new(Status::L4Ok, if c.implicit { "" } else { "(tcp-check)" })
            }
            _ => Report::new(Status::L7Ok, "(tcp-check)"),
        };
        Outcome {
            report,
            agent: None,
            early,
        }
    }

    async fn connect(&self, c: &ConnectStep, dl: tokio::time::Instant) -> Result<C::Conn, Outcome> {
        let t = self.t;
        let port = c
            .port
            .or_else(|| c.addr.map(|a| a.port()).filter(|&p| p != 0))
            .unwrap_or(t.port);
        let target = match (c.addr, t.addr, &t.server) {
            (Some(a), _, _) => Dest::Inet(SocketAddr::new(a.ip(), port)),
            (None, Some(ip), _) => Dest::Inet(SocketAddr::new(ip, port)),
            (None, None, Some(Dest::Inet(sa))) => Dest::Inet(SocketAddr::new(sa.ip(), port)),
            (None, None, Some(Dest::Server)) => Dest::Server,
            (None, None, None) => {
                return Err(outcome(Report::new(Status::SockErr, self.step_text())))
            }
        };
        // As `tcpcheck_eval_connect`: no quick ACK when the connect is the last rule or
        // data follows (an agent check sends only with `agent-send`).
        let delack = match self.rs.steps.get(self.cur + 1).map(|s| &s.kind) {
            None => true,
            Some(StepKind::SendGen(Gen::AgentString)) => t.agent_send.is_some(),
            Some(StepKind::Send(_) | StepKind::SendGen(_) | StepKind::SendHttp(_)) => true,
            Some(StepKind::Connect(_) | StepKind::Expect(_)) => false,
        };
        let conn = match timeout_at(dl, self.cn.connect(target, delack)).await {
            Err(_) => return Err(self.conn_error(Status::L4Tout, None)),
            Ok(Err(f)) if f.immediate => {
                let info = format!(
                    "{} ({}){}",
                    immediate_code(&f.error),
                    strerror(&f.error),
                    self.step_text()
                );
                return Err(outcome(Report::new(Status::L4Con, info)));
            }
            Ok(Err(f)) => return Err(self.conn_error(Status::L4Con, Some(&f.error))),
            Ok(Ok(conn)) => conn,
        };
        if !c.linger {
            C::set_nolinger(&conn);
        }
        let pp = if c.send_proxy {
            Some(t.proxy.unwrap_or(ProxyHeader::V1))
        } else if c.default {
            t.proxy
        } else {
            None
        };
        if let Some(pp) = pp {
            let mut hdr = Vec::new();
            let (src, dst) = C::addrs(&conn);
            match pp {
                ProxyHeader::V1 => {
                    rampart_proxy_protocol::encode_v1(src, dst, &mut hdr);
                }
                ProxyHeader::V2 {
                    crc32c,
                    unique_id,
                    ssl,
                } => {
                    let p = rampart_proxy_protocol::V2Params {
                        local: true,
                        crc32c,
                        unique_id: unique_id.then_some(&[][..]),
                        ssl: ssl.then(rampart_proxy_protocol::SslInfo::default),
                        ..Default::default()
                    };
                    let _ = rampart_proxy_protocol::encode_v2(&p, &mut hdr);
                }
            }
            let mut conn = conn;
            match timeout_at(dl, conn.write_all(&hdr)).await {
                Err(_) => return Err(self.conn_error(Status::L4Tout, None)),
                Ok(Err(e)) => return Err(self.conn_error(Status::L4Con, Some(&e))),
                Ok(Ok(())) => {}
            }
            return Ok(conn);
        }
        Ok(conn)
    }

    async fn send(&mut self, d: &[u8], dl: tokio::time::Instant) -> Result<(), Outcome> {
        self.buf.clear();
        self.eof = false;
        let Some(conn) = self.conn.as_mut() else {
            return Err(outcome(Report::new(Status::SockErr, self.step_text())));
        };
        match timeout_at(dl, conn.write_all(d)).await {
            Err(_) => Err(self.conn_error(Status::L7Tout, None)),
            Ok(Err(e)) => Err(self.conn_error(Status::SockErr, Some(&e))),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// The first read for an expect (`tcpcheck_eval_recv`): waits for data; nothing but
    /// the end of the stream is an empty response.
    async fn recv(
        &mut self,
        e: &ExpectStep,
        dl: tokio::time::Instant,
        cap: usize,
    ) -> Result<(), Outcome> {
        if self.buf.is_empty() && !self.eof {
            self.read_more(dl, cap).await?;
        }
        if self.buf.is_empty() && self.eof {
            let steps = &self.rs.steps;
            let mut info = format!(
                "TCPCHK got an empty response at step {}",
                expect::step_id(steps, self.cur)
            );
            if let Some(c) = steps.get(self.cur).and_then(|s| s.comment.as_deref()) {
                info.push_str(&format!(" comment: '{c}'"));
            }
            let status = e.err_status.map_or(Status::L7Rsp, Status::from);
            return Err(outcome(Report::new(status, info)));
        }
        Ok(())
    }

    /// Reads once more into the buffer (bounded by `cap`).
    async fn read_more(&mut self, dl: tokio::time::Instant, cap: usize) -> Result<(), Outcome> {
        if self.eof || self.buf.len() >= cap {
            self.eof = true;
            return Ok(());
        }
        let room = cap - self.buf.len();
        let mut tmp = vec![0u8; room.min(16384)];
        let Some(conn) = self.conn.as_mut() else {
            return Err(outcome(Report::new(Status::SockErr, self.step_text())));
        };
        match timeout_at(dl, conn.read(&mut tmp)).await {
            Err(_) => {
                let st = self.timeout_status();
                Err(self.conn_error(st, None))
            }
            Ok(Err(e)) => self.read_error(e),
            Ok(Ok(0)) => {
                self.eof = true;
                Ok(())
            }
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&tmp[..n]);
                Ok(())
            }
        }
    }

    /// An error while reading: reported when nothing was received, otherwise the data
    /// decides (a reset right after the response is common).
    fn read_error(&mut self, e: io::Error) -> Result<(), Outcome> {
        if self.buf.is_empty() {
            return Err(self.conn_error(Status::SockErr, Some(&e)));
        }
        self.eof = true;
        Ok(())
    }
}

/// The words naming an expect in failure texts (`chk_report_conn_err`).
fn expect_words(e: &ExpectStep) -> String {
    match &e.matcher {
        Matcher::String(p) => format!(" (expect string '{}')", String::from_utf8_lossy(p)),
        Matcher::Binary(p) => format!(" (expect binary '{}')", String::from_utf8_lossy(p)),
        Matcher::Regex(_) => " (expect regex)".into(),
        Matcher::RBinary(_) => " (expect binary regex)".into(),
        Matcher::Status(_) => " (expect HTTP status codes)".into(),
        Matcher::RStatus(_) => " (expect HTTP status regex)".into(),
        Matcher::Header { .. } => " (expect HTTP header pattern)".into(),
        Matcher::Body(p) => format!(
            " (expect HTTP body content '{}')",
            String::from_utf8_lossy(p)
        ),
        Matcher::RBody(_) => " (expect HTTP body regex)".into(),
        Matcher::Custom(_) => " (expect custom function)".into(),
    }
}

/// The SSLv3 client hello of `option ssl-hello-chk` (RFC 2246 A.3/A.4), with the current
/// time and HAProxy's fixed "random" bytes.
fn ssl_hello() -> Vec<u8> {
    let mut v = vec![
        0x16, 0x03, 0x00, 0x00, 0x79, 0x01, 0x00, 0x00, 0x75, 0x03, 0x00,
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32);
    v.extend_from_slice(&now.to_be_bytes());
    v.extend_from_slice(b"HAPROXYSSLCHK\nHAPROXYSSLCHK\n");
    v.push(0x00);
    v.extend_from_slice(&[0x00, 0x4E]);
    for c in (0x01u16..=0x1B).chain(0x2F..=0x3A) {
        v.extend_from_slice(&c.to_be_bytes());
    }
    v.extend_from_slice(&[0x01, 0x00]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_hello_has_the_announced_length() {
        let v = ssl_hello();
        assert_eq!(v.len(), 5 + 0x79);
        assert_eq!(usize::from(v[4]), v.len() - 5);
    }
}
