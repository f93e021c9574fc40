//! HTTP request fetches (manual 7.3.6) about the request line and the transaction: the
//! method, the version, whether the request is HTTP and the first of its connection,
//! and the stream's unique id. The target is read in `url`, headers in `l7_hdr`.

use super::place::{Src, Uses};
use super::{def, req_head, spec, uses, FetchDef, FetchFn};
use crate::sample::{KnownMethod, Method, SmpType as T, Value};
use std::borrow::Cow;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const HRQHP: Uses = uses(&[Src::Hrqhp]);
/// HAProxy declares `unique-id` with `SMP_SRC_L4SRV` (the source's number, 13) where a
/// mask is expected: bits 0, 2 and 3, constant, listener and frontend. Kept.
const UNIQUE_ID: Uses = uses(&[Src::Const, Src::Listn, Src::Ftend]);

pub(super) static FETCHES: &[FetchDef] = &[
    // A known method needs no access to the request line (HAProxy keeps the method
    // it parsed in the transaction, which `set-method` does not change); another one is
    // read from the request line being processed.
    def("method", spec(&[], 0), T::Meth, HRQHP, |s, _, _| {
        let h = s.req?;
        let parsed = h.method().as_bytes().and_then(KnownMethod::find);
        Some(Value::Meth(match parsed {
            Some(k) => Method::Known(k),
            None => Method::Other(Cow::Borrowed(req_head(s)?.method_bytes())),
        }))
    }),
    def("req.ver", spec(&[], 0), T::Str, HRQHV, VER),
    def("req_ver", spec(&[], 0), T::Str, HRQHV, VER),
    def("req.proto_http", spec(&[], 0), T::Bool, HRQHP, |s, _, _| {
        req_head(s).map(|_| Value::Bool(true))
    }),
    def("req_proto_http", spec(&[], 0), T::Bool, HRQHP, |s, _, _| {
        req_head(s).map(|_| Value::Bool(true))
    }),
    def("http_first_req", spec(&[], 0), T::Bool, HRQHP, |s, _, _| {
        Some(Value::Bool(s.env.first_request()?))
    }),
    def("unique-id", spec(&[], 0), T::Str, UNIQUE_ID, |s, _, _| {
        Some(Value::str(s.env.unique_id()?))
    }),
];

/// What follows the first `/` of the version (`1.1` of `HTTP/1.1`); nothing when that
/// is empty.
pub(super) fn version_number(v: &[u8]) -> Option<&[u8]> {
    let slash = v.iter().position(|&c| c == b'/')?;
    let n = &v[slash + 1..];
    (!n.is_empty()).then_some(n)
}

const VER: FetchFn = |s, _, _| version_number(req_head(s)?.version_bytes()).map(Value::str);
