//! Layer 4 fetches (manual 7.3.3): the addresses and ports of the client and server
//! connections, whether they are local, and the kernel's TCP figures of the client
//! connection.
//!
//! `src`/`dst` are the stream's addresses (which `set-src`/`set-dst` may have
//! changed), `fc_*` the client connection's own, `bc_*` the server connection's. A port
//! of 0 is no sample, as in HAProxy.

use super::place::{Src, Uses};
use super::{def, spec, uses, FetchDef, FetchFn};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Stream, TcpInfo};
use std::net::{IpAddr, SocketAddr};

const L4CLI: Uses = uses(&[Src::L4cli]);
const L4SRV: Uses = uses(&[Src::L4srv]);
const FTEND: Uses = uses(&[Src::Ftend]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("src", spec(&[], 0), T::Ipv4, L4CLI, |s, _, _| {
        ip(s.env.src())
    }),
    def("src_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(s.env.src())
    }),
    def("src_is_local", spec(&[], 0), T::Bool, L4CLI, |s, _, _| {
        local(s, s.env.src())
    }),
    def("dst", spec(&[], 0), T::Ipv4, L4CLI, |s, _, _| {
        ip(s.env.dst())
    }),
    def("dst_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(s.env.dst())
    }),
    def("dst_is_local", spec(&[], 0), T::Bool, L4CLI, |s, _, _| {
        local(s, s.env.dst())
    }),
    def("dst_conn", spec(&[], 0), T::Sint, FTEND, |s, _, _| {
        Some(Value::Sint(s.env.listener_conns()?))
    }),
    def(
        "fc_src",
        spec(&[], 0),
        T::Ipv4,
        L4CLI,
        |s, _, _| ip(fc(s).0),
    ),
    def("fc_src_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(fc(s).0)
    }),
    def(
        "fc_src_is_local",
        spec(&[], 0),
        T::Bool,
        L4CLI,
        |s, _, _| local(s, fc(s).0),
    ),
    def(
        "fc_dst",
        spec(&[], 0),
        T::Ipv4,
        L4CLI,
        |s, _, _| ip(fc(s).1),
    ),
    def("fc_dst_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(fc(s).1)
    }),
    def(
        "fc_dst_is_local",
        spec(&[], 0),
        T::Bool,
        L4CLI,
        |s, _, _| local(s, fc(s).1),
    ),
    // HAProxy declares the server-side ones as integers.
    def("bc_src", spec(&[], 0), T::Sint, L4SRV, |s, _, _| {
        ip(s.env.server_conn()?.0)
    }),
    def("bc_src_port", spec(&[], 0), T::Sint, L4SRV, |s, _, _| {
        port(s.env.server_conn()?.0)
    }),
    def("bc_dst", spec(&[], 0), T::Sint, L4SRV, |s, _, _| {
        ip(s.env.server_conn()?.1)
    }),
    def("bc_dst_port", spec(&[], 0), T::Sint, L4SRV, |s, _, _| {
        port(s.env.server_conn()?.1)
    }),
    FetchDef {
        check: Some(check_time_unit),
        ..def("fc_rtt", spec(&[A::Str], 0), T::Sint, L4CLI, |s, a, _| {
            time(a, s.env.tcp_info()?.rtt)
        })
    },
    FetchDef {
        check: Some(check_time_unit),
        ..def(
            "fc_rttvar",
            spec(&[A::Str], 0),
            T::Sint,
            L4CLI,
            |s, a, _| time(a, s.env.tcp_info()?.rttvar),
        )
    },
    counter("fc_unacked", |s, _, _| info(s, |i| i.unacked)),
    counter("fc_sacked", |s, _, _| info(s, |i| i.sacked)),
    counter("fc_retrans", |s, _, _| info(s, |i| i.retrans)),
    counter("fc_fackets", |s, _, _| info(s, |i| i.fackets)),
    counter("fc_lost", |s, _, _| info(s, |i| i.lost)),
    counter("fc_reordering", |s, _, _| info(s, |i| i.reordering)),
];

/// The address of `a` (IPv4 or IPv6; none for a Unix socket).
pub(super) fn ip<'a>(a: Option<SocketAddr>) -> Option<Value<'a>> {
    Some(match a?.ip() {
        IpAddr::V4(v4) => Value::Ipv4(v4),
        IpAddr::V6(v6) => Value::Ipv6(v6),
    })
}

/// The port of `a`; 0 is no sample (`get_host_port` returning 0).
fn port<'a>(a: Option<SocketAddr>) -> Option<Value<'a>> {
    let p = a?.port();
    (p != 0).then_some(Value::Sint(i64::from(p)))
}

/// The client connection's own addresses.
fn fc(s: &Stream<'_>) -> (Option<SocketAddr>, Option<SocketAddr>) {
    s.env
        .conn_addrs()
        .unwrap_or_else(|| (s.env.src(), s.env.dst()))
}

fn local<'a>(s: &Stream<'a>, a: Option<SocketAddr>) -> Option<Value<'a>> {
    Some(Value::Bool(s.env.is_local(a?)?))
}

/// `fc_rtt([unit])`: `us` or `ms`, kept as 0 (µs) or 1 (ms).
fn check_time_unit(args: &mut [Arg]) -> Result<(), String> {
    let unit = match args.first() {
        Some(Arg::Str(u)) if u == "us" => 0,
        Some(Arg::Str(u)) if u == "ms" => 1,
        Some(Arg::Str(u)) => return Err(format!("expects 'us' or 'ms', got '{u}'")),
        _ => return Err("Unexpected arg type".into()),
    };
    args[0] = Arg::Sint(unit);
    Ok(())
}

/// A kernel time in microseconds, rounded to milliseconds unless `us` was asked.
fn time<'a>(a: &[Arg], us: u32) -> Option<Value<'a>> {
    let v = i64::from(us);
    Some(Value::Sint(match a.first() {
        Some(Arg::Sint(0)) => v,
        _ => (v + 500) / 1000,
    }))
}

/// A counter from `TCP_INFO`. HAProxy warns about and drops an argument given to one:
/// it is accepted and ignored here.
const fn counter(name: &'static str, f: FetchFn) -> FetchDef {
    def(name, spec(&[A::Str], 0), T::Sint, L4CLI, f)
}

fn info<'a>(s: &Stream<'a>, f: fn(&TcpInfo) -> u32) -> Option<Value<'a>> {
    Some(Value::Sint(i64::from(f(&s.env.tcp_info()?))))
}
