//! Rulesets ready to run: the rules of a proxy's check type turned into steps, as
//! HAProxy's post-parsing (`check_proxy_tcpcheck`) and protocol options build them.
//!
//! - a plain `check` is an empty ruleset: one implicit `connect`;
//! - an `http-check` ruleset gets the request of `option httpchk` after its first
//!   `connect`, and an implicit `expect status 200-399` when it ends with a send;
//! - every ruleset starts with a `connect` (an implicit one when the first rule is not);
//! - `comment` rules name the rules that follow them;
//! - `option redis-check`, `ssl-hello-chk`, `smtpchk`, `pgsql-check`, `mysql-check`,
//!   `ldap-check` and `agent-check` are the predefined sequences HAProxy registers, with
//!   their log-format texts computed natively ([`Text`]).

use rampart_model::proxy::check::{self as m, Action, CheckStatus, Kind, MatchHow, Pattern};
use regex::bytes::{Regex, RegexBuilder};
use std::net::SocketAddr;

/// The protocol of a ruleset (HAProxy's `TCPCHK_RULES_*_CHK`): it decides how expects
/// are evaluated and which texts messages carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// A plain connection check (`check` without any check option).
    Plain,
    Tcp,
    Http,
    Redis,
    SslHello,
    Smtp,
    Pgsql,
    Mysql,
    Ldap,
    Agent,
}

/// A compiled ruleset.
#[derive(Debug)]
pub struct Ruleset {
    pub proto: Proto,
    pub steps: Vec<Step>,
}

#[derive(Debug)]
pub struct Step {
    /// HAProxy's rule index (`at step index+1` in messages; the implicit connect is step 0).
    pub index: u32,
    pub comment: Option<String>,
    pub kind: StepKind,
}

#[derive(Debug)]
pub enum StepKind {
    Connect(ConnectStep),
    Send(Vec<u8>),
    /// Bytes built when sent.
    SendGen(Gen),
    SendHttp(HttpReq),
    Expect(ExpectStep),
}

/// Sends whose bytes depend on the moment or on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gen {
    /// The SSLv3 client hello of `ssl-hello-chk` (carries the current time).
    SslHello,
    /// `agent-send`'s string (nothing when unset).
    AgentString,
}

#[derive(Clone, Debug, Default)]
pub struct ConnectStep {
    /// Use the server's check settings (`check-send-proxy`, the check address and port).
    pub default: bool,
    pub implicit: bool,
    pub port: Option<u16>,
    pub addr: Option<SocketAddr>,
    pub send_proxy: bool,
    pub linger: bool,
}

/// An HTTP request to send.
#[derive(Clone, Debug, Default)]
pub struct HttpReq {
    pub meth: String,
    pub uri: String,
    pub ver: String,
    pub hdrs: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug)]
pub struct ExpectStep {
    pub matcher: Matcher,
    pub inverse: bool,
    pub min_recv: i64,
    pub ok_status: Option<CheckStatusOrCond>,
    pub err_status: Option<CheckStatus>,
    pub tout_status: Option<CheckStatus>,
    pub on_success: Option<Text>,
    pub on_error: Option<Text>,
    /// `status-code res.payload(0,3)` of the SMTP check.
    pub code_from_payload: bool,
    /// First step of the chain of expects this one belongs to (HAProxy's `expect.head`):
    /// waiting for more data restarts there.
    pub head: usize,
    /// The pattern as written, for messages (`expect string 'x'`).
    pub shown: Vec<u8>,
}

/// `ok-status` values.
pub type CheckStatusOrCond = CheckStatus;

/// What an expect matches.
#[derive(Debug)]
pub enum Matcher {
    String(Vec<u8>),
    Regex(Regex),
    Binary(Vec<u8>),
    /// A regex on the upper-case hexadecimal dump of the data.
    RBinary(Regex),
    Status(Vec<(u32, u32)>),
    RStatus(Regex),
    Header {
        name: HdrPat,
        value: Option<HdrPat>,
        full: bool,
    },
    Body(Vec<u8>),
    RBody(Regex),
    Custom(Custom),
}

#[derive(Debug)]
pub enum HdrPat {
    Str(String),
    Beg(String),
    End(String),
    Sub(String),
    Reg(Regex),
}

/// Expects implemented by code rather than patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Custom {
    MysqlInit,
    MysqlOk,
    LdapBind,
    Agent,
}

/// Texts of `on-success` / `on-error`, including the log-format expressions the protocol
/// checks use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Fixed(String),
    /// `%[res.payload(<from>,0)]`, optionally `ltrim(' ')` then `cut_crlf`.
    Payload {
        from: usize,
        ltrim: bool,
        cut_crlf: bool,
    },
}

