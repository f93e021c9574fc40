//! `show sess [<id>|all]` (operator level) and `shutdown session <id>` (admin level),
//! management guide 9.3, from the worker threads' session registries
//! (`rampart_proxy::sessions`).
//!
//! HAProxy prints one line per stream with its scheduler and buffer internals. Rampart
//! knows a session's address, frontend, listener, backend, server and age; the other
//! fields are printed as HAProxy prints them for a stream with nothing pending (zeros,
//! empty timers, no flags). The session's own CLI stream is not listed.
//! `show sess <id>` prints the head of HAProxy's detailed dump (date, addresses,
//! frontend, backend, server); `show sess all` prints that for every session.

use crate::proto::{Command, Reply, PERMISSION_DENIED};
use rampart_model::global::stats::AccessLevel;
use rampart_proxy::sessions::SessInfo;
use rampart_proxy::state::Runtime;
use rampart_proxy::Control;
use std::fmt::Write;
use std::net::SocketAddr;

/// Answers `show sess` and `shutdown session`; false for other commands.
pub fn command(rt: &Runtime, ctl: &Control, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    match cmd.kw.words {
        ["show", "sess"] => {
            if cmd.level < AccessLevel::Operator {
                out.err(PERMISSION_DENIED);
                return true;
            }
            let list = ctl.sessions.list();
            let mut s = String::with_capacity(256 * list.len() + 64);
            match cmd.arg(2) {
                "" => {
                    for i in &list {
                        line(&mut s, rt, i);
                    }
                }
                "all" => {
                    for i in &list {
                        full(&mut s, rt, i);
                    }
                }
                a => {
                    let id = strtoul(a);
                    match list.iter().find(|i| i.id == id && id != 0) {
                        Some(i) => full(&mut s, rt, i),
                        None => s.push_str("Session not found.\n"),
                    }
                }
            }
            out.raw(&s);
            true
        }
        ["shutdown", "session"] => {
            if cmd.level < AccessLevel::Admin {
                out.err(PERMISSION_DENIED);
                return true;
            }
            let id = strtoul(cmd.arg(2));
            if id == 0 {
                out.err("Session pointer expected (use 'show sess').\n");
            } else if !ctl.sessions.kill(id) {
                out.err("No such session (use 'show sess').\n");
            }
            true
        }
        _ => false,
    }
}

/// C `strtoul(s, NULL, 0)`: decimal, `0x` hexadecimal or `0` octal; 0 when nothing.
fn strtoul(s: &str) -> u64 {
    let t = s.trim_start();
    let (radix, d) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let end = d.find(|c: char| !c.is_digit(radix)).unwrap_or(d.len());
    u64::from_str_radix(&d[..end], radix).unwrap_or(0)
}

fn proto(a: Option<SocketAddr>) -> &'static str {
    match a {
        Some(SocketAddr::V4(_)) => "tcpv4",
        Some(SocketAddr::V6(_)) => "tcpv6",
        None => "unix_stream",
    }
}

/// `addr:port`, or `unix:<listener id>`.
fn addr(s: &mut String, rt: &Runtime, i: &SessInfo, a: Option<SocketAddr>) {
    match a {
        Some(a) => {
            let _ = write!(s, "{}:{}", a.ip(), a.port());
        }
        None => {
            let luid = rt
                .frontends
                .get(i.fe)
                .and_then(|f| f.listeners.get(i.li))
                .map_or(0, |l| l.id);
            let _ = write!(s, "unix:{luid}");
        }
    }
}

/// The backend and server names of a session (`None`: the stream has no backend yet).
fn target(rt: &Runtime, i: &SessInfo) -> Option<(usize, Option<usize>)> {
    let own = rt.frontends.get(i.fe).and_then(|f| f.own_backend);
    i.be.or(own)
        .map(|b| (b, i.srv.filter(|_| i.be.is_some())))
        .filter(|(b, _)| rt.backends.get(*b).is_some())
}

