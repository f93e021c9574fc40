//! The proxy keyword table: every keyword HAProxy 2.6 accepts in `defaults`, `frontend`,
//! `backend` and `listen` sections (configuration manual 4.1 matrix and 4.2; HAProxy's
//! `cfg_parse_listen` chain and every `cfg_kws` registration for `CFG_LISTEN`), with the
//! simple keywords implemented here: `mode`, `id`, `description`, `disabled`, `enabled`,
//! `maxconn`, `backlog`, `fullconn`, `retries`, `default_backend`, `use_backend`,
//! `log-tag`, `http-reuse`, `dispatch`, `source`, `rate-limit`, `max-keep-alive-queue`,
//! `max-session-srv-conns`, `retry-on`, `bind-process`, and HAProxy's own messages for
//! keywords removed before 2.6. `monitor-uri`, `http-send-name-header`,
//! `unique-id-header`, `transparent` and `{cli,srv}tcpka-{cnt,idle,intvl}` have their
//! arguments checked, then are refused as not supported yet until the runtime acts on
//! them (docs/runtime-gaps.md).

use super::{balance, bind, log, options, persist, server, timeout};
use super::{tight_alert, tight_warn, BackendRef, Cap, ProxiesBuilder, Spanned, UseBackend};
use crate::addr;
use crate::cnum::{atol, strtol0_full};
use crate::kw::{Cx, Keyword};
use crate::procset::parse_process_number;
use rampart_config::units::TimeError;
use rampart_config::Diagnostic;

