//! `bind` lines and bind options (configuration manual 4.2 `bind`, 5.1 "Bind options";
//! HAProxy's `str2listener`, `bind_parse_args_list` and every `bind_kws` registration:
//! listener.c, cfgparse-tcp.c, cfgparse-unix.c, cli.c, cfgparse-ssl.c, cfgparse-quic.c).
//!
//! Addresses become typed [`BindAddr`]s (IPv4/IPv6 with a port range, Unix, abstract,
//! inherited fd, socket pair); options that are plain data are implemented, TLS and QUIC
//! ones are not supported yet. The option table is public so that other sections binding
//! sockets (`stats socket`, `peers`) can reuse it.

use super::net::{lookup_group, lookup_user};
use super::{Cap, ProxiesBuilder};
use crate::addr::{self, AddrOpts, Host, HostResolver, Port};
use crate::cnum::atol;
use crate::kw::{Cx, Keyword, Verdict};
use rampart_config::{Line, Span};
use std::net::IpAddr;

/// One listening address of a `bind` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindAddr {
    /// IPv4 or IPv6 address with an inclusive port range (one listener per port).
    Inet { ip: IpAddr, ports: (u16, u16) },
    /// A Unix socket path.
    Unix(String),
    /// A Linux abstract-namespace socket name.
    Abns(String),
    /// An inherited, already listening file descriptor.
    Fd(u32),
    /// A socket pair over which listening fds are received.
    SockPair(u32),
}

impl BindAddr {
    /// Number of listeners this address creates.
    pub fn listeners(&self) -> u32 {
        match self {
            BindAddr::Inet { ports, .. } => u32::from(ports.1 - ports.0) + 1,
            _ => 1,
        }
    }
    /// True for IPv4/IPv6 listeners (TCP options apply to them only).
    pub fn is_inet(&self) -> bool {
        matches!(self, BindAddr::Inet { .. })
    }
}

/// CLI access level (`level`), meaningful on `stats socket` binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CliLevel {
    User,
    Operator,
    Admin,
}

/// `severity-output` on CLI binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeverityOutput {
    None,
    Number,
    String,
}

/// Options of one `bind` line that are plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BindOptions {
    pub name: Option<String>,
    pub id: Option<u32>,
    pub backlog: Option<u32>,
    pub maxconn: Option<u32>,
    pub nice: Option<i32>,
    pub accept_proxy: bool,
    /// `accept-netscaler-cip <magic>`.
    pub accept_netscaler_cip: Option<u32>,
    pub defer_accept: bool,
    pub tfo: bool,
    pub mss: Option<i32>,
    /// `tcp-ut` in milliseconds.
    pub tcp_ut: Option<u32>,
    pub interface: Option<String>,
    pub namespace: Option<String>,
    pub transparent: bool,
    pub v4v6: bool,
    pub v6only: bool,
    /// Unix socket permissions (`mode`, octal), owner and group.
    pub unix_mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// `thread [<group>/]<set>`: thread group (0 = none) and thread mask.
    pub thread: Option<(u32, u64)>,
    /// `shards <n>` or `by-thread` (stored as 64).
    pub shards: Option<u32>,
    pub level: Option<CliLevel>,
    pub expose_fd_listeners: bool,
    pub severity_output: Option<SeverityOutput>,
}

/// One `bind` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub span: Span,
    /// The address argument as written (`:80,:81`), as HAProxy names binds in messages.
    pub arg: String,
    pub addrs: Vec<BindAddr>,
    pub opts: BindOptions,
}

/// What bind option parsers work on: the bind being built and the context of messages.
pub struct BindBuilder {
    pub bind: Bind,
    /// Ids already used by other binds of the same proxy: id, `file:line`, address.
    pub used_ids: Vec<(u32, String, String)>,
    /// `'bind <addr>' in section '<section>'`, the prefix of this line's messages.
    pub ctx: String,
    /// System hooks (namespaces are opened while parsing).
    pub resolver: HostResolver,
}

