//! `h1-case-adjust <from> <to>` / `h1-case-adjust-file` (configuration manual,
//! section 3.2): a map from lower-case header names to the spelling sent to bogus
//! HTTP/1 peers, applied on output when `option h1-case-adjust-bogus-client` or
//! `-server` is enabled for that side (HAProxy's `h1_adjust_case_outgoing_hdr`).

use std::collections::HashMap;
use std::fmt;

/// Header-name case adjustments, keyed by lower-case name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseMap {
    map: HashMap<Box<[u8]>, Box<[u8]>>,
}

/// Why an `h1-case-adjust` pair was refused (HAProxy's `add_hdr_case_adjust`; the
/// messages are its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseMapError {
    /// `<to>` is empty.
    MissingTo,
    /// `<from>` and `<to>` differ by more than their case.
    Mismatch,
    /// `<from>` was already defined.
    Duplicate(String),
}

impl fmt::Display for CaseMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseMapError::MissingTo => f.write_str("expect <to>"),
            // Sic: HAProxy 2.6's wording.
            CaseMapError::Mismatch => {
                f.write_str("<from> and <to> must not differ execpt the case")
            }
            CaseMapError::Duplicate(n) => write!(f, "duplicate entry '{n}'"),
        }
    }
}

impl std::error::Error for CaseMapError {}

impl CaseMap {
    /// An empty map.
    pub fn new() -> CaseMap {
        CaseMap::default()
    }

    /// Adds `from` → `to` with HAProxy's rules. Names go out in lower case, so a
    /// `from` with capitals is accepted but never applies, as in HAProxy.
    pub fn insert(&mut self, from: &[u8], to: &[u8]) -> Result<(), CaseMapError> {
        if to.is_empty() {
            return Err(CaseMapError::MissingTo);
        }
        if !from.eq_ignore_ascii_case(to) {
            return Err(CaseMapError::Mismatch);
        }
        if self.map.contains_key(from) {
            return Err(CaseMapError::Duplicate(
                String::from_utf8_lossy(from).into_owned(),
            ));
        }
        self.map.insert(from.into(), to.into());
        Ok(())
    }

    /// The spelling to send for `name` (given in lower case), or `name` itself.
    pub fn adjust<'a>(&'a self, name: &'a [u8]) -> &'a [u8] {
        self.map.get(name).map_or(name, |v| v)
    }

    /// The spelling configured for `name` (given in lower case), if any.
    pub fn get<'a>(&'a self, name: &[u8]) -> Option<&'a [u8]> {
        self.map.get(name).map(|v| &**v)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when the map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Appends a header name as HAProxy's H1 layer writes it: in lower case, or with the
/// spelling `case` gives it.
pub fn push_header_name(out: &mut Vec<u8>, name: &[u8], case: Option<&CaseMap>) {
    let start = out.len();
    out.extend(name.iter().map(u8::to_ascii_lowercase));
    if let Some(to) = case.and_then(|c| c.get(&out[start..])) {
        out.truncate(start);
        out.extend_from_slice(to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let mut m = CaseMap::new();
        assert_eq!(m.insert(b"content-length", b"Content-Length"), Ok(()));
        assert_eq!(m.insert(b"host", b"Hast"), Err(CaseMapError::Mismatch));
        assert_eq!(m.insert(b"host", b""), Err(CaseMapError::MissingTo));
        assert_eq!(
            m.insert(b"content-length", b"CONTENT-LENGTH"),
            Err(CaseMapError::Duplicate("content-length".into()))
        );
        // Accepted, but outgoing names are lower case: it never applies.
        assert_eq!(m.insert(b"Host", b"HOST"), Ok(()));
        assert_eq!(m.adjust(b"content-length"), b"Content-Length");
        assert_eq!(m.adjust(b"host"), b"host");
        let mut out = Vec::new();
        push_header_name(&mut out, b"Content-LENGTH", Some(&m));
        push_header_name(&mut out, b"X-Other", Some(&m));
        push_header_name(&mut out, b"Host", None);
        assert_eq!(out, b"Content-Lengthx-otherhost");
        assert_eq!(
            CaseMapError::Mismatch.to_string(),
            "<from> and <to> must not differ execpt the case"
        );
    }
}
