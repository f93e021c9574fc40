//! The other sections: resolvers, peers, userlist, http-errors, cache, ring, mailers,
//! program, log-forward, fcgi-app (STUB).

use crate::LowerCx;
use rampart_config::Section;

#[derive(Debug, Default)]
pub struct Others {}

#[derive(Debug, Default)]
pub struct OthersBuilder {}

pub fn lower_section(_b: &mut OthersBuilder, _s: &Section, _cx: &mut LowerCx<'_>) {}

impl OthersBuilder {
    pub fn finish(self, _cx: &mut LowerCx<'_>) -> Others {
        Others {}
    }
}

/// Every keyword table of this module, for docs/compat.md.
pub fn tables() -> Vec<crate::kw::TableInfo> {
    Vec::new()
}
