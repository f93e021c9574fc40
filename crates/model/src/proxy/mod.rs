//! Proxy sections: `defaults`, `frontend`, `backend`, `listen` (configuration manual
//! section 4; HAProxy's `cfg_parse_listen`).
//!
//! This module owns the section headers (names, `defaults NAME`, `from NAME`, duplicate
//! names, the defaults in force), defaults inheritance, the [`Proxy`] type of the
//! Snapshot, and the dispatch of each line to the keyword tables of its sub-modules:
//!
//! - [`keywords`]: the proxy keyword table (manual 4.1 / 4.2);
//! - [`options`]: `option ...` (4.2, every `option` name);
//! - [`timeout`]: `timeout ...`;
//! - [`tcp_rules`]: `tcp-request ...`, `tcp-response ...` (rules and `inspect-delay`);
//! - [`bind`]: `bind` lines and bind options (5.1);
//! - [`server`]: `server`, `default-server`, `server-template` and server options (5.2, 5.3);
//! - [`balance`]: `balance` algorithms, `hash-type`, `hash-balance-factor`;
//! - [`persist`]: `cookie`, `dynamic-cookie-key`, `force-persist`, `ignore-persist`,
//!   `use-server`, `load-server-state-from-file`, `server-state-file-name`;
//! - [`log`]: `log` / `no log` / `log global` (targets parsed by [`crate::log`]);
//! - [`capture`]: `capture request|response header`, `declare capture`, `capture cookie`;
//! - [`errors`]: `errorfile`, `errorfiles`, `errorloc*`, `http-error`;
//! - [`net`]: small value parsers (networks, C integers, user and group names).
//!
//! Addresses (section 11) are parsed by [`crate::addr`], process/thread sets by
//! [`crate::procset`], for every section.

pub mod acls;
pub mod balance;
pub mod bind;
pub mod capture;
pub mod check;
pub mod errors;
pub mod http_act;
pub mod keywords;
pub mod log;
pub mod logfmt;
pub mod net;
pub mod options;
pub(crate) mod order;
pub mod persist;
pub mod server;
pub mod stats_page;
pub mod tcp_rules;
pub mod timeout;

use crate::kw::{self, Cx, Status, Verdict};
use crate::LowerCx;
use rampart_config::{Diagnostic, Modifier, Section, SectionKind, SourceMap, Span};
pub use rampart_rules::acl::cond::Cond;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::addr;
pub use crate::addr::HostResolver;

/// What a proxy section is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProxyKind {
    Defaults,
    Frontend,
    Backend,
    Listen,
}

impl ProxyKind {
    /// Frontend capability: accepts connections (`bind`).
    pub fn is_fe(self) -> bool {
        matches!(
            self,
            ProxyKind::Frontend | ProxyKind::Listen | ProxyKind::Defaults
        )
    }
    /// Backend capability: has servers.
    pub fn is_be(self) -> bool {
        matches!(
            self,
            ProxyKind::Backend | ProxyKind::Listen | ProxyKind::Defaults
        )
    }
    /// HAProxy's `proxy_type_str`: the word used in messages.
    pub fn type_str(self) -> &'static str {
        match self {
            ProxyKind::Defaults => "defaults",
            ProxyKind::Frontend => "frontend",
            ProxyKind::Backend => "backend",
            ProxyKind::Listen => "proxy",
        }
    }
    /// The section keyword, as HAProxy's `cursection`.
    pub fn section_str(self) -> &'static str {
        match self {
            ProxyKind::Defaults => "defaults",
            ProxyKind::Frontend => "frontend",
            ProxyKind::Backend => "backend",
            ProxyKind::Listen => "listen",
        }
    }
}

/// A capability a keyword needs (HAProxy's `PR_CAP_FE` / `PR_CAP_BE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    Fe,
    Be,
    /// Either one is enough.
    Any,
}

/// `mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    #[default]
    Tcp,
    Http,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Tcp => "tcp",
            Mode::Http => "http",
        }
    }
}

/// A value with the line it was written on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// `use_backend <name> [if|unless <cond>]`.
#[derive(Clone, Debug)]
pub struct UseBackend {
    pub target: BackendRef,
    /// The condition, over the proxy's ACLs ([`Proxy::acls`]).
    pub cond: Option<Cond>,
    pub span: Span,
}

/// The backend a switching rule names.
#[derive(Clone, Debug)]
pub enum BackendRef {
    /// A literal name (or `#id`), checked after parsing.
    Name(String),
    /// A log-format expression (`%[...]`), evaluated per stream; a name that matches
    /// no backend falls to `default_backend`.
    Dynamic(std::sync::Arc<rampart_rules::logfmt::LogFormat>),
}

