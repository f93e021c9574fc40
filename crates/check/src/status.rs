//! What a check reports (HAProxy's `HCHK_STATUS_*`, `check_statuses` table in check.c):
//! the status with its short name (`L4OK`) and description (`Layer4 check passed`), the
//! result it stands for (passed, failed, conditionally passed, no change), the code
//! (HTTP status, MySQL or LDAP error...) and the info text.

use rampart_model::proxy::check::CheckStatus;

/// A check status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Unknown,
    /// Initializing: no check ran yet.
    Ini,
    /// Ran, nothing to change (an agent reply without a health word).
    Checked,
    /// Enough consecutive errors seen on traffic (`observe`).
    Hana,
    SockErr,
    L4Ok,
    L4Tout,
    L4Con,
    L6Ok,
    L6Tout,
    L6Rsp,
    L7Tout,
    L7Rsp,
    L7Ok,
    L7OkC,
    L7Sts,
}

/// The effect of a status on a server's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Res {
    Unknown,
    Neutral,
    Failed,
    Passed,
    /// Passed, but the server asks for no new traffic (`disable-on-404`).
    CondPass,
}

impl Status {
    /// HAProxy's short name, as `show servers state` and the stats page print it.
    pub fn info(self) -> &'static str {
        use Status::*;
        match self {
            Unknown => "UNK",
            Ini => "INI",
            Checked => "CHECKED",
            Hana => "HANA",
            SockErr => "SOCKERR",
            L4Ok => "L4OK",
            L4Tout => "L4TOUT",
            L4Con => "L4CON",
            L6Ok => "L6OK",
            L6Tout => "L6TOUT",
            L6Rsp => "L6RSP",
            L7Tout => "L7TOUT",
            L7Rsp => "L7RSP",
            L7Ok => "L7OK",
            L7OkC => "L7OKC",
            L7Sts => "L7STS",
        }
    }

    /// HAProxy's description, as the state-change messages print it (`reason: ...`).
    pub fn desc(self) -> &'static str {
        use Status::*;
        match self {
            Unknown => "Unknown",
            Ini => "Initializing",
            Checked => "No status change",
            Hana => "Health analyze",
            SockErr => "Socket error",
            L4Ok => "Layer4 check passed",
            L4Tout => "Layer4 timeout",
            L4Con => "Layer4 connection problem",
            L6Ok => "Layer6 check passed",
            L6Tout => "Layer6 timeout",
            L6Rsp => "Layer6 invalid response",
            L7Tout => "Layer7 timeout",
            L7Rsp => "Layer7 invalid response",
            L7Ok => "Layer7 check passed",
            L7OkC => "Layer7 check conditionally passed",
            L7Sts => "Layer7 wrong status",
        }
    }

    pub fn result(self) -> Res {
        use Status::*;
        match self {
            Unknown | Ini => Res::Unknown,
            Checked => Res::Neutral,
            L4Ok | L6Ok | L7Ok => Res::Passed,
            L7OkC => Res::CondPass,
            _ => Res::Failed,
        }
    }

    /// Statuses with layer 5-7 data: the messages show their code.
    pub fn has_code(self) -> bool {
        matches!(self, Status::L7Ok | Status::L7OkC | Status::L7Sts)
    }
}

impl From<CheckStatus> for Status {
    fn from(s: CheckStatus) -> Status {
        match s {
            CheckStatus::L4Ok => Status::L4Ok,
            CheckStatus::L4Tout => Status::L4Tout,
            CheckStatus::L4Con => Status::L4Con,
            CheckStatus::L6Ok => Status::L6Ok,
            CheckStatus::L6Tout => Status::L6Tout,
            CheckStatus::L6Rsp => Status::L6Rsp,
            CheckStatus::L7Tout => Status::L7Tout,
            CheckStatus::L7Rsp => Status::L7Rsp,
            CheckStatus::L7Ok => Status::L7Ok,
            CheckStatus::L7OkC => Status::L7OkC,
            CheckStatus::L7Sts => Status::L7Sts,
        }
    }
}

/// The outcome of one check: what HAProxy keeps in `check->status`, `code`, `desc`,
/// `duration`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub status: Status,
    pub code: i64,
    /// The info text (HAProxy keeps at most 127 bytes of it).
    pub info: String,
    /// Milliseconds.
    pub duration: u64,
}

impl Report {
    pub fn new(status: Status, info: impl Into<String>) -> Report {
        let mut info: String = info.into();
        if info.len() > 127 {
            let mut end = 127;
            while !info.is_char_boundary(end) {
                end -= 1;
            }
            info.truncate(end);
        }
        Report {
            status,
            code: 0,
            info,
            duration: 0,
        }
    }

    pub fn with_code(mut self, code: i64) -> Report {
        self.code = code;
        self
    }

    /// `, reason: <desc>[, code: N][, info: "<info>"], check duration: Nms` (HAProxy's
    /// `srv_append_status` with a check).
    pub fn append_to(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, ", reason: {}", self.status.desc());
        if self.status.has_code() {
            let _ = write!(out, ", code: {}", self.code);
        }
        if !self.info.is_empty() {
            out.push_str(", info: \"");
            ascii_encode(&self.info, out);
            out.push('"');
        }
        // A result from traffic (`observe`) has no duration (HAProxy's -1).
        if self.status != Status::Hana {
            let _ = write!(out, ", check duration: {}ms", self.duration);
        }
    }
}

/// HAProxy's `chunk_asciiencode` with `"` as the quote: printable ASCII as is, anything
/// else and `<`, `>`, `"` as `<HH>`.
fn ascii_encode(s: &str, out: &mut String) {
    use std::fmt::Write;
    for b in s.bytes() {
        if (0x20..0x7f).contains(&b) && !matches!(b, b'<' | b'>' | b'"') {
            out.push(b as char);
        } else {
            let _ = write!(out, "<{b:02X}>");
        }
    }
}
