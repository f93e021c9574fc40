//! Behaviour of the algorithms on their own (the sequences themselves are compared
//! with HAProxy end to end in crates/rampart/tests/balance.rs).

use super::*;
use std::cell::Cell;

/// Loads kept by the test: served streams per server, optional `maxconn`.
struct Loads {
    served: Vec<Cell<u32>>,
    maxconn: u32,
}

impl Loads {
    fn new(n: usize, maxconn: u32) -> Loads {
        Loads {
            served: (0..n).map(|_| Cell::new(0)).collect(),
            maxconn,
        }
    }
}

impl Load for Loads {
    fn has_room(&self, s: usize) -> bool {
        self.maxconn == 0 || self.served[s].get() < self.maxconn
    }
    fn may_queue(&self, s: usize) -> bool {
        self.has_room(s)
    }
    fn served(&self, s: usize) -> u32 {
        self.served[s].get()
    }
    fn inflight(&self, s: usize) -> u32 {
        self.served[s].get()
    }
    fn total_served(&self) -> u32 {
        self.served.iter().map(Cell::get).sum()
    }
}

fn cfg(algo: Algo, weights: &[u32], backups: &[usize]) -> Config {
    Config {
        algo,
        hash_fn: HashFn::Sdbm,
        avalanche: false,
        balance_factor: 0,
        allbackups: false,
        servers: weights
            .iter()
            .enumerate()
            .map(|(i, &w)| ServerCfg {
                backup: backups.contains(&i),
                puid: i as u32 + 1,
                uweight: w,
                ok: true,
            })
            .collect(),
    }
}

fn pick(b: &Balancer, l: &impl Load) -> Option<usize> {
    match b.select(&Input::default(), l, None) {
        Choice::Server(s) => Some(s),
        _ => None,
    }
}

fn counts(b: &Balancer, l: &impl Load, n: usize, servers: usize) -> Vec<usize> {
    let mut c = vec![0; servers];
    for _ in 0..n {
        if let Some(s) = pick(b, l) {
            c[s] += 1;
        }
    }
    c
}

#[test]
fn weighted_round_robin_is_proportional_and_smooth() {
    for algo in [Algo::RoundRobin, Algo::StaticRr] {
        let b = Balancer::new(cfg(algo.clone(), &[1, 2, 3, 5, 0], &[]));
        let l = Loads::new(5, 0);
        assert_eq!(counts(&b, &l, 110, 5), [10, 20, 30, 50, 0], "{algo:?}");
        // Smooth: the heaviest server never takes more than 2 turns in a row here.
        let seq: Vec<_> = (0..22).filter_map(|_| pick(&b, &l)).collect();
        assert!(
            seq.windows(3).all(|w| !(w[0] == w[1] && w[1] == w[2])),
            "{seq:?}"
        );
    }
}

#[test]
fn weight_and_state_changes_are_followed() {
    for algo in [
        Algo::RoundRobin,
        Algo::StaticRr,
        Algo::LeastConn,
        Algo::First,
        Algo::Hash {
            key: Key::Source,
            consistent: true,
        },
    ] {
        let b = Balancer::new(cfg(algo.clone(), &[1, 1, 1], &[]));
        let l = Loads::new(3, 0);
        for _ in 0..7 {
            pick(&b, &l);
        }
        // Server 1 goes down: never chosen; then up with weight 3.
        b.update(1, 1, false, &l);
        let c = counts(&b, &l, 30, 3);
        assert_eq!(c[1], 0, "{algo:?}: {c:?}");
        b.update(1, 3, true, &l);
        let c = counts(&b, &l, 50, 3);
        if matches!(algo, Algo::RoundRobin | Algo::StaticRr) {
            assert_eq!(c, [10, 30, 10], "{algo:?}");
        }
        // Weight 0: never chosen by the algorithm.
        b.update(0, 0, true, &l);
        b.update(2, 0, true, &l);
        let c = counts(&b, &l, 20, 3);
        assert_eq!(c, [0, 20, 0], "{algo:?}");
        // Everything down: no server.
        b.update(1, 3, false, &l);
        assert_eq!(b.select(&Input::default(), &l, None), Choice::NoServer);
    }
}

#[test]
fn backups_serve_when_no_active_server_can() {
    let b = Balancer::new(cfg(Algo::RoundRobin, &[1, 1, 2, 3], &[2, 3]));
    let l = Loads::new(4, 0);
    assert_eq!(counts(&b, &l, 10, 4), [5, 5, 0, 0]);
    b.update(0, 1, false, &l);
    b.update(1, 1, false, &l);
    // The first backup only.
    assert_eq!(counts(&b, &l, 10, 4), [0, 0, 10, 0]);
    b.update(2, 2, false, &l);
    assert_eq!(counts(&b, &l, 10, 4), [0, 0, 0, 10]);
    // With `option allbackups`, all of them by weight.
    let mut c = cfg(Algo::RoundRobin, &[1, 1, 2, 3], &[2, 3]);
    c.allbackups = true;
    c.servers[0].ok = false;
    c.servers[1].ok = false;
    let b = Balancer::new(c);
    assert_eq!(counts(&b, &l, 50, 4), [0, 0, 20, 30]);
}

