//! Lexer tests. Expected values were checked against HAProxy 2.6.12 (its `parse_line()`
//! and `haproxy -c` output), including where the manual's quoting matrix is wrong.

use super::*;
use std::time::{Duration, Instant};

fn env() -> Env {
    let mut env = Env::empty();
    env.set("A", "x y");
    env.set("EMPTY", "");
    env.set("SP", "  a  b  ");
    env.set("HOST", "127.0.0.1");
    env.set("FD_APP1", "3");
    env
}

fn split_in(env: &Env, line: &[u8]) -> Result<Vec<String>, LexError> {
    let ctx = LineCtx {
        env,
        file: "f.cfg",
        line: 7,
        section: "www",
    };
    split_line(line, &ctx)
}

fn split(line: &str) -> Vec<String> {
    match split_in(&env(), line.as_bytes()) {
        Ok(w) => w,
        Err(e) => panic!("{line:?}: {e:?}"),
    }
}

fn err(line: &[u8]) -> LexError {
    match split_in(&env(), line) {
        Ok(w) => panic!("{line:?} unexpectedly gave {w:?}"),
        Err(e) => e,
    }
}

/// The error of a line expected to fail.
fn failed<T: std::fmt::Debug>(r: Result<T, LexError>) -> LexError {
    match r {
        Ok(v) => panic!("unexpectedly gave {v:?}"),
        Err(e) => e,
    }
}

/// The word a single-word line yields.
fn one(line: &str) -> String {
    let mut w = split(line);
    assert_eq!(w.len(), 1, "{line:?} gave {w:?}");
    w.remove(0)
}

#[test]
fn words_comments_and_blanks() {
    assert_eq!(split("  bind   :80 \t ssl  "), ["bind", ":80", "ssl"]);
    assert_eq!(split("global#this is the global section"), ["global"]);
    assert_eq!(
        split("    mode             http   # or tcp"),
        ["mode", "http"]
    );
    assert!(split("").is_empty());
    assert!(split("   ").is_empty());
    assert!(split("# only a comment").is_empty());
    // Vertical tab and form feed separate words too (isspace).
    assert_eq!(split("a\x0bb\x0cc"), ["a", "b", "c"]);
}

#[test]
fn nul_cr_lf_end_the_line() {
    assert_eq!(
        split_in(&env(), b"a b\0c d").ok(),
        Some(vec!["a".into(), "b".into()])
    );
    assert_eq!(split("a b\rc d"), ["a", "b"]);
    assert_eq!(split("a b\nc d"), ["a", "b"]);
    // ...but blanks after a separator are skipped with isspace, CR and LF included.
    assert_eq!(split("a \r b"), ["a", "b"]);
    assert_eq!(split("a \n b"), ["a", "b"]);
    // Inside quotes a CR still ends the line, leaving the quote open.
    assert_eq!(err(b"a \"b\rc\"").kind, LexErrorKind::UnmatchedQuote);
}

#[test]
fn empty_words_and_the_trailing_empty_word_quirk() {
    assert_eq!(split("a \"\""), ["a"]);
    assert_eq!(split("a \"\" b"), ["a", "", "b"]);
    assert_eq!(split("\"\" b"), ["", "b"]);
    assert!(split("\"\"").is_empty());
    assert_eq!(split("a ''"), ["a"]);
    assert_eq!(split("a '' ''"), ["a", ""]);
    assert_eq!(split("\"a\"'b'c"), ["abc"]);
}

