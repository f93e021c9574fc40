//! Rule order (HAProxy's `warnif_misplaced_*`): rules of a proxy run by stage whatever
//! their position in the section (`tcp-request connection`, `session`, `content`,
//! `monitor fail`, `http-request`, `redirect`, `use_backend`, `use-server`), so a rule
//! written after one of a later stage gets HAProxy's warning that it "will still be
//! processed before".

use super::ProxiesBuilder;
use crate::kw::Cx;

/// The stages, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    TcpConn,
    TcpSess,
    TcpCont,
    Monitor,
    HttpReq,
    Redirect,
    UseBackend,
    UseServer,
}

impl Stage {
    fn bit(self) -> u8 {
        1 << self as u8
    }
    /// How HAProxy names a stage in the warning.
    fn phrase(self) -> &'static str {
        match self {
            Stage::TcpConn => "a 'tcp-request connection'",
            Stage::TcpSess => "a 'tcp-request session'",
            Stage::TcpCont => "a 'tcp-request content'",
            Stage::Monitor => "a 'monitor fail'",
            Stage::HttpReq => "an 'http-request'",
            Stage::Redirect => "a 'redirect'",
            Stage::UseBackend => "a 'use_backend'",
            Stage::UseServer => "a 'use-server'",
        }
    }
}

/// Checks a rule of `stage` written as `arg` against the later stages already seen
/// (the first one found is reported, as HAProxy's chain of checks stops there), then
/// records the stage.
pub(crate) fn place(b: &mut ProxiesBuilder, cx: &mut Cx<'_>, stage: Stage, arg: &str) {
    const LATER: [Stage; 7] = [
        Stage::TcpSess,
        Stage::TcpCont,
        Stage::Monitor,
        Stage::HttpReq,
        Stage::Redirect,
        Stage::UseBackend,
        Stage::UseServer,
    ];
    let seen = b.cur().stages_seen;
    // `use_backend` and `use-server` are not checked themselves.
    if stage < Stage::UseBackend {
        if let Some(l) = LATER.iter().find(|l| **l > stage && seen & l.bit() != 0) {
            cx.warn(format!(
                "a '{arg}' rule placed after {} rule will still be processed before.",
                l.phrase()
            ));
        }
    }
    b.px().stages_seen |= stage.bit();
}
