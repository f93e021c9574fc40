//! Chunked body scanning: resumable at every split point, HAProxy's limits.

use rampart_h1::{ChunkedScanner, ErrorKind, LengthCounter, ParseError, ParseOpts, Scan};

/// Scans `input` in one go; returns (bytes forwarded, done) or the error.
fn whole(input: &[u8]) -> Result<(usize, bool), ParseError> {
    let mut s = ChunkedScanner::default();
    let Scan { forward, done } = s.scan(input)?;
    Ok((forward, done))
}

fn split_agrees(input: &[u8]) {
    let reference = whole(input);
    for split in 0..=input.len() {
        let mut s = ChunkedScanner::default();
        let r = (|| {
            let a = s.scan(&input[..split])?;
            if a.done {
                return Ok((a.forward, true));
            }
            assert_eq!(a.forward, split);
            let b = s.scan(&input[split..])?;
            Ok((a.forward + b.forward, b.done))
        })();
        assert_eq!(r, reference, "split at {split}");
    }
    // Byte by byte.
    let mut s = ChunkedScanner::default();
    let mut total = 0;
    let mut res = Ok((0, false));
    for b in input.chunks(1) {
        match s.scan(b) {
            Ok(sc) => {
                total += sc.forward;
                res = Ok((total, sc.done));
                if sc.done {
                    break;
                }
            }
            Err(e) => {
                res = Err(e);
                break;
            }
        }
    }
    assert_eq!(res, reference);
}

#[test]
fn simple_body() {
    let body = b"5\r\nhello\r\n6;ext=1;x\r\n world\r\n0\r\n\r\nNEXT";
    assert_eq!(whole(body), Ok((body.len() - 4, true)));
    split_agrees(body);
    let mut s = ChunkedScanner::default();
    s.scan(body).unwrap();
    assert_eq!(s.body_len(), 11);
    assert!(s.is_done());
}

#[test]
fn size_line_rules() {
    split_agrees(b"A \t;x\r\n0123456789\r\n0 \r\n\r\n");
    assert_eq!(whole(b"a\r\n0123456789\r\n0\r\n\r\n"), Ok((20, true)));
    assert_eq!(
        whole(b"000000000000000000003\r\nabc\r\n0\r\n\r\n").map(|r| r.1),
        Ok(true)
    );
    assert_eq!(
        whole(b"\r\n").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
    assert_eq!(
        whole(b";x\r\n").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
    assert_eq!(
        whole(b"5 5\r\n").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
    assert_eq!(
        whole(b"-5\r\n").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
    assert_eq!(
        whole(b"5\rx").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
    assert_eq!(
        whole(b"0x5\r\n").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
    // 13 hex digits below 2^52 pass, 2^52 does not.
    assert_eq!(whole(b"fffffffffffff\r\n"), Ok((15, false)));
    let e = whole(b"10000000000000\r\n").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::ChunkTooLarge, 13));
}

#[test]
fn bare_lf_accepted_like_haproxy() {
    let body = b"3\nabc\n0\n\n";
    assert_eq!(whole(body), Ok((body.len(), true)));
    split_agrees(body);
}

#[test]
fn data_must_end_with_crlf() {
    let e = whole(b"3\r\nabcd\r\n").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::InvalidChunkEnd, 6));
    assert_eq!(
        whole(b"3\r\nabc\rx").unwrap_err().kind,
        ErrorKind::InvalidChunkEnd
    );
    split_agrees(b"3\r\nabcd\r\n");
}

#[test]
fn trailers() {
    let body = b"1\r\na\r\n0\r\nX-Sum: 1\r\nY: a\r\n b\r\n\r\n";
    assert_eq!(whole(body), Ok((body.len(), true)));
    split_agrees(body);
    assert_eq!(
        whole(b"0\r\nx y: 1\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    assert_eq!(
        whole(b"0\r\nx : 1\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    assert_eq!(
        whole(b"0\r\n: 1\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    assert_eq!(
        whole(b"0\r\nx\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    assert_eq!(
        whole(b"0\r\nx: \0\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    assert_eq!(
        whole(b"0\r\n x: 1\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    assert_eq!(
        whole(b"0\r\nx: 1\ry\r\n\r\n").unwrap_err().kind,
        ErrorKind::BareCr
    );
    assert_eq!(whole(b"0\r\n\rx").unwrap_err().kind, ErrorKind::BareCr);
    split_agrees(b"0\r\nx y: 1\r\n\r\n");
}

#[test]
fn trailer_limits() {
    let o = ParseOpts {
        max_headers: 3,
        ..ParseOpts::default()
    };
    let mut s = ChunkedScanner::new(&o);
    assert!(s.scan(b"0\r\na: 1\r\nb: 2\r\n\r\n").unwrap().done);
    s.reset();
    assert_eq!(
        s.scan(b"0\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n")
            .unwrap_err()
            .kind,
        ErrorKind::TooManyHeaders
    );
    let o = ParseOpts {
        max_head: 16,
        ..ParseOpts::default()
    };
    let mut s = ChunkedScanner::new(&o);
    assert_eq!(
        s.scan(b"0\r\nxxxxxxxx: 12345678\r\n\r\n").unwrap_err().kind,
        ErrorKind::InvalidTrailer
    );
    let mut s = ChunkedScanner::new(&o);
    assert_eq!(
        s.scan(b"1;aaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap_err().kind,
        ErrorKind::InvalidChunkSize
    );
}

#[test]
fn offsets_are_cumulative() {
    let mut s = ChunkedScanner::default();
    assert_eq!(
        s.scan(b"3\r\nab").unwrap(),
        Scan {
            forward: 5,
            done: false
        }
    );
    let e = s.scan(b"cX").unwrap_err();
    assert_eq!(e.offset, 6);
}

#[test]
fn stops_at_message_end() {
    let mut s = ChunkedScanner::default();
    let r = s.scan(b"0\r\n\r\nGET / HTTP/1.1\r\n").unwrap();
    assert_eq!(
        r,
        Scan {
            forward: 5,
            done: true
        }
    );
    assert_eq!(
        s.scan(b"more").unwrap(),
        Scan {
            forward: 0,
            done: true
        }
    );
}

#[test]
fn length_counter() {
    let mut c = LengthCounter::new(5);
    assert_eq!(c.consume(3), 3);
    assert_eq!(c.remaining(), 2);
    assert_eq!(c.consume(10), 2);
    assert!(c.is_done());
    assert_eq!(c.consume(10), 0);
}
