//! Cookie fetches (manual 7.3.6): `req.cook`, `res.cook` (`Set-Cookie`), their counts
//! and integer values, and the legacy `cook*`, `scook*` and direction-following
//! `cookie` names.
//!
//! Values come from HAProxy's walk: each `Cookie`/`Set-Cookie` field is split on
//! commas outside quotes like any header, then read as `name=value` pairs separated by
//! `;` (and `,` when the rules run on the request), names compared exactly, blanks
//! around names and values ignored, attributes starting with `$` and pairs without `=`
//! skipped. A `Set-Cookie` element only names a cookie in its first pair when the rules
//! run on the response. Without a name the first cookie is taken; with one, the last
//! occurrence (or each in turn when iterating).

use super::hdr;
use super::l7_hdr::strl2ic;
use super::place::{Src, Uses};
use super::{def, req_head, res_head, spec, uses, FetchDef, FetchFn};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Dir, Iter, Stream};
use rampart_h1::chars::is_spht;
use rampart_h1::Headers;

const HRQHV: Uses = uses(&[Src::Hrqhv]);
const HRSHV: Uses = uses(&[Src::Hrshv]);
const BOTH: Uses = uses(&[Src::Hrqhv, Src::Hrshv]);

const NAME: crate::args::ArgSpec = spec(&[A::Str], 0);

pub(super) static FETCHES: &[FetchDef] = &[
    def("req.cook", NAME, T::Str, HRQHV, REQ_VALUE),
    def("cook", NAME, T::Str, HRQHV, REQ_VALUE),
    def("res.cook", NAME, T::Str, HRSHV, RES_VALUE),
    def("scook", NAME, T::Str, HRSHV, RES_VALUE),
    def("cookie", NAME, T::Str, BOTH, |s, a, it| match s.dir {
        Dir::Req => REQ_VALUE(s, a, it),
        Dir::Res => RES_VALUE(s, a, it),
    }),
    def("req.cook_cnt", NAME, T::Sint, HRQHV, REQ_CNT),
    def("cook_cnt", NAME, T::Sint, HRQHV, REQ_CNT),
    def("res.cook_cnt", NAME, T::Sint, HRSHV, RES_CNT),
    def("scook_cnt", NAME, T::Sint, HRSHV, RES_CNT),
    def("req.cook_val", NAME, T::Sint, HRQHV, |s, a, it| {
        int(REQ_VALUE(s, a, it)?)
    }),
    def("cook_val", NAME, T::Sint, HRQHV, |s, a, it| {
        int(REQ_VALUE(s, a, it)?)
    }),
    def("res.cook_val", NAME, T::Sint, HRSHV, |s, a, it| {
        int(RES_VALUE(s, a, it)?)
    }),
    def("scook_val", NAME, T::Sint, HRSHV, |s, a, it| {
        int(RES_VALUE(s, a, it)?)
    }),
];

const REQ_VALUE: FetchFn = |s, a, it| {
    let h = req_head(s)?.headers();
    find(h, b"cookie", name(a), list(s), it).map(Value::str)
};
const RES_VALUE: FetchFn = |s, a, it| {
    let h = res_head(s)?.headers();
    find(h, b"set-cookie", name(a), list(s), it).map(Value::str)
};
const REQ_CNT: FetchFn = |s, a, _| {
    let h = req_head(s)?.headers();
    Some(Value::Sint(
        all(h, b"cookie", name(a), list(s)).count() as i64
    ))
};
const RES_CNT: FetchFn = |s, a, _| {
    let h = res_head(s)?.headers();
    Some(Value::Sint(
        all(h, b"set-cookie", name(a), list(s)).count() as i64
    ))
};

fn name(a: &[Arg]) -> &[u8] {
    match a.first() {
        Some(Arg::Str(n)) => n.as_bytes(),
        _ => b"",
    }
}