/// One frontend, backend, listen or defaults section, with its defaults applied.
#[derive(Clone, Debug)]
pub struct Proxy {
    pub name: String,
    pub kind: ProxyKind,
    /// The section header line.
    pub span: Span,
    /// The defaults section this proxy started from (`None`: HAProxy's built-in defaults).
    pub defaults: Option<String>,
    /// The defaults section whose rules run before the proxy's own (HAProxy's
    /// `defpx`, kept only when it has rules): an index into [`crate::Snapshot::defaults`].
    pub defpx: Option<usize>,
    pub mode: Mode,
    /// `id`: a forced numeric identifier.
    pub id: Option<u32>,
    pub description: Option<String>,
    /// `disabled` / `enabled`.
    pub disabled: bool,
    /// `maxconn` (frontend), `backlog`, `fullconn` (backend); 0 = unset.
    pub maxconn: u32,
    pub backlog: u32,
    pub fullconn: u32,
    /// `retries` (default 3).
    pub retries: u32,
    pub binds: Vec<bind::Bind>,
    pub servers: Vec<server::Server>,
    /// `server-template` lines, expanded into `servers` with their numbered names.
    pub default_server: server::ServerSettings,
    pub timeouts: timeout::Timeouts,
    pub balance: balance::Balance,
    pub default_backend: Option<Spanned<String>>,
    pub use_backends: Vec<UseBackend>,
    /// `http-request`, `http-response`, `http-after-response` and `redirect` rules, in
    /// order.
    pub http_request: Vec<http_act::HttpRule>,
    pub http_response: Vec<http_act::HttpRule>,
    pub http_after_response: Vec<http_act::HttpRule>,
    pub redirects: Vec<http_act::HttpRule>,
    /// Request capture slots taken so far (`capture request header`, `declare capture
    /// request`, `http-request capture ... len`, `tcp-request content capture`).
    pub req_captures: usize,
    /// The slots `capture ... header` and `declare capture` declared, and the count of
    /// response slots.
    pub captures: capture::Captures,
    /// `errorfile`, `errorfiles`, `errorloc*`, `http-error`: custom responses by status
    /// (inherited from defaults; the table is filled after parsing).
    pub errors: errors::ProxyErrors,
    pub options: options::Options,
    /// Health-check type and rules (`option httpchk`, `tcp-check`...).
    pub checks: check::Checks,
    pub logs: log::ProxyLogs,
    pub log_tag: Option<String>,
    /// `log-format-sd`, `error-log-format`, `unique-id-format` as written.
    pub formats: logfmt::FormatLines,
    /// The log formats compiled at the end of parsing.
    pub compiled: logfmt::Compiled,
    pub monitor_uri: Option<String>,
    /// `stats *`: the statistics page the proxy serves ([`stats_page`]).
    pub stats: Option<Box<stats_page::StatsPage>>,
    /// A `stats` line of the proxy's own was read (it no longer shares its defaults').
    pub(crate) stats_own: bool,
    /// `monitor fail` conditions.
    pub monitor_fail: Vec<Cond>,
    pub http_reuse: keywords::HttpReuse,
    pub http_send_name_header: Option<String>,
    pub unique_id_header: Option<String>,
    /// Cookies, persistence rules, `use-server`, server-state file (`persist`).
    pub persist: persist::Persistence,
    /// `tcp-request inspect-delay`, in ms (0: none).
    pub tcp_request_inspect_delay: u32,
    /// `tcp-response inspect-delay`, in ms (0: none).
    pub tcp_response_inspect_delay: u32,
    /// `tcp-request connection`, `tcp-request session`, `tcp-request content` and
    /// `tcp-response content` rules, in order.
    pub tcp_request_connection: Vec<tcp_rules::TcpRule>,
    pub tcp_request_session: Vec<tcp_rules::TcpRule>,
    pub tcp_request_content: Vec<tcp_rules::TcpRule>,
    pub tcp_response_content: Vec<tcp_rules::TcpRule>,
    /// The TCP rules of the named defaults section the proxy started from, run before
    /// its own.
    pub tcp_defaults: Option<std::sync::Arc<tcp_rules::InheritedTcp>>,
    pub retry_on: keywords::RetryOn,
    /// `rate-limit sessions`.
    pub rate_limit_sessions: Option<u32>,
    /// `max-keep-alive-queue` (`-1` = disabled).
    pub max_keep_alive_queue: Option<i64>,
    /// `max-session-srv-conns`.
    pub max_session_srv_conns: Option<u32>,
    pub tcpka: keywords::TcpKeepalive,
    /// `source` (backend connection source).
    pub source: Option<server::Source>,
    /// `dispatch <addr>:<port>`.
    pub dispatch: Option<addr::SockAddr>,
    /// `transparent` / `option transparent`.
    pub transparent: bool,
    /// The line of each keyword in force (inherited from the defaults section with the
    /// values), for messages about values that carry no position.
    pub lines: crate::lines::KeywordLines,
    /// The proxy's ACLs (declared, predefined ones its conditions use, anonymous ones):
    /// the table its conditions index ([`acls`]).
    pub acls: std::sync::Arc<[rampart_rules::acl::Acl]>,
    /// Rule stages written so far in the section ([`order`]).
    pub(crate) stages_seen: u8,
}

