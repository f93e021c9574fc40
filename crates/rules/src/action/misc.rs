//! The other actions' arguments, as their HAProxy parsers read them: `capture`
//! (`http_act.c`), `set-src`/`set-dst` and their ports, `set-mark`, `set-tos`
//! (`tcp_act.c`), `set-nice`, `set-log-level`, `use-service` (`stream.c`),
//! `set-priority-*` (`queue.c`), `set-timeout` (`action.c`), `wait-for-body`,
//! `strict-mode`, `auth`, `set-status`, and the replies of `deny`, `tarpit` and
//! `return`.

use super::{arg, is_cond, ActCx, ActError, ErrKind, RuleSet};
use crate::expr::Expr;
use crate::fetch::place::Ckp;
use crate::reply::{parse_reply, Reply};
use rampart_config::units::{parse_time, TimeError, TimeUnit};
use rampart_core::cnum::{atoi, strtol, Base};

/// A capture slot an action fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureSlot {
    /// A response slot (`capture response header`, `http-response capture`).
    pub response: bool,
    /// The slot: for `capture ... len`, the one the action declared; for `id`, the
    /// index among the frontend's declared slots (checked by the model once all are
    /// known: "unable to find capture id ...").
    pub index: usize,
    /// The slot's length when the action declared it (`len`); the value is already cut
    /// to it. With `id`, the orchestrator cuts to the declared slot's length.
    pub len: Option<usize>,
    /// Declared by `id`.
    pub by_id: bool,
}

/// `set-log-level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// `silent`: the stream is not logged.
    Silent,
    /// `emerg` (0) to `debug` (7).
    Level(u8),
}

/// `set-timeout server|tunnel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutKind {
    Server,
    Tunnel,
}

/// `set-timeout`'s value.
#[derive(Debug)]
pub enum TimeoutValue {
    Const(u32),
    Expr(Expr),
}

/// `set-src`, `set-src-port`, `set-dst`, `set-dst-port`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrPart {
    Src,
    SrcPort,
    Dst,
    DstPort,
}

/// `capture <expr> len <n> | id <n>` (request) or `capture <expr> id <n>` (response).
pub(crate) fn parse_capture(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    cx: &mut ActCx<'_>,
) -> Result<(Expr, CaptureSlot), ActError> {
    let res = set.is_response();
    let start = *idx;
    let mut n = 0;
    while n < 3 && !arg(words, start + n).is_empty() && !is_cond(arg(words, start + n)) {
        n += 1;
    }
    if n < 3 {
        return Err(if res {
            "expects <expression> id <idx>"
        } else {
            "expects <expression> [ 'len' <length> | id <idx> ]"
        }
        .into());
    }
    let mut i = start;
    let (expr, _) = cx.expr(words, &mut i)?;
    let place = if res { Ckp::FeHrsHdr } else { Ckp::FeHrqHdr };
    if !expr.fetch.uses.valid_at().contains(place) {
        return Err(format!(
            "fetch method '{}' extracts information from '{}', none of which is available here",
            arg(words, i - 1),
            expr.fetch.uses.names()
        )
        .into());
    }
    let w = arg(words, i);
    if w.is_empty() {
        return Err(if res {
            "expects 'id'"
        } else {
            "expects 'len or 'id'"
        }
        .into());
    }
    let slot = if w == "len" && !res {
        if !cx.frontend {
            return Err(format!("proxy '{}' has no frontend capability", cx.proxy).into());
        }
        let len = atoi(arg(words, i + 1));
        if len <= 0 {
            return Err("length must be > 0".into());
        }
        i += 2;
        let index = cx.req_captures;
        cx.req_captures += 1;
        CaptureSlot {
            response: false,
            index,
            len: Some(len as usize),
            by_id: false,
        }
    } else if w == "id" {
        let s = arg(words, i + 1);
        let (id, used) = strtol(s, Base::Ten);
        if used < s.len() {
            return Err(format!("cannot parse id '{s}'").into());
        }
        i += 2;
        CaptureSlot {
            response: res,
            index: id as i32 as usize,
            len: None,
            by_id: true,
        }
    } else if res {
        return Err(format!("expects 'id', found '{w}'").into());
    } else {
        return Err(format!("expects 'len' or 'id', found '{w}'").into());
    };
    *idx = i;
    Ok((expr, slot))
}

