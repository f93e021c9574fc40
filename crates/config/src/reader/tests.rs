//! Reader tests. Messages were compared with HAProxy 2.6.12's `haproxy -c -dD` output.

use super::*;

mod paths;
use std::time::{Duration, Instant};

/// What reading some files gave: the configuration, every diagnostic rendered without
/// its `[LEVEL] (pid) : config : ` prefix, and whether the load aborted.
struct Out {
    config: Config,
    diags: Vec<String>,
    levels: Vec<Level>,
    aborted: bool,
}

fn read_files(env: &mut Env, files: &[(&str, &[u8])]) -> Out {
    let mut reader = Reader::new(env);
    for (name, bytes) in files {
        reader.read_bytes(name, bytes);
    }
    let aborted = reader.aborted();
    let (config, diags) = reader.finish();
    let levels = diags.iter().map(|d| d.level).collect();
    let diags = diags
        .iter()
        .map(|d| {
            let text = d.render(1, &config.sources);
            match text.find(" : config : ") {
                Some(i) => text[i + " : config : ".len()..].to_owned(),
                None => text,
            }
        })
        .collect();
    Out {
        config,
        diags,
        levels,
        aborted,
    }
}

fn read(text: &str) -> Out {
    read_files(&mut Env::empty(), &[("t.cfg", text.as_bytes())])
}

/// The words of every line of every section, headers included, as "kw arg...".
fn lines(out: &Out) -> Vec<String> {
    let mut all = Vec::new();
    for s in &out.config.sections {
        all.push(s.header.words.join(" "));
        for l in &s.lines {
            all.push(format!("  {}", l.words.join(" ")));
        }
    }
    all
}

#[test]
fn sections_and_lines() {
    let out = read(
        "# comment\n\nglobal\n  maxconn 100 # comment\n\"\" ignored line\n\
         defaults base\n  mode http\nfrontend www from base\n  bind :80\n",
    );
    assert!(out.diags.is_empty(), "{:?}", out.diags);
    assert_eq!(
        lines(&out),
        [
            "global",
            "  maxconn 100",
            "defaults base",
            "  mode http",
            "frontend www from base",
            "  bind :80"
        ]
    );
    let kinds: Vec<SectionKind> = out.config.sections.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SectionKind::Global,
            SectionKind::Defaults,
            SectionKind::Frontend
        ]
    );
    let www = &out.config.sections[2];
    assert_eq!((www.header.span.line, www.lines[0].span.line), (8, 9));
    assert_eq!(www.name(), Some("www"));
}

#[test]
fn keywords_out_of_section_in_every_file() {
    let mut env = Env::empty();
    let out = read_files(
        &mut env,
        &[
            ("a.cfg", b"maxconn 1\nglobal\n  daemon\n"),
            ("b.cfg", b"  nbthread 2\n"),
        ],
    );
    assert_eq!(
        out.diags,
        [
            "parsing [a.cfg:1]: unknown keyword 'maxconn' out of section.",
            "parsing [b.cfg:1]: unknown keyword 'nbthread' out of section.",
        ]
    );
    assert!(!out.aborted);
}

#[test]
fn pseudo_variables_follow_sections_and_files() {
    let mut env = Env::empty();
    let out = read_files(
        &mut env,
        &[
            ("a.cfg", b".notice \"[$.SECTION]\"\nglobal\n.notice \"$.FILE:$.LINE:$.SECTION\"\nbackend be\n.notice \"${.SECTION}\"\ndefaults\n.notice \"$.SECTION\"\n"),
            ("b.cfg", b".notice \"[$.SECTION]\"\n"),
        ],
    );
    assert_eq!(
        out.diags,
        [
            "parsing [a.cfg:1]: '[]'.",
            "parsing [a.cfg:3]: 'a.cfg:3:global'.",
            "parsing [a.cfg:5]: 'be'.",
            "parsing [a.cfg:7]: 'defaults'.",
            "parsing [b.cfg:1]: '[]'.",
        ]
    );
    assert_eq!(out.levels[0], Level::Notice);
}

