//! `var(name[,default])` (manual 7.3.2): the value of a variable, or the default
//! string when it is not set (or its scope is not visible here).

use super::place::Src;
use super::{def, spec, uses, FetchDef};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::{Iter, Stream};
use crate::vars::{Scope, VarRef};
use std::borrow::Cow;

pub(super) static FETCHES: &[FetchDef] = &[FetchDef {
    check: Some(check_var),
    ..def(
        "var",
        spec(&[A::Str, A::Str], 1),
        T::Any,
        uses(&[Src::Const]),
        var,
    )
}];

/// The variable name becomes a [`VarRef`] at configuration time.
pub(crate) fn check_var(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(name)) = args.first() else {
        return Err("unexpected argument type".into());
    };
    args[0] = Arg::Var(VarRef::parse(name)?);
    Ok(())
}

/// Reads variable `v` from the stream's stores (a copy: the store may change while
/// the value is used).
pub(crate) fn read<'a>(s: &Stream<'a>, v: &VarRef) -> Option<Value<'a>> {
    if v.scope == Scope::Proc {
        let g = s.env.proc_vars()?.read().ok()?;
        return g.get(v.hash).cloned();
    }
    let store = s.vars?.store(v.scope)?;
    let b = store.borrow();
    b.get(v.hash).cloned()
}

fn var<'a>(s: &Stream<'a>, a: &'a [Arg], _: &mut Iter) -> Option<Value<'a>> {
    let Some(Arg::Var(v)) = a.first() else {
        return None;
    };
    read(s, v).or_else(|| match a.get(1) {
        Some(Arg::Str(d)) => Some(Value::Str(Cow::Borrowed(d.as_bytes()))),
        _ => None,
    })
}
