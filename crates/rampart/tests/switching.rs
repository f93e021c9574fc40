//! End-to-end tests of backend switching: `use_backend NAME` chooses the backend over
//! `default_backend` (and over a `listen` section's own servers), in `mode http` and
//! `mode tcp`, per request when its condition uses HAProxy's predefined ACLs; rules whose
//! (empty) condition never matches are passed over, as HAProxy's
//! `process_switching_rules` does: an empty `if` never matches, an empty `unless` always.
//! The chosen backend's own `http-request return` rules run after the frontend's.
//! Within a backend, backup servers serve only when no active server can, and a
//! connection's last retry changes server only with `option redispatch`.
//!
//! The origins are frontends of the same process answering `http-request return` with
//! their own status, so each answer says which backend carried the request.
//! `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the same tests against HAProxy.

mod httpkit;
mod support;

use httpkit::*;
use support::*;

/// Frontends answering 211, 212 and 213 on `base`, `base + 1`, `base + 2`, and one
/// backend `bN` per origin (`b3` has `id 7`).
fn origins(base: u16) -> String {
    let mut s = String::new();
    for i in 0..3u16 {
        let n = i + 1;
        s += &format!(
            "frontend origin{n}\n    bind 127.0.0.1:{}\n    http-request return status {}\n",
            base + i,
            211 + i
        );
        s += &format!("backend b{n}\n    server s 127.0.0.1:{}\n", base + i);
        if n == 3 {
            s += "    id 7\n";
        }
        s += &format!(
            "backend t{n}\n    mode tcp\n    server s 127.0.0.1:{}\n",
            base + i
        );
    }
    s
}

fn config(body: &str, base: u16) -> String {
    format!(
        "defaults\n\
         \x20   mode http\n\
         \x20   timeout connect 2s\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         {body}{}",
        origins(base)
    )
}

fn status_via(port: u16) -> u16 {
    let (_w, m) = exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    m.status()
}

#[test]
fn use_backend_without_condition_wins_over_default_backend() {
    let dir = TempDir::new("switch");
    let base = free_ports(7);
    let fe = |i: u16| base + 3 + i;
    let body = format!(
        "frontend plain\n    bind 127.0.0.1:{}\n    use_backend b2\n    default_backend b1\n\
         frontend empty_conditions\n    bind 127.0.0.1:{}\n    use_backend b2 if\n    use_backend b3 unless\n    default_backend b1\n\
         frontend by_id\n    bind 127.0.0.1:{}\n    use_backend \"#7\"\n\
         listen tcp_listen\n    mode tcp\n    bind 127.0.0.1:{}\n    use_backend t2\n    server own 127.0.0.1:{base}\n",
        fe(0),
        fe(1),
        fe(2),
        fe(3)
    );
    let _p = Launch::rampart("proxy", &dir, &config(&body, base))
        .ready_tcp(local(fe(3)))
        .spawn();
    assert_eq!(
        status_via(fe(0)),
        212,
        "use_backend b2 before default_backend b1"
    );
    assert_eq!(
        status_via(fe(1)),
        213,
        "an empty `if` never matches, an empty `unless` always does"
    );
    assert_eq!(status_via(fe(2)), 213, "#7 is b3's id");
    assert_eq!(
        status_via(fe(3)),
        212,
        "a tcp listen's use_backend wins over its own servers"
    );
}

#[test]
fn without_use_backend_the_default_backend_and_the_listen_serve() {
    let dir = TempDir::new("switch-default");
    let base = free_ports(5);
    let body = format!(
        "frontend fe\n    bind 127.0.0.1:{}\n    default_backend b1\n\
         listen l\n    bind 127.0.0.1:{}\n    server own 127.0.0.1:{}\n",
        base + 3,
        base + 4,
        base + 2
    );
    let _p = Launch::rampart("proxy", &dir, &config(&body, base))
        .ready_tcp(local(base + 4))
        .spawn();
    assert_eq!(status_via(base + 3), 211);
    assert_eq!(status_via(base + 4), 213);
}

fn status_of(port: u16, req: &[u8]) -> u16 {
    let (_w, m) = exchange(port, req);
    m.status()
}

