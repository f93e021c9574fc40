//! The accept loop of one listener on one worker thread: take the `maxconn` slots first
//! and respect the accept rates (`rate-limit sessions`, `maxconnrate`, `maxsessrate`),
//! so excess connections wait in the kernel backlog; accept, apply the frontend's
//! client-side socket options, and start the session on this thread.

use crate::state::{Frontend, Runtime};
use crate::worker::{acquire, Live, WorkerCx};
use rampart_model::proxy::Mode;
use rampart_net::{Conn, ConnAddrs, Listener};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// Accepts on `listener` until the soft stop.
pub async fn accept_loop(wcx: Rc<WorkerCx>, fe: usize, li: usize, listener: Listener) {
    let mut stop = wcx.ctl.subscribe();
    let fixed = listener.fixed_local();
    let tl = match listener {
        Listener::Tcp(l) => tokio::net::TcpListener::from_std(l).map(|l| Accepting::Tcp(l, fixed)),
        Listener::Unix(l) => tokio::net::UnixListener::from_std(l).map(Accepting::Unix),
    };
    let Ok(tl) = tl else { return };
    if *stop.borrow() {
        return;
    }
    // `disable|enable|shutdown frontend` (the runtime API) change the frontend's gate.
    let mut gate = wcx.ctl.frontends.get(fe).map(|g| g.changed.subscribe());
    loop {
        let permit = tokio::select! {
            p = acquire(&wcx.ctl, fe, li) => match p {
                Some(p) => p,
                // `shutdown frontend`: the listener closes with the last handle.
                None => return,
            },
            _ = stop.changed() => return,
        };
        // Rates: wait until one more connection fits (lock-free counters shared by
        // every thread; concurrent threads may overshoot by one connection each).
        loop {
            let delay = rate_delay(&wcx.rt, &wcx.ctl, wcx.frontend(fe));
            if delay == 0 {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(u64::from(delay))) => {}
                _ = stop.changed() => return,
            }
        }
        let paused = async {
            match gate.as_mut() {
                Some(g) => {
                    let _ = g.changed().await;
                }
                None => std::future::pending().await,
            }
        };
        let conn = tokio::select! {
            c = tl.accept() => c,
            _ = stop.changed() => {
                drop(permit);
                drain(&wcx, fe, li, &tl).await;
                return;
            }
            () = paused => {
                // Paused or stopped meanwhile: take the slots again (or leave).
                drop(permit);
                continue;
            }
        };
        let (conn, peer) = match conn {
            Ok(c) => c,
            Err(e) => {
                // ENFILE, EMFILE, ENOBUFS, ENOMEM: back off briefly instead of spinning.
                drop(permit);
                if matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12)) {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        start_session(&wcx, fe, li, permit, conn, peer);
    }
}

/// The soft stop came: takes the connections the kernel already queued on the listener
/// (completed handshakes whose client may be sending its request), as HAProxy's last
/// accept round does, so that closing the listener does not reset them.
async fn drain(wcx: &Rc<WorkerCx>, fe: usize, li: usize, tl: &Accepting) {
    loop {
        let Some(permit) = acquire(&wcx.ctl, fe, li).await else {
            return;
        };
        // A short wait lets the event loop report what is queued.
        let next = tokio::time::timeout(std::time::Duration::from_millis(1), tl.accept());
        match next.await {
            Ok(Ok((conn, peer))) => start_session(wcx, fe, li, permit, conn, peer),
            _ => break,
        }
    }
    // What the kernel queued since the event loop last looked: taken with direct
    // calls, the listener closing right after (the caller returns), so that only what
    // arrives within microseconds can still be reset.
    while let Some((conn, peer)) = tl.accept_queued() {
        let Some(permit) = acquire(&wcx.ctl, fe, li).await else {
            return;
        };
        start_session(wcx, fe, li, permit, conn, peer);
    }
}

