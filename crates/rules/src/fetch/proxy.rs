//! Listener, frontend, backend and server fetches (manual 7.3.2 and 7.3.3): their ids
//! and names, configured timeouts, counters and weights, and the stream's current
//! timeouts. Figures come from the orchestrator ([`Stat`]); a proxy or server argument
//! names another one than the stream's.

use super::place::{Src, Uses};
use super::{def, spec, uses, FetchDef, FetchFn};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType, SmpType as T, Value};
use crate::stream::{Stat, Stream, Target};

const FTEND: Uses = uses(&[Src::Ftend]);
const BKEND: Uses = uses(&[Src::Bkend]);
const SERVR: Uses = uses(&[Src::Servr]);
const INTRN: Uses = uses(&[Src::Intrn]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("so_id", spec(&[], 0), T::Sint, FTEND, |s, _, _| {
        Some(Value::Sint(s.env.listener()?.0))
    }),
    def("so_name", spec(&[], 0), T::Str, FTEND, |s, _, _| {
        let (_, name) = s.env.listener()?;
        (!name.is_empty()).then(|| Value::str(name.as_bytes()))
    }),
    def("fe_id", spec(&[], 0), T::Sint, FTEND, |s, _, _| {
        Some(Value::Sint(s.env.frontend()?.0))
    }),
    def("fe_name", spec(&[], 0), T::Str, FTEND, |s, _, _| {
        Some(Value::str(s.env.frontend()?.1.as_bytes()))
    }),
    def("fe_defbe", spec(&[], 0), T::Str, FTEND, |s, _, _| {
        Some(Value::str(s.env.default_backend()?.as_bytes()))
    }),
    def(
        "fe_client_timeout",
        spec(&[], 0),
        T::Sint,
        FTEND,
        |s, _, _| stat(s, Stat::TimeoutClient, Target::Frontend(None)),
    ),
    def("be_id", spec(&[], 0), T::Sint, BKEND, |s, _, _| {
        Some(Value::Sint(s.env.backend()?.0))
    }),
    def("be_name", spec(&[], 0), T::Str, BKEND, |s, _, _| {
        Some(Value::str(s.env.backend()?.1.as_bytes()))
    }),
    def(
        "be_server_timeout",
        spec(&[], 0),
        T::Sint,
        BKEND,
        |s, _, _| stat(s, Stat::TimeoutServer, Target::Backend(None)),
    ),
    def(
        "be_tunnel_timeout",
        spec(&[], 0),
        T::Sint,
        BKEND,
        |s, _, _| stat(s, Stat::TimeoutTunnel, Target::Backend(None)),
    ),
    def(
        "cur_server_timeout",
        spec(&[], 0),
        T::Sint,
        BKEND,
        |s, _, _| Some(Value::Sint(s.env.stream_timeout(false)?)),
    ),
    def(
        "cur_tunnel_timeout",
        spec(&[], 0),
        T::Sint,
        BKEND,
        |s, _, _| Some(Value::Sint(s.env.stream_timeout(true)?)),
    ),
    def("srv_id", spec(&[], 0), T::Sint, SERVR, |s, _, _| {
        Some(Value::Sint(s.env.server()?.0))
    }),
    def("srv_name", spec(&[], 0), T::Str, SERVR, |s, _, _| {
        Some(Value::str(s.env.server()?.1.as_bytes()))
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
    srv_stat("srv_weight", Stat::Weight, T::Sint),
    srv_stat("srv_iweight", Stat::IWeight, T::Sint),
    srv_stat("srv_uweight", Stat::UWeight, T::Sint),
];

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

const fn srv_stat(name: &'static str, what: Stat, out: SmpType) -> FetchDef {
    let f: FetchFn = match what {
        Stat::Conn => |s, a, _| stat(s, Stat::Conn, Target::Server(server_arg(a))),
        Stat::ConnFree => |s, a, _| stat(s, Stat::ConnFree, Target::Server(server_arg(a))),
        Stat::IsUp => |s, a, _| {
            let v = s.env.stat(Stat::IsUp, Target::Server(server_arg(a)))?;
            Some(Value::Bool(v != 0))
        },
        Stat::Queue => |s, a, _| stat(s, Stat::Queue, Target::Server(server_arg(a))),
        Stat::Weight => |s, a, _| stat(s, Stat::Weight, Target::Server(server_arg(a))),
        Stat::IWeight => |s, a, _| stat(s, Stat::IWeight, Target::Server(server_arg(a))),
        Stat::UWeight => |s, a, _| stat(s, Stat::UWeight, Target::Server(server_arg(a))),
        _ => |s, a, _| stat(s, Stat::SessRate, Target::Server(server_arg(a))),
    };
    def(name, spec(&[A::Srv], 1), out, INTRN, f)
}

fn stat<'a>(s: &Stream<'a>, what: Stat, of: Target) -> Option<Value<'a>> {
    Some(Value::Sint(s.env.stat(what, of)?))
}
