//! The two-operand integer converters (`add`, `sub`, `mul`, `div`, `mod`, `and`, `or`,
//! `xor`) with HAProxy's saturating arithmetic: no overflow wraps, a division by zero
//! gives the largest integer (`div`) or 0 (`mod`).

use super::Cx;
use crate::args::{read_int64, Arg};
use crate::sample::{SmpType, Value};
use crate::stream::Stream;
use crate::vars::{with_var, VarRef};

/// HAProxy's `check_operator`: the argument is a variable name or an integer.
pub fn check_operand(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(s)) = args.first() else {
        return Ok(());
    };
    if let Ok(v) = VarRef::parse(s) {
        args[0] = Arg::Var(v);
        return Ok(());
    }
    let (n, used) = read_int64(s.as_bytes());
    if used != s.len() {
        return Err("expects an integer or a variable name".into());
    }
    args[0] = Arg::Sint(n);
    Ok(())
}

/// The input and the operand: the integer argument, or the variable's value cast to
/// an integer (`sample_conv_var2smp_sint`; a missing variable fails the converter).
fn operands(v: &Value<'_>, args: &[Arg], s: &Stream<'_>) -> Option<(i64, i64)> {
    let a = match v {
        Value::Sint(n) => *n,
        Value::Bool(b) => i64::from(*b),
        _ => return None,
    };
    match args.first() {
        Some(Arg::Sint(b)) => Some((a, *b)),
        Some(Arg::Var(var)) => {
            let b = with_var(s, var, |x| match x?.reborrow().cast(SmpType::Sint)? {
                Value::Sint(n) => Some(n),
                _ => None,
            })?;
            Some((a, b))
        }
        _ => None,
    }
}

/// `arith_add`: saturates at the limits.
fn add_sat(a: i64, b: i64) -> i64 {
    a.saturating_add(b)
}

pub fn add<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(add_sat(a, b)))
}

/// `sub`: `a - i64::MIN` is computed as `a + i64::MAX + 1`, saturating.
pub fn sub<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    let r = if b == i64::MIN {
        let r = add_sat(a, i64::MAX);
        if r < i64::MAX {
            r + 1
        } else {
            r
        }
    } else {
        add_sat(a, -b)
    };
    Some(Value::Sint(r))
}

pub fn mul<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(a.saturating_mul(b)))
}

pub fn div<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(match b {
        0 => i64::MAX,
        -1 if a == i64::MIN => i64::MAX,
        _ => a / b,
    }))
}

pub fn modulo<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(match b {
        0 => 0,
        -1 if a == i64::MIN => 0,
        _ => a % b,
    }))
}

pub fn and<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(a & b))
}

pub fn or<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(a | b))
}

pub fn xor<'a>(v: Value<'a>, args: &[Arg], _: &Cx, s: &Stream<'_>) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args, s)?;
    Some(Value::Sint(a ^ b))
}
