//! `log-forward <name>` sections (manual 3.10; HAProxy's `cfg_parse_log_forward`): a
//! syslog relay receiving messages over TCP (`bind`) and UDP (`dgram-bind`) and sending
//! them to its `log` targets, re-encoded in each target's format. HAProxy also refuses a
//! name used by a proxy; that check belongs with the proxies ([`crate::check`]).

use rampart_config::{Modifier, Section, SectionKind, Span};

use super::{check_header, declare, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::addr::{self, AddrOpts, Host, Port};
use crate::cnum::atol;
use crate::global::args::{bad_time_char, time_ms, Args};
use crate::kw::{Cx, Keyword};
use crate::proxy::bind::{self, Bind, BindAddr, BindBuilder, BindOptions};
use crate::proxy::log::LogTarget;
use crate::LowerCx;

/// HAProxy's default `maxconn` of a log-forward section.
pub const DEFAULT_MAXCONN: u32 = 10;

/// One `log-forward` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogForward {
    pub name: String,
    pub span: Span,
    /// `bind` lines: TCP listeners (octet-counted or LF-separated messages).
    pub binds: Vec<Bind>,
    /// `dgram-bind` lines: UDP (or Unix datagram) receivers, one message per datagram.
    pub dgram_binds: Vec<Bind>,
    /// `log` lines, `log global` included (resolved against the global targets).
    pub logs: Vec<LogTarget>,
    /// `maxconn`: concurrent TCP clients.
    pub maxconn: u32,
    /// `backlog` of the TCP listeners (`None`: `maxconn`, as HAProxy).
    pub backlog: Option<u32>,
    /// `timeout client` in ms (`None`: none).
    pub timeout_client_ms: Option<u32>,
}

/// A `log-forward` section being lowered.
pub struct LogForwardBuilder {
    lf: LogForward,
    resolver: crate::proxy::HostResolver,
}

/// Keywords of a `log-forward` section.
pub static TABLE: &[Keyword<LogForwardBuilder>] = &[
    Keyword::parse("backlog", parse_backlog),
    Keyword::parse("bind", parse_bind),
    Keyword::parse("dgram-bind", parse_dgram_bind),
    Keyword::parse("log", parse_log),
    Keyword::parse("maxconn", parse_maxconn),
    Keyword::parse("timeout", parse_timeout),
];

/// Lowers one `log-forward` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let rules = HeaderRules {
        // HAProxy's text names the section "ip-forward".
        missing: "missing name for ip-forward section.",
        missing_tight: false,
        too_many: Some(false),
        charset: Some(false),
    };
    let mut fresh = false;
    let name = check_header(s, cx, &rules);
    if let Some(name) = &name {
        fresh = declare(
            b,
            cx,
            SectionKind::LogForward,
            name,
            s.header.span,
            |n, at| {
                format!(
                "log-forward section '{n}' has the same name as another log-forward section declared at {at}."
            )
            },
        );
    }
    let mut lb = LogForwardBuilder {
        lf: LogForward {
            name: name.unwrap_or_default(),
            span: s.header.span,
            binds: Vec::new(),
            dgram_binds: Vec::new(),
            logs: Vec::new(),
            maxconn: DEFAULT_MAXCONN,
            backlog: None,
            timeout_client_ms: None,
        },
        resolver: cx.opts.resolver.clone(),
    };
    lower_lines(TABLE, &mut lb, s, cx, Unknown::LogForward);
    if fresh {
        b.others.log_forwards.push(lb.lf);
    }
}

fn int_arg(cx: &Cx<'_>) -> Result<u32, String> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        return Err(format!("'{}' expects an integer argument.", a.kw()));
    }
    let v = atol(a.get(1)) as i32;
    a.too_many(1)?;
    Ok(v.max(0) as u32)
}

fn parse_maxconn(lb: &mut LogForwardBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    lb.lf.maxconn = int_arg(cx)?;
    Ok(())
}

fn parse_backlog(lb: &mut LogForwardBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    lb.lf.backlog = Some(int_arg(cx)?);
    Ok(())
}

/// `bind <addr> [options]`: TCP listeners.
fn parse_bind(lb: &mut LogForwardBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let arg = cx.arg(0).unwrap_or("").to_string();
    if arg.is_empty() {
        // HAProxy's str2listener makes no listener of an empty address and says nothing.
        return Ok(());
    }
    let addrs = bind::parse_addrs(&arg, &lb.resolver).map_err(|e| format!("'bind {arg}' : {e}"))?;
    let bind = options(lb, cx, arg, addrs);
    lb.lf.binds.push(bind);
    Ok(())
}

