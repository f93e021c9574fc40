//! Internal fetches (manual 7.3.2): constants, process state, the date, randomness
//! and the stream's scheduling figures.

use super::place::Src;
use super::{def, int_arg, may_change, spec, str_arg, uses, FetchDef};
use crate::args::{Arg, ArgType as A};
use crate::sample::{Method, SmpType as T, Value};
use crate::stream::{Iter, Stream};
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

const CONST: super::place::Uses = uses(&[Src::Const]);
const INTRN: super::place::Uses = uses(&[Src::Intrn]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("always_false", spec(&[], 0), T::Bool, CONST, |_, _, _| {
        Some(Value::Bool(false))
    }),
    def("always_true", spec(&[], 0), T::Bool, CONST, |_, _, _| {
        Some(Value::Bool(true))
    }),
    FetchDef {
        check: Some(check_str),
        ..def("str", spec(&[A::Str], 1), T::Str, CONST, |_, a, _| {
            Some(Value::str(match a.first() {
                Some(Arg::Bin(b)) => b,
                _ => str_arg(a, 0),
            }))
        })
    },
    FetchDef {
        check: Some(check_bool),
        ..def("bool", spec(&[A::Str], 1), T::Bool, CONST, |_, a, _| {
            Some(Value::Bool(int_arg(a, 0)? != 0))
        })
    },
    def("int", spec(&[A::Sint], 1), T::Sint, CONST, |_, a, _| {
        Some(Value::Sint(int_arg(a, 0)?))
    }),
    def(
        "ipv4",
        spec(&[A::Ipv4], 1),
        T::Ipv4,
        CONST,
        |_, a, _| match a.first() {
            Some(Arg::Ipv4(ip)) => Some(Value::Ipv4(*ip)),
            _ => None,
        },
    ),
    def(
        "ipv6",
        spec(&[A::Ipv6], 1),
        T::Ipv6,
        CONST,
        |_, a, _| match a.first() {
            Some(Arg::Ipv6(ip)) => Some(Value::Ipv6(*ip)),
            _ => None,
        },
    ),
    FetchDef {
        check: Some(check_bin),
        ..def(
            "bin",
            spec(&[A::Str], 1),
            T::Bin,
            CONST,
            |_, a, _| match a.first() {
                Some(Arg::Bin(b)) => Some(Value::Bin(Cow::Borrowed(b))),
                _ => None,
            },
        )
    },
    FetchDef {
        check: Some(check_meth),
        ..def("meth", spec(&[A::Str], 1), T::Meth, CONST, |_, a, _| {
            Some(Value::Meth(Method::of(Cow::Borrowed(str_arg(a, 0)))))
        })
    },
    def("env", spec(&[A::Str], 1), T::Str, CONST, env),
    FetchDef {
        check: Some(check_date_unit),
        ..def("date", spec(&[A::Sint, A::Str], 0), T::Sint, CONST, date)
    },
    def("date_us", spec(&[], 0), T::Sint, CONST, |_, _, it| {
        may_change(it);
        Some(Value::Sint(i64::from(now().subsec_micros())))
    }),
    def("hostname", spec(&[], 0), T::Str, CONST, |_, _, _| {
        Some(Value::str(hostname().as_bytes()))
    }),
    def("nbproc", spec(&[], 0), T::Sint, CONST, |_, _, _| {
        Some(Value::Sint(1))
    }),
    def("proc", spec(&[], 0), T::Sint, CONST, |_, _, _| {
        Some(Value::Sint(1))
    }),
    def("thread", spec(&[], 0), T::Sint, CONST, |s, _, _| {
        Some(Value::Sint(s.env.thread()))
    }),
    def("rand", spec(&[A::Sint], 0), T::Sint, CONST, rand),
    def("stopping", spec(&[], 0), T::Bool, INTRN, |s, _, _| {
        Some(Value::Bool(s.env.stopping()))
    }),
    FetchDef {
        check: Some(check_uuid),
        ..def("uuid", spec(&[A::Sint], 0), T::Str, CONST, uuid)
    },
    def("cpu_calls", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        Some(Value::Sint(s.env.task_times()?.calls as i64))
    }),
    def("cpu_ns_avg", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        let t = s.env.task_times()?;
        Some(Value::Sint(
            t.cpu_ns.checked_div(t.calls).unwrap_or(0) as i64
        ))
    }),
    def("cpu_ns_tot", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        Some(Value::Sint(s.env.task_times()?.cpu_ns as i64))
    }),
    def("lat_ns_avg", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        let t = s.env.task_times()?;
        Some(Value::Sint(
            t.lat_ns.checked_div(t.calls).unwrap_or(0) as i64
        ))
    }),
    def("lat_ns_tot", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        Some(Value::Sint(s.env.task_times()?.lat_ns as i64))
    }),
    def("last_rule_file", spec(&[], 0), T::Str, INTRN, |s, _, _| {
        Some(Value::str(s.env.last_rule()?.0.as_bytes()))
    }),
    def("last_rule_line", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        let line = s.env.last_rule()?.1;
        (line != 0).then_some(Value::Sint(line))
    }),
    def("prio_class", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        Some(Value::Sint(s.env.priority()?.0))
    }),
    def("prio_offset", spec(&[], 0), T::Sint, INTRN, |s, _, _| {
        Some(Value::Sint(s.env.priority()?.1))
    }),
    // Waits for the end of `inspect-delay` (or a full or closed buffer): no sample
    // before the final pass.
    def("wait_end", spec(&[], 0), T::Bool, INTRN, |s, _, it| {
        if s.env.partial() {
            may_change(it);
            return None;
        }
        Some(Value::Bool(true))
    }),
    def(
        "internal.strm.is_htx",
        spec(&[], 0),
        T::Bool,
        INTRN,
        |s, _, _| Some(Value::Bool(s.env.http_mode())),
    ),
];

