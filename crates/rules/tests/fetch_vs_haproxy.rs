//! Differential test of the sample fetches against HAProxy 2.6 itself.
//!
//! One HAProxy process (Debian's `/usr/sbin/haproxy`, or `HAPROXY_BIN`) evaluates many
//! fetches on many requests, responses and raw TCP payloads, and reports each result
//! in hexadecimal after the `hex` converter (so the sample's type shows: an integer
//! is eight bytes, an address four or sixteen), followed by `<>` when the sample
//! exists (nothing at all when it does not):
//!
//! * requests: `http-request return` with one `%[FETCH,hex,concat(<,,>)]` line per
//!   fetch (layer 6 fetches through variables, HAProxy ignoring them in log-formats);
//! * responses: an in-test server answers canned responses, `http-response set-var`
//!   stores each fetch's sample and `http-response set-header` reports it;
//! * TCP payloads: `tcp-request content set-var` once the client has shut its side
//!   down (`WAIT_END`), the values reported by the log line (UDP, `format raw`).
//!
//! The same requests are parsed with `rampart_h1`, the same payloads buffered, and the
//! fetches evaluated with `rampart_rules`; every difference is reported and fails the
//! test. Nothing is masked: ports and addresses are known to both sides, and no fetch
//! here depends on time or randomness.

#![allow(clippy::expect_used)]

mod common;

use common::{free_ports, Haproxy, TempDir};
use rampart_h1::{parse_request, parse_response, ParseOpts, Parsed, RequestHead, ResponseHead};
use rampart_rules::args::parse_args;
use rampart_rules::fetch;
use rampart_rules::sample::SmpType;
use rampart_rules::stream::{Dir, Env, Iter, Stream};
use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// What is compared.

/// Fetches evaluated on every request. Those marked `true` are layer 6 fetches, which
/// HAProxy refuses in an HTTP log-format: they go through a variable.
const REQUEST_FETCHES: &[(&str, bool)] = &[
    ("method", false),
    ("url", false),
    ("path", false),
    ("pathq", false),
    ("query", false),
    ("base", false),
    ("baseq", false),
    ("base32", false),
    ("base32+src", false),
    ("url32", false),
    ("url32+src", false),
    ("url_ip", false),
    ("url_port", false),
    ("url_param(a)", false),
    ("urlp(b)", false),
    ("url_param", false),
    ("urlp_val(n)", false),
    ("url_param(a,;)", false),
    ("url_param(x,/)", false),
    ("req.ver", false),
    ("req_ver", false),
    ("req.proto_http", false),
    ("http_first_req", false),
    ("capture.req.ver", false),
    ("capture.req.method", false),
    ("capture.req.uri", false),
    ("capture.req.hdr(0)", false),
    ("capture.req.hdr(1)", false),
    ("unique-id", false),
    ("req.hdr(x-f)", false),
    ("req.hdr(x-f,1)", false),
    ("req.hdr(x-f,2)", false),
    ("req.hdr(x-f,-2)", false),
    ("req.hdr(x-f,4294967297)", false),
    ("req.hdr()", false),
    ("req.hdr", false),
    ("hdr(host)", false),
    ("req.fhdr(x-f)", false),
    ("req.fhdr(x-f,1)", false),
    ("req.fhdr(user-agent)", false),
    ("req.hdr_cnt(x-f)", false),
    ("req.fhdr_cnt(x-f)", false),
    ("hdr_cnt", false),
    ("req.hdr_cnt()", false),
    ("req.hdr_ip(x-ip)", false),
    ("req.hdr_ip(x-ip,1)", false),
    ("hdr_ip(x-f,-1)", false),
    ("hdr_val(x-n)", false),
    ("req.hdr_val(x-n,1)", false),
    ("req.hdr_names", false),
    ("req.hdr_names(;)", false),
    ("req.hdrs", false),
    ("req.hdrs_bin", false),
    ("req.cook(a)", false),
    ("req.cook", false),
    ("cook(b)", false),
    ("cookie(c)", false),
    ("req.cook_cnt(a)", false),
    ("cook_cnt", false),
    ("req.cook_val(a)", false),
    ("cook_val(b)", false),
    ("req.body", false),
    ("req.body_len", false),
    ("req.body_size", false),
    ("req.body_param(a)", false),
    ("req.body_param", false),
    ("http_auth_type", false),
    ("http_auth_user", false),
    ("http_auth_pass", false),
    ("http_auth_bearer", false),
    ("http_auth_bearer(x-token)", false),
    ("src", false),
    ("src_port", false),
    ("dst", false),
    ("dst_port", false),
    ("fc_dst_port", false),
    ("so_id", false),
    ("so_name", false),
    ("fe_id", false),
    ("fe_name", false),
    ("fe_defbe", false),
    ("internal.strm.is_htx", false),
    ("wait_end", false),
    ("str(x)", false),
    ("int(-3)", false),
    ("req.len", true),
    ("req.payload(0,1)", true),
    ("rdp_cookie_cnt", true),
    ("req.ssl_sni", true),
];

