//! `option ...` in proxy sections (configuration manual 4.2, every `option` keyword;
//! HAProxy's `cfg_opts`/`cfg_opts2` tables and the `option` branch of `cfg_parse_listen`),
//! with the `no option X` and `default option X` modifiers.
//!
//! Simple on/off options are typed flags ([`OptionFlags`]); the HTTP connection modes
//! (`httpclose`, `http-server-close`, `http-keep-alive`) override each other; options with
//! arguments (`forwardfor`, `originalto`, `httplog`, `redispatch`,
//! `http-restrict-req-hdr-names`) have their own fields; health-check options fill
//! [`super::check::Checks`]. The options the runtime does not act on yet and that
//! would change behaviour (`checkcache`, `prefer-last-server`, `transparent`...) are
//! refused as not supported yet (docs/runtime-gaps.md).

use super::net::{parse_net, Net};
use super::{Cap, ProxiesBuilder};
use crate::kw::{Cx, Keyword, Status};
use rampart_config::Modifier;

macro_rules! simple_options {
    ($( $field:ident = $name:literal, $cap:ident, $http:literal; )*) => {
        /// The on/off options (`option <name>` / `no option <name>`).
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct OptionFlags {
            $( #[doc = concat!("`option ", $name, "`")] pub $field: bool, )*
        }

        /// Name, capability needed, HTTP-only, and the flag it sets.
        pub(crate) const SIMPLE: &[SimpleOpt] = &[
            $( SimpleOpt { name: $name, cap: Cap::$cap, http_only: $http, flag: |o| &mut o.$field }, )*
        ];
    };
}

/// One on/off option of HAProxy's `cfg_opts` / `cfg_opts2`.
pub(crate) struct SimpleOpt {
    pub name: &'static str,
    pub cap: Cap,
    /// Ignored with a warning in TCP proxies.
    pub http_only: bool,
    pub flag: fn(&mut OptionFlags) -> &mut bool,
}

simple_options! {
    abortonclose = "abortonclose", Be, false;
    allbackups = "allbackups", Be, false;
    checkcache = "checkcache", Be, true;
    clitcpka = "clitcpka", Fe, false;
    contstats = "contstats", Fe, false;
    dontlognull = "dontlognull", Fe, false;
    http_buffer_request = "http-buffer-request", Any, true;
    http_ignore_probes = "http-ignore-probes", Fe, true;
    idle_close_on_response = "idle-close-on-response", Fe, true;
    prefer_last_server = "prefer-last-server", Be, true;
    logasap = "logasap", Fe, false;
    nolinger = "nolinger", Any, false;
    persist = "persist", Be, false;
    srvtcpka = "srvtcpka", Be, false;
    transparent = "transparent", Be, false;
    splice_request = "splice-request", Any, false;
    splice_response = "splice-response", Any, false;
    splice_auto = "splice-auto", Any, false;
    accept_invalid_http_request = "accept-invalid-http-request", Fe, true;
    accept_invalid_http_response = "accept-invalid-http-response", Be, true;
    dontlog_normal = "dontlog-normal", Fe, false;
    log_separate_errors = "log-separate-errors", Fe, false;
    log_health_checks = "log-health-checks", Be, false;
    socket_stats = "socket-stats", Fe, false;
    tcp_smart_accept = "tcp-smart-accept", Fe, false;
    tcp_smart_connect = "tcp-smart-connect", Be, false;
    independent_streams = "independent-streams", Any, false;
    http_use_proxy_header = "http-use-proxy-header", Fe, true;
    http_pretend_keepalive = "http-pretend-keepalive", Be, true;
    http_no_delay = "http-no-delay", Any, true;
    h1_case_adjust_bogus_client = "h1-case-adjust-bogus-client", Fe, false;
    h1_case_adjust_bogus_server = "h1-case-adjust-bogus-server", Be, false;
    disable_h2_upgrade = "disable-h2-upgrade", Fe, true;
}

/// `option httpclose` / `http-server-close` / `http-keep-alive` (default: keep-alive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpConnMode {
    #[default]
    KeepAlive,
    ServerClose,
    Close,
}

