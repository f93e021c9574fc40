//! Global HTTP/1 settings (configuration manual 3.1): `h1-case-adjust <from> <to>` and
//! `h1-case-adjust-file <file>`, the header-name spellings sent to peers that need them
//! (applied with `option h1-case-adjust-bogus-client` / `-server`).
//!
//! The pairs are checked with the codec's own rules ([`rampart_h1::CaseMap`]). The file
//! is read after the whole configuration was checked, as HAProxy's post-parser does, so
//! its entries come after the keywords' and its errors are reported without a line of
//! the configuration.

use super::args::Args;
use super::{Global, GlobalBuilder};
use crate::kw::Cx;
use crate::LowerCx;
use rampart_config::{Diagnostic, Form, Phase};
use rampart_h1::CaseMap;

/// `h1-case-adjust <from> <to>`.
pub fn parse_case_adjust(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(2)?;
    let (from, to) = (a.get(1), a.get(2));
    if from.is_empty() || to.is_empty() {
        return Err(format!("'{}' expects <from> and <to> as argument.", a.kw()));
    }
    b.case_map
        .insert(from.as_bytes(), to.as_bytes())
        .map_err(|e| e.to_string())?;
    b.g.h1_case_adjust.push((from.to_string(), to.to_string()));
    Ok(())
}

/// `h1-case-adjust-file <file>` (the last one wins; read by [`load_case_adjust_file`]).
pub fn parse_case_adjust_file(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(1)?;
    if a.empty(1) {
        return Err(format!("'{}' expects <file> as argument.", a.kw()));
    }
    b.g.h1_case_adjust_file = Some(a.get(1).to_string());
    Ok(())
}

/// Reads the `h1-case-adjust-file` (relative names from the start-up directory): one
/// `<from> <to>` pair per line, blank lines and `#` comments skipped, spaces and tabs
/// around the words ignored. The first bad line stops the reading with a fatal alert.
pub fn load_case_adjust_file(g: &mut Global, cx: &mut LowerCx<'_>) {
    let Some(name) = g.h1_case_adjust_file.clone() else {
        return;
    };
    let alert = |cx: &mut LowerCx<'_>, msg: String| {
        cx.diags.push(
            Diagnostic::alert(None, msg)
                .form(Form::Bare)
                .phase(Phase::Check),
        );
    };
    let Ok(bytes) = std::fs::read(cx.opts.cwd.join(&name)) else {
        alert(
            cx,
            format!("h1-headers-case-adjust-file '{name}': failed to open file."),
        );
        return;
    };
    let mut map = CaseMap::new();
    for (from, to) in &g.h1_case_adjust {
        // Already checked when parsed.
        let _ = map.insert(from.as_bytes(), to.as_bytes());
    }
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = trim_start(line);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let end = line
            .iter()
            .position(|&b| b == b' ' || b == b'\t' || b == b'\r')
            .unwrap_or(line.len());
        let from = &line[..end];
        let to = trim_end(trim_start(&line[end..]));
        // HAProxy reads C strings: the value stops at a CR.
        let to = to.split(|&b| b == b'\r').next().unwrap_or(to);
        if let Err(e) = map.insert(from, to) {
            alert(
                cx,
                format!(
                    "h1-headers-case-adjust-file '{name}' : {e} at line {}.",
                    i + 1
                ),
            );
            return;
        }
        g.h1_case_adjust.push((
            String::from_utf8_lossy(from).into_owned(),
            String::from_utf8_lossy(to).into_owned(),
        ));
    }
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    &b[n..]
}

fn trim_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rev()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    &b[..b.len() - n]
}
