//! What the configuration sets that the runtime does not do yet, told at start-up.
//!
//! The keyword tables accept some settings that nearly every HAProxy configuration has
//! (`option contstats`, `stats enable`...) before
//! the runtime acts on them; refusing them would make Rampart unusable. They are valid
//! HAProxy, so `rampart -c` stays silent about them, as `haproxy -c` is; the running
//! process says, for each one, what it does not do yet and names the line, in HAProxy's
//! warning format. Rarely used settings that would change behaviour are refused by the
//! model as "not supported yet" instead. `docs/runtime-gaps.md` lists every accepted
//! keyword with what the runtime makes of it.
//!
//! [`warnings`] is a pure function of the Snapshot: one warning per keyword and line (a
//! `defaults` line inherited by several proxies is named once), in line order. A setting
//! that has no effect in HAProxy either (an HTTP-only option in a TCP proxy, a `thread`
//! set covering every thread) is not reported. When a later issue makes the runtime
//! honour a setting, its entry here goes.

use rampart_config::{Diagnostic, Span};
use rampart_model::addr::Host;
use rampart_model::proxy::{Proxy, ProxyKind};
use rampart_model::Snapshot;
use std::collections::HashSet;

/// The warnings for a Snapshot about to run with `nbthread` worker threads.
pub fn warnings(snap: &Snapshot, nbthread: usize) -> Vec<Diagnostic> {
    let mut n = Notes::default();
    for p in snap
        .proxies
        .iter()
        .filter(|p| p.kind != ProxyKind::Defaults && !p.disabled)
    {
        if p.is_fe() {
            frontend(p, nbthread, &mut n);
        }
        if p.is_be() {
            backend(p, &mut n);
        }
    }
    n.finish()
}

/// The warnings found so far, one per keyword and line.
#[derive(Default)]
struct Notes {
    seen: HashSet<(Span, String)>,
    list: Vec<(Span, String)>,
}

impl Notes {
    /// `'kw' is accepted but <what> (<why>).` at `span`, unless already said there.
    fn add(&mut self, span: Span, kw: &str, what: &str, why: &str) {
        if self.seen.insert((span, kw.to_string())) {
            self.list
                .push((span, format!("'{kw}' is accepted but {what} ({why}).")));
        }
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        // Stable: messages of one line keep the order they were found in.
        self.list.sort_by_key(|(span, _)| *span);
        self.list
            .into_iter()
            .map(|(span, msg)| Diagnostic::warning(Some(span), msg))
            .collect()
    }
}

/// The line that set `kw` / `sub` in the proxy (or its defaults section); the section
/// header when the model did not record one.
fn line(p: &Proxy, kw: &'static str, sub: &'static str) -> Span {
    p.lines.get(kw, sub).unwrap_or(p.span)
}

fn frontend(p: &Proxy, nbthread: usize, n: &mut Notes) {
    let f = &p.options.flags;
    if f.contstats {
        let span = line(p, "option", "contstats");
        n.add(
            span,
            "option contstats",
            "the byte counters are updated when each transfer ends",
            "continuous updates come with a later version",
        );
    }
    if f.tcp_smart_accept {
        let span = line(p, "option", "tcp-smart-accept");
        n.add(
            span,
            "option tcp-smart-accept",
            "not applied yet",
            "a TCP tuning that saves a packet; nothing else changes",
        );
    }
    if p.max_session_srv_conns.is_some() {
        n.add(
            line(p, "max-session-srv-conns", ""),
            "max-session-srv-conns",
            "not applied yet: a client connection keeps at most one idle server connection",
            "a tuning; nothing else changes",
        );
    }
    let all_threads = if nbthread >= 64 {
        u64::MAX
    } else {
        (1u64 << nbthread) - 1
    };
    for b in &p.binds {
        let o = &b.opts;
        if o.namespace.is_some() {
            n.add(
                b.span,
                "namespace",
                "the listener is opened in Rampart's own network namespace for now",
                "network namespaces come with a later version",
            );
        }
        if o.nice.is_some() {
            n.add(
                b.span,
                "nice",
                "not applied yet: every listener has the same priority",
                "a tuning; nothing else changes",
            );
        }
        if o.thread
            .is_some_and(|(_, mask)| mask & all_threads != all_threads)
        {
            n.add(
                b.span,
                "thread",
                "every thread accepts connections on this listener for now",
                "binding listeners to threads comes with a later version",
            );
        }
        if o.shards.is_some_and(|s| s > 1) && nbthread > 1 {
            n.add(
                b.span,
                "shards",
                "the threads share one listening socket for now",
                "a tuning; nothing else changes",
            );
        }
    }
}

