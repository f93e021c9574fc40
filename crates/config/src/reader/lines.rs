//! The line splitting of `readcfgfile()`: HAProxy reads with `fgets()` into a buffer of
//! 2048 bytes, doubled whenever a line does not fit, and a NUL byte ends the line it is
//! in. Whether more bytes follow a NUL within the same read decides between its "Stray
//! NUL character" and "Missing LF on last line" messages, so the buffer arithmetic is
//! replayed here exactly.

/// HAProxy's initial line buffer (`LINESIZE`).
const LINESIZE: usize = 2048;

/// One `fgets()` result as `readcfgfile()` sees it.
pub(super) enum Chunk {
    /// The buffer filled up without a line feed: HAProxy doubles it and reads on.
    Grow,
    /// A complete line of `len` bytes before any NUL; `lf` when it ended with a line feed.
    Line { len: usize, lf: bool },
}

/// Replays HAProxy's `fgets()` loop over a file held in memory, including its buffer size
/// (2048 bytes, doubled whenever a line does not fit), because whether bytes follow a NUL
/// in the same read decides between HAProxy's two messages.
pub(super) struct LineBuffer<'a> {
    bytes: &'a [u8],
    pos: usize,
    linesize: usize,
    /// Bytes of the current line already read by earlier chunks (`readbytes`).
    kept: usize,
    buf: Vec<u8>,
}

impl<'a> LineBuffer<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        LineBuffer {
            bytes,
            pos: 0,
            linesize: LINESIZE,
            kept: 0,
            buf: Vec::new(),
        }
    }

    /// The next `fgets()` result, `None` at end of file.
    pub(super) fn next_chunk(&mut self) -> Option<Chunk> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            if self.kept == 0 {
                return None;
            }
            // HAProxy silently drops a last line without LF whose length is exactly one
            // less than its buffer size; Rampart reads it (and reports the missing LF).
            let len = self.kept;
            self.kept = 0;
            return Some(Chunk::Line { len, lf: false });
        }
        let room = self.linesize - self.kept - 1;
        let window = &rest[..rest.len().min(room)];
        let take = window
            .iter()
            .position(|&b| b == b'\n')
            .map_or(window.len(), |n| n + 1);
        self.buf.truncate(self.kept);
        self.buf.extend_from_slice(&window[..take]);
        self.pos += take;
        let new = &self.buf[self.kept..];
        let len = self.kept + new.iter().position(|&b| b == 0).unwrap_or(new.len());
        if len == self.linesize - 1 && self.buf.get(len - 1) != Some(&b'\n') {
            self.kept = self.linesize - 1;
            self.linesize *= 2;
            return Some(Chunk::Grow);
        }
        self.kept = 0;
        let lf = len > 0 && self.buf.get(len - 1) == Some(&b'\n');
        Some(Chunk::Line {
            len: if lf { len - 1 } else { len },
            lf,
        })
    }

    /// The line returned by the last [`Chunk::Line`].
    pub(super) fn line(&self, len: usize) -> Vec<u8> {
        self.buf.get(..len).unwrap_or_default().to_vec()
    }
}