/// Requests, each sent on its own connection.
const REQUESTS: &[&str] = &[
    concat!(
        "GET /a/b?a=1&b=2;a=3&n=42x&;x HTTP/1.1\r\nHost: Ex.com:81\r\n",
        "X-F: 1.2.3.4, \"a,b\" ,5.6.7.8:80\r\nx-f: ::1\r\nX-Ip: junk, 10.0.0.1:8080\r\n",
        "X-N: -17\r\nX-N: 3 4\r\nUser-Agent: a, b\r\n",
        "Cookie: a=1; b = \"x;y\" ; $Path=/; c; a=2, d=4\r\nCookie: c=5;a=-3x\r\n\r\n"
    ),
    "GET http://10.1.2.3:8080/p/q?x=1&a=%41 HTTP/1.1\r\nHost: 10.1.2.3:8080\r\n\r\n",
    "GET HTTP://10.9.8.7 HTTP/1.1\r\nHost: 10.9.8.7\r\n\r\n",
    "GET https://[::1]:444/z HTTP/1.1\r\nHost: [::1]:444\r\n\r\n",
    "GET http://name.example/q/ HTTP/1.1\r\nHost: name.example\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: star\r\n\r\n",
    concat!(
        "POST /form?a=q HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n",
        "Content-Length: 23\r\n\r\na=1&b=x%20y&a=3;c=&d=45"
    ),
    concat!(
        "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
        "3\r\nabc\r\n6\r\n&a=77;\r\n0\r\n\r\n"
    ),
    "GET /old?x HTTP/1.0\r\nUser-Agent: a, b\r\nX-F:\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjpwYTpzcw==\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: bAS   QWxhZGRpbjpvcGVuIHNlc2FtZQ==, x\r\n\r\n",
    concat!(
        "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer tok.en\r\n",
        "X-Token: bearer   abc\r\n\r\n"
    ),
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcg==\r\nX-Token: Bearer\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YQ==YTpi\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basicx dXNlcjpwYTpzcw==\r\n\r\n",
    "GET /e HTTP/1.1\r\nHost: h\r\nX-F:\r\nX-F: ,\r\nx-f: a\r\nCookie: \r\nCookie: a=\r\n\r\n",
    "PURGE /x?%20=1&=2&&a HTTP/1.1\r\nHost: h\r\nX-N: 2147483648\r\nX-Ip: 1.2.3.4:-0\r\n\r\n",
    "GET /x HTTP/1.1\r\nHost: a, b\r\nX-Ip: 1.2.3.4:65536, ::ffff:1.2.3.4\r\n\r\n",
    "DELETE /d;a=5?b=6 HTTP/1.1\r\nHost:\r\nCookie: $x=1; a = 2 \r\n\r\n",
    "GET /p HTTP/1.1\r\nhost: h\r\nHost: second\r\n\r\n",
    "GET http://10.1.2.3:70000/x HTTP/1.0\r\n\r\n",
    "GET http://user@10.1.2.3:81 HTTP/1.0\r\n\r\n",
    "GET hTTps://10.1.2.3/x?a=b HTTP/1.1\r\nHost: 10.1.2.3\r\n\r\n",
    "GET /q?a&a=&a==&b=%26 HTTP/1.1\r\nHost: h\r\nX-F: a,\r\nX-Ip: 1.2.3.4:65535\r\n\r\n",
    concat!(
        "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=\"1,2\"; a=3,a=4;;a\r\n",
        "Authorization:   Bearer   \r\nX-N: 99999999999\r\n\r\n"
    ),
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YTpi\r\nAuthorization: Bearer x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: B x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer\r\n\r\n",
    "PUT /h;x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
];

