//! A server's live state (configuration manual 5.2 `disabled`, `backup`, `weight`,
//! `maxconn`, `minconn`; management guide 9.3 `set server`, `set maxconn server`):
//! administrative flags, the operational state health checks decide, the weights and
//! the connection limits. Read on every server choice (atomics, no
//! lock); written by health checks and the runtime API, which then call
//! [`crate::upstream::servers_changed`] so the balancing state follows.
//!
//! The names are HAProxy's (`SRV_ADMF_*`, `SRV_ST_*`, `uweight`/`eweight`) so the
//! runtime API and `show servers state` can report them as HAProxy does.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};

/// Administrative flags (HAProxy's `SRV_ADMF_*`, same bit values: `show servers state`
/// prints them as a number); the model reads them from server-state files too.
pub use rampart_model::server_state::admf as admin;

/// Operational state (HAProxy's `SRV_ST_*`, same values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// Down: takes no traffic.
    Stopped = 0,
    /// Up, ramping its weight up during `slowstart`.
    Starting = 1,
    /// Up.
    Running = 2,
    /// Up but taking no new traffic (`http-check disable-on-404`, agent `stopped`...).
    Stopping = 3,
}

impl Op {
    fn from_u8(v: u8) -> Op {
        match v {
            0 => Op::Stopped,
            1 => Op::Starting,
            3 => Op::Stopping,
            _ => Op::Running,
        }
    }
}

/// Weights are scaled by this for the balancing algorithms, as HAProxy's
/// `SRV_EWGHT_RANGE` (a server's `eweight` is `uweight * SRV_EWGHT_RANGE / 256` when
/// not ramping).
pub const EWGHT_RANGE: u32 = 256 * 16;

/// The live state of one server.
#[derive(Debug)]
pub struct Live {
    admin: AtomicU8,
    op: AtomicU8,
    /// The weight the user set (`weight`, `set weight`), 0..=256.
    uweight: AtomicU32,
    /// A `backup` server held back because an active server can serve (or another
    /// backup is the one in use without `option allbackups`).
    standby: AtomicBool,
    /// How far a server coming back up is in its `slowstart` warm-up, of
    /// [`rampart_balance::RAMP_ONE`] (all of it outside a warm-up): the balancer turns
    /// it into HAProxy's `eweight` during warm-up.
    ramp: AtomicU32,
    /// When the operational or administrative state last changed ([`now_secs`]),
    /// the seconds spent down before that, and the transitions to down (HAProxy's
    /// `last_change`, `down_time`, `counters.down_trans`: `show stat`'s `lastchg`,
    /// `downtime`, `chkdown`).
    last_change: AtomicU32,
    down_time: AtomicU32,
    down_trans: AtomicU64,
}

impl Live {
    /// A server as the configuration starts it: up (health checks may take it down),
    /// with `admin` flags (`CMAINT` for `disabled`, `RMAINT` for an unresolved name);
    /// down when it starts in maintenance, as HAProxy's `disabled`.
    pub fn new(weight: u32, admin: u8) -> Live {
        let op = if admin & admin::MAINT != 0 {
            Op::Stopped
        } else {
            Op::Running
        };
        Live {
            admin: AtomicU8::new(admin),
            op: AtomicU8::new(op as u8),
            uweight: AtomicU32::new(weight),
            standby: AtomicBool::new(false),
            ramp: AtomicU32::new(rampart_balance::RAMP_ONE),
            last_change: AtomicU32::new(now_secs()),
            down_time: AtomicU32::new(0),
            down_trans: AtomicU64::new(0),
        }
    }

    /// The `slowstart` ramp (see the field).
    pub fn ramp(&self) -> u32 {
        self.ramp.load(Ordering::Acquire)
    }

    pub fn set_ramp(&self, ramp: u32) {
        self.ramp
            .store(ramp.min(rampart_balance::RAMP_ONE), Ordering::Release);
    }

    pub fn admin(&self) -> u8 {
        self.admin.load(Ordering::Acquire)
    }

    /// Sets (`on`) or clears administrative flags; returns the flags before.
    pub fn set_admin(&self, flags: u8, on: bool) -> u8 {
        if on {
            self.admin.fetch_or(flags, Ordering::AcqRel)
        } else {
            self.admin.fetch_and(!flags, Ordering::AcqRel)
        }
    }

    pub fn op(&self) -> Op {
        Op::from_u8(self.op.load(Ordering::Acquire))
    }

    pub fn set_op(&self, op: Op) {
        self.op.store(op as u8, Ordering::Release);
    }

    pub fn uweight(&self) -> u32 {
        self.uweight.load(Ordering::Acquire)
    }

    pub fn set_uweight(&self, w: u32) {
        self.uweight.store(w, Ordering::Release);
    }

    pub fn standby(&self) -> bool {
        self.standby.load(Ordering::Acquire)
    }

    pub fn set_standby(&self, v: bool) {
        self.standby.store(v, Ordering::Release);
    }

    /// The state changed at `now` (HAProxy's `s->last_change = now.tv_sec`).
    pub fn changed(&self, now: u32) {
        self.last_change.store(now, Ordering::Release);
    }

