//! Body framing for pass-through forwarding: HAProxy's chunk parsing
//! (`h1_parse_chunk_size`, `h1_skip_chunk_crlf` in include/haproxy/h1.h,
//! `h1_parse_full_contig_chunks` and the trailers of `h1_parse_msg_tlrs` in
//! src/h1_htx.c) as a resumable byte state machine, the response framing rules of
//! `h1_postparse_res_hdrs`, and a content-length counter.
//!
//! Chunk-size lines are `1*HEXDIG *(SP/HT) [;extensions] CRLF`, at most 13 hex
//! digits' worth (sizes below 2^52); a bare LF ends a size line, the data or a
//! trailer line, as in HAProxy. Trailers are header lines (token names, no NUL,
//! obs-fold allowed) bounded by the head limits.

use crate::chars::{is_spht, is_token};
use crate::error::{ErrorKind as K, ParseError};
use crate::message::{BodyKind, Method, ResponseHead};
use crate::parse::ParseOpts;

/// How a response body is delimited (HAProxy's `h1_postparse_res_hdrs`):
/// 2xx to CONNECT and 101 switch to a tunnel; HEAD responses, 1xx, 204 and 304
/// have no body; then chunked, Content-Length, or until the server closes.
pub fn response_body_kind(head: &ResponseHead, req_method: Method) -> BodyKind {
    let status = head.status();
    if (req_method == Method::Connect && (200..300).contains(&status)) || status == 101 {
        BodyKind::Tunnel
    } else if req_method == Method::Head
        || (100..200).contains(&status)
        || status == 204
        || status == 304
    {
        BodyKind::None
    } else if head.is_chunked() {
        BodyKind::Chunked
    } else if let Some(n) = head.content_length() {
        BodyKind::Length(n)
    } else {
        BodyKind::CloseDelimited
    }
}

/// Counts down a Content-Length body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LengthCounter {
    remaining: u64,
}

impl LengthCounter {
    /// A counter for a body of `len` bytes.
    pub fn new(len: u64) -> LengthCounter {
        LengthCounter { remaining: len }
    }

    /// Takes up to `avail` bytes of body; returns how many belong to it.
    pub fn consume(&mut self, avail: usize) -> usize {
        let n = (avail as u64).min(self.remaining);
        self.remaining -= n;
        n as usize
    }

    /// Bytes still expected.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The whole body went through.
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

/// Result of one [`ChunkedScanner::scan`] step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scan {
    /// Leading bytes of the input that were validated and may be forwarded as is.
    pub forward: usize,
    /// The last chunk and the trailers are complete: the message ends after
    /// `forward` bytes (anything beyond belongs to the next message).
    pub done: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum St {
    /// Reading hex digits; `digits` so far.
    #[default]
    Size,
    /// White space after the size.
    SizeWs,
    /// In `;extensions`, up to CR/LF.
    Ext,
    /// CR seen at the end of the size line.
    SizeLf,
    /// Chunk data, `remaining` bytes left.
    Data,
    /// After data: CR or LF expected.
    DataEnd,
    /// After data and CR: LF expected.
    DataLf,
    /// Start of a trailer line (or of the empty line ending the message).
    TlrStart,
    /// In a trailer name.
    TlrName,
    /// In a trailer value.
    TlrValue,
    /// CR seen at the end of a trailer line.
    TlrLf,
    /// CR seen on the final empty line.
    EndLf,
    /// Message complete.
    Done,
}

/// Resumable validator of a chunked body; feed it the bytes following the head in
/// any split and forward what it accepts.
#[derive(Clone, Debug)]
pub struct ChunkedScanner {
    st: St,
    size: u64,
    digits: u32,
    line_len: usize,
    remaining: u64,
    body_len: u64,
    consumed: usize,
    trailer_bytes: usize,
    trailers: usize,
    max_trailer_bytes: usize,
    max_trailers: usize,
    accept_invalid: bool,
}

impl Default for ChunkedScanner {
    fn default() -> Self {
        ChunkedScanner::new(&ParseOpts::default())
    }
}

impl ChunkedScanner {
    /// A scanner whose size-line and trailer limits come from `opts`
    /// (`max_head` bytes, `max_headers - 1` trailer fields).
    pub fn new(opts: &ParseOpts) -> ChunkedScanner {
        ChunkedScanner {
            st: St::Size,
            size: 0,
            digits: 0,
            line_len: 0,
            remaining: 0,
            body_len: 0,
            consumed: 0,
            trailer_bytes: 0,
            trailers: 0,
            max_trailer_bytes: opts.max_head,
            max_trailers: opts.max_headers.saturating_sub(1),
            accept_invalid: opts.accept_invalid,
        }
    }

    /// Starts over for a new body, keeping the limits.
    pub fn reset(&mut self) {
        *self = ChunkedScanner {
            max_trailer_bytes: self.max_trailer_bytes,
            max_trailers: self.max_trailers,
            accept_invalid: self.accept_invalid,
            ..ChunkedScanner::new(&ParseOpts::default())
        };
    }

    /// Total chunk data seen so far (without framing).
    pub fn body_len(&self) -> u64 {
        self.body_len
    }

