//! What an agent's reply does to its server (configuration manual 5.2 `agent-check`):
//! `drain`, `maint`, `ready`/`up`, weights as HAProxy's
//! `server_parse_weight_change_request` reads them, and `maxconn:N`
//! ([`crate::queue::change_maxconn`]).

use super::state::{server, SrvState};
use super::Checks;
use crate::server_state::admin;
use crate::state::Runtime;
use rampart_check::agent;
use std::sync::Arc;

impl Checks {
    /// Applies an agent's administrative and weight words; returns the warning a weight
    /// or maxconn word produced.
    pub(super) fn apply_agent(
        &self,
        rt: &Arc<Runtime>,
        st: &mut [SrvState],
        k: usize,
        r: &agent::Reply,
    ) -> Option<String> {
        let s = &self.servers[k];
        let (be, srv) = server(rt, s)?;
        if let Some(a) = &r.admin {
            match a.as_str() {
                "drain" => {
                    if srv.live.set_admin(admin::FDRAIN, true) & admin::FDRAIN == 0 {
                        crate::upstream::servers_changed(be);
                    }
                }
                "maint" => self.enter_maint(rt, st, k),
                _ => self.leave_forced(rt, st, k),
            }
        }
        let mut warn = None;
        if let Some(w) = &r.weight {
            match parse_weight(w, s.iweight, s.dyn_weight) {
                Ok(v) => {
                    srv.live.set_uweight(v);
                    crate::upstream::servers_changed(be);
                }
                Err(e) => warn = Some(e.to_string()),
            }
        }
        if let Some(m) = &r.maxconn {
            if let Err(e) = crate::queue::change_maxconn(be, s.srv, m) {
                warn.get_or_insert_with(|| e.to_string());
            }
        }
        warn
    }
}

/// HAProxy's `server_parse_weight_change_request` for an agent's `N%`.
fn parse_weight(w: &str, iweight: u32, dynamic: bool) -> Result<u32, &'static str> {
    let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err("Empty weight string empty or preceded by garbage");
    }
    let n: i64 = digits.parse().unwrap_or(i64::MAX);
    let rest = &w[digits.len()..];
    let v = if rest == "%" {
        let n = n.min(25600);
        (i64::from(iweight) * n / 100).min(256)
    } else if !(0..=256).contains(&n) {
        return Err("Absolute weight can only be between 0 and 256 inclusive.\n");
    } else if !rest.is_empty() {
        return Err("Trailing garbage in weight string");
    } else {
        n
    };
    if v != 0 && v != i64::from(iweight) && !dynamic {
        return Err(
            "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n",
        );
    }
    Ok(v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_weights() {
        assert_eq!(parse_weight("50%", 10, true), Ok(5));
        assert_eq!(parse_weight("0%", 10, false), Ok(0));
        assert!(parse_weight("50%", 10, false).is_err());
        assert_eq!(parse_weight("300%", 100, true), Ok(256));
    }
}
