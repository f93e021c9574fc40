//! `timeout <name> <time>` in proxy sections (configuration manual 4.2 `timeout *`;
//! HAProxy's `proxy_parse_timeout`), plus the obsolete `clitimeout`, `contimeout` and
//! `srvtimeout` with HAProxy's removal messages. Values use `rampart_config::units`
//! (milliseconds by default, at most 2147483647 ms).

use super::{Cap, ProxiesBuilder};
use crate::kw::{Cx, Keyword};
use rampart_config::units::{parse_time, TimeError, TimeUnit};

/// Every proxy timeout in milliseconds; 0 means not set (HAProxy's `TICK_ETERNITY`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub client: u32,
    pub client_fin: u32,
    pub server: u32,
    pub server_fin: u32,
    pub connect: u32,
    pub queue: u32,
    pub tunnel: u32,
    pub http_request: u32,
    pub http_keep_alive: u32,
    pub check: u32,
    pub tarpit: u32,
}

/// The names `timeout` accepts, each with the capability it needs.
pub static TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::parse("check", set),
    Keyword::parse("client", set),
    Keyword::parse("client-fin", set),
    Keyword::parse("connect", set),
    Keyword::parse("http-keep-alive", set),
    Keyword::parse("http-request", set),
    Keyword::parse("queue", set),
    Keyword::parse("server", set),
    Keyword::parse("server-fin", set),
    Keyword::parse("tarpit", set),
    Keyword::parse("tunnel", set),
];

/// Selects one timeout field.
type Field = fn(&mut Timeouts) -> &mut u32;

/// The field and capability of a timeout name.
fn slot(name: &str) -> Option<(Field, Cap)> {
    Some(match name {
        "client" => (|t| &mut t.client, Cap::Fe),
        "client-fin" => (|t| &mut t.client_fin, Cap::Fe),
        "server" => (|t| &mut t.server, Cap::Be),
        "server-fin" => (|t| &mut t.server_fin, Cap::Be),
        "connect" => (|t| &mut t.connect, Cap::Be),
        "check" => (|t| &mut t.check, Cap::Be),
        "queue" => (|t| &mut t.queue, Cap::Be),
        "tunnel" => (|t| &mut t.tunnel, Cap::Be),
        "tarpit" => (|t| &mut t.tarpit, Cap::Any),
        "http-keep-alive" => (|t| &mut t.http_keep_alive, Cap::Any),
        "http-request" => (|t| &mut t.http_request, Cap::Any),
        _ => return None,
    })
}

/// The `timeout` keyword.
pub(crate) fn timeout(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    match crate::kw::lookup(TABLE, name) {
        Some(k) => {
            super::apply(b, cx, &k.status, k.name);
            Ok(())
        }
        None => Err(format!(
            "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '{name}')"
        )),
    }
}

fn set(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let name = cx.arg(0).unwrap_or_default();
    let Some((field, cap)) = slot(name) else {
        return Err(format!("'timeout' does not support '{name}'"));
    };
    let Some(value) = cx.arg(1) else {
        return Err(format!(
            "'timeout {name}' expects an integer value (in milliseconds)"
        ));
    };
    let ms = parse_ms(cx, value).map_err(|e| match e {
        TimeError::Overflow => format!(
            "timer overflow in argument '{value}' to 'timeout {name}' (maximum value is 2147483647 ms or ~24.8 days)"
        ),
        TimeError::Underflow => format!(
            "timer underflow in argument '{value}' to 'timeout {name}' (minimum non-null value is 1 ms)"
        ),
        TimeError::UnexpectedChar(c) => format!("unexpected character '{c}' in 'timeout {name}'"),
        TimeError::Missing => format!("'timeout {name}' expects an integer value (in milliseconds)"),
    })?;
    if let Some(extra) = cx.arg(2) {
        return Err(format!(
            "'timeout {name}' : unexpected extra argument '{extra}' after value '{value}'."
        ));
    }
    let p = b.cur();
    let has = match cap {
        Cap::Fe => p.is_fe(),
        Cap::Be => p.is_be(),
        Cap::Any => true,
    };
    if !has {
        cx.warn(format!(
            "'timeout {name}' will be ignored because {} '{}' has no {} capability",
            p.kind.type_str(),
            p.name,
            if cap == Cap::Be {
                "backend"
            } else {
                "frontend"
            }
        ));
    } else {
        let mut cur = b.cur().timeouts;
        let mut def = b.defpx().timeouts;
        if *field(&mut cur) != *field(&mut def) {
            cx.warn(format!(
                "overwriting 'timeout {name}' which was already specified"
            ));
        }
    }
    *field(&mut b.px().timeouts) = ms;
    Ok(())
}