impl Proxy {
    /// HAProxy's built-in defaults (`proxy_preset_defaults`).
    fn builtin(span: Span) -> Self {
        Proxy {
            name: String::new(),
            kind: ProxyKind::Defaults,
            span,
            defaults: None,
            defpx: None,
            mode: Mode::Tcp,
            id: None,
            description: None,
            disabled: false,
            maxconn: 0,
            backlog: 0,
            fullconn: 0,
            retries: 3,
            binds: Vec::new(),
            servers: Vec::new(),
            default_server: server::ServerSettings::default(),
            timeouts: timeout::Timeouts::default(),
            balance: balance::Balance::default(),
            default_backend: None,
            use_backends: Vec::new(),
            http_request: Vec::new(),
            http_response: Vec::new(),
            http_after_response: Vec::new(),
            redirects: Vec::new(),
            req_captures: 0,
            captures: capture::Captures::default(),
            errors: errors::ProxyErrors::default(),
            options: options::Options::default(),
            checks: check::Checks::default(),
            logs: log::ProxyLogs::default(),
            log_tag: None,
            formats: logfmt::FormatLines::default(),
            compiled: logfmt::Compiled::default(),
            monitor_uri: None,
            stats: None,
            stats_own: false,
            monitor_fail: Vec::new(),
            http_reuse: keywords::HttpReuse::default(),
            http_send_name_header: None,
            unique_id_header: None,
            persist: persist::Persistence::default(),
            tcp_request_inspect_delay: 0,
            tcp_response_inspect_delay: 0,
            tcp_request_connection: Vec::new(),
            tcp_request_session: Vec::new(),
            tcp_request_content: Vec::new(),
            tcp_response_content: Vec::new(),
            tcp_defaults: None,
            retry_on: keywords::RetryOn::default(),
            rate_limit_sessions: None,
            max_keep_alive_queue: None,
            max_session_srv_conns: None,
            tcpka: keywords::TcpKeepalive::default(),
            source: None,
            dispatch: None,
            transparent: false,
            lines: crate::lines::KeywordLines::default(),
            acls: std::sync::Arc::from(Vec::new()),
            stages_seen: 0,
        }
    }

    /// A new proxy started from `def`, as HAProxy's `proxy_defproxy_cpy`.
    fn from_defaults(def: &Proxy, name: &str, kind: ProxyKind, span: Span) -> Self {
        let mut p = def.clone();
        p.name = name.to_string();
        p.kind = kind;
        p.span = span;
        p.defaults =
            (def.kind == ProxyKind::Defaults && def.span.line != 0).then(|| def.name.clone());
        // The defaults' rules are not copied: they run from the defaults section
        // itself (`defpx`), set by the section header.
        p.defpx = None;
        p.id = None;
        p.description = None;
        p.binds.clear();
        p.servers.clear();
        p.use_backends.clear();
        p.http_request.clear();
        p.http_response.clear();
        p.http_after_response.clear();
        p.redirects.clear();
        p.tcp_request_connection.clear();
        p.tcp_request_session.clear();
        p.tcp_request_content.clear();
        p.tcp_response_content.clear();
        p.tcp_defaults = None;
        p.req_captures = 0;
        p.captures = capture::Captures::default();
        p.monitor_fail.clear();
        p.stats_own = false;
        p.acls = std::sync::Arc::from(Vec::new());
        p.stages_seen = 0;
        p.checks = def.checks.inherit();
        // Only backends inherit persistence settings, and never the state file name
        // (HAProxy's `proxy_defproxy_cpy`).
        p.persist.rules.clear();
        p.persist.use_servers.clear();
        p.persist.state_file_name = None;
        if !kind.is_be() {
            p.persist = persist::Persistence::default();
        }
        if !kind.is_fe() {
            p.default_backend = None;
            p.monitor_uri = None;
            p.maxconn = 0;
            p.backlog = 0;
            p.rate_limit_sessions = None;
            p.options.log_format = None;
        }
        p
    }