#[test]
fn modifiers() {
    let out = read(
        "defaults\n  no option httplog\n  default option redispatch\n  no log\n  no maxconn 1\n  no\n  default\n",
    );
    let sec = &out.config.sections[0];
    let got: Vec<(Modifier, Vec<String>)> = sec
        .lines
        .iter()
        .map(|l| (l.modifier, l.words.clone()))
        .collect();
    let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            (Modifier::No, w(&["option", "httplog"])),
            (Modifier::Default, w(&["option", "redispatch"])),
            (Modifier::No, w(&["log"])),
            (Modifier::No, w(&["maxconn", "1"])),
            (Modifier::No, w(&[""])),
            (Modifier::Default, w(&["default"])),
        ]
    );
    let negation = "negation/default currently supported only for options, log, busy-polling, \
                    set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.";
    assert_eq!(
        out.diags,
        [
            format!("parsing [t.cfg:5]: {negation}"),
            format!("parsing [t.cfg:6]: {negation}"),
            format!("parsing [t.cfg:7]: {negation}"),
        ]
    );
    let out = read("no\n");
    assert_eq!(out.diags.len(), 2);
    assert_eq!(
        out.diags[1],
        "parsing [t.cfg:1]: unknown keyword '' out of section."
    );
}

/// Manual 2.4: the nested `.if "${A}"` example, for every combination of A, B, C, D.
#[test]
fn manual_nested_example() {
    let text = "\
.if \"${A}\"
  .if \"${B}\"
     .notice \"A=1, B=1\"
  .elif \"${C}\"
     .notice \"A=1, B=0, C=1\"
  .elif \"${D}\"
     .warning \"A=1, B=0, C=0, D=1\"
  .else
     .alert \"A=1, B=0, C=0, D=0\"
  .endif
.else
     .notice \"A=0\"
.endif
";
    for bits in 0..16u8 {
        let mut env = Env::empty();
        for (i, name) in ["A", "B", "C", "D"].into_iter().enumerate() {
            env.set(name, if bits & (1 << i) != 0 { "1" } else { "0" });
        }
        let (a, b, c, d) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0);
        let expected = match (a, b, c, d) {
            (false, ..) => "parsing [t.cfg:12]: 'A=0'.",
            (true, true, ..) => "parsing [t.cfg:3]: 'A=1, B=1'.",
            (true, false, true, _) => "parsing [t.cfg:5]: 'A=1, B=0, C=1'.",
            (true, false, false, true) => "parsing [t.cfg:7]: 'A=1, B=0, C=0, D=1'.",
            (true, false, false, false) => "parsing [t.cfg:9]: 'A=1, B=0, C=0, D=0'.",
        };
        let out = read_files(&mut env, &[("t.cfg", text.as_bytes())]);
        assert_eq!(out.diags, [expected], "A={a} B={b} C={c} D={d}");
        assert_eq!(out.aborted, !b && !c && !d && a);
    }
}

