//! Parts of a request target, located as HAProxy's URI parser (`http_parse_path`)
//! locates them: the path of an origin-form or absolute-form target.

/// The path of a request target, from its first `/` (query string included), empty
/// when there is none (HAProxy's `http_parse_path`).
pub fn path_of(uri: &[u8]) -> &[u8] {
    match uri.first() {
        None | Some(b'*') => &[],
        Some(b'/') => uri,
        Some(c) if c.is_ascii_alphabetic() => {
            let mut i = 1;
            while i < uri.len() && (uri[i].is_ascii_alphanumeric() || b"+-.".contains(&uri[i])) {
                i += 1;
            }
            if !uri[i..].starts_with(b"://") {
                return &[];
            }
            let rest = &uri[i + 3..];
            match rest.iter().position(|&c| c == b'/') {
                Some(p) => &rest[p..],
                None => &[],
            }
        }
        Some(_) => &[],
    }
}