/// Every proxy keyword.
pub static TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::parse("acl", super::acls::acl),
    Keyword::rejected("appsession", "'appsession' is not supported anymore since HAProxy 1.6."),
    Keyword::parse("backlog", backlog),
    Keyword::parse("balance", balance::balance),
    Keyword::parse("bind", bind::bind),
    Keyword::parse("bind-process", bind_process),
    Keyword::rejected(
        "block",
        "The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax.",
    ),
    Keyword::parse("capture", super::capture::capture),
    Keyword::rejected(
        "cliexp",
        "The 'cliexp' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.",
    ),
    Keyword::not_yet_checked("clitcpka-cnt", tcpka_cnt),
    Keyword::not_yet_checked("clitcpka-idle", tcpka_time),
    Keyword::not_yet_checked("clitcpka-intvl", tcpka_time),
    Keyword::rejected(
        "clitimeout",
        "the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'.",
    ),
    Keyword::not_yet("compression"),
    Keyword::rejected(
        "contimeout",
        "the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'.",
    ),
    Keyword::parse("cookie", persist::cookie),
    Keyword::parse("declare", super::capture::declare),
    Keyword::parse("default-server", server::default_server),
    Keyword::parse("default_backend", default_backend),
    Keyword::parse("description", description),
    Keyword::parse("disabled", disabled),
    Keyword::parse("dispatch", dispatch),
    Keyword::parse("dynamic-cookie-key", persist::dynamic_cookie_key),
    Keyword::not_yet("email-alert"),
    Keyword::parse("enabled", enabled),
    Keyword::parse("error-log-format", super::logfmt::error_log_format),
    Keyword::parse("errorfile", super::errors::errorfile),
    Keyword::parse("errorfiles", super::errors::errorfiles),
    Keyword::parse("errorloc", super::errors::errorloc),
    Keyword::parse("errorloc302", super::errors::errorloc),
    Keyword::parse("errorloc303", super::errors::errorloc),
    Keyword::not_yet("external-check"),
    Keyword::not_yet("filter"),
    Keyword::parse("force-persist", persist::persist_rule),
    Keyword::parse("fullconn", fullconn),
    Keyword::rejected("grace", "the 'grace' keyword is not supported any more since HAProxy version 2.5."),
    Keyword::parse("hash-balance-factor", balance::hash_balance_factor),
    Keyword::parse("hash-type", balance::hash_type),
    Keyword::parse("http-after-response", super::http_act::http_after_response),
    Keyword::parse("http-check", super::check::http_check),
    Keyword::parse("http-error", super::errors::http_error),
    Keyword::parse("http-request", super::http_act::http_request),
    Keyword::parse("http-response", super::http_act::http_response),
    Keyword::parse("http-reuse", http_reuse),
    Keyword::not_yet_checked("http-send-name-header", http_send_name_header),
    Keyword::parse("id", id),
    Keyword::parse("ignore-persist", persist::persist_rule),
    Keyword::parse("load-server-state-from-file", persist::load_server_state),
    Keyword::parse("log", log::log),
    Keyword::parse("log-format", super::logfmt::log_format),
    Keyword::parse("log-format-sd", super::logfmt::log_format_sd),
    Keyword::parse("log-tag", log_tag),
    Keyword::parse("max-keep-alive-queue", max_ka_queue),
    Keyword::parse("max-session-srv-conns", max_session_srv_conns),
    Keyword::parse("maxconn", maxconn),
    Keyword::parse("mode", mode),
    Keyword::parse("monitor", monitor),
    Keyword::rejected(
        "monitor-net",
        "'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src %s }' instead.",
    ),
    Keyword::parse("monitor-uri", monitor_uri),
    Keyword::parse("option", options::option),
    Keyword::not_yet("persist"),
    Keyword::parse("rate-limit", rate_limit),
    Keyword::parse("redirect", super::http_act::redirect),
    Keyword::rejected(
        "redisp",
        "keyword 'redisp' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'.",
    ),
    Keyword::rejected(
        "redispatch",
        "keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'.",
    ),
    Keyword::rejected(
        "reqadd",
        "The 'reqadd' directive is not supported anymore since HAProxy 2.1. Use 'http-request add-header' instead.",
    ),
    Keyword::rejected(
        "reqallow",
        "The 'reqallow' directive is not supported anymore since HAProxy 2.1. Use 'http-request allow' instead.",
    ),
    Keyword::rejected(
        "reqdel",
        "The 'reqdel' directive is not supported anymore since HAProxy 2.1. Use 'http-request del-header' instead.",
    ),
    Keyword::rejected(
        "reqdeny",
        "The 'reqdeny' not supported anymore since HAProxy 2.1. Use 'http-request deny' instead.",
    ),
    Keyword::rejected(
        "reqiallow",
        "The 'reqiallow' directive is not supported anymore since HAProxy 2.1. Use 'http-request allow' instead.",
    ),
    Keyword::rejected(
        "reqidel",
        "The 'reqidel' directive is not supported anymore since HAProxy 2.1. Use 'http-request del-header' instead.",
    ),
    Keyword::rejected(
        "reqideny",
        "The 'reqideny' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' instead.",
    ),
    Keyword::rejected(
        "reqipass",
        "The 'reqipass' directive is not supported anymore since HAProxy 2.1.",
    ),
    Keyword::rejected(
        "reqirep",
        "The 'reqirep' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-header' instead.",
    ),
    Keyword::rejected(
        "reqitarpit",
        "The 'reqitarpit' directive is not supported anymore since HAProxy 2.1. Use 'http-request tarpit' instead.",
    ),
    Keyword::rejected("reqpass", "The 'reqpass' not supported anymore since HAProxy 2.1."),
    Keyword::rejected(
        "reqrep",
        "The 'reqrep' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.",
    ),
    Keyword::rejected(
        "reqtarpit",
        "The 'reqtarpit' directive is not supported anymore since HAProxy 2.1. Use 'http-request tarpit' instead.",
    ),
    Keyword::parse("retries", retries),
    Keyword::parse("retry-on", retry_on),
    Keyword::rejected(
        "rspadd",
        "The 'rspadd' directive is not supported anymore since HAProxy 2.1. Use 'http-response add-header' instead.",
    ),
    Keyword::rejected(
        "rspdel",
        "The 'rspdel' directive is not supported anymore since HAProxy 2.1. Use 'http-response del-header' .",
    ),
    Keyword::rejected(
        "rspdeny",
        "The 'rspdeny' directive is not supported anymore since HAProxy 2.1. Use 'http-response deny' instead.",
    ),
    Keyword::rejected(
        "rspidel",
        "The 'rspidel' directive is not supported anymore since HAProxy 2.1. Use 'http-response del-header' instead.",
    ),
    Keyword::rejected(
        "rspideny",
        "The 'rspideny' directive is not supported anymore since HAProxy 2.1. Use 'http-response deny' instead.",
    ),
    Keyword::rejected(
        "rspirep",
        "The 'rspirep' directive is not supported anymore since HAProxy 2.1. Use 'http-response replace-header' instead.",
    ),
    Keyword::rejected(
        "rsprep",
        "The 'rsprep' directive is not supported anymore since HAProxy 2.1. Use 'http-response replace-header' instead.",
    ),
    Keyword::parse("server", server::server),
    Keyword::parse("server-state-file-name", persist::server_state_file_name),
    Keyword::parse("server-template", server::server_template),
    Keyword::parse("source", source),
    Keyword::rejected(
        "srvexp",
        "The 'srvexp' directive is not supported anymore since HAProxy 2.1. Use 'http-response replace-header' instead.",
    ),
    Keyword::not_yet_checked("srvtcpka-cnt", tcpka_cnt),
    Keyword::not_yet_checked("srvtcpka-idle", tcpka_time),
    Keyword::not_yet_checked("srvtcpka-intvl", tcpka_time),
    Keyword::rejected(
        "srvtimeout",
        "the 'srvtimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout server'.",
    ),
    Keyword::parse("stats", super::stats_page::stats),
    Keyword::not_yet("stick"),
    Keyword::not_yet("stick-table"),
    Keyword::parse("tcp-check", super::check::tcp_check),
    Keyword::parse("tcp-request", super::tcp_rules::tcp_request),
    Keyword::parse("tcp-response", super::tcp_rules::tcp_response),
    Keyword::parse("timeout", timeout::timeout),
    Keyword::parse("transparent", transparent),
    Keyword::parse("unique-id-format", super::logfmt::unique_id_format),
    Keyword::parse("unique-id-header", unique_id_header),
    Keyword::not_yet("use-fcgi-app"),
    Keyword::parse("use-server", persist::use_server),
    Keyword::parse("use_backend", use_backend),
    Keyword::parse("usesrc", usesrc),
];

