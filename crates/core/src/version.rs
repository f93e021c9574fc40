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

/// Compares two HAProxy-style version strings ("2.4-dev19", "2.6.12", "2.5.0-rc1") the way
/// HAProxy's `compare_current_version()` does: numeric components first, then the
/// development stage (dev < pre < rc < release), then the stage number. Returns `None`
/// when either string is not a version.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let a = parse(a)?;
    let b = parse(b)?;
    Some(a.cmp(&b))
}

/// Parsed version: up to four numeric fields, then (stage rank, stage number).
type Parsed = ([u32; 4], u32, u32);

fn parse(v: &str) -> Option<Parsed> {
    let mut nums = [0u32; 4];
    let bytes = v.as_bytes();
    let mut i = 0;
    let mut field = 0;
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return None;
        }
        if field < 4 {
            nums[field] = v[start..i].parse().ok()?;
        }
        field += 1;
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            continue;
        }
        break;
    }
    // Release versions rank above any development stage of the same numbers.
    let rest = &v[i..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let (rank, num) = if rest.is_empty() {
        (3, 0)
    } else if let Some(n) = rest.strip_prefix("dev") {
        (0, leading_number(n))
    } else if let Some(n) = rest.strip_prefix("pre") {
        (1, leading_number(n))
    } else if let Some(n) = rest.strip_prefix("rc") {
        (2, leading_number(n))
    } else {
        // Distribution suffixes such as "-1+deb12u4" or "-rampart" count as a release.
        (3, 0)
    };
    Some((nums, rank, num))
}

fn leading_number(s: &str) -> u32 {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    s[..end].parse().unwrap_or(0)
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
    }
}