    pub fn is_fe(&self) -> bool {
        self.kind.is_fe()
    }
    pub fn is_be(&self) -> bool {
        self.kind.is_be()
    }
    /// `frontend 'name'`-style designation used in messages.
    pub fn designation(&self) -> String {
        format!("{} '{}'", self.kind.type_str(), self.name)
    }
    /// The section has rules a proxy using it as its defaults runs first (HAProxy
    /// tests its TCP and HTTP rule lists).
    pub fn has_rules(&self) -> bool {
        !(self.http_request.is_empty()
            && self.http_response.is_empty()
            && self.http_after_response.is_empty())
    }
}

/// One defaults section as kept while parsing.
#[derive(Debug)]
struct DefaultsEntry {
    proxy: Proxy,
    explicit_ref: bool,
    implicit_ref: bool,
    /// Its index among the exported defaults, once a proxy uses its rules.
    export: Option<usize>,
    /// The kind of the proxies using its rules (HAProxy gives the section their
    /// capability).
    used_as: Option<ProxyKind>,
    /// Once a proxy used this section's TCP rules: whether it was a frontend (HAProxy
    /// narrows the defaults section's capability to its first user's).
    rules_user_fe: Option<bool>,
    /// Its TCP rules with its ACLs, shared by the proxies that use them.
    tcp: Option<std::sync::Arc<tcp_rules::InheritedTcp>>,
}

/// Which section lines currently go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Current {
    None,
    Defaults(usize),
    Proxy(usize),
    /// The header was refused in a way that makes HAProxy skip every line.
    Skip,
}

/// Walks proxy sections in order, tracking the `defaults` in force.
#[derive(Debug)]
pub struct ProxiesBuilder {
    defaults: Vec<DefaultsEntry>,
    /// Index of the defaults section in force for the next proxy (`None`: built-in).
    last_defaults: Option<usize>,
    /// The defaults the current proxy started from (for "overwriting" warnings).
    cur_defaults: Option<usize>,
    proxies: Vec<Proxy>,
    /// First proxy of each name with frontend / backend capability: duplicate-name checks
    /// stay O(1) per section with tens of thousands of proxies.
    fe_names: HashMap<String, usize>,
    be_names: HashMap<String, usize>,
    current: Current,
    builtin: Proxy,
    /// File names, to write `file:line` in messages naming another line.
    sources: SourceMap,
    resolver: HostResolver,
    /// The directory relative paths of the current line resolve against.
    base_dir: PathBuf,
    /// `tune.bufsize` in force (payload files of `http-request return` must fit).
    pub(crate) bufsize: usize,
    /// Every pattern file and inline pattern list of the configuration.
    pub(crate) registry: rampart_rules::pattern::Registry,
    /// `tune.maxrewrite` in force.
    pub(crate) maxrewrite: usize,
    /// `expose-experimental-directives` was given in `global` (experimental actions).
    pub(crate) experimental: bool,
    /// `proc.` variables the rules name (declared at start-up, as HAProxy does).
    pub(crate) proc_vars: Vec<rampart_rules::vars::VarRef>,
    /// The ACL tables of the proxies (same index) and of the defaults sections.
    pub(crate) tables: Vec<acls::Table>,
    pub(crate) def_tables: Vec<acls::Table>,
    /// Where lines outside any proxy would put ACLs (never kept).
    pub(crate) scratch_table: acls::Table,
    /// The argument context the last line of the section set (HAProxy's
    /// `px->conf.args.ctx`): the expressions of actions that set none are reported in it.
    pub(crate) args_ctx: rampart_rules::args::ArgCtx,
}

impl Default for ProxiesBuilder {
    fn default() -> Self {
        Self {
            defaults: Vec::new(),
            last_defaults: None,
            cur_defaults: None,
            proxies: Vec::new(),
            fe_names: HashMap::new(),
            be_names: HashMap::new(),
            current: Current::None,
            builtin: Proxy::builtin(Span {
                file: rampart_config::FileId(0),
                line: 0,
            }),
            sources: SourceMap::default(),
            resolver: HostResolver::default(),
            base_dir: PathBuf::new(),
            bufsize: 16384,
            registry: rampart_rules::pattern::Registry::new(),
            maxrewrite: 1024,
            experimental: false,
            proc_vars: Vec::new(),
            tables: Vec::new(),
            def_tables: Vec::new(),
            scratch_table: acls::Table::default(),
            args_ctx: rampart_rules::args::ArgCtx::Acl,
        }
    }
}

