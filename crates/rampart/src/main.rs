//! The `rampart` binary: HAProxy 2.6's command line (management guide, section 3) over
//! Rampart's configuration pipeline.
//!
//! The order of `init()` in HAProxy's src/haproxy.c is kept: arguments are parsed (and may
//! exit early: `-v`, usage, `-dMhelp`), then `-C` changes directory, `-cc` evaluates its
//! condition, the configuration is loaded and checked, the `-dL`/`-dK` dumps run, and `-c`
//! concludes, or the runtime starts.
//!
//! - [`cli`]: argv → [`cli::CommandLine`]; [`usage`]: the usage text; [`banner`]: `-v`/`-vv`.
//! - [`report`]: HAProxy-formatted messages on stderr.
//! - [`condition`]: `-cc`; [`check`]: loading and `-c` ([`listeners`]: its exit 2 test,
//!   and run mode's "No enabled listener");
//!   [`dumps`]: `-dL`/`-dK`; [`run`]: run mode.

mod alloc;
mod banner;
mod check;
mod cli;
mod condition;
mod daemon;
mod dumps;
mod listeners;
mod report;
mod run;
mod trace;
mod usage;

use cli::Exit;

/// mimalloc instead of glibc's allocator: loading a large configuration is dominated by
/// small allocations (measured with bench/parse.sh), and the runtime's buffers will be too.
/// Wrapped to count allocation calls for benchmarks ([`alloc::Counting`]).
#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;
use report::{write_out, Reporter};
use std::process::ExitCode;

fn main() -> ExitCode {
    alloc::start_counting();
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let argv0 = argv.first().map_or("rampart", String::as_str);
    let program = usage::program_name(argv0);
    let exec_path = report::exec_path(argv0);
    // Messages met while parsing arguments are never quiet: `-q` applies afterwards.
    let mut report = Reporter::new(exec_path.clone());

    let parsed = cli::parse(argv.get(1..).unwrap_or(&[]));
    for w in &parsed.warnings {
        report.warning(w);
    }
    let cmd = match parsed.result {
        Ok(cmd) => cmd,
        Err(Exit::Version { build_options }) => {
            write_out(&if build_options {
                banner::build_options_text()
            } else {
                banner::version_text()
            });
            return ExitCode::SUCCESS;
        }
        Err(Exit::Usage { alert, maxpconn }) => {
            if let Some(a) = alert {
                report.alert(&a);
            }
            show_usage(program, maxpconn);
            return ExitCode::FAILURE;
        }
        Err(Exit::MemoryDebugHelp) => {
            write_out(&usage::memory_debug_help());
            return ExitCode::SUCCESS;
        }
        Err(Exit::Fatal(msg)) => {
            report.alert(&msg);
            return ExitCode::FAILURE;
        }
    };
    let code = start(&cmd, argv0, exec_path.as_deref(), &mut report);
    alloc::report_count();
    ExitCode::from(code)
}

/// Everything after argument parsing; returns the exit status.
/// `argv0` is the program as invoked: HAProxy's `[argv0.main()]` messages show it as is.
fn start(
    cmd: &cli::CommandLine,
    argv0: &str,
    exec_path: Option<&str>,
    report: &mut Reporter,
) -> u8 {
    report.set_modes(cmd.quiet, cmd.verbose, cmd.diag);
    if let Some(dir) = &cmd.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            let reason = rampart_config::reader::io_reason(&e);
            report.alert(&format!("Could not change to directory {dir} : {reason}"));
            return 1;
        }
    }
    report.set_context(Some("config"));
    let env = check::startup_env(cmd);
    if let Some(expr) = &cmd.check_condition {
        return condition::check(expr, &env, report);
    }
    let loaded = match check::load(cmd, env, report) {
        Ok(loaded) => loaded,
        Err(check::Stop::Exit(code)) => return code,
        Err(check::Stop::Usage) => {
            show_usage(usage::program_name(argv0), cmd.maxpconn.unwrap_or(0));
            return 1;
        }
    };
    if cmd.dump_libs {
        dumps::loaded_objects(exec_path, report.is_quiet());
    }
    if let Some(classes) = &cmd.dump_keywords {
        dumps::keywords(classes);
    }
    if cmd.check {
        let code = check::conclude(&loaded, report);
        // The process ends here: freeing a large configuration piece by piece would
        // only cost time (HAProxy does not free it either).
        std::mem::forget(loaded);
        return code;
    }
    run::run(cmd, argv0, loaded, report)
}

/// HAProxy's `usage()`: the version on stdout, the usage text on stderr (then exit 1).
fn show_usage(program: &str, maxpconn: i64) {
    write_out(&banner::version_text());
    let mut err = std::io::stderr().lock();
    let _ = std::io::Write::write_all(&mut err, usage::text(program, maxpconn).as_bytes());
}