/// `uuid([4])`: only version 4 exists.
fn check_uuid(args: &mut [Arg]) -> Result<(), String> {
    match args.first() {
        Some(Arg::Sint(4)) | None => Ok(()),
        Some(Arg::Sint(v)) => Err(format!("Unsupported UUID version: '{v}'")),
        Some(_) => Err("Unsupported UUID version".into()),
    }
}

/// A random (version 4) UUID, lower-case, as HAProxy's `ha_generate_uuid` lays out its
/// 128 random bits.
fn uuid<'a>(_: &Stream<'a>, a: &'a [Arg], it: &mut Iter) -> Option<Value<'a>> {
    if !matches!(a.first(), None | Some(Arg::Sint(4))) {
        return None;
    }
    may_change(it);
    Some(Value::Str(Cow::Owned(
        uuid_text(random64(), random64()).into_bytes(),
    )))
}

/// Formats two 64-bit random numbers as HAProxy does (version and variant bits set).
pub(crate) fn uuid_text(a: u64, b: u64) -> String {
    let r = [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32];
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        r[0],
        r[1] & 0xffff,
        ((r[1] >> 16) & 0xfff) | 0x4000,
        (r[2] & 0x3fff) | 0x8000,
        (u64::from(r[2] >> 14) | (u64::from(r[3]) << 18)) & 0xffff_ffff_ffff
    )
}

fn random64() -> u64 {
    u64::from(random32()) << 32 | u64::from(random32())
}

fn now() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// `bool(v)`: `true`/`1`/`false`/`0`, case-insensitive, decided at configuration time.
fn check_bool(args: &mut [Arg]) -> Result<(), String> {
    let v = match args.first() {
        Some(Arg::Str(s)) if s.eq_ignore_ascii_case("true") || s == "1" => 1,
        Some(Arg::Str(s)) if s.eq_ignore_ascii_case("false") || s == "0" => 0,
        _ => return Err("Expects 'true', 'false', '0' or '1'".into()),
    };
    args[0] = Arg::Sint(v);
    Ok(())
}

