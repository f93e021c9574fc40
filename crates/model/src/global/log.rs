//! `log` lines (manual 3.1 "log" for the global section, 4.2 "log" for proxies): where
//! traffic and process logs go, in which syslog format, with which facility and levels.
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
//! (`tcp@`) gets an implicit ring buffer, as in HAProxy. The parser is shared with proxy
//! sections, which is why [`parse_log_line`] takes the context as an argument.

use rampart_config::Span;

use super::addr::{self, AddrOpts, Address, Port, SockType, Target};
use super::args::leading_uint;

/// One `log` line's effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogLine {
    /// `no log`: forget every target declared so far in this context.
    Clear,
    /// `log global` (proxies only): use the global section's targets.
    Global,
    /// A new target.
    Target(LogTarget),
}

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
    Dgram(Address),
    /// A stream address (`tcp@...`): HAProxy creates an implicit ring named `ring#N` and
    /// forwards it over TCP.
    Stream(Address),
    /// An inherited descriptor, `stdout` (1) and `stderr` (2) included.
    Fd(i32),
    /// A ring buffer declared with `ring <name>` (or the built-in `buf0`).
    Ring(String),
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

/// Parses a `log` line. `words[0]` is `log`; `no` is true for `no log`; `in_global` selects
/// the global section's rules (no `log global`, and the expected-arguments wording).
/// Errors are HAProxy's texts; callers print them as `log : <message>`.
pub fn parse_log_line(
    words: &[String],
    no: bool,
    in_global: bool,
    span: Span,
) -> Result<LogLine, String> {
    let arg = |i: usize| words.get(i).map_or("", String::as_str);
    if no {
        if !arg(1).is_empty() {
            return Err("'no log' does not expect arguments".into());
        }
        return Ok(LogLine::Clear);
    }
    if !arg(1).is_empty() && arg(2).is_empty() && arg(1) == "global" {
        if in_global {
            return Err("'global' is not supported for a global syslog server".into());
        }
        return Ok(LogLine::Global);
    }
    if arg(1).is_empty() || arg(2).is_empty() {
        return Err(format!(
            "expects <address> and <facility> {} as arguments",
            if in_global { "" } else { "or global" }
        ));
    }

    let mut cur = 2;
    let mut max_len = DEFAULT_MAX_LEN;
    if arg(cur) == "len" {
        let len = super::args::atoi(arg(cur + 1));
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

    let dest = parse_dest(arg(1))?;
    Ok(LogLine::Target(LogTarget {
        span,
        dest,
        max_len,
        format,
        sample,
        facility,
        max_level,
        min_level,
    }))
}

/// The target word: `ring@name`, `stdout`/`stderr`, or an address.
fn parse_dest(text: &str) -> Result<LogDest, String> {
    if let Some(name) = text.strip_prefix("ring@") {
        return Ok(LogDest::Ring(name.to_string()));
    }
    let text = match text {
        "stdout" => "fd@1",
        "stderr" => "fd@2",
        t => t,
    };
    let mut a = addr::parse(text, &AddrOpts::LOG)?;
    if let Target::Fd(fd) = a.target {
        return Ok(LogDest::Fd(fd));
    }
    if matches!(a.target, Target::Ip(_) | Target::Name { .. }) && a.port == Port::None {
        a.port = Port::Range(SYSLOG_PORT, SYSLOG_PORT);
    }
    Ok(if a.proto == SockType::Stream {
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

    fn g(line: &str) -> Result<LogLine, String> {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse_log_line(&words, false, true, SPAN)
    }
    fn target(line: &str) -> LogTarget {
        match g(line).unwrap() {
            LogLine::Target(t) => t,
            other => panic!("not a target: {other:?}"),
        }
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
        assert!(matches!(
            target("log unix@/dev/log user").dest,
            LogDest::Dgram(_)
        ));
        assert!(matches!(
            target("log localhost local0").dest,
            LogDest::Dgram(_)
        ));
        assert_eq!(
            parse_log_line(&["log".into()], true, true, SPAN),
            Ok(LogLine::Clear)
        );
        assert_eq!(
            parse_log_line(&["log".into(), "global".into()], false, false, SPAN),
            Ok(LogLine::Global)
        );
    }

    #[test]
    fn errors_match_haproxy() {
        let e = |l: &str| g(l).unwrap_err();
        assert_eq!(
            e("log global"),
            "'global' is not supported for a global syslog server"
        );
        assert_eq!(e("log"), "expects <address> and <facility>  as arguments");
        assert_eq!(
            e("log 1.2.3.4"),
            "expects <address> and <facility>  as arguments"
        );
        assert_eq!(
            parse_log_line(&["log".into()], false, false, SPAN).unwrap_err(),
            "expects <address> and <facility> or global as arguments"
        );
        assert_eq!(
            parse_log_line(&["log".into(), "x".into()], true, true, SPAN).unwrap_err(),
            "'no log' does not expect arguments"
        );
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
