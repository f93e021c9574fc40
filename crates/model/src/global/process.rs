//! Process management keywords of the `global` section (manual 3.1 and 3.3): how the
//! process runs (`daemon`, `nbthread`, `maxconn`, `ulimit-n`, `fd-hard-limit`,
//! `strict-limits`), who it runs as (`user`,
//! `group`, `uid`, `gid`, `chroot`, `pidfile`), how it stops (`hard-stop-after`, `grace`),
//! how it names itself (`node`, `description`, `localpeer`), logging identity (`log`,
//! `log-tag`, `log-send-hostname`), `cpu-map`, `default-path` and the start-up switches
//! (`quiet`, `zero-warning`, `expose-experimental-directives`), and where the server-state
//! file is (`server-state-base`, `server-state-file`).
//!
//! Each parser follows HAProxy 2.6's `cfgparse-global.c` (or the module registering the
//! keyword): same argument counts, same "already specified" behaviour, same messages.

use std::path::PathBuf;

use rampart_config::units::TimeError;
use rampart_config::{Diagnostic, Modifier};

use super::args::{alert_tight, nonfatal_alert, time_ms, Args};
use super::cpu_map::apply_cpu_map;
use super::{DefaultPath, GlobalBuilder};
use crate::cnum::{atol, strtol10_full};
use crate::kw::Cx;

/// `log-send-hostname [<name>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendHostname {
    /// No argument: the system host name, read at start-up.
    System,
    /// An explicit name.
    Name(String),
}

/// Highest `nbthread` (HAProxy's `MAX_THREADS` on 64-bit builds).
pub const MAX_THREADS: i64 = 64;

/// `daemon`.
pub fn parse_daemon(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    Args::new(cx.line).too_many(0)?;
    b.g.daemon = true;
    Ok(())
}

/// `quiet`.
pub fn parse_quiet(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    Args::new(cx.line).too_many(0)?;
    b.g.quiet = true;
    Ok(())
}

/// `zero-warning`.
pub fn parse_zero_warning(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    Args::new(cx.line).too_many(0)?;
    b.g.zero_warning = true;
    Ok(())
}

/// `expose-experimental-directives` (HAProxy checks no argument here).
pub fn parse_expose_experimental(b: &mut GlobalBuilder, _cx: &mut Cx<'_>) -> Result<(), String> {
    b.g.expose_experimental_directives = true;
    Ok(())
}

/// `maxconn <n>`: a first non-zero value sticks; later ones report "already specified".
/// The value goes through `atol`, so garbage reads as 0 (automatic) like in HAProxy.
pub fn parse_maxconn(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.maxconn_raw != 0 {
        nonfatal_alert(cx, "'maxconn' already specified. Continuing.");
        return Ok(());
    }
    if a.empty(1) {
        return Err("'maxconn' expects an integer argument.".into());
    }
    let v = atol(a.get(1)) as i32;
    b.maxconn_raw = v;
    if v < 0 {
        cx.warn(format!(
            "'maxconn' value {v} is negative; the automatic limit applies."
        ));
    }
    b.g.maxconn = u32::try_from(v).ok().filter(|&v| v > 0);
    Ok(())
}

/// `maxconnrate <n>` / `maxsessrate <n>`: a first non-zero value sticks, later ones
/// report "already specified"; the value goes through `atol` into an unsigned limit as
/// in HAProxy (0 means no limit).
pub fn parse_rate_limit(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    let kw = a.kw();
    let set = if kw == "maxconnrate" {
        b.g.maxconnrate
    } else {
        b.g.maxsessrate
    };
    if set.is_some() {
        nonfatal_alert(cx, format!("'{kw}' already specified. Continuing."));
        return Ok(());
    }
    if a.empty(1) {
        return Err(format!("'{kw}' expects an integer argument."));
    }
    // C's conversion of a long to an unsigned int.
    let v = Some(atol(a.get(1)) as u32).filter(|&v| v != 0);
    if kw == "maxconnrate" {
        b.g.maxconnrate = v;
    } else {
        b.g.maxsessrate = v;
    }
    Ok(())
}

/// `nbthread <n>`: 1 to 64; a repeated one overrides (noted in diagnostic mode).
pub fn parse_nbthread(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    let Some(n) = strtol10_full(a.get(1)) else {
        return Err(format!(
            "'{}' passed a missing or unparsable integer value in '{}'",
            a.kw(),
            a.get(1)
        ));
    };
    if !(1..=MAX_THREADS).contains(&n) {
        return Err(format!(
            "'{}' value must be between 1 and {MAX_THREADS} (was {n})",
            a.kw()
        ));
    }
    if b.g.nbthread.is_some() {
        cx.diags.push(Diagnostic::diag(
            Some(cx.span()),
            format!("'{}' is already defined and will be overridden.", a.kw()),
        ));
    }
    b.g.nbthread = Some(n as u32);
    Ok(())
}

