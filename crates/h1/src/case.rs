//! `h1-case-adjust <from> <to>` / `h1-case-adjust-file` (configuration manual,
//! section 3.2): a map from lower-case header names to the spelling sent to bogus
//! HTTP/1 peers, applied on output when `option h1-case-adjust-bogus-client` or
//! `-server` is enabled for that side (HAProxy's `h1_adjust_case_outgoing_hdr`).

use std::collections::HashMap;
use std::fmt;

/// Header-name case adjustments, keyed by lower-case name.
#[derive(Clone, Debug, Default)]
pub struct CaseMap {
    map: HashMap<Box<[u8]>, Box<[u8]>>,
}

/// Why an `h1-case-adjust` pair was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseMapError {
    /// `<from>` is not in lower case.
    NotLowerCase,
    /// `<from>` and `<to>` differ by more than their case.
    Mismatch,
    /// `<from>` was already defined.
    Duplicate,
}

impl fmt::Display for CaseMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaseMapError::NotLowerCase => "header name must be in lower case",
            CaseMapError::Mismatch => "header names must differ only by their case",
            CaseMapError::Duplicate => "duplicate header name",
        })
    }
}

impl std::error::Error for CaseMapError {}

impl CaseMap {
    /// An empty map.
    pub fn new() -> CaseMap {
        CaseMap::default()
    }

    /// Adds `from` → `to` with the manual's rules.
    pub fn insert(&mut self, from: &[u8], to: &[u8]) -> Result<(), CaseMapError> {
        if from.iter().any(u8::is_ascii_uppercase) {
            return Err(CaseMapError::NotLowerCase);
        }
        if !from.eq_ignore_ascii_case(to) {
            return Err(CaseMapError::Mismatch);
        }
        if self.map.contains_key(from) {
            return Err(CaseMapError::Duplicate);
        }
        self.map.insert(from.into(), to.into());
        Ok(())
    }

    /// The spelling to send for `name` (given in lower case), or `name` itself.
    pub fn adjust<'a>(&'a self, name: &'a [u8]) -> &'a [u8] {
        self.map.get(name).map_or(name, |v| v)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let mut m = CaseMap::new();
        assert_eq!(m.insert(b"content-length", b"Content-Length"), Ok(()));
        assert_eq!(m.insert(b"Host", b"HOST"), Err(CaseMapError::NotLowerCase));
        assert_eq!(m.insert(b"host", b"Hast"), Err(CaseMapError::Mismatch));
        assert_eq!(
            m.insert(b"content-length", b"CONTENT-LENGTH"),
            Err(CaseMapError::Duplicate)
        );
        assert_eq!(m.adjust(b"content-length"), b"Content-Length");
        assert_eq!(m.adjust(b"host"), b"host");
    }
}