fn backend(p: &Proxy, n: &mut Notes) {
    if p.options.flags.tcp_smart_connect {
        let span = line(p, "option", "tcp-smart-connect");
        n.add(
            span,
            "option tcp-smart-connect",
            "not applied yet",
            "a TCP tuning that saves a packet; nothing else changes",
        );
    }
    if p.source.as_ref().is_some_and(|s| s.usesrc.is_some()) {
        usesrc(n, line(p, "source", ""));
    }
    if p.servers.is_empty() {
        if let Some(d) = &p.dispatch {
            if !matches!(d.host, Host::Ip(_)) {
                n.add(
                    line(p, "dispatch", ""),
                    "dispatch",
                    "only IPv4 and IPv6 addresses are dispatched to for now (requests get a 503)",
                    "other address families come with a later version",
                );
            }
        }
    }
    servers(p, n);
}

const USESRC: (&str, &str, &str) = (
    "usesrc",
    "connections to servers leave from Rampart's own address for now",
    "transparent source addresses come with a later version",
);

fn usesrc(n: &mut Notes, span: Span) {
    n.add(span, USESRC.0, USESRC.1, USESRC.2);
}

/// What the running proxy does not apply of a server's settings, as (keyword, what,
/// why): the start-up warnings, and the runtime API's messages for `add server`.
pub fn server_gaps(
    st: &rampart_model::proxy::server::ServerSettings,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    if st.namespace.is_some() {
        out.push((
            "namespace",
            "the server is reached from Rampart's own network namespace for now",
            "network namespaces come with a later version",
        ));
    }
    if st.tfo {
        out.push((
            "tfo",
            "connections to the server do not use TCP Fast Open yet",
            "a tuning; nothing else changes",
        ));
    }
    if st.source.as_ref().is_some_and(|src| src.usesrc.is_some()) {
        out.push(USESRC);
    }
    out
}

