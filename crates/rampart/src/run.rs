//! Run mode: what follows a successful load without `-c`. This is the seam where the proxy
//! runtime (issue 3: listeners, streams, servers) takes the `Snapshot` and the command line
//! (daemon, master-worker, pid file, `-sf`/`-st`). Until then, Rampart says plainly that it
//! cannot run a proxy and exits 1, so no init script mistakes it for a running service.

use crate::check::Loaded;
use crate::cli::CommandLine;
use crate::report::Reporter;
use rampart_core::version::RAMPART_VERSION;

/// Starts the proxy and returns the process exit status when it stops.
pub fn run(cmd: &CommandLine, loaded: Loaded, report: &mut Reporter) -> u8 {
    let _ = (cmd, loaded);
    // HAProxy drops the `config` context once the configuration is processed.
    report.set_context(None);
    report.alert(&format!(
        "Rampart {RAMPART_VERSION}: the proxy runtime is not implemented in this build; \
         only configuration checks (-c) are available."
    ));
    1
}
