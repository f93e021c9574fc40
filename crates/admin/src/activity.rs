//! The worker threads seen from the runtime API (management guide 9.3): `show activity`
//! (HAProxy's per-thread activity counters, cli.c) and `show threads` (its per-thread
//! state dump, debug.c), at any level, from `rampart_proxy::activity`.
//!
//! The lines, their order and their formats are HAProxy 2.6's, so scripts that parse
//! them work unchanged. What Rampart measures: `loops` (the event loop's waits for
//! events), `avg_loop_us` (busy time per loop, HAProxy's 512-loop sliding average) and
//! `accepted` (connections accepted by the thread). The other counters have no
//! equivalent and read 0: `ctxsw`, `tasksw`, `empty_rq`, `long_rq`, `wake_tasks`,
//! `wake_signal`, `poll_io`, `poll_exp`, `poll_drop_fd`, `poll_skip_fd`, `conn_dead`,
//! `stream_calls` (tokio does not report task switches or poll outcomes), `pool_fail`
//! and `buf_wait` (an allocation never fails nor waits: it aborts), `cpust_ms_*` (stolen
//! CPU is not measured), `accq_pushed`, `accq_full`, `accq_ring` (each thread accepts
//! for itself: no accept queue) and `fd_takeover` (idle server connections never move
//! between threads).
//!
//! The CLI runs on its own control thread, which is none of the workers: `show
//! activity` names thread 0 as the one answering, and `show threads` marks no thread
//! with `*`. In `show threads`, `act` is 1 while the thread is busy and `harmless` while
//! it waits for events (HAProxy's threads are harmless in their poller); `cpu_ns: now`
//! is the thread's CPU time and `poll` its CPU time when its current loop began (the
//! last loop while waiting), estimated from the loop's wall-clock length: Rampart does
//! not read the CPU clock on each wake-up. `glob`, `wq`, `rq`, `tl`, `tlsz`, `rqsz`,
//! `stuck`, `prof`, `wantrdv` read 0 and `curr_task` is 0 (tokio does not expose its
//! queues or current task; there is no watchdog nor task profiling).

use crate::proto::{Command, Reply};
use rampart_proxy::activity::{self, Activity};
use std::fmt::Write;

/// Where a `show activity` line's per-thread value comes from.
#[derive(Clone, Copy)]
enum Src {
    Zero,
    Loops,
    AvgLoop,
    Accepted,
}

/// HAProxy 2.6's lines, in its order (a threaded build, without `DEBUG_DEV`).
const LINES: &[(&str, Src)] = &[
    ("ctxsw", Src::Zero),
    ("tasksw", Src::Zero),
    ("empty_rq", Src::Zero),
    ("long_rq", Src::Zero),
    ("loops", Src::Loops),
    ("wake_tasks", Src::Zero),
    ("wake_signal", Src::Zero),
    ("poll_io", Src::Zero),
    ("poll_exp", Src::Zero),
    ("poll_drop_fd", Src::Zero),
    ("poll_skip_fd", Src::Zero),
    ("conn_dead", Src::Zero),
    ("stream_calls", Src::Zero),
    ("pool_fail", Src::Zero),
    ("buf_wait", Src::Zero),
    ("cpust_ms_tot", Src::Zero),
    ("cpust_ms_1s", Src::Zero),
    ("cpust_ms_15s", Src::Zero),
    ("avg_loop_us", Src::AvgLoop),
    ("accepted", Src::Accepted),
    ("accq_pushed", Src::Zero),
    ("accq_full", Src::Zero),
    ("accq_ring", Src::Zero),
    ("fd_takeover", Src::Zero),
];

/// Answers `show activity` and `show threads`; false for other commands.
pub fn command(nbthread: usize, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    let text = match cmd.kw.words {
        ["show", "activity"] => show_activity(&snapshot(nbthread)),
        ["show", "threads"] => show_threads(&snapshot(nbthread)),
        _ => return false,
    };
    out.raw(&text);
    true
}

/// Each worker's activity now (zeros for a thread without a slot).
fn snapshot(nbthread: usize) -> Vec<Activity> {
    let slots = activity::slots();
    (0..nbthread.max(1))
        .map(|t| slots.get(t).map(|s| s.read()).unwrap_or_default())
        .collect()
}

