//! The environment variables HAProxy defines itself (configuration manual 2.3), set at the
//! moments src/haproxy.c sets them, so configurations see exactly what they would see
//! under HAProxy:
//!
//! - before any file is read: `HAPROXY_STARTUP_VERSION` (kept when inherited, as after a
//!   master-worker re-execution) and `HAPROXY_LOCALPEER` (the host name, or `-L`);
//! - only after every file was read without fatal error: `HAPROXY_CFGFILES` (the files
//!   read, `;`-separated) and, in master-worker mode, `HAPROXY_MWORKER=1`. A
//!   configuration therefore cannot see these two unless they were inherited.
//!
//! `HAPROXY_CLI` and `HAPROXY_MASTER_CLI` are set by master-worker start-up, later still.

use crate::env::Env;

/// Start-up variables (`init_early()` and `-L`). `version` is the version string the
/// binary reports (`-v`); `localpeer` is `-L`'s value.
pub fn set_startup_vars(env: &mut Env, version: &str, hostname: &str, localpeer: Option<&str>) {
    env.preset("HAPROXY_STARTUP_VERSION", version);
    env.set("HAPROXY_LOCALPEER", localpeer.unwrap_or(hostname));
}

/// Variables defined once the configuration was read: `files` in load order.
pub fn set_loaded_vars<'a>(
    env: &mut Env,
    files: impl IntoIterator<Item = &'a str>,
    master_worker: bool,
) {
    let list: Vec<&str> = files.into_iter().collect();
    env.set("HAPROXY_CFGFILES", list.join(";"));
    if master_worker {
        env.set("HAPROXY_MWORKER", "1");
    }
}

/// The host name as `gethostname()` gives it, empty when it cannot be read.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim_end_matches('\n').to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_vars_keep_an_inherited_version() {
        let mut env = Env::empty();
        set_startup_vars(&mut env, "2.6.12", "host1", None);
        assert_eq!(env.get("HAPROXY_STARTUP_VERSION"), Some("2.6.12"));
        assert_eq!(env.get("HAPROXY_LOCALPEER"), Some("host1"));
        set_startup_vars(&mut env, "2.6.13", "host1", Some("peer2"));
        assert_eq!(env.get("HAPROXY_STARTUP_VERSION"), Some("2.6.12"));
        assert_eq!(env.get("HAPROXY_LOCALPEER"), Some("peer2"));
    }

    #[test]
    fn loaded_vars() {
        let mut env = Env::empty();
        set_loaded_vars(&mut env, ["a.cfg", "d//b.cfg"], false);
        assert_eq!(env.get("HAPROXY_CFGFILES"), Some("a.cfg;d//b.cfg"));
        assert_eq!(env.get("HAPROXY_MWORKER"), None);
        set_loaded_vars(&mut env, ["a.cfg"], true);
        assert_eq!(env.get("HAPROXY_MWORKER"), Some("1"));
    }
}
