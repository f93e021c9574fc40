//! Protocol Buffers converters: `protobuf` (a field of a message) and `ungrpc` (a field
//! of the messages of a gRPC body), with HAProxy's field lookup, including the way it
//! walks nested messages.

use super::{bytes_of, slice, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

/// Field types (`PBUF_T_*`): how the field found is returned.
const T_BINARY: i64 = 1;
const T_INT32: i64 = 2;
const T_ENUM: i64 = 7;
const T_SINT32: i64 = 8;
const T_SINT64: i64 = 9;
const T_FIXED32: i64 = 10;
const T_SFIXED32: i64 = 11;
const T_FLOAT: i64 = 12;
const T_FIXED64: i64 = 13;
const T_SFIXED64: i64 = 14;
const T_DOUBLE: i64 = 15;

const TYPES: &[(&str, i64)] = &[
    ("int32", 2),
    ("uint32", 3),
    ("sint32", 8),
    ("int64", 4),
    ("uint64", 5),
    ("sint64", 9),
    ("bool", 6),
    ("enum", 7),
    ("fixed32", 10),
    ("sfixed32", 11),
    ("float", 12),
    ("fixed64", 13),
    ("sfixed64", 14),
    ("double", 15),
];

/// Wire types.
const W_VARINT: u64 = 0;
const W_64BIT: u64 = 1;
const W_LEN: u64 = 2;
const W_32BIT: u64 = 5;

/// The argument check of `protobuf` and `ungrpc`: the field type becomes its number.
pub fn check_protobuf(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(t)) = args.get(1) else {
        return Ok(());
    };
    let Some((_, n)) = TYPES.iter().find(|(name, _)| name == t) else {
        return Err(format!("Wrong protocol buffer type '{t}'"));
    };
    args[1] = Arg::Sint(*n);
    Ok(())
}

