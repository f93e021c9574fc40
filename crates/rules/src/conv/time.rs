//! Date converters: `ltime` and `utime` (a date formatted with `strftime`, in the local
//! time zone or in UTC) and `http_date` (RFC 1123 dates, optionally with a fraction).
//!
//! HAProxy calls glibc's `localtime_r`, `gmtime_r` and `strftime` in the C locale; this
//! module computes the same in Rust, without locks: the calendar arithmetic is exact for
//! any 64-bit date, summer time rules are evaluated as glibc evaluates them (including
//! its limits: before 1972 and after year 5,883,516 they give odd results, which are
//! reproduced), the local time zone is read once from `TZ` (glibc's rules: unset
//! means `/etc/localtime`, empty means UTC, a leading `:` names a file, a name is a
//! file under `/usr/share/zoneinfo`, anything else a POSIX rule), and [`strftime`]
//! implements every glibc conversion with its flags (`_ - 0 ^ #`), widths and `E`/`O`
//! modifiers as the C locale spells them.

use super::{int_arg, str_arg, Cx};
use crate::args::Arg;
use crate::sample::Value;
use std::borrow::Cow;
use std::sync::OnceLock;

/// A broken-down time (`struct tm`), with the year in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tm<'z> {
    pub sec: i64,
    pub min: i64,
    pub hour: i64,
    pub mday: i64,
    /// 0 to 11.
    pub mon: i64,
    pub year: i64,
    /// 0 (Sunday) to 6.
    pub wday: i64,
    /// 0 to 365.
    pub yday: i64,
    pub isdst: bool,
    /// Seconds east of UTC.
    pub gmtoff: i64,
    pub zone: &'z str,
    /// The time this was computed from (`%s` of a local time).
    t: i64,
    /// Whether this is a local time (`%s` of a UTC time depends on the local zone).
    local: bool,
}

/// `gmtime_r`: `None` when the year does not fit in a C `int` (glibc's `EOVERFLOW`).
pub fn gmtime(t: i64) -> Option<Tm<'static>> {
    civil(t, 0, false, "GMT", false)
}

/// `localtime_r` in `zone`.
pub fn localtime(t: i64, zone: &Zone) -> Option<Tm<'_>> {
    let (off, dst, name) = zone.at(t)?;
    let mut tm = civil(t.checked_add(off)?, off, dst, name, true)?;
    tm.t = t;
    Some(tm)
}

fn civil(t: i64, gmtoff: i64, isdst: bool, zone: &str, local: bool) -> Option<Tm<'_>> {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let (year, mon, mday) = civil_from_days(days);
    if year - 1900 > i64::from(i32::MAX) || year - 1900 < i64::from(i32::MIN) {
        return None;
    }
    let yday = days - days_from_civil(year, 1, 1);
    Some(Tm {
        sec: secs % 60,
        min: secs / 60 % 60,
        hour: secs / 3600,
        mday,
        mon: mon - 1,
        year,
        wday: (days + 4).rem_euclid(7),
        yday,
        isdst,
        gmtoff,
        zone,
        t,
        local,
    })
}

/// Year, month (1-12) and day of the day `z` days after 1970-01-01 (proleptic
/// Gregorian calendar, Howard Hinnant's algorithm in 64 bits).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days from 1970-01-01 to the given date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// A local time zone.
#[derive(Debug)]
pub struct Zone {
    tz: Option<tz::TimeZone>,
}

impl Zone {
    /// The zone glibc uses for a `TZ` value (`None`: the variable is unset). What glibc
    /// cannot load is UTC.
    pub fn from_tz(tz: Option<&str>) -> Zone {
        let loaded = match tz {
            None => tz::TimeZone::from_posix_tz("localtime").ok(),
            Some("") => tz::TimeZone::from_posix_tz("Universal").ok(),
            Some(s) => tz::TimeZone::from_posix_tz(s).ok(),
        };
        Zone { tz: loaded }
    }