/// The log format selected by `option httplog` / `tcplog` / `httpslog`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Http,
    HttpClf,
    Https,
    Tcp,
    /// `log-format <string>`.
    Custom(String),
}

impl LogFormat {
    pub fn is_custom(&self) -> bool {
        matches!(self, LogFormat::Custom(_))
    }

    /// The directive that selected it, as HAProxy names it in messages.
    pub fn directive(&self) -> &'static str {
        match self {
            LogFormat::Http => "option httplog",
            LogFormat::HttpClf => "option httplog clf",
            LogFormat::Https => "option httpslog",
            LogFormat::Tcp => "option tcplog",
            LogFormat::Custom(_) => "log-format",
        }
    }
}

/// `option forwardfor` / `option originalto`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderOpt {
    /// Clients in this network do not get the header.
    pub except: Option<Net>,
    pub header: String,
    /// `if-none` (forwardfor only): only add the header when absent.
    pub if_none: bool,
}

/// `option http-restrict-req-hdr-names`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RestrictHdrNames {
    /// HAProxy's default.
    #[default]
    Preserve,
    Reject,
    Delete,
}

/// Every option of a proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub flags: OptionFlags,
    pub http_conn_mode: HttpConnMode,
    /// Log format and the line that selected it.
    pub log_format: Option<super::Spanned<LogFormat>>,
    pub forwardfor: Option<HeaderOpt>,
    pub originalto: Option<HeaderOpt>,
    /// `option redispatch [<interval>]`: `Some(-1)` without interval.
    pub redispatch: Option<i64>,
    /// `option tcpka` sets client and server keep-alive by capability (kept in `flags`).
    pub restrict_req_hdr_names: Option<RestrictHdrNames>,
}

/// Every `option` name HAProxy 2.6 knows.
pub static TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::parse("abortonclose", simple),
    Keyword::parse("accept-invalid-http-request", simple),
    Keyword::parse("accept-invalid-http-response", simple),
    Keyword::parse("allbackups", simple),
    Keyword::not_yet("checkcache"),
    Keyword::parse("clitcpka", simple),
    Keyword::parse("contstats", simple),
    Keyword::parse("disable-h2-upgrade", simple),
    Keyword::parse("dontlog-normal", simple),
    Keyword::parse("dontlognull", simple),
    Keyword::not_yet("external-check"),
    Keyword::rejected(
        "forceclose",
        "option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed.",
    ),
    Keyword::parse("forwardfor", forwardfor),
    Keyword::parse("h1-case-adjust-bogus-client", simple),
    Keyword::parse("h1-case-adjust-bogus-server", simple),
    Keyword::parse("http-buffer-request", simple),
    Keyword::parse("http-ignore-probes", simple),
    Keyword::parse("http-keep-alive", conn_mode),
    Keyword::parse("http-no-delay", simple),
    Keyword::not_yet("http-pretend-keepalive"),
    Keyword::parse("http-restrict-req-hdr-names", restrict_hdr_names),
    Keyword::parse("http-server-close", conn_mode),
    Keyword::rejected(
        "http-tunnel",
        "option 'http-tunnel' is not supported any more since HAProxy 2.1, please just remove it, it shouldn't be needed.",
    ),
    Keyword::parse("http-use-proxy-header", simple),
    Keyword::rejected(
        "http_proxy",
        "option 'http_proxy' is not supported any more since HAProxy 2.5. This option stopped working in HAProxy 1.9 and usually had nasty side effects. It can be more reliably implemented with combinations of 'http-request set-dst' and 'http-request set-uri', and even 'http-request do-resolve' if DNS resolution is desired.",
    ),
    Keyword::parse("httpchk", super::check::option_httpchk),
    Keyword::parse("httpclose", conn_mode),
    Keyword::parse("httplog", logfmt),
    Keyword::parse("httpslog", logfmt),
    Keyword::not_yet("idle-close-on-response"),
    Keyword::not_yet("independent-streams"),
    Keyword::parse("ldap-check", super::check::option_simple_check),
    Keyword::parse("log-health-checks", simple),
    Keyword::parse("log-separate-errors", simple),
    Keyword::parse("logasap", simple),
    Keyword::parse("mysql-check", super::check::option_mysql),
    Keyword::parse("nolinger", simple),
    Keyword::parse("originalto", originalto),
    Keyword::parse("persist", simple),
    Keyword::parse("pgsql-check", super::check::option_pgsql),
    Keyword::not_yet("prefer-last-server"),
    Keyword::parse("redispatch", redispatch),
    Keyword::parse("redis-check", super::check::option_simple_check),
    Keyword::parse("smtpchk", super::check::option_smtpchk),
    Keyword::parse("socket-stats", simple),
    Keyword::parse("splice-auto", simple),
    Keyword::parse("splice-request", simple),
    Keyword::parse("splice-response", simple),
    Keyword::not_yet("spop-check"),
    Keyword::parse("srvtcpka", simple),
    Keyword::parse("ssl-hello-chk", super::check::option_simple_check),
    Keyword::parse("tcp-check", super::check::option_tcp_check),
    Keyword::parse("tcp-smart-accept", simple),
    Keyword::parse("tcp-smart-connect", simple),
    Keyword::parse("tcpka", tcpka),
    Keyword::parse("tcplog", logfmt),
    Keyword::parse("transparent", simple),
];