impl Text {
    pub fn render(&self, data: &[u8]) -> String {
        match self {
            Text::Fixed(s) => s.clone(),
            Text::Payload {
                from,
                ltrim,
                cut_crlf,
            } => {
                let mut d = data.get(*from..).unwrap_or(&[]);
                // HAProxy renders the log-format into a C string: it ends at a NUL.
                if let Some(nul) = d.iter().position(|&b| b == 0) {
                    d = &d[..nul];
                }
                if *ltrim {
                    while let [b' ', rest @ ..] = d {
                        d = rest;
                    }
                }
                if *cut_crlf {
                    let end = d
                        .iter()
                        .position(|&b| b == b'\r' || b == b'\n')
                        .unwrap_or(d.len());
                    d = &d[..end];
                }
                String::from_utf8_lossy(d).into_owned()
            }
        }
    }
}

/// Server settings a ruleset needs (the agent's string, the PostgreSQL and MySQL users
/// come from the proxy's options).
pub fn compile(checks: &m::Checks) -> Result<Ruleset, String> {
    let proto = match &checks.kind {
        None => Proto::Plain,
        Some(Kind::Tcp) => Proto::Tcp,
        Some(Kind::Http) => Proto::Http,
        Some(k) => return Ok(builtin(k)),
    };
    let http = proto == Proto::Http;
    let mut rules: Vec<&m::Rule> = checks.rules().iter().collect();
    let mut steps: Vec<Step> = Vec::new();
    let mut comment: Option<String> = None;
    let mut prev_comment = false;
    // The request of `option httpchk` left first goes after the first connect.
    if http {
        let first = rules
            .iter()
            .position(|r| !matches!(r.action, Action::Comment));
        if let Some(f) = first {
            if matches!(&rules[f].action, Action::SendHttp(s) if s.from_opt) {
                let next = rules[f + 1..]
                    .iter()
                    .position(|r| !matches!(r.action, Action::Comment))
                    .map(|p| p + f + 1);
                if let Some(n) = next {
                    if matches!(rules[n].action, Action::Connect(_)) {
                        let r = rules.remove(f);
                        rules.insert(n, r);
                    }
                }
            }
        }
    }
    for r in rules {
        if let Action::Comment = r.action {
            comment = r.comment.clone();
            prev_comment = true;
            continue;
        }
        let inherited = if prev_comment || !matches!(r.action, Action::Connect(_)) {
            comment.clone()
        } else {
            None
        };
        let c = r.comment.clone().or(inherited);
        let kind = match &r.action {
            Action::Connect(cn) => {
                comment = None;
                StepKind::Connect(ConnectStep {
                    default: cn.default,
                    implicit: false,
                    port: cn.port,
                    addr: cn.addr.as_ref().and_then(sockaddr),
                    send_proxy: cn.send_proxy,
                    linger: cn.linger,
                })
            }
            Action::Send(d) => StepKind::Send(d.clone()),
            Action::SendHttp(s) => StepKind::SendHttp(HttpReq {
                meth: s.meth.clone().unwrap_or_else(|| "OPTIONS".into()),
                uri: s.uri.clone().unwrap_or_else(|| "/".into()),
                ver: s.ver.clone().unwrap_or_else(|| "HTTP/1.0".into()),
                hdrs: s.hdrs.clone(),
                body: s.body.clone(),
            }),
            Action::Expect(e) => StepKind::Expect(expect(e, http, &steps)?),
            Action::Comment => continue,
        };
        prev_comment = false;
        steps.push(Step {
            index: r.index,
            comment: c,
            kind,
        });
    }
    if http
        && matches!(
            steps.last(),
            Some(Step {
                kind: StepKind::SendHttp(_),
                ..
            })
        )
    {
        let index = steps.last().map_or(0, |s| s.index + 1);
        let e = m::Expect {
            pattern: Pattern::Status(vec![(200, 399)]),
            inverse: false,
            min_recv: -1,
            ok_status: None,
            err_status: None,
            tout_status: None,
            on_success: None,
            on_error: None,
        };
        let kind = StepKind::Expect(expect(&e, true, &steps)?);
        steps.push(Step {
            index,
            comment: None,
            kind,
        });
    }
    let mut rs = Ruleset { proto, steps };
    implicit_connect(&mut rs);
    Ok(rs)
}

