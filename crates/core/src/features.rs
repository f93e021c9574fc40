//! The build feature list, in the order and spelling of HAProxy's `-vv` "Feature list"
//! line. A feature is claimed (`+NAME`) only when Rampart really provides it; later
//! issues flip entries as subsystems land. `.if feature(NAME)` and `-cc` read this table.

/// `(name, present)` for every feature token HAProxy 2.6 prints, alphabetical as HAProxy does.
pub static FEATURES: &[(&str, bool)] = &[
    ("51DEGREES", false),
    ("ACCEPT4", true),
    ("BACKTRACE", false),
    ("CLOSEFROM", false),
    ("CPU_AFFINITY", true),
    ("CRYPT_H", true),
    ("DEVICEATLAS", false),
    ("DL", false),
    ("ENGINE", false),
    ("EPOLL", true),
    ("EVPORTS", false),
    ("GETADDRINFO", true),
    ("KQUEUE", false),
    ("LIBCRYPT", true),
    ("LINUX_SPLICE", true),
    ("LINUX_TPROXY", false),
    ("LUA", false),
    ("MEMORY_PROFILING", false),
    ("NETFILTER", false),
    ("NS", false),
    ("OBSOLETE_LINKER", false),
    ("OPENSSL", false),
    ("OT", false),
    ("PCRE", false),
    ("PCRE2", false),
    ("PCRE2_JIT", false),
    ("PCRE_JIT", false),
    ("POLL", false),
    ("PRCTL", false),
    ("PROCCTL", false),
    ("PROMEX", true),
    ("QUIC", false),
    ("RT", false),
    ("SLZ", false),
    ("STATIC_PCRE", false),
    ("STATIC_PCRE2", false),
    ("SYSTEMD", false),
    ("TFO", true),
    ("THREAD", true),
    ("THREAD_DUMP", false),
    ("TPROXY", false),
    ("WURFL", false),
    ("ZLIB", false),
];

/// True when `name` is a feature Rampart has (exact, case-sensitive, as HAProxy matches).
pub fn has_feature(name: &str) -> bool {
    FEATURES.iter().any(|&(n, on)| on && n == name)
}

/// The value of HAProxy's "Feature list :" line: ` +A -B ...` tokens separated by spaces.
pub fn feature_line() -> String {
    let mut out = String::new();
    for (i, &(name, on)) in FEATURES.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(if on { '+' } else { '-' });
        out.push_str(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_lists_every_token_once_in_order() {
        let line = feature_line();
        let names: Vec<&str> = line.split(' ').map(|t| &t[1..]).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), FEATURES.len());
    }

    #[test]
    fn claimed_features_are_the_implemented_ones() {
        // splice(2) for `option splice-*` (rampart_net::splice) and `cpu-map`
        // (rampart_proxy::affinity) are real; TLS, Lua, PCRE... are not yet.
        for name in [
            "ACCEPT4",
            "CPU_AFFINITY",
            "EPOLL",
            "GETADDRINFO",
            "LINUX_SPLICE",
            "TFO",
            "THREAD",
        ] {
            assert!(has_feature(name), "{name}");
            assert!(feature_line().contains(&format!("+{name}")), "{name}");
        }
        for name in [
            "OPENSSL",
            "LUA",
            "PCRE2",
            "QUIC",
            "ZLIB",
            "SLZ",
            "linux_splice",
        ] {
            assert!(!has_feature(name), "{name}");
        }
    }
}