/// `dgram-bind <addr> [options]`: datagram receivers (HAProxy's `str2receiver`).
fn parse_dgram_bind(lb: &mut LogForwardBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let arg = cx.arg(0).unwrap_or("").to_string();
    if arg.is_empty() {
        return Ok(());
    }
    let opts = AddrOpts {
        stream: false,
        dgram: true,
        ..AddrOpts::BIND
    };
    let mut addrs = Vec::new();
    for one in addr::split_list(&arg) {
        let a = addr::parse(one, &opts, &lb.resolver)
            .map_err(|e| format!("'dgram-bind {arg}' : {}", e.trim_end_matches('\n')))?;
        addrs.push(match (a.host, a.port) {
            (Host::Ip(ip), Port::Range(lo, hi)) => BindAddr::Inet {
                ip,
                ports: (lo, hi),
            },
            (Host::Ip(_), _) => {
                return Err(format!(
                    "'dgram-bind {arg}' : missing port specification in '{one}'"
                ))
            }
            (Host::Unix(p), _) => BindAddr::Unix(p),
            (Host::Abns(p), _) => BindAddr::Abns(p),
            (Host::Fd(n), _) => BindAddr::Fd(n),
            (Host::SockPair(n), _) => BindAddr::SockPair(n),
            (Host::Name { name, .. }, _) => {
                return Err(format!(
                    "'dgram-bind {arg}' : invalid address: '{name}' in '{one}'"
                ))
            }
        });
    }
    let bind = options(lb, cx, arg, addrs);
    lb.lf.dgram_binds.push(bind);
    Ok(())
}

fn options(lb: &LogForwardBuilder, cx: &mut Cx<'_>, arg: String, addrs: Vec<BindAddr>) -> Bind {
    let mut bb = BindBuilder {
        bind: Bind {
            span: cx.span(),
            arg,
            addrs,
            opts: BindOptions::default(),
        },
        used_ids: Vec::new(),
        ctx: String::new(),
        resolver: lb.resolver.clone(),
    };
    bind::parse_options(&mut bb, cx, 1, "log-forward");
    bb.bind
}

/// `log ...`, `no log`, `log global`.
fn parse_log(lb: &mut LogForwardBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let r = if cx.line.modifier == Modifier::No {
        if cx.args().first().is_some_and(|a| !a.is_empty()) {
            Err("'no log' does not expect arguments".to_string())
        } else {
            lb.lf.logs.clear();
            Ok(())
        }
    } else {
        crate::proxy::log::parse(cx.args(), cx.span(), &lb.resolver).map(|t| {
            let dup = matches!(t, LogTarget::Global(_))
                && lb.lf.logs.iter().any(|x| matches!(x, LogTarget::Global(_)));
            if !dup {
                lb.lf.logs.push(t);
            }
        })
    };
    r.map_err(|e| format!("log : {e}"))
}

/// `timeout client <time>`.
fn parse_timeout(lb: &mut LogForwardBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.get(1) != "client" {
        return Err(format!(
            "unknown keyword '{} {}' in log-forward section.",
            a.kw(),
            a.get(1)
        ));
    }
    let v = a.get(2);
    if v.is_empty() {
        return Err("missing timeout client value.".into());
    }
    match time_ms(cx, v) {
        Ok(ms) => lb.lf.timeout_client_ms = (ms != 0).then_some(ms),
        Err(rampart_config::units::TimeError::Overflow) => {
            return Err(format!("timeout : timer overflow in argument '{v}' to 'timeout client' (maximum value is 2147483647 ms or ~24.8 days)"))
        }
        Err(rampart_config::units::TimeError::Underflow) => {
            return Err(format!("timeout : timer underflow in argument '{v}' to 'timeout client' (minimum non-null value is 1 ms)"))
        }
        Err(e) => {
            let c = bad_time_char(&e).map(String::from).unwrap_or_default();
            return Err(format!(
                "timeout : unexpected character '{c}' in 'timeout client'"
            ));
        }
    }
    Ok(())
}

/// The proxies' check HAProxy also runs on log-forward sections: one without listeners.
pub(crate) fn check_listeners(lf: &LogForward, out: &mut rampart_config::Diagnostics) {
    if lf.binds.is_empty() && lf.dgram_binds.is_empty() {
        out.push(rampart_config::Diagnostic::warning(
            None,
            format!(
                "frontend '{}' has no 'bind' directive. Please declare it as a backend if this \
                 was intended.",
                lf.name
            ),
        ));
    }
}