fn implicit_connect(rs: &mut Ruleset) {
    if !matches!(
        rs.steps.first(),
        Some(Step {
            kind: StepKind::Connect(_),
            ..
        })
    ) {
        rs.steps.insert(
            0,
            Step {
                index: 0,
                comment: None,
                kind: StepKind::Connect(ConnectStep {
                    default: true,
                    implicit: true,
                    ..ConnectStep::default()
                }),
            },
        );
        for s in &mut rs.steps {
            if let StepKind::Expect(e) = &mut s.kind {
                e.head += 1;
            }
        }
    }
}

fn sockaddr(a: &rampart_model::addr::SockAddr) -> Option<SocketAddr> {
    match a.host {
        rampart_model::addr::Host::Ip(ip) => {
            Some(SocketAddr::new(ip, a.single_port().unwrap_or(0)))
        }
        _ => None,
    }
}

/// A regex over bytes; case-insensitive ones (`hdr name -m reg`) fold ASCII only, as
/// HAProxy's byte-oriented engines do (Unicode case folding is not built in).
fn re(p: &str, case_insensitive: bool) -> Result<Regex, String> {
    RegexBuilder::new(p)
        .case_insensitive(case_insensitive)
        .unicode(!case_insensitive)
        .build()
        .map_err(|e| format!("regex '{p}' is invalid (error={e})"))
}

fn expect(e: &m::Expect, http: bool, before: &[Step]) -> Result<ExpectStep, String> {
    let (matcher, shown) = match &e.pattern {
        Pattern::String(s) if http => (Matcher::Body(s.clone()), s.clone()),
        Pattern::String(s) => (Matcher::String(s.clone()), s.clone()),
        Pattern::Rstring(r) if http => (Matcher::RBody(re(r, false)?), r.clone().into_bytes()),
        Pattern::Rstring(r) => (Matcher::Regex(re(r, false)?), r.clone().into_bytes()),
        Pattern::Binary(b) => (Matcher::Binary(b.clone()), b.clone()),
        Pattern::Rbinary(r) => (Matcher::RBinary(re(r, false)?), r.clone().into_bytes()),
        Pattern::Status(c) => (Matcher::Status(c.clone()), Vec::new()),
        Pattern::Rstatus(r) => (Matcher::RStatus(re(r, false)?), r.clone().into_bytes()),
        Pattern::Header { name, value, full } => {
            let pat = |h: &m::HdrMatch, ci: bool| -> Result<HdrPat, String> {
                Ok(match h.how {
                    MatchHow::Str => HdrPat::Str(h.pattern.clone()),
                    MatchHow::Beg => HdrPat::Beg(h.pattern.clone()),
                    MatchHow::End => HdrPat::End(h.pattern.clone()),
                    MatchHow::Sub => HdrPat::Sub(h.pattern.clone()),
                    MatchHow::Reg => HdrPat::Reg(re(&h.pattern, ci)?),
                })
            };
            (
                Matcher::Header {
                    name: pat(name, true)?,
                    value: value.as_ref().map(|v| pat(v, false)).transpose()?,
                    full: *full,
                },
                Vec::new(),
            )
        }
    };
    Ok(ExpectStep {
        matcher,
        inverse: e.inverse,
        min_recv: e.min_recv,
        ok_status: e.ok_status,
        err_status: e.err_status,
        tout_status: e.tout_status,
        on_success: e.on_success.clone().map(Text::Fixed),
        on_error: e.on_error.clone().map(Text::Fixed),
        code_from_payload: false,
        head: chain_head(before),
        shown,
    })
}

/// Index the next step will have, or the first inverted expect of the chain of expects
/// it ends (HAProxy points every expect back to the first inverted one before it).
fn chain_head(before: &[Step]) -> usize {
    let mut head = before.len();
    for (i, s) in before.iter().enumerate().rev() {
        match &s.kind {
            StepKind::Expect(e) => {
                if e.inverse {
                    head = i;
                }
            }
            _ => break,
        }
    }
    head
}

// ---------------------------------------------------------------------------------------
// Predefined sequences

fn step(index: u32, kind: StepKind) -> Step {
    Step {
        index,
        comment: None,
        kind,
    }
}

fn exp(matcher: Matcher, shown: &str) -> ExpectStep {
    ExpectStep {
        matcher,
        inverse: false,
        min_recv: -1,
        ok_status: None,
        err_status: None,
        tout_status: None,
        on_success: None,
        on_error: None,
        code_from_payload: false,
        head: 0,
        shown: shown.as_bytes().to_vec(),
    }
}

/// A regex that is known to compile.
fn fixed_re(p: &str) -> Regex {
    match Regex::new(p) {
        Ok(r) => r,
        // Only reached if a constant pattern below were wrong; a test compiles them all.
        Err(_) => match Regex::new("$^") {
            Ok(r) => r,
            Err(_) => unreachable_regex(),
        },
    }
}