/// `http-reuse`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpReuse {
    Never,
    #[default]
    Safe,
    Aggressive,
    Always,
}

/// `retry-on`: when a request is retried on another connection (default `conn-failure`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryOn {
    pub conn_failure: bool,
    pub empty_response: bool,
    pub response_timeout: bool,
    pub zero_rtt_rejected: bool,
    pub junk_response: bool,
    /// Response status codes (401, 403, 404, 408, 425, 500, 501, 502, 503, 504).
    pub statuses: Vec<u16>,
}

impl Default for RetryOn {
    fn default() -> Self {
        Self {
            conn_failure: true,
            empty_response: false,
            response_timeout: false,
            zero_rtt_rejected: false,
            junk_response: false,
            statuses: Vec::new(),
        }
    }
}

/// `clitcpka-*` / `srvtcpka-*` (seconds for idle and interval).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpKeepalive {
    pub cli_cnt: Option<u32>,
    pub cli_idle: Option<u32>,
    pub cli_intvl: Option<u32>,
    pub srv_cnt: Option<u32>,
    pub srv_idle: Option<u32>,
    pub srv_intvl: Option<u32>,
}

/// Stores a C `atol` value into an unsigned field, warning when HAProxy would have read
/// garbage as a number.
fn lax_u32(cx: &mut Cx<'_>, kw: &str, v: &str) -> u32 {
    if !crate::cnum::is_int(v) {
        cx.warn(format!(
            "'{kw}' expects an integer; '{v}' is read as {}.",
            atol(v)
        ));
    }
    atol(v).clamp(0, i64::from(u32::MAX)) as u32
}

fn mode(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    cx.max_args(1)?;
    b.px().mode = match cx.arg(0).unwrap_or_default() {
        "http" => super::Mode::Http,
        "tcp" => super::Mode::Tcp,
        "health" => {
            return Err(
                "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead."
                    .into(),
            )
        }
        other => return Err(format!("unknown proxy mode '{other}'.")),
    };
    Ok(())
}