impl ProxiesBuilder {
    /// The proxy (or defaults section) being parsed. Only called while one is current.
    pub(crate) fn px(&mut self) -> &mut Proxy {
        match self.current {
            Current::Defaults(i) if i < self.defaults.len() => &mut self.defaults[i].proxy,
            Current::Proxy(i) if i < self.proxies.len() => &mut self.proxies[i],
            _ => &mut self.builtin,
        }
    }
    /// Read-only view of the current proxy.
    pub(crate) fn cur(&self) -> &Proxy {
        match self.current {
            Current::Defaults(i) if i < self.defaults.len() => &self.defaults[i].proxy,
            Current::Proxy(i) if i < self.proxies.len() => &self.proxies[i],
            _ => &self.builtin,
        }
    }
    /// The defaults the current proxy inherited from; a defaults section is its own.
    pub(crate) fn defpx(&self) -> &Proxy {
        match self.current {
            Current::Defaults(_) => self.cur(),
            _ => match self.cur_defaults {
                Some(i) if i < self.defaults.len() => &self.defaults[i].proxy,
                _ => &self.builtin,
            },
        }
    }
    /// True when the current section is a `defaults` one.
    pub(crate) fn in_defaults(&self) -> bool {
        matches!(self.current, Current::Defaults(_))
    }
    /// Every regular proxy parsed so far.
    pub(crate) fn proxies(&self) -> &[Proxy] {
        &self.proxies
    }
    pub(crate) fn resolver(&self) -> &HostResolver {
        &self.resolver
    }
    /// `file:line` of a span, as HAProxy prints it.
    pub(crate) fn loc(&self, span: Span) -> String {
        self.sources.display(span).to_string()
    }

    /// HAProxy's `warnifnotcap`: warns and returns true when the current proxy lacks `cap`.
    pub(crate) fn warn_not_cap(&self, cx: &mut Cx<'_>, cap: Cap, what: &str, hint: &str) -> bool {
        if self.has_cap(cap) {
            return false;
        }
        let p = self.cur();
        cx.warn(format!(
            "'{what}' ignored because {} '{}' has {} capability.{hint}",
            p.kind.type_str(),
            p.name,
            cap_missing(cap)
        ));
        true
    }
    /// True when the current proxy has `cap`.
    pub(crate) fn has_cap(&self, cap: Cap) -> bool {
        let p = self.cur();
        match cap {
            Cap::Fe => p.is_fe(),
            Cap::Be => p.is_be(),
            Cap::Any => p.is_fe() || p.is_be(),
        }
    }
    /// The alert for keywords refused in `defaults` sections.
    pub(crate) fn bufsize(&self) -> usize {
        self.bufsize
    }

    pub(crate) fn not_in_defaults(&self, kw: &str) -> Result<(), String> {
        if self.in_defaults() {
            Err(format!("'{kw}' not allowed in 'defaults' section."))
        } else {
            Ok(())
        }
    }
}

/// HAProxy's wording of a missing capability.
pub(crate) fn cap_missing(cap: Cap) -> &'static str {
    match cap {
        Cap::Be => "no backend",
        Cap::Fe => "no frontend",
        Cap::Any => "neither frontend nor backend",
    }
}

/// HAProxy's suggestion for a mistyped word (`cfg_find_best_match`, `srv_find_best_kw`...):
/// the candidate whose character-transition fingerprint is closest, if close enough.
pub fn best_match<'a>(word: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 4096 {
        return None;
    }
    use rampart_core::fingerprint;
    let fp = fingerprint::of(word);
    let mut best: Option<(u32, &str)> = None;
    for name in names {
        let d = fingerprint::distance(&fp, &fingerprint::of(name));
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, name));
        }
    }
    let (d, name) = best?;
    let limit = |s: &str| u32::try_from(2 * s.len()).unwrap_or(u32::MAX);
    (d <= limit(word) && d <= limit(name)).then_some(name)
}

/// HAProxy's `invalid_char`: proxy, server and ACL names use letters, digits, `.`, `:`,
/// `_` and `-`. Returns the first offending character.
pub fn invalid_char(name: &str) -> Option<char> {
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-')))
}

/// Lowers one proxy section: its header, then every line through the keyword tables.
pub fn lower_section(b: &mut ProxiesBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    b.sources = cx.sources.clone();
    b.resolver = cx.opts.resolver.clone();
    header(b, s, cx);
    // Likewise for the section's servers.
    if let Current::Proxy(i) = b.current {
        let n = s
            .lines
            .iter()
            .filter(|l| l.words.first().is_some_and(|w| w == "server"))
            .count();
        if let Some(p) = b.proxies.get_mut(i) {
            p.servers.reserve(n);
        }
    }
    for line in &s.lines {
        if cx.diags.aborted() {
            // HAProxy's ERR_ABORT: nothing after the error is parsed.
            break;
        }
        b.base_dir = cx.base_dir(line.span);
        let base = b.base_dir.clone();
        // HAProxy shifts the words left over a `default` prefix without clearing the last
        // slot, so the last word appears twice (`default option x` reads `option x x`).
        let shifted;
        let line = if line.modifier == Modifier::Default && line.words.len() > 1 {
            let mut l = line.clone();
            if let Some(last) = l.words.last().cloned() {
                l.words.push(last);
            }
            shifted = l;
            &shifted
        } else {
            line
        };
        let mut kcx = Cx {
            line,
            diags: cx.diags,
            base_dir: &base,
        };
        match b.current {
            Current::Skip => continue,
            Current::None => {
                kcx.alert("'listen' or 'defaults' expected.");
                continue;
            }
            _ => {}
        }
        dispatch(b, &mut kcx);
    }
}