#[allow(clippy::panic)]
fn unreachable_regex() -> Regex {
    panic!("constant regex failed to compile")
}

fn payload(from: usize, ltrim: bool) -> Text {
    Text::Payload {
        from,
        ltrim,
        cut_crlf: true,
    }
}

fn default_linger() -> StepKind {
    StepKind::Connect(ConnectStep {
        default: true,
        linger: true,
        ..ConnectStep::default()
    })
}

/// The sequence of a protocol option.
pub fn builtin(k: &Kind) -> Ruleset {
    use CheckStatus::*;
    let (proto, steps) = match k {
        Kind::Redis => {
            let mut e = exp(Matcher::String(b"+PONG\r\n".to_vec()), "+PONG\r\n");
            e.err_status = Some(L7Sts);
            e.on_error = Some(Text::Payload {
                from: 0,
                ltrim: false,
                cut_crlf: true,
            });
            e.on_success = Some(Text::Fixed("Redis server is ok".into()));
            e.head = 1;
            (
                Proto::Redis,
                vec![
                    step(0, StepKind::Send(b"*1\r\n$4\r\nPING\r\n".to_vec())),
                    step(1, StepKind::Expect(e)),
                ],
            )
        }
        Kind::SslHello => {
            let mut e = exp(Matcher::RBinary(fixed_re("^1[56]")), "^1[56]");
            e.min_recv = 5;
            e.ok_status = Some(L6Ok);
            e.err_status = Some(L6Rsp);
            e.tout_status = Some(L6Tout);
            e.head = 1;
            (
                Proto::SslHello,
                vec![
                    step(0, StepKind::SendGen(Gen::SslHello)),
                    step(1, StepKind::Expect(e)),
                ],
            )
        }
        Kind::Smtp { cmd } => {
            let mut e1 = exp(Matcher::Regex(fixed_re("^[0-9]{3}[ \r]")), "");
            e1.min_recv = 4;
            e1.err_status = Some(L7Rsp);
            e1.on_error = Some(payload(0, false));
            e1.head = 1;
            let mut e2 = exp(Matcher::Regex(fixed_re("^2[0-9]{2}[ \r]")), "");
            e2.min_recv = 4;
            e2.err_status = Some(L7Sts);
            e2.on_error = Some(payload(4, true));
            e2.code_from_payload = true;
            e2.head = 2;
            let mut e3 = exp(
                Matcher::Regex(fixed_re("^(2[0-9]{2}-[^\r]*\r\n)*2[0-9]{2}[ \r]")),
                "",
            );
            e3.err_status = Some(L7Sts);
            e3.on_error = Some(payload(4, true));
            e3.on_success = Some(payload(4, true));
            e3.code_from_payload = true;
            e3.head = 4;
            let mut e4 = exp(Matcher::Regex(fixed_re("^2[0-9]{2}[- \r]")), "");
            e4.min_recv = 4;
            e4.err_status = Some(L7Sts);
            e4.on_error = Some(payload(4, true));
            e4.on_success = Some(payload(4, true));
            e4.code_from_payload = true;
            e4.head = 6;
            (
                Proto::Smtp,
                vec![
                    step(0, default_linger()),
                    step(1, StepKind::Expect(e1)),
                    step(2, StepKind::Expect(e2)),
                    step(3, StepKind::Send(format!("{cmd}\r\n").into_bytes())),
                    step(4, StepKind::Expect(e3)),
                    step(5, StepKind::Send(b"QUIT\r\n".to_vec())),
                    step(6, StepKind::Expect(e4)),
                ],
            )
        }
        Kind::Pgsql { user } => {
            let mut req = Vec::new();
            let plen = 15 + user.len() as u32;
            req.extend_from_slice(&plen.to_be_bytes());
            req.extend_from_slice(&[0, 3, 0, 0]);
            req.extend_from_slice(b"user\0");
            req.extend_from_slice(user.as_bytes());
            req.extend_from_slice(&[0, 0]);
            let mut e1 = exp(Matcher::Regex(fixed_re("^E")), "");
            e1.inverse = true;
            e1.min_recv = 5;
            e1.err_status = Some(L7Rsp);
            e1.on_error = Some(Text::Payload {
                from: 6,
                ltrim: false,
                cut_crlf: false,
            });
            e1.head = 2;
            let mut e2 = exp(
                Matcher::RBinary(fixed_re(
                    "^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)",
                )),
                "",
            );
            e2.min_recv = 9;
            e2.err_status = Some(L7Sts);
            e2.on_success = Some(Text::Fixed("PostgreSQL server is ok".into()));
            e2.on_error = Some(Text::Fixed("PostgreSQL unknown error".into()));
            e2.head = 2;
            (
                Proto::Pgsql,
                vec![
                    step(0, default_linger()),
                    step(1, StepKind::Send(req)),
                    step(2, StepKind::Expect(e1)),
                    step(3, StepKind::Expect(e2)),
                ],
            )
        }
        Kind::Mysql { user, post41 } => {
            let mut steps = vec![step(0, default_linger())];
            if let Some(u) = user {
                let mut req = Vec::new();
                let plen = u.len() + if *post41 { 7 + 27 } else { 7 };
                req.extend_from_slice(&[
                    (plen & 0xff) as u8,
                    ((plen >> 8) & 0xff) as u8,
                    ((plen >> 16) & 0xff) as u8,
                    1,
                ]);
                if *post41 {
                    req.extend_from_slice(&[0x00, 0x82, 0x00, 0x00, 0x00, 0x80, 0x00, 0x01, 0x21]);
                    req.extend_from_slice(&[0; 23]);
                } else {
                    req.extend_from_slice(&[0x00, 0x80, 0x00, 0x00, 0x01]);
                }
                req.extend_from_slice(u.as_bytes());
                req.extend_from_slice(&[0, 0, 0x01, 0x00, 0x00, 0x00, 0x01]);
                steps.push(step(1, StepKind::Send(req)));
            }
            let n = steps.len() as u32;
            let mut e = exp(Matcher::Custom(Custom::MysqlInit), "");
            e.head = n as usize;
            steps.push(step(n, StepKind::Expect(e)));
            if user.is_some() {
                let mut e = exp(Matcher::Custom(Custom::MysqlOk), "");
                e.head = n as usize + 1;
                steps.push(step(n + 1, StepKind::Expect(e)));
            }
            (Proto::Mysql, steps)
        }
        Kind::Ldap => {
            let mut e1 = exp(Matcher::RBinary(fixed_re("^30")), "");
            e1.min_recv = 14;
            e1.on_error = Some(Text::Fixed("Not LDAPv3 protocol".into()));
            e1.head = 1;
            let mut e2 = exp(Matcher::Custom(Custom::LdapBind), "");
            e2.head = 2;
            (
                Proto::Ldap,
                vec![
                    step(
                        0,
                        StepKind::Send(vec![
                            0x30, 0x0C, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00,
                            0x80, 0x00,
                        ]),
                    ),
                    step(1, StepKind::Expect(e1)),
                    step(2, StepKind::Expect(e2)),
                ],
            )
        }
        Kind::Tcp | Kind::Http => (Proto::Plain, Vec::new()),
    };
    let mut rs = Ruleset { proto, steps };
    implicit_connect(&mut rs);
    rs
}