/// A varint at `s[*pos..end]` (at most 10 bytes), advancing `pos`.
fn varint(s: &[u8], pos: &mut usize, end: usize) -> Option<u64> {
    let mut v: u64 = 0;
    let mut shift = 0u32;
    while *pos < end {
        let b = s[*pos];
        v |= u64::from(b & 0x7f).wrapping_shl(shift);
        *pos += 1;
        if b & 0x80 == 0 {
            break;
        }
        if *pos == end {
            return None;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    Some(v)
}

/// How many bytes the varint at `s[pos..end]` takes.
fn varint_len(s: &[u8], pos: usize, end: usize) -> Option<usize> {
    let mut p = pos;
    varint(s, &mut p, end)?;
    Some(p - pos)
}

const TWO63: f64 = 9_223_372_036_854_775_808.0;

/// x86-64's `cvttsd2si`: truncation, and `i64::MIN` for NaN and out-of-range values.
fn cvt(x: f64) -> i64 {
    if (-TWO63..TWO63).contains(&x) {
        x.trunc() as i64
    } else {
        i64::MIN
    }
}

/// `(double)` → `(uint64_t)` as x86-64 code compiled by GCC converts it.
fn c_f64_to_u64(d: f64) -> u64 {
    if d >= TWO63 {
        (cvt(d - TWO63) as u64) ^ (1 << 63)
    } else {
        cvt(d) as u64
    }
}

/// The value of the field found at `s[pos..end]`, of wire type `wire`, as `ty`.
fn store<'a>(
    s: Cow<'a, [u8]>,
    wire: u64,
    ty: i64,
    pos: usize,
    end: usize,
    vlen: u64,
) -> Option<Value<'a>> {
    let left = end - pos;
    let le = |n: usize| -> u64 {
        s[pos..pos + n]
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    };
    match wire {
        W_VARINT => match ty {
            T_BINARY => {
                let n = varint_len(&s, pos, end)?;
                Some(Value::Bin(slice(s, pos, pos + n)))
            }
            T_INT32..=T_ENUM => {
                let mut p = pos;
                Some(Value::Sint(varint(&s, &mut p, end)? as i64))
            }
            T_SINT32 | T_SINT64 => {
                let mut p = pos;
                let v = varint(&s, &mut p, end)?;
                Some(Value::Sint(((v >> 1) ^ (v & 1).wrapping_neg()) as i64))
            }
            _ => None,
        },
        W_64BIT => {
            if left < 8 {
                return None;
            }
            match ty {
                T_BINARY => Some(Value::Bin(slice(s, pos, pos + 8))),
                T_FIXED64 | T_SFIXED64 => Some(Value::Sint(le(8) as i64)),
                T_DOUBLE => Some(Value::Sint(c_f64_to_u64(f64::from_bits(le(8))) as i64)),
                _ => None,
            }
        }
        W_LEN => {
            if (left as u64) < vlen || ty != T_BINARY {
                return None;
            }
            Some(Value::Bin(slice(s, pos, pos + vlen as usize)))
        }
        W_32BIT => {
            if left < 4 {
                return None;
            }
            match ty {
                T_BINARY => Some(Value::Bin(slice(s, pos, pos + 4))),
                T_FIXED32 => Some(Value::Sint(le(4) as i64)),
                T_SFIXED32 => Some(Value::Sint(i64::from(le(4) as u32 as i32))),
                T_FLOAT => {
                    // (float) → (uint32_t): GCC converts through a 64-bit integer.
                    let f = f64::from(f32::from_bits(le(4) as u32));
                    Some(Value::Sint(i64::from(cvt(f) as u32)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// HAProxy's `protobuf_field_lookup` over `s[*pos..end]`, advancing `pos` as it does.
fn lookup<'a>(
    s: &Cow<'a, [u8]>,
    pos: &mut usize,
    end: usize,
    ids: &[u32],
    ty: i64,
) -> Option<Value<'a>> {
    let mut elen: u64 = 0;
    let mut field = 0usize;
    while field < ids.len() {
        if *pos >= end {
            return None;
        }
        let mut sleft = (end - *pos) as u64;
        let key = varint(s, pos, end)?;
        let wire = key & 7;
        let found = (key >> 3) as u32 == ids[field];
        match wire {
            W_VARINT => {
                if !found {
                    varint(s, pos, end)?;
                }
            }
            W_32BIT | W_64BIT => {
                let n = if wire == W_32BIT { 4 } else { 8 };
                if !found {
                    if end - *pos < n {
                        return None;
                    }
                    *pos += n;
                }
            }
            W_LEN => {
                elen = varint(s, pos, end)?;
                if elen > (end - *pos) as u64 {
                    return None;
                }
                sleft = (end - *pos) as u64;
                if !found {
                    *pos += elen as usize;
                }
            }
            _ => return None,
        }
        if found && field == ids.len() - 1 {
            return store(s.clone(), wire, ty, *pos, end, elen);
        }
        if (elen as i64) > 0 {
            elen = elen.wrapping_sub(sleft - (end - *pos) as u64);
        }
        if found {
            field += 1;
        } else if (elen as i64) <= 0 {
            field = 0;
        }
    }
    None
}

fn ids(args: &[Arg]) -> Option<&[u32]> {
    match args.first() {
        Some(Arg::FieldIds(v)) if !v.is_empty() => Some(v),
        _ => None,
    }
}

fn field_type(args: &[Arg]) -> i64 {
    match args.get(1) {
        Some(Arg::Sint(t)) => *t,
        _ => T_BINARY,
    }
}

/// `protobuf(field_number[,field_type])`: the field at the dotted path in a message.
pub fn protobuf<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let mut pos = 0;
    let end = s.len();
    lookup(&s, &mut pos, end, ids(args)?, field_type(args))
}

/// `ungrpc(field_number[,field_type])`: the field in the length-prefixed gRPC
/// messages of the input, the first message that has it. As in HAProxy, a message
/// in which the lookup stops early is followed from where it stopped.
pub fn ungrpc<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let ids = ids(args)?;
    let ty = field_type(args);
    let mut pos = 0usize;
    let mut grpc_left = s.len();
    while grpc_left > 5 {
        let hdr = s.get(pos + 1..pos + 5)?;
        let msg_len = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        pos += 5;
        grpc_left -= 5;
        if grpc_left < msg_len {
            return None;
        }
        // After a lookup that stopped early, HAProxy reads on from there and may pass
        // the end of its buffer; here the message is bounded by the input.
        let end = (pos + msg_len).min(s.len());
        if let Some(v) = lookup(&s, &mut pos, end, ids, ty) {
            return Some(v);
        }
        grpc_left -= msg_len;
    }
    None
}