/// Looks a line's keyword up in the proxy table and runs it.
fn dispatch(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) {
    let word = cx.keyword();
    match kw::lookup(keywords::TABLE, word) {
        Some(k) => {
            apply(b, cx, &k.status, k.name);
            record_line(b, cx, k.name);
        }
        None => {
            let section = b.cur().kind.section_str();
            let names = keywords::TABLE.iter().map(|k| k.name);
            let msg = match best_match(word, names) {
                Some(best) => format!(
                    "unknown keyword '{word}' in '{section}' section; did you mean '{best}' maybe ?"
                ),
                None => format!("unknown keyword '{word}' in '{section}' section"),
            };
            cx.alert(msg);
        }
    }
}

/// Remembers where the keyword (with its sub-keyword for `option`, `timeout` and
/// `tcp-request`) was last written in the current section.
fn record_line(b: &mut ProxiesBuilder, cx: &Cx<'_>, name: &'static str) {
    let sub = cx
        .arg(0)
        .and_then(|a| match name {
            "option" => kw::lookup(options::TABLE, a).map(|k| k.name),
            "timeout" => kw::lookup(timeout::TABLE, a).map(|k| k.name),
            "tcp-request" => kw::lookup(tcp_rules::TABLE, a).map(|k| k.name),
            "tcp-response" => kw::lookup(tcp_rules::RESPONSE_TABLE, a).map(|k| k.name),
            _ => None,
        })
        .unwrap_or("");
    let span = cx.span();
    b.px().lines.record(name, sub, span);
}

/// Applies a keyword status. `Rejected` reasons in proxy tables are HAProxy's own full
/// messages for keywords it removed, printed verbatim.
pub(crate) fn apply<C>(b: &mut C, cx: &mut Cx<'_>, status: &Status<C>, name: &str) {
    if let Status::Rejected(why) = status {
        let msg = why.replace("%s", cx.arg(0).unwrap_or_default());
        if name == "grace" || cx.keyword() == "option" {
            tight_alert(cx, msg);
        } else {
            cx.alert(msg);
        }
        return;
    }
    match status.evaluate(name, b, cx) {
        Verdict::Accepted => {}
        Verdict::Warning(msg) => cx.warn(msg),
        Verdict::Fatal(msg) | Verdict::Unsupported(msg) => cx.alert(msg),
    }
}

/// An alert in HAProxy's `parsing [file:line]: msg` form (no space before the colon), which
/// some of its messages use.
pub(crate) fn tight_alert(cx: &mut Cx<'_>, msg: impl Into<String>) {
    cx.diags
        .push(Diagnostic::alert(Some(cx.span()), msg).tight());
}

/// The same for a warning.
pub(crate) fn tight_warn(cx: &mut Cx<'_>, msg: impl Into<String>) {
    cx.diags
        .push(Diagnostic::warning(Some(cx.span()), msg).tight());
}

/// The section header: name rules, `from`, duplicate names, the defaults in force.
impl ProxiesBuilder {
    /// Room for `n` more proxies.
    pub fn reserve(&mut self, n: usize) {
        self.proxies.reserve(n);
    }
}

