//! Unit tests of the slots and queues: FIFO hand-over, `timeout queue`, `maxqueue`,
//! redistribution, run-time `maxconn` changes, and many threads at once.

use super::*;
use crate::state::{PortMap, ServerTarget};
use std::sync::Arc;

/// A backend whose servers have these `(maxconn, maxqueue)`.
fn backend(servers: &[(u32, u32)]) -> Backend {
    let balance = rampart_balance::Balancer::new(rampart_balance::Config {
        algo: rampart_balance::Algo::RoundRobin,
        hash_fn: Default::default(),
        avalanche: false,
        balance_factor: 0,
        allbackups: false,
        servers: (0..servers.len())
            .map(|i| rampart_balance::ServerCfg {
                backup: false,
                puid: i as u32 + 1,
                uweight: 1,
                ok: true,
            })
            .collect(),
    });
    Backend {
        name: "b".into(),
        uuid: 1,
        acls: std::sync::Arc::from(Vec::new()),
        stats: None,
        mode: rampart_model::proxy::Mode::Http,
        source: None,
        servers: servers
            .iter()
            .enumerate()
            .map(|(i, &(maxconn, maxqueue))| Server {
                name: format!("s{i}"),
                puid: i as i64 + 1,
                addr: crate::server_state::LiveTarget::new(ServerTarget::Ip {
                    ip: std::net::IpAddr::from([127, 0, 0, 1]),
                    port: PortMap::Fixed(1),
                }),
                backup: false,
                live: crate::server_state::Live::new(1, 0),
                send_proxy: false,
                send_proxy_v2: false,
                proxy_v2: Default::default(),
                source: None,
                limits: crate::server_state::ConnLimits::new(maxconn, maxconn),
                maxqueue,
                served: Default::default(),
                pool: Default::default(),
                idle_conns: Default::default(),
                counters: Default::default(),
                cookie: None,
                redir: None,
                observe: Default::default(),
                kill: Default::default(),
                on_marked_down: false,
                on_marked_up: false,
                dynamic: false,
                fqdn: None,
                iweight: 1,
                deleted: Default::default(),
            })
            .collect(),
        timeouts: Default::default(),
        retries: 0,
        redispatch: None,
        option_persist: false,
        retry_on: Default::default(),
        srvtcpka: false,
        nolinger: false,
        splice: Default::default(),
        http: Default::default(),
        allbackups: false,
        balance,
        fullconn: 1,
        beconn: Default::default(),
        queue: Default::default(),
        counters: Default::default(),
        live: Default::default(),
        invalid_rep: Default::default(),
        persist: None,
        tcp: Default::default(),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

fn served(be: &Backend, i: usize) -> u32 {
    be.servers[i].served.load(Ordering::SeqCst)
}

const LONG: Option<Duration> = Some(Duration::from_secs(10));

#[test]
fn a_freed_slot_goes_to_the_oldest_waiter() {
    let be = backend(&[(1, 0)]);
    rt().block_on(async {
        let first = acquire(&be, Assign::Any, 0..1, LONG).await;
        let first = first.unwrap_or_else(|e| panic!("{e:?}"));
        let order = std::cell::RefCell::new(Vec::new());
        let waiter = |tag: u32| {
            let (be, order) = (&be, &order);
            async move {
                let s = acquire(be, Assign::Any, 0..1, LONG).await;
                order.borrow_mut().push(tag);
                drop(s);
            }
        };
        let (b, c) = (waiter(2), waiter(3));
        let release = async {
            tokio::task::yield_now().await;
            assert_eq!(be.counters.qcur.load(Ordering::SeqCst), 2);
            drop(first);
        };
        tokio::join!(b, c, release);
        assert_eq!(*order.borrow(), [2, 3]);
    });
    assert_eq!(served(&be, 0), 0);
    assert_eq!(be.counters.qmax.load(Ordering::SeqCst), 2);
    assert_eq!(be.beconn.load(Ordering::SeqCst), 0);
}

#[test]
fn priorities_order_the_waiters() {
    // Lower classes first, then earlier arrival plus offset, then arrival order; a
    // server's own queue and the backend's are merged in that order.
    let be = backend(&[(1, 0)]);
    rt().block_on(async {
        let first = acquire(&be, Assign::Any, 0..1, LONG).await;
        let first = first.unwrap_or_else(|e| panic!("{e:?}"));
        let order = std::cell::RefCell::new(Vec::new());
        let waiter = |tag: u32, class: i32, offset: i32, assign: Assign| {
            let (be, order) = (&be, &order);
            PRIORITY.scope(Priority { class, offset }, async move {
                let s = acquire(be, assign, 0..1, LONG).await;
                order.borrow_mut().push(tag);
                drop(s);
            })
        };
        let a = waiter(1, 0, 0, Assign::Any);
        let b = waiter(2, 0, -5000, Assign::Server(0));
        let c = waiter(3, -1, 0, Assign::Any);
        let d = waiter(4, 1, -60000, Assign::Server(0));
        let e = waiter(5, 0, 5000, Assign::Any);
        let release = async {
            tokio::task::yield_now().await;
            assert_eq!(be.queue.pending.load(Ordering::SeqCst), 5);
            drop(first);
        };
        tokio::join!(a, b, c, d, e, release);
        assert_eq!(*order.borrow(), [3, 2, 1, 5, 4]);
    });
    assert_eq!(be.queue.pending.load(Ordering::SeqCst), 0);
}

#[test]
fn waiting_ends_at_the_queue_timeout() {
    let be = backend(&[(1, 0)]);
    rt().block_on(async {
        let _held = acquire(&be, Assign::Any, 0..1, LONG).await;
        let r = acquire(&be, Assign::Any, 0..1, Some(Duration::from_millis(20))).await;
        assert_eq!(r.err(), Some(QueueError::Timeout));
        assert_eq!(be.counters.qcur.load(Ordering::SeqCst), 0);
    });
    assert_eq!(served(&be, 0), 0);
}

#[test]
fn maxqueue_bounds_a_server_queue() {
    let be = backend(&[(1, 1)]);
    rt().block_on(async {
        let held = acquire(&be, Assign::Server(0), 0..1, LONG).await;
        let queued = acquire(&be, Assign::Server(0), 0..1, LONG);
        let over = async {
            tokio::task::yield_now().await;
            let r = acquire(&be, Assign::Server(0), 0..1, LONG).await;
            assert_eq!(r.err(), Some(QueueError::Full));
            drop(held);
        };
        let (q, ()) = tokio::join!(queued, over);
        assert!(q.is_ok());
    });
    assert_eq!(served(&be, 0), 0);
}

#[test]
fn a_waiter_that_goes_away_loses_nothing() {
    let be = backend(&[(1, 0)]);
    rt().block_on(async {
        let held = acquire(&be, Assign::Any, 0..1, LONG).await;
        // Starts waiting, then is dropped.
        let gone = tokio::time::timeout(
            Duration::from_millis(10),
            acquire(&be, Assign::Any, 0..1, LONG),
        )
        .await;
        assert!(gone.is_err());
        assert_eq!(be.counters.qcur.load(Ordering::SeqCst), 0);
        drop(held);
        let again = acquire(&be, Assign::Any, 0..1, Some(Duration::ZERO)).await;
        assert!(again.is_ok(), "the slot is free again");
    });
    assert_eq!(served(&be, 0), 0);
}

#[test]
fn no_server_usable() {
    let be = backend(&[(1, 0)]);
    be.servers[0]
        .live
        .set_admin(crate::server_state::admin::FMAINT, true);
    rt().block_on(async {
        let r = acquire(&be, Assign::Any, 0..1, LONG).await;
        assert_eq!(r.err(), Some(QueueError::NoServer));
    });
}

#[test]
fn a_server_going_down_requeues_its_waiters_but_forced_ones() {
    let mut be = backend(&[(1, 0), (1, 0)]);
    be.redispatch = Some(-1);
    rt().block_on(async {
        let held = acquire(&be, Assign::Server(0), 0..1, LONG).await;
        let balanced = acquire(&be, Assign::Persist(0), 0..1, LONG);
        let forced = acquire(
            &be,
            Assign::Forced(0),
            0..1,
            Some(Duration::from_millis(50)),
        );
        let down = async {
            tokio::task::yield_now().await;
            assert_eq!(be.servers[0].counters.qcur.load(Ordering::SeqCst), 2);
            be.servers[0].live.set_op(crate::server_state::Op::Stopped);
            assert_eq!(redistribute(&be, 0), 1);
        };
        let (b, f, ()) = tokio::join!(balanced, forced, down);
        assert_eq!(b.err(), Some(QueueError::Redistributed));
        // The forced one stayed until its queue timeout.
        assert_eq!(f.err(), Some(QueueError::Timeout));
        drop(held);
    });
    assert_eq!(be.queue.pending.load(Ordering::SeqCst), 0);
    assert_eq!(served(&be, 0), 0);
}

#[test]
fn a_server_coming_up_takes_the_backend_queue() {
    let be = backend(&[(1, 0), (2, 0)]);
    be.servers[1].live.set_op(crate::server_state::Op::Stopped);
    rt().block_on(async {
        let held = acquire(&be, Assign::Any, 0..2, LONG).await;
        let w1 = acquire(&be, Assign::Any, 0..2, LONG);
        let w2 = acquire(&be, Assign::Any, 0..2, LONG);
        let up = async {
            tokio::task::yield_now().await;
            assert_eq!(be.counters.qcur.load(Ordering::SeqCst), 2);
            be.servers[1].live.set_op(crate::server_state::Op::Running);
            assert_eq!(grab_from_backend(&be, 1), 2);
        };
        let (a, b, ()) = tokio::join!(w1, w2, up);
        assert_eq!(a.map(|s| s.server()).ok(), Some(1));
        assert_eq!(b.map(|s| s.server()).ok(), Some(1));
        drop(held);
    });
    assert_eq!(be.counters.qcur.load(Ordering::SeqCst), 0);
    assert_eq!(served(&be, 0) + served(&be, 1), 0);
}

#[test]
fn threads_never_exceed_maxconn_and_every_stream_is_served() {
    // Four event loops on their own threads, 50 streams each, two servers with two
    // slots each: at most two streams per server at once, none lost.
    let be = Arc::new(backend(&[(2, 0), (2, 0)]));
    let busy: Arc<[AtomicU32; 2]> = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let done = Arc::new(AtomicU32::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (be, busy, done) = (be.clone(), busy.clone(), done.clone());
            std::thread::spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt(), async {
                    let mut tasks = Vec::new();
                    for k in 0..50usize {
                        let (be, busy, done) = (be.clone(), busy.clone(), done.clone());
                        tasks.push(tokio::task::spawn_local(async move {
                            let start = k % 2;
                            let order = (0..2).map(move |i| (start + i) % 2);
                            let slot = acquire(&be, Assign::Any, order, LONG).await;
                            let slot = slot.unwrap_or_else(|e| panic!("{e:?}"));
                            let i = slot.server();
                            let now = busy[i].fetch_add(1, Ordering::SeqCst) + 1;
                            assert!(now <= 2, "{now} streams on server {i}");
                            tokio::time::sleep(Duration::from_micros(200)).await;
                            busy[i].fetch_sub(1, Ordering::SeqCst);
                            drop(slot);
                            done.fetch_add(1, Ordering::SeqCst);
                        }));
                    }
                    for t in tasks {
                        if let Err(e) = t.await {
                            panic!("stream task: {e}");
                        }
                    }
                });
            })
        })
        .collect();
    for t in threads {
        if t.join().is_err() {
            panic!("worker thread failed");
        }
    }
    assert_eq!(done.load(Ordering::SeqCst), 200);
    assert_eq!(served(&be, 0) + served(&be, 1), 0);
    assert_eq!(be.queue.pending.load(Ordering::SeqCst), 0);
    assert_eq!(be.beconn.load(Ordering::SeqCst), 0);
}

