//! Typed statistics values (management guide 9.1 "typed output format"): a value with
//! its type and HAProxy's three tags (origin, nature, scope), and the writers that turn
//! lists of them into `show info` / `show stat` text, typed lines or JSON. The stats
//! page and the Prometheus exporter render the same lists.

use std::fmt::Write;

/// A value's type as HAProxy prints it (`s32`, `u32`, `u64`, `str`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    S32,
    S64,
    U32,
    U64,
    Flt,
    Str,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::S32 => "s32",
            Ty::S64 => "s64",
            Ty::U32 => "u32",
            Ty::U64 => "u64",
            Ty::Flt => "flt",
            Ty::Str => "str",
        }
    }
}

/// The three tag letters of the typed format, e.g. `MCP` (metric, counter, process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tags(pub [u8; 3]);

/// Tags from their three letters.
pub const fn t(b: &[u8; 3]) -> Tags {
    Tags(*b)
}

impl Tags {
    fn origin(self) -> &'static str {
        match self.0[0] {
            b'M' => "Metric",
            b'S' => "Status",
            b'K' => "Key",
            b'C' => "Config",
            b'P' => "Product",
            _ => "Unknown",
        }
    }

    fn nature(self) -> &'static str {
        match self.0[1] {
            b'A' => "Age",
            b'a' => "Avg",
            b'C' => "Counter",
            b'D' => "Duration",
            b'G' => "Gauge",
            b'L' => "Limit",
            b'M' => "Max",
            b'm' => "Min",
            b'N' => "Name",
            b'O' => "Output",
            b'R' => "Rate",
            b'T' => "Time",
            _ => "Unknown",
        }
    }

    fn scope(self) -> &'static str {
        match self.0[2] {
            b'P' => "Process",
            b'S' => "Service",
            b's' => "System",
            b'C' => "Cluster",
            _ => "Unknown",
        }
    }
}

/// A field's value (`Empty`: HAProxy leaves it empty and typed/JSON outputs skip it).
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Empty,
    Int(i64),
    /// Borrowed when the text is a constant (states, statuses, modes): most fields of a
    /// scrape then cost no allocation.
    Str(std::borrow::Cow<'static, str>),
}

/// One field of an object: position, name, tags, type and value.
#[derive(Clone, Debug)]
pub struct Field {
    pub pos: usize,
    pub name: &'static str,
    pub tags: Tags,
    pub ty: Ty,
    pub val: Val,
}

impl Field {
    pub fn is_empty(&self) -> bool {
        self.val == Val::Empty
    }

    /// The value as the CSV and `show info` text print it.
    pub fn write_text(&self, out: &mut String) {
        match &self.val {
            Val::Empty => {}
            Val::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Str(s) => out.push_str(s),
        }
    }
}

/// Appends a CSV cell with HAProxy's quoting (`csv_enc`): a value holding a comma, a
/// quote, a line break or surrounding spaces is quoted, quotes doubled.
pub fn csv_cell(out: &mut String, s: &str) {
    let needs = s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ');
    if !needs {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Appends a JSON string literal with the escapes HAProxy's `json_enc` produces.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The `"field":...,"processNum":1,"tags":...,"value":...` members of one JSON item.
pub fn json_item_tail(out: &mut String, f: &Field) {
    let _ = write!(out, "\"field\":{{\"pos\":{},\"name\":", f.pos);
    json_str(out, f.name);
    let _ = write!(
        out,
        "}},\"processNum\":1,\"tags\":{{\"origin\":\"{}\",\"nature\":\"{}\",\"scope\":\"{}\"}},\"value\":{{\"type\":\"{}\",\"value\":",
        f.tags.origin(),
        f.tags.nature(),
        f.tags.scope(),
        f.ty.name()
    );
    match &f.val {
        Val::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Val::Str(s) => json_str(out, s),
        Val::Empty => out.push_str("null"),
    }
    out.push_str("}}");
}

/// The `ORIGIN NATURE SCOPE:type:value` tail of a typed line.
pub fn typed_tail(out: &mut String, f: &Field) {
    let _ = write!(
        out,
        ":{}:{}:",
        std::str::from_utf8(&f.tags.0).unwrap_or("???"),
        f.ty.name()
    );
    f.write_text(out);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let mut s = String::new();
        csv_cell(&mut s, "a,b");
        csv_cell(&mut s, "plain");
        csv_cell(&mut s, "say \"x\"");
        assert_eq!(s, "\"a,b\"plain\"say \"\"x\"\"\"");
    }

    #[test]
    fn json_item() {
        let f = Field {
            pos: 4,
            name: "scur",
            tags: t(b"MGP"),
            ty: Ty::U32,
            val: Val::Int(3),
        };
        let mut s = String::new();
        json_item_tail(&mut s, &f);
        assert_eq!(
            s,
            "\"field\":{\"pos\":4,\"name\":\"scur\"},\"processNum\":1,\"tags\":{\"origin\":\"Metric\",\"nature\":\"Gauge\",\"scope\":\"Process\"},\"value\":{\"type\":\"u32\",\"value\":3}}"
        );
        let mut s = String::new();
        typed_tail(&mut s, &f);
        assert_eq!(s, ":MGP:u32:3\n");
    }
}