/// Starts the session of an accepted connection on this thread: the frontend's
/// client-side socket options, the rate counters, then the mode's session as its own
/// task (no wrapper future, which would keep a second copy of the connection).
fn start_session(
    wcx: &Rc<WorkerCx>,
    fe: usize,
    li: usize,
    permit: crate::worker::Permit,
    conn: Conn,
    peer: ConnAddrs,
) {
    wcx.activity.accepted();
    let f = wcx.frontend(fe);
    let now = crate::rate::now_ms();
    let pr = &wcx.rt.process;
    pr.cps_max
        .fetch_max(wcx.rt.conn_rate.update_at(now, 1), Ordering::Relaxed);
    pr.sps_max
        .fetch_max(wcx.rt.sess_rate.update_at(now, 1), Ordering::Relaxed);
    crate::state::inc(&pr.conns);
    f.counters.traffic.accepted(f.sess_rate.update_at(now, 1));
    if f.clitcpka {
        conn.set_keepalive();
    }
    if f.nolinger {
        conn.set_nolinger();
    }
    let live = Live::new(wcx.clone(), permit, &peer);
    let slot = live.slot;
    let task = match f.mode {
        Mode::Tcp => tokio::task::spawn_local(crate::tcp::session(live, fe, li, conn, peer)),
        Mode::Http => tokio::task::spawn_local(crate::http::session(live, fe, li, conn, peer)),
    };
    wcx.streams.set_abort(slot, task.abort_handle());
}

/// Milliseconds to wait before accepting one more connection under the frontend's
/// `rate-limit sessions` and the global `maxsessrate` / `maxconnrate` (0: now), as
/// HAProxy's `listener_accept` computes it from its frequency counters.
fn rate_delay(rt: &Runtime, ctl: &crate::worker::Control, f: &Frontend) -> u32 {
    use std::sync::atomic::Ordering::Relaxed;
    let mut delay = 0;
    for (ctr, lim) in [
        (&rt.sess_rate, ctl.maxsessrate.load(Relaxed)),
        (&rt.conn_rate, ctl.maxconnrate.load(Relaxed)),
        (&f.sess_rate, f.rate_limit_sessions),
    ] {
        if lim > 0 && ctr.remain(lim, 0) == 0 {
            delay = delay.max(ctr.next_event_delay(lim, 0));
        }
    }
    delay
}

enum Accepting {
    /// With the destination of every connection when the listener fixes it.
    Tcp(tokio::net::TcpListener, Option<SocketAddr>),
    Unix(tokio::net::UnixListener),
}

impl Accepting {
    /// A connection queued on the listener now, without waiting ([`Accepting::accept`]'s
    /// address handling).
    fn accept_queued(&self) -> Option<(Conn, ConnAddrs)> {
        match self {
            Accepting::Tcp(l, fixed) => {
                let (s, peer) = rampart_net::listener::accept_queued_tcp(l)?;
                let _ = s.set_nodelay(true);
                let got = ConnAddrs {
                    src: Some(peer),
                    dst: *fixed,
                };
                Some((Conn::Tcp(s), got))
            }
            Accepting::Unix(l) => {
                let s = rampart_net::listener::accept_queued_unix(l)?;
                Some((Conn::Unix(s), ConnAddrs::default()))
            }
        }
    }

    /// A new connection and, for TCP, the client's address as `accept(2)` gave it and the
    /// destination when the listener fixes it.
    async fn accept(&self) -> std::io::Result<(Conn, ConnAddrs)> {
        match self {
            Accepting::Tcp(l, fixed) => {
                let (s, peer) = l.accept().await?;
                s.set_nodelay(true)?;
                let got = ConnAddrs {
                    src: Some(peer),
                    dst: *fixed,
                };
                Ok((Conn::Tcp(s), got))
            }
            Accepting::Unix(l) => {
                let (s, _) = l.accept().await?;
                Ok((Conn::Unix(s), ConnAddrs::default()))
            }
        }
    }
}
