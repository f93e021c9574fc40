//! Rule conditions (`if|unless <cond>`, configuration manual 7.2) before the rules engine
//! exists: a condition made only of HAProxy's predefined ACLs (manual 7.4) joined by `!`,
//! `||` or `or` is kept as raw tokens; a condition naming a custom ACL or holding an
//! anonymous `{ … }` ACL is reported as not supported yet, because its sample fetches
//! cannot be validated until the rules issue lands (accepting it would let an invalid
//! fetch through that HAProxy refuses).

/// HAProxy 2.6's predefined ACLs.
pub const PREDEFINED_ACLS: &[&str] = &[
    "TRUE",
    "FALSE",
    "LOCALHOST",
    "HTTP",
    "HTTP_1.0",
    "HTTP_1.1",
    "HTTP_2.0",
    "METH_CONNECT",
    "METH_DELETE",
    "METH_GET",
    "METH_HEAD",
    "METH_OPTIONS",
    "METH_POST",
    "METH_PUT",
    "METH_TRACE",
    "HTTP_URL_ABS",
    "HTTP_URL_SLASH",
    "HTTP_URL_STAR",
    "HTTP_CONTENT",
    "RDP_COOKIE",
    "REQ_CONTENT",
    "WAIT_END",
];

/// Checks the tokens after `if`/`unless` for `keyword`. `Ok` when every term is a
/// predefined ACL (or the condition is empty, which HAProxy accepts as always true).
pub fn check_raw_condition(keyword: &str, tokens: &[String]) -> Result<(), String> {
    for (i, tok) in tokens.iter().enumerate() {
        let term = tok.trim_start_matches('!');
        if term.is_empty() || term == "||" || term == "or" || PREDEFINED_ACLS.contains(&term) {
            continue;
        }
        let (what, shown) = if term.starts_with('{') {
            // Show the whole block, up to its closing brace.
            let end = tokens[i..]
                .iter()
                .position(|t| t.ends_with('}'))
                .map_or(tokens.len(), |p| i + p + 1);
            ("anonymous ACL", tokens[i..end].join(" "))
        } else {
            ("custom ACL", term.to_string())
        };
        return Err(format!(
            "'{keyword}' condition using {what} '{shown}' is not supported yet"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn predefined_acls_pass_others_are_not_yet() {
        assert!(check_raw_condition("use_backend", &toks("METH_GET || !HTTP_1.0")).is_ok());
        assert!(check_raw_condition("use_backend", &toks("")).is_ok());
        let e = check_raw_condition("use_backend", &toks("{ path_beg /x }")).unwrap_err();
        assert!(e.ends_with("is not supported yet"), "{e}");
        let e = check_raw_condition("use_backend", &toks("METH_GET is_api")).unwrap_err();
        assert!(e.contains("custom ACL 'is_api'"), "{e}");
    }
}