/// Manual 2.4: the other examples, with Rampart's feature list (no OpenSSL).
#[test]
fn manual_examples() {
    let text = "\
global
.if defined(HAPROXY_MWORKER)
    listen mwcli_px
       bind :1111
.endif
frontend f
.if strneq(\"$SSL_ONLY\",yes)
       bind :80
.endif
.if streq(\"$WITH_SSL\",yes)
  .if feature(OPENSSL)
       bind :443 ssl crt x
  .endif
.endif
.if feature(OPENSSL) && (streq(\"$WITH_SSL\",yes) || streq(\"$SSL_ONLY\",yes))
       bind :443 ssl crt y
.endif
global
.if version_atleast(2.4-dev19)
    profiling.memory on
.endif
.diag \"WTA/2021-05-07: replace 'redirect' with 'return' after switch to 2.4\"
.if !feature(OPENSSL)
    .alert \"SSL support is mandatory\"
.endif
    never read
";
    let mut env = Env::empty();
    env.set("WITH_SSL", "yes");
    let out = read_files(&mut env, &[("t.cfg", text.as_bytes())]);
    assert_eq!(
        lines(&out),
        [
            "global",
            "frontend f",
            "  bind :80",
            "global",
            "  profiling.memory on"
        ]
    );
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:18] : global section detected after a non-global one, the \
             prevalence of their statements is unspecified",
            "parsing [t.cfg:22]: 'WTA/2021-05-07: replace 'redirect' with 'return' after \
             switch to 2.4'.",
            "parsing [t.cfg:24]: 'SSL support is mandatory'.",
        ]
    );
    assert_eq!(out.levels, [Level::Diag, Level::Diag, Level::Alert]);
    assert!(out.aborted);

    env.set("HAPROXY_MWORKER", "1");
    let out = read_files(&mut env, &[("t.cfg", text.as_bytes())]);
    assert_eq!(
        &lines(&out)[..3],
        ["global", "listen mwcli_px", "  bind :1111"]
    );
}

#[test]
fn conditional_state_machine() {
    let text = "\
global
.if 0
  a
  .if 1/0
    b
  .elif 1
    c
  .else
    d
  .endif
  \"unterminated
.elif 1
  e
.elif 1
  f
.else
  g
.endif
.if 1
  h
  .if 0
    i
  .elif 0
    j
  .else
    k
  .endif
.else
  l
.endif
";
    let out = read(text);
    assert_eq!(lines(&out), ["global", "  e", "  h", "  k"]);
    // Lines are tokenized before blocks are applied: errors in dropped blocks count.
    assert_eq!(
        out.diags,
        ["parsing [t.cfg:11]: unmatched quote at position 3:\n  \"unterminated\n  ^"]
    );
    assert!(!out.aborted);
}

#[test]
fn conditional_errors() {
    let cases: &[(&str, &str, bool)] = &[
        (
            ".elif 1\nglobal\n",
            "parsing [t.cfg:1]: lone '.elif' with no matching '.if'.",
            true,
        ),
        (
            ".else\n",
            "parsing [t.cfg:1]: lone '.else' with no matching '.if'.",
            true,
        ),
        (
            ".endif\n",
            "parsing [t.cfg:1]: lone '.endif' with no matching '.if'.",
            true,
        ),
        (
            ".if 1\n.else\n.elif 1\n",
            "parsing [t.cfg:3]: '.elif' after '.else' is not permitted.",
            true,
        ),
        (
            ".if 1\n.else\n.else\n",
            "parsing [t.cfg:3]: '.else' after '.else' is not permitted.",
            true,
        ),
        (
            ".if 1\n.else x\n",
            "parsing [t.cfg:2]: Unexpected argument 'x' for '.else'.",
            true,
        ),
        (
            ".if 1\n.endif x\n",
            "parsing [t.cfg:2]: Unexpected argument 'x' for '.endif'.",
            true,
        ),
        (
            ".if 1\nglobal\n",
            "parsing [t.cfg:2]: non-terminated '.if' block.",
            true,
        ),
        (
            ".if 1 &&\n",
            "parsing [t.cfg:1]: unparsable conditional expression '&&' in '.if' at position \
             3:\n  .if 1 &&\n        ^",
            true,
        ),
        (
            ".if 0\n.elif (1\n",
            "parsing [t.cfg:2]: expected ')' after conditional expression '(1' in '.elif' at \
             position 1:\n  .elif (1\n        ^",
            true,
        ),
        (
            ".foo\nglobal\n",
            "parsing [t.cfg:1]: unknown directive '.foo'.",
            false,
        ),
    ];
    for &(text, message, aborted) in cases {
        let out = read(text);
        assert!(
            out.diags.iter().any(|d| d == message),
            "{text:?}: {:?}",
            out.diags
        );
        assert_eq!(out.aborted, aborted, "{text:?}");
    }
    // An unknown directive stops this file (not the next one); `break`-type errors still
    // run the end-of-file checks, `goto err`-type ones do not.
    let mut env = Env::empty();
    let out = read_files(
        &mut env,
        &[("a.cfg", b"global\n.foo\nnever"), ("b.cfg", b"global\n")],
    );
    assert_eq!(out.diags, ["parsing [a.cfg:2]: unknown directive '.foo'."]);
    assert_eq!(out.config.sections.len(), 2);
    let out = read_files(&mut env, &[("a.cfg", b".if 1\n.foo")]);
    assert_eq!(
        out.diags,
        [
            "parsing [a.cfg:2]: unknown directive '.foo'.",
            "parsing [a.cfg:2]: Missing LF on last line, file might have been truncated at \
             position 5.",
            "parsing [a.cfg:2]: non-terminated '.if' block.",
        ]
    );
    let out = read(".endif");
    assert_eq!(out.diags.len(), 2);
    assert!(out.diags[1].contains("Missing LF"));
    let out = read(".else");
    assert_eq!(out.diags.len(), 1);
    // Only the second word is checked (HAProxy tests `*args[1]`).
    assert!(read(".if 1\n.endif \"\" x\n").diags.is_empty());
    // Errors in the condition of a block inside a dropped one are never seen.
    assert!(read(".if 0\n.if (((\n.endif\n.endif\n").diags.is_empty());
    assert!(read(".if 1\n.elif (((\n.endif\n").diags.is_empty());
}

#[test]
fn too_many_nested_ifs() {
    let ok = format!("{}{}", ".if 1\n".repeat(99), ".endif\n".repeat(99));
    assert!(read(&ok).diags.is_empty());
    let out = read(&".if 1\n".repeat(10_000));
    assert_eq!(
        out.diags,
        ["parsing [t.cfg:100]: too many nested '.if', max is 100."]
    );
    assert!(out.aborted);
}

#[test]
fn message_directives() {
    let out = read(
        ".notice \"n\"\n.warning 'w'\n.diag d\n.notice\n.warning a b\n.notice a \"\" b\n.alert\nglobal\n",
    );
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:1]: 'n'.",
            "parsing [t.cfg:2]: 'w'.",
            "parsing [t.cfg:3]: 'd'.",
            "parsing [t.cfg:4]: ''.",
            "parsing [t.cfg:5]: Unexpected argument 'b' for '.warning'. Use quotes if the \
             message should contain spaces.",
            "parsing [t.cfg:6]: 'a'.",
            "parsing [t.cfg:7]: ''.",
        ]
    );
    assert_eq!(
        out.levels,
        [
            Level::Notice,
            Level::Warning,
            Level::Diag,
            Level::Notice,
            Level::Alert,
            Level::Notice,
            Level::Alert
        ]
    );
    assert!(out.aborted);
    assert!(out.config.sections.is_empty());
    // `.alert` also stops every later file.
    let mut env = Env::empty();
    let out = read_files(
        &mut env,
        &[("a.cfg", b".alert \"boom\"\n"), ("b.cfg", b"global\n")],
    );
    assert_eq!(out.diags, ["parsing [a.cfg:1]: 'boom'."]);
    assert_eq!(out.config.sources.names().count(), 1);
}