/// Several cookies per element: decided by the direction of the rules, as HAProxy does.
fn list(s: &Stream<'_>) -> bool {
    s.dir == Dir::Req
}

fn int<'a>(v: Value<'a>) -> Option<Value<'a>> {
    match v {
        Value::Str(b) => Some(Value::Sint(i64::from(strl2ic(&b)))),
        _ => None,
    }
}

/// Every value of cookie `name` (any cookie when empty) in the fields `field`.
fn all<'h>(
    h: &'h Headers,
    field: &'h [u8],
    name: &'h [u8],
    list: bool,
) -> impl Iterator<Item = &'h [u8]> + 'h {
    hdr::elements(hdr::Fields::of(h), field, false)
        .filter(move |e| e.len() > name.len())
        .flat_map(move |e| Values {
            hdr: e,
            pos: Some(0),
            name,
            list,
        })
}

/// The value a cookie fetch returns: each in turn when iterating, otherwise the first
/// one without a name, the last one with a name.
fn find<'h>(
    h: &'h Headers,
    field: &'h [u8],
    name: &'h [u8],
    list: bool,
    it: &mut Iter,
) -> Option<&'h [u8]> {
    if it.iterate {
        let v = all(h, field, name, list).nth(it.pos);
        it.pos += 1;
        it.more = v.is_some();
        return v;
    }
    it.more = false;
    if name.is_empty() {
        all(h, field, name, list).next()
    } else {
        all(h, field, name, list).last()
    }
}

/// The cookie values of one header element (`http_extract_cookie_value` called again
/// from where it stopped).
struct Values<'h> {
    hdr: &'h [u8],
    pos: Option<usize>,
    name: &'h [u8],
    list: bool,
}

impl<'h> Iterator for Values<'h> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        let (v, next) = extract(self.hdr, self.pos?, self.name, self.list)?;
        self.pos = Some(next);
        Some(v)
    }
}

/// HAProxy's `http_extract_cookie_value` from `start`: the next value of cookie `name`
/// and where to continue.
pub(crate) fn extract<'h>(
    h: &'h [u8],
    start: usize,
    name: &[u8],
    list: bool,
) -> Option<(&'h [u8], usize)> {
    let end = h.len();
    let mut att_beg = start;
    while att_beg + name.len() + 1 < end {
        while att_beg < end && is_spht(h[att_beg]) {
            att_beg += 1;
        }
        // The name ends at the last non-blank before '=', ';' or (in lists) ','.
        let mut equal = att_beg;
        let mut att_end = att_beg;
        while equal < end {
            let c = h[equal];
            if c == b'=' || c == b';' || list && c == b',' {
                break;
            }
            equal += 1;
            if !is_spht(c) {
                att_end = equal;
            }
        }
        let (val_beg, val_end, next) = if equal < end && h[equal] == b'=' {
            let mut vb = equal + 1;
            while vb < end && is_spht(h[vb]) {
                vb += 1;
            }
            let next = vb + value_end(&h[vb..]);
            let mut ve = next;
            while ve > vb && is_spht(h[ve - 1]) {
                ve -= 1;
            }
            (vb, ve, next)
        } else {
            (equal, equal, equal)
        };
        // `$` attributes and pairs without '=' are skipped.
        if h.get(att_beg) == Some(&b'$') || equal == next {
            att_beg = next + 1;
            continue;
        }
        if name.is_empty() || &h[att_beg..att_end] == name {
            return Some((&h[val_beg..val_end], next + 1));
        }
        if !list {
            break;
        }
        att_beg = next + 1;
    }
    None
}

/// `http_find_cookie_value_end`: the first `,` or `;` outside a quoted string.
fn value_end(s: &[u8]) -> usize {
    let (mut quoted, mut escaped) = (false, false);
    for (i, &c) in s.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted {
            if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                quoted = false;
            }
        } else if c == b'"' {
            quoted = true;
        } else if c == b',' || c == b';' {
            return i;
        }
    }
    s.len()
}
