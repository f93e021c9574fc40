//! Server addresses at start-up: `resolvers` sections that exist, host names resolved
//! as `init-addr` says (default `last,libc`) through the resolver the binary supplies
//! (`srv_init_addr`).

use super::alert;
use crate::proxy::server::{InitAddr, ServerAddr};
use crate::proxy::Proxy;
use crate::{LowerCx, Snapshot};
use rampart_config::Diagnostic;

/// `server ... resolvers <name>` must name a `resolvers` section, as HAProxy's
/// `resolvers_finalize_config` requires.
pub(super) fn server_resolvers(s: &Snapshot, cx: &mut LowerCx<'_>) {
    let known: std::collections::HashSet<&str> = s
        .others
        .declared
        .iter()
        .filter(|d| d.kind == rampart_config::SectionKind::Resolvers)
        .map(|d| d.name.as_str())
        .collect();
    for p in s.proxies.iter().filter(|p| p.is_be() && !p.disabled) {
        for srv in &p.servers {
            if let Some(r) = &srv.settings.resolvers {
                if !known.contains(r.as_str()) {
                    alert(
                        cx,
                        format!(
                            "{} '{}', server '{}': unable to find required resolvers '{r}'",
                            p.kind.type_str(),
                            p.name,
                            srv.name
                        ),
                    );
                }
            }
        }
    }
}

/// `init-addr` at start-up: `last` (no state file: skipped), `libc` (the resolver hook),
/// `none` (start in maintenance), or a fixed address.
pub(super) fn resolve_servers(all: &[Proxy], cx: &mut LowerCx<'_>) {
    let mut failed = false;
    for p in all.iter().filter(|p| p.is_be() && !p.disabled) {
        for s in &p.servers {
            let ServerAddr::Name { name, family } = &s.addr else {
                continue;
            };
            let ctx = format!("'server {}/{}' : ", p.name, s.name);
            let methods = match &s.settings.init_addr {
                Some(m) if !m.is_empty() => m.clone(),
                _ => {
                    let mut m = vec![InitAddr::Last, InitAddr::Libc];
                    if s.settings.resolvers.is_some() {
                        m.push(InitAddr::None);
                    }
                    m
                }
            };
            let mut tried = false;
            let mut ok = false;
            for m in methods {
                match m {
                    // The address the server-state file gave, if any.
                    InitAddr::Last => {
                        if s.saved.is_some_and(|v| v.addr.is_some()) {
                            ok = true;
                            break;
                        }
                    }
                    InitAddr::Libc => {
                        if cx.opts.resolver.resolve(name, *family).is_some() {
                            ok = true;
                            break;
                        }
                        tried = true;
                    }
                    InitAddr::None => {
                        if tried {
                            cx.diags.push(Diagnostic::warning(
                                Some(s.span),
                                format!(
                                    "{ctx}could not resolve address '{name}', disabling server."
                                ),
                            ));
                        }
                        ok = true;
                        break;
                    }
                    InitAddr::Ip(_) => {
                        if tried {
                            cx.diags.push(Diagnostic::warning(
                                Some(s.span),
                                format!("{ctx}could not resolve address '{name}', falling back to configured address."),
                            ));
                        }
                        ok = true;
                        break;
                    }
                }
            }
            if !ok {
                let msg = if tried {
                    format!("{ctx}could not resolve address '{name}'.")
                } else {
                    format!("{ctx}no method found to resolve address '{name}'.")
                };
                cx.diags.push(Diagnostic::alert(Some(s.span), msg));
                failed = true;
            }
        }
    }
    if failed {
        alert(cx, "Failed to initialize server(s) addr.".into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn init_addr_resolution() {
        let r = run_t("backend b\n server s1 nonexistent.invalid:80\n");
        assert!(r.has_alert("'server b/s1' : could not resolve address 'nonexistent.invalid'."));
        assert!(r.has_alert("Failed to initialize server(s) addr."));
        let r = run_t("backend b\n server s2 nonexistent.invalid:80 init-addr libc,none\n server s4 nonexistent.invalid:80 init-addr libc,1.2.3.4\n server s3 nonexistent.invalid:80 init-addr none\n server s5 app.test:80\n server s6 x.invalid:80 resolvers dns\nresolvers dns\n");
        assert!(r.valid());
        assert!(r.has_warning(
            "'server b/s2' : could not resolve address 'nonexistent.invalid', disabling server."
        ));
        assert!(r.has_warning("'server b/s4' : could not resolve address 'nonexistent.invalid', falling back to configured address."));
        let r = run_t("backend b\n server s nonexistent.invalid:80 init-addr last\n");
        assert!(
            r.has_alert("'server b/s' : no method found to resolve address 'nonexistent.invalid'.")
        );
        let r = run_t("backend b\n disabled\n server s nonexistent.invalid:80\n");
        assert!(r.valid());
    }

    #[test]
    fn system_resolver_resolves_localhost() {
        let r = run_with(
            &format!("{T}backend b\n server s localhost:80\nfrontend f\n bind localhost:8080\n default_backend b\n"),
            crate::proxy::HostResolver::system(),
        );
        assert!(r.valid());
    }
}
