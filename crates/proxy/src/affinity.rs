//! `cpu-map` at run time (configuration manual 3.1): the process and its worker threads
//! are bound to CPUs with `sched_setaffinity`, as HAProxy 2.6 does:
//!
//! - the process map (`cpu-map 1 <cpus>`, also `1/1`) binds the process right after it
//!   detached, before the workers start, so that they inherit it. HAProxy applies it only
//!   in daemon (or master-worker) mode; in the foreground Rampart does the same and says
//!   so in a warning;
//! - a thread map (`cpu-map [auto:]1/<threads> <cpus>`) binds worker thread N (1-based, up
//!   to `nbthread`) to its CPUs, restricted to the process map when there is one (even
//!   in the foreground); when nothing is left the thread is not bound.
//!
//! A binding the system refuses (no CPU of the set exists or is allowed) leaves the
//! thread where it was and is reported as a warning, where HAProxy stays silent.

use rampart_model::global::cpu_map::{CpuMap, CpuSet};

/// What `cpu-map` asks for, resolved for `nbthread` threads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The whole process.
    pub process: Option<Vec<usize>>,
    /// Worker thread `i` (0-based) when it has a map of its own.
    pub threads: Vec<Option<Vec<usize>>>,
}

/// Resolves the map for `nbthread` worker threads.
pub fn plan(map: &CpuMap, nbthread: usize) -> Plan {
    let process = map
        .process
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().collect::<Vec<_>>());
    let threads = (1..=nbthread)
        .map(|t| {
            let set = map.threads.get(&(t as u32))?;
            let cpus: Vec<usize> = set
                .iter()
                .filter(|&c| {
                    !map.process
                        .as_ref()
                        .is_some_and(|p| !p.is_empty() && !p.contains(c))
                })
                .collect();
            (!cpus.is_empty()).then_some(cpus)
        })
        .collect();
    Plan { process, threads }
}

/// Applies the process map, if any: in daemon mode it binds the calling thread (the
/// process's only one at that point); in the foreground it is ignored, as by HAProxy,
/// with a warning.
pub fn bind_process(map: &CpuMap, daemon: bool) {
    let Some(set) = map.process.as_ref().filter(|s| !s.is_empty()) else {
        return;
    };
    let cpus: Vec<usize> = set.iter().collect();
    if !daemon {
        warn(&format!(
            "cpu-map: the process binding to CPU(s) {} applies in daemon mode only, as with HAProxy; ignored in the foreground.",
            list(&cpus)
        ));
    } else if let Err(w) = bind_current_thread(&cpus, "the process") {
        warn(&w);
    }
}

/// Binds the calling thread to `cpus`; the error is worded for a warning.
pub fn bind_current_thread(cpus: &[usize], what: &str) -> Result<(), String> {
    let mut set = nix::sched::CpuSet::new();
    for &c in cpus {
        // CPUs beyond what the system's set can hold cannot be asked for.
        let _ = set.set(c);
    }
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).map_err(|e| {
        format!(
            "cpu-map: cannot bind {what} to CPU(s) {}: {}; it keeps its current CPUs.",
            list(cpus),
            e.desc()
        )
    })
}

/// Prints a run-time warning as HAProxy does.
pub fn warn(msg: &str) {
    rampart_log::startup::eprint(&format!("[WARNING]  ({}) : {msg}", std::process::id()));
}

/// CPUs as a list of ranges (`0-3,6`), as `taskset` and `/proc` show them.
fn list(cpus: &[usize]) -> String {
    let mut set = CpuSet::default();
    for &c in cpus {
        set.insert(c);
    }
    let mut out = String::new();
    let mut it = set.iter().peekable();
    while let Some(lo) = it.next() {
        let mut hi = lo;
        while it.peek() == Some(&(hi + 1)) {
            hi += 1;
            it.next();
        }
        if !out.is_empty() {
            out.push(',');
        }
        if hi == lo {
            out.push_str(&lo.to_string());
        } else {
            out.push_str(&format!("{lo}-{hi}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cpus: &[usize]) -> CpuSet {
        let mut s = CpuSet::default();
        for &c in cpus {
            s.insert(c);
        }
        s
    }

    #[test]
    fn thread_maps_are_restricted_to_the_process_map() {
        let mut map = CpuMap::default();
        map.threads.insert(1, set(&[0, 1]));
        map.threads.insert(2, set(&[2]));
        map.threads.insert(5, set(&[3]));
        let p = plan(&map, 3);
        assert_eq!(p.process, None);
        assert_eq!(p.threads, vec![Some(vec![0, 1]), Some(vec![2]), None]);
        map.process = Some(set(&[1, 2, 3]));
        let p = plan(&map, 2);
        assert_eq!(p.process, Some(vec![1, 2, 3]));
        assert_eq!(p.threads, vec![Some(vec![1]), Some(vec![2])]);
        map.threads.insert(1, set(&[0]));
        assert_eq!(
            plan(&map, 1).threads,
            vec![None],
            "nothing left: process binding"
        );
    }

    #[test]
    fn cpu_lists_read_like_proc() {
        assert_eq!(list(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(list(&[3]), "3");
    }
}
