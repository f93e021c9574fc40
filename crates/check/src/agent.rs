//! Agent replies (configuration manual 5.2 `agent-check`; HAProxy's
//! `tcpcheck_agent_expect_reply`), sans-IO: one line of words separated by spaces, tabs or
//! commas, ended by CR or LF, with an optional `#` description. Words: a weight `N%`,
//! a health status (`up`, `down`, `stopped`, `fail`), an administrative status (`ready`,
//! `drain`, `maint`), `maxconn:N`. The last word of a kind wins.

use crate::status::{Report, Status};

/// What the agent asked for; the caller applies it to the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// `drain`, `maint` or `ready` (lower-case).
    pub admin: Option<String>,
    /// The weight word (`75%`), to apply as `set weight` would.
    pub weight: Option<String>,
    /// The `maxconn:` value.
    pub maxconn: Option<String>,
    /// `up` / `down` / `stopped` / `fail`, lower-case.
    pub health: Option<String>,
    /// The first word not understood.
    pub error: Option<String>,
    /// The text after `#`.
    pub desc: String,
}

/// Parses the data received so far; `None` while the line is incomplete and more may come.
/// An incomplete last line gives an empty reply with `incomplete`.
pub fn parse(data: &[u8], last_read: bool) -> Option<Result<Reply, ()>> {
    let end = data
        .iter()
        .position(|&b| b == b'\n' || b == b'\r' || b == 0);
    let line = match end {
        Some(e) if data[e] != 0 => &data[..e],
        Some(e) => &data[..e],
        None if !last_read => return None,
        None => return Some(Err(())),
    };
    // A NUL before the end of line ends the string in HAProxy (C string).
    if end.is_some_and(|e| data[e] == 0) {
        return Some(Err(()));
    }
    let mut r = Reply::default();
    let mut rest = line;
    loop {
        while let [b' ' | b'\t' | b',', tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            break;
        }
        if rest[0] == b'#' {
            let mut d = &rest[1..];
            while let [b' ' | b'\t', tail @ ..] = d {
                d = tail;
            }
            r.desc = String::from_utf8_lossy(d).into_owned();
            break;
        }
        let wend = 1 + rest[1..]
            .iter()
            .position(|&b| matches!(b, b'\t' | b' ' | b'\n' | b','))
            .unwrap_or(rest.len() - 1);
        let word = String::from_utf8_lossy(&rest[..wend]).into_owned();
        rest = &rest[wend..];
        let lw = word.to_ascii_lowercase();
        match lw.as_str() {
            "up" | "down" | "stopped" | "fail" => r.health = Some(word),
            "ready" | "drain" | "maint" => r.admin = Some(lw),
            _ if word.as_bytes()[0].is_ascii_digit() && word.contains('%') => r.weight = Some(word),
            _ if lw.starts_with("maxconn:") => r.maxconn = Some(word[8..].to_string()),
            _ => {
                if r.error.is_none() {
                    r.error = Some(word);
                }
            }
        }
    }
    Some(Ok(r))
}

/// The report of a reply, given the warning the weight or maxconn change produced (as
/// HAProxy builds it: `via agent : down (text)`...). `None`: no health word, nothing odd.
pub fn report(r: &Reply, warning: Option<&str>) -> Report {
    let status = match r.health.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("up") => Status::L7Ok,
        Some(_) => Status::L7Sts,
        None => Status::Checked,
    };
    if let Some(hs) = &r.health {
        let mut msg = r.desc.as_str();
        if msg.is_empty() || status == Status::L7Ok {
            if let Some(e) = r.error.as_deref().filter(|e| !e.is_empty()) {
                msg = e;
            } else if let Some(w) = warning.filter(|w| !w.is_empty()) {
                msg = w;
            }
        }
        let info = if msg.is_empty() {
            format!("via agent : {hs}")
        } else {
            format!("via agent : {hs} ({msg})")
        };
        return Report::new(status, info);
    }
    if let Some(e) = r.error.as_deref().filter(|e| !e.is_empty()) {
        return Report::new(status, format!("agent reports an error : {e}"));
    }
    if let Some(w) = warning.filter(|w| !w.is_empty()) {
        return Report::new(status, format!("agent warns : {w}"));
    }
    Report::new(status, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Reply {
        match parse(s.as_bytes(), true) {
            Some(Ok(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn words() {
        let r = p("75% drain\n");
        assert_eq!(r.weight.as_deref(), Some("75%"));
        assert_eq!(r.admin.as_deref(), Some("drain"));
        let r = p("down #disk full\r\n");
        assert_eq!(r.health.as_deref(), Some("down"));
        assert_eq!(r.desc, "disk full");
        assert_eq!(report(&r, None).info, "via agent : down (disk full)");
        assert_eq!(report(&r, None).status, Status::L7Sts);
        let r = p("up,50%,bogus\n");
        assert_eq!(report(&r, None).info, "via agent : up (bogus)");
        assert_eq!(report(&p("ready\n"), None).status, Status::Checked);
        assert_eq!(parse(b"up", false), None);
        assert_eq!(parse(b"up", true), Some(Err(())));
    }
}
