//! The runtime API's text protocol, sans-IO (management guide 9.3; HAProxy's
//! `cli_io_handler` and `cli_parse_request`): bytes in, answers out.
//!
//! A request is a line; unescaped `;` separate several commands on one line, and a
//! backslash escapes the next character. Each answer ends with an empty line (`\n`),
//! or with `\n> ` in interactive mode (`prompt`). Without the prompt, the session closes
//! once it has answered everything the client had sent. A line ending with the word
//! `<<` starts a payload, gathered until an empty line. A line longer than the buffer
//! (HAProxy's 16 kB) ends the session without an answer, as does end of input in the
//! middle of a line.
//!
//! The session's own commands (`help`, `prompt`, `quit`, `user`, `operator`,
//! `expert-mode`, `experimental-mode`, `set severity-output`, `show cli level`) are
//! answered here; the others go to a [`Handler`].

use crate::kw::{Access, Kw, KEYWORDS};
use rampart_model::global::stats::{AccessLevel, SeverityOutput};

/// HAProxy's request buffer (`tune.bufsize`): a longer line closes the session.
pub const LINE_MAX: usize = 16384 - 1;
/// HAProxy's `MAX_CLI_ARGS`.
const MAX_ARGS: usize = 64;

/// Syslog severities used by the CLI's messages.
pub const LOG_ERR: u8 = 3;
pub const LOG_INFO: u8 = 6;

const LEVEL_NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// The text "Permission denied" answer of a command above the session's level.
pub const PERMISSION_DENIED: &str = "Permission denied\n";

/// Where a command writes its answer.
pub struct Reply<'a> {
    out: &'a mut Vec<u8>,
    severity: SeverityOutput,
}

impl Reply<'_> {
    /// A message with its severity (shown per `severity-output`).
    pub fn msg(&mut self, severity: u8, text: &str) {
        match self.severity {
            SeverityOutput::None => {}
            SeverityOutput::Number => self
                .out
                .extend_from_slice(format!("[{severity}]: ").as_bytes()),
            SeverityOutput::String => {
                let name = LEVEL_NAMES
                    .get(usize::from(severity))
                    .copied()
                    .unwrap_or("?");
                self.out.extend_from_slice(format!("[{name}]: ").as_bytes());
            }
        }
        self.out.extend_from_slice(text.as_bytes());
    }

    /// An error message (severity `err`).
    pub fn err(&mut self, text: &str) {
        self.msg(LOG_ERR, text);
    }

    /// Raw output of a dump (never prefixed).
    pub fn raw(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }
}

/// A command for the handler.
pub struct Command<'a> {
    /// The words, unescaped.
    pub args: &'a [String],
    /// The payload after `<<`, if any.
    pub payload: Option<&'a str>,
    /// The session's level now.
    pub level: AccessLevel,
    /// The command's words as the table names them.
    pub kw: &'static Kw,
}

impl Command<'_> {
    /// Argument `i`, or "" past the end (as HAProxy's empty argument slots).
    pub fn arg(&self, i: usize) -> &str {
        self.args.get(i).map_or("", String::as_str)
    }
}

/// What runs the commands that are not the session's own.
pub trait Handler {
    fn command(&mut self, cmd: &Command<'_>, out: &mut Reply<'_>);
}

/// After feeding input: keep reading, or close the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    More,
    Close,
}

/// One CLI session.
#[derive(Debug)]
pub struct Session {
    pub level: AccessLevel,
    pub expert: bool,
    pub experimental: bool,
    pub prompt: bool,
    pub severity: SeverityOutput,
    /// The command line and payload gathered so far in payload mode.
    payload: Option<(String, String)>,
}

impl Session {
    pub fn new(level: AccessLevel, severity: SeverityOutput) -> Session {
        Session {
            level,
            expert: false,
            experimental: false,
            prompt: false,
            severity,
            payload: None,
        }
    }

