//! Selection cost per request of each algorithm, with 10 and 1,000 servers of mixed
//! weights: `cargo bench -p rampart-balance --bench select`. Loads are atomics, as in
//! the proxy; streams are released at once (and `leastconn` told so), so each
//! iteration is one choice plus, for leastconn, two repositions.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use rampart_balance::{
    Algo, Balancer, Choice, Config, HashFn, HttpView, Input, Key, Load, ServerCfg,
};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU32, Ordering};

struct Loads(Vec<AtomicU32>);

impl Load for Loads {
    fn has_room(&self, _: usize) -> bool {
        true
    }
    fn may_queue(&self, _: usize) -> bool {
        true
    }
    fn served(&self, s: usize) -> u32 {
        self.0[s].load(Ordering::Relaxed)
    }
    fn inflight(&self, s: usize) -> u32 {
        self.0[s].load(Ordering::Relaxed)
    }
    fn total_served(&self) -> u32 {
        self.0.iter().map(|a| a.load(Ordering::Relaxed)).sum()
    }
}

struct Req {
    uri: String,
    key: String,
}

impl HttpView for Req {
    fn uri(&self) -> &[u8] {
        self.uri.as_bytes()
    }
    fn is_post(&self) -> bool {
        false
    }
    fn header(&self, _: &[u8]) -> Option<&[u8]> {
        Some(self.key.as_bytes())
    }
    fn body(&self) -> &[u8] {
        &[]
    }
}

fn balancer(algo: Algo, n: usize, factor: u32) -> Balancer {
    Balancer::new(Config {
        algo,
        hash_fn: HashFn::Sdbm,
        avalanche: true,
        balance_factor: factor,
        allbackups: false,
        servers: (0..n)
            .map(|i| ServerCfg {
                backup: false,
                puid: i as u32 + 1,
                uweight: 1 + (i as u32 % 5),
                ok: true,
            })
            .collect(),
    })
}

fn select(c: &mut Criterion) {
    let uri = || Key::Uri {
        len: 0,
        depth: 0,
        whole: false,
        path_only: false,
    };
    let algos: Vec<(&str, Algo, u32)> = vec![
        ("roundrobin", Algo::RoundRobin, 0),
        ("static-rr", Algo::StaticRr, 0),
        ("leastconn", Algo::LeastConn, 0),
        ("first", Algo::First, 0),
        ("random(2)", Algo::Random { draws: 2 }, 0),
        (
            "source map-based",
            Algo::Hash {
                key: Key::Source,
                consistent: false,
            },
            0,
        ),
        (
            "uri map-based",
            Algo::Hash {
                key: uri(),
                consistent: false,
            },
            0,
        ),
        (
            "uri consistent",
            Algo::Hash {
                key: uri(),
                consistent: true,
            },
            0,
        ),
        (
            "uri consistent factor 150",
            Algo::Hash {
                key: uri(),
                consistent: true,
            },
            150,
        ),
        (
            "hdr consistent",
            Algo::Hash {
                key: Key::Hdr {
                    name: b"x-key".to_vec().into_boxed_slice(),
                    use_domain_only: false,
                },
                consistent: true,
            },
            0,
        ),
    ];
    let reqs: Vec<Req> = (0..256)
        .map(|k| Req {
            uri: format!("/static/images/item-{k}.png?v={}", k * 7),
            key: format!("user-{k}"),
        })
        .collect();
    let mut g = c.benchmark_group("select");
    for n in [10usize, 1000] {
        for (name, algo, factor) in &algos {
            let b = balancer(algo.clone(), n, *factor);
            let loads = Loads((0..n).map(|_| AtomicU32::new(0)).collect());
            let lc = matches!(algo, Algo::LeastConn);
            let mut k = 0usize;
            g.bench_with_input(BenchmarkId::new(*name, n), &n, |bench, _| {
                bench.iter(|| {
                    k = (k + 1) & 255;
                    let r = &reqs[k];
                    let input = Input {
                        src: Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + k as u32 * 7919))),
                        http: Some(r),
                        payload: &[],
                    };
                    let got = b.select(black_box(&input), &loads, None);
                    if let (true, Choice::Server(s)) = (lc, got) {
                        loads.0[s].fetch_add(1, Ordering::Relaxed);
                        b.reposition(s, &loads);
                        loads.0[s].fetch_sub(1, Ordering::Relaxed);
                        b.reposition(s, &loads);
                    }
                    got
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, select);
criterion_main!(benches);