/// Configuration manual 2.2, quoting matrix, row by row (unquoted, weak, strong).
#[test]
fn quoting_matrix() {
    // <TAB>: `\<TAB>` and `"\<TAB>"` are listed but not escapes in the code: the backslash
    // stays (and unquoted, the tab then separates words).
    assert_eq!(one("\\x09"), "\t");
    assert_eq!(split("a\\\tb"), ["a\\", "b"]);
    assert_eq!(one("\"\t\""), "\t");
    assert_eq!(one("\"\\\t\""), "\\\t");
    assert_eq!(one("\"\\x09\""), "\t");
    assert_eq!(one("'\t'"), "\t");
    // <LF>
    assert_eq!(one("\\n"), "\n");
    assert_eq!(one("\\x0a"), "\n");
    assert_eq!(one("\"\\n\""), "\n");
    assert_eq!(one("\"\\x0a\""), "\n");
    // <CR>
    assert_eq!(one("\\r"), "\r");
    assert_eq!(one("\\x0d"), "\r");
    assert_eq!(one("\"\\r\""), "\r");
    assert_eq!(one("\"\\x0d\""), "\r");
    // <SPC>
    assert_eq!(one("a\\ b"), "a b");
    assert_eq!(one("\\x20"), " ");
    assert_eq!(one("\" \""), " ");
    assert_eq!(one("\"\\ \""), " ");
    assert_eq!(one("\"\\x20\""), " ");
    assert_eq!(one("' '"), " ");
    // "
    assert_eq!(one("\\\""), "\"");
    assert_eq!(one("\\x22"), "\"");
    assert_eq!(one("\"\\\"\""), "\"");
    assert_eq!(one("\"\\x22\""), "\"");
    assert_eq!(one("'\"'"), "\"");
    // #
    assert_eq!(one("\\#"), "#");
    assert_eq!(one("\\x23"), "#");
    assert_eq!(one("\"#\""), "#");
    assert_eq!(one("\"\\#\""), "#");
    assert_eq!(one("\"\\x23\""), "#");
    assert_eq!(one("'#'"), "#");
    // $: the manual lists `\$` unquoted, but outside double quotes it is not an escape.
    assert_eq!(one("$"), "$");
    assert_eq!(one("\\$"), "\\$");
    assert_eq!(one("\\x24"), "$");
    assert_eq!(one("\"\\$\""), "$");
    assert_eq!(one("\"\\x24\""), "$");
    assert_eq!(one("'$'"), "$");
    // '
    assert_eq!(one("\\'"), "'");
    assert_eq!(one("\\x27"), "'");
    assert_eq!(one("\"'\""), "'");
    assert_eq!(one("\"\\'\""), "'");
    assert_eq!(one("\"\\x27\""), "'");
    // \
    assert_eq!(one("\\\\"), "\\");
    assert_eq!(one("\\x5c"), "\\");
    assert_eq!(one("\"\\\\\""), "\\");
    assert_eq!(one("\"\\x5c\""), "\\");
    assert_eq!(one("'\\'"), "\\");
}

#[test]
fn manual_log_format_example_lines_are_equivalent() {
    let expected = ["log-format", "%{+Q}o %t %s %{-Q}r"];
    for line in [
        r"log-format %{+Q}o\ %t\ %s\ %{-Q}r",
        r#"log-format "%{+Q}o %t %s %{-Q}r""#,
        r"log-format '%{+Q}o %t %s %{-Q}r'",
        r#"log-format "%{+Q}o %t"' %s %{-Q}r'"#,
        r#"log-format "%{+Q}o %t"' %s'\ %{-Q}r"#,
    ] {
        assert_eq!(split(line), expected, "{line}");
    }
}