/// Fetches evaluated on every response (in `http-response` rules).
const RESPONSE_FETCHES: &[&str] = &[
    "status",
    "res.ver",
    "resp_ver",
    "res.hdr(server)",
    "shdr(x-v)",
    "res.hdr(x-v,1)",
    "res.fhdr(x-v)",
    "res.hdr_cnt",
    "res.hdr_cnt(x-v)",
    "shdr_cnt(x-v)",
    "res.fhdr_cnt(x-v)",
    "res.hdr_ip(x-ip)",
    "shdr_ip(x-ip,2)",
    "res.hdr_val(x-v)",
    "shdr_val(x-v,2)",
    "res.hdr_names",
    "res.hdr_names(:)",
    "res.hdrs",
    "res.hdrs_bin",
    "res.cook(s)",
    "res.cook",
    "scook(t)",
    "scook(w)",
    "res.cook_cnt",
    "scook_cnt(s)",
    "res.cook_val(t)",
    "scook_val(w)",
    "cookie(t)",
    "hdr(server)",
    "res.body",
    "res.body_len",
    "res.body_size",
    "capture.res.ver",
    "capture.req.ver",
    "method",
    "be_name",
    "be_id",
    "srv_name",
    "srv_id",
    "fe_defbe",
    "res.len",
    "res.payload(0,1)",
];

/// Responses of the in-test server, chosen by the request's path (`/r0`, `/r1`…).
const RESPONSES: &[&str] = &[
    concat!(
        "HTTP/1.1 200 OK\r\nServer: s\r\n",
        "Set-Cookie: s=1; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nSet-Cookie: t=2\r\n",
        "X-Ip: 10.0.0.1:99999, 10.0.0.2\r\nX-V: 12, 13\r\nContent-Length: 5\r\n\r\nhello"
    ),
    "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-V: x\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n",
    concat!(
        "HTTP/1.1 302 Found\r\nLocation: /x\r\nSet-Cookie: $v=1; w = \"q;r\"\r\n",
        "Set-Cookie: w=-9; t=1\r\nContent-Length: 0\r\n\r\n"
    ),
    "HTTP/1.0 200 OK\r\nX-V: 7\r\nSet-Cookie: novalue\r\nSet-Cookie: =e\r\n\r\nclose-delimited",
    "HTTP/1.1 204 No Content\r\nServer: a, b\r\nX-Ip: ::1, 1.2.3.4:1\r\n\r\n",
];

