//! The usage text shown for an unknown flag, a missing argument or a missing configuration
//! file: HAProxy's layout (`usage()` in src/haproxy.c, as built for linux-glibc) with the
//! program name substituted. HAProxy prints the version banner on stdout first, the usage
//! on stderr, and exits 1. Also the `-dMhelp` text.

use crate::cli::MEMORY_DEBUG_OPTIONS;

/// The usage text. `maxpconn` is the `-N` value in force, which HAProxy shows.
pub fn text(program: &str, maxpconn: i64) -> String {
    format!(
        "Usage : {program} [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]
        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]
        -v shows the version ; -vv also shows the build options.
        -d enters debug mode ; -db only stays in the foreground.
        -dM[<byte>,help,...] memory debugging options (accepted, no effect)
        -V enters verbose mode (cancels quiet mode)
        -D runs as a daemon ; -C changes to <dir> before loading files.
        -W master-worker mode.
        -Ws master-worker mode with systemd notify support.
        -q quiet mode : no messages during startup
        -c check mode : only checks the configuration files and exits
        -cc check condition : evaluates a condition and exits
        -n sets the global maximum number of connections
        -m limits the usable amount of memory (in MB)
        -N sets the default per-proxy maximum number of connections ({maxpconn})
        -L sets the local peer name (defaults to the host name)
        -p writes the pids of all children to this file
        -de disables epoll() usage even when available
        -dp disables poll() usage even when available
        -dS disables splice usage
        -dG disables getaddrinfo() usage
        -dR disables SO_REUSEPORT usage
        -dL lists the loaded object files after the configuration checks
        -dK{{class[,...]}} dumps the registered keywords (use 'help' for the list)
        -dr ignores server address resolution failures
        -dV disables SSL verification on the server side
        -dW fails if any warning is emitted
        -dD diagnostic mode : warns about suspicious configuration statements
        -sf/-st [pid ]* finishes/terminates old pids.
        -x <unix_socket> gets the listening sockets from a unix socket
        -S <bind>[,<bind options>...] new master CLI

"
    )
}

/// The program name as HAProxy derives it: `argv[0]` without its directories.
pub fn program_name(argv0: &str) -> &str {
    argv0.rsplit('/').next().unwrap_or(argv0)
}

/// `-dMhelp`: the options `-dM` accepts. Rampart validates them for compatibility; its
/// memory allocator has no pools to poison or tag, so they change nothing.
pub fn memory_debug_help() -> String {
    let mut out = String::from(
        "-dM[<byte>][,<option>...] is accepted for compatibility with HAProxy 2.6: the byte\n\
         and options are validated but have no effect in Rampart, whose allocator has no\n\
         memory pools. Options (set / clear):\n\n",
    );
    for (set, clear, what) in MEMORY_DEBUG_OPTIONS {
        out.push_str(&format!("  {set:<15}| {clear:<15}| {what}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let t = text("rampart", 0);
        assert!(t.starts_with("Usage : rampart [-f <cfgfile|cfgdir>]* [ -vdVD ]"));
        assert!(t.contains("connections (0)\n"));
        assert!(t.ends_with("new master CLI\n\n"));
        assert_eq!(t.lines().count(), 32);
        assert_eq!(program_name("/usr/sbin/rampart"), "rampart");
        assert_eq!(program_name("rampart"), "rampart");
    }
}
