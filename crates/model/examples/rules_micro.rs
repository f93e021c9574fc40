//! Micro-benchmark of rule conditions: loads a configuration, then evaluates the
//! conditions of the first frontend's `http-request` rules over one request, many
//! times, without any I/O, and prints the best on-CPU time per pass of five rounds
//! (from `/proc/thread-self/schedstat`: other processes running meanwhile do not count).
//!
//!   cargo run --release -p rampart-model --example rules_micro -- haproxy.cfg [PASSES]
//!
//! The request is `GET /small HTTP/1.1` with a `host` and a `user-agent` field (the
//! requests of bench/run.sh). Environment variables the configuration names must be
//! set, as for `rampart -c`.

use rampart_config::env::Env;
use rampart_config::reader::Reader;
use rampart_h1::{parse_request, ParseOpts, RequestHead};
use rampart_model::proxy::HostResolver;
use rampart_model::LowerOptions;
use rampart_rules::conv::Cx;
use rampart_rules::stream::{NoEnv, Stream};
use std::time::Duration;

/// The time this thread has spent on a CPU.
fn on_cpu() -> Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: rules_micro CONFIG [PASSES]");
        std::process::exit(2);
    };
    let passes: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let mut env = Env::from_process();
    let mut reader = Reader::new(&mut env);
    reader.read_paths(&[path.as_str()]);
    let (config, _) = reader.finish();
    let opts = LowerOptions {
        localpeer: None,
        cwd: std::env::current_dir().unwrap_or_default(),
        resolver: HostResolver::system(),
    };
    let (snap, diags) = rampart_model::lower(&config, &opts);
    let Some(snap) = snap else {
        eprintln!("the configuration does not load: {diags:?}");
        std::process::exit(1);
    };
    let Some(p) = snap.proxies.iter().find(|p| !p.binds.is_empty()) else {
        eprintln!("no frontend");
        std::process::exit(1);
    };
    let raw = b"GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n";
    let mut req = RequestHead::default();
    if parse_request(raw, &ParseOpts::default(), &mut req).is_err() {
        eprintln!("request does not parse");
        std::process::exit(1);
    }
    let cx = Cx::default();
    let env = NoEnv;
    let conds: Vec<_> = p
        .http_request
        .iter()
        .filter_map(|r| r.cond.as_ref())
        .collect();
    let mut hits = 0u64;
    let mut best = None;
    for _ in 0..5 {
        let t0 = on_cpu();
        for _ in 0..passes {
            let s = Stream {
                req: Some(&req),
                ..Stream::new(&env)
            };
            for c in &conds {
                if c.holds(&p.acls, &s, &cx) {
                    hits += 1;
                }
            }
        }
        let dt = on_cpu() - t0;
        best = Some(best.map_or(dt, |b: Duration| b.min(dt)));
    }
    let dt = best.unwrap_or_default();
    println!(
        "{} conditions, {passes} passes: {:.0} ns per pass, {:.1} ns per condition ({hits} hits)",
        conds.len(),
        dt.as_nanos() as f64 / f64::from(passes),
        dt.as_nanos() as f64 / f64::from(passes) / conds.len().max(1) as f64
    );
}
