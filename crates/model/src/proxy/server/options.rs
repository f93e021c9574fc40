//! Server options (configuration manual 5.2): the option table and one parser per
//! option. `source` is shared with the proxy-level `source` keyword.

use super::*;
use crate::kw::Keyword;

/// Every server option HAProxy 2.6 registers.
pub static TABLE: &[Keyword<ServerBuilder>] = &[
    Keyword::parse("addr", check_addr),
    Keyword::parse("agent-addr", agent),
    Keyword::parse("agent-check", agent),
    Keyword::parse("agent-inter", agent),
    Keyword::parse("agent-port", agent),
    Keyword::parse("agent-send", agent),
    Keyword::not_yet("allow-0rtt"),
    Keyword::not_yet("alpn"),
    Keyword::parse("backup", flag),
    Keyword::not_yet("ca-file"),
    Keyword::parse("check", check),
    Keyword::not_yet("check-alpn"),
    Keyword::not_yet("check-proto"),
    Keyword::parse("check-send-proxy", flag),
    Keyword::not_yet("check-sni"),
    Keyword::not_yet("check-ssl"),
    Keyword::not_yet("check-via-socks4"),
    Keyword::not_yet("ciphers"),
    Keyword::not_yet("ciphersuites"),
    Keyword::parse("cookie", cookie),
    Keyword::not_yet("crl-file"),
    Keyword::not_yet("crt"),
    Keyword::parse("disabled", flag),
    Keyword::parse("downinter", check_time),
    Keyword::parse("enabled", flag),
    Keyword::parse("error-limit", error_limit),
    Keyword::parse("fall", check_count),
    Keyword::parse("fastinter", check_time),
    Keyword::not_yet("force-sslv3"),
    Keyword::not_yet("force-tlsv10"),
    Keyword::not_yet("force-tlsv11"),
    Keyword::not_yet("force-tlsv12"),
    Keyword::not_yet("force-tlsv13"),
    Keyword::parse("id", id),
    Keyword::parse("init-addr", init_addr),
    Keyword::parse("inter", check_time),
    Keyword::parse("log-proto", log_proto),
    Keyword::parse("max-reuse", int_opt),
    Keyword::parse("maxconn", count),
    Keyword::parse("maxqueue", count),
    Keyword::parse("minconn", count),
    Keyword::parse("namespace", namespace),
    Keyword::parse("no-agent-check", flag),
    Keyword::parse("no-backup", flag),
    Keyword::parse("no-check", flag),
    Keyword::parse("no-check-send-proxy", flag),
    Keyword::not_yet("no-check-ssl"),
    Keyword::parse("no-send-proxy", flag),
    Keyword::parse("no-send-proxy-v2", flag),
    Keyword::parse("no-send-proxy-v2-ssl", flag),
    Keyword::parse("no-send-proxy-v2-ssl-cn", flag),
    Keyword::not_yet("no-ssl"),
    Keyword::not_yet("no-ssl-reuse"),
    Keyword::not_yet("no-sslv3"),
    Keyword::parse("no-tfo", flag),
    Keyword::not_yet("no-tls-tickets"),
    Keyword::not_yet("no-tlsv10"),
    Keyword::not_yet("no-tlsv11"),
    Keyword::not_yet("no-tlsv12"),
    Keyword::not_yet("no-tlsv13"),
    Keyword::parse("non-stick", flag),
    Keyword::not_yet("npn"),
    Keyword::parse("observe", observe),
    Keyword::parse("on-error", on_error),
    Keyword::parse("on-marked-down", on_marked),
    Keyword::parse("on-marked-up", on_marked),
    Keyword::parse("pool-low-conn", int_opt),
    Keyword::parse("pool-max-conn", int_opt),
    Keyword::parse("pool-purge-delay", pool_purge_delay),
    Keyword::parse("port", check_port),
    Keyword::not_yet("proto"),
    Keyword::parse("proxy-v2-options", proxy_v2_options),
    Keyword::parse("redir", redir),
    Keyword::parse("resolve-net", resolve_net),
    Keyword::parse("resolve-opts", resolve_opts),
    Keyword::parse("resolve-prefer", resolve_prefer),
    Keyword::parse("resolvers", resolvers),
    Keyword::parse("rise", check_count),
    Keyword::parse("send-proxy", flag),
    Keyword::parse("send-proxy-v2", flag),
    Keyword::parse("send-proxy-v2-ssl", flag),
    Keyword::parse("send-proxy-v2-ssl-cn", flag),
    Keyword::parse("slowstart", slowstart),
    Keyword::not_yet("sni"),
    Keyword::not_yet("socks4"),
    Keyword::parse("source", source),
    Keyword::not_yet("ssl"),
    Keyword::not_yet("ssl-max-ver"),
    Keyword::not_yet("ssl-min-ver"),
    Keyword::not_yet("ssl-reuse"),
    Keyword::parse("stick", flag),
    Keyword::not_yet_checked("tcp-ut", tcp_ut),
    Keyword::parse("tfo", flag),
    Keyword::not_yet("tls-tickets"),
    Keyword::parse("track", track),
    Keyword::parse("usesrc", usesrc),
    Keyword::not_yet("verify"),
    Keyword::not_yet("verifyhost"),
    Keyword::parse("weight", weight),
    Keyword::parse("ws", ws),
];

