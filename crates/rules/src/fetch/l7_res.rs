//! HTTP response fetches (manual 7.3.6) about the status line: the status code and the
//! version. Headers are read in `l7_hdr`, the body in `body`.

use super::l7_req::version_number;
use super::place::{Src, Uses};
use super::{def, res_head, spec, uses, FetchDef, FetchFn};
use crate::sample::{SmpType as T, Value};

const HRSHV: Uses = uses(&[Src::Hrshv]);
const HRSHP: Uses = uses(&[Src::Hrshp]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("status", spec(&[], 0), T::Sint, HRSHP, |s, _, _| {
        Some(Value::Sint(i64::from(res_head(s)?.status())))
    }),
    def("res.ver", spec(&[], 0), T::Str, HRSHV, VER),
    def("resp_ver", spec(&[], 0), T::Str, HRSHV, VER),
];

const VER: FetchFn = |s, _, _| version_number(res_head(s)?.version_bytes()).map(Value::str);
