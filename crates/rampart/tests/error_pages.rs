//! End-to-end tests of custom error responses (manual 4.2 `errorfile`, `errorfiles`,
//! `errorloc302`, `errorloc303`, `http-error`; 3.8 `http-errors` sections): which proxy's
//! page a stream sends (the backend's, then the frontend's, then HAProxy's built-in one),
//! what `defaults` sections pass on, and the bytes on the wire, which HAProxy rewrites
//! through its H1 layer (lower-case names, its own `connection` field, no body for
//! `HEAD`). Errors HAProxy's H1 layer raises itself (an unparsable request or body) keep
//! the built-in page unless the proxy's page for the status is empty.
//!
//! Every expectation is HAProxy 2.6's: `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the
//! same tests against it.

mod httpkit;
mod support;

use httpkit::*;
use std::net::Shutdown;
use std::time::Duration;
use support::*;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const GET10: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
const HEAD: &[u8] = b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n";
const QUIET: Duration = Duration::from_millis(300);
const CLOSE: Duration = Duration::from_secs(5);

const BUILTIN_503: &str = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
const RAW_400: &str = "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n";

/// An error file `name` in `dir` for `status`: a short page saying `name`.
fn page(dir: &TempDir, name: &str, status: u16) -> String {
    let body = format!("{name}\n");
    let text = format!(
        "HTTP/1.1 {status} Custom\r\nContent-Length: {}\r\nX-Page: {name}\r\n\r\n{body}",
        body.len()
    );
    dir.write(name, &text).to_string_lossy().into_owned()
}

/// What the proxy sends for the page `name` written by [`page`].
fn sent(name: &str, status: u16) -> String {
    let body = format!("{name}\n");
    format!(
        "HTTP/1.1 {status} Custom\r\ncontent-length: {}\r\nx-page: {name}\r\n\r\n{body}",
        body.len()
    )
}

/// Sends `req` on `c` and reads exactly the length of `expected`.
fn answer(c: &mut Wire, req: &[u8], expected: &str) -> String {
    c.send(req);
    String::from_utf8_lossy(&c.exact(expected.len())).into_owned()
}

/// A new connection to `port` sending `req`, expecting `expected` and then a
/// connection that stays open for another request.
fn kept(port: u16, req: &[u8], expected: &str) {
    let mut c = Wire::connect(port);
    assert_eq!(answer(&mut c, req, expected), expected);
    assert!(c.stays_open(QUIET), "the connection should stay open");
    assert_eq!(answer(&mut c, req, expected), expected, "second request");
}

/// A new connection to `port` sending `req`, expecting `expected` and then a close.
fn closed(port: u16, req: &[u8], expected: &str) {
    let mut c = Wire::connect(port);
    c.send(req);
    let got = String::from_utf8_lossy(&c.rest_until_close()).into_owned();
    assert_eq!(got, expected);
}

/// Starts the proxy under test, ready on `ports`.
fn start(dir: &TempDir, conf: &str, ports: &[u16]) -> Proc {
    let mut l = Launch::rampart("proxy", dir, conf);
    for &p in ports {
        l = l.ready_tcp(local(p));
    }
    l.spawn()
}

#[test]
fn errorloc_redirects_a_503() {
    let dir = TempDir::new("errloc");
    let p = free_ports(2);
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f302\n    bind 127.0.0.1:{p}\n    errorloc302 503 http://example.com/sorry\n    default_backend empty\n\
             frontend f303\n    bind 127.0.0.1:{}\n    errorloc303 503 /later\n    default_backend empty\n\
             backend empty\n",
            p + 1
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1]);
    let head302 = "HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: http://example.com/sorry\r\n";
    kept(p, GET, &format!("{head302}\r\n"));
    closed(p, GET10, &format!("{head302}connection: close\r\n\r\n"));
    kept(
        p + 1,
        GET,
        "HTTP/1.1 303 See Other\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: /later\r\n\r\n",
    );
}

