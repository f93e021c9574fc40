//! `server`, `default-server` and `server-template` lines and server options
//! (configuration manual 4.2, 5.2 "Server and default-server options", 5.3 "Server IP
//! address resolution using DNS"; HAProxy's `parse_server`, `_srv_parse_init`,
//! `_srv_parse_kw`, every `srv_kws` registration: server.c, check.c, cfgparse-ssl.c,
//! cfgparse-tcp.c).
//!
//! Each server starts from its proxy's `default-server` settings (themselves inherited from
//! the defaults section); `no-*` options undo them. Health-check settings are parsed and
//! stored (`check`, `inter`, `rise`, `agent-check`, `track`...) and run by the proxy's
//! checks. TLS and SOCKS are not supported yet.

use super::net::{parse_net, Net};
use super::{Cap, ProxiesBuilder};
use crate::addr::{self, AddrOpts, Host, HostResolver, IpFamily, Port, SockAddr};
use crate::cnum::atol;
use crate::kw::{Cx, Verdict};
use rampart_config::units::TimeError;
use rampart_config::{Diagnostic, Line, Modifier, Span};
use std::net::IpAddr;

/// Where a server is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerAddr {
    Ip(IpAddr),
    /// A host name resolved at start-up (`init-addr`) or by `resolvers`.
    Name {
        name: String,
        family: Option<IpFamily>,
    },
    Unix(String),
    Abns(String),
    SockPair(u32),
}

/// The server's port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerPort {
    /// The port the client connected to, plus this offset (no port, `+N`, `-N`).
    Mapped(i32),
    Fixed(u16),
}

/// One `init-addr` method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitAddr {
    Last,
    Libc,
    None,
    Ip(IpAddr),
}

/// `usesrc` of a `source` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseSrc {
    Client,
    ClientIp,
    HdrIp { name: String, occ: i64 },
    Addr(SockAddr),
}

/// `source <addr>[:<port>[-<port>]] [usesrc ...] [interface <name>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub addr: SockAddr,
    pub usesrc: Option<UseSrc>,
    pub interface: Option<String>,
}

/// Health-check settings of a server (`check`, `inter`, `agent-check`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSettings {
    pub enabled: bool,
    /// `check-send-proxy`.
    pub send_proxy: bool,
    /// `agent-check` and its settings.
    pub agent: AgentSettings,
    /// `track [<backend>/]<server>`.
    pub track: Option<String>,
    /// Intervals in milliseconds.
    pub inter: u32,
    pub fastinter: Option<u32>,
    pub downinter: Option<u32>,
    pub rise: u32,
    pub fall: u32,
    pub port: Option<u32>,
    pub addr: Option<SockAddr>,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            send_proxy: false,
            agent: AgentSettings::default(),
            track: None,
            inter: 2000,
            fastinter: None,
            downinter: None,
            rise: 2,
            fall: 3,
            port: None,
            addr: None,
        }
    }
}

/// `agent-check`, `agent-port`, `agent-inter`, `agent-send`, `agent-addr`. The port and
/// address default to the health check's (`port`, `addr`), as in HAProxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentSettings {
    pub enabled: bool,
    pub port: Option<u32>,
    /// Milliseconds (`None`: `inter`).
    pub inter: Option<u32>,
    pub send: Option<String>,
    pub addr: Option<IpAddr>,
}

/// `send-proxy-v2` TLVs (`proxy-v2-options`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyV2Options {
    pub ssl: bool,
    pub cert_cn: bool,
    pub cert_key: bool,
    pub cert_sig: bool,
    pub ssl_cipher: bool,
    pub authority: bool,
    pub crc32c: bool,
    pub unique_id: bool,
}

