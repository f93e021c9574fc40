//! `log` targets (manual 3.1 "log" for the global section, 4.2 "log" for proxies; HAProxy's
//! `parse_logsrv`): where traffic and process logs go, in which syslog format, with which
//! facility and levels. One parser for every section; `no log` and `log global` are the
//! sections' own (`global::process::parse_log`, `proxy::log`).
//!
//! ```text
//! log <target> [len <n>] [format <fmt>] [sample <ranges>:<size>] <facility> [<max> [<min>]]
//! no log
//! log global            (proxies only)
//! ```
//!
//! Targets: an IPv4/IPv6 address (UDP, port 514 by default), `udp@`/`tcp@`/`unix@`...
//! addresses, a Unix path such as `/dev/log`, `stdout`/`stderr` (aliases of `fd@1`/`fd@2`),
//! `fd@N`, and `ring@<name>` (a `ring` section, or the built-in `buf0`). A stream target
//! (`tcp@`) gets an implicit ring buffer, as in HAProxy.
//!
//! Rampart adds `file@<path>`: lines appended to a plain file, reopened on demand so that
//! log rotation loses nothing (docs/logs.md). HAProxy 2.6 refuses that word ("invalid
//! address"), so a configuration using it can never mean something else to HAProxy.

use rampart_config::Span;

use crate::addr::{self, AddrOpts, Host, HostResolver, Port, SockAddr, SockType};
use crate::cnum::{atoi, leading_uint};

/// One log destination with its encoding and filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogTarget {
    /// The line that declared it (post-parse checks name it by file and line).
    pub span: Span,
    pub dest: LogDest,
    /// Maximum line length, 80..=65535 (default 1024).
    pub max_len: u32,
    /// Header format; `None` means unspecified (sent as RFC3164).
    pub format: Option<LogFormat>,
    /// Load-balancing sample: only lines whose index falls in `ranges` (1-based, sorted,
    /// non-overlapping) modulo `size` are sent to this target.
    pub sample: Option<LogSample>,
    pub facility: Facility,
    /// Most verbose level sent (default `debug`).
    pub max_level: Level,
    /// Least severe level floor: messages are raised to at least this level (default `emerg`).
    pub min_level: Level,
}

/// Where log lines are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogDest {
    /// Datagram socket (UDP or Unix datagram). IP addresses default to port 514.
    Dgram(SockAddr),
    /// A stream address (`tcp@...`): HAProxy creates an implicit ring named `ring#N` and
    /// forwards it over TCP.
    Stream(SockAddr),
    /// An inherited descriptor, `stdout` (1) and `stderr` (2) included.
    Fd(u32),
    /// A ring buffer declared with `ring <name>` (or the built-in `buf0`).
    Ring(String),
    /// `file@<path>` (Rampart's own): a file lines are appended to.
    File(String),
}

/// Syslog header formats (`format` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Local,
    Rfc3164,
    Rfc5424,
    Priority,
    Short,
    Timed,
    Iso,
    Raw,
}

impl LogFormat {
    pub const ALL: [(&'static str, LogFormat); 8] = [
        ("local", LogFormat::Local),
        ("rfc3164", LogFormat::Rfc3164),
        ("rfc5424", LogFormat::Rfc5424),
        ("priority", LogFormat::Priority),
        ("short", LogFormat::Short),
        ("timed", LogFormat::Timed),
        ("iso", LogFormat::Iso),
        ("raw", LogFormat::Raw),
    ];

    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }
}

/// `sample <ranges>:<size>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSample {
    /// Inclusive 1-based ranges, sorted.
    pub ranges: Vec<(u32, u32)>,
    pub size: u32,
}

/// Syslog facility number (0 = kern ... 23 = local7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facility(pub u8);

impl Facility {
    pub const NAMES: [&'static str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
        "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
        "local5", "local6", "local7",
    ];

    pub fn from_name(s: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Facility(i as u8))
    }

    pub fn name(self) -> &'static str {
        Self::NAMES.get(usize::from(self.0)).copied().unwrap_or("?")
    }
}

/// Syslog severity (0 = emerg ... 7 = debug).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Level(pub u8);

impl Level {
    pub const NAMES: [&'static str; 8] = [
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
    ];
    pub const EMERG: Level = Level(0);
    pub const DEBUG: Level = Level(7);

    pub fn from_name(s: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Level(i as u8))
    }

    pub fn name(self) -> &'static str {
        Self::NAMES.get(usize::from(self.0)).copied().unwrap_or("?")
    }
}

/// Default `len`.
pub const DEFAULT_MAX_LEN: u32 = 1024;
/// Default syslog port for IP targets without one.
pub const SYSLOG_PORT: u16 = 514;