#[test]
fn errorfile_is_written_as_haproxy_writes_it() {
    let dir = TempDir::new("errfile");
    let p = free_ports(4);
    let mixed = dir.write(
        "mixed.http",
        "HTTP/1.1 503 Nope\r\nContent-Length: 5\r\nX-Mixed-Case:   spaced value  \r\nConnection: keep-alive, x-foo\r\n\r\nhello",
    );
    let old = dir.write(
        "old.http",
        "HTTP/1.0 503 Old\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html>old</html>\n",
    );
    let ka10 = dir.write("ka10.http", "HTTP/1.0 503 Old\nContent-Length: 2\n\nhi");
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend mixed\n    bind 127.0.0.1:{p}\n    errorfile 503 {}\n    default_backend empty\n\
             frontend old\n    bind 127.0.0.1:{}\n    errorfile 503 {}\n    default_backend empty\n\
             frontend ka10\n    bind 127.0.0.1:{}\n    errorfile 503 {}\n    default_backend empty\n\
             frontend silent\n    bind 127.0.0.1:{}\n    errorfile 503 /dev/null\n    default_backend empty\n\
             backend empty\n",
            mixed.display(),
            p + 1,
            old.display(),
            p + 2,
            ka10.display(),
            p + 3,
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2, p + 3]);
    let head =
        "HTTP/1.1 503 Nope\r\ncontent-length: 5\r\nx-mixed-case: spaced value\r\nconnection: x-foo\r\n\r\n";
    kept(p, GET, &format!("{head}hello"));
    kept(p, HEAD, head);
    // An HTTP/1.0 client that asks for keep-alive is told so.
    kept(
        p,
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "HTTP/1.1 503 Nope\r\ncontent-length: 5\r\nx-mixed-case: spaced value\r\nconnection: x-foo\r\nconnection: keep-alive\r\n\r\nhello",
    );
    // `Connection: close` and no length: the connection ends with the page.
    closed(
        p + 1,
        GET,
        "HTTP/1.0 503 Old\r\ncontent-type: text/html\r\n\r\n<html>old</html>\n",
    );
    // An HTTP/1.0 page with a length keeps the connection, and says so.
    kept(
        p + 2,
        GET,
        "HTTP/1.0 503 Old\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nhi",
    );
    // An empty page: nothing is sent.
    closed(p + 3, GET, "");
}

#[test]
fn errorfiles_take_an_http_errors_section() {
    let dir = TempDir::new("errfiles");
    let p = free_ports(4);
    let (s503, s404, own) = (
        page(&dir, "s503", 503),
        page(&dir, "s404", 404),
        page(&dir, "own503", 503),
    );
    // The section comes after the proxies that use it.
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend all\n    bind 127.0.0.1:{p}\n    errorfiles site\n    default_backend empty\n\
             frontend all404\n    bind 127.0.0.1:{}\n    errorfiles site\n    http-request return status 404 default-errorfiles\n\
             frontend listed\n    bind 127.0.0.1:{}\n    errorfile 503 {own}\n    errorfiles site 404\n    default_backend empty\n\
             frontend listed404\n    bind 127.0.0.1:{}\n    errorfile 503 {own}\n    errorfiles site 404\n    http-request return status 404 default-errorfiles\n\
             backend empty\n\
             http-errors site\n    errorfile 503 {s503}\n    errorfile 404 {s404}\n",
            p + 1,
            p + 2,
            p + 3,
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2, p + 3]);
    kept(p, GET, &sent("s503", 503));
    kept(p + 1, GET, &sent("s404", 404));
    // Only the listed code comes from the section.
    kept(p + 2, GET, &sent("own503", 503));
    kept(p + 3, GET, &sent("s404", 404));
}

