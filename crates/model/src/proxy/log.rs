//! `log` in proxy sections (configuration manual 4.2 `log`; HAProxy's `parse_logsrv`):
//! `log global`, `no log`, and `log <target> [len <n>] [format <fmt>] [sample <ranges>:<size>]
//! <facility> [<level> [<minlevel>]]` with targets as in section 11 (`ring@name`, `stdout`,
//! `stderr`, `fd@N`, UDP/TCP/Unix addresses).

use super::addr::{self, AddrOpts, SockAddr};
use super::ProxiesBuilder;
use crate::kw::Cx;
use rampart_config::{Modifier, Span};

/// The syslog facilities, in code order.
pub const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// The syslog levels, in code order.
pub const LEVELS: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// The header formats of `log ... format`.
pub const FORMATS: [&str; 8] = [
    "local", "rfc3164", "rfc5424", "priority", "short", "timed", "iso", "raw",
];

/// Where log lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogAddr {
    /// A socket address (UDP by default, `tcp@` makes it a stream through an implicit ring).
    Addr(SockAddr),
    /// `ring@<name>`.
    Ring(String),
}

/// One `log <target> ...` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogServer {
    pub addr: LogAddr,
    pub maxlen: u32,
    pub format: Option<&'static str>,
    /// `sample <ranges>:<size>`: sorted inclusive ranges and the sample size.
    pub sample: Option<(Vec<(u32, u32)>, u32)>,
    pub facility: u8,
    pub level: u8,
    pub minlevel: u8,
    pub span: Span,
}

/// One entry of a proxy's log list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogTarget {
    /// `log global`: the global section's targets.
    Global(Span),
    Server(LogServer),
}

/// The `log` lines of a proxy, after `no log` cleared the inherited ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyLogs {
    pub targets: Vec<LogTarget>,
}

/// The `log` keyword.
pub(crate) fn log(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let span = cx.span();
    let r = if cx.line.modifier == Modifier::No {
        if !cx.args().is_empty() {
            Err("'no log' does not expect arguments".to_string())
        } else {
            b.px().logs.targets.clear();
            Ok(())
        }
    } else {
        parse(cx.args(), span, b.resolver()).map(|t| {
            let logs = &mut b.px().logs.targets;
            if !(matches!(t, LogTarget::Global(_))
                && logs.iter().any(|x| matches!(x, LogTarget::Global(_))))
            {
                logs.push(t);
            }
        })
    };
    r.map_err(|e| format!("log : {e}"))
}

/// Parses the arguments of a `log` line (not `no log`).
pub fn parse(
    args: &[String],
    span: Span,
    resolver: &addr::HostResolver,
) -> Result<LogTarget, String> {
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    if a(0) == "global" && a(1).is_empty() {
        return Ok(LogTarget::Global(span));
    }
    if a(0).is_empty() || a(1).is_empty() {
        return Err("expects <address> and <facility> or global as arguments".into());
    }
    let mut i = 1;
    let mut maxlen = 1024;
    if a(i) == "len" {
        let n = addr::atoi(a(i + 1));
        if !(80..=65535).contains(&n) {
            return Err(format!(
                "invalid log length '{}', must be between 80 and 65535",
                a(i + 1)
            ));
        }
        maxlen = n as u32;
        i += 2;
    }
    let mut format = None;
    if a(i) == "format" {
        let f = a(i + 1);
        format = Some(
            FORMATS
                .iter()
                .copied()
                .find(|x| *x == f)
                .ok_or_else(|| format!("unknown log format '{f}'"))?,
        );
        i += 2;
    }
    let mut sample = None;
    if a(i) == "sample" {
        sample = Some(parse_sample(a(i + 1))?);
        i += 2;
    }
    let fac = a(i);
    let facility = FACILITIES
        .iter()
        .position(|f| *f == fac)
        .ok_or_else(|| format!("unknown log facility '{fac}'"))? as u8;
    i += 1;
    let mut level = 7;
    if !a(i).is_empty() {
        level = LEVELS
            .iter()
            .position(|l| *l == a(i))
            .ok_or_else(|| format!("unknown optional log level '{}'", a(i)))? as u8;
        i += 1;
    }
    let mut minlevel = 0;
    if !a(i).is_empty() {
        minlevel = LEVELS
            .iter()
            .position(|l| *l == a(i))
            .ok_or_else(|| format!("unknown optional minimum log level '{}'", a(i)))?
            as u8;
        i += 1;
    }
    if !a(i).is_empty() {
        return Err(format!("cannot handle unexpected argument '{}'", a(i)));
    }
    let target = match a(0) {
        "stdout" => "fd@1",
        "stderr" => "fd@2",
        t => t,
    };
    let addr = match target.strip_prefix("ring@") {
        Some(ring) => LogAddr::Ring(ring.to_string()),
        None => LogAddr::Addr(addr::parse(target, &AddrOpts::LOG, resolver)?),
    };
    Ok(LogTarget::Server(LogServer {
        addr,
        maxlen,
        format,
        sample,
        facility,
        level,
        minlevel,
        span,
    }))
}