#[test]
fn rendered_like_haproxy() {
    let mut env = Env::empty();
    let mut reader = Reader::new(&mut env);
    reader.read_bytes("b.cfg", b"global\n.notice \"${FOO-\n");
    let (config, diags) = reader.finish();
    let text: Vec<String> = diags
        .iter()
        .map(|d| d.render(8035, &config.sources))
        .collect();
    assert_eq!(
        text,
        [
            "[ALERT]    (8035) : config : parsing [b.cfg:2]: unmatched brace in environment \
          variable name at position 11:\n  .notice \"${FOO-\n            ^"
        ]
    );
}

#[test]
fn missing_lf_and_stray_nul() {
    let out = read("global\n  .notice \"x\"");
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:2]: 'x'.",
            "parsing [t.cfg:2]: Missing LF on last line, file might have been truncated at \
             position 14."
        ]
    );
    assert!(!out.aborted);
    // A NUL cuts the line; what follows in the file is a stray NUL error...
    let mut env = Env::empty();
    let out = read_files(&mut env, &[("h.cfg", b".notice \"a\0b\"\n.notice \"c\"\n")]);
    assert_eq!(
        out.diags,
        [
            "parsing [h.cfg:1]: unmatched quote at position 9:\n  .notice \"a\n          ^",
            "parsing [h.cfg:1]: Stray NUL character at position 11.",
        ]
    );
    // ...and at the end of the file, a missing LF.
    let out = read_files(&mut env, &[("j.cfg", b".notice \"a\"\0\n")]);
    assert_eq!(
        out.diags,
        [
            "parsing [j.cfg:1]: 'a'.",
            "parsing [j.cfg:1]: Missing LF on last line, file might have been truncated at \
             position 12."
        ]
    );
    // Whether the bytes after a NUL fit in the same read depends on HAProxy's buffer size
    // (2048 bytes at first, doubled by every longer line).
    let mut m = b".notice \"a\0".to_vec();
    m.extend(vec![b'y'; 3000]);
    m.extend(b"\"\n");
    let out = read_files(&mut env, &[("m.cfg", &m)]);
    assert_eq!(
        out.diags[1],
        "parsing [m.cfg:1]: Stray NUL character at position 11."
    );
    let mut l = b".notice \"".to_vec();
    l.extend(vec![b'x'; 3000]);
    l.extend(b"\"\n");
    l.extend(&m);
    let out = read_files(&mut env, &[("l.cfg", &l)]);
    assert_eq!(
        out.diags[2],
        "parsing [l.cfg:2]: Missing LF on last line, file might have been truncated at \
         position 11."
    );
    // HAProxy drops a last line without LF of exactly 2047 bytes; Rampart reads it.
    let mut f = b".notice \"".to_vec();
    f.extend(vec![b'x'; 2037]);
    f.push(b'"');
    assert_eq!(f.len(), 2047);
    let out = read_files(&mut env, &[("f.cfg", &f)]);
    assert_eq!(out.diags.len(), 2);
    assert_eq!(
        out.diags[1],
        "parsing [f.cfg:1]: Missing LF on last line, file might have been truncated at \
         position 2048."
    );
    // CRLF line endings are fine (the CR ends the words).
    assert_eq!(
        lines(&read("global\r\n  daemon\r\n")),
        ["global", "  daemon"]
    );
}

