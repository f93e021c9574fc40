//! The compatibility matrix: every keyword of every table with its status, rendered as
//! `docs/compat.md`. The tables of [`crate::global`], [`crate::proxy`] and
//! [`crate::sections`] are the only input, so the document cannot drift from what
//! `rampart -c` does; `crates/rampart/tests/compat_doc.rs` fails when the committed file is
//! stale and rewrites it with `RAMPART_BLESS=1`.

use crate::kw::{Support, TableInfo};
use crate::{global, proxy, sections};
use rampart_core::version::HAPROXY_VERSION;
use std::fmt::Write;

/// Every status in the order the document presents them.
const STATUSES: [Support; 4] = [
    Support::Supported,
    Support::NotYet,
    Support::Tuning,
    Support::Rejected,
];

/// The name of a status as the document shows it.
pub fn status_label(s: Support) -> &'static str {
    match s {
        Support::Supported => "supported",
        Support::NotYet => "not supported yet",
        Support::Tuning => "tuning, warns",
        Support::Rejected => "rejected",
    }
}

/// What a status means for a configuration using the keyword.
fn status_meaning(s: Support) -> &'static str {
    match s {
        Support::Supported => "implemented: parsed, checked and applied as HAProxy does",
        Support::NotYet => {
            "part of HAProxy 2.6 but not implemented yet: `rampart -c` fails with \
             \"'keyword' is not supported yet\""
        }
        Support::Tuning => {
            "a tuning knob with no meaning for Rampart: accepted with a warning, no effect"
        }
        Support::Rejected => {
            "refused for good: a fatal error gives the reason and what to use instead"
        }
    }
}

/// Every table, in the order the document lists them.
pub fn all_tables() -> Vec<TableInfo> {
    let mut tables = global::tables();
    tables.extend(proxy::tables());
    tables.extend(sections::tables());
    tables
}

/// Renders docs/compat.md.
pub fn render_markdown() -> String {
    render(&all_tables())
}

/// Counts per status, in [`STATUSES`] order.
fn counts<'a>(keywords: impl IntoIterator<Item = &'a (&'static str, Support)>) -> [usize; 4] {
    let mut n = [0; 4];
    for (_, s) in keywords {
        if let Some(i) = STATUSES.iter().position(|x| x == s) {
            n[i] += 1;
        }
    }
    n
}

/// Renders the matrix for the given tables.
fn render(tables: &[TableInfo]) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail; the results are ignored.
    let _ = writeln!(out, "# HAProxy {HAPROXY_VERSION} compatibility matrix\n");
    out.push_str(
        "<!-- Generated from the keyword tables of crates/model by \
         rampart_model::catalog::render_markdown(); do not edit.\n     \
         Regenerate with: RAMPART_BLESS=1 cargo test -p rampart --test compat_doc -->\n\n",
    );
    out.push_str(
        "Every configuration keyword Rampart knows, per keyword table, with what Rampart does \
         with it. A keyword that appears in no table is unknown: `rampart -c` reports it like \
         HAProxy reports a typo, with a suggestion when one is close.\n\n",
    );
    out.push_str("| status | meaning |\n|---|---|\n");
    for s in STATUSES {
        let _ = writeln!(out, "| {} | {} |", status_label(s), status_meaning(s));
    }

    let total = counts(tables.iter().flat_map(|t| t.keywords.iter()));
    out.push_str("\n## Summary\n\n");
    let _ = writeln!(
        out,
        "{} keywords in {} tables.\n",
        total.iter().sum::<usize>(),
        tables.len()
    );
    out.push_str("| status | keywords |\n|---|---:|\n");
    for (s, n) in STATUSES.iter().zip(total) {
        let _ = writeln!(out, "| {} | {n} |", status_label(*s));
    }
    out.push_str("\nPer table:\n\n");
    out.push_str("| table | manual | keywords |");
    for s in STATUSES {
        let _ = write!(out, " {} |", status_label(s));
    }
    out.push_str("\n|---|---|---:|---:|---:|---:|---:|\n");
    for t in tables {
        let n = counts(&t.keywords);
        let _ = write!(
            out,
            "| {} | {} | {} |",
            cell(t.title),
            cell(t.manual),
            t.keywords.len()
        );
        for v in n {
            let _ = write!(out, " {v} |");
        }
        out.push('\n');
    }
    let _ = write!(out, "| **total** | | {} |", total.iter().sum::<usize>());
    for v in total {
        let _ = write!(out, " {v} |");
    }
    out.push('\n');

    for t in tables {
        match t.manual {
            "" | "-" => {
                let _ = writeln!(out, "\n## {}\n", t.title);
            }
            manual => {
                let _ = writeln!(out, "\n## {} (manual section {manual})\n", t.title);
            }
        }
        if t.keywords.is_empty() {
            out.push_str("No keyword in this table yet.\n");
            continue;
        }
        out.push_str("| keyword | status |\n|---|---|\n");
        for (name, s) in &t.keywords {
            let _ = writeln!(out, "| `{}` | {} |", cell(name), status_label(*s));
        }
    }
    if tables.is_empty() {
        out.push_str("\nNo keyword table is registered yet.\n");
    }
    out
}

/// Escapes the one character that would break a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_tables() {
        let tables = vec![
            TableInfo {
                title: "global",
                manual: "3",
                keywords: vec![
                    ("daemon", Support::Supported),
                    ("nbproc", Support::Rejected),
                    ("tune.bufsize", Support::Tuning),
                ],
            },
            TableInfo {
                title: "proxy: option",
                manual: "4.2",
                keywords: vec![("httplog", Support::Supported), ("a|b", Support::NotYet)],
            },
        ];
        let md = render(&tables);
        assert!(md.starts_with("# HAProxy 2.6"));
        assert!(md.contains("5 keywords in 2 tables.\n"));
        assert!(md.contains("| supported | 2 |\n| not supported yet | 1 |\n| tuning, warns | 1 |\n| rejected | 1 |\n"));
        assert!(md.contains("| global | 3 | 3 | 1 | 0 | 1 | 1 |\n"));
        assert!(md.contains("| **total** | | 5 | 2 | 1 | 1 | 1 |\n"));
        assert!(md.contains("## proxy: option (manual section 4.2)\n"));
        assert!(md.contains("| `nbproc` | rejected |\n"));
        assert!(md.contains("| `a\\|b` | not supported yet |\n"));
        assert_eq!(md, render(&tables), "rendering is deterministic");
    }

    #[test]
    fn renders_without_tables() {
        let md = render(&[]);
        assert!(md.contains("0 keywords in 0 tables"));
        assert!(md.ends_with("No keyword table is registered yet.\n"));
    }
}