/// HAProxy's suggestion list for mistyped options.
const COMMON: &[&str] = &[
    "httpclose",
    "http-server-close",
    "http-keep-alive",
    "redispatch",
    "httplog",
    "tcplog",
    "tcpka",
    "httpchk",
    "ssl-hello-chk",
    "smtpchk",
    "pgsql-check",
    "redis-check",
    "mysql-check",
    "ldap-check",
    "spop-check",
    "tcp-check",
    "external-check",
    "forwardfor",
    "original-to",
];

/// The `option` keyword: finds the option and applies the modifier rules.
pub(crate) fn option(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(name) = cx.arg(0) else {
        super::tight_alert(cx, "'option' expects an option name.");
        return Ok(());
    };
    let modifier = cx.line.modifier;
    let found = crate::kw::lookup(TABLE, name);
    let negatable = SIMPLE.iter().any(|o| o.name == name)
        || matches!(
            name,
            "redispatch" | "forceclose" | "http-tunnel" | "http_proxy"
        )
        || matches!(name, "httpclose" | "http-server-close" | "http-keep-alive");
    if modifier != Modifier::None && !negatable {
        super::tight_alert(
            cx,
            format!("negation/default is not supported for option '{name}'."),
        );
        return Ok(());
    }
    match found {
        Some(k) => {
            if matches!(k.status, Status::NotYet) {
                return Err(crate::kw::not_supported_yet(&format!("option {name}")));
            }
            super::apply(b, cx, &k.status, k.name);
            Ok(())
        }
        None => {
            let names = TABLE.iter().map(|k| k.name).chain(COMMON.iter().copied());
            Err(match super::best_match(name, names) {
                Some(best) => format!("unknown option '{name}'; did you mean '{best}' maybe ?"),
                None => format!("unknown option '{name}'."),
            })
        }
    }
}

/// `'option X' cannot handle unexpected argument 'Y'.` after `max` option arguments.
pub(crate) fn max_opt_args(cx: &Cx<'_>, max: usize) -> Result<(), String> {
    match cx.args().get(max + 1) {
        Some(extra) => Err(format!(
            "'option {}' cannot handle unexpected argument '{extra}'.",
            cx.arg(0).unwrap_or_default()
        )),
        None => Ok(()),
    }
}

fn simple(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    let Some(opt) = SIMPLE.iter().find(|o| o.name == name) else {
        return Err(format!("unknown option '{name}'."));
    };
    max_opt_args(cx, 0)?;
    if b.warn_not_cap(cx, opt.cap, name, "") {
        return Ok(());
    }
    let modifier = cx.line.modifier;
    *(opt.flag)(&mut b.px().options.flags) = modifier == Modifier::None;
    if name == "transparent" {
        b.px().transparent = modifier == Modifier::None;
    }
    Ok(())
}