#[test]
fn use_backend_conditions_on_predefined_acls_choose_per_request() {
    let dir = TempDir::new("switch-cond");
    let base = free_ports(5);
    let body = format!(
        "frontend fe\n    bind 127.0.0.1:{}\n    use_backend b2 if METH_GET\n    use_backend b3 if METH_POST HTTP_1.0 || METH_PUT\n    default_backend b1\n\
         listen tcp_cond\n    mode tcp\n    bind 127.0.0.1:{}\n    use_backend t2 if METH_GET\n    use_backend t3 if LOCALHOST\n    server own 127.0.0.1:{base}\n",
        base + 3,
        base + 4,
    );
    let _p = Launch::rampart("proxy", &dir, &config(&body, base))
        .ready_tcp(local(base + 4))
        .spawn();
    let fe = base + 3;
    assert_eq!(status_of(fe, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 212);
    assert_eq!(
        status_of(fe, b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"),
        212,
        "METH_GET covers HEAD"
    );
    assert_eq!(
        status_of(fe, b"POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n"),
        213
    );
    assert_eq!(
        status_of(
            fe,
            b"PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        ),
        213
    );
    assert_eq!(
        status_of(
            fe,
            b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        ),
        211,
        "no rule matches: default_backend"
    );
    // In mode tcp an HTTP ACL never matches; LOCALHOST does.
    assert_eq!(status_via(base + 4), 213);
}

#[test]
fn backend_http_request_return_answers_after_the_frontend_rules() {
    let dir = TempDir::new("switch-berules");
    let base = free_ports(6);
    let body = format!(
        "frontend fe\n    bind 127.0.0.1:{}\n    http-request return status 230 if METH_PUT\n    use_backend answering if METH_GET\n    default_backend b1\n\
         backend answering\n    http-request return status 231 if METH_GET\n    server s 127.0.0.1:{base}\n\
         listen once\n    bind 127.0.0.1:{}\n    http-request return status 232 if\n    http-request return status 233 unless\n",
        base + 3,
        base + 4,
    );
    let _p = Launch::rampart("proxy", &dir, &config(&body, base))
        .ready_tcp(local(base + 4))
        .spawn();
    let fe = base + 3;
    assert_eq!(
        status_of(fe, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
        231,
        "the backend's rule"
    );
    assert_eq!(
        status_of(
            fe,
            b"PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        ),
        230,
        "the frontend's rule first"
    );
    assert_eq!(
        status_of(
            fe,
            b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        ),
        211
    );
    assert_eq!(
        status_via(base + 4),
        233,
        "an empty `if` never matches, an empty `unless` always does"
    );
}

/// The statuses of `n` requests on new connections.
fn statuses(port: u16, n: usize) -> Vec<u16> {
    (0..n).map(|_| status_via(port)).collect()
}

#[test]
fn backup_servers_serve_only_when_no_active_server_can() {
    let dir = TempDir::new("backup");
    let base = free_ports(7);
    let (o1, o2, o3) = (base, base + 1, base + 2);
    let body = format!(
        "listen active_up\n    bind 127.0.0.1:{}\n    server a 127.0.0.1:{o1}\n    server b1 127.0.0.1:{o2} backup\n    server b2 127.0.0.1:{o3} backup\n\
         listen first_backup\n    bind 127.0.0.1:{}\n    server a 127.0.0.1:{o1} disabled\n    server b1 127.0.0.1:{o2} backup\n    server b2 127.0.0.1:{o3} backup\n\
         listen all_backups\n    bind 127.0.0.1:{}\n    option allbackups\n    server a 127.0.0.1:{o1} disabled\n    server b1 127.0.0.1:{o2} backup\n    server b2 127.0.0.1:{o3} backup\n",
        base + 3,
        base + 4,
        base + 5,
    );
    let _p = Launch::rampart("proxy", &dir, &config(&body, base))
        .ready_tcp(local(base + 5))
        .spawn();
    assert_eq!(
        statuses(base + 3, 4),
        vec![211; 4],
        "the active server takes everything"
    );
    assert_eq!(statuses(base + 4, 4), vec![212; 4], "only the first backup");
    let mut all = statuses(base + 5, 4);
    all.sort_unstable();
    assert_eq!(
        all,
        vec![212, 212, 213, 213],
        "allbackups: the backups share the load"
    );
}

#[test]
fn the_last_retry_changes_server_only_with_option_redispatch() {
    let dir = TempDir::new("redispatch");
    let base = free_ports(6);
    // Nothing listens on `dead`: connections to it are refused.
    let dead = base + 5;
    let servers = format!("    server dead 127.0.0.1:{dead}\n    server live 127.0.0.1:{base}\n");
    let body = format!(
        "listen stay\n    bind 127.0.0.1:{}\n    retries 1\n    timeout connect 300ms\n{servers}\
         listen move\n    bind 127.0.0.1:{}\n    retries 1\n    option redispatch\n    timeout connect 300ms\n{servers}",
        base + 3,
        base + 4,
    );
    let _p = Launch::rampart("proxy", &dir, &config(&body, base))
        .ready_tcp(local(base + 4))
        .spawn();
    // Round robin sends every other stream to `dead`: without redispatch its retry
    // stays there (503), with it the last attempt goes to `live`.
    let mut stay = statuses(base + 3, 4);
    stay.sort_unstable();
    assert_eq!(stay, vec![211, 211, 503, 503]);
    assert_eq!(statuses(base + 4, 4), vec![211; 4]);
}

#[test]
fn connection_based_authentication_keeps_the_server_connection_to_its_client() {
    let dir = TempDir::new("ntlm");
    let base = free_ports(4);
    let (o1, o2, p) = (base, base + 1, base + 2);
    let body = format!(
        "frontend origin1\n    bind 127.0.0.1:{o1}\n    http-request return status 401 hdr WWW-Authenticate \"NTLM TlRMTVNTUAAB\" hdr X-Origin 1\n\
         frontend origin2\n    bind 127.0.0.1:{o2}\n    http-request return status 401 hdr WWW-Authenticate \"NTLM TlRMTVNTUAAB\" hdr X-Origin 2\n\
         listen auth\n    bind 127.0.0.1:{p}\n    http-reuse always\n    server s1 127.0.0.1:{o1}\n    server s2 127.0.0.1:{o2}\n"
    );
    let conf = format!(
        "defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n{body}"
    );
    let _p = Launch::rampart("proxy", &dir, &conf)
        .ready_tcp(local(p))
        .spawn();
    let mut c = Wire::connect(p);
    let mut seen = Vec::new();
    for _ in 0..3 {
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        let r = read_response(&mut c, false);
        assert_eq!(r.status(), 401);
        seen.push(r.header("x-origin").unwrap_or("?").to_string());
    }
    assert!(
        seen.iter().all(|s| *s == seen[0]),
        "every request of the authenticating client reaches the same server: {seen:?}"
    );
}
