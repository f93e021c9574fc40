//! Source positions: every configuration file read gets a [`FileId`]; a [`Span`] names a
//! file and a 1-based line, which is all HAProxy ever reports (`parsing [file:line]`).

use std::fmt;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A position in the configuration: file and 1-based line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
}

/// The files of one configuration load, by the name they were given (as HAProxy prints them).
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    names: Vec<String>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file name and returns its id.
    pub fn add(&mut self, name: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.names.push(name.into());
        id
    }

    /// The name of a file, as given on the command line or found in a directory.
    pub fn name(&self, id: FileId) -> &str {
        self.names.get(id.0 as usize).map_or("?", String::as_str)
    }

    /// All file names in load order (the value of `HAPROXY_CFGFILES`, joined by `;`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Renders a span as `file:line`.
    pub fn display(&self, span: Span) -> SpanDisplay<'_> {
        SpanDisplay { map: self, span }
    }
}

/// `file:line`, borrowed from a [`SourceMap`].
pub struct SpanDisplay<'a> {
    map: &'a SourceMap,
    span: Span,
}

impl fmt::Display for SpanDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.map.name(self.span.file), self.span.line)
    }
}