/// HAProxy prints `unsigned int`s.
fn u32_of(v: u64) -> u32 {
    v as u32
}

fn show_activity(threads: &[Activity]) -> String {
    let nb = threads.len();
    let mut s = String::with_capacity(1024 + nb * 24 * 12);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let _ = writeln!(s, "thread_id: 0 (1..{nb})");
    let _ = writeln!(s, "date_now: {}.{:06}", now.as_secs(), now.subsec_micros());
    for &(name, src) in LINES {
        let vals = threads.iter().map(|a| match src {
            Src::Zero => 0,
            Src::Loops => u32_of(a.loops),
            Src::AvgLoop => a.avg_loop_us,
            Src::Accepted => u32_of(a.accepted),
        });
        let tot = vals.clone().fold(0u32, u32::wrapping_add);
        s.push_str(name);
        s.push(':');
        if nb == 1 {
            let _ = writeln!(s, " {tot}");
            continue;
        }
        // Averages are shown as the mean of the threads' values (HAProxy's `SHOW_AVG`).
        let head = match src {
            Src::AvgLoop => (u64::from(tot) + nb as u64 / 2) / nb as u64,
            _ => u64::from(tot),
        };
        let _ = write!(s, " {head} [");
        for v in vals {
            let _ = write!(s, " {v}");
        }
        s.push_str(" ]\n");
    }
    s
}

fn show_threads(threads: &[Activity]) -> String {
    let mut s = String::with_capacity(threads.len() * 256);
    for (t, a) in threads.iter().enumerate() {
        let now = activity::thread_cpu_ns(a.tid).unwrap_or(0);
        let poll = now - a.loop_ns.min(now);
        let _ = writeln!(
            s,
            "  Thread {:<2}: id=0x{:x} act={} glob=0 wq=0 rq=0 tl=0 tlsz=0 rqsz=0",
            t + 1,
            a.pthread,
            u8::from(!a.waiting && a.tid != 0)
        );
        let _ = writeln!(
            s,
            "     {:>2}/{:<2}   stuck=0 prof=0 harmless={} wantrdv=0",
            1,
            t + 1,
            u8::from(a.waiting)
        );
        let _ = writeln!(
            s,
            "             cpu_ns: poll={poll} now={now} diff={}",
            now - poll
        );
        s.push_str("             curr_task=0\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_layout() {
        let a = Activity {
            loops: 7,
            accepted: 2,
            avg_loop_us: 3,
            ..Activity::default()
        };
        let b = Activity {
            loops: 5,
            avg_loop_us: 4,
            ..Activity::default()
        };
        let two = show_activity(&[a, b]);
        let lines: Vec<&str> = two.lines().collect();
        assert_eq!(lines.len(), 2 + LINES.len());
        assert_eq!(lines[0], "thread_id: 0 (1..2)");
        assert!(lines[1].starts_with("date_now: "));
        assert_eq!(lines[2], "ctxsw: 0 [ 0 0 ]");
        assert_eq!(lines[6], "loops: 12 [ 7 5 ]");
        // (3 + 4 + 1) / 2.
        assert_eq!(lines[20], "avg_loop_us: 4 [ 3 4 ]");
        assert_eq!(lines[21], "accepted: 2 [ 2 0 ]");
        assert_eq!(lines[25], "fd_takeover: 0 [ 0 0 ]");
        let one = show_activity(&[a]);
        assert!(one.contains("\nloops: 7\n") && one.contains("\navg_loop_us: 3\n"));
    }

    #[test]
    fn threads_layout() {
        let a = Activity {
            waiting: true,
            tid: 0,
            pthread: 0x7f00,
            ..Activity::default()
        };
        assert_eq!(
            show_threads(&[a]),
            "  Thread 1 : id=0x7f00 act=0 glob=0 wq=0 rq=0 tl=0 tlsz=0 rqsz=0\n\
             \x20     1/1    stuck=0 prof=0 harmless=1 wantrdv=0\n\
             \x20            cpu_ns: poll=0 now=0 diff=0\n\
             \x20            curr_task=0\n"
        );
    }
}