/// Settings shared by `default-server` and `server` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSettings {
    /// 0..=256, default 1.
    pub weight: u32,
    pub backup: bool,
    /// Starts in maintenance (`disabled`).
    pub disabled: bool,
    pub maxconn: u32,
    pub maxqueue: u32,
    pub minconn: u32,
    /// `init-addr` methods (`None`: HAProxy's default `last,libc`, plus `none` with resolvers).
    pub init_addr: Option<Vec<InitAddr>>,
    pub resolvers: Option<String>,
    pub resolve_prefer: Option<IpFamily>,
    pub resolve_net: Vec<Net>,
    pub resolve_allow_dup_ip: bool,
    pub resolve_ignore_weight: bool,
    pub check: CheckSettings,
    pub send_proxy: bool,
    pub send_proxy_v2: bool,
    pub proxy_v2_options: ProxyV2Options,
    /// `cookie <value>`: the value of the backend's persistence cookie for this server.
    pub cookie: Option<String>,
    /// `redir <prefix>`: GET and HEAD requests for this server are redirected.
    pub redir: Option<String>,
    pub tfo: bool,
    pub namespace: Option<String>,
    pub source: Option<Source>,
    pub non_stick: bool,
    pub observe: Option<String>,
    pub on_error: Option<String>,
    pub on_marked_down: Option<String>,
    pub on_marked_up: Option<String>,
    pub error_limit: Option<u32>,
    /// Seconds.
    pub slowstart: u32,
    pub max_reuse: Option<i64>,
    pub pool_low_conn: Option<i64>,
    pub pool_max_conn: Option<i64>,
    /// Milliseconds.
    pub pool_purge_delay: Option<u32>,
    pub ws: Option<String>,
    pub log_proto: Option<String>,
    /// Milliseconds.
    pub tcp_ut: Option<u32>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            weight: 1,
            backup: false,
            disabled: false,
            maxconn: 0,
            maxqueue: 0,
            minconn: 0,
            init_addr: None,
            resolvers: None,
            resolve_prefer: None,
            resolve_net: Vec::new(),
            resolve_allow_dup_ip: false,
            resolve_ignore_weight: false,
            check: CheckSettings::default(),
            send_proxy: false,
            send_proxy_v2: false,
            proxy_v2_options: ProxyV2Options::default(),
            cookie: None,
            redir: None,
            tfo: false,
            namespace: None,
            source: None,
            non_stick: false,
            observe: None,
            on_error: None,
            on_marked_down: None,
            on_marked_up: None,
            error_limit: None,
            slowstart: 0,
            max_reuse: None,
            pool_low_conn: None,
            pool_max_conn: None,
            pool_purge_delay: None,
            ws: None,
            log_proto: None,
            tcp_ut: None,
        }
    }
}

/// One server (a `server` line, or one instance of a `server-template`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub span: Span,
    pub addr: ServerAddr,
    pub port: ServerPort,
    /// `id`: forced numeric identifier.
    pub id: Option<u32>,
    pub settings: ServerSettings,
    /// Set for servers created by `server-template`: the prefix.
    pub template: Option<String>,
    /// The state the server-state file gave it, if any.
    pub saved: Option<crate::server_state::SavedState>,
    /// An argument of a sample fetch or converter names it (`srv_is_up(b/s)`...): the
    /// runtime API may not delete it (HAProxy's `SRV_F_NON_PURGEABLE`).
    pub referenced: bool,
}

/// What server option parsers work on.
pub struct ServerBuilder {
    pub settings: ServerSettings,
    pub id: Option<u32>,
    /// Server name for messages (`None` for `default-server`).
    pub name: Option<String>,
    pub is_default: bool,
    pub mode_http: bool,
    pub has_be: bool,
    pub proxy_type: &'static str,
    pub proxy_name: String,
    /// Ids already used by the proxy's servers: id, `file:line`, name.
    pub used_ids: Vec<(u32, String, String)>,
    /// `'server <proxy>/<name>' : `, the prefix of this line's messages.
    pub ctx: String,
    /// Extra arguments consumed by the option just parsed (`source` takes a variable count).
    pub extra: usize,
    /// The rest of the line, for variable-length options.
    pub rest: Vec<String>,
    pub resolver: HostResolver,
    /// A server the runtime API adds (`add server`): only the options HAProxy marks
    /// `dynamic_ok` are accepted.
    pub dynamic: bool,
}

