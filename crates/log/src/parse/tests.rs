#![allow(clippy::unwrap_used)]

use super::*;

fn fields(m: &[u8]) -> (Option<u32>, Option<u32>, Vec<String>) {
    let p = parse_message(m);
    let s = |r: &Range<usize>| String::from_utf8_lossy(&m[r.clone()]).into_owned();
    (
        p.facility,
        p.level,
        [
            &p.prio, &p.time, &p.host, &p.tag, &p.pid, &p.msgid, &p.sd, &p.msg,
        ]
        .iter()
        .map(|r| s(r))
        .collect(),
    )
}

#[test]
fn rfc5424_messages() {
    let (f, l, v) = fields(
        b"<134>1 2023-03-05T07:08:09.012345+01:00 host app 42 ID7 [a@1 x=\"y\"][b@2] hello world",
    );
    assert_eq!((f, l), (Some(16), Some(6)));
    assert_eq!(
        v,
        [
            "<134>",
            "2023-03-05T07:08:09.012345+01:00",
            "host",
            "app",
            "42",
            "ID7",
            "[a@1 x=\"y\"][b@2]",
            "hello world"
        ]
    );
    let (_, _, v) = fields(b"<13>1 - - - - - - msg");
    assert_eq!(v, ["<13>", "-", "", "", "", "", "", "msg"]);
    let (_, _, v) = fields(b"<13>1 2023-03-05T07:08:09Z h a p m - x");
    assert_eq!(v[1], "2023-03-05T07:08:09Z");
    // A bad header keeps only the priority; the message is everything after it.
    let (f, l, v) = fields(b"<13>1 2023-03-05T07:08:09Q h a p m - x");
    assert_eq!((f, l), (Some(1), Some(5)));
    // (HAProxy has taken the `1 ` off its length by then: the last two bytes are lost.)
    assert_eq!(
        v,
        [
            "<13>",
            "",
            "",
            "",
            "",
            "",
            "",
            "1 2023-03-05T07:08:09Q h a p m -"
        ]
    );
}

#[test]
fn rfc3164_messages() {
    let (_, _, v) = fields(b"<30>Mar  5 07:08:09 myhost sshd[99]: Accepted key");
    assert_eq!(
        v,
        [
            "<30>",
            "Mar  5 07:08:09",
            "myhost",
            "sshd",
            "99",
            "",
            "",
            "Accepted key"
        ]
    );
    let (_, _, v) = fields(b"<30>Mar  5 07:08:09 myhost kernel: oops");
    assert_eq!(v[3..5], ["kernel", ""]);
    assert_eq!(v[7], "oops");
    // No tag: the message follows the host name.
    let (_, _, v) = fields(b"<30>Mar  5 07:08:09 myhost just words here");
    assert_eq!(v[3], "");
    assert_eq!(v[7], "just words here");
    // Not a month: bad format.
    let (_, _, v) = fields(b"<30>Foo  5 07:08:09 myhost x: y");
    assert_eq!(v[1..7], ["", "", "", "", "", ""]);
}

#[test]
fn no_priority() {
    let (f, l, v) = fields(b"plain text");
    assert_eq!((f, l), (None, None));
    assert_eq!(v[7], "plain text");
    let (f, _, _) = fields(b"<1x>abc");
    assert_eq!(f, None);
    let (f, _, v) = fields(b"<99999>abc");
    assert_eq!(f, Some(12499));
    assert_eq!(v[7], "abc");
}

#[test]
fn tcp_frames() {
    assert_eq!(
        next_frame(b"<13>hello\r\nrest", 1024),
        Frame::Message {
            msg: 0..9,
            consumed: 11
        }
    );
    assert_eq!(next_frame(b"<13>hel", 1024), Frame::Incomplete);
    assert_eq!(
        next_frame(b"5 <13>ab7 <1>", 1024),
        Frame::Message {
            msg: 2..7,
            consumed: 7
        }
    );
    assert_eq!(next_frame(b"12 <13>ab", 1024), Frame::Incomplete);
    assert_eq!(next_frame(b"0 x", 1024), Frame::Invalid);
    assert_eq!(next_frame(b"x", 1024), Frame::Invalid);
    assert_eq!(next_frame(b"2000 x", 1024), Frame::Invalid);
    assert_eq!(next_frame(&[b'<'; 10], 10), Frame::Invalid);
    assert_eq!(next_frame(b"", 10), Frame::Incomplete);
}