#[test]
fn maxconn_changes_read_as_haproxy_reads_them() {
    let be = backend(&[(5, 0)]);
    assert_eq!(change_maxconn(&be, 0, ""), Err("Require <maxconn>.\n"));
    assert_eq!(
        change_maxconn(&be, 0, "x1"),
        Err("maxconn string empty or preceded by garbage")
    );
    assert_eq!(
        change_maxconn(&be, 0, "7 "),
        Err("Trailing garbage in maxconn string")
    );
    assert_eq!(be.servers[0].limits.get(), (5, 5), "nothing changed");
    // A static limit stays static; `strtol` takes leading blanks and a sign.
    assert_eq!(change_maxconn(&be, 0, " +7"), Ok(()));
    assert_eq!(be.servers[0].limits.get(), (7, 7));
    assert_eq!(change_maxconn(&be, 0, "0"), Ok(()));
    assert_eq!(dynamic_maxconn(&be, &be.servers[0]), u32::MAX);
    // A dynamic one keeps its `minconn`.
    let mut be = backend(&[(0, 0)]);
    be.servers[0].limits = crate::server_state::ConnLimits::new(100, 10);
    be.fullconn = 1000;
    assert_eq!(change_maxconn(&be, 0, "50"), Ok(()));
    assert_eq!(be.servers[0].limits.get(), (50, 10));
}