mod options;
#[cfg(test)]
mod tests;

pub(crate) use options::parse_source;
pub use options::{arity, TABLE};
use options::{default_ok, dynamic_ok};

/// HAProxy's `invalid_prefix_char`: letters, digits, `.`, `_`, `-`.
fn invalid_prefix_char(name: &str) -> Option<char> {
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Server,
    Default,
    Template,
}

/// `server <name> <addr>[:port] [options]`.
pub(crate) fn server(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    parse_line(b, cx, Kind::Server)
}

/// `default-server [options]`.
pub(crate) fn default_server(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    parse_line(b, cx, Kind::Default)
}

/// `server-template <prefix> <num|range> <fqdn>[:port] [options]`.
pub(crate) fn server_template(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    parse_line(b, cx, Kind::Template)
}

/// HAProxy prints every error of its server-line parser as `[file:line] : ...` (the
/// `'server b/s' : ...` keyword and address errors as well as the argument checks).
fn parse_line(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, kind: Kind) -> Result<(), String> {
    if let Err(msg) = parse_line_inner(b, cx, kind) {
        let d = rampart_config::Diagnostic::alert(Some(cx.span()), msg)
            .form(rampart_config::Form::Bracket);
        cx.diags.push(d);
    }
    Ok(())
}

fn parse_line_inner(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, kind: Kind) -> Result<(), String> {
    let kw = cx.keyword();
    if kind != Kind::Default {
        b.not_in_defaults(kw)?;
    }
    if !b.has_cap(Cap::Be) {
        let p = b.cur();
        // HAProxy builds this one with its own location, then prints it with the server
        // parser's: the place appears twice.
        return Err(format!(
            "parsing [{}] : '{kw}' not allowed because {} '{}' has no backend capability.",
            b.loc(cx.span()),
            p.kind.type_str(),
            p.name
        ));
    }
    let args = cx.args();
    let mut first = 0;
    let mut range = (0u32, 0u32);
    let mut parsed_addr = None;
    match kind {
        Kind::Default => {}
        Kind::Server | Kind::Template => {
            let need = if kind == Kind::Template { 3 } else { 2 };
            if args.len() < need {
                return Err(if kind == Kind::Template {
                    format!("'{kw}' expects <prefix> <nb | range> <addr>[:<port>] as arguments.")
                } else {
                    format!("'{kw}' expects <name> and <addr>[:<port>] as arguments.")
                });
            }
            let name = &args[0];
            let bad = if kind == Kind::Template {
                invalid_prefix_char(name)
            } else {
                crate::proxy::invalid_char(name)
            };
            if let Some(c) = bad {
                return Err(format!(
                    "character '{c}' is not permitted in {kw} {} '{name}'.",
                    if kind == Kind::Template {
                        "prefix"
                    } else {
                        "name"
                    }
                ));
            }
            first = 1;
            if kind == Kind::Template {
                range = template_range(&args[1])
                    .ok_or_else(|| format!("Wrong {kw} number or range arg '{}'.", args[1]))?;
                first = 2;
            }
            let a = addr::parse(&args[first], &AddrOpts::SERVER, b.resolver())
                .map_err(|e| format!("'server {}/{name}' : {e}", b.cur().name))?;
            parsed_addr = Some(a);
            first += 1;
        }
    }

    let p = b.cur();
    let name = (kind != Kind::Default).then(|| args[0].clone());
    let mut sb = ServerBuilder {
        settings: p.default_server.clone(),
        id: None,
        name: name.clone(),
        is_default: kind == Kind::Default,
        mode_http: p.mode == super::Mode::Http,
        has_be: p.is_be(),
        proxy_type: p.kind.type_str(),
        proxy_name: p.name.clone(),
        used_ids: if args.iter().any(|a| a == "id") {
            p.servers
                .iter()
                .filter_map(|s| s.id.map(|i| (i, b.loc(s.span), s.name.clone())))
                .collect()
        } else {
            Vec::new()
        },
        ctx: name
            .as_ref()
            .map(|n| format!("'server {}/{n}' : ", p.name))
            .unwrap_or_default(),
        extra: 0,
        rest: Vec::new(),
        resolver: b.resolver().clone(),
        dynamic: false,
    };
    let ctx = sb.ctx.clone();
    if !parse_options(&mut sb, cx, first, &ctx) {
        return Ok(());
    }

    if kind == Kind::Default {
        b.px().default_server = sb.settings;
        return Ok(());
    }
    let Some(a) = parsed_addr else { return Ok(()) };
    let (addr, port) = server_addr(a);
    let span = cx.span();
    let n = name.unwrap_or_default();
    if kind == Kind::Template {
        for i in range.0..=range.1 {
            b.px().servers.push(Server {
                name: format!("{n}{i}"),
                span,
                addr: addr.clone(),
                port,
                id: None,
                settings: sb.settings.clone(),
                template: Some(n.clone()),
                saved: None,
                referenced: false,
            });
        }
    } else {
        if sb.settings.check.enabled && sb.settings.check.track.is_some() {
            cx.alert("unable to enable checks and tracking at the same time!");
            return Ok(());
        }
        let c = &sb.settings.check;
        if c.agent.enabled && c.agent.port.or(c.port).unwrap_or(0) == 0 {
            cx.alert(format!(
                "server {} does not have agent port. Agent check has been disabled.",
                n
            ));
            return Ok(());
        }
        if sb.settings.weight == 0 {
            cx.diags.push(Diagnostic::diag(
                Some(span),
                format!("{ctx}configured with weight of 0 will never be selected by load balancing algorithms"),
            ));
        }
        b.px().servers.push(Server {
            name: n,
            span,
            addr,
            port,
            id: sb.id,
            settings: sb.settings,
            template: None,
            saved: None,
            referenced: false,
        });
    }
    Ok(())
}

