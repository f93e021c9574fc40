//! A proxy's own settings and its switching targets (`check_config_validity`):
//! `default_backend` / `use_backend` targets that exist and have a compatible `mode`,
//! frontends without `bind`, `transparent` or `dispatch` with `balance`, missing
//! timeouts, duplicate server names, HTTP-only settings in TCP proxies, `log-format`
//! without a `log` target.

use super::{alert, loc, warn, Backends};
use crate::proxy::balance::Algo;
use crate::proxy::options::{LogFormat, SIMPLE};
use crate::proxy::server::UseSrc;
use crate::proxy::{BackendRef, Mode, Proxy};
use crate::LowerCx;
use rampart_config::Diagnostic;

/// Checks a switching target; returns false when an alert was raised.
fn check_target(
    p: &Proxy,
    all: &Backends<'_>,
    name: &str,
    what: &str,
    cx: &mut LowerCx<'_>,
) -> Option<bool> {
    let Some(t) = all.find(name) else {
        alert(
            cx,
            format!(
                "Proxy '{}': unable to find required {what}: '{name}'.",
                p.name
            ),
        );
        return None;
    };
    if std::ptr::eq(t, p) {
        alert(
            cx,
            format!("Proxy '{}': loop detected for {what}: '{name}'.", p.name),
        );
        return None;
    }
    if t.mode != p.mode && !(p.mode == Mode::Tcp && t.mode == Mode::Http) {
        let how = if what == "default_backend" {
            "as its default backend"
        } else {
            "in a 'use_backend' rule"
        };
        alert(
            cx,
            format!(
                "{} {} '{}' ({}) tries to use incompatible {} {} '{}' ({}) {how} (see 'mode').",
                p.mode.as_str(),
                p.kind.type_str(),
                p.name,
                loc(cx, p.span),
                t.mode.as_str(),
                t.kind.type_str(),
                t.name,
                loc(cx, t.span)
            ),
        );
        return None;
    }
    Some(true)
}