/// Fetches evaluated on raw TCP payloads.
const TCP_FETCHES: &[&str] = &[
    "req.len",
    "req_len",
    "req.payload(0,2)",
    "req.payload(2,3)",
    "payload(8,2)",
    "req.payload(7,0)",
    "req.payload(10,0)",
    "req.payload(11,0)",
    "req.payload(9,2)",
    "req.payload_lv(0,2)",
    "payload_lv(1,1)",
    "req.payload_lv(0,2,+1)",
    "req.payload_lv(0,2,-1)",
    "req.payload_lv(0,2,6)",
    "req.payload_lv(0,2,7)",
    "rdp_cookie",
    "req.rdp_cookie(mstshash)",
    "req.rdp_cookie(MSTSHASH)",
    "rdp_cookie_cnt",
    "req.rdp_cookie_cnt(x)",
    "distcc_param(DIST)",
    "distcc_param(ARGV,2)",
    "distcc_body(ARGV)",
    "distcc_body(DOTI)",
    "req.ssl_hello_type",
    "req_ssl_hello_type",
    "req.ssl_ver",
    "req_ssl_ver",
    "req.ssl_sni",
    "req_ssl_sni",
    "req.ssl_alpn",
    "req.ssl_ec_ext",
    "req.ssl_st_ext",
    "wait_end",
    "req.proto_http",
    "req.hdr(host)",
    "req.ver",
    "path",
    "req.hdrs",
    "req.hdr_names",
    "hdr_cnt",
    "req.hdr()",
    "req.fhdr(,2)",
    "req.body",
    "req.body_len",
    "req.body_param",
    "internal.strm.is_htx",
    "src",
    "dst_port",
    "fe_name",
    "so_name",
];

const CURL_HELLO: &[u8] = include_bytes!("data/client_hello_curl.bin");
const OPENSSL_HELLO: &[u8] = include_bytes!("data/client_hello_openssl.bin");

/// Raw TCP payloads, each sent on its own connection before shutting the write side.
fn tcp_payloads() -> Vec<Vec<u8>> {
    let mut v2 = vec![0x80, 9 + 3 + 16, 1, 3, 1, 0, 3, 0, 0, 0, 16];
    v2.extend_from_slice(&[0x41; 3 + 16]);
    vec![
        CURL_HELLO.to_vec(),
        OPENSSL_HELLO.to_vec(),
        OPENSSL_HELLO[..OPENSSL_HELLO.len() - 3].to_vec(),
        CURL_HELLO[..100].to_vec(),
        b"\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00Cookie: mstshash=Admin\r\n\x01\x00".to_vec(),
        b"\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00Cookie: mstshash".to_vec(),
        b"DIST00000001ARGC00000002ARGV00000003-c\0ARGV00000002x\0DOTI00000004body".to_vec(),
        b"DIST00000001DOTI00000009bo".to_vec(),
        b"\x00\x03abcdefgh".to_vec(),
        b"\x00\x00\x00".to_vec(),
        v2,
        b"GET / HTTP/1.1\r\nHost: tcp.example\r\n\r\n".to_vec(),
        b"POST /p?a=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\na=2".to_vec(),
        Vec::new(),
    ]
}

// ---------------------------------------------------------------------------------------
// The test.

