//! Performance tuning (manual 3.2): the `tune.*` values Rampart uses (`tune.bufsize`,
//! `tune.maxrewrite`, `tune.http.maxhdr`), and the argument checks of the knobs it accepts
//! without effect, so a line HAProxy refuses is refused here too before the "tuning
//! keyword with no effect" warning.

use rampart_config::units::TimeError;

use super::args::{alert_tight, nonfatal_alert, time_ms, Args};
use super::table::Reported;
use super::GlobalBuilder;
use crate::cnum::{atoi, atol, strtol10_full};
use crate::kw::Cx;

/// Buffer sizing and HTTP limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tune {
    /// `tune.bufsize`: buffer size in bytes, rounded up to a multiple of 16 (default 16384).
    pub bufsize: u32,
    /// `tune.maxrewrite`: bytes reserved for header rewrites (default 1024; capped to half
    /// a buffer at start-up).
    pub maxrewrite: u32,
    /// `tune.http.maxhdr`: maximum header count of a message (default 101).
    pub max_http_hdr: u16,
    /// `tune.pipesize`: capacity of splicing pipes in bytes (0: the system's default).
    pub pipesize: u32,
}

impl Default for Tune {
    fn default() -> Self {
        Self {
            bufsize: 16384,
            maxrewrite: 1024,
            max_http_hdr: 101,
            pipesize: 0,
        }
    }
}

/// `tune.bufsize <n>`.
pub fn parse_bufsize(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if a.empty(1) {
        return Err(format!("'{}' expects an integer argument.", a.kw()));
    }
    // `int` arithmetic as in HAProxy: round up to two pointers (16 bytes).
    let v = (atol(a.get(1)) as i32).wrapping_add(15) & !15;
    if v <= 0 {
        return Err(format!("'{}' expects a positive integer argument.", a.kw()));
    }
    b.g.tune.bufsize = v as u32;
    Ok(())
}

/// `tune.maxrewrite <n>`.
pub fn parse_maxrewrite(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if a.empty(1) {
        return Err(format!("'{}' expects an integer argument.", a.kw()));
    }
    let v = atol(a.get(1)) as i32;
    if v < 0 {
        return Err(format!("'{}' expects a positive integer argument.", a.kw()));
    }
    b.g.tune.maxrewrite = v as u32;
    Ok(())
}

/// `tune.http.maxhdr <n>`: 1 to 32767.
pub fn parse_max_http_hdr(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if a.empty(1) {
        return Err(format!("'{}' expects an integer argument.", a.kw()));
    }
    let v = atoi(a.get(1));
    if !(1..=32767).contains(&v) {
        return Err(format!(
            "'{}' expects a numeric value between 1 and 32767",
            a.kw()
        ));
    }
    b.g.tune.max_http_hdr = v as u16;
    Ok(())
}

/// `tune.pipesize <n>` (arguments checked by [`check_int`]): HAProxy keeps `atol`'s
/// value; a negative or oversized one makes the kernel refuse it, so the default stays.
pub fn parse_pipesize(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = atol(cx.arg(0).unwrap_or_default());
    b.g.tune.pipesize = u32::try_from(v).unwrap_or(0);
    Ok(())
}

/// `maxpipes <n>` (arguments checked by [`check_int_once`]): 0 keeps the computed value.
pub fn parse_maxpipes(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let v = atol(cx.arg(0).unwrap_or_default()) as i32;
    b.g.maxpipes = (v != 0).then_some(v.max(0) as u32);
    Ok(())
}

/// `nosplice` (no argument, checked by [`check_no_arg`]).
pub fn parse_nosplice(b: &mut GlobalBuilder, _cx: &mut Cx<'_>) -> Result<(), String> {
    b.g.nosplice = true;
    Ok(())
}

// ---- argument checks of tuning keywords (run before the "no effect" warning) ----

/// Reports `msg` as HAProxy's fatal alert and stops the line.
fn fail(cx: &mut Cx<'_>, msg: impl Into<String>) -> Result<(), Reported> {
    cx.alert(msg);
    Err(Reported)
}

/// Turns an argument-count error into a reported alert.
fn count(cx: &mut Cx<'_>, max: usize) -> Result<(), Reported> {
    match Args::new(cx.line).too_many(max) {
        Ok(()) => Ok(()),
        Err(m) => fail(cx, m),
    }
}

/// No argument (`noepoll`, `busy-polling`, `no-memory-trimming`...).
pub fn check_no_arg(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 0)
}

/// One integer argument (`tune.recv_enough`, `tune.pipesize`, `tune.buffers.*`).
pub fn check_int(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    if a.empty(1) {
        return fail(cx, format!("'{}' expects an integer argument.", a.kw()));
    }
    Ok(())
}

/// One integer argument that may be given once (`tune.maxpollevents`,
/// `tune.runqueue-depth`, `maxpipes`, `tune.maxaccept`): HAProxy keeps the first non-zero
/// value and reports the next ones.
pub fn check_int_once(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    let Some(kw) = super::table::GLOBAL
        .iter()
        .map(|k| k.name)
        .find(|n| *n == a.kw())
    else {
        return Ok(());
    };
    if b.tuning_raw.get(kw).copied().unwrap_or(0) != 0 {
        nonfatal_alert(cx, format!("'{kw}' already specified. Continuing."));
        return Err(Reported);
    }
    if a.empty(1) {
        return fail(cx, format!("'{kw}' expects an integer argument."));
    }
    let v = atol(a.get(1));
    if kw == "tune.maxaccept" && v > i64::from(i32::MAX) {
        return fail(
            cx,
            format!("'{kw}' expects -1 or an integer from 0 to INT_MAX."),
        );
    }
    b.tuning_raw.insert(kw, v);
    Ok(())
}