/// Every bind option HAProxy 2.6 registers.
pub static TABLE: &[Keyword<BindBuilder>] = &[
    Keyword::not_yet_checked("accept-netscaler-cip", accept_netscaler_cip),
    Keyword::parse("accept-proxy", accept_proxy),
    Keyword::not_yet("allow-0rtt"),
    Keyword::not_yet("alpn"),
    Keyword::parse("backlog", backlog),
    Keyword::not_yet("ca-file"),
    Keyword::not_yet("ca-ignore-err"),
    Keyword::not_yet("ca-sign-file"),
    Keyword::not_yet("ca-sign-pass"),
    Keyword::not_yet("ca-verify-file"),
    Keyword::not_yet("ciphers"),
    Keyword::not_yet("ciphersuites"),
    Keyword::not_yet("crl-file"),
    Keyword::not_yet_checked("crt", crt),
    Keyword::not_yet("crt-ignore-err"),
    Keyword::not_yet("crt-list"),
    Keyword::not_yet("curves"),
    Keyword::parse("defer-accept", flag),
    Keyword::not_yet("ecdhe"),
    Keyword::parse("expose-fd", expose_fd),
    Keyword::not_yet("force-sslv3"),
    Keyword::not_yet("force-tlsv10"),
    Keyword::not_yet("force-tlsv11"),
    Keyword::not_yet("force-tlsv12"),
    Keyword::not_yet("force-tlsv13"),
    Keyword::not_yet("generate-certificates"),
    Keyword::parse("gid", gid),
    Keyword::parse("group", group),
    Keyword::parse("id", id),
    Keyword::parse("interface", interface),
    Keyword::parse("level", level),
    Keyword::parse("maxconn", maxconn),
    Keyword::parse("mode", mode),
    Keyword::parse("mss", mss),
    Keyword::parse("name", name),
    Keyword::parse("namespace", namespace),
    Keyword::parse("nice", nice),
    Keyword::not_yet("no-ca-names"),
    Keyword::not_yet("no-sslv3"),
    Keyword::not_yet("no-tls-tickets"),
    Keyword::not_yet("no-tlsv10"),
    Keyword::not_yet("no-tlsv11"),
    Keyword::not_yet("no-tlsv12"),
    Keyword::not_yet("no-tlsv13"),
    Keyword::not_yet("npn"),
    Keyword::not_yet("prefer-client-ciphers"),
    Keyword::parse("process", process),
    Keyword::not_yet("proto"),
    Keyword::not_yet("quic-cc-algo"),
    Keyword::not_yet("quic-force-retry"),
    Keyword::parse("severity-output", severity_output),
    Keyword::parse("shards", shards),
    Keyword::not_yet("ssl"),
    Keyword::not_yet("ssl-max-ver"),
    Keyword::not_yet("ssl-min-ver"),
    Keyword::not_yet("strict-sni"),
    Keyword::not_yet_checked("tcp-ut", tcp_ut),
    Keyword::parse("tfo", flag),
    Keyword::parse("thread", thread),
    Keyword::not_yet("tls-ticket-keys"),
    Keyword::parse("transparent", flag),
    Keyword::parse("uid", uid),
    Keyword::parse("user", user),
    Keyword::parse("v4v6", flag),
    Keyword::parse("v6only", flag),
    Keyword::not_yet("verify"),
];

/// How many arguments a bind option takes (HAProxy's `skip`).
pub fn arity(name: &str) -> usize {
    match name {
        "accept-proxy"
        | "allow-0rtt"
        | "defer-accept"
        | "force-sslv3"
        | "force-tlsv10"
        | "force-tlsv11"
        | "force-tlsv12"
        | "force-tlsv13"
        | "generate-certificates"
        | "no-ca-names"
        | "no-sslv3"
        | "no-tls-tickets"
        | "no-tlsv10"
        | "no-tlsv11"
        | "no-tlsv12"
        | "no-tlsv13"
        | "prefer-client-ciphers"
        | "quic-force-retry"
        | "ssl"
        | "strict-sni"
        | "tfo"
        | "transparent"
        | "v4v6"
        | "v6only" => 0,
        _ => 1,
    }
}

