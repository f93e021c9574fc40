//! Proxy sections: `defaults`, `frontend`, `backend`, `listen` (STUB; manual section 4).

use crate::LowerCx;
use rampart_config::Section;

/// One frontend, backend or listen section, with its defaults applied.
#[derive(Debug)]
pub struct Proxy {}

/// Walks proxy sections in order, tracking the `defaults` in force.
#[derive(Debug, Default)]
pub struct ProxiesBuilder {}

pub fn lower_section(_b: &mut ProxiesBuilder, _s: &Section, _cx: &mut LowerCx<'_>) {}

impl ProxiesBuilder {
    pub fn finish(self, _cx: &mut LowerCx<'_>) -> Vec<Proxy> {
        Vec::new()
    }
}

/// Every keyword table of this module, for docs/compat.md.
pub fn tables() -> Vec<crate::kw::TableInfo> {
    Vec::new()
}
