//! The compatibility matrix: every keyword of every table with its status, rendered as
//! `docs/compat.md` (STUB).

/// Renders docs/compat.md.
pub fn render_markdown() -> String {
    String::new()
}
