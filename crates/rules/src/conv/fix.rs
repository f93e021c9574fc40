//! FIX protocol converters: `fix_is_valid` and `fix_tag_value`, with HAProxy's
//! validation (BeginString, BodyLength and MsgType first, tag numbers known to the
//! message's FIX version, body length and checksum verified).

use super::{bytes_of, slice, Cx};
use crate::args::Arg;
use crate::sample::Value;

const DELIM: u8 = 0x01;
const MIN_SIZE: usize = 26;
const TAG_BEGIN_STRING: u32 = 8;
const TAG_BODY_LENGTH: u32 = 9;
const TAG_CHECKSUM: u32 = 10;
const TAG_MSG_TYPE: u32 = 35;

/// HAProxy's `read_uint` over all of `s`: digits, wrapping; `None` when another
/// character follows.
fn read_uint_all(s: &[u8]) -> Option<u32> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if n != s.len() {
        return None;
    }
    Some(s.iter().fold(0u32, |v, &c| {
        v.wrapping_mul(10).wrapping_add(u32::from(c - b'0'))
    }))
}

/// FIX versions by their BeginString, with the highest tag number each defines.
const VERSIONS: &[(&[u8], u32)] = &[
    (b"FIX.4.0", 140),
    (b"FIX.4.1", 211),
    (b"FIX.4.2", 446),
    (b"FIX.4.3", 659),
    (b"FIX.4.4", 956),
    (b"FIXT.1.1", 1621),
];

/// `fix_check_id`: a tag number (not 0), known to `version` when one is given (user
/// defined tags, 10000 to 19999, always are).
fn check_id(tag: &[u8], version: Option<usize>) -> Option<u32> {
    let id = read_uint_all(tag).filter(|&n| n != 0)?;
    let Some(v) = version else {
        return Some(id);
    };
    if (10000..=19999).contains(&id) || id <= VERSIONS[v].1 {
        Some(id)
    } else {
        None
    }
}

/// One `tag=value<SOH>` field at the start of `s`: the tag, the value and the length
/// of the field with its delimiter. `Err(true)` when the delimiter is missing (more data
/// needed), `Err(false)` when the tag is empty.
fn next_field(s: &[u8]) -> Result<(&[u8], &[u8], usize), bool> {
    let Some(eq) = s.iter().position(|&c| c == b'=') else {
        return Err(true);
    };
    let Some(d) = s[eq..].iter().position(|&c| c == DELIM) else {
        return Err(true);
    };
    if eq == 0 {
        return Err(false);
    }
    let end = eq + d;
    Ok((&s[..eq], &s[eq + 1..end], end + 1))
}

/// HAProxy's verdicts.
#[derive(PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
    NeedMore,
}

fn validate(msg: &[u8]) -> Verdict {
    if msg.len() < MIN_SIZE {
        return Verdict::NeedMore;
    }
    let mut version = None;
    let mut checksum: u8 = 0;
    let mut tagnum = 0u32;
    let mut bodylen = 0u32;
    let mut body: Option<usize> = None;
    let mut p = 0;
    while p < msg.len() {
        let (tag, value, used) = match next_field(&msg[p..]) {
            Ok(f) => f,
            Err(true) => return Verdict::NeedMore,
            Err(false) => return Verdict::Invalid,
        };
        let Some(id) = check_id(tag, version) else {
            return Verdict::Invalid;
        };
        tagnum += 1;
        match tagnum {
            1 => {
                if id != TAG_BEGIN_STRING {
                    return Verdict::Invalid;
                }
                match VERSIONS.iter().position(|(v, _)| *v == value) {
                    Some(v) => version = Some(v),
                    None => return Verdict::Invalid,
                }
            }
            2 => {
                if id != TAG_BODY_LENGTH {
                    return Verdict::Invalid;
                }
                match read_uint_all(value) {
                    Some(n) if n != 0 => bodylen = n,
                    _ => return Verdict::Invalid,
                }
                body = Some(p + used);
            }
            3 if id != TAG_MSG_TYPE => return Verdict::Invalid,
            _ if id == TAG_CHECKSUM => {
                let start = body.unwrap_or(0);
                if p.checked_sub(start) != Some(bodylen as usize) || value.len() != 3 {
                    return Verdict::Invalid;
                }
                // `strl2ui`: no check of the digits.
                let sum = value.iter().fold(0u32, |v, &c| {
                    v.wrapping_mul(10)
                        .wrapping_sub(u32::from(b'0'))
                        .wrapping_add(u32::from(c))
                });
                return if u32::from(checksum) == sum {
                    Verdict::Valid
                } else {
                    Verdict::Invalid
                };
            }
            _ => {}
        }
        for &c in tag.iter().chain(b"=").chain(value).chain(&[DELIM]) {
            checksum = checksum.wrapping_add(c);
        }
        p += used;
    }
    if body.is_some() {
        Verdict::NeedMore
    } else {
        Verdict::Invalid
    }
}

/// `fix_is_valid`: whether the input is a complete, valid FIX message; fails while
/// the message is incomplete.
pub fn is_valid<'a>(v: Value<'a>, _: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    match validate(&s) {
        Verdict::Valid => Some(Value::Bool(true)),
        Verdict::Invalid => Some(Value::Bool(false)),
        Verdict::NeedMore => None,
    }
}

/// The argument check of `fix_tag_value(tag)`: a tag number or one of the names
/// HAProxy knows, which becomes its number.
pub fn check_tag(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(name)) = args.first() else {
        return Ok(());
    };
    let id = check_id(name.as_bytes(), None).or_else(|| {
        [
            ("MsgType", TAG_MSG_TYPE),
            ("CheckSum", TAG_CHECKSUM),
            ("BodyLength", TAG_BODY_LENGTH),
            ("TargetCompID", 56),
            ("BeginString", TAG_BEGIN_STRING),
            ("SenderCompID", 49),
        ]
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
    });
    match id {
        Some(id) => {
            args[0] = Arg::Sint(i64::from(id));
            Ok(())
        }
        None => Err(format!("Unknown FIX tag name '{name}'")),
    }
}

/// `fix_tag_value(tag)`: the value of the first field with that tag, up to the
/// CheckSum field. An empty value, an invalid field or an incomplete message fail.
pub fn tag_value<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let s = bytes_of(v)?;
    let want = match args.first() {
        Some(Arg::Sint(n)) => *n,
        _ => return None,
    };
    let mut p = 0;
    while p < s.len() {
        let (tag, value, used) = next_field(&s[p..]).ok()?;
        let id = check_id(tag, None)?;
        if i64::from(id) == want {
            if value.is_empty() {
                return None;
            }
            let start = p + tag.len() + 1;
            let end = start + value.len();
            return Some(Value::Bin(slice(s, start, end)));
        }
        if id == TAG_CHECKSUM {
            return None;
        }
        p += used;
    }
    None
}
