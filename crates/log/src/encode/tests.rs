#![allow(clippy::unwrap_used)]

use super::*;

/// 2023-03-05 07:08:09.012345 UTC.
const T: i64 = 1_678_000_089;

fn zone() -> Zone {
    Zone::from_tz(Some("UTC0"))
}

fn now(z: &Zone) -> Now<'_> {
    Now {
        secs: T,
        usec: 12345,
        zone: z,
    }
}

fn local_meta() -> Meta<'static> {
    Meta {
        tag: b"haproxy",
        pid: b"123",
        sd: b"-",
        ..Meta::default()
    }
}

fn header(fmt: Option<LogFormat>, level: u32, fac: u32, meta: &Meta<'_>) -> String {
    let z = zone();
    let mut h = Header::default();
    h.build(resolve_format(fmt, meta), level, fac, meta, now(&z));
    String::from_utf8(h.bytes().to_vec()).unwrap()
}

#[test]
fn headers_of_each_format() {
    let m = local_meta();
    // local0 (16) * 8 + info (6) = 134.
    let h = |f| header(Some(f), 6, 16, &m);
    assert_eq!(h(LogFormat::Local), "<134>Mar  5 07:08:09 haproxy[123]: ");
    assert_eq!(
        h(LogFormat::Rfc3164),
        "<134>Mar  5 07:08:09 localhost haproxy[123]: "
    );
    assert_eq!(
        h(LogFormat::Rfc5424),
        "<134>1 2023-03-05T07:08:09.012345+00:00 - haproxy 123 - - "
    );
    assert_eq!(h(LogFormat::Priority), "<134>");
    assert_eq!(h(LogFormat::Short), "<6>");
    assert_eq!(h(LogFormat::Timed), "<6>2023-03-05T07:08:09.012345+00:00 ");
    assert_eq!(h(LogFormat::Iso), "2023-03-05T07:08:09.012345+00:00 ");
    assert_eq!(h(LogFormat::Raw), "");
    // No format: the local format, or RFC 3164 with a host name.
    assert_eq!(
        header(None, 6, 16, &m),
        "<134>Mar  5 07:08:09 haproxy[123]: "
    );
    let with_host = Meta {
        host: b"lb1",
        sd: b"[x@1 a=\"b\"]",
        ..m
    };
    assert_eq!(
        header(None, 3, 1, &with_host),
        "<11>Mar  5 07:08:09 lb1 haproxy[123]: "
    );
    assert_eq!(
        header(Some(LogFormat::Rfc5424), 3, 1, &with_host),
        "<11>1 2023-03-05T07:08:09.012345+00:00 lb1 haproxy 123 - [x@1 a=\"b\"] "
    );
}

#[test]
fn local_time_with_an_offset() {
    let z = Zone::from_tz(Some("EST5EDT,M3.2.0,M11.1.0"));
    let mut h = Header::default();
    h.build(LogFormat::Rfc5424, 6, 16, &local_meta(), now(&z));
    assert_eq!(
        String::from_utf8_lossy(h.bytes()),
        "<134>1 2023-03-05T02:08:09.012345-05:00 - haproxy 123 - - "
    );
    h.build(LogFormat::Local, 6, 16, &local_meta(), now(&z));
    assert_eq!(
        String::from_utf8_lossy(h.bytes()),
        "<134>Mar  5 02:08:09 haproxy[123]: "
    );
}

#[test]
fn relayed_timestamps_are_converted() {
    let iso = Meta {
        time: b"2022-12-24T10:11:12.5Z",
        host: b"h",
        tag: b"app",
        ..Meta::default()
    };
    assert_eq!(
        header(Some(LogFormat::Rfc3164), 5, 3, &iso),
        "<29>Dec 24 10:11:12 h app: "
    );
    let legacy = Meta {
        time: b"Dec  4 10:11:12",
        host: b"h",
        tag: b"app",
        pid: b"7",
        ..Meta::default()
    };
    // The year is the current one, or the previous one when the month is ahead.
    assert_eq!(
        header(Some(LogFormat::Rfc5424), 5, 3, &legacy),
        "<29>1 2022-12-04T10:11:12-00:00 h app 7 - - "
    );
    assert_eq!(
        header(None, 5, 3, &legacy),
        "<29>Dec  4 10:11:12 h app[7]: "
    );
    let nil = Meta {
        time: b"-",
        host: b"h",
        ..Meta::default()
    };
    assert_eq!(header(None, 5, 3, &nil), "<29>1 - h - - - - ");
    // A priority alone, or nothing.
    let prio = Meta {
        prio: b"<13>",
        ..Meta::default()
    };
    assert_eq!(header(None, 5, 1, &prio), "<13>");
    assert_eq!(header(None, 5, 1, &Meta::default()), "");
    // Only three digits fit.
    assert_eq!(header(Some(LogFormat::Priority), 7, 12499, &prio), "<999>");
    assert_eq!(header(Some(LogFormat::Priority), 5, 125, &prio), "<005>");
}

#[test]
fn datagrams_truncate_to_len() {
    let z = zone();
    let mut h = Header::default();
    h.build(LogFormat::Local, 6, 16, &local_meta(), now(&z));
    let mut out = Vec::new();
    let msg = b"0123456789".repeat(10);
    dgram(&h, &msg, 80, &mut out);
    // 35 bytes of header, 45 of message, then the line feed.
    assert_eq!(out.len(), 81);
    assert!(out.starts_with(b"<134>Mar  5 07:08:09 haproxy[123]: 0123"));
    assert!(out.ends_with(b"01234\n"));
    dgram(&h, b"short", 1024, &mut out);
    assert_eq!(out, b"<134>Mar  5 07:08:09 haproxy[123]: short\n");
    // A header element reaching the limit is replaced by the line feed.
    dgram(&h, &msg, 25, &mut out);
    assert_eq!(out, b"<134>Mar  5 07:08:09 \n");
}

#[test]
fn lines_truncate_to_len_with_their_line_feed() {
    let mut out = Vec::new();
    let msg = b"x".repeat(200);
    line(b"<134>", &msg, 80, &mut out);
    assert_eq!(out.len(), 80);
    assert!(out.ends_with(b"xx\n"));
    line(b"", b"hello", 1024, &mut out);
    assert_eq!(out, b"hello\n");
    ring_event(b"<134>", &msg, 100, &mut out);
    assert_eq!(out.len(), 100);
}

#[test]
fn tcp_framing() {
    let mut out = Vec::new();
    frame(b"<134>hello", Framing::OctetCount, &mut out);
    frame(b"<134>hi", Framing::Lf, &mut out);
    assert_eq!(out, b"10 <134>hello<134>hi\n");
    assert_eq!(trim_message(b"abc\n\0\n"), b"abc");
}
