//! Differential end-to-end test of HTTP actions: one configuration with many
//! `http-request`, `http-response` and `redirect` rules runs in Debian's HAProxy 2.6
//! and in Rampart, each in front of its own echo origin (in the test), and the same
//! requests go to both. For every request, what the origin received (request line,
//! headers in order, body) and what the client received (status line, headers in
//! order, body) must be identical: the configurations are the same, so nothing is
//! normalised but the ports.
//!
//! The rules cover header edits (`set-header`, `add-header`, `del-header` with match
//! methods, `replace-header`, `replace-value`), the request line (`set-path`,
//! `set-query`, `set-uri`, `replace-path`, `set-method`, `normalize-uri`), variables
//! (`set-var`, `set-var-fmt`, read back in log-format headers of both directions),
//! map lookups from files, `regsub`, `deny` with `deny_status` and payloads, `return`
//! with `lf-string` and headers, redirections (`location`, `prefix`, `scheme`, with
//! `drop-query`, `append-slash`, `set-cookie`, and the `redirect` keyword), `allow`,
//! conditions over named, anonymous and predefined ACLs, arguments naming servers
//! and backends, the rules of named `defaults` sections (run before the proxies'
//! own, for frontends and for backends), and on the response side `set-header`
//! from variables, `set-status`, `del-header`, `replace-header`, `replace-value`.
//! Some requests share a connection, so session variables and keep-alive after a
//! proxy's own answer are compared too.
//!
//! `E2E_DUMP=1` prints every exchange of both proxies on stderr.

mod httpkit;
mod support;

use httpkit::*;
use std::fmt::Write as _;
use support::*;