/// How many arguments a server option takes (HAProxy's `skip`; `source` is variable).
pub fn arity(name: &str) -> usize {
    match name {
        "backup"
        | "disabled"
        | "enabled"
        | "no-backup"
        | "no-send-proxy"
        | "no-send-proxy-v2"
        | "no-tfo"
        | "non-stick"
        | "send-proxy"
        | "send-proxy-v2"
        | "stick"
        | "tfo"
        | "usesrc"
        | "agent-check"
        | "check"
        | "check-send-proxy"
        | "check-via-socks4"
        | "no-agent-check"
        | "no-check"
        | "no-check-send-proxy"
        | "allow-0rtt"
        | "check-ssl"
        | "force-sslv3"
        | "force-tlsv10"
        | "force-tlsv11"
        | "force-tlsv12"
        | "force-tlsv13"
        | "no-check-ssl"
        | "no-send-proxy-v2-ssl"
        | "no-send-proxy-v2-ssl-cn"
        | "no-ssl"
        | "no-ssl-reuse"
        | "no-sslv3"
        | "no-tlsv10"
        | "no-tlsv11"
        | "no-tlsv12"
        | "no-tlsv13"
        | "no-tls-tickets"
        | "send-proxy-v2-ssl"
        | "send-proxy-v2-ssl-cn"
        | "ssl"
        | "ssl-reuse"
        | "tls-tickets" => 0,
        _ => 1,
    }
}

/// Options refused on `default-server` lines.
pub(super) fn default_ok(name: &str) -> bool {
    !matches!(
        name,
        "id" | "no-sslv3" | "no-tlsv10" | "no-tlsv11" | "no-tlsv12" | "no-tlsv13"
    )
}

/// Options HAProxy refuses on servers added at run time (its `dynamic_ok` of 0).
pub(super) fn dynamic_ok(name: &str) -> bool {
    !matches!(
        name,
        "cookie"
            | "init-addr"
            | "log-proto"
            | "max-reuse"
            | "namespace"
            | "non-stick"
            | "redir"
            | "resolve-net"
            | "resolve-opts"
            | "resolve-prefer"
            | "resolvers"
            | "stick"
            | "socks4"
            | "no-agent-check"
            | "no-check"
            | "no-check-send-proxy"
            | "no-check-ssl"
            | "no-send-proxy-v2-ssl"
            | "no-send-proxy-v2-ssl-cn"
            | "no-ssl"
            | "ssl-reuse"
            | "tcp-ut"
    )
}

fn arg<'a>(cx: &Cx<'a>) -> &'a str {
    cx.arg(0).unwrap_or_default()
}