    /// Offset, daylight saving time and abbreviation at `t`.
    fn at(&self, t: i64) -> Option<(i64, bool, &str)> {
        let z = match &self.tz {
            None => return Some((0, false, "UTC")),
            Some(z) => z.as_ref(),
        };
        let after_transitions = z
            .transitions()
            .last()
            .is_none_or(|last| t >= last.unix_leap_time());
        let lt = match z.extra_rule() {
            Some(tz::timezone::TransitionRule::Alternate(rule)) if after_transitions => {
                glibc_rule(rule, t)
            }
            _ => z.find_local_time_type(t).ok()?,
        };
        Some((
            i64::from(lt.ut_offset()),
            lt.is_dst(),
            lt.time_zone_designation(),
        ))
    }

    /// glibc's `mktime` of UTC fields read as local standard time (`tm_isdst` 0): the
    /// time whose local fields these are, with the standard offset when the zone
    /// observes daylight saving time then.
    fn mktime_std(&self, naive: i64) -> i64 {
        let Some((off, dst, _)) = self.at(naive) else {
            return naive;
        };
        let guess = naive - off;
        let Some((off, dst2, _)) = self.at(guess) else {
            return guess;
        };
        if !dst && !dst2 {
            return naive - off;
        }
        // In daylight saving time: the standard offset is that of a nearby time
        // outside it (half a year away at most).
        for delta in [-183i64, 183, -92, 92] {
            if let Some((o, false, _)) = self.at(guess + delta * 86400) {
                return naive - o;
            }
        }
        naive - off
    }
}

/// glibc's evaluation of a POSIX rule with summer time (`__tz_compute`): the changes
/// of the UTC year of `t`, each computed by `compute_change`, which counts from 1970
/// for the years up to 1972 and counts days in a C `int`.
fn glibc_rule(rule: &tz::timezone::AlternateTime, t: i64) -> &tz::timezone::LocalTimeType {
    let year = civil_from_days(t.div_euclid(86400)).0;
    let start = glibc_change(
        rule.dst_start(),
        rule.dst_start_time(),
        rule.std().ut_offset(),
        year,
    );
    let end = glibc_change(
        rule.dst_end(),
        rule.dst_end_time(),
        rule.dst().ut_offset(),
        year,
    );
    let dst = if start > end {
        t < end || t >= start
    } else {
        t >= start && t < end
    };
    if dst {
        rule.dst()
    } else {
        rule.std()
    }
}

/// glibc's `compute_change`: when a rule's change happens in `year`.
fn glibc_change(day: &tz::timezone::RuleDay, secs: i32, offset: i32, year: i64) -> i64 {
    use tz::timezone::RuleDay;
    const CUMULATIVE: [[i64; 13]; 2] = [
        [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
        [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
    ];
    let y = year as i32;
    let mut t: i64 = if y > 1972 {
        let days = (y - 1970)
            .wrapping_mul(365)
            .wrapping_add((y - 1) / 4 - 1970 / 4)
            .wrapping_sub((y - 1) / 100 - 1970 / 100)
            .wrapping_add((y - 1) / 400 - 1970 / 400);
        i64::from(days) * 86400
    } else {
        0
    };
    let leap = is_leap(year);
    match day {
        RuleDay::Julian1WithoutLeap(d) => {
            let d = i64::from(d.get());
            t += (d - 1) * 86400;
            if d >= 60 && leap {
                t += 86400;
            }
        }
        RuleDay::Julian0WithLeap(d) => t += i64::from(d.get()) * 86400,
        RuleDay::MonthWeekDay(mwd) => {
            let m = usize::from(mwd.month());
            let cum = &CUMULATIVE[usize::from(leap)];
            t += cum[m - 1] * 86400;
            // Zeller's congruence for the first day of the month, in C arithmetic.
            let m1 = (m as i64 + 9) % 12 + 1;
            let yy0 = if m <= 2 { year - 1 } else { year };
            let (yy1, yy2) = (yy0 / 100, yy0 % 100);
            let mut dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
            if dow < 0 {
                dow += 7;
            }
            let mut d = i64::from(mwd.week_day()) - dow;
            if d < 0 {
                d += 7;
            }
            for _ in 1..mwd.week() {
                if d + 7 >= cum[m] - cum[m - 1] {
                    break;
                }
                d += 7;
            }
            t += d * 86400;
        }
    }
    t - i64::from(offset) + i64::from(secs)
}

/// The process's local time zone, read from `TZ` on first use (glibc reads it once
/// for `localtime_r` too).
pub fn local_zone() -> &'static Zone {
    static ZONE: OnceLock<Zone> = OnceLock::new();
    ZONE.get_or_init(|| {
        let tz = std::env::var("TZ").ok();
        Zone::from_tz(tz.as_deref())
    })
}

/// HAProxy masks dates to 55 bits "so that they cannot be negative".
const DATE_MASK: i64 = 0x007f_ffff_ffff_ffff;

/// `ltime(format[,offset])`: the input date (seconds), plus the offset, formatted in
/// the local time zone. A result that does not fit in a buffer is empty.
pub fn ltime<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    format_date(v, args, cx, Some(local_zone()))
}

