//! End-to-end tests of capture slots (configuration manual 4.2 `capture request
//! header`, `capture response header`, `declare capture`, `http-request capture`,
//! `http-response capture`, `tcp-request content capture`; 7.3.6 `capture.req.hdr`,
//! `capture.res.hdr`): which occurrence of a header a slot keeps, the length it is cut
//! to, the numbering shared by every kind of slot, rules filling declared slots by id,
//! and the other TCP rule settings (`set-priority-class`, `set-priority-offset`,
//! `set-mark`, `set-tos`, `set-nice`, `set-log-level`) taking effect on the stream. The
//! fetches are echoed in response headers.
//!
//! Every expectation is HAProxy 2.6's: `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the
//! same tests against it.

mod httpkit;
mod support;

use httpkit::*;
use std::io::Write;
use support::*;

/// An origin answering every request with the response headers `headers`
/// (`name: value` lines).
fn origin(port: u16, headers: &'static str) -> Origin {
    Origin::start(port, move |_, _| {
        Answer::raw(
            format!("HTTP/1.1 200 OK\r\n{headers}content-length: 2\r\n\r\nok"),
            Then::KeepAlive,
        )
    })
}

/// Sends `req` on `c` and reads one response.
fn ask(c: &mut Wire, req: &[u8]) -> Msg {
    c.send(req);
    read_response(c, false)
}

#[test]
fn header_and_declared_slots_share_the_numbering() {
    let dir = TempDir::new("cap-hdr");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = origin(
        o,
        "x-r: first\r\nx-r: second-one\r\nx-s: srv-value\r\nx-r: last-value\r\n",
    );
    // Request slots: 0 = x-a (5), 1 = declared (8), 2 = host (20), 3 = x-a again (50),
    // 4 = `http-request capture ... len 3`. Response slots: 0 = declared (6), 1 = x-r (4).
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   capture request header x-a len 5\n\
             \x20   declare capture request len 8\n\
             \x20   capture request header Host len 20\n\
             \x20   capture request header X-A len 50\n\
             \x20   http-request capture req.hdr(x-b) len 3\n\
             \x20   declare capture response len 6\n\
             \x20   capture response header X-R len 4\n\
             \x20   http-request capture req.hdr(x-b) id 1\n\
             \x20   http-request set-var(txn.early) capture.req.hdr(0)\n\
             \x20   http-response capture res.hdr(x-s) id 0\n\
             \x20   http-after-response set-header x-q0 %[capture.req.hdr(0)]\n\
             \x20   http-after-response set-header x-q1 %[capture.req.hdr(1)]\n\
             \x20   http-after-response set-header x-q2 %[capture.req.hdr(2)]\n\
             \x20   http-after-response set-header x-q3 %[capture.req.hdr(3)]\n\
             \x20   http-after-response set-header x-q4 %[capture.req.hdr(4)]\n\
             \x20   http-after-response set-header x-q5 %[capture.req.hdr(5)]\n\
             \x20   http-after-response set-header x-p0 %[capture.res.hdr(0)]\n\
             \x20   http-after-response set-header x-p1 %[capture.res.hdr(1)]\n\
             \x20   http-after-response set-header x-p2 %[capture.res.hdr(2)]\n\
             \x20   http-after-response set-header x-early %[var(txn.early)]\n\
             \x20   http-after-response set-header x-set %[capture.req.hdr(1),length] if {{ capture.req.hdr(1) -m found }}\n\
             \x20   default_backend b\n\
             backend b\n    server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let mut c = Wire::connect(p);
    let m = ask(
        &mut c,
        b"GET / HTTP/1.1\r\nhost: example.org\r\nx-a: one\r\nx-b: bravo-value\r\nx-a: the-last-one\r\n\r\n",
    );
    assert_eq!(m.status(), 200);
    let h = |n: &str| m.header(n).unwrap_or("<none>").to_string();
    // The last occurrence, cut to each slot's length; the rules saw the header
    // captures already.
    assert_eq!(h("x-q0"), "the-l");
    assert_eq!(h("x-early"), "the-l");
    assert_eq!(h("x-q1"), "bravo-va");
    assert_eq!(h("x-q2"), "example.org");
    assert_eq!(h("x-q3"), "the-last-one");
    assert_eq!(h("x-q4"), "bra");
    assert_eq!(h("x-q5"), "");
    assert_eq!(h("x-p0"), "srv-va");
    assert_eq!(h("x-p1"), "last");
    assert_eq!(h("x-p2"), "");
    assert_eq!(h("x-set"), "8");

    // The next request on the connection starts with empty slots.
    let m = ask(&mut c, b"GET / HTTP/1.1\r\nhost: h\r\n\r\n");
    let h = |n: &str| m.header(n).unwrap_or("<none>").to_string();
    assert_eq!(h("x-q0"), "");
    assert_eq!(h("x-q1"), "");
    assert_eq!(h("x-q2"), "h");
    assert_eq!(h("x-q4"), "");
    assert_eq!(h("x-set"), "<none>");
    assert_eq!(h("x-p1"), "last");
}