/// `pidfile <file>`.
pub fn parse_pidfile(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.g.pidfile.is_some() {
        nonfatal_alert(cx, "'pidfile' already specified. Continuing.");
        return Ok(());
    }
    if a.empty(1) {
        return Err("'pidfile' expects a file name as an argument.".into());
    }
    b.g.pidfile = Some(PathBuf::from(a.get(1)));
    Ok(())
}

/// `chroot <dir>` (checked when the process starts, not while parsing, as in HAProxy).
pub fn parse_chroot(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.g.chroot.is_some() {
        nonfatal_alert(cx, "'chroot' already specified. Continuing.");
        return Ok(());
    }
    if a.empty(1) {
        return Err("'chroot' expects a directory as an argument.".into());
    }
    b.g.chroot = Some(PathBuf::from(a.get(1)));
    Ok(())
}

/// `server-state-base <dir>` and `server-state-file <file>` (manual 3.1): where the
/// server states of the previous process are read at start-up.
pub fn parse_server_state(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    let kw = a.kw();
    let base = kw == "server-state-base";
    let slot = if base {
        &b.g.server_state_base
    } else {
        &b.g.server_state_file
    };
    if slot.is_some() {
        nonfatal_alert(cx, format!("'{kw}' already specified. Continuing."));
        return Ok(());
    }
    if a.empty(1) {
        return Err(if base {
            format!("'{kw}' expects one argument: a directory path.")
        } else {
            format!("'{kw}' expect one argument: a file path.")
        });
    }
    let v = Some(a.get(1).to_string());
    if base {
        b.g.server_state_base = v;
    } else {
        b.g.server_state_file = v;
    }
    Ok(())
}

/// `ulimit-n <n>`.
pub fn parse_ulimit_n(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.ulimit_raw != 0 {
        nonfatal_alert(cx, "'ulimit-n' already specified. Continuing.");
        return Ok(());
    }
    if a.empty(1) {
        return Err("'ulimit-n' expects an integer argument.".into());
    }
    let v = atol(a.get(1)) as i32;
    b.ulimit_raw = v;
    b.g.ulimit_n = u32::try_from(v).ok().filter(|&v| v > 0);
    Ok(())
}

/// `fd-hard-limit <n>`: read with `atol`, so a word that is not a number is 0 (unset), and
/// a later line may then set it.
pub fn parse_fd_hard_limit(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.g.fd_hard_limit.is_some() {
        nonfatal_alert(cx, "'fd-hard-limit' already specified. Continuing.");
        return Ok(());
    }
    if a.empty(1) {
        return Err("'fd-hard-limit' expects an integer argument.".into());
    }
    b.g.fd_hard_limit = Some(atol(a.get(1)) as i32).filter(|&v| v != 0);
    Ok(())
}

/// `strict-limits` / `no strict-limits`. Strict is the default, and only the `no` form
/// changes anything: a plain `strict-limits` after `no strict-limits` does not restore it.
pub fn parse_strict_limits(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    Args::new(cx.line).too_many(0)?;
    if cx.line.modifier == Modifier::No {
        b.g.no_strict_limits = true;
    }
    Ok(())
}

/// `uid <n>`: a number; anything else is only a warning (HAProxy keeps running as root).
pub fn parse_uid(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    parse_numeric_id(b, cx, true)
}

/// `gid <n>`.
pub fn parse_gid(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    parse_numeric_id(b, cx, false)
}

fn parse_numeric_id(b: &mut GlobalBuilder, cx: &mut Cx<'_>, user: bool) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    let raw = if user { b.uid_raw } else { b.gid_raw };
    if raw != 0 {
        let msg = if user {
            "user/uid already specified. Continuing."
        } else {
            "group/gid already specified. Continuing."
        };
        nonfatal_alert(cx, msg);
        return Ok(());
    }
    if a.empty(1) {
        return Err(format!("'{}' expects an integer argument.", a.kw()));
    }
    let Some(v) = strl2irc(a.get(1)) else {
        let (kw, other, what) = if user {
            ("uid", "user", "user")
        } else {
            ("gid", "group", "group")
        };
        cx.warn(format!(
            " {kw}: string '{}' is not a number.\n   | You might want to use the '{other}' parameter \
             to use a system {what} name.",
            a.get(1)
        ));
        return Ok(());
    };
    if user {
        b.uid_raw = v;
        b.g.uid = Some(v as u32);
    } else {
        b.gid_raw = v;
        b.g.gid = Some(v as u32);
    }
    Ok(())
}

