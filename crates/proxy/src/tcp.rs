//! `mode tcp` sessions: the frontend's `tcp-request connection` rules, the PROXY
//! handshake, `tcp-request session` rules, `tcp-request content` rules (waiting for
//! data within `inspect-delay`), the backend (`use_backend`) and its content rules, a
//! server (`use-server`, or the balancing), `tcp-response content` rules on the
//! server's first data, then the tunnel until both sides closed or an inactivity
//! timeout fired. A `switch-mode http` rule hands the connection to an HTTP session
//! ([`crate::http::upgrade`]).

use crate::state::{add, dec, inc, Backend, Frontend};
use crate::tcp_rules::{self, Decision, RuleCx};
use crate::tunnel;
use crate::upstream::connect_server;
use crate::worker::{Live, WorkerCx};
use rampart_net::{Conn, ConnAddrs};
use rampart_rules::action::tcp::TcpSet;
use rampart_rules::logfmt::{FinState, TermErr};
use rampart_rules::vars::StreamVars;

/// Runs one TCP-mode session to its end.
pub async fn session(live: Live, fe: usize, li: usize, mut cli: Conn, peer: ConnAddrs) {
    let w = live.w.clone();
    let f = w.frontend(fe);
    let accepted = std::time::Instant::now();
    f.counters.enter();
    let mut addrs = cli.accepted_addrs(peer);
    let vars = StreamVars::default();
    let mut expect_proxy = f.listeners.get(li).is_some_and(|l| l.accept_proxy);
    if !tcp_rules::on_connection(&w, (fe, li), &cli, &mut addrs, &vars, &mut expect_proxy) {
        dec(&f.counters.scur);
        return;
    }
    // The connection keeps its own addresses (`fc_src`...): a PROXY header and the
    // session rules set the session's (HAProxy 2.5 and later).
    let conn_addrs = addrs;
    let Some(acc) = crate::handshake::accept(&cli, addrs, expect_proxy, f.timeouts.client).await
    else {
        dec(&f.counters.scur);
        return;
    };
    let mut addrs = acc.addrs;
    if !tcp_rules::on_session(&w, (fe, li), &cli, &mut addrs, &vars) {
        dec(&f.counters.scur);
        return;
    }
    inc(&f.counters.stot);
    vars.new_transaction();
    // What the client sent, kept while rules or the balancing look at it (a pooled
    // buffer only when content rules may read more).
    let mut pending = if f.tcp.has(TcpSet::Content) {
        let mut b = w.get_buf();
        b.extend_from_slice(&acc.pending);
        b
    } else {
        acc.pending
    };
    // What the content rules set on the stream (captures, queue priority...).
    let mut fx = crate::env::StreamFx {
        pp: acc.pp.clone(),
        ..Default::default()
    };
    if f.log.on() {
        let hs = accepted.elapsed().as_millis().min(i64::MAX as u128) as i64;
        fx.log.begin(accepted, hs);
        fx.log.rec.t_idle = -1;
        crate::logs::connect_line(&w, fe, li, &addrs);
    }
    let mut rc = RuleCx {
        w: &w,
        addrs,
        conn: conn_addrs,
        fe,
        li,
        be: None,
        srv: None,
        http: false,
        first: true,
        vars: &vars,
        expect_proxy: false,
        fx: Some(&mut fx),
    };
    let mut eof = false;
    let d = tcp_rules::inspect(&f.tcp, &f.acls, &cli, &mut pending, &mut eof, &mut rc).await;
    match d {
        Decision::Continue => {}
        Decision::SwitchHttp => {
            let addrs = rc.addrs;
            // The HTTP session counts the session as its own from here on.
            dec(&f.counters.scur);
            let carried = crate::http::Carried {
                authority: acc.authority,
                pp: acc.pp.clone(),
                pending,
                vars: Box::new(vars),
                fx: Box::new(fx),
                conn: conn_addrs,
            };
            crate::http::upgrade(live, (fe, li), cli, addrs, carried).await;
            return;
        }
        d => {
            tcp_rules::count(d, TcpSet::Content, (f, li), None);
            let own = f.own_backend.and_then(|b| w.rt.backends.get(b));
            refused_bytes(f, li, own, pending.len());
            let a = rc.addrs;
            fx.log.term(TermErr::PrxCond, FinState::Request);
            end_log(&w, (fe, li), &a, &vars, &mut fx);
            refuse(&cli, d);
            w.put_buf(pending);
            dec(&f.counters.scur);
            return;
        }
    }
    serve(
        &w,
        (fe, live.slot),
        &mut cli,
        &mut pending,
        &mut eof,
        &mut rc,
        acc.authority.as_deref(),
    )
    .await;
    let addrs_now = rc.addrs;
    end_log(&w, (fe, li), &addrs_now, &vars, &mut fx);
    w.put_buf(pending);
    dec(&f.counters.scur);
    drop(live);
}