#[test]
fn http_error_builds_the_reply() {
    let dir = TempDir::new("httperr");
    let p = free_ports(3);
    let d503 = page(&dir, "d503", 503);
    let f503 = page(&dir, "f503", 503);
    let conf = cfg(
        "",
        &format!("    errorfile 503 {d503}\n"),
        &format!(
            "frontend built\n    bind 127.0.0.1:{p}\n    http-error status 503 content-type text/plain string \"sorry, later\" hdr x-a b\n    default_backend empty\n\
             frontend builtin\n    bind 127.0.0.1:{}\n    http-error status 503 default-errorfiles\n    default_backend empty\n\
             frontend file\n    bind 127.0.0.1:{}\n    http-error status 503 errorfile {f503}\n    default_backend empty\n\
             backend empty\n    http-error status 503 default-errorfiles\n",
            p + 1,
            p + 2,
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2]);
    let built = "HTTP/1.1 503 Service Unavailable\r\nx-a: b\r\ncontent-length: 12\r\ncontent-type: text/plain\r\n\r\n";
    kept(p, GET, &format!("{built}sorry, later"));
    kept(p, HEAD, built);
    // `default-errorfiles` drops the page inherited from the defaults section.
    kept(p + 1, GET, BUILTIN_503);
    kept(p + 2, GET, &sent("f503", 503));
}

#[test]
fn http_error_log_format_values_render_per_answer() {
    let dir = TempDir::new("httperr-lf");
    let p = free_ports(1);
    // The page is rendered for the stream it answers: the request's path and a
    // variable a rule set; an empty `hdr` value leaves the field out.
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request set-var(txn.who) str(guest) if {{ path /v }}\n\
             \x20   http-error status 403 content-type text/plain hdr x-path \"p=%[path]\" hdr x-who %[var(txn.who)] lf-string \"no %[path] for %[var(txn.who)]\"\n\
             \x20   http-request deny\n"
        ),
    );
    let _px = start(&dir, &conf, &[p]);
    let head = |len: usize, extra: &str| {
        format!("HTTP/1.1 403 Forbidden\r\nx-path: p=/v\r\n{extra}content-length: {len}\r\ncontent-type: text/plain\r\n\r\n")
    };
    kept(
        p,
        b"GET /v HTTP/1.1\r\nHost: t\r\n\r\n",
        &format!("{}no /v for guest", head(15, "x-who: guest\r\n")),
    );
    let other = "HTTP/1.1 403 Forbidden\r\nx-path: p=/\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\nno / for ";
    kept(p, GET, other);
}

#[test]
fn backend_page_first_then_frontend_page() {
    let dir = TempDir::new("errprec");
    let (p, o) = (free_ports(3), free_port());
    // A server that accepts and never answers: 504.
    let _silent = TestServer::tcp(o, |mut s| {
        let _ = read_until_closed(&mut s, 1 << 16);
    });
    let (fe503, fe504, be503) = (
        page(&dir, "fe503", 503),
        page(&dir, "fe504", 504),
        page(&dir, "be503", 503),
    );
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend slow\n    bind 127.0.0.1:{p}\n    errorfile 503 {fe503}\n    errorfile 504 {fe504}\n    default_backend silent\n\
             frontend none\n    bind 127.0.0.1:{}\n    errorfile 503 {fe503}\n    default_backend empty\n\
             frontend alone\n    bind 127.0.0.1:{}\n    errorfile 503 {fe503}\n\
             backend silent\n    timeout server 300ms\n    errorfile 503 {be503}\n    server s 127.0.0.1:{o}\n\
             backend empty\n    errorfile 503 {be503}\n",
            p + 1,
            p + 2,
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2]);
    // The backend has no 504 page: the frontend's.
    kept(p, GET, &sent("fe504", 504));
    // The backend's 503 page wins.
    kept(p + 1, GET, &sent("be503", 503));
    // No backend: the frontend's.
    kept(p + 2, GET, &sent("fe503", 503));
}