fn id(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.in_defaults() {
        tight_alert(cx, "'id' not allowed in 'defaults' section.");
        return Ok(());
    }
    cx.max_args(1)?;
    let Some(v) = cx.arg(0) else {
        tight_alert(cx, "'id' expects an integer argument.");
        return Ok(());
    };
    let id = atol(v) as i32;
    if id <= 0 {
        tight_alert(cx, "custom id has to be > 0.");
        return Ok(());
    }
    let id = id as u32;
    let me = b.cur().span;
    if let Some(other) = b
        .proxies()
        .iter()
        .find(|p| p.id == Some(id) && p.span != me)
    {
        let cur = b.cur();
        let msg = format!(
            "{} {} reuses same custom id as {} {} (declared at {}).",
            cur.kind.type_str(),
            cur.name,
            other.kind.type_str(),
            other.name,
            b.loc(other.span)
        );
        tight_alert(cx, msg);
        return Ok(());
    }
    b.px().id = Some(id);
    Ok(())
}

fn description(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.in_defaults() {
        tight_alert(cx, "'description' not allowed in 'defaults' section.");
        return Ok(());
    }
    if cx.args().is_empty() {
        tight_alert(cx, "'description' expects a string argument.");
        return Ok(());
    }
    b.px().description = Some(cx.args().join(" "));
    Ok(())
}

fn disabled(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    cx.max_args(0)?;
    b.px().disabled = true;
    Ok(())
}

fn enabled(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    cx.max_args(0)?;
    b.px().disabled = false;
    Ok(())
}

fn bind_process(_b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    for a in cx.args() {
        if a == "all" {
            break;
        }
        parse_process_number(a, 1, false).map_err(|e| format!("bind-process : {e}"))?;
    }
    tight_warn(
        cx,
        "'bind-process' has no effect, is deprecated, and will be removed in version 2.7.",
    );
    Ok(())
}

/// `maxconn`, `backlog`, `fullconn`, `retries`: an integer, with HAProxy's capability rule.
fn count(
    b: &mut ProxiesBuilder,
    cx: &mut Cx<'_>,
    cap: Cap,
    hint: &str,
    missing: &str,
    set: fn(&mut super::Proxy, u32),
) -> Result<(), String> {
    let kw = cx.keyword();
    b.warn_not_cap(cx, cap, kw, hint);
    let Some(v) = cx.arg(0) else {
        return Err(format!("'{kw}' expects an integer argument{missing}."));
    };
    let n = lax_u32(cx, kw, v);
    set(b.px(), n);
    cx.max_args(1)
}

fn maxconn(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    count(
        b,
        cx,
        Cap::Fe,
        " Maybe you want 'fullconn' instead ?",
        "",
        |p, n| p.maxconn = n,
    )
}

fn backlog(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    count(b, cx, Cap::Fe, "", "", |p, n| p.backlog = n)
}

fn fullconn(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    count(
        b,
        cx,
        Cap::Be,
        " Maybe you want 'maxconn' instead ?",
        "",
        |p, n| p.fullconn = n,
    )
}

fn retries(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "retries", "");
    cx.max_args(1)?;
    let Some(v) = cx.arg(0) else {
        return Err("'retries' expects an integer argument (dispatch counts for one).".into());
    };
    let n = lax_u32(cx, "retries", v);
    b.px().retries = n;
    Ok(())
}

fn default_backend(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Fe, "default_backend", "");
    let Some(name) = cx.arg(0) else {
        return Err("'default_backend' expects a backend name.".into());
    };
    let span = cx.span();
    b.px().default_backend = Some(Spanned {
        value: name.to_string(),
        span,
    });
    cx.max_args(1)
}