/// The configuration, listening on `port`, forwarding to the origin on `origin`.
fn config(port: u16, origin: u16) -> String {
    format!(
        r#"global
    nbthread 1
    expose-experimental-directives

defaults dfe
    mode http
    timeout tarpit 50ms
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    http-request set-header X-Dfe %[fe_name]
    http-request deny deny_status 410 if {{ path_beg /def-deny }}
    http-request allow if {{ path_beg /def-allow }}
    http-request set-var(txn.def) str(fromdefaults) if {{ path_beg /api }}
    http-response add-header X-Dfe-Res %[var(txn.def)]

frontend f from dfe
    bind 127.0.0.1:{port}
    acl is_api path_beg /api
    acl from_ex hdr(host) -i example.com
    acl has_q query -m found
    http-request set-var(txn.path) path
    http-request set-header X-Vars "%ci %f %b %HM %HU %HV %{{+Q}}r"
    http-request set-var(req.ua) req.hdr(user-agent),lower
    http-request set-var-fmt(txn.fmt) "%[method]-%[path]"
    http-request set-header X-Path %[var(txn.path)] if is_api
    http-request set-header X-Host-Ex yes if from_ex
    http-request add-header X-Added "a %[req.hdr(host)] b"
    http-request add-header X-Added second
    http-request set-header X-UA %[var(req.ua)] if {{ var(req.ua) -m found }}
    http-request del-header X-Remove
    http-request del-header x-pre- -m beg
    http-request del-header -drop -m end
    http-request replace-header X-Rep ^(\w+)-(\w+)$ \2-\1
    http-request replace-value X-Multi ^v(\d)$ val\1
    http-request set-header X-Map %[req.hdr(x-key),map(keys.map,nokey)]
    http-request set-header X-Map-Beg %[path,map_beg(paths.map)] if {{ path,map_beg(paths.map) -m found }}
    http-request set-header X-Regsub %[path,regsub(/+,_,g)]
    http-request set-header X-Lower %[req.hdr(x-case),lower] if {{ req.hdr(x-case) -m found }}
    http-request set-header X-Srv-Up %[srv_is_up(b/o)]
    http-request set-header X-Nbsrv %[nbsrv(b2)]
    http-request set-header X-Hdr2 %[req.hdr(x-multi,2)] if {{ req.hdr(x-multi) -m found }}
    http-request set-header X-Cnt %[req.hdr_cnt(x-multi)]
    http-request set-header X-Query-Arg %[url_param(id)] if {{ url_param(id) -m found }}
    http-request set-header X-Cookie %[req.cook(sess)] if {{ req.cook(sess) -m found }}
    http-request del-header ^x-re[gx] -m reg
    http-request set-var(txn.len) path,length
    http-request set-header X-Concat %[path]-%[method]-%[var(txn.len),add(1)]
    http-request set-header X-B64 %[req.hdr(x-case),base64] if {{ req.hdr(x-case) -m found }}
    http-request set-header X-Int %[req.hdr(x-num),mul(2)] if {{ req.hdr(x-num) -m found }}
    http-request set-var(sess.n) var(sess.n),add(1) if {{ var(sess.n) -m found }}
    http-request set-var(sess.n) int(1) if !{{ var(sess.n) -m found }}
    http-request set-header X-Sess-N %[var(sess.n)]
    http-request set-header X-Fetches "%[fe_id] %[method] %[url] %[base] %[req.ver] %[query] %[urlp(id)]" if {{ path_beg /fetch }}
    http-request set-header X-Conv "%[path,word(2,/)] %[path,crc32] %[path,sdbm] %[path,djb2] %[path,wt6] %[path,hex] %[path,bytes(1,3)] %[hdr(host),field(1,.)] %[path,url_dec] %[base32]" if {{ path_beg /fetch }}
    http-request set-header X-Hdrs %[req.hdrs,length] if {{ path_beg /fetch }}
    http-request set-header X-Fhdr %[req.fhdr(x-multi)] if {{ req.fhdr(x-multi) -m found }}
    http-request set-var(txn.once,ifnotexists) str(first)
    http-request set-var(txn.once,ifnotexists) str(second)
    http-request set-header X-Once %[var(txn.once)]
    http-request set-header X-Quoted %{{+Q}}[path] if {{ path_beg /fetch }}
    http-request set-header Host rewritten.example if {{ path_beg /host }}
    http-request set-uri http://other.example:8080%[path]?x if {{ path_beg /uri-host }}
    http-request set-path %[str()] if {{ path_beg /empty-path }}
    http-request set-query %[str()] if {{ path_beg /empty-query }}
    http-request replace-path ^/nomatch(.*) /x\1
    http-request set-header X-Reg %[path] if {{ path_reg ^/re/[0-9]+$ }}
    http-request set-header X-Sub %[path] if {{ path_sub -i /SUB/ }}
    http-request set-header X-File %[path] if {{ path -f paths.lst }}
    http-request return status 204 if {{ path /nocontent }}
    http-request return status 200 content-type text/plain file body.txt if {{ path /file }}
    http-request deny deny_status 503 if {{ path /unavail }}
    http-request redirect prefix / if {{ path_beg /self }}
    http-request set-header X-Copy %[req.hdr(x-big)]%[req.hdr(x-big)] if {{ path_beg /big }}
    http-request strict-mode off if {{ path_beg /lax }}
    http-request set-header X-Copy %[req.hdr(x-big)]%[req.hdr(x-big)] if {{ path_beg /lax }}
    http-request normalize-uri path-merge-slashes
    http-request normalize-uri path-strip-dotdot
    http-request normalize-uri query-sort-by-name if {{ path_beg /sort }}
    http-request normalize-uri percent-to-uppercase
    http-request normalize-uri percent-decode-unreserved
    http-request normalize-uri path-strip-dot
    http-request set-path %[path,lower] if {{ path_beg /LOWER }}
    http-request set-uri http://upstream.example%[path] if {{ path_beg /absuri }}
    http-request set-path /v2%[path,regsub(^/v1,)] if {{ path_beg /v1/ }}
    http-request replace-path ^/old/(.*) /new/\1
    http-request set-query %[query]&added=1 if has_q {{ path_beg /q }}
    http-request set-query plain=1 if !has_q {{ path_beg /q }}
    http-request set-uri /rewritten%[path] if {{ path_beg /rw }}
    http-request set-method POST if {{ req.hdr(x-method) -m str post }}
    http-request deny if {{ path_beg /deny }}
    http-request deny deny_status 429 content-type text/plain string "slow down" if {{ path_beg /slow }}
    http-request deny deny_status 403 hdr X-Why %[path] if {{ path_beg /why }}
    http-request return status 200 content-type text/plain lf-string "hello %[req.hdr(host)] %[var(txn.fmt)]" hdr X-Ret 1 if {{ path /hello }}
    http-request return status 404 if {{ path /gone }}
    http-request redirect location /login?from=%[path] code 302 if {{ path_beg /private }}
    http-request redirect prefix /p2 drop-query if {{ path_beg /pfx }}
    http-request redirect prefix https://secure.example.com set-cookie SEEN=1 if {{ path_beg /sec }}
    http-request redirect scheme https code 301 if {{ hdr(x-force-https) -m found }}
    http-request redirect location /slashed drop-query append-slash if {{ path_beg /slash }}
    http-request redirect location %[req.hdr(x-loc)] ignore-empty if {{ path_beg /ign }}
    http-request redirect location /see code 303 clear-cookie OLD if {{ path_beg /see }}
    http-request redirect location /perm code 308 if {{ path_beg /perm }}
    http-request auth realm "Secret Zone" if {{ path_beg /auth }} !{{ http_auth(users) }}
    http-request tarpit deny_status 500 if {{ path_beg /tarpit }}
    http-request return status 503 content-type application/json string "{{\"a\":1}}" hdr Retry-After 5 if {{ path /maint }}
    http-request deny deny_status 400 if {{ path /bad }}
    http-request allow if {{ path /allowed }}
    http-request set-header X-Not-Allowed 1
    redirect location /from-keyword code 307 if {{ path /kw }}
    use_backend b2 if {{ path_beg /b2 }} || METH_DELETE
    default_backend b
    http-response set-header X-Resp-Path %[var(txn.path)]
    http-response set-header X-Fmt %[var(txn.fmt)]
    http-response del-header X-Secret
    http-response set-status 201 if {{ status 200 }} {{ var(txn.path) -m beg /created }}
    http-response set-status 299 reason "Custom" if {{ var(txn.path) -m str /custom }}
    http-response replace-header Server ^(.*)$ proxied-\1
    http-response add-header X-Cache MISS
    http-response replace-value X-List ^a$ A
    http-response set-header X-Res-Map %[res.hdr(x-origin-key),map(keys.map,none)]
    http-response set-header X-Status %[status]
    http-response set-header X-Res-Ct %[res.hdr(content-type)]
    http-response replace-header Content-Type ^text/(.*)$ application/\1 if {{ var(txn.path) -m beg /ct }}
    http-response add-header Set-Cookie "x=1; path=/" if {{ var(txn.path) -m beg /cookie }}

userlist users
    user admin insecure-password pw

defaults dbe
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    http-request set-header X-Dbe %[be_name]
    http-response set-header X-Dbe-Res %[be_name]
    http-response del-header X-Origin-Only if {{ var(txn.path) -m beg /api }}

backend b from dbe
    http-request set-var(txn.be) be_name
    http-request set-header X-Backend %[var(txn.be)]
    http-request del-header X-Dfe if {{ path_beg /nodfe }}
    http-response set-header X-Be %[var(txn.be)]
    server o 127.0.0.1:{origin}

backend b2 from dbe
    http-request set-header X-Backend two
    http-response set-status 202
    server o 127.0.0.1:{origin}
"#
    )
}

