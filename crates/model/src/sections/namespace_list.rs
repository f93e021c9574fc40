//! `namespace_list` (undocumented, registered by HAProxy 2.6 when built with network
//! namespace support): `namespace <name>...` lines pre-open `/var/run/netns/<name>` for
//! `namespace` options on `bind` and `server` lines. Not supported yet. HAProxy silently
//! ignores any other word in this section; Rampart reports it as unknown.

use rampart_config::Section;

use super::{lower_lines, OthersBuilder, Unknown};
use crate::kw::Keyword;
use crate::LowerCx;

/// Keywords of the `namespace_list` section.
pub static TABLE: &[Keyword<()>] = &[Keyword::not_yet("namespace")];

/// Lowers the `namespace_list` section.
pub(crate) fn lower(_b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    lower_lines(TABLE, &mut (), s, cx, Unknown::Spaced("namespace_list"));
}