fn use_backend(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.not_in_defaults("use_backend")?;
    b.warn_not_cap(cx, Cap::Fe, "use_backend", "");
    let Some(name) = cx.arg(0) else {
        return Err("'use_backend' expects a backend name.".into());
    };
    let cond = match cx.arg(1) {
        None => None,
        // HAProxy accepts an empty condition: `if` then never matches, `unless` always
        // does (`acl_exec_cond` over no term suite fails).
        Some("if" | "unless") => {
            let words = cx.args()[1..].to_vec();
            let place = rampart_rules::fetch::place::Places::of(
                rampart_rules::fetch::place::Ckp::FeSetBck,
            );
            Some(
                b.parse_cond(cx, &words, Some(place))
                    .map_err(|e| format!("error detected while parsing switching rule : {e}."))?,
            )
        }
        Some(other) => {
            return Err(format!(
                "unexpected keyword '{other}' after switching rule, only 'if' and 'unless' are allowed."
            ))
        }
    };
    let target = if name.contains('%') {
        use rampart_rules::fetch::place::Ckp;
        use rampart_rules::logfmt::{LogFormat, Mode as LfMode, Node};
        let mode = LfMode {
            http: false,
            merge_spaces: false,
            proxy_http: b.cur().mode == super::Mode::Http,
            place: Ckp::FeHrqHdr,
        };
        let parsed = b.with_acls(cx, |_, lcx| LogFormat::parse_loading(name, mode, Some(lcx)));
        match parsed {
            Err(e) => {
                cx.diags.push(
                    Diagnostic::alert(
                        Some(cx.span()),
                        format!("failed to parse use_backend rule '{name}' : {e}."),
                    )
                    .form(rampart_config::Form::CapitalParsing)
                    .phase(rampart_config::Phase::Check),
                );
                return Ok(());
            }
            // Only text: a plain name after all (`%%`).
            Ok(lf) if lf.is_const() => BackendRef::Name(
                lf.nodes
                    .iter()
                    .map(|n| match n {
                        Node::Text(t) => t.as_str(),
                        _ => "",
                    })
                    .collect(),
            ),
            Ok(lf) => BackendRef::Dynamic(std::sync::Arc::new(lf)),
        }
    } else {
        BackendRef::Name(name.to_string())
    };
    let span = cx.span();
    super::order::place(b, cx, super::order::Stage::UseBackend, "use_backend");
    b.px().use_backends.push(UseBackend { target, cond, span });
    Ok(())
}

fn log_tag(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(tag) = cx.arg(0) else {
        return Err("'log-tag' expects a tag for use in syslog.".into());
    };
    b.px().log_tag = Some(tag.to_string());
    Ok(())
}

fn monitor_uri(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Fe, "monitor-uri", "");
    cx.max_args(1)?;
    let Some(uri) = cx.arg(0) else {
        return Err("'monitor-uri' expects an URI.".into());
    };
    b.px().monitor_uri = Some(uri.to_string());
    Ok(())
}

/// `monitor fail if|unless <cond>`: requests for `monitor-uri` get 503 when a condition
/// holds.
fn monitor(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.not_in_defaults("monitor")?;
    b.warn_not_cap(cx, Cap::Fe, "monitor", "");
    if cx.arg(0) != Some("fail") {
        return Err("'monitor' only supports 'fail'.".into());
    }
    if !matches!(cx.arg(1), Some("if" | "unless")) {
        return Err(
            "'monitor fail' requires either 'if' or 'unless' followed by a condition.".into(),
        );
    }
    super::order::place(b, cx, super::order::Stage::Monitor, "monitor fail");
    let words = cx.args()[1..].to_vec();
    let cond = b
        .parse_cond(cx, &words, None)
        .map_err(|e| format!("error detected while parsing a 'monitor fail' condition : {e}."))?;
    b.px().monitor_fail.push(cond);
    Ok(())
}

fn http_reuse(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "http-reuse", "");
    let v = match cx.arg(0).unwrap_or_default() {
        "never" => HttpReuse::Never,
        "safe" => HttpReuse::Safe,
        "aggressive" => HttpReuse::Aggressive,
        "always" => HttpReuse::Always,
        _ => {
            return Err(
                "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.".into(),
            )
        }
    };
    b.px().http_reuse = v;
    if let Some(extra) = cx.arg(1) {
        return Err(format!(
            "'http-reuse {}' cannot handle unexpected argument '{extra}'.",
            cx.arg(0).unwrap_or_default()
        ));
    }
    Ok(())
}