fn header(b: &mut ProxiesBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let words: Vec<&str> = s.header.words.iter().map(String::as_str).collect();
    let arg = |i: usize| words.get(i).copied().unwrap_or("");
    let span = s.header.span;
    let kind = match s.kind {
        SectionKind::Defaults => ProxyKind::Defaults,
        SectionKind::Frontend => ProxyKind::Frontend,
        SectionKind::Backend => ProxyKind::Backend,
        _ => ProxyKind::Listen,
    };
    let kw = arg(0);
    let is_def = kind == ProxyKind::Defaults;

    if is_def {
        // A new defaults section ends the one in force for implicit use.
    } else {
        if arg(1).is_empty() {
            cx.diags.abort_with(Diagnostic::alert(
                Some(span),
                format!("'{kw}' expects an <id> argument"),
            ));
            b.current = Current::Skip;
            return;
        }
        if let Some(c) = invalid_char(arg(1)) {
            cx.diags.alert(
                Some(span),
                format!(
                    "character '{c}' is not permitted in '{kw}' name '{}'.",
                    arg(1)
                ),
            );
        }
        let names = if kind.is_fe() {
            &b.fe_names
        } else {
            &b.be_names
        };
        let clash = names.get(arg(1)).and_then(|&i| b.proxies.get(i));
        if let Some(other) = clash {
            let msg = format!(
                "{} '{}' has the same name as {} '{}' declared at {}.",
                kind.type_str(),
                arg(1),
                other.kind.type_str(),
                other.name,
                b.loc(other.span)
            );
            cx.diags.push(
                Diagnostic::alert(Some(span), msg).form(rampart_config::Form::CapitalParsing),
            );
        }
        let bad_from = !arg(2).is_empty() && (arg(3).is_empty() || arg(2) != "from");
        if words.len() > 4 {
            cx.diags.alert(
                Some(span),
                format!("'{kw}' cannot handle unexpected argument '{}'.", arg(4)),
            );
        }
        if bad_from || words.len() > 4 {
            if kind.is_fe() {
                // HAProxy prints this as an alert but does not fail the configuration.
                cx.diags.push(Diagnostic::new(
                    rampart_config::Level::NonFatalAlert,
                    Some(span),
                    "please use the 'bind' keyword for listening addresses.",
                ));
            }
            // HAProxy does not create the proxy and has no current one any more: each
            // following line is refused.
            b.current = Current::None;
            return;
        }
    }

    let (name, from_idx) = if is_def && arg(1) == "from" && !arg(2).is_empty() && arg(3).is_empty()
    {
        ("", 1)
    } else {
        (arg(1), 2)
    };
    let mut parent = if is_def { None } else { b.last_defaults };
    if arg(from_idx) == "from" {
        let target = arg(from_idx + 1);
        let found: Vec<usize> = b
            .defaults
            .iter()
            .enumerate()
            .filter(|(_, d)| d.proxy.name == target)
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = found.first() else {
            cx.diags.abort_with(Diagnostic::alert(
                Some(span),
                format!(
                    "defaults section '{target}' not found for {} '{name}'.",
                    kind.type_str()
                ),
            ));
            b.current = Current::Skip;
            return;
        };
        if let Some(&second) = found.get(1) {
            cx.diags.alert(
                Some(span),
                format!(
                    "ambiguous defaults section name '{target}' referenced by {} '{name}' exists at least at {} and {}.",
                    kind.type_str(),
                    b.loc(b.defaults[first].proxy.span),
                    b.loc(b.defaults[second].proxy.span)
                ),
            );
        }
        if let Some(c) = invalid_char(target) {
            cx.diags.alert(
                Some(span),
                format!(
                    "character '{c}' is not permitted in defaults section name '{target}' when designated by its name (section found at {}).",
                    b.loc(b.defaults[first].proxy.span)
                ),
            );
        }
        b.defaults[first].explicit_ref = true;
        parent = Some(first);
    } else if let Some(i) = parent {
        b.defaults[i].implicit_ref = true;
    }
    if let Some(i) = parent {
        let d = &b.defaults[i];
        if d.explicit_ref && d.implicit_ref {
            // An alert in HAProxy's output, but not fatal.
            cx.diags.push(Diagnostic::new(
                rampart_config::Level::NonFatalAlert,
                Some(span),
                format!(
                    "defaults section '{}' (declared at {}) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.",
                    d.proxy.name,
                    b.loc(d.proxy.span)
                ),
            ));
        }
    }

    // A defaults section with rules runs them before those of the proxies that use it.
    let mut inherited = None;
    if let Some(i) = parent {
        match tcp_rules::inherit(b, i, kind, span) {
            Ok(t) => inherited = t,
            Err(msg) => {
                cx.diags
                    .abort_with(Diagnostic::alert(Some(span), msg).tight());
                b.current = Current::Skip;
                return;
            }
        }
    }
    let def = match parent {
        Some(i) => &b.defaults[i].proxy,
        None => &b.builtin,
    };
    let mut p = Proxy::from_defaults(def, name, kind, span);
    if kind.is_fe() {
        // The capture slots of the defaults section's rules come first (HAProxy's
        // `proxy_defproxy_cpy` copies `nb_req_cap` into frontends).
        p.req_captures = def.req_captures;
    }
    p.tcp_defaults = inherited;
    if let Some(i) = parent {
        p.defpx = use_defaults_rules(b, i, kind, span, cx);
    }
    b.args_ctx = rampart_rules::args::ArgCtx::Acl;
    if is_def {
        b.defaults.push(DefaultsEntry {
            proxy: p,
            explicit_ref: false,
            implicit_ref: false,
            export: None,
            used_as: None,
            rules_user_fe: None,
            tcp: None,
        });
        let idx = b.defaults.len() - 1;
        b.last_defaults = Some(idx);
        b.cur_defaults = parent;
        b.current = Current::Defaults(idx);
    } else {
        let idx = b.proxies.len();
        if p.is_fe() {
            b.fe_names.entry(p.name.clone()).or_insert(idx);
        }
        if p.is_be() {
            b.be_names.entry(p.name.clone()).or_insert(idx);
        }
        b.proxies.push(p);
        b.cur_defaults = parent;
        b.current = Current::Proxy(b.proxies.len() - 1);
    }
}