/// The origin's answer: its own headers (which the response rules edit), and the
/// request line as the body.
fn answer(m: &Msg) -> Answer {
    let line = m.start.clone();
    let status = if line.contains("/status404") {
        "404 Not Found"
    } else {
        "200 OK"
    };
    let body = format!("{line}\n");
    Answer::raw(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nServer: echo\r\nX-Secret: s\r\n\
             X-List: a, b, a\r\nX-Origin-Key: k1\r\nX-Origin-Only: 1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        Then::KeepAlive,
    )
}

/// The requests: specific ones, then every path with every set of headers.
fn requests() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = vec![
        b"POST /api/post HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        b"DELETE /x HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
        b"HEAD /api/head HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
        b"GET /hello HTTP/1.0\r\n\r\n".to_vec(),
        b"GET http://example.com/api/abs?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n".to_vec(),
        b"GET /status404 HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
        b"PUT /created/put HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nab".to_vec(),
        b"GET /nodfe HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
        b"GET /abs2 HTTP/1.1\r\nHost: test\r\nX-Multi: a\r\nX-Multi: b, c\r\n\r\n".to_vec(),
        format!(
            "GET /big HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n",
            "b".repeat(7000)
        )
        .into_bytes(),
        format!(
            "GET /lax HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n",
            "b".repeat(7000)
        )
        .into_bytes(),
        b"HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
        b"HEAD /private/x HTTP/1.0\r\n\r\n".to_vec(),
        b"HEAD /deny HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
        b"GET /fetch/m HTTP/1.1\r\nHost: test\r\nX-Multi: a, b\r\nX-Multi: c\r\n\r\n".to_vec(),
        b"POST /private/p HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
        b"GET http://abs.example/uri-host/z HTTP/1.1\r\nHost: abs.example\r\n\r\n".to_vec(),
        b"GET /auth HTTP/1.1\r\nHost: test\r\nAuthorization: Basic YWRtaW46bm8=\r\n\r\n".to_vec(),
    ];
    let paths = [
        "/",
        "/api/x",
        "/api/v1/users?id=3",
        "/v1/thing",
        "/old/a/b",
        "/q?b=2&a=1",
        "/q",
        "/rw/x?y",
        "/sort?z=1&a=2&m=3",
        "//a//b///c",
        "/a/../b/./c/../d",
        "/%7euser/%2fx",
        "/deny",
        "/deny/more",
        "/slow",
        "/why/x",
        "/hello",
        "/gone",
        "/private/area?x=1",
        "/pfx/a?q=1",
        "/sec/x",
        "/kw",
        "/allowed",
        "/b2/x",
        "/created/1",
        "/custom",
        "/slash?k=v",
        "/def-deny",
        "/def-allow/x",
        "/mapped/x",
        "/api?x=%41",
        "/a%2d%41%2e%7E/x%2F",
        "/LOWER/CaSe",
        "/absuri/p?q=1",
        "/ign",
        "/see",
        "/perm?x",
        "/auth",
        "/tarpit",
        "/maint",
        "/bad",
        "/ct",
        "/cookie",
        "/x?id=7&y",
        "/./a/b/../../c",
        "/fetch/a%20b/c?id=5&z",
        "/host/x",
        "/uri-host/y?q",
        "/empty-path?k",
        "/empty-query?k=1",
        "/re/123",
        "/x/sub/y",
        "/listed",
        "/nocontent",
        "/file",
        "/unavail",
        "/self/x?y",
    ];
    let headers = [
        "",
        "User-Agent: Mozilla/5.0 TEST\r\nX-Key: k2\r\n",
        "X-Remove: 1\r\nX-Pre-A: 1\r\nx-pre-b: 2\r\nX-Keep: 3\r\nX-To-Drop: 4\r\n",
        "X-Rep: left-right\r\nX-Multi: v1, v2 ,x\r\nX-Multi: v3\r\nX-Key: nope\r\n",
        "X-Case: MiXeD\r\nX-Method: post\r\nX-Force-Https: 1\r\n",
        "Cookie: a=1; sess=xyz; OLD=2\r\nX-Num: 21\r\nX-Loc: /elsewhere\r\nX-Reg: 1\r\nX-Rex: 2\r\nAuthorization: Basic YWRtaW46eHg=\r\n",
    ];
    for (i, p) in paths.iter().enumerate() {
        for (j, h) in headers.iter().enumerate() {
            let host = if (i + j) % 2 == 0 {
                "example.com"
            } else {
                "test"
            };
            v.push(format!("GET {p} HTTP/1.1\r\nHost: {host}\r\n{h}\r\n").into_bytes());
        }
    }
    v
}