/// `set-src <expr>` and the others: one word is taken whatever the expression used.
pub(crate) fn parse_addr(
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<Expr, ActError> {
    let mut i = *idx;
    let (expr, _) = cx.expr(words, &mut i)?;
    cx.check_fetch(&expr, RuleSet::HttpRequest, arg(words, i - 1))?;
    *idx += 1;
    Ok(expr)
}

/// `set-priority-class <expr>`, `set-priority-offset <expr>`.
pub(crate) fn parse_priority(
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<Expr, ActError> {
    let word = arg(words, idx.wrapping_sub(1));
    let (expr, _) = cx.expr(words, idx)?;
    cx.check_fetch(&expr, RuleSet::HttpRequest, word)?;
    Ok(expr)
}

/// `set-mark <n>` (unsigned) and `set-tos <n>`: C numbers in any base, nothing after.
pub(crate) fn parse_number(words: &[&str], idx: &mut usize) -> Result<i64, ActError> {
    let s = arg(words, *idx);
    if s.is_empty() {
        return Err("expects exactly 1 argument (integer/hex value)".into());
    }
    let (v, used) = strtol(s, Base::Auto);
    if used < s.len() {
        return Err(format!(
            "invalid character starting at '{}' (integer/hex value expected)",
            &s[used..]
        )
        .into());
    }
    *idx += 1;
    Ok(v)
}

pub(crate) fn parse_nice(words: &[&str], idx: &mut usize) -> Result<i32, ActError> {
    let s = arg(words, *idx);
    if s.is_empty() {
        return Err("expects exactly 1 argument (integer value)".into());
    }
    *idx += 1;
    Ok(atoi(s).clamp(-1024, 1024))
}

pub(crate) fn parse_log_level(words: &[&str], idx: &mut usize) -> Result<LogLevel, ActError> {
    const LEVELS: [&str; 8] = [
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
    ];
    let s = arg(words, *idx);
    let level = if s == "silent" {
        LogLevel::Silent
    } else if let Some(l) = LEVELS.iter().position(|l| *l == s) {
        LogLevel::Level(l as u8)
    } else {
        return Err("expects exactly 1 argument (log level name or 'silent')".into());
    };
    *idx += 1;
    Ok(level)
}

/// A service of `http-request use-service` (HAProxy's `service_keywords`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// `prometheus-exporter` (HAProxy's `addons/promex`).
    PrometheusExporter,
}

/// `use-service <name>`: HAProxy 2.6 knows `prometheus-exporter` (and Lua services,
/// which need Lua). The exporter exists on `http-request` rule sets only.
pub(crate) fn parse_service(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
) -> Result<Service, ActError> {
    let name = arg(words, *idx);
    if name.is_empty() {
        return Err(format!(
            "'{}' expects a service name.",
            arg(words, idx.wrapping_sub(1))
        )
        .into());
    }
    if name.starts_with("lua.") {
        return Err(ActError {
            kind: ErrKind::NotYet,
            msg: format!(
                "'{} use-service {name}' is not supported yet (it needs Lua)",
                set.keyword()
            ),
        });
    }
    if name == "prometheus-exporter" {
        if set != RuleSet::HttpRequest {
            return Err(
                "Prometheus exporter service only available on 'http-request' rulesets".into(),
            );
        }
        *idx += 1;
        return Ok(Service::PrometheusExporter);
    }
    Err(format!("'{name}' unknown service name.").into())
}

/// `set-timeout server|tunnel <time|expr>` (`cfg_parse_rule_set_timeout`).
pub(crate) fn parse_timeout(
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<(TimeoutKind, TimeoutValue), ActError> {
    let i = *idx;
    let (name, value) = (arg(words, i), arg(words, i + 1));
    if name.is_empty() || value.is_empty() {
        return Err("expects exactly 2 arguments".into());
    }
    if !cx.backend {
        return Err(format!("proxy '{}' has no backend capability", cx.proxy).into());
    }
    let kind = match name {
        "server" => TimeoutKind::Server,
        "tunnel" => TimeoutKind::Tunnel,
        _ => {
            return Err(
                format!("'set-timeout' rule supports 'server'/'tunnel' (got '{name}')").into(),
            )
        }
    };
    let v = match parse_time(value, TimeUnit::Ms) {
        Ok(t) => {
            if let Some(c) = t.trailing {
                cx.warn_plain(time_trailing(c, value));
            }
            if t.value == 0 {
                return Err(format!("null value is not valid for a 'set-timeout {name}' rule").into());
            }
            TimeoutValue::Const(t.value)
        }
        Err(TimeError::Overflow) => {
            return Err(format!("timer overflow in argument '{value}' to rule 'set-timeout {name}' (maximum value is 2147483647 ms or ~24.8 days)").into())
        }
        Err(TimeError::Underflow) => {
            return Err(format!("timer underflow in argument '{value}' to rule 'set-timeout {name}' (minimum value is 1 ms)").into())
        }
        Err(TimeError::UnexpectedChar(c)) => {
            let mut j = i + 1;
            match cx.expr(words, &mut j) {
                Ok((e, _)) => TimeoutValue::Expr(e),
                Err(_) => {
                    return Err(format!(
                        "unexpected character '{c}' in rule 'set-timeout {name}'"
                    )
                    .into())
                }
            }
        }
        Err(TimeError::Missing) => {
            return Err(format!("unexpected character '\0' in rule 'set-timeout {name}'").into())
        }
    };
    *idx = i + 2;
    Ok((kind, v))
}

fn time_trailing(c: char, value: &str) -> String {
    format!(
        "unexpected character '{c}' after the timer value '{value}', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."
    )
}

/// `wait-for-body time <time> [at-least <bytes>]`.
pub(crate) fn parse_wait_for_body(
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<(u32, u32), ActError> {
    const EXPECTS: &str = "expects time <time> [ at-least <bytes> ]";
    let mut i = *idx;
    if arg(words, i).is_empty() {
        return Err(EXPECTS.into());
    }
    let mut time: Option<u32> = None;
    let mut bytes = 0u32;
    loop {
        let w = arg(words, i);
        let v = arg(words, i + 1);
        match w {
            "time" | "at-least" if v.is_empty() => {
                return Err(format!("missing argument for '{w}'").into());
            }
            "time" => match parse_time(v, TimeUnit::Ms) {
                Ok(t) => {
                    if let Some(c) = t.trailing {
                        cx.warn_plain(time_trailing(c, v));
                    }
                    time = Some(t.value);
                }
                Err(TimeError::Overflow) => {
                    return Err(
                        "time overflow (maximum value is 2147483647 ms or ~24.8 days)".into(),
                    )
                }
                Err(TimeError::Underflow) => {
                    return Err("time underflow (minimum non-null value is 1 ms)".into())
                }
                Err(TimeError::UnexpectedChar(c)) => {
                    return Err(format!("unexpected character '{c}'").into())
                }
                Err(TimeError::Missing) => return Err("unexpected character '\0'".into()),
            },
            "at-least" => {
                bytes = parse_size(v).map_err(|c| format!("unexpected character '{c}'"))?;
            }
            _ => break,
        }
        i += 2;
    }
    let Some(time) = time else {
        return Err(EXPECTS.into());
    };
    *idx = i;
    Ok((time, bytes))
}

/// `parse_size_err`: digits, then `k`, `m` or `g` (either case); `Err` is the
/// character HAProxy stops at.
fn parse_size(s: &str) -> Result<u32, char> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).map_or('\0', |&c| char::from(c));
    let mut i = 0;
    let mut v: u32 = 0;
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return Err(at(0));
    }
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        v = v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u32::from(d - b'0')))
            .ok_or(at(i))?;
        i += 1;
    }
    let shift = match b.get(i) {
        None => return Ok(v),
        Some(b'k' | b'K') => 10,
        Some(b'm' | b'M') => 20,
        Some(b'g' | b'G') => 30,
        Some(_) => return Err(at(i)),
    };
    if v > u32::MAX >> shift {
        return Err(at(i));
    }
    if i + 1 < b.len() {
        return Err(at(i + 1));
    }
    Ok(v << shift)
}