/// A `server` line outside proxies (the `server` lines of `ring` sections: HAProxy runs
/// its `parse_server` on the ring's hidden backend `owner`). Errors are reported in
/// HAProxy's `[file:line] : ...` form; `None` after one.
pub fn parse_standalone(cx: &mut Cx<'_>, owner: &str, resolver: &HostResolver) -> Option<Server> {
    let report = |cx: &mut Cx<'_>, msg: String| {
        let d = Diagnostic::alert(Some(cx.span()), msg).form(rampart_config::Form::Bracket);
        cx.diags.push(d);
    };
    let args = cx.args();
    let kw = cx.keyword();
    if args.len() < 2 || args[0].is_empty() || args[1].is_empty() {
        report(
            cx,
            format!("'{kw}' expects <name> and <addr>[:<port>] as arguments."),
        );
        return None;
    }
    let name = args[0].clone();
    if let Some(c) = crate::proxy::invalid_char(&name) {
        report(
            cx,
            format!("character '{c}' is not permitted in {kw} name '{name}'."),
        );
        return None;
    }
    let a = match addr::parse(&args[1], &AddrOpts::SERVER, resolver) {
        Ok(a) => a,
        Err(e) => {
            report(cx, format!("'server {owner}/{name}' : {e}"));
            return None;
        }
    };
    let mut sb = ServerBuilder {
        settings: ServerSettings::default(),
        id: None,
        name: Some(name.clone()),
        is_default: false,
        mode_http: false,
        has_be: true,
        proxy_type: "backend",
        proxy_name: owner.to_string(),
        used_ids: Vec::new(),
        ctx: format!("'server {owner}/{name}' : "),
        extra: 0,
        rest: Vec::new(),
        resolver: resolver.clone(),
        dynamic: false,
    };
    let ctx = sb.ctx.clone();
    if !parse_options(&mut sb, cx, 2, &ctx) {
        return None;
    }
    let (addr, port) = server_addr(a);
    Some(Server {
        name,
        span: cx.span(),
        addr,
        port,
        id: sb.id,
        settings: sb.settings,
        template: None,
        saved: None,
        referenced: false,
    })
}

