//! Run mode: what follows a successful load without `-c`. The Snapshot becomes a running
//! proxy (`rampart_proxy`): limits are computed and the descriptor limit raised (fatal
//! under `strict-limits` when it cannot be), every listener is bound, the process
//! detaches if asked (`-D`), writes its pid file, drops privileges, tells old processes
//! to finish (`-sf`) or terminate (`-st`), and serves until it is stopped.

use crate::check::Loaded;
use crate::cli::{CommandLine, OldPidSignal};
use crate::daemon;
use crate::report::Reporter;
use std::path::PathBuf;

/// Starts the proxy and returns the process exit status when it stops.
/// `program` is the program as invoked (`argv[0]`), which HAProxy's `[prog.main()]`
/// messages show.
pub fn run(cmd: &CommandLine, program: &str, loaded: Loaded, report: &mut Reporter) -> u8 {
    crate::trace::install(cmd.debug);
    // HAProxy drops the `config` context once the configuration is processed.
    report.set_context(None);
    let snap = &loaded.snapshot;
    let g = &snap.global;
    let splice = snap.proxies.iter().any(|p| {
        let f = &p.options.flags;
        f.splice_auto || f.splice_request || f.splice_response
    }) && !cmd.disabled.splice
        && !g.nosplice;
    let maxconn = cmd.maxconn.and_then(|m| u32::try_from(m).ok());
    let mut limits = rampart_proxy::limits::compute(snap, maxconn, splice);
    limits.reuseport = !cmd.disabled.reuseport;
    if limits.maxconn_computed && (cmd.debug || cmd.verbose) {
        eprintln!("Note: setting global.maxconn to {}.", limits.maxconn);
    }
    let main = format!("[{program}.main()]");
    match limits.raise_nofile() {
        Ok(None) => {}
        Ok(Some(w)) => report.warning(&format!("{main} {w}")),
        Err(e) => {
            report.alert(&format!("{main} {e}"));
            return 1;
        }
    }
    for d in rampart_proxy::gaps::warnings(snap, limits.nbthread) {
        report.diagnostic(&d, &loaded.config.sources);
    }
    // Logging (rampart-log): ring names checked, files opened, log-forward sockets
    // bound now; its threads start once the process has detached.
    report.set_context(Some("config"));
    let logging = match rampart_log::prepare(snap, program, &loaded.config.sources) {
        Ok(p) => p,
        Err(msgs) => {
            for m in &msgs {
                report.alert(m);
            }
            return 1;
        }
    };
    report.set_context(None);
    let sources = &loaded.config.sources;
    let loc = |span: rampart_config::Span| format!("{}:{}", sources.name(span.file), span.line);
    // `-x <socket>`: the old process's listening sockets, used instead of binding new
    // ones wherever the addresses match (a seamless reload).
    if let Some(x) = &cmd.fd_socket {
        match rampart_net::xfer::receive_sockets(std::path::Path::new(x)) {
            Ok(fds) => rampart_net::xfer::offer(fds),
            Err(_) => {
                report.alert(&format!(
                    "{main} Failed to get the sockets from the old process!"
                ));
                return 1;
            }
        }
    }
    let built = match rampart_proxy::build(snap, &limits, &loc) {
        Ok(b) => b,
        Err(e) => {
            for m in &e.messages {
                report.alert(m);
            }
            report.alert(&format!(
                "{main} Some protocols failed to start their listeners! Exiting."
            ));
            return 1;
        }
    };
    // The CLI's sockets (`stats socket`) are bound with the proxies' listeners.
    let nb_listeners = built.listeners.iter().map(Vec::len).sum();
    let mut cli = match rampart_admin::prepare(snap, &limits, nb_listeners) {
        Ok(c) => c,
        Err(msgs) => {
            for m in &msgs {
                report.alert(&format!("{main} {m}"));
            }
            report.alert(&format!(
                "{main} Some protocols failed to start their listeners! Exiting."
            ));
            return 1;
        }
    };
    // Received sockets no listener of this configuration wanted are closed.
    drop(rampart_net::xfer::unclaimed());
    // What `_getsocks` hands to a successor (`expose-fd listeners`).
    cli.export(built.listeners.iter().flatten());
    // HAProxy refuses to run without any listener (`bind`, `stats socket`).
    if !crate::listeners::any(snap) {
        report.alert(&format!(
            "{main} No enabled listener found (check for 'bind' directives) ! Exiting."
        ));
        return 1;
    }
    // HAProxy checks the limit once more with the listeners bound.
    if let Some(m) = limits.fd_shortage() {
        report.alert(&format!("{main} {m}"));
        if limits.strict {
            return 1;
        }
    }
    let pidfile: Option<PathBuf> = cmd
        .pidfile
        .as_ref()
        .map(PathBuf::from)
        .or_else(|| g.pidfile.clone());
    let daemon = (cmd.daemon || g.daemon) && !cmd.debug && !cmd.foreground;
    if daemon {
        if let Err(e) = daemon::daemonize(program, pidfile.as_deref()) {
            report.alert(&e);
            return 1;
        }
    } else if let Some(p) = &pidfile {
        if let Err(e) = daemon::write_pidfile(program, p) {
            report.alert(&e);
            return 1;
        }
    }
    rampart_proxy::affinity::bind_process(&g.cpu_map, daemon);
    if let Err(e) = daemon::drop_privileges(program, g.chroot.as_deref(), g.uid, g.gid) {
        report.alert(&e);
        return 1;
    }
    if let Err(e) = logging.start() {
        report.alert(&format!("{main} cannot start logging: {e}"));
        return 1;
    }
    let mut opts = rampart_proxy::RunOptions {
        quiet: report.is_quiet(),
        // Listeners the workers do not own keep the process alive as the CLI's would:
        // the stats sockets and the log-forward receivers (rampart-log's thread).
        cli_listeners: !g.stats.sockets.is_empty()
            || snap
                .others
                .log_forwards
                .iter()
                .any(|l| !l.binds.is_empty() || !l.dgram_binds.is_empty()),
        ..Default::default()
    };
    match cmd.old_pids.signal {
        Some(OldPidSignal::Finish) => opts.soft_stop_pids = cmd.old_pids.pids.clone(),
        Some(OldPidSignal::Terminate) => opts.hard_stop_pids = cmd.old_pids.pids.clone(),
        None => {}
    }
    drop(loaded);
    // Start-up ends as the threads start (HAProxy clears `MODE_STARTING` there): later
    // messages are not kept for `show startup-logs`.
    rampart_log::startup::close();
    let status = rampart_proxy::run_with(built.runtime, built.listeners, opts, |rt, ctl| {
        // The statistics page's renderer, before the workers serve requests.
        rampart_admin::page::install(rt, ctl, cli.process());
        if let Err(e) = cli.start(rt, ctl) {
            eprintln!(
                "[ALERT]    ({}) : cannot start the CLI thread: {e}",
                std::process::id()
            );
        }
    });
    // Lines still queued are written before the process exits.
    rampart_log::flush(std::time::Duration::from_secs(1));
    status
}
