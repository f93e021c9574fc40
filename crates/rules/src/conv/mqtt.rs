//! MQTT converters: `mqtt_is_valid` and `mqtt_field_value`, for the CONNECT and
//! CONNACK packets HAProxy parses (MQTT 3.1, 3.1.1 and 5.0), with its validation rules
//! and its verdicts (an unknown CONNACK property means "more data needed").

use super::{bytes_of, slice, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;

const CONNECT: u8 = 1;
const CONNACK: u8 = 2;
const TYPE_NAMES: [&str; 15] = [
    "CONNECT",
    "CONNACK",
    "PUBLISH",
    "PUBACK",
    "PUBREC",
    "PUBREL",
    "PUBCOMP",
    "SUBSCRIBE",
    "SUBACK",
    "UNSUBSCRIBE",
    "UNSUBACK",
    "PINGREQ",
    "PINGRESP",
    "DISCONNECT",
    "AUTH",
];
/// The fixed-header flags each packet type must carry (PUBLISH: any).
const TYPE_FLAGS: [u8; 16] = [0, 0, 0, 0x0f, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/// Field names (`MQTT_FN_*`) in HAProxy's order; the properties by their identifier.
const FIELDS: [&str; 38] = [
    "",
    "flags",
    "reason_code",
    "protocol_name",
    "protocol_version",
    "client_identifier",
    "will_topic",
    "will_payload",
    "username",
    "password",
    "keepalive",
    "1",
    "2",
    "3",
    "8",
    "9",
    "11",
    "17",
    "18",
    "19",
    "21",
    "22",
    "23",
    "24",
    "25",
    "26",
    "28",
    "31",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "40",
    "41",
    "42",
];

/// The field numbers (indexes in [`FIELDS`]) each packet type has.
fn fields_of(ty: u8) -> &'static [usize] {
    match ty {
        CONNECT => &[
            1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 20, 21, 22, 23, 24, 28, 29, 33, 34,
        ],
        CONNACK => &[
            1, 2, 4, 17, 18, 19, 20, 21, 25, 26, 27, 28, 29, 31, 32, 33, 34, 35, 36, 37,
        ],
        3 => &[11, 12, 13, 14, 15, 16, 30, 33],
        4..=7 => &[2, 27, 33],
        8 => &[16, 33],
        9 | 11 => &[27, 33],
        10 => &[33],
        14 => &[2, 17, 26, 27, 33],
        15 => &[20, 21, 27, 33],
        _ => &[],
    }
}

/// `mqtt_typeid`: `strl2ui` of the text (no digit check) when it gives a packet type,
/// else the name, any case.
fn type_id(s: &str) -> Option<u8> {
    let n = s.bytes().fold(0u32, |v, c| {
        v.wrapping_mul(10)
            .wrapping_sub(u32::from(b'0'))
            .wrapping_add(u32::from(c))
    }) as i32;
    if (1..16).contains(&n) {
        return Some(n as u8);
    }
    TYPE_NAMES
        .iter()
        .position(|t| t.eq_ignore_ascii_case(s))
        .map(|p| p as u8 + 1)
}

/// The argument check of `mqtt_field_value(packettype,fieldname)`.
pub fn check_field_value(args: &mut [Arg]) -> Result<(), String> {
    let (Some(Arg::Str(t)), Some(Arg::Str(f))) = (args.first(), args.get(1)) else {
        return Ok(());
    };
    let Some(ty) = type_id(t) else {
        return Err(format!("Unknown MQTT type '{t}'"));
    };
    let field = FIELDS
        .iter()
        .position(|n| n.eq_ignore_ascii_case(f))
        .filter(|i| fields_of(ty).contains(i));
    let Some(field) = field else {
        return Err(format!(
            "Unknown MQTT field name '{f}' for packet type '{t}'"
        ));
    };
    args[0] = Arg::Sint(i64::from(ty));
    args[1] = Arg::Sint(field as i64);
    Ok(())
}

/// A field of a parsed packet: a range of the input, or a number.
#[derive(Clone, Copy)]
enum Field {
    Text(usize, usize),
    Num(u32),
}

/// What HAProxy keeps of a CONNECT or CONNACK packet, by field number.
struct Packet {
    ty: u8,
    version: u8,
    flags: u8,
    fields: [Option<Field>; 38],
}

#[derive(PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
    NeedMore,
}

