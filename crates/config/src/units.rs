//! Time and size values as HAProxy parses them (configuration manual 2.5; `parse_time_err`
//! and `parse_size_err`): `10s`, `1500`, `2m`, `100us`; `16k`, `1m`, `2g`.
//!
//! Times are returned in the caller's unit (milliseconds for timeouts) and bounded to
//! `i32::MAX` of that unit, as HAProxy does; sizes fit in `u32`.

/// The unit a bare number is counted in, and the unit of the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Us,
    Ms,
    S,
    M,
    H,
    D,
}

impl TimeUnit {
    /// Microseconds per unit.
    fn micros(self) -> u128 {
        match self {
            TimeUnit::Us => 1,
            TimeUnit::Ms => 1_000,
            TimeUnit::S => 1_000_000,
            TimeUnit::M => 60_000_000,
            TimeUnit::H => 3_600_000_000,
            TimeUnit::D => 86_400_000_000,
        }
    }
}

/// Why a time value was refused. `Display` gives HAProxy's wording given the keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// Not starting with a digit, or an unknown unit: the offending character.
    UnexpectedChar(char),
    /// Empty argument.
    Missing,
    /// Larger than 2147483647 in the result unit.
    Overflow,
    /// Non-zero input that becomes zero in the result unit (kept for HAProxy's message;
    /// unreachable with its round-up rule except through arithmetic wrap-around).
    Underflow,
}

/// A successfully parsed time, plus a warning when trailing garbage followed a valid unit
/// (HAProxy 2.6 accepts `10sx` with a warning, "reported as an error in next versions").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Time {
    pub value: u32,
    pub trailing: Option<char>,
}

/// Parses `text` (digits then an optional unit) with bare numbers in `unit`, result in `unit`.
pub fn parse_time(text: &str, unit: TimeUnit) -> Result<Time, TimeError> {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err(TimeError::Missing);
    };
    if !first.is_ascii_digit() {
        return Err(TimeError::UnexpectedChar(char_at(text, 0)));
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    // Saturate: anything this long overflows every unit anyway.
    let value: u128 = text[..digits]
        .parse()
        .unwrap_or(u128::MAX / 1_000_000_000_000);
    let rest = &text[digits..];
    let (in_unit, after) = if rest.is_empty() {
        (unit, "")
    } else if let Some(r) = rest.strip_prefix("us") {
        (TimeUnit::Us, r)
    } else if let Some(r) = rest.strip_prefix("ms") {
        (TimeUnit::Ms, r)
    } else if let Some(r) = rest.strip_prefix('s') {
        (TimeUnit::S, r)
    } else if let Some(r) = rest.strip_prefix('m') {
        (TimeUnit::M, r)
    } else if let Some(r) = rest.strip_prefix('h') {
        (TimeUnit::H, r)
    } else if let Some(r) = rest.strip_prefix('d') {
        (TimeUnit::D, r)
    } else {
        return Err(TimeError::UnexpectedChar(char_at(text, digits)));
    };
    // HAProxy rounds up: 100us is 1ms, never 0.
    let micros = value.saturating_mul(in_unit.micros());
    let result = micros.div_ceil(unit.micros());
    if result > i32::MAX as u128 {
        return Err(TimeError::Overflow);
    }
    if result == 0 && value != 0 {
        return Err(TimeError::Underflow);
    }
    Ok(Time {
        value: result as u32,
        trailing: after.chars().next(),
    })
}

/// Parses a size: digits then an optional `k`, `m` or `g` (powers of 1024, either case).
/// Returns the offending character (or `None` for an overflow or an empty value).
pub fn parse_size(text: &str) -> Result<u32, Option<char>> {
    let bytes = text.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err(text.chars().next());
    }
    let value: u32 = text[..digits].parse().map_err(|_| None)?;
    let shift = match &text[digits..] {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        rest => return Err(rest.chars().next()),
    };
    if shift > 0 && value > (u32::MAX >> shift) {
        return Err(None);
    }
    Ok(value << shift)
}

fn char_at(text: &str, idx: usize) -> char {
    text[idx..].chars().next().unwrap_or('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Result<u32, TimeError> {
        parse_time(s, TimeUnit::Ms).map(|t| t.value)
    }

    #[test]
    fn times_in_every_unit() {
        assert_eq!(ms("1500"), Ok(1500));
        assert_eq!(ms("10s"), Ok(10_000));
        assert_eq!(ms("2m"), Ok(120_000));
        assert_eq!(ms("1h"), Ok(3_600_000));
        assert_eq!(ms("1d"), Ok(86_400_000));
        assert_eq!(ms("5000us"), Ok(5));
        assert_eq!(parse_time("1ms", TimeUnit::S).map(|t| t.value), Ok(1));
        assert_eq!(ms("7ms"), Ok(7));
        assert_eq!(ms("0"), Ok(0));
        assert_eq!(parse_time("3", TimeUnit::S).map(|t| t.value), Ok(3));
    }

    #[test]
    fn time_errors_and_limits() {
        assert_eq!(ms("1x"), Err(TimeError::UnexpectedChar('x')));
        assert_eq!(ms("x"), Err(TimeError::UnexpectedChar('x')));
        assert_eq!(ms(""), Err(TimeError::Missing));
        assert_eq!(ms("25d"), Err(TimeError::Overflow));
        assert_eq!(ms("2147483647"), Ok(2_147_483_647));
        assert_eq!(ms("2147483648"), Err(TimeError::Overflow));
        assert_eq!(
            ms("999999999999999999999999999999999999999"),
            Err(TimeError::Overflow)
        );
        assert_eq!(ms("500us"), Ok(1));
        assert_eq!(ms("1us"), Ok(1));
        assert_eq!(ms("1500us"), Ok(2));
        assert_eq!(
            parse_time("10sx", TimeUnit::Ms),
            Ok(Time {
                value: 10_000,
                trailing: Some('x')
            })
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16384"), Ok(16384));
        assert_eq!(parse_size("16k"), Ok(16384));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("3g"), Ok(3 << 30));
        assert_eq!(parse_size("4g"), Err(None));
        assert_eq!(parse_size("12q"), Err(Some('q')));
        assert_eq!(parse_size(""), Err(None));
        assert_eq!(parse_size("99999999999"), Err(None));
    }
}