/// A message as text: its start line, its headers in order, its body.
fn show(m: &Msg) -> String {
    let mut s = m.start.clone();
    for (n, v) in &m.headers {
        let _ = write!(s, "\n  {n}: {v}");
    }
    let _ = write!(s, "\n  body: {:?}", String::from_utf8_lossy(&m.body));
    s
}

/// Sends `reqs` one after the other on a new connection to `port`, each once the
/// previous answer was read; for each, what the client got, then what the origin
/// received for it (`-` when nothing reached it).
fn exchange_all(port: u16, origin: &Origin, reqs: &[Vec<u8>]) -> Vec<(String, String)> {
    let mut w = Wire::connect(port);
    let mut out = Vec::new();
    for req in reqs {
        let before = origin.requests().len();
        w.send(req);
        let res = read_response(&mut w, req.starts_with(b"HEAD "));
        // The origin records a request before it answers it.
        let got = origin.requests();
        let up = match got.get(before..) {
            Some([m]) => show(m),
            Some([]) | None => "-".to_string(),
            Some(more) => format!("{} requests", more.len()),
        };
        let closes = res
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        out.push((show(&res), up));
        if closes {
            break;
        }
    }
    out
}

/// Requests sent on one connection: session variables live across them.
fn sequences() -> Vec<Vec<Vec<u8>>> {
    let get = |p: &str| format!("GET {p} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes();
    vec![
        vec![get("/api/1"), get("/b2/2"), get("/x/3"), get("/hello")],
        vec![get("/q?z"), get("/deny"), get("/api/after-deny")],
        vec![
            get("/private/x"),
            get("/cookie"),
            get("/gone"),
            get("/v1/y"),
        ],
    ]
}

#[test]
fn actions_match_haproxy_end_to_end() {
    let dir = TempDir::new("actions-e2e");
    dir.write("keys.map", "k1 value-one\nk2 value-two\n");
    dir.write("paths.map", "/mapped mapped-prefix\n/api api-prefix\n");
    dir.write("paths.lst", "/listed\n/other\n");
    dir.write("body.txt", "a file body\n");
    let base = free_ports(4);
    let (hp, ho, rp, ro) = (base, base + 1, base + 2, base + 3);
    let h_origin = Origin::start(ho, |m, _| answer(m));
    let r_origin = Origin::start(ro, |m, _| answer(m));
    let h = Launch::haproxy("haproxy", &dir, &config(hp, ho))
        .ready_tcp(local(hp))
        .spawn();
    let r = Launch::rampart("rampart", &dir, &config(rp, ro))
        .ready_tcp(local(rp))
        .spawn();
    let reqs = requests();
    assert!(reqs.len() >= 100, "only {} requests", reqs.len());
    let mut runs: Vec<Vec<Vec<u8>>> = reqs.into_iter().map(|r| vec![r]).collect();
    runs.extend(sequences());
    let mut diffs = Vec::new();
    let mut statuses = std::collections::BTreeSet::new();
    let (mut forwarded, mut total) = (0, 0);
    for run in &runs {
        let hs = exchange_all(hp, &h_origin, run);
        let rs = exchange_all(rp, &r_origin, run);
        for (i, req) in run.iter().enumerate() {
            let shown = String::from_utf8_lossy(req);
            let shown: String = shown.chars().take(300).collect();
            let none = (String::from("-"), String::from("-"));
            let (hc, hu) = hs.get(i).unwrap_or(&none);
            let (rc, ru) = rs.get(i).unwrap_or(&none);
            if std::env::var_os("E2E_DUMP").is_some() {
                eprintln!("{shown:?}\n{hc}\n{hu}\n---\n{rc}\n{ru}\n=====");
            }
            total += 1;
            statuses.insert(hc.split(' ').nth(1).unwrap_or("").to_string());
            if hu != "-" {
                forwarded += 1;
            }
            if hc != rc {
                diffs.push(format!(
                    "{shown:?}\n client, haproxy:\n{hc}\n client, rampart:\n{rc}\n"
                ));
            }
            if hu != ru {
                diffs.push(format!(
                    "{shown:?}\n origin, haproxy:\n{hu}\n origin, rampart:\n{ru}\n"
                ));
            }
        }
    }
    drop((h, r));
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    // The requests exercise the rules: answers of the proxy and of the origin, with
    // many statuses.
    assert!(statuses.len() >= 10, "only statuses {statuses:?} were seen");
    assert!(
        forwarded >= 50 && forwarded < total,
        "{forwarded} of {total} requests reached the origin"
    );
}
