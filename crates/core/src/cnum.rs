//! C number reading as HAProxy's parsers do it (`atol`, `atoi`, `strtol` in base 10 or 0,
//! `read_uint`): HAProxy accepts or refuses many arguments by these functions' rules
//! (`maxconn lots` is `atol` → 0 and valid; `id 0x10` is `strtol(.., 0)` → 16), so every
//! keyword reads numbers through this one module.
//!
//! Values saturate like glibc on overflow; no function here panics on any input.

/// The base argument of C's `strtol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// Base 10.
    Ten,
    /// Base 0: `0x`/`0X` prefix for hexadecimal, a leading `0` for octal, else decimal.
    Auto,
}

/// C's `strtol(s, &end, base)`: leading blanks, an optional sign, then the longest run of
/// digits. Returns the value and the bytes consumed (0 when no digit was read, as `strtol`
/// then leaves `end` at the start of the string).
pub fn strtol(s: &str, base: Base) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
    {
        i += 1;
    }
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let radix = match base {
        Base::Ten => 10,
        Base::Auto
            if b.get(i) == Some(&b'0')
                && matches!(b.get(i + 1), Some(b'x' | b'X'))
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
        {
            i += 2;
            16
        }
        Base::Auto if b.get(i) == Some(&b'0') => 8,
        Base::Auto => 10,
    };
    let start = i;
    let mut value: i64 = 0;
    let mut overflow = false;
    while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        match value
            .checked_mul(i64::from(radix))
            .and_then(|v| v.checked_add(i64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    let value = match (overflow, negative) {
        (true, false) => i64::MAX,
        (true, true) => i64::MIN,
        (false, true) => -value,
        (false, false) => value,
    };
    (value, i)
}

/// C's `atol`: `strtol(s, NULL, 10)`, 0 when nothing parses.
pub fn atol(s: &str) -> i64 {
    strtol(s, Base::Ten).0
}

/// C's `atoi`: `atol` truncated to an `int`, as glibc converts the saturated `long`.
pub fn atoi(s: &str) -> i32 {
    atol(s) as i32
}

/// `strtol(s, &end, 10)` with HAProxy's `!*s || *end` check: the whole non-empty string
/// must be the number.
pub fn strtol10_full(s: &str) -> Option<i64> {
    let (value, used) = strtol(s, Base::Ten);
    (used > 0 && used == s.len()).then_some(value)
}

/// `strtol(s, &end, 0)` with nothing allowed after the number. `Err` carries the first
/// unexpected character (`'\0'` for an empty string), which HAProxy names in its message.
pub fn strtol0_full(s: &str) -> Result<i64, char> {
    let (value, used) = strtol(s, Base::Auto);
    match s[used..].chars().next() {
        None if used > 0 => Ok(value),
        None => Err('\0'),
        Some(c) => Err(c),
    }
}

/// True when the whole string is an optionally signed decimal integer.
pub fn is_int(s: &str) -> bool {
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// HAProxy's `read_uint`/`str2uic`: the leading decimal digits as an unsigned value
/// (saturating) and how many there were; 0 when the string does not start with a digit.
pub fn leading_uint(s: &str) -> (u64, usize) {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let value = s[..digits].bytes().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    (value, digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_ten() {
        assert_eq!(atol("42"), 42);
        assert_eq!(atol("  -7x"), -7);
        assert_eq!(atol("12abc"), 12);
        assert_eq!(atol("abc"), 0);
        assert_eq!(atol(""), 0);
        assert_eq!(atol("99999999999999999999999"), i64::MAX);
        assert_eq!(atol("-99999999999999999999999"), i64::MIN);
        assert_eq!(atoi("4294967376"), 80);
        assert_eq!(strtol10_full("12"), Some(12));
        assert_eq!(strtol10_full("12x"), None);
        assert_eq!(strtol10_full(""), None);
        assert_eq!(strtol10_full("-"), None);
        assert_eq!(strtol10_full("010"), Some(10));
    }

    #[test]
    fn base_zero() {
        assert_eq!(strtol0_full("0x10"), Ok(16));
        assert_eq!(strtol0_full("010"), Ok(8));
        assert_eq!(strtol0_full("0"), Ok(0));
        assert_eq!(strtol0_full("-12"), Ok(-12));
        assert_eq!(strtol0_full("12x"), Err('x'));
        assert_eq!(strtol0_full("0x"), Err('x'));
        assert_eq!(strtol0_full("09"), Err('9'));
        assert_eq!(strtol0_full("abc"), Err('a'));
        assert_eq!(strtol0_full(""), Err('\0'));
        assert_eq!(strtol("0x1fz", Base::Auto), (31, 4));
    }

    #[test]
    fn helpers() {
        assert!(is_int("-3") && !is_int("3a") && !is_int(""));
        assert_eq!(leading_uint("123abc"), (123, 3));
        assert_eq!(leading_uint("x"), (0, 0));
        assert_eq!(leading_uint("99999999999999999999999").0, u64::MAX);
    }
}