#[test]
fn proxy_answers_have_no_response_captures() {
    let dir = TempDir::new("cap-own");
    let p = free_ports(1);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   capture request header x-a len 10\n\
             \x20   capture response header x-r len 10\n\
             \x20   http-request return status 200 hdr x-r mine\n\
             \x20   http-after-response set-header x-q0 %[capture.req.hdr(0)]\n\
             \x20   http-after-response set-header x-p0 %[capture.res.hdr(0)] if {{ capture.res.hdr(0) -m found }}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let (_, m) = exchange(p, b"GET / HTTP/1.1\r\nhost: h\r\nx-a: A\r\n\r\n");
    assert_eq!(m.status(), 200);
    assert_eq!(m.header("x-q0"), Some("A"));
    assert_eq!(m.header("x-p0"), None);
}

#[test]
fn tcp_content_rules_fill_slots_and_set_the_stream() {
    let dir = TempDir::new("cap-tcp");
    let p = free_ports(2);
    let o = p + 1;
    let _origin = origin(o, "");
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   tcp-request content capture req.hdr(host) len 4\n\
             \x20   tcp-request content set-priority-class int(7)\n\
             \x20   tcp-request content set-priority-offset int(-250)\n\
             \x20   tcp-request content set-mark 0\n\
             \x20   tcp-request content set-tos 0\n\
             \x20   tcp-request content set-nice 10\n\
             \x20   tcp-request content set-log-level notice\n\
             \x20   declare capture request len 2\n\
             \x20   http-request capture req.hdr(x-b) id 1\n\
             \x20   http-after-response set-header x-q0 %[capture.req.hdr(0)]\n\
             \x20   http-after-response set-header x-q1 %[capture.req.hdr(1)]\n\
             \x20   http-after-response set-header x-prio %[prio_class]/%[prio_offset]\n\
             \x20   default_backend b\n\
             backend b\n    server s 127.0.0.1:{o}\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let (_, m) = exchange(
        p,
        b"GET / HTTP/1.1\r\nhost: example.org\r\nx-b: bravo\r\n\r\n",
    );
    assert_eq!(m.status(), 200);
    assert_eq!(m.header("x-q0"), Some("exam"));
    assert_eq!(m.header("x-q1"), Some("br"));
    assert_eq!(m.header("x-prio"), Some("7/-250"));
}

#[test]
fn tcp_mode_content_capture_is_read_by_later_rules() {
    let dir = TempDir::new("cap-tcpmode");
    let p = free_ports(2);
    let o = p + 1;
    let server = TestServer::start(ListenOn::Tcp(local(o)), echo);
    let conf = format!(
        "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         frontend f\n    bind 127.0.0.1:{p}\n\
         \x20   tcp-request inspect-delay 30s\n\
         \x20   tcp-request content capture req.payload(0,6) len 3 if {{ req.len ge 6 }}\n\
         \x20   tcp-request content set-priority-class int(3)\n\
         \x20   tcp-request content reject if {{ capture.req.hdr(0) -m str bad }}\n\
         \x20   tcp-request content reject if !{{ prio_class 3 }}\n\
         \x20   tcp-request content accept if {{ capture.req.hdr(0) -m found }}\n\
         \x20   default_backend b\n\
         backend b\n    server s 127.0.0.1:{o}\n"
    );
    let _px = Launch::rampart("proxy", &dir, &conf)
        .ready_tcp(local(p))
        .spawn();
    // Accepted: echoed back, without waiting for the inspect delay (the capture
    // fetches never wait for more data).
    let t = std::time::Instant::now();
    let mut c = connect(local(p));
    c.write_all(b"good-payload").expect("sending");
    assert_eq!(read_exact(&mut c, 12), b"good-payload");
    assert!(t.elapsed() < std::time::Duration::from_secs(15));
    // Refused by the captured value.
    let mut c = connect(local(p));
    c.write_all(b"bad-payload").expect("sending");
    assert!(
        wait_closed(&mut c, std::time::Duration::from_secs(10)).is_some(),
        "the connection stayed open"
    );
    drop(server);
}

#[test]
fn switch_mode_http_keeps_what_the_tcp_rules_set() {
    let dir = TempDir::new("cap-switch");
    let p = free_ports(1);
    // The `mode tcp` stream's capture (slot 1: the declared slot comes first) and
    // priority class stay with the HTTP stream `switch-mode http` turns it into
    // (HAProxy's stream goes on).
    let conf = format!(
        "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         frontend f\n    bind 127.0.0.1:{p}\n\
         \x20   declare capture request len 8\n\
         \x20   tcp-request inspect-delay 30s\n\
         \x20   tcp-request content capture req.payload(0,3) len 3 if {{ req.len ge 3 }}\n\
         \x20   tcp-request content set-priority-class int(7)\n\
         \x20   tcp-request content switch-mode http if HTTP\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"cap=%[capture.req.hdr(0)],%[capture.req.hdr(1)] prio=%[prio_class]\"\n"
    );
    let _px = Launch::rampart("proxy", &dir, &conf)
        .ready_tcp(local(p))
        .spawn();
    let mut c = connect(local(p));
    c.write_all(b"GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
        .expect("sending");
    let got = String::from_utf8_lossy(&read_until_closed(&mut c, 1 << 16)).into_owned();
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(got.ends_with("cap=,GET prio=7"), "{got}");
}
