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
                let elapsed = sk.last_change.elapsed();
                if elapsed >= s.slowstart {
                    srv.live.set_ramp(1000);
                    srv.live.set_op(Op::Running);
                    crate::upstream::servers_changed(be);
                    return;
                }
                srv.live.set_ramp(ramp(elapsed, s.slowstart));
                crate::upstream::servers_changed(be);
            }
        });
    }
}

/// HAProxy's warm-up share: `(elapsed + slowstart) / slowstart` of the weight divider,
/// i.e. it starts at a small step and reaches full weight after `slowstart`.
pub(super) fn ramp(elapsed: Duration, slowstart: Duration) -> u32 {
    let ss = slowstart.as_millis().max(1);
    let e = elapsed.as_millis().min(ss);
    (((e * 1000) / ss) as u32).clamp(1000 / 20, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_share() {
        let ss = Duration::from_secs(10);
        assert_eq!(ramp(Duration::ZERO, ss), 50);
        assert_eq!(ramp(Duration::from_secs(5), ss), 500);
        assert_eq!(ramp(Duration::from_secs(20), ss), 1000);
    }
}