    /// Consumes the complete requests at the start of `input` and writes their answers
    /// to `out`. `eof`: the client sends nothing more.
    pub fn feed(
        &mut self,
        input: &mut Vec<u8>,
        eof: bool,
        h: &mut dyn Handler,
        out: &mut Vec<u8>,
    ) -> Flow {
        loop {
            let found = if self.payload.is_some() {
                memchr_nl(input)
            } else {
                find_delim(input)
            };
            let Some(pos) = found else {
                if eof || input.len() >= LINE_MAX {
                    return Flow::Close;
                }
                return Flow::More;
            };
            if pos >= LINE_MAX {
                return Flow::Close;
            }
            let mut line: Vec<u8> = input.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            let mut quit = false;
            let mut nolf = false;
            if let Some((cmdline, mut data)) = self.payload.take() {
                if line.is_empty() {
                    data.pop();
                    let (q, n) = self.execute(&cmdline, Some(&data), h, out);
                    quit = q;
                    nolf = n;
                } else {
                    // The command and its payload must fit in the buffer, as HAProxy's:
                    // more closes the session.
                    if cmdline.len() + data.len() + line.len() + 1 > LINE_MAX {
                        return Flow::Close;
                    }
                    data.push_str(&line);
                    data.push('\n');
                    self.payload = Some((cmdline, data));
                }
            } else if line.ends_with("<<") && is_payload_word(&line) {
                self.payload = Some((line, String::new()));
            } else {
                let (q, n) = self.execute(&line, None, h, out);
                quit = q;
                nolf = n;
            }
            if quit {
                return Flow::Close;
            }
            if self.prompt {
                if self.payload.is_some() {
                    out.extend_from_slice(b"+ ");
                } else {
                    out.extend_from_slice(b"\n> ");
                }
            } else if self.payload.is_none() && !nolf {
                out.push(b'\n');
            }
            if !self.prompt && input.is_empty() && self.payload.is_none() {
                return Flow::Close;
            }
        }
    }

    /// Runs one command line; returns (quit, no trailing LF).
    fn execute(
        &mut self,
        line: &str,
        payload: Option<&str>,
        h: &mut dyn Handler,
        out: &mut Vec<u8>,
    ) -> (bool, bool) {
        let args = split_args(line);
        let mut reply = Reply {
            out,
            severity: self.severity,
        };
        let Some(kw) = find_kw(&args).filter(|k| k.access != Access::MasterOnly) else {
            let usage = self.usage(&args);
            reply.msg(LOG_INFO, &usage);
            return (false, false);
        };
        if kw.access == Access::Expert && !self.expert {
            reply.err("This command is restricted to expert mode only.\n");
            return (false, false);
        }
        if kw.access == Access::Experimental && !self.experimental {
            reply.err("This command is restricted to experimental mode only.\n");
            return (false, false);
        }
        let arg = |i: usize| args.get(i).map_or("", String::as_str);
        match kw.words {
            ["help"] => {
                let usage = self.usage(&args);
                reply.msg(LOG_INFO, &usage);
            }
            ["prompt"] => self.prompt = !self.prompt,
            ["quit"] => return (true, false),
            ["user"] | ["operator"] => {
                let nolf = arg(1) == "-";
                let want = if kw.words[0] == "user" {
                    AccessLevel::User
                } else {
                    AccessLevel::Operator
                };
                if self.level < want {
                    reply.err(PERMISSION_DENIED);
                    return (false, nolf);
                }
                self.level = want;
                self.expert = false;
                self.experimental = false;
                return (false, nolf);
            }
            ["expert-mode"] | ["experimental-mode"] => {
                let nolf = !arg(1).is_empty() && arg(2) == "-";
                if self.level < AccessLevel::Admin {
                    reply.err(PERMISSION_DENIED);
                    return (false, nolf);
                }
                let name = kw.words[0];
                let flag = if name == "expert-mode" {
                    &mut self.expert
                } else {
                    &mut self.experimental
                };
                if arg(1).is_empty() {
                    let state = if *flag { "ON" } else { "OFF" };
                    reply.msg(LOG_INFO, &format!("{name} is {state}\n"));
                } else {
                    *flag = arg(1) == "on";
                }
                return (false, nolf);
            }
            ["set", "severity-output"] => {
                let v = match arg(2) {
                    "none" => Some(SeverityOutput::None),
                    "number" => Some(SeverityOutput::Number),
                    "string" => Some(SeverityOutput::String),
                    _ => None,
                };
                match v {
                    Some(v) => self.severity = v,
                    None => reply.err("one of 'none', 'number', 'string' is a required argument\n"),
                }
            }
            ["show", "cli", "level"] => {
                let name = match self.level {
                    AccessLevel::Admin => "admin\n",
                    AccessLevel::Operator => "operator\n",
                    AccessLevel::User => "user\n",
                };
                reply.msg(LOG_INFO, name);
            }
            _ => {
                let cmd = Command {
                    args: &args,
                    payload,
                    level: self.level,
                    kw,
                };
                h.command(&cmd, &mut reply);
            }
        }
        (false, false)
    }