    /// The last chunk and trailers went through.
    pub fn is_done(&self) -> bool {
        self.st == St::Done
    }

    /// Validates as much of `data` as possible. Error offsets count from the first
    /// byte ever given to this scanner.
    pub fn scan(&mut self, data: &[u8]) -> Result<Scan, ParseError> {
        let mut i = 0usize;
        while i < data.len() {
            if self.st == St::Done {
                break;
            }
            if self.st == St::Data {
                let take =
                    (data.len() - i).min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                i += take;
                self.remaining -= take as u64;
                if self.remaining == 0 {
                    self.st = St::DataEnd;
                }
                continue;
            }
            let b = data.get(i).copied().unwrap_or(0);
            let at = self.consumed + i;
            self.step(b, at)?;
            i += 1;
        }
        self.consumed += i;
        Ok(Scan {
            forward: i,
            done: self.st == St::Done,
        })
    }

    fn step(&mut self, b: u8, at: usize) -> Result<(), ParseError> {
        let err = |k| Err(ParseError::at(k, at));
        match self.st {
            St::Size | St::SizeWs | St::Ext | St::SizeLf => {
                self.line_len += 1;
                if self.line_len > self.max_trailer_bytes {
                    return err(K::InvalidChunkSize);
                }
            }
            St::TlrStart | St::TlrName | St::TlrValue | St::TlrLf | St::EndLf => {
                self.trailer_bytes += 1;
                if self.trailer_bytes > self.max_trailer_bytes {
                    return err(K::InvalidTrailer);
                }
            }
            _ => {}
        }
        match self.st {
            St::Size => {
                if let Some(d) = (b as char).to_digit(16) {
                    self.size = (self.size << 4) | u64::from(d);
                    self.digits += 1;
                    if self.size >= 1 << 52 {
                        return err(K::ChunkTooLarge);
                    }
                    return Ok(());
                }
                if self.digits == 0 {
                    return err(K::InvalidChunkSize);
                }
                match b {
                    b' ' | b'\t' => self.st = St::SizeWs,
                    _ => return self.size_line_end(b, at),
                }
            }
            St::SizeWs => {
                if !is_spht(b) {
                    return self.size_line_end(b, at);
                }
            }
            St::Ext => match b {
                b'\r' => self.st = St::SizeLf,
                b'\n' => self.end_size_line(),
                _ => {}
            },
            St::SizeLf => {
                if b != b'\n' {
                    return err(K::InvalidChunkSize);
                }
                self.end_size_line();
            }
            St::Data => {}
            St::DataEnd => match b {
                b'\r' => self.st = St::DataLf,
                b'\n' => self.next_chunk(),
                _ => return err(K::InvalidChunkEnd),
            },
            St::DataLf => {
                if b != b'\n' {
                    return err(K::InvalidChunkEnd);
                }
                self.next_chunk();
            }
            St::TlrStart => match b {
                b'\r' => self.st = St::EndLf,
                b'\n' => self.st = St::Done,
                b' ' | b'\t' if self.trailers > 0 => self.st = St::TlrValue,
                _ if is_token(b)
                    || (self.accept_invalid && !matches!(b, 0 | b' ' | b'\t' | b':')) =>
                {
                    self.trailers += 1;
                    if self.trailers > self.max_trailers {
                        return err(K::TooManyHeaders);
                    }
                    self.st = St::TlrName;
                }
                _ => return err(K::InvalidTrailer),
            },
            St::TlrName => match b {
                b':' => self.st = St::TlrValue,
                _ if is_token(b)
                    || (self.accept_invalid && !matches!(b, 0 | b' ' | b'\t' | b'\r' | b'\n')) => {}
                _ => return err(K::InvalidTrailer),
            },
            St::TlrValue => match b {
                0 => return err(K::InvalidTrailer),
                b'\r' => self.st = St::TlrLf,
                b'\n' => self.st = St::TlrStart,
                _ => {}
            },
            St::TlrLf => {
                if b != b'\n' {
                    return err(K::BareCr);
                }
                self.st = St::TlrStart;
            }
            St::EndLf => {
                if b != b'\n' {
                    return err(K::BareCr);
                }
                self.st = St::Done;
            }
            St::Done => {}
        }
        Ok(())
    }

    /// After the size and optional white space: `;`, CR or LF.
    fn size_line_end(&mut self, b: u8, at: usize) -> Result<(), ParseError> {
        match b {
            b';' => self.st = St::Ext,
            b'\r' => self.st = St::SizeLf,
            b'\n' => self.end_size_line(),
            _ => return Err(ParseError::at(K::InvalidChunkSize, at)),
        }
        Ok(())
    }

    fn end_size_line(&mut self) {
        self.line_len = 0;
        if self.size == 0 {
            self.st = St::TlrStart;
        } else {
            self.remaining = self.size;
            self.body_len = self.body_len.saturating_add(self.size);
            self.st = St::Data;
        }
    }

    fn next_chunk(&mut self) {
        self.size = 0;
        self.digits = 0;
        self.st = St::Size;
    }
}