/// `strict-mode on|off`.
pub(crate) fn parse_strict(words: &[&str], idx: &mut usize) -> Result<bool, ActError> {
    let s = arg(words, *idx);
    if s.is_empty() {
        return Err("expects exactly 1 arguments".into());
    }
    let on = if s.eq_ignore_ascii_case("on") {
        true
    } else if s.eq_ignore_ascii_case("off") {
        false
    } else {
        return Err(format!("Unexpected value '{s}'. Only 'on' and 'off' are supported").into());
    };
    *idx += 1;
    Ok(on)
}

/// `auth [realm <realm>]`.
pub(crate) fn parse_auth(words: &[&str], idx: &mut usize) -> Result<Option<String>, ActError> {
    if arg(words, *idx) != "realm" {
        return Ok(None);
    }
    let r = arg(words, *idx + 1);
    if r.is_empty() {
        return Err("missing realm value.\n".into());
    }
    *idx += 2;
    Ok(Some(r.to_string()))
}

/// `set-status <code> [reason <text>]`.
pub(crate) fn parse_status(
    words: &[&str],
    idx: &mut usize,
) -> Result<(u16, Option<String>), ActError> {
    let s = arg(words, *idx);
    if s.is_empty() {
        return Err("expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>".into());
    }
    let (v, used) = strtol(s, Base::Ten);
    if used < s.len() || !(100..=999).contains(&v) {
        return Err("expects an integer status code between 100 and 999".into());
    }
    *idx += 1;
    let mut reason = None;
    let next = arg(words, *idx + 1);
    if arg(words, *idx) == "reason" && !next.is_empty() && !is_cond(next) {
        reason = Some(next.to_string());
        *idx += 2;
    }
    Ok((v as u16, reason))
}