/// Parses the target part of a `log` line, the same in every section (HAProxy's
/// `parse_logsrv` past its `no log` / `log global` cases, which the sections handle):
/// `args` are the words after `log`, at least two of them non-empty (callers check first,
/// as their "expects" message differs). Errors are HAProxy's texts; callers print them as
/// `log : <message>`.
pub fn parse_target(
    args: &[String],
    span: Span,
    resolver: &HostResolver,
) -> Result<LogTarget, String> {
    let arg = |i: usize| args.get(i).map_or("", String::as_str);
    let mut cur = 1;
    let mut max_len = DEFAULT_MAX_LEN;
    if arg(cur) == "len" {
        let len = atoi(arg(cur + 1));
        if !(80..=65535).contains(&len) {
            return Err(format!(
                "invalid log length '{}', must be between 80 and 65535",
                arg(cur + 1)
            ));
        }
        max_len = len as u32;
        cur += 2;
    }
    let mut format = None;
    if arg(cur) == "format" {
        format = Some(
            LogFormat::from_name(arg(cur + 1))
                .ok_or_else(|| format!("unknown log format '{}'", arg(cur + 1)))?,
        );
        cur += 2;
    }
    let mut sample = None;
    if arg(cur) == "sample" {
        sample = Some(parse_sample(arg(cur + 1))?);
        cur += 2;
    }
    let facility = Facility::from_name(arg(cur))
        .ok_or_else(|| format!("unknown log facility '{}'", arg(cur)))?;
    cur += 1;
    let mut max_level = Level::DEBUG;
    if !arg(cur).is_empty() {
        max_level = Level::from_name(arg(cur))
            .ok_or_else(|| format!("unknown optional log level '{}'", arg(cur)))?;
        cur += 1;
    }
    let mut min_level = Level::EMERG;
    if !arg(cur).is_empty() {
        min_level = Level::from_name(arg(cur))
            .ok_or_else(|| format!("unknown optional minimum log level '{}'", arg(cur)))?;
        cur += 1;
    }
    if !arg(cur).is_empty() {
        return Err(format!("cannot handle unexpected argument '{}'", arg(cur)));
    }

    let dest = parse_dest(arg(0), resolver)?;
    Ok(LogTarget {
        span,
        dest,
        max_len,
        format,
        sample,
        facility,
        max_level,
        min_level,
    })
}

/// The target word: `ring@name`, `stdout`/`stderr`, or an address.
fn parse_dest(text: &str, resolver: &HostResolver) -> Result<LogDest, String> {
    if let Some(name) = text.strip_prefix("ring@") {
        return Ok(LogDest::Ring(name.to_string()));
    }
    if let Some(path) = text.strip_prefix("file@") {
        if path.is_empty() {
            return Err(format!("missing file path in '{text}'"));
        }
        return Ok(LogDest::File(path.to_string()));
    }
    let text = match text {
        "stdout" => "fd@1",
        "stderr" => "fd@2",
        t => t,
    };
    let mut a = addr::parse(text, &AddrOpts::LOG, resolver)?;
    if let Host::Fd(fd) = a.host {
        return Ok(LogDest::Fd(fd));
    }
    if matches!(a.host, Host::Ip(_) | Host::Name { .. }) && a.port == Port::None {
        a.port = Port::Range(SYSLOG_PORT, SYSLOG_PORT);
    }
    Ok(if a.sock == SockType::Stream {
        LogDest::Stream(a)
    } else {
        LogDest::Dgram(a)
    })
}

