//! HTTP request fetches (manual 7.3.6): the request line, headers and body.

use super::hdr;
use super::place::{Src, Uses};
use super::{def, int_arg, spec, str_arg, uses, FetchDef};
use crate::args::{Arg, ArgType as A};
use crate::sample::{Method, SmpType as T, Value};
use crate::stream::{Dir, Iter, Stream};
use rampart_h1::uri::path_of;
use std::borrow::Cow;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const HRQHP: Uses = uses(&[Src::Hrqhp]);
const BOTH_HV: Uses = uses(&[Src::Hrqhv, Src::Hrshv]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("method", spec(&[], 0), T::Meth, HRQHP, |s, _, _| {
        Some(Value::Meth(Method::of(Cow::Borrowed(
            s.req?.method_bytes(),
        ))))
    }),
    def("path", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        let p = path_of(s.req?.uri());
        let p = &p[..p.iter().position(|&c| c == b'?').unwrap_or(p.len())];
        (!path_of(s.req?.uri()).is_empty()).then_some(Value::str(p))
    }),
    def("pathq", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        let p = path_of(s.req?.uri());
        (!p.is_empty()).then_some(Value::str(p))
    }),
    def("url", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        Some(Value::str(s.req?.uri()))
    }),
    def("query", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        let u = s.req?.uri();
        let q = u.iter().position(|&c| c == b'?')?;
        Some(Value::str(&u[q + 1..]))
    }),
    def("req.ver", spec(&[], 0), T::Str, HRQHV, req_ver),
    def("req_ver", spec(&[], 0), T::Str, HRQHV, req_ver),
    def("http_first_req", spec(&[], 0), T::Bool, HRQHP, |s, _, _| {
        Some(Value::Bool(s.env.first_request()?))
    }),
    def(
        "hdr",
        spec(&[A::Str, A::Sint], 0),
        T::Str,
        BOTH_HV,
        |s, a, it| {
            let h = match s.dir {
                Dir::Req => s.req?.headers(),
                Dir::Res => s.res?.headers(),
            };
            header(h, a, false, it)
        },
    ),
    def(
        "req.hdr",
        spec(&[A::Str, A::Sint], 0),
        T::Str,
        HRQHV,
        |s, a, it| header(s.req?.headers(), a, false, it),
    ),
    def(
        "req.fhdr",
        spec(&[A::Str, A::Sint], 0),
        T::Str,
        HRQHV,
        |s, a, it| header(s.req?.headers(), a, true, it),
    ),
    def("hdr_cnt", spec(&[A::Str], 0), T::Sint, HRQHV, |s, a, _| {
        count(s.req?.headers(), a, false)
    }),
    def(
        "req.hdr_cnt",
        spec(&[A::Str], 0),
        T::Sint,
        HRQHV,
        |s, a, _| count(s.req?.headers(), a, false),
    ),
    def(
        "req.fhdr_cnt",
        spec(&[A::Str], 0),
        T::Sint,
        HRQHV,
        |s, a, _| count(s.req?.headers(), a, true),
    ),
    def("req.body", spec(&[], 0), T::Bin, HRQHV, |s, _, _| {
        s.req?;
        Some(Value::Bin(Cow::Borrowed(s.req_data)))
    }),
];

fn req_ver<'a>(s: &Stream<'a>, _: &'a [Arg], _: &mut Iter) -> Option<Value<'a>> {
    let v = s.req?.version_bytes();
    // "HTTP/1.1" gives "1.1"; anything else is not a version HAProxy reports.
    v.strip_prefix(b"HTTP/").map(Value::str)
}

/// A header fetch: name and occurrence from the arguments.
pub(super) fn header<'a>(
    h: &'a rampart_h1::Headers,
    a: &'a [Arg],
    full: bool,
    it: &mut Iter,
) -> Option<Value<'a>> {
    let occ = int_arg(a, 1).unwrap_or(0);
    hdr::fetch(h, str_arg(a, 0), full, occ, it).map(Value::str)
}

pub(super) fn count<'a>(h: &rampart_h1::Headers, a: &[Arg], full: bool) -> Option<Value<'a>> {
    Some(Value::Sint(hdr::count(h, str_arg(a, 0), full) as i64))
}
