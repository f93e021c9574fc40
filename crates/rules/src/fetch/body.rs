//! HTTP body fetches (manual 7.3.6): the buffered body of the request or response
//! (`option http-buffer-request` waits for it), its length, its announced size, and
//! the parameters of a form-encoded request body.

use super::place::{Src, Uses};
use super::{def, param, req_head, res_head, spec, uses, FetchDef};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Dir, Stream};
use std::borrow::Cow;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const HRSHV: Uses = uses(&[Src::Hrshv]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("req.body", spec(&[], 0), T::Bin, HRQHV, |s, _, _| {
        req_head(s)?;
        Some(Value::Bin(Cow::Borrowed(s.req_data)))
    }),
    def("res.body", spec(&[], 0), T::Bin, HRSHV, |s, _, _| {
        res_head(s)?;
        Some(Value::Bin(Cow::Borrowed(s.res_data)))
    }),
    def("req.body_len", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        req_head(s)?;
        Some(Value::Sint(s.req_data.len() as i64))
    }),
    def("res.body_len", spec(&[], 0), T::Sint, HRSHV, |s, _, _| {
        res_head(s)?;
        Some(Value::Sint(s.res_data.len() as i64))
    }),
    def("req.body_size", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        let h = req_head(s)?;
        let cl = (!h.is_chunked()).then(|| h.content_length()).flatten();
        Some(size(s, Dir::Req, s.req_data.len(), cl))
    }),
    def("res.body_size", spec(&[], 0), T::Sint, HRSHV, |s, _, _| {
        let h = res_head(s)?;
        let cl = (!h.is_chunked()).then(|| h.content_length()).flatten();
        Some(size(s, Dir::Res, s.res_data.len(), cl))
    }),
    // Declared binary, produced as a string, like HAProxy.
    def(
        "req.body_param",
        spec(&[A::Str], 0),
        T::Bin,
        HRQHV,
        |s, a, it| {
            req_head(s)?;
            let name = match a.first() {
                Some(Arg::Str(n)) => n.as_bytes(),
                _ => b"",
            };
            param::fetch(s.req_data, name, b'&', it).map(Value::str)
        },
    ),
];

/// The buffered length plus what the message still announces (HAProxy adds
/// `htx->extra`).
fn size<'a>(s: &Stream<'a>, dir: Dir, buffered: usize, cl: Option<u64>) -> Value<'a> {
    let pending = s
        .env
        .body_pending(dir)
        .unwrap_or_else(|| cl.map_or(0, |cl| cl.saturating_sub(buffered as u64)));
    Value::Sint((buffered as u64).saturating_add(pending) as i64)
}