/// A server the runtime API adds (`add server <b>/<name> <addr>[:<port>] [kw]*`,
/// HAProxy's `cli_parse_add_server` with `SRV_PARSE_DYNAMIC`): `args` are the name, the
/// address and the options. The backend's `default-server` settings do not apply (a
/// dynamic server starts from HAProxy's built-in ones: weight 1, no idle connection
/// pool); a host name is not resolved (the server starts without an address). `used_ids`
/// are the ids of the backend's servers with where they were declared and their names.
///
/// Returns the server with HAProxy's messages (warnings) on success, or the messages
/// ending with the error, each line ending with a newline, as HAProxy's CLI collects
/// them.
pub fn parse_dynamic(
    args: &[String],
    owner: &str,
    mode_http: bool,
    used_ids: Vec<(u32, String, String)>,
) -> Result<(Server, String), String> {
    let (Some(name), Some(a)) = (
        args.first().filter(|a| !a.is_empty()),
        args.get(1).filter(|a| !a.is_empty()),
    ) else {
        return Err("'server' expects <name> and <addr>[:<port>] as arguments.\n".into());
    };
    if let Some(c) = crate::proxy::invalid_char(name) {
        return Err(format!(
            "character '{c}' is not permitted in server name '{name}'.\n"
        ));
    }
    let resolver = HostResolver::none();
    let a = addr::parse(a, &AddrOpts::SERVER, &resolver).map_err(|e| format!("{e}\n"))?;
    let mut words = vec!["server".to_string()];
    words.extend(args.iter().cloned());
    let line = Line {
        span: Span {
            file: rampart_config::FileId(0),
            line: 0,
        },
        modifier: Modifier::None,
        words,
    };
    let mut diags = rampart_config::Diagnostics::new();
    let mut cx = Cx {
        line: &line,
        diags: &mut diags,
        base_dir: std::path::Path::new("."),
    };
    let mut sb = ServerBuilder {
        settings: ServerSettings {
            pool_max_conn: Some(0),
            pool_purge_delay: Some(0),
            ..ServerSettings::default()
        },
        id: None,
        name: Some(name.clone()),
        is_default: false,
        mode_http,
        has_be: true,
        proxy_type: "backend",
        proxy_name: owner.to_string(),
        used_ids,
        ctx: String::new(),
        extra: 0,
        rest: Vec::new(),
        resolver,
        dynamic: true,
    };
    let ok = parse_options(&mut sb, &mut cx, 2, "");
    let mut said = String::new();
    for d in diags.iter().filter(|d| {
        matches!(
            d.level,
            rampart_config::Level::Warning
                | rampart_config::Level::NonFatalAlert
                | rampart_config::Level::Alert
        )
    }) {
        said.push_str(&d.message);
        said.push('\n');
    }
    if !ok {
        return Err(said);
    }
    let c = &sb.settings.check;
    if c.enabled && c.track.is_some() {
        said.push_str("unable to enable checks and tracking at the same time!\n");
        return Err(said);
    }
    if c.agent.enabled && c.agent.port.or(c.port).unwrap_or(0) == 0 {
        said.push_str(&format!(
            "server {name} does not have agent port. Agent check has been disabled.\n"
        ));
        return Err(said);
    }
    let (addr, port) = server_addr(a);
    Ok((
        Server {
            name: name.clone(),
            span: line.span,
            addr,
            port,
            id: sb.id,
            settings: sb.settings,
            template: None,
            saved: None,
            referenced: false,
        },
        said,
    ))
}

/// `N` (1..N) or `L-H`. Bounded so that a huge count cannot exhaust memory.
fn template_range(s: &str) -> Option<(u32, u32)> {
    let (lo, hi) = match s.split_once('-') {
        Some((l, h)) => (atol(l), atol(h)),
        None => (1, atol(s)),
    };
    if lo < 0 || hi < lo || hi - lo >= 100_000 {
        return None;
    }
    Some((lo as u32, hi as u32))
}

