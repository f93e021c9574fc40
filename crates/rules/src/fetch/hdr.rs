//! Header lookups shared by the request and response fetches, walking fields as
//! HAProxy's `http_find_header` does: names compared case-insensitively (an empty name
//! matches every field), values split on commas outside quoted strings unless the
//! full line is asked for (`fhdr`), blanks trimmed around each element, and an
//! occurrence number counted from the first (positive) or the last (negative, at most
//! ten back).
//!
//! A request HAProxy reads from a raw buffer (HTTP fetches in TCP mode) has two
//! pseudo-header fields first, `:method` and `:path`: [`Fields`] adds them then.

use crate::stream::Iter;
use rampart_h1::chars::{find_value_end, is_lws};
use rampart_h1::Headers;

/// Most occurrences a negative position may reach back (`MAX_HDR_HISTORY`).
const MAX_BACK: i64 = 10;

/// The header fields a fetch walks.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'h> {
    /// The method and target, shown as `:method` and `:path` fields (TCP mode).
    pub pseudo: Option<(&'h [u8], &'h [u8])>,
    pub headers: &'h Headers,
}

impl<'h> Fields<'h> {
    pub fn of(headers: &'h Headers) -> Fields<'h> {
        Fields {
            pseudo: None,
            headers,
        }
    }

    /// Every field as (name, value), in order.
    pub fn iter(self) -> impl Iterator<Item = (&'h [u8], &'h [u8])> + 'h {
        self.pseudo
            .into_iter()
            .flat_map(|(m, u)| [(&b":method"[..], m), (&b":path"[..], u)])
            .chain(self.headers.iter())
    }
}

/// Every value element of the fields named `name`, in order.
pub(crate) fn elements<'h>(fields: Fields<'h>, name: &'h [u8], full: bool) -> Elements<'h> {
    Elements {
        fields,
        name,
        full,
        next: 0,
        cur: Split { rest: None, full },
    }
}

/// The iterator of [`elements`]: one flat state machine (header fetches run by the
/// dozen per request in ACLs).
pub(crate) struct Elements<'h> {
    fields: Fields<'h>,
    name: &'h [u8],
    full: bool,
    /// The next field to look at: 0 and 1 are the pseudo-fields, then the headers.
    next: usize,
    /// The elements left of the field being read.
    cur: Split<'h>,
}

impl<'h> Elements<'h> {
    /// The field at `i` (see `next`), `None` past the last one; the pseudo-fields of
    /// an HTTP-mode request are `Some(None)`.
    fn field(&self, i: usize) -> Option<Option<(&'h [u8], &'h [u8])>> {
        match (i, self.fields.pseudo) {
            (0, Some((m, _))) => Some(Some((b":method", m))),
            (1, Some((_, u))) => Some(Some((b":path", u))),
            (0 | 1, None) => Some(None),
            _ => self.fields.headers.get_index(i - 2).map(Some),
        }
    }
}

impl<'h> Iterator for Elements<'h> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        loop {
            if let Some(e) = self.cur.next() {
                return Some(e);
            }
            loop {
                let f = self.field(self.next)?;
                self.next += 1;
                if let Some((n, v)) = f {
                    if self.name.is_empty() || n.eq_ignore_ascii_case(self.name) {
                        self.cur = Split {
                            rest: Some(v),
                            full: self.full,
                        };
                        break;
                    }
                }
            }
        }
    }
}

/// The elements of one field value.
struct Split<'h> {
    rest: Option<&'h [u8]>,
    full: bool,
}

impl<'h> Iterator for Split<'h> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        let mut v = self.rest.take()?;
        while let [c, tail @ ..] = v {
            if is_lws(*c) {
                v = tail;
            } else {
                break;
            }
        }
        let end = if self.full {
            v.len()
        } else {
            find_value_end(v)
        };
        let (mut elem, after) = v.split_at(end);
        while let [head @ .., c] = elem {
            if is_lws(*c) {
                elem = head;
            } else {
                break;
            }
        }
        // After an element comes its delimiter: the next element follows the comma,
        // even when nothing does ("a," has an empty second element).
        if let [b',', next @ ..] = after {
            self.rest = Some(next);
        }
        Some(elem)
    }
}