/// HAProxy's checks when a section starts from a defaults section with rules
/// (`cfg_parse_listen`): only frontends, or only backends, may use it, and the first
/// one sets its capability. Returns the defaults' index among the exported ones when
/// the proxy runs its rules.
fn use_defaults_rules(
    b: &mut ProxiesBuilder,
    i: usize,
    kind: ProxyKind,
    span: Span,
    cx: &mut LowerCx<'_>,
) -> Option<usize> {
    let used_as = b.defaults[i].used_as;
    let d = &b.defaults[i].proxy;
    if !d.has_rules() {
        return None;
    }
    let at = b.loc(d.span);
    let refused = match kind {
        ProxyKind::Defaults => Some(format!(
            "a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at {at})."
        )),
        ProxyKind::Listen => {
            Some("a listen section cannot inherit from a defaults section defining TCP/HTTP rules.".to_string())
        }
        _ if used_as.is_some_and(|k| k != kind) => Some(format!(
            "frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at {at})."
        )),
        _ => None,
    };
    if let Some(msg) = refused {
        cx.diags
            .abort_with(Diagnostic::alert(Some(span), msg).tight());
        return None;
    }
    let n = b.defaults.iter().filter(|d| d.export.is_some()).count();
    let e = &mut b.defaults[i];
    e.used_as = Some(kind);
    Some(*e.export.get_or_insert(n))
}

/// What parsing the proxy sections produced: the proxies, their ACL tables (frozen
/// into the proxies by [`acls::resolve`] once every section is known) and the pattern
/// references.
pub struct Finished {
    pub proxies: Vec<Proxy>,
    /// The defaults sections whose rules proxies run ([`Proxy::defpx`]), with the
    /// capability of those proxies.
    pub defaults: Vec<Proxy>,
    pub proc_vars: Vec<rampart_rules::vars::VarRef>,
    pub tables: acls::Tables,
    pub registry: rampart_rules::pattern::Registry,
}

impl ProxiesBuilder {
    /// Ends parsing: server templates expanded, per-proxy checks that HAProxy runs after
    /// parsing and that only need the proxy itself.
    pub fn finish(mut self, cx: &mut LowerCx<'_>) -> Finished {
        for i in 0..self.proxies.len() {
            logfmt::compile(&mut self, i, cx);
        }
        let mut proxies = self.proxies;
        let mut def_tables = self.def_tables;
        let mut exported = Vec::new();
        for (i, d) in self.defaults.into_iter().enumerate() {
            if let (Some(n), Some(kind)) = (d.export, d.used_as) {
                let t = def_tables
                    .get_mut(i)
                    .map(std::mem::take)
                    .unwrap_or_default();
                exported.push((n, d.proxy, t, kind));
            }
        }
        exported.sort_by_key(|e| e.0);
        let mut defaults = Vec::with_capacity(exported.len());
        let mut tables = Vec::with_capacity(exported.len());
        let mut caps = Vec::with_capacity(exported.len());
        for (_, p, t, kind) in exported {
            defaults.push(p);
            tables.push(t);
            caps.push(kind);
        }
        http_act::bind(&mut proxies, &self.registry);
        http_act::bind(&mut defaults, &self.registry);
        Finished {
            proxies,
            defaults,
            proc_vars: self.proc_vars,
            tables: acls::Tables {
                tables: self.tables,
                defaults: tables,
                default_caps: caps,
            },
            registry: self.registry,
        }
    }
}

/// Every keyword table of this module, for docs/compat.md.
pub fn tables() -> Vec<crate::kw::TableInfo> {
    use crate::kw::TableInfo;
    vec![
        TableInfo::of("proxy", "4.2", keywords::TABLE),
        TableInfo::of("proxy: option", "4.2", options::TABLE),
        TableInfo::of("proxy: timeout", "4.2", timeout::TABLE),
        TableInfo::of("proxy: tcp-request", "4.2", tcp_rules::TABLE),
        TableInfo::of("proxy: tcp-response", "4.2", tcp_rules::RESPONSE_TABLE),
        TableInfo::of("bind options", "5.1", bind::TABLE),
        TableInfo::of("server options", "5.2", server::TABLE),
        TableInfo::of("proxy: balance", "4.2", balance::TABLE),
    ]
}

#[cfg(test)]
pub(crate) mod testutil;
