//! Version identity: Rampart's own version and the HAProxy version whose configuration
//! language, CLI and runtime API it implements (`version_atleast()` compares against the
//! latter, so configurations written for HAProxy 2.6 take the branches they expect).

use std::cmp::Ordering;

/// Rampart's own version (the crate version).
pub const RAMPART_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The HAProxy release whose behaviour Rampart reproduces.
pub const HAPROXY_VERSION: &str = "2.6.12";

/// Release date shown in the version banner.
pub const RELEASE_DATE: &str = "2026/11/21";

/// Compares two HAProxy-style version strings ("2.4-dev19", "2.6.12", "1.5-dev18-43") the
/// way HAProxy's `compare_current_version()` does: up to four numbers, then the stage
/// (dev < pre = rc < release) and its number, then a commit count. Returns `None` when
/// either string is not a version.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    Some(split(a.as_bytes())?.cmp(&split(b.as_bytes())?))
}

/// A version as seven comparable fields: `a.b.c.d`, stage rank (1 dev, 2 pre/rc, 3
/// release), stage number, commit count.
type Fields = [u32; 7];

/// HAProxy's `split_version` rules: fields are read with `strtol` (leading blanks and a
/// sign allowed, no digits reading as 0), separated by `.` up to four numbers, then an
/// optional `-` tag (`dev`, `rc`, `pre` with a number), then the number after the last `-`.
fn split(v: &[u8]) -> Option<Fields> {
    let mut f: Fields = [0, 0, 0, 0, 3, 0, 0];
    if v.is_empty() {
        return None;
    }
    let mut p = 0;
    let mut tagged = false;
    for (i, field) in f.iter_mut().take(4).enumerate() {
        let (value, end) = strtol(v, p);
        *field = value;
        match v.get(end) {
            None => return Some(f),
            Some(b'-') => {
                p = end + 1;
                tagged = true;
                break;
            }
            Some(b'.') if i < 3 => p = end + 1,
            Some(_) => return None,
        }
    }
    if !tagged {
        return None;
    }
    let rest = &v[p..];
    let stage = if rest.first().is_some_and(u8::is_ascii_digit) {
        None
    } else if rest.starts_with(b"dev") {
        Some((1, 3))
    } else if rest.starts_with(b"rc") {
        Some((2, 2))
    } else if rest.starts_with(b"pre") {
        Some((2, 3))
    } else {
        None
    };
    if let Some((rank, len)) = stage {
        f[4] = rank;
        let (value, end) = strtol(v, p + len);
        f[5] = value;
        match v.get(end) {
            None => return Some(f),
            Some(b'-') => p = end + 1,
            Some(_) => return None,
        }
    }
    // The commit count: the number after the last '-', or the whole rest; garbage is 0.
    let tail = &v[p..];
    let start = match tail.iter().rposition(|&c| c == b'-') {
        Some(dash) if dash + 1 == tail.len() => return None,
        Some(dash) => p + dash + 1,
        None => p,
    };
    let (value, end) = strtol(v, start);
    f[6] = if end == v.len() { value } else { 0 };
    Some(f)
}

/// C's `strtol(.., 10)` from `start`: the value wrapped to 32 bits as HAProxy stores it,
/// and the index where parsing stopped (`start` when there were no digits).
fn strtol(v: &[u8], start: usize) -> (u32, usize) {
    let text = std::str::from_utf8(v.get(start..).unwrap_or_default()).unwrap_or_default();
    let (value, used) = crate::cnum::strtol(text, crate::cnum::Base::Ten);
    (value as u32, start + used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_versions_like_haproxy() {
        use Ordering::*;
        assert_eq!(compare_versions("2.6.12", "2.6"), Some(Greater));
        assert_eq!(compare_versions("2.6", "2.6.0"), Some(Equal));
        assert_eq!(compare_versions("2.4-dev19", "2.4"), Some(Less));
        assert_eq!(compare_versions("2.4-dev19", "2.4-dev2"), Some(Greater));
        assert_eq!(compare_versions("2.5-rc1", "2.5-dev9"), Some(Greater));
        assert_eq!(compare_versions("2.6.12", "2.7"), Some(Less));
        assert_eq!(compare_versions("x", "2.7"), None);
        assert_eq!(compare_versions("", "2.7"), None);
        // The inputs where a simpler parser disagrees with HAProxy's split_version.
        assert_eq!(compare_versions("2.6.12-5", "2.6.12"), Some(Greater));
        assert_eq!(compare_versions("3.", "3.0"), Some(Equal));
        assert_eq!(compare_versions(" 2.7", "2.7"), Some(Equal));
        assert_eq!(compare_versions("1.5-dev18-43", "1.5-dev18"), Some(Greater));
        assert_eq!(
            compare_versions("2.4-dev18-f6818d-20", "2.4-dev18-19"),
            Some(Greater)
        );
        assert_eq!(compare_versions("2.6.12-1+deb12u4", "2.6.12"), Some(Equal));
        assert_eq!(compare_versions("1.3.16-rc1", "1.3.16-pre1"), Some(Equal));
        assert_eq!(compare_versions("2.6x", "2.6"), None);
        assert_eq!(compare_versions("2.6-", "2.6"), Some(Equal));
        assert_eq!(compare_versions("2.6-dev-", "2.6"), Some(Less));
    }
}
