//! `mode tcp` sessions: pick the backend and a server (`use-server`, or the balancing),
//! connect, then tunnel until both sides closed or an inactivity timeout fired.

use crate::state::{add, dec, inc};
use crate::tunnel;
use crate::upstream::connect_server;
use crate::worker::{Live, WorkerCx};
use rampart_net::{Conn, ConnAddrs};

/// Runs one TCP-mode session to its end.
pub async fn session(live: Live, fe: usize, li: usize, mut cli: Conn, peer: ConnAddrs) {
    let w: &WorkerCx = &live.w;
    let f = w.frontend(fe);
    inc(&f.counters.stot);
    inc(&f.counters.scur);
    let expect_proxy = f.listeners.get(li).is_some_and(|l| l.accept_proxy);
    let Some(acc) = crate::handshake::accept(&cli, peer, expect_proxy, f, f.timeouts.client).await
    else {
        dec(&f.counters.scur);
        return;
    };
    let addrs = acc.addrs;
    let mut env = crate::env::StreamEnv {
        w,
        addrs: &addrs,
        fe,
        be: None,
        srv: None,
        first: true,
        http: false,
        fx: None,
    };
    let acls = crate::env::Rules::new(&f.acls, w.rt.bufsize);
    let chosen = crate::http::rules::switch(&f.switching, &acls, &env, None, &acc.pending)
        .or(f.default_backend);
    if let Some(bi) = chosen {
        env.be = Some(bi);
        let be = &w.rt.backends[bi];
        inc(&be.counters.stot);
        let mut pending = acc.pending;
        if be.balance.reads_payload() {
            // `balance rdp-cookie`: the cookie is looked for in what the client has
            // sent by now, as HAProxy reads what is there when the stream starts.
            read_available(&cli, &mut pending);
        }
        // `use-server` may choose the server (and `force-persist` keep its retries
        // there); else the balancing does.
        let got = match crate::http::persist::connect_tcp(&w.rt, be, &addrs, &env, &pending).await {
            Some(got) => got,
            None => connect_server(&w.rt, be, &addrs, &pending).await,
        };
        if let Ok((mut srv, si, _slot)) = got {
            let s = &be.servers[si];
            inc(&s.counters.stot);
            inc(&s.counters.scur);
            let mut pre = Vec::new();
            if s.send_proxy || s.send_proxy_v2 {
                crate::upstream::proxy_header(s, &addrs, acc.authority.as_deref(), &mut pre);
            }
            pre.extend_from_slice(&pending);
            let t = tunnel::Settings::of(&w.rt, f, be);
            let run = tunnel::run(&mut cli, &mut srv, &pre, &[], &t);
            // `on-marked-down` / `on-marked-up` may shut the session down.
            let out = match w.kills.watch(&w.rt, bi, si) {
                Some(k) => tokio::select! {
                    o = run => Some(o),
                    _ = k.killed() => None,
                },
                None => Some(run.await),
            };
            if let Some(out) = out {
                add(&f.counters.bytes_in, out.c2s);
                add(&f.counters.bytes_out, out.s2c);
                add(&be.counters.bytes_in, out.c2s);
                add(&be.counters.bytes_out, out.s2c);
            }
            dec(&s.counters.scur);
        } else {
            drain_and_close(&cli);
        }
    } else {
        drain_and_close(&cli);
    }
    dec(&f.counters.scur);
}

/// Appends what the client has sent already, without waiting (one buffer at most).
fn read_available(cli: &Conn, into: &mut Vec<u8>) {
    let mut buf = [0u8; 4096];
    while into.len() < 16384 {
        match cli.try_read(&mut buf) {
            Ok(n) if n > 0 => into.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
}

/// Closes a client that will not be served without a reset: what it already sent is
/// read and dropped first (closing a socket with unread data makes the kernel send RST;
/// HAProxy has consumed it while connecting, so its clients see a clean close).
fn drain_and_close(cli: &Conn) {
    let mut sink = [0u8; 4096];
    for _ in 0..64 {
        match cli.try_read(&mut sink) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
    cli.shutdown_write();
}