/// HAProxy's `strl2irc`: an optional `-` then decimal digits fitting an `int`.
fn strl2irc(s: &str) -> Option<i32> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if s.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: i32 = 0;
    for c in digits.bytes() {
        let d = i32::from(c - b'0');
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

/// `user <name>`: looked up in the system user database now, as HAProxy does.
pub fn parse_user(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.uid_raw != 0 {
        nonfatal_alert(cx, "user/uid already specified. Continuing.");
        return Ok(());
    }
    match b.accounts.uid(a.get(1)) {
        Ok(uid) => {
            b.uid_raw = uid as i32;
            b.g.uid = Some(uid);
            Ok(())
        }
        Err(e) => Err(format!(
            "cannot find user id for '{}' ({}:{})",
            a.get(1),
            e.errno,
            e.reason
        )),
    }
}

/// `group <name>`.
pub fn parse_group(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.gid_raw != 0 {
        nonfatal_alert(cx, "gid/group was already specified. Continuing.");
        return Ok(());
    }
    match b.accounts.gid(a.get(1)) {
        Ok(gid) => {
            b.gid_raw = gid as i32;
            b.g.gid = Some(gid);
            Ok(())
        }
        Err(e) => Err(format!(
            "cannot find group id for '{}' ({}:{})",
            a.get(1),
            e.errno,
            e.reason
        )),
    }
}

/// `hard-stop-after <time>`.
pub fn parse_hard_stop_after(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.g.hard_stop_after_ms = Some(stop_timer(cx)?);
    Ok(())
}

/// `grace <time>`.
pub fn parse_grace(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.g.grace_ms = Some(stop_timer(cx)?);
    Ok(())
}

/// The shared time argument of `grace` and `hard-stop-after` (no argument-count check).
fn stop_timer(cx: &mut Cx<'_>) -> Result<u32, String> {
    let a = Args::new(cx.line);
    let (kw, v) = (a.kw(), a.get(1));
    if v.is_empty() {
        return Err(format!("'{kw}' expects <time> as argument.\n"));
    }
    time_ms(cx, v).map_err(|e| match e {
        TimeError::Overflow => format!(
            "timer overflow in argument '{v}' to '{kw}' (maximum value is 2147483647 ms or ~24.8 days)"
        ),
        TimeError::Underflow => format!(
            "timer underflow in argument '{v}' to '{kw}' (minimum non-null value is 1 ms)"
        ),
        TimeError::UnexpectedChar(c) => format!("unexpected character '{c}' in argument to <{kw}>.\n"),
        TimeError::Missing => format!("'{kw}' expects <time> as argument.\n"),
    })
}

/// `localpeer <name>`: ignored (with a warning) when `-L` was given.
pub fn parse_localpeer(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if a.empty(1) {
        return Err("'localpeer' expects a name as an argument.".into());
    }
    if b.localpeer_cmdline {
        cx.warn(
            "'localpeer' ignored since it is already set by using the '-L' command line argument.",
        );
        return Ok(());
    }
    b.g.localpeer = Some(a.get(1).to_string());
    Ok(())
}

/// `node <name>`: letters, digits, `.`, `-` and `_` only (the typo is HAProxy's).
pub fn parse_node(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    let name = a.get(1);
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.');
    if !valid {
        alert_tight(
            cx,
            format!(
                "'{}' requires valid node name - non-empty string with digits(0-9), letters(A-Z, \
                 a-z), dot(.), hyphen(-) or underscode(_).",
                a.kw()
            ),
        );
        return Ok(());
    }
    b.g.node = Some(name.to_string());
    Ok(())
}

/// `description <text>...`: the words joined with single spaces; a later one replaces it.
pub fn parse_description(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        alert_tight(cx, format!("'{}' expects a string argument.", a.kw()));
        return Ok(());
    }
    b.g.description = Some(a.list_from(1).join(" "));
    Ok(())
}

/// `log ...` / `no log` in the global section.
/// The target part is parsed by [`crate::log::parse_target`], as in proxies.
pub fn parse_log(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let words = &cx.line.words;
    let arg = |i: usize| words.get(i).map_or("", String::as_str);
    let r = if cx.line.modifier == Modifier::No {
        if arg(1).is_empty() {
            b.g.log.clear();
            Ok(())
        } else {
            Err("'no log' does not expect arguments".to_string())
        }
    } else if !arg(1).is_empty() && arg(2).is_empty() && arg(1) == "global" {
        Err("'global' is not supported for a global syslog server".to_string())
    } else if arg(1).is_empty() || arg(2).is_empty() {
        Err("expects <address> and <facility>  as arguments".to_string())
    } else {
        crate::log::parse_target(&words[1..], cx.span(), &b.resolver).map(|t| b.g.log.push(t))
    };
    r.map_err(|e| format!("{} : {e}", cx.keyword()))
}

