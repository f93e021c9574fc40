//! Loading the configuration, as `init()` in src/haproxy.c does before anything binds:
//! every `-f` path must exist, the files are read in order (`rampart_config::reader`),
//! lowered into a `Snapshot` (`rampart_model::lower`), and every diagnostic is printed in
//! the order HAProxy would print it. Both `-c` and run mode go through [`load`]; `-c` then
//! ends with [`conclude`].
//!
//! HAProxy parses keywords while it reads each file, so it reports per file: the file's
//! messages in line order, then "Error(s) found in configuration file : F" when the file had
//! an alert. Only when every file parsed cleanly does it run the checks that span the whole
//! configuration. Rampart reads first and lowers afterwards, so [`arrange`] restores that
//! order: messages tied to a line (whatever the `Form` of their location) belong to the
//! reading of their file, the others come from the whole-configuration checks. A reader abort (`.alert`, a file that cannot be
//! opened...) ends the load after the file's messages, without "Fatal errors found", as
//! HAProxy's `ERR_ABORT` does.

use crate::banner;
use crate::cli::CommandLine;
use crate::listeners;
use crate::report::{write_out, Reporter};
use rampart_config::env::Env;
use rampart_config::predefined;
use rampart_config::reader::Reader;
use rampart_config::{Config, Diagnostic, Diagnostics, FileId, Level, Phase, SectionKind};
use rampart_model::proxy::HostResolver;
use rampart_model::{LowerOptions, Snapshot};
use std::path::PathBuf;

/// A configuration that loaded without a fatal error.
#[allow(
    dead_code,
    reason = "the runtime (issue 3) reads the sources and the environment"
)]
pub struct Loaded {
    pub config: Config,
    pub snapshot: Snapshot,
    /// The environment after reading (`setenv` and friends applied, `HAPROXY_CFGFILES` set).
    pub env: Env,
}

/// Why loading stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// Exit with this status; the messages were printed.
    Exit(u8),
    /// No configuration file: show the usage text.
    Usage,
}

/// The environment before any configuration file is read: the process environment plus
/// the variables HAProxy defines at startup (`HAPROXY_STARTUP_VERSION`, `HAPROXY_LOCALPEER`).
pub fn startup_env(cmd: &CommandLine) -> Env {
    let mut env = Env::from_process();
    let hostname = predefined::hostname();
    predefined::set_startup_vars(
        &mut env,
        &banner::version(),
        &hostname,
        cmd.localpeer.as_deref(),
    );
    env
}

/// Reads, lowers and reports. `report` must already carry the `config` context.
pub fn load(cmd: &CommandLine, env: Env, report: &mut Reporter) -> Result<Loaded, Stop> {
    if cmd.config_files.is_empty() {
        return Err(Stop::Usage);
    }
    let mut env = env;
    let mut reader = Reader::new(&mut env);
    let paths: Vec<&str> = cmd.config_files.iter().map(String::as_str).collect();
    reader.read_paths(&paths);
    let aborted = reader.aborted();
    let (config, read_diags) = reader.finish();
    if config.sources.names().next().is_none() && read_diags.is_empty() {
        // Only empty directories: HAProxy's list of files is empty.
        return Err(Stop::Usage);
    }

    let opts = LowerOptions {
        localpeer: cmd.localpeer.clone(),
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        // HAProxy resolves `bind` and server host names with the libc at parse time.
        resolver: HostResolver::system(),
    };
    let (snapshot, lower_diags) = rampart_model::lower(&config, &opts);

    let phases = arrange(&read_diags, &lower_diags);
    let quiet_from = quiet_line(&config);
    let mut fatal = false;
    for (file, diags) in &phases.files {
        for d in diags {
            let place = d.span.map(|s| (s.file, s.line));
            if quiet_from.is_some_and(|q| place.is_some_and(|p| q <= p)) {
                report.quiet_from_config();
            }
            report.diagnostic(d, &config.sources);
        }
        let has_alert = diags.iter().any(|d| d.level == Level::Alert);
        fatal |= has_alert;
        if let (Some(file), true) = (file, has_alert) {
            if quiet_from.is_some_and(|(q, _)| q <= *file) {
                report.quiet_from_config();
            }
            let name = config.sources.name(*file);
            report.alert(&format!("Error(s) found in configuration file : {name}"));
        }
    }
    if quiet_from.is_some() {
        report.quiet_from_config();
    }
    if aborted || lower_diags.aborted() {
        // HAProxy exits at once on ERR_ABORT, without the closing alert.
        return Err(Stop::Exit(1));
    }
    if fatal {
        report.alert("Fatal errors found in configuration.");
        return Err(Stop::Exit(1));
    }
    predefined::set_loaded_vars(&mut env, config.sources.names(), cmd.master_worker);

    if !cmd.master_cli.is_empty() && !cmd.master_worker {
        report.warning(
            "a master CLI socket was defined, but master-worker mode (-W) is not enabled.",
        );
    }
    for d in &phases.post {
        report.diagnostic(d, &config.sources);
    }
    if phases.post.iter().any(|d| d.level == Level::Alert) {
        report.alert("Fatal errors found in configuration.");
        return Err(Stop::Exit(1));
    }
    for d in &phases.init {
        report.diagnostic(d, &config.sources);
    }
    let snapshot = match snapshot {
        Some(s) => s,
        None => return Err(Stop::Exit(1)),
    };

    if (cmd.zero_warning || snapshot.global.zero_warning) && report.warned() {
        report.alert("Some warnings were found and 'zero-warning' is set. Aborting.");
        return Err(Stop::Exit(1));
    }
    Ok(Loaded {
        config,
        snapshot,
        env,
    })
}