fn flag(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let s = &mut sb.settings;
    match cx.keyword() {
        "backup" => s.backup = true,
        "no-backup" => s.backup = false,
        "disabled" => s.disabled = true,
        "enabled" => s.disabled = false,
        "no-check" => s.check.enabled = false,
        "check-send-proxy" => s.check.send_proxy = true,
        "no-check-send-proxy" => s.check.send_proxy = false,
        "no-agent-check" => s.check.agent.enabled = false,
        "send-proxy" => s.send_proxy = true,
        "no-send-proxy" => s.send_proxy = false,
        "send-proxy-v2" => s.send_proxy_v2 = true,
        "no-send-proxy-v2" => s.send_proxy_v2 = false,
        // The SSL TLV describes the client connection: with no TLS on it, HAProxy sends
        // it with only "not SSL" and verify 0, and so does Rampart.
        "send-proxy-v2-ssl" => (s.send_proxy_v2, s.proxy_v2_options.ssl) = (true, true),
        "send-proxy-v2-ssl-cn" => {
            s.send_proxy_v2 = true;
            (s.proxy_v2_options.ssl, s.proxy_v2_options.cert_cn) = (true, true);
        }
        "no-send-proxy-v2-ssl" => (s.send_proxy_v2, s.proxy_v2_options.ssl) = (false, false),
        "no-send-proxy-v2-ssl-cn" => {
            s.send_proxy_v2 = false;
            (s.proxy_v2_options.ssl, s.proxy_v2_options.cert_cn) = (false, false);
        }
        "tfo" => s.tfo = true,
        "no-tfo" => s.tfo = false,
        "non-stick" => s.non_stick = true,
        _ => s.non_stick = false,
    }
    Ok(())
}

/// `cookie <value>`: the server's persistence cookie value.
fn cookie(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    if v.is_empty() {
        return Err("'cookie' expects <value> as argument.\n".into());
    }
    sb.settings.cookie = Some(v.to_string());
    Ok(())
}

/// `redir <prefix>`: GET and HEAD requests for the server get a 302 to the prefix.
fn redir(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    if v.is_empty() {
        return Err("'redir' expects <prefix> as argument.\n".into());
    }
    sb.settings.redir = Some(v.to_string());
    Ok(())
}

fn weight(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let w = atol(arg(cx)) as i32;
    if !(0..=256).contains(&w) {
        return Err(format!(
            "weight of server {} is not within 0 and 256 ({w}).",
            sb.name.as_deref().unwrap_or("")
        ));
    }
    sb.settings.weight = w as u32;
    Ok(())
}

fn count(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = atol(arg(cx)).clamp(0, i64::from(u32::MAX)) as u32;
    match cx.keyword() {
        "maxconn" => sb.settings.maxconn = v,
        "maxqueue" => sb.settings.maxqueue = v,
        _ => sb.settings.minconn = v,
    }
    Ok(())
}

fn int_opt(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err(format!("'{kw}' expects <value> as argument.\n"));
    };
    let n = i64::from(atol(v) as i32);
    match kw {
        "max-reuse" => sb.settings.max_reuse = Some(n),
        "pool-low-conn" => sb.settings.pool_low_conn = Some(n),
        _ => {
            if n < -1 {
                return Err(format!("'{kw}' must be >= -1"));
            }
            sb.settings.pool_max_conn = Some(n);
        }
    }
    Ok(())
}

fn id(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'id' : expects an integer argument".into());
    };
    let n = atol(v) as i32;
    if n <= 0 {
        return Err("'id' : custom id has to be > 0".into());
    }
    let n = n as u32;
    if let Some((_, loc, name)) = sb.used_ids.iter().find(|(u, _, _)| *u == n) {
        return Err(format!(
            "'id' : custom id {n} already used at {loc} ('server {name}')"
        ));
    }
    sb.id = Some(n);
    Ok(())
}

