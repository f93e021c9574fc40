//! `stats socket|timeout|maxconn|bind-process` in the global section (manual 3.1): the
//! runtime API listeners ("the CLI") and their shared settings.
//!
//! `stats socket <address>[,<address>...] [options]` accepts every `bind` option in
//! HAProxy. Rampart implements the ones that matter for an admin socket (`level`,
//! `expose-fd`, `severity-output`, `mode`, `uid`, `gid`, `user`, `group`, `process`,
//! `thread`); the other `bind` options are recognised and refused as not supported yet, and
//! unknown words get HAProxy's "unknown keyword" error.

use rampart_config::Span;

use super::args::{time_ms, Args};
use super::cpu_map::LONGBITS;
use super::GlobalBuilder;
use crate::addr::{self, AddrOpts, SockAddr};
use crate::cnum::{atol, strtol, Base};
use crate::kw::{self, Cx};
use crate::procset::parse_process_number;
use rampart_config::units::TimeError;

/// Settings of the runtime API.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// One entry per `stats socket` line.
    pub sockets: Vec<StatsSocket>,
    /// `stats timeout`: idle timeout of a CLI session, in ms (HAProxy's default is 10s).
    pub timeout_ms: Option<u32>,
    /// `stats maxconn`: concurrent CLI sessions (HAProxy's default is 10).
    pub maxconn: Option<u32>,
}

/// Access level granted on a socket (`level`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessLevel {
    User,
    /// The default.
    #[default]
    Operator,
    Admin,
}

/// How message severity is shown in CLI answers (`severity-output`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SeverityOutput {
    #[default]
    None,
    Number,
    String,
}

/// One `stats socket` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsSocket {
    pub span: Span,
    /// The listening addresses (a comma-separated list is allowed).
    pub addresses: Vec<SockAddr>,
    pub level: AccessLevel,
    /// `expose-fd listeners`: the socket may hand listening fds to a new process.
    pub expose_fd_listeners: bool,
    pub severity_output: SeverityOutput,
    /// Unix socket permissions (`mode`, octal).
    pub mode: Option<u32>,
    /// Unix socket owner (`uid` / `user`).
    pub uid: Option<u32>,
    /// Unix socket group (`gid` / `group`).
    pub gid: Option<u32>,
    /// Threads allowed to serve the socket (`thread` / `process 1/<threads>`), bit 0 =
    /// thread 1; 0 means all threads.
    pub threads: u64,
    /// Thread group given with `thread <group>/<threads>`.
    pub thread_group: Option<u32>,
}

/// `bind` options and the number of arguments each takes (HAProxy 2.6 with OpenSSL, TCP,
/// Unix and QUIC support), so unsupported ones can be skipped with their arguments.
pub(crate) const BIND_OPTIONS: &[(&str, usize)] = &[
    ("accept-netscaler-cip", 1),
    ("accept-proxy", 0),
    ("allow-0rtt", 0),
    ("alpn", 1),
    ("backlog", 1),
    ("ca-file", 1),
    ("ca-ignore-err", 1),
    ("ca-sign-file", 1),
    ("ca-sign-pass", 1),
    ("ca-verify-file", 1),
    ("ciphers", 1),
    ("ciphersuites", 1),
    ("crl-file", 1),
    ("crt", 1),
    ("crt-ignore-err", 1),
    ("crt-list", 1),
    ("curves", 1),
    ("defer-accept", 0),
    ("ecdhe", 1),
    ("expose-fd", 1),
    ("force-sslv3", 0),
    ("force-tlsv10", 0),
    ("force-tlsv11", 0),
    ("force-tlsv12", 0),
    ("force-tlsv13", 0),
    ("generate-certificates", 0),
    ("gid", 1),
    ("group", 1),
    ("id", 1),
    ("interface", 1),
    ("level", 1),
    ("maxconn", 1),
    ("mode", 1),
    ("mss", 1),
    ("name", 1),
    ("namespace", 1),
    ("nice", 1),
    ("no-ca-names", 0),
    ("no-sslv3", 0),
    ("no-tls-tickets", 0),
    ("no-tlsv10", 0),
    ("no-tlsv11", 0),
    ("no-tlsv12", 0),
    ("no-tlsv13", 0),
    ("npn", 1),
    ("prefer-client-ciphers", 0),
    ("process", 1),
    ("proto", 1),
    ("quic-cc-algo", 1),
    ("quic-force-retry", 0),
    ("severity-output", 1),
    ("shards", 1),
    ("ssl", 0),
    ("ssl-max-ver", 1),
    ("ssl-min-ver", 1),
    ("strict-sni", 0),
    ("tcp-ut", 1),
    ("tfo", 0),
    ("thread", 1),
    ("tls-ticket-keys", 1),
    ("transparent", 0),
    ("uid", 1),
    ("user", 1),
    ("v4v6", 0),
    ("v6only", 0),
    ("verify", 1),
];