    /// The server went down at `now` (a check, the runtime API, maintenance entered
    /// while up): a change, and one more transition to down.
    pub fn went_down(&self, now: u32) {
        self.changed(now);
        self.down_trans.fetch_add(1, Ordering::Relaxed);
    }

    /// The time since the last change is added to the time spent down, then the state
    /// changed at `now`: a server coming up from down, and (as HAProxy does) one
    /// leaving drain, whatever its state was.
    pub fn close_down_period(&self, now: u32) {
        let last = self.last_change();
        if last < now {
            self.down_time.fetch_add(now - last, Ordering::Relaxed);
        }
        self.changed(now);
    }

    /// When the state last changed ([`now_secs`]).
    pub fn last_change(&self) -> u32 {
        self.last_change.load(Ordering::Acquire)
    }

    /// Seconds since the last change (`lastchg`).
    pub fn since_change(&self, now: u32) -> u32 {
        now.saturating_sub(self.last_change())
    }

    /// Seconds spent down (`downtime`, HAProxy's `srv_downtime`): the closed periods,
    /// plus the current one while the server is down.
    pub fn downtime(&self, now: u32) -> u32 {
        let total = self.down_time.load(Ordering::Relaxed);
        let last = self.last_change();
        if self.op() != Op::Stopped || last >= now {
            return total;
        }
        total.saturating_add(now - last)
    }

    /// Transitions to down (`chkdown`).
    pub fn down_trans(&self) -> u64 {
        self.down_trans.load(Ordering::Relaxed)
    }

    pub fn in_maint(&self) -> bool {
        self.admin() & admin::MAINT != 0
    }

    /// Up as far as checks tell and not in maintenance: it may take streams that
    /// persistence sends to it (HAProxy's `srv_currently_usable` without the weight).
    pub fn alive(&self) -> bool {
        !self.in_maint() && matches!(self.op(), Op::Running | Op::Starting)
    }

    /// May be chosen by the balancing algorithm now: alive, not draining, not a
    /// backup held back (HAProxy's `srv_is_usable` plus the backup rule). The weight
    /// is the algorithm's business.
    pub fn serving(&self) -> bool {
        self.alive() && self.admin() & admin::DRAIN == 0 && !self.standby()
    }
}

/// The clock of state changes: seconds since the epoch, as HAProxy's `now.tv_sec`
/// (its `lastchg`, `downtime` and `show servers state`'s `srv_time_since_last_change`
/// count whole seconds of that clock).
pub fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().min(u64::from(u32::MAX)) as u32)
}

/// What a backend keeps of its servers' changes (HAProxy's proxy `last_change`,
/// `down_time`, `down_trans`): when it last lost its last usable server or got one
/// back, the seconds it spent without one, and how many times it lost them all.
#[derive(Debug)]
pub struct BackendLive {
    last_change: AtomicU32,
    down_time: AtomicU32,
    down_trans: AtomicU64,
}

impl Default for BackendLive {
    fn default() -> Self {
        BackendLive {
            last_change: AtomicU32::new(now_secs()),
            down_time: AtomicU32::new(0),
            down_trans: AtomicU64::new(0),
        }
    }
}

impl BackendLive {
    /// The last usable server went at `now` (HAProxy's `set_backend_down`).
    pub fn went_down(&self, now: u32) {
        self.last_change.store(now, Ordering::Release);
        self.down_trans.fetch_add(1, Ordering::Relaxed);
    }

    /// A server comes up while none was usable: the period without servers closes.
    pub fn close_down_period(&self, now: u32) {
        let last = self.last_change.load(Ordering::Acquire);
        if last < now {
            self.down_time.fetch_add(now - last, Ordering::Relaxed);
        }
        self.last_change.store(now, Ordering::Release);
    }

    /// A change at `now` that does not count down time (a server leaving maintenance
    /// while none was usable).
    pub fn changed(&self, now: u32) {
        self.last_change.store(now, Ordering::Release);
    }

    /// Seconds since the last change (`lastchg`).
    pub fn since_change(&self, now: u32) -> u32 {
        now.saturating_sub(self.last_change.load(Ordering::Acquire))
    }

    /// Seconds without a usable server (`downtime`, HAProxy's `be_downtime`);
    /// `weighted`: some usable server carries weight now.
    pub fn downtime(&self, now: u32, weighted: bool) -> u32 {
        let total = self.down_time.load(Ordering::Relaxed);
        let last = self.last_change.load(Ordering::Acquire);
        if weighted && last < now {
            return total;
        }
        total.saturating_add(now.saturating_sub(last))
    }

    /// Times it lost its last usable server (`chkdown`).
    pub fn down_trans(&self) -> u64 {
        self.down_trans.load(Ordering::Relaxed)
    }
}

/// A server's `maxconn` and `minconn` (0: no limit), which an agent's `maxconn:N` and
/// the runtime API's `set maxconn server` change at run time. Both live in one atomic
/// word, so a reader never sees the `maxconn` of one change with the `minconn` of
/// another. Changing the limit is [`crate::queue::change_maxconn`]'s business: it also
/// hands the slots a raised limit frees to the streams waiting for them.
#[derive(Debug)]
pub struct ConnLimits(AtomicU64);

