//! Process limits as HAProxy 2.6 computes and enforces them at start-up (src/haproxy.c):
//!
//! 1. the descriptors the configuration holds besides connections (HAProxy's `maxsock`
//!    before `maxconn` is known: 10 reserved, one per listener, per health-checked
//!    server, the CLI);
//! 2. `maxconn`: the configured one (`-n` first), else the ideal one for the
//!    file-descriptor limit the process started with (`fd-hard-limit` caps it), never
//!    below [`DEFAULT_MAXCONN`];
//! 3. `maxpipes` and the final `maxsock` (two descriptors per connection and per pipe,
//!    three per thread);
//! 4. the soft limit raised to `ulimit-n`, or to `maxsock` ([`Limits::raise_nofile`]).
//!    When that fails, `strict-limits` (HAProxy's default) stops the start-up;
//!    `no strict-limits` takes the highest limit allowed and warns;
//! 5. once the listeners are bound, a limit still below `maxsock` is reported
//!    ([`Limits::fd_shortage`]) and, when strict, stops the start-up.
//!
//! `maxconn` is never lowered to fit: as with HAProxy, a process started with
//! `no strict-limits` keeps the configured value, and accepts that find no descriptor
//! wait and are retried.
//!
//! The limit itself is read and written through [`Rlimit`], so the rules are tested with
//! any limits, not only the machine's.

use nix::sys::resource::{getrlimit, setrlimit, Resource};
use rampart_model::proxy::{Proxy, ProxyKind};
use rampart_model::Snapshot;

/// HAProxy's floor for a computed `maxconn` (`DEFAULT_MAXCONN`).
pub const DEFAULT_MAXCONN: u32 = 100;

/// Descriptors HAProxy reserves before counting anything (its `maxsock` starts at 10).
const RESERVED_FDS: i64 = 10;

/// Concurrent CLI sessions when `stats maxconn` is not set.
const DEFAULT_CLI_MAXCONN: i64 = 10;

/// What the runtime is sized for.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The global `maxconn`.
    pub maxconn: u32,
    /// Whether `maxconn` was computed (neither `-n` nor `maxconn` set it).
    pub maxconn_computed: bool,
    /// Pipes kept for kernel splicing (`maxpipes`, else HAProxy's estimate).
    pub maxpipes: u32,
    /// Descriptors the process needs at most (HAProxy's `maxsock`).
    pub maxsock: u64,
    pub nbthread: usize,
    /// The soft descriptor limit in force (after [`Limits::raise_nofile`]).
    pub nofile: u64,
    /// `strict-limits` (not turned off with `no strict-limits`).
    pub strict: bool,
    /// `ulimit-n`.
    ulimit_n: Option<u32>,
    /// `fd-hard-limit` (0: none).
    fd_hard_limit: i32,
    /// `SO_REUSEPORT` on listeners (HAProxy's default; `-dR` turns it off).
    pub reuseport: bool,
    /// Kernel splicing allowed and asked for by some proxy (`option splice-*`, neither
    /// `nosplice` nor `-dS`).
    pub splice: bool,
}

/// Reads and sets the process's descriptor limit (soft, hard).
pub trait Rlimit {
    fn get(&self) -> (u64, u64);
    /// Sets both limits; false when the system refuses.
    fn set(&mut self, cur: u64, max: u64) -> bool;
}

/// The process's real `RLIMIT_NOFILE`.
pub struct System;

impl Rlimit for System {
    fn get(&self) -> (u64, u64) {
        getrlimit(Resource::RLIMIT_NOFILE).unwrap_or((1024, 1024))
    }
    fn set(&mut self, cur: u64, max: u64) -> bool {
        setrlimit(Resource::RLIMIT_NOFILE, cur, max).is_ok()
    }
}

/// Computes the limits for `snap` from the descriptor limit the process started with.
/// `maxconn` is the command line's `-n`, which wins over the configuration's.
pub fn compute(snap: &Snapshot, maxconn: Option<u32>, splice: bool) -> Limits {
    compute_with(snap, maxconn, splice, &System)
}

