//! Would this configuration listen anywhere? The last test of HAProxy's check mode (end of
//! `init()` in src/haproxy.c): with no enabled proxy owning a listener, no peers section
//! whose local peer is bound and no log-forward listener, `haproxy -c` says "will not start
//! (no listener)" and exits 2. The CLI frontend of `stats socket` counts as such a proxy.
//! Run mode asks the same once the listeners are bound ("No enabled listener found",
//! exit 1).
//!
//! Peers sections are not lowered yet (their keywords are "not supported yet", so a
//! configuration using them never gets this far): they join this test when their
//! section lands in the Snapshot.

use rampart_model::proxy::ProxyKind;
use rampart_model::Snapshot;

/// True when at least one listener would be started.
pub fn any(snapshot: &Snapshot) -> bool {
    let cli = !snapshot.global.stats.sockets.is_empty();
    let proxies = snapshot.proxies.iter().any(|p| {
        matches!(p.kind, ProxyKind::Frontend | ProxyKind::Listen)
            && !p.disabled
            && !p.binds.is_empty()
    });
    // `log-forward` receivers are listeners too (rampart-log binds them).
    let relays = snapshot
        .others
        .log_forwards
        .iter()
        .any(|l| !l.binds.is_empty() || !l.dgram_binds.is_empty());
    cli || proxies || relays
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_config::env::Env;
    use rampart_config::reader::Reader;
    use rampart_model::proxy::HostResolver;
    use rampart_model::LowerOptions;

    fn listens(text: &str) -> bool {
        let mut env = Env::empty();
        let mut reader = Reader::new(&mut env);
        reader.read_bytes("t.cfg", text.as_bytes());
        let (config, _) = reader.finish();
        let opts = LowerOptions {
            localpeer: None,
            cwd: std::env::temp_dir(),
            resolver: HostResolver::none(),
        };
        match rampart_model::lower(&config, &opts) {
            (Some(snapshot), _) => any(&snapshot),
            (None, diags) => {
                let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
                panic!("{text:?} does not lower: {msgs:#?}")
            }
        }
    }

    #[test]
    fn like_haproxy_check_mode() {
        assert!(!listens(""));
        assert!(!listens("global\n  maxconn 10\n"));
        assert!(listens("global\n  stats socket /tmp/s.sock\n"));
        assert!(listens("listen l\n  bind 127.0.0.1:80\n"));
        assert!(!listens("frontend f\n"));
        assert!(!listens("backend b\n  server s 127.0.0.1:80\n"));
        assert!(listens("log-forward l\n  dgram-bind 127.0.0.1:514\n"));
        assert!(listens("log-forward l\n  bind 127.0.0.1:514\n"));
        assert!(!listens("frontend f\n  bind 127.0.0.1:80\n  disabled\n"));
        assert!(listens(
            "frontend f\n  bind 127.0.0.1:80\n  disabled\n  enabled\n"
        ));
        assert!(!listens(
            "defaults\n  disabled\nfrontend f\n  bind 127.0.0.1:80\n"
        ));
        assert!(!listens(
            "defaults d\n  disabled\ndefaults e\nfrontend f from d\n  bind 127.0.0.1:80\n"
        ));
        assert!(listens(
            "defaults d\n  disabled\ndefaults e\nfrontend f\n  bind 127.0.0.1:80\n"
        ));
        assert!(!listens(
            "defaults d\n  disabled\ndefaults e from d\nfrontend f\n  bind 127.0.0.1:80\n"
        ));
    }
}
