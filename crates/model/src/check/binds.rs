//! Listeners bound twice: two `bind` lines of enabled frontends on the same address and
//! port, or the same Unix socket (a Rampart warning; HAProxy says nothing, and the
//! kernel spreads connections between such sockets or gives them to the last one).

use super::{loc, warn};
use crate::proxy::bind::BindAddr;
use crate::proxy::Proxy;
use crate::LowerCx;
use rampart_config::Span;
use std::net::IpAddr;

/// Warns when two `bind` lines of enabled frontends cover the same IP address and port.
pub(super) fn duplicate_binds(all: &[Proxy], cx: &mut LowerCx<'_>) {
    struct Entry<'a> {
        ip: IpAddr,
        lo: u16,
        hi: u16,
        span: Span,
        proxy: &'a Proxy,
    }
    let mut v: Vec<Entry<'_>> = Vec::new();
    let mut unix: Vec<(&str, Span, &Proxy)> = Vec::new();
    for p in all.iter().filter(|p| p.is_fe() && !p.disabled) {
        for b in &p.binds {
            for a in &b.addrs {
                match a {
                    BindAddr::Inet { ip, ports } => v.push(Entry {
                        ip: *ip,
                        lo: ports.0,
                        hi: ports.1,
                        span: b.span,
                        proxy: p,
                    }),
                    BindAddr::Unix(path) => unix.push((path, b.span, p)),
                    _ => {}
                }
            }
        }
    }
    v.sort_by_key(|e| (e.ip, e.lo, e.span));
    let mut msgs = Vec::new();
    let mut widest: Option<usize> = None;
    for i in 0..v.len() {
        if let Some(w) = widest {
            let (e, o) = (&v[i], &v[w]);
            if o.ip == e.ip && o.hi >= e.lo && o.span != e.span {
                let port = e.lo;
                let (first, second) = if o.span < e.span { (o, e) } else { (e, o) };
                msgs.push((second.span, format!(
                    "address '{}' port {port} of 'bind' at {} ({}) is also bound at {} ({}); the system will spread connections between them at random.",
                    e.ip,
                    loc(cx, second.span),
                    second.proxy.designation(),
                    loc(cx, first.span),
                    first.proxy.designation()
                )));
            }
        }
        let replace = match widest {
            Some(w) => v[w].ip != v[i].ip || v[i].hi > v[w].hi,
            None => true,
        };
        if replace {
            widest = Some(i);
        }
    }
    unix.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for w in unix.windows(2) {
        if w[0].0 == w[1].0 && w[0].1 != w[1].1 {
            msgs.push((
                w[1].1,
                format!(
                    "socket '{}' of 'bind' at {} ({}) is also bound at {} ({}); only the last one bound will receive connections.",
                    w[0].0,
                    loc(cx, w[1].1),
                    w[1].2.designation(),
                    loc(cx, w[0].1),
                    w[0].2.designation()
                ),
            ));
        }
    }
    msgs.sort_by_key(|m| m.0);
    for (_, m) in msgs {
        warn(cx, m);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn duplicate_bind_warning_names_both_lines() {
        let r = run_t("frontend a\n bind 127.0.0.1:80\nfrontend b\n bind 127.0.0.1:79-81\n bind unix@/tmp/x\nlisten c\n bind unix@/tmp/x\n bind 127.0.0.1:82\n");
        assert!(r.valid());
        assert!(r.has_warning("address '127.0.0.1' port 80 of 'bind' at t.cfg:8 (frontend 'b') is also bound at t.cfg:6 (frontend 'a'); the system will spread connections between them at random."));
        assert!(r.has_warning("socket '/tmp/x' of 'bind' at t.cfg:11 (proxy 'c') is also bound at t.cfg:9 (frontend 'b'); only the last one bound will receive connections."));
        assert_eq!(
            r.diags
                .iter()
                .filter(|d| d.message.contains("also bound"))
                .count(),
            2
        );
    }
}
