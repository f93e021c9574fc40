//! The `global` section (STUB; manual section 3).

use crate::LowerCx;
use rampart_config::Section;
use std::path::{Path, PathBuf};

/// Process-wide settings.
#[derive(Debug, Default)]
pub struct Global {}

/// Accumulates every `global` section (they merge, as in HAProxy).
#[derive(Debug, Default)]
pub struct GlobalBuilder {}

/// `default-path current|config|parent|origin <path>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DefaultPath {
    #[default]
    Current,
    Config,
    Parent,
    Origin(PathBuf),
}

impl DefaultPath {
    /// The directory relative paths resolve against for a line of `file`.
    pub fn base_dir(&self, file: &Path, cwd: &Path) -> PathBuf {
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        match self {
            DefaultPath::Current => cwd.to_path_buf(),
            DefaultPath::Config => cwd.join(dir),
            DefaultPath::Parent => cwd.join(dir).join(".."),
            DefaultPath::Origin(p) => cwd.join(p),
        }
    }
}

pub fn lower_section(_b: &mut GlobalBuilder, _s: &Section, _cx: &mut LowerCx<'_>) {}

impl GlobalBuilder {
    pub fn finish(self, _cx: &mut LowerCx<'_>) -> Global {
        Global {}
    }
}

/// Every keyword table of this module, for docs/compat.md.
pub fn tables() -> Vec<crate::kw::TableInfo> {
    Vec::new()
}