/// A reader over `s[pos..end]`.
struct Rd<'s> {
    s: &'s [u8],
    pos: usize,
    end: usize,
}

impl Rd<'_> {
    fn left(&self) -> usize {
        self.end - self.pos
    }
    fn int(&mut self, n: usize) -> Option<u32> {
        if self.left() < n {
            return None;
        }
        let v = self.s[self.pos..self.pos + n]
            .iter()
            .fold(0u32, |v, &b| (v << 8) | u32::from(b));
        self.pos += n;
        Some(v)
    }
    /// A variable byte integer: at most 3 bytes are read; a 4th continuation fails.
    /// Running out of input ends it without error, as in HAProxy.
    fn varint(&mut self) -> Option<u32> {
        let mut v: u32 = 0;
        let mut off = 0;
        while off < 4 && self.left() > 0 {
            let b = self.s[self.pos];
            v = v.wrapping_add(u32::from(b & 127) << (7 * off));
            self.pos += 1;
            if b <= 127 {
                break;
            }
            off += 1;
        }
        if off == 4 {
            return None;
        }
        Some(v)
    }
    /// A length-prefixed string: its range.
    fn string(&mut self) -> Option<(usize, usize)> {
        let len = self.int(2)? as usize;
        if self.left() < len {
            return None;
        }
        let start = self.pos;
        self.pos += len;
        Some((start, self.pos))
    }
}

/// The properties of a packet: `(identifier, field number, kind, max value)` where the
/// kind is the size of an integer (1, 2, 4) or 0 for a string; a max value of 1 means
/// only 0 and 1 are allowed, and `u32::MAX` that 0 is refused.
type Prop = (u8, usize, u8, u32);

const CONNECT_PROPS: &[Prop] = &[
    (0x11, 17, 4, 0),
    (0x21, 28, 2, u32::MAX),
    (0x27, 34, 4, u32::MAX),
    (0x22, 29, 2, 0),
    (0x19, 24, 1, 1),
    (0x17, 22, 1, 1),
    (0x15, 20, 0, 0),
    (0x16, 21, 0, 0),
];
const WILL_PROPS: &[Prop] = &[
    (0x18, 23, 4, 0),
    (0x01, 11, 1, 1),
    (0x02, 12, 4, 0),
    (0x03, 13, 0, 0),
    (0x08, 14, 0, 0),
    (0x09, 15, 0, 0),
];
const CONNACK_PROPS: &[Prop] = &[
    (0x11, 17, 4, 0),
    (0x21, 28, 2, u32::MAX),
    (0x24, 31, 1, 1),
    (0x25, 32, 1, 1),
    (0x27, 34, 4, u32::MAX),
    (0x12, 18, 0, 0),
    (0x22, 29, 2, 0),
    (0x1f, 27, 0, 0),
    (0x28, 35, 1, 1),
    (0x29, 36, 1, 1),
    (0x2a, 37, 1, 1),
    (0x13, 19, 2, 0),
    (0x1a, 25, 0, 0),
    (0x1c, 26, 0, 0),
    (0x15, 20, 0, 0),
    (0x16, 21, 0, 0),
];

const USER_PROPERTY: u8 = 0x26;