/// The `bind` keyword of proxy sections.
pub(crate) fn bind(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.not_in_defaults("bind")?;
    b.warn_not_cap(cx, Cap::Fe, "bind", "");
    let Some(arg) = cx.arg(0) else {
        return Err(
            "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments."
                .into(),
        );
    };
    let addrs = parse_addrs(arg, b.resolver()).map_err(|e| format!("'bind' : {e}"))?;
    let section = b.cur().kind.section_str();
    let used_ids = if cx.args().iter().any(|a| a == "id") {
        b.cur()
            .binds
            .iter()
            .filter_map(|bd| bd.opts.id.map(|id| (id, b.loc(bd.span), bd.arg.clone())))
            .collect()
    } else {
        Vec::new()
    };
    let mut bb = BindBuilder {
        bind: Bind {
            span: cx.span(),
            arg: arg.to_string(),
            addrs,
            opts: BindOptions::default(),
        },
        used_ids,
        ctx: String::new(),
        resolver: b.resolver().clone(),
    };
    parse_options(&mut bb, cx, 1, section);
    b.px().binds.push(bb.bind);
    Ok(())
}

/// Parses a comma-separated list of listening addresses.
pub fn parse_addrs(arg: &str, resolver: &addr::HostResolver) -> Result<Vec<BindAddr>, String> {
    let mut out = Vec::new();
    for one in addr::split_list(arg) {
        // HAProxy prints `bind` address errors without str2sa_range's trailing line feed.
        let a = addr::parse(one, &AddrOpts::BIND, resolver)
            .map_err(|e| e.trim_end_matches('\n').to_string())?;
        out.push(match (a.host, a.port) {
            (Host::Ip(ip), Port::Range(lo, hi)) => BindAddr::Inet {
                ip,
                ports: (lo, hi),
            },
            (Host::Ip(_), _) => return Err(format!("missing port specification in '{one}'")),
            (Host::Unix(p), _) => BindAddr::Unix(p),
            (Host::Abns(p), _) => BindAddr::Abns(p),
            (Host::Fd(n), _) => BindAddr::Fd(n),
            (Host::SockPair(n), _) => BindAddr::SockPair(n),
            (Host::Name { name, .. }, _) => {
                return Err(format!("invalid address: '{name}' in '{one}'"))
            }
        });
    }
    Ok(out)
}

/// Runs the options of a bind line starting at argument `first` (0 = first after the
/// keyword), stopping at the first fatal error as HAProxy does. `section` names the
/// section in messages (`frontend`, `listen`, `global`...).
pub fn parse_options(bb: &mut BindBuilder, cx: &mut Cx<'_>, first: usize, section: &str) {
    let args = cx.args();
    let ctx = format!("'{} {}'", cx.keyword(), bb.bind.arg);
    bb.ctx = format!("{ctx} in section '{section}'");
    let mut i = first;
    while let Some(word) = args.get(i) {
        let Some(k) = crate::kw::lookup(TABLE, word) else {
            let msg = match super::best_match(word, TABLE.iter().map(|k| k.name)) {
                Some(best) => format!(
                    "{ctx} in section '{section}': unknown keyword '{word}'; did you mean '{best}' maybe ?"
                ),
                None => format!("{ctx} in section '{section}': unknown keyword '{word}'."),
            };
            cx.alert(msg);
            return;
        };
        let n = arity(k.name);
        let end = (i + 1 + n).min(args.len());
        let mut words = vec![word.clone()];
        words.extend(args[i + 1..end].iter().cloned());
        let sub = Line {
            span: cx.line.span,
            modifier: rampart_config::Modifier::None,
            words,
        };
        let mut scx = Cx {
            line: &sub,
            diags: cx.diags,
            base_dir: cx.base_dir,
        };
        // A parser error ends the line as in HAProxy; a keyword Rampart does not support
        // yet is reported and the rest of the line is still checked (a missing `crt` file
        // after an unsupported `ssl` is worth knowing).
        let fatal = match k.status.evaluate(k.name, bb, &mut scx) {
            Verdict::Accepted => false,
            Verdict::Warning(msg) => {
                scx.warn(format!("{ctx} in section '{section}' : {msg}"));
                false
            }
            Verdict::Unsupported(msg) => {
                scx.alert(format!("{ctx} in section '{section}' : {msg}"));
                false
            }
            Verdict::Fatal(msg) => {
                scx.alert(format!("{ctx} in section '{section}' : {msg}"));
                true
            }
        };
        if fatal {
            return;
        }
        i += 1 + n;
    }
}