/// The ruleset of `agent-check`: send the `agent-send` string, read one line.
pub fn agent() -> Ruleset {
    let mut e = exp(Matcher::Custom(Custom::Agent), "");
    e.head = 1;
    let mut rs = Ruleset {
        proto: Proto::Agent,
        steps: vec![
            step(0, StepKind::SendGen(Gen::AgentString)),
            step(1, StepKind::Expect(e)),
        ],
    };
    implicit_connect(&mut rs);
    rs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_sequences_compile() {
        for k in [
            Kind::Redis,
            Kind::SslHello,
            Kind::Smtp {
                cmd: "HELO x".into(),
            },
            Kind::Pgsql { user: "u".into() },
            Kind::Mysql {
                user: Some("u".into()),
                post41: true,
            },
            Kind::Ldap,
        ] {
            let rs = builtin(&k);
            assert!(matches!(rs.steps[0].kind, StepKind::Connect(_)));
            for s in &rs.steps {
                if let StepKind::Expect(e) = &s.kind {
                    if let Matcher::Regex(r) | Matcher::RBinary(r) = &e.matcher {
                        assert_ne!(r.as_str(), "$^");
                    }
                }
            }
        }
    }

    #[test]
    fn plain_check_is_one_implicit_connect() {
        let rs = compile(&m::Checks::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rs.steps.len(), 1);
        assert!(matches!(&rs.steps[0].kind, StepKind::Connect(c) if c.implicit && c.default));
    }

    #[test]
    fn payload_texts() {
        let t = payload(4, true);
        assert_eq!(t.render(b"550  mailbox busy\r\nmore"), "mailbox busy");
        assert_eq!(payload(0, false).render(b"-ERR x\r\n"), "-ERR x");
    }
}