fn conn_mode(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    max_opt_args(cx, 0)?;
    let mode = match name {
        "httpclose" => HttpConnMode::Close,
        "http-server-close" => HttpConnMode::ServerClose,
        _ => HttpConnMode::KeepAlive,
    };
    if cx.line.modifier == Modifier::Default {
        super::tight_alert(
            cx,
            format!("negation/default is not supported for option '{name}'."),
        );
        return Ok(());
    }
    let opts = &mut b.px().options;
    match cx.line.modifier {
        Modifier::None => opts.http_conn_mode = mode,
        _ => {
            if opts.http_conn_mode == mode {
                opts.http_conn_mode = HttpConnMode::KeepAlive;
            }
        }
    }
    Ok(())
}

fn redispatch(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.warn_not_cap(cx, Cap::Be, "redispatch", "") {
        return Ok(());
    }
    let value = match cx.line.modifier {
        Modifier::None => Some(cx.arg(1).map_or(-1, crate::cnum::atol)),
        Modifier::No | Modifier::Default => None,
    };
    b.px().options.redispatch = value;
    Ok(())
}

fn logfmt(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    let fmt = match name {
        "httplog" => match cx.arg(1) {
            None => LogFormat::Http,
            Some("clf") => {
                max_opt_args(cx, 1)?;
                LogFormat::HttpClf
            }
            Some(_) => return Err("keyword 'httplog' only supports option 'clf'.".into()),
        },
        "httpslog" => LogFormat::Https,
        _ => LogFormat::Tcp,
    };
    if b.in_defaults() {
        if let Some(old) = &b.cur().options.log_format {
            let shown = match (name, &fmt) {
                ("httplog", LogFormat::HttpClf) => "httplog clf",
                ("httpslog", _) => "httplog",
                _ => name,
            };
            let msg = format!(
                "'option {shown}' overrides previous '{}' in 'defaults' section.",
                old.value.directive()
            );
            super::tight_warn(cx, msg);
        }
    }
    let span = cx.span();
    b.px().options.log_format = Some(super::Spanned { value: fmt, span });
    if name == "tcplog" {
        max_opt_args(cx, 0)?;
    }
    if !b.in_defaults() && !b.cur().is_fe() {
        let pname = b.cur().name.clone();
        cx.warn(format!(
            "backend '{pname}' : 'option {name}' directive is ignored in backends."
        ));
    }
    Ok(())
}

fn tcpka(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Any, "tcpka", "");
    max_opt_args(cx, 0)?;
    let (fe, be) = (b.cur().is_fe(), b.cur().is_be());
    let flags = &mut b.px().options.flags;
    if fe {
        flags.clitcpka = true;
    }
    if be {
        flags.srvtcpka = true;
    }
    Ok(())
}

fn header_opt(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, forwardfor: bool) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    let mut opt = HeaderOpt {
        except: None,
        header: if forwardfor {
            "X-Forwarded-For"
        } else {
            "X-Original-To"
        }
        .into(),
        if_none: false,
    };
    let args = cx.args();
    let mut i = 1;
    while let Some(a) = args.get(i).map(String::as_str) {
        let next = args
            .get(i + 1)
            .map(String::as_str)
            .filter(|s| !s.is_empty());
        match a {
            "except" => {
                let net = next.and_then(|n| parse_net(n, b.resolver()));
                match net {
                    Some(n) => opt.except = Some(n),
                    None => {
                        return Err(format!(
                            "'option {name} except' expects <address>[/mask] as argument."
                        ))
                    }
                }
                i += 2;
            }
            "header" => {
                let Some(h) = next else {
                    return Err(format!(
                        "'option {name} header' expects <header_name> as argument."
                    ));
                };
                opt.header = h.to_string();
                i += 2;
            }
            "if-none" if forwardfor => {
                opt.if_none = true;
                i += 1;
            }
            _ => {
                return Err(if forwardfor {
                    "'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.".into()
                } else {
                    "'option originalto' only supports optional values: 'except' and 'header'."
                        .into()
                })
            }
        }
    }
    let opts = &mut b.px().options;
    if forwardfor {
        opts.forwardfor = Some(opt);
    } else {
        opts.originalto = Some(opt);
    }
    Ok(())
}