/// One line of `show sess`.
fn line(s: &mut String, rt: &Runtime, i: &SessInfo) {
    let fe = rt.frontends.get(i.fe).map_or("?", |f| f.name.as_str());
    let _ = write!(s, "0x{:x}: proto={} src=", i.id, proto(i.src));
    addr(s, rt, i, i.src);
    let (be, srv) = match target(rt, i) {
        Some((b, sv)) => {
            let b = &rt.backends[b];
            let srv = sv
                .and_then(|x| b.servers.get(x))
                .map_or("<none>", |x| x.name.as_str());
            (b.name.as_str(), srv)
        }
        None => ("<NONE>", "<none>"),
    };
    let _ = writeln!(
        s,
        " fe={fe} be={be} srv={srv} ts=00 epoch=0 age={} calls=0 rate=0 cpu=0 lat=0 \
         rq[f=0h,i=0,an=00h,rx=,wx=,ax=] rp[f=0h,i=0,an=00h,rx=,wx=,ax=] \
         scf=[8,0h,fd=-1] scb=[8,0h,fd=-1] exp= rc=0 c_exp=",
        human_time(i.age.as_secs())
    );
}

/// The head of HAProxy's detailed dump of one stream.
fn full(s: &mut String, rt: &Runtime, i: &SessInfo) {
    let _ = write!(s, "0x{:x}: ", i.id);
    crate::errors::date_us(s, i.accepted);
    let _ = write!(s, " id={} proto={} source=", i.id >> 8, proto(i.src));
    addr(s, rt, i, i.src);
    s.push('\n');
    s.push_str(
        "  flags=0x0, conn_retries=0, conn_exp=<NEVER> conn_et=0x000 srv_conn=(nil), \
         pend_pos=(nil) waiting=0 epoch=0\n",
    );
    if let Some(f) = rt.frontends.get(i.fe) {
        let l = f.listeners.get(i.li);
        let _ = write!(
            s,
            "  frontend={} (id={} mode={}), listener={} (id={}) addr=",
            f.name,
            f.uuid,
            mode(f.mode),
            l.and_then(|l| l.name.as_deref()).unwrap_or("?"),
            l.map_or(0, |l| l.id)
        );
        addr(s, rt, i, i.dst);
        s.push('\n');
    }
    match target(rt, i) {
        Some((b, sv)) => {
            let b = &rt.backends[b];
            let _ = writeln!(
                s,
                "  backend={} (id={} mode={})",
                b.name,
                b.uuid,
                mode(b.mode)
            );
            let (n, id) = sv
                .and_then(|x| b.servers.get(x))
                .map_or(("<none>", 0), |x| (x.name.as_str(), x.puid));
            let _ = writeln!(s, "  server={n} (id={id})");
        }
        None => s.push_str("  backend=<NONE> (id=-1 mode=-)\n  server=<NONE> (id=-1)\n"),
    }
    s.push('\n');
}

fn mode(m: rampart_model::proxy::Mode) -> &'static str {
    match m {
        rampart_model::proxy::Mode::Tcp => "tcp",
        rampart_model::proxy::Mode::Http => "http",
        #[allow(unreachable_patterns)]
        _ => "?",
    }
}

/// HAProxy's `human_time`: at most two units among days, hours, minutes and seconds
/// (also the stats page's times).
pub(crate) fn human_time(t: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86400;
    if t == 0 {
        return "0s".into();
    }
    let mut s = String::new();
    let mut cnt = 2;
    if t >= DAY {
        let _ = write!(s, "{}d", t / DAY);
        cnt -= 1;
    }
    if cnt > 0 && t % DAY / HOUR > 0 {
        let _ = write!(s, "{}h", t % DAY / HOUR);
        cnt -= 1;
    }
    if cnt > 0 && t % HOUR / MIN > 0 {
        let _ = write!(s, "{}m", t % HOUR / MIN);
        cnt -= 1;
    }
    if cnt > 0 && !t.is_multiple_of(MIN) {
        let _ = write!(s, "{}s", t % MIN);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_ages_read_and_print_as_haproxy() {
        assert_eq!(strtoul("0x1a2"), 0x1a2);
        assert_eq!(strtoul("42"), 42);
        assert_eq!(strtoul("010"), 8);
        assert_eq!(strtoul("zz"), 0);
        assert_eq!(human_time(0), "0s");
        assert_eq!(human_time(61), "1m1s");
        assert_eq!(human_time(3600 + 120 + 5), "1h2m");
        assert_eq!(human_time(86400 * 3 + 5), "3d5s");
        assert_eq!(human_time(86400 + 3600 + 60), "1d1h");
    }
}