/// `<low>[-<high>][,...]:<size>`.
fn parse_sample(s: &str) -> Result<(Vec<(u32, u32)>, u32), String> {
    let Some((ranges, size)) = s.split_once(':') else {
        return Err("Missing sample size".into());
    };
    let mut out: Vec<(u32, u32)> = Vec::new();
    let mut max_high = 0;
    for r in ranges.split(',').filter(|r| !r.is_empty()) {
        let bad = || format!("wrong sample range '{r}'");
        let (lo, hi) = match r.split_once('-') {
            Some((l, h)) => (read_uint(l).ok_or_else(bad)?, read_uint(h).ok_or_else(bad)?),
            None => {
                let v = read_uint(r).ok_or_else(bad)?;
                (v, v)
            }
        };
        if lo == 0 || hi < lo || (hi == lo && r.contains('-')) {
            return Err(bad());
        }
        if out
            .iter()
            .any(|&(l, h)| (lo >= l && lo <= h) || (hi >= l && hi <= h))
        {
            return Err("ranges are overlapping".into());
        }
        max_high = max_high.max(hi);
        out.push((lo, hi));
    }
    if out.is_empty() {
        return Err("no sampling ranges given".into());
    }
    let n = read_uint(size)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("wrong sample size '{size}' for sample range '{s}'"))?;
    if n < max_high {
        return Err(format!(
            "sample size {n} should be greater or equal to {max_high} the maximum of the high ranges limits"
        ));
    }
    out.sort_unstable();
    Ok((out, n))
}

fn read_uint(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::*;

    #[test]
    fn log_lines() {
        let r = run("defaults\n log global\n log 127.0.0.1:514 len 4096 format rfc5424 sample 1-2,4:5 local0 info notice\nbackend b\n log stdout format raw local1\n log ring@buf daemon\n");
        let t = &r.proxy("b").logs.targets;
        assert_eq!(t.len(), 4);
        assert!(matches!(t[0], LogTarget::Global(_)));
        match &t[1] {
            LogTarget::Server(s) => {
                assert_eq!(
                    (s.maxlen, s.format, s.facility, s.level, s.minlevel),
                    (4096, Some("rfc5424"), 16, 6, 5)
                );
                assert_eq!(s.sample, Some((vec![(1, 2), (4, 4)], 5)));
            }
            LogTarget::Global(_) => panic!("expected a server"),
        }
        assert!(
            matches!(&t[3], LogTarget::Server(LogServer { addr: LogAddr::Ring(n), .. }) if n == "buf")
        );
        let r = run("defaults\n log global\nbackend b\n no log\n");
        assert!(r.proxy("b").logs.targets.is_empty());
    }

    #[test]
    fn log_errors() {
        let cases = [
            ("no log x", "log : 'no log' does not expect arguments"),
            ("log 1.2.3.4", "log : expects <address> and <facility> or global as arguments"),
            ("log 1.2.3.4 len 10 local0", "log : invalid log length '10', must be between 80 and 65535"),
            ("log 1.2.3.4 format x local0", "log : unknown log format 'x'"),
            ("log 1.2.3.4 foo", "log : unknown log facility 'foo'"),
            ("log 1.2.3.4 local0 bar", "log : unknown optional log level 'bar'"),
            ("log 1.2.3.4 local0 info bar", "log : unknown optional minimum log level 'bar'"),
            ("log 1.2.3.4 local0 info err x", "log : cannot handle unexpected argument 'x'"),
            ("log 1.2.3.4 sample 1-2 local0", "log : Missing sample size"),
            ("log 1.2.3.4 sample 2-1:4 local0", "log : wrong sample range '2-1'"),
            ("log 1.2.3.4 sample 1-3,2:4 local0", "log : ranges are overlapping"),
            ("log 1.2.3.4 sample 1-3:2 local0", "log : sample size 2 should be greater or equal to 3 the maximum of the high ranges limits"),
        ];
        for (line, msg) in cases {
            let r = run(&format!("backend b\n {line}\n"));
            assert!(r.has_alert(msg), "{line}");
        }
    }
}