fn forwardfor(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    header_opt(b, cx, true)
}

fn originalto(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    header_opt(b, cx, false)
}

fn restrict_hdr_names(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if let Some(extra) = cx.args().get(2) {
        return Err(format!(
            "'option' cannot handle unexpected argument '{extra}'."
        ));
    }
    let v = match cx.arg(1) {
        None => {
            return Err("missing parameter. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option.".into())
        }
        Some("preserve") => RestrictHdrNames::Preserve,
        Some("reject") => RestrictHdrNames::Reject,
        Some("delete") => RestrictHdrNames::Delete,
        Some(other) => {
            return Err(format!(
                "invalid parameter '{other}'. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option."
            ))
        }
    };
    b.px().options.restrict_req_hdr_names = Some(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::proxy::options::*;
    use crate::proxy::testutil::*;

    #[test]
    fn simple_flags_and_negation() {
        let r = run("defaults\n option dontlognull\n option splice-auto\nfrontend f\n bind :80\n no option dontlognull\n");
        let f = r.proxy("f");
        assert!(!f.options.flags.dontlognull);
        assert!(f.options.flags.splice_auto);
        assert!(r.clean());
        // HAProxy reads `default option x` as `option x x`.
        let r = run(
            "defaults\n option dontlognull\nfrontend f\n bind :80\n default option dontlognull\n",
        );
        assert!(
            r.has_alert("'option dontlognull' cannot handle unexpected argument 'dontlognull'.")
        );
        let r = run("defaults\n option redispatch\nbackend b\n default option redispatch\n");
        assert_eq!(r.proxy("b").options.redispatch, None);
    }

    #[test]
    fn cap_warnings_and_extra_args() {
        let r = run("frontend f\n bind :80\n option allbackups\n");
        assert!(
            r.has_warning("'allbackups' ignored because frontend 'f' has no backend capability.")
        );
        assert!(!r.proxy("f").options.flags.allbackups);
        let r = run("backend b\n option allbackups foo\n");
        assert!(r.has_alert("'option allbackups' cannot handle unexpected argument 'foo'."));
    }

    #[test]
    fn http_modes_override() {
        let r = run("defaults\n option httpclose\nbackend b\n option http-server-close\n");
        assert_eq!(
            r.proxy("b").options.http_conn_mode,
            HttpConnMode::ServerClose
        );
        let r = run("defaults\n option httpclose\nbackend b\n no option httpclose\n");
        assert_eq!(r.proxy("b").options.http_conn_mode, HttpConnMode::KeepAlive);
        let r = run("defaults\n option httpclose\nbackend b\n no option http-server-close\n");
        assert_eq!(r.proxy("b").options.http_conn_mode, HttpConnMode::Close);
        let r = run("backend b\n default option httpclose\n");
        assert!(r.has_alert("'option httpclose' cannot handle unexpected argument 'httpclose'."));
    }

    #[test]
    fn removed_and_unknown() {
        let r = run("backend b\n option forceclose\n");
        assert!(r.has_alert("option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed."));
        let r = run("backend b\n option redispach\n");
        assert!(r.has_alert("unknown option 'redispach'; did you mean 'redispatch' maybe ?"));
        let r = run("backend b\n option\n");
        assert!(r.has_alert("'option' expects an option name."));
        let r = run("backend b\n no option httplog\n");
        assert!(r.has_alert("negation/default is not supported for option 'httplog'."));
        let r = run("backend b\n option spop-check\n");
        assert!(r.has_alert("'option spop-check' is not supported yet"));
    }

    #[test]
    fn options_the_runtime_does_not_apply_yet() {
        for name in [
            "checkcache",
            "http-pretend-keepalive",
            "idle-close-on-response",
            "independent-streams",
            "prefer-last-server",
        ] {
            let r = run(&format!(
                "listen l\n mode http\n bind :80\n option {name}\n"
            ));
            assert!(
                r.has_alert(&format!("'option {name}' is not supported yet")),
                "{name}"
            );
            let r = run(&format!(
                "listen l\n mode http\n bind :80\n no option {name}\n"
            ));
            assert!(
                r.has_alert(&format!("'option {name}' is not supported yet")),
                "no {name}"
            );
        }
    }

    #[test]
    fn redispatch_forms() {
        let r = run("backend b\n option redispatch\n");
        assert_eq!(r.proxy("b").options.redispatch, Some(-1));
        let r = run("defaults\n option redispatch 3\nbackend b\n");
        assert_eq!(r.proxy("b").options.redispatch, Some(3));
        let r = run("defaults\n option redispatch\nbackend b\n no option redispatch\n");
        assert_eq!(r.proxy("b").options.redispatch, None);
        let r = run("frontend f\n bind :80\n option redispatch\n");
        assert!(
            r.has_warning("'redispatch' ignored because frontend 'f' has no backend capability.")
        );
    }

    #[test]
    fn log_formats() {
        let r = run("frontend f\n bind :80\n option httplog clf\n");
        assert_eq!(
            r.proxy("f")
                .options
                .log_format
                .as_ref()
                .map(|l| l.value.clone()),
            Some(LogFormat::HttpClf)
        );
        let r = run("frontend f\n bind :80\n option httplog foo\n");
        assert!(r.has_alert("keyword 'httplog' only supports option 'clf'."));
        let r = run("backend b\n option tcplog\n");
        assert!(r.has_warning("backend 'b' : 'option tcplog' directive is ignored in backends."));
        let r = run("defaults\n option tcplog\n option httplog\n");
        assert!(r.has_warning(
            "'option httplog' overrides previous 'option tcplog' in 'defaults' section."
        ));
    }

    #[test]
    fn forwardfor_originalto() {
        let r = run(
            "defaults\n option forwardfor except 127.0.0.0/8 header X-Real-IP if-none\nbackend b\n",
        );
        let ff = r.proxy("b").options.forwardfor.clone();
        assert!(ff
            .as_ref()
            .is_some_and(|f| f.if_none && f.header == "X-Real-IP" && f.except.is_some()));
        let r = run("backend b\n option forwardfor except\n");
        assert!(r.has_alert("'option forwardfor except' expects <address>[/mask] as argument."));
        let r = run("backend b\n option forwardfor bogus\n");
        assert!(r.has_alert(
            "'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'."
        ));
        let r = run("backend b\n option originalto if-none\n");
        assert!(r.has_alert(
            "'option originalto' only supports optional values: 'except' and 'header'."
        ));
        let r = run("backend b\n mode http\n option originalto except ::1/128\n");
        assert!(r.clean());
    }

    #[test]
    fn tcpka_and_restrict() {
        let r = run("listen l\n bind :80\n option tcpka\n");
        let f = &r.proxy("l").options.flags;
        assert!(f.clitcpka && f.srvtcpka);
        let r = run("backend b\n option http-restrict-req-hdr-names preserve\n");
        assert_eq!(
            r.proxy("b").options.restrict_req_hdr_names,
            Some(RestrictHdrNames::Preserve)
        );
        assert!(r.clean());
        let r = run("backend b\n option http-restrict-req-hdr-names delete\n");
        assert_eq!(
            r.proxy("b").options.restrict_req_hdr_names,
            Some(RestrictHdrNames::Delete)
        );
        let r = run("backend b\n option http-restrict-req-hdr-names reject\n");
        assert_eq!(
            r.proxy("b").options.restrict_req_hdr_names,
            Some(RestrictHdrNames::Reject)
        );
        let r = run("backend b\n option http-restrict-req-hdr-names\n");
        assert!(r.has_alert("missing parameter. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option."));
        let r = run("backend b\n option http-restrict-req-hdr-names foo\n");
        assert!(r.has_alert("invalid parameter 'foo'. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option."));
    }
}