/// From the backend's choice to the end of the tunnel.
/// `at`: the frontend and the session's slot in the thread's registry (`show sess`).
async fn serve(
    w: &WorkerCx,
    at: (usize, u32),
    cli: &mut Conn,
    pending: &mut Vec<u8>,
    eof: &mut bool,
    rc: &mut RuleCx<'_>,
    authority: Option<&[u8]>,
) {
    let (fe, slot) = at;
    let f = w.frontend(fe);
    let acls = crate::env::Rules::new(&f.acls, w.rt.bufsize);
    let chosen = {
        let env = crate::env::StreamEnv {
            fx: rc.fx.as_deref(),
            w,
            addrs: &rc.addrs,
            fe,
            li: rc.li,
            be: None,
            srv: None,
            first: true,
            http: false,
        };
        crate::http::rules::switch(&f.switching, &acls, &env, None, pending).or(f.default_backend)
    };
    let Some(bi) = chosen else {
        if let Some(l) = log(rc) {
            l.term(TermErr::SrvClosed, FinState::Connect);
        }
        drain_and_close(cli);
        return;
    };
    rc.be = Some(bi);
    if let Some(l) = log(rc) {
        l.be = Some(bi);
    }
    let be = &w.rt.backends[bi];
    inc(&be.counters.stot);
    // The backend counts the stream until it ends (`beconn`).
    let _beconn = crate::state::Held::new(&be.counters.scur);
    be.counters
        .traffic
        .cur(be.counters.scur.load(std::sync::atomic::Ordering::Relaxed));
    be.counters.traffic.session();
    if f.own_backend != Some(bi) {
        let d = tcp_rules::inspect(&be.tcp, &be.acls, cli, pending, eof, rc).await;
        if d != Decision::Continue {
            tcp_rules::count(d, TcpSet::Content, (f, rc.li), Some(&be.counters));
            refused_bytes(f, rc.li, Some(be), pending.len());
            if let Some(l) = log(rc) {
                l.term(TermErr::PrxCond, FinState::Request);
            }
            refuse(cli, d);
            return;
        }
    }
    if be.balance.reads_payload() && !*eof {
        // `balance rdp-cookie`: the cookie is looked for in what the client has
        // sent by now, as HAProxy reads what is there when the stream starts.
        tcp_rules::read_available(cli, pending, w.rt.bufsize);
    }
    let addrs = rc.addrs;
    // `use-server` may choose the server (and `force-persist` keep its retries
    // there); else the balancing does.
    let got = {
        let env = crate::env::StreamEnv {
            fx: rc.fx.as_deref(),
            w,
            addrs: &addrs,
            fe,
            li: rc.li,
            be: Some(bi),
            srv: None,
            first: true,
            http: false,
        };
        // `set-priority-class` / `set-priority-offset`: the stream's place in the queues.
        let prio = rc
            .fx
            .as_deref()
            .map_or_else(Default::default, |f| crate::queue::Priority {
                class: f.prio_class,
                offset: f.prio_offset,
            });
        crate::queue::PRIORITY
            .scope(prio, async {
                match crate::http::persist::connect_tcp(&w.rt, be, &addrs, &env, pending).await {
                    Some(got) => got,
                    None => connect_server(&w.rt, be, &addrs, pending).await,
                }
            })
            .await
    };
    let (mut srv, si, _slot) = match got {
        Ok(g) => g,
        Err(e) => {
            if let Some(l) = log(rc) {
                l.queued();
                let (err, fin) = e.term();
                l.term(err, fin);
            }
            drain_and_close(cli);
            return;
        }
    };
    rc.srv = Some(si);
    crate::pool::note_private(w, bi, si);
    w.streams.target(slot, bi, si);
    let srv_addrs = f.log.srv_addrs.then(|| srv.socket_addrs());
    if let Some(l) = log(rc) {
        l.srv = Some(si);
        l.queued();
        l.connected(srv_addrs.unwrap_or((None, None)));
    }
    let s = &be.servers[si];
    inc(&s.counters.scur);
    let mut pre = Vec::new();
    if s.send_proxy || s.send_proxy_v2 {
        let uid = rc.fx.as_deref().and_then(|fx| fx.log.unique_id());
        crate::upstream::proxy_header(s, &addrs, authority, uid, &mut pre);
    }
    pre.extend_from_slice(pending);
    w.put_buf(std::mem::take(pending));
    let mut pre_s2c = Vec::new();
    if be.tcp.has(TcpSet::Response) {
        // The response side sees `res.` variables (HAProxy keeps one store for
        // `req.` and `res.` in `mode tcp`).
        rc.vars.in_response.set(true);
        let (d, got) =
            tcp_rules::inspect_response(&be.tcp, &be.acls, cli, &mut srv, &pre, rc).await;
        if d != Decision::Continue {
            tcp_rules::count(d, TcpSet::Response, (f, rc.li), Some(&be.counters));
            if let Some(l) = log(rc) {
                l.term(TermErr::PrxCond, FinState::Data);
            }
            refuse(cli, d);
            dec(&s.counters.scur);
            return;
        }
        pre = got.c2s;
        pre_s2c = got.s2c;
    }
    // `option logasap`: the line goes once the server connection is established.
    if f.log.logasap {
        let addrs = rc.addrs;
        let vars = rc.vars;
        if let Some(fx) = rc.fx.as_deref_mut().filter(|fx| fx.log.on) {
            let e = crate::logs::Ended {
                fe,
                li: rc.li,
                be: fx.log.be,
                srv: fx.log.srv,
                addrs: &addrs,
                req: None,
                res: None,
                vars: Some(vars),
                first: true,
            };
            crate::logs::stream_end(w, &e, fx);
            fx.log.on = false;
        }
    }
    let t = tunnel::Settings::of(&w.rt, f, be);
    let run = tunnel::run(cli, &mut srv, &pre, &pre_s2c, &t);
    // `on-marked-down` / `on-marked-up` may shut the session down.
    let out = match w.kills.watch(&w.rt, bi, si) {
        Some(k) => tokio::select! {
            o = run => Some(o),
            _ = k.killed() => None,
        },
        None => Some(run.await),
    };
    if let Some(l) = log(rc) {
        match out {
            Some(o) => {
                l.rec.bytes_in = o.c2s;
                l.rec.bytes_out = o.s2c;
                let err = match o.end {
                    tunnel::End::Closed => TermErr::None,
                    tunnel::End::ClientTimeout => TermErr::CliTimeout,
                    tunnel::End::ServerTimeout => TermErr::SrvTimeout,
                    tunnel::End::ClientError => TermErr::CliClosed,
                    tunnel::End::ServerError => TermErr::SrvClosed,
                };
                if err != TermErr::None {
                    l.term(err, FinState::Data);
                }
            }
            None => l.term(TermErr::Down, FinState::Data),
        }
    }
    if let Some(out) = out {
        add(&f.counters.bytes_in, out.c2s);
        add(&f.counters.bytes_out, out.s2c);
        add(&be.counters.bytes_in, out.c2s);
        add(&be.counters.bytes_out, out.s2c);
        add(&s.counters.bytes_in, out.c2s);
        add(&s.counters.bytes_out, out.s2c);
        if let Some(l) = f.li_counters(rc.li) {
            add(&l.bytes_in, out.c2s);
            add(&l.bytes_out, out.s2c);
        }
    }
    dec(&s.counters.scur);
}