#[test]
fn manual_second_level_quoting_examples() {
    assert_eq!(
        split(r#"http-request set-path %[path,regsub("(foo|bar)",blah,g)]"#)[2],
        "%[path,regsub((foo|bar),blah,g)]"
    );
    assert_eq!(
        split(r#"http-request set-path %[path,regsub(\"(foo|bar)\",blah,g)]"#)[2],
        r#"%[path,regsub("(foo|bar)",blah,g)]"#
    );
    assert_eq!(
        split(r#"http-request set-path '%[path,regsub("(foo|bar)",blah,g)]'"#)[2],
        r#"%[path,regsub("(foo|bar)",blah,g)]"#
    );
    assert_eq!(
        split(r#"http-request set-path '%[path,regsub("^/(here)(/|$)","my/\1",g)]'"#)[2],
        r#"%[path,regsub("^/(here)(/|$)","my/\1",g)]"#
    );
    for line in [
        r#"http-request set-var(txn.foo) str("\\'foo\\'")"#,
        r#"http-request set-var(txn.foo) str(\"\'foo\'\")"#,
        r"http-request set-var(txn.foo) str(\\\'foo\\\')",
    ] {
        let w = split(line);
        assert_eq!(w.len(), 3, "{line}");
    }
    assert_eq!(split(r#"a str("\\'foo\\'")"#)[1], r"str(\'foo\')");
    assert_eq!(split(r#"a str(\"\'foo\'\")"#)[1], r#"str("'foo'")"#);
    assert_eq!(split(r"a str(\\\'foo\\\')"), ["a", r"str(\'foo\')"]);
}

#[test]
fn other_backslashes_are_kept() {
    assert_eq!(one(r"\1"), r"\1");
    assert_eq!(one(r"a\qb"), r"a\qb");
    assert_eq!(one(r"trailing\"), r"trailing\");
    assert_eq!(one(r#""\1""#), r"\1");
    // Nothing is interpreted between single quotes.
    assert_eq!(one(r"'\x41\n\\$A'"), r"\x41\n\\$A");
    assert_eq!(one(r"\x41\x62"), "Ab");
    assert_eq!(one(r#""a\x41""#), "aA");
}

#[test]
fn environment_variables_expand_only_in_double_quotes() {
    assert_eq!(one("\"$HOST\""), "127.0.0.1");
    assert_eq!(one("\"${HOST}:514\""), "127.0.0.1:514");
    assert_eq!(one("\"fd@${FD_APP1}\""), "fd@3");
    assert_eq!(one("$HOST"), "$HOST");
    assert_eq!(one("'$HOST'"), "$HOST");
    assert_eq!(one("\"${HOST}\"x'${HOST}'"), "127.0.0.1x${HOST}");
    // The name stops at the first character that is not alphanumeric or '_'.
    assert_eq!(one("\"$HOST.x\""), "127.0.0.1.x");
    assert_eq!(split("\"$HOSTS\" x"), ["", "x"]);
    // A variable that expands to nothing leaves an empty word, dropped at the end.
    assert_eq!(split("a \"$UNSET\""), ["a"]);
    assert_eq!(split("\"$UNSET\" a"), ["", "a"]);
    // The value is not re-parsed.
    assert_eq!(one("\"$A\""), "x y");
}

#[test]
fn default_values_replace_unset_variables_only() {
    assert_eq!(one("\"${LOCAL_SYSLOG-127.0.0.1}:514\""), "127.0.0.1:514");
    assert_eq!(one("\"${HOST-other}\""), "127.0.0.1");
    assert_eq!(split("\"${EMPTY-default}\" x"), ["", "x"]);
    assert_eq!(one("\"${UNSET-}x\""), "x");
    // The default is raw text up to the closing brace: no quote or escape processing.
    assert_eq!(split("\"${UNSET-a \"b\\x}\" c"), ["a \"b\\x", "c"]);
}

#[test]
fn word_expansion() {
    assert_eq!(split("a \"${A[*]}\" b"), ["a", "x", "y", "b"]);
    assert_eq!(split("\"${A}\""), ["x y"]);
    // Leading blanks give an empty first word; trailing ones leave the word open.
    assert_eq!(split("\"${SP[*]}\""), ["", "a", "b"]);
    assert_eq!(split("\"${SP[*]}\"z"), ["", "a", "b", "z"]);
    assert_eq!(split("\"${UNSET[*]-p q}\""), ["p", "q"]);
    // Without braces `[*]` is plain text.
    assert_eq!(one("\"$A[*]\""), "x y[*]");
}

#[test]
fn pseudo_variables() {
    assert_eq!(one("\"$.FILE:${.LINE}:$.SECTION\""), "f.cfg:7:www");
    assert_eq!(err(b"\"$.FOO\"").kind, LexErrorKind::BadVarName);
    assert_eq!(err(b"\"$.FOO\"").pos, 2);
    assert_eq!(err(b"\"$.\"").kind, LexErrorKind::BadVarName);
}

#[test]
fn error_kinds_and_positions() {
    let e = err(b"  bind \"abc");
    assert_eq!((e.kind, e.pos), (LexErrorKind::UnmatchedQuote, 7));
    let e = err(b"a 'b");
    assert_eq!((e.kind, e.pos), (LexErrorKind::UnmatchedQuote, 2));
    let e = err(b"a \"${A\"");
    assert_eq!((e.kind, e.pos), (LexErrorKind::UnmatchedBrace, 4));
    let e = err(b"a \"${UNSET-x\"");
    assert_eq!((e.kind, e.pos), (LexErrorKind::UnmatchedBrace, 4));
    let e = err(b"a \"$1\"");
    assert_eq!((e.kind, e.pos), (LexErrorKind::BadVarName, 4));
    let e = err(b"a \"${-x}\"");
    assert_eq!((e.kind, e.pos), (LexErrorKind::BadVarName, 5));
    let e = err(b"a \\xZZ");
    assert_eq!((e.kind, e.pos), (LexErrorKind::BadHex, 2));
    let e = err(b"a \\x4");
    assert_eq!((e.kind, e.pos), (LexErrorKind::BadHex, 2));
    let e = err(b"a \"${A[x]}\"");
    assert_eq!((e.kind, e.pos), (LexErrorKind::BadExpand, 6));
    let e = err(b"a \"${A[*\"");
    assert_eq!((e.kind, e.pos), (LexErrorKind::BadExpand, 6));
    // Immediate errors win over an unterminated quote.
    assert_eq!(err(b"\"\\x1").kind, LexErrorKind::BadHex);
    // `\#` is no escape inside single quotes, and `#` inside quotes is no comment.
    assert_eq!(one("'a#b'"), "a#b");
    assert_eq!(one("'a\\'"), "a\\");
}

#[test]
fn rendered_messages_match_haproxy() {
    let line = b".notice \"${FOO-bar";
    let e = err(line);
    assert_eq!(
        e.render(line),
        "unmatched brace in environment variable name at position 11:\n  .notice \"${FOO-bar\n            ^"
    );
    let line = b"  baz \"$1\"";
    assert_eq!(
        err(line).render(line),
        "forbidden first char in environment variable name at position 9:\n  baz \"$1\"\n        ^"
    );
    let line = b"\tqux \"${A[x]}\"";
    assert_eq!(
        err(line).render(line),
        "truncated or invalid word expansion sequence at position 10:\n  qux \"${A[x]}\"\n          ^"
    );
    let line = b"x \\xq\x01";
    assert_eq!(
        err(line).render(line),
        "truncated or invalid hexadecimal sequence at position 3:\n  x \\xq?\n    ^"
    );
    let line = b".notice \"a";
    assert_eq!(
        err(line).render(line),
        "unmatched quote at position 9:\n  .notice \"a\n          ^"
    );
    // A long line is cut around the error.
    let mut long = vec![b'x'; 100];
    long.push(b'"');
    long.extend(vec![b'y'; 100]);
    let e = err(&long);
    assert_eq!(e.pos, 100);
    let text = e.render(&long);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "unmatched quote at position 101:");
    assert_eq!(
        lines[1],
        format!("  ...{}\"{}...", "x".repeat(37), "y".repeat(36))
    );
    assert_eq!(lines[2], format!("  {}^", " ".repeat(40)));
}

#[test]
fn sanitize_matches_haproxy() {
    assert_eq!(
        sanitize_for_printing(b"hello world", 3, 80),
        ("hello world".into(), 3)
    );
    assert_eq!(
        sanitize_for_printing(b"a\tb\x01c", 2, 80),
        ("a b?c".into(), 2)
    );
    assert_eq!(
        sanitize_for_printing(b"0123456789abcdefghij", 15, 10),
        ("...defg...".into(), 5)
    );
    assert_eq!(
        sanitize_for_printing(b"0123456789abcdefghij", 9, 10),
        ("0123456789".into(), 9)
    );
    assert_eq!(
        sanitize_for_printing(b"0123456789abcdefghij", 10, 10),
        ("...89ab...".into(), 5)
    );
    assert_eq!(
        sanitize_for_printing(b"0123456789", 10, 10),
        ("...89...".into(), 5)
    );
    assert_eq!(
        sanitize_for_printing("é".as_bytes(), 0, 80),
        ("??".into(), 0)
    );
}

#[test]
fn too_many_words() {
    let words: Vec<String> = (0..64).map(|i| format!("w{i}")).collect();
    let line = words.join(" ");
    assert_eq!(split(&line).len(), 64);
    // A trailing blank after the 64th word already counts as a 65th (HAProxy quirk).
    let e = err(format!("{line} ").as_bytes());
    assert_eq!(e.kind, LexErrorKind::TooManyWords);
    assert_eq!(
        e.headline(),
        "too many words, truncating after word 64, position 243: <w63>."
    );
    let e = err(format!("{line} w64 w65").as_bytes());
    assert_eq!(
        (e.kind, e.pos, e.detail.as_str()),
        (LexErrorKind::TooManyWords, 242, "w63")
    );
    assert_eq!(e.render(b"ignored"), e.headline());
    // A later syntax error wins.
    assert_eq!(
        err(format!("{line} w64 \"x").as_bytes()).kind,
        LexErrorKind::UnmatchedQuote
    );
    // Word expansion counts too.
    let mut env = env();
    env.set("MANY", vec!["v"; 100].join(" "));
    let e = failed(split_in(&env, b"\"${MANY[*]}\""));
    assert_eq!((e.kind, e.pos), (LexErrorKind::TooManyWords, 126));
}

#[test]
fn embedded_nul_ends_a_word() {
    assert_eq!(split(r#"a "b\x00c" d"#), ["a", "b", "d"]);
    assert_eq!(split(r#"a "\x00""#), ["a", ""]);
}

#[test]
fn non_utf8_words_keep_their_bytes_and_are_reported_with_their_position() {
    let full = |line: &[u8]| {
        let env = env();
        let ctx = LineCtx {
            env: &env,
            file: "t.cfg",
            line: 1,
            section: "",
        };
        split_line_full(line, &ctx, LexOptions::CONFIG).expect("HAProxy accepts any byte")
    };
    let s = full(b"a b\xffc");
    assert_eq!(s.words, ["a", "b\u{10ffff}c"]);
    assert_eq!(&*raw_bytes(&s.words[1]), b"b\xffc");
    assert_eq!(&*raw_bytes("caf\u{e9}"), "caf\u{e9}".as_bytes());
    let e = s.latin1.expect("reported");
    assert_eq!((e.kind, e.pos, e.word), (LexErrorKind::InvalidUtf8, 3, 1));
    let s = full(br#"ok "x\xc3""#);
    assert_eq!(s.words, ["ok", "x\u{10ffc3}"]);
    assert_eq!(&*raw_bytes(&s.words[1]), b"x\xc3");
    let e = s.latin1.expect("reported");
    assert_eq!((e.kind, e.pos, e.word), (LexErrorKind::InvalidUtf8, 5, 1));
    assert_eq!(
        e.render(br#"ok "x\xc3""#),
        "invalid UTF-8 sequence in word 2 at position 6; its bytes are kept where a \
         sample reads them (str()), elsewhere read as text:\n  ok \"x\\xc3\"\n       ^"
    );
    assert!(full(b"plain words").latin1.is_none());
}

#[test]
fn check_condition_options() {
    let env = env();
    let ctx = LineCtx {
        env: &env,
        file: "",
        line: 0,
        section: "",
    };
    let opts = LexOptions::CHECK_CONDITION;
    assert_eq!(
        split_line_with(b"1 # x", &ctx, opts).ok(),
        Some(vec!["1".into(), "#".into(), "x".into()])
    );
    assert_eq!(
        split_line_with(b" 1", &ctx, opts).ok(),
        Some(vec!["".into(), "1".into()])
    );
    assert_eq!(
        split_line_with(b"\\#", &ctx, opts).ok(),
        Some(vec!["\\#".into()])
    );
    assert_eq!(
        split_line_with(b"\"${.LINE}\"", &ctx, opts).ok(),
        Some(vec!["0".into()])
    );
}

#[test]
fn rejoin_keeps_empty_words_like_haproxy() {
    let env = env();
    let ctx = LineCtx {
        env: &env,
        file: "",
        line: 0,
        section: "",
    };
    let full = |l: &str| match split_line_full(l.as_bytes(), &ctx, LexOptions::CONFIG) {
        Ok(s) => s,
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!(full(".if 1 && 0").rejoin(1), "1 && 0");
    assert_eq!(full(".if ! ").rejoin(1), "! ");
    assert_eq!(full(".if 1 \"\"").rejoin(1), "1 ");
    assert_eq!(full(".if \"\" 1").rejoin(1), " 1");
    assert_eq!(full(".if 1 # c").rejoin(1), "1 ");
    assert_eq!(full(".if").rejoin(1), "");
    assert_eq!(full(".if ").rejoin(1), "");
    assert_eq!(full(r#".if "1\x002""#).rejoin(1), "1 2");
    assert_eq!(full(".if \"${A[*]}\"").rejoin(1), "x y");
}

#[test]
fn hostile_inputs_end_quickly_without_panics() {
    let start = Instant::now();
    let env = env();
    let ctx = LineCtx {
        env: &env,
        file: "f",
        line: 1,
        section: "",
    };

    // 1 MB single word.
    let big = vec![b'a'; 1 << 20];
    assert_eq!(split_line(&big, &ctx).map(|w| w.len()).ok(), Some(1));
    // 1 MB inside an unterminated quote.
    let mut q = b"\"".to_vec();
    q.extend(vec![b'b'; 1 << 20]);
    assert_eq!(
        split_line(&q, &ctx).map_err(|e| (e.kind, e.pos)),
        Err((LexErrorKind::UnmatchedQuote, 0))
    );
    // A million words: only 64 are kept, the error comes at the end of the line.
    let words = "w ".repeat(1_000_000);
    let e = failed(split_line(words.as_bytes(), &ctx));
    assert_eq!(e.kind, LexErrorKind::TooManyWords);
    // Unterminated brace, a million dollars, a million escapes.
    assert!(split_line(b"\"${AAAAAAAA", &ctx).is_err());
    assert!(split_line("\"$A".repeat(300_001).as_bytes(), &ctx).is_err());
    assert!(split_line("\\x".repeat(500_000).as_bytes(), &ctx).is_err());
    // Expansion bomb: a 1 MB variable expanded a million times is cut off.
    let mut bomb_env = Env::empty();
    bomb_env.set("B", "x".repeat(1 << 20));
    bomb_env.set("S", " ".repeat(1 << 20));
    let bctx = LineCtx {
        env: &bomb_env,
        file: "f",
        line: 1,
        section: "",
    };
    let line = format!("\"{}\"", "$B".repeat(1_000_000));
    let e = failed(split_line(line.as_bytes(), &bctx));
    assert_eq!(e.kind, LexErrorKind::TooLong);
    assert_eq!(
        e.render(line.as_bytes()),
        "line too long, cannot allocate memory."
    );
    // Blank-only values expanded word by word cost their length too.
    let line = format!("\"{}\"", "${S[*]}".repeat(100_000));
    assert!(split_line(line.as_bytes(), &bctx).is_err());
    // Pseudo-random bytes.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        let len = (x % 300) as usize;
        let mut line = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let alphabet = b"ab \"'\\$#{}[]*-.x0\t\xff\xc3";
            line.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let _ = split_line(&line, &ctx).map_err(|e| e.render(&line));
        let _ = split_line_with(&line, &ctx, LexOptions::CHECK_CONDITION);
    }
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}
