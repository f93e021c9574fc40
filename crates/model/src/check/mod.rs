//! Cross-reference checks run after every section was lowered, as HAProxy's
//! `check_config_validity` and `srv_init_addr` do (configuration manual 4 and 5.3), one
//! module per concept:
//!
//! - `proxy`: switching targets and their `mode`, frontends without `bind`, missing
//!   timeouts, duplicate server names, HTTP-only settings in TCP proxies;
//! - `health`: `http-check` without `option httpchk`, `track` targets, check ports;
//! - `persistence`: `use-server` targets, cookies outside `mode http`, state files;
//! - `binds`: two listeners on the same address and port (a Rampart warning);
//! - `addr`: server `resolvers`, and host names resolved as `init-addr` says.
//!
//! Like HAProxy, nothing here runs when parsing already failed.

mod addr;
mod binds;
mod health;
mod persistence;
mod proxy;

pub use health::check_port_error;

use crate::proxy::Proxy;
use crate::{LowerCx, Snapshot};
use rampart_config::{Diagnostic, Form, Phase, Span};
use std::collections::HashMap;

pub fn cross_check(s: &Snapshot, cx: &mut LowerCx<'_>) {
    if cx.diags.has_parse_alerts() {
        return;
    }
    let start = cx.diags.len();
    let backends = Backends::new(&s.proxies);
    for p in s.proxies.iter().filter(|p| !p.disabled) {
        proxy::check_proxy(p, &backends, cx);
        health::health_checks(p, &backends, cx);
        persistence::check_persistence(p, &s.global, cx);
    }
    binds::duplicate_binds(&s.proxies, cx);
    addr::server_resolvers(s, cx);
    // HAProxy's post-server checks (`init_srv_check`) come after `check_config_validity`,
    // before server addresses are initialised: their alerts close with "Fatal errors".
    health::check_ports(&s.proxies, cx);
    cx.diags.relabel_from(start, |d| d.phase = Phase::Check);
}

/// After a valid check, HAProxy initialises server addresses.
pub fn init_servers(s: &Snapshot, cx: &mut LowerCx<'_>) {
    if !cx.diags.has_alerts() {
        // HAProxy initialises server addresses after the checks, with its own location
        // form (`[file:line] : 'server b/s' : ...`) and closing line.
        let start = cx.diags.len();
        addr::resolve_servers(&s.proxies, cx);
        cx.diags.relabel_from(start, |d| {
            d.phase = Phase::Init;
            d.form = Form::Bracket;
        });
    }
}

fn loc(cx: &LowerCx<'_>, span: Span) -> String {
    cx.sources.display(span).to_string()
}

fn warn(cx: &mut LowerCx<'_>, msg: String) {
    cx.diags.push(Diagnostic::warning(None, msg));
}

fn alert(cx: &mut LowerCx<'_>, msg: String) {
    cx.diags.push(Diagnostic::alert(None, msg));
}

/// Backend-capable proxies by name and by `id`, built once: switching targets are looked
/// up per `use_backend` line, so a linear scan would be quadratic in the number of proxies.
struct Backends<'a> {
    by_name: HashMap<&'a str, &'a Proxy>,
    by_id: HashMap<i64, &'a Proxy>,
}

impl<'a> Backends<'a> {
    fn new(all: &'a [Proxy]) -> Self {
        let mut by_name = HashMap::new();
        let mut by_id = HashMap::new();
        for p in all.iter().filter(|p| p.is_be()) {
            by_name.entry(p.name.as_str()).or_insert(p);
            if let Some(id) = p.id {
                by_id.entry(i64::from(id)).or_insert(p);
            }
        }
        Self { by_name, by_id }
    }

    /// HAProxy's `proxy_be_by_name`: a backend-capable proxy by name or `#id`.
    fn find(&self, name: &str) -> Option<&'a Proxy> {
        match name.strip_prefix('#') {
            Some(id) => self.by_id.get(&crate::cnum::atol(id)).copied(),
            None => self.by_name.get(name).copied(),
        }
    }
}

#[cfg(test)]
mod testkit {
    pub use crate::proxy::testutil::*;

    /// Timeouts set, so that only the warnings under test appear.
    pub const T: &str = "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

    pub fn run_t(rest: &str) -> Run {
        run(&format!("{T}{rest}"))
    }
}