/// A time in milliseconds. HAProxy 2.6 accepts trailing characters after a unit (`10sx`)
/// with a warning not tied to a line; so do we.
pub(crate) fn parse_ms(cx: &mut Cx<'_>, value: &str) -> Result<u32, TimeError> {
    parse_unit(cx, value, TimeUnit::Ms)
}

/// The same for values counted in seconds by default.
pub(crate) fn parse_s(cx: &mut Cx<'_>, value: &str) -> Result<u32, TimeError> {
    parse_unit(cx, value, TimeUnit::S)
}

fn parse_unit(cx: &mut Cx<'_>, value: &str, unit: TimeUnit) -> Result<u32, TimeError> {
    let t = parse_time(value, unit)?;
    if let Some(c) = t.trailing {
        cx.diags.push(rampart_config::Diagnostic::warning(
            None,
            format!(
                "unexpected character '{c}' after the timer value '{value}', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."
            ),
        ));
    }
    Ok(t.value)
}

#[cfg(test)]
mod tests {
    use crate::proxy::testutil::*;

    #[test]
    fn every_timeout_is_stored() {
        let r = run("defaults\n timeout client 1s\n timeout client-fin 2s\n timeout server 3s\n timeout server-fin 4s\n timeout connect 5s\n timeout queue 6s\n timeout tunnel 1h\n timeout http-request 7s\n timeout http-keep-alive 8s\n timeout check 9s\n timeout tarpit 10s\nlisten l\n bind :80\n");
        let t = r.proxy("l").timeouts;
        assert_eq!(
            (
                t.client,
                t.client_fin,
                t.server,
                t.server_fin,
                t.connect,
                t.queue,
                t.tunnel
            ),
            (1000, 2000, 3000, 4000, 5000, 6000, 3_600_000)
        );
        assert_eq!(
            (t.http_request, t.http_keep_alive, t.check, t.tarpit),
            (7000, 8000, 9000, 10000)
        );
        assert!(r.clean());
    }

    #[test]
    fn timeout_errors() {
        let r = run("defaults\n timeout foo 1s\n");
        assert!(r.has_alert("'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'foo')"));
        let r = run("defaults\n timeout client\n");
        assert!(r.has_alert("'timeout client' expects an integer value (in milliseconds)"));
        let r = run("defaults\n timeout client 25d\n");
        assert!(r.has_alert("timer overflow in argument '25d' to 'timeout client' (maximum value is 2147483647 ms or ~24.8 days)"));
        // HAProxy rounds sub-millisecond values up to 1 ms.
        let r = run("defaults\n timeout client 10us\n");
        assert!(!r.has_alert("timer underflow in argument '10us' to 'timeout client' (minimum non-null value is 1 ms)"));
        let r = run("defaults\n timeout client 10x\n");
        assert!(r.has_alert("unexpected character 'x' in 'timeout client'"));
        let r = run("defaults\n timeout client 10sx\n");
        assert!(r.has_warning("unexpected character 'x' after the timer value '10sx', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."));
        let r = run("defaults\n timeout client 10s 5\n");
        assert!(r.has_alert("'timeout client' : unexpected extra argument '5' after value '10s'."));
        let r = run("defaults\n clitimeout 10s\n");
        assert!(r.has_alert("the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'."));
    }

    #[test]
    fn capability_and_overwrite_warnings() {
        let r = run("frontend f\n bind :80\n timeout server 3s\n");
        assert!(r.has_warning(
            "'timeout server' will be ignored because frontend 'f' has no backend capability"
        ));
        let r = run(
            "defaults\n timeout server 1s\nbackend b\n timeout server 3s\n timeout server 4s\n",
        );
        assert!(r.has_warning("overwriting 'timeout server' which was already specified"));
        assert_eq!(r.proxy("b").timeouts.server, 4000);
        let r = run("defaults\n timeout server 1s\nbackend b\n timeout server 3s\n");
        assert!(r.clean());
    }
}
