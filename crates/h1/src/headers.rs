//! The header list of one message, HAProxy-style: fields kept in arrival order,
//! names in lower case (HAProxy 2.x stores and emits lower-case names), values
//! trimmed of surrounding white space. All bytes live in one buffer owned by the
//! list and entries are ranges into it, so a list is cleared and refilled for
//! every message without allocating once its buffers have grown. Edits follow
//! HAProxy's `http-request set-header`/`add-header`/`del-header`: appended fields
//! go after the existing ones, `set` removes every occurrence then appends.

/// A byte range into a head's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            len: end.saturating_sub(start) as u32,
        }
    }
    pub fn end(self) -> usize {
        self.start as usize + self.len as usize
    }
    pub fn get(self, buf: &[u8]) -> &[u8] {
        buf.get(self.start as usize..self.end()).unwrap_or_default()
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    name: Span,
    value: Span,
}

/// An ordered list of header fields backed by one reusable byte buffer.
#[derive(Clone, Debug, Default)]
pub struct Headers {
    pub(crate) buf: Vec<u8>,
    entries: Vec<Entry>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Forgets every field (and every other byte of the head), keeping capacity.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.entries.clear();
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `i`-th field as (lower-case name, value).
    pub fn get_index(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let e = self.entries.get(i)?;
        Some((e.name.get(&self.buf), e.value.get(&self.buf)))
    }

    /// The value of the first field named `name` (compared case-insensitively).
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every value of the fields named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// True when a field named `name` exists.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    /// Every field as (lower-case name, value), in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.entries
            .iter()
            .map(|e| (e.name.get(&self.buf), e.value.get(&self.buf)))
    }

    /// Removes every field named `name`; returns how many were removed.
    pub fn remove(&mut self, name: &[u8]) -> usize {
        let before = self.entries.len();
        let buf = &self.buf;
        self.entries
            .retain(|e| !e.name.get(buf).eq_ignore_ascii_case(name));
        before - self.entries.len()
    }

    /// Removes the `i`-th field.
    pub fn remove_index(&mut self, i: usize) {
        if i < self.entries.len() {
            self.entries.remove(i);
        }
    }

    /// Appends a field after the existing ones; the name is stored in lower case.
    pub fn append(&mut self, name: &[u8], value: &[u8]) {
        let ns = self.buf.len();
        self.buf.extend(name.iter().map(u8::to_ascii_lowercase));
        let vs = self.buf.len();
        self.buf.extend_from_slice(value);
        let ve = self.buf.len();
        self.entries.push(Entry {
            name: Span::new(ns, vs),
            value: Span::new(vs, ve),
        });
    }

    /// Replaces every field named `name` by one field appended at the end.
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        self.remove(name);
        self.append(name, value);
    }

    /// Replaces the value of the `i`-th field in place of its position.
    pub fn set_value_index(&mut self, i: usize, value: &[u8]) {
        let vs = self.buf.len();
        self.buf.extend_from_slice(value);
        let ve = self.buf.len();
        if let Some(e) = self.entries.get_mut(i) {
            e.value = Span::new(vs, ve);
        }
    }

    // ---- parser side -------------------------------------------------------

    /// Appends raw bytes to the buffer, returning their span.
    pub(crate) fn push_bytes(&mut self, bytes: &[u8]) -> Span {
        let s = self.buf.len();
        self.buf.extend_from_slice(bytes);
        Span::new(s, self.buf.len())
    }

    /// Appends copies of the buffer's ranges `parts` one after the other, returning the
    /// span of the whole.
    pub(crate) fn push_ranges(&mut self, parts: &[(usize, usize)]) -> Span {
        let s = self.buf.len();
        for &(a, b) in parts {
            if a <= b && b <= s {
                self.buf.extend_from_within(a..b);
            }
        }
        Span::new(s, self.buf.len())
    }

    /// Points the value of every field named `name` (case-insensitively) at `value`, a
    /// span of the buffer.
    pub(crate) fn set_value_span_all(&mut self, name: &[u8], value: Span) {
        for e in &mut self.entries {
            if e.name.get(&self.buf).eq_ignore_ascii_case(name) {
                e.value = value;
            }
        }
    }

    pub(crate) fn push_entry(&mut self, name: Span, value: Span) {
        self.entries.push(Entry { name, value });
    }

    pub(crate) fn bytes(&self, s: Span) -> &[u8] {
        s.get(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit() {
        let mut h = Headers::new();
        h.append(b"Host", b"a");
        h.append(b"X-A", b"1");
        h.append(b"x-a", b"2");
        assert_eq!(h.get(b"X-a"), Some(&b"1"[..]));
        assert_eq!(h.get_all(b"x-a").count(), 2);
        h.set(b"host", b"b");
        let names: Vec<&[u8]> = h.iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec![&b"x-a"[..], b"x-a", b"host"]);
        assert_eq!(h.remove(b"X-A"), 2);
        assert_eq!(h.len(), 1);
        h.set_value_index(0, b"c");
        assert_eq!(h.get_index(0), Some((&b"host"[..], &b"c"[..])));
        h.clear();
        assert!(h.is_empty());
    }
}