    /// Whether a command is visible to this session (HAProxy hides expert and
    /// experimental commands outside their modes, and the master's).
    fn visible(&self, kw: &Kw) -> bool {
        match kw.access {
            Access::Any => true,
            Access::Expert => self.expert,
            Access::Experimental => self.experimental,
            Access::MasterOnly => false,
        }
    }

    /// HAProxy's `cli_gen_usage_msg`: the commands matching the first words, the
    /// closest ones when the rest does not match, or all.
    pub fn usage(&self, args: &[String]) -> String {
        let mut args: &[String] = args;
        let mut ishelp = false;
        if args.first().map(String::as_str) == Some("help") {
            args = &args[1..];
            ishelp = true;
        }
        let a = |i: usize| args.get(i).map_or("", String::as_str);
        let visible: Vec<&Kw> = KEYWORDS.iter().filter(|k| self.visible(k)).collect();
        let mut length = 0;
        for kw in &visible {
            for (idx, w) in kw.words.iter().enumerate() {
                if a(idx).is_empty() || *w != a(idx) {
                    break;
                }
                length = length.max(idx + 1);
            }
        }
        let mut text = String::new();
        if ishelp {
            text.push_str("The following commands are valid at this level:\n");
        } else if length == 0 && a(0).is_empty() {
            text.push_str("Unknown command. Please enter one of the following commands only:\n");
        } else {
            text.push_str(
                "Unknown command, but maybe one of the following ones is a better match:\n",
            );
        }
        let prefix_ok = |kw: &Kw| {
            let mut idx = 0;
            while idx < length {
                match kw.words.get(idx) {
                    Some(w) if !a(idx).is_empty() && *w == a(idx) => idx += 1,
                    _ => break,
                }
            }
            idx == length
        };
        const MAX_MATCHES: usize = 5;
        let mut matches: Vec<(&Kw, i64)> = Vec::new();
        if !a(length).is_empty() {
            let mut word_sig = [0u8; rampart_core::fingerprint::LEN];
            let mut tot_args = 0i64;
            for w in args.iter().skip(length).take(5usize.saturating_sub(length)) {
                if w.is_empty() {
                    break;
                }
                rampart_core::fingerprint::add(&mut word_sig, w);
                tot_args += w.len() as i64;
            }
            for kw in &visible {
                if kw.usage.is_none() || !prefix_ok(kw) || length > kw.words.len() {
                    continue;
                }
                let mut list_sig = [0u8; rampart_core::fingerprint::LEN];
                let mut totlen = tot_args;
                for w in kw.words.iter().skip(length) {
                    rampart_core::fingerprint::add(&mut list_sig, w);
                    totlen += w.len() as i64;
                }
                let dist: i64 = word_sig
                    .iter()
                    .zip(&list_sig)
                    .map(|(x, y)| (i64::from(*x) - i64::from(*y)).abs())
                    .sum();
                let worst = if matches.len() < MAX_MATCHES {
                    i64::MAX
                } else {
                    matches[MAX_MATCHES - 1].1
                };
                if dist < 5 * totlen / 2 && dist < worst {
                    if matches.len() == MAX_MATCHES {
                        matches.pop();
                    }
                    let at = matches
                        .iter()
                        .position(|m| m.1 > dist)
                        .unwrap_or(matches.len());
                    matches.insert(at, (kw, dist));
                }
            }
        }
        let mut entries: Vec<&str> = Vec::new();
        if let Some(&(_, best)) = matches.first() {
            for (kw, d) in &matches {
                if *d > 5 * best / 2 {
                    break;
                }
                entries.extend(kw.usage);
            }
        } else {
            for kw in &visible {
                if prefix_ok(kw) {
                    entries.extend(kw.usage);
                }
            }
        }
        entries.sort_unstable();
        for e in entries {
            text.push_str("  ");
            text.push_str(e);
            text.push('\n');
        }
        text.push_str(
            "  help [<command>]                        : list matching or all commands\n  \
             prompt                                  : toggle interactive mode with prompt\n  \
             quit                                    : disconnect\n",
        );
        text
    }
}

