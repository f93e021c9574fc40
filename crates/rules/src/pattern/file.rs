//! Pattern files as HAProxy reads them (`pat_ref_read_from_file` and
//! `pat_ref_read_from_file_smp`): one pattern per line, or a key and a value per line
//! for maps (and ACLs given `-M`).
//!
//! Reading the bytes is the caller's ([`FileSource`]): this crate performs no I/O of its
//! own; [`Disk`] is the implementation for configuration loading.

/// Where pattern files come from.
pub trait FileSource {
    /// The whole content of `path`, or HAProxy's message when it cannot be read.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// Files read from the file system, relative to the current directory as HAProxy opens
/// them (`fopen`), with its messages.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|_| format!("failed to open pattern file <{path}>"))?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).map_err(|e| {
            let mut why = e.to_string();
            if let Some(k) = why.find(" (os error") {
                why.truncate(k);
            }
            format!("error encountered while reading  <{path}> : {why}")
        })?;
        Ok(out)
    }
}

/// One line's entry: its pattern, its value (two-column files) and its line number.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub key: &'a [u8],
    pub value: Option<&'a [u8]>,
    pub line: u32,
}

/// The lines as `fgets` into a `bufsize` buffer returns them: a physical line longer
/// than `bufsize - 1` bytes comes back in several pieces, each counted as a line.
fn pieces(data: &[u8], bufsize: usize) -> impl Iterator<Item = &[u8]> {
    let max = bufsize.saturating_sub(1).max(1);
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let nl = rest
            .iter()
            .position(|&c| c == b'\n')
            .map_or(rest.len(), |k| k + 1);
        let n = nl.min(max);
        let (piece, tail) = rest.split_at(n);
        rest = tail;
        Some(piece)
    })
}

/// A C string's end: `fgets` data stops at a NUL for every later string function.
fn c_str(s: &[u8]) -> &[u8] {
    s.iter().position(|&c| c == 0).map_or(s, |k| &s[..k])
}

fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Parses a pattern file. A `#` in the first column makes a comment; leading blanks are
/// skipped; an empty line is ignored. One column: the pattern is the rest of the line
/// up to CR or LF (inner and trailing blanks kept). Two columns: the key is the first
/// word, the value what follows the blanks after it, without trailing blanks.
pub(crate) fn parse_lines(data: &[u8], two_columns: bool, bufsize: usize) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    for (n, piece) in pieces(data, bufsize).enumerate() {
        let line = (n + 1) as u32;
        let s = c_str(piece);
        if s.first() == Some(&b'#') {
            continue;
        }
        let start = s.iter().position(|&c| !blank(c)).unwrap_or(s.len());
        let s = &s[start..];
        let eol = |t: &[u8]| {
            t.iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .unwrap_or(t.len())
        };
        if !two_columns {
            let key = &s[..eol(s)];
            if !key.is_empty() {
                out.push(Line {
                    key,
                    value: None,
                    line,
                });
            }
            continue;
        }
        if matches!(s.first(), None | Some(b'\r' | b'\n')) {
            continue;
        }
        let kend = s
            .iter()
            .position(|&c| blank(c) || c == b'\n' || c == b'\r')
            .unwrap_or(s.len());
        let key = &s[..kend];
        let rest = &s[kend..];
        let vstart = rest.iter().position(|&c| !blank(c)).unwrap_or(rest.len());
        let rest = &rest[vstart..];
        let mut value = &rest[..eol(rest)];
        while let [head @ .., last] = value {
            if !blank(*last) {
                break;
            }
            value = head;
        }
        out.push(Line {
            key,
            value: Some(value),
            line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(data: &str) -> Vec<(String, u32)> {
        parse_lines(data.as_bytes(), false, 16384)
            .into_iter()
            .map(|l| (String::from_utf8_lossy(l.key).into_owned(), l.line))
            .collect()
    }

    fn two(data: &str) -> Vec<(String, String, u32)> {
        parse_lines(data.as_bytes(), true, 16384)
            .into_iter()
            .map(|l| {
                (
                    String::from_utf8_lossy(l.key).into_owned(),
                    String::from_utf8_lossy(l.value.unwrap_or_default()).into_owned(),
                    l.line,
                )
            })
            .collect()
    }

    #[test]
    fn one_column() {
        let got = one("# c\n  a b  \n\n \t\n #x\r\nlast");
        let want = [("a b  ", 2), ("#x", 5), ("last", 6)];
        assert_eq!(
            got,
            want.iter()
                .map(|(k, l)| (k.to_string(), *l))
                .collect::<Vec<_>>()
        );
        assert_eq!(one("a\rb\n"), vec![("a".to_string(), 1)]);
        assert_eq!(one("ab\0cd\n"), vec![("ab".to_string(), 1)]);
    }

    #[test]
    fn two_columns() {
        let got = two("#c\n  k1   v 1 \t\nk2\n\r\nk3\tv3\r\n");
        assert_eq!(
            got,
            vec![
                ("k1".into(), "v 1".into(), 2),
                ("k2".into(), "".into(), 3),
                ("k3".into(), "v3".into(), 5)
            ]
        );
    }

    #[test]
    fn long_lines_come_in_pieces() {
        let data = format!("{}\nb\n", "a".repeat(10));
        let got: Vec<_> = parse_lines(data.as_bytes(), false, 5)
            .into_iter()
            .map(|l| (l.key.len(), l.line))
            .collect();
        assert_eq!(got, vec![(4, 1), (4, 2), (2, 3), (1, 4)]);
    }
}