/// The option's value, or HAProxy's "missing value" error.
fn value<'a>(cx: &Cx<'a>, what: &str) -> Result<&'a str, String> {
    cx.arg(0)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("'{}' : missing {what}", cx.keyword()))
}

fn accept_netscaler_cip(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "value")?;
    let n = atol(v) as u32;
    if n == 0 {
        return Err(format!(
            "'{}' : invalid value {}, must be >= 0",
            cx.keyword(),
            n as i32
        ));
    }
    bb.bind.opts.accept_netscaler_cip = Some(n);
    Ok(())
}

fn accept_proxy(bb: &mut BindBuilder, _cx: &mut Cx<'_>) -> Result<(), String> {
    bb.bind.opts.accept_proxy = true;
    Ok(())
}

fn flag(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let o = &mut bb.bind.opts;
    match cx.keyword() {
        "defer-accept" => o.defer_accept = true,
        "tfo" => o.tfo = true,
        "transparent" => o.transparent = true,
        "v4v6" => o.v4v6 = true,
        _ => o.v6only = true,
    }
    Ok(())
}

fn backlog(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let n = atol(value(cx, "value")?) as i32;
    if n < 0 {
        return Err(format!("'backlog' : invalid value {n}, must be > 0"));
    }
    bb.bind.opts.backlog = Some(n as u32);
    Ok(())
}

fn maxconn(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let n = atol(value(cx, "value")?) as i32;
    if n < 0 {
        return Err(format!("'maxconn' : invalid value {n}, must be >= 0"));
    }
    bb.bind.opts.maxconn = Some(n as u32);
    Ok(())
}

fn id(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if bb.bind.addrs.iter().map(BindAddr::listeners).sum::<u32>() != 1 {
        return Err("'id' can only be used with a single socket".into());
    }
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'id' : expects an integer argument".into());
    };
    if !crate::cnum::is_int(v) {
        return Err(format!("'id' : expects an integer argument, found '{v}'"));
    }
    let n = atol(v) as i32;
    if n <= 0 {
        return Err("'id' : custom id has to be > 0".into());
    }
    let n = n as u32;
    if let Some((_, loc, arg)) = bb.used_ids.iter().find(|(u, _, _)| *u == n) {
        return Err(format!(
            "'id' : custom id {n} already used at {loc} ('bind {arg}')"
        ));
    }
    bb.bind.opts.id = Some(n);
    Ok(())
}

fn name(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    bb.bind.opts.name = Some(value(cx, "name")?.to_string());
    Ok(())
}

fn nice(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let n = atol(value(cx, "value")?) as i32;
    if !(-1024..=1024).contains(&n) {
        return Err(format!(
            "'nice' : invalid value {n}, allowed range is -1024..1024"
        ));
    }
    bb.bind.opts.nice = Some(n);
    Ok(())
}

/// A process or thread set; HAProxy prints these bind option errors without
/// `parse_process_number`'s trailing line feed.
fn process_set(text: &str, max: u32) -> Result<u64, String> {
    crate::procset::parse_process_number(text, max, false)
        .map(|(mask, _)| mask)
        .map_err(|e| e.trim_end_matches('\n').to_string())
}

fn process(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = cx.arg(0).unwrap_or_default();
    let (proc, thread) = match v.split_once('/') {
        Some((p, t)) => (p, Some(t)),
        None => (v, None),
    };
    process_set(proc, 1).map_err(|e| format!("'process' : {e}"))?;
    if let Some(t) = thread {
        let mask = process_set(t, 64).map_err(|e| format!("'process' : {e}"))?;
        let (g, m) = bb.bind.opts.thread.unwrap_or((0, 0));
        bb.bind.opts.thread = Some((g, m | mask));
    }
    let mut msg =
        format!("'process {v}' on 'bind' lines is deprecated and will be removed in 2.7.");
    if let Some(t) = thread {
        msg.push_str(&format!(" Please use 'thread {t}' instead."));
    }
    cx.warn(format!("{} : {msg}", bb.ctx));
    Ok(())
}