fn init_addr(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let mut methods = Vec::new();
    let mut have_ip = false;
    for m in arg(cx).split(',').filter(|m| !m.is_empty()) {
        let method = match m {
            "libc" => InitAddr::Libc,
            "last" => InitAddr::Last,
            "none" => InitAddr::None,
            _ => match addr::literal_ip(m, None) {
                Some(ip) => {
                    if have_ip {
                        return Err(format!(
                            "'init-addr' : initial address already specified, cannot add '{m}'."
                        ));
                    }
                    have_ip = true;
                    InitAddr::Ip(ip)
                }
                None => {
                    return Err(format!(
                        "'init-addr' : unknown init-addr method '{m}', supported methods are 'libc', 'last', 'none'."
                    ))
                }
            },
        };
        if methods.len() >= 10 {
            return Err(format!(
                "'init-addr' : too many init-addr methods when trying to add '{m}'"
            ));
        }
        methods.push(method);
    }
    sb.settings.init_addr = Some(methods);
    Ok(())
}

fn log_proto(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    if v != "legacy" && v != "octet-count" {
        return Err(format!(
            "'log-proto' expects one of 'legacy' or 'octet-count' but got '{v}'"
        ));
    }
    sb.settings.log_proto = Some(v.to_string());
    Ok(())
}

fn namespace(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'namespace' : expects <name> as argument".into());
    };
    if !sb.resolver.namespace_exists(v) {
        return Err(format!("Cannot open namespace '{v}'"));
    }
    sb.settings.namespace = Some(v.to_string());
    Ok(())
}

fn observe(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    match v {
        "" => return Err("'observe' expects <mode> as argument.\n".into()),
        "none" | "layer4" => {}
        "layer7" => {
            if !sb.mode_http {
                // HAProxy reports an alert here without failing the configuration.
                cx.warn(format!(
                    "{}'layer7' can only be used in http proxies..",
                    sb.ctx
                ));
                return Ok(());
            }
        }
        _ => {
            return Err(format!(
                "'observe' expects one of 'none', 'layer4', 'layer7' but got '{v}'\n"
            ))
        }
    }
    sb.settings.observe = Some(v.to_string());
    Ok(())
}

fn on_error(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    if !matches!(v, "fastinter" | "fail-check" | "sudden-death" | "mark-down") {
        return Err(format!(
            "'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '{v}'"
        ));
    }
    sb.settings.on_error = Some(v.to_string());
    Ok(())
}

fn on_marked(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let v = arg(cx);
    let want = if kw == "on-marked-down" {
        "shutdown-sessions"
    } else {
        "shutdown-backup-sessions"
    };
    if v != want {
        return Err(format!("'{kw}' expects '{want}' but got '{v}'"));
    }
    if kw == "on-marked-down" {
        sb.settings.on_marked_down = Some(v.to_string());
    } else {
        sb.settings.on_marked_up = Some(v.to_string());
    }
    Ok(())
}

fn error_limit(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'error-limit' expects an integer argument.".into());
    };
    let n = atol(v) as i32;
    if n <= 0 {
        return Err("error-limit has to be > 0.".into());
    }
    sb.settings.error_limit = Some(n as u32);
    Ok(())
}

fn time_err(e: TimeError, v: &str, kw: &str, srv: &str) -> String {
    match e {
        TimeError::Overflow => format!(
            "timer overflow in argument <{v}> to <{kw}> of server {srv}, maximum value is 2147483647 ms (~24.8 days)."
        ),
        TimeError::Underflow => format!(
            "timer underflow in argument <{v}> to <{kw}> of server {srv}, minimum non-null value is 1 ms."
        ),
        // HAProxy names 'agent-inter' for all four intervals.
        TimeError::UnexpectedChar(c) => {
            format!("unexpected character '{c}' in 'agent-inter' argument of server {srv}.")
        }
        TimeError::Missing => format!("'{kw}' expects a delay as argument."),
    }
}