/// [`compute`] with the limits read from `rl`.
pub fn compute_with(
    snap: &Snapshot,
    maxconn: Option<u32>,
    splice: bool,
    rl: &impl Rlimit,
) -> Limits {
    let g = &snap.global;
    let nbthread = g
        .nbthread
        .map(|n| n as usize)
        .unwrap_or_else(cpus_available)
        .max(1);
    let threads = nbthread as i64;
    let fd_hard_limit = g.fd_hard_limit.unwrap_or(0);
    let set_maxconn = maxconn.or(g.maxconn).filter(|&m| m > 0);
    let base = socket_eaters(snap);
    let maxconn = set_maxconn.unwrap_or_else(|| {
        let (cur, max) = rl.get();
        let boot = i64::try_from(cur.max(max)).unwrap_or(i64::MAX);
        ideal_maxconn(
            boot.min(i64::from(i32::MAX)),
            fd_hard_limit,
            base + 3 * threads,
            ideal_maxpipes(&snap.proxies, None),
        )
    });
    let maxpipes = g.maxpipes.map_or_else(
        || ideal_maxpipes(&snap.proxies, Some(maxconn)).unwrap_or(0),
        u64::from,
    );
    let maxsock = base + 2 * i64::from(maxconn) + 2 * maxpipes as i64 + 3 * threads;
    Limits {
        maxconn,
        maxconn_computed: set_maxconn.is_none(),
        maxpipes: u32::try_from(maxpipes).unwrap_or(u32::MAX),
        maxsock: u64::try_from(maxsock).unwrap_or(0),
        nbthread,
        nofile: rl.get().0,
        strict: !g.no_strict_limits,
        ulimit_n: g.ulimit_n,
        fd_hard_limit,
        reuseport: true,
        splice,
    }
}

impl Limits {
    /// Raises the soft descriptor limit to `ulimit-n`, or to `maxsock` when it is not
    /// set (never lowering it). When the system refuses or `fd-hard-limit` forbids it:
    /// `Err` with HAProxy's fatal message under `strict-limits`, otherwise the limit goes
    /// as high as allowed and `Ok(Some(warning))` says so.
    pub fn raise_nofile(&mut self) -> Result<Option<String>, String> {
        self.raise_nofile_with(&mut System)
    }

    /// [`Limits::raise_nofile`] on `rl`.
    pub fn raise_nofile_with(&mut self, rl: &mut impl Rlimit) -> Result<Option<String>, String> {
        let wanted = self.ulimit_n.map_or(self.maxsock, u64::from);
        // HAProxy compares the limit with its `int` bound converted to `rlim_t`: a
        // negative `fd-hard-limit` bounds nothing there.
        let bound = (self.fd_hard_limit != 0).then_some(i64::from(self.fd_hard_limit) as u64);
        let (_, boot_max) = rl.get();
        let refused = bound.is_some_and(|b| wanted > b) || !raise(rl, wanted, boot_max.max(wanted));
        let mut warning = None;
        if refused {
            let (cur, max) = rl.get();
            if self.strict {
                let shown = bound.map_or(cur, |b| cur.min(b));
                self.nofile = cur;
                return Err(format!(
                    "Cannot raise FD limit to {wanted}, limit is {}.",
                    as_int(shown)
                ));
            }
            // As high as allowed, then say what it is.
            raise(rl, bound.map_or(max, |b| max.min(b)), max);
            let now = rl.get().0;
            warning = Some(format!(
                "Cannot raise FD limit to {wanted}, limit is {}.",
                as_int(now)
            ));
        }
        self.nofile = rl.get().0;
        Ok(warning)
    }

    /// HAProxy's last check once the listeners are bound: the soft limit below
    /// `maxsock`. The message is an alert; it stops the start-up when [`Limits::strict`].
    pub fn fd_shortage(&self) -> Option<String> {
        self.fd_shortage_with(&System)
    }

    /// [`Limits::fd_shortage`] on `rl`.
    pub fn fd_shortage_with(&self, rl: &impl Rlimit) -> Option<String> {
        let cur = rl.get().0;
        (cur < self.maxsock).then(|| {
            format!(
                "FD limit ({}) too low for maxconn={}/maxsock={}. Please raise 'ulimit-n' to {} or more to avoid any trouble.",
                as_int(cur),
                self.maxconn,
                self.maxsock,
                self.maxsock
            )
        })
    }
}

