//! Layer 4 and proxy fetches (manual 7.3.3 and the internal-state part of 7.3.2):
//! addresses and ports of both connections, the listener, frontend, backend and server
//! of the stream, and their counters.

use super::place::{Src, Uses};
use super::{def, spec, uses, FetchDef, FetchFn};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Stat, Stream, Target};
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};

const L4CLI: Uses = uses(&[Src::L4cli]);
const L4SRV: Uses = uses(&[Src::L4srv]);
const FTEND: Uses = uses(&[Src::Ftend]);
const BKEND: Uses = uses(&[Src::Bkend]);
const SERVR: Uses = uses(&[Src::Servr]);
const INTRN: Uses = uses(&[Src::Intrn]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("src", spec(&[], 0), T::Ipv4, L4CLI, |s, _, _| {
        ip(s.env.src())
    }),
    def("src_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(s.env.src())
    }),
    def("dst", spec(&[], 0), T::Ipv4, L4CLI, |s, _, _| {
        ip(s.env.dst())
    }),
    def("dst_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(s.env.dst())
    }),
    def("fc_src", spec(&[], 0), T::Ipv4, L4CLI, |s, _, _| {
        ip(s.env.src())
    }),
    def("fc_src_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(s.env.src())
    }),
    def("fc_dst", spec(&[], 0), T::Ipv4, L4CLI, |s, _, _| {
        ip(s.env.dst())
    }),
    def("fc_dst_port", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        port(s.env.dst())
    }),
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
    def("so_id", spec(&[], 0), T::Sint, FTEND, |s, _, _| {
        Some(Value::Sint(s.env.listener()?.0))
    }),
    def("so_name", spec(&[], 0), T::Str, FTEND, |s, _, _| {
        let (_, name) = s.env.listener()?;
        (!name.is_empty()).then(|| Value::Str(Cow::Owned(name.as_bytes().to_vec())))
    }),
    def("fe_id", spec(&[], 0), T::Sint, FTEND, |s, _, _| {
        Some(Value::Sint(s.env.frontend()?.0))
    }),
    def("fe_name", spec(&[], 0), T::Str, FTEND, |s, _, _| {
        Some(Value::Str(Cow::Owned(
            s.env.frontend()?.1.as_bytes().to_vec(),
        )))
    }),
    def("be_id", spec(&[], 0), T::Sint, BKEND, |s, _, _| {
        Some(Value::Sint(s.env.backend()?.0))
    }),
    def("be_name", spec(&[], 0), T::Str, BKEND, |s, _, _| {
        Some(Value::Str(Cow::Owned(
            s.env.backend()?.1.as_bytes().to_vec(),
        )))
    }),
    def("srv_id", spec(&[], 0), T::Sint, SERVR, |s, _, _| {
        Some(Value::Sint(s.env.server()?.0))
    }),
    def("srv_name", spec(&[], 0), T::Str, SERVR, |s, _, _| {
        Some(Value::Str(Cow::Owned(
            s.env.server()?.1.as_bytes().to_vec(),
        )))
    }),
    fe_stat("fe_conn", Stat::Conn),
    fe_stat("fe_req_rate", Stat::ReqRate),
    fe_stat("fe_sess_rate", Stat::SessRate),
    be_stat("be_conn", Stat::Conn),
    be_stat("be_conn_free", Stat::ConnFree),
    be_stat("be_sess_rate", Stat::SessRate),
    be_stat("avg_queue", Stat::AvgQueue),
    be_stat("connslots", Stat::ConnSlots),
    be_stat("nbsrv", Stat::NbSrv),
    be_stat("queue", Stat::Queue),
    srv_stat("srv_conn", Stat::Conn, T::Sint),
    srv_stat("srv_conn_free", Stat::ConnFree, T::Sint),
    srv_stat("srv_is_up", Stat::IsUp, T::Bool),
    srv_stat("srv_queue", Stat::Queue, T::Sint),
    srv_stat("srv_sess_rate", Stat::SessRate, T::Sint),
];

/// The address of `a` (IPv4 or IPv6; none for a Unix socket).
fn ip<'a>(a: Option<SocketAddr>) -> Option<Value<'a>> {
    Some(match a?.ip() {
        IpAddr::V4(v4) => Value::Ipv4(v4),
        IpAddr::V6(v6) => Value::Ipv6(v6),
    })
}

fn port<'a>(a: Option<SocketAddr>) -> Option<Value<'a>> {
    Some(Value::Sint(i64::from(a?.port())))
}

/// The proxy an argument names, or the stream's own when it was omitted.
fn proxy_arg(a: &[Arg]) -> Option<usize> {
    match a.first() {
        Some(Arg::Proxy(i)) => Some(*i),
        _ => None,
    }
}

fn server_arg(a: &[Arg]) -> Option<(usize, usize)> {
    match a.first() {
        Some(Arg::Server(b, s)) => Some((*b, *s)),
        _ => None,
    }
}

const fn fe_stat(name: &'static str, what: Stat) -> FetchDef {
    let f: FetchFn = match what {
        Stat::Conn => |s, a, _| stat(s, Stat::Conn, Target::Frontend(proxy_arg(a))),
        Stat::ReqRate => |s, a, _| stat(s, Stat::ReqRate, Target::Frontend(proxy_arg(a))),
        _ => |s, a, _| stat(s, Stat::SessRate, Target::Frontend(proxy_arg(a))),
    };
    def(name, spec(&[A::Fe], 1), T::Sint, INTRN, f)
}

const fn be_stat(name: &'static str, what: Stat) -> FetchDef {
    let f: FetchFn = match what {
        Stat::Conn => |s, a, _| stat(s, Stat::Conn, Target::Backend(proxy_arg(a))),
        Stat::ConnFree => |s, a, _| stat(s, Stat::ConnFree, Target::Backend(proxy_arg(a))),
        Stat::SessRate => |s, a, _| stat(s, Stat::SessRate, Target::Backend(proxy_arg(a))),
        Stat::AvgQueue => |s, a, _| stat(s, Stat::AvgQueue, Target::Backend(proxy_arg(a))),
        Stat::ConnSlots => |s, a, _| stat(s, Stat::ConnSlots, Target::Backend(proxy_arg(a))),
        Stat::NbSrv => |s, a, _| stat(s, Stat::NbSrv, Target::Backend(proxy_arg(a))),
        _ => |s, a, _| stat(s, Stat::Queue, Target::Backend(proxy_arg(a))),
    };
    def(name, spec(&[A::Be], 1), T::Sint, INTRN, f)
}

const fn srv_stat(name: &'static str, what: Stat, out: crate::sample::SmpType) -> FetchDef {
    let f: FetchFn = match what {
        Stat::Conn => |s, a, _| stat(s, Stat::Conn, Target::Server(server_arg(a))),
        Stat::ConnFree => |s, a, _| stat(s, Stat::ConnFree, Target::Server(server_arg(a))),
        Stat::IsUp => |s, a, _| {
            let v = s.env.stat(Stat::IsUp, Target::Server(server_arg(a)))?;
            Some(Value::Bool(v != 0))
        },
        Stat::Queue => |s, a, _| stat(s, Stat::Queue, Target::Server(server_arg(a))),
        _ => |s, a, _| stat(s, Stat::SessRate, Target::Server(server_arg(a))),
    };
    def(name, spec(&[A::Srv], 1), out, INTRN, f)
}

fn stat<'a>(s: &Stream<'a>, what: Stat, of: Target) -> Option<Value<'a>> {
    Some(Value::Sint(s.env.stat(what, of)?))
}