/// `utime(format[,offset])`: as `ltime`, in UTC.
pub fn utime<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    format_date(v, args, cx, None)
}

/// `ltime` in a given zone (`None`: `utime`), for callers and tests that choose it.
pub fn format_date<'a>(
    v: Value<'a>,
    args: &[Arg],
    cx: &Cx,
    zone: Option<&'static Zone>,
) -> Option<Value<'a>> {
    let Value::Sint(n) = v else {
        return None;
    };
    let t = (n & DATE_MASK).wrapping_add(int_arg(args, 1, 0));
    let tm = match zone {
        Some(z) => localtime(t, z)?,
        None => gmtime(t)?,
    };
    let mut out = Vec::with_capacity(64);
    let here = zone.unwrap_or_else(local_zone);
    if strftime(str_arg(args, 0), &tm, cx.bufsize, here, &mut out).is_none() {
        out.clear();
    }
    Some(Value::Str(Cow::Owned(out)))
}

/// The argument check of `http_date([offset[,unit]])` (`smp_check_date_unit`): the
/// unit becomes its number.
pub fn check_date_unit(args: &mut [Arg]) -> Result<(), String> {
    let Some(a) = args.get_mut(1) else {
        return Ok(());
    };
    let Arg::Str(s) = a else {
        return Err("Unexpected arg type".into());
    };
    let unit = match s.as_str() {
        "s" => UNIT_S,
        "ms" => UNIT_MS,
        "us" => UNIT_US,
        _ => return Err(format!("expects 's', 'ms' or 'us', got '{s}'")),
    };
    *a = Arg::Sint(unit);
    Ok(())
}

const UNIT_US: i64 = 0;
const UNIT_MS: i64 = 1;
const UNIT_S: i64 = 2;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const FULL_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const FULL_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `http_date([offset[,unit]])`: the date (seconds, or milliseconds or microseconds
/// with the unit, then followed by the fraction as HAProxy prints it, unpadded) plus
/// the offset, as `Tue, 14 Nov 2023 22:13:20 GMT`.
pub fn http_date<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let Value::Sint(mut n) = v else {
        return None;
    };
    if let Some(Arg::Sint(off)) = args.first() {
        n = n.wrapping_add(*off);
    }
    let unit = match args.get(1) {
        Some(Arg::Sint(u)) => Some(*u),
        _ => None,
    };
    let mut frac = 0;
    match unit {
        Some(UNIT_MS) => {
            frac = n % 1000;
            n /= 1000;
        }
        Some(UNIT_US) => {
            frac = n % 1_000_000;
            n /= 1_000_000;
        }
        _ => {}
    }
    let tm = gmtime(n & DATE_MASK)?;
    let mut s = format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02}",
        DAYS[tm.wday as usize], tm.mday, MONTHS[tm.mon as usize], tm.year, tm.hour, tm.min, tm.sec
    );
    if unit.is_some_and(|u| u != UNIT_S) {
        s.push_str(&format!(".{frac}"));
    }
    s.push_str(" GMT");
    Some(Value::Str(Cow::Owned(s.into_bytes())))
}