/// Sends the stream's log line, when the frontend logs.
fn end_log(
    w: &WorkerCx,
    (fe, li): (usize, usize),
    addrs: &ConnAddrs,
    vars: &StreamVars,
    fx: &mut crate::env::StreamFx,
) {
    if !fx.log.on {
        return;
    }
    let e = crate::logs::Ended {
        fe,
        li,
        be: fx.log.be,
        srv: fx.log.srv,
        addrs,
        req: None,
        res: None,
        vars: Some(vars),
        first: true,
    };
    crate::logs::stream_end(w, &e, fx);
}

/// The stream's log record, when the frontend logs.
fn log<'a>(rc: &'a mut RuleCx<'_>) -> Option<&'a mut crate::logs::StreamLog> {
    rc.fx.as_deref_mut().map(|f| &mut f.log).filter(|l| l.on)
}

/// Closes a connection a rule refused: `silent-drop` with a reset and nothing else,
/// the others as a plain close.
/// What a stream refused by content rules had received: HAProxy counts it as the
/// frontend's, the listener's and the stream's backend's input (a `listen` is its own
/// backend before `use_backend`).
fn refused_bytes(f: &Frontend, li: usize, be: Option<&Backend>, n: usize) {
    let n = n as u64;
    add(&f.counters.bytes_in, n);
    if let Some(l) = f.li_counters(li) {
        add(&l.bytes_in, n);
    }
    if let Some(b) = be {
        add(&b.counters.bytes_in, n);
    }
}

fn refuse(cli: &Conn, d: Decision) {
    if d == Decision::SilentDrop {
        cli.silent_drop();
        return;
    }
    drain_and_close(cli);
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