/// HAProxy's `raise_rlim_nofile`: sets the limits only when one of them goes up.
fn raise(rl: &mut impl Rlimit, cur: u64, max: u64) -> bool {
    let (c, m) = rl.get();
    if m < max || c < cur {
        rl.set(cur, max)
    } else {
        true
    }
}

/// A limit as HAProxy prints it (`(int)`).
fn as_int(v: u64) -> i64 {
    v.min(i32::MAX as u64) as i64
}

/// The descriptors the configuration holds whatever the traffic, counted as HAProxy
/// counts them while parsing: the reserved ones, every listener (of disabled proxies
/// too), every server of an enabled backend that runs health checks, every check `port`,
/// and the CLI (its listeners and `stats maxconn` sessions).
fn socket_eaters(snap: &Snapshot) -> i64 {
    let mut n = RESERVED_FDS;
    for p in proxies(&snap.proxies) {
        n += p
            .binds
            .iter()
            .flat_map(|b| b.addrs.iter())
            .map(|a| i64::from(a.listeners()))
            .sum::<i64>();
        for s in &p.servers {
            let check = &s.settings.check;
            n += i64::from(check.enabled && !p.disabled && p.is_be());
            n += i64::from(check.port.is_some());
        }
    }
    let stats = &snap.global.stats;
    let cli = !stats.sockets.is_empty() || stats.timeout_ms.is_some() || stats.maxconn.is_some();
    if cli {
        n += stats
            .sockets
            .iter()
            .map(|s| s.addresses.len() as i64)
            .sum::<i64>();
        n += stats.maxconn.map_or(DEFAULT_CLI_MAXCONN, i64::from);
    }
    n
}

/// HAProxy's `compute_ideal_maxconn`: what the descriptors allow once `fixed` ones (the
/// configuration's and three per thread) are set aside, counting pipes for splicing
/// (half a pipe per connection when their number is open, `pipes` otherwise).
fn ideal_maxconn(boot_limit: i64, fd_hard_limit: i32, fixed: i64, pipes: Option<u64>) -> u32 {
    let mut remain = boot_limit;
    if fd_hard_limit != 0 && remain > i64::from(fd_hard_limit) {
        remain = i64::from(fd_hard_limit);
    }
    remain -= fixed;
    let maxconn = match pipes {
        Some(p) => {
            let p = p as i64;
            if p * 2 < remain {
                remain -= p * 2;
            }
            remain / 2
        }
        None => 2 * remain / 5,
    };
    maxconn.clamp(i64::from(DEFAULT_MAXCONN), i64::from(u32::MAX)) as u32
}

/// HAProxy's `compute_ideal_maxpipes`: a quarter of the connections that proxies asking
/// for splicing may hold (a frontend's `maxconn`, a backend's `fullconn` or the global
/// `maxconn`), bounded by `maxconn`. `None` when that is open-ended and `maxconn` is not
/// known yet.
pub fn ideal_maxpipes(all: &[Proxy], maxconn: Option<u32>) -> Option<u64> {
    let maxconn = maxconn.filter(|&m| m > 0).map(u64::from);
    let (mut fe, mut be) = (0u64, 0u64);
    let mut unlimited = false;
    for p in proxies(all) {
        let f = &p.options.flags;
        if !(f.splice_auto || f.splice_request || f.splice_response) {
            continue;
        }
        if p.is_fe() {
            if p.maxconn == 0 {
                unlimited = true;
                break;
            }
            fe += u64::from(p.maxconn);
        }
        if p.is_be() {
            let m = if p.fullconn != 0 {
                u64::from(p.fullconn)
            } else {
                maxconn.unwrap_or(0)
            };
            if m == 0 {
                unlimited = true;
                break;
            }
            be += m;
        }
    }
    let mut pipes = fe.max(be);
    match maxconn {
        Some(m) if pipes > m || unlimited => pipes = m,
        None if unlimited => return None,
        _ => {}
    }
    Some(if pipes >= 4 { pipes / 4 } else { pipes })
}

/// Frontends, listens and backends, disabled ones included (HAProxy's `proxies_list`).
fn proxies(all: &[Proxy]) -> impl Iterator<Item = &Proxy> {
    all.iter().filter(|p| p.kind != ProxyKind::Defaults)
}