pub(super) fn check_proxy(p: &Proxy, all: &Backends<'_>, cx: &mut LowerCx<'_>) {
    let d = p.designation();
    if let Some(st) = &p.stats {
        if !st.rules.is_empty() && (!st.users.is_empty() || st.realm.is_some()) {
            alert(
                cx,
                format!(
                    "proxy '{}': stats 'auth'/'realm' and 'http-request' can't be used at the same time.",
                    p.name
                ),
            );
        }
        if p.mode == Mode::Tcp {
            warn(
                cx,
                format!("'stats' statement ignored for {d} as it requires HTTP mode."),
            );
        }
    }
    if p.mode == Mode::Tcp {
        if p.persist.cookie.is_some() {
            warn(
                cx,
                format!("cookie will be ignored for {d} (needs 'mode http')."),
            );
        }
        if p.monitor_uri.is_some() {
            warn(
                cx,
                format!("monitor-uri will be ignored for {d} (needs 'mode http')."),
            );
        }
        if p.is_be() && p.balance.algo.as_ref().is_some_and(Algo::needs_http) {
            warn(cx, format!("Layer 7 hash not possible for {d} (needs 'mode http'). Falling back to round robin."));
        }
        if let Some(lf) = &p.options.log_format {
            let name = match lf.value {
                LogFormat::Http | LogFormat::HttpClf => Some("option httplog"),
                LogFormat::Https => Some("option httpslog"),
                LogFormat::Tcp | LogFormat::Custom(_) => None,
            };
            if let Some(name) = name {
                cx.diags.push(Diagnostic::warning(
                    Some(lf.span),
                    format!("'{name}' not usable with {d} (needs 'mode http'). Falling back to 'option tcplog'."),
                ));
            }
        }
    }
    if p.is_fe() && p.binds.is_empty() {
        warn(
            cx,
            format!(
                "{d} has no 'bind' directive. Please declare it as a backend if this was intended."
            ),
        );
    }
    if p.is_be() {
        if p.balance.algo.is_some() && p.transparent {
            alert(
                cx,
                format!("{d} cannot use both transparent and balance mode."),
            );
        } else if p.balance.algo.is_some() && p.dispatch.is_some() {
            warn(
                cx,
                format!("dispatch address of {d} will be ignored in balance mode."),
            );
        }
    }
    if let Some(db) = &p.default_backend {
        if check_target(p, all, &db.value, "default_backend", cx).is_some() && !p.servers.is_empty()
        {
            warn(
                cx,
                format!(
                    "In proxy '{}', the 'default_backend' rule always has precedence over the servers, which will never be used.",
                    p.name
                ),
            );
        }
    }
    for ub in &p.use_backends {
        if let BackendRef::Name(name) = &ub.target {
            check_target(p, all, name, "use_backend", cx);
        }
    }
    crate::proxy::tcp_rules::check(p, cx);
    let t = &p.timeouts;
    if (p.is_fe() && t.client == 0)
        || (p.is_be()
            && !p.servers.is_empty()
            && (t.connect == 0 || (t.server == 0 && (p.mode == Mode::Http || t.tunnel == 0))))
    {
        warn(
            cx,
            format!(
                "missing timeouts for {d}.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."
            ),
        );
    }
    let mut first_by_name: std::collections::HashMap<&str, &crate::proxy::server::Server> =
        std::collections::HashMap::new();
    for s in &p.servers {
        if s.id.is_some() {
            continue;
        }
        if let Some(o) = first_by_name.get(s.name.as_str()).copied().or_else(|| {
            first_by_name.insert(&s.name, s);
            None
        }) {
            cx.diags.push(Diagnostic::alert(
                Some(s.span),
                format!(
                    "{d}, another server named '{}' was already defined at line {}, please use distinct names.",
                    s.name, o.span.line
                ),
            ));
        }
    }
    if let Some(c) = &p.captures.cookie {
        let max = crate::proxy::capture::COOKIE_LEN;
        if c.len >= max {
            warn(
                cx,
                format!("truncating capture length to {} bytes for {d}.", max - 1),
            );
        }
    }
    if p.is_fe() && p.logs.targets.is_empty() && p.options.log_format.is_some() {
        warn(
            cx,
            format!("log format ignored for {d} since it has no log address."),
        );
    }
    if p.mode != Mode::Http && !p.http_upgrade() {
        for (set, rules) in [
            ("http-request", p.http_request.is_empty()),
            ("http-response", p.http_response.is_empty()),
            ("http-after-response", p.http_after_response.is_empty()),
            ("redirect", p.redirects.is_empty()),
        ] {
            if !rules {
                warn(
                    cx,
                    format!("'{set}' rules ignored for {d} as they require HTTP mode."),
                );
            }
        }
        if p.options.forwardfor.is_some() {
            warn(
                cx,
                format!("'option forwardfor' ignored for {d} as it requires HTTP mode."),
            );
        }
        if p.options.originalto.is_some() {
            warn(
                cx,
                format!("'option originalto' ignored for {d} as it requires HTTP mode."),
            );
        }
        if let Some(UseSrc::HdrIp { name, .. }) = p.source.as_ref().and_then(|s| s.usesrc.as_ref())
        {
            warn(
                cx,
                format!("{d} : ignoring use of header {name} as source IP in non-HTTP mode."),
            );
        }
        let mut flags = p.options.flags.clone();
        for o in SIMPLE.iter().filter(|o| o.http_only) {
            let has_cap = match o.cap {
                crate::proxy::Cap::Fe => p.is_fe(),
                crate::proxy::Cap::Be => p.is_be(),
                crate::proxy::Cap::Any => true,
            };
            if has_cap && *(o.flag)(&mut flags) {
                warn(
                    cx,
                    format!(
                        "'option {}' ignored for {d} as it requires HTTP mode.",
                        o.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn switching_targets() {
        let r = run_t(
            "frontend f\n bind :80\n default_backend nope\n use_backend zz\n use_backend f\n",
        );
        assert!(r.has_alert("Proxy 'f': unable to find required default_backend: 'nope'."));
        assert!(r.has_alert("Proxy 'f': unable to find required use_backend: 'zz'."));
        assert!(r.has_alert("Proxy 'f': unable to find required use_backend: 'f'."));
        let r = run_t("listen l\n bind :80\n default_backend l\n");
        assert!(r.has_alert("Proxy 'l': loop detected for default_backend: 'l'."));
    }

    #[test]
    fn mode_mismatch() {
        let r = run_t("frontend f\n mode http\n bind :80\n default_backend b\n use_backend b if TRUE\nbackend b\n mode tcp\n");
        assert!(r.has_alert("http frontend 'f' (t.cfg:5) tries to use incompatible tcp backend 'b' (t.cfg:10) as its default backend (see 'mode')."));
        assert!(r.has_alert("http frontend 'f' (t.cfg:5) tries to use incompatible tcp backend 'b' (t.cfg:10) in a 'use_backend' rule (see 'mode')."));
        let r =
            run_t("frontend f\n mode tcp\n bind :80\n default_backend b\nbackend b\n mode http\n");
        assert!(r.valid());
    }

    #[test]
    fn frontend_without_bind_and_timeouts() {
        let r = run("frontend nt\n bind :9004\nbackend ntb\n server s 1.2.3.4:80\nfrontend nb\n timeout client 1s\n");
        assert!(r.has_warning("missing timeouts for frontend 'nt'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."));
        assert!(r.has_warning("missing timeouts for backend 'ntb'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."));
        assert!(r.has_warning("frontend 'nb' has no 'bind' directive. Please declare it as a backend if this was intended."));
        let r = run("backend b\n timeout connect 1s\n timeout tunnel 1h\n server s 1.2.3.4:80\n");
        assert!(r.clean());
    }

    #[test]
    fn duplicate_servers_and_default_backend_precedence() {
        let r = run_t("listen l\n bind :9000\n server s 1.2.3.4:80\n server s 1.2.3.4:81\n");
        assert!(r.has_alert("proxy 'l', another server named 's' was already defined at line 7, please use distinct names."));
        let r =
            run_t("listen l\n bind :9000\n server s 1.2.3.4:80 id 1\n server s 1.2.3.4:81 id 2\n");
        assert!(r.valid());
        let r =
            run_t("listen l\n bind :9000\n default_backend b\n server s 1.2.3.4:80\nbackend b\n");
        assert!(r.has_warning("In proxy 'l', the 'default_backend' rule always has precedence over the servers, which will never be used."));
    }

    #[test]
    fn tcp_mode_ignores_http_settings() {
        let r = run_t("backend b3\n mode tcp\n balance uri\n option httplog\n option forwardfor\n option http-buffer-request\n option http-no-delay\n");
        assert!(r.has_warning("Layer 7 hash not possible for backend 'b3' (needs 'mode http'). Falling back to round robin."));
        assert!(r.has_warning("'option httplog' not usable with backend 'b3' (needs 'mode http'). Falling back to 'option tcplog'."));
        assert!(
            r.has_warning("'option forwardfor' ignored for backend 'b3' as it requires HTTP mode.")
        );
        assert!(r.has_warning(
            "'option http-buffer-request' ignored for backend 'b3' as it requires HTTP mode."
        ));
        assert!(r.has_warning(
            "'option http-no-delay' ignored for backend 'b3' as it requires HTTP mode."
        ));
        let r = run_t("frontend f\n bind :80\n option httplog\n");
        assert!(r.has_warning("log format ignored for frontend 'f' since it has no log address."));
        let r = run_t("backend b\n transparent\n balance roundrobin\n");
        assert!(r.has_alert("backend 'b' cannot use both transparent and balance mode."));
    }
}
