//! Commands about the process itself (management guide 9.3): `show version`, HAProxy's
//! version string as `show info` reports it in its `Version` field, at any level; `show
//! startup-logs`, the alerts, warnings and notices printed on stderr while the process
//! started (kept by `rampart_log::startup`), from the operator level.

use crate::info::Process;
use crate::proto::{Command, Reply, LOG_INFO, PERMISSION_DENIED};
use rampart_model::global::stats::AccessLevel;

/// Answers `show version` and `show startup-logs`; false for other commands.
pub fn command(p: &Process, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    match cmd.kw.words {
        ["show", "version"] => out.raw(&format!("{}\n", p.version)),
        ["show", "startup-logs"] => {
            if cmd.level < AccessLevel::Operator {
                out.err(PERMISSION_DENIED);
            } else {
                match rampart_log::startup::read() {
                    Some(text) => out.raw(&text),
                    // Nothing was printed: HAProxy answers an empty informational line.
                    None => out.msg(LOG_INFO, "\n"),
                }
            }
        }
        _ => return false,
    }
    true
}
