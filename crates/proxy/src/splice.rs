//! When tunnels splice (configuration manual 4.2 `option splice-auto`, `option
//! splice-request`, `option splice-response`; 3.2 `maxpipes`, `tune.pipesize`,
//! `nosplice`): the options of the frontend and the backend combine (either one enables a
//! direction), and the pipe pool is sized as HAProxy sizes it when `maxpipes` is not set.
//! The splicing itself happens in [`crate::tunnel`] with `rampart_net::splice`.

use crate::limits::Limits;
use rampart_model::proxy::options::OptionFlags;
use rampart_model::Snapshot;
use rampart_net::splice::PipeLimits;

/// A proxy's splicing options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpliceOpts {
    pub auto: bool,
    pub request: bool,
    pub response: bool,
}

impl SpliceOpts {
    /// The options of a proxy; all off when splicing is disabled for the process.
    pub fn of(flags: &OptionFlags, limits: &Limits) -> SpliceOpts {
        if !limits.splice {
            return SpliceOpts::default();
        }
        SpliceOpts {
            auto: flags.splice_auto,
            request: flags.splice_request,
            response: flags.splice_response,
        }
    }
}

/// How one direction of a tunnel uses splicing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Always copy through a buffer.
    #[default]
    Off,
    /// Splice once reads keep filling the buffer (HAProxy's "fast streamer").
    Auto,
    /// Splice from the start.
    Always,
}

/// The modes of the request (client → server) and response directions for a frontend
/// and a backend, as HAProxy ORs their options.
pub fn modes(fe: SpliceOpts, be: SpliceOpts) -> (Mode, Mode) {
    let auto = fe.auto || be.auto;
    let pick = |forced: bool| {
        if forced {
            Mode::Always
        } else if auto {
            Mode::Auto
        } else {
            Mode::Off
        }
    };
    (
        pick(fe.request || be.request),
        pick(fe.response || be.response),
    )
}

/// The pipe pool's limits: `maxpipes` when set, else HAProxy's estimate
/// ([`crate::limits::ideal_maxpipes`]), as [`Limits`] computed it.
pub fn pipe_limits(snap: &Snapshot, limits: &Limits) -> PipeLimits {
    let max = if limits.splice {
        limits.maxpipes as usize
    } else {
        0
    };
    PipeLimits {
        max,
        size: snap.global.tune.pipesize as usize,
        per_thread: max / limits.nbthread.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontend_and_backend_options_combine() {
        let none = SpliceOpts::default();
        let auto = SpliceOpts { auto: true, ..none };
        let req = SpliceOpts {
            request: true,
            ..none
        };
        assert_eq!(modes(none, none), (Mode::Off, Mode::Off));
        assert_eq!(modes(auto, none), (Mode::Auto, Mode::Auto));
        assert_eq!(modes(req, auto), (Mode::Always, Mode::Auto));
        assert_eq!(modes(none, req), (Mode::Always, Mode::Off));
    }
}
