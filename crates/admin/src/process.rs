//! Commands about the process itself (management guide 9.3): `show version`, HAProxy's
//! version string as `show info` reports it in its `Version` field, at any level.

use crate::info::Process;
use crate::proto::{Command, Reply};

/// Answers `show version`; false for other commands.
pub fn command(p: &Process, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    if cmd.kw.words != ["show", "version"] {
        return false;
    }
    out.raw(&format!("{}\n", p.version));
    true
}