#[test]
fn fetches_match_haproxy() {
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp socket");
    udp.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let log_port = udp.local_addr().expect("udp address").port();
    let server = TcpListener::bind("127.0.0.1:0").expect("server socket");
    let server_addr = server.local_addr().expect("server address");
    thread::spawn(move || serve(server));
    let base = free_ports(3);
    let (http_port, res_port, tcp_port) = (base, base + 1, base + 2);
    let dir = TempDir::new("fetch");
    let cfg = config(http_port, res_port, tcp_port, log_port, server_addr);
    let cfg_path = dir.0.join("fetch.cfg");
    std::fs::write(&cfg_path, &cfg).expect("write configuration");
    let _haproxy = Haproxy::start(&cfg_path, &[http_port, res_port, tcp_port]);
    // Waiting for the TCP listener made one empty connection, which logged a line.
    let mut buf = vec![0u8; 70000];
    udp.recv(&mut buf)
        .expect("the log line of the first connection");

    let mut diffs = Vec::new();
    for (i, raw) in REQUESTS.iter().enumerate() {
        check_request(i, raw, http_port, &mut diffs);
    }
    for (i, raw) in RESPONSES.iter().enumerate() {
        check_response(i, raw, res_port, server_addr, &mut diffs);
    }
    for (i, payload) in tcp_payloads().iter().enumerate() {
        check_tcp(i, payload, tcp_port, &udp, &mut diffs);
    }
    assert!(
        diffs.is_empty(),
        "{} differences with HAProxy:\n{}\n\nconfiguration:\n{cfg}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// A fetch as reported: the sample cast to binary in hexadecimal followed by `<>`
/// (`concat(<,,>)` appends them), empty when there is no sample.
fn report(v: Option<Vec<u8>>) -> String {
    match v {
        Some(b) => {
            let mut s = String::new();
            for c in b {
                let _ = write!(s, "{c:02X}");
            }
            s.push_str("<>");
            s
        }
        None => String::new(),
    }
}

fn lf(expr: &str) -> String {
    format!("%[{expr},hex,concat(<,,>)]")
}

fn config(http: u16, res: u16, tcp: u16, log: u16, server: SocketAddr) -> String {
    let mut c = format!(
        "global\n    log 127.0.0.1:{log} len 65535 format raw local0\n\
         defaults\n    timeout client 10s\n    timeout server 10s\n    timeout connect 10s\n\n\
         frontend fe_http\n    mode http\n    id 11\n\
         \x20   bind 127.0.0.1:{http} name lst1 id 5\n\
         \x20   option http-buffer-request\n    unique-id-format fixed-id\n\
         \x20   log 127.0.0.1:9 local0\n    option httplog\n\
         \x20   capture request header Host len 20\n\
         \x20   capture request header X-Nope len 5\n"
    );
    let mut body = String::new();
    for (i, (expr, via_var)) in REQUEST_FETCHES.iter().enumerate() {
        if *via_var {
            let _ = writeln!(c, "    http-request set-var(txn.v{i}) {expr}");
            let _ = write!(body, "{}\\n", lf(&format!("var(txn.v{i})")));
        } else {
            let _ = write!(body, "{}\\n", lf(expr));
        }
    }
    let _ = writeln!(
        c,
        "    http-request return status 200 content-type text/plain lf-string \"{body}\"\n"
    );
    let _ = writeln!(
        c,
        "frontend fe_res\n    mode http\n    id 12\n    bind 127.0.0.1:{res}\n\
         \x20   default_backend be_res\n\n\
         backend be_res\n    mode http\n    id 21\n    http-reuse never\n\
         \x20   http-response wait-for-body time 2s"
    );
    for (i, expr) in RESPONSE_FETCHES.iter().enumerate() {
        let _ = writeln!(c, "    http-response set-var(txn.r{i}) {expr}");
    }
    for i in 0..RESPONSE_FETCHES.len() {
        let _ = writeln!(
            c,
            "    http-response set-header x-r{i} \"{}\"",
            lf(&format!("var(txn.r{i})"))
        );
    }
    let _ = writeln!(c, "    server s1 {server} id 31\n");
    let _ = writeln!(
        c,
        "frontend fe_tcp\n    mode tcp\n    id 13\n    log global\n\
         \x20   bind 127.0.0.1:{tcp} name lst_tcp\n    tcp-request inspect-delay 5s\n\
         \x20   tcp-request content set-var(sess.wait) int(1) if WAIT_END"
    );
    let mut line = String::new();
    for (i, expr) in TCP_FETCHES.iter().enumerate() {
        let _ = writeln!(c, "    tcp-request content set-var(sess.t{i}) {expr}");
        let _ = write!(line, "{}|", lf(&format!("var(sess.t{i})")));
    }
    let _ = writeln!(
        c,
        "    tcp-request content reject\n    log-format \"{line}\""
    );
    c
}

// ---------------------------------------------------------------------------------------
// Requests.

fn check_request(i: usize, raw: &str, port: u16, diffs: &mut Vec<String>) {
    let mut conn = connect(port);
    let src = conn.local_addr().expect("local address");
    conn.write_all(raw.as_bytes()).expect("send request");
    let (status, _, body) = read_response(&mut conn);
    let mut head = RequestHead::new();
    let parsed = parse_request(raw.as_bytes(), &ParseOpts::default(), &mut head);
    let Ok(Parsed::Complete(n)) = parsed else {
        if status == 200 {
            diffs.push(format!(
                "request {i}: HAProxy accepted it, rampart_h1 says {parsed:?}"
            ));
        }
        return;
    };
    if status != 200 {
        diffs.push(format!(
            "request {i}: HAProxy answered {status}, rampart_h1 accepted it"
        ));
        return;
    }
    let data = dechunk(&head, &raw.as_bytes()[n..]);
    let line = request_line(&head);
    let env = TestEnv {
        src: Some(src),
        dst: local(port),
        listener: Some((5, "lst1")),
        frontend: (11, "fe_http"),
        backend: Some((11, "fe_http")),
        http: true,
        line: Some(line),
        captures: captures(&head),
        unique: Some(b"fixed-id"),
        ..TestEnv::default()
    };
    let mut s = Stream::new(&env);
    s.req = Some(&head);
    s.req_data = &data;
    s.req_complete = true;
    let got: Vec<&str> = body.split('\n').collect();
    for (j, (expr, _)) in REQUEST_FETCHES.iter().enumerate() {
        let mine = report(eval(expr, &s));
        let theirs = got.get(j).copied().unwrap_or("(missing)");
        if mine != theirs {
            diffs.push(format!(
                "request {i} {expr}: haproxy {theirs:?} rampart {mine:?} ({})",
                raw.lines().next().unwrap_or("")
            ));
        }
    }
}

/// The request line as HAProxy keeps it for the logs (`http_fmt_req_line`).
fn request_line(h: &RequestHead) -> Vec<u8> {
    let mut l = h.method_bytes().to_vec();
    l.push(b' ');
    l.extend_from_slice(h.uri());
    l.push(b' ');
    l.extend_from_slice(h.version_bytes());
    l
}

/// `capture request header Host len 20` and `X-Nope len 5`: the last field's value, cut.
fn captures(h: &RequestHead) -> Vec<(bool, usize, Vec<u8>)> {
    let mut out = Vec::new();
    for (slot, (name, len)) in [("host", 20), ("x-nope", 5)].iter().enumerate() {
        if let Some(v) = h.headers().get_all(name.as_bytes()).last() {
            out.push((false, slot, v[..v.len().min(*len)].to_vec()));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Responses.

fn check_response(i: usize, raw: &str, port: u16, server: SocketAddr, diffs: &mut Vec<String>) {
    let request = format!("GET /r{i} HTTP/1.1\r\nHost: h\r\n\r\n");
    let mut conn = connect(port);
    conn.write_all(request.as_bytes()).expect("send request");
    let (status, headers, _) = read_response(&mut conn);
    let mut req = RequestHead::new();
    let _ = parse_request(request.as_bytes(), &ParseOpts::default(), &mut req);
    let mut res = ResponseHead::new();
    let Ok(Parsed::Complete(n)) = parse_response(raw.as_bytes(), &ParseOpts::default(), &mut res)
    else {
        diffs.push(format!("response {i}: rampart_h1 does not parse it"));
        return;
    };
    if i64::from(res.status()) != i64::from(status) {
        diffs.push(format!("response {i}: HAProxy forwarded status {status}"));
        return;
    }
    let data = dechunk_res(&res, &raw.as_bytes()[n..]);
    let env = TestEnv {
        src: local(0),
        dst: local(port),
        frontend: (12, "fe_res"),
        backend: Some((21, "be_res")),
        server: Some((31, "s1")),
        http: true,
        defbe: Some("be_res"),
        ..TestEnv::default()
    };
    let _ = server;
    let mut s = Stream::new(&env);
    s.req = Some(&req);
    s.res = Some(&res);
    s.res_data = &data;
    s.dir = Dir::Res;
    for (j, expr) in RESPONSE_FETCHES.iter().enumerate() {
        let mine = report(eval(expr, &s));
        let name = format!("x-r{j}");
        let theirs = headers
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("(missing)", |(_, v)| v.as_str());
        if mine != theirs {
            diffs.push(format!(
                "response {i} {expr}: haproxy {theirs:?} rampart {mine:?} ({})",
                raw.lines().next().unwrap_or("")
            ));
        }
    }
}

/// The in-test server: answers `RESPONSES[i]` to `GET /r{i}` and closes.
fn serve(listener: TcpListener) {
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        thread::spawn(move || {
            conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if buf.len() > 65536 {
                    return;
                }
            }
            let text = String::from_utf8_lossy(&buf);
            let idx = text
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.strip_prefix("/r"))
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(r) = idx.and_then(|i| RESPONSES.get(i)) {
                let _ = conn.write_all(r.as_bytes());
            }
            let _ = conn.shutdown(Shutdown::Write);
            let _ = conn.read(&mut chunk);
        });
    }
}

// ---------------------------------------------------------------------------------------
// TCP payloads.

fn check_tcp(i: usize, payload: &[u8], port: u16, udp: &UdpSocket, diffs: &mut Vec<String>) {
    let mut conn = connect(port);
    let src = conn.local_addr().expect("local address");
    conn.write_all(payload).expect("send payload");
    conn.shutdown(Shutdown::Write).expect("shutdown");
    let mut sink = Vec::new();
    let _ = conn.read_to_end(&mut sink);
    let mut buf = vec![0u8; 70000];
    let n = match udp.recv(&mut buf) {
        Ok(n) => n,
        Err(e) => {
            diffs.push(format!("payload {i}: no log line ({e})"));
            return;
        }
    };
    let line = String::from_utf8_lossy(&buf[..n]).trim_end().to_string();
    let got: Vec<&str> = line.split('|').collect();
    let mut head = RequestHead::new();
    let parsed = matches!(
        parse_request(payload, &ParseOpts::default(), &mut head),
        Ok(Parsed::Complete(_))
    );
    let env = TestEnv {
        src: Some(src),
        dst: local(port),
        listener: Some((1, "lst_tcp")),
        frontend: (13, "fe_tcp"),
        ..TestEnv::default()
    };
    let mut s = Stream::new(&env);
    // In TCP mode HAProxy parses the buffer for the HTTP fetches; so does the
    // orchestrator.
    s.req = parsed.then_some(&head);
    s.req_data = payload;
    for (j, expr) in TCP_FETCHES.iter().enumerate() {
        let mine = report(eval(expr, &s));
        // A missing variable prints "-" in a log line.
        let theirs = got.get(j).map(|v| if *v == "-" { "" } else { v });
        if Some(mine.as_str()) != theirs && !past_the_data(expr, theirs, &mine) {
            diffs.push(format!(
                "payload {i} {expr}: haproxy {theirs:?} rampart {mine:?}"
            ));
        }
    }
}

/// The one inherent difference: the body of a distcc token announced longer than the
/// data received is returned at its announced length by HAProxy, with whatever its
/// buffer holds after the data; ours stops at the data.
fn past_the_data(expr: &str, theirs: Option<&str>, mine: &str) -> bool {
    let (Some(theirs), Some(mine)) = (theirs, mine.strip_suffix("<>")) else {
        return false;
    };
    expr.starts_with("distcc_body") && theirs.len() > mine.len() + 2 && theirs.starts_with(mine)
}

// ---------------------------------------------------------------------------------------
// Evaluation on our side.

/// Compiles and evaluates `expr` once, and returns its sample cast to binary.
fn eval(expr: &str, s: &Stream<'_>) -> Option<Vec<u8>> {
    let n = expr.find('(').unwrap_or(expr.len());
    let def = fetch::find(&expr[..n]).unwrap_or_else(|| panic!("unknown fetch {expr}"));
    let (mut args, _) = parse_args(&expr[n..], &def.args).unwrap_or_else(|e| panic!("{expr}: {e}"));
    if !args.is_empty() {
        if let Some(check) = def.check {
            check(&mut args).unwrap_or_else(|e| panic!("{expr}: {e}"));
        }
    }
    let v = (def.f)(s, &args, &mut Iter::single())?;
    match v.cast(SmpType::Bin)? {
        rampart_rules::sample::Value::Bin(b) => Some(b.into_owned()),
        other => panic!("{expr}: cast to binary gave {other:?}"),
    }
}

#[derive(Default)]
struct TestEnv {
    src: Option<SocketAddr>,
    dst: Option<SocketAddr>,
    listener: Option<(i64, &'static str)>,
    frontend: (i64, &'static str),
    backend: Option<(i64, &'static str)>,
    server: Option<(i64, &'static str)>,
    defbe: Option<&'static str>,
    http: bool,
    line: Option<Vec<u8>>,
    captures: Vec<(bool, usize, Vec<u8>)>,
    unique: Option<&'static [u8]>,
}

impl Env for TestEnv {
    fn src(&self) -> Option<SocketAddr> {
        self.src
    }
    fn dst(&self) -> Option<SocketAddr> {
        self.dst
    }
    fn listener(&self) -> Option<(i64, &str)> {
        self.listener
    }
    fn frontend(&self) -> Option<(i64, &str)> {
        Some(self.frontend)
    }
    fn backend(&self) -> Option<(i64, &str)> {
        self.backend
    }
    fn server(&self) -> Option<(i64, &str)> {
        self.server
    }
    fn default_backend(&self) -> Option<&str> {
        self.defbe
    }
    fn http_mode(&self) -> bool {
        self.http
    }
    fn first_request(&self) -> Option<bool> {
        Some(true)
    }
    fn logged_request_line(&self) -> Option<&[u8]> {
        self.line.as_deref()
    }
    fn capture(&self, response: bool, idx: usize) -> Option<&[u8]> {
        self.captures
            .iter()
            .find(|(r, i, _)| *r == response && *i == idx)
            .map(|(_, _, v)| v.as_slice())
    }
    fn unique_id(&self) -> Option<&[u8]> {
        self.unique
    }
    fn res_complete(&self) -> bool {
        // `http-response wait-for-body` waited for the whole (small) body.
        true
    }
}

/// The body bytes of a request as HAProxy buffers them (chunks decoded).
fn dechunk(head: &RequestHead, body: &[u8]) -> Vec<u8> {
    if head.is_chunked() {
        decode_chunks(body)
    } else {
        let len = head.content_length().unwrap_or(0) as usize;
        body[..len.min(body.len())].to_vec()
    }
}

fn dechunk_res(head: &ResponseHead, body: &[u8]) -> Vec<u8> {
    if head.is_chunked() {
        decode_chunks(body)
    } else {
        let len = head.content_length().unwrap_or(body.len() as u64) as usize;
        body[..len.min(body.len())].to_vec()
    }
}

/// A complete, well-formed chunked body (the test's own), without extensions.
fn decode_chunks(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(&String::from_utf8_lossy(&b[..eol]), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..start + size]);
        b = &b[start + size + 2..];
    }
}

// ---------------------------------------------------------------------------------------
// Plumbing: ports, HAProxy, a small HTTP client.

fn local(port: u16) -> Option<SocketAddr> {
    Some(SocketAddr::from(([127, 0, 0, 1], port)))
}

fn connect(port: u16) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", port)).expect("connect to haproxy");
    c.set_read_timeout(Some(Duration::from_secs(10))).ok();
    c
}

/// Reads one response: status, headers (lower-case names), body.
fn read_response(conn: &mut TcpStream) -> (u16, Vec<(String, String)>, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let mut head_len = None;
    loop {
        if head_len.is_none() {
            head_len = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
        }
        if let Some(h) = head_len {
            let text = String::from_utf8_lossy(&buf[..h]).to_string();
            let cl = text.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            });
            if buf.len() >= h + cl.unwrap_or(0) {
                let mut lines = text.lines();
                let status = lines
                    .next()
                    .and_then(|l| l.split(' ').nth(1))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let headers = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let body = String::from_utf8_lossy(&buf[h..h + cl.unwrap_or(0)]).to_string();
                return (status, headers, body);
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) => return (0, Vec::new(), String::new()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("reading the response: {e}"),
        }
        assert!(buf.len() < 1 << 20, "response too large");
    }
}