/// The output of [`strftime`] as glibc builds it: every addition is checked against
/// the buffer size and the whole call fails when one does not fit.
struct Out<'o> {
    buf: &'o mut Vec<u8>,
    max: usize,
}

impl Out<'_> {
    fn room(&self) -> usize {
        self.max.saturating_sub(self.buf.len())
    }

    /// glibc's `add`: `n` bytes from `bytes`, right-aligned in `width` with spaces (or
    /// zeros with the `0` flag), case-converted.
    fn add(&mut self, bytes: &[u8], f: &Flags, width: i64) -> Option<()> {
        let n = bytes.len() as i64;
        let delta = width - n;
        let incr = n + delta.max(0);
        if incr as u64 >= self.room() as u64 {
            return None;
        }
        if delta > 0 {
            let c = if f.pad == b'0' { b'0' } else { b' ' };
            self.buf.extend(std::iter::repeat_n(c, delta as usize));
        }
        for &b in bytes {
            self.buf.push(if f.lower {
                b.to_ascii_lowercase()
            } else if f.upper {
                b.to_ascii_uppercase()
            } else {
                b
            });
        }
        Some(())
    }
}

#[derive(Clone, Copy, Default)]
struct Flags {
    pad: u8,
    upper: bool,
    lower: bool,
}

/// glibc's `strftime` in the C locale: `fmt` (up to a NUL) formatted from `tm` into
/// `out`, which must stay under `max` bytes; `None` (with `out` partly written) when
/// it does not fit. `zone` is the local zone, for `%s` of a UTC time.
pub fn strftime(fmt: &[u8], tm: &Tm<'_>, max: usize, zone: &Zone, out: &mut Vec<u8>) -> Option<()> {
    let mut o = Out { buf: out, max };
    format_into(fmt, tm, zone, &mut o)
}