fn thread(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = cx.arg(0).unwrap_or_default();
    let (group, set) = match v.split_once('/') {
        Some((g, s)) if crate::cnum::is_int(g) || g.is_empty() => {
            let g = atol(g);
            if !(1..=1).contains(&g) {
                return Err(format!(
                    "'{v}' thread-group number must be between 1 and 1 (was {g})"
                ));
            }
            (g as u32, s)
        }
        _ => (0, v),
    };
    if let Some((g, m)) = bb.bind.opts.thread {
        if (g != 0 || m != 0) && g != group {
            return Err(format!("'{v}' multiple thread-groups are not supported"));
        }
    }
    let mask = process_set(set, 64).map_err(|e| format!("'{set}' : {e}"))?;
    let m = bb.bind.opts.thread.map_or(0, |t| t.1);
    bb.bind.opts.thread = Some((group, m | mask));
    Ok(())
}

fn shards(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "value")?;
    let n = if v == "by-thread" {
        64
    } else {
        let n = atol(v) as i32;
        if !(1..=64).contains(&n) {
            return Err(format!(
                "'shards' : invalid value {n}, allowed range is 1..64 or 'by-thread'"
            ));
        }
        n as u32
    };
    bb.bind.opts.shards = Some(n);
    Ok(())
}

fn interface(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    bb.bind.opts.interface = Some(value(cx, "interface name")?.to_string());
    Ok(())
}

fn namespace(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = value(cx, "namespace id")?;
    if !bb.resolver.namespace_exists(name) {
        // HAProxy reports the failure without a location, then its generic error.
        let span = cx.span();
        cx.diags.push(
            rampart_config::Diagnostic::alert(
                Some(span),
                format!("Cannot open namespace '{name}'."),
            )
            .form(rampart_config::Form::Bare),
        );
        return Err("error encountered while processing 'namespace'.".into());
    }
    bb.bind.opts.namespace = Some(name.to_string());
    Ok(())
}

/// `crt <file|dir>`: TLS is not supported yet, but HAProxy loads the certificate while
/// parsing, so a missing one is reported as HAProxy reports it.
fn crt(_bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(file) = cx.arg(0).filter(|f| !f.is_empty()) else {
        return Err("'crt' : missing certificate location".into());
    };
    std::fs::metadata(cx.path(file)).map(|_| ()).map_err(|e| {
        format!(
            "unable to stat SSL certificate from file '{file}' : {}.",
            rampart_config::reader::io_reason(&e)
        )
    })
}

fn mss(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "MSS value")?;
    let n = atol(v).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    if n == 0 || n.unsigned_abs() > 65535 {
        return Err("'mss' : expects an MSS with and absolute value between 1 and 65535".into());
    }
    bb.bind.opts.mss = Some(n);
    Ok(())
}

fn tcp_ut(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "TCP User Timeout value")?;
    let ms = super::timeout::parse_ms(cx, v).map_err(|e| match e {
        rampart_config::units::TimeError::Overflow => format!(
            "timer overflow in argument '{v}' to 'tcp-ut' (maximum value is 2147483647 ms or ~24.8 days)"
        ),
        rampart_config::units::TimeError::Underflow => {
            format!("timer underflow in argument '{v}' to 'tcp-ut' (minimum non-null value is 1 ms)")
        }
        _ => "'tcp-ut' : expects a positive delay in milliseconds".into(),
    })?;
    bb.bind.opts.tcp_ut = Some(ms);
    Ok(())
}

fn mode(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = cx.arg(0).unwrap_or_default();
    let ok = !v.is_empty() && v.bytes().all(|c| (b'0'..=b'7').contains(&c));
    let n = if ok {
        u32::from_str_radix(v, 8).ok()
    } else {
        None
    };
    match n {
        Some(n) => {
            bb.bind.opts.unix_mode = Some(n);
            Ok(())
        }
        None => Err(format!(
            "'mode' : missing or invalid mode '{v}' (octal integer expected)"
        )),
    }
}

fn uid(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    bb.bind.opts.uid = Some(atol(value(cx, "value")?) as u32);
    Ok(())
}

