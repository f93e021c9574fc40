//! Files → sections (STUB: no `.if` handling, no directories; to be replaced by the full
//! reader following HAProxy's `readcfgfile`).

use crate::ast::{Config, Line, Modifier, Section, SectionKind};
use crate::diag::Diagnostics;
use crate::env::Env;
use crate::lexer::{split_line, LineCtx};
use crate::source::Span;

/// Accumulates sections across every file of one load.
pub struct Reader<'e> {
    env: &'e mut Env,
    config: Config,
    diags: Diagnostics,
}

impl<'e> Reader<'e> {
    pub fn new(env: &'e mut Env) -> Self {
        Self { env, config: Config::default(), diags: Diagnostics::new() }
    }

    /// Reads a file, or every `.cfg` file of a directory in lexical order.
    pub fn read_path(&mut self, path: &str) {
        match std::fs::read(path) {
            Ok(bytes) => self.read_bytes(path, &bytes),
            Err(e) => self.diags.alert(
                None,
                format!("Cannot open configuration file/directory {path} : {}", io_reason(&e)),
            ),
        }
    }

    /// Reads configuration text under the given file name.
    pub fn read_bytes(&mut self, name: &str, bytes: &[u8]) {
        let file = self.config.sources.add(name);
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let span = Span { file, line: lineno };
            let ctx = LineCtx { env: self.env, file: name, line: lineno, section: "" };
            let words = match split_line(raw, &ctx) {
                Ok(w) => w,
                Err(e) => {
                    self.diags.alert(Some(span), format!("{:?} at position {}", e.kind, e.pos + 1));
                    continue;
                }
            };
            if words.is_empty() {
                continue;
            }
            let line = Line { span, modifier: Modifier::None, words };
            if let Some(kind) = SectionKind::from_keyword(line.keyword()) {
                self.config.sections.push(Section { kind, header: line, lines: Vec::new() });
            } else if let Some(sec) = self.config.sections.last_mut() {
                sec.lines.push(line);
            } else {
                self.diags.alert(
                    Some(span),
                    format!("unknown keyword '{}' out of section.", line.keyword()),
                );
            }
        }
    }

    pub fn finish(self) -> (Config, Diagnostics) {
        (self.config, self.diags)
    }
}

/// strerror-like text for an I/O error, as HAProxy prints it.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}
