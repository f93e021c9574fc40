//! Process limits computed as HAProxy 2.6 computes them at start-up (`compute_ideal_maxconn`
//! and the `ulimit-n` logic of src/haproxy.c): the global `maxconn` follows the
//! file-descriptor limit when it is not set, and the soft limit is raised to what
//! `maxconn` needs (two descriptors per connection, plus listeners and per-thread pollers).

use nix::sys::resource::{getrlimit, setrlimit, Resource};

/// HAProxy's floor for a computed `maxconn` (`DEFAULT_MAXCONN`).
pub const DEFAULT_MAXCONN: u32 = 100;

/// What the runtime is sized for.
#[derive(Clone, Debug)]
pub struct Limits {
    pub maxconn: u32,
    pub nbthread: usize,
    /// The descriptor limit in force after adjustment.
    pub nofile: u64,
    /// `SO_REUSEPORT` on listeners (HAProxy's default; `-dR` turns it off).
    pub reuseport: bool,
    /// Kernel splicing allowed and asked for by some proxy (`option splice-*`, neither
    /// `nosplice` nor `-dS`).
    pub splice: bool,
    /// Messages for the operator (HAProxy prints them as warnings).
    pub warnings: Vec<String>,
}

/// Inputs: the configured values (`None` when not set) and the number of listeners.
pub fn compute(
    maxconn: Option<u32>,
    nbthread: Option<u32>,
    ulimit_n: Option<u32>,
    listeners: usize,
    splice: bool,
) -> Limits {
    let mut warnings = Vec::new();
    let nbthread = nbthread
        .map(|n| n as usize)
        .unwrap_or_else(cpus_available)
        .max(1);
    let (cur, max) = getrlimit(Resource::RLIMIT_NOFILE).unwrap_or((1024, 1024));
    // Descriptors that are not connections: listeners, one poller and a wake-up pair
    // per thread, stdio and the few descriptors HAProxy reserves (its `maxsock` starts above 10).
    let fixed = listeners as u64 + 3 * nbthread as u64 + 11;
    let maxconn = match maxconn {
        Some(m) => m,
        None => {
            let base = ulimit_n.map(u64::from).unwrap_or(cur.max(max));
            let remain = base.saturating_sub(fixed);
            // With splicing, HAProxy counts half a pipe pair per connection.
            let ideal = if splice { 2 * remain / 5 } else { remain / 2 };
            (ideal.min(u64::from(u32::MAX)) as u32).max(DEFAULT_MAXCONN)
        }
    };
    let mut need = 2 * u64::from(maxconn) + fixed;
    if splice {
        need += u64::from(maxconn) / 2;
    }
    let wanted = ulimit_n.map(u64::from).unwrap_or(need);
    let mut nofile = cur;
    if wanted > cur {
        let target = wanted.min(max);
        if setrlimit(Resource::RLIMIT_NOFILE, target, max).is_ok() {
            nofile = target;
        }
    }
    let mut maxconn = maxconn;
    if need > nofile {
        // Not enough descriptors: lower maxconn to fit, as HAProxy does, and say so.
        let per = if splice { 5 } else { 4 };
        let fit = (nofile.saturating_sub(fixed) * 2 / per) as u32;
        let fit = fit.max(1);
        warnings.push(format!(
            "FD limit ({nofile}) too low for maxconn={maxconn}/maxsock={need}. Please raise 'ulimit-n' to {need} or more to avoid any trouble. Lowering maxconn to {fit} so that no connection fails for lack of descriptors."
        ));
        maxconn = fit;
    }
    Limits {
        maxconn,
        nbthread,
        nofile,
        reuseport: true,
        splice,
        warnings,
    }
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