/// The `bind` options `stats socket` implements.
pub(crate) const IMPLEMENTED: &[&str] = &[
    "expose-fd",
    "gid",
    "group",
    "level",
    "mode",
    "process",
    "severity-output",
    "thread",
    "uid",
    "user",
];

/// `stats <socket|timeout|maxconn|bind-process> ...`.
pub fn parse_stats(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    match a.get(1) {
        "socket" => parse_socket(b, cx, a),
        "timeout" => {
            let v = match time_ms(cx, a.get(2)) {
                Ok(v) => v,
                Err(TimeError::Overflow) => {
                    return Err(format!(
                        "timer overflow in argument '{}' to 'stats timeout' (maximum value is \
                         2147483647 ms or ~24.8 days)",
                        a.get(2)
                    ))
                }
                Err(TimeError::Underflow) => {
                    return Err(format!(
                        "timer underflow in argument '{}' to 'stats timeout' (minimum non-null \
                         value is 1 ms)",
                        a.get(2)
                    ))
                }
                // C prints the NUL of an empty argument, which ends the message there.
                Err(TimeError::Missing) => return Err("'stats timeout' : unexpected character '".into()),
                Err(TimeError::UnexpectedChar(c)) => {
                    return Err(format!("'stats timeout' : unexpected character '{c}'"))
                }
            };
            if v == 0 {
                return Err("'stats timeout' expects a positive value".into());
            }
            b.g.stats.timeout_ms = Some(v);
            Ok(())
        }
        "maxconn" => {
            let v = atol(a.get(2)) as i32;
            if v <= 0 {
                return Err("'stats maxconn' expects a positive value".into());
            }
            b.g.stats.maxconn = Some(v as u32);
            Ok(())
        }
        "bind-process" => {
            // One process since 2.5: only "1"/"all" make sense; the line has no effect.
            for w in a.list_from(2) {
                if w == "all" {
                    break;
                }
                parse_process_number(w, 1, false).map_err(|e| format!("'stats bind-process' : {e}"))?;
            }
            Ok(())
        }
        other => Err(format!(
            "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '{other}')"
        )),
    }
}

/// `stats socket <addr>[,<addr>...] [bind options]`.
fn parse_socket(b: &mut GlobalBuilder, cx: &mut Cx<'_>, a: Args<'_>) -> Result<(), String> {
    if a.empty(2) {
        return Err(
            "'stats socket' in global section expects an address or a path to a UNIX socket".into(),
        );
    }
    let list = a.get(2);
    let mut addresses = Vec::new();
    for item in addr::split_list(list) {
        match addr::parse(item, &AddrOpts::BIND, &b.resolver) {
            Ok(ad) => addresses.push(ad),
            Err(e) => return Err(format!("parsing [{}] : 'stats socket' : {e}\n", b.loc)),
        }
    }
    let mut sock = StatsSocket {
        span: cx.span(),
        addresses,
        level: AccessLevel::Operator,
        expose_fd_listeners: false,
        severity_output: SeverityOutput::None,
        mode: None,
        uid: None,
        gid: None,
        threads: 0,
        thread_group: None,
    };
    let mut cur = 3;
    while !a.empty(cur) {
        let name = a.get(cur);
        let Some(&(_, skip)) = BIND_OPTIONS.iter().find(|(n, _)| *n == name) else {
            return Err(
                match kw::suggest(name, BIND_OPTIONS.iter().map(|(n, _)| *n)) {
                    Some(best) => format!(
                        "'stats socket' : unknown keyword '{name}'. Did you mean '{best}' maybe ?"
                    ),
                    None => format!("'stats socket' : unknown keyword '{name}'."),
                },
            );
        };
        if !IMPLEMENTED.contains(&name) {
            return Err(format!("'stats socket' : {}", kw::not_supported_yet(name)));
        }
        match socket_option(b, &mut sock, name, a.get(cur + 1)) {
            Ok(None) => {}
            Ok(Some(warning)) => cx.warn(format!("'stats socket' : {warning}")),
            Err(e) => return Err(format!("'stats socket' : '{e}'")),
        }
        cur += 1 + skip;
    }
    b.g.stats.sockets.push(sock);
    Ok(())
}

