//! Process and thread sets (HAProxy's `parse_process_number`, manual 3.1 `cpu-map` and 5.1
//! `process` / `thread`): `all`, `odd`, `even`, `N`, `N-M`, `N-`, `-M`, as written after
//! `cpu-map`, `stats socket ... process|thread`, `stats bind-process`, `bind ... process|
//! thread` and `bind-process`.

use crate::cnum::leading_uint;

/// HAProxy's `parse_process_number`: `all`, `odd`, `even`, `N`, `N-M` or `N-` within
/// `1..=max`, optionally prefixed by `auto:` when `allow_auto`. Returns the bit mask (bit 0 =
/// number 1) and whether `auto:` was given.
pub fn parse_process_number(arg: &str, max: u32, allow_auto: bool) -> Result<(u64, bool), String> {
    let (arg, autoinc) = match arg.strip_prefix("auto:") {
        Some(rest) if allow_auto => (rest, true),
        _ => (arg, false),
    };
    let mask = if max >= 64 {
        u64::MAX
    } else {
        (1u64 << max) - 1
    };
    let set = match arg {
        "all" => u64::MAX,
        "odd" => u64::MAX / 3,
        "even" => (u64::MAX / 3) << 1,
        _ => {
            let mut dash = None;
            for (i, c) in arg.bytes().enumerate() {
                if c == b'-' && dash.is_none() {
                    dash = Some(i);
                } else if !c.is_ascii_digit() {
                    return Err(format!("'{arg}' is not a valid number/range."));
                }
            }
            let (low, _) = leading_uint(arg);
            let high = match dash {
                Some(i) if i + 1 == arg.len() => u64::from(max),
                Some(i) => leading_uint(&arg[i + 1..]).0,
                None => low,
            };
            let (low, high) = if high < low { (high, low) } else { (low, high) };
            if low < 1 || low > u64::from(max) || high > u64::from(max) {
                return Err(format!(
                    "'{arg}' is not a valid number/range. It supports numbers from 1 to {max}.\n"
                ));
            }
            (low..=high).fold(0u64, |acc, n| acc | (1u64 << (n - 1)))
        }
    };
    Ok((set & mask, autoinc))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn process_numbers() {
        assert_eq!(parse_process_number("1", 1, false), Ok((1, false)));
        assert_eq!(parse_process_number("all", 1, false), Ok((1, false)));
        assert_eq!(
            parse_process_number("2", 1, false).unwrap_err(),
            "'2' is not a valid number/range. It supports numbers from 1 to 1.\n"
        );
        assert_eq!(parse_process_number("1-", 64, false), Ok((u64::MAX, false)));
        assert_eq!(parse_process_number("3-2", 64, false), Ok((0b110, false)));
        assert!(parse_process_number("1-2-3", 64, false).is_err());
    }

    #[test]
    fn process_numbers_as_masks() {
        assert_eq!(parse_process_number("1", 64, false).map(|(m, _)| m), Ok(1));
        assert_eq!(
            parse_process_number("2-3", 64, false).map(|(m, _)| m),
            Ok(0b110)
        );
        assert_eq!(
            parse_process_number("3-2", 64, false).map(|(m, _)| m),
            Ok(0b110)
        );
        assert_eq!(
            parse_process_number("63-", 64, false).map(|(m, _)| m),
            Ok(0b11 << 62)
        );
        assert_eq!(parse_process_number("all", 1, false).map(|(m, _)| m), Ok(1));
        assert!(parse_process_number("0", 64, false).is_err());
        assert!(parse_process_number("65", 64, false).is_err());
        assert!(parse_process_number("x", 64, false).is_err());
        assert!(parse_process_number("99999999999999999999999", 64, false).is_err());
    }
}