fn check_time(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let srv = sb.name.clone().unwrap_or_default();
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err(format!("'{kw}' expects a delay as argument."));
    };
    let ms = crate::proxy::timeout::parse_ms(cx, v).map_err(|e| time_err(e, v, kw, &srv))?;
    if ms == 0 {
        return Err(format!(
            "invalid value 0 for argument '{kw}' of server {srv}."
        ));
    }
    let c = &mut sb.settings.check;
    match kw {
        "inter" => c.inter = ms,
        "fastinter" => c.fastinter = Some(ms),
        _ => c.downinter = Some(ms),
    }
    Ok(())
}

fn check_count(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err(format!("'{kw}' expects an integer argument."));
    };
    let n = atol(v) as i32;
    if n <= 0 {
        return Err(format!("'{kw}' has to be > 0."));
    }
    if kw == "rise" {
        sb.settings.check.rise = n as u32;
    } else {
        sb.settings.check.fall = n as u32;
    }
    Ok(())
}

fn check(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if !sb.has_be {
        cx.warn(format!(
            "'check' ignored because {} '{}' has no backend capability",
            sb.proxy_type, sb.proxy_name
        ));
        return Ok(());
    }
    sb.settings.check.enabled = true;
    Ok(())
}

/// `agent-check`, `agent-port`, `agent-inter`, `agent-send`, `agent-addr`.
fn agent(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    let v = cx.arg(0).unwrap_or("");
    let a = &mut sb.settings.check.agent;
    match kw {
        "agent-check" => {
            if !sb.has_be {
                cx.warn(format!(
                    "'agent-check' ignored because {} '{}' has no backend capability",
                    sb.proxy_type, sb.proxy_name
                ));
                return Ok(());
            }
            a.enabled = true;
        }
        "agent-port" => {
            if v.is_empty() {
                return Err(format!("'{kw}' expects a port number as argument."));
            }
            a.port = Some(atol(v) as u32);
        }
        "agent-send" => {
            if v.is_empty() {
                return Err(format!("'{kw}' expects a string as argument."));
            }
            a.send = Some(v.to_string());
        }
        "agent-addr" => {
            if v.is_empty() {
                return Err(format!("'{kw}' expects an address as argument."));
            }
            let ip = addr::literal_ip(v, None).ok_or_else(|| {
                format!("parsing agent-addr failed. Check if '{v}' is correct address.")
            })?;
            a.addr = Some(ip);
        }
        _ => {
            let srv = sb.name.clone().unwrap_or_default();
            if v.is_empty() {
                return Err(format!("'{kw}' expects a delay as argument."));
            }
            let ms =
                crate::proxy::timeout::parse_ms(cx, v).map_err(|e| time_err(e, v, kw, &srv))?;
            if ms == 0 {
                return Err(format!(
                    "invalid value 0 for argument '{kw}' of server {srv}."
                ));
            }
            sb.settings.check.agent.inter = Some(ms);
        }
    }
    Ok(())
}

/// `track [<backend>/]<server>` (resolved after parsing).
fn track(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = cx.arg(0).unwrap_or("");
    if v.is_empty() {
        return Err("'track' expects [<proxy>/]<server> as argument.\n".into());
    }
    sb.settings.check.track = Some(v.to_string());
    Ok(())
}

fn check_port(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'port' expects a port number as argument.".into());
    };
    sb.settings.check.port = Some(atol(v) as u32);
    Ok(())
}

fn check_addr(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'addr' expects <ipv4|ipv6> as argument.".into());
    };
    let a = addr::parse(v, &AddrOpts::SOURCE, &sb.resolver).map_err(|e| format!("'addr' : {e}"))?;
    sb.settings.check.addr = Some(a);
    Ok(())
}

