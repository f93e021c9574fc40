//! HTTP body fetches (manual 7.3.6): the buffered body of the request or response
//! (`option http-buffer-request` waits for it), its length, its announced size, and
//! the parameters of a form-encoded request body.
//!
//! In TCP mode, where HAProxy reads a request from the raw buffer for these fetches,
//! the message it builds has headers only: the body is empty.

use super::place::{Src, Uses};
use super::{def, may_change, param, req_head, res_head, spec, uses, FetchDef};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Dir, Stream};
use std::borrow::Cow;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const HRSHV: Uses = uses(&[Src::Hrshv]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("req.body", spec(&[], 0), T::Bin, HRQHV, |s, _, it| {
        let body = req_body(s)?;
        if !s.req_complete && s.env.partial() {
            may_change(it); // more of it may come
        }
        Some(Value::Bin(Cow::Borrowed(body)))
    }),
    def("res.body", spec(&[], 0), T::Bin, HRSHV, |s, _, _| {
        Some(Value::Bin(Cow::Borrowed(res_body(s)?)))
    }),
    def("req.body_len", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        Some(Value::Sint(req_body(s)?.len() as i64))
    }),
    def("res.body_len", spec(&[], 0), T::Sint, HRSHV, |s, _, _| {
        Some(Value::Sint(res_body(s)?.len() as i64))
    }),
    def("req.body_size", spec(&[], 0), T::Sint, HRQHV, |s, _, _| {
        let h = req_head(s)?;
        let cl = (!h.is_chunked()).then(|| h.content_length()).flatten();
        Some(size(s, Dir::Req, req_body(s)?.len(), cl))
    }),
    def("res.body_size", spec(&[], 0), T::Sint, HRSHV, |s, _, _| {
        let h = res_head(s)?;
        let cl = (!h.is_chunked()).then(|| h.content_length()).flatten();
        Some(size(s, Dir::Res, res_body(s)?.len(), cl))
    }),
    // Declared binary, produced as a string, like HAProxy.
    def(
        "req.body_param",
        spec(&[A::Str], 0),
        T::Bin,
        HRQHV,
        |s, a, it| {
            let body = req_body(s)?;
            let name = match a.first() {
                Some(Arg::Str(n)) => n.as_bytes(),
                _ => b"",
            };
            param::fetch(body, name, b'&', it).map(Value::str)
        },
    ),
];

/// The buffered request body: none before the request head, empty in TCP mode.
fn req_body<'a>(s: &Stream<'a>) -> Option<&'a [u8]> {
    req_head(s)?;
    Some(if s.env.http_mode() { s.req_data } else { &[] })
}

fn res_body<'a>(s: &Stream<'a>) -> Option<&'a [u8]> {
    res_head(s)?;
    Some(if s.env.http_mode() { s.res_data } else { &[] })
}

/// The buffered length plus what the message still announces (HAProxy adds
/// `htx->extra`; nothing in TCP mode).
fn size<'a>(s: &Stream<'a>, dir: Dir, buffered: usize, cl: Option<u64>) -> Value<'a> {
    let pending = if s.env.http_mode() {
        s.env
            .body_pending(dir)
            .unwrap_or_else(|| cl.map_or(0, |cl| cl.saturating_sub(buffered as u64)))
    } else {
        0
    };
    Value::Sint((buffered as u64).saturating_add(pending) as i64)
}