/// Reads a property list into `pkt`. `Err(verdict)` ends the parsing; an unknown
/// property is `unknown`'s verdict.
fn properties(
    rd: &mut Rd<'_>,
    pkt: &mut Packet,
    table: &[Prop],
    unknown: Verdict,
    connack: bool,
) -> Result<(), Verdict> {
    let plen = rd.varint().ok_or(Verdict::Invalid)? as usize;
    if rd.left() < plen {
        return Err(Verdict::Invalid);
    }
    let mut props = Rd {
        s: rd.s,
        pos: rd.pos,
        end: rd.pos + plen,
    };
    rd.pos += plen;
    let mut seen = 0u64;
    while props.left() > 0 {
        let id = props.s[props.pos];
        props.pos += 1;
        if id == USER_PROPERTY {
            props.string().ok_or(Verdict::Invalid)?;
            props.string().ok_or(Verdict::Invalid)?;
            continue;
        }
        let Some(&(_, field, kind, max)) = table.iter().find(|p| p.0 == id) else {
            return Err(unknown);
        };
        // HAProxy marks some properties under another field's bit; the duplicate
        // check follows its bits.
        let bit = match (connack, field) {
            (false, 29) => 30,
            (true, 36) => 16,
            _ => field,
        };
        if seen & (1 << bit) != 0 {
            return Err(Verdict::Invalid);
        }
        let value = if kind == 0 {
            let (a, b) = props.string().ok_or(Verdict::Invalid)?;
            if connack && field == 18 && a == b {
                return Err(Verdict::Invalid);
            }
            Field::Text(a, b)
        } else {
            let n = props.int(usize::from(kind)).ok_or(Verdict::Invalid)?;
            if (max == 1 && n > 1) || (max == u32::MAX && n == 0) {
                return Err(Verdict::Invalid);
            }
            Field::Num(n)
        };
        pkt.fields[field] = Some(value);
        seen |= 1 << bit;
    }
    Ok(())
}

fn parse_connect(rd: &mut Rd<'_>, pkt: &mut Packet) -> Result<(), Verdict> {
    let bad = Verdict::Invalid;
    let (a, b) = rd.string().ok_or(Verdict::Invalid)?;
    let name = &rd.s[a..b];
    if !name.eq_ignore_ascii_case(b"MQTT") && !name.eq_ignore_ascii_case(b"MQIsdp") {
        return Err(bad);
    }
    pkt.fields[3] = Some(Field::Text(a, b));
    pkt.version = rd.int(1).ok_or(Verdict::Invalid)? as u8;
    if !matches!(pkt.version, 3..=5) {
        return Err(Verdict::Invalid);
    }
    pkt.flags = rd.int(1).ok_or(Verdict::Invalid)? as u8;
    if pkt.flags & 0x01 != 0 || pkt.flags & (0x04 | 0x18 | 0x20) == 0x18 {
        return Err(Verdict::Invalid);
    }
    pkt.fields[10] = Some(Field::Num(rd.int(2).ok_or(Verdict::Invalid)?));
    if pkt.version == 5 {
        properties(rd, pkt, CONNECT_PROPS, Verdict::Invalid, false)?;
    }
    // No authentication data without a method.
    let has = |f: Option<Field>| matches!(f, Some(Field::Text(a, b)) if b > a);
    if !has(pkt.fields[20]) && has(pkt.fields[21]) {
        return Err(Verdict::Invalid);
    }
    let (a, b) = rd.string().ok_or(Verdict::Invalid)?;
    pkt.fields[5] = Some(Field::Text(a, b));
    let will = pkt.flags & 0x04 != 0;
    if pkt.version == 5 && will {
        properties(rd, pkt, WILL_PROPS, Verdict::Invalid, false)?;
    }
    for (flag, fields) in [(0x04, &[6usize, 7][..]), (0x80, &[8]), (0x40, &[9])] {
        if pkt.flags & flag != 0 {
            for &f in fields {
                let (a, b) = rd.string().ok_or(Verdict::Invalid)?;
                pkt.fields[f] = Some(Field::Text(a, b));
            }
        }
    }
    Ok(())
}

fn parse_connack(rd: &mut Rd<'_>, pkt: &mut Packet) -> Result<(), Verdict> {
    if rd.left() < 2 {
        return Err(Verdict::Invalid);
    }
    pkt.version = if rd.left() == 2 { 4 } else { 5 };
    pkt.flags = rd.int(1).ok_or(Verdict::Invalid)? as u8;
    if pkt.flags & 0xfe != 0 {
        return Err(Verdict::Invalid);
    }
    pkt.fields[2] = Some(Field::Num(rd.int(1).ok_or(Verdict::Invalid)?));
    if pkt.version == 5 {
        properties(rd, pkt, CONNACK_PROPS, Verdict::NeedMore, true)?;
    }
    Ok(())
}