/// One implemented `bind` option. `Ok(Some(w))` is a warning, `Err` HAProxy's inner error.
fn socket_option(
    b: &GlobalBuilder,
    sock: &mut StatsSocket,
    name: &str,
    value: &str,
) -> Result<Option<String>, String> {
    match name {
        "level" => {
            if value.is_empty() {
                return Err("'level' : missing level".into());
            }
            sock.level = match value {
                "user" => AccessLevel::User,
                "operator" => AccessLevel::Operator,
                "admin" => AccessLevel::Admin,
                _ => {
                    return Err(format!(
                        "'level' only supports 'user', 'operator', and 'admin' (got '{value}')"
                    ))
                }
            };
        }
        "expose-fd" => {
            if value.is_empty() {
                return Err("'expose-fd' : missing fd type".into());
            }
            if value != "listeners" {
                return Err(format!(
                    "'expose-fd' only supports 'listeners' (got '{value}')"
                ));
            }
            sock.expose_fd_listeners = true;
        }
        "severity-output" => {
            if value.is_empty() {
                return Err("'severity-output' : missing severity format".into());
            }
            sock.severity_output = match value {
                "none" => SeverityOutput::None,
                "number" => SeverityOutput::Number,
                "string" => SeverityOutput::String,
                _ => {
                    return Err(format!(
                        "'severity-output' only supports 'none', 'number', and 'string' (got '{value}')"
                    ))
                }
            };
        }
        "mode" => match octal_full(value) {
            Some(m) => sock.mode = Some(m),
            None => {
                return Err(format!(
                    "'mode' : missing or invalid mode '{value}' (octal integer expected)"
                ))
            }
        },
        "uid" | "gid" => {
            if value.is_empty() {
                return Err(format!("'{name}' : missing value"));
            }
            let v = atol(value) as u32;
            if name == "uid" {
                sock.uid = Some(v);
            } else {
                sock.gid = Some(v);
            }
        }
        "user" => {
            if value.is_empty() {
                return Err("'user' : missing user name".into());
            }
            let uid = b
                .accounts
                .uid(value)
                .map_err(|_| format!("'user' : unknown user name '{value}'"))?;
            sock.uid = Some(uid);
        }
        "group" => {
            if value.is_empty() {
                return Err("'group' : missing group name".into());
            }
            let gid = b
                .accounts
                .gid(value)
                .map_err(|_| format!("'group' : unknown group name '{value}'"))?;
            sock.gid = Some(gid);
        }
        "process" => {
            let (proc_part, thread_part) = match value.split_once('/') {
                Some((p, t)) => (p, Some(t)),
                None => (value, None),
            };
            parse_process_number(proc_part, 1, false).map_err(|e| format!("'process' : {e}"))?;
            if let Some(t) = thread_part {
                let (mask, _) = parse_process_number(t, LONGBITS, false)
                    .map_err(|e| format!("'process' : {e}"))?;
                sock.threads |= mask;
            }
            let mut w = format!(
                "'process {value}' on 'bind' lines is deprecated and will be removed in 2.7."
            );
            if let Some(t) = thread_part {
                w.push_str(&format!(" Please use 'thread {t}' instead."));
            }
            return Ok(Some(w));
        }
        "thread" => {
            let (group, used) = strtol(value, Base::Ten);
            let (group, set) = match value.get(used..) {
                Some(rest) if rest.starts_with('/') => {
                    if group != 1 {
                        return Err(format!(
                            "'{value}' thread-group number must be between 1 and 1 (was {group})"
                        ));
                    }
                    (Some(1u32), &rest[1..])
                }
                _ => (None, value),
            };
            if (sock.thread_group.is_some() || sock.threads != 0) && sock.thread_group != group {
                return Err(format!(
                    "'{value}' multiple thread-groups are not supported"
                ));
            }
            let (mask, _) =
                parse_process_number(set, LONGBITS, false).map_err(|e| format!("'{set}' : {e}"))?;
            sock.threads |= mask;
            sock.thread_group = group;
        }
        _ => {}
    }
    Ok(None)
}

/// C `strtol(s, &end, 8)` with `!*s || *end` rejected: an optional sign then octal digits.
fn octal_full(s: &str) -> Option<u32> {
    let t = s.trim_start_matches([' ', '\t']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return None;
    }
    let v = digits.bytes().fold(0u64, |acc, c| {
        acc.saturating_mul(8).saturating_add(u64::from(c - b'0'))
    });
    let v = v as u32;
    Some(if neg { v.wrapping_neg() } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal() {
        assert_eq!(octal_full("600"), Some(0o600));
        assert_eq!(octal_full("0660"), Some(0o660));
        assert_eq!(octal_full(""), None);
        assert_eq!(octal_full("0o0"), None);
        assert_eq!(octal_full("8"), None);
    }

    #[test]
    fn bind_option_table_is_sorted_and_covers_implemented() {
        assert!(BIND_OPTIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(IMPLEMENTED
            .iter()
            .all(|n| BIND_OPTIONS.iter().any(|(b, _)| b == n)));
    }
}