#[test]
fn a_raised_maxconn_lets_waiting_streams_in_at_once() {
    let be = backend(&[(1, 0)]);
    rt().block_on(async {
        let held = acquire(&be, Assign::Any, 0..1, LONG).await;
        let own = acquire(&be, Assign::Server(0), 0..1, LONG);
        let shared = acquire(&be, Assign::Any, 0..1, LONG);
        let raise = async {
            tokio::task::yield_now().await;
            assert_eq!(be.queue.pending.load(Ordering::SeqCst), 2);
            // 0: no limit, so both waiting streams get in.
            assert_eq!(change_maxconn(&be, 0, "0"), Ok(()));
        };
        let (a, b, ()) = tokio::join!(own, shared, raise);
        assert!(a.is_ok() && b.is_ok());
        assert_eq!(served(&be, 0), 3, "the first slot is still held");
        drop((a, b));
        // Back to one: the held stream keeps its slot, a newcomer waits.
        assert_eq!(change_maxconn(&be, 0, "1"), Ok(()));
        let r = acquire(&be, Assign::Any, 0..1, Some(Duration::from_millis(20))).await;
        assert_eq!(r.err(), Some(QueueError::Timeout));
        drop(held);
    });
    assert_eq!(served(&be, 0), 0);
    assert_eq!(be.queue.pending.load(Ordering::SeqCst), 0);
}
