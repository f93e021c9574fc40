//! Names the configuration gives to things (proxies, servers, ACLs, user lists…) and
//! the characters HAProxy allows in them.

/// HAProxy's `invalid_char`: the first character of `name` outside `[A-Za-z0-9_.:-]`
/// (an empty name is invalid at its end, reported as an empty character).
pub fn invalid_char(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(String::new());
    }
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-')))
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_allow_haproxys_identifier_characters() {
        assert_eq!(invalid_char("ok.name-1:x_y"), None);
        assert_eq!(invalid_char("bad/name"), Some("/".into()));
        assert_eq!(invalid_char(""), Some(String::new()));
    }
}
