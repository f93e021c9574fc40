//! The converters that use variables (manual 7.3.1): `concat`, `add_item`, `strcmp`,
//! `secure_memcmp` read one named in their arguments, `set-var` and `unset-var` write
//! one as a side effect of the expression. A variable argument is checked and hashed
//! at configuration time (HAProxy's `vars_check_arg`); at run time it is read where it
//! is stored, without copying it. What each converter does when the variable is
//! missing is HAProxy's: `concat` and `add_item` leave it out, `strcmp` and
//! `secure_memcmp` fail.

use super::{bytes_of, Cx};
use crate::args::Arg;
use crate::sample::{SmpType, Value};
use crate::stream::Stream;
use crate::vars::{self, SetCond, VarRef};
use std::borrow::Cow;

/// `vars_check_arg`: the argument becomes a variable reference.
fn to_var(args: &mut [Arg], i: usize) -> Result<(), String> {
    let Some(Arg::Str(name)) = args.get(i) else {
        return Err("unexpected argument type".into());
    };
    args[i] = Arg::Var(VarRef::parse(name)?);
    Ok(())
}

/// The text of a string argument (empty when absent).
fn text(args: &[Arg], i: usize) -> &[u8] {
    match args.get(i) {
        Some(Arg::Str(s)) => s.as_bytes(),
        _ => b"",
    }
}

fn var(args: &[Arg], i: usize) -> Option<&VarRef> {
    match args.get(i) {
        Some(Arg::Var(v)) => Some(v),
        _ => None,
    }
}

/// `smp_check_concat`: an optional variable in the second place.
pub fn check_concat(args: &mut [Arg]) -> Result<(), String> {
    register_optional(args, 1)
}

/// A non-empty second argument names a variable ("failed to register" otherwise).
fn register_optional(args: &mut [Arg], i: usize) -> Result<(), String> {
    if let Some(Arg::Str(name)) = args.get(i) {
        if !name.is_empty() {
            let name = name.clone();
            to_var(args, i).map_err(|_| format!("failed to register variable name '{name}'"))?;
        }
    }
    Ok(())
}

/// `smp_check_add_item`: the variable or the suffix must be given.
pub fn check_add_item(args: &mut [Arg]) -> Result<(), String> {
    register_optional(args, 1)?;
    let var_empty = match args.get(1) {
        None => true,
        Some(Arg::Str(s)) => s.is_empty(),
        Some(_) => false,
    };
    if var_empty && text(args, 2).is_empty() {
        return Err("one of the optional arguments has to be nonempty".into());
    }
    Ok(())
}

/// `smp_check_strcmp`, `smp_check_secure_memcmp`: a mandatory variable.
pub fn check_var_arg(args: &mut [Arg]) -> Result<(), String> {
    let name = match args.first() {
        Some(Arg::Str(s)) if !s.is_empty() => s.clone(),
        _ => return Err("missing variable name".into()),
    };
    to_var(args, 0).map_err(|_| format!("failed to register variable name '{name}'"))
}

/// `conv_check_var` for `set-var`: the variable, then known conditions, kept as
/// their bits in the second argument (the others become 0).
pub fn check_set_var(args: &mut [Arg]) -> Result<(), String> {
    to_var(args, 0)?;
    let mut cond = SetCond::default();
    for a in &args[1..] {
        if let Arg::Str(c) = a {
            cond.add(c)?;
        }
    }
    for (i, a) in args.iter_mut().enumerate().skip(1) {
        *a = Arg::Sint(if i == 1 { i64::from(cond.bits()) } else { 0 });
    }
    Ok(())
}

/// `conv_check_var` for `unset-var`.
pub fn check_unset_var(args: &mut [Arg]) -> Result<(), String> {
    to_var(args, 0)
}

/// Calls `f` with the bytes of variable `v` cast to `to` (string or binary), or
/// `None` when it is not set or cannot be cast.
fn with_bytes<R>(s: &Stream<'_>, v: &VarRef, to: SmpType, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    vars::with_var(s, v, |val| match val.and_then(|x| x.reborrow().cast(to)) {
        Some(Value::Str(b)) | Some(Value::Bin(b)) => f(Some(&b)),
        _ => f(None),
    })
}