impl ConnLimits {
    /// Limits already normalised as HAProxy's `srv_minmax_conn_apply` does.
    pub fn new(maxconn: u32, minconn: u32) -> ConnLimits {
        ConnLimits(AtomicU64::new(pack(maxconn, minconn)))
    }

    /// `(maxconn, minconn)` now.
    #[inline]
    pub fn get(&self) -> (u32, u32) {
        let v = self.0.load(Ordering::Acquire);
        ((v >> 32) as u32, v as u32)
    }

    /// `maxconn` now (0: no limit).
    #[inline]
    pub fn maxconn(&self) -> u32 {
        self.get().0
    }

    /// Sets `maxconn` as HAProxy's `server_parse_maxconn_change_request`: a static
    /// limit (`minconn` equal to `maxconn`) stays static, a dynamic one keeps its
    /// `minconn`.
    pub fn set_maxconn(&self, max: u32) {
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                let (old_max, min) = ((v >> 32) as u32, v as u32);
                Some(if old_max == min {
                    pack(max, max)
                } else {
                    pack(max, min)
                })
            });
    }
}

fn pack(maxconn: u32, minconn: u32) -> u64 {
    (u64::from(maxconn) << 32) | u64::from(minconn)
}

/// Where a server is now (management guide 9.3 `set server <b>/<s> addr`): the
/// configured target, whose IP address and port the runtime API may replace. Only IP
/// servers change (HAProxy refuses other families); the data path reads the address
/// once per connection attempt, without a lock.
#[derive(Debug)]
pub struct LiveTarget {
    configured: crate::state::ServerTarget,
    /// IP servers: the address and port now.
    ip: Option<arc_swap::ArcSwap<(std::net::IpAddr, crate::state::PortMap)>>,
    /// Bumped on every change: idle connections made before it are not reused
    /// (HAProxy's `srv_cleanup_connections`).
    generation: AtomicU32,
}

impl LiveTarget {
    pub fn new(t: crate::state::ServerTarget) -> LiveTarget {
        let ip = match &t {
            crate::state::ServerTarget::Ip { ip, port } => {
                Some(arc_swap::ArcSwap::from_pointee((*ip, *port)))
            }
            _ => None,
        };
        LiveTarget {
            configured: t,
            ip,
            generation: AtomicU32::new(0),
        }
    }

    /// A server whose name did not resolve (`init-addr none`): no address family yet,
    /// so the runtime API cannot change its address either (HAProxy's `AF_UNSPEC`
    /// until a resolver gives one).
    pub fn unresolved(t: crate::state::ServerTarget) -> LiveTarget {
        LiveTarget {
            configured: t,
            ip: None,
            generation: AtomicU32::new(0),
        }
    }

    /// The configured port (fixed, or the offset), for reports.
    pub fn configured_port(&self) -> i32 {
        match &self.configured {
            crate::state::ServerTarget::Ip { port, .. } => match *port {
                crate::state::PortMap::Fixed(p) => i32::from(p),
                crate::state::PortMap::Offset(o) => o,
            },
            _ => 0,
        }
    }

    /// The target now (a copy: for reports, not the data path).
    pub fn get(&self) -> crate::state::ServerTarget {
        match &self.ip {
            Some(cur) => {
                let (ip, port) = **cur.load();
                crate::state::ServerTarget::Ip { ip, port }
            }
            None => self.configured.clone(),
        }
    }

    /// The IP address and port now (`None`: not an IP server).
    pub fn ip(&self) -> Option<(std::net::IpAddr, crate::state::PortMap)> {
        self.ip.as_ref().map(|c| **c.load())
    }

    /// The address to connect to for a client that connected to `dst` (see
    /// [`crate::state::ServerTarget::resolve`]); `None` when there is none (an
    /// unresolved name, a transparent target for a client without an IP destination).
    pub fn resolve(
        &self,
        dst: Option<std::net::SocketAddr>,
    ) -> Option<std::borrow::Cow<'_, rampart_net::connect::Target>> {
        match &self.ip {
            Some(cur) => {
                let (ip, port) = **cur.load();
                crate::state::ServerTarget::Ip { ip, port }
                    .resolve(dst)
                    .map(|t| std::borrow::Cow::Owned(t.into_owned()))
            }
            // No address yet: nothing to connect to.
            None if matches!(self.configured, crate::state::ServerTarget::Ip { .. }) => None,
            None => self.configured.resolve(dst),
        }
    }

    /// The port depends on the client's destination port (`+N`/`-N`, or none).
    pub fn port_mapped(&self) -> bool {
        matches!(self.ip(), Some((_, crate::state::PortMap::Offset(_))))
    }

    /// Replaces the address and port of an IP server (`false`: not an IP server).
    pub fn set_ip(&self, ip: std::net::IpAddr, port: crate::state::PortMap) -> bool {
        let Some(cur) = &self.ip else {
            return false;
        };
        cur.store(std::sync::Arc::new((ip, port)));
        self.generation.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Changes so far (see the field).
    pub fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }
}
