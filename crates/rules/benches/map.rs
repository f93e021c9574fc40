//! 100,000-entry maps: loading (`map::load` through an in-memory file) and one lookup,
//! per method: `cargo bench -p rampart-rules --bench map`.

#![allow(clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use rampart_rules::args::Arg;
use rampart_rules::map::{load, Map};
use rampart_rules::pattern::{FileSource, LoadCx, Origin, Registry};
use rampart_rules::sample::Value;
use std::sync::Arc;

const N: usize = 100_000;

struct Mem(Vec<u8>);

impl FileSource for Mem {
    fn read(&self, _: &str) -> Result<Vec<u8>, String> {
        Ok(self.0.clone())
    }
}

/// The map file of each converter: keys shaped for its method.
fn file(conv: &str) -> Vec<u8> {
    let mut s = String::with_capacity(N * 32);
    for i in 0..N {
        let key = match conv {
            "map_ip" => format!("10.{}.{}.0/24", (i >> 8) & 255, i & 255),
            "map_beg" => format!("/p{}/s{}", i % 977, i),
            "map_end" | "map_dom" => format!("h{i}.example.com"),
            _ => format!("key-{i}"),
        };
        s.push_str(&key);
        s.push_str(&format!(" value-{i}\n"));
    }
    s.into_bytes()
}

fn loaded(conv: &str, data: &Mem) -> Arc<Map> {
    let mut reg = Registry::new();
    let mut cx = LoadCx {
        registry: &mut reg,
        files: data,
        origin: Origin {
            file: "bench.cfg",
            line: 1,
        },
        resolver: None,
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    let mut args = vec![Arg::Str(format!("{conv}.map"))];
    load(conv, &mut args, &mut cx).expect("map loads");
    match args.swap_remove(0) {
        Arg::Map(m) => m,
        _ => unreachable!("load gives a map"),
    }
}

fn bench(c: &mut Criterion) {
    let cases: &[(&str, &str)] = &[
        ("map_str", "key-77777"),
        ("map_beg", "/p594/s77777/rest/of/path"),
        ("map_ip", "10.47.11.9"),
        ("map_end", "www.h77777.example.com"),
        ("map_dom", "www.h77777.example.com"),
    ];
    let mut g = c.benchmark_group("load_100k");
    g.sample_size(10);
    for (conv, _) in cases {
        let data = Mem(file(conv));
        g.bench_with_input(BenchmarkId::from_parameter(conv), &data, |b, data| {
            b.iter(|| loaded(conv, data))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("lookup_100k");
    for (conv, input) in cases {
        let m = loaded(conv, &Mem(file(conv)));
        let v = if *conv == "map_ip" {
            Value::str(input.as_bytes())
                .cast(rampart_rules::sample::SmpType::Addr)
                .expect("address")
        } else {
            Value::str(input.as_bytes())
        };
        assert!(m.lookup(v.clone(), 16384).is_some(), "{conv} finds {input}");
        g.bench_function(*conv, |b| b.iter(|| m.lookup(black_box(v.clone()), 16384)));
    }
    g.finish();
    // The runtime API's `add map` on a 100,000-entry map, in force at once.
    let mut g = c.benchmark_group("add_100k");
    g.sample_size(10);
    for (conv, _) in &cases[..3] {
        let m = loaded(conv, &Mem(file(conv)));
        let r = m.reference().clone();
        let mut i = 0u64;
        g.bench_function(*conv, |b| {
            b.iter(|| {
                i += 1;
                r.add(
                    format!("10.200.{}.{}", (i >> 8) & 255, i & 255).as_bytes(),
                    Some(b"v"),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
