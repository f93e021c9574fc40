//! The syntax tree: a configuration is an ordered list of sections, each a header line and
//! the lines under it, after `.if` blocks were applied and words were unquoted and expanded.
//! Nothing here knows what a keyword means.

use crate::source::{SourceMap, Span};

/// Every section keyword HAProxy 2.6 registers for the main configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKind {
    Global,
    Defaults,
    Frontend,
    Backend,
    Listen,
    Resolvers,
    Peers,
    Userlist,
    HttpErrors,
    Cache,
    Ring,
    Mailers,
    Program,
    LogForward,
    FcgiApp,
    /// `namespace_list`: obsolete since 1.6, still registered by 2.6.
    NamespaceList,
}

impl SectionKind {
    /// All kinds, in the order the manual presents them.
    pub const ALL: [SectionKind; 16] = [
        SectionKind::Global,
        SectionKind::Defaults,
        SectionKind::Frontend,
        SectionKind::Backend,
        SectionKind::Listen,
        SectionKind::Resolvers,
        SectionKind::Peers,
        SectionKind::Userlist,
        SectionKind::HttpErrors,
        SectionKind::Cache,
        SectionKind::Ring,
        SectionKind::Mailers,
        SectionKind::Program,
        SectionKind::LogForward,
        SectionKind::FcgiApp,
        SectionKind::NamespaceList,
    ];

    /// The keyword that opens this section.
    pub fn keyword(self) -> &'static str {
        match self {
            SectionKind::Global => "global",
            SectionKind::Defaults => "defaults",
            SectionKind::Frontend => "frontend",
            SectionKind::Backend => "backend",
            SectionKind::Listen => "listen",
            SectionKind::Resolvers => "resolvers",
            SectionKind::Peers => "peers",
            SectionKind::Userlist => "userlist",
            SectionKind::HttpErrors => "http-errors",
            SectionKind::Cache => "cache",
            SectionKind::Ring => "ring",
            SectionKind::Mailers => "mailers",
            SectionKind::Program => "program",
            SectionKind::LogForward => "log-forward",
            SectionKind::FcgiApp => "fcgi-app",
            SectionKind::NamespaceList => "namespace_list",
        }
    }

    /// The section kind a header keyword opens, if it is one.
    pub fn from_keyword(word: &str) -> Option<SectionKind> {
        SectionKind::ALL.into_iter().find(|k| k.keyword() == word)
    }

    /// True for the four proxy sections sharing the proxy keyword table.
    pub fn is_proxy(self) -> bool {
        matches!(
            self,
            SectionKind::Defaults
                | SectionKind::Frontend
                | SectionKind::Backend
                | SectionKind::Listen
        )
    }
}

/// HAProxy's keyword modifiers: `no option foo`, `default option foo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Modifier {
    #[default]
    None,
    No,
    Default,
}

/// One configuration line, already tokenized: `words[0]` is the keyword (after a `no` or
/// `default` prefix was moved into `modifier`), the rest are its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub span: Span,
    pub modifier: Modifier,
    pub words: Vec<String>,
}

impl Line {
    /// The keyword (first word). Lines are never empty.
    pub fn keyword(&self) -> &str {
        self.words.first().map_or("", String::as_str)
    }
    /// The arguments after the keyword.
    pub fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }
}

/// A section: its header line (`frontend www from base` → words `["frontend","www","from","base"]`)
/// and the lines under it, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub kind: SectionKind,
    pub header: Line,
    pub lines: Vec<Line>,
}

impl Section {
    /// The section name (second header word), if any.
    pub fn name(&self) -> Option<&str> {
        self.header.words.get(1).map(String::as_str)
    }
}

/// A whole configuration: every file read, in order, as one list of sections (sections of
/// the same kind are NOT merged here; the model merges `global`s as HAProxy does).
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub sources: SourceMap,
    pub sections: Vec<Section>,
}
