//! `log` in proxy sections (configuration manual 4.2 `log`; HAProxy's `parse_logsrv`):
//! `log global`, `no log`, and `log <target> ...`, whose target part is parsed by
//! [`crate::log::parse_target`] exactly as in the global section.

use super::ProxiesBuilder;
use crate::kw::Cx;
use crate::log::parse_target;
use rampart_config::{Modifier, Span};

/// One entry of a proxy's log list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogTarget {
    /// `log global`: the global section's targets.
    Global(Span),
    /// `log <target> ...`.
    Server(crate::log::LogTarget),
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
    resolver: &crate::addr::HostResolver,
) -> Result<LogTarget, String> {
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    if a(0) == "global" && a(1).is_empty() {
        return Ok(LogTarget::Global(span));
    }
    if a(0).is_empty() || a(1).is_empty() {
        return Err("expects <address> and <facility> or global as arguments".into());
    }
    parse_target(args, span, resolver).map(LogTarget::Server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{Facility, Level, LogDest, LogFormat, LogSample};
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
                    (s.max_len, s.format, s.facility, s.max_level, s.min_level),
                    (
                        4096,
                        Some(LogFormat::Rfc5424),
                        Facility(16),
                        Level(6),
                        Level(5)
                    )
                );
                assert_eq!(
                    s.sample,
                    Some(LogSample {
                        ranges: vec![(1, 2), (4, 4)],
                        size: 5
                    })
                );
            }
            LogTarget::Global(_) => panic!("expected a server"),
        }
        assert!(matches!(&t[3], LogTarget::Server(s) if s.dest == LogDest::Ring("buf".into())));
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