fn format_into(fmt: &[u8], tm: &Tm<'_>, zone: &Zone, o: &mut Out<'_>) -> Option<()> {
    let fmt = &fmt[..fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len())];
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    let hour12 = match tm.hour {
        0 => 12,
        h if h > 12 => h - 12,
        h => h,
    };
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            o.add(&fmt[i..=i], &Flags::default(), -1)?;
            i += 1;
            continue;
        }
        let start = i;
        let mut fl = Flags::default();
        let mut change_case = false;
        loop {
            i += 1;
            match at(i) {
                c @ (b'_' | b'-' | b'0') => fl.pad = c,
                b'^' => fl.upper = true,
                b'#' => change_case = true,
                _ => break,
            }
        }
        let mut width: i64 = -1;
        if at(i).is_ascii_digit() {
            width = 0;
            while at(i).is_ascii_digit() {
                width = (width * 10 + i64::from(at(i) - b'0')).min(i64::from(i32::MAX));
                i += 1;
            }
        }
        let modifier = match at(i) {
            c @ (b'E' | b'O') => {
                i += 1;
                c
            }
            _ => 0,
        };
        let conv = at(i);
        // What the conversion produces.
        enum Item<'s> {
            Text(&'s [u8]),
            Num {
                digits: i64,
                value: i64,
                space: bool,
            },
            Raw {
                digits: i64,
                value: i64,
            },
            Sub(&'static [u8]),
            Bad,
        }
        let (e, oo) = (modifier == b'E', modifier == b'O');
        let num = |d: i64, v: i64| Item::Num {
            digits: d,
            value: v,
            space: false,
        };
        let spnum = |d: i64, v: i64| Item::Num {
            digits: d,
            value: v,
            space: true,
        };
        let item = match conv {
            b'%' => Item::Text(b"%"),
            b'a' | b'A' if modifier == 0 => {
                if change_case {
                    fl.upper = true;
                    fl.lower = false;
                }
                let wd = tm.wday as usize;
                Item::Text(
                    if conv == b'a' {
                        DAYS[wd]
                    } else {
                        FULL_DAYS[wd]
                    }
                    .as_bytes(),
                )
            }
            b'b' | b'h' | b'B' if !e => {
                if change_case {
                    fl.upper = true;
                    fl.lower = false;
                }
                let m = tm.mon as usize;
                Item::Text(
                    if conv == b'B' {
                        FULL_MONTHS[m]
                    } else {
                        MONTHS[m]
                    }
                    .as_bytes(),
                )
            }
            b'c' if !oo => Item::Sub(b"%a %b %e %H:%M:%S %Y"),
            b'C' => num(1, tm.year.div_euclid(100)),
            b'x' if !oo => Item::Sub(b"%m/%d/%y"),
            b'D' if modifier == 0 => Item::Sub(b"%m/%d/%y"),
            b'd' if !e => num(2, tm.mday),
            b'e' if !e => spnum(2, tm.mday),
            b'F' if modifier == 0 => Item::Sub(b"%Y-%m-%d"),
            b'H' if !e => num(2, tm.hour),
            b'I' if !e => num(2, hour12),
            b'k' if !e => spnum(2, tm.hour),
            b'l' if !e => spnum(2, hour12),
            b'j' if !e => num(3, tm.yday + 1),
            b'M' if !e => num(2, tm.min),
            b'm' if !e => num(2, tm.mon + 1),
            b'n' => Item::Text(b"\n"),
            b't' => Item::Text(b"\t"),
            b'p' | b'P' => {
                if conv == b'P' {
                    fl.lower = true;
                }
                if change_case {
                    fl.upper = false;
                    fl.lower = true;
                }
                Item::Text(if tm.hour > 11 { b"PM" } else { b"AM" })
            }
            b'R' => Item::Sub(b"%H:%M"),
            b'r' => Item::Sub(b"%I:%M:%S %p"),
            b'S' if !e => num(2, tm.sec),
            b's' => {
                let t = if tm.local {
                    tm.t
                } else {
                    let naive = days_from_civil(tm.year, tm.mon + 1, tm.mday) * 86400
                        + tm.hour * 3600
                        + tm.min * 60
                        + tm.sec;
                    zone.mktime_std(naive)
                };
                Item::Raw {
                    digits: 1,
                    value: t,
                }
            }
            b'X' if !oo => Item::Sub(b"%H:%M:%S"),
            b'T' => Item::Sub(b"%H:%M:%S"),
            b'u' => num(1, (tm.wday + 6) % 7 + 1),
            b'U' if !e => num(2, (tm.yday - tm.wday + 7) / 7),
            b'V' | b'g' | b'G' if !e => {
                let (year, days) = iso_week(tm);
                match conv {
                    b'g' => num(2, (year % 100 + 100) % 100),
                    b'G' => num(1, year),
                    _ => num(2, days / 7 + 1),
                }
            }
            b'W' if !e => num(2, (tm.yday - (tm.wday + 6) % 7 + 7) / 7),
            b'w' if !e => num(1, tm.wday),
            b'Y' if !oo => num(1, tm.year),
            b'y' => num(2, (tm.year % 100 + 100) % 100),
            b'Z' => {
                if change_case {
                    fl.upper = false;
                    fl.lower = true;
                }
                Item::Text(tm.zone.as_bytes())
            }
            b'z' => {
                let mut diff = tm.gmtoff;
                let sign: &[u8] = if diff < 0 { b"-" } else { b"+" };
                diff = diff.abs();
                o.add(sign, &fl, width)?;
                diff /= 60;
                num(4, (diff / 60) * 100 + diff % 60)
            }
            _ => Item::Bad,
        };
        match item {
            Item::Text(t) => o.add(t, &fl, width)?,
            Item::Sub(sub) => {
                // Formatted in place, then padded as glibc's `add` of its length.
                let before = o.buf.len();
                let room = o.room();
                let mut io = Out {
                    buf: &mut *o.buf,
                    max: usize::MAX,
                };
                format_into(sub, tm, zone, &mut io)?;
                let n = (o.buf.len() - before) as i64;
                let delta = width - n;
                if (n + delta.max(0)) as u64 >= room as u64 {
                    return None;
                }
                if delta > 0 {
                    let c = if fl.pad == b'0' { b'0' } else { b' ' };
                    o.buf
                        .splice(before..before, std::iter::repeat_n(c, delta as usize));
                }
                if fl.upper {
                    o.buf[before..].make_ascii_uppercase();
                }
            }
            Item::Num {
                digits,
                value,
                space,
            } => {
                if space && fl.pad != b'0' && fl.pad != b'-' {
                    fl.pad = b'_';
                }
                // glibc's numbers are C ints.
                let value = i64::from(value as i32);
                number(o, &mut fl, digits.max(width), value, width)?;
            }
            Item::Raw { digits, value } => number(o, &mut fl, digits, value, width)?,
            Item::Bad => {
                // The whole specification is copied, from the '%' to here (at the end
                // of the format, to its last character).
                let end = if conv == 0 { i } else { i + 1 };
                let spec = fmt[start..end].to_vec();
                o.add(&spec, &fl, width)?;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Some(())
}

/// glibc's number output: the sign, then padding to `digits` (spaces with `_`, zeros
/// otherwise, none with `-`), then what is left of `width`.
fn number(o: &mut Out<'_>, fl: &mut Flags, digits: i64, value: i64, mut width: i64) -> Option<()> {
    // The sign and digits, written backwards into a stack buffer.
    let mut buf = [0u8; 24];
    let mut start = buf.len();
    let mut u = value.unsigned_abs();
    loop {
        start -= 1;
        buf[start] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let neg = value < 0;
    if neg {
        start -= 1;
        buf[start] = b'-';
    }
    let mut text = &buf[start..];
    let len = text.len() as i64;
    if fl.pad != b'-' {
        let padding = digits - len;
        if padding > 0 {
            if fl.pad == b'_' {
                if padding as u64 >= o.room() as u64 {
                    return None;
                }
                o.buf.extend(std::iter::repeat_n(b' ', padding as usize));
                width = if width > padding { width - padding } else { 0 };
            } else {
                if digits as u64 >= o.room() as u64 {
                    return None;
                }
                if neg {
                    o.buf.push(b'-');
                    text = &text[1..];
                }
                o.buf.extend(std::iter::repeat_n(b'0', padding as usize));
                width = 0;
            }
        }
    }
    o.add(text, fl, width)
}

/// The ISO 8601 week-based year of `tm` and the days since the start of its first week.
fn iso_week(tm: &Tm<'_>) -> (i64, i64) {
    fn week_days(yday: i64, wday: i64) -> i64 {
        let big = (366 / 7 + 2) * 7;
        yday - (yday - wday + 4 + big) % 7 + 3
    }
    let mut year = tm.year;
    let mut days = week_days(tm.yday, tm.wday);
    if days < 0 {
        year -= 1;
        days = week_days(tm.yday + 365 + i64::from(is_leap(year)), tm.wday);
    } else {
        let d = week_days(tm.yday - (365 + i64::from(is_leap(year))), tm.wday);
        if d >= 0 {
            year += 1;
            days = d;
        }
    }
    (year, days)
}