fn http_send_name_header(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "http-send-name-header", "");
    let Some(h) = cx.arg(0) else {
        return Err("'http-send-name-header' requires a header string.".into());
    };
    b.px().http_send_name_header = Some(h.to_ascii_lowercase());
    Ok(())
}

fn unique_id_header(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(h) = cx.arg(0) else {
        return Err("unique-id-header expects an argument.".into());
    };
    b.px().unique_id_header = Some(h.to_string());
    Ok(())
}

fn transparent(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.px().transparent = true;
    cx.max_args(0)
}

fn dispatch(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.not_in_defaults("dispatch")?;
    b.warn_not_cap(cx, Cap::Be, "dispatch", "");
    let a = addr::parse(
        cx.arg(0).unwrap_or_default(),
        &addr::AddrOpts::CONNECT_PORT,
        b.resolver(),
    )
    .map_err(|e| format!("'dispatch' : {e}"))?;
    cx.max_args(1)?;
    b.px().dispatch = Some(a);
    Ok(())
}

fn source(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "source", "");
    if cx.arg(0).is_none() {
        return Err("'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>.".into());
    }
    let args: Vec<&str> = cx.args().iter().map(String::as_str).collect();
    let (src, used) = server::parse_source(&args, None, b.resolver())?;
    if let Some(extra) = args.get(used) {
        let _ = extra;
        return Err("'source' only supports optional keywords 'interface' and 'usesrc'.".into());
    }
    b.px().source = Some(src);
    Ok(())
}

fn usesrc(_b: &mut ProxiesBuilder, _cx: &mut Cx<'_>) -> Result<(), String> {
    Err("'usesrc' only allowed after a 'source' statement.".into())
}

fn rate_limit(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let what = cx.arg(0).unwrap_or_default();
    if what != "sessions" {
        return Err(format!(
            "'rate-limit' only supports 'sessions' (got '{what}')"
        ));
    }
    let Some(v) = cx.arg(1) else {
        return Err(
            "'rate-limit sessions' expects expects an integer value (in sessions/second)".into(),
        );
    };
    let n = strtol0_full(v).map_err(|c| {
        format!("'rate-limit sessions' : unexpected character '{c}' in integer value '{v}'")
    })?;
    let n = n.clamp(0, i64::from(u32::MAX)) as u32;
    if !b.has_cap(Cap::Fe) {
        let p = b.cur();
        cx.warn(format!(
            "rate-limit sessions will be ignored because {} '{}' has no frontend capability",
            p.kind.type_str(),
            p.name
        ));
    } else if b.cur().rate_limit_sessions != b.defpx().rate_limit_sessions {
        cx.warn("overwriting rate-limit sessions which was already specified");
    }
    b.px().rate_limit_sessions = Some(n);
    Ok(())
}

fn max_ka_queue(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0) else {
        return Err(
            "'max-keep-alive-queue' expects expects an integer value (or -1 to disable)".into(),
        );
    };
    let n = strtol0_full(v).map_err(|c| {
        format!("'max-keep-alive-queue' : unexpected character '{c}' in integer value '{v}'")
    })?;
    if !b.has_cap(Cap::Be) {
        let p = b.cur();
        cx.warn(format!(
            "max-keep-alive-queue will be ignored because {} '{}' has no backend capability",
            p.kind.type_str(),
            p.name
        ));
    }
    b.px().max_keep_alive_queue = Some(n);
    Ok(())
}

fn max_session_srv_conns(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Fe, "max-session-srv-conns", "");
    let Some(v) = cx.arg(0) else {
        // HAProxy's own (misspelt) prefix, kept so scripts matching it keep working.
        let loc = b.loc(cx.span());
        cx.diags.push(Diagnostic::alert(
            None,
            format!("parsine [{loc}] : 'max-session-srv-conns' expects a number. Got no argument"),
        ));
        return Ok(());
    };
    let n = lax_u32(cx, "max-session-srv-conns", v);
    b.px().max_session_srv_conns = Some(n);
    Ok(())
}