/// `<ranges>:<size>`: comma-separated `N` or `N-M` ranges (1-based, increasing within a
/// range, not overlapping) and a sample size at least as large as the highest bound.
fn parse_sample(text: &str) -> Result<LogSample, String> {
    let Some((ranges_text, size_text)) = text.split_once(':') else {
        return Err("Missing sample size".into());
    };
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut rest = ranges_text;
    let mut max_high = 0u32;
    while !rest.is_empty() {
        let (item, next) = match rest.find(',') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let bad = || format!("wrong sample range '{rest}'");
        let (low, used) = leading_uint(item);
        if low == 0 || (used != item.len() && item.as_bytes()[used] != b'-') {
            return Err(bad());
        }
        let high = if used == item.len() {
            low
        } else {
            let tail = &item[used + 1..];
            let (high, used2) = leading_uint(tail);
            if high == 0 || high <= low || used2 != tail.len() {
                return Err(bad());
            }
            high
        };
        let (low, high) = (clamp_u32(low), clamp_u32(high));
        if ranges
            .iter()
            .any(|&(l, h)| (low >= l && low <= h) || (high >= l && high <= h))
        {
            return Err("ranges are overlapping".into());
        }
        ranges.push((low, high));
        max_high = max_high.max(high);
        rest = next;
    }
    if ranges.is_empty() {
        return Err("no sampling ranges given".into());
    }
    let (size, used) = leading_uint(size_text);
    if size == 0 || used != size_text.len() {
        return Err(format!(
            "wrong sample size '{size_text}' for sample range '{ranges_text}'"
        ));
    }
    let size = clamp_u32(size);
    if size < max_high {
        return Err(format!(
            "sample size {size} should be greater or equal to {max_high} the maximum of the high \
             ranges limits"
        ));
    }
    ranges.sort_unstable();
    Ok(LogSample { ranges, size })
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rampart_config::FileId;

    const SPAN: Span = Span {
        file: FileId(0),
        line: 1,
    };

    /// Parses `log <args>` as both sections do once `no log` / `log global` are ruled out.
    fn g(line: &str) -> Result<LogTarget, String> {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        let resolver = HostResolver::new(|h| match h {
            "localhost" => Ok(vec![std::net::IpAddr::from([127, 0, 0, 1])]),
            _ => Err("unknown host".into()),
        });
        parse_target(&words[1..], SPAN, &resolver)
    }
    fn target(line: &str) -> LogTarget {
        g(line).unwrap()
    }

    #[test]
    fn accepted_forms() {
        let t = target("log 127.0.0.1 local0");
        assert_eq!(t.facility.name(), "local0");
        assert_eq!(
            (t.max_level, t.min_level, t.max_len, t.format),
            (Level::DEBUG, Level::EMERG, 1024, None)
        );
        match t.dest {
            LogDest::Dgram(a) => assert_eq!(a.port, Port::Range(514, 514)),
            other => panic!("{other:?}"),
        }
        let t = target("log stdout format raw local0 info notice");
        assert_eq!(t.dest, LogDest::Fd(1));
        assert_eq!(t.format, Some(LogFormat::Raw));
        assert_eq!((t.max_level.name(), t.min_level.name()), ("info", "notice"));
        assert_eq!(target("log stderr daemon").dest, LogDest::Fd(2));
        let t = target("log /dev/log len 80 format short sample 5,1-3:6 daemon");
        assert_eq!(t.max_len, 80);
        assert_eq!(
            t.sample,
            Some(LogSample {
                ranges: vec![(1, 3), (5, 5)],
                size: 6
            })
        );
        assert!(matches!(
            target("log tcp@1.2.3.4:514 local0").dest,
            LogDest::Stream(_)
        ));
        assert_eq!(
            target("log ring@buf0 local0").dest,
            LogDest::Ring("buf0".into())
        );
        assert_eq!(target("log fd@3 local0").dest, LogDest::Fd(3));
        assert_eq!(
            target("log file@/var/log/app.log local0").dest,
            LogDest::File("/var/log/app.log".into())
        );
        assert!(g("log file@ local0").is_err());
        assert!(matches!(
            target("log unix@/dev/log user").dest,
            LogDest::Dgram(_)
        ));
        assert!(matches!(
            target("log localhost local0").dest,
            LogDest::Dgram(_)
        ));
        // Numbers are read as C's atoi reads them.
        assert_eq!(target("log stdout len +100 local0").max_len, 100);
    }

    #[test]
    fn errors_match_haproxy() {
        let e = |l: &str| g(l).unwrap_err();
        assert_eq!(
            e("log stdout local0 info notice x"),
            "cannot handle unexpected argument 'x'"
        );
        assert_eq!(
            e("log stdout format bad local0"),
            "unknown log format 'bad'"
        );
        assert_eq!(
            e("log stdout len 79 local0"),
            "invalid log length '79', must be between 80 and 65535"
        );
        assert_eq!(
            e("log stdout len x local0"),
            "invalid log length 'x', must be between 80 and 65535"
        );
        assert_eq!(
            e("log stdout sample 1-3,3:6 daemon"),
            "ranges are overlapping"
        );
        assert_eq!(
            e("log stdout sample 1,1:5 daemon"),
            "ranges are overlapping"
        );
        assert_eq!(
            e("log stdout sample 1-3:2 daemon"),
            "sample size 2 should be greater or equal to 3 the maximum of the high ranges limits"
        );
        assert_eq!(e("log stdout sample 0:2 daemon"), "wrong sample range '0'");
        assert_eq!(
            e("log stdout sample 2-1:5 daemon"),
            "wrong sample range '2-1'"
        );
        // HAProxy names the rest of the list from the faulty range on.
        assert_eq!(
            e("log stdout sample 2-1,5:6 daemon"),
            "wrong sample range '2-1,5'"
        );
        assert_eq!(
            e("log stdout sample 1,,2:5 daemon"),
            "wrong sample range ',2'"
        );
        assert_eq!(e("log stdout sample 1-3 daemon"), "Missing sample size");
        assert_eq!(e("log stdout sample :3 daemon"), "no sampling ranges given");
        assert_eq!(
            e("log stdout sample 1-3:x daemon"),
            "wrong sample size 'x' for sample range '1-3'"
        );
        assert_eq!(e("log stdout local9"), "unknown log facility 'local9'");
        assert_eq!(
            e("log stdout local0 foo"),
            "unknown optional log level 'foo'"
        );
        assert_eq!(
            e("log stdout local0 info foo"),
            "unknown optional minimum log level 'foo'"
        );
        assert_eq!(e("log len 100 local0"), "unknown log facility '100'");
        assert_eq!(e("log 127.0.0.1:99999 local0"), "invalid port '99999'");
        assert_eq!(
            e("log fd@x local0"),
            "file descriptor 'x' is not a valid integer in 'fd@x'\n"
        );
    }
}