/// `log-tag <tag>`.
pub fn parse_log_tag(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if a.empty(1) {
        return Err("'log-tag' expects a tag for use in syslog.".into());
    }
    b.g.log_tag = Some(a.get(1).to_string());
    Ok(())
}

/// `log-send-hostname [<name>]`.
pub fn parse_log_send_hostname(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if b.g.log_send_hostname.is_some() {
        nonfatal_alert(cx, "'log-send-hostname' already specified. Continuing.");
        return Ok(());
    }
    b.g.log_send_hostname = Some(if a.empty(1) {
        SendHostname::System
    } else {
        SendHostname::Name(a.get(1).to_string())
    });
    Ok(())
}

/// `cpu-map ...`.
pub fn parse_cpu_map(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let outcome = apply_cpu_map(&mut b.g.cpu_map, &cx.line.words)?;
    if let Some(msg) = outcome.diag {
        cx.diags.push(Diagnostic::diag(Some(cx.span()), msg));
    }
    Ok(())
}

/// `default-path current|config|parent|origin <dir>`: takes effect on the next line.
pub fn parse_default_path(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    let kw = a.kw();
    let mode =
        match a.get(1) {
            "current" => DefaultPath::Current,
            "config" => DefaultPath::Config,
            "parent" => DefaultPath::Parent,
            "origin" => {
                if a.empty(2) {
                    return Err(format!("'{kw} origin' expects a directory as an argument."));
                }
                let dir = PathBuf::from(a.get(2));
                if let Err(reason) = check_dir(&b.cwd.join(&dir)) {
                    return Err(format!(
                    "couldn't set '{kw}' to origin '{}': Impossible to get back to directory '{}': \
                     {reason}.",
                    a.get(2),
                    b.cwd.display()
                ));
                }
                DefaultPath::Origin(dir)
            }
            other => {
                return Err(format!(
                "{} default-path mode '{other}' for '{kw}', supported modes include 'current', \
                 'config', 'parent', and 'origin'.",
                if other.is_empty() { "missing" } else { "unsupported" }
            ))
            }
        };
    b.g.default_path = mode.clone();
    b.new_default_path = Some(mode);
    Ok(())
}

/// HAProxy applies `default-path` with `chdir()`; the same failures, without changing the
/// process directory.
fn check_dir(path: &std::path::Path) -> Result<(), &'static str> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err("Not a directory"),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err("Permission denied"),
        Err(_) => Err("No such file or directory"),
    }
}

/// `nbproc`: removed in HAProxy 2.5, which refuses it with this message.
pub fn nbproc_message() -> &'static str {
    "nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on \
     multi-processor machines if available."
}

/// `spread-checks <0..50>`.
pub fn parse_spread_checks(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if b.g.spread_checks != 0 {
        super::args::nonfatal_alert_tight(cx, "spread-checks already specified. Continuing.");
        return Ok(());
    }
    let v = a.get(1);
    if v.is_empty() {
        alert_tight(cx, "'spread-checks' expects an integer argument (0..50).");
        return Ok(());
    }
    let n = crate::cnum::atol(v) as i32;
    if !(0..=50).contains(&n) {
        alert_tight(cx, "'spread-checks' needs a positive value in range 0..50.");
        return Ok(());
    }
    b.g.spread_checks = n as u32;
    Ok(())
}

/// `max-spread-checks <time>`.
pub fn parse_max_spread_checks(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    let v = a.get(1);
    if v.is_empty() {
        alert_tight(
            cx,
            "'max-spread-checks' expects an integer argument (0..50).",
        );
        return Ok(());
    }
    match time_ms(cx, v) {
        Ok(ms) => b.g.max_spread_checks = (ms != 0).then_some(ms),
        Err(TimeError::Overflow) => alert_tight(cx, format!("timer overflow in argument <{v}> to <max-spread-checks>, maximum value is 2147483647 ms (~24.8 days).")),
        Err(TimeError::Underflow) => alert_tight(cx, format!("timer underflow in argument <{v}> to <max-spread-checks>, minimum non-null value is 1 ms.")),
        Err(TimeError::UnexpectedChar(c)) => alert_tight(cx, format!("unsupported character '{c}' in 'max-spread-checks' (wants an integer delay).")),
        Err(TimeError::Missing) => alert_tight(cx, "'max-spread-checks' expects an integer argument (0..50)."),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::strl2irc;

    #[test]
    fn strict_int() {
        assert_eq!(strl2irc("42"), Some(42));
        assert_eq!(strl2irc("-3"), Some(-3));
        assert_eq!(strl2irc("-"), Some(0));
        assert_eq!(strl2irc(""), None);
        assert_eq!(strl2irc("4x"), None);
        assert_eq!(strl2irc("2147483648"), None);
        assert_eq!(strl2irc("-2147483648"), Some(i32::MIN));
    }
}