fn servers(p: &Proxy, n: &mut Notes) {
    for s in &p.servers {
        for (kw, what, why) in server_gaps(&s.settings) {
            n.add(s.span, kw, what, why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_config::env::Env;
    use rampart_config::reader::Reader;
    use rampart_config::SourceMap;
    use rampart_model::LowerOptions;

    /// The warnings for `text` (file `t.cfg`), rendered as `line: message`.
    fn gaps_n(text: &str, nbthread: usize) -> Vec<String> {
        let mut env = Env::default();
        let mut reader = Reader::new(&mut env);
        reader.read_bytes("t.cfg", text.as_bytes());
        let (config, diags) = reader.finish();
        assert!(!diags.has_alerts(), "{diags:?}");
        let (snap, diags) = rampart_model::lower(&config, &LowerOptions::default());
        let Some(snap) = snap else {
            panic!("invalid configuration: {diags:?}");
        };
        let sources: &SourceMap = &config.sources;
        warnings(&snap, nbthread)
            .iter()
            .map(|d| {
                let span = d.span.unwrap_or_else(|| panic!("no line: {d:?}"));
                assert_eq!(sources.name(span.file), "t.cfg");
                format!("{}: {}", span.line, d.message)
            })
            .collect()
    }

    fn gaps(text: &str) -> Vec<String> {
        gaps_n(text, 1)
    }

    const TIMEOUTS: &str =
        "defaults\n timeout client 5s\n timeout server 5s\n timeout connect 5s\n";

    #[test]
    fn tcp_rule_actions_are_all_carried_out() {
        let g = gaps(&format!(
            "defaults d\n timeout client 5s\n timeout server 5s\n timeout connect 5s\n tcp-request content set-nice 5\n\
             frontend f\n bind :80\n tcp-request connection set-mark 1\n tcp-request content set-src src\n\
             tcp-request content capture src len 4\n tcp-request content set-priority-class int(1)\n\
             tcp-request content set-log-level err\n tcp-request content accept\n default_backend b\n\
             {TIMEOUTS}backend b\n tcp-response content set-tos 2\n"
        ));
        assert!(g.is_empty(), "{g:?}");
    }

    #[test]
    fn logging_is_not_named_any_more() {
        let text = format!(
            "global\n log 127.0.0.1:514 local0\n log-tag app\n{TIMEOUTS} mode http\n log global\n option httplog\n option dontlognull\n\
             frontend a\n bind 127.0.0.1:8080\n default_backend b\n\
             frontend c\n bind 127.0.0.1:8081\n default_backend b\n option logasap\n\
             backend b\n option log-health-checks\n server s 127.0.0.1:8082\n"
        );
        assert!(gaps(&text).is_empty(), "{:?}", gaps(&text));
    }

    #[test]
    fn settings_with_no_effect_in_haproxy_either_are_not_named() {
        // `no option`, a disabled proxy, options a capability ignores, an L7 hash in TCP
        // mode (HAProxy falls back to round robin), equal weights, round robin itself.
        let text = format!(
            "{TIMEOUTS} option dontlognull\n\
             frontend a\n bind 127.0.0.1:8080\n no option dontlognull\n default_backend b\n\
             frontend off\n disabled\n bind 127.0.0.1:8081\n option httplog\n log 127.0.0.1:514 local0\n default_backend b\n\
             backend b\n balance uri\n server s1 127.0.0.1:8082 weight 10\n server s2 127.0.0.1:8083 weight 10\n\
             backend c\n balance roundrobin\n option httplog\n server s 127.0.0.1:8084\n"
        );
        let r = gaps(&text);
        assert!(r.is_empty(), "{r:#?}");
    }

    #[test]
    fn servers_and_balancing() {
        let text = format!(
            "{TIMEOUTS} default-server check inter 2s\n\
             backend b\n balance leastconn\n retry-on all-retryable-errors\n option redispatch 2\n\
             server s1 127.0.0.1:8082 weight 10\n server s2 127.0.0.1:8083 weight 20 no-check\n server s3 127.0.0.1:8084 backup tfo\n\
             backend c\n balance source\n source 0.0.0.0 usesrc clientip\n server s 127.0.0.1:8085 no-check weight 0\n"
        );
        assert_eq!(
            gaps(&text),
            [
                "12: 'tfo' is accepted but connections to the server do not use TCP Fast Open yet (a tuning; nothing else changes).",
                "15: 'usesrc' is accepted but connections to servers leave from Rampart's own address for now (transparent source addresses come with a later version).",
            ]
        );
        // Retries and redispatch intervals are what the runtime does.
        let r = gaps(&format!(
            "{TIMEOUTS}backend b\n option redispatch 2\n retry-on all-retryable-errors 404\n server s 127.0.0.1:8082 check observe layer4 on-marked-down shutdown-sessions\n"
        ));
        assert!(r.is_empty(), "{r:#?}");
    }

    #[test]
    fn listeners_global_and_error_pages() {
        let text = format!(
            "global\n stats socket /tmp/rampart-gaps-test.sock level admin\n log-send-hostname\n\
             {TIMEOUTS} mode http\n errorfile 503 /dev/null\n\
             frontend a\n bind 127.0.0.1:8080 nice 10 thread 1 shards 2\n bind 127.0.0.1:8081 thread 1-2\n default_backend b\n option contstats\n\
             backend b\n server s 127.0.0.1:8082\n"
        );
        // An empty error file is HTTP enough for neither program: use a real one.
        let dir = std::env::temp_dir().join(format!("rampart-gaps-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let page = dir.join("503.http");
        let _ = std::fs::write(
            &page,
            "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy\n",
        );
        let text = text.replace("/dev/null", &page.to_string_lossy());
        let got = gaps_n(&text, 2);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            got,
            [
                "11: 'nice' is accepted but not applied yet: every listener has the same priority (a tuning; nothing else changes).",
                "11: 'thread' is accepted but every thread accepts connections on this listener for now (binding listeners to threads comes with a later version).",
                "11: 'shards' is accepted but the threads share one listening socket for now (a tuning; nothing else changes).",
                "14: 'option contstats' is accepted but the byte counters are updated when each transfer ends (continuous updates come with a later version).",
            ]
        );
        // With one thread, `thread 1` and `shards` change nothing.
        let got = gaps_n(
            &format!("{TIMEOUTS}frontend a\n bind 127.0.0.1:8080 thread 1 shards 2\n"),
            1,
        );
        assert!(got.is_empty(), "{got:#?}");
    }
}