fn retry_on(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if cx.args().is_empty() {
        return Err("'retry-on' needs at least one keyword to specify when to retry".into());
    }
    if !b.has_cap(Cap::Be) {
        return Err("'retry-on' only available in backend or listen section".into());
    }
    let mut r = RetryOn {
        conn_failure: false,
        ..RetryOn::default()
    };
    let args = cx.args();
    for (i, a) in args.iter().enumerate() {
        match a.as_str() {
            "conn-failure" => r.conn_failure = true,
            "empty-response" => r.empty_response = true,
            "response-timeout" => r.response_timeout = true,
            "0rtt-rejected" => r.zero_rtt_rejected = true,
            "junk-response" => r.junk_response = true,
            "401" | "403" | "404" | "408" | "425" | "500" | "501" | "502" | "503" | "504" => {
                let code = a.parse().unwrap_or(0);
                if !r.statuses.contains(&code) {
                    r.statuses.push(code);
                }
            }
            "all-retryable-errors" => {
                r.conn_failure = true;
                r.empty_response = true;
                r.response_timeout = true;
                r.zero_rtt_rejected = true;
                r.junk_response = true;
                for code in [500, 502, 503, 504] {
                    if !r.statuses.contains(&code) {
                        r.statuses.push(code);
                    }
                }
            }
            "none" => {
                if i != 0 || args.len() > 1 {
                    return Err("'retry-on' 'none' keyworld only usable alone".into());
                }
            }
            other => return Err(format!("'retry-on': unknown keyword '{other}'")),
        }
    }
    b.px().retry_on = r;
    Ok(())
}

fn tcpka_cnt(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let Some(v) = cx.arg(0) else {
        return Err(format!("'{kw}' expects an integer value"));
    };
    let n = strtol0_full(v)
        .map_err(|c| format!("'{kw}' : unexpected character '{c}' in integer value '{v}'"))?;
    let n = Some(n.clamp(0, i64::from(u32::MAX)) as u32);
    tcpka_store(b, cx, kw, n)
}

fn tcpka_time(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let Some(v) = cx.arg(0) else {
        return Err(format!("'{kw}' expects an integer value"));
    };
    let n = timeout::parse_s(cx, v).map_err(|e| match e {
        TimeError::Overflow => format!(
            "timer overflow in argument '{v}' to '{kw}' (maximum value is 2147483647 ms or ~24.8 days)"
        ),
        TimeError::Underflow => format!(
            "timer underflow in argument '{v}' to '{kw}' (minimum non-null value is 1 ms)"
        ),
        TimeError::UnexpectedChar(c) => format!("unexpected character '{c}' in argument to <{kw}>."),
        TimeError::Missing => format!("'{kw}' expects an integer value"),
    })?;
    tcpka_store(b, cx, kw, Some(n))
}

fn tcpka_store(
    b: &mut ProxiesBuilder,
    cx: &mut Cx<'_>,
    kw: &str,
    v: Option<u32>,
) -> Result<(), String> {
    let cli = kw.starts_with("cli");
    let cap = if cli { Cap::Fe } else { Cap::Be };
    if !b.has_cap(cap) {
        let p = b.cur();
        cx.warn(format!(
            "{kw} will be ignored because {} '{}' has no {} capability",
            p.kind.type_str(),
            p.name,
            if cli { "frontend" } else { "backend" }
        ));
    }
    let t = &mut b.px().tcpka;
    match kw {
        "clitcpka-cnt" => t.cli_cnt = v,
        "clitcpka-idle" => t.cli_idle = v,
        "clitcpka-intvl" => t.cli_intvl = v,
        "srvtcpka-cnt" => t.srv_cnt = v,
        "srvtcpka-idle" => t.srv_idle = v,
        _ => t.srv_intvl = v,
    }
    Ok(())
}

#[cfg(test)]
#[path = "keywords_tests.rs"]
mod tests;