/// The end of `-c` once loading succeeded: 0 when the configuration is valid and would
/// listen somewhere, 2 when it is valid but has nothing to listen on.
pub fn conclude(loaded: &Loaded, report: &Reporter) -> u8 {
    let say = |text: &str| {
        if !report.is_quiet() {
            write_out(text);
        }
    };
    if report.warned() {
        say("Warnings were found.\n");
    }
    if listeners::any(&loaded.snapshot) {
        say("Configuration file is valid\n");
        0
    } else {
        say("Configuration file has no error but will not start (no listener) => exit(2).\n");
        2
    }
}

/// Diagnostics in HAProxy's order: per file (in load order, then line order) while reading,
/// then the whole-configuration checks.
#[derive(Debug, Default)]
struct Phases<'a> {
    /// One group per file; `None` for reader messages not tied to a line.
    files: Vec<(Option<FileId>, Vec<&'a Diagnostic>)>,
    /// Whole-configuration checks (and lowering messages not tied to a line), in order.
    post: Vec<&'a Diagnostic>,
    /// Server initialisation after a valid check; the model ends a failure with HAProxy's
    /// "Failed to initialize server(s) addr.", so no "Fatal errors found" follows it.
    init: Vec<&'a Diagnostic>,
}

/// Merges the reader's and the lowering's messages (see the module documentation). Among
/// messages on the same line, the reader's come first. A reader message without a line
/// (a file that cannot be listed or opened) comes after every message of the file before
/// it, in a group of its own: HAProxy names no file as erroneous for it.
fn arrange<'a>(read: &'a Diagnostics, lowered: &'a Diagnostics) -> Phases<'a> {
    // Sort key (file, line, source: 0 reader / 1 lowering, index), a total order, and the
    // group the message is reported under.
    type Key = (Option<u32>, u32, u8, usize);
    let mut keyed: Vec<(Key, Option<FileId>, &Diagnostic)> =
        Vec::with_capacity(read.len() + lowered.len());
    let mut last_file: Option<u32> = None;
    for (i, d) in read.iter().enumerate() {
        match d.span {
            Some(span) => {
                last_file = Some(span.file.0);
                keyed.push(((last_file, span.line, 0, i), Some(span.file), d));
            }
            None => keyed.push(((last_file, u32::MAX, 0, i), None, d)),
        }
    }
    let mut phases = Phases::default();
    for (i, d) in lowered.iter().enumerate() {
        match (d.phase, d.span) {
            (Phase::Init, _) => phases.init.push(d),
            (Phase::Check, _) | (Phase::Parse, None) => phases.post.push(d),
            (Phase::Parse, Some(s)) => {
                keyed.push(((Some(s.file.0), s.line, 1, i), Some(s.file), d))
            }
        }
    }
    keyed.sort_by_key(|&(key, ..)| key);
    for (_, group, d) in keyed {
        match phases.files.last_mut() {
            Some((g, list)) if *g == group => list.push(d),
            _ => phases.files.push((group, vec![d])),
        }
    }
    phases
}

/// Where the `quiet` keyword of a `global` section takes effect, if anywhere: HAProxy
/// silences startup messages from that line on (the Snapshot only keeps the flag).
fn quiet_line(config: &Config) -> Option<(FileId, u32)> {
    config
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Global)
        .flat_map(|s| s.lines.iter())
        .find(|l| l.keyword() == "quiet" && l.args().is_empty())
        .map(|l| (l.span.file, l.span.line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_config::Span;

    fn at(file: u32, line: u32, msg: &str) -> Diagnostic {
        Diagnostic::alert(
            Some(Span {
                file: FileId(file),
                line,
            }),
            msg,
        )
    }

    #[test]
    fn reading_order_is_restored() {
        let mut read = Diagnostics::new();
        read.push(at(0, 5, "r0:5"));
        read.push(Diagnostic::warning(None, "r-nospan"));
        read.push(at(1, 2, "r1:2"));
        let mut lowered = Diagnostics::new();
        lowered.push(at(0, 3, "l0:3"));
        lowered.push(Diagnostic::warning(None, "post1"));
        lowered.push(at(1, 2, "l1:2"));
        lowered.push(at(0, 9, "l0:9"));
        lowered.push(Diagnostic::alert(None, "post2"));
        lowered.push(at(1, 1, "dup").form(rampart_config::Form::CapitalParsing));
        lowered.push(Diagnostic::alert(None, "post3"));
        let p = arrange(&read, &lowered);
        let files: Vec<(Option<FileId>, Vec<&str>)> = p
            .files
            .iter()
            .map(|(f, ds)| (*f, ds.iter().map(|d| d.message.as_str()).collect()))
            .collect();
        assert_eq!(
            files,
            [
                (Some(FileId(0)), vec!["l0:3", "r0:5", "l0:9"]),
                (None, vec!["r-nospan"]),
                (Some(FileId(1)), vec!["dup", "r1:2", "l1:2"]),
            ]
        );
        let post: Vec<&str> = p.post.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(post, ["post1", "post2", "post3"]);
    }

    #[test]
    fn reader_messages_before_any_file() {
        let mut read = Diagnostics::new();
        read.push(Diagnostic::alert(None, "cannot open"));
        let none = Diagnostics::new();
        let p = arrange(&read, &none);
        assert_eq!(p.files.len(), 1);
        assert_eq!(p.files[0].0, None);
    }
}