/// `deny` and `tarpit` (`parse_http_deny`): nothing or `deny_status <code>` alone give
/// the proxy's error message for the status (403 for `deny`, 500 for `tarpit`, 502
/// for `http-response deny`); otherwise a reply, `deny_status` read as `status`.
pub(crate) fn parse_deny(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    tarpit: bool,
    cx: &mut ActCx<'_>,
) -> Result<Reply, ActError> {
    let default = match (set.is_response(), tarpit) {
        (true, _) => 502,
        (false, true) => 500,
        (false, false) => 403,
    };
    let i = *idx;
    let w = arg(words, i);
    if w.is_empty() || is_cond(w) {
        let mut j = 0;
        return Ok(parse_reply(
            &["default-errorfiles"],
            &mut j,
            default,
            set,
            cx,
        )?);
    }
    if w == "deny_status" {
        let after = arg(words, i + 2);
        if after.is_empty() || is_cond(after) {
            let mut j = 0;
            let r = parse_reply(
                &["status", arg(words, i + 1), "default-errorfiles"],
                &mut j,
                default,
                set,
                cx,
            )?;
            *idx += 2;
            return Ok(r);
        }
        let mut renamed: Vec<&str> = words.to_vec();
        renamed[i] = "status";
        return Ok(parse_reply(&renamed, idx, default, set, cx)?);
    }
    Ok(parse_reply(words, idx, default, set, cx)?)
}
