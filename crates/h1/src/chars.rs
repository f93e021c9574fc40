//! Byte classes of HAProxy's `http_char_classes` (src/http.c): RFC 7230 `tchar`
//! tokens, the characters of an HTTP version (`HTTP/1.1`), linear white space and
//! the request-target bytes the H1 parser lets through (33..=126).

const TOK: u8 = 0x01;
const VER: u8 = 0x02;

const fn build() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        let tok = matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        ) || b.is_ascii_alphanumeric();
        let ver = b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.' || b == b'/';
        t[c] = if tok { TOK } else { 0 } | if ver { VER } else { 0 };
        c += 1;
    }
    t
}

static CLASSES: [u8; 256] = build();

/// RFC 9110 `tchar`: the bytes of a method or a header field name.
#[inline]
pub fn is_token(b: u8) -> bool {
    CLASSES[b as usize] & TOK != 0
}

/// A byte HAProxy accepts inside an HTTP version token (upper-case letters,
/// digits, `.` and `/`).
#[inline]
pub fn is_ver_token(b: u8) -> bool {
    CLASSES[b as usize] & VER != 0
}

/// Space or horizontal tab (HAProxy's `HTTP_IS_SPHT`).
#[inline]
pub fn is_spht(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Linear white space: SP, HT, CR, LF (HAProxy's `HTTP_IS_LWS`).
#[inline]
pub fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A request-target byte HAProxy always accepts (33..=126).
#[inline]
pub fn is_uri_char(b: u8) -> bool {
    (33..=126).contains(&b)
}

/// Trims HAProxy's linear white space on both ends.
pub fn trim_lws(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_lws(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_lws(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Position of the next list delimiter (`,`) in a header value, skipping commas
/// inside quoted strings, like HAProxy's `http_find_hdr_value_end`.
pub fn find_value_end(s: &[u8]) -> usize {
    find_delimiter(s, b",")
}

/// Position of the first byte of `delims` outside quoted strings (a backslash in a
/// quoted string escapes the next byte), or the length: HAProxy's
/// `http_find_hdr_value_end` (`,`) and `http_find_cookie_value_end` (`,` and `;`).
pub fn find_delimiter(s: &[u8], delims: &[u8]) -> usize {
    let (mut quoted, mut qdpair) = (false, false);
    for (i, &b) in s.iter().enumerate() {
        if qdpair {
            qdpair = false;
        } else if quoted {
            if b == b'\\' {
                qdpair = true;
            } else if b == b'"' {
                quoted = false;
            }
        } else if b == b'"' {
            quoted = true;
        } else if delims.contains(&b) {
            return i;
        }
    }
    s.len()
}

/// Calls `f(start, end, word)` for every comma-separated element of a header
/// value, with HAProxy's walk: leading LWS skipped, trailing LWS trimmed; an
/// element that starts with a comma is reported empty.
pub fn for_each_word(v: &[u8], mut f: impl FnMut(usize, usize, &[u8])) {
    let mut i = 0;
    while i < v.len() {
        if v.get(i).copied().is_some_and(is_lws) {
            i += 1;
            continue;
        }
        let rest = v.get(i..).unwrap_or_default();
        let n = i + find_value_end(rest);
        let mut word = v.get(i..n).unwrap_or_default();
        while let [head @ .., last] = word {
            if is_lws(*last) {
                word = head;
            } else {
                break;
            }
        }
        f(i, n, word);
        i = n + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_token(b'a') && is_token(b'~') && is_token(b'9'));
        assert!(!is_token(b':') && !is_token(b' ') && !is_token(0x80) && !is_token(b'"'));
        assert!(is_ver_token(b'H') && is_ver_token(b'/') && !is_ver_token(b'h'));
        assert!(is_uri_char(b'"') && !is_uri_char(b' ') && !is_uri_char(0x7f));
    }

    #[test]
    fn words() {
        let mut got = Vec::new();
        for_each_word(b" a , \"b,c\" ,,d ", |_, _, w| got.push(w.to_vec()));
        assert_eq!(
            got,
            vec![
                b"a".to_vec(),
                b"\"b,c\"".to_vec(),
                b"".to_vec(),
                b"d".to_vec()
            ]
        );
        assert_eq!(trim_lws(b" \t x y \r"), b"x y");
    }
}
