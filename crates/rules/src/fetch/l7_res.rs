//! HTTP response fetches (manual 7.3.6): the status line and headers.

use super::l7_req::{count, header};
use super::place::{Src, Uses};
use super::{def, spec, uses, FetchDef};
use crate::args::ArgType as A;
use crate::sample::{SmpType as T, Value};

const HRSHV: Uses = uses(&[Src::Hrshv]);
const HRSHP: Uses = uses(&[Src::Hrshp]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("status", spec(&[], 0), T::Sint, HRSHP, |s, _, _| {
        Some(Value::Sint(i64::from(s.res?.status())))
    }),
    def("res.ver", spec(&[], 0), T::Str, HRSHV, |s, _, _| {
        s.res?
            .version_bytes()
            .strip_prefix(b"HTTP/")
            .map(Value::str)
    }),
    def("resp_ver", spec(&[], 0), T::Str, HRSHV, |s, _, _| {
        s.res?
            .version_bytes()
            .strip_prefix(b"HTTP/")
            .map(Value::str)
    }),
    def(
        "res.hdr",
        spec(&[A::Str, A::Sint], 0),
        T::Str,
        HRSHV,
        |s, a, it| header(s.res?.headers(), a, false, it),
    ),
    def(
        "shdr",
        spec(&[A::Str, A::Sint], 0),
        T::Str,
        HRSHV,
        |s, a, it| header(s.res?.headers(), a, false, it),
    ),
    def(
        "res.fhdr",
        spec(&[A::Str, A::Sint], 0),
        T::Str,
        HRSHV,
        |s, a, it| header(s.res?.headers(), a, true, it),
    ),
    def(
        "res.hdr_cnt",
        spec(&[A::Str], 0),
        T::Sint,
        HRSHV,
        |s, a, _| count(s.res?.headers(), a, false),
    ),
    def("shdr_cnt", spec(&[A::Str], 0), T::Sint, HRSHV, |s, a, _| {
        count(s.res?.headers(), a, false)
    }),
    def(
        "res.fhdr_cnt",
        spec(&[A::Str], 0),
        T::Sint,
        HRSHV,
        |s, a, _| count(s.res?.headers(), a, true),
    ),
];