/// `bin(hex)`: an even number of hexadecimal digits.
fn check_bin(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(s)) = args.first() else {
        return Err("missing binary value".into());
    };
    let b = s.as_bytes();
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len() / 2);
    if b.len() % 2 != 0 {
        return Err(format!(
            "input string must contain an even number of characters ('{s}')"
        ));
    }
    for pair in b.chunks(2) {
        match (digit(pair[0]), digit(pair[1])) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => return Err(format!("'{s}' is not a valid hexadecimal string")),
        }
    }
    args[0] = Arg::Bin(out);
    Ok(())
}

/// `meth(m)`: a method token.
fn check_meth(args: &mut [Arg]) -> Result<(), String> {
    match args.first() {
        Some(Arg::Str(s)) if !s.is_empty() && s.bytes().all(rampart_h1::chars::is_token) => Ok(()),
        Some(Arg::Str(s)) => Err(format!("'{s}' is not a valid method")),
        _ => Err("missing method".into()),
    }
}

/// `date([offset[,unit]])`: the unit is `s`, `ms` or `us`, kept as 0/1/2.
fn check_date_unit(args: &mut [Arg]) -> Result<(), String> {
    if let Some(Arg::Str(u)) = args.get(1) {
        let unit = match u.as_str() {
            "s" => 0,
            "ms" => 1,
            "us" => 2,
            _ => return Err(format!("expects 's', 'ms' or 'us', got '{u}'")),
        };
        args[1] = Arg::Sint(unit);
    }
    Ok(())
}

fn date<'a>(_: &Stream<'a>, a: &'a [Arg], it: &mut Iter) -> Option<Value<'a>> {
    may_change(it);
    let d = now();
    let secs = d.as_secs() as i64;
    let mut v = match int_arg(a, 1) {
        Some(1) => secs * 1000 + i64::from(d.subsec_millis()),
        Some(2) => secs * 1_000_000 + i64::from(d.subsec_micros()),
        _ => secs,
    };
    if let Some(off) = int_arg(a, 0) {
        v = v.wrapping_add(off);
    }
    Some(Value::Sint(v))
}

fn env<'a>(_: &Stream<'a>, a: &'a [Arg], _: &mut Iter) -> Option<Value<'a>> {
    let name = std::str::from_utf8(str_arg(a, 0)).ok()?;
    let v = std::env::var_os(name)?;
    Some(Value::Str(Cow::Owned(
        std::os::unix::ffi::OsStringExt::into_vec(v),
    )))
}

/// A 32-bit random number, scaled to `[0, range)` with all its bits as HAProxy does.
fn rand<'a>(_: &Stream<'a>, a: &'a [Arg], it: &mut Iter) -> Option<Value<'a>> {
    may_change(it);
    let r = u64::from(random32());
    Some(Value::Sint(match int_arg(a, 0) {
        Some(range) => ((r.wrapping_mul(range as u64)) >> 32) as i64,
        None => r as i64,
    }))
}

/// A per-thread xorshift generator seeded from the clock and the thread's address.
fn random32() -> u32 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = now().as_nanos() as u64;
            let addr = &t as *const u64 as u64;
            (t ^ addr.rotate_left(32)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 32) as u32
    })
}

/// The host name (the kernel's, as `gethostname(2)` reports it), read once.
pub(crate) fn hostname() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim_end_matches('\n').to_string())
            .unwrap_or_default()
    })
}

/// `str(<text>)` keeps the bytes of a configuration word that was not UTF-8 (HAProxy
/// reads any byte): such a word becomes binary here.
fn check_str(args: &mut [Arg]) -> Result<(), String> {
    if let Some(Arg::Str(s)) = args.first() {
        if let std::borrow::Cow::Owned(b) = rampart_config::lexer::raw_bytes(s) {
            args[0] = Arg::Bin(b);
        }
    }
    Ok(())
}
