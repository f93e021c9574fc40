//! Process events sent to the logs as HAProxy's `send_log` sends them: a message for a
//! proxy goes to that proxy's targets only (none: nowhere), a message without a proxy
//! to the global targets. The caller words the message (HAProxy's texts: "Server be/s
//! is DOWN, ...", "backend be has no server available!") and picks its level.

/// Syslog levels HAProxy's events use.
pub mod level {
    pub const EMERG: u8 = 0;
    pub const ALERT: u8 = 1;
    pub const CRIT: u8 = 2;
    pub const ERR: u8 = 3;
    pub const WARNING: u8 = 4;
    pub const NOTICE: u8 = 5;
    pub const INFO: u8 = 6;
    pub const DEBUG: u8 = 7;
}

/// Sends an event to the logs of `proxy` (by name), or to the global targets when
/// `None`. Does nothing before logging is started. Never blocks.
pub fn event(proxy: Option<&str>, level: u8, msg: &str) {
    let Some(sys) = crate::installed() else {
        return;
    };
    let set = match proxy {
        Some(p) => sys.proxy_by_name(p),
        None => sys.global(),
    };
    if set.is_empty() {
        return;
    }
    // HAProxy prints the message into a buffer of `max_syslog_len` bytes, NUL included.
    let max = sys.max_line_len().saturating_sub(1);
    let mut bytes = msg.as_bytes();
    if bytes.len() > max {
        bytes = &bytes[..max];
    }
    set.send(level, bytes, None);
}

/// Prints an alert on stderr in HAProxy's format, in one write.
pub(crate) fn alert(msg: &str) {
    let line = format!("[ALERT]    ({}) : {msg}\n", std::process::id());
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
}