fn pool_purge_delay(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'pool-purge-delay' expects <value> as argument.\n".into());
    };
    let ms = crate::proxy::timeout::parse_ms(cx, v).map_err(|e| match e {
        TimeError::Overflow => format!("timer overflow in argument '{v}' to 'pool-purge-delay' (maximum value is 2147483647 ms or ~24.8 days)"),
        TimeError::Underflow => format!("timer underflow in argument '{v}' to 'pool-purge-delay' (minimum non-null value is 1 ms)"),
        TimeError::UnexpectedChar(c) => format!("unexpected character '{c}' in argument to <pool-purge-delay>.\n"),
        TimeError::Missing => "'pool-purge-delay' expects <value> as argument.\n".into(),
    })?;
    sb.settings.pool_purge_delay = Some(ms);
    Ok(())
}

fn proxy_v2_options(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let o = &mut sb.settings.proxy_v2_options;
    for p in arg(cx).split(',') {
        match p {
            "ssl" => o.ssl = true,
            "cert-cn" => (o.ssl, o.cert_cn) = (true, true),
            "cert-key" => (o.ssl, o.cert_key) = (true, true),
            "cert-sig" => (o.ssl, o.cert_sig) = (true, true),
            "ssl-cipher" => (o.ssl, o.ssl_cipher) = (true, true),
            "authority" => o.authority = true,
            "crc32c" => o.crc32c = true,
            "unique-id" => o.unique_id = true,
            _ => return Err(format!("'{p}' : proxy v2 option not implemented")),
        }
    }
    Ok(())
}

fn resolvers(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    sb.settings.resolvers = Some(arg(cx).to_string());
    Ok(())
}

fn resolve_net(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    if v.is_empty() {
        return Err("'resolve-net' expects a list of networks.".into());
    }
    for n in v.split(',').filter(|n| !n.is_empty()) {
        if sb.settings.resolve_net.len() >= 5 {
            return Err("'resolve-net' exceed 5 networks.".into());
        }
        let net = parse_net(n, &HostResolver::none())
            .ok_or_else(|| format!("'resolve-net' invalid network '{n}'."))?;
        sb.settings.resolve_net.push(net);
    }
    Ok(())
}

fn resolve_opts(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    for p in arg(cx).split(',').filter(|p| !p.is_empty()) {
        match p {
            "allow-dup-ip" => sb.settings.resolve_allow_dup_ip = true,
            "ignore-weight" => sb.settings.resolve_ignore_weight = true,
            "prevent-dup-ip" => sb.settings.resolve_allow_dup_ip = false,
            _ => {
                return Err(format!(
                    "'resolve-opts' : unknown resolve-opts option '{p}', supported methods are 'allow-dup-ip', 'ignore-weight', and 'prevent-dup-ip'."
                ))
            }
        }
    }
    Ok(())
}

fn resolve_prefer(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    sb.settings.resolve_prefer = Some(match arg(cx) {
        "ipv4" => IpFamily::V4,
        "ipv6" => IpFamily::V6,
        _ => return Err("'resolve-prefer' expects either ipv4 or ipv6 as argument.".into()),
    });
    Ok(())
}

fn slowstart(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    let srv = sb.name.clone().unwrap_or_default();
    let ms = crate::proxy::timeout::parse_ms(cx, v).map_err(|e| match e {
        TimeError::Overflow => format!("overflow in argument <{v}> to <slowstart> of server {srv}, maximum value is 2147483647 ms (~24.8 days)."),
        TimeError::Underflow => format!("underflow in argument <{v}> to <slowstart> of server {srv}, minimum non-null value is 1 ms."),
        TimeError::UnexpectedChar(c) => format!("unexpected character '{c}' in 'slowstart' argument of server {srv}."),
        TimeError::Missing => format!("unexpected character '\0' in 'slowstart' argument of server {srv}."),
    })?;
    sb.settings.slowstart = ms.div_ceil(1000);
    Ok(())
}

fn tcp_ut(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0).filter(|v| !v.is_empty()) else {
        return Err("'tcp-ut' : missing TCP User Timeout value".into());
    };
    let ms = crate::proxy::timeout::parse_ms(cx, v).map_err(|e| match e {
        TimeError::Overflow => format!("timer overflow in argument '{v}' to 'tcp-ut' (maximum value is 2147483647 ms or ~24.8 days)"),
        TimeError::Underflow => format!("timer underflow in argument '{v}' to 'tcp-ut' (minimum non-null value is 1 ms)"),
        _ => "'tcp-ut' : expects a positive delay in milliseconds".into(),
    })?;
    sb.settings.tcp_ut = Some(ms);
    Ok(())
}

