//! `slowstart` (configuration manual 5.2): a server coming back up takes a growing
//! share of its weight until it runs at full weight, as HAProxy's `server_warmup`.

use super::state::server;
use super::Checks;
use crate::server_state::Op;
use crate::state::Runtime;
use std::sync::Arc;
use std::time::Duration;

impl Checks {
    /// The `slowstart` warm-up: the weight share grows each `max(1s, slowstart / 20)`
    /// until the server runs at full weight (HAProxy's `server_warmup`).
    pub(super) fn spawn_warmup(&self, rt: &Arc<Runtime>, k: usize, gen: u64) {
        let s = &self.servers[k];
        let step = Duration::from_millis(1000).max(s.slowstart / 20);
        let rt = rt.clone();
        tokio::task::spawn_local(async move {
            loop {
                tokio::time::sleep(step).await;
                let c = &rt.checks;
                let Ok(st) = c.state.lock() else { return };
                let Some(sk) = st.get(k) else { return };
                if sk.warmup_gen != gen {
                    return;
                }
                let Some(s) = c.servers.get(k) else { return };
                let Some((be, srv)) = server(&rt, s) else {
                    return;
                };
                if srv.live.op() != Op::Starting {
                    return;
                }
                // HAProxy counts whole seconds since the change (`last_change`).
                let t = srv.live.since_change(crate::server_state::now_secs());
                let ss = u32::try_from(s.slowstart.as_secs()).unwrap_or(u32::MAX);
                if t >= ss {
                    srv.live.set_ramp(rampart_balance::RAMP_ONE);
                    srv.live.set_op(Op::Running);
                    crate::upstream::servers_changed(be);
                    return;
                }
                srv.live.set_ramp(ramp(t, ss));
                crate::upstream::servers_changed(be);
            }
        });
    }
}

/// How far a warm-up is after `t` of `slowstart` seconds, of
/// [`rampart_balance::RAMP_ONE`], rounded up (so that the balancer's
/// `wdiv * ramp` rounded down is HAProxy's `wdiv * t / slowstart`).
pub(super) fn ramp(t: u32, slowstart: u32) -> u32 {
    let ss = u64::from(slowstart.max(1));
    let one = u64::from(rampart_balance::RAMP_ONE);
    let r = (u64::from(t) * one).div_ceil(ss);
    u32::try_from(r.min(one)).unwrap_or(rampart_balance::RAMP_ONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_share() {
        let one = rampart_balance::RAMP_ONE;
        assert_eq!(ramp(0, 10), 0);
        assert_eq!(ramp(5, 10), one / 2);
        assert_eq!(ramp(20, 10), one);
        // Exact multiples stay exact once scaled by the weight divider.
        for (t, ss) in [(3, 16), (1, 3), (2, 30), (7, 9)] {
            let w = 16 * u64::from(ramp(t, ss)) / u64::from(one);
            assert_eq!(w, 16 * u64::from(t) / u64::from(ss), "{t}/{ss}");
        }
    }
}