/// `tune.idletimer <time>`: 0 to 65535 ms.
pub fn check_idletimer(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    let (kw, v) = (a.kw(), a.get(1));
    let range = format!("'{kw}' expects a timer value between 0 and 65535 ms.");
    if v.is_empty() {
        return fail(cx, range);
    }
    match time_ms(cx, v) {
        Ok(ms) if ms > 65535 => fail(cx, range),
        Ok(_) => Ok(()),
        Err(TimeError::Overflow) => {
            alert_tight(
                cx,
                format!("timer overflow in argument <{v}> to <{kw}>, maximum value is 65535 ms."),
            );
            Err(Reported)
        }
        Err(TimeError::Underflow) => {
            alert_tight(
                cx,
                format!(
                    "timer underflow in argument <{v}> to <{kw}>, minimum non-null value is 1 ms."
                ),
            );
            Err(Reported)
        }
        Err(e) => {
            let c = super::args::bad_time_char(&e)
                .map(String::from)
                .unwrap_or_default();
            alert_tight(
                cx,
                format!("unexpected character '{c}' in argument to <{kw}>."),
            );
            Err(Reported)
        }
    }
}

/// `on` or `off` (`tune.sched.low-latency`, `tune.listener.multi-queue`...).
pub fn check_on_off(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    if !matches!(a.get(1), "on" | "off") {
        return fail(
            cx,
            format!(
                "'{}' expects either 'on' or 'off' but got '{}'.",
                a.kw(),
                a.get(1)
            ),
        );
    }
    Ok(())
}

/// `tune.fd.edge-triggered on|off`: an experimental directive in HAProxy 2.6.
pub fn check_edge_triggered(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    if !b.g.expose_experimental_directives {
        return fail(
            cx,
            format!(
                "'{}' directive is experimental, must be allowed via a global \
                 'expose-experimental-directives'",
                cx.keyword()
            ),
        );
    }
    check_on_off(b, cx)
}

/// `profiling.tasks on|auto|off`.
pub fn check_profiling_tasks(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    if !matches!(a.get(1), "on" | "auto" | "off") {
        return fail(
            cx,
            format!(
                "'{}' expects either 'on', 'auto', or 'off' but got '{}'.",
                a.kw(),
                a.get(1)
            ),
        );
    }
    Ok(())
}

/// `tune.pool-low-fd-ratio` / `tune.pool-high-fd-ratio`: 0 to 100.
pub fn check_fd_ratio(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    let v = if a.empty(1) { -1 } else { atoi(a.get(1)) };
    if !(0..=100).contains(&v) {
        return fail(
            cx,
            format!(
                "'{}' expects an integer argument between 0 and 100.",
                a.kw()
            ),
        );
    }
    Ok(())
}

/// `tune.fail-alloc <percent>`.
pub fn check_fail_alloc(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    if !(0..=100).contains(&atoi(a.get(1))) {
        return fail(
            cx,
            format!("'{}' expects a numeric value between 0 and 100.", a.kw()),
        );
    }
    Ok(())
}

/// `tune.pattern.cache-size <n>` (no argument-count check in HAProxy).
pub fn check_pattern_cache(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let a = Args::new(cx.line);
    if a.empty(1) || atoi(a.get(1)) < 0 {
        return fail(cx, format!("'{}' expects a positive numeric value", a.kw()));
    }
    Ok(())
}

/// `thread-groups <n>`: 1 only in HAProxy 2.6 (`MAX_TGROUPS`).
pub fn check_thread_groups(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    count(cx, 1)?;
    let a = Args::new(cx.line);
    match strtol10_full(a.get(1)) {
        None => fail(
            cx,
            format!(
                "'{}' passed a missing or unparsable integer value in '{}'",
                a.kw(),
                a.get(1)
            ),
        ),
        Some(1) => Ok(()),
        Some(n) => fail(
            cx,
            format!("'{}' value must be between 1 and 1 (was {n})", a.kw()),
        ),
    }
}

/// `thread-group <group> <threads>...`: group 1 only, thread numbers or ranges in 1..64.
pub fn check_thread_group(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let a = Args::new(cx.line);
    let group = match strtol10_full(a.get(1)) {
        None => {
            return fail(
                cx,
                format!(
                    "'{}' passed a missing or unparsable integer value in '{}'",
                    a.kw(),
                    a.get(1)
                ),
            )
        }
        Some(1) => 1,
        Some(n) => {
            return fail(
                cx,
                format!(
                    "'{}' thread-group number must be between 1 and 1 (was {n})",
                    a.kw()
                ),
            )
        }
    };
    for w in a.list_from(2) {
        let ok = match w.split_once('-') {
            Some((lo, hi)) => [lo, hi]
                .iter()
                .all(|p| strtol10_full(p).is_some_and(|v| (1..=64).contains(&v))),
            None => strtol10_full(w).is_some_and(|v| (1..=64).contains(&v)),
        };
        if !ok {
            return fail(
                cx,
                format!(
                    "'{} {group}' passed an unparsable or invalid thread number '{w}' (valid range is 1 \
                     to 64)",
                    a.kw()
                ),
            );
        }
    }
    Ok(())
}