fn gid(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    bb.bind.opts.gid = Some(atol(value(cx, "value")?) as u32);
    Ok(())
}

fn user(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "user name")?;
    let id = lookup_user(v).ok_or_else(|| format!("'user' : unknown user name '{v}'"))?;
    bb.bind.opts.uid = Some(id);
    Ok(())
}

fn group(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "group name")?;
    let id = lookup_group(v).ok_or_else(|| format!("'group' : unknown group name '{v}'"))?;
    bb.bind.opts.gid = Some(id);
    Ok(())
}

fn level(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "level")?;
    bb.bind.opts.level = Some(match v {
        "user" => CliLevel::User,
        "operator" => CliLevel::Operator,
        "admin" => CliLevel::Admin,
        _ => {
            return Err(format!(
                "'level' only supports 'user', 'operator', and 'admin' (got '{v}')"
            ))
        }
    });
    Ok(())
}

fn expose_fd(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "fd type")?;
    if v != "listeners" {
        return Err(format!("'expose-fd' only supports 'listeners' (got '{v}')"));
    }
    bb.bind.opts.expose_fd_listeners = true;
    Ok(())
}

fn severity_output(bb: &mut BindBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = value(cx, "severity format")?;
    bb.bind.opts.severity_output = Some(match v {
        "none" => SeverityOutput::None,
        "number" => SeverityOutput::Number,
        "string" => SeverityOutput::String,
        _ => {
            return Err(format!(
                "'severity-output' only supports 'none', 'number', and 'string' (got '{v}')"
            ))
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::*;

    #[test]
    fn every_address_form() {
        let r = run("frontend f\n bind 127.0.0.1:7000-7009\n bind [::1]:80\n bind :::81\n bind *:82\n bind :83\n bind unix@/tmp/a.sock\n bind abns@x\n bind fd@3\n bind sockpair@4\n bind ipv4@:84\n bind ipv6@:85\n bind 127.0.0.1:1,127.0.0.2:2\n bind /tmp/b.sock\n");
        assert!(r.clean());
        let f = r.proxy("f");
        let a: Vec<&BindAddr> = f.binds.iter().flat_map(|b| b.addrs.iter()).collect();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(
            a[0],
            &BindAddr::Inet {
                ip: ip("127.0.0.1"),
                ports: (7000, 7009)
            }
        );
        assert_eq!(a[0].listeners(), 10);
        assert_eq!(
            a[1],
            &BindAddr::Inet {
                ip: ip("::1"),
                ports: (80, 80)
            }
        );
        assert_eq!(
            a[2],
            &BindAddr::Inet {
                ip: ip("::"),
                ports: (81, 81)
            }
        );
        assert_eq!(
            a[3],
            &BindAddr::Inet {
                ip: ip("0.0.0.0"),
                ports: (82, 82)
            }
        );
        assert_eq!(a[5], &BindAddr::Unix("/tmp/a.sock".into()));
        assert_eq!(a[6], &BindAddr::Abns("x".into()));
        assert_eq!(a[7], &BindAddr::Fd(3));
        assert_eq!(a[8], &BindAddr::SockPair(4));
        assert_eq!(
            a[10],
            &BindAddr::Inet {
                ip: ip("::"),
                ports: (85, 85)
            }
        );
        assert_eq!(f.binds[11].addrs.len(), 2);
        assert_eq!(a[13], &BindAddr::Unix("/tmp/b.sock".into()));
    }

    #[test]
    fn bind_errors() {
        let r = run("frontend f\n bind 1.2.3.4\n");
        assert!(r.has_alert("'bind' : missing port specification in '1.2.3.4'"));
        let r = run("frontend f\n bind\n");
        assert!(r.has_alert(
            "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments."
        ));
        let r = run("defaults\n bind :80\n");
        assert!(r.has_alert("'bind' not allowed in 'defaults' section."));
        let r = run("backend b\n bind :80\n");
        assert!(r.has_warning("'bind' ignored because backend 'b' has no frontend capability."));
    }

    #[test]
    fn data_options() {
        let r = run("frontend f\n bind :80 name web id 5 backlog 100 maxconn 10 nice 5 accept-proxy defer-accept tfo mss 1400 interface lo namespace ns1 transparent v4v6 thread 1-2 shards 2\n bind unix@/tmp/s mode 660 uid 1 gid 2 user root group root level admin expose-fd listeners severity-output number\n");
        assert!(r.clean());
        let o = &r.proxy("f").binds[0].opts;
        assert_eq!(o.name.as_deref(), Some("web"));
        assert_eq!(
            (o.id, o.backlog, o.maxconn, o.nice, o.mss),
            (Some(5), Some(100), Some(10), Some(5), Some(1400))
        );
        assert!(o.accept_proxy && o.defer_accept && o.tfo && o.transparent && o.v4v6);
        assert_eq!(o.thread, Some((0, 0b11)));
        let u = &r.proxy("f").binds[1].opts;
        assert_eq!((u.unix_mode, u.uid, u.gid), (Some(0o660), Some(0), Some(0)));
        assert_eq!(u.level, Some(CliLevel::Admin));
    }

    #[test]
    fn options_the_runtime_does_not_apply_yet() {
        let r = run("frontend f\n bind :80 tcp-ut 10s\n");
        assert!(r.has_alert("'bind :80' in section 'frontend' : 'tcp-ut' is not supported yet"));
        let r = run("frontend f\n bind :80 accept-netscaler-cip 1234\n");
        assert!(r.has_alert(
            "'bind :80' in section 'frontend' : 'accept-netscaler-cip' is not supported yet"
        ));
        // Arguments are checked first, with HAProxy's words.
        let r = run("frontend f\n bind :80 tcp-ut\n");
        assert!(!r.has_alert("'bind :80' in section 'frontend' : 'tcp-ut' is not supported yet"));
        assert!(!r.valid());
    }

    #[test]
    fn option_errors() {
        let r = run("frontend f\n bind :80 foo\n");
        assert!(r.has_alert(
            "'bind :80' in section 'frontend': unknown keyword 'foo'; did you mean 'tfo' maybe ?"
        ));
        let r = run("frontend f\n bind :80 maxconn\n");
        assert!(r.has_alert("'bind :80' in section 'frontend' : 'maxconn' : missing value"));
        let r = run("frontend f\n bind :80,:81 id 3\n");
        assert!(r.has_alert(
            "'bind :80,:81' in section 'frontend' : 'id' can only be used with a single socket"
        ));
        let r = run("frontend f\n bind :80 id 3\n bind :81 id 3\n");
        assert!(r.has_alert("'bind :81' in section 'frontend' : 'id' : custom id 3 already used at t.cfg:2 ('bind :80')"));
        let r = run("frontend f\n bind :80 process 2\n");
        assert!(r.has_alert("'bind :80' in section 'frontend' : 'process' : '2' is not a valid number/range. It supports numbers from 1 to 1."));
        let r = run("frontend f\n bind :80 nice 5000\n");
        assert!(r.has_alert("'bind :80' in section 'frontend' : 'nice' : invalid value 5000, allowed range is -1024..1024"));
        let r = run("listen l\n bind :443 ssl crt x.pem\n");
        assert!(r.has_alert("'bind :443' in section 'listen' : 'ssl' is not supported yet"));
        let r = run("frontend f\n bind /tmp/x mode 9\n");
        assert!(r.has_alert("'bind /tmp/x' in section 'frontend' : 'mode' : missing or invalid mode '9' (octal integer expected)"));
        let r = run("frontend f\n bind /tmp/x user no-such-user-zz\n");
        assert!(r.has_alert(
            "'bind /tmp/x' in section 'frontend' : 'user' : unknown user name 'no-such-user-zz'"
        ));
        let r = run("frontend f\n bind :80 mss 0\n");
        assert!(r.has_alert("'bind :80' in section 'frontend' : 'mss' : expects an MSS with and absolute value between 1 and 65535"));
        let r = run("frontend f\n bind :80 process 1/2\n");
        assert!(r.has_warning("'bind :80' in section 'frontend' : 'process 1/2' on 'bind' lines is deprecated and will be removed in 2.7. Please use 'thread 2' instead."));
    }
}
