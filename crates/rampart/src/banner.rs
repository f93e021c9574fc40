//! `-v` and `-vv`: the version banner and the build options, laid out like HAProxy's
//! `display_version()` and `display_build_opts()` so that tools reading HAProxy's banner
//! (HAProxy's own `scripts/run-regtests.sh`, monitoring probes) read Rampart's:
//!
//! - the first line matches `HA-?Proxy version` and its third field is the numeric HAProxy
//!   version Rampart is compatible with, suffixed with Rampart's own version;
//! - no other line matches that pattern, `TARGET.*=`, `^Feature` or `^Available services`;
//! - `Feature list :` comes from `rampart_core::features`, the single source of truth, and
//!   the other blocks (pollers, multiplexers, services, filters) list only what Rampart has
//!   (epoll; the default HTTP/1 and pass-through multiplexers; the Prometheus exporter).

use rampart_core::features::feature_line;
use rampart_core::version::{HAPROXY_VERSION, RAMPART_VERSION, RELEASE_DATE};

/// Rampart's home page, shown where HAProxy shows its own.
pub const URL: &str = "https://github.com/rampart-lb/rampart";

/// The version string in HAProxy's position: `2.6.12-rampart-0.1.0`. It is what
/// `HAPROXY_STARTUP_VERSION` holds and what the `[NOTICE]` lines report.
pub fn version() -> String {
    format!("{HAPROXY_VERSION}-rampart-{RAMPART_VERSION}")
}

/// The `-v` text.
pub fn version_text() -> String {
    let mut out = format!("HAProxy version {} {RELEASE_DATE} - {URL}\n", version());
    out.push_str(&format!(
        "Status: Rampart {RAMPART_VERSION}, a reimplementation of HAProxy {HAPROXY_VERSION} in Rust; \
         it is not HAProxy and shares no code with it.\n"
    ));
    out.push_str(&format!("Known bugs: {URL}/issues\n"));
    if let Some(uname) = running_on() {
        out.push_str(&format!("Running on: {uname}\n"));
    }
    out
}

/// The `-vv` text: the `-v` text followed by the build options.
pub fn build_options_text() -> String {
    let mut out = version_text();
    out.push_str("Build options :\n");
    out.push_str(&format!("  TARGET  = {}\n", target()));
    out.push_str("  CPU     = generic\n");
    out.push('\n');
    out.push_str(&format!("Feature list : {}\n", feature_line()));
    out.push('\n');
    out.push_str(&format!(
        "Built with Rust for {}-{}.\n",
        std::env::consts::ARCH,
        std::env::consts::OS
    ));
    out.push('\n');
    // What Rampart has, in HAProxy's layout: one poller (epoll, through tokio), and the
    // default HTTP/1 and pass-through multiplexers (`proto` cannot name them yet).
    out.push_str("Available polling systems :\n");
    out.push_str("      epoll : pref=300,  test result OK\n");
    out.push_str("Total: 1 (1 usable), will use epoll.\n");
    out.push('\n');
    out.push_str("Available multiplexer protocols :\n");
    out.push_str("(protocols marked as <default> cannot be specified using 'proto' keyword)\n");
    out.push_str("  <default> : mode=HTTP  side=FE|BE  mux=H1    flags=HTX\n");
    out.push_str("  <default> : mode=TCP   side=FE|BE  mux=PASS  flags=\n");
    out.push('\n');
    out.push_str("Available services : prometheus-exporter\n");
    out.push('\n');
    out.push_str("Available filters :\n");
    out.push('\n');
    out
}

/// HAProxy's build TARGET for this platform (`run-regtests.sh` requires `linux-glibc` for
/// Linux-only tests).
fn target() -> &'static str {
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        "linux-glibc"
    } else if cfg!(all(target_os = "linux", target_env = "musl")) {
        "linux-musl"
    } else if cfg!(target_os = "freebsd") {
        "freebsd"
    } else if cfg!(target_os = "macos") {
        "osx"
    } else {
        "generic"
    }
}

/// `uname -srvm`, read from /proc (None when unavailable, as HAProxy skips the line when
/// `uname()` fails).
fn running_on() -> Option<String> {
    let read = |name: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{name}"))
            .ok()
            .map(|s| s.trim().to_owned())
    };
    Some(format!(
        "{} {} {} {}",
        read("ostype")?,
        read("osrelease")?,
        read("version")?,
        std::env::consts::ARCH
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_line_looks_like_haproxys_version_line() {
        let text = build_options_text();
        let hits: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("HAProxy version"))
            .collect();
        assert_eq!(hits.len(), 1);
        assert!(text.starts_with("HAProxy version 2."));
        assert_eq!(text.lines().filter(|l| l.starts_with("Feature")).count(), 1);
        assert_eq!(
            text.lines()
                .filter(|l| l.contains("TARGET") && l.contains('='))
                .count(),
            1
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("Available services"))
                .count(),
            1
        );
    }
}