/// CPUs this process may run on (HAProxy's default `nbthread`).
pub fn cpus_available() -> usize {
    nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))
        .map(|set| {
            (0..nix::sched::CpuSet::count())
                .filter(|&i| set.is_set(i).unwrap_or(false))
                .count()
        })
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use rampart_config::{env::Env, reader::Reader};

    /// A descriptor limit that a process without `CAP_SYS_RESOURCE` has: the soft limit
    /// moves freely up to the hard one, which cannot go up.
    struct Fake {
        cur: u64,
        max: u64,
    }

    impl Rlimit for Fake {
        fn get(&self) -> (u64, u64) {
            (self.cur, self.max)
        }
        fn set(&mut self, cur: u64, max: u64) -> bool {
            if max > self.max || cur > max {
                return false;
            }
            (self.cur, self.max) = (cur, max);
            true
        }
    }

    fn snap(global: &str, proxies: &str) -> Snapshot {
        let text = format!(
            "global\n    nbthread 2\n{global}defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\n{proxies}"
        );
        let mut env = Env::empty();
        let mut r = Reader::new(&mut env);
        r.read_bytes("t.cfg", text.as_bytes());
        let (config, _) = r.finish();
        let (snap, diags) = rampart_model::lower(&config, &Default::default());
        snap.unwrap_or_else(|| panic!("{text}: {:?}", diags.iter().collect::<Vec<_>>()))
    }

    const LISTEN: &str = "listen l\n    bind 127.0.0.1:1000\n    server s 127.0.0.1:2000\n";

    /// Limits for `global` lines under a (soft, hard) limit, after raising it.
    fn run(
        global: &str,
        proxies: &str,
        cur: u64,
        max: u64,
    ) -> (Limits, Result<Option<String>, String>, Option<String>) {
        let s = snap(global, proxies);
        let mut rl = Fake { cur, max };
        let mut l = compute_with(&s, None, false, &rl);
        let raised = l.raise_nofile_with(&mut rl);
        let short = l.fd_shortage_with(&rl);
        (l, raised, short)
    }

    // The figures below are HAProxy 2.6's, read from its messages with the same
    // configurations (1 listener, 2 threads: maxsock = 10 + 1 + 2 * maxconn + 6).

    #[test]
    fn a_maxconn_within_the_limit_raises_the_soft_limit() {
        let (l, raised, short) = run("    maxconn 9000\n", LISTEN, 1024, 20000);
        assert_eq!((l.maxconn, l.maxsock), (9000, 18017));
        assert_eq!(raised, Ok(None));
        assert_eq!(l.nofile, 18017);
        assert_eq!(short, None);
    }

    #[test]
    fn strict_limits_refuse_a_maxconn_beyond_the_hard_limit() {
        let (l, raised, _) = run("    maxconn 10000\n", LISTEN, 20000, 20000);
        assert_eq!(
            raised,
            Err("Cannot raise FD limit to 20017, limit is 20000.".into())
        );
        assert_eq!(l.maxconn, 10000);
        // The soft limit in the message is the current one, not the hard one.
        let (_, raised, _) = run("    maxconn 10000\n", LISTEN, 1024, 20000);
        assert_eq!(
            raised,
            Err("Cannot raise FD limit to 20017, limit is 1024.".into())
        );
    }

    #[test]
    fn no_strict_limits_warns_takes_the_hard_limit_and_keeps_maxconn() {
        let g = "    maxconn 30000\n    no strict-limits\n";
        let (l, raised, short) = run(g, LISTEN, 1024, 20000);
        assert_eq!(
            raised,
            Ok(Some(
                "Cannot raise FD limit to 60017, limit is 20000.".into()
            ))
        );
        assert_eq!((l.maxconn, l.nofile), (30000, 20000));
        assert_eq!(
            short.as_deref(),
            Some("FD limit (20000) too low for maxconn=30000/maxsock=60017. Please raise 'ulimit-n' to 60017 or more to avoid any trouble.")
        );
        assert!(!l.strict);
    }

    #[test]
    fn ulimit_n_is_what_is_raised_to_and_never_lowers() {
        let (_, raised, _) = run(
            "    maxconn 9000\n    ulimit-n 30000\n",
            LISTEN,
            20000,
            20000,
        );
        assert_eq!(
            raised,
            Err("Cannot raise FD limit to 30000, limit is 20000.".into())
        );
        // Below the current limit: nothing changes, and the check after binding sees the
        // current limit, which is what maxconn is compared with.
        let (l, raised, short) = run(
            "    maxconn 10000\n    ulimit-n 15000\n",
            LISTEN,
            20000,
            20000,
        );
        assert_eq!((raised, l.nofile), (Ok(None), 20000));
        assert_eq!(
            short.as_deref(),
            Some("FD limit (20000) too low for maxconn=10000/maxsock=20017. Please raise 'ulimit-n' to 20017 or more to avoid any trouble.")
        );
        let (l, raised, short) = run("    ulimit-n 2000\n", LISTEN, 1024, 20000);
        assert_eq!((raised, l.nofile, l.maxconn), (Ok(None), 2000, 9991));
        assert!(short.is_some());
    }

    #[test]
    fn computed_maxconn_follows_the_hard_limit_at_start() {
        // (20000 - 11 - 6) / 2
        let (l, raised, short) = run("", LISTEN, 1024, 20000);
        assert_eq!((l.maxconn, l.maxconn_computed), (9991, true));
        assert_eq!((raised, short, l.nofile), (Ok(None), None, 19999));
        // Half a pipe per connection when a proxy splices without a bound: 2 * 19983 / 5.
        let spliced = format!("{LISTEN}    option splice-auto\n");
        assert_eq!(run("", &spliced, 1024, 20000).0.maxconn, 7993);
        // Nothing left: HAProxy's floor.
        assert_eq!(run("", LISTEN, 64, 64).0.maxconn, DEFAULT_MAXCONN);
    }

    #[test]
    fn fd_hard_limit_bounds_the_computed_maxconn_and_the_limit() {
        let (l, raised, _) = run("    fd-hard-limit 15000\n", LISTEN, 20000, 20000);
        assert_eq!((l.maxconn, raised), (7491, Ok(None)));
        let (_, raised, _) = run(
            "    fd-hard-limit 15000\n    maxconn 10000\n",
            LISTEN,
            20000,
            20000,
        );
        assert_eq!(
            raised,
            Err("Cannot raise FD limit to 20017, limit is 15000.".into())
        );
        // Not strict: the warning shows the limit in force, which is never lowered.
        let g = "    fd-hard-limit 15000\n    maxconn 10000\n    no strict-limits\n";
        let (_, raised, _) = run(g, LISTEN, 20000, 20000);
        assert_eq!(
            raised,
            Ok(Some(
                "Cannot raise FD limit to 20017, limit is 20000.".into()
            ))
        );
    }

    #[test]
    fn socket_eaters_are_counted_as_haproxy_counts_them() {
        let maxsock = |global: &str, proxies: &str| {
            let g = format!("    maxconn 1000\n{global}");
            run(&g, proxies, 20000, 20000).0.maxsock
        };
        let base = 10 + 2000 + 6;
        assert_eq!(maxsock("", LISTEN), base + 1);
        // Three listeners: a port range counts each port.
        let three =
            "listen l\n    bind 127.0.0.1:1000-1001,127.0.0.1:1005\n    server s 127.0.0.1:2000\n";
        assert_eq!(maxsock("", three), base + 3);
        // A disabled proxy's listeners count, a checked server counts.
        let more = format!(
            "{LISTEN}listen d\n    disabled\n    bind 127.0.0.1:1010\n    server s 127.0.0.1:2000 check\nbackend b\n    server s 127.0.0.1:2000 check\n"
        );
        assert_eq!(maxsock("", &more), base + 3);
        // The CLI: its listeners and its sessions (10 unless `stats maxconn`).
        assert_eq!(maxsock("    stats timeout 5s\n", LISTEN), base + 11);
        // Pipes: explicit, or a quarter of what splicing proxies may hold.
        assert_eq!(maxsock("    maxpipes 100\n", LISTEN), base + 1 + 200);
        let spliced = format!("{LISTEN}    option splice-auto\n");
        assert_eq!(maxsock("", &spliced), base + 1 + 2 * 250);
        let fe_only = "frontend f\n    bind 127.0.0.1:1000\n    maxconn 100\n    option splice-auto\n    default_backend b\nbackend b\n    server s 127.0.0.1:2000\n";
        assert_eq!(maxsock("", fe_only), base + 1 + 2 * 25);
    }
}