/// The first command whose words start the arguments.
pub fn find_kw(args: &[String]) -> Option<&'static Kw> {
    KEYWORDS.iter().find(|kw| {
        kw.words
            .iter()
            .enumerate()
            .all(|(i, w)| args.get(i).is_some_and(|a| a == w))
    })
}

fn memchr_nl(input: &[u8]) -> Option<usize> {
    input.iter().position(|&c| c == b'\n')
}

/// The first `\n` or `;` not escaped by a backslash.
fn find_delim(input: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'\\' => i += 2,
            b'\n' | b';' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The line's last word is `<<` (HAProxy's payload pattern).
fn is_payload_word(line: &str) -> bool {
    let head = &line[..line.len() - 2];
    head.is_empty() || head.ends_with([' ', '\t'])
}

/// Cuts a command line into words as `cli_parse_request` does: spaces and tabs separate
/// words unless escaped; a backslash keeps the next character (and is removed, except
/// a doubled one which stays single); the word `<<` ends the arguments.
pub fn split_args(line: &str) -> Vec<String> {
    let b = line.as_bytes();
    let mut args = Vec::new();
    let mut i = 0;
    while args.len() < MAX_ARGS && i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if &b[i..] == b"<<" {
            break;
        }
        let start = i;
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' => break,
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        let end = i.min(b.len());
        let raw = &b[start..end];
        let mut w = Vec::with_capacity(raw.len());
        let mut k = 0;
        while k < raw.len() {
            if raw[k] == b'\\' {
                if raw.get(k + 1) == Some(&b'\\') {
                    k += 1;
                } else {
                    k += 1;
                    continue;
                }
            }
            w.push(raw[k]);
            k += 1;
        }
        args.push(String::from_utf8_lossy(&w).into_owned());
        i = end + 1;
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl Handler for Echo {
        fn command(&mut self, cmd: &Command<'_>, out: &mut Reply<'_>) {
            out.raw(&format!("ran {}\n", cmd.args.join("|")));
            if let Some(p) = cmd.payload {
                out.raw(&format!("payload [{p}]\n"));
            }
        }
    }

    fn run(level: AccessLevel, input: &str) -> (String, Flow) {
        let mut s = Session::new(level, SeverityOutput::None);
        let mut buf = input.as_bytes().to_vec();
        let mut out = Vec::new();
        let f = s.feed(&mut buf, true, &mut Echo, &mut out);
        (String::from_utf8(out).unwrap_or_default(), f)
    }

    #[test]
    fn words_and_escapes() {
        assert_eq!(split_args("show  stat\t-1"), ["show", "stat", "-1"]);
        assert_eq!(split_args(r"a\ b c\\d e\;"), ["a b", r"c\d", "e;"]);
        assert_eq!(split_args("add map x <<"), ["add", "map", "x"]);
    }

    #[test]
    fn chains_and_terminators() {
        let (out, f) = run(AccessLevel::Admin, "show info; show backend\n");
        assert_eq!(out, "ran show|info\n\nran show|backend\n\n");
        assert_eq!(f, Flow::Close);
        let (out, _) = run(AccessLevel::Admin, "show cli level\\; x\n");
        assert!(out.starts_with("Unknown command, but maybe"), "{out}");
        let (out, _) = run(AccessLevel::Admin, "user; show cli level\n");
        assert_eq!(out, "\nuser\n\n");
    }

    #[test]
    fn prompt_mode_and_quit() {
        let mut s = Session::new(AccessLevel::Admin, SeverityOutput::None);
        let mut out = Vec::new();
        let mut buf = b"prompt\n".to_vec();
        assert_eq!(s.feed(&mut buf, false, &mut Echo, &mut out), Flow::More);
        let mut buf = b"show info\n".to_vec();
        assert_eq!(s.feed(&mut buf, false, &mut Echo, &mut out), Flow::More);
        let mut buf = b"quit\n".to_vec();
        assert_eq!(s.feed(&mut buf, false, &mut Echo, &mut out), Flow::Close);
        assert_eq!(String::from_utf8_lossy(&out), "\n> ran show|info\n\n> ");
    }

    #[test]
    fn levels_and_modes() {
        let (out, _) = run(AccessLevel::User, "operator\n");
        assert_eq!(out, "Permission denied\n\n");
        let (out, _) = run(AccessLevel::User, "expert-mode on\n");
        assert_eq!(out, "Permission denied\n\n");
        let (out, _) = run(AccessLevel::Admin, "expert-mode on;expert-mode\n");
        assert_eq!(out, "\nexpert-mode is ON\n\n");
        let (out, _) = run(AccessLevel::Admin, "debug dev exit\n");
        assert_eq!(out, "This command is restricted to expert mode only.\n\n");
        let (out, _) = run(AccessLevel::Admin, "set severity-output string; foo\n");
        assert!(out.starts_with("\n[info]: Unknown command"), "{out}");
        let (out, _) = run(AccessLevel::Admin, "set severity-output\n");
        assert_eq!(
            out,
            "one of 'none', 'number', 'string' is a required argument\n\n"
        );
    }

    #[test]
    fn help_lists_commands() {
        let s = Session::new(AccessLevel::Admin, SeverityOutput::None);
        let h = s.usage(&["help".to_string()]);
        assert!(
            h.starts_with("The following commands are valid at this level:\n  abort ssl ca-file")
        );
        assert!(!h.contains("debug dev"));
        assert!(h.ends_with("  quit                                    : disconnect\n"));
        let u = s.usage(&["show".to_string(), "stst".to_string()]);
        assert!(u.contains("show stat [desc|json"), "{u}");
    }

    #[test]
    fn payload_and_limits() {
        let (out, _) = run(AccessLevel::Admin, "add map m <<\nk v\nk2 v2\n\n");
        assert_eq!(out, "ran add|map|m\npayload [k v\nk2 v2]\n\n");
        let long = "x".repeat(LINE_MAX + 10);
        let (out, f) = run(AccessLevel::Admin, &long);
        assert_eq!((out.as_str(), f), ("", Flow::Close));
        let (out, f) = run(AccessLevel::Admin, "show info");
        assert_eq!((out.as_str(), f), ("", Flow::Close));
        // A payload larger than the buffer closes too, nothing run.
        let big = format!("add map m <<\n{}\n", "k v\n".repeat(LINE_MAX / 4 + 1));
        let (out, f) = run(AccessLevel::Admin, &big);
        assert_eq!((out.as_str(), f), ("", Flow::Close));
    }
}