fn server_addr(a: SockAddr) -> (ServerAddr, ServerPort) {
    let port = match a.port {
        Port::Range(p, _) if p != 0 => ServerPort::Fixed(p),
        Port::Offset(o) => ServerPort::Mapped(o),
        _ => ServerPort::Mapped(0),
    };
    let addr = match a.host {
        Host::Ip(ip) => ServerAddr::Ip(ip),
        Host::Name { name, family } => ServerAddr::Name { name, family },
        Host::Unix(p) => ServerAddr::Unix(p),
        Host::Abns(p) => ServerAddr::Abns(p),
        Host::SockPair(n) | Host::Fd(n) => ServerAddr::SockPair(n),
    };
    (addr, port)
}

/// Runs the server options from argument `first`. Returns false after a fatal error.
/// HAProxy reports what a server keyword says as `[file:line] : 'server b/s' : ...`.
fn parse_options(sb: &mut ServerBuilder, cx: &mut Cx<'_>, first: usize, ctx: &str) -> bool {
    let start = cx.diags.len();
    let span = cx.span();
    let ok = parse_options_inner(sb, cx, first, ctx);
    cx.diags.relabel_from(start, |d| {
        if d.span.is_none() {
            // Messages of shared helpers (timer warnings) get the server's context.
            d.span = Some(span);
            d.message.insert_str(0, ctx);
        }
        if d.message.starts_with(ctx) {
            d.form = rampart_config::Form::Bracket;
        }
    });
    ok
}

fn parse_options_inner(sb: &mut ServerBuilder, cx: &mut Cx<'_>, first: usize, ctx: &str) -> bool {
    let args = cx.args();
    let mut i = first;
    while let Some(word) = args.get(i) {
        let Some(k) = crate::kw::lookup(TABLE, word) else {
            let hint = if sb.is_default {
                " Hint: no address was expected for this server."
            } else {
                ""
            };
            let msg = match crate::proxy::best_match(word, TABLE.iter().map(|k| k.name)) {
                Some(best) => {
                    format!("{ctx}unknown keyword '{word}'; did you mean '{best}' maybe ?{hint}")
                }
                None => format!("{ctx}unknown keyword '{word}'.{hint}"),
            };
            cx.alert(msg);
            return false;
        };
        let n = arity(k.name);
        if sb.dynamic && !dynamic_ok(k.name) {
            cx.alert(format!(
                "'{}' option is not accepted for dynamic server",
                k.name
            ));
            return false;
        }
        if sb.is_default && !default_ok(k.name) {
            // An alert in HAProxy's output that does not fail the configuration.
            let msg = format!(
                "'{}' option is not accepted in default-server sections",
                k.name
            );
            cx.diags.push(rampart_config::Diagnostic::new(
                rampart_config::Level::NonFatalAlert,
                Some(cx.span()),
                msg,
            ));
            i += 1 + n;
            continue;
        }
        let end = (i + 1 + n).min(args.len());
        let mut words = vec![word.clone()];
        words.extend(args[i + 1..end].iter().cloned());
        // `source` takes a variable number of words; a few dozen is plenty.
        sb.rest = if k.name == "source" {
            args[end..].iter().take(64).cloned().collect()
        } else {
            Vec::new()
        };
        sb.extra = 0;
        let sub = Line {
            span: cx.line.span,
            modifier: Modifier::None,
            words,
        };
        let mut scx = Cx {
            line: &sub,
            diags: cx.diags,
            base_dir: cx.base_dir,
        };
        match k.status.evaluate(k.name, sb, &mut scx) {
            Verdict::Accepted => {}
            Verdict::Warning(msg) => scx.warn(format!("{ctx}{msg}")),
            Verdict::Fatal(msg) => {
                // HAProxy ends a server keyword's message with a period of its own.
                let msg = msg.trim_end_matches('\n');
                scx.alert(format!("{ctx}{msg}."));
                return false;
            }
            Verdict::Unsupported(msg) => {
                scx.alert(format!("{ctx}{msg}"));
                return false;
            }
        }
        i = end + sb.extra;
    }
    true
}