#[test]
fn too_many_fatal_errors() {
    let fifty = "foo \"x\n".repeat(50);
    let out = read(&format!("{fifty}.notice \"after\"\n"));
    assert_eq!(out.diags.len(), 51);
    assert_eq!(
        out.diags[50],
        "parsing [t.cfg:51]: too many fatal errors (50), stopping now."
    );
    assert!(!out.aborted);
    // The limit is only checked when another line comes.
    assert_eq!(read(&fifty).diags.len(), 50);
    let out = read(&"x\n".repeat(60));
    assert_eq!(out.diags.len(), 51);
}

#[test]
fn scope_lines() {
    let out = read("[ok]\nglobal\n  [ok.2:x-y_z] # c\n");
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:1] : scope '[ok]' has no effect here: scopes only select sections \
             of SPOE configuration files.",
            "parsing [t.cfg:3] : scope '[ok.2:x-y_z]' has no effect here: scopes only select \
             sections of SPOE configuration files.",
        ]
    );
    assert_eq!(out.levels, [Level::Warning, Level::Warning]);
    let out = read("[]\n[\n");
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:1] : empty scope name is forbidden.",
            "parsing [t.cfg:2] : empty scope name is forbidden.",
        ]
    );
    assert!(!out.aborted);
    // A bad name aborts at the next line a section parser would see.
    let out = read("[a b]\nmaxconn 1\nglobal\n  daemon\n  never\n");
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:1] : character ' ' is not permitted in a scope name.",
            "parsing [t.cfg:2]: unknown keyword 'maxconn' out of section.",
        ]
    );
    assert_eq!(lines(&out), ["global"]);
    assert!(out.aborted);
    let out = read("[ok] x\n");
    assert_eq!(
        out.diags,
        ["parsing [t.cfg:1] : character 'x' is not permitted after scope declaration."]
    );
    assert!(out.aborted);
}