/// The value a header fetch returns: occurrence `occ` (0 = every one in turn when
/// iterating, the last one otherwise).
pub(crate) fn fetch<'h>(
    headers: Fields<'h>,
    name: &'h [u8],
    full: bool,
    occ: i64,
    it: &mut Iter,
) -> Option<&'h [u8]> {
    let occ = if occ == 0 && !it.iterate { -1 } else { occ };
    if occ == 0 {
        // The element at `pos`, and whether another follows (the same scan goes on to
        // look), so that an ACL stops after the last one instead of asking again.
        let mut e = elements(headers, name, full).skip(it.pos);
        let v = e.next();
        it.pos += 1;
        it.more = v.is_some() && e.next().is_some();
        return v;
    }
    it.more = false;
    if occ > 0 {
        return elements(headers, name, full).nth(usize::try_from(occ - 1).ok()?);
    }
    if -occ > MAX_BACK {
        return None;
    }
    let total = elements(headers, name, full).count() as i64;
    let idx = total + occ;
    if idx < 0 {
        return None;
    }
    elements(headers, name, full).nth(idx as usize)
}

/// How many elements the fields named `name` hold (`hdr_cnt`, `fhdr_cnt`).
pub(crate) fn count(headers: Fields<'_>, name: &[u8], full: bool) -> usize {
    let n = headers
        .iter()
        .filter(|(n, _)| name.is_empty() || n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| Split {
            rest: Some(v),
            full,
        });
    n.count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(fields: &[(&str, &str)]) -> Headers {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.append(n.as_bytes(), v.as_bytes());
        }
        h
    }

    fn all<'h>(h: &'h Headers, name: &'h str, full: bool) -> Vec<&'h str> {
        elements(Fields::of(h), name.as_bytes(), full)
            .map(|v| std::str::from_utf8(v).unwrap_or("?"))
            .collect()
    }

    #[test]
    fn values_split_on_commas_outside_quotes_with_trailing_empty_element() {
        let h = heads(&[("X", " a , \"b,c\" ,d"), ("y", "z"), ("x", "e,")]);
        assert_eq!(all(&h, "x", false), ["a", "\"b,c\"", "d", "e", ""]);
        assert_eq!(all(&h, "x", true), ["a , \"b,c\" ,d", "e,"]);
        assert_eq!(all(&h, "", true).len(), 3);
        assert_eq!(count(Fields::of(&h), b"X", false), 5);
    }

    #[test]
    fn occurrences_count_from_either_end() {
        let h = heads(&[("x", "1,2"), ("x", "3")]);
        let mut one = Iter::single();
        assert_eq!(
            fetch(Fields::of(&h), b"x", false, 0, &mut one),
            Some(&b"3"[..])
        );
        assert_eq!(
            fetch(Fields::of(&h), b"x", false, 1, &mut one),
            Some(&b"1"[..])
        );
        assert_eq!(
            fetch(Fields::of(&h), b"x", false, -2, &mut one),
            Some(&b"2"[..])
        );
        assert_eq!(fetch(Fields::of(&h), b"x", false, -4, &mut one), None);
        assert_eq!(fetch(Fields::of(&h), b"x", false, 4, &mut one), None);
        assert_eq!(
            fetch(Fields::of(&h), b"x", true, -1, &mut one),
            Some(&b"3"[..])
        );
        let mut it = Iter::all();
        let mut seen = Vec::new();
        while let Some(v) = fetch(Fields::of(&h), b"x", false, 0, &mut it) {
            seen.push(v);
        }
        assert_eq!(seen, [&b"1"[..], b"2", b"3"]);
        assert!(!it.more);
    }
}