/// Appends `b` to `out`, within HAProxy's trash chunk (`bufsize - 1` bytes of data).
fn push(out: &mut Vec<u8>, b: &[u8], cx: &Cx) {
    let room = cx.bufsize.saturating_sub(1).saturating_sub(out.len());
    out.extend_from_slice(&b[..b.len().min(room)]);
}

/// The input copied into a new output buffer, cut as HAProxy's.
fn start<'a>(v: Value<'a>, cx: &Cx, extra: usize) -> Option<Vec<u8>> {
    let input = bytes_of(v)?;
    let mut out = Vec::with_capacity((input.len() + extra).min(cx.bufsize));
    push(&mut out, &input, cx);
    Some(out)
}

/// `concat([<start>][,<var>[,<end>]])`.
pub fn concat<'a>(v: Value<'a>, args: &[Arg], cx: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let mut out = start(v, cx, text(args, 0).len() + text(args, 2).len() + 16)?;
    push(&mut out, text(args, 0), cx);
    if let Some(var) = var(args, 1) {
        with_bytes(s, var, SmpType::Str, |b| {
            if let Some(b) = b {
                push(&mut out, b, cx);
            }
        });
    }
    push(&mut out, text(args, 2), cx);
    Some(Value::Str(Cow::Owned(out)))
}

/// `add_item(<delim>[,<var>][,<suffix>])`: the delimiter only between a non-empty
/// input and something non-empty to add.
pub fn add_item<'a>(v: Value<'a>, args: &[Arg], cx: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let mut out = start(v, cx, text(args, 0).len() + text(args, 2).len() + 16)?;
    let had_input = !out.is_empty();
    let suffix = text(args, 2);
    let add = |out: &mut Vec<u8>, item: Option<&[u8]>| {
        let item_len = item.map_or(0, <[u8]>::len);
        if had_input && (item_len > 0 || !suffix.is_empty()) {
            push(out, text(args, 0), cx);
        }
        if let Some(b) = item {
            push(out, b, cx);
        }
        push(out, suffix, cx);
    };
    match var(args, 1) {
        Some(var) => with_bytes(s, var, SmpType::Str, |b| add(&mut out, b)),
        None => add(&mut out, None),
    }
    Some(Value::Str(Cow::Owned(out)))
}

/// `strcmp(<var>)`: as `strncmp` over the shorter length (stopping at a NUL byte,
/// giving glibc's byte difference), then the shorter string is the lower.
pub fn strcmp<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let input = bytes_of(v)?;
    let var = var(args, 0)?;
    with_bytes(s, var, SmpType::Str, |other| {
        let other = other?;
        let max = input.len().min(other.len());
        let mut r = 0i64;
        for (&a, &b) in input[..max].iter().zip(&other[..max]) {
            if a != b {
                r = i64::from(a) - i64::from(b);
                break;
            }
            if a == 0 {
                break;
            }
        }
        if r == 0 && input.len() != other.len() {
            r = if input.len() < other.len() { -1 } else { 1 };
        }
        Some(Value::Sint(r))
    })
}

/// `secure_memcmp(<var>)`: equal bytes, compared in constant time when the lengths
/// are equal.
pub fn secure_memcmp<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let input = bytes_of(v)?;
    let var = var(args, 0)?;
    with_bytes(s, var, SmpType::Bin, |other| {
        let other = other?;
        if other.len() != input.len() {
            return Some(Value::Bool(false));
        }
        let diff = input.iter().zip(other).fold(0u8, |d, (a, b)| d | (a ^ b));
        Some(Value::Bool(diff == 0))
    })
}

/// `set-var(<var>[,<cond>...])`: stores the input and passes it on unchanged; the
/// sample is lost when the variable's scope is not visible or a condition refuses it.
pub fn set_var<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let var = var(args, 0)?;
    let cond = match args.get(1) {
        Some(Arg::Sint(bits)) => SetCond::from_bits(*bits as u8),
        _ => SetCond::default(),
    };
    vars::set_var(s, var, &v, cond).then_some(v)
}

/// `unset-var(<var>)`: passes the input on; lost only when the scope is not visible.
pub fn unset_var<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let var = var(args, 0)?;
    vars::unset_var(s, var).then_some(v)
}