#[test]
fn defaults_pass_their_pages_on() {
    let dir = TempDir::new("errdef");
    let p = free_ports(3);
    let d503 = page(&dir, "d503", 503);
    let conf = format!(
        "defaults with\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n    errorfile 503 {d503}\n\
         frontend inherits\n    bind 127.0.0.1:{p}\n    default_backend empty1\n\
         backend empty1\n\
         frontend named\n    bind 127.0.0.1:{}\n    default_backend empty2\n\
         defaults without\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         frontend plain\n    bind 127.0.0.1:{}\n    default_backend empty2\n\
         backend empty2\n",
        p + 1,
        p + 2,
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2]);
    kept(p, GET, &sent("d503", 503));
    // The frontend inherited the page, its backend (later defaults) did not.
    kept(p + 1, GET, &sent("d503", 503));
    kept(p + 2, GET, BUILTIN_503);
}

#[test]
fn h1_layer_errors_keep_the_builtin_page_unless_empty() {
    let dir = TempDir::new("errh1");
    let (p, o) = (free_ports(3), free_port());
    let _origin = Origin::start(o, |_, _| Answer::ok("ok"));
    let (c400, c408) = (page(&dir, "c400", 400), page(&dir, "c408", 408));
    let conf = cfg(
        "",
        "",
        &format!(
            "listen custom\n    bind 127.0.0.1:{p}\n    timeout http-request 300ms\n    option http-buffer-request\n    errorfile 400 {c400}\n    errorfile 408 {c408}\n    server o 127.0.0.1:{o}\n\
             listen empty\n    bind 127.0.0.1:{}\n    errorfile 400 /dev/null\n    server o 127.0.0.1:{o}\n\
             listen unbuffered\n    bind 127.0.0.1:{}\n    errorfile 400 {c400}\n    server o 127.0.0.1:{o}\n",
            p + 1,
            p + 2,
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2]);
    let bad = b"GET / HTTP/1.1\r\nHost: t\r\nbad header\r\n\r\n";
    closed(p, bad, RAW_400);
    closed(p + 1, bad, "");
    // A body that is not valid chunked encoding: HAProxy's H1 layer answers too.
    let bad_chunk = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    closed(p, bad_chunk, RAW_400);
    closed(p + 2, bad_chunk, RAW_400);
    // The stream's own 408 (a body that does not come) is the proxy's page.
    let mut c = Wire::connect(p);
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab");
    let got = String::from_utf8_lossy(&c.rest_until_close()).into_owned();
    assert_eq!(
        got,
        "HTTP/1.1 408 Custom\r\ncontent-length: 5\r\nx-page: c408\r\nconnection: close\r\n\r\nc408\n"
    );
    // A client that sends nothing at all before closing gets nothing custom either.
    let mut c = Wire::connect(p + 1);
    c.s.shutdown(Shutdown::Write);
    assert!(c.closes_within(CLOSE));
}

#[test]
fn http_request_return_uses_error_pages() {
    let dir = TempDir::new("errreturn");
    let p = free_ports(4);
    let (s404, own, file) = (
        page(&dir, "s404", 404),
        page(&dir, "own503", 503),
        page(&dir, "file503", 503),
    );
    let conf = cfg(
        "",
        "",
        &format!(
            "frontend section\n    bind 127.0.0.1:{p}\n    http-request return status 404 errorfiles site\n\
             frontend missing\n    bind 127.0.0.1:{}\n    http-request return status 403 errorfiles site\n\
             frontend default\n    bind 127.0.0.1:{}\n    errorfile 503 {own}\n    http-request return status 503 default-errorfiles\n\
             frontend file\n    bind 127.0.0.1:{}\n    http-request return status 503 errorfile {file}\n\
             http-errors site\n    errorfile 404 {s404}\n",
            p + 1,
            p + 2,
            p + 3,
        ),
    );
    let _px = start(&dir, &conf, &[p, p + 1, p + 2, p + 3]);
    kept(p, GET, &sent("s404", 404));
    // The section has no 403 page: a reply without payload.
    kept(
        p + 1,
        GET,
        "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n",
    );
    kept(p + 2, GET, &sent("own503", 503));
    kept(p + 3, GET, &sent("file503", 503));
    kept(p + 3, HEAD, &sent("file503", 503).replace("file503\n", ""));
}
