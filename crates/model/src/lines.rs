//! Where each keyword in force was written. Most Snapshot values are plain data without a
//! position; what runs after lowering and must name a line for such a value (the start-up
//! notes on settings the runtime does not apply yet, `rampart_proxy::gaps`) finds it here.
//!
//! The record is keyed by keyword and sub-keyword (`("option", "dontlognull")`,
//! `("timeout", "check")`, `("log-tag", "")`) and holds the last line that used the pair,
//! `no option ...` included. A proxy starts with its defaults section's record, as it
//! starts with its values, so an inherited setting names the line of the defaults section.
//! The typed value says whether a setting is in force; this record only says where.

use rampart_config::Span;
use std::collections::BTreeMap;

/// The last line of each keyword (and sub-keyword) of a section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeywordLines(BTreeMap<(&'static str, &'static str), Span>);

impl KeywordLines {
    /// Remembers `span` as the last line of `keyword` (`sub`: its sub-keyword, or "").
    pub fn record(&mut self, keyword: &'static str, sub: &'static str, span: Span) {
        self.0.insert((keyword, sub), span);
    }

    /// The last line of `keyword` / `sub`, if the section (or its defaults) had one.
    pub fn get(&self, keyword: &'static str, sub: &'static str) -> Option<Span> {
        self.0.get(&(keyword, sub)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_config::FileId;

    #[test]
    fn keeps_the_last_line_per_pair() {
        let at = |line| Span {
            file: FileId(0),
            line,
        };
        let mut l = KeywordLines::default();
        assert_eq!(l.get("option", "httplog"), None);
        l.record("option", "httplog", at(3));
        l.record("option", "dontlognull", at(4));
        l.record("option", "httplog", at(9));
        assert_eq!(l.get("option", "httplog"), Some(at(9)));
        assert_eq!(l.get("option", "dontlognull"), Some(at(4)));
        assert_eq!(l.get("option", ""), None);
    }
}
