//! The two-operand integer converters (`add`, `sub`, `mul`, `div`, `mod`, `and`, `or`,
//! `xor`) with HAProxy's saturating arithmetic: no overflow wraps, a division by zero
//! gives the largest integer (`div`) or 0 (`mod`).

use super::Cx;
use crate::args::{read_int64, Arg};
use crate::sample::Value;

/// HAProxy's `check_operator`: the argument is a variable name or an integer.
pub fn check_operand(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(s)) = args.first() else {
        return Ok(());
    };
    if is_var_name(s) {
        return Err(format!(
            "variable '{s}' as an operand is not supported yet (variables come with the rules engine)"
        ));
    }
    let (n, used) = read_int64(s.as_bytes());
    if used != s.len() {
        return Err("expects an integer or a variable name".into());
    }
    args[0] = Arg::Sint(n);
    Ok(())
}

/// A variable reference names its scope first (`txn.x`, `sess.y`...), followed by a
/// name.
pub(super) fn is_var_name(s: &str) -> bool {
    ["proc.", "sess.", "txn.", "req.", "res.", "check."]
        .iter()
        .any(|p| s.len() > p.len() && s.starts_with(p))
}

fn operands(v: &Value<'_>, args: &[Arg]) -> Option<(i64, i64)> {
    let a = match v {
        Value::Sint(n) => *n,
        Value::Bool(b) => i64::from(*b),
        _ => return None,
    };
    match args.first() {
        Some(Arg::Sint(b)) => Some((a, *b)),
        _ => None,
    }
}

/// `arith_add`: saturates at the limits.
fn add_sat(a: i64, b: i64) -> i64 {
    a.saturating_add(b)
}

pub fn add<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(add_sat(a, b)))
}

/// `sub`: `a - i64::MIN` is computed as `a + i64::MAX + 1`, saturating.
pub fn sub<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
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

pub fn mul<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(a.saturating_mul(b)))
}

pub fn div<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(match b {
        0 => i64::MAX,
        -1 if a == i64::MIN => i64::MAX,
        _ => a / b,
    }))
}

pub fn modulo<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(match b {
        0 => 0,
        -1 if a == i64::MIN => 0,
        _ => a % b,
    }))
}

pub fn and<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(a & b))
}

pub fn or<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(a | b))
}

pub fn xor<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let (a, b) = operands(&v, args)?;
    Some(Value::Sint(a ^ b))
}
