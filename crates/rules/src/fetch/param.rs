//! Parameters of a query string or a form body (`url_param`, `req.body_param`), found
//! as HAProxy's `http_find_next_url_param` finds them: parameters separated by `&`,
//! `;` or the delimiter, names compared exactly, an empty name taking the value after
//! the first `=`. A fetch returns the first match; when iterating, each next one.

use crate::stream::Iter;

/// Whether `c` ends a parameter.
fn is_delim(c: u8, delim: u8) -> bool {
    c == b'&' || c == b';' || c == delim
}

/// Where the parameter `name` (not empty) starts in `s[pos..]`.
fn find_name(s: &[u8], mut pos: usize, name: &[u8], delim: u8) -> Option<usize> {
    let last = s.len();
    while pos < last {
        let equal = pos + name.len();
        if equal >= last {
            return None;
        }
        if s[equal] == b'=' {
            if &s[pos..equal] == name {
                return Some(pos);
            }
            pos += name.len() + 1;
        }
        while pos < last && !is_delim(s[pos], delim) {
            pos += 1;
        }
        if pos >= last {
            return None;
        }
        pos += 1;
    }
    None
}

/// The next value of parameter `name` in `s` from `pos`, and where it ends.
fn next_value(s: &[u8], pos: usize, name: &[u8], delim: u8) -> Option<(usize, usize)> {
    let start = if name.is_empty() {
        pos + s.get(pos..)?.iter().position(|&c| c == b'=')? + 1
    } else {
        find_name(s, pos, name, delim)? + name.len() + 1
    };
    let len = s
        .get(start..)?
        .iter()
        .position(|&c| is_delim(c, delim))
        .unwrap_or(s.len() - start);
    Some((start, start + len))
}

/// A parameter fetch over the list `s`: the first value of `name`, or the next one
/// when iterating (`it.pos` keeps where the previous value ended, plus one).
pub(crate) fn fetch<'a>(s: &'a [u8], name: &[u8], delim: u8, it: &mut Iter) -> Option<&'a [u8]> {
    let from = it.pos.saturating_sub(1);
    let found = next_value(s, from, name, delim);
    it.more = false;
    let (start, end) = found?;
    if it.iterate {
        it.pos = end + 1;
        it.more = end < s.len();
    }
    Some(&s[start..end])
}