#[test]
fn saturated_servers_are_skipped_or_full() {
    let b = Balancer::new(cfg(Algo::RoundRobin, &[1, 1], &[]));
    let l = Loads::new(2, 1);
    l.served[0].set(1);
    assert_eq!(counts(&b, &l, 4, 2), [0, 4]);
    l.served[1].set(1);
    assert_eq!(b.select(&Input::default(), &l, None), Choice::Full);
    // A redispatch avoids the server it is told to, when another can serve.
    l.served[0].set(0);
    l.served[1].set(0);
    for _ in 0..4 {
        assert_eq!(b.select(&Input::default(), &l, Some(0)), Choice::Server(1));
    }
}

#[test]
fn leastconn_takes_the_least_loaded_and_rotates_idle_servers() {
    let b = Balancer::new(cfg(Algo::LeastConn, &[1, 1, 1], &[]));
    let l = Loads::new(3, 0);
    // Idle servers take turns: each is repositioned after the others once it drops.
    let mut seq = Vec::new();
    for _ in 0..6 {
        let s = pick(&b, &l).unwrap_or(9);
        l.served[s].set(1);
        b.reposition(s, &l);
        l.served[s].set(0);
        b.reposition(s, &l);
        seq.push(s);
    }
    assert_eq!(seq, [0, 1, 2, 0, 1, 2]);
    // With load held, the least loaded relative to its weight.
    l.served[0].set(3);
    b.reposition(0, &l);
    l.served[1].set(1);
    b.reposition(1, &l);
    assert_eq!(pick(&b, &l), Some(2));
}

#[test]
fn first_fills_servers_by_id() {
    let mut c = cfg(Algo::First, &[1, 1, 1], &[]);
    c.servers[0].puid = 3;
    c.servers[2].puid = 1;
    let b = Balancer::new(c);
    let l = Loads::new(3, 2);
    let mut seq = Vec::new();
    for _ in 0..6 {
        let s = pick(&b, &l).unwrap_or(9);
        l.served[s].set(l.served[s].get() + 1);
        seq.push(s);
    }
    assert_eq!(seq, [2, 2, 1, 1, 0, 0]);
    assert_eq!(b.select(&Input::default(), &l, None), Choice::Full);
}

struct Get<'a>(&'a [u8]);

impl HttpView for Get<'_> {
    fn uri(&self) -> &[u8] {
        self.0
    }
    fn is_post(&self) -> bool {
        false
    }
    fn header(&self, _: &[u8]) -> Option<&[u8]> {
        None
    }
    fn body(&self) -> &[u8] {
        &[]
    }
}

#[test]
fn consistent_hashing_moves_few_keys_when_a_server_leaves() {
    let uri = Key::Uri {
        len: 0,
        depth: 0,
        whole: false,
        path_only: false,
    };
    let b = Balancer::new(Config {
        avalanche: true,
        ..cfg(
            Algo::Hash {
                key: uri,
                consistent: true,
            },
            &[1, 1, 1, 1],
            &[],
        )
    });
    let l = Loads::new(4, 0);
    let uris: Vec<String> = (0..400).map(|k| format!("/object/{k}")).collect();
    let place = |b: &Balancer| -> Vec<Choice> {
        uris.iter()
            .map(|u| {
                let g = Get(u.as_bytes());
                b.select(
                    &Input {
                        http: Some(&g),
                        ..Input::default()
                    },
                    &l,
                    None,
                )
            })
            .collect()
    };
    let before = place(&b);
    b.update(3, 1, false, &l);
    let after = place(&b);
    for (x, y) in before.iter().zip(&after) {
        if *x != Choice::Server(3) {
            assert_eq!(x, y, "a key not on the server that left moved");
        }
    }
    assert!(after.iter().all(|c| *c != Choice::Server(3)));
}

#[test]
fn random_prefers_the_least_loaded_draw() {
    let b = Balancer::new(cfg(Algo::Random { draws: 8 }, &[1, 1, 0], &[]));
    let l = Loads::new(3, 0);
    l.served[0].set(50);
    // With 8 draws over two servers, server 1 is nearly always among them.
    let c = counts(&b, &l, 200, 3);
    assert!(c[1] > 190 && c[2] == 0, "{c:?}");
}

/// A server added at run time stays out until it comes up, then takes its turns; in
/// maintenance again, it leaves (roundrobin, leastconn, first, random, consistent).
#[test]
fn added_server_enters_when_up() {
    let algos = [
        Algo::RoundRobin,
        Algo::LeastConn,
        Algo::First,
        Algo::Random { draws: 2 },
        Algo::Hash {
            key: Key::Source,
            consistent: true,
        },
    ];
    for algo in algos {
        let b = Balancer::new(cfg(algo.clone(), &[1, 1], &[]));
        let l = Loads::new(3, 0);
        b.add_server(
            2,
            ServerCfg {
                backup: false,
                puid: 3,
                uweight: 1,
                ok: false,
            },
        );
        for _ in 0..50 {
            assert_ne!(pick(&b, &l), Some(2), "{algo:?}: in maintenance");
        }
        // `first` uses the lowest id with room: the others go down.
        b.update(0, 1, !matches!(algo, Algo::First), &l);
        b.update(1, 1, !matches!(algo, Algo::First), &l);
        b.update(2, 1, true, &l);
        // `leastconn` prefers the least loaded: load the others.
        for i in 0..2 {
            l.served[i].set(3);
            b.reposition(i, &l);
        }
        assert!(
            (0..50).any(|_| pick(&b, &l) == Some(2)),
            "{algo:?}: serves once up"
        );
        b.update(2, 1, false, &l);
        b.update(0, 1, true, &l);
        for _ in 0..50 {
            assert_ne!(pick(&b, &l), Some(2), "{algo:?}: left");
        }
    }
}