fn ws(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = arg(cx);
    if !matches!(v, "auto" | "h1" | "h2") {
        return Err("'ws' has to be 'auto', 'h1' or 'h2'".into());
    }
    sb.settings.ws = Some(v.to_string());
    Ok(())
}

fn usesrc(_sb: &mut ServerBuilder, _cx: &mut Cx<'_>) -> Result<(), String> {
    Err("'usesrc' only allowed after a 'source' statement.".into())
}

fn source(sb: &mut ServerBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let mut all: Vec<&str> = cx.args().iter().map(String::as_str).collect();
    all.extend(sb.rest.iter().map(String::as_str));
    if all.first().is_none_or(|a| a.is_empty()) {
        return Err("'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument.\n".into());
    }
    let (src, used) = parse_source(&all, Some("server"), &sb.resolver)?;
    sb.extra = used.saturating_sub(1);
    sb.settings.source = Some(src);
    Ok(())
}

/// `source` arguments (address, then `usesrc` / `interface` pairs). Returns the source and
/// the number of arguments consumed; on server lines an unknown word ends the statement.
pub(crate) fn parse_source(
    args: &[&str],
    line_kw: Option<&str>,
    resolver: &HostResolver,
) -> Result<(Source, usize), String> {
    let server = line_kw.is_some();
    let a0 = args.first().copied().unwrap_or_default();
    let opts = AddrOpts {
        port_range: server,
        ..AddrOpts::SOURCE
    };
    let addr = addr::parse(a0, &opts, resolver).map_err(|e| format!("'source {a0}' : {e}"))?;
    let mut src = Source {
        addr,
        usesrc: None,
        interface: None,
    };
    let mut i = 1;
    while let Some(&w) = args.get(i) {
        match w {
            "usesrc" => {
                let v = args.get(i + 1).copied().unwrap_or_default();
                if v.is_empty() {
                    return Err(if server {
                        "'usesrc' expects <addr>[:<port>], 'client', 'clientip', or 'hdr_ip(name,#)' as argument.".into()
                    } else {
                        "'usesrc' expects <addr>[:<port>], 'client', or 'clientip' as argument."
                            .into()
                    });
                }
                src.usesrc = Some(match v {
                    "client" => UseSrc::Client,
                    "clientip" => UseSrc::ClientIp,
                    _ if v.starts_with("hdr_ip(") => hdr_ip(&v[7..])?,
                    _ => UseSrc::Addr(
                        addr::parse(v, &AddrOpts::SOURCE, resolver)
                            .map_err(|e| format!("'usesrc {v}' : {e}"))?,
                    ),
                });
                i += 2;
            }
            "interface" => {
                let v = args.get(i + 1).copied().unwrap_or_default();
                if v.is_empty() {
                    return Err(format!(
                        "'{}' : missing interface name.",
                        line_kw.unwrap_or("source")
                    ));
                }
                src.interface = Some(v.to_string());
                i += 2;
            }
            _ => break,
        }
    }
    Ok((src, i))
}

/// `hdr_ip(<name>[,<occ>])`.
fn hdr_ip(s: &str) -> Result<UseSrc, String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| c.is_whitespace() || c == ',' || c == ')')
        .unwrap_or(s.len());
    let name = s[..end].to_string();
    let rest = s[end..].trim_start();
    let occ = match rest.strip_prefix(',') {
        Some(n) => {
            let digits: String = n
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            atol(&digits)
        }
        None => -1,
    };
    if occ < -10 {
        return Err(
            "usesrc hdr_ip(name,num) does not support negative occurrences values smaller than 10."
                .into(),
        );
    }
    Ok(UseSrc::HdrIp { name, occ })
}
