//! Capture fetches (manual 7.3.6): headers captured by `capture request header`,
//! `capture response header` or `http-request capture`, the method and path of the
//! request line kept for the logs, and the HTTP versions as the logs print them.

use super::place::{Src, Uses};
use super::{def, int_arg, spec, uses, FetchDef};
use crate::args::ArgType as A;
use crate::sample::{SmpType as T, Value};
use crate::stream::Stream;
use rampart_h1::uri::path_of;
use rampart_h1::Version;

const HRQHP: Uses = uses(&[Src::Hrqhp]);
const HRSHP: Uses = uses(&[Src::Hrshp]);

pub(super) static FETCHES: &[FetchDef] = &[
    def(
        "capture.req.hdr",
        spec(&[A::Sint], 1),
        T::Str,
        HRQHP,
        |s, a, _| slot(s, false, int_arg(a, 0)?),
    ),
    def(
        "capture.res.hdr",
        spec(&[A::Sint], 1),
        T::Str,
        HRSHP,
        |s, a, _| slot(s, true, int_arg(a, 0)?),
    ),
    def(
        "capture.req.method",
        spec(&[], 0),
        T::Str,
        HRQHP,
        |s, _, _| {
            let line = s.env.logged_request_line()?;
            let end = line.iter().position(|&c| c == b' ').unwrap_or(line.len());
            Some(Value::str(&line[..end]))
        },
    ),
    def("capture.req.uri", spec(&[], 0), T::Str, HRQHP, |s, _, _| {
        let line = s.env.logged_request_line()?;
        let sp = line.iter().position(|&c| c == b' ')?;
        let rest = &line[sp + 1..];
        let uri = &rest[..rest.iter().position(|&c| c == b' ').unwrap_or(rest.len())];
        let path = path_of(uri);
        (!path.is_empty()).then_some(Value::str(path))
    }),
    def("capture.req.ver", spec(&[], 0), T::Str, HRQHP, |s, _, _| {
        Some(version(s.req?.version()))
    }),
    // HAProxy declares the response's one with the request's sources.
    def("capture.res.ver", spec(&[], 0), T::Str, HRQHP, |s, _, _| {
        Some(version(s.res?.version()))
    }),
];

fn slot<'a>(s: &Stream<'a>, response: bool, idx: i64) -> Option<Value<'a>> {
    Some(Value::str(
        s.env.capture(response, usize::try_from(idx).ok()?)?,
    ))
}

fn version<'a>(v: Version) -> Value<'a> {
    Value::str(match v {
        Version::Http11 => b"HTTP/1.1",
        Version::Http10 => b"HTTP/1.0",
    })
}