#[test]
fn global_environment_keywords() {
    let text = "\
global
  setenv X one
  presetenv X two
  presetenv Y three
  .notice \"$X $Y\"
  setenv X \"a b\"
  .notice \"${X[*]}\"
  unsetenv X
  .notice \"${X-unset}\"
  setenv Z
  setenv Z 1 2 3
  setenv A=B 1
  setenv W 1 2
.if 0
  setenv X dropped
.endif
  .notice \"${X-unset} ${Z-unset} ${W}\"
  resetenv Y KEEP
  .notice \"${Y} ${W-gone} ${KEEP}\"
defaults
  setenv V 1
  .notice \"${V-not in global}\"
";
    let mut env = Env::empty();
    env.set("KEEP", "k");
    env.set("PATH", "/bin");
    let out = read_files(&mut env, &[("t.cfg", text.as_bytes())]);
    assert_eq!(
        out.diags,
        [
            "parsing [t.cfg:5]: 'one three'.",
            "parsing [t.cfg:7]: Unexpected argument 'b' for '.notice'. Use quotes if the \
             message should contain spaces.",
            "parsing [t.cfg:9]: 'unset'.",
            "parsing [t.cfg:17]: 'unset unset 1'.",
            "parsing [t.cfg:19]: 'three gone k'.",
            "parsing [t.cfg:22]: 'not in global'.",
        ]
    );
    let left: Vec<(&str, &str)> = env.iter().collect();
    assert_eq!(left, [("KEEP", "k"), ("Y", "three")]);
}

#[test]
fn unsetenv_stops_at_an_empty_word() {
    let mut env = Env::empty();
    env.set("A", "1");
    env.set("B", "2");
    read_files(&mut env, &[("t.cfg", b"global\n  unsetenv A \"\" B\n")]);
    assert_eq!(env.get("A"), None);
    assert_eq!(env.get("B"), Some("2"));
}

#[test]
fn hostile_inputs() {
    let start = Instant::now();
    let mut env = Env::empty();
    // A 1 MB line, a line of a million words, 10,000 nested blocks.
    let mut big = b"global\n  x ".to_vec();
    big.extend(vec![b'a'; 1 << 20]);
    big.push(b'\n');
    big.extend("w ".repeat(1_000_000).as_bytes());
    big.extend(b"\n\"unterminated\n\"${BRACE\n\xff\xfe\n");
    let out = read_files(&mut env, &[("big.cfg", &big)]);
    assert_eq!(out.config.sections[0].lines[0].words[1].len(), 1 << 20);
    assert_eq!(
        out.diags.len(),
        4,
        "{:?}",
        out.diags
            .iter()
            .map(|d| &d[..60.min(d.len())])
            .collect::<Vec<_>>()
    );
    assert!(
        out.diags[0].starts_with("parsing [big.cfg:3]: too many words, truncating after word 64")
    );
    assert!(out.diags[3]
        .starts_with("parsing [big.cfg:6]: invalid UTF-8 sequence in word 1 at position 1"));
    let nested = ".if 1\n".repeat(10_000);
    assert!(read(&nested).aborted);
    // Pseudo-random files.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet = b"ab .#[]\"'\\${}-*\n\n\0\r\t\xff.if .elif .else .endif global x";
    for _ in 0..300 {
        let len = (x % 4000) as usize;
        let mut file = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            file.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let out = read_files(&mut env, &[("r.cfg", &file)]);
        assert!(out.diags.len() <= 60);
    }
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
}