/// `mqtt_validate_message`.
fn validate(s: &[u8]) -> (Verdict, Option<Packet>) {
    if s.len() < 2 {
        return (Verdict::NeedMore, None);
    }
    let ty = s[0] >> 4;
    if ty == 0 || s[0] & 0x0f != TYPE_FLAGS[usize::from(ty)] {
        return (Verdict::Invalid, None);
    }
    let mut rd = Rd {
        s,
        pos: 1,
        end: s.len(),
    };
    let Some(remaining) = rd.varint() else {
        return (Verdict::Invalid, None);
    };
    if (rd.left() as u64) < u64::from(remaining) {
        return (Verdict::NeedMore, None);
    }
    let mut pkt = Packet {
        ty,
        version: 0,
        flags: 0,
        fields: [None; 38],
    };
    let start = rd.pos;
    let parsed = match ty {
        CONNECT => parse_connect(&mut rd, &mut pkt),
        CONNACK => parse_connack(&mut rd, &mut pkt),
        _ => Err(Verdict::Invalid),
    };
    match parsed {
        Ok(()) if (rd.pos - start) as u64 == u64::from(remaining) => (Verdict::Valid, Some(pkt)),
        Ok(()) => (Verdict::Invalid, None),
        Err(v) => (v, None),
    }
}

/// `mqtt_is_valid`: whether the input starts with a valid CONNECT or CONNACK packet
/// (other packet types are invalid); fails while more data is needed.
pub fn is_valid<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    match validate(&s).0 {
        Verdict::Valid => Some(Value::Bool(true)),
        Verdict::Invalid => Some(Value::Bool(false)),
        Verdict::NeedMore => None,
    }
}

/// `mqtt_field_value(packettype,fieldname)`: a field of a valid packet of that type,
/// as text (numbers in decimal); an absent or empty field fails. Fields other than
/// the name, version, flags, keepalive, client identifier, will and credentials are
/// MQTT 5.0 properties (the will's ones only with the will flag).
pub fn field_value<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let (Some(Arg::Sint(ty)), Some(Arg::Sint(field))) = (args.first(), args.get(1)) else {
        return None;
    };
    let field = usize::try_from(*field).ok()?;
    let (Verdict::Valid, Some(pkt)) = validate(&s) else {
        return None;
    };
    if i64::from(pkt.ty) != *ty {
        return None;
    }
    let v5 = pkt.version == 5;
    let will = pkt.flags & 0x04 != 0;
    // A property absent from the packet reads as 0 (HAProxy zeroes its structure).
    let prop = |f: usize| pkt.fields[f].unwrap_or(Field::Num(0));
    let value = match (pkt.ty, field) {
        (_, 1) => Field::Num(u32::from(pkt.flags)),
        (_, 4) => Field::Num(u32::from(pkt.version)),
        (CONNECT, 3 | 5..=10) | (CONNACK, 2) => pkt.fields[field]?,
        (CONNECT, 11 | 12 | 23) if v5 && will => prop(field),
        (CONNECT, 13..=15) if v5 && will => pkt.fields[field]?,
        (CONNECT, 17 | 22 | 24 | 28 | 29 | 34) if v5 => prop(field),
        (CONNECT, 20 | 21) if v5 => pkt.fields[field]?,
        (CONNACK, 17 | 19 | 28 | 29 | 31 | 32 | 34..=37) if v5 => prop(field),
        (CONNACK, 18 | 20 | 21 | 25..=27) if v5 => pkt.fields[field]?,
        _ => return None,
    };
    match value {
        Field::Text(a, b) if b > a => Some(Value::Bin(slice(s, a, b))),
        Field::Text(..) => None,
        Field::Num(n) => Some(Value::Bin(Cow::Owned(n.to_string().into_bytes()))),
    }
}
